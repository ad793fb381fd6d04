"""Set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER
SINTERCARD SUNION SDIFF SINTERSTORE SUNIONSTORE SDIFFSTORE SSCAN, their errors, RESP2/RESP3 reply
types, the intset/hashtable encodings and their conversions, and multi-key forms across shards."""
import pytest

from helpers import intr, parse_reply

WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
SYNTAX = b"-ERR syntax error\r\n"
NOT_INT = b"-ERR value is not an integer or out of range\r\n"

# Many key names, so that multi-key commands span several shards whatever the shard count.
KEYS = ["set:%d" % i for i in range(12)]


def arity(cmd):
    return b"-ERR wrong number of arguments for '%s' command\r\n" % cmd.encode()


def members(r, key):
    return sorted(r.smembers(key))


def b(*xs):
    return sorted(str(x).encode() for x in xs)


@pytest.fixture
def rc3(r, raw):
    """A raw connection speaking RESP3."""
    c = raw()
    assert c.cmd_parsed("HELLO", "3") is not None
    return c


@pytest.fixture
def small_intset(r):
    """set-max-intset-entries 4 for the test, restored afterwards."""
    old = list(r.config_get("set-max-intset-entries").values())[0]
    r.config_set("set-max-intset-entries", 4)
    yield
    r.config_set("set-max-intset-entries", old)


# ---------------------------------------------------------------------------------------- SADD / SREM / SCARD
def test_sadd_counts_new_members_and_srem_removed_ones(r):
    assert r.sadd("s", "a", "b", "a", "c") == 3
    assert r.sadd("s", "a", "d") == 1
    assert r.scard("s") == 4
    assert r.srem("s", "a", "x", "a") == 1
    assert members(r, "s") == b("b", "c", "d")
    assert r.type("s") == b"set"


def test_srem_of_last_member_deletes_key(r):
    r.sadd("s", "1", "2")
    assert r.srem("s", "1", "2", "3") == 2
    assert r.exists("s") == 0
    assert r.srem("s", "1") == 0
    assert r.scard("s") == 0


def test_set_commands_on_wrong_type(rc):
    rc.cmd("SET", "str", "x")
    for cmd in [("SADD", "str", "a"), ("SREM", "str", "a"), ("SCARD", "str"), ("SMEMBERS", "str"),
                ("SISMEMBER", "str", "a"), ("SMISMEMBER", "str", "a"), ("SPOP", "str"),
                ("SPOP", "str", "1"), ("SRANDMEMBER", "str"), ("SRANDMEMBER", "str", "2"),
                ("SSCAN", "str", "0"), ("SINTER", "str"), ("SUNION", "str"), ("SDIFF", "str"),
                ("SINTERCARD", "1", "str"), ("SINTERSTORE", "d", "str"), ("SMOVE", "str", "d", "a")]:
        assert rc.cmd(*cmd) == WRONGTYPE, cmd
    assert rc.cmd("GET", "str") == b"$1\r\nx\r\n"


def test_arity_errors(rc):
    for cmd, args in [("SADD", ("k",)), ("SREM", ("k",)), ("SMEMBERS", ()), ("SMEMBERS", ("a", "b")),
                      ("SISMEMBER", ("k",)), ("SMISMEMBER", ("k",)), ("SCARD", ()), ("SPOP", ()),
                      ("SRANDMEMBER", ()), ("SMOVE", ("a", "b")), ("SINTER", ()),
                      ("SINTERCARD", ("1",)), ("SUNION", ()), ("SDIFF", ()), ("SINTERSTORE", ("d",)),
                      ("SUNIONSTORE", ("d",)), ("SDIFFSTORE", ("d",)), ("SSCAN", ("k",))]:
        assert rc.cmd(cmd, *args) == arity(cmd.lower()), cmd


