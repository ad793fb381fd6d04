// What a command handler sees: its arguments, a reply builder, the session state it may read,
// and the shard-local storage of whichever shards own its keys. A handler is written once and
// runs unchanged inline, on another shard, or inside an atomic multi-shard operation: it always
// reaches a key's database through DbFor(key).
#pragma once

#include <cctype>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/hash_slot.h"
#include "core/db.h"
#include "protocol/reply_builder.h"
#include "server/command.h"
#include "server/notify.h"
#include "server/server.h"
#include "server/shard.h"

namespace tessera {

class Connection;
struct MultiState;

class CommandContext {
 public:
  CommandContext(Server* server, Shard* shard, Connection* conn, const CommandSpec* spec,
                 ArgList args, std::string* out, int resp, int db_index, uint64_t client_id,
                 int64_t now_ms)
      : server(server),
        shard(shard),
        conn(conn),
        spec(spec),
        args(args),
        rb(out, resp),
        db_index(db_index),
        client_id(client_id),
        now_ms(now_ms) {}

  Server* server;
  Shard* shard;      // the shard running the handler
  Connection* conn;  // only for Route::kLocal handlers; nullptr elsewhere
  const CommandSpec* spec;
  ArgList args;
  ReplyBuilder rb;
  int db_index;
  uint64_t client_id;
  int64_t now_ms;

  // Blocking commands (server/blocking.h): set when the client may block (not when a blocked
  // client is being served, nor inside MULTI). A handler with nothing ready calls Block() and
  // replies nothing; `blocked` tells the dispatcher.
  std::shared_ptr<BlockedClient> blocking;
  bool blocked = false;
  // EXEC run away from its connection (Dispatcher::RunExecAway): the transaction it runs.
  MultiState* txn = nullptr;
  // Queues the client on `keys` until one holds a `type` value (then `serve` runs with that
  // key) or until `deadline_ms` (monotonic, 0 = never). `also_writes`: a key serving writes.
  // `ready`: what else the key's value must satisfy (a stream: entries the client waits for);
  // `gone_error`: the error replied when a key loses its value (BlockedClient::gone_error).
  void Block(const std::vector<std::string>& keys, int64_t deadline_ms, ValueType type,
             BlockServeFn serve, const std::string& also_writes = {}, BlockReadyFn ready = nullptr,
             const char* gone_error = nullptr);

  Shard& ShardFor(std::string_view key) { return server->shard(server->ShardOf(key)); }
  Db& DbFor(std::string_view key) { return ShardFor(key).db(db_index); }
  Db& DbFor(std::string_view key, int db) { return ShardFor(key).db(db); }

  enum class Touch { kYes, kNo };
  // Lookup for reading: counts a keyspace hit or miss and (unless Touch::kNo, for commands
  // that inspect a key without using it, like TYPE or OBJECT) refreshes the access clock.
  Entry* Lookup(std::string_view key, Touch touch = Touch::kYes) {
    Shard& s = ShardFor(key);
    Entry* e = s.db(db_index).Find(key, now_ms);
    if (e) {
      ++s.stats().keyspace_hits;
      if (touch == Touch::kYes) s.keyspace().Touch(e, now_ms);
    } else {
      ++s.stats().keyspace_misses;
      Notify(NotifyClass::kKeyMiss, "keymiss", key);
    }
    return e;
  }
  // Lookup for writing: no hit/miss accounting.
  Entry* LookupWrite(std::string_view key) {
    Shard& s = ShardFor(key);
    Entry* e = s.db(db_index).Find(key, now_ms);
    if (e) s.keyspace().Touch(e, now_ms);
    return e;
  }
  // Lookups of a key that must hold `type`: the entry, or nullptr when the key is absent. A key
  // of another type gets the WRONGTYPE reply and sets *wrong; the handler then returns.
  Entry* LookupOf(std::string_view key, ValueType type, bool* wrong, Touch touch = Touch::kYes) {
    return CheckType(Lookup(key, touch), type, wrong);
  }
  Entry* LookupWriteOf(std::string_view key, ValueType type, bool* wrong) {
    return CheckType(LookupWrite(key), type, wrong);
  }
  Entry* CheckType(Entry* e, ValueType type, bool* wrong) {
    *wrong = e && e->type() != type;
    if (*wrong) ReplyWrongType();
    return *wrong ? nullptr : e;
  }
  // What the log records instead of the command as run: commands of one key each, replayed
  // in order (SPOP records the SREM of what it popped; LMOVE the pop and the push, so a move
  // between shards logs the element, not both lists).
  std::optional<std::vector<std::vector<std::string>>> rewritten;
  void Propagate(std::vector<std::string> args) { rewritten = {std::move(args)}; }
  void Propagate(std::vector<std::vector<std::string>> parts) { rewritten = std::move(parts); }

  // Keyspace notification of `event` (class `cls`) about `key` in database `db` (default: the
  // command's). One flag test when the class is off.
  void Notify(NotifyClass cls, std::string_view event, std::string_view key, int db = -1) {
    if (NotifyEnabled(server->config().notify_keyspace_events, cls))
      NotifyKeyspaceEvent(*server, cls, event, key, db < 0 ? db_index : db);
  }

  // Records `n` changes to `key` of database `db` (default: the command's) for
  // rdb_changes_since_last_save and future replication; WATCH sees the key changed when n > 0.
  void Dirty(std::string_view key, uint64_t n = 1, int db = -1) {
    Shard& s = ShardFor(key);
    s.stats().dirty += n;
    if (n) s.db(db < 0 ? db_index : db).Modified(key);
  }

  const std::string& arg(size_t i) const { return args[i]; }
  size_t argc() const { return args.size(); }

  // Common replies.
  void ReplySyntaxError() { rb.Error("ERR syntax error"); }
  void ReplyNotInteger() { rb.Error("ERR value is not an integer or out of range"); }
  void ReplyWrongType() {
    rb.Error("WRONGTYPE Operation against a key holding the wrong kind of value");
  }
  // A HELP subcommand's reply, framed like Redis's addReplyHelp: a "<CMD> <subcommand> ..."
  // header line, then `lines`, then the HELP entry.
  void ReplyHelp(std::string_view command, std::initializer_list<const char*> lines,
                 const char* help_line = "    Print this help.") {
    rb.ArrayHeader(lines.size() + 3);
    rb.SimpleString(std::string(command) +
                    " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
    for (const char* l : lines) rb.SimpleString(l);
    rb.SimpleString("HELP");
    rb.SimpleString(help_line);
  }
  void ReplyArity() { rb.Error(spec->ArityError()); }
  // Redis's addReplySubcommandSyntaxError, naming the subcommand as given and the container
  // command (or this one) in upper case.
  void ReplySubcommandSyntaxError() {
    std::string cmd = spec->parent ? spec->parent->name : spec->name;
    for (char& c : cmd) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
    rb.Error("ERR unknown subcommand or wrong number of arguments for '" + arg(1) + "'. Try " +
             cmd + " HELP.");
  }
};

}  // namespace tessera
