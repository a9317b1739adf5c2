#ifndef JWTD_SERVER_JOSE_JWKS_H_
#define JWTD_SERVER_JOSE_JWKS_H_

#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/jose/algorithm.h"
#include "server/jose/json_parser.h"
#include "server/jose/key_set.h"

namespace jwtd::jose {

struct JwksImportOptions {
  // Accept kty "oct" (HMAC) keys. Only for local secret files: a JWKS
  // fetched or published is public and must never carry secrets.
  bool allow_secret_keys = false;
  // The algorithm of RSA keys whose JWK names none (RS* or PS* cannot be
  // told apart from the key). Unset: such keys are refused.
  std::optional<JwsAlgorithm> default_rsa_alg;
  // Bounds on the document.
  size_t max_keys = 100;
  JsonLimits json{.max_bytes = 512 * 1024, .max_depth = 8};
};

// Builds a verification KeySet from a JWK Set document (RFC 7517 section 5),
// all or nothing. Keys not meant for signatures (use/key_ops) are skipped.
// The whole set is refused (INVALID_ARGUMENT, naming the key by position)
// when: the document is not strict JSON within the bounds or has no "keys"
// array; any signing key is invalid (ParseJwk); a key carries private
// members (a verification set holds public keys only); secret and
// asymmetric keys are mixed, or secrets are not allowed; two keys share a
// kid; an RSA key has no alg and no default is set; or there are more than
// max_keys keys. A key without kid gets its RFC 7638 thumbprint (oct keys
// need a kid).
absl::StatusOr<std::shared_ptr<const KeySet>> ImportJwks(
    absl::string_view document, const JwksImportOptions& options = {});

}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_JWKS_H_
