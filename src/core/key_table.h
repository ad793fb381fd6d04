// A shard's hash index from key to entry, built for few bytes per key and no resize spike.
//
// Extendible hashing: a directory of 2^depth pointers to segments, chosen by the low bits of
// the key's hash. A segment is 60 slots of 4-byte entry handles (see core/slab.h) with a
// one-byte hash tag per slot, probed linearly (wrapping inside the segment); probing reads one
// cache line of tags and touches an entry only when its tag matches. A segment that reaches
// kMaxFill keys splits in two on the next hash bit (doubling the directory, an array of
// pointers, when needed), so growth moves at most one segment's keys per insert. About 5 bytes
// per slot, 5.5-11 bytes per key.
//
// Scan uses Redis's reverse-binary cursor over the directory bits and returns a whole segment
// per step, so every key present for the whole scan is returned at least once even while
// segments split between calls (docs/memory.md).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "core/entry.h"
#include "core/slab.h"

namespace tessera {

class KeyTable {
 public:
  using Handle = SlabAllocator::Handle;
  static constexpr Handle kNone = 0;  // offset 0 of a page is its header, never a block
  // 60 slots: tags fill one cache line and a segment fits the allocator's 320-byte class.
  static constexpr int kSlots = 60;
  static constexpr int kMaxFill = 52;

  explicit KeyTable(const SlabAllocator* slab);
  ~KeyTable();
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;

  size_t size() const { return size_; }
  size_t segments() const { return segments_; }
  size_t directory_size() const { return dir_.size(); }
  // Bytes held by the directory and the segments.
  size_t memory_bytes() const;

  Entry* Find(std::string_view key) const;
  // Starts loading the cache lines a Find or Insert of `key` will read (bulk loading works
  // on many keys at once so their memory latencies overlap).
  void Prefetch(std::string_view key) const {
    uint64_t h = Hash(key);
    const Segment* s = SegmentFor(h);
    __builtin_prefetch(s->tags);
    __builtin_prefetch(&s->slots[Home(h)]);
  }
  Handle FindHandle(std::string_view key) const;
  // Adds `h` (whose key must not be present).
  void Insert(Handle h);
  // An empty table sized for about `n` keys at once (loading a snapshot): no splits while
  // they are inserted. No-op on a table that holds keys.
  void Reserve(size_t n);
  // Points `key`'s slot at `h` (after the entry moved); the key must be present.
  void Replace(std::string_view key, Handle h);
  // Removes `key` and returns its handle, or kNone.
  Handle Unlink(std::string_view key);
  // Calls `release` on every handle, then empties the table.
  void Clear(const std::function<void(Handle)>& release);

  // Visits the segment addressed by `cursor`, calling fn with a reference to each slot (fn may
  // overwrite it with another handle for the same key, as compaction does). Returns the next
  // cursor, 0 when done.
  uint64_t Scan(uint64_t cursor, const std::function<void(Handle&)>& fn);
  // A random handle (kNone when empty).
  Handle Random(uint64_t (*rnd)()) const;
  void ForEach(const std::function<void(Handle)>& fn) const;

 private:
  struct alignas(64) Segment {
    uint8_t tags[kSlots] = {};
    uint8_t depth = 0;
    uint8_t count = 0;
    Handle slots[kSlots] = {};
  };
  static uint64_t Hash(std::string_view k);
  static int Home(uint64_t h) { return static_cast<int>(((h >> 32) & 0xffffff) * kSlots >> 24); }
  static uint8_t Tag(uint64_t h) { return static_cast<uint8_t>(h >> 56); }
  Segment* SegmentFor(uint64_t h) const { return dir_[h & (dir_.size() - 1)]; }
  int FindSlot(const Segment* s, uint64_t h, std::string_view key) const;
  void Place(Segment* s, uint64_t h, Handle handle);
  void EraseAt(Segment* s, int i);
  void Split(Segment* s, uint64_t h);
  std::string_view KeyOf(Handle h) const { return static_cast<const Entry*>(slab_->Ptr(h))->key(); }

  const SlabAllocator* slab_;
  std::vector<Segment*> dir_;
  uint32_t global_depth_ = 0;
  size_t size_ = 0;
  size_t segments_ = 0;
};

}  // namespace tessera
