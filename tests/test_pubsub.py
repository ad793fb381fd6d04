"""Pub/Sub: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE PUBLISH
SPUBLISH PUBSUB, byte for byte as redis-server 7.0 (RESP2 and RESP3), the RESP2 subscribed
mode, delivery across shard threads in publish order, a 1,000-subscriber fan-out, the pubsub
output-buffer limit, CLIENT LIST / KILL TYPE pubsub and INFO counts.
"""
import selectors
import socket
import threading
import time

import pytest

from helpers import HOST, Incomplete, encode_command, parse_reply, wait_until

END = b"__end__"


def script(conn, *cmds):
    """Sends `cmds` pipelined, then PING __end__, and returns every byte replied before the
    PING's reply (whose form depends on the subscribed mode)."""
    conn.send(b"".join(encode_command(*c.split(" ")) for c in cmds) + encode_command("PING", END))
    while not conn.buf.endswith(END + b"\r\n"):
        conn._fill()
    out = bytes(conn.buf)
    conn.buf.clear()
    for tail in (b"*2\r\n$4\r\npong\r\n$7\r\n__end__\r\n", b"$7\r\n__end__\r\n"):
        if out.endswith(tail):
            return out[: -len(tail)]
    raise AssertionError(out)


def messages(data):
    """Parses a byte string of complete replies into a list."""
    out, pos = [], 0
    while pos < len(data):
        v, pos = parse_reply(data, pos)
        out.append(v)
    return out


@pytest.fixture(autouse=True)
def clean(server):
    server.client().flushall()


