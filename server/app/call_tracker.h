#ifndef JWTD_SERVER_APP_CALL_TRACKER_H_
#define JWTD_SERVER_APP_CALL_TRACKER_H_

#include <atomic>

#include "absl/time/time.h"

namespace jwtd::app {

// Counts the jwtd.v1 calls that are in flight, so that shutdown can tell
// when the drain is over. (gRPC 1.51 otherwise waits for every idle client
// connection to close, up to the whole grace period.) The interceptor that
// already runs on every call keeps the count
// (observability::CallObserverOptions::live_api_calls = counter()); health
// and reflection streams are not counted: a health watcher stays open by
// design.
class CallTracker {
 public:
  std::atomic<int>* counter() { return &in_flight_; }
  int in_flight() const { return in_flight_.load(std::memory_order_acquire); }

  // Waits until no call is in flight or `deadline` passes; true when idle.
  bool WaitUntilIdle(absl::Time deadline) const;

 private:
  std::atomic<int> in_flight_{0};
};

}  // namespace jwtd::app

#endif  // JWTD_SERVER_APP_CALL_TRACKER_H_
