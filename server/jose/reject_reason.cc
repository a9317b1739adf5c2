#include "server/jose/reject_reason.h"

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace jwtd::jose {
namespace {

constexpr absl::string_view kPayloadUrl = "type.jwtd.dev/jwtd.RejectReason";

}  // namespace

absl::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kMalformed:
      return "MALFORMED";
    case RejectReason::kUnsupportedAlgorithm:
      return "UNSUPPORTED_ALGORITHM";
    case RejectReason::kUnknownKey:
      return "UNKNOWN_KEY";
    case RejectReason::kBadSignature:
      return "BAD_SIGNATURE";
    case RejectReason::kExpired:
      return "EXPIRED";
    case RejectReason::kNotYetValid:
      return "NOT_YET_VALID";
    case RejectReason::kWrongIssuer:
      return "WRONG_ISSUER";
    case RejectReason::kWrongAudience:
      return "WRONG_AUDIENCE";
    case RejectReason::kMissingClaim:
      return "MISSING_CLAIM";
    case RejectReason::kInvalidClaim:
      return "INVALID_CLAIM";
    case RejectReason::kRevoked:
      return "REVOKED";
    case RejectReason::kInsufficientScope:
      return "INSUFFICIENT_SCOPE";
    case RejectReason::kClaimMismatch:
      return "CLAIM_MISMATCH";
    case RejectReason::kWrongType:
      return "WRONG_TYPE";
    case RejectReason::kTooOld:
      return "TOO_OLD";
  }
  return "UNKNOWN";
}

absl::Status TokenRejected(RejectReason reason, absl::string_view detail) {
  absl::Status status = absl::InvalidArgumentError(detail);
  status.SetPayload(kPayloadUrl,
                    absl::Cord(absl::StrCat(static_cast<int>(reason))));
  return status;
}

std::optional<RejectReason> GetRejectReason(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kInvalidArgument) return std::nullopt;
  absl::optional<absl::Cord> payload = status.GetPayload(kPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  int value = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &value) ||
      value < static_cast<int>(RejectReason::kMalformed) ||
      value > static_cast<int>(RejectReason::kTooOld)) {
    return std::nullopt;
  }
  return static_cast<RejectReason>(value);
}

}  // namespace jwtd::jose
