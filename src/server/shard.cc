// Shard thread: accept loop, periodic cron (active expiry, client limits, pause), clean-up.
#include "server/shard.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/clock.h"
#include "base/log.h"
#include "net/socket.h"
#include "server/command.h"
#include "server/connection.h"
#include "server/memcache.h"
#include "server/memcache_udp.h"
#include "server/notify.h"
#include "server/server.h"

namespace tessera {
namespace {
thread_local Shard* t_current_shard = nullptr;
}

Shard* CurrentShard() { return t_current_shard; }
void SetCurrentShard(Shard* s) { t_current_shard = s; }

class Shard::Listener : public IoHandler {
 public:
  Listener(Shard* s, int fd, Connection::Protocol protocol)
      : shard(s), fd(fd), protocol(protocol) {}
  void OnEvent(uint32_t) override { shard->Accept(this); }

  Shard* shard;
  int fd;
  Connection::Protocol protocol;
  bool paused = false;  // out of descriptors: not accepting until the next tick
};

namespace {

std::unique_ptr<Poller> MakePoller(const std::string& engine) {
  if (engine == "io_uring") {
    std::string err;
    if (auto p = MakeUringPoller(&err)) return p;
    LOG_WARNING("io-engine io_uring is not available here (%s); using epoll", err.c_str());
  }
  return MakeEpollPoller();
}

}  // namespace

Shard::Shard(Server* server, int index, int num_dbs)
    : server_(server),
      index_(index),
      loop_(MakePoller(server->config().io_engine)),
      keyspace_(num_dbs),
      blocking_(this),
      watches_(&keyspace_),
      persistence_(std::make_unique<ShardPersistence>(server, this)),
      rng_(std::random_device{}() ^ (index * 0x9e3779b97f4a7c15ull)) {
  stats_.commands.resize(Registry().all().size());
  keyspace_.set_observer(persistence_.get());
  keyspace_.set_on_collection_added(
      [](void* arg, int db, std::string_view key) {
        // (Start-up recovery runs on another thread, and nobody can be blocked yet.)
        Shard* s = static_cast<Shard*>(arg);
        if (!s->server().loading()) s->blocking().SignalReady(db, key);
      },
      this);
  keyspace_.set_on_key_event(
      [](void* arg, Keyspace::KeyEvent ev, int db, std::string_view key) {
        Shard* s = static_cast<Shard*>(arg);
        if (ev == Keyspace::KeyEvent::kModified) return s->watches().Touch(db, key);
        static constexpr std::pair<NotifyClass, const char*> kEvents[] = {
            {NotifyClass::kNew, "new"},
            {NotifyClass::kExpired, "expired"},
            {NotifyClass::kEvicted, "evicted"},
        };
        auto [cls, name] = kEvents[static_cast<int>(ev)];
        NotifyKeyspaceEvent(s->server(), cls, name, key, db);
      },
      this);
}

Shard::~Shard() {
  conns_.clear();
  graveyard_.clear();
}

void Shard::Start(const Sockets& sockets) {
  for (auto [fd, protocol] : {std::pair{sockets.resp, Connection::Protocol::kResp},
                              std::pair{sockets.memcache, Connection::Protocol::kMemcache}}) {
    if (fd < 0) continue;
    listeners_.push_back(std::make_unique<Listener>(this, fd, protocol));
    loop_.Add(fd, EPOLLIN | EPOLLEXCLUSIVE, listeners_.back().get());
  }
  if (sockets.memcache_udp >= 0) {
    udp_ = std::make_unique<McUdp>(this, sockets.memcache_udp);
    loop_.Add(sockets.memcache_udp, EPOLLIN, udp_.get());
  }
  thread_ = std::thread([this] {
    t_current_shard = this;
    // The tick follows `hz`, which CONFIG SET may change.
    loop_.Run([this] { return static_cast<int>(1000 / server_->config().hz); }, [this] { Cron(); },
              [this] { BeforeSleep(); });
    // Shutting down: close every client (Close may move it to the graveyard).
    std::vector<Connection*> all;
    for (auto& [id, c] : conns_) all.push_back(c.get());
    for (Connection* c : all) c->Close();
    graveyard_.clear();
    conns_.clear();
  });
}

void Shard::Stop() { loop_.Stop(); }

void Shard::Join() {
  if (thread_.joinable()) thread_.join();
}

Connection* Shard::Adopt(std::unique_ptr<Connection> c) {
  Connection* raw = c.get();
  conns_.emplace(raw->id(), std::move(c));
  return raw;
}

void Shard::Accept(Listener* l) {
  // Bounded so one busy listener cannot starve the shard's clients.
  for (int i = 0; i < 64; ++i) {
    int fd = accept4(l->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EMFILE || errno == ENFILE) {
        // Out of descriptors: the pending connection stays queued and the listener would fire
        // again at once, so stop watching it until the next cron tick.
        loop_.Remove(l->fd);
        l->paused = true;
        int64_t now = NowMs();
        if (now - last_accept_warning_ms_ > 1000) {
          last_accept_warning_ms_ = now;
          LOG_WARNING("Accepting client connection: %s", strerror(errno));
        }
      } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        LOG_WARNING("Accepting client connection: %s", strerror(errno));
      }
      return;
    }
    ++stats_.connections_received;
    auto& count = server_->connected_clients();
    if (count.fetch_add(1, std::memory_order_relaxed) >= server_->config().maxclients) {
      count.fetch_sub(1, std::memory_order_relaxed);
      ++stats_.rejected_connections;
      std::string_view msg = l->protocol == Connection::Protocol::kMemcache
                                 ? "ERROR Too many open connections\r\n"
                                 : "-ERR max number of clients reached\r\n";
      ssize_t r = write(fd, msg.data(), msg.size());
      (void)r;
      close(fd);
      continue;
    }
    SetNoDelay(fd);
    SetKeepAlive(fd, static_cast<int>(server_->config().tcp_keepalive));
    uint64_t id = server_->NextClientId();
    if (l->protocol == Connection::Protocol::kMemcache) ++stats_.mc.total_connections;
    auto conn = std::make_unique<Connection>(this, fd, id, l->protocol);
    Connection* c = conn.get();
    c->authenticated = server_->config().requirepass.empty();
    conns_.emplace(id, std::move(conn));
    if (!loop_.Add(fd, EPOLLIN, c)) c->Close();
  }
}

