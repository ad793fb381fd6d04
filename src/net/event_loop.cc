// Event loop over a Poller (epoll or io_uring) with eventfd wake-ups.
#include "net/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "base/clock.h"

namespace tessera {

namespace {
// Marks the wake-up eventfd in epoll data (handlers are never this pointer).
IoHandler* const kWakeTag = reinterpret_cast<IoHandler*>(1);
// The loop running on this thread, if any.
thread_local EventLoop* t_loop = nullptr;
}  // namespace

EventLoop::EventLoop(std::unique_ptr<Poller> poller) : poller_(std::move(poller)) {
  if (!poller_) poller_ = MakeEpollPoller();
  wakefd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakefd_ < 0) throw std::runtime_error("eventfd creation failed");
  Add(wakefd_, EPOLLIN, kWakeTag);
}

EventLoop::~EventLoop() {
  poller_.reset();
  close(wakefd_);
}

bool EventLoop::Add(int fd, uint32_t events, IoHandler* h) { return poller_->Add(fd, events, h); }

bool EventLoop::Modify(int fd, uint32_t events, IoHandler* h) {
  return poller_->Modify(fd, events, h);
}

void EventLoop::Remove(int fd) { poller_->Remove(fd); }

void EventLoop::Post(Task t) {
  tasks_.Push(std::move(t));
  if (sleeping_.exchange(false, std::memory_order_seq_cst)) Wake();
}

void EventLoop::PostBatched(Task t) {
  EventLoop* self = t_loop;
  if (!self || self == this) return Post(std::move(t));
  tasks_.Push(std::move(t));
  for (EventLoop* l : self->deferred_wakes_)
    if (l == this) return;
  self->deferred_wakes_.push_back(this);
}

void EventLoop::FlushWakes() {
  for (EventLoop* l : deferred_wakes_)
    if (l->sleeping_.exchange(false, std::memory_order_seq_cst)) l->Wake();
  deferred_wakes_.clear();
}

void EventLoop::Wake() {
  uint64_t one = 1;
  ssize_t r = write(wakefd_, &one, sizeof(one));
  (void)r;
}

size_t EventLoop::RunTasks() {
  size_t n = 0;
  while (auto t = tasks_.Pop()) {
    (*t)();
    ++n;
  }
  return n;
}

void EventLoop::Stop() {
  stop_.store(true);
  Wake();
}

void EventLoop::Run(const std::function<int()>& tick_ms, const std::function<void()>& tick,
                    const std::function<void()>& before_sleep) {
  t_loop = this;
  int64_t next_tick = MonotonicMs() + tick_ms();
  auto dispatch = [this](IoHandler* h, uint32_t events) {
    if (h == kWakeTag) {
      uint64_t v;
      ssize_t r = read(wakefd_, &v, sizeof(v));
      (void)r;
      return;
    }
    h->OnEvent(events);
  };
  while (!stop_.load(std::memory_order_relaxed)) {
    RunTasks();
    int64_t now = MonotonicMs();
    if (now >= next_tick) {
      tick();
      next_tick = now + tick_ms();
    }
    before_sleep();
    FlushWakes();
    int64_t wake = wake_at_ > 0 && wake_at_ < next_tick ? wake_at_ : next_tick;
    int timeout = static_cast<int>(wake - now);
    if (timeout < 0) timeout = 0;
    sleeping_.store(true, std::memory_order_seq_cst);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (!tasks_.Empty()) timeout = 0;
    bool ok = poller_->Wait(timeout, dispatch);
    sleeping_.store(false, std::memory_order_relaxed);
    if (!ok) break;
  }
  // Run what was already queued: another shard may be waiting for us inside an atomic
  // operation that was posted before the stop.
  RunTasks();
  FlushWakes();
  t_loop = nullptr;
}

}  // namespace tessera
