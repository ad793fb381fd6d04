#!/usr/bin/python3
"""Benchmark helper for bench/run.sh (stdlib only).

Subcommands:
  free-ports N [--udp]                 print N distinct free TCP (and UDP) ports on 127.0.0.1
  wait-ready --pid P --port N [...]    wait until the server answers PING
  run [...]                            run the redis-benchmark matrix, print and save the table

run.sh owns the server processes (start, readiness, trap-based stop); this
helper only talks to them over 127.0.0.1 and reads /proc/<pid>/{stat,status}.
"""

import argparse
import csv
import datetime
import io
import itertools
import json
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time

HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Default test set and order (--tests overrides; see TESTS below for all known tests).
DEFAULT_TESTS = ["GET", "SET", "MSET", "INCR"]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- test definitions
#
# Each test is either a redis-benchmark built-in (`-t name`) or an explicit command line
# (redis-benchmark [options] CMD args..., `__rand_int__` replaced by a random 12-digit
# zero-padded number below -r). Fields:
#   builtin / command  what redis-benchmark runs
#   csv                first word of the test name in redis-benchmark's CSV output
#   keyspace           -r for this test (default: --keyspace)
#   n_div              N for this test is the usual N (per P) divided by this (default 1)
#   preflight          [(command, check)]: run once on both servers before anything is timed;
#                      an error reply, or a reply `check` rejects, makes the test `n/a` on both
#                      (redis-benchmark 7 aborts on the first error reply anyway). The commands
#                      used by `prepare` are part of the preflight.
#   prepare(srv, n, p) untimed, before every run: loads the data the run needs; returns a dict
#                      kept with the sample
#   post(srv, prep, n) untimed, after every run: returns an error string if the run did not
#                      measure what it should (e.g. popped from an empty key)
#   describe           one line for the report

LIST_KEY = "mylist"       # redis-benchmark's built-in lpush/lpop key (no cluster tag)
SET_KEY = "myset"         # built-in sadd/spop key
ZSET_KEY = "bench:zset"   # ZRANGE100 / ZRANK: ZSET_SIZE members m:%012d, score i
ZSET_SIZE = 1000
ZADD_KEY = "bench:zadd"   # ZADD target, up to --keyspace members
FILL_BATCH = 1000         # elements per variadic LPUSH/SADD/ZADD in the preparation steps
PF = "bench:preflight"


def _is_int(r):
    return None if isinstance(r, int) else "expected an integer reply, got %r" % (r,)


def _is_bulk(r):
    return None if isinstance(r, bytes) else "expected a bulk string reply, got %r" % (r,)


def _equals(v):
    return lambda r: None if r == v else "expected %r, got %r" % (v, r)


def _at_least(v):
    return lambda r: None if isinstance(r, int) and r >= v else "expected an integer >= %d, got %r" % (v, r)


def zset_member(i):
    """Sorted-set member as redis-benchmark writes m:__rand_int__ (12 digits, zero-padded)."""
    return "m:%012d" % i


def prepare_zset(srv, n, p, clients):
    """(Re)load ZSET_KEY with ZSET_SIZE members m:%012d, score i; verify ZCARD."""
    cmd = ["ZADD", ZSET_KEY]
    for i in range(ZSET_SIZE):
        cmd += [str(i), zset_member(i)]
    replies = resp_pipeline(srv.port, [resp_encode(["DEL", ZSET_KEY]), resp_encode(cmd),
                                       resp_encode(["ZCARD", ZSET_KEY])])
    for r in replies:
        if isinstance(r, RespError):
            raise RuntimeError("%s" % r)
    if replies[2] != ZSET_SIZE:
        raise RuntimeError("ZCARD %s is %r after loading %d members" % (ZSET_KEY, replies[2], ZSET_SIZE))
    return {"zcard": replies[2]}


