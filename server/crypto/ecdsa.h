#ifndef JWTD_SERVER_CRYPTO_ECDSA_H_
#define JWTD_SERVER_CRYPTO_ECDSA_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/signature.h"

namespace jwtd::crypto {

// NIST curves used by JWS ES256 / ES384 / ES512.
enum class EcCurve { kP256, kP384, kP521 };

// Length in bytes of one coordinate or scalar: 32, 48 or 66.
size_t CoordinateLength(EcCurve curve);

// An ECDSA public key on one of the NIST curves. Copyable (shares the
// underlying immutable OpenSSL key), thread-safe.
class EcPublicKey {
 public:
  // From affine coordinates, each exactly CoordinateLength(curve) bytes,
  // big-endian. INVALID_ARGUMENT for a wrong length or a point that is not
  // on the curve (or is the point at infinity).
  static absl::StatusOr<EcPublicKey> FromCoordinates(EcCurve curve,
                                                     absl::string_view x,
                                                     absl::string_view y);
  // From a PEM "PUBLIC KEY" (SubjectPublicKeyInfo). INVALID_ARGUMENT when it
  // is not an EC key on a supported curve.
  static absl::StatusOr<EcPublicKey> FromPem(absl::string_view pem);

  EcCurve curve() const { return curve_; }
  // Affine coordinates, each CoordinateLength(curve()) bytes, big-endian.
  const std::string& x() const { return x_; }
  const std::string& y() const { return y_; }
  // PEM SubjectPublicKeyInfo.
  absl::StatusOr<std::string> ToPem() const;

  // A verifier for JWS ECDSA signatures with `hash`: the signature must be
  // raw R||S of exactly 2 * CoordinateLength(curve()) bytes with r and s in
  // [1, n-1]; anything else (DER included) fails with UNAUTHENTICATED.
  std::unique_ptr<Verifier> NewVerifier(HashFunction hash) const;

 private:
  struct Key;
  EcPublicKey(EcCurve curve, std::shared_ptr<const Key> key, std::string x,
              std::string y);

  EcCurve curve_;
  std::shared_ptr<const Key> key_;
  std::string x_;
  std::string y_;

  friend class EcPrivateKey;
};

// An ECDSA private key. Copyable (shares the immutable OpenSSL key).
class EcPrivateKey {
 public:
  // A fresh key from OpenSSL's CSPRNG.
  static absl::StatusOr<EcPrivateKey> Generate(EcCurve curve);
  // From PEM: "PRIVATE KEY" (PKCS#8) or "EC PRIVATE KEY" (SEC1).
  // INVALID_ARGUMENT when it is not an EC key on a supported curve, or the
  // private scalar does not match the public point.
  static absl::StatusOr<EcPrivateKey> FromPem(absl::string_view pem);
  // From the private scalar `d` (the JWK "d" member): big-endian, exactly
  // CoordinateLength(curve) bytes, in [1, n-1]. The public point is derived
  // from it. INVALID_ARGUMENT for a wrong length or an out-of-range scalar.
  static absl::StatusOr<EcPrivateKey> FromScalar(EcCurve curve,
                                                 absl::string_view d);

  EcCurve curve() const { return public_key_.curve(); }
  const EcPublicKey& public_key() const { return public_key_; }
  // Unencrypted PKCS#8 PEM. The caller stores it with restrictive mode.
  absl::StatusOr<std::string> ToPkcs8Pem() const;

  // A signer producing raw R||S signatures (2 * CoordinateLength bytes)
  // over the `hash` of the data.
  std::unique_ptr<Signer> NewSigner(HashFunction hash) const;

 private:
  struct Key;
  EcPrivateKey(std::shared_ptr<const Key> key, EcPublicKey public_key);

  std::shared_ptr<const Key> key_;
  EcPublicKey public_key_;
};

}  // namespace jwtd::crypto

#endif  // JWTD_SERVER_CRYPTO_ECDSA_H_
