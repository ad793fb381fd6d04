#include "core/key_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace tessera {
namespace {

using Handle = KeyTable::Handle;

std::mt19937_64 g_rng(12345);
uint64_t TestRand() { return g_rng(); }

std::string Key(uint64_t i) { return "key:" + std::to_string(i); }

// Entries are made the way Db makes them: a slab block holding an encoded entry.
class Entries {
 public:
  ~Entries() { EXPECT_EQ(slab_.live_blocks(), 0u) << "test leaked entries"; }

  Handle New(std::string_view key) {
    Value v = Value::FromString("value of " + std::string(key));
    size_t size = Entry::EncodedSize(key, v, false);
    Handle h = slab_.Allocate(size);
    Entry::Encode(slab_.Ptr(h), key, std::move(v), false);
    return h;
  }
  void Free(Handle h) {
    Entry* e = Get(h);
    size_t size = e->encoded_size();
    e->ReleasePayload();
    slab_.Free(h, size);
  }
  Entry* Get(Handle h) const { return static_cast<Entry*>(slab_.Ptr(h)); }
  std::string KeyOf(Handle h) const { return std::string(Get(h)->key()); }
  const SlabAllocator* slab() const { return &slab_; }

 private:
  SlabAllocator slab_;
};

// Checks that the table holds exactly the model's keys (key -> handle).
void ExpectSameKeys(const KeyTable& t, const Entries& es,
                    const std::unordered_map<std::string, Handle>& model) {
  ASSERT_EQ(t.size(), model.size());
  for (const auto& [k, h] : model) {
    ASSERT_EQ(t.FindHandle(k), h) << k;
    Entry* e = t.Find(k);
    ASSERT_EQ(e, es.Get(h)) << k;
    ASSERT_EQ(e->key(), k);
  }
  std::unordered_map<std::string, int> visits;
  t.ForEach([&](Handle h) { ++visits[es.KeyOf(h)]; });
  ASSERT_EQ(visits.size(), model.size());
  for (const auto& [k, n] : visits) {
    ASSERT_EQ(n, 1) << k << " visited " << n << " times";
    ASSERT_TRUE(model.count(k)) << k;
  }
}

void ClearTable(KeyTable& t, Entries& es) {
  t.Clear([&](Handle h) { es.Free(h); });
}

TEST(KeyTable, EmptyTable) {
  Entries es;
  KeyTable t(es.slab());
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.segments(), 1u);
  EXPECT_EQ(t.directory_size(), 1u);
  EXPECT_EQ(t.Find("nope"), nullptr);
  EXPECT_EQ(t.FindHandle("nope"), KeyTable::kNone);
  EXPECT_EQ(t.Unlink("nope"), KeyTable::kNone);
  EXPECT_EQ(t.Random(TestRand), KeyTable::kNone);
  int n = 0;
  t.ForEach([&](Handle) { ++n; });
  EXPECT_EQ(n, 0);
}

