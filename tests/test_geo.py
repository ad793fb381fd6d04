"""Geo commands, black box: GEOADD (NX XX CH) GEOPOS GEODIST GEOHASH GEOSEARCH GEOSEARCHSTORE
GEORADIUS GEORADIUSBYMEMBER and the _RO variants, with errors, RESP2 and RESP3 reply types, geo
values being plain sorted sets, and search results checked against a brute-force haversine model.
Every test passes against Redis 7.0 too."""
import math
import random

import pytest

from helpers import bulk, parse_reply

SYNTAX = b"-ERR syntax error\r\n"
WRONGTYPE = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
EMPTY = b"*0\r\n"
SICILY = [13.361389, 38.115556, "Palermo", 15.087269, 37.502669, "Catania"]


def arr(*items):
    return b"*%d\r\n" % len(items) + b"".join(items)


@pytest.fixture
def rc3(r, raw):
    c = raw()
    c.cmd("HELLO", "3")
    return c


def haversine(lon1, lat1, lon2, lat2):
    r1, r2 = math.radians(lat1), math.radians(lat2)
    u = math.sin((r2 - r1) / 2)
    v = math.sin(math.radians(lon2 - lon1) / 2)
    return 2 * 6372797.560856 * math.asin(math.sqrt(u * u + math.cos(r1) * math.cos(r2) * v * v))


def test_geoadd_stores_a_sorted_set_with_geohash_scores(r):
    assert r.geoadd("g", SICILY) == 2
    assert r.type("g") == b"zset"
    assert r.zrange("g", 0, -1, withscores=True) == [(b"Palermo", 3479099956230698.0),
                                                     (b"Catania", 3479447370796909.0)]
    assert r.object("encoding", "g") == b"listpack"


def test_geoadd_nx_xx_ch(r):
    assert r.geoadd("g", [1, 2, "a"]) == 1
    assert r.geoadd("g", [3, 4, "a", 5, 6, "b"], nx=True) == 1
    assert r.geopos("g", "a")[0][0] == pytest.approx(1, abs=1e-5)
    assert r.geoadd("g", [3, 4, "a", 7, 8, "c"], xx=True) == 0
    assert r.geopos("g", "a")[0][0] == pytest.approx(3, abs=1e-5)
    assert r.exists("c") == 0 and r.zscore("g", "c") is None
    assert r.geoadd("g", [9, 9, "a", 5, 6, "b", 1, 1, "d"], ch=True) == 2
    assert r.geoadd("nokey", [1, 2, "a"], xx=True) == 0
    assert r.exists("nokey") == 0


def test_geoadd_errors(rc):
    assert rc.cmd("GEOADD", "g", "NX", "XX", "1", "2", "a") == SYNTAX
    assert rc.cmd("GEOADD", "g", "1", "2", "a", "3") == SYNTAX
    assert rc.cmd("GEOADD", "g", "GT", "1", "2", "a") == SYNTAX
    assert rc.cmd("GEOADD", "g", "x", "2", "a") == b"-ERR value is not a valid float\r\n"
    assert rc.cmd("GEOADD", "g", "181", "2", "a") == \
        b"-ERR invalid longitude,latitude pair 181.000000,2.000000\r\n"
    assert rc.cmd("GEOADD", "g", "1", "2", "ok", "1", "-86", "a") == \
        b"-ERR invalid longitude,latitude pair 1.000000,-86.000000\r\n"
    assert rc.cmd("EXISTS", "g") == b":0\r\n"  # nothing added when one pair is bad
    assert rc.cmd("GEOADD", "g", "1", "2") == b"-ERR wrong number of arguments for 'geoadd' command\r\n"
    rc.cmd("SET", "s", "x")
    assert rc.cmd("GEOADD", "s", "1", "2", "a") == WRONGTYPE
    # Argument errors come before the type check, as in Redis.
    assert rc.cmd("GEOADD", "s", "1", "200", "a").startswith(b"-ERR invalid longitude")


