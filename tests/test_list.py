"""List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP (COUNT) LLEN LINDEX LSET LRANGE LINSERT LREM
LTRIM LPOS LMOVE RPOPLPUSH LMPOP. Replies are compared byte for byte against what Redis 7.0 sends,
errors and RESP3 null/empty-array rules included; multi-key commands run across shards."""
import time

import pytest

from helpers import bulk, intr, parse_reply

OK = b"+OK\r\n"
NIL = b"$-1\r\n"
NIL_ARRAY = b"*-1\r\n"
EMPTY = b"*0\r\n"
SYNTAX = b"-ERR syntax error\r\n"
NOT_INT = b"-ERR value is not an integer or out of range\r\n"
WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
POSITIVE = b"-ERR value is out of range, must be positive\r\n"
RANK_ZERO = (b"-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
             b"or use negative to start from the end of the list\r\n")
I64_MAX = "9223372036854775807"
I64_MIN = "-9223372036854775808"


def arr(*items):
    """A RESP2 array of bulk strings."""
    return b"*%d\r\n" % len(items) + b"".join(bulk(i) for i in items)


def ints(*items):
    return b"*%d\r\n" % len(items) + b"".join(intr(i) for i in items)


def lrange(rc, key):
    return parse_reply(rc.cmd("LRANGE", key, 0, -1))[0]


# ---------------------------------------------------------------------------------------- push
def test_push_returns_length_and_orders_elements(rc):
    assert rc.cmd("RPUSH", "l", "a", "b") == intr(2)
    assert rc.cmd("LPUSH", "l", "x", "y") == intr(4)
    assert rc.cmd("RPUSH", "l", "c") == intr(5)
    assert rc.cmd("LRANGE", "l", 0, -1) == arr("y", "x", "a", "b", "c")
    assert rc.cmd("TYPE", "l") == b"+list\r\n"
    assert rc.cmd("OBJECT", "ENCODING", "l") == bulk("quicklist")


def test_pushx_only_on_existing_lists(rc):
    assert rc.cmd("LPUSHX", "l", "a") == intr(0)
    assert rc.cmd("RPUSHX", "l", "a", "b") == intr(0)
    assert rc.cmd("EXISTS", "l") == intr(0)
    rc.cmd("RPUSH", "l", "m")
    assert rc.cmd("LPUSHX", "l", "a", "b") == intr(3)
    assert rc.cmd("RPUSHX", "l", "y", "z") == intr(5)
    assert rc.cmd("LRANGE", "l", 0, -1) == arr("b", "a", "m", "y", "z")


def test_elements_roundtrip_exactly(rc):
    # Canonical integers are stored as integers internally: everything must read back as sent.
    vals = ["0", "-0", "01", "+1", " 1", "1 ", "127", "128", "-4096", "-4097", "32767", "32768",
            "8388608", "-2147483649", I64_MAX, I64_MIN, "9223372036854775808", "-9223372036854775809",
            "1.5", "", "a\r\nb", "\x00\xff", "x" * 63, "y" * 64, "z" * 4095, "w" * 4096, "v" * 70000]
    vals = [v.encode("latin-1") for v in vals]
    assert rc.cmd("RPUSH", "l", *vals) == intr(len(vals))
    assert lrange(rc, "l") == vals
    for i, v in enumerate(vals):
        assert rc.cmd("LINDEX", "l", i) == bulk(v)
    assert rc.cmd("LPOS", "l", "-0") == intr(1)
    assert rc.cmd("LPOS", "l", "0") == intr(0)
    assert rc.cmd("LPOS", "l", I64_MIN) == intr(15)
    assert rc.cmd("LREM", "l", 0, "01") == intr(1)
    assert rc.cmd("LPOP", "l", 3) == arr("0", "-0", "+1")


