// Memcached request parsing with memcached 1.6.18's rules and replies (proto_text.c,
// proto_bin.c, util.c, base64.c), and the binary protocol's response framing.
#include "protocol/memcache.h"

#include <algorithm>
#include <climits>
#include <cstring>

namespace tessera::mc {
namespace {

constexpr uint8_t kRequestMagic = 0x80;
constexpr uint8_t kResponseMagic = 0x81;
constexpr size_t kBinaryHeader = 24;
constexpr size_t kMaxOpaqueToken = 32;  // the O flag's token, its 'O' included
constexpr size_t kMaxMetaTokens = 20;   // MFLAG_MAX_OPT_LENGTH, counting memcached's way
// A value's buffer is sized up front to its declared length up to this much; past it, it
// grows as the bytes arrive (a large item_size_max must not let idle clients pin memory).
constexpr size_t kMaxReserve = 1 << 20;

constexpr std::string_view kBadFormat = "CLIENT_ERROR bad command line format";
constexpr std::string_view kBadToken = "CLIENT_ERROR bad token in command line format";
constexpr std::string_view kBadExptime = "CLIENT_ERROR invalid exptime argument";
constexpr std::string_view kTooLarge = "SERVER_ERROR object too large for cache";

// Calls fn on each space-separated word of `s` (runs of spaces skipped) until it returns
// false; returns false then, true after the last word.
template <typename F>
bool ForEachWord(std::string_view s, F&& fn) {
  size_t at = 0;
  while (at < s.size()) {
    if (s[at] == ' ') {
      ++at;
      continue;
    }
    size_t end = s.find(' ', at);
    if (end == std::string_view::npos) end = s.size();
    if (!fn(s.substr(at, end - at))) return false;
    at = end;
  }
  return true;
}

// isspace() in the C locale.
inline bool IsCSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// What strtoull/strtoll read of a token: blanks, a sign, decimal digits. `ok`: at least one
// digit, followed by the end of the token or a blank (memcached's safe_strto* test).
struct Decimal {
  bool ok = false;
  bool negative = false;
  bool overflow = false;  // the magnitude passed 2^64 - 1 (ERANGE)
  uint64_t magnitude = 0;
};

Decimal ReadDecimal(std::string_view s) {
  Decimal d;
  size_t i = 0;
  while (i < s.size() && IsCSpace(s[i])) ++i;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) d.negative = s[i++] == '-';
  size_t first = i;
  for (; i < s.size() && static_cast<unsigned>(s[i] - '0') < 10; ++i) {
    uint64_t digit = s[i] - '0';
    if (d.magnitude > (UINT64_MAX - digit) / 10)
      d.overflow = true;
    else
      d.magnitude = d.magnitude * 10 + digit;
  }
  d.ok = i > first && (i == s.size() || IsCSpace(s[i]));
  return d;
}

// safe_strtoull: strtoull, refusing a '-' only when the result looks negative as signed.
bool SafeStrtoull(std::string_view s, uint64_t* out) {
  Decimal d = ReadDecimal(s);
  if (!d.ok || d.overflow) return false;
  uint64_t v = d.negative ? 0 - d.magnitude : d.magnitude;
  if (static_cast<int64_t>(v) < 0 && s.find('-') != std::string_view::npos) return false;
  *out = v;
  return true;
}

// safe_strtoul: the same with a 64-bit unsigned long, stored into 32 bits.
bool SafeStrtoul(std::string_view s, uint32_t* out) {
  uint64_t v;
  if (!SafeStrtoull(s, &v)) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

// safe_strtol: strtol with a 64-bit long, stored into 32 bits.
bool SafeStrtol(std::string_view s, int32_t* out) {
  Decimal d = ReadDecimal(s);
  if (!d.ok || d.overflow) return false;
  if (d.magnitude > (d.negative ? uint64_t{1} << 63 : uint64_t{INT64_MAX})) return false;
  uint64_t v = d.negative ? 0 - d.magnitude : d.magnitude;
  *out = static_cast<int32_t>(static_cast<uint32_t>(v));
  return true;
}

// memcached's tokenize_command: tokens are separated by ' ' only. Stores at most `max`; a
// result of `max` means "max or more" (memcached's token count stops there too).
size_t Tokenize(std::string_view line, std::string_view* tok, size_t max) {
  size_t n = 0;
  const char* p = line.data();
  const char* end = p + line.size();
  while (p < end && n < max) {
    if (*p == ' ') {
      ++p;
      continue;
    }
    const char* sp = static_cast<const char*>(memchr(p, ' ', end - p));
    const char* e = sp ? sp : end;
    tok[n++] = std::string_view(p, e - p);
    p = e;
  }
  return n;
}

inline uint16_t Load16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t Load32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
inline uint64_t Load64(const uint8_t* p) { return uint64_t{Load32(p)} << 32 | Load32(p + 4); }
inline void Store16(char* p, uint16_t v) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v);
}
inline void Store32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (24 - 8 * i));
}
inline void Store64(char* p, uint64_t v) {
  Store32(p, static_cast<uint32_t>(v >> 32));
  Store32(p + 4, static_cast<uint32_t>(v));
}

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr uint8_t kNotBase64 = 0x80;

