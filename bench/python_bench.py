"""ns/key of the Python package's lookups beside uhashring's ketama mode, on the same servers
and keys, in one run (make python-bench; needs the ketama wheel and uhashring installed).

    python3 bench/python_bench.py [REPS] [KEYS]

For each fleet: `server()` and `get_server()` key by key (a list comprehension over a bound
method, as uhashring's `get_node` is measured), `servers()` over all keys in one call and in
calls of 100 keys (a multi-get), and how many keys uhashring puts on another server than
libketama does. Then the rings of other clients (flavors) on 100 servers: `server()`,
`servers()` and pymemcache's `KetamaHasher.get_node` for each, beside libketama's, and the
`uhashring` flavor beside uhashring itself (where it must agree on every key). Each figure is
the best of REPS runs, as `timeit` reports: on a shared machine the other runs measure the
neighbours.
"""

import platform
import sys
import time

import uhashring

import ketama
from ketama.pymemcache import KetamaHasher

FLAVORS = ("libketama", "libmemcached", "twemproxy", "spymemcached-weighted", "dalli",
           "node-memcached", "uhashring", "pecl-memcache", "nginx")


def fleet(n):
    """n servers, weights 100 to 100 + 7 * (n - 1) in steps of 7 (8 servers: all 100)."""
    weights = [100] * n if n == 8 else [100 + 7 * i for i in range(n)]
    return {f"10.0.{i // 250}.{i % 250 + 1}:11211": w for i, w in enumerate(weights)}


def best_ns(run, reps, n):
    times = []
    for _ in range(reps):
        start = time.perf_counter_ns()
        run()
        times.append(time.perf_counter_ns() - start)
    return min(times) / n


def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    nkeys = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
    print(f"command: python3 bench/python_bench.py {reps} {nkeys}")
    print(f"python: {platform.python_version()}, ketama {ketama.__version__}, uhashring "
          f"{getattr(uhashring, '__version__', '?')}; {cpu()}")
    print(f"{nkeys} distinct str keys, best of {reps} runs, ns/key\n")
    keys = [f"user:{i}:profile" for i in range(nkeys)]
    print(f"{'servers':>7} {'server()':>9} {'servers()':>10} {'servers()':>10} {'get_server()':>12}"
          f" {'uhashring':>10} {'uhashring':>10} {'uhashring':>10}")
    print(f"{'':>7} {'':>9} {'all keys':>10} {'100 a call':>10} {'':>12}"
          f" {'get_node':>10} {'/server()':>10} {'disagrees':>10}")
    for n in (8, 100, 1000):
        servers = fleet(n)
        ring = ketama.Continuum.from_servers(servers)
        uh = uhashring.HashRing(nodes={a: {"weight": w} for a, w in servers.items()}, hash_fn="ketama")
        server, get_server, get_node = ring.server, ring.get_server, uh.get_node
        chunks = [keys[i : i + 100] for i in range(0, nkeys, 100)]
        single = best_ns(lambda: [server(k) for k in keys], reps, nkeys)
        batch = best_ns(lambda: ring.servers(keys), reps, nkeys)
        multi = best_ns(lambda: [ring.servers(c) for c in chunks], reps, nkeys)
        legacy = best_ns(lambda: [get_server(k) for k in keys], reps, nkeys)
        other = best_ns(lambda: [get_node(k) for k in keys], reps, nkeys)
        ours = ring.servers(keys)
        differ = sum(1 for k, s in zip(keys, ours) if get_node(k) != s)
        print(f"{n:>7} {single:>9.1f} {batch:>10.1f} {multi:>10.1f} {legacy:>12.1f}"
              f" {other:>10.1f} {other / single:>9.1f}x {100 * differ / nkeys:>9.3f}%")
    flavors(keys, reps)


def flavors(keys, reps):
    """The flavors' table: see the module."""
    nkeys = len(keys)
    servers = fleet(100)
    print("\nflavors, 100 servers, ns/key; last column: server() / libketama's server()")
    print(f"{'flavor':<22} {'server()':>9} {'servers()':>10} {'get_node':>9} {'/libketama':>10}")
    base = None
    for flavor in FLAVORS:
        ring = ketama.Continuum.from_servers(servers, flavor)
        hasher = KetamaHasher.weighted(servers, flavor=flavor)()
        for node in servers:
            hasher.add_node(node)
        server, get_node = ring.server, hasher.get_node
        single = best_ns(lambda: [server(k) for k in keys], reps, nkeys)
        batch = best_ns(lambda: ring.servers(keys), reps, nkeys)
        node = best_ns(lambda: [get_node(k) for k in keys], reps, nkeys)
        base = base or single
        print(f"{flavor:<22} {single:>9.1f} {batch:>10.1f} {node:>9.1f} {single / base:>9.2f}x")
    uh = uhashring.HashRing(nodes={a: {"weight": w} for a, w in servers.items()}, hash_fn="ketama")
    ring = ketama.Continuum.from_servers(servers, "uhashring")
    get_node, server = uh.get_node, ring.server
    other = best_ns(lambda: [get_node(k) for k in keys], reps, nkeys)
    ours = best_ns(lambda: [server(k) for k in keys], reps, nkeys)
    differ = sum(1 for k, s in zip(keys, ring.servers(keys)) if get_node(k) != s)
    print(f"uhashring get_node {other:.1f} ns/key, the uhashring flavor's server() {ours:.1f}: "
          f"{other / ours:.1f}x; they disagree on {differ} of {nkeys} keys")


if __name__ == "__main__":
    main()
