// DUMP and RESTORE: a key's value as Redis's serialized payload (RDB object + version + CRC-64,
// persist/rdb.h) and back. Semantics and error strings follow Redis 7.0's cluster.c.
#include <climits>
#include <optional>
#include <string>

#include "base/strings.h"
#include "persist/rdb.h"
#include "server/command_context.h"

namespace tessera {
namespace {

// DUMP key: the payload, or nil for a missing key (lookupKeyRead: counts and touches).
void Dump(CommandContext& ctx) {
  Entry* e = ctx.Lookup(ctx.arg(1));
  if (!e) return ctx.rb.Null();
  ctx.rb.Bulk(rdb::DumpPayload(*e));
}

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
void Restore(CommandContext& ctx) {
  const std::string& key = ctx.arg(1);
  bool replace = false, absttl = false;
  std::optional<uint64_t> idle;
  std::optional<uint8_t> freq;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    size_t additional = ctx.argc() - j - 1;
    if (EqualsIgnoreCase(ctx.arg(j), "replace")) {
      replace = true;
    } else if (EqualsIgnoreCase(ctx.arg(j), "absttl")) {
      absttl = true;
    } else if (EqualsIgnoreCase(ctx.arg(j), "idletime") && additional >= 1 && !freq) {
      auto v = ParseInt64(ctx.arg(j + 1));
      if (!v) return ctx.ReplyNotInteger();
      if (*v < 0) return ctx.rb.Error("ERR Invalid IDLETIME value, must be >= 0");
      idle = static_cast<uint64_t>(*v);
      ++j;
    } else if (EqualsIgnoreCase(ctx.arg(j), "freq") && additional >= 1 && !idle) {
      auto v = ParseInt64(ctx.arg(j + 1));
      if (!v) return ctx.ReplyNotInteger();
      if (*v < 0 || *v > 255)
        return ctx.rb.Error("ERR Invalid FREQ value, must be >= 0 and <= 255");
      freq = static_cast<uint8_t>(*v);
      ++j;
    } else {
      return ctx.ReplySyntaxError();
    }
  }

  Db& db = ctx.DbFor(key);
  if (!replace && ctx.LookupWrite(key))
    return ctx.rb.Error("BUSYKEY Target key name already exists.");

  auto ttl = ParseInt64(ctx.arg(2));
  if (!ttl) return ctx.ReplyNotInteger();
  if (*ttl < 0) return ctx.rb.Error("ERR Invalid TTL value, must be >= 0");

  Value value;
  std::string err;
  if (!rdb::ParseDumpPayload(ctx.arg(3), db.limits(), &value, &err))
    return ctx.rb.Error("ERR " + err);

  bool deleted = replace && db.Find(key, ctx.now_ms) && db.Delete(key);
  int64_t when = *ttl;
  // Redis adds the command time without an overflow check: a huge relative TTL wraps and the
  // key is then already expired.
  if (when && !absttl)
    when = static_cast<int64_t>(static_cast<uint64_t>(when) + static_cast<uint64_t>(ctx.now_ms));
  if (when && when <= ctx.now_ms) {
    if (deleted) ctx.Dirty(key);
    return ctx.rb.Ok();
  }

  Entry* e = db.Add(key, std::move(value), ctx.now_ms);
  if (when) e = db.SetExpire(e, when);
  const EvictionConfig& ev = ctx.ShardFor(key).keyspace().eviction();
  if (auto clock = rdb::AccessClock(ev, idle, freq, ctx.now_ms)) e->set_clock(*clock);
  ctx.Notify(NotifyClass::kGeneric, "restore", key);
  ctx.Dirty(key);
  ctx.rb.Ok();
}

void RegisterDumpFamily(CommandRegistry& r) {
  r.Register(CommandSpec::Make("dump", 2, kCmdReadOnly, Dump)
                 .Keys(1, 1, 1)
                 .Acl({"keyspace", "read", "slow"})
                 .Doc("generic",
                      "Return a serialized version of the value stored at the specified key.",
                      "2.6.0",
                      "O(1) to access the key and additional O(N*M) to serialize it, where N is "
                      "the number of Redis objects composing the value and M their average size. "
                      "For small string values the time complexity is thus O(1)+O(1*M) where M "
                      "is small, so simply O(1)."));
  r.Register(CommandSpec::Make("restore", -4, kCmdWrite | kCmdDenyOom, Restore)
                 .Keys(1, 1, 1)
                 .Acl({"keyspace", "write", "slow", "dangerous"})
                 .Doc("generic",
                      "Create a key using the provided serialized value, previously obtained "
                      "using DUMP.",
                      "2.6.0",
                      "O(1) to create the new key and additional O(N*M) to reconstruct the "
                      "serialized value, where N is the number of Redis objects composing the "
                      "value and M their average size. For small string values the time "
                      "complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However "
                      "for sorted set values the complexity is O(N*M*log(N)) because inserting "
                      "values into sorted sets is O(log(N))."));
}

CommandRegistrar registrar(RegisterDumpFamily);

}  // namespace
}  // namespace tessera
