"""Helpers for the persistence tests: kill -9 / restart of a fixture server in the same
directory, start-ups that are expected to fail, and a type-aware snapshot of a whole dataset
(compared through ordinary reads, not DUMP, so the two sides may encode values differently).
"""
import os
import signal
import subprocess
import time

import conftest
import pytest
from helpers import wait_until

TTL_SLACK_MS = 3000


def kill9(s):
    """SIGKILL the server and reap it; it stays registered with its fixture for teardown."""
    if s.proc.poll() is None:
        s.signals_sent.add(signal.SIGKILL)
        s.proc.kill()
    s.proc.wait(10)
    s.expect_exit = True  # its fixture's teardown must not count this exit as a crash
    while s in conftest._LIVE:
        conftest._LIVE.remove(s)


def sigterm_and_wait(s, timeout=20):
    """SIGTERM; returns the exit code (the server must exit within timeout)."""
    s.signals_sent.add(signal.SIGTERM)
    s.proc.send_signal(signal.SIGTERM)
    rc = s.proc.wait(timeout)
    s.expect_exit = True
    while s in conftest._LIVE:
        conftest._LIVE.remove(s)
    return rc


def wait_exit(s, timeout=20):
    """Wait for a server that was told to exit (SHUTDOWN); returns its exit code."""
    s.expect_exit = True
    rc = s.proc.wait(timeout)
    while s in conftest._LIVE:
        conftest._LIVE.remove(s)
    return rc


def restart(s, threads=None, extra_args=None):
    """Start the same server again in its own working directory (new port)."""
    if s.proc.poll() is None:
        raise AssertionError("restart() of a server that is still running")
    while s in conftest._LIVE:
        conftest._LIVE.remove(s)
    if threads is not None:
        s.threads = threads
    if extra_args is not None:
        s.extra_args = [str(a) for a in extra_args]
    s.expect_exit = False
    s.start()
    wait_loaded(s)
    return s


def wait_loaded(s, timeout=20):
    """Wait until the server answers PING (redis-server accepts connections while loading)."""
    import redis
    c = s.client(socket_timeout=5)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                c.ping()
                return
            except redis.BusyLoadingError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
            except redis.ConnectionError:
                if s.proc.poll() is None and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                import pytest
                s.expect_exit = True
                pytest.fail("%s exited with rc=%s while loading\n--- log ---\n%s"
                            % (s.kind, s.proc.poll(), s.log_tail()), pytrace=False)
    finally:
        c.close()


def restart_checked(s, what, threads=None, extra_args=None):
    """restart(), turning a refused start into an AssertionError that quotes the server's
    complaint (and keeping the fixture's teardown from reporting it again as a crash)."""
    import pytest
    try:
        return restart(s, threads=threads, extra_args=extra_args)
    except pytest.fail.Exception as e:
        s.expect_exit = True
        lines = [ln for ln in str(e).splitlines() if " # " in ln]
        raise AssertionError("%s: the server refused to start: %s" % (what, lines[-1:] or str(e)[-1500:]))


def start_expect_failure(s, extra_args=None, timeout=15):
    """Run the server's command line once in its workdir and expect it to exit by itself.

    Returns (rc, output). If it is still running after timeout, it is killed and an
    AssertionError is raised."""
    args = s.extra_args if extra_args is None else [str(a) for a in extra_args]
    saved = s.extra_args
    s.extra_args = args
    try:
        argv = s.argv(conftest.free_port())
    finally:
        s.extra_args = saved
    p = subprocess.Popen(argv, cwd=s.workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         stdin=subprocess.DEVNULL)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate(timeout=10)
        raise AssertionError("server kept running although start-up should have failed; "
                             "output:\n%s" % out.decode(errors="replace")[-3000:])
    return p.returncode, out.decode(errors="replace")


def info(c, section="persistence"):
    """INFO section as {field: str} (redis-py parses INFO itself; undo its int conversion)."""
    return {k: str(v) for k, v in c.info(section).items()}


def aof_dir(s):
    return os.path.join(s.workdir, "appendonlydir")


def tlogs(s):
    d = aof_dir(s)
    return sorted(f for f in os.listdir(d) if f.endswith(".tlog")) if os.path.isdir(d) else []


# ---------------------------------------------------------------------------------------
# dataset snapshots
# ---------------------------------------------------------------------------------------
def _scan_keys(c):
    keys = []
    cursor = 0
    for _ in range(1_000_000):
        cursor, batch = c.scan(cursor=cursor, count=1000)
        keys.extend(batch)
        if int(cursor) == 0:
            break
    return set(keys)


