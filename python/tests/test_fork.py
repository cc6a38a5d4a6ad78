"""Fork safety (issue 16): workers forked by multiprocessing ('fork' context) while a thread of
the parent rolls, looks up and builds continua (libketama's and other clients' flavors) can use
everything at once: they roll, look up (in their own continua and in ones the parent made
before the fork) and build, each bounded by a timeout. A worker that hangs is killed and fails
the test."""

import multiprocessing
import os
import threading
import time
import warnings

import ketama
from conftest import FIXTURES, KEYS

CHILDREN = 60
CHILD_TIMEOUT = 10  # seconds; a healthy child takes milliseconds
# Rings of other clients, built and searched by other recipes (SHA-1 points, CRC-32 and FNV
# key hashes, the lookup below a key's hash).
FLAVORS = ("dalli", "twemproxy", "spymemcached-weighted")


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
    want_flavored = {}
    want_file_flavored = {}
    for flavor in FLAVORS:
        c = clib.create([(a.encode(), w) for a, w in servers], flavor)
        with c:
            want_flavored[flavor] = [c.server(k) for k in KEYS[:300]]
        c = clib.roll(path, flavor)
        with c:
            want_file_flavored[flavor] = [c.server(k) for k in KEYS]
    before_fork = ketama.Continuum(path)
    flavored = {f: ketama.Continuum.from_servers(servers, f) for f in FLAVORS}
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
                for flavor in FLAVORS:
                    ketama.Continuum.from_servers(servers, flavor).servers(KEYS[:100])
                    ketama.Continuum(path, flavor).reload()
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
        for flavor in FLAVORS:
            if flavored[flavor].servers(KEYS[:300]) != want_flavored[flavor]:
                os._exit(5)
            again = ketama.Continuum.from_servers(servers, flavor)
            if [again.server(k) for k in KEYS[:300]] != want_flavored[flavor]:
                os._exit(6)
            if ketama.Continuum(path, flavor).servers(KEYS) != want_file_flavored[flavor]:
                os._exit(7)
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
