#!/usr/bin/env python3
"""Real memcached servers on loopback, for the clients that place keys only through servers.

    pool.py start LIST STATEDIR     one memcached per address of LIST; pids in STATEDIR
    pool.py stop STATEDIR           stop exactly the memcacheds that `start` wrote down
    pool.py fill LIST KEYS          store every key on every server, value = its address
    pool.py get ENDPOINT KEYS OUT   `get` every key through ENDPOINT (a server, a proxy)
    pool.py http-get URL KEYS OUT   GET URL with the key in header X-Key (a web front)
    pool.py free-port               print a free TCP port on 127.0.0.1

LIST is a server list of clients/lists/ (`ADDRESS WEIGHT [NAME]` a line, `#` comments);
addresses are `host:port`, `[v6]:port` or `host` alone (port 11211). A memcached listens on
exactly each address (`localhost`: on each address the resolver gives it, 127.0.0.1 and,
where /etc/hosts says so as Debian 13's does, ::1); only loopback addresses are accepted.
KEYS holds one key a line. OUT gets `KEY<TAB>VALUE` a line, in the order of KEYS; a key the
endpoint does not have is an error (exit 1), since every server holds every key.

After `fill`, reading a key back through any client tells which server that client chose:
the value is the address of that server, spelt as LIST spells it.

As a module: `Pool(list_path, statedir)` is a context manager that starts the servers, holds
a machine-wide lock while they run (two oracles on the same list would fight over the
addresses) and stops them on the way out, whatever happened; `read_list`, `fill`,
`get_through`, `http_get`, `free_port` (and `free_ports`) as above. Python 3 standard library only.
"""
import argparse
import concurrent.futures
import fcntl
import http.client
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time

LOCK_PATH = "/tmp/libketama-clients-pool.lock"
LOCK_WAIT = 600  # seconds another oracle may hold the servers before we give up
START_WAIT = 15  # seconds for all memcacheds to answer
STOP_WAIT = 10  # seconds for them to be gone after SIGKILL
IO_TIMEOUT = 20  # seconds without progress on a socket


class PoolError(Exception):
    pass


class Server:
    """One line of a list: the address as spelt, where memcached listens, weight, name."""

    def __init__(self, spelt, host, port, weight, name):
        self.spelt, self.host, self.port, self.weight, self.name = spelt, host, port, weight, name

    def listen_host(self):
        """The address to connect to: localhost's memcached listens on 127.0.0.1 too."""
        return "127.0.0.1" if self.host == "localhost" else self.host


def listen_addresses(host):
    """Where the memcached of `host` listens: the address, or for localhost every address the
    resolver gives it, since a client connects to whichever comes first."""
    if host != "localhost":
        return [host]
    found = socket.getaddrinfo("localhost", None, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in found} | {"127.0.0.1"})


def split_address(spelt):
    """`host:port`, `[v6]:port`, `[v6]`, `host` → (host without brackets, port)."""
    if spelt.startswith("["):
        end = spelt.index("]")
        host, rest = spelt[1:end], spelt[end + 1:]
        port = int(rest[1:]) if rest.startswith(":") else 11211
        return host, port
    if spelt.count(":") == 1:
        host, port = spelt.split(":")
        return host, int(port)
    return spelt, 11211


def read_list(path):
    """The servers of a list file, in order. Weights are kept as written (ints)."""
    servers = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = line.split()
            weight = int(fields[1]) if len(fields) > 1 else 1
            name = fields[2] if len(fields) > 2 else None
            host, port = split_address(fields[0])
            servers.append(Server(fields[0], host, port, weight, name))
    return servers


def is_loopback(host):
    try:
        return all(ipaddress.ip_address(a).is_loopback for a in listen_addresses(host))
    except ValueError:
        return False


def check_loopback(servers):
    for s in servers:
        if not is_loopback(s.host):
            raise PoolError(f"{s.spelt}: not a loopback address, no server is started there")


def distinct_endpoints(servers):
    """Each (host, port) once: a list may name one server twice (a duplicate test)."""
    seen, out = set(), []
    for s in servers:
        key = (s.listen_host(), s.port)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def connect(host, port, timeout=IO_TIMEOUT):
    return socket.create_connection((host, port), timeout=timeout)


def recv_until(sock, buf, marker):
    """Read until `marker` is in buf; returns buf. Bounded by the socket timeout."""
    while marker not in buf:
        chunk = sock.recv(1 << 16)
        if not chunk:
            raise PoolError("connection closed by the server")
        buf += chunk
    return buf


def answers(host, port):
    try:
        with connect(host, port, timeout=1) as s:
            s.sendall(b"version\r\n")
            return recv_until(s, b"", b"\r\n").startswith(b"VERSION")
    except (OSError, PoolError):
        return False


def listening(host, port):
    """Something accepts TCP connections there (a proxy or web front starting up)."""
    try:
        with connect(host, port, timeout=1):
            return True
    except OSError:
        return False


def port_is_free(host, port):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