# ---------------------------------------------------------------------------------------- pop
def test_pop_single_and_count(rc):
    rc.cmd("RPUSH", "l", "a", "b", "c", "d", "e")
    assert rc.cmd("LPOP", "l") == bulk("a")
    assert rc.cmd("RPOP", "l") == bulk("e")
    assert rc.cmd("LPOP", "l", 1) == arr("b")
    assert rc.cmd("RPOP", "l", 0) == EMPTY
    assert rc.cmd("RPOP", "l", 5) == arr("d", "c")
    assert rc.cmd("EXISTS", "l") == intr(0)


def test_pop_missing_key_null_kinds(rc):
    assert rc.cmd("LPOP", "nokey") == NIL
    assert rc.cmd("RPOP", "nokey", 1) == NIL_ARRAY
    assert rc.cmd("LPOP", "nokey", 0) == NIL_ARRAY


def test_pop_count_errors(rc):
    rc.cmd("RPUSH", "l", "a")
    for bad in ("-1", "abc", "1.5", "9223372036854775808"):
        assert rc.cmd("LPOP", "l", bad) == POSITIVE
        assert rc.cmd("RPOP", "nokey", bad) == POSITIVE
    assert rc.cmd("LPOP", "l", 1, 2) == b"-ERR wrong number of arguments for 'lpop' command\r\n"
    assert rc.cmd("RPOP") == b"-ERR wrong number of arguments for 'rpop' command\r\n"
    assert rc.cmd("LPOP", "l", I64_MAX) == arr("a")


def test_resp3_nulls_and_empty_arrays(rc):
    rc.cmd("HELLO", "3")
    assert rc.cmd("LPOP", "nokey") == b"_\r\n"
    assert rc.cmd("LPOP", "nokey", 2) == b"_\r\n"
    assert rc.cmd("LMPOP", 1, "nokey", "LEFT") == b"_\r\n"
    assert rc.cmd("LINDEX", "nokey", 0) == b"_\r\n"
    assert rc.cmd("LPOS", "nokey", "a") == b"_\r\n"
    assert rc.cmd("LPOS", "nokey", "a", "COUNT", 0) == EMPTY
    assert rc.cmd("LMOVE", "nokey", "d", "LEFT", "LEFT") == b"_\r\n"
    assert rc.cmd("RPOPLPUSH", "nokey", "d") == b"_\r\n"
    assert rc.cmd("LRANGE", "nokey", 0, -1) == EMPTY
    rc.cmd("RPUSH", "l", "a", "b")
    assert rc.cmd("LPOP", "l", 0) == EMPTY
    assert rc.cmd("LINDEX", "l", 5) == b"_\r\n"
    assert rc.cmd("LPOP", "l", 5) == arr("a", "b")


# ---------------------------------------------------------------------------------------- read
def test_llen_and_lindex(rc):
    assert rc.cmd("LLEN", "l") == intr(0)
    assert rc.cmd("LINDEX", "l", "abc") == NIL  # the key is looked up first
    rc.cmd("RPUSH", "l", "a", "b", "c")
    assert rc.cmd("LLEN", "l") == intr(3)
    assert rc.cmd("LINDEX", "l", 0) == bulk("a")
    assert rc.cmd("LINDEX", "l", -1) == bulk("c")
    assert rc.cmd("LINDEX", "l", -3) == bulk("a")
    for out in (3, -4, I64_MAX, I64_MIN):
        assert rc.cmd("LINDEX", "l", out) == NIL
    assert rc.cmd("LINDEX", "l", "abc") == NOT_INT
    assert rc.cmd("LINDEX", "l", " 1") == NOT_INT


def test_lrange_bounds(rc):
    assert rc.cmd("LRANGE", "nokey", 0, -1) == EMPTY
    assert rc.cmd("LRANGE", "nokey", "a", 1) == NOT_INT  # arguments are parsed first
    rc.cmd("RPUSH", "l", "a", "b", "c", "d", "e")
    assert rc.cmd("LRANGE", "l", 1, 2) == arr("b", "c")
    assert rc.cmd("LRANGE", "l", -2, -1) == arr("d", "e")
    assert rc.cmd("LRANGE", "l", -100, 100) == arr("a", "b", "c", "d", "e")
    assert rc.cmd("LRANGE", "l", 3, 1) == EMPTY
    assert rc.cmd("LRANGE", "l", 5, 10) == EMPTY
    assert rc.cmd("LRANGE", "l", -1, -2) == EMPTY
    assert rc.cmd("LRANGE", "l", I64_MAX, I64_MIN) == EMPTY
    assert rc.cmd("LRANGE", "l", I64_MIN, I64_MAX) == arr("a", "b", "c", "d", "e")
    assert rc.cmd("LRANGE", "l", 0, "x") == NOT_INT


