"""Differential tests for list commands: the same sequences go as raw RESP to redis-server 7.0 and to
the server under test, replies compared byte for byte (RESP2 and RESP3), errors, WRONGTYPE, empty
list deletion and long lists (many quicklist nodes, under several list-max-listpack-size values)
included. Every list reply is ordered, so every step is compared exactly.
"""
import random

import pytest

from test_differential import C, run_differential

I64_MAX = "9223372036854775807"
I64_MIN = "-9223372036854775808"
LIST_CMDS = ["LPUSH", "RPUSH", "LPUSHX", "RPUSHX", "LPOP", "RPOP", "LLEN", "LINDEX", "LSET", "LRANGE",
             "LINSERT", "LREM", "LTRIM", "LPOS", "LMOVE", "RPOPLPUSH", "LMPOP"]


@pytest.fixture(autouse=True)
def default_fill(redis_ref, server):
    """Both servers start each test with list-max-listpack-size -2 (the default) and end with it."""
    from helpers import RawConn
    for port in (redis_ref.port, server.port):
        with RawConn(port) as c:
            assert c.cmd("CONFIG", "SET", "list-max-listpack-size", "-2") == b"+OK\r\n"
    yield
    for port in (redis_ref.port, server.port):
        with RawConn(port) as c:
            c.cmd("CONFIG", "SET", "list-max-listpack-size", "-2")


# ======================================================================================== deterministic sequences
def seq_arity():
    out = []
    for args in [("LPUSH", "l"), ("RPUSH",), ("LPUSHX", "l"), ("RPUSHX", "l"), ("LPOP",), ("RPOP",),
                 ("LPOP", "l", "1", "2"), ("RPOP", "l", "1", "2"), ("LLEN",), ("LLEN", "a", "b"),
                 ("LINDEX", "l"), ("LINDEX", "l", "0", "1"), ("LSET", "l", "0"), ("LRANGE", "l", "0"),
                 ("LINSERT", "l", "BEFORE", "a"), ("LREM", "l", "0"), ("LTRIM", "l", "0"), ("LPOS", "l"),
                 ("LMOVE", "a", "b", "LEFT"), ("RPOPLPUSH", "a"), ("LMPOP", "1", "a"), ("LMPOP",)]:
        out.append(C(*args))
    return out


def seq_wrongtype():
    out = [C("SET", "s", "v"), C("SET", "n", "12")]
    for key in ("s", "n"):
        out += [C("LPUSH", key, "a"), C("RPUSHX", key, "a"), C("LPOP", key), C("RPOP", key, "0"),
                C("LLEN", key), C("LINDEX", key, "x"), C("LSET", key, "x", "v"), C("LRANGE", key, "0", "-1"),
                C("LINSERT", key, "AFTER", "a", "b"), C("LREM", key, "0", "a"), C("LTRIM", key, "0", "0"),
                C("LPOS", key, "a", "COUNT", "0"), C("LMOVE", key, "d", "LEFT", "LEFT"),
                C("RPUSH", "l", "1"), C("LMOVE", "l", key, "LEFT", "LEFT"), C("RPOPLPUSH", "l", key),
                C("LMPOP", "2", "nokey", key, "RIGHT"), C("LMPOP", "2", "l", key, "RIGHT")]
    out += [C("GET", "s"), C("GET", "n"), C("LRANGE", "l", "0", "-1"), C("EXISTS", "l")]
    return out


def seq_long_lists():
    """Lists of thousands of elements under several node sizes (set before each list is made)."""
    rng = random.Random(99)
    out = []
    for fill in ("-2", "-1", "5", "-5", "1"):
        key = "big" + fill
        out.append(C("CONFIG", "SET", "list-max-listpack-size", fill))
        for b in range(12):
            vals = [rng.choice(["%d" % rng.randint(-50, 50), "v%d" % rng.randint(0, 99), "x" * rng.randint(0, 90),
                                "%d" % rng.randint(-2 ** 40, 2 ** 40)]) for _ in range(150)]
            out.append(C("RPUSH" if b % 2 else "LPUSH", key, *vals))
        out += [C("LLEN", key), C("OBJECT", "ENCODING", key), C("LRANGE", key, "0", "-1")]
        for _ in range(25):
            i = rng.randint(-1900, 1900)
            out += [C("LINDEX", key, str(i)), C("LSET", key, str(i), rng.choice(["s", "y" * 200, "77", "z" * 5000]))]
        for _ in range(25):
            out.append(C("LINSERT", key, rng.choice(["BEFORE", "AFTER"]), rng.choice(["0", "v5", "17", "x"]),
                         rng.choice(["ins", "q" * 3000])))
        for _ in range(10):
            out.append(C("LREM", key, str(rng.randint(-3, 3)), rng.choice(["0", "v5", "-7", ""])))
        for _ in range(10):
            out.append(C("LPOS", key, rng.choice(["3", "v9", "ins", "x"]), "RANK", str(rng.choice([1, 2, -1, -3])),
                         "COUNT", str(rng.randint(0, 4)), "MAXLEN", str(rng.choice([0, 100, 1000]))))
        out += [C("LRANGE", key, "0", "-1"), C("LRANGE", key, "-500", "700"),
                C("LPOP", key, "333"), C("RPOP", key, "444"), C("LTRIM", key, "100", "-100"),
                C("LRANGE", key, "0", "-1"), C("OBJECT", "ENCODING", key)]
    out.append(C("CONFIG", "SET", "list-max-listpack-size", "-2"))
    # Moves between long lists, then drain one completely.
    for i in range(300):
        out.append(C("LMOVE", "big-2", "big-1", "LEFT" if i % 2 else "RIGHT", "RIGHT" if i % 3 else "LEFT"))
    out += [C("LRANGE", "big-1", "0", "-1"), C("LMPOP", "2", "nokey", "big5", "LEFT", "COUNT", "100000"),
            C("EXISTS", "big5"), C("LLEN", "big-2")]
    return out


