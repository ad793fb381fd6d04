// Generic keyspace commands: DEL EXISTS TYPE RENAME COPY MOVE KEYS RANDOMKEY SCAN, the expire
// family and OBJECT. Semantics and error strings follow Redis 7.0's db.c, expire.c and object.c.
//
// Keys may live on different shards: RENAME and COPY route on both key positions (so they run
// atomically on both shards) and reach each key's Db through DbFor(). KEYS and RANDOMKEY run
// with every shard parked. SCAN runs on one shard per call: its cursor carries the shard index
// in its low part (cursor = inner * num_shards + shard, inner being that shard's KeyTable
// cursor), and the iteration moves to the next shard whenever a shard's own cursor comes back
// to 0. With one shard the cursor is the plain KeyTable cursor.
#include <climits>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "base/strings.h"
#include "server/command_context.h"
#include "server/scan_args.h"

namespace tessera {
namespace {

constexpr const char* kSameObjectErr = "ERR source and destination objects are the same";
constexpr const char* kDbRangeErr = "ERR DB index is out of range";

// lookupKeyReadWithFlags(LOOKUP_NOTOUCH): counts a hit or miss, leaves the access clock alone.
Entry* LookupNoTouch(CommandContext& ctx, std::string_view key) {
  return ctx.Lookup(key, CommandContext::Touch::kNo);
}

// getIntFromObjectOrReply.
bool ParseIntArg(CommandContext& ctx, const std::string& arg, int* out) {
  auto v = ParseInt64(arg);
  if (!v) {
    ctx.ReplyNotInteger();
    return false;
  }
  if (*v < INT_MIN || *v > INT_MAX) {
    ctx.rb.Error("ERR value is out of range, value must between -2147483648 and 2147483647");
    return false;
  }
  *out = static_cast<int>(*v);
  return true;
}

// Parses a DB index argument and checks it against the configured number of databases.
bool ParseDbIndex(CommandContext& ctx, const std::string& arg, int* out) {
  if (!ParseIntArg(ctx, arg, out)) return false;
  if (*out < 0 || *out >= ctx.shard->num_dbs()) {
    ctx.rb.Error(kDbRangeErr);
    return false;
  }
  return true;
}

const EvictionConfig& Eviction(const CommandContext& ctx) {
  return ctx.shard->keyspace().eviction();
}

// ---------------------------------------------------------------------------------------------
// DEL UNLINK EXISTS TOUCH TYPE

void Del(CommandContext& ctx) {
  int64_t deleted = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    const std::string& key = ctx.arg(i);
    Db& db = ctx.DbFor(key);
    if (db.Find(key, ctx.now_ms) && db.Delete(key)) {
      ++deleted;
      ctx.Notify(NotifyClass::kGeneric, "del", key);
      ctx.Dirty(key);
    }
  }
  ctx.rb.Integer(deleted);
}

void Exists(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); ++i)
    if (LookupNoTouch(ctx, ctx.arg(i))) ++n;
  ctx.rb.Integer(n);
}

void Touch(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.argc(); ++i)
    if (ctx.Lookup(ctx.arg(i))) ++n;
  ctx.rb.Integer(n);
}

void Type(CommandContext& ctx) {
  Entry* e = LookupNoTouch(ctx, ctx.arg(1));
  ctx.rb.SimpleString(e ? ValueTypeName(e->type()) : "none");
}

// ---------------------------------------------------------------------------------------------
// RENAME RENAMENX COPY MOVE

void RenameGeneric(CommandContext& ctx, bool nx) {
  const std::string& src = ctx.arg(1);
  const std::string& dst = ctx.arg(2);
  Entry* e = ctx.LookupWrite(src);
  if (!e) return ctx.rb.Error("ERR no such key");
  if (src == dst) return nx ? ctx.rb.Integer(0) : ctx.rb.Ok();
  Db& dst_db = ctx.DbFor(dst);
  if (ctx.LookupWrite(dst)) {
    if (nx) return ctx.rb.Integer(0);
    dst_db.Delete(dst);
  }
  // The entry stores its key inline: re-create it under the new name, keeping value, TTL and
  // access clock.
  dst_db.Put(dst, *ctx.DbFor(src).Take(src));
  ctx.Notify(NotifyClass::kGeneric, "rename_from", src);
  ctx.Notify(NotifyClass::kGeneric, "rename_to", dst);
  ctx.Dirty(dst);
  nx ? ctx.rb.Integer(1) : ctx.rb.Ok();
}
void Rename(CommandContext& ctx) { RenameGeneric(ctx, false); }
void RenameNx(CommandContext& ctx) { RenameGeneric(ctx, true); }

