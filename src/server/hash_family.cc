// Hash commands: HSET HGET HDEL ... HRANDFIELD HSCAN. Semantics, error strings and reply types
// follow Redis 7.0's t_hash.c; storage is core/hash.h.
#include <cmath>
#include <cstdlib>
#include <memory>
#include <vector>

#include "base/strings.h"
#include "core/hash.h"
#include "server/command_context.h"
#include "server/scan_args.h"

namespace tessera {
namespace {

HashObject& AsHash(Object& o) { return static_cast<HashObject&>(o); }
const HashObject& HashOf(Entry* e) { return static_cast<const HashObject&>(*e->object()); }

// Runs `fn(HashObject&)` on the hash at `key`: on the existing entry `e` through Db::Mutate
// (memory accounted), or on a new hash that is then stored under `key`; notifies `event`.
template <typename Fn>
void WriteHash(CommandContext& ctx, const std::string& key, Entry* e, const char* event, Fn&& fn) {
  Db& db = ctx.DbFor(key);
  if (e) {
    db.Mutate(e, [&](Object& o) { fn(AsHash(o)); });
  } else {
    auto h = std::make_unique<HashObject>();
    fn(*h);
    db.Add(key, Value::FromObject(std::move(h)), ctx.now_ms);
  }
  ctx.Notify(NotifyClass::kHash, event, key);
}

// Replies with one element as HRANDFIELD/HGETALL-style output: the field, and the value when
// `withvalues` (a nested pair in RESP3 when `nested`).
void ReplyElement(CommandContext& ctx, const HashObject& h, HashObject::Pos pos, bool withvalues,
                  bool nested) {
  HashObject::NumBuf fb, vb;
  std::string_view f, v;
  h.Read(pos, &f, &v, &fb, &vb);
  if (nested) ctx.rb.ArrayHeader(2);
  ctx.rb.Bulk(f);
  if (withvalues) ctx.rb.Bulk(v);
}

// ---------------------------------------------------------------------------------------------
// HSET HMSET HSETNX

void HSet(CommandContext& ctx) {
  if (ctx.argc() % 2 == 1) return ctx.ReplyArity();
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kHash, &wrong);
  if (wrong) return;
  const EncodingLimits& limits = ctx.DbFor(key).limits();
  int64_t created = 0;
  WriteHash(ctx, key, e, "hset", [&](HashObject& h) {
    for (size_t i = 2; i < ctx.argc(); i += 2) created += h.Set(ctx.arg(i), ctx.arg(i + 1), limits);
  });
  ctx.Dirty(key, (ctx.argc() - 2) / 2);
  // HMSET (deprecated) answers OK, HSET the number of new fields.
  if (ctx.spec->name == "hmset") return ctx.rb.Ok();
  ctx.rb.Integer(created);
}

void HSetNx(CommandContext& ctx) {
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kHash, &wrong);
  if (wrong) return;
  if (e && HashOf(e).Contains(ctx.arg(2))) return ctx.rb.Integer(0);
  const EncodingLimits& limits = ctx.DbFor(key).limits();
  WriteHash(ctx, key, e, "hset", [&](HashObject& h) { h.Set(ctx.arg(2), ctx.arg(3), limits); });
  ctx.Dirty(key);
  ctx.rb.Integer(1);
}

// ---------------------------------------------------------------------------------------------
// Reads

void HGet(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kHash, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Null();
  HashObject::NumBuf buf;
  auto v = HashOf(e).Get(ctx.arg(2), &buf);
  v ? ctx.rb.Bulk(*v) : ctx.rb.Null();
}

void HMGet(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kHash, &wrong);
  if (wrong) return;
  ctx.rb.ArrayHeader(ctx.argc() - 2);
  HashObject::NumBuf buf;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    auto v = e ? HashOf(e).Get(ctx.arg(i), &buf) : std::nullopt;
    v ? ctx.rb.Bulk(*v) : ctx.rb.Null();
  }
}

void HLen(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kHash, &wrong);
  if (wrong) return;
  ctx.rb.Integer(e ? static_cast<int64_t>(HashOf(e).size()) : 0);
}

