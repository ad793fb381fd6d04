// Unit tests for core/bitops: each primitive against a bit-by-bit reference, plus a property
// test of random edits on a byte string against a vector<bool> model.
#include "core/bitops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace tessera::bits {
namespace {

std::string RandomBytes(std::mt19937_64& rng, size_t n, int density) {
  // density 0: zeros, 1: random, 2: ones, 3: mostly ones with a few holes.
  std::string s(n, '\0');
  for (auto& c : s) {
    switch (density) {
      case 0:
        c = (rng() % 64 == 0) ? static_cast<char>(1 << (rng() % 8)) : 0;
        break;
      case 1:
        c = static_cast<char>(rng());
        break;
      case 2:
        c = static_cast<char>(0xFF);
        break;
      default:
        c = (rng() % 64 == 0) ? static_cast<char>(~(1 << (rng() % 8))) : static_cast<char>(0xFF);
    }
  }
  return s;
}

int BitAt(std::string_view s, uint64_t i) {
  return (static_cast<uint8_t>(s[i >> 3]) >> (7 - (i & 7))) & 1;
}

// Redis's range normalisation, written out again for the references.
bool RefRange(int64_t len, int64_t* start, int64_t* end) {
  if (*start < 0) *start += len;
  if (*end < 0) *end += len;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= len) *end = len - 1;
  return *start <= *end;
}

uint64_t RefCount(std::string_view s, int64_t start, int64_t end, bool bit_unit) {
  if (start < 0 && end < 0 && start > end) return 0;
  int64_t len = static_cast<int64_t>(s.size()) * (bit_unit ? 8 : 1);
  if (!RefRange(len, &start, &end)) return 0;
  int64_t lo = bit_unit ? start : start * 8, hi = bit_unit ? end : end * 8 + 7;
  uint64_t n = 0;
  for (int64_t i = lo; i <= hi; ++i) n += BitAt(s, i);
  return n;
}

int64_t RefPos(std::string_view s, int bit, int64_t start, std::optional<int64_t> end_arg,
               bool bit_unit) {
  int64_t bytes = static_cast<int64_t>(s.size());
  int64_t len = bytes * (bit_unit ? 8 : 1);
  int64_t end = end_arg ? *end_arg : len - 1;
  if (!RefRange(len, &start, &end)) return -1;
  int64_t lo = bit_unit ? start : start * 8, hi = bit_unit ? end : end * 8 + 7;
  for (int64_t i = lo; i <= hi; ++i)
    if (BitAt(s, i) == bit) return i;
  return (bit == 0 && !end_arg) ? hi + 1 : -1;
}

uint64_t RefGet(const uint8_t* p, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int j = 0; j < bits; ++j, ++offset)
    v = (v << 1) | ((p[offset >> 3] >> (7 - (offset & 7))) & 1);
  return v;
}

TEST(BitopsTest, PopcountMatchesBytewiseCountAtAnyAlignment) {
  std::mt19937_64 rng(1);
  std::string buf = RandomBytes(rng, 1000, 1);
  for (int iter = 0; iter < 500; ++iter) {
    size_t off = rng() % 64, n = rng() % (buf.size() - off);
    uint64_t want = 0;
    for (size_t i = 0; i < n; ++i) want += __builtin_popcount(static_cast<uint8_t>(buf[off + i]));
    EXPECT_EQ(Popcount(reinterpret_cast<const uint8_t*>(buf.data()) + off, n), want);
  }
  EXPECT_EQ(Popcount(std::string(100000, '\xff')), 800000u);
  EXPECT_EQ(Popcount(std::string_view()), 0u);
}

