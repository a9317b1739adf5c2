// Fuzzes the token path: the input is a compact JWS as a client would send
// it. Runs UnverifiedJws::Parse, VerifyCompactJws and JwtValidator::Validate
// against a fixed key set at a fixed time, and checks properties that must
// hold for every input (see docs/fuzzing.md). A violated property traps.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/crypto/ecdsa.h"
#include "server/jose/algorithm.h"
#include "server/jose/base64url.h"
#include "server/jose/jws.h"
#include "server/jose/jwt_validator.h"
#include "server/jose/key_set.h"
#include "server/jose/keys.h"
#include "server/jose/reject_reason.h"
#include "tests/fuzz/fuzz_util.h"

namespace jwtd::jose {
namespace {

using ::jwtd::fuzzing::IsTokenShaped;
using ::jwtd::fuzzing::Require;
using ::jwtd::fuzzing::ValueOrDie;

// The seed corpus (tests/fuzz/make_seed_corpus.py) signs its HS256 tokens
// with this secret and kid, and sets its claims around this instant.
constexpr char kSecret[] = "jwtd-fuzzing-hs256-secret-32byte";
constexpr char kHmacKid[] = "hs256-key";
constexpr char kEcKid[] = "es256-key";
constexpr char kIssuer[] = "https://issuer.example";
constexpr char kAudience[] = "api";
constexpr int64_t kNowSeconds = 1700000000;  // 2023-11-14T22:13:20Z
constexpr absl::Duration kLeeway = absl::Seconds(60);
constexpr absl::Duration kMaxAge = absl::Hours(24);

struct Fixture {
  std::shared_ptr<const SigningKey> hmac_signer;
  std::shared_ptr<const SigningKey> ec_signer;
  // Both keys: tokens must name one by kid.
  std::shared_ptr<const KeySet> keys;
  // One key each: a token without kid is checked against it.
  std::shared_ptr<const KeySet> hmac_only;
  std::shared_ptr<const KeySet> ec_only;
  std::optional<JwtValidator> validator;
};

const Fixture& GetFixture() {
  static const Fixture* const fixture = [] {
    auto* f = new Fixture;
    const crypto::EcPrivateKey ec = ValueOrDie(
        crypto::EcPrivateKey::Generate(crypto::EcCurve::kP256), "EC key");
    f->hmac_signer = ValueOrDie(
        SigningKey::FromSecret(kSecret, JwsAlgorithm::kHS256, kHmacKid),
        "HS256 signer");
    f->ec_signer = ValueOrDie(
        SigningKey::Create(ec, JwsAlgorithm::kES256, kEcKid), "ES256 signer");
    auto hmac_key = ValueOrDie(
        VerificationKey::FromSecret(kSecret, JwsAlgorithm::kHS256, kHmacKid),
        "HS256 key");
    auto ec_key = ValueOrDie(
        VerificationKey::Create(ec.public_key(), JwsAlgorithm::kES256, kEcKid),
        "ES256 key");
    f->keys = ValueOrDie(KeySet::Create({hmac_key, ec_key}), "key set");
    f->hmac_only = ValueOrDie(KeySet::Create({hmac_key}), "HS256 set");
    f->ec_only = ValueOrDie(KeySet::Create({ec_key}), "ES256 set");
    ValidationPolicy policy;
    policy.issuer = kIssuer;
    policy.audiences = {kAudience};
    policy.typ = "JWT";
    policy.leeway = kLeeway;
    policy.max_age = kMaxAge;
    policy.required_claims = {"sub"};
    f->validator = ValueOrDie(JwtValidator::Create(policy), "validator");
    return f;
  }();
  return *fixture;
}

// Every failure on the token path is a TokenRejected with a reason, and its
// detail does not quote the token.
void CheckRejection(const absl::Status& status, absl::string_view token) {
  Require(!status.ok(), "CheckRejection called on OK");
  Require(GetRejectReason(status).has_value(),
          "token failure without a RejectReason");
  if (IsTokenShaped(token)) {
    Require(status.message().find(token) == absl::string_view::npos,
            "error detail echoes the token");
  }
}

// Strict base64url: every accepted string is the one encoding of its bytes.
void CheckBase64UrlRoundTrip(absl::string_view input) {
  absl::StatusOr<std::string> decoded = Base64UrlDecode(input);
  if (!decoded.ok()) return;
  Require(Base64UrlEncode(*decoded) == input,
          "Base64UrlEncode(Base64UrlDecode(s)) != s");
}

// What Parse accepted is exactly what the token says.
void CheckParsedForm(const UnverifiedJws& jws, absl::string_view token) {
  const size_t first_dot = token.find('.');
  const size_t second_dot = token.find('.', first_dot + 1);
  Require(first_dot != absl::string_view::npos &&
              second_dot != absl::string_view::npos &&
              token.find('.', second_dot + 1) == absl::string_view::npos,
          "Parse accepted a token without exactly three segments");
  Require(jws.signing_input() == token.substr(0, second_dot),
          "signing_input is not <header>.<payload>");
  Require(Base64UrlEncode(jws.payload()) ==
              token.substr(first_dot + 1, second_dot - first_dot - 1),
          "payload does not re-encode to its segment");
  Require(Base64UrlEncode(jws.signature()) == token.substr(second_dot + 1),
          "signature does not re-encode to its segment");
  Require(!jws.kid().has_value() || jws.kid()->size() <= kMaxKidLength,
          "Parse accepted an over-long kid");
}

// What the fixture's policy guarantees of an accepted token.
void CheckValidated(const VerifiedJwt& jwt, absl::Time now) {
  const RegisteredClaims& claims = jwt.registered();
  Require(claims.issuer.has_value() && *claims.issuer == kIssuer,
          "accepted a token with the wrong issuer");
  Require(claims.expires_at.has_value() && *claims.expires_at + kLeeway > now,
          "accepted an expired token or one without exp");
  Require(!claims.not_before.has_value() || *claims.not_before <= now + kLeeway,
          "accepted a token before its nbf");
  Require(claims.issued_at.has_value() && *claims.issued_at <= now + kLeeway &&
              now - *claims.issued_at <= kMaxAge + kLeeway,
          "accepted a token without iat, issued in the future or too old");
  bool has_audience = false;
  for (const std::string& audience : claims.audiences) {
    has_audience |= audience == kAudience;
  }
  Require(has_audience, "accepted a token without the audience");
  Require(jwt.claims().Find("sub") != nullptr, "accepted a token without sub");
}

// Checks one token against every entry point.
void CheckToken(absl::string_view token) {
  const Fixture& f = GetFixture();
  const JwsLimits limits;
  const absl::Time now = absl::FromUnixSeconds(kNowSeconds);

  absl::StatusOr<UnverifiedJws> parsed = UnverifiedJws::Parse(token, limits);
  if (parsed.ok()) {
    CheckParsedForm(*parsed, token);
  } else {
    CheckRejection(parsed.status(), token);
  }

  for (const KeySet* keys :
       {f.keys.get(), f.hmac_only.get(), f.ec_only.get()}) {
    absl::StatusOr<VerifiedJws> verified =
        VerifyCompactJws(token, *keys, limits);
    if (verified.ok()) {
      Require(parsed.ok(), "VerifyCompactJws accepted what Parse refused");
      Require(verified->key->alg() == parsed->alg(),
              "verified with a key of another algorithm");
    } else {
      CheckRejection(verified.status(), token);
    }
    absl::StatusOr<VerifiedJwt> validated =
        f.validator->Validate(token, *keys, now);
    if (validated.ok()) {
      Require(verified.ok(), "Validate accepted what VerifyCompactJws refused");
      CheckValidated(*validated, now);
    } else {
      CheckRejection(validated.status(), token);
    }
  }
}

// Re-signs a parsed token's "<header>.<payload>" with our own key when the
// header names its algorithm, so that inputs get past the signature check
// and exercise payload parsing and the claim checks.
void CheckResigned(const UnverifiedJws& jws) {
  const Fixture& f = GetFixture();
  const SigningKey* signer = nullptr;
  const KeySet* single = nullptr;
  if (jws.alg() == JwsAlgorithm::kHS256) {
    signer = f.hmac_signer.get();
    single = f.hmac_only.get();
  } else if (jws.alg() == JwsAlgorithm::kES256) {
    signer = f.ec_signer.get();
    single = f.ec_only.get();
  } else {
    return;
  }
  absl::StatusOr<std::string> signature =
      signer->signer().Sign(jws.signing_input());
  Require(signature.ok(), "signing failed");
  const std::string token =
      absl::StrCat(jws.signing_input(), ".", Base64UrlEncode(*signature));
  const JwsLimits limits;
  if (token.size() <= limits.max_token_bytes) {
    // Same header and payload with a good signature: verification must
    // succeed whenever the kid selects our key (or is absent and the set
    // holds that key alone).
    const bool names_our_key =
        jws.kid().has_value() && *jws.kid() == signer->kid();
    if (names_our_key) {
      Require(VerifyCompactJws(token, *f.keys, limits).ok(),
              "a correctly signed token did not verify");
    }
    if (names_our_key || !jws.kid().has_value()) {
      Require(VerifyCompactJws(token, *single, limits).ok(),
              "a correctly signed token did not verify (single key)");
    }
  }
  CheckToken(token);
  const absl::Time now = absl::FromUnixSeconds(kNowSeconds);
  absl::StatusOr<VerifiedJwt> validated =
      f.validator->Validate(token, *f.keys, now, kAudience);
  if (validated.ok()) CheckValidated(*validated, now);
}

void FuzzToken(absl::string_view input) {
  CheckBase64UrlRoundTrip(input);
  CheckToken(input);
  absl::StatusOr<UnverifiedJws> parsed = UnverifiedJws::Parse(input, {});
  if (parsed.ok()) CheckResigned(*parsed);
}

}  // namespace
}  // namespace jwtd::jose

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  jwtd::jose::FuzzToken(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
