#include "server/jose/jwk.h"

#include "absl/strings/str_cat.h"
#include "server/crypto/digest.h"
#include "server/jose/base64url.h"
#include "server/util/json_string.h"

namespace jwtd::jose {

absl::string_view JwkCurveName(crypto::EcCurve curve) {
  switch (curve) {
    case crypto::EcCurve::kP256:
      return "P-256";
    case crypto::EcCurve::kP384:
      return "P-384";
    case crypto::EcCurve::kP521:
      return "P-521";
  }
  return "";
}

std::optional<crypto::EcCurve> CurveOf(JwsAlgorithm alg) {
  switch (alg) {
    case JwsAlgorithm::kES256:
      return crypto::EcCurve::kP256;
    case JwsAlgorithm::kES384:
      return crypto::EcCurve::kP384;
    case JwsAlgorithm::kES512:
      return crypto::EcCurve::kP521;
    default:
      return std::nullopt;
  }
}

Json EcPublicJwk(const crypto::EcPublicKey& key, JwsAlgorithm alg,
                 absl::string_view kid) {
  Json jwk = Json::EmptyObject();
  jwk.Set("kty", Json::String("EC"));
  jwk.Set("crv", Json::String(std::string(JwkCurveName(key.curve()))));
  jwk.Set("x", Json::String(Base64UrlEncode(key.x())));
  jwk.Set("y", Json::String(Base64UrlEncode(key.y())));
  jwk.Set("kid", Json::String(std::string(kid)));
  jwk.Set("alg", Json::String(std::string(JwsAlgorithmName(alg))));
  jwk.Set("use", Json::String("sig"));
  return jwk;
}

std::string EcThumbprint(const crypto::EcPublicKey& key) {
  // RFC 7638 section 3.2: the required members only, in lexicographic
  // order, no whitespace.
  std::string canonical = absl::StrCat(
      "{\"crv\":", JsonQuote(JwkCurveName(key.curve())),
      ",\"kty\":\"EC\",\"x\":", JsonQuote(Base64UrlEncode(key.x())),
      ",\"y\":", JsonQuote(Base64UrlEncode(key.y())), "}");
  return Base64UrlEncode(
      crypto::Digest(crypto::HashFunction::kSha256, canonical));
}

}  // namespace jwtd::jose
