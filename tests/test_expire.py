"""Expiry: EXPIRE PEXPIRE EXPIREAT PEXPIREAT (NX XX GT LT) TTL PTTL EXPIRETIME PEXPIRETIME PERSIST,
lazy expiry on access and active expiry of keys nobody touches."""
import time

import pytest

from helpers import info_dict, intr, kv_fields, parse_reply, wait_until

FAR_FUTURE = 4102444800  # 2100-01-01



def ival(rc, *args):
    v = parse_reply(rc.cmd(*args))[0]
    assert isinstance(v, int), (args, v)
    return v


# ---------------------------------------------------------------------------------------- TTL family basics
def test_ttl_of_missing_and_persistent_keys(rc):
    assert rc.cmd("TTL", "nope") == intr(-2)
    assert rc.cmd("PTTL", "nope") == intr(-2)
    assert rc.cmd("EXPIRETIME", "nope") == intr(-2)
    assert rc.cmd("PEXPIRETIME", "nope") == intr(-2)
    rc.cmd("SET", "k", "v")
    assert rc.cmd("TTL", "k") == intr(-1)
    assert rc.cmd("PTTL", "k") == intr(-1)
    assert rc.cmd("EXPIRETIME", "k") == intr(-1)
    assert rc.cmd("PEXPIRETIME", "k") == intr(-1)


def test_expire_and_ttl(rc):
    rc.cmd("SET", "k", "v")
    assert rc.cmd("EXPIRE", "k", "100") == intr(1)
    assert 99 <= ival(rc, "TTL", "k") <= 100
    assert 99000 <= ival(rc, "PTTL", "k") <= 100000
    now = time.time()
    assert abs(ival(rc, "EXPIRETIME", "k") - (now + 100)) <= 2
    assert abs(ival(rc, "PEXPIRETIME", "k") - (now + 100) * 1000) <= 2000


def test_pexpire_and_pttl(rc):
    rc.cmd("SET", "k", "v")
    assert rc.cmd("PEXPIRE", "k", "50000") == intr(1)
    assert 49000 <= ival(rc, "PTTL", "k") <= 50000
    assert 49 <= ival(rc, "TTL", "k") <= 50


def test_expireat_and_pexpireat_are_exact(rc):
    rc.cmd("SET", "k", "v")
    assert rc.cmd("EXPIREAT", "k", FAR_FUTURE) == intr(1)
    assert rc.cmd("EXPIRETIME", "k") == intr(FAR_FUTURE)
    assert rc.cmd("PEXPIRETIME", "k") == intr(FAR_FUTURE * 1000)
    assert rc.cmd("PEXPIREAT", "k", FAR_FUTURE * 1000 + 123) == intr(1)
    assert rc.cmd("PEXPIRETIME", "k") == intr(FAR_FUTURE * 1000 + 123)
    assert rc.cmd("EXPIRETIME", "k") == intr(FAR_FUTURE)


def test_expire_on_missing_key_returns_zero(rc):
    assert rc.cmd("EXPIRE", "nope", "10") == intr(0)
    assert rc.cmd("PEXPIRE", "nope", "10") == intr(0)
    assert rc.cmd("EXPIREAT", "nope", FAR_FUTURE) == intr(0)
    assert rc.cmd("PEXPIREAT", "nope", FAR_FUTURE * 1000) == intr(0)
    assert rc.cmd("EXISTS", "nope") == intr(0)


@pytest.mark.parametrize("args", [
    ("EXPIRE", "k", "0"), ("EXPIRE", "k", "-1"), ("PEXPIRE", "k", "-100"),
    ("EXPIREAT", "k", "1"), ("PEXPIREAT", "k", "1"),
])
def test_expire_in_the_past_deletes_key_and_returns_one(rc, args):
    rc.cmd("SET", "k", "v")
    assert rc.cmd(*args) == intr(1)
    assert rc.cmd("EXISTS", "k") == intr(0)
    assert rc.cmd("TTL", "k") == intr(-2)


def test_persist(rc):
    rc.cmd("SET", "k", "v", "EX", "100")
    assert rc.cmd("PERSIST", "k") == intr(1)
    assert rc.cmd("TTL", "k") == intr(-1)
    assert rc.cmd("PERSIST", "k") == intr(0)
    assert rc.cmd("PERSIST", "nope") == intr(0)


# ---------------------------------------------------------------------------------------- NX XX GT LT
def test_expire_nx_only_without_existing_ttl(rc):
    rc.cmd("SET", "k", "v")
    assert rc.cmd("EXPIRE", "k", "100", "NX") == intr(1)
    assert rc.cmd("EXPIRE", "k", "200", "NX") == intr(0)
    assert ival(rc, "TTL", "k") <= 100


