#ifndef JWTD_SERVER_JOSE_KEY_MATERIAL_H_
#define JWTD_SERVER_JOSE_KEY_MATERIAL_H_

#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/ecdsa.h"
#include "server/crypto/eddsa.h"
#include "server/crypto/rsa.h"
#include "server/crypto/signature.h"
#include "server/jose/algorithm.h"

namespace jwtd::jose {

// A public key of any family jwtd verifies with.
using PublicKey = std::variant<crypto::EcPublicKey, crypto::RsaPublicKey,
                               crypto::EdPublicKey>;

// A private key of any family jwtd signs with.
using PrivateKey = std::variant<crypto::EcPrivateKey, crypto::RsaPrivateKey,
                                crypto::EdPrivateKey>;

// The secret of an HMAC key (JWK kty "oct"). Never published.
struct SecretKey {
  std::string bytes;
};

PublicKey PublicKeyOf(const PrivateKey& key);

// OK when `key` may be used with `alg`: ES256/384/512 need a P-256/384/521
// key, RS* and PS* an RSA key, EdDSA an Ed25519 or Ed448 key. The algorithm
// is bound to the key here, once; tokens never choose it. INVALID_ARGUMENT
// otherwise.
absl::Status CheckKeyFitsAlgorithm(const PublicKey& key, JwsAlgorithm alg);

// The only algorithm a key can have when its JWK names none: ES* from the
// curve, EdDSA for Ed keys; nullopt for RSA (RS* or PS*: ambiguous).
std::optional<JwsAlgorithm> ImpliedAlgorithm(const PublicKey& key);

// Size of RSA keys that GeneratePrivateKey makes.
inline constexpr int kGeneratedRsaBits = 2048;

// A fresh private key for `alg`: the ES* curve, an RSA key of
// kGeneratedRsaBits for RS*/PS*, Ed25519 for EdDSA. INVALID_ARGUMENT for
// HMAC algorithms (secrets are not generated as key pairs).
absl::StatusOr<PrivateKey> GeneratePrivateKey(JwsAlgorithm alg);

// Reads an unencrypted PEM private key of any supported family (PKCS#8,
// SEC1 or PKCS#1), with that family's checks (curve, RSA size, ...).
absl::StatusOr<PrivateKey> PrivateKeyFromPem(absl::string_view pem);

// Reads a PEM public key of any supported family: "PUBLIC KEY"
// (SubjectPublicKeyInfo holding an EC key on P-256/384/521, an RSA key, or
// an Ed25519/Ed448 key) or "RSA PUBLIC KEY" (PKCS#1), with that family's
// checks (point on the curve, RSA size, exponent and ROCA). The label of the
// first PEM block decides; only that block is read. INVALID_ARGUMENT
// otherwise (for an SPKI of no supported family, naming each family's
// reason).
absl::StatusOr<PublicKey> PublicKeyFromPem(absl::string_view pem);

// PKCS#8 PEM of a private key.
absl::StatusOr<std::string> PrivateKeyToPem(const PrivateKey& key);

// A verifier / signer for `alg`. Require CheckKeyFitsAlgorithm(key, alg).
std::unique_ptr<crypto::Verifier> NewVerifier(const PublicKey& key,
                                              JwsAlgorithm alg);
std::unique_ptr<crypto::Signer> NewSigner(const PrivateKey& key,
                                          JwsAlgorithm alg);

}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_KEY_MATERIAL_H_
