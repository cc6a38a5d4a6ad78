"""Flavors: the rings of other clients, through every lookup of the Python API, against the C
library's flavored continua (create_ketama_flavor, ketama_roll_flavor); flavor names and their
mistakes; servers with names of their own."""

import random

import pytest

import ketama
from conftest import KEYS
from ketama.pymemcache import KetamaHasher

FLAVORS = list(ketama.flavors())
# Addresses as applications write them: with and without the default port, IPv6, a host name.
ADDRESSES = ["127.0.0.1:11211", "127.0.0.2:11212", "[::1]:11213", "cache-a.example:11211",
             "10.0.0.7", "10.0.0.8:11211"]
UNEQUAL = [300, 100, 200, 50, 150, 100]
# twemproxy's crc32 hashes a key to 15 bits: every key falls below 32768, on the arc of the
# ring's first point, and one server takes them all (as in twemproxy itself).
NARROW = {"twemproxy:crc32"}
# The clients that hash a server's own name in place of its address: twemproxy's named
# servers, and the name a JVM prints for spymemcached. The others hash what they make of the
# address, whatever name is given.
NAMED = {f for f in FLAVORS if f.startswith(("twemproxy", "spymemcached"))}


def keys_for(seed):
    """The fixture keys, and random ones of any byte (NUL too) and length (past 250)."""
    rng = random.Random(seed)
    extra = [rng.randbytes(rng.choice((1, 10, 100, 251, 300, 1000))) for _ in range(500)]
    return KEYS + extra


def test_flavors_are_the_c_librarys(clib):
    flavors = ketama.flavors()
    assert flavors == clib.flavors()
    assert list(flavors) == list(clib.flavors())
    assert FLAVORS[0] == "libketama"
    for name in ("libmemcached", "twemproxy", "spymemcached", "spymemcached-weighted", "dalli",
                 "node-memcached", "uhashring", "pecl-memcache", "nginx"):
        assert name in flavors
    assert "php-memcached" in flavors["libmemcached"]


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("weights", [UNEQUAL, [1] * len(UNEQUAL)], ids=["unequal", "equal"])
def test_from_servers_is_create_ketama_flavor(clib, flavor, weights):
    servers = list(zip(ADDRESSES, weights))
    c = clib.create([(a.encode(), w) for a, w in servers], flavor)
    if isinstance(c, str):  # the client cannot take this list: the same refusal
        with pytest.raises(ValueError) as raised:
            ketama.Continuum.from_servers(servers, flavor)
        assert str(raised.value) == c.removeprefix("create_ketama_flavor: ")
        return
    keys = keys_for(len(flavor))
    with c:
        ring = ketama.Continuum.from_servers(servers, flavor=flavor)
        assert ring.flavor == flavor
        assert ring.get_points() == c.points()
        want = [c.server(k) for k in keys]
        assert [ring.server(k) for k in keys] == want
        assert ring.servers(keys) == want
        assert [ring.index(k) for k in keys] == [c.index(k) for k in keys]
        c_keys = [k for k in keys if b"\0" not in k]
        assert [ring.get_server(k) for k in c_keys] == [c.get_server(k) for k in c_keys]
        assert [ring.server_info(i) for i in range(len(ring))] == [c.info(i) for i in range(len(servers))]
    assert set(want) == set(ADDRESSES) or flavor in NARROW, "a server gets no key"


@pytest.mark.parametrize("flavor", ["libmemcached", "dalli", "spymemcached", "twemproxy", "nginx"])
def test_server_file_as_a_flavor_is_ketama_roll_flavor(clib, tmp_path, flavor):
    path = tmp_path / "pool.servers"
    path.write_text("".join(f"{a}\t{w}\n" for a, w in zip(ADDRESSES, UNEQUAL)))
    c = clib.roll(path, flavor)
    cont = ketama.Continuum(path, flavor)
    with c:
        assert cont.flavor == flavor
        assert cont.get_points() == c.points()
        assert [cont.server(k) for k in KEYS] == [c.server(k) for k in KEYS]
        assert [cont.get_server(k) for k in KEYS] == [c.get_server(k) for k in KEYS]
    # A reload reads the file as the same flavor.
    path.write_text("".join(f"{a}\t{w}\n" for a, w in zip(ADDRESSES[:4], UNEQUAL)))
    assert cont.reload() is True
    c = clib.roll(path, flavor)
    with c:
        assert cont.flavor == flavor
        assert [cont.server(k) for k in KEYS] == [c.server(k) for k in KEYS]
    assert "flavor " + flavor in repr(cont)


