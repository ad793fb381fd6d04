"""Differential tests for the bitmap and HyperLogLog commands: the same sequences go as raw RESP to
redis-server and to the server under test, replies compared byte for byte in RESP2 and RESP3.

GET of every sketch is compared too, so the sparse/dense byte layout (opcode splits and merges,
the cached cardinality, promotion at hll-sparse-max-bytes) must be Redis's exactly. Sequences
cover range and overflow matrices, argument-order quirks, WRONGTYPE and corrupted sketches, and
seeded random mixes of all the commands over keys that span shards."""
import random

import pytest

from helpers import RawConn
from test_differential import C, run_differential

BITCMDS = ["SETBIT", "GETBIT", "BITCOUNT", "BITPOS", "BITOP", "BITFIELD", "BITFIELD_RO"]
HLLCMDS = ["PFADD", "PFCOUNT", "PFMERGE"]


@pytest.fixture(scope="module")
def coll_cmd(server):
    """A command creating a non-string key that the server under test supports (for WRONGTYPE)."""
    conn = RawConn(server.port)
    try:
        for cmd in (("LPUSH", "probe", "x"), ("SADD", "probe", "x"), ("HSET", "probe", "f", "v")):
            if conn.cmd(*cmd).startswith(b":"):
                return cmd[:1] + cmd[2:]
    finally:
        conn.close()
    pytest.skip("no collection type to build WRONGTYPE keys with")


def coll(cmd, key):
    return C(cmd[0], key, *cmd[1:])


# ======================================================================================== deterministic sequences
def seq_arity_and_errors(cc):
    out = []
    for cmd in BITCMDS + HLLCMDS:
        for n in range(0, 3):
            out.append(C(cmd, *["k"] * n))
    out += [C("SET", "s", "foobar"), coll(cc, "l")]
    for args in [
        ("SETBIT", "s", "x", "1"), ("SETBIT", "s", "-1", "1"), ("SETBIT", "s", "4294967296", "1"),
        ("SETBIT", "s", "0", "2"), ("SETBIT", "s", "0", "-1"), ("SETBIT", "l", "0", "1"), ("SETBIT", "l", "x", "y"),
        ("GETBIT", "s", "x"), ("GETBIT", "l", "0"), ("GETBIT", "l", "-5"),
        ("BITCOUNT", "s", "0"), ("BITCOUNT", "s", "0", "1", "2", "3"), ("BITCOUNT", "s", "a", "1"),
        ("BITCOUNT", "s", "0", "1", "bits"), ("BITCOUNT", "s", "-1", "-2", "bad"), ("BITCOUNT", "nokey", "x"),
        ("BITCOUNT", "l"), ("BITCOUNT", "l", "x"),
        ("BITPOS", "s", "2"), ("BITPOS", "s", "x"), ("BITPOS", "s", "1", "x"), ("BITPOS", "s", "1", "0", "y"),
        ("BITPOS", "s", "1", "0", "1", "bits"), ("BITPOS", "s", "1", "0", "y", "bits"),
        ("BITPOS", "s", "1", "0", "1", "bit", "x"), ("BITPOS", "nokey", "0", "x"), ("BITPOS", "l", "0"),
        ("BITPOS", "l", "7"),
        ("BITOP", "nand", "d", "s"), ("BITOP", "not", "d", "s", "s"), ("BITOP", "and", "d", "s", "l"),
        ("BITOP", "not", "d", "l"), ("BITOP", "or", "l", "s"), ("TYPE", "l"), ("GET", "l"),
        ("BITFIELD", "s", "get", "u64", "0"), ("BITFIELD", "s", "get", "i65", "0"), ("BITFIELD", "s", "get", "u0", "0"),
        ("BITFIELD", "s", "get", "b8", "0"), ("BITFIELD", "s", "get", "", "0"), ("BITFIELD", "s", "get", "u8", "#x"),
        ("BITFIELD", "s", "get", "u8", "-1"), ("BITFIELD", "s", "get", "i8", "#-2"),
        ("BITFIELD", "s", "get", "u8", "#536870912"), ("BITFIELD", "s", "set", "u8", "0"),
        ("BITFIELD", "s", "set", "u8", "0", "x"), ("BITFIELD", "s", "incrby", "u8", "0", "9223372036854775808"),
        ("BITFIELD", "s", "overflow"), ("BITFIELD", "s", "overflow", "x"), ("BITFIELD", "s", "foo"),
        ("BITFIELD", "s", "get", "u8", "0", "get"), ("BITFIELD", "l", "get", "u8", "0"), ("BITFIELD", "l"),
        ("BITFIELD", "l", "incrby", "u8", "0", "1"), ("BITFIELD", "l", "get", "u99", "0"),
        ("BITFIELD_RO", "s", "set", "u8", "0", "1"), ("BITFIELD_RO", "s", "incrby", "u8", "0", "1"),
        ("BITFIELD_RO", "l", "get", "u8", "0"), ("BITFIELD_RO", "s", "overflow", "fail"), ("GET", "s"),
        ("PFADD", "l", "a"), ("PFCOUNT", "l"), ("PFCOUNT", "s"), ("PFCOUNT", "nokey", "s"), ("PFCOUNT", "nokey", "l"),
        ("PFMERGE", "d", "s"), ("PFMERGE", "s", "nokey"), ("PFMERGE", "l"), ("PFADD", "s", "x"), ("EXISTS", "d"),
    ]:
        out.append(C(*args))
    return out


