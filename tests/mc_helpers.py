"""Helpers for the memcached black-box tests: a raw text/meta connection, binary packets, and UDP
frames, so tests can compare replies byte for byte where pymemcache and pylibmc would hide them.

Everything here talks to 127.0.0.1 only and every blocking call is bounded by a socket timeout.
The servers themselves are started by conftest.py (McServerProcess, the mc_server fixture).
"""
import socket
import struct
import time
from collections import namedtuple

from helpers import HOST, SocketConn

# ------------------------------------------------------------------------------- text and meta
# A reply line after which the server sends a data block: "VALUE <key> <flags> <bytes> [<cas>]"
# (get/gets/gat/gats) and "VA <bytes> <flags>*" (mg/ma with v).
_ERROR_PREFIXES = (b"ERROR", b"CLIENT_ERROR", b"SERVER_ERROR")


def _data_len(line):
    """The data block length announced by a VALUE/VA reply line (without CRLF), else None."""
    if line.startswith(b"VALUE "):
        parts = line.split(b" ")
        return int(parts[3]) if len(parts) >= 4 else None
    if line.startswith(b"VA "):
        return int(line.split(b" ")[1])
    return None


class McConn(SocketConn):
    """A plain TCP connection to a memcached port, read line by line.

    call(data) sends `data` followed by a sentinel command and returns every byte the server sent
    before the sentinel's reply: the exact reply of whatever `data` held, including nothing at all
    for noreply/quiet commands. The sentinel is "mn" (meta no-op, answered "MN") by default; the
    text-protocol tests use "version" (answered "VERSION ...") so they need no meta support.
    """

    def __init__(self, port, timeout=5.0, host=HOST, sentinel="mn"):
        super().__init__(port, timeout, host)
        self.sentinel = sentinel

    def read_line(self):
        """One reply line, CRLF included."""
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i + 2])
                del self.buf[:i + 2]
                return line
            self._fill()

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def read_item_line(self):
        """One reply line plus the data block it announces (VALUE/VA), as raw bytes."""
        line = self.read_line()
        n = _data_len(line[:-2])
        return line + (self.read_exact(n + 2) if n is not None else b"")

    def read_until_sentinel(self):
        """Everything up to (not including) the sentinel's reply line."""
        out = bytearray()
        while True:
            chunk = self.read_item_line()
            if self.sentinel == "mn" and chunk == b"MN\r\n":
                return bytes(out)
            if self.sentinel == "version" and chunk.startswith(b"VERSION "):
                return bytes(out)
            out += chunk

    def call(self, data):
        """Send data plus the sentinel; return the exact bytes replied to data."""
        if isinstance(data, str):
            data = data.encode()
        self.send(data + (b"mn\r\n" if self.sentinel == "mn" else b"version\r\n"))
        return self.read_until_sentinel()

    def get_reply(self, data):
        """Send a retrieval command (get/gets/gat/gats); return its reply up to END (or an error)."""
        if isinstance(data, str):
            data = data.encode()
        self.send(data)
        out = bytearray()
        while True:
            chunk = self.read_item_line()
            out += chunk
            if chunk == b"END\r\n" or chunk.startswith(_ERROR_PREFIXES):
                return bytes(out)

    def stats(self, arg=""):
        """`stats [arg]` as {name: value bytes}; asserts the reply is well-formed STAT lines + END."""
        self.send(("stats %s\r\n" % arg if arg else "stats\r\n").encode())
        out = {}
        while True:
            line = self.read_line()
            if line == b"END\r\n":
                return out
            assert line.startswith(b"STAT "), "malformed stats line %r" % line
            parts = line[5:-2].split(b" ", 1)
            assert len(parts) == 2 and parts[0], "malformed stats line %r" % line
            out[parts[0].decode()] = parts[1]

# ------------------------------------------------------------------------------------ binary
# Opcodes and statuses of the binary protocol (memcached's protocol_binary.h).
OP_GET, OP_SET, OP_ADD, OP_REPLACE, OP_DELETE, OP_INCR, OP_DECR, OP_QUIT = range(8)
OP_FLUSH, OP_GETQ, OP_NOOP, OP_VERSION, OP_GETK, OP_GETKQ, OP_APPEND, OP_PREPEND = range(8, 16)
OP_STAT, OP_SETQ, OP_ADDQ, OP_REPLACEQ, OP_DELETEQ, OP_INCRQ, OP_DECRQ, OP_QUITQ = range(16, 24)
OP_FLUSHQ, OP_APPENDQ, OP_PREPENDQ = range(24, 27)
OP_TOUCH, OP_GAT, OP_GATQ = 0x1c, 0x1d, 0x1e
OP_GATK, OP_GATKQ = 0x23, 0x24

