"""memcached text protocol: storage, retrieval, arithmetic, touch/gat, flush_all, expiry, noreply,
flags, stats, limits (key length, item size), multi-get, large values and pipelining through
pymemcache, and the exact bytes of every error reply through raw sockets.

Every expected byte string was observed from memcached 1.6.18 (TESSERA_TEST_AGAINST_MEMCACHED=1);
where memcached's own behaviour is odd the comment says so, since the reply is pinned anyway.
Raw connections use "version" as the sentinel after each request (McConn.call), so nothing here
depends on the meta protocol.
"""
import re
import socket
import time

import pytest

from helpers import wait_until

KEY_MAX = 250
ITEM_SIZE_MAX = 1024 * 1024  # memcached -I 1m, the default


@pytest.fixture
def tc(mc, mcraw):
    """A raw text connection (sentinel "version") on the flushed module server."""
    return mcraw(sentinel="version")


# --------------------------------------------------------------------------- storage and get
def test_set_get_overwrite_and_miss(mc):
    assert mc.set("a", b"hello") is True
    assert mc.get("a") == b"hello"
    assert mc.set("a", b"world") is True
    assert mc.get("a") == b"world"
    assert mc.get("missing") is None
    assert mc.set("empty", b"") is True
    assert mc.get("empty") == b""
    binary = bytes(range(256)) + b"\r\nEND\r\n"
    assert mc.set("bin", binary) is True
    assert mc.get("bin") == binary


def test_set_get_exact_bytes(tc):
    assert tc.call(b"set a 0 0 5\r\nhello\r\n") == b"STORED\r\n"
    assert tc.call(b"get a\r\n") == b"VALUE a 0 5\r\nhello\r\nEND\r\n"
    assert tc.call(b"get missing\r\n") == b"END\r\n"
    assert tc.call(b"get missing a missing a\r\n") == b"VALUE a 0 5\r\nhello\r\n" * 2 + b"END\r\n"
    # Extra spaces between tokens are accepted; a bare LF ends a line too.
    assert tc.call(b"set  b  0  0  1 \r\nx\r\n") == b"STORED\r\n"
    assert tc.call(b"get  b  a \n") == b"VALUE b 0 1\r\nx\r\nVALUE a 0 5\r\nhello\r\nEND\r\n"


def test_add_and_replace(mc, tc):
    assert mc.add("k", b"1") is True
    assert mc.add("k", b"2") is False
    assert mc.get("k") == b"1"
    assert mc.replace("k", b"3") is True
    assert mc.get("k") == b"3"
    assert mc.replace("nokey", b"x") is False
    assert mc.get("nokey") is None
    assert tc.call(b"add k 0 0 1\r\nx\r\n") == b"NOT_STORED\r\n"
    assert tc.call(b"replace nokey 0 0 1\r\nx\r\n") == b"NOT_STORED\r\n"


def test_append_prepend_keep_flags_and_need_the_key(tc):
    assert tc.call(b"set k 42 0 3\r\nmid\r\n") == b"STORED\r\n"
    assert tc.call(b"append k 7 0 4\r\n-end\r\n") == b"STORED\r\n"
    assert tc.call(b"prepend k 9 0 6\r\nstart-\r\n") == b"STORED\r\n"
    # The flags (and exptime) given to append/prepend are ignored: the item keeps its own.
    assert tc.call(b"get k\r\n") == b"VALUE k 42 13\r\nstart-mid-end\r\nEND\r\n"
    assert tc.call(b"append nokey 0 0 1\r\nx\r\n") == b"NOT_STORED\r\n"
    assert tc.call(b"prepend nokey 0 0 1\r\nx\r\n") == b"NOT_STORED\r\n"
    assert tc.call(b"get nokey\r\n") == b"END\r\n"


def test_gets_and_cas(mc, tc):
    mc.set("k", b"v1")
    value, cas = mc.gets("k")
    assert value == b"v1" and cas.isdigit()
    assert mc.cas("k", b"v2", cas) is True
    assert mc.get("k") == b"v2"
    assert mc.cas("k", b"v3", cas) is False  # the token is stale now
    assert mc.get("k") == b"v2"
    assert mc.cas("nokey", b"x", cas) is None  # NOT_FOUND
    value, cas2 = mc.gets("k")
    assert cas2 != cas
    # Every modification changes the cas unique; reads and touch do not.
    raw = tc.call(b"gets k\r\n")
    m = re.fullmatch(rb"VALUE k 0 2 (\d+)\r\nv2\r\nEND\r\n", raw)
    assert m and m.group(1) == cas2
    assert tc.call(b"touch k 0\r\n") == b"TOUCHED\r\n"
    assert tc.call(b"gets k\r\n") == raw
    assert tc.call(b"cas k 0 0 2 %s\r\nv4\r\n" % cas2) == b"STORED\r\n"
    assert tc.call(b"cas k 0 0 2 %s\r\nv5\r\n" % cas2) == b"EXISTS\r\n"
    assert tc.call(b"cas nokey 0 0 2 %s\r\nv5\r\n" % cas2) == b"NOT_FOUND\r\n"
    assert tc.call(b"get k\r\n") == b"VALUE k 0 2\r\nv4\r\nEND\r\n"


