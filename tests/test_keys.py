"""Keyspace commands: DEL UNLINK EXISTS TOUCH TYPE RENAME RENAMENX COPY MOVE KEYS SCAN RANDOMKEY,
and OBJECT ENCODING/FREQ/IDLETIME/REFCOUNT."""
import time

import pytest

from helpers import bulk, intr, parse_reply

OK = b"+OK\r\n"
NIL = b"$-1\r\n"
SYNTAX = b"-ERR syntax error\r\n"
FAR_FUTURE = 4102444800




def pipeline(rc, cmds):
    for c in cmds:
        rc.send_cmd(*c)
    return [rc.read_reply() for _ in cmds]


# ---------------------------------------------------------------------------------------- DEL / UNLINK / EXISTS / TOUCH
def test_del_counts_removed_keys(rc):
    rc.cmd("MSET", "a", "1", "b", "2")
    assert rc.cmd("DEL", "a", "b", "c", "a") == intr(2)
    assert rc.cmd("DEL", "a") == intr(0)
    assert rc.cmd("DEL") == b"-ERR wrong number of arguments for 'del' command\r\n"


def test_unlink_counts_removed_keys(rc):
    rc.cmd("MSET", "a", "1", "b", "2")
    assert rc.cmd("UNLINK", "a", "b", "c") == intr(2)
    assert rc.cmd("DBSIZE") == intr(0)
    assert rc.cmd("UNLINK") == b"-ERR wrong number of arguments for 'unlink' command\r\n"


def test_exists_counts_repeated_keys(rc):
    rc.cmd("SET", "a", "1")
    assert rc.cmd("EXISTS", "a", "a", "b") == intr(2)
    assert rc.cmd("EXISTS", "b") == intr(0)


def test_touch_counts_existing_keys(rc):
    rc.cmd("MSET", "a", "1", "b", "2")
    assert rc.cmd("TOUCH", "a", "a", "b", "c") == intr(3)
    assert rc.cmd("TOUCH", "c") == intr(0)


def test_type_of_string_and_missing(rc):
    rc.cmd("SET", "a", "1")
    rc.cmd("SET", "s", "text")
    assert rc.cmd("TYPE", "a") == b"+string\r\n"
    assert rc.cmd("TYPE", "s") == b"+string\r\n"
    assert rc.cmd("TYPE", "nope") == b"+none\r\n"


# ---------------------------------------------------------------------------------------- RENAME / RENAMENX
def test_rename_moves_value_and_ttl(rc):
    rc.cmd("SET", "a", "v", "EXAT", FAR_FUTURE)
    assert rc.cmd("RENAME", "a", "b") == OK
    assert rc.cmd("EXISTS", "a") == intr(0)
    assert rc.cmd("GET", "b") == bulk("v")
    assert rc.cmd("EXPIRETIME", "b") == intr(FAR_FUTURE)


def test_rename_overwrites_destination_including_its_ttl(rc):
    rc.cmd("SET", "a", "1")
    rc.cmd("SET", "b", "2", "EX", "100")
    assert rc.cmd("RENAME", "a", "b") == OK
    assert rc.cmd("GET", "b") == bulk("1")
    assert rc.cmd("TTL", "b") == intr(-1)


def test_rename_missing_key_and_same_name(rc):
    assert rc.cmd("RENAME", "nope", "x") == b"-ERR no such key\r\n"
    assert rc.cmd("RENAMENX", "nope", "x") == b"-ERR no such key\r\n"
    rc.cmd("SET", "a", "1")
    assert rc.cmd("RENAME", "a", "a") == OK
    assert rc.cmd("GET", "a") == bulk("1")
    assert rc.cmd("RENAMENX", "a", "a") == intr(0)


def test_renamenx_only_when_destination_absent(rc):
    rc.cmd("MSET", "a", "1", "b", "2")
    assert rc.cmd("RENAMENX", "a", "b") == intr(0)
    assert rc.cmd("GET", "a") == bulk("1")
    assert rc.cmd("RENAMENX", "a", "c") == intr(1)
    assert rc.cmd("GET", "c") == bulk("1")
    assert rc.cmd("EXISTS", "a") == intr(0)


# ---------------------------------------------------------------------------------------- COPY
def test_copy_basic_and_no_overwrite(rc):
    rc.cmd("SET", "src", "v", "EXAT", FAR_FUTURE)
    assert rc.cmd("COPY", "src", "dst") == intr(1)
    assert rc.cmd("GET", "dst") == bulk("v")
    assert rc.cmd("EXPIRETIME", "dst") == intr(FAR_FUTURE)
    rc.cmd("SET", "src", "v2")
    assert rc.cmd("COPY", "src", "dst") == intr(0)
    assert rc.cmd("GET", "dst") == bulk("v")


