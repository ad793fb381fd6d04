// One key of a shard: a single slab block holding the access metadata, the optional TTL, the
// key bytes and the value (small strings and integers inline; big strings and other types
// behind one pointer). A 16-byte key with a 32-byte value takes a 56-byte block.
//
// Layout (docs/memory.md):
//   u32 clock        LRU clock, LFU counter or FIFO sequence (see core/evict.h)
//   u8  flags        bits 0-1 kind (int, inline bytes, heap string, object), bit 2 "raw"
//                    encoding, bit 3 has TTL, bit 4 snapshot mark (core/keyspace.h), bit 5
//                    has memcached metadata
//   [i64 expire_ms, u32 volatile_idx]   only with a TTL
//   [u32 client_flags, u64 cas]         only on items stored or read over memcached
//   varint key_len, key bytes
//   payload: int: 8 bytes | inline: varint len + bytes | heap: std::string* | object: Object*
//
// Entries are created and destroyed by Db, which owns the block; an Entry* stays valid until
// the next operation on its Db that may reallocate it (documented per Db method).
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "core/value.h"

namespace tessera {

class Entry {
 public:
  static constexpr int64_t kNoExpire = -1;
  static constexpr uint32_t kNotVolatile = UINT32_MAX;
  // Strings whose whole entry fits in this many bytes are stored inline.
  static constexpr size_t kMaxInline = 16 << 10;

  Entry() = delete;

  // Bytes an entry for (key, v) needs, with or without room for a TTL and for memcached's
  // client flags and CAS.
  static size_t EncodedSize(std::string_view key, const Value& v, bool with_ttl,
                            bool with_mc = false);
  // Builds the entry in `mem` (EncodedSize bytes), taking v's contents; memcached metadata
  // starts as flags 0, CAS 0.
  static Entry* Encode(void* mem, std::string_view key, Value&& v, bool with_ttl,
                       bool with_mc = false);
  // Releases what the entry owns outside its block (heap string, object).
  void ReleasePayload();
  size_t encoded_size() const;

  std::string_view key() const;
  uint32_t clock() const { return Load<uint32_t>(0); }
  void set_clock(uint32_t c) { Store<uint32_t>(0, c); }

  bool has_expire() const { return flags() & kHasTtl; }
  int64_t expire_ms() const { return has_expire() ? Load<int64_t>(kTtlAt) : kNoExpire; }
  // Only on an entry that has room for a TTL (has_expire()).
  void set_expire_ms(int64_t ms) { Store<int64_t>(kTtlAt, ms); }
  uint32_t volatile_idx() const { return Load<uint32_t>(kTtlAt + 8); }
  void set_volatile_idx(uint32_t i) { Store<uint32_t>(kTtlAt + 8, i); }

  // Memcached's client flags and CAS unique, only on an entry that has room for them. The
  // CAS word's top bits hold the meta protocol's item state (kMcFetched ...), which a new
  // CAS clears.
  static constexpr uint8_t kMcFetched = 1, kMcTokenSent = 2, kMcStale = 4;
  bool has_mc() const { return flags() & kHasMc; }
  uint32_t mc_flags() const { return has_mc() ? Load<uint32_t>(McAt()) : 0; }
  uint64_t cas() const { return has_mc() ? Load<uint64_t>(McAt() + 4) & kCasMask : 0; }
  uint8_t mc_state() const { return has_mc() ? Load<uint64_t>(McAt() + 4) >> kCasBits : 0; }
  void set_mc(uint32_t client_flags, uint64_t cas) {
    Store<uint32_t>(McAt(), client_flags);
    Store<uint64_t>(McAt() + 4, cas & kCasMask);
  }
  void set_cas(uint64_t cas) { Store<uint64_t>(McAt() + 4, cas & kCasMask); }
  void set_mc_state(uint8_t st) {
    Store<uint64_t>(McAt() + 4, cas() | (static_cast<uint64_t>(st) << kCasBits));
  }

  // Set by Db to the keyspace's snapshot parity once the entry is in the snapshot being
  // written, or when it is created or rewritten (see Keyspace::StartSnapshot).
  bool snap_mark() const { return flags() & kSnap; }
  void set_snap_mark(bool m) {
    bytes_mut()[kFlagsAt] = static_cast<char>(m ? flags() | kSnap : flags() & ~kSnap);
  }

  ValueType type() const;
  const char* encoding() const;
  bool is_int() const { return kind() == kInt; }
  int64_t int_value() const { return Load<int64_t>(PayloadAt()); }
  // Replaces an int value with another int (no size change).
  void set_int_value(int64_t v) { Store<int64_t>(PayloadAt(), v); }
  // The stored bytes of a string that is not int-encoded, else nullopt.
  std::optional<std::string_view> BytesView() const;
  std::string ToString() const;
  void AppendTo(std::string* out) const;
  size_t StringLength() const;
  const Object* object() const;
  Object* object();
  // The heap string of a "raw" string entry (see Db::MutableString), else nullptr.
  std::string* heap_string() const;

  Value CloneValue() const;
  // Moves the value out; the entry is left holding an int (nothing to release).
  Value TakeValue();
  // Bytes the value holds outside the block.
  size_t HeapBytes() const;

 private:
  enum Kind : uint8_t { kInt = 0, kInline = 1, kHeap = 2, kObject = 3 };
  static constexpr uint8_t kKindMask = 3, kRaw = 4, kHasTtl = 8, kSnap = 16, kHasMc = 32;
  static constexpr size_t kFlagsAt = 4, kTtlAt = 5, kTtlBytes = 12, kMcBytes = 12;
  static constexpr int kCasBits = 61;
  static constexpr uint64_t kCasMask = (uint64_t{1} << kCasBits) - 1;

  template <typename T>
  T Load(size_t at) const {
    T v;
    memcpy(&v, reinterpret_cast<const char*>(this) + at, sizeof(T));
    return v;
  }
  template <typename T>
  void Store(size_t at, T v) {
    memcpy(reinterpret_cast<char*>(this) + at, &v, sizeof(T));
  }
  const char* bytes() const { return reinterpret_cast<const char*>(this); }
  char* bytes_mut() { return reinterpret_cast<char*>(this); }
  uint8_t flags() const { return static_cast<uint8_t>(bytes()[kFlagsAt]); }
  Kind kind() const { return static_cast<Kind>(flags() & kKindMask); }
  size_t McAt() const { return has_expire() ? kTtlAt + kTtlBytes : kTtlAt; }
  size_t KeyAt() const { return McAt() + (has_mc() ? kMcBytes : 0); }
  size_t PayloadAt() const;
  template <typename T>
  T LoadPtr() const {
    return reinterpret_cast<T>(Load<uintptr_t>(PayloadAt()));
  }
};

}  // namespace tessera