// COPY writes only its destination, in database n with DB n.
void CopyLogKeys(ArgList args, int db, std::vector<std::pair<int, int>>* keys) {
  for (size_t j = 3; j + 1 < args.size(); ++j)
    if (EqualsIgnoreCase(args[j], "db"))
      if (auto n = ParseInt64(args[j + 1])) db = static_cast<int>(*n);
  *keys = {{db, 2}};
}

void Copy(CommandContext& ctx) {
  const std::string& src = ctx.arg(1);
  const std::string& dst = ctx.arg(2);
  int dbid = ctx.db_index;
  bool replace = false;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    size_t additional = ctx.argc() - j - 1;
    if (EqualsIgnoreCase(ctx.arg(j), "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(ctx.arg(j), "db") && additional >= 1) {
      if (!ParseDbIndex(ctx, ctx.arg(j + 1), &dbid)) return;
      ++j;
    } else {
      return ctx.ReplySyntaxError();
    }
  }
  if (dbid == ctx.db_index && src == dst) return ctx.rb.Error(kSameObjectErr);

  Entry* e = ctx.Lookup(src);
  if (!e) return ctx.rb.Integer(0);
  Db& dst_db = ctx.DbFor(dst, dbid);
  bool exists = dst_db.Find(dst, ctx.now_ms) != nullptr;
  if (exists && !replace) return ctx.rb.Integer(0);
  Value copy = e->CloneValue();
  int64_t expire = e->expire_ms();
  if (exists) dst_db.Delete(dst);
  Entry* ne = dst_db.Add(dst, std::move(copy), ctx.now_ms);
  if (expire != Entry::kNoExpire) dst_db.SetExpire(ne, expire);
  ctx.Notify(NotifyClass::kGeneric, "copy_to", dst, dbid);
  ctx.Dirty(dst, 1, dbid);
  ctx.rb.Integer(1);
}

void Move(CommandContext& ctx) {
  const std::string& key = ctx.arg(1);
  int dbid;
  if (!ParseDbIndex(ctx, ctx.arg(2), &dbid)) return;
  if (dbid == ctx.db_index) return ctx.rb.Error(kSameObjectErr);
  if (!ctx.LookupWrite(key)) return ctx.rb.Integer(0);
  Db& dst_db = ctx.DbFor(key, dbid);
  if (dst_db.Find(key, ctx.now_ms)) return ctx.rb.Integer(0);
  // Same key, same shard, another Db: the entry moves as is (TTL and access clock kept).
  dst_db.Put(key, *ctx.DbFor(key).Take(key));
  ctx.Notify(NotifyClass::kGeneric, "move_from", key);
  ctx.Notify(NotifyClass::kGeneric, "move_to", key, dbid);
  ctx.Dirty(key);
  ctx.rb.Integer(1);
}

// ---------------------------------------------------------------------------------------------
// KEYS RANDOMKEY SCAN

void Keys(CommandContext& ctx) {
  const std::string& pattern = ctx.arg(1);
  bool allkeys = pattern == "*";
  std::vector<std::string_view> keys;
  for (int i = 0; i < ctx.server->num_shards(); ++i) {
    ctx.server->shard(i).db(ctx.db_index).ForEach(ctx.now_ms, [&](Entry* e) {
      if (allkeys || GlobMatch(pattern, e->key())) keys.push_back(e->key());
    });
  }
  ctx.rb.ArrayHeader(keys.size());
  for (auto k : keys) ctx.rb.Bulk(k);
}

