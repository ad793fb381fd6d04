// A growable byte buffer for socket reads: data is appended at the end and consumed from the
// front without zero-filling or shifting on every read.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace tessera {

class IoBuf {
 public:
  std::string_view view() const { return {buf_.get() + start_, end_ - start_}; }
  size_t size() const { return end_ - start_; }
  size_t capacity() const { return cap_; }

  // Returns room for at least `n` more bytes at the end; call Commit with what was written.
  char* PrepareWrite(size_t n) {
    if (cap_ - end_ < n) {
      size_t live = end_ - start_;
      if (start_ > 0 && cap_ - live >= n) {
        memmove(buf_.get(), buf_.get() + start_, live);
      } else {
        size_t new_cap = cap_ ? cap_ : 1024;
        while (new_cap - live < n) new_cap *= 2;
        std::unique_ptr<char[]> nb(new char[new_cap]);
        if (live) memcpy(nb.get(), buf_.get() + start_, live);
        buf_ = std::move(nb);
        cap_ = new_cap;
      }
      start_ = 0;
      end_ = live;
    }
    return buf_.get() + end_;
  }
  void Commit(size_t n) { end_ += n; }

  void Consume(size_t n) {
    start_ += n;
    if (start_ == end_) start_ = end_ = 0;
  }

  // Frees a large buffer once it is empty, so one big request does not pin memory.
  void ShrinkIfIdle(size_t keep) {
    if (start_ == end_ && cap_ > keep) {
      buf_.reset();
      cap_ = start_ = end_ = 0;
    }
  }

 private:
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0, start_ = 0, end_ = 0;
};

}  // namespace tessera