def seq_edges():
    return [
        C("RPUSH", "l", "a", "b", "a", "c", "a"),
        C("LPOS", "l", "a", "RANK", I64_MIN), C("LPOS", "l", "a", "RANK", I64_MIN, "COUNT", "2"),
        C("LPOS", "l", "a", "RANK", "-" + I64_MAX, "COUNT", "2"), C("LPOS", "l", "a", "RANK", "0"),
        C("LPOS", "l", "a", "MAXLEN", "-1"), C("LPOS", "l", "a", "COUNT", "x"), C("LPOS", "l", "a", "RANK"),
        C("LINDEX", "l", I64_MIN), C("LINDEX", "l", I64_MAX), C("LSET", "l", I64_MIN, "x"),
        C("LRANGE", "l", I64_MIN, I64_MAX), C("LRANGE", "l", I64_MAX, I64_MIN),
        C("LREM", "l", I64_MIN, "a"), C("LRANGE", "l", "0", "-1"),
        C("LTRIM", "l", I64_MIN, I64_MAX), C("LRANGE", "l", "0", "-1"),
        C("LPOP", "l", I64_MAX), C("EXISTS", "l"),
        C("LPOP", "nokey", "0"), C("LPOP", "nokey", "-1"), C("RPOP", "nokey", "x"),
        C("RPUSH", "n", "0", "-0", "01", "+1", "9223372036854775808", I64_MIN, "1e3", " 1", ""),
        C("LRANGE", "n", "0", "-1"), C("LPOS", "n", "-0"), C("LREM", "n", "0", "0"), C("LRANGE", "n", "0", "-1"),
        C("LMPOP", "0", "a", "LEFT"), C("LMPOP", "x", "a", "LEFT"), C("LMPOP", "3", "a", "LEFT"),
        C("LMPOP", "1", "a", "LEFT", "COUNT", "0"), C("LMPOP", "1", "a", "UP"),
        C("LMPOP", "2", "nokey", "n", "RIGHT", "COUNT", "3"), C("LMPOP", "1", "n", "left", "count", "100"),
        C("LMOVE", "a", "b", "left", "up"), C("LMOVE", "nokey", "b", "LEFT", "LEFT"),
        C("RPUSH", "r", "1", "2"), C("LMOVE", "r", "r", "LEFT", "RIGHT"), C("RPOPLPUSH", "r", "r"),
        C("LRANGE", "r", "0", "-1"), C("LINSERT", "r", "MIDDLE", "1", "x"), C("LINSERT", "nokey", "BEFORE", "1", "x"),
        C("LINSERT", "r", "AFTER", "9", "x"), C("LSET", "nokey", "x", "v"), C("LSET", "r", "x", "v"),
    ]


DETERMINISTIC = {
    "arity": seq_arity,
    "wrongtype": seq_wrongtype,
    "long_lists": seq_long_lists,
    "edges": seq_edges,
}


@pytest.mark.parametrize("name", sorted(DETERMINISTIC))
def test_differential_list_sequence(name, redis_ref, server):
    run_differential(redis_ref.port, server.port, DETERMINISTIC[name](), "list/" + name)


@pytest.mark.parametrize("name", ["wrongtype", "edges"])
def test_differential_list_sequence_resp3(name, redis_ref, server):
    steps = [C("HELLO", "3", mode="skip")] + DETERMINISTIC[name]()
    run_differential(redis_ref.port, server.port, steps, "list-resp3/" + name)


