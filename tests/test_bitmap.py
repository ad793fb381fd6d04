"""Bitmap commands on strings: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO, their
errors and argument-order quirks (Redis 7.0), the raw encoding they leave, BITOP across shards,
and RESP3 nulls from BITFIELD OVERFLOW FAIL. Replies are compared byte for byte."""
import pytest

from helpers import bulk, intr, parse_reply

OK = b"+OK\r\n"
NIL = b"$-1\r\n"
SYNTAX = b"-ERR syntax error\r\n"
NOT_INT = b"-ERR value is not an integer or out of range\r\n"
WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
BAD_OFFSET = b"-ERR bit offset is not an integer or out of range\r\n"
BAD_BIT = b"-ERR bit is not an integer or out of range\r\n"
BAD_TYPE = (b"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
            b"supported but i64 is.\r\n")

# Many key names so multi-key commands span several shards whatever the shard count.
KEYS = ["bm:%d" % i for i in range(10)]


def arity(cmd):
    return b"-ERR wrong number of arguments for '%s' command\r\n" % cmd.encode()


def ints(*xs):
    return b"*%d\r\n" % len(xs) + b"".join(NIL if x is None else intr(x) for x in xs)


def make_non_string(rc, key):
    """Creates a key of a non-string type with whichever collection command the server has."""
    for cmd in (("LPUSH", key, "x"), ("SADD", key, "x"), ("HSET", key, "f", "v"), ("ZADD", key, "1", "x")):
        if rc.cmd(*cmd).startswith(b":"):
            return
    pytest.skip("no collection type available to build a WRONGTYPE key")


# ---------------------------------------------------------------------------------------- SETBIT / GETBIT
def test_setbit_returns_old_bit_and_grows_with_zero_bytes(rc):
    assert rc.cmd("SETBIT", "k", "7", "1") == intr(0)
    assert rc.cmd("GET", "k") == bulk(b"\x01")
    assert rc.cmd("SETBIT", "k", "7", "1") == intr(1)
    assert rc.cmd("SETBIT", "k", "7", "0") == intr(1)
    assert rc.cmd("SETBIT", "k", "20", "1") == intr(0)
    assert rc.cmd("GET", "k") == bulk(b"\x00\x00\x08")
    assert rc.cmd("STRLEN", "k") == intr(3)
    # clearing a bit past the end still grows the string
    assert rc.cmd("SETBIT", "k", "100", "0") == intr(0)
    assert rc.cmd("STRLEN", "k") == intr(13)


def test_setbit_makes_the_string_raw(rc):
    assert rc.cmd("SETBIT", "new", "0", "1") == intr(0)
    assert rc.cmd("OBJECT", "ENCODING", "new") == bulk("raw")
    rc.cmd("SET", "s", "abc")
    assert rc.cmd("OBJECT", "ENCODING", "s") == bulk("embstr")
    assert rc.cmd("SETBIT", "s", "1", "1") == intr(1)
    assert rc.cmd("OBJECT", "ENCODING", "s") == bulk("raw")
    rc.cmd("SET", "n", "12")
    assert rc.cmd("SETBIT", "n", "7", "1") == intr(1)  # "1" is 0x31
    assert rc.cmd("GET", "n") == bulk("12")
    assert rc.cmd("SETBIT", "n", "6", "1") == intr(0)
    assert rc.cmd("GET", "n") == bulk("32")


def test_setbit_argument_errors(rc):
    for off in ("x", "-1", "1.5", "", "4294967296", "99999999999999999999"):
        assert rc.cmd("SETBIT", "k", off, "1") == BAD_OFFSET, off
    for val in ("2", "-1", "x", ""):
        assert rc.cmd("SETBIT", "k", "0", val) == BAD_BIT, val
    # the offset is checked before the value, both before the key's type
    make_non_string(rc, "coll")
    assert rc.cmd("SETBIT", "coll", "x", "x") == BAD_OFFSET
    assert rc.cmd("SETBIT", "coll", "0", "x") == BAD_BIT
    assert rc.cmd("SETBIT", "coll", "0", "1") == WRONGTYPE
    assert rc.cmd("SETBIT", "k", "0") == arity("setbit")


