// Per-process random hash seed.
#include "base/hash.h"

#include <random>

namespace tessera {

uint64_t HashSeed() {
  static const uint64_t seed = [] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) | rd();
  }();
  return seed;
}

}  // namespace tessera
