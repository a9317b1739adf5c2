#include "server/jose/keys.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/digest.h"
#include "server/crypto/ecdsa.h"
#include "server/jose/algorithm.h"
#include "server/jose/base64url.h"
#include "server/jose/json.h"
#include "server/jose/json_parser.h"
#include "server/jose/jwk.h"
#include "server/jose/key_set.h"
#include "tests/support/json_member.h"
#include "tests/support/status_matchers.h"

namespace jwtd::jose {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::Member;
using ::jwtd::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr char kKid[] = "key-1";
// Every algorithm jwtd knows (algorithm.h keeps the list).
constexpr auto& kAllAlgorithms = kAllJwsAlgorithms;

crypto::EcPrivateKey NewKey(crypto::EcCurve curve) {
  return crypto::EcPrivateKey::Generate(curve).value();
}

// RFC 7638 section 3.2 input for an EC key, built independently here.
std::string CanonicalEcJwk(const crypto::EcPublicKey& key) {
  return absl::StrCat(R"({"crv":")", JwkCurveName(key.curve()),
                      R"(","kty":"EC","x":")", Base64UrlEncode(key.x()),
                      R"(","y":")", Base64UrlEncode(key.y()), R"("})");
}

// Names map both ways, exactly and case-sensitively.
TEST(AlgorithmTest, NamesRoundTrip) {
  for (JwsAlgorithm alg : kAllAlgorithms) {
    EXPECT_EQ(JwsAlgorithmFromName(JwsAlgorithmName(alg)),
              std::optional<JwsAlgorithm>(alg));
  }
  EXPECT_EQ(JwsAlgorithmName(JwsAlgorithm::kES256), "ES256");
  EXPECT_EQ(JwsAlgorithmName(JwsAlgorithm::kHS512), "HS512");
  for (const char* name : {"none", "None", "es256", "Hs256", "rs256", "eddsa",
                           "ES521", "", "ES256\n"}) {
    EXPECT_FALSE(JwsAlgorithmFromName(name).has_value()) << name;
  }
  EXPECT_TRUE(IsHmac(JwsAlgorithm::kHS384));
  EXPECT_FALSE(IsHmac(JwsAlgorithm::kES384));
  EXPECT_EQ(HashOf(JwsAlgorithm::kES512), crypto::HashFunction::kSha512);
  EXPECT_EQ(HashOf(JwsAlgorithm::kHS384), crypto::HashFunction::kSha384);
}

// Each ES* algorithm has one curve, and HS* none.
TEST(JwkTest, CurvesOfAlgorithms) {
  EXPECT_EQ(CurveOf(JwsAlgorithm::kES256),
            std::optional<crypto::EcCurve>(crypto::EcCurve::kP256));
  EXPECT_EQ(CurveOf(JwsAlgorithm::kES384),
            std::optional<crypto::EcCurve>(crypto::EcCurve::kP384));
  EXPECT_EQ(CurveOf(JwsAlgorithm::kES512),
            std::optional<crypto::EcCurve>(crypto::EcCurve::kP521));
  EXPECT_FALSE(CurveOf(JwsAlgorithm::kHS256).has_value());
  EXPECT_EQ(JwkCurveName(crypto::EcCurve::kP256), "P-256");
  EXPECT_EQ(JwkCurveName(crypto::EcCurve::kP384), "P-384");
  EXPECT_EQ(JwkCurveName(crypto::EcCurve::kP521), "P-521");
}

// An EC key is usable only with the ES* algorithm of its curve.
TEST(KeysTest, EcKeyMustMatchAlgorithm) {
  const crypto::EcPrivateKey p256 = NewKey(crypto::EcCurve::kP256);
  const crypto::EcPrivateKey p384 = NewKey(crypto::EcCurve::kP384);
  for (JwsAlgorithm alg : kAllAlgorithms) {
    const bool fits = alg == JwsAlgorithm::kES256;
    EXPECT_EQ(VerificationKey::Create(p256.public_key(), alg, kKid).ok(), fits)
        << JwsAlgorithmName(alg);
    EXPECT_EQ(SigningKey::Create(p256, alg, kKid).ok(), fits)
        << JwsAlgorithmName(alg);
  }
  EXPECT_THAT(SigningKey::Create(p384, JwsAlgorithm::kES256, kKid),
              StatusIs(kInvalid));
  EXPECT_THAT(
      VerificationKey::Create(p384.public_key(), JwsAlgorithm::kES512, kKid),
      StatusIs(kInvalid));
  EXPECT_THAT(SigningKey::Create(p384, JwsAlgorithm::kES384, kKid), IsOk());
}

