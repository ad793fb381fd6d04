"""Sorted-set commands, black box: ZADD (NX XX GT LT CH INCR) ZINCRBY ZREM ZCARD ZSCORE ZMSCORE
ZRANK ZREVRANK ZCOUNT ZLEXCOUNT ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES) ZRANGESTORE
ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZREMRANGEBYRANK
ZREMRANGEBYSCORE ZREMRANGEBYLEX ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER ZUNION ZINTER ZDIFF
ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD ZSCAN, with errors, RESP2 and RESP3 reply types
(scores are bulk strings in RESP2 and doubles in RESP3), encodings and their conversions, and
larger sets checked against a Python model. Every test passes against Redis 7.0 too."""
import random

import pytest

from helpers import bulk, intr, parse_reply

NIL = b"$-1\r\n"
SYNTAX = b"-ERR syntax error\r\n"
NOT_INT = b"-ERR value is not an integer or out of range\r\n"
NOT_FLOAT = b"-ERR value is not a valid float\r\n"
WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
EMPTY = b"*0\r\n"


def arr(*items):
    return b"*%d\r\n" % len(items) + b"".join(items)


def bulks(*vals):
    return arr(*[bulk(v) for v in vals])


def dbl(v):
    """A RESP3 double."""
    return b"," + (v if isinstance(v, bytes) else str(v).encode()) + b"\r\n"


@pytest.fixture
def rc3(r, raw):
    c = raw()
    c.cmd("HELLO", "3")
    return c


# ---------------------------------------------------------------------------------------- ZADD
def test_zadd_adds_updates_and_counts(rc):
    assert rc.cmd("ZADD", "z", "1", "a", "2", "b") == intr(2)
    assert rc.cmd("ZADD", "z", "3", "a", "2", "b", "4", "c") == intr(1)
    assert rc.cmd("ZADD", "z", "CH", "5", "a", "2", "b", "6", "d") == intr(2)
    assert rc.cmd("ZRANGE", "z", "0", "-1", "WITHSCORES") == bulks("b", "2", "c", "4", "a", "5", "d", "6")
    assert rc.cmd("TYPE", "z") == b"+zset\r\n"


def test_zadd_duplicate_member_in_one_call_keeps_last_score(rc):
    assert rc.cmd("ZADD", "z", "1", "a", "2", "a", "3", "a") == intr(1)
    assert rc.cmd("ZSCORE", "z", "a") == bulk("3")


def test_zadd_nx_xx_gt_lt(rc):
    rc.cmd("ZADD", "z", "5", "m")
    assert rc.cmd("ZADD", "z", "NX", "1", "m", "1", "n") == intr(1)
    assert rc.cmd("ZSCORE", "z", "m") == bulk("5")
    assert rc.cmd("ZADD", "z", "XX", "7", "m", "1", "o") == intr(0)
    assert rc.cmd("ZSCORE", "z", "m") == bulk("7")
    assert rc.cmd("ZSCORE", "z", "o") == NIL
    assert rc.cmd("ZADD", "z", "GT", "CH", "6", "m") == intr(0)
    assert rc.cmd("ZADD", "z", "GT", "CH", "8", "m") == intr(1)
    assert rc.cmd("ZADD", "z", "LT", "CH", "9", "m") == intr(0)
    assert rc.cmd("ZADD", "z", "LT", "CH", "2", "m") == intr(1)
    # GT / LT still add new members
    assert rc.cmd("ZADD", "z", "GT", "1", "p") == intr(1)
    assert rc.cmd("ZADD", "z", "XX", "GT", "1", "q") == intr(0)


def test_zadd_xx_on_missing_key_creates_nothing(rc):
    assert rc.cmd("ZADD", "z", "XX", "1", "a") == intr(0)
    assert rc.cmd("EXISTS", "z") == intr(0)
    assert rc.cmd("ZADD", "z", "XX", "INCR", "1", "a") == NIL
    assert rc.cmd("EXISTS", "z") == intr(0)


def test_zadd_incompatible_options_and_syntax_errors(rc):
    assert rc.cmd("ZADD", "z", "NX", "XX", "1", "a") == b"-ERR XX and NX options at the same time are not compatible\r\n"
    err = b"-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"
    assert rc.cmd("ZADD", "z", "GT", "LT", "1", "a") == err
    assert rc.cmd("ZADD", "z", "NX", "GT", "1", "a") == err
    assert rc.cmd("ZADD", "z", "LT", "NX", "1", "a") == err
    assert rc.cmd("ZADD", "z", "INCR", "1", "a", "2", "b") == b"-ERR INCR option supports a single increment-element pair\r\n"
    assert rc.cmd("ZADD", "z", "1", "a", "2") == SYNTAX
    assert rc.cmd("ZADD", "z", "NX", "1") == SYNTAX
    assert rc.cmd("ZADD", "z", "FOO", "1", "a") == SYNTAX
    assert rc.cmd("ZADD", "z", "1") == b"-ERR wrong number of arguments for 'zadd' command\r\n"
    assert rc.cmd("ZADD", "z", "1", "a", "x", "b") == NOT_FLOAT
    assert rc.cmd("ZADD", "z", "nan", "a") == NOT_FLOAT
    assert rc.cmd("ZADD", "z", " 1", "a") == NOT_FLOAT
    assert rc.cmd("ZADD", "z", "", "a") == NOT_FLOAT
    assert rc.cmd("EXISTS", "z") == intr(0)  # all or nothing


