"""CLIENT ID SETNAME GETNAME LIST INFO KILL (ID, ADDR, old form) PAUSE/UNPAUSE NO-EVICT."""
import threading
import time

import pytest

from helpers import intr, parse_reply, wait_until



def client_id(c):
    v = parse_reply(c.cmd("CLIENT", "ID"))[0]
    assert isinstance(v, int) and v > 0
    return v


def parse_client_line(line):
    if isinstance(line, bytes):
        line = line.decode()
    out = {}
    for part in line.strip().split(" "):
        k, _, v = part.partition("=")
        out[k] = v
    return out


def client_list(c, *args):
    text = parse_reply(c.cmd("CLIENT", "LIST", *args))[0]
    assert isinstance(text, bytes)
    if text:
        assert text.endswith(b"\n")
    return [parse_client_line(l) for l in text.decode().split("\n") if l]


def local_addr(c):
    host, port = c.sock.getsockname()[:2]
    return "%s:%d" % (host, port)


# ---------------------------------------------------------------------------------------- ID / NAME
def test_client_id_is_stable_per_connection_and_increasing(raw, r):
    a = raw()
    ida = client_id(a)
    assert client_id(a) == ida
    b = raw()
    assert client_id(b) > ida


def test_client_setname_getname(rc):
    assert rc.cmd("CLIENT", "GETNAME") == b"$-1\r\n"
    assert rc.cmd("CLIENT", "SETNAME", "worker-1") == b"+OK\r\n"
    assert rc.cmd("CLIENT", "GETNAME") == b"$8\r\nworker-1\r\n"
    # an empty name clears it
    assert rc.cmd("CLIENT", "SETNAME", "") == b"+OK\r\n"
    assert rc.cmd("CLIENT", "GETNAME") == b"$-1\r\n"


@pytest.mark.parametrize("name", ["a b", "a\nb", "tab\there", "x\x01"])
def test_client_setname_rejects_spaces_and_special_characters(rc, name):
    assert rc.cmd("CLIENT", "SETNAME", name) == \
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    assert rc.cmd("CLIENT", "GETNAME") == b"$-1\r\n"


def test_client_name_is_per_connection(raw, r):
    a, b = raw(), raw()
    a.cmd("CLIENT", "SETNAME", "alpha")
    assert b.cmd("CLIENT", "GETNAME") == b"$-1\r\n"


