#!/usr/bin/python3
"""Memcached-protocol benchmark driver for bench/memcache.sh (stdlib only).

memcache.sh owns the server processes (free ports, setsid, readiness, trap-based stop, via
bench/lib.sh); this helper talks to them over 127.0.0.1, runs the load tool, reads /proc,
writes one JSON file per step into the work directory, and `report` turns those into the
summary (printed, and saved as bench/results/memcache-<stamp>.{md,json}).

Servers are passed as --server name:port:pid:resp_port (port = the memcached TCP port, also
the UDP port when UDP is on; resp_port = tessera's RESP port for INFO, 0 for none).

  free-ports N [--udp]  N distinct ports free on 127.0.0.1 for TCP (and UDP, same number)
  wait-ready            until the server answers `version` on its memcached port
  tput                  90% get / 10% set throughput with memaslap (Debian: memcaslap), per
                        transport (tcp, udp, binary) and value size: a preflight of set/get
                        over each transport (a transport that fails on either server is n/a on
                        both), one unmeasured warm-up run per server and value size, then REPS
                        rounds of one run per server, alternating which goes first. Per run:
                        ops/s (memaslap's Ops / run time), server CPU per op (Δ utime+stime of
                        /proc/PID/stat over the run / Ops), p99 latency estimated from
                        memaslap's log2 latency histogram, client CPU, memaslap's get_misses
                        and UDP counters, and the server's own `stats` deltas where it has them.
  bytes                 N items key:%012d (16 B) -> distinct 32-byte values, `set k 0 0 32
                        noreply` in pipelined batches ending with one acknowledged set, into
                        each server in turn; bytes/item = VmRSS growth / N, plus the server's
                        own figures (memcached `stats bytes`; tessera also INFO used_memory on
                        its RESP port, when it answers); curr_items must be N and sampled gets
                        must return the stored values.
  report                summary tables + raw data.
"""

import argparse
import datetime
import glob
import os
import platform
import re
import resource
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (shared: log, proc_alive, proc_status, cpu_ticks, resp_call, ratio, fmt_int, cpu_model)
import memory  # noqa: E402  (Pipe: pipelined connection that overlaps sending and receiving)
import report  # noqa: E402  (shared with persist.py: med, f2, write_json, load_json, save, run_main)
from report import f2, med, write_json  # noqa: E402

HOST = bench.HOST
log = bench.log
CLK_TCK = bench.CLK_TCK
PF_KEY = "bench:preflight"
SET_FRAC = 0.10          # the mix: 10% set, 90% get (memaslap config file, cmd section)
KEY_LEN = 16             # memaslap's minimum key length; the bytes keys are 16 bytes too
MAX_GET_MISS = 0.01      # a run whose gets miss more than this is an error (memaslap only gets what it set)
BYTES_BATCH = 10_000
OVERRUN_S = 5.0          # memaslap normally exits ~1.1 s after its run time; more than this is a stall
RETRIES = 2              # extra attempts for a run the client spoiled (memaslap crash or stall)


# --------------------------------------------------------------------------- servers


class Srv:
    def __init__(self, spec):
        name, port, pid, resp = spec.split(":")
        self.name, self.port, self.pid, self.resp_port = name, int(port), int(pid), int(resp)


def servers_from(a):
    return [Srv(s) for s in a.server]


def mc_request(port, payload, until=(b"END\r\n",), timeout=5.0):
    """Send payload on a fresh TCP connection; read until the reply ends with one of `until`."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(payload)
        data = b""
        while not any(data.endswith(u) for u in until):
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed (got %r)" % data[-200:])
            data += chunk
            if len(data) > (1 << 20):
                raise ValueError("reply too long")
        return data


def mc_stats(port):
    """`stats` as a dict; {} if the server does not answer it (tessera may not have it yet)."""
    try:
        data = mc_request(port, b"stats\r\n", until=(b"END\r\n", b"ERROR\r\n"))
    except (OSError, ConnectionError, ValueError):
        return {}
    out = {}
    for line in data.decode(errors="replace").split("\r\n"):
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[0] == "STAT":
            out[parts[1]] = parts[2]
    return out


def stat_int(st, key):
    try:
        return int(st[key])
    except (KeyError, ValueError):
        return None


def used_memory(srv):
    """INFO memory used_memory on the server's RESP port, None if it has none or does not answer."""
    if not srv.resp_port:
        return None
    try:
        r = bench.resp_call(srv.resp_port, ["INFO", "memory"], timeout=5.0)
    except (OSError, ConnectionError, ValueError):
        return None
    if not isinstance(r, bytes):
        return None
    m = re.search(rb"^used_memory:(\d+)", r, re.M)
    return int(m.group(1)) if m else None


def rss_bytes(srv):
    return bench.rss_bytes(srv.name, srv.pid)


# --------------------------------------------------------------------------- small subcommands


def cmd_wait_ready(a):
    a.proto = "memcache"  # memory.py's wait-ready: until `version` answers on the memcached port
    return memory.cmd_wait_ready(a)


# --------------------------------------------------------------------------- preflight


