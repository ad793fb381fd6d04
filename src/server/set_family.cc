// Set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE, the
// SINTER / SUNION / SDIFF families (with STORE forms and SINTERCARD) and SSCAN. Semantics,
// reply types and error strings follow Redis 7.0's t_set.c; the structure is core/set.h.
//
// Multi-key commands may span shards: their keys are declared (SINTERCARD through MovableKeys)
// so they run with every owning shard parked, and each key's Db is reached through DbFor().
// Source sets are held as SetObject pointers, which stay valid while other keys are looked up
// or expire; a STORE form builds its whole result before it writes the destination.
#include <algorithm>
#include <charconv>
#include <climits>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/strings.h"
#include "core/encoding.h"
#include "core/set.h"
#include "server/command_context.h"
#include "server/scan_args.h"

namespace tessera {
namespace {

SetObject* AsSet(Entry* e) { return static_cast<SetObject*>(e->object()); }

size_t MaxIntset(CommandContext& ctx, std::string_view key) {
  return ctx.DbFor(key).limits().set_max_intset_entries;
}

void ReplyMember(ReplyBuilder& rb, const SetMember& m) {
  if (!m.is_int) return rb.Bulk(m.str);
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof(buf), m.num);
  rb.Bulk(std::string_view(buf, r.ptr - buf));
}

// Replies a whole set as a RESP3 set (array in RESP2), in the set's own order.
void ReplySet(ReplyBuilder& rb, const SetObject& s) {
  rb.SetHeader(s.size());
  s.ForEach([&](const SetMember& m) { ReplyMember(rb, m); });
}

// Deletes `key` when its set became empty (Redis never keeps an empty set).
void DeleteIfEmpty(CommandContext& ctx, const std::string& key, const SetObject& s) {
  if (!s.empty()) return;
  ctx.DbFor(key).Delete(key);
  ctx.Notify(NotifyClass::kGeneric, "del", key);
}

// ---------------------------------------------------------------------------------------------
// SADD SREM SMOVE

void SAdd(CommandContext& ctx) {
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kSet, &wrong);
  if (wrong) return;
  Db& db = ctx.DbFor(key);
  size_t max = db.limits().set_max_intset_entries;
  int64_t added = 0;
  auto add_all = [&](SetObject& s) {
    for (size_t i = 2; i < ctx.argc(); ++i)
      if (s.Add(ctx.arg(i), max)) ++added;
  };
  if (!e) {
    auto s = std::make_unique<SetObject>();
    add_all(*s);
    db.Add(key, Value::FromObject(std::move(s)), ctx.now_ms);
  } else {
    db.Mutate(e, [&](Object& o) { add_all(static_cast<SetObject&>(o)); });
  }
  if (added) {
    ctx.Notify(NotifyClass::kSet, "sadd", key);
    ctx.Dirty(key, added);
  }
  ctx.rb.Integer(added);
}

void SRem(CommandContext& ctx) {
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kSet, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Integer(0);
  int64_t deleted = 0;
  SetObject* s = AsSet(e);
  ctx.DbFor(key).Mutate(e, [&](Object&) {
    for (size_t i = 2; i < ctx.argc() && !s->empty(); ++i)
      if (s->Remove(ctx.arg(i))) ++deleted;
  });
  if (deleted) ctx.Notify(NotifyClass::kSet, "srem", key);
  DeleteIfEmpty(ctx, key, *s);
  if (deleted) ctx.Dirty(key, deleted);
  ctx.rb.Integer(deleted);
}

