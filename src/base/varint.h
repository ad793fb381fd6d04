// Unsigned LEB128 varints, the length prefixes of the in-memory formats (Entry keys and inline
// strings, hash table nodes, set members, sorted-set elements and listpack entries).
//
// A value is written in 7-bit groups, least significant first; every byte but the last has its
// high bit set. 0..127 take one byte, a uint64_t at most ten. The formats are pinned by tests:
// change nothing here without changing them.
//
// The "back" variants write the same groups in reverse byte order (most significant first, the
// high bit set on every byte but the first), so that a reader walking backwards from the end of
// an entry meets the low group first: the listpack "backlen" of lists and sorted sets.
//
// No bounds checks: readers only ever see bytes that the writers below produced.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

namespace tessera {

// Bytes PutVarint (or PutBackVarint) writes for v: 1 to 10.
constexpr size_t VarintLen(uint64_t v) {
  size_t n = 1;
  while (v >= 128) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Writes v at p; returns the byte after it.
inline char* PutVarint(char* p, uint64_t v) {
  while (v >= 128) {
    *p++ = static_cast<char>((v & 127) | 128);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// Reads the varint at p into *out; returns the byte after it. (T is uint64_t or size_t, which
// are distinct types on some platforms.)
template <typename T>
requires std::same_as<T, uint64_t> || std::same_as<T, size_t>
inline const char* GetVarint(const char* p, T* out) {
  uint64_t b = static_cast<uint8_t>(*p++);
  if (b < 128) {  // the common case: a short length
    *out = static_cast<T>(b);
    return p;
  }
  uint64_t v = b & 127;
  int shift = 7;
  do {
    b = static_cast<uint8_t>(*p++);
    v |= (b & 127) << shift;
    shift += 7;
  } while (b & 128);
  *out = static_cast<T>(v);
  return p;
}

// Writes v at p in reverse byte order (see the file comment); returns p + VarintLen(v).
inline char* PutBackVarint(char* p, uint64_t v) {
  size_t k = VarintLen(v);
  for (size_t j = k; j-- > 0;) {
    uint8_t b = v & 127;
    v >>= 7;
    if (j != 0) b |= 128;
    p[j] = static_cast<char>(b);
  }
  return p + k;
}

// Reads the reverse-order varint that ends just before `end`; *nbytes gets its size.
inline uint64_t GetBackVarint(const char* end, size_t* nbytes) {
  uint64_t v = 0;
  int shift = 0;
  size_t k = 0;
  uint8_t b;
  do {
    b = static_cast<uint8_t>(*--end);
    v |= static_cast<uint64_t>(b & 127) << shift;
    shift += 7;
    ++k;
  } while (b & 128);
  *nbytes = k;
  return v;
}

}  // namespace tessera
