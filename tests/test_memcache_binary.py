"""memcached binary protocol: pylibmc in binary mode for the everyday commands, and raw packets for
the exact behaviour: opaque echo, quiet opcodes, status codes and error bodies, malformed packets.

Every expectation was observed from memcached 1.6.18. The binary protocol is picked per request
by its first byte (0x80) on the same TCP port as text and meta.
"""
import socket
import struct
import time

import pytest

try:
    import pylibmc
except ImportError:  # collected everywhere; only the pylibmc tests need it
    pylibmc = None

from mc_helpers import (OP_ADD, OP_ADDQ, OP_APPEND, OP_DECR, OP_DELETE, OP_DELETEQ, OP_FLUSH, OP_GAT, OP_GATQ, OP_GET,
                        OP_GETK, OP_GETKQ, OP_GETQ, OP_INCR, OP_NOOP, OP_PREPEND, OP_QUIT, OP_QUITQ, OP_REPLACE,
                        OP_SET, OP_SETQ, OP_STAT, OP_TOUCH, OP_VERSION, ST_EXISTS, ST_INVALID, ST_NON_NUMERIC,
                        ST_NOT_FOUND, ST_NOT_STORED, ST_OK, ST_TOO_LARGE, ST_UNKNOWN_COMMAND, BinConn,
                        arith_extras, bin_request, store_extras)
from helpers import HOST


@pytest.fixture
def lib(mc, mc_server):
    """pylibmc in binary mode, with cas support, on the flushed module server."""
    if pylibmc is None:
        pytest.skip("pylibmc is not installed")
    c = pylibmc.Client(["%s:%d" % (HOST, mc_server.mc_port)], binary=True,
                       behaviors={"tcp_nodelay": True, "cas": True, "connect_timeout": 5000,
                                  "send_timeout": 10000000, "receive_timeout": 10000000})
    yield c
    c.disconnect_all()


@pytest.fixture
def b(mc, mc_server):
    """A raw binary connection on the flushed module server."""
    c = BinConn(mc_server.mc_port)
    yield c
    c.close()


# ------------------------------------------------------------------------------------ pylibmc
def test_pylibmc_get_set_add_replace_delete(lib):
    assert lib.set("a", b"x") is True
    assert lib.get("a") == b"x"
    assert lib.get("missing") is None
    assert lib.add("a", b"y") is False
    assert lib.add("b", b"y") is True
    assert lib.replace("a", b"z") is True
    assert lib.get("a") == b"z"
    with pytest.raises(pylibmc.NotFound):  # binary REPLACE of a missing key: status 0x01
        lib.replace("nokey", b"x")
    assert lib.delete("a") is True
    assert lib.delete("a") is False
    assert lib.get("a") is None
    # pylibmc's own serialisation (flags tell it the type) round-trips through the server.
    assert lib.set("s", "unicode text") is True and lib.get("s") == "unicode text"
    assert lib.set("i", 123) is True and lib.get("i") == 123
    assert lib.set("l", [1, 2, {"x": 3}]) is True and lib.get("l") == [1, 2, {"x": 3}]
    assert lib.set("raw", b"\xff\x00\r\n") is True and lib.get("raw") == b"\xff\x00\r\n"


def test_pylibmc_incr_decr(lib):
    lib.set("n", b"5")
    assert lib.incr("n", 3) == 8
    assert lib.decr("n", 10) == 0  # floors at 0
    lib.set("w", b"18446744073709551615")
    assert lib.incr("w", 1) == 0  # wraps at 2**64
    with pytest.raises(pylibmc.NotFound):
        lib.incr("nokey")
    lib.set("t", b"abc")
    with pytest.raises(pylibmc.Error):  # status 0x06, non-numeric
        lib.incr("t")


def test_pylibmc_append_prepend(lib):
    lib.set("a", b"mid")
    assert lib.append("a", b"-end") is True
    assert lib.prepend("a", b"start-") is True
    assert lib.get("a") == b"start-mid-end"
    assert lib.append("nokey", b"x") is False
    assert lib.prepend("nokey", b"x") is False


def test_pylibmc_gets_and_cas(lib):
    lib.set("a", b"v1")
    value, cas = lib.gets("a")
    assert value == b"v1" and cas > 0
    assert lib.cas("a", b"v2", cas) is True
    assert lib.cas("a", b"v3", cas) is False
    assert lib.get("a") == b"v2"
    _, cas2 = lib.gets("a")
    assert cas2 != cas
    assert lib.gets("missing") == (None, None)


