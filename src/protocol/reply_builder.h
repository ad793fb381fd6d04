// Serialises replies as RESP2 or RESP3 into a caller-owned byte buffer. Knows nothing of
// storage: handlers describe a reply (array of 3, bulk "x", ...) and the builder picks the
// wire form for the connection's protocol version (e.g. a map is a flat array in RESP2).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tessera {

class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string* out, int resp = 2) : out_(out), resp_(resp) {}

  int resp() const { return resp_; }
  void set_resp(int v) { resp_ = v; }
  std::string* buffer() { return out_; }

  void SimpleString(std::string_view s);
  void Ok() { out_->append("+OK\r\n"); }
  // `msg` is the whole error line without '-', its code included: "ERR syntax error".
  void Error(std::string_view msg);
  void Integer(int64_t v);
  void Bulk(std::string_view s);
  void Null();       // RESP2 "$-1", RESP3 "_"
  void NullArray();  // RESP2 "*-1", RESP3 "_"
  void ArrayHeader(size_t n);
  void SetHeader(size_t n);                 // RESP3 '~', RESP2 array
  void MapHeader(size_t n);                 // RESP3 '%', RESP2 array of 2n
  void PushHeader(size_t n);                // RESP3 '>', RESP2 array
  void Double(double v);                    // RESP3 ',', RESP2 bulk of "%.17g"
  void Bool(bool v);                        // RESP3 '#', RESP2 integer 0/1
  void Verbatim(std::string_view s);        // RESP3 "=txt:", RESP2 bulk
  void BigNumber(std::string_view digits);  // RESP3 '(', RESP2 bulk
  void AttributeHeader(size_t n);           // RESP3 '|'; RESP2 has no attributes (caller skips)

 private:
  void Header(char c, int64_t n);
  std::string* out_;
  int resp_;
};

}  // namespace tessera