TEST(KeyTable, RandomInsertDeleteFindMatchesModelThroughGrowthAndShrink) {
  Entries es;
  KeyTable t(es.slab());
  std::unordered_map<std::string, Handle> model;
  std::vector<std::string> present;               // the model's keys, for deleting one at random
  std::unordered_map<std::string, size_t> index;  // position in `present`
  std::mt19937_64 rng(7);

  auto step = [&](int insert_pct, uint64_t key_space) {
    bool insert = static_cast<int>(rng() % 100) < insert_pct;
    // Deletes hit a present key half the time and a random (maybe absent) one otherwise.
    std::string k = !insert && !present.empty() && rng() % 2 ? present[rng() % present.size()]
                                                             : Key(rng() % key_space);
    auto it = model.find(k);
    if (insert) {
      if (it == model.end()) {
        ASSERT_EQ(t.Find(k), nullptr) << k;
        Handle h = es.New(k);
        t.Insert(h);
        model[k] = h;
        index[k] = present.size();
        present.push_back(k);
      } else {
        ASSERT_EQ(t.FindHandle(k), it->second) << k;
      }
    } else {
      Handle h = t.Unlink(k);
      if (it != model.end()) {
        ASSERT_EQ(h, it->second) << k;
        es.Free(h);
        model.erase(it);
        size_t i = index[k];
        index[present.back()] = i;
        present[i] = present.back();
        present.pop_back();
        index.erase(k);
      } else {
        ASSERT_EQ(h, KeyTable::kNone) << k;
      }
      ASSERT_EQ(t.Find(k), nullptr) << k;
    }
  };

  // Growth to ~50k keys, then mostly deletes down to a few hundred, then mixed churn.
  for (int i = 0; i < 200000 && model.size() < 50000; ++i) {
    ASSERT_NO_FATAL_FAILURE(step(95, 100000));
  }
  EXPECT_EQ(model.size(), 50000u);
  ASSERT_NO_FATAL_FAILURE(ExpectSameKeys(t, es, model));
  size_t grown_segments = t.segments();
  EXPECT_GE(grown_segments * KeyTable::kMaxFill, model.size());

  for (int i = 0; i < 200000 && model.size() > 500; ++i) {
    ASSERT_NO_FATAL_FAILURE(step(3, 100000));
  }
  EXPECT_EQ(model.size(), 500u);
  ASSERT_NO_FATAL_FAILURE(ExpectSameKeys(t, es, model));
  // Segments never merge: the table keeps (at least) its grown size.
  EXPECT_GE(t.segments(), grown_segments);

  for (int i = 0; i < 30000; ++i) ASSERT_NO_FATAL_FAILURE(step(50, 3000));
  ASSERT_NO_FATAL_FAILURE(ExpectSameKeys(t, es, model));

  // Delete everything one by one.
  std::vector<std::string> keys;
  for (const auto& [k, h] : model) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  for (const auto& k : keys) {
    Handle h = t.Unlink(k);
    ASSERT_EQ(h, model[k]);
    es.Free(h);
  }
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.Find("key:1"), nullptr);
  int n = 0;
  t.ForEach([&](Handle) { ++n; });
  EXPECT_EQ(n, 0);
}

TEST(KeyTable, CollidingHomeSlotsSurviveDeletionInAnyOrder) {
  // Many keys in one segment (no splits below kMaxFill): probe runs wrap and interleave, and
  // backward-shift deletion must keep every remaining key reachable.
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    std::mt19937_64 rng(seed);
    Entries es;
    KeyTable t(es.slab());
    std::unordered_map<std::string, Handle> model;
    for (int i = 0; i < KeyTable::kMaxFill; ++i) {
      std::string k = "s" + std::to_string(seed) + ":" + std::to_string(i);
      Handle h = es.New(k);
      t.Insert(h);
      model[k] = h;
    }
    ASSERT_EQ(t.segments(), 1u);
    std::vector<std::string> order;
    for (const auto& [k, h] : model) order.push_back(k);
    std::sort(order.begin(), order.end());
    std::shuffle(order.begin(), order.end(), rng);
    for (const auto& k : order) {
      Handle h = t.Unlink(k);
      ASSERT_EQ(h, model[k]) << k;
      es.Free(h);
      model.erase(k);
      for (const auto& [rk, rh] : model) ASSERT_EQ(t.FindHandle(rk), rh) << "lost " << rk;
    }
    EXPECT_EQ(t.size(), 0u);
  }
}

TEST(KeyTable, ForEachVisitsEachKeyExactlyOnce) {
  Entries es;
  KeyTable t(es.slab());
  std::unordered_map<std::string, Handle> model;
  for (int i = 0; i < 20000; ++i) {
    Handle h = es.New(Key(i));
    t.Insert(h);
    model[Key(i)] = h;
    // Check at a few sizes, including right after splits.
    if (i == 0 || i == 51 || i == 52 || i == 500 || i == 19999) {
      ASSERT_NO_FATAL_FAILURE(ExpectSameKeys(t, es, model));
    }
  }
  EXPECT_GT(t.directory_size(), 64u);
  EXPECT_LE(t.segments(), t.directory_size());
  ClearTable(t, es);
}

TEST(KeyTable, ScanWithoutChangesReturnsEachKeyExactlyOnce) {
  Entries es;
  KeyTable t(es.slab());
  for (int i = 0; i < 10000; ++i) t.Insert(es.New(Key(i)));
  std::unordered_map<std::string, int> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = t.Scan(cursor, [&](Handle& h) { ++seen[es.KeyOf(h)]; });
    ++calls;
    ASSERT_LT(calls, 100000);
  } while (cursor != 0);
  EXPECT_EQ(seen.size(), 10000u);
  for (const auto& [k, n] : seen) EXPECT_EQ(n, 1) << k;
  // One call per segment.
  EXPECT_EQ(static_cast<size_t>(calls), t.segments());
  ClearTable(t, es);
}

