"""Keyspace notifications (notify-keyspace-events): the class string parsed and printed as
redis-server 7.0 does, the events of each command family in Redis's names and order (compared
with a real redis-server), expired (lazy and active), evicted, keymiss and new-key events, and
events of multi-shard commands, which run on another shard's thread.
"""
import time

import pytest

from helpers import encode_command, parse_reply, wait_until

SUB_PATTERN = "__key*__:*"


@pytest.fixture(autouse=True)
def clean(server):
    r = server.client()
    r.flushall()
    yield
    r.config_set("notify-keyspace-events", "")


@pytest.mark.parametrize("value", ["KEA", "Ex", "A", "g$lshzxetd", "KA", "", "xE", "AKE", "K",
                                   "KEm", "Kn", "KEAmn", "ndtexzhsl$g", "nKEm", "dt", "Et"])
def test_class_string_canonical_form(server, redis_ref, value):
    got = []
    for s in (server, redis_ref):
        r = s.client()
        r.config_set("notify-keyspace-events", value)
        got.append(r.config_get("notify-keyspace-events"))
        r.config_set("notify-keyspace-events", "")
    assert got[0] == got[1]


def test_invalid_class_character(server, redis_ref):
    replies = []
    for s in (server, redis_ref):
        with s.raw() as c:
            replies.append(c.cmd("CONFIG", "SET", "notify-keyspace-events", "KEQ"))
    assert replies[0] == replies[1]
    assert b"Invalid event class character. Use 'Ag$lshzxeKEtmdn'." in replies[0]


class Events:
    """A subscriber to every keyspace and keyevent channel."""

    def __init__(self, server):
        self.conn = server.raw()
        self.conn.cmd("PSUBSCRIBE", SUB_PATTERN)
        self.pending = bytearray()

    def _drain(self, wait):
        self.pending += self.conn.read_available(wait)
        out = []
        while True:
            try:
                v, pos = parse_reply(bytes(self.pending), 0)
            except Exception:
                return out
            del self.pending[:pos]
            out.append((v[2].decode(), v[3].decode()))

    def take(self, n=None, timeout=5.0):
        """The next events: `n` of them (waiting up to `timeout`), or those that arrive within
        a short wait; a short wait more catches any extra."""
        got = []
        deadline = time.monotonic() + timeout
        while n is not None and len(got) < n and time.monotonic() < deadline:
            got += self._drain(0.05)
        got += self._drain(0.1)
        return got

    def close(self):
        self.conn.close()


def run_and_collect(server, flags, cmds, n=None):
    ev = Events(server)
    try:
        with server.raw() as c:
            c.cmd("CONFIG", "SET", "notify-keyspace-events", flags)
            for cmd in cmds:
                c.send_cmd(*cmd.split(" "))
                c.read_reply()
            c.cmd("CONFIG", "SET", "notify-keyspace-events", "")
        return ev.take(n)
    finally:
        ev.close()


