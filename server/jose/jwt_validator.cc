#include "server/jose/jwt_validator.h"

#include <simdjson.h>

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "server/jose/reject_reason.h"

namespace jwtd::jose {
namespace {

bool Contains(absl::Span<const absl::string_view> values, absl::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

}  // namespace

absl::StatusOr<JwtValidator> JwtValidator::Create(ValidationPolicy policy,
                                                  JwsLimits limits) {
  if (policy.issuer.empty()) {
    return absl::InvalidArgumentError("validation policy needs an issuer");
  }
  if (policy.leeway < absl::ZeroDuration() || policy.leeway > kMaxLeeway) {
    return absl::InvalidArgumentError(absl::StrCat(
        "leeway must be between 0s and ", absl::FormatDuration(kMaxLeeway)));
  }
  if (policy.max_age <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("maximum token age must be positive");
  }
  return JwtValidator(std::move(policy), limits);
}

absl::StatusOr<VerifiedJwt> JwtValidator::Validate(
    absl::string_view token, const KeySet& keys, absl::Time now,
    absl::string_view required_audience) const {
  absl::StatusOr<UnverifiedJws> parsed = UnverifiedJws::Parse(token, limits_);
  if (!parsed.ok()) return parsed.status();
  return Validate(*std::move(parsed), keys, now, required_audience);
}

absl::StatusOr<VerifiedJwt> JwtValidator::Validate(
    UnverifiedJws parsed, const KeySet& keys, absl::Time now,
    absl::string_view required_audience) const {
  absl::StatusOr<const VerificationKey*> verified =
      VerifySignature(parsed, keys);
  if (!verified.ok()) return verified.status();
  const VerificationKey& key = **verified;
  if (!policy_.algorithms.empty() &&
      std::find(policy_.algorithms.begin(), policy_.algorithms.end(),
                key.alg()) == policy_.algorithms.end()) {
    return TokenRejected(RejectReason::kUnsupportedAlgorithm,
                         absl::StrCat(JwsAlgorithmName(key.alg()),
                                      " is not accepted from this issuer"));
  }

  // The claims are checked on the parsed document itself, in place in the
  // token's buffer: no copy, no Json tree, no string copies. VerifiedJwt
  // builds the tree from the payload only if a caller asks for it.
  absl::Status checked;
  absl::Status parsed_ok = ParseJsonObjectView(
      parsed.payload(), limits_.payload,
      [&](const simdjson::dom::object& claims) {
        checked = CheckClaims(parsed.typ(), claims, now, required_audience);
      },
      parsed.payload_padding());
  if (!parsed_ok.ok()) {
    return TokenRejected(RejectReason::kMalformed,
                         absl::StrCat("payload: ", parsed_ok.message()));
  }
  if (!checked.ok()) return checked;
  return VerifiedJwt(key.alg(), key.kid(), std::move(parsed).TakePayload(),
                     limits_.payload);
}

absl::Status JwtValidator::CheckClaims(
    const std::optional<std::string>& typ, const simdjson::dom::object& all,
    absl::Time now, absl::string_view required_audience) const {
  RegisteredClaimViews claims;
  if (absl::Status read = ReadRegisteredClaimViews(all, &claims); !read.ok()) {
    return read;
  }
  const ValidationPolicy& p = policy_;
  if (p.typ.has_value()) {
    if (!typ.has_value() ||
        !absl::EqualsIgnoreCase(MediaTypeName(*typ), MediaTypeName(*p.typ))) {
      return TokenRejected(RejectReason::kWrongType,
                           absl::StrCat("typ must be ", *p.typ));
    }
  }
  if (!claims.issuer.has_value()) {
    return TokenRejected(RejectReason::kWrongIssuer, "token has no iss");
  }
  if (*claims.issuer != p.issuer) {
    return TokenRejected(RejectReason::kWrongIssuer,
                         "iss is not the key's issuer");
  }
  if (claims.expires_at.has_value()) {
    if (*claims.expires_at + p.leeway <= now) {
      return TokenRejected(RejectReason::kExpired, "token has expired");
    }
  } else if (p.require_exp) {
    return TokenRejected(RejectReason::kMissingClaim, "token has no exp");
  }
  if (claims.not_before.has_value() && *claims.not_before > now + p.leeway) {
    return TokenRejected(RejectReason::kNotYetValid,
                         "token is not valid yet (nbf)");
  }
  if (claims.issued_at.has_value() && *claims.issued_at > now + p.leeway) {
    return TokenRejected(RejectReason::kNotYetValid,
                         "token was issued in the future (iat)");
  }
  if (p.max_age != absl::InfiniteDuration()) {
    if (!claims.issued_at.has_value()) {
      return TokenRejected(RejectReason::kMissingClaim,
                           "token has no iat and a maximum age applies");
    }
    if (now - *claims.issued_at > p.max_age + p.leeway) {
      return TokenRejected(RejectReason::kTooOld,
                           "token is older than the maximum age");
    }
  }
  if (!p.audiences.empty() &&
      std::none_of(p.audiences.begin(), p.audiences.end(),
                   [&](const std::string& accepted) {
                     return Contains(claims.audiences, accepted);
                   })) {
    return TokenRejected(RejectReason::kWrongAudience,
                         "aud contains no accepted audience");
  }
  if (!required_audience.empty() &&
      !Contains(claims.audiences, required_audience)) {
    return TokenRejected(RejectReason::kWrongAudience,
                         "aud does not contain the requested audience");
  }
  for (const std::string& name : p.required_claims) {
    if (all.at_key(name).error() != simdjson::SUCCESS) {
      return TokenRejected(RejectReason::kMissingClaim,
                           absl::StrCat("token has no \"", name, "\" claim"));
    }
  }
  return absl::OkStatus();
}

}  // namespace jwtd::jose
