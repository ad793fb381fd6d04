#include "protocol/memcache.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

namespace tessera::mc {
namespace {

using namespace std::string_literals;
using namespace std::string_view_literals;
using Status = Parser::Status;

struct Event {
  Status status;
  std::string reply;  // error_reply() of kError and kClose
  Request req;        // a copy, for kRequest
};

// Feeds `in` to one parser in pieces of `chunk` bytes (0: all at once) and collects every
// result until the input is used up or the connection must close.
std::vector<Event> Feed(std::string_view in, size_t chunk = 0, size_t item_size_max = 1 << 20) {
  Parser p(item_size_max);
  std::vector<Event> out;
  std::string buf;
  size_t pos = 0;
  while (true) {
    size_t n = chunk == 0 ? in.size() - pos : std::min(chunk, in.size() - pos);
    buf.append(in.substr(pos, n));
    pos += n;
    while (true) {
      size_t used = 0;
      Status s = p.Parse(buf, &used);
      buf.erase(0, used);
      if (s == Status::kIncomplete) break;
      EXPECT_TRUE(s == Status::kClose || used > 0) << "no progress";
      if (s == Status::kRequest)
        out.push_back({s, "", p.request()});
      else
        out.push_back({s, p.error_reply(), Request()});
      if (s == Status::kClose) return out;
    }
    if (pos == in.size()) return out;
  }
}

// The one request `in` holds.
Request One(std::string_view in) {
  auto ev = Feed(in);
  EXPECT_EQ(ev.size(), 1u) << in;
  if (ev.size() != 1 || ev[0].status != Status::kRequest) {
    ADD_FAILURE() << "not one request: " << in;
    return Request();
  }
  return ev[0].req;
}

// The replies of the errors `in` gives, concatenated.
std::string Errors(std::string_view in, size_t item_size_max = 1 << 20) {
  std::string out;
  for (auto& e : Feed(in, 0, item_size_max))
    if (e.status != Status::kRequest) out += e.reply;
  return out;
}

std::string Describe(const std::vector<Event>& events) {
  std::string s;
  for (const Event& e : events) {
    s += std::to_string(static_cast<int>(e.status)) + " [" + e.reply + "]";
    if (e.status != Status::kRequest) {
      s += "\n";
      continue;
    }
    const Request& r = e.req;
    s += " p" + std::to_string(static_cast<int>(r.proto)) + " c" +
         std::to_string(static_cast<int>(r.cmd)) + " n" + std::to_string(r.noreply);
    for (auto& k : r.keys) s += " k=" + k;
    s += " v=" + r.value + " f" + std::to_string(r.client_flags) + " e" +
         std::to_string(r.exptime) + " cas" + std::to_string(r.cas) + " d" +
         std::to_string(r.delta) + " i" + std::to_string(r.initial) + " hd" +
         std::to_string(r.has_delay) + " vb" + std::to_string(r.verbosity) + " st=" + r.stats_arg +
         " o=" + r.meta.order + " O=" + r.meta.opaque + " T" + std::to_string(r.meta.ttl) + " N" +
         std::to_string(r.meta.vivify_ttl) + " R" + std::to_string(r.meta.recache_ttl) + " C" +
         std::to_string(r.meta.compare_cas) + " F" + std::to_string(r.meta.client_flags) + " D" +
         std::to_string(r.meta.delta) + " J" + std::to_string(r.meta.initial) + " M" +
         std::to_string(r.meta.mode) + " b" + std::to_string(r.meta.base64) + " op" +
         std::to_string(r.opcode) + " opq" + std::to_string(r.opaque) + " rk" +
         std::to_string(r.return_key) + "\n";
  }
  return s;
}

// A binary request.
std::string Bin(uint8_t opcode, std::string_view key = {}, std::string_view extras = {},
                std::string_view value = {}, uint32_t opaque = 0x11223344, uint64_t cas = 0,
                int64_t bodylen = -1) {
  uint32_t body = bodylen >= 0 ? static_cast<uint32_t>(bodylen)
                               : static_cast<uint32_t>(key.size() + extras.size() + value.size());
  std::string h(24, '\0');
  h[0] = '\x80';
  h[1] = static_cast<char>(opcode);
  h[2] = static_cast<char>(key.size() >> 8);
  h[3] = static_cast<char>(key.size());
  h[4] = static_cast<char>(extras.size());
  for (int i = 0; i < 4; ++i) h[8 + i] = static_cast<char>(body >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) h[12 + i] = static_cast<char>(opaque >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i) h[16 + i] = static_cast<char>(cas >> (56 - 8 * i));
  return h + std::string(extras) + std::string(key) + std::string(value);
}

std::string Be32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (24 - 8 * i));
  return s;
}
std::string Be64(uint64_t v) { return Be32(static_cast<uint32_t>(v >> 32)) + Be32(v); }

std::string BinError(uint8_t opcode, uint16_t status, uint32_t opaque = 0x11223344) {
  std::string out;
  AppendBinaryResponse(&out, opcode, status, opaque, 0, {}, {}, BinaryStatusText(status));
  return out;
}

