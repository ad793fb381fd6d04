"""String commands: GET SET (EX PX EXAT PXAT NX XX KEEPTTL GET) SETNX SETEX PSETEX GETSET GETDEL
GETEX MGET MSET MSETNX APPEND STRLEN GETRANGE SETRANGE SUBSTR INCR DECR INCRBY DECRBY INCRBYFLOAT
LCS. Replies are compared byte for byte against what Redis 7.0 sends."""
import time

import pytest

from helpers import bulk, intr, parse_reply

OK = b"+OK\r\n"
NIL = b"$-1\r\n"
SYNTAX = b"-ERR syntax error\r\n"
NOT_INT = b"-ERR value is not an integer or out of range\r\n"
FAR_FUTURE = 4102444800  # 2100-01-01




# ---------------------------------------------------------------------------------------- GET / SET
def test_set_then_get_roundtrips_binary_value(rc):
    value = bytes(range(256)) * 4 + b"\r\n\x00"
    assert rc.cmd("SET", "bin", value) == OK
    assert rc.cmd("GET", "bin") == bulk(value)


def test_get_missing_key_is_null_bulk(rc):
    assert rc.cmd("GET", "nope") == NIL


def test_set_empty_value_and_empty_key(rc):
    assert rc.cmd("SET", "", "") == OK
    assert rc.cmd("GET", "") == b"$0\r\n\r\n"
    assert rc.cmd("EXISTS", "") == intr(1)


def test_set_overwrites_and_clears_ttl(rc):
    rc.cmd("SET", "k", "v1", "EX", "100")
    assert rc.cmd("SET", "k", "v2") == OK
    assert rc.cmd("TTL", "k") == intr(-1)
    assert rc.cmd("GET", "k") == bulk("v2")


def test_set_ex_and_px_set_relative_ttl(rc):
    assert rc.cmd("SET", "a", "v", "EX", "100") == OK
    ttl = parse_reply(rc.cmd("TTL", "a"))[0]
    assert 99 <= ttl <= 100
    assert rc.cmd("SET", "b", "v", "PX", "100000") == OK
    pttl = parse_reply(rc.cmd("PTTL", "b"))[0]
    assert 99000 <= pttl <= 100000


def test_set_exat_and_pxat_set_absolute_expiry(rc):
    assert rc.cmd("SET", "a", "v", "EXAT", FAR_FUTURE) == OK
    assert rc.cmd("EXPIRETIME", "a") == intr(FAR_FUTURE)
    assert rc.cmd("SET", "b", "v", "PXAT", FAR_FUTURE * 1000 + 999) == OK
    assert rc.cmd("PEXPIRETIME", "b") == intr(FAR_FUTURE * 1000 + 999)
    # EXPIRETIME rounds the millisecond expiry to the nearest second
    assert rc.cmd("EXPIRETIME", "b") == intr(FAR_FUTURE + 1)


def test_set_with_past_exat_deletes_immediately(rc):
    assert rc.cmd("SET", "a", "v", "EXAT", "1") == OK
    assert rc.cmd("GET", "a") == NIL
    assert rc.cmd("EXISTS", "a") == intr(0)


def test_set_nx_only_when_absent(rc):
    assert rc.cmd("SET", "k", "v1", "NX") == OK
    assert rc.cmd("SET", "k", "v2", "NX") == NIL
    assert rc.cmd("GET", "k") == bulk("v1")


def test_set_xx_only_when_present(rc):
    assert rc.cmd("SET", "k", "v1", "XX") == NIL
    assert rc.cmd("EXISTS", "k") == intr(0)
    rc.cmd("SET", "k", "v1")
    assert rc.cmd("SET", "k", "v2", "XX") == OK
    assert rc.cmd("GET", "k") == bulk("v2")


