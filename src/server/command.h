// The command table: one CommandSpec per command (and per subcommand), registered by the
// family files from static initialisers. Dispatch, COMMAND output, key extraction and
// per-command statistics are all derived from these specs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera {

class CommandContext;

// Redis's command flags (COMMAND INFO prints their names).
enum CmdFlag : uint32_t {
  kCmdWrite = 1 << 0,
  kCmdReadOnly = 1 << 1,
  kCmdDenyOom = 1 << 2,
  kCmdAdmin = 1 << 3,
  kCmdPubSub = 1 << 4,
  kCmdNoScript = 1 << 5,
  kCmdBlocking = 1 << 6,
  kCmdLoading = 1 << 7,
  kCmdStale = 1 << 8,
  kCmdSkipMonitor = 1 << 9,
  kCmdSkipSlowlog = 1 << 10,
  kCmdFast = 1 << 11,
  kCmdNoAuth = 1 << 12,
  kCmdMayReplicate = 1 << 13,
  kCmdNoMulti = 1 << 14,
  kCmdMovableKeys = 1 << 15,
  kCmdAllowBusy = 1 << 16,
  // Tessera's own: the memcached front door's operations (server/memcache.h). Not listed by
  // COMMAND, unknown to RESP clients; findable for dispatch and log replay.
  kCmdMemcache = 1 << 17,
  // Tessera's own: allowed to a RESP2 client in subscribed mode ((P|S)SUBSCRIBE,
  // (P|S)UNSUBSCRIBE, PING, QUIT, RESET).
  kCmdSubscribedOk = 1 << 18,
  // Tessera's own: the key positions name shard channels, not keys (COMMAND INFO's key spec
  // flag not_key); such a command still runs on the connection's thread.
  kCmdNotKey = 1 << 19,
  // Runs at once inside MULTI instead of being queued (EXEC DISCARD MULTI WATCH QUIT RESET).
  kCmdNotQueued = 1 << 20,
};

// Where a command runs.
enum class Route : uint8_t {
  kLocal,   // on the connection's own thread, no keyspace access (PING, CLIENT SETNAME)
  kKeys,    // on the shard(s) owning its keys; atomically when they are several
  kAll,     // atomically on every shard (FLUSHALL, KEYS, DBSIZE, CONFIG SET)
  kCustom,  // on the one shard that `route_fn` picks from the arguments (SCAN)
  // EXEC and WATCH (server/transaction.h): on the connection's thread with the shards of the
  // watched keys / queued commands parked too; the handler may use the connection.
  kTransaction,
};

using ArgList = std::span<std::string>;
using Handler = void (*)(CommandContext&);
// Key positions for commands whose keys cannot be described by first/last/step.
using KeysFn = std::vector<int> (*)(ArgList args);
// For Route::kCustom: the shard index that must run the command.
using RouteFn = int (*)(ArgList args, int num_shards);
// How the write-ahead log records a write command (server/persistence.h): as run, or, for
// commands over every shard, as what they do to each shard's slots.
enum class LogAs : uint8_t { kCommand, kFlushDb, kFlushAll, kSwapDb };
// For logging a multi-shard run key by key: narrows the (db, argument position) pairs of every
// key to the keys the command writes (a STORE command's destination; COPY's in database n).
using LogKeysFn = void (*)(ArgList args, int db, std::vector<std::pair<int, int>>* keys);
// Commands that write only their first key (SUNIONSTORE dst src..., BITOP op dst src...).
inline void LogFirstKeyOnly(ArgList, int, std::vector<std::pair<int, int>>* keys) {
  keys->resize(1);
}