def test_missing_key_replies(rc):
    assert rc.cmd("SCARD", "no") == intr(0)
    assert rc.cmd("SISMEMBER", "no", "a") == intr(0)
    assert rc.cmd("SMISMEMBER", "no", "a", "b") == b"*2\r\n:0\r\n:0\r\n"
    assert rc.cmd("SMEMBERS", "no") == b"*0\r\n"
    assert rc.cmd("SPOP", "no") == b"$-1\r\n"
    assert rc.cmd("SPOP", "no", "3") == b"*0\r\n"
    assert rc.cmd("SRANDMEMBER", "no") == b"$-1\r\n"
    assert rc.cmd("SRANDMEMBER", "no", "-3") == b"*0\r\n"
    assert rc.cmd("SSCAN", "no", "0") == b"*2\r\n$1\r\n0\r\n*0\r\n"
    # SSCAN of a missing key does not even parse its options.
    assert rc.cmd("SSCAN", "no", "0", "COUNT", "x") == b"*2\r\n$1\r\n0\r\n*0\r\n"


# ---------------------------------------------------------------------------------------- encodings
def test_intset_while_all_integers(r, rc):
    vals = [5, -3, 70000, -70000, 2 ** 40, -(2 ** 63), 2 ** 63 - 1, 0]
    r.sadd("s", *vals)
    assert r.object("encoding", "s") == b"intset"
    # Ascending numeric order, as Redis replies for an intset.
    assert parse_reply(rc.cmd("SMEMBERS", "s"))[0] == [str(v).encode() for v in sorted(vals)]
    assert r.sismember("s", "70000") == 1
    assert r.sismember("s", "070000") == 0  # not the canonical form: not the same member
    assert r.sadd("s", "-0", "+1", "1.0") == 3
    assert r.object("encoding", "s") == b"hashtable"
    assert r.scard("s") == 11


def test_intset_converts_past_max_entries_and_never_back(r):
    r.sadd("s", *range(512))
    assert r.object("encoding", "s") == b"intset"
    r.sadd("s", 512)
    assert r.object("encoding", "s") == b"hashtable"
    r.srem("s", *range(10, 513))
    assert r.scard("s") == 10
    assert r.object("encoding", "s") == b"hashtable"
    assert members(r, "s") == b(*range(10))
    r.sadd("t", *range(600))  # one SADD past the limit
    assert r.object("encoding", "t") == b"hashtable"
    assert r.scard("t") == 600


def test_config_set_max_intset_entries(r, small_intset):
    r.sadd("s", 1, 2, 3, 4)
    assert r.object("encoding", "s") == b"intset"
    r.sadd("s", 5)
    assert r.object("encoding", "s") == b"hashtable"


def test_non_integer_first_member_makes_hashtable(r):
    r.sadd("s", "a")
    assert r.object("encoding", "s") == b"hashtable"
    r.sadd("n", "12345678901234567890")  # beyond int64: a string
    assert r.object("encoding", "n") == b"hashtable"


def test_binary_and_empty_members(r):
    vals = [b"", b"\x00\xff", b"a\r\nb", b"x" * 5000]
    assert r.sadd("s", *vals) == 4
    assert sorted(r.smembers("s")) == sorted(vals)
    for v in vals:
        assert r.sismember("s", v) == 1
    assert r.srem("s", b"") == 1
    assert r.sismember("s", b"") == 0


# ---------------------------------------------------------------------------------------- SISMEMBER / SMISMEMBER
def test_smismember(rc):
    rc.cmd("SADD", "s", "1", "2", "a")
    assert rc.cmd("SMISMEMBER", "s", "1", "x", "a", "01") == b"*4\r\n:1\r\n:0\r\n:1\r\n:0\r\n"
    rc.cmd("SADD", "i", "1", "2")
    assert rc.cmd("SMISMEMBER", "i", "2", "3", "02") == b"*3\r\n:1\r\n:0\r\n:0\r\n"