struct Base64Table {
  uint8_t v[256];
  constexpr Base64Table() : v() {
    for (auto& x : v) x = kNotBase64;
    for (int i = 0; i < 64; ++i) v[static_cast<uint8_t>(kBase64Alphabet[i])] = i;
    v['='] = 0;
  }
};
constexpr Base64Table kBase64Decode;

// What the binary protocol's opcodes are, and how memcached checks their lengths.
enum class BinKind : uint8_t {
  kUnknown,
  kGet,
  kStore,  // SET ADD REPLACE
  kDelete,
  kArith,
  kAppend,  // APPEND PREPEND
  kStat,
  kQuit,
  kFlush,
  kNoop,
  kVersion,
  kTouch,  // TOUCH GAT GATK
  kSaslList,
  kSaslAuth,  // SASL_AUTH SASL_STEP
};

struct BinOp {
  BinKind kind = BinKind::kUnknown;
  Cmd cmd = Cmd::kGet;
  bool quiet = false;
  bool return_key = false;
};

constexpr BinOp DescribeOpcode(uint8_t op) {
  switch (op) {
    case 0x00:
      return {BinKind::kGet, Cmd::kGet, false, false};
    case 0x09:
      return {BinKind::kGet, Cmd::kGet, true, false};
    case 0x0c:
      return {BinKind::kGet, Cmd::kGet, false, true};
    case 0x0d:
      return {BinKind::kGet, Cmd::kGet, true, true};
    case 0x01:
      return {BinKind::kStore, Cmd::kSet, false, false};
    case 0x11:
      return {BinKind::kStore, Cmd::kSet, true, false};
    case 0x02:
      return {BinKind::kStore, Cmd::kAdd, false, false};
    case 0x12:
      return {BinKind::kStore, Cmd::kAdd, true, false};
    case 0x03:
      return {BinKind::kStore, Cmd::kReplace, false, false};
    case 0x13:
      return {BinKind::kStore, Cmd::kReplace, true, false};
    case 0x04:
      return {BinKind::kDelete, Cmd::kDelete, false, false};
    case 0x14:
      return {BinKind::kDelete, Cmd::kDelete, true, false};
    case 0x05:
      return {BinKind::kArith, Cmd::kIncr, false, false};
    case 0x15:
      return {BinKind::kArith, Cmd::kIncr, true, false};
    case 0x06:
      return {BinKind::kArith, Cmd::kDecr, false, false};
    case 0x16:
      return {BinKind::kArith, Cmd::kDecr, true, false};
    case 0x07:
      return {BinKind::kQuit, Cmd::kQuit, false, false};
    case 0x17:
      return {BinKind::kQuit, Cmd::kQuit, true, false};
    case 0x08:
      return {BinKind::kFlush, Cmd::kFlushAll, false, false};
    case 0x18:
      return {BinKind::kFlush, Cmd::kFlushAll, true, false};
    case 0x0a:
      return {BinKind::kNoop, Cmd::kNoop, false, false};
    case 0x0b:
      return {BinKind::kVersion, Cmd::kVersion, false, false};
    case 0x0e:
      return {BinKind::kAppend, Cmd::kAppend, false, false};
    case 0x19:
      return {BinKind::kAppend, Cmd::kAppend, true, false};
    case 0x0f:
      return {BinKind::kAppend, Cmd::kPrepend, false, false};
    case 0x1a:
      return {BinKind::kAppend, Cmd::kPrepend, true, false};
    case 0x10:
      return {BinKind::kStat, Cmd::kStats, false, false};
    case 0x1c:
      return {BinKind::kTouch, Cmd::kTouch, false, false};
    case 0x1d:
      return {BinKind::kTouch, Cmd::kGat, false, false};
    case 0x1e:
      return {BinKind::kTouch, Cmd::kGat, true, false};
    case 0x23:
      return {BinKind::kTouch, Cmd::kGat, false, true};
    case 0x24:
      return {BinKind::kTouch, Cmd::kGat, true, true};
    case 0x20:
      return {BinKind::kSaslList, Cmd::kGet, false, false};
    case 0x21:
    case 0x22:
      return {BinKind::kSaslAuth, Cmd::kGet, false, false};
    // VERBOSITY (0x1b) is not among memcached 1.6.18's binary commands: "Unknown command".
    default:
      return {};
  }
}

}  // namespace

