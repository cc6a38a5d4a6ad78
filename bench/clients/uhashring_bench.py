"""ns/key of uhashring's own lookup (ketama mode), on one server list and key file:

    python3 bench/clients/uhashring_bench.py LIST KEYS_FILE REPS

HashRing(nodes={ADDRESS: {'weight': W}}, hash_fn='ketama').get_node(key), key by key (str
keys). One pass first as warm-up, then the best of REPS passes (the other passes measure the
neighbours). Runs under clients/uhashring/venv when this python3 has no uhashring (run the
oracle once to make that venv).
"""
import os
import sys
import time

try:
    import uhashring
except ImportError:
    venv = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "clients",
                        "uhashring", "venv")
    venv_py = os.path.join(venv, "bin", "python3")
    # sys.prefix, not the executable: a venv's python3 is a link to the same binary.
    if os.path.exists(venv_py) and os.path.realpath(sys.prefix) != os.path.realpath(venv):
        os.execv(venv_py, [venv_py] + sys.argv)
    sys.exit("uhashring_bench: uhashring missing: run clients/uhashring/oracle once, "
             "or pip install uhashring==2.5")
from importlib.metadata import version


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: python3 bench/clients/uhashring_bench.py LIST KEYS_FILE REPS")
    list_file, keys_file = sys.argv[1], sys.argv[2]
    reps = max(1, int(sys.argv[3]) if len(sys.argv) > 3 else 5)
    nodes = {}
    with open(list_file, encoding="utf-8") as f:
        for line in f:
            fields = line.split("#", 1)[0].split()
            if fields:
                nodes[fields[0]] = {"weight": int(fields[1]) if len(fields) > 1 else 1}
    with open(keys_file, "rb") as f:
        keys = [k.decode("utf-8") for k in f.read().split(b"\n") if k]

    ring = uhashring.HashRing(nodes=nodes, hash_fn="ketama")
    get_node = ring.get_node

    def one_pass():
        start = time.perf_counter_ns()
        for key in keys:
            get_node(key)
        return (time.perf_counter_ns() - start) / len(keys)

    one_pass()  # warm-up
    ns = min(one_pass() for _ in range(reps))
    print(f"python {sys.version.split()[0]}, uhashring {version('uhashring')}; {len(nodes)} servers "
          f"({os.path.basename(list_file)}), {len(keys)} keys, best of {reps}")
    print(f"uhashring single: {ns:.1f} ns/key")


if __name__ == "__main__":
    main()
