// RDB writing: Encoder, DumpPayload, and the listpack and intset blobs Redis 7.0 loads as is.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "base/strings.h"
#include "core/hash.h"
#include "core/list.h"
#include "core/set.h"
#include "core/zset.h"
#include "persist/lzf.h"
#include "persist/rdb.h"

namespace tessera::rdb {
namespace {

// Listpack nodes of a list are cut at Redis's default node size (list-max-listpack-size -2);
// an element from 1 GiB up gets a PLAIN node (Redis's packed_threshold).
constexpr size_t kListNodeBytes = 8192;
constexpr size_t kPlainThreshold = size_t{1} << 30;
constexpr uint64_t kContainerPlain = 1, kContainerPacked = 2;
// Scratch buffers above this size are freed after use rather than kept for the next value.
constexpr size_t kKeepScratch = 4 << 20;

void PutLE(std::string* out, uint64_t v, int bytes) {
  char b[8];
  for (int i = 0; i < bytes; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out->append(b, bytes);
}

// Redis's d2string as 7.0 writes zset listpack scores: integers in (-(2^52-1), 2^52) in
// decimal, else "%.17g" ("inf", "-inf", "-0" spelled so).
size_t D2String(char* buf, size_t cap, double d) {
  if (std::isnan(d)) return snprintf(buf, cap, "nan");
  if (std::isinf(d)) return snprintf(buf, cap, d < 0 ? "-inf" : "inf");
  if (d == 0) return snprintf(buf, cap, std::signbit(d) ? "-0" : "0");
  if (d > -4503599627370495.0 && d < 4503599627370496.0 &&
      d == static_cast<double>(static_cast<long long>(d)))
    return snprintf(buf, cap, "%lld", static_cast<long long>(d));
  return snprintf(buf, cap, "%.17g", d);
}

// Builds one Redis listpack: u32 total bytes | u16 count (65535 = unknown) | entries | 0xFF.
// Each entry is encoding + data + backlen (listpack.c).
class LpWriter {
 public:
  LpWriter() { Reset(); }
  void Reset() {
    buf_.assign(6, '\0');
    count_ = 0;
  }
  size_t count() const { return count_; }
  // Bytes of the finished listpack so far (with the terminator).
  size_t bytes() const { return buf_.size() + 1; }

  // The bytes the entry for `s` takes (as Append would write it).
  static size_t EntrySize(std::string_view s) {
    if (s.size() <= 20)
      if (auto v = ParseInt64(s)) return IntEntrySize(*v);
    return StrEntrySize(s.size());
  }
  static size_t IntEntrySize(int64_t v) {
    size_t l = IntEncLen(v);
    return l + BacklenSize(l);
  }
  static size_t StrEntrySize(size_t n) {
    size_t l = (n < 64 ? 1 : n < 4096 ? 2 : 5) + n;
    return l + BacklenSize(l);
  }

  // lpAppend: a canonical integer is stored as one.
  void Append(std::string_view s) {
    if (s.size() <= 20)
      if (auto v = ParseInt64(s)) return AppendInt(*v);
    AppendStr(s);
  }
  void AppendStr(std::string_view s) {
    size_t n = s.size();
    size_t l;
    if (n < 64) {
      buf_.push_back(static_cast<char>(0x80 | n));
      l = 1;
    } else if (n < 4096) {
      buf_.push_back(static_cast<char>(0xE0 | (n >> 8)));
      buf_.push_back(static_cast<char>(n & 0xff));
      l = 2;
    } else {
      buf_.push_back(static_cast<char>(0xF0));
      PutLE(&buf_, n, 4);
      l = 5;
    }
    buf_.append(s);
    Backlen(l + n);
    ++count_;
  }
  void AppendInt(int64_t v) {
    size_t l = IntEncLen(v);
    uint64_t u = static_cast<uint64_t>(v);
    switch (l) {
      case 1:
        buf_.push_back(static_cast<char>(v));
        break;
      case 2: {
        uint64_t uv = v < 0 ? (uint64_t{1} << 13) + v : u;
        buf_.push_back(static_cast<char>(0xC0 | (uv >> 8)));
        buf_.push_back(static_cast<char>(uv & 0xff));
        break;
      }
      case 3:
        buf_.push_back(static_cast<char>(0xF1));
        PutLE(&buf_, u, 2);
        break;
      case 4:
        buf_.push_back(static_cast<char>(0xF2));
        PutLE(&buf_, u, 3);
        break;
      case 5:
        buf_.push_back(static_cast<char>(0xF3));
        PutLE(&buf_, u, 4);
        break;
      default:
        buf_.push_back(static_cast<char>(0xF4));
        PutLE(&buf_, u, 8);
        break;
    }
    Backlen(l);
    ++count_;
  }

  // Terminates the listpack and fills in its header; valid until the next Reset.
  std::string_view Finish() {
    buf_.push_back(static_cast<char>(0xFF));
    uint32_t total = static_cast<uint32_t>(buf_.size());
    uint16_t n = count_ < 65535 ? static_cast<uint16_t>(count_) : 65535;
    memcpy(buf_.data(), &total, 4);  // little-endian hosts (as everywhere in Tessera)
    memcpy(buf_.data() + 4, &n, 2);
    return buf_;
  }

 private:
  static size_t IntEncLen(int64_t v) {
    if (v >= 0 && v <= 127) return 1;
    if (v >= -4096 && v <= 4095) return 2;
    if (v >= -32768 && v <= 32767) return 3;
    if (v >= -8388608 && v <= 8388607) return 4;
    if (v >= INT32_MIN && v <= INT32_MAX) return 5;
    return 9;
  }
  static size_t BacklenSize(size_t l) {
    return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
  }
  // lpEncodeBacklen: 7-bit groups, most significant first, bit 7 set on all but the first.
  void Backlen(size_t l) {
    size_t n = BacklenSize(l);
    for (size_t i = 0; i < n; ++i) {
      size_t shift = 7 * (n - 1 - i);
      uint8_t b = static_cast<uint8_t>((l >> shift) & 127);
      if (i > 0) b |= 128;
      buf_.push_back(static_cast<char>(b));
    }
  }

  std::string buf_;
  size_t count_ = 0;
};

// Scratch buffers reused across calls on one thread (no per-value allocation in a snapshot).
struct Scratch {
  LpWriter lp;
  std::string lzf;
  std::string blob;
};
Scratch& TlsScratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Building blocks

void Encoder::Len(uint64_t len) {
  if (len < (1 << 6)) {
    out_->push_back(static_cast<char>(len));
  } else if (len < (1 << 14)) {
    out_->push_back(static_cast<char>(0x40 | (len >> 8)));
    out_->push_back(static_cast<char>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    out_->push_back(static_cast<char>(0x80));
    uint32_t be = __builtin_bswap32(static_cast<uint32_t>(len));
    out_->append(reinterpret_cast<const char*>(&be), 4);
  } else {
    out_->push_back(static_cast<char>(0x81));
    uint64_t be = __builtin_bswap64(len);
    out_->append(reinterpret_cast<const char*>(&be), 8);
  }
}

void Encoder::Int(int64_t v) {
  // rdbEncodeInteger: 0xC0 int8, 0xC1 int16 LE, 0xC2 int32 LE; wider values as decimal text.
  if (v >= -128 && v <= 127) {
    out_->push_back(static_cast<char>(0xC0));
    out_->push_back(static_cast<char>(v));
  } else if (v >= -32768 && v <= 32767) {
    out_->push_back(static_cast<char>(0xC1));
    PutLE(out_, static_cast<uint64_t>(v), 2);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out_->push_back(static_cast<char>(0xC2));
    PutLE(out_, static_cast<uint64_t>(v), 4);
  } else {
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    Len(n);
    out_->append(buf, n);
  }
}

void Encoder::Blob(std::string_view s) {
  // rdbSaveLzfStringObject: worth it only when at least 4 bytes are saved.
  if (compress_ && s.size() > 20 && s.size() <= UINT32_MAX) {
    std::string& buf = TlsScratch().lzf;
    size_t cap = s.size() - 4;
    if (buf.size() < cap) buf.resize(cap);
    size_t n = LzfCompress(s.data(), s.size(), buf.data(), cap);
    if (n > 0) {
      out_->push_back(static_cast<char>(0xC3));
      Len(n);
      Len(s.size());
      out_->append(buf.data(), n);
    }
    if (buf.size() > kKeepScratch) std::string().swap(buf);  // one huge value: give it back
    if (n > 0) return;
  }
  Len(s.size());
  out_->append(s);
}

void Encoder::String(std::string_view s) {
  // rdbTryIntegerEncoding: a canonical integer of 32 bits or less is stored as one.
  if (s.size() <= 11)
    if (auto v = ParseInt64(s); v && *v >= INT32_MIN && *v <= INT32_MAX) return Int(*v);
  Blob(s);
}

void Encoder::BinaryDouble(double d) {
  uint64_t bits;
  memcpy(&bits, &d, 8);
  PutLE(out_, bits, 8);
}

// ---------------------------------------------------------------------------------------------
// Values

namespace {

// Cuts a list into quicklist nodes: fn(count, plain) per node, in order.
template <typename F>
void CutNodes(const List& l, F&& fn) {
  size_t bytes = 7, count = 0;
  for (auto it = l.IterAt(0, false); it.valid(); it.Next()) {
    ListElem e = it.Get();
    if (!e.is_int && e.str.size() >= kPlainThreshold) {
      if (count) fn(count, false);
      fn(1, true);
      bytes = 7;
      count = 0;
      continue;
    }
    size_t sz = e.is_int ? LpWriter::IntEntrySize(e.num) : LpWriter::StrEntrySize(e.str.size());
    if (count && bytes + sz > kListNodeBytes) {
      fn(count, false);
      bytes = 7;
      count = 0;
    }
    bytes += sz;
    ++count;
  }
  if (count) fn(count, false);
}

void SaveList(Encoder& enc, const List& l) {
  uint64_t nodes = 0;
  CutNodes(l, [&](size_t, bool) { ++nodes; });
  enc.Len(nodes);
  LpWriter& lp = TlsScratch().lp;
  auto it = l.IterAt(0, false);
  CutNodes(l, [&](size_t count, bool plain) {
    if (plain) {
      enc.Len(kContainerPlain);
      enc.Blob(it.Get().str);
      it.Next();
      return;
    }
    lp.Reset();
    for (size_t i = 0; i < count; ++i, it.Next()) {
      ListElem e = it.Get();
      if (e.is_int) {
        lp.AppendInt(e.num);
      } else {
        lp.AppendStr(e.str);
      }
    }
    enc.Len(kContainerPacked);
    enc.Blob(lp.Finish());
  });
}

void SaveIntset(Encoder& enc, const SetObject& s) {
  int64_t lo = 0, hi = 0;
  s.ForEach([&](const SetMember& m) {
    lo = std::min(lo, m.num);
    hi = std::max(hi, m.num);
  });
  uint32_t width = 2;
  if (lo < INT16_MIN || hi > INT16_MAX) width = 4;
  if (lo < INT32_MIN || hi > INT32_MAX) width = 8;
  std::string& blob = TlsScratch().blob;
  blob.clear();
  PutLE(&blob, width, 4);
  PutLE(&blob, s.size(), 4);
  s.ForEach([&](const SetMember& m) { PutLE(&blob, static_cast<uint64_t>(m.num), width); });
  enc.Blob(blob);
}

void RawId(std::string* out, StreamID id) {
  uint64_t be[2] = {__builtin_bswap64(id.ms), __builtin_bswap64(id.seq)};
  out->append(reinterpret_cast<const char*>(be), 16);
}

void Id(Encoder& enc, StreamID id) {
  enc.Len(id.ms);
  enc.Len(id.seq);
}

// RDB_TYPE_STREAM_LISTPACKS_2, as Redis 7.0's rdbSaveObject writes it.
void SaveStream(Encoder& enc, const Stream& s) {
  std::string raw;
  enc.Len(s.raw_nodes().size());
  for (const auto& [master, lp] : s.raw_nodes()) {
    raw.clear();
    RawId(&raw, master);
    enc.String(raw);
    enc.Blob(lp);
  }
  enc.Len(s.length());
  Id(enc, s.last_id());
  Id(enc, s.first_id());
  Id(enc, s.max_deleted_id());
  enc.Len(s.entries_added());
  enc.Len(s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    enc.String(name);
    Id(enc, g->last_id);
    enc.Len(static_cast<uint64_t>(g->entries_read));
    enc.Len(g->pel.size());
    raw.clear();
    for (const auto& [id, nack] : g->pel) {
      RawId(&raw, id);
      PutLE(&raw, static_cast<uint64_t>(nack.delivery_time), 8);
      enc.Raw(raw);
      raw.clear();
      enc.Len(nack.delivery_count);
    }
    enc.Len(g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      enc.String(cname);
      PutLE(&raw, static_cast<uint64_t>(c->seen_time), 8);
      enc.Raw(raw);
      raw.clear();
      enc.Len(c->pel.size());
      for (StreamID id : c->pel) RawId(&raw, id);
      enc.Raw(raw);
      raw.clear();
    }
  }
}

// Tessera's STREAM_PRODUCERS opcode for a stream with idempotent-producer state.
template <typename V>
void SaveProducers(Encoder& enc, const V& v) {
  const tessera::Object* o = v.object();
  if (!o || o->type() != ValueType::kStream) return;
  const auto& producers = static_cast<const Stream&>(*o).producers();
  if (!producers.empty()) enc.StreamProducers(producers);
}

template <typename V>
uint8_t TypeOf(const V& v) {
  const tessera::Object* o = v.object();
  if (!o) return kTypeString;
  switch (o->type()) {
    case ValueType::kList:
      return kTypeListQuicklist2;
    case ValueType::kSet:
      return static_cast<const SetObject&>(*o).is_intset() ? kTypeSetIntset : kTypeSet;
    case ValueType::kZSet:
      return static_cast<const ZSet&>(*o).is_listpack() ? kTypeZSetListpack : kTypeZSet2;
    case ValueType::kHash:
      return static_cast<const HashObject&>(*o).is_listpack() ? kTypeHashListpack : kTypeHash;
    case ValueType::kStream:
      return kTypeStreamListpacks2;
    case ValueType::kString:
      break;
  }
  return kTypeString;  // no other object type exists
}

template <typename V>
void SaveBody(Encoder& enc, const V& v) {
  const tessera::Object* o = v.object();
  if (!o) {
    if (v.is_int()) return enc.Int(v.int_value());
    return enc.String(*v.BytesView());
  }
  switch (o->type()) {
    case ValueType::kList:
      return SaveList(enc, static_cast<const List&>(*o));
    case ValueType::kSet: {
      const auto& s = static_cast<const SetObject&>(*o);
      if (s.is_intset()) return SaveIntset(enc, s);
      enc.Len(s.size());
      s.ForEach([&](const SetMember& m) { enc.String(m.str); });
      return;
    }
    case ValueType::kZSet: {
      const auto& z = static_cast<const ZSet&>(*o);
      if (z.is_listpack()) {
        LpWriter& lp = TlsScratch().lp;
        lp.Reset();
        char buf[64];
        for (auto it = z.At(0); it.valid(); it.Next()) {
          lp.Append(it.member());
          lp.Append(std::string_view(buf, D2String(buf, sizeof buf, it.score())));
        }
        return enc.Blob(lp.Finish());
      }
      // Greatest first, as Redis writes them (a loader inserting at the head does O(1) work).
      enc.Len(z.size());
      if (z.empty()) return;
      for (auto it = z.At(z.size() - 1); it.valid(); it.Prev()) {
        enc.String(it.member());
        enc.BinaryDouble(it.score());
      }
      return;
    }
    case ValueType::kHash: {
      const auto& h = static_cast<const HashObject&>(*o);
      if (h.is_listpack()) {
        LpWriter& lp = TlsScratch().lp;
        lp.Reset();
        h.ForEach([&](std::string_view f, std::string_view val) {
          lp.Append(f);
          lp.Append(val);
        });
        return enc.Blob(lp.Finish());
      }
      enc.Len(h.size());
      h.ForEach([&](std::string_view f, std::string_view val) {
        enc.String(f);
        enc.String(val);
      });
      return;
    }
    case ValueType::kStream:
      return SaveStream(enc, static_cast<const Stream&>(*o));
    case ValueType::kString:
      break;
  }
  enc.Len(0);  // an empty string, matching TypeOf
}

template <typename V>
std::string Dump(const V& v) {
  std::string out;
  Encoder enc(&out, true);
  enc.Object(v);
  PutLE(&out, kVersion, 2);
  PutLE(&out, Crc64(0, out.data(), out.size()), 8);
  return out;
}

}  // namespace

void Encoder::Header() {
  char buf[16];
  snprintf(buf, sizeof buf, "REDIS%04d", kVersion);
  out_->append(buf, 9);
}

void Encoder::Aux(std::string_view key, std::string_view value) {
  out_->push_back(static_cast<char>(kOpAux));
  String(key);
  String(value);
}

void Encoder::SelectDb(int db) {
  out_->push_back(static_cast<char>(kOpSelectDb));
  Len(static_cast<uint64_t>(db));
}

void Encoder::ResizeDb(uint64_t keys, uint64_t expires) {
  out_->push_back(static_cast<char>(kOpResizeDb));
  Len(keys);
  Len(expires);
}

void Encoder::Idle(uint64_t seconds) {
  out_->push_back(static_cast<char>(kOpIdle));
  Len(seconds);
}

void Encoder::Freq(uint8_t counter) {
  out_->push_back(static_cast<char>(kOpFreq));
  out_->push_back(static_cast<char>(counter));
}

void Encoder::McFlags(uint32_t flags) {
  out_->push_back(static_cast<char>(kOpMcFlags));
  PutLE(out_, flags, 4);
}

void Encoder::StreamProducers(const std::map<std::string, StreamProducer>& producers) {
  out_->push_back(static_cast<char>(kOpStreamProducers));
  Len(producers.size());
  for (const auto& [name, p] : producers) {
    String(name);
    Len(p.seq);
    Len(p.id.ms);
    Len(p.id.seq);
  }
}

void Encoder::KeyValue(std::string_view key, const Entry& e, int64_t expire_ms) {
  if (e.mc_flags() != 0) McFlags(e.mc_flags());
  SaveProducers(*this, e);
  if (expire_ms >= 0) {
    out_->push_back(static_cast<char>(kOpExpireTimeMs));
    PutLE(out_, static_cast<uint64_t>(expire_ms), 8);
  }
  out_->push_back(static_cast<char>(TypeOf(e)));
  String(key);
  SaveBody(*this, e);
}

void Encoder::KeyValue(std::string_view key, const Value& v, int64_t expire_ms) {
  SaveProducers(*this, v);
  if (expire_ms >= 0) {
    out_->push_back(static_cast<char>(kOpExpireTimeMs));
    PutLE(out_, static_cast<uint64_t>(expire_ms), 8);
  }
  out_->push_back(static_cast<char>(TypeOf(v)));
  String(key);
  SaveBody(*this, v);
}

void Encoder::Object(const Entry& e) {
  out_->push_back(static_cast<char>(TypeOf(e)));
  SaveBody(*this, e);
}

void Encoder::Object(const Value& v) {
  out_->push_back(static_cast<char>(TypeOf(v)));
  SaveBody(*this, v);
}

void Encoder::Eof() { out_->push_back(static_cast<char>(kOpEof)); }

std::string DumpPayload(const Entry& e) { return Dump(e); }
std::string DumpPayload(const Value& v) { return Dump(v); }

std::optional<uint32_t> AccessClock(const EvictionConfig& cfg, std::optional<uint64_t> idle_s,
                                    std::optional<uint8_t> freq, int64_t now_ms) {
  if (cfg.lfu()) {
    if (!freq) return std::nullopt;
    return (LfuMinutes(now_ms) << 8) | *freq;
  }
  if (cfg.fifo() || !idle_s) return std::nullopt;
  // The LRU clock counts 10 ms units in 32 bits; an idle time beyond half its range is clamped
  // there (Redis puts an underflowing one half-way round its clock, too).
  constexpr uint64_t kMaxUnits = (uint64_t{1} << 31) - 1;
  uint64_t units = *idle_s > kMaxUnits / 100 ? kMaxUnits : *idle_s * 100;
  return static_cast<uint32_t>(LruClock(now_ms) - static_cast<uint32_t>(units));
}

}  // namespace tessera::rdb