void HStrLen(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kHash, &wrong);
  if (wrong) return;
  HashObject::NumBuf buf;
  auto v = e ? HashOf(e).Get(ctx.arg(2), &buf) : std::nullopt;
  ctx.rb.Integer(v ? static_cast<int64_t>(v->size()) : 0);
}

void HExists(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kHash, &wrong);
  if (wrong) return;
  ctx.rb.Integer(e && HashOf(e).Contains(ctx.arg(2)) ? 1 : 0);
}

enum GetAllParts { kFields = 1, kValues = 2 };

// HGETALL (a map), HKEYS, HVALS (arrays): genericHgetallCommand.
void GetAll(CommandContext& ctx, int parts) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kHash, &wrong);
  if (wrong) return;
  size_t n = e ? HashOf(e).size() : 0;
  if (parts == (kFields | kValues)) {
    ctx.rb.MapHeader(n);
  } else {
    ctx.rb.ArrayHeader(n);
  }
  if (!e) return;
  HashOf(e).ForEach([&](std::string_view f, std::string_view v) {
    if (parts & kFields) ctx.rb.Bulk(f);
    if (parts & kValues) ctx.rb.Bulk(v);
  });
}

void HGetAll(CommandContext& ctx) { GetAll(ctx, kFields | kValues); }
void HKeys(CommandContext& ctx) { GetAll(ctx, kFields); }
void HVals(CommandContext& ctx) { GetAll(ctx, kValues); }

// ---------------------------------------------------------------------------------------------
// HDEL

void HDel(CommandContext& ctx) {
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kHash, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Integer(0);
  Db& db = ctx.DbFor(key);
  int64_t deleted = 0;
  bool empty = db.Mutate(e, [&](Object& o) {
    HashObject& h = AsHash(o);
    for (size_t i = 2; i < ctx.argc() && h.size() > 0; ++i) deleted += h.Delete(ctx.arg(i));
    return h.size() == 0;
  });
  if (deleted) ctx.Notify(NotifyClass::kHash, "hdel", key);
  if (empty) {
    db.Delete(key);
    ctx.Notify(NotifyClass::kGeneric, "del", key);
  }
  if (deleted) ctx.Dirty(key, deleted);
  ctx.rb.Integer(deleted);
}

// ---------------------------------------------------------------------------------------------
// HINCRBY HINCRBYFLOAT

void HIncrBy(CommandContext& ctx) {
  auto incr = ParseInt64(ctx.arg(3));
  if (!incr) return ctx.ReplyNotInteger();
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kHash, &wrong);
  if (wrong) return;
  int64_t value = 0;
  if (e) {
    HashObject::NumBuf buf;
    if (auto cur = HashOf(e).Get(ctx.arg(2), &buf)) {
      auto v = ParseInt64(*cur);
      if (!v) return ctx.rb.Error("ERR hash value is not an integer");
      value = *v;
    }
  }
  if ((*incr < 0 && value < 0 && *incr < INT64_MIN - value) ||
      (*incr > 0 && value > 0 && *incr > INT64_MAX - value))
    return ctx.rb.Error("ERR increment or decrement would overflow");
  value += *incr;
  std::string s = std::to_string(value);
  const EncodingLimits& limits = ctx.DbFor(key).limits();
  WriteHash(ctx, key, e, "hincrby", [&](HashObject& h) { h.Set(ctx.arg(2), s, limits); });
  ctx.Dirty(key);
  ctx.rb.Integer(value);
}

void HIncrByFloat(CommandContext& ctx) {
  auto incr = ParseLongDouble(ctx.arg(3));
  if (!incr) return ctx.rb.Error("ERR value is not a valid float");
  if (std::isnan(*incr) || std::isinf(*incr)) return ctx.rb.Error("ERR value is NaN or Infinity");
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kHash, &wrong);
  if (wrong) return;
  long double value = 0;
  if (e) {
    HashObject::NumBuf buf;
    if (auto cur = HashOf(e).Get(ctx.arg(2), &buf)) {
      auto v = ParseLongDouble(*cur);
      if (!v) return ctx.rb.Error("ERR hash value is not a float");
      value = *v;
    }
  }
  value += *incr;
  if (std::isnan(value) || std::isinf(value))
    return ctx.rb.Error("ERR increment would produce NaN or Infinity");
  std::string s = FormatLongDoubleHuman(value);
  const EncodingLimits& limits = ctx.DbFor(key).limits();
  WriteHash(ctx, key, e, "hincrbyfloat", [&](HashObject& h) { h.Set(ctx.arg(2), s, limits); });
  ctx.Dirty(key);
  ctx.rb.Bulk(s);
}

