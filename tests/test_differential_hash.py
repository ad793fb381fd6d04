"""Differential tests for hash commands: the same sequences go as raw RESP to redis-server 7.0 and to
the server under test, replies compared byte for byte (RESP2 and RESP3), errors, WRONGTYPE and
encoding conversions (OBJECT ENCODING) included.

Replies whose order Redis leaves to its hashtable are compared through two extra normalisers,
installed with monkeypatch for these tests only (test_differential.py's own modes are untouched):
  pairs - a whole-hash reply (HGETALL, HRANDFIELD n WITHVALUES): the reply type and the sorted
          field/value pairs, from a flat RESP2 array, a RESP3 map or RESP3 nested pairs
  hscan - an HSCAN reply that returned everything at once: cursor and sorted pairs
A small model of each hash (insertion order, encoding by Redis's rules) decides which steps are
exact: a listpack's order is Redis's insertion order and must match.
"""
import random
import re

import pytest

import test_differential
from helpers import RawConn, parse_reply
from test_differential import C, run_differential

MAX_ENTRIES = 128
MAX_VALUE = 64
INT_RE = re.compile(rb"^(0|-?[1-9][0-9]*)$")


def _pairs(flat_or_nested):
    if isinstance(flat_or_nested, dict):
        items = list(flat_or_nested.items())
    elif flat_or_nested and isinstance(flat_or_nested[0], list):
        items = [tuple(p) for p in flat_or_nested]
    else:
        items = list(zip(flat_or_nested[::2], flat_or_nested[1::2]))
    return sorted(items)


@pytest.fixture(autouse=True)
def hash_modes(monkeypatch):
    base = test_differential._normalise

    def normalise(mode, raw):
        if mode == "pairs":
            v = parse_reply(raw)[0]
            return (raw[:1], _pairs(v)) if isinstance(v, (list, dict)) else v
        if mode == "hscan":
            v = parse_reply(raw)[0]
            if isinstance(v, list) and len(v) == 2 and isinstance(v[1], list):
                return (raw[:1], v[0], _pairs(v[1]))
            return v
        return base(mode, raw)

    monkeypatch.setattr(test_differential, "_normalise", normalise)


LIMIT_NAMES = ("hash-max-listpack-entries", "hash-max-listpack-value")


@pytest.fixture(autouse=True)
def limits(redis_ref, server):
    """Both servers use hash-max-listpack-entries 128 / value 64 during each test (redis.conf's
    values; redis-server 7.0 without a config file defaults to 512 entries), and get their own
    settings back afterwards (redis_ref is shared by the whole session)."""
    saved = []
    for port in (redis_ref.port, server.port):
        with RawConn(port) as c:
            saved.append([parse_reply(c.cmd("CONFIG", "GET", n))[0][1] for n in LIMIT_NAMES])
            for n, v in zip(LIMIT_NAMES, (MAX_ENTRIES, MAX_VALUE)):
                assert c.cmd("CONFIG", "SET", n, str(v)) == b"+OK\r\n"
    yield
    for port, values in zip((redis_ref.port, server.port), saved):
        with RawConn(port) as c:
            for n, v in zip(LIMIT_NAMES, values):
                c.cmd("CONFIG", "SET", n, v)


def _is_int(s):
    b = s.encode() if isinstance(s, str) else s
    return bool(INT_RE.match(b)) and -(1 << 63) <= int(b) < (1 << 63)


