"""Differential tests: the same command sequences go as raw RESP to a real redis-server and to the
server under test, and the reply bytes must be identical, errors included.

Replies that are legitimately nondeterministic are compared through a normaliser instead:
  sorted   - an array reply whose order is unspecified (KEYS)
  scanall  - a full SCAN iteration (SCAN 0 <args>, then the returned cursors until 0): the sorted
             set of keys is compared, since cursor values and batch sizes are opaque
  ttl      - an integer reply compared as its class (-2, -1 or "positive"), for TTL-style replies
             of keys with relative expiries
  skip     - not compared at all (HELLO: it carries the client id and server version)
TIME, RANDOMKEY, INFO, CLIENT ID/LIST, OBJECT IDLETIME and exact TTLs of relative expiries are never
sent. All relative expiries are >= 1000 s so nothing expires during a run.
"""
import itertools
import random

import pytest

from helpers import RawConn, encode_command, parse_reply

FAR = 4102444800  # 2100-01-01, absolute expiry that never fires


class C:
    """One step: a command (args) or raw bytes, with a comparison mode."""

    def __init__(self, *args, mode="exact", raw=None):
        self.args = args
        self.mode = mode
        self.raw = raw

    def payload(self):
        return self.raw if self.raw is not None else encode_command(*self.args)

    def __repr__(self):
        if self.raw is not None:
            return "RAW%r" % (self.raw,)
        prefix = "SCAN <full iteration> " if self.mode == "scanall" else ""
        return prefix + " ".join(repr(a) if isinstance(a, (bytes, str)) and (not a or any(ch in str(a) for ch in " \r\n")) else str(a)
                        for a in self.args)


def _normalise(mode, raw):
    if mode == "exact":
        return raw
    v = parse_reply(raw)[0]
    if mode == "sorted":
        return sorted(v) if isinstance(v, list) else v
    if mode == "ttl":
        if isinstance(v, int):
            return v if v < 0 else "positive"
        return v
    raise ValueError(mode)


def _scan_all(conn, args, limit=10000):
    """Run a full SCAN iteration with args (after the cursor); return sorted keys, or the raw
    error reply if SCAN fails."""
    cursor = b"0"
    keys = []
    for _ in range(limit):
        raw = conn.cmd("SCAN", cursor, *args)
        v = parse_reply(raw)[0]
        if not (isinstance(v, list) and len(v) == 2 and isinstance(v[1], list)):
            return raw
        cursor = v[0]
        keys.extend(v[1])
        if cursor == b"0":
            return b"\n".join(sorted(set(keys)))
    return b"<SCAN did not finish in %d calls>" % limit


def _short(b, limit=400):
    b = bytes(b)
    return repr(b) if len(b) <= limit else "%r... (%d bytes)" % (b[:limit], len(b))


def run_differential(ref_port, sut_port, steps, label):
    """Send steps to both servers (fresh connections) and compare replies step by step."""
    ref = RawConn(ref_port, timeout=10)
    sut = RawConn(sut_port, timeout=10)
    history = []
    try:
        for conn in (ref, sut):
            assert conn.cmd("FLUSHALL") == b"+OK\r\n"
        for i, step in enumerate(steps):
            if step.mode == "scanall":
                want = _scan_all(ref, step.args)
                try:
                    got = _scan_all(sut, step.args)
                except Exception as e:  # noqa: BLE001
                    got = ("<no reply: %s>" % e).encode()
                history.append((step, want, got))
                if want != got:
                    pytest.fail("[%s] step #%d (full SCAN iteration) differs\n  command: %r\n  redis keys: %s\n"
                                "  sut keys:   %s" % (label, i, step, _short(want), _short(got)), pytrace=False)
                continue
            payload = step.payload()
            ref.send(payload)
            want = ref.read_reply()
            sut.send(payload)
            try:
                got = sut.read_reply()
            except Exception as e:  # noqa: BLE001
                got = ("<no reply: %s>" % e).encode()
            history.append((step, want, got))
            if step.mode == "skip":
                continue
            if want == got:
                continue
            try:
                same = _normalise(step.mode, want) == _normalise(step.mode, got)
            except Exception:  # noqa: BLE001
                same = False
            if not same:
                ctx = "\n".join("    #%d %r\n        redis: %s\n        sut:   %s" % (j, s, _short(w, 120), _short(g, 120))
                                for j, (s, w, g) in enumerate(history[-8:-1], start=max(0, i - 7)))
                pytest.fail("[%s] step #%d differs\n  command: %r\n  redis:   %s\n  sut:     %s\n"
                            "  preceding steps:\n%s" % (label, i, step, _short(want), _short(got), ctx), pytrace=False)
    finally:
        ref.close()
        sut.close()