TEST(KeyTable, ScanOfEmptyTableEndsImmediately) {
  Entries es;
  KeyTable t(es.slab());
  int n = 0;
  EXPECT_EQ(t.Scan(0, [&](Handle&) { ++n; }), 0u);
  EXPECT_EQ(n, 0);
  // Also after the table grew and was emptied again.
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) {
    t.Insert(es.New(Key(i)));
    keys.push_back(Key(i));
  }
  for (const auto& k : keys) es.Free(t.Unlink(k));
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = t.Scan(cursor, [&](Handle&) { ++n; });
    ASSERT_LT(++calls, 10000);
  } while (cursor != 0);
  EXPECT_EQ(n, 0);
}

TEST(KeyTable, ScanVisitsEveryStableKeyWhileKeysComeAndGo) {
  for (uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    std::mt19937_64 rng(seed);
    Entries es;
    KeyTable t(es.slab());
    // Stable keys are present for the whole scan; churn keys come and go between calls.
    std::unordered_set<std::string> stable;
    std::unordered_map<std::string, Handle> churn;
    std::vector<std::string> churn_keys;  // for picking one at random
    for (int i = 0; i < 300; ++i) {
      std::string k = "stable:" + std::to_string(i);
      stable.insert(k);
      t.Insert(es.New(k));
    }
    std::unordered_set<std::string> seen;
    uint64_t cursor = 0, churn_id = 0;
    int calls = 0;
    size_t start_dir = t.directory_size();
    do {
      cursor = t.Scan(cursor, [&](Handle& h) {
        std::string k = es.KeyOf(h);
        // Everything returned is present right now.
        EXPECT_TRUE(stable.count(k) || churn.count(k)) << k;
        seen.insert(k);
      });
      ++calls;
      // Between calls: bursts of inserts (segment splits, directory doubling) alternating with
      // bursts of deletes.
      bool grow = (calls / 8) % 3 != 2;
      int ops = 1 + static_cast<int>(rng() % (grow ? 400 : 300));
      for (int i = 0; i < ops; ++i) {
        if (grow) {
          std::string k = "churn:" + std::to_string(churn_id++);
          Handle h = es.New(k);
          t.Insert(h);
          churn[k] = h;
          churn_keys.push_back(k);
        } else if (!churn_keys.empty()) {
          size_t j = rng() % churn_keys.size();
          std::string k = churn_keys[j];
          churn_keys[j] = churn_keys.back();
          churn_keys.pop_back();
          Handle h = t.Unlink(k);
          ASSERT_EQ(h, churn[k]);
          es.Free(h);
          churn.erase(k);
        }
      }
      ASSERT_LT(calls, 1000000);
    } while (cursor != 0);
    EXPECT_GE(t.directory_size(), start_dir * 16) << "the scan should cross directory doublings";
    for (const auto& k : stable) EXPECT_TRUE(seen.count(k)) << "seed " << seed << " missed " << k;
    ClearTable(t, es);
  }
}

TEST(KeyTable, ScanFromAnyCursorTerminates) {
  // SCAN accepts any cursor (a stale one, one from a bigger table): the walk still ends.
  Entries es;
  KeyTable t(es.slab());
  for (int i = 0; i < 3000; ++i) t.Insert(es.New(Key(i)));
  std::mt19937_64 rng(21);
  for (int trial = 0; trial < 200; ++trial) {
    uint64_t cursor = trial == 0 ? ~uint64_t{0} : rng() >> (rng() % 64);
    size_t calls = 0;
    do {
      cursor = t.Scan(cursor, [](Handle&) {});
      ASSERT_LE(++calls, t.segments() + 1) << "trial " << trial;
    } while (cursor != 0);
  }
  ClearTable(t, es);
}

TEST(KeyTable, ScanSlotsCanBeRewritten) {
  // Compaction moves an entry and overwrites the slot through Scan's reference.
  Entries es;
  KeyTable t(es.slab());
  std::unordered_map<std::string, Handle> model;
  for (int i = 0; i < 2000; ++i) {
    Handle h = es.New(Key(i));
    t.Insert(h);
    model[Key(i)] = h;
  }
  uint64_t cursor = 0;
  do {
    cursor = t.Scan(cursor, [&](Handle& h) {
      std::string k = es.KeyOf(h);
      Handle copy = es.New(k);
      es.Free(h);
      h = copy;
      model[k] = copy;
    });
  } while (cursor != 0);
  ASSERT_NO_FATAL_FAILURE(ExpectSameKeys(t, es, model));
  ClearTable(t, es);
}

