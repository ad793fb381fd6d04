// One logical database (SELECT n) of one shard: the key table plus the list of keys with a TTL.
// This is the shard-local storage API command handlers use; it does no I/O and takes no locks.
//
// Expiry is lazy (Find removes an expired key it meets) plus active (ActiveExpire samples keys
// with a TTL, Redis's algorithm). `now_ms` is passed in so a whole command sees one clock.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "core/key_table.h"

namespace tessera {

class Db {
 public:
  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  size_t size() const { return table_.size(); }
  // The key count as last published by the owning thread; other threads may read it without
  // parking the shard (e.g. SCAN skipping shards that are empty).
  size_t published_size() const { return published_size_.load(std::memory_order_relaxed); }
  size_t expires_count() const { return volatile_.size(); }

  // The live entry for `key`, or nullptr (an expired entry is deleted on the way).
  Entry* Find(std::string_view key, int64_t now_ms);
  // Inserts a new key (which must be absent) and returns its entry; `now_ms` stamps its
  // access clock (creation counts as an access, as in Redis).
  Entry* Add(std::string_view key, Value v, int64_t now_ms);
  // Sets `key` to `v`, clearing its TTL unless keep_ttl. Returns the entry.
  Entry* Set(std::string_view key, Value v, int64_t now_ms, bool keep_ttl = false);
  bool Delete(std::string_view key);
  // Removes `key` and hands its entry to the caller (TTL bookkeeping already undone).
  Entry* Take(std::string_view key);
  // Links an entry taken from another Db; its expire_ms is kept.
  void Put(Entry* e);

  void SetExpire(Entry* e, int64_t when_ms);
  void ClearExpire(Entry* e);

  void Clear();

  // Cursor scan over live keys; expired keys met are removed (counted in expired()).
  uint64_t Scan(uint64_t cursor, int64_t now_ms, const std::function<void(Entry*)>& fn);
  void ForEach(int64_t now_ms, const std::function<void(Entry*)>& fn);
  // A random live key, or nullptr.
  Entry* RandomLive(int64_t now_ms, uint64_t (*rnd)());

  // One round of active expiry: samples up to `samples` keys with a TTL, removes the expired
  // ones; returns how many it removed.
  int ExpireSample(int64_t now_ms, int samples, uint64_t (*rnd)());

  // Average remaining TTL (ms) over the keys sampled by active expiry, as INFO keyspace shows.
  int64_t avg_ttl() const { return avg_ttl_; }
  uint64_t expired() const { return expired_; }
  void RehashStep(int n) {
    if (table_.rehashing()) table_.RehashStep(n);
  }

 private:
  void AddVolatile(Entry* e);
  void RemoveVolatile(Entry* e);
  void Expire(Entry* e);
  void Publish() { published_size_.store(table_.size(), std::memory_order_relaxed); }

  KeyTable table_;
  std::vector<Entry*> volatile_;
  int64_t avg_ttl_ = 0;
  uint64_t expired_ = 0;
  std::atomic<size_t> published_size_{0};
};

}  // namespace tessera