def _pop_margin(n, p, clients):
    # redis-benchmark may issue up to one pipeline batch per client past -n; keep a wide margin.
    return max(1000, n // 20) + clients * p


def make_pop_fill(kind):
    """prepare/post pair that makes LIST_KEY / SET_KEY hold >= n + margin elements before a run.

    The list is only topped up (LPOP's cost does not depend on the list's length). The set is
    rebuilt from scratch (DEL, then exactly n + margin unique members), so every SPOP run
    starts from the same size whatever ran before: SPOP's cost depends on the set's size.
    """
    key, count_cmd, add_cmd = ((LIST_KEY, "LLEN", "LPUSH") if kind == "list" else (SET_KEY, "SCARD", "SADD"))
    value = b"x" * 32  # like redis-benchmark -d 32; a list may hold duplicates
    counter = {}       # server name -> next unique set member id, so top-ups never collide

    def count(srv):
        r = resp_call(srv.port, [count_cmd, key])
        if not isinstance(r, int):
            raise RuntimeError("%s %s -> %r" % (count_cmd, key, r))
        return r

    def prepare(srv, n, p, clients):
        target = n + _pop_margin(n, p, clients)
        before = count(srv)
        deleted = 0
        if kind == "set" and before:
            deleted = before
            r = resp_call(srv.port, ["DEL", key], timeout=60.0)
            if isinstance(r, RespError):
                raise RuntimeError("DEL %s: %s" % (key, r))
            before = count(srv)
        need = max(0, target - before)

        def cmds():
            left = need
            while left > 0:
                k = min(FILL_BATCH, left)
                left -= k
                if kind == "list":
                    yield resp_encode([add_cmd, key] + [value] * k)
                else:
                    base = counter.get(srv.name, 0)
                    counter[srv.name] = base + k
                    yield resp_encode([add_cmd, key] + [b"fill:%012d" % i for i in range(base, base + k)])
        t0 = time.monotonic()
        for r in resp_pipeline(srv.port, cmds()):
            if isinstance(r, RespError):
                raise RuntimeError("%s %s: %s" % (add_cmd, key, r))
        after = count(srv)
        if after < target:
            raise RuntimeError("%s %s is %d after filling, wanted >= %d" % (count_cmd, key, after, target))
        return {"key": key, "deleted": deleted, "len_before_fill": before, "added": need, "len": after,
                "fill_s": round(time.monotonic() - t0, 3)}

    def post(srv, prep, n):
        left = count(srv)
        prep["len_after_run"] = left
        prep["popped"] = prep["len"] - left
        if left == 0:
            return ("%s %s reached 0 during the run: part of the run popped from an empty key "
                    "(measured misses)" % (count_cmd, key))
        if prep["popped"] < n:
            return ("%s %s shrank by only %d over %d pops: the server answered pops without "
                    "removing elements" % (count_cmd, key, prep["popped"], n))
        return None

    return prepare, post


_lpop_prepare, _lpop_post = make_pop_fill("list")
_spop_prepare, _spop_post = make_pop_fill("set")

TESTS = {
    "GET": {"builtin": "get", "preflight": [(["SET", PF, "x"], None), (["GET", PF], None)]},
    "SET": {"builtin": "set", "preflight": [(["SET", PF, "x"], None)]},
    "MSET": {"builtin": "mset", "preflight": [(["MSET", PF + ":a", "1", PF + ":b", "2"], None)]},
    "INCR": {"builtin": "incr", "preflight": [(["INCR", PF + ":counter"], None)]},
    "LPUSH": {"builtin": "lpush", "preflight": [(["LPUSH", PF + ":list", "a"], _is_int)],
              "describe": "`LPUSH mylist <32 B>` (redis-benchmark built-in; the list keeps growing "
                          "across runs)"},
    "LPOP": {"builtin": "lpop",
             "preflight": [(["LPUSH", PF + ":list", "a", "b", "c"], _at_least(3)),
                           (["LLEN", PF + ":list"], _at_least(3)), (["LPOP", PF + ":list"], _is_bulk)],
             "prepare": _lpop_prepare, "post": _lpop_post,
             "describe": "`LPOP mylist` (built-in); before each run `mylist` is topped up to "
                         "N + margin elements with variadic LPUSH (untimed); after it LLEN must be > 0"},
    "SADD": {"builtin": "sadd", "preflight": [(["SADD", PF + ":set", "a"], _is_int)],
             "describe": "`SADD myset element:__rand_int__` (built-in; up to -r distinct members)"},
    "SPOP": {"builtin": "spop",
             "preflight": [(["SADD", PF + ":set", "a", "b", "c"], _is_int),
                           (["SCARD", PF + ":set"], _at_least(3)), (["SPOP", PF + ":set"], _is_bulk)],
             "prepare": _spop_prepare, "post": _spop_post,
             "describe": "`SPOP myset` (built-in); before each run `myset` is rebuilt (DEL, then "
                         "N + margin unique members `fill:<i>` with variadic SADD, untimed), so "
                         "each run drains it from N + margin to margin; after it SCARD must be > 0"},
    "HSET": {"builtin": "hset", "preflight": [(["HSET", PF + ":hash", "f", "v"], _is_int)],
             "describe": "`HSET myhash element:__rand_int__ <32 B>` (built-in; one hash, up to -r fields)"},
    "ZADD": {"command": ["ZADD", ZADD_KEY, "__rand_int__", "m:__rand_int__"],
             "preflight": [(["ZADD", PF + ":zset", "000000000042", zset_member(42)], _is_int)],
             "describe": "`ZADD %s __rand_int__ m:__rand_int__` (random score and member, "
                         "independent draws; up to -r members, later runs mostly update scores)" % ZADD_KEY},
    "ZRANGE100": {"command": ["ZRANGE", ZSET_KEY, "0", "99"], "n_div": 4,
                  "preflight": [(["ZADD", PF + ":zset", "1", "a", "2", "b", "3", "c"], _is_int),
                                (["ZCARD", PF + ":zset"], _at_least(3)),
                                (["ZRANGE", PF + ":zset", "0", "1"], _equals([b"a", b"b"]))],
                  "prepare": prepare_zset,
                  "describe": "`ZRANGE %s 0 99` (first 100 of %d members, no scores); the set "
                              "is reloaded (DEL + one ZADD, untimed) before each run; N is 1/4 of "
                              "the other tests' (each reply is ~1.7 KB), so CPU resolution is 4x "
                              "coarser" % (ZSET_KEY, ZSET_SIZE)},
    "ZRANK": {"command": ["ZRANK", ZSET_KEY, "m:__rand_int__"], "keyspace": ZSET_SIZE,
              "preflight": [(["ZADD", PF + ":zset", "1", "a", "2", "b", "3", "c"], _is_int),
                            (["ZCARD", PF + ":zset"], _at_least(3)),
                            (["ZRANK", PF + ":zset", "b"], _equals(1))],
              "prepare": prepare_zset,
              "describe": "`ZRANK %s m:__rand_int__` with -r %d, so every lookup hits one of the "
                          "%d members; the set is reloaded before each run" % (ZSET_KEY, ZSET_SIZE, ZSET_SIZE)},
}
for _name, _t in TESTS.items():
    _t["csv"] = (_t["builtin"] if "builtin" in _t else _t["command"][0]).upper()
PREFLIGHT_KEYS = [PF, PF + ":a", PF + ":b", PF + ":counter", PF + ":list", PF + ":set",
                  PF + ":hash", PF + ":zset"]


# --------------------------------------------------------------------------- RESP


class RespError(Exception):
    pass


def _read_line(f):
    line = f.readline()
    if not line:
        raise ConnectionError("connection closed by server")
    return line[:-2] if line.endswith(b"\r\n") else line


def _read_reply(f):
    line = _read_line(f)
    t, rest = line[:1], line[1:]
    if t == b"+":
        return rest.decode(errors="replace")
    if t == b"-":
        return RespError(rest.decode(errors="replace"))
    if t == b":":
        return int(rest)
    if t == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)
        return data[:-2]
    if t == b"*":
        n = int(rest)
        if n < 0:
            return None
        return [_read_reply(f) for _ in range(n)]
    # RESP3 types we might see; treat loosely.
    if t in (b"_",):
        return None
    if t in (b",", b"#", b"("):
        return rest.decode(errors="replace")
    raise ConnectionError("unexpected reply type %r" % line[:40])