# Every key of a script shares the hash tag {k}: with several threads they live on one shard,
# whose thread publishes their events in command order.
FAMILIES = {
    "strings": ["SET {k}a 1", "SET {k}a 2 EX 100", "GETEX {k}a PERSIST", "APPEND {k}a x",
                "INCR {k}n", "INCRBYFLOAT {k}n 1.5", "SETRANGE {k}a 1 y", "GETDEL {k}a",
                "MSET {k}1 1 {k}2 2", "SETNX {k}1 x", "GETSET {k}1 z", "GETEX {k}1 PXAT 1"],
    "generic": ["SET {k}s v", "EXPIRE {k}s 100", "PERSIST {k}s", "RENAME {k}s {k}t",
                "COPY {k}t {k}u", "MOVE {k}u 1", "DEL {k}t {k}none", "SET {k}v 1",
                "EXPIRE {k}v -1", "RPUSH {k}l 3 1 2", "SORT {k}l STORE {k}d",
                "SORT {k}none STORE {k}d", "UNLINK {k}l"],
    "lists": ["RPUSH {k}l a b c", "LPUSH {k}l z", "LPOP {k}l", "RPOP {k}l 2", "LPUSH {k}l x y",
              "LSET {k}l 0 q", "LINSERT {k}l BEFORE q w", "LREM {k}l 1 w", "LTRIM {k}l 0 0",
              "LMOVE {k}l {k}m LEFT RIGHT", "RPOPLPUSH {k}m {k}m", "LPUSHX {k}nol a",
              "RPUSH {k}b 1", "BLPOP {k}b 1", "RPUSH {k}c 1 2", "LMPOP 1 {k}c LEFT COUNT 5"],
    "sets": ["SADD {k}s a b c", "SADD {k}s a", "SREM {k}s a", "SMOVE {k}s {k}t b", "SREM {k}s c",
             "SADD {k}a 1 2", "SADD {k}b 2 3", "SINTERSTORE {k}d {k}a {k}b",
             "SUNIONSTORE {k}d {k}a {k}b", "SDIFFSTORE {k}d {k}a {k}a", "SPOP {k}t",
             "SADD {k}p 1 2 3", "SPOP {k}p 5"],
    "hashes": ["HSET {k}h f v g w", "HSETNX {k}h f x", "HSETNX {k}h z 1", "HINCRBY {k}h n 1",
               "HINCRBYFLOAT {k}h n 1.5", "HMSET {k}h a 1", "HDEL {k}h f g n z a", "HDEL {k}h q"],
    "zsets": ["ZADD {k}z 1 a 2 b 3 c 4 d", "ZADD {k}z 1 a", "ZINCRBY {k}z 1 a", "ZREM {k}z a",
              "ZREMRANGEBYRANK {k}z 0 0", "ZREMRANGEBYSCORE {k}z 3 3", "ZREMRANGEBYLEX {k}z - +",
              "ZADD {k}z 1 a 2 b 3 c", "ZPOPMIN {k}z", "ZPOPMAX {k}z 5", "ZADD {k}y 1 a",
              "ZADD {k}x 1 a 2 b", "ZUNIONSTORE {k}d 2 {k}x {k}y", "ZINTERSTORE {k}d 2 {k}x {k}y",
              "ZDIFFSTORE {k}d 2 {k}x {k}x", "ZRANGESTORE {k}e {k}x 0 -1",
              "ZRANGESTORE {k}e {k}x 5 6", "BZPOPMIN {k}x 1"],
    "bits_hll_geo": ["SETBIT {k}b 7 1", "SETBIT {k}b 7 1", "SETBIT {k}c 100 0",
                     "BITFIELD {k}b SET u8 0 255", "BITFIELD {k}b GET u8 0",
                     "BITOP AND {k}d {k}b {k}c", "SET {k}e x", "BITOP OR {k}e {k}n1 {k}n2",
                     "PFADD {k}h a b", "PFADD {k}h a", "PFMERGE {k}h2 {k}h",
                     "GEOADD {k}g 13.36 38.11 p1", "GEOADD {k}g 13.36 38.11 p1",
                     "GEOSEARCHSTORE {k}s {k}g FROMLONLAT 13 38 BYRADIUS 500 km",
                     "GEORADIUS {k}g 13 38 500 km STORE {k}r",
                     "GEOSEARCHSTORE {k}s {k}g FROMLONLAT 0 0 BYRADIUS 1 km"],
    "keymiss_and_new": ["GET {k}none", "SET {k}a 1", "SET {k}a 2", "HGET {k}a f"],
    "streams": ["XADD {k}s 1-1 f v", "XADD {k}s MAXLEN 1 2-1 f v", "XTRIM {k}s MAXLEN 0",
                "XTRIM {k}s MAXLEN 0", "XADD {k}s 3-1 f v", "XDEL {k}s 3-1", "XDEL {k}s 9-9",
                "XGROUP CREATE {k}s g 0", "XGROUP CREATE {k}t g $ MKSTREAM",
                "XGROUP CREATECONSUMER {k}s g c1", "XGROUP SETID {k}s g 0", "XADD {k}s 4-1 f v",
                "XREADGROUP GROUP g c2 COUNT 1 STREAMS {k}s >", "XCLAIM {k}s g c3 0 4-1",
                "XAUTOCLAIM {k}s g c4 0 0", "XACK {k}s g 4-1", "XGROUP DELCONSUMER {k}s g c1",
                "XGROUP DESTROY {k}s g", "XSETID {k}s 10-0", "XADD {k}n NOMKSTREAM * f v",
                "XADD {k}s MINID 11 11-1 f v"],
}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_family_events_match_redis(server, redis_ref, family):
    flags = "KEAmn" if family == "keymiss_and_new" else "KEA"
    want = run_and_collect(redis_ref, flags, FAMILIES[family])
    redis_ref.client().flushall()
    assert want, "the reference published nothing"
    assert run_and_collect(server, flags, FAMILIES[family], len(want)) == want


