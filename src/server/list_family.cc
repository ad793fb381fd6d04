// List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LINDEX LSET LRANGE LINSERT LREM LTRIM
// LPOS LMOVE RPOPLPUSH LMPOP, and the pop/move cores of list_ops.h. Semantics and error strings
// follow Redis 7.0's t_list.c; the blocking variants live with the blocking layer.
#include <algorithm>
#include <memory>
#include <span>
#include <vector>

#include "base/strings.h"
#include "core/encoding.h"
#include "core/list.h"
#include "server/command_context.h"
#include "server/list_ops.h"

namespace tessera {
namespace {

List& AsList(Object& o) { return static_cast<List&>(o); }
const List& ListOf(const Entry* e) { return static_cast<const List&>(*e->object()); }

void ReplyElem(ReplyBuilder& rb, const ListElem& e) {
  if (!e.is_int) return rb.Bulk(e.str);
  char buf[ListElem::kIntBuf];
  rb.Bulk(e.View(buf));
}

// Replies `n` elements starting at `first`, toward the tail (or toward the head, `reverse`).
void ReplyRange(ReplyBuilder& rb, const List& l, size_t first, size_t n, bool reverse) {
  auto it = l.IterAt(first, reverse);
  for (size_t i = 0; i < n; ++i, it.Next()) ReplyElem(rb, it.Get());
}

std::unique_ptr<List> NewList(Db& db) {
  return std::make_unique<List>(db.limits().list_max_listpack_size);
}

bool ParseLong(CommandContext& ctx, const std::string& arg, int64_t* out) {
  auto v = ParseInt64(arg);
  if (!v) {
    ctx.ReplyNotInteger();
    return false;
  }
  *out = *v;
  return true;
}

// LEFT / RIGHT (getListPositionFromObjectOrReply); true = left.
bool ParseSide(CommandContext& ctx, const std::string& arg, bool* left) {
  if (EqualsIgnoreCase(arg, "left")) {
    *left = true;
  } else if (EqualsIgnoreCase(arg, "right")) {
    *left = false;
  } else {
    ctx.ReplySyntaxError();
    return false;
  }
  return true;
}

bool CheckElementSizes(CommandContext& ctx, size_t first) {
  for (size_t j = first; j < ctx.argc(); ++j) {
    if (ctx.arg(j).size() > List::kMaxElementSize) {
      ctx.rb.Error("ERR Element too large");
      return false;
    }
  }
  return true;
}

// Deletes `key`, a list left empty, as Redis does after the command's own event.
void DeleteEmpty(CommandContext& ctx, Db& db, const std::string& key) {
  db.Delete(key);
  ctx.Notify(NotifyClass::kGeneric, "del", key);
}

// Pops from a list entry `e` of `key` (see ListPopReply).
void PopFromEntry(CommandContext& ctx, const std::string& key, Entry* e, bool left, int64_t count,
                  ListPopFrame frame) {
  Shard& shard = ctx.ShardFor(key);  // hashed once for the Db and the dirty counter
  Db& db = shard.db(ctx.db_index);
  ReplyBuilder& rb = ctx.rb;
  size_t popped = 0;
  bool now_empty = db.Mutate(e, [&](Object& o) {
    List& l = AsList(o);
    bool single = frame == ListPopFrame::kBulk || frame == ListPopFrame::kKeyBulk;
    size_t n = single ? 1 : std::min<uint64_t>(static_cast<uint64_t>(count), l.size());
    if (frame == ListPopFrame::kKeyBulk || frame == ListPopFrame::kKeyArray) {
      rb.ArrayHeader(2);
      rb.Bulk(key);
    }
    if (single) {
      ReplyElem(rb, left ? l.Front() : l.Back());
    } else {
      rb.ArrayHeader(n);
      ReplyRange(rb, l, left ? 0 : l.size() - 1, n, !left);
    }
    left ? l.PopFront(n) : l.PopBack(n);
    popped = n;
    return l.empty();
  });
  ctx.Notify(NotifyClass::kList, left ? "lpop" : "rpop", key);
  if (now_empty) DeleteEmpty(ctx, db, key);
  shard.stats().dirty += popped;
  db.Modified(key);
}

// Pushes the arguments from `first` on, one by one, onto `l`.
void PushArgs(CommandContext& ctx, List& l, size_t first, bool left) {
  for (size_t j = first; j < ctx.argc(); ++j)
    left ? l.PushFront(ctx.arg(j)) : l.PushBack(ctx.arg(j));
}

// ---------------------------------------------------------------------------------------------
// Push / pop

void PushGeneric(CommandContext& ctx, bool left, bool only_existing) {
  if (!CheckElementSizes(ctx, 2)) return;
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kList, &wrong);
  if (wrong) return;
  Shard& shard = ctx.ShardFor(key);  // hashed once for the Db and the dirty counter
  Db& db = shard.db(ctx.db_index);
  size_t len;
  if (!e) {
    if (only_existing) return ctx.rb.Integer(0);
    auto l = NewList(db);
    PushArgs(ctx, *l, 2, left);
    len = l->size();
    db.Add(key, Value::FromObject(std::move(l)), ctx.now_ms);
  } else {
    len = db.Mutate(e, [&](Object& o) {
      PushArgs(ctx, AsList(o), 2, left);
      return AsList(o).size();
    });
  }
  ctx.Notify(NotifyClass::kList, left ? "lpush" : "rpush", key);
  shard.stats().dirty += ctx.argc() - 2;
  db.Modified(key);
  ctx.rb.Integer(static_cast<int64_t>(len));
}

void LPush(CommandContext& ctx) { PushGeneric(ctx, true, false); }
void RPush(CommandContext& ctx) { PushGeneric(ctx, false, false); }
void LPushX(CommandContext& ctx) { PushGeneric(ctx, true, true); }
void RPushX(CommandContext& ctx) { PushGeneric(ctx, false, true); }

void PopGeneric(CommandContext& ctx, bool left) {
  if (ctx.argc() > 3) return ctx.ReplyArity();
  bool has_count = ctx.argc() == 3;
  int64_t count = 1;
  if (has_count) {
    auto v = ParseInt64(ctx.arg(2));
    if (!v || *v < 0) return ctx.rb.Error("ERR value is out of range, must be positive");
    count = *v;
  }
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kList, &wrong);
  if (wrong) return;
  if (!e) return has_count ? ctx.rb.NullArray() : ctx.rb.Null();
  if (has_count && count == 0) return ctx.rb.ArrayHeader(0);
  PopFromEntry(ctx, key, e, left, count, has_count ? ListPopFrame::kArray : ListPopFrame::kBulk);
}

