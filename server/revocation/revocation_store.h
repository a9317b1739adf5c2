#ifndef JWTD_SERVER_REVOCATION_REVOCATION_STORE_H_
#define JWTD_SERVER_REVOCATION_REVOCATION_STORE_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace jwtd::revocation {

// Longest accepted token id, in bytes.
inline constexpr size_t kMaxJtiBytes = 256;

// What a store reports for readiness and metrics.
struct RevocationStoreStatus {
  // False when the store cannot answer reliably (e.g. Redis unreachable).
  bool healthy = true;
  // Revocations currently held (not yet expired).
  size_t entries = 0;
  std::string detail;
};

// Where revocations live. A revocation names a token id (`jti`, unique per
// token: jwtd's are 128 random bits) and the time until which it must be
// kept (the token's expiry); afterwards it may be purged, since the token
// is expired anyway.
//
// Implementations are thread-safe. IsRevoked is on the validation hot path:
// it must not touch disk or network (keep an in-memory view in sync).
class RevocationStore {
 public:
  virtual ~RevocationStore() = default;

  // Records the revocation durably before returning OK (an acknowledged
  // revocation survives a crash). Revoking an already revoked jti keeps the
  // later `until`. INVALID_ARGUMENT for an empty jti, one longer than
  // kMaxJtiBytes or not valid UTF-8, or an `until` in the past — nothing is
  // stored then. UNAVAILABLE when the backend cannot be written.
  virtual absl::Status Revoke(absl::string_view jti, absl::Time until) = 0;

  // Whether `jti` is revoked at `now`. UNAVAILABLE when the store cannot
  // tell (a shared store that lost its connection and is configured to
  // fail closed).
  virtual absl::StatusOr<bool> IsRevoked(absl::string_view jti,
                                         absl::Time now) const = 0;

  virtual RevocationStoreStatus Status() const = 0;
};

}  // namespace jwtd::revocation

#endif  // JWTD_SERVER_REVOCATION_REVOCATION_STORE_H_
