// RDB reading: a buffered input (memory or file), the value parser for every encoding Redis 7.0
// loads (plain, ziplist, zipmap, intset, listpack, quicklist), DUMP payloads and LoadFile.
//
// Safety: every length is checked against the bytes left before anything is allocated for it
// (an LZF string's claimed size against what its compressed bytes really decode to), every
// blob (listpack, ziplist, intset, zipmap) is walked with bounds checks on each entry, and
// every loop consumes input, so any byte string ends in a value or an error.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <memory>

#include "base/strings.h"
#include "core/hash.h"
#include "core/list.h"
#include "core/set.h"
#include "core/stream.h"
#include "core/zset.h"
#include "persist/lzf.h"
#include "persist/rdb.h"

namespace tessera::rdb {
namespace {

constexpr size_t kFileBuffer = 1 << 20;
constexpr uint64_t kProgressEvery = 4 << 20;
// Upper bound of a presized table: a count is only a claim until the elements are read.
constexpr size_t kMaxReserve = 1 << 20;

inline const uint8_t* U8(const char* p) { return reinterpret_cast<const uint8_t*>(p); }
inline uint64_t LoadLE(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
inline int64_t SignExtend(uint64_t v, int bits) {
  uint64_t m = uint64_t{1} << (bits - 1);
  v &= (bits == 64) ? ~uint64_t{0} : ((uint64_t{1} << bits) - 1);
  return static_cast<int64_t>((v ^ m) - m);
}

// ---------------------------------------------------------------------------------------------
// Input

// Bytes in: a memory view, or a file read through a 1 MiB buffer (reads of half the buffer or
// more go straight to their destination). Offsets are absolute. For a file, the CRC-64 of
// every byte consumed is kept as the buffer is refilled.
class Input {
 public:
  explicit Input(std::string_view mem)
      : p_(U8(mem.data())), end_(p_ + mem.size()), start_(p_), total_(mem.size()) {}
  Input(int fd, uint64_t size) : fd_(fd), total_(size), buf_(new uint8_t[kFileBuffer]) {
    p_ = end_ = start_ = crc_from_ = buf_.get();
  }
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;

  uint64_t offset() const { return base_ + static_cast<uint64_t>(p_ - start_); }
  uint64_t remaining() const { return total_ > offset() ? total_ - offset() : 0; }
  const std::string& io_error() const { return io_error_; }

  bool Byte(uint8_t* b) {
    if (p_ < end_) {
      *b = *p_++;
      return true;
    }
    return Read(b, 1);
  }
  bool Read(void* dst, size_t n) {
    if (static_cast<size_t>(end_ - p_) >= n) {
      memcpy(dst, p_, n);
      p_ += n;
      return true;
    }
    return ReadSlow(static_cast<uint8_t*>(dst), n);
  }
  // CRC-64 of everything consumed so far (files only).
  uint64_t Crc() {
    FlushCrc();
    return crc_;
  }

 private:
  void FlushCrc() {
    if (fd_ >= 0 && crc_from_ < p_) {
      crc_ = Crc64(crc_, crc_from_, static_cast<size_t>(p_ - crc_from_));
      crc_from_ = p_;
    }
  }
  bool ReadSlow(uint8_t* dst, size_t n) {
    if (fd_ < 0 || n > remaining()) return false;
    size_t avail = static_cast<size_t>(end_ - p_);
    memcpy(dst, p_, avail);
    p_ += avail;
    dst += avail;
    n -= avail;
    if (n >= kFileBuffer / 2) {
      FlushCrc();
      base_ += static_cast<uint64_t>(p_ - start_);
      p_ = end_ = crc_from_ = start_;
      if (!ReadFully(dst, n)) return false;
      crc_ = Crc64(crc_, dst, n);
      base_ += n;
      return true;
    }
    while (n > 0) {
      if (!Refill()) return false;
      size_t k = std::min(n, static_cast<size_t>(end_ - p_));
      memcpy(dst, p_, k);
      p_ += k;
      dst += k;
      n -= k;
    }
    return true;
  }
  bool Refill() {
    FlushCrc();
    size_t keep = static_cast<size_t>(end_ - p_);
    memmove(buf_.get(), p_, keep);
    base_ += static_cast<uint64_t>(p_ - start_);
    p_ = crc_from_ = start_;
    end_ = start_ + keep;
    uint8_t* fill = buf_.get() + keep;
    uint64_t left = total_ - (base_ + keep);
    size_t want = static_cast<size_t>(std::min<uint64_t>(kFileBuffer - keep, left));
    if (want == 0) return false;
    size_t got = 0;
    if (!ReadSome(fill, want, &got)) return false;
    end_ += got;
    return true;
  }
  bool ReadSome(uint8_t* dst, size_t n, size_t* got) {
    for (;;) {
      ssize_t r = ::read(fd_, dst, n);
      if (r > 0) {
        *got = static_cast<size_t>(r);
        return true;
      }
      if (r < 0 && errno == EINTR) continue;
      io_error_ = r == 0 ? "file shrank while reading" : std::string("read: ") + strerror(errno);
      return false;
    }
  }
  bool ReadFully(uint8_t* dst, size_t n) {
    while (n > 0) {
      size_t got = 0;
      if (!ReadSome(dst, n, &got)) return false;
      dst += got;
      n -= got;
    }
    return true;
  }

  const uint8_t* p_;
  const uint8_t* end_;
  const uint8_t* start_;  // the buffer (or the memory view)
  int fd_ = -1;
  uint64_t base_ = 0;  // offset of start_
  uint64_t total_;
  std::unique_ptr<uint8_t[]> buf_;
  const uint8_t* crc_from_ = nullptr;
  uint64_t crc_ = 0;
  std::string io_error_;
};

// ---------------------------------------------------------------------------------------------
// Blobs: listpack, ziplist, intset, zipmap

// One element of a listpack or ziplist: an integer or bytes (pointing into the blob).
struct Elem {
  std::string_view str;
  int64_t num = 0;
  bool is_int = false;

  static Elem Int(int64_t v) {
    Elem e;
    e.num = v;
    e.is_int = true;
    return e;
  }
  // The element's bytes (an integer printed into buf).
  std::string_view View(char (&buf)[24]) const {
    if (!is_int) return str;
    int n = snprintf(buf, sizeof buf, "%lld", static_cast<long long>(num));
    return std::string_view(buf, static_cast<size_t>(n));
  }
};

bool Bad(std::string* why, const char* msg) {
  *why = msg;
  return false;
}

size_t BacklenSize(size_t l) {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

// Walks a Redis listpack, calling fn(const Elem&) (returning false to stop) per element.
template <typename F>
bool WalkListpack(std::string_view blob, F&& fn, std::string* why) {
  const uint8_t* p = U8(blob.data());
  const size_t size = blob.size();
  if (size < 7) return Bad(why, "listpack shorter than its header");
  if (LoadLE(p, 4) != size) return Bad(why, "listpack total bytes mismatch");
  if (p[size - 1] != 0xFF) return Bad(why, "listpack not terminated");
  const uint64_t hdr_count = LoadLE(p + 4, 2);
  const size_t end = size - 1;
  size_t pos = 6, count = 0;
  while (pos < end) {
    const size_t left = end - pos;
    const uint8_t b = p[pos];
    Elem e;
    size_t hdr, n = 0;
    if ((b & 0x80) == 0) {
      e = Elem::Int(b & 0x7f);
      hdr = 1;
    } else if ((b & 0xC0) == 0x80) {
      hdr = 1, n = b & 0x3f;
    } else if ((b & 0xE0) == 0xC0) {
      if (left < 2) return Bad(why, "listpack entry out of range");
      hdr = 2;
      e = Elem::Int(SignExtend((uint64_t{b & 0x1fu} << 8) | p[pos + 1], 13));
    } else if ((b & 0xF0) == 0xE0) {
      if (left < 2) return Bad(why, "listpack entry out of range");
      hdr = 2, n = (size_t{b & 0x0fu} << 8) | p[pos + 1];
    } else {
      int ib = 0;
      switch (b) {
        case 0xF0:
          if (left < 5) return Bad(why, "listpack entry out of range");
          hdr = 5, n = static_cast<size_t>(LoadLE(p + pos + 1, 4));
          break;
        case 0xF1:
          ib = 2;
          break;
        case 0xF2:
          ib = 3;
          break;
        case 0xF3:
          ib = 4;
          break;
        case 0xF4:
          ib = 8;
          break;
        default:
          return Bad(why, "bad listpack entry encoding");
      }
      if (ib) {
        if (left < static_cast<size_t>(ib) + 1) return Bad(why, "listpack entry out of range");
        hdr = 1 + ib;
        e = Elem::Int(SignExtend(LoadLE(p + pos + 1, ib), ib * 8));
      }
    }
    if (n > left - hdr) return Bad(why, "listpack entry out of range");
    const size_t entry = hdr + n;
    const size_t bl = BacklenSize(entry);
    if (bl > left - entry) return Bad(why, "listpack entry out of range");
    // The back-length: 7-bit groups, most significant first, bit 7 on all but the first.
    const uint8_t* q = p + pos + entry;
    uint64_t back = q[0];
    if (back & 0x80) return Bad(why, "listpack back-length mismatch");
    for (size_t i = 1; i < bl; ++i) {
      if (!(q[i] & 0x80)) return Bad(why, "listpack back-length mismatch");
      back = (back << 7) | (q[i] & 127);
    }
    if (back != entry) return Bad(why, "listpack back-length mismatch");
    if (!e.is_int) e.str = std::string_view(blob.data() + pos + hdr, n);
    pos += entry + bl;
    ++count;
    if (!fn(e)) return false;
  }
  if (hdr_count != 65535 && hdr_count != count) return Bad(why, "listpack element count mismatch");
  return true;
}

// Walks a Redis ziplist (RDB versions before 10), as WalkListpack.
template <typename F>
bool WalkZiplist(std::string_view blob, F&& fn, std::string* why) {
  const uint8_t* p = U8(blob.data());
  const size_t size = blob.size();
  constexpr size_t kHeader = 10;
  if (size < kHeader + 1) return Bad(why, "ziplist shorter than its header");
  if (LoadLE(p, 4) != size) return Bad(why, "ziplist total bytes mismatch");
  if (p[size - 1] != 0xFF) return Bad(why, "ziplist not terminated");
  const uint64_t tail = LoadLE(p + 4, 4);
  const uint64_t hdr_count = LoadLE(p + 8, 2);
  const size_t end = size - 1;
  size_t pos = kHeader, count = 0, last = kHeader, prev_raw = 0;
  while (pos < end) {
    size_t left = end - pos;
    size_t pl;
    uint64_t prevlen;
    if (p[pos] < 254) {
      pl = 1, prevlen = p[pos];
    } else if (p[pos] == 254) {
      if (left < 5) return Bad(why, "ziplist entry out of range");
      pl = 5, prevlen = LoadLE(p + pos + 1, 4);
    } else {
      return Bad(why, "ziplist end marker before its end");
    }
    if (prevlen != prev_raw) return Bad(why, "ziplist previous-length mismatch");
    if (left < pl + 1) return Bad(why, "ziplist entry out of range");
    left -= pl;
    const size_t e = pos + pl;
    const uint8_t enc = p[e];
    Elem el;
    size_t hdr, n = 0;
    switch (enc >> 6) {
      case 0:
        hdr = 1, n = enc & 0x3f;
        break;
      case 1:
        if (left < 2) return Bad(why, "ziplist entry out of range");
        hdr = 2, n = (size_t{enc & 0x3fu} << 8) | p[e + 1];
        break;
      case 2:
        if (left < 5) return Bad(why, "ziplist entry out of range");
        hdr = 5;
        n = (size_t{p[e + 1]} << 24) | (size_t{p[e + 2]} << 16) | (size_t{p[e + 3]} << 8) |
            p[e + 4];
        break;
      default: {
        int ib = 0;
        if (enc == 0xC0) {
          ib = 2;
        } else if (enc == 0xD0) {
          ib = 4;
        } else if (enc == 0xE0) {
          ib = 8;
        } else if (enc == 0xF0) {
          ib = 3;
        } else if (enc == 0xFE) {
          ib = 1;
        } else if (enc >= 0xF1 && enc <= 0xFD) {
          el = Elem::Int((enc & 0x0f) - 1);
        } else {
          return Bad(why, "bad ziplist entry encoding");
        }
        hdr = 1 + ib;
        if (left < hdr) return Bad(why, "ziplist entry out of range");
        if (ib) el = Elem::Int(SignExtend(LoadLE(p + e + 1, ib), ib * 8));
      }
    }
    if (n > left - hdr) return Bad(why, "ziplist entry out of range");
    if (!el.is_int) el.str = std::string_view(blob.data() + e + hdr, n);
    prev_raw = pl + hdr + n;
    last = pos;
    pos += prev_raw;
    ++count;
    if (!fn(el)) return false;
  }
  if (tail != last) return Bad(why, "ziplist tail offset mismatch");
  if (hdr_count != 65535 && hdr_count != count) return Bad(why, "ziplist element count mismatch");
  return true;
}

// Walks an intset (u32 width 2/4/8, u32 count, values little-endian, strictly ascending).
template <typename F>
bool WalkIntset(std::string_view blob, F&& fn, std::string* why) {
  const uint8_t* p = U8(blob.data());
  if (blob.size() < 8) return Bad(why, "intset shorter than its header");
  const uint64_t width = LoadLE(p, 4), count = LoadLE(p + 4, 4);
  if (width != 2 && width != 4 && width != 8) return Bad(why, "bad intset encoding");
  if (8 + count * width != blob.size()) return Bad(why, "intset size mismatch");
  int64_t prev = 0;
  for (uint64_t i = 0; i < count; ++i) {
    int w = static_cast<int>(width);
    int64_t v = SignExtend(LoadLE(p + 8 + i * width, w), w * 8);
    if (i > 0 && v <= prev) return Bad(why, "intset not sorted");
    prev = v;
    if (!fn(v)) return false;
  }
  return true;
}

// Walks a zipmap (Redis before 2.6): u8 count (254+ = unknown), then
// len key len free value [free bytes] per pair, lengths of 1 byte (< 254) or 254 + u32 LE,
// then 0xFF. fn(field, value).
template <typename F>
bool WalkZipmap(std::string_view blob, F&& fn, std::string* why) {
  const uint8_t* p = U8(blob.data());
  const size_t size = blob.size();
  if (size < 2) return Bad(why, "zipmap too short");
  size_t pos = 1, count = 0;
  auto read_len = [&](uint64_t* len) {
    if (pos >= size) return false;
    if (p[pos] < 254) {
      *len = p[pos++];
      return true;
    }
    if (p[pos] == 254 && size - pos >= 5) {
      *len = LoadLE(p + pos + 1, 4);
      pos += 5;
      return true;
    }
    return false;
  };
  for (;;) {
    if (pos >= size) return Bad(why, "zipmap not terminated");
    if (p[pos] == 255) {
      ++pos;
      break;
    }
    uint64_t klen, vlen;
    if (!read_len(&klen) || klen > size - pos) return Bad(why, "zipmap entry out of range");
    std::string_view key(blob.data() + pos, klen);
    pos += klen;
    if (!read_len(&vlen) || pos >= size) return Bad(why, "zipmap entry out of range");
    uint64_t free = p[pos++];
    if (vlen > size - pos || free > size - pos - vlen) return Bad(why, "zipmap entry out of range");
    std::string_view value(blob.data() + pos, vlen);
    pos += vlen + free;
    ++count;
    if (!fn(key, value)) return false;
  }
  if (pos != size) return Bad(why, "zipmap has bytes after its end");
  if (p[0] < 254 && p[0] != count) return Bad(why, "zipmap element count mismatch");
  return true;
}

// ---------------------------------------------------------------------------------------------
// Parser

// Reads RDB values from an Input, building Tessera objects for `limits`. The first error is
// kept with its offset; scratch buffers are reused from value to value.
class Parser {
 public:
  Parser(Input* in, const EncodingLimits& limits) : in_(in), lim_(limits) {}

  const std::string& why() const { return why_; }
  uint64_t where() const { return where_; }
  bool unsupported() const { return unsupported_; }

  bool Fail(std::string why) {
    if (why_.empty()) {
      why_ = std::move(why);
      where_ = in_->offset();
    }
    return false;
  }
  bool Truncated() {
    return Fail(in_->io_error().empty() ? "unexpected end of data" : in_->io_error());
  }
  bool Byte(uint8_t* b) { return in_->Byte(b) || Truncated(); }
  bool Bytes(void* dst, size_t n) { return in_->Read(dst, n) || Truncated(); }
  bool LE(uint64_t* v, int bytes) {
    uint8_t b[8];
    if (!Bytes(b, bytes)) return false;
    *v = LoadLE(b, bytes);
    return true;
  }

  // rdbLoadLen. With `encoded` null, a special-encoding byte reads as its 6-bit value (Redis).
  bool Len(uint64_t* len, bool* encoded = nullptr) {
    if (encoded) *encoded = false;
    *len = 0;
    uint8_t b;
    if (!Byte(&b)) return false;
    switch (b >> 6) {
      case 0:
        *len = b & 0x3f;
        return true;
      case 1: {
        uint8_t b2;
        if (!Byte(&b2)) return false;
        *len = (uint64_t{b & 0x3fu} << 8) | b2;
        return true;
      }
      case 2: {
        uint8_t be[8];
        if (b == 0x80) {
          if (!Bytes(be, 4)) return false;
          *len = (uint64_t{be[0]} << 24) | (uint64_t{be[1]} << 16) | (uint64_t{be[2]} << 8) | be[3];
          return true;
        }
        if (b == 0x81) {
          if (!Bytes(be, 8)) return false;
          uint64_t v = 0;
          for (int i = 0; i < 8; ++i) v = (v << 8) | be[i];
          *len = v;
          return true;
        }
        return Fail("unknown length encoding " + std::to_string(b));
      }
      default:
        if (encoded) *encoded = true;
        *len = b & 0x3f;
        return true;
    }
  }

  // A count of elements that each take at least `min_each` bytes: more than the input holds is
  // an error (so nothing is sized from a corrupt count).
  bool Count(uint64_t* n, uint64_t min_each) {
    if (!Len(n)) return false;
    if (*n > in_->remaining() / min_each)
      return Fail("element count " + std::to_string(*n) + " exceeds the data left");
    return true;
  }

  static bool Int(int64_t value, int64_t* v, bool* is_int) {
    *v = value;
    *is_int = true;
    return true;
  }
  // A string in any encoding; an int-encoded one sets *is_int and *v instead of *s.
  bool StrOrInt(std::string* s, int64_t* v, bool* is_int) {
    *is_int = false;
    uint64_t len;
    bool enc;
    if (!Len(&len, &enc)) return false;
    if (enc) {
      uint64_t u;
      switch (len) {
        case 0:
          if (!LE(&u, 1)) return false;
          return Int(SignExtend(u, 8), v, is_int);
        case 1:
          if (!LE(&u, 2)) return false;
          return Int(SignExtend(u, 16), v, is_int);
        case 2:
          if (!LE(&u, 4)) return false;
          return Int(SignExtend(u, 32), v, is_int);
        case 3:
          return Lzf(s);
        default:
          return Fail("unknown string encoding " + std::to_string(len));
      }
    }
    if (len > in_->remaining())
      return Fail("string length " + std::to_string(len) + " exceeds the data left");
    s->resize(len);
    return Bytes(s->data(), len);
  }
  // A string in any encoding, integers printed in decimal.
  bool Str(std::string* s) {
    int64_t v;
    bool is_int;
    if (!StrOrInt(s, &v, &is_int)) return false;
    if (is_int) *s = std::to_string(v);
    return true;
  }

  // Reads a value of RDB type `type` into *out. *empty: it has no elements (Redis skips such a
  // key in a file and refuses it in RESTORE); *out is then left alone.
  bool Object(int type, Value* out, bool* empty);

 private:
  bool Lzf(std::string* s) {
    uint64_t clen, len;
    if (!Len(&clen) || !Len(&len)) return false;
    if (clen > in_->remaining())
      return Fail("LZF length " + std::to_string(clen) + " exceeds the data left");
    lzf_.resize(clen);
    if (!Bytes(lzf_.data(), clen)) return false;
    if (LzfDecompressedSize(lzf_.data(), clen) != len) return Fail("invalid LZF compressed string");
    s->resize(len);
    if (len > 0 && LzfDecompress(lzf_.data(), clen, s->data(), len) != len)
      return Fail("invalid LZF compressed string");
    return true;
  }
  bool Blob() { return Str(&blob_); }
  bool BlobError(const std::string& what) { return Fail(what); }

  bool StringValue(Value* out);
  bool PlainList(Value* out, bool* empty);
  bool PlainSet(Value* out, bool* empty);
  bool PlainZSet(int type, Value* out, bool* empty);
  bool PlainHash(Value* out, bool* empty);
  bool ListFromBlobs(int type, Value* out, bool* empty);
  bool SetFromBlob(int type, Value* out, bool* empty);
  bool ZSetFromBlob(int type, Value* out, bool* empty);
  bool HashFromBlob(int type, Value* out, bool* empty);
  bool StreamValue(int type, Value* out);
  bool StreamId(StreamID* id) { return Len(&id->ms) && Len(&id->seq); }
  bool RawStreamId(StreamID* id) {
    uint8_t b[16];
    if (!Bytes(b, 16)) return false;
    id->ms = __builtin_bswap64(LoadLE(b, 8));
    id->seq = __builtin_bswap64(LoadLE(b + 8, 8));
    return true;
  }

 public:
  // The body of Tessera's STREAM_PRODUCERS opcode.
  bool Producers(std::map<std::string, StreamProducer>* out);

 private:
  // Old ZSET (type 3) scores: u8 length, then ASCII; 253 NaN, 254 +inf, 255 -inf.
  bool StrDouble(double* d) {
    uint8_t n;
    if (!Byte(&n)) return false;
    if (n >= 253) {
      *d = n == 253 ? NAN : n == 254 ? INFINITY : -INFINITY;
      return true;
    }
    char buf[256];
    if (!Bytes(buf, n)) return false;
    auto v = ParseDouble(std::string_view(buf, n));
    if (!v) return Fail("bad zset score");
    *d = *v;
    return true;
  }
  bool ElemScore(const Elem& e, double* d) {
    if (e.is_int) {
      *d = static_cast<double>(e.num);
      return true;
    }
    auto v = ParseDouble(e.str);
    if (!v) return Fail("bad zset score in a packed zset");
    *d = *v;
    return true;
  }
  bool AddZ(ZSet* z, std::string_view member, double score) {
    if (std::isnan(score)) return Fail("zset with a NaN score");
    int r = z->Add(member, score, 0, lim_);
    if (!(r & kZAddAdded)) return Fail("duplicate zset member");
    return true;
  }
  bool AddH(HashObject* h, std::string_view f, std::string_view v) {
    if (!h->Set(f, v, lim_)) return Fail("duplicate hash field");
    return true;
  }
  bool AddS(SetObject* s, const Elem& e) {
    bool added = e.is_int ? s->AddInt(e.num, lim_.set_max_intset_entries)
                          : s->Add(e.str, lim_.set_max_intset_entries);
    if (!added) return Fail("duplicate set member");
    return true;
  }
  bool PushL(List* l, const Elem& e) {
    char buf[24];
    std::string_view s = e.View(buf);
    if (s.size() > List::kMaxElementSize) return Fail("list element too big");
    l->PushBack(s);
    return true;
  }

  Input* in_;
  const EncodingLimits& lim_;
  std::string why_;
  uint64_t where_ = 0;
  bool unsupported_ = false;
  std::string s1_, s2_, blob_, lzf_;
};

bool Parser::StringValue(Value* out) {
  int64_t v;
  bool is_int;
  if (!StrOrInt(&s1_, &v, &is_int)) return false;
  *out = is_int ? Value::FromInt(v) : Value::FromString(s1_);
  return true;
}

bool Parser::PlainList(Value* out, bool* empty) {
  uint64_t n;
  if (!Count(&n, 1)) return false;
  auto l = std::make_unique<List>(lim_.list_max_listpack_size);
  for (uint64_t i = 0; i < n; ++i) {
    if (!Str(&s1_)) return false;
    if (s1_.size() > List::kMaxElementSize) return Fail("list element too big");
    l->PushBack(s1_);
  }
  *empty = l->empty();
  if (!*empty) *out = Value::FromObject(std::move(l));
  return true;
}

bool Parser::PlainSet(Value* out, bool* empty) {
  uint64_t n;
  if (!Count(&n, 1)) return false;
  auto s = std::make_unique<SetObject>();
  if (n > lim_.set_max_intset_entries) s->ConvertToHashtable();
  for (uint64_t i = 0; i < n; ++i) {
    Elem e;
    if (!StrOrInt(&s1_, &e.num, &e.is_int)) return false;
    if (!e.is_int) e.str = s1_;
    if (!AddS(s.get(), e)) return false;
  }
  *empty = s->empty();
  if (!*empty) *out = Value::FromObject(std::move(s));
  return true;
}

bool Parser::PlainZSet(int type, Value* out, bool* empty) {
  uint64_t n;
  if (!Count(&n, type == kTypeZSet2 ? 9 : 2)) return false;
  bool big = n > lim_.zset_max_listpack_entries;
  auto z = std::make_unique<ZSet>(big);
  if (big) z->Reserve(std::min<uint64_t>(n, kMaxReserve));
  for (uint64_t i = 0; i < n; ++i) {
    if (!Str(&s1_)) return false;
    double score;
    if (type == kTypeZSet2) {
      uint64_t bits;
      if (!LE(&bits, 8)) return false;
      memcpy(&score, &bits, 8);
    } else if (!StrDouble(&score)) {
      return false;
    }
    if (!AddZ(z.get(), s1_, score)) return false;
  }
  *empty = z->empty();
  if (!*empty) *out = Value::FromObject(std::move(z));
  return true;
}

bool Parser::PlainHash(Value* out, bool* empty) {
  uint64_t n;
  if (!Count(&n, 2)) return false;
  auto h = std::make_unique<HashObject>();
  if (n > lim_.hash_max_listpack_entries) h->ConvertToTable();
  for (uint64_t i = 0; i < n; ++i) {
    if (!Str(&s1_) || !Str(&s2_)) return false;
    if (!AddH(h.get(), s1_, s2_)) return false;
  }
  *empty = h->size() == 0;
  if (!*empty) *out = Value::FromObject(std::move(h));
  return true;
}

bool Parser::ListFromBlobs(int type, Value* out, bool* empty) {
  auto l = std::make_unique<List>(lim_.list_max_listpack_size);
  std::string why;
  auto push = [&](const Elem& e) { return PushL(l.get(), e); };
  if (type == kTypeListZiplist) {
    if (!Blob()) return false;
    if (!WalkZiplist(blob_, push, &why)) return why.empty() ? false : Fail(why);
  } else {
    uint64_t nodes;
    if (!Count(&nodes, type == kTypeListQuicklist2 ? 2 : 1)) return false;
    for (uint64_t i = 0; i < nodes; ++i) {
      uint64_t container = 2;
      if (type == kTypeListQuicklist2) {
        if (!Len(&container)) return false;
        if (container != 1 && container != 2) return Fail("bad quicklist node container");
      }
      if (!Blob()) return false;
      if (blob_.empty()) return Fail("empty quicklist node");
      if (container == 1) {
        if (blob_.size() > List::kMaxElementSize) return Fail("list element too big");
        l->PushBack(blob_);
        continue;
      }
      bool ok = type == kTypeListQuicklist2 ? WalkListpack(blob_, push, &why)
                                            : WalkZiplist(blob_, push, &why);
      if (!ok) return why.empty() ? false : Fail(why);
    }
  }
  *empty = l->empty();
  if (!*empty) *out = Value::FromObject(std::move(l));
  return true;
}

bool Parser::SetFromBlob(int type, Value* out, bool* empty) {
  if (!Blob()) return false;
  auto s = std::make_unique<SetObject>();
  std::string why;
  bool ok;
  if (type == kTypeSetIntset) {
    ok = WalkIntset(
        blob_, [&](int64_t v) { return AddS(s.get(), Elem::Int(v)); }, &why);
  } else {
    ok = WalkListpack(
        blob_, [&](const Elem& e) { return AddS(s.get(), e); }, &why);
  }
  if (!ok) return why.empty() ? false : Fail(why);
  *empty = s->empty();
  if (!*empty) *out = Value::FromObject(std::move(s));
  return true;
}

bool Parser::ZSetFromBlob(int type, Value* out, bool* empty) {
  if (!Blob()) return false;
  auto z = std::make_unique<ZSet>(false);
  std::string why;
  bool have_member = false;
  char mbuf[24];
  std::string_view member;
  auto add = [&](const Elem& e) {
    if (!have_member) {
      member = e.View(mbuf);
      have_member = true;
      return true;
    }
    have_member = false;
    double score;
    return ElemScore(e, &score) && AddZ(z.get(), member, score);
  };
  bool ok =
      type == kTypeZSetListpack ? WalkListpack(blob_, add, &why) : WalkZiplist(blob_, add, &why);
  if (!ok) return why.empty() ? false : Fail(why);
  if (have_member) return Fail("packed zset with an odd number of elements");
  *empty = z->empty();
  if (!*empty) *out = Value::FromObject(std::move(z));
  return true;
}

bool Parser::HashFromBlob(int type, Value* out, bool* empty) {
  if (!Blob()) return false;
  auto h = std::make_unique<HashObject>();
  std::string why;
  bool ok;
  if (type == kTypeHashZipmap) {
    ok = WalkZipmap(
        blob_, [&](std::string_view f, std::string_view v) { return AddH(h.get(), f, v); }, &why);
  } else {
    bool have_field = false;
    char fbuf[24], vbuf[24];
    std::string_view field;
    auto add = [&](const Elem& e) {
      if (!have_field) {
        field = e.View(fbuf);
        have_field = true;
        return true;
      }
      have_field = false;
      return AddH(h.get(), field, e.View(vbuf));
    };
    ok = type == kTypeHashListpack ? WalkListpack(blob_, add, &why) : WalkZiplist(blob_, add, &why);
    if (ok && have_field) return Fail("packed hash with an odd number of elements");
  }
  if (!ok) return why.empty() ? false : Fail(why);
  *empty = h->size() == 0;
  if (!*empty) *out = Value::FromObject(std::move(h));
  return true;
}

// RDB_TYPE_STREAM_LISTPACKS (5.0), _2 (7.0: first/max-deleted IDs, entries added and read)
// and _3 (7.2: consumers' active time, read and dropped), as rdbLoadObject reads them.
bool Parser::StreamValue(int type, Value* out) {
  auto s = std::make_unique<Stream>();
  uint64_t nodes, live = 0;
  if (!Count(&nodes, 2)) return false;
  std::string why;
  for (uint64_t i = 0; i < nodes; ++i) {
    if (!Str(&s1_)) return false;
    if (s1_.size() != 16) return Fail("stream node key is not the size of a stream ID");
    StreamID master;
    master.ms = __builtin_bswap64(LoadLE(U8(s1_.data()), 8));
    master.seq = __builtin_bswap64(LoadLE(U8(s1_.data()) + 8, 8));
    if (!Blob()) return false;
    if (!WalkListpack(
            blob_, [](const Elem&) { return true; }, &why))
      return Fail(why);
    if (!s->LoadNode(master, blob_, &live, &why)) return Fail(why);
  }
  uint64_t length, added;
  StreamID last, first, max_deleted;
  if (!Len(&length) || !StreamId(&last)) return false;
  if (type >= kTypeStreamListpacks2) {
    if (!StreamId(&first) || !StreamId(&max_deleted) || !Len(&added)) return false;
  } else {
    added = length;
  }
  if (length != live) return Fail("stream length does not match its entries");
  s->set_length(length);
  s->set_last_id(last);
  s->set_max_deleted_id(max_deleted);
  s->set_entries_added(added);
  if (type < kTypeStreamListpacks2) s->EdgeId(true, &first);
  s->set_first_id(first);
  if (length) {
    StreamID top;
    s->EdgeId(false, &top);
    if (top > last) return Fail("stream last ID below its entries");
  }
  uint64_t ngroups;
  if (!Count(&ngroups, 3)) return false;
  for (uint64_t i = 0; i < ngroups; ++i) {
    StreamID gid;
    uint64_t read = 0;
    if (!Str(&s1_) || !StreamId(&gid)) return false;
    if (type >= kTypeStreamListpacks2) {
      if (!Len(&read)) return false;
    }
    int64_t entries_read =
        type >= kTypeStreamListpacks2 ? static_cast<int64_t>(read) : s->EstimateDistance(gid);
    StreamGroup* g = s->CreateGroup(s1_, gid, entries_read);
    if (!g) return Fail("duplicate stream consumer group");
    uint64_t npel;
    if (!Count(&npel, 17)) return false;
    for (uint64_t j = 0; j < npel; ++j) {
      StreamID id;
      uint64_t time, count;
      if (!RawStreamId(&id) || !LE(&time, 8) || !Len(&count)) return false;
      if (!g->pel.emplace(id, StreamNack{static_cast<int64_t>(time), count, nullptr}).second)
        return Fail("duplicate stream PEL entry");
    }
    uint64_t nconsumers;
    if (!Count(&nconsumers, 10)) return false;
    for (uint64_t j = 0; j < nconsumers; ++j) {
      uint64_t seen, active, n;
      if (!Str(&s1_) || !LE(&seen, 8)) return false;
      if (type >= kTypeStreamListpacks3 && !LE(&active, 8)) return false;
      StreamConsumer* c = g->CreateConsumer(s1_, static_cast<int64_t>(seen));
      if (!c) return Fail("duplicate stream consumer");
      if (!Count(&n, 16)) return false;
      for (uint64_t k = 0; k < n; ++k) {
        StreamID id;
        if (!RawStreamId(&id)) return false;
        auto it = g->pel.find(id);
        if (it == g->pel.end() || it->second.consumer)
          return Fail("stream consumer entry not found in the group PEL");
        it->second.consumer = c;
        c->pel.insert(id);
      }
    }
    for (const auto& [id, nack] : g->pel)
      if (!nack.consumer) return Fail("stream PEL entry without a consumer");
  }
  *out = Value::FromObject(std::move(s));
  return true;
}

bool Parser::Producers(std::map<std::string, StreamProducer>* out) {
  uint64_t n;
  if (!Count(&n, 4)) return false;
  for (uint64_t i = 0; i < n; ++i) {
    StreamProducer p;
    if (!Str(&s1_) || !Len(&p.seq) || !StreamId(&p.id)) return false;
    (*out)[s1_] = p;
  }
  return true;
}

bool Parser::Object(int type, Value* out, bool* empty) {
  *empty = false;
  switch (type) {
    case kTypeString:
      return StringValue(out);
    case kTypeList:
      return PlainList(out, empty);
    case kTypeSet:
      return PlainSet(out, empty);
    case kTypeZSet:
    case kTypeZSet2:
      return PlainZSet(type, out, empty);
    case kTypeHash:
      return PlainHash(out, empty);
    case kTypeHashZipmap:
    case kTypeHashZiplist:
    case kTypeHashListpack:
      return HashFromBlob(type, out, empty);
    case kTypeListZiplist:
    case kTypeListQuicklist:
    case kTypeListQuicklist2:
      return ListFromBlobs(type, out, empty);
    case kTypeSetIntset:
    case kTypeSetListpack:
      return SetFromBlob(type, out, empty);
    case kTypeZSetZiplist:
    case kTypeZSetListpack:
      return ZSetFromBlob(type, out, empty);
    case kTypeStreamListpacks:
    case kTypeStreamListpacks2:
    case kTypeStreamListpacks3:
      return StreamValue(type, out);
    case kTypeModulePreGa:
    case kTypeModule2:
      unsupported_ = true;
      return Fail("RDB type " + std::to_string(type) + " (module value) not supported");
    default:
      return Fail("unknown RDB type " + std::to_string(type));
  }
}

bool IsObjectType(int t) { return (t >= 0 && t <= 7) || (t >= 9 && t <= 21); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Entry points

bool ParseValue(std::string_view data, const EncodingLimits& limits, Value* out, std::string* err,
                size_t* consumed) {
  Input in(data);
  Parser ps(&in, limits);
  uint8_t type = 0;
  bool empty = false;
  bool ok = ps.Byte(&type) && ps.Object(type, out, &empty);
  if (ok && empty) ok = ps.Fail("empty collection");
  if (!ok) {
    *err = ps.why() + " at offset " + std::to_string(ps.where());
    return false;
  }
  if (consumed) *consumed = static_cast<size_t>(in.offset());
  return true;
}

bool ParseDumpPayload(std::string_view payload, const EncodingLimits& limits, Value* out,
                      std::string* err) {
  const size_t n = payload.size();
  const uint8_t* p = U8(payload.data());
  if (n < 10 || LoadLE(p + n - 10, 2) > static_cast<uint64_t>(kVersion) ||
      LoadLE(p + n - 8, 8) != Crc64(0, p, n - 8)) {
    *err = "DUMP payload version or checksum are wrong";
    return false;
  }
  // Redis reads the value from the whole payload, footer included (a value may end inside it).
  Input in(payload);
  Parser ps(&in, limits);
  uint8_t type = 0;
  bool empty = false;
  if (!ps.Byte(&type) || !IsObjectType(type) || !ps.Object(type, out, &empty) || empty) {
    *err = ps.unsupported() ? "Bad data format: " + ps.why() : "Bad data format";
    return false;
  }
  return true;
}

bool LoadFile(const std::string& path, const EncodingLimits& limits, const LoadCallbacks& cb,
              std::string* err) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *err = path + ": " + strerror(errno);
    return false;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *err = path + ": " + strerror(errno);
    ::close(fd);
    return false;
  }
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  Input in(fd, static_cast<uint64_t>(st.st_size));
  Parser ps(&in, limits);

  auto run = [&]() -> bool {
    char magic[9];
    if (!ps.Bytes(magic, 9)) return false;
    if (memcmp(magic, "REDIS", 5) != 0) return ps.Fail("not an RDB file (no REDIS signature)");
    int version = 0;
    for (int i = 5; i < 9; ++i) {
      if (magic[i] < '0' || magic[i] > '9') return ps.Fail("bad RDB version field");
      version = version * 10 + (magic[i] - '0');
    }
    if (version < 1 || version > kMaxVersion)
      return ps.Fail("unsupported RDB version " + std::to_string(version));

    LoadedKey lk;
    int db = 0;
    int64_t expire = Entry::kNoExpire;
    std::optional<uint64_t> idle;
    std::optional<uint8_t> freq;
    std::optional<uint32_t> mc_flags;
    std::map<std::string, StreamProducer> producers;
    uint64_t next_progress = kProgressEvery;
    std::string aux_key, aux_value;
    for (;;) {
      uint8_t type;
      if (!ps.Byte(&type)) return false;
      uint64_t v, v2;
      switch (type) {
        case kOpExpireTimeMs:
          if (!ps.LE(&v, 8)) return false;
          expire = static_cast<int64_t>(v);
          continue;
        case kOpExpireTime:
          if (!ps.LE(&v, 4)) return false;
          expire = SignExtend(v, 32) * 1000;
          continue;
        case kOpFreq: {
          uint8_t f;
          if (!ps.Byte(&f)) return false;
          freq = f;
          continue;
        }
        case kOpIdle:
          if (!ps.Len(&v)) return false;
          idle = v;
          continue;
        case kOpMcFlags:
          if (!ps.LE(&v, 4)) return false;
          mc_flags = static_cast<uint32_t>(v);
          continue;
        case kOpStreamProducers:
          producers.clear();
          if (!ps.Producers(&producers)) return false;
          continue;
        case kOpEof:
          break;
        case kOpSelectDb:
          if (!ps.Len(&v)) return false;
          if (v > INT_MAX) return ps.Fail("database number " + std::to_string(v) + " too big");
          db = static_cast<int>(v);
          continue;
        case kOpResizeDb:
          if (!ps.Len(&v) || !ps.Len(&v2)) return false;
          if (cb.resize_db) cb.resize_db(db, v, v2);
          continue;
        case kOpAux:
          if (!ps.Str(&aux_key) || !ps.Str(&aux_value)) return false;
          if (cb.aux) cb.aux(aux_key, aux_value);
          continue;
        case kOpModuleAux:
          return ps.Fail("module data (RDB opcode 247) not supported");
        case kOpFunction2:
        case kOpFunctionPreGa:
          return ps.Fail("function libraries (RDB opcode " + std::to_string(type) +
                         ") not supported");
        default: {
          if (!IsObjectType(type)) return ps.Fail("unknown RDB type " + std::to_string(type));
          if (!ps.Str(&lk.key)) return false;
          bool empty = false;
          if (!ps.Object(type, &lk.value, &empty)) return false;
          if (!producers.empty()) {
            if (lk.value.type() != ValueType::kStream)
              return ps.Fail("stream producers before a key that is not a stream");
            static_cast<Stream*>(lk.value.object())->producers() = std::move(producers);
            producers.clear();
          }
          if (!empty && cb.key) {
            lk.db = db;
            lk.expire_ms = expire;
            lk.idle_s = idle;
            lk.freq = freq;
            lk.mc_flags = mc_flags;
            cb.key(std::move(lk));
          }
          expire = Entry::kNoExpire;
          idle.reset();
          freq.reset();
          mc_flags.reset();
          if (cb.progress && in.offset() >= next_progress) {
            cb.progress(in.offset());
            next_progress = in.offset() + kProgressEvery;
          }
          continue;
        }
      }
      break;  // EOF
    }
    if (version >= 5) {
      uint64_t computed = in.Crc();
      uint64_t stored;
      if (!ps.LE(&stored, 8)) return false;
      if (stored != 0 && stored != computed)
        return ps.Fail("wrong RDB checksum (file has " + std::to_string(stored) + ", data gives " +
                       std::to_string(computed) + ")");
    }
    if (cb.progress) cb.progress(in.offset());
    return true;
  };
  bool ok = run();
  ::close(fd);
  if (!ok) *err = path + ": " + ps.why() + " at offset " + std::to_string(ps.where());
  return ok;
}

}  // namespace tessera::rdb
