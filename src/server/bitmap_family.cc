// Bitmap commands on string values: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO.
// Argument order, error texts and edge cases follow Redis 7.0's bitops.c; the bit work is in
// core/bitops.h.
#include <optional>
#include <vector>

#include "base/strings.h"
#include "core/bitops.h"
#include "server/command_context.h"

namespace tessera {
namespace {

constexpr const char* kBitOffsetErr = "ERR bit offset is not an integer or out of range";
constexpr const char* kBitfieldTypeErr =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is.";

// Redis compares option names with strcasecmp, which stops at a NUL byte in the argument.
bool OptionIs(std::string_view arg, std::string_view name) {
  return EqualsIgnoreCase(arg.substr(0, arg.find('\0')), name);
}

// The bytes of a string entry; an int-encoded value is formatted into `buf`.
std::string_view StringBytes(const Entry* e, std::string* buf) {
  if (!e) return {};
  if (auto v = e->BytesView()) return *v;
  *buf = e->ToString();
  return *buf;
}

// getBitOffsetFromArgument: a non-negative bit offset whose byte is below proto-max-bulk-len;
// with `hash`, "#N" means N * bits (BITFIELD).
bool ParseBitOffset(CommandContext& ctx, std::string_view arg, bool hash, int bits, uint64_t* out) {
  bool use_hash = hash && bits > 0 && !arg.empty() && arg[0] == '#';
  if (use_hash) arg.remove_prefix(1);
  auto v = ParseInt64(arg);
  if (!v) {
    ctx.rb.Error(kBitOffsetErr);
    return false;
  }
  // Redis multiplies without an overflow check; wrapping is what its build does.
  int64_t offset = use_hash ? static_cast<int64_t>(static_cast<uint64_t>(*v) * bits) : *v;
  if (offset < 0 || (offset >> 3) >= ctx.server->config().proto_max_bulk_len) {
    ctx.rb.Error(kBitOffsetErr);
    return false;
  }
  *out = static_cast<uint64_t>(offset);
  return true;
}

bool ParseUnit(CommandContext& ctx, std::string_view arg, bool* bit_unit) {
  if (OptionIs(arg, "bit")) {
    *bit_unit = true;
  } else if (OptionIs(arg, "byte")) {
    *bit_unit = false;
  } else {
    ctx.ReplySyntaxError();
    return false;
  }
  return true;
}

void SetBit(CommandContext& ctx) {
  const std::string& key = ctx.arg(1);
  uint64_t offset;
  if (!ParseBitOffset(ctx, ctx.arg(2), false, 0, &offset)) return;
  auto on = ParseInt64(ctx.arg(3));
  if (!on || (*on & ~int64_t{1})) return ctx.rb.Error("ERR bit is not an integer or out of range");
  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kString, &wrong);
  if (wrong) return;
  size_t byte = offset >> 3;
  uint8_t mask = static_cast<uint8_t>(1 << (7 - (offset & 7)));
  Db& db = ctx.DbFor(key);
  if (!e) {
    std::string s(byte + 1, '\0');
    if (*on) s[byte] = static_cast<char>(mask);
    db.Add(key, Value::Bytes(std::move(s), true, true), ctx.now_ms);
    ctx.Notify(NotifyClass::kString, "setbit", key);
    ctx.Dirty(key);
    return ctx.rb.Integer(0);
  }
  // The edit captures one pointer so that std::function keeps it inline (no allocation).
  struct Edit {
    size_t byte;
    uint8_t mask;
    int on;
    int old = 0;
    bool changed = false;
  } st{byte, mask, static_cast<int>(*on)};
  db.EditString(e, [&st](std::string& s) {
    if (s.size() <= st.byte) {
      s.resize(st.byte + 1, '\0');
      st.changed = true;
    }
    uint8_t b = static_cast<uint8_t>(s[st.byte]);
    st.old = (b & st.mask) ? 1 : 0;
    if (st.old != st.on) {
      s[st.byte] = static_cast<char>(b ^ st.mask);
      st.changed = true;
    }
  });
  if (st.changed) {
    ctx.Notify(NotifyClass::kString, "setbit", key);
    ctx.Dirty(key);
  }
  ctx.rb.Integer(st.old);
}

void GetBit(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffset(ctx, ctx.arg(2), false, 0, &offset)) return;
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kString, &wrong);
  if (wrong) return;
  std::string buf;
  std::string_view s = StringBytes(e, &buf);
  size_t byte = offset >> 3;
  int bit = 0;
  if (byte < s.size()) bit = (static_cast<uint8_t>(s[byte]) >> (7 - (offset & 7))) & 1;
  ctx.rb.Integer(bit);
}