void Request::Clear() {
  proto = Proto::kText;
  cmd = Cmd::kGet;
  noreply = false;
  keys.clear();
  value.clear();
  client_flags = 0;
  exptime = 0;
  cas = 0;
  delta = 0;
  initial = 0;
  has_delay = false;
  verbosity = 0;
  stats_arg.clear();
  meta.order.clear();
  meta.opaque.clear();
  meta.ttl = meta.vivify_ttl = meta.recache_ttl = 0;
  meta.compare_cas = meta.explicit_cas = 0;
  meta.client_flags = 0;
  meta.delta = 1;
  meta.initial = 0;
  meta.mode = 0;
  meta.base64 = false;
  opcode = 0;
  opaque = 0;
  return_key = false;
}

size_t Parser::pending_bytes() const {
  switch (state_) {
    case State::kTextValue:
      return value_left_ + (2 - term_got_);
    case State::kBinaryValue:
      return value_left_;
    default:
      return 0;
  }
}

void Parser::StartRequest(Proto proto) {
  error_.clear();
  // Keep the key strings (and their capacity) for the next keys.
  for (auto it = req_.keys.rbegin(); it != req_.keys.rend(); ++it) {
    if (spare_keys_.size() >= kKeepKeys) break;
    spare_keys_.push_back(std::move(*it));
  }
  if (req_.value.capacity() > kKeepValueBytes) std::string().swap(req_.value);
  req_.Clear();
  req_.proto = proto;
  too_large_ = false;
}

std::string& Parser::AddKey(std::string_view key) {
  if (spare_keys_.empty()) {
    req_.keys.emplace_back(key);
  } else {
    req_.keys.push_back(std::move(spare_keys_.back()));
    spare_keys_.pop_back();
    req_.keys.back().assign(key.data(), key.size());
  }
  return req_.keys.back();
}

Parser::Status Parser::TextError(std::string_view msg) {
  // memcached's out_string() stays silent for a command that asked for noreply.
  if (!req_.noreply) {
    error_.assign(msg.data(), msg.size());
    error_.append("\r\n");
  }
  return Status::kError;
}

Parser::Status Parser::MetaError(std::string_view msg) {
  // Meta commands report errors even with q (out_errstring).
  error_.assign(msg.data(), msg.size());
  error_.append("\r\n");
  return Status::kError;
}

Parser::Status Parser::Parse(std::string_view buf, size_t* consumed) {
  while (true) {
    size_t used = 0;
    Status s = Status::kIncomplete;
    switch (state_) {
      case State::kIdle: {
        if (buf.empty()) return Status::kIncomplete;
        bool binary = static_cast<uint8_t>(buf[0]) == kRequestMagic;
        if (sticky_) {
          // memcached fixes a connection's protocol at its first byte: later, a binary
          // connection closes on a bad magic byte and a text one reads 0x80 as text.
          if (first_) binary_conn_ = binary;
          first_ = false;
          if (binary_conn_ && !binary) {
            error_.clear();
            return Status::kClose;
          }
          binary = binary_conn_;
        }
        s = binary ? ParseBinary(buf, &used) : ParseLine(buf, &used);
        break;
      }
      case State::kTextValue:
      case State::kBinaryValue:
        s = ReadValue(buf, &used);
        break;
      case State::kSwallow:
        s = Swallow(buf, &used);
        break;
    }
    *consumed += used;
    buf.remove_prefix(used);
    // kIncomplete after using bytes: a line or header started a value or a swallow.
    if (s != Status::kIncomplete || used == 0) return s;
  }
}

Parser::Status Parser::Swallow(std::string_view buf, size_t* used) {
  size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), swallow_left_));
  swallow_left_ -= n;
  *used = n;
  if (swallow_left_ == 0) state_ = State::kIdle;
  return Status::kIncomplete;
}

void Parser::ExpectTextValue(size_t len, bool report_bad_chunk) {
  state_ = State::kTextValue;
  value_left_ = len;
  term_got_ = 0;
  term_ok_ = true;
  report_bad_chunk_ = report_bad_chunk;
  req_.value.reserve(std::min(len, kMaxReserve));
}

Parser::Status Parser::ReadValue(std::string_view buf, size_t* used) {
  size_t n = std::min(buf.size(), value_left_);
  req_.value.append(buf.data(), n);
  value_left_ -= n;
  *used = n;
  if (value_left_ > 0) return Status::kIncomplete;
  if (state_ == State::kBinaryValue) {
    state_ = State::kIdle;
    return Status::kRequest;
  }
  // memcached reads <bytes> + 2 and then checks that the last two are "\r\n"; the bytes are
  // used either way.
  for (; term_got_ < 2 && n < buf.size(); ++term_got_, ++n) term_ok_ &= buf[n] == "\r\n"[term_got_];
  *used = n;
  if (term_got_ < 2) return Status::kIncomplete;
  state_ = State::kIdle;
  if (term_ok_) return Status::kRequest;
  error_.clear();
  if (report_bad_chunk_) error_ = "CLIENT_ERROR bad data chunk\r\n";
  return Status::kError;
}

