"""libketama's consistent hashing for Python 3, on the same Rust core as the C library.

Every key gets the same server as libketama's C clients (PHP, nginx, C programs) give it,
from the same server files, bit for bit.

The original ``python_ketama`` API (last.fm's ``ketamamodule.c``), so that old code ports
by changing nothing but the interpreter::

    cont = ketama.Continuum("/etc/memcached.servers")   # KetamaError if it does not roll
    point, ip = cont.get_server("user:1234")
    ketama.hashi("user:1234"); ketama.md5digest("user:1234")

and a modern one::

    ring = ketama.Continuum.from_servers({"10.0.1.1:11211": 600, "10.0.1.2:11211": 300})
    ring.server("user:1234")                 # '10.0.1.1:11211'
    ring.servers(["a", "b", b"c"])          # one batch, hashed with the GIL released
    ring.index("user:1234"); len(ring); ring[0]; cont.reload()

and the rings of the other clients of a fleet (flavors), so that a Python service finds what
a Java, Ruby, PHP or Node service stored::

    ketama.flavors()                         # {'libketama': ..., 'spymemcached': ..., ...}
    java = ketama.Continuum.from_servers({"10.0.1.1:11211": 1, "10.0.1.2:11211": 1},
                                         flavor="spymemcached")
    java.server("user:1234"); java.flavor   # 'spymemcached'

``ketama.pymemcache.KetamaHasher`` routes pymemcache's ``HashClient`` the same way.
"""

from ketama._ketama import Continuum, KetamaError, __version__, flavors, hashi, md5digest

__all__ = ["Continuum", "KetamaError", "flavors", "hashi", "md5digest", "__version__"]