# ======================================================================================== deterministic sequences
def seq_arity_errors():
    out = []
    for args in [
        ("GET",), ("GET", "a", "b"), ("SET", "a"), ("SETNX", "a"), ("SETEX", "a", "10"), ("PSETEX", "a", "10"),
        ("GETSET", "a"), ("GETDEL",), ("GETEX",), ("MGET",), ("MSET",), ("MSET", "a"), ("MSET", "a", "1", "b"),
        ("MSETNX", "a"), ("APPEND", "a"), ("STRLEN",), ("GETRANGE", "a", "0"), ("SETRANGE", "a", "0"),
        ("SUBSTR", "a", "0"), ("INCR",), ("DECR", "a", "b"), ("INCRBY", "a"), ("DECRBY", "a"), ("INCRBYFLOAT", "a"),
        ("LCS", "a"), ("DEL",), ("UNLINK",), ("EXISTS",), ("TOUCH",), ("TYPE",), ("RENAME", "a"),
        ("RENAMENX", "a"), ("COPY", "a"), ("MOVE", "a"), ("KEYS",), ("SCAN",), ("RANDOMKEY", "x"),
        ("EXPIRE", "a"), ("PEXPIRE", "a"), ("EXPIREAT", "a"), ("PEXPIREAT", "a"), ("TTL",), ("PTTL",),
        ("EXPIRETIME",), ("PEXPIRETIME",), ("PERSIST",), ("SELECT",), ("SWAPDB", "0"), ("DBSIZE", "x"),
        ("ECHO",), ("PING", "a", "b"), ("OBJECT",), ("OBJECT", "ENCODING"), ("CLIENT",), ("CONFIG",),
        ("CONFIG", "SET", "timeout"), ("TIME", "x"), ("LASTSAVE", "x"),
        ("FLUSHALL", "ASYNC", "x"), ("ECHO", "a", "b"),
    ]:
        out.append(C(*args))
    return out


def seq_unknown_commands():
    return [
        C("foo"), C("foo", "a"), C("foo", "a", "b", "c"), C("FOO", "x" * 200), C("foo", *["arg%d" % i for i in range(40)]),
        C("x" * 200, "a"), C("foo", "a\r\nb"), C("", "a"),
        C("CLIENT", "nosuch"), C("CONFIG", "nosuch"), C("OBJECT", "nosuch"), C("COMMAND", "nosuch"),
        C("CLIENT", "x" * 200),
    ]


def seq_set_option_matrix():
    opts = [("NX",), ("XX",), ("GET",), ("KEEPTTL",), ("EX", "1000"), ("PX", "2000000"), ("EXAT", str(FAR)),
            ("PXAT", str(FAR * 1000 + 5)), ("EX", "0"), ("PX", "-5"), ("EX", "abc"), ("FOO",), ("EX",)]
    out = []
    n = 0
    for o1, o2 in itertools.product(opts, repeat=2):
        for preexist in (False, True):
            k = "sk%d" % n
            n += 1
            if preexist:
                out.append(C("SET", k, "old", "EXAT", str(FAR + 7)))
            out.append(C("SET", k, "new", *(o1 + o2)))
            out.append(C("GET", k))
            out.append(C("TTL", k, mode="ttl"))
    # a few three-option combinations
    for combo in [("NX", "GET", "EX", "1000"), ("XX", "GET", "KEEPTTL"), ("GET", "GET"), ("NX", "NX"),
                  ("EX", "1000", "EX", "1000"), ("KEEPTTL", "KEEPTTL"), ("GET", "XX", "PXAT", str(FAR * 1000))]:
        for preexist in (False, True):
            k = "sk%d" % n
            n += 1
            if preexist:
                out.append(C("SET", k, "old"))
            out.append(C("SET", k, "new", *combo))
            out.append(C("GET", k))
            out.append(C("EXPIRETIME", k, mode="ttl"))
    return out


