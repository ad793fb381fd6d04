// Durability: the per-shard write-ahead log, fork-less snapshots, start-up recovery and the
// disk-error state that turns writes away. docs/persistence.md has the design and the files.
//
// Log. Every change a shard makes is appended to its log buffer as it happens: the command
// as run (replayed with the time it ran, so relative TTLs and expiry come out the same), or,
// for what cannot be replayed from one shard's log (multi-shard commands, evictions), the
// resulting key (PUT with its RDB value) or its deletion. The buffer goes to the kernel at
// the end of every loop iteration; with appendfsync always it is also fsynced there, before
// any reply of that iteration leaves (group commit); everysec fsyncs in the background once a
// second; no leaves it to the kernel.
//
// Snapshots. BGSAVE marks the cut on every shard at once (all parked), then each shard
// serialises its keys in slices of its event loop, and every key a command is about to change
// first (Keyspace::StartSnapshot), so no fork and no copy of the dataset. The same machinery
// writes dump.rdb (BGSAVE, SAVE, save rules, shutdown) and the log's base (BGREWRITEAOF): a
// rewrite starts a new log generation at the cut, and once the base is on disk the manifest
// names it and older generations go.
//
// Recovery. With appendonly yes: the manifest's base, then every log of the generations from
// it on, in order (a torn last record is cut off; a corrupt one stops start-up unless
// aof-load-truncate-corrupt). Otherwise dump.rdb. A lock file keeps a second server out of
// the directory.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/keyspace.h"
#include "persist/wal.h"
#include "server/command.h"
#include "server/shard_log.h"
#include "server/snapshot_writer.h"

namespace tessera {

class Server;
class Shard;
struct CommandSpec;

// A shard's share of persistence: its log and its part of a snapshot being written.
// Touched by the shard's thread, or by another thread while the shard is parked.
class ShardPersistence : public KeyspaceObserver {
 public:
  ShardPersistence(Server* server, Shard* shard);

  bool logging() const { return log_.is_open(); }
  ShardLog& log() { return log_; }

  // Log records (only while logging()).
  void LogCommand(int db, int64_t now_ms, ArgList args);
  // The key's state now: a PUT of its value, or a DEL when it is gone.
  void LogKey(int db, int64_t now_ms, std::string_view key);
  void LogFlush(int db, int64_t now_ms);
  void LogSwapDb(int a, int b, int64_t now_ms);
  // Opens this shard's part of a write over several shards: the next `count` records.
  void LogTxn(uint64_t txid, uint64_t parts, uint64_t count, int64_t now_ms);
  // EXEC (Persistence::BeginTxn): records go aside, and TXN records of the commands inside
  // are dropped, until EndCapture hands them over with their count.
  void BeginCapture();
  bool capturing() const { return capturing_; }
  std::string EndCapture(uint64_t* count);
  // Appends records EndCapture returned (`count` of them).
  void AppendCaptured(const std::string& records, uint64_t count);
  // Records appended so far (a mark for AfterSync).
  uint64_t appended() const { return appended_; }

  // KeyspaceObserver
  void Capture(int db, const Entry& e) override;
  void Evicted(int db, std::string_view key) override;

  // Snapshot participation: Begin at the cut (shard parked), then Step from the loop until
  // it returns true (done; also when the snapshot failed).
  void BeginSnapshot(std::shared_ptr<SnapshotWriter> w, bool compress);
  bool Step(int64_t budget_us);
  uint64_t keys_written() const { return keys_written_; }

  // End of a loop iteration: a snapshot slice, then the log written (and fsynced when
  // appendfsync is always), then the replies held for it released. Returns true when
  // replies may be written now (false: the log could not be made durable yet).
  bool BeforeSleep();
  // Runs `fn` (which sends a reply) at once, or, when records were appended since `mark`
  // and are not yet written (fsynced with appendfsync always), once they are: a reply never
  // leaves before the log holds what it acknowledges.
  void AfterSync(std::function<void()> fn, uint64_t mark);
  // Records not yet written (or, with appendfsync always, not yet fsynced).
  bool holding() const;
  // Writes and fsyncs now (parked shards, shutdown, rotation). 0 or an errno.
  int FlushNow(bool sync);
  // everysec: a background fsync when a second has passed (from the shard's cron).
  void Cron(int64_t now_ms);

