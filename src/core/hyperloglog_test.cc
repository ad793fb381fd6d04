// Unit tests for core/hyperloglog: Redis's exact bytes and estimates for known inputs, the
// standard error, sparse editing against a register-array model (through the sparse -> dense
// promotion), caching and corruption handling.
#include "core/hyperloglog.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace tessera::hll {
namespace {

constexpr size_t kDefaultSparseMax = 3000;

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

// What PFADD key e0 e1 ... e(n-1) followed by PFCOUNT key leaves in Redis 7.0.
std::string RedisLikeSketch(int n) {
  std::string s = CreateEmpty();
  for (int i = 0; i < n; ++i) Add(s, "e" + std::to_string(i), kDefaultSparseMax);
  InvalidateCache(s);
  StoreCachedCount(s, *Count(s));
  return s;
}

TEST(HyperLogLogTest, EmptySketchIsRedisBytes) {
  std::string s = CreateEmpty();
  EXPECT_EQ(s, std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", 18));
  EXPECT_TRUE(LooksValid(s));
  EXPECT_EQ(CachedCount(s), 0u);
  EXPECT_EQ(Count(s), 0u);
}

// Reference values: redis-server 7.0.15, PFADD of "e0".."e<n-1>" in order, then PFCOUNT; the
// FNV-1a of GET's bytes.
TEST(HyperLogLogTest, EstimatesAndBytesMatchRedis) {
  struct Case {
    int n;
    uint64_t count;
    uint8_t encoding;
    size_t size;
    uint64_t fnv;
  } cases[] = {
      {1, 1, kSparse, 21, 0x546d16fdfd2c805aULL},
      {10, 10, kSparse, 48, 0xd06c25fbeaa23420ULL},
      {100, 100, kSparse, 285, 0x40dec5e3b1513cfaULL},
      {1000, 1008, kSparse, 1906, 0x4ded8ea0046b668dULL},
      {5000, 4968, kDense, 12304, 0x9219c5a2921db657ULL},
      {100000, 100853, kDense, 12304, 0xfd1fc23694773e63ULL},
  };
  for (const Case& c : cases) {
    std::string s = RedisLikeSketch(c.n);
    EXPECT_EQ(CachedCount(s), c.count) << c.n;
    EXPECT_EQ(EncodingOf(s), c.encoding) << c.n;
    EXPECT_EQ(s.size(), c.size) << c.n;
    EXPECT_EQ(Fnv1a(s), c.fnv) << c.n;
  }
}

TEST(HyperLogLogTest, StandardErrorIsAboutPointEightPercent) {
  // One sketch of 100k distinct elements is well within 2%. Over independent sketches the
  // relative error is about normal with sigma = 1.04 / sqrt(16384) = 0.81%: the mean absolute
  // error is near 0.8 sigma and no sketch is off by 4 sigma.
  const int kN = 100000;
  std::string one = CreateEmpty();
  for (int i = 0; i < kN; ++i) Add(one, "e" + std::to_string(i), kDefaultSparseMax);
  EXPECT_LT(std::fabs(static_cast<double>(*Count(one)) - kN) / kN, 0.02);

  const int kSketches = 16;
  double total_err = 0;
  for (int k = 0; k < kSketches; ++k) {
    std::string s = CreateEmpty();
    for (int i = 0; i < kN / 4; ++i)
      Add(s, "s" + std::to_string(k) + ":" + std::to_string(i), kDefaultSparseMax);
    double err = std::fabs(static_cast<double>(*Count(s)) - kN / 4) / (kN / 4);
    EXPECT_LT(err, 4 * 0.0081) << k;
    total_err += err;
  }
  EXPECT_LT(total_err / kSketches, 0.0081 * 1.25);
}

TEST(HyperLogLogTest, AddReportsWhetherARegisterChanged) {
  std::string s = CreateEmpty();
  EXPECT_EQ(Add(s, "a", kDefaultSparseMax), 1);
  EXPECT_EQ(Add(s, "a", kDefaultSparseMax), 0);
  EXPECT_EQ(CachedCount(s), std::nullopt);  // a sparse edit invalidates the cache
  StoreCachedCount(s, 1);
  EXPECT_EQ(CachedCount(s), 1u);
  InvalidateCache(s);
  EXPECT_EQ(CachedCount(s), std::nullopt);
}

TEST(HyperLogLogTest, PatternLengthUsesLow14BitsForIndexAndRunAbove) {
  for (int i = 0; i < 1000; ++i) {
    std::string e = "x" + std::to_string(i);
    uint64_t h = MurmurHash64A(e.data(), e.size(), 0xadc83b19ULL);
    size_t index;
    int count = PatternLength(e, &index);
    EXPECT_EQ(index, h & (kRegisters - 1));
    int want = 1;
    for (uint64_t b = uint64_t{1} << kP; b && !(h & b); b <<= 1) ++want;
    EXPECT_EQ(count, std::min(want, kQ + 1));
  }
}

// Property test: random register raises on a sparse sketch (with a small sparse limit so it
// converts mid-way) against a plain register array; the decoded registers, return values and
// estimates must agree at every step.
TEST(HyperLogLogTest, RandomRegisterEditsMatchArrayModel) {
  std::mt19937_64 rng(11);
  for (size_t sparse_max : {size_t{200}, size_t{700}, size_t{3000}}) {
    std::string s = CreateEmpty();
    std::vector<uint8_t> model(kRegisters, 0), decoded(kRegisters);
    bool saw_dense = false;
    for (int step = 0; step < 1500; ++step) {
      size_t idx;
      // Clustered indexes exercise VAL runs and merges; values above 32 force promotion.
      if (rng() % 3 == 0)
        idx = (rng() % 64) * 37 % kRegisters;
      else
        idx = rng() % kRegisters;
      uint8_t val = static_cast<uint8_t>(1 + (rng() % 100 == 0 ? rng() % 51 : rng() % 8));
      uint8_t enc_before = EncodingOf(s);
      int want = val > model[idx] ? 1 : 0;
      if (want) model[idx] = val;
      ASSERT_EQ(SetRegister(s, idx, val, sparse_max), want) << step;
      if (enc_before == kDense) {
        ASSERT_EQ(EncodingOf(s), kDense);  // never converts back
      }
      if (EncodingOf(s) == kSparse) {
        ASSERT_LE(s.size(), std::max<size_t>(sparse_max, CreateEmpty().size() + 3));
        ASSERT_LE(*std::max_element(model.begin(), model.end()), 32);
      } else {
        saw_dense = true;
        ASSERT_EQ(s.size(), kDenseSize);
      }
      if (step % 25 == 0 || step == 1499) {
        ASSERT_TRUE(DecodeRegisters(s, decoded.data()));
        ASSERT_EQ(decoded, model) << "step " << step << " sparse_max " << sparse_max;
        ASSERT_EQ(*Count(s), CountRegisters(model.data()));
      }
    }
    EXPECT_TRUE(saw_dense);
  }
}

TEST(HyperLogLogTest, ToDenseKeepsRegistersHeaderAndEstimate) {
  std::string s = CreateEmpty();
  for (int i = 0; i < 300; ++i) Add(s, "k" + std::to_string(i), kDefaultSparseMax);
  StoreCachedCount(s, 42);
  std::vector<uint8_t> before(kRegisters), after(kRegisters);
  ASSERT_TRUE(DecodeRegisters(s, before.data()));
  uint64_t est = *Count(s);
  std::string d = s;
  ASSERT_TRUE(ToDense(d));
  EXPECT_EQ(EncodingOf(d), kDense);
  EXPECT_EQ(d.size(), kDenseSize);
  EXPECT_EQ(CachedCount(d), 42u);  // the header (and its cache) is carried over
  ASSERT_TRUE(DecodeRegisters(d, after.data()));
  EXPECT_EQ(before, after);
  EXPECT_EQ(*Count(d), est);
  EXPECT_TRUE(ToDense(d));  // already dense: no-op
}

TEST(HyperLogLogTest, MergeTakesRegisterWiseMaximum) {
  std::string a = CreateEmpty(), b = CreateEmpty(), both = CreateEmpty();
  for (int i = 0; i < 2000; ++i) {
    std::string e = "m" + std::to_string(i);
    Add(i % 2 ? a : b, e, kDefaultSparseMax);
    Add(both, e, kDefaultSparseMax);
  }
  std::vector<uint8_t> regs(kRegisters, 0);
  ASSERT_TRUE(MergeInto(a, regs.data()));
  ASSERT_TRUE(MergeInto(b, regs.data()));
  EXPECT_EQ(CountRegisters(regs.data()), *Count(both));
}

TEST(HyperLogLogTest, ValidityAndCorruption) {
  EXPECT_FALSE(LooksValid("HYLL"));
  EXPECT_FALSE(LooksValid(std::string("HYLX\x01", 5) + std::string(13, '\0')));
  EXPECT_FALSE(LooksValid(std::string("HYLL\x02", 5) + std::string(13, '\0')));
  EXPECT_FALSE(LooksValid(std::string("HYLL\x00", 5) + std::string(13, '\0')));  // short dense
  std::string dense = CreateEmpty();
  ASSERT_TRUE(ToDense(dense));
  EXPECT_TRUE(LooksValid(dense));
  // A sparse body that does not cover exactly 16384 registers is corrupted.
  std::string bad = CreateEmpty();
  bad.back() = '\x00';  // XZERO of 16129 registers instead of 16384
  EXPECT_TRUE(LooksValid(bad));
  EXPECT_EQ(Count(bad), std::nullopt);
  std::vector<uint8_t> regs(kRegisters, 0);
  EXPECT_FALSE(MergeInto(bad, regs.data()));
  std::string copy = bad;
  EXPECT_FALSE(ToDense(copy));
  EXPECT_EQ(copy, bad);
  std::string body_only = std::string("HYLL\x01", 5) + std::string(11, '\0');
  EXPECT_EQ(Add(body_only, "x", kDefaultSparseMax), -1);
}

}  // namespace
}  // namespace tessera::hll
