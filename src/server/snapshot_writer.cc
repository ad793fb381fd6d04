#include "server/snapshot_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "persist/rdb.h"
#include "server/shard_log.h"

namespace tessera {

SnapshotWriter::SnapshotWriter(std::string final_path, std::string head, int shards)
    : final_path_(std::move(final_path)), head_(std::move(head)), shards_left_(shards) {
  tmp_path_ = final_path_ + ".tmp-" + std::to_string(getpid());
}

SnapshotWriter::~SnapshotWriter() { Join(); }

int SnapshotWriter::Start(std::function<void(int)> done) {
  fd_ = open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) return errno;
  done_ = std::move(done);
  thread_ = std::thread([this] { Run(); });
  return 0;
}

void SnapshotWriter::Push(std::string chunk) {
  if (chunk.empty()) return;
  queued_ += chunk.size();
  std::lock_guard<std::mutex> lock(mu_);
  chunks_.push_back(std::move(chunk));
  cv_.notify_one();
}

void SnapshotWriter::ShardDone() {
  std::lock_guard<std::mutex> lock(mu_);
  --shards_left_;
  cv_.notify_one();
}

void SnapshotWriter::Join() {
  if (thread_.joinable()) thread_.join();
}

int SnapshotWriter::WriteOut(const std::string& data) {
  crc_ = rdb::Crc64(crc_, data.data(), data.size());
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd_, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : ENOSPC;
    done += static_cast<size_t>(n);
  }
  return 0;
}

void SnapshotWriter::Run() {
  int rc = WriteOut(head_);
  for (;;) {
    std::string chunk;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !chunks_.empty() || shards_left_ == 0; });
      if (chunks_.empty()) break;  // every shard is done and everything is written
      chunk = std::move(chunks_.front());
      chunks_.pop_front();
    }
    queued_ -= chunk.size();
    if (rc == 0) rc = WriteOut(chunk);
    if (rc != 0) failed_ = true;  // keep draining until the shards have stopped
  }
  if (rc == 0) {
    std::string tail;
    rdb::Encoder(&tail).Eof();
    uint64_t crc = rdb::Crc64(crc_, tail.data(), tail.size());
    for (int i = 0; i < 8; ++i) tail.push_back(static_cast<char>(crc >> (8 * i)));
    rc = WriteOut(tail);
  }
  if (rc == 0 && fsync(fd_) != 0) rc = errno;
  close(fd_);
  fd_ = -1;
  if (rc == 0 && rename(tmp_path_.c_str(), final_path_.c_str()) != 0) rc = errno;
  if (rc == 0) rc = SyncParentDir(final_path_);
  if (rc != 0) {
    failed_ = true;
    unlink(tmp_path_.c_str());
  }
  result_.store(rc);
  if (done_) done_(rc);
}

}  // namespace tessera
