// HyperLogLog sketches in Redis's byte format: dense and sparse register access, sparse
// editing with Redis's exact opcode choices, and the histogram-based estimator.
#include "core/hyperloglog.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

// The estimate must round exactly as Redis's does: no fused multiply-adds.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace tessera::hll {
namespace {

constexpr uint8_t kRegisterMax = 63;
constexpr int kSparseValMax = 32;
constexpr int kSparseValMaxLen = 4;
constexpr int kSparseZeroMaxLen = 64;
constexpr int kSparseXzeroMaxLen = 16384;
constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln(2)

// ---- dense registers: 6 bits each, packed from the least significant bit of each byte ----
// Registers whose bits start at 0 or 2 within a byte fit in it; the others straddle two bytes.
inline uint8_t DenseGet(const uint8_t* r, size_t i) {
  size_t byte = i * 6 / 8;
  unsigned fb = (i * 6) & 7;
  unsigned v = r[byte] >> fb;
  if (fb > 2) v |= static_cast<unsigned>(r[byte + 1]) << (8 - fb);
  return static_cast<uint8_t>(v & kRegisterMax);
}

inline void DenseSet(uint8_t* r, size_t i, uint8_t val) {
  size_t byte = i * 6 / 8;
  unsigned fb = (i * 6) & 7;
  r[byte] = static_cast<uint8_t>((r[byte] & ~(kRegisterMax << fb)) | (val << fb));
  if (fb > 2) {
    unsigned fb8 = 8 - fb;
    r[byte + 1] = static_cast<uint8_t>((r[byte + 1] & ~(kRegisterMax >> fb8)) | (val >> fb8));
  }
}

inline int DenseRaise(uint8_t* r, size_t i, uint8_t val) {
  if (val <= DenseGet(r, i)) return 0;
  DenseSet(r, i, val);
  return 1;
}

uint8_t* Body(std::string& s) { return reinterpret_cast<uint8_t*>(s.data()) + kHeaderSize; }
const uint8_t* Body(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data()) + kHeaderSize;
}

// Register histograms are built in four interleaved tables so that runs of equal registers do
// not serialise on one counter; SumHisto folds them.
using Histo4 = int[4][64];

void SumHisto(const Histo4& h4, int* h) {
  for (int v = 0; v < 64; ++v) h[v] = h4[0][v] + h4[1][v] + h4[2][v] + h4[3][v];
}

// Histogram of the dense registers, four registers per three bytes.
void DenseHisto(const uint8_t* r, int* h) {
  Histo4 h4 = {};
  for (size_t k = 0; k < kRegisters / 4; ++k, r += 3) {
    unsigned b0 = r[0], b1 = r[1], b2 = r[2];
    ++h4[0][b0 & 63];
    ++h4[1][((b0 >> 6) | (b1 << 2)) & 63];
    ++h4[2][((b1 >> 4) | (b2 << 4)) & 63];
    ++h4[3][b2 >> 2];
  }
  SumHisto(h4, h);
}

// Histogram of one-byte registers; all-zero words (common in unions of small sketches) are
// counted eight at a time.
void RawHisto(const uint8_t* r, int* h) {
  Histo4 h4 = {};
  for (size_t i = 0; i < kRegisters; i += 8) {
    uint64_t w;
    memcpy(&w, r + i, 8);
    if (w == 0) {
      h4[0][0] += 8;
      continue;
    }
    for (int k = 0; k < 8; ++k) ++h4[k & 3][(w >> (8 * k)) & 63];
  }
  SumHisto(h4, h);
}

// regs[i] = max(regs[i], dense register i), four registers per three bytes.
void DenseMerge(const uint8_t* r, uint8_t* regs) {
  for (size_t k = 0; k < kRegisters / 4; ++k, r += 3, regs += 4) {
    unsigned b0 = r[0], b1 = r[1], b2 = r[2];
    uint8_t v[4] = {
        static_cast<uint8_t>(b0 & 63), static_cast<uint8_t>(((b0 >> 6) | (b1 << 2)) & 63),
        static_cast<uint8_t>(((b1 >> 4) | (b2 << 4)) & 63), static_cast<uint8_t>(b2 >> 2)};
    for (int j = 0; j < 4; ++j) regs[j] = std::max(regs[j], v[j]);
  }
}

