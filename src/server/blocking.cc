// BlockingRegistry: per-shard queues of blocked clients, serving ready keys and timeouts.
#include "server/blocking.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <optional>

#include "base/clock.h"
#include "base/strings.h"
#include "server/command_context.h"
#include "server/connection.h"
#include "server/server.h"
#include "server/shard.h"

namespace tessera {
namespace {

// Sends `reply` to the blocked client's connection, on its own thread, once the running
// shard's log holds what was logged since `mark`.
void Deliver(Server& server, const BlockedClient& c, std::string reply, uint64_t mark) {
  uint64_t id = c.conn_id, slot = c.slot;
  Shard* origin = &server.shard(c.origin);
  auto post = [origin, id, slot, reply = std::move(reply)]() mutable {
    origin->loop().Post([id, slot, reply = std::move(reply)]() mutable {
      if (Connection* conn = CurrentShard()->FindConnection(id))
        conn->OnRemoteReply(slot, std::move(reply));
    });
  };
  CurrentShard()->persistence().AfterSync(std::move(post), mark);
}

std::string TimeoutReply(int resp) {
  std::string out;
  ReplyBuilder(&out, resp).NullArray();
  return out;
}

// Runs c's serve function for `key` on the calling thread, whose shard(s) own every key it
// touches. Returns the reply, or nullopt when the key held nothing after all.
std::optional<std::string> RunServe(Shard& shard, BlockedClient& c, const std::string& key) {
  std::string out;
  CommandContext ctx(&shard.server(), &shard, nullptr, c.spec, ArgList(c.args), &out, c.resp, c.db,
                     c.conn_id, NowMs());
  if (!c.serve(ctx, key)) return std::nullopt;
  // Served: the log records it as the non-blocking command on the served key.
  Persistence& p = shard.server().persistence();
  if (p.aof_on() && ctx.rewritten) p.LogParts(shard, *ctx.rewritten, c.db, ctx.now_ms);
  return out;
}

}  // namespace

void BlockingRegistry::Add(int db, const std::string& key, std::shared_ptr<BlockedClient> c) {
  if (c->deadline_ms) deadlines_.emplace(c->deadline_ms, c);
  waiting_[{db, key}].push_back(std::move(c));
}

void BlockingRegistry::SignalReady(int db, std::string_view key) {
  if (waiting_.empty()) return;
  Key k(db, std::string(key));
  if (waiting_.count(k)) ready_.push_back(std::move(k));
}

void BlockingRegistry::Remove(const BlockedClient* c) {
  for (const std::string& key : c->keys) {
    auto it = waiting_.find({c->db, key});
    if (it == waiting_.end()) continue;
    auto& q = it->second;
    q.erase(std::remove_if(q.begin(), q.end(), [c](const auto& p) { return p.get() == c; }),
            q.end());
    if (q.empty()) waiting_.erase(it);
  }
  if (c->deadline_ms) {
    auto [lo, hi] = deadlines_.equal_range(c->deadline_ms);
    for (auto it = lo; it != hi;) it = it->second.get() == c ? deadlines_.erase(it) : ++it;
  }
}

void BlockingRegistry::Forget(Server& server, const std::shared_ptr<BlockedClient>& c) {
  // This shard's queues now; the other shards holding its keys through a task.
  std::vector<int> others;
  for (const std::string& key : c->keys) {
    int s = server.ShardOf(key);
    if (s != shard_->index() && std::find(others.begin(), others.end(), s) == others.end())
      others.push_back(s);
  }
  Remove(c.get());
  for (int s : others)
    server.shard(s).loop().Post([c] { CurrentShard()->blocking().Remove(c.get()); });
}

void BlockingRegistry::Cancel(Server& server, const std::shared_ptr<BlockedClient>& c) {
  for (int s : c->shards)
    server.shard(s).loop().Post([c] { CurrentShard()->blocking().Remove(c.get()); });
}

void BlockingRegistry::Serve(int db, const std::string& key) {
  Server& server = shard_->server();
  auto it = waiting_.find({db, key});
  if (it == waiting_.end()) return;
  auto& q = it->second;
  // In arrival order, each client waiting for what the key now holds (a list, or a sorted
  // set) is served while the key lasts; clients waiting for another type stay queued.
  for (size_t i = 0; i < q.size();) {
    std::shared_ptr<BlockedClient> c = q[i];
    if (!c->waiting()) {
      q.erase(q.begin() + static_cast<ptrdiff_t>(i));
      continue;
    }
    // Redis never keeps an empty list or sorted set: the key existing with the right type
    // means there is something to serve (for a stream, the client's predicate decides).
    Entry* e = shard_->db(db).Find(key, NowMs());
    bool gone = !e || e->type() != c->ready_type;
    if (gone && c->gone_error && c->Claim()) {
      q.erase(q.begin() + static_cast<ptrdiff_t>(i));
      std::string err;
      ReplyBuilder(&err, c->resp).Error(c->gone_error);
      Deliver(server, *c, std::move(err), shard_->persistence().appended());
      Forget(server, c);
      it = waiting_.find({db, key});
      if (it == waiting_.end()) return;
      i = 0;
      continue;
    }
    if (gone || (c->ready && !c->ready(*c, key, *e->object())) || !c->Claim()) {
      ++i;
      continue;
    }
    q.erase(q.begin() + static_cast<ptrdiff_t>(i));
    int other = c->also_writes.empty() ? shard_->index() : server.ShardOf(c->also_writes);
    if (other == shard_->index()) {
      uint64_t mark = shard_->persistence().appended();
      auto reply = RunServe(*shard_, *c, key);
      Deliver(server, *c, reply ? std::move(*reply) : TimeoutReply(c->resp), mark);
      Forget(server, c);  // may touch this shard's queues: continue from a fresh lookup
      it = waiting_.find({db, key});
      if (it == waiting_.end()) return;
      i = 0;
      continue;
    }
    // Serving writes another shard's key: atomically over both; the remaining waiters on this
    // key are served once that has run (the body signals the key again).
    std::vector<int> shards = {shard_->index(), other};
    std::sort(shards.begin(), shards.end());
    int self = shard_->index();
    Server* srv = &server;
    server.RunAtomic(shards, [srv, self, c, db, key] {
      Shard& owner = srv->shard(self);
      uint64_t mark = CurrentShard()->persistence().appended();
      auto reply = RunServe(*CurrentShard(), *c, key);
      if (!reply) {
        // Emptied before the atomic step ran: wait again, first in line.
        c->state.store(BlockedClient::kWaiting);
        owner.blocking().AddFront(db, key, c);
        return;
      }
      Deliver(*srv, *c, std::move(*reply), mark);
      owner.blocking().Remove(c.get());
      owner.blocking().SignalReady(db, key);
    });
    break;
  }
  it = waiting_.find({db, key});
  if (it != waiting_.end() && it->second.empty()) waiting_.erase(it);
}

void BlockingRegistry::AddFront(int db, const std::string& key, std::shared_ptr<BlockedClient> c) {
  if (c->deadline_ms) deadlines_.emplace(c->deadline_ms, c);
  waiting_[{db, key}].push_front(std::move(c));
}

int64_t BlockingRegistry::Run(int64_t now_ms) {
  while (!ready_.empty()) {
    std::vector<Key> keys;
    keys.swap(ready_);
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    for (const Key& k : keys) Serve(k.first, k.second);
  }
  Server& server = shard_->server();
  while (!deadlines_.empty() && deadlines_.begin()->first <= now_ms) {
    std::shared_ptr<BlockedClient> c = deadlines_.begin()->second;
    deadlines_.erase(deadlines_.begin());
    if (c->Claim()) {
      Deliver(server, *c, TimeoutReply(c->resp), shard_->persistence().appended());
      Forget(server, c);
    } else {
      Remove(c.get());
    }
  }
  return deadlines_.empty() ? 0 : deadlines_.begin()->first;
}

void CommandContext::Block(const std::vector<std::string>& keys, int64_t deadline_ms,
                           ValueType type, BlockServeFn serve, const std::string& also_writes,
                           BlockReadyFn ready, const char* gone_error) {
  BlockedClient& c = *blocking;
  blocked = true;
  // The client went away before its command ran (its close claimed it): queue nothing.
  if (!c.waiting()) return;
  c.keys = keys;
  c.deadline_ms = deadline_ms;
  c.ready_type = type;
  c.serve = serve;
  c.also_writes = also_writes;
  c.ready = ready;
  c.gone_error = gone_error;
  // Every key's shard is this thread's or parked for this command: queue on each directly.
  for (const std::string& key : keys) ShardFor(key).blocking().Add(db_index, key, blocking);
}

bool ParseBlockTimeout(CommandContext& ctx, const std::string& arg, int64_t* deadline_ms) {
  // Redis's getTimeoutFromObjectOrReply.
  auto v = ParseLongDouble(arg);
  if (!v || std::isnan(*v)) {
    ctx.rb.Error("ERR timeout is not a float or out of range");
    return false;
  }
  long double ms = *v * 1000.0L;
  if (ms > static_cast<long double>(INT64_MAX / 2)) {
    ctx.rb.Error("ERR timeout is out of range");
    return false;
  }
  if (ms < 0) {
    ctx.rb.Error("ERR timeout is negative");
    return false;
  }
  auto t = static_cast<int64_t>(std::ceil(ms));
  *deadline_ms = t > 0 ? MonotonicMs() + t : 0;
  return true;
}

}  // namespace tessera
