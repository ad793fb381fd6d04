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

}  // namespace tessera
