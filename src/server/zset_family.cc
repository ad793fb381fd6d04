// Sorted-set commands (all but the blocking ones): ZADD and friends, ranges by rank, score and
// lex, pops, set algebra with sorted sets and sets as inputs, ZRANDMEMBER and ZSCAN. Semantics,
// error strings and RESP2/RESP3 reply shapes follow Redis 7.0's t_zset.c.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "core/set.h"
#include "core/zset.h"
#include "server/command_context.h"
#include "server/scan_args.h"
#include "server/zset_ops.h"

namespace tessera {
namespace {

constexpr const char* kNanErr = "ERR resulting score is not a number (NaN)";
constexpr const char* kFloatErr = "ERR value is not a valid float";
constexpr const char* kScoreRangeErr = "ERR min or max is not a float";
constexpr const char* kLexRangeErr = "ERR min or max not valid string range item";

ZSet& Z(Object& o) { return static_cast<ZSet&>(o); }
const ZSet& Z(const Entry* e) { return *static_cast<const ZSet*>(e->object()); }

// A new sorted set for `n` members: the skiplist encoding right away when the listpack could
// not hold them (Insert converts anyway; this only saves the conversion).
std::unique_ptr<ZSet> NewZSet(size_t n, const EncodingLimits& lim) {
  auto z = std::make_unique<ZSet>(n > lim.zset_max_listpack_entries);
  z->Reserve(n);
  return z;
}

// getLongFromObjectOrReply.
bool ParseLong(CommandContext& ctx, const std::string& arg, int64_t* out) {
  auto v = ParseInt64(arg);
  if (!v) {
    ctx.ReplyNotInteger();
    return false;
  }
  *out = *v;
  return true;
}

// getRangeLongFromObjectOrReply with a message used for both a non-integer and a value out of
// [min, max].
bool ParseLongIn(CommandContext& ctx, const std::string& arg, int64_t min, int64_t max,
                 const char* msg, int64_t* out) {
  auto v = ParseInt64(arg);
  if (!v || *v < min || *v > max) {
    ctx.rb.Error(msg);
    return false;
  }
  *out = *v;
  return true;
}

// zslParseRange: strtod on each end (after an optional '('), which must end the string and not
// be NaN.
bool ParseScoreItem(const std::string& s, ScoreBound* b) {
  const char* p = s.c_str();
  b->exclusive = false;
  if (p[0] == '(') {
    b->exclusive = true;
    ++p;
  }
  char* end = nullptr;
  b->value = strtod(p, &end);
  return end[0] == '\0' && !std::isnan(b->value);
}

bool ParseScoreRange(const std::string& min, const std::string& max, ScoreBound* lo,
                     ScoreBound* hi) {
  return ParseScoreItem(min, lo) && ParseScoreItem(max, hi);
}

// zslParseLexRangeItem: "+", "-", "(x" or "[x" (C-string checks: "+\0x" reads as "+").
bool ParseLexItem(const std::string& s, LexBound* b) {
  if (s.empty()) return false;
  switch (s[0]) {
    case '+':
    case '-':
      if (s.size() > 1 && s[1] != '\0') return false;
      b->kind = s[0] == '+' ? LexBound::kMax : LexBound::kMin;
      b->exclusive = true;
      return true;
    case '(':
    case '[':
      b->kind = LexBound::kValue;
      b->exclusive = s[0] == '(';
      b->value = std::string_view(s).substr(1);
      return true;
    default:
      return false;
  }
}

bool ParseLexRange(const std::string& min, const std::string& max, LexBound* lo, LexBound* hi) {
  return ParseLexItem(min, lo) && ParseLexItem(max, hi);
}

// One member of a reply with its score (a [member, score] pair in RESP3).
void EmitPair(ReplyBuilder& rb, std::string_view m, double s, bool withscores) {
  if (withscores && rb.resp() >= 3) rb.ArrayHeader(2);
  rb.Bulk(m);
  if (withscores) rb.Double(s);
}

void ReplyPairsHeader(ReplyBuilder& rb, size_t n, bool withscores) {
  rb.ArrayHeader(withscores && rb.resp() < 3 ? 2 * n : n);
}

// Notifies `event` on `key`, then deletes `key` when its sorted set emptied (Redis's order).
void NotifyAndDeleteIfEmpty(CommandContext& ctx, const std::string& key, Entry* e,
                            const char* event) {
  ctx.Notify(NotifyClass::kZset, event, key);
  if (!Z(e).empty()) return;
  ctx.DbFor(key).Delete(key);
  ctx.Notify(NotifyClass::kGeneric, "del", key);
}

// Deletes the destination of a STORE command whose result is empty.
void DeleteEmptyResult(CommandContext& ctx, Db& db, const std::string& dst) {
  if (!db.Delete(dst)) return;
  ctx.Notify(NotifyClass::kGeneric, "del", dst);
  ctx.Dirty(dst);
}

// ---------------------------------------------------------------------------------------------
// ZADD ZINCRBY

void ZAddGeneric(CommandContext& ctx, int flags) {
  const std::string& key = ctx.arg(1);
  bool ch = false;
  size_t scoreidx = 2;
  for (; scoreidx < ctx.argc(); ++scoreidx) {
    const std::string& opt = ctx.arg(scoreidx);
    if (EqualsIgnoreCase(opt, "nx"))
      flags |= kZAddNx;
    else if (EqualsIgnoreCase(opt, "xx"))
      flags |= kZAddXx;
    else if (EqualsIgnoreCase(opt, "ch"))
      ch = true;
    else if (EqualsIgnoreCase(opt, "incr"))
      flags |= kZAddIncr;
    else if (EqualsIgnoreCase(opt, "gt"))
      flags |= kZAddGt;
    else if (EqualsIgnoreCase(opt, "lt"))
      flags |= kZAddLt;
    else
      break;
  }
  bool incr = flags & kZAddIncr, nx = flags & kZAddNx, xx = flags & kZAddXx;
  bool gt = flags & kZAddGt, lt = flags & kZAddLt;
  size_t elements = ctx.argc() - scoreidx;
  if (elements % 2 || elements == 0) return ctx.ReplySyntaxError();
  elements /= 2;
  if (nx && xx) return ctx.rb.Error("ERR XX and NX options at the same time are not compatible");
  if ((gt && nx) || (lt && nx) || (gt && lt))
    return ctx.rb.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
  if (incr && elements > 1)
    return ctx.rb.Error("ERR INCR option supports a single increment-element pair");

  std::vector<double> scores(elements);
  for (size_t j = 0; j < elements; ++j) {
    auto v = ParseDouble(ctx.arg(scoreidx + 2 * j));
    if (!v) return ctx.rb.Error(kFloatErr);
    scores[j] = *v;
  }

  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kZSet, &wrong);
  if (wrong) return;
  Db& db = ctx.DbFor(key);
  const EncodingLimits& lim = db.limits();
  int64_t added = 0, updated = 0, processed = 0;
  double score = 0;
  bool nan = false;
  auto run = [&](ZSet& z) {
    for (size_t j = 0; j < elements; ++j) {
      double ns = 0;
      int out = z.Add(ctx.arg(scoreidx + 2 * j + 1), scores[j], flags, lim, &ns);
      if (out & kZAddNan) {
        nan = true;
        return;
      }
      if (out & kZAddAdded) ++added;
      if (out & kZAddUpdated) ++updated;
      if (!(out & kZAddNop)) ++processed;
      score = ns;
    }
  };
  if (e) {
    db.Mutate(e, [&](Object& o) { run(Z(o)); });
  } else if (!xx) {
    // Redis 7.0 starts a new key as a listpack (whatever the element count: duplicates may
    // keep it small); adding converts it when a limit is passed.
    auto z = std::make_unique<ZSet>();
    run(*z);
    if (!z->empty()) db.Add(key, Value::FromObject(std::move(z)), ctx.now_ms);
  }
  if (nan) return ctx.rb.Error(kNanErr);
  if (added + updated) {
    ctx.Notify(NotifyClass::kZset, incr ? "zincr" : "zadd", key);
    ctx.Dirty(key, added + updated);
  }
  if (incr) {
    if (processed)
      ctx.rb.Double(score);
    else
      ctx.rb.Null();
  } else {
    ctx.rb.Integer(ch ? added + updated : added);
  }
}

void ZAdd(CommandContext& ctx) { ZAddGeneric(ctx, 0); }
void ZIncrBy(CommandContext& ctx) { ZAddGeneric(ctx, kZAddIncr); }

// ---------------------------------------------------------------------------------------------
// ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT

void ZRem(CommandContext& ctx) {
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kZSet, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Integer(0);
  int64_t deleted = 0;
  ctx.DbFor(key).Mutate(e, [&](Object& o) {
    ZSet& z = Z(o);
    for (size_t j = 2; j < ctx.argc() && !z.empty(); ++j)
      if (z.Remove(ctx.arg(j))) ++deleted;
  });
  if (deleted) NotifyAndDeleteIfEmpty(ctx, key, e, "zrem");
  if (deleted) ctx.Dirty(key, deleted);
  ctx.rb.Integer(deleted);
}

void ZCard(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kZSet, &wrong);
  if (wrong) return;
  ctx.rb.Integer(e ? static_cast<int64_t>(Z(e).size()) : 0);
}