# Scripts whose replies must match redis-server 7.0 byte for byte (one fresh connection each).
SCRIPTS = {
    "unsubscribe_none": ["UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"],
    "counts": ["SUBSCRIBE a b a", "PSUBSCRIBE p*", "SSUBSCRIBE x", "UNSUBSCRIBE b",
               "UNSUBSCRIBE a zz", "PUNSUBSCRIBE", "SUNSUBSCRIBE x", "SUNSUBSCRIBE"],
    "subscribed_mode": ["SUBSCRIBE a", "GET k", "CLIENT ID", "PING", "PING hi", "ECHO x",
                        "PUBLISH a b", "UNSUBSCRIBE", "GET k"],
    # (Unsubscribing from everything names one left: the order of several is Redis's dict's.)
    "shard_only_mode": ["SSUBSCRIBE {t}1 {t}2 other", "GET k", "SUNSUBSCRIBE {t}1 other",
                        "SUNSUBSCRIBE", "GET k"],
    "reset": ["SUBSCRIBE a", "PSUBSCRIBE b", "RESET", "GET k", "PUBSUB NUMSUB a"],
    "resp3": ["HELLO 3", "SUBSCRIBE a", "GET k", "PING", "PUBLISH a m", "PSUBSCRIBE *",
              "PUBLISH a m2", "SPUBLISH a m3", "SSUBSCRIBE a", "SPUBLISH a m4", "UNSUBSCRIBE a",
              "PUNSUBSCRIBE", "UNSUBSCRIBE", "SUNSUBSCRIBE"],
    "introspection": ["PUBSUB HELP", "PUBSUB NUMSUB", "PUBSUB NUMSUB a b", "PUBSUB NUMPAT",
                      "PUBSUB NUMPAT x", "PUBSUB CHANNELS a b", "PUBSUB SHARDCHANNELS a b",
                      "PUBSUB SHARDNUMSUB", "PUBSUB FOO", "PUBSUB"],
    "arity": ["SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "PUBLISH a", "SPUBLISH a", "PUBLISH a b c"],
    "command_info": ["COMMAND INFO publish spublish subscribe ssubscribe sunsubscribe "
                     "pubsub|numsub", "COMMAND GETKEYS spublish a b",
                     "COMMAND GETKEYS ssubscribe a b"],
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_replies_match_redis(server, redis_ref, name):
    outs = []
    for s in (server, redis_ref):
        with s.raw() as c:
            out = script(c, *SCRIPTS[name])
        # HELLO's reply carries the connection id: compare from its "mode" field on.
        outs.append(out.split(b"$4\r\nmode")[-1])
    assert outs[0] == outs[1]


def test_publish_counts_plain_and_pattern_receivers(raw):
    a, b, pub = raw(), raw(), raw()
    script(a, "SUBSCRIBE news", "PSUBSCRIBE n*")  # one client, two subscriptions
    script(b, "PSUBSCRIBE *s")
    assert pub.cmd_parsed("PUBLISH", "news", "hi") == 3
    assert pub.cmd_parsed("PUBLISH", "others", "x") == 1  # *s
    assert pub.cmd_parsed("PUBLISH", "zzz", "x") == 0
    assert pub.cmd_parsed("SPUBLISH", "news", "x") == 0  # shard channels are separate
    assert messages(script(a)) == [[b"message", b"news", b"hi"],
                                   [b"pmessage", b"n*", b"news", b"hi"]]
    assert messages(script(b)) == [[b"pmessage", b"*s", b"news", b"hi"],
                                   [b"pmessage", b"*s", b"others", b"x"]]


def test_shard_channels(raw, server):
    s, pub = raw(), raw()
    script(s, "SSUBSCRIBE {u}1 {u}2")
    assert pub.cmd_parsed("SPUBLISH", "{u}1", "m") == 1
    assert pub.cmd_parsed("PUBLISH", "{u}1", "m") == 0
    assert messages(script(s)) == [[b"smessage", b"{u}1", b"m"]]
    assert sorted(pub.cmd_parsed("PUBSUB", "SHARDCHANNELS")) == [b"{u}1", b"{u}2"]
    assert pub.cmd_parsed("PUBSUB", "SHARDCHANNELS", "*2") == [b"{u}2"]
    assert pub.cmd_parsed("PUBSUB", "SHARDNUMSUB", "{u}1", "x") == [b"{u}1", 1, b"x", 0]
    assert pub.cmd_parsed("PUBSUB", "CHANNELS") == []
    info = server.client().info("stats")
    assert (info["pubsub_channels"], info["pubsub_patterns"], info["pubsubshard_channels"]) == \
        (0, 0, 2)


def test_introspection_and_info(raw, server):
    subs = [raw() for _ in range(3)]
    script(subs[0], "SUBSCRIBE ch1 ch2", "PSUBSCRIBE p1*")
    script(subs[1], "SUBSCRIBE ch1", "PSUBSCRIBE p1*")
    script(subs[2], "PSUBSCRIBE p2*")
    q = raw()
    assert sorted(q.cmd_parsed("PUBSUB", "CHANNELS")) == [b"ch1", b"ch2"]
    assert q.cmd_parsed("PUBSUB", "CHANNELS", "*2") == [b"ch2"]
    assert q.cmd_parsed("PUBSUB", "NUMSUB", "ch1", "ch2", "ch3") == [b"ch1", 2, b"ch2", 1, b"ch3", 0]
    assert q.cmd_parsed("PUBSUB", "NUMPAT") == 2  # unique patterns, as Redis 7.0
    info = server.client().info("stats")
    assert (info["pubsub_channels"], info["pubsub_patterns"]) == (2, 2)
    lines = server.client().execute_command("CLIENT", "LIST", "TYPE", "pubsub").decode().splitlines()
    assert len(lines) == 3
    first = [l for l in lines if " sub=2 " in l]
    assert len(first) == 1 and " psub=1 ssub=0 " in first[0] and " flags=P " in first[0]
    normal = server.client().execute_command("CLIENT", "LIST", "TYPE", "normal").decode()
    assert " flags=P " not in normal
    assert server.client().execute_command("CLIENT", "KILL", "TYPE", "pubsub") == 3
    assert wait_until(lambda: q.cmd_parsed("PUBSUB", "NUMPAT") == 0)
    assert q.cmd_parsed("PUBSUB", "CHANNELS") == []


def test_close_and_reset_unsubscribe(raw):
    a, b, q = raw(), raw(), raw()
    script(a, "SUBSCRIBE c1", "PSUBSCRIBE x*", "SSUBSCRIBE s1")
    script(b, "SUBSCRIBE c1")
    assert q.cmd_parsed("PUBSUB", "NUMSUB", "c1") == [b"c1", 2]
    a.close()
    assert wait_until(lambda: q.cmd_parsed("PUBSUB", "NUMSUB", "c1") == [b"c1", 1])
    assert q.cmd_parsed("PUBSUB", "NUMPAT") == 0
    assert q.cmd_parsed("PUBSUB", "SHARDNUMSUB", "s1") == [b"s1", 0]
    assert b.cmd("RESET") == b"+RESET\r\n"
    assert q.cmd_parsed("PUBSUB", "NUMSUB", "c1") == [b"c1", 0]
    assert q.cmd_parsed("PUBLISH", "c1", "x") == 0


def test_resp3_client_publishing_to_itself(raw):
    c = raw()
    c.cmd("HELLO", "3")
    script(c, "SUBSCRIBE me")
    # The push comes before the PUBLISH reply, as in Redis.
    assert script(c, "PUBLISH me hi", "SET k v") == (
        b">3\r\n$7\r\nmessage\r\n$2\r\nme\r\n$2\r\nhi\r\n:1\r\n+OK\r\n")


def read_messages(conn, n):
    out = []
    while len(out) < n:
        out.append(conn.read_parsed())
    return out


def test_order_per_publisher_across_threads(raw):
    # Subscribers on several connections (thus, with --threads > 1, several threads) receive
    # a pipelined burst from two publishers, each publisher's messages in publish order.
    subs = [raw() for _ in range(8)]
    for i, s in enumerate(subs):
        if i % 2:
            s.cmd("HELLO", "3")
        script(s, "SUBSCRIBE ord" if i % 3 else "PSUBSCRIBE or*")
    pubs = [raw(), raw()]
    n = 1500
    for p, tag in zip(pubs, (b"a", b"b")):
        p.send(b"".join(encode_command("PUBLISH", "ord", tag + b"%d" % i) for i in range(n)))
    for p in pubs:
        assert read_messages(p, n) == [8] * n
    for s in subs:
        got = [m[-1] for m in read_messages(s, 2 * n)]
        for tag in (b"a", b"b"):
            assert [m for m in got if m[:1] == tag] == [tag + b"%d" % i for i in range(n)]


def test_fanout_1000_subscribers_exactly_once(server):
    # 1,000 subscribers, on a channel, a pattern or both, spread over the shard threads: every
    # PUBLISH counts each subscription, and each subscriber gets each message once per
    # subscription, nothing more.
    n, msgs = 1000, 20
    variants = [[("SUBSCRIBE", "fan")], [("PSUBSCRIBE", "f*n")],
                [("SUBSCRIBE", "fan"), ("PSUBSCRIBE", "f*n")]]
    socks, expect = [], []
    sel = selectors.DefaultSelector()
    try:
        for i in range(n):
            s = socket.create_connection((HOST, server.port))
            kinds = variants[i % 3]
            s.sendall(b"".join(encode_command(*k) for k in kinds))
            socks.append(s)
            expect.append(kinds)
        # Confirmations first, so every subscription exists before the first PUBLISH.
        for s, kinds in zip(socks, expect):
            data = b""
            while len(complete_replies(data)) < len(kinds):
                data += s.recv(65536)
        with server.raw() as pub:
            pub.send(b"".join(encode_command("PUBLISH", "fan", "m%d" % j) for j in range(msgs)))
            assert read_messages(pub, msgs) == [sum(map(len, expect))] * msgs
        got = [b""] * n
        for idx, s in enumerate(socks):
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, idx)
        pending = set(range(n))
        deadline = time.monotonic() + 20
        while pending and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1):
                idx = key.data
                got[idx] += key.fileobj.recv(1 << 16)
                if len(complete_replies(got[idx])) >= msgs * len(expect[idx]):
                    pending.discard(idx)
        assert not pending, "%d subscribers short of messages" % len(pending)
        time.sleep(0.1)  # nothing more may arrive
        for idx, (s, kinds) in enumerate(zip(socks, expect)):
            try:
                got[idx] += s.recv(1 << 16)
            except BlockingIOError:
                pass
            ms = messages(got[idx])
            assert len(ms) == msgs * len(kinds)
            for kind, _ in kinds:
                tag = b"message" if kind == "SUBSCRIBE" else b"pmessage"
                assert [m[-1] for m in ms if m[0] == tag] == [b"m%d" % j for j in range(msgs)]
    finally:
        sel.close()
        for s in socks:
            s.close()