# ======================================================================================== deterministic
def seq_arity_and_wrongtype():
    out = []
    for args in [("HSET", "h"), ("HSET", "h", "a"), ("HSET", "h", "a", "1", "b"), ("HMSET", "h", "a"),
                 ("HMSET", "h", "a", "1", "b"), ("HSETNX", "h", "a"), ("HGET", "h"), ("HGET", "h", "a", "b"),
                 ("HMGET", "h"), ("HGETALL",), ("HGETALL", "h", "x"), ("HDEL", "h"), ("HLEN",), ("HSTRLEN", "h"),
                 ("HEXISTS", "h"), ("HKEYS",), ("HVALS", "h", "x"), ("HINCRBY", "h", "a"),
                 ("HINCRBYFLOAT", "h", "a"), ("HRANDFIELD",), ("HSCAN", "h"), ("HSETNX", "h", "a", "1", "2")]:
        out.append(C(*args))
    out.append(C("SET", "s", "str"))
    for key in ("s",):
        for args in [("HSET", key, "a", "1"), ("HMSET", key, "a", "1"), ("HSETNX", key, "a", "1"),
                     ("HGET", key, "a"), ("HMGET", key, "a", "b"), ("HGETALL", key), ("HDEL", key, "a"),
                     ("HLEN", key), ("HSTRLEN", key, "a"), ("HEXISTS", key, "a"), ("HKEYS", key), ("HVALS", key),
                     ("HINCRBY", key, "a", "1"), ("HINCRBY", key, "a", "x"), ("HINCRBYFLOAT", key, "a", "1"),
                     ("HINCRBYFLOAT", key, "a", "x"), ("HRANDFIELD", key), ("HRANDFIELD", key, "2"),
                     ("HRANDFIELD", key, "x"), ("HRANDFIELD", key, "2", "WITHVALUES"), ("HSCAN", key, "0"),
                     ("HSCAN", key, "x"), ("HSCAN", key, "0", "COUNT", "0")]:
            out.append(C(*args))
    out += [C("HSET", "h", "a", "1"), C("GET", "h"), C("INCR", "h"), C("APPEND", "h", "x"), C("TYPE", "h"),
            C("OBJECT", "ENCODING", "h")]
    return out


def seq_basic_listpack():
    return [
        C("HSET", "h", "z", "1", "y", "2", "x", "3"), C("HGETALL", "h"), C("HSET", "h", "y", "upd", "w", "4"),
        C("HKEYS", "h"), C("HVALS", "h"), C("HDEL", "h", "z", "nope", "z"), C("HSET", "h", "z", "back"),
        C("HGETALL", "h"), C("HMSET", "h", "a", "1", "b", "2"), C("HMGET", "h", "a", "q", "b", "a"),
        C("HSETNX", "h", "a", "x"), C("HSETNX", "h", "c", "x"), C("HLEN", "h"), C("HSTRLEN", "h", "y"),
        C("HSTRLEN", "h", "nope"), C("HEXISTS", "h", "c"), C("HEXISTS", "h", "q"), C("HGET", "h", "c"),
        C("HGET", "nokey", "c"), C("HMGET", "nokey", "a", "b"), C("HGETALL", "nokey"), C("HKEYS", "nokey"),
        C("HVALS", "nokey"), C("HLEN", "nokey"), C("HSTRLEN", "nokey", "a"), C("HEXISTS", "nokey", "a"),
        C("HDEL", "nokey", "a"), C("HSET", "n", "0", "0", "-1", "-1", "47", "48", "007", "-0", "+1", " 2",
                                  "9223372036854775807", "-9223372036854775808", "9223372036854775808", "1.5"),
        C("HGETALL", "n"), C("HSTRLEN", "n", "-9223372036854775808"), C("HGET", "n", "7"), C("HGET", "n", "007"),
        C("HEXISTS", "n", "1"), C("HEXISTS", "n", "+1"), C("HDEL", "n", "0", "-1", "47"), C("HGETALL", "n"),
        C("HSET", "e", "", ""), C("HGET", "e", ""), C("HGETALL", "e"), C("HDEL", "e", ""), C("EXISTS", "e"),
        C("HDEL", "h", "y", "x", "w", "z", "a", "b", "c"), C("EXISTS", "h"), C("OBJECT", "ENCODING", "n"),
        C("HSCAN", "n", "0"), C("HSCAN", "n", "7", "COUNT", "1"), C("HSCAN", "n", "0", "MATCH", "*1*"),
        C("HSCAN", "n", "0", "MATCH", "*"), C("HSCAN", "n", "0", "MATCH", "[0-9]*", "COUNT", "3"),
        C("HSCAN", "n", ""), C("HSCAN", "n", "-1"), C("HSCAN", "n", "+3"), C("HSCAN", "n", " 1"),
        C("HSCAN", "n", "1x"), C("HSCAN", "n", "18446744073709551616"), C("HSCAN", "n", "0", "COUNT"),
        C("HSCAN", "n", "0", "COUNT", "-1"), C("HSCAN", "n", "0", "COUNT", "x"), C("HSCAN", "n", "0", "TYPE", "hash"),
        C("HSCAN", "n", "0", "NOVALUES"), C("HSCAN", "nokey", "0", "junk"), C("HSCAN", "nokey", "junk"),
    ]