TEST(BitopsTest, FirstBitFindsFirstSetOrClearBitZeroPadded) {
  std::mt19937_64 rng(2);
  for (int iter = 0; iter < 2000; ++iter) {
    std::string s = RandomBytes(rng, rng() % 80, static_cast<int>(rng() % 4));
    for (int bit = 0; bit <= 1; ++bit) {
      int64_t want = bit ? -1 : static_cast<int64_t>(s.size() * 8);
      for (uint64_t i = 0; i < s.size() * 8; ++i)
        if (BitAt(s, i) == bit) {
          want = static_cast<int64_t>(i);
          break;
        }
      ASSERT_EQ(FirstBit(reinterpret_cast<const uint8_t*>(s.data()), s.size(), bit), want);
    }
  }
}

TEST(BitopsTest, CountRangeAndPosRangeFollowRedisRanges) {
  std::mt19937_64 rng(3);
  for (int iter = 0; iter < 4000; ++iter) {
    std::string s = RandomBytes(rng, rng() % 40, static_cast<int>(rng() % 4));
    int64_t span = static_cast<int64_t>(s.size()) * 10 + 5;
    int64_t start = static_cast<int64_t>(rng() % (2 * span)) - span;
    int64_t end = static_cast<int64_t>(rng() % (2 * span)) - span;
    bool bit_unit = rng() & 1;
    ASSERT_EQ(CountRange(s, start, end, bit_unit), RefCount(s, start, end, bit_unit))
        << s.size() << " " << start << " " << end << " " << bit_unit;
    for (int bit = 0; bit <= 1; ++bit) {
      std::optional<int64_t> e;
      if (bit_unit || (rng() & 1)) e = end;
      ASSERT_EQ(PosRange(s, bit, start, e, bit_unit), RefPos(s, bit, start, e, bit_unit))
          << s.size() << " bit " << bit << " " << start << " " << (e ? *e : 999) << " " << bit_unit;
    }
  }
  // Redis's documented cases.
  EXPECT_EQ(CountRange("foobar", 0, 0, false), 4u);
  EXPECT_EQ(CountRange("foobar", 1, 1, false), 6u);
  EXPECT_EQ(CountRange("foobar", 5, 30, true), 17u);
  EXPECT_EQ(PosRange(std::string("\xff\xf0\x00", 3), 0, 0, std::nullopt, false), 12);
  EXPECT_EQ(PosRange(std::string("\x00\xff\xf0", 3), 1, 2, -1, false), 16);
  EXPECT_EQ(PosRange(std::string("\x00\x00\x00", 3), 1, 7, 15, true), -1);
  EXPECT_EQ(PosRange(std::string("\xff\xff", 2), 0, 0, std::nullopt, false), 16);
  EXPECT_EQ(PosRange(std::string("\xff\xff", 2), 0, 0, -1, false), -1);
  EXPECT_EQ(PosRange("", 0, 0, std::nullopt, false), -1);
}

TEST(BitopsTest, BitOpPadsShorterSourcesWithZeros) {
  std::mt19937_64 rng(4);
  for (int iter = 0; iter < 500; ++iter) {
    size_t n = 1 + rng() % 4;
    std::vector<std::string> owned;
    std::vector<std::string_view> srcs;
    for (size_t i = 0; i < n; ++i) owned.push_back(RandomBytes(rng, rng() % 70, 1));
    for (auto& o : owned) srcs.push_back(o);
    for (BitOpKind op : {BitOpKind::kAnd, BitOpKind::kOr, BitOpKind::kXor, BitOpKind::kNot}) {
      std::span<const std::string_view> in(srcs.data(), op == BitOpKind::kNot ? 1 : n);
      size_t maxlen = 0;
      for (auto s : in) maxlen = std::max(maxlen, s.size());
      std::string want(maxlen, '\0');
      for (size_t j = 0; j < maxlen; ++j) {
        auto at = [&](size_t i) -> uint8_t {
          return j < in[i].size() ? static_cast<uint8_t>(in[i][j]) : 0;
        };
        uint8_t out = at(0);
        if (op == BitOpKind::kNot) out = static_cast<uint8_t>(~out);
        for (size_t i = 1; i < in.size(); ++i) {
          if (op == BitOpKind::kAnd) out &= at(i);
          if (op == BitOpKind::kOr) out |= at(i);
          if (op == BitOpKind::kXor) out ^= at(i);
        }
        want[j] = static_cast<char>(out);
      }
      ASSERT_EQ(BitOp(op, in), want);
    }
  }
}