// What memcached 1.6.18 replies, recorded by sending each input followed by "mn\r\n" to a real
// memcached: the error lines in order (its other replies left out), whether it closed the
// connection, and whether the final "mn" was answered (the framing stayed in step).
struct McCase {
  std::string_view in, errors;
  bool closed, synced;
};
constexpr McCase kMemcachedCases[] = {
    {"set a 0 0 3\r\nabcde\r\n"sv, "CLIENT_ERROR bad data chunk\r\nERROR\r\n"sv, false, true},
    {"set a 0 0 3\r\nabcdefgh\r\nget a\r\n"sv, "CLIENT_ERROR bad data chunk\r\nERROR\r\n"sv, false,
     true},
    {"set a 0 0 3\r\nabc\nget a\r\n"sv, "CLIENT_ERROR bad data chunk\r\nERROR\r\n"sv, false, true},
    {"set a 0 0 3\r\nabc\n\nget a\r\n"sv, "CLIENT_ERROR bad data chunk\r\n"sv, false, true},
    {"set a 0 0 3\r\nabc\rXget a\r\n"sv, "CLIENT_ERROR bad data chunk\r\n"sv, false, true},
    {"set a 0 0 3\nabc\r\nget a\n"sv, ""sv, false, true},
    {"set a 0 0 3\r\nabcget a\r\n"sv, "CLIENT_ERROR bad data chunk\r\nERROR\r\n"sv, false, true},
    {"set a 0 0 3\r\nab\r\n\r\nget a\r\n"sv, "CLIENT_ERROR bad data chunk\r\nERROR\r\n"sv, false,
     true},
    {"set a 0 0 3 noreply\r\nabcde\r\n"sv, "ERROR\r\n"sv, false, true},
    {"get\r\n"sv, "ERROR\r\n"sv, false, true},
    {"\r\n"sv, "ERROR\r\n"sv, false, true},
    {"\n"sv, "ERROR\r\n"sv, false, true},
    {"\r\r\n"sv, "ERROR\r\n"sv, false, true},
    {"set a 0 0\r\n"sv, "ERROR\r\n"sv, false, true},
    {"set a b 0 1\r\nx\r\n"sv, "CLIENT_ERROR bad command line format\r\nERROR\r\n"sv, false, true},
    {"set a 0 0 -1\r\n"sv, "CLIENT_ERROR bad command line format\r\n"sv, false, true},
    {"set a 0 0 1 noreply extra\r\n"sv, "ERROR\r\n"sv, false, true},
    {"set a 0 0 3 norepl\r\nabc\r\n"sv, ""sv, false, true},
    {"set a -1 0 3\r\nabc\r\n"sv, "CLIENT_ERROR bad command line format\r\nERROR\r\n"sv, false,
     true},
    {"set a 4294967296 0 3\r\nabc\r\n"sv, ""sv, false, true},
    {"set a 0 2147483648 3\r\nabc\r\n"sv, ""sv, false, true},
    {"set a 0 0 2147483646\r\n"sv, "CLIENT_ERROR bad command line format\r\n"sv, false, true},
    {"set a 0 0 2147483648\r\n"sv, "CLIENT_ERROR bad command line format\r\n"sv, false, true},
    {"set a 0 0 4294967299\r\nabc\r\n"sv, ""sv, false, true},
    {"set a 0 0 +3\r\nabc\r\n"sv, ""sv, false, true},
    {"set a 0 0 03\r\nabc\r\n"sv, ""sv, false, true},
    {"set a 0 0 3a\r\nabc\r\n"sv, "CLIENT_ERROR bad command line format\r\nERROR\r\n"sv, false,
     true},
    {"set a  0  0  3\r\nabc\r\n"sv, ""sv, false, true},
    {"set\ta 0 0 3\r\nabc\r\n"sv, "ERROR\r\nERROR\r\n"sv, false, true},
    {"set a 0 0 3 \r\nabc\r\n"sv, ""sv, false, true},
    {" set a 0 0 3\r\nabc\r\n"sv, ""sv, false, true},
    {"set a 0x10 0 3\r\nabc\r\n"sv, "CLIENT_ERROR bad command line format\r\nERROR\r\n"sv, false,
     true},
    {"set a 0 0 0\r\n\r\n"sv, ""sv, false, true},
    {"set a 0 0 0\r\nget a\r\n"sv, "CLIENT_ERROR bad data chunk\r\nERROR\r\n"sv, false, true},
    {"set a 0 0 -0\r\n\r\n"sv, ""sv, false, true},
    {"set a -18446744073709551615 0 3\r\nabc\r\n"sv, ""sv, false, true},
    {"set a 18446744073709551616 0 3\r\nabc\r\n"sv,
     "CLIENT_ERROR bad command line format\r\nERROR\r\n"sv, false, true},
    {"set a 0 0 3\tjunk\r\nabc\r\n"sv, ""sv, false, true},
    {"set a 0 0 3\r\r\nabc\r\n"sv, ""sv, false, true},
    {"set a 0 0 noreply\r\nabc\r\n"sv, "ERROR\r\n"sv, false, true},
    {"get a\000b c\r\n"sv, ""sv, false, true},
    {"gat 10\r\n"sv, ""sv, false, true},
    {"gats 10\r\n"sv, ""sv, false, true},
    {"gat abc a\r\n"sv, "CLIENT_ERROR invalid exptime argument\r\n"sv, false, true},
    {"gat 10 a\r\n"sv, ""sv, false, true},
    {"gat\r\n"sv, "ERROR\r\n"sv, false, true},
    {"GET a\r\n"sv, "ERROR\r\n"sv, false, true},
    {"bget a\r\n"sv, ""sv, false, true},
    {"bget\r\n"sv, "ERROR\r\n"sv, false, true},
    {"incr\r\n"sv, "ERROR\r\n"sv, false, true},
    {"incr a\r\n"sv, "ERROR\r\n"sv, false, true},
    {"incr a 1 noreply x\r\n"sv, "ERROR\r\n"sv, false, true},
    {"incr a x\r\n"sv, "CLIENT_ERROR invalid numeric delta argument\r\n"sv, false, true},
    {"incr a -1\r\n"sv, "CLIENT_ERROR invalid numeric delta argument\r\n"sv, false, true},
    {"incr a 18446744073709551615\r\n"sv, ""sv, false, true},
    {"incr a 18446744073709551616\r\n"sv, "CLIENT_ERROR invalid numeric delta argument\r\n"sv,
     false, true},
    {"incr a noreply\r\n"sv, ""sv, false, true},
    {"incr a x noreply\r\n"sv, ""sv, false, true},
    {"decr a x y\r\n"sv, "CLIENT_ERROR invalid numeric delta argument\r\n"sv, false, true},
    {"touch a\r\n"sv, "ERROR\r\n"sv, false, true},
    {"touch a x\r\n"sv, "CLIENT_ERROR invalid exptime argument\r\n"sv, false, true},
    {"touch a x noreply\r\n"sv, ""sv, false, true},
    {"touch a 1 2\r\n"sv, ""sv, false, true},
    {"delete\r\n"sv, "ERROR\r\n"sv, false, true},
    {"delete a\r\n"sv, ""sv, false, true},
    {"delete a 0\r\n"sv, ""sv, false, true},
    {"delete a 1\r\n"sv,
     "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n"sv, false, true},
    {"delete a noreply\r\n"sv, ""sv, false, true},
    {"delete a 0 noreply\r\n"sv, ""sv, false, true},
    {"delete a 1 noreply\r\n"sv, ""sv, false, true},
    {"delete a 0 x\r\n"sv,
     "CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]\r\n"sv, false, true},
    {"delete a 0 noreply x\r\n"sv, "ERROR\r\n"sv, false, true},
    {"verbosity\r\n"sv, "ERROR\r\n"sv, false, true},
    {"verbosity 0\r\n"sv, ""sv, false, true},
    {"verbosity x\r\n"sv, "CLIENT_ERROR bad command line format\r\n"sv, false, true},
    {"verbosity noreply\r\n"sv, ""sv, false, true},
    {"verbosity 0 2\r\n"sv, ""sv, false, true},
    {"flush_all x\r\n"sv, "CLIENT_ERROR invalid exptime argument\r\n"sv, false, true},
    {"flush_all 0 0 0\r\n"sv, "ERROR\r\n"sv, false, true},
    {"flush_all noreply\r\n"sv, ""sv, false, true},
    {"flush_all -1\r\n"sv, ""sv, false, true},
    {"flush_all 1 2\r\n"sv, ""sv, false, true},
    {"flush_all noreply noreply\r\n"sv, ""sv, false, true},
    {"flush_all\r\n"sv, ""sv, false, true},
    {"cas a 0 0 1\r\nx\r\n"sv, "ERROR\r\nERROR\r\n"sv, false, true},
    {"cas a 0 0 1 x\r\nx\r\n"sv, "CLIENT_ERROR bad command line format\r\nERROR\r\n"sv, false,
     true},
    {"cas a 0 0 1 1 noreply\r\nx\r\n"sv, ""sv, false, true},
    {"cas a 0 0 1 noreply\r\nx\r\n"sv, "ERROR\r\n"sv, false, true},
    {"cas a 0 0 1 -1\r\nx\r\n"sv, "CLIENT_ERROR bad command line format\r\nERROR\r\n"sv, false,
     true},
    {"cas a 0 0 1 -0\r\nx\r\n"sv, ""sv, false, true},
    {"a\r\n"sv, "ERROR\r\n"sv, false, true},
    {"xy\r\n"sv, "ERROR\r\n"sv, false, true},
    {"gx\r\n"sv, "ERROR\r\n"sv, false, true},
    {"gx a\r\n"sv, "ERROR\r\n"sv, false, true},
    {"get  \r\n"sv, "ERROR\r\n"sv, false, true},
    {"mx a\r\n"sv, "ERROR\r\n"sv, false, true},
    {"mg\r\n"sv, "ERROR\r\n"sv, false, true},
    {"mg a\r\n"sv, ""sv, false, true},
    {"mg a v\r\n"sv, ""sv, false, true},
    {"mg a v v\r\n"sv, "CLIENT_ERROR duplicate flag\r\n"sv, false, true},
    {"mg a v k c f s t h l Oabc q u\r\n"sv, ""sv, false, true},
    {"mg a x\r\n"sv, "CLIENT_ERROR invalid flag\r\n"sv, false, true},
    {"mg a 1\r\n"sv, "CLIENT_ERROR invalid flag\r\n"sv, false, true},
    {"mg a Nabc\r\n"sv, "CLIENT_ERROR bad token in command line format\r\n"sv, false, true},
    {"mg a T\r\n"sv, "CLIENT_ERROR bad token in command line format\r\n"sv, false, true},
    {"mg a T10 N5 R3 v\r\n"sv, ""sv, false, true},
    {"mg a O0123456789012345678901234567890123 v\r\n"sv, "CLIENT_ERROR opaque token too long\r\n"sv,
     false, true},
    {"mg nokey O0123456789012345678901234567890123 v\r\n"sv,
     "CLIENT_ERROR opaque token too long\r\n"sv, false, true},
    {"mg a O0123456789012345678901234567890 v\r\n"sv, ""sv, false, true},
    {"mg a O01234567890123456789012345678901 v\r\n"sv, "CLIENT_ERROR opaque token too long\r\n"sv,
     false, true},
    {"mg a s t v f c k O1 q h l u N1 R1 T1 P L b\r\n"sv, "CLIENT_ERROR error decoding key\r\n"sv,
     false, true},
    {"mg a s t v f c k O1 q h l u N1 R1 T1 P Lx\r\n"sv, ""sv, false, true},
    {"mg a E1\r\n"sv, "CLIENT_ERROR invalid flag\r\n"sv, false, true},
    {"mg a C1\r\n"sv, ""sv, false, true},
    {"mg a Mx\r\n"sv, ""sv, false, true},
    {"mg a I\r\n"sv, ""sv, false, true},
    {"mg a F1\r\n"sv, ""sv, false, true},
    {"mg a D1 J1\r\n"sv, ""sv, false, true},
    {"mg a Dx\r\n"sv, "CLIENT_ERROR invalid numeric delta value\r\n"sv, false, true},
    {"mg a Jx\r\n"sv, "CLIENT_ERROR invalid numeric initial value\r\n"sv, false, true},
    {"mg a Fx\r\n"sv, "CLIENT_ERROR bad command line format\r\n"sv, false, true},
    {"mg a Cx\r\n"sv, "CLIENT_ERROR bad token in command line format\r\n"sv, false, true},
    {"mg a MEE\r\n"sv, "CLIENT_ERROR incorrect length for M token\r\n"sv, false, true},
    {"mg a M\r\n"sv, "CLIENT_ERROR incorrect length for M token\r\n"sv, false, true},
    {"mg a \377\r\n"sv, "CLIENT_ERROR duplicate flag\r\n"sv, false, true},
    {"mg a \177\r\n"sv, "CLIENT_ERROR duplicate flag\r\n"sv, false, true},
    {"mg a Dx Jx\r\n"sv, "CLIENT_ERROR invalid numeric initial value\r\n"sv, false, true},
    {"mg a Dx Fx\r\n"sv, "CLIENT_ERROR invalid numeric delta value\r\n"sv, false, true},
    {"mg a Fx Dx\r\n"sv, "CLIENT_ERROR invalid numeric delta value\r\n"sv, false, true},
    {"mg a Dx x\r\n"sv, "CLIENT_ERROR invalid flag\r\n"sv, false, true},
    {"mg a Nx Dx\r\n"sv, "CLIENT_ERROR invalid numeric delta value\r\n"sv, false, true},
    {"mg a Nx b\r\n"sv, "CLIENT_ERROR error decoding key\r\n"sv, false, true},
    {"mg a b Nx\r\n"sv, "CLIENT_ERROR bad token in command line format\r\n"sv, false, true},
    {"mg YQ== b k v\r\n"sv, ""sv, false, true},
    {"mg !!!! b k v\r\n"sv, "CLIENT_ERROR error decoding key\r\n"sv, false, true},
    {"mg YQ b k v\r\n"sv, "CLIENT_ERROR error decoding key\r\n"sv, false, true},
    {"mg YWJj b k v\r\n"sv, ""sv, false, true},
    {"mg Y!Q== b k v\r\n"sv, ""sv, false, true},
    {"mg ==== b\r\n"sv, "CLIENT_ERROR error decoding key\r\n"sv, false, true},
    {"mg A=== b\r\n"sv, "CLIENT_ERROR error decoding key\r\n"sv, false, true},
    {"mg YQ==YWJj b\r\n"sv, ""sv, false, true},
    {"ms\r\n"sv, "ERROR\r\n"sv, false, true},
    {"ms a\r\n"sv, "CLIENT_ERROR bad command line format\r\n"sv, false, true},
    {"ms a 3\r\nabc\r\n"sv, ""sv, false, true},
    {"ms a 3 T0 F5 c k Oxx\r\nabc\r\n"sv, ""sv, false, true},
    {"ms a x\r\nabc\r\n"sv, "CLIENT_ERROR bad command line format\r\nERROR\r\n"sv, false, true},
    {"ms a -1\r\nabc\r\n"sv, "CLIENT_ERROR bad command line format\r\nERROR\r\n"sv, false, true},
    {"ms a 3 x\r\nabc\r\n"sv, "CLIENT_ERROR invalid flag\r\n"sv, false, true},
    {"ms a 3 v v\r\nabc\r\n"sv, "CLIENT_ERROR duplicate flag\r\n"sv, false, true},
    {"ms a 3 MX\r\nabc\r\n"sv, "CLIENT_ERROR invalid mode for ms M token\r\n"sv, false, true},
    {"ms a 3 Me\r\nabc\r\n"sv, "CLIENT_ERROR invalid mode for ms M token\r\n"sv, false, true},
    {"ms a 3 ME\r\nabc\r\n"sv, ""sv, false, true},
    {"ms a 3 O0123456789012345678901234567890123\r\nabc\r\n"sv,
     "CLIENT_ERROR opaque token too long\r\n"sv, false, true},
    {"ms a 3 O0123456789012345678901234567890123 MX\r\nabc\r\n"sv,
     "CLIENT_ERROR invalid mode for ms M token\r\n"sv, false, true},
    {"ms a 3 q\r\nabc\r\n"sv, ""sv, false, true},
    {"ms a 3 q\r\nabcde\r\n"sv, "CLIENT_ERROR bad data chunk\r\nERROR\r\n"sv, false, true},
    {"ms a 3 S3\r\nabc\r\n"sv, "CLIENT_ERROR invalid flag\r\n"sv, false, true},
    {"ms a 3 Tx\r\nabc\r\n"sv, "CLIENT_ERROR bad token in command line format\r\n"sv, false, true},
    {"ms a 3 Fx\r\nabc\r\n"sv, "CLIENT_ERROR bad command line format\r\n"sv, false, true},
    {"ms a 3 E5\r\nabc\r\n"sv, "CLIENT_ERROR invalid flag\r\n"sv, false, true},
    {"ms a 3 I C5\r\nabc\r\n"sv, ""sv, false, true},
    {"ms a 4294967299\r\nabc\r\n"sv, ""sv, false, true},
    {"ms a 3 b\r\nabc\r\n"sv, "CLIENT_ERROR error decoding key\r\n"sv, false, true},
    {"ms YQ== 3 b\r\nabc\r\n"sv, ""sv, false, true},
    {"md\r\n"sv, "ERROR\r\n"sv, false, true},
    {"md a\r\n"sv, ""sv, false, true},
    {"md a x\r\n"sv, "CLIENT_ERROR invalid or duplicate flag\r\n"sv, false, true},
    {"md a q q\r\n"sv, "CLIENT_ERROR invalid or duplicate flag\r\n"sv, false, true},
    {"md a Tx\r\n"sv, "CLIENT_ERROR invalid or duplicate flag\r\n"sv, false, true},
    {"md a C5 I T30 k O1 q b\r\n"sv, "CLIENT_ERROR invalid or duplicate flag\r\n"sv, false, true},
    {"md YQ== b k\r\n"sv, ""sv, false, true},
    {"md a O0123456789012345678901234567890123\r\n"sv, "CLIENT_ERROR opaque token too long\r\n"sv,
     false, true},
    {"md a Mx\r\n"sv, ""sv, false, true},
    {"ma\r\n"sv, "ERROR\r\n"sv, false, true},
    {"ma a\r\n"sv, ""sv, false, true},
    {"ma a x\r\n"sv, "CLIENT_ERROR invalid or duplicate flag\r\n"sv, false, true},
    {"ma a Dx\r\n"sv, "CLIENT_ERROR invalid or duplicate flag\r\n"sv, false, true},
    {"ma a MX\r\n"sv, "CLIENT_ERROR invalid mode for ma M token\r\n"sv, false, true},
    {"ma a Mi\r\n"sv, "CLIENT_ERROR invalid mode for ma M token\r\n"sv, false, true},
    {"ma a M+ N0 J5 v\r\n"sv, ""sv, false, true},
    {"ma a M- D2 v t c k Oxy q\r\n"sv, ""sv, false, true},
    {"ma a O0123456789012345678901234567890123\r\n"sv, "CLIENT_ERROR opaque token too long\r\n"sv,
     false, true},
    {"ma a MX O0123456789012345678901234567890123\r\n"sv,
     "CLIENT_ERROR invalid mode for ma M token\r\n"sv, false, true},
    {"me\r\n"sv, "CLIENT_ERROR bad command line format\r\n"sv, false, true},
    {"me a\r\n"sv, ""sv, false, true},
    {"me YQ== b\r\n"sv, ""sv, false, true},
    {"me YQ b\r\n"sv, "CLIENT_ERROR bad command line format\r\n"sv, false, true},
    {"me !!!! b\r\n"sv, "CLIENT_ERROR bad command line format\r\n"sv, false, true},
    {"me a x y z\r\n"sv, ""sv, false, true},
    {"me a bb\r\n"sv, ""sv, false, true},
    {"shutdown\r\n"sv, "ERROR: shutdown not enabled\r\n"sv, false, true},
};