def test_cas_uniques_differ_between_items_and_in_multi_gets(tc):
    tc.call(b"set a 0 0 1\r\n1\r\nset b 0 0 1\r\n2\r\n")
    raw = tc.call(b"gets a b\r\n")
    m = re.fullmatch(rb"VALUE a 0 1 (\d+)\r\n1\r\nVALUE b 0 1 (\d+)\r\n2\r\nEND\r\n", raw)
    assert m, raw
    assert m.group(1) != m.group(2)


def test_delete(mc, tc):
    mc.set("k", b"v")
    assert mc.delete("k") is True
    assert mc.get("k") is None
    assert mc.delete("k") is False
    tc.call(b"set k 0 0 1\r\nv\r\n")
    assert tc.call(b"delete k\r\n") == b"DELETED\r\n"
    assert tc.call(b"delete k\r\n") == b"NOT_FOUND\r\n"
    # A legacy "0" time argument is accepted; any other one is refused.
    tc.call(b"set k 0 0 1\r\nv\r\n")
    assert tc.call(b"delete k 0\r\n") == b"DELETED\r\n"
    assert tc.call(b"delete k 1\r\n") == b"CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n"


# ---------------------------------------------------------------------------------- incr/decr
def test_incr_decr_basics(mc):
    mc.set("n", b"10")
    assert mc.incr("n", 5) == 15
    assert mc.decr("n", 3) == 12
    assert mc.get("n") == b"12"
    assert mc.incr("nokey", 1) is None
    assert mc.decr("nokey", 1) is None
    assert mc.get("nokey") is None


def test_incr_wraps_at_2_64_and_decr_floors_at_0(tc):
    tc.call(b"set n 0 0 20\r\n18446744073709551615\r\n")
    assert tc.call(b"incr n 1\r\n") == b"0\r\n"
    assert tc.call(b"incr n 18446744073709551615\r\n") == b"18446744073709551615\r\n"
    assert tc.call(b"incr n 2\r\n") == b"1\r\n"
    assert tc.call(b"decr n 100\r\n") == b"0\r\n"
    assert tc.call(b"decr n 1\r\n") == b"0\r\n"
    tc.call(b"set n 0 0 1\r\n5\r\n")
    assert tc.call(b"incr n 18446744073709551615\r\n") == b"4\r\n"  # 5 + (2**64 - 1) mod 2**64
    assert tc.call(b"incr n 0\r\n") == b"4\r\n"
    assert tc.call(b"decr n 0\r\n") == b"4\r\n"


def test_incr_decr_errors(tc):
    tc.call(b"set t 0 0 3\r\nabc\r\n")
    non_numeric = b"CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"
    assert tc.call(b"incr t 1\r\n") == non_numeric
    assert tc.call(b"decr t 1\r\n") == non_numeric
    for v in (b"", b"-1", b"5a", b"184467440737095516150"):  # empty, negative, junk, > 2**64 - 1
        tc.call(b"set t 0 0 %d\r\n%s\r\n" % (len(v), v))
        assert tc.call(b"incr t 1\r\n") == non_numeric, v
    tc.call(b"set n 0 0 1\r\n5\r\n")
    bad_delta = b"CLIENT_ERROR invalid numeric delta argument\r\n"
    for d in (b"x", b"-1", b"18446744073709551616", b"1.5"):
        assert tc.call(b"incr n %s\r\n" % d) == bad_delta, d
        assert tc.call(b"decr n %s\r\n" % d) == bad_delta, d
    assert tc.call(b"incr n\r\n") == b"ERROR\r\n"
    assert tc.call(b"get n\r\n") == b"VALUE n 0 1\r\n5\r\nEND\r\n"


def test_incr_non_numeric_through_pymemcache(mc):
    from pymemcache.exceptions import MemcacheClientError
    mc.set("t", b"abc")
    with pytest.raises(MemcacheClientError, match="cannot increment or decrement non-numeric value"):
        mc.incr("t", 1)


