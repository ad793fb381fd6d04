"""memcached over UDP: every datagram carries an 8-byte frame header (request id, sequence number,
total datagrams, reserved 0) before the text (or meta) request or reply.

Observed from memcached 1.6.18 (UDP enabled with -U): a reply datagram is at most 1400 bytes,
header included (UDP_MAX_PAYLOAD_SIZE), so a reply is cut into 1392-byte pieces numbered
0..n-1, each carrying the total n and the request id. memcached 1.6 frames each key of a multi-get
as its own message (each restarting at sequence 0 with its own total); the checks below accept
that and a single message alike: the datagrams must split into consecutive runs numbered 0..n-1
of total n, and their payloads, concatenated in arrival order, must be the text reply.
"""
import struct

import pytest

from mc_helpers import UDP_HEADER, UDP_MAX_DATAGRAM, UdpClient


@pytest.fixture
def udp(mc, mc_server):
    """A UDP client on the flushed module server."""
    c = UdpClient(mc_server.udp_port)
    yield c
    c.close()


def ends_with(*terminators):
    return lambda body: body.endswith(terminators)


def check_framing(datagrams, request_id):
    """Request id echoed, reserved 0, sizes within the limit, runs numbered 0..n-1 of total n."""
    i = 0
    while i < len(datagrams):
        (rid, seq, total, reserved), _, size = datagrams[i]
        assert seq == 0, "a message does not start at sequence 0: %r" % [d[0] for d in datagrams]
        assert total >= 1
        run = datagrams[i:i + total]
        assert len(run) == total, "message of %d datagrams cut short: %r" % (total, [d[0] for d in datagrams])
        for n, ((rid, seq, tot, reserved), payload, size) in enumerate(run):
            assert (rid, seq, tot, reserved) == (request_id, n, total, 0)
            assert size <= UDP_MAX_DATAGRAM
            if n < total - 1:
                assert size == UDP_MAX_DATAGRAM, "only the last datagram of a message may be short"
        i += total


def test_get_small_value(udp, mc):
    mc.set("u", b"hello")
    got = udp.call(b"get u\r\n", 77, ends_with(b"END\r\n"))
    assert [(d[0], d[1]) for d in got] == [((77, 0, 1, 0), b"VALUE u 0 5\r\nhello\r\nEND\r\n")]
    got = udp.call(b"get nope\r\n", 78, ends_with(b"END\r\n"))
    assert [(d[0], d[1]) for d in got] == [((78, 0, 1, 0), b"END\r\n")]
    got = udp.call(b"version\r\n", 65535, ends_with(b"\r\n"))
    assert got[0][0] == (65535, 0, 1, 0) and got[0][1].startswith(b"VERSION ")


def test_get_value_spanning_datagrams(udp, mc):
    v = bytes((i % 26) + 97 for i in range(10000))
    mc.set("big", v)
    want = b"VALUE big 0 10000\r\n" + v + b"\r\nEND\r\n"
    got = udp.call(b"get big\r\n", 0x1234, ends_with(b"END\r\n"))
    total = len(got)
    payload = UDP_MAX_DATAGRAM - UDP_HEADER.size
    assert total == (len(want) + payload - 1) // payload  # 1392 bytes of reply per datagram
    assert [d[0] for d in got] == [(0x1234, seq, total, 0) for seq in range(total)]
    assert all(d[2] == UDP_MAX_DATAGRAM for d in got[:-1])
    assert b"".join(d[1] for d in got) == want


def test_multi_key_get(udp, mc):
    mc.set("a", b"1")
    mc.set("b", b"22")
    big = b"z" * 5000
    mc.set("big", big)
    got = udp.call(b"get a nope b a\r\n", 900, ends_with(b"END\r\n"))
    check_framing(got, 900)
    assert b"".join(d[1] for d in got) == b"VALUE a 0 1\r\n1\r\nVALUE b 0 2\r\n22\r\nVALUE a 0 1\r\n1\r\nEND\r\n"
    got = udp.call(b"get a big b\r\n", 901, ends_with(b"END\r\n"))
    check_framing(got, 901)
    assert b"".join(d[1] for d in got) == (
        b"VALUE a 0 1\r\n1\r\nVALUE big 0 5000\r\n" + big + b"\r\nVALUE b 0 2\r\n22\r\nEND\r\n")


def test_set_and_other_commands_over_udp(udp, mc):
    got = udp.call(b"set u 5 0 3\r\nabc\r\n", 1, ends_with(b"\r\n"))
    assert [(d[0], d[1]) for d in got] == [((1, 0, 1, 0), b"STORED\r\n")]
    assert mc.get("u") == b"abc"
    got = udp.call(b"gets u\r\n", 2, ends_with(b"END\r\n"))
    assert got[0][1].startswith(b"VALUE u 5 3 ")
    got = udp.call(b"incr u 1\r\n", 3, ends_with(b"\r\n"))
    assert got[0][1] == b"CLIENT_ERROR cannot increment or decrement non-numeric value\r\n"
    got = udp.call(b"delete u\r\n", 4, ends_with(b"\r\n"))
    assert got[0][1] == b"DELETED\r\n"
    got = udp.call(b"bogus\r\n", 5, ends_with(b"\r\n"))
    assert got[0][1] == b"ERROR\r\n"
    # Two commands in one datagram get both replies.
    got = udp.call(b"set x 0 0 1\r\n1\r\nget x\r\n", 6, ends_with(b"END\r\n"))
    assert b"".join(d[1] for d in got) == b"STORED\r\nVALUE x 0 1\r\n1\r\nEND\r\n"
    # noreply: nothing comes back (the next request's reply is the next datagram).
    udp.send(b"set y 0 0 1 noreply\r\n2\r\n", 7)
    got = udp.call(b"get y\r\n", 8, ends_with(b"END\r\n"))
    assert [(d[0], d[1]) for d in got] == [((8, 0, 1, 0), b"VALUE y 0 1\r\n2\r\nEND\r\n")]
    # Meta commands work over UDP as well.
    got = udp.call(b"mg y v\r\n", 9, ends_with(b"\r\n2\r\n"))
    assert [(d[0], d[1]) for d in got] == [((9, 0, 1, 0), b"VA 1\r\n2\r\n")]


def test_malformed_datagrams_are_ignored(udp, mc_server, mc):
    for junk in (b"", b"a", b"abc", b"abcdefg", b"\x00\x01\x00\x00\x00\x01\x00"):  # shorter than a header
        udp.send_raw(junk)
    udp.send_raw(struct.pack(">HHHH", 3, 0, 1, 0))  # a header and no request
    udp.send_raw(struct.pack(">HHHH", 4, 0, 2, 0) + b"get a\r\n")  # multi-datagram requests: dropped
    got = udp.call(b"version\r\n", 10, ends_with(b"\r\n"))
    assert len(got) == 1 and got[0][0] == (10, 0, 1, 0) and got[0][1].startswith(b"VERSION ")
    assert udp.drain(0.2) == []
    assert mc_server.alive()
    with mc_server.mc_raw(sentinel="version") as t:
        assert t.call(b"get a\r\n") == b"END\r\n"
