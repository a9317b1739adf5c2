#include "server/jose/jwks.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/jose/jwk.h"
#include "server/jose/keys.h"

namespace jwtd::jose {
namespace {

absl::Status Refused(size_t index, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("JWKS key #", index, ": ", why));
}

}  // namespace

absl::StatusOr<std::shared_ptr<const KeySet>> ImportJwks(
    absl::string_view document, const JwksImportOptions& options) {
  absl::StatusOr<Json> json = ParseJsonObject(document, options.json);
  if (!json.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("JWKS: ", json.status().message()));
  }
  const Json* keys = json->Find("keys");
  if (keys == nullptr || !keys->is_array()) {
    return absl::InvalidArgumentError("JWKS: no \"keys\" array");
  }
  if (keys->array().size() > options.max_keys) {
    return absl::InvalidArgumentError(
        absl::StrCat("JWKS: more than ", options.max_keys, " keys"));
  }

  std::vector<std::shared_ptr<const VerificationKey>> verification_keys;
  bool has_secret = false;
  bool has_asymmetric = false;
  for (size_t i = 0; i < keys->array().size(); ++i) {
    absl::StatusOr<std::optional<Jwk>> jwk = ParseJwk(keys->array()[i]);
    if (!jwk.ok()) return Refused(i, jwk.status().message());
    if (!jwk->has_value()) continue;  // Not a signature key.
    Jwk& key = **jwk;
    if (std::holds_alternative<PrivateKey>(key.key)) {
      return Refused(i, "private key material in a verification key set");
    }
    absl::StatusOr<std::shared_ptr<const VerificationKey>> verification_key;
    if (const SecretKey* secret = std::get_if<SecretKey>(&key.key)) {
      if (!options.allow_secret_keys) {
        return Refused(i, "secret (oct) keys are not accepted here");
      }
      if (!key.kid.has_value()) return Refused(i, "an oct key needs a kid");
      has_secret = true;
      verification_key =
          VerificationKey::FromSecret(secret->bytes, *key.alg, *key.kid);
    } else {
      const PublicKey& public_key = std::get<PublicKey>(key.key);
      has_asymmetric = true;
      std::optional<JwsAlgorithm> alg = key.alg;
      if (!alg.has_value()) alg = ImpliedAlgorithm(public_key);
      if (!alg.has_value()) alg = options.default_rsa_alg;
      if (!alg.has_value()) {
        return Refused(i, "an RSA key without \"alg\" is ambiguous");
      }
      verification_key = VerificationKey::Create(
          public_key, *alg, key.kid.value_or(Thumbprint(public_key)));
    }
    if (!verification_key.ok()) {
      return Refused(i, verification_key.status().message());
    }
    if (has_secret && has_asymmetric) {
      return Refused(i, "secret and public keys are mixed in one set");
    }
    verification_keys.push_back(*std::move(verification_key));
  }
  absl::StatusOr<std::shared_ptr<const KeySet>> set =
      KeySet::Create(std::move(verification_keys));
  if (!set.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("JWKS: ", set.status().message()));
  }
  return set;
}

}  // namespace jwtd::jose
