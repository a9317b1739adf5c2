#ifndef JWTD_SERVER_JOSE_CLAIMS_H_
#define JWTD_SERVER_JOSE_CLAIMS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/jose/json.h"

namespace simdjson::dom {
class object;
}  // namespace simdjson::dom

namespace jwtd::jose {

// Largest NumericDate accepted: 9999-12-31T23:59:59Z.
inline constexpr double kMaxNumericDate = 253402300799.0;

// The registered claims of RFC 7519 section 4.1, typed.
struct RegisteredClaims {
  std::optional<std::string> issuer;     // iss
  std::optional<std::string> subject;    // sub
  std::vector<std::string> audiences;    // aud (a string becomes one entry)
  std::optional<absl::Time> expires_at;  // exp
  std::optional<absl::Time> not_before;  // nbf
  std::optional<absl::Time> issued_at;   // iat
  std::optional<std::string> jwt_id;     // jti
};

// Reads the registered claims of a claim set (a JSON object), checking their
// types: iss, sub, jti strings; aud a string or a non-empty array of
// strings; exp, nbf, iat finite NumericDates in [0, kMaxNumericDate]
// (fractions allowed). A violation is TokenRejected(kInvalidClaim).
absl::StatusOr<RegisteredClaims> ReadRegisteredClaims(const Json& claims);

// The same claims as views into a claim set parsed by ParseJsonObjectView:
// valid only while that parse's visitor runs. What the validator checks,
// without copying a string.
struct RegisteredClaimViews {
  std::optional<absl::string_view> issuer;
  std::optional<absl::string_view> subject;
  absl::InlinedVector<absl::string_view, 4> audiences;
  std::optional<absl::Time> expires_at;
  std::optional<absl::Time> not_before;
  std::optional<absl::Time> issued_at;
  std::optional<absl::string_view> jwt_id;
};

// ReadRegisteredClaims on a claim set parsed by ParseJsonObjectView: the same
// checks in the same order, the same errors, the same values.
absl::Status ReadRegisteredClaimViews(const simdjson::dom::object& claims,
                                      RegisteredClaimViews* out);

// A NumericDate for `time`, in whole seconds (fractions truncated).
Json NumericDate(absl::Time time);

}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_CLAIMS_H_