def test_set_keepttl_preserves_expiry(rc):
    rc.cmd("SET", "k", "v", "EXAT", FAR_FUTURE)
    assert rc.cmd("SET", "k", "v2", "KEEPTTL") == OK
    assert rc.cmd("EXPIRETIME", "k") == intr(FAR_FUTURE)
    assert rc.cmd("GET", "k") == bulk("v2")
    assert rc.cmd("SET", "k", "v3") == OK
    assert rc.cmd("EXPIRETIME", "k") == intr(-1)


def test_set_get_returns_previous_value(rc):
    assert rc.cmd("SET", "k", "v1", "GET") == NIL
    assert rc.cmd("SET", "k", "v2", "GET") == bulk("v1")
    assert rc.cmd("GET", "k") == bulk("v2")


def test_set_nx_get_and_xx_get_combinations(rc):
    assert rc.cmd("SET", "k", "v", "NX", "GET") == NIL
    assert rc.cmd("GET", "k") == bulk("v")
    # NX fails: returns old value, does not overwrite
    assert rc.cmd("SET", "k", "v2", "NX", "GET") == bulk("v")
    assert rc.cmd("GET", "k") == bulk("v")
    assert rc.cmd("SET", "k", "v3", "XX", "GET") == bulk("v")
    assert rc.cmd("GET", "k") == bulk("v3")
    assert rc.cmd("SET", "nokey", "x", "XX", "GET") == NIL
    assert rc.cmd("EXISTS", "nokey") == intr(0)


def test_set_options_are_case_insensitive(rc):
    assert rc.cmd("set", "k", "v", "ex", "100", "nx") == OK
    assert rc.cmd("set", "k", "v2", "xx", "keepttl", "get") == bulk("v")


@pytest.mark.parametrize("args", [
    ("NX", "XX"),
    ("EX", "10", "PX", "100"),
    ("EX", "10", "EXAT", str(FAR_FUTURE)),
    ("PX", "10", "PXAT", str(FAR_FUTURE * 1000)),
    ("KEEPTTL", "EX", "10"),
    ("EX", "10", "KEEPTTL"),
    ("PX",),
    ("EX",),
    ("foo",),
    ("EX", "10", "foo"),
])
def test_set_conflicting_or_malformed_options_are_syntax_errors(rc, args):
    assert rc.cmd("SET", "k", "v", *args) == SYNTAX
    assert rc.cmd("EXISTS", "k") == intr(0)


@pytest.mark.parametrize("args", [
    ("EX", "0"), ("EX", "-1"), ("PX", "0"), ("PX", "-100"), ("EXAT", "0"), ("PXAT", "-1"),
    ("EX", "9223372036854775807"), ("PX", "9223372036854775807"),
])
def test_set_invalid_expire_times(rc, args):
    assert rc.cmd("SET", "k", "v", *args) == b"-ERR invalid expire time in 'set' command\r\n"
    assert rc.cmd("EXISTS", "k") == intr(0)


def test_set_non_integer_expire_is_not_an_integer_error(rc):
    assert rc.cmd("SET", "k", "v", "EX", "abc") == NOT_INT
    assert rc.cmd("SET", "k", "v", "PX", "1.5") == NOT_INT


def test_set_arity(rc):
    assert rc.cmd("SET", "k") == b"-ERR wrong number of arguments for 'set' command\r\n"
    assert rc.cmd("SET") == b"-ERR wrong number of arguments for 'set' command\r\n"


# ---------------------------------------------------------------------------------------- SETNX / SETEX / PSETEX
def test_setnx(rc):
    assert rc.cmd("SETNX", "k", "a") == intr(1)
    assert rc.cmd("SETNX", "k", "b") == intr(0)
    assert rc.cmd("GET", "k") == bulk("a")


def test_setex_sets_value_and_ttl(rc):
    assert rc.cmd("SETEX", "k", "100", "v") == OK
    assert rc.cmd("GET", "k") == bulk("v")
    assert 99 <= parse_reply(rc.cmd("TTL", "k"))[0] <= 100