void LPop(CommandContext& ctx) { PopGeneric(ctx, true); }
void RPop(CommandContext& ctx) { PopGeneric(ctx, false); }

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
void LMPop(CommandContext& ctx) {
  LMPopArgs a;
  if (!ParseLMPopArgs(ctx, 1, &a)) return;
  auto keys = std::span<const std::string>(ctx.args).subspan(a.first_key, a.numkeys);
  if (ListPopFirst(ctx, keys, a.left, a.count, ListPopFrame::kKeyArray) == ListPopResult::kNone)
    ctx.rb.NullArray();
}

std::vector<int> LMPopKeys(ArgList args) { return LMPopKeyPositions(args, 1); }

// ---------------------------------------------------------------------------------------------
// Reading

void LLen(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kList, &wrong);
  if (wrong) return;
  ctx.rb.Integer(e ? static_cast<int64_t>(ListOf(e).size()) : 0);
}

// A Redis index (negative counts from the tail) as a position, or -1 when out of range.
int64_t Normalize(int64_t index, size_t size) {
  int64_t len = static_cast<int64_t>(size);
  if (index < 0) index += len;
  return index < 0 || index >= len ? -1 : index;
}

void LIndex(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kList, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Null();
  int64_t index;
  if (!ParseLong(ctx, ctx.arg(2), &index)) return;
  const List& l = ListOf(e);
  int64_t i = Normalize(index, l.size());
  if (i < 0) return ctx.rb.Null();
  ReplyElem(ctx.rb, l.At(static_cast<size_t>(i)));
}

