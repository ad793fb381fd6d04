// The file side of a fork-less snapshot: shards serialise their keys into RDB chunks (in
// event-loop slices, and just before a write would change a key not yet written; see
// Keyspace::StartSnapshot) and push them here; a writer thread appends them to a temporary
// file, then writes the EOF and checksum, fsyncs, renames it into place and fsyncs the
// directory. Memory stays bounded: shards stop slicing while too much waits to be written.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace tessera {

class SnapshotWriter {
 public:
  // Writes to `final_path` (through final_path + ".tmp-<pid>"); `head` is the RDB header, aux
  // fields and RESIZEDB hints; `shards` shards will each call ShardDone once.
  SnapshotWriter(std::string final_path, std::string head, int shards);
  ~SnapshotWriter();

  // Opens the file and starts the thread. 0 or an errno. `done` runs on the writer thread
  // when the file is complete (rc 0) or has failed (an errno; the temporary file is removed).
  int Start(std::function<void(int rc)> done);
  // Thread-safe.
  void Push(std::string chunk);
  void ShardDone();
  // Set when writing failed: shards stop serialising.
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  size_t queued_bytes() const { return queued_.load(std::memory_order_relaxed); }
  // Waits for the thread (after `done` ran, or to abandon the file on shutdown).
  void Join();
  // After the thread ended: 0 or the errno that failed the file.
  int result() const { return result_.load(); }
  const std::string& final_path() const { return final_path_; }

 private:
  void Run();
  int WriteOut(const std::string& data);

  std::string final_path_, tmp_path_, head_;
  int shards_left_;
  int fd_ = -1;
  uint64_t crc_ = 0;
  std::function<void(int)> done_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;
  std::atomic<size_t> queued_{0};
  std::atomic<bool> failed_{false};
  std::atomic<int> result_{0};
  std::thread thread_;
};

}  // namespace tessera
