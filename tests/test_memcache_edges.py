"""Edges between the memcached front door and the rest of Tessera (tessera only): items next
to Redis types, TTLs already past in meta flags, refusals in memcached's protocol, the
internal commands staying internal, and flags through cross-shard moves in the log."""
import struct

import pytest
import redis
from helpers import RawConn
from mc_helpers import OP_INCR, BinConn
from persist_helpers import kill9, restart

pytestmark = pytest.mark.tessera_only


def test_meta_ttls_already_past_reply_then_drop_the_item(mc_server, mcraw):
    m = mcraw()
    # mg N with a past TTL: the vivified item is answered, then gone.
    assert m.call(b"mg v1 N-1 s v\r\n") == b"VA 0 s0 W\r\n\r\n"
    assert m.call(b"mg v1 v\r\n") == b"EN\r\n"
    assert m.call(b"set n 0 0 1\r\n5\r\n") == b"STORED\r\n"
    raw = m.call(b"ma n T-1 c t v\r\n")
    assert raw.startswith(b"VA 1 c") and raw.endswith(b"\r\n6\r\n"), raw
    assert m.call(b"mg n v\r\n") == b"EN\r\n"
    assert m.call(b"ma k N-1 J5 v\r\n") == b"VA 1\r\n5\r\n"
    assert m.call(b"mg k v\r\n") == b"EN\r\n"
    assert mc_server.alive()


def test_misses_never_overwrite_keys_of_other_types(mc_server, mcraw):
    r = mc_server.client()
    r.hset("H", "f", "v")
    r.rpush("L", "a")
    m = mcraw()
    assert m.call(b"mg H N30 v\r\n") == b"EN\r\n"
    assert m.call(b"ma L N0 J5 v\r\n") == b"NF\r\n"
    with BinConn(mc_server.mc_port) as b:
        p = b.request(OP_INCR, key=b"L", extras=struct.pack(">QQI", 1, 7, 0))
        assert p.status == 0x01  # not found: the list is not a counter
    assert r.type("H") == b"hash" and r.type("L") == b"list"
    assert m.call(b"get H L\r\n") == b"END\r\n"
    assert m.call(b"add H 0 0 1\r\nx\r\n") == b"NOT_STORED\r\n"
    assert m.call(b"set H 0 0 1\r\nx\r\n") == b"STORED\r\n"  # a set replaces, as SET does
    assert r.type("H") == b"string"


def test_internal_commands_stay_internal(mc_server):
    r = mc_server.client()
    for name in ("mc-read", "mc-write", "mc-flush", "mc-stats"):
        with pytest.raises(redis.ResponseError, match="unknown command"):
            r.execute_command(name, "k", "v", "x", "y", "z")
        with RawConn(mc_server.port) as c:
            assert c.cmd("COMMAND", "INFO", name) == b"*1\r\n$-1\r\n"
            assert c.cmd("COMMAND", "GETKEYS", name, "k") == (
                b"-ERR Invalid command specified\r\n")
            assert name.encode() not in c.cmd("COMMAND", "LIST")


def test_refusals_answer_in_memcached_protocol(start_mc_server):
    s = start_mc_server(extra_args=["--requirepass", "pw"])
    m = s.mc_raw()
    # Text noreply stays silent, as memcached's out_string; the next request gets its error.
    assert m.call(b"set a 0 0 1 noreply\r\na\r\nget a\r\n") == (
        b"SERVER_ERROR NOAUTH Authentication required.\r\nEND\r\n")
    assert m.call(b"mg a v\r\n") == b"SERVER_ERROR NOAUTH Authentication required.\r\n"


def test_flags_survive_cross_shard_renames_in_the_log(start_mc_server):
    s = start_mc_server(threads=3, extra_args=["--appendonly", "yes", "--appendfsync", "always"])
    m = s.mc_raw()
    r = s.client()
    for i in range(6):
        assert m.call(b"set r%d %d 0 2\r\nhi\r\n" % (i, 100 + i)) == b"STORED\r\n"
        r.rename("r%d" % i, "renamed%d" % i)
    kill9(s)
    restart(s)
    m = s.mc_raw()
    for i in range(6):
        assert m.call(b"get renamed%d\r\n" % i) == b"VALUE renamed%d %d 2\r\nhi\r\nEND\r\n" % (i, 100 + i)