# ---------------------------------------------------------------------------------------- SMEMBERS / RESP3
def test_resp3_reply_types(rc3):
    rc3.cmd("SADD", "s", "3", "1", "2")
    rc3.cmd("SADD", "t", "2", "3", "4")
    three = b"$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert rc3.cmd("SMEMBERS", "s") == b"~3\r\n" + three
    assert rc3.cmd("SMEMBERS", "no") == b"~0\r\n"
    assert rc3.cmd("SINTER", "s", "t") == b"~2\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert rc3.cmd("SINTER", "s", "no") == b"~0\r\n"
    assert rc3.cmd("SUNION", "s", "t") == b"~4\r\n" + three + b"$1\r\n4\r\n"
    assert rc3.cmd("SDIFF", "s", "t") == b"~1\r\n$1\r\n1\r\n"
    # SRANDMEMBER with a count is an array even in RESP3; SPOP with a count a set.
    assert rc3.cmd("SRANDMEMBER", "s", "10") == b"*3\r\n" + three
    assert rc3.cmd("SRANDMEMBER", "s", "0") == b"*0\r\n"
    assert rc3.cmd("SRANDMEMBER", "no", "2") == b"*0\r\n"
    assert rc3.cmd("SRANDMEMBER", "no") == b"_\r\n"
    assert rc3.cmd("SPOP", "no") == b"_\r\n"
    assert rc3.cmd("SPOP", "no", "2") == b"~0\r\n"
    assert rc3.cmd("SPOP", "s", "0") == b"~0\r\n"
    assert rc3.cmd("SPOP", "s", "1").startswith(b"~1\r\n")
    assert rc3.cmd("SMISMEMBER", "t", "2", "9") == b"*2\r\n:1\r\n:0\r\n"
    assert rc3.cmd("SSCAN", "t", "0") == b"*2\r\n$1\r\n0\r\n*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n"
    # Hashtable sets too (their member order is unspecified).
    rc3.cmd("SADD", "h", "x", "y")
    for cmd in [("SMEMBERS", "h"), ("SUNION", "h", "s"), ("SINTER", "h", "h"), ("SDIFF", "h", "s"),
                ("SPOP", "h", "1")]:
        assert rc3.cmd(*cmd)[:1] == b"~", cmd
    assert rc3.cmd("SRANDMEMBER", "h", "-2")[:4] == b"*2\r\n"


def test_resp2_set_replies_are_arrays(rc):
    rc.cmd("SADD", "s", "2", "1")
    assert rc.cmd("SMEMBERS", "s") == b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    assert rc.cmd("SPOP", "s", "0") == b"*0\r\n"
    assert rc.cmd("SINTER", "s", "no") == b"*0\r\n"


# ---------------------------------------------------------------------------------------- SPOP
@pytest.mark.parametrize("kind", ["intset", "hashtable"])
def test_spop_without_count_removes_each_member_once(r, kind):
    vals = [str(i).encode() if kind == "intset" else b"m%d" % i for i in range(20)]
    r.sadd("s", *vals)
    assert r.object("encoding", "s") == kind.encode()
    popped = [r.spop("s") for _ in range(20)]
    assert sorted(popped) == sorted(vals)
    assert r.exists("s") == 0
    assert r.spop("s") is None


@pytest.mark.parametrize("kind", ["intset", "hashtable"])
@pytest.mark.parametrize("count", [1, 3, 15, 39, 40, 100])
def test_spop_with_count(r, kind, count):
    vals = {(str(i * 3) if kind == "intset" else "e%d" % i).encode() for i in range(40)}
    r.sadd("s", *vals)
    got = r.execute_command("SPOP", "s", count)
    assert len(got) == min(count, 40)
    assert len(set(got)) == len(got)  # distinct
    assert set(got) <= vals
    rest = r.smembers("s")
    assert rest | set(got) == vals and not (rest & set(got))
    if count >= 40:
        assert r.exists("s") == 0
    else:
        assert r.object("encoding", "s") == kind.encode()


def test_spop_count_errors(rc):
    rc.cmd("SADD", "s", "a")
    positive = b"-ERR value is out of range, must be positive\r\n"
    assert rc.cmd("SPOP", "s", "-1") == positive
    assert rc.cmd("SPOP", "s", "x") == positive
    assert rc.cmd("SPOP", "s", "9223372036854775808") == positive
    assert rc.cmd("SPOP", "s", "1", "2") == SYNTAX
    rc.cmd("SET", "str", "x")
    assert rc.cmd("SPOP", "str", "-1") == positive  # the count is checked first
    assert rc.cmd("SPOP", "str", "0") == WRONGTYPE


# ---------------------------------------------------------------------------------------- SRANDMEMBER
def test_srandmember_single(r):
    r.sadd("s", "a", "b", "c")
    seen = {r.srandmember("s") for _ in range(200)}
    assert seen == {b"a", b"b", b"c"}
    assert r.scard("s") == 3


