#!/usr/bin/python3
"""Durability benchmark driver for bench/persist.sh (stdlib only).

persist.sh owns the server processes (free ports, setsid, per-server --dir, trap-based stop,
via bench/lib.sh); this helper talks to them over 127.0.0.1, reads /proc, writes one JSON
file per step into the work directory, and `report` turns those into the summary (printed,
and saved as bench/results/persist-<stamp>.{md,json}).

Servers are passed as --server name:port:pid:dir (dir = the server's --dir).

  throughput  SET with the write-ahead log on (appendonly yes, the appendfsync mode the servers
              were started with): redis-benchmark -t set -c 50 -d 32 -r KEYSPACE at P1 and
              P16 (bench.run_benchmark: ops/s, server CPU per op from /proc/PID/stat, p99),
              REPS rounds, servers alternating which goes first; medians.
  fill        N keys key:%012d -> 32 distinct-ish bytes (the key names redis-benchmark -r N
              writes), generated once as RESP into a file and sent with redis-cli --pipe.
  bgsave      Per rep and server: a background load (redis-benchmark SET -r N -c 50 -P 1, the
              same key space) runs; RSS before; BGSAVE; every ~20 ms sample the RSS of the
              server and its descendants (/proc/*/stat ppid scan), each descendant's
              Private_Dirty (/proc/PID/smaps_rollup) and INFO persistence, until
              rdb_bgsave_in_progress is 0. The save's wall time is BGSAVE reply -> first
              sample that sees 0. Peak footprint = max over samples of (server RSS + the
              descendants' Private_Dirty): a forked child's pages that are still shared with
              the parent are not extra memory; summed RSS is reported too.
  shutdown    SHUTDOWN SAVE|NOSAVE, timed until the process is gone.
  wait-loaded Restart-to-ready: from --t0 (epoch seconds taken by persist.sh right before it
              started the process) until DBSIZE answers an integer (not -LOADING, not a refused
              connection), polling every 10 ms; checks the key count; peak RSS during the load.
  aof-prep    CONFIG SET appendonly yes (starts with a rewrite), wait; BGREWRITEAOF, wait
              (timed); a log tail of T SETs (redis-benchmark -P 16 over the key space) and one
              marker key, so the restart must replay base + log.
  report      Summary table + raw data.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (shared: log, resp_call, _read_reply, proc_alive, proc_status, cpu_ticks, run_benchmark, ratio)
import memory  # noqa: E402  (Pipe: pipelined RESP connection with INFO parsing)
import report  # noqa: E402  (shared with memcache.py: med, f2, write_json, load_json, save, run_main)
from report import f2, med, write_json  # noqa: E402

HOST = bench.HOST
log = bench.log
SAMPLE_S = 0.020
SMAPS_S = 0.25
POLL_S = 0.010
MARKER = "persist:marker"
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


class Srv(bench.Server):
    def __init__(self, spec):
        name, port, pid, d = spec.split(":", 3)
        super().__init__(name, int(port), int(pid))
        self.dir = d


def servers_from(a):
    return [Srv(s) for s in a.server]


# --------------------------------------------------------------------------- /proc


def rss_kb(pid):
    """VmRSS in kB (from statm: cheaper than status), None if gone."""
    try:
        with open("/proc/%d/statm" % pid) as fh:
            return int(fh.read().split()[1]) * PAGE_KB
    except (OSError, IndexError, ValueError):
        return None


def private_dirty_kb(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as fh:
            for line in fh:
                if line.startswith("Private_Dirty:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def descendants(pid):
    """Pids of every live descendant of pid (one scan of /proc)."""
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as fh:
                f = fh.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if f[0] in ("Z", "X"):
            continue
        kids.setdefault(int(f[1]), []).append(int(d))
    out, todo = [], [pid]
    while todo:
        for c in kids.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def dir_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(root, f))
            except OSError:
                pass
    return total


def info(srv, section):
    r = bench.resp_call(srv.port, ["INFO", section], timeout=30.0)
    if not isinstance(r, bytes):
        raise RuntimeError("%s: INFO %s -> %r" % (srv.name, section, r))
    out = {}
    for line in r.decode(errors="replace").splitlines():
        k, sep, v = line.partition(":")
        if sep and not k.startswith("#"):
            out[k] = v.strip()
    return out


def call(srv, *args, timeout=30.0):
    r = bench.resp_call(srv.port, list(args), timeout=timeout)
    if isinstance(r, bench.RespError):
        raise RuntimeError("%s: %s -> -%s" % (srv.name, " ".join(map(str, args)), r))
    return r


def wait_info(srv, section, done, timeout, what):
    """Poll INFO section every 20 ms until done(fields) is true; returns (seconds, fields)."""
    t0 = time.monotonic()
    while True:
        f = info(srv, section)
        if done(f):
            return time.monotonic() - t0, f
        if not srv.responsive() and not bench.proc_alive(srv.pid):
            raise RuntimeError("%s died while waiting for %s" % (srv.name, what))
        if time.monotonic() - t0 > timeout:
            raise RuntimeError("%s: %s not done after %.0fs" % (srv.name, what, timeout))
        time.sleep(SAMPLE_S)


def start_load(a, srv, n, pipeline, keyspace):
    cmd = [a.redis_benchmark, "-h", HOST, "-p", str(srv.port), "-t", "set", "-n", str(n),
           "-r", str(keyspace), "-c", "50", "-d", "32", "-P", str(pipeline), "-q"]
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)


def stop_load(p):
    if p.poll() is None:
        p.terminate()
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    return p.returncode


# --------------------------------------------------------------------------- throughput


def cmd_throughput(a):
    servers = servers_from(a)
    cfg = {}
    for s in servers:
        got = {}
        for k in ("appendonly", "appendfsync", "save", "auto-aof-rewrite-percentage"):
            r = call(s, "CONFIG", "GET", k)
            got[k] = r[1].decode() if isinstance(r, list) and len(r) == 2 else repr(r)
        cfg[s.name] = got
        if got["appendonly"] != "yes" or got["appendfsync"] != a.mode:
            raise RuntimeError("%s runs with %s, expected appendonly yes, appendfsync %s" % (s.name, got, a.mode))
    log("throughput (appendfsync %s): config %s" % (a.mode, cfg))
    scale = 10 if a.quick else 1
    for s in servers:  # unmeasured: populate the key space so every run overwrites
        r = bench.run_benchmark(a, s, "SET", 16, a.keyspace)
        if "error" in r:
            raise RuntimeError("warm-up on %s: %s" % (s.name, r["error"]))
    samples = []
    for p in (1, 16):
        n = (a.n_p1 if p == 1 else a.n_p16) // scale
        for rep in range(a.reps):
            for s in (servers if rep % 2 == 0 else servers[::-1]):
                r = bench.run_benchmark(a, s, "SET", p, n)
                r.update(rep=rep + 1, mode=a.mode)
                samples.append(r)
                if "error" in r:
                    log("  %s P%d %s rep %d: FAILED %s" % (a.mode, p, s.name, rep + 1, r["error"]))
                else:
                    log("  %-8s P%-2d %-7s rep %d: %10s ops/s  %6.2f us CPU/op  p99 %.3f ms  (%.1fs)"
                        % (a.mode, p, s.name, rep + 1, bench.fmt_int(r["rps"]), r["cpu_us_per_op"],
                           r.get("p99_ms", float("nan")), r["wall_s"]))
    log_bytes = {s.name: dir_bytes(s.dir) for s in servers}
    write_json(a.out, {"mode": a.mode, "config": cfg, "samples": samples, "log_dir_bytes": log_bytes,
                       "clients": a.clients, "data_size": a.data_size, "keyspace": a.keyspace})
    return 1 if any("error" in r for r in samples) else 0


# --------------------------------------------------------------------------- fill


def fill_value(i):
    return b"%032x" % ((i * 0x9E3779B97F4A7C15) & ((1 << 128) - 1))


def cmd_fill(a):
    servers = servers_from(a)
    if not os.path.exists(a.file):
        t0 = time.monotonic()
        tmp = a.file + ".tmp"
        with open(tmp, "wb") as fh:
            step = 100_000
            for lo in range(0, a.keys, step):
                fh.write(b"".join(b"*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$32\r\n%s\r\n" % (i, fill_value(i))
                                  for i in range(lo, min(lo + step, a.keys))))
        os.rename(tmp, a.file)
        log("fill: generated %d SETs (%.0f MB) in %.1fs" % (a.keys, os.path.getsize(a.file) / 1e6,
                                                              time.monotonic() - t0))
    out = {}
    for s in servers:
        t0 = time.monotonic()
        with open(a.file, "rb") as fh:
            p = subprocess.run([a.redis_cli, "-h", HOST, "-p", str(s.port), "--pipe"], stdin=fh,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=1800)
        took = time.monotonic() - t0
        text = p.stdout.decode(errors="replace")
        n = call(s, "DBSIZE")
        log("fill: %s: %d keys in %.1fs (%s)" % (s.name, n, took, text.strip().splitlines()[-1] if text.strip() else ""))
        if p.returncode != 0 or "errors: 0," not in text or n != a.keys:
            raise RuntimeError("fill of %s failed: rc %d, DBSIZE %r, redis-cli said: %s"
                               % (s.name, p.returncode, n, text.strip()[-500:]))
        time.sleep(1.0)
        out[s.name] = {"keys": n, "fill_s": round(took, 2), "rss_kb": rss_kb(s.pid),
                       "used_memory": int(info(s, "memory").get("used_memory", 0))}
    write_json(a.out, out)
    return 0


# --------------------------------------------------------------------------- bgsave


def one_bgsave(a, s):
    dump = os.path.join(s.dir, "dump.rdb")
    mtime0 = os.stat(dump).st_mtime_ns if os.path.exists(dump) else None
    f = info(s, "persistence")
    if f.get("rdb_bgsave_in_progress") != "0" or f.get("aof_rewrite_in_progress", "0") != "0":
        raise RuntimeError("%s: a save is already running: %s" % (s.name, f))
    load = start_load(a, s, 2_000_000_000, 1, a.keys)
    try:
        time.sleep(0.5)  # connections up
        ca, ta = int(info(s, "stats")["total_commands_processed"]), time.monotonic()
        time.sleep(a.ramp)
        if load.poll() is not None:
            raise RuntimeError("background load on %s exited early: %s" % (s.name, load.stderr.read().decode()[-300:]))
        cmds0 = int(info(s, "stats")["total_commands_processed"])
        rate_before = (cmds0 - ca) / (time.monotonic() - ta)
        rss0 = rss_kb(s.pid)
        pipe = memory.Pipe(s.port)
        t0 = time.monotonic()
        rep = pipe.call("BGSAVE")
        t_reply = time.monotonic() - t0
        if not (isinstance(rep, str) and rep.startswith("+")):
            raise RuntimeError("%s: BGSAVE -> %r" % (s.name, rep))
        peak = {"rss_kb": rss0, "tree_rss_kb": rss0, "real_kb": rss0, "child_private_dirty_kb": 0,
                "child_rss_kb": 0}
        kids, last_scan, nsamples, sample_cost, seen_running = [], -1.0, 0, 0.0, False
        kpd, last_smaps = 0, -1.0
        timeline, rtts = [], []
        while True:
            ts = time.monotonic()
            if ts - t0 > a.timeout:
                raise RuntimeError("%s: BGSAVE still running after %.0fs" % (s.name, a.timeout))
            if not kids and ts - last_scan >= 0.1:
                kids, last_scan = descendants(s.pid), ts
            prss = rss_kb(s.pid)
            if prss is None:
                raise RuntimeError("%s died during BGSAVE" % s.name)
            krss = 0
            live = []
            for k in kids:
                r = rss_kb(k)
                if r is not None:
                    live.append(k)
                    krss += r
            kids = live
            # smaps_rollup walks the child's page tables (tens of ms for a GB): at most every
            # SMAPS_S, so the sampler does not steal a core from the save it measures. The
            # last value is reused in between (Private_Dirty only grows during a save).
            if kids and ts - last_smaps >= SMAPS_S:
                kpd, last_smaps = sum(private_dirty_kb(k) or 0 for k in kids), ts
            elif not kids:
                kpd = 0
            peak["rss_kb"] = max(peak["rss_kb"], prss)
            peak["tree_rss_kb"] = max(peak["tree_rss_kb"], prss + krss)
            peak["real_kb"] = max(peak["real_kb"], prss + kpd)
            peak["child_private_dirty_kb"] = max(peak["child_private_dirty_kb"], kpd)
            peak["child_rss_kb"] = max(peak["child_rss_kb"], krss)
            tq = time.monotonic()
            running = pipe.info("persistence").get("rdb_bgsave_in_progress")
            rtts.append(time.monotonic() - tq)
            nsamples += 1
            sample_cost += time.monotonic() - ts
            if nsamples % 5 == 1:
                timeline.append((round(ts - t0, 3), prss, krss, kpd))
            if running == "1":
                seen_running = True
            elif running == "0":
                wall = time.monotonic() - t0
                break
            time.sleep(max(0.0, SAMPLE_S - (time.monotonic() - ts)))
        post = pipe.info("persistence")
        stats = pipe.info("stats")
        cmds1 = int(stats["total_commands_processed"])
    finally:
        rc = stop_load(load)
    mtime1 = os.stat(dump).st_mtime_ns if os.path.exists(dump) else None
    ok = post.get("rdb_last_bgsave_status") == "ok" and mtime1 is not None and mtime1 != mtime0
    r = {"server": s.name, "wall_s": round(wall, 3), "bgsave_reply_s": round(t_reply, 4),
         "rss_before_kb": rss0, "peak": peak,
         "ratio_real": peak["real_kb"] / rss0, "ratio_tree_rss": peak["tree_rss_kb"] / rss0,
         "ratio_parent_rss": peak["rss_kb"] / rss0,
         "writes_during_save": cmds1 - cmds0, "writes_per_s": (cmds1 - cmds0) / wall,
         "writes_per_s_before": rate_before,
         "info_rtt_ms_max": round(1000 * max(rtts), 2), "info_rtt_ms_median": round(1000 * statistics.median(rtts), 2),
         "samples": nsamples, "mean_sample_ms": round(1000 * sample_cost / max(nsamples, 1), 2),
         "seen_in_progress": seen_running, "status": post.get("rdb_last_bgsave_status"),
         "dump_bytes": os.path.getsize(dump) if mtime1 else None, "ok": ok,
         "latest_fork_usec": stats.get("latest_fork_usec"),
         "rdb_last_cow_size": post.get("rdb_last_cow_size"), "load_rc": rc, "timeline": timeline}
    return r


def cmd_bgsave(a):
    servers = servers_from(a)
    samples = []
    for rep in range(a.reps):
        for s in (servers if rep % 2 == 0 else servers[::-1]):
            time.sleep(a.settle)
            r = one_bgsave(a, s)
            r["rep"] = rep + 1
            samples.append(r)
            log("  bgsave %-7s rep %d: %.2fs  RSS before %.0f MiB, peak real %.0f MiB (%.3fx), "
                "summed RSS %.0f MiB (%.3fx), child Private_Dirty %.0f MiB, %d writes during the save "
                "(%.0f/s; %.0f/s before the save), INFO RTT median %.1f max %.1f ms, %d samples of %.1f ms%s"
                % (s.name, rep + 1, r["wall_s"], r["rss_before_kb"] / 1024, r["peak"]["real_kb"] / 1024,
                   r["ratio_real"], r["peak"]["tree_rss_kb"] / 1024, r["ratio_tree_rss"],
                   r["peak"]["child_private_dirty_kb"] / 1024, r["writes_during_save"], r["writes_per_s"],
                   r["writes_per_s_before"], r["info_rtt_ms_median"], r["info_rtt_ms_max"], r["samples"], r["mean_sample_ms"], "" if r["ok"] else "  **NOT OK: %s**" % r["status"]))
    write_json(a.out, {"keys": a.keys, "samples": samples})
    return 0 if all(r["ok"] for r in samples) else 1


# --------------------------------------------------------------------------- shutdown / restart


def cmd_shutdown(a):
    s = servers_from(a)[0]
    t0 = time.monotonic()
    reply = None
    try:
        with socket.create_connection((HOST, s.port), timeout=a.timeout) as sock:
            sock.sendall(bench.resp_encode(["SHUTDOWN", a.mode.upper()]))
            data = sock.recv(4096)  # empty: the server closed the connection on its way out
            reply = data.decode(errors="replace").strip() or None
    except (ConnectionError, OSError):
        pass
    while bench.proc_alive(s.pid):
        if time.monotonic() - t0 > a.timeout:
            log("error: %s still running %.0fs after SHUTDOWN %s (reply %r)" % (s.name, a.timeout, a.mode, reply))
            return 2
        time.sleep(0.005)
    took = time.monotonic() - t0
    dump = os.path.join(s.dir, "dump.rdb")
    r = {"server": s.name, "mode": a.mode, "shutdown_s": round(took, 3), "reply": reply,
         "dump_bytes": os.path.getsize(dump) if os.path.exists(dump) else None,
         "dir_bytes": dir_bytes(s.dir)}
    log("  SHUTDOWN %s %s: %.2fs (dump.rdb %s bytes)" % (a.mode.upper(), s.name, took, r["dump_bytes"]))
    if a.out:
        write_json(a.out, r)
    return 0 if reply is None else 1


def cmd_wait_loaded(a):
    s = servers_from(a)[0]
    deadline = time.monotonic() + a.timeout
    sock = f = None
    attempts, first_conn, loading_replies, peak = 0, None, 0, 0
    ready = None
    last = "no attempt"
    while time.monotonic() < deadline:
        if not bench.proc_alive(s.pid):
            log("error: %s (pid %d) exited while loading (last: %s)" % (s.name, s.pid, last))
            return 2
        peak = max(peak, rss_kb(s.pid) or 0)
        attempts += 1
        try:
            if sock is None:
                sock = socket.create_connection((HOST, s.port), timeout=5.0)
                f = sock.makefile("rb")
                if first_conn is None:
                    first_conn = time.time() - a.t0
            sock.sendall(b"*1\r\n$6\r\nDBSIZE\r\n")
            r = bench._read_reply(f)
            if isinstance(r, int):
                ready = time.time() - a.t0
                break
            last = repr(r)
            if isinstance(r, bench.RespError) and str(r).startswith("LOADING"):
                loading_replies += 1
            else:
                log("warning: %s: DBSIZE -> %r" % (s.name, r))
        except (OSError, ConnectionError, ValueError) as e:
            last = str(e)
            if sock is not None:
                sock.close()
            sock = f = None
        time.sleep(POLL_S)
    if sock is not None:
        sock.close()
    if ready is None:
        log("error: %s not ready within %.0fs (last: %s)" % (s.name, a.timeout, last))
        return 3
    n = call(s, "DBSIZE")
    peak = max(peak, rss_kb(s.pid) or 0)
    marker = call(s, "GET", MARKER) if a.marker else None
    ok = (a.expect_keys is None or n == a.expect_keys) and (not a.marker or marker == a.marker.encode())
    r = {"server": s.name, "kind": a.kind, "rep": a.rep, "ready_s": round(ready, 4),
         "first_connect_s": round(first_conn, 4) if first_conn is not None else None,
         "attempts": attempts, "loading_replies": loading_replies,
         "upper_bound": attempts == 1, "dbsize": n, "expect_keys": a.expect_keys,
         "marker_ok": (marker == a.marker.encode()) if a.marker else None,
         "rss_kb": rss_kb(s.pid), "peak_rss_during_load_kb": peak, "ok": ok}
    log("  %s %-7s rep %s: ready after %.3fs (first connect %s, %d LOADING replies), "
        "DBSIZE %d%s, RSS %.0f MiB%s"
        % ("start" if a.kind == "start" else "restart (%s)" % a.kind, s.name, a.rep, ready, "%.3fs" % first_conn if first_conn is not None else "?",
           loading_replies, n, "" if a.expect_keys is None else " (want %d)" % a.expect_keys,
           r["rss_kb"] / 1024, "" if ok else "  **WRONG DATA**"))
    write_json(a.out, r)
    return 0 if ok else 1


def cmd_aof_prep(a):
    s = servers_from(a)[0]
    call(s, "CONFIG", "SET", "appendonly", "yes")

    def rewrite_done(fl):
        return (fl.get("aof_enabled") == "1" and fl.get("aof_rewrite_in_progress") == "0"
                and fl.get("aof_rewrite_scheduled", "0") == "0")
    t_enable, _ = wait_info(s, "persistence", rewrite_done, a.timeout, "CONFIG SET appendonly yes")
    time.sleep(0.5)
    call(s, "BGREWRITEAOF")
    t_rw, fl = wait_info(s, "persistence", lambda fl: fl.get("aof_rewrite_in_progress") == "0"
                         and fl.get("aof_rewrite_scheduled", "0") == "0", a.timeout, "BGREWRITEAOF")
    if fl.get("aof_last_bgrewrite_status") != "ok":
        raise RuntimeError("%s: BGREWRITEAOF status %r" % (s.name, fl.get("aof_last_bgrewrite_status")))
    after_rw = dir_bytes(os.path.join(s.dir, "appendonlydir"))
    t1 = time.monotonic()
    p = start_load(a, s, a.tail, 16, a.keys)
    try:
        _, err = p.communicate(timeout=a.timeout)
    except subprocess.TimeoutExpired:
        stop_load(p)
        raise
    if p.returncode != 0:
        raise RuntimeError("%s: tail load failed: %s" % (s.name, err.decode()[-300:]))
    tail_s = time.monotonic() - t1
    call(s, "SET", MARKER, a.marker)
    time.sleep(1.5)  # everysec: let the last second reach the disk before SHUTDOWN
    r = {"server": s.name, "enable_s": round(t_enable, 2), "bgrewriteaof_s": round(t_rw, 2),
         "log_dir_after_rewrite_bytes": after_rw, "tail_writes": a.tail, "tail_s": round(tail_s, 2),
         "log_dir_bytes": dir_bytes(os.path.join(s.dir, "appendonlydir")),
         "files": sorted(os.listdir(os.path.join(s.dir, "appendonlydir")))}
    log("  aof-prep %s: CONFIG SET appendonly yes %.1fs, BGREWRITEAOF %.1fs (%.0f MB), tail %d SETs in %.1fs"
        " -> %.0f MB of log dir (%s)" % (s.name, t_enable, t_rw, after_rw / 1e6, a.tail, tail_s,
                                         r["log_dir_bytes"] / 1e6, ", ".join(r["files"])))
    write_json(a.out, r)
    return 0


# --------------------------------------------------------------------------- report


def cmd_report(a):
    def load(name):
        return report.load_json(os.path.join(a.work, name))
    now = datetime.datetime.now().astimezone()
    data = {"tput": {m: load("tput-%s.json" % m) for m in ("always", "everysec")},
            "fill": load("fill.json"), "bgsave": load("bgsave.json"),
            "shutdown_save": {n: load("shutdown-save-%s.json" % n) for n in ("redis", "tessera")},
            "aof_prep": {n: load("aof-prep-%s.json" % n) for n in ("redis", "tessera")},
            "restart": []}
    for p in sorted(glob.glob(os.path.join(a.work, "restart-*.json"))):
        with open(p) as fh:
            data["restart"].append(json.load(fh))
    L = ["# Tessera vs Redis durability benchmark — %s" % now.strftime("%Y-%m-%d %H:%M:%S %Z"), "",
         "- Machine: %s, nproc %s, %s, CPU %s" % (platform.node(), a.nproc, a.kernel, bench.cpu_model()),
         "- tessera-server: commit %s (`%s --threads %s%s`)" % (a.tessera_commit, a.tessera_server, a.threads,
                                                               (" " + a.tessera_args) if a.tessera_args else ""),
         "- redis-server: %s" % a.redis_version.strip(),
         "- Command: `%s`" % a.command, ""]
    summary = []  # (what, redis, tessera, ratio T/R, target)
    problems = []
    notes = []  # caveats that do not make the run fail

    # throughput
    rows = []
    for mode, d in data["tput"].items():
        if not d:
            continue
        for p in (1, 16):
            def m(name, key):
                return med([r.get(key) for r in d["samples"] if r["server"] == name and r["P"] == p and "error" not in r])
            rr, tr = m("redis", "rps"), m("tessera", "rps")
            rc, tc = m("redis", "cpu_us_per_op"), m("tessera", "cpu_us_per_op")
            r99, t99 = m("redis", "p99_ms"), m("tessera", "p99_ms")
            n = next((r["n"] for r in d["samples"] if r["P"] == p), None)
            rows.append({"mode": mode, "P": p, "n": n, "redis_rps": rr, "tessera_rps": tr,
                         "rps_ratio": bench.ratio(tr, rr), "redis_cpu_us_per_op": rc, "tessera_cpu_us_per_op": tc,
                         "cpu_ratio": bench.ratio(tc, rc), "redis_p99_ms": r99, "tessera_p99_ms": t99,
                         "p99_ratio": bench.ratio(t99, r99)})
            summary.append(("SET %s P%d ops/s" % (mode, p), bench.fmt_int(rr), bench.fmt_int(tr),
                            f2(bench.ratio(tr, rr)), ""))
            summary.append(("SET %s P%d CPU µs/op" % (mode, p), f2(rc, 3), f2(tc, 3), f2(bench.ratio(tc, rc)), ""))
        problems += ["throughput %s: %s %s P%d rep %d: %s" % (mode, r["server"], r["test"], r["P"], r["rep"], r["error"])
                     for r in d["samples"] if "error" in r]
    if rows:
        d0 = next(d for d in data["tput"].values() if d)
        L += ["## SET throughput with appendonly yes",
              "",
              "redis-benchmark -t set -c %d -d %d -r %d, N per run in the table, %d reps, median; "
              "auto-aof-rewrite off on both (the log path only; no rewrite fork/snapshot during a run)."
              % (d0["clients"], d0["data_size"], d0["keyspace"], a.reps), "",
              "| appendfsync | P | N | redis ops/s | tessera ops/s | ops T/R | redis CPU µs/op | tessera CPU µs/op | CPU T/R | redis p99 ms | tessera p99 ms | p99 T/R |",
              "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
        for r in rows:
            L.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
                     % (r["mode"], r["P"], bench.fmt_int(r["n"]), bench.fmt_int(r["redis_rps"]), bench.fmt_int(r["tessera_rps"]),
                        f2(r["rps_ratio"]), f2(r["redis_cpu_us_per_op"], 3), f2(r["tessera_cpu_us_per_op"], 3),
                        f2(r["cpu_ratio"]), f2(r["redis_p99_ms"], 3), f2(r["tessera_p99_ms"], 3), f2(r["p99_ratio"])))
        L.append("")
        for mode, d in data["tput"].items():
            if d:
                L.append("Log directory after the %s runs: %s." % (mode, ", ".join(
                    "%s %.0f MB" % (k, v / 1e6) for k, v in d["log_dir_bytes"].items())))
        L.append("")

    # bgsave
    b = data["bgsave"]
    brows = {}
    if b:
        fill = data["fill"] or {}
        L += ["## BGSAVE of %s keys under write load" % bench.fmt_int(b["keys"]), "",
              "Fill: %s." % "; ".join("%s %s keys in %.1fs, RSS %.0f MiB, used_memory %.0f MiB"
                                      % (k, bench.fmt_int(v["keys"]), v["fill_s"], v["rss_kb"] / 1024, v["used_memory"] / 2**20)
                                      for k, v in fill.items()),
              "Background load during each save: redis-benchmark -t set -r %d -c 50 -d 32 -P 1 (same key space). "
              "Peak = max over ~20 ms samples. **Real** = server RSS + forked child's Private_Dirty "
              "(smaps_rollup; the copy-on-write pages actually duplicated) — the number used for the ratio; "
              "summed RSS (parent + child) overcounts the pages still shared." % b["keys"], "",
              "| server | rep | save wall s | RSS before MiB | peak real MiB | real / before | peak summed RSS MiB | summed / before | child Private_Dirty MiB (redis's own rdb_last_cow_size) | writes/s before save | writes/s during save | INFO RTT max ms | dump MB |",
              "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
        for r in sorted(b["samples"], key=lambda r: (r["server"], r["rep"])):
            cow = int(r.get("rdb_last_cow_size") or 0)
            L.append("| %s | %d | %.2f | %.0f | %.0f | %.3f | %.0f | %.3f | %.0f%s | %s | %s | %.1f | %.0f |"
                     % (r["server"], r["rep"], r["wall_s"], r["rss_before_kb"] / 1024, r["peak"]["real_kb"] / 1024,
                        r["ratio_real"], r["peak"]["tree_rss_kb"] / 1024, r["ratio_tree_rss"],
                        r["peak"]["child_private_dirty_kb"] / 1024, " (%.0f)" % (cow / 2**20) if cow else "",
                        bench.fmt_int(r["writes_per_s_before"]),
                        bench.fmt_int(r["writes_per_s"]), r["info_rtt_ms_max"],
                        (r["dump_bytes"] or 0) / 1e6))
            if not r["ok"]:
                problems.append("bgsave %s rep %d: status %s, dump written: %s" % (r["server"], r["rep"], r["status"], r["dump_bytes"]))
        for name in ("redis", "tessera"):
            ss = [r for r in b["samples"] if r["server"] == name]
            brows[name] = {k: med([r[k] for r in ss]) for k in ("wall_s", "ratio_real", "ratio_tree_rss", "writes_per_s", "writes_per_s_before", "info_rtt_ms_max")}
            brows[name]["child_private_dirty_mb"] = med([r["peak"]["child_private_dirty_kb"] / 1024 for r in ss])
        R, T = brows["redis"], brows["tessera"]
        L += ["", "Medians: save wall %s s (redis) vs %s s (tessera); peak real/before %s vs %s; "
              "summed RSS/before %s vs %s; load writes served %s/s -> %s/s during the save (redis) vs %s/s -> %s/s (tessera); "
              "worst INFO round trip during the save %s vs %s ms."
              % (f2(R["wall_s"]), f2(T["wall_s"]), f2(R["ratio_real"], 3), f2(T["ratio_real"], 3),
                 f2(R["ratio_tree_rss"], 3), f2(T["ratio_tree_rss"], 3),
                 bench.fmt_int(R["writes_per_s_before"]), bench.fmt_int(R["writes_per_s"]),
                 bench.fmt_int(T["writes_per_s_before"]), bench.fmt_int(T["writes_per_s"]),
                 f2(R["info_rtt_ms_max"], 1), f2(T["info_rtt_ms_max"], 1)), ""]
        summary.append(("BGSAVE %s keys wall s" % bench.fmt_int(b["keys"]), f2(R["wall_s"]), f2(T["wall_s"]),
                        f2(bench.ratio(T["wall_s"], R["wall_s"])), ""))
        summary.append(("BGSAVE peak real RSS / before", f2(R["ratio_real"], 3), f2(T["ratio_real"], 3), "",
                        "tessera <= 1.1: %s" % ("met" if T["ratio_real"] <= 1.1 else "NOT met")))
        summary.append(("BGSAVE peak summed RSS / before", f2(R["ratio_tree_rss"], 3), f2(T["ratio_tree_rss"], 3), "", ""))
        summary.append(("load writes/s before BGSAVE", bench.fmt_int(R["writes_per_s_before"]),
                        bench.fmt_int(T["writes_per_s_before"]),
                        f2(bench.ratio(T["writes_per_s_before"], R["writes_per_s_before"])), ""))
        summary.append(("load writes/s during BGSAVE", bench.fmt_int(R["writes_per_s"]),
                        bench.fmt_int(T["writes_per_s"]), f2(bench.ratio(T["writes_per_s"], R["writes_per_s"])), ""))
        summary.append(("worst INFO round trip during BGSAVE ms", f2(R["info_rtt_ms_max"], 1),
                        f2(T["info_rtt_ms_max"], 1), f2(bench.ratio(T["info_rtt_ms_max"], R["info_rtt_ms_max"])), ""))
    sd = data["shutdown_save"]
    if any(sd.values()):
        L.append("SHUTDOWN SAVE (synchronous save, then exit): %s." % "; ".join(
            "%s %.2fs, dump.rdb %.0f MB" % (k, v["shutdown_s"], (v["dump_bytes"] or 0) / 1e6) for k, v in sd.items() if v))
        L.append("")

    # restart
    rr = data["restart"]
    if rr:
        L += ["## Restart to ready", "",
              "Time from the process's start (persist.sh, just before exec) until DBSIZE answers an integer "
              "(polled every 10 ms; a refused connection or -LOADING is not ready).", "",
              "| data | server | reps | ready s (median) | all reps s | first connect s | RSS after load MiB | peak RSS during load MiB | keys |",
              "|---|---|--:|--:|--:|--:|--:|--:|--:|"]
        for kind in ("rdb", "aof"):
            meds = {}
            for name in ("redis", "tessera"):
                ss = [r for r in rr if r["kind"] == kind and r["server"] == name]
                if not ss:
                    continue
                meds[name] = med([r["ready_s"] for r in ss])
                L.append("| %s | %s | %d | %.3f | %s | %s | %.0f | %.0f | %s |"
                         % ("dump.rdb" if kind == "rdb" else "base + log", name, len(ss), meds[name],
                            ", ".join("%.3f" % r["ready_s"] for r in ss),
                            f2(med([r["first_connect_s"] for r in ss]), 3),
                            med([r["rss_kb"] for r in ss]) / 1024, med([r["peak_rss_during_load_kb"] for r in ss]) / 1024,
                            bench.fmt_int(ss[0]["dbsize"])))
                problems += ["restart %s %s rep %s: DBSIZE %s, want %s, marker ok %s" % (kind, name, r["rep"], r["dbsize"], r["expect_keys"], r["marker_ok"])
                             for r in ss if not r["ok"]]
                notes += ["restart %s %s rep %s: ready at the first poll (the time is an upper bound)" % (kind, name, r["rep"])
                             for r in ss if r["upper_bound"]]
            if len(meds) == 2:
                rt = bench.ratio(meds["tessera"], meds["redis"])
                summary.append(("restart-to-ready s (%s)" % ("dump.rdb" if kind == "rdb" else "AOF base + log tail"),
                                f2(meds["redis"], 3), f2(meds["tessera"], 3), f2(rt),
                                "<= 0.5: %s" % ("met" if rt is not None and rt <= 0.5 else "NOT met") if kind == "rdb" else ""))
        L.append("")
        ap = data["aof_prep"]
        if any(ap.values()):
            L.append("Log for the base + log restart: %s." % "; ".join(
                "%s: CONFIG SET appendonly yes %.1fs, BGREWRITEAOF %.1fs (%.0f MB), then %s SETs (-P 16) + 1 marker -> %.0f MB (%s)"
                % (k, v["enable_s"], v["bgrewriteaof_s"], v["log_dir_after_rewrite_bytes"] / 1e6, bench.fmt_int(v["tail_writes"]),
                   v["log_dir_bytes"] / 1e6, ", ".join(v["files"])) for k, v in ap.items() if v))
            L.append("")

    L += report.summary_table(summary, ("redis", "tessera"), "T/R", ("target",))
    return report.save(L, "persist", now, a, {"throughput_rows": rows, "bgsave_medians": brows},
                       summary, problems, notes, data)


# --------------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def step(name, **kw):
        p = sub.add_parser(name)
        p.add_argument("--server", action="append", required=True, help="name:port:pid:dir")
        p.add_argument("--out")
        p.add_argument("--timeout", type=float, default=600.0)
        p.add_argument("--redis-benchmark", default="/usr/bin/redis-benchmark")
        return p
    tp = step("throughput")
    tp.add_argument("--mode", required=True, choices=["always", "everysec", "no"])
    tp.add_argument("--reps", type=int, default=3)
    tp.add_argument("--n-p1", type=int, default=200_000)
    tp.add_argument("--n-p16", type=int, default=1_000_000)
    tp.add_argument("--keyspace", type=int, default=100_000)
    tp.add_argument("--quick", action="store_true")
    tp.add_argument("--clients", type=int, default=50)
    tp.add_argument("--data-size", type=int, default=32)
    tp.add_argument("--run-timeout", type=float, default=300.0)
    fp = step("fill")
    fp.add_argument("--keys", type=int, required=True)
    fp.add_argument("--file", required=True)
    fp.add_argument("--redis-cli", default="/usr/bin/redis-cli")
    bp = step("bgsave")
    bp.add_argument("--keys", type=int, required=True)
    bp.add_argument("--reps", type=int, default=3)
    bp.add_argument("--ramp", type=float, default=1.5, help="seconds of background load before BGSAVE")
    bp.add_argument("--settle", type=float, default=2.0)
    sp = step("shutdown")
    sp.add_argument("--mode", choices=["save", "nosave"], required=True)
    wp = step("wait-loaded")
    wp.add_argument("--t0", type=float, required=True)
    wp.add_argument("--kind", default="start")
    wp.add_argument("--rep", default="1")
    wp.add_argument("--expect-keys", type=int)
    wp.add_argument("--marker")
    pp = step("aof-prep")
    pp.add_argument("--keys", type=int, required=True)
    pp.add_argument("--tail", type=int, required=True)
    pp.add_argument("--marker", required=True)

    rp = sub.add_parser("report")
    for opt in ("work", "results-dir", "tessera-server", "tessera-args", "tessera-commit", "threads",
                "redis-version", "nproc", "kernel", "command"):
        rp.add_argument("--" + opt, required=True)
    rp.add_argument("--reps", type=int, default=3)

    return report.run_main(ap, {"throughput": cmd_throughput, "fill": cmd_fill, "bgsave": cmd_bgsave,
                                "shutdown": cmd_shutdown, "wait-loaded": cmd_wait_loaded,
                                "aof-prep": cmd_aof_prep, "report": cmd_report})


if __name__ == "__main__":
    sys.exit(main())