TEST(MemcacheParser, RepliesAsMemcachedDoes) {
  for (const McCase& c : kMemcachedCases) {
    std::string in = std::string(c.in) + "mn\r\n";
    for (size_t chunk : {0, 1}) {
      auto ev = Feed(in, chunk);
      std::string errors;
      bool closed = false;
      for (auto& e : ev) {
        if (e.status != Status::kRequest) errors += e.reply;
        closed |= e.status == Status::kClose;
      }
      bool synced = !ev.empty() && ev.back().status == Status::kRequest &&
                    ev.back().req.cmd == Cmd::kNoop && ev.back().req.proto == Proto::kMeta;
      EXPECT_EQ(errors, c.errors) << "input: " << c.in << " chunk " << chunk;
      EXPECT_EQ(closed, c.closed) << "input: " << c.in;
      EXPECT_EQ(synced, c.synced) << "input: " << c.in;
    }
  }
}

// ---- Text protocol ----

TEST(MemcacheText, Retrieval) {
  Request r = One("get a bb  ccc\r\n");
  EXPECT_EQ(r.proto, Proto::kText);
  EXPECT_EQ(r.cmd, Cmd::kGet);
  EXPECT_EQ(r.keys, (std::vector<std::string>{"a", "bb", "ccc"}));
  EXPECT_EQ(One("gets k\n").cmd, Cmd::kGets);
  EXPECT_EQ(One("bget k\r\n").cmd, Cmd::kGet);
  r = One("gat 100 k1 k2\r\n");
  EXPECT_EQ(r.cmd, Cmd::kGat);
  EXPECT_EQ(r.exptime, 100);
  EXPECT_EQ(r.keys, (std::vector<std::string>{"k1", "k2"}));
  r = One("gats -5 k\r\n");
  EXPECT_EQ(r.cmd, Cmd::kGats);
  EXPECT_EQ(r.exptime, -5);
  // gat with no key is accepted (memcached answers "END").
  r = One("gat 10\r\n");
  EXPECT_EQ(r.cmd, Cmd::kGat);
  EXPECT_TRUE(r.keys.empty());
  // Keys are split on spaces only; a 250-byte key is the longest.
  r = One("get a\tb " + std::string(250, 'k') + "\r\n");
  EXPECT_EQ(r.keys, (std::vector<std::string>{"a\tb", std::string(250, 'k')}));
}

