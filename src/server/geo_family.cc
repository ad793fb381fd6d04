// Geo commands (Redis 7.0 geo.c) over sorted sets whose scores are 52-bit geohashes: GEOADD,
// GEOPOS, GEODIST, GEOHASH, GEOSEARCH, GEOSEARCHSTORE, GEORADIUS[_RO], GEORADIUSBYMEMBER[_RO].
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "core/geohash.h"
#include "core/zset.h"
#include "server/command_context.h"

namespace tessera {
namespace {

constexpr const char* kFloatErr = "ERR value is not a valid float";

const ZSet& Z(const Entry* e) { return *static_cast<const ZSet*>(e->object()); }

// getDoubleFromObjectOrReply: "ERR <msg>" (or the float error) when `arg` is not a float.
bool ParseFloatArg(CommandContext& ctx, const std::string& arg, double* out,
                   const char* msg = nullptr) {
  auto v = ParseDouble(arg);
  if (!v) {
    ctx.rb.Error(msg ? std::string("ERR ") + msg : kFloatErr);
    return false;
  }
  *out = *v;
  return true;
}

// extractLongLatOrReply: args[i], args[i + 1] as longitude, latitude within the WGS84 limits.
bool ParseLonLat(CommandContext& ctx, size_t i, double* xy) {
  if (!ParseFloatArg(ctx, ctx.arg(i), &xy[0]) || !ParseFloatArg(ctx, ctx.arg(i + 1), &xy[1]))
    return false;
  if (xy[0] < geo::kLonMin || xy[0] > geo::kLonMax || xy[1] < geo::kLatMin ||
      xy[1] > geo::kLatMax) {
    char buf[700];
    snprintf(buf, sizeof(buf), "ERR invalid longitude,latitude pair %f,%f", xy[0], xy[1]);
    ctx.rb.Error(buf);
    return false;
  }
  return true;
}

// extractUnitOrReply: meters per unit, or a negative value after replying the error.
double ParseUnit(CommandContext& ctx, const std::string& u) {
  if (EqualsIgnoreCase(u, "m")) return 1;
  if (EqualsIgnoreCase(u, "km")) return 1000;
  if (EqualsIgnoreCase(u, "ft")) return 0.3048;
  if (EqualsIgnoreCase(u, "mi")) return 1609.34;
  ctx.rb.Error("ERR unsupported unit provided. please use M, KM, FT, MI");
  return -1;
}

// extractDistanceOrReply: "<radius> <unit>" from args[i].
bool ParseDistance(CommandContext& ctx, size_t i, double* conversion, double* radius) {
  double d;
  if (!ParseFloatArg(ctx, ctx.arg(i), &d, "need numeric radius")) return false;
  if (d < 0) {
    ctx.rb.Error("ERR radius cannot be negative");
    return false;
  }
  *radius = d;
  double to_meters = ParseUnit(ctx, ctx.arg(i + 1));
  if (to_meters < 0) return false;
  *conversion = to_meters;
  return true;
}

// extractBoxOrReply: "<width> <height> <unit>" from args[i].
bool ParseBox(CommandContext& ctx, size_t i, double* conversion, double* width, double* height) {
  double w, h;
  if (!ParseFloatArg(ctx, ctx.arg(i), &w, "need numeric width") ||
      !ParseFloatArg(ctx, ctx.arg(i + 1), &h, "need numeric height"))
    return false;
  if (h < 0 || w < 0) {
    ctx.rb.Error("ERR height or width cannot be negative");
    return false;
  }
  *width = w;
  *height = h;
  double to_meters = ParseUnit(ctx, ctx.arg(i + 2));
  if (to_meters < 0) return false;
  *conversion = to_meters;
  return true;
}

// addReplyDoubleDistance: a bulk string with 4 decimals (RESP2 and RESP3 alike).
void ReplyDistance(ReplyBuilder& rb, double d) {
  char buf[128];
  int len = snprintf(buf, sizeof(buf), "%.4f", d);
  rb.Bulk(std::string_view(buf, len));
}

// addReplyHumanLongDouble: a bulk string in RESP2, a double in RESP3, both "%.17Lf" trimmed.
void ReplyHumanDouble(ReplyBuilder& rb, double d) {
  std::string s = FormatLongDoubleHuman(d);
  if (rb.resp() < 3) return rb.Bulk(s);
  std::string* out = rb.buffer();
  out->push_back(',');
  out->append(s);
  out->append("\r\n");
}

// The decoded position of `member`, false when absent or not decodable.
bool MemberLonLat(const ZSet& z, std::string_view member, double* xy) {
  auto score = z.Score(member);
  return score && geo::DecodeScore(*score, xy);
}

// ---------------------------------------------------------------------------------------------
// GEOADD

void GeoAdd(CommandContext& ctx) {
  bool xx = false, nx = false, ch = false;
  size_t longidx = 2;
  for (; longidx < ctx.argc(); ++longidx) {
    const std::string& opt = ctx.arg(longidx);
    if (EqualsIgnoreCase(opt, "nx"))
      nx = true;
    else if (EqualsIgnoreCase(opt, "xx"))
      xx = true;
    else if (EqualsIgnoreCase(opt, "ch"))
      ch = true;
    else
      break;
  }
  size_t rest = ctx.argc() - longidx;
  // No element at all is ZADD's syntax error too.
  if (rest % 3 || (xx && nx) || rest == 0) return ctx.ReplySyntaxError();
  size_t elements = rest / 3;
  std::vector<double> scores(elements);
  for (size_t j = 0; j < elements; ++j) {
    double xy[2];
    if (!ParseLonLat(ctx, longidx + 3 * j, xy)) return;
    geo::ScoreOf(xy[0], xy[1], &scores[j]);
  }

  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kZSet, &wrong);
  if (wrong) return;
  Db& db = ctx.DbFor(key);
  const EncodingLimits& lim = db.limits();
  int flags = (nx ? kZAddNx : 0) | (xx ? kZAddXx : 0);
  int64_t added = 0, updated = 0;
  auto run = [&](ZSet& z) {
    for (size_t j = 0; j < elements; ++j) {
      int out = z.Add(ctx.arg(longidx + 3 * j + 2), scores[j], flags, lim);
      if (out & kZAddAdded) ++added;
      if (out & kZAddUpdated) ++updated;
    }
  };
  if (e) {
    db.Mutate(e, [&](Object& o) { run(static_cast<ZSet&>(o)); });
  } else if (!xx) {
    auto z = std::make_unique<ZSet>();
    run(*z);
    if (!z->empty()) db.Add(key, Value::FromObject(std::move(z)), ctx.now_ms);
  }
  if (added + updated) {
    ctx.Notify(NotifyClass::kZset, "zadd", key);  // GEOADD runs as ZADD in Redis
    ctx.Dirty(key, added + updated);
  }
  ctx.rb.Integer(ch ? added + updated : added);
}

// ---------------------------------------------------------------------------------------------
// GEOPOS GEOHASH GEODIST

void GeoPos(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kZSet, &wrong);
  if (wrong) return;
  ctx.rb.ArrayHeader(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    double xy[2];
    if (!e || !MemberLonLat(Z(e), ctx.arg(j), xy)) {
      ctx.rb.NullArray();
      continue;
    }
    ctx.rb.ArrayHeader(2);
    ReplyHumanDouble(ctx.rb, xy[0]);
    ReplyHumanDouble(ctx.rb, xy[1]);
  }
}