void LRange(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseLong(ctx, ctx.arg(2), &start) || !ParseLong(ctx, ctx.arg(3), &end)) return;
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kList, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.ArrayHeader(0);
  const List& l = ListOf(e);
  int64_t len = static_cast<int64_t>(l.size());
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return ctx.rb.ArrayHeader(0);
  if (end >= len) end = len - 1;
  size_t n = static_cast<size_t>(end - start + 1);
  ctx.rb.ArrayHeader(n);
  ReplyRange(ctx.rb, l, static_cast<size_t>(start), n, false);
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void LPos(CommandContext& ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;  // count -1: no COUNT option
  for (size_t j = 3; j < ctx.argc(); ++j) {
    const std::string& opt = ctx.arg(j);
    bool more = j + 1 < ctx.argc();
    if (EqualsIgnoreCase(opt, "rank") && more) {
      if (!ParseLong(ctx, ctx.arg(++j), &rank)) return;
      if (rank == 0)
        return ctx.rb.Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
    } else if (EqualsIgnoreCase(opt, "count") && more) {
      auto v = ParseInt64(ctx.arg(++j));
      if (!v || *v < 0) return ctx.rb.Error("ERR COUNT can't be negative");
      count = *v;
    } else if (EqualsIgnoreCase(opt, "maxlen") && more) {
      auto v = ParseInt64(ctx.arg(++j));
      if (!v || *v < 0) return ctx.rb.Error("ERR MAXLEN can't be negative");
      maxlen = *v;
    } else {
      return ctx.ReplySyntaxError();
    }
  }
  // A negative rank searches from the tail. Redis negates a long: INT64_MIN stays negative
  // (and then matches from the first hit on), which the unsigned arithmetic below reproduces.
  bool from_tail = rank < 0;
  if (from_tail) rank = static_cast<int64_t>(0 - static_cast<uint64_t>(rank));

  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kList, &wrong);
  if (wrong) return;
  if (!e) return count != -1 ? ctx.rb.ArrayHeader(0) : ctx.rb.Null();
  const List& l = ListOf(e);
  ListMatcher m(ctx.arg(2));
  int64_t len = static_cast<int64_t>(l.size());
  std::vector<int64_t> found;
  int64_t matches = 0, index = 0, match_index = -1;
  for (auto it = l.IterAt(from_tail ? l.size() - 1 : 0, from_tail);
       it.valid() && (maxlen == 0 || index < maxlen); it.Next(), ++index) {
    if (!m.Matches(it.Get())) continue;
    ++matches;
    if (matches < rank) continue;
    int64_t at = from_tail ? len - index - 1 : index;
    if (count == -1) {
      match_index = at;
      break;
    }
    found.push_back(at);
    int64_t taken =
        static_cast<int64_t>(static_cast<uint64_t>(matches) - static_cast<uint64_t>(rank) + 1);
    if (count && taken >= count) break;
  }
  if (count == -1) return match_index >= 0 ? ctx.rb.Integer(match_index) : ctx.rb.Null();
  ctx.rb.ArrayHeader(found.size());
  for (int64_t i : found) ctx.rb.Integer(i);
}

// ---------------------------------------------------------------------------------------------
// Editing

void LSet(CommandContext& ctx) {
  if (!CheckElementSizes(ctx, 3)) return;
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kList, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Error("ERR no such key");
  int64_t index;
  if (!ParseLong(ctx, ctx.arg(2), &index)) return;
  int64_t i = Normalize(index, ListOf(e).size());
  if (i < 0) return ctx.rb.Error("ERR index out of range");
  ctx.DbFor(key).Mutate(e, [&](Object& o) { AsList(o).Set(static_cast<size_t>(i), ctx.arg(3)); });
  ctx.Notify(NotifyClass::kList, "lset", key);
  ctx.Dirty(key);
  ctx.rb.Ok();
}

// LINSERT key BEFORE|AFTER pivot element
void LInsert(CommandContext& ctx) {
  bool after;
  if (EqualsIgnoreCase(ctx.arg(2), "after")) {
    after = true;
  } else if (EqualsIgnoreCase(ctx.arg(2), "before")) {
    after = false;
  } else {
    return ctx.ReplySyntaxError();
  }
  if (!CheckElementSizes(ctx, 4)) return;
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kList, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Integer(0);
  size_t len = 0;
  bool inserted = ctx.DbFor(key).Mutate(e, [&](Object& o) {
    bool ok = AsList(o).Insert(ListMatcher(ctx.arg(3)), after, ctx.arg(4));
    len = AsList(o).size();
    return ok;
  });
  if (!inserted) return ctx.rb.Integer(-1);
  ctx.Notify(NotifyClass::kList, "linsert", key);
  ctx.Dirty(key);
  ctx.rb.Integer(static_cast<int64_t>(len));
}

