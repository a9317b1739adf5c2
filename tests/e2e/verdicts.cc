#include "tests/e2e/verdicts.h"

#include "absl/strings/str_cat.h"

namespace jwtd::e2e {

absl::StatusOr<v1::ValidateResponse> ValidateToken(
    Client& client, const std::string& token, const std::string& audience) {
  v1::ValidateRequest request;
  request.set_token(token);
  request.set_audience(audience);
  return client.Validate(request);
}

absl::StatusOr<v1::RevokeResponse> RevokeToken(Client& client,
                                               const std::string& token) {
  v1::RevokeRequest request;
  request.set_token(token);
  return client.Revoke(request);
}

std::string DescribeVerdict(
    const absl::StatusOr<v1::ValidateResponse>& verdict) {
  if (!verdict.ok()) return verdict.status().ToString();
  return absl::StrCat("valid=", verdict->valid(),
                      " reason=", v1::Reason_Name(verdict->reason()),
                      " detail=", verdict->detail());
}

bool IsValidVerdict(const absl::StatusOr<v1::ValidateResponse>& verdict) {
  return verdict.ok() && verdict->valid();
}

bool HasRejectReason(const absl::StatusOr<v1::ValidateResponse>& verdict,
                     v1::Reason reason) {
  return verdict.ok() && !verdict->valid() && verdict->reason() == reason;
}

}  // namespace jwtd::e2e