void SMove(CommandContext& ctx) {
  const std::string& src = ctx.arg(1);
  const std::string& dst = ctx.arg(2);
  const std::string& member = ctx.arg(3);
  Db& src_db = ctx.DbFor(src);
  Db& dst_db = ctx.DbFor(dst);
  ctx.LookupWrite(src);
  Entry* de = ctx.LookupWrite(dst);
  // The second lookup may have expired a key of the same Db: find src again (nothing else can
  // expire now) so both entries are current.
  Entry* se = src_db.Find(src, ctx.now_ms);
  if (!se) return ctx.rb.Integer(0);
  bool wrong;
  if (!ctx.CheckType(se, ValueType::kSet, &wrong)) return;
  if (de && !ctx.CheckType(de, ValueType::kSet, &wrong)) return;
  SetObject* ss = AsSet(se);
  if (src == dst) return ctx.rb.Integer(ss->Contains(member) ? 1 : 0);

  bool removed = src_db.Mutate(se, [&](Object&) { return ss->Remove(member); });
  if (!removed) return ctx.rb.Integer(0);
  size_t max = dst_db.limits().set_max_intset_entries;
  bool added;
  if (de) {
    added =
        dst_db.Mutate(de, [&](Object& o) { return static_cast<SetObject&>(o).Add(member, max); });
  } else {
    auto s = std::make_unique<SetObject>();
    added = s->Add(member, max);
    dst_db.Add(dst, Value::FromObject(std::move(s)), ctx.now_ms);
  }
  ctx.Notify(NotifyClass::kSet, "srem", src);
  DeleteIfEmpty(ctx, src, *ss);
  if (added) ctx.Notify(NotifyClass::kSet, "sadd", dst);
  ctx.Dirty(src);
  if (added) ctx.Dirty(dst);
  ctx.Propagate(
      std::vector<std::vector<std::string>>{{"SREM", src, member}, {"SADD", dst, member}});
  ctx.rb.Integer(1);
}

// ---------------------------------------------------------------------------------------------
// SISMEMBER SMISMEMBER SCARD SMEMBERS

void SIsMember(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kSet, &wrong);
  if (wrong) return;
  ctx.rb.Integer(e && AsSet(e)->Contains(ctx.arg(2)) ? 1 : 0);
}

void SMIsMember(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kSet, &wrong);
  if (wrong) return;
  const SetObject* s = e ? AsSet(e) : nullptr;
  ctx.rb.ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) ctx.rb.Integer(s && s->Contains(ctx.arg(i)) ? 1 : 0);
}

void SCard(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kSet, &wrong);
  if (wrong) return;
  ctx.rb.Integer(e ? static_cast<int64_t>(AsSet(e)->size()) : 0);
}

// ---------------------------------------------------------------------------------------------
// SPOP SRANDMEMBER

void SPopCount(CommandContext& ctx) {
  auto v = ParseInt64(ctx.arg(2));
  if (!v || *v < 0) return ctx.rb.Error("ERR value is out of range, must be positive");
  uint64_t count = static_cast<uint64_t>(*v);
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kSet, &wrong);
  if (wrong) return;
  if (!e || count == 0) return ctx.rb.SetHeader(0);
  SetObject* s = AsSet(e);
  size_t size = s->size();
  if (count >= size) {
    // The whole set goes.
    ReplySet(ctx.rb, *s);
    ctx.DbFor(key).Delete(key);
    ctx.Notify(NotifyClass::kSet, "spop", key);
    ctx.Notify(NotifyClass::kGeneric, "del", key);
    ctx.Dirty(key, size + 1);
    ctx.Propagate({"DEL", key});
    return;
  }
  ctx.rb.SetHeader(count);
  // The log records what was popped: a replay must not draw again.
  std::vector<std::string> srem{"SREM", key};
  ctx.DbFor(key).Mutate(e, [&](Object&) {
    s->PopRandom(count, ShardRandom, [&](const SetMember& m) {
      ReplyMember(ctx.rb, m);
      srem.push_back(m.ToString());
    });
  });
  ctx.Notify(NotifyClass::kSet, "spop", key);
  ctx.Dirty(key, count + 1);
  ctx.Propagate(std::move(srem));
}

void SPop(CommandContext& ctx) {
  if (ctx.argc() == 3) return SPopCount(ctx);
  if (ctx.argc() > 3) return ctx.ReplySyntaxError();
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kSet, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Null();
  SetObject* s = AsSet(e);
  std::vector<std::string> srem{"SREM", key};
  auto pop = [&](const SetMember& m) {
    ReplyMember(ctx.rb, m);
    srem.push_back(m.ToString());
  };
  ctx.DbFor(key).Mutate(e, [&](Object&) { s->PopRandom(1, ShardRandom, pop); });
  ctx.Notify(NotifyClass::kSet, "spop", key);
  DeleteIfEmpty(ctx, key, *s);
  ctx.Dirty(key);
  ctx.Propagate(std::move(srem));
}