@pytest.mark.parametrize("kind", ["intset", "hashtable"])
@pytest.mark.parametrize("count", [1, 2, 5, 20, 59, 60, 61, 1000])
def test_srandmember_positive_count_is_distinct(r, kind, count):
    vals = {(str(-i) if kind == "intset" else "v%d" % i).encode() for i in range(60)}
    r.sadd("s", *vals)
    got = r.srandmember("s", count)
    assert len(got) == min(count, 60)
    assert len(set(got)) == len(got)
    assert set(got) <= vals
    assert r.scard("s") == 60


@pytest.mark.parametrize("kind", ["intset", "hashtable"])
def test_srandmember_negative_count_repeats(r, kind):
    vals = {(str(i) if kind == "intset" else "v%d" % i).encode() for i in range(5)}
    r.sadd("s", *vals)
    got = r.srandmember("s", -500)
    assert len(got) == 500
    assert set(got) == vals  # 500 draws from 5 members hit them all
    assert r.srandmember("s", -1)[0] in vals


def test_srandmember_whole_intset_in_order(rc):
    rc.cmd("SADD", "s", "3", "-1", "2")
    assert rc.cmd("SRANDMEMBER", "s", "3") == b"*3\r\n$2\r\n-1\r\n$1\r\n2\r\n$1\r\n3\r\n"


def test_srandmember_errors(rc):
    rc.cmd("SADD", "s", "a")
    assert rc.cmd("SRANDMEMBER", "s", "x") == NOT_INT
    assert rc.cmd("SRANDMEMBER", "s", "-9223372036854775808") == (
        b"-ERR value is out of range, value must between -9223372036854775807 and "
        b"9223372036854775807\r\n")
    assert rc.cmd("SRANDMEMBER", "s", "1", "2") == SYNTAX
    rc.cmd("SET", "str", "x")
    assert rc.cmd("SRANDMEMBER", "str", "x") == NOT_INT


# ---------------------------------------------------------------------------------------- SMOVE
def test_smove(r):
    r.sadd(KEYS[0], "1", "2")
    assert r.smove(KEYS[0], KEYS[1], "1") == 1
    assert r.object("encoding", KEYS[1]) == b"intset"
    assert r.smove(KEYS[0], KEYS[1], "9") == 0
    assert r.smove(KEYS[0], KEYS[1], "2") == 1
    assert r.exists(KEYS[0]) == 0  # emptied source is deleted
    assert members(r, KEYS[1]) == b(1, 2)
    r.sadd(KEYS[2], "a")
    assert r.smove(KEYS[2], KEYS[1], "a") == 1
    assert r.object("encoding", KEYS[1]) == b"hashtable"
    assert r.smove("missing", KEYS[1], "a") == 0
    # Moving a member the destination already has still removes it from the source.
    r.sadd(KEYS[3], "1", "x")
    assert r.smove(KEYS[3], KEYS[1], "1") == 1
    assert members(r, KEYS[3]) == [b"x"]
    assert r.scard(KEYS[1]) == 3


def test_smove_same_key_and_types(rc):
    rc.cmd("SADD", "s", "a")
    assert rc.cmd("SMOVE", "s", "s", "a") == intr(1)
    assert rc.cmd("SMOVE", "s", "s", "b") == intr(0)
    assert rc.cmd("SCARD", "s") == intr(1)
    rc.cmd("SET", "str", "x")
    assert rc.cmd("SMOVE", "s", "str", "a") == WRONGTYPE
    assert rc.cmd("SMOVE", "s", "str", "zz") == WRONGTYPE  # checked before the member
    assert rc.cmd("SMOVE", "str", "s", "a") == WRONGTYPE
    assert rc.cmd("SMOVE", "nosrc", "str", "a") == intr(0)  # no source: no type check
    assert rc.cmd("SCARD", "s") == intr(1)