TEST(MemcacheText, ManyKeysPastTheTokenLimit) {
  std::string line = "get";
  std::vector<std::string> want;
  for (int i = 0; i < 3000; ++i) {
    want.push_back("key" + std::to_string(i));
    line += " " + want.back();
  }
  Request r = One(line + "\r\n");
  EXPECT_EQ(r.keys, want);
  EXPECT_EQ(Errors("get a " + std::string(251, 'k') + " b\r\n"),
            "CLIENT_ERROR bad command line format\r\n");
  EXPECT_EQ(Errors("get " + std::string(60, ' ') + std::string(251, 'k') + "\r\n"),
            "CLIENT_ERROR bad command line format\r\n");
}

TEST(MemcacheText, Storage) {
  Request r = One("set k 5 100 3\r\nabc\r\n");
  EXPECT_EQ(r.cmd, Cmd::kSet);
  EXPECT_EQ(r.keys, (std::vector<std::string>{"k"}));
  EXPECT_EQ(r.client_flags, 5u);
  EXPECT_EQ(r.exptime, 100);
  EXPECT_EQ(r.value, "abc");
  EXPECT_FALSE(r.noreply);
  EXPECT_EQ(One("add k 0 0 1\r\nx\r\n").cmd, Cmd::kAdd);
  EXPECT_EQ(One("replace k 0 0 1\r\nx\r\n").cmd, Cmd::kReplace);
  EXPECT_EQ(One("append k 0 0 1\r\nx\r\n").cmd, Cmd::kAppend);
  EXPECT_EQ(One("prepend k 0 0 1\r\nx\r\n").cmd, Cmd::kPrepend);
  r = One("cas k 1 2 4 987654321987 noreply\r\na\r\nb\r\n");
  EXPECT_EQ(r.cmd, Cmd::kCas);
  EXPECT_EQ(r.cas, 987654321987u);
  EXPECT_EQ(r.value, "a\r\nb");
  EXPECT_TRUE(r.noreply);
  // "\n" alone ends a line; the value must still end with "\r\n".
  r = One("set k 0 0 0\n\r\n");
  EXPECT_EQ(r.value, "");
  // A token other than "noreply" in the noreply position is ignored, as memcached does.
  r = One("set k 0 0 1 norepl\r\nx\r\n");
  EXPECT_FALSE(r.noreply);
  EXPECT_EQ(r.value, "x");
}

TEST(MemcacheText, NumbersAreReadAsMemcachedReadsThem) {
  // strtoul into 32 bits: wraps; "-0" is 0; a huge negative wraps to a small number.
  EXPECT_EQ(One("set k 4294967296 0 1\r\nx\r\n").client_flags, 0u);
  EXPECT_EQ(One("set k 4294967295 0 1\r\nx\r\n").client_flags, 4294967295u);
  EXPECT_EQ(One("set k -18446744073709551615 0 1\r\nx\r\n").client_flags, 1u);
  EXPECT_EQ(One("set k -0 0 1\r\nx\r\n").client_flags, 0u);
  // strtol into 32 bits: exptime 2147483648 is negative, "+3", "03", "\t3", "3\tjunk" read 3.
  EXPECT_EQ(One("set k 0 2147483648 1\r\nx\r\n").exptime, INT32_MIN);
  EXPECT_EQ(One("set k 0 4294967296 1\r\nx\r\n").exptime, 0);
  EXPECT_EQ(One("set k 0 0 +3\r\nabc\r\n").value, "abc");
  EXPECT_EQ(One("set k 0 0 03\r\nabc\r\n").value, "abc");
  EXPECT_EQ(One("set k 0 0 4294967299\r\nabc\r\n").value, "abc");
  EXPECT_EQ(One("set k 0 0 3\tjunk\r\nabc\r\n").value, "abc");
  EXPECT_EQ(One("set k 0 0 3\r\r\nabc\r\n").value, "abc");
  EXPECT_EQ(One("incr k 18446744073709551615\r\n").delta, UINT64_MAX);
  EXPECT_EQ(One("decr k -18446744073709551615\r\n").delta, 1u);
  EXPECT_EQ(One("verbosity 4294967297\r\n").verbosity, 1);
}

TEST(MemcacheText, OtherCommands) {
  Request r = One("delete k\r\n");
  EXPECT_EQ(r.cmd, Cmd::kDelete);
  EXPECT_EQ(r.keys, (std::vector<std::string>{"k"}));
  EXPECT_FALSE(r.noreply);
  EXPECT_FALSE(One("delete k 0\r\n").noreply);
  EXPECT_TRUE(One("delete k noreply\r\n").noreply);
  EXPECT_TRUE(One("delete k 0 noreply\r\n").noreply);
  r = One("incr k 7 noreply\r\n");
  EXPECT_EQ(r.cmd, Cmd::kIncr);
  EXPECT_EQ(r.delta, 7u);
  EXPECT_TRUE(r.noreply);
  EXPECT_EQ(One("decr k 7\r\n").cmd, Cmd::kDecr);
  r = One("touch k 60\r\n");
  EXPECT_EQ(r.cmd, Cmd::kTouch);
  EXPECT_EQ(r.exptime, 60);
  r = One("flush_all\r\n");
  EXPECT_EQ(r.cmd, Cmd::kFlushAll);
  EXPECT_FALSE(r.has_delay);
  r = One("flush_all 30 noreply\r\n");
  EXPECT_TRUE(r.has_delay);
  EXPECT_EQ(r.exptime, 30);
  EXPECT_TRUE(r.noreply);
  r = One("flush_all noreply\r\n");
  EXPECT_FALSE(r.has_delay);
  EXPECT_TRUE(r.noreply);
  EXPECT_EQ(One("version\r\n").cmd, Cmd::kVersion);
  EXPECT_EQ(One("version extra\r\n").cmd, Cmd::kVersion);
  EXPECT_EQ(One("quit\r\n").cmd, Cmd::kQuit);
  r = One("verbosity 2 noreply\r\n");
  EXPECT_EQ(r.cmd, Cmd::kVerbosity);
  EXPECT_EQ(r.verbosity, 2);
  EXPECT_TRUE(r.noreply);
  r = One("stats\r\n");
  EXPECT_EQ(r.cmd, Cmd::kStats);
  EXPECT_EQ(r.stats_arg, "");
  EXPECT_EQ(One("stats  detail   on\r\n").stats_arg, "detail on");
  EXPECT_EQ(One("stats cachedump 1 0\r\n").stats_arg, "cachedump 1 0");
}

TEST(MemcacheText, LineEndingsAndNul) {
  EXPECT_EQ(One("get k\n").keys, (std::vector<std::string>{"k"}));
  // One '\r' is dropped; a second one belongs to the key.
  EXPECT_EQ(One("get k\r\r\n").keys, (std::vector<std::string>{"k\r"}));
  // The line ends at a NUL byte, as memcached's C string does.
  EXPECT_EQ(One("get a\0b c\r\n"sv).keys, (std::vector<std::string>{"a"}));
  EXPECT_EQ(Errors("\r\n"), "ERROR\r\n");
  EXPECT_EQ(Errors("\n"), "ERROR\r\n");
  EXPECT_EQ(Errors("GET k\r\n"), "ERROR\r\n");
}

