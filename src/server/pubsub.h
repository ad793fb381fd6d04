// Pub/Sub: the server-wide registry of channels, patterns and shard channels, and message
// delivery to subscribers on every shard thread.
//
// A subscriber is a connection, and a connection lives on the shard thread that accepted it.
// The registry therefore has two levels:
//   - server-wide, behind a reader/writer lock (written only by SUBSCRIBE and friends): for
//     every channel / pattern, how many subscribers each shard holds. A publisher reads it to
//     compute PUBLISH's receiver count and the shards that have receivers;
//   - per shard, touched only by that shard's thread: the subscribed connections themselves.
// PUBLISH, from whichever thread runs it, delivers at once to the subscribers of its own shard
// and posts one task per other shard with receivers (EventLoop::PostBatched: a pipeline of
// publishes costs one wake-up per shard per iteration). Task queues are FIFO, so the messages
// of one publisher reach each subscriber in publish order.
//
// Connections leave the per-shard lists when they unsubscribe or close, on their own thread,
// before they are freed: a delivery task finds only live subscribers, never a dangling one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace tessera {

class Connection;
class Server;

// What a connection is subscribed to.
struct Subscriptions {
  std::unordered_set<std::string> channels, patterns, shard_channels;
  // The count (P)SUBSCRIBE replies carry (Redis's clientSubscriptionsCount).
  int64_t Count() const { return static_cast<int64_t>(channels.size() + patterns.size()); }
  int64_t Total() const { return Count() + static_cast<int64_t>(shard_channels.size()); }
};

// While a command of `conn` runs inline, with its reply going to `out`: a message for `conn`
// itself (a RESP3 client subscribed to its own keys' notifications) that arrives once the reply
// has begun waits until the command is done, so it never lands inside the reply (an MGET's
// array, say). One that arrives before any reply byte goes at once: PUBLISH to oneself answers
// after the message, as in Redis. One per running command (nests).
class PushGuard {
 public:
  PushGuard(Connection* conn, std::string* out);
  ~PushGuard();
  PushGuard(const PushGuard&) = delete;
  PushGuard& operator=(const PushGuard&) = delete;
  // Queues message `msg` for `c`.
  static void Push(Connection* c, std::string_view msg);

 private:
  Connection* conn_;
  std::string* out_;
  size_t start_;
  std::string deferred_;
  PushGuard* outer_;
};

class PubSub {
 public:
  enum Kind { kChannel, kPattern, kShardChannel };

  PubSub(Server* server, int num_shards);

  // On `c`'s thread. Adds or removes one subscription; false when it was already so.
  bool Subscribe(Connection* c, Kind kind, const std::string& name);
  bool Unsubscribe(Connection* c, Kind kind, const std::string& name);
  // On `c`'s thread: drops every subscription (RESET, close), without replies.
  void UnsubscribeAll(Connection* c);

  // From any shard thread (the calling one is CurrentShard()): delivers `message` on `channel`
  // (kChannel: to its subscribers and matching patterns; kShardChannel: to shard channel
  // subscribers) and returns the number of receivers. Off shard threads it delivers nothing.
  int64_t Publish(Kind kind, std::string_view channel, std::string_view message);

  // Introspection (PUBSUB, INFO), from any thread.
  // The channels (shard channels) with subscribers matching `pattern` (nullptr: all).
  std::vector<std::string> Channels(Kind kind, const std::string* pattern);
  int64_t NumSubscribers(Kind kind, std::string_view channel);
  // Distinct channels / patterns / shard channels with subscribers.
  int64_t Count(Kind kind);

 private:
  // Subscribers per shard, then their total.
  using Counts = std::vector<uint32_t>;
  using Conns = std::vector<Connection*>;
  // Lookups by string_view without a temporary string.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  template <typename V>
  using Map = std::unordered_map<std::string, V, Hash, std::equal_to<>>;
  struct Local {
    Map<Conns> names[3];  // by Kind
  };
  // Delivers on the calling thread to `shard`'s subscribers.
  void Deliver(int shard, Kind kind, std::string_view channel, std::string_view message);

  Server* server_;
  int num_shards_;
  std::shared_mutex mu_;
  Map<Counts> global_[3];     // GUARDED_BY(mu_), by Kind
  std::vector<Local> local_;  // [shard], its thread only
};

}  // namespace tessera