def start_servers(servers, statedir, memory_mb=16):
    """Start a memcached per distinct address; returns the Popen objects (also in pids)."""
    check_loopback(servers)
    os.makedirs(statedir, exist_ok=True)
    procs = []
    pidfile = os.path.join(statedir, "pids")
    if any(still_ours(*e) for e in read_pids(statedir)):
        raise PoolError(f"{statedir} has servers running: stop them first")
    open(pidfile, "w").close()
    log = open(os.path.join(statedir, "memcached.log"), "ab")
    try:
        for s in distinct_endpoints(servers):
            hosts = listen_addresses(s.host)
            if not all(port_is_free(h, s.port) for h in hosts):
                raise PoolError(f"{s.spelt}: address in use (another oracle or server running?)")
            host = ",".join(hosts)
            # -U 0: no UDP; -t 1: one worker thread, 130 of them must stay light;
            # -u nobody: memcached refuses to run as root without it (ignored otherwise)
            cmd = ["memcached", "-u", "nobody", "-l", host, "-p", str(s.port), "-U", "0",
                   "-m", str(memory_mb), "-t", "1", "-c", "256"]
            # own session: a ^C of the caller's terminal does not hit them; stop() does
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                 start_new_session=True)
            procs.append(p)
            with open(pidfile, "a") as f:
                f.write(f"{p.pid} {host} {s.port}\n")
        deadline = time.monotonic() + START_WAIT
        for s, p in zip(distinct_endpoints(servers), procs):
            while not answers(s.listen_host(), s.port):
                if p.poll() is not None:
                    raise PoolError(f"memcached for {s.spelt} exited ({p.returncode}); "
                                    f"see {statedir}/memcached.log")
                if time.monotonic() > deadline:
                    raise PoolError(f"memcached for {s.spelt} did not answer in {START_WAIT} s")
                time.sleep(0.02)
    except BaseException:
        stop_pids(read_pids(statedir))
        raise
    finally:
        log.close()
    return procs


def read_pids(statedir):
    path = os.path.join(statedir, "pids")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [(int(l.split()[0]), l.split()[1], l.split()[2]) for l in f if l.strip()]


def still_ours(pid, host, port):
    """The pid is still a memcached on that address (not a reused pid of someone else)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().split(b"\0")
    except OSError:
        return False
    return (os.path.basename(argv[0]) == b"memcached" and host.encode() in argv
            and port.encode() in argv)


def stop_pids(entries):
    """SIGKILL each pid written down that is still that memcached, then wait (bounded).

    memcached only exits at its next clock tick (up to a second) on SIGTERM, and what it
    holds is disposable: SIGKILL ends it at once."""
    live = [(pid, h, p) for pid, h, p in entries if still_ours(pid, h, p)]
    for pid, _, _ in live:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + STOP_WAIT
    while live and time.monotonic() < deadline:
        for pid, _, _ in live:
            try:  # reap our own children; others are reaped by init
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        live = [e for e in live if still_ours(*e)]
        if live:
            time.sleep(0.01)
    if live:
        raise PoolError(f"memcached pids {[e[0] for e in live]} still running")


def stop_servers(statedir):
    stop_pids(read_pids(statedir))
    path = os.path.join(statedir, "pids")
    if os.path.exists(path):
        os.unlink(path)


def read_keys(path):
    with open(path, "rb") as f:
        return [line.rstrip(b"\n") for line in f if line.rstrip(b"\n")]


def fill_one(server, keys):
    value = server.spelt.encode()
    head = b" 0 0 %d noreply\r\n" % len(value) + value + b"\r\n"
    payload = b"".join(b"set " + k + head for k in keys) + b"version\r\n"
    with connect(server.listen_host(), server.port) as sock:
        sock.sendall(payload)
        reply = recv_until(sock, b"", b"VERSION")
        if not reply.startswith(b"VERSION"):
            raise PoolError(f"{server.spelt} refused a set: {reply[:200]!r}")


def fill(servers, keys):
    """Every key on every server, value = the server's address as the list spells it.

    Pipelined `set ... noreply`, then a `version` to know the server has read it all; a few
    servers at a time (each is its own process)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as ex:
        for f in [ex.submit(fill_one, s, keys) for s in distinct_endpoints(servers)]:
            f.result()


def parse_get_replies(buf, keys, out):
    """Consume complete `get` replies from buf (one a key, in order); returns the rest."""
    while len(out) < len(keys):
        if buf.startswith(b"END\r\n"):
            raise PoolError(f"key not found through the endpoint: {keys[len(out)]!r}")
        if not buf.startswith(b"VALUE "):
            if b"\r\n" in buf:
                raise PoolError(f"unexpected reply for {keys[len(out)]!r}: {buf[:200]!r}")
            return buf
        eol = buf.find(b"\r\n")
        if eol < 0:
            return buf
        fields = buf[:eol].split(b" ")
        size = int(fields[3])
        end = eol + 2 + size + 2 + 5  # data, CRLF, END CRLF
        if len(buf) < end:
            return buf
        if fields[1] != keys[len(out)]:
            raise PoolError(f"reply for {fields[1]!r} where {keys[len(out)]!r} was asked")
        out.append(buf[eol + 2:eol + 2 + size])
        buf = buf[end:]
    return buf


