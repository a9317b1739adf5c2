#include "server/jose/key_material.h"

#include "absl/strings/str_cat.h"
#include "server/crypto/pem.h"
#include "server/jose/jwk.h"
#include "server/util/overloaded.h"

namespace jwtd::jose {
namespace {

crypto::RsaPadding PaddingOf(JwsAlgorithm alg) {
  return FamilyOf(alg) == KeyFamily::kRsaPss ? crypto::RsaPadding::kPss
                                             : crypto::RsaPadding::kPkcs1v15;
}

absl::Status Unfit(absl::string_view what, JwsAlgorithm alg) {
  return absl::InvalidArgumentError(
      absl::StrCat(what, " cannot be used for ", JwsAlgorithmName(alg)));
}

}  // namespace

PublicKey PublicKeyOf(const PrivateKey& key) {
  return std::visit([](const auto& k) -> PublicKey { return k.public_key(); },
                    key);
}

absl::Status CheckKeyFitsAlgorithm(const PublicKey& key, JwsAlgorithm alg) {
  const KeyFamily family = FamilyOf(alg);
  return std::visit(
      Overloaded{
          [&](const crypto::EcPublicKey& ec) -> absl::Status {
            if (family != KeyFamily::kEcdsa || CurveOf(alg) != ec.curve()) {
              return Unfit(
                  absl::StrCat("a ", JwkCurveName(ec.curve()), " key"), alg);
            }
            return absl::OkStatus();
          },
          [&](const crypto::RsaPublicKey&) -> absl::Status {
            if (family != KeyFamily::kRsaPkcs1 &&
                family != KeyFamily::kRsaPss) {
              return Unfit("an RSA key", alg);
            }
            return absl::OkStatus();
          },
          [&](const crypto::EdPublicKey& ed) -> absl::Status {
            if (family != KeyFamily::kEdDsa) {
              return Unfit(
                  absl::StrCat("an ", JwkOkpCurveName(ed.curve()), " key"),
                  alg);
            }
            return absl::OkStatus();
          },
      },
      key);
}

std::optional<JwsAlgorithm> ImpliedAlgorithm(const PublicKey& key) {
  return std::visit(
      Overloaded{
          [](const crypto::EcPublicKey& ec) -> std::optional<JwsAlgorithm> {
            switch (ec.curve()) {
              case crypto::EcCurve::kP256:
                return JwsAlgorithm::kES256;
              case crypto::EcCurve::kP384:
                return JwsAlgorithm::kES384;
              case crypto::EcCurve::kP521:
                return JwsAlgorithm::kES512;
            }
            return std::nullopt;
          },
          [](const crypto::RsaPublicKey&) -> std::optional<JwsAlgorithm> {
            return std::nullopt;
          },
          [](const crypto::EdPublicKey&) -> std::optional<JwsAlgorithm> {
            return JwsAlgorithm::kEdDSA;
          },
      },
      key);
}

absl::StatusOr<PrivateKey> GeneratePrivateKey(JwsAlgorithm alg) {
  auto wrap = [](auto key) -> absl::StatusOr<PrivateKey> {
    if (!key.ok()) return key.status();
    return PrivateKey(*std::move(key));
  };
  switch (FamilyOf(alg)) {
    case KeyFamily::kEcdsa:
      return wrap(crypto::EcPrivateKey::Generate(*CurveOf(alg)));
    case KeyFamily::kRsaPkcs1:
    case KeyFamily::kRsaPss:
      return wrap(crypto::RsaPrivateKey::Generate(kGeneratedRsaBits));
    case KeyFamily::kEdDsa:
      return wrap(crypto::EdPrivateKey::Generate(crypto::EdCurve::kEd25519));
    case KeyFamily::kHmac:
      break;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("no key pair can be generated for ", JwsAlgorithmName(alg)));
}

absl::StatusOr<PrivateKey> PrivateKeyFromPem(absl::string_view pem) {
  absl::StatusOr<crypto::PemKeyType> type = crypto::PrivateKeyPemType(pem);
  if (!type.ok()) return type.status();
  auto wrap = [](auto key) -> absl::StatusOr<PrivateKey> {
    if (!key.ok()) return key.status();
    return PrivateKey(*std::move(key));
  };
  switch (*type) {
    case crypto::PemKeyType::kEc:
      return wrap(crypto::EcPrivateKey::FromPem(pem));
    case crypto::PemKeyType::kRsa:
      return wrap(crypto::RsaPrivateKey::FromPem(pem));
    case crypto::PemKeyType::kEd25519:
    case crypto::PemKeyType::kEd448:
      return wrap(crypto::EdPrivateKey::FromPem(pem));
  }
  return absl::InvalidArgumentError("unsupported private key type");
}

absl::StatusOr<PublicKey> PublicKeyFromPem(absl::string_view pem) {
  constexpr absl::string_view kBegin = "-----BEGIN ";
  const size_t begin = pem.find(kBegin);
  const size_t label_end = begin == absl::string_view::npos
                               ? absl::string_view::npos
                               : pem.find("-----", begin + kBegin.size());
  if (label_end == absl::string_view::npos) {
    return absl::InvalidArgumentError("not a PEM public key");
  }
  const absl::string_view label =
      pem.substr(begin + kBegin.size(), label_end - begin - kBegin.size());
  if (label == "RSA PUBLIC KEY") {  // PKCS#1: RSA only.
    absl::StatusOr<crypto::RsaPublicKey> rsa =
        crypto::RsaPublicKey::FromPem(pem);
    if (!rsa.ok()) return rsa.status();
    return PublicKey(*std::move(rsa));
  }
  if (label != "PUBLIC KEY") {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected a PEM PUBLIC KEY or RSA PUBLIC KEY, got ", label));
  }
  // The SubjectPublicKeyInfo names its algorithm and each family's importer
  // refuses the others', so at most one of them accepts the key.
  absl::StatusOr<crypto::EcPublicKey> ec = crypto::EcPublicKey::FromPem(pem);
  if (ec.ok()) return PublicKey(*std::move(ec));
  absl::StatusOr<crypto::RsaPublicKey> rsa = crypto::RsaPublicKey::FromPem(pem);
  if (rsa.ok()) return PublicKey(*std::move(rsa));
  absl::StatusOr<crypto::EdPublicKey> ed = crypto::EdPublicKey::FromPem(pem);
  if (ed.ok()) return PublicKey(*std::move(ed));
  return absl::InvalidArgumentError(absl::StrCat(
      "unsupported PEM public key (EC: ", ec.status().message(), "; RSA: ",
      rsa.status().message(), "; EdDSA: ", ed.status().message(), ")"));
}

absl::StatusOr<std::string> PrivateKeyToPem(const PrivateKey& key) {
  return std::visit([](const auto& k) { return k.ToPkcs8Pem(); }, key);
}

std::unique_ptr<crypto::Verifier> NewVerifier(const PublicKey& key,
                                              JwsAlgorithm alg) {
  return std::visit(
      Overloaded{
          [&](const crypto::EcPublicKey& ec) {
            return ec.NewVerifier(HashOf(alg));
          },
          [&](const crypto::RsaPublicKey& rsa) {
            return rsa.NewVerifier(HashOf(alg), PaddingOf(alg));
          },
          [&](const crypto::EdPublicKey& ed) { return ed.NewVerifier(); },
      },
      key);
}

std::unique_ptr<crypto::Signer> NewSigner(const PrivateKey& key,
                                          JwsAlgorithm alg) {
  return std::visit(
      Overloaded{
          [&](const crypto::EcPrivateKey& ec) {
            return ec.NewSigner(HashOf(alg));
          },
          [&](const crypto::RsaPrivateKey& rsa) {
            return rsa.NewSigner(HashOf(alg), PaddingOf(alg));
          },
          [&](const crypto::EdPrivateKey& ed) { return ed.NewSigner(); },
      },
      key);
}

}  // namespace jwtd::jose
