// Redis sets as a pure data structure (no protocol code): SetObject with Redis 7.0's two
// encodings, "intset" and "hashtable", and the operations the set commands are built from.
//
// Design.
//   intset     while every member is an integer (Redis's string2ll form) and the count is at
//              most set-max-intset-entries: one sorted array of integers in a single
//              allocation whose element width is 16, 32 or 64 bits, widened when a value needs
//              it (as Redis's intset.c). Iteration is ascending, as Redis's.
//   hashtable  otherwise: an open-addressing table (linear probing, power-of-two capacity,
//              load <= 3/4, backward-shift deletion so there are no tombstones) of 8-byte
//              slots. A slot holds a pointer to one allocation per member (varint length +
//              bytes) with 16 bits of the member's hash in the pointer's unused top bits
//              (user-space pointers fit in 48 bits on x86-64 and AArch64; checked on every
//              allocation), so most mismatches are rejected without touching the member.
//              A member's home slot is the TOP bits of its hash. Growing or shrinking the
//              table therefore keeps the home buckets in hash order, and a scan cursor is a
//              position in hash space (48-bit prefix): a scan walks home buckets in increasing
//              hash order and survives any resize between calls (the same guarantee as Redis's
//              reverse-binary dictScan, which needs the reversal only because its buckets are
//              the LOW hash bits). Every member present for a whole scan is returned at least
//              once; some may be returned twice after a shrink.
// Conversion intset -> hashtable happens when a non-integer is added or the count passes the
// limit, and never goes back (as Redis).
//
// Memory: MemoryUsage() is O(1): the object, the array or slot table and every member
// allocation, each rounded up to the allocator's size class.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/value.h"

namespace tessera {

// One member as the set stores it: an integer (intset) or bytes (hashtable). `str` points into
// the set and is valid until the set is next modified.
struct SetMember {
  bool is_int = false;
  int64_t num = 0;
  std::string_view str;

  static SetMember Int(int64_t v) { return SetMember{true, v, {}}; }
  static SetMember Str(std::string_view s) { return SetMember{false, 0, s}; }
  // Appends the member's string form (decimal for integers).
  void AppendTo(std::string* out) const;
  std::string ToString() const;
};

// A non-owning reference to a callable taking a const SetMember& (cheaper than std::function).
class MemberSink {
 public:
  // Binds to any callable, temporaries included (they outlive the call they are passed to).
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, MemberSink>>>
  MemberSink(F&& f)  // NOLINT: implicit by design
      : obj_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, const SetMember& m) {
          (*static_cast<std::remove_reference_t<F>*>(o))(m);
        }) {}
  void operator()(const SetMember& m) const { call_(obj_, m); }

 private:
  void* obj_;
  void (*call_)(void*, const SetMember&);
};

// Random source in the plain-function form Db's sampling uses (ShardRandom in the server).
using SetRng = uint64_t (*)();

// Sorted array of distinct int64 values stored 2, 4 or 8 bytes wide. All-zero is the empty set;
// the owner calls Free().
struct IntSet {
  char* data = nullptr;
  uint32_t len = 0;
  uint32_t cap = 0;  // bytes allocated
  uint8_t width = 2;

  void Free();
  int64_t Get(size_t i) const;
  // Binary search: true when present; *pos is its index or the insertion point.
  bool Find(int64_t v, size_t* pos) const;
  bool Insert(int64_t v);
  bool Erase(int64_t v);
  void EraseAt(size_t i);
  // Keeps the first n values (after an in-place compaction) and trims the buffer.
  void Truncate(size_t n);
  void Set(size_t i, int64_t v);
  size_t alloc_bytes() const;

 private:
  void Reserve(size_t bytes);
  void Upgrade(uint8_t new_width);
};

// The "hashtable" encoding (see the file comment). All-zero is the empty table with no slots;
// the owner calls Free().
struct StrTable {
  uintptr_t* slots = nullptr;
  uint32_t size = 0;
  uint8_t bits = 0;       // capacity is 1 << bits when slots != nullptr
  size_t elem_bytes = 0;  // allocation bytes of all members

