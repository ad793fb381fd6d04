// Fork-less snapshots (Keyspace::StartSnapshot): every key that existed at the start is
// captured exactly once, with its value as of the start, however the keyspace changes while
// the walk is under way.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "core/keyspace.h"

namespace tessera {
namespace {

class Recorder : public KeyspaceObserver {
 public:
  void Capture(int db, const Entry& e) override {
    auto [it, fresh] = seen.emplace(std::make_pair(db, std::string(e.key())), e.ToString());
    if (!fresh) ++duplicates;
  }
  void Evicted(int, std::string_view) override {}
  std::map<std::pair<int, std::string>, std::string> seen;
  int duplicates = 0;
};

std::string Key(int i) { return "k" + std::to_string(i); }

TEST(Snapshot, PointInTimeUnderChanges) {
  std::mt19937 rng(7);
  for (int round = 0; round < 3; ++round) {
    Keyspace ks(2);
    Recorder rec;
    ks.set_observer(&rec);
    constexpr int kKeys = 20000;
    std::map<std::pair<int, std::string>, std::string> at_start;
    // A second snapshot over the same keyspace must work too (the marks flip back).
    for (int snap = 0; snap < 2; ++snap) {
      at_start.clear();
      rec.seen.clear();
      for (int i = 0; i < kKeys; ++i) {
        int db = i % 2;
        std::string v = "v" + std::to_string(snap) + "-" + std::to_string(rng());
        ks.db(db).Set(Key(i), Value::FromString(v), 0);
      }
      for (int d = 0; d < 2; ++d)
        ks.db(d).ForEach(0, [&](Entry* e) {
          at_start[{d, std::string(e->key())}] = e->ToString();
        });
      ks.StartSnapshot();
      int db = 0;
      uint64_t cursor = 0;
      bool done = false;
      int next_new = kKeys;
      while (!done) {
        done = ks.SnapshotStep(&db, &cursor, 1);
        // Between slices: overwrite, delete, re-create, add new keys (which grow the table
        // and split segments under the walk), swap databases now and then.
        for (int k = 0; k < 20; ++k) {
          int i = static_cast<int>(rng() % kKeys);
          Db& d = ks.db(i % 2);
          switch (rng() % 4) {
            case 0:
              d.Set(Key(i), Value::FromString("changed"), 0);
              break;
            case 1:
              d.Delete(Key(i));
              break;
            case 2:
              d.Add(Key(next_new), Value::FromString("new"), 0);
              ++next_new;
              break;
            case 3:
              if (Entry* e = d.Find(Key(i), 0)) d.SetExpire(e, 1'000'000);
              break;
          }
        }
        if (rng() % 500 == 0) ks.SwapDbs(0, 1);
      }
      ks.EndSnapshot(true);
      EXPECT_EQ(rec.duplicates, 0);
      EXPECT_EQ(rec.seen, at_start) << "round " << round << " snapshot " << snap;
    }
  }
}

TEST(Snapshot, AbandonedSnapshotLeavesMarksUniform) {
  Keyspace ks(1);
  Recorder rec;
  ks.set_observer(&rec);
  for (int i = 0; i < 5000; ++i) ks.db(0).Add(Key(i), Value::FromString("x"), 0);
  ks.StartSnapshot();
  int db = 0;
  uint64_t cursor = 0;
  ks.SnapshotStep(&db, &cursor, 3);  // part of the keys captured
  ks.EndSnapshot(false);
  rec.seen.clear();
  ks.StartSnapshot();
  db = 0;
  cursor = 0;
  while (!ks.SnapshotStep(&db, &cursor, 8)) {
  }
  ks.EndSnapshot(true);
  EXPECT_EQ(rec.seen.size(), 5000u);
}

}  // namespace
}  // namespace tessera
