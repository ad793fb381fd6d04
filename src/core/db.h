// One logical database (SELECT n) of one shard: the key table plus the list of keys with a TTL.
// This is the shard-local storage API command handlers use; it does no I/O and takes no locks.
// Entries live in the shard's Keyspace (allocator, memory accounting, eviction metadata).
//
// Expiry is lazy (Find removes an expired key it meets) plus active (ExpireSample samples keys
// with a TTL, Redis's algorithm). `now_ms` is passed in so a whole command sees one clock.
//
// Pointer validity: an Entry* is valid until the next call that adds, removes or reshapes an
// entry of this Db. Calls that reshape an entry (SetValue, SetExpire, ClearExpire, EditString)
// return the entry's new address; use that one.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "core/key_table.h"

namespace tessera {

class Keyspace;
struct EncodingLimits;

// Whether a snapshot is being written and the mark of the entries already in it (owned by the
// Keyspace; see Keyspace::StartSnapshot).
struct SnapshotState {
  bool active = false;
  bool parity = false;
};

class Db {
 public:
  // `index`: this database's number (SELECT n).
  Db(Keyspace* ks, int index);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  size_t size() const { return table_.size(); }
  int index() const { return index_; }
  void set_index(int i) { index_ = i; }
  // The key count as last published by the owning thread; other threads may read it without
  // parking the shard (e.g. SCAN skipping shards that are empty).
  size_t published_size() const { return published_size_.load(std::memory_order_relaxed); }
  size_t expires_count() const { return volatile_.size(); }
  // Bytes of the index: table segments, directory and the TTL list.
  size_t index_bytes() const {
    return table_.memory_bytes() + volatile_.capacity() * sizeof(KeyTable::Handle);
  }

  // The live entry for `key`, or nullptr (an expired entry is deleted on the way).
  Entry* Find(std::string_view key, int64_t now_ms);
  // Inserts a new key (which must be absent) and returns its entry; its access metadata starts
  // as a new key's (creation counts as an access, as in Redis).
  Entry* Add(std::string_view key, Value v, int64_t now_ms);
  // Sets `key` to `v`, clearing its TTL unless keep_ttl. Returns the entry.
  Entry* Set(std::string_view key, Value v, int64_t now_ms, bool keep_ttl = false);
  // Replaces e's value, keeping its TTL and access metadata.
  Entry* SetValue(Entry* e, Value v);
  bool Delete(std::string_view key);

  // A key's contents detached from the table, to re-insert elsewhere (RENAME, MOVE).
  struct Detached {
    Value value;
    int64_t expire_ms = Entry::kNoExpire;
    uint32_t clock = 0;
    bool mc = false;  // a memcached item: keeps its client flags (and gets a new CAS)
    uint32_t mc_flags = 0;
  };
  // Removes `key` and returns its contents, or nullopt.
  std::optional<Detached> Take(std::string_view key);
  // Inserts `key` (which must be absent) with detached contents, TTL and clock included.
  Entry* Put(std::string_view key, Detached d);

  Entry* SetExpire(Entry* e, int64_t when_ms);
  Entry* ClearExpire(Entry* e);

  // Tells WATCH (Keyspace::KeyEvent::kModified) that `key` changes. The methods above that replace,
  // add or remove a key, or change its TTL, call it; an in-place change (Mutate, EditString),
  // which may change nothing, is reported by its caller.
  void Modified(std::string_view key) {
    if (*watching_) ModifiedSlow(key);
  }

  // Memcached items (docs/memcached.md): a string with client flags and a CAS unique that
  // changes on every write of the value, from whichever protocol. Sets `key` to a new item
  // (`expire_ms` absolute or Entry::kNoExpire) with a fresh CAS.
  Entry* SetItem(std::string_view key, Value v, int64_t now_ms, int64_t expire_ms,
                 uint32_t client_flags);
  // Gives a key written over RESP its memcached metadata (flags 0, a fresh CAS) the first
  // time memcached needs its CAS; returns the entry.
  Entry* EnsureCas(Entry* e);
  // A CAS unique no other write of any shard has had.
  static uint64_t NextCas();

  // Runs `edit` on the string value of `e` as a growable buffer (converting an int or inline
  // value first, which makes its encoding "raw") and accounts for the size change.
  Entry* EditString(Entry* e, const std::function<void(std::string&)>& edit);