void GeoHash(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kZSet, &wrong);
  if (wrong) return;
  ctx.rb.ArrayHeader(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    std::optional<double> score;
    char buf[11];
    if (e) score = Z(e).Score(ctx.arg(j));
    if (!score || !geo::StandardGeohash(*score, buf)) {
      ctx.rb.Null();
      continue;
    }
    ctx.rb.Bulk(std::string_view(buf, 11));
  }
}

void GeoDist(CommandContext& ctx) {
  double to_meter = 1;
  if (ctx.argc() == 5) {
    to_meter = ParseUnit(ctx, ctx.arg(4));
    if (to_meter < 0) return;
  } else if (ctx.argc() > 5) {
    return ctx.ReplySyntaxError();
  }
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kZSet, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Null();
  const ZSet& z = Z(e);
  auto s1 = z.Score(ctx.arg(2));
  auto s2 = s1 ? z.Score(ctx.arg(3)) : std::nullopt;
  if (!s1 || !s2) return ctx.rb.Null();
  double a[2], b[2];
  if (!geo::DecodeScore(*s1, a) || !geo::DecodeScore(*s2, b)) return ctx.rb.Null();
  ReplyDistance(ctx.rb, geo::Distance(a[0], a[1], b[0], b[1]) / to_meter);
}

