// Memcached request parser (text, meta and binary protocols, as memcached 1.6's
// doc/protocol.txt and protocol_binary.h) and the binary protocol's response framing. Knows
// nothing of storage: the server turns each Request into work on the key's shard
// (server/memcache_*.cc) and formats the replies. docs/memcached.md.
//
// One parser per connection; the protocol of each request is recognised by its first byte
// (0x80: binary, anything else: text or meta), so a client may mix them. memcached fixes the
// protocol of a connection at its first byte instead; the two part only on input it refuses
// (a text line starting with byte 0x80 is an "ERROR" there, a binary connection closes on a
// byte other than 0x80).
//
// Errors are memcached 1.6.18's, byte for byte, including its quirks: numbers are read as its
// safe_strto* read them (strtol and friends: leading blanks, a sign, truncation to 32 bits),
// "noreply" silences the text protocol's errors too, a text line without '\n' may not pass
// 2048 bytes unless it is a get/gets, and so on. memcache_test.cc pins each case. Where this
// parser differs, on purpose:
//  - A binary request with an unknown opcode has its whole body skipped (memcached skips
//    `bodylen` bytes after its extras and key, eating into the next request); TOUCH, GAT* and
//    STAT with more body than extras and key are refused with "Invalid arguments" and close
//    (memcached reads the excess as the next header and drops the connection).
//  - A value is too large when it is longer than item_size_max (memcached counts its item
//    header and key too, so it refuses values a little shorter than -I).
//  - A get/gets line without '\n' is bounded by kMaxGetLine; memcached's is not.
//  - memcached's admin commands (slabs, lru, lru_crawler, watch, cache_memlimit, ...) are
//    "ERROR", "shutdown" is "ERROR: shutdown not enabled" (memcached without -A).
//  - Errors memcached finds after it has done the work are found before: ma and mg with an
//    opaque token too long (it increments, vivifies or touches, then fails).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::mc {

enum class Proto : uint8_t { kText, kMeta, kBinary };

enum class Cmd : uint8_t {
  // Retrieval of keys: text get/gets/gat/gats (gat*: exptime first); binary GET* (one key).
  kGet,
  kGets,
  kGat,
  kGats,
  // Storage: text set add replace append prepend cas; binary SET ADD REPLACE APPEND PREPEND
  // (binary SET/ADD/REPLACE with a non-zero header CAS compare it, as memcached).
  kSet,
  kAdd,
  kReplace,
  kAppend,
  kPrepend,
  kCas,
  kDelete,
  kIncr,
  kDecr,
  kTouch,
  kFlushAll,
  kVersion,
  kVerbosity,
  kQuit,
  kStats,
  kNoop,  // binary NOOP and meta "mn"
  kMetaGet,
  kMetaSet,
  kMetaDelete,
  kMetaArith,
  kMetaDebug,
};

// The flags of a meta command (protocol.txt "Meta Get" ... "Meta Arithmetic"), parsed.
struct MetaFlags {
  // Every flag letter seen, in request order, once each (a repeated flag is an error, as in
  // memcached); the ignored P and L are left out. Return flags follow this order.
  std::string order;
  bool has(char f) const { return order.find(f) != std::string::npos; }
  // Numeric tokens are read as memcached reads them: T N R as int32 (strtol, truncated), F as
  // uint32 (strtoul, truncated), C D J as uint64.
  std::string opaque;         // O(token), the token without its 'O': at most 31 bytes
  int64_t ttl = 0;            // T(token)
  int64_t vivify_ttl = 0;     // N(token)
  int64_t recache_ttl = 0;    // R(token)
  uint64_t compare_cas = 0;   // C(token)
  uint64_t explicit_cas = 0;  // E(token): not in 1.6.18, where E is an invalid flag; stays 0
  uint32_t client_flags = 0;  // F(token)
  uint64_t delta = 1;         // D(token)
  uint64_t initial = 0;       // J(token)
  // M(token), one character. ms: E A P R S (checked: anything else is an error); ma: I + D -
  // (checked); mg and md accept and ignore any.
  char mode = 0;
  bool base64 = false;  // b: the key was base64 and has been decoded
};