def udp_exchange(port, payload, timeout=1.0, tries=3):
    """One request in one datagram with memcached's 8-byte UDP frame header; returns the
    reply payload of a single-datagram reply (headers stripped), or raises."""
    last = None
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        for attempt in range(tries):
            req_id = (os.getpid() + attempt) & 0xFFFF
            s.sendto(struct.pack(">HHHH", req_id, 0, 1, 0) + payload, (HOST, port))
            try:
                while True:
                    data, _ = s.recvfrom(65536)
                    if len(data) < 8:
                        last = "short datagram %r" % data
                        continue
                    rid, seq, total, _ = struct.unpack(">HHHH", data[:8])
                    if rid != req_id:
                        continue  # a late reply to an earlier try
                    if total != 1 or seq != 0:
                        raise RuntimeError("reply in %d datagrams (seq %d); expected one" % (total, seq))
                    return data[8:]
            except socket.timeout:
                last = "no UDP reply within %.1fs (x%d)" % (timeout, attempt + 1)
    raise RuntimeError(last)


def binary_request(sock, opcode, key, extras=b"", value=b""):
    """One binary-protocol request; returns (status, extras+value body) of its response."""
    body = extras + key + value
    sock.sendall(struct.pack(">BBHBBHIIQ", 0x80, opcode, len(key), len(extras), 0, 0, len(body), 0xBE7C, 0) + body)
    f = sock.makefile("rb")
    hdr = f.read(24)
    if len(hdr) < 24 or hdr[0] != 0x81:
        raise RuntimeError("binary opcode 0x%02x: bad response header %r" % (opcode, hdr[:24]))
    _, op, klen, elen, _, status, blen, _, _ = struct.unpack(">BBHBBHIIQ", hdr)
    rest = f.read(blen)
    return status, rest[elen + klen:]


def binary_preflight(srv, key):
    key = key.encode()
    with socket.create_connection((HOST, srv.port), timeout=5.0) as s:
        st, _ = binary_request(s, 0x01, key, extras=struct.pack(">II", 0, 0), value=b"ok")  # SET
        if st != 0:
            return "binary SET -> status 0x%04x" % st
        st, val = binary_request(s, 0x00, key)  # GET
        if st != 0 or val != b"ok":
            return "binary GET -> status 0x%04x, value %r" % (st, val[:50])
        binary_request(s, 0x04, key)  # DELETE
    return None


def preflight(srv, transport):
    """None if set/get work on this transport (tcp = text, udp = text in UDP frames, binary),
    else the reason."""
    key = "%s:%s" % (PF_KEY, transport)
    try:
        if transport == "binary":
            return binary_preflight(srv, key)
        if transport == "udp":
            r = udp_exchange(srv.port, b"set %s 0 0 2\r\nok\r\n" % key.encode())
            if r != b"STORED\r\n":
                return "UDP set -> %r" % r[:100]
            r = udp_exchange(srv.port, b"get %s\r\n" % key.encode())
            want = b"VALUE %s 0 2\r\nok\r\nEND\r\n" % key.encode()
            if r != want:
                return "UDP get -> %r, want %r" % (r[:100], want)
        else:
            r = mc_request(srv.port, b"set %s 0 0 2\r\nok\r\n" % key.encode(), until=(b"\r\n",))
            if r != b"STORED\r\n":
                return "set -> %r" % r[:100]
            r = mc_request(srv.port, b"get %s\r\n" % key.encode(), until=(b"END\r\n", b"ERROR\r\n"))
            want = b"VALUE %s 0 2\r\nok\r\nEND\r\n" % key.encode()
            if r != want:
                return "get -> %r, want %r" % (r[:100], want)
        mc_request(srv.port, b"delete %s\r\n" % key.encode(), until=(b"\r\n",))
    except (OSError, ConnectionError, ValueError, RuntimeError) as e:
        return "%s: %s" % (transport, e)
    return None


# --------------------------------------------------------------------------- memaslap


_LOG2_ROW = re.compile(r"^\s*(\d+):((?:\s+\d+)+)\s*$")
_HIST_HEAD = re.compile(r"^\s*(Get|Set|Total) Statistics \((\d+) events\)")
_COUNTER = re.compile(r"^(\w+): (\d+)\s*$")
_FINAL = re.compile(r"^Run time: ([\d.]+)s Ops: (\d+) TPS: (\d+)")


def parse_memaslap(text):
    """memaslap's final report: counters, the Run time line, and the three latency histograms
    (log2 buckets: bucket i holds latencies in (2^(i-1), 2^i] microseconds)."""
    out = {"counters": {}, "hist": {}}
    cur = None
    in_dist = False
    for line in text.splitlines():
        m = _HIST_HEAD.match(line)
        if m:
            cur = out["hist"][m.group(1).lower()] = {"events": int(m.group(2)), "dist": {}}
            in_dist = False
            continue
        if cur is not None:
            s = line.strip()
            if s.startswith("Log2 Dist:"):
                in_dist = True
                continue
            if in_dist:
                m = _LOG2_ROW.match(line)
                if m:
                    i = int(m.group(1))
                    for k, c in enumerate(m.group(2).split()):
                        if int(c):
                            cur["dist"][i + k] = int(c)
                    continue
                in_dist = False
                cur = None
            elif ":" in s:
                k, _, v = s.partition(":")
                if k in ("Min", "Max", "Avg", "Geo", "Std"):
                    try:
                        cur[k.lower() + "_us"] = float(v)
                    except ValueError:
                        pass
                    continue
        m = _COUNTER.match(line)
        if m:
            out["counters"][m.group(1)] = int(m.group(2))
            continue
        m = _FINAL.match(line)
        if m:
            out["run_time_s"], out["ops"], out["tps"] = float(m.group(1)), int(m.group(2)), int(m.group(3))
    return out


