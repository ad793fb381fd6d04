// Persistence: the coordinator (snapshots, save rules, rewrites, disk-error state).
// Recovery is in persistence_load.cc, the per-shard side in shard_persistence.cc.
#include "server/persistence.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/clock.h"
#include "base/log.h"
#include "base/strings.h"
#include "persist/rdb.h"
#include "server/server.h"
#include "server/shard.h"

namespace tessera {
namespace {

std::vector<std::string> SplitWords(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find(' ', i);
    if (j == std::string::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool EndsWith(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Persistence::Persistence(Server* server) : server_(server) {
  bio_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(bio_mu_);
    for (;;) {
      bio_cv_.wait(lock, [&] { return bio_stop_ || !bio_jobs_.empty(); });
      if (bio_jobs_.empty()) return;
      auto job = std::move(bio_jobs_.front());
      bio_jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  });
}

Persistence::~Persistence() {
  {
    std::lock_guard<std::mutex> lock(bio_mu_);
    bio_stop_ = true;
    bio_cv_.notify_one();
  }
  bio_.join();
  if (writer_) writer_->Join();
  if (lock_fd_ >= 0) close(lock_fd_);
}

void Persistence::BackgroundSync(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(bio_mu_);
  bio_jobs_.push_back(std::move(fn));
  bio_cv_.notify_one();
}

std::string Persistence::rdb_path() const {
  const Config& c = server_->config();
  return c.dbfilename.find('/') == 0 ? c.dbfilename : c.dir + "/" + c.dbfilename;
}

std::string Persistence::aof_dir() const {
  const Config& c = server_->config();
  return c.dir + "/" + c.appenddirname;
}

void Persistence::ParseSaveRules() {
  save_rules_.clear();
  std::vector<std::string> w = SplitWords(server_->config().save);
  for (size_t i = 0; i + 1 < w.size(); i += 2) {
    auto secs = ParseInt64(w[i]), changes = ParseInt64(w[i + 1]);
    if (secs && changes) save_rules_.emplace_back(*secs, *changes);
  }
  const std::string& f = server_->config().appendfsync;
  fsync_policy_ = f == "always" ? kAlways : f == "no" ? kNo : kEverysec;
}

uint64_t Persistence::TotalDirty() const {
  uint64_t n = 0;
  for (int i = 0; i < server_->num_shards(); ++i) n += server_->shard(i).stats().dirty;
  return n;
}

void Persistence::UpdateDenied() {
  bool rdb_bad =
      server_->config().stop_writes_on_bgsave_error && !save_rules_.empty() && !last_bgsave_ok_;
  denied_.store(aof_error_shards_.load() > 0 || rdb_bad);
}

std::string Persistence::DiskError() const {
  if (aof_error_shards_.load() > 0)
    return std::string("MISCONF Errors writing to the AOF file: ") + strerror(aof_errno_.load());
  return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
         "persist to disk. Commands that may modify the data set are disabled, because this "
         "instance is configured to report errors during writes if RDB snapshotting fails "
         "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "
         "the RDB error.";
}

void Persistence::AfterCommand(Shard& exec, const CommandSpec* spec, ArgList args, int db,
                               int64_t now_ms, const std::vector<std::string>* rewritten) {
  Server& s = *server_;
  int n = s.num_shards();
  switch (spec->log_as) {
    case LogAs::kFlushDb:
    case LogAs::kFlushAll:
      for (int i = 0; i < n; ++i)
        s.shard(i).persistence().LogFlush(spec->log_as == LogAs::kFlushAll ? -1 : db, now_ms);
      break;
    case LogAs::kSwapDb: {
      auto a = ParseInt64(args[1]), b = ParseInt64(args[2]);
      if (!a || !b) return;
      for (int i = 0; i < n; ++i)
        s.shard(i).persistence().LogSwapDb(static_cast<int>(*a), static_cast<int>(*b), now_ms);
      break;
    }
    case LogAs::kCommand: {
      std::vector<int> pos = spec->KeyPositions(args);
      int home = pos.empty() ? exec.index() : s.ShardOf(args[pos[0]]);
      bool one = n == 1 || spec->route == Route::kKeys;
      for (size_t i = 1; one && i < pos.size(); ++i) one = s.ShardOf(args[pos[i]]) == home;
      if (one && spec->route != Route::kAll) {
        ShardPersistence& p = s.shard(home).persistence();
        if (rewritten)
          p.LogCommand(db, now_ms,
                       ArgList(const_cast<std::string*>(rewritten->data()), rewritten->size()));
        else
          p.LogCommand(db, now_ms, args);
        return;
      }
      // Several shards (or a command that reads other shards' keys): each key's resulting
      // state goes to its own shard's log.
      std::vector<std::pair<int, int>> keys;
      for (int p : pos) keys.emplace_back(db, p);
      if (spec->log_keys_fn) spec->log_keys_fn(args, db, &keys);
      for (auto& [d, p] : keys)
        s.shard(s.ShardOf(args[p])).persistence().LogKey(d, now_ms, args[p]);
      break;
    }
  }
  // Other shards' logs hold records a reply depends on: with appendfsync always they are made
  // durable now, while those shards are parked.
  if (fsync_policy_ == kAlways)
    for (int i = 0; i < n; ++i)
      if (&s.shard(i) != &exec && s.shard(i).persistence().holding())
        s.shard(i).persistence().FlushNow(true);
}

std::string Persistence::HeadFor(bool aof_base) const {
  std::string head;
  rdb::Encoder enc(&head);
  enc.Header();
  enc.Aux("redis-ver", "7.0.15");
  enc.Aux("redis-bits", "64");
  enc.Aux("ctime", std::to_string(NowMs() / 1000));
  enc.Aux("used-mem", std::to_string(server_->SnapshotMemory().used));
  enc.Aux("aof-base", aof_base ? "1" : "0");
  int dbs = server_->shard(0).num_dbs();
  for (int d = 0; d < dbs; ++d) {
    uint64_t keys = 0, expires = 0;
    for (int i = 0; i < server_->num_shards(); ++i) {
      keys += server_->shard(i).db(d).size();
      expires += server_->shard(i).db(d).expires_count();
    }
    if (keys == 0) continue;
    enc.SelectDb(d);
    enc.ResizeDb(keys, expires);
  }
  return head;
}

std::string Persistence::StartSnapshot(Job job, bool wait) {
  if (job_ != Job::kNone) {
    if (job_ == Job::kRewrite && job == Job::kRdb)
      return "ERR An AOF log rewriting in progress: can't BGSAVE right now. Use BGSAVE SCHEDULE "
             "in order to schedule a BGSAVE whenever possible.";
    if (job == Job::kRewrite)
      return "ERR Background append only file rewriting already in progress";
    return "ERR Background save already in progress";
  }
  int64_t now = NowMs();
  uint64_t gen = gen_;
  std::string path = rdb_path();
  if (job == Job::kRewrite) {
    gen = gen_ + 1;
    mkdir(aof_dir().c_str(), 0755);
    if (int rc = RotateLogs(gen)) {
      ++rewrite_failures_;
      last_rewrite_ok_ = false;
      last_rewrite_try_ms_ = now;
      return std::string("ERR Can't open the append-only file: ") + strerror(rc);
    }
    path = aof_dir() + "/" + server_->config().appendfilename + "." + std::to_string(gen) +
           ".base.rdb";
  }
  int n = server_->num_shards();
  auto writer = std::make_shared<SnapshotWriter>(path, HeadFor(job == Job::kRewrite), n);
  uint64_t dirty = TotalDirty();
  auto result = std::make_shared<std::atomic<int>>(0);
  int rc = writer->Start([this, wait, job, now, dirty, gen, result](int rc) {
    if (wait) {
      result->store(rc);
      return;
    }
    server_->shard(0).loop().Post([this, job, rc, now, dirty, gen] {
      std::lock_guard<std::mutex> lock(mu_);
      SnapshotDone(job, rc, now, dirty, gen);
    });
  });
  if (rc != 0) {
    if (job == Job::kRdb) {
      last_bgsave_ok_ = false;
      last_bgsave_errno_ = rc;
      last_bgsave_try_ms_ = now;
      UpdateDenied();
    } else {
      last_rewrite_ok_ = false;
      last_rewrite_try_ms_ = now;
    }
    LOG_WARNING("Failed opening the temp file for the snapshot %s: %s", path.c_str(), strerror(rc));
    return std::string("ERR ") + strerror(rc);
  }
  job_ = job;
  writer_ = writer;
  job_started_ms_ = now;
  bool compress = server_->config().rdbcompression;
  for (int i = 0; i < n; ++i) server_->shard(i).persistence().BeginSnapshot(writer, compress);
  LOG_NOTICE("%s started (fork-less, %d shards)",
             job == Job::kRdb ? "Background saving" : "Background append only file rewriting", n);
  if (!wait) return "";
  // SAVE / shutdown: every shard is parked (or stopped); walk them all from here.
  for (bool all = false; !all;) {
    all = true;
    for (int i = 0; i < n; ++i) all &= server_->shard(i).persistence().Step(INT64_MAX);
    if (!all && writer->queued_bytes() > 0) usleep(500);
  }
  writer->Join();
  SnapshotDone(job, result->load(), now, dirty, gen);
  return (job == Job::kRdb ? last_bgsave_ok_ : last_rewrite_ok_) ? "" : "ERR";
}

void Persistence::SnapshotDone(Job job, int rc, int64_t started_ms, uint64_t dirty_at_start,
                               uint64_t gen) {
  if (writer_) writer_->Join();
  std::string path = writer_ ? writer_->final_path() : "";
  writer_.reset();
  job_ = Job::kNone;
  int64_t now = NowMs();
  if (job == Job::kRdb) {
    last_bgsave_time_s_ = (now - started_ms) / 1000;
    last_bgsave_try_ms_ = now;
    last_bgsave_ok_ = rc == 0;
    last_bgsave_errno_ = rc;
    if (rc == 0) {
      lastsave_s_.store(now / 1000);
      dirty_at_save_ = dirty_at_start;
      ++rdb_saves_;
      LOG_NOTICE("Background saving terminated with success");
    } else {
      LOG_WARNING("Background saving error: %s", strerror(rc));
    }
    UpdateDenied();
    return;
  }
  last_rewrite_time_s_ = (now - started_ms) / 1000;
  last_rewrite_try_ms_ = now;
  last_rewrite_ok_ = rc == 0;
  if (rc != 0) {
    ++rewrite_failures_;
    LOG_WARNING("Background AOF rewrite failed: %s (the logs from the last base stay in use)",
                strerror(rc));
    return;
  }
  std::string base = path.substr(path.rfind('/') + 1);
  if (int mrc = WriteManifest(base, gen)) {
    ++rewrite_failures_;
    last_rewrite_ok_ = false;
    LOG_WARNING("Can't write the AOF manifest: %s", strerror(mrc));
    return;
  }
  rewrite_failures_ = 0;
  ++aof_rewrites_;
  struct stat st;
  base_size_ = stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  RemoveOldAofFiles(gen, base);
  base_name_ = base;
  LOG_NOTICE("Background AOF rewrite finished successfully (base %s)", base.c_str());
}

int Persistence::RotateLogs(uint64_t gen) {
  int n = server_->num_shards();
  for (int i = 0; i < n; ++i) {
    ShardPersistence& p = server_->shard(i).persistence();
    if (p.logging()) {
      if (int rc = p.FlushNow(true)) return rc;
    }
  }
  for (int i = 0; i < n; ++i) {
    ShardPersistence& p = server_->shard(i).persistence();
    p.CloseLog();
    if (int rc = p.OpenLog(aof_dir(), server_->config().appendfilename, gen, n)) {
      // Keep logging somewhere: the shards that did not switch stay on the old generation's
      // files, which the manifest still covers.
      for (int j = 0; j < i; ++j) server_->shard(j).persistence().CloseLog();
      for (int j = 0; j <= i; ++j)
        server_->shard(j).persistence().OpenLog(aof_dir(), server_->config().appendfilename, gen_,
                                                n);
      return rc;
    }
  }
  gen_ = gen;
  return 0;
}

int Persistence::WriteManifest(const std::string& base, uint64_t first_gen) {
  std::string text = "tessera-manifest 1\nbase " + (base.empty() ? std::string("-") : base) +
                     "\nfirst-gen " + std::to_string(first_gen) + "\n";
  return WriteFileAtomic(aof_dir() + "/" + server_->config().appendfilename + ".manifest", text);
}

void Persistence::RemoveOldAofFiles(uint64_t first_gen, const std::string& keep_base) {
  std::string dir = aof_dir(), prefix = server_->config().appendfilename + ".";
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (dirent* ent = readdir(d)) {
    std::string name = ent->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0 || name == keep_base) continue;
    auto gen =
        ParseInt64(name.substr(prefix.size(), name.find('.', prefix.size()) - prefix.size()));
    bool ours = EndsWith(name, ".tlog") || EndsWith(name, ".base.rdb");
    if (gen && ours && static_cast<uint64_t>(*gen) < first_gen) unlink((dir + "/" + name).c_str());
  }
  closedir(d);
  SyncParentDir(dir + "/x");
}

std::string Persistence::Bgsave(bool schedule) {
  std::lock_guard<std::mutex> lock(mu_);
  if (job_ == Job::kRdb) return "ERR Background save already in progress";
  if (job_ == Job::kRewrite) {
    if (!schedule) return StartSnapshot(Job::kRdb, false);
    bgsave_scheduled_ = true;
    return "+Background saving scheduled";
  }
  std::string err = StartSnapshot(Job::kRdb, false);
  return err.empty() ? "+Background saving started" : err;
}

std::string Persistence::SaveNow() {
  std::lock_guard<std::mutex> lock(mu_);
  if (job_ != Job::kNone) return "ERR Background save already in progress";
  std::string err = StartSnapshot(Job::kRdb, true);
  return err.empty() ? "" : "ERR";
}

std::string Persistence::Bgrewriteaof() {
  std::lock_guard<std::mutex> lock(mu_);
  if (job_ == Job::kRewrite) return "ERR Background append only file rewriting already in progress";
  if (job_ == Job::kRdb) {
    rewrite_scheduled_ = true;
    return "+Background append only file rewriting scheduled";
  }
  if (!aof_on()) {
    // As Redis: without appendonly, BGREWRITEAOF still writes a base (and starts no log).
    return "ERR Append only mode is off: BGREWRITEAOF needs appendonly yes in Tessera";
  }
  std::string err = StartSnapshot(Job::kRewrite, false);
  return err.empty() ? "+Background append only file rewriting started" : err;
}

std::string Persistence::ApplyConfig() {
  std::lock_guard<std::mutex> lock(mu_);
  ParseSaveRules();
  UpdateDenied();
  bool want = server_->config().appendonly == "yes";
  if (want == aof_on()) return "";
  int n = server_->num_shards();
  if (!want) {
    for (int i = 0; i < n; ++i) {
      server_->shard(i).persistence().FlushNow(true);
      server_->shard(i).persistence().CloseLog();
    }
    aof_on_.store(false);
    rewrite_scheduled_ = false;
    return "";
  }
  // Turning the log on: new logs from now, and a base holding everything before them.
  aof_on_.store(true);
  if (job_ != Job::kNone) {
    mkdir(aof_dir().c_str(), 0755);
    if (int rc = RotateLogs(gen_ + 1)) {
      aof_on_.store(false);
      return std::string("ERR ") + strerror(rc);
    }
    rewrite_scheduled_ = true;
    return "";
  }
  std::string err = StartSnapshot(Job::kRewrite, false);
  if (!err.empty()) aof_on_.store(false);
  return err;
}

void Persistence::Cron(int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  if (job_ != Job::kNone || cron_posted_) return;
  Job want = Job::kNone;
  if (bgsave_scheduled_) {
    want = Job::kRdb;
  } else if (rewrite_scheduled_ && aof_on()) {
    want = Job::kRewrite;
  } else if (!save_rules_.empty() && (last_bgsave_ok_ || now_ms - last_bgsave_try_ms_ >= 5000)) {
    uint64_t changes = TotalDirty() - dirty_at_save_;
    int64_t since = now_ms / 1000 - lastsave_s_.load();
    for (auto& [secs, n] : save_rules_)
      if (changes >= static_cast<uint64_t>(n) && since >= secs) {
        LOG_NOTICE("%lld changes in %lld seconds. Saving...", static_cast<long long>(n),
                   static_cast<long long>(secs));
        want = Job::kRdb;
        break;
      }
  }
  if (want == Job::kNone && aof_on() &&
      (last_rewrite_ok_ || now_ms - last_rewrite_try_ms_ >= 5000)) {
    const Config& c = server_->config();
    uint64_t logs = 0;
    for (int i = 0; i < server_->num_shards(); ++i)
      logs += server_->shard(i).persistence().log().size();
    uint64_t base = base_size_ ? base_size_ : 1;
    if (c.auto_aof_rewrite_percentage > 0 &&
        base_size_ + logs >= static_cast<uint64_t>(c.auto_aof_rewrite_min_size) &&
        logs * 100 / base >= static_cast<uint64_t>(c.auto_aof_rewrite_percentage))
      want = Job::kRewrite;
  }
  if (want == Job::kNone) return;
  cron_posted_ = true;
  server_->RunAtomic(server_->AllShards(), [this, want] {
    std::lock_guard<std::mutex> lock(mu_);
    cron_posted_ = false;
    if (job_ != Job::kNone) return;
    if (want == Job::kRdb) bgsave_scheduled_ = false;
    if (want == Job::kRewrite) rewrite_scheduled_ = false;
    if (want == Job::kRewrite && !aof_on()) return;
    StartSnapshot(want, false);
  });
}

void Persistence::Shutdown(bool save) {
  std::lock_guard<std::mutex> lock(mu_);
  int n = server_->num_shards();
  if (writer_) {
    // A background snapshot still running: finish it from here (nothing else runs now).
    for (bool all = false; !all;) {
      all = true;
      for (int i = 0; i < n; ++i) all &= server_->shard(i).persistence().Step(INT64_MAX);
      if (!all) usleep(500);
    }
    writer_->Join();
    writer_.reset();
    job_ = Job::kNone;
  }
  if (save) {
    LOG_NOTICE("Saving the final RDB snapshot before exiting.");
    if (StartSnapshot(Job::kRdb, true).empty())
      LOG_NOTICE("DB saved on disk");
    else
      LOG_WARNING("Error trying to save the DB, can't exit.");
  }
  for (int i = 0; i < n; ++i) {
    ShardPersistence& p = server_->shard(i).persistence();
    if (p.logging()) p.FlushNow(true);
  }
}

std::vector<std::pair<std::string, std::string>> Persistence::Info() {
  std::vector<std::pair<std::string, std::string>> f;
  auto add = [&](const char* k, auto v) {
    if constexpr (std::is_convertible_v<decltype(v), std::string>)
      f.emplace_back(k, std::string(v));
    else
      f.emplace_back(k, std::to_string(v));
  };
  int64_t now = NowMs();
  if (server_->loading()) {
    // Only the progress counters: everything else belongs to the loading thread.
    uint64_t total = loading_total_bytes_.load(), done = loading_done_bytes_.load();
    int64_t elapsed = now / 1000 - loading_start_s_.load();
    double perc = total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 0;
    int64_t eta = done && total > done ? static_cast<int64_t>(static_cast<double>(elapsed) *
                                                              static_cast<double>(total - done) /
                                                              static_cast<double>(done))
                                       : 1;
    char pbuf[32];
    snprintf(pbuf, sizeof pbuf, "%.2f%%", perc);
    add("loading", 1);
    add("async_loading", 0);
    add("loading_start_time", loading_start_s_.load());
    add("loading_total_bytes", total);
    add("loading_rdb_used_mem", 0);
    add("loading_loaded_bytes", done);
    add("loading_loaded_perc", pbuf);
    add("loading_eta_seconds", eta);
    add("aof_enabled", server_->config().appendonly == "yes" ? 1 : 0);
    return f;
  }
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t keys_done = 0, keys_total = 0;
  for (int i = 0; i < server_->num_shards(); ++i) {
    keys_done += server_->shard(i).persistence().keys_written();
    for (int d = 0; d < server_->shard(i).num_dbs(); ++d)
      keys_total += server_->shard(i).db(d).size();
  }
  add("loading", 0);
  add("async_loading", 0);
  add("current_cow_peak", 0);
  add("current_cow_size", 0);
  add("current_cow_size_age", 0);
  add("current_fork_perc", "0.00");
  add("current_save_keys_processed", job_ != Job::kNone ? keys_done : 0);
  add("current_save_keys_total", job_ != Job::kNone ? keys_total : 0);
  add("rdb_changes_since_last_save", TotalDirty() - dirty_at_save_);
  add("rdb_bgsave_in_progress", job_ == Job::kRdb ? 1 : 0);
  add("rdb_last_save_time", lastsave_s_.load());
  add("rdb_last_bgsave_status", last_bgsave_ok_ ? "ok" : "err");
  add("rdb_last_bgsave_time_sec", last_bgsave_time_s_);
  add("rdb_current_bgsave_time_sec", job_ == Job::kRdb ? (now - job_started_ms_) / 1000 : -1);
  add("rdb_saves", rdb_saves_);
  add("rdb_last_cow_size", 0);
  add("rdb_last_load_keys_expired", loaded_expired_);
  add("rdb_last_load_keys_loaded", loaded_keys_);
  add("aof_enabled", aof_on() ? 1 : 0);
  add("aof_rewrite_in_progress", job_ == Job::kRewrite ? 1 : 0);
  add("aof_rewrite_scheduled", rewrite_scheduled_ ? 1 : 0);
  add("aof_last_rewrite_time_sec", last_rewrite_time_s_);
  add("aof_current_rewrite_time_sec", job_ == Job::kRewrite ? (now - job_started_ms_) / 1000 : -1);
  add("aof_last_bgrewrite_status", last_rewrite_ok_ ? "ok" : "err");
  add("aof_rewrites", aof_rewrites_);
  add("aof_rewrites_consecutive_failures", rewrite_failures_);
  add("aof_last_write_status", aof_error_shards_.load() > 0 ? "err" : "ok");
  add("aof_last_cow_size", 0);
  add("module_fork_in_progress", 0);
  add("module_fork_last_cow_size", 0);
  if (aof_on()) {
    uint64_t logs = 0, buffered = 0;
    for (int i = 0; i < server_->num_shards(); ++i) {
      logs += server_->shard(i).persistence().log().size();
      buffered += server_->shard(i).persistence().log().buffer().size();
    }
    add("aof_current_size", base_size_ + logs);
    add("aof_base_size", base_size_);
    add("aof_pending_rewrite", rewrite_scheduled_ ? 1 : 0);
    add("aof_buffer_length", buffered);
    add("aof_pending_bio_fsync", 0);
    add("aof_delayed_fsync", 0);
  }
  return f;
}

}  // namespace tessera