def test_flavor_names_and_mistakes(tmp_path):
    servers = {"10.0.1.1:11211": 2, "10.0.1.2:11211": 1}
    assert ketama.Continuum.from_servers(servers).flavor == "libketama"
    assert ketama.Continuum.from_servers(servers, "libketama").get_points() == \
        ketama.Continuum.from_servers(servers).get_points()
    # Aliases are taken, and given back as the flavor's own name.
    assert ketama.Continuum.from_servers(servers, flavor="spy").flavor == "spymemcached"
    assert ketama.Continuum.from_servers(servers, flavor="php-memcached").flavor == "libmemcached"
    assert KetamaHasher.weighted(servers, flavor="ruby-dalli")().flavor == "dalli"
    path = tmp_path / "pool.servers"
    path.write_text("10.0.1.1:11211 2\n")
    assert ketama.Continuum(path).flavor == "libketama"
    listing = "the flavors are " + ", ".join(FLAVORS)
    for bad in ("", "LIBKETAMA", "ketama2", "twemproxy:nope", "dalli\0", "spymemcached ", "é"):
        for make in (lambda: ketama.Continuum.from_servers(servers, bad),
                     lambda: ketama.Continuum(path, flavor=bad),
                     lambda: KetamaHasher.weighted(servers, flavor=bad),
                     lambda: KetamaHasher.flavored(bad),
                     lambda: KetamaHasher.from_file(path, flavor=bad),
                     lambda: KetamaHasher(flavor=bad)):
            with pytest.raises(ValueError) as raised:
                make()
            assert str(raised.value).startswith("unknown flavor ")
            assert str(raised.value).endswith(listing)
    for bad in (None, 1, b"dalli", ["dalli"]):
        with pytest.raises(TypeError):
            ketama.Continuum.from_servers(servers, bad)
        with pytest.raises(TypeError):
            ketama.Continuum(path, bad)
    # The flavor is checked before the list: a bad list with a bad flavor names the flavor.
    with pytest.raises(ValueError, match="^unknown flavor"):
        ketama.Continuum.from_servers([], "nope")
    with pytest.raises(ValueError, match="^unknown flavor"):
        ketama.Continuum("/nonexistent", "nope")
    # What the client cannot count is refused with the reason: spymemcached sums in a Java int.
    with pytest.raises(ValueError, match="add up to more than 2147483647"):
        ketama.Continuum.from_servers({"a:1": 2**31, "b:1": 1}, "spymemcached-weighted")


def test_a_name_is_hashed_in_place_of_the_address():
    """spymemcached hashes a server's name as given: a ring of named servers is the ring of
    those names as addresses, answering with the addresses."""
    names = ["cache1/10.0.0.1:11211", "cache2/<unresolved>:11211", "cache3", "cache4"]
    servers = list(zip(ADDRESSES, UNEQUAL, names))
    named = ketama.Continuum.from_servers(servers, "spymemcached-weighted")
    by_name = ketama.Continuum.from_servers([(n, w) for _, w, n in servers], "spymemcached-weighted")
    assert [p for p, _ in named.get_points()] == [p for p, _ in by_name.get_points()]
    address_of = {n: a for a, _, n in servers}
    assert named.servers(KEYS) == [address_of[n] for n in by_name.servers(KEYS)]
    assert [named[i] for i in range(len(named))] == ADDRESSES[:4]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_names_on_some_servers(flavor):
    """A name changes the points of its server only, in the flavors whose clients hash names
    (nothing in the others); None is no name, in a list or a triple."""
    plain = ketama.Continuum.from_servers(list(zip(ADDRESSES, UNEQUAL)), flavor)
    named = ketama.Continuum.from_servers(
        [(a, w, "cache1" if i == 0 else None) for i, (a, w) in enumerate(zip(ADDRESSES, UNEQUAL))],
        flavor)
    also = ketama.Continuum.from_servers(
        [[ADDRESSES[0], UNEQUAL[0], b"cache1"]] + list(zip(ADDRESSES, UNEQUAL))[1:], flavor)
    assert named.get_points() == also.get_points()
    if flavor not in NAMED:
        assert named.get_points() == plain.get_points()
        return
    assert named.get_points() != plain.get_points()
    moved = [k for k, a, b in zip(KEYS, plain.servers(KEYS), named.servers(KEYS)) if a != b]
    assert moved or flavor in NARROW, "the name moved no key"
    assert all(ADDRESSES[0] in (plain.server(k), named.server(k)) for k in moved)


def test_hasher_names_follow_the_node(clib):
    """KetamaHasher's names map HashClient's node to the name another client hashes."""
    weights = dict(zip(ADDRESSES[:4], UNEQUAL))
    names = {a: f"cache{i}" for i, a in enumerate(weights)}
    hasher = KetamaHasher.weighted(weights, flavor="twemproxy", names=names)()
    for node in reversed(list(weights)):
        hasher.add_node(node.replace("[::1]", "::1"))  # HashClient's name for ("::1", 11213)
    ring = ketama.Continuum.from_servers([(a, w, names[a]) for a, w in weights.items()],
                                         "twemproxy")
    node_of = {a: a.replace("[::1]", "::1") for a in weights}
    assert [hasher.get_node(k) for k in KEYS] == [node_of[s] for s in ring.servers(KEYS)]
