#ifndef JWTD_CLIENT_JWTCTL_ARGS_H_
#define JWTD_CLIENT_JWTCTL_ARGS_H_

// A small command-line parser for jwtctl. Unlike absl flags it lets a flag
// be repeated (--aud a --aud b accumulate) and lets flags appear before or
// after the command, which is how jwtctl is meant to be typed.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace jwtd::jwtctl {

struct FlagSpec {
  absl::string_view name;  // Without the leading "--".
  bool takes_value;        // False for a switch such as --help.
  bool repeatable;         // Values accumulate instead of being an error.
};

// The parsed command line: positional arguments in order (the command first)
// and the flags given, by name, each with its values in order (a switch has
// one empty value).
struct CommandLine {
  std::vector<std::string> positionals;
  std::map<std::string, std::vector<std::string>, std::less<>> flags;

  bool Has(absl::string_view name) const;
  // All values of `name`, empty when it was not given.
  const std::vector<std::string>& Values(absl::string_view name) const;
  // The value of a non-repeatable flag, or nullopt when it was not given.
  std::optional<std::string> Value(absl::string_view name) const;
};

// Parses `args` (without argv[0]) against `specs`:
//   --name value, --name=value   a flag that takes a value (a separate
//                                value may not start with "--")
//   --name                       a switch (also -h for --help)
//   --                           everything after it is positional
//   -                            positional (jwtctl reads it as "stdin")
// Returns INVALID_ARGUMENT for an unknown flag, a flag without its value, a
// value given to a switch, or a non-repeatable flag given twice. Messages
// name the flag but never echo a positional argument (it may be a token).
absl::StatusOr<CommandLine> ParseCommandLine(absl::Span<const std::string> args,
                                             absl::Span<const FlagSpec> specs);

}  // namespace jwtd::jwtctl

#endif  // JWTD_CLIENT_JWTCTL_ARGS_H_
