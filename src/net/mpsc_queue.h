// Lock-free multi-producer single-consumer queue (Vyukov's intrusive design with a stub node).
// Push is wait-free for producers; Pop is for the single consumer thread only.
#pragma once

#include <atomic>
#include <optional>
#include <utility>

namespace tessera {

template <typename T>
class MpscQueue {
 public:
  MpscQueue() : head_(&stub_), tail_(&stub_) {}
  ~MpscQueue() {
    while (Pop()) {
    }
    // The last node popped stays as the (value-less) tail.
    if (tail_ != &stub_) delete tail_;
  }
  MpscQueue(const MpscQueue&) = delete;
  MpscQueue& operator=(const MpscQueue&) = delete;

  void Push(T v) {
    Node* n = new Node{std::move(v)};
    Node* prev = head_.exchange(n, std::memory_order_acq_rel);
    prev->next.store(n, std::memory_order_release);
  }

  // nullopt when empty (or when a push is halfway done; the pusher's wake-up covers that).
  std::optional<T> Pop() {
    Node* tail = tail_;
    Node* next = tail->next.load(std::memory_order_acquire);
    if (!next) return std::nullopt;
    tail_ = next;
    std::optional<T> out(std::move(next->value));
    if (tail != &stub_)
      delete tail;
    else
      stub_.next.store(nullptr, std::memory_order_relaxed);
    return out;
  }

  bool Empty() const {
    return tail_->next.load(std::memory_order_acquire) == nullptr &&
           head_.load(std::memory_order_acquire) == tail_;
  }

 private:
  struct Node {
    T value{};
    std::atomic<Node*> next{nullptr};
  };
  Node stub_;
  std::atomic<Node*> head_;
  Node* tail_;
};

}  // namespace tessera
