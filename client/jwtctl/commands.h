#ifndef JWTD_CLIENT_JWTCTL_COMMANDS_H_
#define JWTD_CLIENT_JWTCTL_COMMANDS_H_

// jwtctl: the command-line client of jwtd. Usage: RunJwtctl's help text
// (`jwtctl help`).
//
// Exit codes, for scripts:
//   0  success (validate: the token is valid; introspect: it is active)
//   1  validate: the token was rejected; introspect: it is inactive
//   2  usage error, bad flag value, or the call failed (the gRPC code name
//      and message go to stderr)
// Results go to stdout, errors to stderr. A token is never written to
// stderr.

#include <istream>
#include <ostream>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace jwtd::jwtctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;
inline constexpr int kExitError = 2;

// Runs jwtctl with `args` (argv without argv[0]). A token argument "-" is
// read from `in` (surrounding whitespace removed). `version` is printed by
// `jwtctl version`. Returns the exit code.
int RunJwtctl(absl::Span<const std::string> args, absl::string_view version,
              std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace jwtd::jwtctl

#endif  // JWTD_CLIENT_JWTCTL_COMMANDS_H_