def test_lpos_options(rc):
    rc.cmd("RPUSH", "l", "a", "b", "a", "c", "a")
    assert rc.cmd("LPOS", "l", "a") == intr(0)
    assert rc.cmd("LPOS", "l", "zz") == NIL
    assert rc.cmd("LPOS", "l", "zz", "COUNT", 2) == EMPTY
    assert rc.cmd("LPOS", "l", "a", "RANK", 2) == intr(2)
    assert rc.cmd("LPOS", "l", "a", "RANK", -1) == intr(4)
    assert rc.cmd("LPOS", "l", "a", "RANK", -2, "COUNT", 0) == ints(2, 0)
    assert rc.cmd("LPOS", "l", "a", "COUNT", 0) == ints(0, 2, 4)
    assert rc.cmd("LPOS", "l", "a", "COUNT", 2) == ints(0, 2)
    assert rc.cmd("LPOS", "l", "a", "RANK", 5) == NIL
    assert rc.cmd("LPOS", "l", "a", "RANK", 5, "COUNT", 1) == EMPTY
    assert rc.cmd("LPOS", "l", "a", "MAXLEN", 2) == intr(0)
    assert rc.cmd("LPOS", "l", "a", "RANK", 2, "MAXLEN", 2) == NIL
    assert rc.cmd("LPOS", "l", "a", "RANK", -1, "COUNT", 2, "MAXLEN", 2) == ints(4)
    assert rc.cmd("LPOS", "l", "a", "rank", 1, "count", 1, "maxlen", 0, "rank", 2) == ints(2)
    # Redis negates the rank as a C long: INT64_MIN stays negative and matches from the tail.
    assert rc.cmd("LPOS", "l", "a", "RANK", I64_MIN) == intr(4)
    assert rc.cmd("LPOS", "l", "a", "RANK", I64_MIN, "COUNT", 2) == ints(4, 2, 0)
    assert rc.cmd("LPOS", "l", "a", "RANK", "-" + I64_MAX, "COUNT", 2) == EMPTY


def test_lpos_errors(rc):
    rc.cmd("RPUSH", "l", "a")
    for key in ("l", "nokey"):
        assert rc.cmd("LPOS", key, "a", "RANK", 0) == RANK_ZERO
        assert rc.cmd("LPOS", key, "a", "RANK", "x") == NOT_INT
        assert rc.cmd("LPOS", key, "a", "RANK", "9223372036854775808") == NOT_INT
        assert rc.cmd("LPOS", key, "a", "COUNT", -1) == b"-ERR COUNT can't be negative\r\n"
        assert rc.cmd("LPOS", key, "a", "COUNT", "x") == b"-ERR COUNT can't be negative\r\n"
        assert rc.cmd("LPOS", key, "a", "MAXLEN", -1) == b"-ERR MAXLEN can't be negative\r\n"
        assert rc.cmd("LPOS", key, "a", "MAXLEN", "x") == b"-ERR MAXLEN can't be negative\r\n"
        assert rc.cmd("LPOS", key, "a", "FIRST", 1) == SYNTAX
        assert rc.cmd("LPOS", key, "a", "RANK") == SYNTAX
    assert rc.cmd("LPOS", "l") == b"-ERR wrong number of arguments for 'lpos' command\r\n"


