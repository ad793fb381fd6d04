"""memccapable (libmemcached-tools' protocol conformance checker) in ASCII and binary mode, and the
Tessera-only cross-protocol checks: items are shared between the memcached port and the Redis
port (db 0), flags and expiry included."""
import os
import re
import shutil
import subprocess

import pytest

from helpers import wait_until

MEMCCAPABLE = shutil.which("memccapable") or "/usr/bin/memccapable"


def run_memccapable(port, mode):
    # -t: io timeout in seconds, so a server that does not answer fails a check instead of
    # hanging it (the whole run takes ~2.5 s against memcached).
    proc = subprocess.run([MEMCCAPABLE, "-h", "127.0.0.1", "-p", str(port), "-t", "5", mode],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    return proc.returncode, proc.stdout.decode(errors="replace")


@pytest.mark.parametrize("mode,count", [("-a", 27), ("-b", 27)])
def test_memccapable(mc_server, mc, mode, count):
    if not os.path.exists(MEMCCAPABLE):
        pytest.skip("memccapable not installed (libmemcached-tools)")
    rc, out = run_memccapable(mc_server.mc_port, mode)
    results = re.findall(r"^(ascii|binary) (.+?)\s+\[(\w+)\]$", out, re.M)
    failed = [r for r in results if r[2] != "pass"]
    assert rc == 0 and not failed and "All tests passed" in out, "memccapable %s: rc=%d\n%s" % (mode, rc, out)
    assert len(results) == count, out  # every check ran (none skipped by an early exit)
    assert all(r[0] == ("ascii" if mode == "-a" else "binary") for r in results)
    assert mc_server.alive()


# ------------------------------------------------------------------------------ cross-protocol
@pytest.fixture
def r_mc(mc_server, mc):
    """redis-py on the RESP port of the same (flushed) Tessera."""
    c = mc_server.client()
    yield c
    c.close()


@pytest.mark.tessera_only
def test_memcached_set_visible_to_redis(mc_server, mc, r_mc, mcraw):
    t = mcraw(sentinel="version")
    assert t.call(b"set k 42 100 5\r\nhello\r\n") == b"STORED\r\n"
    assert r_mc.get("k") == b"hello"
    assert 98 <= r_mc.ttl("k") <= 100  # the memcached exptime is the Redis TTL
    assert r_mc.type("k") == b"string"
    # Reading it over Redis leaves the memcached flags alone.
    assert t.call(b"get k\r\n") == b"VALUE k 42 5\r\nhello\r\nEND\r\n"
    assert t.call(b"set never 7 0 1\r\nx\r\n") == b"STORED\r\n"
    assert r_mc.ttl("never") == -1
    assert r_mc.dbsize() == 2


@pytest.mark.tessera_only
def test_redis_set_visible_to_memcached(mc_server, mc, r_mc, mcraw):
    t = mcraw(sentinel="version")
    assert r_mc.set("rk", "world") is True
    assert t.call(b"get rk\r\n") == b"VALUE rk 0 5\r\nworld\r\nEND\r\n"  # flags 0
    assert r_mc.set("rt", "v", ex=100) is True
    m = mcraw()
    raw = m.call(b"mg rt t v\r\n")
    assert re.fullmatch(rb"VA 1 t(100|99|98)\r\nv\r\n", raw), raw
    # Arithmetic on a number written over Redis, and the result read back over Redis.
    r_mc.set("n", "10")
    assert t.call(b"incr n 5\r\n") == b"15\r\n"
    assert r_mc.get("n") == b"15"
    assert r_mc.incrby("n", 5) == 20
    assert t.call(b"get n\r\n") == b"VALUE n 0 2\r\n20\r\nEND\r\n"


@pytest.mark.tessera_only
def test_deletes_expiry_and_flush_are_shared(mc_server, mc, r_mc, mcraw):
    t = mcraw(sentinel="version")
    t.call(b"set a 1 0 1\r\n1\r\nset b 2 0 1\r\n2\r\nset c 3 0 1\r\n3\r\n")
    assert r_mc.delete("a") == 1
    assert t.call(b"get a\r\n") == b"END\r\n"
    assert t.call(b"delete b\r\n") == b"DELETED\r\n"
    assert r_mc.exists("b") == 0
    # A Redis EXPIRE is the item's exptime; a memcached touch is the key's TTL.
    assert r_mc.expire("c", 100) is True
    assert re.fullmatch(rb"HD t(100|99|98)\r\n", mcraw().call(b"mg c t\r\n"))
    assert t.call(b"touch c 0\r\n") == b"TOUCHED\r\n"
    assert r_mc.ttl("c") == -1
    t.call(b"set gone 0 1 1\r\nx\r\n")
    assert wait_until(lambda: r_mc.exists("gone") == 0, timeout=4), "a 1 s memcached exptime did not expire the key"
    # flush_all empties db 0.
    r_mc.set("rk", "v")
    assert t.call(b"flush_all\r\n") == b"OK\r\n"
    assert r_mc.dbsize() == 0


@pytest.mark.tessera_only
def test_memcached_config_settings(mc_server, r_mc):
    assert r_mc.config_get("memcached-port") == {"memcached-port": str(mc_server.mc_port)}
    assert r_mc.config_get("memcached-udp-port") == {"memcached-udp-port": str(mc_server.udp_port)}
    assert r_mc.config_get("memcached-item-size-max") == {"memcached-item-size-max": "1048576"}
