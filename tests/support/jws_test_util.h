#ifndef JWTD_TESTS_SUPPORT_JWS_TEST_UTIL_H_
#define JWTD_TESTS_SUPPORT_JWS_TEST_UTIL_H_

// Builds compact JWS tokens with any header and payload bytes, so tests can
// sign exactly what a hostile or buggy issuer would. Needs jwtd::jose linked.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "server/jose/base64url.h"
#include "server/jose/keys.h"

namespace jwtd::testing {

// "<b64(header)>.<b64(payload)>.<b64(signature over the first two)>".
inline absl::StatusOr<std::string> SignRawJws(const jose::SigningKey& key,
                                              absl::string_view header,
                                              absl::string_view payload) {
  std::string token = absl::StrCat(jose::Base64UrlEncode(header), ".",
                                   jose::Base64UrlEncode(payload));
  absl::StatusOr<std::string> signature = key.signer().Sign(token);
  if (!signature.ok()) return signature.status();
  absl::StrAppend(&token, ".", jose::Base64UrlEncode(*signature));
  return token;
}

// A token with an arbitrary (unsigned) signature segment.
inline std::string UnsignedJws(absl::string_view header,
                               absl::string_view payload,
                               absl::string_view signature = "") {
  return absl::StrCat(jose::Base64UrlEncode(header), ".",
                      jose::Base64UrlEncode(payload), ".",
                      jose::Base64UrlEncode(signature));
}

}  // namespace jwtd::testing

#endif  // JWTD_TESTS_SUPPORT_JWS_TEST_UTIL_H_
