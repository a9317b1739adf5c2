#ifndef JWTD_BENCH_LOAD_TOKEN_ISSUER_H_
#define JWTD_BENCH_LOAD_TOKEN_ISSUER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace jwtd::bench {

struct IssueOptions {
  // A listener that serves Issue to this caller (jwtd's privileged one).
  std::string target;
  int count = 0;
  // Subjects are <subject_prefix><n>, n = 0..count-1.
  std::string subject_prefix = "user-";
  absl::Duration ttl = absl::Hours(1);
  // The scope claim, for tokens of a realistic size.
  std::string scope;
};

// Issues `count` distinct tokens, one call after the other. The first
// failed call ends it, with its status (UNAVAILABLE when the target cannot
// be reached within 10 s).
absl::StatusOr<std::vector<std::string>> IssueTokens(
    const IssueOptions& options);

}  // namespace jwtd::bench

#endif  // JWTD_BENCH_LOAD_TOKEN_ISSUER_H_
