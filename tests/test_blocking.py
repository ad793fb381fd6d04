"""Blocking commands: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP.

Immediate replies, timeouts (fractional), wake-ups by other clients (which may sit on other
threads, and keys on other shards), arrival-order fairness, many blocked clients, pipelining
behind a blocked command, and clients that disconnect or are killed while blocked.
"""
import threading
import time

import pytest
import redis

from helpers import encode_command, info_dict, parse_reply, wait_until

# Keys with different hash slots, so with several threads they live on different shards.
KEYS = ["blk:a", "blk:b", "blk:c", "blk:d"]


@pytest.fixture(autouse=True)
def clean(server):
    server.client().flushall()


def blocked_count(r):
    return int(r.info("clients")["blocked_clients"])


def wait_blocked(r, n, timeout=5.0):
    assert wait_until(lambda: blocked_count(r) >= n, timeout=timeout), blocked_count(r)


def test_blpop_returns_at_once_from_first_nonempty_key(r):
    r.rpush("blk:b", "x", "y")
    r.rpush("blk:c", "z")
    assert r.blpop(["blk:a", "blk:b", "blk:c"], timeout=1) == (b"blk:b", b"x")
    assert r.brpop(["blk:a", "blk:c", "blk:b"], timeout=1) == (b"blk:c", b"z")
    assert r.exists("blk:c") == 0  # the emptied list is gone


def test_blpop_times_out_with_null(server):
    c = server.raw()
    t0 = time.monotonic()
    assert c.cmd("BLPOP", "blk:none", "0.2") == b"*-1\r\n"
    elapsed = time.monotonic() - t0
    assert 0.15 <= elapsed < 2.0, elapsed


def test_blocking_timeout_reply_is_resp3_null(server):
    c = server.raw()
    c.cmd("HELLO", "3")
    assert c.cmd("BLPOP", "blk:none", "0.05") == b"_\r\n"
    assert c.cmd("BZPOPMIN", "blk:none", "0.05") == b"_\r\n"
    assert c.cmd("BRPOPLPUSH", "blk:none", "blk:x", "0.05") == b"_\r\n"


def test_timeout_errors(r):
    with pytest.raises(redis.ResponseError, match="timeout is negative"):
        r.execute_command("BLPOP", "k", "-1")
    with pytest.raises(redis.ResponseError, match="timeout is not a float or out of range"):
        r.execute_command("BLPOP", "k", "abc")
    with pytest.raises(redis.ResponseError, match="timeout is not a float or out of range"):
        r.execute_command("BZPOPMIN", "k", "nan")


def test_blpop_on_wrong_type_is_an_error(r):
    r.set("blk:str", "x")
    with pytest.raises(redis.ResponseError, match="WRONGTYPE"):
        r.blpop(["blk:str"], timeout=1)


def test_blpop_wakes_when_another_client_pushes(server):
    for key in KEYS:
        waiter = server.client()
        out = {}
        t = threading.Thread(target=lambda: out.setdefault("r", waiter.blpop([key], timeout=5)))
        t.start()
        pusher = server.client()
        wait_blocked(pusher, 1)
        pusher.rpush(key, "v1", "v2")
        t.join(5)
        assert out["r"] == (key.encode(), b"v1")
        assert pusher.lrange(key, 0, -1) == [b"v2"]
        pusher.delete(key)


def test_blpop_on_keys_of_several_shards_wakes_on_any(server):
    waiter = server.raw()
    waiter.send_cmd("BLPOP", *KEYS, "5")
    r = server.client()
    wait_blocked(r, 1)
    r.lpush("blk:c", "hello")
    assert parse_reply(waiter.read_reply())[0] == [b"blk:c", b"hello"]
    assert r.exists("blk:c") == 0
    # its registrations on the other keys are gone: a later push stays in the list
    r.lpush("blk:a", "kept")
    time.sleep(0.1)
    assert r.lrange("blk:a", 0, -1) == [b"kept"]
    assert blocked_count(r) == 0


def test_clients_are_served_in_arrival_order(server):
    r = server.client()
    waiters = []
    for i in range(3):
        c = server.raw()
        c.send_cmd("BLPOP", "blk:fair", "5")
        waiters.append(c)
        wait_blocked(r, i + 1)
    for i in range(3):
        r.rpush("blk:fair", "e%d" % i)
        got = parse_reply(waiters[i].read_reply())[0]
        assert got == [b"blk:fair", b"e%d" % i]


def test_one_push_of_many_elements_serves_many_waiters(server):
    r = server.client()
    n = 40
    waiters = []
    for _ in range(n):
        c = server.raw()
        c.send_cmd("BRPOP", "blk:many", "5")
        waiters.append(c)
    wait_blocked(r, n)
    r.lpush("blk:many", *["x%d" % i for i in range(n + 5)])
    got = sorted(parse_reply(c.read_reply())[0][1] for c in waiters)
    assert got == sorted(b"x%d" % i for i in range(n))  # BRPOP takes from the tail: x0..x39
    assert r.llen("blk:many") == 5
    assert blocked_count(r) == 0


def test_pipelined_commands_wait_behind_a_blocked_command(server):
    c = server.raw()
    c.sock.sendall(encode_command("BLPOP", "blk:pipe", "5") + encode_command("PING"))
    r = server.client()
    wait_blocked(r, 1)
    c.sock.settimeout(0.3)
    with pytest.raises(OSError):
        c.sock.recv(100)  # nothing yet: neither the BLPOP nor the PING has replied
    c.sock.settimeout(5)
    r.rpush("blk:pipe", "v")
    assert parse_reply(c.read_reply())[0] == [b"blk:pipe", b"v"]
    assert c.read_reply() == b"+PONG\r\n"