def resp_encode(args):
    """One command as RESP bytes."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def resp_call(port, args, timeout=5.0):
    """One-shot command on a fresh connection. Returns the reply (RespError instance for -ERR)."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(resp_encode(args))
        f = s.makefile("rb")
        return _read_reply(f)


def resp_pipeline(port, cmds, group=50, timeout=60.0):
    """Send an iterable of encoded commands, `group` at a time, on one connection.

    Returns all replies in order (RespError instances for -ERR). Meant for commands with
    small replies (fills): a group's replies must fit in the socket buffers while it is
    still being sent.
    """
    replies = []
    it = iter(cmds)
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        f = s.makefile("rb")
        while True:
            chunk = list(itertools.islice(it, group))
            if not chunk:
                return replies
            s.sendall(b"".join(chunk))
            replies += [_read_reply(f) for _ in chunk]


# --------------------------------------------------------------------------- /proc


def proc_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def cpu_ticks(pid):
    """utime+stime of the whole process (all threads), in clock ticks."""
    with open("/proc/%d/stat" % pid) as f:
        data = f.read()
    # comm (field 2) may contain spaces/parens: split after the last ')'.
    fields = data.rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime is field 14, stime field 15.
    return int(fields[11]) + int(fields[12])


def rss_bytes(name, pid):
    """VmRSS of pid in bytes; RuntimeError if the process is gone."""
    st = proc_status(pid)
    if "VmRSS" not in st:
        raise RuntimeError("%s (pid %d) is gone" % (name, pid))
    return int(st["VmRSS"].split()[0]) * 1024


