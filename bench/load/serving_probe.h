#ifndef JWTD_BENCH_LOAD_SERVING_PROBE_H_
#define JWTD_BENCH_LOAD_SERVING_PROBE_H_

#include <chrono>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace jwtd::bench {

// Asks grpc.health.v1 Check (service "") on `target` every `interval`,
// each time on a fresh connection (so that no reconnect back-off delays
// the answer while the server is still starting), until the answer is
// SERVING. Returns the steady-clock time of that answer (CLOCK_MONOTONIC,
// comparable with another process's), DEADLINE_EXCEEDED after `timeout`.
absl::StatusOr<std::chrono::steady_clock::time_point> WaitUntilServing(
    const std::string& target, absl::Duration timeout, absl::Duration interval);

}  // namespace jwtd::bench

#endif  // JWTD_BENCH_LOAD_SERVING_PROBE_H_
