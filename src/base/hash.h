// Fast seeded 64-bit hash for table keys (wyhash-style multiply-mix). The seed is randomised per
// process so crafted keys cannot force collisions.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace tessera {

uint64_t HashSeed();

namespace hash_detail {
inline uint64_t Mix(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}
inline uint64_t Read8(const char* p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}
inline uint64_t Read4(const char* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
}  // namespace hash_detail

inline uint64_t HashBytes(std::string_view s) {
  using namespace hash_detail;
  constexpr uint64_t k0 = 0xa0761d6478bd642full, k1 = 0xe7037ed1a0b428dbull,
                     k2 = 0x8ebc6af09c88c6e3ull;
  const char* p = s.data();
  size_t len = s.size();
  uint64_t seed = HashSeed() ^ k0;
  uint64_t a, b;
  if (len <= 16) {
    if (len >= 4) {
      a = (Read4(p) << 32) | Read4(p + ((len >> 3) << 2));
      b = (Read4(p + len - 4) << 32) | Read4(p + len - 4 - ((len >> 3) << 2));
    } else if (len > 0) {
      a = (static_cast<uint64_t>(static_cast<uint8_t>(p[0])) << 16) |
          (static_cast<uint64_t>(static_cast<uint8_t>(p[len >> 1])) << 8) |
          static_cast<uint8_t>(p[len - 1]);
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    size_t i = len;
    while (i > 16) {
      seed = Mix(Read8(p) ^ k1, Read8(p + 8) ^ seed);
      p += 16;
      i -= 16;
    }
    a = Read8(p + i - 16);
    b = Read8(p + i - 8);
  }
  return Mix(k1 ^ len, Mix(a ^ k1, b ^ seed) ^ k2);
}

}  // namespace tessera
