// The SCAN family's argument parsing (see scan_args.h).
#include "server/scan_args.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

#include "server/command_context.h"

namespace tessera {

std::optional<uint64_t> ParseScanCursor(const std::string& arg) {
  if (!arg.empty() && isspace(static_cast<unsigned char>(arg[0]))) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = strtoull(arg.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return std::nullopt;
  return static_cast<uint64_t>(v);
}

bool ParseScanCursor(CommandContext& ctx, const std::string& arg, uint64_t* cursor) {
  auto c = ParseScanCursor(arg);
  if (!c) {
    ctx.rb.Error("ERR invalid cursor");
    return false;
  }
  *cursor = *c;
  return true;
}

bool ParseScanOptions(CommandContext& ctx, size_t first, bool allow_type, ScanArgs* args) {
  for (size_t i = first; i < ctx.argc(); i += 2) {
    const std::string& opt = ctx.arg(i);
    bool has_value = i + 1 < ctx.argc();
    if (EqualsIgnoreCase(opt, "count") && has_value) {
      auto v = ParseInt64(ctx.arg(i + 1));
      if (!v) {
        ctx.ReplyNotInteger();
        return false;
      }
      if (*v < 1) {
        ctx.ReplySyntaxError();
        return false;
      }
      args->count = *v;
    } else if (EqualsIgnoreCase(opt, "match") && has_value) {
      args->pattern = &ctx.arg(i + 1);
    } else if (allow_type && EqualsIgnoreCase(opt, "type") && has_value) {
      args->type = &ctx.arg(i + 1);
    } else {
      ctx.ReplySyntaxError();
      return false;
    }
  }
  return true;
}

Entry* ParseKeyScan(CommandContext& ctx, ValueType type, ScanArgs* args) {
  if (!ParseScanCursor(ctx, ctx.arg(2), &args->cursor)) return nullptr;
  bool wrong;
  Entry* e = ctx.LookupOf(ctx.arg(1), type, &wrong);
  if (wrong) return nullptr;
  if (!e) {
    ReplyScanHeader(ctx, 0, 0);
    return nullptr;
  }
  return ParseScanOptions(ctx, 3, /*allow_type=*/false, args) ? e : nullptr;
}

void ReplyScanHeader(CommandContext& ctx, uint64_t next, size_t n) {
  ctx.rb.ArrayHeader(2);
  ctx.rb.Bulk(std::to_string(next));
  ctx.rb.ArrayHeader(n);
}

}  // namespace tessera