// LREM key count element
void LRem(CommandContext& ctx) {
  int64_t to_remove;
  if (!ParseLong(ctx, ctx.arg(2), &to_remove)) return;
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kList, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Integer(0);
  // Redis negates a long: INT64_MIN stays negative and never equals the count removed (all go).
  bool from_tail = to_remove < 0;
  size_t limit = to_remove == INT64_MIN ? 0
                 : from_tail            ? static_cast<size_t>(-to_remove)
                                        : static_cast<size_t>(to_remove);
  Db& db = ctx.DbFor(key);
  size_t removed = 0;
  bool now_empty = db.Mutate(e, [&](Object& o) {
    removed = AsList(o).Remove(ListMatcher(ctx.arg(3)), from_tail, limit);
    return AsList(o).empty();
  });
  if (removed) ctx.Notify(NotifyClass::kList, "lrem", key);
  if (now_empty) DeleteEmpty(ctx, db, key);
  ctx.Dirty(key, removed);
  ctx.rb.Integer(static_cast<int64_t>(removed));
}

// LTRIM key start stop
void LTrim(CommandContext& ctx) {
  int64_t start, end;
  if (!ParseLong(ctx, ctx.arg(2), &start) || !ParseLong(ctx, ctx.arg(3), &end)) return;
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kList, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Ok();
  int64_t len = static_cast<int64_t>(ListOf(e).size());
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  int64_t ltrim, rtrim;
  if (start > end || start >= len) {
    ltrim = len;
    rtrim = 0;
  } else {
    if (end >= len) end = len - 1;
    ltrim = start;
    rtrim = len - end - 1;
  }
  Db& db = ctx.DbFor(key);
  bool now_empty = db.Mutate(e, [&](Object& o) {
    List& l = AsList(o);
    l.PopFront(static_cast<size_t>(ltrim));
    l.PopBack(static_cast<size_t>(rtrim));
    return l.empty();
  });
  ctx.Notify(NotifyClass::kList, "ltrim", key);
  if (now_empty) DeleteEmpty(ctx, db, key);
  ctx.Dirty(key, static_cast<uint64_t>(ltrim + rtrim));
  ctx.rb.Ok();
}

// ---------------------------------------------------------------------------------------------
// Moving

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
void LMove(CommandContext& ctx) {
  bool from_left, to_left;
  if (!ParseSide(ctx, ctx.arg(3), &from_left) || !ParseSide(ctx, ctx.arg(4), &to_left)) return;
  if (ListMoveReply(ctx, ctx.arg(1), ctx.arg(2), from_left, to_left) == ListMoveResult::kNoSource)
    ctx.rb.Null();
}

void RPopLPush(CommandContext& ctx) {
  if (ListMoveReply(ctx, ctx.arg(1), ctx.arg(2), false, true) == ListMoveResult::kNoSource)
    ctx.rb.Null();
}

}  // namespace

bool ListPopReply(CommandContext& ctx, const std::string& key, bool left, int64_t count,
                  ListPopFrame frame, bool* wrongtype) {
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kList, &wrong);
  if (wrongtype) *wrongtype = wrong;
  if (wrong) return true;
  if (!e) return false;
  PopFromEntry(ctx, key, e, left, count, frame);
  return true;
}

ListPopResult ListPopFirst(CommandContext& ctx, std::span<const std::string> keys, bool left,
                           int64_t count, ListPopFrame frame) {
  for (const std::string& key : keys) {
    bool wrong;
    if (ListPopReply(ctx, key, left, count, frame, &wrong))
      return wrong ? ListPopResult::kWrongType : ListPopResult::kPopped;
  }
  return ListPopResult::kNone;
}

bool ParseLMPopArgs(CommandContext& ctx, size_t numkeys_idx, LMPopArgs* out) {
  auto numkeys = ParseInt64(ctx.arg(numkeys_idx));
  if (!numkeys || *numkeys < 1) {
    ctx.rb.Error("ERR numkeys should be greater than 0");
    return false;
  }
  // The side argument must follow the keys.
  if (static_cast<uint64_t>(*numkeys) >= ctx.argc() - numkeys_idx - 1) {
    ctx.ReplySyntaxError();
    return false;
  }
  out->first_key = numkeys_idx + 1;
  out->numkeys = static_cast<size_t>(*numkeys);
  size_t where_idx = out->first_key + out->numkeys;
  if (!ParseSide(ctx, ctx.arg(where_idx), &out->left)) return false;
  int64_t count = -1;
  for (size_t j = where_idx + 1; j < ctx.argc(); ++j) {
    bool more = j + 1 < ctx.argc();
    if (count == -1 && EqualsIgnoreCase(ctx.arg(j), "count") && more) {
      auto v = ParseInt64(ctx.arg(++j));
      if (!v || *v < 1) {
        ctx.rb.Error("ERR count should be greater than 0");
        return false;
      }
      count = *v;
    } else {
      ctx.ReplySyntaxError();
      return false;
    }
  }
  out->count = count == -1 ? 1 : count;
  return true;
}