def test_expire_xx_only_with_existing_ttl(rc):
    rc.cmd("SET", "k", "v")
    assert rc.cmd("EXPIRE", "k", "100", "XX") == intr(0)
    assert rc.cmd("TTL", "k") == intr(-1)
    rc.cmd("EXPIRE", "k", "100")
    assert rc.cmd("EXPIRE", "k", "200", "XX") == intr(1)
    assert ival(rc, "TTL", "k") > 100


def test_expire_gt_treats_no_ttl_as_infinite(rc):
    rc.cmd("SET", "k", "v")
    assert rc.cmd("EXPIRE", "k", "100", "GT") == intr(0)
    assert rc.cmd("TTL", "k") == intr(-1)
    rc.cmd("EXPIREAT", "k", FAR_FUTURE)
    assert rc.cmd("EXPIREAT", "k", FAR_FUTURE - 10, "GT") == intr(0)
    assert rc.cmd("EXPIREAT", "k", FAR_FUTURE + 10, "GT") == intr(1)
    assert rc.cmd("EXPIRETIME", "k") == intr(FAR_FUTURE + 10)


def test_expire_lt_treats_no_ttl_as_infinite(rc):
    rc.cmd("SET", "k", "v")
    assert rc.cmd("EXPIREAT", "k", FAR_FUTURE, "LT") == intr(1)
    assert rc.cmd("EXPIREAT", "k", FAR_FUTURE + 10, "LT") == intr(0)
    assert rc.cmd("EXPIREAT", "k", FAR_FUTURE - 10, "LT") == intr(1)
    assert rc.cmd("EXPIRETIME", "k") == intr(FAR_FUTURE - 10)


def test_pexpire_options(rc):
    rc.cmd("SET", "k", "v")
    assert rc.cmd("PEXPIREAT", "k", FAR_FUTURE * 1000, "NX") == intr(1)
    assert rc.cmd("PEXPIREAT", "k", FAR_FUTURE * 1000 + 1, "NX") == intr(0)
    assert rc.cmd("PEXPIREAT", "k", FAR_FUTURE * 1000 + 1, "XX") == intr(1)
    assert rc.cmd("PEXPIREAT", "k", FAR_FUTURE * 1000, "GT") == intr(0)
    assert rc.cmd("PEXPIREAT", "k", FAR_FUTURE * 1000, "LT") == intr(1)
    assert rc.cmd("PEXPIRETIME", "k") == intr(FAR_FUTURE * 1000)
    assert rc.cmd("PEXPIRE", "k", "1000", "GT") == intr(0)
    assert rc.cmd("PEXPIRE", "k", "1000000", "LT") == intr(1)


def test_expire_gt_lt_with_equal_time_do_not_apply(rc):
    rc.cmd("SET", "k", "v")
    rc.cmd("EXPIREAT", "k", FAR_FUTURE)
    assert rc.cmd("EXPIREAT", "k", FAR_FUTURE, "GT") == intr(0)
    assert rc.cmd("EXPIREAT", "k", FAR_FUTURE, "LT") == intr(0)


def test_expire_option_case_insensitive(rc):
    rc.cmd("SET", "k", "v")
    assert rc.cmd("EXPIRE", "k", "100", "nx") == intr(1)
    assert rc.cmd("expire", "k", "200", "gt") == intr(1)


def test_expire_incompatible_options(rc):
    rc.cmd("SET", "k", "v")
    nx_err = b"-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"
    assert rc.cmd("EXPIRE", "k", "10", "NX", "XX") == nx_err
    assert rc.cmd("EXPIRE", "k", "10", "NX", "GT") == nx_err
    assert rc.cmd("EXPIRE", "k", "10", "NX", "LT") == nx_err
    assert rc.cmd("EXPIRE", "k", "10", "GT", "LT") == \
        b"-ERR GT and LT options at the same time are not compatible\r\n"
    assert rc.cmd("EXPIRE", "k", "10", "foo") == b"-ERR Unsupported option foo\r\n"
    assert rc.cmd("PEXPIRE", "k", "10", "bar") == b"-ERR Unsupported option bar\r\n"
    assert rc.cmd("TTL", "k") == intr(-1)


def test_expire_xx_gt_combination_allowed(rc):
    rc.cmd("SET", "k", "v")
    assert rc.cmd("EXPIREAT", "k", FAR_FUTURE, "XX", "GT") == intr(0)
    rc.cmd("EXPIREAT", "k", FAR_FUTURE)
    assert rc.cmd("EXPIREAT", "k", FAR_FUTURE + 1, "XX", "GT") == intr(1)


