// Connection I/O: reading, parsing, writing, limits.
#include "server/connection.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/clock.h"
#include "net/socket.h"
#include "protocol/reply_builder.h"
#include "server/command.h"
#include "server/dispatch.h"
#include "server/memcache.h"
#include "server/memcache_udp.h"
#include "server/server.h"
#include "server/shard.h"
#include "server/transaction.h"

namespace tessera {
namespace {
constexpr size_t kReadChunk = 16 * 1024;
// Stop reading from a client whose unsent replies exceed this, until they drain.
constexpr size_t kReadPauseOutput = 64 * 1024 * 1024;
}  // namespace

Connection::Connection(Shard* shard, int fd, uint64_t id, Protocol protocol)
    : shard_(shard), fd_(fd), id_(id), parser_(shard->server().config().proto_max_bulk_len) {
  if (protocol == Protocol::kMemcache)
    mc_ = std::make_unique<McSession>(shard->server().config().memcached_item_size_max);
  addr = PeerAddress(fd);
  laddr = LocalAddress(fd);
  created_ms = last_interaction_ms = NowMs();
}

Connection::Connection(Shard* shard, uint64_t id, const McDatagramPeer& peer,
                       std::string_view request)
    : shard_(shard),
      fd_(-1),
      id_(id),
      mc_(std::make_unique<McSession>(shard->server().config().memcached_item_size_max)),
      dgram_(std::make_unique<McDatagramPeer>(peer)) {
  addr = FormatAddress(peer.addr);
  laddr = "udp";
  created_ms = last_interaction_ms = NowMs();
  if (!request.empty()) {
    memcpy(rbuf_.PrepareWrite(request.size()), request.data(), request.size());
    rbuf_.Commit(request.size());
  }
  eof_ = true;
}

void Connection::RunDatagram() { ProcessInput(); }

Connection::~Connection() {
  if (!closed_) Close();
}

void Connection::OnEvent(uint32_t events) {
  if (closed_) return;
  if (events & EPOLLERR) return Close();
  if ((events & EPOLLIN) || ((events & EPOLLHUP) && !eof_)) HandleRead();
  if (!closed_ && (events & (EPOLLOUT | EPOLLHUP))) {
    // Replies may depend on log records not yet durable (appendfsync always): they leave
    // from the end of the iteration, after the fsync.
    if (awaiting_sync_)
      ScheduleWrite();
    else
      FlushWrites();
  }
}

void Connection::HandleRead() {
  if (eof_ || wbuf_.size() - woff_ > kReadPauseOutput) return UpdateInterest();
  size_t want = kReadChunk;
  int64_t pending = mc_ ? static_cast<int64_t>(mc_->pending_bytes()) : parser_.pending_bulk();
  if (pending > 0) {
    size_t need = static_cast<size_t>(pending) + 2;
    size_t have = rbuf_.size();
    if (need > have) want = std::max(want, std::min<size_t>(need - have, 64 << 20));
  }
  char* p = rbuf_.PrepareWrite(want);
  ssize_t n = read(fd_, p, want);
  if (n == 0) {
    // The peer closed its side: answer what it already sent, then close. A client blocked in
    // BLPOP & co. is gone for good (Redis frees it at once): cancel and close.
    eof_ = true;
    if (blocked_) return Close();
    ProcessInput();
    return;
  }
  if (n < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) Close();
    return;
  }
  rbuf_.Commit(n);
  shard_->stats().net_input_bytes += n;
  last_interaction_ms = NowMs();
  const Config& cfg = shard_->server().config();
  if (static_cast<int64_t>(rbuf_.size()) > cfg.client_query_buffer_limit) {
    Close();
    return;
  }
  parser_.set_max_bulk_len(cfg.proto_max_bulk_len);
  ProcessInput();
}

void Connection::ProcessInput() {
  if (mc_)
    mc_->ProcessInput(this);
  else
    ProcessResp();
  if (!closed_) Dispatcher::SendBatch(this);
  rbuf_.ShrinkIfIdle(1 << 20);
  ScheduleWrite();
}

void Connection::ProcessResp() {
  while (CanParse()) {
    size_t consumed = 0;
    auto st = parser_.Parse(rbuf_.view(), &consumed);
    rbuf_.Consume(consumed);
    if (st == RespParser::Status::kIncomplete) break;
    if (st == RespParser::Status::kError) {
      // The error reply queues behind the replies still pending for earlier commands.
      Dispatcher::SendBatch(this);
      ProtocolError(parser_.error());
      break;
    }
    Dispatcher::Run(this, ArgList(parser_.args().data(), parser_.argc()));
    parser_.ReleaseLargeArgs();
  }
}