  // Creates generation `gen`'s file for this shard in `into` (0 or an errno); InstallLog then
  // makes it the shard's log (the old one ends up in `log`).
  int OpenLog(const std::string& dir, const std::string& prefix, uint64_t gen, int shards,
              ShardLog* into);
  void InstallLog(ShardLog& log);
  void CloseLog();

 private:
  wal::Record NewRecord(wal::Type type, int db, int64_t now_ms) const;
  // Where records go: the log's buffer, or the capture of an EXEC.
  std::string* Target() { return capturing_ ? &captured_ : &log_.buffer(); }
  void Append(const wal::Record& r);
  void PushChunk();
  void SetError(int err);
  void ClearError();

  Server* server_;
  Shard* shard_;
  uint16_t slot_lo_ = 0, slot_hi_ = 0;
  ShardLog log_;
  int write_error_ = 0;  // errno of the last failed write or fsync, 0 when fine
  uint64_t appended_ = 0;
  bool capturing_ = false;
  std::string captured_;
  uint64_t captured_count_ = 0;
  // The last background fsync: -1 none reported, 0 ok, else its errno.
  std::atomic<int> bg_result_{-1};
  bool fsync_failed_ = false;
  int64_t last_fsync_ms_ = 0;
  std::vector<std::function<void()>> deferred_;
  // snapshot
  std::shared_ptr<SnapshotWriter> writer_;
  bool compress_ = true;
  std::string chunk_;
  int chunk_db_ = -1;
  int walk_db_ = 0;
  uint64_t walk_cursor_ = 0;
  uint64_t keys_written_ = 0;
};

class Persistence {
 public:
  explicit Persistence(Server* server);
  ~Persistence();

  // Start-up, before the shard threads run: locks the directory, loads the data, opens the
  // logs. False with *err (the server must not start).
  bool Load(std::string* err);
  // Whether Load will read a file (a snapshot or a log's manifest exists).
  bool HasDataToLoad() const;
  // After the shard threads stopped: a snapshot still running is finished, logs flushed and
  // fsynced. (The final snapshot is SHUTDOWN's, or Server::Run's on SIGTERM.)
  void Shutdown();

  // Logs what command `spec` did, when it changed something. `exec` ran it; `multi` when it
  // ran atomically over several shards. Only from Dispatcher::Execute.
  void AfterCommand(Shard& exec, const CommandSpec* spec, ArgList args, int db, int64_t now_ms);
  // Logs a command's rewritten form (CommandContext::Propagate): one-key commands, each in its
  // key's shard log, as one transaction when they span shards.
  void LogParts(Shard& exec, const std::vector<std::vector<std::string>>& parts, int db,
                int64_t now_ms);
  bool aof_on() const { return aof_on_.load(std::memory_order_relaxed); }
  int fsync_policy() const { return fsync_policy_; }  // kAlways / kEverysec / kNo
  // EXEC: the records the shards in `shards` (the caller's own, or parked) append between
  // BeginTxn and EndTxn form one transaction (one TXN part per shard that wrote, nested TXN
  // records dropped). EndTxn with `flush` writes them before returning; it returns whether
  // anything was logged. A log switched off inside the transaction drops what it captured; a
  // rewrite asked for inside it is only scheduled (its base must not hold part of it).
  void BeginTxn(const std::vector<int>& shards);
  bool EndTxn(const std::vector<int>& shards, int64_t now_ms, bool flush);
  // Writes (and with appendfsync always fsyncs) the logs of `shards`, which the caller owns
  // (its own, or parked ones): a multi-shard write is whole in every log before anything
  // else can see it.
  void FlushShards(const std::vector<int>& shards);
  static constexpr int kAlways = 0, kEverysec = 1, kNo = 2;

  // Why writes are refused now (Redis's -MISCONF texts), or "".
  std::string DiskError() const;
  bool writes_denied() const {
    return aof_error_shards_.load(std::memory_order_relaxed) > 0 ||
           rdb_denied_.load(std::memory_order_relaxed);
  }

  // Commands; every shard is parked (Route::kAll) unless noted. "" or an error reply.
  std::string Bgsave(bool schedule);
  // SAVE. `finish_running` (shutdown): a background snapshot in progress is completed first.
  std::string SaveNow(bool finish_running = false);
  std::string Bgrewriteaof();
  int64_t lastsave_s() const { return lastsave_s_.load(); }
  // CONFIG SET appendonly / appendfsync / save (parked).
  std::string ApplyConfig();