def test_getbit(rc):
    assert rc.cmd("GETBIT", "nokey", "0") == intr(0)
    rc.cmd("SET", "s", "`")  # 0x60
    assert [parse_reply(rc.cmd("GETBIT", "s", str(i)))[0] for i in range(8)] == [0, 1, 1, 0, 0, 0, 0, 0]
    assert rc.cmd("GETBIT", "s", "8") == intr(0)
    assert rc.cmd("GETBIT", "s", "4294967295") == intr(0)
    rc.cmd("SET", "n", "1")  # int-encoded: read through its decimal form
    assert rc.cmd("GETBIT", "n", "7") == intr(1)
    assert rc.cmd("GETBIT", "s", "-1") == BAD_OFFSET
    assert rc.cmd("GETBIT", "s", "4294967296") == BAD_OFFSET
    make_non_string(rc, "coll")
    assert rc.cmd("GETBIT", "coll", "0") == WRONGTYPE
    assert rc.cmd("GETBIT", "coll", "x") == BAD_OFFSET
    assert rc.cmd("GETBIT", "s") == arity("getbit")


def test_bit_offset_limit_follows_proto_max_bulk_len(r, rc):
    old = r.config_get("proto-max-bulk-len")["proto-max-bulk-len"]
    r.config_set("proto-max-bulk-len", 1024 * 1024)
    try:
        assert rc.cmd("SETBIT", "k", str(8 * 1024 * 1024), "1") == BAD_OFFSET
        assert rc.cmd("SETBIT", "k", str(8 * 1024 * 1024 - 1), "1") == intr(0)
        assert rc.cmd("BITFIELD", "k", "GET", "u8", "#1048576") == BAD_OFFSET
    finally:
        r.config_set("proto-max-bulk-len", old)


# ---------------------------------------------------------------------------------------- BITCOUNT
def test_bitcount_ranges_in_bytes_and_bits(rc):
    rc.cmd("SET", "s", "foobar")
    assert rc.cmd("BITCOUNT", "s") == intr(26)
    assert rc.cmd("BITCOUNT", "s", "0", "0") == intr(4)
    assert rc.cmd("BITCOUNT", "s", "1", "1") == intr(6)
    assert rc.cmd("BITCOUNT", "s", "1", "1", "BYTE") == intr(6)
    assert rc.cmd("BITCOUNT", "s", "5", "30", "BIT") == intr(17)
    assert rc.cmd("BITCOUNT", "s", "5", "30", "bit") == intr(17)
    assert rc.cmd("BITCOUNT", "s", "0", "-1") == intr(26)
    assert rc.cmd("BITCOUNT", "s", "-2", "-1") == intr(7)
    assert rc.cmd("BITCOUNT", "s", "-100", "100") == intr(26)
    assert rc.cmd("BITCOUNT", "s", "3", "1") == intr(0)
    assert rc.cmd("BITCOUNT", "s", "-1", "-2") == intr(0)
    assert rc.cmd("BITCOUNT", "s", "-8", "-1", "BIT") == intr(4)
    assert rc.cmd("BITCOUNT", "s", "47", "47", "BIT") == intr(0)
    assert rc.cmd("BITCOUNT", "s", "46", "46", "BIT") == intr(1)
    rc.cmd("SET", "n", "12345")
    assert rc.cmd("BITCOUNT", "n") == intr(17)
    rc.cmd("SET", "e", "")
    assert rc.cmd("BITCOUNT", "e", "0", "-1", "BIT") == intr(0)


def test_bitcount_errors_and_argument_order(rc):
    rc.cmd("SET", "s", "foobar")
    assert rc.cmd("BITCOUNT", "s", "0") == SYNTAX
    assert rc.cmd("BITCOUNT", "s", "0", "1", "BIT", "x") == SYNTAX
    assert rc.cmd("BITCOUNT", "s", "0", "1", "foo") == SYNTAX
    assert rc.cmd("BITCOUNT", "s", "x", "1") == NOT_INT
    assert rc.cmd("BITCOUNT", "s", "0", "x", "foo") == NOT_INT
    # Redis 7.0 returns 0 for reversed negative ranges before reading the unit
    assert rc.cmd("BITCOUNT", "s", "-1", "-2", "foo") == intr(0)
    # ... and 0 for a missing key before looking at the arguments at all
    assert rc.cmd("BITCOUNT", "nokey", "x", "y", "z") == intr(0)
    assert rc.cmd("BITCOUNT", "nokey", "0") == intr(0)
    make_non_string(rc, "coll")
    assert rc.cmd("BITCOUNT", "coll", "x") == WRONGTYPE
    assert rc.cmd("BITCOUNT") == arity("bitcount")


