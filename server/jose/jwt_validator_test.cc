#include "server/jose/jwt_validator.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/ecdsa.h"
#include "server/jose/base64url.h"
#include "server/jose/claims.h"
#include "server/jose/json.h"
#include "server/jose/json_parser.h"
#include "server/jose/jws.h"
#include "server/jose/key_set.h"
#include "server/jose/keys.h"
#include "tests/support/jws_test_util.h"
#include "tests/support/reject_matchers.h"
#include "tests/support/status_matchers.h"

namespace jwtd::jose {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::IsRejected;
using ::jwtd::testing::IsRejectedForAnyReason;
using ::jwtd::testing::SignRawJws;
using ::jwtd::testing::StatusIs;
using ::jwtd::testing::UnsignedJws;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// The fixed "now" of every test: 2023-11-14T22:13:20Z.
constexpr int64_t kNowSeconds = 1700000000;
const absl::Time kNow = absl::FromUnixSeconds(kNowSeconds);
constexpr absl::Duration kLeeway = absl::Seconds(60);

constexpr char kIssuer[] = "https://issuer.example";
constexpr char kAudience[] = "api";
constexpr char kEcKid[] = "ec-key-1";
constexpr char kHmacKid[] = "hmac-key-1";
// 32 bytes: the shortest HS256 secret allowed.
constexpr char kSecret[] = "0123456789abcdef0123456789abcdef";
constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::vector<std::string> Segments(absl::string_view token) {
  return absl::StrSplit(token, '.');
}

// One DER INTEGER holding the unsigned big-endian `value`.
std::string DerInteger(absl::string_view value) {
  while (value.size() > 1 && value[0] == '\0') value.remove_prefix(1);
  std::string body(value);
  if (static_cast<unsigned char>(body[0]) & 0x80) body.insert(0, 1, '\0');
  return absl::StrCat(std::string(1, '\x02'),
                      std::string(1, static_cast<char>(body.size())), body);
}

// The DER (ASN.1 SEQUENCE of r and s) form of a raw R||S P-256 signature.
std::string RawToDer(absl::string_view raw) {
  const std::string body =
      absl::StrCat(DerInteger(raw.substr(0, 32)), DerInteger(raw.substr(32)));
  return absl::StrCat(std::string(1, '\x30'),
                      std::string(1, static_cast<char>(body.size())), body);
}

class JwtValidatorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ec_private_ = new crypto::EcPrivateKey(
        crypto::EcPrivateKey::Generate(crypto::EcCurve::kP256).value());
  }
  static void TearDownTestSuite() {
    delete ec_private_;
    ec_private_ = nullptr;
  }

  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(
        es256_, SigningKey::Create(*ec_private_, JwsAlgorithm::kES256, kEcKid));
    ASSERT_OK_AND_ASSIGN(hs256_, SigningKey::FromSecret(
                                     kSecret, JwsAlgorithm::kHS256, kHmacKid));
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<const VerificationKey> ec_verify,
                         VerificationKey::Create(ec_private_->public_key(),
                                                 JwsAlgorithm::kES256, kEcKid));
    ASSERT_OK_AND_ASSIGN(
        std::shared_ptr<const VerificationKey> hmac_verify,
        VerificationKey::FromSecret(kSecret, JwsAlgorithm::kHS256, kHmacKid));
    ASSERT_OK_AND_ASSIGN(ec_keys_, KeySet::Create({ec_verify}));
    ASSERT_OK_AND_ASSIGN(hmac_keys_, KeySet::Create({hmac_verify}));
    ASSERT_OK_AND_ASSIGN(both_keys_, KeySet::Create({ec_verify, hmac_verify}));
  }

  static ValidationPolicy DefaultPolicy() {
    ValidationPolicy policy;
    policy.issuer = kIssuer;
    policy.audiences = {kAudience};
    policy.leeway = kLeeway;
    return policy;
  }

  // A valid claim set: issued now, expiring in 10 minutes.
  static Json Claims() {
    Json claims = Json::EmptyObject();
    claims.Set("iss", Json::String(kIssuer));
    claims.Set("sub", Json::String("alice"));
    claims.Set("aud", Json::String(kAudience));
    claims.Set("iat", Json::Integer(kNowSeconds));
    claims.Set("exp", Json::Integer(kNowSeconds + 600));
    claims.Set("jti", Json::String("id-1"));
    return claims;
  }

  // Claims() without the member `name`.
  static Json ClaimsWithout(absl::string_view name) {
    const Json claims = Claims();
    Json without = Json::EmptyObject();
    for (const auto& [member, value] : claims.object()) {
      if (member != name) without.Set(member, value);
    }
    return without;
  }

  // `key`'s token for `payload`, with the standard header.
  static std::string Sign(const SigningKey& key, absl::string_view payload,
                          absl::string_view typ = "JWT") {
    absl::StatusOr<std::string> token = SignCompact(key, typ, payload);
    EXPECT_THAT(token, IsOk());
    return token.value_or("");
  }
  static std::string Sign(const SigningKey& key, const Json& claims) {
    return Sign(key, claims.Serialize());
  }
  // `key`'s signature over an arbitrary header.
  static std::string SignWithHeader(const SigningKey& key,
                                    absl::string_view header,
                                    absl::string_view payload) {
    absl::StatusOr<std::string> token = SignRawJws(key, header, payload);
    EXPECT_THAT(token, IsOk());
    return token.value_or("");
  }

  // Validates at kNow with `policy` against the EC key set.
  absl::StatusOr<VerifiedJwt> Validate(
      absl::string_view token, const ValidationPolicy& policy = DefaultPolicy(),
      absl::string_view required_audience = "") const {
    absl::StatusOr<JwtValidator> validator = JwtValidator::Create(policy);
    if (!validator.ok()) return validator.status();
    return validator->Validate(token, *ec_keys_, kNow, required_audience);
  }
  // The same at `now`, with the payload's claims changed by `edit`.
  template <typename Edit>
  absl::StatusOr<VerifiedJwt> ValidateEdited(
      Edit edit, const ValidationPolicy& policy = DefaultPolicy()) const {
    Json claims = Claims();
    edit(claims);
    return Validate(Sign(*es256_, claims), policy);
  }

  static crypto::EcPrivateKey* ec_private_;
  std::shared_ptr<const SigningKey> es256_;
  std::shared_ptr<const SigningKey> hs256_;
  std::shared_ptr<const KeySet> ec_keys_;
  std::shared_ptr<const KeySet> hmac_keys_;
  std::shared_ptr<const KeySet> both_keys_;
};