def test_pylibmc_multi_touch_flush(lib):
    items = {"k%d" % i: b"v%d" % i for i in range(50)}
    assert lib.set_multi(items) == []
    assert lib.get_multi(list(items) + ["nope1", "nope2"]) == items
    assert lib.add_multi({"k1": b"x", "new": b"y"}) == ["k1"]
    assert lib.delete_multi(["k1", "k2"]) is True
    assert lib.get_multi(["k1", "k2", "k3"]) == {"k3": b"v3"}
    assert lib.touch("k3", 100) is True
    assert lib.touch("nokey", 100) is False
    assert lib.flush_all() is True
    assert lib.get_multi(list(items)) == {}


def test_pylibmc_large_value_and_too_big(lib):
    v = bytes(range(256)) * 2000  # 512,000 bytes
    assert lib.set("big", v) is True
    assert lib.get("big") == v
    with pytest.raises(pylibmc.TooBig):
        lib.set("big2", b"x" * 1100000)


# -------------------------------------------------------------------------------- raw packets
def test_opaque_is_echoed_and_header_fields(b):
    p = b.request(OP_SET, "foo", store_extras(0xdead, 0), "bar", opaque=0x01020304)
    assert (p.magic, p.opcode, p.status, p.opaque, p.extras, p.key, p.value) == (0x81, OP_SET, ST_OK, 0x01020304,
                                                                                 b"", b"", b"")
    assert p.cas > 0
    set_cas = p.cas
    p = b.request(OP_GET, "foo", opaque=0xdeadbeef)
    assert (p.opcode, p.status, p.opaque, p.cas, p.key, p.value) == (OP_GET, ST_OK, 0xdeadbeef, set_cas, b"", b"bar")
    assert p.extras == struct.pack(">I", 0xdead) and p.datatype == 0
    p = b.request(OP_GETK, "foo", opaque=7)
    assert (p.status, p.key, p.value, p.extras) == (ST_OK, b"foo", b"bar", struct.pack(">I", 0xdead))
    p = b.request(OP_GET, "missing", opaque=9)
    assert (p.status, p.opaque, p.cas, p.extras, p.key, p.value) == (ST_NOT_FOUND, 9, 0, b"", b"", b"Not found")
    p = b.request(OP_NOOP, opaque=0xffffffff)
    assert (p.opcode, p.status, p.opaque, p.value) == (OP_NOOP, ST_OK, 0xffffffff, b"")


def test_version_packet(b, mc_server):
    p = b.request(OP_VERSION, opaque=5)
    assert (p.magic, p.opcode, p.status, p.opaque, p.extras, p.key) == (0x81, OP_VERSION, ST_OK, 5, b"", b"")
    with mc_server.mc_raw() as t:
        t.send(b"version\r\n")
        assert t.read_line() == b"VERSION %s\r\n" % p.value


def test_quiet_get_variants(b):
    b.request(OP_SET, "foo", store_extras(3, 0), "bar")
    # GETQ / GETKQ: a miss says nothing, a hit answers; NOOP ends the batch.
    b.send(bin_request(OP_GETQ, "nope", opaque=1) + bin_request(OP_GETKQ, "foo", opaque=2)
           + bin_request(OP_GETKQ, "nope2", opaque=3) + bin_request(OP_GETQ, "foo", opaque=4))
    got = b.until_noop()
    assert [(p.opcode, p.status, p.opaque, p.key, p.value) for p in got] == [
        (OP_GETKQ, ST_OK, 2, b"foo", b"bar"), (OP_GETQ, ST_OK, 4, b"", b"bar")]


def test_quiet_mutations(b):
    # SETQ succeeds silently; ADDQ on an existing key and DELETEQ of a missing one report errors.
    b.send(bin_request(OP_SETQ, "q1", store_extras(), "v", opaque=1)
           + bin_request(OP_ADDQ, "q1", store_extras(), "w", opaque=2)
           + bin_request(OP_DELETEQ, "zz", opaque=3)
           + bin_request(OP_DELETEQ, "q1", opaque=4))
    got = b.until_noop()
    assert [(p.opcode, p.status, p.opaque, p.value) for p in got] == [
        (OP_ADDQ, ST_EXISTS, 2, b"Data exists for key."), (OP_DELETEQ, ST_NOT_FOUND, 3, b"Not found")]
    assert b.request(OP_GET, "q1").status == ST_NOT_FOUND
    # GATQ miss is quiet too.
    b.send(bin_request(OP_GATQ, "nope", struct.pack(">I", 100), opaque=5))
    assert b.until_noop() == []


