// Unit tests for ZSet: both encodings, conversion, ranges, scan, memory counters, and a
// property test of random operation sequences against a std::set / std::map model.
#include "core/zset.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace tessera {
namespace {

EncodingLimits Limits(size_t entries = 128, size_t value = 64) {
  EncodingLimits l;
  l.zset_max_listpack_entries = entries;
  l.zset_max_listpack_value = value;
  return l;
}

struct KeyCmp {
  bool operator()(const std::pair<double, std::string>& a,
                  const std::pair<double, std::string>& b) const {
    if (a.first != b.first) return a.first < b.first;
    return CompareMembers(a.second, b.second) < 0;
  }
};

// The reference model: member -> score and the (score, member) order.
struct Model {
  std::map<std::string, double> scores;
  std::set<std::pair<double, std::string>, KeyCmp> order;

  void Set(const std::string& m, double s) {
    auto it = scores.find(m);
    if (it != scores.end()) order.erase({it->second, m});
    scores[m] = s;
    order.insert({s, m});
  }
  void Erase(const std::string& m) {
    auto it = scores.find(m);
    if (it == scores.end()) return;
    order.erase({it->second, m});
    scores.erase(it);
  }
  std::vector<std::pair<double, std::string>> Vec() const { return {order.begin(), order.end()}; }
};

std::vector<std::pair<double, std::string>> Dump(const ZSet& z) {
  std::vector<std::pair<double, std::string>> out;
  for (auto it = z.At(0); it.valid(); it.Next()) out.emplace_back(it.score(), it.member());
  return out;
}

std::vector<std::pair<double, std::string>> DumpReverse(const ZSet& z) {
  std::vector<std::pair<double, std::string>> out;
  if (z.empty()) return out;
  for (auto it = z.At(z.size() - 1); it.valid(); it.Prev())
    out.emplace_back(it.score(), it.member());
  std::reverse(out.begin(), out.end());
  return out;
}

void ExpectSame(const ZSet& z, const Model& m) {
  std::string why;
  ASSERT_TRUE(z.Validate(&why)) << why;
  ASSERT_EQ(z.size(), m.order.size());
  auto want = m.Vec();
  auto got = Dump(z);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].second, want[i].second) << "rank " << i;
    ASSERT_EQ(got[i].first, want[i].first) << "rank " << i;
  }
  ASSERT_EQ(DumpReverse(z), got);
  EXPECT_EQ(z.MemoryUsage(), z.SlowMemoryUsage());
}

TEST(ZSetTest, ListpackBasics) {
  ZSet z;
  auto lim = Limits();
  EXPECT_STREQ(z.encoding(), "listpack");
  EXPECT_EQ(z.Add("b", 2, 0, lim), kZAddAdded);
  EXPECT_EQ(z.Add("a", 1, 0, lim), kZAddAdded);
  EXPECT_EQ(z.Add("c", 1.5, 0, lim), kZAddAdded);
  EXPECT_EQ(z.Add("a", 1, 0, lim), 0);
  EXPECT_EQ(z.Add("a", 3, 0, lim), kZAddUpdated);
  EXPECT_EQ(*z.Score("a"), 3);
  EXPECT_EQ(*z.Rank("a"), 2u);
  EXPECT_EQ(*z.Rank("c"), 0u);
  EXPECT_FALSE(z.Score("zz").has_value());
  EXPECT_TRUE(z.Remove("c"));
  EXPECT_FALSE(z.Remove("c"));
  EXPECT_EQ(z.size(), 2u);
  EXPECT_EQ(z.At(0).member(), "b");
  EXPECT_FALSE(z.At(2).valid());
}

