"""A hasher for pymemcache's ``HashClient`` that puts every key on the server libketama's C
clients (PHP, nginx, C programs) put it on, or on the one another client of the fleet puts it
on (a flavor: Java spymemcached, Ruby dalli, php-memcached, twemproxy, Node, ...)::

    from pymemcache.client.hash import HashClient
    from ketama.pymemcache import KetamaHasher

    servers = [("10.0.1.1", 11211), ("10.0.1.2", 11211)]
    client = HashClient(servers, hasher=KetamaHasher)            # equal weights
    client = HashClient(servers, hasher=KetamaHasher.weighted(
        {"10.0.1.1:11211": 600, "10.0.1.2:11211": 300}))
    client = HashClient(servers, hasher=KetamaHasher.from_file("/etc/memcached.servers"))
    # What a Java service wrote with spymemcached's KetamaConnectionFactory:
    client = HashClient(servers, hasher=KetamaHasher.flavored("spymemcached"))
    # What a Ruby service wrote with Dalli::Client.new(["10.0.1.1:11211:600", ...]):
    client = HashClient(servers, hasher=KetamaHasher.weighted(
        {"10.0.1.1:11211": 600, "10.0.1.2:11211": 300}, flavor="dalli"))

``HashClient`` calls ``hasher()`` with no arguments and names each ``(host, port)`` server
``"host:port"``; that name is the address given to the ring, as a server file's line spells
it (an IPv6 host in brackets, ``[2001:db8::7]:11211``), and the flavor hashes it as its
client names the server (libmemcached and twemproxy drop ``:11211``, dalli always writes the
port). Where the other client hashes a name of its own (twemproxy's ``- host:port:1 cache1``,
or the ``cache1/10.0.1.1:11211`` Java prints for a host name), ``names`` maps the address to
it. It routes the key it is given, without its ``key_prefix``.
"""

from __future__ import annotations

import functools
import os
from typing import Callable, Mapping

from ketama._ketama import Continuum


def address(node: str) -> str:
    """The address given to the ring for a ``HashClient`` node name: the name itself, with an
    IPv6 host put in brackets as a server file writes it (``HashClient`` names the server
    ``("::1", 11211)`` ``"::1:11211"``; a server file says ``[::1]:11211``)."""
    host, colon, port = node.rpartition(":")
    if colon and ":" in host and not host.startswith("["):
        return f"[{host}]:{port}"
    return node


class KetamaHasher:
    """pymemcache's hasher interface (``add_node``, ``remove_node``, ``get_node``) over a
    ``ketama.Continuum``.

    ``weights`` maps addresses (``"host:port"``) to weights and, by its order, gives the
    order of the servers, as the lines of a server file do (it decides only which server
    wins a point two servers share); when given, every server must be in it. Without it
    every server weighs the same, in the order ``HashClient`` adds them.

    ``flavor`` names the client whose ring this is (``ketama.flavors()``; ``ValueError`` for
    an unknown one). ``names`` maps an address to the name that client hashes for the server,
    where it is not the address (see the module).

    A server that ``HashClient`` marks dead is removed from the ring and the ring is rebuilt,
    as a server file without its line would be; it takes its old place when it comes back.
    """

    def __init__(
        self,
        weights: Mapping[str, int] | None = None,
        flavor: str = "libketama",
        names: Mapping[str, str] | None = None,
    ) -> None:
        self._weights = {address(a): w for a, w in (weights or {}).items()}
        self._rank = {a: i for i, a in enumerate(self._weights)}
        self._names = {address(a): n for a, n in (names or {}).items()}
        # The core knows the flavors and their aliases: a one-server ring checks the name
        # (ValueError listing the flavors) and gives it back as the flavor's own.
        self.flavor = Continuum.from_servers([("127.0.0.1:11211", 1)], flavor=flavor).flavor
        self._seen: dict[str, int] = {}
        # The ring and its nodes, replaced together.
        self._state: tuple[Continuum | None, tuple[str, ...]] = (None, ())

    @classmethod
    def weighted(
        cls,
        weights: Mapping[str, int],
        flavor: str = "libketama",
        names: Mapping[str, str] | None = None,
    ) -> Callable[[], KetamaHasher]:
        """A ``hasher=`` for ``HashClient`` with these weights, flavor and names (see the
        class); a bad flavor raises here, not in ``HashClient``."""
        return cls._factory(dict(weights), flavor, names)

    @classmethod
    def flavored(
        cls, flavor: str, names: Mapping[str, str] | None = None
    ) -> Callable[[], KetamaHasher]:
        """A ``hasher=`` for ``HashClient`` building ``flavor``'s ring of equal weights."""
        return cls._factory(None, flavor, names)

    @classmethod
    def from_file(
        cls, filename: str | os.PathLike[str], flavor: str = "libketama"
    ) -> Callable[[], KetamaHasher]:
        """A ``hasher=`` with the weights and order of a libketama server file, read as the C
        library reads it (``KetamaError`` if it does not roll), as ``flavor``'s ring. Keys
        land where C clients put them when ``HashClient`` is given every server of the file,
        each once."""
        ring = Continuum(filename, flavor)
        infos = (ring.server_info(i) for i in range(len(ring)))
        return cls.weighted({addr: weight for addr, weight, _ in infos}, flavor)

    @classmethod
    def _factory(
        cls,
        weights: dict[str, int] | None,
        flavor: str,
        names: Mapping[str, str] | None,
    ) -> Callable[[], KetamaHasher]:
        cls(weights, flavor, names)  # raises now for a bad flavor
        return functools.partial(cls, weights, flavor, dict(names or {}))

    @property
    def nodes(self) -> tuple[str, ...]:
        """The servers in the ring, in ring order."""
        return self._state[1]

    def add_node(self, node: str) -> None:
        if node in self.nodes:
            return
        if self._weights and address(node) not in self._weights:
            raise ValueError(f"no weight for server {node!r} (weights name {list(self._weights)})")
        self._seen.setdefault(node, len(self._seen))
        self._build(self.nodes + (node,))

    def remove_node(self, node: str) -> None:
        if node not in self.nodes:
            raise ValueError(f"No such node {node} to remove")
        self._build(tuple(n for n in self.nodes if n != node))

    def get_node(self, key: str | bytes) -> str | None:
        ring, nodes = self._state
        if ring is None:
            return None
        return nodes[ring.index(key)]

    def _build(self, nodes: tuple[str, ...]) -> None:
        def order(node: str) -> tuple[int, int]:
            return (self._rank.get(address(node), len(self._rank)), self._seen[node])

        nodes = tuple(sorted(nodes, key=order))
        ring = None
        if nodes:
            ring = Continuum.from_servers(
                [
                    (address(n), self._weights.get(address(n), 1), self._names.get(address(n)))
                    for n in nodes
                ],
                flavor=self.flavor,
            )
        self._state = (ring, nodes)
