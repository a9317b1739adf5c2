#include "server/jose/jwk.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/crypto/digest.h"
#include "server/jose/base64url.h"
#include "server/jose/keys.h"
#include "server/util/json_string.h"
#include "server/util/overloaded.h"

namespace jwtd::jose {
namespace {

absl::Status Bad(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid JWK: ", why));
}

// A string member, or nullopt when absent; error when not a string.
absl::StatusOr<std::optional<std::string>> OptionalString(
    const Json& jwk, absl::string_view name) {
  const Json* value = jwk.Find(name);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) {
    return Bad(absl::StrCat("\"", name, "\" is not a string"));
  }
  return std::optional<std::string>(value->string_value());
}

// A required base64url member, decoded.
absl::StatusOr<std::string> RequiredBytes(const Json& jwk,
                                          absl::string_view name) {
  absl::StatusOr<std::optional<std::string>> text = OptionalString(jwk, name);
  if (!text.ok()) return text.status();
  if (!text->has_value()) {
    return Bad(absl::StrCat("\"", name, "\" is missing"));
  }
  absl::StatusOr<std::string> bytes = Base64UrlDecode(**text);
  if (!bytes.ok()) {
    return Bad(absl::StrCat("\"", name, "\": ", bytes.status().message()));
  }
  return bytes;
}

absl::Status Wrap(const absl::Status& status) {
  if (status.ok()) return status;
  return Bad(status.message());
}

bool Has(const Json& jwk, absl::string_view name) {
  return jwk.Find(name) != nullptr;
}

// False when "use" or "key_ops" say this key is not for signatures.
absl::StatusOr<bool> IsSignatureKey(const Json& jwk) {
  absl::StatusOr<std::optional<std::string>> use = OptionalString(jwk, "use");
  if (!use.ok()) return use.status();
  if (use->has_value() && **use != "sig") return false;
  const Json* ops = jwk.Find("key_ops");
  if (ops == nullptr) return true;
  if (!ops->is_array()) return Bad("\"key_ops\" is not an array");
  bool signs = false;
  for (const Json& op : ops->array()) {
    if (!op.is_string()) return Bad("\"key_ops\" holds a non-string");
    if (op.string_value() == "sign" || op.string_value() == "verify") {
      signs = true;
    }
  }
  return signs;
}

absl::StatusOr<std::optional<crypto::EcCurve>> EcCurveFromName(
    absl::string_view name) {
  for (crypto::EcCurve curve : {crypto::EcCurve::kP256, crypto::EcCurve::kP384,
                                crypto::EcCurve::kP521}) {
    if (JwkCurveName(curve) == name) return std::optional(curve);
  }
  return std::optional<crypto::EcCurve>();
}

absl::StatusOr<std::variant<PublicKey, PrivateKey, SecretKey>> ParseEc(
    const Json& jwk) {
  absl::StatusOr<std::optional<std::string>> crv = OptionalString(jwk, "crv");
  if (!crv.ok()) return crv.status();
  if (!crv->has_value()) return Bad("EC key without \"crv\"");
  absl::StatusOr<std::optional<crypto::EcCurve>> curve = EcCurveFromName(**crv);
  if (!curve->has_value()) {
    return Bad(absl::StrCat("unsupported EC curve ", JsonQuote(**crv)));
  }
  absl::StatusOr<std::string> x = RequiredBytes(jwk, "x");
  if (!x.ok()) return x.status();
  absl::StatusOr<std::string> y = RequiredBytes(jwk, "y");
  if (!y.ok()) return y.status();
  absl::StatusOr<crypto::EcPublicKey> public_key =
      crypto::EcPublicKey::FromCoordinates(**curve, *x, *y);
  if (!public_key.ok()) return Wrap(public_key.status());
  if (!Has(jwk, "d")) return PublicKey(*std::move(public_key));

  absl::StatusOr<std::string> d = RequiredBytes(jwk, "d");
  if (!d.ok()) return d.status();
  absl::StatusOr<crypto::EcPrivateKey> private_key =
      crypto::EcPrivateKey::FromScalar(**curve, *d);
  if (!private_key.ok()) return Wrap(private_key.status());
  if (private_key->public_key().x() != *x ||
      private_key->public_key().y() != *y) {
    return Bad("EC private key does not match its public point");
  }
  return PrivateKey(*std::move(private_key));
}

absl::StatusOr<std::variant<PublicKey, PrivateKey, SecretKey>> ParseRsa(
    const Json& jwk) {
  absl::StatusOr<std::string> n = RequiredBytes(jwk, "n");
  if (!n.ok()) return n.status();
  absl::StatusOr<std::string> e = RequiredBytes(jwk, "e");
  if (!e.ok()) return e.status();
  if (!Has(jwk, "d")) {
    absl::StatusOr<crypto::RsaPublicKey> key =
        crypto::RsaPublicKey::FromComponents(*n, *e);
    if (!key.ok()) return Wrap(key.status());
    return PublicKey(*std::move(key));
  }
  if (Has(jwk, "oth")) return Bad("RSA keys with more than two primes");
  std::string parts[6];
  const char* names[6] = {"d", "p", "q", "dp", "dq", "qi"};
  for (int i = 0; i < 6; ++i) {
    absl::StatusOr<std::string> part = RequiredBytes(jwk, names[i]);
    if (!part.ok()) return part.status();
    parts[i] = *std::move(part);
  }
  absl::StatusOr<crypto::RsaPrivateKey> key =
      crypto::RsaPrivateKey::FromComponents(
          *n, *e, parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]);
  if (!key.ok()) return Wrap(key.status());
  return PrivateKey(*std::move(key));
}

