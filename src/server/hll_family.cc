// HyperLogLog commands: PFADD PFCOUNT PFMERGE. Sketches are ordinary string values in Redis's
// byte format (core/hyperloglog.h); replies, errors and cache updates follow Redis 7.0's
// hyperloglog.c.
#include <cstring>

#include "core/encoding.h"
#include "core/hyperloglog.h"
#include "server/command_context.h"

namespace tessera {
namespace {

constexpr const char* kNotHllErr = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr const char* kCorruptErr = "INVALIDOBJ Corrupted HLL object detected";

// isHLLObjectOrReply: the key must hold a string that looks like a sketch. Replies and returns
// false otherwise.
bool CheckHll(CommandContext& ctx, const Entry* e) {
  if (e->type() != ValueType::kString) {
    ctx.ReplyWrongType();
    return false;
  }
  auto bytes = e->BytesView();  // an int-encoded value is never a sketch
  if (!bytes || !hll::LooksValid(*bytes)) {
    ctx.rb.Error(kNotHllErr);
    return false;
  }
  return true;
}

size_t SparseMax(CommandContext& ctx, const std::string& key) {
  return ctx.DbFor(key).limits().hll_sparse_max_bytes;
}

// PFADD key [element ...]: 1 if the sketch was created or a register changed.
void PfAdd(CommandContext& ctx) {
  const std::string& key = ctx.arg(1);
  size_t max_bytes = SparseMax(ctx, key);
  Db& db = ctx.DbFor(key);
  Entry* e = ctx.LookupWrite(key);
  // One captured pointer keeps the std::function of EditString allocation-free.
  struct Edit {
    CommandContext& ctx;
    size_t max_bytes;
    int updated = 0;
    bool corrupt = false;
    void operator()(std::string& s) {
      for (size_t j = 2; j < ctx.argc(); ++j) {
        int r = hll::Add(s, ctx.arg(j), max_bytes);
        if (r < 0) {
          corrupt = true;
          return;
        }
        updated += r;
      }
      if (updated) hll::InvalidateCache(s);
    }
  } st{ctx, max_bytes};
  if (!e) {
    std::string s = hll::CreateEmpty();
    st.updated = 1;
    st(s);
    db.Add(key, Value::Bytes(std::move(s), true, true), ctx.now_ms);
  } else {
    if (!CheckHll(ctx, e)) return;
    // Like Redis's unsharing, the edit makes the value "raw" even when nothing changes.
    db.EditString(e, [&st](std::string& s) { st(s); });
    if (st.corrupt) return ctx.rb.Error(kCorruptErr);
  }
  if (st.updated) {
    ctx.Notify(NotifyClass::kString, "pfadd", key);
    ctx.Dirty(key, st.updated);
  }
  ctx.rb.Integer(st.updated ? 1 : 0);
}

// PFCOUNT key [key ...]: one key answers (and caches) its estimate; several keys answer the
// estimate of their union without modifying any of them.
void PfCount(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    uint8_t regs[hll::kRegisters];
    memset(regs, 0, sizeof(regs));
    for (size_t j = 1; j < ctx.argc(); ++j) {
      Entry* e = ctx.Lookup(ctx.arg(j));
      if (!e) continue;  // a missing key is an empty sketch
      if (!CheckHll(ctx, e)) return;
      if (!hll::MergeInto(*e->BytesView(), regs)) return ctx.rb.Error(kCorruptErr);
    }
    return ctx.rb.Integer(static_cast<int64_t>(hll::CountRegisters(regs)));
  }
  const std::string& key = ctx.arg(1);
  Entry* e = ctx.Lookup(key);
  if (!e) return ctx.rb.Integer(0);
  if (!CheckHll(ctx, e)) return;
  struct Result {
    uint64_t card = 0;
    bool corrupt = false, recomputed = false;
  } res;
  // The cached estimate lives in the value, so even a read edits it (Redis unshares it too).
  ctx.DbFor(key).EditString(e, [&res](std::string& s) {
    if (auto cached = hll::CachedCount(s)) {
      res.card = *cached;
      return;
    }
    auto c = hll::Count(s);
    if (!c) {
      res.corrupt = true;
      return;
    }
    res.card = *c;
    hll::StoreCachedCount(s, res.card);
    res.recomputed = true;
  });
  if (res.corrupt) return ctx.rb.Error(kCorruptErr);
  if (res.recomputed) ctx.Dirty(key);
  ctx.rb.Integer(static_cast<int64_t>(res.card));
}

// PFMERGE destkey [sourcekey ...]: the destination takes the register-wise maximum of itself
// and the sources; it is made dense if any input is dense.
void PfMerge(CommandContext& ctx) {
  uint8_t regs[hll::kRegisters];
  memset(regs, 0, sizeof(regs));
  bool use_dense = false;
  for (size_t j = 1; j < ctx.argc(); ++j) {
    Entry* e = ctx.Lookup(ctx.arg(j));
    if (!e) continue;
    if (!CheckHll(ctx, e)) return;
    std::string_view s = *e->BytesView();
    if (hll::EncodingOf(s) == hll::kDense) use_dense = true;
    if (!hll::MergeInto(s, regs)) return ctx.rb.Error(kCorruptErr);
  }
  const std::string& dest = ctx.arg(1);
  size_t max_bytes = SparseMax(ctx, dest);
  bool corrupt = false;
  auto write = [&](std::string& s) {
    if (use_dense && !hll::ToDense(s)) {
      corrupt = true;
      return;
    }
    for (size_t i = 0; i < hll::kRegisters; ++i)
      if (regs[i]) hll::SetRegister(s, i, regs[i], max_bytes);
    hll::InvalidateCache(s);
  };
  Db& db = ctx.DbFor(dest);
  Entry* d = ctx.LookupWrite(dest);
  if (!d) {
    std::string s = hll::CreateEmpty();
    write(s);
    db.Add(dest, Value::Bytes(std::move(s), true, true), ctx.now_ms);
  } else {
    db.EditString(d, write);
  }
  if (corrupt) return ctx.rb.Error(kCorruptErr);
  ctx.Notify(NotifyClass::kString, "pfadd", dest);  // Redis names PFMERGE's event so
  ctx.Dirty(dest);
  ctx.rb.Ok();
}

CommandSpec Hll(std::string name, int arity, uint32_t flags, Handler h, int last,
                std::vector<std::string> acl, std::string summary, std::string complexity) {
  acl.insert(acl.begin() + 1, "hyperloglog");
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .Keys(1, last, 1)
      .Acl(std::move(acl))
      .Doc("hyperloglog", std::move(summary), "2.8.9", std::move(complexity));
}

void RegisterHllFamily(CommandRegistry& r) {
  constexpr uint32_t kW = kCmdWrite | kCmdDenyOom;
  r.Register(Hll("pfadd", -2, kW | kCmdFast, PfAdd, 1, {"write", "fast"},
                 "Adds the specified elements to the specified HyperLogLog.",
                 "O(1) to add every element."));
  // May write its cached cardinality (Redis's may-replicate: logged when it does).
  r.Register(Hll("pfcount", -2, kCmdReadOnly | kCmdMayReplicate, PfCount, -1, {"read", "slow"},
                 "Return the approximated cardinality of the set(s) observed by the HyperLogLog at "
                 "key(s).",
                 "O(1) with a very small average constant time when called with a single key. "
                 "O(N) with N being the number of keys, and much bigger constant times, when "
                 "called with multiple keys."));
  r.Register(Hll("pfmerge", -2, kW, PfMerge, -1, {"write", "slow"},
                 "Merge N different HyperLogLogs into a single one.",
                 "O(N) to merge N HyperLogLogs, but with high constant times.")
                 .LogKeys(LogFirstKeyOnly));
}

CommandRegistrar registrar(RegisterHllFamily);

}  // namespace
}  // namespace tessera