def snapshot(c, dbs=range(16)):
    """{(db, key): (type, value, pttl)} for every key of the given databases.

    value: bytes for strings, list for lists, dict for hashes, frozenset for sets, list of
    (member, score) for zsets. pttl: -1 for no expiry, else the remaining ms."""
    out = {}
    for db in dbs:
        c.execute_command("SELECT", db)
        keys = _scan_keys(c)
        for k in keys:
            t = c.type(k)
            t = t.decode() if isinstance(t, bytes) else t
            if t == "string":
                v = c.get(k)
            elif t == "list":
                v = c.lrange(k, 0, -1)
            elif t == "hash":
                v = c.hgetall(k)
            elif t == "set":
                v = frozenset(c.smembers(k))
            elif t == "zset":
                v = c.zrange(k, 0, -1, withscores=True)
            elif t == "none":
                continue  # expired between SCAN and TYPE
            else:
                v = ("unsupported type", t)
            out[(db, k)] = (t, v, c.pttl(k))
    c.execute_command("SELECT", 0)
    return out


def hll_registers(snap):
    """A copy of a snapshot where HyperLogLog strings lose their 8-byte cached-cardinality
    header field (PFCOUNT rewrites it), so only the registers are compared."""
    out = {}
    for k, (t, v, ttl) in snap.items():
        if t == "string" and isinstance(v, bytes) and v[:4] == b"HYLL" and len(v) >= 16:
            v = v[:8] + v[16:]
        out[k] = (t, v, ttl)
    return out


def diff_snapshots(want, got, ttl_slack_ms=TTL_SLACK_MS, elapsed_ms=None, ttl_up_ms=None):
    """A list of human-readable differences (empty when equal). TTLs must both be -1 or
    both positive; got's may be lower than want's by up to ttl_slack_ms + elapsed_ms (the time
    between the two snapshots) and higher by up to ttl_up_ms (default ttl_slack_ms)."""
    problems = []
    for key in sorted(set(want) | set(got), key=repr):
        if key not in got:
            problems.append("missing %r (want %r)" % (key, _short(want[key])))
            continue
        if key not in want:
            problems.append("unexpected %r = %r" % (key, _short(got[key])))
            continue
        wt, wv, wttl = want[key]
        gt, gv, gttl = got[key]
        if wt != gt:
            problems.append("%r: type %s, want %s" % (key, gt, wt))
        elif wv != gv:
            problems.append("%r: value %r, want %r" % (key, _short(gv), _short(wv)))
        if (wttl == -1) != (gttl == -1):
            problems.append("%r: pttl %d, want %d" % (key, gttl, wttl))
        elif wttl != -1:
            slack = ttl_slack_ms + (elapsed_ms or 0)
            up = ttl_slack_ms if ttl_up_ms is None else ttl_up_ms
            if not (wttl - slack <= gttl <= wttl + up):
                problems.append("%r: pttl %d, want about %d" % (key, gttl, wttl))
    return problems


def _short(v, n=200):
    s = repr(v)
    return s if len(s) <= n else s[:n] + "...(%d chars)" % len(s)


def assert_same(want, got, what, **kw):
    problems = diff_snapshots(want, got, **kw)
    assert not problems, "%s: %d differences (of %d keys wanted, %d found):\n  %s" % (
        what, len(problems), len(want), len(got), "\n  ".join(problems[:30]))


def wait_for(pred, timeout, interval=0.05):
    return wait_until(pred, timeout=timeout, interval=interval)


def read_log(s):
    with open(s.log_path, "rb") as f:
        return f.read().decode(errors="replace")


def wait_log(s, needle, timeout=3.0):
    """The server log once it contains needle (log lines may land just after the port opens);
    the log as it is when timeout passes otherwise."""
    wait_for(lambda: needle in read_log(s), timeout)
    return read_log(s)


def asan_build():
    """True when TESSERA_BIN looks like a sanitizer/debug build (slower: fewer rounds)."""
    return "asan" in conftest.TESSERA_BIN.lower() or os.environ.get("TESSERA_TEST_SLOW") == "1"


@pytest.fixture
def start_server(start_server):
    """conftest's factory, also waiting until the server has finished loading (it may accept
    connections and answer -LOADING first, as redis-server does). Test modules import it."""
    def factory(*args, **kw):
        s = start_server(*args, **kw)
        wait_loaded(s)
        return s
    return factory