std::vector<int> LMPopKeyPositions(ArgList args, size_t numkeys_idx) {
  std::vector<int> out;
  if (args.size() <= numkeys_idx) return out;
  auto n = ParseInt64(args[numkeys_idx]);
  if (!n || *n < 1 || static_cast<uint64_t>(*n) > args.size() - numkeys_idx - 1) return out;
  for (int64_t i = 0; i < *n; ++i) out.push_back(static_cast<int>(numkeys_idx + 1 + i));
  return out;
}

ListMoveResult ListMoveReply(CommandContext& ctx, const std::string& src, const std::string& dst,
                             bool from_left, bool to_left) {
  bool wrong;
  Entry* se = ctx.LookupWriteOf(src, ValueType::kList, &wrong);
  if (wrong) return ListMoveResult::kWrongType;
  if (!se) return ListMoveResult::kNoSource;
  // This lookup may delete an expired `dst`, which invalidates `se`: it is found again below.
  Entry* de = ctx.LookupWriteOf(dst, ValueType::kList, &wrong);
  if (wrong) return ListMoveResult::kWrongType;
  Db& sdb = ctx.DbFor(src);
  const char* push_event = to_left ? "lpush" : "rpush";
  const char* pop_event = from_left ? "lpop" : "rpop";
  if (src == dst) {
    sdb.Mutate(de, [&](Object& o) {
      List& l = AsList(o);
      std::string v = (from_left ? l.Front() : l.Back()).ToString();
      from_left ? l.PopFront() : l.PopBack();
      to_left ? l.PushFront(v) : l.PushBack(v);
      ctx.rb.Bulk(v);
    });
    ctx.Notify(NotifyClass::kList, push_event, dst);
    ctx.Notify(NotifyClass::kList, pop_event, src);
    ctx.Dirty(src);
    return ListMoveResult::kMoved;
  }
  se = sdb.Find(src, ctx.now_ms);
  std::string v;
  bool now_empty = sdb.Mutate(se, [&](Object& o) {
    List& l = AsList(o);
    v = (from_left ? l.Front() : l.Back()).ToString();
    from_left ? l.PopFront() : l.PopBack();
    return l.empty();
  });
  if (now_empty) sdb.Delete(src);
  ctx.Propagate(std::vector<std::vector<std::string>>{{from_left ? "LPOP" : "RPOP", src},
                                                      {to_left ? "LPUSH" : "RPUSH", dst, v}});
  Db& ddb = ctx.DbFor(dst);
  de = ddb.Find(dst, ctx.now_ms);
  if (de) {
    ddb.Mutate(de, [&](Object& o) { to_left ? AsList(o).PushFront(v) : AsList(o).PushBack(v); });
    ddb.Modified(dst);
  } else {
    auto l = NewList(ddb);
    l->PushBack(v);
    ddb.Add(dst, Value::FromObject(std::move(l)), ctx.now_ms);
  }
  // Redis's order: the push, the pop, then the emptied source's deletion.
  ctx.Notify(NotifyClass::kList, push_event, dst);
  ctx.Notify(NotifyClass::kList, pop_event, src);
  if (now_empty) ctx.Notify(NotifyClass::kGeneric, "del", src);
  ctx.rb.Bulk(v);
  ctx.Dirty(src);
  return ListMoveResult::kMoved;
}

// ---------------------------------------------------------------------------------------------
// Registration