Parser::Status Parser::ParseLine(std::string_view buf, size_t* used) {
  size_t from = std::min(line_scanned_, buf.size());
  const char* nl = static_cast<const char*>(memchr(buf.data() + from, '\n', buf.size() - from));
  if (nl == nullptr) {
    line_scanned_ = buf.size();
    if (buf.size() > kMaxLine) {
      // memcached (try_read_command_ascii): only a multiget may be this long.
      size_t sp = 0;
      while (sp < buf.size() && buf[sp] == ' ') ++sp;
      std::string_view rest = buf.substr(sp);
      bool get = sp <= 100 && (rest.starts_with("get ") || rest.starts_with("gets "));
      if (!get) {
        error_.clear();
        return Status::kClose;
      }
      if (buf.size() > kMaxGetLine) {
        error_ = "CLIENT_ERROR line too long\r\n";
        return Status::kClose;
      }
    }
    return Status::kIncomplete;
  }
  line_scanned_ = 0;
  size_t end = nl - buf.data();
  *used = end + 1;
  std::string_view line = buf.substr(0, end);
  // One '\r' before the '\n' is dropped, but not from a line of just "\r".
  if (line.size() > 1 && line.back() == '\r') line.remove_suffix(1);
  // memcached tokenizes the line as a C string.
  if (const void* nul = memchr(line.data(), '\0', line.size()))
    line = line.substr(0, static_cast<const char*>(nul) - line.data());
  return ParseCommand(line);
}

Parser::Status Parser::ParseCommand(std::string_view line) {
  StartRequest(Proto::kText);
  std::string_view* tok = tokens_;
  size_t n = Tokenize(line, tok, kMaxTokens);
  if (n == 0 || tok[0].size() < 2) return TextError("ERROR");
  std::string_view c = tok[0];
  if (c[0] == 'm' && c.size() == 2) return ParseMeta(tok, n);

  if (c == "get") return ParseRetrieval(line, tok, n, Cmd::kGet);
  if (c == "set") return ParseStorage(tok, n, Cmd::kSet);
  if (c == "gets") return ParseRetrieval(line, tok, n, Cmd::kGets);
  if (c == "delete") {
    if (n < 2 || n > 4) return TextError("ERROR");
    req_.cmd = Cmd::kDelete;
    if (n > 2) {
      // "delete <key> 0" is memcached's legacy form; nothing else may follow the key.
      bool zero = tok[2] == "0";
      req_.noreply = tok[n - 1] == "noreply";
      if (!((n == 3 && (zero || req_.noreply)) || (n == 4 && zero && req_.noreply)))
        return TextError("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]");
    }
    if (tok[1].size() > kMaxKeyLength) return TextError(kBadFormat);
    AddKey(tok[1]);
    return Status::kRequest;
  }
  if (c == "incr" || c == "decr") {
    if (n != 3 && n != 4) return TextError("ERROR");
    req_.cmd = c == "incr" ? Cmd::kIncr : Cmd::kDecr;
    req_.noreply = tok[n - 1] == "noreply";
    if (tok[1].size() > kMaxKeyLength) return TextError(kBadFormat);
    if (!SafeStrtoull(tok[2], &req_.delta))
      return TextError("CLIENT_ERROR invalid numeric delta argument");
    AddKey(tok[1]);
    return Status::kRequest;
  }
  if (c == "touch") {
    if (n != 3 && n != 4) return TextError("ERROR");
    req_.cmd = Cmd::kTouch;
    req_.noreply = tok[n - 1] == "noreply";
    if (tok[1].size() > kMaxKeyLength) return TextError(kBadFormat);
    int32_t exptime;
    if (!SafeStrtol(tok[2], &exptime)) return TextError(kBadExptime);
    req_.exptime = exptime;
    AddKey(tok[1]);
    return Status::kRequest;
  }
  if (c == "gat") return ParseRetrieval(line, tok, n, Cmd::kGat);
  if (c == "gats") return ParseRetrieval(line, tok, n, Cmd::kGats);
  if (c == "add") return ParseStorage(tok, n, Cmd::kAdd);
  if (c == "replace") return ParseStorage(tok, n, Cmd::kReplace);
  if (c == "append") return ParseStorage(tok, n, Cmd::kAppend);
  if (c == "prepend") return ParseStorage(tok, n, Cmd::kPrepend);
  if (c == "cas") return ParseStorage(tok, n, Cmd::kCas);
  if (c == "bget") return ParseRetrieval(line, tok, n, Cmd::kGet);  // memcached keeps it
  if (c == "version") {
    req_.cmd = Cmd::kVersion;
    return Status::kRequest;
  }
  if (c == "quit") {
    req_.cmd = Cmd::kQuit;
    return Status::kRequest;
  }
  if (c == "stats") {
    req_.cmd = Cmd::kStats;
    // All the arguments, past kMaxTokens too.
    ForEachWord(line.substr(c.data() + c.size() - line.data()), [&](std::string_view w) {
      if (!req_.stats_arg.empty()) req_.stats_arg.push_back(' ');
      req_.stats_arg.append(w);
      return true;
    });
    return Status::kRequest;
  }
  if (c == "flush_all") {
    if (n > 3) return TextError("ERROR");
    req_.cmd = Cmd::kFlushAll;
    req_.noreply = tok[n - 1] == "noreply";
    if (n != (req_.noreply ? 2u : 1u)) {
      int32_t delay;
      if (!SafeStrtol(tok[1], &delay)) return TextError(kBadExptime);
      req_.has_delay = true;
      req_.exptime = delay;
    }
    return Status::kRequest;
  }
  if (c == "verbosity") {
    if (n != 2 && n != 3) return TextError("ERROR");
    req_.cmd = Cmd::kVerbosity;
    req_.noreply = tok[n - 1] == "noreply";
    uint32_t level;
    if (!SafeStrtoul(tok[1], &level)) return TextError(kBadFormat);
    req_.verbosity = level;
    return Status::kRequest;
  }
  if (c == "shutdown") return TextError("ERROR: shutdown not enabled");  // memcached without -A
  return TextError("ERROR");
}