def seq_count_pos_matrix():
    out = []
    values = [b"", b"\x00", b"\xff", b"foobar", b"\x00\x00\xff\xf0\x00", b"\xff\xff\xff\x0f\xff",
              b"\x80" + b"\x00" * 9 + b"\x01", "12345"]
    idx = ["-100", "-9", "-8", "-2", "-1", "0", "1", "3", "7", "8", "15", "40", "100"]
    for n, v in enumerate(values):
        k = "v%d" % n
        out.append(C("SET", k, v))
        out += [C("BITCOUNT", k), C("BITPOS", k, "0"), C("BITPOS", k, "1")]
        for a in idx:
            out += [C("BITPOS", k, "0", a), C("BITPOS", k, "1", a)]
            for b in idx:
                out.append(C("BITCOUNT", k, a, b))
                out.append(C("BITCOUNT", k, a, b, "BIT"))
                out.append(C("BITPOS", k, str(n % 2), a, b))
                out.append(C("BITPOS", k, str((n + 1) % 2), a, b, "bit"))
                out.append(C("BITPOS", k, "0", a, b, "BYTE"))
    return out


def seq_setbit_getbit():
    out = [C("SETBIT", "b", "0", "1"), C("OBJECT", "ENCODING", "b"), C("SETBIT", "b", "100", "1"),
           C("SETBIT", "b", "100", "1"), C("SETBIT", "b", "100", "0"), C("GET", "b"), C("STRLEN", "b"),
           C("SET", "e", "abc"), C("OBJECT", "ENCODING", "e"), C("SETBIT", "e", "1", "0"), C("OBJECT", "ENCODING", "e"),
           C("GET", "e"), C("SET", "n", "255"), C("SETBIT", "n", "0", "1"), C("GET", "n"), C("OBJECT", "ENCODING", "n"),
           C("SET", "t", "x", "EX", "1000"), C("SETBIT", "t", "3", "1"), C("TTL", "t", mode="ttl"),
           C("SETBIT", "z", "7", "0"), C("GET", "z"), C("OBJECT", "ENCODING", "z")]
    for i in range(0, 70, 3):
        out += [C("GETBIT", "b", str(i)), C("GETBIT", "n", str(i)), C("GETBIT", "e", str(i))]
    return out


def seq_bitop():
    out = [C("SET", "a", b"\xff\x0f\x55\xaa"), C("SET", "b", b"\xf0\xff"), C("SET", "c", "1234567890" * 5),
           C("SETBIT", "d", "300", "1"), C("SET", "i", "77"), C("SET", "empty", "")]
    srcs = [["a"], ["a", "b"], ["b", "a"], ["a", "nokey"], ["nokey", "a"], ["a", "b", "c", "d"], ["c", "d", "i"],
            ["empty"], ["nokey"], ["empty", "nokey"], ["i"], ["c"], ["a", "a"]]
    for op in ["AND", "OR", "XOR", "NOT", "and", "Or"]:
        for s in srcs:
            out += [C("SET", "dst", "x", "EX", "1000"), C("BITOP", op, "dst", *s), C("GET", "dst"),
                    C("TTL", "dst", mode="ttl"), C("OBJECT", "ENCODING", "dst"), C("EXISTS", "dst")]
    out += [C("BITOP", "NOT", "a", "a"), C("GET", "a"), C("BITOP", "XOR", "c", "c", "a"), C("GET", "c")]
    return out


