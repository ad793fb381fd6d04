"""Multi-threaded Tessera (--threads 4): multi-key commands over keys owned by different shards must
be atomic, and pipelined replies must come back in request order. Keys k0..k7 carry no hash tag,
so they spread over the shards.

These tests are Tessera-specific (--threads) and skipped against redis-server; run them there with
TESSERA_TEST_RUN_TESSERA_ONLY=1 to check the tests themselves.
"""
import threading
import time

import pytest

from helpers import encode_command

pytestmark = [pytest.mark.tessera_only, pytest.mark.pinned_threads]

KEYS = ["k%d" % i for i in range(8)]
RUN_S = 2.0


def _run_threads(targets, run_s):
    stop = threading.Event()
    errors = []
    counts = []

    def wrap(fn):
        n = 0
        try:
            while not stop.is_set():
                fn()
                n += 1
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
            stop.set()
        counts.append(n)

    threads = [threading.Thread(target=wrap, args=(t,), daemon=True) for t in targets]
    for t in threads:
        t.start()
    stop.wait(run_s)
    stop.set()
    for t in threads:
        t.join(15)
    assert not any(t.is_alive() for t in threads), "worker thread hung (server stopped answering?)"
    if errors:
        raise errors[0]
    return counts


@pytest.mark.timeout_s(60)
def test_mset_is_never_observed_torn_by_mget(start_server):
    srv = start_server(threads=4)
    setup = srv.client()
    setup.mset({k: "init" for k in KEYS})

    def make_writer(wid):
        c = srv.client()
        state = {"i": 0}

        def write():
            state["i"] += 1
            v = "w%d:%d" % (wid, state["i"])
            assert c.mset({k: v for k in KEYS}) is True
        return write

    torn = []

    def make_reader():
        c = srv.client()

        def read():
            vals = c.mget(KEYS)
            if len(set(vals)) != 1:
                torn.append(vals)
                raise AssertionError("torn read across shards: %r" % vals)
        return read

    counts = _run_threads([make_writer(w) for w in range(4)] + [make_reader() for _ in range(4)], RUN_S)
    assert not torn
    assert min(counts) > 10, "a client was starved (requests per thread in %.0fs: %r)" % (RUN_S, counts)


@pytest.mark.timeout_s(60)
def test_msetnx_and_del_are_all_or_nothing_across_shards(start_server):
    srv = start_server(threads=4)

    def make_writer(wid):
        c = srv.client()
        state = {"i": 0}

        def write():
            state["i"] += 1
            v = ("w%d:%d" % (wid, state["i"])).encode()
            if c.msetnx({k: v for k in KEYS}):
                # we own the keys now: nobody else's MSETNX may have written any of them
                got = c.mget(KEYS)
                assert got == [v] * 8, "MSETNX winner sees foreign values: %r" % got
                assert c.delete(*KEYS) == 8
        return write

    def make_reader():
        c = srv.client()

        def read():
            vals = c.mget(KEYS)
            assert len(set(vals)) == 1, "partial MSETNX/DEL visible: %r" % vals
            n = c.exists(*KEYS)
            assert n in (0, 8), "EXISTS saw %d of 8 keys" % n
        return read

    counts = _run_threads([make_writer(w) for w in range(3)] + [make_reader() for _ in range(3)], RUN_S)
    assert min(counts) > 10, "a client was starved (requests per thread in %.0fs: %r)" % (RUN_S, counts)


@pytest.mark.timeout_s(60)
def test_multi_exec_is_never_observed_half_done(start_server):
    """Writers run MULTI / INCR a / INCR b / EXEC (a and b on different shards) while readers MGET a b."""
    srv = start_server(threads=4)
    pair = ["k0", "k1"]
    assert srv.raw().cmd("MGET", *pair) == b"*2\r\n$-1\r\n$-1\r\n"

    def make_writer():
        c = srv.raw()

        def write():
            c.send(b"".join(encode_command(*x) for x in [("MULTI",), ("INCR", "k0"), ("INCR", "k1"), ("EXEC",)]))
            replies = [c.read_reply() for _ in range(4)]
            assert replies[:3] == [b"+OK\r\n", b"+QUEUED\r\n", b"+QUEUED\r\n"], replies
            assert replies[3].startswith(b"*2\r\n:"), replies
        return write

    def make_reader():
        c = srv.client()

        def read():
            a, b = c.mget(pair)
            assert a == b, "half a transaction visible: a=%r b=%r" % (a, b)
        return read

    counts = _run_threads([make_writer() for _ in range(3)] + [make_reader() for _ in range(3)], RUN_S)
    assert min(counts) > 10, "a client was starved (requests per thread in %.0fs: %r)" % (RUN_S, counts)
    a, b = srv.client().mget(pair)
    assert a == b and int(a) > 0