def test_geopos_geohash_geodist(r, rc):
    r.geoadd("g", SICILY)
    assert rc.cmd("GEOPOS", "g", "Palermo", "nope") == arr(
        arr(bulk("13.36138933897018433"), bulk("38.11555639549629859")), b"*-1\r\n")
    assert rc.cmd("GEOPOS", "nokey", "a") == arr(b"*-1\r\n")
    assert r.geohash("g", "Palermo", "Catania", "nope") == ["sqc8b49rny0", "sqdtr74hyu0", None]
    assert rc.cmd("GEODIST", "g", "Palermo", "Catania") == bulk("166274.1516")
    assert rc.cmd("GEODIST", "g", "Palermo", "Catania", "KM") == bulk("166.2742")
    assert rc.cmd("GEODIST", "g", "Palermo", "Catania", "mi") == bulk("103.3182")
    assert rc.cmd("GEODIST", "g", "Palermo", "Catania", "ft") == bulk("545518.8700")
    assert rc.cmd("GEODIST", "g", "Palermo", "nope") == b"$-1\r\n"
    assert rc.cmd("GEODIST", "nokey", "a", "b") == b"$-1\r\n"
    assert rc.cmd("GEODIST", "g", "Palermo", "Catania", "yd") == \
        b"-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"
    assert rc.cmd("GEODIST", "g", "a", "b", "km", "x") == SYNTAX


def test_resp3_reply_types(r, rc3):
    r.geoadd("g", SICILY)
    assert rc3.cmd("GEOPOS", "g", "Palermo", "nope") == arr(
        arr(b",13.36138933897018433\r\n", b",38.11555639549629859\r\n"), b"_\r\n")
    assert rc3.cmd("GEODIST", "g", "Palermo", "Catania") == bulk("166274.1516")
    assert rc3.cmd("GEODIST", "g", "Palermo", "nope") == b"_\r\n"
    assert rc3.cmd("GEOHASH", "g", "nope") == arr(b"_\r\n")
    assert rc3.cmd("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "100", "km", "WITHDIST",
                   "WITHHASH", "WITHCOORD") == arr(arr(
                       bulk("Catania"), bulk("56.4413"), b":3479447370796909\r\n",
                       arr(b",15.08726745843887329\r\n", b",37.50266842333162032\r\n")))