# ---------------------------------------------------------------------------------------- LIST / INFO
def test_client_list_shows_every_connection_with_fields(raw, r):
    a, b = raw(), raw()
    a.cmd("CLIENT", "SETNAME", "alpha")
    b.cmd("SELECT", "4")
    ida, idb = client_id(a), client_id(b)
    entries = {int(e["id"]): e for e in client_list(a)}
    assert ida in entries and idb in entries
    ea, eb = entries[ida], entries[idb]
    for field in ("id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "cmd", "resp"):
        assert field in ea, field
    assert ea["name"] == "alpha"
    assert ea["addr"] == local_addr(a)
    assert ea["cmd"] == "client|list"
    assert ea["db"] == "0"
    assert eb["db"] == "4"
    assert eb["name"] == ""
    assert eb["cmd"] == "client|id"
    assert ea["resp"] == "2"


def test_client_list_id_filter(raw, r):
    a, b, c = raw(), raw(), raw()
    ida, idc = client_id(a), client_id(c)
    client_id(b)
    got = sorted(int(e["id"]) for e in client_list(a, "ID", ida, idc))
    assert got == sorted([ida, idc])
    assert a.cmd("CLIENT", "LIST", "ID", "999999") == b"$0\r\n\r\n"


def test_client_list_type_filter(rc):
    me = client_id(rc)
    assert me in [int(e["id"]) for e in client_list(rc, "TYPE", "normal")]
    assert rc.cmd("CLIENT", "LIST", "TYPE", "foo") == b"-ERR Unknown client type 'foo'\r\n"


def test_client_info_describes_current_connection(rc):
    rc.cmd("CLIENT", "SETNAME", "me")
    rc.cmd("HELLO", "3")
    raw = rc.cmd("CLIENT", "INFO")
    # RESP3 verbatim string or bulk; either way one line ending in \n
    text = parse_reply(raw)[0]
    assert text.endswith(b"\n") and text.count(b"\n") == 1
    e = parse_client_line(text)
    assert int(e["id"]) == client_id(rc)
    assert e["name"] == "me"
    assert e["addr"] == local_addr(rc)
    assert e["cmd"] == "client|info"
    assert e["resp"] == "3"


def test_client_info_reflects_resp_and_db(rc):
    rc.cmd("SELECT", "9")
    e = parse_client_line(parse_reply(rc.cmd("CLIENT", "INFO"))[0])
    assert e["db"] == "9"
    assert e["resp"] == "2"


# ---------------------------------------------------------------------------------------- KILL
def test_client_kill_by_id_closes_that_connection(raw, r):
    killer, victim = raw(), raw()
    vid = client_id(victim)
    assert killer.cmd("CLIENT", "KILL", "ID", vid) == intr(1)
    assert victim.is_closed_by_server(timeout=3)
    assert killer.cmd("CLIENT", "KILL", "ID", vid) == intr(0)
    assert killer.cmd("PING") == b"+PONG\r\n"


def test_client_kill_by_addr_filter(raw, r):
    killer, victim = raw(), raw()
    assert victim.cmd("PING") == b"+PONG\r\n"
    assert killer.cmd("CLIENT", "KILL", "ADDR", local_addr(victim)) == intr(1)
    assert victim.is_closed_by_server(timeout=3)
    assert killer.cmd("CLIENT", "KILL", "ADDR", "1.2.3.4:5") == intr(0)


def test_client_kill_old_form_by_addr(raw, r):
    killer, victim = raw(), raw()
    assert victim.cmd("PING") == b"+PONG\r\n"
    assert killer.cmd("CLIENT", "KILL", local_addr(victim)) == b"+OK\r\n"
    assert victim.is_closed_by_server(timeout=3)
    assert killer.cmd("CLIENT", "KILL", "1.2.3.4:5") == b"-ERR No such client\r\n"


def test_client_kill_skips_self_unless_skipme_no(rc):
    me = client_id(rc)
    # the filter form defaults to SKIPME yes
    assert rc.cmd("CLIENT", "KILL", "ID", me) == intr(0)
    assert rc.cmd("PING") == b"+PONG\r\n"
    rc.send_cmd("CLIENT", "KILL", "ID", me, "SKIPME", "no")
    assert rc.read_until_close(timeout=3) == intr(1)


def test_client_kill_errors(rc):
    assert rc.cmd("CLIENT", "KILL", "ID", "abc") == b"-ERR client-id should be greater than 0\r\n"
    assert rc.cmd("CLIENT", "KILL", "foo", "bar") == b"-ERR syntax error\r\n"
    assert rc.cmd("CLIENT", "KILL") == b"-ERR wrong number of arguments for 'client|kill' command\r\n"


# ---------------------------------------------------------------------------------------- PAUSE / UNPAUSE
class Pending:
    """Runs one command on a raw connection in a thread and records when its reply arrives."""

    def __init__(self, conn, *args):
        self.reply = None
        self.error = None
        self.done = threading.Event()
        self.t = threading.Thread(target=self._run, args=(conn, args), daemon=True)
        self.t.start()

    def _run(self, conn, args):
        try:
            self.reply = conn.cmd(*args)
        except Exception as e:  # noqa: BLE001
            self.error = e
        finally:
            self.done.set()


def test_client_pause_write_blocks_writes_until_unpause(start_server):
    srv = start_server()
    with srv.raw() as admin, srv.raw(timeout=15) as worker:
        assert worker.cmd("SET", "k", "before") == b"+OK\r\n"
        assert admin.cmd("CLIENT", "PAUSE", "10000", "WRITE") == b"+OK\r\n"
        # reads still work
        assert worker.cmd("GET", "k") == b"$6\r\nbefore\r\n"
        p = Pending(worker, "SET", "k", "after")
        assert not p.done.wait(0.7), "write was not paused: %r" % p.reply
        with srv.raw() as reader:
            assert reader.cmd("GET", "k") == b"$6\r\nbefore\r\n"
        assert admin.cmd("CLIENT", "UNPAUSE") == b"+OK\r\n"
        assert p.done.wait(5), "paused write not released by CLIENT UNPAUSE"
        assert p.error is None and p.reply == b"+OK\r\n"
        assert admin.cmd("GET", "k") == b"$5\r\nafter\r\n"


def test_client_pause_all_blocks_reads_too(start_server):
    srv = start_server()
    with srv.raw() as admin, srv.raw(timeout=15) as worker:
        worker.cmd("SET", "k", "v")
        t0 = time.monotonic()
        assert admin.cmd("CLIENT", "PAUSE", "1200", "ALL") == b"+OK\r\n"
        p = Pending(worker, "GET", "k")
        # under ALL every command waits, CLIENT UNPAUSE included, so let the pause time out
        assert not p.done.wait(0.6), "read was not paused under ALL: %r" % p.reply
        assert p.done.wait(5), "paused read not released after the pause expired"
        assert p.reply == b"$1\r\nv\r\n"
        assert time.monotonic() - t0 >= 1.0


def test_client_pause_expires_by_itself(start_server):
    srv = start_server()
    with srv.raw() as admin, srv.raw(timeout=15) as worker:
        t0 = time.monotonic()
        assert admin.cmd("CLIENT", "PAUSE", "400", "WRITE") == b"+OK\r\n"
        assert worker.cmd("SET", "k", "v") == b"+OK\r\n"
        waited = time.monotonic() - t0
        assert 0.3 <= waited < 5, waited


def test_client_pause_errors(rc):
    assert rc.cmd("CLIENT", "PAUSE", "abc") == b"-ERR timeout is not an integer or out of range\r\n"
    assert rc.cmd("CLIENT", "PAUSE", "-1") == b"-ERR timeout is negative\r\n"
    assert rc.cmd("CLIENT", "PAUSE", "10", "foo") == b"-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n"
    assert rc.cmd("CLIENT", "UNPAUSE") == b"+OK\r\n"


# ---------------------------------------------------------------------------------------- NO-EVICT
def test_client_no_evict(rc):
    assert rc.cmd("CLIENT", "NO-EVICT", "on") == b"+OK\r\n"
    e = parse_client_line(parse_reply(rc.cmd("CLIENT", "INFO"))[0])
    assert "e" in e["flags"]
    assert rc.cmd("CLIENT", "NO-EVICT", "off") == b"+OK\r\n"
    e = parse_client_line(parse_reply(rc.cmd("CLIENT", "INFO"))[0])
    assert "e" not in e["flags"]
    assert rc.cmd("CLIENT", "NO-EVICT", "foo") == b"-ERR syntax error\r\n"
    assert rc.cmd("CLIENT", "NO-EVICT", "ON") == b"+OK\r\n"


def test_write_pause_after_an_expired_all_pause_does_not_block_reads(server):
    with server.raw() as admin, server.raw() as reader:
        admin.cmd("SET", "pk", "v")
        assert admin.cmd("CLIENT", "PAUSE", "100", "ALL") == b"+OK\r\n"
        time.sleep(0.4)
        assert admin.cmd("CLIENT", "PAUSE", "3000", "WRITE") == b"+OK\r\n"
        try:
            start = time.monotonic()
            assert reader.cmd("GET", "pk") == b"$1\r\nv\r\n"
            assert time.monotonic() - start < 1.0
        finally:
            assert admin.cmd("CLIENT", "UNPAUSE") == b"+OK\r\n"


def test_client_info_line_is_complete_with_a_very_long_name(rc):
    name = "n" * 1100
    assert rc.cmd("CLIENT", "SETNAME", name) == b"+OK\r\n"
    line = parse_reply(rc.cmd("CLIENT", "INFO"))[0]
    assert (b" name=" + name.encode() + b" ") in line
    assert line.rstrip().endswith(b"resp=2")
