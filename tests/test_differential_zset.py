"""Differential tests for the sorted-set commands: the same sequences go as raw RESP to
redis-server and to the server under test, replies compared byte for byte (RESP2 and RESP3),
errors and WRONGTYPE included, with OBJECT ENCODING checked as sorted sets cross the listpack
limits (default and lowered with CONFIG SET).

What is not compared byte for byte, and why:
  - ZRANDMEMBER replies that do not return the whole set (random): sent, not compared; the
    count-covers-the-set form (the whole set, in order) is compared exactly.
  - ZSCAN of a skiplist-encoded set: cursors are opaque; full iterations are compared as sorted
    (member, score) lists. A listpack-encoded set answers in one call, compared exactly.
  - Lex ranges on skiplist-encoded sets whose scores differ: Redis leaves the answer unspecified
    (it depends on skiplist levels), so random runs use lex commands only on keys whose members
    all score 0; listpack-encoded sets with mixed scores are compared exactly (Redis's linear
    scans are deterministic).
"""
import random

import pytest

from helpers import RawConn, parse_reply
from test_differential import C, run_differential

ZCMDS = ["ZADD", "ZINCRBY", "ZREM", "ZCARD", "ZSCORE", "ZMSCORE", "ZRANK", "ZREVRANK", "ZCOUNT",
         "ZLEXCOUNT", "ZRANGE", "ZRANGESTORE", "ZREVRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE",
         "ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZREMRANGEBYRANK", "ZREMRANGEBYSCORE", "ZREMRANGEBYLEX",
         "ZPOPMIN", "ZPOPMAX", "ZMPOP", "ZRANDMEMBER", "ZUNION", "ZINTER", "ZDIFF", "ZUNIONSTORE",
         "ZINTERSTORE", "ZDIFFSTORE", "ZINTERCARD", "ZSCAN"]


# ======================================================================================== deterministic sequences
def seq_arity_and_wrongtype():
    out = []
    for cmd in ZCMDS:
        for n in range(0, 4):
            out.append(C(cmd, *["k"] * n))
    out += [C("SET", "str", "x"), C("ZADD", "z", "1", "a", "2", "b")]
    for cmd in [("ZADD", "str", "1", "a"), ("ZADD", "str", "x", "a"), ("ZINCRBY", "str", "1", "a"),
                ("ZREM", "str", "a"), ("ZCARD", "str"), ("ZSCORE", "str", "a"), ("ZMSCORE", "str", "a"),
                ("ZRANK", "str", "a"), ("ZREVRANK", "str", "a"), ("ZCOUNT", "str", "0", "1"),
                ("ZCOUNT", "str", "x", "1"), ("ZLEXCOUNT", "str", "-", "+"), ("ZLEXCOUNT", "str", "x", "+"),
                ("ZRANGE", "str", "0", "-1"), ("ZRANGE", "str", "x", "-1"), ("ZRANGESTORE", "d", "str", "0", "-1"),
                ("ZREVRANGE", "str", "0", "1"), ("ZRANGEBYSCORE", "str", "0", "1"),
                ("ZREVRANGEBYSCORE", "str", "1", "0"), ("ZRANGEBYLEX", "str", "-", "+"),
                ("ZREVRANGEBYLEX", "str", "+", "-"), ("ZREMRANGEBYRANK", "str", "0", "1"),
                ("ZREMRANGEBYSCORE", "str", "0", "1"), ("ZREMRANGEBYLEX", "str", "-", "+"),
                ("ZPOPMIN", "str"), ("ZPOPMAX", "str", "2"), ("ZPOPMIN", "str", "-1"), ("ZPOPMIN", "str", "0"),
                ("ZMPOP", "1", "str", "MIN"), ("ZMPOP", "2", "nokey", "str", "MAX"),
                ("ZMPOP", "2", "str", "z", "MAX"), ("ZMPOP", "2", "z", "str", "MIN"),
                ("ZRANDMEMBER", "str"), ("ZRANDMEMBER", "str", "2"), ("ZRANDMEMBER", "str", "x"),
                ("ZUNION", "1", "str"), ("ZUNION", "2", "z", "str", "WEIGHTS", "x"), ("ZINTER", "2", "nokey", "str"),
                ("ZDIFF", "2", "z", "str"), ("ZUNIONSTORE", "d", "1", "str"), ("ZINTERSTORE", "d", "2", "z", "str"),
                ("ZDIFFSTORE", "d", "1", "str"), ("ZINTERCARD", "1", "str"), ("ZSCAN", "str", "0"),
                ("ZSCAN", "str", "x")]:
        out.append(C(*cmd))
    out += [C("GET", "str"), C("EXISTS", "d"), C("ZRANGE", "z", "0", "-1", "WITHSCORES")]
    return out


