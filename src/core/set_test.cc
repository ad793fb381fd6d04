// Unit tests for SetObject: intset widths and conversions, the member table, random pops and
// samples, SSCAN across resizes, and a property test against std::set through conversions.
#include "core/set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/strings.h"

namespace tessera {
namespace {

std::mt19937_64 g_rng(424242);
uint64_t TestRand() { return g_rng(); }

std::set<std::string> Members(const SetObject& s) {
  std::set<std::string> out;
  s.ForEach([&](const SetMember& m) { out.insert(m.ToString()); });
  return out;
}

std::vector<std::string> InOrder(const SetObject& s) {
  std::vector<std::string> out;
  s.ForEach([&](const SetMember& m) { out.push_back(m.ToString()); });
  return out;
}

// Full-state check: members, count, encoding rules and the O(1) memory counter.
void ExpectState(const SetObject& s, const std::set<std::string>& model, bool ever_converted) {
  ASSERT_EQ(s.size(), model.size());
  ASSERT_EQ(Members(s), model);
  ASSERT_EQ(s.is_intset(), !ever_converted);
  if (!s.is_intset()) {
    ASSERT_EQ(s.MemoryUsage(), s.SlowMemoryUsage());
  }
  if (s.is_intset()) {
    // The array is trimmed once it is more than twice what its members need.
    ASSERT_LE(s.MemoryUsage(), s.SlowMemoryUsage() + std::max<size_t>(128, 16 * s.size()));
    std::vector<int64_t> v;
    s.ForEach([&](const SetMember& m) {
      ASSERT_TRUE(m.is_int);
      v.push_back(m.num);
    });
    ASSERT_TRUE(std::is_sorted(v.begin(), v.end()));
  }
}

TEST(SetObjectTest, IntsetWidthUpgradesKeepOrder) {
  SetObject s;
  std::vector<int64_t> vals = {
      5,         -3,        30000, -30000, 70000, -70000, int64_t{1} << 40, -(int64_t{1} << 40),
      INT64_MAX, INT64_MIN, 0};
  for (int64_t v : vals) EXPECT_TRUE(s.AddInt(v, 512));
  EXPECT_FALSE(s.AddInt(70000, 512));
  EXPECT_FALSE(s.Add("-30000", 512));
  EXPECT_TRUE(s.is_intset());
  std::sort(vals.begin(), vals.end());
  std::vector<std::string> want;
  for (int64_t v : vals) want.push_back(std::to_string(v));
  EXPECT_EQ(InOrder(s), want);
  for (int64_t v : vals) EXPECT_TRUE(s.ContainsInt(v));
  EXPECT_FALSE(s.ContainsInt(6));
  EXPECT_FALSE(s.Contains("05"));  // not canonical: never an intset member
  EXPECT_FALSE(s.Contains("+5"));
  EXPECT_TRUE(s.Remove("9223372036854775807"));
  EXPECT_FALSE(s.Remove("9223372036854775807"));
  EXPECT_EQ(s.size(), vals.size() - 1);
}

TEST(SetObjectTest, ConvertsOnNonIntegerAndOnCount) {
  SetObject a;
  a.Add("1", 512);
  a.Add("2", 512);
  EXPECT_STREQ(a.encoding(), "intset");
  a.Add("x", 512);
  EXPECT_STREQ(a.encoding(), "hashtable");
  EXPECT_TRUE(a.Contains("1"));
  EXPECT_TRUE(a.ContainsInt(2));
  a.Remove("x");
  EXPECT_STREQ(a.encoding(), "hashtable");  // never converts back

  SetObject b;
  for (int i = 0; i < 4; ++i) b.AddInt(i, 4);
  EXPECT_TRUE(b.is_intset());
  b.AddInt(3, 4);  // already there: no change
  EXPECT_TRUE(b.is_intset());
  b.AddInt(10, 4);
  EXPECT_FALSE(b.is_intset());
  EXPECT_EQ(Members(b), (std::set<std::string>{"0", "1", "2", "3", "10"}));

  SetObject c;  // a limit of 0 converts on the first member, as Redis
  c.AddInt(1, 0);
  EXPECT_FALSE(c.is_intset());
}

TEST(SetObjectTest, HashtableGrowsShrinksAndFindsEverything) {
  SetObject s;
  s.Add("a", 512);
  std::set<std::string> model = {"a"};
  for (int i = 0; i < 5000; ++i) {
    std::string m = "m" + std::to_string(i);
    ASSERT_TRUE(s.Add(m, 512));
    model.insert(m);
  }
  EXPECT_EQ(Members(s), model);
  EXPECT_EQ(s.MemoryUsage(), s.SlowMemoryUsage());
  for (int i = 0; i < 5000; i += 2) ASSERT_TRUE(s.Remove("m" + std::to_string(i)));
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(s.Contains("m" + std::to_string(i)), i % 2 == 1);
  size_t before = s.MemoryUsage();
  for (int i = 1; i < 5000; i += 2) ASSERT_TRUE(s.Remove("m" + std::to_string(i)));
  EXPECT_LT(s.MemoryUsage(), before / 8);  // the table shrank
  EXPECT_EQ(Members(s), std::set<std::string>{"a"});
  EXPECT_EQ(s.MemoryUsage(), s.SlowMemoryUsage());
  // Empty and long members round-trip (varint lengths).
  std::string big(100000, 'z');
  EXPECT_TRUE(s.Add("", 512));
  EXPECT_TRUE(s.Add(big, 512));
  EXPECT_TRUE(s.Contains(""));
  EXPECT_TRUE(s.Contains(big));
  EXPECT_EQ(Members(s), (std::set<std::string>{"", "a", big}));
  EXPECT_EQ(s.MemoryUsage(), s.SlowMemoryUsage());
}

TEST(SetObjectTest, CloneIsDeep) {
  for (bool ints : {true, false}) {
    SetObject s;
    for (int i = 0; i < 100; ++i) s.Add(ints ? std::to_string(i) : "k" + std::to_string(i), 512);
    auto c = s.Clone();
    auto& cs = static_cast<SetObject&>(*c);
    EXPECT_EQ(Members(cs), Members(s));
    EXPECT_EQ(cs.MemoryUsage(), s.MemoryUsage());
    s.Remove(ints ? "5" : "k5");
    EXPECT_TRUE(cs.Contains(ints ? "5" : "k5"));
    EXPECT_EQ(cs.size(), 100u);
  }
}

TEST(SetObjectTest, PopAndSampleAreDistinctMembers) {
  for (bool ints : {true, false}) {
    for (size_t n : {1u, 7u, 40u, 600u}) {
      for (size_t count : {size_t{1}, size_t{2}, n / 3, n / 2, n - 1}) {
        if (count == 0 || count >= n) continue;
        SetObject s;
        std::set<std::string> model;
        for (size_t i = 0; i < n; ++i) {
          std::string m = ints ? std::to_string(i * 7) : "e" + std::to_string(i);
          s.Add(m, 512);
          model.insert(m);
        }
        bool ht = !s.is_intset();
        std::set<std::string> got;
        s.SampleDistinct(count, TestRand,
                         [&](const SetMember& m) { EXPECT_TRUE(got.insert(m.ToString()).second); });
        EXPECT_EQ(got.size(), count);
        for (auto& g : got) EXPECT_TRUE(model.count(g));
        got.clear();
        s.PopRandom(count, TestRand, [&](const SetMember& m) {
          EXPECT_TRUE(got.insert(m.ToString()).second);
          EXPECT_TRUE(model.erase(m.ToString()));
        });
        EXPECT_EQ(got.size(), count);
        ASSERT_NO_FATAL_FAILURE(ExpectState(s, model, ht));
      }
    }
  }
}

TEST(SetObjectTest, RandomIsRoughlyUniform) {
  for (bool ints : {true, false}) {
    SetObject s;
    for (int i = 0; i < 10; ++i) s.Add(ints ? std::to_string(i) : "r" + std::to_string(i), 512);
    std::map<std::string, int> hits;
    for (int i = 0; i < 20000; ++i) ++hits[s.Random(TestRand).ToString()];
    EXPECT_EQ(hits.size(), 10u);
    for (auto& [m, c] : hits) {
      EXPECT_GT(c, 1500) << m;
      EXPECT_LT(c, 2500) << m;
    }
  }
}

// Runs a full SSCAN-style iteration while `between` mutates the set after each step; returns
// every member seen.
template <typename F>
std::set<std::string> ScanAll(SetObject& s, F between) {
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int steps = 0;
  do {
    cursor = s.ScanStep(cursor, [&](const SetMember& m) { seen.insert(m.ToString()); });
    between(++steps);
  } while (cursor != 0 && steps < 1000000);
  EXPECT_LT(steps, 1000000);
  return seen;
}

TEST(SetObjectTest, ScanIntsetReturnsEverythingAtOnce) {
  SetObject s;
  for (int i = 0; i < 100; ++i) s.AddInt(i, 512);
  int calls = 0;
  uint64_t next = s.ScanStep(12345, [&](const SetMember&) { ++calls; });
  EXPECT_EQ(next, 0u);
  EXPECT_EQ(calls, 100);
}

TEST(SetObjectTest, ScanSurvivesGrowthAndShrink) {
  // Growth: members added during the scan may or may not show up, the originals must.
  SetObject s;
  std::set<std::string> originals;
  for (int i = 0; i < 300; ++i) {
    std::string m = "o" + std::to_string(i);
    s.Add(m, 512);
    originals.insert(m);
  }
  int added = 0;
  auto seen = ScanAll(s, [&](int) {
    for (int k = 0; k < 20 && added < 3000; ++k) s.Add("n" + std::to_string(added++), 512);
  });
  for (auto& m : originals) EXPECT_TRUE(seen.count(m)) << m;

  // Shrink: remove the extra members mid-scan; the originals must all still be returned.
  int removed = 0;
  seen = ScanAll(s, [&](int) {
    for (int k = 0; k < 50 && removed < added; ++k) s.Remove("n" + std::to_string(removed++));
  });
  for (auto& m : originals) EXPECT_TRUE(seen.count(m)) << m;
  EXPECT_EQ(s.MemoryUsage(), s.SlowMemoryUsage());

  // An arbitrary cursor names some bucket; the last bucket's successor ends the iteration.
  EXPECT_EQ(s.ScanStep(UINT64_MAX, [](const SetMember&) {}), 0u);
}

TEST(SetObjectTest, ScanWithoutChangesVisitsEachMemberOnce) {
  SetObject s;
  for (int i = 0; i < 1000; ++i) s.Add("x" + std::to_string(i), 512);
  std::map<std::string, int> count;
  uint64_t cursor = 0;
  do {
    cursor = s.ScanStep(cursor, [&](const SetMember& m) { ++count[m.ToString()]; });
  } while (cursor);
  EXPECT_EQ(count.size(), 1000u);
  for (auto& [m, c] : count) EXPECT_EQ(c, 1) << m;
}

// Property test: random operation sequences against std::set<std::string>, with a small intset
// limit so sets convert midway; the full state is compared after every operation.
TEST(SetObjectTest, PropertyRandomOpsMatchModel) {
  std::mt19937_64 rng(7);
  auto member = [&]() -> std::string {
    switch (rng() % 6) {
      case 0:
        return std::to_string(static_cast<int64_t>(rng() % 200) - 100);
      case 1:
        return std::to_string(static_cast<int64_t>(rng()));  // any width
      case 2:
        return std::to_string(static_cast<int64_t>(rng() % 70000) - 35000);
      case 3:
        return std::vector<std::string>{"01", "+1", "-0", " 1", "", "1.0"}[rng() % 6];
      default:
        return std::to_string(rng() % 50);
    }
  };
  auto str_member = [&]() { return "s" + std::to_string(rng() % 60); };
  for (int round = 0; round < 60; ++round) {
    SetObject s;
    std::set<std::string> model;
    bool converted = false;
    size_t limit = 1 + rng() % 40;
    bool allow_strings = round % 3 != 0;
    for (int op = 0; op < 400; ++op) {
      int kind = rng() % 10;
      if (kind < 4) {
        std::string m = (allow_strings && rng() % 8 == 0) ? str_member() : member();
        bool added = s.Add(m, limit);
        ASSERT_EQ(added, model.insert(m).second) << m;
        if (!ParseInt64(m) || model.size() > limit) converted = true;
      } else if (kind < 6) {
        std::string m = rng() % 2 ? member() : str_member();
        ASSERT_EQ(s.Remove(m), model.erase(m) == 1) << m;
      } else if (kind == 6) {
        std::string m = member();
        ASSERT_EQ(s.Contains(m), model.count(m) == 1) << m;
        if (auto v = ParseInt64(m)) {
          ASSERT_EQ(s.ContainsInt(*v), model.count(m) == 1);
        }
      } else if (kind == 7 && !model.empty()) {
        size_t count = 1 + rng() % model.size();
        if (count < model.size()) {
          s.PopRandom(count, TestRand,
                      [&](const SetMember& m) { ASSERT_EQ(model.erase(m.ToString()), 1u); });
        }
      } else if (kind == 8 && !model.empty()) {
        ASSERT_EQ(model.count(s.Random(TestRand).ToString()), 1u);
      } else if (kind == 9) {
        auto c = s.Clone();
        ASSERT_EQ(Members(static_cast<SetObject&>(*c)), model);
      }
      ASSERT_NO_FATAL_FAILURE(ExpectState(s, model, converted))
          << "round " << round << " op " << op;
    }
  }
}

}  // namespace
}  // namespace tessera
