# Type stubs of the extension module ketama._ketama (python/src/); ketama re-exports it.
import os
from typing import Iterable, Mapping

Key = str | bytes

class KetamaError(Exception):
    """A server file that does not roll, with the message ``ketama_error()`` gives in C."""

class Continuum:
    """A consistent-hashing ring of memcached servers."""

    def __init__(self, filename: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> None:
        """Roll a server file as ``ketama_roll`` does; ``KetamaError`` if it does not roll."""
    @classmethod
    def from_servers(
        cls, servers: Mapping[str | bytes, int] | Iterable[tuple[str | bytes, int]]
    ) -> Continuum:
        """A ring of ``{address: weight}`` or ``(address, weight)`` pairs, in order."""
    # The original API (python_ketama).
    def get_server(self, key: Key) -> tuple[int, str]:
        """``(point, ip)``: the key's point on the ring and ``mcs.ip`` (22 bytes at most)."""
    def get_points(self) -> list[tuple[int, str]]:
        """Every ``(point, ip)`` of the ring, ascending."""
    # The modern API.
    def server(self, key: Key) -> str:
        """The whole address of the key's server."""
    def index(self, key: Key) -> int:
        """The key's server as an index: ``self[i]`` is its address."""
    def servers(self, keys: Iterable[Key]) -> list[str]:
        """``server(k)`` for each key, in one SIMD batch with the GIL released."""
    def reload(self) -> bool:
        """Roll the file again; True if it now holds other servers or weights."""
    def server_info(self, index: int) -> tuple[str, int, int]:
        """``(address, weight, points)`` of server ``index``."""
    @property
    def filename(self) -> str | bytes | None:
        """The server file as given (after ``os.fspath``); None from ``from_servers``."""
    @property
    def modtime(self) -> int:
        """The file's mtime in seconds when it was read; 0 from ``from_servers``."""
    def __len__(self) -> int: ...
    def __getitem__(self, index: int) -> str: ...

def hashi(s: Key) -> int:
    """``ketama_hashi``: the first four bytes of the key's MD5, little endian."""

def md5digest(s: Key) -> bytes:
    """``ketama_md5_digest``: the key's 16-byte MD5 digest."""

__version__: str
