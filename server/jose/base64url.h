#ifndef JWTD_SERVER_JOSE_BASE64URL_H_
#define JWTD_SERVER_JOSE_BASE64URL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace jwtd::jose {

// base64url without padding (RFC 7515 section 2, RFC 4648 section 5).
std::string Base64UrlEncode(absl::string_view data);

// Strict inverse of Base64UrlEncode: only the characters A-Z a-z 0-9 - _,
// no padding, no whitespace, a length that is not 1 mod 4, and zero
// trailing bits, so that every byte string has exactly one accepted
// encoding. INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> Base64UrlDecode(absl::string_view encoded);

// The same into `*out`, whose previous contents are replaced (its capacity
// is reused). On error `*out` holds unspecified bytes.
absl::Status Base64UrlDecodeTo(absl::string_view encoded, std::string* out);

// The number of bytes a valid encoding of `encoded_length` characters
// decodes to (a length of 1 mod 4 has no valid encoding; the result is then
// meaningless but harmless: decoding refuses that length first).
size_t Base64UrlDecodedLength(size_t encoded_length);

// The same into `out`, which must be exactly
// Base64UrlDecodedLength(encoded.size()) bytes (else INVALID_ARGUMENT). On
// error `out` holds unspecified bytes.
absl::Status Base64UrlDecodeTo(absl::string_view encoded, absl::Span<char> out);

namespace internal {

// Tests only: the widest block decoder decoding may use (2 AVX2, 1 SSSE3,
// 0 none; each only where the CPU has it), so that every path is covered on
// one machine. Returns the previous cap. Not for concurrent use with
// decoding in other tests' threads.
int SetBase64UrlSimdCapForTesting(int cap);

}  // namespace internal
}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_BASE64URL_H_
