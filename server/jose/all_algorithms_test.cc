// One conformance suite run for every JWS algorithm jwtd supports: HS256/384/
// 512 (random 64-byte secrets), RS256/384/512 and PS256/384/512 (one
// 2048-bit RSA key for the whole binary: key generation is slow), ES256/384/
// 512, and EdDSA with Ed25519 and with Ed448. Each case signs with
// SignCompact and checks with VerifyCompactJws and JwtValidator at a fixed
// clock; every tampering (bit flips, truncations, swapped signatures,
// algorithm and key confusion) must be rejected.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/ecdsa.h"
#include "server/crypto/eddsa.h"
#include "server/crypto/random.h"
#include "server/crypto/rsa.h"
#include "server/crypto/signature.h"
#include "server/jose/algorithm.h"
#include "server/jose/base64url.h"
#include "server/jose/claims.h"
#include "server/jose/json.h"
#include "server/jose/json_parser.h"
#include "server/jose/jwk.h"
#include "server/jose/jwks.h"
#include "server/jose/jws.h"
#include "server/jose/jwt_validator.h"
#include "server/jose/key_material.h"
#include "server/jose/key_set.h"
#include "server/jose/keys.h"
#include "tests/support/reject_matchers.h"
#include "tests/support/status_matchers.h"

