#ifndef JWTD_BENCH_LOAD_LOAD_ENGINE_H_
#define JWTD_BENCH_LOAD_LOAD_ENGINE_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/time/time.h"
#include "bench/load/latency_histogram.h"
#include "bench/load/rpc_kinds.h"

namespace jwtd::bench {

struct LoadOptions {
  // gRPC target: host:port or unix:/path.
  std::string target;
  // Calls kept outstanding at all times (closed loop: a call is sent again
  // as soon as it completes).
  int concurrency = 64;
  // Separate connections; slot i uses channel i % channels.
  int channels = 2;
  // Client threads, each with its own completion queue; slot i runs on
  // thread i % threads.
  int threads = 2;
  // Calls completing during warm-up are not counted.
  absl::Duration warmup = absl::Seconds(2);
  absl::Duration duration = absl::Seconds(10);
};

struct LoadResult {
  // Calls that completed inside the measured window, by outcome.
  int64_t ok_calls = 0;
  // Counts of failed calls by status code name, plus "WRONG_ANSWER" for OK
  // calls whose answer failed the RpcKind's check.
  std::map<std::string, int64_t> errors;
  int64_t error_calls = 0;
  // Latency of the OK calls (including those with a wrong answer).
  LatencyHistogram latency;
  // The measured window (the duration option).
  absl::Duration window;
};

// Runs a closed-loop load of `kind` calls against options.target: warm-up,
// then the measured window, then waits for the outstanding calls (not
// counted). Channels connect before the warm-up starts; a target that
// cannot be reached within 10 s shows up as UNAVAILABLE errors.
LoadResult RunLoad(const LoadOptions& options, const RpcKind& kind);

// The name of a gRPC status code, e.g. "UNAVAILABLE".
std::string StatusCodeName(grpc::StatusCode code);

}  // namespace jwtd::bench

#endif  // JWTD_BENCH_LOAD_LOAD_ENGINE_H_
