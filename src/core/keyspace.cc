// Keyspace: memory accounting, access metadata, eviction and compaction for one shard.
#include "core/keyspace.h"

#include <algorithm>
#include <chrono>

namespace tessera {
namespace {

constexpr size_t kPoolSize = 16;

// The keyspace being sampled, for Db's plain-function random source.
thread_local Keyspace* sampling = nullptr;
uint64_t SampleRandom() { return sampling->Random(); }

}  // namespace

Keyspace::Keyspace(int num_dbs)
    : rng_(static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) | 1) {
  for (int i = 0; i < num_dbs; ++i) dbs_.push_back(std::make_unique<Db>(this, i));
}

Keyspace::~Keyspace() { dbs_.clear(); }

uint64_t Keyspace::Random() {
  // xorshift64*
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  return rng_ * 0x2545F4914F6CDD1Dull;
}

void Keyspace::SwapDbs(int a, int b) {
  // A snapshot in progress keeps each database under its number as of its start.
  dbs_[a]->CaptureAll();
  dbs_[b]->CaptureAll();
  std::swap(dbs_[a], dbs_[b]);
  dbs_[a]->set_index(a);
  dbs_[b]->set_index(b);
  pool_.clear();
}

void Keyspace::StartSnapshot() {
  snapshot_.parity = !snapshot_.parity;
  snapshot_.active = true;
}

void Keyspace::EndSnapshot(bool complete) {
  if (!complete) {
    // Entries not captured still carry the old mark: align them, or the next snapshot would
    // take them for captured ones.
    for (auto& d : dbs_) d->MarkAll(snapshot_.parity);
  }
  snapshot_.active = false;
}

bool Keyspace::SnapshotStep(int* db, uint64_t* cursor, int steps) {
  while (*db < num_dbs() && steps-- > 0) {
    *cursor = dbs_[*db]->SnapshotStep(*cursor);
    if (*cursor == 0) ++*db;
  }
  return *db >= num_dbs();
}

size_t Keyspace::index_bytes() const {
  size_t n = 0;
  for (const auto& d : dbs_) n += d->index_bytes();
  return n;
}

size_t Keyspace::used_bytes() const { return slab_.used_bytes() + heap_bytes_ + index_bytes(); }

void Keyspace::ResetStats() {
  evicted_ = 0;
  for (auto& d : dbs_) d->ResetStats();
}

uint32_t Keyspace::NewClock(int64_t now_ms) {
  if (eviction_.lfu()) return LfuNew(now_ms);
  if (eviction_.fifo()) return fifo_seq_++;
  return LruClock(now_ms);
}

void Keyspace::Touch(Entry* e, int64_t now_ms) {
  if (eviction_.lfu())
    e->set_clock(LfuTouch(e->clock(), now_ms, eviction_, RandomUnit()));
  else if (!eviction_.fifo())
    e->set_clock(LruClock(now_ms));
}

uint64_t Keyspace::Score(const Entry* e, int64_t now_ms) const {
  switch (eviction_.policy) {
    case EvictionPolicy::kAllKeysLfu:
    case EvictionPolicy::kVolatileLfu:
      return 255 - LfuDecayed(e->clock(), now_ms, eviction_.lfu_decay_time);
    case EvictionPolicy::kAllKeysFifo:
    case EvictionPolicy::kVolatileFifo:
      return static_cast<uint32_t>(fifo_seq_ - e->clock());  // age in inserts
    case EvictionPolicy::kVolatileTtl:
      return UINT64_MAX - static_cast<uint64_t>(e->expire_ms());
    default:
      return static_cast<uint64_t>(LruIdleMs(e->clock(), now_ms));
  }
}

void Keyspace::FillPool(int64_t now_ms) {
  sampling = this;
  bool vol = eviction_.volatile_only();
  for (int d = 0; d < num_dbs(); ++d) {
    Db& db = *dbs_[d];
    if ((vol ? db.expires_count() : db.size()) == 0) continue;
    for (int i = 0; i < eviction_.samples; ++i) {
      Entry* e = vol ? db.RandomVolatile(SampleRandom) : db.RandomEntry(SampleRandom);
      if (!e) break;
      uint64_t score = Score(e, now_ms);
      std::string_view key = e->key();
      // Keep the pool sorted by score, without duplicates, at most kPoolSize long.
      auto same = std::find_if(pool_.begin(), pool_.end(),
                               [&](const Candidate& c) { return c.db == d && c.key == key; });
      if (same != pool_.end()) continue;
      if (pool_.size() == kPoolSize && score <= pool_.front().score) continue;
      auto at = std::lower_bound(pool_.begin(), pool_.end(), score,
                                 [](const Candidate& c, uint64_t s) { return c.score < s; });
      pool_.insert(at, Candidate{score, d, std::string(key)});
      if (pool_.size() > kPoolSize) pool_.erase(pool_.begin());
    }
  }
}

bool Keyspace::EvictOne(int64_t now_ms) {
  if (eviction_.random()) {
    sampling = this;
    for (int k = 0; k < num_dbs(); ++k) {
      Db& db = *dbs_[next_db_];
      next_db_ = (next_db_ + 1) % num_dbs();
      Entry* e = eviction_.volatile_only() ? db.RandomVolatile(SampleRandom)
                                           : db.RandomEntry(SampleRandom);
      if (!e) continue;
      Evict(db, std::string(e->key()));
      return true;
    }
    return false;
  }
  // The pool may hold keys deleted or changed since they were sampled: skip those.
  for (int round = 0; round < 16; ++round) {
    FillPool(now_ms);
    while (!pool_.empty()) {
      Candidate c = std::move(pool_.back());
      pool_.pop_back();
      Db& db = *dbs_[c.db];
      Entry* e = db.Find(c.key, now_ms);
      if (!e || (eviction_.volatile_only() && !e->has_expire())) continue;
      Evict(db, c.key);
      return true;
    }
  }
  return false;
}

void Keyspace::Evict(Db& db, const std::string& key) {
  db.Delete(key);
  ++evicted_;
  if (observer_) observer_->Evicted(db.index(), key);
  OnKeyEvent(KeyEvent::kEvicted, db.index(), key);
}

bool Keyspace::MakeRoom(int64_t now_ms) {
  if (!over_limit()) return true;
  if (eviction_.policy == EvictionPolicy::kNoEviction) return false;
  // Bounded per call, like Redis's eviction time limit: a write gets a chance to proceed.
  for (int n = 0; n < 100000 && over_limit(); ++n)
    if (!EvictOne(now_ms)) return false;
  return !over_limit();
}

bool Keyspace::CompactStep(double threshold, size_t min_waste, int steps) {
  if (compact_db_ < 0) {
    size_t used = slab_.used_bytes(), pages = slab_.page_bytes();
    size_t waste = pages - used;
    if (waste < min_waste || waste < threshold * static_cast<double>(used)) return false;
    // Evacuate pages at most half full: their blocks fit in the free space of the others.
    if (slab_.PlanCompaction(0.5) == 0) return false;
    compact_db_ = 0;
    compact_cursor_ = 0;
    ++compactions_;
  }
  size_t moved = 0;
  compact_cursor_ = dbs_[compact_db_]->CompactStep(compact_cursor_, steps, &moved);
  moved_entries_ += moved;
  if (compact_cursor_ == 0 && ++compact_db_ == num_dbs()) {
    slab_.EndCompaction();
    compact_db_ = -1;
  }
  return true;
}

}  // namespace tessera
