"""Client limits: output buffer (a client that does not read), query buffer (a request that never
ends), and that neither hurts other clients."""
import socket
import time

from helpers import HOST, bulk, encode_command


def _closed_by_server(sock, deadline_s):
    """True once the server has closed `sock` (reads EOF or reset), draining what it sent."""
    sock.settimeout(0.5)
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            data = sock.recv(1 << 20)
            if not data:
                return True
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def test_output_buffer_hard_limit_closes_a_client_that_does_not_read(start_server):
    srv = start_server(extra_args=["--client-output-buffer-limit", "normal 1mb 0 0"])
    with srv.raw() as c:
        assert c.cmd("SET", "big", "x" * 100000) == b"+OK\r\n"
    s = socket.create_connection((HOST, srv.port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    # ~20 MB of replies requested, none read: far past the 1 MB hard limit.
    s.settimeout(5)
    try:
        s.sendall(encode_command("GET", "big") * 200)
    except OSError:
        pass
    assert _closed_by_server(s, 10), "the server kept a client past its output buffer hard limit"
    s.close()
    with srv.raw() as c:
        assert c.cmd("PING") == b"+PONG\r\n"
        assert c.cmd("STRLEN", "big") == b":100000\r\n"


def test_query_buffer_limit_closes_a_client_with_an_endless_request(start_server):
    srv = start_server(extra_args=["--client-query-buffer-limit", "1mb"])
    s = socket.create_connection((HOST, srv.port))
    s.settimeout(5)
    # A 100 MB bulk is allowed by proto-max-bulk-len but the buffered request passes 1 MB.
    try:
        s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100000000\r\n")
        chunk = b"y" * 65536
        for _ in range(64):  # 4 MB at most
            s.sendall(chunk)
    except OSError:
        pass
    assert _closed_by_server(s, 10)
    s.close()
    with srv.raw() as c:
        assert c.cmd("EXISTS", "k") == b":0\r\n"
        assert c.cmd("ECHO", "still here") == bulk("still here")
