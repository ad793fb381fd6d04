// Bit-level primitives for the bitmap commands: popcount, first-bit search, BITOP, bitfields and
// their overflow rules (Redis 7.0 bitops.c semantics).
#include "core/bitops.h"

#include <algorithm>
#include <cstring>

namespace tessera::bits {
namespace {

using u128 = unsigned __int128;

inline uint64_t Load64(const uint8_t* p) {
  uint64_t w;
  memcpy(&w, p, 8);
  return w;
}
inline void Store64(uint8_t* p, uint64_t w) { memcpy(p, &w, 8); }

// The loop is inlined into a popcnt-targeted copy and a generic one; the builtin becomes the
// instruction in the first.
__attribute__((always_inline)) inline uint64_t PopcountBody(const uint8_t* p, size_t n) {
  uint64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
  while (n >= 32) {
    c0 += __builtin_popcountll(Load64(p));
    c1 += __builtin_popcountll(Load64(p + 8));
    c2 += __builtin_popcountll(Load64(p + 16));
    c3 += __builtin_popcountll(Load64(p + 24));
    p += 32;
    n -= 32;
  }
  while (n >= 8) {
    c0 += __builtin_popcountll(Load64(p));
    p += 8;
    n -= 8;
  }
  while (n--) c1 += __builtin_popcount(*p++);
  return c0 + c1 + c2 + c3;
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("popcnt"))) uint64_t PopcountHw(const uint8_t* p, size_t n) {
  return PopcountBody(p, n);
}
const bool kHasPopcnt = __builtin_cpu_supports("popcnt");
#endif

uint64_t PopcountGeneric(const uint8_t* p, size_t n) { return PopcountBody(p, n); }

// Index of the most significant set bit of a non-zero byte, counting from the left.
inline int LeadingZeros8(uint8_t c) { return __builtin_clz(c) - 24; }

// Redis's range normalisation: negative indexes from the end, then clamping to [0, len - 1].
void Normalize(int64_t len, int64_t* start, int64_t* end) {
  if (*start < 0) *start += len;
  if (*end < 0) *end += len;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= len) *end = len - 1;
}

inline uint64_t FieldMask(int bits) { return bits == 64 ? ~0ULL : (1ULL << bits) - 1; }

}  // namespace

uint64_t Popcount(const uint8_t* p, size_t n) {
#if defined(__x86_64__) || defined(__i386__)
  if (kHasPopcnt) return PopcountHw(p, n);
#endif
  return PopcountGeneric(p, n);
}

int64_t FirstBit(const uint8_t* p, size_t n, int bit) {
  const uint64_t skip_word = bit ? 0 : ~0ULL;
  size_t i = 0;
  // Skip 32 bytes at a time while all of them are the value not looked for.
  while (i + 32 <= n && ((Load64(p + i) ^ skip_word) | (Load64(p + i + 8) ^ skip_word) |
                         (Load64(p + i + 16) ^ skip_word) | (Load64(p + i + 24) ^ skip_word)) == 0)
    i += 32;
  while (i + 8 <= n && Load64(p + i) == skip_word) i += 8;
  for (; i < n; ++i) {
    uint8_t c = bit ? p[i] : static_cast<uint8_t>(~p[i]);
    if (c) return static_cast<int64_t>(i * 8) + LeadingZeros8(c);
  }
  return bit ? -1 : static_cast<int64_t>(n * 8);
}

uint64_t CountRange(std::string_view s, int64_t start, int64_t end, bool bit_unit) {
  if (start < 0 && end < 0 && start > end) return 0;
  const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data());
  int64_t len = static_cast<int64_t>(s.size());
  if (bit_unit) len <<= 3;
  Normalize(len, &start, &end);
  if (start > end) return 0;
  if (!bit_unit) return Popcount(p + start, static_cast<size_t>(end - start + 1));
  int64_t first = start >> 3, last = end >> 3;
  uint64_t count = Popcount(p + first, static_cast<size_t>(last - first + 1));
  // Take out the bits of the edge bytes that lie outside [start, end].
  uint8_t before = static_cast<uint8_t>(p[first] & ~(0xFF >> (start & 7)));
  uint8_t after = static_cast<uint8_t>(p[last] & ((1 << (7 - (end & 7))) - 1));
  return count - __builtin_popcount(before) - __builtin_popcount(after);
}

