// Clients blocked on keys (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX,
// BZMPOP), across threads.
//
// A blocking command runs like any other on the shard(s) owning its keys. When nothing is
// ready, the handler calls CommandContext::Block: a BlockedClient (shared by all its keys) is
// queued on every key, in each key's shard's BlockingRegistry, in arrival order. The client's
// connection holds the command's reply slot open and parses nothing more, as Redis does.
//
// A write that may make a key ready (a push, a ZADD, a move) calls SignalReady(key). Before it
// sleeps, each shard serves its ready keys: for each key, the clients queued on it in arrival
// order re-run the command's serve function on that key until the key runs dry (Redis's
// serveClientsBlockedOnKey). A serve that also writes a key of another shard (BLMOVE's
// destination) runs as an atomic multi-shard operation.
//
// Exactly one outcome per blocked client: a serve, its timeout (the shard registry checks
// deadlines before it sleeps, and the loop wakes for the nearest one) or its connection
// closing. Each claims the client with one compare-and-swap on `state`; the others find it
// claimed and drop it. The reply travels to the client's thread like any remote reply.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/value.h"

namespace tessera {

class CommandContext;
class Server;
class Shard;
struct CommandSpec;

// Serves a blocked client from `key` (the key that became ready): replies and returns true, or
// returns false (and replies nothing) when the key holds nothing for it.
using BlockServeFn = bool (*)(CommandContext& ctx, const std::string& key);
struct BlockedClient;
// Whether `value` (of the client's ready type) at `key` has something for the client; null for
// types where existing means ready (lists, sorted sets). Streams exist empty and grow.
using BlockReadyFn = bool (*)(const BlockedClient& c, const std::string& key, Object& value);

struct BlockedClient {
  enum State : int { kWaiting = 0, kClaimed = 1 };
  std::atomic<int> state{kWaiting};
  // The connection: its thread, id and the reply slot held open.
  int origin = 0;
  uint64_t conn_id = 0;
  uint64_t slot = 0;
  int db = 0;
  int resp = 2;
  // The shards the command runs on (its keys' shards), fixed before it is dispatched.
  std::vector<int> shards;
  const CommandSpec* spec = nullptr;
  std::vector<std::string> args;
  // Set by Block():
  BlockServeFn serve = nullptr;
  std::vector<std::string> keys;
  int64_t deadline_ms = 0;  // monotonic; 0 = no timeout
  // A key besides the ready one that serving writes (BLMOVE's destination), or empty.
  std::string also_writes;
  // The type a key must hold to serve this client (kList or kZSet).
  ValueType ready_type = ValueType::kList;
  BlockReadyFn ready = nullptr;
  // The error the client gets when the key it waits on loses its value of ready_type (deleted,
  // renamed away, overwritten); null: it keeps waiting (XREADGROUP: Redis's
  // "UNBLOCKED the stream key no longer exists").
  const char* gone_error = nullptr;

  bool Claim() {
    int expect = kWaiting;
    return state.compare_exchange_strong(expect, kClaimed);
  }
  bool waiting() const { return state.load(std::memory_order_acquire) == kWaiting; }
};

class BlockingRegistry {
 public:
  explicit BlockingRegistry(Shard* shard) : shard_(shard) {}

  // Queues `c` on (db, key). On the owning thread or while the shard is parked.
  void Add(int db, const std::string& key, std::shared_ptr<BlockedClient> c);
  // Queues `c` first on (db, key) (a serve that found the key emptied puts it back).
  void AddFront(int db, const std::string& key, std::shared_ptr<BlockedClient> c);
  // Drops `c` from this shard's queues and deadlines. Owning thread (or parked).
  void Remove(const BlockedClient* c);
  // Drops a claimed `c` here and, through tasks, from the other shards holding its keys.
  void Forget(Server& server, const std::shared_ptr<BlockedClient>& c);
  // From the client's connection thread, after it claimed `c` on closing: drops it from the
  // shards its command runs on, through tasks on those shards (which own its key list).
  static void Cancel(Server& server, const std::shared_ptr<BlockedClient>& c);
  // Records that (db, key) may have become ready; cheap when nobody waits on it.
  void SignalReady(int db, std::string_view key);
  // Serves ready keys and times out expired waits; returns the nearest deadline (monotonic ms)
  // still pending, or 0 when none. Owning thread, from BeforeSleep.
  int64_t Run(int64_t now_ms);
  // Keys with blocked clients (some may be claimed already and dropped lazily).
  size_t keys() const { return waiting_.size(); }

 private:
  void Serve(int db, const std::string& key);
  void Reply(BlockedClient& c, std::string reply);

  using Key = std::pair<int, std::string>;
  Shard* shard_;
  std::map<Key, std::deque<std::shared_ptr<BlockedClient>>> waiting_;
  std::vector<Key> ready_;
  // Every waiting client with a deadline, for timeouts (a client on several keys is here once
  // per key; a claimed one is skipped).
  std::multimap<int64_t, std::shared_ptr<BlockedClient>> deadlines_;
};

// Parses a blocking command's timeout (seconds, may be fractional) into a monotonic deadline in
// ms (0 = forever). False after replying Redis's error.
bool ParseBlockTimeout(CommandContext& ctx, const std::string& arg, int64_t* deadline_ms);

}  // namespace tessera
