"""Fork safety (issue 16): workers forked by multiprocessing ('fork' context) while a thread of
the parent rolls, looks up and builds continua can use everything at once: they roll, look
up (in their own continua and in one the parent rolled before the fork) and build, each
bounded by a timeout. A worker that hangs is killed and fails the test."""

import multiprocessing
import os
import threading
import time
import warnings

import ketama
from conftest import FIXTURES, KEYS

CHILDREN = 60
CHILD_TIMEOUT = 10  # seconds; a healthy child takes milliseconds


def test_fork_while_a_thread_uses_the_library(clib, tmp_path):
    path = tmp_path / "pool.servers"
    path.write_bytes((FIXTURES / "lastfm8.servers").read_bytes())
    servers = [(f"10.1.{i // 256}.{i % 256}:11211", 100 + i) for i in range(300)]
    c = clib.roll(path)
    with c:
        want_file = [c.server(k) for k in KEYS]
    c = clib.create([(a.encode(), w) for a, w in servers])
    with c:
        want_built = [c.server(k) for k in KEYS[:300]]
    before_fork = ketama.Continuum(path)
    stop = threading.Event()
    busy_errors = []

    def busy():
        # Inside the library with the GIL released as often as possible: that is when the
        # main thread can take the GIL and fork.
        try:
            while not stop.is_set():
                cont = ketama.Continuum(path)
                cont.reload()
                cont.servers(KEYS)
                ketama.Continuum.from_servers(servers).servers(KEYS[:100])
        except Exception as e:  # noqa: BLE001 (reported below)
            busy_errors.append(repr(e))

    def child():
        cont = ketama.Continuum(path)
        if [cont.server(k) for k in KEYS] != want_file or cont.servers(KEYS) != want_file:
            os._exit(2)
        if before_fork.servers(KEYS) != want_file or before_fork.reload():
            os._exit(3)
        built = ketama.Continuum.from_servers(servers)
        if built.servers(KEYS[:300]) != want_built:
            os._exit(4)
        os._exit(0)

    context = multiprocessing.get_context("fork")
    thread = threading.Thread(target=busy)
    thread.start()
    results = []
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns that forking a threaded process may deadlock the child:
            # that is what this test checks the library against.
            warnings.simplefilter("ignore", DeprecationWarning)
            for n in range(CHILDREN):
                process = context.Process(target=child)
                process.start()
                process.join(CHILD_TIMEOUT)
                if process.is_alive():
                    process.kill()
                    process.join(5)
                    results.append((n, "hung"))
                elif process.exitcode != 0:
                    results.append((n, f"exit {process.exitcode}"))
                time.sleep(0.002)
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()
    assert busy_errors == []
    assert results == [], f"{len(results)} of {CHILDREN} children failed: {results}"