# ======================================================================================== random sequences
class RandomListCommands:
    KEYS = ["l0", "l1", "l2", "l3", "{a}l4", "s", "nokey"]

    def __init__(self, seed):
        self.rng = random.Random(seed)

    def key(self):
        return self.rng.choice(self.KEYS)

    def val(self):
        rng = self.rng
        return rng.choice([
            lambda: str(rng.randint(-3, 3)),
            lambda: str(rng.randint(-100000, 100000)),
            lambda: rng.choice(["a", "b", "c", "", "a b", "x\r\ny"]),
            lambda: rng.choice(["0", "-0", "01", I64_MAX, I64_MIN, "18446744073709551616"]),
            lambda: "s" * rng.choice([10, 63, 64, 200]),
            lambda: "L" * rng.choice([4095, 4096, 9000]) if rng.random() < 0.2 else "v",
        ])()

    def vals(self, lo=1, hi=4):
        return [self.val() for _ in range(self.rng.randint(lo, hi))]

    def idx(self):
        return str(self.rng.choice([self.rng.randint(-8, 8), self.rng.randint(-40, 40), I64_MAX, I64_MIN])) \
            if self.rng.random() > 0.03 else "x"

    def side(self):
        return self.rng.choice(["LEFT", "RIGHT", "left", "Right"] * 10 + ["UP"])

    def lpos(self):
        args = ["LPOS", self.key(), self.val()]
        for _ in range(self.rng.randint(0, 3)):
            opt = self.rng.choice(["RANK", "COUNT", "MAXLEN"])
            args += [opt, str(self.rng.choice([1, 2, -1, -2, 0, 3, 10]))]
        return C(*args)

    def lmpop(self):
        n = self.rng.randint(1, 3)
        args = ["LMPOP", str(n)] + [self.key() for _ in range(n)] + [self.side()]
        if self.rng.random() < 0.5:
            args += ["COUNT", str(self.rng.choice([1, 2, 5, 100, 0]))]
        if self.rng.random() < 0.03:
            args[1] = self.rng.choice(["0", "x", "9"])
        return C(*args)

    def one(self):
        rng, k = self.rng, self.key
        table = [
            (8, lambda: C("LPUSH", k(), *self.vals())),
            (8, lambda: C("RPUSH", k(), *self.vals())),
            (2, lambda: C(rng.choice(["LPUSHX", "RPUSHX"]), k(), *self.vals())),
            (4, lambda: C(rng.choice(["LPOP", "RPOP"]), k())),
            (3, lambda: C(rng.choice(["LPOP", "RPOP"]), k(), rng.choice(["0", "1", "2", "7", "-1", "x"]))),
            (2, lambda: C("LLEN", k())),
            (4, lambda: C("LINDEX", k(), self.idx())),
            (3, lambda: C("LSET", k(), self.idx(), self.val())),
            (5, lambda: C("LRANGE", k(), self.idx(), self.idx())),
            (4, lambda: C("LRANGE", k(), "0", "-1")),
            (3, lambda: C("LINSERT", k(), rng.choice(["BEFORE", "AFTER", "before", "x"]), self.val(), self.val())),
            (3, lambda: C("LREM", k(), rng.choice(["0", "1", "-1", "2", "-2", I64_MIN, "x"]), self.val())),
            (2, lambda: C("LTRIM", k(), str(rng.randint(-5, 3)), str(rng.randint(-3, 30)))),
            (3, self.lpos),
            (4, lambda: C("LMOVE", k(), k(), self.side(), self.side())),
            (2, lambda: C("RPOPLPUSH", k(), k())),
            (3, self.lmpop),
            (1, lambda: C("TYPE", k())),
            (1, lambda: C("OBJECT", "ENCODING", k())),
            (1, lambda: C("EXISTS", k(), k())),
            (1, lambda: C("DEL", k())),
            (1, lambda: C("SET", "s", "str")),
            (1, lambda: C("EXPIRE", k(), "100000")),
            (1, lambda: C("TTL", k(), mode="ttl")),
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
        return step

    def steps(self, n):
        out = [C("SET", "s", "str")]
        out += [self.one() for _ in range(n)]
        out += [C("LRANGE", key, "0", "-1") for key in self.KEYS]
        return out


@pytest.mark.timeout_s(60)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_differential_list_random_resp2(redis_ref, server, seed):
    run_differential(redis_ref.port, server.port, RandomListCommands(seed).steps(1500), "list-random/seed=%d" % seed)


@pytest.mark.timeout_s(60)
@pytest.mark.parametrize("seed", [4, 5])
def test_differential_list_random_resp3(redis_ref, server, seed):
    steps = [C("HELLO", "3", mode="skip")] + RandomListCommands(seed).steps(1500)
    run_differential(redis_ref.port, server.port, steps, "list-random-resp3/seed=%d" % seed)


@pytest.mark.timeout_s(60)
def test_differential_list_random_small_nodes(redis_ref, server):
    """Tiny nodes (two elements each) so every edit crosses node boundaries."""
    steps = [C("CONFIG", "SET", "list-max-listpack-size", "2")] + RandomListCommands(6).steps(1500)
    run_differential(redis_ref.port, server.port, steps, "list-random-fill2")