void ZScore(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kZSet, &wrong);
  if (wrong) return;
  std::optional<double> s;
  if (e) s = Z(e).Score(ctx.arg(2));
  if (s)
    ctx.rb.Double(*s);
  else
    ctx.rb.Null();
}

void ZMScore(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kZSet, &wrong);
  if (wrong) return;
  ctx.rb.ArrayHeader(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    std::optional<double> s;
    if (e) s = Z(e).Score(ctx.arg(j));
    if (s)
      ctx.rb.Double(*s);
    else
      ctx.rb.Null();
  }
}

void ZRankGeneric(CommandContext& ctx, bool reverse) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kZSet, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Null();
  const ZSet& z = Z(e);
  auto r = z.Rank(ctx.arg(2));
  if (!r) return ctx.rb.Null();
  ctx.rb.Integer(static_cast<int64_t>(reverse ? z.size() - 1 - *r : *r));
}

void ZRank(CommandContext& ctx) { ZRankGeneric(ctx, false); }
void ZRevRank(CommandContext& ctx) { ZRankGeneric(ctx, true); }

void ZCount(CommandContext& ctx) {
  ScoreBound min, max;
  if (!ParseScoreRange(ctx.arg(2), ctx.arg(3), &min, &max)) return ctx.rb.Error(kScoreRangeErr);
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kZSet, &wrong);
  if (wrong) return;
  ctx.rb.Integer(e ? static_cast<int64_t>(Z(e).CountInScore(min, max)) : 0);
}

void ZLexCount(CommandContext& ctx) {
  LexBound min, max;
  if (!ParseLexRange(ctx.arg(2), ctx.arg(3), &min, &max)) return ctx.rb.Error(kLexRangeErr);
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kZSet, &wrong);
  if (wrong) return;
  ctx.rb.Integer(e ? static_cast<int64_t>(Z(e).CountInLex(min, max)) : 0);
}

// ---------------------------------------------------------------------------------------------
// ZRANGE ZRANGESTORE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// A range result: `count` elements from rank `start`, walking down when `reverse`.
struct RankSpan {
  size_t start = 0;
  size_t count = 0;
  bool reverse = false;
};

// genericZrangebyrankCommand's index sanitising.
RankSpan RankRange(const ZSet& z, int64_t start, int64_t end, bool reverse) {
  int64_t llen = static_cast<int64_t>(z.size());
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  RankSpan span;
  span.reverse = reverse;
  if (start > end || start >= llen) return span;
  if (end >= llen) end = llen - 1;
  span.count = static_cast<size_t>(end - start + 1);
  span.start = static_cast<size_t>(reverse ? llen - 1 - start : start);
  return span;
}

