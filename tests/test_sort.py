"""SORT and SORT_RO: numeric and ALPHA order, ASC/DESC, LIMIT clamping, BY (patterns, hash fields,
constant/nosort), GET (#, keys, hash fields, missing -> nil), STORE (list, empty result deletes the
destination), sorted-set order without sorting, errors. Replies are compared byte for byte with what
Redis 7.0 sends; the pattern keys are spread over every shard."""
import time

import pytest

from helpers import bulk, intr, parse_reply

NIL = b"$-1\r\n"
EMPTY = b"*0\r\n"
SYNTAX = b"-ERR syntax error\r\n"
NOT_INT = b"-ERR value is not an integer or out of range\r\n"
WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
NOT_DOUBLE = b"-ERR One or more scores can't be converted into double\r\n"


def arr(*items):
    """A RESP2 array; None is a nil bulk."""
    return b"*%d\r\n" % len(items) + b"".join(NIL if i is None else bulk(i) for i in items)


def lrange(rc, key):
    return parse_reply(rc.cmd("LRANGE", key, 0, -1))[0]


# ---------------------------------------------------------------------------------------- plain order
def test_numeric_sort_of_list_set_zset(rc):
    rc.cmd("RPUSH", "l", "3", "-1.5", "10", "2e1", "0")
    assert rc.cmd("SORT", "l") == arr("-1.5", "0", "3", "10", "2e1")
    assert rc.cmd("SORT", "l", "DESC") == arr("2e1", "10", "3", "0", "-1.5")
    rc.cmd("SADD", "s", "5", "3", "40")
    assert rc.cmd("SORT", "s") == arr("3", "5", "40")
    rc.cmd("ZADD", "z", "1", "30", "2", "4", "3", "100")
    assert rc.cmd("SORT", "z") == arr("4", "30", "100")
    assert rc.cmd("SORT_RO", "z", "DESC") == arr("100", "30", "4")


def test_equal_scores_order_by_element_bytes(rc):
    rc.cmd("RPUSH", "l", "1.0", "1", "01", "1e0", "2", "1")
    assert rc.cmd("SORT", "l") == arr("01", "1", "1", "1.0", "1e0", "2")
    assert rc.cmd("SORT", "l", "DESC") == arr("2", "1e0", "1.0", "1", "1", "01")


def test_alpha_is_byte_order(rc):
    rc.cmd("RPUSH", "l", "b", "B", "a", "\xc3\xa9", "aa", "", "10", "9")
    assert rc.cmd("SORT", "l", "ALPHA") == arr("", "10", "9", "B", "a", "aa", "b", "\xc3\xa9")
    assert rc.cmd("SORT", "l", "ALPHA", "DESC") == arr("\xc3\xa9", "b", "aa", "a", "B", "9", "10", "")


def test_non_numeric_elements_error(rc):
    rc.cmd("RPUSH", "l", "1", "x", "2")
    assert rc.cmd("SORT", "l") == NOT_DOUBLE
    rc.cmd("RPUSH", "m", " 3", "0x10", "inf", "-inf", "1e3")
    assert rc.cmd("SORT", "m") == arr("-inf", " 3", "0x10", "1e3", "inf")
    # ALPHA never parses
    assert rc.cmd("SORT", "l", "ALPHA") == arr("1", "2", "x")
    # Out-of-range values last: Redis 7.0 never clears errno before strtod, so after an ERANGE
    # its later numeric sorts on the same connection fail too (Tessera does not copy that).
    for bad in ("nan", "1 ", " ", "1e999"):
        rc.cmd("DEL", "m")
        rc.cmd("RPUSH", "m", "1", bad)
        assert rc.cmd("SORT", "m") == NOT_DOUBLE, bad


def test_missing_key_and_wrong_type(rc):
    assert rc.cmd("SORT", "nokey") == EMPTY
    assert rc.cmd("SORT", "nokey", "BY", "nosort", "DESC", "LIMIT", "0", "5") == EMPTY
    rc.cmd("SET", "str", "1")
    rc.cmd("HSET", "h", "f", "v")
    assert rc.cmd("SORT", "str") == WRONGTYPE
    assert rc.cmd("SORT_RO", "h") == WRONGTYPE
    # option errors come before the type check
    assert rc.cmd("SORT", "str", "BAD") == SYNTAX