struct Request {
  Proto proto = Proto::kText;
  Cmd cmd = Cmd::kGet;
  // Text: the "noreply" token. Binary: a quiet opcode (GETQ, SETQ, ...). Meta: the q flag.
  bool noreply = false;
  // Keys, already decoded (meta b flag), at most 250 bytes each. Retrieval may carry many,
  // other commands one; text gat/gats may carry none (memcached answers "END"); flush_all,
  // version, verbosity, stats, quit and noop carry none.
  std::vector<std::string> keys;
  std::string value;          // the data block of storage commands (without "\r\n")
  uint32_t client_flags = 0;  // storage (text: strtoul truncated to 32 bits, as memcached)
  // Storage, touch, gat/gats, flush_all, binary extras. Text: as memcached reads it (int32,
  // strtol truncated: "4294967296" is 0, negative means already expired). Binary: the 32-bit
  // field, unsigned (incr/decr: 0xffffffff means "do not create").
  int64_t exptime = 0;
  uint64_t cas = 0;        // text cas's <cas unique>; binary header CAS
  uint64_t delta = 0;      // incr/decr
  uint64_t initial = 0;    // binary incr/decr initial value
  bool has_delay = false;  // flush_all <delay> given (exptime holds it; <= 0 means now)
  int64_t verbosity = 0;   // verbosity <n> (uint32, strtoul truncated)
  // Text: the arguments after "stats", joined by single spaces ("", "slabs", "detail on",
  // "cachedump 1 0"). Binary: the STAT key.
  std::string stats_arg;
  // Meta commands: everything given as flags (ttl, cas, client flags, ...) is here only.
  MetaFlags meta;
  // Binary only.
  uint8_t opcode = 0;
  uint32_t opaque = 0;
  bool return_key = false;  // GETK, GETKQ, GATK, GATKQ

  void Clear();
};

class Parser {
 public:
  enum class Status {
    kRequest,     // request() holds a complete request
    kIncomplete,  // more bytes are needed; everything usable was consumed
    // error_reply() is the exact reply to send; the connection continues. It is empty where
    // memcached sends nothing: a text command with "noreply" fails silently.
    kError,
    kClose,  // error_reply() (maybe empty) is sent, then the connection must close
  };

  static constexpr size_t kMaxKeyLength = 250;
  // A text line without '\n' is given up (the connection closed, no reply) past this many
  // bytes, as memcached does, unless it starts with "get " or "gets " (after at most 100
  // spaces): those wait for their newline up to kMaxGetLine, then "CLIENT_ERROR line too long"
  // and close (memcached has no bound there).
  static constexpr size_t kMaxLine = 2048;
  static constexpr size_t kMaxGetLine = 1 << 20;

  // `item_size_max`: the largest value accepted (memcached -I); longer ones are refused with
  // memcached's "SERVER_ERROR object too large for cache" (binary: "Too large.") and their
  // data is swallowed without being buffered.
  explicit Parser(size_t item_size_max = 1 << 20) : item_size_max_(item_size_max) {}
  void set_item_size_max(size_t v) { item_size_max_ = v; }
  // As memcached: the first byte of the first request fixes the connection's protocol
  // (binary or text/meta). Off by default: each request is recognised by its first byte.
  void set_sticky_protocol(bool v) { sticky_ = v; }

  // Parses from `buf`, adding the bytes used to `*consumed`. The bytes not consumed must be
  // passed again, at the start of `buf`, on the next call (a long line is scanned once). A
  // value's bytes are copied into request().value as they arrive; everything the parser keeps
  // between calls is bounded (kMaxGetLine, item_size_max, a binary header with its key).
  // request() is reset when the next request starts, so use it before calling again.
  Status Parse(std::string_view buf, size_t* consumed);

  // The request of the last kRequest. After kError or kClose it holds what was parsed before
  // the error (its proto is right).
  Request& request() { return req_; }
  const std::string& error_reply() const { return error_; }
  // Bytes still expected for the value being received (text: with its "\r\n"), so the
  // reader can size its buffer; 0 when no value is being read (bytes being swallowed after a
  // refused value are not counted).
  size_t pending_bytes() const;
  // The last kError refused a storage request's value as too large: request() still names
  // its command and key (memcached then drops the key's old value, for a set).
  bool too_large() const { return too_large_; }