def test_psetex_sets_value_and_ms_ttl(rc):
    assert rc.cmd("PSETEX", "k", "100000", "v") == OK
    assert 99000 <= parse_reply(rc.cmd("PTTL", "k"))[0] <= 100000


def test_setex_psetex_errors(rc):
    assert rc.cmd("SETEX", "k", "0", "v") == b"-ERR invalid expire time in 'setex' command\r\n"
    assert rc.cmd("SETEX", "k", "-5", "v") == b"-ERR invalid expire time in 'setex' command\r\n"
    assert rc.cmd("SETEX", "k", "abc", "v") == NOT_INT
    assert rc.cmd("SETEX", "k", "100") == b"-ERR wrong number of arguments for 'setex' command\r\n"
    assert rc.cmd("PSETEX", "k", "0", "v") == b"-ERR invalid expire time in 'psetex' command\r\n"
    assert rc.cmd("EXISTS", "k") == intr(0)


# ---------------------------------------------------------------------------------------- GETSET / GETDEL / GETEX
def test_getset_returns_old_and_clears_ttl(rc):
    assert rc.cmd("GETSET", "k", "v1") == NIL
    rc.cmd("EXPIRE", "k", "100")
    assert rc.cmd("GETSET", "k", "v2") == bulk("v1")
    assert rc.cmd("TTL", "k") == intr(-1)
    assert rc.cmd("GET", "k") == bulk("v2")


def test_getdel_returns_and_deletes(rc):
    rc.cmd("SET", "k", "v")
    assert rc.cmd("GETDEL", "k") == bulk("v")
    assert rc.cmd("GETDEL", "k") == NIL
    assert rc.cmd("EXISTS", "k") == intr(0)


def test_getex_without_options_is_get(rc):
    rc.cmd("SET", "k", "v", "EXAT", FAR_FUTURE)
    assert rc.cmd("GETEX", "k") == bulk("v")
    assert rc.cmd("EXPIRETIME", "k") == intr(FAR_FUTURE)
    assert rc.cmd("GETEX", "missing") == NIL


def test_getex_sets_and_removes_ttl(rc):
    rc.cmd("SET", "k", "v")
    assert rc.cmd("GETEX", "k", "EX", "100") == bulk("v")
    assert 99 <= parse_reply(rc.cmd("TTL", "k"))[0] <= 100
    assert rc.cmd("GETEX", "k", "PX", "200000") == bulk("v")
    assert 199000 <= parse_reply(rc.cmd("PTTL", "k"))[0] <= 200000
    assert rc.cmd("GETEX", "k", "EXAT", FAR_FUTURE + 1) == bulk("v")
    assert rc.cmd("EXPIRETIME", "k") == intr(FAR_FUTURE + 1)
    assert rc.cmd("GETEX", "k", "PXAT", FAR_FUTURE * 1000 + 2000) == bulk("v")
    assert rc.cmd("PEXPIRETIME", "k") == intr(FAR_FUTURE * 1000 + 2000)
    assert rc.cmd("GETEX", "k", "PERSIST") == bulk("v")
    assert rc.cmd("TTL", "k") == intr(-1)


def test_getex_with_past_time_deletes_after_returning(rc):
    rc.cmd("SET", "k", "v")
    assert rc.cmd("GETEX", "k", "EXAT", "1") == bulk("v")
    assert rc.cmd("GET", "k") == NIL


def test_getex_on_missing_key_is_nil_even_with_invalid_expire(rc):
    # the key lookup happens before the expire value is validated
    assert rc.cmd("GETEX", "missing", "EX", "0") == NIL
    assert rc.cmd("GETEX", "missing", "PX", "-1") == NIL
    # option syntax is still checked first
    assert rc.cmd("GETEX", "missing", "FOO") == SYNTAX


