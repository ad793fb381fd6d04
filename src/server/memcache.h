// The memcached front door (docs/memcached.md): memcached's text, meta and binary protocols
// over TCP and UDP, on the same shards and storage as RESP.
//
// A connection on the memcached port parses requests with mc::Parser; each key operation
// becomes one internal command (kCmdMemcache: "mc-read", "mc-write") dispatched like any RESP
// command, so it runs on the key's shard, is batched, ordered, logged and replayed the same
// way. Its handler formats the reply in the request's protocol. A multi-key text get is one
// operation per key followed by a local "END". Items are strings with client flags and a CAS
// (core/entry.h); expiry and eviction are the keyspace's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/memcache.h"

namespace tessera {

class Connection;
class CommandContext;

// The fixed part of one memcached operation, carried as an argument of the internal command
// (copied with memcpy: plain data only).
struct McOp {
  mc::Proto proto;
  mc::Cmd cmd;
  bool noreply;
  bool return_key;  // binary GETK & co.
  uint8_t opcode;   // binary
  // The log's form of a write: a plain store of the resulting item, exptime_ms absolute
  // (see McLogStore), replayed without CAS checks.
  bool logged;
  char meta_mode;
  bool meta_base64;
  uint32_t opaque;
  uint32_t client_flags;
  int64_t exptime;  // seconds as sent (or, when `logged`, absolute ms; -1 none)
  uint64_t cas;
  uint64_t delta;
  uint64_t initial;
  int64_t meta_ttl, meta_vivify_ttl, meta_recache_ttl;
  uint64_t meta_compare_cas;
};

// Positions of the internal command's arguments.
enum McArg { kMcName, kMcKey, kMcValue, kMcOp, kMcMetaOrder, kMcMetaOpaque, kMcArgc };

// Per-connection protocol state; owned by the Connection.
class McSession {
 public:
  explicit McSession(size_t item_size_max) : parser_(item_size_max) {
    parser_.set_sticky_protocol(true);
  }

  // Parses and runs what the connection has read (Connection::ProcessInput's memcached form).
  void ProcessInput(Connection* c);
  // The reply to a request refused before it ran (LOADING, MISCONF, NOAUTH), in the form of
  // the request being dispatched.
  void ReplyError(std::string* out, std::string_view msg) const;
  size_t pending_bytes() const { return parser_.pending_bytes(); }

 private:
  void Handle(Connection* c, mc::Request& req);
  // After a storage request refused as too large: drops the key's old value (a set's).
  void DropRefused(Connection* c, mc::Request& req);
  // Dispatches the operation on keys[i] of `req` (its keys and value are moved out).
  void Dispatch(Connection* c, mc::Request& req, size_t i, bool write);
  // Dispatches the internal command `name` with args_ (key and value already set).
  void Run(Connection* c, const char* name, const mc::Request& req);
  // Dispatches the keys of the text get in held_ from held_next_ on, then its END.
  void ContinueGet(Connection* c);
  void Local(Connection* c, const mc::Request& req);

  mc::Parser parser_;
  std::vector<std::string> args_ = std::vector<std::string>(kMcArgc);
  mc::Request held_;
  size_t held_next_ = 0;
  bool get_open_ = false;  // held_ is being dispatched; its END is not written yet
  // The request being dispatched (for ReplyError).
  mc::Proto proto_ = mc::Proto::kText;
  bool noreply_ = false;
  uint8_t opcode_ = 0;
  uint32_t opaque_ = 0;
};

// Memcached exptime (seconds; relative up to 30 days, else unix time; negative: expired) as
// an absolute time in ms; Entry::kNoExpire for 0.
int64_t McExpireMs(int64_t exptime, int64_t now_ms);

class Server;
// Runs a delayed flush_all once it is due (from shard 0's cron).
void McCron(Server& server, int64_t now_ms);

// The version memcached clients see ("VERSION 1.6.18").
inline constexpr const char* kMcVersion = "1.6.18";

}  // namespace tessera
