"""Differential tests for the set commands: the same sequences go as raw RESP to redis-server and
to the server under test, replies compared byte for byte (RESP2 and RESP3), errors and WRONGTYPE
included, with OBJECT ENCODING checked as sets cross the intset limits.

Replies whose order Redis leaves unspecified (members of a hashtable set) are compared sorted;
random replies (SPOP / SRANDMEMBER that do not return the whole set) are sent but not compared,
and SPOP is only used in forms whose result is deterministic so both servers keep equal data.
Intset results, whose ascending order is specified, are compared exactly in the deterministic
sequences. Full SSCAN iterations are compared as sorted member lists (cursors are opaque)."""
import random

import pytest

from helpers import RawConn, parse_reply
from test_differential import C, run_differential

SETCMDS = ["SADD", "SREM", "SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD", "SPOP", "SRANDMEMBER",
           "SMOVE", "SINTER", "SINTERCARD", "SUNION", "SDIFF", "SINTERSTORE", "SUNIONSTORE",
           "SDIFFSTORE", "SSCAN"]


# ======================================================================================== deterministic sequences
def seq_errors():
    out = []
    for cmd in SETCMDS:
        for n in range(0, 3):
            out.append(C(cmd, *["k"] * n))  # arity errors (and some valid calls on a missing key)
    out += [C("SET", "str", "x"), C("SADD", "s", "a", "1")]
    for cmd in [("SADD", "str", "a"), ("SREM", "str", "a"), ("SCARD", "str"), ("SMEMBERS", "str"),
                ("SISMEMBER", "str", "a"), ("SMISMEMBER", "str", "a", "b"), ("SPOP", "str"),
                ("SPOP", "str", "2"), ("SPOP", "str", "-2"), ("SRANDMEMBER", "str"),
                ("SRANDMEMBER", "str", "2"), ("SRANDMEMBER", "str", "x"), ("SSCAN", "str", "0"),
                ("SSCAN", "str", "x"), ("SINTER", "str"), ("SINTER", "nokey", "str"),
                ("SINTER", "s", "nokey", "str"), ("SUNION", "s", "str"), ("SDIFF", "nokey", "str"),
                ("SINTERCARD", "1", "str"), ("SINTERCARD", "2", "nokey", "str"),
                ("SINTERSTORE", "d", "s", "str"), ("SUNIONSTORE", "d", "str"),
                ("SDIFFSTORE", "d", "nokey", "str"), ("SMOVE", "str", "s", "a"),
                ("SMOVE", "s", "str", "a"), ("SMOVE", "s", "str", "zz"), ("SMOVE", "nokey", "str", "a")]:
        out.append(C(*cmd))
    out += [
        C("SPOP", "s", "-1"), C("SPOP", "s", "x"), C("SPOP", "s", "9223372036854775808"),
        C("SPOP", "s", "1", "2"), C("SRANDMEMBER", "s", "1", "2"), C("SRANDMEMBER", "s", "x"),
        C("SRANDMEMBER", "s", "-9223372036854775808"), C("SRANDMEMBER", "s", "9223372036854775808"),
        C("SINTERCARD", "0", "s"), C("SINTERCARD", "-1", "s"), C("SINTERCARD", "x", "s"),
        C("SINTERCARD", "2", "s"), C("SINTERCARD", "9223372036854775808", "s"),
        C("SINTERCARD", "1", "s", "LIMIT"), C("SINTERCARD", "1", "s", "LIMIT", "-1"),
        C("SINTERCARD", "1", "s", "LIMIT", "x"), C("SINTERCARD", "1", "s", "FOO", "1"),
        C("SINTERCARD", "1", "s", "LIMIT", "1", "LIMIT", "0"),
        C("SSCAN", "s", "x"), C("SSCAN", "s", "18446744073709551616"),
        C("SADD", "is", "3", "1"), C("SSCAN", "is", "-1"), C("SSCAN", "is", "99999999999999999999"),
        C("SSCAN", "is", "+7", "COUNT", "1"),
        C("SSCAN", "s", "0", "COUNT"), C("SSCAN", "s", "0", "COUNT", "0"), C("SSCAN", "s", "0", "COUNT", "-5"),
        C("SSCAN", "s", "0", "COUNT", "x"), C("SSCAN", "s", "0", "MATCH"), C("SSCAN", "s", "0", "TYPE", "set"),
        C("SSCAN", "s", "0", "FOO", "bar"), C("SSCAN", "nokey", "0", "COUNT", "x"), C("SSCAN", "nokey", "x"),
        C("GET", "str"), C("SCARD", "s"),
    ]
    return out


