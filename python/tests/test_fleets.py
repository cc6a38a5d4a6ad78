"""Mixed fleets end to end: another ecosystem's real client writes to real memcached servers on
loopback, and Python finds every key with pymemcache's HashClient and KetamaHasher of that
client's flavor, reading from the servers directly.

- Java: Debian's spymemcached (MemcachedClient with KetamaConnectionFactory), without and
  with its weights map;
- Ruby: Debian's dalli (Dalli::Client with weighted servers);
- twemproxy: Debian's nutcracker (default hash fnv1a_64) in front of the pool, its servers
  plain and named.

One pool for the module: five servers of unequal weights, three of them on port 11211 (each on
its own 127.x address). Each writer stores KEYS keys under a prefix of its own; each test
checks that every key is where the flavor's ring says (asked of each server alone), that the
hasher finds every one through HashClient, and, as the contrast, that the ring of a likely
mistake (another flavor) misses many of them. A test whose client is not installed is
skipped, saying what to install."""

import contextlib
import pathlib
import shutil
import subprocess

import pytest

pytest.importorskip("pymemcache", reason="pymemcache is not installed (pip install pymemcache)")
from pymemcache.client.base import Client  # noqa: E402 (only once pymemcache is known there)
from pymemcache.client.hash import HashClient  # noqa: E402

import ketama  # noqa: E402
from ketama.pymemcache import KetamaHasher  # noqa: E402
from pool import free_ports, loopback_pool, stop, wait_until_accepting  # noqa: E402

KEYS = 5000
WEIGHTS = (300, 100, 200, 50, 150)
ON_11211 = 3  # the first three servers listen on port 11211
WRITERS = pathlib.Path(__file__).parent / "writers"
SPYMEMCACHED_JAR = pathlib.Path("/usr/share/java/spymemcached.jar")
RUN_TIMEOUT = 120  # seconds for a writer (a JVM's start included) or a compiler
BATCH = 500  # keys a request


@pytest.fixture(scope="module")
def fleet(memcached_binary):
    """The pool's (host, port), in the order of WEIGHTS."""
    with loopback_pool(memcached_binary, len(WEIGHTS), on_11211=ON_11211) as servers:
        yield servers


def weights_of(servers):
    """The application's configuration: "host:port" and weight, in order."""
    return {f"{host}:{port}": w for (host, port), w in zip(servers, WEIGHTS)}


def specs(servers):
    """The servers as the writers take them: "host:port:weight"."""
    return [f"{a}:{w}" for a, w in weights_of(servers).items()]


def keys_of(prefix):
    return [f"{prefix}{i}" for i in range(KEYS)]


def run_writer(command):
    """Runs a writer to its end (killed past RUN_TIMEOUT): it stored and read back every key."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert done.returncode == 0, f"{command[0]} failed:\n{done.stdout}\n{done.stderr}"
    assert f"{KEYS} stored, {KEYS} read back" in done.stdout, done.stdout


def where_each_key_is(servers, keys):
    """Each key's server, asked of every server alone; a key on two servers fails."""
    found = {}
    for host, port in servers:
        with contextlib.closing(Client((host, port), timeout=5, connect_timeout=5)) as one:
            for i in range(0, len(keys), BATCH):
                for key in one.get_many(keys[i : i + BATCH]):
                    assert key not in found, f"{key} is on two servers"
                    found[key] = f"{host}:{port}"
    return found


def found_through(servers, hasher, keys):
    """The keys that HashClient with `hasher` finds, with the value their writer stored."""
    with contextlib.closing(HashClient(servers, hasher=hasher, timeout=5, connect_timeout=5)) as c:
        got = {}
        for i in range(0, len(keys), BATCH):
            got.update(c.get_many(keys[i : i + BATCH]))
    return {k for k, v in got.items() if v == f"value:{k}".encode()}


def python_reads_every_key(servers, prefix, hasher, ring, mistake, holding=None):
    """What each test checks once its writer is done: see the module. `mistake` is the
    flavor of the contrast; `holding`, how many servers hold some of the keys at least (all
    of them unless said)."""
    keys = keys_of(prefix)
    where = where_each_key_is(servers, keys)
    assert len(where) == KEYS, f"the writer stored {len(where)} of {KEYS} keys"
    assert where == dict(zip(keys, ring.servers(keys)))
    held = set(where.values())
    assert len(held) >= (holding or len(servers)), f"only {sorted(held)} hold keys"
    found = found_through(servers, hasher, keys)
    assert len(found) == KEYS, f"Python found {len(found)} of {KEYS} keys"
    # The contrast: the ring of another flavor, same servers and weights, misses many.
    wrong = found_through(servers, KetamaHasher.weighted(weights_of(servers), mistake), keys)
    assert len(wrong) < KEYS * 0.8, f"{mistake}'s ring finds {len(wrong)} of {KEYS} keys too"


@pytest.fixture(scope="module")
def spy_writer(tmp_path_factory):
    """The command that runs writers/SpyWriter.java, compiled here against Debian's jar."""
    if not SPYMEMCACHED_JAR.exists() or not (shutil.which("javac") and shutil.which("java")):
        pytest.skip("Java spymemcached is missing (Debian: apt-get install libspymemcached-java "
                    "default-jdk-headless)")
    classes = tmp_path_factory.mktemp("spy-writer")
    subprocess.run(["javac", "-Xlint:all", "-Werror", "-d", classes, "-cp", SPYMEMCACHED_JAR,
                    WRITERS / "SpyWriter.java"], check=True, timeout=RUN_TIMEOUT)
    # C1 only and a small heap: the JVM's start is most of a run.
    return ["java", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", f"{SPYMEMCACHED_JAR}:{classes}",
            "SpyWriter"]


