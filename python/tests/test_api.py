"""The modern API against the C library's in-memory API, batches against single lookups,
reload, and bad input: every mistake a caller can make is a Python exception."""

import hashlib
import os
import random
import time

import pytest

import ketama
from conftest import FIXTURES, KEYS


def random_keys(rng, n):
    """Keys of 0 to 300 bytes (several MD5 blocks), any byte, NUL included."""
    return [rng.randbytes(rng.choice((0, 1, 5, 12, 40, 55, 56, 64, 120, 300)) if rng.random() < 0.3
                          else rng.randrange(0, 40)) for _ in range(n)]


def test_hashi_and_md5digest_are_the_c_functions(clib):
    for key in KEYS[:500] + [b"", b"x" * 1000]:
        assert ketama.hashi(key) == clib.hashi(key)
        assert ketama.md5digest(key) == clib.md5digest(key) == hashlib.md5(key).digest()
        text = key.decode()
        assert ketama.hashi(text) == ketama.hashi(key)
        assert ketama.md5digest(text) == ketama.md5digest(key)
    assert ketama.md5digest("ключ") == hashlib.md5("ключ".encode()).digest()


@pytest.mark.parametrize("seed", range(6))
def test_from_servers_is_create_ketama(clib, seed):
    rng = random.Random(seed)
    n = rng.choice((1, 2, 3, 8, 50, 300))
    addrs = set()
    while len(addrs) < n:
        kind = rng.random()
        if kind < 0.2:  # longer than mcs.ip: the whole address is hashed
            addrs.add(f"cache-{rng.randrange(10**6)}.example.com:{rng.randrange(1, 65536)}")
        elif kind < 0.3:
            addrs.add(f"[2001:db8::{rng.randrange(65536):x}]:11211")
        else:
            addrs.add(f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(256)}:11211")
    servers = [(a, rng.choice((1, 100, 600, rng.randrange(1, 2**40)))) for a in sorted(addrs)]
    c = clib.create([(a.encode(), w) for a, w in servers])
    with c:
        rings = [
            ketama.Continuum.from_servers(dict(servers)),
            ketama.Continuum.from_servers(servers),
            ketama.Continuum.from_servers([(a.encode(), w) for a, w in servers]),
            ketama.Continuum.from_servers(iter([[a, w] for a, w in servers])),
        ]
        keys = KEYS + random_keys(rng, 2000)
        want = [c.server(k) for k in keys]
        want_index = [c.index(k) for k in keys]
        want_point = [c.get_server(k) for k in keys if b"\0" not in k]
        assert [c.info(i)[:2] for i in range(len(servers))] == servers
        for ring in rings:
            assert ring.get_points() == c.points()
            assert [ring.server(k) for k in keys] == want
            assert [ring.index(k) for k in keys] == want_index
            assert ring.servers(keys) == want
            assert [ring.get_server(k) for k in keys if b"\0" not in k] == want_point
            assert [ring.server_info(i) for i in range(len(ring))] == [c.info(i) for i in range(len(servers))]
            assert sum(ring.server_info(i)[2] for i in range(len(ring))) == len(c.points())


def test_batch_equals_single():
    rng = random.Random(7)
    ring = ketama.Continuum(FIXTURES / "big100.servers")
    keys = random_keys(rng, 20_000)
    single = [ring.server(k) for k in keys]
    assert ring.servers(keys) == single
    assert ring.servers(tuple(keys)) == single
    assert ring.servers(k for k in keys) == single
    mixed = [k.decode("latin-1") if i % 2 else k for i, k in enumerate(keys)]
    assert ring.servers(mixed) == [ring.server(k) for k in mixed]
    # Every batch length the SIMD batching and the GIL threshold treat differently.
    for n in list(range(0, 40)) + [63, 64, 65, 127, 128, 129, 1000]:
        assert ring.servers(keys[:n]) == single[:n]
    assert ring.servers([]) == []