# ---------------------------------------------------------------------------------------- edit
def test_lset(rc):
    assert rc.cmd("LSET", "nokey", 0, "x") == b"-ERR no such key\r\n"
    assert rc.cmd("LSET", "nokey", "abc", "x") == b"-ERR no such key\r\n"
    rc.cmd("RPUSH", "l", "a", "b", "c")
    assert rc.cmd("LSET", "l", "abc", "x") == NOT_INT
    assert rc.cmd("LSET", "l", 3, "x") == b"-ERR index out of range\r\n"
    assert rc.cmd("LSET", "l", -4, "x") == b"-ERR index out of range\r\n"
    assert rc.cmd("LSET", "l", I64_MIN, "x") == b"-ERR index out of range\r\n"
    assert rc.cmd("LSET", "l", 1, "B" * 5000) == OK
    assert rc.cmd("LSET", "l", -1, "12") == OK
    assert rc.cmd("LSET", "l", 0, "") == OK
    assert lrange(rc, "l") == [b"", b"B" * 5000, b"12"]


def test_linsert(rc):
    assert rc.cmd("LINSERT", "nokey", "BEFORE", "a", "x") == intr(0)
    assert rc.cmd("LINSERT", "nokey", "middle", "a", "x") == SYNTAX
    rc.cmd("RPUSH", "l", "a", "b", "a")
    assert rc.cmd("LINSERT", "l", "sideways", "a", "x") == SYNTAX
    assert rc.cmd("LINSERT", "l", "BEFORE", "zz", "x") == intr(-1)
    assert rc.cmd("LINSERT", "l", "before", "a", "x") == intr(4)
    assert rc.cmd("LINSERT", "l", "AFTER", "a", "y") == intr(5)
    assert rc.cmd("LINSERT", "l", "after", "b", "z") == intr(6)
    assert lrange(rc, "l") == [b"x", b"a", b"y", b"b", b"z", b"a"]
    assert rc.cmd("LINSERT", "l", "BEFORE", "1", "2") == intr(-1)
    rc.cmd("RPUSH", "l", "1")
    assert rc.cmd("LINSERT", "l", "BEFORE", "1", "2") == intr(8)
    assert rc.cmd("LRANGE", "l", -2, -1) == arr("2", "1")


def test_lrem(rc):
    assert rc.cmd("LREM", "nokey", 0, "a") == intr(0)
    assert rc.cmd("LREM", "nokey", "x", "a") == NOT_INT
    rc.cmd("RPUSH", "l", "a", "b", "a", "c", "a", "b", "a")
    assert rc.cmd("LREM", "l", 1, "a") == intr(1)
    assert lrange(rc, "l") == [b"b", b"a", b"c", b"a", b"b", b"a"]
    assert rc.cmd("LREM", "l", -2, "a") == intr(2)
    assert lrange(rc, "l") == [b"b", b"a", b"c", b"b"]
    assert rc.cmd("LREM", "l", 0, "b") == intr(2)
    assert rc.cmd("LREM", "l", 5, "zz") == intr(0)
    assert rc.cmd("LREM", "l", I64_MIN, "a") == intr(1)
    assert rc.cmd("LREM", "l", 0, "c") == intr(1)
    assert rc.cmd("EXISTS", "l") == intr(0)


def test_ltrim(rc):
    assert rc.cmd("LTRIM", "nokey", 0, 1) == OK
    assert rc.cmd("LTRIM", "nokey", "a", 1) == NOT_INT
    rc.cmd("RPUSH", "l", *"abcdefg")
    assert rc.cmd("LTRIM", "l", 1, -2) == OK
    assert lrange(rc, "l") == [b"b", b"c", b"d", b"e", b"f"]
    assert rc.cmd("LTRIM", "l", -3, 100) == OK
    assert lrange(rc, "l") == [b"d", b"e", b"f"]
    assert rc.cmd("LTRIM", "l", I64_MIN, I64_MAX) == OK
    assert rc.cmd("LLEN", "l") == intr(3)
    assert rc.cmd("LTRIM", "l", 2, 1) == OK
    assert rc.cmd("EXISTS", "l") == intr(0)
    rc.cmd("RPUSH", "l", "a")
    assert rc.cmd("LTRIM", "l", 5, 10) == OK
    assert rc.cmd("EXISTS", "l") == intr(0)