namespace {

CommandSpec ListCmd(std::string name, int arity, uint32_t flags, Handler h,
                    std::vector<std::string> acl, std::string summary, std::string since,
                    std::string complexity) {
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .Acl(std::move(acl))
      .Doc("list", std::move(summary), std::move(since), std::move(complexity));
}

void RegisterListFamily(CommandRegistry& r) {
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kR = kCmdReadOnly;
  constexpr uint32_t kF = kCmdFast;
  constexpr uint32_t kM = kCmdDenyOom;
  const std::string push_cost =
      "O(1) for each element added, so O(N) to add N elements when the command is called with "
      "multiple arguments.";

  r.Register(ListCmd("lpush", -3, kW | kM | kF, LPush, {"write", "list", "fast"},
                     "Prepend one or multiple elements to a list", "1.0.0", push_cost)
                 .Keys(1, 1, 1));
  r.Register(ListCmd("rpush", -3, kW | kM | kF, RPush, {"write", "list", "fast"},
                     "Append one or multiple elements to a list", "1.0.0", push_cost)
                 .Keys(1, 1, 1));
  r.Register(ListCmd("lpushx", -3, kW | kM | kF, LPushX, {"write", "list", "fast"},
                     "Prepend an element to a list, only if the list exists", "2.2.0", push_cost)
                 .Keys(1, 1, 1));
  r.Register(ListCmd("rpushx", -3, kW | kM | kF, RPushX, {"write", "list", "fast"},
                     "Append an element to a list, only if the list exists", "2.2.0", push_cost)
                 .Keys(1, 1, 1));
  r.Register(ListCmd("lpop", -2, kW | kF, LPop, {"write", "list", "fast"},
                     "Remove and get the first elements in a list", "1.0.0",
                     "O(N) where N is the number of elements returned")
                 .Keys(1, 1, 1));
  r.Register(ListCmd("rpop", -2, kW | kF, RPop, {"write", "list", "fast"},
                     "Remove and get the last elements in a list", "1.0.0",
                     "O(N) where N is the number of elements returned")
                 .Keys(1, 1, 1));
  r.Register(ListCmd("llen", 2, kR | kF, LLen, {"read", "list", "fast"}, "Get the length of a list",
                     "1.0.0", "O(1)")
                 .Keys(1, 1, 1));
  r.Register(ListCmd("lindex", 3, kR, LIndex, {"read", "list", "slow"},
                     "Get an element from a list by its index", "1.0.0",
                     "O(N) where N is the number of elements to traverse to get to the element at "
                     "index. This makes asking for the first or the last element of the list O(1).")
                 .Keys(1, 1, 1));
  r.Register(ListCmd("lset", 4, kW | kM, LSet, {"write", "list", "slow"},
                     "Set the value of an element in a list by its index", "1.0.0",
                     "O(N) where N is the length of the list. Setting either the first or the last "
                     "element of the list is O(1).")
                 .Keys(1, 1, 1));
  r.Register(ListCmd("lrange", 4, kR, LRange, {"read", "list", "slow"},
                     "Get a range of elements from a list", "1.0.0",
                     "O(S+N) where S is the distance of start offset from HEAD for small lists, "
                     "from nearest end (HEAD or TAIL) for large lists; and N is the number of "
                     "elements in the specified range.")
                 .Keys(1, 1, 1));
  r.Register(ListCmd("linsert", 5, kW | kM, LInsert, {"write", "list", "slow"},
                     "Insert an element before or after another element in a list", "2.2.0",
                     "O(N) where N is the number of elements to traverse before seeing the value "
                     "pivot. This means that inserting somewhere on the left end on the list "
                     "(head) can be considered O(1) and inserting somewhere on the right end "
                     "(tail) is O(N).")
                 .Keys(1, 1, 1));
  r.Register(ListCmd("lrem", 4, kW, LRem, {"write", "list", "slow"}, "Remove elements from a list",
                     "1.0.0",
                     "O(N+M) where N is the length of the list and M is the number of elements "
                     "removed.")
                 .Keys(1, 1, 1));
  r.Register(ListCmd("ltrim", 4, kW, LTrim, {"write", "list", "slow"},
                     "Trim a list to the specified range", "1.0.0",
                     "O(N) where N is the number of elements to be removed by the operation.")
                 .Keys(1, 1, 1));
  r.Register(ListCmd("lpos", -3, kR, LPos, {"read", "list", "slow"},
                     "Return the index of matching elements on a list", "6.0.6",
                     "O(N) where N is the number of elements in the list, for the average case. "
                     "When searching for elements near the head or the tail of the list, or when "
                     "the MAXLEN option is provided, the command may run in constant time.")
                 .Keys(1, 1, 1));
  r.Register(ListCmd("lmove", 5, kW | kM, LMove, {"write", "list", "slow"},
                     "Pop an element from a list, push it to another list and return it", "6.2.0",
                     "O(1)")
                 .Keys(1, 2, 1));
  r.Register(ListCmd("rpoplpush", 3, kW | kM, RPopLPush, {"write", "list", "slow"},
                     "Remove the last element in a list, prepend it to another list and return it",
                     "1.2.0", "O(1)")
                 .Keys(1, 2, 1));
  r.Register(ListCmd("lmpop", -4, kW, LMPop, {"write", "list", "slow"}, "Pop elements from a list",
                     "7.0.0",
                     "O(N+M) where N is the number of provided keys and M is the number of "
                     "elements returned.")
                 .MovableKeys(LMPopKeys));
}

CommandRegistrar registrar(RegisterListFamily);

}  // namespace
}  // namespace tessera