TEST(ZSetTest, AddFlagsFollowRedis) {
  for (bool big : {false, true}) {
    ZSet z(big);
    auto lim = Limits();
    double ns = 0;
    EXPECT_EQ(z.Add("m", 5, kZAddXx, lim), kZAddNop);
    EXPECT_EQ(z.Add("m", 5, kZAddNx, lim, &ns), kZAddAdded);
    EXPECT_EQ(z.Add("m", 6, kZAddNx, lim), kZAddNop);
    EXPECT_EQ(z.Add("m", 4, kZAddGt, lim), kZAddNop);
    EXPECT_EQ(z.Add("m", 7, kZAddGt, lim), kZAddUpdated);
    EXPECT_EQ(z.Add("m", 8, kZAddLt, lim), kZAddNop);
    EXPECT_EQ(z.Add("m", 2, kZAddLt | kZAddIncr, lim, &ns), kZAddNop);  // 7 + 2 is not less
    EXPECT_EQ(z.Add("m", -2, kZAddLt | kZAddIncr, lim, &ns), kZAddUpdated);
    EXPECT_EQ(ns, 5);
    EXPECT_EQ(z.Add("m", 0, kZAddIncr, lim, &ns), 0);
    EXPECT_EQ(ns, 5);
    EXPECT_EQ(z.Add("m", INFINITY, kZAddIncr, lim, &ns), kZAddUpdated);
    EXPECT_EQ(z.Add("m", -INFINITY, kZAddIncr, lim, &ns), kZAddNan);
    EXPECT_EQ(*z.Score("m"), INFINITY);
    EXPECT_EQ(z.Add("x", NAN, 0, lim), kZAddNan);
    EXPECT_FALSE(z.Score("x").has_value());
  }
}

TEST(ZSetTest, NegativeZeroIsZeroInListpackOnly) {
  auto lim = Limits();
  ZSet small;
  small.Add("a", -0.0, 0, lim);
  EXPECT_FALSE(std::signbit(*small.Score("a")));
  ZSet big(true);
  big.Add("a", -0.0, 0, lim);
  EXPECT_TRUE(std::signbit(*big.Score("a")));
}

TEST(ZSetTest, ListpackScoreEncodings) {
  ZSet z;
  auto lim = Limits();
  std::vector<double> scores = {0,
                                1,
                                -1,
                                63,
                                64,
                                -65,
                                1e15,
                                -1e15,
                                1.5,
                                0.1,
                                INFINITY,
                                -INFINITY,
                                9007199254740991.0,
                                9007199254740992.0,
                                1e300,
                                -4.9e-324};
  for (size_t i = 0; i < scores.size(); ++i) z.Add("m" + std::to_string(i), scores[i], 0, lim);
  for (size_t i = 0; i < scores.size(); ++i)
    EXPECT_EQ(*z.Score("m" + std::to_string(i)), scores[i]) << i;
  std::string why;
  EXPECT_TRUE(z.Validate(&why)) << why;
}

TEST(ZSetTest, ConvertsAtEntryAndValueLimits) {
  auto lim = Limits(4, 8);
  ZSet z;
  for (int i = 0; i < 4; ++i) z.Add("m" + std::to_string(i), i, 0, lim);
  EXPECT_STREQ(z.encoding(), "listpack");
  z.Add("m4", 4, 0, lim);
  EXPECT_STREQ(z.encoding(), "skiplist");
  EXPECT_EQ(z.size(), 5u);
  z.Remove("m4");
  z.Remove("m3");
  EXPECT_STREQ(z.encoding(), "skiplist");  // never back

  ZSet w;
  w.Add("12345678", 1, 0, lim);
  EXPECT_STREQ(w.encoding(), "listpack");
  w.Add("123456789", 1, 0, lim);
  EXPECT_STREQ(w.encoding(), "skiplist");
  std::string why;
  EXPECT_TRUE(w.Validate(&why)) << why;
}

TEST(ZSetTest, ScoreAndLexRanges) {
  for (bool big : {false, true}) {
    ZSet z(big);
    auto lim = Limits();
    for (char c = 'a'; c <= 'j'; ++c) z.Add(std::string(1, c), 0, 0, lim);
    LexBound min{LexBound::kValue, false, "c"}, max{LexBound::kValue, true, "f"};
    EXPECT_EQ(z.FirstInLex(min, max), 2u);
    EXPECT_EQ(z.LastInLex(min, max), 4u);
    EXPECT_EQ(z.CountInLex(min, max), 3u);
    LexBound lo{LexBound::kMin, true, {}}, hi{LexBound::kMax, true, {}};
    EXPECT_EQ(z.CountInLex(lo, hi), 10u);
    EXPECT_EQ(z.CountInLex(hi, lo), 0u);
    EXPECT_EQ(z.CountInLex(lo, lo), 0u);
    EXPECT_EQ(z.EraseLexRange(min, max), 3u);
    EXPECT_EQ(z.size(), 7u);

    ZSet s(big);
    for (int i = 0; i < 10; ++i) s.Add("m" + std::to_string(i), i, 0, lim);
    ScoreBound a{2, true}, b{5, false};
    EXPECT_EQ(s.FirstInScore(a, b), 3u);
    EXPECT_EQ(s.LastInScore(a, b), 5u);
    EXPECT_EQ(s.CountInScore(a, b), 3u);
    EXPECT_EQ(s.CountInScore({-INFINITY, false}, {INFINITY, false}), 10u);
    EXPECT_EQ(s.CountInScore({5, false}, {2, false}), 0u);
    EXPECT_EQ(s.CountInScore({5, true}, {5, false}), 0u);
    EXPECT_EQ(s.FirstInScore({100, false}, {200, false}), ZSet::npos);
    EXPECT_EQ(s.EraseScoreRange(a, b), 3u);
    EXPECT_EQ(s.size(), 7u);
  }
}