int64_t PosRange(std::string_view s, int bit, int64_t start, std::optional<int64_t> end_arg,
                 bool bit_unit) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(s.data());
  int64_t len = static_cast<int64_t>(s.size());
  int64_t end;
  if (end_arg)
    end = *end_arg;
  else
    end = bit_unit ? (len << 3) + 7 : len - 1;
  if (bit_unit) len <<= 3;
  Normalize(len, &start, &end);
  if (start > end) return -1;
  // The search runs over bits [lo, hi].
  int64_t lo = bit_unit ? start : start * 8;
  int64_t hi = bit_unit ? end : end * 8 + 7;
  size_t b0 = static_cast<size_t>(lo >> 3), b1 = static_cast<size_t>(hi >> 3);
  auto edge = [&](size_t i) -> int64_t {
    uint8_t c = bit ? p[i] : static_cast<uint8_t>(~p[i]);
    if (i == b0) c &= static_cast<uint8_t>(0xFF >> (lo & 7));
    if (i == b1) c &= static_cast<uint8_t>(0xFF << (7 - (hi & 7)));
    return c ? static_cast<int64_t>(i * 8) + LeadingZeros8(c) : -1;
  };
  int64_t pos = edge(b0);
  if (pos >= 0) return pos;
  if (b1 > b0) {
    size_t mid = b1 - b0 - 1;
    if (mid > 0) {
      int64_t r = FirstBit(p + b0 + 1, mid, bit);
      if (r >= 0 && r != static_cast<int64_t>(mid * 8))
        return static_cast<int64_t>((b0 + 1) * 8) + r;
    }
    pos = edge(b1);
    if (pos >= 0) return pos;
  }
  // No match: without an explicit end the string continues with zero bits.
  return (bit == 0 && !end_arg) ? hi + 1 : -1;
}

std::string BitOp(BitOpKind op, std::span<const std::string_view> srcs) {
  size_t maxlen = 0;
  for (auto s : srcs) maxlen = std::max(maxlen, s.size());
  std::string out(maxlen, '\0');
  if (maxlen == 0 || srcs.empty()) return out;
  uint8_t* r = reinterpret_cast<uint8_t*>(out.data());
  if (!srcs[0].empty()) memcpy(r, srcs[0].data(), srcs[0].size());
  if (op == BitOpKind::kNot) {
    size_t j = 0;
    for (; j + 8 <= maxlen; j += 8) Store64(r + j, ~Load64(r + j));
    for (; j < maxlen; ++j) r[j] = static_cast<uint8_t>(~r[j]);
    return out;
  }
  for (size_t i = 1; i < srcs.size(); ++i) {
    const uint8_t* q = reinterpret_cast<const uint8_t*>(srcs[i].data());
    size_t n = srcs[i].size(), j = 0;
    switch (op) {
      case BitOpKind::kAnd:
        for (; j + 8 <= n; j += 8) Store64(r + j, Load64(r + j) & Load64(q + j));
        for (; j < n; ++j) r[j] &= q[j];
        memset(r + n, 0, maxlen - n);  // missing bytes are zeros
        break;
      case BitOpKind::kOr:
        for (; j + 8 <= n; j += 8) Store64(r + j, Load64(r + j) | Load64(q + j));
        for (; j < n; ++j) r[j] |= q[j];
        break;
      case BitOpKind::kXor:
        for (; j + 8 <= n; j += 8) Store64(r + j, Load64(r + j) ^ Load64(q + j));
        for (; j < n; ++j) r[j] ^= q[j];
        break;
      case BitOpKind::kNot:
        break;
    }
  }
  return out;
}