# ---------------------------------------------------------------------------------------- SINTER / SUNION / SDIFF
def test_sinter_sunion_sdiff_across_shards(r):
    r.sadd(KEYS[0], *range(0, 30))
    r.sadd(KEYS[1], *range(10, 40))
    r.sadd(KEYS[2], *range(20, 50), "x")
    assert members(r, KEYS[0]) == b(*range(30))
    assert sorted(r.sinter(KEYS[0], KEYS[1], KEYS[2])) == b(*range(20, 30))
    assert sorted(r.sunion(KEYS[0], KEYS[1], KEYS[2])) == sorted(b(*range(50)) + [b"x"])
    assert sorted(r.sdiff(KEYS[0], KEYS[1], KEYS[2])) == b(*range(10))
    assert sorted(r.sdiff(KEYS[2], KEYS[0])) == sorted(b(*range(30, 50)) + [b"x"])
    assert r.sinter(KEYS[0], "missing") == set()
    assert sorted(r.sunion(KEYS[0], "missing")) == b(*range(30))
    assert r.sdiff("missing", KEYS[0]) == set()
    assert r.sdiff(KEYS[0], KEYS[0]) == set()
    assert sorted(r.sdiff(KEYS[0], "missing")) == b(*range(30))
    # Mixed encodings: "5" in a hashtable matches 5 in an intset.
    r.sadd(KEYS[3], "5", "25", "zz")
    assert sorted(r.sinter(KEYS[0], KEYS[3])) == b(25, 5)


def test_intset_results_are_ascending(rc):
    rc.cmd("SADD", "a", "5", "1", "3", "7")
    rc.cmd("SADD", "b", "3", "9", "1")
    assert rc.cmd("SINTER", "a", "b") == b"*2\r\n$1\r\n1\r\n$1\r\n3\r\n"
    assert rc.cmd("SUNION", "b", "a") == (b"*5\r\n$1\r\n1\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\n7\r\n"
                                          b"$1\r\n9\r\n")
    assert rc.cmd("SDIFF", "a", "b") == b"*2\r\n$1\r\n5\r\n$1\r\n7\r\n"


def test_wrongtype_after_missing_key(rc):
    rc.cmd("SET", "str", "x")
    rc.cmd("SADD", "s", "a")
    for cmd in ["SINTER", "SUNION", "SDIFF"]:
        assert rc.cmd(cmd, "missing", "str") == WRONGTYPE
        assert rc.cmd(cmd, "s", "missing", "str") == WRONGTYPE
    assert rc.cmd("SINTERCARD", "2", "missing", "str") == WRONGTYPE
    assert rc.cmd("SINTERSTORE", "d", "missing", "str") == WRONGTYPE


def test_store_forms(r):
    r.sadd(KEYS[0], "a", "b", "c", "1")
    r.sadd(KEYS[1], "b", "c", "d", "1")
    assert r.sinterstore(KEYS[2], KEYS[0], KEYS[1]) == 3
    assert members(r, KEYS[2]) == b("1", "b", "c")
    assert r.sunionstore(KEYS[3], KEYS[0], KEYS[1]) == 5
    assert members(r, KEYS[3]) == b("1", "a", "b", "c", "d")
    assert r.sdiffstore(KEYS[4], KEYS[0], KEYS[1]) == 1
    assert members(r, KEYS[4]) == [b"a"]
    # The destination's encoding follows its members, not the sources'.
    r.sadd(KEYS[5], "1", "2", "x")
    r.sadd(KEYS[6], "1", "2", "y")
    assert r.sinterstore(KEYS[7], KEYS[5], KEYS[6]) == 2
    assert r.object("encoding", KEYS[7]) == b"intset"


def test_store_overwrites_any_type_and_ttl(r):
    r.set(KEYS[2], "string", ex=1000)
    r.sadd(KEYS[0], "a")
    assert r.sunionstore(KEYS[2], KEYS[0]) == 1
    assert r.type(KEYS[2]) == b"set"
    assert r.ttl(KEYS[2]) == -1
    r.set(KEYS[3], "string")
    assert r.sinterstore(KEYS[3], KEYS[0], "missing") == 0
    assert r.exists(KEYS[3]) == 0  # an empty result deletes the destination
    r.sadd(KEYS[4], "x")
    assert r.sdiffstore(KEYS[4], KEYS[0], KEYS[0]) == 0
    assert r.exists(KEYS[4]) == 0