def test_getex_errors(rc):
    rc.cmd("SET", "k", "v")
    assert rc.cmd("GETEX", "k", "PX", "10", "EX", "10") == SYNTAX
    assert rc.cmd("GETEX", "k", "PERSIST", "EX", "10") == SYNTAX
    assert rc.cmd("GETEX", "k", "foo") == SYNTAX
    assert rc.cmd("GETEX", "k", "EX") == SYNTAX
    assert rc.cmd("GETEX", "k", "EX", "0") == b"-ERR invalid expire time in 'getex' command\r\n"
    assert rc.cmd("GETEX", "k", "EX", "x") == NOT_INT
    assert rc.cmd("TTL", "k") == intr(-1)


# ---------------------------------------------------------------------------------------- MGET / MSET / MSETNX
def test_mset_mget(rc):
    assert rc.cmd("MSET", "a", "1", "b", "2", "c", "3") == OK
    assert rc.cmd("MGET", "a", "nope", "c", "b") == b"*4\r\n$1\r\n1\r\n$-1\r\n$1\r\n3\r\n$1\r\n2\r\n"


def test_mset_last_duplicate_wins(rc):
    assert rc.cmd("MSET", "a", "1", "a", "2") == OK
    assert rc.cmd("GET", "a") == bulk("2")


def test_mset_clears_ttl(rc):
    rc.cmd("SET", "a", "1", "EX", "100")
    rc.cmd("MSET", "a", "2")
    assert rc.cmd("TTL", "a") == intr(-1)


def test_mset_arity(rc):
    assert rc.cmd("MSET", "a") == b"-ERR wrong number of arguments for 'mset' command\r\n"
    assert rc.cmd("MSET", "a", "1", "b") == b"-ERR wrong number of arguments for 'mset' command\r\n"
    assert rc.cmd("MSETNX", "a", "1", "b") == b"-ERR wrong number of arguments for 'msetnx' command\r\n"
    assert rc.cmd("MGET") == b"-ERR wrong number of arguments for 'mget' command\r\n"
    assert rc.cmd("EXISTS", "a") == intr(0)


def test_msetnx_all_or_nothing(rc):
    assert rc.cmd("MSETNX", "a", "1", "b", "2") == intr(1)
    assert rc.cmd("MSETNX", "b", "x", "c", "3") == intr(0)
    assert rc.cmd("EXISTS", "c") == intr(0)
    assert rc.cmd("GET", "b") == bulk("2")


# ---------------------------------------------------------------------------------------- APPEND / STRLEN
def test_append_creates_and_extends(rc):
    assert rc.cmd("APPEND", "k", "hello") == intr(5)
    assert rc.cmd("APPEND", "k", " world") == intr(11)
    assert rc.cmd("GET", "k") == bulk("hello world")


def test_append_to_integer_value(rc):
    rc.cmd("SET", "n", "12")
    assert rc.cmd("APPEND", "n", "34") == intr(4)
    assert rc.cmd("INCR", "n") == intr(1235)


def test_strlen(rc):
    assert rc.cmd("STRLEN", "nope") == intr(0)
    rc.cmd("SET", "k", "hello")
    assert rc.cmd("STRLEN", "k") == intr(5)
    rc.cmd("SET", "n", "-12345")
    assert rc.cmd("STRLEN", "n") == intr(6)


# ---------------------------------------------------------------------------------------- GETRANGE / SUBSTR / SETRANGE
@pytest.mark.parametrize("start,end,expected", [
    (0, 3, "This"), (-3, -1, "ing"), (0, -1, "This is a string"), (10, 100, "string"),
    (5, 2, ""), (-100, -50, "T"), (-100, 100, "This is a string"), (15, 15, "g"), (16, 20, ""),
    (-1, -1, "g"), (3, -14, ""),
])
def test_getrange_index_semantics(rc, start, end, expected):
    rc.cmd("SET", "k", "This is a string")
    assert rc.cmd("GETRANGE", "k", start, end) == bulk(expected)