Parser::Status Parser::ParseRetrieval(std::string_view line, const std::string_view* tok, size_t n,
                                      Cmd cmd) {
  if (n < 2) return TextError("ERROR");
  req_.cmd = cmd;
  size_t first = 1;
  if (cmd == Cmd::kGat || cmd == Cmd::kGats) {
    int32_t exptime;
    if (!SafeStrtol(tok[1], &exptime)) return TextError(kBadExptime);
    req_.exptime = exptime;
    first = 2;
    if (n == 2) return Status::kRequest;  // no key: memcached answers "END"
  }
  // The keys run to the end of the line, past kMaxTokens.
  bool ok = ForEachWord(line.substr(tok[first].data() - line.data()), [&](std::string_view w) {
    if (w.size() > kMaxKeyLength) return false;
    AddKey(w);
    return true;
  });
  if (!ok) return TextError(kBadFormat);
  return Status::kRequest;
}

Parser::Status Parser::ParseStorage(const std::string_view* tok, size_t n, Cmd cmd) {
  bool cas = cmd == Cmd::kCas;
  size_t args = cas ? 6 : 5;
  if (n != args && n != args + 1) return TextError("ERROR");
  req_.cmd = cmd;
  // The last token, whatever the count: "set k 0 0 noreply" fails silently.
  req_.noreply = tok[n - 1] == "noreply";
  if (tok[1].size() > kMaxKeyLength) return TextError(kBadFormat);
  uint32_t flags;
  int32_t exptime, len;
  if (!SafeStrtoul(tok[2], &flags) || !SafeStrtol(tok[3], &exptime) || !SafeStrtol(tok[4], &len))
    return TextError(kBadFormat);
  if (cas && !SafeStrtoull(tok[5], &req_.cas)) return TextError(kBadFormat);
  // The data line is not swallowed after these errors: memcached reads it as a command.
  if (len < 0 || len > INT_MAX - 2) return TextError(kBadFormat);
  req_.client_flags = flags;
  req_.exptime = exptime;
  AddKey(tok[1]);
  if (static_cast<size_t>(len) > item_size_max_) {
    state_ = State::kSwallow;
    swallow_left_ = static_cast<uint64_t>(len) + 2;
    too_large_ = true;
    return TextError(kTooLarge);
  }
  ExpectTextValue(len, !req_.noreply);
  return Status::kIncomplete;
}