// HMAC secrets must be at least the hash length, and only for HS*.
TEST(KeysTest, HmacSecretLength) {
  for (JwsAlgorithm alg :
       {JwsAlgorithm::kHS256, JwsAlgorithm::kHS384, JwsAlgorithm::kHS512}) {
    const size_t length = crypto::DigestLength(HashOf(alg));
    const std::string name(JwsAlgorithmName(alg));
    EXPECT_THAT(SigningKey::FromSecret(std::string(length - 1, 'k'), alg, kKid),
                StatusIs(kInvalid))
        << name;
    EXPECT_THAT(
        VerificationKey::FromSecret(std::string(length - 1, 'k'), alg, kKid),
        StatusIs(kInvalid))
        << name;
    EXPECT_THAT(SigningKey::FromSecret("", alg, kKid), StatusIs(kInvalid))
        << name;
    EXPECT_THAT(SigningKey::FromSecret(std::string(length, 'k'), alg, kKid),
                IsOk())
        << name;
    EXPECT_THAT(
        VerificationKey::FromSecret(std::string(length, 'k'), alg, kKid),
        IsOk())
        << name;
  }
  const std::string long_secret(64, 'k');
  for (JwsAlgorithm alg :
       {JwsAlgorithm::kES256, JwsAlgorithm::kES384, JwsAlgorithm::kES512}) {
    EXPECT_THAT(SigningKey::FromSecret(long_secret, alg, kKid),
                StatusIs(kInvalid));
    EXPECT_THAT(VerificationKey::FromSecret(long_secret, alg, kKid),
                StatusIs(kInvalid));
  }
}

// kid is 1..kMaxKidLength bytes for every constructor that takes one.
TEST(KeysTest, KidLength) {
  const crypto::EcPrivateKey ec = NewKey(crypto::EcCurve::kP256);
  const std::string secret(32, 's');
  const std::string longest(kMaxKidLength, 'k');
  const std::string too_long(kMaxKidLength + 1, 'k');
  EXPECT_THAT(
      VerificationKey::Create(ec.public_key(), JwsAlgorithm::kES256, ""),
      StatusIs(kInvalid));
  EXPECT_THAT(
      VerificationKey::Create(ec.public_key(), JwsAlgorithm::kES256, too_long),
      StatusIs(kInvalid));
  EXPECT_THAT(
      VerificationKey::Create(ec.public_key(), JwsAlgorithm::kES256, longest),
      IsOk());
  EXPECT_THAT(VerificationKey::FromSecret(secret, JwsAlgorithm::kHS256, ""),
              StatusIs(kInvalid));
  EXPECT_THAT(
      VerificationKey::FromSecret(secret, JwsAlgorithm::kHS256, too_long),
      StatusIs(kInvalid));
  EXPECT_THAT(SigningKey::FromSecret(secret, JwsAlgorithm::kHS256, ""),
              StatusIs(kInvalid));
  EXPECT_THAT(SigningKey::FromSecret(secret, JwsAlgorithm::kHS256, too_long),
              StatusIs(kInvalid));
  EXPECT_THAT(SigningKey::FromSecret(secret, JwsAlgorithm::kHS256, longest),
              IsOk());
  EXPECT_THAT(SigningKey::Create(ec, JwsAlgorithm::kES256, too_long),
              StatusIs(kInvalid));
  ASSERT_OK_AND_ASSIGN(auto key,
                       SigningKey::Create(ec, JwsAlgorithm::kES256, longest));
  EXPECT_EQ(key->kid(), longest);
}

// A signing key's signatures verify with the matching verification key and
// not with another key.
TEST(KeysTest, SignerAndVerifierPair) {
  const crypto::EcPrivateKey ec = NewKey(crypto::EcCurve::kP256);
  const crypto::EcPrivateKey other = NewKey(crypto::EcCurve::kP256);
  ASSERT_OK_AND_ASSIGN(auto signer,
                       SigningKey::Create(ec, JwsAlgorithm::kES256, kKid));
  ASSERT_OK_AND_ASSIGN(
      auto verifier,
      VerificationKey::Create(ec.public_key(), JwsAlgorithm::kES256, kKid));
  ASSERT_OK_AND_ASSIGN(
      auto wrong,
      VerificationKey::Create(other.public_key(), JwsAlgorithm::kES256, kKid));
  EXPECT_EQ(signer->alg(), JwsAlgorithm::kES256);
  EXPECT_EQ(verifier->alg(), JwsAlgorithm::kES256);
  EXPECT_EQ(verifier->kid(), kKid);
  ASSERT_OK_AND_ASSIGN(std::string signature, signer->signer().Sign("data"));
  EXPECT_EQ(signature.size(), 64u);
  EXPECT_THAT(verifier->verifier().Verify("data", signature), IsOk());
  EXPECT_THAT(verifier->verifier().Verify("datA", signature), Not(IsOk()));
  EXPECT_THAT(wrong->verifier().Verify("data", signature), Not(IsOk()));

  const std::string secret(32, 's');
  ASSERT_OK_AND_ASSIGN(
      auto mac, SigningKey::FromSecret(secret, JwsAlgorithm::kHS256, kKid));
  ASSERT_OK_AND_ASSIGN(
      auto mac_verify,
      VerificationKey::FromSecret(secret, JwsAlgorithm::kHS256, kKid));
  ASSERT_OK_AND_ASSIGN(std::string tag, mac->signer().Sign("data"));
  EXPECT_THAT(mac_verify->verifier().Verify("data", tag), IsOk());
  EXPECT_TRUE(mac_verify->public_jwk().is_null());
}

