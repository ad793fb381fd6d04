// Start-up recovery: the directory lock, dump.rdb or the log's base, then the log tail.
// Runs on the main thread before any shard thread starts, so it may touch every shard.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "base/clock.h"
#include "base/hash_slot.h"
#include "base/log.h"
#include "base/strings.h"
#include "persist/rdb.h"
#include "persist/wal.h"
#include "server/dispatch.h"
#include "server/persistence.h"
#include "server/server.h"
#include "server/shard.h"

namespace tessera {
namespace {

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// The slots [lo, hi] that shard `s` owns, clipped to the record's range: whether they are all
// of the shard's slots (then whole databases can be handled at once).
bool CoversShard(Server& server, int s, uint16_t lo, uint16_t hi) {
  for (int slot = 0; slot < kNumSlots; ++slot)
    if (server.ShardOfSlot(static_cast<uint16_t>(slot)) == s && (slot < lo || slot > hi))
      return false;
  return true;
}

std::vector<std::string> KeysInSlots(Db& db, int64_t now_ms, uint16_t lo, uint16_t hi) {
  std::vector<std::string> keys;
  db.ForEach(now_ms, [&](Entry* e) {
    uint16_t slot = KeySlot(e->key());
    if (slot >= lo && slot <= hi) keys.emplace_back(e->key());
  });
  return keys;
}

// Applies one log record to the data of every shard (keys go where they belong now, which
// may differ from where they were when the log was written).
class Replayer {
 public:
  explicit Replayer(Server* server) : server_(server) {}

  bool Apply(const wal::Record& r, std::string* err) {
    switch (r.type) {
      case wal::Type::kHeader:
      case wal::Type::kTxn:  // (ReplayLog handles transactions)
        return true;
      case wal::Type::kCommand:
        return Command(r, err);
      case wal::Type::kPut:
        return Put(r, err);
      case wal::Type::kDel:
        if (!CheckDb(r.db, err)) return false;
        ShardFor(r.args[0]).db(r.db).Delete(r.args[0]);
        return true;
      case wal::Type::kFlush:
        return Flush(r, err);
      case wal::Type::kSwapDb:
        return Swap(r, err);
    }
    *err = "unknown record type";
    return false;
  }

 private:
  Shard& ShardFor(std::string_view key) { return server_->shard(server_->ShardOf(key)); }

  bool CheckDb(int db, std::string* err) {
    if (db >= 0 && db < server_->shard(0).num_dbs()) return true;
    *err = "database " + std::to_string(db) + " out of range (databases is " +
           std::to_string(server_->shard(0).num_dbs()) + ")";
    return false;
  }

  bool Command(const wal::Record& r, std::string* err) {
    if (!CheckDb(r.db, err)) return false;
    std::vector<std::string> args = r.args;
    const CommandSpec* spec = Registry().Find(args[0]);
    if (spec && !spec->subcommands.empty() && args.size() >= 2)
      spec = Registry().FindSub(*spec, args[1]);
    if (!spec) {
      *err = "unknown command '" + args[0] + "'";
      return false;
    }
    std::vector<int> pos = spec->KeyPositions(ArgList(args));
    Shard& shard = pos.empty() ? server_->shard(0) : ShardFor(args[pos[0]]);
    std::string reply;
    Dispatcher::Replay(shard, spec, ArgList(args), r.db, r.time_ms, &reply);
    return true;
  }

  bool Put(const wal::Record& r, std::string* err) {
    if (!CheckDb(r.db, err)) return false;
    Shard& shard = ShardFor(r.args[0]);
    Value v;
    std::string why;
    if (!rdb::ParseDumpPayload(r.args[1], shard.keyspace().limits(), &v, &why)) {
      *err = "bad value for key '" + r.args[0] + "': " + why;
      return false;
    }
    Db& db = shard.db(r.db);
    db.Delete(r.args[0]);
    Db::Detached d;
    d.value = std::move(v);
    d.expire_ms = r.expire_ms;
    d.mc = r.mc_flags >= 0;
    d.mc_flags = static_cast<uint32_t>(std::max<int64_t>(r.mc_flags, 0));
    d.clock = shard.keyspace().NewClock(r.time_ms);
    db.Put(r.args[0], std::move(d));
    return true;
  }