def seq_intset_exact():
    """Intset replies have a specified (ascending) order: compared exactly."""
    return [
        C("SADD", "a", "5", "-3", "70000", "-70000", "1099511627776", "-9223372036854775808",
          "9223372036854775807", "0", "5"),
        C("OBJECT", "ENCODING", "a"), C("SMEMBERS", "a"), C("SCARD", "a"),
        C("SISMEMBER", "a", "70000"), C("SISMEMBER", "a", "070000"), C("SISMEMBER", "a", "+5"),
        C("SISMEMBER", "a", "-0"), C("SMISMEMBER", "a", "0", "-0", "5", "x", "9223372036854775807"),
        C("SADD", "b", "3", "1", "2", "5", "0"), C("SADD", "c", "2", "3", "9"),
        C("SINTER", "a", "b"), C("SINTER", "b", "c"), C("SINTER", "c", "b", "b"),
        C("SUNION", "a", "b", "c"), C("SUNION", "c"), C("SDIFF", "a", "b"), C("SDIFF", "b", "c", "a"),
        C("SDIFF", "b", "nokey"), C("SDIFF", "b", "b"), C("SUNION", "nokey", "c"),
        C("SINTERCARD", "2", "b", "c"), C("SINTERCARD", "2", "b", "c", "LIMIT", "1"),
        C("SINTERSTORE", "d", "b", "c"), C("SMEMBERS", "d"), C("OBJECT", "ENCODING", "d"),
        C("SUNIONSTORE", "d", "a", "c"), C("SMEMBERS", "d"), C("SDIFFSTORE", "d", "a", "b", "c"),
        C("SMEMBERS", "d"), C("SRANDMEMBER", "b", "5"), C("SRANDMEMBER", "b", "50"),
        C("SRANDMEMBER", "b", "0"), C("SRANDMEMBER", "nokey", "5"), C("SSCAN", "a", "0"),
        C("SSCAN", "a", "123", "COUNT", "1"), C("SSCAN", "a", "0", "MATCH", "*0*"),
        C("SSCAN", "a", "0", "MATCH", "-*", "COUNT", "2"),
        C("SMOVE", "b", "c", "0"), C("SMEMBERS", "b"), C("SMEMBERS", "c"), C("SMOVE", "b", "c", "0"),
        C("SMOVE", "c", "c", "0"), C("SMOVE", "c", "c", "42"), C("SMOVE", "b", "new", "5"),
        C("OBJECT", "ENCODING", "new"), C("SMEMBERS", "new"),
        C("SPOP", "c", "100"), C("EXISTS", "c"), C("SPOP", "b", "0"), C("SPOP", "b", "3"), C("EXISTS", "b"),
        C("SADD", "one", "7"), C("SPOP", "one"), C("EXISTS", "one"), C("SPOP", "one"),
        C("SREM", "a", "5", "5", "x", "0"), C("SMEMBERS", "a"), C("OBJECT", "ENCODING", "a"),
    ]


