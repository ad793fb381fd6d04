// String commands: GET SET and friends, counters, ranges, LCS. Semantics and error strings
// follow Redis 7.0's t_string.c.
#include <cmath>
#include <cstring>

#include "base/strings.h"
#include "server/command_context.h"

namespace tessera {
namespace {

bool IsString(const Entry* e) { return e->type() == ValueType::kString; }

// Replies with a string value without copying it first.
void ReplyString(CommandContext& ctx, const Entry* e) {
  if (auto view = e->BytesView()) return ctx.rb.Bulk(*view);
  ctx.rb.Bulk(e->ToString());
}

// Fails with Redis's proto-max-bulk-len error when a string would grow past the limit.
bool CheckStringLength(CommandContext& ctx, int64_t size, int64_t append) {
  int64_t total = size + append;
  if (total > ctx.server->config().proto_max_bulk_len || total < size || total < append) {
    ctx.rb.Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    return false;
  }
  return true;
}

void ReplyInvalidExpire(CommandContext& ctx) {
  ctx.rb.Error("ERR invalid expire time in '" + ctx.spec->name + "' command");
}

// SET / GETEX options (parseExtendedStringArgumentsOrReply).
struct SetOptions {
  enum Flag : uint32_t {
    kNx = 1,
    kXx = 2,
    kGet = 4,
    kKeepTtl = 8,
    kPersist = 16,
    kEx = 32,
    kPx = 64,
    kExat = 128,
    kPxat = 256,
  };
  uint32_t flags = 0;
  const std::string* expire = nullptr;
  int64_t expire_at_ms = 0;  // absolute, valid when expire != nullptr
};

enum class OptFor { kSet, kGetex };

bool ParseSetOptions(CommandContext& ctx, size_t first, OptFor kind, SetOptions* o) {
  using F = SetOptions;
  constexpr uint32_t kAnyExpire = F::kEx | F::kPx | F::kExat | F::kPxat;
  for (size_t j = first; j < ctx.argc(); ++j) {
    const std::string& opt = ctx.arg(j);
    bool has_next = j + 1 < ctx.argc();
    uint32_t& f = o->flags;
    auto expire_opt = [&](uint32_t bit) {
      // An expire option excludes the other expire kinds (repeating the same one is allowed).
      if ((f & (kAnyExpire & ~bit)) || (f & (F::kKeepTtl | F::kPersist)) || !has_next) return false;
      f |= bit;
      o->expire = &ctx.arg(++j);
      return true;
    };
    if (EqualsIgnoreCase(opt, "NX") && !(f & F::kXx) && kind == OptFor::kSet) {
      f |= F::kNx;
    } else if (EqualsIgnoreCase(opt, "XX") && !(f & F::kNx) && kind == OptFor::kSet) {
      f |= F::kXx;
    } else if (EqualsIgnoreCase(opt, "GET") && kind == OptFor::kSet) {
      f |= F::kGet;
    } else if (EqualsIgnoreCase(opt, "KEEPTTL") && !(f & (F::kPersist | kAnyExpire)) &&
               kind == OptFor::kSet) {
      f |= F::kKeepTtl;
    } else if (EqualsIgnoreCase(opt, "PERSIST") && kind == OptFor::kGetex &&
               !(f & (kAnyExpire | F::kKeepTtl))) {
      f |= F::kPersist;
    } else if (EqualsIgnoreCase(opt, "EX") && expire_opt(F::kEx)) {
    } else if (EqualsIgnoreCase(opt, "PX") && expire_opt(F::kPx)) {
    } else if (EqualsIgnoreCase(opt, "EXAT") && expire_opt(F::kExat)) {
    } else if (EqualsIgnoreCase(opt, "PXAT") && expire_opt(F::kPxat)) {
    } else {
      ctx.ReplySyntaxError();
      return false;
    }
  }
  return true;
}

// getExpireMillisecondsOrReply: converts the expire argument to an absolute time in ms.
bool ExpireMillis(CommandContext& ctx, const std::string& arg, bool seconds, bool relative,
                  int64_t* out) {
  auto v = ParseInt64(arg);
  if (!v) {
    ctx.ReplyNotInteger();
    return false;
  }
  int64_t ms = *v;
  if (ms <= 0 || (seconds && ms > INT64_MAX / 1000)) {
    ReplyInvalidExpire(ctx);
    return false;
  }
  if (seconds) ms *= 1000;
  if (relative) {
    if (ms > INT64_MAX - ctx.now_ms) {
      ReplyInvalidExpire(ctx);
      return false;
    }
    ms += ctx.now_ms;
  }
  *out = ms;
  return true;
}

bool ResolveExpire(CommandContext& ctx, SetOptions* o) {
  if (!o->expire) return true;
  using F = SetOptions;
  bool seconds = o->flags & (F::kEx | F::kExat);
  bool relative = o->flags & (F::kEx | F::kPx);
  return ExpireMillis(ctx, *o->expire, seconds, relative, &o->expire_at_ms);
}

// The shared core of SET, SETNX, SETEX, PSETEX, GETSET (setGenericCommand).
// `ok_reply` false = reply :1/:0 instead of +OK/nil.
void SetGeneric(CommandContext& ctx, const std::string& key, const std::string& val,
                const SetOptions& o, bool integer_reply) {
  using F = SetOptions;
  Db& db = ctx.DbFor(key);
  Entry* e = ctx.LookupWrite(key);
  if (o.flags & F::kGet) {
    if (e && !IsString(e)) return ctx.ReplyWrongType();
    if (e) {
      ReplyString(ctx, e);
    } else {
      ctx.rb.Null();
    }
  }
  if (((o.flags & F::kNx) && e) || ((o.flags & F::kXx) && !e)) {
    if (o.flags & F::kGet) return;
    return integer_reply ? ctx.rb.Integer(0) : ctx.rb.Null();
  }
  Entry* ne = db.Set(key, Value::FromString(val), ctx.now_ms, o.flags & F::kKeepTtl);
  ctx.Notify(NotifyClass::kString, "set", key);
  if (o.expire) {
    db.SetExpire(ne, o.expire_at_ms);
    ctx.Notify(NotifyClass::kGeneric, "expire", key);
  }
  ctx.Dirty(key);
  if (o.flags & F::kGet) return;
  integer_reply ? ctx.rb.Integer(1) : ctx.rb.Ok();
}

void Set(CommandContext& ctx) {
  SetOptions o;
  if (!ParseSetOptions(ctx, 3, OptFor::kSet, &o) || !ResolveExpire(ctx, &o)) return;
  SetGeneric(ctx, ctx.arg(1), ctx.arg(2), o, false);
}

void SetNx(CommandContext& ctx) {
  SetOptions o;
  o.flags = SetOptions::kNx;
  SetGeneric(ctx, ctx.arg(1), ctx.arg(2), o, true);
}

void SetExGeneric(CommandContext& ctx, bool seconds) {
  SetOptions o;
  o.expire = &ctx.arg(2);
  if (!ExpireMillis(ctx, ctx.arg(2), seconds, true, &o.expire_at_ms)) return;
  SetGeneric(ctx, ctx.arg(1), ctx.arg(3), o, false);
}
void SetEx(CommandContext& ctx) { SetExGeneric(ctx, true); }
void PSetEx(CommandContext& ctx) { SetExGeneric(ctx, false); }

void GetSet(CommandContext& ctx) {
  SetOptions o;
  o.flags = SetOptions::kGet;
  SetGeneric(ctx, ctx.arg(1), ctx.arg(2), o, false);
}

void Get(CommandContext& ctx) {
  Entry* e = ctx.Lookup(ctx.arg(1));
  if (!e) return ctx.rb.Null();
  if (!IsString(e)) return ctx.ReplyWrongType();
  ReplyString(ctx, e);
}

void GetDel(CommandContext& ctx) {
  const std::string& key = ctx.arg(1);
  Entry* e = ctx.Lookup(key);
  if (!e) return ctx.rb.Null();
  if (!IsString(e)) return ctx.ReplyWrongType();
  ReplyString(ctx, e);
  ctx.DbFor(key).Delete(key);
  ctx.Notify(NotifyClass::kGeneric, "del", key);
  ctx.Dirty(key);
}

void GetEx(CommandContext& ctx) {
  SetOptions o;
  if (!ParseSetOptions(ctx, 2, OptFor::kGetex, &o)) return;
  const std::string& key = ctx.arg(1);
  Entry* e = ctx.Lookup(key);
  if (!e) return ctx.rb.Null();
  if (!IsString(e)) return ctx.ReplyWrongType();
  // Redis validates the expire time only once the key is known to exist.
  if (!ResolveExpire(ctx, &o)) return;
  ReplyString(ctx, e);
  Db& db = ctx.DbFor(key);
  using F = SetOptions;
  if ((o.flags & (F::kExat | F::kPxat)) && o.expire_at_ms <= ctx.now_ms) {
    db.Delete(key);
    ctx.Notify(NotifyClass::kGeneric, "del", key);
    ctx.Dirty(key);
  } else if (o.expire) {
    db.SetExpire(e, o.expire_at_ms);
    ctx.Notify(NotifyClass::kGeneric, "expire", key);
    ctx.Dirty(key);
  } else if ((o.flags & F::kPersist) && e->has_expire()) {
    db.ClearExpire(e);
    ctx.Notify(NotifyClass::kGeneric, "persist", key);
    ctx.Dirty(key);
  }
}

void MGet(CommandContext& ctx) {
  ctx.rb.ArrayHeader(ctx.argc() - 1);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    Entry* e = ctx.Lookup(ctx.arg(i));
    if (!e || !IsString(e))
      ctx.rb.Null();
    else
      ReplyString(ctx, e);
  }
}

void MSetGeneric(CommandContext& ctx, bool nx) {
  if (ctx.argc() % 2 == 0) return ctx.ReplyArity();
  if (nx) {
    for (size_t i = 1; i < ctx.argc(); i += 2)
      if (ctx.LookupWrite(ctx.arg(i))) return ctx.rb.Integer(0);
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    ctx.DbFor(ctx.arg(i)).Set(ctx.arg(i), Value::FromString(ctx.arg(i + 1)), ctx.now_ms);
    ctx.Notify(NotifyClass::kString, "set", ctx.arg(i));
    ctx.Dirty(ctx.arg(i));
  }
  nx ? ctx.rb.Integer(1) : ctx.rb.Ok();
}
void MSet(CommandContext& ctx) { MSetGeneric(ctx, false); }
void MSetNx(CommandContext& ctx) { MSetGeneric(ctx, true); }

void Append(CommandContext& ctx) {
  const std::string& key = ctx.arg(1);
  const std::string& add = ctx.arg(2);
  Entry* e = ctx.LookupWrite(key);
  if (!e) {
    ctx.DbFor(key).Add(key, Value::FromString(add), ctx.now_ms);
    ctx.Notify(NotifyClass::kString, "append", key);
    ctx.Dirty(key);
    return ctx.rb.Integer(static_cast<int64_t>(add.size()));
  }
  if (!IsString(e)) return ctx.ReplyWrongType();
  if (!CheckStringLength(ctx, e->StringLength(), add.size())) return;
  size_t len = 0;
  ctx.DbFor(key).EditString(e, [&](std::string& s) {
    s.append(add);
    len = s.size();
  });
  ctx.Notify(NotifyClass::kString, "append", key);
  ctx.Dirty(key);
  ctx.rb.Integer(static_cast<int64_t>(len));
}

void StrLen(CommandContext& ctx) {
  Entry* e = ctx.Lookup(ctx.arg(1));
  if (!e) return ctx.rb.Integer(0);
  if (!IsString(e)) return ctx.ReplyWrongType();
  ctx.rb.Integer(static_cast<int64_t>(e->StringLength()));
}

void GetRange(CommandContext& ctx) {
  auto start = ParseInt64(ctx.arg(2));
  auto end = ParseInt64(ctx.arg(3));
  if (!start || !end) return ctx.ReplyNotInteger();
  Entry* e = ctx.Lookup(ctx.arg(1));
  if (!e) return ctx.rb.Bulk("");
  if (!IsString(e)) return ctx.ReplyWrongType();
  std::string s = e->ToString();
  int64_t len = static_cast<int64_t>(s.size());
  int64_t a = *start, b = *end;
  if (a < 0 && b < 0 && a > b) return ctx.rb.Bulk("");
  if (a < 0) a += len;
  if (b < 0) b += len;
  if (a < 0) a = 0;
  if (b < 0) b = 0;
  if (b >= len) b = len - 1;
  if (a > b || len == 0) return ctx.rb.Bulk("");
  ctx.rb.Bulk(std::string_view(s).substr(a, b - a + 1));
}

void SetRange(CommandContext& ctx) {
  const std::string& key = ctx.arg(1);
  const std::string& val = ctx.arg(3);
  auto offset = ParseInt64(ctx.arg(2));
  if (!offset) return ctx.ReplyNotInteger();
  if (*offset < 0) return ctx.rb.Error("ERR offset is out of range");
  Entry* e = ctx.LookupWrite(key);
  if (!e) {
    if (val.empty()) return ctx.rb.Integer(0);
    if (!CheckStringLength(ctx, *offset, val.size())) return;
    e = ctx.DbFor(key).Add(key, Value::Bytes(std::string(), true, true), ctx.now_ms);
  } else {
    if (!IsString(e)) return ctx.ReplyWrongType();
    if (val.empty()) return ctx.rb.Integer(static_cast<int64_t>(e->StringLength()));
    if (!CheckStringLength(ctx, *offset, val.size())) return;
  }
  size_t len = 0;
  ctx.DbFor(key).EditString(e, [&](std::string& s) {
    size_t need = static_cast<size_t>(*offset) + val.size();
    if (s.size() < need) s.resize(need, '\0');
    memcpy(s.data() + *offset, val.data(), val.size());
    len = s.size();
  });
  ctx.Notify(NotifyClass::kString, "setrange", key);
  ctx.Dirty(key);
  ctx.rb.Integer(static_cast<int64_t>(len));
}

// Replaces the value of `e` (keeping its TTL, as counters do), or adds `key` when e is null;
// notifies `event`.
void Store(CommandContext& ctx, const std::string& key, Entry* e, Value v, const char* event) {
  if (e)
    ctx.DbFor(key).SetValue(e, std::move(v));
  else
    ctx.DbFor(key).Add(key, std::move(v), ctx.now_ms);
  ctx.Notify(NotifyClass::kString, event, key);
  ctx.Dirty(key);
}

void IncrDecr(CommandContext& ctx, int64_t incr) {
  const std::string& key = ctx.arg(1);
  Entry* e = ctx.LookupWrite(key);
  int64_t value = 0;
  if (e) {
    if (!IsString(e)) return ctx.ReplyWrongType();
    if (e->is_int()) {
      value = e->int_value();
    } else {
      auto v = ParseInt64(e->ToString());
      if (!v) return ctx.ReplyNotInteger();
      value = *v;
    }
  }
  if ((incr < 0 && value < 0 && incr < INT64_MIN - value) ||
      (incr > 0 && value > 0 && incr > INT64_MAX - value))
    return ctx.rb.Error("ERR increment or decrement would overflow");
  value += incr;
  Store(ctx, key, e, Value::FromInt(value), "incrby");
  ctx.rb.Integer(value);
}

void Incr(CommandContext& ctx) { IncrDecr(ctx, 1); }
void Decr(CommandContext& ctx) { IncrDecr(ctx, -1); }
void IncrBy(CommandContext& ctx) {
  auto v = ParseInt64(ctx.arg(2));
  if (!v) return ctx.ReplyNotInteger();
  IncrDecr(ctx, *v);
}
void DecrBy(CommandContext& ctx) {
  auto v = ParseInt64(ctx.arg(2));
  if (!v) return ctx.ReplyNotInteger();
  if (*v == INT64_MIN) return ctx.rb.Error("ERR decrement would overflow");
  IncrDecr(ctx, -*v);
}

void IncrByFloat(CommandContext& ctx) {
  const std::string& key = ctx.arg(1);
  Entry* e = ctx.LookupWrite(key);
  long double value = 0;
  if (e) {
    if (!IsString(e)) return ctx.ReplyWrongType();
    auto v = ParseLongDouble(e->ToString());
    if (!v) return ctx.rb.Error("ERR value is not a valid float");
    value = *v;
  }
  auto incr = ParseLongDouble(ctx.arg(2));
  if (!incr) return ctx.rb.Error("ERR value is not a valid float");
  value += *incr;
  if (std::isnan(value) || std::isinf(value))
    return ctx.rb.Error("ERR increment would produce NaN or Infinity");
  std::string s = FormatLongDoubleHuman(value);
  Store(ctx, key, e, Value::FromString(s), "incrbyfloat");
  ctx.rb.Bulk(s);
}

void Lcs(CommandContext& ctx) {
  Entry* ea = ctx.Lookup(ctx.arg(1));
  Entry* eb = ctx.Lookup(ctx.arg(2));
  if ((ea && !IsString(ea)) || (eb && !IsString(eb)))
    return ctx.rb.Error("ERR The specified keys must contain string values");
  std::string a = ea ? ea->ToString() : "";
  std::string b = eb ? eb->ToString() : "";
  bool getlen = false, getidx = false, withmatchlen = false;
  int64_t minmatchlen = 0;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    const std::string& opt = ctx.arg(j);
    bool more = j + 1 < ctx.argc();
    if (EqualsIgnoreCase(opt, "IDX"))
      getidx = true;
    else if (EqualsIgnoreCase(opt, "LEN"))
      getlen = true;
    else if (EqualsIgnoreCase(opt, "WITHMATCHLEN"))
      withmatchlen = true;
    else if (EqualsIgnoreCase(opt, "MINMATCHLEN") && more) {
      auto v = ParseInt64(ctx.arg(++j));
      if (!v) return ctx.ReplyNotInteger();
      minmatchlen = *v < 0 ? 0 : *v;
    } else {
      return ctx.ReplySyntaxError();
    }
  }
  if (getidx && getlen)
    return ctx.rb.Error("ERR If you want both the length and indexes, please just use IDX.");
  uint64_t alen = a.size(), blen = b.size();
  unsigned __int128 cells = static_cast<unsigned __int128>(alen + 1) * (blen + 1);
  if (cells * sizeof(uint32_t) >
      static_cast<unsigned __int128>(ctx.server->config().proto_max_bulk_len))
    return ctx.rb.Error(
        "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
  std::vector<uint32_t> dp(static_cast<size_t>(cells));
  auto at = [&](uint64_t i, uint64_t j) -> uint32_t& { return dp[j + i * (blen + 1)]; };
  for (uint64_t i = 1; i <= alen; ++i)
    for (uint64_t j = 1; j <= blen; ++j)
      at(i, j) = a[i - 1] == b[j - 1] ? at(i - 1, j - 1) + 1 : std::max(at(i - 1, j), at(i, j - 1));

  uint32_t idx = at(alen, blen);
  bool computelcs = getidx || !getlen;
  std::string result(computelcs ? idx : 0, '\0');
  // Ranges are emitted while walking back; collect them to write the count first.
  struct Range {
    uint64_t as, ae, bs, be;
  };
  std::vector<Range> ranges;
  uint64_t arange_start = alen, arange_end = 0, brange_start = 0, brange_end = 0;
  uint64_t i = alen, j = blen;
  while (computelcs && i > 0 && j > 0) {
    bool emit = false;
    if (a[i - 1] == b[j - 1]) {
      result[idx - 1] = a[i - 1];
      if (arange_start == alen) {
        arange_start = arange_end = i - 1;
        brange_start = brange_end = j - 1;
      } else if (arange_start == i && brange_start == j) {
        --arange_start;
        --brange_start;
      } else {
        emit = true;
      }
      if (arange_start == 0 || brange_start == 0) emit = true;
      --idx;
      --i;
      --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1))
        --i;
      else
        --j;
      if (arange_start != alen) emit = true;
    }
    if (emit) {
      uint64_t match_len = arange_end - arange_start + 1;
      if (minmatchlen == 0 || match_len >= static_cast<uint64_t>(minmatchlen))
        ranges.push_back({arange_start, arange_end, brange_start, brange_end});
      arange_start = alen;
    }
  }
  if (getidx) {
    ctx.rb.MapHeader(2);
    ctx.rb.Bulk("matches");
    ctx.rb.ArrayHeader(ranges.size());
    for (auto& r : ranges) {
      ctx.rb.ArrayHeader(withmatchlen ? 3 : 2);
      ctx.rb.ArrayHeader(2);
      ctx.rb.Integer(static_cast<int64_t>(r.as));
      ctx.rb.Integer(static_cast<int64_t>(r.ae));
      ctx.rb.ArrayHeader(2);
      ctx.rb.Integer(static_cast<int64_t>(r.bs));
      ctx.rb.Integer(static_cast<int64_t>(r.be));
      if (withmatchlen) ctx.rb.Integer(static_cast<int64_t>(r.ae - r.as + 1));
    }
    ctx.rb.Bulk("len");
    ctx.rb.Integer(at(alen, blen));
  } else if (getlen) {
    ctx.rb.Integer(at(alen, blen));
  } else {
    ctx.rb.Bulk(result);
  }
}

