#!/usr/bin/python3
"""Pub/Sub fan-out benchmark driver for bench/pubsub.sh (stdlib only).

pubsub.sh owns the server processes (bench/lib.sh); this helper drives them over 127.0.0.1.
Servers are passed as --server name:port:pid.

  fanout   One run against one server: SUBSCRIBERS connections SUBSCRIBE to one channel (spread
           over SUB_PROCS reader processes, which only count bytes: every message has the same
           size); one publisher connection sends PUBLISH pipelined in batches of PIPELINE and
           keeps at most WINDOW messages ahead of the slowest subscriber (so output buffers stay
           far below the pubsub limit and what is measured is delivery, not buffering). After
           WARMUP s, DURATION s are measured: messages delivered (received by all subscribers
           together) per second, PUBLISH ops/s, and the server's CPU (utime+stime from
           /proc/PID/stat) per delivered message.
  report   Summary table (medians over the reps), printed and saved as
           bench/results/pubsub-<stamp>.{md,json}.
"""

import argparse
import datetime
import glob
import multiprocessing
import os
import platform
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (log, resp_encode, cpu_ticks, proc_alive, cmd_free_ports, cmd_wait_ready, ratio)
import report  # noqa: E402  (med, f2, write_json, load_json, save, summary_table, run_main)
from report import f2, med  # noqa: E402

HOST = bench.HOST
CHANNEL = b"bench:fanout"
TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


def message_bytes(payload):
    return len(bench.resp_encode([b"message", CHANNEL, payload]))


def subscriber_proc(port, n, counter, ready, stop):
    """Opens `n` subscriptions and adds the bytes they receive to `counter` until `stop`."""
    import selectors
    sel = selectors.DefaultSelector()
    socks = []
    confirm = len(b"*3\r\n$9\r\nsubscribe\r\n$%d\r\n%s\r\n:1\r\n" % (len(CHANNEL), CHANNEL))
    for _ in range(n):
        s = socket.create_connection((HOST, port))
        s.sendall(bench.resp_encode([b"SUBSCRIBE", CHANNEL]))
        got = b""
        while len(got) < confirm:
            got += s.recv(confirm - len(got))
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        socks.append(s)
    with ready.get_lock():
        ready.value += n
    local = 0
    while not stop.is_set():
        for key, _ in sel.select(timeout=0.1):
            try:
                local += len(key.fileobj.recv(1 << 20))
            except BlockingIOError:
                pass
        with counter.get_lock():
            counter.value += local
        local = 0
    for s in socks:
        s.close()