absl::StatusOr<std::variant<PublicKey, PrivateKey, SecretKey>> ParseOkp(
    const Json& jwk) {
  absl::StatusOr<std::optional<std::string>> crv = OptionalString(jwk, "crv");
  if (!crv.ok()) return crv.status();
  if (!crv->has_value()) return Bad("OKP key without \"crv\"");
  crypto::EdCurve curve;
  if (**crv == "Ed25519") {
    curve = crypto::EdCurve::kEd25519;
  } else if (**crv == "Ed448") {
    curve = crypto::EdCurve::kEd448;
  } else {
    return Bad(absl::StrCat("unsupported OKP curve ", JsonQuote(**crv)));
  }
  absl::StatusOr<std::string> x = RequiredBytes(jwk, "x");
  if (!x.ok()) return x.status();
  absl::StatusOr<crypto::EdPublicKey> public_key =
      crypto::EdPublicKey::FromRaw(curve, *x);
  if (!public_key.ok()) return Wrap(public_key.status());
  if (!Has(jwk, "d")) return PublicKey(*std::move(public_key));

  absl::StatusOr<std::string> d = RequiredBytes(jwk, "d");
  if (!d.ok()) return d.status();
  absl::StatusOr<crypto::EdPrivateKey> private_key =
      crypto::EdPrivateKey::FromRaw(curve, *d);
  if (!private_key.ok()) return Wrap(private_key.status());
  if (private_key->public_key().raw() != *x) {
    return Bad("OKP private key does not match its public key");
  }
  return PrivateKey(*std::move(private_key));
}

absl::StatusOr<std::variant<PublicKey, PrivateKey, SecretKey>> ParseOct(
    const Json& jwk, std::optional<JwsAlgorithm> alg) {
  if (!alg.has_value() || !IsHmac(*alg)) {
    return Bad("an oct key needs \"alg\" HS256, HS384 or HS512");
  }
  absl::StatusOr<std::string> k = RequiredBytes(jwk, "k");
  if (!k.ok()) return k.status();
  if (k->size() < crypto::DigestLength(HashOf(*alg))) {
    return Bad(absl::StrCat(JwsAlgorithmName(*alg),
                            " needs a secret of at least ",
                            crypto::DigestLength(HashOf(*alg)), " bytes"));
  }
  return SecretKey{*std::move(k)};
}

}  // namespace

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

