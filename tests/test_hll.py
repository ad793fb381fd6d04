"""HyperLogLog commands: PFADD PFCOUNT PFMERGE on string values in Redis's exact byte format (GET
returns Redis's bytes), the cached cardinality, sparse -> dense promotion (hll-sparse-max-bytes),
union counts across shards, and the HLL-specific errors (WRONGTYPE for non-sketch strings,
INVALIDOBJ for corrupted ones). Replies are compared byte for byte."""
import pytest

from helpers import bulk, intr, parse_reply

OK = b"+OK\r\n"
WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
NOT_HLL = b"-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n"
CORRUPT = b"-INVALIDOBJ Corrupted HLL object detected\r\n"

EMPTY_STALE = b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff"
ABC_STALE = b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80`\xf3\x80P\xb1\x84K\xfb\x80BZ"
ABC_CACHED = b"HYLL\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00`\xf3\x80P\xb1\x84K\xfb\x80BZ"

# Many key names so multi-key commands span several shards whatever the shard count.
KEYS = ["hll:%d" % i for i in range(10)]


def arity(cmd):
    return b"-ERR wrong number of arguments for '%s' command\r\n" % cmd.encode()


def make_non_string(rc, key):
    for cmd in (("LPUSH", key, "x"), ("SADD", key, "x"), ("HSET", key, "f", "v"), ("ZADD", key, "1", "x")):
        if rc.cmd(*cmd).startswith(b":"):
            return
    pytest.skip("no collection type available to build a WRONGTYPE key")


def count(rc, *keys):
    return parse_reply(rc.cmd("PFCOUNT", *keys))[0]


def get(rc, key):
    return parse_reply(rc.cmd("GET", key))[0]


def add_many(rc, key, elements, batch=500):
    changed = 0
    for i in range(0, len(elements), batch):
        changed |= parse_reply(rc.cmd("PFADD", key, *elements[i:i + batch]))[0]
    return changed


@pytest.fixture
def sparse_limit(r):
    """Sets hll-sparse-max-bytes for a test and restores it afterwards."""
    old = r.config_get("hll-sparse-max-bytes")["hll-sparse-max-bytes"]
    yield lambda v: r.config_set("hll-sparse-max-bytes", v)
    r.config_set("hll-sparse-max-bytes", old)


# ---------------------------------------------------------------------------------------- PFADD / bytes
def test_pfadd_creates_a_sparse_sketch_with_redis_bytes(rc):
    assert rc.cmd("PFADD", "h", "a", "b", "c") == intr(1)
    assert rc.cmd("GET", "h") == bulk(ABC_STALE)
    assert rc.cmd("PFADD", "h", "a", "c") == intr(0)
    assert rc.cmd("PFADD", "h") == intr(0)
    assert rc.cmd("TYPE", "h") == b"+string\r\n"
    assert rc.cmd("OBJECT", "ENCODING", "h") == bulk("raw")
    # a key created without elements still answers 1
    assert rc.cmd("PFADD", "e") == intr(1)
    assert rc.cmd("GET", "e") == bulk(EMPTY_STALE)
    assert rc.cmd("PFADD", "e") == intr(0)
    assert rc.cmd("PFCOUNT", "e") == intr(0)


def test_pfcount_caches_the_estimate_in_the_header(rc):
    rc.cmd("PFADD", "h", "a", "b", "c")
    assert rc.cmd("PFCOUNT", "h") == intr(3)
    assert rc.cmd("GET", "h") == bulk(ABC_CACHED)
    assert rc.cmd("PFADD", "h", "b") == intr(0)  # no change keeps the cache
    assert rc.cmd("GET", "h") == bulk(ABC_CACHED)
    assert rc.cmd("PFADD", "h", "d") == intr(1)
    assert get(rc, "h")[15] & 0x80  # stale again
    assert rc.cmd("PFCOUNT", "h") == intr(4)


