#ifndef JWTD_SERVER_JOSE_KEYS_H_
#define JWTD_SERVER_JOSE_KEYS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/signature.h"
#include "server/jose/algorithm.h"
#include "server/jose/json.h"
#include "server/jose/key_material.h"

namespace jwtd::jose {

// Longest accepted `kid`, in bytes. A kid is an opaque map key, never a path.
inline constexpr size_t kMaxKidLength = 256;

// A key that verifies tokens of exactly one algorithm: the algorithm comes
// from the key, never from the token. Immutable and shared between
// snapshots.
class VerificationKey {
 public:
  // A public key for `alg` (CheckKeyFitsAlgorithm decides). `kid` must be
  // 1..kMaxKidLength bytes of valid UTF-8 (as every kid below).
  static absl::StatusOr<std::shared_ptr<const VerificationKey>> Create(
      const PublicKey& key, JwsAlgorithm alg, std::string kid);
  // An HMAC secret (kty=oct); at least the hash length (RFC 7518 3.2).
  // Secret keys are never published in a JWKS.
  static absl::StatusOr<std::shared_ptr<const VerificationKey>> FromSecret(
      absl::string_view secret, JwsAlgorithm alg, std::string kid);

  const std::string& kid() const { return kid_; }
  JwsAlgorithm alg() const { return alg_; }
  const crypto::Verifier& verifier() const { return *verifier_; }
  // The public JWK (with kid, alg and use=sig), or null for secret keys.
  const Json& public_jwk() const { return public_jwk_; }

 private:
  VerificationKey(std::string kid, JwsAlgorithm alg,
                  std::unique_ptr<crypto::Verifier> verifier, Json public_jwk);

  std::string kid_;
  JwsAlgorithm alg_;
  std::unique_ptr<crypto::Verifier> verifier_;
  Json public_jwk_;
};

// Signs tokens with one private or secret key; exposes its kid and alg and
// never its key bytes (room for PKCS#11 or a KMS behind the same type).
class SigningKey {
 public:
  // A private key for `alg` (CheckKeyFitsAlgorithm decides). Empty `kid`:
  // the RFC 7638 thumbprint of the public key.
  static absl::StatusOr<std::shared_ptr<const SigningKey>> Create(
      const PrivateKey& key, JwsAlgorithm alg, std::string kid = "");
  // An HMAC secret of at least the hash length; `kid` is required.
  static absl::StatusOr<std::shared_ptr<const SigningKey>> FromSecret(
      absl::string_view secret, JwsAlgorithm alg, std::string kid);

  const std::string& kid() const { return kid_; }
  JwsAlgorithm alg() const { return alg_; }
  const crypto::Signer& signer() const { return *signer_; }

 private:
  SigningKey(std::string kid, JwsAlgorithm alg,
             std::unique_ptr<crypto::Signer> signer);

  std::string kid_;
  JwsAlgorithm alg_;
  std::unique_ptr<crypto::Signer> signer_;
};

}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_KEYS_H_
