"""CONFIG GET/SET/RESETSTAT/REWRITE, configuration from the command line and from a config file, and
the directives whose effect is observable: timeout, proto-max-bulk-len, maxclients."""
import os
import shutil
import socket
import subprocess
import time

import pytest

import conftest
from helpers import info_dict, intr, parse_reply, wait_until

# Tessera's policies beyond Redis's, listed after them in the bad-policy error.
FIFO_POLICIES = b"" if conftest.AGAINST_REDIS else b", allkeys-fifo, volatile-fifo"



def config_get(c, *params):
    reply = parse_reply(c.cmd("CONFIG", "GET", *params))[0]
    if isinstance(reply, dict):
        return reply
    return dict(zip(reply[0::2], reply[1::2]))


# ---------------------------------------------------------------------------------------- CONFIG GET
def test_config_get_single_parameter(rc):
    assert rc.cmd("CONFIG", "GET", "maxmemory") == b"*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"


def test_config_get_defaults(rc, server):
    cfg = config_get(rc, "databases", "timeout", "maxmemory-policy", "proto-max-bulk-len", "port")
    assert cfg == {b"databases": b"16", b"timeout": b"0", b"maxmemory-policy": b"noeviction",
                   b"proto-max-bulk-len": b"536870912", b"port": str(server.port).encode()}


def test_config_get_glob_pattern(rc):
    cfg = config_get(rc, "maxmemory*")
    assert cfg[b"maxmemory"] == b"0"
    assert cfg[b"maxmemory-policy"] == b"noeviction"
    assert all(k.startswith(b"maxmemory") for k in cfg)


def test_config_get_unknown_is_empty(rc):
    assert rc.cmd("CONFIG", "GET", "nosuchparam") == b"*0\r\n"


def test_config_get_resp3_is_a_map(rc):
    rc.cmd("HELLO", "3")
    assert rc.cmd("CONFIG", "GET", "maxmemory") == b"%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n"


# ---------------------------------------------------------------------------------------- CONFIG SET
def test_config_set_then_get_with_memory_units(rc):
    try:
        assert rc.cmd("CONFIG", "SET", "maxmemory", "10mb") == b"+OK\r\n"
        assert config_get(rc, "maxmemory") == {b"maxmemory": b"10485760"}
        assert rc.cmd("CONFIG", "SET", "maxmemory", "1gb") == b"+OK\r\n"
        assert config_get(rc, "maxmemory") == {b"maxmemory": b"1073741824"}
        assert rc.cmd("CONFIG", "SET", "maxmemory", "12345") == b"+OK\r\n"
        assert config_get(rc, "maxmemory") == {b"maxmemory": b"12345"}
    finally:
        rc.cmd("CONFIG", "SET", "maxmemory", "0")


def test_config_set_multiple_parameters_atomically(rc):
    try:
        assert rc.cmd("CONFIG", "SET", "timeout", "100", "maxmemory-policy", "allkeys-lru") == b"+OK\r\n"
        assert config_get(rc, "timeout", "maxmemory-policy") == {
            b"timeout": b"100", b"maxmemory-policy": b"allkeys-lru"}
        # one bad value: nothing is applied
        assert rc.cmd("CONFIG", "SET", "timeout", "5", "maxmemory-policy", "bogus").startswith(
            b"-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy')")
        assert config_get(rc, "timeout") == {b"timeout": b"100"}
    finally:
        rc.cmd("CONFIG", "SET", "timeout", "0", "maxmemory-policy", "noeviction")


