"""DUMP and RESTORE: replies and errors as Redis 7.0 gives them, payloads moving both ways
between redis-server and the server under test for every type and encoding, TTL / IDLETIME /
FREQ options, dirty counting and blocked clients woken by a restored key."""
import struct
import threading
import time

import pytest

from helpers import RespError, bulk, intr

OK = b"+OK\r\n"
NIL = b"$-1\r\n"
SYNTAX = b"-ERR syntax error\r\n"
NOT_INT = b"-ERR value is not an integer or out of range\r\n"
BUSY = b"-BUSYKEY Target key name already exists.\r\n"
BAD_PAYLOAD = b"-ERR DUMP payload version or checksum are wrong\r\n"
BAD_FORMAT = b"-ERR Bad data format\r\n"


# ---------------------------------------------------------------------------------------- payloads
def _crc64_table():
    poly = 0x95AC9329AC4BC9B5  # Jones, reflected (Redis crc64.c)
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ poly if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_TABLE = _crc64_table()


def crc64(data, crc=0):
    for b in data:
        crc = _CRC_TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc


def payload(body, version=10):
    """A DUMP payload around `body` (type byte + value) with a correct footer."""
    p = body + struct.pack("<H", version)
    return p + struct.pack("<Q", crc64(p))


def test_crc64_check_value():
    assert crc64(b"123456789") == 0xE9C6D914C4B8D9CA


# ---------------------------------------------------------------------------------------- data sets
def make_all(c, prefix):
    """Creates one key per type and encoding (small and big) and returns the key names."""
    p = prefix
    c.set(p + "str:small", "hello")
    c.set(p + "str:empty", "")
    for n in (0, -7, 300, -70000, 3000000000, -9223372036854775808, 9223372036854775807):
        c.set(p + "str:int:%d" % n, n)
    c.set(p + "str:lzf", "a" * 500 + "tail")
    c.set(p + "str:bin", bytes(range(256)) * 3)
    c.set(p + "str:numeric-looking", "007")
    c.set(p + "str:raw", "x")
    c.append(p + "str:raw", "y" * 50)
    c.pfadd(p + "hll:sparse", "a", "b", "c")
    c.pfadd(p + "hll:dense", *["e%d" % i for i in range(5000)])
    c.rpush(p + "list:small", "a", 1, -5, "", "x y z")
    big = [("element-%d" % i) if i % 3 else str(i * 1001) for i in range(5000)]
    for i in range(0, len(big), 1000):
        c.rpush(p + "list:big", *big[i:i + 1000])
    c.rpush(p + "list:huge-elem", "a", "H" * 20000, "b")
    c.sadd(p + "set:int16", 1, 2, -3)
    c.sadd(p + "set:int64", 1, 10000000000, -10000000000)
    c.sadd(p + "set:strs", "a", "b", "c", 1)
    c.sadd(p + "set:big-ints", *range(1000))
    c.sadd(p + "set:big-strs", *["m%d" % i for i in range(1000)])
    c.zadd(p + "zset:small", {"a": 1, "b": 2.5, "c": -3, "d": float("inf"), "e": float("-inf"),
                              "f": 0.1, "g": 1e20, "h": 0})
    c.zadd(p + "zset:big", {"z%d" % i: (i * 7919 % 1000) / 8.0 for i in range(300)})
    c.zadd(p + "zset:long-member", {"M" * 100: 1, "x": 2})
    c.hset(p + "hash:small", mapping={"a": 1, "b": "hello", "c": "", "7": -8})
    c.hset(p + "hash:big", mapping={"field%d" % i: i * 3 for i in range(700)})
    c.hset(p + "hash:long-value", "a", "V" * 100)
    return sorted(k.decode() for k in c.keys(p + "*"))


def contents(c, key):
    t = c.type(key).decode()
    if t == "string":
        return t, c.get(key)
    if t == "list":
        return t, c.lrange(key, 0, -1)
    if t == "set":
        return t, sorted(c.smembers(key))
    if t == "zset":
        return t, c.zrange(key, 0, -1, withscores=True)
    if t == "hash":
        return t, sorted(c.hgetall(key).items())
    return t, None


@pytest.fixture
def ref(redis_ref):
    """A client on the session's reference redis-server; keys made here are removed after."""
    c = redis_ref.client()
    yield c
    keys = c.keys("dr:*")
    if keys:
        c.delete(*keys)
    c.close()