def test_status_codes_and_bodies(b):
    assert b.request(OP_SET, "k", store_extras(), "v").status == ST_OK
    p = b.request(OP_ADD, "k", store_extras(), "w")
    assert (p.status, p.value) == (ST_EXISTS, b"Data exists for key.")
    p = b.request(OP_REPLACE, "nokey", store_extras(), "w")
    assert (p.status, p.value) == (ST_NOT_FOUND, b"Not found")
    p = b.request(OP_APPEND, "nokey", value="w")
    assert (p.status, p.value) == (ST_NOT_STORED, b"Not stored.")
    p = b.request(OP_SET, "k", store_extras(), "x", cas=1)  # SET with a wrong cas
    assert (p.status, p.value) == (ST_EXISTS, b"Data exists for key.")
    p = b.request(OP_SET, "nokey", store_extras(), "x", cas=1)
    assert (p.status, p.value) == (ST_NOT_FOUND, b"Not found")
    p = b.request(OP_DELETE, "k", cas=1)
    assert (p.status, p.value) == (ST_EXISTS, b"Data exists for key.")
    good = b.request(OP_GET, "k").cas
    assert b.request(OP_SET, "k", store_extras(), "y", cas=good).status == ST_OK
    assert b.request(OP_GET, "k").value == b"y"
    p = b.request(OP_INCR, "k", arith_extras(1))
    assert (p.status, p.value) == (ST_NON_NUMERIC, b"Non-numeric server-side value for incr or decr")


def test_append_prepend_touch_gat(b):
    b.request(OP_SET, "k", store_extras(9, 0), "mid")
    assert b.request(OP_APPEND, "k", value="-end").status == ST_OK
    assert b.request(OP_PREPEND, "k", value="start-").status == ST_OK
    p = b.request(OP_GET, "k")
    assert (p.value, p.extras) == (b"start-mid-end", struct.pack(">I", 9))
    p = b.request(OP_TOUCH, "k", struct.pack(">I", 100))
    assert (p.status, p.value) == (ST_OK, b"")
    p = b.request(OP_GAT, "k", struct.pack(">I", 100))
    assert (p.status, p.value, p.extras) == (ST_OK, b"start-mid-end", struct.pack(">I", 9))
    p = b.request(OP_TOUCH, "nokey", struct.pack(">I", 100))
    assert (p.status, p.value) == (ST_NOT_FOUND, b"Not found")
    p = b.request(OP_GAT, "nokey", struct.pack(">I", 100))
    assert (p.status, p.value) == (ST_NOT_FOUND, b"Not found")


def test_incr_decr_packets(b):
    # A miss creates the key with the initial value (the delta is not applied) ...
    p = b.request(OP_INCR, "cnt", arith_extras(5, 10), opaque=7)
    assert (p.status, p.opaque, p.value) == (ST_OK, 7, struct.pack(">Q", 10))
    assert p.cas > 0
    p = b.request(OP_INCR, "cnt", arith_extras(5, 10))
    assert p.value == struct.pack(">Q", 15)
    p = b.request(OP_DECR, "cnt", arith_extras(100, 0))
    assert p.value == struct.pack(">Q", 0)
    # ... unless the expiration is 0xffffffff: then a miss is NOT_FOUND.
    p = b.request(OP_INCR, "cnt2", arith_extras(5, 10, 0xffffffff))
    assert (p.status, p.value) == (ST_NOT_FOUND, b"Not found")
    b.request(OP_SET, "w", store_extras(), "18446744073709551615")
    assert b.request(OP_INCR, "w", arith_extras(1)).value == struct.pack(">Q", 0)
    # The stored text: "15" decremented to 0 in place keeps its length, space-padded (as text decr).
    assert b.request(OP_GET, "cnt").value == b"0 "


def test_flush_and_stat(b):
    b.request(OP_SET, "k", store_extras(), "v")
    p = b.request(OP_FLUSH, opaque=3)
    assert (p.opcode, p.status, p.opaque) == (OP_FLUSH, ST_OK, 3)
    assert b.request(OP_GET, "k").status == ST_NOT_FOUND
    # STAT: one packet per statistic, all with the request's opaque, then one with an empty key.
    b.send(bin_request(OP_STAT, opaque=77))
    stats = {}
    while True:
        p = b.read_packet()
        assert (p.opcode, p.status, p.opaque) == (OP_STAT, ST_OK, 77)
        if not p.key:
            assert p.value == b""
            break
        stats[p.key] = p.value
    for field in (b"pid", b"uptime", b"version", b"curr_items", b"cmd_get", b"get_hits"):
        assert field in stats
    b.send(bin_request(OP_STAT, "settings", opaque=78))
    settings = {}
    while True:
        p = b.read_packet()
        if not p.key:
            break
        settings[p.key] = p.value
    assert settings[b"item_size_max"] == b"1048576"