def proc_status(pid):
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.strip()
    except FileNotFoundError:
        pass
    return out


# --------------------------------------------------------------------------- subcommands


def cmd_free_ports(a):
    """N distinct ports, each free for TCP and (with --udp) for UDP at the same number."""
    held, ports = [], []
    try:
        for _ in range(200):
            if len(ports) == a.n:
                break
            t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            t.bind((HOST, 0))
            port = t.getsockname()[1]
            held.append(t)
            if a.udp:
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                try:
                    u.bind((HOST, port))
                except OSError:
                    u.close()
                    continue
                held.append(u)
            ports.append(port)
    finally:
        for s in held:
            s.close()
    if len(ports) < a.n:
        log("error: could not find %d free ports" % a.n)
        return 1
    print(" ".join(map(str, ports)))
    return 0


def add_free_ports_parser(sub):
    """The free-ports subcommand (cmd_free_ports) of a driver's argument parser."""
    fp = sub.add_parser("free-ports")
    fp.add_argument("n", type=int)
    fp.add_argument("--udp", action="store_true", help="free for UDP too, at the same number")
    return fp


def add_wait_ready_parser(sub):
    """The wait-ready subcommand (cmd_wait_ready) of a driver's argument parser."""
    wr = sub.add_parser("wait-ready")
    wr.add_argument("--pid", type=int, required=True)
    wr.add_argument("--port", type=int, required=True)
    wr.add_argument("--name", default="server")
    wr.add_argument("--timeout", type=float, default=15.0)
    return wr


def cmd_wait_ready(a):
    deadline = time.monotonic() + a.timeout
    last_err = "no attempt"
    while time.monotonic() < deadline:
        if not proc_alive(a.pid):
            log("error: %s (pid %d) exited before becoming ready" % (a.name, a.pid))
            return 2
        try:
            r = resp_call(a.port, ["PING"], timeout=1.0)
            if r == "PONG" or r == b"PONG":
                return 0
            last_err = "unexpected PING reply %r" % (r,)
        except (OSError, ConnectionError, ValueError) as e:
            last_err = str(e)
        time.sleep(0.1)
    log("error: %s (pid %d) did not answer PING on %s:%d within %.0fs (last error: %s)"
        % (a.name, a.pid, HOST, a.port, a.timeout, last_err))
    return 3