# ---------------------------------------------------------------------------------------- BITPOS
def test_bitpos_finds_set_and_clear_bits(rc):
    rc.cmd("SET", "k", b"\xff\xf0\x00")
    assert rc.cmd("BITPOS", "k", "0") == intr(12)
    rc.cmd("SET", "k", b"\x00\xff\xf0")
    assert rc.cmd("BITPOS", "k", "1", "0") == intr(8)
    assert rc.cmd("BITPOS", "k", "1", "2") == intr(16)
    assert rc.cmd("BITPOS", "k", "1", "2", "-1", "BYTE") == intr(16)
    assert rc.cmd("BITPOS", "k", "1", "7", "15", "BIT") == intr(8)
    assert rc.cmd("BITPOS", "k", "1", "7", "-3", "bit") == intr(8)
    assert rc.cmd("BITPOS", "k", "0", "9", "-1", "BIT") == intr(20)
    rc.cmd("SET", "z", b"\x00\x00\x00")
    assert rc.cmd("BITPOS", "z", "1") == intr(-1)
    assert rc.cmd("BITPOS", "z", "1", "7", "15", "BIT") == intr(-1)
    assert rc.cmd("BITPOS", "nokey", "1") == intr(-1)
    assert rc.cmd("BITPOS", "nokey", "0") == intr(0)


def test_bitpos_clear_bits_past_the_end(rc):
    rc.cmd("SET", "ones", b"\xff\xff\xff")
    # without an end the string is taken as zero-padded: the first clear bit is just past it
    assert rc.cmd("BITPOS", "ones", "0") == intr(24)
    assert rc.cmd("BITPOS", "ones", "0", "1") == intr(24)
    # with an explicit end there is no clear bit in the range
    assert rc.cmd("BITPOS", "ones", "0", "0", "-1") == intr(-1)
    assert rc.cmd("BITPOS", "ones", "0", "0", "100") == intr(-1)
    assert rc.cmd("BITPOS", "ones", "0", "3", "20", "BIT") == intr(-1)
    rc.cmd("SET", "e", "")
    assert rc.cmd("BITPOS", "e", "0") == intr(-1)
    assert rc.cmd("BITPOS", "e", "1") == intr(-1)
    assert rc.cmd("BITPOS", "ones", "0", "5", "1") == intr(-1)  # empty range


def test_bitpos_errors_and_argument_order(rc):
    rc.cmd("SET", "k", "abc")
    assert rc.cmd("BITPOS", "k", "2") == b"-ERR The bit argument must be 1 or 0.\r\n"
    assert rc.cmd("BITPOS", "k", "x") == NOT_INT
    assert rc.cmd("BITPOS", "nokey", "2") == b"-ERR The bit argument must be 1 or 0.\r\n"
    # a missing key answers before the range is parsed
    assert rc.cmd("BITPOS", "nokey", "1", "x", "y", "z") == intr(-1)
    assert rc.cmd("BITPOS", "k", "1", "x") == NOT_INT
    assert rc.cmd("BITPOS", "k", "1", "0", "x") == NOT_INT
    assert rc.cmd("BITPOS", "k", "1", "0", "1", "foo") == SYNTAX
    # the unit is checked before the end is parsed
    assert rc.cmd("BITPOS", "k", "1", "0", "x", "foo") == SYNTAX
    assert rc.cmd("BITPOS", "k", "1", "0", "1", "BIT", "x") == SYNTAX
    make_non_string(rc, "coll")
    assert rc.cmd("BITPOS", "coll", "1") == WRONGTYPE
    assert rc.cmd("BITPOS", "coll", "3") == b"-ERR The bit argument must be 1 or 0.\r\n"
    assert rc.cmd("BITPOS", "k") == arity("bitpos")


