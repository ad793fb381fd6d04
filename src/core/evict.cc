// Eviction policy names and Redis's LFU counter arithmetic.
#include "core/evict.h"

#include "base/strings.h"

namespace tessera {
namespace {

constexpr struct {
  EvictionPolicy policy;
  const char* name;
} kPolicies[] = {
    {EvictionPolicy::kNoEviction, "noeviction"},
    {EvictionPolicy::kAllKeysLru, "allkeys-lru"},
    {EvictionPolicy::kAllKeysLfu, "allkeys-lfu"},
    {EvictionPolicy::kAllKeysRandom, "allkeys-random"},
    {EvictionPolicy::kAllKeysFifo, "allkeys-fifo"},
    {EvictionPolicy::kVolatileLru, "volatile-lru"},
    {EvictionPolicy::kVolatileLfu, "volatile-lfu"},
    {EvictionPolicy::kVolatileRandom, "volatile-random"},
    {EvictionPolicy::kVolatileTtl, "volatile-ttl"},
    {EvictionPolicy::kVolatileFifo, "volatile-fifo"},
};

}  // namespace

bool ParseEvictionPolicy(std::string_view name, EvictionPolicy* out) {
  for (const auto& p : kPolicies) {
    if (EqualsIgnoreCase(name, p.name)) {
      *out = p.policy;
      return true;
    }
  }
  return false;
}

const char* EvictionPolicyName(EvictionPolicy policy) {
  for (const auto& p : kPolicies)
    if (p.policy == policy) return p.name;
  return "noeviction";
}

uint8_t LfuDecayed(uint32_t c, int64_t now_ms, int decay_time) {
  uint32_t last = (c >> 8) & 0xffff;
  uint8_t counter = c & 0xff;
  uint32_t now = LfuMinutes(now_ms);
  uint32_t elapsed = now >= last ? now - last : 65535 - last + now;
  uint32_t periods = decay_time > 0 ? elapsed / static_cast<uint32_t>(decay_time) : 0;
  return periods >= counter ? 0 : static_cast<uint8_t>(counter - periods);
}

uint32_t LfuTouch(uint32_t c, int64_t now_ms, const EvictionConfig& cfg, double r) {
  uint8_t counter = LfuDecayed(c, now_ms, cfg.lfu_decay_time);
  if (counter < 255) {
    double base = counter > kLfuInitVal ? counter - kLfuInitVal : 0;
    double p = 1.0 / (base * cfg.lfu_log_factor + 1);
    if (r < p) ++counter;
  }
  return (LfuMinutes(now_ms) << 8) | counter;
}

}  // namespace tessera
