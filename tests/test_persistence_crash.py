"""Crash loops for the per-shard log: clients write concurrently, the server is killed with
SIGKILL at a random moment, restarted (often with another --threads), and every acknowledged
write must be back, with nothing torn.
"""
import os
import random
import threading
import time

import pytest
import redis

from persist_helpers import start_server  # noqa: F401 (a fixture)
from persist_helpers import asan_build, kill9, restart_checked, tlogs, wait_loaded

tessera_only = pytest.mark.tessera_only
pytestmark = pytest.mark.pinned_threads
SEED = 20240611
# --threads of the restarts (TESSERA_TEST_CRASH_THREADS=1,2 narrows it down when bisecting).
THREAD_CHOICES = [int(x) for x in os.environ.get("TESSERA_TEST_CRASH_THREADS", "1,2,3,4").split(",")]


class Writer(threading.Thread):
    """One client: RPUSHes its sequence numbers to its own list, SETs unique keys and MSETs
    pairs of keys (different slots, so usually different shards), recording what was
    acknowledged and the one operation that was in flight when the connection died."""

    def __init__(self, port, tid, seq0, stop):
        super().__init__(daemon=True)
        self.c = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10, socket_connect_timeout=5)
        self.tid = tid
        self.seq = seq0
        self.stop = stop
        self.pushed = []       # acknowledged RPUSH values, in order
        self.sets = {}         # acknowledged SET key -> value
        self.pairs = []        # acknowledged MSET seqs
        self.inflight = None   # (kind, seq) of the op whose reply never came
        self.acks = []         # (monotonic time of the reply, kind, seq)
        self.error = None

    def run(self):
        t, c = self.tid, self.c
        try:
            while not self.stop.is_set():
                seq = self.seq
                self.seq += 1
                kind = ("push", "set", "mset")[seq % 3]
                self.inflight = (kind, seq)
                if kind == "push":
                    c.rpush("list:%d" % t, seq)
                    self.pushed.append(seq)
                elif kind == "set":
                    c.set("set:%d:%d" % (t, seq), "v%d" % seq)
                    self.sets["set:%d:%d" % (t, seq)] = b"v%d" % seq
                else:
                    c.mset({"pa:%d:%d" % (t, seq): seq, "pb:%d:%d" % (t, seq): seq})
                    self.pairs.append(seq)
                self.acks.append((time.monotonic(), kind, seq))
                self.inflight = None
        except (redis.ConnectionError, redis.TimeoutError, ConnectionError, OSError):
            pass  # the server was killed: self.inflight holds the op without a reply
        except Exception as e:  # noqa: BLE001
            self.error = repr(e)
        finally:
            try:
                self.c.close()
            except Exception:  # noqa: BLE001
                pass


class Model:
    """What each writer's data must look like after a restart."""

    def __init__(self, nthreads):
        self.lists = {t: [] for t in range(nthreads)}
        self.sets = {}
        self.pairs = set()
        self.next_seq = {t: 0 for t in range(nthreads)}

    def expected_keys(self):
        return len([t for t in self.lists if self.lists[t]]) + len(self.sets) + 2 * len(self.pairs)


def _mget(c, keys):
    out = []
    for j in range(0, len(keys), 1000):
        out += c.mget(keys[j:j + 1000])
    return out