// BITCOUNT key [start end [BIT|BYTE]]. Redis 7.0 answers 0 for a missing key before looking
// at the range arguments.
void BitCount(CommandContext& ctx) {
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kString, &wrong);
  if (wrong) return;
  if (!e) return ctx.rb.Integer(0);
  std::string buf;
  std::string_view s = StringBytes(e, &buf);
  if (ctx.argc() == 4 || ctx.argc() == 5) {
    auto start = ParseInt64(ctx.arg(2));
    if (!start) return ctx.ReplyNotInteger();
    auto end = ParseInt64(ctx.arg(3));
    if (!end) return ctx.ReplyNotInteger();
    if (*start < 0 && *end < 0 && *start > *end) return ctx.rb.Integer(0);
    bool bit_unit = false;
    if (ctx.argc() == 5 && !ParseUnit(ctx, ctx.arg(4), &bit_unit)) return;
    return ctx.rb.Integer(static_cast<int64_t>(bits::CountRange(s, *start, *end, bit_unit)));
  }
  if (ctx.argc() == 2) return ctx.rb.Integer(static_cast<int64_t>(bits::Popcount(s)));
  ctx.ReplySyntaxError();
}

// BITPOS key bit [start [end [BIT|BYTE]]]
void BitPos(CommandContext& ctx) {
  auto bit = ParseInt64(ctx.arg(2));
  if (!bit) return ctx.ReplyNotInteger();
  if (*bit != 0 && *bit != 1) return ctx.rb.Error("ERR The bit argument must be 1 or 0.");
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), ValueType::kString, &wrong);
  if (wrong) return;
  // A missing key is an infinite run of zeros.
  if (!e) return ctx.rb.Integer(*bit ? -1 : 0);
  std::string buf;
  std::string_view s = StringBytes(e, &buf);
  int b = static_cast<int>(*bit);
  size_t argc = ctx.argc();
  if (argc >= 4 && argc <= 6) {
    auto start = ParseInt64(ctx.arg(3));
    if (!start) return ctx.ReplyNotInteger();
    bool bit_unit = false;
    if (argc == 6 && !ParseUnit(ctx, ctx.arg(5), &bit_unit)) return;
    std::optional<int64_t> end;
    if (argc >= 5) {
      end = ParseInt64(ctx.arg(4));
      if (!end) return ctx.ReplyNotInteger();
    }
    return ctx.rb.Integer(bits::PosRange(s, b, *start, end, bit_unit));
  }
  if (argc == 3) return ctx.rb.Integer(bits::PosRange(s, b, 0, std::nullopt, false));
  ctx.ReplySyntaxError();
}

