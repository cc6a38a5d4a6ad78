"""Real memcached servers on loopback for the tests, started and stopped by pid.

A pool takes a random 127.A.B.0/24 of its own, so that several of its servers listen on port
11211 (each on its own address) without colliding with other tests' servers on this machine;
every other port is a free one. Every wait is bounded."""

import contextlib
import os
import random
import socket
import subprocess
import time

START_TIMEOUT = 10  # seconds for a server to accept connections
STOP_TIMEOUT = 5  # seconds for a server to exit after SIGTERM (then SIGKILL)


def free_ports(count, host="127.0.0.1"):
    """`count` different free ports: each held until all are chosen, so none comes twice."""
    with contextlib.ExitStack() as held:
        sockets = [held.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind((host, 0))
        return [s.getsockname()[1] for s in sockets]


def free_port(host="127.0.0.1"):
    return free_ports(1, host)[0]


def accepts(host, port):
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
        return True
    return False


def wait_until_accepting(process, host, port, timeout=START_TIMEOUT):
    """Whether `process` accepts connections on host:port within `timeout` seconds (False
    once it has exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if accepts(host, port):
            return True
        time.sleep(0.02)
    return False


def stop(*processes):
    """Ends processes this test started: SIGTERM to each, then SIGKILL to any that lingers."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)


def start_memcached(binary, host="127.0.0.1", port=None):
    """A memcached on host:port (a free port when None): (process, port), or None when it
    could not listen there (the port taken meanwhile, or by another test)."""
    port = port or free_port(host)
    if accepts(host, port):  # another test's server: it would answer for ours
        return None
    user = ["-u", "root"] if os.geteuid() == 0 else []
    process = subprocess.Popen(
        [binary, "-l", host, "-p", str(port), "-U", "0", "-t", "1", "-m", "16", *user],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    if wait_until_accepting(process, host, port) and process.poll() is None:
        return process, port
    stop(process)
    return None


@contextlib.contextmanager
def loopback_pool(binary, count, on_11211):
    """`count` memcached servers on 127.A.B.1, 127.A.B.2, ... of a random /24, the first
    `on_11211` of them on port 11211 and the others on free ports. Yields their (host, port)
    and stops them all, pass or fail. Another /24 is tried when one is busy."""
    processes = []
    try:
        for _ in range(5):
            net = f"127.{random.randrange(64, 255)}.{random.randrange(256)}"
            for i in range(count):
                host = f"{net}.{i + 1}"
                started = start_memcached(binary, host, 11211 if i < on_11211 else None)
                if not started:
                    break
                processes.append((host, started))
            if len(processes) == count:
                break
            stop(*(process for _, (process, _) in processes))
            processes = []
        if len(processes) != count:
            raise RuntimeError("memcached did not start on a loopback /24")
        yield [(host, port) for host, (_, port) in processes]
    finally:
        stop(*(process for _, (process, _) in processes))
