// Poller over epoll.
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "net/poller.h"

namespace tessera {
namespace {

class EpollPoller : public Poller {
 public:
  EpollPoller() : epfd_(epoll_create1(EPOLL_CLOEXEC)) {
    if (epfd_ < 0) throw std::runtime_error("epoll_create1 failed");
  }
  ~EpollPoller() override { close(epfd_); }
  const char* name() const override { return "epoll"; }

  bool Add(int fd, uint32_t events, IoHandler* h) override {
    return Ctl(EPOLL_CTL_ADD, fd, events, h);
  }
  bool Modify(int fd, uint32_t events, IoHandler* h) override {
    return Ctl(EPOLL_CTL_MOD, fd, events, h);
  }
  void Remove(int fd) override { epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr); }

  bool Wait(int timeout_ms, const Dispatch& dispatch) override {
    int n = epoll_wait(epfd_, events_, kMaxEvents, timeout_ms);
    if (n < 0) return errno == EINTR;
    for (int i = 0; i < n; ++i)
      dispatch(static_cast<IoHandler*>(events_[i].data.ptr), events_[i].events);
    return true;
  }

 private:
  bool Ctl(int op, int fd, uint32_t events, IoHandler* h) {
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = h;
    return epoll_ctl(epfd_, op, fd, &ev) == 0;
  }

  static constexpr int kMaxEvents = 256;
  int epfd_;
  epoll_event events_[kMaxEvents];
};

}  // namespace

std::unique_ptr<Poller> MakeEpollPoller() { return std::make_unique<EpollPoller>(); }

}  // namespace tessera
