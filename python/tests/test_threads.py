"""Threads: 8 threads share one continuum while it is reloaded, 8 threads share flavored rings
while others build them, and a batch lets other threads run while it hashes (the GIL is
released)."""

import sys
import threading
import time

import ketama
from conftest import FIXTURES, KEYS


def test_eight_threads_share_one_continuum(clib, tmp_path):
    path = tmp_path / "pool.servers"
    versions = [
        (FIXTURES / "lastfm8.servers").read_bytes(),
        (FIXTURES / "lastfm4.servers").read_bytes(),
    ]
    answers = []
    for text in versions:
        path.write_bytes(text)
        c = clib.roll(path)
        with c:
            answers.append(([c.server(k) for k in KEYS], [c.get_server(k) for k in KEYS]))
    path.write_bytes(versions[0])
    shared = ketama.Continuum(path)
    errors = []
    switched = []
    stop = time.monotonic() + 3

    def lookups(n):
        try:
            rounds = 0
            while time.monotonic() < stop and rounds < 100:
                rounds += 1
                if n % 2:
                    # One batch looks up in one ring: the old file's or the new one's.
                    if shared.servers(KEYS) not in (answers[0][0], answers[1][0]):
                        errors.append(f"thread {n}: a batch of neither ring")
                    continue
                for i in range(0, len(KEYS), 5):
                    got = (shared.server(KEYS[i]), shared.get_server(KEYS[i]))
                    if got[0] not in (answers[0][0][i], answers[1][0][i]) or got[1] not in (
                        answers[0][1][i],
                        answers[1][1][i],
                    ):
                        errors.append(f"thread {n}: key {KEYS[i]!r} got {got}")
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(f"thread {n}: {e!r}")

    def reloads():
        try:
            i = 0
            while time.monotonic() < stop:
                i += 1
                path.write_bytes(versions[i % 2])
                if shared.reload():
                    switched.append(i)
                ketama.Continuum(path)
                time.sleep(0.01)
        except Exception as e:  # noqa: BLE001
            errors.append(f"reload thread: {e!r}")

    threads = [threading.Thread(target=lookups, args=(n,)) for n in range(8)]
    threads.append(threading.Thread(target=reloads))
    run(threads)
    assert errors == []
    assert len(switched) >= 10


def run(threads):
    """Starts the threads and joins them, each within 30 s."""
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"


def rounds(n, flavors, stop):
    """The flavor of each round of thread `n`: 50 rounds at most, none past `stop`."""
    for r in range(50):
        if time.monotonic() > stop:
            return
        yield flavors[(n + r) % len(flavors)]


def test_threads_share_flavored_rings(clib, tmp_path):
    """8 threads look up in rings of other clients' flavors (built in memory and rolled from a
    file as a flavor, reloaded meanwhile) while 2 more build such rings: every answer is the
    C library's for that flavor."""
    flavors = ("dalli", "twemproxy", "spymemcached-weighted", "libmemcached", "node-memcached")
    servers = [(f"10.2.0.{i}:{11211 + i % 3}", 50 + 37 * i) for i in range(1, 40)]
    path = tmp_path / "pool.servers"
    path.write_text("".join(f"{a}\t{w}\n" for a, w in servers))
    want = {}
    for flavor in flavors:
        c = clib.create([(a.encode(), w) for a, w in servers], flavor)
        with c:
            want[flavor] = [c.server(k) for k in KEYS]
    shared = {f: ketama.Continuum.from_servers(servers, f) for f in flavors}
    rolled = {f: ketama.Continuum(path, f) for f in flavors}
    errors = []
    stop = time.monotonic() + 3

    def lookups(n):
        try:
            for flavor in rounds(n, flavors, stop):
                for ring in (shared[flavor], rolled[flavor]):
                    if n % 2:
                        if ring.servers(KEYS) != want[flavor]:
                            errors.append(f"thread {n}: a {flavor} batch differs")
                    elif [ring.server(k) for k in KEYS[::7]] != want[flavor][::7]:
                        errors.append(f"thread {n}: a {flavor} lookup differs")
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(f"thread {n}: {e!r}")

    def builds(n):
        try:
            for flavor in rounds(n, flavors, stop):
                ring = ketama.Continuum.from_servers(servers, flavor)
                rolled[flavor].reload()
                if ring.servers(KEYS[:500]) != want[flavor][:500]:
                    errors.append(f"builder {n}: a new {flavor} ring differs")
        except Exception as e:  # noqa: BLE001
            errors.append(f"builder {n}: {e!r}")

    threads = [threading.Thread(target=lookups, args=(n,)) for n in range(8)]
    threads += [threading.Thread(target=builds, args=(n,)) for n in range(2)]
    run(threads)
    assert errors == []


def test_a_batch_releases_the_gil():
    """With a switch interval longer than the test, another thread can only run while this
    one releases the GIL: during servers() it must run."""
    ring = ketama.Continuum(FIXTURES / "big100.servers")
    keys = [b"key:%d" % i for i in range(300_000)]
    ticks = 0
    running = threading.Event()
    done = threading.Event()

    def counter():
        nonlocal ticks
        running.set()
        while not done.is_set():
            ticks += 1
            time.sleep(0)  # releases the GIL, so the main thread can take it back

    old = sys.getswitchinterval()
    sys.setswitchinterval(100)
    try:
        thread = threading.Thread(target=counter)
        thread.start()
        running.wait(10)
        before = ticks
        for _ in range(5):
            ring.servers(keys)
        during = ticks - before
        # Without the release in servers(), the counter cannot take the GIL in between.
        small = ticks
        for _ in range(5):
            ring.servers(keys[:8])
        assert ticks - small <= 5  # short batches keep the GIL (at most a tick a call)
    finally:
        done.set()
        sys.setswitchinterval(old)
        thread.join(10)
    assert during > 0
