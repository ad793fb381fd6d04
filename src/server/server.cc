// Server start-up, shutdown, slot map and the cross-shard scheduler.
#include "server/server.h"

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <random>

#include "base/clock.h"
#include "base/log.h"
#include "net/socket.h"
#include "server/command.h"
#include "server/shard.h"

namespace tessera {
namespace {

// One multi-shard operation in flight: see Server's header comment.
thread_local bool t_in_atomic = false;

struct AtomicOp {
  AtomicOp(int n, std::function<void()> b) : needed(n), body(std::move(b)) {}
  void Arrive() {
    if (arrived.fetch_add(1, std::memory_order_acq_rel) + 1 == needed) {
      t_in_atomic = true;
      body();
      t_in_atomic = false;
      done.store(1, std::memory_order_release);
      done.notify_all();
    } else {
      while (done.load(std::memory_order_acquire) == 0) done.wait(0, std::memory_order_acquire);
    }
  }
  std::atomic<int> arrived{0};
  std::atomic<uint32_t> done{0};
  int needed;
  std::function<void()> body;
};

std::string RandomHex(size_t n) {
  std::random_device rd;
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s += kHex[rd() % 16];
  return s;
}

}  // namespace

Server::Server(Config cfg) : config_(std::move(cfg)) {
  Registry().Finalize();
  int n = static_cast<int>(config_.threads);
  if (n <= 0) n = std::max(1u, std::thread::hardware_concurrency());
  config_.threads = n;
  for (int i = 0; i < n; ++i)
    shards_.push_back(std::make_unique<Shard>(this, i, static_cast<int>(config_.databases)));
  memory_ = std::make_unique<MemoryBudget>(n);
  pubsub_ = std::make_unique<PubSub>(this, n);
  persistence_ = std::make_unique<Persistence>(this);
  ApplyMemoryConfig();
  memory_->MarkStartup();
  // Contiguous slot ranges per shard, as a cluster would split them between nodes.
  slot_owner_.resize(kNumSlots);
  for (int s = 0; s < kNumSlots; ++s) slot_owner_[s] = static_cast<uint16_t>(s * n / kNumSlots);
  start_time_ms_ = NowMs();
  run_id_ = RandomHex(40);
}

Server::~Server() = default;

MemorySnapshot Server::SnapshotMemory() {
  for (auto& s : shards_) memory_->Publish(s->index(), s->keyspace());
  return memory_->Refresh(config_);
}

bool Server::compacting() {
  for (auto& s : shards_)
    if (s->keyspace().slab().compacting()) return true;
  return false;
}

void Server::ApplyMemoryConfig() {
  EvictionConfig ev;
  ParseEvictionPolicy(config_.maxmemory_policy, &ev.policy);
  ev.samples = static_cast<int>(config_.maxmemory_samples);
  ev.lfu_log_factor = static_cast<int>(config_.lfu_log_factor);
  ev.lfu_decay_time = static_cast<int>(config_.lfu_decay_time);
  EncodingLimits lim;
  lim.hash_max_listpack_entries = static_cast<size_t>(config_.hash_max_listpack_entries);
  lim.hash_max_listpack_value = static_cast<size_t>(config_.hash_max_listpack_value);
  lim.set_max_intset_entries = static_cast<size_t>(config_.set_max_intset_entries);
  lim.zset_max_listpack_entries = static_cast<size_t>(config_.zset_max_listpack_entries);
  lim.zset_max_listpack_value = static_cast<size_t>(config_.zset_max_listpack_value);
  lim.list_max_listpack_size = config_.list_max_listpack_size;
  lim.hll_sparse_max_bytes = static_cast<size_t>(config_.hll_sparse_max_bytes);
  for (auto& s : shards_) {
    s->keyspace().eviction() = ev;
    s->keyspace().limits() = lim;
    memory_->Publish(s->index(), s->keyspace());
  }
  memory_->Refresh(config_);
  for (auto& s : shards_) s->keyspace().set_limit(memory_->shard_limit());
}

std::vector<int> Server::AllShards() const {
  std::vector<int> all(shards_.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  return all;
}

bool Server::InAtomicBody() { return t_in_atomic; }

void Server::RunAtomic(const std::vector<int>& shards, std::function<void()> body) {
  auto op = std::make_shared<AtomicOp>(static_cast<int>(shards.size()), std::move(body));
  std::lock_guard<std::mutex> lock(schedule_mu_);
  if (stopping_) return;  // shutting down: every shard may already have left its loop
  for (int s : shards) shards_[s]->loop().Post([op] { op->Arrive(); });
}

void Server::Pause(int64_t until_ms, bool all) {
  // A pause still in force is only ever extended and strengthened (Redis keeps the later end
  // and the stronger kind); an expired one no longer counts.
  std::lock_guard<std::mutex> lock(pause_mu_);
  int64_t old_end = pause_end_ms_.load();
  bool active = old_end > NowMs();
  pause_all_.store(all || (active && pause_all_.load()));
  pause_end_ms_.store(active ? std::max(old_end, until_ms) : until_ms);
}

void Server::Unpause() {
  {
    std::lock_guard<std::mutex> lock(pause_mu_);
    pause_end_ms_.store(0);
    pause_all_.store(false);
  }
  for (auto& s : shards_) {
    Shard* sp = s.get();
    sp->loop().Post([sp] { sp->ResumePaused(); });
  }
}

bool Server::IsPaused(uint32_t flags) const {
  int64_t end = pause_end_ms_.load(std::memory_order_relaxed);
  if (end == 0 || end <= NowMs()) return false;
  if (pause_all_.load(std::memory_order_relaxed)) return true;
  return flags & (kCmdWrite | kCmdMayReplicate);
}

std::string Server::EnsureFdLimit(int64_t maxclients, int64_t* fitted) const {
  const rlim_t reserved = 32 + 4 * shards_.size();
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return "";
  rlim_t want = static_cast<rlim_t>(maxclients) + reserved;
  if (rl.rlim_cur < want) {
    rlimit raised = rl;
    raised.rlim_cur = std::min(want, rl.rlim_max);
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  if (rl.rlim_cur >= want) {
    *fitted = maxclients;
    return "";
  }
  *fitted = rl.rlim_cur > reserved ? static_cast<int64_t>(rl.rlim_cur - reserved) : 1;
  return "You requested maxclients of " + std::to_string(maxclients) + " requiring at least " +
         std::to_string(want) + " max file descriptors. Server can't set maximum open files to " +
         std::to_string(want) + ": maxclients has been reduced to " + std::to_string(*fitted) +
         " to compensate for low ulimit.";
}

void Server::StopShards() {
  {
    std::lock_guard<std::mutex> lock(schedule_mu_);
    stopping_ = true;
  }
  for (auto& s : shards_) s->Stop();
  for (auto& s : shards_) s->Join();
}

void Server::RequestShutdown(int save) {
  shutdown_save_.store(save);
  kill(getpid(), SIGTERM);
}

int Server::Run() {
  // Room for maxclients sockets plus our own descriptors; when the limit cannot be raised far
  // enough, maxclients shrinks to fit, as Redis does.
  std::string fd_err = EnsureFdLimit(config_.maxclients, &config_.maxclients);
  if (!fd_err.empty()) LOG_WARNING("%s", fd_err.c_str());
  // Signals are taken by this thread only (sigwait below); shard threads inherit the mask.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  // One listening socket, watched by every shard with EPOLLEXCLUSIVE: a new connection wakes
  // one idle shard, and a second server on the same port fails to bind (as Redis does).
  std::string bind = config_.bind.substr(0, config_.bind.find(' '));
  std::string err;
  int fd =
      ListenTcp(bind, static_cast<int>(config_.port), static_cast<int>(config_.tcp_backlog), &err);
  if (fd < 0) {
    LOG_WARNING("Could not create server TCP listening socket %s:%lld: %s", bind.c_str(),
                static_cast<long long>(config_.port), err.c_str());
    return 1;
  }
  // The memcached front door: one listening socket shared like the RESP one, and one UDP
  // socket per shard.
  int mc_fd = -1;
  std::vector<int> udp_fds;
  if (config_.memcached_port > 0) {
    mc_fd = ListenTcp(bind, static_cast<int>(config_.memcached_port),
                      static_cast<int>(config_.tcp_backlog), &err);
    if (mc_fd < 0) {
      LOG_WARNING("Could not create memcached TCP listening socket %s:%lld: %s", bind.c_str(),
                  static_cast<long long>(config_.memcached_port), err.c_str());
      close(fd);
      return 1;
    }
  }
  for (int i = 0; config_.memcached_udp_port > 0 && i < num_shards(); ++i) {
    int u = BindUdp(bind, static_cast<int>(config_.memcached_udp_port), &err);
    if (u < 0) {
      LOG_WARNING("Could not create memcached UDP socket %s:%lld: %s", bind.c_str(),
                  static_cast<long long>(config_.memcached_udp_port), err.c_str());
      for (int x : udp_fds) close(x);
      if (mc_fd >= 0) close(mc_fd);
      close(fd);
      return 1;
    }
    udp_fds.push_back(u);
  }
  auto start = [&] {
    for (auto& shard : shards_)
      shard->Start({fd, mc_fd, udp_fds.empty() ? -1 : udp_fds[shard->index()]});
  };
  // The shards serve connections while the data loads: they answer -LOADING (and INFO shows
  // the progress) but leave the keyspaces to this thread until it is done.
  // `dir` is reported absolute, as Redis's (it chdir()s there).
  if (char* abs = realpath(config_.dir.c_str(), nullptr)) {
    config_.dir = abs;
    free(abs);
  }
  // With nothing to load, nobody needs to see -LOADING: start serving after.
  bool early = persistence_->HasDataToLoad();
  loading_.store(early);
  if (early) start();
  bool loaded = persistence_->Load(&err);
  loading_.store(false, std::memory_order_release);
  if (!early && loaded) start();
  if (!loaded) {
    LOG_WARNING("%s", err.c_str());
    StopShards();
    close(fd);
    return 1;
  }
  LOG_NOTICE("Tessera started: port %lld, %d shard threads, pid %d",
             static_cast<long long>(config_.port), num_shards(), getpid());
  LOG_NOTICE("Ready to accept connections tcp");

  for (;;) {
    int sig = 0;
    sigwait(&set, &sig);
    if (shutdown_save_.exchange(-1) != -1) break;  // SHUTDOWN: its snapshot is taken
    LOG_NOTICE("Received %s scheduling shutdown...", sig == SIGINT ? "SIGINT" : "SIGTERM");
    if (config_.save.empty()) break;
    // With save rules a final snapshot, taken with every shard parked; when it fails the
    // server keeps running (as Redis), so nothing is lost.
    LOG_NOTICE("Saving the final RDB snapshot before exiting.");
    std::promise<std::string> saved;
    RunAtomic(AllShards(), [&] { saved.set_value(persistence_->SaveNow(true)); });
    if (saved.get_future().get().empty()) break;
    LOG_WARNING("Error trying to save the DB, can't exit.");
  }
  StopShards();
  CloseListener(fd);
  if (mc_fd >= 0) CloseListener(mc_fd);
  persistence_->Shutdown();
  LOG_NOTICE("Tessera is now ready to exit, bye bye...");
  return 0;
}

}  // namespace tessera