def seq_incr():
    out = [C("HSET", "h", "i", "10", "neg", "-5", "f", "1.5", "s", "abc", "sp", " 3", "big", "9223372036854775807",
             "small", "-9223372036854775808", "e", "5.0e3", "z", "0", "inf", "inf", "lz", "010")]
    for field in ("i", "neg", "f", "s", "sp", "big", "small", "e", "z", "inf", "lz", "missing"):
        for incr in ("1", "-1", "0", "100", "-9223372036854775808", "9223372036854775807", "x", "1.5", "", " 1"):
            out.append(C("HINCRBY", "h", field, incr))
        for incr in ("0.1", "-1.5", "1e3", "2.0e2", "0", "-0", "inf", "-inf", "nan", "x", "", "1e-20", "3"):
            out.append(C("HINCRBYFLOAT", "h", field, incr))
        out.append(C("HGET", "h", field))
    out += [C("HGETALL", "h"), C("HINCRBY", "new", "a", "5"), C("HINCRBYFLOAT", "new2", "a", "2.5"),
            C("HINCRBY", "nokey", "a", "x"), C("HINCRBYFLOAT", "nokey", "a", "x"), C("EXISTS", "nokey"),
            C("HGETALL", "new"), C("HGETALL", "new2"), C("HINCRBYFLOAT", "h", "e", "1e400"),
            C("HINCRBYFLOAT", "h", "i", "1.7976931348623157e308"), C("HGET", "h", "i"),
            C("OBJECT", "ENCODING", "h"), C("OBJECT", "ENCODING", "new")]
    return out


def seq_hrandfield():
    out = [C("HRANDFIELD", "nokey"), C("HRANDFIELD", "nokey", "3"), C("HRANDFIELD", "nokey", "-3", "WITHVALUES"),
           C("HSET", "one", "only", "v"), C("HRANDFIELD", "one"), C("HRANDFIELD", "one", "1"),
           C("HRANDFIELD", "one", "-4"), C("HRANDFIELD", "one", "-4", "WITHVALUES"), C("HRANDFIELD", "one", "1", "withvalues"),
           C("HSET", "h", "a", "1", "b", "2", "c", "3"), C("HRANDFIELD", "h", "0"), C("HRANDFIELD", "h", "0", "WITHVALUES"),
           C("HRANDFIELD", "h", "3"), C("HRANDFIELD", "h", "4", "WITHVALUES"), C("HRANDFIELD", "h", "1000"),
           C("HRANDFIELD", "h", "x"), C("HRANDFIELD", "h", "1.5"), C("HRANDFIELD", "h", "1", "foo"),
           C("HRANDFIELD", "nokey", "1", "foo"), C("HRANDFIELD", "h", "1", "WITHVALUES", "x"),
           C("HRANDFIELD", "h", "-9223372036854775808"), C("HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES"),
           C("HRANDFIELD", "h", "9223372036854775807", "WITHVALUES"), C("HRANDFIELD", "h", "4611686018427387904", "WITHVALUES")]
    big = ["f%d" % i for i in range(200)]
    out.append(C("HSET", "big", *[x for f in big for x in (f, f.upper())]))
    out += [C("OBJECT", "ENCODING", "big"), C("HRANDFIELD", "big", "200", mode="sorted"),
            C("HRANDFIELD", "big", "500", "WITHVALUES", mode="pairs"), C("HGETALL", "big", mode="pairs"),
            C("HKEYS", "big", mode="sorted"), C("HVALS", "big", mode="sorted"), C("HLEN", "big"),
            C("HSCAN", "big", "0", "COUNT", "1000", mode="hscan"),
            C("HSCAN", "big", "0", "COUNT", "1000", "MATCH", "f1*", mode="hscan")]
    return out


