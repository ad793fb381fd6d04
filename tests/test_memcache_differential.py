"""Differential tests: random text and meta command sequences (fixed seeds) go over raw sockets to
a real memcached and to the server under test, and the replies must be identical byte for byte,
errors included. (Against TESSERA_TEST_AGAINST_MEMCACHED=1 this compares two memcacheds, which
checks the generator and the normalisation are deterministic.)

Only cas uniques are normalised: each side's (key, cas) pairs are numbered in order of first
appearance ("#1", "#2", ...), in gets/gats lines and in meta c<cas> return flags, so the
numbers must correspond between the servers; commands that take a cas (text cas, meta C) are
built per side from the canonical number. Nothing time-dependent is sent: exptimes/TTLs are 0
or negative only, and no stats, me, or l/h flags.

A small key space makes hits, misses, NOT_STORED/EXISTS and stale tokens collide often. Every
request is followed by "mn" (answered "MN"), so quiet and noreply commands are compared too
(an unexpected reply shows up before the MN).
"""
import random
import re

import pytest

from mc_helpers import McConn

KEYS = [b"k%d" % i for i in range(6)] + [b"n1", b"n2"]
BOGUS_CAS = 987654321987  # a cas no item has
STEPS = 300
_META_STATUS = (b"HD", b"VA", b"EN", b"NF", b"NS", b"EX")


class Side:
    """One server's connection and its cas numbering."""

    def __init__(self, name, port):
        self.name = name
        self.conn = McConn(port, timeout=10)
        self.canon = {}  # (key, cas) -> canonical number
        self.actual = {}  # canonical number -> cas (bytes, as the server wrote it)

    def close(self):
        self.conn.close()

    def canon_id(self, key, cas):
        if (key, cas) not in self.canon:
            n = len(self.canon) + 1
            self.canon[(key, cas)] = n
            self.actual[n] = cas
        return self.canon[(key, cas)]

    def normalise(self, reply, cmd_key):
        """The reply with every cas unique replaced by its canonical number."""
        out = []
        pos = 0
        while pos < len(reply):
            end = reply.find(b"\r\n", pos)
            if end < 0:
                out.append(reply[pos:])
                break
            line = reply[pos:end]
            pos = end + 2
            toks = line.split(b" ")
            data = None
            if toks[0] == b"VALUE" and len(toks) >= 4:
                if len(toks) == 5:
                    toks[4] = b"#%d" % self.canon_id(toks[1], toks[4])
                data = int(toks[3])
            elif toks[0] in _META_STATUS:
                if toks[0] == b"VA" and len(toks) >= 2:
                    data = int(toks[1])
                for i in range(1, len(toks)):
                    if re.fullmatch(rb"c[1-9][0-9]*", toks[i]):
                        toks[i] = b"c#%d" % self.canon_id(cmd_key, toks[i][1:])
            out.append(b" ".join(toks) + b"\r\n")
            if data is not None:
                out.append(reply[pos:pos + data + 2])
                pos += data + 2
        return b"".join(out)


