// Persistence: the coordinator (snapshots, save rules, rewrites, disk-error state).
// Recovery is in persistence_load.cc, the per-shard side in shard_persistence.cc.
#include "server/persistence.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

Persistence::Persistence(Server* server)
    : server_(server), next_txid_(static_cast<uint64_t>(NowUs())) {
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
  rdb_denied_.store(rdb_bad);
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

void Persistence::LogParts(Shard& exec, const std::vector<std::vector<std::string>>& parts, int db,
                           int64_t now_ms) {
  Server& s = *server_;
  std::vector<int> shards;  // the shard of each part's (one) key
  for (auto& p : parts) {
    const CommandSpec* spec = Registry().Find(p[0]);
    if (spec && !spec->subcommands.empty() && p.size() > 1)  // XGROUP SETID key ...
      if (const CommandSpec* sub = Registry().FindSub(*spec, p[1])) spec = sub;
    std::vector<int> pos =
        spec ? spec->KeyPositions(ArgList(const_cast<std::string*>(p.data()), p.size()))
             : std::vector<int>{};
    shards.push_back(pos.empty() ? exec.index() : s.ShardOf(p[pos[0]]));
  }
  std::vector<int> uniq = shards;
  std::sort(uniq.begin(), uniq.end());
  uniq.erase(std::unique(uniq.begin(), uniq.end()), uniq.end());
  uint64_t txid = next_txid_++;
  for (int sh : uniq) {
    ShardPersistence& log = s.shard(sh).persistence();
    if (uniq.size() > 1)
      log.LogTxn(txid, uniq.size(), std::count(shards.begin(), shards.end(), sh), now_ms);
    for (size_t i = 0; i < parts.size(); ++i)
      if (shards[i] == sh)
        log.LogCommand(db, now_ms,
                       ArgList(const_cast<std::string*>(parts[i].data()), parts[i].size()));
  }
  if (uniq.size() > 1) FlushShards(uniq);
}

void Persistence::AfterCommand(Shard& exec, const CommandSpec* spec, ArgList args, int db,
                               int64_t now_ms) {
  Server& s = *server_;
  int n = s.num_shards();
  if (spec->log_as != LogAs::kCommand) {
    // FLUSHDB / FLUSHALL / SWAPDB: every shard records what happens to its own slots, as one
    // transaction over all the logs.
    int a = db, b = 0;
    if (spec->log_as == LogAs::kSwapDb) {
      auto x = ParseInt64(args[1]), y = ParseInt64(args[2]);
      if (!x || !y) return;
      a = static_cast<int>(*x);
      b = static_cast<int>(*y);
    }
    uint64_t txid = next_txid_++;
    std::vector<int> all = s.AllShards();
    for (int i : all) {
      ShardPersistence& p = s.shard(i).persistence();
      if (n > 1) p.LogTxn(txid, static_cast<uint64_t>(n), 1, now_ms);
      if (spec->log_as == LogAs::kSwapDb)
        p.LogSwapDb(a, b, now_ms);
      else
        p.LogFlush(spec->log_as == LogAs::kFlushAll ? -1 : db, now_ms);
    }
    if (n > 1) FlushShards(all);
    return;
  }
  std::vector<int> pos = spec->KeyPositions(args);
  int home = pos.empty() ? exec.index() : s.ShardOf(args[pos[0]]);
  bool one = spec->route != Route::kAll;
  for (size_t i = 1; one && i < pos.size(); ++i) one = s.ShardOf(args[pos[i]]) == home;
  if (one) return s.shard(home).persistence().LogCommand(db, now_ms, args);
  // Keys of several shards (or a command that reads other shards' keys, SORT): each key's
  // resulting state goes to its own shard's log, all parts as one transaction.
  std::vector<std::pair<int, int>> keys;
  for (int p : pos) keys.emplace_back(db, p);
  if (spec->log_keys_fn) spec->log_keys_fn(args, db, &keys);
  std::vector<int> shards;
  for (auto& [d, p] : keys) shards.push_back(s.ShardOf(args[p]));
  std::sort(shards.begin(), shards.end());
  shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
  uint64_t txid = next_txid_++;
  for (int sh : shards) {
    uint64_t count = 0;
    for (auto& [d, p] : keys) count += s.ShardOf(args[p]) == sh;
    ShardPersistence& log = s.shard(sh).persistence();
    if (shards.size() > 1) log.LogTxn(txid, shards.size(), count, now_ms);
    for (auto& [d, p] : keys)
      if (s.ShardOf(args[p]) == sh) log.LogKey(d, now_ms, args[p]);
  }
  FlushShards(shards);
}

void Persistence::BeginTxn(const std::vector<int>& shards) {
  if (!aof_on()) return;
  for (int i : shards) server_->shard(i).persistence().BeginCapture();
}

bool Persistence::AnyCapturing() const {
  for (int i = 0; i < server_->num_shards(); ++i)
    if (server_->shard(i).persistence().capturing()) return true;
  return false;
}

bool Persistence::EndTxn(const std::vector<int>& shards, int64_t now_ms, bool flush) {
  struct Part {
    int shard;
    uint64_t count;
    std::string records;
  };
  std::vector<Part> parts;
  for (int i : shards) {
    ShardPersistence& sp = server_->shard(i).persistence();
    if (!sp.capturing()) continue;
    uint64_t count = 0;
    std::string records = sp.EndCapture(&count);
    if (count > 0 && aof_on()) parts.push_back({i, count, std::move(records)});
  }
  if (parts.empty()) return false;
  uint64_t txid = next_txid_++;
  std::vector<int> written;
  for (Part& p : parts) {
    ShardPersistence& log = server_->shard(p.shard).persistence();
    // A lone record needs no TXN: it is whole or torn by itself.
    if (parts.size() > 1 || p.count > 1) log.LogTxn(txid, parts.size(), p.count, now_ms);
    log.AppendCaptured(p.records, p.count);
    written.push_back(p.shard);
  }
  if (flush) FlushShards(written);
  return true;
}

void Persistence::FlushShards(const std::vector<int>& shards) {
  bool sync = fsync_policy_ == kAlways;
  for (int i : shards) {
    ShardPersistence& p = server_->shard(i).persistence();
    if (p.holding()) p.FlushNow(sync);
  }
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
  // The writer tells shard 0 when the file is done; a snapshot finished meanwhile from a
  // command thread (SAVE, SHUTDOWN) is not finished twice.
  SnapshotWriter* w = writer.get();
  int rc = writer->Start([this, wait, w](int) {
    if (wait) return;
    server_->shard(0).loop().Post([this, w] {
      std::lock_guard<std::mutex> lock(mu_);
      if (writer_.get() == w) FinishJob();
    });
  });
  if (rc != 0) {
    if (job == Job::kRdb) {
      last_bgsave_ok_ = false;
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
  job_dirty_ = dirty;
  job_gen_ = gen;
  bool compress = server_->config().rdbcompression;
  for (int i = 0; i < n; ++i) server_->shard(i).persistence().BeginSnapshot(writer, compress);
  LOG_NOTICE("%s started (fork-less, %d shards)",
             job == Job::kRdb ? "Background saving" : "Background append only file rewriting", n);
  if (!wait) return "";
  // SAVE / shutdown: every shard is parked (or stopped); walk them all from here.
  WalkToEnd();
  FinishJob();
  return (job == Job::kRdb ? last_bgsave_ok_ : last_rewrite_ok_) ? "" : "ERR";
}

void Persistence::WalkToEnd() {
  int n = server_->num_shards();
  for (bool all = false; !all;) {
    all = true;
    for (int i = 0; i < n; ++i) all &= server_->shard(i).persistence().Step(INT64_MAX);
    if (!all) usleep(500);  // the writer catches up
  }
}

void Persistence::FinishJob() {
  writer_->Join();
  std::string path = writer_->final_path();
  int rc = writer_->result();
  writer_.reset();
  Job job = job_;
  job_ = Job::kNone;
  int64_t started_ms = job_started_ms_;
  uint64_t dirty_at_start = job_dirty_, gen = job_gen_;
  int64_t now = NowMs();
  if (job == Job::kRdb) {
    last_bgsave_time_s_ = (now - started_ms) / 1000;
    last_bgsave_try_ms_ = now;
    last_bgsave_ok_ = rc == 0;
    ++rdb_saves_;  // attempts, as Redis counts them
    if (rc == 0) {
      lastsave_s_.store(now / 1000);
      dirty_at_save_ = dirty_at_start;
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
  old_logs_bytes_ = 0;
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
  // Every new file first; only when all exist do the shards switch. On failure the new files
  // go and every shard keeps logging to the generation the manifest still covers.
  std::vector<ShardLog> fresh(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    ShardPersistence& p = server_->shard(i).persistence();
    if (int rc = p.OpenLog(aof_dir(), server_->config().appendfilename, gen, n, &fresh[i])) {
      for (int j = 0; j < i; ++j) unlink(fresh[j].path().c_str());
      return rc;
    }
  }
  for (int i = 0; i < n; ++i) server_->shard(i).persistence().InstallLog(fresh[i]);
  gen_ = gen;
  return 0;  // (the old files close as `fresh` goes)
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

std::string Persistence::SaveNow(bool finish_running) {
  std::lock_guard<std::mutex> lock(mu_);
  if (job_ != Job::kNone && finish_running) {
    WalkToEnd();
    FinishJob();
  }
  if (job_ != Job::kNone) return "ERR Background save already in progress";
  std::string err = StartSnapshot(Job::kRdb, true);
  return err.empty() ? "" : "ERR";
}

std::string Persistence::Bgrewriteaof() {
  std::lock_guard<std::mutex> lock(mu_);
  if (job_ == Job::kRewrite) return "ERR Background append only file rewriting already in progress";
  if (job_ == Job::kRdb || AnyCapturing()) {  // a snapshot runs, or inside EXEC
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
      ShardPersistence& sp = server_->shard(i).persistence();
      uint64_t dropped;
      if (sp.capturing()) sp.EndCapture(&dropped);  // inside EXEC: that log is going away
      sp.FlushNow(true);
      sp.CloseLog();
    }
    aof_on_.store(false);
    rewrite_scheduled_ = false;
    // The log stops here: its files no longer describe the data. Without a manifest, turning
    // it on again starts from a new base instead of replaying stale logs under new ones.
    unlink((aof_dir() + "/" + server_->config().appendfilename + ".manifest").c_str());
    SyncParentDir(aof_dir() + "/x");
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
    uint64_t logs = old_logs_bytes_;
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

void Persistence::Shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  int n = server_->num_shards();
  if (writer_) {
    // A background snapshot still running: finish it from here (nothing else runs now).
    WalkToEnd();
    FinishJob();
  }
  for (int i = 0; i < n; ++i) {
    ShardPersistence& p = server_->shard(i).persistence();
    if (p.logging()) p.FlushNow(true);
  }
}

std::vector<std::pair<std::string, std::string>> Persistence::Info(bool loading) {
  std::vector<std::pair<std::string, std::string>> f;
  auto add = [&](const char* k, auto v) {
    if constexpr (std::is_convertible_v<decltype(v), std::string>)
      f.emplace_back(k, std::string(v));
    else
      f.emplace_back(k, std::to_string(v));
  };
  int64_t now = NowMs();
  if (loading) {
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
    uint64_t logs = old_logs_bytes_, buffered = 0;
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
