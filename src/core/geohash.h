// Geohashing as Redis's geo commands do it (Redis 7.0 geohash.c / geohash_helper.c): 52-bit
// interleaved hashes used as sorted-set scores, their 8 neighbours, and haversine distances.
//
// A point is hashed at step 26: latitude (within +-85.05112878, the Web Mercator limits) and
// longitude (+-180) are each scaled to a 26-bit integer; latitude bits take the even positions
// and longitude bits the odd ones. The score of a member is that 52-bit integer as a double.
// A radius or box search covers the shape with the cell of the centre at an estimated step plus
// its 8 neighbours (some of which are dropped when the shape stays inside the centre cell),
// queries each cell's score range [hash << (52 - 2 step), (hash + 1) << (52 - 2 step)) and keeps
// the points within the exact distance. Every floating-point expression follows Redis's order
// of operations, so coordinates, distances and the cells searched are bit-identical to Redis's.
#pragma once

#include <cstdint>

namespace tessera::geo {

inline constexpr double kLatMin = -85.05112878;
inline constexpr double kLatMax = 85.05112878;
inline constexpr double kLonMin = -180;
inline constexpr double kLonMax = 180;
inline constexpr int kStepMax = 26;  // 52 bits
inline constexpr double kEarthRadiusMeters = 6372797.560856;

struct Range {
  double min = 0, max = 0;
};

// A hash of `step` bits per coordinate (2 * step bits in all).
struct HashBits {
  uint64_t bits = 0;
  uint8_t step = 0;
  bool zero() const { return bits == 0 && step == 0; }  // Redis's HASHISZERO
  bool operator==(const HashBits&) const = default;
};

struct Area {
  HashBits hash;
  Range longitude, latitude;
};

// Neighbours in Redis's search order after the centre.
struct Neighbors {
  HashBits north, south, east, west, north_east, north_west, south_east, south_west;
};

// The coordinate ranges of the WGS84 hashing used for scores.
inline Range LonRange() { return {kLonMin, kLonMax}; }
inline Range LatRange() { return {kLatMin, kLatMax}; }

// geohashEncode: false (and a zero hash) when step is 0 or > 32 or the point is outside the WGS84
// limits or the given ranges.
bool Encode(const Range& lon_range, const Range& lat_range, double lon, double lat, uint8_t step,
            HashBits* hash);
bool EncodeWGS84(double lon, double lat, uint8_t step, HashBits* hash);
// geohashDecode: the cell of `hash`; false for a zero hash.
bool Decode(const Range& lon_range, const Range& lat_range, const HashBits& hash, Area* area);
// The cell centre, clamped to the WGS84 limits (xy[0] longitude, xy[1] latitude).
void AreaCenter(const Area& area, double* xy);
bool DecodeToLonLatWGS84(const HashBits& hash, double* xy);
// A sorted-set score decoded as a step-26 hash (Redis's decodeGeohash, including the double to
// uint64 conversion of x86-64 for scores that are not valid hashes).
bool DecodeScore(double score, double* xy);
// The score of a point: its step-26 hash. False outside the WGS84 limits.
bool ScoreOf(double lon, double lat, double* score);

void GetNeighbors(const HashBits& hash, Neighbors* n);
// hash << (52 - 2 * step).
uint64_t Align52(const HashBits& hash);

// The 11-character standard geohash (latitude -90..90) of a stored score, as GEOHASH prints it;
// false when the score does not decode.
bool StandardGeohash(double score, char out[11]);

// Haversine distance in meters (geohashGetDistance, with its equal-longitude shortcut).
double Distance(double lon1, double lat1, double lon2, double lat2);
double LatDistance(double lat1, double lat2);

// Search shapes (Redis's GeoShape): a circle of `radius` or a box of width x height, in the
// unit whose size in meters is `conversion`, centred at (lon, lat).
struct Shape {
  enum Type { kCircle, kBox } type = kCircle;
  double xy[2] = {0, 0};
  double conversion = 1;
  double radius = 0;
  double width = 0, height = 0;
  double bounds[4] = {0, 0, 0, 0};  // min lon, min lat, max lon, max lat (filled by Areas)
};

// geohashEstimateStepsByRadius.
uint8_t EstimateStepsByRadius(double range_meters, double lat);
// geohashBoundingBox into shape->bounds.
void BoundingBox(Shape* shape);

// The centre cell and the neighbours to search (zero hashes are skipped).
struct SearchAreas {
  HashBits hash;
  Neighbors neighbors;
  Area area;
};
// geohashCalculateAreasByShapeWGS84 (fills shape->bounds).
SearchAreas AreasByShape(Shape* shape);

// Whether a point (lon, lat) is within the shape, with its distance to the centre in meters
// (geoWithinShape after decoding).
bool WithinShape(const Shape& shape, double lon, double lat, double* distance);

}  // namespace tessera::geo