def test_getrange_missing_key_and_bad_index(rc):
    assert rc.cmd("GETRANGE", "nope", "0", "-1") == b"$0\r\n\r\n"
    rc.cmd("SET", "k", "abc")
    assert rc.cmd("GETRANGE", "k", "0", "abc") == NOT_INT
    assert rc.cmd("GETRANGE", "k", "0") == b"-ERR wrong number of arguments for 'getrange' command\r\n"


def test_getrange_on_integer_encoded_value(rc):
    rc.cmd("SET", "n", "123456")
    assert rc.cmd("GETRANGE", "n", "1", "3") == bulk("234")


def test_substr_is_alias_of_getrange(rc):
    rc.cmd("SET", "k", "Hello World")
    assert rc.cmd("SUBSTR", "k", "0", "4") == bulk("Hello")
    assert rc.cmd("SUBSTR", "k", "-5", "-1") == bulk("World")


def test_setrange_overwrites_and_pads_with_zero_bytes(rc):
    rc.cmd("SET", "k", "Hello World")
    assert rc.cmd("SETRANGE", "k", "6", "Redis") == intr(11)
    assert rc.cmd("GET", "k") == bulk("Hello Redis")
    assert rc.cmd("SETRANGE", "new", "3", "ab") == intr(5)
    assert rc.cmd("GET", "new") == bulk(b"\x00\x00\x00ab")
    assert rc.cmd("SETRANGE", "k", "20", "!") == intr(21)
    assert rc.cmd("GET", "k") == bulk(b"Hello Redis" + b"\x00" * 9 + b"!")


def test_setrange_empty_value_on_missing_key_creates_nothing(rc):
    assert rc.cmd("SETRANGE", "nk", "0", "") == intr(0)
    assert rc.cmd("SETRANGE", "nk", "10", "") == intr(0)
    assert rc.cmd("EXISTS", "nk") == intr(0)
    rc.cmd("SET", "k", "abc")
    assert rc.cmd("SETRANGE", "k", "10", "") == intr(3)
    assert rc.cmd("GET", "k") == bulk("abc")


def test_setrange_offset_errors(rc):
    rc.cmd("SET", "k", "abc")
    assert rc.cmd("SETRANGE", "k", "-1", "x") == b"-ERR offset is out of range\r\n"
    assert rc.cmd("SETRANGE", "k", "536870912", "x") == \
        b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    assert rc.cmd("SETRANGE", "k", "abc", "x") == NOT_INT
    assert rc.cmd("GET", "k") == bulk("abc")


# ---------------------------------------------------------------------------------------- INCR family
def test_incr_decr_incrby_decrby(rc):
    assert rc.cmd("INCR", "n") == intr(1)
    assert rc.cmd("INCR", "n") == intr(2)
    assert rc.cmd("DECR", "n") == intr(1)
    assert rc.cmd("INCRBY", "n", "10") == intr(11)
    assert rc.cmd("INCRBY", "n", "-20") == intr(-9)
    assert rc.cmd("DECRBY", "n", "3") == intr(-12)
    assert rc.cmd("DECRBY", "n", "-2") == intr(-10)
    assert rc.cmd("GET", "n") == bulk("-10")
    assert rc.cmd("DECR", "m") == intr(-1)


def test_incr_preserves_ttl(rc):
    rc.cmd("SET", "n", "5", "EXAT", FAR_FUTURE)
    assert rc.cmd("INCR", "n") == intr(6)
    assert rc.cmd("EXPIRETIME", "n") == intr(FAR_FUTURE)


@pytest.mark.parametrize("value", ["abc", "1.5", " 1", "1 ", "", "0x10", "99999999999999999999", "+-1"])
def test_incr_on_non_integer_value_is_error(rc, value):
    rc.cmd("SET", "k", value)
    assert rc.cmd("INCR", "k") == NOT_INT
    assert rc.cmd("GET", "k") == bulk(value)