# ---------------------------------------------------------------------------------------- BITOP
def test_bitop_and_or_xor_not(rc):
    a, b, c = KEYS[0], KEYS[1], KEYS[2]
    rc.cmd("SET", a, b"\xff\x0f\x55")
    rc.cmd("SET", b, b"\xf0\xff")
    assert rc.cmd("BITOP", "AND", "dst", a, b) == intr(3)
    assert rc.cmd("GET", "dst") == bulk(b"\xf0\x0f\x00")
    assert rc.cmd("BITOP", "or", "dst", a, b) == intr(3)
    assert rc.cmd("GET", "dst") == bulk(b"\xff\xff\x55")
    assert rc.cmd("BITOP", "XOR", "dst", a, b, a) == intr(3)
    assert rc.cmd("GET", "dst") == bulk(b"\xf0\xff\x00")
    assert rc.cmd("BITOP", "NOT", "dst", b) == intr(2)
    assert rc.cmd("GET", "dst") == bulk(b"\x0f\x00")
    # missing sources are empty strings (AND with one gives zeros)
    assert rc.cmd("BITOP", "AND", "dst", a, c) == intr(3)
    assert rc.cmd("GET", "dst") == bulk(b"\x00\x00\x00")
    assert rc.cmd("BITOP", "OR", "dst", c, a) == intr(3)
    assert rc.cmd("GET", "dst") == bulk(b"\xff\x0f\x55")
    rc.cmd("SET", "n", "12")
    assert rc.cmd("BITOP", "AND", "dst", "n", a) == intr(3)
    assert rc.cmd("GET", "dst") == bulk(b"\x31\x02\x00")


def test_bitop_result_replaces_destination(rc):
    rc.cmd("SET", "src", "abc")
    rc.cmd("SET", "dst", "old", "EX", "100")
    assert rc.cmd("BITOP", "OR", "dst", "src") == intr(3)
    assert rc.cmd("GET", "dst") == bulk("abc")
    assert rc.cmd("TTL", "dst") == intr(-1)
    assert rc.cmd("OBJECT", "ENCODING", "dst") == bulk("raw")
    make_non_string(rc, "coll")
    assert rc.cmd("BITOP", "OR", "coll", "src") == intr(3)
    assert rc.cmd("TYPE", "coll") == b"+string\r\n"
    # the destination may be a source
    assert rc.cmd("BITOP", "NOT", "src", "src") == intr(3)
    assert rc.cmd("GET", "src") == bulk(bytes(~c & 0xff for c in b"abc"))


def test_bitop_empty_result_deletes_destination(rc):
    rc.cmd("SET", "dst", "x")
    assert rc.cmd("BITOP", "AND", "dst", "nokey1", "nokey2") == intr(0)
    assert rc.cmd("EXISTS", "dst") == intr(0)
    rc.cmd("SET", "empty", "")
    rc.cmd("SET", "dst", "x")
    assert rc.cmd("BITOP", "NOT", "dst", "empty") == intr(0)
    assert rc.cmd("EXISTS", "dst") == intr(0)
    assert rc.cmd("BITOP", "OR", "dst", "nokey") == intr(0)


def test_bitop_errors(rc):
    rc.cmd("SET", "a", "x")
    assert rc.cmd("BITOP", "NAND", "d", "a") == SYNTAX
    assert rc.cmd("BITOP", "NOT", "d", "a", "a") == b"-ERR BITOP NOT must be called with a single source key.\r\n"
    make_non_string(rc, "coll")
    assert rc.cmd("BITOP", "AND", "d", "a", "coll") == WRONGTYPE
    assert rc.cmd("EXISTS", "d") == intr(0)
    assert rc.cmd("BITOP", "AND", "d") == arity("bitop")


def test_bitop_across_shards(rc):
    for i, k in enumerate(KEYS[:8]):
        rc.cmd("SETBIT", k, str(i * 9), "1")
    assert rc.cmd("BITOP", "OR", KEYS[9], *KEYS[:8]) == intr(8)
    assert rc.cmd("BITCOUNT", KEYS[9]) == intr(8)
    assert rc.cmd("BITOP", "XOR", KEYS[8], KEYS[9], KEYS[0]) == intr(8)
    assert rc.cmd("BITCOUNT", KEYS[8]) == intr(7)
    assert rc.cmd("GETBIT", KEYS[8], "0") == intr(0)


def test_bitop_large_values(rc):
    a = bytes(range(256)) * 20 + b"\x01\x02\x03"
    b = bytes(reversed(a))[:3000]
    rc.cmd("SET", "a", a)
    rc.cmd("SET", "b", b)
    for op, f in (("AND", lambda x, y: x & y), ("OR", lambda x, y: x | y), ("XOR", lambda x, y: x ^ y)):
        assert rc.cmd("BITOP", op, "d", "a", "b") == intr(len(a))
        want = bytes(f(x, b[i] if i < len(b) else 0) for i, x in enumerate(a))
        assert rc.cmd("GET", "d") == bulk(want), op
    assert rc.cmd("BITCOUNT", "a") == intr(sum(bin(x).count("1") for x in a))