def test_zadd_incr_and_zincrby(rc):
    assert rc.cmd("ZADD", "z", "INCR", "2.5", "a") == bulk("2.5")
    assert rc.cmd("ZINCRBY", "z", "1", "a") == bulk("3.5")
    assert rc.cmd("ZINCRBY", "z", "0.1", "a") == bulk("3.6000000000000001")
    assert rc.cmd("ZADD", "z", "NX", "INCR", "1", "a") == NIL
    assert rc.cmd("ZADD", "z", "GT", "INCR", "-1", "a") == NIL
    assert rc.cmd("ZADD", "z", "INCR", "inf", "a") == bulk("inf")
    assert rc.cmd("ZADD", "z", "INCR", "-inf", "a") == b"-ERR resulting score is not a number (NaN)\r\n"
    assert rc.cmd("ZINCRBY", "z", "-inf", "a") == b"-ERR resulting score is not a number (NaN)\r\n"
    assert rc.cmd("ZSCORE", "z", "a") == bulk("inf")
    assert rc.cmd("ZINCRBY", "z", "x", "a") == NOT_FLOAT
    # ZINCRBY's increment position is parsed like ZADD's options
    assert rc.cmd("ZINCRBY", "z", "nx", "a") == SYNTAX


def test_scores_special_values_and_formatting(rc, rc3):
    rc.cmd("ZADD", "z", "inf", "hi", "-inf", "lo", "0.1", "t", "1e300", "big", "+inf", "hi2", "5e-324", "tiny")
    assert rc.cmd("ZSCORE", "z", "hi") == bulk("inf")
    assert rc.cmd("ZSCORE", "z", "lo") == bulk("-inf")
    assert rc.cmd("ZSCORE", "z", "t") == bulk("0.10000000000000001")
    assert rc.cmd("ZSCORE", "z", "big") == bulk("1.0000000000000001e+300")
    assert rc.cmd("ZSCORE", "z", "tiny") == bulk("4.9406564584124654e-324")
    assert rc3.cmd("ZSCORE", "z", "hi") == dbl("inf")
    assert rc3.cmd("ZSCORE", "z", "lo") == dbl("-inf")
    assert rc3.cmd("ZSCORE", "z", "t") == dbl("0.10000000000000001")
    assert rc3.cmd("ZSCORE", "z", "nope") == b"_\r\n"


def test_negative_zero_reads_as_zero_in_listpack_but_not_skiplist(rc):
    rc.cmd("ZADD", "small", "-0", "a")
    assert rc.cmd("ZSCORE", "small", "a") == bulk("0")
    assert rc.cmd("ZADD", "small2", "INCR", "-0", "b") == bulk("-0")  # the reply is the new score
    assert rc.cmd("ZSCORE", "small2", "b") == bulk("0")
    rc.cmd("ZADD", "big", *[x for i in range(130) for x in (str(i), "m%d" % i)])
    rc.cmd("ZADD", "big", "-0", "z")
    assert rc.cmd("ZSCORE", "big", "z") == bulk("-0")


# ---------------------------------------------------------------------------------------- reads
def test_zrem_zcard_and_key_deletion(rc):
    rc.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert rc.cmd("ZREM", "z", "a", "x", "a") == intr(1)
    assert rc.cmd("ZCARD", "z") == intr(2)
    assert rc.cmd("ZREM", "z", "b", "c") == intr(2)
    assert rc.cmd("EXISTS", "z") == intr(0)
    assert rc.cmd("ZREM", "z", "a") == intr(0)
    assert rc.cmd("ZCARD", "z") == intr(0)


def test_zscore_zmscore(rc, rc3):
    rc.cmd("ZADD", "z", "1.5", "a", "2", "b")
    assert rc.cmd("ZSCORE", "z", "a") == bulk("1.5")
    assert rc.cmd("ZSCORE", "z", "x") == NIL
    assert rc.cmd("ZSCORE", "nokey", "a") == NIL
    assert rc.cmd("ZMSCORE", "z", "a", "x", "b") == arr(bulk("1.5"), NIL, bulk("2"))
    assert rc.cmd("ZMSCORE", "nokey", "a") == arr(NIL)
    assert rc3.cmd("ZMSCORE", "z", "a", "x") == arr(dbl("1.5"), b"_\r\n")


