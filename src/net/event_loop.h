// A per-thread event loop (epoll, or io_uring where the kernel has it) with a cross-thread
// task queue and a periodic tick.
//
// Other threads hand work to the loop with Post(); tasks run on the loop thread between I/O
// events, never inside an I/O handler, so a task sees every connection of the loop in a
// consistent state. The queue is lock-free (MPSC); the loop sleeps in epoll_wait and a post
// wakes it through an eventfd only when it is actually asleep.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "net/mpsc_queue.h"
#include "net/poller.h"

namespace tessera {

class IoHandler {
 public:
  virtual ~IoHandler() = default;
  // `events` is the epoll event mask (EPOLLIN, EPOLLOUT, EPOLLHUP, EPOLLERR).
  virtual void OnEvent(uint32_t events) = 0;
};

class EventLoop {
 public:
  using Task = std::function<void()>;

  // `poller` picks the readiness engine; nullptr means epoll.
  explicit EventLoop(std::unique_ptr<Poller> poller = nullptr);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool Add(int fd, uint32_t events, IoHandler* h);
  bool Modify(int fd, uint32_t events, IoHandler* h);
  void Remove(int fd);

  // Thread-safe: queue `t` to run on the loop thread.
  void Post(Task t);
  // Post from another loop's thread, waking this loop (if it sleeps) only when the posting
  // loop is about to sleep itself: the tasks one iteration posts here cost one wake-up, not
  // one each (a loop that is awake picks them up anyway). From any other thread: Post.
  void PostBatched(Task t);
  // Runs queued tasks; returns how many ran. Loop thread only.
  size_t RunTasks();

  // Runs until Stop(); calls `tick` every `tick_ms()` milliseconds (approximately) and
  // `before_sleep` once per iteration, after tasks and I/O events and before waiting again
  // (to flush replies in one burst and free what handlers closed).
  void Run(const std::function<int()>& tick_ms, const std::function<void()>& tick,
           const std::function<void()>& before_sleep);
  // Thread-safe.
  void Stop();
  // Loop thread: wake by this MonotonicMs() time at the latest (0 = no extra wake-up); set
  // from before_sleep for timers finer than the tick (blocked clients' timeouts).
  void WakeAt(int64_t monotonic_ms) { wake_at_ = monotonic_ms; }

  const char* engine() const { return poller_->name(); }

 private:
  void Wake();
  // Wakes the loops PostBatched left to wake (before this loop sleeps).
  void FlushWakes();

  std::unique_ptr<Poller> poller_;
  int wakefd_;
  int64_t wake_at_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> sleeping_{false};
  MpscQueue<Task> tasks_;
  std::vector<EventLoop*> deferred_wakes_;  // loop thread only
};

}  // namespace tessera