void Connection::ReplyError(std::string_view msg) {
  if (mc_) return mc_->ReplyError(ReplyTarget(), msg);
  ReplyBuilder(ReplyTarget()).Error(msg);
}

std::string* Connection::ReplyTarget() {
  if (slots_.empty()) return &wbuf_;
  if (!slots_.back().ready) slots_.push_back(Slot{0, true, std::string()});
  return &slots_.back().data;
}

uint64_t Connection::ReserveSlot() {
  slots_.push_back(Slot{++next_slot_, false, std::string()});
  ++inflight_;
  return next_slot_;
}

void Connection::ReleaseSlots() {
  while (!slots_.empty() && slots_.front().ready) {
    std::string& data = slots_.front().data;
    if (wbuf_.size() == woff_) {
      wbuf_.swap(data);
      woff_ = 0;
    } else {
      wbuf_.append(data);
    }
    slots_.pop_front();
  }
}

const OutputBufferLimit& Connection::OutputLimit() const {
  const Config& cfg = shard_->server().config();
  return subscribed() ? cfg.obuf_pubsub : cfg.obuf_normal;
}

bool Connection::OverHardLimit() const {
  int64_t hard = OutputLimit().hard;
  return hard > 0 && static_cast<int64_t>(wbuf_.size() - woff_) > hard;
}

void Connection::ScheduleWrite() {
  // Replies past the hard limit close the client at once, before any write, as in Redis.
  if (!closed_ && OverHardLimit()) return Close();
  if (write_scheduled_ || closed_) return;
  write_scheduled_ = true;
  shard_->ScheduleWrite(this);
}

void Connection::OnPush() {
  if (write_scheduled_ || closed_) return;
  write_scheduled_ = true;
  shard_->ScheduleWrite(this);
}

void Connection::Continue() {
  if (!stashed_.empty()) {
    std::vector<std::string> cmd = std::move(stashed_);
    stashed_.clear();
    Dispatcher::Run(this, ArgList(cmd));
  }
  ProcessInput();
}

void Connection::OnRemoteReply(uint64_t slot, std::string reply) {
  --inflight_;
  if (blocked_ && blocked_->slot == slot) blocked_.reset();
  if (closed_) {
    if (inflight_ == 0) shard_->Bury(id_);
    return;
  }
  for (Slot& s : slots_)
    if (s.id == slot) {
      s.data = std::move(reply);
      s.ready = true;
      break;
    }
  ReleaseSlots();
  if (slot == blocking_slot_) {
    blocking_slot_ = 0;
    return Continue();
  }
  ScheduleWrite();
}

void Connection::ResumeFromPause() {
  if (closed_ || !paused_) return;
  paused_ = false;
  Continue();
}

void Connection::ProtocolError(const std::string& msg) {
  ReplyBuilder(ReplyTarget()).Error("ERR " + msg);
  close_after_reply_ = true;
}

void Connection::FlushDatagram() {
  if (closed_ || inflight_ > 0 || paused_) return;
  ReleaseSlots();
  if (!slots_.empty()) return;
  SendMcDatagrams(*dgram_, std::string_view(wbuf_).substr(woff_));
  shard_->stats().net_output_bytes += wbuf_.size() - woff_;
  Close();
}

void Connection::FlushWrites() {
  if (dgram_) return FlushDatagram();
  if (OverHardLimit()) return Close();  // pub/sub messages queue without the check
  while (!closed_ && woff_ < wbuf_.size()) {
    ssize_t n = write(fd_, wbuf_.data() + woff_, wbuf_.size() - woff_);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      Close();
      return;
    }
    woff_ += n;
    shard_->stats().net_output_bytes += n;
    last_interaction_ms = NowMs();  // a client still receiving a big reply is not idle
  }
  if (closed_) return;
  if (OverHardLimit()) return Close();
  if (woff_ == wbuf_.size()) {
    if (wbuf_.capacity() > (1 << 20))
      std::string().swap(wbuf_);
    else
      wbuf_.clear();
    woff_ = 0;
    // Close once nothing is owed: every pending slot filled and written.
    if ((close_after_reply_ || (eof_ && !paused_)) && inflight_ == 0 && slots_.empty()) {
      Close();
      return;
    }
  }
  UpdateInterest();
}

