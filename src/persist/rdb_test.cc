// Unit tests for the RDB codec (persist/rdb.h): CRC-64, LZF, encode -> decode round trips of
// every type in every Tessera encoding, the older encodings (ziplist, zipmap, plain types) built
// by hand, malformed input of every kind, and files written by a real redis-server 7.0 (when
// /usr/bin/redis-server exists) loaded back key by key, plus our files loaded by redis-server.
#include "persist/rdb.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/strings.h"
#include "core/hash.h"
#include "core/list.h"
#include "core/set.h"
#include "core/stream.h"
#include "core/zset.h"
#include "persist/lzf.h"

extern char** environ;

namespace tessera::rdb {
namespace {

const EncodingLimits kDefaults;

// ---------------------------------------------------------------------------------------------
// Helpers: building values, describing them canonically, payloads and files

std::string Field(std::string_view s) {
  return std::to_string(s.size()) + ":" + std::string(s) + ",";
}

std::string ScoreText(double d) {
  char b[64];
  snprintf(b, sizeof b, "%.17g", d);
  return b;
}

// A value's contents in a canonical form (set members and hash fields sorted), with its type.
std::string Describe(const Value& v) {
  const Object* o = v.object();
  if (!o) return "string " + Field(v.ToString());
  std::string s;
  switch (o->type()) {
    case ValueType::kList: {
      s = "list ";
      const auto& l = static_cast<const List&>(*o);
      for (auto it = l.IterAt(0, false); it.valid(); it.Next()) s += Field(it.Get().ToString());
      return s;
    }
    case ValueType::kSet: {
      std::vector<std::string> m;
      static_cast<const SetObject&>(*o).ForEach(
          [&](const SetMember& x) { m.push_back(x.ToString()); });
      std::sort(m.begin(), m.end());
      s = "set ";
      for (auto& x : m) s += Field(x);
      return s;
    }
    case ValueType::kZSet: {
      s = "zset ";
      for (auto it = static_cast<const ZSet&>(*o).At(0); it.valid(); it.Next())
        s += Field(it.member()) + Field(ScoreText(it.score()));
      return s;
    }
    case ValueType::kHash: {
      std::vector<std::pair<std::string, std::string>> m;
      static_cast<const HashObject&>(*o).ForEach([&](std::string_view f, std::string_view x) {
        m.emplace_back(std::string(f), std::string(x));
      });
      std::sort(m.begin(), m.end());
      s = "hash ";
      for (auto& [f, x] : m) s += Field(f) + Field(x);
      return s;
    }
    case ValueType::kStream: {
      // Every entry both ways, the metadata, and every group's cursor, PEL and consumers.
      const auto& st = static_cast<const Stream&>(*o);
      s = "stream " + std::to_string(st.length()) + " " + st.last_id().ToString() + " " +
          st.first_id().ToString() + " " + st.max_deleted_id().ToString() + " " +
          std::to_string(st.entries_added());
      for (bool rev : {false, true})
        st.Range(StreamID::Min(), StreamID::Max(), rev, [&](const StreamEntryView& e) {
          s += Field(e.id.ToString());
          for (const StreamElem& x : e.fv) s += Field(x.ToString());
          return true;
        });
      for (const auto& [name, g] : st.groups()) {
        s += " group " + Field(name) + g->last_id.ToString() + std::to_string(g->entries_read);
        for (const auto& [id, n] : g->pel)
          s += Field(id.ToString() + "/" + n.consumer->name + "/" +
                     std::to_string(n.delivery_time) + "/" + std::to_string(n.delivery_count));
        for (const auto& [cname, c] : g->consumers)
          s += Field(cname + "/" + std::to_string(c->seen_time) + "/" +
                     std::to_string(c->pel.size()));
      }
      return s;
    }
    default:
      return "?";
  }
}

Value MakeStream(int entries) {
  auto st = std::make_unique<Stream>();
  for (int i = 1; i <= entries; ++i) {
    std::vector<std::string> fv = {"f", std::to_string(i * 7)};
    if (i % 3 == 0) fv = {"other", std::string(i % 50, 'x'), "f", "-1"};
    st->Append({static_cast<uint64_t>(i), static_cast<uint64_t>(i % 2)}, fv);
  }
  st->Delete({2, 0});
  st->Delete({5, 1});
  StreamGroup* g = st->CreateGroup("g", {9, 1}, 9);
  StreamConsumer* a = g->CreateConsumer("alice", 1000);
  g->CreateConsumer("idle", 2000);
  g->Assign({3, 1}, a, 1500, 2);
  g->Assign({9, 1}, a, 1600, 1);
  st->CreateGroup("empty", StreamID::Min(), StreamGroup::kInvalidEntriesRead);
  return Value::FromObject(std::move(st));
}

// Checks the structural invariants of a loaded object (aborts or fails on corruption).
void CheckObject(const Value& v) {
  const Object* o = v.object();
  if (!o) return;
  switch (o->type()) {
    case ValueType::kList:
      static_cast<const List&>(*o).CheckInvariants();
      break;
    case ValueType::kZSet: {
      std::string why;
      EXPECT_TRUE(static_cast<const ZSet&>(*o).Validate(&why)) << why;
      break;
    }
    case ValueType::kHash:
      EXPECT_TRUE(static_cast<const HashObject&>(*o).Verify());
      break;
    default:
      break;
  }
}

Value MakeList(const std::vector<std::string>& items, int64_t fill = -2) {
  auto l = std::make_unique<List>(fill);
  for (auto& s : items) l->PushBack(s);
  return Value::FromObject(std::move(l));
}

Value MakeSet(const std::vector<std::string>& items, size_t max_intset = 512) {
  auto s = std::make_unique<SetObject>();
  for (auto& m : items) s->Add(m, max_intset);
  return Value::FromObject(std::move(s));
}

Value MakeZSet(const std::vector<std::pair<std::string, double>>& items,
               const EncodingLimits& lim = kDefaults) {
  auto z = std::make_unique<ZSet>(false);
  for (auto& [m, sc] : items) z->Add(m, sc, 0, lim);
  return Value::FromObject(std::move(z));
}

Value MakeHash(const std::vector<std::pair<std::string, std::string>>& items,
               const EncodingLimits& lim = kDefaults) {
  auto h = std::make_unique<HashObject>();
  for (auto& [f, v] : items) h->Set(f, v, lim);
  return Value::FromObject(std::move(h));
}

std::vector<std::string> Seq(const std::string& prefix, int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back(prefix + std::to_string(i));
  return v;
}

std::string RandomBytes(std::mt19937_64& rng, size_t n) {
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

void PutLE(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

// type byte + body + version + CRC, as DUMP produces.
std::string Payload(std::string_view type_and_body, int version = kVersion) {
  std::string p(type_and_body);
  PutLE(&p, version, 2);
  PutLE(&p, Crc64(0, p.data(), p.size()), 8);
  return p;
}

// The body (type byte + value) of a DUMP payload.
std::string_view Body(std::string_view payload) { return payload.substr(0, payload.size() - 10); }

Value Parse(const std::string& payload, const EncodingLimits& lim = kDefaults) {
  Value out;
  std::string err;
  EXPECT_TRUE(ParseDumpPayload(payload, lim, &out, &err)) << err;
  return out;
}

Value RoundTrip(const Value& v, const EncodingLimits& lim = kDefaults) {
  return Parse(DumpPayload(v), lim);
}

// DumpPayload of `v` through an Entry (the way DUMP sees a key).
std::string DumpViaEntry(const Value& v) {
  Value c = v.Clone();
  size_t n = Entry::EncodedSize("key", c, true);
  std::vector<uint64_t> mem((n + 7) / 8);
  Entry* e = Entry::Encode(mem.data(), "key", std::move(c), true);
  std::string p = DumpPayload(*e);
  e->ReleasePayload();
  return p;
}

void ExpectRoundTrip(const Value& v, const char* encoding) {
  SCOPED_TRACE(Describe(v).substr(0, 200));
  EXPECT_STREQ(v.encoding(), encoding);
  Value out = RoundTrip(v);
  EXPECT_EQ(Describe(out), Describe(v));
  EXPECT_STREQ(out.encoding(), encoding);
  CheckObject(out);
  EXPECT_EQ(DumpViaEntry(v), DumpPayload(v));
  // Without compression too.
  std::string body;
  Encoder(&body, false).Object(v);
  Value plain = Parse(Payload(body));
  EXPECT_EQ(Describe(plain), Describe(v));
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/tessera-rdb-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

void WriteFile(const std::string& path, std::string_view data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

struct Loaded {
  std::vector<LoadedKey> keys;
  std::vector<std::pair<std::string, std::string>> aux;
  std::vector<std::tuple<int, uint64_t, uint64_t>> resizes;
  std::vector<uint64_t> progress;
};

bool Load(const std::string& path, Loaded* out, std::string* err,
          const EncodingLimits& lim = kDefaults) {
  LoadCallbacks cb;
  cb.aux = [&](std::string_view k, std::string_view v) { out->aux.emplace_back(k, v); };
  cb.resize_db = [&](int db, uint64_t k, uint64_t e) { out->resizes.emplace_back(db, k, e); };
  cb.key = [&](LoadedKey&& k) { out->keys.push_back(std::move(k)); };
  cb.progress = [&](uint64_t b) { out->progress.push_back(b); };
  return LoadFile(path, lim, cb, err);
}

// Header + body + EOF + checksum (0 = unchecked when `checksum` is false).
std::string FileOf(const std::function<void(Encoder&)>& body, bool checksum = true) {
  std::string s;
  Encoder enc(&s);
  enc.Header();
  body(enc);
  enc.Eof();
  PutLE(&s, checksum ? Crc64(0, s.data(), s.size()) : 0, 8);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Old formats written by hand: ziplist, zipmap, listpack

class ZiplistWriter {
 public:
  void Add(std::string_view s) {
    std::string e;
    if (prev_ < 254) {
      e.push_back(static_cast<char>(prev_));
    } else {
      e.push_back(static_cast<char>(254));
      PutLE(&e, prev_, 4);
    }
    auto v = s.size() <= 32 ? ParseInt64(s) : std::nullopt;
    if (v && *v >= 0 && *v <= 12) {
      e.push_back(static_cast<char>(0xF1 + *v));
    } else if (v && *v >= INT8_MIN && *v <= INT8_MAX) {
      e.push_back(static_cast<char>(0xFE));
      PutLE(&e, static_cast<uint64_t>(*v), 1);
    } else if (v && *v >= INT16_MIN && *v <= INT16_MAX) {
      e.push_back(static_cast<char>(0xC0));
      PutLE(&e, static_cast<uint64_t>(*v), 2);
    } else if (v && *v >= -(1 << 23) && *v < (1 << 23)) {
      e.push_back(static_cast<char>(0xF0));
      PutLE(&e, static_cast<uint64_t>(*v), 3);
    } else if (v && *v >= INT32_MIN && *v <= INT32_MAX) {
      e.push_back(static_cast<char>(0xD0));
      PutLE(&e, static_cast<uint64_t>(*v), 4);
    } else if (v) {
      e.push_back(static_cast<char>(0xE0));
      PutLE(&e, static_cast<uint64_t>(*v), 8);
    } else if (s.size() <= 0x3f) {
      e.push_back(static_cast<char>(s.size()));
      e.append(s);
    } else if (s.size() <= 0x3fff) {
      e.push_back(static_cast<char>(0x40 | (s.size() >> 8)));
      e.push_back(static_cast<char>(s.size() & 0xff));
      e.append(s);
    } else {
      e.push_back(static_cast<char>(0x80));
      for (int i = 3; i >= 0; --i) e.push_back(static_cast<char>(s.size() >> (8 * i)));
      e.append(s);
    }
    last_ = 10 + body_.size();
    prev_ = e.size();
    body_ += e;
    ++n_;
  }
  std::string Finish() const {
    std::string z;
    PutLE(&z, 10 + body_.size() + 1, 4);
    PutLE(&z, n_ ? last_ : 10, 4);
    PutLE(&z, std::min<size_t>(n_, 65535), 2);
    z += body_;
    z.push_back(static_cast<char>(0xFF));
    return z;
  }

 private:
  std::string body_;
  size_t prev_ = 0, last_ = 10, n_ = 0;
};

std::string Zipmap(const std::vector<std::pair<std::string, std::string>>& kv, int free = 0) {
  std::string z;
  z.push_back(static_cast<char>(std::min<size_t>(kv.size(), 254)));
  auto len = [&](size_t n) {
    if (n < 254) {
      z.push_back(static_cast<char>(n));
    } else {
      z.push_back(static_cast<char>(254));
      PutLE(&z, n, 4);
    }
  };
  for (auto& [k, v] : kv) {
    len(k.size());
    z += k;
    len(v.size());
    z.push_back(static_cast<char>(free));
    z += v;
    z.append(free, 'x');
  }
  z.push_back(static_cast<char>(0xFF));
  return z;
}

// A listpack of strings (no integer detection): each element "10LLLLLL"-style or 12-bit.
std::string ListpackOf(const std::vector<std::string>& items) {
  std::string lp(6, '\0');
  for (auto& s : items) {
    size_t l;
    if (s.size() < 64) {
      lp.push_back(static_cast<char>(0x80 | s.size()));
      l = 1 + s.size();
    } else {
      lp.push_back(static_cast<char>(0xE0 | (s.size() >> 8)));
      lp.push_back(static_cast<char>(s.size() & 0xff));
      l = 2 + s.size();
    }
    lp += s;
    if (l <= 127) {
      lp.push_back(static_cast<char>(l));
    } else {
      lp.push_back(static_cast<char>(l >> 7));
      lp.push_back(static_cast<char>((l & 127) | 128));
    }
  }
  lp.push_back(static_cast<char>(0xFF));
  uint32_t total = static_cast<uint32_t>(lp.size());
  uint16_t n = static_cast<uint16_t>(items.size());
  memcpy(lp.data(), &total, 4);
  memcpy(lp.data() + 4, &n, 2);
  return lp;
}

// type byte + a blob string (raw).
std::string BlobBody(uint8_t type, std::string_view blob) {
  std::string b(1, static_cast<char>(type));
  Encoder(&b, false).Blob(blob);
  return b;
}

// ---------------------------------------------------------------------------------------------
// CRC-64 and LZF

TEST(RdbCrc64, CheckValueAndChaining) {
  EXPECT_EQ(Crc64(0, "123456789", 9), 0xe9c6d914c4b8d9caULL);
  EXPECT_EQ(Crc64(0, "", 0), 0u);
  std::mt19937_64 rng(1);
  std::string data = RandomBytes(rng, 1000);
  for (size_t cut : {0, 1, 7, 8, 9, 500, 999, 1000}) {
    uint64_t a = Crc64(Crc64(0, data.data(), cut), data.data() + cut, data.size() - cut);
    EXPECT_EQ(a, Crc64(0, data.data(), data.size())) << cut;
  }
}

TEST(RdbLzf, RoundTripsAndRefusesCorruptInput) {
  std::mt19937_64 rng(2);
  std::vector<std::string> inputs = {"a", "ab", "abc", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                                     std::string(100000, 'x')};
  for (int n : {21, 100, 300, 5000, 70000}) {
    inputs.push_back(RandomBytes(rng, n));
    std::string rep;
    while (rep.size() < static_cast<size_t>(n)) rep += "hello world " + std::to_string(rng() % 50);
    inputs.push_back(rep);
  }
  for (const auto& in : inputs) {
    std::string out(in.size() + in.size() / 16 + 64, '\0');
    size_t n = LzfCompress(in.data(), in.size(), out.data(), out.size());
    ASSERT_GT(n, 0u) << in.size();
    EXPECT_EQ(LzfDecompressedSize(out.data(), n), in.size());
    std::string back(in.size(), '\0');
    ASSERT_EQ(LzfDecompress(out.data(), n, back.data(), back.size()), in.size());
    EXPECT_EQ(back, in);
    // Too small an output buffer: 0, no overflow.
    if (in.size() > 1) {
      std::string small(in.size() - 1, '\0');
      EXPECT_EQ(LzfDecompress(out.data(), n, small.data(), small.size()), 0u);
    }
    // Compression into a buffer that is too small fails cleanly.
    if (n > 1) {
      std::string tiny(n - 1, '\0');
      EXPECT_EQ(LzfCompress(in.data(), in.size(), tiny.data(), tiny.size()), 0u);
    }
  }
  // Highly repetitive data compresses well (the RDB writer only keeps savings).
  std::string rep(1000, 'a');
  std::string out(1000, '\0');
  EXPECT_LT(LzfCompress(rep.data(), rep.size(), out.data(), out.size()), 30u);
  // Corrupt streams: a back-reference before the start, truncated runs.
  const char bad1[] = {'\x20', '\x05'};       // reference with nothing written yet
  const char bad2[] = {'\x05', 'a', 'b'};     // literal run of 6 with 2 bytes
  const char bad3[] = {'\x00', 'a', '\xe0'};  // long reference cut short
  char buf[64];
  EXPECT_EQ(LzfDecompress(bad1, 2, buf, 64), 0u);
  EXPECT_EQ(LzfDecompress(bad2, 3, buf, 64), 0u);
  EXPECT_EQ(LzfDecompress(bad3, 3, buf, 64), 0u);
  EXPECT_EQ(LzfDecompressedSize(bad1, 2), SIZE_MAX);
  EXPECT_EQ(LzfDecompressedSize(bad2, 3), SIZE_MAX);
  EXPECT_EQ(LzfDecompressedSize(bad3, 3), SIZE_MAX);
  // Random streams never write out of bounds.
  for (int i = 0; i < 5000; ++i) {
    std::string in = RandomBytes(rng, rng() % 64);
    std::string o(rng() % 300, '\0');
    size_t n = LzfDecompress(in.data(), in.size(), o.data(), o.size());
    size_t want = LzfDecompressedSize(in.data(), in.size());
    if (n) {
      EXPECT_EQ(n, want);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding details that must match Redis byte for byte

TEST(RdbEncode, StringEncodingsMatchRedis) {
  auto body = [](const Value& v, bool compress = true) {
    std::string s;
    Encoder(&s, compress).Object(v);
    return s;
  };
  EXPECT_EQ(body(Value::FromInt(5)), std::string("\x00\xc0\x05", 3));
  EXPECT_EQ(body(Value::FromInt(-1)), std::string("\x00\xc0\xff", 3));
  EXPECT_EQ(body(Value::FromInt(300)), std::string("\x00\xc1\x2c\x01", 4));
  EXPECT_EQ(body(Value::FromInt(-70000)), std::string("\x00\xc2\x90\xee\xfe\xff", 6));
  EXPECT_EQ(body(Value::FromInt(1LL << 40)), std::string("\x00\x0d", 2) + "1099511627776");
  // A non-canonical number stays bytes; a canonical one in bytes is int-encoded.
  EXPECT_EQ(body(Value::FromString("007")), std::string("\x00\x03", 2) + "007");
  EXPECT_EQ(body(Value::Bytes("12", true, true)), std::string("\x00\xc0\x0c", 3));
  // Length encodings: 6-bit, 14-bit (big-endian), 32-bit (big-endian).
  EXPECT_EQ(body(Value::FromString(std::string(63, 'q')), false).substr(0, 2),
            std::string("\x00\x3f", 2));
  EXPECT_EQ(body(Value::FromString(std::string(300, 'q')), false).substr(0, 3),
            std::string("\x00\x41\x2c", 3));
  EXPECT_EQ(body(Value::FromString(std::string(70000, 'q')), false).substr(0, 6),
            std::string("\x00\x80\x00\x01\x11\x70", 6));
  // LZF only above 20 bytes and when it helps.
  std::string c = body(Value::FromString(std::string(21, 'a')));
  EXPECT_EQ(static_cast<uint8_t>(c[1]), 0xC3);
  EXPECT_EQ(static_cast<uint8_t>(body(Value::FromString(std::string(20, 'a')))[1]), 20);
  std::mt19937_64 rng(3);
  std::string rnd = RandomBytes(rng, 200);
  EXPECT_EQ(body(Value::FromString(rnd)).substr(3), rnd);
  // DUMP's footer: version 10 little-endian, then the CRC of everything before.
  std::string p = DumpPayload(Value::FromString("hello"));
  EXPECT_EQ(p.substr(0, 7), std::string("\x00\x05hello", 7));
  EXPECT_EQ(p.substr(7, 2), std::string("\x0a\x00", 2));
  uint64_t crc;
  memcpy(&crc, p.data() + 9, 8);
  EXPECT_EQ(crc, Crc64(0, p.data(), 9));
}

TEST(RdbEncode, FileFramingOpcodes) {
  std::string s;
  Encoder enc(&s);
  enc.Header();
  enc.Aux("redis-ver", "7.0.0");
  enc.SelectDb(3);
  enc.ResizeDb(2, 1);
  enc.Idle(5);
  enc.Freq(9);
  enc.KeyValue("k", Value::FromString("v"), 1700000000000);
  enc.Eof();
  std::string want = "REDIS0010";
  want += std::string(
      "\xfa\x09redis-ver\x05"
      "7.0.0",
      17);
  want += std::string("\xfe\x03\xfb\x02\x01\xf8\x05\xf9\x09", 9);
  want += std::string("\xfc\x00\x68\xe5\xcf\x8b\x01\x00\x00", 9);
  want += std::string("\x00\x01k\x01v\xff", 6);
  EXPECT_EQ(s, want);
}

// ---------------------------------------------------------------------------------------------
// Round trips of every type in every encoding

TEST(RdbRoundTrip, Strings) {
  std::mt19937_64 rng(4);
  for (int64_t v : std::initializer_list<int64_t>{
           0LL, 1LL, -1LL, 127LL, 128LL, -128LL, -129LL, 32767LL, 32768LL, -32768LL, -32769LL,
           2147483647LL, 2147483648LL, -2147483648LL, -2147483649LL, INT64_MAX, INT64_MIN})
    ExpectRoundTrip(Value::FromInt(v), "int");
  ExpectRoundTrip(Value::FromString(""), "embstr");
  ExpectRoundTrip(Value::FromString("hello"), "embstr");
  ExpectRoundTrip(Value::FromString(std::string("a\0b\xff\r\n", 6)), "embstr");
  for (const char* s : {"007", "-0", "+1", " 1", "1.5", "99999999999999999999"})
    ExpectRoundTrip(Value::FromString(s), "embstr");
  ExpectRoundTrip(Value::FromString(std::string(44, 'z')), "embstr");
  ExpectRoundTrip(Value::FromString(std::string(45, 'z')), "raw");
  ExpectRoundTrip(Value::FromString(std::string(100000, 'z')), "raw");
  ExpectRoundTrip(Value::FromString(RandomBytes(rng, 5000)), "raw");
  ExpectRoundTrip(Value::FromString(RandomBytes(rng, 30)), "embstr");
  // A HyperLogLog is a string: its bytes survive as is.
  std::string hll = "HYLL";
  hll += std::string("\x01\0\0\0\0\0\0\0\0\0\0\0", 12);
  hll += std::string("\x7f\xff\x80\x01", 4);
  ExpectRoundTrip(Value::FromString(hll), "embstr");
}

TEST(RdbRoundTrip, Lists) {
  std::mt19937_64 rng(5);
  ExpectRoundTrip(MakeList({"a"}), "quicklist");
  ExpectRoundTrip(MakeList({"a", "1", "-5", "", "12345678901", "-9223372036854775808",
                            std::string(64, 'x'), std::string(5000, 'y'), "4095", "-4096",
                            "8388607", "2147483648", std::string("\0\xff", 2)}),
                  "quicklist");
  std::vector<std::string> big;
  for (int i = 0; i < 50000; ++i) {
    switch (rng() % 4) {
      case 0:
        big.push_back(std::to_string(static_cast<int64_t>(rng()) >> (rng() % 64)));
        break;
      case 1:
        big.push_back(RandomBytes(rng, rng() % 100));
        break;
      case 2:
        big.push_back("");
        break;
      default:
        big.push_back("item:" + std::to_string(i));
        break;
    }
  }
  big.push_back(std::string(20000, 'L'));  // bigger than a node
  big.push_back("tail");
  Value l = MakeList(big);
  ExpectRoundTrip(l, "quicklist");
  // Many nodes were written (8 KB listpacks).
  std::string body;
  Encoder(&body, false).Object(l);
  EXPECT_EQ(static_cast<uint8_t>(body[0]), kTypeListQuicklist2);
  EXPECT_EQ(static_cast<uint8_t>(body[1]) & 0xC0, 0x40);  // a 14-bit node count
  // Loading with another fill still gives the same contents.
  EncodingLimits lim;
  lim.list_max_listpack_size = 3;
  EXPECT_EQ(Describe(RoundTrip(l, lim)), Describe(l));
}

TEST(RdbRoundTrip, Sets) {
  ExpectRoundTrip(MakeSet({"1", "2", "3"}), "intset");
  ExpectRoundTrip(MakeSet({"-5", "40000", "-40000"}), "intset");  // 32-bit
  ExpectRoundTrip(MakeSet({"1", "9223372036854775807", "-9223372036854775808"}), "intset");
  ExpectRoundTrip(MakeSet({"a", "b", "", std::string("\0x", 2), "1"}), "hashtable");
  ExpectRoundTrip(MakeSet(Seq("", 600)), "hashtable");  // 600 integers: past the limit
  ExpectRoundTrip(MakeSet(Seq("", 512)), "intset");     // exactly the limit
  ExpectRoundTrip(MakeSet(Seq("member:", 5000)), "hashtable");
  // Loading with a lower limit converts, as Redis does.
  EncodingLimits lim;
  lim.set_max_intset_entries = 2;
  Value v = RoundTrip(MakeSet({"1", "2", "3"}), lim);
  EXPECT_STREQ(v.encoding(), "hashtable");
  EXPECT_EQ(Describe(v), Describe(MakeSet({"1", "2", "3"})));
}

TEST(RdbRoundTrip, SortedSets) {
  ExpectRoundTrip(MakeZSet({{"a", 1},
                            {"b", 2.5},
                            {"c", -3},
                            {"d", 0},
                            {"e", 1e300},
                            {"f", -INFINITY},
                            {"g", INFINITY},
                            {"h", 4503599627370496.0},
                            {"i", 0.1},
                            {"123", 7},
                            {"", 2}}),
                  "listpack");
  std::vector<std::pair<std::string, double>> big;
  std::mt19937_64 rng(6);
  for (int i = 0; i < 1000; ++i)
    big.emplace_back("m:" + std::to_string(i), static_cast<double>(rng() % 100) / 7);
  ExpectRoundTrip(MakeZSet(big), "skiplist");
  ExpectRoundTrip(MakeZSet({{std::string(65, 'm'), 1}, {"b", 2}}), "skiplist");
  big.resize(128);
  ExpectRoundTrip(MakeZSet(big), "listpack");
  // -0 keeps its sign in the skiplist encoding.
  auto z = std::make_unique<ZSet>(true);
  z->Add("neg0", -0.0, 0, kDefaults);
  z->Add(std::string(70, 'q'), 5, 0, kDefaults);
  Value v = Value::FromObject(std::move(z));
  Value out = RoundTrip(v);
  auto score = static_cast<const ZSet*>(out.object())->Score("neg0");
  ASSERT_TRUE(score);
  EXPECT_TRUE(std::signbit(*score));
  // Lower limits on load.
  EncodingLimits lim;
  lim.zset_max_listpack_entries = 1;
  EXPECT_STREQ(RoundTrip(MakeZSet({{"a", 1}, {"b", 2}}), lim).encoding(), "skiplist");
}

TEST(RdbRoundTrip, Hashes) {
  ExpectRoundTrip(MakeHash({{"a", "1"},
                            {"b", "hello"},
                            {"", ""},
                            {"123", "-77"},
                            {std::string("\0\1", 2), std::string(64, 'v')}}),
                  "listpack");
  std::vector<std::pair<std::string, std::string>> big;
  for (int i = 0; i < 600; ++i) big.emplace_back("f" + std::to_string(i), std::to_string(i * 7));
  ExpectRoundTrip(MakeHash(big), "hashtable");
  ExpectRoundTrip(MakeHash({{"a", std::string(65, 'v')}}), "hashtable");
  big.resize(512);
  ExpectRoundTrip(MakeHash(big), "listpack");
  EncodingLimits lim;
  lim.hash_max_listpack_value = 2;
  EXPECT_STREQ(RoundTrip(MakeHash({{"a", "abc"}}), lim).encoding(), "hashtable");
}

// ---------------------------------------------------------------------------------------------
// Older encodings, built by hand

TEST(RdbOldEncodings, ZiplistsZipmapsAndPlainTypes) {
  std::vector<std::string> items = {"a",
                                    "0",
                                    "12",
                                    "13",
                                    "-1",
                                    "127",
                                    "-128",
                                    "200",
                                    "-40000",
                                    "8000000",
                                    "-8388608",
                                    "2147483647",
                                    "9223372036854775807",
                                    "",
                                    std::string(100, 'b'),
                                    std::string(20000, 'c'),
                                    "1.5"};
  ZiplistWriter zl;
  for (auto& s : items) zl.Add(s);
  // LIST_ZIPLIST (10)
  EXPECT_EQ(Describe(Parse(Payload(BlobBody(kTypeListZiplist, zl.Finish()), 7))),
            Describe(MakeList(items)));
  // LIST_QUICKLIST (14): two ziplist nodes.
  std::string ql(1, static_cast<char>(kTypeListQuicklist));
  {
    Encoder enc(&ql, true);
    enc.Len(2);
    enc.Blob(zl.Finish());
    ZiplistWriter z2;
    z2.Add("tail");
    enc.Blob(z2.Finish());
  }
  auto all = items;
  all.push_back("tail");
  EXPECT_EQ(Describe(Parse(Payload(ql, 9))), Describe(MakeList(all)));

  // ZSET_ZIPLIST (12), HASH_ZIPLIST (13)
  ZiplistWriter zz;
  for (auto& [m, s] : std::vector<std::pair<std::string, std::string>>{
           {"a", "1"}, {"b", "2.5"}, {"7", "-3"}, {"d", "inf"}})
    zz.Add(m), zz.Add(s);
  Value z = Parse(Payload(BlobBody(kTypeZSetZiplist, zz.Finish()), 9));
  EXPECT_EQ(Describe(z), Describe(MakeZSet({{"a", 1}, {"b", 2.5}, {"7", -3}, {"d", INFINITY}})));
  EXPECT_STREQ(z.encoding(), "listpack");
  ZiplistWriter zh;
  for (auto& [f, v] :
       std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "xyz"}, {"5", "-300"}})
    zh.Add(f), zh.Add(v);
  EXPECT_EQ(Describe(Parse(Payload(BlobBody(kTypeHashZiplist, zh.Finish()), 9))),
            Describe(MakeHash({{"a", "1"}, {"b", "xyz"}, {"5", "-300"}})));

  // HASH_ZIPMAP (9), with free bytes after values and a long value (-> hashtable).
  std::vector<std::pair<std::string, std::string>> kv = {{"k1", "v1"}, {"k2", ""}, {"n", "42"}};
  EXPECT_EQ(Describe(Parse(Payload(BlobBody(kTypeHashZipmap, Zipmap(kv, 3)), 6))),
            Describe(MakeHash(kv)));
  kv.emplace_back("long", std::string(300, 'L'));
  Value zm = Parse(Payload(BlobBody(kTypeHashZipmap, Zipmap(kv)), 6));
  EXPECT_EQ(Describe(zm), Describe(MakeHash(kv)));
  EXPECT_STREQ(zm.encoding(), "hashtable");

  // SET_LISTPACK (20, Redis 7.2)
  std::string slb = BlobBody(kTypeSetListpack, ListpackOf({"x", "y", "1"}));
  Value sl;
  std::string err;
  ASSERT_TRUE(ParseValue(slb, kDefaults, &sl, &err)) << err;
  EXPECT_EQ(Describe(sl), Describe(MakeSet({"x", "y", "1"})));

  // Plain LIST (1), SET (2), ZSET (3, string scores), HASH (4), ZSET_2 (5).
  std::string b;
  auto plain = [&](uint8_t type, const std::function<void(Encoder&)>& fn) {
    b.assign(1, static_cast<char>(type));
    Encoder enc(&b, false);
    fn(enc);
    return Parse(Payload(b, 1));
  };
  EXPECT_EQ(Describe(plain(kTypeList,
                           [](Encoder& e) {
                             e.Len(3);
                             e.String("x");
                             e.Int(5);
                             e.String("");
                           })),
            Describe(MakeList({"x", "5", ""})));
  EXPECT_EQ(Describe(plain(kTypeSet,
                           [](Encoder& e) {
                             e.Len(2);
                             e.Int(5);
                             e.String("w");
                           })),
            Describe(MakeSet({"5", "w"})));
}

TEST(RdbOldEncodings, ZSetWithStringScores) {
  std::string b(1, static_cast<char>(kTypeZSet));
  Encoder enc(&b, false);
  enc.Len(4);
  enc.String("a");
  b += std::string(
      "\x03"
      "1.5",
      4);
  enc.String("b");
  b.push_back(static_cast<char>(254));  // +inf
  enc.String("c");
  b.push_back(static_cast<char>(255));  // -inf
  enc.String("d");
  b += std::string(
      "\x17"
      "-2.0000000000000001e-05",
      24);
  Value z = Parse(Payload(b, 1));
  EXPECT_EQ(Describe(z),
            Describe(MakeZSet({{"a", 1.5}, {"b", INFINITY}, {"c", -INFINITY}, {"d", -2e-5}})));
  // NaN (253) is refused, as Redis refuses it.
  std::string n(1, static_cast<char>(kTypeZSet));
  Encoder e2(&n, false);
  e2.Len(1);
  e2.String("a");
  n.push_back(static_cast<char>(253));
  Value out;
  std::string err;
  EXPECT_FALSE(ParseDumpPayload(Payload(n), kDefaults, &out, &err));
  EXPECT_EQ(err, "Bad data format");
}

TEST(RdbOldEncodings, PlainHashAndZSet2AndPlainQuicklistNode) {
  std::string h(1, static_cast<char>(kTypeHash));
  Encoder eh(&h, false);
  eh.Len(2);
  eh.String("f");
  eh.String("v");
  eh.Int(3);
  eh.Int(-4);
  EXPECT_EQ(Describe(Parse(Payload(h))), Describe(MakeHash({{"f", "v"}, {"3", "-4"}})));

  std::string z(1, static_cast<char>(kTypeZSet2));
  Encoder ez(&z, false);
  ez.Len(2);
  ez.String("m");
  ez.BinaryDouble(2.25);
  ez.String("n");
  ez.BinaryDouble(-1);
  EXPECT_EQ(Describe(Parse(Payload(z))), Describe(MakeZSet({{"m", 2.25}, {"n", -1}})));

  // QUICKLIST_2 with a PLAIN node between two packed ones.
  std::string q(1, static_cast<char>(kTypeListQuicklist2));
  Encoder eq(&q, true);
  eq.Len(3);
  eq.Len(2);
  eq.Blob(ListpackOf({"a", "b"}));
  eq.Len(1);
  eq.Blob(std::string(3000, 'P'));
  eq.Len(2);
  eq.Blob(ListpackOf({"c"}));
  EXPECT_EQ(Describe(Parse(Payload(q))),
            Describe(MakeList({"a", "b", std::string(3000, 'P'), "c"})));
}

TEST(RdbErrors, UnsupportedTypesAndEmptyValues) {
  Value out;
  std::string err;
  // A truncated stream (one node announced, nothing after it) is bad data, not unsupported.
  for (uint8_t t : {kTypeStreamListpacks, kTypeStreamListpacks2, kTypeStreamListpacks3}) {
    EXPECT_FALSE(ParseDumpPayload(Payload(std::string(1, static_cast<char>(t)) + "\x01"), kDefaults,
                                  &out, &err));
    EXPECT_EQ(err, "Bad data format");
  }
  EXPECT_FALSE(ParseDumpPayload(Payload(std::string(1, '\x07')), kDefaults, &out, &err));
  EXPECT_EQ(err, "Bad data format: RDB type 7 (module value) not supported");
  for (uint8_t t : {8, 22, 100, 255}) {
    EXPECT_FALSE(ParseDumpPayload(Payload(std::string(1, static_cast<char>(t)) + "\x00"), kDefaults,
                                  &out, &err));
    EXPECT_EQ(err, "Bad data format");
  }
  // An empty collection is refused by RESTORE (Redis: "Bad data format").
  for (uint8_t t : {kTypeList, kTypeSet, kTypeHash, kTypeZSet2, kTypeListQuicklist2}) {
    EXPECT_FALSE(
        ParseDumpPayload(Payload(std::string(1, static_cast<char>(t)) + std::string(1, '\0')),
                         kDefaults, &out, &err));
    EXPECT_EQ(err, "Bad data format");
  }
  EXPECT_FALSE(ParseDumpPayload(Payload(BlobBody(kTypeHashListpack, ListpackOf({}))), kDefaults,
                                &out, &err));
  // Version and checksum.
  std::string p = DumpPayload(Value::FromString("x"));
  EXPECT_FALSE(ParseDumpPayload(p.substr(0, 9), kDefaults, &out, &err));
  EXPECT_EQ(err, "DUMP payload version or checksum are wrong");
  std::string q = p;
  q[q.size() - 1] ^= 1;
  EXPECT_FALSE(ParseDumpPayload(q, kDefaults, &out, &err));
  EXPECT_EQ(err, "DUMP payload version or checksum are wrong");
  EXPECT_FALSE(ParseDumpPayload(Payload(Body(p), 11), kDefaults, &out, &err));
  EXPECT_EQ(err, "DUMP payload version or checksum are wrong");
  EXPECT_TRUE(ParseDumpPayload(Payload(Body(p), 10), kDefaults, &out, &err));
  EXPECT_TRUE(ParseDumpPayload(Payload(Body(p), 1), kDefaults, &out, &err));
  // Duplicates are refused.
  EXPECT_FALSE(
      ParseDumpPayload(Payload(BlobBody(kTypeHashListpack, ListpackOf({"a", "1", "a", "2"}))),
                       kDefaults, &out, &err));
  EXPECT_FALSE(ParseDumpPayload(Payload(BlobBody(kTypeSetListpack, ListpackOf({"a", "a"}))),
                                kDefaults, &out, &err));
  EXPECT_FALSE(
      ParseDumpPayload(Payload(BlobBody(kTypeZSetListpack, ListpackOf({"a", "1", "a", "2"}))),
                       kDefaults, &out, &err));
  EXPECT_FALSE(ParseDumpPayload(Payload(BlobBody(kTypeZSetListpack, ListpackOf({"a", "x"}))),
                                kDefaults, &out, &err));
  EXPECT_FALSE(ParseDumpPayload(Payload(BlobBody(kTypeZSetListpack, ListpackOf({"a"}))), kDefaults,
                                &out, &err));
}

TEST(RdbErrors, HugeClaimsFailWithoutAllocating) {
  Value out;
  std::string err;
  auto refused = [&](const std::string& body) {
    EXPECT_FALSE(ParseDumpPayload(Payload(body), kDefaults, &out, &err));
    std::string e2;
    EXPECT_FALSE(ParseValue(body, kDefaults, &out, &e2));
    return e2;
  };
  // A string of 2^64-1 bytes, 2^32 bytes, 1 GB.
  EXPECT_NE(refused(std::string("\x00\x81\xff\xff\xff\xff\xff\xff\xff\xff", 10))
                .find("exceeds the data left"),
            std::string::npos);
  refused(std::string("\x00\x80\xff\xff\xff\xff", 6) + "abc");
  // LZF claiming 4 GB from 3 bytes.
  EXPECT_NE(refused(std::string("\x00\xc3\x03\x80\xff\xff\xff\xff", 8) + std::string("\x00"
                                                                                     "ab",
                                                                                     3))
                .find("LZF"),
            std::string::npos);
  // Collections claiming 2^60 elements.
  for (uint8_t t : {kTypeList, kTypeSet, kTypeZSet, kTypeHash, kTypeZSet2, kTypeListQuicklist,
                    kTypeListQuicklist2})
    refused(std::string(1, static_cast<char>(t)) +
            std::string("\x81\x10\x00\x00\x00\x00\x00\x00\x00", 9) + "xx");
  // Listpack whose header claims more bytes than it has; an entry claiming 4 GB.
  std::string lp = ListpackOf({"a", "b"});
  std::string big_hdr = lp;
  big_hdr[3] = '\x7f';
  refused(BlobBody(kTypeHashListpack, big_hdr));
  std::string huge_entry(6, '\0');
  huge_entry += std::string("\xf0\xff\xff\xff\xff", 5) + "abc";
  huge_entry.push_back('\xff');
  uint32_t total = static_cast<uint32_t>(huge_entry.size());
  memcpy(huge_entry.data(), &total, 4);
  refused(BlobBody(kTypeZSetListpack, huge_entry));
  // Intset with a count that does not fit, a bad width; ziplist with a bad tail.
  std::string is;
  PutLE(&is, 8, 4);
  PutLE(&is, 0x10000000, 4);
  refused(BlobBody(kTypeSetIntset, is + "12345678"));
  std::string is2;
  PutLE(&is2, 3, 4);
  PutLE(&is2, 1, 4);
  refused(BlobBody(kTypeSetIntset, is2 + "123"));
  ZiplistWriter zl;
  zl.Add("a");
  zl.Add("b");
  std::string z = zl.Finish();
  z[4] = 11;
  refused(BlobBody(kTypeListZiplist, z));
}

// ---------------------------------------------------------------------------------------------
// Malformed input: every prefix, random mutations, random bytes

std::vector<std::string> SamplePayloads() {
  std::vector<std::string> v;
  std::mt19937_64 rng(7);
  v.push_back(DumpPayload(Value::FromString("hello world")));
  v.push_back(DumpPayload(Value::FromInt(-123456)));
  std::string rep;
  for (int i = 0; i < 30; ++i) rep += "abc" + std::to_string(i % 7);
  v.push_back(DumpPayload(Value::FromString(rep)));  // LZF
  v.push_back(DumpPayload(MakeList({"a", "1", "-300", "", std::string(70, 'x'), "70000"})));
  std::vector<std::string> many;
  for (int i = 0; i < 1500; ++i) many.push_back(std::to_string(i * 37));
  v.push_back(DumpPayload(MakeList(many)));  // several nodes
  v.push_back(DumpPayload(MakeSet({"1", "-70000", "5000000000"})));
  v.push_back(DumpPayload(MakeSet({"a", "bb", "ccc", "7"})));
  v.push_back(DumpPayload(MakeZSet({{"a", 1}, {"b", 2.5}, {"c", INFINITY}})));
  std::vector<std::pair<std::string, double>> zs;
  for (int i = 0; i < 130; ++i) zs.emplace_back("z" + std::to_string(i), i * 0.5);
  v.push_back(DumpPayload(MakeZSet(zs)));
  v.push_back(DumpPayload(MakeHash({{"f", "v"}, {"1", "2"}, {"long", std::string(30, 'y')}})));
  std::vector<std::pair<std::string, std::string>> hs;
  for (int i = 0; i < 530; ++i) hs.emplace_back("h" + std::to_string(i), std::to_string(i));
  v.push_back(DumpPayload(MakeHash(hs)));
  ZiplistWriter zl;
  for (auto s : {"a", "5", "-20000", "xyz", "9000000000"}) zl.Add(s);
  v.push_back(Payload(BlobBody(kTypeListZiplist, zl.Finish())));
  ZiplistWriter zz;
  for (auto s : {"a", "1", "b", "2.5"}) zz.Add(s);
  v.push_back(Payload(BlobBody(kTypeZSetZiplist, zz.Finish())));
  v.push_back(Payload(BlobBody(kTypeHashZiplist, zz.Finish())));
  v.push_back(Payload(BlobBody(kTypeHashZipmap, Zipmap({{"a", "b"}, {"cc", "dd"}}, 2))));
  v.push_back(Payload(BlobBody(kTypeSetListpack, ListpackOf({"p", "q", std::string(100, 'r')}))));
  v.push_back(DumpPayload(MakeStream(12)));
  v.push_back(DumpPayload(MakeStream(230)));  // three nodes
  std::string q(1, static_cast<char>(kTypeListQuicklist));
  Encoder(&q, false).Len(1);
  Encoder(&q, false).Blob(zl.Finish());
  v.push_back(Payload(q));
  return v;
}

// Parses `payload`; when it parses, the value must be sound and survive its own round trip.
void ParseMustBeSafe(const std::string& payload) {
  Value out;
  std::string err;
  if (!ParseDumpPayload(payload, kDefaults, &out, &err)) {
    EXPECT_FALSE(err.empty());
    return;
  }
  CheckObject(out);
  Value again = RoundTrip(out);
  EXPECT_EQ(Describe(again), Describe(out));
}

TEST(RdbStream, RoundTripKeepsEntriesGroupsAndPending) {
  for (int n : {1, 12, 230}) {
    Value v = MakeStream(n);
    EXPECT_EQ(Describe(RoundTrip(v)), Describe(v));
  }
  Value empty = Value::FromObject(std::make_unique<Stream>());
  EXPECT_EQ(Describe(RoundTrip(empty)), Describe(empty));  // an empty stream is a value
}

TEST(RdbMalformed, EveryPrefixFailsOrIsSafe) {
  for (const std::string& p : SamplePayloads()) {
    std::string_view body = Body(p);
    size_t step = body.size() > 4000 ? 7 : 1;
    for (size_t cut = 0; cut < body.size(); cut += step) {
      Value out;
      std::string err;
      EXPECT_FALSE(ParseValue(body.substr(0, cut), kDefaults, &out, &err))
          << "prefix " << cut << " of " << body.size();
      // In a DUMP payload the value may run into the footer (as in Redis): no crash.
      ParseMustBeSafe(Payload(body.substr(0, cut)));
    }
  }
}

TEST(RdbMalformed, RandomMutationsNeverCrash) {
  std::mt19937_64 rng(8);
  int parsed = 0, total = 0;
  for (const std::string& p : SamplePayloads()) {
    std::string body(Body(p));
    for (int i = 0; i < 600; ++i) {
      std::string m = body;
      int edits = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < edits && !m.empty(); ++k) {
        size_t at = rng() % m.size();
        switch (rng() % 5) {
          case 0:
            m[at] = static_cast<char>(rng());
            break;
          case 1:
            m[at] ^= static_cast<char>(1 << (rng() % 8));
            break;
          case 2:
            m.erase(at, 1 + rng() % 4);
            break;
          case 3:
            m.insert(at, 1, static_cast<char>(rng()));
            break;
          default:
            m[at] = static_cast<char>(rng() % 2 ? 0xff : 0x00);
            break;
        }
      }
      ++total;
      std::string payload = Payload(m);
      Value out;
      std::string err;
      if (ParseDumpPayload(payload, kDefaults, &out, &err)) ++parsed;
      ParseMustBeSafe(payload);
    }
  }
  // Some mutations (a changed byte inside a string) still parse; most do not.
  EXPECT_GT(parsed, 0);
  EXPECT_LT(parsed, total);
}

TEST(RdbMalformed, RandomBytesNeverCrash) {
  std::mt19937_64 rng(9);
  for (int i = 0; i < 4000; ++i) {
    std::string body = RandomBytes(rng, rng() % 64);
    if (!body.empty()) body[0] = static_cast<char>(rng() % 22);  // mostly valid type bytes
    ParseMustBeSafe(Payload(body));
  }
}

// ---------------------------------------------------------------------------------------------
// Files

TEST(RdbFile, LoadsWhatTheEncoderWrites) {
  TempDir dir;
  std::mt19937_64 rng(10);
  std::map<std::pair<int, std::string>, std::pair<std::string, int64_t>> want;
  std::string data = FileOf([&](Encoder& enc) {
    enc.Aux("redis-ver", "7.0.0");
    enc.Aux("redis-bits", "64");
    for (int db : {0, 5}) {
      enc.SelectDb(db);
      enc.ResizeDb(3000, 10);
      for (int i = 0; i < 3000; ++i) {
        std::string key = "key:" + std::to_string(i);
        Value v;
        switch (i % 6) {
          case 0:
            v = Value::FromString(RandomBytes(rng, rng() % 40));
            break;
          case 1:
            v = Value::FromInt(static_cast<int64_t>(rng()));
            break;
          case 2:
            v = MakeList(Seq("e", 1 + i % 13));
            break;
          case 3:
            v = MakeSet(Seq("", 1 + i % 600));
            break;
          case 4:
            v = MakeHash({{"a", std::to_string(i)}, {"b", "x"}});
            break;
          default:
            v = MakeZSet({{"m", i}, {"n", -i}});
            break;
        }
        if (i == 7) v = Value::FromString(std::string(3 << 20, 'B'));  // past the read buffer
        if (i == 8) v = Value::FromString(RandomBytes(rng, 700000));   // half-buffer path
        int64_t exp = i % 300 == 0 ? 1700000000000 + i : -1;
        want[{db, key}] = {Describe(v), exp};
        enc.KeyValue(key, v, exp);
      }
    }
  });
  std::string path = dir.File("dump.rdb");
  WriteFile(path, data);
  Loaded l;
  std::string err;
  ASSERT_TRUE(Load(path, &l, &err)) << err;
  ASSERT_EQ(l.keys.size(), want.size());
  for (auto& k : l.keys) {
    auto it = want.find({k.db, k.key});
    ASSERT_NE(it, want.end()) << k.key;
    EXPECT_EQ(Describe(k.value), it->second.first) << k.key;
    EXPECT_EQ(k.expire_ms, it->second.second) << k.key;
  }
  ASSERT_EQ(l.aux.size(), 2u);
  EXPECT_EQ(l.aux[1], (std::pair<std::string, std::string>{"redis-bits", "64"}));
  ASSERT_EQ(l.resizes.size(), 2u);
  EXPECT_EQ(std::get<0>(l.resizes[1]), 5);
  EXPECT_FALSE(l.progress.empty());
  EXPECT_EQ(l.progress.back(), data.size());

  // A wrong checksum names the file and the offset; a zero checksum is not checked.
  std::string bad = data;
  bad[bad.size() - 3] ^= 1;
  WriteFile(path, bad);
  Loaded l2;
  EXPECT_FALSE(Load(path, &l2, &err));
  EXPECT_NE(err.find(path + ": wrong RDB checksum"), std::string::npos) << err;
  EXPECT_NE(err.find("at offset " + std::to_string(data.size())), std::string::npos) << err;
  std::string zero = data;
  memset(zero.data() + zero.size() - 8, 0, 8);
  WriteFile(path, zero);
  Loaded l3;
  EXPECT_TRUE(Load(path, &l3, &err)) << err;
  // Truncated anywhere: an error with the offset, never a crash.
  for (size_t cut : {size_t{0}, size_t{5}, size_t{9}, size_t{100}, data.size() / 2, data.size() - 9,
                     data.size() - 1}) {
    WriteFile(path, std::string_view(data).substr(0, cut));
    Loaded lt;
    EXPECT_FALSE(Load(path, &lt, &err)) << cut;
    EXPECT_EQ(err.rfind(path + ": ", 0), 0u) << err;
  }
  EXPECT_FALSE(Load(dir.File("missing.rdb"), &l3, &err));
  EXPECT_NE(err.find("missing.rdb"), std::string::npos);
}

TEST(RdbFile, OpcodesAndRefusals) {
  TempDir dir;
  std::string path = dir.File("x.rdb");
  std::string err;
  // EXPIRETIME in seconds, IDLE, FREQ, and an empty collection (skipped).
  std::string data = FileOf([](Encoder& enc) {
    enc.Idle(77);
    enc.KeyValue("a", Value::FromString("1"), -1);
    enc.Freq(200);
    enc.KeyValue("b", Value::FromString("2"), -1);
    enc.KeyValue("c", Value::FromString("3"), -1);
  });
  // Splice an EXPIRETIME (seconds) before "c": find the type byte of key c.
  size_t at =
      data.find(std::string("\x00\x01"
                            "c",
                            3));
  ASSERT_NE(at, std::string::npos);
  std::string withsec = data.substr(0, at) + "\xfd" + std::string("\x10\x00\x00\x00", 4) +
                        data.substr(at, data.size() - at - 8);
  // And an empty list key "e" before EOF.
  withsec.insert(withsec.size() - 1, std::string("\x12\x01"
                                                 "e\x00",
                                                 4));
  PutLE(&withsec, 0, 8);
  WriteFile(path, withsec);
  Loaded l;
  ASSERT_TRUE(Load(path, &l, &err)) << err;
  ASSERT_EQ(l.keys.size(), 3u);
  EXPECT_EQ(l.keys[0].idle_s, std::optional<uint64_t>(77));
  EXPECT_FALSE(l.keys[0].freq);
  EXPECT_EQ(l.keys[1].freq, std::optional<uint8_t>(200));
  EXPECT_FALSE(l.keys[1].idle_s);
  EXPECT_EQ(l.keys[2].expire_ms, 16000);
  EXPECT_FALSE(l.keys[2].idle_s);

  auto refused = [&](const std::string& bytes, const std::string& what) {
    WriteFile(path, bytes);
    Loaded lr;
    EXPECT_FALSE(Load(path, &lr, &err));
    EXPECT_NE(err.find(what), std::string::npos) << err;
    EXPECT_NE(err.find(path), std::string::npos) << err;
    EXPECT_NE(err.find("at offset"), std::string::npos) << err;
  };
  refused(std::string("REDIS0010\xf7\x00", 11), "module data (RDB opcode 247) not supported");
  refused(std::string("REDIS0010\xf5\x00", 11),
          "function libraries (RDB opcode 245) not supported");
  refused(std::string("REDIS0010\x0f\x01k\x01", 13), "element count 1 exceeds the data left");
  refused("REDIS0012\xff", "unsupported RDB version 12");
  refused("RADIS0010\xff", "not an RDB file");
  refused("REDIS0010\x08", "unknown RDB type 8");
  refused("REDIS0010\xfe\x81\xff\xff\xff\xff\xff\xff\xff\xff\xff", "database number");
  // Version 4 files have no checksum after EOF.
  WriteFile(path, std::string("REDIS0004\xfe\x00\x00\x01k\x01v\xff", 17));
  Loaded l4;
  ASSERT_TRUE(Load(path, &l4, &err)) << err;
  ASSERT_EQ(l4.keys.size(), 1u);
  EXPECT_EQ(Describe(l4.keys[0].value), "string 1:v,");
}

TEST(RdbFile, MemcachedFlagsOpcodeRoundTrips) {
  TempDir dir;
  std::string path = dir.File("mc.rdb");
  std::string err;
  // An entry with memcached flags writes MC_FLAGS before its key; one without does not.
  auto entry = [](std::vector<uint64_t>* mem, uint32_t flags) {
    Value v = Value::FromString("item");
    size_t n = Entry::EncodedSize("k", v, false, true);
    mem->resize((n + 7) / 8);
    Entry* e = Entry::Encode(mem->data(), "k", std::move(v), false, true);
    e->set_mc(flags, 99);
    return e;
  };
  std::vector<uint64_t> m1, m2;
  Entry* with = entry(&m1, 0xDEADBEEF);
  Entry* without = entry(&m2, 0);
  WriteFile(path, FileOf([&](Encoder& enc) {
              enc.KeyValue("k", *with, 5000);
              enc.KeyValue("k2", *without, -1);
            }));
  EXPECT_NE(ReadFile(path).find("\xc8\xef\xbe\xad\xde"), std::string::npos);
  Loaded l;
  ASSERT_TRUE(Load(path, &l, &err)) << err;
  ASSERT_EQ(l.keys.size(), 2u);
  EXPECT_EQ(l.keys[0].mc_flags, std::optional<uint32_t>(0xDEADBEEF));
  EXPECT_EQ(l.keys[0].expire_ms, 5000);
  EXPECT_FALSE(l.keys[1].mc_flags);
}

TEST(RdbFile, RandomMutationsNeverCrash) {
  TempDir dir;
  std::string path = dir.File("m.rdb");
  std::mt19937_64 rng(11);
  std::string data = FileOf(
      [&](Encoder& enc) {
        enc.Aux("k", "v");
        enc.SelectDb(0);
        for (auto& p : SamplePayloads()) {
          Value v;
          std::string err;
          ASSERT_TRUE(ParseDumpPayload(p, kDefaults, &v, &err)) << err;
          enc.KeyValue("key" + std::to_string(rng() % 100), v, rng() % 2 ? 123456 : -1);
        }
      },
      false);
  std::string err;
  Loaded ok;
  WriteFile(path, data);
  ASSERT_TRUE(Load(path, &ok, &err)) << err;
  for (int i = 0; i < 300; ++i) {
    std::string m = data;
    for (int k = 0; k < 3; ++k) m[9 + rng() % (m.size() - 9)] = static_cast<char>(rng());
    WriteFile(path, m);
    Loaded l;
    if (Load(path, &l, &err)) {
      for (auto& k : l.keys) CheckObject(k.value);
    } else {
      EXPECT_EQ(err.rfind(path + ": ", 0), 0u);
    }
  }
}

TEST(RdbAccessClock, FollowsThePolicy) {
  EvictionConfig lru;
  lru.policy = EvictionPolicy::kAllKeysLru;
  int64_t now = 1700000000000;
  auto c = AccessClock(lru, 100, std::nullopt, now);
  ASSERT_TRUE(c);
  EXPECT_EQ(LruIdleMs(*c, now), 100000);
  EXPECT_FALSE(AccessClock(lru, std::nullopt, 5, now));
  // A huge idle time is clamped, not wrapped to a small one.
  auto h = AccessClock(lru, uint64_t{1} << 60, std::nullopt, now);
  ASSERT_TRUE(h);
  EXPECT_GT(LruIdleMs(*h, now), int64_t{1} << 33);
  EvictionConfig lfu;
  lfu.policy = EvictionPolicy::kAllKeysLfu;
  auto f = AccessClock(lfu, 100, 42, now);
  ASSERT_TRUE(f);
  EXPECT_EQ(*f & 0xff, 42u);
  EXPECT_FALSE(AccessClock(lfu, 100, std::nullopt, now));
  EvictionConfig fifo;
  fifo.policy = EvictionPolicy::kAllKeysFifo;
  EXPECT_FALSE(AccessClock(fifo, 100, 3, now));
}

// ---------------------------------------------------------------------------------------------
// Against a real redis-server 7.0

constexpr const char* kRedisBin = "/usr/bin/redis-server";

struct Reply {
  char type = 0;  // + - : $ * (and '_' for nil)
  std::string str;
  int64_t num = 0;
  std::vector<Reply> elems;
};

// A minimal blocking RESP2 client.
class RespClient {
 public:
  ~RespClient() {
    if (fd_ >= 0) close(fd_);
  }
  bool Connect(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) return true;
    close(fd_);
    fd_ = -1;
    return false;
  }
  void Send(const std::vector<std::string>& args) {
    out_ += "*" + std::to_string(args.size()) + "\r\n";
    for (auto& s : args) out_ += "$" + std::to_string(s.size()) + "\r\n" + s + "\r\n";
    ++pending_;
  }
  // Sends everything queued and reads all the replies.
  std::vector<Reply> Flush() {
    size_t off = 0;
    while (off < out_.size()) {
      ssize_t n = write(fd_, out_.data() + off, out_.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    out_.clear();
    std::vector<Reply> r;
    for (; pending_ > 0; --pending_) r.push_back(Read());
    return r;
  }
  Reply Cmd(const std::vector<std::string>& args) {
    Send(args);
    return Flush().at(0);
  }

 private:
  bool Fill() {
    char buf[65536];
    ssize_t n = read(fd_, buf, sizeof buf);
    if (n <= 0) return false;
    in_.append(buf, static_cast<size_t>(n));
    return true;
  }
  std::string Line() {
    for (;;) {
      size_t e = in_.find("\r\n", pos_);
      if (e != std::string::npos) {
        std::string l = in_.substr(pos_, e - pos_);
        pos_ = e + 2;
        return l;
      }
      if (!Fill()) return "";
    }
  }
  Reply Read() {
    Reply r;
    std::string l = Line();
    if (l.empty()) return r;
    r.type = l[0];
    std::string rest = l.substr(1);
    switch (r.type) {
      case '+':
      case '-':
        r.str = rest;
        break;
      case ':':
        r.num = std::stoll(rest);
        break;
      case '$': {
        int64_t n = std::stoll(rest);
        if (n < 0) {
          r.type = '_';
          break;
        }
        while (in_.size() - pos_ < static_cast<size_t>(n) + 2)
          if (!Fill()) return r;
        r.str = in_.substr(pos_, static_cast<size_t>(n));
        pos_ += static_cast<size_t>(n) + 2;
        break;
      }
      case '*': {
        int64_t n = std::stoll(rest);
        for (int64_t i = 0; i < n; ++i) r.elems.push_back(Read());
        break;
      }
    }
    if (pos_ > (1 << 20)) {
      in_.erase(0, pos_);
      pos_ = 0;
    }
    return r;
  }

  int fd_ = -1;
  std::string out_, in_;
  size_t pos_ = 0;
  int pending_ = 0;
};

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// A redis-server on 127.0.0.1 and a free port, working in `dir`; stopped on destruction.
class RedisServer {
 public:
  bool Start(const std::string& dir, std::vector<std::string> extra = {}) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      port_ = FreePort();
      std::vector<std::string> args = {kRedisBin,
                                       "--port",
                                       std::to_string(port_),
                                       "--bind",
                                       "127.0.0.1",
                                       "--dir",
                                       dir,
                                       "--save",
                                       "",
                                       "--appendonly",
                                       "no",
                                       "--logfile",
                                       dir + "/redis.log",
                                       "--enable-debug-command",
                                       "yes"};
      args.insert(args.end(), extra.begin(), extra.end());
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      if (posix_spawn(&pid_, kRedisBin, nullptr, nullptr, argv.data(), environ) != 0) return false;
      for (int i = 0; i < 200; ++i) {
        RespClient c;
        if (c.Connect(port_) && c.Cmd({"PING"}).str == "PONG") return true;
        int status;
        if (waitpid(pid_, &status, WNOHANG) == pid_) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
      }
      Stop();
    }
    return false;
  }
  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      int status;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }
  ~RedisServer() { Stop(); }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// What a key should hold: built as a Tessera value (for its description) and as the commands
// that create it in Redis.
struct KeySpec {
  int db;
  std::string key;
  Value value;
  std::vector<std::vector<std::string>> cmds;
  int64_t expire_ms = -1;
};

std::vector<KeySpec> RedisDataset() {
  std::vector<KeySpec> v;
  std::mt19937_64 rng(12);
  auto add = [&](int db, std::string key, Value val, int64_t exp = -1) {
    KeySpec k{db, key, std::move(val), {}, exp};
    const Object* o = k.value.object();
    if (!o) {
      k.cmds.push_back({"SET", key, k.value.ToString()});
    } else {
      switch (o->type()) {
        case ValueType::kList: {
          std::vector<std::string> c = {"RPUSH", key};
          const auto& l = static_cast<const List&>(*o);
          for (auto it = l.IterAt(0, false); it.valid(); it.Next()) {
            c.push_back(it.Get().ToString());
            if (c.size() > 1000) k.cmds.push_back(c), c.resize(2);
          }
          if (c.size() > 2) k.cmds.push_back(c);
          break;
        }
        case ValueType::kSet: {
          std::vector<std::string> c = {"SADD", key};
          static_cast<const SetObject&>(*o).ForEach(
              [&](const SetMember& m) { c.push_back(m.ToString()); });
          k.cmds.push_back(c);
          break;
        }
        case ValueType::kZSet: {
          std::vector<std::string> c = {"ZADD", key};
          for (auto it = static_cast<const ZSet&>(*o).At(0); it.valid(); it.Next()) {
            c.push_back(ScoreText(it.score()));
            c.push_back(std::string(it.member()));
          }
          k.cmds.push_back(c);
          break;
        }
        case ValueType::kHash: {
          std::vector<std::string> c = {"HSET", key};
          static_cast<const HashObject&>(*o).ForEach([&](std::string_view f, std::string_view x) {
            c.emplace_back(f);
            c.emplace_back(x);
          });
          k.cmds.push_back(c);
          break;
        }
        default:
          break;
      }
    }
    if (exp >= 0) k.cmds.push_back({"PEXPIREAT", key, std::to_string(exp)});
    v.push_back(std::move(k));
  };
  // Strings: every integer width, LZF-compressible, random bytes, empty, long.
  add(0, "str:small", Value::FromString("hello"));
  add(0, "str:empty", Value::FromString(""));
  for (int64_t n : std::initializer_list<int64_t>{0, -7, 300, -70000, 3000000000LL, INT64_MIN})
    add(0, "str:int:" + std::to_string(n), Value::FromInt(n));
  add(0, "str:lzf", Value::FromString(std::string(500, 'a') + "tail"));
  add(0, "str:lzf-mid", Value::FromString(std::string(30, 'm')));
  add(0, "str:random", Value::FromString(RandomBytes(rng, 300)));
  add(0, "str:long", Value::FromString(RandomBytes(rng, 200000)));
  add(0, "str:numeric-looking", Value::FromString("007"));
  // Lists: small, many nodes, an element bigger than a node.
  add(0, "list:small", MakeList({"a", "1", "-5", "", "x y z"}));
  std::vector<std::string> big;
  for (int i = 0; i < 20000; ++i)
    big.push_back(i % 3 ? "element-" + std::to_string(i) : std::to_string(i * 1001));
  add(0, "list:big", MakeList(big));
  add(0, "list:huge-elem", MakeList({"a", std::string(20000, 'H'), "b"}));
  // Sets: intsets of every width, small strings, past the intset limit.
  add(0, "set:int16", MakeSet({"1", "2", "-3"}));
  add(0, "set:int32", MakeSet({"1", "100000"}));
  add(0, "set:int64", MakeSet({"1", "10000000000", "-10000000000"}));
  add(0, "set:strs", MakeSet({"a", "b", "c", "1"}));
  add(0, "set:big-ints", MakeSet(Seq("", 1000)));
  add(0, "set:big-strs", MakeSet(Seq("m", 1000)));
  // Sorted sets: listpack (odd scores), past 128 members, a long member.
  add(0, "zset:small",
      MakeZSet({{"a", 1},
                {"b", 2.5},
                {"c", -3},
                {"d", INFINITY},
                {"e", -INFINITY},
                {"f", 0.1},
                {"g", 1e20},
                {"h", 0}}));
  std::vector<std::pair<std::string, double>> zs;
  for (int i = 0; i < 300; ++i) zs.emplace_back("z" + std::to_string(i), (i * 7919 % 1000) / 8.0);
  add(0, "zset:big", MakeZSet(zs));
  add(0, "zset:long-member", MakeZSet({{std::string(100, 'M'), 1}, {"x", 2}}));
  // Hashes: listpack, past 512 fields, a long value.
  add(0, "hash:small", MakeHash({{"a", "1"}, {"b", "hello"}, {"c", ""}, {"7", "-8"}}));
  std::vector<std::pair<std::string, std::string>> hs;
  for (int i = 0; i < 700; ++i) hs.emplace_back("field" + std::to_string(i), std::to_string(i * 3));
  add(0, "hash:big", MakeHash(hs));
  add(0, "hash:long-value", MakeHash({{"a", std::string(100, 'V')}}));
  // HyperLogLog (a string in Redis's own format) is created by PFADD below.
  // Expiring keys, several databases.
  add(0, "ttl:str", Value::FromString("v"), 4102444800123);
  add(0, "ttl:hash", MakeHash({{"a", "b"}}), 4102444800456);
  add(3, "db3:str", Value::FromString("three"));
  add(3, "db3:list", MakeList({"x"}));
  add(15, "db15:zset", MakeZSet({{"q", 9}}), 4102444800789);
  return v;
}

class RedisRdbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kRedisBin, X_OK) != 0) GTEST_SKIP() << "redis-server not installed";
  }
};

// Fills a redis-server with RedisDataset() (and a HyperLogLog "hll" in db 0); returns the
// HyperLogLog's bytes.
std::string Fill(RespClient& c, const std::vector<KeySpec>& data) {
  int db = -1;
  for (auto& k : data) {
    if (k.db != db) c.Send({"SELECT", std::to_string(db = k.db)});
    for (auto& cmd : k.cmds) c.Send(cmd);
  }
  c.Send({"SELECT", "0"});
  c.Send({"PFADD", "hll", "a", "b", "c"});
  for (auto& r : c.Flush()) EXPECT_NE(r.type, '-') << r.str;
  return c.Cmd({"GET", "hll"}).str;
}

TEST_F(RedisRdbTest, LoadsFilesRedisWrites) {
  std::vector<KeySpec> data = RedisDataset();
  std::map<std::pair<int, std::string>, const KeySpec*> want;
  for (auto& k : data) want[{k.db, k.key}] = &k;
  // Default (LZF + checksum), no compression and no checksum, LFU (FREQ opcodes), LRU (IDLE).
  struct Variant {
    std::vector<std::string> args;
    bool freq, idle;
  };
  std::vector<Variant> variants = {
      {{}, false, false},
      {{"--rdbcompression", "no", "--rdbchecksum", "no"}, false, false},
      {{"--maxmemory-policy", "allkeys-lfu"}, true, false},
      {{"--maxmemory-policy", "allkeys-lru"}, false, true},
  };
  for (auto& var : variants) {
    SCOPED_TRACE(var.args.empty() ? "defaults" : var.args[0] + " " + var.args[1]);
    TempDir dir;
    RedisServer server;
    ASSERT_TRUE(server.Start(dir.path(), var.args));
    RespClient c;
    ASSERT_TRUE(c.Connect(server.port()));
    std::string hll = Fill(c, data);
    ASSERT_EQ(hll.substr(0, 4), "HYLL");
    ASSERT_EQ(c.Cmd({"SAVE"}).str, "OK");
    std::string path = dir.File("dump.rdb");
    std::string bytes = ReadFile(path);
    ASSERT_GT(bytes.size(), 8u);
    bool zero_crc = bytes.substr(bytes.size() - 8) == std::string(8, '\0');
    EXPECT_EQ(zero_crc, var.args.size() == 4);
    Loaded l;
    std::string err;
    ASSERT_TRUE(Load(path, &l, &err)) << err;
    bool saw_hll = false;
    size_t matched = 0;
    for (auto& k : l.keys) {
      SCOPED_TRACE(k.key);
      CheckObject(k.value);
      EXPECT_EQ(k.freq.has_value(), var.freq);
      EXPECT_EQ(k.idle_s.has_value(), var.idle);
      if (k.key == "hll") {
        saw_hll = true;
        EXPECT_EQ(k.value.ToString(), hll);
        continue;
      }
      auto it = want.find({k.db, k.key});
      ASSERT_NE(it, want.end());
      EXPECT_EQ(Describe(k.value), Describe(it->second->value));
      EXPECT_EQ(k.expire_ms, it->second->expire_ms);
      ++matched;
    }
    EXPECT_TRUE(saw_hll);
    EXPECT_EQ(matched, data.size());
    bool has_ver = false;
    for (auto& [a, b] : l.aux) has_ver |= a == "redis-ver" && b.rfind("7.", 0) == 0;
    EXPECT_TRUE(has_ver);
    if (!var.args.empty()) continue;

    // Encodings after loading match Redis's own after it reloads the same file.
    ASSERT_EQ(c.Cmd({"DEBUG", "RELOAD"}).str, "OK");
    int db = -1;
    for (auto& k : l.keys) {
      if (k.db != db) c.Cmd({"SELECT", std::to_string(db = k.db)});
      EXPECT_EQ(c.Cmd({"OBJECT", "ENCODING", k.key}).str, k.value.encoding()) << k.key;
    }
  }
}

TEST_F(RedisRdbTest, RedisLoadsFilesWeWrite) {
  TempDir dir;
  std::vector<KeySpec> data = RedisDataset();
  for (bool compress : {true, false}) {
    std::string file;
    Encoder enc(&file, compress);
    enc.Header();
    enc.Aux("redis-ver", "7.0.0");
    int db = -1;
    for (auto& k : data) {
      if (k.db != db) enc.SelectDb(db = k.db);
      enc.KeyValue(k.key, k.value, k.expire_ms);
    }
    enc.Eof();
    PutLE(&file, Crc64(0, file.data(), file.size()), 8);
    WriteFile(dir.File("ours.rdb"), file);
    RedisServer server;
    ASSERT_TRUE(server.Start(dir.path(), {"--dbfilename", "ours.rdb"}))
        << ReadFile(dir.File("redis.log"));
    RespClient c;
    ASSERT_TRUE(c.Connect(server.port()));
    db = -1;
    for (auto& k : data) {
      SCOPED_TRACE(k.key);
      if (k.db != db) c.Cmd({"SELECT", std::to_string(db = k.db)});
      // Redis's view of the key, described like ours.
      std::string type = c.Cmd({"TYPE", k.key}).str;
      std::string desc;
      if (type == "string") {
        desc = "string " + Field(c.Cmd({"GET", k.key}).str);
      } else if (type == "list") {
        desc = "list ";
        for (auto& e : c.Cmd({"LRANGE", k.key, "0", "-1"}).elems) desc += Field(e.str);
      } else if (type == "set") {
        std::vector<std::string> m;
        for (auto& e : c.Cmd({"SMEMBERS", k.key}).elems) m.push_back(e.str);
        std::sort(m.begin(), m.end());
        desc = "set ";
        for (auto& x : m) desc += Field(x);
      } else if (type == "zset") {
        desc = "zset ";
        auto r = c.Cmd({"ZRANGE", k.key, "0", "-1", "WITHSCORES"}).elems;
        for (size_t i = 0; i + 1 < r.size(); i += 2)
          desc += Field(r[i].str) + Field(ScoreText(std::stod(r[i + 1].str)));
      } else if (type == "hash") {
        std::vector<std::pair<std::string, std::string>> m;
        auto r = c.Cmd({"HGETALL", k.key}).elems;
        for (size_t i = 0; i + 1 < r.size(); i += 2) m.emplace_back(r[i].str, r[i + 1].str);
        std::sort(m.begin(), m.end());
        desc = "hash ";
        for (auto& [f, x] : m) desc += Field(f) + Field(x);
      }
      EXPECT_EQ(desc, Describe(k.value));
      if (k.expire_ms >= 0) {
        EXPECT_EQ(c.Cmd({"PEXPIRETIME", k.key}).num, k.expire_ms);
      }
      // Redis re-dumps it, and that payload parses back to the same value.
      Reply d = c.Cmd({"DUMP", k.key});
      ASSERT_EQ(d.type, '$');
      EXPECT_EQ(Describe(Parse(d.str)), Describe(k.value));
    }
  }
}

}  // namespace
}  // namespace tessera::rdb