@pytest.mark.timeout_s(60)
def test_watch_check_and_set_loses_no_update(start_server):
    """Optimistic increments (WATCH, GET, MULTI, SET, EXEC, retried on a nil EXEC) from clients on every
    thread: every successful EXEC counts exactly once."""
    srv = start_server(threads=4)
    per_client, errors, retries = 60, [], []

    def worker():
        try:
            c = srv.raw(timeout=30)
            done = tries = 0
            while done < per_client:
                tries += 1
                assert tries < per_client * 50, "livelock"
                c.cmd("WATCH", "k2", "k3")
                v = c.cmd("GET", "k2")
                n = 0 if v == b"$-1\r\n" else int(v.split(b"\r\n")[1])
                c.send(b"".join(encode_command(*x) for x in
                                [("MULTI",), ("SET", "k2", n + 1), ("SET", "k3", n + 1), ("EXEC",)]))
                replies = [c.read_reply() for _ in range(4)]
                if replies[3] != b"*-1\r\n":
                    assert replies[3] == b"*2\r\n+OK\r\n+OK\r\n", replies
                    done += 1
            retries.append(tries - per_client)
            c.close()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(50)
    assert not errors, errors[0]
    assert srv.client().mget("k2", "k3") == [str(6 * per_client).encode()] * 2
    assert sum(retries) > 0, "no EXEC was ever aborted: the test raced nothing"


@pytest.mark.timeout_s(60)
def test_concurrent_incr_over_many_keys_loses_no_updates(start_server):
    srv = start_server(threads=4)
    per_thread = 500
    errors = []

    def worker():
        try:
            c = srv.raw(timeout=30)
            for _ in range(per_thread):
                for k in KEYS:
                    c.send_cmd("INCR", k)
                for k in KEYS:
                    assert c.read_reply().startswith(b":")
            c.close()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(50)
    assert not errors, errors[0]
    c = srv.client()
    assert c.mget(KEYS) == [str(4 * per_thread).encode()] * 8


@pytest.mark.timeout_s(60)
def test_pipelined_replies_across_shards_come_back_in_order(start_server):
    srv = start_server(threads=4)
    n = 10_000
    with srv.raw(timeout=30) as c:
        req = b"".join(encode_command("SET", "k%d" % i, i) for i in range(n))
        req += b"".join(encode_command("GET", "k%d" % i) for i in range(n))
        expected = b"+OK\r\n" * n + b"".join(b"$%d\r\n%d\r\n" % (len(str(i)), i) for i in range(n))
        sender = threading.Thread(target=c.send, args=(req,), daemon=True)
        sender.start()
        got = bytearray()
        while len(got) < len(expected):
            data = c.sock.recv(1 << 20)
            assert data, "closed after %d reply bytes" % len(got)
            got += data
        sender.join(30)
        if bytes(got) != expected:
            # find the first differing reply for a readable failure
            pos = next(i for i in range(min(len(got), len(expected))) if got[i] != expected[i])
            pytest.fail("reply stream diverges at byte %d: got %r expected %r"
                        % (pos, bytes(got[max(0, pos - 40):pos + 40]), expected[max(0, pos - 40):pos + 40]))


@pytest.mark.timeout_s(60)
def test_interleaved_multi_key_pipelines_from_many_clients(start_server):
    srv = start_server(threads=4)
    errors = []

    def worker(wid):
        try:
            with srv.raw(timeout=30) as c:
                for rnd in range(50):
                    cmds = []
                    for j in range(20):
                        cmds.append(("MSET",) + tuple(x for k in KEYS for x in ("w%d:%s" % (wid, k), "%d.%d" % (rnd, j))))
                        cmds.append(("MGET",) + tuple("w%d:%s" % (wid, k) for k in KEYS))
                    c.send(b"".join(encode_command(*x) for x in cmds))
                    for j in range(20):
                        assert c.read_reply() == b"+OK\r\n"
                        v = b"%d.%d" % (rnd, j)
                        assert c.read_reply() == b"*8\r\n" + (b"$%d\r\n%s\r\n" % (len(v), v)) * 8
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(w,), daemon=True) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(50)
    assert not errors, errors[0]


def test_single_thread_mode_serves_commands(start_server):
    srv = start_server(threads=1)
    c = srv.client()
    c.mset({k: k for k in KEYS})
    assert c.mget(KEYS) == [k.encode() for k in KEYS]
    assert c.dbsize() == 8
