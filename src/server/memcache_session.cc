// A memcached connection's requests: parsed, then dispatched as internal commands (one per
// key) or answered on the connection's thread (version, verbosity, quit, noop).
#include <cstring>

#include "server/connection.h"
#include "server/dispatch.h"
#include "server/memcache.h"
#include "server/shard.h"

namespace tessera {
namespace {

using mc::Cmd;
using mc::Proto;

// memcached's binary "temporary failure": a request refused before it ran.
constexpr uint16_t kBinTemporaryFailure = 0x86;

bool IsRetrieval(Cmd c) {
  return c == Cmd::kGet || c == Cmd::kGets || c == Cmd::kGat || c == Cmd::kGats;
}

McOp OpOf(const mc::Request& req) {
  McOp op{};
  op.proto = req.proto;
  op.cmd = req.cmd;
  op.noreply = req.noreply;
  op.return_key = req.return_key;
  op.opcode = req.opcode;
  op.meta_mode = req.meta.mode;
  op.meta_base64 = req.meta.base64;
  op.opaque = req.opaque;
  op.client_flags = req.proto == Proto::kMeta ? req.meta.client_flags : req.client_flags;
  op.exptime = req.exptime;
  op.cas = req.cas;
  op.delta = req.proto == Proto::kMeta ? req.meta.delta : req.delta;
  op.initial = req.proto == Proto::kMeta ? req.meta.initial : req.initial;
  op.meta_ttl = req.meta.ttl;
  op.meta_vivify_ttl = req.meta.vivify_ttl;
  op.meta_recache_ttl = req.meta.recache_ttl;
  op.meta_compare_cas = req.meta.compare_cas;
  return op;
}

}  // namespace

void McSession::ProcessInput(Connection* c) {
  if (get_open_ && c->CanParse()) ContinueGet(c);
  while (c->CanParse() && !get_open_) {
    size_t consumed = 0;
    auto st = parser_.Parse(c->rbuf_.view(), &consumed);
    c->rbuf_.Consume(consumed);
    if (st == mc::Parser::Status::kIncomplete) break;
    if (st != mc::Parser::Status::kRequest) {
      // The error queues behind the replies still pending for earlier requests.
      Dispatcher::SendBatch(c);
      c->ReplyTarget()->append(parser_.error_reply());
      if (st == mc::Parser::Status::kClose) c->CloseAfterReply();
      if (parser_.too_large()) {
        ++c->shard().stats().mc.store_too_large;
        DropRefused(c, parser_.request());
      }
      continue;
    }
    Handle(c, parser_.request());
  }
}

void McSession::DropRefused(Connection* c, mc::Request& req) {
  // memcached drops the old value when a set's new one is refused, so no stale value stays.
  bool set = req.cmd == Cmd::kMetaSet || (req.cmd == Cmd::kSet && req.proto != Proto::kMeta);
  if (!set || req.keys.empty()) return;
  req.cmd = Cmd::kDelete;
  req.proto = Proto::kText;
  req.noreply = true;
  req.value.clear();
  Dispatch(c, req, 0, true);
}

void McSession::Handle(Connection* c, mc::Request& req) {
  proto_ = req.proto;
  noreply_ = req.noreply;
  opcode_ = req.opcode;
  opaque_ = req.opaque;
  switch (req.cmd) {
    case Cmd::kVersion:
    case Cmd::kVerbosity:
    case Cmd::kQuit:
    case Cmd::kNoop:
      return Local(c, req);
    case Cmd::kFlushAll:
      args_[kMcKey].clear();
      return Run(c, "mc-flush", req);
    case Cmd::kStats:
      args_[kMcKey].clear();
      args_[kMcValue] = req.stats_arg;
      return Run(c, "mc-stats", req);
    case Cmd::kMetaGet:
      return Dispatch(c, req, 0, req.meta.has('N') || req.meta.has('T'));
    case Cmd::kMetaDebug:
      return Dispatch(c, req, 0, false);
    default:
      break;
  }
  if (!IsRetrieval(req.cmd) || req.proto == Proto::kBinary)
    return Dispatch(c, req, 0, req.cmd != Cmd::kGet && req.cmd != Cmd::kGets);
  // A text get of many keys: one operation per key, then END. CLIENT PAUSE may hold it
  // between two keys: the rest waits in held_.
  std::swap(held_, req);
  held_next_ = 0;
  get_open_ = true;
  ContinueGet(c);
}

void McSession::ContinueGet(Connection* c) {
  bool touch = held_.cmd == Cmd::kGat || held_.cmd == Cmd::kGats;
  while (held_next_ < held_.keys.size()) {
    Dispatch(c, held_, held_next_++, touch);
    if (c->paused_ || c->closed_) return;
  }
  get_open_ = false;
  Dispatcher::SendBatch(c);
  c->ReplyTarget()->append("END\r\n");
}

void McSession::Dispatch(Connection* c, mc::Request& req, size_t i, bool write) {
  args_[kMcKey].swap(req.keys[i]);
  args_[kMcValue].swap(req.value);
  req.value.clear();
  Run(c, write ? "mc-write" : "mc-read", req);
}

void McSession::Run(Connection* c, const char* name, const mc::Request& req) {
  args_[kMcName] = name;
  McOp op = OpOf(req);
  args_[kMcOp].assign(reinterpret_cast<const char*>(&op), sizeof(op));
  args_[kMcMetaOrder] = req.meta.order;
  args_[kMcMetaOpaque].clear();
  if (req.meta.has('O')) {
    args_[kMcMetaOpaque] = "O";
    args_[kMcMetaOpaque] += req.meta.opaque;
  }
  Dispatcher::Run(c, ArgList(args_));
}

void McSession::Local(Connection* c, const mc::Request& req) {
  Dispatcher::SendBatch(c);
  std::string* out = c->ReplyTarget();
  bool binary = req.proto == Proto::kBinary;
  auto bin_ok = [&](std::string_view value = {}) {
    mc::AppendBinaryResponse(out, req.opcode, mc::kBinOk, req.opaque, 0, {}, {}, value);
  };
  switch (req.cmd) {
    case Cmd::kVersion:
      if (binary) return bin_ok(kMcVersion);
      out->append("VERSION ").append(kMcVersion).append("\r\n");
      return;
    case Cmd::kVerbosity:
      if (req.noreply) return;
      if (binary) return bin_ok();
      out->append("OK\r\n");
      return;
    case Cmd::kNoop:
      if (binary) return bin_ok();
      if (!req.noreply) out->append("MN\r\n");
      return;
    case Cmd::kQuit:
      if (binary && !req.noreply) bin_ok();
      c->CloseAfterReply();
      return;
    default:
      return;
  }
}

void McSession::ReplyError(std::string* out, std::string_view msg) const {
  // memcached's out_string: a text command with noreply gets no error either.
  if (proto_ == Proto::kText && noreply_) return;
  if (proto_ == Proto::kBinary) {
    mc::AppendBinaryResponse(out, opcode_, kBinTemporaryFailure, opaque_, 0, {}, {}, msg);
    return;
  }
  out->append("SERVER_ERROR ").append(msg).append("\r\n");
}

}  // namespace tessera
