// RESP request parsing with Redis's limits and error messages (networking.c).
#include "protocol/resp_parser.h"

#include <cctype>
#include <climits>
#include <cstring>

#include "base/strings.h"

namespace tessera {
namespace {

// Reads the number in a "*<n>\r\n" or "$<n>\r\n" header starting after the type byte at `pos`.
// Returns the offset of the '\r' (npos when it has not arrived yet) and the value in *out
// (nullopt when it is not a valid integer). Plain digits, the usual case, are parsed while
// scanning; anything else goes through the strict parser.
[[gnu::always_inline]] inline size_t ScanLength(std::string_view buf, size_t pos,
                                                std::optional<int64_t>* out) {
  const char* p = buf.data() + pos;
  const char* end = buf.data() + buf.size();
  if (p < end && *p >= '1' && *p <= '9') {
    int64_t v = *p++ - '0';
    // 17 more digits at most keeps v far from overflow; longer numbers take the slow path.
    const char* limit = p + 17 < end ? p + 17 : end;
    while (p < limit && static_cast<unsigned>(*p - '0') < 10) v = v * 10 + (*p++ - '0');
    if (p < end && *p == '\r') {
      *out = v;
      return static_cast<size_t>(p - buf.data());
    }
  }
  size_t cr = buf.find('\r', pos);
  if (cr == std::string_view::npos) return cr;
  *out = ParseInt64(buf.substr(pos, cr - pos));
  return cr;
}

}  // namespace

RespParser::Status RespParser::Fail(std::string msg) {
  error_ = std::move(msg);
  return Status::kError;
}

void RespParser::PushArg(std::string_view a) {
  if (a.size() > kKeepArgBytes || argc_ >= kKeepArgs) large_args_ = true;
  if (argc_ == args_.size()) args_.emplace_back();
  args_[argc_++].assign(a.data(), a.size());
}

RespParser::Status RespParser::Parse(std::string_view buf, size_t* consumed) {
  while (true) {
    if (multibulk_left_ == 0) {
      argc_ = 0;
      if (buf.empty()) return Status::kIncomplete;
      if (buf[0] != '*') {
        size_t used = 0;
        Status s = ParseInline(buf, &used);
        *consumed += used;
        buf.remove_prefix(used);
        if (s == Status::kCommand && argc_ == 0) continue;  // empty line: skip
        return s;
      }
    }
    size_t used = 0;
    Status s = ParseMultibulk(buf, &used);
    *consumed += used;
    buf.remove_prefix(used);
    if (s == Status::kCommand && argc_ == 0) continue;  // "*0" or "*-1": skip
    return s;
  }
}

RespParser::Status RespParser::ParseInline(std::string_view buf, size_t* consumed) {
  size_t nl = buf.find('\n');
  if (nl == std::string_view::npos) {
    if (buf.size() > kInlineMax) return Fail("Protocol error: too big inline request");
    return Status::kIncomplete;
  }
  std::string_view line = buf.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string> parts;
  if (!SplitInlineArgs(line, &parts)) return Fail("Protocol error: unbalanced quotes in request");
  *consumed = nl + 1;
  for (auto& p : parts) PushArg(p);
  return Status::kCommand;
}

RespParser::Status RespParser::ParseMultibulk(std::string_view buf, size_t* consumed) {
  size_t pos = 0;
  if (multibulk_left_ == 0) {
    std::optional<int64_t> n;
    size_t cr = ScanLength(buf, 1, &n);
    if (cr == std::string_view::npos) {
      if (buf.size() > kInlineMax) return Fail("Protocol error: too big mbulk count string");
      return Status::kIncomplete;
    }
    if (cr + 1 >= buf.size()) return Status::kIncomplete;  // need the '\n' too
    if (!n || *n > INT_MAX) return Fail("Protocol error: invalid multibulk length");
    pos = cr + 2;
    if (*n <= 0) {
      *consumed = pos;
      argc_ = 0;
      return Status::kCommand;
    }
    multibulk_left_ = *n;
    argc_ = 0;
    bulk_len_ = -1;
  }
  while (multibulk_left_ > 0) {
    if (bulk_len_ < 0) {
      if (pos >= buf.size()) break;
      if (buf[pos] != '$') {
        // Redis reports this once the header line has arrived.
        size_t cr = buf.find('\r', pos);
        if (cr == std::string_view::npos) {
          if (buf.size() - pos > kInlineMax)
            return Fail("Protocol error: too big bulk count string");
          break;
        }
        if (cr + 1 >= buf.size()) break;
        return Fail(std::string("Protocol error: expected '$', got '") + buf[pos] + "'");
      }
      std::optional<int64_t> n;
      size_t cr = ScanLength(buf, pos + 1, &n);
      if (cr == std::string_view::npos) {
        if (buf.size() - pos > kInlineMax) return Fail("Protocol error: too big bulk count string");
        break;
      }
      if (cr + 1 >= buf.size()) break;
      if (!n || *n < 0 || *n > max_bulk_len_) return Fail("Protocol error: invalid bulk length");
      pos = cr + 2;
      bulk_len_ = *n;
    }
    if (buf.size() - pos < static_cast<size_t>(bulk_len_) + 2) break;
    PushArg(buf.substr(pos, bulk_len_));
    pos += bulk_len_ + 2;
    bulk_len_ = -1;
    --multibulk_left_;
  }
  *consumed = pos;
  return multibulk_left_ == 0 ? Status::kCommand : Status::kIncomplete;
}

namespace {

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out) {
  // Redis splits the line as a C string: a NUL byte ends it.
  line = line.substr(0, line.find('\0'));
  size_t i = 0, n = line.size();
  while (true) {
    while (i < n && isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= n) return true;
    std::string cur;
    bool inq = false, insq = false;
    while (true) {
      if (inq) {
        if (i >= n) return false;
        char c = line[i];
        if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && HexVal(line[i + 2]) >= 0 &&
            HexVal(line[i + 3]) >= 0) {
          cur.push_back(static_cast<char>(HexVal(line[i + 2]) * 16 + HexVal(line[i + 3])));
          i += 3;
        } else if (c == '\\' && i + 1 < n) {
          ++i;
          switch (line[i]) {
            case 'n':
              cur.push_back('\n');
              break;
            case 'r':
              cur.push_back('\r');
              break;
            case 't':
              cur.push_back('\t');
              break;
            case 'b':
              cur.push_back('\b');
              break;
            case 'a':
              cur.push_back('\a');
              break;
            default:
              cur.push_back(line[i]);
              break;
          }
        } else if (c == '"') {
          // Closing quote must be followed by a space or the end.
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          inq = false;
          ++i;
          break;
        } else {
          cur.push_back(c);
        }
      } else if (insq) {
        if (i >= n) return false;
        char c = line[i];
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          cur.push_back('\'');
        } else if (c == '\'') {
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          insq = false;
          ++i;
          break;
        } else {
          cur.push_back(c);
        }
      } else {
        if (i >= n) break;
        char c = line[i];
        if (isspace(static_cast<unsigned char>(c))) break;
        if (c == '"')
          inq = true;
        else if (c == '\'')
          insq = true;
        else
          cur.push_back(c);
      }
      ++i;
    }
    out->push_back(std::move(cur));
  }
}

}  // namespace tessera
