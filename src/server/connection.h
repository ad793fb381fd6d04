// A client connection on its shard's thread: reads and parses requests, runs them through
// dispatch (inline, on another shard, or atomically on several) and writes replies in request
// order.
//
// Runs of pipelined commands bound for the same other shard travel there as one batch, and
// parsing goes on meanwhile: the batch holds a reply slot in `slots_`, later replies queue
// behind it, and slots are released to the output strictly in order as they fill. Commands
// after a batch never depend on it (a single-shard batch touches only its shard, whose queue is
// FIFO, and anything reaching that shard later queues behind it). An atomic multi-shard
// operation, which may touch the local shard too, blocks parsing until it is done.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/event_loop.h"
#include "net/io_buf.h"
#include "protocol/resp_parser.h"
#include "server/blocking.h"
#include "server/pubsub.h"

namespace tessera {

class Shard;
class McSession;
struct McDatagramPeer;
struct CommandSpec;
struct MultiState;
struct OutputBufferLimit;

class Connection : public IoHandler {
 public:
  // Which front door the connection came through.
  enum class Protocol { kResp, kMemcache };
  Connection(Shard* shard, int fd, uint64_t id, Protocol protocol = Protocol::kResp);
  // A memcached UDP request (`request`: the datagram's payload); its reply goes to `peer`
  // once complete, and the connection closes.
  Connection(Shard* shard, uint64_t id, const McDatagramPeer& peer, std::string_view request);
  void RunDatagram();
  ~Connection() override;

  void OnEvent(uint32_t events) override;

  // Closes the socket now (pending output is dropped). Safe to call more than once.
  void Close();
  // Closes once everything already queued for output has been written.
  void CloseAfterReply() { close_after_reply_ = true; }
  // Where the next reply goes: the output buffer, or the open slot behind pending ones.
  std::string* ReplyTarget();
  // Answers a request refused by dispatch (`msg` as a Redis error line without '-'), in the
  // connection's protocol.
  void ReplyError(std::string_view msg);
  bool memcache() const { return mc_ != nullptr; }
  // The reply for slot `slot`, computed on another shard or by an atomic operation, is back.
  void OnRemoteReply(uint64_t slot, std::string reply);
  // Re-runs a command held by CLIENT PAUSE once the pause is over.
  void ResumeFromPause();
  // Called by the shard before it sleeps: writes what ProcessInput queued.
  // Its replies acknowledge log records that may not be written (fsynced) yet: they leave
  // from Shard::BeforeSleep once those are.
  void set_awaiting_sync() { awaiting_sync_ = true; }
  bool awaiting_sync() const { return awaiting_sync_; }
  void clear_awaiting_sync() { awaiting_sync_ = false; }
  void FlushScheduled() {
    write_scheduled_ = false;
    FlushWrites();
  }
  // The CLIENT LIST / CLIENT INFO line (without the trailing newline).
  std::string InfoLine(int64_t now_ms) const;
  // Bytes this connection holds (CLIENT LIST tot-mem, MEMORY STATS clients.normal).
  size_t MemoryUsage() const;
  // Closes the client if it has been idle longer than `timeout_s` or broke its output limit.
  void CheckLimits(int64_t now_ms);
  // A pub/sub message was appended to ReplyTarget(): flush it before the shard sleeps (where
  // a client over its output-buffer limit is closed).
  void OnPush();
  // Subscribed to a channel, pattern or shard channel (Redis's CLIENT_PUBSUB): RESP2 allows
  // only the subscription commands, and the pubsub output-buffer class applies.
  bool subscribed() const { return subs && subs->Total() > 0; }

  uint64_t id() const { return id_; }
  int fd() const { return fd_; }
  bool closed() const { return closed_; }
  bool inflight() const { return inflight_ > 0; }
  bool paused() const { return paused_; }
  // Waiting in a blocking command (BLPOP & co.).
  bool blocked() const { return blocked_ != nullptr; }
  Shard& shard() { return *shard_; }
  size_t query_buffer_size() const { return rbuf_.size(); }
  size_t output_buffer_size() const { return wbuf_.size() - woff_; }