def seq_set_family_errors():
    return [
        C("SETEX", "a", "0", "v"), C("SETEX", "a", "-1", "v"), C("SETEX", "a", "x", "v"),
        C("SETEX", "a", "9223372036854775807", "v"), C("PSETEX", "a", "0", "v"),
        C("PSETEX", "a", "9223372036854775807", "v"), C("SETEX", "a", "1000", "v"), C("GET", "a"),
        C("SETNX", "a", "w"), C("SETNX", "b", "w"), C("GETSET", "a", "z"), C("TTL", "a"),
        C("GETSET", "nope", "z"), C("GETDEL", "nope"), C("GETDEL", "a"), C("GETDEL", "a"),
        C("GETEX", "b", "EX", "0"), C("GETEX", "b", "PX", "x"), C("GETEX", "b", "EXAT", "0"),
        C("GETEX", "b", "PERSIST", "PERSIST"), C("GETEX", "b", "EX", "1000", "PERSIST"), C("GETEX", "b", "FOO"),
        C("GETEX", "b", "EXAT", str(FAR)), C("EXPIRETIME", "b"), C("GETEX", "b", "PXAT", str(FAR * 1000 + 1)),
        C("PEXPIRETIME", "b"), C("GETEX", "b", "PERSIST"), C("TTL", "b"), C("GETEX", "b", "EX", "9223372036854775807"),
        C("GETEX", "nope", "EX", "100"), C("EXISTS", "nope"),
        C("MSET", "a", "1", "b", "2", "a", "3"), C("MGET", "a", "b", "c", "a"),
        C("MSETNX", "c", "1", "a", "2"), C("MSETNX", "c", "1", "d", "2"), C("MSETNX", "e", "1", "e", "2"),
        C("MGET", "c", "d", "e"),
    ]


def seq_incr_matrix():
    values = [None, "0", "1", "-1", "10", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
              "abc", "", " 1", "1 ", "+1", "01", "1.0", "0x1", "-0", "00", "1e3"]
    incrs = ["1", "-1", "0", "9223372036854775807", "-9223372036854775808", "abc", "1.5", "", "+3", "007", "-0"]
    out = []
    n = 0
    for v in values:
        for cmd in ("INCR", "DECR"):
            k = "i%d" % n
            n += 1
            if v is not None:
                out.append(C("SET", k, v))
            out.append(C(cmd, k))
            out.append(C("GET", k))
        for cmd in ("INCRBY", "DECRBY"):
            for inc in incrs:
                k = "i%d" % n
                n += 1
                if v is not None:
                    out.append(C("SET", k, v))
                out.append(C(cmd, k, inc))
                out.append(C("GET", k))
    return out


def seq_incrbyfloat_matrix():
    values = [None, "10.5", "5.0e3", "0", "-0", "1e-3", "abc", "3.0000000000000000001", "9223372036854775807",
              "1.5e10", " 1", "1 ", "0x10", "inf", "nan", "+5", ".5", "5.", "-7", "1234567.125", "0.1"]
    incrs = ["0.1", "2.0e2", "-1", "inf", "-inf", "nan", "abc", "1e-5", "-0.5", "3", "0", "1.0e1", " 1", "",
             "0x10", "-10.5", "1.7976931348623157e308"]
    out = []
    n = 0
    for v in values:
        for inc in incrs:
            k = "f%d" % n
            n += 1
            if v is not None:
                out.append(C("SET", k, v))
            out.append(C("INCRBYFLOAT", k, inc))
            out.append(C("GET", k))
    # accumulate a chain of increments on one key
    for inc in ["0.1", "0.2", "0.3", "-0.6", "1e2", "1.5e-3", "-100.0015", "3.14159", "2.71828", "-5.85987"]:
        out.append(C("INCRBYFLOAT", "chain", inc))
    return out


def seq_getrange_setrange():
    out = [C("SET", "s", "Hello, World"), C("SET", "n", "1234567"), C("SET", "e", "")]
    idx = [-20, -13, -12, -5, -1, 0, 1, 5, 11, 12, 13, 20]
    for key in ("s", "n", "e", "missing"):
        for a in idx:
            for b in idx:
                out.append(C("GETRANGE", key, a, b))
    out += [C("GETRANGE", "s", "x", "1"), C("GETRANGE", "s", "0", "1.5"),
            C("GETRANGE", "s", "9223372036854775807", "-9223372036854775808"),
            C("GETRANGE", "s", "-9223372036854775808", "9223372036854775807"), C("SUBSTR", "s", "-3", "-1")]
    for off, val in [(0, "J"), (7, "Redis"), (12, "!"), (15, "?"), (0, ""), (100, ""), (-1, "x"), ("x", "y"),
                     (536870911, ""), (536870912, "x"), (3, "\x00\xff")]:
        out.append(C("SETRANGE", "s", off, val))
        out.append(C("GET", "s"))
    for off, val in [(0, ""), (5, ""), (2, "ab"), (0, "xyz")]:
        out.append(C("SETRANGE", "fresh%s" % off, off, val))
        out.append(C("GET", "fresh%s" % off))
        out.append(C("EXISTS", "fresh%s" % off))
    out += [C("SETRANGE", "n", "2", "x"), C("GET", "n"), C("SETRANGE", "n", "0", "9"), C("INCR", "n"),
            C("APPEND", "n", "5"), C("INCR", "n"), C("STRLEN", "n"), C("APPEND", "nope", ""), C("EXISTS", "nope"),
            C("APPEND", "s", ""), C("STRLEN", "s"), C("STRLEN", "nope")]
    return out