// ---------------------------------------------------------------------------------------------
// GEOSEARCH GEOSEARCHSTORE GEORADIUS GEORADIUSBYMEMBER (Redis's georadiusGeneric)

enum SearchFlags : int {
  kRadiusCoords = 1,    // GEORADIUS: around coordinates
  kRadiusMember = 2,    // GEORADIUSBYMEMBER: around a member
  kNoStore = 4,         // the _RO variants: no STORE / STOREDIST
  kGeoSearch = 8,       // GEOSEARCH argument syntax
  kGeoSearchStore = 16  // GEOSEARCHSTORE: destination at 1, STOREDIST as a flag
};

struct GeoPoint {
  double lon, lat, dist, score;
  std::string_view member;
};

// Appends the points of score range [min, max) that lie within the shape, in score order, until
// `limit` points (0 = no limit) were gathered (geoGetPointsInRange).
void PointsInRange(const ZSet& z, double min, double max, const geo::Shape& shape,
                   std::vector<GeoPoint>* out, size_t limit) {
  ScoreBound lo{min, false}, hi{max, true};
  size_t rank = z.FirstInScore(lo, hi);
  if (rank == ZSet::npos) return;
  for (ZSet::Iter it = z.At(rank); it.valid(); it.Next()) {
    double score = it.score();
    if (!ScoreLteMax(score, hi)) break;
    double xy[2], dist = 0;
    if (geo::DecodeScore(score, xy) && geo::WithinShape(shape, xy[0], xy[1], &dist))
      out->push_back(GeoPoint{xy[0], xy[1], dist, score, it.member()});
    if (!out->empty() && limit && out->size() >= limit) break;
  }
}

// membersOfAllNeighbors: the centre cell then its neighbours, skipping zero cells and a cell
// equal to the last one searched (Redis never compares with the centre).
void PointsInAreas(const ZSet& z, const geo::SearchAreas& a, const geo::Shape& shape,
                   std::vector<GeoPoint>* out, size_t limit) {
  const geo::HashBits cells[9] = {a.hash,
                                  a.neighbors.north,
                                  a.neighbors.south,
                                  a.neighbors.east,
                                  a.neighbors.west,
                                  a.neighbors.north_east,
                                  a.neighbors.north_west,
                                  a.neighbors.south_east,
                                  a.neighbors.south_west};
  size_t last = 0;
  for (size_t i = 0; i < 9; ++i) {
    if (cells[i].zero()) continue;
    if (last && cells[i] == cells[last]) continue;
    if (!out->empty() && limit && out->size() >= limit) break;
    geo::HashBits next = cells[i];
    double min = static_cast<double>(geo::Align52(next));
    next.bits++;
    double max = static_cast<double>(geo::Align52(next));
    PointsInRange(z, min, max, shape, out, limit);
    last = i;
  }
}

// A STORE whose result is empty deletes its destination.
void DeleteStoreKey(CommandContext& ctx, const std::string& key) {
  if (!ctx.DbFor(key).Delete(key)) return;
  ctx.Notify(NotifyClass::kGeneric, "del", key);
  ctx.Dirty(key);
}