def complete_replies(data):
    """The complete replies at the start of `data`."""
    out, pos = [], 0
    while True:
        try:
            v, pos = parse_reply(data, pos)
        except Incomplete:
            return out
        out.append(v)


def test_slow_subscriber_cut_at_pubsub_hard_limit(server, raw):
    r = server.client()
    r.config_set("client-output-buffer-limit", "pubsub 512kb 0 0")
    try:
        with socket.socket() as slow:
            slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            slow.connect((HOST, server.port))
            slow.sendall(encode_command("SUBSCRIBE", "flood"))
            slow.recv(100)
            pub = raw()
            # 13 MB, more than any socket buffer holds: the subscriber, reading nothing, passes
            # the pubsub class's hard limit and is closed; the publisher (a normal client
            # reading its replies) is not.
            pub.send(encode_command("PUBLISH", "flood", b"x" * 65536) * 200)
            assert read_messages(pub, 200)[0] == 1
            # (The subscriber's thread cuts it; publishes already past it may still count it.)
            assert wait_until(lambda: pub.cmd_parsed("PUBSUB", "NUMSUB", "flood") == [b"flood", 0])
            assert r.execute_command("CLIENT", "LIST", "TYPE", "pubsub") == b""
            slow.settimeout(5)
            received = 0
            while chunk := slow.recv(1 << 20):
                received += len(chunk)  # what was written before the cut, then EOF
            assert received < 100 * 65536
    finally:
        r.config_set("client-output-buffer-limit", "pubsub 32mb 8mb 60")


def test_unsubscribe_and_close_while_messages_are_in_flight(server, raw):
    subs = [raw() for _ in range(40)]
    for s in subs:
        script(s, "SUBSCRIBE busy", "PSUBSCRIBE bu*")
    pub = raw()
    stop = threading.Event()

    def churn():
        for i, s in enumerate(subs):
            if i % 2:
                s.close()
            else:
                s.send_cmd("UNSUBSCRIBE")
                s.send_cmd("PUNSUBSCRIBE")
        stop.set()

    t = threading.Thread(target=churn)
    t.start()
    sent = 0
    while not stop.is_set() or sent < 2000:
        pub.send(encode_command("PUBLISH", "busy", "x" * 100) * 100)
        read_messages(pub, 100)
        sent += 100
    t.join()
    assert wait_until(lambda: pub.cmd_parsed("PUBLISH", "busy", "x") == 0)
    assert pub.cmd_parsed("PUBSUB", "NUMSUB", "busy") == [b"busy", 0]