def test_expire_invalid_times(rc):
    rc.cmd("SET", "k", "v")
    assert rc.cmd("EXPIRE", "k", "abc") == b"-ERR value is not an integer or out of range\r\n"
    assert rc.cmd("EXPIRE", "k", "1.5") == b"-ERR value is not an integer or out of range\r\n"
    assert rc.cmd("EXPIRE", "k", "9223372036854775807") == b"-ERR invalid expire time in 'expire' command\r\n"
    assert rc.cmd("EXPIRE", "k", "9223372036854775") == b"-ERR invalid expire time in 'expire' command\r\n"
    assert rc.cmd("PEXPIRE", "k", "9223372036854775807") == b"-ERR invalid expire time in 'pexpire' command\r\n"
    assert rc.cmd("EXPIREAT", "k", "9223372036854775807") == b"-ERR invalid expire time in 'expireat' command\r\n"
    assert rc.cmd("TTL", "k") == intr(-1)


def test_expire_arity(rc):
    assert rc.cmd("EXPIRE", "k") == b"-ERR wrong number of arguments for 'expire' command\r\n"
    assert rc.cmd("TTL") == b"-ERR wrong number of arguments for 'ttl' command\r\n"
    assert rc.cmd("PERSIST") == b"-ERR wrong number of arguments for 'persist' command\r\n"


# ---------------------------------------------------------------------------------------- TTL survival rules
def test_ttl_survives_value_modifications(rc):
    rc.cmd("SET", "k", "5", "EXAT", FAR_FUTURE)
    rc.cmd("INCR", "k")
    rc.cmd("APPEND", "k", "x")
    rc.cmd("SETRANGE", "k", "0", "y")
    assert rc.cmd("EXPIRETIME", "k") == intr(FAR_FUTURE)
    rc.cmd("GETSET", "k", "z")
    assert rc.cmd("EXPIRETIME", "k") == intr(-1)


def test_ttl_moves_with_rename(rc):
    rc.cmd("SET", "k", "v", "EXAT", FAR_FUTURE)
    rc.cmd("RENAME", "k", "k2")
    assert rc.cmd("EXPIRETIME", "k2") == intr(FAR_FUTURE)


# ---------------------------------------------------------------------------------------- lazy / active expiry
def test_lazy_expiry_on_access(rc):
    rc.cmd("SET", "k", "v", "PX", "50")
    rc.cmd("SET", "k2", "v", "PX", "50")
    rc.cmd("SET", "k3", "v", "PX", "50")
    time.sleep(0.2)
    assert rc.cmd("GET", "k") == b"$-1\r\n"
    assert rc.cmd("EXISTS", "k2") == intr(0)
    assert rc.cmd("TTL", "k3") == intr(-2)


def test_expired_key_can_be_recreated_without_old_ttl(rc):
    rc.cmd("SET", "k", "v", "PX", "30")
    time.sleep(0.1)
    assert rc.cmd("SETNX", "k", "new") == intr(1)
    assert rc.cmd("TTL", "k") == intr(-1)
    rc.cmd("SET", "n", "10", "PX", "30")
    time.sleep(0.1)
    assert rc.cmd("INCR", "n") == intr(1)
    rc.cmd("SET", "a", "abc", "PX", "30")
    time.sleep(0.1)
    assert rc.cmd("APPEND", "a", "x") == intr(1)


def test_expired_keys_are_invisible_to_mget_and_keys(rc):
    rc.cmd("SET", "live", "1")
    rc.cmd("SET", "dead", "1", "PX", "20")
    time.sleep(0.1)
    assert rc.cmd("MGET", "live", "dead") == b"*2\r\n$1\r\n1\r\n$-1\r\n"
    assert rc.cmd("KEYS", "*") == b"*1\r\n$4\r\nlive\r\n"


def test_active_expiry_removes_untouched_keys(rc):
    n = 500
    for i in range(n):
        rc.send_cmd("SET", "exp:%d" % i, "v", "PX", "100")
    for i in range(n):
        assert rc.read_reply() == b"+OK\r\n"
    rc.cmd("SET", "keeper", "1")
    assert ival(rc, "DBSIZE") == n + 1
    # DBSIZE counts keys without touching them; only active expiry can make it drop
    time.sleep(1.5)
    size = wait_until(lambda: ival(rc, "DBSIZE") == 1, timeout=3.0, interval=0.1)
    assert size, "active expiry did not remove the keys: DBSIZE=%d" % ival(rc, "DBSIZE")
    assert rc.cmd("GET", "keeper") == b"$1\r\n1\r\n"


def test_expired_keys_stat_and_keyspace_info(rc):
    def info(section):
        return info_dict(parse_reply(rc.cmd("INFO", section))[0])

    rc.cmd("SET", "a", "1", "PX", "20")
    rc.cmd("SET", "b", "1", "EX", "1000")
    rc.cmd("SET", "c", "1")
    before = int(info("stats")["expired_keys"])
    time.sleep(0.1)
    assert rc.cmd("GET", "a") == b"$-1\r\n"
    after = int(info("stats")["expired_keys"])
    assert after >= before + 1
    ks = kv_fields(info("keyspace")["db0"])
    assert ks["keys"] == "2"
    assert ks["expires"] == "1"
    assert 0 <= int(ks["avg_ttl"]) <= 1000 * 1000
