#ifndef JWTD_TESTS_FUZZ_FUZZ_UTIL_H_
#define JWTD_TESTS_FUZZ_FUZZ_UTIL_H_

// Helpers shared by the fuzz targets. A violated property traps, so that
// libFuzzer (or the replay runner under ctest) reports the input as a crash.

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/status/statusor.h"

namespace jwtd::fuzzing {

// Prints which property failed, then traps.
[[noreturn]] inline void PropertyViolated(const char* property) {
  std::fprintf(stderr, "PROPERTY VIOLATED: %s\n", property);
  std::fflush(stderr);
  __builtin_trap();
}

inline void Require(bool condition, const char* property) {
  if (!condition) PropertyViolated(property);
}

// For fixed set-up that cannot fail: aborts with the status otherwise.
template <typename T>
T ValueOrDie(absl::StatusOr<T> value, const char* what) {
  if (!value.ok()) {
    std::fprintf(stderr, "fuzzer set-up failed: %s: %s\n", what,
                 value.status().ToString().c_str());
    std::abort();
  }
  return *std::move(value);
}

}  // namespace jwtd::fuzzing

#endif  // JWTD_TESTS_FUZZ_FUZZ_UTIL_H_