crypto::EcPrivateKey* JwtValidatorTest::ec_private_ = nullptr;

// A freshly signed ES256 token validates, and the verified JWT carries the
// key's alg and kid and the typed registered claims.
TEST_F(JwtValidatorTest, AcceptsValidEs256Token) {
  ASSERT_OK_AND_ASSIGN(VerifiedJwt jwt, Validate(Sign(*es256_, Claims())));
  EXPECT_EQ(jwt.alg(), JwsAlgorithm::kES256);
  EXPECT_EQ(jwt.kid(), kEcKid);
  EXPECT_TRUE(jwt.claims() == Claims());
  const RegisteredClaims& r = jwt.registered();
  EXPECT_EQ(r.issuer, std::optional<std::string>(kIssuer));
  EXPECT_EQ(r.subject, std::optional<std::string>("alice"));
  EXPECT_THAT(r.audiences, ElementsAre(kAudience));
  EXPECT_EQ(r.issued_at, std::optional<absl::Time>(kNow));
  EXPECT_EQ(r.expires_at, std::optional<absl::Time>(kNow + absl::Seconds(600)));
  EXPECT_FALSE(r.not_before.has_value());
  EXPECT_EQ(r.jwt_id, std::optional<std::string>("id-1"));
}

// claims() and registered() are built on first use: copies and moves carry
// the same claims, and threads racing on the first access all see one
// result.
TEST_F(JwtValidatorTest, LazyClaimsSurviveCopiesMovesAndRaces) {
  Json claims = Claims();
  claims.Set("aud", Json::FromArray({Json::String("x"), Json::String(kAudience),
                                     Json::String("y")}));
  claims.Set("nbf", Json::Double(kNowSeconds - 0.5));
  claims.Set("scope", Json::String("read write"));
  ASSERT_OK_AND_ASSIGN(VerifiedJwt jwt, Validate(Sign(*es256_, claims)));
  const VerifiedJwt copy = jwt;  // Before any decoding.
  std::vector<const Json*> seen(8, nullptr);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back([&jwt, &seen, i] { seen[i] = &jwt.claims(); });
  }
  for (std::thread& thread : threads) thread.join();
  for (const Json* each : seen) EXPECT_EQ(each, seen.front());
  EXPECT_TRUE(jwt.claims() == claims);
  EXPECT_TRUE(copy.claims() == claims);
  EXPECT_THAT(copy.registered().audiences, ElementsAre("x", kAudience, "y"));
  EXPECT_EQ(copy.registered().not_before,
            std::optional<absl::Time>(kNow - absl::Milliseconds(500)));
  const VerifiedJwt moved = std::move(jwt);  // After decoding.
  EXPECT_TRUE(moved.claims() == claims);
  EXPECT_EQ(moved.registered().jwt_id, std::optional<std::string>("id-1"));
  VerifiedJwt assigned = copy;
  assigned = moved;
  EXPECT_TRUE(assigned.claims() == claims);
}

// The encoded claims are built once and shared by every caller and thread.
std::atomic<int> encoder_calls{0};
void CountingEncoder(const Json& claims, std::string* out) {
  encoder_calls.fetch_add(1);
  out->append(claims.Serialize());
}

TEST_F(JwtValidatorTest, EncodedClaimsAreBuiltOnce) {
  ASSERT_OK_AND_ASSIGN(VerifiedJwt jwt, Validate(Sign(*es256_, Claims())));
  encoder_calls = 0;
  std::vector<const std::string*> seen(8, nullptr);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < seen.size(); ++i) {
    threads.emplace_back(
        [&jwt, &seen, i] { seen[i] = &jwt.EncodedClaims(&CountingEncoder); });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string* each : seen) EXPECT_EQ(each, seen.front());
  EXPECT_EQ(*seen.front(), Claims().Serialize());
  const int racing_calls = encoder_calls.load();
  EXPECT_GE(racing_calls, 1);  // Racing first calls may each encode once.
  EXPECT_EQ(jwt.EncodedClaims(&CountingEncoder), Claims().Serialize());
  EXPECT_EQ(encoder_calls.load(), racing_calls);
  // A moved VerifiedJwt keeps the bytes; a copy encodes on its own.
  const VerifiedJwt moved = std::move(jwt);
  EXPECT_EQ(moved.EncodedClaims(&CountingEncoder), Claims().Serialize());
  EXPECT_EQ(encoder_calls.load(), racing_calls);
  const VerifiedJwt copy = moved;
  EXPECT_EQ(copy.EncodedClaims(&CountingEncoder), Claims().Serialize());
  EXPECT_EQ(encoder_calls.load(), racing_calls + 1);
}

