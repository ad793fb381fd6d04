// Poller over io_uring: one-shot poll requests, re-armed after each event (level-triggered like
// epoll), submitted together with the wait in one io_uring_enter per loop iteration.
//
// Each registration carries a generation number in its user_data, so a completion that arrives
// after Remove/Modify (the handler may already be freed) is recognised as stale and dropped.
#include <liburing.h>
#include <poll.h>
#include <sys/epoll.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "net/poller.h"

namespace tessera {
namespace {

class UringPoller : public Poller {
 public:
  UringPoller() = default;
  ~UringPoller() override {
    if (ready_) io_uring_queue_exit(&ring_);
  }
  const char* name() const override { return "io_uring"; }

  bool Init(std::string* err) {
    io_uring_params p{};
    p.flags = IORING_SETUP_CQSIZE;
    p.cq_entries = 16384;
    int rc = io_uring_queue_init_params(4096, &ring_, &p);
    if (rc < 0) {
      *err = std::string("io_uring_queue_init: ") + strerror(-rc);
      return false;
    }
    ready_ = true;
    return true;
  }

  bool Add(int fd, uint32_t events, IoHandler* h) override {
    Reg& r = regs_[fd];
    r = Reg{h, events, ++next_gen_, false};
    Arm(fd, r);
    return true;
  }

  bool Modify(int fd, uint32_t events, IoHandler* h) override {
    auto it = regs_.find(fd);
    if (it == regs_.end()) return false;
    Reg& r = it->second;
    if (r.armed) Cancel(fd, r.gen);
    r = Reg{h, events, ++next_gen_, false};
    Arm(fd, r);
    return true;
  }

  void Remove(int fd) override {
    auto it = regs_.find(fd);
    if (it == regs_.end()) return;
    if (it->second.armed) Cancel(fd, it->second.gen);
    regs_.erase(it);
  }

  bool Wait(int timeout_ms, const Dispatch& dispatch) override {
    __kernel_timespec ts{timeout_ms / 1000, (timeout_ms % 1000) * 1000000LL};
    io_uring_cqe* cqe = nullptr;
    int rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, &ts, nullptr);
    if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY) return false;
    // Copy completions out first: handlers add and cancel registrations while we dispatch.
    done_.clear();
    unsigned head;
    io_uring_for_each_cqe(&ring_, head, cqe) done_.push_back({cqe->user_data, cqe->res});
    io_uring_cq_advance(&ring_, static_cast<unsigned>(done_.size()));
    for (auto& [data, res] : done_) {
      if (data == kCancelTag) continue;
      int fd = static_cast<int>(data & 0xffffffffu);
      uint32_t gen = static_cast<uint32_t>(data >> 32);
      auto it = regs_.find(fd);
      if (it == regs_.end() || it->second.gen != gen) continue;  // stale
      it->second.armed = false;
      uint32_t events = res < 0 ? EPOLLERR : static_cast<uint32_t>(res);
      IoHandler* h = it->second.handler;
      dispatch(h, events);
      // Re-arm unless the handler removed or re-registered the descriptor meanwhile.
      it = regs_.find(fd);
      if (it != regs_.end() && it->second.gen == gen && !it->second.armed) Arm(fd, it->second);
    }
    return true;
  }

 private:
  struct Reg {
    IoHandler* handler;
    uint32_t events;
    uint32_t gen;
    bool armed;
  };
  static constexpr uint64_t kCancelTag = ~0ull;

  io_uring_sqe* Sqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (!sqe) {  // submission queue full: flush it and retry
      io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
  }

  static uint64_t UserData(int fd, uint32_t gen) {
    return (static_cast<uint64_t>(gen) << 32) | static_cast<uint32_t>(fd);
  }

  void Arm(int fd, Reg& r) {
    io_uring_sqe* sqe = Sqe();
    if (!sqe) return;
    // EPOLLEXCLUSIVE has no io_uring counterpart; every poller of a shared fd is woken.
    io_uring_prep_poll_add(sqe, fd, r.events & (EPOLLIN | EPOLLOUT | EPOLLPRI));
    io_uring_sqe_set_data64(sqe, UserData(fd, r.gen));
    r.armed = true;
  }

  void Cancel(int fd, uint32_t gen) {
    io_uring_sqe* sqe = Sqe();
    if (!sqe) return;
    io_uring_prep_poll_remove(sqe, UserData(fd, gen));
    io_uring_sqe_set_data64(sqe, kCancelTag);
  }

  io_uring ring_{};
  bool ready_ = false;
  uint32_t next_gen_ = 0;
  std::unordered_map<int, Reg> regs_;
  std::vector<std::pair<uint64_t, int32_t>> done_;
};

}  // namespace

std::unique_ptr<Poller> MakeUringPoller(std::string* err) {
  auto p = std::make_unique<UringPoller>();
  if (!p->Init(err)) return nullptr;
  return p;
}

}  // namespace tessera