// Redis's listpack lex scans on members that are not in order (mixed scores): the first member
// not below min decides, even when a later one would match.
TEST(ZSetTest, ListpackLexScanIsRedisLinearScan) {
  ZSet z;
  auto lim = Limits();
  z.Add("b", 1, 0, lim);
  z.Add("a", 2, 0, lim);
  z.Add("c", 3, 0, lim);
  LexBound min{LexBound::kValue, false, "a"}, max{LexBound::kValue, false, "a"};
  // zzlIsInLexRange: first member "b" is above max "a" -> empty.
  EXPECT_EQ(z.FirstInLex(min, max), ZSet::npos);
  LexBound max_b{LexBound::kValue, false, "b"};
  EXPECT_EQ(z.FirstInLex(min, max_b), 0u);  // "b" is the first member >= "a"
  EXPECT_EQ(z.CountInLex(min, max_b), 2u);  // "b", "a"; stops at "c"
  EXPECT_EQ(z.LastInLex(min, max_b), 1u);   // scanning back: "c" > max, then "a"
}

TEST(ZSetTest, BigTreeSequentialAndReverseInsertsThenErasePatterns) {
  auto lim = Limits();
  for (int pattern = 0; pattern < 4; ++pattern) {
    ZSet z(true);
    Model m;
    const int n = 9000;  // three levels of the tree
    for (int i = 0; i < n; ++i) {
      int v = pattern == 1 ? n - i : i;
      if (pattern == 2) v = (i * 7919) % n;
      std::string mem = "member:" + std::to_string(v);
      z.Add(mem, pattern == 3 ? 0 : v, 0, lim);
      m.Set(mem, pattern == 3 ? 0 : v);
    }
    ExpectSame(z, m);
    // Pop from both ends, then a middle range.
    for (int k = 0; k < 1000; ++k) {
      auto it = z.At(0);
      m.Erase(std::string(it.member()));
      z.EraseRanks(0, 1);
      auto jt = z.At(z.size() - 1);
      m.Erase(std::string(jt.member()));
      z.EraseRanks(z.size() - 1, z.size());
    }
    ExpectSame(z, m);
    auto v = m.Vec();
    for (size_t i = 1000; i < 4000; ++i) m.Erase(v[i].second);
    z.EraseRanks(1000, 4000);
    ExpectSame(z, m);
    // Ranks of every member.
    v = m.Vec();
    for (size_t i = 0; i < v.size(); i += 37) EXPECT_EQ(*z.Rank(v[i].second), i);
    z.EraseRanks(0, z.size());
    EXPECT_EQ(z.size(), 0u);
    std::string why;
    EXPECT_TRUE(z.Validate(&why)) << why;
  }
}

TEST(ZSetTest, ScanVisitsEveryMemberAcrossResizes) {
  auto lim = Limits();
  ZSet z(true);
  for (int i = 0; i < 2000; ++i) z.Add("k" + std::to_string(i), i, 0, lim);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int step = 0;
  do {
    cursor = z.ScanStep(cursor, [&](std::string_view m, double) { seen.insert(std::string(m)); });
    // Grow and shrink the table mid-scan with members that are not part of the guarantee.
    if (++step == 50)
      for (int i = 0; i < 4000; ++i) z.Add("x" + std::to_string(i), i, 0, lim);
    if (step == 400)
      for (int i = 0; i < 4000; ++i) z.Remove("x" + std::to_string(i));
  } while (cursor != 0);
  for (int i = 0; i < 2000; ++i) EXPECT_TRUE(seen.count("k" + std::to_string(i))) << i;
}