def test_zrank_zrevrank(rc, rc3):
    rc.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "d")
    assert rc.cmd("ZRANK", "z", "a") == intr(0)
    assert rc.cmd("ZRANK", "z", "d") == intr(3)
    assert rc.cmd("ZREVRANK", "z", "d") == intr(0)
    assert rc.cmd("ZREVRANK", "z", "a") == intr(3)
    assert rc.cmd("ZRANK", "z", "x") == NIL
    assert rc.cmd("ZRANK", "nokey", "x") == NIL
    assert rc3.cmd("ZRANK", "z", "x") == b"_\r\n"
    assert rc.cmd("ZRANK", "z", "a", "WITHSCORE") == b"-ERR wrong number of arguments for 'zrank' command\r\n"


def test_zcount_and_score_range_syntax(rc):
    rc.cmd("ZADD", "z", *[x for i in range(10) for x in (str(i), "m%d" % i)])
    assert rc.cmd("ZCOUNT", "z", "2", "5") == intr(4)
    assert rc.cmd("ZCOUNT", "z", "(2", "(5") == intr(2)
    assert rc.cmd("ZCOUNT", "z", "-inf", "+inf") == intr(10)
    assert rc.cmd("ZCOUNT", "z", "5", "2") == intr(0)
    assert rc.cmd("ZCOUNT", "z", "(5", "5") == intr(0)
    assert rc.cmd("ZCOUNT", "nokey", "0", "1") == intr(0)
    assert rc.cmd("ZCOUNT", "z", "x", "1") == b"-ERR min or max is not a float\r\n"
    assert rc.cmd("ZCOUNT", "z", "nan", "1") == b"-ERR min or max is not a float\r\n"
    assert rc.cmd("ZCOUNT", "nokey", "x", "1") == b"-ERR min or max is not a float\r\n"
    # strtod rules: leading space and an empty string are accepted, a trailing space is not
    assert rc.cmd("ZCOUNT", "z", " 1", "2") == intr(2)
    assert rc.cmd("ZCOUNT", "z", "", "(") == intr(0)
    assert rc.cmd("ZCOUNT", "z", "1 ", "2") == b"-ERR min or max is not a float\r\n"


def test_zlexcount_and_lex_range_syntax(rc):
    rc.cmd("ZADD", "z", *[x for c in "abcdefg" for x in ("0", c)])
    assert rc.cmd("ZLEXCOUNT", "z", "-", "+") == intr(7)
    assert rc.cmd("ZLEXCOUNT", "z", "[b", "[d") == intr(3)
    assert rc.cmd("ZLEXCOUNT", "z", "(b", "(d") == intr(1)
    assert rc.cmd("ZLEXCOUNT", "z", "+", "-") == intr(0)
    assert rc.cmd("ZLEXCOUNT", "z", "-", "-") == intr(0)
    err = b"-ERR min or max not valid string range item\r\n"
    for a, b in [("b", "[d"), ("[b", "d"), ("", "+"), ("+x", "+"), ("-", "-y")]:
        assert rc.cmd("ZLEXCOUNT", "z", a, b) == err, (a, b)


# ---------------------------------------------------------------------------------------- ranges
def test_zrange_by_rank(rc, rc3):
    rc.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
    assert rc.cmd("ZRANGE", "z", "0", "-1") == bulks("a", "b", "c", "d")
    assert rc.cmd("ZRANGE", "z", "1", "2", "WITHSCORES") == bulks("b", "2", "c", "3")
    assert rc.cmd("ZRANGE", "z", "-2", "100") == bulks("c", "d")
    assert rc.cmd("ZRANGE", "z", "3", "1") == EMPTY
    assert rc.cmd("ZRANGE", "z", "0", "-1", "REV") == bulks("d", "c", "b", "a")
    assert rc.cmd("ZREVRANGE", "z", "0", "1", "WITHSCORES") == bulks("d", "4", "c", "3")
    assert rc.cmd("ZRANGE", "nokey", "0", "-1") == EMPTY
    assert rc.cmd("ZRANGE", "z", "a", "1") == NOT_INT
    assert rc3.cmd("ZRANGE", "z", "0", "1", "WITHSCORES") == arr(arr(bulk("a"), dbl(1)), arr(bulk("b"), dbl(2)))
    assert rc3.cmd("ZRANGE", "z", "0", "1") == bulks("a", "b")