# ---------------------------------------------------------------------------------------- options
def test_syntax_errors(rc):
    rc.cmd("RPUSH", "l", "1")
    for args in (["FOO"], ["LIMIT", "0"], ["LIMIT"], ["BY"], ["GET"], ["STORE"], ["ALPHA", "x"]):
        assert rc.cmd("SORT", "l", *args) == SYNTAX, args
    assert rc.cmd("SORT", "l", "LIMIT", "a", "1") == NOT_INT
    assert rc.cmd("SORT", "l", "LIMIT", "0", "1.5") == NOT_INT
    assert rc.cmd("SORT", "l", "LIMIT", "0", "99999999999999999999") == NOT_INT
    assert rc.cmd("SORT_RO", "l", "STORE", "d") == SYNTAX
    assert rc.cmd("SORT") == b"-ERR wrong number of arguments for 'sort' command\r\n"
    assert rc.cmd("SORT_RO") == b"-ERR wrong number of arguments for 'sort_ro' command\r\n"


def test_options_case_insensitive_and_repeatable(rc):
    rc.cmd("RPUSH", "l", "c", "a", "b")
    assert rc.cmd("sort", "l", "alpha", "desc", "asc") == arr("a", "b", "c")
    assert rc.cmd("SORT", "l", "Alpha", "limit", "0", "1", "LiMiT", "1", "5") == arr("b", "c")


@pytest.mark.parametrize("start,count,want", [
    ("0", "2", ["1", "2"]), ("1", "-1", ["2", "3", "4"]), ("-5", "2", ["1", "2"]), ("3", "100", ["4"]),
    ("4", "1", []), ("100", "2", []), ("0", "0", []), ("2", "-100", ["3", "4"]),
    ("-9223372036854775808", "9223372036854775807", ["1", "2", "3", "4"]),
    ("9223372036854775807", "9223372036854775807", []),
])
def test_limit_clamping(rc, start, count, want):
    rc.cmd("RPUSH", "l", "4", "2", "3", "1")
    assert rc.cmd("SORT", "l", "LIMIT", start, count) == arr(*want)
    rc.cmd("RPUSH", "o", "1", "2", "3", "4")
    assert rc.cmd("SORT", "o", "BY", "nosort", "LIMIT", start, count) == arr(*want)
    rc.cmd("ZADD", "z", "1", "1", "2", "2", "3", "3", "4", "4")
    assert rc.cmd("SORT", "z", "BY", "nosort", "LIMIT", start, count) == arr(*want)


def test_limit_on_empty(rc):
    assert rc.cmd("SORT", "nokey", "LIMIT", "0", "0") == EMPTY
    assert rc.cmd("SORT", "nokey", "LIMIT", "3", "-1", "GET", "#", "GET", "x*") == EMPTY


# ---------------------------------------------------------------------------------------- BY
def test_by_pattern_weights_from_keys(rc):
    rc.cmd("RPUSH", "l", "a", "b", "c", "d")
    rc.cmd("MSET", "w_a", "3", "w_b", "1", "w_c", "2")  # w_d missing: weight 0
    assert rc.cmd("SORT", "l", "BY", "w_*") == arr("d", "b", "c", "a")
    assert rc.cmd("SORT", "l", "BY", "w_*", "DESC") == arr("a", "c", "b", "d")
    assert rc.cmd("SORT", "l", "BY", "w_*", "LIMIT", "1", "2") == arr("b", "c")
    rc.cmd("SET", "w_d", "x")
    assert rc.cmd("SORT", "l", "BY", "w_*") == NOT_DOUBLE


