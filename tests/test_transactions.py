"""MULTI / EXEC / DISCARD / WATCH / UNWATCH.

Random two-client sequences (one client runs transactions, the other writes and reads in between)
go to redis-server 7.0 and to the server under test, replies compared byte for byte; keys carry no
hash tags, so at --threads > 1 transactions and watched keys span shards. Then what a single
sequence cannot show: expiry and eviction of watched keys, the log of a transaction (whole or not at
all after a crash), CLIENT LIST, and isolation under concurrent clients (test_atomicity.py).
"""
import random
import time
from pathlib import Path

import pytest

from helpers import RawConn, wait_until
from persist_helpers import kill9, restart

KEYS = ["a", "b", "c", "d", "e", "n1", "n2", "l", "x"]


def cmds(c, *commands):
    return [c.cmd(*args) for args in commands]


# ---------------------------------------------------------------------------------------- differential
class Scenario:
    """Random transactions from client 0, interleaved with client 1's commands."""

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.stream_id = 0

    def xadd(self):
        self.stream_id += 1
        return ("XADD", "x", "%d-1" % self.stream_id, "f", "v")

    def key(self):
        return self.rng.choice(KEYS)

    def write(self):
        rng, k = self.rng, self.key
        return rng.choice([
            lambda: ("SET", k(), str(rng.randint(0, 9))),
            lambda: ("SET", k(), "v", "NX"),
            lambda: ("SET", k(), "v", "XX"),
            lambda: ("INCR", rng.choice(["n1", "n2", "a"])),
            lambda: ("DEL", k(), k()),
            lambda: ("LPUSH", rng.choice(["l", "a"]), "x"),
            lambda: ("LPOP", rng.choice(["l", "d"])),
            lambda: ("SADD", "e", rng.choice(["m1", "m2"])),
            lambda: ("APPEND", k(), "z"),
            lambda: ("MSET", k(), "1", k(), "2"),
            lambda: ("EXPIRE", k(), "100"),
            lambda: ("PERSIST", k()),
            lambda: ("RENAME", k(), k()),
            lambda: ("SREM", "e", rng.choice(["m1", "m2"])),
            lambda: ("SMOVE", "e", k(), "m1"),
            lambda: (rng.choice(["HSET", "HSETNX"]), k(), "f", rng.choice(["1", "2"])),
            lambda: ("HDEL", k(), "f"),
            lambda: ("ZADD", k(), rng.choice(["1", "2"]), "m"),
            lambda: ("ZREM", k(), "m"),
            lambda: ("LREM", "l", "0", rng.choice(["x", "y"])),
            lambda: ("LMOVE", "l", k(), "LEFT", "RIGHT"),
            lambda: ("SETRANGE", k(), "0", rng.choice(["", "q"])),
            lambda: ("GETDEL", k()),
            lambda: ("COPY", k(), k()),
            self.xadd,
            lambda: ("XDEL", "x", "%d-1" % rng.randint(1, self.stream_id + 1)),
            lambda: ("XTRIM", "x", "MAXLEN", str(rng.randint(0, 3))),
            lambda: ("XGROUP", rng.choice(["CREATE", "DESTROY"]), "x", "g", "0")[:4 + (rng.random() < 0.5)],
        ])()

    def read(self):
        rng, k = self.rng, self.key
        return rng.choice([
            lambda: ("GET", k()),
            lambda: ("EXISTS", k(), k()),
            lambda: ("MGET", k(), k(), k()),
            lambda: ("LRANGE", "l", "0", "-1"),
            lambda: ("TYPE", k()),
        ])()

    def queued(self):
        rng = self.rng
        r = rng.random()
        if r < 0.03:
            return ("NOSUCHCMD", "x")
        if r < 0.06:
            return ("SET", self.key())  # arity
        if r < 0.08:
            return rng.choice([("MULTI",), ("WATCH", self.key())])  # refused, not queued
        if r < 0.10:
            return ("SELECT", rng.choice(["0", "1", "99"]))
        if r < 0.12:
            return ("BLPOP", "l", "0")  # never blocks inside MULTI
        if r < 0.14:
            return ("PING",)
        return self.write() if r < 0.6 else self.read()

    def steps(self, rounds):
        rng = self.rng
        out = [(0, ("SELECT", "0")), (1, ("SELECT", "0"))]
        for _ in range(rounds):
            r = rng.random()
            if r < 0.05:
                out.append((0, rng.choice([("EXEC",), ("DISCARD",), ("UNWATCH",)])))
                continue
            if r < 0.5:
                out.append((0, ("WATCH",) + tuple(self.key() for _ in range(rng.randint(1, 3)))))
            for _ in range(rng.randint(0, 2)):
                out.append((1, self.write() if rng.random() < 0.7 else self.read()))
            if rng.random() < 0.05:
                out.append((1, rng.choice([("FLUSHDB",), ("SWAPDB", "0", "1"), ("FLUSHALL",)])))
            if rng.random() < 0.2:
                out.append((0, self.read()))
            out.append((0, ("MULTI",)))
            for _ in range(rng.randint(0, 4)):
                out.append((0, self.queued()))
            if rng.random() < 0.3:
                out.append((1, self.write()))
            out.append((0, ("EXEC",) if rng.random() < 0.85 else ("DISCARD",)))
            out.append((0, ("SELECT", "0")))
        out += [(1, ("GET", k)) for k in KEYS] + [(1, ("LRANGE", "l", "0", "-1"))]
        return out


