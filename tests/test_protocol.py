"""Wire protocol: RESP2 framing, RESP3 after HELLO 3, inline commands, pipelining in order, and
robustness against malformed, truncated, oversized and random input. Everything here uses raw
sockets so the exact bytes are visible."""
import random
import socket
import time

import pytest

from helpers import bulk, encode_command, intr, parse_reply, RawConn




# ---------------------------------------------------------------------------------------- RESP3
def test_resp3_null_for_missing_values(rc):
    rc.cmd("SET", "a", "1")
    assert rc.cmd("HELLO", "3").startswith(b"%7\r\n")
    assert rc.cmd("GET", "missing") == b"_\r\n"
    assert rc.cmd("MGET", "a", "missing") == b"*2\r\n$1\r\n1\r\n_\r\n"
    assert rc.cmd("GETDEL", "missing") == b"_\r\n"
    assert rc.cmd("SET", "a", "2", "NX") == b"_\r\n"
    assert rc.cmd("OBJECT", "ENCODING", "missing") == b"_\r\n"
    assert rc.cmd("COMMAND", "INFO", "nosuchcmd") == b"*1\r\n_\r\n"
    assert rc.cmd("RANDOMKEY") == b"$1\r\na\r\n"
    rc.cmd("DEL", "a")
    assert rc.cmd("RANDOMKEY") == b"_\r\n"


def test_resp3_maps_for_config_get_and_hello(rc):
    rc.cmd("HELLO", "3")
    assert rc.cmd("CONFIG", "GET", "maxmemory") == b"%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"
    raw = rc.cmd("CONFIG", "GET", "maxmemory", "timeout")
    assert raw.startswith(b"%2\r\n")
    assert parse_reply(raw)[0] == {b"maxmemory": b"0", b"timeout": b"0"}


def test_resp3_unchanged_replies_for_scalars(rc):
    rc.cmd("HELLO", "3")
    assert rc.cmd("SET", "n", "5") == b"+OK\r\n"
    assert rc.cmd("INCR", "n") == intr(6)
    assert rc.cmd("GET", "n") == bulk("6")
    assert rc.cmd("INCRBYFLOAT", "n", "1.5") == bulk("7.5")  # a bulk string, not a RESP3 double
    assert rc.cmd("PING") == b"+PONG\r\n"
    assert rc.cmd("GET") == b"-ERR wrong number of arguments for 'get' command\r\n"
    assert rc.cmd("EXISTS", "n") == intr(1)
    assert rc.cmd("TTL", "n") == intr(-1)


def test_resp3_info_and_client_info_are_verbatim_strings(rc):
    rc.cmd("HELLO", "3")
    raw = rc.cmd("INFO", "server")
    assert raw.startswith(b"=")
    assert raw.split(b"\r\n", 1)[1].startswith(b"txt:# Server\r\n")
    raw = rc.cmd("CLIENT", "INFO")
    assert raw.startswith(b"=") and b"\r\ntxt:id=" in raw


def test_resp3_double_null_map_bool_via_debug_protocol(start_server):
    srv = start_server(extra_args=["--enable-debug-command", "yes"])
    with srv.raw() as c:
        assert c.cmd("DEBUG", "PROTOCOL", "double") == b"$5\r\n3.141\r\n"
        assert c.cmd("DEBUG", "PROTOCOL", "null") == b"$-1\r\n"
        c.cmd("HELLO", "3")
        assert c.cmd("DEBUG", "PROTOCOL", "double") == b",3.141\r\n"
        assert c.cmd("DEBUG", "PROTOCOL", "null") == b"_\r\n"
        assert c.cmd("DEBUG", "PROTOCOL", "map") == b"%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"
        assert c.cmd("DEBUG", "PROTOCOL", "true") == b"#t\r\n"


def test_resp3_is_per_connection(raw, r):
    a, b = raw(), raw()
    a.cmd("HELLO", "3")
    assert a.cmd("GET", "x") == b"_\r\n"
    assert b.cmd("GET", "x") == b"$-1\r\n"