def test_search_forms_and_options(r, rc):
    r.geoadd("g", SICILY)
    asc = [b"Catania", b"Palermo"]
    assert r.geosearch("g", longitude=15, latitude=37, radius=200, unit="km", sort="ASC") == asc
    assert r.geosearch("g", longitude=15, latitude=37, radius=200, unit="km", sort="DESC") == asc[::-1]
    assert r.geosearch("g", member="Palermo", width=400, height=400, unit="km", sort="ASC") == \
        [b"Palermo", b"Catania"]
    assert r.georadius("g", 15, 37, 200, "km", sort="ASC") == asc
    assert rc.cmd("GEORADIUS_RO", "g", "15", "37", "100", "km") == arr(bulk("Catania"))
    assert r.georadiusbymember("g", "Palermo", 100, "km") == [b"Palermo"]
    assert rc.cmd("GEORADIUSBYMEMBER_RO", "g", "Palermo", "200", "km", "ASC") == \
        arr(bulk("Palermo"), bulk("Catania"))
    # COUNT implies ASC; COUNT ANY takes the first found.
    assert rc.cmd("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "1") == \
        arr(bulk("Catania"))
    assert rc.cmd("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "WITHDIST",
                  "DESC", "COUNT", "1") == arr(arr(bulk("Palermo"), bulk("190.4424")))
    assert len(parse_reply(rc.cmd("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km",
                                  "COUNT", "1", "ANY"))[0]) == 1
    assert rc.cmd("GEOSEARCH", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km") == EMPTY
    assert rc.cmd("GEOSEARCH", "nokey", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km") == EMPTY


def test_search_errors(r, rc):
    r.geoadd("g", SICILY)
    base = ("GEOSEARCH", "g", "FROMLONLAT", "15", "37")
    assert rc.cmd(*base, "ASC", "WITHDIST") == \
        b"-ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH\r\n"
    assert rc.cmd("geosearch", "g", "BYRADIUS", "1", "km", "ASC", "WITHDIST") == \
        b"-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch\r\n"
    assert rc.cmd(*base, "BYRADIUS", "1", "km", "BYBOX", "1", "1", "km") == SYNTAX
    assert rc.cmd(*base, "BYRADIUS", "-1", "km") == b"-ERR radius cannot be negative\r\n"
    assert rc.cmd(*base, "BYRADIUS", "x", "km") == b"-ERR need numeric radius\r\n"
    assert rc.cmd(*base, "BYBOX", "x", "1", "km") == b"-ERR need numeric width\r\n"
    assert rc.cmd(*base, "BYBOX", "1", "x", "km") == b"-ERR need numeric height\r\n"
    assert rc.cmd(*base, "BYBOX", "1", "-1", "km") == b"-ERR height or width cannot be negative\r\n"
    assert rc.cmd(*base, "BYRADIUS", "1", "km", "COUNT", "0") == b"-ERR COUNT must be > 0\r\n"
    assert rc.cmd(*base, "BYRADIUS", "1", "km", "ANY") == \
        b"-ERR the ANY argument requires COUNT argument\r\n"
    assert rc.cmd(*base, "BYRADIUS", "1", "km", "STORE", "d") == SYNTAX
    assert rc.cmd("GEOSEARCH", "g", "FROMMEMBER", "nope", "BYRADIUS", "1", "km") == \
        b"-ERR could not decode requested zset member\r\n"
    assert rc.cmd("GEORADIUSBYMEMBER", "g", "nope", "1", "km") == \
        b"-ERR could not decode requested zset member\r\n"
    assert rc.cmd("GEORADIUS", "g", "15", "37", "1", "km", "WITHDIST", "STORE", "d") == \
        b"-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n"
    assert rc.cmd("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km",
                  "WITHCOORD") == \
        b"-ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n"
    assert rc.cmd("GEORADIUS_RO", "g", "15", "37", "1", "km", "STORE", "d") == SYNTAX
    rc.cmd("SET", "s", "x")
    assert rc.cmd("GEOSEARCH", "s", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km") == WRONGTYPE
    assert rc.cmd("GEOPOS", "s", "a") == WRONGTYPE


def test_store_variants(r, rc):
    r.geoadd("g", SICILY)
    assert rc.cmd("GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d1") == b":2\r\n"
    assert r.zrange("d1", 0, -1, withscores=True) == r.zrange("g", 0, -1, withscores=True)
    assert rc.cmd("GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST", "d2") == b":2\r\n"
    assert [(m, round(s, 4)) for m, s in r.zrange("d2", 0, -1, withscores=True)] == \
        [(b"Catania", 56.4413), (b"Palermo", 190.4424)]
    assert rc.cmd("GEOSEARCHSTORE", "d3", "g", "FROMMEMBER", "Palermo", "BYBOX", "10", "10", "km",
                  "STOREDIST") == b":1\r\n"
    assert r.zrange("d3", 0, -1, withscores=True) == [(b"Palermo", 0.0)]
    # An empty result deletes the destination.
    assert rc.cmd("GEOSEARCHSTORE", "d3", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km") == b":0\r\n"
    assert r.exists("d3") == 0
    r.set("d4", "x")
    assert rc.cmd("GEORADIUSBYMEMBER", "nokey", "m", "1", "km", "STORE", "d4") == b":0\r\n"
    assert r.exists("d4") == 0


@pytest.mark.parametrize("n", [50, 400])
def test_search_matches_brute_force(r, n):
    """Radius and box results equal a brute-force filter over the decoded positions (the n=400 set
    is skiplist-encoded)."""
    rnd = random.Random(n)
    pts = []
    for i in range(n):
        pts += [rnd.uniform(-20, 20), rnd.uniform(-20, 20), "p%d" % i]
    r.geoadd("g", pts)
    pos = dict(zip(["p%d" % i for i in range(n)], r.geopos("g", *["p%d" % i for i in range(n)])))
    for _ in range(20):
        lon, lat = rnd.uniform(-20, 20), rnd.uniform(-20, 20)
        radius = rnd.uniform(10, 1500)
        got = r.geosearch("g", longitude=lon, latitude=lat, radius=radius, unit="km", withdist=True,
                          sort="ASC")
        want = sorted((haversine(lon, lat, p[0], p[1]), m) for m, p in pos.items())
        want = [m for d, m in want if d <= radius * 1000]
        got_names = [g[0].decode() for g in got]
        # Points within a few millimetres of the edge may differ by rounding.
        assert set(got_names) ^ set(want) <= {m for m in pos
                                             if abs(haversine(lon, lat, *pos[m]) - radius * 1000) < 1}
        dists = [g[1] for g in got]
        assert dists == sorted(dists)
    assert r.object("encoding", "g") == (b"listpack" if n <= 128 else b"skiplist")