void RandomKey(CommandContext& ctx) {
  int n = ctx.server->num_shards();
  // Each failed round removed expired keys, so the total strictly shrinks: this terminates.
  for (;;) {
    uint64_t total = 0;
    for (int i = 0; i < n; ++i) total += ctx.server->shard(i).db(ctx.db_index).size();
    if (total == 0) return ctx.rb.Null();
    uint64_t pick = ShardRandom() % total;
    int s = 0;
    for (; s < n; ++s) {
      uint64_t sz = ctx.server->shard(s).db(ctx.db_index).size();
      if (pick < sz) break;
      pick -= sz;
    }
    Entry* e = ctx.server->shard(s).db(ctx.db_index).RandomLive(ctx.now_ms, ShardRandom);
    if (e) return ctx.rb.Bulk(e->key());
  }
}

// The shard a cursor names: its low part (see the file comment). An invalid cursor goes to
// shard 0, whose handler replies the error.
int ScanRoute(ArgList args, int num_shards) {
  auto c = ParseScanCursor(args[1]);
  return c ? static_cast<int>(*c % static_cast<uint64_t>(num_shards)) : 0;
}

void Scan(CommandContext& ctx) {
  ScanArgs a;
  if (!ParseScanCursor(ctx, ctx.arg(1), &a.cursor)) return;
  if (!ParseScanOptions(ctx, 2, /*allow_type=*/true, &a)) return;

  // Route::kCustom runs this on the shard the cursor names: only that shard's Db is ours.
  uint64_t n = static_cast<uint64_t>(ctx.server->num_shards());
  uint64_t shard_idx = static_cast<uint64_t>(ctx.shard->index());
  uint64_t inner = a.cursor / n;
  Db& db = ctx.shard->db(ctx.db_index);

  std::vector<std::string> keys;
  int64_t maxiterations = a.max_iterations();
  do {
    inner = db.Scan(inner, ctx.now_ms, [&](Entry* e) { keys.emplace_back(e->key()); });
  } while (inner && maxiterations-- > 0 && keys.size() < static_cast<uint64_t>(a.count));

  std::vector<std::string> out;
  out.reserve(keys.size());
  for (auto& k : keys) {
    if (!a.Matches(k)) continue;
    if (a.type) {
      Entry* e = LookupNoTouch(ctx, k);  // k lives on this (the routed) shard
      if (!EqualsIgnoreCase(*a.type, e ? ValueTypeName(e->type()) : "none")) continue;
    }
    out.push_back(std::move(k));
  }

  // This shard done: the next call starts the next non-empty shard (its inner cursor 0), and
  // "0" ends the iteration after the last one. A shard that is empty now holds no key that was
  // present for the whole iteration, so skipping it keeps SCAN's guarantee.
  uint64_t next = 0;
  if (inner != 0) {
    next = inner * n + shard_idx;
  } else {
    for (uint64_t j = shard_idx + 1; j < n; ++j)
      if (ctx.server->shard(static_cast<int>(j)).db(ctx.db_index).published_size() > 0) {
        next = j;
        break;
      }
  }

  ReplyScanHeader(ctx, next, out.size());
  for (auto& k : out) ctx.rb.Bulk(k);
}

// ---------------------------------------------------------------------------------------------
// EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST

enum ExpireFlag : int { kExpNx = 1, kExpXx = 2, kExpGt = 4, kExpLt = 8 };