TEST(ZSetTest, CloneIsDeepAndEqual) {
  auto lim = Limits(8, 64);
  for (int n : {5, 500}) {
    ZSet z;
    for (int i = 0; i < n; ++i) z.Add("m" + std::to_string(i), i % 7, 0, lim);
    auto c = z.Clone();
    auto& zc = static_cast<ZSet&>(*c);
    EXPECT_STREQ(zc.encoding(), z.encoding());
    EXPECT_EQ(Dump(zc), Dump(z));
    z.Remove("m1");
    EXPECT_TRUE(zc.Score("m1").has_value());
    std::string why;
    EXPECT_TRUE(zc.Validate(&why)) << why;
  }
}

TEST(ZSetTest, MemoryPerMemberOfALargeSetIsCompact) {
  auto lim = Limits();
  ZSet z;
  const int n = 100000;
  for (int i = 0; i < n; ++i) z.Add("member:" + std::to_string(i), i, 0, lim);
  double per = static_cast<double>(z.MemoryUsage()) / n;
  EXPECT_LT(per, 80.0);
  EXPECT_EQ(z.MemoryUsage(), z.SlowMemoryUsage());
}

// A deep tree grown in random order and shrunk to nothing by random removals and range erases,
// so inner nodes split, merge and rebalance at every level.
TEST(ZSetTest, PropertyLargeTreeChurn) {
  std::mt19937_64 rng(99);
  auto lim = Limits();
  ZSet z(true);
  Model m;
  for (int i = 0; i < 30000; ++i) {
    std::string mem = "k" + std::to_string(rng() % 1000000);
    double s = static_cast<double>(rng() % 5000);
    if (!m.scores.count(mem)) {
      z.Insert(mem, s, lim);
      m.Set(mem, s);
    }
  }
  ExpectSame(z, m);
  int step = 0;
  while (!m.order.empty()) {
    size_t n = m.order.size();
    if (rng() % 3 == 0) {
      size_t lo = rng() % n;
      size_t len = 1 + rng() % std::min<size_t>(n - lo, 700);
      auto it = std::next(m.order.begin(), static_cast<long>(lo));
      for (size_t k = 0; k < len; ++k) {
        m.scores.erase(it->second);
        it = m.order.erase(it);
      }
      z.EraseRanks(lo, lo + len);
    } else {
      for (int k = 0; k < 50 && !m.order.empty(); ++k) {
        // A random member: a random key's successor in the member map.
        auto it = m.scores.lower_bound("k" + std::to_string(rng() % 1000000));
        if (it == m.scores.end()) it = m.scores.begin();
        std::string mem = it->first;
        ASSERT_TRUE(z.Remove(mem));
        m.Erase(mem);
      }
    }
    if (++step % 10 == 0) ExpectSame(z, m);
  }
  ExpectSame(z, m);
}

