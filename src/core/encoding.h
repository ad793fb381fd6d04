// Thresholds at which small collections leave their compact encoding, with Redis 7.0's names
// and built-in defaults (hash-max-listpack-entries, ...; redis.conf's sample values differ).
// Set from the config by the server.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tessera {

struct EncodingLimits {
  size_t hash_max_listpack_entries = 512;
  size_t hash_max_listpack_value = 64;
  size_t set_max_intset_entries = 512;
  size_t zset_max_listpack_entries = 128;
  size_t zset_max_listpack_value = 64;
  int64_t list_max_listpack_size = -2;
  size_t hll_sparse_max_bytes = 3000;
};

}  // namespace tessera