# ---------------------------------------------------------------------------------------- inline commands
def test_inline_ping(rc):
    assert rc.inline("PING") == b"+PONG\r\n"


def test_inline_set_and_get(rc):
    assert rc.inline("SET a b") == b"+OK\r\n"
    assert rc.inline("GET a") == bulk("b")


def test_inline_double_quoted_argument_with_spaces(rc):
    assert rc.inline('SET k "hello world"') == b"+OK\r\n"
    assert rc.cmd("GET", "k") == bulk("hello world")


def test_inline_escapes_in_double_quotes(rc):
    assert rc.inline(r'ECHO "a\x41\n\t\"\\"') == bulk(b'aA\n\t"\\')


def test_inline_single_quotes(rc):
    assert rc.inline(r"ECHO 'a\'b'") == bulk("a'b")
    # only \' is an escape inside single quotes
    assert rc.inline(r"ECHO 'a\nb'") == bulk(b"a\\nb")
    assert rc.inline('ECHO ""') == b"$0\r\n\r\n"


def test_inline_bare_lf_and_extra_spaces(rc):
    rc.send(b"PING\n")
    assert rc.read_reply() == b"+PONG\r\n"
    assert rc.inline("   ECHO    x   ") == bulk("x")


def test_inline_tab_separates_arguments(rc):
    assert rc.inline("ECHO a\tb") == b"-ERR wrong number of arguments for 'echo' command\r\n"


def test_inline_empty_lines_are_ignored(rc):
    rc.send(b"\r\n\r\n\n PING\r\n")
    assert rc.read_reply() == b"+PONG\r\n"
    assert rc.read_available(0.2) == b""


def test_inline_and_multibulk_mixed_in_one_write(rc):
    rc.send(b"SET a 1\r\n" + encode_command("INCR", "a") + b"GET a\r\n")
    assert [rc.read_reply() for _ in range(3)] == [b"+OK\r\n", intr(2), bulk("2")]


def test_inline_unknown_command(rc):
    assert rc.inline("NOPE a b") == b"-ERR unknown command 'NOPE', with args beginning with: 'a' 'b' \r\n"


@pytest.mark.parametrize("line", [b'SET "a b', b'SET "a"b c', b"SET 'a b", b"ECHO 'x'y"])
def test_inline_unbalanced_quotes_is_protocol_error(rc, line):
    rc.send(line + b"\r\n")
    assert rc.read_until_close(timeout=5) == b"-ERR Protocol error: unbalanced quotes in request\r\n"


def test_inline_too_big_request(rc):
    rc.send(b"a" * 70000)
    assert rc.read_until_close(timeout=5) == b"-ERR Protocol error: too big inline request\r\n"


# ---------------------------------------------------------------------------------------- multibulk framing
def test_multibulk_split_into_single_bytes(rc):
    data = encode_command("SET", "split", "value") + encode_command("GET", "split")
    for i in range(len(data)):
        rc.send(data[i:i + 1])
        if i % 7 == 0:
            time.sleep(0.001)
    assert rc.read_reply() == b"+OK\r\n"
    assert rc.read_reply() == bulk("value")


def test_large_argument_sent_in_small_chunks(rc):
    value = random.Random(1).randbytes(300000)
    data = encode_command("SET", "big", value)
    for i in range(0, len(data), 4096):
        rc.send(data[i:i + 4096])
    assert rc.read_reply() == b"+OK\r\n"
    assert rc.cmd("GET", "big") == bulk(value)


def test_binary_keys_and_values(rc):
    key = b"k\x00\r\n\xff"
    val = b"\x00\x01\r\n$3\r\n"
    assert rc.cmd("SET", key, val) == b"+OK\r\n"
    assert rc.cmd("GET", key) == bulk(val)
    assert rc.cmd("EXISTS", b"k\x00") == intr(0)


def test_empty_and_negative_multibulk_are_ignored(rc):
    rc.send(b"*0\r\n*-1\r\n*-5\r\nPING\r\n")
    assert rc.read_reply() == b"+PONG\r\n"
    assert rc.read_available(0.2) == b""


