// The blocking commands: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP. Each
// tries to serve at once like its non-blocking twin (list_ops.h, zset_ops.h); with nothing to
// serve it blocks on its keys (server/blocking.h) and the serve function below runs with the
// key that became ready. Replies and errors as Redis 7.0's t_list.c / t_zset.c.
#include "base/strings.h"
#include "server/blocking.h"
#include "server/command_context.h"
#include "server/list_ops.h"
#include "server/zset_ops.h"

namespace tessera {
namespace {

// LEFT|RIGHT: true for LEFT.
bool ParseSide(CommandContext& ctx, const std::string& arg, bool* left) {
  *left = EqualsIgnoreCase(arg, "LEFT");
  if (*left || EqualsIgnoreCase(arg, "RIGHT")) return true;
  ctx.ReplySyntaxError();
  return false;
}

// A serve function that served records, for the log, what it did as the non-blocking command
// on the one key it served (server/persistence.h).
bool Served(CommandContext& ctx, bool served, std::vector<std::string> as) {
  if (served && !ctx.rewritten) ctx.Propagate(std::move(as));  // (LMOVE logs its own parts)
  return served;
}

const char* Side(bool left) { return left ? "LEFT" : "RIGHT"; }

// ---- lists

bool ServeBLPop(CommandContext& ctx, const std::string& key) {
  return Served(ctx, ListPopReply(ctx, key, true, 1, ListPopFrame::kKeyBulk), {"LPOP", key});
}
bool ServeBRPop(CommandContext& ctx, const std::string& key) {
  return Served(ctx, ListPopReply(ctx, key, false, 1, ListPopFrame::kKeyBulk), {"RPOP", key});
}

void BPop(CommandContext& ctx, bool left) {
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, ctx.arg(ctx.argc() - 1), &deadline)) return;
  std::vector<std::string> keys(ctx.args.begin() + 1, ctx.args.end() - 1);
  if (ListPopFirst(ctx, keys, left, 1, ListPopFrame::kKeyBulk) != ListPopResult::kNone) return;
  if (!ctx.blocking) return ctx.rb.NullArray();
  ctx.Block(keys, deadline, ValueType::kList, left ? ServeBLPop : ServeBRPop);
}
void BLPop(CommandContext& ctx) { BPop(ctx, true); }
void BRPop(CommandContext& ctx) { BPop(ctx, false); }

// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout; BRPOPLPUSH source destination timeout.
bool MoveEnds(CommandContext& ctx, bool* from_left, bool* to_left) {
  if (ctx.argc() == 4) {  // BRPOPLPUSH
    *from_left = false;
    *to_left = true;
    return true;
  }
  return ParseSide(ctx, ctx.arg(3), from_left) && ParseSide(ctx, ctx.arg(4), to_left);
}

bool ServeBLMove(CommandContext& ctx, const std::string& key) {
  bool from_left, to_left;
  MoveEnds(ctx, &from_left, &to_left);
  return Served(
      ctx, ListMoveReply(ctx, key, ctx.arg(2), from_left, to_left) != ListMoveResult::kNoSource,
      {"LMOVE", key, ctx.arg(2), Side(from_left), Side(to_left)});
}

void BLMove(CommandContext& ctx) {
  bool from_left, to_left;
  if (!MoveEnds(ctx, &from_left, &to_left)) return;
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, ctx.arg(ctx.argc() - 1), &deadline)) return;
  const std::string& src = ctx.arg(1);
  if (ListMoveReply(ctx, src, ctx.arg(2), from_left, to_left) != ListMoveResult::kNoSource) return;
  if (!ctx.blocking) return ctx.rb.Null();  // inside MULTI: a null bulk (a timeout: *-1)
  ctx.Block({src}, deadline, ValueType::kList, ServeBLMove, ctx.arg(2));
}

bool ServeBLMPop(CommandContext& ctx, const std::string& key) {
  LMPopArgs a;
  ParseLMPopArgs(ctx, 2, &a);
  return Served(ctx, ListPopReply(ctx, key, a.left, a.count, ListPopFrame::kKeyArray),
                {"LMPOP", "1", key, Side(a.left), "COUNT", std::to_string(a.count)});
}

void BLMPop(CommandContext& ctx) {
  LMPopArgs a;
  if (!ParseLMPopArgs(ctx, 2, &a)) return;
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, ctx.arg(1), &deadline)) return;
  std::vector<std::string> keys(ctx.args.begin() + static_cast<ptrdiff_t>(a.first_key),
                                ctx.args.begin() + static_cast<ptrdiff_t>(a.first_key + a.numkeys));
  if (ListPopFirst(ctx, keys, a.left, a.count, ListPopFrame::kKeyArray) != ListPopResult::kNone)
    return;
  if (!ctx.blocking) return ctx.rb.NullArray();
  ctx.Block(keys, deadline, ValueType::kList, ServeBLMPop);
}

std::vector<int> BLMPopKeys(ArgList args) { return LMPopKeyPositions(args, 2); }

// ---- sorted sets

