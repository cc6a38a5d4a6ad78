"""uhashring decides where each key goes; this only feeds it and writes down its choice (see
../README.md, "An oracle"): HashRing(nodes={ADDRESS: {'weight': W}}, hash_fn='ketama'),
get_node(key), the key as a str (uhashring hashes str(key) in UTF-8: a bytes key would be
hashed as its repr "b'...'").
"""
import sys

from uhashring import HashRing


def fail(code, msg):
    sys.stderr.write(f"uhashring oracle: {msg}\n")
    sys.exit(code)


def weight(text):
    """An int as uhashring's users pass it; anything else as Python reads it, for uhashring
    to take or refuse (a float weight makes its range() of points raise TypeError)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def main():
    if len(sys.argv) != 5 or sys.argv[1] != "uhashring":
        fail(2, "usage: oracle uhashring LIST KEYS OUT")
    _, _, list_file, keys_file, out_file = sys.argv

    # A dict keyed by the address as written: a repeated address is one node, its last weight
    # at its first place (uhashring's own _configure_nodes does the same with a list).
    nodes = {}
    with open(list_file, encoding="utf-8") as f:
        for line in f:
            fields = line.split("#", 1)[0].split()
            if fields:
                nodes[fields[0]] = {"weight": weight(fields[1]) if len(fields) > 1 else 1}

    try:
        ring = HashRing(nodes=nodes, hash_fn="ketama")
    except Exception as e:  # what uhashring raises is the answer: record it
        fail(78, f"HashRing refuses the list: {type(e).__name__}: {e}")

    with open(keys_file, "rb") as f:
        keys = f.read().split(b"\n")
    if keys and keys[-1] == b"":
        keys.pop()
    with open(out_file, "wb") as out:
        for key in keys:
            node = ring.get_node(key.decode("utf-8"))
            if node is None:
                fail(78, f"the ring answers no node for key {key!r} ({ring.size} points)")
            out.write(key + b"\t" + node.encode("utf-8") + b"\n")


if __name__ == "__main__":
    main()