# ---------------------------------------------------------------------------------------- move
@pytest.mark.parametrize("src_side,dst_side,moved,src_left,dst_after", [
    ("LEFT", "LEFT", "a", ["b", "c"], ["a", "x", "y"]),
    ("LEFT", "RIGHT", "a", ["b", "c"], ["x", "y", "a"]),
    ("RIGHT", "LEFT", "c", ["a", "b"], ["c", "x", "y"]),
    ("RIGHT", "RIGHT", "c", ["a", "b"], ["x", "y", "c"]),
])
def test_lmove_directions(rc, src_side, dst_side, moved, src_left, dst_after):
    rc.cmd("RPUSH", "src", "a", "b", "c")
    rc.cmd("RPUSH", "dst", "x", "y")
    assert rc.cmd("LMOVE", "src", "dst", src_side, dst_side.lower()) == bulk(moved)
    assert lrange(rc, "src") == [s.encode() for s in src_left]
    assert lrange(rc, "dst") == [s.encode() for s in dst_after]


def test_lmove_same_key_rotates(rc):
    rc.cmd("RPUSH", "l", "1", "2", "3")
    assert rc.cmd("LMOVE", "l", "l", "LEFT", "RIGHT") == bulk("1")
    assert lrange(rc, "l") == [b"2", b"3", b"1"]
    assert rc.cmd("RPOPLPUSH", "l", "l") == bulk("1")
    assert lrange(rc, "l") == [b"1", b"2", b"3"]
    rc.cmd("RPUSH", "one", "x")
    assert rc.cmd("LMOVE", "one", "one", "RIGHT", "LEFT") == bulk("x")
    assert lrange(rc, "one") == [b"x"]


def test_lmove_creates_destination_and_deletes_empty_source(rc):
    rc.cmd("RPUSH", "src", "only")
    rc.cmd("EXPIRE", "src", 1000)
    assert rc.cmd("LMOVE", "src", "dst", "LEFT", "RIGHT") == bulk("only")
    assert rc.cmd("EXISTS", "src") == intr(0)
    assert rc.cmd("TYPE", "dst") == b"+list\r\n"
    assert rc.cmd("TTL", "dst") == intr(-1)
    assert rc.cmd("RPOPLPUSH", "dst", "src") == bulk("only")
    assert rc.cmd("TTL", "src") == intr(-1)  # a new key: the old TTL went with the old key


def test_lmove_errors_and_wrongtype_change_nothing(rc):
    assert rc.cmd("LMOVE", "a", "b", "UP", "LEFT") == SYNTAX
    assert rc.cmd("LMOVE", "a", "b", "LEFT", "DOWN") == SYNTAX
    assert rc.cmd("LMOVE", "nokey", "b", "LEFT", "LEFT") == NIL
    assert rc.cmd("RPOPLPUSH", "nokey", "b") == NIL
    rc.cmd("SET", "s", "x")
    rc.cmd("RPUSH", "l", "a")
    assert rc.cmd("LMOVE", "s", "l", "LEFT", "LEFT") == WRONGTYPE
    assert rc.cmd("LMOVE", "l", "s", "LEFT", "LEFT") == WRONGTYPE
    assert rc.cmd("RPOPLPUSH", "l", "s") == WRONGTYPE
    assert rc.cmd("LMOVE", "nokey", "s", "LEFT", "LEFT") == NIL  # source checked first
    assert lrange(rc, "l") == [b"a"]
    assert rc.cmd("GET", "s") == bulk("x")


def test_lmove_into_expired_destination(rc):
    rc.cmd("RPUSH", "src", "a", "b")
    rc.cmd("RPUSH", "dst", "old")
    rc.cmd("PEXPIRE", "dst", 1)
    time.sleep(0.02)
    assert rc.cmd("LMOVE", "src", "dst", "LEFT", "LEFT") == bulk("a")
    assert lrange(rc, "dst") == [b"a"]
    assert lrange(rc, "src") == [b"b"]
    rc.cmd("PEXPIRE", "src", 1)
    time.sleep(0.02)
    assert rc.cmd("LMOVE", "src", "dst", "LEFT", "LEFT") == NIL


