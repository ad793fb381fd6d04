// Everything a shard's databases share: the entry allocator, the memory count that maxmemory
// is checked against, the access metadata rules of the eviction policy, eviction itself and
// compaction. One per shard thread; no locks (see Db for the threading rule).
//
// Eviction follows Redis's approximated algorithms: each round samples `samples` keys per
// database into a pool of the 16 best candidates seen so far (idlest for LRU, least used for
// LFU, oldest for FIFO, nearest expiry for volatile-ttl), then evicts the best one that still
// exists. Random policies pick a random key, visiting the databases in turn.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/db.h"
#include "core/encoding.h"
#include "core/evict.h"
#include "core/slab.h"

namespace tessera {

// What persistence (server/persistence.h) sees of a shard's keys.
class KeyspaceObserver {
 public:
  virtual ~KeyspaceObserver() = default;
  // A snapshot is being written and `e` is not in it yet: write it now, before it changes or
  // goes away.
  virtual void Capture(int db, const Entry& e) = 0;
  // `key` was evicted (the log records the deletion).
  virtual void Evicted(int db, std::string_view key) = 0;
};

class Keyspace {
 public:
  explicit Keyspace(int num_dbs);
  ~Keyspace();

  Db& db(int i) { return *dbs_[i]; }
  const Db& db(int i) const { return *dbs_[i]; }
  int num_dbs() const { return static_cast<int>(dbs_.size()); }
  void SwapDbs(int a, int b);

  SlabAllocator& slab() { return slab_; }
  const SlabAllocator& slab() const { return slab_; }
  // Bytes held for keys and values: entry blocks, out-of-block values and the indexes.
  size_t used_bytes() const;
  size_t heap_bytes() const { return heap_bytes_; }
  // Bytes of the key tables and TTL lists.
  size_t index_bytes() const;
  void AddHeap(size_t bytes) { heap_bytes_ += bytes; }
  void SubHeap(size_t bytes) { heap_bytes_ -= bytes; }

  EncodingLimits& limits() { return limits_; }
  const EncodingLimits& limits() const { return limits_; }
  EvictionConfig& eviction() { return eviction_; }
  const EvictionConfig& eviction() const { return eviction_; }
  // This shard's share of maxmemory for its keys (0 = no limit).
  void set_limit(size_t bytes) { limit_ = bytes; }
  size_t limit() const { return limit_; }
  bool over_limit() const { return limit_ != 0 && used_bytes() > limit_; }

  // Evicts keys by the policy until the shard is within its limit. False when it is still over
  // (noeviction, or nothing left that the policy may evict): the caller refuses the write.
  bool MakeRoom(int64_t now_ms);
  uint64_t evicted() const { return evicted_; }
  // CONFIG RESETSTAT: evicted and expired counts start over.
  void ResetStats();

  // Access metadata: the clock a new key starts with, and an access.
  uint32_t NewClock(int64_t now_ms);
  void Touch(Entry* e, int64_t now_ms);

  // Compaction: when the allocator's free space inside its pages passes `threshold` (a
  // fraction of the live bytes) and `min_waste` bytes, evacuate the sparse pages over the
  // following calls, `steps` segments per call. Returns true while work is in progress.
  bool CompactStep(double threshold, size_t min_waste, int steps);
  uint64_t compactions() const { return compactions_; }
  // Entries moved by compaction (INFO's active_defrag_hits).
  uint64_t moved_entries() const { return moved_entries_; }

  // Called when a key holding a list, sorted set or stream is created, as Redis's dbAdd
  // signals clients blocked on it, and when a key loses its stream (deleted, taken,
  // overwritten), as Redis's signalDeletedKeyAsReady.
  using AddedFn = void (*)(void* arg, int db, std::string_view key);
  void set_on_collection_added(AddedFn fn, void* arg) {
    on_added_ = fn;
    on_added_arg_ = arg;
  }
  void CollectionAdded(int db, std::string_view key) {
    if (on_added_) on_added_(on_added_arg_, db, key);
  }

  // Called when a key is created, expires (lazily or actively) or is evicted: the server
  // turns these into keyspace notifications; and, while `watching` is on (the server has
  // WATCHed keys here), before any change to a key's value, TTL or existence (kModified; not
  // expiry: a watched key that expires is gone, which EXEC checks). `key` is valid only during
  // the call.
  enum class KeyEvent : uint8_t { kNew, kExpired, kEvicted, kModified };
  using KeyEventFn = void (*)(void* arg, KeyEvent ev, int db, std::string_view key);
  void set_on_key_event(KeyEventFn fn, void* arg) {
    on_key_event_ = fn;
    on_key_event_arg_ = arg;
  }
  void OnKeyEvent(KeyEvent ev, int db, std::string_view key) {
    if (on_key_event_) on_key_event_(on_key_event_arg_, ev, db, key);
  }
  void set_watching(bool on) { watching_ = on; }
  const bool& watching() const { return watching_; }

  // Fork-less snapshots. StartSnapshot flips the parity: every entry that exists now is
  // "pending" (its mark differs), entries created from now on are not. Db hands a pending
  // entry to the observer's Capture before anything reads it for a change or removes it, and
  // SnapshotStep captures the rest in slices; so the snapshot holds exactly the data as of
  // StartSnapshot, each key once. EndSnapshot(false) abandons one: marks are made uniform.
  void set_observer(KeyspaceObserver* o) { observer_ = o; }
  KeyspaceObserver* observer() const { return observer_; }
  void StartSnapshot();
  void EndSnapshot(bool complete);
  const SnapshotState& snapshot() const { return snapshot_; }
  // Captures the pending entries of up to `steps` table segments of database `*db` from
  // `*cursor`, moving on to the next database at the end of one. True once every database
  // has been walked.
  bool SnapshotStep(int* db, uint64_t* cursor, int steps);

  uint64_t Random();
  double RandomUnit() { return static_cast<double>(Random() >> 11) * 0x1.0p-53; }

 private:
  struct Candidate {
    uint64_t score = 0;  // higher = evict first
    int db = 0;
    std::string key;
  };
  uint64_t Score(const Entry* e, int64_t now_ms) const;
  void FillPool(int64_t now_ms);
  bool EvictOne(int64_t now_ms);
  void Evict(Db& db, const std::string& key);

  std::vector<std::unique_ptr<Db>> dbs_;
  SlabAllocator slab_;
  size_t heap_bytes_ = 0;
  EncodingLimits limits_;
  EvictionConfig eviction_;
  size_t limit_ = 0;
  std::vector<Candidate> pool_;  // ascending score, at most kPoolSize
  int next_db_ = 0;
  uint32_t fifo_seq_ = 0;
  uint64_t evicted_ = 0;
  uint64_t rng_;
  AddedFn on_added_ = nullptr;
  bool watching_ = false;
  KeyspaceObserver* observer_ = nullptr;
  SnapshotState snapshot_;
  void* on_added_arg_ = nullptr;
  KeyEventFn on_key_event_ = nullptr;
  void* on_key_event_arg_ = nullptr;
  // Compaction progress: the database and table cursor being walked.
  int compact_db_ = -1;
  uint64_t compact_cursor_ = 0;
  uint64_t compactions_ = 0;
  uint64_t moved_entries_ = 0;
};

}  // namespace tessera