def test_by_pattern_with_postfix_and_hash_field(rc):
    rc.cmd("SADD", "s", "1", "2", "3")
    rc.cmd("MSET", "o:1:w", "30", "o:2:w", "10", "o:3:w", "20")
    assert rc.cmd("SORT", "s", "BY", "o:*:w") == arr("2", "3", "1")
    rc.cmd("HSET", "h:1", "age", "5")
    rc.cmd("HSET", "h:2", "age", "50")
    rc.cmd("HSET", "h:3", "name", "x")  # field missing: weight 0
    assert rc.cmd("SORT", "s", "BY", "h:*->age") == arr("3", "1", "2")
    assert rc.cmd("SORT", "s", "BY", "h:*->age", "DESC") == arr("2", "1", "3")
    # a key of the wrong type is no weight; "->" before the '*' is not a field
    rc.cmd("SET", "o:2:w", "1")
    rc.cmd("DEL", "o:3:w")
    rc.cmd("RPUSH", "o:3:w", "x")
    assert rc.cmd("SORT", "s", "BY", "o:*:w") == arr("3", "2", "1")
    rc.cmd("MSET", "a->1", "3", "a->2", "2", "a->3", "1")
    assert rc.cmd("SORT", "s", "BY", "a->*") == arr("3", "2", "1")


def test_by_alpha(rc):
    rc.cmd("RPUSH", "l", "1", "2", "3", "4")
    rc.cmd("MSET", "n_1", "bob", "n_2", "alice", "n_3", "Carl")
    assert rc.cmd("SORT", "l", "BY", "n_*", "ALPHA") == arr("4", "3", "2", "1")
    assert rc.cmd("SORT", "l", "BY", "n_*", "ALPHA", "DESC") == arr("1", "2", "3", "4")
    # numeric BY on non-numbers fails; ALPHA BY does not parse
    assert rc.cmd("SORT", "l", "BY", "n_*") == NOT_DOUBLE


