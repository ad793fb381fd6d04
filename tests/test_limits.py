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


def test_running_out_of_file_descriptors_neither_spins_nor_floods_the_log(tmp_path):
    import resource
    import subprocess

    import conftest
    port = conftest.free_port()
    log = tmp_path / "server.log"

    def low_fd_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (48, 48))

    argv = [conftest.TESSERA_BIN, "--port", str(port), "--bind", HOST, "--threads", "2"]
    if conftest.AGAINST_REDIS:
        argv = [conftest.REDIS_BIN, "--port", str(port), "--bind", HOST, "--save", "",
                "--appendonly", "no"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, preexec_fn=low_fd_limit,
                                cwd=tmp_path)
    socks = []
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection((HOST, port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.05)
        # More clients than descriptors: the extra ones are refused or wait, nothing breaks.
        for _ in range(60):
            try:
                socks.append(socket.create_connection((HOST, port), timeout=1))
            except OSError:
                pass
        stat = open("/proc/%d/stat" % proc.pid).read().split()
        ticks_before = int(stat[13]) + int(stat[14])
        time.sleep(1.0)
        stat = open("/proc/%d/stat" % proc.pid).read().split()
        ticks = int(stat[13]) + int(stat[14]) - ticks_before
        assert ticks < 50, "server burned %d ticks in 1 s while out of descriptors" % ticks
        assert log.stat().st_size < 200_000, "log flooded: %d bytes" % log.stat().st_size
        for s in socks:
            s.close()
        socks = []
        time.sleep(0.5)
        c = socket.create_connection((HOST, port), timeout=5)
        c.sendall(b"PING\r\n")
        assert c.recv(64) == b"+PONG\r\n"
        c.close()
        assert proc.poll() is None
    finally:
        for s in socks:
            s.close()
        proc.terminate()
        proc.wait(10)
