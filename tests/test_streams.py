"""Streams, black box: every X* command through redis-py, errors included; blocking XREAD and
XREADGROUP woken by a writer on another connection (keys on different shards); groups,
pending entries and consumers surviving a kill -9 with appendonly and a SAVE + restart; and
Tessera's idempotent producers (XADD ... IDMP). Reply shapes are pinned against redis-server
7.0 by tests/test_differential_streams.py; this file pins behaviour.
"""
import threading
import time

import pytest
import redis

from persist_helpers import kill9, restart, start_server  # noqa: F401 (fixture)
from test_persistence import crc16


def keys_on_distinct_shards(n, shards=4):
    """n keys whose slots fall in different quarters of the slot space (different shards at
    --threads 4, Server::slot_owner_)."""
    found = {}
    i = 0
    while len(found) < n:
        k = "st:%d" % i
        found.setdefault((crc16(k.encode()) & 16383) * shards // 16384, k)
        i += 1
    return list(found.values())[:n]


def blocked_call(fn):
    """Runs fn in a thread; returns (thread, result holder)."""
    out = {}

    def run():
        try:
            out["reply"] = fn()
        except Exception as e:  # noqa: BLE001
            out["error"] = e

    t = threading.Thread(target=run)
    t.start()
    return t, out


def wait_blocked(r, n=1, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if r.info("clients")["blocked_clients"] >= n:
            return
        time.sleep(0.01)
    raise AssertionError("client did not block")


# ------------------------------------------------------------------------------- entries


def test_xadd_ids_and_ranges(r):
    assert r.xadd("s", {"a": 1}, id="5-1") == b"5-1"
    assert r.xadd("s", {"a": 2}, id="5-*") == b"5-2"
    assert r.xadd("s", {"a": 3}, id="7") == b"7-0"
    auto = r.xadd("s", {"b": "x", "c": "y"})
    ms, seq = map(int, auto.split(b"-"))
    assert ms > 7
    assert r.xlen("s") == 4
    assert [e[0] for e in r.xrange("s", "(5-1", "+")] == [b"5-2", b"7-0", auto]
    assert [e[0] for e in r.xrevrange("s", "+", "-", count=2)] == [auto, b"7-0"]
    assert r.xrange("s", "5", "5") == [(b"5-1", {b"a": b"1"}), (b"5-2", {b"a": b"2"})]
    assert r.type("s") == b"stream"
    assert r.object("encoding", "s") == b"stream"
    with pytest.raises(redis.ResponseError, match="equal or smaller"):
        r.xadd("s", {"a": 1}, id="5-9")
    with pytest.raises(redis.ResponseError, match="greater than 0-0"):
        r.xadd("n", {"a": 1}, id="0-0")
    with pytest.raises(redis.ResponseError, match="Invalid stream ID"):
        r.xadd("s", {"a": 1}, id="x")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        r.execute_command("XADD", "s", "*", "a")
    assert r.xadd("none", {"a": 1}, nomkstream=True) is None
    assert r.exists("none") == 0
    r.set("str", "v")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.xadd("str", {"a": 1})


def test_xdel_xtrim_xsetid(r):
    for i in range(1, 301):
        r.xadd("s", {"f": i}, id="%d-0" % i)
    assert r.xdel("s", "1-0", "2-0", "999-0") == 2
    assert r.xtrim("s", maxlen=250, approximate=False) == 48
    assert r.xlen("s") == 250
    assert r.xrange("s", count=1)[0][0] == b"51-0"
    assert r.xtrim("s", minid="101-0", approximate=False) == 50
    # ~ removes whole nodes only (100 entries each): nothing here
    assert r.xtrim("s", maxlen=190, approximate=True) == 0
    assert r.xadd("s", {"f": 1}, maxlen=3, approximate=False, id="400-0") == b"400-0"
    assert r.xlen("s") == 3
    info = r.xinfo_stream("s")
    assert info["max-deleted-entry-id"] == b"2-0"
    assert info["entries-added"] == 301
    with pytest.raises(redis.ResponseError, match="smaller than the target stream top item"):
        r.execute_command("XSETID", "s", "1-0")
    assert r.execute_command("XSETID", "s", "500-0", "ENTRIESADDED", "1000", "MAXDELETEDID", "450-0")
    info = r.xinfo_stream("s")
    assert (info["last-generated-id"], info["entries-added"]) == (b"500-0", 1000)
    with pytest.raises(redis.ResponseError, match="no such key"):
        r.execute_command("XSETID", "nokey", "1-0")
    with pytest.raises(redis.ResponseError, match="LIMIT cannot be used without the special ~"):
        r.execute_command("XTRIM", "s", "MAXLEN", "1", "LIMIT", "10")


def test_xread(r):
    a, b = keys_on_distinct_shards(2)
    r.xadd(a, {"x": 1}, id="1-0")
    r.xadd(a, {"x": 2}, id="2-0")
    r.xadd(b, {"y": 1}, id="3-0")
    got = r.xread({a: "1-0", b: "0"})
    assert got == [[a.encode(), [(b"2-0", {b"x": b"2"})]], [b.encode(), [(b"3-0", {b"y": b"1"})]]]
    assert r.xread({a: "$", b: "$"}) == []
    assert r.xread({a: "0"}, count=1) == [[a.encode(), [(b"1-0", {b"x": b"1"})]]]
    with pytest.raises(redis.ResponseError, match="Unbalanced"):
        r.execute_command("XREAD", "STREAMS", a, b, "0")


# ------------------------------------------------------------------------------ blocking


def test_xread_block_woken_across_shards(server, r):
    a, b = keys_on_distinct_shards(2)
    r.xadd(a, {"old": 1})
    reader = server.client()
    t, out = blocked_call(lambda: reader.xread({a: "$", b: "$"}, block=5000))
    wait_blocked(r)
    writer = server.client()
    writer.xadd(b, {"new": 1}, id="9-9")
    t.join(5)
    assert out["reply"] == [[b.encode(), [(b"9-9", {b"new": b"1"})]]]
    # An XADD to an existing stream wakes too; a timeout replies nil.
    t, out = blocked_call(lambda: reader.xread({a: "$"}, block=5000))
    wait_blocked(r)
    writer.xadd(a, {"next": 1})
    t.join(5)
    assert out["reply"][0][1][0][1] == {b"next": b"1"}
    assert reader.xread({a: "$"}, block=50) == []


def test_xreadgroup_block_and_destroyed_group(server, r):
    a, b = keys_on_distinct_shards(2)
    r.xgroup_create(a, "g", id="$", mkstream=True)
    r.xgroup_create(b, "g", id="$", mkstream=True)
    reader = server.client()
    t, out = blocked_call(lambda: reader.xreadgroup("g", "c1", {a: ">", b: ">"}, block=5000))
    wait_blocked(r)
    server.client().xadd(b, {"k": "v"}, id="1-1")
    t.join(5)
    assert out["reply"] == [[b.encode(), [(b"1-1", {b"k": b"v"})]]]
    assert r.xpending(b, "g")["pending"] == 1
    t, out = blocked_call(lambda: reader.xreadgroup("g", "c1", {a: ">"}, block=5000))
    wait_blocked(r)
    r.xgroup_destroy(a, "g")
    t.join(5)
    assert "NOGROUP the consumer group this client was blocked on no longer exists" in str(out["error"])
    # The stream deleted, or overwritten by another type: UNBLOCKED (Redis 7.0); XREAD waits on.
    for end in (lambda: r.delete(b), lambda: r.set(b, "x")):
        r.delete(b)
        r.xgroup_create(b, "g", id="$", mkstream=True)
        t, out = blocked_call(lambda: reader.xreadgroup("g", "c1", {b: ">"}, block=5000))
        wait_blocked(r)
        end()
        t.join(5)
        assert "UNBLOCKED the stream key no longer exists" in str(out["error"])
    r.delete(b)
    r.xadd(b, {"k": 1}, id="1-1")
    t, out = blocked_call(lambda: reader.xread({b: "$"}, block=5000))
    wait_blocked(r)
    r.delete(b)
    r.xadd(b, {"k": 2}, id="2-2")
    t.join(5)
    assert out["reply"] == [[b.encode(), [(b"2-2", {b"k": b"2"})]]]


# -------------------------------------------------------------------------------- groups


def test_groups_pending_claims(r):
    for i in range(1, 11):
        r.xadd("s", {"i": i}, id="%d-0" % i)
    assert r.xgroup_create("s", "g", id="0")
    with pytest.raises(redis.ResponseError, match="BUSYGROUP"):
        r.xgroup_create("s", "g", id="0")
    with pytest.raises(redis.ResponseError, match="NOGROUP"):
        r.xreadgroup("nog", "c", {"s": ">"})
    got = r.xreadgroup("g", "alice", {"s": ">"}, count=4)
    assert [e[0] for e in got[0][1]] == [b"1-0", b"2-0", b"3-0", b"4-0"]
    r.xreadgroup("g", "bob", {"s": ">"}, count=2)
    assert r.xack("s", "g", "1-0", "1-0", "99-0") == 1
    p = r.xpending("s", "g")
    assert p["pending"] == 5 and p["min"] == b"2-0" and p["max"] == b"6-0"
    assert sorted(p["consumers"], key=lambda c: c["name"]) == [
        {"name": b"alice", "pending": 3}, {"name": b"bob", "pending": 2}]
    rng = r.xpending_range("s", "g", "-", "+", 10, consumername="bob")
    assert [(e["message_id"], e["times_delivered"]) for e in rng] == [(b"5-0", 1), (b"6-0", 1)]
    # history: the consumer's own pending entries, delivery count up
    hist = r.xreadgroup("g", "alice", {"s": "0"})
    assert [e[0] for e in hist[0][1]] == [b"2-0", b"3-0", b"4-0"]
    assert r.xpending_range("s", "g", "2-0", "2-0", 1)[0]["times_delivered"] == 2
    assert r.xclaim("s", "g", "carol", 0, ["2-0"], justid=True) == [b"2-0"]
    r.xdel("s", "3-0")
    r.response_callbacks.pop("XAUTOCLAIM", None)  # the raw 7.0 reply: cursor, ids, deleted ids
    cursor, claimed, deleted = r.execute_command("XAUTOCLAIM", "s", "g", "dave", "0", "0", "COUNT", "10", "JUSTID")
    assert (cursor, deleted) == (b"0-0", [b"3-0"])
    assert claimed == [b"2-0", b"4-0", b"5-0", b"6-0"]
    groups = r.xinfo_groups("s")
    assert groups[0]["pending"] == 4 and groups[0]["last-delivered-id"] == b"6-0"
    assert {c["name"] for c in r.xinfo_consumers("s", "g")} == {b"alice", b"bob", b"carol", b"dave"}
    assert r.xgroup_delconsumer("s", "g", "dave") == 4
    assert r.xgroup_createconsumer("s", "g", "erin") == 1
    assert r.xgroup_createconsumer("s", "g", "erin") == 0
    assert r.xgroup_setid("s", "g", "0", entries_read=0)
    r.xreadgroup("g", "erin", {"s": ">"}, count=1, noack=True)
    assert r.xpending("s", "g")["pending"] == 0
    assert r.xgroup_destroy("s", "g") == 1
    with pytest.raises(redis.ResponseError, match="requires the key to exist"):
        r.xgroup_create("nokey", "g", id="$")


# --------------------------------------------------------------------------- persistence


def build_group_state(c):
    for i in range(1, 251):
        c.xadd("p", {"i": i, "pad": "x" * (i % 13)})
    c.xadd("p", {"i": "trim"}, maxlen=220, approximate=True)
    c.xdel("p", c.xrange("p", count=3)[2][0])
    c.xgroup_create("p", "g", id="0")
    c.xreadgroup("g", "alice", {"p": ">"}, count=30)
    c.xreadgroup("g", "bob", {"p": ">"}, count=10, noack=True)
    c.xreadgroup("g", "alice", {"p": "0"}, count=5)
    c.xack("p", "g", *[e["message_id"] for e in c.xpending_range("p", "g", "-", "+", 4)])
    c.xclaim("p", "g", "carol", 0, [c.xpending_range("p", "g", "-", "+", 1)[0]["message_id"]])
    c.xautoclaim("p", "g", "dave", 0, "0", count=3)
    c.xgroup_createconsumer("p", "g", "idle")
    c.execute_command("XADD", "p", "IDMP", "prod", "7", "*", "k", "v")


def stream_state(c):
    """XINFO STREAM FULL COUNT 0 (everything), without radix-tree-nodes."""
    info = c.execute_command("XINFO", "STREAM", "p", "FULL", "COUNT", "0")
    if isinstance(info, dict):
        info = [x for kv in info.items() for x in kv]
    i = info.index(b"radix-tree-nodes")
    return info[:i] + info[i + 2:]


@pytest.mark.tessera_only
@pytest.mark.parametrize("how", ["aof", "save"])
def test_groups_survive_restart(start_server, how):
    extra = ["--appendonly", "yes"] if how == "aof" else []
    s = start_server(threads=4, extra_args=extra)
    c = s.client()
    build_group_state(c)
    want = stream_state(c)
    if how == "save":
        assert c.save()
    kill9(s)
    restart(s, threads=2)
    c = s.client()
    assert stream_state(c) == want
    # the producer's retry is still recognised
    assert c.execute_command("XADD", "p", "IDMP", "prod", "7", "*", "k", "v") == \
        c.xrevrange("p", count=1)[0][0]
    assert c.xlen("p") == want[want.index(b"length") + 1]


@pytest.mark.tessera_only
def test_cross_shard_group_read_survives_a_crash(start_server):
    """One XREADGROUP over streams of two shards logs each stream's parts in its own shard's
    log (one transaction): replay in any order of the logs gives the same groups."""
    s = start_server(threads=4, extra_args=["--appendonly", "yes"])
    c = s.client()
    a, b = keys_on_distinct_shards(2)
    for k in (a, b):
        for i in range(1, 6):
            c.xadd(k, {"i": i}, id="%d-0" % i)
        c.xgroup_create(k, "g", id="0")
    c.xreadgroup("g", "new", {a: ">", b: ">"}, count=3)
    c.xreadgroup("g", "new", {a: "0", b: "0"}, count=1)
    c.xreadgroup("g", "nack", {a: ">", b: ">"}, count=1, noack=True)
    want = [(c.xinfo_groups(k), c.xpending_range(k, "g", "-", "+", 10)) for k in (a, b)]
    kill9(s)
    restart(s, threads=4)
    c = s.client()
    got = [(c.xinfo_groups(k), c.xpending_range(k, "g", "-", "+", 10)) for k in (a, b)]
    for (wg, wp), (gg, gp) in zip(want, got):
        assert gg == wg
        assert [(e["message_id"], e["consumer"], e["times_delivered"]) for e in gp] == \
            [(e["message_id"], e["consumer"], e["times_delivered"]) for e in wp]


# ---------------------------------------------------------------------------------- IDMP


@pytest.mark.tessera_only
def test_idmp_retry_stored_once(r):
    first = r.execute_command("XADD", "s", "IDMP", "p1", "1", "*", "f", "v")
    assert r.execute_command("XADD", "s", "IDMP", "p1", "1", "*", "f", "v") == first
    second = r.execute_command("XADD", "s", "IDMP", "p1", "2", "*", "f", "w")
    assert second != first
    other = r.execute_command("XADD", "s", "IDMP", "p2", "1", "*", "f", "x")
    assert r.xlen("s") == 3
    with pytest.raises(redis.ResponseError, match="IDMP sequence is older"):
        r.execute_command("XADD", "s", "IDMP", "p1", "1", "*", "f", "v")
    assert r.execute_command("XADD", "s", "IDMP", "p2", "1", "*", "f", "x") == other
    with pytest.raises(redis.ResponseError, match="IDMP sequence must be"):
        r.execute_command("XADD", "s", "IDMP", "p1", "-1", "*", "f", "v")
    assert r.xlen("s") == 3