TEST(MemcacheText, BadDataChunkUsesExactlyTheDeclaredBytes) {
  // memcached reads <bytes> + 2 bytes, then checks the last two; what follows is a command.
  auto ev = Feed("set a 0 0 3\r\nabcdefgh\r\nget a\r\n");
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].status, Status::kError);
  EXPECT_EQ(ev[0].reply, "CLIENT_ERROR bad data chunk\r\n");
  EXPECT_EQ(ev[1].reply, "ERROR\r\n");  // "fgh"
  EXPECT_EQ(ev[2].req.cmd, Cmd::kGet);
  // With noreply the error is silent (an empty reply).
  ev = Feed("set a 0 0 3 noreply\r\nabcXY");
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].status, Status::kError);
  EXPECT_EQ(ev[0].reply, "");
}

TEST(MemcacheText, NoreplySilencesErrorsAfterItIsSeen) {
  EXPECT_EQ(Errors("set k x 0 1 noreply\r\n"), "");
  EXPECT_EQ(Errors("incr k x noreply\r\n"), "");
  EXPECT_EQ(Errors("set k 0 0 noreply\r\n"), "");
  EXPECT_EQ(Errors("delete k 1 noreply\r\n"), "");
  EXPECT_EQ(Errors("delete " + std::string(251, 'k') + " noreply\r\n"), "");
  // Token counts are checked first: those errors are always sent.
  EXPECT_EQ(Errors("set k 0 0 1 noreply x\r\n"), "ERROR\r\n");
}

TEST(MemcacheText, TooLargeValueIsSwallowed) {
  auto ev = Feed("set k 0 0 11\r\nhello world\r\nget k\r\n", 0, 10);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].status, Status::kError);
  EXPECT_EQ(ev[0].reply, "SERVER_ERROR object too large for cache\r\n");
  EXPECT_EQ(ev[1].req.cmd, Cmd::kGet);
  EXPECT_EQ(Describe(Feed("set k 0 0 11\r\nhello world\r\nget k\r\n", 1, 10)), Describe(ev));
  // Silent with noreply, swallowed all the same; a value of item_size_max is accepted.
  EXPECT_EQ(Errors("set k 0 0 11 noreply\r\nhello world\r\nmn\r\n", 10), "");
  EXPECT_EQ(One("set k 0 0 10\r\n0123456789\r\n").value, "0123456789");
  // A huge length is refused before any byte of it is read or buffered.
  Parser p(1 << 20);
  size_t used = 0;
  EXPECT_EQ(p.Parse("set k 0 0 2147483645\r\n", &used), Status::kError);
  EXPECT_EQ(p.error_reply(), "SERVER_ERROR object too large for cache\r\n");
  EXPECT_EQ(p.pending_bytes(), 0u);
  EXPECT_LT(p.request().value.capacity(), 1000u);
}

TEST(MemcacheText, LongLinesWithoutNewline) {
  // Up to 2048 bytes a line may wait for its newline; past that only get/gets may.
  Parser p;
  size_t used = 0;
  EXPECT_EQ(p.Parse(std::string(2048, 'x'), &used), Status::kIncomplete);
  EXPECT_EQ(p.Parse(std::string(2049, 'x'), &used), Status::kClose);
  EXPECT_EQ(p.error_reply(), "");
  std::string get = "get" + std::string(100, ' ');
  while (get.size() < 5000) get += " key";
  Parser q;
  used = 0;
  EXPECT_EQ(q.Parse(" get" + get.substr(3), &used), Status::kIncomplete);
  EXPECT_EQ(used, 0u);
  Parser r;
  EXPECT_EQ(r.Parse(std::string(101, ' ') + get, &used), Status::kClose);
  Parser g;
  EXPECT_EQ(g.Parse("gat 0" + get.substr(3), &used), Status::kClose);
  // With its newline, a long line of any command is parsed.
  EXPECT_EQ(Errors("set " + std::string(3000, 'k') + " 0 0 1\r\nx\r\n"),
            "CLIENT_ERROR bad command line format\r\nERROR\r\n");
  // A get line is bounded too.
  Parser big;
  std::string huge = "get";
  while (huge.size() <= Parser::kMaxGetLine) huge += " k";
  EXPECT_EQ(big.Parse(huge, &used), Status::kClose);
  EXPECT_EQ(big.error_reply(), "CLIENT_ERROR line too long\r\n");
}

TEST(MemcacheText, LongGetLineArrivingInPieces) {
  // A 600 KB multiget fed 64 bytes at a time: nothing is used until its newline arrives.
  std::string line = "get";
  while (line.size() < 600u * 1024) line += " key";
  line += "\r\n";
  Parser p;
  size_t fed = 0;
  Status s = Status::kIncomplete;
  while (s == Status::kIncomplete) {
    fed = std::min(line.size(), fed + 64);
    size_t used = 0;
    s = p.Parse(std::string_view(line).substr(0, fed), &used);
    ASSERT_EQ(used, s == Status::kRequest ? line.size() : 0u);
  }
  EXPECT_EQ(s, Status::kRequest);
  EXPECT_EQ(p.request().keys.size(), (line.size() - 5) / 4);
}

// ---- Meta protocol ----

TEST(MemcacheMeta, GetFlags) {
  Request r = One("mg key v k c f s t h l u q Oabc N30 R10 T-1 P/x Lpath\r\n");
  EXPECT_EQ(r.proto, Proto::kMeta);
  EXPECT_EQ(r.cmd, Cmd::kMetaGet);
  EXPECT_EQ(r.keys, (std::vector<std::string>{"key"}));
  EXPECT_EQ(r.meta.order, "vkcfsthluqONRT");
  EXPECT_TRUE(r.noreply);
  EXPECT_EQ(r.meta.opaque, "abc");
  EXPECT_EQ(r.meta.vivify_ttl, 30);
  EXPECT_EQ(r.meta.recache_ttl, 10);
  EXPECT_EQ(r.meta.ttl, -1);
  EXPECT_TRUE(r.meta.has('v'));
  EXPECT_FALSE(r.meta.has('P'));
  r = One("mg key\r\n");
  EXPECT_EQ(r.meta.order, "");
  EXPECT_FALSE(r.noreply);
  EXPECT_EQ(r.meta.delta, 1u);
  // mg takes the ms/ma flags too, and any M mode.
  r = One("mg key C5 F6 D7 J8 Mx I\r\n");
  EXPECT_EQ(r.meta.compare_cas, 5u);
  EXPECT_EQ(r.meta.client_flags, 6u);
  EXPECT_EQ(r.meta.delta, 7u);
  EXPECT_EQ(r.meta.initial, 8u);
  EXPECT_EQ(r.meta.mode, 'x');
  // An opaque token of 32 bytes with its 'O' is the longest.
  EXPECT_EQ(One("mg k O" + std::string(31, 'o') + "\r\n").meta.opaque, std::string(31, 'o'));
  EXPECT_EQ(Errors("mg k O" + std::string(32, 'o') + "\r\n"),
            "CLIENT_ERROR opaque token too long\r\n");
}

TEST(MemcacheMeta, Base64Keys) {
  Request r = One("mg YWJj b k v\r\n");
  EXPECT_EQ(r.keys, (std::vector<std::string>{"abc"}));
  EXPECT_TRUE(r.meta.base64);
  EXPECT_EQ(r.meta.order, "bkv");
  std::string bin("\0\r\n \xff", 5);
  r = One("md " + Base64Encode(bin) + " q b\r\n");
  EXPECT_EQ(r.keys[0], bin);
  r = One("me YWJj b\r\n");
  EXPECT_EQ(r.cmd, Cmd::kMetaDebug);
  EXPECT_EQ(r.keys[0], "abc");
  EXPECT_TRUE(r.meta.base64);
  EXPECT_EQ(One("me YWJj\r\n").keys[0], "YWJj");
  EXPECT_EQ(Errors("mg YQ b\r\n"), "CLIENT_ERROR error decoding key\r\n");
  EXPECT_EQ(Errors("me YQ b\r\n"), "CLIENT_ERROR bad command line format\r\n");
}

