#ifndef JWTD_TESTS_E2E_VERDICTS_H_
#define JWTD_TESTS_E2E_VERDICTS_H_

// One-line Validate and Revoke calls through jwtd::Client, and readable
// checks of their answers, for the end-to-end tests.

#include <string>

#include "absl/status/statusor.h"
#include "client/client.h"
#include "jwtd/v1/token_service.pb.h"

namespace jwtd::e2e {

// Validate of `token`, for `audience` when not empty.
absl::StatusOr<v1::ValidateResponse> ValidateToken(
    Client& client, const std::string& token, const std::string& audience = "");

// Revoke by token (until it expires).
absl::StatusOr<v1::RevokeResponse> RevokeToken(Client& client,
                                               const std::string& token);

// "valid=1 reason=REASON_UNSPECIFIED detail=", or the call's status.
std::string DescribeVerdict(
    const absl::StatusOr<v1::ValidateResponse>& verdict);

// The call succeeded and the token is valid.
bool IsValidVerdict(const absl::StatusOr<v1::ValidateResponse>& verdict);

// The call succeeded and the token was rejected for `reason`.
bool HasRejectReason(const absl::StatusOr<v1::ValidateResponse>& verdict,
                     v1::Reason reason);

}  // namespace jwtd::e2e

#endif  // JWTD_TESTS_E2E_VERDICTS_H_