def log2_percentile(hist, q):
    """(estimate, bucket upper bound) in µs of quantile q from a memaslap log2 histogram:
    linear interpolation inside the power-of-two bucket that holds it, capped at the max."""
    dist = {int(k): v for k, v in hist.get("dist", {}).items()}
    total = sum(dist.values())
    if not total:
        return None, None
    target = q * total
    cum = 0
    for i in sorted(dist):
        c = dist[i]
        if cum + c >= target:
            lo, hi = (2 ** (i - 1) if i > 0 else 0), 2 ** i
            est = lo + (hi - lo) * (target - cum) / c
            mx = hist.get("max_us")
            return (min(est, mx) if mx else est), hi
        cum += c
    return None, None


def memaslap_cmd(a, srv, transport, size, duration):
    cmd = [a.memaslap, "-s", "%s:%d" % (HOST, srv.port), "-F", a.cfg, "-X", str(size),
           "-t", "%ds" % duration, "-S", "%ds" % duration, "-T", str(a.client_threads),
           "-c", str(a.concurrency)]
    if transport == "udp":
        cmd.append("-U")
    elif transport == "binary":
        cmd.append("-B")
    return cmd


def run_memaslap(a, srv, transport, size, duration):
    """One memaslap run against srv; a dict with the measurement, or with "error"."""
    cmd = memaslap_cmd(a, srv, transport, size, duration)
    res = {"server": srv.name, "transport": transport, "size": size, "duration_s": duration,
           "cmd": " ".join(cmd)}
    st0 = mc_stats(srv.port)
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    ticks0 = bench.cpu_ticks(srv.pid)
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=duration + a.run_timeout)
        rc, text = p.returncode, p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        rc, text = "timeout after %.0fs" % (duration + a.run_timeout), (e.stdout or b"").decode(errors="replace")
    wall = time.monotonic() - t0
    try:
        ticks1 = bench.cpu_ticks(srv.pid)
    except (FileNotFoundError, ProcessLookupError):
        ticks1 = None
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    st1 = mc_stats(srv.port) if ticks1 is not None else {}
    res["wall_s"] = round(wall, 3)
    res["client_cpu_s"] = round((ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime), 3)
    parsed = parse_memaslap(text)
    c = parsed["counters"]
    res["counters"] = c
    ops = parsed.get("ops")
    errors = []
    if rc != 0:
        errors.append("memaslap rc=%s" % rc)
    if ticks1 is None:
        errors.append("server process gone")
    if not ops:
        errors.append("no operations completed" if ops is None else "Ops: %d" % ops)
    if ops and c.get("cmd_get") and c.get("get_misses", 0) > MAX_GET_MISS * c["cmd_get"]:
        errors.append("%d of %d gets missed (memaslap only gets keys it has set: the server lost "
                      "or did not store them)" % (c["get_misses"], c["cmd_get"]))
    if ops and wall > duration + OVERRUN_S:
        errors.append("memaslap took %.1fs for a %ds run (stalled outside its timed window, so the "
                      "server CPU sampled over the process lifetime is not the run's)" % (wall, duration))
        res["retryable"] = True
    if "ms_sort_udp_packet: Assertion" in text:
        # libmemcached's memaslap aborts now and then on a UDP reply it did not expect
        # (awesomized/libmemcached#16); a client bug, so the run is retried.
        res["retryable"] = True
    if errors:
        # memaslap's own complaint: an assertion or error line if there is one, else its last lines
        lines = [l.strip() for l in text.strip().splitlines() if l.strip()]
        tail = [l for l in lines if "Assertion" in l or "rror" in l][-2:] or lines[-3:]
        res["error"] = "; ".join(errors) + (": " + " | ".join(tail) if tail else "")
        res["output_tail"] = text[-2000:]
        return res
    tot = parsed["hist"].get("total", {})
    p99, p99_hi = log2_percentile(tot, 0.99)
    p50, _ = log2_percentile(tot, 0.50)
    res.update(ops=ops, run_time_s=parsed["run_time_s"], rps=ops / parsed["run_time_s"],
               cpu_ticks=ticks1 - ticks0, cpu_us_per_op=(ticks1 - ticks0) / CLK_TCK * 1e6 / ops,
               p99_us=p99, p99_bucket_us=p99_hi, p50_us=p50, avg_us=tot.get("avg_us"),
               max_us=tot.get("max_us"), hist=parsed["hist"],
               set_share=c.get("cmd_set", 0) / max(1, c.get("cmd_set", 0) + c.get("cmd_get", 0)))
    # The server's own view, where its `stats` has the fields (memcached does).
    srv_view = {}
    for k in ("cmd_get", "cmd_set", "get_hits", "get_misses", "curr_connections", "curr_items"):
        v0, v1 = stat_int(st0, k), stat_int(st1, k)
        if v0 is not None and v1 is not None:
            srv_view[k] = v1 - v0 if k not in ("curr_connections", "curr_items") else v1
    res["server_stats"] = srv_view
    return res


