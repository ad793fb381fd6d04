"""Memcached items through Tessera's durability (tessera only): the log and snapshots keep the
value, the client flags and the TTL of every item written over the memcached port, including
writes that memcached makes conditional on a CAS (replayed without the CAS check)."""
import time

import pytest
from persist_helpers import kill9, restart, sigterm_and_wait

pytestmark = pytest.mark.tessera_only


def populate(m):
    assert m.call(b"set plain 7 0 5\r\nhello\r\n") == b"STORED\r\n"
    assert m.call(b"set ttl 4294967295 1000 3\r\nabc\r\n") == b"STORED\r\n"
    assert m.call(b"set n 0 0 2\r\n10\r\n") == b"STORED\r\n"
    assert m.call(b"decr n 1\r\n") == b"9\r\n"  # stored as "9 " (memcached pads in place)
    assert m.call(b"append plain 0 0 3\r\n!!!\r\n") == b"STORED\r\n"
    raw = m.call(b"gets plain\r\n")
    cas = int(raw.split(b"\r\n")[0].split()[-1])
    assert m.call(b"cas plain 9 0 3 %d\r\nnew\r\n" % cas) == b"STORED\r\n"
    assert m.call(b"cas plain 9 0 3 %d\r\nold\r\n" % cas) == b"EXISTS\r\n"
    assert m.call(b"ms meta 4 F12 T500\r\nmeta\r\n") == b"HD\r\n"
    assert m.call(b"set gone 0 0 1\r\nx\r\n") == b"STORED\r\n"
    assert m.call(b"delete gone\r\n") == b"DELETED\r\n"
    assert m.call(b"set expired 0 -1 1\r\nx\r\n") == b"STORED\r\n"


def check(m, r):
    assert m.call(b"get plain n meta gone expired\r\n") == (
        b"VALUE plain 9 3\r\nnew\r\nVALUE n 0 2\r\n9 \r\nVALUE meta 12 4\r\nmeta\r\nEND\r\n")
    assert m.call(b"mg ttl f v\r\n") == b"VA 3 f4294967295\r\nabc\r\n"
    assert 900 <= r.ttl("ttl") <= 1000
    assert 400 <= r.ttl("meta") <= 500
    assert r.get("plain") == b"new"


@pytest.mark.parametrize("how", ["log", "snapshot"])
def test_items_survive_a_restart(start_mc_server, how):
    extra = ["--appendonly", "yes", "--appendfsync", "always"] if how == "log" else []
    s = start_mc_server(threads=2, extra_args=extra)
    m = s.mc_raw()
    r = s.client()
    populate(m)
    if how == "snapshot":
        assert r.save()
        sigterm_and_wait(s)
    else:
        kill9(s)
    restart(s, threads=3)
    check(s.mc_raw(), s.client())


def test_rewrite_keeps_flags_and_log_tail_replays(start_mc_server):
    s = start_mc_server(threads=2, extra_args=["--appendonly", "yes"])
    m = s.mc_raw()
    populate(m)
    r = s.client()
    r.bgrewriteaof()
    deadline = time.monotonic() + 20
    while r.info("persistence")["aof_rewrite_in_progress"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert m.call(b"set after 3 0 1\r\nz\r\n") == b"STORED\r\n"
    kill9(s)
    restart(s)
    m = s.mc_raw()
    check(m, s.client())
    assert m.call(b"get after\r\n") == b"VALUE after 3 1\r\nz\r\nEND\r\n"


def test_flush_all_is_logged(start_mc_server):
    s = start_mc_server(threads=2, extra_args=["--appendonly", "yes"])
    m = s.mc_raw()
    assert m.call(b"set a 0 0 1\r\n1\r\n") == b"STORED\r\n"
    assert m.call(b"flush_all\r\n") == b"OK\r\n"
    assert m.call(b"set b 0 0 1\r\n2\r\n") == b"STORED\r\n"
    kill9(s)
    restart(s)
    assert s.mc_raw().call(b"get a b\r\n") == b"VALUE b 0 1\r\n2\r\nEND\r\n"
