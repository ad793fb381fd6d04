#!/usr/bin/python3
"""Streams benchmark driver for bench/streams.sh (stdlib only).

streams.sh owns the server processes (free ports, setsid, trap-based stop, via bench/lib.sh);
this helper drives redis-benchmark against them, reads /proc, writes JSON into the work
directory, and `report` turns it into the summary (printed, and saved as
bench/results/streams-<stamp>.{md,json}). Servers are passed as --server name:port:pid.

  run     Per rep, the servers alternating which goes first, each through
          bench.run_benchmark (redis-benchmark -c 50 -P 16 --csv; ops/s, server CPU per op from
          /proc/PID/stat, p99):
            XADD        `XADD bench:stream MAXLEN ~ 1000000 * f __rand_int__` (N runs)
            XREADGROUP  `XREADGROUP GROUP g c COUNT 1 STREAMS bench:group >` over a stream
                        refilled (untimed) with N entries before each rep
            XACK        `XACK bench:group g __rand_int__-0` with -r N: acknowledges the
                        pending entries the XREADGROUP run created (random order)
          and bytes per entry: INFO used_memory growth over N/2 entries of
          `f <16-digit value>` appended with explicit IDs, / (N/2).
  report  Summary table + raw data.
"""

import argparse
import datetime
import os
import platform
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (shared: log, resp_call, resp_encode, resp_pipeline, run_benchmark)
import report  # noqa: E402  (shared: med, f2, write_json, load_json, summary_table, save, run_main)
from report import f2, med, write_json  # noqa: E402

log = bench.log
GROUP_KEY, BYTES_KEY = "bench:group", "bench:bytes"
TESTS = {
    "XADD": {"command": ["XADD", "bench:stream", "MAXLEN", "~", "1000000", "*", "f", "__rand_int__"]},
    "XREADGROUP": {"command": ["XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", GROUP_KEY, ">"]},
    "XACK": {"command": ["XACK", GROUP_KEY, "g", "__rand_int__-0"]},
}
for _name, _t in TESTS.items():
    _t["csv"] = _name
    bench.TESTS.setdefault(_name, _t)


def servers_from(a):
    out = []
    for spec in a.server:
        name, port, pid = spec.split(":")
        out.append(bench.Server(name, int(port), int(pid)))
    return out


def fill(srv, key, n, start=1):
    """DEL key, then n entries with IDs start-0 .. (explicit, so both servers hold the same)."""
    bench.resp_call(srv.port, ["DEL", key])
    cmds = (bench.resp_encode(["XADD", key, "%d-0" % i, "f", "%016d" % i]) for i in range(start, start + n))
    errors = [r for r in bench.resp_pipeline(srv.port, cmds, group=500) if isinstance(r, bench.RespError)]
    if errors:
        raise RuntimeError("filling %s on %s: %s" % (key, srv.name, errors[0]))


def used_memory(srv):
    info = bench.resp_call(srv.port, ["INFO", "memory"])
    text = info.decode() if isinstance(info, bytes) else str(info)
    for line in text.splitlines():
        if line.startswith("used_memory:"):
            return int(line.split(":")[1])
    raise RuntimeError("no used_memory in INFO from %s" % srv.name)


