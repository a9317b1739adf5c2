#include "server/api/blocking_call_pool.h"

#include <utility>

namespace jwtd::api {

BlockingCallPool::BlockingCallPool(int threads, size_t max_queued)
    : threads_(threads), max_queued_(max_queued) {}

BlockingCallPool::~BlockingCallPool() {
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    workers.swap(workers_);
  }
  changed_.notify_all();
  for (std::thread& worker : workers) worker.join();
}

bool BlockingCallPool::TrySubmit(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(task));
    if (workers_.empty()) {
      for (int i = 0; i < threads_; ++i) {
        workers_.emplace_back([this] { Work(); });
      }
    }
  }
  changed_.notify_one();
  return true;
}

void BlockingCallPool::Work() {
  std::unique_lock lock(mu_);
  while (true) {
    // Queued tasks run even when stopping: each may owe a caller an answer.
    changed_.wait(lock, [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
      return stopping_ || !queue_.empty();
    });
    if (queue_.empty()) return;
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

}  // namespace jwtd::api
