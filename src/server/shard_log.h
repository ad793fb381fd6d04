// One shard's write-ahead log file (record format: persist/wal.h). Records are appended to an
// in-memory buffer while commands run; Write() hands the buffer to the kernel once per loop
// iteration and Sync() makes it durable, as appendfsync decides (server/persistence.h).
//
// A failed or short write leaves nothing half-written behind: the file is cut back to its
// last complete size and the buffer kept, so a later Write() retries the same bytes.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "persist/wal.h"

namespace tessera {

// A file descriptor closed when the last holder lets go (a background fsync may hold it).
class FdHolder {
 public:
  explicit FdHolder(int fd) : fd_(fd) {}
  ~FdHolder();
  int fd() const { return fd_; }

 private:
  int fd_;
};

class ShardLog {
 public:
  ShardLog() = default;
  ShardLog(const ShardLog&) = delete;
  ShardLog& operator=(const ShardLog&) = delete;

  // Creates `path` (which must not exist) holding the magic and `header`, fsynced together
  // with its directory. Returns 0 or an errno.
  int Create(const std::string& path, const wal::Record& header);
  // Exchanges files (and buffers) with `o`: a rotation prepares every new file first.
  void Swap(ShardLog& o);
  bool is_open() const { return file_ != nullptr; }
  const std::string& path() const { return path_; }
  std::shared_ptr<FdHolder> file() const { return file_; }
  // Lets go of the file (pending bytes are dropped: Write() first).
  void Close();

  std::string& buffer() { return buf_; }
  bool has_buffered() const { return buf_.size() > kept_; }
  // Written to the kernel since the last Sync().
  bool unsynced() const { return unsynced_; }
  // Other threads read it (cron, INFO): relaxed.
  uint64_t size() const { return size_.load(std::memory_order_relaxed); }

  // Writes the buffer. Returns 0, or the errno of a failed write (the buffer is kept and the
  // file cut back to its last complete size). `keep_until_synced`: the written bytes stay
  // buffered until Sync() succeeds (appendfsync always).
  int Write(bool keep_until_synced = false);
  // fdatasync. Returns 0 or an errno; when it fails after a Write(true), the file is cut back
  // to its last synced size and the kept bytes are written again by the next Write().
  int Sync();
  // For a background fsync: the file was synced up to what was written before it started.
  void MarkSynced() { unsynced_ = false; }

 private:
  std::string path_;
  std::shared_ptr<FdHolder> file_;
  std::string buf_;
  std::atomic<uint64_t> size_{0};
  uint64_t synced_size_ = 0;  // bytes known durable
  size_t kept_ = 0;           // leading bytes of buf_ written but kept until synced
  bool unsynced_ = false;
};

// fsyncs the directory holding `path` (after creating or renaming a file in it). 0 or errno.
int SyncParentDir(const std::string& path);
// Writes `data` to `path` through a temporary file: write, fsync, rename, fsync the
// directory. Returns 0 or an errno.
int WriteFileAtomic(const std::string& path, const std::string& data);

}  // namespace tessera