// The public JWK holds exactly kty, crv, x, y, kid, alg, use=sig, and the
// coordinates are the key's.
TEST(JwkTest, EcPublicJwkMembers) {
  const crypto::EcPrivateKey ec = NewKey(crypto::EcCurve::kP384);
  const Json jwk = PublicJwk(ec.public_key(), JwsAlgorithm::kES384, kKid);
  ASSERT_TRUE(jwk.is_object());
  EXPECT_EQ(jwk.object().size(), 7u);
  EXPECT_EQ(Member(jwk, "kty").string_value(), "EC");
  EXPECT_EQ(Member(jwk, "crv").string_value(), "P-384");
  EXPECT_EQ(Member(jwk, "alg").string_value(), "ES384");
  EXPECT_EQ(Member(jwk, "use").string_value(), "sig");
  EXPECT_EQ(Member(jwk, "kid").string_value(), kKid);
  EXPECT_EQ(Base64UrlDecode(Member(jwk, "x").string_value()).value_or(""),
            ec.public_key().x());
  EXPECT_EQ(Base64UrlDecode(Member(jwk, "y").string_value()).value_or(""),
            ec.public_key().y());
  EXPECT_EQ(jwk.Find("d"), nullptr);
}

// The RFC 7638 thumbprint is base64url(SHA-256) of the canonical
// {"crv","kty","x","y"} JSON; stable for one key, different for another.
TEST(JwkTest, EcThumbprint) {
  for (crypto::EcCurve curve : {crypto::EcCurve::kP256, crypto::EcCurve::kP384,
                                crypto::EcCurve::kP521}) {
    const crypto::EcPrivateKey ec = NewKey(curve);
    const std::string thumbprint = Thumbprint(ec.public_key());
    EXPECT_EQ(thumbprint,
              Base64UrlEncode(crypto::Digest(crypto::HashFunction::kSha256,
                                             CanonicalEcJwk(ec.public_key()))));
    EXPECT_EQ(thumbprint.size(), 43u);
    EXPECT_EQ(Thumbprint(ec.public_key()), thumbprint);
    // The same key reloaded from PEM has the same thumbprint.
    ASSERT_OK_AND_ASSIGN(std::string pem, ec.ToPkcs8Pem());
    ASSERT_OK_AND_ASSIGN(crypto::EcPrivateKey reloaded,
                         crypto::EcPrivateKey::FromPem(pem));
    EXPECT_EQ(Thumbprint(reloaded.public_key()), thumbprint);
    EXPECT_NE(Thumbprint(NewKey(curve).public_key()), thumbprint);
  }
}

// RFC 7638 is over the public key only: alg, kid and use do not change it,
// and the same point gives the same thumbprint whichever way it was built.
TEST(JwkTest, ThumbprintIgnoresMetadata) {
  const crypto::EcPrivateKey ec = NewKey(crypto::EcCurve::kP256);
  ASSERT_OK_AND_ASSIGN(
      crypto::EcPublicKey same_point,
      crypto::EcPublicKey::FromCoordinates(
          crypto::EcCurve::kP256, ec.public_key().x(), ec.public_key().y()));
  EXPECT_EQ(Thumbprint(same_point), Thumbprint(ec.public_key()));
}

// SigningKey::FromEc defaults the kid to the thumbprint; an explicit kid is
// kept.
TEST(KeysTest, DefaultKidIsThumbprint) {
  const crypto::EcPrivateKey ec = NewKey(crypto::EcCurve::kP256);
  ASSERT_OK_AND_ASSIGN(auto key, SigningKey::Create(ec, JwsAlgorithm::kES256));
  EXPECT_EQ(key->kid(), Thumbprint(ec.public_key()));
  ASSERT_OK_AND_ASSIGN(auto named,
                       SigningKey::Create(ec, JwsAlgorithm::kES256, "mine"));
  EXPECT_EQ(named->kid(), "mine");
}