absl::string_view JwkOkpCurveName(crypto::EdCurve curve) {
  switch (curve) {
    case crypto::EdCurve::kEd25519:
      return "Ed25519";
    case crypto::EdCurve::kEd448:
      return "Ed448";
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

Json PublicJwk(const PublicKey& key, JwsAlgorithm alg, absl::string_view kid) {
  Json jwk = Json::EmptyObject();
  std::visit(
      Overloaded{
          [&](const crypto::EcPublicKey& ec) {
            jwk.Set("kty", Json::String("EC"));
            jwk.Set("crv", Json::String(std::string(JwkCurveName(ec.curve()))));
            jwk.Set("x", Json::String(Base64UrlEncode(ec.x())));
            jwk.Set("y", Json::String(Base64UrlEncode(ec.y())));
          },
          [&](const crypto::RsaPublicKey& rsa) {
            jwk.Set("kty", Json::String("RSA"));
            jwk.Set("n", Json::String(Base64UrlEncode(rsa.n())));
            jwk.Set("e", Json::String(Base64UrlEncode(rsa.e())));
          },
          [&](const crypto::EdPublicKey& ed) {
            jwk.Set("kty", Json::String("OKP"));
            jwk.Set("crv",
                    Json::String(std::string(JwkOkpCurveName(ed.curve()))));
            jwk.Set("x", Json::String(Base64UrlEncode(ed.raw())));
          },
      },
      key);
  jwk.Set("kid", Json::String(std::string(kid)));
  jwk.Set("alg", Json::String(std::string(JwsAlgorithmName(alg))));
  jwk.Set("use", Json::String("sig"));
  return jwk;
}

std::string Thumbprint(const PublicKey& key) {
  // RFC 7638 section 3.2: the required members only, in lexicographic
  // order, no whitespace.
  std::string canonical = std::visit(
      Overloaded{
          [](const crypto::EcPublicKey& ec) {
            return absl::StrCat(
                "{\"crv\":", JsonQuote(JwkCurveName(ec.curve())),
                ",\"kty\":\"EC\",\"x\":", JsonQuote(Base64UrlEncode(ec.x())),
                ",\"y\":", JsonQuote(Base64UrlEncode(ec.y())), "}");
          },
          [](const crypto::RsaPublicKey& rsa) {
            return absl::StrCat("{\"e\":", JsonQuote(Base64UrlEncode(rsa.e())),
                                ",\"kty\":\"RSA\",\"n\":",
                                JsonQuote(Base64UrlEncode(rsa.n())), "}");
          },
          [](const crypto::EdPublicKey& ed) {
            return absl::StrCat(
                "{\"crv\":", JsonQuote(JwkOkpCurveName(ed.curve())),
                ",\"kty\":\"OKP\",\"x\":", JsonQuote(Base64UrlEncode(ed.raw())),
                "}");
          },
      },
      key);
  return Base64UrlEncode(
      crypto::Digest(crypto::HashFunction::kSha256, canonical));
}

absl::StatusOr<std::optional<Jwk>> ParseJwk(const Json& json) {
  if (!json.is_object()) return Bad("not a JSON object");
  absl::StatusOr<bool> for_signatures = IsSignatureKey(json);
  if (!for_signatures.ok()) return for_signatures.status();
  if (!*for_signatures) return std::optional<Jwk>();

  absl::StatusOr<std::optional<std::string>> kid = OptionalString(json, "kid");
  if (!kid.ok()) return kid.status();
  if (kid->has_value() && ((*kid)->empty() || (*kid)->size() > kMaxKidLength)) {
    return Bad(absl::StrCat("\"kid\" must be 1 to ", kMaxKidLength, " bytes"));
  }

  absl::StatusOr<std::optional<std::string>> alg = OptionalString(json, "alg");
  if (!alg.ok()) return alg.status();
  std::optional<JwsAlgorithm> algorithm;
  if (alg->has_value()) {
    algorithm = JwsAlgorithmFromName(**alg);
    if (!algorithm.has_value()) {
      return Bad(absl::StrCat("\"alg\" ", JsonQuote((*alg)->substr(0, 32)),
                              " is not a supported JWS algorithm"));
    }
  }

  absl::StatusOr<std::optional<std::string>> kty = OptionalString(json, "kty");
  if (!kty.ok()) return kty.status();
  if (!kty->has_value()) return Bad("\"kty\" is missing");
  absl::StatusOr<std::variant<PublicKey, PrivateKey, SecretKey>> key;
  if (**kty == "EC") {
    key = ParseEc(json);
  } else if (**kty == "RSA") {
    key = ParseRsa(json);
  } else if (**kty == "OKP") {
    key = ParseOkp(json);
  } else if (**kty == "oct") {
    key = ParseOct(json, algorithm);
  } else {
    return Bad(
        absl::StrCat("unsupported \"kty\" ", JsonQuote((*kty)->substr(0, 32))));
  }
  if (!key.ok()) return key.status();
  Jwk jwk{*std::move(kid), algorithm, *std::move(key)};

  // The key must fit its declared algorithm.
  if (jwk.alg.has_value()) {
    const PublicKey* public_key = std::get_if<PublicKey>(&jwk.key);
    std::optional<PublicKey> derived;
    if (const PrivateKey* private_key = std::get_if<PrivateKey>(&jwk.key)) {
      derived = PublicKeyOf(*private_key);
      public_key = &*derived;
    }
    if (public_key != nullptr) {
      if (absl::Status s = CheckKeyFitsAlgorithm(*public_key, *jwk.alg);
          !s.ok()) {
        return Wrap(s);
      }
    }
  }
  return std::optional<Jwk>(std::move(jwk));
}

}  // namespace jwtd::jose