def verify(c, model, writers, strict=True):
    """Check the restarted server against the model plus this round's writers, then fold the
    round into the model. Returns a list of problems.

    Always: each list is a prefix of the values pushed to it (nothing torn, no holes), holding
    every acknowledged push when strict; an MSET's two keys (on different slots, usually
    different shards) are both there or both absent. strict (appendfsync always): every
    acknowledged write is there, and DBSIZE is exactly the acknowledged keys plus the in-flight
    op if it survived. Not strict: acknowledged writes may be missing (the caller checks the
    ones older than 2 s)."""
    problems = []
    for w in writers:
        t = w.tid
        got = [int(x) for x in c.lrange("list:%d" % t, 0, -1)]
        sent = model.lists[t] + w.pushed + ([w.inflight[1]] if w.inflight and w.inflight[0] == "push" else [])
        need = len(model.lists[t]) + len(w.pushed) if strict else 0
        if got != sent[:len(got)] or len(got) < need:
            n = next((i for i, (a, b) in enumerate(zip(got, sent)) if a != b), min(len(got), len(sent)))
            problems.append("list:%d has %d items, %d acknowledged; first difference at %d: got %r, sent %r%s"
                            % (t, len(got), len(model.lists[t]) + len(w.pushed), n, got[n:n + 5],
                               sent[n:n + 5], " (in flight: %r)" % (w.inflight,) if w.inflight else ""))
        model.lists[t] = got
        model.next_seq[t] = w.seq
        for k, v in w.sets.items():
            model.sets[k] = v
        candidates = [(t, seq) for seq in w.pairs]
        if w.inflight and w.inflight[0] == "set":
            k = "set:%d:%d" % (t, w.inflight[1])
            v = c.get(k)
            if v is not None:
                if v != b"v%d" % w.inflight[1]:
                    problems.append("in-flight %s holds %r" % (k, v))
                model.sets[k] = v
        if w.inflight and w.inflight[0] == "mset":
            candidates.append((t, w.inflight[1]))
        # MSET atomicity for this round's pairs (acknowledged and in flight)
        vals = _mget(c, [k for (tt, seq) in candidates for k in ("pa:%d:%d" % (tt, seq), "pb:%d:%d" % (tt, seq))])
        for i, (tt, seq) in enumerate(candidates):
            a, b = vals[2 * i], vals[2 * i + 1]
            acked = not (w.inflight and w.inflight == ("mset", seq))
            if (a is None) != (b is None):
                problems.append("%s MSET pa:%d:%d/pb:%d:%d is torn after the crash: %r, %r" % (
                    "acknowledged" if acked else "in-flight", tt, seq, tt, seq, a, b))
            if a is not None and b is not None:
                model.pairs.add((tt, seq))
            elif acked and strict:
                problems.append("acknowledged MSET pa:%d:%d/pb:%d:%d lost" % (tt, seq, tt, seq))
    # every acknowledged SET / MSET of earlier rounds too
    keys = list(model.sets)
    vals = _mget(c, keys)
    lost = [k for k, v in zip(keys, vals) if v != model.sets[k]]
    if lost and strict:
        problems.append("%d acknowledged SETs lost or wrong, e.g. %s" % (len(lost), lost[:5]))
    for k in lost:
        if not strict:
            del model.sets[k]
    pk = [k for (t, seq) in sorted(model.pairs) for k in ("pa:%d:%d" % (t, seq), "pb:%d:%d" % (t, seq))]
    vals = _mget(c, pk)
    lostp = [k for k, v in zip(pk, vals) if v is None]
    if lostp and strict:
        problems.append("%d keys of acknowledged MSETs lost, e.g. %s" % (len(lostp), lostp[:5]))
    n = c.dbsize()
    if strict and n != model.expected_keys():
        problems.append("DBSIZE %d, the model (acknowledged + surviving in-flight ops) says %d"
                        % (n, model.expected_keys()))
    return problems


