#ifndef JWTD_SERVER_SERVICE_ACCESS_POLICY_H_
#define JWTD_SERVER_SERVICE_ACCESS_POLICY_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/jose/json.h"

namespace jwtd::service {

// A claim a token must carry for access to be granted.
struct ClaimRequirement {
  std::string claim;
  // Accepted values; empty means the claim must merely be present.
  std::vector<std::string> values;
  // All values must be held (true), or any one of them (false).
  bool match_all = false;
};

// The access decision a Validate caller asks for, on top of validity.
struct AccessRequirements {
  std::vector<std::string> scopes;       // all required
  std::vector<ClaimRequirement> claims;  // all required
};

// Bounds on a request's requirements, so a caller cannot make one call
// arbitrarily expensive.
inline constexpr size_t kMaxRequirements = 64;
inline constexpr size_t kMaxRequirementBytes = 256;

// True for a scope-token of RFC 6749 section 3.3: one or more printable
// ASCII characters other than space, '"' and '\\'.
bool IsScopeToken(absl::string_view scope);

// INVALID_ARGUMENT when the requirements are malformed: an empty scope or
// claim name, a scope with characters RFC 6749 section 3.3 forbids, more
// than kMaxRequirements entries or values, or a string longer than
// kMaxRequirementBytes.
absl::Status CheckRequirementsWellFormed(const AccessRequirements& required);

// The scopes a claim set grants: the space-separated `scope` claim, or else
// the `scp` claim (an array of strings, or a space-separated string).
std::vector<std::string> GrantedScopes(const jose::Json& claims);

// Decides access for a verified claim set: OK when every requirement holds;
// otherwise TokenRejected(kInsufficientScope) naming the first missing
// scope, or TokenRejected(kClaimMismatch) naming the first unmet claim.
// A claim matches a value when it is a string equal to it, an array with a
// string element equal to it, or a number or boolean whose JSON text equals
// it.
absl::Status DecideAccess(const jose::Json& claims,
                          const AccessRequirements& required);

}  // namespace jwtd::service

#endif  // JWTD_SERVER_SERVICE_ACCESS_POLICY_H_