  bool Flush(const wal::Record& r, std::string* err) {
    if (r.db != -1 && !CheckDb(r.db, err)) return false;
    for (int s = 0; s < server_->num_shards(); ++s) {
      Shard& shard = server_->shard(s);
      bool whole = CoversShard(*server_, s, r.slot_lo, r.slot_hi);
      for (int d = 0; d < shard.num_dbs(); ++d) {
        if (r.db != -1 && d != r.db) continue;
        Db& db = shard.db(d);
        if (whole) {
          db.Clear();
          continue;
        }
        for (const std::string& k : KeysInSlots(db, INT64_MIN, r.slot_lo, r.slot_hi)) db.Delete(k);
      }
    }
    return true;
  }

  bool Swap(const wal::Record& r, std::string* err) {
    if (!CheckDb(r.db, err) || !CheckDb(r.db2, err)) return false;
    for (int s = 0; s < server_->num_shards(); ++s) {
      Shard& shard = server_->shard(s);
      if (CoversShard(*server_, s, r.slot_lo, r.slot_hi)) {
        shard.keyspace().SwapDbs(r.db, r.db2);
        continue;
      }
      // Only part of this shard's slots swap: move those keys one by one.
      Db& a = shard.db(r.db);
      Db& b = shard.db(r.db2);
      std::vector<std::pair<std::string, Db::Detached>> from_a, from_b;
      for (const std::string& k : KeysInSlots(a, INT64_MIN, r.slot_lo, r.slot_hi))
        from_a.emplace_back(k, std::move(*a.Take(k)));
      for (const std::string& k : KeysInSlots(b, INT64_MIN, r.slot_lo, r.slot_hi))
        from_b.emplace_back(k, std::move(*b.Take(k)));
      for (auto& [k, d] : from_a) b.Put(k, std::move(d));
      for (auto& [k, d] : from_b) a.Put(k, std::move(d));
    }
    return true;
  }

