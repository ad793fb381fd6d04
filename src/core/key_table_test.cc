#include "core/key_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/db.h"

namespace tessera {
namespace {

std::mt19937_64 g_rng(12345);
uint64_t TestRand() { return g_rng(); }

std::string Key(uint64_t i) { return "key:" + std::to_string(i); }

Entry* NewEntry(const std::string& k) { return Entry::Create(k, Value::FromString("v" + k), 0); }

// Checks that the table holds exactly the model's keys.
void ExpectSameKeys(KeyTable& t, const std::unordered_set<std::string>& model) {
  ASSERT_EQ(t.size(), model.size());
  for (const auto& k : model) {
    Entry* e = t.Find(k);
    ASSERT_NE(e, nullptr) << k;
    EXPECT_EQ(e->key(), k);
  }
  size_t n = 0;
  t.ForEach([&](Entry* e) {
    ++n;
    EXPECT_TRUE(model.count(std::string(e->key()))) << e->key();
  });
  EXPECT_EQ(n, model.size());
}

void FinishRehash(KeyTable& t) {
  while (t.rehashing()) t.RehashStep(100);
}

TEST(KeyTable, GrowsAndShrinksUnderRandomInsertDelete) {
  g_rng.seed(1);
  KeyTable t;
  std::unordered_set<std::string> model;
  std::mt19937_64 rng(7);

  // Phase 1: mostly inserts (growth), phase 2: mostly deletes (shrink), phase 3: mixed.
  auto step = [&](int insert_pct, uint64_t key_space) {
    std::string k = Key(rng() % key_space);
    if (static_cast<int>(rng() % 100) < insert_pct) {
      if (model.insert(k).second) {
        ASSERT_EQ(t.Find(k), nullptr);
        t.Insert(NewEntry(k));
      } else {
        ASSERT_NE(t.Find(k), nullptr);
      }
    } else {
      Entry* e = t.Unlink(k);
      if (model.erase(k)) {
        ASSERT_NE(e, nullptr) << k;
        EXPECT_EQ(e->key(), k);
        Entry::Destroy(e);
      } else {
        ASSERT_EQ(e, nullptr) << k;
      }
    }
  };

  for (int i = 0; i < 60000; ++i) step(90, 50000);
  ExpectSameKeys(t, model);
  size_t grown = model.size();
  FinishRehash(t);
  EXPECT_GE(t.bucket_count(), grown);          // load factor <= 1 once rehashed
  EXPECT_LE(t.bucket_count(), 4 * grown + 4);  // and not absurdly large

  for (int i = 0; i < 200000 && model.size() > 100; ++i) step(5, 50000);
  ExpectSameKeys(t, model);
  // Shrinking happens as keys go; finish any ongoing rehash and let a few more ops trigger
  // the next shrink step.
  for (int round = 0; round < 20; ++round) {
    FinishRehash(t);
    std::string probe = "probe";
    t.Insert(NewEntry(probe));
    Entry::Destroy(t.Unlink(probe));
  }
  FinishRehash(t);
  EXPECT_LT(t.bucket_count(), grown / 4);
  EXPECT_GE(t.bucket_count() * 10, t.size());  // at least 10% load (or minimal table)
  ExpectSameKeys(t, model);

  for (int i = 0; i < 100000; ++i) step(50, 5000);
  ExpectSameKeys(t, model);

  // Delete everything.
  for (const auto& k : std::vector<std::string>(model.begin(), model.end())) {
    Entry* e = t.Unlink(k);
    ASSERT_NE(e, nullptr);
    Entry::Destroy(e);
  }
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.Find("key:1"), nullptr);
}

TEST(KeyTable, ScanVisitsEveryStableKeyDespiteRehashing) {
  for (uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    std::mt19937_64 rng(seed);
    KeyTable t;
    // Stable keys are present for the whole scan; churn keys come and go.
    std::unordered_set<std::string> stable, churn;
    for (int i = 0; i < 500; ++i) {
      std::string k = "stable:" + std::to_string(i);
      stable.insert(k);
      t.Insert(NewEntry(k));
    }
    std::unordered_set<std::string> seen;
    uint64_t cursor = 0;
    int calls = 0;
    bool saw_rehash = false, saw_shrink = false;
    uint64_t churn_id = 0, max_buckets = 0;
    do {
      cursor = t.Scan(cursor, [&](Entry* e) {
        std::string k(e->key());
        // Everything returned must be present right now.
        EXPECT_TRUE(stable.count(k) || churn.count(k)) << k;
        seen.insert(k);
      });
      ++calls;
      // Between calls: grow hard, then shrink hard, alternating, to force resizes both ways.
      bool grow = (calls / 100) % 2 == 0;
      int ops = 1 + static_cast<int>(rng() % (grow ? 300 : 600));
      for (int i = 0; i < ops; ++i) {
        if (grow) {
          std::string k = "churn:" + std::to_string(churn_id++);
          churn.insert(k);
          t.Insert(NewEntry(k));
        } else if (!churn.empty()) {
          auto it = churn.begin();
          std::string k = *it;
          churn.erase(it);
          Entry* e = t.Unlink(k);
          ASSERT_NE(e, nullptr);
          Entry::Destroy(e);
        }
      }
      // The server's cron also advances rehashing between commands.
      if (t.rehashing() && rng() % 2) t.RehashStep(1 + static_cast<int>(rng() % 50));
      saw_rehash |= t.rehashing();
      max_buckets = std::max<uint64_t>(max_buckets, t.bucket_count());
      saw_shrink |= !t.rehashing() && t.bucket_count() * 4 <= max_buckets;
      ASSERT_LT(calls, 1000000);
    } while (cursor != 0);
    EXPECT_TRUE(saw_shrink) << "the test should exercise scans across a shrink";
    EXPECT_TRUE(saw_rehash) << "the test should exercise scans during a rehash";
    for (const auto& k : stable) EXPECT_TRUE(seen.count(k)) << "seed " << seed << " missed " << k;
  }
}

TEST(KeyTable, ScanOfEmptyTableEndsImmediately) {
  KeyTable t;
  int n = 0;
  EXPECT_EQ(t.Scan(0, [&](Entry*) { ++n; }), 0u);
  EXPECT_EQ(n, 0);
}

TEST(KeyTable, RandomReturnsMembers) {
  g_rng.seed(99);
  KeyTable t;
  EXPECT_EQ(t.Random(TestRand), nullptr);
  std::unordered_set<std::string> model;
  for (int i = 0; i < 1000; ++i) {
    model.insert(Key(i));
    t.Insert(NewEntry(Key(i)));
  }
  std::unordered_map<std::string, int> hits;
  for (int i = 0; i < 20000; ++i) {
    Entry* e = t.Random(TestRand);
    ASSERT_NE(e, nullptr);
    std::string k(e->key());
    ASSERT_TRUE(model.count(k)) << k;
    ++hits[k];
    // Keep the table churning so some calls happen mid-rehash.
    if (i % 7 == 0) {
      std::string nk = "extra:" + std::to_string(i);
      model.insert(nk);
      t.Insert(NewEntry(nk));
    }
  }
  EXPECT_GT(hits.size(), 500u);  // spread over many keys, not stuck on a few

  // A single key is always the one returned.
  KeyTable one;
  one.Insert(NewEntry("only"));
  for (int i = 0; i < 10; ++i) EXPECT_EQ(one.Random(TestRand)->key(), "only");
}

TEST(Db, FindRemovesExpiredKeys) {
  Db db;
  const int64_t now = 1'000'000;
  Entry* a = db.Add("a", Value::FromString("1"), 0);
  Entry* b = db.Add("b", Value::FromString("2"), 0);
  db.Add("c", Value::FromString("3"), 0);
  db.SetExpire(a, now + 100);
  db.SetExpire(b, now + 200);
  EXPECT_EQ(db.size(), 3u);
  EXPECT_EQ(db.expires_count(), 2u);

  EXPECT_NE(db.Find("a", now), nullptr);
  EXPECT_NE(db.Find("a", now + 99), nullptr);
  EXPECT_EQ(db.Find("a", now + 100), nullptr);  // expire time reached: gone
  EXPECT_EQ(db.size(), 2u);
  EXPECT_EQ(db.expires_count(), 1u);
  EXPECT_EQ(db.expired(), 1u);
  EXPECT_EQ(db.Find("a", now), nullptr);  // really deleted, not just hidden

  EXPECT_NE(db.Find("b", now + 150), nullptr);
  EXPECT_NE(db.Find("c", now + 1'000'000), nullptr);  // no TTL: never expires

  db.ClearExpire(db.Find("b", now));
  EXPECT_EQ(db.expires_count(), 0u);
  EXPECT_NE(db.Find("b", now + 1'000'000), nullptr);
  EXPECT_EQ(db.expired(), 1u);
}

TEST(Db, TakeAndPutKeepTtl) {
  Db src, dst;
  Entry* e = src.Add("k", Value::FromString("v"), 0);
  src.SetExpire(e, 5000);
  Entry* taken = src.Take("k");
  ASSERT_EQ(taken, e);
  EXPECT_EQ(src.size(), 0u);
  EXPECT_EQ(src.expires_count(), 0u);
  dst.Put(taken);
  EXPECT_EQ(dst.expires_count(), 1u);
  EXPECT_EQ(dst.Find("k", 4999)->expire_ms, 5000);
  EXPECT_EQ(dst.Find("k", 5000), nullptr);
  EXPECT_EQ(dst.expires_count(), 0u);
}

TEST(Db, ExpireSampleRemovesExpiredKeys) {
  g_rng.seed(5);
  Db db;
  const int64_t now = 50'000;
  for (int i = 0; i < 500; ++i) {
    Entry* e = db.Add(Key(i), Value::FromInt(i), 0);
    if (i % 2 == 0)
      db.SetExpire(e, now - 1);  // already expired
    else if (i % 5 == 0)
      db.SetExpire(e, now + 60'000);  // live with TTL
  }
  size_t live_with_ttl = 0;
  for (int i = 0; i < 500; ++i)
    if (i % 2 != 0 && i % 5 == 0) ++live_with_ttl;
  EXPECT_EQ(db.size(), 500u);
  EXPECT_EQ(db.expires_count(), 250u + live_with_ttl);

  int removed = 0;
  for (int round = 0; round < 1000 && db.expires_count() > live_with_ttl; ++round)
    removed += db.ExpireSample(now, 20, TestRand);
  EXPECT_EQ(removed, 250);
  EXPECT_EQ(db.size(), 250u);
  EXPECT_EQ(db.expires_count(), live_with_ttl);
  EXPECT_EQ(db.expired(), 250u);
  // Only live keys remain; sampling now removes nothing and reports the average TTL.
  EXPECT_EQ(db.ExpireSample(now, 20, TestRand), 0);
  EXPECT_GT(db.avg_ttl(), 0);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(db.Find(Key(i), now) != nullptr, i % 2 != 0) << i;
}

TEST(Db, ScanAndRandomSkipExpiredKeys) {
  g_rng.seed(8);
  Db db;
  const int64_t now = 10'000;
  for (int i = 0; i < 200; ++i) {
    Entry* e = db.Add(Key(i), Value::FromInt(i), 0);
    if (i >= 100) db.SetExpire(e, now - 1);
  }
  std::unordered_set<std::string> seen;
  uint64_t cursor = 0;
  do {
    cursor = db.Scan(cursor, now, [&](Entry* e) { seen.insert(std::string(e->key())); });
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(seen.count(Key(i)));
  EXPECT_EQ(db.size(), 100u);  // the expired ones met were removed

  for (int i = 0; i < 100; ++i) {
    Entry* e = db.RandomLive(now, TestRand);
    ASSERT_NE(e, nullptr);
    EXPECT_FALSE(e->has_expire());
  }
  Db empty;
  EXPECT_EQ(empty.RandomLive(now, TestRand), nullptr);
}

}  // namespace
}  // namespace tessera