std::string_view Parser::ParseMetaFlags(const std::string_view* tok, size_t from, size_t n,
                                        std::string_view default_error) {
  MetaFlags& m = req_.meta;
  uint64_t seen[2] = {0, 0};
  std::string_view error;
  bool failed = false;
  for (size_t i = from; i < n; ++i) {
    std::string_view t = tok[i];
    uint8_t f = static_cast<uint8_t>(t[0]);
    if (f >= 127 || (seen[f >> 6] >> (f & 63) & 1)) return "CLIENT_ERROR duplicate flag";
    seen[f >> 6] |= uint64_t{1} << (f & 63);
    std::string_view arg = t.substr(1);
    switch (f) {
      case 'b':
        m.base64 = true;
        if (std::string& key = req_.keys.front(); !Base64Decode(tok[1], &key)) {
          key.clear();
          error = "CLIENT_ERROR error decoding key";
          failed = true;
        }
        break;
      case 'N':
      case 'T':
      case 'R': {
        int32_t v;
        if (!SafeStrtol(arg, &v)) {
          error = kBadToken;
          failed = true;
        } else {
          (f == 'N' ? m.vivify_ttl : f == 'T' ? m.ttl : m.recache_ttl) = v;
        }
        break;
      }
      case 'O':
        m.opaque.assign(arg.data(), arg.size());
        break;
      case 'P':
      case 'L':
        continue;  // proxy hints: ignored
      case 'q':
        req_.noreply = true;
        break;
      case 'k':
      case 's':
      case 't':
      case 'c':
      case 'f':
      case 'v':
      case 'h':
      case 'l':
      case 'u':
      case 'I':
        break;
      case 'F':
        if (!SafeStrtoul(arg, &m.client_flags)) failed = true;  // keeps the message
        break;
      case 'C':
        if (!SafeStrtoull(arg, &m.compare_cas)) {
          error = kBadToken;
          failed = true;
        }
        break;
      case 'M':
        if (t.size() != 2) {
          error = "CLIENT_ERROR incorrect length for M token";
          failed = true;
        } else {
          m.mode = t[1];
        }
        break;
      case 'J':
        if (!SafeStrtoull(arg, &m.initial)) {
          error = "CLIENT_ERROR invalid numeric initial value";
          failed = true;
        }
        break;
      case 'D':
        if (!SafeStrtoull(arg, &m.delta)) {
          error = "CLIENT_ERROR invalid numeric delta value";
          failed = true;
        }
        break;
      default:
        return "CLIENT_ERROR invalid flag";
    }
    m.order.push_back(static_cast<char>(f));
  }
  if (!failed) return {};
  return error.empty() ? default_error : error;
}

Parser::Status Parser::ParseMeta(const std::string_view* tok, size_t n) {
  req_.proto = Proto::kMeta;
  std::string_view too_long = "CLIENT_ERROR options flags too long";
  switch (tok[0][1]) {
    case 'n':
      req_.cmd = Cmd::kNoop;
      return Status::kRequest;
    case 'e': {
      req_.cmd = Cmd::kMetaDebug;
      if (n < 2 || tok[1].size() > kMaxKeyLength) return MetaError(kBadFormat);
      std::string& key = AddKey(tok[1]);
      if (n >= 3 && tok[2] == "b") {
        if (!Base64Decode(tok[1], &key)) return MetaError(kBadFormat);
        req_.meta.base64 = true;
        req_.meta.order.push_back('b');
      }
      return Status::kRequest;
    }
    case 's':
      return ParseMetaSet(tok, n);
    case 'g':
      req_.cmd = Cmd::kMetaGet;
      too_long = "CLIENT_ERROR options flags are too long";
      break;
    case 'd':
      req_.cmd = Cmd::kMetaDelete;
      break;
    case 'a':
      req_.cmd = Cmd::kMetaArith;
      break;
    default:
      return TextError("ERROR");
  }
  if (n < 2) return TextError("ERROR");
  if (tok[1].size() > kMaxKeyLength) return MetaError(kBadFormat);
  if (n >= kMaxMetaTokens) return MetaError(too_long);
  AddKey(tok[1]);
  std::string_view error = ParseMetaFlags(tok, 2, n, kBadFormat);
  if (!error.empty()) {
    return MetaError(req_.cmd == Cmd::kMetaGet ? error : "CLIENT_ERROR invalid or duplicate flag");
  }
  if (req_.cmd == Cmd::kMetaArith) {
    switch (req_.meta.mode) {
      case 0:
      case 'I':
      case '+':
      case 'D':
      case '-':
        break;
      default:
        return MetaError("CLIENT_ERROR invalid mode for ma M token");
    }
  }
  if (req_.meta.has('O') && req_.meta.opaque.size() + 1 > kMaxOpaqueToken)
    return MetaError("CLIENT_ERROR opaque token too long");
  return Status::kRequest;
}

Parser::Status Parser::ParseMetaSet(const std::string_view* tok, size_t n) {
  req_.cmd = Cmd::kMetaSet;
  if (n < 2) return TextError("ERROR");
  // Errors before the length is known leave the data to be read as commands.
  if (tok[1].size() > kMaxKeyLength || n == 2) return MetaError(kBadFormat);
  if (n >= kMaxMetaTokens) return MetaError("CLIENT_ERROR options flags too long");
  int32_t len;
  if (!SafeStrtol(tok[2], &len) || len < 0 || len > INT_MAX - 2) return MetaError(kBadFormat);
  AddKey(tok[1]);
  std::string_view error = ParseMetaFlags(tok, 3, n, kBadFormat);
  if (error.empty()) {
    switch (req_.meta.mode) {
      case 0:
      case 'E':
      case 'A':
      case 'P':
      case 'R':
      case 'S':
        if (req_.meta.has('O') && req_.meta.opaque.size() + 1 > kMaxOpaqueToken)
          error = "CLIENT_ERROR opaque token too long";
        break;
      default:
        error = "CLIENT_ERROR invalid mode for ms M token";
    }
  }
  if (error.empty() && static_cast<size_t>(len) > item_size_max_) {
    error = kTooLarge;
    too_large_ = true;
  }
  if (!error.empty()) {
    state_ = State::kSwallow;
    swallow_left_ = static_cast<uint64_t>(len) + 2;
    return MetaError(error);
  }
  ExpectTextValue(len, true);  // a bad chunk is reported even with q
  return Status::kIncomplete;
}