def test_classes_filter_and_off(server):
    # Only keyevent channels of the list class.
    got = run_and_collect(server, "El", ["SET {k}a 1", "RPUSH {k}l x", "DEL {k}l"], 1)
    assert got == [("__keyevent@0__:rpush", "{k}l")]
    # Off: nothing at all.
    assert run_and_collect(server, "", ["SET {k}a 1", "DEL {k}a"]) == []
    # Database index in the channel names.
    got = run_and_collect(server, "K$", ["SELECT 3", "SET {k}a 1"], 1)
    assert got == [("__keyspace@3__:{k}a", "set")]


def test_expired_lazy_and_active(server):
    r = server.client()
    ev = Events(server)
    try:
        r.config_set("notify-keyspace-events", "Ex")
        r.set("lazy", "v", px=1)
        time.sleep(0.01)
        assert r.get("lazy") is None  # removed on access
        assert ev.take(1) == [("__keyevent@0__:expired", "lazy")]
        r.set("active", "v", px=1)
        # Nobody touches it: the active cycle (hz 10) removes it.
        assert ev.take(1, timeout=3) == [("__keyevent@0__:expired", "active")]
    finally:
        ev.close()


def test_evicted(server):
    r = server.client()
    ev = Events(server)
    try:
        r.config_set("notify-keyspace-events", "Ee")
        r.config_set("maxmemory-policy", "allkeys-random")
        used = r.info("memory")["used_memory"]
        r.config_set("maxmemory", used + 2 * 1024 * 1024)
        value = "x" * 1000
        with server.raw() as c:
            c.send(b"".join(encode_command("SET", "ev%d" % i, value) for i in range(20000)))
            for _ in range(20000):
                c.read_reply()
        evicted = [k for ch, k in ev.take(1, timeout=5) if ch == "__keyevent@0__:evicted"]
        evicted += [k for ch, k in ev.take() if ch == "__keyevent@0__:evicted"]
        assert len(evicted) > 1000
        assert r.exists(*evicted[:100]) == 0
    finally:
        r.config_set("maxmemory", 0)
        r.config_set("maxmemory-policy", "noeviction")
        ev.close()


def test_multi_shard_commands_notify_every_key(server):
    # Keys without a common hash tag: with several threads the command runs atomically over
    # their shards, on one of their threads, which publishes for all of them.
    keys = ["mk%d" % i for i in range(12)]
    got = run_and_collect(server, "Eg$", ["MSET " + " ".join(k + " 1" for k in keys),
                                          "DEL " + " ".join(keys)], 2 * len(keys))
    assert sorted(got) == sorted([("__keyevent@0__:set", k) for k in keys] +
                                 [("__keyevent@0__:del", k) for k in keys])
    got = run_and_collect(server, "Kg", ["SET src 1", "RENAME src dst"], 2)
    assert sorted(got) == [("__keyspace@0__:dst", "rename_to"),
                           ("__keyspace@0__:src", "rename_from")]


def test_stream_class_is_accepted(server):
    r = server.client()
    r.config_set("notify-keyspace-events", "Kt")
    assert r.config_get("notify-keyspace-events") == {"notify-keyspace-events": "tK"}


@pytest.mark.tessera_only
def test_resp3_self_notification_never_splits_a_reply(server):
    # A RESP3 client subscribed to the misses of its own reads: the messages follow MGET's
    # array, whether the keys are on the client's thread or not (redis-server 7.0 writes them
    # inside it).
    r = server.client()
    r.config_set("notify-keyspace-events", "Em")
    push = b">3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:keymiss\r\n$4\r\n%s\r\n"
    want = b"*2\r\n_\r\n_\r\n" + push % b"{k}a" + push % b"{k}b"
    for _ in range(4):  # new connections, so that some land on the keys' thread and some not
        with server.raw() as c:
            c.cmd("HELLO", "3")
            c.cmd("SUBSCRIBE", "__keyevent@0__:keymiss")
            c.send_cmd("MGET", "{k}a", "{k}b")
            got = b""
            for _ in range(25):
                got += c.read_available(0.1)
                if len(got) >= len(want):
                    break
            assert got == want
