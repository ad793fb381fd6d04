#!/usr/bin/python3
"""Memory benchmark driver for bench/memory.sh (stdlib only).

memory.sh starts the servers (free ports, setsid, readiness, trap-based stop) and calls
one subcommand per experiment; each writes a JSON file, and `report` turns those into
Markdown tables (printed, and saved under bench/results/).

Experiments (all traffic is raw pipelined RESP / memcached text on 127.0.0.1):

  bytes   Bytes per key. Loads N keys `key:%012d` (16 B) with distinct 32-byte values
          into redis, memcached and tessera (SET / `set k 0 0 32`, 10k commands per
          send, every reply checked). Bytes/key = growth of VmRSS (/proc/PID/status,
          before vs after, each after a settle) / N; for the RESP servers also the
          growth of INFO used_memory / N.

  hits    Hit ratio under eviction. A seeded Zipf(s=0.99) trace over U keys; each op is
          a cache-aside read (GET, on a miss SET with a 32..64-byte value) or, with
          probability 0.1, a blind SET. maxmemory = used_memory after FLUSHALL +
          0.1*U*bytes_per_key, where bytes_per_key comes from a calibration fill of
          all U keys with the trace's value sizes (used_memory growth; a fill this big
          also averages out allocators that report used_memory in coarse steps). Run
          once per policy and server (CONFIG SET maxmemory-policy; "n/a" if refused),
          FLUSHALL between runs. The trace is sent in batches: all GETs and blind SETs of a batch
          in trace order in one pipeline, then one SET per distinct key that missed.
          The exact-LRU reference replays the same batched order in an OrderedDict with
          capacity C = median DBSIZE sampled at 50%, 60%, ..., 100% of the trace.

  churn   Fragmentation after churn. N keys, 10 rounds; in round r key i is SET to a
          value of 16 + ((7*i + 1543*r) mod 4081) bytes, so every value changes size
          every round. After each round: settle, then for servers that compact or
          defragment in the background poll INFO mem_fragmentation_ratio every 0.5 s
          until it stops dropping (10 s cap), then record VmRSS, used_memory and
          VmRSS/used_memory. A second redis gets CONFIG SET activedefrag yes; if that is
          refused it is reported as unsupported and not loaded.

  types   Bytes per element of data types, one structure per call (--kind), fresh servers
          each: `hash` = N hashes hash:%011d of 10 fields f0..f9 with 8-byte values (one
          HSET each, 1,000 per pipelined send), element = field/value pair; `zset` = one
          sorted set of N members m:<i> with seeded random integer scores (single-member
          ZADDs, 10,000 per send), element = member. Growth of VmRSS and of INFO
          used_memory / elements. A server that refuses the commands on a scratch key first
          (preflight) is n/a, with its reply as the reason.
"""

import argparse
import collections
import datetime
import glob
import hashlib
import itertools
import json
import os
import platform
import random
import select
import signal
import socket
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (shared with run.sh: log, resp_call, proc_alive, proc_status, cpu_model, ratio)

HOST = bench.HOST
IO_TIMEOUT = 60.0        # seconds without any socket progress before a pipeline is declared hung
SETTLE_S = 1.0           # pause before reading RSS after a load (--quick: 0.3)
COMPACTION_POLL_S = 0.5  # churn: INFO poll interval while background compaction runs
COMPACTION_CAP_S = 10.0  # churn: longest wait for compaction after a round (--quick: 3)
CHURN_ROUNDS = 10
ZIPF_S = 0.99
WRITE_FRAC = 0.10
CAPACITY_FRAC = 0.10
TRACE_SEED = 42
POLICIES = ["allkeys-lru", "allkeys-lfu", "allkeys-random", "allkeys-fifo"]

log = bench.log


# --------------------------------------------------------------------------- protocol


