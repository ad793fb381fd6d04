#!/usr/bin/env python3
"""Driver of bench/txn.sh: MULTI / EXEC throughput (stdlib only).

  wait-ready  until the server answers PING
  run     one load against one server: client processes, each with many connections, keep
          `depth` transactions in flight per connection (MULTI, 5 commands, EXEC, pipelined);
          counts transactions, samples the server's CPU, times each batch
  report  medians over the repetitions, the side-by-side table (docs/benchmarks.md)

A transaction is MULTI / SET a / SET b / GET a / GET b / SET c / EXEC on keys of its own
connection: "spread" keys have no hash tag (at --threads N they land on different shards and
EXEC runs atomically across them), "tagged" keys share one ({c<n>}), so one shard runs it.
Every reply has a fixed size, so the client counts bytes instead of parsing.
"""

import argparse
import datetime
import glob
import multiprocessing
import os
import selectors
import socket
import time

import bench
import report

VALUE = b"v" * 16


def transaction(conn_id, variant):
    tag = ("{c%d}" % conn_id) if variant == "tagged" else ("c%d:" % conn_id)
    a, b, c = (tag + k for k in ("a", "b", "c"))
    cmds = [("MULTI",), ("SET", a, VALUE), ("SET", b, VALUE), ("GET", a), ("GET", b), ("SET", c, VALUE),
            ("EXEC",)]
    request = b"".join(bench.resp_encode(x) for x in cmds)
    bulk = b"$%d\r\n%s\r\n" % (len(VALUE), VALUE)
    reply = b"+OK\r\n" + b"+QUEUED\r\n" * 5 + b"*5\r\n+OK\r\n+OK\r\n" + bulk * 2 + b"+OK\r\n"
    return request, len(reply), reply


