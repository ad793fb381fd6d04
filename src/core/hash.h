// Redis hashes (field -> value maps) with Redis 7.0's two encodings: an insertion-ordered
// "listpack" buffer for small hashes and a "hashtable" for big ones. Storage only, no protocol.
//
// A HashObject is 16 bytes (vtable + one pointer, `rep_`) and points at one of two reps, told
// apart by their first 32-bit word (kTableMarker for the table, the pair count for a listpack):
//
// listpack: one malloc'd buffer, sized to the allocator's size class of its contents:
//     u32 count (pairs) | u32 payload bytes | field value field value ...
//   Each element starts with a header byte h:
//     0x00-0x7f  a string of h bytes follows
//     0x80-0xbf  a string of 128 + ((h & 0x3f) << 8 | next byte) bytes follows (up to 16511)
//     0xc0       a u32 length (little-endian), then that many bytes
//     0xc1-0xc8  an integer follows in (h - 0xc0) bytes, little-endian two's complement
//     0xd0-0xff  the integer h - 0xd0 (0..47), no further bytes
//   A string that is a canonical int64 (Redis's string2ll) is always stored as an integer, so a
//   string element never equals an integer element, and reading an integer prints it back
//   exactly. New fields are appended; updates keep a field's position (Redis's order).
//
// hashtable: one allocation holding the header and a power-of-two array of node pointers;
//   open addressing with linear probing, deletion by backward shift (no tombstones), load at
//   most 3/4 (doubling), shrinking when under 1/8. A node is one allocation holding
//     varint field length | field | varint value length | value
//   Scan() walks "home" slots in Redis's reverse-binary cursor order: a step returns every
//   element whose home slot is the cursor's, and since doubling or halving the array splits or
//   merges home slots exactly as Redis's dict buckets, every element present for a whole scan
//   is returned at least once.
//
// Encoding changes follow Redis: Set() converts a listpack to a table before storing a field
// or value longer than hash_max_listpack_value (or past 1 GiB of listpack), and after storing
// when the hash holds more than hash_max_listpack_entries fields. Tables never convert back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/encoding.h"
#include "core/value.h"

namespace tessera {

class HashObject final : public Object {
 public:
  // Room to print an integer-encoded element ("-9223372036854775808" is 20 bytes).
  struct NumBuf {
    char data[24];
  };
  // Names an element for the calls below: a listpack byte offset or a table slot. Valid until
  // the next mutation.
  using Pos = size_t;
  static constexpr Pos kEnd = SIZE_MAX;

  HashObject();
  ~HashObject() override;
  HashObject(const HashObject&) = delete;
  HashObject& operator=(const HashObject&) = delete;

  ValueType type() const override { return ValueType::kHash; }
  const char* encoding() const override { return is_listpack() ? "listpack" : "hashtable"; }
  std::unique_ptr<Object> Clone() const override;
  // This object, its listpack or table, and its nodes, each rounded to its allocation class.
  size_t MemoryUsage() const override;

  bool is_listpack() const;
  size_t size() const;

  // The value of `field`, or nullopt. The view is valid until the next mutation; for an
  // integer-encoded value it points into `buf`.
  std::optional<std::string_view> Get(std::string_view field, NumBuf* buf) const;
  bool Contains(std::string_view field) const;

  // Sets `field` to `value` (converting as the file comment says); true when the field is new.
  bool Set(std::string_view field, std::string_view value, const EncodingLimits& limits);
  // Removes `field`; false when it was absent.
  bool Delete(std::string_view field);
  // Converts a listpack to a table (no-op for a table).
  void ConvertToTable();

  // Iteration in storage order (insertion order for a listpack): Begin(), then Next(pos) until
  // kEnd. Read() gives an element's field and value (integer-encoded ones printed into fb/vb).
  Pos Begin() const;
  Pos Next(Pos pos) const;
  void Read(Pos pos, std::string_view* field, std::string_view* value, NumBuf* fb,
            NumBuf* vb) const;
  template <typename Fn>  // fn(std::string_view field, std::string_view value)
  void ForEach(Fn&& fn) const {
    NumBuf fb, vb;
    std::string_view f, v;
    for (Pos p = Begin(); p != kEnd; p = Next(p)) {
      Read(p, &f, &v, &fb, &vb);
      fn(f, v);
    }
  }

  // Appends `count` uniformly random elements, with repetition, to `out` (hash not empty).
  void Sample(size_t count, uint64_t (*rnd)(), std::vector<Pos>* out) const;
  // Appends `count` distinct uniformly chosen elements (count <= size()): in storage order when
  // few (count * 3 <= size()) are taken from a listpack, else in no set order (as Redis).
  void SampleUnique(size_t count, uint64_t (*rnd)(), std::vector<Pos>* out) const;

  // One step of a cursor scan: appends the elements the cursor names to `out` and returns the
  // next cursor, 0 when the scan is complete. A listpack returns everything at once.
  uint64_t Scan(uint64_t cursor, std::vector<Pos>* out) const;

  // Checks the internal invariants (counts, byte totals, probe runs); for tests.
  bool Verify() const;

  // The size class the allocator (jemalloc) rounds an `n`-byte request up to.
  static size_t AllocSize(size_t n);

 private:
  struct Table;
  uint8_t* lp() const { return static_cast<uint8_t*>(rep_); }
  Table* table() const { return static_cast<Table*>(rep_); }

  // listpack
  Pos LpFind(std::string_view field) const;
  // Replaces `old_len` payload bytes at `off` with a gap of `new_len` bytes (reallocating).
  void LpSplice(size_t off, size_t old_len, size_t new_len);
  bool LpSet(std::string_view field, std::string_view value);
  void LpPositions(std::vector<Pos>* out) const;

  // hashtable
  bool TableSet(std::string_view field, std::string_view value);
  bool TableDelete(std::string_view field);
  void Rehash(size_t cap);

  void* rep_;
};

}  // namespace tessera
