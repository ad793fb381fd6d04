// Process memory as INFO memory and MEMORY STATS report it, and maxmemory's split between
// shards.
//
// used_memory is the allocator's count of allocated bytes with the slab pages counted by their
// live blocks (a page's free blocks are fragmentation, as in jemalloc's own accounting), so it
// tracks the allocator exactly. maxmemory applies to the whole process: the part not spent on
// keys (connections, buffers, tables of commands) is taken off, and each shard may keep an
// equal share of the rest for its keys. Shards publish their numbers from their cron; shard 0
// recomputes the split each tick, and CONFIG SET recomputes it at once.
#pragma once

#include <atomic>
#include <cstddef>
#include <vector>

#include "base/malloc.h"

namespace tessera {

class Keyspace;
struct Config;

struct MemorySnapshot {
  size_t used = 0;     // used_memory
  size_t peak = 0;     // used_memory_peak
  size_t startup = 0;  // used_memory_startup
  size_t rss = 0;      // used_memory_rss
  size_t dataset = 0;  // bytes held for keys and values (all shards)
  size_t index = 0;    // of which key-table segments, directories and TTL lists
  size_t slab_pages = 0, slab_used = 0;
  AllocatorStats allocator;
};

class MemoryBudget {
 public:
  explicit MemoryBudget(int num_shards);

  // A shard's current numbers; called on the shard's own thread (or while it is parked).
  void Publish(int shard, const Keyspace& ks);
  // Reads the allocator, updates the peak and every shard's limit. Any thread.
  MemorySnapshot Refresh(const Config& cfg);
  // Marks the current usage as the start-up baseline.
  void MarkStartup();
  size_t shard_limit() const { return limit_.load(std::memory_order_relaxed); }

 private:
  struct alignas(64) Published {
    std::atomic<size_t> used{0}, index{0}, slab_pages{0}, slab_used{0};
  };
  std::vector<Published> shards_;
  std::atomic<size_t> limit_{0};
  std::atomic<size_t> peak_{0};
  std::atomic<size_t> startup_{0};
};

// The process's resident set size in bytes (from /proc/self/statm).
size_t ProcessRss();

}  // namespace tessera