// BITOP op destkey key [key ...]: the keys may live on several shards; the dispatcher runs the
// command with all of them parked.
void BitOpCmd(CommandContext& ctx) {
  const std::string& opname = ctx.arg(1);
  bits::BitOpKind op;
  if (OptionIs(opname, "and")) {
    op = bits::BitOpKind::kAnd;
  } else if (OptionIs(opname, "or")) {
    op = bits::BitOpKind::kOr;
  } else if (OptionIs(opname, "xor")) {
    op = bits::BitOpKind::kXor;
  } else if (OptionIs(opname, "not")) {
    op = bits::BitOpKind::kNot;
  } else {
    return ctx.ReplySyntaxError();
  }
  if (op == bits::BitOpKind::kNot && ctx.argc() != 4)
    return ctx.rb.Error("ERR BITOP NOT must be called with a single source key.");

  // First pass: lookups (hit/miss statistics, lazy expiry) and type checks. Second pass: views of
  // the values, taken once no lookup can remove an entry any more.
  size_t n = ctx.argc() - 3;
  for (size_t j = 0; j < n; ++j) {
    Entry* e = ctx.Lookup(ctx.arg(j + 3));
    if (e && e->type() != ValueType::kString) return ctx.ReplyWrongType();
  }
  std::vector<std::string_view> srcs(n);
  std::vector<std::string> ints(n);  // int-encoded sources, formatted
  for (size_t j = 0; j < n; ++j) {
    const std::string& k = ctx.arg(j + 3);
    srcs[j] = StringBytes(ctx.DbFor(k).Find(k, ctx.now_ms), &ints[j]);
  }
  std::string res = bits::BitOp(op, srcs);
  const std::string& dest = ctx.arg(2);
  int64_t len = static_cast<int64_t>(res.size());
  Db& db = ctx.DbFor(dest);
  if (len > 0) {
    db.Set(dest, Value::Bytes(std::move(res), true, false), ctx.now_ms);
    ctx.Notify(NotifyClass::kString, "set", dest);
    ctx.Dirty(dest);
  } else if (db.Delete(dest)) {
    ctx.Notify(NotifyClass::kGeneric, "del", dest);
    ctx.Dirty(dest);
  }
  ctx.rb.Integer(len);
}

struct FieldOp {
  enum Kind { kGet, kSet, kIncrBy } kind;
  uint64_t offset;
  int64_t arg;  // SET value or INCRBY increment
  bits::Overflow overflow;
  int bits;
  bool sign;
};

// getBitfieldTypeFromArgument: i1..i64 or u1..u63 (the width is read up to a NUL byte).
bool ParseFieldType(CommandContext& ctx, std::string_view arg, bool* sign, int* nbits) {
  if (arg.empty() || (arg[0] != 'i' && arg[0] != 'u')) {
    ctx.rb.Error(kBitfieldTypeErr);
    return false;
  }
  *sign = arg[0] == 'i';
  std::string_view digits = arg.substr(1);
  digits = digits.substr(0, digits.find('\0'));
  auto v = ParseInt64(digits);
  if (!v || *v < 1 || (*sign && *v > 64) || (!*sign && *v > 63)) {
    ctx.rb.Error(kBitfieldTypeErr);
    return false;
  }
  *nbits = static_cast<int>(*v);
  return true;
}

