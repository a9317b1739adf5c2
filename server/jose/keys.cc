#include "server/jose/keys.h"

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
  return absl::OkStatus();
}

absl::Status CheckCurve(crypto::EcCurve curve, JwsAlgorithm alg) {
  std::optional<crypto::EcCurve> wanted = CurveOf(alg);
  if (!wanted.has_value() || *wanted != curve) {
    return absl::InvalidArgumentError(absl::StrCat("an ", JwkCurveName(curve),
                                                   " key cannot be used for ",
                                                   JwsAlgorithmName(alg)));
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

absl::StatusOr<std::shared_ptr<const VerificationKey>> VerificationKey::FromEc(
    const crypto::EcPublicKey& key, JwsAlgorithm alg, std::string kid) {
  if (absl::Status s = CheckCurve(key.curve(), alg); !s.ok()) return s;
  if (absl::Status s = CheckKid(kid); !s.ok()) return s;
  Json jwk = EcPublicJwk(key, alg, kid);
  return std::shared_ptr<const VerificationKey>(new VerificationKey(
      std::move(kid), alg, key.NewVerifier(HashOf(alg)), std::move(jwk)));
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

absl::StatusOr<std::shared_ptr<const SigningKey>> SigningKey::FromEc(
    const crypto::EcPrivateKey& key, JwsAlgorithm alg, std::string kid) {
  if (absl::Status s = CheckCurve(key.curve(), alg); !s.ok()) return s;
  if (kid.empty()) kid = EcThumbprint(key.public_key());
  if (absl::Status s = CheckKid(kid); !s.ok()) return s;
  return std::shared_ptr<const SigningKey>(
      new SigningKey(std::move(kid), alg, key.NewSigner(HashOf(alg))));
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