def resp(*args):
    """Encode one RESP command."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Pipe:
    """One client connection that pipelines a blob of commands and parses the replies.

    Sending and receiving overlap (select), so no batch size can deadlock on full socket
    buffers. Replies: a bulk string is returned as bytes, a nil bulk as None, every other
    reply (and every memcached reply line) as its line decoded to str, type byte included
    ("+OK", "-ERR ...", ":5", "STORED").
    """

    def __init__(self, port, memcache=False):
        self.memcache = memcache
        self.sock = socket.create_connection((HOST, port), timeout=10)
        self.sock.setblocking(False)
        self.buf = bytearray()
        self.pos = 0

    def _parse(self, want, out):
        buf, pos, end = self.buf, self.pos, len(self.buf)
        while len(out) < want:
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                break
            if self.memcache or buf[pos] != 0x24:  # not '$': a one-line reply
                out.append(buf[pos:eol].decode(errors="replace"))
                pos = eol + 2
                continue
            n = int(buf[pos + 1:eol])
            if n < 0:
                out.append(None)
                pos = eol + 2
                continue
            if eol + 4 + n > end:
                break
            out.append(bytes(buf[eol + 2:eol + 2 + n]))
            pos = eol + 4 + n
        if pos == end:
            buf.clear()
            pos = 0
        elif pos > (4 << 20):
            del buf[:pos]
            pos = 0
        self.pos = pos

    def exchange(self, payload, n):
        """Send payload (n commands) and return the n replies in order."""
        out = []
        view = memoryview(payload)
        sent, total = 0, len(payload)
        self._parse(n, out)
        while len(out) < n:
            r, w, _ = select.select([self.sock], [self.sock] if sent < total else [], [], IO_TIMEOUT)
            if not r and not w:
                raise TimeoutError("no reply progress for %.0fs (%d/%d replies, %d/%d bytes sent)"
                                   % (IO_TIMEOUT, len(out), n, sent, total))
            if w:
                try:
                    sent += self.sock.send(view[sent:sent + (1 << 20)])
                except BlockingIOError:
                    pass
            if r:
                try:
                    data = self.sock.recv(1 << 20)
                except BlockingIOError:
                    continue
                if not data:
                    raise ConnectionError("connection closed by server")
                self.buf += data
                self._parse(n, out)
        return out

    def call(self, *args):
        """One RESP command; returns its reply."""
        return self.exchange(resp(*args), 1)[0]

    def info(self, section):
        r = self.call("INFO", section)
        if not isinstance(r, bytes):
            raise RuntimeError("INFO %s failed: %r" % (section, r))
        out = {}
        for line in r.decode(errors="replace").splitlines():
            k, sep, v = line.partition(":")
            if sep and not k.startswith("#"):
                out[k] = v.strip()
        return out


def mc_stats(port):
    """memcached `stats` as a dict (fresh connection)."""
    with socket.create_connection((HOST, port), timeout=5) as s:
        s.sendall(b"stats\r\n")
        f = s.makefile("rb")
        out = {}
        for _ in range(1000):
            line = f.readline()
            if not line:
                raise ConnectionError("connection closed by memcached")
            parts = line.decode().split()
            if parts == ["END"]:
                return out
            if len(parts) == 3 and parts[0] == "STAT":
                out[parts[1]] = parts[2]
        raise RuntimeError("memcached stats reply did not end")


# --------------------------------------------------------------------------- servers


class Server:
    def __init__(self, spec):
        self.name, self.proto, port, pid = spec.split(":")
        self.port, self.pid = int(port), int(pid)
        self.pipe = Pipe(self.port, memcache=self.proto == "memcache")

    def rss(self):
        return bench.rss_bytes(self.name, self.pid)

    def used_memory(self):
        return int(self.pipe.info("memory")["used_memory"])

    def versions(self):
        """Version, allocator and executable hash for the report header.

        The hash is of /proc/PID/exe, i.e. of the binary actually running, so a binary
        rebuilt while the benchmark runs shows up as differing hashes between experiments.
        """
        h = hashlib.sha256()
        with open("/proc/%d/exe" % self.pid, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        if self.proto == "memcache":
            ver = "memcached " + mc_stats(self.port).get("version", "?")
        else:
            srv, mem = self.pipe.info("server"), self.pipe.info("memory")
            ver = "%s, allocator %s" % (srv.get("tessera_version") or srv.get("redis_version", "?"),
                                        mem.get("mem_allocator", "?"))
        return {self.name: "%s, exe sha256 %s" % (ver, h.hexdigest()[:12])}


def servers_from(a):
    return [Server(s) for s in a.server]


def expect_all(replies, ok, what):
    """Raise on the first reply that is not `ok`."""
    for r in replies:
        if r != ok:
            raise RuntimeError("%s: unexpected reply %r" % (what, r))


# --------------------------------------------------------------------------- bytes


def cmd_bytes(a):
    t_start = time.monotonic()
    servers = servers_from(a)
    settle = 0.3 if a.quick else SETTLE_S
    batch = 10_000
    # Same keys/values for everyone; payloads are built once, outside the timed loads.
    spans = [range(lo, min(a.keys, lo + batch)) for lo in range(0, a.keys, batch)]
    payloads = {
        "resp": [b"".join(b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$32\r\nval:%028d\r\n" % (i, i)
                          for i in sp) for sp in spans],
        "memcache": [b"".join(b"set key:%012d 0 0 32\r\nval:%028d\r\n" % (i, i) for i in sp)
                     for sp in spans],
    }
    ok_reply = {"resp": "+OK", "memcache": "STORED"}
    res = {"keys": a.keys, "settle_s": settle, "servers": {}, "versions": {}}
    failed = False
    time.sleep(settle)
    for srv in servers:
        r = res["servers"][srv.name] = {}
        try:
            res["versions"].update(srv.versions())
            rss0 = srv.rss()
            used0 = srv.used_memory() if srv.proto == "resp" else int(mc_stats(srv.port)["bytes"])
            t0 = time.monotonic()
            for sp, payload in zip(spans, payloads[srv.proto]):
                expect_all(srv.pipe.exchange(payload, len(sp)), ok_reply[srv.proto], "%s SET" % srv.name)
            r["load_s"] = round(time.monotonic() - t0, 3)
            if srv.proto == "memcache":
                # memcached grows its hash table in a background thread: let it finish.
                for _ in range(100):
                    if mc_stats(srv.port).get("hash_is_expanding", "0") == "0":
                        break
                    time.sleep(0.1)
            time.sleep(settle)
            rss1 = srv.rss()
            if srv.proto == "resp":
                used1 = srv.used_memory()
                count = int_reply(srv.pipe.call("DBSIZE"), "DBSIZE")
            else:
                st = mc_stats(srv.port)
                used1, count = int(st["bytes"]), int(st["curr_items"])
            r.update(rss_before=rss0, rss_after=rss1, rss_per_key=(rss1 - rss0) / a.keys,
                     used_before=used0, used_after=used1, used_per_key=(used1 - used0) / a.keys,
                     count=count)
            if count != a.keys:
                raise RuntimeError("%s holds %r keys after loading %d" % (srv.name, count, a.keys))
            log("bytes: %-9s %6.1f B/key RSS, %6.1f B/key %s (load %.1fs)"
                % (srv.name, r["rss_per_key"], r["used_per_key"],
                   "used_memory" if srv.proto == "resp" else "stats bytes", r["load_s"]))
        except (OSError, RuntimeError, ValueError, KeyError) as e:
            r["error"] = str(e)
            failed = True
            log("bytes: %s FAILED: %s" % (srv.name, e))
    res["wall_s"] = round(time.monotonic() - t_start, 1)
    write_json(a.out, res)
    return 1 if failed else 0


# --------------------------------------------------------------------------- hits


def make_trace(universe, ops, seed):
    """Seeded Zipf trace: (key ids, is-blind-write flags, value sizes 32..64)."""
    rng = random.Random(seed)
    ids = list(range(universe))
    rng.shuffle(ids)  # popularity rank -> key id, so hot keys are not key:0, key:1, ...
    cum = list(itertools.accumulate(1.0 / (r ** ZIPF_S) for r in range(1, universe + 1)))
    keys = rng.choices(ids, cum_weights=cum, k=ops)
    writes = bytes(rng.random() < WRITE_FRAC for _ in range(ops))
    sizes = bytes(rng.choices(range(32, 65), k=ops))
    return keys, writes, sizes


def batches(ops, batch):
    return ((lo, min(ops, lo + batch)) for lo in range(0, ops, batch))


def exact_lru(trace, batch, cap):
    """Hit ratio of an exact LRU cache of `cap` keys replaying the batched trace order."""
    keys, writes, _ = trace
    lru = collections.OrderedDict()
    hits = gets = 0

    def touch(k):
        if k in lru:
            lru.move_to_end(k)
        else:
            lru[k] = None
            if len(lru) > cap:
                lru.popitem(last=False)

    for lo, hi in batches(len(keys), batch):
        fills = {}
        for j in range(lo, hi):
            k = keys[j]
            if writes[j]:
                touch(k)
                continue
            gets += 1
            if k in lru:
                lru.move_to_end(k)
                hits += 1
            else:
                fills[k] = None
        for k in fills:
            touch(k)
    return hits / gets if gets else None


class TraceCommands:
    """Pre-encoded RESP commands for the trace: GET per key, SET prefix per key, value per size."""

    def __init__(self, universe):
        names = [b"key:%012d" % k for k in range(universe)]
        self.get = [b"*2\r\n$3\r\nGET\r\n$16\r\n%s\r\n" % n for n in names]
        self.set = [b"*3\r\n$3\r\nSET\r\n$16\r\n%s\r\n" % n for n in names]
        blob = bytes(random.Random(TRACE_SEED).choices(b"abcdefghijklmnopqrstuvwxyz0123456789", k=64))
        self.val = [b"$%d\r\n%s\r\n" % (n, blob[:n]) for n in range(65)]


def int_reply(r, what):
    if isinstance(r, str) and r.startswith(":"):
        return int(r[1:])
    raise RuntimeError("%s: unexpected reply %r" % (what, r))


def calibrate(srv, cmds, count, batch, seed):
    """used_memory growth per key for `count` keys with the trace's value sizes."""
    expect_all([srv.pipe.call("FLUSHALL")], "+OK", "FLUSHALL")
    expect_all([srv.pipe.call("CONFIG", "SET", "maxmemory", "0")], "+OK", "CONFIG SET maxmemory 0")
    time.sleep(0.2)
    u0 = srv.used_memory()
    rng = random.Random(seed)
    for lo, hi in batches(count, batch):
        payload = b"".join(cmds.set[k] + cmds.val[rng.randint(32, 64)] for k in range(lo, hi))
        expect_all(srv.pipe.exchange(payload, hi - lo), "+OK", "calibration SET")
    per_key = (srv.used_memory() - u0) / count
    expect_all([srv.pipe.call("FLUSHALL")], "+OK", "FLUSHALL")
    return per_key