# ---------------------------------------------------------------------------------------- lmpop
def test_lmpop_pops_from_first_non_empty_list(rc):
    rc.cmd("RPUSH", "b", "1", "2", "3")
    rc.cmd("RPUSH", "c", "x")
    assert rc.cmd("LMPOP", 3, "a", "b", "c", "LEFT") == b"*2\r\n" + bulk("b") + arr("1")
    assert rc.cmd("LMPOP", 2, "a", "b", "right", "COUNT", 10) == b"*2\r\n" + bulk("b") + arr("3", "2")
    assert rc.cmd("EXISTS", "b") == intr(0)
    assert rc.cmd("LMPOP", 3, "a", "b", "c", "RIGHT", "count", 1) == b"*2\r\n" + bulk("c") + arr("x")
    assert rc.cmd("LMPOP", 3, "a", "b", "c", "LEFT") == NIL_ARRAY


def test_lmpop_errors(rc):
    rc.cmd("SET", "s", "x")
    rc.cmd("RPUSH", "l", "a")
    for n in ("0", "-1", "abc"):
        assert rc.cmd("LMPOP", n, "a", "LEFT") == b"-ERR numkeys should be greater than 0\r\n"
    assert rc.cmd("LMPOP", 1, "a") == b"-ERR wrong number of arguments for 'lmpop' command\r\n"
    assert rc.cmd("LMPOP", 2, "a", "LEFT") == SYNTAX
    assert rc.cmd("LMPOP", 5, "a", "LEFT") == SYNTAX
    assert rc.cmd("LMPOP", 1, "a", "MIDDLE") == SYNTAX
    assert rc.cmd("LMPOP", 1, "a", "LEFT", "COUNT") == SYNTAX
    assert rc.cmd("LMPOP", 1, "a", "LEFT", "FOO", 1) == SYNTAX
    assert rc.cmd("LMPOP", 1, "a", "LEFT", "COUNT", 1, "COUNT", 1) == SYNTAX
    for c in ("0", "-1", "x"):
        assert rc.cmd("LMPOP", 1, "a", "LEFT", "COUNT", c) == b"-ERR count should be greater than 0\r\n"
    assert rc.cmd("LMPOP", 2, "nokey", "s", "LEFT") == WRONGTYPE
    assert rc.cmd("LMPOP", 2, "l", "s", "LEFT") == b"*2\r\n" + bulk("l") + arr("a")


# ---------------------------------------------------------------------------------------- types
@pytest.mark.parametrize("cmd", [
    ("LPUSH", "s", "a"), ("RPUSH", "s", "a"), ("LPUSHX", "s", "a"), ("RPUSHX", "s", "a"), ("LPOP", "s"),
    ("RPOP", "s", 2), ("LLEN", "s"), ("LINDEX", "s", 0), ("LSET", "s", 0, "a"), ("LRANGE", "s", 0, -1),
    ("LINSERT", "s", "BEFORE", "a", "b"), ("LREM", "s", 0, "a"), ("LTRIM", "s", 0, 1), ("LPOS", "s", "a"),
    ("LMOVE", "s", "d", "LEFT", "LEFT"), ("RPOPLPUSH", "s", "d"), ("LMPOP", 1, "s", "LEFT"),
])
def test_wrongtype(rc, cmd):
    rc.cmd("SET", "s", "x")
    assert rc.cmd(*cmd) == WRONGTYPE
    assert rc.cmd("GET", "s") == bulk("x")


def test_other_commands_see_lists(rc):
    rc.cmd("RPUSH", "l", "a", "b")
    assert rc.cmd("GET", "l") == WRONGTYPE
    assert rc.cmd("COPY", "l", "l2") == intr(1)
    rc.cmd("RPUSH", "l2", "c")
    assert lrange(rc, "l") == [b"a", b"b"]
    assert lrange(rc, "l2") == [b"a", b"b", b"c"]
    assert rc.cmd("RENAME", "l2", "l3") == OK
    assert rc.cmd("LLEN", "l3") == intr(3)
    assert rc.cmd("DEL", "l", "l3") == intr(2)