def seq_lcs():
    pairs = [("ohmytext", "mynewtext"), ("", "abc"), ("abc", "abc"), ("abcdef", "xyz"),
             ("ABCBDAB", "BDCABA"), ("aaaaaaaa", "aaa"), ("1234512345", "5432154321"),
             ("the quick brown fox", "a quick brown dog")]
    opts = [(), ("LEN",), ("IDX",), ("IDX", "MINMATCHLEN", "2"), ("IDX", "WITHMATCHLEN"),
            ("IDX", "MINMATCHLEN", "3", "WITHMATCHLEN"), ("IDX", "MINMATCHLEN", "0"), ("IDX", "MINMATCHLEN", "-5"),
            ("LEN", "IDX"), ("IDX", "LEN"), ("FOO",), ("MINMATCHLEN",), ("MINMATCHLEN", "x"), ("WITHMATCHLEN",),
            ("IDX", "IDX"), ("LEN", "LEN"), ("IDX", "MINMATCHLEN", "1", "MINMATCHLEN", "4")]
    out = []
    for i, (a, b) in enumerate(pairs):
        out.append(C("MSET", "la%d" % i, a, "lb%d" % i, b))
        for o in opts:
            out.append(C("LCS", "la%d" % i, "lb%d" % i, *o))
    out += [C("LCS", "nope1", "nope2"), C("LCS", "nope1", "nope2", "IDX"), C("LCS", "la0", "nope", "LEN")]
    return out


def seq_expire_matrix():
    out = []
    times = [str(FAR), str(FAR + 10), str(FAR - 10)]
    opt_sets = [(), ("NX",), ("XX",), ("GT",), ("LT",), ("XX", "GT"), ("XX", "LT"), ("NX", "XX"), ("GT", "LT"),
                ("NX", "GT"), ("FOO",), ("gt",), ("NX", "NX")]
    n = 0
    for start in (None, str(FAR)):
        for t in times:
            for opts in opt_sets:
                k = "x%d" % n
                n += 1
                out.append(C("SET", k, "v"))
                if start:
                    out.append(C("EXPIREAT", k, start))
                out.append(C("EXPIREAT", k, t, *opts))
                out.append(C("EXPIRETIME", k))
                out.append(C("PEXPIREAT", k, str(int(t) * 1000 + 1), *opts))
                out.append(C("PEXPIRETIME", k))
    for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
        for t in ["abc", "1.5", "", "9223372036854775807", "-9223372036854775808", "9223372036854775",
                  "92233720368547758", "0", "-1"]:
            out.append(C("SET", "e", "v"))
            out.append(C(cmd, "e", t))
            out.append(C("EXISTS", "e"))
        out.append(C(cmd, "missing", "100"))
    out += [C("SET", "p", "v", "EXAT", str(FAR)), C("PERSIST", "p"), C("PERSIST", "p"), C("PERSIST", "missing"),
            C("TTL", "p"), C("PTTL", "missing"), C("EXPIRETIME", "missing"), C("PEXPIRETIME", "p")]
    return out