def run_two_clients(ref_port, sut_port, steps, resp3, label):
    conns = {}
    for side, port in (("ref", ref_port), ("sut", sut_port)):
        conns[side] = [RawConn(port, timeout=10), RawConn(port, timeout=10)]
        assert conns[side][0].cmd("FLUSHALL") == b"+OK\r\n"
        if resp3:
            conns[side][0].cmd("HELLO", "3")
    history = []
    try:
        for i, (who, args) in enumerate(steps):
            want = conns["ref"][who].cmd(*args)
            got = conns["sut"][who].cmd(*args)
            history.append((who, args, want, got))
            if want != got:
                ctx = "\n".join("    c%d %r\n        redis: %r\n        sut:   %r" % h for h in history[-10:-1])
                pytest.fail("[%s] step #%d differs\n  client %d: %r\n  redis: %r\n  sut:   %r\n  before:\n%s"
                            % (label, i, who, args, want, got, ctx), pytrace=False)
    finally:
        for pair in conns.values():
            for c in pair:
                c.close()


@pytest.mark.timeout_s(60)
@pytest.mark.parametrize("seed,resp3", [(1, False), (2, False), (3, True), (4, True)])
def test_differential_transactions(redis_ref, server, seed, resp3):
    run_two_clients(redis_ref.port, server.port, Scenario(seed).steps(250), resp3, "txn/seed=%d" % seed)


def test_errors_and_replies(raw):
    c = raw()
    c.cmd("CONFIG", "RESETSTAT")
    assert cmds(c, ("EXEC",), ("DISCARD",)) == [b"-ERR EXEC without MULTI\r\n", b"-ERR DISCARD without MULTI\r\n"]
    assert cmds(c, ("MULTI",), ("SET", "k", "v"), ("LPUSH", "k", "x"), ("GET", "k"), ("EXEC",)) == [
        b"+OK\r\n", b"+QUEUED\r\n", b"+QUEUED\r\n", b"+QUEUED\r\n",
        b"*3\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n$1\r\nv\r\n"]
    # a refused command aborts the whole transaction; nothing of it runs
    assert cmds(c, ("MULTI",), ("SET", "k", "w"), ("SET", "k"), ("EXEC",), ("GET", "k")) == [
        b"+OK\r\n", b"+QUEUED\r\n", b"-ERR wrong number of arguments for 'set' command\r\n",
        b"-EXECABORT Transaction discarded because of previous errors.\r\n", b"$1\r\nv\r\n"]
    assert cmds(c, ("MULTI",), ("SHUTDOWN",), ("EXEC",)) == [
        b"+OK\r\n", b"-ERR Command not allowed inside a transaction\r\n",
        b"-EXECABORT Transaction discarded because of previous errors.\r\n"]
    assert b"errorstat_EXECABORT:count=2\r\n" in c.cmd("INFO", "errorstats")
    # inside EXEC a client expects one reply per command: no sharded subscribed mode (Redis 7.0)
    assert cmds(c, ("MULTI",), ("SSUBSCRIBE", "ch"), ("EXEC",))[-1] == \
        b"*1\r\n-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n"


