#ifndef JWTD_SERVER_JOSE_BASE64URL_H_
#define JWTD_SERVER_JOSE_BASE64URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace jwtd::jose {

// base64url without padding (RFC 7515 section 2, RFC 4648 section 5).
std::string Base64UrlEncode(absl::string_view data);

// Strict inverse of Base64UrlEncode: only the characters A-Z a-z 0-9 - _,
// no padding, no whitespace, a length that is not 1 mod 4, and zero
// trailing bits, so that every byte string has exactly one accepted
// encoding. INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> Base64UrlDecode(absl::string_view encoded);

}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_BASE64URL_H_