def cmd_tput(a):
    servers = servers_from(a)
    transports = [t for t in a.transports.split(",") if t]
    sizes = [int(s) for s in a.sizes.split(",") if s]
    with open(a.cfg, "w") as fh:  # key length, value length (overridden by -X), get/set mix
        fh.write("key\n%d %d 1\nvalue\n%d %d 1\ncmd\n0 %.2f\n1 %.2f\n"
                 % (KEY_LEN, KEY_LEN, sizes[0], sizes[0], SET_FRAC, 1 - SET_FRAC))
    with open(a.cfg) as fh:
        cfg_text = fh.read()
    out = {"transports": transports, "sizes": sizes, "reps": a.reps, "duration_s": a.duration,
           "warmup_s": a.warmup, "concurrency": a.concurrency, "client_threads": a.client_threads,
           "memaslap": a.memaslap, "cfg_file": cfg_text, "unsupported": {}, "warmups": [], "samples": []}

    # Preflight: a transport that fails on either server is n/a on both.
    for t in transports:
        for s in servers:
            why = preflight(s, t)
            if why:
                out["unsupported"].setdefault(t, []).append("%s: %s" % (s.name, why))
    for t, why in out["unsupported"].items():
        log("warning: %s is n/a: %s" % (t, "; ".join(why)))
    for s in servers:
        try:
            out.setdefault("versions", {})[s.name] = mc_request(s.port, b"version\r\n", until=(b"\r\n",)).decode(
                errors="replace").strip()
        except (OSError, ConnectionError, ValueError) as e:
            out.setdefault("versions", {})[s.name] = "? (%s)" % e
    run_transports = [t for t in transports if t not in out["unsupported"]]

    # The warm-up runs over a stream transport when one is measured (text before binary).
    warm_transport = next((t for t in ("tcp", "binary", "udp") if t in run_transports), None)
    broken = {}
    total = len(run_transports) * len(sizes) * a.reps * len(servers)
    done = 0
    for size in sizes:
        if not run_transports:
            break
        # Unmeasured: first contact for this value size (slab class, buffers, hash table growth).
        for s in servers:
            r = run_memaslap(a, s, warm_transport, size, a.warmup)
            out["warmups"].append(r)
            if "error" in r:
                log("warm-up %dB on %s FAILED: %s" % (size, s.name, r["error"]))
                if not bench.proc_alive(s.pid):
                    broken[s.name] = "died in the %d-byte warm-up" % size
            else:
                log("warm-up %5dB %-9s %10s ops/s (%ds, unmeasured)" % (size, s.name, bench.fmt_int(r["rps"]), a.warmup))
        for t in run_transports:
            for rep in range(a.reps):
                for s in (servers if rep % 2 == 0 else servers[::-1]):
                    done += 1
                    if s.name in broken:
                        continue
                    failed_attempts = []
                    r = run_memaslap(a, s, t, size, a.duration)
                    while r.get("retryable") and len(failed_attempts) < RETRIES:
                        log("[%2d/%d] %-6s %5dB %-9s rep %d: client failure, retrying: %s"
                            % (done, total, t, size, s.name, rep + 1, r["error"]))
                        failed_attempts.append({k: r[k] for k in ("error", "wall_s", "output_tail") if k in r})
                        time.sleep(1.0)
                        r = run_memaslap(a, s, t, size, a.duration)
                    r["rep"] = rep + 1
                    r["failed_attempts"] = failed_attempts
                    out["samples"].append(r)
                    if "error" in r:
                        log("[%2d/%d] %-6s %5dB %-9s rep %d: FAILED %s" % (done, total, t, size, s.name, rep + 1, r["error"]))
                        if not bench.proc_alive(s.pid):
                            broken[s.name] = "died during %s %dB rep %d" % (t, size, rep + 1)
                            log("error: %s is gone; skipping its remaining runs" % s.name)
                        continue
                    c = r["counters"]
                    udp = (", udp_timeout %d, packet_drop %d" % (c.get("udp_timeout", 0), c.get("packet_drop", 0))
                           if t == "udp" else "")
                    log("[%2d/%d] %-6s %5dB %-9s rep %d: %10s ops/s  %6.3f us CPU/op  p99 ~%5.0f us  "
                        "(client CPU %.0f%% of a core, sets %.1f%%, get misses %d%s)"
                        % (done, total, t, size, s.name, rep + 1, bench.fmt_int(r["rps"]), r["cpu_us_per_op"],
                           r["p99_us"] or float("nan"), 100.0 * r["client_cpu_s"] / max(r["wall_s"], 1e-9),
                           100.0 * r["set_share"], c.get("get_misses", 0), udp))
    out["broken"] = broken
    out["threads"] = {s.name: bench.proc_status(s.pid).get("Threads", "?") for s in servers}
    out["rss_after"] = {s.name: bench.proc_status(s.pid).get("VmRSS", "?") for s in servers}
    write_json(a.out, out)
    bad = broken or any("error" in r for r in out["samples"] + out["warmups"]) or out["unsupported"]
    return 1 if bad else 0