  // Shard 0's cron: save rules, log auto-rewrite, retries.
  void Cron(int64_t now_ms);

  // INFO persistence fields.
  // `loading`: only the loading progress (start-up recovery owns everything else).
  std::vector<std::pair<std::string, std::string>> Info(bool loading);

  // For tests and INFO: the files in use.
  std::string rdb_path() const;
  std::string aof_dir() const;

 private:
  enum class Job { kNone, kRdb, kRewrite };
  // Starts a snapshot (parked). "" or error text.
  std::string StartSnapshot(Job job, bool wait);
  // Steps every shard's part of the running snapshot to its end (shards parked or stopped).
  void WalkToEnd();
  // The running snapshot's file is complete (or failed): records the outcome.
  void FinishJob();
  // `aof_base`: the log's base (must exist; keys already expired are kept for the replay).
  bool LoadRdb(const std::string& path, bool aof_base, std::string* err);
  bool LoadAof(std::string* err);
  bool ReplayLog(const std::string& path, std::string* err);
  std::string HeadFor(bool aof_base) const;
  // New log files of generation gen for every shard (parked). 0 or errno.
  int RotateLogs(uint64_t gen);
  int WriteManifest(const std::string& base, uint64_t first_gen);
  void RemoveOldAofFiles(uint64_t first_gen, const std::string& keep_base);
  uint64_t TotalDirty() const;
  void UpdateDenied();
  void BackgroundSync(std::function<void()> fn);
  void ParseSaveRules();

  Server* server_;
  int lock_fd_ = -1;
  std::atomic<bool> aof_on_{false};
  int fsync_policy_ = kEverysec;
  std::vector<std::pair<int64_t, int64_t>> save_rules_;  // (seconds, changes)

  mutable std::mutex mu_;  // the fields below (commands, cron and writer callbacks)
  Job job_ = Job::kNone;
  std::shared_ptr<SnapshotWriter> writer_;
  int64_t job_started_ms_ = 0;
  uint64_t job_dirty_ = 0, job_gen_ = 0;
  bool rewrite_scheduled_ = false;
  // Whether an EXEC is capturing records on some shard (all shards parked, as for the
  // commands that start rewrites and switch the log).
  bool AnyCapturing() const;
  bool bgsave_scheduled_ = false;
  bool cron_posted_ = false;
  std::atomic<int64_t> lastsave_s_{0};
  uint64_t dirty_at_save_ = 0;
  int64_t last_bgsave_try_ms_ = 0;
  bool last_bgsave_ok_ = true;
  int64_t last_bgsave_time_s_ = -1;
  uint64_t rdb_saves_ = 0;
  bool last_rewrite_ok_ = true;
  int64_t last_rewrite_time_s_ = -1;
  int64_t last_rewrite_try_ms_ = 0;
  uint64_t aof_rewrites_ = 0;
  uint64_t rewrite_failures_ = 0;
  uint64_t gen_ = 0;  // current log generation
  std::string base_name_;
  uint64_t base_size_ = 0;
  uint64_t old_logs_bytes_ = 0;  // logs of earlier runs, replayed at start, until a rewrite
  uint64_t loaded_keys_ = 0, loaded_expired_ = 0;
  std::unordered_map<uint64_t, uint64_t> txn_parts_;  // recovery: complete parts per txid
  // Start-up loading progress (INFO reads them from other threads while Load runs).
  std::atomic<int64_t> loading_start_s_{0};
  std::atomic<uint64_t> loading_total_bytes_{0}, loading_done_bytes_{0};
  uint64_t loading_base_bytes_ = 0;       // bytes of the files already loaded
  std::atomic<bool> rdb_denied_{false};   // the last snapshot failed (with save rules)
  std::atomic<int> aof_error_shards_{0};  // shards whose log cannot be written now
  std::atomic<int> aof_errno_{0};
  std::atomic<uint64_t> next_txid_;

  friend class ShardPersistence;
  // The background fsync thread (everysec).
  std::mutex bio_mu_;
  std::condition_variable bio_cv_;
  std::deque<std::function<void()>> bio_jobs_;
  bool bio_stop_ = false;
  std::thread bio_;
};

}  // namespace tessera