// A freshly signed HS256 token validates against the secret key.
TEST_F(JwtValidatorTest, AcceptsValidHs256Token) {
  ASSERT_OK_AND_ASSIGN(JwtValidator validator,
                       JwtValidator::Create(DefaultPolicy()));
  ASSERT_OK_AND_ASSIGN(
      VerifiedJwt jwt,
      validator.Validate(Sign(*hs256_, Claims()), *hmac_keys_, kNow));
  EXPECT_EQ(jwt.alg(), JwsAlgorithm::kHS256);
  EXPECT_EQ(jwt.kid(), kHmacKid);
  // Both key types in one set: each token finds its key by kid.
  EXPECT_THAT(validator.Validate(Sign(*hs256_, Claims()), *both_keys_, kNow),
              IsOk());
  EXPECT_THAT(validator.Validate(Sign(*es256_, Claims()), *both_keys_, kNow),
              IsOk());
}

// The other curves and hash sizes round-trip too.
TEST_F(JwtValidatorTest, AcceptsOtherAlgorithms) {
  struct Case {
    crypto::EcCurve curve;
    JwsAlgorithm alg;
  };
  for (const Case& c : {Case{crypto::EcCurve::kP384, JwsAlgorithm::kES384},
                        Case{crypto::EcCurve::kP521, JwsAlgorithm::kES512}}) {
    ASSERT_OK_AND_ASSIGN(crypto::EcPrivateKey ec,
                         crypto::EcPrivateKey::Generate(c.curve));
    ASSERT_OK_AND_ASSIGN(auto signer, SigningKey::Create(ec, c.alg));
    ASSERT_OK_AND_ASSIGN(
        auto verifier,
        VerificationKey::Create(ec.public_key(), c.alg, signer->kid()));
    ASSERT_OK_AND_ASSIGN(auto keys, KeySet::Create({verifier}));
    ASSERT_OK_AND_ASSIGN(JwtValidator validator,
                         JwtValidator::Create(DefaultPolicy()));
    EXPECT_THAT(validator.Validate(Sign(*signer, Claims()), *keys, kNow),
                IsOk())
        << JwsAlgorithmName(c.alg);
  }
  for (JwsAlgorithm alg : {JwsAlgorithm::kHS384, JwsAlgorithm::kHS512}) {
    const std::string secret(crypto::DigestLength(HashOf(alg)), 's');
    ASSERT_OK_AND_ASSIGN(auto signer, SigningKey::FromSecret(secret, alg, "h"));
    ASSERT_OK_AND_ASSIGN(auto verifier,
                         VerificationKey::FromSecret(secret, alg, "h"));
    ASSERT_OK_AND_ASSIGN(auto keys, KeySet::Create({verifier}));
    ASSERT_OK_AND_ASSIGN(JwtValidator validator,
                         JwtValidator::Create(DefaultPolicy()));
    EXPECT_THAT(validator.Validate(Sign(*signer, Claims()), *keys, kNow),
                IsOk())
        << JwsAlgorithmName(alg);
  }
}

// Flipping any single bit of the decoded header, payload or signature, and
// re-encoding it canonically, makes the token fail (a signature flip as
// BAD_SIGNATURE).
TEST_F(JwtValidatorTest, RejectsEveryBitFlip) {
  const std::string token = Sign(*es256_, Claims());
  ASSERT_THAT(Validate(token), IsOk());
  const std::vector<std::string> segments = Segments(token);
  for (int part = 0; part < 3; ++part) {
    ASSERT_OK_AND_ASSIGN(std::string bytes, Base64UrlDecode(segments[part]));
    for (size_t i = 0; i < bytes.size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        std::string flipped = bytes;
        flipped[i] = static_cast<char>(flipped[i] ^ (1 << bit));
        std::vector<std::string> changed = segments;
        changed[part] = Base64UrlEncode(flipped);
        const std::string tampered = absl::StrJoin(changed, ".");
        absl::StatusOr<VerifiedJwt> result = Validate(tampered);
        if (part == 2) {
          EXPECT_THAT(result, IsRejected(RejectReason::kBadSignature))
              << "signature byte " << i << " bit " << bit;
        } else {
          EXPECT_THAT(result, IsRejectedForAnyReason())
              << "segment " << part << " byte " << i << " bit " << bit;
        }
      }
    }
  }
}

// Replacing any single character of an HS256 token by any other character
// (alphabet, separators, padding, whitespace, non-ASCII) is rejected.
TEST_F(JwtValidatorTest, RejectsEveryCharacterChangeHs256) {
  const std::string token = Sign(*hs256_, Claims());
  ASSERT_OK_AND_ASSIGN(JwtValidator validator,
                       JwtValidator::Create(DefaultPolicy()));
  ASSERT_THAT(validator.Validate(token, *hmac_keys_, kNow), IsOk());
  const std::string replacements =
      std::string(kAlphabet) + std::string(".=+/ \n\0\x7f\xff\xc3", 10);
  int tried = 0;
  for (size_t i = 0; i < token.size(); ++i) {
    for (char c : replacements) {
      if (c == token[i]) continue;
      std::string tampered = token;
      tampered[i] = c;
      ++tried;
      EXPECT_THAT(validator.Validate(tampered, *hmac_keys_, kNow),
                  IsRejectedForAnyReason())
          << "position " << i << " -> " << ::testing::PrintToString(c);
    }
  }
  EXPECT_GT(tried, 1000);
}