// ---- sparse opcodes ----
inline bool IsZero(uint8_t b) { return (b & 0xC0) == 0; }
inline bool IsXzero(uint8_t b) { return (b & 0xC0) == 0x40; }
inline bool IsVal(uint8_t b) { return b & 0x80; }
inline int ZeroLen(uint8_t b) { return (b & 0x3F) + 1; }
inline int XzeroLen(uint8_t b, uint8_t b2) { return (((b & 0x3F) << 8) | b2) + 1; }
inline int ValValue(uint8_t b) { return ((b >> 2) & 0x1F) + 1; }
inline int ValLen(uint8_t b) { return (b & 0x3) + 1; }
inline uint8_t ValOp(int val, int len) {
  return static_cast<uint8_t>(((val - 1) << 2 | (len - 1)) | 0x80);
}
inline uint8_t ZeroOp(int len) { return static_cast<uint8_t>(len - 1); }
inline void XzeroOp(uint8_t* p, int len) {
  p[0] = static_cast<uint8_t>(((len - 1) >> 8) | 0x40);
  p[1] = static_cast<uint8_t>((len - 1) & 0xFF);
}
// A run of zero registers as ZERO (up to 64) or XZERO.
inline int EmitZeros(uint8_t* p, int len) {
  if (len > kSparseZeroMaxLen) {
    XzeroOp(p, len);
    return 2;
  }
  p[0] = ZeroOp(len);
  return 1;
}

// Walks a sparse body, calling fn(first_register, run_length, value) for every opcode (value 0
// for zero runs). fn returns false to stop. Returns the register count reached. A byte read past
// the end (a truncated XZERO) reads as 0, as it does in Redis over its NUL-terminated strings.
template <typename F>
size_t WalkSparse(const uint8_t* p, size_t n, F&& fn) {
  size_t idx = 0, i = 0;
  while (i < n) {
    uint8_t b = p[i];
    int run, val = 0;
    if (IsZero(b)) {
      run = ZeroLen(b);
      i += 1;
    } else if (IsXzero(b)) {
      run = XzeroLen(b, i + 1 < n ? p[i + 1] : 0);
      i += 2;
    } else {
      run = ValLen(b);
      val = ValValue(b);
      i += 1;
    }
    if (!fn(idx, run, val)) break;
    idx += run;
  }
  return idx;
}