def seq_keyspace():
    return [
        C("MSET", "a", "1", "b", "2", "c", "3"), C("DEL", "a", "a", "zz"), C("UNLINK", "b", "zz"), C("EXISTS", "a", "b", "c", "c"),
        C("TOUCH", "c", "c", "zz"), C("TYPE", "c"), C("TYPE", "zz"), C("RENAME", "zz", "y"), C("RENAME", "c", "c"),
        C("RENAMENX", "c", "c"), C("SET", "d", "4", "EXAT", str(FAR)), C("RENAME", "d", "c"), C("EXPIRETIME", "c"),
        C("RENAMENX", "c", "e"), C("RENAMENX", "e", "e2"), C("SET", "f", "x"), C("RENAMENX", "e2", "f"),
        C("COPY", "f", "g"), C("COPY", "f", "g"), C("COPY", "f", "g", "REPLACE"), C("COPY", "f", "f"),
        C("COPY", "e2", "f", "REPLACE"), C("GET", "f"), C("EXPIRETIME", "f"), C("COPY", "f", "h", "DB", "1"),
        C("COPY", "f", "h", "DB", "1"), C("COPY", "f", "h", "DB", "1", "REPLACE"), C("COPY", "f", "h", "DB", "16"),
        C("COPY", "f", "h", "DB", "x"), C("COPY", "f", "h", "REPLACE", "FOO"), C("COPY", "f", "h", "DB"),
        C("COPY", "nope", "h"), C("MOVE", "f", "1"), C("MOVE", "g", "1"), C("MOVE", "g", "0"), C("MOVE", "g", "16"),
        C("MOVE", "g", "-1"), C("MOVE", "nope", "1"), C("SELECT", "1"), C("KEYS", "*", mode="sorted"),
        C("DBSIZE"), C("SELECT", "0"), C("KEYS", "*", mode="sorted"), C("SWAPDB", "0", "1"),
        C("KEYS", "*", mode="sorted"), C("SWAPDB", "0", "0"), C("SWAPDB", "0", "16"), C("SWAPDB", "x", "0"),
        C("SWAPDB", "0", "-1"), C("SELECT", "15"), C("SELECT", "16"), C("SELECT", "-1"), C("SELECT", "1.0"),
        C("SELECT", "0"), C("COUNT", "1000", mode="scanall"),
        C("MATCH", "h*", "COUNT", "1000", mode="scanall"), C("TYPE", "string", "COUNT", "1000", mode="scanall"),
        C("TYPE", "list", "COUNT", "1000", mode="scanall"), C("SCAN", "x"), C("SCAN", "0", "COUNT", "0"),
        C("SCAN", "0", "MATCH"), C("SCAN", "0", "BAD", "1"), C("FLUSHDB"), C("DBSIZE"), C(mode="scanall"),
        C("RANDOMKEY"),
    ]


def seq_keys_patterns():
    keys = ["hello", "hallo", "hxllo", "hllo", "heeello", "hillo", "h[llo", "h*llo", "h\\llo", "key:1", "key:2",
            "key:10", "", "a b", "\xff\x00"]
    out = [C("SET", k, "1") for k in keys]
    for p in ["*", "h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[!e]llo", "h[a-i]llo", "h[i-a]llo", "h\\[llo", "h\\*llo",
              "h\\\\llo", "key:?", "key:??", "key:*", "*:1*", "[", "[a", "h[", "*\\", "?", "", "a b", "\xff*",
              "h[[]llo", "h[a-]llo", "**llo", "*o", "h*l*o"]:
        out.append(C("KEYS", p, mode="sorted"))
        out.append(C("MATCH", p, "COUNT", "1000", mode="scanall"))
        out.append(C("MATCH", p, "COUNT", "3", mode="scanall"))
    return out


def seq_object_encoding():
    out = []
    for i, v in enumerate(["0", "1", "-1", "123", "9999", "10000", "-9223372036854775808", "9223372036854775807",
                           "9223372036854775808", "01", "+1", " 1", "1.5", "", "a", "a" * 44, "a" * 45, "x" * 500]):
        out.append(C("SET", "o%d" % i, v))
        out.append(C("OBJECT", "ENCODING", "o%d" % i))
        out.append(C("OBJECT", "REFCOUNT", "o%d" % i))
    out += [C("SET", "ap", "ab"), C("APPEND", "ap", "c"), C("OBJECT", "ENCODING", "ap"),
            C("INCR", "inc"), C("OBJECT", "ENCODING", "inc"), C("SET", "sr", "abc"), C("SETRANGE", "sr", "1", "x"),
            C("OBJECT", "ENCODING", "sr"), C("OBJECT", "ENCODING", "nope"), C("OBJECT", "FREQ", "ap"),
            C("OBJECT", "FREQ", "nope"), C("OBJECT", "IDLETIME", "nope"), C("OBJECT", "REFCOUNT", "nope"),
            C("OBJECT", "ENCODING", "a", "b"), C("OBJECT", "HELP")]
    return out