Parser::Status Parser::BinaryError(uint16_t status, bool close) {
  error_.clear();
  AppendBinaryResponse(&error_, req_.opcode, status, req_.opaque, 0, {}, {},
                       BinaryStatusText(status));
  return close ? Status::kClose : Status::kError;
}

Parser::Status Parser::ParseBinary(std::string_view buf, size_t* used) {
  if (buf.size() < kBinaryHeader) return Status::kIncomplete;
  const uint8_t* h = reinterpret_cast<const uint8_t*>(buf.data());
  const uint8_t opcode = h[1];
  const uint16_t keylen = Load16(h + 2);
  const uint8_t extlen = h[4];
  const uint32_t bodylen = Load32(h + 8);
  // Like memcached, nothing is decided before the extras and the key are here (at most
  // 255 + 65535 bytes).
  const size_t head = kBinaryHeader + extlen + keylen;
  if (buf.size() < head) return Status::kIncomplete;
  StartRequest(Proto::kBinary);
  req_.opcode = opcode;
  req_.opaque = Load32(h + 12);
  req_.cas = Load64(h + 16);

  if (keylen > bodylen || size_t{keylen} + extlen > bodylen)
    return BinaryError(kBinUnknownCommand, true);
  if (keylen > kMaxKeyLength) return BinaryError(kBinInvalidArgs, true);

  const BinOp op = DescribeOpcode(opcode);
  const uint32_t rest = bodylen - keylen - extlen;  // the value, for storage commands
  // Refusals that skip the rest of the body, after which the connection goes on. (memcached
  // skips `bodylen` bytes after the key for an unknown command, eating into the next request
  // when there were extras or a key; the whole body, and only it, is skipped here.)
  auto refuse = [&](uint16_t status) {
    *used = head;
    if (rest > 0) {
      state_ = State::kSwallow;
      swallow_left_ = rest;
    }
    return BinaryError(status, false);
  };
  bool valid = false;
  switch (op.kind) {
    case BinKind::kUnknown:
      return refuse(kBinUnknownCommand);
    case BinKind::kSaslList:
    case BinKind::kSaslAuth:
      // This server has no SASL: memcached without -S refuses valid requests, which
      // continue, and invalid ones, which close.
      if (op.kind == BinKind::kSaslList ? (extlen == 0 && keylen == 0 && bodylen == 0)
                                        : (extlen == 0 && keylen != 0))
        return refuse(kBinUnknownCommand);
      return BinaryError(kBinInvalidArgs, true);
    case BinKind::kVersion:
    case BinKind::kNoop:
    case BinKind::kQuit:
      valid = extlen == 0 && keylen == 0 && bodylen == 0;
      break;
    case BinKind::kFlush:
      valid = keylen == 0 && bodylen == extlen && (extlen == 0 || extlen == 4);
      break;
    case BinKind::kStore:
      valid = extlen == 8 && keylen != 0;
      break;
    case BinKind::kGet:
    case BinKind::kDelete:
      valid = extlen == 0 && keylen != 0 && bodylen == keylen;
      break;
    case BinKind::kArith:
      valid = extlen == 20 && keylen != 0 && bodylen == keylen + 20u;
      break;
    case BinKind::kAppend:
      valid = extlen == 0 && keylen != 0;
      break;
    case BinKind::kStat:
      // memcached leaves extra body bytes to be read as the next header (its connection
      // then breaks); they are refused here.
      valid = extlen == 0 && bodylen == keylen;
      break;
    case BinKind::kTouch:
      valid = extlen == 4 && keylen != 0 && bodylen == keylen + 4u;  // (the same)
      break;
  }
  if (!valid) return BinaryError(kBinInvalidArgs, true);
  req_.cmd = op.cmd;
  req_.noreply = op.quiet;
  req_.return_key = op.return_key;

  bool has_value = op.kind == BinKind::kStore || op.kind == BinKind::kAppend;
  const uint8_t* ext = h + kBinaryHeader;
  std::string_view key(buf.data() + kBinaryHeader + extlen, keylen);
  if (has_value && rest > item_size_max_) {
    AddKey(key);
    too_large_ = true;
    return refuse(kBinTooLarge);
  }
  switch (op.kind) {
    case BinKind::kStore:
      req_.client_flags = Load32(ext);
      req_.exptime = Load32(ext + 4);
      break;
    case BinKind::kArith:
      req_.delta = Load64(ext);
      req_.initial = Load64(ext + 8);
      req_.exptime = Load32(ext + 16);
      break;
    case BinKind::kTouch:
      req_.exptime = Load32(ext);
      break;
    case BinKind::kFlush:
      if (extlen == 4) {
        req_.has_delay = true;
        req_.exptime = Load32(ext);
      }
      break;
    default:
      break;
  }
  if (op.kind == BinKind::kStat) {
    req_.stats_arg.assign(key.data(), key.size());
  } else if (keylen > 0) {
    AddKey(key);
  }
  *used = head;
  if (has_value && rest > 0) {
    state_ = State::kBinaryValue;
    value_left_ = rest;
    req_.value.reserve(std::min<size_t>(rest, kMaxReserve));
    return Status::kIncomplete;
  }
  return Status::kRequest;
}

