#ifndef JWTD_SERVER_JOSE_JWT_VALIDATOR_H_
#define JWTD_SERVER_JOSE_JWT_VALIDATOR_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/jose/jws.h"
#include "server/jose/key_set.h"
#include "server/jose/verified_jwt.h"

namespace simdjson::dom {
class object;
}  // namespace simdjson::dom

namespace jwtd::jose {

// Largest leeway a policy may grant for clock skew.
inline constexpr absl::Duration kMaxLeeway = absl::Minutes(10);

// What one issuer's tokens must satisfy.
struct ValidationPolicy {
  // `iss` must equal this exactly. Required.
  std::string issuer;
  // When non-empty, `aud` must contain at least one of these.
  std::vector<std::string> audiences;
  // Clock skew tolerated on exp, nbf and iat; 0 to kMaxLeeway.
  absl::Duration leeway = absl::Seconds(60);
  // Tokens without `exp` are rejected (MISSING_CLAIM) unless false.
  bool require_exp = true;
  // When set, the `typ` header must equal it, ignoring ASCII case and an
  // "application/" prefix (RFC 7515 section 4.1.9).
  std::optional<std::string> typ;
  // When finite, `iat` is required and may be at most this old.
  absl::Duration max_age = absl::InfiniteDuration();
  // Claims that must be present (any value).
  std::vector<std::string> required_claims;
  // Algorithms accepted from this issuer's keys; empty: whatever the keys
  // are bound to. A key outside the list is refused (UNSUPPORTED_ALGORITHM).
  std::vector<JwsAlgorithm> algorithms;
};

// Validates compact JWS tokens against one issuer's policy and keys. Built
// once (Create checks the policy), then immutable and thread-safe.
class JwtValidator {
 public:
  // INVALID_ARGUMENT for an empty issuer or a leeway outside [0, kMaxLeeway].
  static absl::StatusOr<JwtValidator> Create(ValidationPolicy policy,
                                             JwsLimits limits = {});

  // Checks `token` at instant `now` against `keys`. Order: form
  // (UnverifiedJws::Parse), key by kid (a token without kid is accepted only
  // when `keys` holds exactly one key), header alg equal to the key's alg,
  // signature, payload JSON and claim types, typ, iss, exp, nbf, iat,
  // maximum age, audience (the policy's and, when non-empty,
  // `required_audience` too), required claims.
  // A rejected token is TokenRejected(reason, detail) (reject_reason.h);
  // the detail never contains the token.
  absl::StatusOr<VerifiedJwt> Validate(
      absl::string_view token, const KeySet& keys, absl::Time now,
      absl::string_view required_audience = "") const;

  // The same for a token already parsed with limits() (the token string
  // must still be alive).
  absl::StatusOr<VerifiedJwt> Validate(
      UnverifiedJws jws, const KeySet& keys, absl::Time now,
      absl::string_view required_audience = "") const;

  const ValidationPolicy& policy() const { return policy_; }
  const JwsLimits& limits() const { return limits_; }

 private:
  JwtValidator(ValidationPolicy policy, JwsLimits limits)
      : policy_(std::move(policy)), limits_(limits) {}

  // Checks the header's `typ`, then reads and checks the registered claims
  // and the policy's required claims of the parsed claim set `all`.
  absl::Status CheckClaims(const std::optional<std::string>& typ,
                           const simdjson::dom::object& all, absl::Time now,
                           absl::string_view required_audience) const;

  ValidationPolicy policy_;
  JwsLimits limits_;
};

}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_JWT_VALIDATOR_H_