// Score and lex ranges: from Redis's first (last when reverse) element in range, skip `offset`
// elements, then take elements while the far end's predicate holds, at most `limit` (< 0: no
// limit). `first`, `last`: the ranks of the first / last element in range (npos: none), `in`:
// the far end's predicate for a rank (used on the listpack, where lex ranges may stop early).
template <typename InRange>
RankSpan ByRange(const ZSet& z, size_t first, size_t last, bool reverse, int64_t offset,
                 int64_t limit, InRange&& in) {
  RankSpan span;
  span.reverse = reverse;
  size_t n = z.size();
  if (offset < 0 || (offset > 0 && static_cast<uint64_t>(offset) >= n)) return span;
  size_t from = reverse ? last : first;
  if (from == ZSet::npos) return span;
  size_t off = static_cast<size_t>(offset);
  if (reverse ? off > from : from + off >= n) return span;
  span.start = reverse ? from - off : from + off;
  size_t avail;
  if (!z.is_listpack()) {
    // Sorted: every rank between the start and the far end is in range.
    size_t end = reverse ? first : last;
    avail = reverse ? (span.start >= end ? span.start - end + 1 : 0)
                    : (end >= span.start ? end - span.start + 1 : 0);
  } else {
    avail = 0;
    auto it = z.At(span.start);
    while (it.valid() && in(it)) {
      ++avail;
      if (reverse)
        it.Prev();
      else
        it.Next();
    }
  }
  span.count = limit < 0 ? avail : std::min(avail, static_cast<size_t>(limit));
  return span;
}

template <typename F>
void ForSpan(const ZSet& z, const RankSpan& span, F&& f) {
  auto it = z.At(span.start);
  for (size_t i = 0; i < span.count && it.valid(); ++i) {
    f(it.member(), it.score());
    if (span.reverse)
      it.Prev();
    else
      it.Next();
  }
}

// zrangeResultFinalizeStore: stores the span at `dst` (or deletes `dst` when it is empty) and
// replies the count.
void StoreSpan(CommandContext& ctx, const std::string& dst, const ZSet* src, const RankSpan& span) {
  Db& db = ctx.DbFor(dst);
  if (span.count == 0) {
    ctx.rb.Integer(0);
    return DeleteEmptyResult(ctx, db, dst);
  }
  // Redis starts the destination as a listpack unless a rank range's length is over the limit,
  // then adds in order (converting when a limit is passed).
  auto z = NewZSet(span.count, db.limits());
  const EncodingLimits& lim = db.limits();
  ForSpan(*src, span, [&](std::string_view m, double s) { z->Insert(m, s, lim); });
  size_t n = z->size();
  db.Set(dst, Value::FromObject(std::move(z)), ctx.now_ms);
  ctx.Notify(NotifyClass::kZset, "zrangestore", dst);
  ctx.Dirty(dst);
  ctx.rb.Integer(static_cast<int64_t>(n));
}

void ZRangeGeneric(CommandContext& ctx, size_t argc_start, bool store, RangeType type,
                   Direction dir) {
  const std::string& key = ctx.arg(argc_start);
  size_t minidx = argc_start + 1, maxidx = argc_start + 2;
  int64_t opt_offset = 0, opt_limit = -1;
  bool withscores = false;
  for (size_t j = argc_start + 3; j < ctx.argc(); ++j) {
    size_t leftargs = ctx.argc() - j - 1;
    const std::string& a = ctx.arg(j);
    if (!store && EqualsIgnoreCase(a, "withscores")) {
      withscores = true;
    } else if (EqualsIgnoreCase(a, "limit") && leftargs >= 2) {
      if (!ParseLong(ctx, ctx.arg(j + 1), &opt_offset) ||
          !ParseLong(ctx, ctx.arg(j + 2), &opt_limit))
        return;
      j += 2;
    } else if (dir == Direction::kAuto && EqualsIgnoreCase(a, "rev")) {
      dir = Direction::kReverse;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(a, "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && EqualsIgnoreCase(a, "byscore")) {
      type = RangeType::kScore;
    } else {
      return ctx.ReplySyntaxError();
    }
  }
  if (dir == Direction::kAuto) dir = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  bool reverse = dir == Direction::kReverse;
  if (opt_limit != -1 && type == RangeType::kRank)
    return ctx.rb.Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
  if (withscores && type == RangeType::kLex)
    return ctx.rb.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
  if (reverse && type != RangeType::kRank) std::swap(minidx, maxidx);

  int64_t start = 0, end = 0;
  ScoreBound smin, smax;
  LexBound lmin, lmax;
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank:
      if (!ParseLong(ctx, ctx.arg(minidx), &start) || !ParseLong(ctx, ctx.arg(maxidx), &end))
        return;
      break;
    case RangeType::kScore:
      if (!ParseScoreRange(ctx.arg(minidx), ctx.arg(maxidx), &smin, &smax))
        return ctx.rb.Error(kScoreRangeErr);
      break;
    case RangeType::kLex:
      if (!ParseLexRange(ctx.arg(minidx), ctx.arg(maxidx), &lmin, &lmax))
        return ctx.rb.Error(kLexRangeErr);
      break;
  }

  bool wrong;
  Entry* e = ctx.LookupOf(key, ValueType::kZSet, &wrong);
  if (wrong) return;
  const std::string* dst = store ? &ctx.arg(1) : nullptr;
  if (!e) {
    if (dst) return StoreSpan(ctx, *dst, nullptr, RankSpan{});
    return ctx.rb.ArrayHeader(0);
  }
  const ZSet& z = Z(e);
  RankSpan span;
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank:
      span = RankRange(z, start, end, reverse);
      break;
    case RangeType::kScore:
      span =
          ByRange(z, z.FirstInScore(smin, smax), z.LastInScore(smin, smax), reverse, opt_offset,
                  opt_limit, [&](const ZSet::Iter& it) {
                    return reverse ? ScoreGteMin(it.score(), smin) : ScoreLteMax(it.score(), smax);
                  });
      break;
    case RangeType::kLex:
      span = ByRange(z, z.FirstInLex(lmin, lmax), z.LastInLex(lmin, lmax), reverse, opt_offset,
                     opt_limit, [&](const ZSet::Iter& it) {
                       return reverse ? LexGteMin(it.member(), lmin) : LexLteMax(it.member(), lmax);
                     });
      break;
  }
  if (dst) return StoreSpan(ctx, *dst, &z, span);
  ReplyPairsHeader(ctx.rb, span.count, withscores);
  ForSpan(z, span, [&](std::string_view m, double s) { EmitPair(ctx.rb, m, s, withscores); });
}