def get_through(host, port, keys, batch=500):
    """`get` each key (one a command, pipelined by batches) through a memcached endpoint."""
    values = []
    with connect(host, port) as sock:
        for i in range(0, len(keys), batch):
            chunk = keys[i:i + batch]
            sock.sendall(b"".join(b"get " + k + b"\r\n" for k in chunk))
            got, buf = [], b""
            while len(got) < len(chunk):
                data = sock.recv(1 << 16)
                if not data:
                    raise PoolError("the endpoint closed the connection")
                buf = parse_get_replies(buf + data, chunk, got)
            values.extend(got)
    return values


def http_get(base_url, keys):
    """GET base_url once a key, the key in header X-Key (raw bytes: headers are not
    percent-decoded nor path-normalised, so the front sees the key exactly), one
    keep-alive connection; the body is the value."""
    u = base_url.split("//", 1)[1]
    hostport, _, path = u.partition("/")
    host, _, port = hostport.rpartition(":")
    conn = http.client.HTTPConnection(host.strip("[]"), int(port), timeout=IO_TIMEOUT)
    values = []
    try:
        for k in keys:
            conn.putrequest("GET", "/" + path)
            conn.putheader("X-Key", k)
            conn.endheaders()
            r = conn.getresponse()
            body = r.read()
            if r.status != 200:
                raise PoolError(f"HTTP {r.status} for {k!r}: {body[:200]!r}")
            values.append(body)
    finally:
        conn.close()
    return values


def free_ports(count, host="127.0.0.1"):
    """`count` different ports nobody listens on now (the kernel's choice, each held until all
    are chosen, so none twice; tiny race until they are used)."""
    held = []
    try:
        for _ in range(count):
            held.append(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            held[-1].bind((host, 0))
        return [s.getsockname()[1] for s in held]
    finally:
        for s in held:
            s.close()


def free_port(host="127.0.0.1"):
    return free_ports(1, host)[0]


def write_pairs(path, keys, values):
    with open(path, "wb") as f:
        for k, v in zip(keys, values):
            f.write(k + b"\t" + v + b"\n")


class Pool:
    """with Pool(list_path, statedir) as servers: memcached on each address meanwhile."""

    def __init__(self, list_path, statedir, memory_mb=16):
        self.servers = read_list(list_path)
        self.statedir, self.memory_mb = statedir, memory_mb
        self.lock = None

    def __enter__(self):
        check_loopback(self.servers)
        self.lock = open(LOCK_PATH, "a")
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(self.lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PoolError(f"{LOCK_PATH} held for {LOCK_WAIT} s by another run")
                time.sleep(0.2)
        try:
            start_servers(self.servers, self.statedir, self.memory_mb)
        except BaseException:
            self.lock.close()
            raise
        return self.servers

    def __exit__(self, *exc):
        try:
            stop_servers(self.statedir)
        finally:
            self.lock.close()
        return False


def terminate_on_signals():
    """SIGTERM/SIGHUP raise SystemExit, so that `finally` and `with` stop what we started."""
    def handler(signum, _frame):
        raise SystemExit(128 + signum)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("start", help="start one memcached per address of LIST")
    p.add_argument("list")
    p.add_argument("statedir")
    p.add_argument("--memory", type=int, default=16, help="-m of each memcached (MB)")
    p = sub.add_parser("stop", help="stop the memcacheds written down in STATEDIR")
    p.add_argument("statedir")
    p = sub.add_parser("fill", help="store every key on every server, value = its address")
    p.add_argument("list")
    p.add_argument("keys")
    p = sub.add_parser("get", help="get every key through a memcached endpoint HOST:PORT")
    p.add_argument("endpoint")
    p.add_argument("keys")
    p.add_argument("out")
    p = sub.add_parser("http-get", help="GET URL with header X-Key: KEY, once a key")
    p.add_argument("url")
    p.add_argument("keys")
    p.add_argument("out")
    sub.add_parser("free-port", help="print a free TCP port on 127.0.0.1")
    a = ap.parse_args()
    terminate_on_signals()
    try:
        if a.cmd == "start":
            start_servers(read_list(a.list), a.statedir, a.memory)
        elif a.cmd == "stop":
            stop_servers(a.statedir)
        elif a.cmd == "fill":
            servers = read_list(a.list)
            check_loopback(servers)
            fill(servers, read_keys(a.keys))
        elif a.cmd == "get":
            host, port = split_address(a.endpoint)
            keys = read_keys(a.keys)
            write_pairs(a.out, keys, get_through(host, port, keys))
        elif a.cmd == "http-get":
            keys = read_keys(a.keys)
            write_pairs(a.out, keys, http_get(a.url, keys))
        elif a.cmd == "free-port":
            print(free_port())
    except (PoolError, OSError) as e:
        print(f"pool.py {a.cmd}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