def test_command_info(rc):
    names = ["lpush", "rpushx", "lpop", "llen", "lindex", "lset", "lrange", "linsert", "lrem", "ltrim",
             "lpos", "lmove", "rpoplpush", "lmpop"]
    info = parse_reply(rc.cmd("COMMAND", "INFO", *names))[0]
    got = {e[0].decode(): (e[1], sorted(e[2]), e[3], e[4], e[5], sorted(e[6])) for e in info}
    W, R, F, M = b"write", b"readonly", b"fast", b"denyoom"
    assert got["lpush"] == (-3, sorted([W, M, F]), 1, 1, 1, [b"@fast", b"@list", b"@write"])
    assert got["rpushx"] == (-3, sorted([W, M, F]), 1, 1, 1, [b"@fast", b"@list", b"@write"])
    assert got["lpop"] == (-2, sorted([W, F]), 1, 1, 1, [b"@fast", b"@list", b"@write"])
    assert got["llen"] == (2, sorted([R, F]), 1, 1, 1, [b"@fast", b"@list", b"@read"])
    assert got["lindex"] == (3, [R], 1, 1, 1, [b"@list", b"@read", b"@slow"])
    assert got["lset"] == (4, sorted([W, M]), 1, 1, 1, [b"@list", b"@slow", b"@write"])
    assert got["lrange"] == (4, [R], 1, 1, 1, [b"@list", b"@read", b"@slow"])
    assert got["linsert"] == (5, sorted([W, M]), 1, 1, 1, [b"@list", b"@slow", b"@write"])
    assert got["lrem"] == (4, [W], 1, 1, 1, [b"@list", b"@slow", b"@write"])
    assert got["ltrim"] == (4, [W], 1, 1, 1, [b"@list", b"@slow", b"@write"])
    assert got["lpos"] == (-3, [R], 1, 1, 1, [b"@list", b"@read", b"@slow"])
    assert got["lmove"] == (5, sorted([W, M]), 1, 2, 1, [b"@list", b"@slow", b"@write"])
    assert got["rpoplpush"] == (3, sorted([W, M]), 1, 2, 1, [b"@list", b"@slow", b"@write"])
    assert got["lmpop"] == (-4, sorted([W, b"movablekeys"]), 0, 0, 0, [b"@list", b"@slow", b"@write"])
    assert parse_reply(rc.cmd("COMMAND", "GETKEYS", "LMPOP", 2, "a", "b", "LEFT"))[0] == [b"a", b"b"]
    assert parse_reply(rc.cmd("COMMAND", "GETKEYS", "LMOVE", "a", "b", "LEFT", "LEFT"))[0] == [b"a", b"b"]


# ---------------------------------------------------------------------------------------- scale
def test_long_list_against_model(r):
    """A list spanning many nodes: indexes, ranges, edits and removals agree with a Python model."""
    model = []
    p = r.pipeline(transaction=False)
    for i in range(0, 20000, 500):
        chunk = [b"e%d" % j if j % 3 else b"%d" % j for j in range(i, i + 500)]
        p.rpush("big", *chunk)
        model.extend(chunk)
    p.execute()
    assert r.llen("big") == 20000
    assert r.object("encoding", "big") == b"quicklist"
    idx = [0, 1, 499, 500, 9999, 10000, 19999, -1, -20000, 12345, -777]
    p = r.pipeline(transaction=False)
    for i in idx:
        p.lindex("big", i)
    assert p.execute() == [model[i] for i in idx]
    assert r.lrange("big", 7000, 7100) == model[7000:7101]
    assert r.lrange("big", -300, -1) == model[-300:]
    for i in (3, 8000, 15001, -2):
        v = b"set-%d-" % i + b"x" * (i % 97)
        r.lset("big", i, v)
        model[i] = v
    assert r.linsert("big", "BEFORE", model[10000], b"ins") == 20001
    model.insert(10000, b"ins")
    assert r.lrem("big", -3, b"12") == 1
    model.remove(b"12")
    assert r.lrem("big", 0, b"e1") == 1
    model.remove(b"e1")
    assert r.lpos("big", model[15000]) == 15000
    assert r.lpos("big", model[100], rank=-1) == 100
    r.ltrim("big", 100, -100)
    model = model[100:-99]
    assert r.lpop("big", 250) == model[:250]
    assert r.rpop("big", 250) == model[-250:][::-1]
    model = model[250:-250]
    assert r.lrange("big", 0, -1) == model
    assert r.delete("big") == 1