def test_unknown_opcode(b):
    for op in (0x1b + 0x40, 0x55, 0xfe):
        p = b.request(op, opaque=9)
        assert (p.opcode, p.status, p.opaque, p.value) == (op, ST_UNKNOWN_COMMAND, 9, b"Unknown command")
    assert b.request(OP_NOOP, opaque=1).status == ST_OK  # the connection goes on


def test_invalid_arguments_close_the_connection(mc_server, mc):
    # Wrong extras length for the opcode, a key where none is allowed, a missing key, a value on
    # a GET, a key over 250 bytes: status 0x04 "Invalid arguments", then the server closes.
    cases = [
        bin_request(OP_GET, "foo", extras=b"xxxx", opaque=10),
        bin_request(OP_SET, "foo", extras=b"xxxx", value=b"v", opaque=11),
        bin_request(OP_SET, "", store_extras(), b"v", opaque=12),
        bin_request(OP_VERSION, extras=b"abcd", opaque=13),
        bin_request(OP_GET, "foo", value=b"zz", opaque=14),
        bin_request(OP_GET, "k" * 251, opaque=15),
        bin_request(OP_TOUCH, "foo", opaque=16),
    ]
    for pkt in cases:
        with BinConn(mc_server.mc_port) as c:
            c.send(pkt)
            p = c.read_packet()
            opaque = struct.unpack(">I", pkt[12:16])[0]
            assert (p.status, p.value, p.opaque) == (ST_INVALID, b"Invalid arguments", opaque)
            assert c.is_closed_by_server(3), "connection kept open after %r" % pkt[:24]
    with BinConn(mc_server.mc_port) as c:
        assert c.request(OP_SET, "k" * 250, store_extras(), "v").status == ST_OK


def test_value_too_large(b):
    p = b.request(OP_SET, "big", store_extras(), b"x" * 1100000, opaque=13)
    assert (p.status, p.opaque, p.value) == (ST_TOO_LARGE, 13, b"Too large.")
    # The body was consumed: the connection continues.
    assert b.request(OP_NOOP, opaque=1).status == ST_OK
    assert b.request(OP_SET, "big", store_extras(), b"x" * 1000000).status == ST_OK
    assert len(b.request(OP_GET, "big").value) == 1000000


def test_truncated_header_then_close(mc_server, mc):
    for n in (1, 10, 23, 30):
        with BinConn(mc_server.mc_port) as c:
            c.send(bin_request(OP_SET, "foo", store_extras(), "bar")[:n])
            time.sleep(0.02)
            c.sock.shutdown(socket.SHUT_RDWR)
    with BinConn(mc_server.mc_port) as c:
        assert c.request(OP_GET, "foo").status == ST_NOT_FOUND
    assert mc_server.alive()


def test_bad_magic_closes_the_connection(mc_server, mc):
    with BinConn(mc_server.mc_port) as c:
        c.send(bin_request(OP_NOOP, opaque=1) + bin_request(OP_NOOP, opaque=2, magic=0x81)
               + bin_request(OP_NOOP, opaque=3))
        assert c.read_packet().opaque == 1
        assert c.is_closed_by_server(3)
        assert c.buf == b""  # nothing after the first reply
    with BinConn(mc_server.mc_port) as c:
        assert c.request(OP_NOOP, opaque=4).opaque == 4


def test_quit_packets(mc_server, mc):
    with BinConn(mc_server.mc_port) as c:
        p = c.request(OP_QUIT, opaque=99)
        assert (p.opcode, p.status, p.opaque) == (OP_QUIT, ST_OK, 99)
        assert c.is_closed_by_server(3)
    with BinConn(mc_server.mc_port) as c:
        c.send(bin_request(OP_QUITQ, opaque=99))
        assert c.is_closed_by_server(3)
        assert c.buf == b""


def test_binary_and_text_share_items(b, mc_server):
    b.request(OP_SET, "shared", store_extras(42, 0), "val")
    with mc_server.mc_raw(sentinel="version") as t:
        assert t.call(b"get shared\r\n") == b"VALUE shared 42 3\r\nval\r\nEND\r\n"
        assert t.call(b"set t2 7 0 2\r\nxy\r\n") == b"STORED\r\n"
    p = b.request(OP_GET, "t2")
    assert (p.value, p.extras) == (b"xy", struct.pack(">I", 7))
