#include "server/shard_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace tessera {

FdHolder::~FdHolder() {
  if (fd_ >= 0) close(fd_);
}

int SyncParentDir(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  int rc = fsync(fd) == 0 ? 0 : errno;
  close(fd);
  return rc;
}

namespace {

// Writes all of `data` at the end of fd; on failure cuts the file back to `size`.
int WriteAll(int fd, const char* data, size_t len, uint64_t size) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, data + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : ENOSPC;
      if (done > 0 && ftruncate(fd, static_cast<off_t>(size)) == 0)
        lseek(fd, static_cast<off_t>(size), SEEK_SET);
      return err;
    }
    done += static_cast<size_t>(n);
  }
  return 0;
}

}  // namespace

int WriteFileAtomic(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  int rc = WriteAll(fd, data.data(), data.size(), 0);
  if (rc == 0 && fsync(fd) != 0) rc = errno;
  close(fd);
  if (rc == 0 && rename(tmp.c_str(), path.c_str()) != 0) rc = errno;
  if (rc != 0) {
    unlink(tmp.c_str());
    return rc;
  }
  return SyncParentDir(path);
}

int ShardLog::Create(const std::string& path, const wal::Record& header) {
  Close();
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  std::string head(wal::kMagic);
  wal::AppendRecord(&head, header);
  int rc = WriteAll(fd, head.data(), head.size(), 0);
  if (rc == 0 && fdatasync(fd) != 0) rc = errno;
  if (rc == 0) rc = SyncParentDir(path);
  if (rc != 0) {
    close(fd);
    unlink(path.c_str());
    return rc;
  }
  path_ = path;
  file_ = std::make_shared<FdHolder>(fd);
  size_ = head.size();
  synced_size_ = head.size();
  unsynced_ = false;
  kept_ = 0;
  return 0;
}

void ShardLog::Swap(ShardLog& o) {
  path_.swap(o.path_);
  file_.swap(o.file_);
  buf_.swap(o.buf_);
  uint64_t s = size_.load();
  size_.store(o.size_.load());
  o.size_.store(s);
  std::swap(unsynced_, o.unsynced_);
  std::swap(kept_, o.kept_);
  std::swap(synced_size_, o.synced_size_);
}

void ShardLog::Close() {
  file_.reset();
  path_.clear();
  buf_.clear();
  size_ = 0;
  synced_size_ = 0;
  kept_ = 0;
  unsynced_ = false;
}

int ShardLog::Write(bool keep_until_synced) {
  if (buf_.size() == kept_ || !file_) return 0;
  int rc = WriteAll(file_->fd(), buf_.data() + kept_, buf_.size() - kept_, size_);
  if (rc != 0) return rc;
  size_ += buf_.size() - kept_;
  unsynced_ = true;
  if (keep_until_synced) {
    kept_ = buf_.size();
  } else if (buf_.capacity() > (4 << 20)) {
    std::string().swap(buf_);
  } else {
    buf_.clear();
  }
  return 0;
}

int ShardLog::Sync() {
  if (!file_ || !unsynced_) return 0;
  if (fdatasync(file_->fd()) != 0) {
    int err = errno;
    // After a failed fsync the kernel may have dropped those pages: cut the file back to
    // what is known durable; the kept bytes are written again by the next Write().
    if (kept_ > 0 && ftruncate(file_->fd(), static_cast<off_t>(synced_size_)) == 0) {
      size_ = synced_size_;
      kept_ = 0;
      unsynced_ = false;
    }
    return err;
  }
  unsynced_ = false;
  synced_size_ = size_.load();
  if (kept_ > 0) {
    buf_.erase(0, kept_);
    kept_ = 0;
  }
  return 0;
}

}  // namespace tessera