void GeoSearchGeneric(CommandContext& ctx, size_t src_idx, int flags) {
  const std::string* storekey = nullptr;
  bool storedist = false;
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(src_idx), ValueType::kZSet, &wrong);
  if (wrong) return;

  size_t base;
  geo::Shape shape;
  if (flags & kRadiusCoords) {
    base = 6;
    shape.type = geo::Shape::kCircle;
    if (!ParseLonLat(ctx, 2, shape.xy)) return;
    if (!ParseDistance(ctx, base - 2, &shape.conversion, &shape.radius)) return;
  } else if ((flags & kRadiusMember) && !e) {
    base = 5;  // parse the options all the same: the reply depends on STORE
  } else if (flags & kRadiusMember) {
    base = 5;
    shape.type = geo::Shape::kCircle;
    if (!MemberLonLat(Z(e), ctx.arg(2), shape.xy))
      return ctx.rb.Error("ERR could not decode requested zset member");
    if (!ParseDistance(ctx, base - 2, &shape.conversion, &shape.radius)) return;
  } else {
    base = 2;
    if (flags & kGeoSearchStore) {
      base = 3;
      storekey = &ctx.arg(1);
    }
  }

  bool withdist = false, withhash = false, withcoords = false;
  bool frommember = false, fromloc = false, byradius = false, bybox = false;
  enum { kNone, kAsc, kDesc } sort = kNone;
  bool any = false;
  int64_t count = 0;
  const bool search = flags & kGeoSearch;
  const bool store_ok = !(flags & kNoStore) && !search;
  size_t remaining = ctx.argc() > base ? ctx.argc() - base : 0;
  for (size_t i = 0; i < remaining; ++i) {
    const std::string& arg = ctx.arg(base + i);
    if (EqualsIgnoreCase(arg, "withdist")) {
      withdist = true;
    } else if (EqualsIgnoreCase(arg, "withhash")) {
      withhash = true;
    } else if (EqualsIgnoreCase(arg, "withcoord")) {
      withcoords = true;
    } else if (EqualsIgnoreCase(arg, "any")) {
      any = true;
    } else if (EqualsIgnoreCase(arg, "asc")) {
      sort = kAsc;
    } else if (EqualsIgnoreCase(arg, "desc")) {
      sort = kDesc;
    } else if (EqualsIgnoreCase(arg, "count") && i + 1 < remaining) {
      auto v = ParseInt64(ctx.arg(base + i + 1));
      if (!v) return ctx.ReplyNotInteger();
      if (*v <= 0) return ctx.rb.Error("ERR COUNT must be > 0");
      count = *v;
      i++;
    } else if (EqualsIgnoreCase(arg, "store") && i + 1 < remaining && store_ok) {
      storekey = &ctx.arg(base + i + 1);
      storedist = false;
      i++;
    } else if (EqualsIgnoreCase(arg, "storedist") && i + 1 < remaining && store_ok) {
      storekey = &ctx.arg(base + i + 1);
      storedist = true;
      i++;
    } else if (EqualsIgnoreCase(arg, "storedist") && search && (flags & kGeoSearchStore)) {
      storedist = true;
    } else if (EqualsIgnoreCase(arg, "frommember") && i + 1 < remaining && search && !fromloc) {
      if (e && !MemberLonLat(Z(e), ctx.arg(base + i + 1), shape.xy))
        return ctx.rb.Error("ERR could not decode requested zset member");
      frommember = true;
      i++;
    } else if (EqualsIgnoreCase(arg, "fromlonlat") && i + 2 < remaining && search && !frommember) {
      if (!ParseLonLat(ctx, base + i + 1, shape.xy)) return;
      fromloc = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "byradius") && i + 2 < remaining && search && !bybox) {
      if (!ParseDistance(ctx, base + i + 1, &shape.conversion, &shape.radius)) return;
      shape.type = geo::Shape::kCircle;
      byradius = true;
      i += 2;
    } else if (EqualsIgnoreCase(arg, "bybox") && i + 3 < remaining && search && !byradius) {
      if (!ParseBox(ctx, base + i + 1, &shape.conversion, &shape.width, &shape.height)) return;
      shape.type = geo::Shape::kBox;
      bybox = true;
      i += 3;
    } else {
      return ctx.ReplySyntaxError();
    }
  }

  if (storekey && (withdist || withhash || withcoords)) {
    return ctx.rb.Error(
        std::string("ERR ") +
        ((flags & kGeoSearchStore) ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS") +
        " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
  }
  if (search && !(frommember || fromloc)) {
    return ctx.rb.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
                        ctx.arg(0));
  }
  if (search && !(byradius || bybox)) {
    return ctx.rb.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " + ctx.arg(0));
  }
  if (any && !count) return ctx.rb.Error("ERR the ANY argument requires COUNT argument");

  if (!e) {
    if (storekey) {
      DeleteStoreKey(ctx, *storekey);
      ctx.rb.Integer(0);
    } else {
      ctx.rb.ArrayHeader(0);
    }
    return;
  }

  // COUNT without an order returns the nearest ones (but ANY takes the first found).
  if (count != 0 && sort == kNone && !any) sort = kAsc;

  const ZSet& z = Z(e);
  geo::SearchAreas areas = geo::AreasByShape(&shape);
  std::vector<GeoPoint> pts;
  PointsInAreas(z, areas, shape, &pts, any ? static_cast<size_t>(count) : 0);

  if (pts.empty() && !storekey) return ctx.rb.ArrayHeader(0);

  size_t result_length = pts.size();
  size_t returned = (count == 0 || result_length < static_cast<uint64_t>(count))
                        ? result_length
                        : static_cast<size_t>(count);
  if (sort != kNone) {
    // Redis sorts all the points with glibc's qsort (a stable merge sort) and only the first
    // `returned` with its partial quicksort; they differ only in the order of equal distances.
    auto asc = [](const GeoPoint& a, const GeoPoint& b) { return a.dist < b.dist; };
    auto desc = [](const GeoPoint& a, const GeoPoint& b) { return a.dist > b.dist; };
    if (returned == result_length) {
      if (sort == kAsc)
        std::stable_sort(pts.begin(), pts.end(), asc);
      else
        std::stable_sort(pts.begin(), pts.end(), desc);
    } else {
      if (sort == kAsc)
        std::partial_sort(pts.begin(), pts.begin() + returned, pts.end(), asc);
      else
        std::partial_sort(pts.begin(), pts.begin() + returned, pts.end(), desc);
    }
  }

  if (!storekey) {
    size_t options = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
    ctx.rb.ArrayHeader(returned);
    for (size_t i = 0; i < returned; ++i) {
      const GeoPoint& p = pts[i];
      if (options) ctx.rb.ArrayHeader(options + 1);
      ctx.rb.Bulk(p.member);
      if (withdist) ReplyDistance(ctx.rb, p.dist / shape.conversion);
      if (withhash) ctx.rb.Integer(static_cast<int64_t>(p.score));
      if (withcoords) {
        ctx.rb.ArrayHeader(2);
        ReplyHumanDouble(ctx.rb, p.lon);
        ReplyHumanDouble(ctx.rb, p.lat);
      }
    }
    return;
  }

  Db& db = ctx.DbFor(*storekey);
  if (returned == 0) {
    DeleteStoreKey(ctx, *storekey);
    return ctx.rb.Integer(0);
  }
  // Built before the destination is set: the points' members live in the source set, which may
  // be the destination.
  const EncodingLimits& lim = db.limits();
  auto dst = std::make_unique<ZSet>(returned > lim.zset_max_listpack_entries);
  dst->Reserve(returned);
  for (size_t i = 0; i < returned; ++i) {
    const GeoPoint& p = pts[i];
    // Add, not Insert: overlapping cells can yield a member twice (Redis would assert).
    dst->Add(p.member, storedist ? p.dist / shape.conversion : p.score, 0, lim);
  }
  db.Set(*storekey, Value::FromObject(std::move(dst)), ctx.now_ms);
  ctx.Notify(NotifyClass::kZset, search ? "geosearchstore" : "georadiusstore", *storekey);
  ctx.Dirty(*storekey, returned);
  ctx.rb.Integer(static_cast<int64_t>(returned));
}