def seq_zadd_matrix():
    opts = [(), ("NX",), ("XX",), ("GT",), ("LT",), ("CH",), ("INCR",), ("NX", "CH"), ("XX", "CH"),
            ("GT", "CH"), ("LT", "CH"), ("XX", "GT"), ("XX", "LT"), ("INCR", "NX"), ("INCR", "XX"),
            ("INCR", "GT"), ("INCR", "LT"), ("INCR", "CH"), ("NX", "XX"), ("NX", "GT"), ("NX", "LT"),
            ("GT", "LT"), ("nx", "incr"), ("FOO",)]
    out = []
    n = 0
    for o in opts:
        for pre in (None, "5"):
            for score in ("3", "7", "5", "-0"):
                k = "za%d" % n
                n += 1
                if pre is not None:
                    out.append(C("ZADD", k, pre, "m"))
                out.append(C("ZADD", k, *o, score, "m"))
                out.append(C("ZRANGE", k, "0", "-1", "WITHSCORES"))
                out.append(C("ZADD", k, *o, score, "m", "1", "other"))
                out.append(C("ZRANGE", k, "0", "-1", "WITHSCORES"))
    out += [
        C("ZADD", "zb"), C("ZADD", "zb", "1"), C("ZADD", "zb", "1", "a", "2"), C("ZADD", "zb", "NX"),
        C("ZADD", "zb", "NX", "1"), C("ZADD", "zb", "x", "a"), C("ZADD", "zb", "1", "a", "y", "b"),
        C("ZADD", "zb", "nan", "a"), C("ZADD", "zb", "inf", "a", "-inf", "b", "+inf", "c"),
        C("ZADD", "zb", " 1", "a"), C("ZADD", "zb", "1 ", "a"), C("ZADD", "zb", "", "a"),
        C("ZADD", "zb", "0x10", "h"), C("ZADD", "zb", "1e400", "a"), C("ZADD", "zb", "1e-400", "a"),
        C("ZADD", "zb", "4e-320", "d"), C("ZADD", "zb", "infinity", "i"), C("ZADD", "zb", "-Infinity", "j"),
        C("ZADD", "zb", "INCR", "1", "a", "2", "b"), C("ZADD", "zb", "INCR", "-inf", "a"),
        C("ZADD", "zb", "INCR", "inf", "b"), C("ZADD", "zb", "INCR", "1", "a"),
        C("ZRANGE", "zb", "0", "-1", "WITHSCORES"), C("ZINCRBY", "zb", "inf", "b"), C("ZINCRBY", "zb", "-inf", "b"),
        C("ZINCRBY", "zb", "nx", "b"), C("ZINCRBY", "zb", "incr", "b"), C("ZINCRBY", "zb", "x", "b"),
        C("ZINCRBY", "zb", "1.5", "new"), C("ZINCRBY", "new", "-0", "m"), C("ZSCORE", "new", "m"),
        C("ZADD", "zc", "XX", "1", "a"), C("EXISTS", "zc"), C("ZADD", "zc", "XX", "INCR", "1", "a"), C("EXISTS", "zc"),
        C("ZADD", "zc", "GT", "1", "a"), C("ZADD", "zc", "LT", "CH", "0", "a", "5", "b"),
        C("ZADD", "zc", "GT", "CH", "INCR", "0", "a"), C("ZRANGE", "zc", "0", "-1", "WITHSCORES"),
    ]
    return out


def seq_scores_formatting():
    scores = ["0.1", "1e300", "-1e-300", "1.5", "123456789012345678", "4503599627370497", "-0", "0",
              "1e15", "1e16", "1e17", "3.0000000000000004", "0.30000000000000004", "2.5e-7", "inf", "-inf",
              "1.7976931348623157e308", "5e-324", "-123.456", "100", "7e22"]
    out = []
    for big in (False, True):
        k = "fmt%d" % big
        if big:
            out.append(C("ZADD", k, *[x for i in range(130) for x in (str(i + 1000), "filler%d" % i)]))
        for i, s in enumerate(scores):
            out.append(C("ZADD", k, s, "m%d" % i))
        out.append(C("OBJECT", "ENCODING", k))
        for i in range(len(scores)):
            out.append(C("ZSCORE", k, "m%d" % i))
        out.append(C("ZMSCORE", k, *["m%d" % i for i in range(len(scores))]))
        out.append(C("ZRANGE", k, "0", "-1", "WITHSCORES"))
        out.append(C("ZRANGEBYSCORE", k, "-inf", "+inf", "WITHSCORES", "LIMIT", "0", "30"))
        out.append(C("ZINCRBY", k, "0.2", "m0"))
        out.append(C("ZINCRBY", k, "-0.30000000000000004", "m0"))
        out.append(C("ZADD", k, "INCR", "1e-17", "m3"))
        if not big:
            out.append(C("ZSCAN", k, "0"))
        out.append(C("ZPOPMIN", k, "3"))
        out.append(C("ZPOPMAX", k, "3"))
    return out


def seq_range_parsing():
    out = [C("ZADD", "r", *[x for i in range(10) for x in (str(i), "m%d" % i)]), C("ZADD", "r", "inf", "top", "-inf", "bot")]
    items = ["0", "(0", "5", "(5", "-inf", "+inf", "inf", "(inf", "(-inf", " 1", "1 ", "", "(", "abc", "nan",
             "(nan", "1e999", "0x3", "((1", "3.5", "-1"]
    for a in items:
        for b in ("5", "+inf", "(9", a):
            out.append(C("ZCOUNT", "r", a, b))
            out.append(C("ZRANGEBYSCORE", "r", a, b))
        out.append(C("ZREVRANGEBYSCORE", "r", "+inf", a, "WITHSCORES"))
    lex = ["-", "+", "[a", "(a", "a", "", "+x", "-x", "[", "(", "[m3", "(m3", "[m9", "[z"]
    out.append(C("ZADD", "l", *[x for c in "abcdefghij" for x in ("0", c)]))
    out.append(C("ZADD", "l", "0", "m3", "0", ""))
    for a in lex:
        for b in ("+", "[e", "(e", a):
            out.append(C("ZLEXCOUNT", "l", a, b))
            out.append(C("ZRANGEBYLEX", "l", a, b))
            out.append(C("ZREVRANGEBYLEX", "l", b, a))
    return out


