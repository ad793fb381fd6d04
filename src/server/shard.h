// A shard: one thread with its event loop, the connections it accepted, its slice of the
// keyspace (one Db per logical database) and its statistics. Everything here is touched only
// by the shard's own thread, or by another thread while this shard is parked in
// Server::RunAtomic.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/keyspace.h"
#include "net/event_loop.h"
#include "server/blocking.h"
#include "server/persistence.h"
#include "server/transaction.h"

namespace tessera {

class Server;
class Connection;

struct CommandStats {
  uint64_t calls = 0, usec = 0, rejected_calls = 0, failed_calls = 0;
};

// Memcached's "stats" counters (server/memcache_stats.cc sums them over the shards).
struct McStats {
  uint64_t cmd_get = 0, get_hits = 0, get_misses = 0, get_expired = 0;
  uint64_t cmd_set = 0, cmd_touch = 0, touch_hits = 0, touch_misses = 0;
  uint64_t delete_hits = 0, delete_misses = 0, incr_hits = 0, incr_misses = 0;
  uint64_t decr_hits = 0, decr_misses = 0, cas_hits = 0, cas_misses = 0, cas_badval = 0;
  uint64_t cmd_flush = 0, meta_cmds = 0, total_items = 0, store_too_large = 0;
  uint64_t total_connections = 0;
};

struct ShardStats {
  uint64_t commands_processed = 0;
  uint64_t connections_received = 0;
  uint64_t rejected_connections = 0;
  uint64_t keyspace_hits = 0, keyspace_misses = 0;
  uint64_t net_input_bytes = 0, net_output_bytes = 0;
  uint64_t dirty = 0;  // changes to the dataset
  uint64_t total_error_replies = 0;
  uint64_t expired_time_cap_reached = 0;
  uint64_t instantaneous_ops = 0;          // ops/sec over the last ~1.6 s, sampled by Cron
  std::vector<CommandStats> commands;      // indexed by CommandSpec::id
  std::map<std::string, uint64_t> errors;  // error replies by code (ERR, WRONGTYPE, ...)
  McStats mc;

  // Counts one error reply whose text starts at `reply` ("-CODE message\r\n").
  void CountError(std::string_view reply) {
    ++total_error_replies;
    size_t end = reply.find_first_of(" \r", 1);
    ++errors[std::string(reply.substr(1, end == std::string_view::npos ? 0 : end - 1))];
  }
};

class Shard {
 public:
  Shard(Server* server, int index, int num_dbs);
  ~Shard();

  int index() const { return index_; }
  Server& server() { return *server_; }
  EventLoop& loop() { return loop_; }
  Db& db(int i) { return keyspace_.db(i); }
  int num_dbs() const { return keyspace_.num_dbs(); }
  Keyspace& keyspace() { return keyspace_; }
  BlockingRegistry& blocking() { return blocking_; }
  WatchRegistry& watches() { return watches_; }
  ShardPersistence& persistence() { return *persistence_; }
  ShardStats& stats() { return stats_; }
  uint64_t Random() { return rng_(); }

  // The sockets a shard serves: listening TCP sockets shared by all shards (not owned) and
  // the shard's own memcached UDP socket (owned; SO_REUSEPORT spreads datagrams), -1 if none.
  struct Sockets {
    int resp = -1;
    int memcache = -1;
    int memcache_udp = -1;
  };
  // Starts the thread.
  void Start(const Sockets& sockets);
  void Stop();
  void Join();

  const std::unordered_map<uint64_t, std::unique_ptr<Connection>>& connections() const {
    return conns_;
  }
  Connection* FindConnection(uint64_t id);
  // Takes a connection made by this shard's thread (a UDP request's); returns it.
  Connection* Adopt(std::unique_ptr<Connection> c);
  // Frees a closed connection after the current event batch.
  void Bury(uint64_t id);
  // Queues `c`'s replies to be written once this loop iteration's work is done, so replies
  // produced by many events leave in one burst (Redis's clients_pending_write).
  void ScheduleWrite(Connection* c) { pending_writes_.push_back(c); }
  // Connections waiting for CLIENT PAUSE to end.
  void AddPaused(uint64_t id) { paused_.push_back(id); }
  void ResumePaused();

  // Clients held by CLIENT PAUSE or waiting in a blocking command (INFO blocked_clients).
  size_t blocked_clients() const;

 private:
  class Listener;
  void Accept(Listener* l);
  void Cron();
  void ActiveExpire();
  // Publishes memory numbers, applies this shard's maxmemory share and runs a compaction slice.
  void ManageMemory();
  void SampleOps(int64_t now_ms);
  void BeforeSleep();

  Server* server_;
  int index_;
  EventLoop loop_;
  Keyspace keyspace_;
  BlockingRegistry blocking_;
  WatchRegistry watches_;
  std::unique_ptr<ShardPersistence> persistence_;
  ShardStats stats_;
  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::unique_ptr<IoHandler> udp_;  // the memcached UDP socket's handler
  int64_t last_accept_warning_ms_ = 0;
  std::thread thread_;
  std::unordered_map<uint64_t, std::unique_ptr<Connection>> conns_;
  std::vector<std::unique_ptr<Connection>> graveyard_;
  std::vector<Connection*> pending_writes_;
  std::vector<uint64_t> paused_;
  size_t expire_db_cursor_ = 0;
  // Samples of commands_processed for instantaneous_ops_per_sec.
  int64_t ops_sample_ms_ = 0;
  uint64_t ops_sample_count_ = 0;
  uint64_t ops_samples_[16] = {};
  size_t ops_sample_idx_ = 0;
};

// The shard whose thread is running (nullptr off shard threads).
Shard* CurrentShard();
// Start-up recovery runs commands on the main thread: it names the shard they run against.
void SetCurrentShard(Shard* s);

// The running shard's random generator, in the plain-function form Db's sampling takes.
inline uint64_t ShardRandom() { return CurrentShard()->Random(); }

}  // namespace tessera