# ---------------------------------------------------------------------------------------- BITFIELD
def test_bitfield_documentation_examples(rc):
    assert rc.cmd("BITFIELD", "mykey", "INCRBY", "i5", "100", "1", "GET", "u4", "0") == ints(1, 0)
    assert rc.cmd("BITFIELD", "mystring", "SET", "i8", "#0", "100", "SET", "i8", "#1", "200") == ints(0, 0)
    assert rc.cmd("GET", "mystring") == bulk(b"\x64\xc8")
    assert rc.cmd("BITFIELD", "mystring", "GET", "u8", "#1", "GET", "i8", "8") == ints(200, -56)
    rc.cmd("DEL", "mykey")
    cmds = ("INCRBY", "u2", "100", "1", "OVERFLOW", "SAT", "INCRBY", "u2", "102", "1")
    assert rc.cmd("BITFIELD", "mykey", *cmds) == ints(1, 1)
    assert rc.cmd("BITFIELD", "mykey", *cmds) == ints(2, 2)
    assert rc.cmd("BITFIELD", "mykey", *cmds) == ints(3, 3)
    assert rc.cmd("BITFIELD", "mykey", *cmds) == ints(0, 3)
    assert rc.cmd("BITFIELD", "mykey", "OVERFLOW", "FAIL", "INCRBY", "u2", "102", "1") == ints(None)