  // Session state, set by connection-level commands.
  int db = 0;
  int resp = 2;
  bool authenticated = true;
  bool no_evict = false;
  std::string name;
  std::string addr, laddr;
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  const CommandSpec* last_command = nullptr;  // for CLIENT LIST's cmd=
  const CommandSpec* last_lookup = nullptr;   // dispatch's one-entry lookup cache
  std::unique_ptr<Subscriptions> subs;        // set by the first subscription (PubSub)

  // MULTI / WATCH state (server/transaction.h), or nullptr before the first MULTI or WATCH.
  MultiState* multi() { return multi_.get(); }
  MultiState& EnsureMulti();
  bool in_multi() const;
  // Leaves MULTI and unwatches every key (DISCARD, RESET, closing).
  void EndMulti();

 private:
  friend class Dispatcher;
  friend class McSession;
  void HandleRead();
  void ProcessInput();
  void ProcessResp();
  // Whether requests may be parsed now (not waiting on an atomic operation, a pause, a close).
  bool CanParse() const {
    return !closed_ && blocking_slot_ == 0 && !paused_ && !close_after_reply_;
  }
  void FlushWrites();
  // A UDP request's reply leaves once complete.
  void FlushDatagram();
  // Asks the shard to flush this connection before it sleeps.
  void ScheduleWrite();
  // client-output-buffer-limit of the client's class: pubsub for subscribers, else normal.
  const OutputBufferLimit& OutputLimit() const;
  // Pending replies exceed the hard limit of the client's class.
  bool OverHardLimit() const;
  // Registers for reading unless the peer closed or too many replies wait; for writing while
  // replies wait.
  void UpdateInterest();
  void ProtocolError(const std::string& msg);
  // Runs stashed_ (a command held by CLIENT PAUSE), then further input.
  void Continue();
  // Reserves an ordered slot for a reply computed elsewhere; returns its id.
  uint64_t ReserveSlot();
  // Moves filled slots at the front to the output buffer.
  void ReleaseSlots();

  Shard* shard_;
  int fd_;
  uint64_t id_;
  IoBuf rbuf_;
  std::string wbuf_;
  size_t woff_ = 0;
  RespParser parser_;
  std::unique_ptr<McSession> mc_;          // memcached protocol state, on the memcached port
  std::unique_ptr<McDatagramPeer> dgram_;  // a UDP request's reply address
  bool closed_ = false;
  bool close_after_reply_ = false;
  bool eof_ = false;              // the peer shut down its sending side
  bool write_scheduled_ = false;  // in the shard's pending-writes list
  bool awaiting_sync_ = false;
  uint32_t events_ = 1;         // epoll interest (EPOLLIN at first)
  int inflight_ = 0;            // replies still to come from other shards
  uint64_t blocking_slot_ = 0;  // slot of a running atomic multi-shard op: parse nothing
  // The blocking command (BLPOP & co.) in flight, until its reply is in; closing cancels it.
  std::shared_ptr<BlockedClient> blocked_;
  bool paused_ = false;  // held by CLIENT PAUSE
  int64_t obuf_soft_since_ms_ = 0;
  // Reply slots in request order; `ready` once filled. Empty when nothing is pending.
  struct Slot {
    uint64_t id;
    bool ready;
    std::string data;
  };
  std::deque<Slot> slots_;
  uint64_t next_slot_ = 0;
  // A command parsed but held by CLIENT PAUSE.
  std::vector<std::string> stashed_;
  std::unique_ptr<MultiState> multi_;
  // The batch being gathered for one other shard.
  struct Batch {
    int shard = -1;
    std::vector<std::vector<std::string>> cmds;
    std::vector<const CommandSpec*> specs;
  } batch_;
};

}  // namespace tessera
