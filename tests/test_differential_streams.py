"""Differential tests for streams: seeded random sequences of every X* command (errors, wrong
types, groups, pending entries, claims, trimming with = ~ and LIMIT) go as raw RESP to
redis-server 7.0 and to the server under test, in RESP2 and RESP3, and the replies are
compared byte for byte.

IDs are explicit (no `*`), so nothing depends on the clock, except fields that carry it, which
are compared through a normaliser: delivery times, idle and seen times (XPENDING, XINFO), and
XINFO's radix-tree-nodes (Redis's radix tree internals; radix-tree-keys, the node count, is
compared exactly).
"""
import random

import pytest

from helpers import RawConn, parse_reply
from test_differential import C, _short

TIME_KEYS = {b"idle", b"seen-time", b"radix-tree-nodes"}


def _blank(v, mode):
    """The parsed reply with its clock-dependent values replaced by 0."""
    if isinstance(v, dict):
        return {k: (0 if k in TIME_KEYS else _blank(x, mode)) for k, x in v.items()}
    if not isinstance(v, list):
        return v
    out = [_blank(x, mode) for x in v]
    for i in range(0, len(out) - 1):
        if isinstance(v[i], bytes) and v[i] in TIME_KEYS:
            out[i + 1] = 0
    if mode == "pending4" and len(out) == 4 and isinstance(out[2], int):
        out[2] = 0  # [id, consumer, idle or delivery time, count]
    if mode == "pending4" and len(out) == 3 and all(isinstance(x, int) for x in out[1:]):
        out[1] = 0  # a consumer's [id, delivery time, count] in XINFO STREAM FULL
    return out


def run(ref_port, sut_port, steps, label, resp3=False):
    ref, sut = RawConn(ref_port, timeout=10), RawConn(sut_port, timeout=10)
    try:
        for conn in (ref, sut):
            if resp3:
                conn.cmd("HELLO", "3")
            assert conn.cmd("FLUSHALL") in (b"+OK\r\n",)
        for i, step in enumerate(steps):
            want, got = ref.cmd(*step.args), sut.cmd(*step.args)
            if want == got:
                continue
            if step.mode != "exact" and _blank(parse_reply(want)[0], step.mode) == _blank(
                    parse_reply(got)[0], step.mode):
                continue
            pytest.fail("[%s] step #%d differs\n  command: %r\n  redis:   %s\n  sut:     %s"
                        % (label, i, step, _short(want), _short(got)), pytrace=False)
    finally:
        ref.close()
        sut.close()


