// A chained hash table of Entry with incremental rehashing (two bucket arrays while growing or
// shrinking, a few buckets moved per operation, so growth causes no latency spike) and Redis's
// reverse-binary cursor scan, which visits every key present for the whole scan at least once
// even while the table resizes between calls.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "core/entry.h"

namespace tessera {

class KeyTable {
 public:
  KeyTable() = default;
  ~KeyTable();
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;

  size_t size() const { return size_; }
  size_t bucket_count() const { return ht_[0].size + ht_[1].size; }
  bool rehashing() const { return rehash_idx_ >= 0; }

  Entry* Find(std::string_view key);
  // Links `e` in; its key must not be present.
  void Insert(Entry* e);
  // Unlinks the entry with `key` and returns it (the caller destroys it), or nullptr.
  Entry* Unlink(std::string_view key);
  // Removes and destroys every entry.
  void Clear();

  // Visits the buckets addressed by `cursor` and returns the next cursor (0 when done).
  uint64_t Scan(uint64_t cursor, const std::function<void(Entry*)>& fn) const;

  // A random entry (nullptr when empty): a random non-empty bucket, then a random chain element.
  Entry* Random(uint64_t (*rnd)());

  void ForEach(const std::function<void(Entry*)>& fn) const;

  // Moves up to `n` buckets of an ongoing rehash.
  void RehashStep(int n);

 private:
  struct Buckets {
    std::unique_ptr<Entry*[]> slots;
    uint64_t size = 0;  // power of two, or 0
    uint64_t used = 0;
    uint64_t mask() const { return size - 1; }
  };
  static uint64_t Hash(std::string_view k);
  void MaybeResize();
  void StartRehash(uint64_t new_size);

  Buckets ht_[2];
  int64_t rehash_idx_ = -1;
  size_t size_ = 0;
};

}  // namespace tessera
