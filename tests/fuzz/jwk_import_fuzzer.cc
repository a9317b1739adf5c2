// Fuzzes key import: the input is a JWK Set document as a key file or a
// remote JWKS endpoint would hold it. Runs ImportJwks with and without
// secret keys, and ParseJwk on the document itself and on each member of
// its "keys" array, checking the properties in docs/fuzzing.md. A violated
// property traps.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/signature.h"
#include "server/jose/algorithm.h"
#include "server/jose/json.h"
#include "server/jose/json_parser.h"
#include "server/jose/jwk.h"
#include "server/jose/jwks.h"
#include "server/jose/key_material.h"
#include "server/jose/key_set.h"
#include "server/jose/keys.h"
#include "tests/fuzz/fuzz_util.h"

namespace jwtd::jose {
namespace {

using ::jwtd::fuzzing::Require;

// At most this many members of "keys" go through the ParseJwk round trip
// (ImportJwks reads them all anyway).
constexpr size_t kMaxKeysRoundTripped = 8;

bool IsSecret(const VerificationKey& key) { return key.public_jwk().is_null(); }

// Invariants of any key set ImportJwks returns.
void CheckKeySet(const KeySet& set) {
  size_t published = 0;
  for (const auto& key : set.keys()) {
    Require(!key->kid().empty() && key->kid().size() <= kMaxKidLength,
            "imported key with an empty or over-long kid");
    Require(set.Find(key->kid()) == key.get(), "kid does not find its key");
    if (!IsSecret(*key)) ++published;
  }
  // The published JWKS holds the public keys only, and imports back to the
  // same kids and algorithms.
  absl::StatusOr<std::shared_ptr<const KeySet>> again =
      ImportJwks(set.jwks_json(), {});
  Require(again.ok(), "jwks_json() of an imported set does not import");
  Require((*again)->size() == published,
          "jwks_json() re-import changed the number of keys");
  size_t i = 0;
  for (const auto& key : set.keys()) {
    if (IsSecret(*key)) continue;
    const VerificationKey& copy = *(*again)->keys()[i++];
    Require(copy.kid() == key->kid() && copy.alg() == key->alg(),
            "jwks_json() re-import changed a kid or alg");
    Require(copy.public_jwk() == key->public_jwk(),
            "jwks_json() re-import changed a public JWK");
  }
}

// A JWK that ParseJwk accepts describes a key whose public JWK (PublicJwk)
// parses back to the same key, algorithm and kid.
void CheckJwk(const Json& json) {
  absl::StatusOr<std::optional<Jwk>> jwk = ParseJwk(json);
  if (!jwk.ok()) {
    Require(jwk.status().code() == absl::StatusCode::kInvalidArgument,
            "ParseJwk failure is not INVALID_ARGUMENT");
    return;
  }
  if (!jwk->has_value()) return;  // Not a signature key.
  const Jwk& key = **jwk;
  Require(!key.kid.has_value() ||
              (!key.kid->empty() && key.kid->size() <= kMaxKidLength),
          "ParseJwk accepted an empty or over-long kid");
  std::optional<PublicKey> public_key;
  if (const auto* p = std::get_if<PublicKey>(&key.key)) {
    public_key = *p;
  } else if (const auto* p = std::get_if<PrivateKey>(&key.key)) {
    public_key = PublicKeyOf(*p);
  } else {
    const SecretKey& secret = std::get<SecretKey>(key.key);
    Require(key.alg.has_value() && IsHmac(*key.alg),
            "oct key without an HMAC alg");
    Require(secret.bytes.size() >= crypto::DigestLength(HashOf(*key.alg)),
            "HMAC secret shorter than its hash");
    return;
  }
  std::optional<JwsAlgorithm> alg = key.alg;
  if (alg.has_value()) {
    Require(CheckKeyFitsAlgorithm(*public_key, *alg).ok(),
            "ParseJwk accepted a key that does not fit its alg");
  } else {
    alg = ImpliedAlgorithm(*public_key);
    if (!alg.has_value()) return;  // RSA without alg: ambiguous.
    Require(CheckKeyFitsAlgorithm(*public_key, *alg).ok(),
            "a key does not fit its implied algorithm");
  }
  const std::string kid = key.kid.value_or("kid");
  absl::StatusOr<std::optional<Jwk>> again =
      ParseJwk(PublicJwk(*public_key, *alg, kid));
  Require(again.ok() && again->has_value(), "PublicJwk() does not parse back");
  const Jwk& copy = **again;
  const auto* copy_key = std::get_if<PublicKey>(&copy.key);
  Require(copy_key != nullptr, "PublicJwk() parsed back as a non-public key");
  Require(Thumbprint(*copy_key) == Thumbprint(*public_key),
          "PublicJwk() round trip changed the key");
  Require(copy.alg == alg && copy.kid == kid,
          "PublicJwk() round trip changed alg or kid");
}

void FuzzJwks(absl::string_view document) {
  JwksImportOptions public_only;
  JwksImportOptions with_secrets;
  with_secrets.allow_secret_keys = true;
  JwksImportOptions rsa_default;
  rsa_default.default_rsa_alg = JwsAlgorithm::kPS256;

  absl::StatusOr<std::shared_ptr<const KeySet>> public_set =
      ImportJwks(document, public_only);
  absl::StatusOr<std::shared_ptr<const KeySet>> secret_set =
      ImportJwks(document, with_secrets);
  absl::StatusOr<std::shared_ptr<const KeySet>> rsa_set =
      ImportJwks(document, rsa_default);
  for (const auto* result : {&public_set, &secret_set, &rsa_set}) {
    if (result->ok()) {
      Require(**result != nullptr, "ImportJwks returned a null set");
      CheckKeySet(***result);
    } else {
      Require(result->status().code() == absl::StatusCode::kInvalidArgument,
              "ImportJwks failure is not INVALID_ARGUMENT");
    }
  }
  // Allowing secrets changes nothing for a document without them; a default
  // RSA algorithm only lets more documents in.
  bool secret_set_is_public = secret_set.ok();
  if (secret_set.ok()) {
    for (const auto& key : (*secret_set)->keys()) {
      secret_set_is_public &= !IsSecret(*key);
    }
  }
  Require(public_set.ok() == secret_set_is_public,
          "allow_secret_keys changed the verdict on a document without "
          "secrets");
  if (public_set.ok()) {
    Require(rsa_set.ok() && (*rsa_set)->size() == (*public_set)->size() &&
                (*secret_set)->size() == (*public_set)->size(),
            "import options changed the keys of an accepted document");
  }

  absl::StatusOr<Json> json =
      ParseJsonObject(document, JwksImportOptions().json);
  if (!json.ok()) return;
  CheckJwk(*json);
  const Json* keys = json->Find("keys");
  if (keys == nullptr || !keys->is_array()) return;
  for (size_t i = 0; i < keys->array().size() && i < kMaxKeysRoundTripped;
       ++i) {
    CheckJwk(keys->array()[i]);
  }
}

}  // namespace
}  // namespace jwtd::jose

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  jwtd::jose::FuzzJwks(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