def test_copy_replace(rc):
    rc.cmd("MSET", "src", "new", "dst", "old")
    assert rc.cmd("COPY", "src", "dst", "REPLACE") == intr(1)
    assert rc.cmd("GET", "dst") == bulk("new")


def test_copy_is_independent_of_source(rc):
    rc.cmd("SET", "src", "abc")
    rc.cmd("COPY", "src", "dst")
    rc.cmd("APPEND", "src", "def")
    assert rc.cmd("GET", "dst") == bulk("abc")


def test_copy_to_other_db(rc):
    rc.cmd("SET", "src", "v")
    assert rc.cmd("COPY", "src", "dst", "DB", "1") == intr(1)
    assert rc.cmd("COPY", "src", "dst", "DB", "1") == intr(0)
    assert rc.cmd("COPY", "src", "src", "DB", "1") == intr(1)
    assert rc.cmd("EXISTS", "dst") == intr(0)
    rc.cmd("SELECT", "1")
    assert rc.cmd("GET", "dst") == bulk("v")
    assert rc.cmd("GET", "src") == bulk("v")


def test_copy_errors(rc):
    rc.cmd("SET", "src", "v")
    assert rc.cmd("COPY", "src", "src") == b"-ERR source and destination objects are the same\r\n"
    assert rc.cmd("COPY", "src", "dst", "DB", "16") == b"-ERR DB index is out of range\r\n"
    assert rc.cmd("COPY", "src", "dst", "DB", "abc") == b"-ERR value is not an integer or out of range\r\n"
    assert rc.cmd("COPY", "src", "dst", "foo") == SYNTAX
    assert rc.cmd("COPY", "nope", "dst") == intr(0)
    assert rc.cmd("COPY", "src") == b"-ERR wrong number of arguments for 'copy' command\r\n"


# ---------------------------------------------------------------------------------------- MOVE
def test_move_to_other_db(rc):
    rc.cmd("SET", "k", "v", "EXAT", FAR_FUTURE)
    assert rc.cmd("MOVE", "k", "1") == intr(1)
    assert rc.cmd("EXISTS", "k") == intr(0)
    rc.cmd("SELECT", "1")
    assert rc.cmd("GET", "k") == bulk("v")
    assert rc.cmd("EXPIRETIME", "k") == intr(FAR_FUTURE)


def test_move_fails_when_target_has_key_or_source_missing(rc):
    rc.cmd("SET", "k", "v0")
    rc.cmd("SELECT", "1")
    rc.cmd("SET", "k", "v1")
    rc.cmd("SELECT", "0")
    assert rc.cmd("MOVE", "k", "1") == intr(0)
    assert rc.cmd("GET", "k") == bulk("v0")
    assert rc.cmd("MOVE", "nope", "1") == intr(0)


def test_move_errors(rc):
    rc.cmd("SET", "k", "v")
    assert rc.cmd("MOVE", "k", "0") == b"-ERR source and destination objects are the same\r\n"
    assert rc.cmd("MOVE", "k", "16") == b"-ERR DB index is out of range\r\n"
    assert rc.cmd("MOVE", "k", "abc") == b"-ERR value is not an integer or out of range\r\n"


# ---------------------------------------------------------------------------------------- KEYS
def keys_of(rc, pattern):
    return sorted(parse_reply(rc.cmd("KEYS", pattern))[0])


@pytest.mark.parametrize("pattern,expected", [
    ("*", [b"a*b", b"hallo", b"hello", b"heeello", b"hillo", b"hllo", b"hxllo", b"key:1", b"key:2", b"key:10"]),
    ("h?llo", [b"hallo", b"hello", b"hillo", b"hxllo"]),
    ("h*llo", [b"hallo", b"heeello", b"hello", b"hillo", b"hllo", b"hxllo"]),
    ("h[ae]llo", [b"hallo", b"hello"]),
    ("h[^e]llo", [b"hallo", b"hillo", b"hxllo"]),
    ("h[a-i]llo", [b"hallo", b"hello", b"hillo"]),
    ("key:?", [b"key:1", b"key:2"]),
    ("key:*", [b"key:1", b"key:10", b"key:2"]),
    ("a\\*b", [b"a*b"]),
    ("nomatch*", []),
    ("hello", [b"hello"]),
])
def test_keys_glob_patterns(rc, pattern, expected):
    keys = ["hello", "hallo", "hxllo", "hllo", "heeello", "hillo", "key:1", "key:2", "key:10", "a*b"]
    for k in keys:
        rc.cmd("SET", k, "1")
    assert keys_of(rc, pattern) == sorted(expected)


def test_keys_skips_expired_and_other_dbs(rc):
    rc.cmd("SET", "live", "1")
    rc.cmd("SET", "dead", "1", "PX", "1")
    rc.cmd("SELECT", "2")
    rc.cmd("SET", "other", "1")
    rc.cmd("SELECT", "0")
    time.sleep(0.05)
    assert keys_of(rc, "*") == [b"live"]