def test_incr_decr_length_changes(tc):
    # Growing: a new, longer value.
    tc.call(b"set n 0 0 2\r\n99\r\n")
    assert tc.call(b"incr n 1\r\n") == b"100\r\n"
    assert tc.call(b"get n\r\n") == b"VALUE n 0 3\r\n100\r\nEND\r\n"
    # Shrinking: memcached 1.6.18 rewrites the number in place and pads it with spaces to the old
    # length (protocol.txt allows it: "the number MAY be space-padded at the end"). Pinned, as the
    # differential tests compare such values byte for byte. (memcached only pads when nothing
    # else holds a reference to the item; conftest runs it without the LRU threads that
    # sometimes do, so it pads every time.)
    tc.call(b"set n 7 0 2\r\n10\r\n")
    assert tc.call(b"decr n 1\r\n") == b"9\r\n"
    assert tc.call(b"get n\r\n") == b"VALUE n 7 2\r\n9 \r\nEND\r\n"
    assert tc.call(b"incr n 5\r\n") == b"14\r\n"
    assert tc.call(b"get n\r\n") == b"VALUE n 7 2\r\n14\r\nEND\r\n"
    tc.call(b"set n 0 0 20\r\n18446744073709551615\r\n")
    assert tc.call(b"incr n 1\r\n") == b"0\r\n"
    assert tc.call(b"get n\r\n") == b"VALUE n 0 20\r\n0" + b" " * 19 + b"\r\nEND\r\n"


def test_incr_changes_the_cas_unique(tc):
    tc.call(b"set n 0 0 1\r\n1\r\n")
    cas1 = tc.call(b"gets n\r\n").split(b"\r\n")[0].split()[4]
    tc.call(b"incr n 1\r\n")
    cas2 = tc.call(b"gets n\r\n").split(b"\r\n")[0].split()[4]
    assert cas1 != cas2


# --------------------------------------------------------------------------- touch, gat, gats
def test_touch(mc, tc):
    mc.set("k", b"v")
    assert mc.touch("k", 100) is True
    assert mc.touch("nokey", 100) is False
    assert tc.call(b"touch k 0\r\n") == b"TOUCHED\r\n"
    assert tc.call(b"touch nokey 0\r\n") == b"NOT_FOUND\r\n"
    assert tc.call(b"touch k x\r\n") == b"CLIENT_ERROR invalid exptime argument\r\n"
    assert tc.call(b"touch k 10 noreply\r\n") == b""
    assert mc.get("k") == b"v"


def test_gat_and_gats(tc):
    tc.call(b"set a 3 0 2\r\naa\r\nset b 4 0 2\r\nbb\r\n")
    assert tc.call(b"gat 100 a\r\n") == b"VALUE a 3 2\r\naa\r\nEND\r\n"
    assert tc.call(b"gat 100 a nokey b\r\n") == b"VALUE a 3 2\r\naa\r\nVALUE b 4 2\r\nbb\r\nEND\r\n"
    assert tc.call(b"gat 100 nokey\r\n") == b"END\r\n"
    gets = tc.call(b"gets a\r\n")
    assert tc.call(b"gats 0 a\r\n") == gets  # same line as gets, cas included; touch keeps the cas
    assert re.fullmatch(rb"VALUE a 3 2 \d+\r\naa\r\nVALUE b 4 2 \d+\r\nbb\r\nEND\r\n", tc.call(b"gats 0 a b\r\n"))
    assert tc.call(b"gat x a\r\n") == b"CLIENT_ERROR invalid exptime argument\r\n"
    assert tc.call(b"gats x a\r\n") == b"CLIENT_ERROR invalid exptime argument\r\n"
    assert tc.call(b"gat\r\n") == b"ERROR\r\n"
    # A negative exptime returns the item, then it is gone.
    assert tc.call(b"gat -1 a\r\n") == b"VALUE a 3 2\r\naa\r\nEND\r\n"
    assert tc.call(b"get a\r\n") == b"END\r\n"


# -------------------------------------------------------------------------- flush_all, expiry
def test_flush_all(mc, tc):
    mc.set_many({"a": b"1", "b": b"2"})
    assert mc.flush_all(noreply=False) is True
    assert mc.get_many(["a", "b"]) == {}
    tc.call(b"set a 0 0 1\r\n1\r\n")
    assert tc.call(b"flush_all\r\n") == b"OK\r\n"
    assert tc.call(b"get a\r\n") == b"END\r\n"
    tc.call(b"set a 0 0 1\r\n1\r\n")
    assert tc.call(b"flush_all noreply\r\n") == b""
    assert tc.call(b"get a\r\n") == b"END\r\n"
    assert tc.call(b"flush_all 0\r\n") == b"OK\r\n"
    assert tc.call(b"flush_all x\r\n") == b"CLIENT_ERROR invalid exptime argument\r\n"
    # Items stored after a flush are kept.
    assert tc.call(b"set a 0 0 1\r\n1\r\n") == b"STORED\r\n"
    assert tc.call(b"get a\r\n") == b"VALUE a 0 1\r\n1\r\nEND\r\n"