bool ServeBZPopMin(CommandContext& ctx, const std::string& key) {
  return Served(ctx, ZPopReply(ctx, key, false, 1, ZPopForm::kKeyFlat), {"ZPOPMIN", key});
}
bool ServeBZPopMax(CommandContext& ctx, const std::string& key) {
  return Served(ctx, ZPopReply(ctx, key, true, 1, ZPopForm::kKeyFlat), {"ZPOPMAX", key});
}

void BZPop(CommandContext& ctx, bool max) {
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, ctx.arg(ctx.argc() - 1), &deadline)) return;
  std::vector<std::string> keys(ctx.args.begin() + 1, ctx.args.end() - 1);
  if (ZPopFirst(ctx, keys, max, 1, ZPopForm::kKeyFlat) != ZPopResult::kNone) return;
  if (!ctx.blocking) return ctx.rb.NullArray();
  ctx.Block(keys, deadline, ValueType::kZSet, max ? ServeBZPopMax : ServeBZPopMin);
}
void BZPopMin(CommandContext& ctx) { BZPop(ctx, false); }
void BZPopMax(CommandContext& ctx) { BZPop(ctx, true); }

bool ServeBZMPop(CommandContext& ctx, const std::string& key) {
  ZMPopArgs a;
  ParseZMPopArgs(ctx, 2, &a);
  return Served(ctx, ZPopReply(ctx, key, a.max, a.count, ZPopForm::kKeyNested),
                {"ZMPOP", "1", key, a.max ? "MAX" : "MIN", "COUNT", std::to_string(a.count)});
}

void BZMPop(CommandContext& ctx) {
  ZMPopArgs a;
  if (!ParseZMPopArgs(ctx, 2, &a)) return;
  int64_t deadline;
  if (!ParseBlockTimeout(ctx, ctx.arg(1), &deadline)) return;
  std::vector<std::string> keys(ctx.args.begin() + static_cast<ptrdiff_t>(a.first_key),
                                ctx.args.begin() + static_cast<ptrdiff_t>(a.first_key + a.numkeys));
  if (ZPopFirst(ctx, keys, a.max, a.count, ZPopForm::kKeyNested) != ZPopResult::kNone) return;
  if (!ctx.blocking) return ctx.rb.NullArray();
  ctx.Block(keys, deadline, ValueType::kZSet, ServeBZMPop);
}

std::vector<int> BZMPopKeys(ArgList args) { return ZMPopKeyPositions(args, 2); }

CommandSpec Blocking(std::string name, int arity, Handler h, std::string group, std::string summary,
                     std::string since, std::string complexity, uint32_t extra_flags = 0) {
  return CommandSpec::Make(std::move(name), arity, kCmdWrite | kCmdBlocking | extra_flags, h)
      .RouteTo(Route::kKeys)
      .Acl({"write", group == "list" ? "list" : "sortedset", "slow", "blocking"})
      .Doc(std::move(group), std::move(summary), std::move(since), std::move(complexity));
}

void RegisterBlockingFamily(CommandRegistry& r) {
  r.Register(Blocking("blpop", -3, BLPop, "list",
                      "Remove and get the first element in a list, or block until one is available",
                      "2.0.0", "O(N) where N is the number of provided keys.")
                 .Keys(1, -2, 1));
  r.Register(Blocking("brpop", -3, BRPop, "list",
                      "Remove and get the last element in a list, or block until one is available",
                      "2.0.0", "O(N) where N is the number of provided keys.")
                 .Keys(1, -2, 1));
  r.Register(Blocking("brpoplpush", 4, BLMove, "list",
                      "Pop an element from a list, push it to another list and return it; or "
                      "block until one is available",
                      "2.2.0", "O(1)", kCmdDenyOom)
                 .Keys(1, 2, 1));
  r.Register(Blocking("blmove", 6, BLMove, "list",
                      "Pop an element from a list, push it to another list and return it; or "
                      "block until one is available",
                      "6.2.0", "O(1)", kCmdDenyOom)
                 .Keys(1, 2, 1));
  r.Register(Blocking("blmpop", -5, BLMPop, "list",
                      "Pop elements from a list, or block until one is available", "7.0.0",
                      "O(N+M) where N is the number of provided keys and M is the number of "
                      "elements returned.")
                 .MovableKeys(BLMPopKeys));
  r.Register(Blocking("bzpopmin", -3, BZPopMin, "sorted_set",
                      "Remove and return the member with the lowest score from one or more sorted "
                      "sets, or block until one is available",
                      "5.0.0", "O(log(N)) with N being the number of elements in the sorted set.")
                 .Keys(1, -2, 1));
  r.Register(Blocking("bzpopmax", -3, BZPopMax, "sorted_set",
                      "Remove and return the member with the highest score from one or more "
                      "sorted sets, or block until one is available",
                      "5.0.0", "O(log(N)) with N being the number of elements in the sorted set.")
                 .Keys(1, -2, 1));
  r.Register(Blocking("bzmpop", -5, BZMPop, "sorted_set",
                      "Remove and return members with scores in a sorted set or block until one "
                      "is available",
                      "7.0.0",
                      "O(K) + O(M*log(N)) where K is the number of provided keys, N being the "
                      "number of elements in the sorted set, and M being the number of elements "
                      "popped.")
                 .MovableKeys(BZMPopKeys));
}

CommandRegistrar registrar(RegisterBlockingFamily);

}  // namespace
}  // namespace tessera