def test_config_set_errors(rc):
    assert rc.cmd("CONFIG", "SET", "foo", "bar") == \
        b"-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n"
    assert rc.cmd("CONFIG", "SET", "timeout", "abc") == (
        b"-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed "
        b"into an integer\r\n")
    assert rc.cmd("CONFIG", "SET", "timeout", "-1") == (
        b"-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and "
        b"2147483647 inclusive\r\n")
    assert rc.cmd("CONFIG", "SET", "maxmemory-policy", "foo") == (
        b"-ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one "
        b"of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, "
        b"allkeys-lfu, allkeys-random, noeviction" + FIFO_POLICIES + b"\r\n")
    assert rc.cmd("CONFIG", "SET", "lazyfree-lazy-eviction", "maybe") == (
        b"-ERR CONFIG SET failed (possibly related to argument 'lazyfree-lazy-eviction') - argument must be "
        b"'yes' or 'no'\r\n")
    assert rc.cmd("CONFIG", "SET", "timeout", "0", "timeout", "1") == (
        b"-ERR CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter\r\n")
    assert rc.cmd("CONFIG", "SET", "daemonize", "yes") == (
        b"-ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config\r\n")
    assert rc.cmd("CONFIG", "SET", "maxmemory") == b"-ERR wrong number of arguments for 'config|set' command\r\n"
    assert config_get(rc, "timeout") == {b"timeout": b"0"}


# ---------------------------------------------------------------------------------------- CONFIG RESETSTAT
def test_config_resetstat_zeroes_counters(rc):
    for _ in range(20):
        rc.cmd("GET", "nope")
    rc.cmd("SET", "k", "v")
    rc.cmd("GET", "k")
    assert rc.cmd("CONFIG", "RESETSTAT") == b"+OK\r\n"
    f = info_dict(parse_reply(rc.cmd("INFO", "stats"))[0])
    assert int(f["total_commands_processed"]) <= 2
    assert f["keyspace_hits"] == "0"
    assert f["keyspace_misses"] == "0"
    cs = parse_reply(rc.cmd("INFO", "commandstats"))[0].decode()
    assert "cmdstat_get" not in cs


# ---------------------------------------------------------------------------------------- CONFIG REWRITE
def test_config_rewrite_without_config_file_is_error(rc):
    assert rc.cmd("CONFIG", "REWRITE") == b"-ERR The server is running without a config file\r\n"


def test_config_file_directives_are_loaded(start_server):
    srv = start_server(config_text="maxmemory-policy allkeys-lru\ntimeout 77\nmaxmemory 3mb\n")
    with srv.raw() as c:
        assert config_get(c, "maxmemory-policy", "timeout", "maxmemory") == {
            b"maxmemory-policy": b"allkeys-lru", b"timeout": b"77", b"maxmemory": b"3145728"}


def test_command_line_overrides_config_file(start_server):
    srv = start_server(config_text="timeout 77\n", extra_args=["--timeout", "88"])
    with srv.raw() as c:
        assert config_get(c, "timeout") == {b"timeout": b"88"}


def test_config_rewrite_persists_settings_to_the_config_file(start_server):
    srv = start_server(config_text="maxmemory 1mb\n# a comment\n")
    with srv.raw() as c:
        assert c.cmd("CONFIG", "SET", "maxmemory", "2mb") == b"+OK\r\n"
        assert c.cmd("CONFIG", "SET", "maxmemory-policy", "allkeys-lru") == b"+OK\r\n"
        assert c.cmd("CONFIG", "SET", "timeout", "123") == b"+OK\r\n"
        assert c.cmd("CONFIG", "REWRITE") == b"+OK\r\n"
    with open(srv.config_path) as f:
        text = f.read()
    lines = [l.strip() for l in text.splitlines()]
    assert "maxmemory-policy allkeys-lru" in lines
    assert "timeout 123" in lines
    assert "maxmemory 1mb" not in lines
    assert len([l for l in lines if l.startswith("maxmemory ")]) == 1
    # a fresh server from the rewritten file has the settings (in a directory of its own: the
    # rewritten `dir` is the first server's, and a data directory holds one server)
    text = "\n".join(l for l in text.splitlines() if not l.startswith("dir "))
    srv2 = start_server(config_text=text)
    with srv2.raw() as c:
        assert config_get(c, "maxmemory", "maxmemory-policy", "timeout") == {
            b"maxmemory": b"2097152", b"maxmemory-policy": b"allkeys-lru", b"timeout": b"123"}


