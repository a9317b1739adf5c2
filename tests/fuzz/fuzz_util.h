#ifndef JWTD_TESTS_FUZZ_FUZZ_UTIL_H_
#define JWTD_TESTS_FUZZ_FUZZ_UTIL_H_

// Helpers shared by the fuzz targets. A violated property traps, so that
// libFuzzer (or the replay runner under ctest) reports the input as a crash.

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"

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

// A token-shaped input (three non-empty base64url segments, at least this
// long) must never appear in an error message: details are logged and
// returned to clients, tokens must not be. Shorter or other inputs can
// coincide with the fixed text of a message (the fuzzer finds such
// inputs), which says nothing about echoing.
inline constexpr size_t kMinEchoCheckLength = 32;

inline bool IsTokenShaped(absl::string_view input) {
  if (input.size() < kMinEchoCheckLength) return false;
  int dots = 0;
  size_t segment_length = 0;
  for (char c : input) {
    if (c == '.') {
      if (segment_length == 0) return false;
      ++dots;
      segment_length = 0;
    } else if (absl::ascii_isalnum(c) || c == '-' || c == '_') {
      ++segment_length;
    } else {
      return false;
    }
  }
  return dots == 2 && segment_length > 0;
}

}  // namespace jwtd::fuzzing

#endif  // JWTD_TESTS_FUZZ_FUZZ_UTIL_H_