class Gen:
    """Builds random steps: (label, build(side) -> request bytes, key for meta c flags)."""

    def __init__(self, seed, text=True, meta=True):
        self.rnd = random.Random(seed)
        self.text = text
        self.meta = meta
        self.ids_by_key = {}  # canonical cas numbers seen per key (same on both sides so far)
        self.pending = None  # a step to generate next (after the read that fetches its cas)

    def note_ids(self, side):
        self.ids_by_key = {}
        for (key, _cas), n in side.canon.items():
            self.ids_by_key.setdefault(key, []).append(n)

    def key(self):
        return self.rnd.choice(KEYS)

    def value(self, key=None):
        r = self.rnd.random()
        if r < 0.3 or (key in (b"n1", b"n2") and r < 0.8):
            return self.rnd.choice([b"0", b"1", b"9", b"10", b"99", b"100", b"12345", b"18446744073709551615",
                                    b"18446744073709551614"])
        if r < 0.5:
            return self.rnd.choice([b"", b"a", b"hello", b"x y z", b"VALUE k0 0 1", b"END", b"-5", b"abc\r\nEND"])
        if r < 0.97:
            return bytes(self.rnd.randrange(256) for _ in range(self.rnd.randrange(1, 40)))
        return bytes(self.rnd.randrange(32, 127) for _ in range(self.rnd.randrange(1000, 5000)))

    def cas_choice(self, key):
        """A canonical cas number for key (recent, older, or none: a bogus cas)."""
        ids = self.ids_by_key.get(key, [])
        r = self.rnd.random()
        if ids and r < 0.6:
            return ids[-1]
        if ids and r < 0.8:
            return self.rnd.choice(ids)
        return None

    @staticmethod
    def cas_token(side, n):
        return side.actual[n] if n is not None and n in side.actual else b"%d" % BOGUS_CAS

    def step(self):
        if self.pending is not None:
            make, self.pending = self.pending, None
            return make()
        kinds = []
        if self.text:
            kinds += ["store"] * 6 + ["cas"] * 2 + ["get"] * 4 + ["gat"] + ["delete"] * 2 + ["arith"] * 3
            kinds += ["touch", "text_error", "flush"]
        if self.meta:
            kinds += ["mg"] * 6 + ["ms"] * 6 + ["md"] * 2 + ["ma"] * 3 + ["meta_error"]
        return getattr(self, "_" + self.rnd.choice(kinds))()

    # ---- text
    def _noreply(self):
        return b" noreply" if self.rnd.random() < 0.15 else b""

    def _with_fresh_cas(self, k, make):
        """Half the time, read k's cas first (gets or mg c, itself a compared step) so that the
        cas-taking step that follows often carries the current cas."""
        if self.rnd.random() < 0.5:
            self.pending = make
            req = self.rnd.choice([b"gets %s\r\n", b"mg %s c\r\n", b"mg %s c v f\r\n"]) % k
            return req, (lambda side: req), k
        return make()

    def _store(self):
        cmd = self.rnd.choice([b"set", b"set", b"add", b"replace", b"append", b"prepend"])
        k = self.key()
        v = self.value(k)
        flags = self.rnd.choice([0, 0, 1, 42, 4294967295])
        exp = b"-1" if self.rnd.random() < 0.05 else b"0"
        req = b"%s %s %d %s %d%s\r\n%s\r\n" % (cmd, k, flags, exp, len(v), self._noreply(), v)
        return req, (lambda side: req), k

    def _cas(self):
        k = self.key()
        v = self.value(k)
        nr = self._noreply()

        def make():
            n = self.cas_choice(k)
            label = b"cas %s 0 0 %d <#%s>%s\r\n%s\r\n" % (k, len(v), str(n).encode(), nr, v)
            return label, (lambda side: b"cas %s 0 0 %d %s%s\r\n%s\r\n" % (k, len(v), self.cas_token(side, n),
                                                                              nr, v)), k
        return self._with_fresh_cas(k, make)

    def _get(self):
        keys = b" ".join(self.rnd.choice(KEYS) for _ in range(self.rnd.randrange(1, 5)))
        req = b"%s %s\r\n" % (self.rnd.choice([b"get", b"gets"]), keys)
        return req, (lambda side: req), None

    def _gat(self):
        keys = b" ".join(self.rnd.choice(KEYS) for _ in range(self.rnd.randrange(1, 3)))
        req = b"%s 0 %s\r\n" % (self.rnd.choice([b"gat", b"gats"]), keys)
        return req, (lambda side: req), None

    def _delete(self):
        req = b"delete %s%s\r\n" % (self.key(), self._noreply())
        return req, (lambda side: req), None

    def _arith(self):
        delta = self.rnd.choice([0, 1, 1, 2, 10, 1000, 2 ** 63, 2 ** 64 - 1])
        k = self.rnd.choice([b"n1", b"n2", b"n1", b"n2", self.key()])
        req = b"%s %s %d%s\r\n" % (self.rnd.choice([b"incr", b"decr"]), k, delta, self._noreply())
        return req, (lambda side: req), None

    def _touch(self):
        req = b"touch %s %s%s\r\n" % (self.key(), b"-1" if self.rnd.random() < 0.1 else b"0", self._noreply())
        return req, (lambda side: req), None

    def _flush(self):
        if self.rnd.random() < 0.3:
            req = self.rnd.choice([b"flush_all\r\n", b"flush_all 0\r\n", b"flush_all noreply\r\n"])
        else:
            req = b"get %s\r\n" % self.key()
        return req, (lambda side: req), None

    def _text_error(self):
        req = self.rnd.choice([
            b"bogus\r\n", b"GET k0\r\n", b"get " + b"x" * 251 + b"\r\n", b"incr k0 x\r\n", b"incr n1 -1\r\n",
            b"set k0 0 0 x\r\n", b"set k0 x 0 1\r\nv\r\n", b"delete k0 5\r\n", b"touch k0 x\r\n", b"set k0 0 0\r\n",
            b"set k1 0 0 1\r\nabc\r\n", b"\r\n",
        ])
        return req, (lambda side: req), None

    # ---- meta
    def _flags(self, choices, p=0.35):
        flags = [f for f in choices if self.rnd.random() < p]
        self.rnd.shuffle(flags)
        return flags

    def _opaque(self):
        return b"O%d" % self.rnd.randrange(1000)

    def _mg(self):
        k = self.key()
        flags = self._flags([b"v", b"f", b"s", b"k", b"c", b"t", b"q", self._opaque()])
        if self.rnd.random() < 0.08:
            flags.append(b"N0")
        if self.rnd.random() < 0.05:
            flags.append(b"T0")
        req = b"mg %s%s\r\n" % (k, b"".join(b" " + f for f in flags))
        return req, (lambda side: req), k

    def _meta_step(self, head, k, flags, data, cas_p):
        """A meta command `head` (e.g. b"ms k0 3") with flags, maybe a C<cas> flag and a data block."""
        tail = b"" if data is None else data
        if self.rnd.random() >= cas_p:
            req = b"%s%s\r\n%s" % (head, b"".join(b" " + f for f in flags), tail)
            return req, (lambda side: req), k

        def make():
            n = self.cas_choice(k)
            label = b"%s%s C<#%s>\r\n%s" % (head, b"".join(b" " + f for f in flags), str(n).encode(), tail)
            return label, (lambda side: b"%s%s C%s\r\n%s" % (head, b"".join(b" " + f for f in flags),
                                                                self.cas_token(side, n), tail)), k
        return self._with_fresh_cas(k, make)

    def _ms(self):
        k = self.key()
        v = self.value(k)
        flags = self._flags([b"q", b"k", b"c", b"I", self._opaque()], p=0.2)
        flags += self._flags([b"F%d" % self.rnd.choice([0, 7, 4294967295]), b"T0"], p=0.3)
        if self.rnd.random() < 0.05:
            flags.append(b"T-1")
        if self.rnd.random() < 0.4:
            flags.append(b"M" + self.rnd.choice([b"E", b"A", b"P", b"R", b"S"]))
        self.rnd.shuffle(flags)
        return self._meta_step(b"ms %s %d" % (k, len(v)), k, flags, v + b"\r\n", 0.25)

    def _md(self):
        k = self.key()
        flags = self._flags([b"q", b"k", b"I", self._opaque()], p=0.25)
        return self._meta_step(b"md %s" % k, k, flags, None, 0.25)

    def _ma(self):
        k = self.rnd.choice([b"n1", b"n2", b"n1", b"n2", self.key()])
        flags = self._flags([b"v", b"t", b"c", b"k", b"q", self._opaque()], p=0.3)
        if self.rnd.random() < 0.4:
            flags.append(b"N0")
            if self.rnd.random() < 0.6:
                flags.append(b"J%d" % self.rnd.choice([0, 5, 2 ** 64 - 1]))
        if self.rnd.random() < 0.5:
            flags.append(b"D%d" % self.rnd.choice([0, 1, 3, 100, 2 ** 64 - 1]))
        if self.rnd.random() < 0.4:
            flags.append(b"M" + self.rnd.choice([b"I", b"+", b"D", b"-"]))
        self.rnd.shuffle(flags)
        return self._meta_step(b"ma %s" % k, k, flags, None, 0.15)

    def _meta_error(self):
        req = self.rnd.choice([
            b"mg k0 &\r\n", b"mg k0 v v\r\n", b"ms k0\r\n", b"ms k0 x\r\n", b"ms k0 2 &\r\nhi\r\n",
            b"ms k0 2 MX\r\nhi\r\n", b"ma n1 MX\r\n", b"ma n1 Dx\r\n", b"md k0 x\r\n", b"mx k0\r\n",
            b"mg " + b"x" * 251 + b" v\r\n", b"mg k0 O" + b"o" * 40 + b"\r\n", b"ma k0 v\r\n",
        ])
        return req, (lambda side: req), b"k0"