def test_pfcount_answers_the_cached_value_as_stored(rc):
    # A sketch whose header carries a valid cache is answered from it (set by hand here).
    forged = ABC_CACHED[:8] + b"\x2a" + ABC_CACHED[9:]
    rc.cmd("SET", "h", forged)
    assert rc.cmd("OBJECT", "ENCODING", "h") == bulk("embstr")
    assert rc.cmd("PFCOUNT", "h") == intr(42)
    # PFCOUNT unshares the value as Redis does, which makes it raw
    assert rc.cmd("OBJECT", "ENCODING", "h") == bulk("raw")
    assert rc.cmd("PFADD", "h", "zzz") == intr(1)
    assert rc.cmd("PFCOUNT", "h") == intr(4)


def test_estimates_match_redis_numbers(rc):
    # Reference values from redis-server 7.0.15 for PFADD of e0..e<n-1> then PFCOUNT.
    for n, want in ((10, 10), (100, 100), (1000, 1008), (5000, 4968)):
        add_many(rc, "n%d" % n, ["e%d" % i for i in range(n)])
        assert count(rc, "n%d" % n) == want, n


def test_standard_error_on_ten_thousand_elements(rc):
    add_many(rc, "h", ["user:%d" % i for i in range(10000)])
    assert abs(count(rc, "h") - 10000) / 10000 < 0.03
    assert get(rc, "h")[4] == 0  # dense by now
    assert len(get(rc, "h")) == 12304


# ---------------------------------------------------------------------------------------- promotion
def test_sparse_becomes_dense_past_the_default_limit(rc):
    add_many(rc, "h", ["x%d" % i for i in range(3000)], batch=100)
    v = get(rc, "h")
    assert v[4] == 0 and len(v) == 12304
    assert count(rc, "h") == 2985


def test_hll_sparse_max_bytes_controls_promotion(rc, sparse_limit):
    sparse_limit(100)
    assert rc.cmd("PFADD", "a", *["y%d" % i for i in range(20)]) == intr(1)
    v = get(rc, "a")
    assert v[4] == 1 and len(v) == 78
    assert rc.cmd("PFADD", "b", *["y%d" % i for i in range(40)]) == intr(1)
    v = get(rc, "b")
    assert v[4] == 0 and len(v) == 12304
    assert count(rc, "b") == 40
    sparse_limit(0)  # every growth promotes
    assert rc.cmd("PFADD", "c", "one") == intr(1)
    assert get(rc, "c")[4] == 0


def test_register_values_above_32_force_dense(rc):
    # Values of 33+ have no sparse opcode: setting one through a hand-built dense source and a
    # merge into a sparse destination promotes it.
    dense = bytearray(b"HYLL\x00" + b"\x00" * 11 + b"\x00" * 12288)
    dense[16] = 40  # register 0 = 40
    rc.cmd("SET", "src", bytes(dense))
    rc.cmd("PFADD", "dst", "a")
    assert rc.cmd("PFMERGE", "dst", "src") == OK
    v = get(rc, "dst")
    assert v[4] == 0 and v[16] & 63 == 40


# ---------------------------------------------------------------------------------------- PFCOUNT union / PFMERGE
def test_pfcount_of_several_keys_is_the_union_and_modifies_nothing(rc):
    a, b, c = KEYS[0], KEYS[1], KEYS[2]
    add_many(rc, a, ["a%d" % i for i in range(300)] + ["common%d" % i for i in range(100)])
    add_many(rc, b, ["b%d" % i for i in range(200)] + ["common%d" % i for i in range(100)])
    before_a, before_b = get(rc, a), get(rc, b)
    u = count(rc, a, b, c)
    assert abs(u - 600) <= 12
    assert count(rc, a, c) == count(rc, a, a)
    assert get(rc, a) == before_a and get(rc, b) == before_b  # caches untouched
    assert count(rc, c, KEYS[3]) == 0


