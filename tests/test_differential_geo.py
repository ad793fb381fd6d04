"""Differential tests for the geo commands: the same sequences go as raw RESP to redis-server and
to the server under test, replies compared byte for byte (RESP2 and RESP3), errors and WRONGTYPE
included; stored results are read back with ZRANGE WITHSCORES and OBJECT ENCODING.

What is not compared byte for byte, and why: nothing, with one restriction on the data. Redis
orders equal distances by glibc's qsort (stable) for full sorts but by its own partial quicksort
when COUNT cuts the result; the random points are distinct full-precision coordinates, so equal
distances do not occur and every reply (unsorted ones included: they follow the 9 search cells,
then score order) is compared exactly.
"""
import random

import pytest

from test_differential import C, run_differential

GEOCMDS = ["GEOADD", "GEOPOS", "GEODIST", "GEOHASH", "GEOSEARCH", "GEOSEARCHSTORE", "GEORADIUS",
           "GEORADIUS_RO", "GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"]

SICILY = ["13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania",
          "12.758489", "38.788135", "edge1", "17.241510", "38.788135", "edge2"]


def seq_arity_and_wrongtype():
    out = []
    for cmd in GEOCMDS:
        for n in range(0, 8):
            out.append(C(cmd, *["k"] * n))
    out += [C("SET", "str", "x"), C("GEOADD", "g", *SICILY)]
    for cmd in [("GEOADD", "str", "1", "2", "a"), ("GEOADD", "str", "x", "2", "a"),
                ("GEOADD", "str", "1", "200", "a"), ("GEOPOS", "str", "a"), ("GEOHASH", "str", "a"),
                ("GEODIST", "str", "a", "b"), ("GEODIST", "str", "a", "b", "xx"),
                ("GEOSEARCH", "str", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km"),
                ("GEOSEARCHSTORE", "d", "str", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "km"),
                ("GEOSEARCHSTORE", "str", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "100", "km"),
                ("GEORADIUS", "str", "1", "2", "3", "km"), ("GEORADIUS_RO", "str", "1", "2", "3", "km"),
                ("GEORADIUSBYMEMBER", "str", "a", "3", "km"),
                ("GEORADIUSBYMEMBER_RO", "str", "a", "3", "km")]:
        out.append(C(*cmd))
    out += [C("TYPE", "str"), C("TYPE", "g")]
    return out


def seq_geoadd_options():
    out = [C("GEOADD", "g", "1", "2", "a", "3", "4", "b")]
    for opts in [(), ("NX",), ("XX",), ("CH",), ("NX", "CH"), ("XX", "CH"), ("CH", "XX"), ("NX", "XX"),
                 ("GT",), ("LT",), ("INCR",), ("nx", "ch", "ch")]:
        out.append(C("GEOADD", "g", *opts, "1", "2", "a", "5", "6", "b", "7", "8", "c"))
        out.append(C("ZRANGE", "g", "0", "-1", "WITHSCORES"))
    out += [C("GEOADD", "g", "1", "2"), C("GEOADD", "g", "NX", "1", "2"), C("GEOADD", "g", "NX", "CH", "XX"),
            C("GEOADD", "g", "1", "2", "a", "3"), C("GEOADD", "g", "abc", "2", "a"),
            C("GEOADD", "g", "1", "nan", "a"), C("GEOADD", "g", "1", "inf", "a"),
            C("GEOADD", "g", "180.0000001", "0", "a"), C("GEOADD", "g", "-180.0000001", "0", "a"),
            C("GEOADD", "g", "0", "85.05112879", "a"), C("GEOADD", "g", "0", "-85.05112879", "a"),
            C("GEOADD", "g", "1", "2", "ok", "500", "2", "bad"), C("ZRANGE", "g", "0", "-1"),
            C("GEOADD", "g", " 1", "2", "a"), C("GEOADD", "g", "1e2", "-1.5e1", "sci"),
            C("GEOADD", "nokey", "XX", "1", "2", "a"), C("EXISTS", "nokey"),
            C("GEOADD", "lim", "180", "85.05112878", "ne", "-180", "-85.05112878", "sw", "180",
              "-85.05112878", "se", "-180", "85.05112878", "nw", "0", "0", "o", "-0", "-0", "negzero"),
            C("ZRANGE", "lim", "0", "-1", "WITHSCORES"),
            C("GEOPOS", "lim", "ne", "sw", "se", "nw", "o", "negzero", "missing"),
            C("GEOHASH", "lim", "ne", "sw", "se", "nw", "o", "missing"),
            C("GEODIST", "lim", "ne", "sw"), C("GEODIST", "lim", "ne", "nw", "km"),
            C("GEODIST", "lim", "o", "negzero", "mi")]
    return out


def seq_pos_hash_dist():
    out = [C("GEOADD", "g", *SICILY)]
    out += [C("GEOPOS", "g", "Palermo", "Catania", "nope", "edge1"), C("GEOPOS", "nokey", "a", "b"),
            C("GEOPOS", "g"), C("GEOHASH", "g", "Palermo", "Catania", "edge2", "nope"),
            C("GEOHASH", "nokey", "a"), C("GEOHASH", "g")]
    for unit in [None, "m", "km", "ft", "mi", "KM", "Mi", "yd", ""]:
        extra = () if unit is None else (unit,)
        out.append(C("GEODIST", "g", "Palermo", "Catania", *extra))
        out.append(C("GEODIST", "g", "Palermo", "nope", *extra))
        out.append(C("GEODIST", "nokey", "Palermo", "Catania", *extra))
    out += [C("GEODIST", "g", "Palermo", "Palermo"), C("GEODIST", "g", "a", "b", "km", "x")]
    # Scores that are not geohashes (ZADD'ed), same-longitude points.
    out += [C("ZADD", "g", "-1", "neg", "0", "zero", "1e300", "huge", "4503599627370495", "max52",
              "9007199254740993", "big", "3.7", "frac", "inf", "pinf", "-inf", "ninf"),
            C("GEOPOS", "g", "neg", "zero", "huge", "max52", "big", "frac", "pinf", "ninf"),
            C("GEOHASH", "g", "neg", "zero", "huge", "max52", "big", "frac", "pinf", "ninf"),
            C("GEODIST", "g", "zero", "max52"), C("GEODIST", "g", "neg", "frac"),
            C("GEOADD", "same", "10.5", "10", "a", "10.5", "40", "b", "10.5", "-60", "c"),
            C("GEODIST", "same", "a", "b"), C("GEODIST", "same", "b", "c", "km"),
            C("GEOSEARCH", "same", "FROMMEMBER", "a", "BYBOX", "100", "8000", "km", "ASC", "WITHDIST")]
    return out


def seq_search_errors():
    g = "g"
    out = [C("GEOADD", g, *SICILY)]
    bad = [
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "BYBOX", "1", "1", "km"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "ASC", "WITHDIST"),
        ("GEOSEARCH", g, "BYRADIUS", "200", "km", "ASC"),
        ("GEOSEARCH", g, "FROMMEMBER", "Palermo", "FROMLONLAT", "15", "37", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", g, "FROMMEMBER", "nope", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", "nokey", "FROMMEMBER", "nope", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", "nokey", "FROMMEMBER", "nope", "BYRADIUS", "1", "parsec"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYRADIUS", "-1", "km"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYRADIUS", "x", "km"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYRADIUS", "1", "yards"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYBOX", "-1", "1", "km"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYBOX", "1", "-1", "km"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYBOX", "x", "1", "km"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYBOX", "1", "y", "km"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYBOX", "1", "1", "lightyear"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYBOX", "1", "1"),
        ("GEOSEARCH", g, "FROMLONLAT", "200", "37", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", g, "FROMLONLAT", "a", "37", "BYRADIUS", "1", "km"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "0"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "-3"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "x"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ANY"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STORE", "d"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STOREDIST"),
        ("GEOSEARCH", g, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "foo"),
        ("GEOSEARCHSTORE", "d", g, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "WITHDIST"),
        ("GEOSEARCHSTORE", "d", g, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "WITHHASH"),
        ("GEOSEARCHSTORE", "d", g, "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STORE", "x"),
        ("GEOSEARCHSTORE", "d", g, "BYRADIUS", "200", "km"),
        ("geosearchstore", "d", g, "FROMLONLAT", "15", "37", "STOREDIST"),
        ("GEORADIUS", g, "15", "37", "200", "km", "WITHDIST", "STORE", "d"),
        ("GEORADIUS", g, "15", "37", "200", "km", "STOREDIST", "d", "WITHCOORD"),
        ("GEORADIUS", g, "15", "37", "200", "km", "STORE"),
        ("GEORADIUS", g, "15", "37", "200", "km", "FROMMEMBER", "Palermo"),
        ("GEORADIUS", g, "15", "37", "-200", "km"),
        ("GEORADIUS", g, "15", "37", "200", "kmh"),
        ("GEORADIUS", g, "15", "95", "200", "km"),
        ("GEORADIUS_RO", g, "15", "37", "200", "km", "STORE", "d"),
        ("GEORADIUS_RO", g, "15", "37", "200", "km", "STOREDIST", "d"),
        ("GEORADIUSBYMEMBER", g, "nope", "200", "km"),
        ("GEORADIUSBYMEMBER", g, "nope", "x", "km"),
        ("GEORADIUSBYMEMBER", "nokey", "nope", "x", "km", "foo"),
        ("GEORADIUSBYMEMBER", "nokey", "nope", "1", "km", "STORE", "d"),
        ("GEORADIUSBYMEMBER", "nokey", "nope", "1", "km", "ANY"),
        ("GEORADIUSBYMEMBER_RO", g, "Palermo", "200", "km", "STORE", "d"),
        ("GEORADIUS", "nokey", "15", "37", "200", "km", "COUNT", "3", "ANY", "DESC"),
    ]
    for b in bad:
        out.append(C(*b))
    # Missing sources: an empty array, or 0 and the destination deleted.
    out += [C("SET", "d", "x"), C("GEOSEARCHSTORE", "d", "nokey", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "m"),
            C("EXISTS", "d"), C("SET", "d", "x"), C("GEORADIUS", "nokey", "1", "2", "3", "m", "STORE", "d"),
            C("EXISTS", "d"), C("SET", "d", "x"),
            C("GEORADIUSBYMEMBER", "nokey", "m", "3", "m", "STOREDIST", "d"), C("EXISTS", "d"),
            C("GEOSEARCH", "nokey", "FROMLONLAT", "1", "2", "BYRADIUS", "1", "m")]
    return out