namespace jwtd::jose {
namespace {

using ::jwtd::testing::IsRejected;
using ::jwtd::testing::StatusIs;

// The fixed "now" of every check: 2023-11-14T22:13:20Z.
const absl::Time kNow = absl::FromUnixSeconds(1700000000);
constexpr char kIssuer[] = "https://issuer.example";
constexpr char kAudience[] = "api";
// Every key has this kid, so that any token can be shown any key set.
constexpr char kKid[] = "shared-kid";
// Private JWK members; none may ever be published.
constexpr absl::string_view kPrivateMembers[] = {"d",  "p",  "q", "dp",
                                                 "dq", "qi", "k"};

// One algorithm under test: EdDSA appears twice, once per curve.
struct AlgCase {
  std::string name;
  JwsAlgorithm alg;
  crypto::EdCurve ed_curve = crypto::EdCurve::kEd25519;
};

std::vector<AlgCase> AllCases() {
  std::vector<AlgCase> cases;
  for (JwsAlgorithm alg : kAllJwsAlgorithms) {
    if (alg == JwsAlgorithm::kEdDSA) {
      cases.push_back({"EdDSA_Ed25519", alg, crypto::EdCurve::kEd25519});
      cases.push_back({"EdDSA_Ed448", alg, crypto::EdCurve::kEd448});
    } else {
      cases.push_back({std::string(JwsAlgorithmName(alg)), alg});
    }
  }
  return cases;
}

std::vector<AlgCase> AsymmetricCases() {
  std::vector<AlgCase> cases;
  for (const AlgCase& c : AllCases()) {
    if (!IsHmac(c.alg)) cases.push_back(c);
  }
  return cases;
}

// The keys of one case: a signer and a key set holding its verification key
// (kid kKid), plus the public key or the secret they came from.
struct Material {
  std::shared_ptr<const SigningKey> signer;
  std::shared_ptr<const KeySet> keys;
  std::optional<PublicKey> public_key;  // asymmetric cases
  std::string secret;                   // HMAC cases
};

absl::StatusOr<PrivateKey> MakePrivateKey(const AlgCase& c) {
  switch (FamilyOf(c.alg)) {
    case KeyFamily::kRsaPkcs1:
    case KeyFamily::kRsaPss: {
      // One RSA key for all six RSA algorithms, made on first use.
      static const absl::StatusOr<crypto::RsaPrivateKey>* const rsa =
          new absl::StatusOr<crypto::RsaPrivateKey>(
              crypto::RsaPrivateKey::Generate(kGeneratedRsaBits));
      if (!rsa->ok()) return rsa->status();
      return PrivateKey(**rsa);
    }
    case KeyFamily::kEdDsa: {
      absl::StatusOr<crypto::EdPrivateKey> ed =
          crypto::EdPrivateKey::Generate(c.ed_curve);
      if (!ed.ok()) return ed.status();
      return PrivateKey(*std::move(ed));
    }
    default:
      return GeneratePrivateKey(c.alg);
  }
}

absl::StatusOr<Material> MakeMaterial(const AlgCase& c) {
  Material m;
  absl::StatusOr<std::shared_ptr<const VerificationKey>> verification_key;
  if (IsHmac(c.alg)) {
    m.secret = crypto::RandomBytes(64);
    absl::StatusOr<std::shared_ptr<const SigningKey>> signer =
        SigningKey::FromSecret(m.secret, c.alg, kKid);
    if (!signer.ok()) return signer.status();
    m.signer = *std::move(signer);
    verification_key = VerificationKey::FromSecret(m.secret, c.alg, kKid);
  } else {
    absl::StatusOr<PrivateKey> private_key = MakePrivateKey(c);
    if (!private_key.ok()) return private_key.status();
    absl::StatusOr<std::shared_ptr<const SigningKey>> signer =
        SigningKey::Create(*private_key, c.alg, kKid);
    if (!signer.ok()) return signer.status();
    m.signer = *std::move(signer);
    m.public_key = PublicKeyOf(*private_key);
    verification_key = VerificationKey::Create(*m.public_key, c.alg, kKid);
  }
  if (!verification_key.ok()) return verification_key.status();
  absl::StatusOr<std::shared_ptr<const KeySet>> keys =
      KeySet::Create({*std::move(verification_key)});
  if (!keys.ok()) return keys.status();
  m.keys = *std::move(keys);
  return m;
}

// The material of `c`, made once per binary run.
const Material& MaterialFor(const AlgCase& c) {
  static auto* const cache = new std::map<std::string, Material>();
  auto it = cache->find(c.name);
  if (it == cache->end()) {
    absl::StatusOr<Material> made = MakeMaterial(c);
    if (!made.ok()) {
      ADD_FAILURE() << c.name << ": " << made.status();
      static const Material* const empty = new Material();
      return *empty;
    }
    it = cache->emplace(c.name, *std::move(made)).first;
  }
  return it->second;
}

// A claim set valid at kNow for kIssuer and kAudience.
std::string Claims() {
  Json claims = Json::EmptyObject();
  claims.Set("iss", Json::String(kIssuer));
  claims.Set("sub", Json::String("alice"));
  claims.Set("aud", Json::String(kAudience));
  claims.Set("iat", NumericDate(kNow - absl::Seconds(10)));
  claims.Set("exp", NumericDate(kNow + absl::Minutes(5)));
  claims.Set("jti", Json::String("jti-1"));
  return claims.Serialize();
}

JwtValidator Validator() {
  ValidationPolicy policy;
  policy.issuer = kIssuer;
  policy.audiences = {kAudience};
  policy.typ = "JWT";
  return JwtValidator::Create(std::move(policy)).value();
}

std::vector<std::string> Segments(absl::string_view token) {
  return absl::StrSplit(token, '.');
}

// The token of `c` over Claims(), signed once per binary run.
const std::string& TokenFor(const AlgCase& c) {
  static auto* const cache = new std::map<std::string, std::string>();
  auto it = cache->find(c.name);
  if (it == cache->end()) {
    std::string token;
    const Material& m = MaterialFor(c);
    if (m.signer != nullptr) {
      absl::StatusOr<std::string> signed_token =
          SignCompact(*m.signer, "JWT", Claims());
      if (signed_token.ok()) {
        token = *std::move(signed_token);
      } else {
        ADD_FAILURE() << c.name << ": " << signed_token.status();
      }
    }
    it = cache->emplace(c.name, std::move(token)).first;
  }
  return it->second;
}

class AllAlgorithmsTest : public ::testing::TestWithParam<AlgCase> {
 protected:
  void SetUp() override {
    ASSERT_NE(material().signer, nullptr);
    ASSERT_FALSE(token().empty());
  }
  const AlgCase& param() const { return GetParam(); }
  const Material& material() const { return MaterialFor(GetParam()); }
  const std::string& token() const { return TokenFor(GetParam()); }
  const KeySet& keys() const { return *material().keys; }
};

std::string CaseName(const ::testing::TestParamInfo<AlgCase>& info) {
  return info.param.name;
}

// Expected raw signature size of each case.
size_t SignatureSize(const AlgCase& c) {
  switch (FamilyOf(c.alg)) {
    case KeyFamily::kHmac:
      return crypto::DigestLength(HashOf(c.alg));
    case KeyFamily::kRsaPkcs1:
    case KeyFamily::kRsaPss:
      return kGeneratedRsaBits / 8;
    case KeyFamily::kEcdsa:
      return 2 * crypto::CoordinateLength(*CurveOf(c.alg));
    case KeyFamily::kEdDsa:
      return crypto::EdSignatureLength(c.ed_curve);
  }
  return 0;
}

// SignCompact -> VerifyCompactJws -> JwtValidator: the token verifies, has
// the JWS form of its algorithm, and carries the claims; it expires at
// exp + leeway. Deterministic schemes sign identically twice, randomized
// ones (PS*, ES*) do not.
TEST_P(AllAlgorithmsTest, RoundTrip) {
  ASSERT_OK_AND_ASSIGN(VerifiedJws jws,
                       VerifyCompactJws(token(), keys(), JwsLimits{}));
  EXPECT_EQ(jws.payload, Claims());
  EXPECT_EQ(jws.typ, std::optional<std::string>("JWT"));
  EXPECT_EQ(jws.key->alg(), param().alg);
  EXPECT_EQ(Base64UrlDecode(Segments(token())[0]).value_or(""),
            absl::StrCat(R"({"alg":")", JwsAlgorithmName(param().alg),
                         R"(","kid":"shared-kid","typ":"JWT"})"));
  EXPECT_EQ(Base64UrlDecode(Segments(token())[2]).value_or("").size(),
            SignatureSize(param()));