def test_store_destination_among_sources(r):
    r.sadd(KEYS[0], *range(10))
    r.sadd(KEYS[1], *range(5, 15))
    assert r.sinterstore(KEYS[0], KEYS[0], KEYS[1]) == 5
    assert members(r, KEYS[0]) == b(*range(5, 10))
    assert r.sunionstore(KEYS[1], KEYS[1], KEYS[0]) == 10
    assert r.sdiffstore(KEYS[1], KEYS[1], KEYS[0]) == 5
    assert members(r, KEYS[1]) == b(*range(10, 15))


def test_sdiff_both_algorithms(r):
    # A big first set against small ones, and a small first set against a big one.
    r.sadd(KEYS[0], *["m%d" % i for i in range(300)])
    r.sadd(KEYS[1], *["m%d" % i for i in range(0, 300, 2)])
    r.sadd(KEYS[2], *["m%d" % i for i in range(0, 300, 3)])
    want = {b"m%d" % i for i in range(300) if i % 2 and i % 3}
    assert r.sdiff(KEYS[0], KEYS[1], KEYS[2]) == want
    r.sadd(KEYS[3], "m1", "m2", "zz")
    assert r.sdiff(KEYS[3], KEYS[0]) == {b"zz"}
    assert r.sdiff(KEYS[3], KEYS[0], KEYS[0], "missing") == {b"zz"}


def test_large_intersection_of_hashtables(r):
    r.sadd(KEYS[0], *["k%d" % i for i in range(2000)])
    r.sadd(KEYS[1], *["k%d" % i for i in range(1000, 3000)])
    assert r.sinter(KEYS[0], KEYS[1]) == {b"k%d" % i for i in range(1000, 2000)}
    assert r.execute_command("SINTERCARD", 2, KEYS[0], KEYS[1]) == 1000


# ---------------------------------------------------------------------------------------- SINTERCARD
def test_sintercard(rc):
    rc.cmd("SADD", KEYS[0], "1", "2", "3", "4")
    rc.cmd("SADD", KEYS[1], "2", "3", "4", "5")
    assert rc.cmd("SINTERCARD", "2", KEYS[0], KEYS[1]) == intr(3)
    assert rc.cmd("SINTERCARD", "2", KEYS[0], KEYS[1], "LIMIT", "2") == intr(2)
    assert rc.cmd("SINTERCARD", "2", KEYS[0], KEYS[1], "limit", "0") == intr(3)
    assert rc.cmd("SINTERCARD", "2", KEYS[0], KEYS[1], "LIMIT", "10") == intr(3)
    assert rc.cmd("SINTERCARD", "1", KEYS[0]) == intr(4)
    assert rc.cmd("SINTERCARD", "2", KEYS[0], "missing") == intr(0)
    numkeys = b"-ERR numkeys should be greater than 0\r\n"
    assert rc.cmd("SINTERCARD", "0", KEYS[0]) == numkeys
    assert rc.cmd("SINTERCARD", "-1", KEYS[0]) == numkeys
    assert rc.cmd("SINTERCARD", "x", KEYS[0]) == numkeys
    assert rc.cmd("SINTERCARD", "3", KEYS[0], KEYS[1]) == (
        b"-ERR Number of keys can't be greater than number of args\r\n")
    assert rc.cmd("SINTERCARD", "1", KEYS[0], "LIMIT") == SYNTAX
    assert rc.cmd("SINTERCARD", "1", KEYS[0], "FOO", "1") == SYNTAX
    assert rc.cmd("SINTERCARD", "1", KEYS[0], "LIMIT", "-1") == b"-ERR LIMIT can't be negative\r\n"
    assert rc.cmd("SINTERCARD", "1", KEYS[0], "LIMIT", "x") == b"-ERR LIMIT can't be negative\r\n"


def test_sintercard_getkeys(rc):
    assert parse_reply(rc.cmd("COMMAND", "GETKEYS", "SINTERCARD", "2", "a", "b", "LIMIT", "1"))[0] == [b"a", b"b"]