// Bitfields: the field's bytes (at most 9) are loaded big-endian into the top of a 128-bit
// window, so any width and alignment is one shift and mask.
uint64_t GetUnsigned(const uint8_t* p, uint64_t offset, int bits) {
  const uint8_t* b = p + (offset >> 3);
  unsigned shift = offset & 7;
  size_t nbytes = (shift + bits + 7) / 8;
  u128 w = 0;
  for (size_t i = 0; i < nbytes; ++i) w |= static_cast<u128>(b[i]) << (120 - 8 * i);
  return static_cast<uint64_t>(w >> (128 - shift - bits)) & FieldMask(bits);
}

int64_t GetSigned(const uint8_t* p, uint64_t offset, int bits) {
  uint64_t v = GetUnsigned(p, offset, bits);
  if (bits < 64 && (v >> (bits - 1)) & 1) v |= ~0ULL << bits;
  return static_cast<int64_t>(v);
}

void SetUnsigned(uint8_t* p, uint64_t offset, int bits, uint64_t value) {
  uint8_t* b = p + (offset >> 3);
  unsigned shift = offset & 7;
  size_t nbytes = (shift + bits + 7) / 8;
  u128 w = 0;
  for (size_t i = 0; i < nbytes; ++i) w |= static_cast<u128>(b[i]) << (120 - 8 * i);
  unsigned at = 128 - shift - bits;
  u128 mask = static_cast<u128>(FieldMask(bits)) << at;
  w = (w & ~mask) | (static_cast<u128>(value & FieldMask(bits)) << at);
  for (size_t i = 0; i < nbytes; ++i) b[i] = static_cast<uint8_t>(w >> (120 - 8 * i));
}

namespace {
// Copies the bytes a field at `offset` can touch into a zero-padded buffer; returns the offset
// relative to it.
uint64_t PadField(std::string_view s, uint64_t offset, uint8_t (&buf)[16]) {
  memset(buf, 0, sizeof(buf));
  uint64_t byte = offset >> 3;
  for (size_t i = 0; i < 9 && byte + i < s.size(); ++i) buf[i] = static_cast<uint8_t>(s[byte + i]);
  return offset & 7;
}
}  // namespace

uint64_t GetUnsignedPadded(std::string_view s, uint64_t offset, int bits) {
  uint8_t buf[16];
  return GetUnsigned(buf, PadField(s, offset, buf), bits);
}

int64_t GetSignedPadded(std::string_view s, uint64_t offset, int bits) {
  uint8_t buf[16];
  return GetSigned(buf, PadField(s, offset, buf), bits);
}

// Redis computes the headroom with wrapping arithmetic; the casts reproduce it without UB.
int CheckUnsignedOverflow(uint64_t value, int64_t incr, int bits, Overflow ow, uint64_t* limit) {
  uint64_t max = FieldMask(bits);
  int64_t maxincr = static_cast<int64_t>(max - value);
  int64_t minincr = static_cast<int64_t>(0 - value);
  int result = 0;
  if (value > max || (incr > 0 && incr > maxincr)) {
    result = 1;
    if (limit && ow == Overflow::kSat) *limit = max;
  } else if (incr < 0 && incr < minincr) {
    result = -1;
    if (limit && ow == Overflow::kSat) *limit = 0;
  }
  if (result && limit && ow == Overflow::kWrap)
    *limit = (value + static_cast<uint64_t>(incr)) & FieldMask(bits);
  return result;
}

int CheckSignedOverflow(int64_t value, int64_t incr, int bits, Overflow ow, int64_t* limit) {
  int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
  int64_t min = -max - 1;
  int64_t maxincr = static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  int64_t minincr = static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  int result = 0;
  if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr)) {
    result = 1;
    if (limit && ow == Overflow::kSat) *limit = max;
  } else if (value < min || (bits != 64 && incr < minincr) ||
             (value < 0 && incr < 0 && incr < minincr)) {
    result = -1;
    if (limit && ow == Overflow::kSat) *limit = min;
  }
  if (result && limit && ow == Overflow::kWrap) {
    uint64_t c = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
    if (bits < 64) {
      uint64_t mask = ~0ULL << bits;
      if (c & (uint64_t{1} << (bits - 1)))
        c |= mask;
      else
        c &= ~mask;
    }
    *limit = static_cast<int64_t>(c);
  }
  return result;
}

}  // namespace tessera::bits
