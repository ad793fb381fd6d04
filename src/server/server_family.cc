// Server commands: DBSIZE FLUSHDB FLUSHALL SWAPDB CONFIG TIME LASTSAVE DEBUG SHUTDOWN.
// (INFO lives in info.cc, COMMAND in command_family.cc.)
#include <chrono>
#include <cmath>
#include <thread>

#include "base/log.h"
#include "base/strings.h"
#include "server/command_context.h"
#include "server/connection.h"

namespace tessera {
namespace {

void DbSize(CommandContext& ctx) {
  int64_t n = 0;
  for (int i = 0; i < ctx.server->num_shards(); ++i)
    n += static_cast<int64_t>(ctx.server->shard(i).db(ctx.db_index).size());
  ctx.rb.Integer(n);
}

bool ParseFlushMode(CommandContext& ctx) {
  if (ctx.argc() == 1) return true;
  if (ctx.argc() == 2 &&
      (EqualsIgnoreCase(ctx.arg(1), "ASYNC") || EqualsIgnoreCase(ctx.arg(1), "SYNC")))
    return true;
  ctx.ReplySyntaxError();
  return false;
}

void FlushDb(CommandContext& ctx) {
  if (!ParseFlushMode(ctx)) return;
  for (int i = 0; i < ctx.server->num_shards(); ++i) {
    Shard& s = ctx.server->shard(i);
    s.stats().dirty += s.db(ctx.db_index).size();
    s.db(ctx.db_index).Clear();
  }
  ctx.rb.Ok();
}

void FlushAll(CommandContext& ctx) {
  if (!ParseFlushMode(ctx)) return;
  for (int i = 0; i < ctx.server->num_shards(); ++i) {
    Shard& s = ctx.server->shard(i);
    for (int d = 0; d < s.num_dbs(); ++d) {
      s.stats().dirty += s.db(d).size();
      s.db(d).Clear();
    }
  }
  ctx.rb.Ok();
}

void SwapDb(CommandContext& ctx) {
  auto a = ParseInt64(ctx.arg(1));
  if (!a || *a < INT32_MIN || *a > INT32_MAX) return ctx.rb.Error("ERR invalid first DB index");
  auto b = ParseInt64(ctx.arg(2));
  if (!b || *b < INT32_MIN || *b > INT32_MAX) return ctx.rb.Error("ERR invalid second DB index");
  int64_t n = ctx.server->config().databases;
  if (*a < 0 || *a >= n || *b < 0 || *b >= n) return ctx.rb.Error("ERR DB index is out of range");
  for (int i = 0; i < ctx.server->num_shards(); ++i)
    ctx.server->shard(i).keyspace().SwapDbs(static_cast<int>(*a), static_cast<int>(*b));
  ++ctx.shard->stats().dirty;
  ctx.rb.Ok();
}

void Time(CommandContext& ctx) {
  int64_t us = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  ctx.rb.ArrayHeader(2);
  ctx.rb.Bulk(std::to_string(us / 1000000));
  ctx.rb.Bulk(std::to_string(us % 1000000));
}

// enable-debug-command: "yes", "local" (loopback clients only) or "no" (Redis 7's default).
bool DebugAllowed(CommandContext& ctx) {
  auto it = ctx.server->config().compat.find("enable-debug-command");
  std::string mode = it == ctx.server->config().compat.end() ? "no" : it->second;
  if (mode == "yes") return true;
  if (mode != "local") return false;
  // Every shard is parked (Route::kAll): find the caller's connection to see where it is from.
  for (int i = 0; i < ctx.server->num_shards(); ++i)
    if (Connection* c = ctx.server->shard(i).FindConnection(ctx.client_id))
      return c->addr.rfind("127.", 0) == 0 || c->addr.rfind("::1:", 0) == 0;
  return false;
}

void DebugProtocol(CommandContext& ctx, const std::string& type) {
  ReplyBuilder& rb = ctx.rb;
  std::string t = ToLower(type);
  if (t == "string") return rb.Bulk("Hello World");
  if (t == "integer") return rb.Integer(12345);
  if (t == "double") return rb.Double(3.141);
  if (t == "bignum") return rb.BigNumber("1234567999999999999999999999999999999");
  if (t == "null") return rb.Null();
  if (t == "array" || t == "set") {
    t == "array" ? rb.ArrayHeader(3) : rb.SetHeader(3);
    for (int j = 0; j < 3; ++j) rb.Integer(j);
    return;
  }
  if (t == "map") {
    rb.MapHeader(3);
    for (int j = 0; j < 3; ++j) {
      rb.Integer(j);
      rb.Bool(j == 1);
    }
    return;
  }
  if (t == "attrib") {
    if (rb.resp() >= 3) {
      rb.AttributeHeader(1);
      rb.Bulk("key-popularity");
      rb.ArrayHeader(2);
      rb.Bulk("key:123");
      rb.Integer(90);
    }
    return rb.Bulk("Some real reply following the attribute");
  }
  if (t == "push") {
    if (rb.resp() < 3) return rb.Error("ERR RESP2 is not supported by this command");
    rb.PushHeader(2);
    rb.Bulk("server-cpu-usage");
    rb.Integer(42);
    return rb.Bulk("Some real reply following the push reply");
  }
  if (t == "true") return rb.Bool(true);
  if (t == "false") return rb.Bool(false);
  if (t == "verbatim") return rb.Verbatim("This is a verbatim\nstring");
  rb.Error(
      "ERR Wrong protocol type name. Please use one of the following: "
      "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
}

void Debug(CommandContext& ctx) {
  if (!DebugAllowed(ctx))
    return ctx.rb.Error(
        "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
        "you can run it from a local connection, otherwise you need to set this option in the "
        "configuration file, and then restart the server.");
  const std::string& sub = ctx.arg(1);
  if (EqualsIgnoreCase(sub, "PROTOCOL") && ctx.argc() == 3) return DebugProtocol(ctx, ctx.arg(2));
  if (EqualsIgnoreCase(sub, "SLEEP") && ctx.argc() == 3) {
    auto secs = ParseDouble(ctx.arg(2));
    if (!secs) return ctx.rb.Error("ERR value is not a valid float");
    // Every shard is parked while this runs, as the whole of Redis would be.
    if (*secs > 0)
      std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(*secs * 1e6)));
    return ctx.rb.Ok();
  }
  if (EqualsIgnoreCase(sub, "HELP")) {
    ctx.ReplyHelp("DEBUG",
                  {"PROTOCOL <type>", "    Reply with a test value of the specified type.",
                   "SLEEP <seconds>", "    Stop the server for <seconds>. Decimals allowed."});
    return;
  }
  ctx.ReplySubcommandSyntaxError();
}

void Shutdown(CommandContext& ctx) {
  bool abort = false, force = false;
  int save = -1;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const std::string& a = ctx.arg(i);
    if (EqualsIgnoreCase(a, "ABORT"))
      abort = true;
    else if (EqualsIgnoreCase(a, "NOSAVE"))
      save = 0;
    else if (EqualsIgnoreCase(a, "SAVE"))
      save = 1;
    else if (EqualsIgnoreCase(a, "FORCE"))
      force = true;
    else if (!EqualsIgnoreCase(a, "NOW"))
      return ctx.ReplySyntaxError();
  }
  if (abort) {
    if (ctx.argc() != 2) return ctx.ReplySyntaxError();
    return ctx.rb.Error("ERR No shutdown in progress.");
  }
  LOG_WARNING("User requested shutdown...");
  // The final snapshot is taken here, every shard parked (Route::kAll), so that a failure can
  // be answered and the server keep running, as Redis. (While loading: no snapshot of half
  // the data.)
  if (!ctx.server->loading() && (save == 1 || (save == -1 && !ctx.server->config().save.empty()))) {
    LOG_NOTICE("Saving the final RDB snapshot before exiting.");
    if (!ctx.server->persistence().SaveNow(true).empty() && !force) {
      LOG_WARNING("Error trying to save the DB, can't exit.");
      return ctx.rb.Error("ERR Errors trying to SHUTDOWN. Check logs.");
    }
  }
  ctx.server->RequestShutdown(0);
  // No reply: the connection closes as the server exits.
}

