#ifndef JWTD_TESTS_E2E_TOKEN_UTIL_H_
#define JWTD_TESTS_E2E_TOKEN_UTIL_H_

// Looking inside and tampering with JWS compact tokens in tests. These do
// no verification: they only pick a token apart and put it back together.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/struct.pb.h"

namespace jwtd::e2e {

// Decodes segment `index` (0 header, 1 payload) of `token` as a JSON object.
absl::StatusOr<google::protobuf::Struct> DecodeJsonSegment(
    absl::string_view token, int index);

// Replaces segment `index` with the unpadded base64url encoding of `json`
// (a JSON object's text), keeping the other segments, so the result is
// well-formed but its signature no longer matches.
absl::StatusOr<std::string> ReplaceJsonSegment(absl::string_view token,
                                               int index,
                                               absl::string_view json);

// Changes one character in the middle of the signature segment to another
// base64url character. The middle, because the last character of a
// segment carries padding bits that a strict parser may reject as
// malformed before checking the signature.
absl::StatusOr<std::string> FlipSignatureCharacter(absl::string_view token);

}  // namespace jwtd::e2e

#endif  // JWTD_TESTS_E2E_TOKEN_UTIL_H_