def test_str_is_utf8_and_bytes_are_hashed_as_they_are():
    ring = ketama.Continuum(FIXTURES / "lastfm8.servers")
    for text in ("ключ", "🔑", "a\0b", "", "plain"):
        assert ring.server(text) == ring.server(text.encode())
        assert ring.index(text) == ring.index(text.encode())
    # A NUL is a byte like any other for the modern API (get_server(cont, key, len) in C) ...
    assert {ring.index(b"a\0" + bytes([i])) for i in range(64)} != {ring.index(b"a")}
    # ... and ends the key in C for the original API, so it is refused there.
    for call in (ring.get_server, ketama.hashi, ketama.md5digest):
        with pytest.raises(ValueError, match="embedded null"):
            call("a\0b")
        with pytest.raises(ValueError, match="embedded null"):
            call(b"a\0b")


def test_indexing_and_len():
    ring = ketama.Continuum.from_servers([("a:1", 1), ("b:1", 2), ("c:1", 3)])
    assert len(ring) == 3
    assert list(ring) == ["a:1", "b:1", "c:1"]
    assert ring[-1] == "c:1" and ring[-3] == "a:1"
    assert ring.server_info(-1)[:2] == ("c:1", 3)
    for bad in (3, -4, 2**62, -(2**62)):
        with pytest.raises(IndexError):
            ring[bad]
        with pytest.raises(IndexError):
            ring.server_info(bad)
    with pytest.raises((IndexError, OverflowError)):
        ring[2**70]
    for key in KEYS[:200]:
        assert ring[ring.index(key)] == ring.server(key)


def test_addresses_round_trip_any_bytes():
    raw = b"\xffcache\xfe:11211"
    ring = ketama.Continuum.from_servers({raw: 1, "ключ:1": 1})
    assert os.fsencode(ring[0]) == raw
    assert ring[1] == "ключ:1"
    again = ketama.Continuum.from_servers({ring[0]: 1, ring[1]: 1})
    assert again.get_points() == ring.get_points()


@pytest.mark.parametrize(
    "servers, error, message",
    [
        ({"a:1": -5}, ValueError, r"^server 0 has weight -5: weights are 1 to 2\*\*64-1$"),
        ({"a:1": 2**64}, ValueError, "^server 0 has weight 18446744073709551616"),
        ({"a:1": 1.0}, TypeError, "^server 0: a weight must be an int, not float$"),
        ({"a:1": "100"}, TypeError, "^server 0: a weight must be an int, not str$"),
        ({"a:1": None}, TypeError, "^server 0: a weight must be an int, not NoneType$"),
        ({"a:1": True}, TypeError, "^server 0: a weight must be an int, not bool$"),
        ({1: 1}, TypeError, "^server 0: an address must be str or bytes, not int$"),
        (["a:1", "b:1"], TypeError, r"^server 0: expected an \(address, weight\) pair or an "
         r"\(address, weight, name\) triple, got 'a:1'$"),
        ([("a:1", 1, "n", 2)], TypeError, r"^server 0: expected an \(address, weight\) pair"),
        ([("a:1",)], TypeError, r"^server 0: expected an \(address, weight\) pair"),
        ([("a:1", 1), None], TypeError, r"^server 1: expected .* triple, got None$"),
        ([("a:1", 1, 2)], TypeError, "^server 0: a name must be str or bytes, not int$"),
        ([["a:1", 1, b"n\0"]], ValueError, "server 0"),
        ("a:1 100", TypeError, "not a string: to read a server file, use Continuum"),
        (b"a:1 100", TypeError, "not a string"),
        (42, TypeError, "not iterable"),
        ({"\udcff:1": 1, "b\ud800": 1}, UnicodeEncodeError, "surrogates not allowed"),
        # A C string cannot hold a NUL: C has no such case to compare with.
        ({"a:1": 1, "b\0:1": 1}, ValueError, "server 1"),
    ],
)
def test_bad_server_lists(servers, error, message):
    with pytest.raises(error, match=message):
        ketama.Continuum.from_servers(servers)


@pytest.mark.parametrize(
    "servers",
    [
        [],
        [(b"a:1", 0)],
        [(b"a:1", 1), (b"", 1)],
        [(b"a:1", 2**64 - 1), (b"b:1", 1)],
        [(b"a:1", 2**63), (b"b:1", 2**63)],
        [(b"s%d" % i, 1) for i in range(110_000)],
    ],
    ids=["empty", "weight 0", "no address", "overflowing sum", "wrapping sum", "too many points"],
)
def test_lists_the_core_judges_as_create_ketama_does(clib, servers):
    """What the core says of a list, not this layer: create_ketama's outcome. A refusal is a
    ValueError with its message (without `create_ketama: `); a ring has the same points."""
    c = clib.create(servers)
    if isinstance(c, str):
        assert c.startswith("create_ketama: ")
        with pytest.raises(ValueError) as raised:
            ketama.Continuum.from_servers(servers)
        assert str(raised.value) == c[len("create_ketama: "):]
    else:
        with c:
            assert ketama.Continuum.from_servers(servers).get_points() == c.points()


