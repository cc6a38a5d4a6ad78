#!/usr/bin/env python3
"""The keys the client suites map: deterministic, one per line, on standard output.

    clients/keys.py [COUNT] [--long]
    clients/keys.py --points LIST


Keys a memcached server accepts (1 to 250 bytes, no space or control character), of every
length and of several shapes an application uses: ids, paths, prefixes, UTF-8. With --long,
some keys are longer than 250 bytes (for the in-process clients that shorten such keys
before hashing: dalli, the npm memcached client); a server would refuse them.

With --points, the strings the MD5 rings hash for the servers of LIST, under every naming a
client uses (the address, the host alone, host:port, /host:port), for the first few points:
as keys, their hash is exactly one of the ring's points, which tells a lookup of the first
point at or after a hash from one of the first point after it.
"""
import random
import sys


def keys(count, long_keys):
    rng = random.Random(20261202)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-:./{}"
    shapes = [
        lambda i: f"user:{i}",
        lambda i: f"session/{rng.getrandbits(64):016x}",
        lambda i: f"page:/articles/{i}/comments?p={rng.randrange(100)}",
        lambda i: f"café:{i}:naïve:東京",
        lambda i: "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 251))),
        lambda i: str(i),
        lambda i: f"{{tag{i % 7}}}:item:{i}",
    ]
    seen = set()
    i = 0
    while len(seen) < count:
        key = shapes[i % len(shapes)](i)
        if long_keys and i % 97 == 0:
            key = key + "x" * (251 + rng.randrange(300))
        i += 1
        if key in seen or (not long_keys and len(key.encode()) > 250):
            continue
        seen.add(key)
        yield key


def point_keys(path):
    """Keys that hash onto the points of the servers of the list at `path`."""
    seen = set()
    for line in open(path, encoding="utf-8"):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        addr = fields[0]
        if addr.startswith("["):
            host, _, port = addr[1:].partition("]:")
        else:
            host, _, port = addr.partition(":")
        port = port or "11211"
        for name in (addr, host, f"{host}:{port}", f"/{host}:{port}"):
            for k in range(3):
                key = f"{name}-{k}"
                if key not in seen:
                    seen.add(key)
                    yield key


def main():
    if sys.argv[1:2] == ["--points"]:
        for key in point_keys(sys.argv[2]):
            sys.stdout.buffer.write(key.encode() + b"\n")
        return
    args = [a for a in sys.argv[1:] if a != "--long"]
    count = int(args[0]) if args else 5000
    out = sys.stdout.buffer
    for key in keys(count, "--long" in sys.argv[1:]):
        out.write(key.encode() + b"\n")


if __name__ == "__main__":
    main()