// Runs a SET or INCRBY on `p` (long enough for the field); the reply value, or nullopt when
// OVERFLOW FAIL refused the write.
std::optional<int64_t> ApplyWrite(const FieldOp& op, uint8_t* p, bool* changed) {
  using bits::Overflow;
  if (op.sign) {
    int64_t oldval = bits::GetSigned(p, op.offset, op.bits);
    int64_t newval, retval, wrapped = 0;
    int overflow;
    if (op.kind == FieldOp::kIncrBy) {
      overflow = bits::CheckSignedOverflow(oldval, op.arg, op.bits, op.overflow, &wrapped);
      newval =
          overflow
              ? wrapped
              : static_cast<int64_t>(static_cast<uint64_t>(oldval) + static_cast<uint64_t>(op.arg));
      retval = newval;
    } else {
      newval = op.arg;
      overflow = bits::CheckSignedOverflow(newval, 0, op.bits, op.overflow, &wrapped);
      if (overflow) newval = wrapped;
      retval = oldval;
    }
    if (overflow && op.overflow == Overflow::kFail) return std::nullopt;
    bits::SetSigned(p, op.offset, op.bits, newval);
    if (oldval != newval) *changed = true;
    return retval;
  }
  uint64_t oldval = bits::GetUnsigned(p, op.offset, op.bits);
  uint64_t newval, retval, wrapped = 0;
  int overflow;
  if (op.kind == FieldOp::kIncrBy) {
    newval = oldval + static_cast<uint64_t>(op.arg);
    overflow = bits::CheckUnsignedOverflow(oldval, op.arg, op.bits, op.overflow, &wrapped);
    if (overflow) newval = wrapped;
    retval = newval;
  } else {
    newval = static_cast<uint64_t>(op.arg);
    overflow = bits::CheckUnsignedOverflow(newval, 0, op.bits, op.overflow, &wrapped);
    if (overflow) newval = wrapped;
    retval = oldval;
  }
  if (overflow && op.overflow == Overflow::kFail) return std::nullopt;
  bits::SetUnsigned(p, op.offset, op.bits, newval);
  if (oldval != newval) *changed = true;
  return static_cast<int64_t>(retval);
}

int64_t ApplyGet(const FieldOp& op, std::string_view s) {
  if (op.sign) return bits::GetSignedPadded(s, op.offset, op.bits);
  return static_cast<int64_t>(bits::GetUnsignedPadded(s, op.offset, op.bits));
}

void BitfieldGeneric(CommandContext& ctx, bool read_only_cmd) {
  std::vector<FieldOp> ops;
  bits::Overflow overflow = bits::Overflow::kWrap;
  bool readonly = true;
  uint64_t highest_write = 0;
  for (size_t j = 2; j < ctx.argc(); ++j) {
    size_t remargs = ctx.argc() - j - 1;
    const std::string& sub = ctx.arg(j);
    FieldOp op{};
    if (OptionIs(sub, "get") && remargs >= 2) {
      op.kind = FieldOp::kGet;
    } else if (OptionIs(sub, "set") && remargs >= 3) {
      op.kind = FieldOp::kSet;
    } else if (OptionIs(sub, "incrby") && remargs >= 3) {
      op.kind = FieldOp::kIncrBy;
    } else if (OptionIs(sub, "overflow") && remargs >= 1) {
      const std::string& name = ctx.arg(++j);
      if (OptionIs(name, "wrap")) {
        overflow = bits::Overflow::kWrap;
      } else if (OptionIs(name, "sat")) {
        overflow = bits::Overflow::kSat;
      } else if (OptionIs(name, "fail")) {
        overflow = bits::Overflow::kFail;
      } else {
        return ctx.rb.Error("ERR Invalid OVERFLOW type specified");
      }
      continue;
    } else {
      return ctx.ReplySyntaxError();
    }
    if (!ParseFieldType(ctx, ctx.arg(j + 1), &op.sign, &op.bits)) return;
    if (!ParseBitOffset(ctx, ctx.arg(j + 2), true, op.bits, &op.offset)) return;
    if (op.kind != FieldOp::kGet) {
      readonly = false;
      highest_write = std::max(highest_write, op.offset + op.bits - 1);
      auto v = ParseInt64(ctx.arg(j + 3));
      if (!v) return ctx.ReplyNotInteger();
      op.arg = *v;
    }
    op.overflow = overflow;
    ops.push_back(op);
    j += op.kind == FieldOp::kGet ? 2 : 3;
  }

  const std::string& key = ctx.arg(1);
  if (readonly) {
    bool wrong;
    Entry* e = ctx.LookupOf(key, ValueType::kString, &wrong);
    if (wrong) return;
    std::string buf;
    std::string_view s = StringBytes(e, &buf);
    ctx.rb.ArrayHeader(ops.size());
    for (const FieldOp& op : ops) ctx.rb.Integer(ApplyGet(op, s));
    return;
  }
  if (read_only_cmd) return ctx.rb.Error("ERR BITFIELD_RO only supports the GET subcommand");

  bool wrong;
  Entry* e = ctx.LookupWriteOf(key, ValueType::kString, &wrong);
  if (wrong) return;
  size_t need = (highest_write >> 3) + 1;
  std::vector<std::optional<int64_t>> results;
  results.reserve(ops.size());
  bool changed = false;
  // The string is grown to the farthest bit written first, then the ops run in order.
  auto run = [&](std::string& s) {
    if (s.size() < need) {
      s.resize(need, '\0');
      changed = true;
    }
    for (const FieldOp& op : ops) {
      if (op.kind == FieldOp::kGet)
        results.push_back(ApplyGet(op, s));
      else
        results.push_back(ApplyWrite(op, reinterpret_cast<uint8_t*>(s.data()), &changed));
    }
  };
  Db& db = ctx.DbFor(key);
  if (!e) {
    std::string s;
    run(s);
    db.Add(key, Value::Bytes(std::move(s), true, true), ctx.now_ms);
  } else {
    db.EditString(e, run);
  }
  if (changed) {
    ctx.Notify(NotifyClass::kString, "setbit", key);
    ctx.Dirty(key);
  }
  ctx.rb.ArrayHeader(results.size());
  for (const auto& r : results) {
    if (r)
      ctx.rb.Integer(*r);
    else
      ctx.rb.Null();
  }
}