def seq_bitfield_matrix():
    out = []
    types = ["i1", "u1", "i5", "u7", "i8", "u8", "i13", "i32", "u32", "i63", "u63", "i64"]
    vals = ["0", "1", "-1", "7", "-8", "127", "128", "-129", "255", "256", "100000",
            "9223372036854775807", "-9223372036854775808", "4611686018427387904"]
    n = 0
    for t in types:
        for ow in ["WRAP", "SAT", "FAIL"]:
            for v in vals:
                k = "f%d" % (n % 7)
                n += 1
                off = str(n % 13)
                out.append(C("BITFIELD", k, "OVERFLOW", ow, "SET", t, off, v, "GET", t, off,
                             "INCRBY", t, off, v, "INCRBY", t, off, v, "GET", t, off))
                out.append(C("BITFIELD", k, "OVERFLOW", ow, "INCRBY", t, "#3", v, "GET", t, "#3"))
    for k in range(7):
        out += [C("GET", "f%d" % k), C("BITFIELD_RO", "f%d" % k, "GET", "i64", "0", "GET", "u63", "#1", "GET", "i3", "#7")]
    out += [C("BITFIELD", "new", "OVERFLOW", "FAIL", "SET", "u4", "100", "99"), C("GET", "new"),
            C("OBJECT", "ENCODING", "new"), C("SET", "num", "99"), C("BITFIELD", "num", "GET", "u8", "0"),
            C("OBJECT", "ENCODING", "num"), C("BITFIELD", "num", "INCRBY", "u8", "8", "1"), C("GET", "num"),
            C("OBJECT", "ENCODING", "num"), C("BITFIELD", "x", "GET", "u8", "0", "SET", "u8", "0", "5", "GET", "u8", "0")]
    return out


def seq_hll_layout():
    """Sparse sketches grown element by element with GET after each step: every opcode split and
    merge shows in the bytes."""
    out = []
    rnd = random.Random(5)
    for i in range(120):
        out += [C("PFADD", "h", "e%d" % rnd.randrange(400)), C("GET", "h")]
        if i % 10 == 0:
            out += [C("PFCOUNT", "h"), C("GET", "h")]
    out += [C("PFADD", "h"), C("OBJECT", "ENCODING", "h"), C("STRLEN", "h")]
    # Dense registers above 32 merged into a sparse sketch promote it.
    dense = b"HYLL\x00" + b"\x00" * 11 + b"\x28" + b"\x00" * 12287
    out += [C("SET", "dense", dense), C("PFCOUNT", "dense"), C("PFADD", "sp", "a"), C("PFMERGE", "sp", "dense"),
            C("GET", "sp"), C("PFCOUNT", "sp"), C("PFCOUNT", "sp", "h"), C("PFMERGE", "m2", "h", "nokey"), C("GET", "m2"),
            C("PFMERGE", "m2"), C("GET", "m2"), C("PFMERGE", "m3"), C("GET", "m3")]
    return out


def seq_hll_promotion():
    out = []
    for limit in ["0", "30", "100", "500"]:
        out.append(C("CONFIG", "SET", "hll-sparse-max-bytes", limit))
        k = "p" + limit
        for i in range(0, 200, 7):
            out += [C("PFADD", k, *["x%d" % j for j in range(i, i + 7)]), C("STRLEN", k), C("GETRANGE", k, "4", "4")]
        out += [C("GET", k), C("PFCOUNT", k)]
    out.append(C("CONFIG", "SET", "hll-sparse-max-bytes", "3000"))
    for i in range(0, 4000, 250):
        out += [C("PFADD", "big", *["y%d" % j for j in range(i, i + 250)]), C("STRLEN", "big"), C("PFCOUNT", "big")]
    out += [C("GET", "big"), C("PFMERGE", "u", "p0", "p30", "p100", "p500"), C("GET", "u"), C("PFCOUNT", "u"),
            C("PFCOUNT", "p0", "p30", "p100", "p500", "big")]
    return out