TEST(MemcacheMeta, Set) {
  Request r = One("ms key 5 T60 F7 c k I C99 MA Oxy q\r\nhello\r\n");
  EXPECT_EQ(r.cmd, Cmd::kMetaSet);
  EXPECT_EQ(r.keys, (std::vector<std::string>{"key"}));
  EXPECT_EQ(r.value, "hello");
  EXPECT_EQ(r.meta.ttl, 60);
  EXPECT_EQ(r.meta.client_flags, 7u);
  EXPECT_EQ(r.meta.compare_cas, 99u);
  EXPECT_EQ(r.meta.mode, 'A');
  EXPECT_EQ(r.meta.opaque, "xy");
  EXPECT_EQ(r.meta.order, "TFckICMOq");
  EXPECT_TRUE(r.noreply);
  EXPECT_EQ(One("ms key 0\r\n\r\n").value, "");
  for (char m : std::string("EAPRS"))
    EXPECT_EQ(One(std::string("ms k 1 M") + m + "\r\nx\r\n").meta.mode, m);
  // Errors after the length is known swallow the data block.
  EXPECT_EQ(Errors("ms k 3 Me\r\nabc\r\nmn\r\n"), "CLIENT_ERROR invalid mode for ms M token\r\n");
  EXPECT_EQ(Errors("ms k 11 T1\r\nhello world\r\nmn\r\n", 10),
            "SERVER_ERROR object too large for cache\r\n");
  // A bad chunk is reported even with q.
  EXPECT_EQ(Errors("ms k 3 q\r\nabcde\r\n"), "CLIENT_ERROR bad data chunk\r\nERROR\r\n");
}

TEST(MemcacheMeta, DeleteArithNoopDebug) {
  Request r = One("md key q C12 I T30 k Oo\r\n");
  EXPECT_EQ(r.cmd, Cmd::kMetaDelete);
  EXPECT_TRUE(r.noreply);
  EXPECT_EQ(r.meta.compare_cas, 12u);
  EXPECT_EQ(r.meta.ttl, 30);
  EXPECT_EQ(r.meta.order, "qCITkO");
  r = One("ma key N0 J5 D10 MD v t c\r\n");
  EXPECT_EQ(r.cmd, Cmd::kMetaArith);
  EXPECT_EQ(r.meta.initial, 5u);
  EXPECT_EQ(r.meta.delta, 10u);
  EXPECT_EQ(r.meta.mode, 'D');
  EXPECT_EQ(One("ma key\r\n").meta.delta, 1u);
  for (char m : std::string("I+D-"))
    EXPECT_EQ(One(std::string("ma k M") + m + "\r\n").meta.mode, m);
  r = One("mn\r\n");
  EXPECT_EQ(r.cmd, Cmd::kNoop);
  EXPECT_EQ(r.proto, Proto::kMeta);
  EXPECT_EQ(One("me key\r\n").cmd, Cmd::kMetaDebug);
}

TEST(MemcacheMeta, TooManyFlags) {
  std::string flags;
  for (char f : std::string("bcfhklOqstuvNRTPLCFMIJD")) flags += std::string(" ") + f + "1";
  EXPECT_EQ(Errors("mg k" + flags + "\r\n"), "CLIENT_ERROR options flags are too long\r\n");
  EXPECT_EQ(Errors("md k" + flags + "\r\n"), "CLIENT_ERROR options flags too long\r\n");
  EXPECT_EQ(Errors("ma k" + flags + "\r\n"), "CLIENT_ERROR options flags too long\r\n");
  // ms: not swallowed, the length is not read yet.
  EXPECT_EQ(Errors("ms k 1" + flags + "\r\nx\r\n"),
            "CLIENT_ERROR options flags too long\r\nERROR\r\n");
}

// ---- Binary protocol ----

TEST(MemcacheBinary, Get) {
  Request r = One(Bin(0x00, "key", {}, {}, 0xdeadbeef));
  EXPECT_EQ(r.proto, Proto::kBinary);
  EXPECT_EQ(r.cmd, Cmd::kGet);
  EXPECT_EQ(r.opcode, 0x00);
  EXPECT_EQ(r.opaque, 0xdeadbeefu);
  EXPECT_EQ(r.keys, (std::vector<std::string>{"key"}));
  EXPECT_FALSE(r.noreply);
  EXPECT_FALSE(r.return_key);
  r = One(Bin(0x09, "k"));
  EXPECT_TRUE(r.noreply);
  EXPECT_FALSE(r.return_key);
  r = One(Bin(0x0c, "k"));
  EXPECT_FALSE(r.noreply);
  EXPECT_TRUE(r.return_key);
  r = One(Bin(0x0d, "k"));
  EXPECT_TRUE(r.noreply);
  EXPECT_TRUE(r.return_key);
  EXPECT_EQ(r.opcode, 0x0d);
  // Keys are binary.
  EXPECT_EQ(One(Bin(0x00, "a b\r\n\0"sv)).keys[0], "a b\r\n\0"sv);
}

TEST(MemcacheBinary, Storage) {
  std::string extras = Be32(0xabcdef01) + Be32(0xfffffff0);
  Request r = One(Bin(0x01, "key", extras, "value", 1, 77));
  EXPECT_EQ(r.cmd, Cmd::kSet);
  EXPECT_EQ(r.client_flags, 0xabcdef01u);
  EXPECT_EQ(r.exptime, 0xfffffff0);  // unsigned
  EXPECT_EQ(r.cas, 77u);
  EXPECT_EQ(r.value, "value");
  struct {
    uint8_t op;
    Cmd cmd;
    bool quiet;
  } ops[] = {{0x01, Cmd::kSet, false}, {0x11, Cmd::kSet, true},      {0x02, Cmd::kAdd, false},
             {0x12, Cmd::kAdd, true},  {0x03, Cmd::kReplace, false}, {0x13, Cmd::kReplace, true}};
  for (auto& o : ops) {
    r = One(Bin(o.op, "k", extras, "v"));
    EXPECT_EQ(r.cmd, o.cmd);
    EXPECT_EQ(r.noreply, o.quiet);
  }
  EXPECT_EQ(One(Bin(0x01, "k", extras)).value, "");
  r = One(Bin(0x0e, "k", {}, "tail"));
  EXPECT_EQ(r.cmd, Cmd::kAppend);
  EXPECT_EQ(r.value, "tail");
  EXPECT_TRUE(One(Bin(0x19, "k", {}, "x")).noreply);
  EXPECT_EQ(One(Bin(0x0f, "k", {}, "x")).cmd, Cmd::kPrepend);
  EXPECT_TRUE(One(Bin(0x1a, "k", {}, "x")).noreply);
}

TEST(MemcacheBinary, OtherCommands) {
  Request r = One(Bin(0x04, "k", {}, {}, 1, 5));
  EXPECT_EQ(r.cmd, Cmd::kDelete);
  EXPECT_EQ(r.cas, 5u);
  EXPECT_TRUE(One(Bin(0x14, "k")).noreply);
  r = One(Bin(0x05, "k", Be64(10) + Be64(20) + Be32(0xffffffff)));
  EXPECT_EQ(r.cmd, Cmd::kIncr);
  EXPECT_EQ(r.delta, 10u);
  EXPECT_EQ(r.initial, 20u);
  EXPECT_EQ(r.exptime, 0xffffffff);
  EXPECT_EQ(One(Bin(0x06, "k", std::string(20, '\0'))).cmd, Cmd::kDecr);
  EXPECT_TRUE(One(Bin(0x15, "k", std::string(20, '\0'))).noreply);
  EXPECT_TRUE(One(Bin(0x16, "k", std::string(20, '\0'))).noreply);
  EXPECT_EQ(One(Bin(0x07)).cmd, Cmd::kQuit);
  EXPECT_TRUE(One(Bin(0x17)).noreply);
  r = One(Bin(0x08));
  EXPECT_EQ(r.cmd, Cmd::kFlushAll);
  EXPECT_FALSE(r.has_delay);
  r = One(Bin(0x18, {}, Be32(60)));
  EXPECT_TRUE(r.noreply);
  EXPECT_TRUE(r.has_delay);
  EXPECT_EQ(r.exptime, 60);
  EXPECT_EQ(One(Bin(0x0a)).cmd, Cmd::kNoop);
  EXPECT_EQ(One(Bin(0x0b)).cmd, Cmd::kVersion);
  r = One(Bin(0x10, "settings"));
  EXPECT_EQ(r.cmd, Cmd::kStats);
  EXPECT_EQ(r.stats_arg, "settings");
  EXPECT_TRUE(r.keys.empty());
  EXPECT_EQ(One(Bin(0x10)).stats_arg, "");
  r = One(Bin(0x1c, "k", Be32(100)));
  EXPECT_EQ(r.cmd, Cmd::kTouch);
  EXPECT_EQ(r.exptime, 100);
  struct {
    uint8_t op;
    bool quiet, key;
  } gats[] = {{0x1d, false, false}, {0x1e, true, false}, {0x23, false, true}, {0x24, true, true}};
  for (auto& g : gats) {
    r = One(Bin(g.op, "k", Be32(7)));
    EXPECT_EQ(r.cmd, Cmd::kGat);
    EXPECT_EQ(r.exptime, 7);
    EXPECT_EQ(r.noreply, g.quiet);
    EXPECT_EQ(r.return_key, g.key);
  }
}

