"""Fixtures for the Tessera black-box suite.

The server under test is the binary named by $TESSERA_BIN (default <repo>/build/tessera-server).
With TESSERA_TEST_AGAINST_REDIS=1 the same fixtures start a real redis-server instead, which is
how every test here is validated against Redis 7.0 behaviour. Tests marked `tessera_only` are
skipped in that mode (set TESSERA_TEST_RUN_TESSERA_ONLY=1 to run them against Redis anyway).

The memcached-protocol tests (test_memcache_*.py) start Tessera with memcached TCP/UDP listeners,
or with TESSERA_TEST_AGAINST_MEMCACHED=1 a real memcached 1.6 instead (see McServerProcess below);
they are skipped with TESSERA_TEST_AGAINST_REDIS=1 alone.

Every server is started on a free 127.0.0.1 port, in its own temporary working directory, with
its output captured in a log file. A server that dies on its own (a crash, an abort, a sanitizer
exit) fails the test during which it died; a negative return code at teardown that is not from
our own SIGTERM/SIGKILL fails too.
"""
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from helpers import HOST, RawConn, free_port  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
AGAINST_REDIS = os.environ.get("TESSERA_TEST_AGAINST_REDIS") == "1"
RUN_TESSERA_ONLY_ANYWAY = os.environ.get("TESSERA_TEST_RUN_TESSERA_ONLY") == "1"
TESSERA_BIN = os.environ.get("TESSERA_BIN") or str(REPO / "build" / "tessera-server")
REDIS_BIN = os.environ.get("REDIS_SERVER_BIN") or shutil.which("redis-server") or "/usr/bin/redis-server"

# Shard threads of the servers the fixtures start (tests that need a given count pass it).
DEFAULT_THREADS = int(os.environ.get("TESSERA_TEST_THREADS", "2"))
# The event-loop engine of the Tessera servers the fixtures start (epoll or io_uring).
IO_ENGINE = os.environ.get("TESSERA_TEST_IO_ENGINE", "")
START_TIMEOUT_S = 10.0
STOP_GRACE_S = 5.0
DEFAULT_TEST_TIMEOUT_S = 120