void Shard::BeforeSleep() {
  // Serve clients blocked on keys that became ready, time out the expired ones, and wake up
  // in time for the next deadline.
  loop_.WakeAt(blocking_.Run(MonotonicMs()));
  // Snapshot slice and group commit: the log is written (fsynced with appendfsync always)
  // before any reply that acknowledges its records leaves. When it cannot be (a full disk),
  // those replies wait for a later iteration; other clients' replies go.
  bool synced = server_->loading() || persistence_->BeforeSleep();
  // Flushing can schedule nothing new (it only writes), but may close and bury connections;
  // graveyard entries stay alive until after the loop, so the pointers here remain valid.
  std::vector<Connection*> held;
  for (Connection* c : pending_writes_) {
    if (!synced && c->awaiting_sync()) {
      held.push_back(c);
      continue;
    }
    c->clear_awaiting_sync();
    c->FlushScheduled();
  }
  pending_writes_.swap(held);
  // (A held connection may be closed: keep the graveyard until it is flushed.)
  if (pending_writes_.empty()) graveyard_.clear();
}

size_t Shard::blocked_clients() const {
  size_t n = paused_.size();
  for (const auto& [id, c] : conns_) n += c->blocked() ? 1 : 0;
  return n;
}

Connection* Shard::FindConnection(uint64_t id) {
  auto it = conns_.find(id);
  return it == conns_.end() ? nullptr : it->second.get();
}

void Shard::Bury(uint64_t id) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  graveyard_.push_back(std::move(it->second));
  conns_.erase(it);
}

void Shard::ResumePaused() {
  if (paused_.empty()) return;
  // Still paused for everything: nothing can run yet.
  if (server_->IsPaused(0)) return;
  std::vector<uint64_t> ids;
  ids.swap(paused_);
  for (uint64_t id : ids) {
    Connection* c = FindConnection(id);
    if (c) c->ResumeFromPause();  // may re-pause itself if its command is still held
  }
}

