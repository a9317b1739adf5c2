#ifndef JWTD_SERVER_CRYPTO_EDDSA_H_
#define JWTD_SERVER_CRYPTO_EDDSA_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/signature.h"

namespace jwtd::crypto {

// Curves for JWS "EdDSA" (RFC 8037): pure Ed25519, and pure Ed448 with an
// empty context (RFC 8032).
enum class EdCurve { kEd25519, kEd448 };

// Length in bytes of a raw public key: 32 or 57.
size_t EdPublicKeyLength(EdCurve curve);
// Length in bytes of a raw private key (the RFC 8032 secret seed, the JWK
// "d" member): 32 or 57.
size_t EdPrivateKeyLength(EdCurve curve);
// Length in bytes of a signature: 64 or 114.
size_t EdSignatureLength(EdCurve curve);

// An EdDSA public key. Copyable (shares the immutable OpenSSL key),
// thread-safe.
class EdPublicKey {
 public:
  // From the raw public key (the JWK "x" member), exactly
  // EdPublicKeyLength(curve) bytes; INVALID_ARGUMENT otherwise. As in
  // OpenSSL, the bytes are not checked to decode to a curve point here; a
  // key that does not decode verifies no signature.
  static absl::StatusOr<EdPublicKey> FromRaw(EdCurve curve,
                                             absl::string_view bytes);
  // From a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) holding an Ed25519 or
  // Ed448 key. INVALID_ARGUMENT for any other key type (X25519 included).
  static absl::StatusOr<EdPublicKey> FromPem(absl::string_view pem);

  EdCurve curve() const { return curve_; }
  // The raw public key, EdPublicKeyLength(curve()) bytes.
  const std::string& raw() const { return raw_; }
  // PEM SubjectPublicKeyInfo.
  absl::StatusOr<std::string> ToPem() const;

  // A verifier for JWS EdDSA: the signature must be exactly
  // EdSignatureLength(curve()) bytes and valid under RFC 8032, which includes
  // refusing a non-canonical S (S >= L, the malleable form). Every failure is
  // UNAUTHENTICATED.
  std::unique_ptr<Verifier> NewVerifier() const;

 private:
  struct Key;
  EdPublicKey(EdCurve curve, std::shared_ptr<const Key> key, std::string raw);

  EdCurve curve_;
  std::shared_ptr<const Key> key_;
  std::string raw_;

  friend class EdPrivateKey;
};

// An EdDSA private key. Copyable (shares the immutable OpenSSL key),
// thread-safe.
class EdPrivateKey {
 public:
  // A fresh key from OpenSSL's CSPRNG.
  static absl::StatusOr<EdPrivateKey> Generate(EdCurve curve);
  // From a PEM "PRIVATE KEY" (PKCS#8) holding an Ed25519 or Ed448 key.
  // INVALID_ARGUMENT for any other key type, an encrypted key, or a key whose
  // embedded public key does not match its private key.
  static absl::StatusOr<EdPrivateKey> FromPem(absl::string_view pem);
  // From the raw private key (the JWK "d" member), exactly
  // EdPrivateKeyLength(curve) bytes. The public key is derived from it.
  static absl::StatusOr<EdPrivateKey> FromRaw(EdCurve curve,
                                              absl::string_view bytes);

  EdCurve curve() const { return public_key_.curve(); }
  const EdPublicKey& public_key() const { return public_key_; }
  // Unencrypted PKCS#8 PEM. The caller stores it with a restrictive mode.
  absl::StatusOr<std::string> ToPkcs8Pem() const;

  // A signer producing EdSignatureLength(curve()) bytes (deterministic).
  std::unique_ptr<Signer> NewSigner() const;

 private:
  struct Key;
  EdPrivateKey(std::shared_ptr<const Key> key, EdPublicKey public_key);

  std::shared_ptr<const Key> key_;
  EdPublicKey public_key_;
};

}  // namespace jwtd::crypto

#endif  // JWTD_SERVER_CRYPTO_EDDSA_H_
