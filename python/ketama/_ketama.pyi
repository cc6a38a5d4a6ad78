# Type stubs of the extension module ketama._ketama (python/src/); ketama re-exports it.
import os
from typing import Iterable, Mapping, Sequence

Key = str | bytes
Address = str | bytes
# (address, weight), or (address, weight, name): the name is hashed in place of the address.
ServerItem = tuple[Address, int] | tuple[Address, int, Address | None]
Servers = (
    Mapping[str, int]
    | Mapping[bytes, int]
    | Iterable[ServerItem | Sequence[Address | int | None]]
)

class KetamaError(Exception):
    """A server file that does not roll, with the message ``ketama_error()`` gives in C."""

class Continuum:
    """A consistent-hashing ring of memcached servers, as libketama or another client builds it."""

    def __init__(
        self,
        filename: str | bytes | os.PathLike[str] | os.PathLike[bytes],
        flavor: str = "libketama",
    ) -> None:
        """Roll a server file as ``ketama_roll`` does, into ``flavor``'s ring; ``KetamaError``
        if it does not roll, ``ValueError`` for an unknown flavor."""
    @classmethod
    def from_servers(
        cls,
        servers: Servers,
        flavor: str = "libketama",
    ) -> Continuum:
        """A ring of ``{address: weight}``, ``(address, weight)`` pairs or ``(address, weight,
        name)`` triples, in order, as ``flavor``'s client builds it (``flavors()``)."""
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
    def flavor(self) -> str:
        """The name of the flavor the ring was built as (``"libketama"`` by default)."""
    @property
    def modtime(self) -> int:
        """The file's mtime in seconds when it was read; 0 from ``from_servers``."""
    def __len__(self) -> int: ...
    def __getitem__(self, index: int) -> str: ...

def flavors() -> dict[str, str]:
    """Every flavor's name (libketama first) and the clients, with their settings, it matches."""

def hashi(s: Key) -> int:
    """``ketama_hashi``: the first four bytes of the key's MD5, little endian."""

def md5digest(s: Key) -> bytes:
    """``ketama_md5_digest``: the key's 16-byte MD5 digest."""

__version__: str