class RandomStreamCommands:
    KEYS = ["s1", "s2", "str"]
    GROUPS = ["g1", "g2"]
    CONSUMERS = ["alice", "bob", "carol"]
    FIELDS = ["f", "g", "field", "1", "x" * 70]

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.next_ms = {k: 1 for k in self.KEYS}

    def key(self):
        return self.rng.choice(self.KEYS)

    def some_id(self, key):
        r = self.rng
        top = self.next_ms[key]
        kind = r.random()
        if kind < 0.1:
            return r.choice(["-", "+", "0", "0-0", "abc", "1-x", "18446744073709551615-18446744073709551615"])
        ms = r.randint(0, top + 2)
        return "%d-%d" % (ms, r.randint(0, 2)) if kind < 0.8 else str(ms)

    def add_id(self, key):
        r = self.rng
        self.next_ms[key] += r.randint(0, 3)
        ms = self.next_ms[key]
        p = r.random()
        if p < 0.6:
            return "%d-%d" % (ms, r.randint(0, 3))
        if p < 0.85:
            return "%d-*" % ms
        return self.some_id(key)

    def fields(self):
        r = self.rng
        n = r.choice([1, 1, 2, 3])
        names = r.sample(self.FIELDS, n) if r.random() < 0.5 else self.FIELDS[:n]
        out = []
        for f in names:
            out += [f, r.choice(["v", "1", "-5", "", "y" * r.randint(0, 90), "12345678901"])]
        return out

    def trim_args(self, key):
        r = self.rng
        out = []
        if r.random() < 0.5:
            out += ["MAXLEN", r.choice(["=", "~", None]), str(r.randint(0, 150))]
        else:
            out += ["MINID", r.choice(["=", "~", None]), self.some_id(key)]
        if r.random() < 0.2:
            out += ["LIMIT", str(r.randint(0, 120))]
        return [a for a in out if a is not None]

    def step(self):
        r = self.rng
        k = self.key()
        g = r.choice(self.GROUPS)
        c = r.choice(self.CONSUMERS)
        p = r.random()
        if p < 0.35:
            args = ["XADD", k]
            if r.random() < 0.1:
                args.append("NOMKSTREAM")
            if r.random() < 0.15:
                args += self.trim_args(k)
            return C(*(args + [self.add_id(k)] + self.fields()))
        choice = r.randrange(22)
        if choice == 0:
            return C("XTRIM", k, *self.trim_args(k))
        if choice == 1:
            return C("XDEL", k, *[self.some_id(k) for _ in range(r.randint(1, 3))])
        if choice in (2, 3):
            lo, hi = self.some_id(k), self.some_id(k)
            if r.random() < 0.3:
                lo = "(" + lo
            if r.random() < 0.3:
                hi = "(" + hi
            cmd = ["XRANGE", k, lo, hi] if choice == 2 else ["XREVRANGE", k, hi, lo]
            if r.random() < 0.5:
                cmd += ["COUNT", str(r.randint(-1, 5))]
            return C(*cmd)
        if choice == 4:
            return C("XLEN", k)
        if choice == 5:
            k2 = self.key()
            return C("XREAD", "COUNT", str(r.randint(1, 4)), "STREAMS", k, k2, self.some_id(k), self.some_id(k2))
        if choice == 6:
            args = ["XGROUP", "CREATE", k, g, r.choice(["$", "0", self.some_id(k)])]
            if r.random() < 0.4:
                args.append("MKSTREAM")
            if r.random() < 0.3:
                args += ["ENTRIESREAD", str(r.randint(-2, 20))]
            return C(*args)
        if choice == 7:
            args = ["XGROUP", "SETID", k, g, r.choice(["$", "0", self.some_id(k)])]
            if r.random() < 0.4:
                args += ["ENTRIESREAD", str(r.randint(-1, 20))]
            return C(*args)
        if choice == 8:
            return C("XGROUP", r.choice(["CREATECONSUMER", "DELCONSUMER"]), k, g, c)
        if choice == 9 and r.random() < 0.2:
            return C("XGROUP", "DESTROY", k, g)
        if choice in (9, 10, 11):
            args = ["XREADGROUP", "GROUP", g, c]
            if r.random() < 0.6:
                args += ["COUNT", str(r.randint(1, 6))]
            if r.random() < 0.2:
                args.append("NOACK")
            return C(*(args + ["STREAMS", k, r.choice([">", ">", "0", self.some_id(k)])]), mode="pending4")
        if choice == 12:
            return C("XACK", k, g, *[self.some_id(k) for _ in range(r.randint(1, 3))])
        if choice == 13:
            return C("XPENDING", k, g)
        if choice == 14:
            args = ["XPENDING", k, g]
            if r.random() < 0.3:
                args += ["IDLE", "0"]
            args += ["-", "+", str(r.randint(0, 10))]
            if r.random() < 0.4:
                args.append(c)
            return C(*args, mode="pending4")
        if choice == 15:
            args = ["XCLAIM", k, g, c, "0"] + [self.some_id(k) for _ in range(r.randint(1, 3))]
            for opt in r.sample([["JUSTID"], ["FORCE"], ["RETRYCOUNT", str(r.randint(0, 5))],
                                 ["TIME", "1"], ["LASTID", self.some_id(k)]], r.randint(0, 3)):
                args += opt
            return C(*args, mode="pending4")
        if choice == 16:
            args = ["XAUTOCLAIM", k, g, c, "0", r.choice(["0", "-", self.some_id(k)]), "COUNT", str(r.randint(1, 4))]
            if r.random() < 0.5:
                args.append("JUSTID")
            return C(*args, mode="pending4")
        if choice == 17:
            return C("XINFO", "GROUPS", k)
        if choice == 18:
            return C("XINFO", "CONSUMERS", k, g, mode="pending4")
        if choice == 19:
            return C("XINFO", "STREAM", k, mode="pending4")
        if choice == 20:
            return C("XINFO", "STREAM", k, "FULL", "COUNT", str(r.randint(0, 5)), mode="pending4")
        return C("XSETID", k, self.some_id(k), *(["ENTRIESADDED", str(r.randint(0, 300))] if r.random() < 0.3 else []))

    def sequence(self, n):
        return [C("SET", "str", "v")] + [self.step() for _ in range(n)]