CommandSpec Str(std::string name, int arity, uint32_t flags, Handler h, int first, int last,
                int step, std::vector<std::string> acl, std::string summary, std::string since,
                std::string complexity = "O(1)") {
  acl.insert(acl.begin(), "string");
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .Keys(first, last, step)
      .Acl(std::move(acl))
      .Doc("string", std::move(summary), std::move(since), std::move(complexity));
}

void RegisterStringFamily(CommandRegistry& r) {
  constexpr uint32_t kW = kCmdWrite | kCmdDenyOom;
  constexpr uint32_t kR = kCmdReadOnly;
  r.Register(Str("get", 2, kR | kCmdFast, Get, 1, 1, 1, {"read", "fast"}, "Get the value of a key",
                 "1.0.0"));
  r.Register(Str("set", -3, kW, Set, 1, 1, 1, {"write", "slow"}, "Set the string value of a key",
                 "1.0.0"));
  r.Register(Str("setnx", 3, kW | kCmdFast, SetNx, 1, 1, 1, {"write", "fast"},
                 "Set the value of a key, only if the key does not exist", "1.0.0"));
  r.Register(Str("setex", 4, kW, SetEx, 1, 1, 1, {"write", "slow"},
                 "Set the value and expiration of a key", "2.0.0"));
  r.Register(Str("psetex", 4, kW, PSetEx, 1, 1, 1, {"write", "slow"},
                 "Set the value and expiration in milliseconds of a key", "2.6.0"));
  r.Register(Str("getset", 3, kW | kCmdFast, GetSet, 1, 1, 1, {"write", "fast"},
                 "Set the string value of a key and return its old value", "1.0.0"));
  r.Register(Str("getdel", 2, kCmdWrite | kCmdFast, GetDel, 1, 1, 1, {"write", "fast"},
                 "Get the value of a key and delete the key", "6.2.0"));
  r.Register(Str("getex", -2, kCmdWrite | kCmdFast, GetEx, 1, 1, 1, {"write", "fast"},
                 "Get the value of a key and optionally set its expiration", "6.2.0"));
  r.Register(Str("mget", -2, kR | kCmdFast, MGet, 1, -1, 1, {"read", "fast"},
                 "Get the values of all the given keys", "1.0.0", "O(N)"));
  r.Register(Str("mset", -3, kW, MSet, 1, -1, 2, {"write", "slow"},
                 "Set multiple keys to multiple values", "1.0.1", "O(N)"));
  r.Register(Str("msetnx", -3, kW, MSetNx, 1, -1, 2, {"write", "slow"},
                 "Set multiple keys to multiple values, only if none of the keys exist", "1.0.1",
                 "O(N)"));
  r.Register(Str("append", 3, kW | kCmdFast, Append, 1, 1, 1, {"write", "fast"},
                 "Append a value to a key", "2.0.0"));
  r.Register(Str("strlen", 2, kR | kCmdFast, StrLen, 1, 1, 1, {"read", "fast"},
                 "Get the length of the value stored in a key", "2.2.0"));
  r.Register(Str("getrange", 4, kR, GetRange, 1, 1, 1, {"read", "slow"},
                 "Get a substring of the string stored at a key", "2.4.0", "O(N)"));
  r.Register(Str("substr", 4, kR, GetRange, 1, 1, 1, {"read", "slow"},
                 "Get a substring of the string stored at a key", "1.0.0", "O(N)"));
  r.Register(Str("setrange", 4, kW, SetRange, 1, 1, 1, {"write", "slow"},
                 "Overwrite part of a string at key starting at the specified offset", "2.2.0"));
  r.Register(Str("incr", 2, kW | kCmdFast, Incr, 1, 1, 1, {"write", "fast"},
                 "Increment the integer value of a key by one", "1.0.0"));
  r.Register(Str("decr", 2, kW | kCmdFast, Decr, 1, 1, 1, {"write", "fast"},
                 "Decrement the integer value of a key by one", "1.0.0"));
  r.Register(Str("incrby", 3, kW | kCmdFast, IncrBy, 1, 1, 1, {"write", "fast"},
                 "Increment the integer value of a key by the given amount", "1.0.0"));
  r.Register(Str("decrby", 3, kW | kCmdFast, DecrBy, 1, 1, 1, {"write", "fast"},
                 "Decrement the integer value of a key by the given number", "1.0.0"));
  r.Register(Str("incrbyfloat", 3, kW | kCmdFast, IncrByFloat, 1, 1, 1, {"write", "fast"},
                 "Increment the float value of a key by the given amount", "2.6.0"));
  r.Register(Str("lcs", -3, kR, Lcs, 1, 2, 1, {"read", "slow"}, "Find longest common substring",
                 "7.0.0", "O(N*M)"));
}

CommandRegistrar registrar(RegisterStringFamily);

}  // namespace
}  // namespace tessera