 private:
  enum class State : uint8_t { kIdle, kTextValue, kBinaryValue, kSwallow };
  static constexpr size_t kMaxTokens = 24;  // memcached's MAX_TOKENS
  static constexpr size_t kKeepKeys = 1024;
  static constexpr size_t kKeepValueBytes = 64 * 1024;

  void StartRequest(Proto proto);
  std::string& AddKey(std::string_view key);
  Status TextError(std::string_view msg);
  Status MetaError(std::string_view msg);
  Status Swallow(std::string_view buf, size_t* used);
  Status ReadValue(std::string_view buf, size_t* used);
  Status ParseLine(std::string_view buf, size_t* used);
  Status ParseCommand(std::string_view line);
  Status ParseRetrieval(std::string_view line, const std::string_view* tok, size_t n, Cmd cmd);
  Status ParseStorage(const std::string_view* tok, size_t n, Cmd cmd);
  Status ParseMeta(const std::string_view* tok, size_t n);
  Status ParseMetaSet(const std::string_view* tok, size_t n);
  // memcached's _meta_flag_preparse: fills req_.meta from tok[from, n); returns the error
  // reply text (without "\r\n"), or an empty view.
  std::string_view ParseMetaFlags(const std::string_view* tok, size_t from, size_t n,
                                  std::string_view default_error);
  void ExpectTextValue(size_t len, bool report_bad_chunk);
  Status ParseBinary(std::string_view buf, size_t* used);
  Status BinaryError(uint16_t status, bool close);

  size_t item_size_max_;
  bool too_large_ = false;
  bool sticky_ = false, first_ = true, binary_conn_ = false;
  Request req_;
  std::string error_;
  State state_ = State::kIdle;
  size_t value_left_ = 0;  // value bytes still to copy into req_.value
  uint8_t term_got_ = 0;   // text: bytes of the "\r\n" after the value seen so far
  bool term_ok_ = true;    // ... and whether they were right so far
  bool report_bad_chunk_ = true;
  uint64_t swallow_left_ = 0;
  size_t line_scanned_ = 0;  // leading bytes of the pending buffer known to hold no '\n'
  std::string_view tokens_[kMaxTokens];  // the line being parsed, split
  std::vector<std::string> spare_keys_;  // key strings kept for reuse (their capacity)
};

// Binary protocol response status codes (protocol_binary.h).
enum BinaryStatus : uint16_t {
  kBinOk = 0x00,
  kBinKeyNotFound = 0x01,
  kBinKeyExists = 0x02,
  kBinTooLarge = 0x03,
  kBinInvalidArgs = 0x04,
  kBinNotStored = 0x05,
  kBinNonNumeric = 0x06,
  kBinUnknownCommand = 0x81,
  kBinOutOfMemory = 0x82,
};

// Appends one binary response packet: 24-byte header (magic 0x81, `opcode`, key length,
// extras length, status, total body length, `opaque`, `cas`) then extras, key and value.
void AppendBinaryResponse(std::string* out, uint8_t opcode, uint16_t status, uint32_t opaque,
                          uint64_t cas, std::string_view extras, std::string_view key,
                          std::string_view value);
// The binary error body memcached sends with a status ("Not found", "Data exists for key.",
// "Too large.", "Invalid arguments", "Not stored.", "Non-numeric server-side value for
// incr or decr", "Unknown command", "Out of memory", ...).
std::string_view BinaryStatusText(uint16_t status);

// Base64 (RFC 4648, with padding) for meta's b flag. Decoding is memcached's: bytes outside
// the alphabet are skipped, the alphabet characters ('=' included) must come in groups of
// four, and decoding stops after the first group with padding. False (where memcached fails
// too) for a count that is not a multiple of four, bad padding, or an empty result; what
// Base64Encode makes of a non-empty input decodes back to it.
std::string Base64Encode(std::string_view in);
bool Base64Decode(std::string_view in, std::string* out);  // `in` must not point into *out

}  // namespace tessera::mc
