// Dispatch: look a command up, check arity / auth / pause, then run it where its keys live:
// inline, batched to one other shard, or atomically across several (Server::RunAtomic).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "server/command.h"

namespace tessera {

class Connection;
class Shard;
struct BlockedClient;
struct MultiState;

class Dispatcher {
 public:
  // Runs one parsed command for `conn`. The connection may end up suspended (inflight or
  // paused); its reply then arrives later, still in order.
  static void Run(Connection* conn, ArgList args);
  // Sends the batch gathered for another shard (if any); its replies fill a reserved slot.
  static void SendBatch(Connection* conn);
  // Runs `spec` against the data of the calling thread's shards, appending its reply to `out`
  // and accounting statistics to `exec_shard`. With `blocking`, a blocking command may block
  // instead of replying: then it returns true and `out` is left empty. `txn`: the transaction
  // an EXEC run away from its connection runs (CommandContext::txn).
  static bool Execute(Shard& exec_shard, Connection* conn, const CommandSpec* spec, ArgList args,
                      std::string* out, int resp, int db, uint64_t client_id,
                      const std::shared_ptr<BlockedClient>* blocking = nullptr,
                      MultiState* txn = nullptr);
  // Start-up recovery: runs a logged command against `shard` at the time it first ran (no
  // statistics, no eviction, not logged again).
  static void Replay(Shard& shard, const CommandSpec* spec, ArgList args, int db, int64_t now_ms,
                     std::string* out);

 private:
  // A blocking command (BLPOP & co.): runs where its keys live and may block (server/blocking.h).
  static void RunBlocking(Connection* conn, const CommandSpec* spec, ArgList args, int target,
                          const std::vector<int>& shards);
  // An EXEC whose commands and watched keys are all on other shards (`shards`): the
  // transaction leaves the connection and runs there, on one shard by its queue or atomically.
  static void RunExecAway(Connection* conn, const CommandSpec* spec,
                          const std::vector<int>& shards);
};

}  // namespace tessera