def test_incrby_non_integer_increment(rc):
    assert rc.cmd("INCRBY", "n", "abc") == NOT_INT
    assert rc.cmd("INCRBY", "n", "1.0") == NOT_INT
    assert rc.cmd("DECRBY", "n", "") == NOT_INT
    assert rc.cmd("EXISTS", "n") == intr(0)


def test_incr_overflow_errors(rc):
    rc.cmd("SET", "big", "9223372036854775807")
    assert rc.cmd("INCR", "big") == b"-ERR increment or decrement would overflow\r\n"
    assert rc.cmd("INCRBY", "big", "1") == b"-ERR increment or decrement would overflow\r\n"
    rc.cmd("SET", "n", "1")
    assert rc.cmd("INCRBY", "n", "9223372036854775807") == b"-ERR increment or decrement would overflow\r\n"
    rc.cmd("SET", "small", "-9223372036854775808")
    assert rc.cmd("DECR", "small") == b"-ERR increment or decrement would overflow\r\n"
    assert rc.cmd("DECRBY", "n", "-9223372036854775808") == b"-ERR decrement would overflow\r\n"
    assert rc.cmd("GET", "big") == bulk("9223372036854775807")
    assert rc.cmd("INCRBY", "small", "9223372036854775807") == intr(-1)


# ---------------------------------------------------------------------------------------- INCRBYFLOAT
@pytest.mark.parametrize("initial,incr,expected", [
    ("10.5", "0.1", "10.6"),
    ("5.0e3", "2.0e2", "5200"),
    (None, "3", "3"),
    ("3", "0.000001", "3.000001"),
    ("3.000001", "-3.000001", "0"),
    ("1", "-1.5", "-0.5"),
    ("0", "1e-5", "0.00001"),
    ("10", "10", "20"),
    ("3.0000000000000000001", "0", "3"),
    ("-5", "0.25", "-4.75"),
    ("12345678", "0.5", "12345678.5"),
])
def test_incrbyfloat_formatting(rc, initial, incr, expected):
    if initial is not None:
        rc.cmd("SET", "f", initial)
    assert rc.cmd("INCRBYFLOAT", "f", incr) == bulk(expected)
    assert rc.cmd("GET", "f") == bulk(expected)


def test_incrbyfloat_errors(rc):
    rc.cmd("SET", "f", "1")
    assert rc.cmd("INCRBYFLOAT", "f", "inf") == b"-ERR increment would produce NaN or Infinity\r\n"
    assert rc.cmd("INCRBYFLOAT", "f", "abc") == b"-ERR value is not a valid float\r\n"
    assert rc.cmd("INCRBYFLOAT", "f", "") == b"-ERR value is not a valid float\r\n"
    rc.cmd("SET", "s", "hello")
    assert rc.cmd("INCRBYFLOAT", "s", "1") == b"-ERR value is not a valid float\r\n"
    assert rc.cmd("GET", "f") == bulk("1")
    assert rc.cmd("INCRBYFLOAT", "f") == b"-ERR wrong number of arguments for 'incrbyfloat' command\r\n"


def test_incrbyfloat_preserves_ttl(rc):
    rc.cmd("SET", "f", "1.5", "EXAT", FAR_FUTURE)
    assert rc.cmd("INCRBYFLOAT", "f", "1") == bulk("2.5")
    assert rc.cmd("EXPIRETIME", "f") == intr(FAR_FUTURE)


def test_incrbyfloat_result_usable_by_incr_when_integral(rc):
    rc.cmd("SET", "f", "1.5")
    assert rc.cmd("INCRBYFLOAT", "f", "1.5") == bulk("3")
    assert rc.cmd("INCR", "f") == intr(4)