def cmd_fanout(a):
    name, port, pid = a.server.split(":")
    port, pid = int(port), int(pid)
    payload = b"x" * a.size
    msg_len = message_bytes(payload)
    counter = multiprocessing.Value("q", 0)
    ready = multiprocessing.Value("i", 0)
    stop = multiprocessing.Event()
    per = [a.subscribers // a.sub_procs + (i < a.subscribers % a.sub_procs) for i in range(a.sub_procs)]
    procs = [multiprocessing.Process(target=subscriber_proc, args=(port, n, counter, ready, stop))
             for n in per]
    for p in procs:
        p.start()
    try:
        deadline = time.monotonic() + 30
        while ready.value < a.subscribers:
            if time.monotonic() > deadline or not bench.proc_alive(pid):
                raise RuntimeError("%s: subscribers did not connect" % name)
            time.sleep(0.05)
        pub = socket.create_connection((HOST, port))
        batch = bench.resp_encode([b"PUBLISH", CHANNEL, payload]) * a.pipeline
        reply = b":%d\r\n" % a.subscribers
        published = 0
        mark = None  # (time, published, delivered bytes, server cpu ticks) when measuring starts
        t0 = time.monotonic()
        while True:
            now = time.monotonic()
            if mark is None and now - t0 >= a.warmup:
                mark = (now, published, counter.value, bench.cpu_ticks(pid))
            if mark and now - mark[0] >= a.duration:
                break
            # Flow control: the subscribers together may lag by WINDOW messages each at most.
            while published * a.subscribers - counter.value // msg_len > a.window * a.subscribers:
                time.sleep(0.0005)
            pub.sendall(batch)
            want = len(reply) * a.pipeline
            got = b""
            while len(got) < want:
                chunk = pub.recv(want - len(got))
                if not chunk:
                    raise RuntimeError("%s closed the publisher" % name)
                got += chunk
            if got != reply * a.pipeline:
                raise RuntimeError("%s: unexpected PUBLISH replies %r" % (name, got[:80]))
            published += a.pipeline
        end = (time.monotonic(), published, counter.value, bench.cpu_ticks(pid))
        wall = end[0] - mark[0]
        delivered = (end[2] - mark[2]) / msg_len
        out = {"server": name, "rep": a.rep, "subscribers": a.subscribers, "size": a.size,
               "wall_s": wall, "published": end[1] - mark[1], "delivered": delivered,
               "delivered_per_s": delivered / wall, "publish_per_s": (end[1] - mark[1]) / wall,
               "cpu_us_per_msg": (end[3] - mark[3]) * TICK_S * 1e6 / max(delivered, 1)}
        pub.close()
    finally:
        stop.set()
        for p in procs:
            p.join(10)
            if p.is_alive():
                p.kill()
    bench.log("%s rep %d: %.0f msgs/s delivered, %.0f PUBLISH/s, %.2f CPU us/msg"
              % (name, a.rep, out["delivered_per_s"], out["publish_per_s"], out["cpu_us_per_msg"]))
    report.write_json(a.out, out)
    return 0


def cmd_report(a):
    runs = [report.load_json(p) for p in sorted(glob.glob(os.path.join(a.work, "fanout-*.json")))]
    runs = [r for r in runs if r]
    now = datetime.datetime.now().astimezone()
    R, T = "redis", "tessera"
    L = ["# Tessera vs redis-server: PUBLISH fan-out — %s" % now.strftime("%Y-%m-%d %H:%M:%S %Z"), "",
         "- Machine: %s, nproc %s, %s, CPU %s" % (platform.node(), a.nproc, a.kernel, bench.cpu_model()),
         "- redis-server: %s" % a.redis_version.strip(),
         "- tessera-server: commit %s, --threads %s" % (a.tessera_commit, a.threads),
         "- Load: %s subscribers on one channel (%s reader processes), one publisher pipelining "
         "PUBLISH in batches of %s, at most %s messages ahead of the subscribers; %s-byte messages; "
         "%s s measured after %s s warm-up; %s rep(s), servers alternating, medians. **The client "
         "runs on the same cores as the server**." % (a.subscribers, a.sub_procs, a.pipeline, a.window,
                                                    a.size, a.duration, a.warmup, a.reps),
         "- Command: `%s`" % a.command, ""]
    problems = []
    if not runs:
        problems.append("no run completed")

    def m(server, key):
        return med([r[key] for r in runs if r["server"] == server])

    rows, summary = [], []
    for key, label, nd in (("delivered_per_s", "messages delivered/s", 0),
                           ("publish_per_s", "PUBLISH ops/s", 0),
                           ("cpu_us_per_msg", "server CPU µs per delivered message", 3)):
        rv, tv = m(R, key), m(T, key)
        rows.append((label, f2(rv, nd), f2(tv, nd), f2(bench.ratio(tv, rv))))
        summary.append({"metric": key, "redis": rv, "tessera": tv, "ratio": bench.ratio(tv, rv)})
    L += report.summary_table(rows, ["redis", "tessera"], "T/R")
    return report.save(L, "pubsub", now, a, {"runs": runs}, summary, problems, [], runs)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    bench.add_free_ports_parser(sub)
    bench.add_wait_ready_parser(sub)
    fo = sub.add_parser("fanout")
    fo.add_argument("--server", required=True, help="name:port:pid")
    fo.add_argument("--rep", type=int, default=1)
    for opt, default in (("subscribers", 100), ("sub-procs", 2), ("pipeline", 32), ("window", 2000),
                         ("size", 32), ("duration", 10), ("warmup", 2)):
        fo.add_argument("--" + opt, type=int, default=default)
    fo.add_argument("--out", required=True)
    rp = sub.add_parser("report")
    for opt in ("work", "results-dir", "tessera-commit", "redis-version", "threads", "nproc", "kernel",
                "command", "subscribers", "sub-procs", "pipeline", "window", "size", "duration", "warmup",
                "reps"):
        rp.add_argument("--" + opt, required=True)
    return report.run_main(ap, {"free-ports": bench.cmd_free_ports, "wait-ready": bench.cmd_wait_ready,
                                "fanout": cmd_fanout, "report": cmd_report})


if __name__ == "__main__":
    sys.exit(main())
