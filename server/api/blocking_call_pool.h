#ifndef JWTD_SERVER_API_BLOCKING_CALL_POOL_H_
#define JWTD_SERVER_API_BLOCKING_CALL_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"

namespace jwtd::api {

// Threads for the rare calls that must wait on the network (a token whose
// key jwtd must first fetch from its issuer), so that they never wait on
// gRPC's callback threads: gRPC 1.51 runs every callback handler on a few
// threads (two on a machine with up to four cores), and two handlers
// waiting for a hanging issuer would hold up every other call.
//
// A fixed number of threads and a bounded queue: beyond it work is
// refused, so a flood of such calls costs bounded threads and memory. The
// threads start with the first task: a jwtd whose issuers never make a
// call wait (no remote JWKS) never runs them. Thread-safe.
class BlockingCallPool {
 public:
  // `threads` >= 1 workers; at most `max_queued` tasks wait for one.
  BlockingCallPool(int threads, size_t max_queued);
  // Runs every task still queued, then joins the workers.
  ~BlockingCallPool();
  BlockingCallPool(const BlockingCallPool&) = delete;
  BlockingCallPool& operator=(const BlockingCallPool&) = delete;

  // Queues `task` for a worker. False, without running it, when
  // `max_queued` tasks are waiting already.
  bool TrySubmit(std::function<void()> task);

 private:
  void Work();

  const int threads_;
  const size_t max_queued_;
  // std::mutex, not absl::Mutex: visible to ThreadSanitizer
  // (docs/sanitizers.md).
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Empty until the first TrySubmit.
  std::vector<std::thread> workers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jwtd::api

#endif  // JWTD_SERVER_API_BLOCKING_CALL_POOL_H_