// ---- CONFIG ----

void ConfigGet(CommandContext& ctx) {
  std::vector<std::pair<std::string, std::string>> all;
  for (size_t i = 2; i < ctx.argc(); ++i)
    for (auto& kv : GetConfig(ctx.server->config(), ctx.arg(i))) {
      bool dup = false;
      for (auto& seen : all) dup |= seen.first == kv.first;
      if (!dup) all.push_back(std::move(kv));
    }
  ctx.rb.MapHeader(all.size());
  for (auto& [k, v] : all) {
    ctx.rb.Bulk(k);
    ctx.rb.Bulk(v);
  }
}

void ApplyRuntimeEffects(const Config& cfg) {
  if (cfg.loglevel == "warning")
    SetLogLevel(LogLevel::kWarning);
  else if (cfg.loglevel == "notice")
    SetLogLevel(LogLevel::kNotice);
  else
    SetLogLevel(LogLevel::kVerbose);
}

void ConfigSet(CommandContext& ctx) {
  if ((ctx.argc() - 2) % 2 != 0) return ctx.ReplyArity();
  Config next = ctx.server->config();
  std::vector<std::string> seen;
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
    std::string name = ToLower(ctx.arg(i));
    if (!IsConfigName(name))
      return ctx.rb.Error("ERR Unknown option or number of arguments for CONFIG SET - '" +
                          ctx.arg(i) + "'");
    for (auto& s : seen)
      if (s == name)
        return ctx.rb.Error("ERR CONFIG SET failed (possibly related to argument '" + ctx.arg(i) +
                            "') - duplicate parameter");
    seen.push_back(name);
    std::string err = ApplyConfig(&next, name, {ctx.arg(i + 1)}, true);
    if (!err.empty())
      return ctx.rb.Error("ERR CONFIG SET failed (possibly related to argument '" + ctx.arg(i) +
                          "') - " + err);
  }
  if (next.maxclients != ctx.server->config().maxclients) {
    int64_t fitted;
    ctx.server->EnsureFdLimit(next.maxclients, &fitted);
    if (fitted < next.maxclients)
      return ctx.rb.Error(
          "ERR CONFIG SET failed (possibly related to argument 'maxclients') - The operating "
          "system is not able to handle the specified number of clients, try with " +
          std::to_string(fitted));
  }
  // Every shard is parked (Route::kAll), so replacing the settings is race-free.
  ctx.server->config() = std::move(next);
  ApplyRuntimeEffects(ctx.server->config());
  ctx.server->ApplyMemoryConfig();
  std::string err = ctx.server->persistence().ApplyConfig();
  if (!err.empty()) {
    ctx.server->config().appendonly = "no";
    return ctx.rb.Error(err);
  }
  ctx.rb.Ok();
}

