#include "server/app/call_tracker.h"

#include "absl/time/clock.h"

namespace jwtd::app {

bool CallTracker::WaitUntilIdle(absl::Time deadline) const {
  // Polling is fine here: it runs once, at shutdown.
  while (in_flight() > 0) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return true;
}

}  // namespace jwtd::app