void GeoRadius(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kRadiusCoords); }
void GeoRadiusByMember(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kRadiusMember); }
void GeoRadiusRo(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kRadiusCoords | kNoStore); }
void GeoRadiusByMemberRo(CommandContext& ctx) {
  GeoSearchGeneric(ctx, 1, kRadiusMember | kNoStore);
}
void GeoSearch(CommandContext& ctx) { GeoSearchGeneric(ctx, 1, kGeoSearch); }
void GeoSearchStore(CommandContext& ctx) { GeoSearchGeneric(ctx, 2, kGeoSearch | kGeoSearchStore); }

// Key positions of GEORADIUS / GEORADIUSBYMEMBER: the source, and the STORE / STOREDIST
// destinations found by walking the options from `base` as the parser does.
std::vector<int> RadiusKeys(ArgList args, size_t base) {
  std::vector<int> keys = {1};
  for (size_t i = base; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (EqualsIgnoreCase(a, "count")) {
      ++i;
    } else if ((EqualsIgnoreCase(a, "store") || EqualsIgnoreCase(a, "storedist")) &&
               i + 1 < args.size()) {
      keys.push_back(static_cast<int>(i + 1));
      ++i;
    }
  }
  return keys;
}
std::vector<int> GeoRadiusKeys(ArgList args) { return RadiusKeys(args, 6); }
std::vector<int> GeoRadiusByMemberKeys(ArgList args) { return RadiusKeys(args, 5); }