void ExpireGeneric(CommandContext& ctx, bool relative, bool seconds) {
  int flags = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    const std::string& opt = ctx.arg(j);
    if (EqualsIgnoreCase(opt, "nx"))
      flags |= kExpNx;
    else if (EqualsIgnoreCase(opt, "xx"))
      flags |= kExpXx;
    else if (EqualsIgnoreCase(opt, "gt"))
      flags |= kExpGt;
    else if (EqualsIgnoreCase(opt, "lt"))
      flags |= kExpLt;
    else
      return ctx.rb.Error("ERR Unsupported option " + opt);
  }
  if ((flags & kExpNx) && (flags & (kExpXx | kExpGt | kExpLt)))
    return ctx.rb.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
  if ((flags & kExpGt) && (flags & kExpLt))
    return ctx.rb.Error("ERR GT and LT options at the same time are not compatible");

  auto v = ParseInt64(ctx.arg(2));
  if (!v) return ctx.ReplyNotInteger();
  auto invalid = [&] {
    ctx.rb.Error("ERR invalid expire time in '" + ctx.spec->name + "' command");
  };
  int64_t when = *v;
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) return invalid();
    when *= 1000;
  }
  int64_t basetime = relative ? ctx.now_ms : 0;
  if (when > INT64_MAX - basetime) return invalid();
  when += basetime;

  const std::string& key = ctx.arg(1);
  Entry* e = ctx.LookupWrite(key);
  if (!e) return ctx.rb.Integer(0);
  if (flags) {
    int64_t current = e->expire_ms();  // kNoExpire (-1) = no TTL
    bool none = current == Entry::kNoExpire;
    if ((flags & kExpNx) && !none) return ctx.rb.Integer(0);
    if ((flags & kExpXx) && none) return ctx.rb.Integer(0);
    // No TTL counts as infinite: GT always fails, LT always succeeds.
    if ((flags & kExpGt) && (none || when <= current)) return ctx.rb.Integer(0);
    if ((flags & kExpLt) && !none && when >= current) return ctx.rb.Integer(0);
  }
  Db& db = ctx.DbFor(key);
  if (when <= ctx.now_ms) {
    db.Delete(key);
    ctx.Notify(NotifyClass::kGeneric, "del", key);
  } else {
    db.SetExpire(e, when);
    ctx.Notify(NotifyClass::kGeneric, "expire", key);
  }
  ctx.Dirty(key);
  ctx.rb.Integer(1);
}
void Expire(CommandContext& ctx) { ExpireGeneric(ctx, true, true); }
void PExpire(CommandContext& ctx) { ExpireGeneric(ctx, true, false); }
void ExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, false, true); }
void PExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, false, false); }