// Random operation sequences against the model, through conversions, on a few sizes.
TEST(ZSetTest, PropertyRandomOperationsMatchModel) {
  std::mt19937_64 rng(12345);
  for (int round = 0; round < 6; ++round) {
    auto lim = Limits(round % 2 ? 16 : 128, round % 3 ? 64 : 6);
    ZSet z(round == 5);
    Model m;
    int universe = round < 3 ? 200 : 3000;
    int ops = round < 3 ? 3000 : 12000;
    bool same_scores = round == 4;  // lex ranges need equal scores on the tree
    auto member = [&]() {
      std::string s = "m" + std::to_string(rng() % universe);
      if (rng() % 10 == 0) s += std::string(rng() % 12, 'x');
      return s;
    };
    auto score = [&]() -> double {
      if (same_scores) return 0;
      switch (rng() % 6) {
        case 0:
          return static_cast<double>(rng() % 20);
        case 1:
          return -static_cast<double>(rng() % 20);
        case 2:
          return (rng() % 1000) / 7.0;
        case 3:
          return rng() % 50 == 0 ? INFINITY : 1e18;
        default:
          return static_cast<double>(rng() % 100);
      }
    };
    for (int op = 0; op < ops; ++op) {
      int kind = rng() % 12;
      if (kind <= 4) {
        std::string mem = member();
        double s = score();
        int flags = 0;
        switch (rng() % 6) {
          case 1:
            flags = kZAddNx;
            break;
          case 2:
            flags = kZAddXx;
            break;
          case 3:
            flags = kZAddGt;
            break;
          case 4:
            flags = kZAddLt | kZAddXx;
            break;
          case 5:
            flags = kZAddIncr;
            break;
        }
        double ns = 0;
        int out = z.Add(mem, s, flags, lim, &ns);
        auto it = m.scores.find(mem);
        bool exists = it != m.scores.end();
        double want = s;
        if (exists && (flags & kZAddIncr)) want = it->second + s;
        bool apply = true;
        if (std::isnan(want)) {
          ASSERT_EQ(out, kZAddNan);
          apply = false;
        } else if (exists && (flags & kZAddNx)) {
          apply = false;
        } else if (!exists && (flags & kZAddXx)) {
          apply = false;
        } else if (exists && (flags & kZAddGt) && want <= it->second) {
          apply = false;
        } else if (exists && (flags & kZAddLt) && want >= it->second) {
          apply = false;
        }
        if (apply) {
          ASSERT_EQ(ns, want);
          if (!exists)
            ASSERT_EQ(out, kZAddAdded);
          else
            ASSERT_EQ(out, want != it->second ? kZAddUpdated : 0);
          if (!exists || want != it->second) m.Set(mem, want);
        }
      } else if (kind == 5) {
        std::string mem = member();
        ASSERT_EQ(z.Remove(mem), m.scores.count(mem) == 1);
        m.Erase(mem);
      } else if (kind == 6 && !m.order.empty()) {
        size_t lo = rng() % m.order.size();
        size_t hi = lo + rng() % std::min<size_t>(40, m.order.size() - lo + 1);
        auto v = m.Vec();
        for (size_t i = lo; i < hi && i < v.size(); ++i) m.Erase(v[i].second);
        z.EraseRanks(lo, hi);
      } else if (kind == 7) {
        ScoreBound a{score(), rng() % 2 == 0}, b{score(), rng() % 2 == 0};
        if (rng() % 2) std::swap(a, b);
        size_t cnt = 0, first = ZSet::npos, last = ZSet::npos, r = 0;
        for (auto& [s, mem] : m.order) {
          if (ScoreGteMin(s, a) && ScoreLteMax(s, b)) {
            if (first == ZSet::npos) first = r;
            last = r;
            ++cnt;
          }
          ++r;
        }
        ASSERT_EQ(z.CountInScore(a, b), cnt);
        ASSERT_EQ(z.FirstInScore(a, b), first);
        ASSERT_EQ(z.LastInScore(a, b), last);
        if (rng() % 4 == 0) {
          ASSERT_EQ(z.EraseScoreRange(a, b), cnt);
          std::vector<std::string> gone;
          for (auto& [s, mem] : m.order)
            if (ScoreGteMin(s, a) && ScoreLteMax(s, b)) gone.push_back(mem);
          for (auto& g : gone) m.Erase(g);
        }
      } else if (kind == 8 && same_scores) {
        std::string x = member(), y = member();
        LexBound a{LexBound::kValue, rng() % 2 == 0, x}, b{LexBound::kValue, rng() % 2 == 0, y};
        if (rng() % 8 == 0) a = LexBound{LexBound::kMin, true, {}};
        if (rng() % 8 == 0) b = LexBound{LexBound::kMax, true, {}};
        size_t cnt = 0;
        for (auto& [s, mem] : m.order)
          if (LexGteMin(mem, a) && LexLteMax(mem, b)) ++cnt;
        if (LexRangeEmpty(a, b)) cnt = 0;
        ASSERT_EQ(z.CountInLex(a, b), cnt);
        if (rng() % 4 == 0) {
          ASSERT_EQ(z.EraseLexRange(a, b), cnt);
          std::vector<std::string> gone;
          for (auto& [s, mem] : m.order)
            if (LexGteMin(mem, a) && LexLteMax(mem, b)) gone.push_back(mem);
          if (cnt)
            for (auto& g : gone) m.Erase(g);
        }
      } else if (kind == 9 && !m.order.empty()) {
        auto v = m.Vec();
        size_t r = rng() % v.size();
        ASSERT_EQ(*z.Rank(v[r].second), r);
        auto it = z.At(r);
        ASSERT_EQ(it.member(), v[r].second);
        ASSERT_EQ(*z.Score(v[r].second), v[r].first);
      }
      if (op % 500 == 0) ExpectSame(z, m);
    }
    ExpectSame(z, m);
  }
}

}  // namespace
}  // namespace tessera