// Replacing any single character of an ES256 token is rejected.
TEST_F(JwtValidatorTest, RejectsEveryCharacterChangeEs256) {
  const std::string token = Sign(*es256_, Claims());
  for (size_t i = 0; i < token.size(); ++i) {
    const size_t index = std::string(kAlphabet).find(token[i]);
    for (char c :
         {index == std::string::npos ? 'A' : kAlphabet[(index + 1) % 64],
          index == std::string::npos ? 'B' : kAlphabet[(index + 32) % 64],
          '.'}) {
      if (c == token[i]) continue;
      std::string tampered = token;
      tampered[i] = c;
      EXPECT_THAT(Validate(tampered), IsRejectedForAnyReason())
          << "position " << i << " -> " << c;
    }
  }
}

// Every strict prefix and every strict suffix of a token is rejected, and so
// are tokens with something appended.
TEST_F(JwtValidatorTest, RejectsEveryTruncation) {
  const std::string token = Sign(*es256_, Claims());
  for (size_t n = 0; n < token.size(); ++n) {
    EXPECT_THAT(Validate(token.substr(0, n)), IsRejectedForAnyReason())
        << "prefix of " << n;
    EXPECT_THAT(Validate(token.substr(token.size() - n)),
                IsRejectedForAnyReason())
        << "suffix of " << n;
  }
  for (const char* extra : {"A", "AA", "AAA", "AAAA", ".", "=", " "}) {
    EXPECT_THAT(Validate(absl::StrCat(token, extra)), IsRejectedForAnyReason())
        << extra;
  }
}

// alg "none" in any spelling is refused, signed or not, with or without kid.
TEST_F(JwtValidatorTest, RejectsAlgNone) {
  const std::string payload = Claims().Serialize();
  for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
    const std::string header =
        absl::StrCat(R"({"alg":")", alg, R"(","kid":")", kEcKid, R"("})");
    EXPECT_THAT(Validate(UnsignedJws(header, payload)),
                IsRejected(RejectReason::kUnsupportedAlgorithm))
        << alg;
    EXPECT_THAT(Validate(SignWithHeader(*es256_, header, payload)),
                IsRejected(RejectReason::kUnsupportedAlgorithm))
        << alg;
    EXPECT_THAT(Validate(UnsignedJws(absl::StrCat(R"({"alg":")", alg, R"("})"),
                                     payload)),
                IsRejected(RejectReason::kUnsupportedAlgorithm))
        << alg;
  }
}

// The key decides the algorithm: an HS256 token naming the ES256 key's kid
// is refused, whatever secret it was MACed with.
TEST_F(JwtValidatorTest, RejectsHeaderAlgDifferentFromKeyAlg) {
  ASSERT_OK_AND_ASSIGN(
      auto hs_with_ec_kid,
      SigningKey::FromSecret(kSecret, JwsAlgorithm::kHS256, kEcKid));
  EXPECT_THAT(Validate(Sign(*hs_with_ec_kid, Claims())),
              IsRejected(RejectReason::kUnsupportedAlgorithm));

  // And the other way round: an ES256 token naming the HMAC key's kid.
  ASSERT_OK_AND_ASSIGN(
      auto es_with_hmac_kid,
      SigningKey::Create(*ec_private_, JwsAlgorithm::kES256, kHmacKid));
  ASSERT_OK_AND_ASSIGN(JwtValidator validator,
                       JwtValidator::Create(DefaultPolicy()));
  EXPECT_THAT(
      validator.Validate(Sign(*es_with_hmac_kid, Claims()), *hmac_keys_, kNow),
      IsRejected(RejectReason::kUnsupportedAlgorithm));

  // An ES384 token (P-384 key) naming the ES256 key.
  ASSERT_OK_AND_ASSIGN(crypto::EcPrivateKey p384,
                       crypto::EcPrivateKey::Generate(crypto::EcCurve::kP384));
  ASSERT_OK_AND_ASSIGN(auto es384,
                       SigningKey::Create(p384, JwsAlgorithm::kES384, kEcKid));
  EXPECT_THAT(Validate(Sign(*es384, Claims())),
              IsRejected(RejectReason::kUnsupportedAlgorithm));
}

// The classic key confusion: an HS256 token MACed with the ES256 public key's
// PEM or JWK bytes (which an attacker knows) is refused, with kid and
// without.
TEST_F(JwtValidatorTest, RejectsPublicKeyUsedAsHmacSecret) {
  ASSERT_OK_AND_ASSIGN(std::string pem, ec_private_->public_key().ToPem());
  const std::string jwk = ec_keys_->keys().front()->public_jwk().Serialize();
  const std::string secrets[] = {
      pem, jwk, ec_keys_->jwks_json(),
      ec_private_->public_key().x() + ec_private_->public_key().y()};
  const std::string payload = Claims().Serialize();
  for (const std::string& secret : secrets) {
    ASSERT_OK_AND_ASSIGN(
        auto forged,
        SigningKey::FromSecret(secret, JwsAlgorithm::kHS256, kEcKid));
    EXPECT_THAT(Validate(Sign(*forged, payload)),
                IsRejected(RejectReason::kUnsupportedAlgorithm));
    EXPECT_THAT(
        Validate(SignWithHeader(*forged, R"({"alg":"HS256"})", payload)),
        IsRejected(RejectReason::kUnsupportedAlgorithm));
  }
}

