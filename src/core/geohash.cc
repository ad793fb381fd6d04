// Geohash encoding, decoding, neighbours, search areas and distances (see geohash.h); the
// arithmetic mirrors Redis 7.0's geohash.c / geohash_helper.c operation by operation.
#include "core/geohash.h"

#include <cmath>

namespace tessera::geo {
namespace {

constexpr double kDegToRad = M_PI / 180.0;
constexpr double kMercatorMax = 20037726.37;

double DegRad(double ang) { return ang * kDegToRad; }
double RadDeg(double ang) { return ang / kDegToRad; }

// Spreads the 32 bits of v to the even bit positions.
uint64_t Spread(uint32_t v) {
  uint64_t x = v;
  x = (x | (x << 16)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x << 8)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x << 2)) & 0x3333333333333333ULL;
  x = (x | (x << 1)) & 0x5555555555555555ULL;
  return x;
}

// Gathers the even bit positions of v into 32 bits.
uint64_t Gather(uint64_t x) {
  x &= 0x5555555555555555ULL;
  x = (x | (x >> 1)) & 0x3333333333333333ULL;
  x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  x = (x | (x >> 4)) & 0x00FF00FF00FF00FFULL;
  x = (x | (x >> 8)) & 0x0000FFFF0000FFFFULL;
  x = (x | (x >> 16)) & 0x00000000FFFFFFFFULL;
  return x;
}

// lat in the even bits, lon in the odd ones.
uint64_t Interleave(uint32_t lat, uint32_t lon) { return Spread(lat) | (Spread(lon) << 1); }

// The low 32 bits: lat (even positions); the high 32: lon (odd positions).
uint64_t Deinterleave(uint64_t h) { return Gather(h) | (Gather(h >> 1) << 32); }

// The C conversion (uint64_t)d as x86-64 code compiled by gcc performs it, defined for every d.
uint64_t DoubleToU64X86(double d) {
  constexpr double k2p63 = 9223372036854775808.0;
  auto cvt = [](double v) -> uint64_t {  // cvttsd2si: out of range or NaN gives INT64_MIN
    if (!(v > -k2p63 - 1025.0 && v < k2p63)) return 0x8000000000000000ULL;
    return static_cast<uint64_t>(static_cast<int64_t>(v));
  };
  if (!(d >= k2p63)) return cvt(d);
  return cvt(d - k2p63) ^ 0x8000000000000000ULL;
}

// Moves the longitude (odd bits) by d cells, wrapping around.
void MoveX(HashBits* h, int d) {
  if (d == 0) return;
  uint64_t x = h->bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = h->bits & 0x5555555555555555ULL;
  uint64_t zz = 0x5555555555555555ULL >> (64 - h->step * 2);
  if (d > 0) {
    x = x + (zz + 1);
  } else {
    x = x | zz;
    x = x - (zz + 1);
  }
  x &= (0xaaaaaaaaaaaaaaaaULL >> (64 - h->step * 2));
  h->bits = x | y;
}

// Moves the latitude (even bits) by d cells, wrapping around.
void MoveY(HashBits* h, int d) {
  if (d == 0) return;
  uint64_t x = h->bits & 0xaaaaaaaaaaaaaaaaULL;
  uint64_t y = h->bits & 0x5555555555555555ULL;
  uint64_t zz = 0xaaaaaaaaaaaaaaaaULL >> (64 - h->step * 2);
  if (d > 0) {
    y = y + (zz + 1);
  } else {
    y = y | zz;
    y = y - (zz + 1);
  }
  y &= (0x5555555555555555ULL >> (64 - h->step * 2));
  h->bits = x | y;
}

}  // namespace

bool Encode(const Range& lon_range, const Range& lat_range, double lon, double lat, uint8_t step,
            HashBits* hash) {
  if (step > 32 || step == 0) return false;
  if ((lat_range.max == 0 && lat_range.min == 0) || (lon_range.max == 0 && lon_range.min == 0))
    return false;
  if (lon > kLonMax || lon < kLonMin || lat > kLatMax || lat < kLatMin) return false;
  hash->bits = 0;
  hash->step = step;
  if (lat < lat_range.min || lat > lat_range.max || lon < lon_range.min || lon > lon_range.max)
    return false;
  double lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
  double lon_offset = (lon - lon_range.min) / (lon_range.max - lon_range.min);
  lat_offset *= static_cast<double>(1ULL << step);
  lon_offset *= static_cast<double>(1ULL << step);
  // C's double -> uint32_t conversion (both offsets are in [0, 2^step]).
  hash->bits = Interleave(static_cast<uint32_t>(lat_offset), static_cast<uint32_t>(lon_offset));
  return true;
}