void ConfigResetStat(CommandContext& ctx) {
  for (int i = 0; i < ctx.server->num_shards(); ++i) {
    ShardStats& st = ctx.server->shard(i).stats();
    size_t n = st.commands.size();
    uint64_t dirty = st.dirty;  // counts changes since the last save, not a statistic
    st = ShardStats();
    st.commands.resize(n);
    st.dirty = dirty;
    ctx.server->shard(i).keyspace().ResetStats();
  }
  ctx.rb.Ok();
}

void ConfigRewrite(CommandContext& ctx) {
  std::string err = RewriteConfig(ctx.server->config());
  if (!err.empty()) return ctx.rb.Error("ERR " + err);
  LOG_NOTICE("CONFIG REWRITE executed with success.");
  ctx.rb.Ok();
}

void ConfigHelp(CommandContext& ctx) {
  ctx.ReplyHelp(
      "CONFIG",
      {"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
       "SET <directive> <value>", "    Set the configuration <directive> to <value>.", "RESETSTAT",
       "    Reset statistics reported by the INFO command.", "REWRITE",
       "    Rewrite the configuration file."});
}

CommandSpec Srv(std::string name, int arity, uint32_t flags, Handler h, Route route,
                std::vector<std::string> acl, std::string summary, std::string since,
                std::string complexity = "O(1)") {
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .RouteTo(route)
      .Acl(std::move(acl))
      .Doc("server", std::move(summary), std::move(since), std::move(complexity));
}