def test_flush_all_with_delay(tc):
    tc.call(b"set a 0 0 1\r\n1\r\n")
    assert tc.call(b"flush_all 2\r\n") == b"OK\r\n"
    assert tc.call(b"get a\r\n") == b"VALUE a 0 1\r\n1\r\nEND\r\n"  # still there until the delay
    t0 = time.monotonic()
    assert wait_until(lambda: tc.call(b"get a\r\n") == b"END\r\n", timeout=5, interval=0.1), \
        "flush_all 2 did not invalidate the item within 5 s"
    assert time.monotonic() - t0 < 4.5


def test_expiry_relative_absolute_negative_and_extended(tc):
    now = int(time.time())
    assert tc.call(b"set rel 0 2 1\r\nr\r\n") == b"STORED\r\n"
    assert tc.call(b"set abs 0 %d 1\r\na\r\n" % (now + 2)) == b"STORED\r\n"  # > 30 days: unix time
    assert tc.call(b"set never 0 0 1\r\nn\r\n") == b"STORED\r\n"
    assert tc.call(b"set touched 0 2 1\r\nt\r\n") == b"STORED\r\n"
    assert tc.call(b"set gatted 0 2 1\r\ng\r\n") == b"STORED\r\n"
    assert tc.call(b"touch touched 100\r\n") == b"TOUCHED\r\n"
    assert tc.call(b"gat 100 gatted\r\n") == b"VALUE gatted 0 1\r\ng\r\nEND\r\n"
    # Negative, and absolute times in the past, are expired at once (the store still succeeds).
    assert tc.call(b"set neg 0 -1 1\r\nx\r\n") == b"STORED\r\n"
    assert tc.call(b"set past 0 %d 1\r\nx\r\n" % (now - 100)) == b"STORED\r\n"
    assert tc.call(b"set old 0 1000000000 1\r\nx\r\n") == b"STORED\r\n"
    assert tc.call(b"get neg past old\r\n") == b"END\r\n"
    assert tc.call(b"get rel abs\r\n") == b"VALUE rel 0 1\r\nr\r\nVALUE abs 0 1\r\na\r\nEND\r\n"
    t0 = time.monotonic()
    assert wait_until(lambda: tc.call(b"get rel abs\r\n") == b"END\r\n", timeout=5, interval=0.1), \
        "items with a 2 s relative / absolute expiry still there after 5 s: %r" % tc.call(b"get rel abs\r\n")
    assert time.monotonic() - t0 < 4.5
    assert tc.call(b"get never touched gatted\r\n") == (
        b"VALUE never 0 1\r\nn\r\nVALUE touched 0 1\r\nt\r\nVALUE gatted 0 1\r\ng\r\nEND\r\n")
    # touch with a negative time expires the item.
    assert tc.call(b"touch never -1\r\n") == b"TOUCHED\r\n"
    assert tc.call(b"get never\r\n") == b"END\r\n"


# ----------------------------------------------------------------------------------- noreply
def test_noreply_suppresses_replies_and_still_applies(tc):
    cmds = [
        b"set k 0 0 1 noreply\r\n1\r\n",
        b"add k 0 0 1 noreply\r\n2\r\n",  # NOT_STORED, silent
        b"add j 0 0 1 noreply\r\n5\r\n",
        b"replace k 0 0 1 noreply\r\n3\r\n",
        b"replace nokey 0 0 1 noreply\r\n3\r\n",
        b"append k 0 0 1 noreply\r\n4\r\n",
        b"prepend k 0 0 1 noreply\r\n2\r\n",
        b"incr k 1 noreply\r\n",
        b"decr j 2 noreply\r\n",
        b"incr nokey 1 noreply\r\n",
        b"touch k 0 noreply\r\n",
        b"delete nokey noreply\r\n",
        b"verbosity 0 noreply\r\n",
    ]
    for c in cmds:
        assert tc.call(c) == b"", c
    assert tc.call(b"get k j\r\n") == b"VALUE k 0 3\r\n235\r\nVALUE j 0 1\r\n3\r\nEND\r\n"
    cas = tc.call(b"gets k\r\n").split()[4]
    assert tc.call(b"cas k 0 0 1 %s noreply\r\nx\r\n" % cas) == b""
    assert tc.call(b"cas k 0 0 1 %s noreply\r\ny\r\n" % cas) == b""  # EXISTS, silent
    assert tc.call(b"delete j noreply\r\n") == b""
    assert tc.call(b"get k j\r\n") == b"VALUE k 0 1\r\nx\r\nEND\r\n"
    # memcached's noreply silences errors too (non-numeric incr, a bad command line).
    assert tc.call(b"incr k 1 noreply\r\n") == b""
    assert tc.call(b"set k 0 0 -1 noreply\r\n") == b""
    assert tc.call(b"flush_all noreply\r\n") == b""
    assert tc.call(b"get k\r\n") == b"END\r\n"