def seq_hll_corruption():
    out = [C("PFADD", "h", "a", "b", "c"), C("SET", "raw", "HYLL"), C("PFCOUNT", "raw"), C("PFADD", "raw", "x"),
           C("SET", "enc2", b"HYLL\x02" + b"\x00" * 11 + b"\x7f\xff"), C("PFCOUNT", "enc2"),
           C("SET", "shortdense", b"HYLL\x00" + b"\x00" * 11 + b"\x00" * 20), C("PFCOUNT", "shortdense"),
           C("SET", "int", "123456789012345678"), C("PFADD", "int", "a"),
           # sparse bodies that do not add up to 16384 registers
           C("SET", "c1", b"HYLL\x01" + b"\x00" * 11 + b"\x7f\xfe"), C("PFCOUNT", "c1"), C("PFCOUNT", "c1", "h"),
           C("PFMERGE", "d", "c1"), C("EXISTS", "d"),
           C("SET", "c2", b"HYLL\x01" + b"\x00" * 11 + b"\x40\x00"), C("PFADD", "c2", "q", "r", "s"), C("GET", "c2"),
           C("SET", "c3", b"HYLL\x01" + b"\x00" * 11 + b"\x7f\xff\x80"), C("PFCOUNT", "c3"),
           C("PFADD", "c3", *["z%d" % i for i in range(30)]), C("GET", "c3"),
           # editing a sketch with string commands
           C("APPEND", "h", "x"), C("PFCOUNT", "h"), C("PFADD", "h", "zz"), C("GET", "h"),
           C("PFADD", "h2", "a"), C("SETRANGE", "h2", "16", b"\x7f"), C("PFCOUNT", "h2"),
           C("PFADD", "h3", "a"), C("SETRANGE", "h3", "0", "hyll"), C("PFCOUNT", "h3"),
           C("PFADD", "h4", "a"), C("SETRANGE", "h4", "8", b"\x07\x00\x00\x00\x00\x00\x00\x00"),
           C("PFCOUNT", "h4"), C("GET", "h4"), C("PFADD", "h4", "b"), C("PFCOUNT", "h4")]
    return out


def seq_wrongtype(cc):
    out = [coll(cc, "l"), C("SET", "s", "x"), C("PFADD", "h", "a")]
    for args in [("SETBIT", "l", "0", "1"), ("GETBIT", "l", "0"), ("BITCOUNT", "l"), ("BITCOUNT", "l", "0", "1"),
                 ("BITPOS", "l", "1"), ("BITOP", "OR", "d", "s", "l"), ("BITOP", "OR", "d", "l"),
                 ("BITFIELD", "l", "GET", "u8", "0"), ("BITFIELD_RO", "l", "GET", "u8", "0"),
                 ("PFADD", "l"), ("PFCOUNT", "l"), ("PFCOUNT", "h", "l"), ("PFMERGE", "h", "l"), ("PFMERGE", "l", "h"),
                 ("GET", "h"), ("EXISTS", "d")]:
        out.append(C(*args))
    return out


DETERMINISTIC = {
    "arity_and_errors": seq_arity_and_errors,
    "count_pos_matrix": lambda cc: seq_count_pos_matrix(),
    "setbit_getbit": lambda cc: seq_setbit_getbit(),
    "bitop": lambda cc: seq_bitop(),
    "bitfield_matrix": lambda cc: seq_bitfield_matrix(),
    "hll_layout": lambda cc: seq_hll_layout(),
    "hll_promotion": lambda cc: seq_hll_promotion(),
    "hll_corruption": lambda cc: seq_hll_corruption(),
    "wrongtype": seq_wrongtype,
}


@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("name", sorted(DETERMINISTIC))
def test_bits_differential_sequence(name, redis_ref, server, coll_cmd):
    try:
        run_differential(redis_ref.port, server.port, DETERMINISTIC[name](coll_cmd), name)
    finally:
        if name == "hll_promotion":  # leave the shared servers at the default limit
            for port in (redis_ref.port, server.port):
                with RawConn(port) as conn:
                    conn.cmd("CONFIG", "SET", "hll-sparse-max-bytes", "3000")


@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("name", ["arity_and_errors", "bitfield_matrix", "hll_corruption", "wrongtype"])
def test_bits_differential_sequence_resp3(name, redis_ref, server, coll_cmd):
    steps = [C("HELLO", "3", mode="skip")] + DETERMINISTIC[name](coll_cmd)
    run_differential(redis_ref.port, server.port, steps, name + "/resp3")