def cmd_run(a):
    servers = servers_from(a)
    n = a.n // (10 if a.quick else 1)
    a.keyspace, a.data_size = n, 32
    samples, bytes_per_entry = [], {}
    for rep in range(a.reps):
        for s in (servers if rep % 2 == 0 else servers[::-1]):
            fill(s, GROUP_KEY, n)
            bench.resp_call(s.port, ["XGROUP", "CREATE", GROUP_KEY, "g", "0"])
            for test in ("XADD", "XREADGROUP", "XACK"):
                r = bench.run_benchmark(a, s, test, 16, n)
                r.update(rep=rep + 1)
                samples.append(r)
                if "error" in r:
                    log("  %-10s %-7s rep %d: FAILED %s" % (test, s.name, rep + 1, r["error"]))
                else:
                    log("  %-10s %-7s rep %d: %10s ops/s  %6.3f us CPU/op  p99 %.3f ms"
                        % (test, s.name, rep + 1, bench.fmt_int(r["rps"]), r["cpu_us_per_op"],
                           r.get("p99_ms", float("nan"))))
            pending = bench.resp_call(s.port, ["XPENDING", GROUP_KEY, "g"])
            samples[-1]["pending_after"] = pending[0] if isinstance(pending, list) else None
    for s in servers:
        bench.resp_call(s.port, ["DEL", BYTES_KEY, GROUP_KEY, "bench:stream"])
        before = used_memory(s)
        fill(s, BYTES_KEY, n // 2)
        bytes_per_entry[s.name] = (used_memory(s) - before) / (n // 2)
        log("  bytes per entry %-7s %.1f" % (s.name, bytes_per_entry[s.name]))
    write_json(a.out, {"n": n, "samples": samples, "bytes_per_entry": bytes_per_entry, "reps": a.reps})
    return 1 if any("error" in r for r in samples) else 0


def cmd_report(a):
    raw = report.load_json(os.path.join(a.work, "run.json")) or {"samples": [], "bytes_per_entry": {}}
    names = ["redis", "tessera"]
    problems = [("%s on %s rep %s: %s" % (r["test"], r["server"], r["rep"], r["error"]))
                for r in raw["samples"] if "error" in r]

    def m(test, server, field):
        return med([r.get(field) for r in raw["samples"] if r["test"] == test and r["server"] == server])

    rows, summary = [], []
    for test in ("XADD", "XREADGROUP", "XACK"):
        rr, tr = m(test, "redis", "rps"), m(test, "tessera", "rps")
        rc, tc = m(test, "redis", "cpu_us_per_op"), m(test, "tessera", "cpu_us_per_op")
        rows.append(("%s ops/s (P16)" % test, bench.fmt_int(rr), bench.fmt_int(tr), f2(bench.ratio(tr, rr))))
        rows.append(("%s server CPU us/op" % test, f2(rc, 3), f2(tc, 3), f2(bench.ratio(tc, rc))))
        summary.append({"test": test, "redis_rps": rr, "tessera_rps": tr, "redis_cpu_us_per_op": rc,
                        "tessera_cpu_us_per_op": tc})
    # One entry read and acknowledged = one XREADGROUP + one XACK.
    rc = [m(t, "redis", "cpu_us_per_op") for t in ("XREADGROUP", "XACK")]
    tc = [m(t, "tessera", "cpu_us_per_op") for t in ("XREADGROUP", "XACK")]
    if None not in rc + tc:
        rows.append(("XREADGROUP+XACK server CPU us/entry", f2(sum(rc), 3), f2(sum(tc), 3),
                     f2(bench.ratio(sum(tc), sum(rc)))))
    b = raw["bytes_per_entry"]
    rows.append(("bytes per entry (used_memory)", f2(b.get("redis"), 1), f2(b.get("tessera"), 1),
                 f2(bench.ratio(b.get("tessera"), b.get("redis")))))
    now = datetime.datetime.now()
    lines = ["# Streams: Tessera vs Redis", "",
             "- Date: %s" % now.strftime("%Y-%m-%d %H:%M"),
             "- Tessera: `%s` (commit %s), --threads %s" % (a.tessera_server, a.tessera_commit, a.threads),
             "- Redis: %s" % a.redis_version,
             "- Machine: %s, nproc %s, %s, CPU %s" % (platform.node(), a.nproc, a.kernel, bench.cpu_model()),
             "- Command: `%s`" % a.command,
             "- N = %s per run, %s reps, medians; redis-benchmark -c 50 -P 16" % (raw.get("n"), raw.get("reps")),
             ""]
    lines += report.summary_table(rows, names, "T/R")
    return report.save(lines, "streams", now, a, {}, summary, problems, [], raw)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    bench.add_wait_ready_parser(sub)
    rn = sub.add_parser("run")
    rn.add_argument("--server", action="append", required=True, help="name:port:pid")
    rn.add_argument("--out", required=True)
    rn.add_argument("--n", type=int, default=1_000_000)
    rn.add_argument("--reps", type=int, default=3)
    rn.add_argument("--quick", action="store_true")
    rn.add_argument("--clients", type=int, default=50)
    rn.add_argument("--run-timeout", type=float, default=300.0)
    rn.add_argument("--redis-benchmark", default="/usr/bin/redis-benchmark")
    rp = sub.add_parser("report")
    for opt in ("work", "results-dir", "tessera-server", "tessera-commit", "threads", "redis-version",
                "nproc", "kernel", "command"):
        rp.add_argument("--" + opt, required=True)
    return report.run_main(ap, {"wait-ready": bench.cmd_wait_ready, "run": cmd_run, "report": cmd_report})


if __name__ == "__main__":
    sys.exit(main())