// KeySet finds keys by exact kid and refuses duplicates.
TEST(KeySetTest, LookupAndDuplicates) {
  const crypto::EcPrivateKey a = NewKey(crypto::EcCurve::kP256);
  const crypto::EcPrivateKey b = NewKey(crypto::EcCurve::kP256);
  ASSERT_OK_AND_ASSIGN(auto ka, VerificationKey::Create(
                                    a.public_key(), JwsAlgorithm::kES256, "a"));
  ASSERT_OK_AND_ASSIGN(auto kb, VerificationKey::Create(
                                    b.public_key(), JwsAlgorithm::kES256, "b"));
  ASSERT_OK_AND_ASSIGN(
      auto kb_again,
      VerificationKey::Create(a.public_key(), JwsAlgorithm::kES256, "b"));
  ASSERT_OK_AND_ASSIGN(auto secret_b,
                       VerificationKey::FromSecret(std::string(32, 's'),
                                                   JwsAlgorithm::kHS256, "b"));
  ASSERT_OK_AND_ASSIGN(auto set, KeySet::Create({ka, kb}));
  EXPECT_EQ(set->size(), 2u);
  EXPECT_EQ(set->Find("a"), ka.get());
  EXPECT_EQ(set->Find("b"), kb.get());
  EXPECT_EQ(set->Find("A"), nullptr);
  EXPECT_EQ(set->Find(""), nullptr);
  EXPECT_EQ(set->Find("ab"), nullptr);
  EXPECT_THAT(KeySet::Create({ka, kb, kb_again}), StatusIs(kInvalid));
  EXPECT_THAT(KeySet::Create({kb, secret_b}), StatusIs(kInvalid));
  EXPECT_THAT(KeySet::Create({ka, ka}), StatusIs(kInvalid));
  ASSERT_OK_AND_ASSIGN(auto empty, KeySet::Create({}));
  EXPECT_EQ(empty->size(), 0u);
  EXPECT_EQ(empty->jwks_json(), R"({"keys":[]})");
}

// The JWKS lists the public JWK of every asymmetric key in order, never a
// private member and never a secret key.
TEST(KeySetTest, JwksIsPublicOnly) {
  const crypto::EcPrivateKey a = NewKey(crypto::EcCurve::kP256);
  const crypto::EcPrivateKey b = NewKey(crypto::EcCurve::kP521);
  const std::string secret = "this-is-a-32-byte-hmac-secret!!!";
  ASSERT_EQ(secret.size(), 32u);
  ASSERT_OK_AND_ASSIGN(auto ka, VerificationKey::Create(
                                    a.public_key(), JwsAlgorithm::kES256, "a"));
  ASSERT_OK_AND_ASSIGN(
      auto kh, VerificationKey::FromSecret(secret, JwsAlgorithm::kHS256, "h"));
  ASSERT_OK_AND_ASSIGN(auto kb, VerificationKey::Create(
                                    b.public_key(), JwsAlgorithm::kES512, "b"));
  ASSERT_OK_AND_ASSIGN(auto set, KeySet::Create({ka, kh, kb}));
  EXPECT_EQ(set->size(), 3u);
  ASSERT_OK_AND_ASSIGN(Json jwks, ParseJsonObject(set->jwks_json()));
  ASSERT_EQ(jwks.object().size(), 1u);
  const Json* keys = jwks.Find("keys");
  ASSERT_NE(keys, nullptr);
  ASSERT_TRUE(keys->is_array());
  ASSERT_EQ(keys->array().size(), 2u);
  EXPECT_EQ(Member(keys->array()[0], "kid").string_value(), "a");
  EXPECT_EQ(Member(keys->array()[1], "kid").string_value(), "b");
  EXPECT_EQ(Member(keys->array()[1], "crv").string_value(), "P-521");
  for (const Json& jwk : keys->array()) {
    EXPECT_EQ(jwk.Find("d"), nullptr);
    EXPECT_EQ(jwk.Find("k"), nullptr);
    EXPECT_EQ(Member(jwk, "kty").string_value(), "EC");
  }
  EXPECT_THAT(set->jwks_json(), Not(HasSubstr(secret)));
  EXPECT_THAT(set->jwks_json(), Not(HasSubstr(Base64UrlEncode(secret))));
  EXPECT_THAT(set->jwks_json(), Not(HasSubstr("\"h\"")));
  EXPECT_THAT(set->jwks_json(), Not(HasSubstr("oct")));
  EXPECT_TRUE(keys->array()[0] == ka->public_jwk());
}

}  // namespace
}  // namespace jwtd::jose
