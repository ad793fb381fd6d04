// Pub/Sub registry and delivery (see pubsub.h).
#include "server/pubsub.h"

#include <algorithm>
#include <mutex>

#include "base/strings.h"
#include "protocol/reply_builder.h"
#include "server/connection.h"
#include "server/server.h"
#include "server/shard.h"

namespace tessera {
namespace {

std::unordered_set<std::string>& SetOf(Subscriptions& s, PubSub::Kind kind) {
  switch (kind) {
    case PubSub::kChannel:
      return s.channels;
    case PubSub::kPattern:
      return s.patterns;
    default:
      return s.shard_channels;
  }
}

// A message as a subscriber receives it, encoded once per protocol version.
class Encoded {
 public:
  // `pattern`: the matching pattern of a pmessage, else nullptr.
  Encoded(std::string_view kind, const std::string* pattern, std::string_view channel,
          std::string_view message)
      : kind_(kind), pattern_(pattern), channel_(channel), message_(message) {}
  const std::string& For(int resp) {
    std::string& out = resp == 3 ? resp3_ : resp2_;
    if (out.empty()) {
      ReplyBuilder rb(&out, resp);
      rb.PushHeader(pattern_ ? 4 : 3);
      rb.Bulk(kind_);
      if (pattern_) rb.Bulk(*pattern_);
      rb.Bulk(channel_);
      rb.Bulk(message_);
    }
    return out;
  }

 private:
  std::string_view kind_;
  const std::string* pattern_;
  std::string_view channel_, message_;
  std::string resp2_, resp3_;
};

thread_local PushGuard* t_push_guard = nullptr;

}  // namespace

PushGuard::PushGuard(Connection* conn, std::string* out)
    : conn_(conn), out_(out), start_(out->size()), outer_(t_push_guard) {
  t_push_guard = this;
}

PushGuard::~PushGuard() {
  t_push_guard = outer_;
  out_->append(deferred_);
}

void PushGuard::Push(Connection* c, std::string_view msg) {
  PushGuard* g = t_push_guard;
  if (!g || g->conn_ != c) return void(c->ReplyTarget()->append(msg));
  if (g->out_->size() != g->start_) return void(g->deferred_.append(msg));
  g->out_->append(msg);
  g->start_ += msg.size();  // the reply begins after it
}

PubSub::PubSub(Server* server, int num_shards)
    : server_(server), num_shards_(num_shards), local_(num_shards) {}

bool PubSub::Subscribe(Connection* c, Kind kind, const std::string& name) {
  if (!c->subs) c->subs = std::make_unique<Subscriptions>();
  if (!SetOf(*c->subs, kind).insert(name).second) return false;
  int shard = c->shard().index();
  local_[shard].names[kind][name].push_back(c);
  std::unique_lock lock(mu_);
  Counts& counts = global_[kind][name];
  if (counts.empty()) counts.resize(num_shards_ + 1);
  ++counts[shard];
  ++counts[num_shards_];
  return true;
}

bool PubSub::Unsubscribe(Connection* c, Kind kind, const std::string& name) {
  if (!c->subs || SetOf(*c->subs, kind).erase(name) == 0) return false;
  int shard = c->shard().index();
  auto& names = local_[shard].names[kind];
  auto it = names.find(name);
  Conns& conns = it->second;
  conns.erase(std::find(conns.begin(), conns.end(), c));
  if (conns.empty()) names.erase(it);
  std::unique_lock lock(mu_);
  auto g = global_[kind].find(name);
  --g->second[shard];
  if (--g->second[num_shards_] == 0) global_[kind].erase(g);
  return true;
}

void PubSub::UnsubscribeAll(Connection* c) {
  if (!c->subs) return;
  for (Kind kind : {kChannel, kPattern, kShardChannel}) {
    auto names = SetOf(*c->subs, kind);
    for (const std::string& name : names) Unsubscribe(c, kind, name);
  }
}

int64_t PubSub::Publish(Kind kind, std::string_view channel, std::string_view message) {
  thread_local std::vector<char> targets;
  targets.assign(num_shards_, 0);
  int64_t receivers = 0;
  auto add = [&](const Counts& counts) {
    receivers += counts[num_shards_];
    for (int i = 0; i < num_shards_; ++i) targets[i] |= counts[i] != 0;
  };
  {
    std::shared_lock lock(mu_);
    auto it = global_[kind].find(channel);
    if (it != global_[kind].end()) add(it->second);
    if (kind == kChannel)
      for (const auto& [pattern, counts] : global_[kPattern])
        if (GlobMatch(pattern, channel)) add(counts);
  }
  Shard* here = CurrentShard();
  if (receivers == 0 || !here) return receivers;
  // Inside an atomic operation the running shard's queue may hold an older message (posted by
  // the shard of the same key before the operation reached it): queue behind it.
  bool deliver_here = targets[here->index()] && !Server::InAtomicBody();
  for (int i = 0; i < num_shards_; ++i) {
    if (!targets[i] || (i == here->index() && deliver_here)) continue;
    server_->shard(i).loop().PostBatched(
        [this, i, kind, channel = std::string(channel), message = std::string(message)] {
          Deliver(i, kind, channel, message);
        });
  }
  if (deliver_here) Deliver(here->index(), kind, channel, message);
  return receivers;
}

void PubSub::Deliver(int shard, Kind kind, std::string_view channel, std::string_view message) {
  Local& local = local_[shard];
  std::vector<Connection*> touched;
  auto send = [&](const Conns& conns, Encoded& msg) {
    for (Connection* c : conns) {
      PushGuard::Push(c, msg.For(c->resp));
      touched.push_back(c);
    }
  };
  auto it = local.names[kind].find(channel);
  if (it != local.names[kind].end()) {
    Encoded msg(kind == kShardChannel ? "smessage" : "message", nullptr, channel, message);
    send(it->second, msg);
  }
  if (kind == kChannel)
    for (const auto& [pattern, conns] : local.names[kPattern])
      if (GlobMatch(pattern, channel)) {
        Encoded msg("pmessage", &pattern, channel, message);
        send(conns, msg);
      }
  // After the walk: flushing may close a client, which unsubscribes it.
  for (Connection* c : touched) c->OnPush();
}

std::vector<std::string> PubSub::Channels(Kind kind, const std::string* pattern) {
  std::vector<std::string> out;
  std::shared_lock lock(mu_);
  for (const auto& [name, counts] : global_[kind])
    if (!pattern || GlobMatch(*pattern, name)) out.push_back(name);
  return out;
}

int64_t PubSub::NumSubscribers(Kind kind, std::string_view channel) {
  std::shared_lock lock(mu_);
  auto it = global_[kind].find(channel);
  return it == global_[kind].end() ? 0 : it->second[num_shards_];
}

int64_t PubSub::Count(Kind kind) {
  std::shared_lock lock(mu_);
  return static_cast<int64_t>(global_[kind].size());
}

}  // namespace tessera