def test_bitfield_overflow_modes(rc):
    assert rc.cmd("BITFIELD", "k", "SET", "i8", "0", "127", "INCRBY", "i8", "0", "1") == ints(0, -128)
    assert rc.cmd("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "-1000") == ints(-128)
    assert rc.cmd("BITFIELD", "k", "OVERFLOW", "SAT", "INCRBY", "i8", "0", "1000") == ints(127)
    assert rc.cmd("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "1", "GET", "i8", "0") == ints(None, 127)
    # SET with a value that does not fit: wrapped, saturated or refused
    assert rc.cmd("BITFIELD", "k", "SET", "u8", "0", "257", "GET", "u8", "0") == ints(127, 1)
    assert rc.cmd("BITFIELD", "k", "OVERFLOW", "SAT", "SET", "u8", "0", "-5", "GET", "u8", "0") == ints(1, 255)
    assert rc.cmd("BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "i4", "0", "8", "GET", "i4", "0") == ints(None, -1)
    assert rc.cmd("BITFIELD", "k", "OVERFLOW", "SAT", "SET", "i8", "0", "-9223372036854775808",
                  "GET", "i8", "0") == ints(-1, 127)  # Redis's range check calls it an overflow
    # the overflow mode applies to the operations after it
    assert rc.cmd("BITFIELD", "k", "SET", "u4", "0", "15", "INCRBY", "u4", "0", "1", "OVERFLOW", "SAT",
                  "INCRBY", "u4", "0", "100", "OVERFLOW", "WRAP", "INCRBY", "u4", "0", "1") == ints(7, 0, 15, 0)


def test_bitfield_widths_and_hash_offsets(rc):
    assert rc.cmd("BITFIELD", "k", "SET", "i64", "0", "-9223372036854775808", "GET", "i64", "0",
                  "GET", "u63", "0", "GET", "u63", "1") == ints(0, -9223372036854775808, 4611686018427387904, 0)
    assert rc.cmd("BITFIELD", "k", "INCRBY", "i64", "0", "-1") == ints(9223372036854775807)
    assert rc.cmd("BITFIELD", "k", "SET", "u63", "#1", "9223372036854775807", "GET", "u63", "#1") == \
        ints(4611686018427387904, 9223372036854775807)
    assert rc.cmd("BITFIELD", "k", "SET", "u1", "#200", "1", "GET", "u1", "200") == ints(0, 1)
    assert rc.cmd("STRLEN", "k") == intr(26)
    assert rc.cmd("BITFIELD", "k", "GET", "u8", "#1000", "GET", "i3", "10000") == ints(0, 0)
    assert rc.cmd("STRLEN", "k") == intr(26)


def test_bitfield_creates_and_grows_even_when_writes_fail(rc):
    assert rc.cmd("BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u2", "20", "9") == ints(None)
    assert rc.cmd("GET", "k") == bulk(b"\x00\x00\x00")
    assert rc.cmd("OBJECT", "ENCODING", "k") == bulk("raw")
    # reads alone never create the key
    assert rc.cmd("BITFIELD", "r", "GET", "u8", "0") == ints(0)
    assert rc.cmd("BITFIELD", "r") == b"*0\r\n"
    assert rc.cmd("BITFIELD", "r", "OVERFLOW", "SAT") == b"*0\r\n"
    assert rc.cmd("EXISTS", "r") == intr(0)
    rc.cmd("SET", "n", "12")
    assert rc.cmd("BITFIELD", "n", "GET", "u16", "0") == ints(0x3132)
    assert rc.cmd("BITFIELD", "n", "INCRBY", "u8", "0", "1") == ints(0x32)
    assert rc.cmd("GET", "n") == bulk("22")


def test_bitfield_errors(rc):
    for t in ("u64", "i65", "i0", "x8", "u", "", "i-1", "i8x"):
        assert rc.cmd("BITFIELD", "k", "GET", t, "0") == BAD_TYPE, t
    for off in ("-1", "x", "#x", "#-1", "4294967296", "#536870912"):
        assert rc.cmd("BITFIELD", "k", "GET", "u8", off) == BAD_OFFSET, off
    assert rc.cmd("BITFIELD", "k", "GET", "u8") == SYNTAX
    assert rc.cmd("BITFIELD", "k", "SET", "u8", "0") == SYNTAX
    assert rc.cmd("BITFIELD", "k", "FOO", "u8", "0") == SYNTAX
    assert rc.cmd("BITFIELD", "k", "OVERFLOW") == SYNTAX
    assert rc.cmd("BITFIELD", "k", "OVERFLOW", "BOUNCE") == b"-ERR Invalid OVERFLOW type specified\r\n"
    assert rc.cmd("BITFIELD", "k", "SET", "u8", "0", "x") == NOT_INT
    assert rc.cmd("BITFIELD", "k", "INCRBY", "u8", "0", "1.5") == NOT_INT
    # nothing was written by the failing commands
    assert rc.cmd("EXISTS", "k") == intr(0)
    # errors are reported in argument order, before the key is looked at
    make_non_string(rc, "coll")
    assert rc.cmd("BITFIELD", "coll", "GET", "u8", "0", "GET", "u64", "0") == BAD_TYPE
    assert rc.cmd("BITFIELD", "coll", "GET", "u8", "0") == WRONGTYPE
    assert rc.cmd("BITFIELD", "coll", "SET", "u8", "0", "1") == WRONGTYPE
    assert rc.cmd("BITFIELD", "coll") == WRONGTYPE
    assert rc.cmd("BITFIELD") == arity("bitfield")


def test_bitfield_ro(rc):
    rc.cmd("SET", "k", b"\xab\xcd")
    assert rc.cmd("BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i4", "#1") == ints(0xab, -5)
    assert rc.cmd("BITFIELD_RO", "k", "SET", "u8", "0", "1") == b"-ERR BITFIELD_RO only supports the GET subcommand\r\n"
    assert rc.cmd("BITFIELD_RO", "k", "INCRBY", "u8", "0", "1") == b"-ERR BITFIELD_RO only supports the GET subcommand\r\n"
    assert rc.cmd("BITFIELD_RO", "k", "OVERFLOW", "SAT", "GET", "u8", "8") == ints(0xcd)
    assert rc.cmd("BITFIELD_RO", "nokey", "GET", "u8", "0") == ints(0)
    assert rc.cmd("BITFIELD_RO", "k") == b"*0\r\n"
    assert rc.cmd("BITFIELD_RO", "k", "GET", "u64", "0") == BAD_TYPE
    assert rc.cmd("GET", "k") == bulk(b"\xab\xcd")
    assert rc.cmd("BITFIELD_RO") == arity("bitfield_ro")


def test_bitfield_fail_is_resp3_null(rc):
    assert rc.cmd_parsed("HELLO", "3") is not None
    assert rc.cmd("BITFIELD", "k", "OVERFLOW", "FAIL", "SET", "u2", "0", "9", "GET", "u2", "0") == b"*2\r\n_\r\n:0\r\n"


def test_bitop_keys_are_declared(rc):
    assert parse_reply(rc.cmd("COMMAND", "GETKEYS", "BITOP", "AND", "d", "a", "b"))[0] == [b"d", b"a", b"b"]
    assert parse_reply(rc.cmd("COMMAND", "GETKEYS", "BITFIELD_RO", "k", "GET", "u8", "0"))[0] == [b"k"]
