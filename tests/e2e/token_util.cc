#include "tests/e2e/token_util.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/util/json_util.h"

namespace jwtd::e2e {
namespace {

absl::StatusOr<std::vector<std::string>> Segments(absl::string_view token) {
  std::vector<std::string> segments = absl::StrSplit(token, '.');
  if (segments.size() != 3) {
    return absl::InvalidArgumentError("not a three-segment token");
  }
  return segments;
}

}  // namespace

absl::StatusOr<google::protobuf::Struct> DecodeJsonSegment(
    absl::string_view token, int index) {
  absl::StatusOr<std::vector<std::string>> segments = Segments(token);
  if (!segments.ok()) return segments.status();
  std::string json;
  if (!absl::WebSafeBase64Unescape((*segments)[index], &json)) {
    return absl::InvalidArgumentError("segment is not base64url");
  }
  google::protobuf::Struct decoded;
  if (!google::protobuf::util::JsonStringToMessage(json, &decoded).ok()) {
    return absl::InvalidArgumentError("segment is not a JSON object");
  }
  return decoded;
}

absl::StatusOr<std::string> ReplaceJsonSegment(absl::string_view token,
                                               int index,
                                               absl::string_view json) {
  absl::StatusOr<std::vector<std::string>> segments = Segments(token);
  if (!segments.ok()) return segments.status();
  // WebSafeBase64Escape writes no padding.
  (*segments)[index] = absl::WebSafeBase64Escape(json);
  return absl::StrJoin(*segments, ".");
}

absl::StatusOr<std::string> FlipSignatureCharacter(absl::string_view token) {
  absl::StatusOr<std::vector<std::string>> segments = Segments(token);
  if (!segments.ok()) return segments.status();
  std::string& signature = (*segments)[2];
  if (signature.size() < 4) {
    return absl::InvalidArgumentError("signature segment too short");
  }
  char& c = signature[signature.size() / 2];
  c = (c == 'A') ? 'B' : 'A';
  return absl::StrJoin(*segments, ".");
}

}  // namespace jwtd::e2e
