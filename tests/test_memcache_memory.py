"""Memcached items under maxmemory (tessera only): eviction is the keyspace's policy, and with
noeviction a store that does not fit gets memcached's out-of-memory error."""
import pytest

pytestmark = pytest.mark.tessera_only

VALUE = b"v" * 4000


def fill(m, n, prefix=b"k"):
    """Stores n 4 KB items, 200 per round trip (noreply, then one acknowledged set)."""
    for base in range(0, n, 200):
        batch = b"".join(b"set %s%d 0 0 %d noreply\r\n%s\r\n" % (prefix, i, len(VALUE), VALUE)
                         for i in range(base, min(n, base + 200) - 1))
        last = min(n, base + 200) - 1
        got = m.call(batch + b"set %s%d 0 0 %d\r\n%s\r\n" % (prefix, last, len(VALUE), VALUE))
        if got != b"STORED\r\n":
            return got
    return b"STORED\r\n"


def stat(m, name):
    for line in m.call(b"stats\r\n").split(b"\r\n"):
        parts = line.split()
        if len(parts) == 3 and parts[1] == name:
            return int(parts[2])
    raise AssertionError("no stat %r" % name)


def test_lru_evicts_memcached_items(start_mc_server):
    s = start_mc_server(threads=2, extra_args=["--maxmemory", "20mb", "--maxmemory-policy", "allkeys-lru"])
    m = s.mc_raw(sentinel="version")
    assert fill(m, 15000) == b"STORED\r\n"  # ~60 MB through a 20 MB cache
    assert stat(m, b"evictions") > 0
    assert 0 < stat(m, b"curr_items") < 15000
    assert m.call(b"get k14999\r\n") == b"VALUE k14999 0 4000\r\n%s\r\nEND\r\n" % VALUE
    assert s.client().info("memory")["used_memory"] < 26 * 1024 * 1024


def test_noeviction_refuses_stores_that_do_not_fit(start_mc_server):
    s = start_mc_server(threads=1, extra_args=["--maxmemory", "8mb", "--maxmemory-policy", "noeviction"])
    m = s.mc_raw(sentinel="version")
    got = fill(m, 5000)
    assert got == b"SERVER_ERROR out of memory storing object\r\n"
    assert m.call(b"get k0\r\n") == b"VALUE k0 0 4000\r\n%s\r\nEND\r\n" % VALUE
    assert m.call(b"ms x 2\r\nhi\r\n") == b"SERVER_ERROR out of memory storing object\r\n"
    assert m.call(b"flush_all\r\n") == b"OK\r\n"
    assert m.call(b"set k0 0 0 2\r\nok\r\n") == b"STORED\r\n"
