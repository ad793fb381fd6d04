"""Connection-level commands: PING ECHO HELLO QUIT RESET SELECT SWAPDB DBSIZE FLUSHDB FLUSHALL,
plus the generic unknown-command and arity errors. Replies are compared byte for byte."""
import time

import pytest

from helpers import parse_reply, wait_until

HELLO_KEYS = [b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"]


def test_ping_without_argument_replies_pong(rc):
    assert rc.cmd("PING") == b"+PONG\r\n"


def test_ping_with_argument_echoes_it_as_bulk(rc):
    assert rc.cmd("PING", "hello world") == b"$11\r\nhello world\r\n"


def test_ping_with_two_arguments_is_arity_error(rc):
    assert rc.cmd("PING", "a", "b") == b"-ERR wrong number of arguments for 'ping' command\r\n"


def test_ping_is_case_insensitive(rc):
    assert rc.cmd("pInG") == b"+PONG\r\n"


def test_echo_returns_binary_safe_argument(rc):
    payload = bytes(range(256))
    assert rc.cmd("ECHO", payload) == b"$256\r\n" + payload + b"\r\n"
    assert rc.cmd("ECHO", "") == b"$0\r\n\r\n"


def test_echo_arity(rc):
    assert rc.cmd("ECHO") == b"-ERR wrong number of arguments for 'echo' command\r\n"
    assert rc.cmd("ECHO", "a", "b") == b"-ERR wrong number of arguments for 'echo' command\r\n"


def test_unknown_command_error_lists_first_args(rc):
    assert rc.cmd("foo", "a") == b"-ERR unknown command 'foo', with args beginning with: 'a' \r\n"
    assert rc.cmd("foo", "a", "b") == b"-ERR unknown command 'foo', with args beginning with: 'a' 'b' \r\n"
    assert rc.cmd("foo") == b"-ERR unknown command 'foo', with args beginning with: \r\n"


def test_unknown_command_error_truncates_and_sanitises_args(rc):
    # newlines inside an error would break the reply stream: they become spaces
    assert rc.cmd("foo", "a\r\nb") == b"-ERR unknown command 'foo', with args beginning with: 'a  b' \r\n"
    assert rc.cmd("PING") == b"+PONG\r\n"
    # the listed args stop at about 128 characters
    reply = rc.cmd("foo", "x" * 200, "y")
    assert reply == b"-ERR unknown command 'foo', with args beginning with: '" + b"x" * 128 + b"' \r\n"


def test_command_name_with_nul_is_unknown(rc):
    # Redis compares command names as C strings, so "GET\0" is found as GET only when its
    # randomly seeded hash happens to land in GET's bucket; Tessera always says unknown (and,
    # like Redis, prints the name up to the NUL).
    assert rc.cmd("GET\x00", "a") == b"-ERR unknown command 'GET', with args beginning with: 'a' \r\n"


def test_unknown_command_keeps_connection_usable(rc):
    rc.cmd("nosuchcommand")
    assert rc.cmd("PING") == b"+PONG\r\n"


def test_wrong_arity_errors_name_the_lowercase_command(rc):
    assert rc.cmd("GET") == b"-ERR wrong number of arguments for 'get' command\r\n"
    assert rc.cmd("GET", "a", "b") == b"-ERR wrong number of arguments for 'get' command\r\n"
    assert rc.cmd("SET", "k") == b"-ERR wrong number of arguments for 'set' command\r\n"
    assert rc.cmd("DBSIZE", "x") == b"-ERR wrong number of arguments for 'dbsize' command\r\n"


def test_subcommand_arity_and_unknown_subcommand_errors(rc):
    assert rc.cmd("CLIENT", "SETNAME") == b"-ERR wrong number of arguments for 'client|setname' command\r\n"
    assert rc.cmd("CONFIG", "GET") == b"-ERR wrong number of arguments for 'config|get' command\r\n"
    assert rc.cmd("CLIENT", "foo") == b"-ERR unknown subcommand 'foo'. Try CLIENT HELP.\r\n"
    assert rc.cmd("CONFIG", "foo") == b"-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n"
    assert rc.cmd("OBJECT", "foo") == b"-ERR unknown subcommand 'foo'. Try OBJECT HELP.\r\n"
    assert rc.cmd("COMMAND", "foo") == b"-ERR unknown subcommand 'foo'. Try COMMAND HELP.\r\n"


# ---------------------------------------------------------------------------------------- HELLO
def _hello_fields(value):
    if isinstance(value, dict):
        return value
    assert isinstance(value, list) and len(value) % 2 == 0
    return dict(zip(value[0::2], value[1::2]))


def test_hello_2_returns_flat_array_of_server_fields(rc):
    raw = rc.cmd("HELLO", "2")
    assert raw.startswith(b"*14\r\n")
    fields = _hello_fields(parse_reply(raw)[0])
    assert list(fields.keys()) == HELLO_KEYS
    assert fields[b"proto"] == 2
    assert fields[b"mode"] == b"standalone"
    assert fields[b"role"] == b"master"
    assert fields[b"modules"] == []
    assert isinstance(fields[b"id"], int)
    assert fields[b"id"] == parse_reply(rc.cmd("CLIENT", "ID"))[0]


def test_hello_3_returns_map_and_switches_to_resp3(rc):
    raw = rc.cmd("HELLO", "3")
    assert raw.startswith(b"%7\r\n")
    fields = parse_reply(raw)[0]
    assert list(fields.keys()) == HELLO_KEYS
    assert fields[b"proto"] == 3
    # RESP3 null for a missing key
    assert rc.cmd("GET", "missing") == b"_\r\n"
    # back to RESP2
    assert rc.cmd("HELLO", "2").startswith(b"*14\r\n")
    assert rc.cmd("GET", "missing") == b"$-1\r\n"


def test_hello_without_version_reports_current_protocol(rc):
    fields = _hello_fields(parse_reply(rc.cmd("HELLO"))[0])
    assert fields[b"proto"] == 2
    rc.cmd("HELLO", "3")
    raw = rc.cmd("HELLO")
    assert raw.startswith(b"%7\r\n")
    assert parse_reply(raw)[0][b"proto"] == 3


def test_hello_rejects_unsupported_and_non_integer_versions(rc):
    assert rc.cmd("HELLO", "4") == b"-NOPROTO unsupported protocol version\r\n"
    assert rc.cmd("HELLO", "1") == b"-NOPROTO unsupported protocol version\r\n"
    assert rc.cmd("HELLO", "abc") == b"-ERR Protocol version is not an integer or out of range\r\n"
    # the connection stays RESP2 after a failed HELLO
    assert rc.cmd("GET", "missing") == b"$-1\r\n"


def test_hello_auth_default_user_with_any_password_when_no_requirepass(rc):
    raw = rc.cmd("HELLO", "3", "AUTH", "default", "whatever")
    assert raw.startswith(b"%7\r\n")
    assert rc.cmd("PING") == b"+PONG\r\n"


def test_hello_auth_unknown_user_is_wrongpass(rc):
    assert rc.cmd("HELLO", "3", "AUTH", "nosuchuser", "x") == \
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"


def test_hello_setname_sets_client_name(rc):
    assert rc.cmd("HELLO", "2", "SETNAME", "myconn").startswith(b"*14\r\n")
    assert rc.cmd("CLIENT", "GETNAME") == b"$6\r\nmyconn\r\n"


def test_hello_setname_and_auth_in_either_order(rc):
    assert rc.cmd("HELLO", "3", "SETNAME", "n1", "AUTH", "default", "x").startswith(b"%7\r\n")
    assert rc.cmd("CLIENT", "GETNAME") == b"$2\r\nn1\r\n"
    assert rc.cmd("HELLO", "2", "AUTH", "default", "x", "SETNAME", "n2").startswith(b"*14\r\n")
    assert rc.cmd("CLIENT", "GETNAME") == b"$2\r\nn2\r\n"


def test_hello_option_syntax_errors(rc):
    assert rc.cmd("HELLO", "3", "SETNAME") == b"-ERR Syntax error in HELLO option 'SETNAME'\r\n"
    assert rc.cmd("HELLO", "3", "AUTH", "default") == b"-ERR Syntax error in HELLO option 'AUTH'\r\n"
    assert rc.cmd("HELLO", "2", "foo") == b"-ERR Syntax error in HELLO option 'foo'\r\n"
    assert rc.cmd("HELLO", "2", "SETNAME", "a b") == \
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    # none of the failed HELLOs switched the protocol
    assert rc.cmd("GET", "missing") == b"$-1\r\n"


def test_requirepass_blocks_commands_until_hello_auth(start_server):
    srv = start_server(extra_args=["--requirepass", "s3cret"])
    with srv.raw() as c:
        assert c.cmd("PING") == b"-NOAUTH Authentication required.\r\n"
        assert c.cmd("GET", "a") == b"-NOAUTH Authentication required.\r\n"
        assert c.cmd("HELLO", "3") == (
            b"-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
            b"HELLO AUTH <user> <pass> option can be used to authenticate the client and select the "
            b"RESP protocol version at the same time\r\n")
        assert c.cmd("HELLO", "3", "AUTH", "default", "wrong") == \
            b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        assert c.cmd("HELLO", "3", "AUTH", "default", "s3cret", "SETNAME", "authed").startswith(b"%7\r\n")
        assert c.cmd("PING") == b"+PONG\r\n"
        assert c.cmd("CLIENT", "GETNAME") == b"$6\r\nauthed\r\n"
    with srv.raw() as c:
        assert c.cmd("AUTH", "wrong") == b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        assert c.cmd("AUTH", "s3cret") == b"+OK\r\n"
        assert c.cmd("PING") == b"+PONG\r\n"


def test_auth_without_configured_password_is_an_error(rc):
    assert rc.cmd("AUTH", "x") == (
        b"-ERR AUTH <password> called without any password configured for the default user. "
        b"Are you sure your configuration is correct?\r\n")
    assert rc.cmd("AUTH", "default", "x") == b"+OK\r\n"


# ---------------------------------------------------------------------------------------- QUIT / RESET
def test_quit_replies_ok_and_closes(rc):
    rc.send(b"*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n")
    assert rc.read_until_close(timeout=3) == b"+OK\r\n"


def test_reset_restores_connection_defaults(rc):
    assert rc.cmd("HELLO", "3", "SETNAME", "before").startswith(b"%7")
    assert rc.cmd("SELECT", "5") == b"+OK\r\n"
    assert rc.cmd("SET", "in5", "x") == b"+OK\r\n"
    assert rc.cmd("RESET") == b"+RESET\r\n"
    # RESP2 again, db 0 again, no name
    assert rc.cmd("GET", "in5") == b"$-1\r\n"
    assert rc.cmd("CLIENT", "GETNAME") == b"$-1\r\n"
    assert rc.cmd("SELECT", "5") == b"+OK\r\n"
    assert rc.cmd("GET", "in5") == b"$1\r\nx\r\n"


# ---------------------------------------------------------------------------------------- SELECT / SWAPDB
def test_select_isolates_sixteen_databases(rc):
    for db in range(16):
        assert rc.cmd("SELECT", db) == b"+OK\r\n"
        assert rc.cmd("SET", "k", "v%d" % db) == b"+OK\r\n"
    for db in range(16):
        rc.cmd("SELECT", db)
        assert rc.cmd("GET", "k") == b"$%d\r\nv%d\r\n" % (len(b"v%d" % db), db)
        assert rc.cmd("DBSIZE") == b":1\r\n"


def test_select_out_of_range_and_non_integer(rc):
    assert rc.cmd("SELECT", "16") == b"-ERR DB index is out of range\r\n"
    assert rc.cmd("SELECT", "-1") == b"-ERR DB index is out of range\r\n"
    assert rc.cmd("SELECT", "abc") == b"-ERR value is not an integer or out of range\r\n"
    assert rc.cmd("SELECT") == b"-ERR wrong number of arguments for 'select' command\r\n"


def test_select_is_per_connection(raw, r):
    a, b = raw(), raw()
    assert a.cmd("SELECT", "3") == b"+OK\r\n"
    assert a.cmd("SET", "k", "a") == b"+OK\r\n"
    assert b.cmd("GET", "k") == b"$-1\r\n"
    assert b.cmd("SELECT", "3") == b"+OK\r\n"
    assert b.cmd("GET", "k") == b"$1\r\na\r\n"


def test_swapdb_exchanges_contents_visible_to_other_connections(raw, r):
    a, b = raw(), raw()
    a.cmd("SET", "in0", "zero")
    a.cmd("SELECT", "1")
    a.cmd("SET", "in1", "one")
    a.cmd("SET", "in1b", "one")
    assert b.cmd("DBSIZE") == b":1\r\n"
    assert a.cmd("SWAPDB", "0", "1") == b"+OK\r\n"
    # b is still on db 0, which now has the old db 1 contents
    assert b.cmd("DBSIZE") == b":2\r\n"
    assert b.cmd("GET", "in1") == b"$3\r\none\r\n"
    assert a.cmd("GET", "in0") == b"$4\r\nzero\r\n"


def test_swapdb_errors(rc):
    assert rc.cmd("SWAPDB", "0", "16") == b"-ERR DB index is out of range\r\n"
    assert rc.cmd("SWAPDB", "a", "1") == b"-ERR invalid first DB index\r\n"
    assert rc.cmd("SWAPDB", "0", "a") == b"-ERR invalid second DB index\r\n"
    assert rc.cmd("SWAPDB", "0") == b"-ERR wrong number of arguments for 'swapdb' command\r\n"
    assert rc.cmd("SWAPDB", "2", "2") == b"+OK\r\n"


# ---------------------------------------------------------------------------------------- DBSIZE / FLUSH*
def test_dbsize_counts_keys_of_selected_db(rc):
    assert rc.cmd("DBSIZE") == b":0\r\n"
    for i in range(25):
        rc.cmd("SET", "k%d" % i, i)
    assert rc.cmd("DBSIZE") == b":25\r\n"
    rc.cmd("SELECT", "1")
    assert rc.cmd("DBSIZE") == b":0\r\n"


def test_flushdb_empties_only_selected_db(rc):
    rc.cmd("SET", "a", "1")
    rc.cmd("SELECT", "1")
    rc.cmd("SET", "b", "1")
    assert rc.cmd("FLUSHDB") == b"+OK\r\n"
    assert rc.cmd("DBSIZE") == b":0\r\n"
    rc.cmd("SELECT", "0")
    assert rc.cmd("DBSIZE") == b":1\r\n"


def test_flushall_empties_every_db(rc):
    for db in (0, 7, 15):
        rc.cmd("SELECT", db)
        rc.cmd("SET", "k", "v")
    assert rc.cmd("FLUSHALL") == b"+OK\r\n"
    for db in (0, 7, 15):
        rc.cmd("SELECT", db)
        assert rc.cmd("DBSIZE") == b":0\r\n"


def test_flushall_async_and_sync_variants(rc):
    for i in range(1000):
        rc.send_cmd("SET", "k%d" % i, "v")
    for i in range(1000):
        rc.read_reply()
    assert rc.cmd("FLUSHALL", "ASYNC") == b"+OK\r\n"
    assert rc.cmd("DBSIZE") == b":0\r\n"
    rc.cmd("SET", "a", "1")
    assert rc.cmd("FLUSHALL", "SYNC") == b"+OK\r\n"
    assert rc.cmd("DBSIZE") == b":0\r\n"
    rc.cmd("SET", "a", "1")
    assert rc.cmd("FLUSHDB", "ASYNC") == b"+OK\r\n"
    assert rc.cmd("DBSIZE") == b":0\r\n"


def test_flush_syntax_errors(rc):
    assert rc.cmd("FLUSHALL", "foo") == b"-ERR syntax error\r\n"
    assert rc.cmd("FLUSHDB", "a", "b") == b"-ERR syntax error\r\n"


def test_flushall_is_visible_to_other_connections(raw, r):
    a, b = raw(), raw()
    a.cmd("SET", "x", "1")
    assert b.cmd("FLUSHALL") == b"+OK\r\n"
    assert a.cmd("EXISTS", "x") == b":0\r\n"