# ---------------------------------------------------------------------------------------- LCS
def test_lcs_plain_and_len(rc):
    rc.cmd("MSET", "a", "ohmytext", "b", "mynewtext")
    assert rc.cmd("LCS", "a", "b") == bulk("mytext")
    assert rc.cmd("LCS", "a", "b", "LEN") == intr(6)


def test_lcs_idx(rc):
    rc.cmd("MSET", "a", "ohmytext", "b", "mynewtext")
    assert rc.cmd("LCS", "a", "b", "IDX") == (
        b"*4\r\n$7\r\nmatches\r\n*2\r\n"
        b"*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n"
        b"*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n"
        b"$3\r\nlen\r\n:6\r\n")


def test_lcs_idx_minmatchlen_withmatchlen(rc):
    rc.cmd("MSET", "a", "ohmytext", "b", "mynewtext")
    assert rc.cmd("LCS", "a", "b", "IDX", "MINMATCHLEN", "4") == (
        b"*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n")
    assert rc.cmd("LCS", "a", "b", "IDX", "WITHMATCHLEN") == (
        b"*4\r\n$7\r\nmatches\r\n*2\r\n"
        b"*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n"
        b"*3\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n:2\r\n"
        b"$3\r\nlen\r\n:6\r\n")
    assert rc.cmd("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN") == (
        b"*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n")


def test_lcs_ignores_minmatchlen_and_withmatchlen_without_idx(rc):
    rc.cmd("MSET", "a", "ohmytext", "b", "mynewtext")
    assert rc.cmd("LCS", "a", "b", "WITHMATCHLEN") == bulk("mytext")
    assert rc.cmd("LCS", "a", "b", "LEN", "MINMATCHLEN", "3") == intr(6)
    assert rc.cmd("LCS", "a", "b", "MINMATCHLEN", "-1") == bulk("mytext")


def test_lcs_missing_keys_are_empty(rc):
    rc.cmd("SET", "a", "abc")
    assert rc.cmd("LCS", "a", "nope") == b"$0\r\n\r\n"
    assert rc.cmd("LCS", "x", "y", "LEN") == intr(0)
    assert rc.cmd("LCS", "x", "y", "IDX") == b"*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"


def test_lcs_errors(rc):
    rc.cmd("MSET", "a", "ohmytext", "b", "mynewtext")
    assert rc.cmd("LCS", "a", "b", "LEN", "IDX") == \
        b"-ERR If you want both the length and indexes, please just use IDX.\r\n"
    assert rc.cmd("LCS", "a", "b", "foo") == SYNTAX
    assert rc.cmd("LCS", "a", "b", "MINMATCHLEN") == SYNTAX
    assert rc.cmd("LCS", "a", "b", "MINMATCHLEN", "abc") == NOT_INT
    assert rc.cmd("LCS", "a") == b"-ERR wrong number of arguments for 'lcs' command\r\n"


def test_lcs_idx_resp3_is_a_map(rc):
    rc.cmd("MSET", "a", "ohmytext", "b", "mynewtext")
    rc.cmd("HELLO", "3")
    assert rc.cmd("LCS", "a", "b", "IDX", "MINMATCHLEN", "4") == (
        b"%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n")


def test_lcs_longer_strings(rc):
    a = "ABCBDAB" * 20
    b = "BDCABA" * 20
    rc.cmd("MSET", "a", a, "b", b)
    # classic DP for reference
    n, m = len(a), len(b)
    dp = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n):
        for j in range(m):
            dp[i + 1][j + 1] = dp[i][j] + 1 if a[i] == b[j] else max(dp[i][j + 1], dp[i + 1][j])
    assert rc.cmd("LCS", "a", "b", "LEN") == intr(dp[n][m])
    got = parse_reply(rc.cmd("LCS", "a", "b"))[0]
    assert len(got) == dp[n][m]
    # the returned string is a common subsequence of both
    for s in (a.encode(), b.encode()):
        it = iter(s)
        assert all(ch in it for ch in got)