# --------------------------------------------------------------------------- bytes


def wait_hash_expansion(srv, cap_s=30.0):
    """memcached grows its hash table in a background thread: wait until it is done."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < cap_s:
        if mc_stats(srv.port).get("hash_is_expanding", "0") == "0":
            return round(time.monotonic() - t0, 2)
        time.sleep(0.1)
    return None


def check_items(srv, n, samples=200):
    """Sampled gets (first, last and evenly spaced keys) must return the stored values."""
    ids = sorted({0, n - 1} | {(n - 1) * k // samples for k in range(samples)})
    payload = b"".join(b"get key:%012d\r\n" % i for i in ids)
    with socket.create_connection((HOST, srv.port), timeout=10) as s:
        s.sendall(payload)
        f = s.makefile("rb")
        for i in ids:
            want = b"VALUE key:%012d 0 32\r\n" % i
            line = f.readline()
            if line != want:
                return "get key:%012d -> %r, want %r" % (i, line[:80], want)
            if f.readline() != b"val:%028d\r\n" % i or f.readline() != b"END\r\n":
                return "get key:%012d returned the wrong value" % i
    return None


def cmd_bytes(a):
    servers = servers_from(a)
    if a.rep % 2 == 0:
        servers = servers[::-1]
    settle = 0.3 if a.quick else 1.0
    spans = [range(lo, min(a.items, lo + BYTES_BATCH)) for lo in range(0, a.items, BYTES_BATCH)]
    t_gen = time.monotonic()
    # Every set but the last of a batch is noreply; the last one's STORED says the batch is in.
    payloads = [b"".join(b"set key:%012d 0 0 32 noreply\r\nval:%028d\r\n" % (i, i) for i in sp[:-1])
                + b"set key:%012d 0 0 32\r\nval:%028d\r\n" % (sp[-1], sp[-1]) for sp in spans]
    log("bytes rep %d: %d sets generated in %.1fs" % (a.rep, a.items, time.monotonic() - t_gen))
    res = {"rep": a.rep, "items": a.items, "settle_s": settle, "servers": {}}
    failed = False
    time.sleep(settle)
    for srv in servers:
        r = res["servers"][srv.name] = {}
        try:
            st0 = mc_stats(srv.port)
            rss0, used0 = rss_bytes(srv), used_memory(srv)
            pipe = memory.Pipe(srv.port, memcache=True)
            t0 = time.monotonic()
            for k, payload in enumerate(payloads):
                rep = pipe.exchange(payload, 1)[0]
                if rep != "STORED":
                    raise RuntimeError("batch %d: reply %r (want one STORED per batch: an error for a "
                                       "noreply set, or a refused set)" % (k, rep))
            r["load_s"] = round(time.monotonic() - t0, 3)
            pipe.sock.close()
            r["hash_expand_wait_s"] = wait_hash_expansion(srv)
            time.sleep(settle)
            rss1, used1 = rss_bytes(srv), used_memory(srv)
            st1 = mc_stats(srv.port)
            b0, b1 = stat_int(st0, "bytes"), stat_int(st1, "bytes")
            r.update(rss_before=rss0, rss_after=rss1, rss_per_item=(rss1 - rss0) / a.items,
                     stats_bytes_before=b0, stats_bytes_after=b1,
                     stats_bytes_per_item=(b1 - b0) / a.items if b0 is not None and b1 is not None else None,
                     used_memory_before=used0, used_memory_after=used1,
                     used_memory_per_item=(used1 - used0) / a.items if used0 is not None and used1 is not None else None,
                     curr_items=stat_int(st1, "curr_items"), hash_bytes=stat_int(st1, "hash_bytes"),
                     evictions=stat_int(st1, "evictions"), limit_maxbytes=stat_int(st1, "limit_maxbytes"),
                     vmhwm=bench.proc_status(srv.pid).get("VmHWM"))
            problems = []
            if r["curr_items"] is None:
                problems.append("`stats` has no curr_items (item count not verifiable that way)")
            elif r["curr_items"] != a.items:
                problems.append("curr_items %d after loading %d" % (r["curr_items"], a.items))
            if r["evictions"]:
                problems.append("%d evictions" % r["evictions"])
            why = check_items(srv, a.items)
            if why:
                problems.append("sampled gets: " + why)
            r["problems"] = problems
            if any(not p.startswith("`stats` has no") for p in problems):
                failed = True
            log("bytes rep %d: %-9s %6.1f B/item RSS, stats bytes %s B/item, used_memory %s B/item, "
                "curr_items %s (load %.1fs)%s"
                % (a.rep, srv.name, r["rss_per_item"], f2(r["stats_bytes_per_item"], 1),
                   f2(r["used_memory_per_item"], 1), r["curr_items"], r["load_s"],
                   ("  **" + "; ".join(problems) + "**") if problems else ""))
        except (OSError, RuntimeError, ValueError, ConnectionError, TimeoutError) as e:
            r["error"] = str(e)
            failed = True
            log("bytes rep %d: %s FAILED: %s" % (a.rep, srv.name, e))
    write_json(a.out, res)
    return 1 if failed else 0


# --------------------------------------------------------------------------- report


def cmd_report(a):
    load = report.load_json
    tput = load(os.path.join(a.work, "tput.json"))
    reps = [load(p) for p in sorted(glob.glob(os.path.join(a.work, "bytes-*.json")),
                                     key=lambda p: int(p.rsplit("-", 1)[1].split(".")[0]))]
    only = a.only.split(",")
    cmds = []  # (tag, server, command line) of every server started, in order
    if os.path.exists(os.path.join(a.work, "servers.tsv")):
        with open(os.path.join(a.work, "servers.tsv")) as fh:
            cmds = [tuple(line.rstrip("\n").split("\t", 2)) for line in fh if line.strip()]
    first_cmd = {}
    for _, name, cmd in cmds:
        first_cmd.setdefault(name, cmd.strip())
    now = datetime.datetime.now().astimezone()
    M, T = "memcached", "tessera"
    L = ["# Tessera vs memcached (memcached protocol) — %s" % now.strftime("%Y-%m-%d %H:%M:%S %Z"), "",
         "- Machine: %s, nproc %s, %s, CPU %s" % (platform.node(), a.nproc, a.kernel, bench.cpu_model()),
         "- memcached: %s (`%s`)" % (a.memcached_version.strip(), first_cmd.get("memcached", "?")),
         "- tessera-server: commit %s (`%s`)" % (a.tessera_commit, first_cmd.get("tessera", a.tessera_server)),
         "- Threads: memcached -t %s, tessera --threads %s%s"
         % (a.threads, a.threads, "; OS threads: %s" % ", ".join("%s %s" % kv for kv in tput["threads"].items())
            if tput and tput.get("threads") else ""),
         "- Load tool: %s (%s)" % (a.memaslap, a.tool_version.strip()),
         "- Command: `%s`" % a.command, ""]
    problems, notes, summary = [], [], []

    # ---- throughput
    rows = []
    if tput:
        L += ["## Throughput: 90% get / 10% set", "",
              "memaslap -T %d -c %d, %d-byte keys, %d s per run (%d s unmeasured warm-up per server and value "
              "size), %d rep(s), median; servers alternate which goes first. **The client runs on the same "
              "%s cores as both servers** (memaslap pins its worker thread%s to %s itself; the "
              "servers are not pinned), so ops/s is a client+server figure; the CPU µs/op columns are "
              "the server's own cost."
              % (tput["client_threads"], tput["concurrency"], KEY_LEN, tput["duration_s"], tput["warmup_s"],
                 tput["reps"], a.nproc, "s" if tput["client_threads"] > 1 else "",
                 "CPU 0" if tput["client_threads"] == 1 else "CPUs 0..%d (modulo nproc)" % (tput["client_threads"] - 1)), "",
              "| transport | value B | memcached ops/s | tessera ops/s | ops T/M | memcached CPU µs/op | "
              "tessera CPU µs/op | CPU T/M | memcached p99 µs | tessera p99 µs | p99 T/M | client CPU % |",
              "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"]
        samples = tput["samples"]
        for size in tput["sizes"]:
            for t in tput["transports"]:
                if t in tput["unsupported"]:
                    L.append("| %s | %d | n/a | n/a | unsupported | | | | | | | |" % (t, size))
                    continue

                def m(name, key):
                    return med([r.get(key) for r in samples if r["server"] == name and r["transport"] == t
                                and r["size"] == size and "error" not in r])
                mr, tr = m(M, "rps"), m(T, "rps")
                mc, tc = m(M, "cpu_us_per_op"), m(T, "cpu_us_per_op")
                m99, t99 = m(M, "p99_us"), m(T, "p99_us")
                ccpu = med([100.0 * r["client_cpu_s"] / max(r["wall_s"], 1e-9) for r in samples
                            if r["transport"] == t and r["size"] == size and "error" not in r])
                row = {"transport": t, "size": size, "memcached_rps": mr, "tessera_rps": tr,
                       "rps_ratio": bench.ratio(tr, mr), "memcached_cpu_us_per_op": mc,
                       "tessera_cpu_us_per_op": tc, "cpu_ratio": bench.ratio(tc, mc),
                       "memcached_p99_us": m99, "tessera_p99_us": t99, "p99_ratio": bench.ratio(t99, m99),
                       "client_cpu_pct": ccpu}
                rows.append(row)
                L.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |"
                         % (t, size, bench.fmt_int(mr), bench.fmt_int(tr), f2(row["rps_ratio"]), f2(mc, 3),
                            f2(tc, 3), f2(row["cpu_ratio"]), f2(m99, 0), f2(t99, 0), f2(row["p99_ratio"]),
                            f2(ccpu, 0)))
                summary.append(("%s %dB ops/s" % (t, size), bench.fmt_int(mr), bench.fmt_int(tr), f2(row["rps_ratio"])))
                summary.append(("%s %dB CPU µs/op" % (t, size), f2(mc, 3), f2(tc, 3), f2(row["cpu_ratio"])))
        L.append("")
        res_us = 1e6 / CLK_TCK / max(1, min([r["ops"] for r in samples if "ops" in r] or [1]))
        L += ["- ops/s: memaslap's `Ops` / its run time. CPU µs/op: Δ(utime+stime) of the server process "
              "(all threads, /proc/PID/stat) over the whole memaslap process lifetime / Ops; resolution "
              "1 tick / Ops, here ≤ %.4f µs." % res_us,
              "- p99: estimated from memaslap's latency histogram (all ops), which has power-of-two buckets: "
              "linear interpolation inside the bucket holding the 99th percentile, so the true value lies "
              "within a factor of 2 (the bucket bounds are in the JSON, `p99_bucket_us`). Latency is "
              "measured by the client, queueing in the client included.",
              "- Gets always hit by construction: memaslap only gets keys it has set earlier in the same run "
              "(a get on a not-yet-set key becomes a set), and sets always create fresh keys (overwrite "
              "proportion 0), so the key space grows by the set rate during each run and nothing is "
              "pre-loaded from outside. memaslap's `get_misses` is checked (> %d%% of gets fails the run)."
              % int(100 * MAX_GET_MISS), ""]
        gm = {n: sum(r["counters"].get("get_misses", 0) for r in samples if r["server"] == n and "error" not in r)
              for n in (M, T)}
        gg = {n: sum(r["counters"].get("cmd_get", 0) for r in samples if r["server"] == n and "error" not in r)
              for n in (M, T)}
        sv = {}
        for n in (M, T):
            ss = [r["server_stats"] for r in samples if r["server"] == n and "error" not in r]
            if ss and all("get_hits" in x and "cmd_get" in x for x in ss):
                sv[n] = (sum(x["get_hits"] for x in ss), sum(x["cmd_get"] for x in ss))
        L.append("Get misses reported by memaslap over all measured runs: %s. Server `stats` get_hits / cmd_get "
                 "over the runs: %s." % (", ".join("%s %d of %d" % (n, gm[n], gg[n]) for n in (M, T)),
                                         ", ".join("%s %d / %d" % (n, h, g) for n, (h, g) in sv.items()) or "n/a"))
        udp = [r for r in samples if r["transport"] == "udp" and "error" not in r]
        if udp:
            L.append("UDP: memaslap counted udp_timeout %s, packet_drop %s, packet_disorder %s (summed over the "
                     "measured UDP runs per server); a lost datagram stalls that connection until memaslap's "
                     "1 s timeout, which lowers the run's ops/s."
                     % tuple(", ".join("%s %d" % (n, sum(r["counters"].get(k, 0) for r in udp if r["server"] == n))
                                       for n in (M, T)) for k in ("udp_timeout", "packet_drop", "packet_disorder")))
        L.append("")
        for t, why in tput["unsupported"].items():
            problems.append("%s n/a on both servers (preflight failed): %s" % (t, "; ".join(why)))
        for r in samples + tput["warmups"]:
            if "error" in r:
                problems.append("%s %s %dB%s: %s" % (r["server"], r["transport"], r["size"],
                                                      " rep %d" % r["rep"] if "rep" in r else " warm-up", r["error"]))
        for r in samples:
            for f in r.get("failed_attempts", []):
                notes.append("%s %s %dB rep %d retried (client failure, not counted): %s"
                             % (r["server"], r["transport"], r["size"], r["rep"], f["error"]))
        for n, why in tput.get("broken", {}).items():
            problems.append("%s %s; its remaining runs were skipped" % (n, why))
        L += ["Load tool invocations, unmeasured warm-ups first (the config file `-F`, in the work "
              "directory, is shown below; `-X` overrides its value length):", "", "```"]
        seen = []
        for r in tput["warmups"] + samples:
            line = ("%-8s " % ("warm-up" if "rep" not in r else "measured")) + r["cmd"]
            if line not in seen:
                seen.append(line)
        L += seen + ["```", "", "memaslap config file (`-F`):", "", "```", tput["cfg_file"].rstrip(), "```", ""]

    # ---- bytes per item
    brows = {}
    if reps:
        n_items = reps[0]["items"]
        L += ["## Bytes per item", "",
              "%s items `key:%%012d` (16 B) -> distinct 32-byte values, `set k 0 0 32 noreply` in pipelined "
              "batches of %s (each batch's last set acknowledged), fresh servers for each of %d rep(s), "
              "one server loaded at a time. B/item = VmRSS growth (/proc/PID/status, read after a settle; "
              "memcached: also after its hash-table expansion finished) / items. `stats bytes` is memcached's "
              "item memory only (no hash table, no slab slack); used_memory is tessera's INFO on its RESP port."
              % (bench.fmt_int(n_items), bench.fmt_int(BYTES_BATCH), len(reps)), "",
              "| server | RSS B/item (median) | per rep | stats bytes B/item | used_memory B/item | RSS before → after MiB | curr_items | load s |",
              "|---|--:|---|--:|--:|--:|--:|--:|"]
        for n in (M, T):
            rs = [r["servers"].get(n, {}) for r in reps]
            ok = [x for x in rs if "rss_per_item" in x]
            for x in rs:
                if "error" in x:
                    problems.append("bytes %s: %s" % (n, x["error"]))
                for p in x.get("problems", []):
                    (notes if p.startswith("`stats` has no") else problems).append("bytes %s: %s" % (n, p))
            if not ok:
                L.append("| %s | ERR | | | | | | |" % n)
                continue
            brows[n] = {"rss_per_item": med([x["rss_per_item"] for x in ok]),
                        "stats_bytes_per_item": med([x["stats_bytes_per_item"] for x in ok]),
                        "used_memory_per_item": med([x["used_memory_per_item"] for x in ok])}
            last = ok[-1]
            L.append("| %s | %.1f | %s | %s | %s | %.0f → %.0f | %s | %s |"
                     % (n, brows[n]["rss_per_item"], ", ".join("%.1f" % x["rss_per_item"] for x in ok),
                        f2(brows[n]["stats_bytes_per_item"], 1), f2(brows[n]["used_memory_per_item"], 1),
                        last["rss_before"] / 2**20, last["rss_after"] / 2**20,
                        ", ".join(str(x["curr_items"]) for x in ok), ", ".join("%.1f" % x["load_s"] for x in ok)))
        L.append("")
        if M in brows and T in brows:
            rt = bench.ratio(brows[T]["rss_per_item"], brows[M]["rss_per_item"])
            L += ["RSS bytes/item ratio tessera/memcached: %s (memcached -m %s MB, so nothing is evicted; "
                  "memcached's hash table: %s MiB)." % (f2(rt), a.memcached_mb,
                                                       f2((reps[-1]["servers"][M].get("hash_bytes") or 0) / 2**20, 1)), ""]
            summary.append(("bytes/item (RSS)", "%.1f" % brows[M]["rss_per_item"], "%.1f" % brows[T]["rss_per_item"], f2(rt)))

    wanted = {"throughput": any(t in only for t in ("tcp", "udp", "binary")), "bytes": "bytes" in only}
    for x in [x for x, d in (("throughput", tput), ("bytes", reps)) if wanted[x] and not d]:
        problems.append("%s: no results (the step failed before writing them; see the log)" % x)
    if cmds:
        L += ["Server command lines (fresh ports and data directory for every start; `tput` = the "
              "throughput servers, `bytesN` = bytes-per-item rep N):", "", "```"]
        L += ["%-7s %s" % (tag, cmd.strip()) for tag, _, cmd in cmds] + ["```", ""]
    if summary:
        L += report.summary_table(summary, (M, T), "T/M")
    return report.save(L, "memcache", now, a, {"throughput_rows": rows, "bytes_medians": brows},
                       summary, problems, notes, {"tput": tput, "bytes": reps})


# --------------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    bench.add_free_ports_parser(sub)
    wr = sub.add_parser("wait-ready")
    wr.add_argument("--name", default="server")
    wr.add_argument("--pid", type=int, required=True)
    wr.add_argument("--port", type=int, required=True)
    wr.add_argument("--timeout", type=float, default=15.0)

    tp = sub.add_parser("tput")
    tp.add_argument("--server", action="append", required=True, help="name:port:pid:resp_port")
    tp.add_argument("--transports", default="tcp,udp")
    tp.add_argument("--sizes", default="32,1024")
    tp.add_argument("--reps", type=int, default=3)
    tp.add_argument("--duration", type=int, default=10)
    tp.add_argument("--warmup", type=int, default=3)
    tp.add_argument("--concurrency", type=int, default=64)
    tp.add_argument("--client-threads", type=int, default=1)
    tp.add_argument("--memaslap", default="/usr/bin/memcaslap")
    tp.add_argument("--cfg", required=True, help="memaslap config file to write")
    tp.add_argument("--run-timeout", type=float, default=60.0, help="seconds past the run time before a run counts as hung")
    tp.add_argument("--out", required=True)

    bp = sub.add_parser("bytes")
    bp.add_argument("--server", action="append", required=True)
    bp.add_argument("--items", type=int, default=1_000_000)
    bp.add_argument("--rep", type=int, default=1)
    bp.add_argument("--quick", action="store_true")
    bp.add_argument("--out", required=True)

    rp = sub.add_parser("report")
    for opt in ("work", "results-dir", "tessera-server", "tessera-commit", "memcached-version",
                "memcached-mb", "threads", "tool-version", "memaslap", "nproc", "kernel", "command", "only"):
        rp.add_argument("--" + opt, required=True)

    return report.run_main(ap, {"free-ports": bench.cmd_free_ports, "wait-ready": cmd_wait_ready, "tput": cmd_tput,
                                "bytes": cmd_bytes, "report": cmd_report})


if __name__ == "__main__":
    sys.exit(main())
