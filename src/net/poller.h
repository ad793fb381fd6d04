// Readiness notification for EventLoop: which registered descriptors are readable/writable.
// Two engines share one contract (level-triggered, masks in EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP
// bits): epoll, and io_uring (one-shot IORING_OP_POLL_ADD re-armed after each event, so many
// registrations and re-arms travel in the single io_uring_enter that also waits).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace tessera {

class IoHandler;

class Poller {
 public:
  using Dispatch = std::function<void(IoHandler*, uint32_t events)>;
  virtual ~Poller() = default;
  virtual const char* name() const = 0;
  virtual bool Add(int fd, uint32_t events, IoHandler* h) = 0;
  virtual bool Modify(int fd, uint32_t events, IoHandler* h) = 0;
  virtual void Remove(int fd) = 0;
  // Waits up to `timeout_ms` for readiness and calls `dispatch` for each ready descriptor.
  // Returns false on an unrecoverable error.
  virtual bool Wait(int timeout_ms, const Dispatch& dispatch) = 0;
};

std::unique_ptr<Poller> MakeEpollPoller();
// nullptr with *err set when io_uring is unavailable (old kernel, disabled by sysctl, seccomp).
std::unique_ptr<Poller> MakeUringPoller(std::string* err);

}  // namespace tessera
