// Number parsing/formatting and glob matching, following Redis's util.c.
#include "base/strings.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tessera {

std::optional<int64_t> ParseInt64(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  size_t i = 0;
  bool neg = false;
  if (s.size() == 1 && s[0] == '0') return 0;
  if (s[0] == '-') {
    neg = true;
    if (++i == s.size()) return std::nullopt;
  }
  if (s[i] < '1' || s[i] > '9') return std::nullopt;
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c < '0' || c > '9') return std::nullopt;
    if (v > (UINT64_MAX / 10)) return std::nullopt;
    v *= 10;
    if (v > UINT64_MAX - (c - '0')) return std::nullopt;
    v += c - '0';
  }
  if (neg) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
    return static_cast<int64_t>(0 - v);
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(v);
}

std::optional<uint64_t> ParseUint64(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  if (s.size() == 1 && s[0] == '0') return 0;
  if (s[0] < '1' || s[0] > '9') return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    if (v > UINT64_MAX / 10) return std::nullopt;
    v *= 10;
    if (v > UINT64_MAX - (c - '0')) return std::nullopt;
    v += c - '0';
  }
  return v;
}

std::optional<long double> ParseLongDouble(std::string_view s) {
  if (s.empty() || s.size() >= 5 * 1024) return std::nullopt;
  std::string buf(s);
  if (isspace(static_cast<unsigned char>(buf[0]))) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  long double v = strtold(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || errno == ERANGE || std::isnan(v)) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view s) {
  if (s.empty() || s.size() >= 5 * 1024) return std::nullopt;
  std::string buf(s);
  if (isspace(static_cast<unsigned char>(buf[0]))) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  double v = strtod(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() ||
      (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || std::fpclassify(v) == FP_ZERO)) ||
      std::isnan(v))
    return std::nullopt;
  return v;
}

std::string FormatLongDoubleHuman(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[5600];
  int len = snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (len <= 0 || static_cast<size_t>(len) >= sizeof(buf)) return "0";
  if (strchr(buf, '.') != nullptr) {
    char* p = buf + len - 1;
    while (*p == '0') {
      --p;
      --len;
    }
    if (*p == '.') --len;
  }
  std::string out(buf, len);
  if (out == "-0") out = "0";
  return out;
}

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  int len = snprintf(buf, sizeof(buf), "%.17g", v);
  return std::string(buf, len);
}

std::optional<int64_t> ParseMemory(std::string_view s) {
  if (s.empty()) return std::nullopt;
  size_t digits = 0;
  bool neg = s[0] == '-';
  size_t start = neg ? 1 : 0;
  digits = start;
  while (digits < s.size() && isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  std::string unit = ToLower(s.substr(digits));
  int64_t mul = 1;
  if (unit.empty() || unit == "b")
    mul = 1;
  else if (unit == "k")
    mul = 1000;
  else if (unit == "kb")
    mul = 1024;
  else if (unit == "m")
    mul = 1000 * 1000;
  else if (unit == "mb")
    mul = 1024 * 1024;
  else if (unit == "g")
    mul = 1000LL * 1000 * 1000;
  else if (unit == "gb")
    mul = 1024LL * 1024 * 1024;
  else
    return std::nullopt;
  auto n = ParseInt64(s.substr(0, digits));
  if (!n) return std::nullopt;
  if (*n != 0 && (*n > INT64_MAX / mul || *n < INT64_MIN / mul)) return std::nullopt;
  return *n * mul;
}

namespace {

// `skip_longer` is Redis 7.0.9's fix for exponential backtracking (CVE-2022-36021): once the
// rest of a pattern after '*' fails to match anywhere in the remaining string, no earlier '*'
// can help by matching more, so every enclosing '*' loop gives up at once.
bool GlobMatchImpl(const char* p, size_t plen, const char* s, size_t slen, bool nocase,
                   bool* skip_longer, int nesting) {
  // Bound recursion on pathological patterns like Redis 7 does.
  if (nesting > 1000) return false;
  while (plen && slen) {
    switch (p[0]) {
      case '*':
        while (plen > 1 && p[1] == '*') {
          ++p;
          --plen;
        }
        if (plen == 1) return true;
        while (slen) {
          if (GlobMatchImpl(p + 1, plen - 1, s, slen, nocase, skip_longer, nesting + 1))
            return true;
          if (*skip_longer) return false;
          ++s;
          --slen;
        }
        *skip_longer = true;
        return false;
      case '?':
        ++s;
        --slen;
        break;
      case '[': {
        ++p;
        --plen;
        bool negate = plen && p[0] == '^';
        if (negate) {
          ++p;
          --plen;
        }
        bool match = false;
        while (true) {
          if (plen == 0) break;
          if (p[0] == '\\' && plen >= 2) {
            ++p;
            --plen;
            if (p[0] == s[0]) match = true;
          } else if (p[0] == ']') {
            break;
          } else if (plen >= 3 && p[1] == '-') {
            int start = static_cast<unsigned char>(p[0]);
            int end = static_cast<unsigned char>(p[2]);
            int c = static_cast<unsigned char>(s[0]);
            if (start > end) std::swap(start, end);
            if (nocase) {
              start = tolower(start);
              end = tolower(end);
              c = tolower(c);
            }
            p += 2;
            plen -= 2;
            if (c >= start && c <= end) match = true;
          } else if (nocase ? tolower(static_cast<unsigned char>(p[0])) ==
                                  tolower(static_cast<unsigned char>(s[0]))
                            : p[0] == s[0]) {
            match = true;
          }
          ++p;
          --plen;
        }
        if (plen == 0) {  // pattern ended inside [...]: Redis treats the end as ']'
          ++plen;
          --p;
        }
        if (negate) match = !match;
        if (!match) return false;
        ++s;
        --slen;
        break;
      }
      case '\\':
        if (plen >= 2) {
          ++p;
          --plen;
        }
        [[fallthrough]];
      default:
        if (nocase ? tolower(static_cast<unsigned char>(p[0])) !=
                         tolower(static_cast<unsigned char>(s[0]))
                   : p[0] != s[0])
          return false;
        ++s;
        --slen;
        break;
    }
    ++p;
    --plen;
    if (slen == 0) {
      while (plen && *p == '*') {
        ++p;
        --plen;
      }
      break;
    }
  }
  return plen == 0 && slen == 0;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  bool skip_longer = false;
  return GlobMatchImpl(pattern.data(), pattern.size(), str.data(), str.size(), nocase, &skip_longer,
                       0);
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string FormatBytesHuman(int64_t bytes) {
  char buf[64];
  double d = static_cast<double>(bytes);
  if (bytes < 1024)
    snprintf(buf, sizeof(buf), "%lldB", static_cast<long long>(bytes));
  else if (bytes < (1 << 20))
    snprintf(buf, sizeof(buf), "%.2fK", d / 1024);
  else if (bytes < (1LL << 30))
    snprintf(buf, sizeof(buf), "%.2fM", d / (1 << 20));
  else
    snprintf(buf, sizeof(buf), "%.2fG", d / (1LL << 30));
  return buf;
}

}  // namespace tessera