// Headers that are never followed make even a well-signed token malformed.
TEST_F(JwtValidatorTest, RejectsForbiddenHeadersOnSignedTokens) {
  const std::string payload = Claims().Serialize();
  for (
      const char* member :
      {R"("crit":["exp"])", R"("jku":"https://evil.example/jwks.json")",
       R"("x5u":"https://evil.example/c.pem")",
       R"("jwk":{"kty":"oct","k":"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"})",
       R"("x5c":["MIIBIjAN"])", R"("enc":"A128GCM")", R"("cty":"JWT")"}) {
    const std::string header =
        absl::StrCat(R"({"alg":"ES256","kid":")", kEcKid, R"(",)", member, "}");
    EXPECT_THAT(Validate(SignWithHeader(*es256_, header, payload)),
                IsRejected(RejectReason::kMalformed))
        << member;
  }
}

// Only three segments: 2, 4 and 5 segments are malformed.
TEST_F(JwtValidatorTest, RejectsWrongSegmentCounts) {
  const std::string token = Sign(*es256_, Claims());
  const std::vector<std::string> s = Segments(token);
  for (const std::string& bad :
       {absl::StrCat(s[0], ".", s[1]), absl::StrCat(token, ".", s[2]),
        absl::StrCat(token, ".", s[1], ".", s[2])}) {
    EXPECT_THAT(Validate(bad), IsRejected(RejectReason::kMalformed));
  }
}

// Tokens over 8192 bytes are refused before anything else, even when
// correctly signed.
TEST_F(JwtValidatorTest, RejectsOversizedToken) {
  Json claims = Claims();
  claims.Set("pad", Json::String(std::string(6200, 'p')));
  const std::string token = Sign(*hs256_, claims);
  ASSERT_GT(token.size(), 8192u);
  ASSERT_OK_AND_ASSIGN(JwtValidator validator,
                       JwtValidator::Create(DefaultPolicy()));
  EXPECT_THAT(validator.Validate(token, *hmac_keys_, kNow),
              IsRejected(RejectReason::kMalformed));
  // The same claims fit under a validator with larger limits.
  JwsLimits big;
  big.max_token_bytes = 16384;
  ASSERT_OK_AND_ASSIGN(JwtValidator lenient,
                       JwtValidator::Create(DefaultPolicy(), big));
  EXPECT_THAT(lenient.Validate(token, *hmac_keys_, kNow), IsOk());
  EXPECT_EQ(lenient.limits().max_token_bytes, 16384u);
}

// kid longer than kMaxKidLength is malformed; an unknown kid is
// UNKNOWN_KEY (checked before the signature).
TEST_F(JwtValidatorTest, KidHandling) {
  const std::string payload = Claims().Serialize();
  const std::string long_kid(kMaxKidLength + 1, 'k');
  EXPECT_THAT(
      Validate(SignWithHeader(
          *es256_, absl::StrCat(R"({"alg":"ES256","kid":")", long_kid, "\"}"),
          payload)),
      IsRejected(RejectReason::kMalformed));
  EXPECT_THAT(Validate(SignWithHeader(
                  *es256_, R"({"alg":"ES256","kid":"other-key"})", payload)),
              IsRejected(RejectReason::kUnknownKey));
  // A kid that differs only in case, or is a prefix, is another kid.
  EXPECT_THAT(Validate(SignWithHeader(
                  *es256_, R"({"alg":"ES256","kid":"EC-KEY-1"})", payload)),
              IsRejected(RejectReason::kUnknownKey));
  EXPECT_THAT(Validate(SignWithHeader(*es256_, R"({"alg":"ES256","kid":"ec"})",
                                      payload)),
              IsRejected(RejectReason::kUnknownKey));
  EXPECT_THAT(
      Validate(SignWithHeader(*es256_, R"({"alg":"ES256","kid":""})", payload)),
      IsRejected(RejectReason::kUnknownKey));
  EXPECT_THAT(Validate(UnsignedJws(R"({"alg":"ES256","kid":"other-key"})",
                                   payload, "junk")),
              IsRejected(RejectReason::kUnknownKey));
}

// Without kid, a token is tried against the only key; with several keys
// trusted it is UNKNOWN_KEY.
TEST_F(JwtValidatorTest, TokenWithoutKid) {
  const std::string token = SignWithHeader(
      *es256_, R"({"alg":"ES256","typ":"JWT"})", Claims().Serialize());
  ASSERT_OK_AND_ASSIGN(JwtValidator validator,
                       JwtValidator::Create(DefaultPolicy()));
  ASSERT_OK_AND_ASSIGN(VerifiedJwt jwt,
                       validator.Validate(token, *ec_keys_, kNow));
  EXPECT_EQ(jwt.kid(), kEcKid);
  EXPECT_THAT(validator.Validate(token, *both_keys_, kNow),
              IsRejected(RejectReason::kUnknownKey));
  ASSERT_OK_AND_ASSIGN(auto empty, KeySet::Create({}));
  EXPECT_THAT(validator.Validate(token, *empty, kNow),
              IsRejected(RejectReason::kUnknownKey));
}

// ES256 signatures are raw R||S: the DER encoding of a valid signature, an
// all-zero signature, or one of the wrong length is BAD_SIGNATURE.
TEST_F(JwtValidatorTest, RejectsNonRawEcdsaSignatures) {
  const std::string token = Sign(*es256_, Claims());
  ASSERT_THAT(Validate(token), IsOk());
  const std::vector<std::string> s = Segments(token);
  ASSERT_OK_AND_ASSIGN(std::string raw, Base64UrlDecode(s[2]));
  ASSERT_EQ(raw.size(), 64u);
  const std::string prefix = absl::StrCat(s[0], ".", s[1], ".");
  for (const std::string& signature :
       {RawToDer(raw), std::string(64, '\0'), raw.substr(0, 63),
        raw + std::string(1, '\0'), std::string(1, '\0') + raw, std::string(),
        raw.substr(32) + raw.substr(0, 32)}) {
    EXPECT_THAT(Validate(prefix + Base64UrlEncode(signature)),
                IsRejected(RejectReason::kBadSignature))
        << signature.size() << " bytes";
  }
}

