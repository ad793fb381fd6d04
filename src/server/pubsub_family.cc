// Pub/Sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH, PUBSUB. They run on
// the connection's thread; server/pubsub.h holds the registry and the delivery path.
#include "base/strings.h"
#include "server/command_context.h"
#include "server/connection.h"
#include "server/transaction.h"

namespace tessera {
namespace {

using Kind = PubSub::Kind;

// The reply names and the count a reply carries, per kind of subscription.
struct KindInfo {
  const char* subscribe;
  const char* unsubscribe;
};
constexpr KindInfo kKinds[] = {
    {"subscribe", "unsubscribe"},
    {"psubscribe", "punsubscribe"},
    {"ssubscribe", "sunsubscribe"},
};

int64_t SubscriptionCount(const Connection& c, Kind kind) {
  if (!c.subs) return 0;
  return kind == PubSub::kShardChannel ? static_cast<int64_t>(c.subs->shard_channels.size())
                                       : c.subs->Count();
}

void ReplySubscription(CommandContext& ctx, const char* what, const std::string* name, Kind kind) {
  ctx.rb.PushHeader(3);
  ctx.rb.Bulk(what);
  if (name)
    ctx.rb.Bulk(*name);
  else
    ctx.rb.Null();
  ctx.rb.Integer(SubscriptionCount(*ctx.conn, kind));
}

template <Kind kind>
void SubscribeCmd(CommandContext& ctx) {
  // As Redis 7.0: a client that expects one reply per command (inside EXEC) cannot enter the
  // sharded subscribed mode.
  if (kind == PubSub::kShardChannel && InExec())
    return ctx.rb.Error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  PubSub& ps = ctx.server->pubsub();
  for (size_t i = 1; i < ctx.argc(); ++i) {
    ps.Subscribe(ctx.conn, kind, ctx.arg(i));
    ReplySubscription(ctx, kKinds[kind].subscribe, &ctx.arg(i), kind);
  }
}

template <Kind kind>
void UnsubscribeCmd(CommandContext& ctx) {
  PubSub& ps = ctx.server->pubsub();
  const char* what = kKinds[kind].unsubscribe;
  if (ctx.argc() > 1) {
    for (size_t i = 1; i < ctx.argc(); ++i) {
      ps.Unsubscribe(ctx.conn, kind, ctx.arg(i));
      ReplySubscription(ctx, what, &ctx.arg(i), kind);
    }
    return;
  }
  // Every subscription of the kind; with none, one reply naming no channel.
  std::vector<std::string> names;
  if (Subscriptions* s = ctx.conn->subs.get()) {
    auto& set = kind == PubSub::kChannel   ? s->channels
                : kind == PubSub::kPattern ? s->patterns
                                           : s->shard_channels;
    names.assign(set.begin(), set.end());
  }
  if (names.empty()) return ReplySubscription(ctx, what, nullptr, kind);
  for (const std::string& name : names) {
    ps.Unsubscribe(ctx.conn, kind, name);
    ReplySubscription(ctx, what, &name, kind);
  }
}

template <Kind kind>
void PublishCmd(CommandContext& ctx) {
  ctx.rb.Integer(ctx.server->pubsub().Publish(kind, ctx.arg(1), ctx.arg(2)));
}

// PUBSUB CHANNELS / SHARDCHANNELS [pattern].
template <Kind kind>
void PubsubChannels(CommandContext& ctx) {
  if (ctx.argc() > 3) {
    std::string cmd = ctx.arg(0);
    for (char& ch : cmd) ch = static_cast<char>(toupper(static_cast<unsigned char>(ch)));
    return ctx.rb.Error("ERR unknown subcommand or wrong number of arguments for '" + ctx.arg(1) +
                        "'. Try " + cmd + " HELP.");
  }
  auto names = ctx.server->pubsub().Channels(kind, ctx.argc() == 3 ? &ctx.arg(2) : nullptr);
  ctx.rb.ArrayHeader(names.size());
  for (const std::string& n : names) ctx.rb.Bulk(n);
}

// PUBSUB NUMSUB / SHARDNUMSUB [channel ...].
template <Kind kind>
void PubsubNumSub(CommandContext& ctx) {
  PubSub& ps = ctx.server->pubsub();
  ctx.rb.ArrayHeader((ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.rb.Bulk(ctx.arg(i));
    ctx.rb.Integer(ps.NumSubscribers(kind, ctx.arg(i)));
  }
}

void PubsubNumPat(CommandContext& ctx) {
  ctx.rb.Integer(ctx.server->pubsub().Count(PubSub::kPattern));
}

void PubsubHelp(CommandContext& ctx) {
  ctx.ReplyHelp(
      "PUBSUB",
      {"CHANNELS [<pattern>]",
       "    Return the currently active channels matching a <pattern> (default: '*').", "NUMPAT",
       "    Return number of subscriptions to patterns.", "NUMSUB [<channel> ...]",
       "    Return the number of subscribers for the specified channels, excluding",
       "    pattern subscriptions(default: no channels).", "SHARDCHANNELS [<pattern>]",
       "    Return the currently active shard level channels matching a <pattern> (default: "
       "'*').",
       "SHARDNUMSUB [<shardchannel> ...]",
       "    Return the number of subscribers for the specified shard level channel(s)"},
      "    Prints this help.");
}

constexpr uint32_t kSub = kCmdPubSub | kCmdNoScript | kCmdLoading | kCmdStale | kCmdSubscribedOk;
constexpr uint32_t kPub = kCmdPubSub | kCmdLoading | kCmdStale | kCmdFast;
constexpr uint32_t kInfo = kCmdPubSub | kCmdLoading | kCmdStale;

CommandSpec Cmd(std::string name, int arity, uint32_t flags, Handler h, std::string summary,
                std::string since, std::string complexity, const char* speed = "slow") {
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .Acl({"pubsub", speed})
      .Doc("pubsub", std::move(summary), std::move(since), std::move(complexity));
}

// Shard channels are declared at key positions (COMMAND INFO, GETKEYS) but, as channels, run
// on the connection's thread.
CommandSpec ShardCmd(CommandSpec spec, int last) {
  spec.flags |= kCmdNotKey;
  return spec.Keys(1, last, 1).RouteTo(Route::kLocal);
}

void RegisterPubSubFamily(CommandRegistry& r) {
  r.Register(Cmd("subscribe", -2, kSub, SubscribeCmd<PubSub::kChannel>,
                 "Listen for messages published to the given channels", "2.0.0",
                 "O(N) where N is the number of channels to subscribe to."));
  r.Register(Cmd("unsubscribe", -1, kSub, UnsubscribeCmd<PubSub::kChannel>,
                 "Stop listening for messages posted to the given channels", "2.0.0",
                 "O(N) where N is the number of clients already subscribed to a channel."));
  r.Register(Cmd("psubscribe", -2, kSub, SubscribeCmd<PubSub::kPattern>,
                 "Listen for messages published to channels matching the given patterns", "2.0.0",
                 "O(N) where N is the number of patterns the client is already subscribed to."));
  r.Register(Cmd("punsubscribe", -1, kSub, UnsubscribeCmd<PubSub::kPattern>,
                 "Stop listening for messages posted to channels matching the given patterns",
                 "2.0.0",
                 "O(N+M) where N is the number of patterns the client is already subscribed and M "
                 "is the number of total patterns subscribed in the system (by any client)."));
  r.Register(ShardCmd(Cmd("ssubscribe", -2, kSub, SubscribeCmd<PubSub::kShardChannel>,
                          "Listen for messages published to the given shard channels", "7.0.0",
                          "O(N) where N is the number of shard channels to subscribe to."),
                      -1));
  r.Register(ShardCmd(Cmd("sunsubscribe", -1, kSub, UnsubscribeCmd<PubSub::kShardChannel>,
                          "Stop listening for messages posted to the given shard channels", "7.0.0",
                          "O(N) where N is the number of clients already subscribed to a shard "
                          "channel."),
                      -1));
  r.Register(Cmd("publish", 3, kPub, PublishCmd<PubSub::kChannel>, "Post a message to a channel",
                 "2.0.0",
                 "O(N+M) where N is the number of clients subscribed to the receiving channel and "
                 "M is the total number of subscribed patterns (by any client).",
                 "fast"));
  r.Register(ShardCmd(Cmd("spublish", 3, kPub, PublishCmd<PubSub::kShardChannel>,
                          "Post a message to a shard channel", "7.0.0",
                          "O(N) where N is the number of clients subscribed to the receiving shard "
                          "channel.",
                          "fast"),
                      1));
  r.Register(
      CommandSpec::Make("pubsub", -2, 0, nullptr)
          .Acl({"slow"})
          .Doc("pubsub", "A container for Pub/Sub commands", "2.8.0", "Depends on subcommand.")
          .Subcommands({
              Cmd("channels", -2, kInfo, PubsubChannels<PubSub::kChannel>, "List active channels",
                  "2.8.0",
                  "O(N) where N is the number of active channels, and assuming constant time "
                  "pattern matching (relatively short channels and patterns)"),
              Cmd("numsub", -2, kInfo, PubsubNumSub<PubSub::kChannel>,
                  "Get the count of subscribers for channels", "2.8.0",
                  "O(N) for the NUMSUB subcommand, where N is the number of requested channels"),
              Cmd("numpat", 2, kInfo, PubsubNumPat,
                  "Get the count of unique patterns pattern "
                  "subscriptions",
                  "2.8.0", "O(1)"),
              Cmd("shardchannels", -2, kInfo, PubsubChannels<PubSub::kShardChannel>,
                  "List active shard channels", "7.0.0",
                  "O(N) where N is the number of active shard channels, and assuming constant "
                  "time pattern matching (relatively short shard channels)."),
              Cmd("shardnumsub", -2, kInfo, PubsubNumSub<PubSub::kShardChannel>,
                  "Get the count of subscribers for shard channels", "7.0.0",
                  "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard "
                  "channels"),
              Cmd("help", 2, kCmdLoading | kCmdStale, PubsubHelp,
                  "Show helpful text about the different subcommands", "6.2.0", "O(1)"),
          }));
}

CommandRegistrar registrar(RegisterPubSubFamily);

}  // namespace
}  // namespace tessera
