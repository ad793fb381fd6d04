// The process: configuration, the shard threads, the slot -> shard map and the few pieces of
// state that are truly global (client ids, pause state, shutdown).
//
// Cross-shard atomicity (RunAtomic): a multi-shard operation posts one "arrive" task to every
// shard it touches, all posted while holding schedule_mu_, so every shard's queue sees
// multi-shard operations in one global order. Each shard, on reaching the task, waits until all
// the others have reached it too; the last to arrive runs the body while every involved shard
// is parked, then releases them. Because the order is global, the earliest pending operation can
// always complete: no deadlock. Single-shard commands never touch this path.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/hash_slot.h"
#include "server/config.h"
#include "server/memory.h"
#include "server/persistence.h"
#include "server/pubsub.h"

namespace tessera {

class Shard;

class Server {
 public:
  explicit Server(Config cfg);
  ~Server();

  // Binds, starts the shard threads and blocks until SHUTDOWN or SIGTERM/SIGINT.
  // Returns the process exit code.
  int Run();

  Config& config() { return config_; }
  MemoryBudget& memory() { return *memory_; }
  Persistence& persistence() { return *persistence_; }
  PubSub& pubsub() { return *pubsub_; }
  // Applies the keyspace settings (eviction policy and parameters, maxmemory split, encoding
  // thresholds) to every shard. Only while the shards are parked or not yet running.
  void ApplyMemoryConfig();
  // The memory view with every shard's numbers fresh. Only while the shards are parked.
  MemorySnapshot SnapshotMemory();
  // True while some shard is evacuating slab pages.
  bool compacting();
  int num_shards() const { return static_cast<int>(shards_.size()); }
  Shard& shard(int i) { return *shards_[i]; }
  int ShardOfSlot(uint16_t slot) const { return slot_owner_[slot]; }
  int ShardOf(std::string_view key) const {
    return shards_.size() == 1 ? 0 : slot_owner_[KeySlot(key)];
  }

  // Runs `body` once every shard in `shards` (sorted, unique) is parked; see the header comment.
  // Returns immediately; `body` runs later on one of those shards' threads.
  void RunAtomic(const std::vector<int>& shards, std::function<void()> body);
  // Whether the calling thread is running a RunAtomic body (for another shard's sake, perhaps:
  // its own shard's queue may still hold older tasks).
  static bool InAtomicBody();
  std::vector<int> AllShards() const;

  uint64_t NextClientId() { return next_client_id_.fetch_add(1, std::memory_order_relaxed); }
  std::atomic<int64_t>& connected_clients() { return connected_clients_; }

  // CLIENT PAUSE state.
  void Pause(int64_t until_ms, bool all);
  void Unpause();
  // True when a command with `flags` must wait (write-pause blocks writes, all-pause all).
  bool IsPaused(uint32_t cmd_flags) const;

  // Raises RLIMIT_NOFILE for `maxclients` clients; sets *fitted to what fits (maxclients, or
  // fewer when the limit cannot be raised, with a message saying so).
  std::string EnsureFdLimit(int64_t maxclients, int64_t* fitted) const;

  // True while start-up recovery runs (the shards answer -LOADING to most commands).
  bool loading() const { return loading_.load(std::memory_order_acquire); }

  // Begins shutdown (SHUTDOWN command / signals). Thread-safe. `save`: 1 saves a final
  // snapshot, 0 does not, -1 follows the save rules (as SIGTERM does).
  void RequestShutdown(int save = -1);

  int64_t start_time_ms() const { return start_time_ms_; }
  // memcached's delayed flush_all: when it is due (ms), 0 when none is pending (McCron).
  int64_t mc_flush_at_ms() const { return mc_flush_at_ms_.load(std::memory_order_relaxed); }
  void set_mc_flush_at_ms(int64_t at) { mc_flush_at_ms_.store(at, std::memory_order_relaxed); }
  int64_t lastsave_s() const { return persistence_->lastsave_s(); }
  const std::string& run_id() const { return run_id_; }
  const std::string& executable() const { return executable_; }
  void set_executable(std::string e) { executable_ = std::move(e); }
  int tcp_port() const { return static_cast<int>(config_.port); }

 private:
  void StopShards();

  Config config_;
  std::unique_ptr<PubSub> pubsub_;  // before shards_: outlives their connections
  std::vector<std::unique_ptr<Shard>> shards_;
  std::unique_ptr<MemoryBudget> memory_;
  // After shards_: destroyed first (its background thread refers to the shards).
  std::unique_ptr<Persistence> persistence_;
  std::atomic<int> shutdown_save_{-1};
  std::atomic<bool> loading_{false};
  std::vector<uint16_t> slot_owner_;
  std::mutex schedule_mu_;  // orders RunAtomic postings; held only while posting
  bool stopping_ = false;   // guarded by schedule_mu_: no new atomic operations once set
  std::atomic<uint64_t> next_client_id_{1};
  std::atomic<int64_t> connected_clients_{0};
  std::mutex pause_mu_;  // serialises Pause/Unpause; IsPaused reads the atomics without it
  std::atomic<int64_t> pause_end_ms_{0};
  std::atomic<bool> pause_all_{false};
  int64_t start_time_ms_;
  std::atomic<int64_t> mc_flush_at_ms_{0};
  std::string run_id_;
  std::string executable_;
};

}  // namespace tessera