TEST(MemcacheBinary, InvalidArgumentsClose) {
  struct {
    std::string in;
    uint8_t op;
  } cases[] = {
      {Bin(0x0b, "a"), 0x0b},                        // VERSION with a key
      {Bin(0x00, "a", {}, "xx"), 0x00},              // GET with a body
      {Bin(0x00, "a", "1234"), 0x00},                // GET with extras
      {Bin(0x00), 0x00},                             // GET without key
      {Bin(0x01, "k", Be32(1), "v"), 0x01},          // SET with 4 bytes of extras
      {Bin(0x05, "k", std::string(8, '\0')), 0x05},  // INCR with 8
      {Bin(0x08, {}, std::string(8, '\0')), 0x08},   // FLUSH with 8
      {Bin(0x0e, "k", "1234", "v"), 0x0e},           // APPEND with extras
      {Bin(0x04, "k", "1234"), 0x04},                // DELETE with extras
      {Bin(0x1d, "k"), 0x1d},                        // GAT without extras
      {Bin(0x1c, "k", Be32(1), "zz"), 0x1c},         // TOUCH with a body
      {Bin(0x10, "k", {}, "zz"), 0x10},              // STAT with a body
      {Bin(0x00, std::string(251, 'k')), 0x00},      // key over 250 bytes
      {Bin(0x20, "k"), 0x20},                        // SASL_LIST_MECHS with a key
  };
  for (auto& c : cases) {
    auto ev = Feed(c.in + Bin(0x0a));
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_EQ(ev[0].status, Status::kClose);
    EXPECT_EQ(ev[0].reply, BinError(c.op, kBinInvalidArgs));
  }
  // A key or extras longer than the body: "Unknown command", then close.
  auto ev = Feed(Bin(0x00, "abc", {}, {}, 0x11223344, 0, 2));
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].status, Status::kClose);
  EXPECT_EQ(ev[0].reply, BinError(0x00, kBinUnknownCommand));
}

TEST(MemcacheBinary, RefusalsThatContinue) {
  // Unknown opcodes (VERBOSITY is one in memcached 1.6.18) skip their body.
  for (uint8_t op : {0x1b, 0x1f, 0x30, 0x50, 0xff}) {
    auto ev = Feed(Bin(op, {}, Be32(1), "body", 9) + Bin(0x0a));
    ASSERT_EQ(ev.size(), 2u);
    EXPECT_EQ(ev[0].status, Status::kError);
    EXPECT_EQ(ev[0].reply, BinError(op, kBinUnknownCommand, 9));
    EXPECT_EQ(ev[1].req.cmd, Cmd::kNoop);
  }
  // No SASL here: memcached without -S answers "Unknown command".
  EXPECT_EQ(Errors(Bin(0x20) + Bin(0x21, "PLAIN", {}, "secret") + Bin(0x0a)),
            BinError(0x20, kBinUnknownCommand) + BinError(0x21, kBinUnknownCommand));
  // A value over item_size_max: "Too large." with the request's opcode, body skipped.
  auto ev = Feed(Bin(0x11, "k", std::string(8, '\0'), std::string(11, 'v')) + Bin(0x0a), 0, 10);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].status, Status::kError);
  EXPECT_EQ(ev[0].reply, BinError(0x11, kBinTooLarge));
  EXPECT_EQ(ev[1].req.cmd, Cmd::kNoop);
  EXPECT_EQ(
      Describe(Feed(Bin(0x11, "k", std::string(8, '\0'), std::string(11, 'v')) + Bin(0x0a), 1, 10)),
      Describe(ev));
}

TEST(MemcacheBinary, ResponseFraming) {
  // Bytes recorded from memcached 1.6.18 for an unknown opcode 0x50.
  std::string want(
      "\x81\x50\x00\x00\x00\x00\x00\x81\x00\x00\x00\x0f\x11\x22\x33\x44"
      "\x00\x00\x00\x00\x00\x00\x00\x00Unknown command",
      39);
  EXPECT_EQ(BinError(0x50, kBinUnknownCommand), want);
  std::string out = "x";
  AppendBinaryResponse(&out, 0x0c, kBinOk, 0x01020304, 0x0102030405060708, Be32(5), "key", "value");
  EXPECT_EQ(out,
            "x"
            "\x81\x0c\x00\x03\x04\x00\x00\x00\x00\x00\x00\x0c\x01\x02\x03\x04"
            "\x01\x02\x03\x04\x05\x06\x07\x08"
            "\x00\x00\x00\x05keyvalue"sv);
  EXPECT_EQ(BinaryStatusText(kBinKeyNotFound), "Not found");
  EXPECT_EQ(BinaryStatusText(kBinKeyExists), "Data exists for key.");
  EXPECT_EQ(BinaryStatusText(kBinTooLarge), "Too large.");
  EXPECT_EQ(BinaryStatusText(kBinInvalidArgs), "Invalid arguments");
  EXPECT_EQ(BinaryStatusText(kBinNotStored), "Not stored.");
  EXPECT_EQ(BinaryStatusText(kBinNonNumeric), "Non-numeric server-side value for incr or decr");
  EXPECT_EQ(BinaryStatusText(kBinUnknownCommand), "Unknown command");
  EXPECT_EQ(BinaryStatusText(kBinOutOfMemory), "Out of memory");
}

// ---- Base64 ----

TEST(MemcacheBase64, RoundTripsAndDecodesAsMemcached) {
  std::string out;
  for (size_t n = 1; n < 40; ++n) {
    std::string in;
    for (size_t i = 0; i < n; ++i) in.push_back(static_cast<char>(i * 37 + n));
    ASSERT_TRUE(Base64Decode(Base64Encode(in), &out));
    EXPECT_EQ(out, in);
  }
  EXPECT_EQ(Base64Encode("a"), "YQ==");
  EXPECT_EQ(Base64Encode("ab"), "YWI=");
  EXPECT_EQ(Base64Encode("abc"), "YWJj");
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_FALSE(Base64Decode("", &out));
  EXPECT_FALSE(Base64Decode("YQ", &out));  // not a multiple of four
  EXPECT_FALSE(Base64Decode("YWJ", &out));
  EXPECT_FALSE(Base64Decode("====", &out));  // bad padding
  EXPECT_FALSE(Base64Decode("A===", &out));
  // Bytes outside the alphabet are skipped; decoding stops after a padded group.
  ASSERT_TRUE(Base64Decode("Y!Q==", &out));
  EXPECT_EQ(out, "a");
  ASSERT_TRUE(Base64Decode("YQ==YWJj", &out));
  EXPECT_EQ(out, "a");
}

// ---- The parser as a whole ----

std::string MixedStream() {
  return "get a b\r\n"
         "set k 1 2 5\r\nhe\r\no\r\n" +
         Bin(0x01, "bk", Be32(3) + Be32(4), "binval", 5) + "mg k v q Oop\r\n" + Bin(0x09, "q1") +
         Bin(0x0d, "q2") + "ms k 3 T10\r\nabc\r\n" + Bin(0x0a) + "incr k 5\r\n" + "bogus\r\n" +
         Bin(0x50, "x") + "set k 0 0 2\r\nabcd" + "md k q\r\n" + "ma k D3\r\n" + "mn\r\n" +
         Bin(0x1c, "k", Be32(9)) + "gat 5 x y\n" + "delete k noreply\r\n" +
         Bin(0x05, "n", Be64(1) + Be64(2) + Be32(3)) + "version\r\n";
}

TEST(MemcacheParser, PipelinedMixedProtocols) {
  auto ev = Feed(MixedStream());
  std::vector<std::pair<Proto, Cmd>> want = {
      {Proto::kText, Cmd::kGet},        {Proto::kText, Cmd::kSet},
      {Proto::kBinary, Cmd::kSet},      {Proto::kMeta, Cmd::kMetaGet},
      {Proto::kBinary, Cmd::kGet},      {Proto::kBinary, Cmd::kGet},
      {Proto::kMeta, Cmd::kMetaSet},    {Proto::kBinary, Cmd::kNoop},
      {Proto::kText, Cmd::kIncr},       {Proto::kText, Cmd::kGet},  // "bogus": error
      {Proto::kBinary, Cmd::kGet},                                  // 0x50: error
      {Proto::kText, Cmd::kGet},                                    // bad chunk: error
      {Proto::kMeta, Cmd::kMetaDelete}, {Proto::kMeta, Cmd::kMetaArith},
      {Proto::kMeta, Cmd::kNoop},       {Proto::kBinary, Cmd::kTouch},
      {Proto::kText, Cmd::kGat},        {Proto::kText, Cmd::kDelete},
      {Proto::kBinary, Cmd::kIncr},     {Proto::kText, Cmd::kVersion},
  };
  ASSERT_EQ(ev.size(), want.size());
  for (size_t i = 0; i < ev.size(); ++i) {
    if (i == 9 || i == 10 || i == 11) {
      EXPECT_EQ(ev[i].status, Status::kError) << i;
      continue;
    }
    ASSERT_EQ(ev[i].status, Status::kRequest) << i;
    EXPECT_EQ(ev[i].req.proto, want[i].first) << i;
    EXPECT_EQ(ev[i].req.cmd, want[i].second) << i;
  }
  EXPECT_EQ(ev[1].req.value, "he\r\no");
  EXPECT_EQ(ev[2].req.value, "binval");
  EXPECT_EQ(ev[2].req.opaque, 5u);
  EXPECT_EQ(ev[9].reply, "ERROR\r\n");
  EXPECT_EQ(ev[10].reply, BinError(0x50, kBinUnknownCommand));
  EXPECT_EQ(ev[11].reply, "CLIENT_ERROR bad data chunk\r\n");
  EXPECT_EQ(ev[16].req.keys, (std::vector<std::string>{"x", "y"}));
}

