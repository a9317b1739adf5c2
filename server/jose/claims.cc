#include "server/jose/claims.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "server/jose/reject_reason.h"

namespace jwtd::jose {
namespace {

absl::Status InvalidClaim(absl::string_view name, absl::string_view why) {
  return TokenRejected(RejectReason::kInvalidClaim,
                       absl::StrCat("claim \"", name, "\" ", why));
}

absl::Status ReadString(const Json& claims, absl::string_view name,
                        std::optional<std::string>* out) {
  const Json* value = claims.Find(name);
  if (value == nullptr) return absl::OkStatus();
  if (!value->is_string()) return InvalidClaim(name, "is not a string");
  *out = value->string_value();
  return absl::OkStatus();
}

absl::Status ReadNumericDate(const Json& claims, absl::string_view name,
                             std::optional<absl::Time>* out) {
  const Json* value = claims.Find(name);
  if (value == nullptr) return absl::OkStatus();
  if (!value->is_number()) return InvalidClaim(name, "is not a number");
  const Json::Number& number = value->number();
  if (number.is_integer) {
    if (number.integer < 0 || number.integer > kMaxNumericDate) {
      return InvalidClaim(name, "is out of range");
    }
    *out = absl::FromUnixSeconds(number.integer);
    return absl::OkStatus();
  }
  if (!std::isfinite(number.value) || number.value < 0 ||
      number.value > kMaxNumericDate) {
    return InvalidClaim(name, "is out of range");
  }
  *out = absl::UnixEpoch() + absl::Seconds(number.value);
  return absl::OkStatus();
}

absl::Status ReadAudiences(const Json& claims, std::vector<std::string>* out) {
  const Json* value = claims.Find("aud");
  if (value == nullptr) return absl::OkStatus();
  if (value->is_string()) {
    out->push_back(value->string_value());
    return absl::OkStatus();
  }
  if (!value->is_array() || value->array().empty()) {
    return InvalidClaim("aud", "is not a string or a non-empty array");
  }
  for (const Json& element : value->array()) {
    if (!element.is_string()) {
      return InvalidClaim("aud", "holds a non-string element");
    }
    out->push_back(element.string_value());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RegisteredClaims> ReadRegisteredClaims(const Json& claims) {
  RegisteredClaims registered;
  absl::Status status = ReadString(claims, "iss", &registered.issuer);
  if (status.ok()) status = ReadString(claims, "sub", &registered.subject);
  if (status.ok()) status = ReadString(claims, "jti", &registered.jwt_id);
  if (status.ok()) status = ReadAudiences(claims, &registered.audiences);
  if (status.ok()) {
    status = ReadNumericDate(claims, "exp", &registered.expires_at);
  }
  if (status.ok()) {
    status = ReadNumericDate(claims, "nbf", &registered.not_before);
  }
  if (status.ok()) {
    status = ReadNumericDate(claims, "iat", &registered.issued_at);
  }
  if (!status.ok()) return status;
  return registered;
}

Json NumericDate(absl::Time time) {
  return Json::Integer(absl::ToUnixSeconds(time));
}

}  // namespace jwtd::jose