  Server* server_;
};

// How many complete parts each multi-shard transaction has in `paths` (wal::Type::kTxn).
std::unordered_map<uint64_t, uint64_t> CountTxnParts(const std::vector<std::string>& paths) {
  std::unordered_map<uint64_t, uint64_t> parts;
  for (const std::string& path : paths) {
    wal::Reader rd;
    std::string err;
    if (!rd.Open(path, &err)) continue;
    wal::Record r;
    while (rd.Next(&r) == wal::Reader::Status::kRecord) {
      if (r.type != wal::Type::kTxn) continue;
      uint64_t txid = r.txid, left = r.count;
      while (left > 0 && rd.Next(&r) == wal::Reader::Status::kRecord) --left;
      if (left > 0) break;  // the part is cut off: the file ends here
      ++parts[txid];
    }
  }
  return parts;
}

// Removes the temporary files a crash left in `dir` (snapshots being written, a manifest being
// replaced): names starting with `prefix` and holding ".tmp". Safe under the directory lock.
void RemoveStaleTemps(const std::string& dir, const std::string& prefix) {
  DIR* d = opendir(dir.c_str());
  if (!d) return;
  while (dirent* ent = readdir(d)) {
    std::string name = ent->d_name;
    if (name.compare(0, prefix.size(), prefix) == 0 &&
        name.find(".tmp", prefix.size()) != name.npos) {
      LOG_NOTICE("Removing %s/%s, left by an interrupted write", dir.c_str(), name.c_str());
      unlink((dir + "/" + name).c_str());
    }
  }
  closedir(d);
}

struct LogFile {
  uint64_t gen;
  int shard;
  std::string path;
  bool operator<(const LogFile& o) const { return gen != o.gen ? gen < o.gen : shard < o.shard; }
};

}  // namespace

bool Persistence::HasDataToLoad() const {
  const Config& c = server_->config();
  if (c.appendonly == "yes") return FileExists(aof_dir() + "/" + c.appendfilename + ".manifest");
  return FileExists(rdb_path());
}

bool Persistence::Load(std::string* err) {
  const Config& c = server_->config();
  ParseSaveRules();
  lastsave_s_.store(NowMs() / 1000);
  struct stat st;
  if (stat(c.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    *err = "Can't chdir to '" + c.dir + "': " + strerror(errno ? errno : ENOTDIR);
    return false;
  }
  std::string lock_path = c.dir + "/tessera.lock";
  lock_fd_ = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) {
    *err = "Can't open the lock file " + lock_path + ": " + strerror(errno);
    return false;
  }
  if (flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    *err = "Another server is using the data directory '" + c.dir + "' (" + lock_path +
           " is locked); two servers must never share one";
    return false;
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(lock_fd_, 0) == 0 && write(lock_fd_, pid.data(), pid.size()) < 0) {
  }
  std::string rdb = rdb_path();
  size_t slash = rdb.rfind('/');
  RemoveStaleTemps(slash == std::string::npos ? "." : rdb.substr(0, slash), rdb.substr(slash + 1));
  RemoveStaleTemps(aof_dir(), c.appendfilename + ".");
  Shard* previous = CurrentShard();
  bool ok;
  int64_t start = NowMs();
  loading_start_s_.store(start / 1000);
  if (c.appendonly == "yes") {
    ok = LoadAof(err);
  } else {
    ok = LoadRdb(rdb_path(), false, err);
  }
  SetCurrentShard(previous);
  if (!ok) return false;
  uint64_t keys = 0;
  for (int i = 0; i < server_->num_shards(); ++i)
    for (int d = 0; d < server_->shard(i).num_dbs(); ++d) keys += server_->shard(i).db(d).size();
  if (keys > 0 || loaded_expired_ > 0)
    LOG_NOTICE("DB loaded from disk: %.3f seconds, %llu keys",
               static_cast<double>(NowMs() - start) / 1000, static_cast<unsigned long long>(keys));
  if (c.appendonly == "yes") {
    mkdir(aof_dir().c_str(), 0755);
    // Each start writes a new generation; the replayed ones stay until the next rewrite.
    if (int rc = RotateLogs(gen_ + 1)) {
      *err = "Can't open the append-only log in " + aof_dir() + ": " + strerror(rc);
      return false;
    }
    if (base_name_.empty() && !FileExists(aof_dir() + "/" + c.appendfilename + ".manifest")) {
      if (int rc = WriteManifest("", gen_)) {
        *err = std::string("Can't write the AOF manifest: ") + strerror(rc);
        return false;
      }
    }
    aof_on_.store(true);
  }
  // Every shard's memory numbers as loaded, before any cron splits maxmemory by them: stale
  // (empty) numbers would make the split take the loaded keys for non-key memory and evict.
  server_->ApplyMemoryConfig();
  // What was loaded is on disk: no change since the last save.
  dirty_at_save_ = TotalDirty();
  UpdateDenied();
  return true;
}

bool Persistence::LoadRdb(const std::string& path, bool aof_base, std::string* err) {
  if (!FileExists(path)) {
    if (!aof_base) return true;  // no dump.rdb: an empty dataset
    *err = "The base file " + path + " named by the manifest is missing";
    return false;
  }
  int64_t now = NowMs();
  int dbs = server_->shard(0).num_dbs();
  rdb::LoadCallbacks cb;
  std::string key_err;
  // Keys go in in batches: the table memory each one needs is prefetched for the whole batch
  // first, so the cache misses of a big load overlap instead of queueing one by one.
  std::vector<rdb::LoadedKey> batch;
  auto insert = [&](rdb::LoadedKey& k) {
    Shard& shard = server_->shard(server_->ShardOf(k.key));
    SetCurrentShard(&shard);
    Db& db = shard.db(k.db);
    if (db.Find(k.key, INT64_MIN)) {
      if (key_err.empty())
        key_err = "duplicate key '" + k.key + "' in database " + std::to_string(k.db);
      return;
    }
    Db::Detached d;
    d.value = std::move(k.value);
    d.expire_ms = k.expire_ms;
    d.mc = k.mc_flags.has_value();
    d.mc_flags = k.mc_flags.value_or(0);
    // The file's IDLE / FREQ, when the policy uses them (as Redis's load).
    d.clock = rdb::AccessClock(shard.keyspace().eviction(), k.idle_s, k.freq, now)
                  .value_or(shard.keyspace().NewClock(now));
    db.Put(k.key, std::move(d));
    ++loaded_keys_;
  };
  auto flush = [&] {
    for (auto& k : batch) server_->shard(server_->ShardOf(k.key)).db(k.db).Prefetch(k.key);
    for (auto& k : batch) insert(k);
    batch.clear();
  };
  cb.key = [&](rdb::LoadedKey&& k) {
    if (k.db < 0 || k.db >= dbs) {
      if (key_err.empty())
        key_err = "the file uses database " + std::to_string(k.db) + " but databases is " +
                  std::to_string(dbs);
      return;
    }
    // A log's base keeps keys that have expired since: a logged command may have changed
    // their TTL before they expired (replay decides at each record's own time).
    if (!aof_base && k.expire_ms != Entry::kNoExpire && k.expire_ms <= now) {
      ++loaded_expired_;
      return;
    }
    batch.push_back(std::move(k));
    if (batch.size() == 16) flush();
  };
  // RESIZEDB: size each shard's table once instead of splitting segments all along (a key
  // takes at least 3 bytes of the file: a hint beyond that is not believed).
  struct stat fst;
  uint64_t max_keys = stat(path.c_str(), &fst) == 0 ? static_cast<uint64_t>(fst.st_size) / 3 : 0;
  cb.resize_db = [&](int db, uint64_t keys, uint64_t) {
    if (db < 0 || db >= dbs) return;
    keys = std::min(keys, max_keys);
    uint64_t per_shard = keys / static_cast<uint64_t>(server_->num_shards()) + 1;
    for (int i = 0; i < server_->num_shards(); ++i)
      server_->shard(i).db(db).Reserve(per_shard + per_shard / 16);
  };
  cb.progress = [&](uint64_t bytes) { loading_done_bytes_.store(loading_base_bytes_ + bytes); };
  struct stat st;
  uint64_t size = stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  if (loading_total_bytes_.load() == 0) loading_total_bytes_.store(size);
  bool ok = rdb::LoadFile(path, server_->shard(0).keyspace().limits(), cb, err);
  flush();
  if (!ok) return false;
  loading_base_bytes_ += size;
  loading_done_bytes_.store(loading_base_bytes_);
  if (!key_err.empty()) {
    *err = path + ": " + key_err;
    return false;
  }
  return true;
}

bool Persistence::LoadAof(std::string* err) {
  const Config& c = server_->config();
  std::string dir = aof_dir();
  std::ifstream mf(dir + "/" + c.appendfilename + ".manifest");
  if (!mf) return true;  // no log yet: an empty dataset (as Redis ignores dump.rdb here)
  std::string line, base = "-";
  uint64_t first_gen = 0;
  bool magic = false;
  while (std::getline(mf, line)) {
    std::istringstream in(line);
    std::string k, v;
    in >> k >> v;
    if (k == "tessera-manifest") magic = true;
    if (k == "base") base = v;
    if (k == "first-gen") first_gen = ParseUint64(v).value_or(0);
  }
  if (!magic || first_gen == 0) {
    *err = "Bad AOF manifest " + dir + "/" + c.appendfilename + ".manifest";
    return false;
  }
  if (base != "-") {
    if (!LoadRdb(dir + "/" + base, true, err)) return false;
    base_name_ = base;
    struct stat st;
    base_size_ = stat((dir + "/" + base).c_str(), &st) == 0 ? st.st_size : 0;
  }
  std::vector<LogFile> logs;
  std::string prefix = c.appendfilename + ".";
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* ent = readdir(d)) {
      std::string name = ent->d_name;
      if (name.compare(0, prefix.size(), prefix) != 0 || name.size() < 5 ||
          name.compare(name.size() - 5, 5, ".tlog") != 0)
        continue;
      std::string mid = name.substr(prefix.size(), name.size() - 5 - prefix.size());
      size_t dot = mid.find('.');
      auto gen = ParseUint64(mid.substr(0, dot));
      auto shard = dot == std::string::npos ? std::nullopt : ParseInt64(mid.substr(dot + 1));
      if (gen && shard && *gen >= first_gen)
        logs.push_back(LogFile{*gen, static_cast<int>(*shard), dir + "/" + name});
    }
    closedir(d);
  }
  std::sort(logs.begin(), logs.end());
  std::vector<std::string> paths;
  for (const LogFile& f : logs) paths.push_back(f.path);
  txn_parts_ = CountTxnParts(paths);
  uint64_t total = loading_base_bytes_;
  for (const LogFile& f : logs) {
    struct stat fst;
    if (stat(f.path.c_str(), &fst) == 0) total += static_cast<uint64_t>(fst.st_size);
  }
  loading_total_bytes_.store(total);
  old_logs_bytes_ = total - loading_base_bytes_;
  gen_ = first_gen;
  for (const LogFile& f : logs) {
    if (!ReplayLog(f.path, err)) return false;
    gen_ = std::max(gen_, f.gen);
  }
  return true;
}

