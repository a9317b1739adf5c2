#ifndef JWTD_SERVER_JOSE_REJECT_REASON_H_
#define JWTD_SERVER_JOSE_REJECT_REASON_H_

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace jwtd::jose {

// Why a token was rejected. Mirrors jwtd.v1.Reason; the API layer maps one
// to the other.
enum class RejectReason {
  kMalformed = 1,
  kUnsupportedAlgorithm = 2,
  kUnknownKey = 3,
  kBadSignature = 4,
  kExpired = 5,
  kNotYetValid = 6,
  kWrongIssuer = 7,
  kWrongAudience = 8,
  kMissingClaim = 9,
  kInvalidClaim = 10,
  kRevoked = 11,
  kInsufficientScope = 12,
  kClaimMismatch = 13,
  kWrongType = 14,
  kTooOld = 15,
};

absl::string_view RejectReasonName(RejectReason reason);

// A status saying "this token is rejected, for `reason`": code
// INVALID_ARGUMENT, the reason attached as a payload. Every other non-OK
// status from the token path means the request or the service is at fault
// (e.g. UNAVAILABLE when keys cannot be had), not the token.
absl::Status TokenRejected(RejectReason reason, absl::string_view detail);

// The reason of a status made by TokenRejected, or nullopt for any other
// status.
std::optional<RejectReason> GetRejectReason(const absl::Status& status);

}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_REJECT_REASON_H_