def seq_connection_cmds():
    return [
        C("PING"), C("PING", "x"), C("ECHO", ""), C("ECHO", "a\r\nb"), C("HELLO", "4"), C("HELLO", "0"),
        C("HELLO", "abc"), C("HELLO", "3", "SETNAME"), C("HELLO", "3", "AUTH", "default"), C("HELLO", "2", "foo"),
        C("HELLO", "2", "SETNAME", "bad name"), C("HELLO", "3", "AUTH", "nouser", "pw"),
        C("HELLO", "3", "AUTH", "default", "pw", mode="skip"), C("GET", "nope"), C("MGET", "nope", "nope2"),
        C("CONFIG", "GET", "maxmemory"), C("SET", "x", "1", "NX"), C("SET", "x", "1", "NX"),
        C("HELLO", "2", mode="skip"), C("GET", "nope"), C("CLIENT", "SETNAME", "a b"), C("CLIENT", "SETNAME", "ok"),
        C("CLIENT", "GETNAME"), C("CLIENT", "SETNAME", ""), C("CLIENT", "GETNAME"), C("CLIENT", "NO-EVICT", "maybe"),
        C("CLIENT", "PAUSE", "x"), C("CLIENT", "PAUSE", "-5"), C("CLIENT", "PAUSE", "10", "READS"),
        C("CLIENT", "KILL", "ID", "0"), C("CLIENT", "KILL", "ID", "x"), C("CLIENT", "KILL", "ADDR", "9.9.9.9:1"),
        C("CLIENT", "KILL", "9.9.9.9:1"), C("CLIENT", "KILL", "FOO", "bar"), C("CLIENT", "LIST", "TYPE", "bogus"),
        C("FLUSHALL", "BOGUS"), C("FLUSHDB", "SYNC"), C("FLUSHALL", "ASYNC"),
        C("COMMAND", "GETKEYS", "set", "a", "b"), C("COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"),
        C("COMMAND", "GETKEYS", "ping", "x"), C("COMMAND", "GETKEYS", "bogus", "x"), C("COMMAND", "GETKEYS", "get"),
        C("COMMAND", "GETKEYS", "lcs", "a", "b"), C("COMMAND", "GETKEYS", "copy", "a", "b", "DB", "1"),
        C("COMMAND", "GETKEYS", "expire", "a", "10"), C("COMMAND", "INFO", "bogus"), C("COMMAND", "DOCS", "bogus"),
        C("CONFIG", "GET", "bogus"), C("CONFIG", "SET", "bogus", "1"), C("CONFIG", "SET", "timeout", "x"),
        C("CONFIG", "SET", "loglevel", "bogus"), C("CONFIG", "REWRITE"),
    ]


def seq_inline_raw():
    raws = [b"PING\r\n", b"SET a b\r\n", b"GET a\r\n", b'SET k "hello world"\r\n', b"GET k\r\n",
            b'ECHO "\\x41\\x42\\t\\r\\n\\\\"\r\n', b"ECHO 'single \\' quote'\r\n", b"ECHO \"\"\r\n",
            b"  ECHO   spaced   \r\n", b"PING\n", b"GET\r\n", b"nosuch a b\r\n", b"SET a\r\n", b'ECHO "\\xZZ"\r\n',
            b'ECHO "\\q"\r\n', b"INCR a\r\n", b"SET n 10\r\n", b"INCRBY n 5\r\n", b"ECHO a\tb\r\n"]
    return [C(raw=r) for r in raws]


DETERMINISTIC = {
    "arity_errors": seq_arity_errors,
    "unknown_commands": seq_unknown_commands,
    "set_option_matrix": seq_set_option_matrix,
    "set_family_errors": seq_set_family_errors,
    "incr_matrix": seq_incr_matrix,
    "incrbyfloat_matrix": seq_incrbyfloat_matrix,
    "getrange_setrange": seq_getrange_setrange,
    "lcs": seq_lcs,
    "expire_matrix": seq_expire_matrix,
    "keyspace": seq_keyspace,
    "keys_patterns": seq_keys_patterns,
    "object_encoding": seq_object_encoding,
    "connection_cmds": seq_connection_cmds,
    "inline_raw": seq_inline_raw,
}


@pytest.mark.parametrize("name", sorted(DETERMINISTIC))
def test_differential_sequence(name, redis_ref, server):
    run_differential(redis_ref.port, server.port, DETERMINISTIC[name](), name)