def test_keys_arity(rc):
    assert rc.cmd("KEYS") == b"-ERR wrong number of arguments for 'keys' command\r\n"


# ---------------------------------------------------------------------------------------- SCAN
def scan_all(rc, *opts, limit=100000):
    cursor = b"0"
    seen = []
    for _ in range(limit):
        reply = parse_reply(rc.cmd("SCAN", cursor, *opts))[0]
        assert isinstance(reply, list) and len(reply) == 2
        cursor, batch = reply
        assert isinstance(cursor, bytes) and cursor.isdigit(), cursor
        seen.extend(batch)
        if cursor == b"0":
            return seen
    raise AssertionError("SCAN did not terminate")


def test_scan_iterates_every_key_and_ends_at_cursor_zero(rc):
    n = 3000
    cmds = [("MSET",) + tuple(x for i in range(j, min(j + 500, n)) for x in ("key:%d" % i, str(i)))
            for j in range(0, n, 500)]
    pipeline(rc, cmds)
    assert rc.cmd("DBSIZE") == intr(n)
    seen = scan_all(rc, "COUNT", "100")
    assert set(seen) == {b"key:%d" % i for i in range(n)}


def test_scan_default_count_also_completes(rc):
    for i in range(300):
        rc.send_cmd("SET", "k%d" % i, i)
    for i in range(300):
        rc.read_reply()
    assert set(scan_all(rc)) == {b"k%d" % i for i in range(300)}


def test_scan_match_filters(rc):
    pipeline(rc, [("SET", "user:%d" % i, i) for i in range(200)] + [("SET", "item:%d" % i, i) for i in range(200)])
    seen = scan_all(rc, "MATCH", "user:*", "COUNT", "50")
    assert set(seen) == {b"user:%d" % i for i in range(200)}
    seen = scan_all(rc, "MATCH", "item:1?", "COUNT", "1000")
    assert set(seen) == {b"item:1%d" % i for i in range(10)}


def test_scan_type_filters(rc):
    pipeline(rc, [("SET", "s%d" % i, i) for i in range(100)])
    assert set(scan_all(rc, "TYPE", "string")) == {b"s%d" % i for i in range(100)}
    assert scan_all(rc, "TYPE", "list") == []
    assert scan_all(rc, "TYPE", "hash", "MATCH", "*") == []


def test_scan_empty_db_iterates_to_nothing(rc):
    assert scan_all(rc) == []
    assert scan_all(rc, "MATCH", "*", "COUNT", "5") == []
    # Like Redis, an empty keyspace ends the iteration on the first call (on every shard count).
    assert rc.cmd("SCAN", "0") == b"*2\r\n$1\r\n0\r\n*0\r\n"


def test_scan_skips_empty_shards_but_finds_every_key(rc):
    keys = ["{t%d}k" % i for i in range(3)]  # a few keys, likely on few shards
    for k in keys:
        rc.cmd("SET", k, "v")
    assert sorted(scan_all(rc)) == sorted(k.encode() for k in keys)


def test_scan_errors(rc):
    assert rc.cmd("SCAN", "abc") == b"-ERR invalid cursor\r\n"
    assert rc.cmd("SCAN", "18446744073709551616") == b"-ERR invalid cursor\r\n"
    assert rc.cmd("SCAN", "0", "COUNT", "0") == SYNTAX
    assert rc.cmd("SCAN", "0", "COUNT", "-1") == SYNTAX
    assert rc.cmd("SCAN", "0", "COUNT", "x") == b"-ERR value is not an integer or out of range\r\n"
    assert rc.cmd("SCAN", "0", "MATCH") == SYNTAX
    assert rc.cmd("SCAN", "0", "foo", "bar") == SYNTAX
    assert rc.cmd("SCAN") == b"-ERR wrong number of arguments for 'scan' command\r\n"


def test_scan_guarantees_keys_present_throughout_are_returned_despite_writes(rc):
    base = ["stable:%d" % i for i in range(1000)]
    pipeline(rc, [("SET", k, "1") for k in base])
    cursor = b"0"
    seen = set()
    extra = 0
    for _ in range(10000):
        cursor, batch = parse_reply(rc.cmd("SCAN", cursor, "COUNT", "20"))[0]
        seen.update(batch)
        # add and delete other keys while iterating
        rc.cmd("SET", "churn:%d" % extra, "1")
        if extra % 2:
            rc.cmd("DEL", "churn:%d" % (extra - 1))
        extra += 1
        if cursor == b"0":
            break
    assert cursor == b"0"
    assert {k.encode() for k in base} <= seen


# ---------------------------------------------------------------------------------------- RANDOMKEY
def test_randomkey_empty_db_is_nil(rc):
    assert rc.cmd("RANDOMKEY") == NIL


