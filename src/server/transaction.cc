// MULTI / EXEC / DISCARD / WATCH / UNWATCH: see transaction.h.
#include "server/transaction.h"

#include <algorithm>
#include <cstring>

#include "server/command_context.h"
#include "server/connection.h"
#include "server/dispatch.h"
#include "server/server.h"
#include "server/shard.h"

namespace tessera {

std::string WatchRegistry::Name(int db, std::string_view key) {
  std::string name(sizeof(db), '\0');
  memcpy(name.data(), &db, sizeof(db));
  name.append(key);
  return name;
}

void WatchRegistry::Add(int db, std::string_view key, std::shared_ptr<WatchFlag> flag) {
  keys_[Name(db, key)].push_back(std::move(flag));
  Update();
}

void WatchRegistry::Remove(int db, std::string_view key, const WatchFlag* flag) {
  auto it = keys_.find(Name(db, key));
  if (it == keys_.end()) return;
  std::erase_if(it->second, [flag](const auto& f) { return f.get() == flag; });
  if (it->second.empty()) keys_.erase(it);
  Update();
}

void WatchRegistry::Touch(int db, std::string_view key) {
  auto it = keys_.find(Name(db, key));
  if (it == keys_.end()) return;
  for (auto& f : it->second) f->touched.store(true, std::memory_order_relaxed);
  keys_.erase(it);
  Update();
}

void WatchRegistry::TouchIf(int db, const std::function<bool(int, std::string_view)>& hit) {
  for (auto it = keys_.begin(); it != keys_.end();) {
    int d;
    memcpy(&d, it->first.data(), sizeof(d));
    std::string_view key = std::string_view(it->first).substr(sizeof(d));
    if ((db < 0 || d == db) && hit(d, key)) {
      for (auto& f : it->second) f->touched.store(true, std::memory_order_relaxed);
      it = keys_.erase(it);
    } else {
      ++it;
    }
  }
  Update();
}

void Unwatch(Server& server, MultiState& m) {
  if (!m.flag) return;
  Shard* here = CurrentShard();
  for (MultiState::Watched& w : m.watched) {
    Shard& s = server.shard(w.shard);
    if (&s == here) {
      s.watches().Remove(w.db, w.key, m.flag.get());
    } else {
      s.loop().Post([&s, db = w.db, key = std::move(w.key), flag = m.flag] {
        s.watches().Remove(db, key, flag.get());
      });
    }
  }
  m.watched.clear();
  m.flag.reset();
}

namespace {

// EXEC's shards for `m` (see TransactionShards); `origin` -1 when the connection is not needed.
std::vector<int> ExecShards(const MultiState& m, int origin) {
  std::vector<int> shards = m.shards;
  for (const MultiState::Watched& w : m.watched) shards.push_back(w.shard);
  if (origin >= 0) shards.push_back(origin);
  std::sort(shards.begin(), shards.end());
  shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
  return shards;
}

}  // namespace

std::vector<int> TransactionShards(Connection* conn, const CommandSpec* spec, ArgList args) {
  Server& server = conn->shard().server();
  int origin = conn->shard().index();
  if (spec->first_key > 0) {  // WATCH
    std::vector<int> shards{origin};
    for (size_t i = 1; i < args.size(); ++i) shards.push_back(server.ShardOf(args[i]));
    std::sort(shards.begin(), shards.end());
    shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
    return shards;
  }
  MultiState* m = conn->multi();
  if (!m || !m->active || m->abort) return {origin};
  std::vector<int> shards = ExecShards(*m, m->needs_connection ? origin : -1);
  return shards.empty() ? std::vector<int>{origin} : shards;
}

void Queue(Connection* conn, const CommandSpec* spec, ArgList args,
           const std::vector<int>& shards) {
  MultiState& m = *conn->multi();
  int origin = conn->shard().index();
  m.cmds.emplace_back(args.begin(), args.end());
  m.specs.push_back(spec);
  m.targets.push_back(shards.empty() ? origin : shards.size() == 1 ? shards[0] : -1);
  m.flags |= spec->flags;
  if (spec->route == Route::kLocal) m.needs_connection = true;
  m.shards.insert(m.shards.end(), shards.begin(), shards.end());
  std::sort(m.shards.begin(), m.shards.end());
  m.shards.erase(std::unique(m.shards.begin(), m.shards.end()), m.shards.end());
  conn->ReplyTarget()->append("+QUEUED\r\n");
}

namespace {

thread_local bool t_in_exec = false;

}  // namespace

bool InExec() { return t_in_exec; }

namespace {

void Multi(CommandContext& ctx) {
  MultiState& m = ctx.conn->EnsureMulti();
  if (m.active) return ctx.rb.Error("ERR MULTI calls can not be nested");
  m.active = true;
  ctx.rb.Ok();
}

void Discard(CommandContext& ctx) {
  if (!ctx.conn->in_multi()) return ctx.rb.Error("ERR DISCARD without MULTI");
  ctx.conn->EndMulti();
  ctx.rb.Ok();
}

void UnwatchCommand(CommandContext& ctx) {
  if (MultiState* m = ctx.conn->multi()) Unwatch(*ctx.server, *m);
  ctx.rb.Ok();
}

// Runs with the shards of the keys parked (or inline when they are all local).
void Watch(CommandContext& ctx) {
  // Closed while the operation waited for its shards: nobody would unwatch these keys.
  if (ctx.conn->closed()) return;
  if (ctx.conn->in_multi()) return ctx.rb.Error("ERR WATCH inside MULTI is not allowed");
  MultiState& m = ctx.conn->EnsureMulti();
  if (!m.flag) m.flag = std::make_shared<WatchFlag>();
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const std::string& key = ctx.arg(i);
    auto same = [&](const MultiState::Watched& w) { return w.db == ctx.db_index && w.key == key; };
    if (std::any_of(m.watched.begin(), m.watched.end(), same)) continue;
    int shard = ctx.server->ShardOf(key);
    Shard& s = ctx.server->shard(shard);
    bool existed = s.db(ctx.db_index).Find(key, ctx.now_ms) != nullptr;
    s.watches().Add(ctx.db_index, key, m.flag);
    m.watched.push_back({ctx.db_index, shard, key, existed});
  }
  ctx.rb.Ok();
}

// Whether a watched key changed: touched, or present at WATCH and gone now.
bool WatchBroken(CommandContext& ctx, const MultiState& m) {
  if (m.flag && m.flag->touched.load(std::memory_order_relaxed)) return true;
  for (const MultiState::Watched& w : m.watched)
    if (w.existed && !ctx.server->shard(w.shard).db(w.db).Find(w.key, ctx.now_ms)) return true;
  return false;
}

// Runs with every shard of the transaction parked (or inline when they are all local), on the
// connection's transaction, or on ctx.txn when it runs away from the connection.
void Exec(CommandContext& ctx) {
  Connection* c = ctx.conn;
  MultiState* m = ctx.txn ? ctx.txn : c->multi();
  if (!m || !m->active) return ctx.rb.Error("ERR EXEC without MULTI");
  if (m->abort) {
    ctx.rb.Error("EXECABORT Transaction discarded because of previous errors.");
  } else if (WatchBroken(ctx, *m)) {
    ctx.rb.NullArray();
  } else {
    Server& server = *ctx.server;
    std::vector<int> shards = c ? TransactionShards(c, ctx.spec, ctx.args) : ExecShards(*m, -1);
    Persistence& p = server.persistence();
    p.BeginTxn(shards);
    ctx.rb.ArrayHeader(m->cmds.size());
    t_in_exec = true;
    for (size_t i = 0; i < m->cmds.size(); ++i) {
      Shard& exec = m->targets[i] >= 0 ? server.shard(m->targets[i]) : *ctx.shard;
      Dispatcher::Execute(exec, c, m->specs[i], ArgList(m->cmds[i]), ctx.rb.buffer(),
                          c ? c->resp : ctx.rb.resp(), c ? c->db : ctx.db_index, ctx.client_id);
    }
    t_in_exec = false;
    // Records of several shards, or of another thread's shard, are written before the reply
    // is sent; the local shard's are held for like any command's.
    if (p.EndTxn(shards, ctx.now_ms, shards.size() > 1) && c) c->set_awaiting_sync();
  }
  if (c) return c->EndMulti();
  Unwatch(*ctx.server, *m);
}

CommandSpec Txn(std::string name, int arity, uint32_t flags, Handler h, std::string summary,
                std::string since, std::string complexity) {
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .Acl({(flags & kCmdFast) ? "fast" : "slow", "transaction"})
      .Doc("transactions", std::move(summary), std::move(since), std::move(complexity));
}

void RegisterTransactionFamily(CommandRegistry& r) {
  constexpr uint32_t kBase = kCmdNoScript | kCmdLoading | kCmdStale;
  constexpr uint32_t kQuick = kBase | kCmdFast | kCmdAllowBusy;
  r.Register(Txn("multi", 1, kQuick | kCmdNotQueued, Multi, "Mark the start of a transaction block",
                 "1.2.0", "O(1)"));
  r.Register(Txn("exec", 1, kBase | kCmdSkipSlowlog | kCmdNotQueued, Exec,
                 "Execute all commands issued after MULTI", "1.2.0",
                 "Depends on commands in the transaction")
                 .RouteTo(Route::kTransaction));
  r.Register(Txn("discard", 1, kQuick | kCmdNotQueued, Discard,
                 "Discard all commands issued after MULTI", "2.0.0",
                 "O(N), when N is the number of queued commands"));
  r.Register(Txn("watch", -2, kQuick | kCmdNotQueued, Watch,
                 "Watch the given keys to determine execution of the MULTI/EXEC block", "2.2.0",
                 "O(1) for every key.")
                 .Keys(1, -1, 1)
                 .RouteTo(Route::kTransaction));
  r.Register(
      Txn("unwatch", 1, kQuick, UnwatchCommand, "Forget about all watched keys", "2.2.0", "O(1)"));
}

CommandRegistrar registrar(RegisterTransactionFamily);

}  // namespace
}  // namespace tessera
