#include "persist/wal.h"

#include <cstring>

#include "base/crc32c.h"
#include "base/varint.h"

namespace tessera::wal {
namespace {

void PutU32(char* p, uint32_t v) { memcpy(p, &v, 4); }
uint32_t GetU32(const char* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

void PutVar(std::string* out, uint64_t v) {
  char tmp[10];
  out->append(tmp, PutVarint(tmp, v) - tmp);
}

void PutBytes(std::string* out, std::string_view s) {
  PutVar(out, s.size());
  out->append(s);
}

// Reserves the frame, returns its offset; Seal fills it in once the payload is appended.
size_t Open(std::string* out) {
  size_t at = out->size();
  out->append(kFrameBytes, '\0');
  return at;
}

void Seal(std::string* out, size_t at) {
  char* p = out->data() + at;
  uint32_t len = static_cast<uint32_t>(out->size() - at - kFrameBytes);
  PutU32(p, len);
  PutU32(p + 4, Crc32c(0, p, 4));
  PutU32(p + 8, Crc32c(0, p + kFrameBytes, len));
}

void PutPrefix(std::string* out, Type type, int db, int64_t time_ms) {
  out->push_back(static_cast<char>(type));
  PutVar(out, static_cast<uint64_t>(db + 1));
  PutVar(out, static_cast<uint64_t>(time_ms < 0 ? 0 : time_ms));
}

// A bounds-checked cursor over a payload.
struct Cursor {
  const char* p;
  const char* end;
  bool ok = true;

  uint64_t Var() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) break;
      uint8_t b = static_cast<uint8_t>(*p++);
      v |= static_cast<uint64_t>(b & 127) << shift;
      if (!(b & 128)) return v;
    }
    ok = false;
    return 0;
  }
  std::string Bytes() {
    uint64_t n = Var();
    if (!ok || n > static_cast<uint64_t>(end - p)) {
      ok = false;
      return {};
    }
    std::string s(p, n);
    p += n;
    return s;
  }
};

}  // namespace

void AppendCommand(std::string* out, int db, int64_t time_ms, std::span<const std::string> args) {
  size_t at = Open(out);
  PutPrefix(out, Type::kCommand, db, time_ms);
  PutVar(out, args.size());
  for (const std::string& a : args) PutBytes(out, a);
  Seal(out, at);
}

void AppendRecord(std::string* out, const Record& r) {
  if (r.type == Type::kCommand) return AppendCommand(out, r.db, r.time_ms, r.args);
  size_t at = Open(out);
  PutPrefix(out, r.type, r.db, r.time_ms);
  switch (r.type) {
    case Type::kHeader:
      PutVar(out, r.shard);
      PutVar(out, r.shards);
      PutVar(out, r.generation);
      PutVar(out, r.slot_lo);
      PutVar(out, r.slot_hi);
      break;
    case Type::kPut:
      PutBytes(out, r.args.at(0));
      PutVar(out, static_cast<uint64_t>(r.expire_ms + 1));
      PutBytes(out, r.args.at(1));
      if (r.mc_flags >= 0) PutVar(out, static_cast<uint64_t>(r.mc_flags) + 1);
      break;
    case Type::kDel:
      PutBytes(out, r.args.at(0));
      break;
    case Type::kTxn:
      PutVar(out, r.txid);
      PutVar(out, r.parts);
      PutVar(out, r.count);
      break;
    case Type::kSwapDb:
      PutVar(out, static_cast<uint64_t>(r.db2));
      [[fallthrough]];
    case Type::kFlush:
      PutVar(out, r.slot_lo);
      PutVar(out, r.slot_hi);
      break;
    case Type::kCommand:
      break;
  }
  Seal(out, at);
}

Reader::~Reader() {
  if (f_) fclose(f_);
}

bool Reader::Open(const std::string& path, std::string* err) {
  f_ = fopen(path.c_str(), "rb");
  if (!f_) {
    *err = "Can't open " + path + ": " + strerror(errno);
    return false;
  }
  if (!Fill(kMagic.size())) {
    torn_at_open_ = true;  // created, then the crash came before the magic was complete
    return true;
  }
  if (std::string_view(buf_.data(), kMagic.size()) != kMagic) {
    *err = path + " is not a Tessera log (bad magic)";
    return false;
  }
  pos_ = kMagic.size();
  return true;
}