struct CommandSpec {
  std::string name;  // lowercase; "parent|sub" for subcommands
  int arity = 0;     // >0 exact, <0 at least -arity
  uint32_t flags = 0;
  int first_key = 0, last_key = 0, key_step = 0;  // last_key -1 = last argument
  std::vector<std::string> acl_categories;        // without '@': "read", "string", "fast"
  Route route = Route::kLocal;
  Handler handler = nullptr;
  KeysFn keys_fn = nullptr;
  RouteFn route_fn = nullptr;
  std::string group;    // COMMAND DOCS group: "string", "generic", "server", "connection"
  std::string summary;  // COMMAND DOCS summary
  std::string since;    // Redis version that introduced it
  std::string complexity;
  std::vector<CommandSpec> subcommands;
  LogAs log_as = LogAs::kCommand;
  LogKeysFn log_keys_fn = nullptr;
  // What a command that must touch no keyspace runs while start-up recovery loads the data,
  // on the connection's thread (INFO's progress, SHUTDOWN). Null: -LOADING, unless the
  // command is Route::kLocal and flagged kCmdLoading (then it runs as always).
  Handler while_loading = nullptr;

  // Builder used by the family files:
  //   CommandSpec::Make("get", 2, kCmdReadOnly | kCmdFast, Get).Keys(1, 1, 1)
  //       .Acl({"read", "string", "fast"}).Doc("string", "Get the value of a key", "1.0.0", "O(1)")
  static CommandSpec Make(std::string name, int arity, uint32_t flags, Handler handler);
  CommandSpec& Keys(int first, int last, int step);
  CommandSpec& MovableKeys(KeysFn fn);
  CommandSpec& RouteTo(Route r);
  CommandSpec& RouteBy(RouteFn fn);
  CommandSpec& Acl(std::vector<std::string> categories);
  CommandSpec& Doc(std::string group, std::string summary, std::string since,
                   std::string complexity);
  CommandSpec& Subcommands(std::vector<CommandSpec> subs);
  CommandSpec& Log(LogAs how) {
    log_as = how;
    return *this;
  }
  CommandSpec& LogKeys(LogKeysFn fn) {
    log_keys_fn = fn;
    return *this;
  }
  CommandSpec& WhileLoading(Handler h) {
    while_loading = h;
    return *this;
  }

  int id = -1;  // index into the registry's flat list, for per-command statistics
  const CommandSpec* parent = nullptr;

  // Key argument positions for this invocation.
  std::vector<int> KeyPositions(ArgList args) const;
  // Redis's arity error for this command: "ERR wrong number of arguments for 'get' command".
  std::string ArityError() const {
    return "ERR wrong number of arguments for '" + name + "' command";
  }
};

class CommandRegistry {
 public:
  void Register(CommandSpec spec);
  // Case-insensitive lookup of a top-level command.
  const CommandSpec* Find(std::string_view name) const;
  // Find, without the kCmdMemcache commands: what RESP clients may name (COMMAND INFO ...).
  const CommandSpec* FindPublic(std::string_view name) const {
    const CommandSpec* c = Find(name);
    return c && !(c->flags & kCmdMemcache) ? c : nullptr;
  }
  // Case-insensitive lookup of a subcommand of `parent`.
  const CommandSpec* FindSub(const CommandSpec& parent, std::string_view sub) const;

  // Every top-level command RESP clients see (not kCmdMemcache ones), in registration order.
  const std::vector<const CommandSpec*>& commands() const { return top_; }
  // Every command and subcommand, indexed by CommandSpec::id.
  const std::vector<const CommandSpec*>& all() const { return all_; }
  // Called once after static registration: assigns ids and parent links.
  void Finalize();

 private:
  std::vector<std::unique_ptr<CommandSpec>> owned_;
  std::vector<const CommandSpec*> top_;
  std::vector<const CommandSpec*> all_;
  std::vector<const CommandSpec*> named_;  // every top-level command, for the name table
  // Open-addressing table of lowercase names (power-of-two size, linear probing): the lookup
  // runs once per command, so it lowercases and hashes in one pass with no allocation.
  static uint32_t HashName(std::string_view lower);
  std::vector<const CommandSpec*> slots_ = std::vector<const CommandSpec*>(1024, nullptr);
};

CommandRegistry& Registry();

// Families register from a static initialiser at the bottom of their file:
//   static CommandRegistrar registrar(RegisterStringFamily);
struct CommandRegistrar {
  explicit CommandRegistrar(void (*fn)(CommandRegistry&)) { fn(Registry()); }
};

// Flag names as COMMAND INFO prints them.
std::vector<std::string> FlagNames(uint32_t flags);

}  // namespace tessera
