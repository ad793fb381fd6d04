#include "core/keyspace.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/evict.h"

namespace tessera {
namespace {

std::mt19937_64 g_rng(12345);
uint64_t TestRand() { return g_rng(); }

std::string Key(uint64_t i) { return "key:" + std::to_string(i); }

constexpr int64_t kMinute = 60'000;

// Adds `n` keys Key(0..n-1) with 100-byte values, spread over the keyspace's databases.
void FillKeys(Keyspace& ks, int n, int64_t now_ms) {
  for (int i = 0; i < n; ++i)
    ks.db(i % ks.num_dbs()).Add(Key(i), Value::FromString(std::string(100, 'v')), now_ms);
}

bool Present(Keyspace& ks, int i, int64_t now_ms) {
  return ks.db(i % ks.num_dbs()).Find(Key(i), now_ms) != nullptr;
}

size_t TotalKeys(const Keyspace& ks) {
  size_t n = 0;
  for (int d = 0; d < ks.num_dbs(); ++d) n += ks.db(d).size();
  return n;
}

// Survivors among keys [from, to).
int Survivors(Keyspace& ks, int from, int to, int64_t now_ms) {
  int n = 0;
  for (int i = from; i < to; ++i) n += Present(ks, i, now_ms);
  return n;
}

TEST(Keyspace, NoEvictionRefusesAndKeepsEverything) {
  Keyspace ks(1);
  FillKeys(ks, 1000, 0);
  EXPECT_TRUE(ks.MakeRoom(0));  // no limit
  ks.set_limit(ks.used_bytes() * 2);
  EXPECT_FALSE(ks.over_limit());
  EXPECT_TRUE(ks.MakeRoom(0));  // under the limit
  ks.set_limit(ks.used_bytes() / 2);
  EXPECT_TRUE(ks.over_limit());
  EXPECT_FALSE(ks.MakeRoom(0));
  EXPECT_EQ(ks.evicted(), 0u);
  EXPECT_EQ(ks.db(0).size(), 1000u);
}

TEST(Keyspace, AllKeysLruKeepsRecentlyTouchedKeys) {
  Keyspace ks(2);
  ks.eviction().policy = EvictionPolicy::kAllKeysLru;
  const int n = 4000;
  FillKeys(ks, n, 1000);
  const int64_t later = 1'000'000;
  for (int i = 0; i < n; i += 10) ks.Touch(ks.db(i % 2).Find(Key(i), later), later);
  ks.set_limit(ks.used_bytes() / 2);
  ASSERT_TRUE(ks.MakeRoom(later));
  EXPECT_LE(ks.used_bytes(), ks.limit());
  EXPECT_FALSE(ks.over_limit());
  EXPECT_EQ(ks.evicted(), n - TotalKeys(ks));
  EXPECT_GT(ks.evicted(), n / 3u);
  int hot = 0, cold = 0;
  for (int i = 0; i < n; ++i) (i % 10 == 0 ? hot : cold) += Present(ks, i, later);
  EXPECT_EQ(hot, n / 10) << "a recently touched key was evicted";
  EXPECT_LT(cold, n * 9 / 10);
  ks.ResetStats();
  EXPECT_EQ(ks.evicted(), 0u);
}

TEST(Keyspace, AllKeysLfuKeepsFrequentlyUsedKeys) {
  Keyspace ks(2);
  ks.eviction().policy = EvictionPolicy::kAllKeysLfu;
  ks.eviction().lfu_log_factor = 0;  // every access counts
  const int n = 4000;
  const int64_t now = 10 * kMinute;
  FillKeys(ks, n, now);
  for (int i = 0; i < n; i += 10) {
    Entry* e = ks.db(i % 2).Find(Key(i), now);
    for (int t = 0; t < 20; ++t) ks.Touch(e, now);
    EXPECT_EQ(e->clock() & 0xff, kLfuInitVal + 20u);
  }
  ks.set_limit(ks.used_bytes() / 2);
  ASSERT_TRUE(ks.MakeRoom(now));
  EXPECT_LE(ks.used_bytes(), ks.limit());
  EXPECT_EQ(ks.evicted(), n - TotalKeys(ks));
  int hot = 0;
  for (int i = 0; i < n; i += 10) hot += Present(ks, i, now);
  EXPECT_EQ(hot, n / 10) << "a frequently used key was evicted";
}

TEST(Keyspace, AllKeysFifoEvictsTheOldestInserted) {
  Keyspace ks(2);
  ks.eviction().policy = EvictionPolicy::kAllKeysFifo;
  const int n = 4000;
  FillKeys(ks, n, 0);
  // Accesses do not matter to FIFO.
  for (int i = 0; i < n / 4; ++i) ks.Touch(ks.db(i % 2).Find(Key(i), 5000), 5000);
  ks.set_limit(ks.used_bytes() / 2);
  ASSERT_TRUE(ks.MakeRoom(5000));
  EXPECT_LE(ks.used_bytes(), ks.limit());
  EXPECT_EQ(ks.evicted(), n - TotalKeys(ks));
  int oldest = Survivors(ks, 0, n / 4, 5000);
  int newest = Survivors(ks, n - n / 4, n, 5000);
  EXPECT_LT(oldest, n / 4 / 10) << "the oldest quarter should be (almost) all gone";
  // Sampling is approximate (a round whose pool holds only new keys evicts one of them), so
  // allow a few.
  EXPECT_GE(newest, n / 4 * 95 / 100) << "keys of the newest quarter were evicted";
}

TEST(Keyspace, AllKeysRandomEvictsUntilUnderTheLimit) {
  Keyspace ks(3);
  ks.eviction().policy = EvictionPolicy::kAllKeysRandom;
  const int n = 3000;
  FillKeys(ks, n, 0);
  ks.set_limit(ks.used_bytes() * 2 / 3);
  ASSERT_TRUE(ks.MakeRoom(0));
  EXPECT_LE(ks.used_bytes(), ks.limit());
  EXPECT_EQ(ks.evicted(), n - TotalKeys(ks));
  // The databases are visited in turn.
  for (int d = 0; d < 3; ++d) EXPECT_LT(ks.db(d).size(), n / 3u) << "db " << d;
}

// Half the keys get a TTL far in the future (at ttl_base + i when ttl_base is set).
void FillHalfVolatile(Keyspace& ks, int n, int64_t now, int64_t ttl_base) {
  FillKeys(ks, n, now);
  for (int i = 0; i < n; i += 2) {
    Db& db = ks.db(i % ks.num_dbs());
    db.SetExpire(db.Find(Key(i), now), ttl_base + i);
  }
}

class VolatilePolicy : public ::testing::TestWithParam<EvictionPolicy> {};

TEST_P(VolatilePolicy, NeverEvictsKeysWithoutTtl) {
  Keyspace ks(2);
  ks.eviction().policy = GetParam();
  ks.eviction().lfu_log_factor = 0;
  const int n = 4000;
  const int64_t now = 1000;
  FillHalfVolatile(ks, n, now, 100'000'000);
  size_t full = ks.used_bytes();
  // Room for the keys without TTL and some with: evicting TTL keys is enough.
  ks.set_limit(full * 3 / 4);
  ASSERT_TRUE(ks.MakeRoom(now));
  EXPECT_LE(ks.used_bytes(), ks.limit());
  EXPECT_GT(ks.evicted(), 0u);
  EXPECT_EQ(Survivors(ks, 0, n, now), static_cast<int>(n - ks.evicted()));
  for (int i = 1; i < n; i += 2) ASSERT_TRUE(Present(ks, i, now)) << "evicted key without TTL";

  // A limit that only evicting keys without TTL could meet: every TTL key goes, then false.
  ks.set_limit(full / 4);
  EXPECT_FALSE(ks.MakeRoom(now));
  EXPECT_EQ(ks.evicted(), n / 2u);
  for (int d = 0; d < 2; ++d) EXPECT_EQ(ks.db(d).expires_count(), 0u);
  for (int i = 1; i < n; i += 2) ASSERT_TRUE(Present(ks, i, now)) << "evicted key without TTL";
  EXPECT_FALSE(ks.MakeRoom(now));  // and stays false
  EXPECT_EQ(TotalKeys(ks), n / 2u);
}

INSTANTIATE_TEST_SUITE_P(Keyspace, VolatilePolicy,
                         ::testing::Values(EvictionPolicy::kVolatileLru,
                                           EvictionPolicy::kVolatileLfu,
                                           EvictionPolicy::kVolatileRandom,
                                           EvictionPolicy::kVolatileTtl,
                                           EvictionPolicy::kVolatileFifo),
                         [](const auto& info) {
                           std::string name = EvictionPolicyName(info.param);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(Keyspace, VolatileTtlEvictsTheNearestExpiryFirst) {
  Keyspace ks(2);
  ks.eviction().policy = EvictionPolicy::kVolatileTtl;
  const int n = 4000;
  const int64_t now = 1000;
  // Key i (even) expires at now + 1'000'000 + i: low i expire first.
  FillHalfVolatile(ks, n, now, now + 1'000'000);
  ks.set_limit(ks.used_bytes() * 3 / 4);
  ASSERT_TRUE(ks.MakeRoom(now));
  EXPECT_LE(ks.used_bytes(), ks.limit());
  int nearest = 0, farthest = 0;
  for (int i = 0; i < n / 4; i += 2) nearest += Present(ks, i, now);
  for (int i = n - n / 4; i < n; i += 2) farthest += Present(ks, i, now);
  EXPECT_LT(nearest, n / 8 / 10) << "the nearest expiries should be (almost) all gone";
  // Sampling is approximate: allow a few.
  EXPECT_GE(farthest, n / 8 * 95 / 100) << "keys with a far expiry were evicted";
}

TEST(Keyspace, EvictionSkipsKeysDeletedSinceSampling) {
  // The candidate pool survives between MakeRoom calls; keys deleted meanwhile are skipped.
  Keyspace ks(1);
  ks.eviction().policy = EvictionPolicy::kAllKeysLru;
  FillKeys(ks, 2000, 0);
  ks.set_limit(ks.used_bytes() - 1);
  ASSERT_TRUE(ks.MakeRoom(10'000));
  uint64_t evicted = ks.evicted();
  EXPECT_GE(evicted, 1u);
  for (int i = 0; i < 2000; i += 2) ks.db(0).Delete(Key(i));
  for (int i = 0; i < 2000; ++i) {
    if (i % 2 == 0) continue;
    if (Entry* e = ks.db(0).Find(Key(i), 10'000)) ks.Touch(e, 10'000);
  }
  size_t before = ks.db(0).size();
  ks.set_limit(ks.used_bytes() / 2);
  ASSERT_TRUE(ks.MakeRoom(20'000));
  EXPECT_LE(ks.used_bytes(), ks.limit());
  EXPECT_EQ(ks.evicted() - evicted, before - ks.db(0).size());
}

TEST(Keyspace, NewClockAndTouchFollowThePolicy) {
  Keyspace ks(1);
  ks.eviction().policy = EvictionPolicy::kAllKeysLru;
  EXPECT_EQ(ks.NewClock(123'450), LruClock(123'450));
  Entry* e = ks.db(0).Add("k", Value::FromInt(1), 1000);
  ks.Touch(e, 50'000);
  EXPECT_EQ(e->clock(), LruClock(50'000));
  EXPECT_EQ(LruIdleMs(e->clock(), 80'000), 30'000);

  ks.eviction().policy = EvictionPolicy::kAllKeysLfu;
  EXPECT_EQ(ks.NewClock(3 * kMinute), LfuNew(3 * kMinute));
  EXPECT_EQ(LfuNew(3 * kMinute) & 0xff, kLfuInitVal);
  EXPECT_EQ(LfuNew(3 * kMinute) >> 8, 3u);

  ks.eviction().policy = EvictionPolicy::kAllKeysFifo;
  uint32_t a = ks.NewClock(0), b = ks.NewClock(0), c = ks.NewClock(999'999);
  EXPECT_EQ(b, a + 1);
  EXPECT_EQ(c, b + 1);
  e->set_clock(77);
  ks.Touch(e, 1'000'000);
  EXPECT_EQ(e->clock(), 77u);  // FIFO ignores accesses

  // Policies without their own metadata keep the LRU clock (OBJECT IDLETIME).
  ks.eviction().policy = EvictionPolicy::kNoEviction;
  EXPECT_EQ(ks.NewClock(5000), LruClock(5000));
  ks.Touch(e, 6000);
  EXPECT_EQ(e->clock(), LruClock(6000));
}

TEST(Evict, PolicyNamesRoundTrip) {
  for (int p = 0; p <= static_cast<int>(EvictionPolicy::kVolatileFifo); ++p) {
    auto policy = static_cast<EvictionPolicy>(p);
    EvictionPolicy parsed;
    ASSERT_TRUE(ParseEvictionPolicy(EvictionPolicyName(policy), &parsed));
    EXPECT_EQ(parsed, policy);
  }
  EvictionPolicy parsed;
  EXPECT_TRUE(ParseEvictionPolicy("ALLKEYS-LRU", &parsed));
  EXPECT_EQ(parsed, EvictionPolicy::kAllKeysLru);
  EXPECT_FALSE(ParseEvictionPolicy("allkeys-mru", &parsed));
  EXPECT_FALSE(ParseEvictionPolicy("", &parsed));
}

TEST(Evict, LruClockAndIdleTime) {
  EXPECT_EQ(LruClock(12'345), 1234u);
  EXPECT_EQ(LruIdleMs(LruClock(1000), 1000), 0);
  EXPECT_EQ(LruIdleMs(LruClock(1000), 61'000), 60'000);
  // Across the 32-bit wrap of the clock.
  int64_t wrap_ms = (int64_t{1} << 32) * 10;
  EXPECT_EQ(LruIdleMs(LruClock(wrap_ms - 500), wrap_ms + 1500), 2000);
}

TEST(Evict, LfuTouchWithLogFactorZeroIncrementsByOne) {
  EvictionConfig cfg;
  cfg.lfu_log_factor = 0;
  const int64_t now = 7 * kMinute;
  uint32_t c = LfuNew(now);
  for (int i = 1; i <= 100; ++i) {
    c = LfuTouch(c, now, cfg, 0.999);
    ASSERT_EQ(c & 0xff, kLfuInitVal + static_cast<uint32_t>(i));
    ASSERT_EQ(c >> 8, 7u);
  }
}

TEST(Evict, LfuCounterSaturatesAt255) {
  EvictionConfig cfg;
  cfg.lfu_log_factor = 0;
  uint32_t c = LfuNew(0);
  for (int i = 0; i < 400; ++i) c = LfuTouch(c, 0, cfg, 0.0);
  EXPECT_EQ(c & 0xff, 255u);
  EXPECT_EQ(LfuDecayed(c, 0, 1), 255);
}

TEST(Evict, LfuLogFactorMakesIncrementsRarer) {
  EvictionConfig cfg;  // lfu_log_factor 10
  // At the initial value or below, every access counts.
  EXPECT_EQ(LfuTouch(LfuNew(0), 0, cfg, 0.99) & 0xff, kLfuInitVal + 1u);
  // At 15 the probability is 1 / ((15 - 5) * 10 + 1) = 1/101.
  uint32_t c15 = 15;
  EXPECT_EQ(LfuTouch(c15, 0, cfg, 0.5) & 0xff, 15u);
  EXPECT_EQ(LfuTouch(c15, 0, cfg, 1.0 / 102) & 0xff, 16u);
  EXPECT_EQ(LfuTouch(c15, 0, cfg, 1.0 / 100) & 0xff, 15u);
  // redis.conf's table for factor 10: 1K hits reach about 18, 100K hits about 142.
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  uint32_t c = LfuNew(0);
  for (int i = 0; i < 1000; ++i) c = LfuTouch(c, 0, cfg, unit(rng));
  EXPECT_GE(c & 0xff, 14u);
  EXPECT_LE(c & 0xff, 22u);
  for (int i = 1000; i < 100'000; ++i) c = LfuTouch(c, 0, cfg, unit(rng));
  EXPECT_GE(c & 0xff, 125u);
  EXPECT_LE(c & 0xff, 160u);
}

TEST(Evict, LfuDecaysByElapsedMinutesOverDecayTime) {
  uint32_t c = (10u << 8) | 100;  // last decrement at minute 10, counter 100
  EXPECT_EQ(LfuDecayed(c, 10 * kMinute, 1), 100);
  EXPECT_EQ(LfuDecayed(c, 10 * kMinute + kMinute - 1, 1), 100);  // not a full minute yet
  EXPECT_EQ(LfuDecayed(c, 13 * kMinute, 1), 97);
  EXPECT_EQ(LfuDecayed(c, 13 * kMinute, 2), 99);  // 3 minutes / 2 = 1 period
  EXPECT_EQ(LfuDecayed(c, 30 * kMinute, 4), 95);
  EXPECT_EQ(LfuDecayed(c, 30 * kMinute, 0), 100);  // decay time 0: never
  EXPECT_EQ(LfuDecayed(c, 110 * kMinute, 1), 0);
  EXPECT_EQ(LfuDecayed(c, 500 * kMinute, 1), 0);  // never below zero
  // Across the 16-bit minute wrap: about 4 minutes elapsed.
  uint32_t w = (65534u << 8) | 10;
  uint8_t d = LfuDecayed(w, (65536 + 2) * kMinute, 1);
  EXPECT_GE(d, 6);
  EXPECT_LE(d, 7);

  // A touch first pays the decay owed, then counts, and restamps the time.
  EvictionConfig cfg;
  cfg.lfu_log_factor = 0;
  uint32_t t = LfuTouch(c, 20 * kMinute, cfg, 0.5);
  EXPECT_EQ(t & 0xff, 91u);
  EXPECT_EQ(t >> 8, 20u);
}

TEST(Keyspace, CompactStepDoesNothingWithoutWaste) {
  Keyspace ks(1);
  EXPECT_FALSE(ks.CompactStep(0.1, 0, 64));
  FillKeys(ks, 5000, 0);
  EXPECT_FALSE(ks.CompactStep(0.1, 0, 64));
  EXPECT_EQ(ks.compactions(), 0u);
  // Waste below min_waste is left alone too.
  for (int i = 0; i < 5000; i += 5) ks.db(0).Delete(Key(i));
  for (int i = 1; i < 5000; i += 5) ks.db(0).Delete(Key(i));
  size_t waste = ks.slab().page_bytes() - ks.slab().used_bytes();
  EXPECT_FALSE(ks.CompactStep(0.1, waste + 1, 64));
  EXPECT_EQ(ks.compactions(), 0u);
}

struct Stored {
  int db;
  std::string value;
  int64_t expire;
};

TEST(Keyspace, CompactionShrinksSparsePagesAndKeepsEveryKey) {
  std::mt19937_64 rng(11);
  Keyspace ks(2);
  const int64_t now = 1000;
  std::unordered_map<std::string, Stored> model;
  std::vector<std::string> keys;
  for (int i = 0; i < 50000; ++i) {
    std::string k = Key(i);
    std::string v;
    if (rng() % 5 == 0) {
      v = std::to_string(rng() % 1000000);
    } else {
      v.resize(rng() % 250);
      for (auto& ch : v) ch = static_cast<char>('a' + rng() % 26);
    }
    int d = i % 2;
    Entry* e = ks.db(d).Add(k, Value::FromString(v), now);
    int64_t expire = Entry::kNoExpire;
    if (rng() % 4 == 0) {
      expire = 1'000'000'000 + i;
      ks.db(d).SetExpire(e, expire);
    }
    model[k] = Stored{d, v, expire};
    keys.push_back(k);
  }
  std::shuffle(keys.begin(), keys.end(), rng);
  for (size_t i = 0; i < keys.size() * 8 / 10; ++i) {
    ASSERT_TRUE(ks.db(model[keys[i]].db).Delete(keys[i]));
    model.erase(keys[i]);
  }
  size_t used = ks.slab().used_bytes();
  size_t pages_before = ks.slab().page_bytes();
  size_t waste_before = pages_before - used;
  size_t heap = ks.heap_bytes();

  int calls = 0;
  while (ks.CompactStep(0.1, 0, 64)) ASSERT_LT(++calls, 100000);
  EXPECT_GT(calls, 1);
  EXPECT_FALSE(ks.CompactStep(0.1, 0, 64));  // nothing left to win
  EXPECT_GE(ks.compactions(), 1u);
  EXPECT_GT(ks.moved_entries(), 0u);
  EXPECT_FALSE(ks.slab().compacting());

  size_t pages_after = ks.slab().page_bytes();
  size_t waste_after = pages_after - ks.slab().used_bytes();
  EXPECT_EQ(ks.slab().used_bytes(), used);
  EXPECT_EQ(ks.heap_bytes(), heap);
  EXPECT_LT(pages_after * 2, pages_before);
  EXPECT_LT(waste_after * 4, waste_before);
  // What is left is below the threshold, or less than a page of free blocks per size class
  // in use (no page left to win).
  std::unordered_map<size_t, int> classes;
  for (int d = 0; d < 2; ++d)
    ks.db(d).ForEach(now,
                     [&](Entry* e) { ++classes[SlabAllocator::BlockSize(e->encoded_size())]; });
  EXPECT_TRUE(static_cast<double>(waste_after) < 0.1 * static_cast<double>(used) ||
              waste_after < classes.size() * SlabAllocator::kPageSize)
      << "pages " << pages_after << " used " << used << " classes " << classes.size();

  // Every remaining key reads back its exact value and TTL.
  size_t ttls = 0;
  for (const auto& [k, s] : model) {
    Entry* e = ks.db(s.db).Find(k, now);
    ASSERT_NE(e, nullptr) << k;
    ASSERT_EQ(e->ToString(), s.value) << k;
    ASSERT_EQ(e->expire_ms(), s.expire) << k;
    ttls += s.expire != Entry::kNoExpire;
  }
  EXPECT_EQ(ks.db(0).size() + ks.db(1).size(), model.size());
  EXPECT_EQ(ks.db(0).expires_count() + ks.db(1).expires_count(), ttls);

  // The TTL lists point at the moved entries: active expiry past every TTL removes exactly the
  // keys with one.
  g_rng.seed(5);
  const int64_t end = 2'000'000'000;
  int removed = 0;
  for (int d = 0; d < 2; ++d)
    for (int round = 0; round < 100000 && ks.db(d).expires_count() > 0; ++round)
      removed += ks.db(d).ExpireSample(end, 20, TestRand);
  EXPECT_EQ(static_cast<size_t>(removed), ttls);
  for (const auto& [k, s] : model)
    ASSERT_EQ(ks.db(s.db).Find(k, end) != nullptr, s.expire == Entry::kNoExpire) << k;

  ks.db(0).Clear();
  ks.db(1).Clear();
  EXPECT_EQ(ks.slab().page_bytes(), 0u);
  EXPECT_EQ(ks.slab().used_bytes(), 0u);
}

TEST(Keyspace, CompactionWorksWhileKeysChange) {
  // Writes between compaction steps: new and reshaped entries never land on evacuating pages,
  // and the pass still completes.
  std::mt19937_64 rng(12);
  Keyspace ks(1);
  Db& db = ks.db(0);
  std::unordered_map<std::string, std::string> model;
  // Values of 40-55 bytes: two size classes, so the pages that compaction can win dominate.
  for (int i = 0; i < 30000; ++i) {
    std::string v(40 + rng() % 16, 'a' + static_cast<char>(i % 26));
    db.Add(Key(i), Value::FromString(v), 0);
    model[Key(i)] = v;
  }
  for (int i = 0; i < 30000; ++i) {
    if (rng() % 10 < 8) {
      db.Delete(Key(i));
      model.erase(Key(i));
    }
  }
  size_t pages_before = ks.slab().page_bytes();
  int calls = 0;
  while (ks.CompactStep(0.1, 0, 4)) {
    ASSERT_LT(++calls, 100000);
    for (int j = 0; j < 5; ++j) {
      std::string k = Key(rng() % 30000);
      std::string v(40 + rng() % 16, 'z');
      switch (rng() % 3) {
        case 0: {
          bool is_new = db.Find(k, 0) == nullptr;
          Entry* e = db.Set(k, Value::FromString(v), 0);
          if (is_new) {
            ASSERT_FALSE(ks.slab().NeedsMove(ks.slab().HandleOf(e)))
                << "a new entry landed on an evacuating page";
          }
          model[k] = v;
          break;
        }
        case 1:
          db.Delete(k);
          model.erase(k);
          break;
        case 2:
          if (Entry* e = db.Find(k, 0)) {
            SlabAllocator::Handle old = ks.slab().HandleOf(e);
            SlabAllocator::Handle now = ks.slab().HandleOf(db.SetExpire(e, 1'000'000));
            if (now != old) {
              ASSERT_FALSE(ks.slab().NeedsMove(now))
                  << "a reshaped entry landed on an evacuating page";
            }
          }
          break;
      }
    }
  }
  EXPECT_GE(ks.compactions(), 1u);
  EXPECT_LT(ks.slab().page_bytes() * 2, pages_before);
  ASSERT_EQ(db.size(), model.size());
  for (const auto& [k, v] : model) {
    Entry* e = db.Find(k, 0);
    ASSERT_NE(e, nullptr) << k;
    ASSERT_EQ(e->ToString(), v) << k;
  }
}

}  // namespace
}  // namespace tessera