# ---------------------------------------------------------------------------------------- DUMP
def test_dump_missing_key_is_nil(rc):
    assert rc.cmd("DUMP", "nope") == NIL
    assert rc.cmd("DUMP") == b"-ERR wrong number of arguments for 'dump' command\r\n"


def test_dump_expired_key_is_nil(r):
    r.set("k", "v", px=30)
    time.sleep(0.1)
    assert r.dump("k") is None


def test_dump_string_payload_bytes(r):
    r.set("k", "hello")
    assert r.dump("k") == payload(b"\x00\x05hello")
    r.set("n", 5)
    assert r.dump("n") == payload(b"\x00\xc0\x05")
    r.set("n", -70000)
    assert r.dump("n") == payload(b"\x00\xc2\x90\xee\xfe\xff")


def test_dump_payload_bytes_match_reference(r, ref):
    """Small values (no LZF, where compressors may legitimately differ) give Redis's bytes."""
    for c, p in ((r, "dr:"), (ref, "dr:")):
        c.set(p + "s", "hello")
        c.set(p + "i", 123456)
        c.rpush(p + "l", "a", 1, -500, "x" * 10)
        c.sadd(p + "si", 1, 2, 70000)
        c.zadd(p + "z", {"a": 1, "b": 2.5, "c": float("inf"), "d": -0.125})
        c.hset(p + "h", mapping={"f": "v", "n": 12})
    for k in ("s", "i", "l", "si", "z", "h"):
        assert r.dump("dr:" + k) == ref.dump("dr:" + k), k


# ---------------------------------------------------------------------------------------- RESTORE basics
def test_restore_round_trip_every_type(r):
    keys = make_all(r, "src:")
    for k in keys:
        d = r.dump(k)
        assert d is not None, k
        dst = "dst:" + k
        assert r.restore(dst, 0, d)
        assert contents(r, dst) == contents(r, k), k
        # Strings written in place (APPEND, PFADD) come back as embstr/raw by length, as in Redis.
        if not k.startswith(("src:str:raw", "src:hll:")):
            assert r.object("encoding", dst) == r.object("encoding", k), k
        assert r.ttl(dst) == -1


def test_restore_busykey_and_replace(rc):
    rc.cmd("SET", "src", "v1")
    d = rc.cmd_parsed("DUMP", "src")
    rc.cmd("SET", "dst", "old")
    assert rc.cmd("RESTORE", "dst", "0", d) == BUSY
    assert rc.cmd("RESTORE", "dst", "0", d, "REPLACE") == OK
    assert rc.cmd("GET", "dst") == bulk("v1")
    rc.cmd("RPUSH", "lst", "a")
    assert rc.cmd("RESTORE", "lst", "0", d, "replace") == OK  # another type is replaced too
    assert rc.cmd("TYPE", "lst") == b"+string\r\n"


def test_restore_argument_errors(rc):
    rc.cmd("SET", "src", "v")
    d = rc.cmd_parsed("DUMP", "src")
    assert rc.cmd("RESTORE", "k", "0") == b"-ERR wrong number of arguments for 'restore' command\r\n"
    assert rc.cmd("RESTORE", "k", "abc", d) == NOT_INT
    assert rc.cmd("RESTORE", "k", "1.5", d) == NOT_INT
    assert rc.cmd("RESTORE", "k", "-1", d) == b"-ERR Invalid TTL value, must be >= 0\r\n"
    assert rc.cmd("RESTORE", "k", "0", d, "BOGUS") == SYNTAX
    assert rc.cmd("RESTORE", "k", "0", d, "IDLETIME") == SYNTAX
    assert rc.cmd("RESTORE", "k", "0", d, "FREQ") == SYNTAX
    assert rc.cmd("RESTORE", "k", "0", d, "IDLETIME", "x") == NOT_INT
    assert rc.cmd("RESTORE", "k", "0", d, "IDLETIME", "-1") == b"-ERR Invalid IDLETIME value, must be >= 0\r\n"
    assert rc.cmd("RESTORE", "k", "0", d, "FREQ", "x") == NOT_INT
    assert rc.cmd("RESTORE", "k", "0", d, "FREQ", "256") == b"-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n"
    assert rc.cmd("RESTORE", "k", "0", d, "FREQ", "-1") == b"-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n"
    # IDLETIME and FREQ exclude each other.
    assert rc.cmd("RESTORE", "k", "0", d, "FREQ", "5", "IDLETIME", "5") == SYNTAX
    assert rc.cmd("RESTORE", "k", "0", d, "IDLETIME", "5", "FREQ", "5") == SYNTAX
    assert rc.cmd("EXISTS", "k") == intr(0)
    # Order of checks: options, then an existing key, then the TTL, then the payload.
    assert rc.cmd("RESTORE", "src", "abc", "junk", "BOGUS") == SYNTAX
    assert rc.cmd("RESTORE", "src", "abc", "junk") == BUSY
    assert rc.cmd("RESTORE", "k", "-1", "junk") == b"-ERR Invalid TTL value, must be >= 0\r\n"
    assert rc.cmd("RESTORE", "k", "0", "junk") == BAD_PAYLOAD
    # Options are case-insensitive and may repeat.
    assert rc.cmd("RESTORE", "k", "0", d, "replace", "REPLACE", "AbsTtl", "idletime", "3") == OK


