// Command lookup, checks and routing.
#include "server/dispatch.h"

#include <algorithm>
#include <memory>

#include "base/clock.h"
#include "base/strings.h"
#include "server/command_context.h"
#include "server/connection.h"
#include "server/server.h"
#include "server/shard.h"
#include "server/transaction.h"

namespace tessera {
namespace {

// Largest number of pipelined commands sent to another shard in one hop.
constexpr size_t kMaxBatch = 128;

// A command refused inside MULTI makes EXEC fail (EXECABORT); a refused EXEC discards the
// transaction, saying why.
void Reject(Connection* conn, const CommandSpec* spec, const std::string& err) {
  std::string msg = err;
  if (spec && spec->name == "exec") {
    // As Redis's execCommandAbort: the reason without a generic "ERR " prefix.
    msg = "EXECABORT Transaction discarded because of: " +
          (err.compare(0, 4, "ERR ") == 0 ? err.substr(4) : err);
    conn->EndMulti();
  } else if (conn->in_multi()) {
    conn->multi()->abort = true;
  }
  conn->ReplyError(msg);
  auto& st = conn->shard().stats();
  st.CountError("-" + msg + "\r\n");
  if (spec) ++st.commands[spec->id].rejected_calls;
}

// An argument as Redis's "%.*s" prints it: at most `max` bytes, ending at a NUL byte.
std::string CStr(const std::string& s, size_t max) {
  return s.substr(0, std::min(max, s.find('\0')));
}

std::string UnknownCommandError(ArgList args) {
  std::string list;
  for (size_t i = 1; i < args.size() && list.size() < 128; ++i)
    list += "'" + CStr(args[i], 128 - list.size()) + "' ";
  return "ERR unknown command '" + CStr(args[0], 128) + "', with args beginning with: " + list;
}

bool ArityOk(const CommandSpec* spec, size_t argc) {
  int n = static_cast<int>(argc);
  return spec->arity > 0 ? n == spec->arity : n >= -spec->arity;
}

// `mark`: the running shard's log position before the command(s) ran (ShardPersistence::
// AfterSync): the reply waits for what they logged.
void PostReply(Server* server, int origin, uint64_t conn_id, uint64_t slot, std::string reply,
               uint64_t mark) {
  auto post = [server, origin, conn_id, slot, reply = std::move(reply)]() mutable {
    server->shard(origin).loop().PostBatched([conn_id, slot, reply = std::move(reply)]() mutable {
      if (Connection* c = CurrentShard()->FindConnection(conn_id))
        c->OnRemoteReply(slot, std::move(reply));
    });
  };
  CurrentShard()->persistence().AfterSync(std::move(post), mark);
}

// Before a command that may grow memory (denyoom): evicts on the shards of its keys until each
// is within its maxmemory share; false when one stays over (the command is refused).
bool MakeRoom(Shard& exec_shard, const CommandSpec* spec, ArgList args, int64_t now_ms) {
  Server& server = exec_shard.server();
  if (server.config().maxmemory == 0) return true;
  if (server.num_shards() == 1 || spec->route != Route::kKeys)
    return exec_shard.keyspace().MakeRoom(now_ms);
  // Several shards are parked for a multi-key command; each key's shard must have room.
  for (int pos : spec->KeyPositions(args))
    if (!server.shard(server.ShardOf(args[pos])).keyspace().MakeRoom(now_ms)) return false;
  return true;
}

// The shards a command runs on (none: the connection's own). See Dispatcher::Run.
std::vector<int> ShardsOf(Connection* conn, const CommandSpec* spec, ArgList args) {
  Server& server = conn->shard().server();
  std::vector<int> shards;
  switch (spec->route) {
    case Route::kLocal:
      break;
    case Route::kKeys:
      for (int pos : spec->KeyPositions(args)) shards.push_back(server.ShardOf(args[pos]));
      std::sort(shards.begin(), shards.end());
      shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
      break;
    case Route::kAll:
      shards = server.AllShards();
      break;
    case Route::kCustom:
      shards.push_back(spec->route_fn(args, server.num_shards()));
      break;
    case Route::kTransaction:
      shards = TransactionShards(conn, spec, args);
      break;
  }
  return shards;
}

// WATCH: FLUSHDB / FLUSHALL / SWAPDB (every shard parked) touch the watched keys they empty or
// replace, which must be looked at before they run.
void TouchFlushed(Server& server, const CommandSpec* spec, ArgList args, int db, int64_t now_ms) {
  int a = db, b = db;
  if (spec->log_as == LogAs::kSwapDb) {
    auto x = ParseInt64(args[1]), y = ParseInt64(args[2]);
    if (!x || !y) return;
    a = static_cast<int>(*x);
    b = static_cast<int>(*y);
  }
  int only = spec->log_as == LogAs::kFlushDb ? db : -1;
  for (int i = 0; i < server.num_shards(); ++i) {
    Shard& s = server.shard(i);
    if (s.watches().empty()) continue;
    auto exists = [&](int d, std::string_view key) {
      return d >= 0 && d < s.num_dbs() && s.db(d).Find(key, now_ms) != nullptr;
    };
    s.watches().TouchIf(only, [&](int d, std::string_view key) {
      if (spec->log_as != LogAs::kSwapDb) return exists(d, key);
      return (d == a || d == b) && (exists(a, key) || exists(b, key));
    });
  }
}

// Whether the write-ahead log records a command that ran (see Dispatcher::Execute).
bool LogIt(const CommandSpec* spec, bool all_shards, const std::string* out, size_t before,
           bool changed) {
  if (!(spec->flags & kCmdWrite) || all_shards) return changed;
  bool error = out->size() > before && (*out)[before] == '-';
  return !error || changed;
}

}  // namespace

bool Dispatcher::Execute(Shard& exec_shard, Connection* conn, const CommandSpec* spec, ArgList args,
                         std::string* out, int resp, int db, uint64_t client_id,
                         const std::shared_ptr<BlockedClient>* blocking, MultiState* txn) {
  size_t before = out->size();
  int64_t t0 = NowUs();
  CommandContext ctx(&exec_shard.server(), &exec_shard, conn, spec, args, out, resp, db, client_id,
                     t0 / 1000);
  if (blocking) ctx.blocking = *blocking;
  ctx.txn = txn;
  // Commands over every shard run with all of them parked: their changes are counted on
  // whichever shard holds the keys.
  bool all = spec->route == Route::kAll;
  Server& server = exec_shard.server();
  auto dirty_now = [&] {
    if (!all) return exec_shard.stats().dirty;
    uint64_t n = 0;
    for (int i = 0; i < server.num_shards(); ++i) n += server.shard(i).stats().dirty;
    return n;
  };
  bool loggable = spec->flags & (kCmdWrite | kCmdMayReplicate);
  uint64_t dirty = loggable ? dirty_now() : 0;
  if (spec->log_as != LogAs::kCommand) TouchFlushed(server, spec, args, db, ctx.now_ms);
  {
    PushGuard pushes(conn, out);  // pub/sub messages to `conn` wait for its reply
    if ((spec->flags & kCmdDenyOom) && !MakeRoom(exec_shard, spec, args, ctx.now_ms))
      ctx.rb.Error("OOM command not allowed when used memory > 'maxmemory'.");
    else
      spec->handler(ctx);
  }
  // The log records a write that did something: any that replied without an error (a no-op
  // replays as a no-op), and one that failed after changing data. One over every shard
  // (SORT, FLUSHALL) and a read that may write (PFCOUNT's cache) only when it changed
  // something: SORT without STORE writes nothing.
  Persistence& persistence = server.persistence();
  if (loggable && persistence.aof_on() && !ctx.blocked &&
      LogIt(spec, all, out, before, dirty_now() != dirty)) {
    uint64_t mark = exec_shard.persistence().appended();
    if (ctx.rewritten)
      persistence.LogParts(exec_shard, *ctx.rewritten, db, ctx.now_ms);
    else
      persistence.AfterCommand(exec_shard, spec, args, db, ctx.now_ms);
    // A local client's reply waits for the record (Shard::BeforeSleep).
    if (conn && exec_shard.persistence().appended() != mark) conn->set_awaiting_sync();
  }
  auto& st = exec_shard.stats();
  auto& cs = st.commands[spec->id];
  ++cs.calls;
  cs.usec += NowUs() - t0;
  ++st.commands_processed;
  if (out->size() > before && (*out)[before] == '-') {
    ++cs.failed_calls;
    st.CountError(std::string_view(*out).substr(before));
  }
  return ctx.blocked;
}

void Dispatcher::Replay(Shard& shard, const CommandSpec* spec, ArgList args, int db, int64_t now_ms,
                        std::string* out) {
  SetCurrentShard(&shard);
  CommandContext ctx(&shard.server(), &shard, nullptr, spec, args, out, 2, db, 0, now_ms);
  spec->handler(ctx);
}

void Dispatcher::RunBlocking(Connection* conn, const CommandSpec* spec, ArgList args, int target,
                             const std::vector<int>& shards) {
  // Like an atomic operation, the connection parses nothing more until the reply is in: a
  // client blocked on BLPOP does not run the commands it pipelined behind it (as Redis).
  SendBatch(conn);
  Shard& shard = conn->shard();
  Server* server = &shard.server();
  auto bc = std::make_shared<BlockedClient>();
  bc->origin = shard.index();
  bc->conn_id = conn->id();
  bc->slot = conn->ReserveSlot();
  bc->db = conn->db;
  bc->resp = conn->resp;
  bc->spec = spec;
  bc->args.assign(args.begin(), args.end());
  bc->shards = shards.empty() ? std::vector<int>{target >= 0 ? target : shard.index()} : shards;
  conn->blocking_slot_ = bc->slot;
  conn->blocked_ = bc;
  auto body = [server, bc] {
    std::string reply;
    uint64_t mark = CurrentShard()->persistence().appended();
    if (!Execute(*CurrentShard(), nullptr, bc->spec, ArgList(bc->args), &reply, bc->resp, bc->db,
                 bc->conn_id, &bc))
      PostReply(server, bc->origin, bc->conn_id, bc->slot, std::move(reply), mark);
  };
  if (bc->shards.size() > 1) return server->RunAtomic(bc->shards, body);
  server->shard(bc->shards[0]).loop().Post(body);
}

void Dispatcher::RunExecAway(Connection* conn, const CommandSpec* spec,
                             const std::vector<int>& shards) {
  SendBatch(conn);  // what the connection sent before runs first
  auto txn = std::make_shared<MultiState>(std::move(*conn->multi()));
  *conn->multi() = MultiState();
  Server* server = &conn->shard().server();
  int origin = conn->shard().index(), resp = conn->resp, db = conn->db;
  uint64_t id = conn->id();
  uint64_t slot = conn->ReserveSlot();
  auto body = [server, origin, id, slot, spec, txn, resp, db] {
    std::string reply;
    uint64_t mark = CurrentShard()->persistence().appended();
    std::string name = spec->name;
    Execute(*CurrentShard(), nullptr, spec, ArgList(&name, 1), &reply, resp, db, id, nullptr,
            txn.get());
    PostReply(server, origin, id, slot, std::move(reply), mark);
  };
  // Later commands of the connection reach those shards behind it (FIFO queues, and atomic
  // operations in one global order); none can reach the connection's own shard's data.
  if (shards.size() == 1) return server->shard(shards[0]).loop().PostBatched(body);
  server->RunAtomic(shards, body);
}

void Dispatcher::SendBatch(Connection* conn) {
  auto& b = conn->batch_;
  if (b.cmds.empty()) return;
  Server* server = &conn->shard().server();
  int origin = conn->shard().index();
  auto cmds = std::make_shared<std::vector<std::vector<std::string>>>(std::move(b.cmds));
  auto specs = std::move(b.specs);
  int resp = conn->resp, db = conn->db;
  uint64_t id = conn->id();
  uint64_t slot = conn->ReserveSlot();
  server->shard(b.shard).loop().PostBatched([server, origin, id, slot, cmds, specs, resp, db] {
    std::string reply;
    Shard& me = *CurrentShard();
    uint64_t mark = me.persistence().appended();
    for (size_t i = 0; i < cmds->size(); ++i)
      Execute(me, nullptr, specs[i], ArgList((*cmds)[i]), &reply, resp, db, id);
    PostReply(server, origin, id, slot, std::move(reply), mark);
  });
  b = Connection::Batch();
}

namespace {

// Looks the command up and checks it; on failure returns nullptr with `*err` set.
const CommandSpec* Resolve(Connection* conn, ArgList args, std::string* err) {
  // Pipelines usually repeat one command: try the connection's previous one first.
  const CommandSpec* spec = conn->last_lookup;
  if (!spec || !EqualsIgnoreCase(spec->name, args[0])) {
    spec = Registry().Find(args[0]);
    conn->last_lookup = spec;
  }
  // The memcached front door's operations exist only for its connections (and the log).
  if (!spec || ((spec->flags & kCmdMemcache) != 0) != conn->memcache()) {
    *err = UnknownCommandError(args);
    return nullptr;
  }
  if (!ArityOk(spec, args.size())) {
    *err = spec->ArityError();
    return spec;
  }
  // A container with no subcommand named runs its own handler (bare COMMAND).
  if (!spec->subcommands.empty() && args.size() >= 2) {
    const CommandSpec* sub = Registry().FindSub(*spec, args[1]);
    if (!sub) {
      std::string upper = args[0];
      for (char& c : upper) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
      *err =
          "ERR unknown subcommand '" + CStr(args[1], 128) + "'. Try " + CStr(upper, 128) + " HELP.";
      return spec;
    }
    spec = sub;
    if (!ArityOk(spec, args.size())) {
      *err = spec->ArityError();
      return spec;
    }
  }
  if (!conn->authenticated && !(spec->flags & kCmdNoAuth)) {
    *err = "NOAUTH Authentication required.";
    return spec;
  }
  if (conn->resp == 2 && !(spec->flags & kCmdSubscribedOk) && conn->subscribed()) {
    *err = "ERR Can't execute '" + spec->name +
           "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this "
           "context";
  }
  return spec;
}

}  // namespace

void Dispatcher::Run(Connection* conn, ArgList args) {
  Shard& shard = conn->shard();
  Server& server = shard.server();

  std::string err;
  const CommandSpec* spec = Resolve(conn, args, &err);

  // Decide where it runs.
  int target = -1;  // a single shard, or -1 for the local one
  std::vector<int> shards;
  if (err.empty() && server.num_shards() > 1) {
    shards = ShardsOf(conn, spec, args);
    if (shards.size() == 1) {
      target = shards[0];
      shards.clear();
    }
  }
  bool remote_single = target >= 0 && target != shard.index();
  // Inside MULTI a command is queued instead (EXEC and its like run at once).
  bool queue = conn->in_multi() && err.empty() && !(spec->flags & kCmdNotQueued);

  // A batch for another shard is open: extend it, or send it off (its reply slot keeps this
  // command's reply behind it) and go on.
  auto& batch = conn->batch_;
  if (!batch.cmds.empty() && (queue || !(remote_single && target == batch.shard))) SendBatch(conn);
  if (!err.empty()) return Reject(conn, spec, err);

  // Start-up recovery owns the keyspaces: only commands that touch none may run.
  if (server.loading() && !(spec->route == Route::kLocal && (spec->flags & kCmdLoading))) {
    if (!spec->while_loading)
      return Reject(conn, spec, "LOADING Redis is loading the dataset in memory");
    CommandContext ctx(&server, &shard, conn, spec, args, conn->ReplyTarget(), conn->resp, conn->db,
                       conn->id(), NowMs());
    return spec->while_loading(ctx);
  }
  // A log or snapshot that cannot be written refuses writes (and PING, so that monitoring
  // notices), as Redis's MISCONF.
  // EXEC counts as what it runs.
  uint32_t flags = spec->flags;
  if (spec->route == Route::kTransaction && conn->in_multi()) flags |= conn->multi()->flags;
  static const Handler kPing = Registry().Find("ping")->handler;
  if (server.persistence().writes_denied() && ((flags & kCmdWrite) || spec->handler == kPing))
    return Reject(conn, spec, server.persistence().DiskError());

  if (server.IsPaused(flags)) {
    conn->stashed_.assign(args.begin(), args.end());
    conn->paused_ = true;
    shard.AddPaused(conn->id());
    return;
  }
  conn->last_command = spec;

  if (queue) {
    if (spec->flags & kCmdNoMulti)
      return Reject(conn, spec, "ERR Command not allowed inside a transaction");
    if (target >= 0) shards = {target};
    return Queue(conn, spec, args, shards);
  }
  if (spec->flags & kCmdBlocking) return RunBlocking(conn, spec, args, target, shards);
  if (spec->route == Route::kTransaction && (remote_single || !shards.empty()) &&
      !std::binary_search(shards.begin(), shards.end(), shard.index()))
    return RunExecAway(conn, spec, remote_single ? std::vector<int>{target} : shards);

  if (remote_single) {
    batch.shard = target;
    batch.cmds.emplace_back(args.begin(), args.end());
    batch.specs.push_back(spec);
    if (batch.cmds.size() >= kMaxBatch) SendBatch(conn);
    return;
  }
  if (shards.empty()) {
    Execute(shard, conn, spec, args, conn->ReplyTarget(), conn->resp, conn->db, conn->id());
    return;
  }
  // Several shards: run atomically once all of them are parked. It may touch the local shard,
  // so the connection parses nothing more until it is done. EXEC and WATCH have the
  // connection's shard parked too and may use the connection (which lives until the reply is
  // in, even if closed meanwhile).
  auto owned = std::make_shared<std::vector<std::string>>(args.begin(), args.end());
  int origin = shard.index(), resp = conn->resp, db = conn->db;
  uint64_t id = conn->id();
  uint64_t slot = conn->ReserveSlot();
  conn->blocking_slot_ = slot;
  Server* srv = &server;
  Connection* session = spec->route == Route::kTransaction ? conn : nullptr;
  server.RunAtomic(shards, [srv, origin, id, slot, spec, owned, resp, db, session] {
    std::string reply;
    uint64_t mark = CurrentShard()->persistence().appended();
    Execute(*CurrentShard(), session, spec, ArgList(*owned), &reply, resp, db, id);
    PostReply(srv, origin, id, slot, std::move(reply), mark);
  });
}

}  // namespace tessera