void SRandMemberCount(CommandContext& ctx) {
  auto v = ParseInt64(ctx.arg(2));
  if (!v) return ctx.ReplyNotInteger();
  if (*v == INT64_MIN)
    return ctx.rb.Error(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807");
  bool distinct = *v >= 0;
  uint64_t count = distinct ? static_cast<uint64_t>(*v) : static_cast<uint64_t>(-*v);
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kSet, &wrong);
  if (wrong) return;
  if (!e || count == 0) return ctx.rb.ArrayHeader(0);
  const SetObject* s = AsSet(e);
  // Repeats allowed (negative count), or a single member: independent draws.
  if (!distinct || count == 1) {
    ctx.rb.ArrayHeader(count);
    for (uint64_t i = 0; i < count; ++i) ReplyMember(ctx.rb, s->Random(ShardRandom));
    return;
  }
  if (count >= s->size()) {
    ctx.rb.ArrayHeader(s->size());
    s->ForEach([&](const SetMember& m) { ReplyMember(ctx.rb, m); });
    return;
  }
  ctx.rb.ArrayHeader(count);
  s->SampleDistinct(count, ShardRandom, [&](const SetMember& m) { ReplyMember(ctx.rb, m); });
}

void SRandMember(CommandContext& ctx) {
  if (ctx.argc() == 3) return SRandMemberCount(ctx);
  if (ctx.argc() > 3) return ctx.ReplySyntaxError();
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kSet, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Null();
  ReplyMember(ctx.rb, AsSet(e)->Random(ShardRandom));
}

// ---------------------------------------------------------------------------------------------
// SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SMEMBERS

// Looks up args [first, last) as sets, in order; a missing key is nullptr. False after a
// WRONGTYPE reply (a wrong type anywhere is an error, even after a missing key, as in 7.0).
bool LookupSets(CommandContext& ctx, size_t first, size_t last,
                std::vector<const SetObject*>* out) {
  out->reserve(last - first);
  for (size_t i = first; i < last; ++i) {
    bool wrong;
    Entry* e = ctx.LookupOf(ctx.arg(i), ValueType::kSet, &wrong);
    if (wrong) return false;
    out->push_back(e ? AsSet(e) : nullptr);
  }
  return true;
}

bool AnyMissing(const std::vector<const SetObject*>& sets) {
  return std::find(sets.begin(), sets.end(), nullptr) != sets.end();
}

// Calls f(member) for each member of the intersection of `sets` (none missing), iterating the
// smallest set as Redis does, until f returns false.
template <typename F>
void Intersect(std::vector<const SetObject*> sets, F f) {
  std::stable_sort(sets.begin(), sets.end(),
                   [](const SetObject* a, const SetObject* b) { return a->size() < b->size(); });
  const SetObject* first = sets[0];
  first->ForEachWhile([&](const SetMember& m) {
    for (size_t j = 1; j < sets.size(); ++j)
      if (sets[j] != first && !sets[j]->Contains(m)) return true;
    return f(m);
  });
}

// Writes `result` to `dst` (replacing whatever is there, TTL included) and replies its
// cardinality, notifying `event`; an empty result deletes `dst` instead.
void StoreResult(CommandContext& ctx, const std::string& dst, std::unique_ptr<SetObject> result,
                 const char* event) {
  Db& db = ctx.DbFor(dst);
  if (result->empty()) {
    if (db.Find(dst, ctx.now_ms) && db.Delete(dst)) {
      ctx.Notify(NotifyClass::kGeneric, "del", dst);
      ctx.Dirty(dst);
    }
    return ctx.rb.Integer(0);
  }
  int64_t n = static_cast<int64_t>(result->size());
  db.Set(dst, Value::FromObject(std::move(result)), ctx.now_ms);
  ctx.Notify(NotifyClass::kSet, event, dst);
  ctx.Dirty(dst);
  ctx.rb.Integer(n);
}

