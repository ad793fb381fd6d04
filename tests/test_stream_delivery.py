"""At-least-once delivery through a consumer group: a producer appends N entries (pipelined),
three consumers of one group read with XREADGROUP COUNT and acknowledge what they processed,
one of them dies mid-way (its connection closed with entries unacknowledged) and another takes
its pending entries over with XAUTOCLAIM. Every entry is processed at least once, none is lost,
and each consumer sees the new entries it reads in ID order. The second test does the same
across a kill -9 with appendonly and a restart: nothing acknowledged is lost, nothing delivered
and unacknowledged leaves the pending list.

N is 100k at TESSERA_TEST_THREADS=4 (the CI's main pass) and 20k otherwise.
"""
import os

import pytest

from persist_helpers import asan_build, kill9, restart, start_server  # noqa: F401 (fixture)

N = 100_000 if os.environ.get("TESSERA_TEST_THREADS") == "4" and not asan_build() else 20_000
BATCH = 100
KEY, GROUP = "jobs", "workers"


def produce(c, n):
    ids = []
    for lo in range(0, n, 5000):
        p = c.pipeline(transaction=False)
        for i in range(lo, min(n, lo + 5000)):
            p.xadd(KEY, {"job": i})
        ids += p.execute()
    assert len(set(ids)) == n and ids == sorted(ids, key=lambda x: tuple(map(int, x.split(b"-"))))
    return ids


class Consumer:
    def __init__(self, client, name):
        self.c, self.name = client, name
        self.seen = []  # ids of new entries, in the order read

    def read(self, ack=True):
        """One XREADGROUP of new entries; returns the ids (acknowledged unless ack=False)."""
        got = self.c.xreadgroup(GROUP, self.name, {KEY: ">"}, count=BATCH)
        ids = [e[0] for e in got[0][1]] if got else []
        self.seen += ids
        if ids and ack:
            assert self.c.xack(KEY, GROUP, *ids) == len(ids)
        return ids


def idkey(i):
    return tuple(map(int, i.split(b"-")))


def claim_all(c, name):
    """XAUTOCLAIM everything pending onto `name`, acknowledging it; returns the ids."""
    claimed, cursor = [], "0-0"
    c.response_callbacks.pop("XAUTOCLAIM", None)  # keep 7.0's reply: cursor, ids, deleted ids
    while True:
        cursor, ids, _ = c.execute_command("XAUTOCLAIM", KEY, GROUP, name, 0, cursor, "COUNT", 500,
                                           "JUSTID")
        if ids:
            assert c.xack(KEY, GROUP, *ids) == len(ids)
        claimed += ids
        if cursor == b"0-0":
            return claimed


def check_in_order(consumers):
    for con in consumers:
        assert con.seen == sorted(con.seen, key=idkey), con.name


def test_delivery_with_a_dead_consumer(start_server):
    s = start_server(threads=int(os.environ.get("TESSERA_TEST_THREADS", "2")))
    prod = s.client()
    ids = produce(prod, N)
    prod.xgroup_create(KEY, GROUP, id="0")
    a, b, c = (Consumer(s.client(), n) for n in ("a", "b", "c"))
    processed = set()
    rounds = 0
    while True:
        rounds += 1
        got = a.read() + b.read()
        if c is not None:
            if rounds == N // BATCH // 6:
                c.read(ack=False)  # read, then die before acknowledging
                c.c.close()
                c_seen, c = c.seen, None
            else:
                got += c.read()
        processed.update(got)
        if not got:
            break
    processed.update(claim_all(a.c, "a"))
    assert processed == set(ids)
    assert prod.xpending(KEY, GROUP)["pending"] == 0
    assert len(c_seen) > 0 and set(c_seen) <= processed
    check_in_order([a, b])
    assert prod.xlen(KEY) == N


@pytest.mark.tessera_only
def test_delivery_across_a_crash(start_server):
    s = start_server(threads=4, extra_args=["--appendonly", "yes"])
    prod = s.client()
    ids = produce(prod, N)
    prod.xgroup_create(KEY, GROUP, id="0")
    cons = [Consumer(s.client(), n) for n in ("a", "b", "c")]
    acked = set()
    for _ in range(N // BATCH // 6):
        for con in cons:
            acked.update(con.read())
    delivered = set(cons[2].read(ack=False))  # read, not acknowledged: must stay pending
    kill9(s)
    restart(s, threads=2)
    prod = s.client()
    assert prod.xlen(KEY) == N
    pending = {e["message_id"] for e in prod.xpending_range(KEY, GROUP, "-", "+", N)}
    assert pending == delivered
    cons = [Consumer(s.client(), n) for n in ("a", "b", "c")]
    processed = set(acked)
    processed.update(claim_all(cons[0].c, "a"))
    while True:
        got = [i for con in cons for i in con.read()]
        processed.update(got)
        if not got:
            break
    assert processed == set(ids)
    assert prod.xpending(KEY, GROUP)["pending"] == 0
    check_in_order(cons)