// Redis's hllSigma / hllTau (Ertl, arXiv:1702.01284), same operation order.
double Sigma(double x) {
  if (x == 1.) return INFINITY;
  double z_prev, y = 1, z = x;
  do {
    x *= x;
    z_prev = z;
    z += x * y;
    y += y;
  } while (z_prev != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double z_prev, y = 1.0, z = 1 - x;
  do {
    x = std::sqrt(x);
    z_prev = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (z_prev != z);
  return z / 3;
}

uint64_t Estimate(const int* histo) {
  double m = kRegisters;
  double z = m * Tau((m - histo[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * Sigma(histo[0] / m);
  double e = static_cast<double>(std::llround(static_cast<long double>(kAlphaInf * m * m / z)));
  return static_cast<uint64_t>(e);
}

int SparseSet(std::string& s, size_t index, uint8_t count, size_t sparse_max_bytes);

}  // namespace

std::string CreateEmpty() {
  std::string s(kHeaderSize, '\0');
  memcpy(s.data(), "HYLL", 4);
  s[4] = static_cast<char>(kSparse);
  for (size_t left = kRegisters; left > 0;) {
    int run = static_cast<int>(std::min<size_t>(left, kSparseXzeroMaxLen));
    uint8_t op[2];
    XzeroOp(op, run);
    s.append(reinterpret_cast<const char*>(op), 2);
    left -= run;
  }
  return s;
}

bool LooksValid(std::string_view s) {
  if (s.size() < kHeaderSize) return false;
  if (s.substr(0, 4) != "HYLL") return false;
  uint8_t enc = EncodingOf(s);
  if (enc > kSparse) return false;
  if (enc == kDense && s.size() != kDenseSize) return false;
  return true;
}

std::optional<uint64_t> CachedCount(std::string_view s) {
  if (static_cast<uint8_t>(s[15]) & 0x80) return std::nullopt;
  uint64_t card = 0;
  for (int i = 7; i >= 0; --i) card = (card << 8) | static_cast<uint8_t>(s[8 + i]);
  return card;
}

void StoreCachedCount(std::string& s, uint64_t card) {
  for (int i = 0; i < 8; ++i) s[8 + i] = static_cast<char>((card >> (8 * i)) & 0xFF);
}

void InvalidateCache(std::string& s) { s[15] = static_cast<char>(s[15] | 0x80); }

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed) {
  const uint64_t m = 0xc6a4a7935bd1e995ULL;
  const int r = 47;
  uint64_t h = seed ^ (len * m);
  const uint8_t* data = static_cast<const uint8_t*>(key);
  const uint8_t* end = data + (len - (len & 7));
  while (data != end) {
    uint64_t k;
    memcpy(&k, data, 8);
    if constexpr (std::endian::native == std::endian::big) k = __builtin_bswap64(k);
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
    data += 8;
  }
  switch (len & 7) {
    case 7:
      h ^= static_cast<uint64_t>(data[6]) << 48;
      [[fallthrough]];
    case 6:
      h ^= static_cast<uint64_t>(data[5]) << 40;
      [[fallthrough]];
    case 5:
      h ^= static_cast<uint64_t>(data[4]) << 32;
      [[fallthrough]];
    case 4:
      h ^= static_cast<uint64_t>(data[3]) << 24;
      [[fallthrough]];
    case 3:
      h ^= static_cast<uint64_t>(data[2]) << 16;
      [[fallthrough]];
    case 2:
      h ^= static_cast<uint64_t>(data[1]) << 8;
      [[fallthrough]];
    case 1:
      h ^= static_cast<uint64_t>(data[0]);
      h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

int PatternLength(std::string_view element, size_t* index) {
  uint64_t hash = MurmurHash64A(element.data(), element.size(), 0xadc83b19ULL);
  *index = hash & (kRegisters - 1);
  hash >>= kP;
  hash |= uint64_t{1} << kQ;  // the run ends at bit Q at the latest: values are 1..Q+1
  return __builtin_ctzll(hash) + 1;
}

bool ToDense(std::string& s) {
  if (EncodingOf(s) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  memcpy(dense.data(), s.data(), kHeaderSize);  // magic, cached cardinality
  dense[4] = static_cast<char>(kDense);
  uint8_t* regs = Body(dense);
  size_t idx = WalkSparse(Body(std::string_view(s)), s.size() - kHeaderSize,
                          [&](size_t first, int run, int val) {
                            if (val == 0) return true;
                            if (first + run > kRegisters) return false;
                            for (int k = 0; k < run; ++k) DenseSet(regs, first + k, val);
                            return true;
                          });
  if (idx != kRegisters) return false;
  s.swap(dense);
  return true;
}

namespace {

// Redis's hllSparseSet: locates the opcode covering `index`, splits it around the new value
// (at most XZERO-VAL-XZERO), merges equal adjacent VALs, and promotes to dense when the value
// does not fit a VAL or the string would pass sparse_max_bytes.
int SparseSet(std::string& s, size_t index, uint8_t count, size_t sparse_max_bytes) {
  auto promote = [&]() -> int {
    if (!ToDense(s)) return -1;
    return DenseRaise(Body(s), index, count);
  };
  if (count > kSparseValMax) return promote();

  uint8_t* body = Body(s);
  size_t n = s.size() - kHeaderSize;
  // Step 1: find the opcode at `pos` covering registers [first, first + span).
  size_t pos = 0, first = 0, span = 0, prev = SIZE_MAX;
  while (pos < n) {
    uint8_t b = body[pos];
    size_t oplen = 1;
    if (IsZero(b)) {
      span = ZeroLen(b);
    } else if (IsVal(b)) {
      span = ValLen(b);
    } else {
      if (pos + 1 >= n) return -1;  // truncated XZERO
      span = XzeroLen(b, body[pos + 1]);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = pos;
    pos += oplen;
    first += span;
  }
  if (span == 0 || pos >= n) return -1;

  uint8_t op = body[pos];
  bool is_zero = IsZero(op), is_xzero = IsXzero(op), is_val = IsVal(op);
  size_t next = pos + (is_xzero ? 2 : 1);
  bool has_next = next < n;
  int runlen = is_zero ? ZeroLen(op) : is_xzero ? static_cast<int>(span) : ValLen(op);

  bool in_place = false;
  if (is_val) {
    if (ValValue(op) >= count) return 0;
    if (runlen == 1) in_place = true;
  } else if (is_zero && runlen == 1) {
    in_place = true;
  }
  if (in_place) {
    body[pos] = ValOp(count, 1);
  } else {
    // Step 2: the replacement sequence for the opcode.
    uint8_t seq[5];
    int len = 0;
    size_t last = first + span - 1;
    if (is_zero || is_xzero) {
      if (index != first) len += EmitZeros(seq + len, static_cast<int>(index - first));
      seq[len++] = ValOp(count, 1);
      if (index != last) len += EmitZeros(seq + len, static_cast<int>(last - index));
    } else {
      int cur = ValValue(op);
      if (index != first) seq[len++] = ValOp(cur, static_cast<int>(index - first));
      seq[len++] = ValOp(count, 1);
      if (index != last) seq[len++] = ValOp(cur, static_cast<int>(last - index));
    }
    // Step 3: splice it in place of the old opcode.
    int oldlen = is_xzero ? 2 : 1;
    int delta = len - oldlen;
    if (delta > 0 && s.size() + delta > sparse_max_bytes) return promote();
    if (delta > 0) {
      s.resize(s.size() + delta);
      body = Body(s);
      if (has_next) memmove(body + next + delta, body + next, n - next);
    } else if (delta < 0) {
      if (has_next) memmove(body + next + delta, body + next, n - next);
      s.resize(s.size() + delta);
      body = Body(s);
    }
    memcpy(body + pos, seq, len);
    n += delta;
  }

  // Step 4: merge adjacent VALs of equal value, scanning up to 5 opcodes from the previous one.
  size_t p = prev == SIZE_MAX ? 0 : prev;
  int scan = 5;
  while (p < n && scan--) {
    uint8_t b = body[p];
    if (IsXzero(b)) {
      p += 2;
      continue;
    }
    if (IsZero(b)) {
      p += 1;
      continue;
    }
    if (p + 1 < n && IsVal(body[p + 1])) {
      int v1 = ValValue(b), v2 = ValValue(body[p + 1]);
      if (v1 == v2) {
        int len = ValLen(b) + ValLen(body[p + 1]);
        if (len <= kSparseValMaxLen) {
          body[p + 1] = ValOp(v1, len);
          s.erase(kHeaderSize + p, 1);
          body = Body(s);
          --n;
          continue;
        }
      }
    }
    ++p;
  }
  InvalidateCache(s);
  return 1;
}

}  // namespace

int SetRegister(std::string& s, size_t index, uint8_t value, size_t sparse_max_bytes) {
  switch (EncodingOf(s)) {
    case kDense:
      return DenseRaise(Body(s), index, value);
    case kSparse:
      return SparseSet(s, index, value, sparse_max_bytes);
    default:
      return -1;
  }
}

int Add(std::string& s, std::string_view element, size_t sparse_max_bytes) {
  size_t index;
  int count = PatternLength(element, &index);
  return SetRegister(s, index, static_cast<uint8_t>(count), sparse_max_bytes);
}

std::optional<uint64_t> Count(std::string_view s) {
  int histo[64] = {0};
  if (EncodingOf(s) == kDense) {
    DenseHisto(Body(s), histo);
  } else if (EncodingOf(s) == kSparse) {
    size_t idx = WalkSparse(Body(s), s.size() - kHeaderSize, [&](size_t, int run, int val) {
      histo[val] += run;
      return true;
    });
    if (idx != kRegisters) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return Estimate(histo);
}

bool MergeInto(std::string_view s, uint8_t* regs) {
  const uint8_t* body = Body(s);
  if (EncodingOf(s) == kDense) {
    DenseMerge(body, regs);
    return true;
  }
  size_t idx = WalkSparse(body, s.size() - kHeaderSize, [&](size_t first, int run, int val) {
    if (val == 0) return true;
    if (first + run > kRegisters) return false;
    for (int k = 0; k < run; ++k)
      if (val > regs[first + k]) regs[first + k] = static_cast<uint8_t>(val);
    return true;
  });
  return idx == kRegisters;
}

bool DecodeRegisters(std::string_view s, uint8_t* regs) {
  memset(regs, 0, kRegisters);
  return MergeInto(s, regs);
}

uint64_t CountRegisters(const uint8_t* regs) {
  int histo[64];
  RawHisto(regs, histo);
  return Estimate(histo);
}

}  // namespace tessera::hll