void SInterGeneric(CommandContext& ctx, size_t first, const std::string* dst) {
  std::vector<const SetObject*> sets;
  if (!LookupSets(ctx, first, ctx.argc(), &sets)) return;
  if (dst) {
    auto result = std::make_unique<SetObject>();
    if (!AnyMissing(sets)) {
      size_t max = MaxIntset(ctx, *dst);
      Intersect(sets, [&](const SetMember& m) {
        result->Add(m, max);
        return true;
      });
    }
    return StoreResult(ctx, *dst, std::move(result), "sinterstore");
  }
  if (AnyMissing(sets)) return ctx.rb.SetHeader(0);
  std::vector<SetMember> out;
  Intersect(sets, [&](const SetMember& m) {
    out.push_back(m);
    return true;
  });
  ctx.rb.SetHeader(out.size());
  for (const SetMember& m : out) ReplyMember(ctx.rb, m);
}

void SInter(CommandContext& ctx) { SInterGeneric(ctx, 1, nullptr); }
void SInterStore(CommandContext& ctx) { SInterGeneric(ctx, 2, &ctx.arg(1)); }

// SINTERCARD numkeys key [key ...] [LIMIT limit]: the keys are args 2 .. 1+numkeys when numkeys
// is valid; otherwise none (the handler then replies the error without touching a shard).
std::vector<int> SInterCardKeys(ArgList args) {
  std::vector<int> out;
  if (args.size() < 3) return out;
  auto n = ParseInt64(args[1]);
  if (!n || *n < 1 || *n > static_cast<int64_t>(args.size()) - 2) return out;
  for (int i = 0; i < *n; ++i) out.push_back(2 + i);
  return out;
}

void SInterCard(CommandContext& ctx) {
  auto n = ParseInt64(ctx.arg(1));
  if (!n || *n < 1) return ctx.rb.Error("ERR numkeys should be greater than 0");
  if (*n > static_cast<int64_t>(ctx.argc()) - 2)
    return ctx.rb.Error("ERR Number of keys can't be greater than number of args");
  size_t numkeys = static_cast<size_t>(*n);
  uint64_t limit = 0;
  for (size_t j = 2 + numkeys; j < ctx.argc(); ++j) {
    if (EqualsIgnoreCase(ctx.arg(j), "limit") && j + 1 < ctx.argc()) {
      auto l = ParseInt64(ctx.arg(++j));
      if (!l || *l < 0) return ctx.rb.Error("ERR LIMIT can't be negative");
      limit = static_cast<uint64_t>(*l);
    } else {
      return ctx.ReplySyntaxError();
    }
  }
  std::vector<const SetObject*> sets;
  if (!LookupSets(ctx, 2, 2 + numkeys, &sets)) return;
  uint64_t card = 0;
  // Counting stops at the limit; 0 means no limit.
  if (!AnyMissing(sets)) Intersect(sets, [&](const SetMember&) { return ++card != limit; });
  ctx.rb.Integer(static_cast<int64_t>(card));
}

enum class SetOp { kUnion, kDiff };

// SUNION / SDIFF: the result is built as a set (an intset while it can be, so small integer
// results come out ascending, as Redis's).
std::unique_ptr<SetObject> UnionDiff(const std::vector<const SetObject*>& in, SetOp op,
                                     size_t max) {
  auto result = std::make_unique<SetObject>();
  if (op == SetOp::kUnion) {
    for (const SetObject* s : in)
      if (s) s->ForEach([&](const SetMember& m) { result->Add(m, max); });
    return result;
  }
  const SetObject* first = in[0];
  if (!first) return result;
  for (size_t j = 1; j < in.size(); ++j)
    if (in[j] == first) return result;  // the first set minus itself
  // Redis's choice between its two algorithms: walk the first set testing the others, or copy
  // it and remove the others' members, whichever touches fewer members.
  uint64_t work1 = 0, work2 = 0;
  for (const SetObject* s : in) {
    if (!s) continue;
    work1 += first->size();
    work2 += s->size();
  }
  if (work1 / 2 <= work2) {
    std::vector<const SetObject*> rest;
    for (size_t j = 1; j < in.size(); ++j)
      if (in[j]) rest.push_back(in[j]);
    // Larger sets first: a member present elsewhere is found sooner.
    std::stable_sort(rest.begin(), rest.end(),
                     [](const SetObject* a, const SetObject* b) { return a->size() > b->size(); });
    first->ForEach([&](const SetMember& m) {
      for (const SetObject* s : rest)
        if (s->Contains(m)) return;
      result->Add(m, max);
    });
  } else {
    first->ForEach([&](const SetMember& m) { result->Add(m, max); });
    for (size_t j = 1; j < in.size() && !result->empty(); ++j)
      if (in[j])
        in[j]->ForEachWhile([&](const SetMember& m) {
          result->Remove(m);
          return !result->empty();
        });
  }
  return result;
}