def run_trace(srv, trace, cmds, batch):
    """Replay the trace cache-aside; returns hits, gets, DBSIZE samples."""
    keys, writes, sizes = trace
    ops = len(keys)
    sample_at = sorted({int(ops * f / 10) for f in range(5, 10)} | {ops})
    samples = []
    hits = gets = 0
    for lo, hi in batches(ops, batch):
        parts = []
        for j in range(lo, hi):
            k = keys[j]
            if writes[j]:
                parts.append(cmds.set[k])
                parts.append(cmds.val[sizes[j]])
            else:
                parts.append(cmds.get[k])
        replies = srv.pipe.exchange(b"".join(parts), hi - lo)
        fills = {}
        for j, r in zip(range(lo, hi), replies):
            if writes[j]:
                if r != "+OK":
                    raise RuntimeError("SET: unexpected reply %r" % (r,))
                continue
            gets += 1
            if isinstance(r, bytes):
                hits += 1
            elif r is None:
                fills.setdefault(keys[j], sizes[j])
            else:
                raise RuntimeError("GET: unexpected reply %r" % (r,))
        if fills:
            payload = b"".join(cmds.set[k] + cmds.val[n] for k, n in fills.items())
            expect_all(srv.pipe.exchange(payload, len(fills)), "+OK", "fill SET")
        while sample_at and sample_at[0] <= hi:
            sample_at.pop(0)
            samples.append(int_reply(srv.pipe.call("DBSIZE"), "DBSIZE"))
    return hits, gets, samples


def cmd_hits(a):
    servers = servers_from(a)
    batch = 100 if a.quick else 1000
    cap_keys = max(1, round(CAPACITY_FRAC * a.universe))
    t0 = time.monotonic()
    trace = make_trace(a.universe, a.trace_ops, TRACE_SEED)
    cmds = TraceCommands(a.universe)
    log("hits: trace of %d ops over %d keys built in %.1fs" % (a.trace_ops, a.universe, time.monotonic() - t0))
    res = {"universe": a.universe, "ops": a.trace_ops, "batch": batch, "capacity_keys": cap_keys,
           "zipf_s": ZIPF_S, "write_frac": WRITE_FRAC, "seed": TRACE_SEED, "servers": {},
           "versions": {}, "runs": []}
    failed = False
    for srv in servers:
        info = res["servers"][srv.name] = {}
        try:
            res["versions"].update(srv.versions())
            info["bytes_per_key"] = calibrate(srv, cmds, a.universe, batch, TRACE_SEED + 1)
            log("hits: %s calibration: %.1f B/key (used_memory growth over %d keys)"
                % (srv.name, info["bytes_per_key"], a.universe))
        except (OSError, RuntimeError, ValueError, KeyError) as e:
            info["error"] = "calibration failed: %s" % e
            failed = True
            log("hits: %s calibration FAILED: %s" % (srv.name, e))

    for policy in POLICIES:
        for srv in servers:
            info = res["servers"][srv.name]
            run = {"policy": policy, "server": srv.name}
            res["runs"].append(run)
            if "error" in info:
                run["error"] = "skipped: " + info["error"]
                continue
            try:
                expect_all([srv.pipe.call("FLUSHALL")], "+OK", "FLUSHALL")
                r = srv.pipe.call("CONFIG", "SET", "maxmemory-policy", policy)
                if r != "+OK":
                    run["unsupported"] = r
                    log("hits: %-14s %-7s n/a (%s)" % (policy, srv.name, r))
                    continue
                time.sleep(0.2)
                base = srv.used_memory()
                maxmem = int(base + cap_keys * info["bytes_per_key"])
                expect_all([srv.pipe.call("CONFIG", "SET", "maxmemory", str(maxmem))], "+OK",
                           "CONFIG SET maxmemory")
                ev0 = int(srv.pipe.info("stats").get("evicted_keys", 0))
                t1 = time.monotonic()
                hits, gets, samples = run_trace(srv, trace, cmds, batch)
                run.update(wall_s=round(time.monotonic() - t1, 2), hits=hits, gets=gets,
                           hit_ratio=hits / gets if gets else None, dbsize_samples=samples,
                           keys_held=int(statistics.median(samples)), used_baseline=base,
                           maxmemory=maxmem, used_end=srv.used_memory(),
                           evicted=int(srv.pipe.info("stats").get("evicted_keys", 0)) - ev0)
                log("hits: %-14s %-7s hit ratio %.4f, keys held %d, evicted %d (%.1fs)"
                    % (policy, srv.name, run["hit_ratio"], run["keys_held"], run["evicted"], run["wall_s"]))
            except (OSError, RuntimeError, ValueError, KeyError) as e:
                run["error"] = str(e)
                failed = True
                log("hits: %-14s %-7s FAILED: %s" % (policy, srv.name, e))
                if not bench.proc_alive(srv.pid):
                    info["error"] = "%s exited during %s" % (srv.name, policy)
            finally:
                try:  # leave the server empty and unbounded for the next run
                    srv.pipe.call("CONFIG", "SET", "maxmemory", "0")
                    srv.pipe.call("FLUSHALL")
                except (OSError, RuntimeError, ValueError):
                    pass

    # Offline exact-LRU references (one replay per distinct capacity).
    t2 = time.monotonic()
    lru = {}
    for run in res["runs"]:
        if "keys_held" in run:
            c = run["keys_held"]
            if c not in lru:
                lru[c] = exact_lru(trace, batch, c)
            run["exact_lru"] = lru[c]
    res["exact_lru_nominal"] = exact_lru(trace, batch, cap_keys)
    res["exact_lru_infinite"] = exact_lru(trace, batch, a.universe)
    log("hits: exact-LRU replays done in %.1fs" % (time.monotonic() - t2))
    res["wall_s"] = round(time.monotonic() - t0, 1)
    write_json(a.out, res)
    return 1 if failed else 0