class Server:
    def __init__(self, name, port, pid):
        self.name, self.port, self.pid = name, port, pid
        self.broken = None  # reason string once the server stops responding

    def responsive(self):
        if not proc_alive(self.pid):
            return False
        try:
            return resp_call(self.port, ["PING"], timeout=5.0) in ("PONG", b"PONG")
        except (OSError, ConnectionError, ValueError):
            return False


def run_benchmark(a, srv, test, pipeline, n):
    """Run one redis-benchmark invocation; return a dict with the measurement (or error)."""
    td = TESTS[test]
    cmd = [a.redis_benchmark, "-h", HOST, "-p", str(srv.port), "-c", str(a.clients),
           "-n", str(n), "-P", str(pipeline), "-d", str(a.data_size),
           "-r", str(td.get("keyspace", a.keyspace)), "--csv"]
    cmd += ["-t", td["builtin"]] if "builtin" in td else td["command"]
    res = {"server": srv.name, "test": test, "P": pipeline, "n": n, "cmd": " ".join(cmd)}
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0_ticks = cpu_ticks(srv.pid)
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=a.run_timeout)
        rc, stdout, stderr = p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        rc, stdout = "timeout", (e.stdout or b"").decode(errors="replace")
        stderr = (e.stderr or b"").decode(errors="replace")
    wall = time.monotonic() - t0
    try:
        t1_ticks = cpu_ticks(srv.pid)
    except FileNotFoundError:
        t1_ticks = None
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    res["wall_s"] = round(wall, 3)
    res["client_cpu_s"] = round((ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime), 3)

    rps = None
    rows = [l for l in stdout.splitlines() if l.startswith('"')]
    for row in csv.reader(io.StringIO("\n".join(rows))):
        if row and row[0] != "test" and row[0].upper().split(" ")[0] == td["csv"]:
            try:
                rps = float(row[1])
                res["p50_ms"] = float(row[4])
                res["p99_ms"] = float(row[6])
            except (IndexError, ValueError):
                pass
    if rc != 0 or rps is None or t1_ticks is None:
        msg = "rc=%s" % rc
        tail = (stderr.strip() or stdout.strip()).splitlines()[-3:]
        if tail:
            msg += ": " + " | ".join(tail)
        if t1_ticks is None:
            msg += " (server process gone)"
        res["error"] = msg
        return res
    res["rps"] = rps
    res["cpu_ticks"] = t1_ticks - t0_ticks
    res["cpu_us_per_op"] = (t1_ticks - t0_ticks) / CLK_TCK * 1e6 / n
    return res


def run_test(a, srv, test, pipeline, n):
    """One timed run with the test's untimed prepare/post steps around it."""
    td = TESTS[test]
    prep = None
    if "prepare" in td:
        try:
            prep = td["prepare"](srv, n, pipeline, a.clients)
        except (OSError, ConnectionError, ValueError, RuntimeError) as e:
            return {"server": srv.name, "test": test, "P": pipeline, "n": n,
                    "error": "preparation failed: %s" % e}
    r = run_benchmark(a, srv, test, pipeline, n)
    if prep is not None:
        r["prepare"] = prep
        if "error" not in r and "post" in td:
            try:
                err = td["post"](srv, prep, n)
            except (OSError, ConnectionError, ValueError, RuntimeError) as e:
                err = "post-run check failed: %s" % e
            if err:
                r["error"] = err
    return r


def prep_note(prep):
    """Short progress-line note on the untimed preparation of a run."""
    if not prep:
        return ""
    if "popped" in prep:
        return "  [%s: %s+%d before (%.1fs), %d popped, %d left]" % (
            prep["key"], "DEL %d, " % prep["deleted"] if prep.get("deleted") else "", prep["added"],
            prep["fill_s"], prep["popped"], prep["len_after_run"])
    return ""


def fmt_int(x):
    return "{:,}".format(int(round(x))) if x is not None else "ERR"


def fmt_f(x, nd=2):
    return ("%.*f" % (nd, x)) if x is not None else "ERR"