@tessera_only
@pytest.mark.timeout_s(120)
def test_crash_appendfsync_always(start_server):
    rng = random.Random(SEED)
    rounds = 6 if asan_build() else 20
    nthreads = 4
    s = start_server(threads=2, extra_args=["--appendonly", "yes", "--appendfsync", "always", "--save", ""])
    model = Model(nthreads)
    report = []
    t_start = time.monotonic()
    for rnd in range(rounds):
        stop = threading.Event()
        writers = [Writer(s.port, t, model.next_seq[t], stop) for t in range(nthreads)]
        for w in writers:
            w.start()
        load = rng.uniform(0.3, 0.8)
        rewrite_at = rng.uniform(0.05, load) if rnd % 4 == 3 else None
        t0 = time.monotonic()
        if rewrite_at is not None:
            time.sleep(rewrite_at)
            try:
                s.client().bgrewriteaof()
            except redis.ResponseError as e:
                report.append("round %d: BGREWRITEAOF: %s" % (rnd, e))
        time.sleep(max(0.0, load - (time.monotonic() - t0)))
        kill9(s)
        stop.set()
        for w in writers:
            w.join(15)
        assert not any(w.is_alive() for w in writers), "a writer did not stop"
        errors = [w.error for w in writers if w.error]
        assert not errors, "round %d: writers failed: %s" % (rnd, errors)
        acked = sum(len(w.acks) for w in writers)
        threads = rng.choice(THREAD_CHOICES)
        restart_checked(s, "round %d: kill -9 after %.2f s of load%s, restart with --threads %d" % (
            rnd, load, " (BGREWRITEAOF at %.2f s)" % rewrite_at if rewrite_at else "", threads),
            threads=threads)
        c = s.client()
        problems = verify(c, model, writers)
        c.close()
        assert not problems, "round %d (killed after %.2f s, %d ops acknowledged, restarted with "\
            "--threads %d, logs %s):\n  %s" % (rnd, load, acked, threads, tlogs(s), "\n  ".join(problems))
        assert acked > 0, "round %d: nothing was acknowledged" % rnd
    assert time.monotonic() - t_start < 110


@tessera_only
@pytest.mark.timeout_s(60)
@pytest.mark.parametrize("fsync", ["everysec", "no"])
def test_crash_appendfsync_everysec(start_server, fsync):
    """A process kill loses nothing the kernel already has; everysec must in any case keep
    every write acknowledged more than ~2 s before the kill (Redis's promise)."""
    rng = random.Random(SEED + 1)
    s = start_server(threads=2, extra_args=["--appendonly", "yes", "--appendfsync", fsync, "--save", ""])
    model = Model(2)
    rounds = 2 if asan_build() else 3
    for rnd in range(rounds):
        stop = threading.Event()
        writers = [Writer(s.port, t, model.next_seq[t], stop) for t in range(2)]
        for w in writers:
            w.start()
        time.sleep(rng.uniform(2.3, 2.8) if rnd == 0 else rng.uniform(0.3, 1.0))
        t_kill = time.monotonic()
        kill9(s)
        stop.set()
        for w in writers:
            w.join(15)
        assert not any(w.is_alive() for w in writers)
        old = [(t, kind, seq, w) for w in writers for (t, kind, seq) in w.acks if t < t_kill - 2.0]
        if rnd == 0:
            assert old, "no write was acknowledged more than 2 s before the kill"
        restart_checked(s, "appendfsync %s, round %d" % (fsync, rnd))
        c = s.client()
        missing = []
        for (_, kind, seq, w) in old:
            if kind == "set" and c.get("set:%d:%d" % (w.tid, seq)) != b"v%d" % seq:
                missing.append((w.tid, kind, seq))
            if kind == "mset" and None in c.mget("pa:%d:%d" % (w.tid, seq), "pb:%d:%d" % (w.tid, seq)):
                missing.append((w.tid, kind, seq))
        for w in writers:
            old_push = [seq for (t, kind, seq) in w.acks if kind == "push" and t < t_kill - 2.0]
            got = [int(x) for x in c.lrange("list:%d" % w.tid, 0, -1)]
            if old_push and old_push[-1] not in got:
                missing.append((w.tid, "push", old_push[-1]))
        assert not missing, "appendfsync %s: %d writes acknowledged > 2 s before the kill are gone: %s" % (
            fsync, len(missing), missing[:10])
        # Nothing torn: lists are prefixes of what was sent, an MSET is all or nothing.
        problems = verify(c, model, writers, strict=False)
        c.close()
        assert not problems, "appendfsync %s, round %d, kill -9:\n  %s" % (fsync, rnd, "\n  ".join(problems))
