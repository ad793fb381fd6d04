// MemoryBudget: the process memory view and the per-shard maxmemory split.
#include "server/memory.h"

#include <unistd.h>

#include <cstdio>

#include "core/keyspace.h"
#include "server/config.h"

namespace tessera {

MemoryBudget::MemoryBudget(int num_shards) : shards_(num_shards) {}

void MemoryBudget::Publish(int shard, const Keyspace& ks) {
  Published& p = shards_[shard];
  p.used.store(ks.used_bytes(), std::memory_order_relaxed);
  p.index.store(ks.index_bytes(), std::memory_order_relaxed);
  p.slab_pages.store(ks.slab().page_bytes(), std::memory_order_relaxed);
  p.slab_used.store(ks.slab().used_bytes(), std::memory_order_relaxed);
}

MemorySnapshot MemoryBudget::Refresh(const Config& cfg) {
  MemorySnapshot m;
  m.allocator = ReadAllocatorStats();
  for (const Published& p : shards_) {
    m.dataset += p.used.load(std::memory_order_relaxed);
    m.index += p.index.load(std::memory_order_relaxed);
    m.slab_pages += p.slab_pages.load(std::memory_order_relaxed);
    m.slab_used += p.slab_used.load(std::memory_order_relaxed);
  }
  size_t alloc = m.allocator.allocated;
  m.used = alloc > m.slab_pages ? alloc - m.slab_pages + m.slab_used : m.slab_used;
  size_t peak = peak_.load(std::memory_order_relaxed);
  while (m.used > peak && !peak_.compare_exchange_weak(peak, m.used)) {
  }
  m.peak = std::max(peak, m.used);
  m.startup = startup_.load(std::memory_order_relaxed);
  m.rss = ProcessRss();

  size_t limit = 0;
  if (cfg.maxmemory > 0) {
    size_t max = static_cast<size_t>(cfg.maxmemory);
    size_t overhead = m.used > m.dataset ? m.used - m.dataset : 0;
    limit = max > overhead ? (max - overhead) / shards_.size() : 0;
    if (limit == 0) limit = 1;  // over the limit with no keys at all: every write is refused
  }
  limit_.store(limit, std::memory_order_relaxed);
  return m;
}

void MemoryBudget::MarkStartup() {
  AllocatorStats a = ReadAllocatorStats();
  startup_.store(a.allocated, std::memory_order_relaxed);
}

size_t ProcessRss() {
  FILE* f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long size = 0, resident = 0;
  int n = fscanf(f, "%lu %lu", &size, &resident);
  fclose(f);
  return n == 2 ? resident * static_cast<size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

}  // namespace tessera