def test_pipelined_push_pop_queue(r):
    p = r.pipeline(transaction=False)
    for i in range(3000):
        p.lpush("q", i)
    for i in range(3000):
        p.rpop("q")
    res = p.execute()
    assert res[:3000] == list(range(1, 3001))
    assert res[3000:] == [b"%d" % i for i in range(3000)]
    assert r.exists("q") == 0


def test_big_elements(r):
    big = b"B" * 200000
    r.rpush("l", "a", big, "c")
    r.lpush("l", big + b"2")
    assert r.lindex("l", 2) == big
    assert r.lrange("l", 0, -1) == [big + b"2", b"a", big, b"c"]
    r.lset("l", 1, big + b"3")
    assert r.rpop("l", 4) == [b"c", big, big + b"3", big + b"2"]


@pytest.mark.parametrize("fill", ["1", "3", "-1", "-5", "0"])
def test_list_max_listpack_size_settings(r, fill):
    old = r.config_get("list-max-listpack-size")["list-max-listpack-size"]
    try:
        r.config_set("list-max-listpack-size", fill)
        model = [b"%d" % i for i in range(600)]
        r.rpush("l", *model)
        r.linsert("l", "AFTER", b"300", b"x" * 3000)
        model.insert(301, b"x" * 3000)
        r.lset("l", 5, b"y" * 9000)
        model[5] = b"y" * 9000
        assert r.lrange("l", 0, -1) == model
        assert r.object("encoding", "l") == b"quicklist"
    finally:
        r.config_set("list-max-listpack-size", old)


def test_cross_shard_moves_and_lmpop(r):
    """Keys spread over every shard: LMOVE/RPOPLPUSH/LMPOP between them keep every element."""
    keys = ["k%d" % i for i in range(16)]
    for k in keys:
        r.rpush(k, *[("%s:%d" % (k, j)).encode() for j in range(5)])
    total = 16 * 5
    p = r.pipeline(transaction=False)
    for step in range(200):
        a, b = keys[step % 16], keys[(step * 7 + 3) % 16]
        if step % 3 == 0:
            p.execute_command("LMOVE", a, b, "LEFT" if step % 2 else "RIGHT", "RIGHT")
        elif step % 3 == 1:
            p.rpoplpush(a, b)
        else:
            p.execute_command("LMPOP", 3, a, b, keys[(step + 5) % 16], "LEFT", "COUNT", 2)
            p.rpush(b, "new%d-1" % step, "new%d-2" % step)
    p.execute()
    seen = []
    for k in keys:
        seen.extend(r.lrange(k, 0, -1))
    created = sum(2 for step in range(200) if step % 3 == 2)
    popped_by_lmpop = total + created - len(seen)
    assert 0 < popped_by_lmpop <= 2 * sum(1 for step in range(200) if step % 3 == 2)
    assert len(set(seen)) == len(seen)


@pytest.mark.tessera_only
def test_memory_usage_is_compact(r):
    p = r.pipeline(transaction=False)
    for _ in range(10):
        p.rpush("l", *[b"xxx"] * 1000)
    p.execute()
    used = r.memory_usage("l")
    assert used < 10000 * 6
    r.rpush("small", "a")
    assert r.memory_usage("small") < 200
