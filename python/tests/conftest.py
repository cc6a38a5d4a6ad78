"""What the Python tests compare against: the C library of this tree
(target/lib/libketama.so.1, built by `make`), called through ctypes, and the fixtures'
reference files. Answers are taken from C at test time, never from the Python package.

The package under test is the installed wheel (`make python-test` installs it with pip into
target/python-env/site, first on PYTHONPATH), not python/ketama/ of the source tree.
"""

import ctypes
import os
import pathlib
import shutil

import pytest

import ketama

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "c-tests" / "fixtures"
KEYS = [line for line in (FIXTURES / "keys.txt").read_bytes().split(b"\n")]
if KEYS and KEYS[-1] == b"":
    KEYS.pop()  # the newline that ends the last line
CASES = sorted(p.name[: -len(".expected")] for p in FIXTURES.glob("*.expected"))
C_LIBRARY = pathlib.Path(os.environ.get("KETAMA_C_LIBRARY", ROOT / "target/lib/libketama.so.1"))

if pathlib.Path(ketama.__file__).resolve().is_relative_to(ROOT / "python"):
    raise RuntimeError("testing python/ketama/ of the source tree, not the installed wheel")


class Mcs(ctypes.Structure):
    _fields_ = [("point", ctypes.c_uint), ("ip", ctypes.c_char * 22)]


class ContinuumStruct(ctypes.Structure):
    _fields_ = [("numpoints", ctypes.c_int), ("modtime", ctypes.c_void_p), ("array", ctypes.c_void_p)]


class ServerInfo(ctypes.Structure):
    _fields_ = [("addr", ctypes.c_char_p), ("weight", ctypes.c_ulong), ("points", ctypes.c_uint)]


class KetamaServer(ctypes.Structure):
    _fields_ = [("addr", ctypes.c_char_p), ("weight", ctypes.c_ulong)]


class CLibrary:
    """The C ABI of libketama.so.1, as C clients call it."""

    def __init__(self, path):
        lib = ctypes.CDLL(str(path))
        handle = ctypes.POINTER(ContinuumStruct)
        lib.ketama_roll.argtypes = [ctypes.POINTER(handle), ctypes.c_char_p]
        lib.ketama_roll.restype = ctypes.c_int
        lib.ketama_error.restype = ctypes.c_char_p
        lib.ketama_smoke.argtypes = [handle]
        lib.ketama_get_server.argtypes = [ctypes.c_char_p, handle]
        lib.ketama_get_server.restype = ctypes.POINTER(Mcs)
        lib.ketama_hashi.argtypes = [ctypes.c_char_p]
        lib.ketama_hashi.restype = ctypes.c_uint
        lib.ketama_md5_digest.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        lib.create_ketama.argtypes = [ctypes.POINTER(KetamaServer), ctypes.c_uint]
        lib.create_ketama.restype = handle
        lib.create_ketama_flavor.argtypes = [ctypes.POINTER(KetamaServer), ctypes.c_uint, ctypes.c_char_p]
        lib.create_ketama_flavor.restype = handle
        lib.ketama_roll_flavor.argtypes = [ctypes.POINTER(handle), ctypes.c_char_p, ctypes.c_char_p]
        lib.ketama_roll_flavor.restype = ctypes.c_int
        lib.ketama_flavor_name.argtypes = [ctypes.c_uint]
        lib.ketama_flavor_name.restype = ctypes.c_char_p
        lib.ketama_flavor_clients.argtypes = [ctypes.c_uint]
        lib.ketama_flavor_clients.restype = ctypes.c_char_p
        lib.get_server.argtypes = [handle, ctypes.c_char_p, ctypes.c_size_t]
        lib.get_server.restype = ctypes.c_int
        lib.ketama_server_count.argtypes = [handle]
        lib.ketama_server_at.argtypes = [handle, ctypes.c_int, ctypes.POINTER(ServerInfo)]
        self.lib = lib

    def roll(self, path, flavor=None):
        """A rolled file's CContinuum (ketama_roll_flavor when a flavor is named), or the text
        of ketama_error() if it does not roll."""
        cont = ctypes.POINTER(ContinuumStruct)()
        if flavor is None:
            ok = self.lib.ketama_roll(ctypes.byref(cont), os.fsencode(path))
        else:
            ok = self.lib.ketama_roll_flavor(ctypes.byref(cont), os.fsencode(path), flavor.encode())
        if not ok:
            message = self.lib.ketama_error().decode()
            self.lib.ketama_smoke(cont)
            return message
        return CContinuum(self, cont)

    def create(self, servers, flavor=None):
        """create_ketama of (address bytes, weight) pairs (create_ketama_flavor when a flavor
        is named), or the text of ketama_error()."""
        array = (KetamaServer * len(servers))(*[KetamaServer(a, w) for a, w in servers])
        if flavor is None:
            cont = self.lib.create_ketama(array, len(servers))
        else:
            cont = self.lib.create_ketama_flavor(array, len(servers), flavor.encode())
        if not cont:
            return self.lib.ketama_error().decode()
        return CContinuum(self, cont)

    def flavors(self):
        """{name: clients} of every flavor, in ketama_flavor_name's order."""
        flavors = {}
        for i in range(1000):
            name = self.lib.ketama_flavor_name(i)
            if name is None:
                return flavors
            flavors[name.decode()] = self.lib.ketama_flavor_clients(i).decode()
        raise AssertionError("ketama_flavor_name never returns NULL")

    def hashi(self, key):
        return self.lib.ketama_hashi(key)

    def md5digest(self, key):
        out = ctypes.create_string_buffer(16)
        self.lib.ketama_md5_digest(key, out)
        return out.raw


class CContinuum:
    def __init__(self, clib, cont):
        self.lib = clib.lib
        self.cont = cont

    def close(self):
        self.lib.ketama_smoke(self.cont)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def points(self):
        n = self.cont.contents.numpoints
        array = ctypes.cast(self.cont.contents.array, ctypes.POINTER(Mcs))
        return [(array[i].point, array[i].ip.decode()) for i in range(n)]

    def get_server(self, key):
        """(point, ip) from ketama_get_server (key as a C string)."""
        m = self.lib.ketama_get_server(key, self.cont).contents
        return (m.point, m.ip.decode())

    def index(self, key):
        """get_server(cont, key, len): the server's index."""
        return self.lib.get_server(self.cont, key, len(key))

    def info(self, index):
        """(whole address, weight, points) of server `index` (ketama_server_at)."""
        info = ServerInfo()
        assert self.lib.ketama_server_at(self.cont, index, ctypes.byref(info)) == 0
        return (info.addr.decode(), info.weight, info.points)

    def address(self, index):
        return self.info(index)[0]

    def server(self, key):
        return self.address(self.index(key))

    def server_count(self):
        return self.lib.ketama_server_count(self.cont)


@pytest.fixture(scope="session")
def clib():
    if not C_LIBRARY.exists():
        pytest.fail(f"{C_LIBRARY} is missing: run `make` first")
    return CLibrary(C_LIBRARY)


@pytest.fixture(scope="session")
def memcached_binary():
    path = shutil.which("memcached") or "/usr/bin/memcached"
    if not os.access(path, os.X_OK):
        pytest.skip("memcached is not installed (Debian: memcached; make deps installs it)")
    return path