void Shard::ActiveExpire() {
  // Redis's slow cycle: sample 20 keys with a TTL per database; repeat while more than a
  // quarter were expired, within a time budget of 25% of a tick.
  constexpr int kSamples = 20;
  int64_t hz = server_->config().hz;
  int64_t budget_us = 1000000 / (hz > 0 ? hz : 10) / 4;
  int64_t start = NowUs();
  int64_t now_ms = start / 1000;
  size_t n = static_cast<size_t>(num_dbs());
  for (size_t k = 0; k < n; ++k) {
    Db& db = keyspace_.db(static_cast<int>((expire_db_cursor_ + k) % n));
    if (db.expires_count() == 0) continue;
    int removed;
    int rounds = 0;
    do {
      removed = db.ExpireSample(now_ms, kSamples, ShardRandom);
      if ((++rounds & 15) == 0 && NowUs() - start > budget_us) {
        ++stats_.expired_time_cap_reached;
        expire_db_cursor_ = (expire_db_cursor_ + k) % n;
        return;
      }
    } while (removed > kSamples / 4);
  }
  expire_db_cursor_ = (expire_db_cursor_ + 1) % n;
}

void Shard::SampleOps(int64_t now_ms) {
  if (ops_sample_ms_ == 0) {
    ops_sample_ms_ = now_ms;
    ops_sample_count_ = stats_.commands_processed;
    return;
  }
  int64_t dt = now_ms - ops_sample_ms_;
  if (dt <= 0) return;
  if (stats_.commands_processed < ops_sample_count_) {  // CONFIG RESETSTAT: start over
    ops_sample_count_ = stats_.commands_processed;
    std::fill(std::begin(ops_samples_), std::end(ops_samples_), 0);
  }
  uint64_t ops = stats_.commands_processed - ops_sample_count_;
  ops_samples_[ops_sample_idx_++ % 16] = ops * 1000 / dt;
  ops_sample_ms_ = now_ms;
  ops_sample_count_ = stats_.commands_processed;
  uint64_t sum = 0;
  for (uint64_t v : ops_samples_) sum += v;
  stats_.instantaneous_ops = sum / 16;
}

void Shard::ManageMemory() {
  MemoryBudget& budget = server_->memory();
  const Config& cfg = server_->config();
  budget.Publish(index_, keyspace_);
  if (index_ == 0) budget.Refresh(cfg);
  keyspace_.set_limit(budget.shard_limit());
  // Writes evict as they need room; the cron catches up when the budget shrank (CONFIG SET
  // maxmemory, more connections), as Redis's eviction time proc does.
  if (keyspace_.over_limit()) keyspace_.MakeRoom(NowMs());
  if (cfg.activedefrag == "yes") {
    // A bounded slice per tick, scaled between the cycle-min and cycle-max settings by how far
    // the waste is past the lower threshold.
    int steps = static_cast<int>(cfg.active_defrag_cycle_max) * 64;
    keyspace_.CompactStep(static_cast<double>(cfg.active_defrag_threshold_lower) / 100.0,
                          static_cast<size_t>(cfg.active_defrag_ignore_bytes), steps);
  }
  budget.Publish(index_, keyspace_);
}

void Shard::Cron() {
  for (auto& l : listeners_) {
    if (!l->paused) continue;
    l->paused = false;
    loop_.Add(l->fd, EPOLLIN | EPOLLEXCLUSIVE, l.get());
  }
  SampleOps(NowMs());
  int64_t now = NowMs();
  // While start-up recovery runs, the keyspace belongs to the loading thread.
  if (!server_->loading()) {
    ActiveExpire();
    ManageMemory();
    persistence_->Cron(now);
    if (index_ == 0) {
      server_->persistence().Cron(now);
      McCron(*server_, now);
    }
  }
  std::vector<Connection*> check;
  check.reserve(conns_.size());
  for (auto& [id, c] : conns_) check.push_back(c.get());
  for (Connection* c : check)
    if (!c->closed()) c->CheckLimits(now);
  ResumePaused();
}

}  // namespace tessera