  const JwtValidator validator = Validator();
  ASSERT_OK_AND_ASSIGN(VerifiedJwt jwt,
                       validator.Validate(token(), keys(), kNow));
  EXPECT_EQ(jwt.alg(), param().alg);
  EXPECT_EQ(jwt.kid(), kKid);
  EXPECT_EQ(jwt.claims().Serialize(), Claims());
  EXPECT_EQ(jwt.registered().subject, std::optional<std::string>("alice"));
  EXPECT_THAT(validator.Validate(token(), keys(),
                                 kNow + absl::Minutes(5) + absl::Seconds(60)),
              IsRejected(RejectReason::kExpired));

  ASSERT_OK_AND_ASSIGN(std::string again,
                       SignCompact(*material().signer, "JWT", Claims()));
  EXPECT_OK(VerifyCompactJws(again, keys(), JwsLimits{}));
  const KeyFamily family = FamilyOf(param().alg);
  const bool randomized =
      family == KeyFamily::kRsaPss || family == KeyFamily::kEcdsa;
  EXPECT_EQ(again != token(), randomized);
}

// Flipping any single bit of the decoded header, payload or signature (and
// re-encoding the segment) makes the token fail.
TEST_P(AllAlgorithmsTest, EveryBitFlipRejected) {
  const std::vector<std::string> segments = Segments(token());
  ASSERT_EQ(segments.size(), 3u);
  int checked = 0;
  int accepted = 0;
  for (size_t s = 0; s < 3; ++s) {
    const std::string bytes = Base64UrlDecode(segments[s]).value();
    for (size_t i = 0; i < bytes.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string flipped = bytes;
        flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
        std::vector<std::string> parts = segments;
        parts[s] = Base64UrlEncode(flipped);
        const std::string mutated = absl::StrJoin(parts, ".");
        ++checked;
        const absl::Status status =
            VerifyCompactJws(mutated, keys(), JwsLimits{}).status();
        if (!GetRejectReason(status).has_value() && ++accepted <= 5) {
          ADD_FAILURE() << "segment " << s << " byte " << i << " bit " << bit
                        << ": " << status;
        }
      }
    }
  }
  EXPECT_EQ(accepted, 0) << "of " << checked << " single-bit flips";
  EXPECT_GT(checked, 8 * 64);
}

// Every proper prefix of the token (including the empty string) fails.
TEST_P(AllAlgorithmsTest, EveryTruncationRejected) {
  const std::string& t = token();
  int accepted = 0;
  for (size_t length = 0; length < t.size(); ++length) {
    const absl::Status status =
        VerifyCompactJws(t.substr(0, length), keys(), JwsLimits{}).status();
    if (!GetRejectReason(status).has_value() && ++accepted <= 5) {
      ADD_FAILURE() << "prefix of " << length << " bytes: " << status;
    }
  }
  EXPECT_EQ(accepted, 0) << "of " << t.size() << " truncations";
}

// The signature segment of any other algorithm's token (same claims, same
// kid) grafted onto this token is a bad signature.
TEST_P(AllAlgorithmsTest, SignatureFromAnotherAlgorithmRejected) {
  const std::vector<std::string> mine = Segments(token());
  for (const AlgCase& other : AllCases()) {
    if (other.name == param().name) continue;
    SCOPED_TRACE(other.name);
    const std::string& theirs = TokenFor(other);
    ASSERT_FALSE(theirs.empty());
    const std::string grafted =
        absl::StrCat(mine[0], ".", mine[1], ".", Segments(theirs)[2]);
    EXPECT_THAT(VerifyCompactJws(grafted, keys(), JwsLimits{}),
                IsRejected(RejectReason::kBadSignature));
  }
}