bool EncodeWGS84(double lon, double lat, uint8_t step, HashBits* hash) {
  return Encode(LonRange(), LatRange(), lon, lat, step, hash);
}

bool Decode(const Range& lon_range, const Range& lat_range, const HashBits& hash, Area* area) {
  if (hash.zero()) return false;
  area->hash = hash;
  uint8_t step = hash.step;
  uint64_t sep = Deinterleave(hash.bits);
  double lat_scale = lat_range.max - lat_range.min;
  double lon_scale = lon_range.max - lon_range.min;
  uint32_t ilat = static_cast<uint32_t>(sep);
  uint32_t ilon = static_cast<uint32_t>(sep >> 32);
  double div = static_cast<double>(1ULL << step);
  // (ilat + 1) is unsigned int arithmetic in C: it wraps at 2^32.
  area->latitude.min = lat_range.min + (ilat * 1.0 / div) * lat_scale;
  area->latitude.max = lat_range.min + (static_cast<uint32_t>(ilat + 1) * 1.0 / div) * lat_scale;
  area->longitude.min = lon_range.min + (ilon * 1.0 / div) * lon_scale;
  area->longitude.max = lon_range.min + (static_cast<uint32_t>(ilon + 1) * 1.0 / div) * lon_scale;
  return true;
}

void AreaCenter(const Area& area, double* xy) {
  xy[0] = (area.longitude.min + area.longitude.max) / 2;
  if (xy[0] > kLonMax) xy[0] = kLonMax;
  if (xy[0] < kLonMin) xy[0] = kLonMin;
  xy[1] = (area.latitude.min + area.latitude.max) / 2;
  if (xy[1] > kLatMax) xy[1] = kLatMax;
  if (xy[1] < kLatMin) xy[1] = kLatMin;
}

bool DecodeToLonLatWGS84(const HashBits& hash, double* xy) {
  Area area;
  if (!Decode(LonRange(), LatRange(), hash, &area)) return false;
  AreaCenter(area, xy);
  return true;
}

bool DecodeScore(double score, double* xy) {
  HashBits h{DoubleToU64X86(score), kStepMax};
  return DecodeToLonLatWGS84(h, xy);
}

bool ScoreOf(double lon, double lat, double* score) {
  HashBits h;
  if (!EncodeWGS84(lon, lat, kStepMax, &h)) return false;
  *score = static_cast<double>(Align52(h));
  return true;
}

void GetNeighbors(const HashBits& hash, Neighbors* n) {
  n->east = n->west = n->north = n->south = hash;
  n->south_east = n->south_west = n->north_east = n->north_west = hash;
  MoveX(&n->east, 1);
  MoveX(&n->west, -1);
  MoveY(&n->south, -1);
  MoveY(&n->north, 1);
  MoveX(&n->north_west, -1);
  MoveY(&n->north_west, 1);
  MoveX(&n->north_east, 1);
  MoveY(&n->north_east, 1);
  MoveX(&n->south_east, 1);
  MoveY(&n->south_east, -1);
  MoveX(&n->south_west, -1);
  MoveY(&n->south_west, -1);
}

uint64_t Align52(const HashBits& hash) { return hash.bits << (52 - hash.step * 2); }

bool StandardGeohash(double score, char out[11]) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  double xy[2];
  if (!DecodeScore(score, xy)) return false;
  HashBits h;
  // As Redis, the re-encoding's result is not checked (a failure leaves a zero hash).
  Encode(Range{-180, 180}, Range{-90, 90}, xy[0], xy[1], 26, &h);
  for (int i = 0; i < 11; ++i) {
    int idx = i == 10 ? 0 : static_cast<int>((h.bits >> (52 - ((i + 1) * 5))) & 0x1f);
    out[i] = kAlphabet[idx];
  }
  return true;
}

double LatDistance(double lat1, double lat2) {
  return kEarthRadiusMeters * std::fabs(DegRad(lat2) - DegRad(lat1));
}

double Distance(double lon1, double lat1, double lon2, double lat2) {
  double lon1r = DegRad(lon1), lon2r = DegRad(lon2);
  double v = std::sin((lon2r - lon1r) / 2);
  if (v == 0.0) return LatDistance(lat1, lat2);
  double lat1r = DegRad(lat1), lat2r = DegRad(lat2);
  double u = std::sin((lat2r - lat1r) / 2);
  double a = u * u + std::cos(lat1r) * std::cos(lat2r) * v * v;
  return 2.0 * kEarthRadiusMeters * std::asin(std::sqrt(a));
}

