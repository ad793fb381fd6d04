// The arguments of SCAN, HSCAN, SSCAN and ZSCAN, parsed as Redis 7.0's parseScanCursorOrReply
// and scanGenericCommand's option loop do, and the head of their replies.
//
// The order of checks is each command's: the cursor first (SCAN, and the key commands before
// they look their key up), then, once the key exists and has the right type, the options. A
// missing key replies an empty scan without looking at the options (shared.emptyscan).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "core/value.h"

namespace tessera {

class CommandContext;
class Entry;

struct ScanArgs {
  uint64_t cursor = 0;
  int64_t count = 10;                    // COUNT: at least 1
  const std::string* pattern = nullptr;  // MATCH (the last one given), or none
  const std::string* type = nullptr;     // TYPE (SCAN only), or none

  // Whether MATCH filters anything: "*" matches every string, so Redis skips it.
  bool use_pattern() const { return pattern && *pattern != "*"; }
  // Whether s passes MATCH.
  bool Matches(std::string_view s) const { return !use_pattern() || GlobMatch(*pattern, s); }
  // scanGenericCommand's bound on the table steps of one call: 10 * COUNT (saturated).
  int64_t max_iterations() const { return count > INT64_MAX / 10 ? INT64_MAX : count * 10; }
};

// parseScanCursorOrReply's rule, without the reply: strtoul semantics (a sign is accepted, "-1"
// wraps), no leading space, nothing after the digits, no overflow.
std::optional<uint64_t> ParseScanCursor(const std::string& arg);

// The same; replies "ERR invalid cursor" and returns false when arg is not a cursor.
bool ParseScanCursor(CommandContext& ctx, const std::string& arg, uint64_t* cursor);

// scanGenericCommand's options, from ctx.arg(first) on: COUNT n, MATCH pattern and, when
// allow_type (SCAN), TYPE name, in any order, a repeated one overriding. Replies the error and
// returns false on a COUNT that is not an integer ("ERR value is not an integer or out of
// range") or below 1 (syntax error), and on an unknown option or one without its value (syntax
// error), at the first bad one.
bool ParseScanOptions(CommandContext& ctx, size_t first, bool allow_type, ScanArgs* args);

// HSCAN, SSCAN and ZSCAN up to the scan itself (hscanCommand and its twins): the cursor at
// argument 2, then the key at argument 1, which must hold a `type`, then the options from
// argument 3. Returns the key's entry, or nullptr when the reply is made: an error, or the empty
// scan of a missing key.
Entry* ParseKeyScan(CommandContext& ctx, ValueType type, ScanArgs* args);

// The head of a scan reply: a two-element array of the next cursor and an array header for n
// elements, which the caller then writes. (next 0, n 0 is shared.emptyscan.)
void ReplyScanHeader(CommandContext& ctx, uint64_t next, size_t n);

}  // namespace tessera
