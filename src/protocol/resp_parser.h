// Incremental RESP request parser: multibulk ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") and inline
// ("GET k\r\n", as typed into telnet). Knows nothing of commands or storage.
//
// The parser keeps its position inside a partially received multibulk request between calls, so
// a large bulk arriving in many reads is scanned once. Errors carry Redis's exact text (without
// the "ERR " prefix); after an error the connection must be closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tessera {

class RespParser {
 public:
  enum class Status { kCommand, kIncomplete, kError };

  // Longest inline request or multibulk/bulk header line, as Redis's PROTO_INLINE_MAX_SIZE.
  static constexpr size_t kInlineMax = 64 * 1024;

  explicit RespParser(int64_t max_bulk_len = 512LL * 1024 * 1024) : max_bulk_len_(max_bulk_len) {}

  void set_max_bulk_len(int64_t v) { max_bulk_len_ = v; }

  // Parses from `buf`, adding the number of bytes used to `*consumed`. kCommand: args() holds a
  // complete, non-empty command. kIncomplete: everything usable was consumed; call again with
  // more data. kError: error() holds the message.
  Status Parse(std::string_view buf, size_t* consumed);

  // Argument storage is reused across commands; only the first argc() entries are valid.
  std::vector<std::string>& args() { return args_; }
  size_t argc() const { return argc_; }
  const std::string& error() const { return error_; }

  // Frees argument buffers grown past kKeepArgBytes by the last command, so one big request
  // does not pin its memory for the life of the connection. Call after running a command.
  void ReleaseLargeArgs() {
    if (!large_args_) return;
    for (auto& a : args_)
      if (a.capacity() > kKeepArgBytes) std::string().swap(a);
    if (args_.size() > kKeepArgs) args_.resize(kKeepArgs);
    large_args_ = false;
  }
  static constexpr size_t kKeepArgBytes = 32 * 1024;
  static constexpr size_t kKeepArgs = 1024;

  // Bytes still expected for the bulk being received, so the reader can size its buffer.
  int64_t pending_bulk() const { return bulk_len_; }

 private:
  Status ParseInline(std::string_view buf, size_t* consumed);
  Status ParseMultibulk(std::string_view buf, size_t* consumed);
  Status Fail(std::string msg);
  void PushArg(std::string_view a);

  int64_t max_bulk_len_;
  std::vector<std::string> args_;
  size_t argc_ = 0;
  int64_t multibulk_left_ = 0;  // >0 while inside a multibulk request
  int64_t bulk_len_ = -1;       // >=0 once a bulk header was read
  std::string error_;
  bool large_args_ = false;  // a big argument or many arguments since ReleaseLargeArgs
};

// Splits an inline line like Redis's sdssplitargs: spaces separate, "..." with \n \t \xHH
// escapes, '...' with \' only. Returns false on unbalanced quotes.
bool SplitInlineArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace tessera
