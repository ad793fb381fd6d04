// ShardPersistence: one shard's log records, its snapshot slices and its group commit.
#include <cerrno>
#include <cstring>

#include "base/clock.h"
#include "base/log.h"
#include "persist/rdb.h"
#include "server/persistence.h"
#include "server/server.h"
#include "server/shard.h"

namespace tessera {
namespace {

// Serialised keys are handed to the writer in chunks of about this size...
constexpr size_t kChunkBytes = 256 << 10;
// ...and shards stop slicing while this much waits to be written.
constexpr size_t kMaxQueued = 16 << 20;

}  // namespace

ShardPersistence::ShardPersistence(Server* server, Shard* shard) : server_(server), shard_(shard) {}

void ShardPersistence::LogCommand(int db, int64_t now_ms, ArgList args) {
  ++(capturing_ ? captured_count_ : appended_);
  wal::AppendCommand(Target(), db, now_ms, std::span<const std::string>(args.data(), args.size()));
}

wal::Record ShardPersistence::NewRecord(wal::Type type, int db, int64_t now_ms) const {
  wal::Record r;
  r.type = type;
  r.db = db;
  r.time_ms = now_ms;
  r.slot_lo = slot_lo_;
  r.slot_hi = slot_hi_;
  return r;
}

void ShardPersistence::Append(const wal::Record& r) {
  ++(capturing_ ? captured_count_ : appended_);
  wal::AppendRecord(Target(), r);
}

void ShardPersistence::BeginCapture() {
  capturing_ = true;
  captured_.clear();
  captured_count_ = 0;
}

std::string ShardPersistence::EndCapture(uint64_t* count) {
  capturing_ = false;
  *count = captured_count_;
  return std::move(captured_);
}

void ShardPersistence::AppendCaptured(const std::string& records, uint64_t count) {
  appended_ += count;
  log_.buffer().append(records);
}

void ShardPersistence::LogKey(int db, int64_t now_ms, std::string_view key) {
  Entry* e = shard_->db(db).Find(key, now_ms);
  wal::Record r = NewRecord(e ? wal::Type::kPut : wal::Type::kDel, db, now_ms);
  r.args = {std::string(key)};
  if (e) {
    r.args.push_back(rdb::DumpPayload(*e));
    r.expire_ms = e->expire_ms();
    if (e->has_mc()) r.mc_flags = e->mc_flags();
  }
  Append(r);
}

void ShardPersistence::LogFlush(int db, int64_t now_ms) {
  Append(NewRecord(wal::Type::kFlush, db, now_ms));
}

void ShardPersistence::LogTxn(uint64_t txid, uint64_t parts, uint64_t count, int64_t now_ms) {
  if (capturing_) return;  // inside an EXEC, which is one transaction as a whole
  wal::Record r = NewRecord(wal::Type::kTxn, 0, now_ms);
  r.txid = txid;
  r.parts = parts;
  r.count = count;
  Append(r);
}

void ShardPersistence::LogSwapDb(int a, int b, int64_t now_ms) {
  wal::Record r = NewRecord(wal::Type::kSwapDb, a, now_ms);
  r.db2 = b;
  Append(r);
}

void ShardPersistence::Capture(int db, const Entry& e) {
  if (!writer_) return;
  rdb::Encoder enc(&chunk_, compress_);
  if (db != chunk_db_) {
    enc.SelectDb(db);
    chunk_db_ = db;
  }
  enc.KeyValue(e.key(), e, e.expire_ms());
  ++keys_written_;
  if (chunk_.size() >= kChunkBytes) PushChunk();
}

void ShardPersistence::Evicted(int db, std::string_view key) {
  if (!logging()) return;
  wal::Record r = NewRecord(wal::Type::kDel, db, NowMs());
  r.args = {std::string(key)};
  Append(r);
}

void ShardPersistence::PushChunk() {
  writer_->Push(std::move(chunk_));
  chunk_ = std::string();
  chunk_db_ = -1;  // the next chunk may follow another shard's: it selects its database again
}

void ShardPersistence::BeginSnapshot(std::shared_ptr<SnapshotWriter> w, bool compress) {
  writer_ = std::move(w);
  compress_ = compress;
  chunk_.clear();
  chunk_db_ = -1;
  walk_db_ = 0;
  walk_cursor_ = 0;
  keys_written_ = 0;
  shard_->keyspace().StartSnapshot();
}

bool ShardPersistence::Step(int64_t budget_us) {
  if (!writer_) return true;
  Keyspace& ks = shard_->keyspace();
  if (writer_->failed()) {
    ks.EndSnapshot(false);
    chunk_.clear();
    writer_->ShardDone();
    writer_.reset();
    return true;
  }
  if (writer_->queued_bytes() > kMaxQueued) return false;
  int64_t start = NowUs();
  bool done;
  do {
    done = ks.SnapshotStep(&walk_db_, &walk_cursor_, 16);
  } while (!done && writer_->queued_bytes() <= kMaxQueued && NowUs() - start < budget_us);
  if (!done) return false;
  PushChunk();
  ks.EndSnapshot(true);
  writer_->ShardDone();
  writer_.reset();
  return true;
}

bool ShardPersistence::holding() const {
  if (!logging()) return false;
  return log_.has_buffered() ||
         (log_.unsynced() && server_->persistence().fsync_policy() == Persistence::kAlways);
}

void ShardPersistence::AfterSync(std::function<void()> fn, uint64_t mark) {
  if (appended_ != mark && holding())
    deferred_.push_back(std::move(fn));
  else
    fn();
}

void ShardPersistence::SetError(int err) {
  Persistence& p = server_->persistence();
  if (write_error_ == 0) {
    LOG_WARNING("Error writing to the log %s: %s (writes are refused until it works again)",
                log_.path().c_str(), strerror(err));
    ++p.aof_error_shards_;
  }
  write_error_ = err;
  p.aof_errno_.store(err);
}

int ShardPersistence::FlushNow(bool sync) {
  if (!logging()) {
    for (auto& fn : deferred_) fn();
    deferred_.clear();
    return 0;
  }
  int rc = log_.Write(sync);
  if (rc == 0 && sync) rc = log_.Sync();
  if (rc != 0) {
    SetError(rc);
    return rc;
  }
  // A failed background fsync is cleared only by a later one that succeeds (Cron).
  if (!fsync_failed_) ClearError();
  if (!holding()) {
    std::vector<std::function<void()>> run;
    run.swap(deferred_);
    for (auto& fn : run) fn();
  }
  return 0;
}

bool ShardPersistence::BeforeSleep() {
  if (writer_ && !Step(1000)) shard_->loop().WakeAt(MonotonicMs());
  if (!logging()) return true;
  bool always = server_->persistence().fsync_policy() == Persistence::kAlways;
  if (log_.has_buffered() || (always && log_.unsynced()) || write_error_ != 0) FlushNow(always);
  return !holding();
}

void ShardPersistence::Cron(int64_t now_ms) {
  if (!logging()) return;
  Persistence& p = server_->persistence();
  // The last background fsync's outcome: a failure refuses writes until one succeeds.
  int bg = bg_result_.exchange(-1);
  if (bg > 0) {
    fsync_failed_ = true;
    SetError(bg);
  } else if (bg == 0 && fsync_failed_) {
    fsync_failed_ = false;
    ClearError();
  }
  if (write_error_ != 0) FlushNow(p.fsync_policy() == Persistence::kAlways);  // retry
  bool due = log_.unsynced() || fsync_failed_;
  if (p.fsync_policy() != Persistence::kEverysec || !due || now_ms - last_fsync_ms_ < 1000) return;
  last_fsync_ms_ = now_ms;
  log_.MarkSynced();
  std::shared_ptr<FdHolder> f = log_.file();
  p.BackgroundSync([this, f] { bg_result_.store(fdatasync(f->fd()) == 0 ? 0 : errno); });
}

void ShardPersistence::ClearError() {
  if (write_error_ == 0) return;
  write_error_ = 0;
  Persistence& p = server_->persistence();
  --p.aof_error_shards_;
  LOG_WARNING("Log write error looks solved, Tessera can write again.");
}

int ShardPersistence::OpenLog(const std::string& dir, const std::string& prefix, uint64_t gen,
                              int shards, ShardLog* into) {
  // This shard's slots form one contiguous range (Server's slot map).
  int me = shard_->index();
  int lo = -1, hi = -1;
  for (int s = 0; s < kNumSlots; ++s)
    if (server_->ShardOfSlot(static_cast<uint16_t>(s)) == me) {
      if (lo < 0) lo = s;
      hi = s;
    }
  slot_lo_ = static_cast<uint16_t>(lo < 0 ? 0 : lo);
  slot_hi_ = static_cast<uint16_t>(hi < 0 ? 0 : hi);
  wal::Record h;
  h.type = wal::Type::kHeader;
  h.time_ms = NowMs();
  h.shard = static_cast<uint64_t>(me);
  h.shards = static_cast<uint64_t>(shards);
  h.generation = gen;
  h.slot_lo = slot_lo_;
  h.slot_hi = slot_hi_;
  std::string path =
      dir + "/" + prefix + "." + std::to_string(gen) + "." + std::to_string(me) + ".tlog";
  return into->Create(path, h);
}

void ShardPersistence::InstallLog(ShardLog& log) { log_.Swap(log); }

void ShardPersistence::CloseLog() {
  log_.Close();
  // No log, no log error (appendonly turned off): writes are accepted again.
  fsync_failed_ = false;
  ClearError();
}

}  // namespace tessera