def seq_encoding_conversions():
    ints = [str(i) for i in range(512)]
    return [
        C("SADD", "i", *ints), C("OBJECT", "ENCODING", "i"), C("SCARD", "i"),
        C("SMEMBERS", "i"),  # an intset: ascending
        C("SADD", "i", "512"), C("OBJECT", "ENCODING", "i"), C("SCARD", "i"),
        C("SMEMBERS", "i", mode="sorted"),
        C("SREM", "i", *[str(i) for i in range(5, 513)]), C("OBJECT", "ENCODING", "i"),
        C("SMEMBERS", "i", mode="sorted"),
        C("SADD", "j", *[str(i) for i in range(600)]), C("OBJECT", "ENCODING", "j"),
        C("SADD", "k", *[str(i) for i in range(-300, 0)]), C("OBJECT", "ENCODING", "k"),
        # Results become intsets or hashtables by their own members and size.
        C("SUNIONSTORE", "u", "k", "i"), C("OBJECT", "ENCODING", "u"), C("SMEMBERS", "u"),
        C("SUNIONSTORE", "u", "k", "j"), C("OBJECT", "ENCODING", "u"), C("SCARD", "u"),
        C("SINTERSTORE", "v", "j", "i"), C("OBJECT", "ENCODING", "v"), C("SMEMBERS", "v"),
        C("SDIFFSTORE", "w", "j", "i"), C("OBJECT", "ENCODING", "w"), C("SCARD", "w"),
        C("SINTERCARD", "2", "j", "u"), C("SINTERCARD", "3", "j", "u", "w", "LIMIT", "10"),
        C("SADD", "h", "a", "1", "2"), C("OBJECT", "ENCODING", "h"),
        C("SINTERSTORE", "x", "h", "i"), C("OBJECT", "ENCODING", "x"), C("SMEMBERS", "x"),
        C("SADD", "nc", "01", "+1", "-0", " 1", "1.0", "1e3"), C("OBJECT", "ENCODING", "nc"),
        C("SADD", "big", "12345678901234567890"), C("OBJECT", "ENCODING", "big"),
        C("SADD", "w16", "1", "32767", "-32768"), C("SADD", "w16", "32768"), C("SMEMBERS", "w16"),
        C("SADD", "w16", "-2147483649"), C("SMEMBERS", "w16"), C("OBJECT", "ENCODING", "w16"),
        C("SPOP", "j", "600", mode="sorted"), C("EXISTS", "j"),
        C("SRANDMEMBER", "w16", "-1", mode="skip"), C("SPOP", "w16", "10"), C("EXISTS", "w16"),
    ]


def seq_store_and_multikey():
    keys = ["{a}%d" % i for i in range(3)] + ["x%d" % i for i in range(5)]  # spread over shards
    out = [C("SADD", keys[0], "a", "b", "c", "1", "2"), C("SADD", keys[3], "b", "c", "d", "2", "3"),
           C("SADD", keys[5], "c", "2", "9")]
    for op in ["SINTER", "SUNION", "SDIFF"]:
        out += [C(op, keys[0], keys[3], keys[5], mode="sorted"), C(op, keys[5], keys[0], mode="sorted"),
                C(op, keys[0], keys[7], mode="sorted")]
        out += [C(op + "STORE", keys[1], keys[0], keys[3], keys[5]), C("SMEMBERS", keys[1], mode="sorted"),
                C("OBJECT", "ENCODING", keys[1]), C(op + "STORE", keys[4], keys[7], keys[0]),
                C("EXISTS", keys[4])]
    out += [
        C("SET", keys[6], "string"), C("EXPIRE", keys[6], "10000"),
        C("SUNIONSTORE", keys[6], keys[5]), C("TYPE", keys[6]), C("TTL", keys[6]),
        C("SET", keys[6], "string"), C("SINTERSTORE", keys[6], keys[5], keys[7]), C("EXISTS", keys[6]),
        C("SINTERSTORE", keys[0], keys[0], keys[3]), C("SMEMBERS", keys[0], mode="sorted"),
        C("SDIFFSTORE", keys[3], keys[3], keys[0]), C("SMEMBERS", keys[3], mode="sorted"),
        C("SDIFFSTORE", keys[3], keys[3], keys[3]), C("EXISTS", keys[3]),
        C("SMOVE", keys[5], keys[2], "9"), C("SMOVE", keys[5], keys[2], "c"), C("SMEMBERS", keys[2], mode="sorted"),
        C("OBJECT", "ENCODING", keys[2]), C("SMOVE", keys[5], keys[2], "2"), C("EXISTS", keys[5]),
        C("SINTERCARD", "3", keys[0], keys[2], keys[7]), C("SINTERCARD", "2", keys[0], keys[2]),
        C("COPY", keys[2], keys[4]), C("SMEMBERS", keys[4], mode="sorted"), C("SREM", keys[2], "c"),
        C("SCARD", keys[4]), C("SCARD", keys[2]),
    ]
    return out