def test_randomkey_returns_existing_key(rc):
    keys = {b"a", b"b", b"c"}
    for k in keys:
        rc.cmd("SET", k, "1")
    for _ in range(20):
        k = parse_reply(rc.cmd("RANDOMKEY"))[0]
        assert k in keys
    rc.cmd("SET", "only", "1")
    rc.cmd("SELECT", "3")
    rc.cmd("SET", "only3", "1")
    assert rc.cmd("RANDOMKEY") == bulk("only3")


# ---------------------------------------------------------------------------------------- OBJECT
@pytest.mark.parametrize("value,encoding", [
    ("123", "int"),
    ("-5", "int"),
    ("0", "int"),
    ("9223372036854775807", "int"),
    ("12345678901234567890", "embstr"),
    ("01", "embstr"),
    ("1.5", "embstr"),
    ("hello", "embstr"),
    ("a" * 44, "embstr"),
    ("a" * 45, "raw"),
    ("x" * 1000, "raw"),
])
def test_object_encoding_of_set_values(rc, value, encoding):
    rc.cmd("SET", "k", value)
    assert rc.cmd("OBJECT", "ENCODING", "k") == bulk(encoding)


def test_object_encoding_after_append_and_incr(rc):
    rc.cmd("SET", "k", "ab")
    rc.cmd("APPEND", "k", "c")
    assert rc.cmd("OBJECT", "ENCODING", "k") == bulk("raw")
    rc.cmd("INCR", "n")
    assert rc.cmd("OBJECT", "ENCODING", "n") == bulk("int")


def test_object_on_missing_key_is_nil(rc):
    for sub in ("ENCODING", "REFCOUNT", "IDLETIME", "FREQ"):
        assert rc.cmd("OBJECT", sub, "nope") == NIL


def test_object_refcount(rc):
    rc.cmd("SET", "s", "abc")
    assert rc.cmd("OBJECT", "REFCOUNT", "s") == intr(1)
    rc.cmd("SET", "big", "10000")
    assert rc.cmd("OBJECT", "REFCOUNT", "big") == intr(1)
    # small integers 0..9999 are shared objects
    rc.cmd("SET", "small", "1")
    assert rc.cmd("OBJECT", "REFCOUNT", "small") == intr(2147483647)


def test_object_freq_errors_without_lfu_policy(rc):
    rc.cmd("SET", "k", "v")
    assert rc.cmd("OBJECT", "FREQ", "k") == (
        b"-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that "
        b"when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n")


def test_object_freq_under_lfu_policy(start_server):
    srv = start_server(extra_args=["--maxmemory-policy", "allkeys-lfu"])
    with srv.raw() as c:
        c.cmd("SET", "k", "v")
        for _ in range(10):
            c.cmd("GET", "k")
        freq = parse_reply(c.cmd("OBJECT", "FREQ", "k"))[0]
        assert isinstance(freq, int) and freq >= 1
        idle = c.cmd("OBJECT", "IDLETIME", "k")
        assert idle == (b"-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that "
                        b"when switching between policies at runtime LRU and LFU data will take some time "
                        b"to adjust.\r\n")


def test_object_idletime_grows_and_resets_on_access(rc):
    rc.cmd("SET", "k", "v")
    rc.cmd("SET", "other", "v")
    assert rc.cmd("OBJECT", "IDLETIME", "k") == intr(0)
    time.sleep(2.1)
    idle = parse_reply(rc.cmd("OBJECT", "IDLETIME", "k"))[0]
    assert 1 <= idle <= 4
    # OBJECT itself does not touch the key; GET does
    rc.cmd("GET", "k")
    assert parse_reply(rc.cmd("OBJECT", "IDLETIME", "k"))[0] <= 1
    assert parse_reply(rc.cmd("OBJECT", "IDLETIME", "other"))[0] >= 1


def test_object_arity_and_help(rc):
    assert rc.cmd("OBJECT", "ENCODING") == b"-ERR wrong number of arguments for 'object|encoding' command\r\n"
    help_reply = parse_reply(rc.cmd("OBJECT", "HELP"))[0]
    assert isinstance(help_reply, list) and help_reply
    assert help_reply[0].startswith(b"OBJECT <subcommand>")


def test_keys_pathological_glob_pattern_answers_quickly(rc):
    # Exponential backtracking in glob matching would stall every shard (Redis CVE-2022-36021).
    rc.cmd("SET", "a" * 40, "v")
    pattern = "*a" * 14 + "*b"
    start = time.monotonic()
    assert rc.cmd("KEYS", pattern) == b"*0\r\n"
    assert rc.cmd("SCAN", "0", "MATCH", pattern, "COUNT", "1000")[:4] == b"*2\r\n"
    assert time.monotonic() - start < 2.0
