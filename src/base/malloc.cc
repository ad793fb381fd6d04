// Allocator statistics over jemalloc's mallctl, the sanitizer interface or glibc's mallinfo2.
#include "base/malloc.h"

#include <cstdint>

#if defined(TESSERA_JEMALLOC)
#include <jemalloc/jemalloc.h>
#elif defined(__SANITIZE_ADDRESS__)
// From the sanitizer runtime (its header is not always installed).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
extern "C" size_t __sanitizer_get_heap_size();
#else
#include <malloc.h>
#endif

namespace tessera {

#if defined(TESSERA_JEMALLOC)

namespace {
size_t Stat(const char* name) {
  size_t v = 0, len = sizeof(v);
  return mallctl(name, &v, &len, nullptr, 0) == 0 ? v : 0;
}
}  // namespace

const char* AllocatorName() {
  static const std::string name = [] {
    const char* v = nullptr;
    size_t len = sizeof(v);
    std::string out = "jemalloc";
    if (mallctl("version", &v, &len, nullptr, 0) == 0 && v) {
      std::string s(v);
      out += "-" + s.substr(0, s.find('-'));
    }
    return out;
  }();
  return name.c_str();
}

AllocatorStats ReadAllocatorStats() {
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);
  AllocatorStats s;
  // Blocks parked in thread caches count as allocated to jemalloc but are free to the program.
  size_t allocated = Stat("stats.allocated");
  size_t cached = Stat("stats.arenas.4096.tcache_bytes");  // 4096 = MALLCTL_ARENAS_ALL
  s.allocated = allocated > cached ? allocated - cached : allocated;
  s.active = Stat("stats.active");
  s.resident = Stat("stats.resident");
  s.retained = Stat("stats.retained");
  return s;
}

bool AllocatorPurge() {
  // MALLCTL_ARENAS_ALL = 4096 in jemalloc 5.
  return mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0) == 0;
}

std::string AllocatorReport() {
  std::string out;
  malloc_stats_print([](void* o, const char* s) { static_cast<std::string*>(o)->append(s); }, &out,
                     nullptr);
  return out;
}

#elif defined(__SANITIZE_ADDRESS__)

const char* AllocatorName() { return "libc"; }

AllocatorStats ReadAllocatorStats() {
  AllocatorStats s;
  s.allocated = __sanitizer_get_current_allocated_bytes();
  s.active = s.allocated;
  s.resident = __sanitizer_get_heap_size();
  return s;
}

bool AllocatorPurge() { return false; }
std::string AllocatorReport() { return "Stats not supported for the current allocator"; }

#else

const char* AllocatorName() { return "libc"; }

AllocatorStats ReadAllocatorStats() {
  struct mallinfo2 mi = mallinfo2();
  AllocatorStats s;
  s.allocated = mi.uordblks + mi.hblkhd;
  s.active = s.allocated;
  s.resident = mi.arena + mi.hblkhd;
  return s;
}

bool AllocatorPurge() { return malloc_trim(0) != 0; }
std::string AllocatorReport() { return "Stats not supported for the current allocator"; }

#endif

}  // namespace tessera