void Connection::UpdateInterest() {
  if (closed_ || dgram_) return;
  size_t pending = wbuf_.size() - woff_;
  uint32_t ev = 0;
  if (pending > 0) ev |= EPOLLOUT;
  if (!eof_ && pending <= kReadPauseOutput) ev |= EPOLLIN;
  if (ev == events_) return;
  events_ = ev;
  shard_->loop().Modify(fd_, ev, this);
}

MultiState& Connection::EnsureMulti() {
  if (!multi_) multi_ = std::make_unique<MultiState>();
  return *multi_;
}

bool Connection::in_multi() const { return multi_ && multi_->active; }

void Connection::EndMulti() {
  if (!multi_) return;
  Unwatch(shard_->server(), *multi_);
  multi_->Discard();
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  EndMulti();
  // A blocked command that nobody served yet will never reply: cancel it. If a serve or a
  // timeout claimed it first, its reply is on the way and the connection waits for it.
  if (blocked_ && blocked_->Claim()) {
    --inflight_;
    BlockingRegistry::Cancel(shard_->server(), blocked_);
    blocked_.reset();
  }
  if (subs) shard_->server().pubsub().UnsubscribeAll(this);
  if (!dgram_) {
    shard_->loop().Remove(fd_);
    close(fd_);
    shard_->server().connected_clients().fetch_sub(1, std::memory_order_relaxed);
  }
  if (!inflight_) shard_->Bury(id_);
}

void Connection::CheckLimits(int64_t now_ms) {
  const Config& cfg = shard_->server().config();
  if (cfg.timeout > 0 && inflight_ == 0 && !paused_ &&
      now_ms - last_interaction_ms > cfg.timeout * 1000) {
    Close();
    return;
  }
  const OutputBufferLimit& lim = OutputLimit();
  int64_t pending = static_cast<int64_t>(wbuf_.size() - woff_);
  if (OverHardLimit()) return Close();
  if (lim.soft > 0 && pending > lim.soft) {
    if (obuf_soft_since_ms_ == 0)
      obuf_soft_since_ms_ = now_ms;
    else if (now_ms - obuf_soft_since_ms_ > lim.soft_seconds * 1000)
      Close();
  } else {
    obuf_soft_since_ms_ = 0;
  }
}

size_t Connection::MemoryUsage() const {
  return sizeof(*this) + rbuf_.capacity() + wbuf_.capacity();
}

std::string Connection::InfoLine(int64_t now_ms) const {
  std::string flags;
  if (subscribed()) flags += "P";
  if (in_multi()) flags += "x";
  if (paused_) flags += "b";
  if (multi_ && multi_->flag && multi_->flag->touched.load(std::memory_order_relaxed)) flags += "d";
  if (close_after_reply_) flags += "c";
  if (no_evict) flags += "e";
  if (flags.empty()) flags = "N";
  std::string events = "r";
  if (events_ & EPOLLOUT) events += "w";
  size_t qbuf = rbuf_.size();
  size_t omem = wbuf_.size() - woff_;
  auto num = [](auto v) { return std::to_string(v); };
  // Built piecewise: the name (and addresses) have no length limit.
  std::string out;
  out.reserve(384 + name.size());
  out += "id=" + num(id_) + " addr=" + addr + " laddr=" + laddr + " fd=" + num(fd_) +
         " name=" + name + " age=" + num((now_ms - created_ms) / 1000) +
         " idle=" + num((now_ms - last_interaction_ms) / 1000) + " flags=" + flags +
         " db=" + num(db) + " sub=" + num(subs ? subs->channels.size() : 0) +
         " psub=" + num(subs ? subs->patterns.size() : 0) +
         " ssub=" + num(subs ? subs->shard_channels.size() : 0) +
         " multi=" + (in_multi() ? num(multi_->cmds.size()) : "-1") + " qbuf=" + num(qbuf) +
         " qbuf-free=" + num(rbuf_.capacity() - qbuf) +
         " argv-mem=0 multi-mem=0 rbs=" + num(rbuf_.capacity()) +
         " rbp=0 obl=0 oll=0 omem=" + num(omem) + " tot-mem=" + num(MemoryUsage()) +
         " events=" + events + " cmd=" + (last_command ? last_command->name : "NULL") +
         " user=default redir=-1 resp=" + num(resp);
  return out;
}

}  // namespace tessera