TEST(BitopsTest, BitfieldGetSetMatchBitByBitReference) {
  std::mt19937_64 rng(5);
  std::string buf = RandomBytes(rng, 64, 1);
  auto* p = reinterpret_cast<uint8_t*>(buf.data());
  for (int iter = 0; iter < 20000; ++iter) {
    int bits = 1 + static_cast<int>(rng() % 64);
    uint64_t offset = rng() % (64 * 8 - bits);
    ASSERT_EQ(GetUnsigned(p, offset, bits), RefGet(p, offset, bits));
    int64_t sv = GetSigned(p, offset, bits);
    uint64_t raw = RefGet(p, offset, bits);
    if (bits < 64 && (raw >> (bits - 1)) & 1) raw |= ~0ULL << bits;
    ASSERT_EQ(static_cast<uint64_t>(sv), raw);
    // Setting writes exactly the field's bits.
    std::string before = buf;
    uint64_t v = rng();
    SetUnsigned(p, offset, bits, v);
    uint64_t mask = bits == 64 ? ~0ULL : (1ULL << bits) - 1;
    ASSERT_EQ(RefGet(p, offset, bits), v & mask);
    for (uint64_t i = 0; i < 64 * 8; ++i)
      if (i < offset || i >= offset + bits) {
        ASSERT_EQ(BitAt(buf, i), BitAt(before, i));
      }
  }
  // Reads past the end of a short string see zeros.
  EXPECT_EQ(GetUnsignedPadded("\xff", 4, 8), 0xF0u);
  EXPECT_EQ(GetSignedPadded("\xff", 0, 8), -1);
  EXPECT_EQ(GetUnsignedPadded("", 1000, 63), 0u);
}

TEST(BitopsTest, OverflowChecksMatchWideArithmetic) {
  std::mt19937_64 rng(6);
  for (int iter = 0; iter < 20000; ++iter) {
    int bits = 1 + static_cast<int>(rng() % 63);
    uint64_t max = (1ULL << bits) - 1;
    uint64_t value = rng() & max;
    int64_t incr = static_cast<int64_t>(rng()) >> (rng() % 64);
    __int128 sum = static_cast<__int128>(value) + incr;
    int want = sum > static_cast<__int128>(max) ? 1 : sum < 0 ? -1 : 0;
    uint64_t wrapped = 0, sat = 0;
    ASSERT_EQ(CheckUnsignedOverflow(value, incr, bits, Overflow::kWrap, &wrapped), want);
    ASSERT_EQ(CheckUnsignedOverflow(value, incr, bits, Overflow::kSat, &sat), want);
    if (want) {
      ASSERT_EQ(wrapped, static_cast<uint64_t>(sum) & max);
      ASSERT_EQ(sat, want > 0 ? max : 0);
    }
  }
  for (int iter = 0; iter < 20000; ++iter) {
    int bits = 1 + static_cast<int>(rng() % 64);
    int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
    int64_t min = -max - 1;
    uint64_t r = rng();
    int64_t value = static_cast<int64_t>(bits == 64 ? r : (r & ((1ULL << bits) - 1)));
    if (bits < 64 && (value >> (bits - 1)) & 1) value |= static_cast<int64_t>(~0ULL << bits);
    int64_t incr = static_cast<int64_t>(rng()) >> (rng() % 64);
    __int128 sum = static_cast<__int128>(value) + incr;
    int want = sum > max ? 1 : sum < min ? -1 : 0;
    int64_t wrapped = 0, sat = 0;
    ASSERT_EQ(CheckSignedOverflow(value, incr, bits, Overflow::kWrap, &wrapped), want)
        << bits << " " << value << " " << incr;
    ASSERT_EQ(CheckSignedOverflow(value, incr, bits, Overflow::kSat, &sat), want);
    if (want) {
      uint64_t u = static_cast<uint64_t>(sum);
      if (bits < 64) {
        u &= (1ULL << bits) - 1;
        if ((u >> (bits - 1)) & 1) u |= ~0ULL << bits;
      }
      ASSERT_EQ(wrapped, static_cast<int64_t>(u));
      ASSERT_EQ(sat, want > 0 ? max : min);
    }
  }
  // SET of out-of-range values (incr 0), as BITFIELD SET checks them.
  uint64_t u = 0;
  EXPECT_EQ(CheckUnsignedOverflow(256, 0, 8, Overflow::kWrap, &u), 1);
  EXPECT_EQ(u, 0u);
  int64_t s = 0;
  EXPECT_EQ(CheckSignedOverflow(200, 0, 8, Overflow::kWrap, &s), 1);
  EXPECT_EQ(s, -56);
  EXPECT_EQ(CheckSignedOverflow(-200, 0, 8, Overflow::kSat, &s), -1);
  EXPECT_EQ(s, -128);
}