void TtlGeneric(CommandContext& ctx, bool output_ms, bool output_abs) {
  Entry* e = LookupNoTouch(ctx, ctx.arg(1));
  if (!e) return ctx.rb.Integer(-2);
  if (!e->has_expire()) return ctx.rb.Integer(-1);
  int64_t ttl = output_abs ? e->expire_ms() : e->expire_ms() - ctx.now_ms;
  if (ttl < 0) ttl = 0;
  ctx.rb.Integer(output_ms ? ttl : (ttl + 500) / 1000);
}
void Ttl(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void PTtl(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void ExpireTime(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void PExpireTime(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

void Persist(CommandContext& ctx) {
  const std::string& key = ctx.arg(1);
  Entry* e = ctx.LookupWrite(key);
  if (!e || !e->has_expire()) return ctx.rb.Integer(0);
  ctx.DbFor(key).ClearExpire(e);
  ctx.Notify(NotifyClass::kGeneric, "persist", key);
  ctx.Dirty(key);
  ctx.rb.Integer(1);
}

// ---------------------------------------------------------------------------------------------
// OBJECT

// objectCommandLookup: counts a hit or miss but must not refresh the access clock (that would
// reset IDLETIME).
Entry* ObjectLookup(CommandContext& ctx) {
  Entry* e = LookupNoTouch(ctx, ctx.arg(2));
  if (!e) ctx.rb.Null();
  return e;
}

void ObjectEncoding(CommandContext& ctx) {
  if (Entry* e = ObjectLookup(ctx)) ctx.rb.Bulk(e->encoding());
}

void ObjectRefcount(CommandContext& ctx) {
  Entry* e = ObjectLookup(ctx);
  if (!e) return;
  // Redis shares the objects for the integers 0..9999 (refcount INT_MAX) unless an LRU/LFU
  // policy with a memory limit needs a per-key access clock.
  const EvictionPolicy p = Eviction(ctx).policy;
  bool lru_lfu =
      p == EvictionPolicy::kAllKeysLru || p == EvictionPolicy::kVolatileLru || Eviction(ctx).lfu();
  bool shared_ok = ctx.server->config().maxmemory == 0 || !lru_lfu;
  bool shared = shared_ok && e->is_int() && e->int_value() >= 0 && e->int_value() < 10000;
  ctx.rb.Integer(shared ? INT_MAX : 1);
}

void ObjectIdletime(CommandContext& ctx) {
  Entry* e = ObjectLookup(ctx);
  if (!e) return;
  if (Eviction(ctx).fifo())
    return ctx.rb.Error(
        "ERR A FIFO maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime the access data will take some time to adjust.");
  if (Eviction(ctx).lfu())
    return ctx.rb.Error(
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
  ctx.rb.Integer(LruIdleMs(e->clock(), ctx.now_ms) / 1000);
}

void ObjectFreq(CommandContext& ctx) {
  Entry* e = ObjectLookup(ctx);
  if (!e) return;
  const EvictionConfig& ev = Eviction(ctx);
  if (!ev.lfu())
    return ctx.rb.Error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time to "
        "adjust.");
  ctx.rb.Integer(LfuDecayed(e->clock(), ctx.now_ms, ev.lfu_decay_time));
}

void ObjectHelp(CommandContext& ctx) {
  ctx.ReplyHelp("OBJECT",
                {"ENCODING <key>",
                 "    Return the kind of internal representation used in order to store the value",
                 "    associated with a <key>.", "FREQ <key>",
                 "    Return the access frequency index of the <key>. The returned integer is",
                 "    proportional to the logarithm of the recent access frequency of the key.",
                 "IDLETIME <key>",
                 "    Return the idle time of the <key>, that is the approximated number of",
                 "    seconds elapsed since the last access to the key.", "REFCOUNT <key>",
                 "    Return the number of references of the value associated with the specified",
                 "    <key>."},
                "    Prints this help.");
}

// ---------------------------------------------------------------------------------------------
// Registration

CommandSpec Gen(std::string name, int arity, uint32_t flags, Handler h,
                std::vector<std::string> acl, std::string summary, std::string since,
                std::string complexity = "O(1)") {
  acl.insert(acl.begin(), "keyspace");
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .Acl(std::move(acl))
      .Doc("generic", std::move(summary), std::move(since), std::move(complexity));
}

CommandSpec ObjectSub(std::string name, Handler h, std::string summary, std::string since) {
  return CommandSpec::Make(std::move(name), 3, kCmdReadOnly, h)
      .Keys(2, 2, 1)
      .Acl({"keyspace", "read", "slow"})
      .Doc("generic", std::move(summary), std::move(since), "O(1)");
}

void RegisterKeysFamily(CommandRegistry& r) {
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kR = kCmdReadOnly;
  constexpr uint32_t kF = kCmdFast;

  r.Register(Gen("del", -2, kW, Del, {"write", "slow"}, "Delete a key", "1.0.0",
                 "O(N) where N is the number of keys that will be removed. When a key to remove "
                 "holds a value other than a string, the individual complexity for this key is "
                 "O(M) where M is the number of elements in the list, set, sorted set or hash. "
                 "Removing a single key that holds a string value is O(1).")
                 .Keys(1, -1, 1));
  r.Register(Gen("unlink", -2, kW | kF, Del, {"write", "fast"},
                 "Delete a key asynchronously in another thread. Otherwise it is just as DEL, but "
                 "non blocking.",
                 "4.0.0",
                 "O(1) for each key removed regardless of its size. Then the command does O(N) "
                 "work in a different thread in order to reclaim memory, where N is the number of "
                 "allocations the deleted objects where composed of.")
                 .Keys(1, -1, 1));
  r.Register(Gen("exists", -2, kR | kF, Exists, {"read", "fast"}, "Determine if a key exists",
                 "1.0.0", "O(N) where N is the number of keys to check.")
                 .Keys(1, -1, 1));
  r.Register(Gen("touch", -2, kR | kF, Touch, {"read", "fast"},
                 "Alters the last access time of a key(s). Returns the number of existing keys "
                 "specified.",
                 "3.2.1", "O(N) where N is the number of keys that will be touched.")
                 .Keys(1, -1, 1));
  r.Register(
      Gen("type", 2, kR | kF, Type, {"read", "fast"}, "Determine the type stored at key", "1.0.0")
          .Keys(1, 1, 1));
  r.Register(
      Gen("rename", 3, kW, Rename, {"write", "slow"}, "Rename a key", "1.0.0").Keys(1, 2, 1));
  r.Register(Gen("renamenx", 3, kW | kF, RenameNx, {"write", "fast"},
                 "Rename a key, only if the new key does not exist", "1.0.0")
                 .Keys(1, 2, 1));
  r.Register(Gen("copy", -3, kW | kCmdDenyOom, Copy, {"write", "slow"}, "Copy a key", "6.2.0",
                 "O(N) worst case for collections, where N is the number of nested items. O(1) "
                 "for string values.")
                 .Keys(1, 2, 1)
                 .LogKeys(CopyLogKeys));
  r.Register(
      Gen("move", 3, kW | kF, Move, {"write", "fast"}, "Move a key to another database", "1.0.0")
          .Keys(1, 1, 1));
  r.Register(Gen("keys", 2, kR, Keys, {"read", "slow", "dangerous"},
                 "Find all keys matching the given pattern", "1.0.0",
                 "O(N) with N being the number of keys in the database, under the assumption "
                 "that the key names in the database and the given pattern have limited length.")
                 .RouteTo(Route::kAll));
  r.Register(Gen("randomkey", 1, kR, RandomKey, {"read", "slow"},
                 "Return a random key from the keyspace", "1.0.0")
                 .RouteTo(Route::kAll));
  r.Register(Gen("scan", -2, kR, Scan, {"read", "slow"}, "Incrementally iterate the keys space",
                 "2.8.0",
                 "O(1) for every call. O(N) for a complete iteration, including enough command "
                 "calls for the cursor to return back to 0. N is the number of elements inside "
                 "the collection.")
                 .RouteBy(ScanRoute));

  r.Register(Gen("expire", -3, kW | kF, Expire, {"write", "fast"},
                 "Set a key's time to live in seconds", "1.0.0")
                 .Keys(1, 1, 1));
  r.Register(Gen("pexpire", -3, kW | kF, PExpire, {"write", "fast"},
                 "Set a key's time to live in milliseconds", "2.6.0")
                 .Keys(1, 1, 1));
  r.Register(Gen("expireat", -3, kW | kF, ExpireAt, {"write", "fast"},
                 "Set the expiration for a key as a UNIX timestamp", "1.2.0")
                 .Keys(1, 1, 1));
  r.Register(Gen("pexpireat", -3, kW | kF, PExpireAt, {"write", "fast"},
                 "Set the expiration for a key as a UNIX timestamp specified in milliseconds",
                 "2.6.0")
                 .Keys(1, 1, 1));
  r.Register(Gen("ttl", 2, kR | kF, Ttl, {"read", "fast"},
                 "Get the time to live for a key in seconds", "1.0.0")
                 .Keys(1, 1, 1));
  r.Register(Gen("pttl", 2, kR | kF, PTtl, {"read", "fast"},
                 "Get the time to live for a key in milliseconds", "2.6.0")
                 .Keys(1, 1, 1));
  r.Register(Gen("expiretime", 2, kR | kF, ExpireTime, {"read", "fast"},
                 "Get the expiration Unix timestamp for a key", "7.0.0")
                 .Keys(1, 1, 1));
  r.Register(Gen("pexpiretime", 2, kR | kF, PExpireTime, {"read", "fast"},
                 "Get the expiration Unix timestamp for a key in milliseconds", "7.0.0")
                 .Keys(1, 1, 1));
  r.Register(Gen("persist", 2, kW | kF, Persist, {"write", "fast"},
                 "Remove the expiration from a key", "2.2.0")
                 .Keys(1, 1, 1));

  r.Register(
      CommandSpec::Make("object", -2, 0, nullptr)
          .Acl({"slow"})
          .Doc("generic", "A container for object introspection commands", "2.2.3",
               "Depends on subcommand.")
          .Subcommands({
              CommandSpec::Make("help", 2, kCmdLoading | kCmdStale, ObjectHelp)
                  .Acl({"keyspace", "slow"})
                  .Doc("generic", "Show helpful text about the different subcommands", "6.2.0",
                       "O(1)"),
              ObjectSub("encoding", ObjectEncoding,
                        "Inspect the internal encoding of a Redis object", "2.2.3"),
              ObjectSub("freq", ObjectFreq,
                        "Get the logarithmic access frequency counter of a Redis object", "4.0.0"),
              ObjectSub("idletime", ObjectIdletime,
                        "Get the time since a Redis object was last accessed", "2.2.3"),
              ObjectSub("refcount", ObjectRefcount,
                        "Get the number of references to the value of the key", "2.2.3"),
          }));
}

CommandRegistrar registrar(RegisterKeysFamily);

}  // namespace
}  // namespace tessera