// exp + leeway <= now is expired: exactly at the boundary it is expired, one
// second later not. A zero leeway makes exp itself the boundary.
TEST_F(JwtValidatorTest, ExpiryBoundary) {
  auto with_exp = [](int64_t exp) {
    return [exp](Json& c) {
      c.Set("exp", Json::Integer(exp));
      c.Set("iat", Json::Integer(exp - 3600));
    };
  };
  const int64_t leeway = absl::ToInt64Seconds(kLeeway);
  EXPECT_THAT(ValidateEdited(with_exp(kNowSeconds - leeway)),
              IsRejected(RejectReason::kExpired));
  EXPECT_THAT(ValidateEdited(with_exp(kNowSeconds - leeway + 1)), IsOk());
  EXPECT_THAT(ValidateEdited(with_exp(kNowSeconds - 3600)),
              IsRejected(RejectReason::kExpired));
  EXPECT_THAT(ValidateEdited(with_exp(kNowSeconds)), IsOk());

  ValidationPolicy strict = DefaultPolicy();
  strict.leeway = absl::ZeroDuration();
  EXPECT_THAT(ValidateEdited(with_exp(kNowSeconds), strict),
              IsRejected(RejectReason::kExpired));
  EXPECT_THAT(ValidateEdited(with_exp(kNowSeconds + 1), strict), IsOk());
  // Fractions count: exp = now + 0.5 s is still valid without leeway.
  EXPECT_THAT(
      ValidateEdited(
          [](Json& c) { c.Set("exp", Json::Double(kNowSeconds + 0.5)); },
          strict),
      IsOk());
  EXPECT_THAT(
      ValidateEdited(
          [](Json& c) { c.Set("exp", Json::Double(kNowSeconds - 0.5)); },
          strict),
      IsRejected(RejectReason::kExpired));
}

// exp is required by default, and optional when the policy says so.
TEST_F(JwtValidatorTest, MissingExp) {
  const std::string token = Sign(*es256_, ClaimsWithout("exp"));
  EXPECT_THAT(Validate(token), IsRejected(RejectReason::kMissingClaim));
  ValidationPolicy lenient = DefaultPolicy();
  lenient.require_exp = false;
  ASSERT_OK_AND_ASSIGN(VerifiedJwt jwt, Validate(token, lenient));
  EXPECT_FALSE(jwt.registered().expires_at.has_value());
}

// nbf and iat in the future beyond the leeway are NOT_YET_VALID; within the
// leeway they are accepted.
TEST_F(JwtValidatorTest, NotBeforeAndIssuedAtInTheFuture) {
  const int64_t leeway = absl::ToInt64Seconds(kLeeway);
  for (const char* claim : {"nbf", "iat"}) {
    auto at = [claim](int64_t t) {
      return [claim, t](Json& c) { c.Set(claim, Json::Integer(t)); };
    };
    EXPECT_THAT(ValidateEdited(at(kNowSeconds + leeway + 1)),
                IsRejected(RejectReason::kNotYetValid))
        << claim;
    EXPECT_THAT(ValidateEdited(at(kNowSeconds + 300)),
                IsRejected(RejectReason::kNotYetValid))
        << claim;
    EXPECT_THAT(ValidateEdited(at(kNowSeconds + leeway)), IsOk()) << claim;
    EXPECT_THAT(ValidateEdited(at(kNowSeconds + 1)), IsOk()) << claim;
    EXPECT_THAT(ValidateEdited(at(kNowSeconds - 100)), IsOk()) << claim;
  }
}

// iss must be present and equal to the policy's issuer byte for byte.
TEST_F(JwtValidatorTest, Issuer) {
  EXPECT_THAT(Validate(Sign(*es256_, ClaimsWithout("iss"))),
              IsRejected(RejectReason::kWrongIssuer));
  for (const char* iss :
       {"https://other.example", "https://ISSUER.example",
        "https://issuer.example/", "https://issuer.exampl", ""}) {
    EXPECT_THAT(
        ValidateEdited([iss](Json& c) { c.Set("iss", Json::String(iss)); }),
        IsRejected(RejectReason::kWrongIssuer))
        << iss;
  }
}

// aud may be a string or an array; one accepted audience suffices; none is
// WRONG_AUDIENCE, as is a missing aud under an audience policy.
TEST_F(JwtValidatorTest, Audience) {
  auto aud = [](Json value) {
    return [value](Json& c) { c.Set("aud", value); };
  };
  Json both = Json::EmptyArray();
  both.Append(Json::String("other"));
  both.Append(Json::String(kAudience));
  Json neither = Json::EmptyArray();
  neither.Append(Json::String("x"));
  neither.Append(Json::String("API"));
  EXPECT_THAT(ValidateEdited(aud(Json::String(kAudience))), IsOk());
  EXPECT_THAT(ValidateEdited(aud(both)), IsOk());
  EXPECT_THAT(ValidateEdited(aud(Json::String("other"))),
              IsRejected(RejectReason::kWrongAudience));
  EXPECT_THAT(ValidateEdited(aud(neither)),
              IsRejected(RejectReason::kWrongAudience));
  const Json no_aud = ClaimsWithout("aud");
  EXPECT_THAT(Validate(Sign(*es256_, no_aud)),
              IsRejected(RejectReason::kWrongAudience));

  // Without an audience policy any aud, or none, is accepted.
  ValidationPolicy open = DefaultPolicy();
  open.audiences.clear();
  EXPECT_THAT(Validate(Sign(*es256_, no_aud), open), IsOk());
  EXPECT_THAT(ValidateEdited(aud(Json::String("other")), open), IsOk());

  // Any one of several accepted audiences.
  ValidationPolicy several = DefaultPolicy();
  several.audiences = {"first", "second"};
  EXPECT_THAT(ValidateEdited(aud(Json::String("second")), several), IsOk());
  EXPECT_THAT(ValidateEdited(aud(Json::String(kAudience)), several),
              IsRejected(RejectReason::kWrongAudience));
}