# --------------------------------------------------------------------------- churn


def churn_size(i, r):
    return 16 + ((i * 7 + r * 1543) % 4081)


def frag_ratio(srv):
    return float(srv.pipe.info("memory")["mem_fragmentation_ratio"])


def wait_compaction(servers, cap_s):
    """Poll INFO mem_fragmentation_ratio of `servers` until it stops dropping.

    A server is done after two consecutive polls that improve on its best ratio by less
    than 0.1%, or at cap_s. Returns {name: (seconds waited, first ratio, last ratio)}.
    """
    t0 = time.monotonic()
    state = {s.name: {"srv": s, "first": frag_ratio(s), "stale": 0} for s in servers}
    for st in state.values():
        st["best"] = st["last"] = st["first"]
    pending = set(state)
    while pending and time.monotonic() - t0 < cap_s:
        time.sleep(COMPACTION_POLL_S)
        for name in sorted(pending):
            st = state[name]
            st["last"] = r = frag_ratio(st["srv"])
            if r < st["best"] * 0.999:
                st["best"], st["stale"] = r, 0
            else:
                st["stale"] += 1
            if st["stale"] >= 2:
                pending.discard(name)
                st["waited"] = time.monotonic() - t0
    return {name: (round(st.get("waited", time.monotonic() - t0), 1), st["first"], st["last"])
            for name, st in state.items()}