def test_by_constant_skips_sorting(rc):
    rc.cmd("RPUSH", "l", "3", "x", "1")
    assert rc.cmd("SORT", "l", "BY", "nosort") == arr("3", "x", "1")
    assert rc.cmd("SORT", "l", "BY", "nokey", "DESC") == arr("1", "x", "3")
    assert rc.cmd("SORT", "l", "BY", "nosort", "LIMIT", "1", "1") == arr("x")
    assert rc.cmd("SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "5") == arr("x", "3")
    assert rc.cmd("SORT", "l", "BY", "nosort", "ALPHA") == arr("3", "x", "1")


def test_zset_by_nosort_keeps_score_order(rc):
    rc.cmd("ZADD", "z", "3", "c", "1", "a", "2", "b", "4", "d")
    assert rc.cmd("SORT", "z", "BY", "nosort") == arr("a", "b", "c", "d")
    assert rc.cmd("SORT", "z", "BY", "nosort", "DESC") == arr("d", "c", "b", "a")
    assert rc.cmd("SORT", "z", "BY", "nosort", "LIMIT", "1", "2") == arr("b", "c")
    assert rc.cmd("SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2") == arr("c", "b")
    assert rc.cmd("SORT", "z", "BY", "nosort", "LIMIT", "1", "2", "GET", "#", "GET", "w*") == \
        arr("b", None, "c", None)


def test_sort_converts_listpack_zset_to_skiplist(rc):
    rc.cmd("ZADD", "z", "1", "a", "2", "b")
    assert rc.cmd("OBJECT", "ENCODING", "z") == bulk("listpack")
    assert rc.cmd("SORT_RO", "z", "ALPHA") == arr("a", "b")
    assert rc.cmd("OBJECT", "ENCODING", "z") == bulk("skiplist")
    assert rc.cmd("ZRANGE", "z", "0", "-1", "WITHSCORES") == arr("a", "1", "b", "2")


def test_intset_by_nosort_is_ascending(rc):
    rc.cmd("SADD", "s", "5", "-2", "9", "0")
    assert rc.cmd("SORT", "s", "BY", "nosort") == arr("-2", "0", "5", "9")
    assert rc.cmd("SORT", "s", "BY", "nosort", "LIMIT", "1", "2") == arr("0", "5")


def test_hashtable_set_by_nosort_returns_every_member(rc):
    members = ["m%d" % i for i in range(20)]
    rc.cmd("SADD", "s", *members)
    got = parse_reply(rc.cmd("SORT", "s", "BY", "nosort"))[0]
    assert sorted(got) == sorted(m.encode() for m in members)


# ---------------------------------------------------------------------------------------- GET
def test_get_patterns(rc):
    rc.cmd("RPUSH", "l", "2", "1", "3")
    rc.cmd("MSET", "v_1", "one", "v_2", "two")
    rc.cmd("HSET", "h_3", "f", "three")
    rc.cmd("HSET", "h_1", "g", "x")
    assert rc.cmd("SORT", "l", "GET", "v_*") == arr("one", "two", None)
    assert rc.cmd("SORT", "l", "GET", "#", "GET", "v_*", "GET", "h_*->f") == \
        arr("1", "one", None, "2", "two", None, "3", None, "three")
    # no '*': always nil; "#" only when it is the whole pattern
    assert rc.cmd("SORT", "l", "GET", "v_1", "GET", "##") == arr(*[None] * 6)
    assert rc.cmd("SORT", "l", "DESC", "LIMIT", "0", "1", "GET", "#") == arr("3")
    # a field pattern on a non-hash, a plain pattern on a hash: nil
    assert rc.cmd("SORT", "l", "GET", "v_*->f", "GET", "h_*") == arr(*[None] * 6)
    # "->" with nothing after it is part of the key name
    rc.cmd("SET", "k1->", "z")
    assert rc.cmd("SORT", "l", "GET", "k*->") == arr("z", None, None)


def test_get_with_by_and_integer_values(rc):
    rc.cmd("SADD", "s", "10", "20", "30")
    rc.cmd("MSET", "w10", "3", "w20", "1", "w30", "2", "d10", "100", "d20", "-5")
    assert rc.cmd("SORT", "s", "BY", "w*", "GET", "d*", "GET", "#") == \
        arr("-5", "20", None, "30", "100", "10")


def test_get_resp3_nulls(raw, r):
    c = raw()
    c.cmd("HELLO", "3")
    c.cmd("RPUSH", "l", "1", "2")
    c.cmd("SET", "v1", "a")
    assert c.cmd("SORT", "l", "GET", "v*") == b"*2\r\n$1\r\na\r\n_\r\n"
    assert c.cmd("SORT", "nokey") == EMPTY


# ---------------------------------------------------------------------------------------- STORE
def test_store_writes_list_and_replies_length(rc):
    rc.cmd("RPUSH", "l", "3", "1", "2")
    assert rc.cmd("SORT", "l", "STORE", "dst") == intr(3)
    assert lrange(rc, "dst") == [b"1", b"2", b"3"]
    assert rc.cmd("TYPE", "dst") == b"+list\r\n"
    # overwrites any type, drops the TTL
    rc.cmd("SET", "dst2", "x", "EX", "100")
    assert rc.cmd("SORT", "l", "DESC", "STORE", "dst2") == intr(3)
    assert lrange(rc, "dst2") == [b"3", b"2", b"1"]
    assert rc.cmd("TTL", "dst2") == intr(-1)
    # onto itself
    assert rc.cmd("SORT", "l", "STORE", "l") == intr(3)
    assert lrange(rc, "l") == [b"1", b"2", b"3"]


def test_store_with_get_stores_empty_for_missing(rc):
    rc.cmd("RPUSH", "l", "1", "2")
    rc.cmd("SET", "v2", "two")
    assert rc.cmd("SORT", "l", "GET", "#", "GET", "v*", "STORE", "dst") == intr(4)
    assert lrange(rc, "dst") == [b"1", b"", b"2", b"two"]


def test_store_empty_result_deletes_destination(rc):
    rc.cmd("SET", "dst", "x")
    assert rc.cmd("SORT", "nokey", "STORE", "dst") == intr(0)
    assert rc.cmd("EXISTS", "dst") == intr(0)
    rc.cmd("RPUSH", "l", "1")
    rc.cmd("RPUSH", "dst", "old")
    assert rc.cmd("SORT", "l", "LIMIT", "5", "1", "STORE", "dst") == intr(0)
    assert rc.cmd("EXISTS", "dst") == intr(0)


def test_store_last_one_wins_and_errors_store_nothing(rc):
    rc.cmd("RPUSH", "l", "2", "x")
    assert rc.cmd("SORT", "l", "STORE", "d1") == NOT_DOUBLE
    assert rc.cmd("EXISTS", "d1") == intr(0)
    assert rc.cmd("SORT", "l", "ALPHA", "STORE", "d1", "STORE", "d2") == intr(2)
    assert rc.cmd("EXISTS", "d1") == intr(0)
    assert lrange(rc, "d2") == [b"2", b"x"]


def test_store_of_set_by_nosort_sorts_alpha(rc):
    rc.cmd("SADD", "s", "b", "c", "a", "10", "9")
    assert rc.cmd("SORT", "s", "BY", "nosort", "STORE", "d") == intr(5)
    assert lrange(rc, "d") == [b"10", b"9", b"a", b"b", b"c"]
    assert rc.cmd("SORT", "s", "BY", "nosort", "DESC", "LIMIT", "0", "2", "STORE", "d") == intr(2)
    assert lrange(rc, "d") == [b"c", b"b"]


def test_store_zset_by_nosort(rc):
    rc.cmd("ZADD", "z", "2", "b", "1", "a", "3", "c")
    assert rc.cmd("SORT", "z", "BY", "nosort", "DESC", "STORE", "d") == intr(3)
    assert lrange(rc, "d") == [b"c", b"b", b"a"]


def test_stored_list_serves_blocked_pop(rc, raw):
    rc.cmd("RPUSH", "l", "2", "1")
    waiter = raw(timeout=5)
    waiter.send_cmd("BLPOP", "dst", "5")
    time.sleep(0.1)
    assert rc.cmd("SORT", "l", "STORE", "dst") == intr(2)
    assert waiter.read_reply() == arr("dst", "1")
    assert lrange(rc, "dst") == [b"2"]


# ---------------------------------------------------------------------------------------- keys, commands
def test_command_getkeys_and_info(rc):
    assert rc.cmd("COMMAND", "GETKEYS", "SORT", "k", "BY", "w*", "GET", "x", "STORE", "d") == arr("k", "d")
    assert rc.cmd("COMMAND", "GETKEYS", "SORT", "k", "STORE", "a", "STORE", "b") == arr("k", "b")
    assert rc.cmd("COMMAND", "GETKEYS", "SORT", "k", "GET", "STORE", "x") == arr("k")
    assert rc.cmd("COMMAND", "GETKEYS", "SORT_RO", "k", "BY", "w*") == arr("k")
    info = parse_reply(rc.cmd("COMMAND", "INFO", "SORT", "SORT_RO"))[0]
    assert info[0][:6] == [b"sort", -2, [b"write", b"denyoom", b"movablekeys"], 1, 1, 1]
    assert info[1][:6] == [b"sort_ro", -2, [b"readonly", b"movablekeys"], 1, 1, 1]


@pytest.mark.pinned_threads
def test_patterns_reach_every_shard(start_server):
    s = start_server(threads=4)
    c = s.raw()
    try:
        n = 60
        c.cmd("RPUSH", "l", *[str(i) for i in range(n)])
        for i in range(n):
            c.cmd("SET", "w%d" % i, str((i * 37) % n))
            c.cmd("HSET", "h%d" % i, "name", "n%03d" % (n - i))
        want = sorted(range(n), key=lambda i: (i * 37) % n)
        got = parse_reply(c.cmd("SORT", "l", "BY", "w*", "GET", "#", "GET", "h*->name"))[0]
        assert got[0::2] == [str(i).encode() for i in want]
        assert got[1::2] == [("n%03d" % (n - i)).encode() for i in want]
        assert c.cmd("SORT", "l", "BY", "h*->name", "ALPHA", "LIMIT", "0", "3", "STORE", "out") == intr(3)
        assert lrange(c, "out") == [b"59", b"58", b"57"]
    finally:
        c.close()
