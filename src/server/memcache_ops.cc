// Memcached key operations, run on the key's shard: the handlers of the internal commands
// "mc-read" and "mc-write" (server/memcache.h). Each decodes its McOp, works on the shard's Db
// and writes the reply in the request's protocol: text, meta or binary.
#include <charconv>
#include <cstring>

#include "base/strings.h"
#include "core/evict.h"
#include "core/slab.h"
#include "server/command_context.h"
#include "server/memcache.h"

namespace tessera {
namespace {

using mc::Cmd;
using mc::Proto;

// One operation being run.
struct Call {
  CommandContext& ctx;
  McOp op;
  std::string_view key;
  std::string& value;
  std::string_view order;   // meta flags, in request order
  std::string_view opaque;  // meta O token, with its 'O'
  std::string* out;
  McStats& st;
  Db& db;

  bool binary() const { return op.proto == Proto::kBinary; }
};

void AppendNum(std::string* out, uint64_t v) {
  char b[24];
  out->append(b, std::to_chars(b, b + sizeof(b), v).ptr - b);
}
void AppendNum(std::string* out, int64_t v) {
  char b[24];
  out->append(b, std::to_chars(b, b + sizeof(b), v).ptr - b);
}

// " <f><n>": a meta return flag carrying a number (s, t, c, f, l).
template <typename N>
void NumFlag(std::string* out, char f, N n) {
  out->push_back(' ');
  out->push_back(f);
  AppendNum(out, n);
}

// The value of a string entry (an int is formatted into `buf`).
std::string_view ValueOf(const Entry* e, char (&buf)[24]) {
  if (e->is_int())
    return {buf, static_cast<size_t>(std::to_chars(buf, buf + 24, e->int_value()).ptr - buf)};
  return *e->BytesView();
}

std::string Be32(uint32_t v) {
  char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
               static_cast<char>(v)};
  return std::string(b, 4);
}
std::string Be64(uint64_t v) {
  return Be32(static_cast<uint32_t>(v >> 32)) + Be32(static_cast<uint32_t>(v));
}

// Text/meta status line, unless the request asked for no reply.
void Line(Call& c, std::string_view s) {
  if (c.op.noreply) return;
  c.out->append(s);
  c.out->append("\r\n");
}
// An error line: a text command with noreply gets none (memcached's out_string); a meta one
// always does (out_errstring).
void ErrorLine(Call& c, std::string_view s) {
  if (c.op.noreply && c.op.proto == Proto::kText) return;
  c.out->append(s);
  c.out->append("\r\n");
}
// A binary response; quiet requests get only errors.
void Bin(Call& c, uint16_t status, uint64_t cas = 0, std::string_view extras = {},
         std::string_view key = {}, std::string_view value = {}) {
  if (status == mc::kBinOk && c.op.noreply) return;
  if (status != mc::kBinOk && value.empty() && key.empty()) value = mc::BinaryStatusText(status);
  mc::AppendBinaryResponse(c.out, c.op.opcode, status, c.op.opaque, cas, extras, key, value);
}

// The item at the key: a live string, or nullptr (other types are not memcached items).
Entry* Item(Call& c, bool touch) {
  Entry* e = c.ctx.Lookup(c.key, touch ? CommandContext::Touch::kYes : CommandContext::Touch::kNo);
  return e && e->type() == ValueType::kString ? e : nullptr;
}

// Only writes (mc-write) log; ctx.rewritten is set up for them.
bool Logging(Call& c) { return c.ctx.rewritten && c.ctx.server->persistence().aof_on(); }
// The log records the item as it now is (replayed without CAS checks), or its deletion.
void LogItem(Call& c, const Entry* e) {
  if (!Logging(c)) return;
  McOp op{};
  op.proto = Proto::kText;
  op.cmd = Cmd::kSet;
  op.noreply = true;
  op.logged = true;
  op.client_flags = e->mc_flags();
  op.exptime = e->expire_ms();
  std::string bytes(sizeof(op), '\0');
  memcpy(bytes.data(), &op, sizeof(op));
  c.ctx.rewritten->push_back(
      {"mc-write", std::string(c.key), e->ToString(), std::move(bytes), "", ""});
}
void LogDelete(Call& c) {
  if (Logging(c)) c.ctx.rewritten->push_back({"del", std::string(c.key)});
}

// Applies a memcached exptime to an item; false when it made it expired (it is deleted).
bool SetExptime(Call& c, Entry*& e, int64_t exptime) {
  int64_t at = McExpireMs(exptime, c.ctx.now_ms);
  if (at == Entry::kNoExpire) {
    e = c.db.ClearExpire(e);
  } else if (at <= c.ctx.now_ms) {
    c.db.Delete(c.key);
    e = nullptr;
    return false;
  } else {
    e = c.db.SetExpire(e, at);
  }
  return true;
}

bool Room(Call& c);

// Whether a memcached exptime is already past (the item it is given to goes at once).
bool Past(const Call& c, int64_t exptime) {
  int64_t at = McExpireMs(exptime, c.ctx.now_ms);
  return at != Entry::kNoExpire && at <= c.ctx.now_ms;
}

// Whether a miss may create the item (meta N, binary incr's initial value): not over a key of
// another type, and only with room for it.
bool MayCreate(Call& c) {
  Entry* other = c.db.Find(c.key, c.ctx.now_ms);
  return !other && Room(c);
}

// Stores a new item (SET semantics); nullptr when its exptime has already passed (the key is
// then gone, as memcached's expired item).
Entry* Put(Call& c, uint32_t flags, int64_t exptime) {
  int64_t at = McExpireMs(exptime, c.ctx.now_ms);
  ++c.st.total_items;
  if (at != Entry::kNoExpire && at <= c.ctx.now_ms) {
    c.db.Delete(c.key);
    LogDelete(c);
    return nullptr;
  }
  Entry* e =
      c.db.SetItem(c.key, Value::FromOwnedString(std::move(c.value)), c.ctx.now_ms, at, flags);
  LogItem(c, e);
  return e;
}

enum class Stored { kStored, kNotStored, kExists, kNotFound, kNoMemory };
constexpr std::string_view kNoMemoryText = "SERVER_ERROR out of memory storing object";

// Before a write that may grow memory: evicts by the policy; false when the key's shard stays
// over its share (noeviction, or nothing evictable).
bool Room(Call& c) {
  if (c.ctx.server->config().maxmemory == 0) return true;
  return c.ctx.shard->keyspace().MakeRoom(c.ctx.now_ms);
}
enum class Mode { kSet, kAdd, kReplace, kAppend, kPrepend, kCas };

// memcached's do_store_item. `cas`: the CAS to compare (0: none; always compared in kCas).
// `stale`: meta's I flag (an older CAS stores the item marked stale). *cas_out: the stored
// item's CAS.
Stored Store(Call& c, Mode mode, uint64_t cas, uint32_t flags, int64_t exptime, bool stale,
             uint64_t* cas_out) {
  ++c.st.cmd_set;
  if (!Room(c)) {
    // As memcached, a set that cannot be stored drops the old value: no stale data stays.
    if (mode == Mode::kSet && cas == 0 && c.db.Delete(c.key)) LogDelete(c);
    return Stored::kNoMemory;
  }
  Entry* e = c.ctx.LookupWrite(c.key);
  bool other_type = e && e->type() != ValueType::kString;
  if (other_type && mode != Mode::kAdd && mode != Mode::kSet) e = nullptr;
  if ((mode == Mode::kSet || mode == Mode::kReplace) && cas != 0) mode = Mode::kCas;
  bool mark_stale = false;
  uint8_t old_state = 0;
  int64_t old_expire = Entry::kNoExpire;
  switch (mode) {
    case Mode::kAdd:
      if (e) return Stored::kNotStored;
      break;
    case Mode::kReplace:
      if (!e) return Stored::kNotStored;
      break;
    case Mode::kAppend:
    case Mode::kPrepend: {
      if (!e) return Stored::kNotStored;
      e = c.db.EnsureCas(e);
      if (cas != 0 && e->cas() != cas) return Stored::kExists;
      size_t max = c.ctx.server->config().memcached_item_size_max;
      if (e->StringLength() + c.value.size() > max) return Stored::kNotStored;
      bool append = mode == Mode::kAppend;
      e = c.db.EditString(e, [&](std::string& s) {
        if (append)
          s.append(c.value);
        else
          s.insert(0, c.value);
      });
      c.db.Modified(c.key);
      e->set_mc_state(0);
      ++c.st.total_items;
      LogItem(c, e);
      *cas_out = e->cas();
      return Stored::kStored;
    }
    case Mode::kCas:
      if (!e) {
        ++c.st.cas_misses;
        return Stored::kNotFound;
      }
      e = c.db.EnsureCas(e);
      if (e->cas() != cas) {
        if (!(stale && cas < e->cas())) {
          ++c.st.cas_badval;
          return Stored::kExists;
        }
        // An older CAS with I stores the value as stale, keeping the TTL and the token.
        mark_stale = true;
        old_state = e->mc_state();
        old_expire = e->expire_ms();
      }
      ++c.st.cas_hits;
      break;
    case Mode::kSet:
      break;
  }
  e = Put(c, flags, exptime);
  if (e && mark_stale) {
    e = old_expire == Entry::kNoExpire ? c.db.ClearExpire(e) : c.db.SetExpire(e, old_expire);
    e->set_mc_state(Entry::kMcStale | (old_state & Entry::kMcTokenSent));
    LogItem(c, e);
  }
  // An item stored already expired still took a CAS.
  *cas_out = e ? e->cas() : Db::NextCas();
  return Stored::kStored;
}

Mode ModeOf(Cmd cmd) {
  switch (cmd) {
    case Cmd::kAdd:
      return Mode::kAdd;
    case Cmd::kReplace:
      return Mode::kReplace;
    case Cmd::kAppend:
      return Mode::kAppend;
    case Cmd::kPrepend:
      return Mode::kPrepend;
    case Cmd::kCas:
      return Mode::kCas;
    default:
      return Mode::kSet;
  }
}

// ---------------------------------------------------------------------------------------------
// Text and binary commands.

void Get(Call& c) {
  bool touch = c.op.cmd == Cmd::kGat || c.op.cmd == Cmd::kGats;
  bool with_cas = c.op.cmd == Cmd::kGets || c.op.cmd == Cmd::kGats || c.binary();
  Entry* e = Item(c, true);
  if (touch) {
    ++c.st.cmd_touch;
    ++(e ? c.st.touch_hits : c.st.touch_misses);
  } else {
    ++c.st.cmd_get;
    ++(e ? c.st.get_hits : c.st.get_misses);
  }
  if (!e) {
    if (!c.binary() || c.op.noreply) return;
    if (c.op.return_key) return Bin(c, mc::kBinKeyNotFound, 0, {}, c.key);
    return Bin(c, mc::kBinKeyNotFound);
  }
  if (with_cas) e = c.db.EnsureCas(e);
  if (e->has_mc()) e->set_mc_state(e->mc_state() | Entry::kMcFetched);
  char buf[24];
  std::string_view v = ValueOf(e, buf);
  uint32_t flags = e->mc_flags();
  uint64_t cas = e->cas();
  if (c.binary()) {
    // A quiet get answers hits: only its misses are silent.
    mc::AppendBinaryResponse(c.out, c.op.opcode, mc::kBinOk, c.op.opaque, cas, Be32(flags),
                             c.op.return_key ? c.key : std::string_view(), v);
  } else {
    std::string* o = c.out;
    o->append("VALUE ");
    o->append(c.key);
    o->push_back(' ');
    AppendNum(o, uint64_t{flags});
    o->push_back(' ');
    AppendNum(o, uint64_t{v.size()});
    if (with_cas) {
      o->push_back(' ');
      AppendNum(o, cas);
    }
    o->append("\r\n");
    o->append(v);
    o->append("\r\n");
  }
  if (touch) {
    Entry* t = e;
    if (SetExptime(c, t, c.op.exptime))
      LogItem(c, t);
    else
      LogDelete(c);
  }
}

void StoreCmd(Call& c) {
  uint64_t cas = 0;
  Stored r = Store(c, ModeOf(c.op.cmd), c.op.cas, c.op.client_flags, c.op.exptime, false, &cas);
  if (c.binary()) {
    switch (r) {
      case Stored::kStored:
        return Bin(c, mc::kBinOk, cas);
      case Stored::kNotStored:
        // memcached answers a failed ADD with "exists", a failed REPLACE/APPEND with "not found".
        return Bin(c, c.op.cmd == Cmd::kAdd ? mc::kBinKeyExists
                      : (c.op.cmd == Cmd::kAppend || c.op.cmd == Cmd::kPrepend)
                          ? mc::kBinNotStored
                          : mc::kBinKeyNotFound);
      case Stored::kExists:
        return Bin(c, mc::kBinKeyExists);
      case Stored::kNotFound:
        return Bin(c, mc::kBinKeyNotFound);
      case Stored::kNoMemory:
        return Bin(c, mc::kBinOutOfMemory);
    }
  }
  if (r == Stored::kNoMemory) return ErrorLine(c, kNoMemoryText);
  static constexpr std::string_view kText[] = {"STORED", "NOT_STORED", "EXISTS", "NOT_FOUND"};
  Line(c, kText[static_cast<int>(r)]);
}

void Delete(Call& c) {
  Entry* e = Item(c, false);
  if (e && c.binary() && c.op.cas != 0 && (e = c.db.EnsureCas(e))->cas() != c.op.cas)
    return Bin(c, mc::kBinKeyExists);
  if (!e) {
    ++c.st.delete_misses;
    return c.binary() ? Bin(c, mc::kBinKeyNotFound) : Line(c, "NOT_FOUND");
  }
  ++c.st.delete_hits;
  c.db.Delete(c.key);
  LogDelete(c);
  return c.binary() ? Bin(c, mc::kBinOk) : Line(c, "DELETED");
}

// The counter in an item, read as memcached's safe_strtoull does: blanks, a sign, digits,
// then a blank or the end (memcached's data ends in "\r\n"); a negative result is refused.
std::optional<uint64_t> Counter(const Entry* e) {
  char buf[24];
  std::string_view v = ValueOf(e, buf);
  auto space = [](char ch) { return ch == ' ' || (ch >= '\t' && ch <= '\r'); };
  size_t i = 0;
  while (i < v.size() && space(v[i])) ++i;
  bool minus = false;
  if (i < v.size() && (v[i] == '+' || v[i] == '-')) minus = v[i++] == '-';
  size_t digits = i;
  uint64_t n = 0;
  for (; i < v.size() && v[i] >= '0' && v[i] <= '9'; ++i) {
    uint64_t d = static_cast<uint64_t>(v[i] - '0');
    if (n > (UINT64_MAX - d) / 10) return std::nullopt;  // ERANGE
    n = n * 10 + d;
  }
  if (i == digits || (i < v.size() && !space(v[i]))) return std::nullopt;
  if (minus) n = 0 - n;
  if (minus && static_cast<int64_t>(n) < 0) return std::nullopt;
  return n;
}

enum class Delta { kOk, kNonNumeric, kNotFound, kExists };

// memcached's do_add_delta: incr wraps at 2^64, decr stops at 0; a shorter result is padded
// with spaces to the old length. *e is the changed item.
Delta AddDelta(Call& c, Entry** ep, bool incr, uint64_t delta, uint64_t cas, uint64_t* result) {
  Entry* e = Item(c, false);
  if (!e) return Delta::kNotFound;
  if (cas != 0 && (e = c.db.EnsureCas(e))->cas() != cas) return Delta::kExists;
  auto n = Counter(e);
  if (!n) return Delta::kNonNumeric;
  uint64_t v = incr ? *n + delta : (delta > *n ? 0 : *n - delta);
  std::string s = std::to_string(v);
  size_t old_len = e->StringLength();
  if (s.size() < old_len) s.append(old_len - s.size(), ' ');
  e = c.db.EnsureCas(e);
  e = c.db.SetValue(e, Value::FromString(s));
  e->set_mc_state(0);
  LogItem(c, e);
  *ep = e;
  *result = v;
  return Delta::kOk;
}

void Arith(Call& c) {
  bool incr = c.op.cmd == Cmd::kIncr;
  Entry* e = nullptr;
  uint64_t v = 0;
  Delta r = AddDelta(c, &e, incr, c.op.delta, c.binary() ? c.op.cas : 0, &v);
  if (r == Delta::kNotFound && c.binary() && c.op.exptime != 0xffffffffLL && MayCreate(c)) {
    // Binary incr/decr create a missing counter with the initial value.
    c.value = std::to_string(c.op.initial);
    e = Put(c, 0, c.op.exptime);
    v = c.op.initial;
    r = Delta::kOk;
  }
  if (r == Delta::kOk)
    ++(incr ? c.st.incr_hits : c.st.decr_hits);
  else if (r == Delta::kNotFound)
    ++(incr ? c.st.incr_misses : c.st.decr_misses);
  if (c.binary()) {
    switch (r) {
      case Delta::kOk:
        return Bin(c, mc::kBinOk, e ? e->cas() : 0, {}, {}, Be64(v));
      case Delta::kNonNumeric:
        return Bin(c, mc::kBinNonNumeric);
      case Delta::kNotFound:
        return Bin(c, mc::kBinKeyNotFound);
      case Delta::kExists:
        return Bin(c, mc::kBinKeyExists);
    }
  }
  switch (r) {
    case Delta::kOk:
      return Line(c, std::to_string(v));
    case Delta::kNonNumeric:
      return ErrorLine(c, "CLIENT_ERROR cannot increment or decrement non-numeric value");
    default:
      return Line(c, "NOT_FOUND");
  }
}

void Touch(Call& c) {
  Entry* e = Item(c, true);
  ++c.st.cmd_touch;
  ++(e ? c.st.touch_hits : c.st.touch_misses);
  if (!e) return c.binary() ? Bin(c, mc::kBinKeyNotFound) : Line(c, "NOT_FOUND");
  uint32_t flags = e->mc_flags();
  if (SetExptime(c, e, c.op.exptime))
    LogItem(c, e);
  else
    LogDelete(c);
  if (c.binary()) return Bin(c, mc::kBinOk, e ? e->cas() : 0, Be32(flags));
  Line(c, "TOUCHED");
}

// ---------------------------------------------------------------------------------------------
// Meta commands (protocol.txt "Meta Commands").

// " k<key>", base64 again (with " b") when the request's key was.
void MetaKey(Call& c, std::string* o) {
  o->append(" k");
  if (c.op.meta_base64) {
    o->append(mc::Base64Encode(c.key));
    o->append(" b");
  } else {
    o->append(c.key);
  }
}

// Appends the return flag every meta command echoes, O(paque) or k(ey), for flag `f`;
// false for any other flag.
bool EchoFlag(Call& c, char f, std::string* o) {
  if (f == 'O') {
    o->push_back(' ');
    o->append(c.opaque);
  } else if (f == 'k') {
    MetaKey(c, o);
  } else {
    return false;
  }
  return true;
}

// The echoed flags alone, in request order (replies without an item: EN, NF, EX).
void EchoFlags(Call& c, std::string* o) {
  for (char f : c.order) EchoFlag(c, f, o);
}

// "VA <len> <flags>\r\n<value>\r\n" when the request has v, else "HD <flags>\r\n".
void MetaReply(Call& c, std::string_view flags, std::string_view value) {
  std::string* o = c.out;
  bool with_value = c.order.find('v') != std::string_view::npos;
  if (with_value) {
    o->append("VA ");
    AppendNum(o, uint64_t{value.size()});
  } else {
    o->append("HD");
  }
  o->append(flags);
  o->append("\r\n");
  if (with_value) {
    o->append(value);
    o->append("\r\n");
  }
}

int64_t TtlLeft(const Call& c, const Entry* e) {
  if (!e->has_expire()) return -1;
  return (e->expire_ms() - c.ctx.now_ms + 999) / 1000;
}

// Seconds since the item's last access (0 where the policy keeps no access time: LFU, FIFO).
int64_t IdleSeconds(const Call& c, const Entry* e) {
  const EvictionConfig& ev = c.ctx.shard->keyspace().eviction();
  return ev.lfu() || ev.fifo() ? 0 : LruIdleMs(e->clock(), c.ctx.now_ms) / 1000;
}

void MetaGet(Call& c) {
  ++c.st.meta_cmds;
  Entry* e = Item(c, false);
  bool created = false, won = false, touched = false, expire_after = false;
  if (!e && c.order.find('N') != std::string_view::npos && MayCreate(c)) {
    e = c.db.SetItem(c.key, Value::FromString(""), c.ctx.now_ms, Entry::kNoExpire, 0);
    created = true;
  }
  bool ttl_flag = c.order.find('T') != std::string_view::npos;
  if (!e) {
    ++(ttl_flag ? c.st.touch_misses : c.st.get_misses);
    ++(ttl_flag ? c.st.cmd_touch : c.st.cmd_get);
    if (c.op.noreply) return;
    c.out->append("EN");
    EchoFlags(c, c.out);
    c.out->append("\r\n");
    return;
  }
  e = c.db.EnsureCas(e);
  uint8_t state = e->mc_state();
  char buf[24];
  std::string flags;
  for (char f : c.order) {
    switch (f) {
      // A TTL already past: the reply still describes the item, which goes afterwards.
      case 'T':
        if (Past(c, c.op.meta_ttl))
          expire_after = true;
        else
          touched = SetExptime(c, e, c.op.meta_ttl);
        break;
      case 'N':
        if (created) {
          if (Past(c, c.op.meta_vivify_ttl))
            expire_after = true;
          else
            SetExptime(c, e, c.op.meta_vivify_ttl);
          won = true;
        }
        break;
      case 'R':
        if (!(state & Entry::kMcTokenSent) && !created && e->has_expire() &&
            TtlLeft(c, e) < c.op.meta_recache_ttl)
          won = true;
        break;
      case 's':
        NumFlag(&flags, 's', uint64_t{e->StringLength()});
        break;
      case 't':
        NumFlag(&flags, 't', TtlLeft(c, e));
        break;
      case 'c':
        NumFlag(&flags, 'c', e->cas());
        break;
      case 'f':
        NumFlag(&flags, 'f', uint64_t{e->mc_flags()});
        break;
      case 'l':
        NumFlag(&flags, 'l', IdleSeconds(c, e));
        break;
      case 'h':
        flags += state & Entry::kMcFetched ? " h1" : " h0";
        break;
      default:
        EchoFlag(c, f, &flags);
    }
  }
  if (state & Entry::kMcTokenSent) flags += " Z";
  if (state & Entry::kMcStale) {
    flags += " X";
    if (!(state & Entry::kMcTokenSent)) won = true;
  }
  if (won) {
    flags += " W";
    state |= Entry::kMcTokenSent;
  }
  if (ttl_flag) {
    ++c.st.cmd_touch;
    ++c.st.touch_hits;
  } else {
    ++c.st.cmd_get;
    ++c.st.get_hits;
  }
  if (c.order.find('u') == std::string_view::npos) c.ctx.shard->keyspace().Touch(e, c.ctx.now_ms);
  e->set_mc_state(state | Entry::kMcFetched);
  if (created || touched) LogItem(c, e);
  MetaReply(c, flags, ValueOf(e, buf));
  if (expire_after) {
    c.db.Delete(c.key);
    LogDelete(c);
  }
}

void MetaSet(Call& c) {
  ++c.st.meta_cmds;
  Mode mode = Mode::kSet;
  switch (c.op.meta_mode) {
    case 0:
    case 'S':
    case 's':
      break;
    case 'E':
    case 'e':
      mode = Mode::kAdd;
      break;
    case 'A':
    case 'a':
      mode = Mode::kAppend;
      break;
    case 'P':
    case 'p':
      mode = Mode::kPrepend;
      break;
    case 'R':
    case 'r':
      mode = Mode::kReplace;
      break;
    default:
      return ErrorLine(c, "CLIENT_ERROR invalid mode for ms M token");
  }
  bool has_cas = c.order.find('C') != std::string_view::npos;
  uint64_t cas = has_cas ? c.op.meta_compare_cas : 0;
  if (has_cas && mode == Mode::kSet) mode = Mode::kCas;
  if (has_cas && mode == Mode::kReplace) mode = Mode::kCas;
  if (mode == Mode::kAdd) cas = 0;
  int64_t ttl = c.order.find('T') != std::string_view::npos ? c.op.meta_ttl : 0;
  uint64_t new_cas = 0;
  Stored r = Store(c, mode, cas, c.op.client_flags, ttl,
                   c.order.find('I') != std::string_view::npos, &new_cas);
  if (r == Stored::kStored && c.op.noreply) return;
  if (r == Stored::kNoMemory) return ErrorLine(c, kNoMemoryText);
  static constexpr std::string_view kCode[] = {"HD", "NS", "EX", "NF"};
  std::string* o = c.out;
  o->append(kCode[static_cast<int>(r)]);
  for (char f : c.order) {
    if (f == 'c') {
      NumFlag(o, 'c', new_cas);
    } else {
      EchoFlag(c, f, o);
    }
  }
  o->append("\r\n");
}

void MetaDelete(Call& c) {
  ++c.st.meta_cmds;
  Entry* e = Item(c, false);
  std::string_view code = "HD";
  if (!e) {
    ++c.st.delete_misses;
    code = "NF";
  } else if (c.order.find('C') != std::string_view::npos &&
             (e = c.db.EnsureCas(e))->cas() != c.op.meta_compare_cas) {
    ++c.st.delete_misses;
    code = "EX";
  } else if (c.order.find('I') != std::string_view::npos) {
    // Invalidate: the item stays, marked stale, with a new CAS (and maybe a new TTL).
    e = c.db.EnsureCas(e);
    if (c.order.find('T') != std::string_view::npos && !SetExptime(c, e, c.op.meta_ttl)) {
      LogDelete(c);
    } else {
      e->set_cas(Db::NextCas());
      e->set_mc_state(Entry::kMcStale);
      LogItem(c, e);
    }
  } else {
    ++c.st.delete_hits;
    c.db.Delete(c.key);
    LogDelete(c);
  }
  if (code == "HD" && c.op.noreply) return;
  std::string* o = c.out;
  o->append(code);
  EchoFlags(c, o);
  o->append("\r\n");
}

void MetaArith(Call& c) {
  ++c.st.meta_cmds;
  bool incr = true;
  switch (c.op.meta_mode) {
    case 0:
    case 'I':
    case 'i':
    case '+':
      break;
    case 'D':
    case 'd':
    case '-':
      incr = false;
      break;
    default:
      return ErrorLine(c, "CLIENT_ERROR invalid mode for ma M token");
  }
  bool has_cas = c.order.find('C') != std::string_view::npos;
  Entry* e = nullptr;
  uint64_t v = 0;
  Delta r = AddDelta(c, &e, incr, c.op.delta, has_cas ? c.op.meta_compare_cas : 0, &v);
  bool created = false, expire_after = false;
  if (r == Delta::kNotFound && c.order.find('N') != std::string_view::npos && MayCreate(c)) {
    c.value = std::to_string(c.op.initial);
    e = Put(c, 0, 0);  // its TTL is N's, set below
    v = c.op.initial;
    r = Delta::kOk;
    created = true;
  }
  if (r == Delta::kOk)
    ++(incr ? c.st.incr_hits : c.st.decr_hits);
  else if (r == Delta::kNotFound)
    ++(incr ? c.st.incr_misses : c.st.decr_misses);
  if (r == Delta::kNonNumeric)
    return ErrorLine(c, "CLIENT_ERROR cannot increment or decrement non-numeric value");
  std::string* o = c.out;
  if (r != Delta::kOk) {
    o->append(r == Delta::kExists ? "EX" : "NF");
    EchoFlags(c, o);
    o->append("\r\n");
    return;
  }
  std::string flags;
  for (char f : c.order) {
    switch (f) {
      case 'c':
        NumFlag(&flags, 'c', e->cas());
        break;
      case 't':
        NumFlag(&flags, 't', TtlLeft(c, e));
        break;
      // A TTL already past: the reply describes the counter, which goes afterwards.
      case 'T':
      case 'N': {
        if (f == 'N' && !created) break;
        int64_t ttl = f == 'T' ? c.op.meta_ttl : c.op.meta_vivify_ttl;
        if (Past(c, ttl))
          expire_after = true;
        else if (!expire_after && SetExptime(c, e, ttl))
          LogItem(c, e);
        break;
      }
      default:
        EchoFlag(c, f, &flags);
    }
  }
  if (expire_after) {
    c.db.Delete(c.key);
    LogDelete(c);
  }
  // memcached 1.6.18 quiets a success, value or not, unless N created the counter.
  if (c.op.noreply && !created) return;
  MetaReply(c, flags, std::to_string(v));
}

void MetaDebug(Call& c) {
  ++c.st.meta_cmds;
  Entry* e = Item(c, false);
  if (!e) return ErrorLine(c, "EN");
  e = c.db.EnsureCas(e);
  std::string* o = c.out;
  o->append("ME ");
  o->append(c.op.meta_base64 ? mc::Base64Encode(c.key) : std::string(c.key));
  o->append(" exp=");
  AppendNum(o, e->has_expire() ? -TtlLeft(c, e) : int64_t{-1});
  o->append(" la=");
  AppendNum(o, IdleSeconds(c, e));
  o->append(" cas=");
  AppendNum(o, e->cas());
  o->append(e->mc_state() & Entry::kMcFetched ? " fetch=yes" : " fetch=no");
  o->append(" cls=1 size=");
  AppendNum(o, uint64_t{SlabAllocator::BlockSize(e->encoded_size())});
  o->append("\r\n");
}

// The log's form of a write: the resulting item, stored as is.
void Replayed(Call& c) {
  c.db.SetItem(c.key, Value::FromOwnedString(std::move(c.value)), c.ctx.now_ms, c.op.exptime,
               c.op.client_flags);
}

void McOperation(CommandContext& ctx) {
  McOp op;
  if (ctx.args[kMcOp].size() != sizeof(op))
    return ctx.rb.Error("ERR malformed memcached operation");
  memcpy(&op, ctx.args[kMcOp].data(), sizeof(op));
  // One key, routed to its shard: the running shard owns it (no second hash of the key).
  Shard& shard = *ctx.shard;
  Call c{ctx,
         op,
         ctx.args[kMcKey],
         ctx.args[kMcValue],
         ctx.args[kMcMetaOrder],
         ctx.args[kMcMetaOpaque],
         ctx.rb.buffer(),
         shard.stats().mc,
         shard.db(ctx.db_index)};
  if (op.logged) return Replayed(c);
  // What the log records is set by the operation itself (LogItem / LogDelete): nothing when
  // it changed nothing.
  if (ctx.spec->flags & kCmdWrite) ctx.rewritten.emplace();
  switch (op.cmd) {
    case Cmd::kGet:
    case Cmd::kGets:
    case Cmd::kGat:
    case Cmd::kGats:
      return Get(c);
    case Cmd::kSet:
    case Cmd::kAdd:
    case Cmd::kReplace:
    case Cmd::kAppend:
    case Cmd::kPrepend:
    case Cmd::kCas:
      return StoreCmd(c);
    case Cmd::kDelete:
      return Delete(c);
    case Cmd::kIncr:
    case Cmd::kDecr:
      return Arith(c);
    case Cmd::kTouch:
      return Touch(c);
    case Cmd::kMetaGet:
      return MetaGet(c);
    case Cmd::kMetaSet:
      return MetaSet(c);
    case Cmd::kMetaDelete:
      return MetaDelete(c);
    case Cmd::kMetaArith:
      return MetaArith(c);
    case Cmd::kMetaDebug:
      return MetaDebug(c);
    default:
      return ErrorLine(c, "SERVER_ERROR unhandled operation");
  }
}

void RegisterMemcacheOps(CommandRegistry& r) {
  for (auto [name, flags] : {std::pair{"mc-read", kCmdReadOnly | kCmdFast | kCmdMemcache},
                             std::pair{"mc-write", kCmdWrite | kCmdFast | kCmdMemcache}})
    r.Register(CommandSpec::Make(name, kMcArgc, flags, McOperation)
                   .Keys(1, 1, 1)
                   .RouteTo(Route::kKeys)
                   .Acl({"memcache"})
                   .Doc("memcache", "A memcached key operation (internal)", "tessera", "O(1)"));
}

CommandRegistrar registrar(RegisterMemcacheOps);

}  // namespace

int64_t McExpireMs(int64_t exptime, int64_t now_ms) {
  constexpr int64_t kMaxRelative = 60 * 60 * 24 * 30;
  if (exptime == 0) return Entry::kNoExpire;
  if (exptime < 0) return now_ms - 1;
  if (exptime > kMaxRelative) return exptime * 1000;
  return now_ms + exptime * 1000;
}

}  // namespace tessera
