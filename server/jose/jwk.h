#ifndef JWTD_SERVER_JOSE_JWK_H_
#define JWTD_SERVER_JOSE_JWK_H_

#include <optional>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/ecdsa.h"
#include "server/crypto/eddsa.h"
#include "server/jose/algorithm.h"
#include "server/jose/json.h"
#include "server/jose/key_material.h"

namespace jwtd::jose {

// The JWK "crv" name of a NIST curve: "P-256", "P-384", "P-521".
absl::string_view JwkCurveName(crypto::EcCurve curve);
// The JWK "crv" name of an Edwards curve (RFC 8037): "Ed25519", "Ed448".
absl::string_view JwkOkpCurveName(crypto::EdCurve curve);

// The curve an ES* algorithm requires, or nullopt for other algorithms.
std::optional<crypto::EcCurve> CurveOf(JwsAlgorithm alg);

// The public JWK of a key (RFC 7517/7518/8037): kty and the public members
// (crv/x/y, n/e, or crv/x), plus kid, alg and use=sig. Never any private
// member.
Json PublicJwk(const PublicKey& key, JwsAlgorithm alg, absl::string_view kid);

// The RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key: the
// required members in lexicographic order. Stable across restarts and
// implementations, so it serves as a default `kid`.
std::string Thumbprint(const PublicKey& key);

// One key read from a JWK.
struct Jwk {
  std::optional<std::string> kid;
  // From the "alg" member; nullopt when absent.
  std::optional<JwsAlgorithm> alg;
  std::variant<PublicKey, PrivateKey, SecretKey> key;
};

// Reads a JWK strictly. Returns nullopt for a well-formed key that is not
// for signatures (use other than "sig", or key_ops without "sign" and
// "verify"): such keys are skipped, not trusted. INVALID_ARGUMENT, naming
// the problem, for: a non-object; kty other than EC, RSA, OKP, oct; members
// of the wrong type or base64url that is not strict; an "alg" that is not a
// supported JWS algorithm exactly (e.g. "ES521", "none", "A256GCM") or does
// not fit the key (ES256 with P-384); an EC point off the curve or with
// coordinates of the wrong length; RSA moduli under 2048 bits, bad
// exponents or ROCA-weak moduli; RSA private keys without all CRT members
// or with "oth"; OKP curves other than Ed25519/Ed448; HMAC secrets shorter
// than the hash of their alg (an oct key needs "alg"); a kid longer than
// kMaxKidLength.
absl::StatusOr<std::optional<Jwk>> ParseJwk(const Json& jwk);

}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_JWK_H_
