#include "server/jose/keys.h"

#include <simdjson.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/crypto/hmac.h"
#include "server/jose/jwk.h"

namespace jwtd::jose {
namespace {

absl::Status CheckKid(absl::string_view kid) {
  if (kid.empty() || kid.size() > kMaxKidLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("kid must be 1 to ", kMaxKidLength, " bytes"));
  }
  // The kid goes into JSON headers and JWKS documents, which are UTF-8.
  if (!simdjson::validate_utf8(kid.data(), kid.size())) {
    return absl::InvalidArgumentError("kid must be valid UTF-8");
  }
  return absl::OkStatus();
}

absl::Status CheckHmac(JwsAlgorithm alg) {
  if (!IsHmac(alg)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a secret key cannot be used for ", JwsAlgorithmName(alg)));
  }
  return absl::OkStatus();
}

}  // namespace

VerificationKey::VerificationKey(std::string kid, JwsAlgorithm alg,
                                 std::unique_ptr<crypto::Verifier> verifier,
                                 Json public_jwk)
    : kid_(std::move(kid)),
      alg_(alg),
      verifier_(std::move(verifier)),
      public_jwk_(std::move(public_jwk)) {}

absl::StatusOr<std::shared_ptr<const VerificationKey>> VerificationKey::Create(
    const PublicKey& key, JwsAlgorithm alg, std::string kid) {
  if (absl::Status s = CheckKeyFitsAlgorithm(key, alg); !s.ok()) return s;
  if (absl::Status s = CheckKid(kid); !s.ok()) return s;
  Json jwk = PublicJwk(key, alg, kid);
  return std::shared_ptr<const VerificationKey>(new VerificationKey(
      std::move(kid), alg, NewVerifier(key, alg), std::move(jwk)));
}

absl::StatusOr<std::shared_ptr<const VerificationKey>>
VerificationKey::FromSecret(absl::string_view secret, JwsAlgorithm alg,
                            std::string kid) {
  if (absl::Status s = CheckHmac(alg); !s.ok()) return s;
  if (absl::Status s = CheckKid(kid); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<crypto::HmacKey>> hmac =
      crypto::HmacKey::Create(HashOf(alg), secret);
  if (!hmac.ok()) return hmac.status();
  return std::shared_ptr<const VerificationKey>(
      new VerificationKey(std::move(kid), alg, *std::move(hmac), Json()));
}

SigningKey::SigningKey(std::string kid, JwsAlgorithm alg,
                       std::unique_ptr<crypto::Signer> signer)
    : kid_(std::move(kid)), alg_(alg), signer_(std::move(signer)) {}

absl::StatusOr<std::shared_ptr<const SigningKey>> SigningKey::Create(
    const PrivateKey& key, JwsAlgorithm alg, std::string kid) {
  const PublicKey public_key = PublicKeyOf(key);
  if (absl::Status s = CheckKeyFitsAlgorithm(public_key, alg); !s.ok()) {
    return s;
  }
  if (kid.empty()) kid = Thumbprint(public_key);
  if (absl::Status s = CheckKid(kid); !s.ok()) return s;
  return std::shared_ptr<const SigningKey>(
      new SigningKey(std::move(kid), alg, NewSigner(key, alg)));
}

absl::StatusOr<std::shared_ptr<const SigningKey>> SigningKey::FromSecret(
    absl::string_view secret, JwsAlgorithm alg, std::string kid) {
  if (absl::Status s = CheckHmac(alg); !s.ok()) return s;
  if (absl::Status s = CheckKid(kid); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<crypto::HmacKey>> hmac =
      crypto::HmacKey::Create(HashOf(alg), secret);
  if (!hmac.ok()) return hmac.status();
  return std::shared_ptr<const SigningKey>(
      new SigningKey(std::move(kid), alg, *std::move(hmac)));
}

}  // namespace jwtd::jose