def _short(b, limit=300):
    return repr(b) if len(b) <= limit else "%r... (%d bytes)" % (b[:limit], len(b))


def run_differential(ref_port, sut_port, seed, label, text=True, meta=True, steps=STEPS):
    ref, sut = Side("memcached", ref_port), Side("sut", sut_port)
    gen = Gen(seed, text=text, meta=meta)
    history = []
    try:
        for side in (ref, sut):
            assert side.conn.call(b"flush_all\r\n") == b"OK\r\n"
        for i in range(steps + 1):
            if i < steps:
                gen.note_ids(ref)
                req_label, build, key = gen.step()
            else:  # finally compare the whole key space
                req_label = b"gets " + b" ".join(KEYS) + b"\r\n"
                build, key = (lambda side: req_label), None
            replies = []
            for side in (ref, sut):
                req = build(side)
                try:
                    raw = side.conn.call(req)
                except Exception as e:  # noqa: BLE001
                    raw = ("<no reply: %s>" % e).encode()
                replies.append((raw, side.normalise(raw, key)))
            (want_raw, want), (got_raw, got) = replies
            history.append((req_label, want_raw, got_raw))
            if want != got:
                ctx = "\n".join("    #%d %s\n        memcached: %s\n        sut:       %s"
                                % (j, _short(s, 120), _short(w, 120), _short(g, 120))
                                for j, (s, w, g) in enumerate(history[-9:-1], start=max(0, i - 8)))
                pytest.fail("[%s seed %d] step #%d differs\n  request:   %s\n  memcached: %s\n  sut:       %s\n"
                            "  (normalised: %s vs %s)\n  preceding steps:\n%s"
                            % (label, seed, i, _short(req_label), _short(want_raw), _short(got_raw),
                               _short(want), _short(got), ctx), pytrace=False)
    finally:
        ref.close()
        sut.close()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_text_commands(mc_ref, mc_server, seed):
    run_differential(mc_ref.mc_port, mc_server.mc_port, seed, "text", meta=False)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_meta_commands(mc_ref, mc_server, seed):
    run_differential(mc_ref.mc_port, mc_server.mc_port, seed, "meta", text=False)


