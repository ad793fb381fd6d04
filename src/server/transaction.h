// MULTI / EXEC / DISCARD / WATCH / UNWATCH (docs/transactions.md).
//
// A connection in MULTI queues its commands (dispatch replies +QUEUED). EXEC runs them all as
// one operation: inline when every command and watched key is on the connection's shard,
// otherwise atomically (Server::RunAtomic) with the shards of every queued command and
// watched key, and the connection's own, parked: no client of any thread sees part of it.
// Its log records form one transaction (wal TXN) over the shards it wrote.
//
// WATCH registers each key in its shard's WatchRegistry with the connection's WatchFlag. Any
// change to a watched key's value, TTL or existence touches the flags (the keyspace reports
// it); FLUSHDB / FLUSHALL / SWAPDB touch the watched keys they empty or replace
// (Dispatcher::Execute, before they run). A watched key
// that existed at WATCH and is gone at EXEC (expired, evicted) aborts too, as Redis's
// isWatchedKeyExpired.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/keyspace.h"
#include "server/command.h"

namespace tessera {

class Connection;
class Server;

// Set when a watched key changes; shared by a connection and the registries holding its keys.
struct WatchFlag {
  std::atomic<bool> touched{false};
};

// A shard's watched keys. Touched only by the shard's thread or while it is parked. While it
// holds any, the shard's keyspace reports every change to a key (Keyspace::KeyEvent::
// kModified), which the shard passes to Touch.
class WatchRegistry {
 public:
  explicit WatchRegistry(Keyspace* ks) : ks_(ks) {}
  bool empty() const { return keys_.empty(); }
  void Add(int db, std::string_view key, std::shared_ptr<WatchFlag> flag);
  void Remove(int db, std::string_view key, const WatchFlag* flag);
  // Touches every watcher of the key (they stay touched: the entry goes).
  void Touch(int db, std::string_view key);
  // Touches the watched keys of database `db` (-1: every database) for which `hit` is true.
  void TouchIf(int db, const std::function<bool(int db, std::string_view key)>& hit);

 private:
  static std::string Name(int db, std::string_view key);
  void Update() { ks_->set_watching(!keys_.empty()); }
  Keyspace* ks_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<WatchFlag>>> keys_;
};

// A connection's MULTI and WATCH state (allocated on its first MULTI or WATCH).
struct MultiState {
  bool active = false;  // between MULTI and EXEC / DISCARD
  bool abort = false;   // a command was refused while queueing: EXEC answers EXECABORT
  std::vector<std::vector<std::string>> cmds;
  std::vector<const CommandSpec*> specs;
  std::vector<int> targets;       // the shard each queued command runs on (-1: any)
  uint32_t flags = 0;             // union of the queued commands' flags
  std::vector<int> shards;        // every shard the queued commands touch, sorted
  bool needs_connection = false;  // a queued command uses the connection (SELECT, CLIENT ...)
  struct Watched {
    int db;
    int shard;
    std::string key;
    bool existed;  // present when watched: gone at EXEC means expired or evicted
  };
  std::vector<Watched> watched;
  std::shared_ptr<WatchFlag> flag;  // set while keys are watched

  void Discard() {
    active = abort = false;
    cmds.clear();
    specs.clear();
    targets.clear();
    flags = 0;
    shards.clear();
    needs_connection = false;
  }
};

// The shards EXEC or WATCH runs with parked: for WATCH the connection's and its keys'; for
// EXEC those of the queued commands and watched keys, plus the connection's when a queued
// command needs it or there is nothing to run (EXEC without MULTI, EXECABORT).
std::vector<int> TransactionShards(Connection* conn, const CommandSpec* spec, ArgList args);

// Queues a command inside MULTI (`shards`: where it would run, empty for the local shard) and
// replies +QUEUED.
void Queue(Connection* conn, const CommandSpec* spec, ArgList args, const std::vector<int>& shards);

// Whether the calling thread is running the commands of an EXEC (Redis's CLIENT_DENY_BLOCKING
// for SSUBSCRIBE).
bool InExec();

// Unregisters every watched key of `m`: inline on the calling thread's shard, by a posted task
// on the others (a registry still holding the old flag meanwhile only touches that flag).
void Unwatch(Server& server, MultiState& m);

}  // namespace tessera