def seq_search_sicily():
    out = [C("GEOADD", "g", *SICILY)]
    withs = [(), ("WITHDIST",), ("WITHCOORD",), ("WITHHASH",), ("WITHDIST", "WITHHASH", "WITHCOORD"),
             ("withcoord", "withdist")]
    for w in withs:
        for order in [(), ("ASC",), ("DESC",), ("COUNT", "1"), ("COUNT", "2", "DESC"), ("COUNT", "3", "ANY"),
                      ("COUNT", "1", "ANY", "ASC"), ("ASC", "DESC")]:
            out.append(C("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", *w, *order))
            out.append(C("GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "400", "400", "km", *order, *w))
            out.append(C("GEORADIUS", "g", "15", "37", "200", "km", *w, *order))
            out.append(C("GEORADIUSBYMEMBER_RO", "g", "Palermo", "300", "km", *order, *w))
    for unit in ["m", "km", "ft", "mi"]:
        out.append(C("GEORADIUS_RO", "g", "15", "37", "120", unit, "WITHDIST", "ASC"))
        out.append(C("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYBOX", "300", "200", unit, "WITHDIST"))
    out += [C("GEOSEARCH", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "0", "km"),
            C("GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "0", "km"),
            C("GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYBOX", "0", "0", "km", "WITHDIST")]
    # Stores.
    out += [C("GEORADIUS", "g", "15", "37", "200", "km", "STORE", "d1"), C("ZRANGE", "d1", "0", "-1", "WITHSCORES"),
            C("GEORADIUS", "g", "15", "37", "200", "km", "STOREDIST", "d2", "DESC", "COUNT", "1"),
            C("ZRANGE", "d2", "0", "-1", "WITHSCORES"),
            C("GEORADIUSBYMEMBER", "g", "Palermo", "200", "km", "STORE", "d3", "STOREDIST", "d4"),
            C("EXISTS", "d3"), C("ZRANGE", "d4", "0", "-1", "WITHSCORES"),
            C("GEOSEARCHSTORE", "d5", "g", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "STOREDIST"),
            C("ZRANGE", "d5", "0", "-1", "WITHSCORES"), C("OBJECT", "ENCODING", "d5"),
            C("GEOSEARCHSTORE", "d5", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"), C("EXISTS", "d5"),
            C("EXPIRE", "d1", "1000"),
            C("GEOSEARCHSTORE", "d1", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "100", "km"),
            C("TTL", "d1"), C("ZRANGE", "d1", "0", "-1", "WITHSCORES"),
            C("GEOSEARCHSTORE", "g", "g", "FROMLONLAT", "15", "37", "BYRADIUS", "100", "km", "STOREDIST"),
            C("ZRANGE", "g", "0", "-1", "WITHSCORES")]
    return out


def seq_store_encodings():
    rnd = random.Random(7)
    out = []
    args = []
    for i in range(300):
        args += ["%.6f" % rnd.uniform(-10, 10), "%.6f" % rnd.uniform(-10, 10), "p%d" % i]
    out.append(C("GEOADD", "big", *args))
    out += [C("OBJECT", "ENCODING", "big"),
            C("GEOSEARCHSTORE", "s1", "big", "FROMLONLAT", "0", "0", "BYRADIUS", "2000", "km"),
            C("OBJECT", "ENCODING", "s1"), C("ZCARD", "s1"),
            C("GEOSEARCHSTORE", "s2", "big", "FROMLONLAT", "0", "0", "BYRADIUS", "2000", "km", "COUNT", "128"),
            C("OBJECT", "ENCODING", "s2"),
            C("GEOSEARCHSTORE", "s3", "big", "FROMLONLAT", "0", "0", "BYRADIUS", "2000", "km", "COUNT", "129",
              "STOREDIST"),
            C("OBJECT", "ENCODING", "s3"), C("ZRANGE", "s3", "0", "-1", "WITHSCORES"),
            C("GEOADD", "long", "1", "1", "x" * 70, "1.1", "1.1", "y"),
            C("GEOSEARCHSTORE", "s4", "long", "FROMLONLAT", "1", "1", "BYRADIUS", "100", "km"),
            C("OBJECT", "ENCODING", "s4"),
            C("GEOSEARCH", "big", "FROMLONLAT", "1", "1", "BYBOX", "500", "300", "km", "WITHDIST", "WITHHASH")]
    return out


DETERMINISTIC = {f.__name__: f for f in [seq_arity_and_wrongtype, seq_geoadd_options, seq_pos_hash_dist,
                                          seq_search_errors, seq_search_sicily, seq_store_encodings]}


@pytest.mark.parametrize("resp", [2, 3])
@pytest.mark.parametrize("name", sorted(DETERMINISTIC))
def test_geo_differential_sequence(name, resp, redis_ref, server):
    steps = DETERMINISTIC[name]()
    if resp == 3:
        steps = [C("HELLO", "3", mode="skip")] + steps
    run_differential(redis_ref.port, server.port, steps, "%s/resp%d" % (name, resp))


# ======================================================================================== random
class RandomGeo:
    """Random points (clusters, the whole map, near the poles and the antimeridian) and random
    searches of every form over them."""

    UNITS = ["m", "km", "ft", "mi"]

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.members = []
        self.centers = [(self.r.uniform(-180, 180), self.r.uniform(-80, 80)) for _ in range(4)]
        self.centers += [(179.9, 10.0), (-179.9, -10.0), (20.0, 84.9), (-30.0, -84.9), (0.0, 0.0)]

    def point(self):
        r = self.r
        if r.random() < 0.2:
            return r.uniform(-180, 180), r.uniform(-85.05112878, 85.05112878)
        lon, lat = r.choice(self.centers)
        spread = r.choice([0.01, 0.5, 3.0, 20.0])
        lon = max(-180.0, min(180.0, lon + r.uniform(-spread, spread)))
        lat = max(-85.05112878, min(85.05112878, lat + r.uniform(-spread, spread)))
        return lon, lat

    def fmt(self, v):
        return repr(v)

    def center(self):
        if self.members and self.r.random() < 0.4:
            return ("FROMMEMBER", self.r.choice(self.members))
        lon, lat = self.point()
        return ("FROMLONLAT", self.fmt(lon), self.fmt(lat))

    def dist(self):
        r = self.r
        unit = r.choice(self.UNITS)
        meters = 10 ** r.uniform(0, 6.6)
        scale = {"m": 1, "km": 1000, "ft": 0.3048, "mi": 1609.34}[unit]
        return "%.3f" % (meters / scale), unit

    def options(self, store=False):
        r = self.r
        opts = []
        if not store:
            for w in ("WITHDIST", "WITHCOORD", "WITHHASH"):
                if r.random() < 0.4:
                    opts.append(w)
        c = r.random()
        if c < 0.3:
            opts += ["COUNT", str(r.randint(1, 12))]
            if r.random() < 0.3:
                opts.append("ANY")
        o = r.random()
        if o < 0.3:
            opts.append("ASC")
        elif o < 0.6:
            opts.append("DESC")
        r.shuffle(opts)  # tokens stay intact: re-pair COUNT with its number below
        fixed = []
        toks = [t for t in opts if not t.isdigit()]
        nums = [t for t in opts if t.isdigit()]
        for t in toks:
            fixed.append(t)
            if t == "COUNT":
                fixed.append(nums.pop())
        return fixed

    def one(self):
        r = self.r
        x = r.random()
        if x < 0.25 or len(self.members) < 5:
            args = []
            for _ in range(r.randint(1, 8)):
                lon, lat = self.point()
                m = "m%d" % r.randint(0, 400)
                self.members.append(m)
                args += [self.fmt(lon), self.fmt(lat), m]
            flags = r.choice([[], [], ["NX"], ["XX"], ["CH"]])
            return [C("GEOADD", "g", *flags, *args)]
        if x < 0.3:
            ms = [r.choice(self.members + ["nope"]) for _ in range(r.randint(1, 4))]
            return [C(r.choice(["GEOPOS", "GEOHASH"]), "g", *ms)]
        if x < 0.35:
            return [C("GEODIST", "g", r.choice(self.members), r.choice(self.members), r.choice(self.UNITS))]
        if x < 0.37:
            return [C("ZREM", "g", r.choice(self.members))]
        shape = (("BYRADIUS",) + self.dist()) if r.random() < 0.5 else \
            (("BYBOX",) + self.dist()[:1] + self.dist())
        if x < 0.7:
            return [C("GEOSEARCH", "g", *self.center(), *shape, *self.options())]
        if x < 0.8:
            dst = r.choice(["d1", "d2", "g2"])
            opts = self.options(store=True) + (["STOREDIST"] if r.random() < 0.5 else [])
            return [C("GEOSEARCHSTORE", dst, "g", *self.center(), *shape, *opts),
                    C("ZRANGE", dst, "0", "-1", "WITHSCORES"), C("OBJECT", "ENCODING", dst)]
        if x < 0.9:
            lon, lat = self.point()
            cmd = r.choice(["GEORADIUS", "GEORADIUS_RO"])
            opts = self.options()
            if cmd == "GEORADIUS" and r.random() < 0.3:
                opts = self.options(store=True) + [r.choice(["STORE", "STOREDIST"]), "d1"]
            out = [C(cmd, "g", self.fmt(lon), self.fmt(lat), *self.dist(), *opts)]
            if "d1" in opts:
                out.append(C("ZRANGE", "d1", "0", "-1", "WITHSCORES"))
            return out
        cmd = r.choice(["GEORADIUSBYMEMBER", "GEORADIUSBYMEMBER_RO"])
        return [C(cmd, "g", r.choice(self.members + ["nope"]), *self.dist(), *self.options())]

    def steps(self, n):
        out = []
        while len(out) < n:
            out += self.one()
        return out


def _random_run(redis_ref, server, seed, resp, n=400):
    steps = RandomGeo(seed).steps(n)
    if resp == 3:
        steps = [C("HELLO", "3", mode="skip")] + steps
    run_differential(redis_ref.port, server.port, steps, "random seed %d resp%d" % (seed, resp))


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_geo_differential_random_resp2(redis_ref, server, seed):
    _random_run(redis_ref, server, seed, 2)


@pytest.mark.parametrize("seed", [21, 22])
def test_geo_differential_random_resp3(redis_ref, server, seed):
    _random_run(redis_ref, server, seed, 3)


def test_geo_differential_random_skiplist(redis_ref, server):
    """Sets past zset-max-listpack-entries: the same searches over the skiplist encoding."""
    gen = RandomGeo(31)
    steps = []
    for _ in range(40):
        args = []
        for _ in range(10):
            lon, lat = gen.point()
            m = "b%d" % len(gen.members)
            gen.members.append(m)
            args += [gen.fmt(lon), gen.fmt(lat), m]
        steps.append(C("GEOADD", "g", *args))
    steps.append(C("OBJECT", "ENCODING", "g"))
    steps += gen.steps(300)
    run_differential(redis_ref.port, server.port, steps, "random skiplist")