def test_timeout_zero_blocks_until_served(server):
    c = server.raw()
    c.send_cmd("BLPOP", "blk:zero", "0")
    r = server.client()
    wait_blocked(r, 1)
    time.sleep(0.3)
    assert blocked_count(r) == 1
    r.rpush("blk:zero", "late")
    assert parse_reply(c.read_reply())[0] == [b"blk:zero", b"late"]


def test_disconnected_client_loses_nothing(server):
    c = server.raw()
    c.send_cmd("BLPOP", "blk:gone", "0")
    r = server.client()
    wait_blocked(r, 1)
    c.close()
    assert wait_until(lambda: blocked_count(r) == 0, timeout=5)
    r.rpush("blk:gone", "v")
    time.sleep(0.1)
    assert r.lrange("blk:gone", 0, -1) == [b"v"]


def test_killed_client_loses_nothing(server):
    c = server.raw()
    cid = parse_reply(c.cmd("CLIENT", "ID"))[0]
    c.send_cmd("BRPOP", "blk:killed", "0")
    r = server.client()
    wait_blocked(r, 1)
    assert r.execute_command("CLIENT", "KILL", "ID", cid) == 1
    assert wait_until(lambda: blocked_count(r) == 0, timeout=5)
    r.rpush("blk:killed", "v")
    time.sleep(0.1)
    assert r.lrange("blk:killed", 0, -1) == [b"v"]


def test_brpoplpush_and_blmove_move_to_the_destination(server):
    r = server.client()
    c = server.raw()
    c.send_cmd("BRPOPLPUSH", "blk:a", "blk:b", "5")
    wait_blocked(r, 1)
    r.rpush("blk:a", "one")
    assert c.read_reply() == b"$3\r\none\r\n"
    assert r.lrange("blk:b", 0, -1) == [b"one"]
    c.send_cmd("BLMOVE", "blk:c", "blk:d", "LEFT", "RIGHT", "5")
    wait_blocked(r, 1)
    r.rpush("blk:c", "two", "three")
    assert c.read_reply() == b"$3\r\ntwo\r\n"
    assert r.lrange("blk:d", 0, -1) == [b"two"]
    assert r.lrange("blk:c", 0, -1) == [b"three"]


def test_blmove_destination_wakes_a_client_blocked_on_it(server):
    r = server.client()
    second = server.raw()
    second.send_cmd("BLPOP", "blk:d", "5")
    wait_blocked(r, 1)
    first = server.raw()
    first.send_cmd("BLMOVE", "blk:a", "blk:d", "LEFT", "LEFT", "5")
    wait_blocked(r, 2)
    r.rpush("blk:a", "chain")
    assert first.read_reply() == b"$5\r\nchain\r\n"
    assert parse_reply(second.read_reply())[0] == [b"blk:d", b"chain"]
    assert r.exists("blk:a", "blk:d") == 0


def test_blmpop_serves_left_or_right_with_count(server):
    r = server.client()
    r.rpush("blk:b", "1", "2", "3")
    assert r.execute_command("BLMPOP", "1", "2", "blk:a", "blk:b", "RIGHT", "COUNT", "2") == \
        [b"blk:b", [b"3", b"2"]]
    c = server.raw()
    c.send_cmd("BLMPOP", "5", "2", "blk:c", "blk:d", "LEFT", "COUNT", "10")
    wait_blocked(r, 1)
    r.rpush("blk:d", "x", "y")
    assert parse_reply(c.read_reply())[0] == [b"blk:d", [b"x", b"y"]]


def test_bzpopmin_bzpopmax_and_bzmpop(server):
    r = server.client()
    r.zadd("blk:z", {"a": 1, "b": 2, "c": 3})
    assert r.bzpopmin(["blk:none", "blk:z"], timeout=1) == (b"blk:z", b"a", 1.0)
    assert r.bzpopmax(["blk:z"], timeout=1) == (b"blk:z", b"c", 3.0)
    c = server.raw()
    c.send_cmd("BZPOPMIN", "blk:z2", "5")
    wait_blocked(r, 1)
    r.zadd("blk:z2", {"m": 5})
    assert parse_reply(c.read_reply())[0] == [b"blk:z2", b"m", b"5"]
    c.send_cmd("BZMPOP", "5", "1", "blk:z3", "MAX", "COUNT", "2")
    wait_blocked(r, 1)
    r.zadd("blk:z3", {"p": 1, "q": 2, "s": 3})
    assert parse_reply(c.read_reply())[0] == [b"blk:z3", [[b"s", b"3"], [b"q", b"2"]]]


def test_zset_waiter_ignores_list_pushes(server):
    r = server.client()
    c = server.raw()
    c.send_cmd("BZPOPMIN", "blk:mixed", "0.5")
    wait_blocked(r, 1)
    r.rpush("blk:mixed", "not-a-zset")
    assert c.read_reply() == b"*-1\r\n"  # times out: a list never serves BZPOPMIN
    assert r.lrange("blk:mixed", 0, -1) == [b"not-a-zset"]


def test_info_counts_blocked_clients(server):
    r = server.client()
    cs = [server.raw() for _ in range(3)]
    for c in cs:
        c.send_cmd("BLPOP", "blk:count", "5")
    wait_blocked(r, 3)
    assert blocked_count(r) == 3
    r.rpush("blk:count", "1", "2", "3")
    for c in cs:
        c.read_reply()
    assert wait_until(lambda: blocked_count(r) == 0, timeout=5)