uint8_t EstimateStepsByRadius(double range_meters, double lat) {
  if (range_meters == 0) return 26;
  int step = 1;
  while (range_meters < kMercatorMax) {
    range_meters *= 2;
    step++;
  }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return static_cast<uint8_t>(step);
}

void BoundingBox(Shape* shape) {
  double lon = shape->xy[0], lat = shape->xy[1];
  bool circle = shape->type == Shape::kCircle;
  double height = shape->conversion * (circle ? shape->radius : shape->height / 2);
  double width = shape->conversion * (circle ? shape->radius : shape->width / 2);
  const double lat_delta = RadDeg(height / kEarthRadiusMeters);
  const double lon_delta_top =
      RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(lat + lat_delta)));
  const double lon_delta_bottom =
      RadDeg(width / kEarthRadiusMeters / std::cos(DegRad(lat - lat_delta)));
  bool southern = lat < 0;
  shape->bounds[0] = southern ? lon - lon_delta_bottom : lon - lon_delta_top;
  shape->bounds[2] = southern ? lon + lon_delta_bottom : lon + lon_delta_top;
  shape->bounds[1] = lat - lat_delta;
  shape->bounds[3] = lat + lat_delta;
}

SearchAreas AreasByShape(Shape* shape) {
  BoundingBox(shape);
  double min_lon = shape->bounds[0], min_lat = shape->bounds[1];
  double max_lon = shape->bounds[2], max_lat = shape->bounds[3];
  double lon = shape->xy[0], lat = shape->xy[1];
  double radius_meters = shape->type == Shape::kCircle
                             ? shape->radius
                             : std::sqrt((shape->width / 2) * (shape->width / 2) +
                                         (shape->height / 2) * (shape->height / 2));
  radius_meters *= shape->conversion;

  int steps = EstimateStepsByRadius(radius_meters, lat);
  const Range lon_range = LonRange(), lat_range = LatRange();
  SearchAreas r;
  Encode(lon_range, lat_range, lon, lat, steps, &r.hash);
  GetNeighbors(r.hash, &r.neighbors);
  Decode(lon_range, lat_range, r.hash, &r.area);

  // When the shape reaches past a side neighbour, one step coarser covers it.
  bool decrease = false;
  {
    Area north, south, east, west;
    Decode(lon_range, lat_range, r.neighbors.north, &north);
    Decode(lon_range, lat_range, r.neighbors.south, &south);
    Decode(lon_range, lat_range, r.neighbors.east, &east);
    Decode(lon_range, lat_range, r.neighbors.west, &west);
    if (north.latitude.max < max_lat) decrease = true;
    if (south.latitude.min > min_lat) decrease = true;
    if (east.longitude.max < max_lon) decrease = true;
    if (west.longitude.min > min_lon) decrease = true;
  }
  if (steps > 1 && decrease) {
    steps--;
    Encode(lon_range, lat_range, lon, lat, steps, &r.hash);
    GetNeighbors(r.hash, &r.neighbors);
    Decode(lon_range, lat_range, r.hash, &r.area);
  }

  // Drop the neighbours the shape cannot reach.
  if (steps >= 2) {
    Neighbors& n = r.neighbors;
    if (r.area.latitude.min < min_lat) n.south = n.south_west = n.south_east = HashBits{};
    if (r.area.latitude.max > max_lat) n.north = n.north_east = n.north_west = HashBits{};
    if (r.area.longitude.min < min_lon) n.west = n.south_west = n.north_west = HashBits{};
    if (r.area.longitude.max > max_lon) n.east = n.south_east = n.north_east = HashBits{};
  }
  return r;
}

bool WithinShape(const Shape& shape, double lon, double lat, double* distance) {
  if (shape.type == Shape::kCircle) {
    *distance = Distance(shape.xy[0], shape.xy[1], lon, lat);
    return *distance <= shape.radius * shape.conversion;
  }
  double width_m = shape.width * shape.conversion, height_m = shape.height * shape.conversion;
  if (LatDistance(lat, shape.xy[1]) > height_m / 2) return false;
  if (Distance(lon, lat, shape.xy[0], lat) > width_m / 2) return false;
  *distance = Distance(shape.xy[0], shape.xy[1], lon, lat);
  return true;
}

}  // namespace tessera::geo
