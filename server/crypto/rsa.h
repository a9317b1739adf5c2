#ifndef JWTD_SERVER_CRYPTO_RSA_H_
#define JWTD_SERVER_CRYPTO_RSA_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/signature.h"

namespace jwtd::crypto {

// RSA signature schemes used by JWS (RFC 7518 sections 3.3 and 3.5):
// RS256/384/512 are RSASSA-PKCS1-v1_5, PS256/384/512 are RSASSA-PSS with
// MGF1 over the same hash and a salt as long as the hash.
enum class RsaPadding { kPkcs1v15, kPss };

// Limits on the modulus size, in bits. DESIGN.md: RSA keys are at least
// 2048 bits; 16384 is OpenSSL's own ceiling for verification.
inline constexpr int kMinRsaModulusBits = 2048;
inline constexpr int kMaxRsaModulusBits = 16384;

// An RSA public key. Copyable (copies share one immutable OpenSSL key),
// thread-safe.
//
// Every constructor enforces the same rules, with INVALID_ARGUMENT otherwise:
//  - the modulus n is odd and has kMinRsaModulusBits..kMaxRsaModulusBits
//    bits;
//  - the public exponent e is odd, at least 3, smaller than n and at most
//    64 bits long (so e = 1 and even exponents are refused; OpenSSL itself
//    refuses exponents over 64 bits for moduli over 3072 bits, and real keys
//    use 65537);
//  - n does not have the ROCA fingerprint (roca.h).
// Keys whose SubjectPublicKeyInfo carries the id-RSASSA-PSS OID (OpenSSL's
// "RSA-PSS" key type, with optional parameter restrictions) are refused: the
// JWS algorithm comes from our key configuration, and PS* works with
// ordinary rsaEncryption keys, so one key type keeps the rules simple.
class RsaPublicKey {
 public:
  // From the JWK members "n" and "e": unsigned big-endian bytes. Leading zero
  // bytes are tolerated and dropped (n() and e() return the minimal form).
  static absl::StatusOr<RsaPublicKey> FromComponents(absl::string_view n,
                                                     absl::string_view e);
  // From PEM: "PUBLIC KEY" (SubjectPublicKeyInfo, rsaEncryption) or
  // "RSA PUBLIC KEY" (PKCS#1 RSAPublicKey). Only the first PEM block is read.
  static absl::StatusOr<RsaPublicKey> FromPem(absl::string_view pem);

  // Size of the modulus in bits (e.g. 2048).
  int bits() const { return bits_; }
  // Modulus and public exponent as minimal unsigned big-endian bytes (no
  // leading zero byte), ready for base64url in a JWK.
  const std::string& n() const { return n_; }
  const std::string& e() const { return e_; }
  // PEM SubjectPublicKeyInfo ("PUBLIC KEY").
  absl::StatusOr<std::string> ToPem() const;

  // A verifier for RS* (kPkcs1v15) or PS* (kPss) with `hash`. The signature
  // must be exactly as long as the modulus (in bytes); for PSS, MGF1 uses
  // `hash` too and the salt must be exactly DigestLength(hash) bytes — a
  // signature made with any other salt length fails. Every failure is
  // UNAUTHENTICATED.
  std::unique_ptr<Verifier> NewVerifier(HashFunction hash,
                                        RsaPadding padding) const;

 private:
  struct Key;
  RsaPublicKey(std::shared_ptr<const Key> key, int bits, std::string n,
               std::string e);

  std::shared_ptr<const Key> key_;
  int bits_;
  std::string n_;
  std::string e_;

  friend class RsaPrivateKey;
};

// An RSA private key with its CRT parameters. Copyable (shares the immutable
// OpenSSL key), thread-safe. Its public half obeys the RsaPublicKey rules;
// every import also runs OpenSSL's key-pair check (p and q prime, n = p*q,
// d, dp, dq and qi consistent with e), so a corrupted key is refused with
// INVALID_ARGUMENT. Keys with more than two primes are not supported.
class RsaPrivateKey {
 public:
  // A fresh key with e = 65537 from OpenSSL's CSPRNG. `bits` must be in
  // [kMinRsaModulusBits, kMaxRsaModulusBits] (INVALID_ARGUMENT otherwise).
  // Slow: about 0.1 s for 2048 bits and about 1 s for 4096 here.
  static absl::StatusOr<RsaPrivateKey> Generate(int bits);
  // From PEM: "PRIVATE KEY" (PKCS#8, rsaEncryption) or "RSA PRIVATE KEY"
  // (PKCS#1). Encrypted keys are refused (never prompts for a passphrase).
  static absl::StatusOr<RsaPrivateKey> FromPem(absl::string_view pem);
  // From the JWK private members (RFC 7518 section 6.3.2), all unsigned
  // big-endian bytes. All eight are required: the CRT members (p, q, dp, dq,
  // qi) are what OpenSSL signs with, and JWK import without them is not
  // supported (INVALID_ARGUMENT when one is empty).
  static absl::StatusOr<RsaPrivateKey> FromComponents(
      absl::string_view n, absl::string_view e, absl::string_view d,
      absl::string_view p, absl::string_view q, absl::string_view dp,
      absl::string_view dq, absl::string_view qi);

  int bits() const { return public_key_.bits(); }
  const RsaPublicKey& public_key() const { return public_key_; }
  // Unencrypted PKCS#8 PEM ("PRIVATE KEY"). The caller stores it with a
  // restrictive mode.
  absl::StatusOr<std::string> ToPkcs8Pem() const;

  // A signer for RS* (kPkcs1v15, deterministic) or PS* (kPss: MGF1 with
  // `hash`, random salt of DigestLength(hash) bytes). Signatures are as long
  // as the modulus in bytes.
  std::unique_ptr<Signer> NewSigner(HashFunction hash,
                                    RsaPadding padding) const;

 private:
  struct Key;
  RsaPrivateKey(std::shared_ptr<const Key> key, RsaPublicKey public_key);

  std::shared_ptr<const Key> key_;
  RsaPublicKey public_key_;
};

}  // namespace jwtd::crypto

#endif  // JWTD_SERVER_CRYPTO_RSA_H_