// required_audience must be in aud on top of the policy's audiences.
TEST_F(JwtValidatorTest, RequiredAudience) {
  Json claims = Claims();
  Json auds = Json::EmptyArray();
  auds.Append(Json::String(kAudience));
  auds.Append(Json::String("billing"));
  claims.Set("aud", auds);
  const std::string token = Sign(*es256_, claims);
  EXPECT_THAT(Validate(token, DefaultPolicy(), "billing"), IsOk());
  EXPECT_THAT(Validate(token, DefaultPolicy(), kAudience), IsOk());
  EXPECT_THAT(Validate(token, DefaultPolicy(), "payments"),
              IsRejected(RejectReason::kWrongAudience));
  // Also when the policy itself names no audience.
  ValidationPolicy open = DefaultPolicy();
  open.audiences.clear();
  EXPECT_THAT(Validate(token, open, "payments"),
              IsRejected(RejectReason::kWrongAudience));
  EXPECT_THAT(Validate(token, open, "billing"), IsOk());
  // The policy still applies when the required audience is present.
  ValidationPolicy other = DefaultPolicy();
  other.audiences = {"elsewhere"};
  EXPECT_THAT(Validate(token, other, "billing"),
              IsRejected(RejectReason::kWrongAudience));
}

// typ must match the policy, ignoring ASCII case and "application/".
TEST_F(JwtValidatorTest, TypPolicy) {
  ValidationPolicy policy = DefaultPolicy();
  policy.typ = "JWT";
  const std::string payload = Claims().Serialize();
  for (const char* typ : {"JWT", "jwt", "Jwt", "application/jwt",
                          "application/JWT", "APPLICATION/jwt"}) {
    EXPECT_THAT(Validate(Sign(*es256_, payload, typ), policy), IsOk()) << typ;
  }
  for (const char* typ : {"at+jwt", "JWS", "application/at+jwt", "jwt ",
                          "application/", "text/jwt"}) {
    EXPECT_THAT(Validate(Sign(*es256_, payload, typ), policy),
                IsRejected(RejectReason::kWrongType))
        << typ;
  }
  // Missing typ under a typ policy.
  EXPECT_THAT(Validate(Sign(*es256_, payload, ""), policy),
              IsRejected(RejectReason::kWrongType));
  // A policy written with the prefix matches the short form.
  policy.typ = "application/at+jwt";
  EXPECT_THAT(Validate(Sign(*es256_, payload, "at+jwt"), policy), IsOk());
  // Without a typ policy any typ passes.
  EXPECT_THAT(Validate(Sign(*es256_, payload, "whatever")), IsOk());
}

// max_age requires iat and bounds the token's age.
TEST_F(JwtValidatorTest, MaxAge) {
  ValidationPolicy policy = DefaultPolicy();
  policy.max_age = absl::Minutes(5);
  auto iat = [](int64_t t) {
    return [t](Json& c) { c.Set("iat", Json::Integer(t)); };
  };
  EXPECT_THAT(ValidateEdited(iat(kNowSeconds), policy), IsOk());
  EXPECT_THAT(ValidateEdited(iat(kNowSeconds - 300), policy), IsOk());
  EXPECT_THAT(ValidateEdited(iat(kNowSeconds - 300 - 60 - 1), policy),
              IsRejected(RejectReason::kTooOld));
  EXPECT_THAT(ValidateEdited(iat(kNowSeconds - 3600), policy),
              IsRejected(RejectReason::kTooOld));
  const Json no_iat = ClaimsWithout("iat");
  EXPECT_THAT(Validate(Sign(*es256_, no_iat), policy),
              IsRejected(RejectReason::kMissingClaim));
  // Without max_age, an old iat is fine.
  EXPECT_THAT(ValidateEdited(iat(kNowSeconds - 86400 * 365)), IsOk());
  EXPECT_THAT(Validate(Sign(*es256_, no_iat)), IsOk());
}

// Required claims must be present, whatever their value.
TEST_F(JwtValidatorTest, RequiredClaims) {
  ValidationPolicy policy = DefaultPolicy();
  policy.required_claims = {"sub", "tenant"};
  EXPECT_THAT(Validate(Sign(*es256_, Claims()), policy),
              IsRejected(RejectReason::kMissingClaim));
  EXPECT_THAT(ValidateEdited([](Json& c) { c.Set("tenant", Json()); }, policy),
              IsOk());
  EXPECT_THAT(
      ValidateEdited([](Json& c) { c.Set("tenant", Json::String("acme")); },
                     policy),
      IsOk());
}

