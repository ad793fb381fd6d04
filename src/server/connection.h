// A client connection on its shard's thread: reads and parses requests, runs them through
// dispatch (inline, on another shard, or atomically on several) and writes replies in request
// order. While a command runs elsewhere the connection is suspended: it keeps reading, but
// parses nothing more until the reply is back, so pipelined replies never reorder. Runs of
// pipelined commands bound for the same other shard travel there as one batch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "net/event_loop.h"
#include "net/io_buf.h"
#include "protocol/resp_parser.h"

namespace tessera {

class Shard;
struct CommandSpec;

class Connection : public IoHandler {
 public:
  Connection(Shard* shard, int fd, uint64_t id);
  ~Connection() override;

  void OnEvent(uint32_t events) override;

  // Closes the socket now (pending output is dropped). Safe to call more than once.
  void Close();
  // Closes once everything already queued for output has been written.
  void CloseAfterReply() { close_after_reply_ = true; }
  // A reply computed on another shard (or after an atomic operation) is back.
  void OnRemoteReply(std::string reply);
  // Re-runs a command held by CLIENT PAUSE once the pause is over.
  void ResumeFromPause();
  // Called by the shard before it sleeps: writes what ProcessInput queued.
  void FlushScheduled() {
    write_scheduled_ = false;
    FlushWrites();
  }
  // The CLIENT LIST / CLIENT INFO line (without the trailing newline).
  std::string InfoLine(int64_t now_ms) const;
  // Closes the client if it has been idle longer than `timeout_s` or broke its output limit.
  void CheckLimits(int64_t now_ms);

  uint64_t id() const { return id_; }
  int fd() const { return fd_; }
  bool closed() const { return closed_; }
  bool inflight() const { return inflight_; }
  bool paused() const { return paused_; }
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

 private:
  friend class Dispatcher;
  void HandleRead();
  void ProcessInput();
  void FlushWrites();
  // Asks the shard to flush this connection before it sleeps.
  void ScheduleWrite();
  // Pending replies exceed client-output-buffer-limit's hard limit for normal clients.
  bool OverHardLimit() const;
  // Registers for reading unless the peer closed or too many replies wait; for writing while
  // replies wait.
  void UpdateInterest();
  void ProtocolError(const std::string& msg);
  // Runs stashed_ (the command parsed while a batch was in flight), then further input.
  void Continue();

  Shard* shard_;
  int fd_;
  uint64_t id_;
  IoBuf rbuf_;
  std::string wbuf_;
  size_t woff_ = 0;
  RespParser parser_;
  bool closed_ = false;
  bool close_after_reply_ = false;
  bool eof_ = false;              // the peer shut down its sending side
  bool write_scheduled_ = false;  // in the shard's pending-writes list
  uint32_t events_ = 1;           // epoll interest (EPOLLIN at first)
  bool inflight_ = false;         // waiting for another shard's reply
  bool paused_ = false;           // held by CLIENT PAUSE
  int64_t obuf_soft_since_ms_ = 0;
  // A protocol error met while replies were still pending elsewhere; sent after them.
  std::string protocol_error_;
  // A command parsed but not yet run (it could not join the batch in flight, or is paused).
  std::vector<std::string> stashed_;
  // The batch being gathered for one other shard.
  struct Batch {
    int shard = -1;
    std::vector<std::vector<std::string>> cmds;
    std::vector<const CommandSpec*> specs;
  } batch_;
};

}  // namespace tessera