def seq_zrange_options():
    out = [C("ZADD", "r", *[x for i in range(12) for x in (str(i // 2), "m%02d" % i)]),
           C("ZADD", "lx", *[x for c in "abcdefgh" for x in ("0", c)])]
    forms = [(), ("WITHSCORES",), ("REV",), ("REV", "WITHSCORES"), ("BYSCORE",), ("BYSCORE", "REV"),
             ("BYSCORE", "WITHSCORES"), ("BYSCORE", "LIMIT", "1", "3"), ("BYSCORE", "REV", "LIMIT", "2", "2"),
             ("BYSCORE", "LIMIT", "0", "-1"), ("BYSCORE", "LIMIT", "-1", "2"), ("BYSCORE", "LIMIT", "20", "2"),
             ("BYSCORE", "LIMIT", "5", "0"), ("LIMIT", "0", "1"), ("LIMIT", "0", "-1"), ("BYLEX",),
             ("BYLEX", "WITHSCORES"), ("BYLEX", "REV", "LIMIT", "1", "2"), ("REV", "REV"), ("BYSCORE", "BYLEX"),
             ("BYSCORE", "BYSCORE"), ("LIMIT", "1"), ("LIMIT", "x", "1"), ("LIMIT", "1", "x"), ("FOO",),
             ("withscores", "rev", "byscore", "limit", "1", "100")]
    ranges = [("0", "-1"), ("2", "5"), ("-3", "-1"), ("5", "2"), ("0", "100"), ("100", "200"), ("-100", "1"),
              ("(1", "4"), ("-inf", "+inf"), ("+inf", "-inf"), ("x", "1"), ("[m02", "(m07"), ("-", "+"), ("[b", "[f"),
              ("+", "-")]
    for f in forms:
        for a, b in ranges:
            out.append(C("ZRANGE", "r", a, b, *f))
            if "BYLEX" in f:
                out.append(C("ZRANGE", "lx", a, b, *f))
    for a, b in ranges:
        out.append(C("ZREVRANGE", "r", a, b))
        out.append(C("ZREVRANGE", "r", a, b, "WITHSCORES"))
        out.append(C("ZREVRANGE", "r", a, b, "LIMIT", "0", "1"))
        out.append(C("ZRANGEBYSCORE", "r", a, b, "WITHSCORES", "LIMIT", "1", "2"))
        out.append(C("ZREVRANGEBYSCORE", "r", b, a, "LIMIT", "1", "2"))
        out.append(C("ZRANGEBYLEX", "lx", a, b, "LIMIT", "1", "2"))
        out.append(C("ZREVRANGEBYLEX", "lx", b, a, "LIMIT", "0", "3"))
        out.append(C("ZRANGEBYLEX", "lx", a, b, "WITHSCORES"))
        out.append(C("ZRANGEBYSCORE", "r", a, b, "REV"))
    out += [C("ZRANGE", "nokey", "0", "-1"), C("ZRANGE", "nokey", "x", "-1"), C("ZRANGEBYSCORE", "nokey", "0", "1"),
            C("ZRANGE", "nokey", "0", "-1", "LIMIT", "0", "1")]
    return out


def seq_zrangestore():
    out = [C("ZADD", "src", *[x for i in range(20) for x in (str(i % 7), "m%02d" % i)]),
           C("SET", "dst", "string"), C("EXPIRE", "dst", "1000")]
    for args in [("0", "-1"), ("0", "4"), ("5", "2"), ("-inf", "+inf", "BYSCORE"), ("(2", "5", "BYSCORE", "LIMIT", "1", "3"),
                 ("5", "(2", "BYSCORE", "REV"), ("[m03", "[m09", "BYLEX"), ("0", "-1", "REV"),
                 ("0", "-1", "WITHSCORES"), ("10", "20", "BYSCORE"), ("0", "2", "LIMIT", "0", "1")]:
        out.append(C("ZRANGESTORE", "dst", "src", *args))
        out.append(C("TYPE", "dst"))
        out.append(C("TTL", "dst"))
        out.append(C("ZRANGE", "dst", "0", "-1", "WITHSCORES"))
        out.append(C("OBJECT", "ENCODING", "dst"))
    out += [C("ZRANGESTORE", "dst", "nokey", "0", "-1"), C("EXISTS", "dst"),
            C("ZRANGESTORE", "src", "src", "0", "3"), C("ZRANGE", "src", "0", "-1", "WITHSCORES"),
            C("CONFIG", "SET", "zset-max-listpack-entries", "3"),
            C("ZRANGESTORE", "d2", "src", "0", "3"), C("OBJECT", "ENCODING", "d2"),
            C("ZRANGESTORE", "d3", "src", "0", "2"), C("OBJECT", "ENCODING", "d3"),
            C("ZRANGESTORE", "d4", "src", "-inf", "inf", "BYSCORE"), C("OBJECT", "ENCODING", "d4"),
            C("CONFIG", "SET", "zset-max-listpack-entries", "128")]
    return out


def seq_remrange_and_pop():
    out = []
    for big in (False, True):
        n = 200 if big else 20
        k = "rr%d" % big
        fill = C("ZADD", k, *[x for i in range(n) for x in (str(i % 9), "m%03d" % i)])
        for cmd in [("ZREMRANGEBYRANK", k, "0", "2"), ("ZREMRANGEBYRANK", k, "-3", "-1"), ("ZREMRANGEBYRANK", k, "5", "2"),
                    ("ZREMRANGEBYRANK", k, "x", "1"), ("ZREMRANGEBYRANK", k, "100", "1000"),
                    ("ZREMRANGEBYSCORE", k, "(2", "4"), ("ZREMRANGEBYSCORE", k, "x", "1"), ("ZREMRANGEBYSCORE", k, "7", "3"),
                    ("ZREMRANGEBYLEX", k, "[m010", "(m050"), ("ZREMRANGEBYLEX", k, "a", "b"),
                    ("ZREMRANGEBYRANK", k, "0", "-1"), ("ZREMRANGEBYSCORE", k, "-inf", "inf"),
                    ("ZREMRANGEBYLEX", k, "-", "+")]:
            if big and cmd[0] == "ZREMRANGEBYLEX":
                # lex ranges of a skiplist need equal scores to be specified
                out += [C("DEL", k), C("ZADD", k, *[x for i in range(n) for x in ("0", "m%03d" % i)])]
            else:
                out.append(fill)
            out += [C(*cmd), C("ZCARD", k), C("ZRANGE", k, "0", "-1", "WITHSCORES"), C("EXISTS", k)]
        out.append(fill)
        for cmd in [("ZPOPMIN", k), ("ZPOPMAX", k), ("ZPOPMIN", k, "1"), ("ZPOPMAX", k, "3"), ("ZPOPMIN", k, "0"),
                    ("ZPOPMIN", k, "-1"), ("ZPOPMIN", k, "x"), ("ZPOPMIN", k, "1", "2"),
                    ("ZMPOP", "1", k, "MIN"), ("ZMPOP", "1", k, "MAX", "COUNT", "4"), ("ZMPOP", "2", "nokey", k, "min", "count", "2"),
                    ("ZMPOP", "1", "nokey", "MIN"), ("ZMPOP", "0", k, "MIN"), ("ZMPOP", "-1", k, "MIN"),
                    ("ZMPOP", "x", k, "MIN"), ("ZMPOP", "2", k, "MIN"), ("ZMPOP", "1", k, "FOO"),
                    ("ZMPOP", "1", k, "MIN", "COUNT"), ("ZMPOP", "1", k, "MIN", "COUNT", "0"),
                    ("ZMPOP", "1", k, "MIN", "COUNT", "x"), ("ZMPOP", "1", k, "MIN", "COUNT", "1", "COUNT", "1"),
                    ("ZMPOP", "1", k, "MIN", "FOO", "1"), ("ZMPOP", "3", k, "MIN"),
                    ("ZMPOP", "9223372036854775807", k, "MIN"), ("ZPOPMAX", k, "1000"), ("EXISTS", k),
                    ("ZPOPMIN", k), ("ZPOPMIN", k, "2"), ("ZMPOP", "1", k, "MAX")]:
            out.append(C(*cmd))
    return out


def seq_setops():
    out = [C("ZADD", "a", "1", "x", "2", "y", "3", "z"), C("ZADD", "b", "10", "y", "20", "z", "30", "w"),
           C("ZADD", "c", "inf", "x", "-inf", "y", "5", "z", "0", "v", "-1", "u"), C("ZADD", "e", "100", "only")]
    forms = [(), ("WITHSCORES",), ("WEIGHTS", "2", "3"), ("WEIGHTS", "0", "1", "WITHSCORES"),
             ("AGGREGATE", "MIN", "WITHSCORES"), ("AGGREGATE", "MAX", "WITHSCORES"), ("AGGREGATE", "sum", "WITHSCORES"),
             ("WEIGHTS", "inf", "-inf", "WITHSCORES"), ("WEIGHTS", "1"), ("WEIGHTS", "1", "x"), ("AGGREGATE", "avg"),
             ("AGGREGATE",), ("FOO",), ("WITHSCORES", "WITHSCORES"), ("WEIGHTS", "1", "2", "AGGREGATE", "MAX", "WITHSCORES"),
             ("WEIGHTS", "-1", "nan"), ("WEIGHTS", "0", "0", "WITHSCORES")]
    pairs = [("a", "b"), ("a", "c"), ("b", "c"), ("a", "nokey"), ("nokey", "a"), ("a", "a"), ("c", "e")]
    for cmd in ("ZUNION", "ZINTER", "ZDIFF"):
        for p in pairs:
            for f in forms:
                out.append(C(cmd, "2", *p, *f))
        out += [C(cmd, "1", "a", "WITHSCORES"), C(cmd, "3", "a", "b", "c", "WITHSCORES"), C(cmd, "0", "a"),
                C(cmd, "-1", "a"), C(cmd, "x", "a"), C(cmd, "3", "a", "b"), C(cmd, "9223372036854775807", "a"),
                C(cmd, "1", "nokey")]
        store = cmd + "STORE"
        for p in pairs:
            for f in forms[:8] + forms[14:]:
                if "WITHSCORES" in f:
                    continue
                out += [C(store, "dst", "2", *p, *f), C("ZRANGE", "dst", "0", "-1", "WITHSCORES"),
                        C("OBJECT", "ENCODING", "dst")]
        out += [C(store, "dst", "2", "a", "b", "WITHSCORES"), C(store, "dst", "0", "a"), C(store, "dst", "3", "a"),
                C("SET", "dst", "v"), C("EXPIRE", "dst", "1000"), C(store, "dst", "1", "a"), C("TTL", "dst"),
                C(store, "dst", "1", "nokey"), C("EXISTS", "dst"), C(store, "a2", "2", "a", "b"),
                C(store, "a", "2", "a", "b"), C("ZRANGE", "a", "0", "-1", "WITHSCORES"),
                C("ZADD", "a", "1", "x", "2", "y", "3", "z")]
    out += [C("ZINTERCARD", "2", "a", "b"), C("ZINTERCARD", "2", "a", "b", "LIMIT", "1"),
            C("ZINTERCARD", "2", "a", "b", "LIMIT", "0"), C("ZINTERCARD", "2", "a", "b", "LIMIT", "-1"),
            C("ZINTERCARD", "2", "a", "b", "LIMIT", "x"), C("ZINTERCARD", "2", "a", "b", "LIMIT"),
            C("ZINTERCARD", "2", "a", "b", "WEIGHTS", "1", "2"), C("ZINTERCARD", "2", "a", "b", "WITHSCORES"),
            C("ZINTERCARD", "0", "a"), C("ZINTERCARD", "3", "a", "b"), C("ZINTERCARD", "1", "nokey"),
            C("ZINTERCARD", "3", "a", "b", "c", "LIMIT", "2", "LIMIT", "5")]
    return out


def seq_setops_big_and_encoding():
    out = [C("ZADD", "b1", *[x for i in range(300) for x in (str(i), "m%d" % i)]),
           C("ZADD", "b2", *[x for i in range(0, 600, 2) for x in (str(i * 0.5), "m%d" % i)])]
    for cmd in ("ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"):
        out += [C(cmd, "d", "2", "b1", "b2"), C("OBJECT", "ENCODING", "d"), C("ZCARD", "d"),
                C("ZRANGE", "d", "0", "20", "WITHSCORES"), C("ZRANGE", "d", "-5", "-1", "WITHSCORES")]
    out += [C("ZINTER", "2", "b1", "b2", "WITHSCORES"), C("ZDIFF", "2", "b2", "b1"), C("ZINTERCARD", "2", "b1", "b2"),
            C("ZUNION", "2", "b1", "b2", "AGGREGATE", "MAX", "WITHSCORES")]
    # results small enough for a listpack, from skiplist inputs
    out += [C("ZADD", "b3", *[x for i in range(295) for x in (str(i), "m%d" % i)]),
            C("ZDIFFSTORE", "d", "2", "b1", "b3"), C("OBJECT", "ENCODING", "d"), C("ZRANGE", "d", "0", "-1", "WITHSCORES"),
            C("ZADD", "long", "1", "x" * 65), C("ZUNIONSTORE", "d", "1", "long"), C("OBJECT", "ENCODING", "d")]
    return out


def seq_encoding_conversions():
    out = []
    for n in (127, 128, 129, 200):
        k = "enc%d" % n
        out.append(C("ZADD", k, *[x for i in range(n) for x in (str(i), "m%d" % i)]))
        out.append(C("OBJECT", "ENCODING", k))
    out += [C("ZADD", "v", "1", "x" * 64), C("OBJECT", "ENCODING", "v"), C("ZADD", "v", "1", "y" * 65),
            C("OBJECT", "ENCODING", "v"), C("ZREM", "v", "y" * 65), C("OBJECT", "ENCODING", "v"),
            C("ZADD", "w", "1", "y" * 65), C("OBJECT", "ENCODING", "w"),
            # ZADD on a new key decides from the first member only (Redis 7.0)
            C("ZADD", "dup", *[x for i in range(200) for x in ("1", "a")]), C("OBJECT", "ENCODING", "dup"),
            C("ZADD", "fl", "1", "short", "2", "y" * 70), C("OBJECT", "ENCODING", "fl"),
            C("CONFIG", "SET", "zset-max-listpack-entries", "0"), C("ZADD", "z0", "1", "a"), C("OBJECT", "ENCODING", "z0"),
            C("CONFIG", "SET", "zset-max-listpack-entries", "4"), C("CONFIG", "SET", "zset-max-listpack-value", "3"),
            C("ZADD", "z4", "1", "a", "2", "b", "3", "c", "4", "d"), C("OBJECT", "ENCODING", "z4"),
            C("ZADD", "z4", "5", "e"), C("OBJECT", "ENCODING", "z4"), C("ZADD", "z5", "1", "abcd"),
            C("OBJECT", "ENCODING", "z5"), C("ZINCRBY", "z6", "1", "abc"), C("OBJECT", "ENCODING", "z6"),
            C("ZINCRBY", "z6", "1", "abcd"), C("OBJECT", "ENCODING", "z6"),
            C("CONFIG", "SET", "zset-max-listpack-entries", "128"), C("CONFIG", "SET", "zset-max-listpack-value", "64"),
            C("ZADD", "neg", "-0", "a"), C("ZSCORE", "neg", "a"), C("ZADD", "neg", "INCR", "-0", "b"),
            C("ZRANGE", "neg", "0", "-1", "WITHSCORES"), C("ZSCAN", "neg", "0")]
    # skiplist keeps -0
    out += [C("ZADD", "negbig", *[x for i in range(130) for x in (str(i), "m%d" % i)]),
            C("ZADD", "negbig", "-0", "z"), C("ZSCORE", "negbig", "z"), C("ZADD", "negbig", "0", "z"),
            C("ZSCORE", "negbig", "z"), C("ZRANGEBYSCORE", "negbig", "-0", "0", "WITHSCORES")]
    return out


def seq_mixed_score_lex_listpack():
    # Lex ranges over a listpack whose members are not in lexical order: Redis's linear scans.
    out = [C("ZADD", "mx", "1", "d", "2", "a", "3", "c", "4", "b", "5", "e")]
    bounds = ["-", "+", "[a", "(a", "[b", "(c", "[c", "[d", "(e", "[f"]
    for a in bounds:
        for b in bounds:
            out += [C("ZRANGEBYLEX", "mx", a, b), C("ZREVRANGEBYLEX", "mx", b, a), C("ZLEXCOUNT", "mx", a, b),
                    C("ZRANGEBYLEX", "mx", a, b, "LIMIT", "1", "2"), C("ZREVRANGEBYLEX", "mx", b, a, "LIMIT", "2", "5")]
    for a, b in [("[a", "[c"), ("[b", "[d"), ("-", "[b"), ("(c", "+")]:
        out += [C("ZADD", "mx2", "1", "d", "2", "a", "3", "c", "4", "b", "5", "e"), C("ZREMRANGEBYLEX", "mx2", a, b),
                C("ZRANGE", "mx2", "0", "-1"), C("DEL", "mx2")]
    return out


def seq_misc_reads():
    out = [C("ZADD", "m", "1", "a", "2", "b", "3", "c", "3", "d"), C("ZCARD", "m"), C("ZCARD", "nokey"),
           C("ZSCORE", "m", "c"), C("ZSCORE", "m", "nope"), C("ZSCORE", "nokey", "a"),
           C("ZMSCORE", "m", "a", "nope", "d"), C("ZMSCORE", "nokey", "a", "b"), C("ZRANK", "m", "d"),
           C("ZRANK", "m", "nope"), C("ZRANK", "nokey", "a"), C("ZREVRANK", "m", "a"), C("ZREVRANK", "m", "nope"),
           C("ZREM", "m", "a", "a", "nope"), C("ZREM", "nokey", "a"), C("ZREM", "m", "b", "c", "d", "x"),
           C("EXISTS", "m"),
           C("ZADD", "m", "1", "a", "2", "b", "3", "c"),
           C("ZRANDMEMBER", "m", "10"), C("ZRANDMEMBER", "m", "3"), C("ZRANDMEMBER", "m", "3", "WITHSCORES"),
           C("ZRANDMEMBER", "m", "0"), C("ZRANDMEMBER", "m", "0", "WITHSCORES"), C("ZRANDMEMBER", "m", "x"),
           C("ZRANDMEMBER", "m", "1", "FOO"), C("ZRANDMEMBER", "m", "1", "WITHSCORES", "x"),
           C("ZRANDMEMBER", "m", "-9223372036854775808"), C("ZRANDMEMBER", "m", "9223372036854775807", "WITHSCORES"),
           C("ZRANDMEMBER", "m", "-9223372036854775807", "WITHSCORES"), C("ZRANDMEMBER", "nokey"),
           C("ZRANDMEMBER", "nokey", "5"), C("ZRANDMEMBER", "nokey", "5", "WITHSCORES"),
           C("ZRANDMEMBER", "m", "-5", mode="skip"), C("ZRANDMEMBER", "m", mode="skip"),
           C("ZSCAN", "m", "0"), C("ZSCAN", "m", "0", "MATCH", "b*"), C("ZSCAN", "m", "0", "COUNT", "1"),
           C("ZSCAN", "m", "0", "COUNT", "0"), C("ZSCAN", "m", "0", "COUNT", "x"), C("ZSCAN", "m", "0", "TYPE", "zset"),
           C("ZSCAN", "m", "0", "MATCH"), C("ZSCAN", "m", "x"), C("ZSCAN", "m", "-1"), C("ZSCAN", "nokey", "0"),
           C("ZSCAN", "nokey", "0", "COUNT", "0"), C("ZSCAN", "nokey", "x")]
    return out


DETERMINISTIC = {
    "arity_and_wrongtype": seq_arity_and_wrongtype,
    "zadd_matrix": seq_zadd_matrix,
    "scores_formatting": seq_scores_formatting,
    "range_parsing": seq_range_parsing,
    "zrange_options": seq_zrange_options,
    "zrangestore": seq_zrangestore,
    "remrange_and_pop": seq_remrange_and_pop,
    "setops": seq_setops,
    "setops_big_and_encoding": seq_setops_big_and_encoding,
    "encoding_conversions": seq_encoding_conversions,
    "mixed_score_lex_listpack": seq_mixed_score_lex_listpack,
    "misc_reads": seq_misc_reads,
}


def _restore_config(*servers):
    for s in servers:
        with RawConn(s.port) as c:
            c.cmd("CONFIG", "SET", "zset-max-listpack-entries", "128")
            c.cmd("CONFIG", "SET", "zset-max-listpack-value", "64")


@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("name", sorted(DETERMINISTIC))
def test_zset_differential_sequence(name, resp, redis_ref, server):
    steps = DETERMINISTIC[name]()
    if resp == 3:
        steps = [C("HELLO", "3", mode="skip")] + steps
    try:
        run_differential(redis_ref.port, server.port, steps, "%s/resp%d" % (name, resp))
    finally:
        _restore_config(redis_ref, server)


def _sadd_supported(server):
    with RawConn(server.port) as c:
        return not c.cmd("SADD", "__probe__", "x").startswith(b"-ERR unknown command")


@pytest.mark.parametrize("resp", [2, 3])
def test_zset_differential_sets_as_inputs(resp, redis_ref, server):
    if not _sadd_supported(server):
        pytest.skip("the server has no SADD yet")
    steps = [C("HELLO", "3", mode="skip")] if resp == 3 else []
    steps += [C("SADD", "si", "1", "2", "3", "10"), C("SADD", "ss", "a", "b", "c", "1"),
              C("ZADD", "z", "5", "1", "6", "a", "7", "q", "8", "10")]
    for cmd in ("ZUNION", "ZINTER", "ZDIFF"):
        for keys in (("si", "z"), ("z", "si"), ("ss", "z"), ("si", "ss"), ("z", "ss", "si")):
            out = [C(cmd, str(len(keys)), *keys, "WITHSCORES")]
            if cmd != "ZDIFF":
                out.append(C(cmd, str(len(keys)), *keys, "WEIGHTS", *["2"] * len(keys), "AGGREGATE", "MAX",
                             "WITHSCORES"))
            steps += out
            steps += [C(cmd + "STORE", "d", str(len(keys)), *keys), C("ZRANGE", "d", "0", "-1", "WITHSCORES"),
                      C("OBJECT", "ENCODING", "d")]
    steps += [C("ZINTERCARD", "2", "si", "z"), C("ZINTERCARD", "3", "si", "ss", "z"),
              C("ZUNION", "1", "ss", mode="sorted"), C("ZRANGE", "si", "0", "-1"), C("ZADD", "si", "1", "x"),
              C("ZMPOP", "2", "nokey", "si", "MIN")]
    run_differential(redis_ref.port, server.port, steps, "sets-as-inputs/resp%d" % resp)


# ======================================================================================== random sequences
class ZRandomCommands:
    KEYS = ["z0", "z1", "z2", "z3", "z4"]  # any scores
    LEX = ["l0", "l1", "l2"]  # every score 0: lex ranges are specified even as skiplists
    MEMBERS = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "1", "2", "10", "-1",
               "", "x" * 20, "longer-member-%s" % ("y" * 30)]
    SCORES = ["0", "1", "2", "3", "-1", "-2", "5", "10", "1.5", "2.5", "-0.5", "100", "7"]

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def key(self):
        r = self.rng.random()
        if r < 0.04:
            return "str"
        if r < 0.08:
            return "nokey"
        return self.rng.choice(self.KEYS)

    def any_key(self):
        return self.rng.choice(self.KEYS + self.LEX + ["str", "nokey"])

    def member(self):
        m = self.rng.choice(self.MEMBERS)
        if self.rng.random() < 0.3:
            m += str(self.rng.randint(0, 60))
        return m

    def score(self):
        r = self.rng.random()
        if r < 0.02:
            return self.rng.choice(["inf", "-inf", "+inf"])
        if r < 0.04:
            return self.rng.choice(["x", "nan", ""])
        return self.rng.choice(self.SCORES)

    def bound(self):
        b = self.rng.choice(self.SCORES + ["-inf", "+inf"])
        if self.rng.random() < 0.3:
            b = "(" + b
        return b

    def lexbound(self):
        r = self.rng.random()
        if r < 0.1:
            return "-"
        if r < 0.2:
            return "+"
        return self.rng.choice("[(") + self.member()

    def index(self):
        return str(self.rng.choice([0, 1, 2, 5, 10, -1, -2, -5, 50, -100, 200]))

    def limit(self):
        if self.rng.random() < 0.5:
            return ()
        return ("LIMIT", str(self.rng.choice([0, 1, 2, 5, -1])), str(self.rng.choice([0, 1, 3, 10, -1])))

    def pairs(self, lex=False):
        out = []
        for _ in range(self.rng.randint(1, 6)):
            out += ["0" if lex else self.score(), self.member()]
        if self.rng.random() < 0.05:
            out += [x for i in range(self.rng.randint(20, 150)) for x in ("0" if lex else str(i % 13), "bulk%d" % i)]
        return out

    def setop_keys(self):
        n = self.rng.randint(1, 3)
        return [str(n)] + [self.any_key() for _ in range(n)]

    def one(self):
        rng = self.rng
        k = self.key
        table = [
            (14, lambda: C("ZADD", k(), *rng.choice([(), (), ("NX",), ("XX",), ("GT",), ("LT", "CH"), ("CH",), ("XX", "GT")]),
                           *self.pairs())),
            (3, lambda: C("ZADD", k(), "INCR", *rng.choice([(), ("NX",), ("XX",), ("GT",)]), self.score(), self.member())),
            (4, lambda: C("ZINCRBY", k(), self.score(), self.member())),
            (5, lambda: C("ZADD", rng.choice(self.LEX), *rng.choice([(), ("NX",), ("CH",)]), *self.pairs(lex=True))),
            (4, lambda: C("ZREM", rng.choice([k(), rng.choice(self.LEX)]), *[self.member() for _ in range(rng.randint(1, 3))])),
            (2, lambda: C("ZCARD", self.any_key())),
            (3, lambda: C("ZSCORE", self.any_key(), self.member())),
            (2, lambda: C("ZMSCORE", self.any_key(), self.member(), self.member())),
            (3, lambda: C(rng.choice(["ZRANK", "ZREVRANK"]), self.any_key(), self.member())),
            (3, lambda: C("ZCOUNT", k(), self.bound(), self.bound())),
            (3, lambda: C("ZLEXCOUNT", rng.choice(self.LEX), self.lexbound(), self.lexbound())),
            (6, lambda: C("ZRANGE", self.any_key(), self.index(), self.index(),
                          *rng.choice([(), ("WITHSCORES",), ("REV",), ("REV", "WITHSCORES")]))),
            (4, lambda: C("ZRANGE", k(), self.bound(), self.bound(), "BYSCORE",
                          *rng.choice([(), ("REV",)]), *rng.choice([(), ("WITHSCORES",)]), *self.limit())),
            (3, lambda: C("ZRANGE", rng.choice(self.LEX), self.lexbound(), self.lexbound(), "BYLEX",
                          *rng.choice([(), ("REV",)]), *self.limit())),
            (3, lambda: C(rng.choice(["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"]), k(), self.bound(), self.bound(),
                          *rng.choice([(), ("WITHSCORES",)]), *self.limit())),
            (3, lambda: C(rng.choice(["ZRANGEBYLEX", "ZREVRANGEBYLEX"]), rng.choice(self.LEX), self.lexbound(),
                          self.lexbound(), *self.limit())),
            (2, lambda: C("ZREVRANGE", self.any_key(), self.index(), self.index(), *rng.choice([(), ("WITHSCORES",)]))),
            (3, lambda: C("ZRANGESTORE", k(), self.any_key(), *rng.choice([
                (self.index(), self.index()), (self.bound(), self.bound(), "BYSCORE"),
                (self.index(), self.index(), "REV")]))),
            (2, lambda: C("ZREMRANGEBYRANK", rng.choice([k(), rng.choice(self.LEX)]), self.index(), self.index())),
            (2, lambda: C("ZREMRANGEBYSCORE", k(), self.bound(), self.bound())),
            (2, lambda: C("ZREMRANGEBYLEX", rng.choice(self.LEX), self.lexbound(), self.lexbound())),
            (3, lambda: C(rng.choice(["ZPOPMIN", "ZPOPMAX"]), rng.choice([k(), rng.choice(self.LEX)]),
                          *rng.choice([(), ("1",), ("3",), ("0",), ("100",)]))),
            (2, lambda: C("ZMPOP", *self.setop_keys(), rng.choice(["MIN", "MAX", "max"]),
                          *rng.choice([(), ("COUNT", "2"), ("COUNT", "10")]))),
            (3, lambda: C(rng.choice(["ZUNION", "ZINTER", "ZDIFF"]), *self.setop_keys(),
                          *rng.choice([(), ("WITHSCORES",), ("AGGREGATE", "MIN", "WITHSCORES"),
                                       ("AGGREGATE", "MAX", "WITHSCORES")]))),
            (3, lambda: C(rng.choice(["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"]), k(), *self.setop_keys(),
                          *rng.choice([(), ("AGGREGATE", "MAX"), ("AGGREGATE", "MIN")]))),
            (1, lambda: C("ZINTERCARD", *self.setop_keys(), *rng.choice([(), ("LIMIT", "1"), ("LIMIT", "0")]))),
            (1, lambda: C("ZRANDMEMBER", self.any_key(), rng.choice(["1000", "0", "-0"]),
                          *rng.choice([(), ("WITHSCORES",)]))),
            (2, lambda: C("ZRANDMEMBER", self.any_key(), *rng.choice([(), ("2",), ("-3", "WITHSCORES")]), mode="skip")),
            (2, lambda: C("OBJECT", "ENCODING", self.any_key())),
            (1, lambda: C("TYPE", self.any_key())),
            (1, lambda: C("DEL", self.any_key())),
            (1, lambda: C("SET", "str", "v")),
            (1, lambda: C("ZSCAN", self.any_key(), "0", mode="skip")),
        ]
        total = sum(w for w, _ in table)
        pick = rng.uniform(0, total)
        for w, fn in table:
            pick -= w
            if pick <= 0:
                break
        step = fn()
        r = rng.random()
        if r < 0.02 and len(step.args) > 1:
            step = C(*step.args[:-1], mode=step.mode)
        elif r < 0.03:
            step = C(*(step.args + ("junk",)), mode=step.mode)
        if step.args[0] == "ZRANDMEMBER" and len(step.args) == 2:
            step.mode = "skip"  # a random member
        return step

    def steps(self, count, small_limits=False):
        out = []
        if small_limits:
            out += [C("CONFIG", "SET", "zset-max-listpack-entries", "6"),
                    C("CONFIG", "SET", "zset-max-listpack-value", "12")]
        out += [self.one() for _ in range(count)]
        out += [C("ZRANGE", key, "0", "-1", "WITHSCORES") for key in self.KEYS + self.LEX]
        return out


def _run_random(redis_ref, server, seed, count, resp, small_limits):
    steps = ZRandomCommands(seed).steps(count, small_limits)
    if resp == 3:
        steps = [C("HELLO", "3", mode="skip")] + steps
    try:
        run_differential(redis_ref.port, server.port, steps,
                         "zset-random/seed=%d/resp%d/small=%s" % (seed, resp, small_limits))
    finally:
        _restore_config(redis_ref, server)


@pytest.mark.timeout_s(120)
def test_zset_differential_random_resp2(redis_ref, server):
    _run_random(redis_ref, server, 20240611, 2500, 2, False)


@pytest.mark.timeout_s(120)
def test_zset_differential_random_resp3(redis_ref, server):
    _run_random(redis_ref, server, 4242, 2000, 3, False)


@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_zset_differential_random_small_limits(redis_ref, server, seed):
    _run_random(redis_ref, server, seed, 1200, 2 if seed % 2 else 3, True)


# ======================================================================================== full ZSCAN iterations
def _zscan_all(conn, key, *args):
    cursor = b"0"
    pairs = set()
    for _ in range(100000):
        v = parse_reply(conn.cmd("ZSCAN", key, cursor, *args))[0]
        cursor, items = v[0], v[1]
        for i in range(0, len(items), 2):
            pairs.add((items[i], items[i + 1]))
        if cursor == b"0":
            return sorted(pairs)
    raise AssertionError("ZSCAN did not finish")


@pytest.mark.timeout_s(60)
def test_zset_zscan_full_iteration_matches(redis_ref, server):
    ref, sut = RawConn(redis_ref.port), RawConn(server.port)
    try:
        for c in (ref, sut):
            c.cmd("FLUSHALL")
            c.cmd("ZADD", "big", *[x for i in range(1000) for x in ("%d.5" % i, "mem%d" % i)])
            c.cmd("ZADD", "big", "-0", "negzero", "inf", "top", "0.1", "tenth")
            c.cmd("ZADD", "small", "1", "a", "2.5", "b", "-0", "c")
        for key, args in [("big", ()), ("big", ("COUNT", "7")), ("big", ("MATCH", "mem1*")),
                          ("big", ("COUNT", "1000", "MATCH", "*9")), ("small", ())]:
            assert _zscan_all(ref, key, *args) == _zscan_all(sut, key, *args), (key, args)
        assert ref.cmd("ZSCAN", "small", "0") == sut.cmd("ZSCAN", "small", "0")
    finally:
        ref.close()
        sut.close()