DETERMINISTIC = {
    "errors": seq_errors,
    "intset_exact": seq_intset_exact,
    "encoding_conversions": seq_encoding_conversions,
    "store_and_multikey": seq_store_and_multikey,
}


@pytest.mark.parametrize("resp", ["2", "3"])
@pytest.mark.parametrize("name", sorted(DETERMINISTIC))
def test_set_differential_sequence(name, resp, redis_ref, server):
    steps = ([C("HELLO", "3", mode="skip")] if resp == "3" else []) + DETERMINISTIC[name]()
    run_differential(redis_ref.port, server.port, steps, "set/%s/resp%s" % (name, resp))


# ======================================================================================== seeded random
class RandomSetCommands:
    """Seeded generator of set commands over a few keys (one often holding a string)."""

    KEYS = ["s0", "s1", "s2", "{s}3", "i0", "i1", "str", ""]
    WORDS = ["a", "b", "c", "d", "e", "hello", "", "x" * 40, "01", "+1", "-0", " 1", "1.5", "\x00z"]

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def key(self):
        return self.rng.choice(self.KEYS)

    def member(self):
        r = self.rng.random()
        if r < 0.55:
            return str(self.rng.randint(-20, 40))
        if r < 0.65:
            return str(self.rng.choice([70000, -70000, 2 ** 40, -(2 ** 63), 2 ** 63 - 1, 32768, -32769]))
        return self.rng.choice(self.WORDS)

    def int_member(self):
        if self.rng.random() < 0.9:
            return str(self.rng.randint(-20, 40))
        return str(self.rng.choice([70000, -70000, 2 ** 40, -(2 ** 63), 2 ** 63 - 1, 32768, -32769]))

    def members(self, lo=1, hi=4, key=None):
        # Keys i0, i1 mostly get integers, so they stay intsets until they grow past 512.
        if key and key.startswith("i") and self.rng.random() < 0.97:
            return [self.int_member() for _ in range(self.rng.randint(lo, hi))]
        return [self.member() for _ in range(self.rng.randint(lo, hi))]

    def sadd(self):
        key = self.key()
        return C("SADD", key, *self.members(key=key))

    def keys(self, lo=1, hi=3):
        return [self.key() for _ in range(self.rng.randint(lo, hi))]

    def one(self):
        rng = self.rng
        k = self.key
        table = [
            (14, self.sadd),
            # Many integers at once: sets cross set-max-intset-entries (512) now and then.
            (2, lambda: C("SADD", k(), *[str(i) for i in range(rng.choice([0, 100, 300]), rng.choice([200, 450, 560]))])),
            (8, lambda: C("SREM", k(), *self.members())),
            (1, lambda: C("SREM", k(), *[str(i) for i in range(0, 500, rng.choice([1, 2, 3]))])),
            (5, lambda: C("SISMEMBER", k(), self.member())),
            (3, lambda: C("SMISMEMBER", k(), *self.members())),
            (4, lambda: C("SCARD", k())),
            (4, lambda: C("SMEMBERS", k(), mode="sorted")),
            (4, lambda: C("OBJECT", "ENCODING", k())),
            (4, lambda: C(rng.choice(["SINTER", "SUNION", "SDIFF"]), *self.keys(), mode="sorted")),
            (4, lambda: C(rng.choice(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), k(), *self.keys())),
            (3, lambda: C("SINTERCARD", *self.sintercard_args())),
            (4, lambda: C("SMOVE", k(), k(), self.member())),
            # SPOP only where the result is deterministic: the whole set, nothing, or an error.
            (2, lambda: C("SPOP", k(), rng.choice(["1000", "0", "-1", "x"]), mode="sorted")),
            (2, lambda: C("SRANDMEMBER", k(), rng.choice(["1000", "0", "x", "-9223372036854775808"]), mode="sorted")),
            (2, lambda: C("SRANDMEMBER", k(), *rng.choice([(), ("3",), ("-3",), ("1",)]), mode="skip")),
            # Cursors are opaque: SSCAN replies are not compared here (the deterministic
            # sequences pin intset replies and errors; full iterations are compared at the end).
            (2, lambda: C("SSCAN", k(), "0", *rng.choice([(), ("COUNT", "1000"), ("MATCH", "*1*")]),
                          mode="skip")),
            (2, lambda: C("SET", "str", rng.choice(["v", "1"]))),
            (1, lambda: C("DEL", k())),
            (1, lambda: C("TYPE", k())),
            (1, lambda: C("EXISTS", *self.keys())),
            (1, lambda: C("COPY", k(), k(), *rng.choice([(), ("REPLACE",)]))),
            (1, lambda: C("RENAME", k(), k())),
        ]
        total = sum(w for w, _ in table)
        pick = rng.uniform(0, total)
        for w, fn in table:
            pick -= w
            if pick <= 0:
                break
        step = fn()
        r = rng.random()
        if step.args[0] in ("SPOP", "SRANDMEMBER"):
            pass  # a dropped count would make the reply random (and SPOP's effect too)
        elif r < 0.02 and len(step.args) > 1:
            step = C(*step.args[:-1], mode=step.mode)
        elif r < 0.03:
            step = C(*(step.args + ("junk",)), mode=step.mode)
        return step

    def sintercard_args(self):
        keys = self.keys()
        n = self.rng.choice([len(keys)] * 6 + [0, len(keys) + 1, "x"])
        extra = self.rng.choice([(), (), ("LIMIT", str(self.rng.randint(0, 4))), ("LIMIT", "-1"), ("FOO",)])
        return (str(n), *keys, *extra)

    def steps(self, count):
        return [self.one() for _ in range(count)]