def test_zrange_byscore_limit_rev(rc):
    rc.cmd("ZADD", "z", *[x for i in range(10) for x in (str(i), "m%d" % i)])
    assert rc.cmd("ZRANGE", "z", "(2", "5", "BYSCORE") == bulks("m3", "m4", "m5")
    assert rc.cmd("ZRANGE", "z", "5", "(2", "BYSCORE", "REV") == bulks("m5", "m4", "m3")
    assert rc.cmd("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "2", "3") == bulks("m2", "m3", "m4")
    assert rc.cmd("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "8", "-1") == bulks("m8", "m9")
    assert rc.cmd("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "-1", "5") == EMPTY
    assert rc.cmd("ZRANGE", "z", "-inf", "+inf", "BYSCORE", "LIMIT", "1", "0") == EMPTY
    assert rc.cmd("ZRANGEBYSCORE", "z", "1", "2", "WITHSCORES") == bulks("m1", "1", "m2", "2")
    assert rc.cmd("ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", "0", "2") == bulks("m9", "m8")
    assert rc.cmd("ZRANGE", "z", "0", "-1", "LIMIT", "0", "1") == (
        b"-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n")
    assert rc.cmd("ZRANGE", "z", "0", "-1", "LIMIT", "0", "-1") == rc.cmd("ZRANGE", "z", "0", "-1")
    assert rc.cmd("ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX") == SYNTAX
    assert rc.cmd("ZRANGE", "z", "0", "1", "REV", "REV") == SYNTAX
    assert rc.cmd("ZRANGEBYSCORE", "z", "0", "1", "REV") == SYNTAX
    assert rc.cmd("ZRANGEBYSCORE", "z", "0", "1", "LIMIT", "0") == SYNTAX
    assert rc.cmd("ZRANGEBYSCORE", "z", "0", "1", "LIMIT", "x", "1") == NOT_INT


def test_zrange_bylex(rc, rc3):
    rc.cmd("ZADD", "z", *[x for c in "abcdefg" for x in ("0", c)])
    assert rc.cmd("ZRANGE", "z", "[b", "(e", "BYLEX") == bulks("b", "c", "d")
    assert rc.cmd("ZRANGE", "z", "(e", "[b", "BYLEX", "REV") == bulks("d", "c", "b")
    assert rc.cmd("ZRANGEBYLEX", "z", "-", "+", "LIMIT", "1", "2") == bulks("b", "c")
    assert rc.cmd("ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "0", "3") == bulks("g", "f", "e")
    assert rc.cmd("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES") == (
        b"-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n")
    assert rc.cmd("ZRANGEBYLEX", "z", "a", "b") == b"-ERR min or max not valid string range item\r\n"
    assert rc3.cmd("ZRANGEBYLEX", "z", "[f", "+") == bulks("f", "g")


def test_zrangestore(rc):
    rc.cmd("ZADD", "src", *[x for i in range(10) for x in (str(i), "m%d" % i)])
    rc.cmd("SET", "dst", "old", "EX", "100")
    assert rc.cmd("ZRANGESTORE", "dst", "src", "2", "4") == intr(3)
    assert rc.cmd("TTL", "dst") == intr(-1)
    assert rc.cmd("ZRANGE", "dst", "0", "-1", "WITHSCORES") == bulks("m2", "2", "m3", "3", "m4", "4")
    assert rc.cmd("ZRANGESTORE", "dst", "src", "+inf", "(7", "BYSCORE", "REV") == intr(2)
    assert rc.cmd("ZRANGE", "dst", "0", "-1") == bulks("m8", "m9")
    assert rc.cmd("ZRANGESTORE", "dst", "src", "[m1", "[m3", "BYLEX", "LIMIT", "1", "5") == intr(2)
    assert rc.cmd("ZRANGESTORE", "dst", "src", "5", "1") == intr(0)
    assert rc.cmd("EXISTS", "dst") == intr(0)
    assert rc.cmd("ZRANGESTORE", "dst", "nokey", "0", "-1") == intr(0)
    assert rc.cmd("ZRANGESTORE", "dst", "src", "0", "1", "WITHSCORES") == SYNTAX
    rc.cmd("SET", "str", "x")
    assert rc.cmd("ZRANGESTORE", "dst", "str", "0", "1") == WRONGTYPE
    assert rc.cmd("ZRANGESTORE", "str", "src", "0", "1") == intr(2)  # the destination is overwritten
    assert rc.cmd("TYPE", "str") == b"+zset\r\n"


def test_zremrange_by_rank_score_lex(rc):
    fill = ["ZADD", "z"] + [x for i in range(10) for x in (str(i), "m%d" % i)]
    rc.cmd(*fill)
    assert rc.cmd("ZREMRANGEBYRANK", "z", "0", "2") == intr(3)
    assert rc.cmd("ZREMRANGEBYRANK", "z", "-2", "-1") == intr(2)
    assert rc.cmd("ZRANGE", "z", "0", "-1") == bulks("m3", "m4", "m5", "m6", "m7")
    assert rc.cmd("ZREMRANGEBYRANK", "z", "5", "1") == intr(0)
    assert rc.cmd("ZREMRANGEBYSCORE", "z", "(3", "5") == intr(2)
    assert rc.cmd("ZREMRANGEBYSCORE", "z", "x", "5") == b"-ERR min or max is not a float\r\n"
    assert rc.cmd("ZREMRANGEBYRANK", "z", "x", "5") == NOT_INT
    assert rc.cmd("ZREMRANGEBYSCORE", "z", "-inf", "+inf") == intr(3)
    assert rc.cmd("EXISTS", "z") == intr(0)
    rc.cmd("ZADD", "l", *[x for c in "abcdef" for x in ("0", c)])
    assert rc.cmd("ZREMRANGEBYLEX", "l", "[b", "(e") == intr(3)
    assert rc.cmd("ZRANGE", "l", "0", "-1") == bulks("a", "e", "f")
    assert rc.cmd("ZREMRANGEBYLEX", "l", "b", "(e") == b"-ERR min or max not valid string range item\r\n"
    assert rc.cmd("ZREMRANGEBYLEX", "l", "-", "+") == intr(3)
    assert rc.cmd("EXISTS", "l") == intr(0)
    assert rc.cmd("ZREMRANGEBYRANK", "nokey", "0", "-1") == intr(0)


# ---------------------------------------------------------------------------------------- pops
def test_zpopmin_zpopmax(rc, rc3):
    rc.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
    assert rc.cmd("ZPOPMIN", "z") == bulks("a", "1")
    assert rc.cmd("ZPOPMAX", "z", "2") == bulks("d", "4", "c", "3")
    assert rc.cmd("ZPOPMIN", "z", "0") == EMPTY
    assert rc.cmd("ZPOPMIN", "z", "-1") == b"-ERR value is out of range, must be positive\r\n"
    assert rc.cmd("ZPOPMIN", "z", "x") == b"-ERR value is out of range, must be positive\r\n"
    assert rc.cmd("ZPOPMIN", "z", "1", "2") == SYNTAX
    assert rc.cmd("ZPOPMIN", "z", "10") == bulks("b", "2")
    assert rc.cmd("EXISTS", "z") == intr(0)
    assert rc.cmd("ZPOPMIN", "z") == EMPTY
    rc.cmd("ZADD", "z", "1", "a", "2", "b")
    assert rc3.cmd("ZPOPMIN", "z") == arr(bulk("a"), dbl(1))  # flat without COUNT
    assert rc3.cmd("ZPOPMAX", "z", "1") == arr(arr(bulk("b"), dbl(2)))  # nested with COUNT


def test_zmpop(rc, rc3):
    rc.cmd("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert rc.cmd("ZMPOP", "2", "nokey", "z", "MIN") == arr(bulk("z"), arr(bulks("a", "1")))
    assert rc.cmd("ZMPOP", "1", "z", "MAX", "COUNT", "5") == arr(bulk("z"), arr(bulks("c", "3"), bulks("b", "2")))
    assert rc.cmd("EXISTS", "z") == intr(0)
    assert rc.cmd("ZMPOP", "1", "z", "MIN") == b"*-1\r\n"
    assert rc3.cmd("ZMPOP", "1", "z", "MIN") == b"_\r\n"
    rc.cmd("ZADD", "z", "1.5", "a")
    assert rc3.cmd("ZMPOP", "1", "z", "MIN") == arr(bulk("z"), arr(arr(bulk("a"), dbl("1.5"))))
    assert rc.cmd("ZMPOP", "0", "z", "MIN") == b"-ERR numkeys should be greater than 0\r\n"
    assert rc.cmd("ZMPOP", "x", "z", "MIN") == b"-ERR numkeys should be greater than 0\r\n"
    assert rc.cmd("ZMPOP", "2", "z", "MIN") == SYNTAX
    assert rc.cmd("ZMPOP", "1", "z", "MID") == SYNTAX
    assert rc.cmd("ZMPOP", "1", "z", "MIN", "COUNT", "0") == b"-ERR count should be greater than 0\r\n"
    assert rc.cmd("ZMPOP", "1", "z", "MIN", "COUNT", "1", "COUNT", "1") == SYNTAX
    rc.cmd("SET", "str", "x")
    rc.cmd("ZADD", "z", "1", "a")
    assert rc.cmd("ZMPOP", "2", "str", "z", "MIN") == WRONGTYPE
    assert rc.cmd("ZMPOP", "2", "z", "str", "MIN") == arr(bulk("z"), arr(bulks("a", "1")))


# ---------------------------------------------------------------------------------------- ZRANDMEMBER
def test_zrandmember(r, rc, rc3):
    members = {b"m%d" % i: float(i) for i in range(20)}
    r.zadd("z", {k: v for k, v in members.items()})
    assert r.zrandmember("z") in members
    assert r.zrandmember("nokey") is None
    got = r.zrandmember("z", 5)
    assert len(got) == 5 and len(set(got)) == 5 and set(got) <= set(members)
    got = r.zrandmember("z", 15)  # most of the set: distinct
    assert len(set(got)) == 15
    got = r.zrandmember("z", -30)
    assert len(got) == 30 and set(got) <= set(members)
    # count >= size: the whole set, highest first (Redis walks sorted sets backwards)
    assert r.zrandmember("z", 100) == [b"m%d" % i for i in range(19, -1, -1)]
    assert r.zrandmember("z", 0) == []
    pairs = r.zrandmember("z", 3, withscores=True)
    assert len(pairs) == 6
    for i in range(0, 6, 2):
        assert members[pairs[i]] == float(pairs[i + 1])
    assert rc3.cmd("ZRANDMEMBER", "z", "0", "WITHSCORES") == EMPTY
    reply = parse_reply(rc3.cmd("ZRANDMEMBER", "z", "-2", "WITHSCORES"))[0]
    assert len(reply) == 2 and all(len(p) == 2 and isinstance(p[1], float) for p in reply)
    assert rc.cmd("ZRANDMEMBER", "z", "x") == NOT_INT
    assert rc.cmd("ZRANDMEMBER", "z", "1", "FOO") == SYNTAX
    assert rc.cmd("ZRANDMEMBER", "z", "-9223372036854775808") == (
        b"-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n")
    assert rc.cmd("ZRANDMEMBER", "z", "9223372036854775807", "WITHSCORES") == b"-ERR value is out of range\r\n"
    assert rc.cmd("ZRANDMEMBER", "nokey", "3") == EMPTY


# ---------------------------------------------------------------------------------------- set algebra
def test_zunion_zinter_zdiff(rc, rc3):
    rc.cmd("ZADD", "a", "1", "x", "2", "y", "3", "z")
    rc.cmd("ZADD", "b", "10", "y", "20", "z", "30", "w")
    assert rc.cmd("ZUNION", "2", "a", "b", "WITHSCORES") == bulks("x", "1", "y", "12", "z", "23", "w", "30")
    assert rc.cmd("ZINTER", "2", "a", "b", "WEIGHTS", "2", "0.5", "WITHSCORES") == bulks("y", "9", "z", "16")
    assert rc.cmd("ZINTER", "2", "a", "b", "AGGREGATE", "MAX") == bulks("y", "z")
    assert rc.cmd("ZUNION", "2", "a", "b", "AGGREGATE", "MIN", "WITHSCORES") == (
        bulks("x", "1", "y", "2", "z", "3", "w", "30"))
    assert rc.cmd("ZDIFF", "2", "a", "b", "WITHSCORES") == bulks("x", "1")
    assert rc.cmd("ZDIFF", "2", "a", "nokey") == bulks("x", "y", "z")
    assert rc.cmd("ZINTER", "2", "a", "nokey") == EMPTY
    assert rc3.cmd("ZINTER", "2", "a", "b", "WITHSCORES") == arr(arr(bulk("y"), dbl(12)), arr(bulk("z"), dbl(23)))


def test_zset_algebra_inf_and_nan_rules(rc):
    rc.cmd("ZADD", "p", "inf", "m")
    rc.cmd("ZADD", "q", "-inf", "m", "1", "n")
    assert rc.cmd("ZUNION", "2", "p", "q", "WITHSCORES") == bulks("m", "0", "n", "1")  # inf + -inf = 0
    assert rc.cmd("ZUNION", "1", "p", "WEIGHTS", "0", "WITHSCORES") == bulks("m", "0")  # inf * 0 = 0


def test_zset_algebra_errors(rc):
    rc.cmd("ZADD", "a", "1", "x")
    assert rc.cmd("ZUNION", "0", "a") == b"-ERR at least 1 input key is needed for 'zunion' command\r\n"
    assert rc.cmd("ZINTERSTORE", "d", "0", "a") == (
        b"-ERR at least 1 input key is needed for 'zinterstore' command\r\n")
    assert rc.cmd("ZUNION", "x", "a") == NOT_INT
    assert rc.cmd("ZUNION", "2", "a") == SYNTAX
    assert rc.cmd("ZUNION", "1", "a", "WEIGHTS", "x") == b"-ERR weight value is not a float\r\n"
    assert rc.cmd("ZUNION", "1", "a", "WEIGHTS") == SYNTAX
    assert rc.cmd("ZUNION", "1", "a", "AGGREGATE", "AVG") == SYNTAX
    assert rc.cmd("ZDIFF", "1", "a", "WEIGHTS", "1") == SYNTAX
    assert rc.cmd("ZUNIONSTORE", "d", "1", "a", "WITHSCORES") == SYNTAX
    rc.cmd("SET", "str", "x")
    assert rc.cmd("ZUNION", "2", "a", "str") == WRONGTYPE
    assert rc.cmd("ZUNION", "2", "a", "str", "BOGUS") == WRONGTYPE  # types are checked first


def test_zstore_variants(rc):
    rc.cmd("ZADD", "a", "1", "x", "2", "y")
    rc.cmd("ZADD", "b", "5", "y")
    rc.cmd("SET", "dst", "v", "EX", "100")
    assert rc.cmd("ZUNIONSTORE", "dst", "2", "a", "b") == intr(2)
    assert rc.cmd("TTL", "dst") == intr(-1)
    assert rc.cmd("ZRANGE", "dst", "0", "-1", "WITHSCORES") == bulks("x", "1", "y", "7")
    assert rc.cmd("ZINTERSTORE", "dst", "2", "a", "b", "WEIGHTS", "1", "2") == intr(1)
    assert rc.cmd("ZSCORE", "dst", "y") == bulk("12")
    assert rc.cmd("ZDIFFSTORE", "dst", "2", "a", "b") == intr(1)
    assert rc.cmd("ZRANGE", "dst", "0", "-1") == bulks("x")
    assert rc.cmd("ZINTERSTORE", "dst", "2", "a", "nokey") == intr(0)
    assert rc.cmd("EXISTS", "dst") == intr(0)
    assert rc.cmd("ZUNIONSTORE", "a", "2", "a", "b") == intr(2)  # a source may be the destination
    assert rc.cmd("ZRANGE", "a", "0", "-1", "WITHSCORES") == bulks("x", "1", "y", "7")


def test_zintercard(rc):
    rc.cmd("ZADD", "a", "1", "x", "2", "y", "3", "z")
    rc.cmd("ZADD", "b", "1", "y", "2", "z", "3", "w")
    assert rc.cmd("ZINTERCARD", "2", "a", "b") == intr(2)
    assert rc.cmd("ZINTERCARD", "2", "a", "b", "LIMIT", "1") == intr(1)
    assert rc.cmd("ZINTERCARD", "2", "a", "b", "LIMIT", "0") == intr(2)
    assert rc.cmd("ZINTERCARD", "2", "a", "nokey") == intr(0)
    assert rc.cmd("ZINTERCARD", "2", "a", "b", "LIMIT", "-1") == b"-ERR LIMIT can't be negative\r\n"
    assert rc.cmd("ZINTERCARD", "0", "a") == b"-ERR at least 1 input key is needed for 'zintercard' command\r\n"
    assert rc.cmd("ZINTERCARD", "1", "a", "WITHSCORES") == SYNTAX


def test_sets_are_inputs_with_score_one(rc):
    if rc.cmd("SADD", "s", "x", "q").startswith(b"-ERR unknown command"):
        pytest.skip("no SADD in this server yet")
    rc.cmd("SADD", "n", "1", "2")
    rc.cmd("ZADD", "a", "5", "x", "7", "1")
    assert rc.cmd("ZUNION", "2", "a", "s", "WITHSCORES") == bulks("q", "1", "x", "6", "1", "7")
    assert rc.cmd("ZINTER", "2", "s", "a", "WEIGHTS", "3", "1", "WITHSCORES") == bulks("x", "8")
    assert rc.cmd("ZINTER", "2", "n", "a", "WITHSCORES") == bulks("1", "8")
    assert rc.cmd("ZDIFF", "2", "s", "a", "WITHSCORES") == bulks("q", "1")
    assert rc.cmd("ZINTERCARD", "2", "s", "n") == intr(0)
    assert rc.cmd("ZRANGE", "s", "0", "-1") == WRONGTYPE


# ---------------------------------------------------------------------------------------- ZSCAN
def test_zscan_listpack_returns_everything_at_once(rc, rc3):
    rc.cmd("ZADD", "z", "1", "a", "2.5", "b", "1e17", "c")
    # a listpack stores integral scores as integers: ZSCAN shows that form
    assert rc.cmd("ZSCAN", "z", "0") == arr(bulk("0"), bulks("a", "1", "b", "2.5", "c", "100000000000000000"))
    assert rc3.cmd("ZSCAN", "z", "0", "MATCH", "b*") == arr(bulk("0"), bulks("b", "2.5"))
    assert rc.cmd("ZSCAN", "nokey", "0") == arr(bulk("0"), EMPTY)
    assert rc.cmd("ZSCAN", "z", "x") == b"-ERR invalid cursor\r\n"
    assert rc.cmd("ZSCAN", "z", "0", "COUNT", "0") == SYNTAX
    assert rc.cmd("ZSCAN", "z", "0", "TYPE", "zset") == SYNTAX
    assert rc.cmd("ZSCAN", "z", "0", "COUNT", "x") == NOT_INT


def test_zscan_skiplist_full_iteration(r):
    members = {("mem%d" % i).encode(): i + 0.5 for i in range(3000)}
    r.zadd("z", members)
    assert r.object("encoding", "z") == b"skiplist"
    seen = {}
    cursor = 0
    calls = 0
    while True:
        cursor, items = r.zscan("z", cursor, count=50)
        calls += 1
        seen.update(dict(items))
        if cursor == 0:
            break
    assert seen == members
    assert calls > 10
    got = dict(r.zscan_iter("z", match="mem1*"))
    assert got == {k: v for k, v in members.items() if k.startswith(b"mem1")}


# ---------------------------------------------------------------------------------------- encodings
def test_encoding_listpack_to_skiplist_at_limits(r):
    r.zadd("z", {"m%d" % i: i for i in range(128)})
    assert r.object("encoding", "z") == b"listpack"
    r.zadd("z", {"one-more": 1})
    assert r.object("encoding", "z") == b"skiplist"
    r.zremrangebyrank("z", 0, -3)
    assert r.object("encoding", "z") == b"skiplist"  # never converts back
    r.zadd("v", {"x" * 64: 1})
    assert r.object("encoding", "v") == b"listpack"
    r.zadd("v", {"y" * 65: 1})
    assert r.object("encoding", "v") == b"skiplist"


def test_encoding_follows_config(r):
    try:
        r.config_set("zset-max-listpack-entries", 2)
        r.zadd("z", {"a": 1, "b": 2})
        assert r.object("encoding", "z") == b"listpack"
        r.zadd("z", {"c": 3})
        assert r.object("encoding", "z") == b"skiplist"
        r.config_set("zset-max-listpack-entries", 0)
        r.zadd("e", {"a": 1})
        assert r.object("encoding", "e") == b"skiplist"
        # stored results pick their encoding from their own size
        r.config_set("zset-max-listpack-entries", 128)
        r.zunionstore("u", ["z"])
        assert r.object("encoding", "u") == b"listpack"
    finally:
        r.config_set("zset-max-listpack-entries", 128)


def test_copy_and_rename_keep_contents(r):
    r.zadd("big", {"m%d" % i: i for i in range(300)})
    r.zadd("small", {"a": 1})
    assert r.copy("big", "big2")
    assert r.copy("small", "small2")
    r.zrem("big", "m5")
    assert r.zscore("big2", "m5") == 5.0
    assert r.zcard("big2") == 300
    assert r.object("encoding", "big2") == b"skiplist"
    r.rename("small2", "s3")
    assert r.zrange("s3", 0, -1, withscores=True) == [(b"a", 1.0)]


def test_zadd_keeps_ttl(r):
    r.zadd("z", {"a": 1})
    r.expire("z", 100)
    r.zadd("z", {"b": 2})
    assert 0 < r.ttl("z") <= 100


# ---------------------------------------------------------------------------------------- larger sets
@pytest.mark.timeout_s(60)
def test_large_set_against_model(r):
    rng = random.Random(7)
    model = {}
    pipe = r.pipeline(transaction=False)
    for i in range(20000):
        m = "k%d" % rng.randrange(50000)
        s = rng.randrange(1000) / 4
        model[m] = s
        pipe.zadd("z", {m: s})
    for i in range(2000):
        m = "k%d" % rng.randrange(50000)
        model.pop(m, None)
        pipe.zrem("z", m)
    pipe.execute()
    order = sorted(model.items(), key=lambda kv: (kv[1], kv[0].encode()))
    assert r.zcard("z") == len(order)
    assert [(m.decode(), s) for m, s in r.zrange("z", 0, -1, withscores=True)] == order
    for i in range(0, len(order), 997):
        m, s = order[i]
        assert r.zrank("z", m) == i
        assert r.zrevrank("z", m) == len(order) - 1 - i
        assert r.zscore("z", m) == s
    assert r.zcount("z", 10, 20) == sum(1 for _, s in order if 10 <= s <= 20)
    got = r.zrangebyscore("z", "(50", 60, start=5, num=20)
    want = [m.encode() for m, s in order if 50 < s <= 60][5:25]
    assert got == want
    assert r.zremrangebyrank("z", 100, 5099) == 5000
    del order[100:5100]
    assert r.zrange("z", 95, 104) == [m.encode() for m, _ in order[95:105]]
    popped = r.zpopmax("z", 10)
    assert [(m.decode(), s) for m, s in popped] == order[-10:][::-1]
    del order[-10:]
    assert r.zremrangebyscore("z", "-inf", 100) == sum(1 for _, s in order if s <= 100)


@pytest.mark.tessera_only
def test_memory_usage_per_member_is_compact(r):
    r.zadd("small", {"a": 1})
    assert r.memory_usage("small") < 200
    pipe = r.pipeline(transaction=False)
    for i in range(0, 50000, 1000):
        pipe.zadd("big", {"member:%d" % j: j for j in range(i, i + 1000)})
    pipe.execute()
    big = r.memory_usage("big")
    # a 16-byte elem, 16 bytes of (packed) leaf and an 8-byte slot at 40-80% load; Redis ~100
    assert big < 50000 * 60
    r.zremrangebyrank("big", 0, 48999)
    assert r.memory_usage("big") < big / 10