# ------------------------------------------------------------------------------------- flags
def test_flags_round_trip(mc, tc):
    for flags in (0, 1, 12345, 2 ** 31, 2 ** 32 - 1):
        assert tc.call(b"set f %d 0 1\r\nx\r\n" % flags) == b"STORED\r\n"
        assert tc.call(b"get f\r\n") == b"VALUE f %d 1\r\nx\r\nEND\r\n" % flags
    assert mc.set("g", b"y", flags=2 ** 32 - 1) is True
    assert tc.call(b"get g\r\n") == b"VALUE g 4294967295 1\r\ny\r\nEND\r\n"
    assert tc.call(b"set f -1 0 1\r\nx\r\n") == b"CLIENT_ERROR bad command line format\r\nERROR\r\n"


# ------------------------------------------------------------------------ version, verbosity
def test_version(mc, tc):
    tc.send(b"version\r\n")
    line = tc.read_line()
    assert re.fullmatch(rb"VERSION [0-9A-Za-z.+_-]+\r\n", line), line
    assert mc.version() == line[8:-2]


def test_verbosity(tc):
    assert tc.call(b"verbosity 1\r\n") == b"OK\r\n"
    assert tc.call(b"verbosity 0\r\n") == b"OK\r\n"
    assert tc.call(b"verbosity 1 noreply\r\n") == b""
    assert tc.call(b"verbosity\r\n") == b"ERROR\r\n"
    assert tc.call(b"verbosity 0\r\n") == b"OK\r\n"


# ------------------------------------------------------------------------------------- stats
def test_stats_general_fields_exist_and_move(start_mc_server):
    # A fresh server: after a flush_all memcached still counts the flushed items in curr_items
    # until it reclaims them, lazily, so exact deltas need a server that never flushed.
    srv = start_mc_server()
    c = srv.mc_raw(sentinel="version")
    extra = []
    try:
        s0 = c.stats()
        for field in ("pid", "uptime", "time", "version", "curr_connections", "total_connections", "cmd_get",
                      "cmd_set", "get_hits", "get_misses", "curr_items", "total_items", "bytes", "evictions",
                      "threads", "limit_maxbytes"):
            assert field in s0, "stats lacks %s" % field
        for field in ("uptime", "time", "curr_connections", "total_connections", "cmd_get", "cmd_set", "get_hits",
                      "get_misses", "curr_items", "total_items", "bytes", "evictions", "limit_maxbytes"):
            assert s0[field].isdigit(), (field, s0[field])
        assert int(s0["pid"]) == srv.proc.pid
        assert abs(int(s0["time"]) - time.time()) <= 5
        c.send(b"version\r\n")
        assert c.read_line() == b"VERSION %s\r\n" % s0["version"]
        assert int(s0["threads"]) == srv.threads
        assert int(s0["evictions"]) == 0

        for k in (b"a", b"b", b"c"):
            assert c.call(b"set %s 0 0 10\r\n0123456789\r\n" % k) == b"STORED\r\n"
        c.get_reply(b"get a b nokey\r\n")
        s1 = c.stats()
        assert int(s1["cmd_set"]) - int(s0["cmd_set"]) == 3
        assert int(s1["cmd_get"]) - int(s0["cmd_get"]) == 3  # one per key requested
        assert int(s1["get_hits"]) - int(s0["get_hits"]) == 2
        assert int(s1["get_misses"]) - int(s0["get_misses"]) == 1
        assert int(s1["curr_items"]) - int(s0["curr_items"]) == 3
        assert int(s1["total_items"]) - int(s0["total_items"]) == 3
        assert int(s1["bytes"]) > int(s0["bytes"])
        assert int(s1["uptime"]) >= int(s0["uptime"])
        assert c.call(b"delete a\r\n") == b"DELETED\r\n"
        assert int(c.stats()["curr_items"]) - int(s0["curr_items"]) == 2

        # Connections: three more clients are counted while open, and in total_connections.
        extra = [srv.mc_raw(sentinel="version") for _ in range(3)]
        for e in extra:
            assert e.call(b"") == b""  # served, so certainly accepted
        s2 = c.stats()
        assert int(s2["curr_connections"]) - int(s1["curr_connections"]) == 3
        assert int(s2["total_connections"]) - int(s1["total_connections"]) == 3
        for e in extra:
            e.close()
        assert wait_until(lambda: int(c.stats()["curr_connections"]) == int(s1["curr_connections"]), timeout=5), \
            "curr_connections did not drop back after the clients closed"
    finally:
        for x in [c] + extra:
            x.close()