void RegisterServerFamily(CommandRegistry& r) {
  r.Register(Srv("dbsize", 1, kCmdReadOnly | kCmdFast, DbSize, Route::kAll,
                 {"keyspace", "read", "fast"}, "Return the number of keys in the selected database",
                 "1.0.0"));
  r.Register(Srv("flushdb", -1, kCmdWrite, FlushDb, Route::kAll,
                 {"keyspace", "write", "slow", "dangerous"},
                 "Remove all keys from the current database", "1.0.0", "O(N)")
                 .Log(LogAs::kFlushDb));
  r.Register(Srv("flushall", -1, kCmdWrite, FlushAll, Route::kAll,
                 {"keyspace", "write", "slow", "dangerous"}, "Remove all keys from all databases",
                 "1.0.0", "O(N)")
                 .Log(LogAs::kFlushAll));
  r.Register(Srv("swapdb", 3, kCmdWrite | kCmdFast, SwapDb, Route::kAll,
                 {"keyspace", "write", "fast", "dangerous"}, "Swaps two Redis databases", "4.0.0",
                 "O(N)")
                 .Log(LogAs::kSwapDb));
  r.Register(Srv("time", 1, kCmdLoading | kCmdStale | kCmdFast, Time, Route::kLocal, {"fast"},
                 "Return the current server time", "2.6.0"));
  r.Register(Srv("debug", -2, kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale, Debug,
                 Route::kAll, {"admin", "slow", "dangerous"}, "A container for debugging commands",
                 "1.0.0", "Depends on subcommand."));
  r.Register(Srv("shutdown", -1,
                 kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale | kCmdNoMulti | kCmdAllowBusy,
                 Shutdown, Route::kAll, {"admin", "slow", "dangerous"},
                 "Synchronously save the dataset to disk and then shut down the server", "1.0.0",
                 "O(N)")
                 .WhileLoading(Shutdown));

  constexpr uint32_t kCfg = kCmdAdmin | kCmdNoScript | kCmdLoading | kCmdStale;
  auto sub = [](std::string name, int arity, uint32_t flags, Handler h, Route route,
                std::string summary) {
    return Srv(std::move(name), arity, flags, h, route, {"admin", "slow", "dangerous"},
               std::move(summary), "2.0.0", "O(N)");
  };
  r.Register(Srv("config", -2, 0, nullptr, Route::kLocal, {"slow"},
                 "A container for server configuration commands", "2.0.0", "Depends on subcommand.")
                 .Subcommands({
                     sub("get", -3, kCfg, ConfigGet, Route::kLocal,
                         "Get the values of configuration parameters"),
                     sub("set", -4, kCfg, ConfigSet, Route::kAll,
                         "Set configuration parameters to the given values"),
                     sub("resetstat", 2, kCfg, ConfigResetStat, Route::kAll,
                         "Reset the stats returned by INFO"),
                     sub("rewrite", 2, kCfg, ConfigRewrite, Route::kLocal,
                         "Rewrite the configuration file with the in memory configuration"),
                     sub("help", 2, kCmdLoading | kCmdStale, ConfigHelp, Route::kLocal,
                         "Show helpful text about the different subcommands"),
                 }));
}

CommandRegistrar registrar(RegisterServerFamily);

}  // namespace
}  // namespace tessera