def client(port, first_id, conns, variant, depth, duration, warmup, out_q):
    sel = selectors.DefaultSelector()
    state = {}
    for i in range(conns):
        s = socket.create_connection(("127.0.0.1", port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        req, size, reply = transaction(first_id + i, variant)
        # one check of the exact reply before the load
        s.sendall(req)
        got = b""
        while len(got) < size:
            got += s.recv(65536)
        if got != reply:
            out_q.put({"error": "unexpected reply %r" % got[:200]})
            return
        s.setblocking(False)
        state[s] = {"req": req * depth, "want": size * depth, "got": 0, "t0": 0.0}
        sel.register(s, selectors.EVENT_READ)
    t_start = time.monotonic()
    t_measure = t_start + warmup
    t_end = t_measure + duration
    done, lat = 0, []
    for s, st in state.items():
        st["t0"] = time.monotonic()
        s.sendall(st["req"])
    while True:
        now = time.monotonic()
        if now >= t_end:
            break
        for key, _ in sel.select(timeout=0.5):
            s, st = key.fileobj, state[key.fileobj]
            data = s.recv(1 << 20)
            if not data:
                out_q.put({"error": "server closed a connection"})
                return
            st["got"] += len(data)
            if st["got"] >= st["want"]:
                now = time.monotonic()
                if now >= t_measure:
                    done += depth
                    lat.append(now - st["t0"])
                st["got"] -= st["want"]
                st["t0"] = now
                s.sendall(st["req"])
    out_q.put({"txns": done, "lat": lat})


def cpu_ticks(pid):
    with open("/proc/%d/stat" % pid) as fh:
        f = fh.read().rsplit(")", 1)[1].split()
    return int(f[11]) + int(f[12])


def cmd_run(a):
    name, port, pid = a.server.split(":")[:3]
    port, pid = int(port), int(pid)
    q = multiprocessing.Queue()
    per = a.conns // a.procs
    procs = [multiprocessing.Process(target=client, args=(port, i * per, per, a.variant, a.depth, a.duration,
                                                          a.warmup, q)) for i in range(a.procs)]
    for p in procs:
        p.start()
    time.sleep(a.warmup)
    c0, t0 = cpu_ticks(pid), time.monotonic()
    results = [q.get(timeout=a.duration + a.warmup + 60) for _ in procs]
    c1, t1 = cpu_ticks(pid), time.monotonic()
    for p in procs:
        p.join(10)
    errors = [r["error"] for r in results if "error" in r]
    txns = sum(r.get("txns", 0) for r in results)
    lat = sorted(x for r in results for x in r.get("lat", []))
    hz = os.sysconf("SC_CLK_TCK")
    out = {"server": name, "variant": a.variant, "rep": a.rep, "errors": errors,
           "txns_per_s": txns / a.duration if not errors else None,
           "cpu_us_per_txn": (c1 - c0) / hz * 1e6 / txns if txns and not errors else None,
           "p99_ms": lat[int(len(lat) * 0.99)] * 1000 if lat else None,
           "cpu_window_s": t1 - t0}
    report.write_json(a.out, out)
    bench.log("%s %s rep %d: %s txn/s, %s us CPU/txn, p99 %s ms%s" % (
        name, a.variant, a.rep, report.f2(out["txns_per_s"], 0), report.f2(out["cpu_us_per_txn"]),
        report.f2(out["p99_ms"]), (" ERRORS: %s" % errors) if errors else ""))
    return 1 if errors else 0


def cmd_report(a):
    runs = [report.load_json(p) for p in sorted(glob.glob(os.path.join(a.work, "txn-*.json")))]
    servers = ["redis", "tessera"]
    rows, problems, table = [], [], []
    for variant in ("spread", "tagged"):
        med = {}
        for s in servers:
            rs = [r for r in runs if r and r["server"] == s and r["variant"] == variant]
            problems += ["%s %s: %s" % (s, variant, e) for r in rs for e in r["errors"]]
            med[s] = {k: report.med([r[k] for r in rs]) for k in ("txns_per_s", "cpu_us_per_txn", "p99_ms")}
        if not any(med[s]["txns_per_s"] for s in servers):
            continue
        ratio = lambda k: (med["tessera"][k] / med["redis"][k]  # noqa: E731
                           if med["tessera"][k] and med["redis"][k] else None)
        rows += [("%s txn/s" % variant, report.f2(med["redis"]["txns_per_s"], 0),
                  report.f2(med["tessera"]["txns_per_s"], 0), report.f2(ratio("txns_per_s"))),
                 ("%s CPU us/txn" % variant, report.f2(med["redis"]["cpu_us_per_txn"]),
                  report.f2(med["tessera"]["cpu_us_per_txn"]), report.f2(ratio("cpu_us_per_txn"))),
                 ("%s p99 ms (batch of %d)" % (variant, a.depth), report.f2(med["redis"]["p99_ms"]),
                  report.f2(med["tessera"]["p99_ms"]), report.f2(ratio("p99_ms")))]
        table.append({"variant": variant, "median": med})
    now = datetime.datetime.now()
    lines = ["# MULTI/EXEC benchmark", "",
             "%s; tessera --threads %s; %d connections in %d client processes, %d transactions in flight "
             "per connection, %s s per run, %d reps, medians." % (a.commit, a.threads, a.conns, a.procs, a.depth,
                                                                  a.duration, a.reps), ""]
    lines += report.summary_table(rows, ["redis", "tessera"], "T/R")
    return report.save(lines, "txn", now, a, {"table": table}, rows, problems, [], runs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    wr = sub.add_parser("wait-ready")
    wr.add_argument("--pid", type=int, required=True)
    wr.add_argument("--port", type=int, required=True)
    wr.add_argument("--name", default="server")
    wr.add_argument("--timeout", type=float, default=15.0)
    r = sub.add_parser("run")
    r.add_argument("--server", required=True, help="name:port:pid")
    r.add_argument("--variant", choices=["spread", "tagged"], required=True)
    r.add_argument("--rep", type=int, default=1)
    r.add_argument("--out", required=True)
    p = sub.add_parser("report")
    p.add_argument("--work", required=True)
    p.add_argument("--results-dir", required=True)
    p.add_argument("--commit", default="")
    p.add_argument("--threads", default="")
    p.add_argument("--reps", type=int, default=1)
    for x in (r, p):
        x.add_argument("--conns", type=int, default=32)
        x.add_argument("--procs", type=int, default=2)
        x.add_argument("--depth", type=int, default=4)
        x.add_argument("--duration", type=float, default=5)
        x.add_argument("--warmup", type=float, default=1)
    return report.run_main(ap, {"wait-ready": bench.cmd_wait_ready, "run": cmd_run, "report": cmd_report})


if __name__ == "__main__":
    main()