def test_stats_settings_items_slabs(mc, mcraw):
    c = mcraw(sentinel="version")
    assert c.call(b"set a 0 0 1\r\nx\r\n") == b"STORED\r\n"
    settings = c.stats("settings")
    assert settings["item_size_max"] == b"%d" % ITEM_SIZE_MAX
    # stats items / slabs: well-formed "STAT <name> <value>" lines then END (checked by stats()).
    c.stats("items")
    c.stats("slabs")
    assert c.call(b"stats nosuchgroup\r\n") == b"ERROR\r\n"


def test_stats_through_pymemcache(mc):
    mc.set("a", b"x")
    mc.get("a")
    st = mc.stats()
    assert st[b"curr_items"] >= 1 and st[b"get_hits"] >= 1
    assert int(mc.stats("settings")[b"item_size_max"]) == ITEM_SIZE_MAX


# ------------------------------------------------------------------------------------ limits
def test_key_length_250_ok_251_refused(mc, tc):
    k250 = b"k" * KEY_MAX
    k251 = b"k" * (KEY_MAX + 1)
    assert tc.call(b"set %s 0 0 1\r\nx\r\n" % k250) == b"STORED\r\n"
    assert tc.call(b"get %s\r\n" % k250) == b"VALUE %s 0 1\r\nx\r\nEND\r\n" % k250
    assert mc.get(k250.decode()) == b"x"
    bad = b"CLIENT_ERROR bad command line format\r\n"
    # A storage command with a too-long key is refused before its data block, which is then read
    # as a command line: memcached 1.6.18 answers it with ERROR (pinned).
    assert tc.call(b"set %s 0 0 1\r\nx\r\n" % k251) == bad + b"ERROR\r\n"
    assert tc.call(b"get %s\r\n" % k251) == bad
    # A multi-get with one too-long key answers only the error, none of the hits before it.
    assert tc.call(b"get %s %s %s\r\n" % (k250, k251, k250)) == bad
    for cmd in (b"gets %s", b"delete %s", b"incr %s 1", b"decr %s 1", b"touch %s 0", b"gat 0 %s"):
        assert tc.call(cmd % k251 + b"\r\n") == bad, cmd


def test_item_size_limit(mc, tc):
    ok = b"x" * 1000000
    assert mc.set("big", ok) is True
    assert mc.get("big") == ok
    too_large = b"SERVER_ERROR object too large for cache\r\n"
    for n in (ITEM_SIZE_MAX + 1, 1100000):
        # The data block is read and dropped: the next command line is served normally.
        assert tc.call(b"set other 0 0 %d\r\n%s\r\n" % (n, b"y" * n)) == too_large, n
        assert tc.call(b"get other\r\n") == b"END\r\n"
    # memcached drops the old value when a set is too large (so no stale value survives); an add,
    # append or prepend that is too large leaves the item alone.
    assert tc.call(b"set big 0 0 1\r\nx\r\n") == b"STORED\r\n"
    assert tc.call(b"set big 0 0 1100000\r\n%s\r\n" % (b"y" * 1100000)) == too_large
    assert tc.call(b"get big\r\n") == b"END\r\n"
    assert tc.call(b"set big 0 0 1\r\nx\r\n") == b"STORED\r\n"
    for cmd in (b"add", b"append", b"prepend"):
        assert tc.call(b"%s big 0 0 1100000\r\n%s\r\n" % (cmd, b"y" * 1100000)) == too_large, cmd
        assert tc.call(b"get big\r\n") == b"VALUE big 0 1\r\nx\r\nEND\r\n", cmd
    # noreply silences it like any other reply.
    assert tc.call(b"set big2 0 0 1100000 noreply\r\n%s\r\n" % (b"y" * 1100000)) == b""