def _raise_nofile_limit(want=65536):
    """Raise the soft RLIMIT_NOFILE so both this process and the servers it starts (which
    inherit it) can hold well over 1,000 connections."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass


_raise_nofile_limit()

# Every ServerProcess that is running and has not been stopped by us.
_LIVE = []


class ServerProcess:
    """One server process (Tessera, or redis-server in reference mode)."""

    def __init__(self, threads=None, extra_args=(), config_text=None, use_redis=None, name="server"):
        threads = DEFAULT_THREADS if threads is None else threads
        self.use_redis = AGAINST_REDIS if use_redis is None else use_redis
        self.threads = threads
        self.extra_args = [str(a) for a in extra_args]
        self.name = name
        self.workdir = tempfile.mkdtemp(prefix="tessera-test-")
        self.config_path = None
        if config_text is not None:
            self.config_path = os.path.join(self.workdir, "test.conf")
            with open(self.config_path, "w") as f:
                f.write(config_text)
        self.log_path = os.path.join(self.workdir, "server.log")
        self.proc = None
        self.port = None
        self.expect_exit = False  # set by tests that make the server exit (SHUTDOWN)
        self.restart_on_death = False  # module servers come back after a crash so later tests still run
        self.stopped = False
        self.signals_sent = set()

    # -- command line -------------------------------------------------------------------
    def argv(self, port):
        if self.use_redis:
            argv = [REDIS_BIN]
            if self.config_path:
                argv.append(self.config_path)
            argv += ["--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no"]
            argv += self.extra_args
        else:
            argv = [TESSERA_BIN]
            if self.config_path:
                argv.append(self.config_path)
            argv += ["--port", str(port), "--bind", HOST, "--threads", str(self.threads)]
            if IO_ENGINE:
                argv += ["--io-engine", IO_ENGINE]
            argv += self.extra_args
        return argv

    @property
    def kind(self):
        return "redis-server" if self.use_redis else "tessera"

    def log_tail(self, n=4000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
            return data[-n:].decode(errors="replace")
        except OSError:
            return ""

    # -- lifecycle ----------------------------------------------------------------------
    def start(self):
        if not self.use_redis and not os.path.exists(TESSERA_BIN):
            shutil.rmtree(self.workdir, ignore_errors=True)
            pytest.fail(
                "Tessera binary not found at %s: build it (make build), point TESSERA_BIN at it, "
                "or run with TESSERA_TEST_AGAINST_REDIS=1" % TESSERA_BIN, pytrace=False)
        self.signals_sent = set()
        self.stopped = False
        last_err = None
        for _attempt in range(3):  # a free port can be taken between probe and bind; retry
            port = free_port()
            argv = self.argv(port)
            log = open(self.log_path, "ab")
            log.write(("\n=== start: %s\n" % " ".join(repr(a) if a == "" else a for a in argv)).encode())
            log.flush()
            self.proc = subprocess.Popen(argv, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
            log.close()
            self.port = port
            err = self._wait_ready()
            if err is None:
                _LIVE.append(self)
                return self
            last_err = err
            if self.proc.poll() is None:
                self._terminate()
        pytest.fail("could not start %s: %s\n--- log ---\n%s" % (self.kind, last_err, self.log_tail()),
                    pytrace=False)

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                return "process exited with rc=%s before accepting connections" % rc
            try:
                # Ready once it answers something other than -LOADING (a server loading its
                # data accepts connections first, as Redis does).
                with socket.create_connection((HOST, self.port), timeout=2) as sock:
                    sock.sendall(b"PING\r\n")
                    reply = sock.recv(64)
                    if reply and not reply.startswith(b"-LOADING"):
                        return None
                time.sleep(0.02)
            except OSError:
                time.sleep(0.05)
        return "not ready on port %d within %.0fs" % (self.port, START_TIMEOUT_S)

    def _terminate(self):
        """SIGTERM, then SIGKILL after STOP_GRACE_S. Returns the exit code."""
        if self.proc.poll() is None:
            self.signals_sent.add(signal.SIGTERM)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                self.signals_sent.add(signal.SIGKILL)
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode

    def crash_message(self):
        """A message if the process died on a signal we did not send, or exited non-zero after our
        SIGTERM (a sanitizer's leak report, a failed shutdown), or logged a sanitizer report."""
        rc = self.proc.returncode
        try:
            with open(self.log_path, "rb") as f:
                log = f.read()
        except OSError:
            log = b""
        for marker in (b"ERROR: AddressSanitizer", b"ERROR: LeakSanitizer", b"runtime error:",
                       b"WARNING: ThreadSanitizer"):
            if marker in log:
                return "%s logged a sanitizer report (%s)\n--- log ---\n%s" % (
                    self.kind, marker.decode(), self.log_tail())
        if (rc is not None and rc > 0 and signal.SIGTERM in self.signals_sent
                and signal.SIGKILL not in self.signals_sent and not self.expect_exit):
            return "%s exited with rc=%d after SIGTERM\n--- log ---\n%s" % (self.kind, rc, self.log_tail())
        if rc is not None and rc < 0 and -rc not in self.signals_sent:
            when = " while shutting down after SIGTERM" if signal.SIGTERM in self.signals_sent else ""
            return "%s died on signal %d (%s)%s\n--- log ---\n%s" % (
                self.kind, -rc, signal.Signals(-rc).name if -rc in signal.valid_signals() else "?", when,
                self.log_tail())
        return None

    def stop(self):
        """Stop the server; fail the current test if it had crashed."""
        if self.stopped:
            return
        self.stopped = True
        if self in _LIVE:
            _LIVE.remove(self)
        died_before = self.proc.poll()
        self._terminate()
        msg = self.crash_message()
        if msg is None:
            shutil.rmtree(self.workdir, ignore_errors=True)
        if msg:
            pytest.fail(msg, pytrace=False)
        if died_before is not None and not self.expect_exit:
            pytest.fail("%s exited on its own with rc=%s during the test\n--- log ---\n%s"
                        % (self.kind, died_before, self.log_tail()), pytrace=False)

    def alive(self):
        return self.proc.poll() is None

    # -- clients ------------------------------------------------------------------------
    def client(self, **kw):
        kw.setdefault("socket_timeout", 10)
        kw.setdefault("socket_connect_timeout", 5)
        kw.setdefault("decode_responses", False)
        return redis.Redis(host=HOST, port=self.port, **kw)

    def raw(self, timeout=5.0):
        return RawConn(self.port, timeout=timeout)

    def __repr__(self):
        return "<%s port=%s>" % (self.kind, self.port)


# ---------------------------------------------------------------------------------------
# pytest hooks: marker, per-test timeout
# ---------------------------------------------------------------------------------------
def pytest_addoption(parser):
    parser.addini("tessera_test_timeout", "per-test wall-clock limit in seconds (SIGALRM based)",
                  default=str(DEFAULT_TEST_TIMEOUT_S))


def pytest_configure(config):
    config.addinivalue_line("markers", "tessera_only: tests Tessera-specific behaviour; skipped against redis-server")
    config.addinivalue_line("markers", "timeout_s(n): override the per-test wall-clock limit")
    config.addinivalue_line("markers", "pinned_threads: every server of the test has a fixed --threads")


def pytest_collection_modifyitems(config, items):
    if AGAINST_REDIS and not RUN_TESSERA_ONLY_ANYWAY:
        skip = pytest.mark.skip(reason="tessera_only: not run against redis-server")
        for item in items:
            if "tessera_only" in item.keywords:
                item.add_marker(skip)
    # A test whose servers all have a fixed --threads is the same test in every thread-count
    # pass of scripts/test.sh: it runs in the --threads 4 passes (release and sanitizer) only.
    pass_threads = os.environ.get("TESSERA_TEST_THREADS")
    if pass_threads not in (None, "4"):
        skip = pytest.mark.skip(reason="pinned_threads: runs in the TESSERA_TEST_THREADS=4 passes")
        for item in items:
            if "pinned_threads" in item.keywords:
                item.add_marker(skip)


def pytest_report_header(config):
    target = "redis-server (%s)" % REDIS_BIN if AGAINST_REDIS else "tessera (%s)" % TESSERA_BIN
    return "server under test: " + target


class TestTimeout(Exception):
    pass


@pytest.fixture(autouse=True)
def _per_test_timeout(request):
    """Bound every test's wall time with SIGALRM so a hung server fails the test instead of
    hanging the suite (no pytest-timeout plugin is available)."""
    marker = request.node.get_closest_marker("timeout_s")
    limit = float(marker.args[0]) if marker else float(request.config.getini("tessera_test_timeout"))

    def on_alarm(signum, frame):
        raise TestTimeout("test exceeded %.0fs wall-clock limit" % limit)

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@pytest.fixture(autouse=True)
def _servers_stay_alive():
    """After each test, every server still registered must be running: a server that died during
    the test (crash, abort, exit) fails that test."""
    yield
    dead = [s for s in list(_LIVE) if not s.alive() and not s.expect_exit]
    msgs = []
    for s in dead:
        _LIVE.remove(s)
        s.stopped = True
        rc = s.proc.returncode
        how = "signal %d (%s)" % (-rc, signal.Signals(-rc).name) if rc < 0 else "exit code %d" % rc
        msgs.append("%s (port %s) died during this test: %s\n--- log ---\n%s"
                    % (s.kind, s.port, how, s.log_tail()))
        if s.restart_on_death:
            try:
                s.start()
                msgs.append("(restarted it on port %s for the remaining tests)" % s.port)
            except pytest.fail.Exception as e:
                msgs.append("restart failed: %s" % e)
    if msgs:
        pytest.fail("\n".join(msgs), pytrace=False)


# ---------------------------------------------------------------------------------------
# server fixtures
# ---------------------------------------------------------------------------------------
def _stop_and_report(request, s):
    """Stop s; a crash fails the current teardown. When pytest is already stopping (-x) or this
    is the session's final teardown, raising would be an internal error, so report on stderr."""
    try:
        s.stop()
    except pytest.fail.Exception as e:
        if request.session.shouldstop or request.session.shouldfail or request.scope == "session":
            sys.stderr.write("\n*** %s\n" % e)
        else:
            raise


@pytest.fixture(scope="module")
def server(request):
    """The server under test, shared by one test module (--threads $TESSERA_TEST_THREADS, 2)."""
    s = ServerProcess()
    s.restart_on_death = True
    s.start()
    yield s
    _stop_and_report(request, s)


@pytest.fixture
def start_server():
    """Factory: start_server(threads=2, extra_args=[...], config_text=None) -> ServerProcess.

    Servers are stopped (and checked for crashes) at the end of the test.
    """
    yield from _server_factory(ServerProcess)


def _server_factory(cls):
    """Yields a factory starting `cls(**kwargs)` servers; stops them all (failing the test if one
    crashed) when the test ends."""
    started = []

    def factory(**kwargs):
        s = cls(**kwargs).start()
        started.append(s)
        return s

    yield factory
    errors = []
    for s in started:
        try:
            s.stop()
        except pytest.fail.Exception as e:
            errors.append(str(e))
    if errors:
        pytest.fail("\n".join(errors), pytrace=False)


@pytest.fixture(scope="session")
def redis_ref(request):
    """A real redis-server (always, in both modes) for differential comparisons."""
    if not os.path.exists(REDIS_BIN):
        pytest.skip("redis-server not installed")
    s = ServerProcess(use_redis=True, name="redis_ref").start()
    yield s
    _stop_and_report(request, s)


@pytest.fixture
def r(server):
    """redis-py client on the module server, FLUSHALL'd before the test."""
    c = server.client()
    c.flushall()
    yield c
    c.close()


@pytest.fixture
def raw(server):
    """Factory for raw RESP connections to the module server: raw(timeout=5.0) -> RawConn."""
    yield from _conn_factory(server.raw)


def _conn_factory(open_conn):
    """Yields a factory opening connections with `open_conn(**kwargs)`; closes them when the test
    ends."""
    conns = []

    def factory(**kwargs):
        c = open_conn(**kwargs)
        conns.append(c)
        return c

    yield factory
    for c in conns:
        c.close()


@pytest.fixture
def rc(r, raw):
    """One raw RESP connection on a freshly flushed module server."""
    return raw()


# ---------------------------------------------------------------------------------------
# memcached protocol: the server under test with memcached listeners, and the reference
# ---------------------------------------------------------------------------------------
# The memcached tests (test_memcache_*.py) run against Tessera started with
#   --port P --memcached-port M --memcached-udp-port U --threads $TESSERA_TEST_THREADS
# or, with TESSERA_TEST_AGAINST_MEMCACHED=1, against a real memcached 1.6 (how every one of them
# is validated). `tessera_only` memcached tests (Redis-side cross checks) are skipped in that
# mode; every memcached test is skipped with TESSERA_TEST_AGAINST_REDIS=1 alone, since
# redis-server has no memcached port.
AGAINST_MEMCACHED = os.environ.get("TESSERA_TEST_AGAINST_MEMCACHED") == "1"
MEMCACHED_BIN = os.environ.get("MEMCACHED_BIN") or shutil.which("memcached") or "/usr/bin/memcached"
MEMCACHED_THREADS = 2  # memcached -t of the reference servers


class McServerProcess(ServerProcess):
    """A server with a memcached TCP and UDP listener: Tessera (RESP on .port as usual, memcached
    on .mc_port and .udp_port), or a real memcached (`use_memcached`; .port == .mc_port).

    `use_redis` is True for the memcached reference so the base class skips its Tessera-binary
    check; argv, kind and readiness are this class's own.
    """

    def __init__(self, use_memcached=None, threads=None, extra_args=(), memcached_args=(), name="mc_server"):
        use_memcached = AGAINST_MEMCACHED if use_memcached is None else use_memcached
        super().__init__(threads=MEMCACHED_THREADS if use_memcached else threads, extra_args=extra_args,
                         use_redis=use_memcached, name=name)
        self.use_memcached = use_memcached
        self.memcached_args = [str(a) for a in memcached_args]
        self.mc_port = None
        self.udp_port = None

    def argv(self, port):
        from mc_helpers import free_udp_port
        self.udp_port = free_udp_port()
        if self.use_memcached:
            self.mc_port = port
            # No LRU crawler/maintainer threads: they briefly hold references to items, which
            # makes memcached's incr/decr sometimes allocate a new item instead of rewriting the
            # number in place space-padded (do_add_delta's refcount == 2 test). Without them the
            # in-place rewrite always happens, so replies are deterministic and comparable.
            argv = [MEMCACHED_BIN, "-l", HOST, "-p", str(port), "-U", str(self.udp_port),
                    "-t", str(MEMCACHED_THREADS), "-m", "64", "-I", "1m",
                    "-o", "no_lru_crawler,no_lru_maintainer"]
            if os.geteuid() == 0:
                argv += ["-u", "root"]  # memcached refuses to run as root without -u
            return argv + self.memcached_args
        self.mc_port = free_port()
        return super().argv(port) + ["--memcached-port", str(self.mc_port),
                                     "--memcached-udp-port", str(self.udp_port)]

    @property
    def kind(self):
        return "memcached" if self.use_memcached else "tessera"

    def start(self):
        if self.use_memcached and not os.path.exists(MEMCACHED_BIN):
            shutil.rmtree(self.workdir, ignore_errors=True)
            pytest.skip("memcached not installed (%s)" % MEMCACHED_BIN)
        return super().start()

    def _wait_ready(self):
        """Ready once every listener answers: RESP PING (Tessera), memcached `version` over TCP
        and over UDP."""
        deadline = time.monotonic() + START_TIMEOUT_S
        pending = ["tcp", "udp"] + ([] if self.use_memcached else ["resp"])
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                return "process exited with rc=%s before accepting connections" % rc
            try:
                if "resp" in pending:
                    with socket.create_connection((HOST, self.port), timeout=2) as sock:
                        sock.sendall(b"PING\r\n")
                        reply = sock.recv(64)
                        if not reply or reply.startswith(b"-LOADING"):
                            raise OSError("not ready")
                    pending.remove("resp")
                if "tcp" in pending:
                    with socket.create_connection((HOST, self.mc_port), timeout=2) as sock:
                        sock.sendall(b"version\r\n")
                        if not sock.recv(64).startswith(b"VERSION "):
                            raise OSError("not ready")
                    pending.remove("tcp")
                if "udp" in pending:
                    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                        sock.settimeout(0.2)
                        sock.sendto(b"\x00\x01\x00\x00\x00\x01\x00\x00version\r\n", (HOST, self.udp_port))
                        if not sock.recvfrom(2048)[0][8:].startswith(b"VERSION "):
                            raise OSError("not ready")
                    pending.remove("udp")
                return None
            except OSError:
                time.sleep(0.05)
        return "%s not ready on ports %s/%s/%s within %.0fs" % (
            "/".join(pending), self.port, self.mc_port, self.udp_port, START_TIMEOUT_S)

    def mc_raw(self, timeout=5.0, sentinel="mn"):
        from mc_helpers import McConn
        return McConn(self.mc_port, timeout=timeout, sentinel=sentinel)

    def __repr__(self):
        return "<%s port=%s mc_port=%s udp_port=%s>" % (self.kind, self.port, self.mc_port, self.udp_port)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Skip memcached tests (those that use a memcached server fixture) that cannot run in the
    selected mode."""
    if not {"mc_server", "start_mc_server", "mc_ref"} & set(getattr(item, "fixturenames", ())):
        return
    if AGAINST_REDIS and not AGAINST_MEMCACHED:
        pytest.skip("memcached protocol: needs tessera or memcached (TESSERA_TEST_AGAINST_MEMCACHED=1), "
                    "not redis-server")
    if AGAINST_MEMCACHED and "tessera_only" in item.keywords and not RUN_TESSERA_ONLY_ANYWAY:
        pytest.skip("tessera_only: not run against memcached")


@pytest.fixture(scope="module")
def mc_server(request):
    """The server under test with memcached TCP+UDP listeners, shared by one test module."""
    s = McServerProcess()
    s.restart_on_death = True
    s.start()
    yield s
    _stop_and_report(request, s)


@pytest.fixture(scope="module")
def mc_ref(request):
    """A real memcached (always, in both modes) for differential comparisons."""
    s = McServerProcess(use_memcached=True, name="mc_ref").start()
    yield s
    _stop_and_report(request, s)


@pytest.fixture
def mc(mc_server):
    """pymemcache text-protocol client on the module server, flush_all'd before the test."""
    Client = pytest.importorskip("pymemcache.client.base").Client
    c = Client((HOST, mc_server.mc_port), connect_timeout=5, timeout=10, default_noreply=False)
    c.flush_all(noreply=False)
    yield c
    c.close()


@pytest.fixture
def mcraw(mc_server):
    """Factory for raw memcached text/meta connections: mcraw(timeout=5.0, sentinel="mn")."""
    yield from _conn_factory(mc_server.mc_raw)


@pytest.fixture
def start_mc_server():
    """Factory: start_mc_server(threads=None, extra_args=[...], memcached_args=[...]) -> McServerProcess,
    a fresh server of the kind under test (for tests that need a clean one, e.g. exact stats).

    Servers are stopped (and checked for crashes) at the end of the test.
    """
    yield from _server_factory(McServerProcess)