void UnionDiffGeneric(CommandContext& ctx, size_t first, const std::string* dst, SetOp op) {
  std::vector<const SetObject*> sets;
  if (!LookupSets(ctx, first, ctx.argc(), &sets)) return;
  auto result = UnionDiff(sets, op, MaxIntset(ctx, dst ? *dst : ctx.arg(first)));
  if (dst)
    return StoreResult(ctx, *dst, std::move(result),
                       op == SetOp::kUnion ? "sunionstore" : "sdiffstore");
  ReplySet(ctx.rb, *result);
}

void SUnion(CommandContext& ctx) { UnionDiffGeneric(ctx, 1, nullptr, SetOp::kUnion); }
void SUnionStore(CommandContext& ctx) { UnionDiffGeneric(ctx, 2, &ctx.arg(1), SetOp::kUnion); }
void SDiff(CommandContext& ctx) { UnionDiffGeneric(ctx, 1, nullptr, SetOp::kDiff); }
void SDiffStore(CommandContext& ctx) { UnionDiffGeneric(ctx, 2, &ctx.arg(1), SetOp::kDiff); }

// SMEMBERS is SINTER of one key in Redis: a set reply, empty for a missing key.
void SMembers(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kSet, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.SetHeader(0);
  ReplySet(ctx.rb, *AsSet(e));
}

// ---------------------------------------------------------------------------------------------
// SSCAN

void SScan(CommandContext& ctx) {
  ScanArgs a;
  Entry* e = ParseKeyScan(ctx, ValueType::kSet, &a);
  if (!e) return;

  const SetObject* s = AsSet(e);
  std::vector<SetMember> found;
  auto collect = [&](const SetMember& m) { found.push_back(m); };
  uint64_t next = a.cursor;
  int64_t maxiterations = a.max_iterations();
  do {
    next = s->ScanStep(next, collect);
  } while (next && maxiterations-- > 0 && found.size() < static_cast<uint64_t>(a.count));

  std::string text;
  size_t kept = found.size();
  if (a.use_pattern()) {
    kept = 0;
    for (const SetMember& m : found) {
      std::string_view str = m.str;
      if (m.is_int) {
        text.clear();
        m.AppendTo(&text);
        str = text;
      }
      if (a.Matches(str)) found[kept++] = m;
    }
  }
  ReplyScanHeader(ctx, next, kept);
  for (size_t i = 0; i < kept; ++i) ReplyMember(ctx.rb, found[i]);
}

// ---------------------------------------------------------------------------------------------
// Registration

CommandSpec SetCmd(std::string name, int arity, uint32_t flags, Handler h,
                   std::vector<std::string> acl, std::string summary, std::string since,
                   std::string complexity) {
  acl.insert(acl.begin() + 1, "set");
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .Acl(std::move(acl))
      .Doc("set", std::move(summary), std::move(since), std::move(complexity));
}