def test_unknown_directive_on_command_line_fails_startup():
    port = conftest.free_port()
    s = conftest.ServerProcess(extra_args=["--no-such-directive", "1"])
    argv = s.argv(port)
    proc = subprocess.Popen(argv, cwd=s.workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    try:
        out, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("server started despite an unknown directive")
    finally:
        shutil.rmtree(s.workdir, ignore_errors=True)
    assert proc.returncode > 0, (proc.returncode, out[-2000:])


# ---------------------------------------------------------------------------------------- timeout
def test_idle_client_is_closed_after_timeout(start_server):
    srv = start_server(extra_args=["--timeout", "1"])
    with srv.raw() as c:
        assert c.cmd("PING") == b"+PONG\r\n"
        t0 = time.monotonic()
        assert c.is_closed_by_server(timeout=5.0), "idle client not closed within 5s with --timeout 1"
        elapsed = time.monotonic() - t0
        assert elapsed >= 0.9, "closed too early (%.2fs)" % elapsed
    # the server itself keeps serving
    with srv.raw() as c:
        assert c.cmd("PING") == b"+PONG\r\n"


def test_active_client_is_not_closed_by_timeout(start_server):
    srv = start_server(extra_args=["--timeout", "1"])
    with srv.raw() as c:
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            assert c.cmd("PING") == b"+PONG\r\n"
            time.sleep(0.25)


def test_config_set_timeout_applies_at_runtime(start_server):
    srv = start_server()
    with srv.raw() as admin, srv.raw() as idle:
        assert idle.cmd("PING") == b"+PONG\r\n"
        assert admin.cmd("CONFIG", "SET", "timeout", "1") == b"+OK\r\n"
        assert idle.is_closed_by_server(timeout=5.0)


# ---------------------------------------------------------------------------------------- proto-max-bulk-len
def test_proto_max_bulk_len_limits_request_bulk(start_server):
    srv = start_server(extra_args=["--proto-max-bulk-len", "1mb"])
    with srv.raw() as c:
        assert config_get(c, "proto-max-bulk-len") == {b"proto-max-bulk-len": b"1048576"}
        # exactly the limit is fine
        v = b"x" * (1 << 20)
        assert c.cmd("SET", "k", v) == b"+OK\r\n"
        assert c.cmd("STRLEN", "k") == intr(1 << 20)
        assert c.cmd("APPEND", "k", "y") == b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
        assert c.cmd("SETRANGE", "k", str(1 << 20), "y") == \
            b"-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n"
    with srv.raw() as c:
        c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n")
        assert c.read_until_close(timeout=5) == b"-ERR Protocol error: invalid bulk length\r\n"
    with srv.raw() as c:
        assert c.cmd("STRLEN", "k") == intr(1 << 20)


# ---------------------------------------------------------------------------------------- maxclients
def test_maxclients_rejects_extra_connections(start_server):
    srv = start_server(extra_args=["--maxclients", "5"])
    conns = []
    try:
        for _ in range(5):
            c = srv.raw()
            conns.append(c)
            assert c.cmd("PING") == b"+PONG\r\n"
        extra = srv.raw()
        conns.append(extra)
        assert extra.read_until_close(timeout=5) == b"-ERR max number of clients reached\r\n"
        # closing one frees a slot
        conns[0].close()
        ok = False
        for _ in range(50):
            c = srv.raw()
            conns.append(c)
            try:
                if c.cmd("PING") == b"+PONG\r\n":
                    ok = True
                    break
            except (ConnectionError, OSError):
                pass
            time.sleep(0.05)
        assert ok
    finally:
        for c in conns:
            c.close()


def test_config_rewrite_writes_memory_sizes_in_human_units(start_server):
    srv = start_server(config_text="maxmemory 1mb\n")
    with srv.raw() as c:
        assert c.cmd("CONFIG", "SET", "maxmemory", "2mb") == b"+OK\r\n"
        assert c.cmd("CONFIG", "REWRITE") == b"+OK\r\n"
    with open(srv.config_path) as f:
        lines = [l.strip() for l in f.read().splitlines()]
    assert "maxmemory 2mb" in lines
