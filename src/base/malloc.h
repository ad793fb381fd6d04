// The process allocator (jemalloc in release builds; the sanitizer's or libc's otherwise):
// its statistics for INFO memory / MEMORY STATS, and a purge for MEMORY PURGE.
#pragma once

#include <cstddef>
#include <string>

namespace tessera {

struct AllocatorStats {
  size_t allocated = 0;  // bytes handed to the program (not counting thread caches)
  size_t active = 0;     // bytes in pages holding live allocations
  size_t resident = 0;   // bytes of allocator memory resident in RAM
  size_t retained = 0;   // bytes kept mapped but released to the OS (jemalloc)
};

// The allocator's name as INFO's mem_allocator shows it ("jemalloc-5.3.0", "libc", ...).
const char* AllocatorName();
// Current statistics (refreshed on each call; takes the allocator's locks briefly).
AllocatorStats ReadAllocatorStats();
// Returns unused dirty pages to the OS; false when the allocator has no such operation.
bool AllocatorPurge();
// The allocator's own detailed report (MEMORY MALLOC-STATS).
std::string AllocatorReport();

// jemalloc's size class for an allocation of n bytes (8, 16, 32, 48, ... 128, then four classes
// per doubling: (2^k, 2^(k+1)] in steps of 2^(k-2)), so that memory accounting follows what the
// allocator really hands out. 0 for n == 0 (nothing allocated).
constexpr size_t MallocSizeClass(size_t n) {
  if (n == 0) return 0;
  if (n <= 8) return 8;
  if (n <= 128) return (n + 15) & ~size_t{15};
  int k = 63 - __builtin_clzll(n - 1);  // 2^k < n <= 2^(k+1)
  size_t step = size_t{1} << (k - 2);
  return (n + step - 1) & ~(step - 1);
}

}  // namespace tessera
