// Unit tests for core/geohash: known Redis values (scores, positions, geohash strings,
// distances), neighbours, step estimation, search areas, and random round-trip properties.
#include "core/geohash.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>

namespace tessera::geo {
namespace {

std::string Human(double v) {  // "%.17Lf" trimmed, as GEOPOS prints
  char buf[128];
  int n = snprintf(buf, sizeof(buf), "%.17Lf", static_cast<long double>(v));
  std::string s(buf, n);
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

TEST(GeohashTest, ScoresAndPositionsMatchRedis) {
  double s;
  ASSERT_TRUE(ScoreOf(13.361389, 38.115556, &s));
  EXPECT_EQ(s, 3479099956230698.0);
  ASSERT_TRUE(ScoreOf(15.087269, 37.502669, &s));
  EXPECT_EQ(s, 3479447370796909.0);
  double xy[2];
  ASSERT_TRUE(DecodeScore(3479099956230698.0, xy));
  EXPECT_EQ(Human(xy[0]), "13.36138933897018433");
  EXPECT_EQ(Human(xy[1]), "38.11555639549629859");
  // The north-east limit: latitude max scales to 2^26 (a 53-bit score), clamped on decoding.
  ASSERT_TRUE(ScoreOf(180, kLatMax, &s));
  EXPECT_EQ(s, 13510798882111488.0);
  ASSERT_TRUE(DecodeScore(s, xy));
  EXPECT_EQ(Human(xy[0]), "180");
  EXPECT_EQ(Human(xy[1]), "85.0511287799999991");
  ASSERT_TRUE(ScoreOf(-180, kLatMin, &s));
  ASSERT_TRUE(DecodeScore(s, xy));
  EXPECT_EQ(Human(xy[0]), "-179.99999731779098511");
  EXPECT_EQ(Human(xy[1]), "-85.05112751263942528");
  EXPECT_FALSE(ScoreOf(180.0001, 0, &s));
  EXPECT_FALSE(ScoreOf(0, 85.06, &s));
  EXPECT_FALSE(ScoreOf(0, -85.06, &s));
}

TEST(GeohashTest, StandardGeohashStrings) {
  char buf[11];
  ASSERT_TRUE(StandardGeohash(3479099956230698.0, buf));
  EXPECT_EQ(std::string(buf, 11), "sqc8b49rny0");
  ASSERT_TRUE(StandardGeohash(3479447370796909.0, buf));
  EXPECT_EQ(std::string(buf, 11), "sqdtr74hyu0");
  double s;
  ASSERT_TRUE(ScoreOf(180, kLatMax, &s));
  ASSERT_TRUE(StandardGeohash(s, buf));
  EXPECT_EQ(std::string(buf, 11), "bp05b5048p0");
}

TEST(GeohashTest, DistancesMatchRedis) {
  double a[2], b[2];
  ASSERT_TRUE(DecodeScore(3479099956230698.0, a));
  ASSERT_TRUE(DecodeScore(3479447370796909.0, b));
  char buf[64];
  snprintf(buf, sizeof(buf), "%.4f", Distance(a[0], a[1], b[0], b[1]));
  EXPECT_STREQ(buf, "166274.1516");
  EXPECT_EQ(Distance(10, 20, 10, 20), 0);
  // Equal longitudes take the latitude-only form.
  EXPECT_EQ(Distance(10, 20, 10, 30), LatDistance(20, 30));
  EXPECT_NEAR(Distance(0, 0, 180, 0), M_PI * kEarthRadiusMeters, 1e-6);
}

TEST(GeohashTest, EstimateStepsByRadius) {
  EXPECT_EQ(EstimateStepsByRadius(0, 0), 26);
  EXPECT_EQ(EstimateStepsByRadius(1, 0), 24);  // 2^25 > MERCATOR_MAX: step 26 - 2
  EXPECT_EQ(EstimateStepsByRadius(5000000, 0), 2);
  EXPECT_EQ(EstimateStepsByRadius(5000000, 70), 1);
  EXPECT_EQ(EstimateStepsByRadius(100000, 81), EstimateStepsByRadius(100000, 0) - 2);
  EXPECT_EQ(EstimateStepsByRadius(1e9, 0), 1);
}

TEST(GeohashTest, NeighboursAreAdjacentCells) {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> lon(-179, 179), lat(-84, 84);
  for (int i = 0; i < 2000; ++i) {
    uint8_t step = 2 + rng() % 25;
    HashBits h;
    ASSERT_TRUE(EncodeWGS84(lon(rng), lat(rng), step, &h));
    Neighbors n;
    GetNeighbors(h, &n);
    Area c, e, w, no, so, ne, sw;
    ASSERT_TRUE(Decode(LonRange(), LatRange(), h, &c));
    Decode(LonRange(), LatRange(), n.east, &e);
    Decode(LonRange(), LatRange(), n.west, &w);
    Decode(LonRange(), LatRange(), n.north, &no);
    Decode(LonRange(), LatRange(), n.south, &so);
    Decode(LonRange(), LatRange(), n.north_east, &ne);
    Decode(LonRange(), LatRange(), n.south_west, &sw);
    if (c.longitude.max < kLonMax) EXPECT_DOUBLE_EQ(e.longitude.min, c.longitude.max);
    if (c.longitude.min > kLonMin) EXPECT_DOUBLE_EQ(w.longitude.max, c.longitude.min);
    if (c.latitude.max < kLatMax) EXPECT_DOUBLE_EQ(no.latitude.min, c.latitude.max);
    if (c.latitude.min > kLatMin) EXPECT_DOUBLE_EQ(so.latitude.max, c.latitude.min);
    EXPECT_EQ(e.latitude.min, c.latitude.min);
    EXPECT_EQ(no.longitude.min, c.longitude.min);
    EXPECT_EQ(ne.latitude.min, no.latitude.min);
    EXPECT_EQ(ne.longitude.min, e.longitude.min);
    EXPECT_EQ(sw.latitude.min, so.latitude.min);
    EXPECT_EQ(sw.longitude.min, w.longitude.min);
    // Moving back returns the original cell.
    Neighbors back;
    GetNeighbors(n.east, &back);
    EXPECT_EQ(back.west, h);
    GetNeighbors(n.north, &back);
    EXPECT_EQ(back.south, h);
  }
}

TEST(GeohashTest, RoundTripStaysInTheCell) {
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> lon(kLonMin, kLonMax), lat(kLatMin, kLatMax);
  for (int i = 0; i < 20000; ++i) {
    double x = lon(rng), y = lat(rng), s, xy[2];
    ASSERT_TRUE(ScoreOf(x, y, &s));
    ASSERT_LT(s, 4503599627370496.0);  // 52 bits
    ASSERT_TRUE(DecodeScore(s, xy));
    EXPECT_NEAR(xy[0], x, 360.0 / (1 << 26));
    EXPECT_NEAR(xy[1], y, 2 * kLatMax / (1 << 26));
    double s2;
    ASSERT_TRUE(ScoreOf(xy[0], xy[1], &s2));
    EXPECT_EQ(s2, s);  // the cell centre hashes to its own cell
  }
}

TEST(GeohashTest, SearchAreasCoverTheShape) {
  // Every point within the radius lies in the centre cell or a non-zero neighbour.
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> lon(-170, 170), lat(-70, 70), u(0, 1);
  for (int i = 0; i < 300; ++i) {
    Shape sh;
    sh.xy[0] = lon(rng);
    sh.xy[1] = lat(rng);
    sh.radius = std::pow(10, 1 + 5 * u(rng));
    SearchAreas a = AreasByShape(&sh);
    const HashBits cells[9] = {a.hash,
                               a.neighbors.north,
                               a.neighbors.south,
                               a.neighbors.east,
                               a.neighbors.west,
                               a.neighbors.north_east,
                               a.neighbors.north_west,
                               a.neighbors.south_east,
                               a.neighbors.south_west};
    for (int j = 0; j < 50; ++j) {
      double ang = 2 * M_PI * u(rng), d = sh.radius * 0.999 * u(rng);
      double px = sh.xy[0] + std::sin(ang) * d / (111320 * std::cos(sh.xy[1] * M_PI / 180));
      double py = sh.xy[1] + std::cos(ang) * d / 110540;
      if (px < -180 || px > 180 || py < kLatMin || py > kLatMax) continue;
      double dist;
      if (!WithinShape(sh, px, py, &dist)) continue;
      double score;
      ASSERT_TRUE(ScoreOf(px, py, &score));
      bool found = false;
      for (const HashBits& c : cells) {
        if (c.zero()) continue;
        HashBits next = c;
        next.bits++;
        if (score >= Align52(c) && score < Align52(next)) found = true;
      }
      EXPECT_TRUE(found) << "radius " << sh.radius << " at " << sh.xy[0] << "," << sh.xy[1];
    }
  }
}

TEST(GeohashTest, BoxShapeFilter) {
  Shape sh;
  sh.type = Shape::kBox;
  sh.xy[0] = 15;
  sh.xy[1] = 37;
  sh.conversion = 1000;
  sh.width = 400;
  sh.height = 400;
  double d;
  EXPECT_TRUE(WithinShape(sh, 13.36138933897018433, 38.11555639549629859, &d));
  char buf[64];
  snprintf(buf, sizeof(buf), "%.4f", d / 1000);
  EXPECT_STREQ(buf, "190.4424");
  EXPECT_FALSE(WithinShape(sh, 15, 39, &d));  // 222 km north: outside the 200 km half-height
  EXPECT_FALSE(WithinShape(sh, 18, 37, &d));
}

TEST(GeohashTest, NonGeohashScoresDecodeAsRedisOnX86) {
  double xy[2];
  // 0 is a valid step-26 hash (the south-west cell).
  ASSERT_TRUE(DecodeScore(0, xy));
  EXPECT_EQ(Human(xy[0]), "-179.99999731779098511");
  // Negative scores convert to two's complement; huge ones to 0 or 2^63.
  ASSERT_TRUE(DecodeScore(-1, xy));
  EXPECT_EQ(xy[0], 180);
  EXPECT_EQ(xy[1], kLatMax);
  double z[2];
  ASSERT_TRUE(DecodeScore(1e300, xy));
  ASSERT_TRUE(DecodeScore(0, z));
  EXPECT_EQ(xy[0], z[0]);
  EXPECT_EQ(xy[1], z[1]);
}

}  // namespace
}  // namespace tessera::geo