def test_restore_payload_errors(rc):
    rc.cmd("SET", "src", "hello")
    d = rc.cmd_parsed("DUMP", "src")
    assert rc.cmd("RESTORE", "k", "0", "") == BAD_PAYLOAD
    assert rc.cmd("RESTORE", "k", "0", d[:-1]) == BAD_PAYLOAD
    assert rc.cmd("RESTORE", "k", "0", d[:-1] + bytes([d[-1] ^ 1])) == BAD_PAYLOAD
    body = d[:-10]
    assert rc.cmd("RESTORE", "k", "0", payload(body, version=11)) == BAD_PAYLOAD
    assert rc.cmd("RESTORE", "k", "0", payload(body, version=9)) == OK  # older versions load
    rc.cmd("DEL", "k")
    # Right footer, wrong bodies.
    for bad in (b"", b"\x00", b"\x00\x0fhel", b"\x08\x00", b"\x63\x00", b"\x00\xc3\x05\x0a\x00abcd",
                b"\x01\x05a", b"\x10\x03abc",
                b"\x04\x00",  # an empty hash
                b"\x02\x02\x01a\x01a"):  # a set holding one member twice
        assert rc.cmd("RESTORE", "k", "0", payload(bad)) == BAD_FORMAT, bad
    assert rc.cmd("EXISTS", "k") == intr(0)


# ---------------------------------------------------------------------------------------- TTL, IDLETIME, FREQ
def test_restore_relative_ttl(r):
    r.set("src", "v")
    d = r.dump("src")
    assert r.restore("k", 5000, d)
    assert 4000 < r.pttl("k") <= 5000


def test_restore_absttl(r):
    r.set("src", "v")
    d = r.dump("src")
    when = int(time.time() * 1000) + 100000
    assert r.restore("k", when, d, absttl=True)
    assert r.pexpiretime("k") == when


def test_restore_already_expired_absttl(rc):
    rc.cmd("SET", "src", "v")
    d = rc.cmd_parsed("DUMP", "src")
    assert rc.cmd("RESTORE", "k", "1", d, "ABSTTL") == OK
    assert rc.cmd("EXISTS", "k") == intr(0)
    # With REPLACE, the old key goes even though the new one is never created.
    rc.cmd("SET", "k", "old")
    assert rc.cmd("RESTORE", "k", "1000", d, "ABSTTL", "REPLACE") == OK
    assert rc.cmd("EXISTS", "k") == intr(0)


def test_restore_idletime(r):
    r.set("src", "v")
    d = r.dump("src")
    assert r.restore("k", 0, d, idletime=1000)
    assert 1000 <= r.object("idletime", "k") <= 1002
    r.get("k")
    assert r.object("idletime", "k") <= 1


def test_restore_freq_under_lfu(r):
    r.set("src", "v")
    d = r.dump("src")
    old = r.config_get("maxmemory-policy")["maxmemory-policy"]
    try:
        r.config_set("maxmemory-policy", "allkeys-lfu")
        assert r.restore("k", 0, d, frequency=100)
        assert r.object("freq", "k") == 100
        # IDLETIME means nothing under LFU: the key gets a new key's counter.
        assert r.restore("k2", 0, d, idletime=1000)
        assert r.object("freq", "k2") == 5
    finally:
        r.config_set("maxmemory-policy", old)


def _dirty(r):
    return r.info("persistence")["rdb_changes_since_last_save"]


def test_restore_counts_dirty(r):
    r.set("src", "v")
    d = r.dump("src")
    before = _dirty(r)
    r.restore("a", 0, d)
    assert _dirty(r) == before + 1
    r.restore("a", 0, d, replace=True)
    assert _dirty(r) == before + 2
    r.restore("b", 1, d, absttl=True)  # never created: nothing changed
    assert _dirty(r) == before + 2
    r.restore("a", 1, d, absttl=True, replace=True)  # deletes "a"
    assert _dirty(r) == before + 3
    r.dump("src")
    assert _dirty(r) == before + 3


