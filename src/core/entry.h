// One key in a shard's table: chain link, expiry, access clock, value and the key bytes in a
// single allocation.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/value.h"

namespace tessera {

struct Entry {
  static constexpr int64_t kNoExpire = -1;
  static constexpr uint32_t kNotVolatile = UINT32_MAX;

  Entry* next = nullptr;
  int64_t expire_ms = kNoExpire;         // absolute unix time in ms, or kNoExpire
  uint32_t volatile_idx = kNotVolatile;  // position in Db's volatile list
  uint32_t access_clock = 0;             // LRU clock (seconds) at last access
  Value value;
  uint32_t key_len = 0;
  char key_data[];

  std::string_view key() const { return {key_data, key_len}; }
  bool has_expire() const { return expire_ms != kNoExpire; }

  // `access_clock`: the LRU clock (seconds) to start from; creation counts as an access.
  static Entry* Create(std::string_view key, Value v, uint32_t access_clock);
  static void Destroy(Entry* e);
};

}  // namespace tessera