def _same_sets_by_sscan(ref_port, sut_port, keys):
    """Full SSCAN iterations of every key on both servers must return the same members."""
    for key in keys:
        got = []
        for port in (ref_port, sut_port):
            c = RawConn(port, timeout=10)
            try:
                cursor, seen = b"0", set()
                for _ in range(100000):
                    v = parse_reply(c.cmd("SSCAN", key, cursor, "COUNT", "7"))[0]
                    if not isinstance(v, list):
                        seen = v
                        break
                    cursor = v[0]
                    seen.update(v[1])
                    if cursor == b"0":
                        break
                got.append(seen)
            finally:
                c.close()
        assert got[0] == got[1], "SSCAN of %r: redis %r, sut %r" % (key, got[0], got[1])


def _check_random(redis_ref, server, seed, count, resp3):
    steps = ([C("HELLO", "3", mode="skip")] if resp3 else []) + RandomSetCommands(seed).steps(count)
    run_differential(redis_ref.port, server.port, steps, "set-random/seed=%d%s" % (seed, "/resp3" if resp3 else ""))
    _same_sets_by_sscan(redis_ref.port, server.port, RandomSetCommands.KEYS)


@pytest.mark.timeout_s(120)
def test_set_differential_random_resp2(redis_ref, server):
    _check_random(redis_ref, server, 20240611, 1500, False)


@pytest.mark.timeout_s(120)
def test_set_differential_random_resp3(redis_ref, server):
    _check_random(redis_ref, server, 4242, 1000, True)


@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_set_differential_random_more_seeds(redis_ref, server, seed):
    _check_random(redis_ref, server, seed, 500, seed == 2)


def test_set_sscan_full_iteration_matches(redis_ref, server):
    """Hashtable sets of several sizes: a full SSCAN returns exactly the members on both."""
    steps = [C("SADD", "h%d" % n, *["m%d" % i for i in range(n)]) for n in (1, 5, 100, 1000)]
    steps += [C("SADD", "n600", *[str(i) for i in range(600)]), C("SADD", "n10", *[str(i) for i in range(10)])]
    run_differential(redis_ref.port, server.port, steps, "set-sscan-setup")
    _same_sets_by_sscan(redis_ref.port, server.port, ["h1", "h5", "h100", "h1000", "n600", "n10", "none"])