// Registered claims of the wrong type or out of range are INVALID_CLAIM.
TEST_F(JwtValidatorTest, RejectsBadClaimTypes) {
  struct Case {
    const char* claim;
    const char* json;
  };
  const Case cases[] = {
      {"exp", R"("1700000600")"},
      {"exp", R"("soon")"},
      {"exp", "-1"},
      {"exp", "-0.5"},
      {"exp", "1e300"},
      {"exp", "253402300800"},  // kMaxNumericDate + 1
      {"exp", "18446744073709551615"},
      {"exp", "1e20"},
      {"exp", "true"},
      {"exp", "null"},
      {"exp", "[1700000600]"},
      {"exp", "{}"},
      {"nbf", R"("1699999999")"},
      {"nbf", "-5"},
      {"iat", R"("1700000000")"},
      {"iat", "1e300"},
      {"aud", "5"},
      {"aud", "[]"},
      {"aud", R"(["api",1])"},
      {"aud", R"([["api"]])"},
      {"aud", "null"},
      {"aud", "{}"},
      {"iss", "5"},
      {"iss", "null"},
      {"iss", R"(["https://issuer.example"])"},
      {"sub", "5"},
      {"jti", "7"},
  };
  for (const Case& c : cases) {
    // The claim's JSON text exactly as written, appended to the others.
    std::string payload = ClaimsWithout(c.claim).Serialize();
    payload.pop_back();
    absl::StrAppend(&payload, ",\"", c.claim, "\":", c.json, "}");
    ASSERT_THAT(ParseJsonObject(payload), IsOk()) << payload;
    EXPECT_THAT(Validate(Sign(*es256_, payload)),
                IsRejected(RejectReason::kInvalidClaim))
        << c.claim << " = " << c.json;
  }
  // The largest NumericDate is still accepted.
  EXPECT_THAT(ValidateEdited(
                  [](Json& c) { c.Set("exp", Json::Integer(253402300799)); }),
              IsOk());
}

// A payload that is not a strict JSON object is malformed, even correctly
// signed.
TEST_F(JwtValidatorTest, RejectsMalformedPayload) {
  const std::string bad[] = {
      "not json",
      "",
      R"(["iss"])",
      absl::StrCat(R"({"iss":")", kIssuer, R"(","iss":")", kIssuer,
                   R"(","exp":1700000600})"),
      absl::StrCat(R"({"iss":")", kIssuer,
                   R"(","exp":1700000600,"aud":"api","exp":1})"),
      "{\"iss\":\"\xff\"}",
      R"({"iss":"\udc00"})",
      R"({"exp":1e400})",
      absl::StrCat(Claims().Serialize(), "x"),
  };
  for (const std::string& payload : bad) {
    EXPECT_THAT(Validate(Sign(*es256_, payload)),
                IsRejected(RejectReason::kMalformed))
        << ::testing::PrintToString(payload);
  }
}

// Rejection details never contain the token or any of its segments.
TEST_F(JwtValidatorTest, DetailsNeverContainTheToken) {
  std::vector<std::string> tokens;
  tokens.push_back(Sign(*es256_, Claims()));
  tokens.back().back() = tokens.back().back() == 'A' ? 'Q' : 'A';
  Json expired = Claims();
  expired.Set("exp", Json::Integer(1));
  tokens.push_back(Sign(*es256_, expired));
  tokens.push_back(Sign(*es256_, "not json"));
  tokens.push_back(SignWithHeader(*es256_, R"({"alg":"ES256","kid":"nope"})",
                                  Claims().Serialize()));
  for (const std::string& token : tokens) {
    absl::StatusOr<VerifiedJwt> result = Validate(token);
    ASSERT_THAT(result, IsRejectedForAnyReason());
    for (const std::string& segment : Segments(token)) {
      if (segment.size() < 8) continue;
      EXPECT_THAT(std::string(result.status().message()),
                  Not(HasSubstr(segment)));
    }
  }
}

// Create checks the policy: an issuer is required and the leeway is bounded
// to [0, 10 min].
TEST(JwtValidatorCreateTest, ChecksPolicy) {
  ValidationPolicy policy;
  policy.issuer = "";
  EXPECT_THAT(JwtValidator::Create(policy),
              StatusIs(absl::StatusCode::kInvalidArgument));
  policy.issuer = kIssuer;
  EXPECT_THAT(JwtValidator::Create(policy), IsOk());
  policy.leeway = kMaxLeeway;
  EXPECT_THAT(JwtValidator::Create(policy), IsOk());
  policy.leeway = absl::ZeroDuration();
  EXPECT_THAT(JwtValidator::Create(policy), IsOk());
  policy.leeway = kMaxLeeway + absl::Seconds(1);
  EXPECT_THAT(JwtValidator::Create(policy),
              StatusIs(absl::StatusCode::kInvalidArgument));
  policy.leeway = absl::Minutes(11);
  EXPECT_THAT(JwtValidator::Create(policy),
              StatusIs(absl::StatusCode::kInvalidArgument));
  policy.leeway = absl::Seconds(-1);
  EXPECT_THAT(JwtValidator::Create(policy),
              StatusIs(absl::StatusCode::kInvalidArgument));
  policy.leeway = absl::InfiniteDuration();
  EXPECT_THAT(JwtValidator::Create(policy),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(kMaxLeeway, absl::Minutes(10));
}

// The defaults are the documented ones.
TEST(JwtValidatorCreateTest, Defaults) {
  ValidationPolicy policy;
  policy.issuer = kIssuer;
  ASSERT_OK_AND_ASSIGN(JwtValidator validator, JwtValidator::Create(policy));
  EXPECT_EQ(validator.policy().leeway, absl::Seconds(60));
  EXPECT_TRUE(validator.policy().require_exp);
  EXPECT_EQ(validator.limits().max_token_bytes, 8192u);
  EXPECT_EQ(validator.policy().issuer, kIssuer);
}

}  // namespace
}  // namespace jwtd::jose
