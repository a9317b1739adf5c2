#include "server/app/call_tracker.h"

#include <cstring>

#include "absl/time/clock.h"

namespace jwtd::app {

// One per counted call: gRPC destroys a call's interceptors when the call
// is over, so the object's lifetime is the call's.
class CountingInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit CountingInterceptor(std::atomic<int>* in_flight)
      : in_flight_(in_flight) {
    in_flight_->fetch_add(1, std::memory_order_acq_rel);
  }
  ~CountingInterceptor() override {
    in_flight_->fetch_sub(1, std::memory_order_acq_rel);
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    methods->Proceed();
  }

 private:
  std::atomic<int>* const in_flight_;
};

namespace {

class CountingInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CountingInterceptorFactory(std::atomic<int>* in_flight)
      : in_flight_(in_flight) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    constexpr char kApiPrefix[] = "/jwtd.v1.";
    if (std::strncmp(info->method(), kApiPrefix, sizeof(kApiPrefix) - 1) != 0) {
      return nullptr;
    }
    return new CountingInterceptor(in_flight_);
  }

 private:
  std::atomic<int>* const in_flight_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
CallTracker::NewInterceptorFactory() {
  return std::make_unique<CountingInterceptorFactory>(&in_flight_);
}

bool CallTracker::WaitUntilIdle(absl::Time deadline) const {
  // Polling is fine here: it runs once, at shutdown.
  while (in_flight() > 0) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

}  // namespace jwtd::app
