// Eviction policies and the per-key access metadata they read (the entry's 32-bit clock):
//   LRU policies:  last access time in 10 ms units (wraps after ~497 days)
//   LFU policies:  Redis's layout: last decrement time in minutes (16 bits) << 8 | log counter
//   FIFO policies: the shard's insertion sequence number (wraps after 2^32 inserts)
// Other policies keep the LRU clock, as Redis does, so OBJECT IDLETIME keeps working.
#pragma once

#include <cstdint>
#include <string_view>

namespace tessera {

enum class EvictionPolicy : uint8_t {
  kNoEviction,
  kAllKeysLru,
  kAllKeysLfu,
  kAllKeysRandom,
  kAllKeysFifo,
  kVolatileLru,
  kVolatileLfu,
  kVolatileRandom,
  kVolatileTtl,
  kVolatileFifo,
};

// Parses a maxmemory-policy name (case-insensitive); false when unknown.
bool ParseEvictionPolicy(std::string_view name, EvictionPolicy* out);
const char* EvictionPolicyName(EvictionPolicy p);

struct EvictionConfig {
  EvictionPolicy policy = EvictionPolicy::kNoEviction;
  int samples = 5;          // maxmemory-samples
  int lfu_log_factor = 10;  // lfu-log-factor
  int lfu_decay_time = 1;   // lfu-decay-time (minutes per halving step; 0 = never)

  bool lfu() const {
    return policy == EvictionPolicy::kAllKeysLfu || policy == EvictionPolicy::kVolatileLfu;
  }
  bool fifo() const {
    return policy == EvictionPolicy::kAllKeysFifo || policy == EvictionPolicy::kVolatileFifo;
  }
  bool volatile_only() const {
    return policy >= EvictionPolicy::kVolatileLru && policy <= EvictionPolicy::kVolatileFifo;
  }
  bool random() const {
    return policy == EvictionPolicy::kAllKeysRandom || policy == EvictionPolicy::kVolatileRandom;
  }
};

// Redis's initial LFU counter: new keys get a chance to gather accesses before eviction.
constexpr uint8_t kLfuInitVal = 5;

inline uint32_t LruClock(int64_t now_ms) { return static_cast<uint32_t>(now_ms / 10); }
// Milliseconds since the LRU clock `c` was taken.
inline int64_t LruIdleMs(uint32_t c, int64_t now_ms) {
  return static_cast<int64_t>(static_cast<uint32_t>(LruClock(now_ms) - c)) * 10;
}

inline uint32_t LfuMinutes(int64_t now_ms) {
  return static_cast<uint32_t>(now_ms / 60000) & 0xffff;
}
inline uint32_t LfuNew(int64_t now_ms) { return (LfuMinutes(now_ms) << 8) | kLfuInitVal; }
// The counter after the decay owed since its last decrement (Redis's LFUDecrAndReturn).
uint8_t LfuDecayed(uint32_t c, int64_t now_ms, int decay_time);
// The clock after one access: decay, then a logarithmic increment (Redis's updateLFU);
// `r` is a uniform random number in [0, 1).
uint32_t LfuTouch(uint32_t c, int64_t now_ms, const EvictionConfig& cfg, double r);

}  // namespace tessera