// This token shown to another algorithm's key with the same kid: the key's
// algorithm decides, so the token is refused as UNSUPPORTED_ALGORITHM (or,
// for Ed25519 vs Ed448, both "EdDSA", as a bad signature).
TEST_P(AllAlgorithmsTest, TokenForAnotherAlgorithmsKeyRejected) {
  const JwtValidator validator = Validator();
  for (const AlgCase& other : AllCases()) {
    if (other.name == param().name) continue;
    SCOPED_TRACE(other.name);
    const Material& theirs = MaterialFor(other);
    ASSERT_NE(theirs.keys, nullptr);
    const RejectReason expected = other.alg == param().alg
                                      ? RejectReason::kBadSignature
                                      : RejectReason::kUnsupportedAlgorithm;
    EXPECT_THAT(VerifyCompactJws(token(), *theirs.keys, JwsLimits{}),
                IsRejected(expected));
    EXPECT_THAT(validator.Validate(token(), *theirs.keys, kNow),
                IsRejected(expected));
  }
}

// The published key set never carries private or secret members; an HMAC
// key is not published at all.
TEST_P(AllAlgorithmsTest, ExportedJwksHasNoPrivateMembers) {
  const std::string& jwks = keys().jwks_json();
  ASSERT_OK_AND_ASSIGN(
      Json parsed,
      ParseJsonObject(jwks, JsonLimits{.max_bytes = 65536, .max_depth = 4}));
  const Json* list = parsed.Find("keys");
  ASSERT_NE(list, nullptr);
  ASSERT_TRUE(list->is_array());
  if (IsHmac(param().alg)) {
    EXPECT_TRUE(list->array().empty()) << jwks;
    EXPECT_THAT(jwks, ::testing::Not(::testing::HasSubstr(
                          Base64UrlEncode(material().secret))));
    return;
  }
  ASSERT_EQ(list->array().size(), 1u) << jwks;
  const Json& jwk = list->array()[0];
  for (absl::string_view member : kPrivateMembers) {
    EXPECT_EQ(jwk.Find(member), nullptr) << member << " in " << jwks;
  }
  EXPECT_EQ(jwk, PublicJwk(*material().public_key, param().alg, kKid));
}

INSTANTIATE_TEST_SUITE_P(Jws, AllAlgorithmsTest,
                         ::testing::ValuesIn(AllCases()), CaseName);

using AsymmetricAlgorithmTest = AllAlgorithmsTest;

// The classic confusion: an HS256/384/512 token MACed with the public key's
// PEM, its JWK JSON or the whole JWKS as the secret, under the asymmetric
// key's kid, is refused: the key's algorithm is not HMAC, and public key
// bytes are never an HMAC key. The same MAC under the key's own alg is a bad
// signature.
TEST_P(AsymmetricAlgorithmTest, HmacWithPublicKeyBytesRejected) {
  const PublicKey& public_key = *material().public_key;
  ASSERT_OK_AND_ASSIGN(
      std::string pem,
      std::visit([](const auto& key) { return key.ToPem(); }, public_key));
  const std::string secrets[] = {
      pem,
      PublicJwk(public_key, param().alg, kKid).Serialize(),
      keys().jwks_json(),
  };
  const JwtValidator validator = Validator();
  for (const std::string& secret : secrets) {
    for (JwsAlgorithm hs :
         {JwsAlgorithm::kHS256, JwsAlgorithm::kHS384, JwsAlgorithm::kHS512}) {
      SCOPED_TRACE(absl::StrCat(JwsAlgorithmName(hs), " keyed with ",
                                secret.substr(0, 40)));
      ASSERT_OK_AND_ASSIGN(std::shared_ptr<const SigningKey> mac,
                           SigningKey::FromSecret(secret, hs, kKid));
      ASSERT_OK_AND_ASSIGN(std::string forged,
                           SignCompact(*mac, "JWT", Claims()));
      EXPECT_THAT(VerifyCompactJws(forged, keys(), JwsLimits{}),
                  IsRejected(RejectReason::kUnsupportedAlgorithm));
      EXPECT_THAT(validator.Validate(forged, keys(), kNow),
                  IsRejected(RejectReason::kUnsupportedAlgorithm));

      // The MAC under this token's own header (the key's alg).
      const std::vector<std::string> mine = Segments(token());
      const std::string signing_input = absl::StrCat(mine[0], ".", mine[1]);
      ASSERT_OK_AND_ASSIGN(std::string tag, mac->signer().Sign(signing_input));
      EXPECT_THAT(VerifyCompactJws(
                      absl::StrCat(signing_input, ".", Base64UrlEncode(tag)),
                      keys(), JwsLimits{}),
                  IsRejected(RejectReason::kBadSignature));
    }
  }
}