void ZRange(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kAuto, Direction::kAuto);
}
void ZRangeStore(CommandContext& ctx) {
  ZRangeGeneric(ctx, 2, true, RangeType::kAuto, Direction::kAuto);
}
void ZRevRange(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kRank, Direction::kReverse);
}
void ZRangeByScore(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kScore, Direction::kForward);
}
void ZRevRangeByScore(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kScore, Direction::kReverse);
}
void ZRangeByLex(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kLex, Direction::kForward);
}
void ZRevRangeByLex(CommandContext& ctx) {
  ZRangeGeneric(ctx, 1, false, RangeType::kLex, Direction::kReverse);
}

// ---------------------------------------------------------------------------------------------
// ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX

void ZRemRangeGeneric(CommandContext& ctx, RangeType type) {
  const std::string& key = ctx.arg(1);
  int64_t start = 0, end = 0;
  ScoreBound smin, smax;
  LexBound lmin, lmax;
  if (type == RangeType::kRank) {
    if (!ParseLong(ctx, ctx.arg(2), &start) || !ParseLong(ctx, ctx.arg(3), &end)) return;
  } else if (type == RangeType::kScore) {
    if (!ParseScoreRange(ctx.arg(2), ctx.arg(3), &smin, &smax)) return ctx.rb.Error(kScoreRangeErr);
  } else if (!ParseLexRange(ctx.arg(2), ctx.arg(3), &lmin, &lmax)) {
    return ctx.rb.Error(kLexRangeErr);
  }
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kZSet, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Integer(0);
  size_t deleted = 0;
  ctx.DbFor(key).Mutate(e, [&](Object& o) {
    ZSet& z = Z(o);
    if (type == RangeType::kRank) {
      RankSpan span = RankRange(z, start, end, false);
      z.EraseRanks(span.start, span.start + span.count);
      deleted = span.count;
    } else if (type == RangeType::kScore) {
      deleted = z.EraseScoreRange(smin, smax);
    } else {
      deleted = z.EraseLexRange(lmin, lmax);
    }
  });
  if (deleted) {
    NotifyAndDeleteIfEmpty(ctx, key, e,
                           type == RangeType::kRank    ? "zremrangebyrank"
                           : type == RangeType::kScore ? "zremrangebyscore"
                                                       : "zremrangebylex");
  }
  if (deleted) ctx.Dirty(key, deleted);
  ctx.rb.Integer(static_cast<int64_t>(deleted));
}

