// Unit tests for HashObject: both encodings, conversions, integer elements, scan guarantees,
// sampling, and a randomised model check against std::map through encoding changes.
#include "core/hash.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace tessera {
namespace {

std::mt19937_64 g_rng(4242);
uint64_t TestRand() { return g_rng(); }

EncodingLimits Limits(size_t entries, size_t value) {
  EncodingLimits l;
  l.hash_max_listpack_entries = entries;
  l.hash_max_listpack_value = value;
  return l;
}

const EncodingLimits kDefault = Limits(128, 64);

std::vector<std::pair<std::string, std::string>> Pairs(const HashObject& h) {
  std::vector<std::pair<std::string, std::string>> out;
  h.ForEach([&](std::string_view f, std::string_view v) { out.emplace_back(f, v); });
  return out;
}

std::string GetOr(const HashObject& h, std::string_view f, std::string dflt = "<none>") {
  HashObject::NumBuf buf;
  auto v = h.Get(f, &buf);
  return v ? std::string(*v) : dflt;
}

TEST(HashObjectTest, EmptyIsListpack) {
  HashObject h;
  EXPECT_TRUE(h.is_listpack());
  EXPECT_STREQ(h.encoding(), "listpack");
  EXPECT_EQ(h.type(), ValueType::kHash);
  EXPECT_EQ(h.size(), 0u);
  EXPECT_EQ(h.Begin(), HashObject::kEnd);
  EXPECT_FALSE(h.Contains("a"));
  EXPECT_FALSE(h.Delete("a"));
  EXPECT_TRUE(h.Verify());
  EXPECT_EQ(h.MemoryUsage(), 16u + 8u);
}

TEST(HashObjectTest, SetGetDeleteKeepInsertionOrder) {
  HashObject h;
  EXPECT_TRUE(h.Set("b", "1", kDefault));
  EXPECT_TRUE(h.Set("a", "two", kDefault));
  EXPECT_TRUE(h.Set("c", "", kDefault));
  EXPECT_FALSE(h.Set("b", "updated", kDefault));  // an update keeps its position
  using P = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(Pairs(h), (P{{"b", "updated"}, {"a", "two"}, {"c", ""}}));
  EXPECT_EQ(GetOr(h, "c"), "");
  EXPECT_EQ(GetOr(h, "x"), "<none>");
  EXPECT_TRUE(h.Delete("a"));
  EXPECT_FALSE(h.Delete("a"));
  EXPECT_TRUE(h.Set("a", "again", kDefault));  // re-added at the end
  EXPECT_EQ(Pairs(h), (P{{"b", "updated"}, {"c", ""}, {"a", "again"}}));
  EXPECT_EQ(h.size(), 3u);
  EXPECT_TRUE(h.Verify());
}

TEST(HashObjectTest, IntegerElementsRoundTripExactly) {
  // Canonical integers are stored as integers, everything else as bytes; both read back as set.
  std::vector<std::string> vals = {"0",
                                   "47",
                                   "48",
                                   "-1",
                                   "127",
                                   "128",
                                   "-128",
                                   "-129",
                                   "32767",
                                   "-32769",
                                   "8388608",
                                   "2147483648",
                                   "-9223372036854775808",
                                   "9223372036854775807",
                                   "9223372036854775808",
                                   "007",
                                   "-0",
                                   "+1",
                                   " 1",
                                   "1 ",
                                   "",
                                   "1.5",
                                   "1e3"};
  HashObject h;
  for (size_t i = 0; i < vals.size(); ++i) {
    ASSERT_TRUE(h.Set(vals[i], vals[(i + 1) % vals.size()], kDefault)) << vals[i];
  }
  ASSERT_TRUE(h.is_listpack());
  for (size_t i = 0; i < vals.size(); ++i)
    EXPECT_EQ(GetOr(h, vals[i]), vals[(i + 1) % vals.size()]);
  // "7" and "007" are different fields; so are "1" and "+1".
  EXPECT_FALSE(h.Contains("7"));
  EXPECT_FALSE(h.Contains("1"));
  EXPECT_TRUE(h.Verify());
  // Small integers take one byte: 10 pairs of one-digit numbers fit a 32-byte buffer.
  HashObject small;
  for (int i = 0; i < 10; ++i) small.Set(std::to_string(i), std::to_string(i + 30), kDefault);
  EXPECT_EQ(small.MemoryUsage(), 16u + HashObject::AllocSize(8 + 20));
}

TEST(HashObjectTest, LongStringsInListpack) {
  // With a high value limit a listpack holds strings needing every length-header form.
  EncodingLimits big = Limits(128, 100000);
  HashObject h;
  std::vector<size_t> lens = {0, 1, 127, 128, 129, 300, 16511, 16512, 20000};
  for (size_t n : lens) h.Set("f" + std::to_string(n), std::string(n, 'x'), big);
  ASSERT_TRUE(h.is_listpack());
  for (size_t n : lens) EXPECT_EQ(GetOr(h, "f" + std::to_string(n)), std::string(n, 'x'));
  // Shrinking and growing a value in place moves the tail correctly.
  h.Set("f128", "short", big);
  h.Set("f0", std::string(17000, 'y'), big);
  EXPECT_EQ(GetOr(h, "f128"), "short");
  EXPECT_EQ(GetOr(h, "f0"), std::string(17000, 'y'));
  EXPECT_EQ(GetOr(h, "f20000"), std::string(20000, 'x'));
  EXPECT_TRUE(h.Verify());
}

TEST(HashObjectTest, ConvertsAtRedisThresholds) {
  HashObject h;
  for (int i = 0; i < 128; ++i) h.Set("f" + std::to_string(i), "v", kDefault);
  EXPECT_TRUE(h.is_listpack());
  h.Set("f0", "update", kDefault);
  EXPECT_TRUE(h.is_listpack());
  h.Set("f128", "v", kDefault);  // 129 fields
  EXPECT_STREQ(h.encoding(), "hashtable");
  EXPECT_EQ(h.size(), 129u);
  EXPECT_EQ(GetOr(h, "f0"), "update");
  EXPECT_TRUE(h.Verify());
  for (int i = 0; i < 129; ++i) h.Delete("f" + std::to_string(i));
  EXPECT_FALSE(h.is_listpack());  // never converts back
  EXPECT_TRUE(h.Verify());

  HashObject v;
  v.Set("a", std::string(64, 'x'), kDefault);
  EXPECT_TRUE(v.is_listpack());
  v.Set("a", std::string(65, 'x'), kDefault);  // an update of a value past the limit
  EXPECT_FALSE(v.is_listpack());
  EXPECT_EQ(GetOr(v, "a"), std::string(65, 'x'));

  HashObject f;
  f.Set(std::string(65, 'k'), "1", kDefault);  // a long field
  EXPECT_FALSE(f.is_listpack());

  HashObject zero;
  zero.Set("a", "1", Limits(0, 64));  // hash-max-listpack-entries 0
  EXPECT_FALSE(zero.is_listpack());

  // A lowered limit converts on the next write, even an update (as Redis's hashTypeSet).
  HashObject low;
  for (int i = 0; i < 10; ++i) low.Set("f" + std::to_string(i), "v", kDefault);
  low.Set("f1", "w", Limits(5, 64));
  EXPECT_FALSE(low.is_listpack());
  EXPECT_EQ(low.size(), 10u);
}

TEST(HashObjectTest, TableGrowsAndShrinks) {
  HashObject h;
  h.ConvertToTable();
  size_t empty = h.MemoryUsage();
  for (int i = 0; i < 5000; ++i)
    ASSERT_TRUE(h.Set("k" + std::to_string(i), std::to_string(i), kDefault));
  EXPECT_TRUE(h.Verify());
  size_t full = h.MemoryUsage();
  EXPECT_GT(full, empty + 5000 * 8);
  for (int i = 0; i < 5000; ++i) EXPECT_EQ(GetOr(h, "k" + std::to_string(i)), std::to_string(i));
  for (int i = 0; i < 4990; ++i) ASSERT_TRUE(h.Delete("k" + std::to_string(i)));
  EXPECT_TRUE(h.Verify());
  EXPECT_LT(h.MemoryUsage(), 1000u);  // the slot array shrank
  for (int i = 4990; i < 5000; ++i) EXPECT_EQ(GetOr(h, "k" + std::to_string(i)), std::to_string(i));
  // Values that change size are reallocated and accounted.
  h.Set("k4999", std::string(1000, 'z'), kDefault);
  EXPECT_GT(h.MemoryUsage(), 1000u);
  h.Set("k4999", "s", kDefault);
  EXPECT_LT(h.MemoryUsage(), 1000u);
  EXPECT_TRUE(h.Verify());
}

TEST(HashObjectTest, CloneIsDeep) {
  for (bool table : {false, true}) {
    HashObject h;
    for (int i = 0; i < 20; ++i) h.Set("f" + std::to_string(i), "v" + std::to_string(i), kDefault);
    if (table) h.ConvertToTable();
    auto c = h.Clone();
    auto& ch = static_cast<HashObject&>(*c);
    EXPECT_EQ(ch.is_listpack(), !table);
    EXPECT_EQ(Pairs(ch), Pairs(h));
    EXPECT_EQ(ch.MemoryUsage(), h.MemoryUsage());
    h.Set("f0", "changed", kDefault);
    h.Delete("f1");
    EXPECT_EQ(GetOr(ch, "f0"), "v0");
    EXPECT_EQ(GetOr(ch, "f1"), "v1");
    EXPECT_TRUE(ch.Verify());
  }
}

TEST(HashObjectTest, ListpackScanReturnsEverythingAtOnce) {
  HashObject h;
  for (int i = 0; i < 5; ++i) h.Set("f" + std::to_string(i), "v", kDefault);
  std::vector<HashObject::Pos> pos;
  EXPECT_EQ(h.Scan(12345, &pos), 0u);
  EXPECT_EQ(pos.size(), 5u);
}

// Every element present for a whole scan is returned at least once, while the table doubles
// and halves between steps.
TEST(HashObjectTest, TableScanSurvivesGrowthAndShrink) {
  for (int round = 0; round < 4; ++round) {
    HashObject h;
    h.ConvertToTable();
    for (int i = 0; i < 300; ++i) h.Set("stay" + std::to_string(i), "v", kDefault);
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int steps = 0, added = 0;
    do {
      std::vector<HashObject::Pos> pos;
      cursor = h.Scan(cursor, &pos);
      HashObject::NumBuf fb, vb;
      std::string_view f, v;
      for (auto p : pos) {
        h.Read(p, &f, &v, &fb, &vb);
        seen.emplace(f);
      }
      ++steps;
      // Grow in the first half, shrink (remove the extras) in the second.
      if (round % 2 == 0 && steps < 100) {
        for (int k = 0; k < 40; ++k) h.Set("tmp" + std::to_string(added++), "v", kDefault);
      } else if (steps >= 100 || round % 2 == 1) {
        for (int k = 0; k < 60 && added > 0; ++k) h.Delete("tmp" + std::to_string(--added));
      }
      if (round >= 2 && steps == 3) {  // a big burst: several doublings in one step
        for (int k = 0; k < 5000; ++k) h.Set("burst" + std::to_string(k), "v", kDefault);
      }
      if (round >= 2 && steps == 20) {  // and back down: several halvings in one step
        for (int k = 0; k < 5000; ++k) h.Delete("burst" + std::to_string(k));
      }
      ASSERT_LT(steps, 100000);
    } while (cursor != 0);
    EXPECT_TRUE(h.Verify());
    for (int i = 0; i < 300; ++i) EXPECT_TRUE(seen.count("stay" + std::to_string(i))) << i;
  }
}

TEST(HashObjectTest, TableScanWithoutChangesVisitsEachOnce) {
  HashObject h;
  h.ConvertToTable();
  for (int i = 0; i < 1000; ++i) h.Set("k" + std::to_string(i), "v", kDefault);
  std::vector<HashObject::Pos> pos;
  uint64_t cursor = 0;
  do cursor = h.Scan(cursor, &pos);
  while (cursor != 0);
  std::set<HashObject::Pos> uniq(pos.begin(), pos.end());
  EXPECT_EQ(pos.size(), 1000u);
  EXPECT_EQ(uniq.size(), 1000u);
}

TEST(HashObjectTest, SamplingIsUniformAndUnique) {
  for (bool table : {false, true}) {
    HashObject h;
    const int n = 20;
    for (int i = 0; i < n; ++i) h.Set("f" + std::to_string(i), std::to_string(i), kDefault);
    if (table) h.ConvertToTable();
    std::map<std::string, int> hits;
    std::vector<HashObject::Pos> pos;
    h.Sample(20000, TestRand, &pos);
    ASSERT_EQ(pos.size(), 20000u);
    HashObject::NumBuf fb, vb;
    std::string_view f, v;
    for (auto p : pos) {
      h.Read(p, &f, &v, &fb, &vb);
      ++hits[std::string(f)];
    }
    ASSERT_EQ(hits.size(), static_cast<size_t>(n));
    for (auto& [k, c] : hits) EXPECT_NEAR(c, 1000, 200) << k;

    for (size_t count : {1, 5, 6, 7, 19, 20}) {
      pos.clear();
      h.SampleUnique(count, TestRand, &pos);
      std::set<std::string> got;
      for (auto p : pos) {
        h.Read(p, &f, &v, &fb, &vb);
        EXPECT_EQ(std::string(v), std::string(f).substr(1));
        got.emplace(f);
      }
      EXPECT_EQ(pos.size(), count);
      EXPECT_EQ(got.size(), count);
    }
  }
  // A big table takes the few-out-of-many path.
  HashObject big;
  big.ConvertToTable();
  for (int i = 0; i < 3000; ++i) big.Set("f" + std::to_string(i), "v", kDefault);
  std::vector<HashObject::Pos> pos;
  big.SampleUnique(100, TestRand, &pos);
  EXPECT_EQ(std::set<HashObject::Pos>(pos.begin(), pos.end()).size(), 100u);
}

TEST(HashObjectTest, AllocSizeFollowsJemallocClasses) {
  EXPECT_EQ(HashObject::AllocSize(1), 8u);
  EXPECT_EQ(HashObject::AllocSize(9), 16u);
  EXPECT_EQ(HashObject::AllocSize(24), 32u);
  EXPECT_EQ(HashObject::AllocSize(128), 128u);
  EXPECT_EQ(HashObject::AllocSize(129), 160u);
  EXPECT_EQ(HashObject::AllocSize(257), 320u);
  EXPECT_EQ(HashObject::AllocSize(4097), 5120u);
}

// Random operations against a model (std::map plus insertion order), with small limits so the
// hash converts midway; the full state is compared after every step.
TEST(HashObjectPropertyTest, RandomOpsMatchModel) {
  std::mt19937_64 rng(20240607);
  for (int run = 0; run < 40; ++run) {
    EncodingLimits lim = Limits(1 + rng() % 24, 4 + rng() % 12);
    HashObject h;
    std::map<std::string, std::string> model;
    std::vector<std::string> order;  // insertion order while a listpack
    auto rand_str = [&](size_t max_len) {
      switch (rng() % 4) {
        case 0:
          return std::to_string(static_cast<int64_t>(rng() % 200) - 100);
        case 1:
          return std::to_string(static_cast<int64_t>(rng()));
        default: {
          std::string s(rng() % (max_len + 1), 'a');
          for (char& c : s) c = static_cast<char>('a' + rng() % 3);
          return s;
        }
      }
    };
    int ops = 300;
    for (int i = 0; i < ops; ++i) {
      std::string f =
          rng() % 10 ? "f" + std::to_string(rng() % 40) : rand_str(lim.hash_max_listpack_value + 2);
      int op = rng() % 10;
      if (op < 6) {
        bool big = rng() % 40 == 0;
        std::string v = rand_str(big ? 100 : lim.hash_max_listpack_value);
        bool was_listpack = h.is_listpack();
        bool added = h.Set(f, v, lim);
        ASSERT_EQ(added, !model.count(f));
        if (added) order.push_back(f);
        model[f] = v;
        bool must_convert = f.size() > lim.hash_max_listpack_value ||
                            v.size() > lim.hash_max_listpack_value ||
                            model.size() > lim.hash_max_listpack_entries;
        if (was_listpack) {
          ASSERT_EQ(h.is_listpack(), !must_convert);
        }
      } else if (op < 9) {
        bool had = model.erase(f);
        ASSERT_EQ(h.Delete(f), had);
        if (had) order.erase(std::find(order.begin(), order.end(), f));
      } else {
        ASSERT_EQ(GetOr(h, f), model.count(f) ? model[f] : "<none>");
      }
      ASSERT_EQ(h.size(), model.size());
      ASSERT_TRUE(h.Verify());
      auto pairs = Pairs(h);
      if (h.is_listpack()) {
        ASSERT_EQ(pairs.size(), order.size());
        for (size_t j = 0; j < order.size(); ++j) {
          ASSERT_EQ(pairs[j].first, order[j]);
          ASSERT_EQ(pairs[j].second, model[order[j]]);
        }
      } else {
        std::sort(pairs.begin(), pairs.end());
        ASSERT_TRUE(std::equal(
            pairs.begin(), pairs.end(), model.begin(), model.end(),
            [](auto& a, auto& b) { return a.first == b.first && a.second == b.second; }));
      }
    }
  }
}

}  // namespace
}  // namespace tessera