def seq_errors():
    out = []
    for args in [("XADD", "s"), ("XADD", "s", "*"), ("XADD", "s", "*", "f"), ("XADD", "s", "MAXLEN", "-1", "*", "f", "v"),
                 ("XADD", "s", "MAXLEN", "1", "MINID", "0", "*", "f", "v"), ("XADD", "s", "LIMIT", "5", "*", "f", "v"),
                 ("XADD", "s", "MAXLEN", "1", "LIMIT", "5", "*", "f", "v"), ("XADD", "s", "0-0", "f", "v"),
                 ("XADD", "s", "1-1", "f", "v"), ("XADD", "s", "1-1", "f", "v"), ("XADD", "s", "1-*", "f", "v"),
                 ("XADD", "s", "-", "f", "v"), ("XTRIM", "s"), ("XTRIM", "s", "FOO", "1"),
                 ("XRANGE", "s", "(-", "+"), ("XRANGE", "s", "-", "(0-0"), ("XRANGE", "s", "-", "+", "COUNT"),
                 ("XRANGE", "s", "-", "+", "COUNT", "0"), ("XREAD", "STREAMS", "s"), ("XREAD", "COUNT", "x", "STREAMS", "s", "0"),
                 ("XREAD", "STREAMS", "s", ">"), ("XREAD", "GROUP", "g", "c", "STREAMS", "s", "0"),
                 ("XREADGROUP", "STREAMS", "s", ">"), ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$"),
                 ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"), ("XREAD", "BLOCK", "-1", "STREAMS", "s", "$"),
                 ("XGROUP", "CREATE", "s", "g", "$", "ENTRIESREAD", "-5"), ("XGROUP", "CREATE", "s", "g", "$", "FOO"),
                 ("XGROUP", "CREATE", "s", "g", "$"), ("XGROUP", "CREATE", "s", "g", "$"), ("XGROUP", "SETID", "s", "nog", "$"),
                 ("XGROUP", "SETID", "s", "g", "$", "FOO", "1"), ("XGROUP", "DESTROY", "s", "nog"),
                 ("XGROUP", "CREATECONSUMER", "nokey", "g", "c"), ("XGROUP", "FOO"), ("XGROUP", "HELP"), ("XINFO", "HELP"),
                 ("XGROUP", "CREATE", "s"), ("XINFO", "STREAM", "nokey"), ("XINFO", "STREAM", "s", "FULL", "COUNT"),
                 ("XINFO", "CONSUMERS", "s", "nog"), ("XINFO", "FOO", "s"), ("XPENDING", "s", "nog"), ("XPENDING", "s", "g", "-"),
                 ("XPENDING", "s", "g", "IDLE", "5", "-", "+"), ("XCLAIM", "s", "g", "c", "x", "1-1"),
                 ("XCLAIM", "s", "g", "c", "0", "1-1", "FOO"), ("XCLAIM", "s", "g", "c", "0", "1-1", "IDLE", "x"),
                 ("XCLAIM", "s", "nog", "c", "0", "1-1"), ("XAUTOCLAIM", "s", "g", "c", "0", "0", "COUNT", "0"),
                 ("XAUTOCLAIM", "s", "g", "c", "0", "0", "FOO"), ("XAUTOCLAIM", "s", "nog", "c", "0", "0"),
                 ("XSETID", "s", "0-5"), ("XSETID", "s", "5-5", "ENTRIESADDED", "-1"), ("XSETID", "s", "5-5", "MAXDELETEDID", "6-0"),
                 ("XSETID", "s", "5-5", "ENTRIESADDED", "0"), ("XDEL", "s", "x"), ("XACK", "s", "g", "x"),
                 ("SET", "str", "v"), ("XADD", "str", "*", "f", "v"), ("XLEN", "str"), ("XRANGE", "str", "-", "+"),
                 ("XREAD", "STREAMS", "str", "0"), ("XINFO", "STREAM", "str"), ("XGROUP", "CREATE", "str", "g", "$"),
                 ("XADD", "s", "18446744073709551615-18446744073709551615", "f", "v"), ("XADD", "s", "*", "f", "v")]:
        out.append(C(*args))
    return out


def test_differential_stream_errors(redis_ref, server):
    run(redis_ref.port, server.port, seq_errors(), "errors")


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_differential_stream_random(redis_ref, server, seed):
    steps = RandomStreamCommands(seed).sequence(500)
    run(redis_ref.port, server.port, steps, "seed %d" % seed, resp3=seed % 2 == 0)


def test_differential_stream_long(redis_ref, server):
    """Thousands of entries over many nodes: node boundaries (radix-tree-keys), approximate
    trimming of whole nodes, deletions across nodes, group reads across nodes."""
    rng = random.Random(7)
    steps = []
    for i in range(1, 1500):
        n = rng.randint(1, 3)
        steps.append(C("XADD", "big", "%d-%d" % (i, rng.randint(0, 2)),
                       *[x for j in range(n) for x in ("f%d" % j, "v" * rng.randint(0, 200))]))
    steps += [C("XINFO", "STREAM", "big", mode="pending4"), C("XGROUP", "CREATE", "big", "g", "0"),
              C("XREADGROUP", "GROUP", "g", "c", "COUNT", "250", "STREAMS", "big", ">", mode="pending4")]
    for _ in range(60):
        steps.append(C("XDEL", "big", *["%d-%d" % (rng.randint(1, 1500), rng.randint(0, 2)) for _ in range(5)]))
    steps += [C("XINFO", "GROUPS", "big"), C("XTRIM", "big", "MAXLEN", "~", "1000"), C("XINFO", "STREAM", "big", mode="pending4"),
              C("XTRIM", "big", "MINID", "~", "900", "LIMIT", "200"), C("XLEN", "big"),
              C("XTRIM", "big", "MINID", "=", "1000"), C("XINFO", "GROUPS", "big"),
              C("XREVRANGE", "big", "+", "-", "COUNT", "30"), C("XRANGE", "big", "-", "+", "COUNT", "30"),
              C("XADD", "big", "MAXLEN", "~", "300", "2000-0", "a", "b"), C("XINFO", "STREAM", "big", mode="pending4"),
              C("XAUTOCLAIM", "big", "g", "d", "0", "0", "COUNT", "50", mode="pending4"),
              C("XINFO", "STREAM", "big", "FULL", "COUNT", "20", mode="pending4")]
    run(redis_ref.port, server.port, steps, "long")