# ======================================================================================== seeded random
class RandomBits:
    """Seeded generator of bitmap and HyperLogLog commands over a small key set (names spread over
    shards), with GETs of the values so every byte is compared."""

    BKEYS = ["b0", "b1", "b2", "bitmap:x", "bitmap:y", "i0"]
    HKEYS = ["h0", "h1", "h2", "hll:x"]
    TYPES = ["i1", "u1", "i3", "u4", "i8", "u8", "i16", "u15", "i32", "u32", "i63", "u63", "i64"]

    def __init__(self, seed, coll_cmd):
        self.rnd = random.Random(seed)
        self.cc = coll_cmd

    def off(self, scale=200):
        r = self.rnd.random()
        if r < 0.03:
            return self.rnd.choice(["-1", "x", "4294967296", "1.0"])
        return str(self.rnd.randrange(scale))

    def idx(self):
        return str(self.rnd.choice([-30, -9, -8, -2, -1, 0, 1, 2, 5, 8, 9, 17, 64, 200]))

    def elements(self):
        pool = self.rnd.choice([30, 300, 3000])
        return ["e%d" % self.rnd.randrange(pool) for _ in range(self.rnd.choice([0, 1, 1, 2, 5, 40]))]

    def bitfield_ops(self):
        ops = []
        for _ in range(self.rnd.randrange(1, 5)):
            r = self.rnd.random()
            t = self.rnd.choice(self.TYPES)
            o = ("#" if self.rnd.random() < 0.2 else "") + str(self.rnd.randrange(64))
            v = str(self.rnd.choice([0, 1, -1, 3, 100, -100, 1 << 31, -(1 << 63), (1 << 63) - 1,
                                      self.rnd.randrange(-1000, 1000)]))
            if r < 0.15:
                ops += ["OVERFLOW", self.rnd.choice(["WRAP", "SAT", "FAIL"])]
            elif r < 0.5:
                ops += ["GET", t, o]
            elif r < 0.75:
                ops += ["SET", t, o, v]
            else:
                ops += ["INCRBY", t, o, v]
        return ops

    def one(self):
        rnd = self.rnd
        bk = rnd.choice(self.BKEYS)
        hk = rnd.choice(self.HKEYS)
        r = rnd.random()
        if r < 0.12:
            return C("SETBIT", bk, self.off(), rnd.choice(["0", "1", "1", "2"]))
        if r < 0.18:
            return C("GETBIT", bk, self.off(300))
        if r < 0.25:
            extra = [] if rnd.random() < 0.3 else [self.idx(), self.idx()] + (
                [rnd.choice(["BIT", "BYTE", "bit"])] if rnd.random() < 0.6 else [])
            return C("BITCOUNT", bk, *extra)
        if r < 0.32:
            extra = []
            if rnd.random() < 0.7:
                extra.append(self.idx())
                if rnd.random() < 0.7:
                    extra.append(self.idx())
                    if rnd.random() < 0.6:
                        extra.append(rnd.choice(["BIT", "BYTE"]))
            return C("BITPOS", bk, rnd.choice(["0", "1"]), *extra)
        if r < 0.38:
            op = rnd.choice(["AND", "OR", "XOR", "NOT"])
            n = 1 if op == "NOT" else rnd.randrange(1, 4)
            srcs = [rnd.choice(self.BKEYS + ["missing"]) for _ in range(n)]
            return C("BITOP", op, rnd.choice(self.BKEYS), *srcs)
        if r < 0.48:
            return C(rnd.choice(["BITFIELD", "BITFIELD", "BITFIELD_RO"]), bk, *self.bitfield_ops())
        if r < 0.56:
            return C("GET", rnd.choice(self.BKEYS + self.HKEYS))
        if r < 0.58:
            return C("SET", rnd.choice(self.BKEYS), rnd.choice(["", "abc", "12345", "\xff\x00\xf0", "x" * 60]))
        if r < 0.59:
            return C("DEL", rnd.choice(self.BKEYS + self.HKEYS))
        if r < 0.60:
            return coll(self.cc, rnd.choice(["b2", "h2"]))
        if r < 0.61:
            return C("OBJECT", "ENCODING", rnd.choice(self.BKEYS + self.HKEYS))
        if r < 0.62:
            return C("STRLEN", rnd.choice(self.BKEYS + self.HKEYS))
        if r < 0.80:
            return C("PFADD", hk, *self.elements())
        if r < 0.90:
            keys = [rnd.choice(self.HKEYS + ["missing"]) for _ in range(rnd.choice([1, 1, 2, 3]))]
            return C("PFCOUNT", *keys)
        if r < 0.95:
            keys = [rnd.choice(self.HKEYS + ["missing"]) for _ in range(rnd.choice([0, 1, 2]))]
            return C("PFMERGE", rnd.choice(self.HKEYS), *keys)
        return C("GET", hk)

    def steps(self, count):
        return [self.one() for _ in range(count)]


@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("seed", [101, 202, 303])
def test_bits_differential_random_resp2(redis_ref, server, coll_cmd, seed):
    run_differential(redis_ref.port, server.port, RandomBits(seed, coll_cmd).steps(1200), "random/seed=%d" % seed)


@pytest.mark.timeout_s(120)
def test_bits_differential_random_resp3(redis_ref, server, coll_cmd):
    steps = [C("HELLO", "3", mode="skip")] + RandomBits(404, coll_cmd).steps(1200)
    run_differential(redis_ref.port, server.port, steps, "random-resp3/seed=404")