# ---------------------------------------------------------------------------------------- WATCH
@pytest.mark.pinned_threads
def test_watch_sees_changes_from_any_shard_and_thread(start_server):
    srv = start_server(threads=4)
    other = srv.raw()
    with srv.raw() as c:
        for k in KEYS[:5]:
            assert c.cmd("WATCH", k) == b"+OK\r\n"
        assert cmds(c, ("MULTI",), ("SET", "a", "1"), ("EXEC",)) == [b"+OK\r\n", b"+QUEUED\r\n", b"*1\r\n+OK\r\n"]
        for k in KEYS[:5]:
            c.cmd("WATCH", *KEYS[:5])
            assert other.cmd("SET", k, "x") == b"+OK\r\n"
            assert cmds(c, ("MULTI",), ("SET", "a", "2"), ("EXEC",))[-1] == b"*-1\r\n", k
        # unwatched (EXEC unwatches): the next transaction runs
        assert other.cmd("SET", "b", "y") == b"+OK\r\n"
        assert cmds(c, ("MULTI",), ("GET", "b"), ("EXEC",))[-1] == b"*1\r\n$1\r\ny\r\n"
        # UNWATCH, and a write that changed nothing, leave EXEC alone
        c.cmd("WATCH", "c", "d")
        assert other.cmd("SET", "d", "v", "NX") == b"$-1\r\n"
        c.cmd("UNWATCH")
        other.cmd("SET", "c", "z")
        assert cmds(c, ("MULTI",), ("GET", "c"), ("EXEC",))[-1] == b"*1\r\n$1\r\nz\r\n"
    other.close()


def test_watch_expired_key_aborts_exec(server, raw):
    c = raw()
    other = server.raw()
    c.cmd("FLUSHALL")
    # present when watched, expired by EXEC: aborts (as Redis's isWatchedKeyExpired)
    c.cmd("SET", "a", "1", "PX", "100")
    c.cmd("WATCH", "a")
    time.sleep(0.2)
    assert cmds(c, ("MULTI",), ("PING",), ("EXEC",))[-1] == b"*-1\r\n"
    # already expired when watched: no change to see
    c.cmd("SET", "b", "1", "PX", "1")
    time.sleep(0.05)
    c.cmd("WATCH", "b")
    assert other.cmd("DEL", "b") == b":0\r\n"
    assert cmds(c, ("MULTI",), ("PING",), ("EXEC",))[-1] == b"*1\r\n+PONG\r\n"
    # removed by active expiry while watched
    c.cmd("SET", "c", "1", "PX", "50")
    c.cmd("WATCH", "c")
    assert wait_until(lambda: other.cmd("DBSIZE") == b":0\r\n", timeout=5)
    assert cmds(c, ("MULTI",), ("PING",), ("EXEC",))[-1] == b"*-1\r\n"
    other.close()


def test_watch_evicted_key_aborts_exec(server, raw):
    c = raw()
    c.cmd("CONFIG", "SET", "maxmemory-policy", "allkeys-random")
    try:
        c.cmd("SET", "w", "v")
        c.cmd("WATCH", "w")
        other = server.raw()
        assert other.cmd("CONFIG", "SET", "maxmemory", "1") == b"+OK\r\n"
        value = "x" * 1000
        for i in range(200):
            other.cmd("SET", "filler%d" % i, value)
            if other.cmd("EXISTS", "w") == b":0\r\n":
                break
        assert other.cmd("EXISTS", "w") == b":0\r\n", "the watched key was never evicted"
        other.cmd("CONFIG", "SET", "maxmemory", "0")
        assert cmds(c, ("MULTI",), ("PING",), ("EXEC",))[-1] == b"*-1\r\n"
        other.close()
    finally:
        c.cmd("CONFIG", "SET", "maxmemory", "0")
        c.cmd("CONFIG", "SET", "maxmemory-policy", "noeviction")