void RegisterSetFamily(CommandRegistry& r) {
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kR = kCmdReadOnly;
  constexpr uint32_t kF = kCmdFast;
  constexpr uint32_t kM = kCmdDenyOom;
  const char* kInterCx =
      "O(N*M) worst case where N is the cardinality of the smallest set and M is the number of "
      "sets.";
  const char* kTotalCx = "O(N) where N is the total number of elements in all given sets.";

  r.Register(SetCmd("sadd", -3, kW | kM | kF, SAdd, {"write", "fast"},
                    "Add one or more members to a set", "1.0.0",
                    "O(1) for each element added, so O(N) to add N elements when the command is "
                    "called with multiple arguments.")
                 .Keys(1, 1, 1));
  r.Register(SetCmd("srem", -3, kW | kF, SRem, {"write", "fast"},
                    "Remove one or more members from a set", "1.0.0",
                    "O(N) where N is the number of members to be removed.")
                 .Keys(1, 1, 1));
  r.Register(SetCmd("smembers", 2, kR, SMembers, {"read", "slow"}, "Get all the members in a set",
                    "1.0.0", "O(N) where N is the set cardinality.")
                 .Keys(1, 1, 1));
  r.Register(SetCmd("sismember", 3, kR | kF, SIsMember, {"read", "fast"},
                    "Determine if a given value is a member of a set", "1.0.0", "O(1)")
                 .Keys(1, 1, 1));
  r.Register(SetCmd("smismember", -3, kR | kF, SMIsMember, {"read", "fast"},
                    "Returns the membership associated with the given elements for a set", "6.2.0",
                    "O(N) where N is the number of elements being checked for membership")
                 .Keys(1, 1, 1));
  r.Register(SetCmd("scard", 2, kR | kF, SCard, {"read", "fast"},
                    "Get the number of members in a set", "1.0.0", "O(1)")
                 .Keys(1, 1, 1));
  r.Register(SetCmd("spop", -2, kW | kF, SPop, {"write", "fast"},
                    "Remove and return one or multiple random members from a set", "1.0.0",
                    "Without the count argument O(1), otherwise O(N) where N is the value of the "
                    "passed count.")
                 .Keys(1, 1, 1));
  r.Register(SetCmd("srandmember", -2, kR, SRandMember, {"read", "slow"},
                    "Get one or multiple random members from a set", "1.0.0",
                    "Without the count argument O(1), otherwise O(N) where N is the absolute "
                    "value of the passed count.")
                 .Keys(1, 1, 1));
  r.Register(SetCmd("smove", 4, kW | kF, SMove, {"write", "fast"},
                    "Move a member from one set to another", "1.0.0", "O(1)")
                 .Keys(1, 2, 1));
  r.Register(SetCmd("sinter", -2, kR, SInter, {"read", "slow"}, "Intersect multiple sets", "1.0.0",
                    kInterCx)
                 .Keys(1, -1, 1));
  r.Register(SetCmd("sintercard", -3, kR, SInterCard, {"read", "slow"},
                    "Intersect multiple sets and return the cardinality of the result", "7.0.0",
                    kInterCx)
                 .MovableKeys(SInterCardKeys));
  r.Register(
      SetCmd("sunion", -2, kR, SUnion, {"read", "slow"}, "Add multiple sets", "1.0.0", kTotalCx)
          .Keys(1, -1, 1));
  r.Register(
      SetCmd("sdiff", -2, kR, SDiff, {"read", "slow"}, "Subtract multiple sets", "1.0.0", kTotalCx)
          .Keys(1, -1, 1));
  r.Register(SetCmd("sinterstore", -3, kW | kM, SInterStore, {"write", "slow"},
                    "Intersect multiple sets and store the resulting set in a key", "1.0.0",
                    kInterCx)
                 .Keys(1, -1, 1)
                 .LogKeys(LogFirstKeyOnly));
  r.Register(SetCmd("sunionstore", -3, kW | kM, SUnionStore, {"write", "slow"},
                    "Add multiple sets and store the resulting set in a key", "1.0.0", kTotalCx)
                 .Keys(1, -1, 1)
                 .LogKeys(LogFirstKeyOnly));
  r.Register(SetCmd("sdiffstore", -3, kW | kM, SDiffStore, {"write", "slow"},
                    "Subtract multiple sets and store the resulting set in a key", "1.0.0",
                    kTotalCx)
                 .Keys(1, -1, 1)
                 .LogKeys(LogFirstKeyOnly));
  r.Register(SetCmd("sscan", -3, kR, SScan, {"read", "slow"}, "Incrementally iterate Set elements",
                    "2.8.0",
                    "O(1) for every call. O(N) for a complete iteration, including enough command "
                    "calls for the cursor to return back to 0. N is the number of elements inside "
                    "the collection..")
                 .Keys(1, 1, 1));
}

CommandRegistrar registrar(RegisterSetFamily);

}  // namespace
}  // namespace tessera