bool Reader::Fill(size_t need) {
  if (buf_.size() - pos_ >= need) return true;
  // Drop what was consumed, then read until `need` bytes are there or the file ends.
  buf_offset_ += pos_;
  buf_.erase(0, pos_);
  pos_ = 0;
  size_t want = std::max<size_t>(need, 1 << 20);
  while (buf_.size() < need) {
    size_t have = buf_.size();
    buf_.resize(have + want);
    size_t n = fread(buf_.data() + have, 1, want, f_);
    buf_.resize(have + n);
    if (n == 0) {
      if (ferror(f_)) read_errno_ = errno ? errno : EIO;
      return false;
    }
  }
  return true;
}

bool Reader::ZeroTail() {
  constexpr size_t kMax = 16 << 20;
  while (Fill(buf_.size() - pos_ + 1)) {
    if (buf_.size() - pos_ > kMax) return false;
  }
  if (read_errno_) return false;
  for (size_t i = pos_; i < buf_.size(); ++i)
    if (buf_[i] != 0) return false;
  return true;
}

Reader::Status Reader::Next(Record* r) {
  record_start_ = buf_offset_ + pos_;
  auto ended = [&](Status st) {
    if (read_errno_) {
      error_ = strerror(read_errno_);
      return Status::kIoError;
    }
    return st;
  };
  auto bad = [&](const char* why) {
    if (ZeroTail()) return Status::kTorn;
    if (read_errno_) return ended(Status::kCorrupt);
    error_ = why;
    return Status::kCorrupt;
  };
  if (torn_at_open_) return ended(Status::kTorn);
  if (!Fill(1)) return ended(Status::kEnd);
  if (!Fill(kFrameBytes)) return ended(Status::kTorn);
  const char* h = buf_.data() + pos_;
  uint32_t len = GetU32(h);
  if (GetU32(h + 4) != Crc32c(0, h, 4) || len > kMaxRecord) return bad("damaged record length");
  uint32_t crc = GetU32(h + 8);
  if (!Fill(kFrameBytes + len)) return ended(Status::kTorn);
  std::string_view payload(buf_.data() + pos_ + kFrameBytes, len);
  if (Crc32c(0, payload.data(), payload.size()) != crc) return bad("checksum mismatch");
  if (!Parse(payload, r)) {
    error_ = "malformed record";
    return Status::kCorrupt;
  }
  pos_ += kFrameBytes + len;
  return Status::kRecord;
}

bool Reader::Parse(std::string_view payload, Record* r) {
  Cursor c{payload.data(), payload.data() + payload.size()};
  if (payload.empty()) return false;
  *r = Record();
  r->type = static_cast<Type>(*c.p++);
  r->db = static_cast<int>(c.Var()) - 1;
  r->time_ms = static_cast<int64_t>(c.Var());
  switch (r->type) {
    case Type::kHeader:
      r->shard = c.Var();
      r->shards = c.Var();
      r->generation = c.Var();
      r->slot_lo = static_cast<uint16_t>(c.Var());
      r->slot_hi = static_cast<uint16_t>(c.Var());
      break;
    case Type::kCommand: {
      uint64_t argc = c.Var();
      // Each argument takes at least one byte: a count beyond that is damage.
      if (!c.ok || argc == 0 || argc > payload.size()) return false;
      r->args.reserve(argc);
      for (uint64_t i = 0; i < argc && c.ok; ++i) r->args.push_back(c.Bytes());
      break;
    }
    case Type::kPut:
      r->args.push_back(c.Bytes());
      r->expire_ms = static_cast<int64_t>(c.Var()) - 1;
      r->args.push_back(c.Bytes());
      if (c.ok && c.p < c.end) r->mc_flags = static_cast<int64_t>(c.Var()) - 1;
      break;
    case Type::kDel:
      r->args.push_back(c.Bytes());
      break;
    case Type::kTxn:
      r->txid = c.Var();
      r->parts = c.Var();
      r->count = c.Var();
      break;
    case Type::kSwapDb:
      r->db2 = static_cast<int>(c.Var());
      [[fallthrough]];
    case Type::kFlush:
      r->slot_lo = static_cast<uint16_t>(c.Var());
      r->slot_hi = static_cast<uint16_t>(c.Var());
      break;
    default:
      return false;
  }
  return c.ok && c.p == c.end;
}

}  // namespace tessera::wal