void ZRemRangeByRank(CommandContext& ctx) { ZRemRangeGeneric(ctx, RangeType::kRank); }
void ZRemRangeByScore(CommandContext& ctx) { ZRemRangeGeneric(ctx, RangeType::kScore); }
void ZRemRangeByLex(CommandContext& ctx) { ZRemRangeGeneric(ctx, RangeType::kLex); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Pops (exported through zset_ops.h)

ZPopResult ZPopFirst(CommandContext& ctx, std::span<const std::string> keys, bool max,
                     int64_t count, ZPopForm form) {
  for (const std::string& key : keys) {
    bool wrong;
    Entry* e = ctx.LookupWriteOf(key, ValueType::kZSet, &wrong);
    if (wrong) return ZPopResult::kWrongType;
    if (!e) continue;
    size_t llen = Z(e).size();
    size_t n = std::min<size_t>(llen, static_cast<size_t>(std::max<int64_t>(count, 1)));
    ReplyBuilder& rb = ctx.rb;
    switch (form) {
      case ZPopForm::kFlat:
        rb.ArrayHeader(2 * n);
        break;
      case ZPopForm::kNested:
        rb.ArrayHeader(n);
        break;
      case ZPopForm::kKeyFlat:
        rb.ArrayHeader(2 * n + 1);
        rb.Bulk(key);
        break;
      case ZPopForm::kKeyNested:
        rb.ArrayHeader(2);
        rb.Bulk(key);
        rb.ArrayHeader(n);
        break;
    }
    bool nested = form == ZPopForm::kNested || form == ZPopForm::kKeyNested;
    ctx.DbFor(key).Mutate(e, [&](Object& o) {
      ZSet& z = Z(o);
      RankSpan span{max ? llen - 1 : 0, n, max};
      ForSpan(z, span, [&](std::string_view m, double s) {
        if (nested) rb.ArrayHeader(2);
        rb.Bulk(m);
        rb.Double(s);
      });
      if (max)
        z.EraseRanks(llen - n, llen);
      else
        z.EraseRanks(0, n);
    });
    NotifyAndDeleteIfEmpty(ctx, key, e, max ? "zpopmax" : "zpopmin");
    ctx.Dirty(key, n);
    return ZPopResult::kPopped;
  }
  return ZPopResult::kNone;
}

bool ZPopReply(CommandContext& ctx, const std::string& key, bool max, int64_t count,
               ZPopForm form) {
  return ZPopFirst(ctx, std::span<const std::string>(&key, 1), max, count, form) ==
         ZPopResult::kPopped;
}

bool ParseZMPopArgs(CommandContext& ctx, size_t numkeys_idx, ZMPopArgs* out) {
  int64_t numkeys;
  if (!ParseLongIn(ctx, ctx.arg(numkeys_idx), 1, INT64_MAX, "ERR numkeys should be greater than 0",
                   &numkeys))
    return false;
  // where_idx = numkeys_idx + numkeys + 1 must be an argument.
  if (static_cast<uint64_t>(numkeys) >= ctx.argc() - numkeys_idx - 1) {
    ctx.ReplySyntaxError();
    return false;
  }
  size_t where_idx = numkeys_idx + static_cast<size_t>(numkeys) + 1;
  const std::string& where = ctx.arg(where_idx);
  if (EqualsIgnoreCase(where, "min")) {
    out->max = false;
  } else if (EqualsIgnoreCase(where, "max")) {
    out->max = true;
  } else {
    ctx.ReplySyntaxError();
    return false;
  }
  int64_t count = -1;
  for (size_t j = where_idx + 1; j < ctx.argc(); ++j) {
    bool moreargs = j + 1 < ctx.argc();
    if (count == -1 && EqualsIgnoreCase(ctx.arg(j), "count") && moreargs) {
      ++j;
      if (!ParseLongIn(ctx, ctx.arg(j), 1, INT64_MAX, "ERR count should be greater than 0", &count))
        return false;
    } else {
      ctx.ReplySyntaxError();
      return false;
    }
  }
  out->first_key = numkeys_idx + 1;
  out->numkeys = static_cast<size_t>(numkeys);
  out->count = count == -1 ? 1 : count;
  return true;
}

std::vector<int> ZMPopKeyPositions(ArgList args, size_t numkeys_idx) {
  std::vector<int> out;
  if (numkeys_idx >= args.size()) return out;
  auto n = ParseInt64(args[numkeys_idx]);
  if (!n || *n < 1 || static_cast<uint64_t>(*n) > args.size() - numkeys_idx - 1) return out;
  for (int64_t i = 0; i < *n; ++i) out.push_back(static_cast<int>(numkeys_idx + 1 + i));
  return out;
}

namespace {

// ZPOPMIN / ZPOPMAX key [count]
void ZPopMinMax(CommandContext& ctx, bool max) {
  if (ctx.argc() > 3) return ctx.ReplySyntaxError();
  int64_t count = -1;
  if (ctx.argc() == 3 && !ParseLongIn(ctx, ctx.arg(2), 0, INT64_MAX,
                                      "ERR value is out of range, must be positive", &count))
    return;
  const std::string& key = ctx.arg(1);
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kZSet, &wrong);
  if (wrong) return;
  if (!e || count == 0) return ctx.rb.ArrayHeader(0);
  ZPopForm form = ctx.rb.resp() >= 3 && count != -1 ? ZPopForm::kNested : ZPopForm::kFlat;
  ZPopReply(ctx, key, max, count, form);
}

void ZPopMin(CommandContext& ctx) { ZPopMinMax(ctx, false); }
void ZPopMax(CommandContext& ctx) { ZPopMinMax(ctx, true); }

void ZMPop(CommandContext& ctx) {
  ZMPopArgs a;
  if (!ParseZMPopArgs(ctx, 1, &a)) return;
  auto keys = std::span<const std::string>(&ctx.arg(a.first_key), a.numkeys);
  if (ZPopFirst(ctx, keys, a.max, a.count, ZPopForm::kKeyNested) == ZPopResult::kNone)
    ctx.rb.NullArray();
}

std::vector<int> ZMPopKeys(ArgList args) { return ZMPopKeyPositions(args, 1); }

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER

void ZRandMemberWithCount(CommandContext& ctx, int64_t l, bool withscores) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kZSet, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.ArrayHeader(0);
  const ZSet& z = Z(e);
  size_t size = z.size();
  bool uniq = l >= 0;
  uint64_t count = uniq ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
  if (count == 0) return ctx.rb.ArrayHeader(0);
  ReplyBuilder& rb = ctx.rb;

  // CASE 1: negative count (repeats allowed) or a single member.
  if (!uniq || count == 1) {
    ReplyPairsHeader(rb, count, withscores);
    if (z.is_listpack() && count > 8) {
      std::vector<std::pair<std::string_view, double>> all;
      all.reserve(size);
      for (auto it = z.At(0); it.valid(); it.Next()) all.emplace_back(it.member(), it.score());
      while (count--) {
        auto& p = all[ShardRandom() % size];
        EmitPair(rb, p.first, p.second, withscores);
      }
    } else {
      while (count--) {
        auto it = z.Random(ShardRandom);
        EmitPair(rb, it.member(), it.score(), withscores);
      }
    }
    return;
  }
  // CASE 2: the whole set, from the highest rank down (Redis's zuiInitIterator walks sorted
  // sets backwards).
  if (count >= size) {
    ReplyPairsHeader(rb, size, withscores);
    for (auto it = z.At(size - 1); it.valid(); it.Prev())
      EmitPair(rb, it.member(), it.score(), withscores);
    return;
  }
  // CASE 3/4: `count` distinct members in random order.
  std::vector<size_t> ranks;
  if (count * 3 > size) {
    ranks.resize(size);
    for (size_t i = 0; i < size; ++i) ranks[i] = i;
    for (size_t i = 0; i < count; ++i) std::swap(ranks[i], ranks[i + ShardRandom() % (size - i)]);
    ranks.resize(count);
  } else {
    std::unordered_set<size_t> picked;
    while (picked.size() < count) {
      size_t r = ShardRandom() % size;
      if (picked.insert(r).second) ranks.push_back(r);
    }
  }
  ReplyPairsHeader(rb, count, withscores);
  for (size_t r : ranks) {
    auto it = z.At(r);
    EmitPair(rb, it.member(), it.score(), withscores);
  }
}

void ZRandMember(CommandContext& ctx) {
  if (ctx.argc() >= 3) {
    auto l = ParseInt64(ctx.arg(2));
    if (!l) return ctx.ReplyNotInteger();
    if (*l < -INT64_MAX)
      return ctx.rb.Error(
          "ERR value is out of range, value must between -9223372036854775807 and "
          "9223372036854775807");
    if (ctx.argc() > 4 || (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.arg(3), "withscores")))
      return ctx.ReplySyntaxError();
    bool withscores = ctx.argc() == 4;
    if (withscores && (*l < -INT64_MAX / 2 || *l > INT64_MAX / 2))
      return ctx.rb.Error("ERR value is out of range");
    return ZRandMemberWithCount(ctx, *l, withscores);
  }
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kZSet, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Null();
  ctx.rb.Bulk(Z(e).Random(ShardRandom).member());
}

// ---------------------------------------------------------------------------------------------
// ZSCAN

// A score as Redis's listpack stores it (d2string): integral values within +-2^62 in decimal,
// others as "%.17g". ZSCAN of a listpack replies these stored strings.
std::string ListpackScoreString(double s) {
  if (s >= -4611686018427387904.0 && s <= 4611686018427387904.0) {
    auto ll = static_cast<int64_t>(s);
    if (static_cast<double>(ll) == s) return std::to_string(ll);
  }
  return FormatDouble(s);
}

