// Bit-level primitives on byte strings behind the bitmap commands (SETBIT, BITCOUNT, BITPOS,
// BITOP, BITFIELD). Bit 0 is the most significant bit of the first byte, as in Redis.
//
// Everything here is pure: it reads or writes caller-owned bytes and knows nothing of keys or
// replies. Ranges and overflow rules follow Redis 7.0's bitops.c exactly, quirks included, so
// the command layer only parses arguments and formats results.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace tessera::bits {

// Number of set bits in p[0, n): 64-bit words counted with the popcnt instruction when the CPU
// has it (checked once), four independent accumulators per loop.
uint64_t Popcount(const uint8_t* p, size_t n);
inline uint64_t Popcount(std::string_view s) {
  return Popcount(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// Position of the first bit equal to `bit` (0 or 1) in p[0, n), Redis's redisBitpos(): the bytes
// are taken as zero-padded on the right, so looking for a 0 in all-ones bytes gives n * 8;
// looking for a 1 where there is none gives -1.
int64_t FirstBit(const uint8_t* p, size_t n, int bit);

// BITCOUNT over [start, end], in bytes or (bit_unit) in bits, negative indexes counting from
// the end, clamped as Redis does.
uint64_t CountRange(std::string_view s, int64_t start, int64_t end, bool bit_unit);

// BITPOS over [start, end] (end absent = to the end of the string): the absolute bit position
// of the first `bit`, or -1. Without an explicit end, a search for 0 in all-ones bytes answers
// the first bit past the string (it is taken as zero-padded); with one it answers -1.
int64_t PosRange(std::string_view s, int bit, int64_t start, std::optional<int64_t> end,
                 bool bit_unit);

enum class BitOpKind { kAnd, kOr, kXor, kNot };
// BITOP: the bytes of `op` applied to `srcs` (shorter sources zero-padded to the longest one);
// NOT uses srcs[0] only. The result is as long as the longest source (empty if all are).
std::string BitOp(BitOpKind op, std::span<const std::string_view> srcs);

// Bitfields of 1..64 bits at any bit offset. The bytes holding bits [offset, offset + bits)
// must exist in p.
uint64_t GetUnsigned(const uint8_t* p, uint64_t offset, int bits);
int64_t GetSigned(const uint8_t* p, uint64_t offset, int bits);
void SetUnsigned(uint8_t* p, uint64_t offset, int bits, uint64_t value);
inline void SetSigned(uint8_t* p, uint64_t offset, int bits, int64_t value) {
  SetUnsigned(p, offset, bits, static_cast<uint64_t>(value));
}
// Reads from a string that may be shorter than the field: missing bytes read as zero.
uint64_t GetUnsignedPadded(std::string_view s, uint64_t offset, int bits);
int64_t GetSignedPadded(std::string_view s, uint64_t offset, int bits);

// BITFIELD overflow handling.
enum class Overflow { kWrap, kSat, kFail };
// Whether value + incr overflows an unsigned (bits <= 63) or signed (bits <= 64) field: 0 when
// it fits, 1 on overflow, -1 on underflow. On non-zero, *limit receives the wrapped (kWrap) or
// saturated (kSat) result. These mirror Redis's checks bit for bit, including how values
// outside the field's range (SET with a too-large value) are classified.
int CheckUnsignedOverflow(uint64_t value, int64_t incr, int bits, Overflow ow, uint64_t* limit);
int CheckSignedOverflow(int64_t value, int64_t incr, int bits, Overflow ow, int64_t* limit);

}  // namespace tessera::bits
