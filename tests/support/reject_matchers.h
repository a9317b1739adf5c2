#ifndef JWTD_TESTS_SUPPORT_REJECT_MATCHERS_H_
#define JWTD_TESTS_SUPPORT_REJECT_MATCHERS_H_

// A gMock matcher for token rejections (jose::TokenRejected):
//
//   EXPECT_THAT(validator.Validate(token, keys, now),
//               IsRejected(jose::RejectReason::kExpired));
//
// Works on absl::Status and absl::StatusOr<T>. Needs jwtd::jose linked.

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "server/jose/reject_reason.h"
#include "tests/support/status_matchers.h"

namespace jwtd::testing {

MATCHER_P(IsRejected, reason,
          "is rejected for " +
              std::string(::jwtd::jose::RejectReasonName(reason))) {
  const absl::Status& status = GetStatus(arg);
  const std::optional<::jwtd::jose::RejectReason> actual =
      ::jwtd::jose::GetRejectReason(status);
  *result_listener << "status is " << status;
  if (actual.has_value()) {
    *result_listener << " (reason " << ::jwtd::jose::RejectReasonName(*actual)
                     << ")";
  }
  return actual.has_value() && *actual == reason;
}

// Rejected as a token, for whatever reason (not a service error, not OK).
MATCHER(IsRejectedForAnyReason, "is a token rejection") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return ::jwtd::jose::GetRejectReason(status).has_value();
}

}  // namespace jwtd::testing

#endif  // JWTD_TESTS_SUPPORT_REJECT_MATCHERS_H_
