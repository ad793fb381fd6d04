#!/usr/bin/env python3
"""Driver of bench/txn.sh: MULTI / EXEC throughput (stdlib only).

  wait-ready  until the server answers PING
  run     one load against one server: bench/txn_load (C++, one epoll thread) keeps `depth`
          transactions in flight on each connection (MULTI, 5 commands, EXEC, pipelined) and
          counts them; this samples the server's CPU over the measured window
  report  medians over the repetitions, the side-by-side table (docs/benchmarks.md)

A transaction is MULTI / SET a / SET b / GET a / GET b / SET c / EXEC on keys of its own
connection: "spread" keys have no hash tag (at --threads N they land on different shards and
EXEC runs atomically across them), "tagged" keys share one ({c<n>}), so one shard runs it.
"""

import argparse
import datetime
import glob
import os
import subprocess
import time

import bench
import report

VALUE = b"v" * 16


def cmd_run(a):
    name, port, pid = a.server.split(":")[:3]
    port, pid = int(port), int(pid)
    tool = subprocess.Popen([a.load_tool, str(port), str(a.conns), str(a.depth), str(a.duration), str(a.warmup),
                             a.variant], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(a.warmup)
    c0 = bench.cpu_ticks(pid)
    out_text, err_text = tool.communicate(timeout=a.duration + a.warmup + 60)
    c1 = bench.cpu_ticks(pid)  # the tool stops sending at the end of the window
    errors = [] if tool.returncode == 0 else ["load tool exit %d: %s" % (tool.returncode, err_text.strip()[:300])]
    fields = dict(kv.split("=") for kv in out_text.split()) if not errors else {}
    txns = int(fields.get("txns", 0))
    hz = os.sysconf("SC_CLK_TCK")
    out = {"server": name, "variant": a.variant, "rep": a.rep, "errors": errors,
           "txns_per_s": txns / a.duration if txns else None,
           "cpu_us_per_txn": (c1 - c0) / hz * 1e6 / txns if txns else None,
           "p99_ms": int(fields["p99_us"]) / 1000 if txns else None}
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
        ratio = lambda k: bench.ratio(med["tessera"][k], med["redis"][k])  # noqa: E731
        rows += [("%s txn/s" % variant, report.f2(med["redis"]["txns_per_s"], 0),
                  report.f2(med["tessera"]["txns_per_s"], 0), report.f2(ratio("txns_per_s"))),
                 ("%s CPU us/txn" % variant, report.f2(med["redis"]["cpu_us_per_txn"]),
                  report.f2(med["tessera"]["cpu_us_per_txn"]), report.f2(ratio("cpu_us_per_txn"))),
                 ("%s p99 ms (batch of %d)" % (variant, a.depth), report.f2(med["redis"]["p99_ms"]),
                  report.f2(med["tessera"]["p99_ms"]), report.f2(ratio("p99_ms")))]
        table.append({"variant": variant, "median": med})
    now = datetime.datetime.now()
    lines = ["# MULTI/EXEC benchmark", "",
             "%s; tessera --threads %s; %d connections from one client thread, %d transactions in flight "
             "per connection, %s s per run, %d reps, medians." % (a.commit, a.threads, a.conns, a.depth,
                                                                  a.duration, a.reps), ""]
    lines += report.summary_table(rows, ["redis", "tessera"], "T/R")
    return report.save(lines, "txn", now, a, {"table": table}, rows, problems, [], runs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    bench.add_wait_ready_parser(sub)
    r = sub.add_parser("run")
    r.add_argument("--server", required=True, help="name:port:pid")
    r.add_argument("--variant", choices=["spread", "tagged"], required=True)
    r.add_argument("--rep", type=int, default=1)
    r.add_argument("--load-tool", required=True, help="the built bench/txn_load.cc")
    r.add_argument("--out", required=True)
    p = sub.add_parser("report")
    p.add_argument("--work", required=True)
    p.add_argument("--results-dir", required=True)
    p.add_argument("--commit", default="")
    p.add_argument("--threads", default="")
    p.add_argument("--reps", type=int, default=1)
    for x in (r, p):
        x.add_argument("--conns", type=int, default=32)
        x.add_argument("--depth", type=int, default=4)
        x.add_argument("--duration", type=float, default=5)
        x.add_argument("--warmup", type=float, default=1)
    return report.run_main(ap, {"wait-ready": bench.cmd_wait_ready, "run": cmd_run, "report": cmd_report})


if __name__ == "__main__":
    main()
