#ifndef JWTD_SERVER_REVOCATION_REVOCATION_INPUT_H_
#define JWTD_SERVER_REVOCATION_REVOCATION_INPUT_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace jwtd::revocation {

// The input check every RevocationStore::Revoke makes before storing
// anything: OK for a jti of 1..kMaxJtiBytes bytes of valid UTF-8 and an
// `until` later than `now`; INVALID_ARGUMENT otherwise, saying which rule
// broke (the message never quotes the jti). An `until` equal to `now` is
// refused too: such an entry would never read as revoked.
absl::Status CheckRevocationInput(absl::string_view jti, absl::Time until,
                                  absl::Time now);

}  // namespace jwtd::revocation

#endif  // JWTD_SERVER_REVOCATION_REVOCATION_INPUT_H_