void ZScan(CommandContext& ctx) {
  ScanArgs a;
  Entry* e = ParseKeyScan(ctx, ValueType::kZSet, &a);
  if (!e) return;
  const ZSet& z = Z(e);
  std::vector<std::pair<std::string_view, double>> items;
  auto collect = [&](std::string_view m, double s) { items.emplace_back(m, s); };
  uint64_t next = 0;
  if (z.is_listpack()) {
    z.ScanStep(0, collect);
  } else {
    int64_t maxiterations = a.max_iterations();
    next = a.cursor;
    do {
      next = z.ScanStep(next, collect);
    } while (next && maxiterations-- && items.size() < static_cast<uint64_t>(a.count));
  }
  size_t kept = 0;
  for (auto& it : items)
    if (a.Matches(it.first)) items[kept++] = it;
  items.resize(kept);
  ReplyScanHeader(ctx, next, 2 * items.size());
  bool listpack = z.is_listpack();
  for (auto& [m, s] : items) {
    ctx.rb.Bulk(m);
    ctx.rb.Bulk(listpack ? ListpackScoreString(s) : FormatDouble(s));
  }
}

// ---------------------------------------------------------------------------------------------
// ZUNION ZINTER ZDIFF ZINTERCARD ZUNIONSTORE ZINTERSTORE ZDIFFSTORE

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// An input: a sorted set, a set (every member scoring 1) or nothing (a missing key).
struct Source {
  const ZSet* z = nullptr;
  const SetObject* s = nullptr;
  double weight = 1;

  size_t size() const { return z ? z->size() : s ? s->size() : 0; }
  // Calls f(member, score) for every member. The member views stay valid for the whole command
  // (they point into the inputs, or into `ints` for the decimal form of an intset's members).
  template <typename F>
  void ForEach(std::deque<std::string>* ints, F&& f) const {
    if (z) {
      for (auto it = z->At(0); it.valid(); it.Next()) f(it.member(), it.score());
    } else if (s) {
      s->ForEach([&](const SetMember& m) {
        if (m.is_int) {
          ints->emplace_back();
          m.AppendTo(&ints->back());
          f(std::string_view(ints->back()), 1.0);
        } else {
          f(m.str, 1.0);
        }
      });
    }
  }
  std::optional<double> Find(std::string_view m) const {
    if (z) return z->Score(m);
    if (s && s->Contains(m)) return 1.0;
    return std::nullopt;
  }
};

void AggregateInto(double* target, double val, Aggregate a) {
  switch (a) {
    case Aggregate::kSum:
      *target = *target + val;
      if (std::isnan(*target)) *target = 0.0;  // inf + -inf
      break;
    case Aggregate::kMin:
      *target = val < *target ? val : *target;
      break;
    case Aggregate::kMax:
      *target = val > *target ? val : *target;
      break;
  }
}

struct Scored {
  std::string_view member;
  double score;
};

bool ScoredLess(const Scored& a, const Scored& b) {
  if (a.score != b.score) return a.score < b.score;
  return CompareMembers(a.member, b.member) < 0;
}

// zunionInterDiffGenericCommand. `dst`: the STORE variants' destination; `card`: ZINTERCARD.
void ZSetOpGeneric(CommandContext& ctx, const std::string* dst, size_t numkeys_idx, SetOp op,
                   bool card) {
  int64_t setnum;
  if (!ParseLong(ctx, ctx.arg(numkeys_idx), &setnum)) return;
  if (setnum < 1)
    return ctx.rb.Error("ERR at least 1 input key is needed for '" + ctx.spec->name + "' command");
  if (static_cast<uint64_t>(setnum) > ctx.argc() - (numkeys_idx + 1)) return ctx.ReplySyntaxError();

  std::vector<Source> src(static_cast<size_t>(setnum));
  size_t j = numkeys_idx + 1;
  for (size_t i = 0; i < src.size(); ++i, ++j) {
    Entry* e = ctx.Lookup(ctx.arg(j));
    if (!e) continue;
    if (e->type() == ValueType::kZSet)
      src[i].z = static_cast<const ZSet*>(e->object());
    else if (e->type() == ValueType::kSet)
      src[i].s = static_cast<const SetObject*>(e->object());
    else
      return ctx.ReplyWrongType();
  }

  Aggregate aggregate = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;
  while (j < ctx.argc()) {
    size_t remaining = ctx.argc() - j;
    const std::string& a = ctx.arg(j);
    if (op != SetOp::kDiff && !card && remaining >= src.size() + 1 &&
        EqualsIgnoreCase(a, "weights")) {
      ++j;
      for (auto& s : src) {
        auto w = ParseDouble(ctx.arg(j++));
        if (!w) return ctx.rb.Error("ERR weight value is not a float");
        s.weight = *w;
      }
    } else if (op != SetOp::kDiff && !card && remaining >= 2 && EqualsIgnoreCase(a, "aggregate")) {
      const std::string& v = ctx.arg(j + 1);
      if (EqualsIgnoreCase(v, "sum"))
        aggregate = Aggregate::kSum;
      else if (EqualsIgnoreCase(v, "min"))
        aggregate = Aggregate::kMin;
      else if (EqualsIgnoreCase(v, "max"))
        aggregate = Aggregate::kMax;
      else
        return ctx.ReplySyntaxError();
      j += 2;
    } else if (!dst && !card && EqualsIgnoreCase(a, "withscores")) {
      withscores = true;
      ++j;
    } else if (card && remaining >= 2 && EqualsIgnoreCase(a, "limit")) {
      if (!ParseLongIn(ctx, ctx.arg(j + 1), 0, INT64_MAX, "ERR LIMIT can't be negative", &limit))
        return;
      j += 2;
    } else {
      return ctx.ReplySyntaxError();
    }
  }

  // Smallest inputs first (Redis sorts with qsort by cardinality; stable here).
  if (op != SetOp::kDiff)
    std::stable_sort(src.begin(), src.end(),
                     [](const Source& a, const Source& b) { return a.size() < b.size(); });

  std::vector<Scored> result;
  std::deque<std::string> ints;  // decimal forms of intset members
  uint64_t cardinality = 0;
  if (op == SetOp::kInter) {
    if (src[0].size() > 0) {
      bool stop = false;
      src[0].ForEach(&ints, [&](std::string_view m, double s0) {
        if (stop) return;
        double score = src[0].weight * s0;
        if (std::isnan(score)) score = 0;
        size_t k = 1;
        for (; k < src.size(); ++k) {
          auto v = src[k].Find(m);
          if (!v) break;
          AggregateInto(&score, *v * src[k].weight, aggregate);
        }
        if (k < src.size()) return;
        if (card) {
          ++cardinality;
          if (limit && cardinality >= static_cast<uint64_t>(limit)) stop = true;
        } else {
          result.push_back({m, score});
        }
      });
    }
  } else if (op == SetOp::kUnion) {
    std::unordered_map<std::string_view, double> acc;
    acc.reserve(src.back().size());
    for (auto& s : src) {
      if (s.size() == 0) continue;
      s.ForEach(&ints, [&](std::string_view m, double sc) {
        double score = s.weight * sc;
        if (std::isnan(score)) score = 0;
        auto [it, fresh] = acc.try_emplace(m, score);
        if (!fresh) AggregateInto(&it->second, score, aggregate);
      });
    }
    result.reserve(acc.size());
    for (auto& [m, s] : acc) result.push_back({m, s});
  } else {
    if (src[0].size() > 0) {
      src[0].ForEach(&ints, [&](std::string_view m, double s0) {
        for (size_t k = 1; k < src.size(); ++k)
          if (src[k].Find(m)) return;
        result.push_back({m, s0});
      });
    }
  }

  if (card) return ctx.rb.Integer(static_cast<int64_t>(cardinality));
  std::sort(result.begin(), result.end(), ScoredLess);
  if (dst) {
    Db& db = ctx.DbFor(*dst);
    if (result.empty()) {
      ctx.rb.Integer(0);
      return DeleteEmptyResult(ctx, db, *dst);
    }
    const EncodingLimits& lim = db.limits();
    auto z = NewZSet(result.size(), lim);
    for (auto& r : result) z->Insert(r.member, r.score, lim);
    db.Set(*dst, Value::FromObject(std::move(z)), ctx.now_ms);
    static constexpr const char* kEvents[] = {"zunionstore", "zinterstore", "zdiffstore"};
    ctx.Notify(NotifyClass::kZset, kEvents[static_cast<int>(op)], *dst);
    ctx.Dirty(*dst);
    return ctx.rb.Integer(static_cast<int64_t>(result.size()));
  }
  ReplyPairsHeader(ctx.rb, result.size(), withscores);
  for (auto& r : result) EmitPair(ctx.rb, r.member, r.score, withscores);
}