def test_item_size_max_setting(start_mc_server):
    # memcached -I 2m; Tessera's --memcached-item-size-max 2mb.
    srv = start_mc_server(extra_args=["--memcached-item-size-max", "2mb"], memcached_args=["-I", "2m"])
    with srv.mc_raw(sentinel="version") as c:
        assert c.stats("settings")["item_size_max"] == b"2097152"
        v = b"v" * 2000000
        assert c.call(b"set big 0 0 %d\r\n%s\r\n" % (len(v), v)) == b"STORED\r\n"
        assert c.get_reply(b"get big\r\n") == b"VALUE big 0 %d\r\n%s\r\nEND\r\n" % (len(v), v)
        n = 2 * 1024 * 1024 + 1
        assert c.call(b"set big2 0 0 %d\r\n%s\r\n" % (n, b"w" * n)) == b"SERVER_ERROR object too large for cache\r\n"


def test_many_keys_in_one_get(mc, tc):
    items = {"key:%04d" % i: b"value-%d" % i for i in range(300)}
    assert mc.set_many(items) == []
    wanted = list(items) + ["missing:%d" % i for i in range(50)]
    assert mc.get_many(wanted) == items
    # Raw: replies follow the request order, misses are skipped, repeats are repeated.
    order = ["key:0005", "missing:1", "key:0002", "key:0005", "key:0299"]
    raw = tc.get_reply(("get %s\r\n" % " ".join(order)).encode())
    want = b"".join(b"VALUE %s 0 %d\r\n%s\r\n" % (k.encode(), len(items[k]), items[k]) for k in order if k in items)
    assert raw == want + b"END\r\n"
    # A request line over 2 KB (well past a single read) with 2,000 keys.
    long_keys = [k for k in items] * 7
    raw = tc.get_reply(("get %s\r\n" % " ".join(long_keys)).encode())
    assert raw.count(b"VALUE ") == len(long_keys) and raw.endswith(b"END\r\n")


def test_large_values(mc, tc):
    vals = {"l%d" % i: bytes([65 + i]) * (300000 + i * 77777) for i in range(3)}
    for k, v in vals.items():
        assert mc.set(k, v) is True
    for k, v in vals.items():
        assert mc.get(k) == v
    assert mc.get_many(list(vals)) == vals
    raw = tc.get_reply(b"get l0 l1 l2\r\n")
    assert raw == b"".join(b"VALUE %s 0 %d\r\n%s\r\n" % (k.encode(), len(v), v) for k, v in vals.items()) + b"END\r\n"
    # A large value sent in small pieces.
    v = bytes(range(256)) * 2000
    tc.send(b"set pieces 0 0 %d\r\n" % len(v))
    for i in range(0, len(v), 65536):
        tc.send(v[i:i + 65536])
        time.sleep(0.001)
    tc.send(b"\r\n")
    assert tc.read_line() == b"STORED\r\n"
    assert mc.get("pieces") == v