@pytest.mark.parametrize("seed", [21, 22, 23, 24])
def test_mixed_text_and_meta(mc_ref, mc_server, seed):
    run_differential(mc_ref.mc_port, mc_server.mc_port, seed, "mixed")


def test_normalisation_tells_cas_uniques_apart():
    """The comparison is not vacuous: differing values, flags or cas correspondences are caught."""
    a, b = Side.__new__(Side), Side.__new__(Side)
    for s in (a, b):
        s.canon, s.actual = {}, {}
    assert a.normalise(b"VALUE k 0 1 100\r\nx\r\nEND\r\n", None) == b"VALUE k 0 1 #1\r\nx\r\nEND\r\n"
    assert b.normalise(b"VALUE k 0 1 7\r\nx\r\nEND\r\n", None) == b"VALUE k 0 1 #1\r\nx\r\nEND\r\n"
    # The same cas again is the same number; a new one is a new number.
    assert a.normalise(b"HD c100 kk\r\n", b"k") == b"HD c#1 kk\r\n"
    assert b.normalise(b"HD c8 kk\r\n", b"k") == b"HD c#2 kk\r\n"
    # Data blocks are left alone, even when they look like reply lines.
    assert a.normalise(b"VA 7 c100\r\nHD c55\r\n", b"k") == b"VA 7 c#1\r\nHD c55\r\n"