def test_restore_wakes_blocked_client(server, r):
    r.rpush("src", "x", "y")
    d = r.dump("src")
    got = []
    blocker = server.client()

    def run():
        got.append(blocker.blpop("waiting", timeout=5))

    t = threading.Thread(target=run)
    t.start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and r.info("clients")["blocked_clients"] < 1:
        time.sleep(0.01)
    assert r.restore("waiting", 0, d)
    t.join(6)
    blocker.close()
    assert got == [(b"waiting", b"x")]
    assert r.lrange("waiting", 0, -1) == [b"y"]


# ---------------------------------------------------------------------------------------- cross-server
def test_reference_dump_restores_here(r, ref):
    keys = make_all(ref, "dr:")
    assert len(keys) > 25
    for k in keys:
        d = ref.dump(k)
        assert r.restore(k, 0, d), k
        assert contents(r, k) == contents(ref, k), k
        # Same encoding as the reference gives the same payload.
        assert ref.restore(k + ":copy", 0, d)
        assert r.object("encoding", k) == ref.object("encoding", k + ":copy"), k
    # And ours dumps them back to values the reference loads identically.
    for k in keys:
        assert ref.restore(k + ":back", 0, r.dump(k)), k
        assert contents(ref, k + ":back") == contents(ref, k), k


def test_dump_here_restores_in_reference(r, ref):
    keys = make_all(r, "dr:")
    for k in keys:
        d = r.dump(k)
        assert ref.restore(k, 0, d), k
        assert contents(ref, k) == contents(r, k), k
        assert r.restore(k + ":copy", 0, d)
        assert ref.object("encoding", k) == r.object("encoding", k + ":copy"), k
    # HyperLogLogs stay HyperLogLogs on the other side.
    assert ref.pfcount("dr:hll:sparse") == r.pfcount("dr:hll:sparse") == 3
    assert ref.pfcount("dr:hll:dense") == r.pfcount("dr:hll:dense")


def test_ttl_travels_with_absttl(r, ref):
    when = int(time.time() * 1000) + 500000
    ref.set("dr:t", "v")
    ref.pexpireat("dr:t", when)
    assert r.restore("t", ref.pexpiretime("dr:t"), ref.dump("dr:t"), absttl=True)
    assert r.pexpiretime("t") == when


def _stream_info(client, key):
    """XINFO STREAM FULL without radix-tree-nodes (Redis's radix tree internals)."""
    info = client.xinfo_stream(key, full=True)
    info.pop("radix-tree-nodes")
    return info


def test_stream_travels_both_ways(r, ref):
    """A stream with deletions, a group, pending entries and consumers: DUMP from Redis 7.0
    RESTOREs here and back, with XINFO STREAM FULL unchanged."""
    ref.delete("dr:stream")
    for i in range(1, 260):
        ref.xadd("dr:stream", {"f": i, "g": "v" * (i % 7)} if i % 3 else {"x": i}, id=f"{i}-1")
    ref.xdel("dr:stream", "5-1", "200-1")
    ref.xgroup_create("dr:stream", "g1", id="0")
    ref.xreadgroup("g1", "alice", {"dr:stream": ">"}, count=7)
    ref.xreadgroup("g1", "bob", {"dr:stream": ">"}, count=3)
    ref.xack("dr:stream", "g1", "2-1")
    ref.xgroup_create("dr:stream", "g0", id="$")
    want = _stream_info(ref, "dr:stream")
    assert r.restore("s", 0, ref.dump("dr:stream"), replace=True)
    assert _stream_info(r, "s") == want
    ref.delete("dr:stream2")
    assert ref.restore("dr:stream2", 0, r.dump("s"))
    assert _stream_info(ref, "dr:stream2") == want


def test_restore_converts_for_local_limits(r, ref):
    """A listpack hash restored where hash-max-listpack-entries is lower becomes a hashtable."""
    ref.hset("dr:h", mapping={"a": 1, "b": 2, "c": 3})
    old = r.config_get("hash-max-listpack-entries")["hash-max-listpack-entries"]
    try:
        r.config_set("hash-max-listpack-entries", 2)
        assert r.restore("h", 0, ref.dump("dr:h"))
        assert r.object("encoding", "h") == b"hashtable"
        assert r.hgetall("h") == {b"a": b"1", b"b": b"2", b"c": b"3"}
    finally:
        r.config_set("hash-max-listpack-entries", old)
