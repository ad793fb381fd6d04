"""Differential tests for SORT / SORT_RO: random lists, sets (intset and hashtable), sorted sets
(listpack and skiplist) and weight/value keys (strings and hash fields), then random SORT option
combinations (BY, LIMIT, GET, ASC/DESC, ALPHA, STORE) sent as raw RESP to redis-server 7.0 and to
the server under test, replies compared byte for byte in RESP2 and RESP3.

Redis leaves some orders unspecified. Those replies are compared as multisets ("multiset"), or
by their length only when a LIMIT window cuts through an unspecified order ("len"):
  - a hashtable set that is not sorted (BY nosort / a constant BY, without STORE);
  - ALPHA with a BY pattern whose weights can tie (equal or missing values): over a set or sorted
    set (Redis loads them in dict order), or with LIMIT (Redis's partial qsort is not stable).
    The u_* / hu_*->u patterns name a distinct value for every element, so ALPHA BY with them is
    a total order and compared exactly; over lists, ties keep the list order in both servers
    (glibc's qsort is a stable merge sort, Tessera uses a stable sort).
Values that overflow a double (1e999) are never generated: Redis 7.0 does not clear errno before
strtod, so one ERANGE makes its later numeric sorts on the connection fail.
"""
import random

import pytest

import test_differential
from helpers import parse_reply
from test_differential import C, run_differential

_base_normalise = test_differential._normalise


def _normalise(mode, raw):
    """test_differential's normaliser plus "multiset" (sorted, nils allowed) and "len"."""
    if mode in ("multiset", "len"):
        v = parse_reply(raw)[0]
        if not isinstance(v, list):
            return v
        return len(v) if mode == "len" else sorted(v, key=repr)
    return _base_normalise(mode, raw)


@pytest.fixture(autouse=True)
def _extra_modes(monkeypatch):
    monkeypatch.setattr(test_differential, "_normalise", _normalise)


POOL = ["0", "1", "2", "3", "-1", "10", "42", "-7", "100", "007", "1.5", "-0.25", "3.0", "1e3", "2e-2",
        "9223372036854775807", "-9223372036854775808", "18446744073709551616", "0x10", " 5",
        "apple", "Banana", "cherry", "", "b", "a", "zz", "\xe9t\xe9", "x y", "inf", "-inf"]
NUMS = ["0", "1", "2", "3", "-1", "10", "42", "-7", "100", "007", "1.5", "-0.25", "3.0", "1e3", "2e-2",
        "9223372036854775807", "-9223372036854775808", "5", "6", "12", "-3", "0.5"]
WORDS = ["apple", "Banana", "cherry", "b", "a", "zz", "\xe9t\xe9", "x y", "A", "ab", "aB", "m", "n"]
SOURCES = ["l_num", "l_mix", "l_big", "s_int", "s_str", "s_num", "z_small", "z_big", "z_words", "missing"]
HASHTABLE_SETS = {"s_str", "s_num"}
BYS = [None, None, "nosort", "w_*", "w_*", "h_*->f", "h_*->g", "h_*->nofield", "nokey", "w_*->f",
       "v_*", "x*y", "u_*", "hu_*->u", "u_*", "hu_*->u"]
UNIQUE_BYS = {"u_*", "hu_*->u"}
GETS = ["#", "#", "w_*", "h_*->g", "h_*->f", "v_*", "nokey", "h_*", "w_*->f"]


def _mode(src, by, alpha, limit, store):
    """The comparison mode of a SORT reply (and of the stored list)."""
    dontsort = by is not None and "*" not in by
    if dontsort:
        if src in HASHTABLE_SETS and not store:
            return "len" if limit else "multiset"
        return "exact"
    if alpha and by is not None and by not in UNIQUE_BYS:
        if limit:
            return "len"
        if src in HASHTABLE_SETS or src.startswith("z_"):
            return "multiset"
    return "exact"


def setup_steps(rng):
    out = []
    out.append(C("RPUSH", "l_num", *[rng.choice(NUMS) for _ in range(25)]))
    out.append(C("RPUSH", "l_mix", *[rng.choice(POOL) for _ in range(30)]))
    out.append(C("RPUSH", "l_big", *[str(rng.randint(-500, 500)) for _ in range(400)]))
    out.append(C("SADD", "s_int", *[str(rng.randint(-50, 50)) for _ in range(20)]))
    out.append(C("SADD", "s_str", *rng.sample(WORDS, 8), *rng.sample(NUMS, 6)))
    out.append(C("SADD", "s_num", *rng.sample(NUMS, 10), "x%d" % rng.randint(0, 9)))
    out.append(C("SREM", "s_num", *["x%d" % i for i in range(10)]))  # a hashtable of numbers
    zs = []
    for m in rng.sample(NUMS, 12):
        zs += [str(rng.choice([1, 2, 2, 3, 5.5, -1])), m]
    out.append(C("ZADD", "z_small", *zs))
    zs = []
    for i in range(200):
        zs += [str(rng.randint(0, 40)), str(rng.randint(-500, 500))]
    out.append(C("ZADD", "z_big", *zs))
    zs = []
    for m in WORDS:
        zs += [str(rng.randint(0, 3)), m]
    out.append(C("ZADD", "z_words", *zs))
    out += [C("OBJECT", "ENCODING", k) for k in ("s_int", "s_str", "s_num", "z_small", "z_big")]
    # weights and values for every element that may be sorted (strings batched into MSETs)
    elems = sorted(set(POOL + NUMS + WORDS + [str(i) for i in range(-500, 501)]))
    order = list(range(len(elems)))
    rng.shuffle(order)
    strings = []
    for e, u in zip(elems, order):
        strings += ["u_" + e, "u%05d" % u]
        out.append(C("HSET", "hu_" + e, "u", rng.choice("aBz") + "%d" % u))
        r = rng.random()
        if r < 0.75:
            strings += ["w_" + e, rng.choice(NUMS[:17] + [str(rng.randint(-20, 20))])]
        elif r < 0.78:
            strings += ["w_" + e, rng.choice(WORDS)]  # not a number
        if rng.random() < 0.7:
            fields = ["g", rng.choice(WORDS + ["", "zzz"])]
            if rng.random() < 0.9:
                fields += ["f", str(rng.randint(-30, 30))]
            out.append(C("HSET", "h_" + e, *fields))
        if rng.random() < 0.6:
            strings += ["v_" + e, "val:" + e]
    for i in range(0, len(strings), 400):
        out.append(C("MSET", *strings[i:i + 400]))
    out.append(C("SET", "str", "1"))
    out.append(C("HSET", "hash", "a", "1"))
    return out


