#ifndef JWTD_SERVER_JOSE_JWK_H_
#define JWTD_SERVER_JOSE_JWK_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "server/crypto/ecdsa.h"
#include "server/jose/algorithm.h"
#include "server/jose/json.h"

namespace jwtd::jose {

// The JWK "crv" name of a curve: "P-256", "P-384", "P-521".
absl::string_view JwkCurveName(crypto::EcCurve curve);

// The curve an ES* algorithm requires, or nullopt for other algorithms.
std::optional<crypto::EcCurve> CurveOf(JwsAlgorithm alg);

// The public JWK of an EC key (RFC 7518 section 6.2): kty, crv, x, y, plus
// kid, alg and use=sig. Never any private member.
Json EcPublicJwk(const crypto::EcPublicKey& key, JwsAlgorithm alg,
                 absl::string_view kid);

// The RFC 7638 JWK thumbprint (SHA-256, base64url) of an EC public key:
// stable across restarts and implementations, so it serves as `kid`.
std::string EcThumbprint(const crypto::EcPublicKey& key);

}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_JWK_H_