TEST(KeyTable, ReplacePointsTheKeyAtTheNewHandle) {
  Entries es;
  KeyTable t(es.slab());
  std::unordered_map<std::string, Handle> model;
  for (int i = 0; i < 5000; ++i) {
    Handle h = es.New(Key(i));
    t.Insert(h);
    model[Key(i)] = h;
  }
  for (int i = 0; i < 5000; i += 3) {
    std::string k = Key(i);
    Handle copy = es.New(k);
    ASSERT_NE(copy, model[k]);
    t.Replace(k, copy);
    es.Free(model[k]);
    model[k] = copy;
    ASSERT_EQ(t.FindHandle(k), copy);
    ASSERT_EQ(t.Find(k), es.Get(copy));
  }
  EXPECT_EQ(t.size(), 5000u);
  ASSERT_NO_FATAL_FAILURE(ExpectSameKeys(t, es, model));
  ClearTable(t, es);
}

TEST(KeyTable, ClearReleasesEveryHandleAndResets) {
  Entries es;
  KeyTable t(es.slab());
  for (int i = 0; i < 3000; ++i) t.Insert(es.New(Key(i)));
  std::unordered_set<Handle> released;
  t.Clear([&](Handle h) {
    EXPECT_TRUE(released.insert(h).second) << "released twice";
    es.Free(h);
  });
  EXPECT_EQ(released.size(), 3000u);
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.segments(), 1u);
  EXPECT_EQ(t.directory_size(), 1u);
  EXPECT_EQ(t.Find(Key(1)), nullptr);
  // Usable again.
  Handle h = es.New("again");
  t.Insert(h);
  EXPECT_EQ(t.FindHandle("again"), h);
  ClearTable(t, es);
}

TEST(KeyTable, RandomReturnsPresentKeysAndSpreads) {
  g_rng.seed(99);
  Entries es;
  KeyTable t(es.slab());
  std::unordered_map<std::string, Handle> model;
  for (int i = 0; i < 2000; ++i) {
    Handle h = es.New(Key(i));
    t.Insert(h);
    model[Key(i)] = h;
  }
  std::unordered_map<std::string, int> hits;
  for (int i = 0; i < 40000; ++i) {
    Handle h = t.Random(TestRand);
    ASSERT_NE(h, KeyTable::kNone);
    std::string k = es.KeyOf(h);
    ASSERT_TRUE(model.count(k)) << k;
    ASSERT_EQ(model[k], h);
    ++hits[k];
  }
  // Spread over most keys, none hugely over-represented. Uniform would be 20 hits each; the
  // walk to the next used slot favours a key after a run of empty slots, and a segment's
  // chance follows its share of the directory, so allow 25x.
  EXPECT_GT(hits.size(), 1800u);
  for (const auto& [k, n] : hits) EXPECT_LT(n, 500) << k;

  // After deleting most keys (many segments empty or sparse) it still finds only live ones.
  std::vector<std::string> keys;
  for (const auto& [k, h] : model) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i % 100 == 0) continue;
    es.Free(t.Unlink(keys[i]));
    model.erase(keys[i]);
  }
  ASSERT_EQ(model.size(), 20u);
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 50000; ++i) {
    Handle h = t.Random(TestRand);
    ASSERT_NE(h, KeyTable::kNone);
    std::string k = es.KeyOf(h);
    ASSERT_TRUE(model.count(k)) << k;
    seen.insert(k);
  }
  EXPECT_EQ(seen.size(), model.size());

  // A single key is always the one returned.
  for (size_t i = 1; i < model.size(); ++i) {
    std::string k = keys[i * 100];
    es.Free(t.Unlink(k));
  }
  ASSERT_EQ(t.size(), 1u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(es.KeyOf(t.Random(TestRand)), keys[0]);
  ClearTable(t, es);
  EXPECT_EQ(t.Random(TestRand), KeyTable::kNone);
}

TEST(KeyTable, UsesFewerThan12BytesPerKeyAt100kKeys) {
  Entries es;
  KeyTable t(es.slab());
  for (int i = 0; i < 100000; ++i) t.Insert(es.New(Key(i)));
  double per_key = static_cast<double>(t.memory_bytes()) / static_cast<double>(t.size());
  EXPECT_LT(per_key, 12.0) << "segments " << t.segments() << " directory " << t.directory_size();
  // The count of memory_bytes covers at least the segments themselves.
  EXPECT_GE(t.memory_bytes(), t.segments() * KeyTable::kSlots * (sizeof(Handle) + 1));
  ClearTable(t, es);
}

}  // namespace
}  // namespace tessera