@pytest.mark.parametrize("name", ["set_option_matrix", "incrbyfloat_matrix", "lcs", "keyspace", "connection_cmds"])
def test_differential_sequence_resp3(name, redis_ref, server):
    steps = [C("HELLO", "3", mode="skip")] + DETERMINISTIC[name]()
    run_differential(redis_ref.port, server.port, steps, name + "/resp3")


# ======================================================================================== seeded random
class RandomCommands:
    """Seeded generator of string/key/expire commands over a small key set.

    Relative expiries come from two families so that GT/LT comparisons between them are
    deterministic: 'rising' values grow by 2 s per generated command (a later relative expiry is
    always later), 'falling' values shrink by 2 s per command from ~27 h (always later than any
    rising one). Absolute expiries are in 2100 (or 1970, which deletes)."""

    KEYS = ["k0", "k1", "k2", "k3", "n0", "n1", "f0", ""]
    VALUES = ["", "v", "hello world", "123", "-7", "0", "3.5", "1e3", "9223372036854775807",
              "-9223372036854775808", "abc\x00def", "x" * 50, "10.5", " 1", "007"]
    INTS = ["1", "-1", "0", "5", "100", "-100", "9223372036854775807", "-9223372036854775808", "abc", "1.5", ""]
    FLOATS = ["0.1", "-0.1", "1.5", "2.0e2", "-3", "1e-5", "inf", "abc", "10", "-10.25", "0"]

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.n = 0

    def key(self):
        return self.rng.choice(self.KEYS)

    def val(self):
        r = self.rng.random()
        if r < 0.3:
            return str(self.rng.randint(-50, 50))
        return self.rng.choice(self.VALUES)

    def rel_ms(self):
        if self.rng.random() < 0.5:
            return 1_000_000 + self.n * 2000
        return 100_000_000 - self.n * 2000

    def abs_s(self):
        return self.rng.choice([FAR, FAR + 10, FAR - 10, 1, 100])

    def expire_opts(self):
        r = self.rng.random()
        if r < 0.5:
            return ()
        if r < 0.9:
            return (self.rng.choice(["NX", "XX", "GT", "LT"]),)
        return tuple(self.rng.sample(["NX", "XX", "GT", "LT", "FOO"], 2))

    def set_opts(self):
        opts = []
        for _ in range(self.rng.choice([0, 0, 1, 1, 2, 3])):
            kind = self.rng.randrange(10)
            if kind == 0:
                opts.append("NX")
            elif kind == 1:
                opts.append("XX")
            elif kind == 2:
                opts.append("GET")
            elif kind == 3:
                opts.append("KEEPTTL")
            elif kind == 4:
                opts += ["EX", str(self.rel_ms() // 1000)]
            elif kind == 5:
                opts += ["PX", str(self.rel_ms())]
            elif kind == 6:
                opts += ["EXAT", str(self.abs_s())]
            elif kind == 7:
                opts += ["PXAT", str(self.abs_s() * 1000 + 3)]
            elif kind == 8:
                opts += ["EX", self.rng.choice(["0", "-1", "abc", "9223372036854775807"])]
            else:
                opts.append(self.rng.choice(["FOO", "EX", "PX"]))
        return opts

    def one(self):
        rng = self.rng
        k = self.key
        table = [
            (10, lambda: C("SET", k(), self.val(), *self.set_opts())),
            (8, lambda: C("GET", k())),
            (2, lambda: C("SETNX", k(), self.val())),
            (2, lambda: C("SETEX", k(), rng.choice([str(self.rel_ms() // 1000), "0", "-5", "x"]), self.val())),
            (1, lambda: C("PSETEX", k(), rng.choice([str(self.rel_ms()), "0"]), self.val())),
            (2, lambda: C("GETSET", k(), self.val())),
            (2, lambda: C("GETDEL", k())),
            (3, lambda: C("GETEX", k(), *rng.choice([(), ("PERSIST",), ("EX", str(self.rel_ms() // 1000)),
                                                    ("PX", str(self.rel_ms())), ("EXAT", str(self.abs_s())),
                                                    ("PXAT", str(self.abs_s() * 1000)), ("EX", "0"), ("FOO",),
                                                    ("EX", "1", "PX", "1")]))),
            (3, lambda: C("MGET", *[k() for _ in range(rng.randint(1, 4))])),
            (2, lambda: C("MSET", *[x for _ in range(rng.randint(1, 3)) for x in (k(), self.val())])),
            (1, lambda: C("MSETNX", *[x for _ in range(rng.randint(1, 3)) for x in (k(), self.val())])),
            (3, lambda: C("APPEND", k(), self.val())),
            (2, lambda: C("STRLEN", k())),
            (3, lambda: C("GETRANGE", k(), rng.randint(-15, 15), rng.randint(-15, 15))),
            (1, lambda: C("SUBSTR", k(), rng.randint(-5, 5), rng.randint(-5, 5))),
            (2, lambda: C("SETRANGE", k(), rng.choice([0, 1, 3, 7, 12, -1]), rng.choice(["", "x", "abc", "0"]))),
            (4, lambda: C("INCR", k())),
            (2, lambda: C("DECR", k())),
            (3, lambda: C("INCRBY", k(), rng.choice(self.INTS))),
            (2, lambda: C("DECRBY", k(), rng.choice(self.INTS))),
            (3, lambda: C("INCRBYFLOAT", k(), rng.choice(self.FLOATS))),
            (2, lambda: C("LCS", k(), k(), *rng.choice([(), ("LEN",), ("IDX",), ("IDX", "WITHMATCHLEN"),
                                                       ("IDX", "MINMATCHLEN", "2")]))),
            (3, lambda: C("DEL", *[k() for _ in range(rng.randint(1, 3))])),
            (1, lambda: C("UNLINK", k())),
            (3, lambda: C("EXISTS", *[k() for _ in range(rng.randint(1, 3))])),
            (1, lambda: C("TOUCH", k(), k())),
            (1, lambda: C("TYPE", k())),
            (2, lambda: C("RENAME", k(), k())),
            (1, lambda: C("RENAMENX", k(), k())),
            (2, lambda: C("COPY", k(), k(), *rng.choice([(), ("REPLACE",), ("DB", "1"), ("DB", "1", "REPLACE")]))),
            (1, lambda: C("MOVE", k(), rng.choice(["0", "1", "2"]))),
            (1, lambda: C("SELECT", rng.choice(["0", "0", "1", "2"]))),
            # DBSIZE counts keys whose (past) EXAT time has come until active expiry removes
            # them, at a moment that differs between the two servers: sent, not compared.
            (1, lambda: C("DBSIZE", mode="skip")),
            (1, lambda: C("KEYS", rng.choice(["*", "k*", "?0", "n[01]"]), mode="sorted")),
            (3, lambda: C("EXPIRE", k(), str(self.rel_ms() // 1000), *self.expire_opts())),
            (2, lambda: C("PEXPIRE", k(), str(self.rel_ms()), *self.expire_opts())),
            (2, lambda: C("EXPIREAT", k(), str(self.abs_s()), *self.expire_opts())),
            (2, lambda: C("PEXPIREAT", k(), str(self.abs_s() * 1000 + 1), *self.expire_opts())),
            (1, lambda: C(rng.choice(["EXPIRE", "PEXPIRE"]), k(), rng.choice(["abc", "-1", "0", "9223372036854775807"]))),
            (2, lambda: C("PERSIST", k())),
            (2, lambda: C(rng.choice(["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"]), k(), mode="ttl")),
            (1, lambda: C("SWAPDB", rng.choice(["0", "1"]), rng.choice(["1", "2"]))),
        ]
        total = sum(w for w, _ in table)
        pick = rng.uniform(0, total)
        for w, fn in table:
            pick -= w
            if pick <= 0:
                break
        step = fn()
        # occasionally corrupt arity: drop the last argument or add a junk one
        r = rng.random()
        if r < 0.03 and len(step.args) > 1:
            step = C(*step.args[:-1], mode=step.mode)
        elif r < 0.05:
            step = C(*(step.args + ("junk",)), mode=step.mode)
        self.n += 1
        return step

    def steps(self, count):
        return [self.one() for _ in range(count)]


@pytest.mark.timeout_s(120)
def test_differential_random_resp2(redis_ref, server):
    steps = RandomCommands(seed=20240601).steps(2000)
    run_differential(redis_ref.port, server.port, steps, "random/seed=20240601")


@pytest.mark.timeout_s(120)
def test_differential_random_resp3(redis_ref, server):
    steps = [C("HELLO", "3", mode="skip")] + RandomCommands(seed=777).steps(1500)
    run_differential(redis_ref.port, server.port, steps, "random-resp3/seed=777")


@pytest.mark.timeout_s(120)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_differential_random_more_seeds(redis_ref, server, seed):
    steps = RandomCommands(seed=seed).steps(700)
    run_differential(redis_ref.port, server.port, steps, "random/seed=%d" % seed)