def test_bad_keys_and_arguments():
    ring = ketama.Continuum.from_servers({"a:1": 1})
    for key in (None, 5, 1.5, bytearray(b"k"), memoryview(b"k"), ["k"], object()):
        for call in (ring.server, ring.index, ring.get_server, ketama.hashi, ketama.md5digest):
            with pytest.raises(TypeError, match="a key must be str or bytes"):
                call(key)
        with pytest.raises(TypeError, match="a key must be str or bytes"):
            ring.servers(["ok", key])
    with pytest.raises(TypeError):
        ring.servers(5)
    with pytest.raises(TypeError):
        ring.servers(None)
    with pytest.raises(UnicodeEncodeError):
        ring.server("\ud800")
    with pytest.raises(UnicodeEncodeError):
        ring.servers(["a", "\ud800"])

    def failing():
        yield "a"
        raise RuntimeError("from the iterable")

    with pytest.raises(RuntimeError, match="from the iterable"):
        ring.servers(failing())
    for filename in (None, 5, ["x"]):
        with pytest.raises(TypeError):
            ketama.Continuum(filename)
    with pytest.raises(ValueError, match="embedded null byte"):
        ketama.Continuum("a\0b")
    with pytest.raises(ValueError, match="embedded null byte"):
        ketama.Continuum(b"a\0b")
    with pytest.raises(TypeError):
        ketama.Continuum()
    with pytest.raises(TypeError):
        ring.server()
    with pytest.raises(TypeError, match="no file to reload"):
        ring.reload()
    with pytest.raises(TypeError):
        class Sub(ketama.Continuum):  # noqa: F841 (a final type, as PyO3 makes them)
            pass


def write_aged(path, text, age=60):
    """Writes a server file whose mtime is `age` seconds old, as a deployed file is."""
    path.write_text(text)
    then = time.time() - age
    os.utime(path, (then, then))


def test_reload_follows_the_file_as_ketama_roll_does(clib, tmp_path):
    path = tmp_path / "pool.servers"
    write_aged(path, "10.0.1.1:11211\t600\n10.0.1.2:11211\t300\n")
    cont = ketama.Continuum(path)
    first = [cont.server(k) for k in KEYS]
    assert cont.reload() is False
    write_aged(path, "10.0.1.1:11211\t600\n10.0.1.2:11211\t300\n10.0.1.3:11211\t300\n", age=30)
    assert cont.reload() is True
    c = clib.roll(path)
    with c:
        assert [cont.server(k) for k in KEYS] == [c.server(k) for k in KEYS] != first
        assert cont.get_points() == c.points()
    assert cont.modtime == int(path.stat().st_mtime)
    assert cont.reload() is False
    # A file that no longer rolls: KetamaError with the C message, and nothing is lost.
    points = cont.get_points()
    write_aged(path, "10.0.1.1:11211\t600\n10.0.1.2:11211\tzero\n", age=20)
    c = clib.roll(path)
    assert isinstance(c, str)
    with pytest.raises(ketama.KetamaError) as raised:
        cont.reload()
    assert str(raised.value) == c
    assert cont.get_points() == points
    path.unlink()
    with pytest.raises(ketama.KetamaError, match="cannot open server file"):
        cont.reload()
    assert cont.get_points() == points and len(cont) == 3


def test_rewrite_within_the_same_second_is_seen(tmp_path):
    """A file rewritten with the same size in the tick it was read in (the cache's racy case)."""
    path = tmp_path / "pool.servers"
    path.write_text("a:1 100\nb:1 100\n")
    cont = ketama.Continuum(path)
    path.write_text("a:1 100\nc:1 100\n")
    assert cont.reload() is True
    assert cont[1] == "c:1"
    assert ketama.Continuum(path)[1] == "c:1"
