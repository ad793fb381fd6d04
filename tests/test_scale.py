"""Scale: 100k pipelined commands on one connection, a 100 MB value, 1,100 concurrent clients."""
import hashlib
import random
import resource
import selectors
import socket
import threading
import time

import pytest

from helpers import encode_command, HOST, info_dict, intr, parse_reply, RawConn



# ---------------------------------------------------------------------------------------- pipelining
@pytest.mark.timeout_s(120)
def test_pipeline_of_100k_commands_gets_100k_replies_in_order(server, r):
    n = 100_000
    chunk = 1000
    c = server.raw(timeout=30)
    one = encode_command("INCR", "pipe:ctr")
    send_error = []

    def writer():
        try:
            for _ in range(n // chunk):
                c.send(one * chunk)
        except OSError as e:
            send_error.append(e)

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    expected = b"".join(b":%d\r\n" % i for i in range(1, n + 1))
    got = bytearray()
    c.sock.settimeout(30)
    while len(got) < len(expected):
        data = c.sock.recv(1 << 20)
        assert data, "connection closed after %d bytes of replies" % len(got)
        got += data
    t.join(30)
    assert not send_error
    assert len(got) == len(expected)
    assert bytes(got) == expected, "replies out of order or malformed"
    assert c.cmd("GET", "pipe:ctr") == b"$6\r\n100000\r\n"
    c.close()


@pytest.mark.timeout_s(120)
def test_redis_py_pipeline_without_transaction(r):
    n = 20_000
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.set("rp:%d" % i, i)
    res = p.execute()
    assert len(res) == n and all(x is True for x in res)
    p = r.pipeline(transaction=False)
    for i in range(n):
        p.get("rp:%d" % i)
    res = p.execute()
    assert res == [str(i).encode() for i in range(n)]
    assert r.dbsize() == n


# ---------------------------------------------------------------------------------------- 100 MB value
def _read_exact_hash(sock, nbytes, h):
    left = nbytes
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    while left:
        k = sock.recv_into(view[:min(left, len(buf))])
        if not k:
            raise ConnectionError("closed with %d bytes left" % left)
        h.update(view[:k])
        left -= k


@pytest.mark.timeout_s(120)
def test_100mb_value_set_and_get_roundtrip(start_server):
    srv = start_server()
    size = 100 * 1024 * 1024
    value = random.Random(7).randbytes(size)
    digest = hashlib.sha256(value).hexdigest()
    with srv.raw(timeout=60) as c:
        c.send(b"*3\r\n$3\r\nSET\r\n$7\r\nbig:val\r\n$%d\r\n" % size)
        mv = memoryview(value)
        for i in range(0, size, 4 << 20):
            c.sock.sendall(mv[i:i + (4 << 20)])
        c.send(b"\r\n")
        assert c.read_reply() == b"+OK\r\n"
        del mv, value
        assert c.cmd("STRLEN", "big:val") == intr(size)
        c.send_cmd("GET", "big:val")
        header = b""
        while not header.endswith(b"\r\n"):
            b = c.sock.recv(1)
            assert b
            header += b
        assert header == b"$%d\r\n" % size
        h = hashlib.sha256()
        _read_exact_hash(c.sock, size, h)
        tail = b""
        while len(tail) < 2:
            b = c.sock.recv(2 - len(tail))
            assert b
            tail += b
        assert tail == b"\r\n"
        assert h.hexdigest() == digest
        assert c.cmd("GETRANGE", "big:val", str(size - 1), "-1") != b"$0\r\n\r\n"
        assert c.cmd("DEL", "big:val") == intr(1)
        assert c.cmd("PING") == b"+PONG\r\n"


# ---------------------------------------------------------------------------------------- many clients
def _raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("n,maxclients", [(1100, 2000), (10000, 10100)])
def test_concurrent_clients_all_answered(start_server, n, maxclients):
    limit = _raise_nofile(n + 2000)
    if limit != resource.RLIM_INFINITY and limit < n + 100:
        pytest.skip("RLIMIT_NOFILE too low (%d)" % limit)
    srv = start_server(extra_args=["--maxclients", str(maxclients)])
    socks = []
    try:
        for i in range(n):
            s = socket.create_connection((HOST, srv.port), timeout=10)
            socks.append(s)
        # every client sends one PING (distinct payload) before anyone reads
        for i, s in enumerate(socks):
            s.sendall(encode_command("PING", "c%d" % i))
        sel = selectors.DefaultSelector()
        pending = {}
        for i, s in enumerate(socks):
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ, i)
            pending[i] = b""
        expected = {i: b"$%d\r\nc%d\r\n" % (len(b"c%d" % i), i) for i in range(n)}
        done = 0
        deadline = time.monotonic() + 30
        while done < n and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1):
                i = key.data
                data = key.fileobj.recv(4096)
                assert data, "client %d closed by server" % i
                pending[i] += data
                if len(pending[i]) >= len(expected[i]):
                    assert pending[i] == expected[i]
                    sel.unregister(key.fileobj)
                    done += 1
        assert done == n, "only %d of %d clients answered" % (done, n)
        sel.close()
        with srv.raw() as c:
            f = info_dict(parse_reply(c.cmd("INFO", "clients"))[0])
            assert int(f["connected_clients"]) >= n + 1
            # and a second round on every connection works too
        for s in socks:
            s.setblocking(True)
            s.settimeout(10)
        for i in range(0, n, 10):
            socks[i].sendall(encode_command("INCR", "many"))
        for i in range(0, n, 10):
            reply = socks[i].recv(64)
            assert reply.startswith(b":")
        with srv.raw() as c:
            assert c.cmd("GET", "many") == b"$%d\r\n%d\r\n" % (len(str(n // 10)), n // 10)
    finally:
        for s in socks:
            s.close()


def test_many_clients_connect_and_disconnect_quickly(start_server):
    srv = start_server()
    for i in range(500):
        with socket.create_connection((HOST, srv.port), timeout=5) as s:
            if i % 2:
                s.sendall(b"PING\r\n")
                assert s.recv(16) == b"+PONG\r\n"
    with srv.raw() as c:
        assert c.cmd("PING") == b"+PONG\r\n"
        f = info_dict(parse_reply(c.cmd("INFO", "stats"))[0])
        assert int(f["total_connections_received"]) >= 500