// ---------------------------------------------------------------------------------------------
// HRANDFIELD

// hrandfieldWithCountCommand.
void HRandFieldWithCount(CommandContext& ctx, int64_t l, bool withvalues) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kHash, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.ArrayHeader(0);
  const HashObject& h = HashOf(e);
  uint64_t size = h.size();
  bool uniq = l >= 0;
  uint64_t count = uniq ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
  if (count == 0) return ctx.rb.ArrayHeader(0);
  bool flat = withvalues && ctx.rb.resp() == 2;  // RESP2: field value field value ...
  bool nested = withvalues && ctx.rb.resp() > 2;
  std::vector<HashObject::Pos> pos;

  // Negative count (or 1): independent draws, repetition allowed, in random order.
  if (!uniq || count == 1) {
    ctx.rb.ArrayHeader(flat ? count * 2 : count);
    constexpr uint64_t kBatch = 1000;
    while (count) {
      uint64_t n = count < kBatch ? count : kBatch;
      count -= n;
      pos.clear();
      h.Sample(n, ShardRandom, &pos);
      for (HashObject::Pos p : pos) ReplyElement(ctx, h, p, withvalues, nested);
    }
    return;
  }
  uint64_t reply_size = count < size ? count : size;
  ctx.rb.ArrayHeader(flat ? reply_size * 2 : reply_size);
  // At least the whole hash: all of it, in storage order.
  if (count >= size) {
    for (HashObject::Pos p = h.Begin(); p != HashObject::kEnd; p = h.Next(p))
      ReplyElement(ctx, h, p, withvalues, nested);
    return;
  }
  h.SampleUnique(count, ShardRandom, &pos);
  for (HashObject::Pos p : pos) ReplyElement(ctx, h, p, withvalues, nested);
}

void HRandField(CommandContext& ctx) {
  if (ctx.argc() >= 3) {
    auto l = ParseInt64(ctx.arg(2));
    if (!l) return ctx.ReplyNotInteger();
    if (*l < -INT64_MAX)
      return ctx.rb.Error(
          "ERR value is out of range, value must between -9223372036854775807 and "
          "9223372036854775807");
    bool withvalues = false;
    if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.arg(3), "withvalues")))
      return ctx.ReplySyntaxError();
    if (ctx.argc() == 4) {
      withvalues = true;
      if (*l < -INT64_MAX / 2 || *l > INT64_MAX / 2)
        return ctx.rb.Error("ERR value is out of range");
    }
    return HRandFieldWithCount(ctx, *l, withvalues);
  }
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kHash, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Null();
  std::vector<HashObject::Pos> pos;
  HashOf(e).Sample(1, ShardRandom, &pos);
  ReplyElement(ctx, HashOf(e), pos[0], false, false);
}

// ---------------------------------------------------------------------------------------------
// HSCAN

void HScan(CommandContext& ctx) {
  ScanArgs a;
  Entry* e = ParseKeyScan(ctx, ValueType::kHash, &a);
  if (!e) return;

  const HashObject& h = HashOf(e);
  std::vector<HashObject::Pos> pos;
  uint64_t next = a.cursor;
  // As Redis: steps until COUNT replies (a field and a value count as two) or 10*COUNT steps.
  int64_t maxiterations = a.max_iterations();
  do {
    next = h.Scan(next, &pos);
  } while (next && maxiterations-- > 0 && pos.size() * 2 < static_cast<uint64_t>(a.count));

  HashObject::NumBuf fb, vb;
  std::string_view f, v;
  size_t kept = 0;
  for (HashObject::Pos p : pos) {
    h.Read(p, &f, &v, &fb, &vb);
    if (a.Matches(f)) pos[kept++] = p;
  }
  ReplyScanHeader(ctx, next, kept * 2);
  for (size_t i = 0; i < kept; ++i) ReplyElement(ctx, h, pos[i], true, false);
}