def random_sort(rng):
    """A random SORT / SORT_RO with its comparison mode, and the steps that check its effects."""
    src = rng.choice(SOURCES)
    ro = rng.random() < 0.25
    args = ["SORT_RO" if ro else "SORT", src]
    by = rng.choice(BYS)
    alpha = rng.random() < 0.4
    limit = rng.random() < 0.4
    store = not ro and rng.random() < 0.3
    opts = []
    if by is not None:
        opts.append(["BY", by])
    if limit:
        opts.append(["LIMIT", str(rng.choice([0, 0, 1, 2, 5, -3, 30, 1000])),
                     str(rng.choice([-1, 0, 1, 3, 10, 100, -5]))])
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3])):
        opts.append(["GET", rng.choice(GETS)])
    if rng.random() < 0.5:
        opts.append([rng.choice(["ASC", "DESC", "desc", "asc"])])
    if alpha:
        opts.append(["ALPHA"])
    mode = _mode(src, by, alpha, limit, store)
    if store:
        # the source itself only when the stored order is deterministic and its elements stay
        # elements (no GET), since later steps sort it again with u_* weights
        itself = mode == "exact" and not any(o[0] == "GET" for o in opts)
        opts.append(["STORE", rng.choice(["dst", "dst", "dst2"] + ([src] if itself else []))])
    rng.shuffle(opts)
    # GETs keep their relative order after the shuffle: what matters is the multiset of options.
    for o in opts:
        args += o
    steps = [C(*args, mode=mode)]
    if store:
        dst = args[args.index("STORE") + 1]
        steps += [C("LRANGE", dst, "0", "-1", mode=mode), C("TYPE", dst)]
        if mode != "exact":  # an unordered result must not be read exactly by a later step
            steps.append(C("DEL", dst))
    return steps


def fixed_steps():
    """Errors and edge cases, in a fixed order."""
    return [
        C("SORT"), C("SORT_RO"), C("SORT", "l_num", "LIMIT"), C("SORT", "l_num", "LIMIT", "1"),
        C("SORT", "l_num", "LIMIT", "x", "1"), C("SORT", "l_num", "LIMIT", "1", "y"), C("SORT", "l_num", "BY"),
        C("SORT", "l_num", "GET"), C("SORT", "l_num", "STORE"), C("SORT_RO", "l_num", "STORE", "d"),
        C("SORT", "l_num", "FOO"), C("SORT", "str"), C("SORT", "hash"), C("SORT", "str", "BAD"),
        C("SORT_RO", "hash", "BY", "nosort"), C("SORT", "str", "STORE", "d"), C("EXISTS", "d"),
        C("SORT", "l_mix"), C("SORT", "l_mix", "STORE", "d"), C("EXISTS", "d"),
        C("SORT", "missing", "STORE", "str"), C("EXISTS", "str"), C("SET", "str", "1"),
        C("SORT", "l_num", "LIMIT", "0", "0", "STORE", "dst"), C("EXISTS", "dst"),
        C("COMMAND", "GETKEYS", "SORT", "a", "STORE", "b", "BY", "c", "GET", "d", "STORE", "e"),
        C("COMMAND", "GETKEYS", "SORT_RO", "a", "BY", "c"),
    ]


def build(seed, n=250):
    rng = random.Random(seed)
    steps = setup_steps(rng) + fixed_steps()
    for _ in range(n):
        steps += random_sort(rng)
        if rng.random() < 0.05:
            steps.append(C("OBJECT", "ENCODING", rng.choice(["z_small", "z_big", "z_words"])))
    steps += [C("OBJECT", "ENCODING", k) for k in ("z_small", "z_big", "z_words", "s_int", "s_str")]
    return steps


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_differential_sort_random(seed, redis_ref, server):
    run_differential(redis_ref.port, server.port, build(seed), "sort/seed=%d" % seed)


@pytest.mark.parametrize("seed", [4, 5])
def test_differential_sort_random_resp3(seed, redis_ref, server):
    steps = [C("HELLO", "3", mode="skip")] + build(seed)
    run_differential(redis_ref.port, server.port, steps, "sort/resp3/seed=%d" % seed)