  size_t capacity() const { return slots ? size_t{1} << bits : 0; }
  void Free();
  // Sizes an empty table for n members.
  void Reserve(size_t n);
  bool Contains(std::string_view s) const;
  bool Insert(std::string_view s);
  bool Erase(std::string_view s);
  void EraseAt(size_t i);
  // The member in slot i (which must be occupied).
  std::string_view At(size_t i) const;
  bool Occupied(size_t i) const { return slots[i] != 0; }
  size_t RandomSlot(SetRng rnd) const;
  // Emits the members whose home bucket contains hash position `cursor` (taken modulo 2^48)
  // and returns the position of the next bucket, 0 after the last one.
  uint64_t ScanStep(uint64_t cursor, MemberSink emit) const;
  // Removes `count` (< size) members chosen uniformly in one pass over the table, passing each
  // to `emit` before it is freed, and rebuilds the table for the rest.
  void PopSelected(size_t count, SetRng rnd, MemberSink emit);
  void CopyFrom(const StrTable& o);
  size_t alloc_bytes() const;
  // Recomputed from scratch (tests compare it with the O(1) counters).
  size_t SlowAllocBytes() const;

 private:
  size_t Find(std::string_view s, uint64_t h) const;  // slot index or SIZE_MAX
  void InsertNew(uintptr_t slot_value, uint64_t h);   // known absent, room checked
  void Resize(uint8_t new_bits);
  void MaybeShrink();
  uint64_t HomeOf(uintptr_t slot_value) const;
};

class SetObject final : public Object {
 public:
  // A new set starts as an empty intset (Redis's setTypeCreate for an integer); the first
  // Add of a non-integer converts it.
  SetObject() : is_() {}
  ~SetObject() override;
  SetObject(const SetObject&) = delete;
  SetObject& operator=(const SetObject&) = delete;

  ValueType type() const override { return ValueType::kSet; }
  const char* encoding() const override { return intset_ ? "intset" : "hashtable"; }
  std::unique_ptr<Object> Clone() const override;
  size_t MemoryUsage() const override;
  // MemoryUsage recomputed by walking every member (for tests); for an intset, the bytes its
  // members need (its array is trimmed once it is more than twice that).
  size_t SlowMemoryUsage() const;

  bool is_intset() const { return intset_; }
  size_t size() const { return intset_ ? is_.len : ht_.size; }
  bool empty() const { return size() == 0; }

  // Adds a member; false when it was present. `max_intset` is set-max-intset-entries: the set
  // converts to a hashtable when the count passes it or a non-integer arrives.
  bool Add(std::string_view m, size_t max_intset);
  bool AddInt(int64_t v, size_t max_intset);
  bool Add(const SetMember& m, size_t max_intset) {
    return m.is_int ? AddInt(m.num, max_intset) : Add(m.str, max_intset);
  }
  bool Remove(std::string_view m);
  bool RemoveInt(int64_t v);
  bool Remove(const SetMember& m) { return m.is_int ? RemoveInt(m.num) : Remove(m.str); }
  bool Contains(std::string_view m) const;
  // Whether the member whose string form is v's decimal form is present.
  bool ContainsInt(int64_t v) const;
  bool Contains(const SetMember& m) const {
    return m.is_int ? ContainsInt(m.num) : Contains(m.str);
  }

  // Calls f(const SetMember&) for every member: ascending for an intset, slot order else.
  template <typename F>
  void ForEach(F&& f) const {
    if (intset_) {
      for (size_t i = 0; i < is_.len; ++i) f(SetMember::Int(is_.Get(i)));
    } else {
      for (size_t i = 0, n = ht_.capacity(); i < n; ++i)
        if (ht_.Occupied(i)) f(SetMember::Str(ht_.At(i)));
    }
  }

  // Like ForEach, stopping early when f returns false.
  template <typename F>
  void ForEachWhile(F&& f) const {
    if (intset_) {
      for (size_t i = 0; i < is_.len; ++i)
        if (!f(SetMember::Int(is_.Get(i)))) return;
    } else {
      for (size_t i = 0, n = ht_.capacity(); i < n; ++i)
        if (ht_.Occupied(i) && !f(SetMember::Str(ht_.At(i)))) return;
    }
  }

  // A uniformly random member; the set must not be empty.
  SetMember Random(SetRng rnd) const;
  // Removes `count` distinct random members (count < size()), passing each to `emit` before it
  // is freed.
  void PopRandom(size_t count, SetRng rnd, MemberSink emit);
  // Passes `count` distinct random members (count < size()) to `emit`.
  void SampleDistinct(size_t count, SetRng rnd, MemberSink emit) const;
  // One SSCAN step: emits the members of one cursor position and returns the next cursor, 0
  // when the iteration is complete. An intset emits everything and returns 0.
  uint64_t ScanStep(uint64_t cursor, MemberSink emit) const;

  // Redis's setTypeConvert(OBJ_ENCODING_HT): the table is presized for the current count.
  void ConvertToHashtable();

 private:
  bool intset_ = true;
  union {
    IntSet is_;
    StrTable ht_;
  };
};

}  // namespace tessera