// PublicJwk -> ParseJwk gives back the same key (same thumbprint, kid and
// alg), which verifies the same token; ImportJwks of the published set
// does too and re-publishes it identically.
TEST_P(AsymmetricAlgorithmTest, PublicJwkRoundTrip) {
  const PublicKey& public_key = *material().public_key;
  const Json exported = PublicJwk(public_key, param().alg, kKid);
  ASSERT_OK_AND_ASSIGN(std::optional<Jwk> parsed, ParseJwk(exported));
  ASSERT_TRUE(parsed.has_value());
  ASSERT_TRUE(std::holds_alternative<PublicKey>(parsed->key));
  const PublicKey& round_tripped = std::get<PublicKey>(parsed->key);
  EXPECT_EQ(Thumbprint(round_tripped), Thumbprint(public_key));
  EXPECT_EQ(parsed->kid, std::optional<std::string>(kKid));
  EXPECT_EQ(parsed->alg, std::optional<JwsAlgorithm>(param().alg));

  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const VerificationKey> key,
      VerificationKey::Create(round_tripped, *parsed->alg, *parsed->kid));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const KeySet> set,
                       KeySet::Create({key}));
  EXPECT_OK(VerifyCompactJws(token(), *set, JwsLimits{}));

  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const KeySet> imported,
                       ImportJwks(keys().jwks_json()));
  EXPECT_OK(VerifyCompactJws(token(), *imported, JwsLimits{}));
  EXPECT_EQ(imported->jwks_json(), keys().jwks_json());
}

INSTANTIATE_TEST_SUITE_P(Jws, AsymmetricAlgorithmTest,
                         ::testing::ValuesIn(AsymmetricCases()), CaseName);

// A kid that needs JSON escaping (quote, backslash, control characters,
// non-ASCII UTF-8) round-trips through SignCompact's header, VerifyCompactJws
// and the published JWKS.
TEST(KidTest, EscapedKidRoundTrips) {
  const std::string kid = "a\"b\\c\n\t\x01 \xc3\xa9 </script>";
  const std::string secret(32, 'x');
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const SigningKey> signer,
      SigningKey::FromSecret(secret, JwsAlgorithm::kHS256, kid));
  ASSERT_OK_AND_ASSIGN(std::string token, SignCompact(*signer, "JWT", "{}"));
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const VerificationKey> key,
      VerificationKey::FromSecret(secret, JwsAlgorithm::kHS256, kid));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const KeySet> keys,
                       KeySet::Create({key}));
  ASSERT_OK_AND_ASSIGN(VerifiedJws jws,
                       VerifyCompactJws(token, *keys, JwsLimits{}));
  EXPECT_EQ(jws.key->kid(), kid);

  ASSERT_OK_AND_ASSIGN(PrivateKey ec, GeneratePrivateKey(JwsAlgorithm::kES256));
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const VerificationKey> ec_key,
      VerificationKey::Create(PublicKeyOf(ec), JwsAlgorithm::kES256, kid));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const KeySet> published,
                       KeySet::Create({ec_key}));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const KeySet> imported,
                       ImportJwks(published->jwks_json()));
  EXPECT_NE(imported->Find(kid), nullptr);
}

// A kid that is not UTF-8 cannot appear in a JSON header or JWKS (RFC 8259
// section 8.1), so no key may be made with one. Today such keys are
// accepted: SignCompact then writes a header that VerifyCompactJws itself
// refuses as MALFORMED, and KeySet::jwks_json publishes a JWKS that is not
// JSON (ImportJwks refuses it).
TEST(KidTest, NonUtf8KidRefused) {
  const std::string secret(32, 'x');
  ASSERT_OK_AND_ASSIGN(PrivateKey ec, GeneratePrivateKey(JwsAlgorithm::kES256));
  for (const std::string& kid : {std::string("\xff\xfe"),
                                 std::string("kid-\xc3"),         // truncated
                                 std::string("\xed\xa0\x80")}) {  // surrogate
    SCOPED_TRACE(absl::CEscape(kid));
    EXPECT_THAT(SigningKey::FromSecret(secret, JwsAlgorithm::kHS256, kid),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(VerificationKey::FromSecret(secret, JwsAlgorithm::kHS256, kid),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(SigningKey::Create(ec, JwsAlgorithm::kES256, kid),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(
        VerificationKey::Create(PublicKeyOf(ec), JwsAlgorithm::kES256, kid),
        StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

}  // namespace
}  // namespace jwtd::jose