  // Runs `fn` on e's object (the value must be an Object) and accounts for the change in the
  // memory it holds. Objects report MemoryUsage() in O(1). `fn` may change nothing (SADD of a
  // member already there): the caller reports a change with Modified.
  template <typename F>
  decltype(auto) Mutate(Entry* e, F&& fn) {
    struct Account {
      Db* db;
      Entry* e;
      size_t before;
      ~Account() { db->AccountHeap(before, e->HeapBytes()); }
    } account{this, (Capture(e), e), e->HeapBytes()};
    return fn(*e->object());
  }
  // The encoding thresholds of this Db's keyspace.
  const EncodingLimits& limits() const;

  void Clear();
  // Sizes an empty database's table for `n` keys (loading).
  void Reserve(size_t n) { table_.Reserve(n); }
  void Prefetch(std::string_view key) const { table_.Prefetch(key); }

  // Cursor scan over live keys; expired keys met are removed (counted in expired()).
  uint64_t Scan(uint64_t cursor, int64_t now_ms, const std::function<void(Entry*)>& fn);
  void ForEach(int64_t now_ms, const std::function<void(Entry*)>& fn);
  // A random live key, or nullptr.
  Entry* RandomLive(int64_t now_ms, uint64_t (*rnd)());
  // A random key (live or not) and a random key with a TTL, for eviction sampling.
  Entry* RandomEntry(uint64_t (*rnd)()) const;
  Entry* RandomVolatile(uint64_t (*rnd)()) const;

  // One round of active expiry: samples up to `samples` keys with a TTL, removes the expired
  // ones; returns how many it removed.
  int ExpireSample(int64_t now_ms, int samples, uint64_t (*rnd)());

  // Moves the entries of up to `steps` table segments off pages being evacuated (see
  // SlabAllocator::PlanCompaction), adding the number of entries moved to *moved; returns the
  // next cursor, 0 after a full pass.
  uint64_t CompactStep(uint64_t cursor, int steps, size_t* moved);

  // Snapshots (Keyspace::StartSnapshot): captures the pending entries of one table segment
  // from `cursor` and returns the next cursor (0 after the last); CaptureAll captures every
  // pending entry; MarkAll sets every entry's mark.
  uint64_t SnapshotStep(uint64_t cursor);
  void CaptureAll();
  void MarkAll(bool mark);
  // Hands `e` to the snapshot being written if it is not in it yet.
  void Capture(Entry* e) {
    if (snap_->active && e->snap_mark() != snap_->parity) CaptureSlow(e);
  }

  // Average remaining TTL (ms) over the keys sampled by active expiry, as INFO keyspace shows.
  int64_t avg_ttl() const { return avg_ttl_; }
  uint64_t expired() const { return expired_; }
  void ResetStats() { expired_ = 0; }

 private:
  Entry* Ptr(KeyTable::Handle h) const;
  // Allocates and encodes an entry; the caller links it.
  KeyTable::Handle Create(std::string_view key, Value&& v, bool with_ttl, bool with_mc = false);
  // Frees an unlinked entry's block and payload.
  void Destroy(KeyTable::Handle h);
  // Re-encodes `e` with `v` (or its own value when v is null), TTL room `with_ttl` and
  // memcached metadata `with_mc` (kept from e when both have it), relinking it; returns the
  // new entry.
  Entry* Reshape(Entry* e, Value* v, bool with_ttl, bool with_mc);
  Entry* Reshape(Entry* e, Value* v, bool with_ttl) { return Reshape(e, v, with_ttl, e->has_mc()); }
  // A value changed in place: a memcached item gets a new CAS.
  static void NewCas(Entry* e) {
    if (e->has_mc()) e->set_cas(NextCas());
  }
  void AddVolatile(Entry* e, KeyTable::Handle h);
  void RemoveVolatile(Entry* e);
  void Expire(Entry* e);
  void CaptureSlow(Entry* e);
  void ModifiedSlow(std::string_view key);
  void Publish() { published_size_.store(table_.size(), std::memory_order_relaxed); }
  void AccountHeap(size_t before, size_t after);

  // Tells the keyspace a key was created (a list/zset/stream: blocked clients may be waiting).
  void NoteAdded(std::string_view key, ValueType type);
  // A stream left `key` (deleted, taken, overwritten): the same hook, so readers blocked in
  // XREADGROUP learn it (Redis's signalDeletedKeyAsReady).
  void NoteRemoved(std::string_view key, ValueType type);

  Keyspace* ks_;
  const SnapshotState* snap_;
  const bool* watching_;
  int index_;
  KeyTable table_;
  std::vector<KeyTable::Handle> volatile_;
  int64_t avg_ttl_ = 0;
  uint64_t expired_ = 0;
  std::atomic<size_t> published_size_{0};
};

}  // namespace tessera
