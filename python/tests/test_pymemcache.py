"""pymemcache's HashClient with KetamaHasher: keys stored on real memcached servers (Debian's
memcached, on loopback) land where the C library says, and the hasher follows servers that
come and go as a server file without their line would."""

import contextlib

import pytest

pytest.importorskip("pymemcache", reason="pymemcache is not installed (make deps installs it)")
from pymemcache.client.base import Client  # noqa: E402 (only once pymemcache is known there)
from pymemcache.client.hash import HashClient  # noqa: E402

import ketama  # noqa: E402
from conftest import KEYS  # noqa: E402
from ketama.pymemcache import KetamaHasher, address  # noqa: E402
from pool import loopback_pool  # noqa: E402

STORED = 10_000


@pytest.fixture
def pool(memcached_binary):
    """Three memcached servers: their (host, port)."""
    with loopback_pool(memcached_binary, 3, on_11211=0) as servers:
        yield servers


def server_file(path, weights):
    path.write_text("".join(f"{a}\t{w}\n" for a, w in weights.items()))
    return path


def test_hashclient_stores_each_key_where_the_c_library_says(pool, clib, tmp_path):
    weights = {f"{h}:{p}": w for (h, p), w in zip(pool, (100, 200, 300))}
    client = HashClient(pool, hasher=KetamaHasher.weighted(weights), timeout=5, connect_timeout=5)
    keys = [f"key:{i}" for i in range(STORED)]
    assert client.set_many({k: k.encode() for k in keys}, noreply=False) == []
    # Where the C library's clients look for each key: ketama_get_server on the server file.
    c = clib.roll(server_file(tmp_path / "pool.servers", weights))
    with c:
        want = {k: c.get_server(k.encode())[1] for k in keys}
    assert set(want.values()) == set(weights)
    # Where each key is: asked of each server alone.
    found = {}
    for host, port in pool:
        with contextlib.closing(Client((host, port), timeout=5, connect_timeout=5)) as one:
            for i in range(0, STORED, 1000):
                for k in one.get_many(keys[i : i + 1000]):
                    assert k not in found, f"{k} is on two servers"
                    found[k] = f"{host}:{port}"
    assert found == want
    # Read back through another client set up from the same server file.
    reader = HashClient(pool, hasher=KetamaHasher.from_file(tmp_path / "pool.servers"), timeout=5)
    sample = keys[::97]
    assert reader.get_many(sample) == {k: k.encode() for k in sample}
    client.close()
    reader.close()


def test_equal_weights_need_no_weights(pool, clib, tmp_path):
    client = HashClient(pool, hasher=KetamaHasher, timeout=5, connect_timeout=5)
    names = [f"{h}:{p}" for h, p in pool]
    c = clib.roll(server_file(tmp_path / "pool.servers", {n: 1 for n in names}))
    with c:
        for key in KEYS:
            if key and all(33 <= b < 127 for b in key):  # memcached's key rules
                assert client.hasher.get_node(key.decode()) == c.get_server(key)[1]
                assert client.hasher.get_node(key) == c.get_server(key)[1]
    client.close()


def test_servers_that_come_and_go(clib, tmp_path):
    names = ["10.0.1.1:11211", "10.0.1.2:11211", "10.0.1.3:11211", "10.0.1.4:11211"]
    weights = dict(zip(names, (600, 300, 300, 100)))
    hasher = KetamaHasher.weighted(weights)()
    for n in reversed(names):  # added in any order: the weights' order is the ring's
        hasher.add_node(n)
    hasher.add_node(names[0])  # HashClient may add a server again: no change

    def agrees(live):
        c = clib.roll(server_file(tmp_path / "live.servers", {n: weights[n] for n in live}))
        with c:
            assert hasher.nodes == tuple(live)
            assert [hasher.get_node(k) for k in KEYS] == [c.server(k) for k in KEYS]

    agrees(names)
    hasher.remove_node(names[1])  # HashClient marks it dead
    agrees([names[0], names[2], names[3]])
    hasher.add_node(names[1])  # back in rotation, in its old place
    agrees(names)
    with pytest.raises(ValueError, match="No such node"):
        hasher.remove_node("10.9.9.9:11211")
    with pytest.raises(ValueError, match="no weight for server '10.9.9.9:11211'"):
        hasher.add_node("10.9.9.9:11211")
    for n in names:
        hasher.remove_node(n)
    assert hasher.get_node("k") is None


def test_node_names_are_server_file_addresses():
    assert address("10.0.1.1:11211") == "10.0.1.1:11211"
    assert address("2001:db8::7:11211") == "[2001:db8::7]:11211"
    assert address("[2001:db8::7]:11211") == "[2001:db8::7]:11211"
    assert address("/run/memcached.sock") == "/run/memcached.sock"
    hasher = KetamaHasher.weighted({"[2001:db8::7]:11211": 2, "10.0.1.1:11211": 1})()
    hasher.add_node("2001:db8::7:11211")  # HashClient's name for ("2001:db8::7", 11211)
    hasher.add_node("10.0.1.1:11211")
    ring = ketama.Continuum.from_servers({"[2001:db8::7]:11211": 2, "10.0.1.1:11211": 1})
    names = {"[2001:db8::7]:11211": "2001:db8::7:11211", "10.0.1.1:11211": "10.0.1.1:11211"}
    assert [hasher.get_node(k) for k in KEYS] == [names[ring.server(k)] for k in KEYS]
