#ifndef JWTD_SERVER_APP_CALL_TRACKER_H_
#define JWTD_SERVER_APP_CALL_TRACKER_H_

#include <atomic>
#include <memory>

#include "absl/time/time.h"
#include "grpcpp/support/server_interceptor.h"

namespace jwtd::app {

// Counts the jwtd.v1 calls that are in flight, from the moment gRPC creates
// them until their status has been sent, so that shutdown can tell when the
// drain is over. (gRPC 1.51 otherwise waits for every idle client
// connection to close, up to the whole grace period.) Health and reflection
// streams are not counted: a health watcher stays open by design.
class CallTracker {
 public:
  // An interceptor factory that counts calls on this tracker, which must
  // outlive every server using it.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  NewInterceptorFactory();

  int in_flight() const { return in_flight_.load(std::memory_order_acquire); }

  // The counter itself, for an interceptor that already runs on every call
  // (observability::CallObserverOptions::live_api_calls) to keep instead.
  std::atomic<int>* counter() { return &in_flight_; }

  // Waits until no call is in flight or `deadline` passes; true when idle.
  bool WaitUntilIdle(absl::Time deadline) const;

 private:
  friend class CountingInterceptor;
  std::atomic<int> in_flight_{0};
};

}  // namespace jwtd::app

#endif  // JWTD_SERVER_APP_CALL_TRACKER_H_