void Bitfield(CommandContext& ctx) { BitfieldGeneric(ctx, false); }
void BitfieldRo(CommandContext& ctx) { BitfieldGeneric(ctx, true); }

CommandSpec Bm(std::string name, int arity, uint32_t flags, Handler h, int first, int last,
               std::vector<std::string> acl, std::string summary, std::string since,
               std::string complexity) {
  acl.insert(acl.begin() + 1, "bitmap");
  return CommandSpec::Make(std::move(name), arity, flags, h)
      .Keys(first, last, 1)
      .Acl(std::move(acl))
      .Doc("bitmap", std::move(summary), std::move(since), std::move(complexity));
}

void RegisterBitmapFamily(CommandRegistry& r) {
  constexpr uint32_t kW = kCmdWrite | kCmdDenyOom;
  constexpr uint32_t kR = kCmdReadOnly;
  r.Register(Bm("setbit", 4, kW, SetBit, 1, 1, {"write", "slow"},
                "Sets or clears the bit at offset in the string value stored at key", "2.2.0",
                "O(1)"));
  r.Register(Bm("getbit", 3, kR | kCmdFast, GetBit, 1, 1, {"read", "fast"},
                "Returns the bit value at offset in the string value stored at key", "2.2.0",
                "O(1)"));
  r.Register(Bm("bitcount", -2, kR, BitCount, 1, 1, {"read", "slow"}, "Count set bits in a string",
                "2.6.0", "O(N)"));
  r.Register(Bm("bitpos", -3, kR, BitPos, 1, 1, {"read", "slow"},
                "Find first bit set or clear in a string", "2.8.7", "O(N)"));
  r.Register(Bm("bitop", -4, kW, BitOpCmd, 2, -1, {"write", "slow"},
                "Perform bitwise operations between strings", "2.6.0", "O(N)")
                 .LogKeys(LogFirstKeyOnly));
  r.Register(Bm("bitfield", -2, kW, Bitfield, 1, 1, {"write", "slow"},
                "Perform arbitrary bitfield integer operations on strings", "3.2.0",
                "O(1) for each subcommand specified"));
  r.Register(Bm("bitfield_ro", -2, kR | kCmdFast, BitfieldRo, 1, 1, {"read", "fast"},
                "Perform arbitrary bitfield integer operations on strings. Read-only variant of "
                "BITFIELD",
                "6.0.0", "O(1) for each subcommand specified"));
}

CommandRegistrar registrar(RegisterBitmapFamily);

}  // namespace
}  // namespace tessera