TEST(MemcacheParser, StickyProtocolFollowsTheFirstRequest) {
  {
    // A binary connection closes on a byte that is not the request magic.
    Parser p;
    p.set_sticky_protocol(true);
    std::string in = Bin(0x0a) + "version\r\n";
    size_t used = 0;
    EXPECT_EQ(p.Parse(in, &used), Status::kRequest);
    std::string_view rest = std::string_view(in).substr(used);
    used = 0;
    EXPECT_EQ(p.Parse(rest, &used), Status::kClose);
    EXPECT_EQ(p.error_reply(), "");
  }
  {
    // A text connection reads a later 0x80 byte as (unknown) text.
    Parser p;
    p.set_sticky_protocol(true);
    std::string in = "version\r\n" + Bin(0x0a);
    size_t used = 0;
    EXPECT_EQ(p.Parse(in, &used), Status::kRequest);
    std::string_view rest = std::string_view(in).substr(used);
    used = 0;
    EXPECT_NE(p.Parse(rest, &used), Status::kRequest);
  }
}

TEST(MemcacheParser, ByteByByteMatchesAllAtOnce) {
  std::string in = MixedStream();
  std::string whole = Describe(Feed(in));
  for (size_t chunk : {1, 2, 3, 7, 24, 25, 100})
    EXPECT_EQ(Describe(Feed(in, chunk)), whole) << chunk;
}

TEST(MemcacheParser, PendingBytes) {
  Parser p;
  size_t used = 0;
  EXPECT_EQ(p.Parse("set k 0 0 10\r\n0123", &used), Status::kIncomplete);
  EXPECT_EQ(used, 18u);
  EXPECT_EQ(p.pending_bytes(), 8u);  // 6 bytes and "\r\n"
  used = 0;
  EXPECT_EQ(p.Parse("456789\r", &used), Status::kIncomplete);
  EXPECT_EQ(p.pending_bytes(), 1u);
  used = 0;
  EXPECT_EQ(p.Parse("\n", &used), Status::kRequest);
  EXPECT_EQ(p.pending_bytes(), 0u);
  EXPECT_EQ(p.request().value, "0123456789");
  std::string bin = Bin(0x01, "k", std::string(8, '\0'), "12345");
  used = 0;
  EXPECT_EQ(p.Parse(std::string_view(bin).substr(0, bin.size() - 3), &used), Status::kIncomplete);
  EXPECT_EQ(p.pending_bytes(), 3u);
}

TEST(MemcacheParser, ReusesStorageAcrossRequests) {
  Parser p;
  size_t used = 0;
  std::string key(100, 'k');
  ASSERT_EQ(p.Parse("get " + key + "\r\n", &used), Status::kRequest);
  const char* key_data = p.request().keys[0].data();
  used = 0;
  ASSERT_EQ(p.Parse("set " + key + " 0 0 100\r\n" + std::string(100, 'v') + "\r\n", &used),
            Status::kRequest);
  EXPECT_EQ(p.request().keys[0].data(), key_data);
  const char* value_data = p.request().value.data();
  used = 0;
  ASSERT_EQ(p.Parse("set " + key + " 0 0 90\r\n" + std::string(90, 'v') + "\r\n", &used),
            Status::kRequest);
  EXPECT_EQ(p.request().keys[0].data(), key_data);
  EXPECT_EQ(p.request().value.data(), value_data);
  // The caller may take the strings; the next request starts clean.
  std::string taken = std::move(p.request().value);
  used = 0;
  ASSERT_EQ(p.Parse("get a b\r\n", &used), Status::kRequest);
  EXPECT_EQ(p.request().value, "");
  EXPECT_EQ(p.request().keys.size(), 2u);
}

TEST(MemcacheParser, RequestClear) {
  Request r = One("ms aw== 1 T5 Oo q b\r\nx\r\n");
  r.Clear();
  Request fresh;
  EXPECT_EQ(Describe({{Status::kRequest, "", r}}), Describe({{Status::kRequest, "", fresh}}));
}

// Random bytes and random mutations of valid requests: never a crash, always progress, and
// bounded state; inputs shorter than kMaxLine parse the same however they are cut.
TEST(MemcacheParser, Fuzz) {
  std::mt19937 rng(20240601);
  std::vector<std::string> seeds = {"get a b c\r\n",
                                    "gets k\r\n",
                                    "gat 10 k\r\n",
                                    "set k 0 0 5\r\nhello\r\n",
                                    "cas k 1 2 3 4 noreply\r\nabc\r\n",
                                    "delete k 0\r\n",
                                    "incr k 5\r\n",
                                    "touch k 1\r\n",
                                    "flush_all 5\r\n",
                                    "verbosity 1\r\n",
                                    "stats items\r\n",
                                    "version\r\n",
                                    "mg k v k c O1 T5 b\r\n",
                                    "ms k 3 F1 MA q\r\nabc\r\n",
                                    "md k C1 I\r\n",
                                    "ma k D5 N0 J1\r\n",
                                    "mn\r\n",
                                    "me k b\r\n",
                                    Bin(0x00, "k"),
                                    Bin(0x01, "k", std::string(8, '\1'), "val"),
                                    Bin(0x05, "k", std::string(20, '\2')),
                                    Bin(0x1c, "k", Be32(5)),
                                    Bin(0x10, "items"),
                                    Bin(0x0e, "k", {}, "x"),
                                    Bin(0x08, {}, Be32(1)),
                                    Bin(0x50, "k", {}, "zz")};
  const std::string alphabet =
      " \r\n\t\x80\x81\x00\xff"
      "0123456789-+abgkmnstvqOTNbMDJCF="s;
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  for (int iter = 0; iter < 3000; ++iter) {
    std::string in;
    if (iter % 4 == 0) {
      size_t n = pick(300);
      for (size_t i = 0; i < n; ++i)
        in.push_back(pick(2) ? alphabet[pick(alphabet.size())] : static_cast<char>(rng()));
    } else {
      for (size_t k = 1 + pick(4); k > 0; --k) in += seeds[pick(seeds.size())];
      for (size_t m = pick(5); m > 0 && !in.empty(); --m) {
        size_t at = pick(in.size());
        switch (pick(4)) {
          case 0:
            in[at] = static_cast<char>(rng());
            break;
          case 1:
            in.insert(at, 1, alphabet[pick(alphabet.size())]);
            break;
          case 2:
            in.erase(at, 1 + pick(3));
            break;
          case 3:
            in.insert(at, in.substr(pick(in.size()), pick(20)));
            break;
        }
      }
    }
    // Small values refused, so random lengths do not buffer much.
    const size_t item_size_max = 64;
    std::string whole = Describe(Feed(in, 0, item_size_max));
    if (in.size() < Parser::kMaxLine) {
      ASSERT_EQ(Describe(Feed(in, 1, item_size_max)), whole) << iter;
      ASSERT_EQ(Describe(Feed(in, 1 + pick(30), item_size_max)), whole) << iter;
    }
    // Bounded state, fed in random pieces.
    Parser p(item_size_max);
    std::string buf;
    for (size_t pos = 0; pos < in.size();) {
      size_t n = std::min(in.size() - pos, 1 + pick(64));
      buf.append(in, pos, n);
      pos += n;
      Status s;
      do {
        size_t used = 0;
        s = p.Parse(buf, &used);
        ASSERT_LE(used, buf.size());
        buf.erase(0, used);
        ASSERT_TRUE(s == Status::kIncomplete || s == Status::kClose || used > 0);
        ASSERT_LE(p.request().value.size(), item_size_max);
        ASSERT_LE(p.pending_bytes(), item_size_max + 2);
      } while (s == Status::kRequest || s == Status::kError);
      if (s == Status::kClose) break;
      ASSERT_LE(buf.size(), Parser::kMaxGetLine + 24 + 255 + 65535);
    }
  }
}

}  // namespace
}  // namespace tessera::mc