void ZUnion(CommandContext& ctx) { ZSetOpGeneric(ctx, nullptr, 1, SetOp::kUnion, false); }
void ZInter(CommandContext& ctx) { ZSetOpGeneric(ctx, nullptr, 1, SetOp::kInter, false); }
void ZDiff(CommandContext& ctx) { ZSetOpGeneric(ctx, nullptr, 1, SetOp::kDiff, false); }
void ZInterCard(CommandContext& ctx) { ZSetOpGeneric(ctx, nullptr, 1, SetOp::kInter, true); }
void ZUnionStore(CommandContext& ctx) { ZSetOpGeneric(ctx, &ctx.arg(1), 2, SetOp::kUnion, false); }
void ZInterStore(CommandContext& ctx) { ZSetOpGeneric(ctx, &ctx.arg(1), 2, SetOp::kInter, false); }
void ZDiffStore(CommandContext& ctx) { ZSetOpGeneric(ctx, &ctx.arg(1), 2, SetOp::kDiff, false); }

// numkeys at 1, keys after it (ZUNION ZINTER ZDIFF ZINTERCARD): none when numkeys is invalid.
std::vector<int> NumKeysAt1(ArgList args) { return ZMPopKeyPositions(args, 1); }

// destination at 1, numkeys at 2 (the STORE variants).
std::vector<int> StoreKeys(ArgList args) {
  std::vector<int> keys = ZMPopKeyPositions(args, 2);
  if (keys.empty()) return keys;
  keys.insert(keys.begin(), 1);
  return keys;
}

// ---------------------------------------------------------------------------------------------
// Registration

CommandSpec Zs(std::string name, int arity, uint32_t flags, Handler h, std::vector<std::string> acl,
               std::string summary, std::string since, std::string complexity) {
  acl.insert(acl.begin() + 1, "sortedset");
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .Acl(std::move(acl))
      .Doc("sorted_set", std::move(summary), std::move(since), std::move(complexity));
}