def test_commands_are_case_insensitive_on_the_wire(rc):
    assert rc.cmd("set", "k", "v") == b"+OK\r\n"
    assert rc.cmd("GeT", "k") == bulk("v")


def test_pipelined_replies_come_back_in_order(rc):
    cmds = []
    for i in range(1000):
        cmds.append(("SET", "p%d" % (i % 50), i))
        cmds.append(("GET", "p%d" % (i % 50)))
        cmds.append(("INCR", "ctr"))
        cmds.append(("GET",))  # an error in the middle of the pipeline
    rc.send(b"".join(encode_command(*c) for c in cmds))
    for i in range(1000):
        assert rc.read_reply() == b"+OK\r\n"
        assert rc.read_reply() == bulk(str(i))
        assert rc.read_reply() == intr(i + 1)
        assert rc.read_reply() == b"-ERR wrong number of arguments for 'get' command\r\n"


# ---------------------------------------------------------------------------------------- protocol errors
@pytest.mark.parametrize("data,reply", [
    (b"*abc\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    (b"*2147483648\r\n", b"-ERR Protocol error: invalid multibulk length\r\n"),
    (b"*1\r\n+foo\r\n", b"-ERR Protocol error: expected '$', got '+'\r\n"),
    (b"*2\r\n$4\r\nECHO\r\n:12\r\n", b"-ERR Protocol error: expected '$', got ':'\r\n"),
    (b"*1\r\n$abc\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"*1\r\n$-1\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"*1\r\n$999999999999\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"*1\r\n$536870913\r\n", b"-ERR Protocol error: invalid bulk length\r\n"),
    (b"*" + b"1" * 70000, b"-ERR Protocol error: too big mbulk count string\r\n"),
    (b"*1\r\n$" + b"1" * 70000, b"-ERR Protocol error: too big bulk count string\r\n"),
])
def test_protocol_error_reply_then_close(rc, data, reply):
    rc.send(data)
    assert rc.read_until_close(timeout=5) == reply


def test_protocol_error_after_valid_pipelined_command(rc):
    rc.send(b"PING\r\n" + encode_command("SET", "a", "1") + b"*abc\r\n" + b"PING\r\n")
    assert rc.read_until_close(timeout=5) == \
        b"+PONG\r\n+OK\r\n-ERR Protocol error: invalid multibulk length\r\n"


def test_protocol_error_does_not_affect_other_clients(raw, r):
    bystander = raw()
    bystander.cmd("SET", "k", "v")
    bad = raw()
    bad.send(b"*1\r\n+foo\r\n")
    bad.read_until_close(timeout=5)
    assert bystander.cmd("GET", "k") == bulk("v")


# ---------------------------------------------------------------------------------------- half-close / truncation
def test_half_closed_socket_still_gets_reply(server, r):
    with server.raw() as c:
        c.send(b"PING\r\n")
        c.sock.shutdown(socket.SHUT_WR)
        assert c.read_until_close(timeout=5) == b"+PONG\r\n"


def test_half_closed_socket_gets_all_pipelined_replies(server, r):
    with server.raw() as c:
        c.send(encode_command("SET", "hc", "1") + encode_command("INCR", "hc") + encode_command("GET", "hc"))
        c.sock.shutdown(socket.SHUT_WR)
        assert c.read_until_close(timeout=5) == b"+OK\r\n:2\r\n$1\r\n2\r\n"


def test_truncated_command_then_close_does_not_execute_or_crash(server, r):
    for cut in (1, 5, 12, 20, 27):
        data = encode_command("SET", "trunc", "value")[:cut]
        with server.raw() as c:
            c.send(data)
    with server.raw() as c:
        assert c.cmd("PING") == b"+PONG\r\n"
        assert c.cmd("EXISTS", "trunc") == intr(0)


def test_abrupt_reset_with_unread_replies(server, r):
    for _ in range(20):
        c = server.raw()
        c.send(encode_command("SET", "x", "y" * 100000) + encode_command("GET", "x") * 20)
        # SO_LINGER 0 -> RST on close while the server is writing
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        c.close()
    with server.raw() as c:
        assert c.cmd("PING") == b"+PONG\r\n"


# ---------------------------------------------------------------------------------------- fuzz
SAFE_COMMANDS = [
    ("SET", "fz", "value"), ("GET", "fz"), ("INCR", "fzn"), ("APPEND", "fz", "abc"), ("ECHO", "hello"),
    ("MGET", "fz", "fzn", "x"), ("EXISTS", "fz"), ("DEL", "fzx"), ("STRLEN", "fz"), ("PING",),
    ("GETRANGE", "fz", "0", "3"), ("MSET", "a", "1", "b", "2"), ("TTL", "fz"), ("EXPIRE", "fzx", "100"),
]
RESP_ALPHABET = b"*$+-:\r\n0123456789-abcSETGET \"'\\x"


def _fuzz_buffers(seed, count):
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        kind = rng.randrange(4)
        if kind == 0:
            buf = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 400)))
        elif kind == 1:
            buf = bytes(rng.choice(RESP_ALPHABET) for _ in range(rng.randint(1, 200)))
        elif kind == 2:
            buf = bytearray(b"".join(encode_command(*rng.choice(SAFE_COMMANDS)) for _ in range(rng.randint(1, 4))))
            for _ in range(rng.randint(1, 4)):
                op = rng.randrange(3)
                pos = rng.randrange(len(buf))
                if op == 0:
                    buf[pos] = rng.getrandbits(8)
                elif op == 1:
                    buf.insert(pos, rng.choice(RESP_ALPHABET))
                else:
                    del buf[pos]
            buf = bytes(buf)
        else:
            full = b"".join(encode_command(*rng.choice(SAFE_COMMANDS)) for _ in range(rng.randint(1, 4)))
            buf = full[:rng.randrange(1, len(full))]
            if rng.random() < 0.5:
                buf += bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 20)))
        out.append(buf)
    return out