// Property test: random SETBIT / BITFIELD SET / INCRBY (wrap) edits on a growing string against
// a vector<bool> model, with counts and searches compared along the way.
TEST(BitopsTest, RandomEditsMatchBoolVectorModel) {
  std::mt19937_64 rng(7);
  std::string s;
  std::vector<bool> model;
  auto grow = [&](uint64_t last_bit) {
    size_t need = last_bit / 8 + 1;
    if (s.size() < need) s.resize(need, '\0');
    if (model.size() < need * 8) model.resize(need * 8, false);
  };
  for (int step = 0; step < 3000; ++step) {
    int what = static_cast<int>(rng() % 4);
    if (what == 0) {
      uint64_t off = rng() % 2000;
      int v = static_cast<int>(rng() & 1);
      grow(off);
      auto* p = reinterpret_cast<uint8_t*>(s.data());
      SetUnsigned(p, off, 1, v);
      model[off] = v;
    } else if (what <= 2) {
      int bits = 1 + static_cast<int>(rng() % 64);
      uint64_t off = rng() % 2000;
      grow(off + bits - 1);
      auto* p = reinterpret_cast<uint8_t*>(s.data());
      uint64_t v = rng();
      if (what == 2) {
        // INCRBY with wrap: old + incr, truncated to the field.
        v = GetUnsigned(p, off, bits) + (rng() % 1000);
      }
      SetUnsigned(p, off, bits, v);
      for (int j = 0; j < bits; ++j) model[off + j] = (v >> (bits - 1 - j)) & 1;
    } else {
      int64_t a = static_cast<int64_t>(rng() % (model.size() + 20)) - 10;
      int64_t b = static_cast<int64_t>(rng() % (model.size() + 20)) - 10;
      uint64_t want = 0;
      int64_t first1 = -1;
      int64_t len = static_cast<int64_t>(model.size());
      int64_t lo = a, hi = b;
      if (RefRange(len, &lo, &hi)) {
        for (int64_t i = lo; i <= hi; ++i) {
          want += model[i];
          if (model[i] && first1 < 0) first1 = i;
        }
      }
      if (!(a < 0 && b < 0 && a > b)) {
        ASSERT_EQ(CountRange(s, a, b, true), want);
      }
      ASSERT_EQ(PosRange(s, 1, a, b, true), first1);
    }
    if (step % 100 == 0) {
      ASSERT_EQ(s.size() * 8, model.size());
      for (size_t i = 0; i < model.size(); ++i) ASSERT_EQ(BitAt(s, i), model[i] ? 1 : 0);
    }
  }
}

}  // namespace
}  // namespace tessera::bits