bool Persistence::ReplayLog(const std::string& path, std::string* err) {
  const Config& c = server_->config();
  wal::Reader rd;
  if (!rd.Open(path, err)) return false;
  Replayer replay(server_);
  wal::Record r;
  uint64_t n = 0, skip = 0;
  for (;;) {
    wal::Reader::Status st = rd.Next(&r);
    if (st == wal::Reader::Status::kRecord && skip > 0) {
      --skip;  // part of a multi-shard write that did not reach every log
      continue;
    }
    if (st == wal::Reader::Status::kRecord && r.type == wal::Type::kTxn) {
      if (txn_parts_[r.txid] < r.parts) {
        LOG_WARNING(
            "%s: a write over %llu shards at offset %llu is incomplete in the other "
            "logs (the crash cut it): not applied",
            path.c_str(), static_cast<unsigned long long>(r.parts),
            static_cast<unsigned long long>(rd.offset()));
        skip = r.count;
      }
      continue;
    }
    if (st == wal::Reader::Status::kRecord) {
      std::string why;
      if (!replay.Apply(r, &why)) {
        *err = "Can't replay the record at offset " + std::to_string(rd.offset()) + " of " + path +
               ": " + why;
        return false;
      }
      if ((++n & 1023) == 0) loading_done_bytes_.store(loading_base_bytes_ + rd.offset());
      continue;
    }
    if (st == wal::Reader::Status::kEnd) break;
    if (st == wal::Reader::Status::kIoError) {
      *err = "Can't read the log " + path + " at offset " + std::to_string(rd.offset()) + ": " +
             rd.error();
      return false;
    }
    bool torn = st == wal::Reader::Status::kTorn;
    std::string what = torn ? "ends with a torn record (a write cut short by a crash)"
                            : "has a corrupt record (" + rd.error() + ")";
    bool cut = torn ? c.aof_load_truncated : c.aof_load_truncate_corrupt;
    if (!cut) {
      *err = "The log " + path + " " + what + " at offset " + std::to_string(rd.offset()) + ". " +
             (torn ? "Set aof-load-truncated yes to cut it off there."
                   : "Start with --aof-load-truncate-corrupt yes to truncate the log there, "
                     "losing every record after it.");
      return false;
    }
    LOG_WARNING("The log %s %s at offset %llu: truncating it there", path.c_str(), what.c_str(),
                static_cast<unsigned long long>(rd.offset()));
    int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || ftruncate(fd, static_cast<off_t>(rd.offset())) != 0 || fsync(fd) != 0) {
      *err = "Can't truncate " + path + ": " + strerror(errno);
      if (fd >= 0) close(fd);
      return false;
    }
    close(fd);
    break;
  }
  loading_base_bytes_ += rd.offset();
  loading_done_bytes_.store(loading_base_bytes_);
  LOG_NOTICE("Replayed %llu records from %s", static_cast<unsigned long long>(n), path.c_str());
  return true;
}

}  // namespace tessera