@pytest.mark.timeout_s(90)
def test_random_garbage_never_crashes_server(start_server):
    srv = start_server()
    rng = random.Random(12345)
    buffers = _fuzz_buffers(4242, 300)
    for i, buf in enumerate(buffers):
        c = srv.raw(timeout=2)
        try:
            # send in 1-3 pieces to exercise partial parsing
            cuts = sorted(rng.sample(range(1, len(buf)), min(len(buf) - 1, rng.randint(0, 2)))) if len(buf) > 1 else []
            pieces = [buf[a:b] for a, b in zip([0] + cuts, cuts + [len(buf)])]
            for p in pieces:
                c.send(p)
            mode = rng.randrange(3)
            if mode == 1:
                c.sock.shutdown(socket.SHUT_WR)
                c.read_available(0.02)
            elif mode == 2:
                c.read_available(0.01)
        except OSError:
            pass  # the server may close on protocol errors while we are still sending
        finally:
            c.close()
        if i % 50 == 49:
            with srv.raw() as probe:
                assert probe.cmd("PING") == b"+PONG\r\n", "server stopped answering after buffer %d" % i
    assert srv.alive()
    with srv.raw() as probe:
        assert probe.cmd("PING") == b"+PONG\r\n"
        assert probe.cmd("SET", "after", "fuzz") == b"+OK\r\n"
        assert probe.cmd("GET", "after") == bulk("fuzz")


def test_garbage_on_long_lived_connection_keeps_other_clients_served(start_server):
    srv = start_server()
    rng = random.Random(99)
    with srv.raw() as good:
        for _ in range(30):
            bad = srv.raw(timeout=2)
            try:
                bad.send(bytes(rng.getrandbits(8) for _ in range(rng.randint(100, 3000))))
                bad.read_available(0.01)
            except OSError:
                pass
            finally:
                bad.close()
            assert good.cmd("INCR", "ok") is not None
        assert good.cmd("GET", "ok") == bulk("30")