ST_OK, ST_NOT_FOUND, ST_EXISTS, ST_TOO_LARGE, ST_INVALID, ST_NOT_STORED, ST_NON_NUMERIC = range(7)
ST_UNKNOWN_COMMAND = 0x81

_HDR = struct.Struct(">BBHBBHIIQ")
BinReply = namedtuple("BinReply", "magic opcode datatype status opaque cas extras key value")


def bin_request(opcode, key=b"", extras=b"", value=b"", opaque=0, cas=0, magic=0x80):
    """One binary request packet: 24-byte header, then extras, key and value."""
    if isinstance(key, str):
        key = key.encode()
    if isinstance(value, str):
        value = value.encode()
    body = len(extras) + len(key) + len(value)
    return _HDR.pack(magic, opcode, len(key), len(extras), 0, 0, body, opaque, cas) + extras + key + value


def store_extras(flags=0, exptime=0):
    return struct.pack(">II", flags, exptime)


def arith_extras(delta, initial=0, exptime=0):
    return struct.pack(">QQI", delta, initial, exptime)


class BinConn(SocketConn):
    """A TCP connection speaking the binary protocol by hand."""

    def read_packet(self):
        while len(self.buf) < 24:
            self._fill()
        magic, opcode, keylen, extlen, datatype, status, bodylen, opaque, cas = _HDR.unpack(bytes(self.buf[:24]))
        while len(self.buf) < 24 + bodylen:
            self._fill()
        body = bytes(self.buf[24:24 + bodylen])
        del self.buf[:24 + bodylen]
        return BinReply(magic, opcode, datatype, status, opaque, cas, body[:extlen],
                        body[extlen:extlen + keylen], body[extlen + keylen:])

    def request(self, opcode, key=b"", extras=b"", value=b"", opaque=0, cas=0):
        self.send(bin_request(opcode, key, extras, value, opaque, cas))
        return self.read_packet()

    def until_noop(self, opaque=0xabcdef):
        """Send a NOOP and return the packets that arrive before its reply (quiet-command pattern)."""
        self.send(bin_request(OP_NOOP, opaque=opaque))
        out = []
        while True:
            p = self.read_packet()
            if p.opcode == OP_NOOP and p.opaque == opaque:
                return out
            out.append(p)

# --------------------------------------------------------------------------------------- UDP
# Every UDP datagram starts with an 8-byte frame header: request id, sequence number, total
# datagrams in this message, reserved (0); all big-endian 16-bit.
UDP_HEADER = struct.Struct(">HHHH")
# memcached's UDP_MAX_PAYLOAD_SIZE: a reply datagram is at most 1400 bytes, header included
# (so 1392 bytes of reply text per datagram).
UDP_MAX_DATAGRAM = 1400


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class UdpClient:
    """A UDP socket to a memcached UDP port."""

    def __init__(self, port, timeout=3.0, host=HOST):
        self.addr = (host, port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.settimeout(timeout)
        self.timeout = timeout

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send_raw(self, datagram):
        self.sock.sendto(datagram, self.addr)

    def send(self, payload, request_id, seq=0, total=1):
        self.send_raw(UDP_HEADER.pack(request_id, seq, total, 0) + payload)

    def recv(self, timeout=None):
        """One datagram as ((request id, seq, total, reserved), payload, total length)."""
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        d, _ = self.sock.recvfrom(1 << 16)
        return UDP_HEADER.unpack(d[:8]), d[8:], len(d)

    def call(self, payload, request_id, done):
        """Send one request; receive datagrams until done(concatenated payloads) is true.

        Returns [(header, payload, datagram length)] in arrival order. Raises socket.timeout if
        the reply does not complete within the timeout.
        """
        self.send(payload, request_id)
        out = []
        body = b""
        deadline = time.monotonic() + self.timeout
        while not done(body):
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("UDP reply incomplete: %d datagrams, %r" % (len(out), body[-200:]))
            d = self.recv(left)
            out.append(d)
            body += d[1]
        return out

    def drain(self, wait=0.2):
        """Datagrams that arrive within `wait` seconds."""
        out = []
        deadline = time.monotonic() + wait
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return out
            try:
                out.append(self.recv(left))
            except socket.timeout:
                return out