void RegisterZSetFamily(CommandRegistry& r) {
  constexpr uint32_t kW = kCmdWrite;
  constexpr uint32_t kWD = kCmdWrite | kCmdDenyOom;
  constexpr uint32_t kR = kCmdReadOnly;
  constexpr uint32_t kF = kCmdFast;
  const std::vector<std::string> wf = {"write", "fast"}, ws = {"write", "slow"},
                                 rf = {"read", "fast"}, rs = {"read", "slow"};
  r.Register(Zs("zadd", -4, kWD | kF, ZAdd, wf,
                "Add one or more members to a sorted set, or update its score if it already "
                "exists",
                "1.2.0",
                "O(log(N)) for each item added, where N is the number of elements in "
                "the sorted set.")
                 .Keys(1, 1, 1));
  r.Register(Zs("zincrby", 4, kWD | kF, ZIncrBy, wf,
                "Increment the score of a member in a sorted set", "1.2.0", "O(log(N))")
                 .Keys(1, 1, 1));
  r.Register(Zs("zrem", -3, kW | kF, ZRem, wf, "Remove one or more members from a sorted set",
                "1.2.0", "O(M*log(N))")
                 .Keys(1, 1, 1));
  r.Register(Zs("zcard", 2, kR | kF, ZCard, rf, "Get the number of members in a sorted set",
                "1.2.0", "O(1)")
                 .Keys(1, 1, 1));
  r.Register(Zs("zscore", 3, kR | kF, ZScore, rf,
                "Get the score associated with the given member in a sorted set", "1.2.0", "O(1)")
                 .Keys(1, 1, 1));
  r.Register(Zs("zmscore", -3, kR | kF, ZMScore, rf,
                "Get the score associated with the given members in a sorted set", "6.2.0", "O(N)")
                 .Keys(1, 1, 1));
  r.Register(Zs("zrank", 3, kR | kF, ZRank, rf, "Determine the index of a member in a sorted set",
                "2.0.0", "O(log(N))")
                 .Keys(1, 1, 1));
  r.Register(Zs("zrevrank", 3, kR | kF, ZRevRank, rf,
                "Determine the index of a member in a sorted set, with scores ordered from high "
                "to low",
                "2.0.0", "O(log(N))")
                 .Keys(1, 1, 1));
  r.Register(Zs("zcount", 4, kR | kF, ZCount, rf,
                "Count the members in a sorted set with scores within the given values", "2.0.0",
                "O(log(N))")
                 .Keys(1, 1, 1));
  r.Register(Zs("zlexcount", 4, kR | kF, ZLexCount, rf,
                "Count the number of members in a sorted set between a given lexicographical "
                "range",
                "2.8.9", "O(log(N))")
                 .Keys(1, 1, 1));
  r.Register(Zs("zrange", -4, kR, ZRange, rs, "Return a range of members in a sorted set", "1.2.0",
                "O(log(N)+M)")
                 .Keys(1, 1, 1));
  r.Register(Zs("zrangestore", -5, kWD, ZRangeStore, ws,
                "Store a range of members from sorted set into another key", "6.2.0", "O(log(N)+M)")
                 .Keys(1, 2, 1)
                 .LogKeys(LogFirstKeyOnly));
  r.Register(Zs("zrevrange", -4, kR, ZRevRange, rs,
                "Return a range of members in a sorted set, by index, with scores ordered from "
                "high to low",
                "1.2.0", "O(log(N)+M)")
                 .Keys(1, 1, 1));
  r.Register(Zs("zrangebyscore", -4, kR, ZRangeByScore, rs,
                "Return a range of members in a sorted set, by score", "1.0.5", "O(log(N)+M)")
                 .Keys(1, 1, 1));
  r.Register(Zs("zrevrangebyscore", -4, kR, ZRevRangeByScore, rs,
                "Return a range of members in a sorted set, by score, with scores ordered from "
                "high to low",
                "2.2.0", "O(log(N)+M)")
                 .Keys(1, 1, 1));
  r.Register(Zs("zrangebylex", -4, kR, ZRangeByLex, rs,
                "Return a range of members in a sorted set, by lexicographical range", "2.8.9",
                "O(log(N)+M)")
                 .Keys(1, 1, 1));
  r.Register(Zs("zrevrangebylex", -4, kR, ZRevRangeByLex, rs,
                "Return a range of members in a sorted set, by lexicographical range, ordered "
                "from higher to lower strings.",
                "2.8.9", "O(log(N)+M)")
                 .Keys(1, 1, 1));
  r.Register(Zs("zremrangebyrank", 4, kW, ZRemRangeByRank, ws,
                "Remove all members in a sorted set within the given indexes", "2.0.0",
                "O(log(N)+M)")
                 .Keys(1, 1, 1));
  r.Register(Zs("zremrangebyscore", 4, kW, ZRemRangeByScore, ws,
                "Remove all members in a sorted set within the given scores", "1.2.0",
                "O(log(N)+M)")
                 .Keys(1, 1, 1));
  r.Register(Zs("zremrangebylex", 4, kW, ZRemRangeByLex, ws,
                "Remove all members in a sorted set between the given lexicographical range",
                "2.8.9", "O(log(N)+M)")
                 .Keys(1, 1, 1));
  r.Register(Zs("zpopmin", -2, kW | kF, ZPopMin, wf,
                "Remove and return members with the lowest scores in a sorted set", "5.0.0",
                "O(log(N)*M)")
                 .Keys(1, 1, 1));
  r.Register(Zs("zpopmax", -2, kW | kF, ZPopMax, wf,
                "Remove and return members with the highest scores in a sorted set", "5.0.0",
                "O(log(N)*M)")
                 .Keys(1, 1, 1));
  r.Register(Zs("zmpop", -4, kW, ZMPop, ws, "Remove and return members with scores in a sorted set",
                "7.0.0", "O(K) + O(M*log(N))")
                 .MovableKeys(ZMPopKeys));
  r.Register(Zs("zrandmember", -2, kR, ZRandMember, rs,
                "Get one or multiple random elements from a sorted set", "6.2.0", "O(N)")
                 .Keys(1, 1, 1));
  r.Register(Zs("zscan", -3, kR, ZScan, rs,
                "Incrementally iterate sorted sets elements and "
                "associated scores",
                "2.8.0",
                "O(1) for every call. O(N) for a complete "
                "iteration.")
                 .Keys(1, 1, 1));
  r.Register(
      Zs("zunion", -3, kR, ZUnion, rs, "Add multiple sorted sets", "6.2.0", "O(N)+O(M*log(M))")
          .MovableKeys(NumKeysAt1));
  r.Register(Zs("zinter", -3, kR, ZInter, rs, "Intersect multiple sorted sets", "6.2.0",
                "O(N*K)+O(M*log(M))")
                 .MovableKeys(NumKeysAt1));
  r.Register(
      Zs("zdiff", -3, kR, ZDiff, rs, "Subtract multiple sorted sets", "6.2.0", "O(L + (N-K)log(N))")
          .MovableKeys(NumKeysAt1));
  r.Register(Zs("zintercard", -3, kR, ZInterCard, rs,
                "Intersect multiple sorted sets and return the cardinality of the result", "7.0.0",
                "O(N*K)")
                 .MovableKeys(NumKeysAt1));
  r.Register(Zs("zunionstore", -4, kWD, ZUnionStore, ws,
                "Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0",
                "O(N)+O(M log(M))")
                 .MovableKeys(StoreKeys)
                 .LogKeys(LogFirstKeyOnly));
  r.Register(Zs("zinterstore", -4, kWD, ZInterStore, ws,
                "Intersect multiple sorted sets and store the resulting sorted set in a new key",
                "2.0.0", "O(N*K)+O(M*log(M))")
                 .MovableKeys(StoreKeys)
                 .LogKeys(LogFirstKeyOnly));
  r.Register(Zs("zdiffstore", -4, kWD, ZDiffStore, ws,
                "Subtract multiple sorted sets and store the resulting sorted set in a new key",
                "6.2.0", "O(L + (N-K)log(N))")
                 .MovableKeys(StoreKeys)
                 .LogKeys(LogFirstKeyOnly));
}

CommandRegistrar registrar(RegisterZSetFamily);

}  // namespace
}  // namespace tessera
