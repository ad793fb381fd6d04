// HyperLogLog cardinality sketches stored as plain string bytes, in Redis's exact format so that
// PFCOUNT answers Redis's numbers and GET of a key returns Redis's bytes.
//
// Format (Redis 7.0 hyperloglog.c):
//   header, 16 bytes: "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | cached
//   cardinality, u64 little endian; its top bit set means "stale, recompute".
//   dense:  16384 registers of 6 bits, packed LSB first, 12288 bytes.
//   sparse: run-length opcodes over the registers:
//     ZERO  00xxxxxx           xxxxxx + 1 registers (1..64) at 0
//     XZERO 01xxxxxx yyyyyyyy  14-bit length + 1 registers (1..16384) at 0
//     VAL   1vvvvvxx           xx + 1 registers (1..4) at vvvvv + 1 (1..32)
//   A sparse sketch becomes dense when a register needs a value above 32 or when growing it
//   would pass hll-sparse-max-bytes (the whole string, header included).
// Elements are hashed with MurmurHash64A (seed 0xadc83b19): the low 14 bits pick the register,
// the run of zeros above them (+1) is the value. The estimate is Ertl's improved estimator
// ("New cardinality estimation algorithms for HyperLogLog sketches", as Redis uses it).
//
// Pure structure code: functions take the string (a key's value) and edit it in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera::hll {

inline constexpr size_t kHeaderSize = 16;
inline constexpr int kP = 14;
inline constexpr size_t kRegisters = size_t{1} << kP;  // 16384
inline constexpr int kQ = 64 - kP;                     // hash bits left for the zero run
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * 6 + 7) / 8;
inline constexpr uint8_t kDense = 0, kSparse = 1;

// An empty sketch, sparse (a single XZERO), cached cardinality 0 and valid.
std::string CreateEmpty();

// Redis's validity check for a key used as a HyperLogLog: at least a header, the "HYLL" magic,
// a known encoding, and a dense sketch of exactly kDenseSize bytes. A sparse body is checked
// only when walked (Count / Merge / Add report corruption).
bool LooksValid(std::string_view s);
inline uint8_t EncodingOf(std::string_view s) { return static_cast<uint8_t>(s[4]); }

// Adds one element: 1 if a register grew, 0 if not, -1 if the sparse body is corrupted (s may
// then be partly edited, as in Redis). May convert s to dense.
int Add(std::string& s, std::string_view element, size_t sparse_max_bytes);

// Raises register `index` to `value` if it is lower (Redis's hllDenseSet / hllSparseSet):
// 1 if it changed, 0 if not, -1 on a corrupted sparse body. May convert s to dense.
int SetRegister(std::string& s, size_t index, uint8_t value, size_t sparse_max_bytes);

// Converts a sparse sketch to dense (no-op if dense). False if the sparse body is corrupted, in
// which case s is unchanged.
bool ToDense(std::string& s);

// Cached cardinality, when the header's copy is current.
std::optional<uint64_t> CachedCount(std::string_view s);
void StoreCachedCount(std::string& s, uint64_t card);
void InvalidateCache(std::string& s);

// The estimate from the registers (ignoring the cache); nullopt if the sparse body is corrupted.
std::optional<uint64_t> Count(std::string_view s);

// regs[i] = max(regs[i], register i of s) for kRegisters one-byte registers; false if the sparse
// body is corrupted.
bool MergeInto(std::string_view s, uint8_t* regs);
// The estimate for kRegisters one-byte registers (multi-key PFCOUNT).
uint64_t CountRegisters(const uint8_t* regs);
// Register values of s, one byte each (for tests and debugging); false if corrupted.
bool DecodeRegisters(std::string_view s, uint8_t* regs);

// Redis's MurmurHash64A (endian-neutral variant) and the register/run of an element.
uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed);
int PatternLength(std::string_view element, size_t* index);

}  // namespace tessera::hll