def cmd_churn(a):
    t_start = time.monotonic()
    servers = servers_from(a)
    settle = 0.3 if a.quick else SETTLE_S
    cap_s = 3.0 if a.quick else COMPACTION_CAP_S
    batch = 1000
    res = {"keys": a.keys, "rounds": CHURN_ROUNDS, "settle_s": settle, "compaction_cap_s": cap_s,
           "versions": {}, "servers": {}, "rounds_data": []}
    prefixes = [b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n" % i for i in range(a.keys)]
    blob = bytes(random.Random(TRACE_SEED).choices(b"abcdefghijklmnopqrstuvwxyz0123456789", k=4096))
    vals = [b"$%d\r\n%s\r\n" % (n, blob[:n]) for n in range(4097)]
    failed = False
    try:
        active, compacting = [], []
        for srv in servers:
            info = res["servers"][srv.name] = {}
            res["versions"].update(srv.versions())
            if srv.name == "redis-activedefrag":
                r = srv.pipe.call("CONFIG", "SET", "activedefrag", "yes")
                if r != "+OK":
                    info["unsupported"] = r
                    log("churn: %s: CONFIG SET activedefrag yes refused: %s" % (srv.name, r))
                    continue
                compacting.append(srv)
            elif srv.name == "tessera":
                compacting.append(srv)
            active.append(srv)
        for rnd in range(CHURN_ROUNDS):
            t0 = time.monotonic()
            for lo, hi in batches(a.keys, batch):
                payload = b"".join(prefixes[i] + vals[churn_size(i, rnd)] for i in range(lo, hi))
                for srv in active:
                    expect_all(srv.pipe.exchange(payload, hi - lo), "+OK", "%s SET" % srv.name)
            write_s = time.monotonic() - t0
            time.sleep(settle)
            waits = wait_compaction(compacting, cap_s)
            row = {"round": rnd + 1, "write_s": round(write_s, 2), "servers": {}}
            for srv in active:
                mem = srv.pipe.info("memory")
                rss, used = srv.rss(), int(mem["used_memory"])
                row["servers"][srv.name] = {
                    "rss": rss, "used": used, "rss_over_used": rss / used,
                    "info_frag_ratio": float(mem["mem_fragmentation_ratio"]),
                    "compaction_wait": waits.get(srv.name)}
            res["rounds_data"].append(row)
            log("churn: round %2d (%.1fs writes): %s" % (rnd + 1, write_s, "; ".join(
                "%s RSS %.0f MB used %.0f MB ratio %.3f%s"
                % (n, d["rss"] / 2**20, d["used"] / 2**20, d["rss_over_used"],
                   " (waited %.1fs)" % d["compaction_wait"][0] if d["compaction_wait"] else "")
                for n, d in row["servers"].items())))
        for srv in active:
            n = int_reply(srv.pipe.call("DBSIZE"), "DBSIZE")
            if n != a.keys:
                raise RuntimeError("%s holds %d keys, expected %d" % (srv.name, n, a.keys))
    except (OSError, RuntimeError, ValueError, KeyError) as e:
        res["error"] = str(e)
        failed = True
        log("churn: FAILED: %s" % e)
    res["live_bytes"] = sum(16 + churn_size(i, CHURN_ROUNDS - 1) for i in range(a.keys))
    res["wall_s"] = round(time.monotonic() - t_start, 1)
    write_json(a.out, res)
    return 1 if failed else 0


# --------------------------------------------------------------------------- types

HASH_FIELDS = 10
TYPES_BATCH = {"hash": 1000, "zset": 10_000}  # commands per pipelined send


def types_workload(kind, count):
    """Encoded load for one `types` sub-experiment.

    Returns (description, batches of (payload, ncmds), expected reply, elements, payload
    bytes, preflight commands, verify function).
      hash: `count` keys hash:%011d (16 B), each one HSET with fields f0..f9 and distinct
            8-byte values; elements = count * 10 field/value pairs.
      zset: one key, `count` single-member ZADDs `ZADD zset:types <score> m:<i>` with seeded
            random integer scores in [0, 1e9); elements = count members.
    """
    batch = TYPES_BATCH[kind]
    spans = [range(lo, min(count, lo + batch)) for lo in range(0, count, batch)]
    if kind == "hash":
        fields = [b"$2\r\nf%d\r\n" % j for j in range(HASH_FIELDS)]
        head = b"*%d\r\n$4\r\nHSET\r\n$16\r\n" % (2 + 2 * HASH_FIELDS)

        def cmd(i):
            v = i * HASH_FIELDS
            return head + b"hash:%011d\r\n" % i + b"".join(
                fields[j] + b"$8\r\n%08d\r\n" % ((v + j) % 100_000_000) for j in range(HASH_FIELDS))
        payloads = [(b"".join(cmd(i) for i in sp), len(sp)) for sp in spans]
        expected = ":%d" % HASH_FIELDS
        elements = count * HASH_FIELDS
        payload_bytes = count * (16 + HASH_FIELDS * (2 + 8))
        desc = ("%d hashes `hash:%%011d` (16 B keys) × %d fields f0..f%d with 8-byte values, one "
                "HSET per hash, %d commands per pipelined send" % (count, HASH_FIELDS, HASH_FIELDS - 1, batch))
        preflight = [["HSET", "types:preflight", "f0", "12345678", "f1", "12345678"], ["HLEN", "types:preflight"],
                     ["DEL", "types:preflight"]]

        def verify(srv):
            n = int_reply(srv.pipe.call("DBSIZE"), "DBSIZE")
            if n != count:
                raise RuntimeError("%s holds %d keys after loading %d hashes" % (srv.name, n, count))
            for i in sorted({0, count // 2, count - 1}):
                h = int_reply(srv.pipe.call("HLEN", "hash:%011d" % i), "HLEN")
                if h != HASH_FIELDS:
                    raise RuntimeError("%s: HLEN hash:%011d is %d, expected %d" % (srv.name, i, h, HASH_FIELDS))
            return "hash:%011d" % 0
    else:
        rng = random.Random(TRACE_SEED)
        scores = [rng.randrange(1_000_000_000) for _ in range(count)]
        head = b"*4\r\n$4\r\nZADD\r\n$10\r\nzset:types\r\n"

        def cmd(i):
            sc, m = b"%d" % scores[i], b"m:%d" % i
            return head + b"$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(sc), sc, len(m), m)
        payloads = [(b"".join(cmd(i) for i in sp), len(sp)) for sp in spans]
        expected = ":1"
        elements = count
        payload_bytes = sum(len(b"m:%d" % i) for i in range(count)) + 8 * count  # member + 8-byte double
        desc = ("one sorted set `zset:types` of %d members `m:<i>` with seeded random integer scores "
                "in [0, 1e9), one single-member ZADD per member, %d commands per pipelined send"
                % (count, batch))
        preflight = [["ZADD", "types:preflight", "1", "a"], ["ZADD", "types:preflight", "2", "b"],
                     ["ZCARD", "types:preflight"], ["DEL", "types:preflight"]]

        def verify(srv):
            n = int_reply(srv.pipe.call("ZCARD", "zset:types"), "ZCARD")
            if n != count:
                raise RuntimeError("%s: ZCARD zset:types is %d after %d ZADDs" % (srv.name, n, count))
            return "zset:types"
    return desc, payloads, expected, elements, payload_bytes, preflight, verify


def settle_rss(srv, min_s, quiet_s, cap_s, poll_s=0.5, tol=64 << 10):
    """Wait until srv's VmRSS stops dropping; return (RSS, seconds waited).

    After a big load the allocator hands freed pages back in steps, seconds later, so one
    short fixed settle catches some runs before and some after such a step. Waits min_s,
    then polls every poll_s until RSS has not dropped by more than tol for quiet_s, or cap_s.
    """
    t0 = time.monotonic()
    time.sleep(min_s)
    low = srv.rss()
    last_drop = time.monotonic()
    while time.monotonic() - last_drop < quiet_s and time.monotonic() - t0 < cap_s:
        time.sleep(poll_s)
        r = srv.rss()
        if r < low - tol:
            last_drop = time.monotonic()
        low = min(low, r)
    return srv.rss(), round(time.monotonic() - t0, 1)


def cmd_types(a):
    """Bytes per element of one data type (a.kind), loaded into each server in turn."""
    t_start = time.monotonic()
    servers = servers_from(a)
    settle = 0.3 if a.quick else SETTLE_S
    # jemalloc (redis's allocator, and tessera's in the usual build) returns freed pages to
    # the OS up to its dirty_decay_ms (10 s) later: e.g. redis drops ~4 MB about 6 s after
    # the last ZADD of 1M members, when the pre-rehash hash table of the zset is purged.
    quiet, cap = (1.5, 5.0) if a.quick else (10.0, 30.0)
    desc, payloads, expected, elements, payload_bytes, preflight, verify = types_workload(a.kind, a.count)
    res = {"kind": a.kind, "count": a.count, "elements": elements, "payload_bytes": payload_bytes,
           "describe": desc, "settle_s": settle, "rss_quiet_s": quiet, "rss_cap_s": cap,
           "servers": {}, "versions": {}}
    log("types: %s workload built in %.1fs" % (a.kind, time.monotonic() - t_start))
    failed = False
    for srv in servers:
        r = res["servers"][srv.name] = {}
        try:
            res["versions"].update(srv.versions())
            # Preflight on a scratch key: a server that lacks the type's commands is n/a.
            for c in preflight:
                reply = srv.pipe.call(*c)
                if not (isinstance(reply, str) and reply.startswith(":")):
                    r["unsupported"] = "%s -> %s" % (" ".join(c), reply)
                    break
            if "unsupported" in r:
                log("types: %-4s %-9s n/a (%s)" % (a.kind, srv.name, r["unsupported"]))
                continue
            time.sleep(settle)
            rss0, used0 = srv.rss(), srv.used_memory()
            t0 = time.monotonic()
            for payload, n in payloads:
                expect_all(srv.pipe.exchange(payload, n), expected, "%s %s load" % (srv.name, a.kind))
            r["load_s"] = round(time.monotonic() - t0, 3)
            rss1, r["rss_wait_s"] = settle_rss(srv, settle, quiet, cap)
            used1 = srv.used_memory()
            sample_key = verify(srv)
            enc = srv.pipe.call("OBJECT", "ENCODING", sample_key)
            r["encoding"] = enc.decode(errors="replace") if isinstance(enc, bytes) else None
            r.update(rss_before=rss0, rss_after=rss1, used_before=used0, used_after=used1,
                     rss_per_elem=(rss1 - rss0) / elements, used_per_elem=(used1 - used0) / elements)
            log("types: %-4s %-9s %6.1f B/element RSS, %6.1f B/element used_memory (load %.1fs, "
                "RSS settled after %.1fs)" % (a.kind, srv.name, r["rss_per_elem"], r["used_per_elem"],
                                            r["load_s"], r["rss_wait_s"]))
        except (OSError, RuntimeError, ValueError, KeyError) as e:
            r["error"] = str(e)
            failed = True
            log("types: %s %s FAILED: %s" % (a.kind, srv.name, e))
    res["wall_s"] = round(time.monotonic() - t_start, 1)
    write_json(a.out, res)
    return 1 if failed else 0


# --------------------------------------------------------------------------- report


def mb(x):
    return "%.1f" % (x / 2**20) if x is not None else "ERR"


def f(x, nd=2):
    return "%.*f" % (nd, x) if x is not None else "ERR"


def pct(x):
    return "%.2f%%" % (100 * x) if x is not None else "ERR"


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def report_bytes(reps, lines):
    keys = reps[0]["keys"]
    lines += ["## 1. Bytes per key", "",
              "%d keys of 16 bytes with 32-byte values (48 bytes of payload per key); median of %d "
              "rep(s), fresh servers each. RSS = growth of VmRSS; used_memory = growth of INFO "
              "used_memory (memcached: `stats bytes`, item memory only)." % (keys, len(reps)), "",
              "| server | bytes/key (RSS) | bytes/key (used_memory) | RSS per rep | RSS before → after MB | load s |",
              "|---|--:|--:|---|---|--:|"]
    names = list(reps[0]["servers"])
    medians = {}
    for n in names:
        rs = [r["servers"].get(n, {}) for r in reps]
        errs = [x["error"] for x in rs if "error" in x]
        rss, used = med(x.get("rss_per_key") for x in rs), med(x.get("used_per_key") for x in rs)
        medians[n] = (rss, used)
        last = next((x for x in reversed(rs) if "rss_after" in x), {})
        lines.append("| %s | %s | %s%s | %s | %s → %s | %s |" % (
            n, f(rss, 1), f(used, 1), " (stats bytes)" if n == "memcached" else "",
            ", ".join(f(x.get("rss_per_key"), 1) for x in rs),
            mb(last.get("rss_before")), mb(last.get("rss_after")), f(med(x.get("load_s") for x in rs), 1)))
        for e in errs:
            lines.append("| %s | ERR: %s | | | | |" % (n, e))
    lines.append("")
    t = medians.get("tessera", (None, None))
    for other in ("redis", "memcached"):
        o = medians.get(other, (None, None))
        lines.append("- tessera/%s: %s (RSS)%s" % (
            other, f(bench.ratio(t[0], o[0])),
            ", %s (used_memory)" % f(bench.ratio(t[1], o[1])) if other == "redis" else ""))
    lines += ["- driver wall time: %.0f s over %d rep(s), server starts not included"
              % (sum(r["wall_s"] for r in reps), len(reps)), ""]


def report_hits(h, lines):
    lines += ["## 2. Hit ratio under eviction", "",
              "Zipf(s=%.2f) over U=%d keys, %d ops (seed %d), %d%% blind SETs, cache-aside GET+SET "
              "with 32..64-byte values; maxmemory = used_memory after FLUSHALL + %d keys × "
              "calibrated bytes/key (see below); batches of %d trace ops (GETs and blind SETs pipelined in "
              "trace order, then the fill SETs of the batch's misses)."
              % (h["zipf_s"], h["universe"], h["ops"], h["seed"], round(100 * h["write_frac"]),
                 h["capacity_keys"], h["batch"]), "",
              "| policy | server | hit ratio | keys held (median DBSIZE) | exact LRU @ keys held | Δ pp (server − LRU) | evicted | maxmemory MB | used_memory at end MB |",
              "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
    for run in h["runs"]:
        p, s = run["policy"], run["server"]
        if "unsupported" in run:
            lines.append("| %s | %s | n/a | | | | | | |" % (p, s))
        elif "error" in run:
            lines.append("| %s | %s | ERR: %s | | | | | | |" % (p, s, run["error"]))
        else:
            d = 100 * (run["hit_ratio"] - run["exact_lru"])
            lines.append("| %s | %s | %s | %d | %s | %+.2f | %d | %s | %s |" % (
                p, s, pct(run["hit_ratio"]), run["keys_held"], pct(run["exact_lru"]), d,
                run["evicted"], mb(run["maxmemory"]), mb(run["used_end"])))
    lines.append("")
    for s, info in h["servers"].items():
        if "bytes_per_key" in info:
            lines.append("- %s calibration: %.1f bytes/key (used_memory growth over %d keys)"
                         % (s, info["bytes_per_key"], h["universe"]))
    lines.append("- driver wall time: %.0f s (trace generation, calibration, all runs, exact-LRU replays)"
                 % h["wall_s"])
    lines.append("- exact LRU at the nominal capacity (%d keys): %s; infinite cache (compulsory misses only): %s"
                 % (h["capacity_keys"], pct(h["exact_lru_nominal"]), pct(h["exact_lru_infinite"])))
    for s in h["servers"]:
        done = [r for r in h["runs"] if r["server"] == s and "evicted" in r]
        if done and all(r["evicted"] == 0 for r in done):
            lines.append("- %s evicted no keys in any run (it held up to %d keys against a nominal "
                         "capacity of %d): its hit ratios are those of an unbounded cache"
                         % (s, max(max(r["dbsize_samples"]) for r in done), h["capacity_keys"]))
    for run in h["runs"]:
        if "unsupported" in run:
            lines.append("- %s on %s: n/a, CONFIG SET refused: `%s`" % (run["policy"], run["server"], run["unsupported"]))
    lines.append("")


def report_churn(c, lines):
    rounds = c["rounds_data"]
    names = list(rounds[0]["servers"]) if rounds else []
    lines += ["## 3. Fragmentation after churn", "",
              "%d keys, %d rounds; round r sets key i to 16 + ((7i + 1543r) mod 4081) bytes. "
              "Measured after a %.1fs settle and, for servers compacting in the background, once "
              "INFO mem_fragmentation_ratio stopped dropping (poll %.1fs, cap %.0fs)."
              % (c["keys"], c["rounds"], c["settle_s"], COMPACTION_POLL_S, c["compaction_cap_s"]), "",
              "| round | " + " | ".join("%s RSS MB | %s used MB | %s RSS/used" % (n, n, n) for n in names)
              + " | compaction wait s |",
              "|--:|" + "--:|--:|--:|" * len(names) + "---|"]
    for row in rounds:
        cells = []
        waits = []
        for n in names:
            d = row["servers"][n]
            cells += [mb(d["rss"]), mb(d["used"]), f(d["rss_over_used"], 3)]
            if d["compaction_wait"]:
                w, r0, r1 = d["compaction_wait"]
                waits.append("%s %.1f (INFO ratio %.3f → %.3f)" % (n, w, r0, r1))
        lines.append("| %d | %s | %s |" % (row["round"], " | ".join(cells), "; ".join(waits)))
    lines += ["", "Final state (live data = Σ key + value bytes of the last round = %s MB):" % mb(c["live_bytes"]), "",
              "| server | RSS MB | used_memory MB | RSS/used_memory | used_memory/live | RSS/live |",
              "|---|--:|--:|--:|--:|--:|"]
    if rounds:
        for n in names:
            d = rounds[-1]["servers"][n]
            lines.append("| %s | %s | %s | %s | %s | %s |" % (
                n, mb(d["rss"]), mb(d["used"]), f(d["rss_over_used"], 3),
                f(d["used"] / c["live_bytes"], 3), f(d["rss"] / c["live_bytes"], 3)))
    lines.append("")
    for n, info in c["servers"].items():
        if "unsupported" in info:
            lines.append("- %s: activedefrag not supported by this redis-server, not run (`%s`)" % (n, info["unsupported"]))
    for n in names:
        if all(abs(r["servers"][n]["rss_over_used"] - 1) < 0.005 for r in rounds):
            lines.append("- %s: used_memory equals RSS (±0.5%%) after every round, so its RSS/used "
                         "carries no fragmentation information; compare RSS/live instead" % n)
    lines.append("- driver wall time: %.0f s" % c["wall_s"])
    if "error" in c:
        lines.append("- **churn failed**: %s" % c["error"])
    lines.append("")


TYPES_TITLES = {"hash": "hashes × %d fields" % HASH_FIELDS, "zset": "sorted set"}


def report_types(t, lines):
    lines += ["## 4. Data types: bytes per element", ""]
    for kind in ("hash", "zset"):
        d = t.get(kind)
        if d is None:
            lines += ["- %s: **no results** (the sub-experiment failed before writing them; see the log)"
                      % TYPES_TITLES[kind]]
        else:
            lines += ["- %s: %s. Payload %.1f B/element (%s)." % (
                TYPES_TITLES[kind], d["describe"], d["payload_bytes"] / d["elements"],
                "key + field + value bytes" if kind == "hash" else "member bytes + 8-byte score")]
    some = next(iter(t.values()))
    lines += ["", "Element = one field/value pair (hashes) or one member (sorted set). RSS = growth of "
              "VmRSS over the load ÷ elements, read once VmRSS stopped dropping (≥ %.1f s, then "
              "unchanged for %.1f s, cap %.0f s); used_memory = growth of INFO used_memory ÷ elements. "
              "Fresh servers for each structure; one run."
              % (some["settle_s"], some.get("rss_quiet_s", 0), some.get("rss_cap_s", 0)), "",
              "| structure | elements | redis B/elem (RSS) | tessera B/elem (RSS) | tessera/redis (RSS) "
              "| redis B/elem (used_memory) | tessera B/elem (used_memory) | tessera/redis (used_memory) |",
              "|---|--:|--:|--:|--:|--:|--:|--:|"]
    notes = []

    def cell(r, key):
        if "unsupported" in r:
            return "n/a"
        if "error" in r:
            return "ERR"
        return f(r.get(key), 1)

    def ratio_cell(rt, rr, key):
        bad = [x for x in (rt, rr) if key not in x]
        if not bad:
            return f(bench.ratio(rt[key], rr[key]))
        return "ERR" if any("error" in x for x in bad) else "n/a"
    for kind in ("hash", "zset"):
        d = t.get(kind)
        if d is None:
            continue
        rd, td = d["servers"].get("redis", {}), d["servers"].get("tessera", {})
        lines.append("| %s %s | %s | %s | %s | %s | %s | %s | %s |" % (
            "{:,}".format(d["count"]) if kind == "hash" else "1", TYPES_TITLES[kind],
            "{:,}".format(d["elements"]),
            cell(rd, "rss_per_elem"), cell(td, "rss_per_elem"),
            ratio_cell(td, rd, "rss_per_elem"), cell(rd, "used_per_elem"), cell(td, "used_per_elem"),
            ratio_cell(td, rd, "used_per_elem")))
        for name, r in d["servers"].items():
            if "unsupported" in r:
                notes.append("- %s, %s: n/a, the server refused the commands: `%s`"
                             % (TYPES_TITLES[kind], name, r["unsupported"].strip()))
            elif "error" in r:
                notes.append("- %s, %s: **failed**: %s" % (TYPES_TITLES[kind], name, r["error"]))
    lines += ["", "| structure | server | encoding (OBJECT ENCODING) | RSS before → after MB "
              "| used_memory before → after MB | load s | RSS settled after s |", "|---|---|---|---|---|--:|--:|"]
    per_hash = []
    for kind in ("hash", "zset"):
        d = t.get(kind)
        if d is None:
            continue
        for name, r in d["servers"].items():
            if "rss_per_elem" not in r:
                continue
            lines.append("| %s | %s | %s | %s → %s | %s → %s | %s | %s |" % (
                TYPES_TITLES[kind], name, r.get("encoding") or "?",
                mb(r["rss_before"]), mb(r["rss_after"]), mb(r["used_before"]), mb(r["used_after"]),
                f(r["load_s"], 1), f(r.get("rss_wait_s"), 1)))
            if kind == "hash":
                per_hash.append("%s %.1f B (RSS), %.1f B (used_memory)"
                                % (name, r["rss_per_elem"] * HASH_FIELDS, r["used_per_elem"] * HASH_FIELDS))
    if per_hash:
        notes.insert(0, "- per hash (16-byte key + %d fields, %d B payload): %s"
                     % (HASH_FIELDS, 16 + HASH_FIELDS * 10, "; ".join(per_hash)))
    lines += [""] + notes
    lines.append("- driver wall time: %s" % ", ".join(
        "%s %.0f s" % (k, t[k]["wall_s"]) for k in ("hash", "zset") if t.get(k)))
    lines.append("")


def cmd_report(a):
    def load(name):  # an experiment's JSON, or None if it did not get that far
        path = os.path.join(a.work, name)
        if not os.path.exists(path):
            return None
        with open(path) as fh:
            return json.load(fh)
    rep_files = glob.glob(os.path.join(a.work, "bytes-*.json"))
    rep_files.sort(key=lambda p: int(p.rsplit("-", 1)[1].split(".")[0]))
    reps = [load(os.path.basename(p)) for p in rep_files]
    hits, churn = load("hits.json"), load("churn.json")
    types = {k: v for k, v in (("hash", load("types-hash.json")), ("zset", load("types-zset.json"))) if v}
    # Per server, what each experiment saw (see Server.versions); normally one value.
    seen = collections.defaultdict(dict)
    for label, d in ([("bytes rep %d" % (i + 1), r) for i, r in enumerate(reps)]
                     + [("hits", hits), ("churn", churn)]
                     + [("types %s" % k, v) for k, v in types.items()]):
        for name, v in (d or {}).get("versions", {}).items():
            seen[name.split("-")[0]].setdefault(v, []).append(label)

    def version(name):
        vals = seen.get(name, {})
        if len(vals) <= 1:
            return next(iter(vals), "?")
        return "**differs between experiments (binary replaced during the run?)**: " + "; ".join(
            "%s: %s" % (", ".join(labels), v) for v, labels in vals.items())

    now = datetime.datetime.now().astimezone()
    with open("/proc/meminfo") as fh:
        mem_total = fh.readline().split(":", 1)[1].strip()
    lines = ["# Tessera memory benchmark — %s" % now.strftime("%Y-%m-%d %H:%M:%S %Z"), "",
             "- Date: %s" % now.isoformat(timespec="seconds"),
             "- Machine: %s, nproc %s, %s, CPU %s, MemTotal %s"
             % (platform.node(), a.nproc, a.kernel, bench.cpu_model(), mem_total),
             "- tessera-server: commit %s (`%s --threads 1%s`), version %s"
             % (a.tessera_commit, a.tessera_server, (" " + a.tessera_args) if a.tessera_args else "",
                version("tessera")),
             "- redis-server: %s; INFO: %s" % (a.redis_version.strip(), version("redis")),
             "- memcached: %s (`-m 4096 -t 1 -U 0`)" % (
                 version("memcached") if "memcached" in seen else a.memcached_version.strip()),
             "- Experiments: %s%s" % (a.only, ", --quick" if a.quick else ""), ""]
    missing = []
    for name, data, section in (("bytes", reps, report_bytes), ("hits", hits, report_hits),
                                ("churn", churn, report_churn), ("types", types, report_types)):
        if name not in a.only.split(","):
            continue
        if data:
            section(data, lines)
        else:
            missing.append(name)
    for m in missing:
        lines += ["**%s: no results** (the experiment failed before writing them; see the log)" % m, ""]
    report = "\n".join(lines)
    print(report, end="")
    os.makedirs(a.results_dir, exist_ok=True)
    stamp = "memory-" + now.strftime("%Y%m%d-%H%M%S")
    md_path = os.path.join(a.results_dir, stamp + ".md")
    with open(md_path, "w") as fh:
        fh.write(report)
    write_json(os.path.join(a.results_dir, stamp + ".json"),
               {"date": now.isoformat(), "args": vars(a), "bytes": reps, "hits": hits, "churn": churn,
                "types": types})
    log("results written to %s (raw data: %s.json)" % (md_path, stamp))
    return 1 if missing else 0


# --------------------------------------------------------------------------- misc


def write_json(path, obj):
    with open(path, "w") as fh:
        json.dump(obj, fh, indent=1, default=str)


def cmd_wait_ready(a):
    deadline = time.monotonic() + a.timeout
    last_err = "no attempt"
    while time.monotonic() < deadline:
        if not bench.proc_alive(a.pid):
            log("error: %s (pid %d) exited before becoming ready" % (a.name, a.pid))
            return 2
        try:
            if a.proto == "memcache":
                with socket.create_connection((HOST, a.port), timeout=1.0) as s:
                    s.sendall(b"version\r\n")
                    r = s.makefile("rb").readline()
                if r.startswith(b"VERSION "):
                    return 0
            else:
                r = bench.resp_call(a.port, ["PING"], timeout=1.0)
                if r in ("PONG", b"PONG"):
                    return 0
            last_err = "unexpected reply %r" % (r,)
        except (OSError, ConnectionError, ValueError) as e:
            last_err = str(e)
        time.sleep(0.1)
    log("error: %s (pid %d) not ready on %s:%d within %.0fs (last error: %s)"
        % (a.name, a.pid, HOST, a.port, a.timeout, last_err))
    return 3


def _on_term(signum, frame):
    sys.exit(128 + signum)


def main():
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, _on_term)  # background jobs start with SIGINT ignored
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    wr = sub.add_parser("wait-ready")
    wr.add_argument("--pid", type=int, required=True)
    wr.add_argument("--port", type=int, required=True)
    wr.add_argument("--proto", choices=["resp", "memcache"], default="resp")
    wr.add_argument("--name", default="server")
    wr.add_argument("--timeout", type=float, default=15.0)

    def experiment(name, **sizes):
        p = sub.add_parser(name)
        p.add_argument("--server", action="append", required=True, help="name:proto:port:pid")
        p.add_argument("--out", required=True)
        p.add_argument("--quick", action="store_true")
        for opt, default in sizes.items():
            p.add_argument("--" + opt.replace("_", "-"), type=int, default=default)
        return p
    experiment("bytes", keys=1_000_000)
    experiment("hits", universe=200_000, trace_ops=2_000_000)
    experiment("churn", keys=200_000)
    tp = experiment("types", count=100_000)
    tp.add_argument("--kind", choices=["hash", "zset"], required=True)

    rp = sub.add_parser("report")
    for opt in ("work", "results-dir", "tessera-server", "tessera-args", "tessera-commit",
                "redis-version", "memcached-version", "nproc", "kernel", "only"):
        rp.add_argument("--" + opt, required=True)
    rp.add_argument("--quick", action="store_true")

    a = ap.parse_args()
    return {"wait-ready": cmd_wait_ready, "bytes": cmd_bytes, "hits": cmd_hits,
            "churn": cmd_churn, "types": cmd_types, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