def ratio(a, b):
    return (a / b) if (a is not None and b not in (None, 0)) else None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cmd_run(a):
    redis = Server("redis", a.redis_port, a.redis_pid)
    tess = Server("tessera", a.tessera_port, a.tessera_pid)
    servers = [redis, tess]
    tests = [t.strip().upper() for t in a.tests.split(",") if t.strip()]
    pipelines = [int(p) for p in a.pipelines.split(",")]
    scale = 10 if a.quick else 1
    n_for = {p: (a.n_p1 if p == 1 else a.n_pn) // scale for p in pipelines}

    # Preflight: every benchmarked command (and every command its preparation step uses)
    # must work on both servers; otherwise the test is n/a on both, with the reason.
    unknown = [t for t in tests if t not in TESTS]
    if unknown:
        log("error: unknown test(s) %s (known: %s)" % (",".join(unknown), ",".join(TESTS)))
        return 2
    unsupported = {}

    def clean_preflight(srv):  # best effort
        try:
            resp_call(srv.port, ["DEL"] + PREFLIGHT_KEYS)
        except (OSError, ConnectionError, ValueError):
            pass
    for t in tests:
        for srv in servers:
            clean_preflight(srv)
            for c, check in TESTS[t]["preflight"]:
                try:
                    r = resp_call(srv.port, c)
                except (OSError, ConnectionError, ValueError) as e:
                    r = RespError("connection error: %s" % e)
                if not isinstance(r, RespError) and check is not None and check(r):
                    r = RespError("wrong reply: %s" % check(r))
                if isinstance(r, RespError):
                    unsupported.setdefault(t, []).append("%s: %s -> %s" % (srv.name, " ".join(c), r))
                    break
    for t, why in unsupported.items():
        log("warning: %s is n/a: %s" % (t, "; ".join(why)))
    for srv in servers:
        clean_preflight(srv)

    # Warm-up / fill: populate the key space so GET hits real 32-byte values.
    if not a.no_warmup and any(t not in unsupported for t in tests):
        for srv in servers:
            log("warm-up: SET -P 16 -n %d on %s" % (a.warmup_n // scale, srv.name))
            r = run_benchmark(a, srv, "SET", 16, a.warmup_n // scale)
            if "error" in r:
                log("error: warm-up failed on %s: %s" % (srv.name, r["error"]))
                if not srv.responsive():
                    log("error: %s is not responding; aborting" % srv.name)
                    return 3

    # Measurement matrix: per (test, P), `reps` rounds, each running both servers
    # back to back; the order alternates each round so neither always goes first.
    samples = {}  # (test, P, server) -> list of result dicts
    failures = []
    total = len(pipelines) * len(tests) * a.reps * 2
    done = 0
    w = max(4, max(len(t) for t in tests))
    for p in pipelines:
        for t in tests:
            if t in unsupported:
                continue
            for rep in range(a.reps):
                order = servers if rep % 2 == 0 else servers[::-1]
                for srv in order:
                    done += 1
                    if srv.broken:
                        continue
                    r = run_test(a, srv, t, p, n_for[p] // TESTS[t].get("n_div", 1))
                    r["rep"] = rep + 1
                    samples.setdefault((t, p, srv.name), []).append(r)
                    if "error" in r:
                        failures.append(r)
                        log("[%3d/%d] %-*s P=%-2d %-7s rep %d: FAILED %s"
                            % (done, total, w, t, p, srv.name, rep + 1, r["error"]))
                        if not srv.responsive():
                            srv.broken = "not responding after %s P=%d" % (t, p)
                            log("error: %s is dead or unresponsive; skipping its remaining runs" % srv.name)
                    else:
                        log("[%3d/%d] %-*s P=%-2d %-7s rep %d: %12s ops/s  %7.3f us CPU/op"
                            "  (%.1fs, client CPU %.0f%%)%s"
                            % (done, total, w, t, p, srv.name, rep + 1, fmt_int(r["rps"]),
                               r["cpu_us_per_op"], r["wall_s"],
                               100.0 * r["client_cpu_s"] / max(r["wall_s"], 1e-9),
                               prep_note(r.get("prepare"))))

    def med(t, p, name, key):
        vals = [r[key] for r in samples.get((t, p, name), []) if key in r]
        return statistics.median(vals) if vals else None

    # ---- report
    now = datetime.datetime.now().astimezone()
    rows = []
    lines = []
    lines.append("# Tessera vs Redis benchmark — %s" % now.strftime("%Y-%m-%d %H:%M:%S %Z"))
    lines.append("")
    lines.append("- Date: %s" % now.isoformat(timespec="seconds"))
    lines.append("- Host: %s, nproc: %s, CPU: %s" % (platform.node(), a.nproc, cpu_model()))
    lines.append("- redis-server: %s (`%s`)" % (a.redis_version, a.redis_server))
    lines.append("- tessera-server: commit %s (`%s`)" % (a.tessera_commit, a.tessera_server))
    io_threads = "?"
    try:
        r = resp_call(redis.port, ["CONFIG", "GET", "io-threads"])
        if isinstance(r, list) and len(r) == 2:
            io_threads = r[1].decode() if isinstance(r[1], bytes) else str(r[1])
    except (OSError, ConnectionError, ValueError):
        pass
    lines.append("- Threads: redis io-threads=%s (OS threads: %s); tessera --threads %s (OS threads: %s)"
                 % (io_threads, proc_status(redis.pid).get("Threads", "?"), a.tessera_threads,
                    proc_status(tess.pid).get("Threads", "?")))
    lines.append("- redis-benchmark: -c %d -d %d -r %d, N=%s, %d reps (median)%s, CLK_TCK=%d"
                 % (a.clients, a.data_size, a.keyspace,
                    ", ".join("%d for P%d" % (n_for[p], p) for p in pipelines), a.reps,
                    ", --quick" if a.quick else "", CLK_TCK))
    lines.append("- CPU µs/op resolution (1 clock tick / N): %s"
                 % ", ".join("%.3f µs at P%d" % (1e6 / CLK_TCK / n_for[p], p) for p in pipelines))
    lines.append("")
    lines.append("| test | P | redis ops/s | tessera ops/s | ops ratio (T/R) | redis CPU µs/op | tessera CPU µs/op | CPU ratio (T/R) | redis p99 ms | tessera p99 ms | p99 ratio (T/R) |")
    lines.append("|------|--:|------------:|--------------:|----------------:|----------------:|------------------:|----------------:|-------------:|---------------:|----------------:|")
    for t in tests:
        for p in pipelines:
            if t in unsupported:
                lines.append("| %s | %d | n/a | n/a | unsupported | | | | | | |" % (t, p))
                continue
            rr, tr = med(t, p, "redis", "rps"), med(t, p, "tessera", "rps")
            rc, tc = med(t, p, "redis", "cpu_us_per_op"), med(t, p, "tessera", "cpu_us_per_op")
            r99, t99 = med(t, p, "redis", "p99_ms"), med(t, p, "tessera", "p99_ms")
            rows.append({"test": t, "P": p, "redis_rps": rr, "tessera_rps": tr,
                         "rps_ratio": ratio(tr, rr), "redis_cpu_us_per_op": rc,
                         "tessera_cpu_us_per_op": tc, "cpu_ratio": ratio(tc, rc),
                         "redis_p99_ms": r99, "tessera_p99_ms": t99, "p99_ratio": ratio(t99, r99)})
            lines.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
                         % (t, p, fmt_int(rr), fmt_int(tr), fmt_f(ratio(tr, rr)),
                            fmt_f(rc, 3), fmt_f(tc, 3), fmt_f(ratio(tc, rc)),
                            fmt_f(r99, 3), fmt_f(t99, 3), fmt_f(ratio(t99, r99))))
    lines.append("")
    described = [t for t in tests if "describe" in TESTS[t] and t not in unsupported]
    if described:
        lines.append("Tests:")
        for t in described:
            lines.append("- %s: %s" % (t, TESTS[t]["describe"]))
        lines.append("")
    mem = {}
    for srv in servers:
        st = proc_status(srv.pid)
        if not st:
            mem[srv.name] = {"VmRSS": "n/a (process gone)", "VmHWM": "n/a", "dbsize": "n/a"}
            continue
        try:
            dbsize = resp_call(srv.port, ["DBSIZE"])
            dbsize = "n/a (%s)" % dbsize if isinstance(dbsize, RespError) else dbsize
        except (OSError, ConnectionError, ValueError):
            dbsize = "n/a"
        mem[srv.name] = {"VmRSS": st.get("VmRSS", "?"), "VmHWM": st.get("VmHWM", "?"), "dbsize": dbsize}
    lines.append("Memory after runs (informational): "
                 + "; ".join("%s VmRSS %s (peak VmHWM %s, DBSIZE %s)"
                             % (k, v["VmRSS"], v["VmHWM"], v["dbsize"]) for k, v in mem.items()))
    if unsupported:
        lines.append("")
        for t, why in unsupported.items():
            lines.append("- %s n/a (unsupported, not run on either server): %s" % (t, "; ".join(why)))
    if failures:
        lines.append("")
        lines.append("**%d benchmark run(s) failed** (medians use the successful runs only):" % len(failures))
        for r in failures:
            lines.append("- %s %s P=%d rep %d: %s" % (r["server"], r["test"], r["P"], r["rep"], r["error"]))
    for srv in servers:
        if srv.broken:
            lines.append("- **%s became unresponsive** (%s)" % (srv.name, srv.broken))
    report = "\n".join(lines) + "\n"

    print(report, end="")
    os.makedirs(a.results_dir, exist_ok=True)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    md_path = os.path.join(a.results_dir, stamp + ".md")
    with open(md_path, "w") as f:
        f.write(report)
    with open(os.path.join(a.results_dir, stamp + ".json"), "w") as f:
        json.dump({"date": now.isoformat(), "args": vars(a), "rows": rows, "memory": mem,
                   "unsupported": unsupported,
                   "samples": [r for v in samples.values() for r in v]}, f, indent=1, default=str)
    log("results written to %s (raw samples: %s.json)" % (md_path, stamp))
    return 1 if (failures or unsupported or any(s.broken for s in servers)) else 0


def _on_term(signum, frame):
    # Raise SystemExit so subprocess.run() kills the running redis-benchmark on the way out.
    sys.exit(128 + signum)


def main():
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, _on_term)  # background jobs start with SIGINT ignored
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    add_free_ports_parser(sub)

    add_wait_ready_parser(sub)

    rn = sub.add_parser("run")
    rn.add_argument("--redis-port", type=int, required=True)
    rn.add_argument("--redis-pid", type=int, required=True)
    rn.add_argument("--tessera-port", type=int, required=True)
    rn.add_argument("--tessera-pid", type=int, required=True)
    rn.add_argument("--redis-benchmark", default="/usr/bin/redis-benchmark")
    rn.add_argument("--redis-server", default="/usr/bin/redis-server")
    rn.add_argument("--redis-version", default="?")
    rn.add_argument("--tessera-server", default="?")
    rn.add_argument("--tessera-commit", default="unknown")
    rn.add_argument("--tessera-threads", default="1")
    rn.add_argument("--nproc", default=str(len(os.sched_getaffinity(0))))
    rn.add_argument("--tests", default=",".join(DEFAULT_TESTS))
    rn.add_argument("--pipelines", default="1,16")
    rn.add_argument("--n-p1", type=int, default=200_000)
    rn.add_argument("--n-pn", type=int, default=2_000_000)
    rn.add_argument("--warmup-n", type=int, default=300_000)
    rn.add_argument("--no-warmup", action="store_true")
    rn.add_argument("--reps", type=int, default=3)
    rn.add_argument("--clients", type=int, default=50)
    rn.add_argument("--data-size", type=int, default=32)
    rn.add_argument("--keyspace", type=int, default=100_000)
    rn.add_argument("--run-timeout", type=float, default=180.0)
    rn.add_argument("--quick", action="store_true")
    rn.add_argument("--results-dir", required=True)

    a = ap.parse_args()
    return {"free-ports": cmd_free_ports, "wait-ready": cmd_wait_ready, "run": cmd_run}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