// ---------------------------------------------------------------------------------------------

CommandSpec Hash(std::string name, int arity, uint32_t flags, Handler h,
                 std::vector<std::string> acl, std::string summary, std::string since,
                 std::string complexity = "O(1)") {
  acl.insert(acl.begin(), "hash");
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .Keys(1, 1, 1)
      .Acl(std::move(acl))
      .Doc("hash", std::move(summary), std::move(since), std::move(complexity));
}

void RegisterHashFamily(CommandRegistry& r) {
  constexpr uint32_t kW = kCmdWrite | kCmdDenyOom | kCmdFast;
  constexpr uint32_t kR = kCmdReadOnly;
  const std::vector<std::string> kWriteFast = {"write", "fast"};
  const std::vector<std::string> kReadFast = {"read", "fast"};
  const std::vector<std::string> kReadSlow = {"read", "slow"};
  r.Register(Hash("hset", -4, kW, HSet, kWriteFast, "Set the string value of a hash field", "2.0.0",
                  "O(1) for each field/value pair added, so O(N) to add N field/value pairs when "
                  "the command is called with multiple field/value pairs."));
  r.Register(Hash("hsetnx", 4, kW, HSetNx, kWriteFast,
                  "Set the value of a hash field, only if the field does not exist", "2.0.0"));
  r.Register(Hash("hmset", -4, kW, HSet, kWriteFast, "Set multiple hash fields to multiple values",
                  "2.0.0", "O(N) where N is the number of fields being set."));
  r.Register(
      Hash("hget", 3, kR | kCmdFast, HGet, kReadFast, "Get the value of a hash field", "2.0.0"));
  r.Register(Hash("hmget", -3, kR | kCmdFast, HMGet, kReadFast,
                  "Get the values of all the given hash fields", "2.0.0",
                  "O(N) where N is the number of fields being requested."));
  r.Register(Hash("hgetall", 2, kR, HGetAll, kReadSlow, "Get all the fields and values in a hash",
                  "2.0.0", "O(N) where N is the size of the hash."));
  r.Register(Hash("hdel", -3, kCmdWrite | kCmdFast, HDel, kWriteFast,
                  "Delete one or more hash fields", "2.0.0",
                  "O(N) where N is the number of fields to be removed."));
  r.Register(Hash("hlen", 2, kR | kCmdFast, HLen, kReadFast, "Get the number of fields in a hash",
                  "2.0.0"));
  r.Register(Hash("hstrlen", 3, kR | kCmdFast, HStrLen, kReadFast,
                  "Get the length of the value of a hash field", "3.2.0"));
  r.Register(Hash("hexists", 3, kR | kCmdFast, HExists, kReadFast,
                  "Determine if a hash field exists", "2.0.0"));
  r.Register(Hash("hkeys", 2, kR, HKeys, kReadSlow, "Get all the fields in a hash", "2.0.0",
                  "O(N) where N is the size of the hash."));
  r.Register(Hash("hvals", 2, kR, HVals, kReadSlow, "Get all the values in a hash", "2.0.0",
                  "O(N) where N is the size of the hash."));
  r.Register(Hash("hincrby", 4, kW, HIncrBy, kWriteFast,
                  "Increment the integer value of a hash field by the given number", "2.0.0"));
  r.Register(Hash("hincrbyfloat", 4, kW, HIncrByFloat, kWriteFast,
                  "Increment the float value of a hash field by the given amount", "2.6.0"));
  r.Register(Hash("hrandfield", -2, kR, HRandField, kReadSlow,
                  "Get one or multiple random fields from a hash", "6.2.0",
                  "O(N) where N is the number of fields returned"));
  r.Register(Hash("hscan", -3, kR, HScan, kReadSlow,
                  "Incrementally iterate hash fields and associated values", "2.8.0",
                  "O(1) for every call. O(N) for a complete iteration, including enough command "
                  "calls for the cursor to return back to 0. N is the number of elements inside "
                  "the collection.."));
}

CommandRegistrar registrar(RegisterHashFamily);

}  // namespace
}  // namespace tessera