void AppendBinaryResponse(std::string* out, uint8_t opcode, uint16_t status, uint32_t opaque,
                          uint64_t cas, std::string_view extras, std::string_view key,
                          std::string_view value) {
  char h[kBinaryHeader];
  h[0] = static_cast<char>(kResponseMagic);
  h[1] = static_cast<char>(opcode);
  Store16(h + 2, static_cast<uint16_t>(key.size()));
  h[4] = static_cast<char>(extras.size());
  h[5] = 0;  // data type: raw bytes
  Store16(h + 6, status);
  Store32(h + 8, static_cast<uint32_t>(extras.size() + key.size() + value.size()));
  Store32(h + 12, opaque);
  Store64(h + 16, cas);
  out->reserve(out->size() + sizeof(h) + extras.size() + key.size() + value.size());
  out->append(h, sizeof(h));
  out->append(extras.data(), extras.size());
  out->append(key.data(), key.size());
  out->append(value.data(), value.size());
}

std::string_view BinaryStatusText(uint16_t status) {
  switch (status) {
    case kBinOk:
      return "";
    case kBinKeyNotFound:
      return "Not found";
    case kBinKeyExists:
      return "Data exists for key.";
    case kBinTooLarge:
      return "Too large.";
    case kBinInvalidArgs:
      return "Invalid arguments";
    case kBinNotStored:
      return "Not stored.";
    case kBinNonNumeric:
      return "Non-numeric server-side value for incr or decr";
    case 0x20:
      return "Auth failure.";
    case kBinUnknownCommand:
      return "Unknown command";
    case kBinOutOfMemory:
      return "Out of memory";
    default:
      return "UNHANDLED ERROR";
  }
}

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  size_t n = in.size();
  for (; n >= 3; n -= 3, p += 3) {
    out.push_back(kBase64Alphabet[p[0] >> 2]);
    out.push_back(kBase64Alphabet[(p[0] & 0x03) << 4 | p[1] >> 4]);
    out.push_back(kBase64Alphabet[(p[1] & 0x0f) << 2 | p[2] >> 6]);
    out.push_back(kBase64Alphabet[p[2] & 0x3f]);
  }
  if (n > 0) {
    out.push_back(kBase64Alphabet[p[0] >> 2]);
    if (n == 1) {
      out.push_back(kBase64Alphabet[(p[0] & 0x03) << 4]);
      out.push_back('=');
    } else {
      out.push_back(kBase64Alphabet[(p[0] & 0x03) << 4 | p[1] >> 4]);
      out.push_back(kBase64Alphabet[(p[1] & 0x0f) << 2]);
    }
    out.push_back('=');
  }
  return out;
}

bool Base64Decode(std::string_view in, std::string* out) {
  size_t count = 0;
  for (char c : in) count += kBase64Decode.v[static_cast<uint8_t>(c)] != kNotBase64;
  if (count == 0 || count % 4 != 0) return false;
  out->clear();
  uint8_t block[4];
  size_t n = 0;
  int pad = 0;
  for (char c : in) {
    uint8_t v = kBase64Decode.v[static_cast<uint8_t>(c)];
    if (v == kNotBase64) continue;
    pad += c == '=';
    block[n++] = v;
    if (n < 4) continue;
    n = 0;
    char bytes[3] = {static_cast<char>(block[0] << 2 | block[1] >> 4),
                     static_cast<char>(block[1] << 4 | block[2] >> 2),
                     static_cast<char>(block[2] << 6 | block[3])};
    if (pad > 2) return false;
    out->append(bytes, 3 - pad);
    if (pad > 0) break;  // memcached stops after the first padded group
  }
  return !out->empty();
}

}  // namespace tessera::mc
