#ifndef JWTD_SERVER_UTIL_JSON_STRING_H_
#define JWTD_SERVER_UTIL_JSON_STRING_H_

#include <string>

#include "absl/strings/string_view.h"

namespace jwtd {

// Appends `value` to `out` as a quoted JSON string (RFC 8259): quote,
// backslash and control characters escaped, everything else copied as is.
// `value` is expected to be valid UTF-8; bytes are not re-validated here.
void AppendJsonString(absl::string_view value, std::string* out);

// `value` as a quoted JSON string.
std::string JsonQuote(absl::string_view value);

}  // namespace jwtd

#endif  // JWTD_SERVER_UTIL_JSON_STRING_H_