def test_pfmerge_unions_into_destination(rc):
    a, b, d = KEYS[0], KEYS[1], KEYS[2]
    rc.cmd("PFADD", a, "x", "y", "z")
    rc.cmd("PFADD", b, "z", "w")
    assert rc.cmd("PFMERGE", d, a, b) == OK
    assert rc.cmd("PFCOUNT", d) == intr(4)
    assert rc.cmd("OBJECT", "ENCODING", d) == bulk("raw")
    # the destination itself takes part
    rc.cmd("PFADD", KEYS[3], "v")
    assert rc.cmd("PFMERGE", KEYS[3], d) == OK
    assert rc.cmd("PFCOUNT", KEYS[3]) == intr(5)
    # destination only, or missing sources: an empty sketch is created
    assert rc.cmd("PFMERGE", KEYS[4]) == OK
    assert rc.cmd("GET", KEYS[4]) == bulk(EMPTY_STALE)
    assert rc.cmd("PFMERGE", KEYS[5], "nokey1", "nokey2") == OK
    assert rc.cmd("PFCOUNT", KEYS[5]) == intr(0)


def test_pfmerge_is_dense_if_any_input_is_dense(rc):
    add_many(rc, KEYS[0], ["d%d" % i for i in range(5000)])
    rc.cmd("PFADD", KEYS[1], "s")
    assert rc.cmd("PFMERGE", KEYS[2], KEYS[1]) == OK
    assert get(rc, KEYS[2])[4] == 1
    assert rc.cmd("PFMERGE", KEYS[2], KEYS[0]) == OK
    assert get(rc, KEYS[2])[4] == 0
    assert count(rc, KEYS[2]) == count(rc, KEYS[0], KEYS[1])


# ---------------------------------------------------------------------------------------- errors
def test_wrong_types_and_invalid_sketches(rc):
    make_non_string(rc, "coll")
    for cmd in (("PFADD", "coll", "a"), ("PFCOUNT", "coll"), ("PFCOUNT", "nokey", "coll"),
                ("PFMERGE", "d", "coll"), ("PFMERGE", "coll", "nokey")):
        assert rc.cmd(*cmd) == WRONGTYPE, cmd
    rc.cmd("SET", "str", "not a sketch at all")
    rc.cmd("SET", "num", "12345")
    rc.cmd("SET", "short", "HYLL")
    rc.cmd("SET", "badenc", b"HYLL\x02" + b"\x00" * 11 + b"\x7f\xff")
    rc.cmd("SET", "baddense", b"HYLL\x00" + b"\x00" * 11 + b"\x00" * 100)
    for key in ("str", "num", "short", "badenc", "baddense"):
        for cmd in (("PFADD", key, "a"), ("PFCOUNT", key), ("PFCOUNT", key, "nokey"), ("PFMERGE", "d", key)):
            assert rc.cmd(*cmd) == NOT_HLL, (key, cmd)
    assert rc.cmd("EXISTS", "d") == intr(0)
    assert rc.cmd("GET", "str") == bulk("not a sketch at all")


def test_corrupted_sparse_sketches(rc):
    # A sparse body that does not cover exactly 16384 registers.
    bad = b"HYLL\x01" + b"\x00" * 10 + b"\x80\x7e\x00"
    rc.cmd("SET", "bad", bad)
    assert rc.cmd("PFCOUNT", "bad") == CORRUPT
    assert rc.cmd("PFCOUNT", "bad", "nokey") == CORRUPT
    assert rc.cmd("PFMERGE", "d", "bad") == CORRUPT
    assert rc.cmd("EXISTS", "d") == intr(0)
    # an element landing past the covered registers is reported by PFADD
    rc.cmd("SET", "bad2", b"HYLL\x01" + b"\x00" * 11 + b"\x40\x00")
    assert rc.cmd("PFADD", "bad2", *["e%d" % i for i in range(50)]) == CORRUPT


def test_arity(rc):
    assert rc.cmd("PFADD") == arity("pfadd")
    assert rc.cmd("PFCOUNT") == arity("pfcount")
    assert rc.cmd("PFMERGE") == arity("pfmerge")


def test_keys_are_declared(rc):
    assert parse_reply(rc.cmd("COMMAND", "GETKEYS", "PFMERGE", "d", "a", "b"))[0] == [b"d", b"a", b"b"]
    assert parse_reply(rc.cmd("COMMAND", "GETKEYS", "PFCOUNT", "a", "b"))[0] == [b"a", b"b"]