def test_pipelining_many_commands_in_one_send(tc):
    req = bytearray()
    want = bytearray()
    for i in range(200):
        v = b"v%d" % i
        req += b"set p%d %d 0 %d\r\n%s\r\n" % (i, i, len(v), v)
        want += b"STORED\r\n"
        req += b"get p%d\r\n" % i
        want += b"VALUE p%d %d %d\r\n%s\r\nEND\r\n" % (i, i, len(v), v)
        if i % 10 == 0:
            req += b"incr c 1\r\n" if i else b"set c 0 0 1\r\n0\r\n"
            want += b"%d\r\n" % (i // 10) if i else b"STORED\r\n"
            req += b"delete p%d\r\n" % i
            want += b"DELETED\r\n"
            req += b"bogus\r\n"
            want += b"ERROR\r\n"
    assert tc.call(bytes(req)) == bytes(want)


# --------------------------------------------------------------------------- raw-socket errors
def test_unknown_commands(tc):
    assert tc.call(b"foo\r\n") == b"ERROR\r\n"
    assert tc.call(b"foo bar baz\r\n") == b"ERROR\r\n"
    assert tc.call(b"GET a\r\n") == b"ERROR\r\n"  # commands are case-sensitive
    assert tc.call(b"\r\n") == b"ERROR\r\n"
    assert tc.call(b" \r\n") == b"ERROR\r\n"
    assert tc.call(b"stats nosuchgroup\r\n") == b"ERROR\r\n"
    # Wrong number of tokens.
    for line in (b"get", b"set k 0 0", b"set k", b"set", b"incr k", b"touch k", b"cas k 0 0 1", b"set k 0 0 1 2 3",
                 b"verbosity 0 0 0"):
        assert tc.call(line + b"\r\n") == b"ERROR\r\n", line


def test_malformed_command_lines(tc):
    bad = b"CLIENT_ERROR bad command line format\r\n"
    for line in (b"set k 0 x 1", b"set k 0 0 x", b"set k 0 0 -1", b"verbosity x"):
        assert tc.call(line + b"\r\n") == bad, line
    # memcached refuses the line before reading the data block, so the block is then read as a
    # command line and answered ERROR (pinned: that is what clients see from memcached 1.6.18).
    for line in (b"set k x 0 1", b"set k -1 0 1", b"cas k 0 0 1 x"):
        assert tc.call(line + b"\r\nq\r\n") == bad + b"ERROR\r\n", line
    assert tc.call(b"get k\r\n") == b"END\r\n"


def test_bad_data_chunk(tc):
    chunk = b"CLIENT_ERROR bad data chunk\r\n"
    # Exactly <bytes>+2 bytes are read as the block; when they do not end in CRLF the store is
    # refused, and whatever follows is parsed as commands (here "\r\n": an empty line, ERROR).
    assert tc.call(b"set k 0 0 1\r\nxyz\r\n") == chunk + b"ERROR\r\n"
    assert tc.call(b"set k 0 0 1\r\nxy\r\n") == chunk + b"ERROR\r\n"  # "xy\r" read, "\n" left
    assert tc.call(b"set k 0 0 2\r\nabcd zz\r\n") == chunk + b"ERROR\r\n"
    assert tc.call(b"get k\r\n") == b"END\r\n"  # none of them stored anything
    tc.call(b"set k 0 0 3\r\nold\r\n")
    assert tc.call(b"set k 0 0 1\r\nxyz\r\n") == chunk + b"ERROR\r\n"
    assert tc.call(b"get k\r\n") == b"VALUE k 0 3\r\nold\r\nEND\r\n"  # the old value stays
    # noreply silences the error; the leftover is still an (answered) empty line.
    assert tc.call(b"set k 0 0 1 noreply\r\nxyz\r\n") == b"ERROR\r\n"


def test_overlong_line_without_newline_closes_the_connection(mc_server, mc, mcraw):
    c = mcraw()
    c.send(b"x" * 4096)
    # memcached closes a connection whose first 2 KB hold no newline (unless it is a get/gets
    # line, a long multi-get), without sending anything.
    assert c.read_until_close(timeout=5) == b""
    with mcraw(sentinel="version") as other:
        assert other.call(b"set k 0 0 1\r\nv\r\nget k\r\n") == b"STORED\r\nVALUE k 0 1\r\nv\r\nEND\r\n"
    assert mc_server.alive()


def test_long_get_line_arriving_in_pieces(tc):
    tc.call(b"set a 0 0 1\r\nx\r\n")
    line = b"get " + b"a " * 3000 + b"\r\n"
    tc.send(line[:3000])
    time.sleep(0.05)
    tc.send(line[3000:])
    raw = tc.get_reply(b"")
    assert raw == b"VALUE a 0 1\r\nx\r\n" * 3000 + b"END\r\n"


def test_garbage_bytes_are_unknown_commands(tc):
    assert tc.call(b"\x01\x02\xfe\xff\r\n") == b"ERROR\r\n"
    assert tc.call(b"\x7f\x1b[A\xc3\xa9\r\n") == b"ERROR\r\n"
    assert tc.call(b"set k 0 0 1\r\nv\r\n") == b"STORED\r\n"


def test_connection_closed_in_the_middle_of_a_data_block(mc_server, mc, mcraw):
    for partial in (b"set k 0 0 100\r\nabc", b"set k 0 0 100\r\n", b"set k 0 0", b"get k", b"set k 0 0 3\r\nabc\r"):
        c = mcraw()
        c.send(partial)
        time.sleep(0.02)
        c.sock.shutdown(socket.SHUT_RDWR)
        c.close()
    with mcraw(sentinel="version") as other:
        assert other.call(b"get k\r\n") == b"END\r\n"
        assert other.call(b"set k 0 0 1\r\nv\r\n") == b"STORED\r\n"
    assert mc_server.alive()


def test_quit(mc_server, mc, mcraw):
    c = mcraw()
    c.send(b"quit\r\nversion\r\n")
    assert c.read_until_close(timeout=5) == b""  # closed at once, later commands are not run
    c = mcraw()
    c.send(b"version\r\nquit\r\n")
    assert c.read_until_close(timeout=5).startswith(b"VERSION ")
    with mcraw(sentinel="version") as other:
        assert other.call(b"get k\r\n") == b"END\r\n"