// ---------------------------------------------------------------------------------------------
// Registration

CommandSpec Geo(std::string name, int arity, uint32_t flags, Handler h,
                std::vector<std::string> acl, std::string summary, std::string since,
                std::string complexity) {
  acl.insert(acl.begin() + 1, "geo");
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .Acl(std::move(acl))
      .Doc("geo", std::move(summary), std::move(since), std::move(complexity));
}

void RegisterGeoFamily(CommandRegistry& r) {
  constexpr uint32_t kWD = kCmdWrite | kCmdDenyOom;
  constexpr uint32_t kR = kCmdReadOnly;
  const std::vector<std::string> ws = {"write", "slow"}, rs = {"read", "slow"};
  const char* kSearchCx =
      "O(N+log(M)) where N is the number of elements in the grid-aligned bounding box area "
      "around the shape provided as the filter and M is the number of items inside the shape";
  r.Register(Geo("geoadd", -5, kWD, GeoAdd, ws,
                 "Add one or more geospatial items in the geospatial index represented using a "
                 "sorted set",
                 "3.2.0",
                 "O(log(N)) for each item added, where N is the number of elements in "
                 "the sorted set.")
                 .Keys(1, 1, 1));
  r.Register(Geo("geopos", -2, kR, GeoPos, rs,
                 "Returns longitude and latitude of members of a geospatial index", "3.2.0",
                 "O(N) where N is the number of members requested.")
                 .Keys(1, 1, 1));
  r.Register(Geo("geohash", -2, kR, GeoHash, rs,
                 "Returns members of a geospatial index as standard geohash strings", "3.2.0",
                 "O(log(N)) for each member requested, where N is the number of elements in "
                 "the sorted set.")
                 .Keys(1, 1, 1));
  r.Register(Geo("geodist", -4, kR, GeoDist, rs,
                 "Returns the distance between two members of a geospatial index", "3.2.0",
                 "O(log(N))")
                 .Keys(1, 1, 1));
  r.Register(Geo("georadius", -6, kWD, GeoRadius, ws,
                 "Query a sorted set representing a geospatial index to fetch members matching a "
                 "given maximum distance from a point",
                 "3.2.0", kSearchCx)
                 .Keys(1, 1, 1)
                 .MovableKeys(GeoRadiusKeys));
  r.Register(Geo("georadiusbymember", -5, kWD, GeoRadiusByMember, ws,
                 "Query a sorted set representing a geospatial index to fetch members matching a "
                 "given maximum distance from a member",
                 "3.2.0", kSearchCx)
                 .Keys(1, 1, 1)
                 .MovableKeys(GeoRadiusByMemberKeys));
  r.Register(Geo("georadius_ro", -6, kR, GeoRadiusRo, rs, "A read-only variant for GEORADIUS",
                 "3.2.10", kSearchCx)
                 .Keys(1, 1, 1));
  r.Register(Geo("georadiusbymember_ro", -5, kR, GeoRadiusByMemberRo, rs,
                 "A read-only variant for GEORADIUSBYMEMBER", "3.2.10", kSearchCx)
                 .Keys(1, 1, 1));
  r.Register(Geo("geosearch", -7, kR, GeoSearch, rs,
                 "Query a sorted set representing a geospatial index to fetch members inside an "
                 "area of a box or a circle.",
                 "6.2.0", kSearchCx)
                 .Keys(1, 1, 1));
  r.Register(Geo("geosearchstore", -8, kWD, GeoSearchStore, ws,
                 "Query a sorted set representing a geospatial index to fetch members inside an "
                 "area of a box or a circle, and store the result in another key.",
                 "6.2.0", kSearchCx)
                 .Keys(1, 2, 1)
                 .LogKeys(LogFirstKeyOnly));
}

CommandRegistrar registrar(RegisterGeoFamily);

}  // namespace
}  // namespace tessera
