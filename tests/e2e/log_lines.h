#ifndef JWTD_TESTS_E2E_LOG_LINES_H_
#define JWTD_TESTS_E2E_LOG_LINES_H_

// Reading jwtd's log: by contract one JSON object per line on stderr.

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"

namespace jwtd::e2e {

struct LogLines {
  // Complete lines that parse as JSON objects, in order.
  std::vector<google::protobuf::Struct> json;
  // Complete lines that do not (the contract allows none).
  std::vector<std::string> other;
};

// Splits `log` into complete lines (a trailing partial line is ignored) and
// parses each. Empty lines are skipped.
LogLines ParseLogLines(absl::string_view log);

// The string member `name` of `line`, or "" if absent or not a string.
std::string StringMember(const google::protobuf::Struct& line,
                         absl::string_view name);

}  // namespace jwtd::e2e

#endif  // JWTD_TESTS_E2E_LOG_LINES_H_
