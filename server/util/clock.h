#ifndef JWTD_SERVER_UTIL_CLOCK_H_
#define JWTD_SERVER_UTIL_CLOCK_H_

#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace jwtd {

// The source of "now" for everything that checks or sets a time claim.
// Injected so that tests run at a fixed instant.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The wall clock. Thread-safe.
const Clock& SystemClock();

// A clock that only moves when told. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time now) : now_(now) {}

  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Set(absl::Time now) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = now;
  }
  void Advance(absl::Duration by) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += by;
  }

 private:
  // std::mutex: visible to ThreadSanitizer, which Debian's uninstrumented
  // absl::Mutex is not (docs/sanitizers.md).
  mutable std::mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jwtd

#endif  // JWTD_SERVER_UTIL_CLOCK_H_