def test_client_list_shows_multi_state(server, raw):
    c = raw()
    c.cmd("WATCH", "a")
    c.cmd("MULTI")
    c.cmd("SET", "a", "1")
    c.cmd("GET", "a")
    with server.raw() as other:
        other.cmd("SET", "a", "2")
        line = other.cmd("CLIENT", "LIST").decode()
    mine = [x for x in line.splitlines() if "multi=2" in x]
    assert mine and " flags=xd " in mine[0], line
    assert c.cmd("EXEC") == b"*-1\r\n"


# ---------------------------------------------------------------------------------------- the log
@pytest.mark.tessera_only
@pytest.mark.pinned_threads
def test_transaction_is_logged_whole(start_server):
    srv = start_server(threads=4, extra_args=["--appendonly", "yes", "--appendfsync", "always", "--save", ""])
    c = srv.raw()
    assert cmds(c, ("MULTI",), *[("SET", k, "t") for k in KEYS[:5]], ("INCR", "n1"), ("EXEC",))[-1].startswith(b"*6")
    c.close()
    kill9(srv)
    restart(srv)
    with srv.raw() as c:
        assert [c.cmd("GET", k) for k in KEYS[:5]] == [b"$1\r\nt\r\n"] * 5
        assert c.cmd("GET", "n1") == b"$1\r\n1\r\n"


@pytest.mark.tessera_only
@pytest.mark.pinned_threads
def test_torn_transaction_is_not_replayed(start_server):
    """A crash that cuts a transaction's records leaves none of it (the tail of a one-shard log)."""
    srv = start_server(threads=1, extra_args=["--appendonly", "yes", "--appendfsync", "always", "--save", ""])
    c = srv.raw()
    c.cmd("SET", "before", "1")
    assert cmds(c, ("MULTI",), ("SET", "a", "1"), ("SET", "b", "2"), ("SET", "c", "3"), ("EXEC",))[-1].startswith(b"*3")
    c.close()
    kill9(srv)
    logdir = Path(srv.workdir) / "appendonlydir"
    logs = sorted(p for p in logdir.iterdir() if p.name.endswith(".tlog"))
    data = logs[-1].read_bytes()
    logs[-1].write_bytes(data[:-5])  # the last record (SET c 3) is torn
    restart(srv)
    with srv.raw() as c:
        assert cmds(c, ("GET", "before"), ("EXISTS", "a", "b", "c")) == [b"$1\r\n1\r\n", b":0\r\n"]


@pytest.mark.tessera_only
@pytest.mark.pinned_threads
def test_log_switched_off_and_rewritten_inside_exec(start_server):
    """CONFIG SET appendonly no inside EXEC ends the transaction's capture (later writes are logged
    again once the log is back); BGREWRITEAOF inside EXEC is only scheduled, so its base never holds
    part of the transaction that the log then replays again."""
    srv = start_server(threads=2, extra_args=["--appendonly", "yes", "--appendfsync", "always", "--save", ""])
    c = srv.raw()
    assert cmds(c, ("MULTI",), ("SET", "a", "1"), ("CONFIG", "SET", "appendonly", "no"), ("SET", "b", "2"),
                ("EXEC",))[-1] == b"*3\r\n+OK\r\n+OK\r\n+OK\r\n"
    assert c.cmd("CONFIG", "SET", "appendonly", "yes") == b"+OK\r\n"
    assert wait_until(lambda: b"aof_rewrite_in_progress:0" in c.cmd("INFO", "persistence"), timeout=10)
    assert cmds(c, ("SET", "x", "1"), ("SET", "c", "10")) == [b"+OK\r\n"] * 2
    assert cmds(c, ("MULTI",), ("INCR", "c"), ("BGREWRITEAOF",), ("INCR", "c"), ("EXEC",))[-1] == \
        b"*3\r\n:11\r\n+Background append only file rewriting scheduled\r\n:12\r\n"
    assert wait_until(lambda: b"aof_rewrite_scheduled:0" in c.cmd("INFO", "persistence") and
                      b"aof_rewrite_in_progress:0" in c.cmd("INFO", "persistence"), timeout=10)
    c.close()
    kill9(srv)
    restart(srv)
    with srv.raw() as c:
        assert c.cmd("MGET", "a", "b", "x", "c") == b"*4\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n1\r\n$2\r\n12\r\n"