def seq_conversions():
    out = [C("CONFIG", "GET", "hash-max-listpack-entries"), C("CONFIG", "GET", "hash-max-listpack-value")]
    # hash-max-listpack-entries is set to 128 by the `limits` fixture on both servers.
    # By entries: 128 fields stay listpack, the 129th converts; deleting never converts back.
    out.append(C("HSET", "e", *[x for i in range(128) for x in ("f%d" % i, str(i))]))
    out += [C("OBJECT", "ENCODING", "e"), C("HGETALL", "e"), C("HSET", "e", "f0", "upd"), C("OBJECT", "ENCODING", "e"),
            C("HSETNX", "e", "f128", "x"), C("OBJECT", "ENCODING", "e"), C("HDEL", "e", *["f%d" % i for i in range(1, 129)]),
            C("OBJECT", "ENCODING", "e"), C("HGETALL", "e")]
    # By value / field length, for every writing command.
    long64, long65 = "v" * 64, "v" * 65
    for cmd in (("HSET", "a", "f", long64), ("HSET", "b", "f", long65), ("HSET", "c", long65, "1"),
                ("HMSET", "d", "x", "1", "y", long65), ("HSETNX", "g", "f", long65), ("HINCRBY", "i", "k" * 65, "3"),
                ("HINCRBYFLOAT", "j", "k" * 65, "3.5")):
        out += [C(*cmd), C("OBJECT", "ENCODING", cmd[1]), C("HGETALL", cmd[1], mode="pairs")]
    out += [C("HSET", "a", "f", long65), C("OBJECT", "ENCODING", "a"),
            C("HSET", "nx", "f", "1"), C("HSETNX", "nx", "f", long65), C("OBJECT", "ENCODING", "nx"),
            C("HSET", "hi", "f", "1"), C("HINCRBY", "hi", "k" * 80, "1"), C("OBJECT", "ENCODING", "hi")]
    # Config changes: 0 entries, a tiny value limit, a lowered limit met by an update.
    out += [C("CONFIG", "SET", "hash-max-listpack-entries", "0"), C("HSET", "z", "a", "1"), C("OBJECT", "ENCODING", "z"),
            C("CONFIG", "SET", "hash-max-listpack-entries", "128"), C("CONFIG", "SET", "hash-max-listpack-value", "3"),
            C("HSET", "t", "abc", "def"), C("OBJECT", "ENCODING", "t"), C("HSET", "t", "abc", "defg"),
            C("OBJECT", "ENCODING", "t"), C("CONFIG", "SET", "hash-max-listpack-value", "64"),
            C("HSET", "m", *[x for i in range(10) for x in ("f%d" % i, "v")]),
            C("CONFIG", "SET", "hash-max-listpack-entries", "5"), C("OBJECT", "ENCODING", "m"), C("HGET", "m", "f1"),
            C("OBJECT", "ENCODING", "m"), C("HSET", "m", "f1", "w"), C("OBJECT", "ENCODING", "m"),
            C("HSET", "m2", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6"), C("OBJECT", "ENCODING", "m2"),
            C("CONFIG", "SET", "hash-max-listpack-entries", "128")]
    return out


DETERMINISTIC = {
    "arity_wrongtype": seq_arity_and_wrongtype,
    "basic_listpack": seq_basic_listpack,
    "incr": seq_incr,
    "hrandfield": seq_hrandfield,
    "conversions": seq_conversions,
}


@pytest.mark.parametrize("name", sorted(DETERMINISTIC))
def test_differential_hash_sequence(name, redis_ref, server):
    run_differential(redis_ref.port, server.port, DETERMINISTIC[name](), "hash/" + name)


@pytest.mark.parametrize("name", ["basic_listpack", "hrandfield", "incr", "arity_wrongtype"])
def test_differential_hash_sequence_resp3(name, redis_ref, server):
    steps = [C("HELLO", "3", mode="skip")] + DETERMINISTIC[name]()
    run_differential(redis_ref.port, server.port, steps, "hash-resp3/" + name)


# ======================================================================================== seeded random
class RandomHashCommands:
    """Seeded generator of hash commands over a few keys, with a model of each hash (fields in
    insertion order, encoding by Redis's conversion rules) that picks exact or order-free
    comparison. Fields x* only take HINCRBYFLOAT (their value is then unknown to the model)."""

    KEYS = ["h0", "h1", "h2", "h3"]

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.hashes = {}  # key -> {"fields": dict, "ht": bool}

    # -- model ---------------------------------------------------------------------------
    def _hash(self, key):
        return self.hashes.setdefault(key, {"fields": {}, "ht": False})

    def _set(self, key, field, value):
        h = self._hash(key)
        if not h["ht"] and (len(field) > MAX_VALUE or (value is not None and len(value) > MAX_VALUE)):
            h["ht"] = True
        h["fields"][field] = value
        if len(h["fields"]) > MAX_ENTRIES:
            h["ht"] = True

    def _delete(self, key, fields):
        h = self.hashes.get(key)
        if not h:
            return
        for f in fields:
            h["fields"].pop(f, None)
        if not h["fields"]:
            del self.hashes[key]

    def _mode(self, key, unordered="pairs"):
        h = self.hashes.get(key)
        return unordered if h and h["ht"] else "exact"

    # -- values --------------------------------------------------------------------------
    def field(self):
        r = self.rng.random()
        if r < 0.75:
            return "f%d" % self.rng.randrange(14)
        if r < 0.9:
            return self.rng.choice(["1", "-7", "007", "100000", "9223372036854775807", "", "a b"])
        if r < 0.97:
            return "n%d" % self.rng.randrange(3)
        return "L" * self.rng.choice([64, 65, 90])

    def value(self):
        r = self.rng.random()
        if r < 0.4:
            return "v%d" % self.rng.randrange(100)
        if r < 0.7:
            return str(self.rng.choice([0, 1, 47, 48, -1, 255, -32768, 1 << 40, -(1 << 63), (1 << 63) - 1]))
        if r < 0.8:
            return self.rng.choice(["1.5", "-0", "007", "", " 5", "3e2"])
        if r < 0.97:
            return "w" * self.rng.randrange(1, 40)
        return "x" * self.rng.choice([64, 65, 100])

    # -- commands ------------------------------------------------------------------------
    def step(self):
        rng = self.rng
        key = rng.choice(self.KEYS)
        h = self.hashes.get(key)
        size = len(h["fields"]) if h else 0
        r = rng.random()
        if r < 0.22:
            n = rng.choice([1, 1, 2, 3])
            pairs = [(self.field(), self.value()) for _ in range(n)]
            if rng.random() < 0.03:  # a bulk insert that converts by entries
                pairs += [("bulk%d" % i, "b%d" % i) for i in range(rng.randrange(100, 160))]
            cmd = "HMSET" if rng.random() < 0.15 else "HSET"
            hh = self._hash(key)
            if not hh["ht"] and any(len(f) > MAX_VALUE or len(v) > MAX_VALUE for f, v in pairs):
                hh["ht"] = True
            for f, v in pairs:
                self._set(key, f, v)
            return [C(cmd, key, *[x for p in pairs for x in p])]
        if r < 0.27:
            f, v = self.field(), self.value()
            if not (h and f in h["fields"]):
                self._set(key, f, v)
            return [C("HSETNX", key, f, v)]
        if r < 0.37:
            fields = [self.field() for _ in range(rng.choice([1, 1, 2, 4]))]
            if h and rng.random() < 0.05:
                fields += list(h["fields"])  # empties the hash
            self._delete(key, fields)
            return [C("HDEL", key, *fields)]
        if r < 0.47:
            f = rng.choice(["n0", "n1", "n2", self.field()])
            incr = rng.choice(["1", "-3", "100", "9223372036854775807", "-9223372036854775808", "x", "0"])
            cur = h["fields"].get(f, "0") if h else "0"
            if h and f in h["fields"] and f.startswith("x"):
                return []  # unknown float value
            if _is_int(incr) and _is_int(cur):
                total = int(cur) + int(incr)
                if -(1 << 63) <= total < (1 << 63):
                    self._set(key, f, str(total))
            return [C("HINCRBY", key, f, incr)]
        if r < 0.52:
            f = "x%d" % rng.randrange(3)
            incr = rng.choice(["0.5", "-1.25", "3", "1e2", "-0.001"])
            cur = h["fields"].get(f, "0") if h else "0"
            if cur is None or _is_float(cur):
                self._set(key, f, None)
            return [C("HINCRBYFLOAT", key, f, incr)]
        if r < 0.60:
            return [C("HGET", key, self.field())]
        if r < 0.64:
            return [C("HMGET", key, *[self.field() for _ in range(rng.randrange(1, 5))])]
        if r < 0.69:
            return [C("HGETALL", key, mode=self._mode(key))]
        if r < 0.72:
            return [C(rng.choice(["HKEYS", "HVALS"]), key, mode=self._mode(key, "sorted"))]
        if r < 0.76:
            return [C("HLEN", key), C("HEXISTS", key, self.field()), C("HSTRLEN", key, self.field())]
        if r < 0.80:
            # Deterministic HRANDFIELD forms only: the whole hash, a one-field hash, count 0.
            if size <= 1:
                c = rng.choice([[], ["1"], ["-3"], ["-2", "WITHVALUES"], ["0"]])
                return [C("HRANDFIELD", key, *c)]
            c = str(size + rng.randrange(3))
            wv = ["WITHVALUES"] if rng.random() < 0.5 else []
            return [C("HRANDFIELD", key, c, *wv, mode=self._mode(key, "pairs" if wv else "sorted"))]
        if r < 0.86:
            opts = rng.choice([[], ["MATCH", "f1*"], ["MATCH", "*"], ["COUNT", "3"], ["MATCH", "?", "COUNT", "1"]])
            if h and h["ht"]:
                # A hashtable returns everything in one call only with a big COUNT.
                opts = [o for o in opts if o not in ("COUNT", "3", "1")] + ["COUNT", "2000"]
            return [C("HSCAN", key, "0", *opts, mode=self._mode(key, "hscan"))]
        if r < 0.90:
            return [C("OBJECT", "ENCODING", key)]
        if r < 0.93:
            return [C("HSET", "str", "a", "1"), C("HGETALL", "str"), C("HINCRBY", "str", "a", "1")]
        if r < 0.95:
            self.hashes.pop(key, None)
            return [C("DEL", key)]
        if r < 0.97:
            return [C("EXISTS", key), C("TYPE", key)]
        return [C("HRANDFIELD", key, rng.choice(["x", "1.5"])), C("HSCAN", key, "bad")]

    def steps(self, n):
        out = [C("SET", "str", "plain")]
        while len(out) < n:
            out += self.step()
        return out


def _is_float(s):
    try:
        float(s)
    except (TypeError, ValueError):
        return False
    return s.strip() == s and s.lower() not in ("nan", "-nan", "+nan") and s != ""


@pytest.mark.timeout_s(60)
@pytest.mark.parametrize("seed", [11, 12, 13])
def test_differential_hash_random_resp2(redis_ref, server, seed):
    steps = RandomHashCommands(seed).steps(1500)
    run_differential(redis_ref.port, server.port, steps, "hash-random/seed=%d" % seed)


@pytest.mark.timeout_s(60)
@pytest.mark.parametrize("seed", [21, 22])
def test_differential_hash_random_resp3(redis_ref, server, seed):
    steps = [C("HELLO", "3", mode="skip")] + RandomHashCommands(seed).steps(1500)
    run_differential(redis_ref.port, server.port, steps, "hash-random-resp3/seed=%d" % seed)


# ======================================================================================== full HSCAN
def _hscan_all(conn, key, *opts):
    cursor, out = b"0", {}
    for _ in range(100000):
        v = parse_reply(conn.cmd("HSCAN", key, cursor, *opts))[0]
        cursor = v[0]
        out.update(zip(v[1][::2], v[1][1::2]))
        if cursor == b"0":
            return out
    raise AssertionError("HSCAN did not finish")


@pytest.mark.parametrize("opts", [(), ("COUNT", "1"), ("COUNT", "7", "MATCH", "*5*"), ("MATCH", "k1?")])
def test_differential_hscan_full_iteration_of_hashtable(redis_ref, server, opts):
    fields = ["k%d" % i for i in range(700)]
    results = []
    for port in (redis_ref.port, server.port):
        with RawConn(port, timeout=10) as c:
            c.cmd("DEL", "scanme")
            for i in range(0, len(fields), 100):
                c.cmd("HSET", "scanme", *[x for f in fields[i:i + 100] for x in (f, f[::-1])])
            assert c.cmd("OBJECT", "ENCODING", "scanme") == b"$9\r\nhashtable\r\n"
            results.append(_hscan_all(c, "scanme", *opts))
            c.cmd("DEL", "scanme")
    assert results[0] == results[1]
    assert len(results[0]) == sum(1 for f in fields if not opts or "MATCH" not in opts or
                                  re.fullmatch(opts[opts.index("MATCH") + 1].replace("*", ".*").replace("?", "."), f))
