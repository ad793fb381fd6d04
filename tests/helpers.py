"""Shared helpers for the Tessera black-box tests: RESP encoding/parsing and a raw socket client.

The raw client exists so tests can compare replies byte for byte, which redis-py would hide.
Everything here talks to 127.0.0.1 only.
"""
import socket
import time

HOST = "127.0.0.1"


class Incomplete(Exception):
    """The buffer does not yet hold a complete RESP reply."""


class RespError(bytes):
    """A RESP error reply (the text after '-' or the body of a '!' blob error)."""

    def __repr__(self):
        return "RespError(%s)" % bytes.__repr__(self)


class RespVerbatim(bytes):
    """A RESP3 verbatim string; the bytes hold the text after the 'txt:' prefix."""


def encode_command(*args):
    """Encode arguments as a RESP multibulk request."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, int):
            a = str(a).encode()
        elif isinstance(a, float):
            a = repr(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def bulk(v):
    """The RESP bulk-string encoding of `v` (str or bytes)."""
    if isinstance(v, str):
        v = v.encode()
    return b"$%d\r\n%s\r\n" % (len(v), v)


def intr(n):
    """The RESP integer encoding of `n`."""
    return b":%d\r\n" % n


def _line(buf, pos):
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise Incomplete()
    return bytes(buf[pos:end]), end + 2


def parse_reply(buf, pos=0):
    """Parse one RESP2/RESP3 reply from buf at pos.

    Returns (value, new_pos). Raises Incomplete when more bytes are needed.
    Value mapping: simple/bulk string -> bytes, error -> RespError, integer -> int,
    null -> None, array/set/push -> list, map -> list of (key, value) pairs wrapped in
    a dict when all keys are hashable, double -> float, boolean -> bool, big number -> int.
    """
    if pos >= len(buf):
        raise Incomplete()
    t = buf[pos:pos + 1]
    line, nxt = _line(buf, pos + 1)
    if t == b"+":
        return line, nxt
    if t == b"-":
        return RespError(line), nxt
    if t == b":":
        return int(line), nxt
    if t == b"(":
        return int(line), nxt
    if t == b",":
        s = line.lower()
        if s in (b"inf", b"+inf"):
            return float("inf"), nxt
        if s == b"-inf":
            return float("-inf"), nxt
        return float(line), nxt
    if t == b"#":
        return line == b"t", nxt
    if t == b"_":
        return None, nxt
    if t in (b"$", b"!", b"="):
        n = int(line)
        if n < 0:
            return None, nxt
        if len(buf) < nxt + n + 2:
            raise Incomplete()
        data = bytes(buf[nxt:nxt + n])
        if t == b"!":
            data = RespError(data)
        elif t == b"=":
            data = RespVerbatim(data[4:])
        return data, nxt + n + 2
    if t in (b"*", b"~", b">"):
        n = int(line)
        if n < 0:
            return None, nxt
        items = []
        p = nxt
        for _ in range(n):
            v, p = parse_reply(buf, p)
            items.append(v)
        return items, p
    if t == b"%":
        n = int(line)
        pairs = []
        p = nxt
        for _ in range(n):
            k, p = parse_reply(buf, p)
            v, p = parse_reply(buf, p)
            pairs.append((k, v))
        try:
            return dict(pairs), p
        except TypeError:
            return pairs, p
    if t == b"|":
        # Attribute: skip it and return the reply that follows.
        n = int(line)
        p = nxt
        for _ in range(n * 2):
            _, p = parse_reply(buf, p)
        return parse_reply(buf, p)
    raise ValueError("unknown RESP type byte %r at %d in %r" % (t, pos, bytes(buf[pos:pos + 60])))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class SocketConn:
    """A plain TCP connection to 127.0.0.1 with an input buffer: the common part of the raw
    RESP, memcached text and memcached binary connections. Every blocking call is bounded by
    the socket timeout."""

    def __init__(self, port, timeout=5.0, host=HOST):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout = timeout
        self.buf = bytearray()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("connection closed by server; pending bytes %r" % bytes(self.buf[:200]))
        self.buf += chunk

    def read_available(self, wait=0.2):
        """Return whatever bytes arrive within `wait` seconds (may be b'')."""
        out = bytearray(self.buf)
        self.buf.clear()
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                break
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
        self.sock.settimeout(self.timeout)
        return bytes(out)

    def read_until_close(self, timeout=None):
        """Read everything until the server closes the connection.

        Returns all bytes received (including any not-yet-consumed buffer). Raises
        socket.timeout if the server keeps the connection open past the timeout.
        """
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        out = bytearray(self.buf)
        self.buf.clear()
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("server did not close the connection; got %r" % bytes(out[:300]))
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(1 << 16)
            except socket.timeout:
                raise socket.timeout("server did not close the connection; got %r" % bytes(out[:300]))
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
        self.sock.settimeout(self.timeout)
        return bytes(out)

    def is_closed_by_server(self, timeout=3.0):
        """True if the server closes the connection (EOF/reset) within timeout, with no data."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                self.sock.settimeout(self.timeout)
                return False
            except (ConnectionResetError, BrokenPipeError):
                return True
            if not chunk:
                return True
            self.buf += chunk


class RawConn(SocketConn):
    """A plain TCP connection speaking RESP by hand.

    read_reply() returns the exact bytes of one complete reply; read_parsed() returns the
    parsed value.
    """

    def send_cmd(self, *args):
        self.sock.sendall(encode_command(*args))

    def read_reply(self):
        """Read one complete reply; return its raw bytes."""
        while True:
            try:
                _, end = parse_reply(self.buf, 0)
            except Incomplete:
                self._fill()
                continue
            raw = bytes(self.buf[:end])
            del self.buf[:end]
            return raw

    def read_parsed(self):
        raw = self.read_reply()
        return parse_reply(raw, 0)[0]

    def cmd(self, *args):
        """Send one command and return the raw reply bytes."""
        self.send_cmd(*args)
        return self.read_reply()

    def cmd_parsed(self, *args):
        self.send_cmd(*args)
        return self.read_parsed()

    def inline(self, line):
        """Send an inline command (bytes without CRLF) and return the raw reply."""
        if isinstance(line, str):
            line = line.encode()
        self.send(line + b"\r\n")
        return self.read_reply()

def wait_until(pred, timeout=5.0, interval=0.05):
    """Poll pred() until truthy or timeout; return the last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def info_dict(text):
    """Parse an INFO reply (bytes or str) into {field: value-string}; headers are skipped."""
    if isinstance(text, bytes):
        text = text.decode()
    out = {}
    for line in text.split("\r\n"):
        if not line or line.startswith("#"):
            continue
        k, _, v = line.partition(":")
        out[k] = v
    return out


def kv_fields(s):
    """Parse 'a=1,b=2' (bytes or str) into a dict of strings."""
    if isinstance(s, bytes):
        s = s.decode()
    out = {}
    for part in s.split(","):
        k, _, v = part.partition("=")
        out[k] = v
    return out
