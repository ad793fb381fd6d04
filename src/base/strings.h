// String <-> number conversions and glob matching with Redis's exact rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera {

// Strict base-10 int64: no spaces, no '+', no leading zeros (except "0"), no overflow.
// This is Redis's string2ll, which decides whether a value is "an integer".
std::optional<int64_t> ParseInt64(std::string_view s);

// Like ParseInt64 but for the unsigned 64-bit range.
std::optional<uint64_t> ParseUint64(std::string_view s);

// strtold-based parsing as Redis's string2ld: no spaces, no NaN; inf/-inf accepted.
std::optional<long double> ParseLongDouble(std::string_view s);

// strtod-based parsing as Redis's string2d (used for float arguments): rejects NaN and spaces.
std::optional<double> ParseDouble(std::string_view s);

// Redis's ld2string(LD_STR_HUMAN): "%.17Lf" with trailing zeros (and a bare dot) removed.
std::string FormatLongDoubleHuman(long double v);

// Redis's double reply format: "%.17g", with inf / -inf spelled that way.
std::string FormatDouble(double v);

// Memory sizes as redis.conf writes them: "100", "1k", "1kb", "2mb", "3gb" (case-insensitive).
std::optional<int64_t> ParseMemory(std::string_view s);
// Bytes as Redis's INFO shows them: "512B", "1.50K", "12.00M", "3.25G".
std::string FormatBytesHuman(int64_t bytes);

// Glob-style matching as Redis's stringmatchlen: * ? [abc] [^a] [a-z] and \ escapes.
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

// ASCII case-insensitive equality (no locale: command names and options are ASCII).
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x == y) continue;
    unsigned char lx = x | 0x20;
    if (lx != (y | 0x20) || lx < 'a' || lx > 'z') return false;
  }
  return true;
}

std::string ToLower(std::string_view s);

}  // namespace tessera
