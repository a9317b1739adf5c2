#include "tests/e2e/log_lines.h"

#include <string>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/util/json_util.h"

namespace jwtd::e2e {

LogLines ParseLogLines(absl::string_view log) {
  LogLines lines;
  const size_t end = log.rfind('\n');
  if (end == absl::string_view::npos) return lines;
  for (absl::string_view line :
       absl::StrSplit(log.substr(0, end), '\n', absl::SkipEmpty())) {
    google::protobuf::Struct json;
    if (google::protobuf::util::JsonStringToMessage(std::string(line), &json)
            .ok()) {
      lines.json.push_back(std::move(json));
    } else {
      lines.other.emplace_back(line);
    }
  }
  return lines;
}

std::string StringMember(const google::protobuf::Struct& line,
                         absl::string_view name) {
  auto it = line.fields().find(std::string(name));
  if (it == line.fields().end() || !it->second.has_string_value()) return "";
  return it->second.string_value();
}

}  // namespace jwtd::e2e