# ---------------------------------------------------------------------------------------- SSCAN
def test_sscan_intset_returns_everything_with_cursor_0(rc):
    rc.cmd("SADD", "s", *range(100))
    v = parse_reply(rc.cmd("SSCAN", "s", "0", "COUNT", "5"))[0]
    assert v[0] == b"0"
    assert v[1] == [str(i).encode() for i in range(100)]
    v = parse_reply(rc.cmd("SSCAN", "s", "0", "MATCH", "9*"))[0]
    assert v == [b"0", [b"9"] + [str(i).encode() for i in range(90, 100)]]


def scan_all(r, key, **kw):
    cursor, seen, calls = 0, [], 0
    while True:
        cursor, items = r.sscan(key, cursor, **kw)
        seen.extend(items)
        calls += 1
        if cursor == 0:
            return seen, calls


def test_sscan_hashtable_full_iteration(r):
    vals = {b"m%d" % i for i in range(1000)}
    r.sadd("s", *vals)
    seen, calls = scan_all(r, "s", count=20)
    assert set(seen) == vals
    assert calls > 10  # really incremental
    seen, _ = scan_all(r, "s", match="m1*", count=50)
    assert set(seen) == {v for v in vals if v.startswith(b"m1")}


def test_sscan_survives_growth_and_shrink(r):
    orig = {b"o%d" % i for i in range(200)}
    r.sadd("s", *orig)
    cursor, seen, n = 0, set(), 0
    while True:
        cursor, items = r.sscan("s", cursor, count=10)
        seen.update(items)
        if n < 60:  # grow the set a lot during the iteration
            r.sadd("s", *[b"n%d_%d" % (n, i) for i in range(30)])
        elif n < 120:  # then shrink it
            r.srem("s", *[b"n%d_%d" % (n - 60, i) for i in range(30)])
        n += 1
        if cursor == 0:
            break
    assert orig <= seen


def test_sscan_errors(rc):
    rc.cmd("SADD", "s", "a", "b")
    assert rc.cmd("SSCAN", "s", "x") == b"-ERR invalid cursor\r\n"
    assert rc.cmd("SSCAN", "s", "18446744073709551616") == b"-ERR invalid cursor\r\n"
    assert rc.cmd("SSCAN", "s", "0", "COUNT", "0") == SYNTAX
    assert rc.cmd("SSCAN", "s", "0", "COUNT", "x") == NOT_INT
    assert rc.cmd("SSCAN", "s", "0", "MATCH") == SYNTAX
    assert rc.cmd("SSCAN", "s", "0", "TYPE", "set") == SYNTAX
    rc.cmd("SET", "str", "x")
    assert rc.cmd("SSCAN", "str", "x") == b"-ERR invalid cursor\r\n"  # the cursor comes first
    v = parse_reply(rc.cmd("SSCAN", "s", "0", "MATCH", "a", "COUNT", "100"))[0]
    assert v == [b"0", [b"a"]]


# ---------------------------------------------------------------------------------------- keyspace integration
def test_copy_rename_and_del_of_sets(r):
    r.sadd(KEYS[0], "a", "b", "1")
    assert r.copy(KEYS[0], KEYS[1]) == 1
    r.srem(KEYS[0], "a")
    assert members(r, KEYS[1]) == b("1", "a", "b")  # deep copy
    r.sadd(KEYS[4], *range(5))
    assert r.copy(KEYS[4], KEYS[5]) == 1
    assert r.object("encoding", KEYS[5]) == b"intset"
    r.rename(KEYS[1], KEYS[2])
    assert members(r, KEYS[2]) == b("1", "a", "b")
    assert r.delete(KEYS[2], KEYS[0]) == 2
    assert r.exists(KEYS[2], KEYS[0]) == 0


@pytest.mark.tessera_only
def test_memory_usage_tracks_set_size(r):
    r.sadd("small", "a")
    r.sadd("big", *["member:%d" % i for i in range(5000)])
    small = r.memory_usage("small")
    big = r.memory_usage("big")
    assert small < 200
    # About one 16-byte allocation plus ~12 bytes of table per member; Redis needs ~60.
    assert 5000 * 16 < big < 5000 * 48
    r.srem("big", *["member:%d" % i for i in range(4900)])
    assert r.memory_usage("big") < big / 10
    r.sadd("ints", *range(500))
    assert r.object("encoding", "ints") == b"intset"
    assert r.memory_usage("ints") < 500 * 2 + 300  # 16-bit intset