@pytest.mark.parametrize("mode", ["plain", "weighted"])
def test_java_spymemcached_writes_python_reads(fleet, spy_writer, mode):
    prefix = f"spy-{mode}:"
    run_writer([*spy_writer, mode, prefix, str(KEYS), *specs(fleet)])
    weights = weights_of(fleet)
    if mode == "plain":
        # KetamaConnectionFactory's defaults: no weights, every server alike.
        hasher = KetamaHasher.flavored("spymemcached")
        ring = ketama.Continuum.from_servers({a: 1 for a in weights}, flavor="spymemcached")
    else:
        hasher = KetamaHasher.weighted(weights, flavor="spymemcached-weighted")
        ring = ketama.Continuum.from_servers(weights, flavor="spymemcached-weighted")
    # The mistake: php-memcached's ring (libmemcached) names servers on port 11211 without
    # the port, where Java names every server with its port.
    python_reads_every_key(fleet, prefix, hasher, ring, "libmemcached")


def test_ruby_dalli_writes_python_reads(fleet):
    ruby = shutil.which("ruby")
    if not ruby or subprocess.run([ruby, "-e", "require 'dalli'"], capture_output=True,
                                  timeout=RUN_TIMEOUT).returncode != 0:
        pytest.skip("Ruby dalli is missing (Debian: apt-get install ruby-dalli)")
    # The Ruby's flavor: where its sort_by leaves two servers' equal points changed in 3.3.
    newer = "exit(Gem::Version.new(RUBY_VERSION) >= Gem::Version.new('3.3') ? 0 : 1)"
    old_ruby = subprocess.run([ruby, "-e", newer], timeout=RUN_TIMEOUT).returncode != 0
    flavor = "dalli-ruby3.2" if old_ruby else "dalli"
    prefix = "dalli:"
    run_writer([ruby, WRITERS / "dalli_writer.rb", prefix, str(KEYS), *specs(fleet)])
    weights = weights_of(fleet)
    python_reads_every_key(fleet, prefix, KetamaHasher.weighted(weights, flavor=flavor),
                           ketama.Continuum.from_servers(weights, flavor=flavor), "libketama")


@contextlib.contextmanager
def nutcracker(binary, config, host, stats_port, directory):
    """nutcracker running `config` (its pools listening on `host`, its stats on `stats_port`),
    stopped at the end."""
    conf = directory / "nutcracker.yml"
    conf.write_text(config)
    process = subprocess.Popen(
        [binary, "-c", conf, "-o", directory / "nutcracker.log", "-p", directory / "nutcracker.pid",
         "-a", host, "-s", str(stats_port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield process
    finally:
        stop(process)


def pool_config(name, listen, servers, names):
    """A twemproxy pool of `servers` with their weights (each named when `names`), listening
    on `listen`; no `hash:`, so twemproxy's default, fnv1a_64."""
    lines = [f"{name}:", f"  listen: {listen[0]}:{listen[1]}", "  distribution: ketama",
             "  auto_eject_hosts: false", "  timeout: 5000", "  servers:"]
    for i, (address, weight) in enumerate(weights_of(servers).items()):
        lines.append(f"    - {address}:{weight}" + (f" cache{i + 1}" if names else ""))
    return "\n".join(lines) + "\n"


def test_twemproxy_writes_python_reads(fleet, tmp_path):
    binary = shutil.which("nutcracker") or "/usr/sbin/nutcracker"
    if not pathlib.Path(binary).exists():
        pytest.skip("twemproxy is missing (Debian: apt-get install nutcracker)")
    host = fleet[0][0]
    plain, named, stats = free_ports(3, host)
    pools = {"plain": (host, plain), "named": (host, named)}
    config = "".join(pool_config(n, listen, fleet, n == "named") for n, listen in pools.items())
    weights = weights_of(fleet)
    names = {a: f"cache{i + 1}" for i, a in enumerate(weights)}
    with nutcracker(binary, config, host, stats, tmp_path) as process:
        for listen in pools.values():
            assert wait_until_accepting(process, *listen), (tmp_path / "nutcracker.log").read_text()
        for pool, listen in pools.items():
            keys = keys_of(f"{pool}:")
            with contextlib.closing(Client(listen, timeout=5, connect_timeout=5)) as proxy:
                for i in range(0, KEYS, BATCH):
                    batch = {k: f"value:{k}".encode() for k in keys[i : i + BATCH]}
                    assert proxy.set_many(batch, noreply=False) == []
    # The mistake: libmemcached's ring is twemproxy's but for the key hash (MD5, not FNV-1a).
    # fnv1a_64 keeps similar keys such as these together: the server of weight 50 gets none
    # of them on about one random pool in 150, so two servers holding keys is all asked.
    python_reads_every_key(fleet, "plain:", KetamaHasher.weighted(weights, flavor="twemproxy"),
                           ketama.Continuum.from_servers(weights, flavor="twemproxy"),
                           "libmemcached", holding=2)
    python_reads_every_key(
        fleet, "named:", KetamaHasher.weighted(weights, flavor="twemproxy", names=names),
        ketama.Continuum.from_servers([(a, w, names[a]) for a, w in weights.items()],
                                      flavor="twemproxy"),
        "twemproxy")  # the mistake: the names left out
