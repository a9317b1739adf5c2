// PublicKeyFromPem: every family and PEM form, and the refusals.

#include "server/jose/key_material.h"

#include <string>
#include <variant>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/eddsa.h"
#include "server/jose/jwk.h"
#include "tests/support/status_matchers.h"

namespace jwtd::jose {
namespace {

using ::jwtd::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

// One 2048-bit RSA key (made with `openssl genrsa 2048`) in both public PEM
// forms: PKCS#1 (`openssl rsa -RSAPublicKey_out`) and SubjectPublicKeyInfo
// (`openssl rsa -pubout`).
constexpr char kRsaPkcs1Pem[] = R"(-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEA+7Qchs0oZnYBNWpNPgjsA1T4sN71mbl0PnnJiiOHThaP+YOCJoQs
vo+gOr6dOmaqxVDq1B31npeVx91Ilenw6EtNjQAt6XEgSuJJms1N0lxipe9h4+cY
PsPqJHDpnIrMr4mNih+j9Q23sIpjieA2uFXYrSF5zDzs9qUUW3xh28jPlTXdW05t
OlMHyYzyTAesIvFr/Ibo8291Eb/ucYP0sgQkSPzOKJcn/IAsQdRzklsxGMG6t6Dq
fHoSVRcK5XEah63PQwN2OdzPpGfi1KyL46Inbt5FBv1FUAL4zDly9OeWvegHzl3K
AdBsU3OkM/u5a0rJl6YieEPNQamwZWWdjQIDAQAB
-----END RSA PUBLIC KEY-----
)";
constexpr char kRsaSpkiPem[] = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA+7Qchs0oZnYBNWpNPgjs
A1T4sN71mbl0PnnJiiOHThaP+YOCJoQsvo+gOr6dOmaqxVDq1B31npeVx91Ilenw
6EtNjQAt6XEgSuJJms1N0lxipe9h4+cYPsPqJHDpnIrMr4mNih+j9Q23sIpjieA2
uFXYrSF5zDzs9qUUW3xh28jPlTXdW05tOlMHyYzyTAesIvFr/Ibo8291Eb/ucYP0
sgQkSPzOKJcn/IAsQdRzklsxGMG6t6DqfHoSVRcK5XEah63PQwN2OdzPpGfi1KyL
46Inbt5FBv1FUAL4zDly9OeWvegHzl3KAdBsU3OkM/u5a0rJl6YieEPNQamwZWWd
jQIDAQAB
-----END PUBLIC KEY-----
)";
// Its RFC 7638 thumbprint, computed independently (Python hashlib over the
// modulus printed by `openssl rsa -noout -modulus`).
constexpr char kRsaThumbprint[] = "l7w3Ei35s2yxIKyr-3h1Jc-0qqePZqJ8BPkhD36fFak";

// A 1024-bit RSA key: well-formed, but under jwtd's 2048-bit minimum.
constexpr char kRsa1024SpkiPem[] = R"(-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDnEHI2LHMvCSS2EMAJShEnFLxz
GdR+p2esRVl5ddp3ZlpbSUBf484DM7GPI+gvuZnyJo6snW31qb4abWPao5F7RFdS
DnFdxfJu9PGicLZwRKAZvtCcoWNURzMpr1DJPwC7bmcVpgmRxOJYwxtLufnEnnD/
ipeh/c7MU9DDjlstWQIDAQAB
-----END PUBLIC KEY-----
)";

// An X25519 key (`openssl genpkey -algorithm X25519`): key agreement, not
// signatures.
constexpr char kX25519SpkiPem[] = R"(-----BEGIN PUBLIC KEY-----
MCowBQYDK2VuAyEALp1vbVRkFHyFGW6y6HjEoeMvgFf6sH141EoszrXnYSk=
-----END PUBLIC KEY-----
)";

std::string SpkiPemOf(const PrivateKey& key) {
  absl::StatusOr<std::string> pem =
      std::visit([](const auto& k) { return k.public_key().ToPem(); }, key);
  EXPECT_TRUE(pem.ok()) << pem.status();
  return pem.value_or("");
}

// A generated key of each family reads back from its SPKI PEM as the same
// family and the same key (same thumbprint).
TEST(PublicKeyFromPemTest, ReadsEveryFamilyFromSpki) {
  for (JwsAlgorithm alg :
       {JwsAlgorithm::kES256, JwsAlgorithm::kES384, JwsAlgorithm::kES512,
        JwsAlgorithm::kRS256, JwsAlgorithm::kEdDSA}) {
    SCOPED_TRACE(JwsAlgorithmName(alg));
    ASSERT_OK_AND_ASSIGN(PrivateKey private_key, GeneratePrivateKey(alg));
    const PublicKey expected = PublicKeyOf(private_key);
    ASSERT_OK_AND_ASSIGN(PublicKey loaded,
                         PublicKeyFromPem(SpkiPemOf(private_key)));
    EXPECT_EQ(loaded.index(), expected.index());
    EXPECT_EQ(Thumbprint(loaded), Thumbprint(expected));
    EXPECT_OK(CheckKeyFitsAlgorithm(loaded, alg));
  }
}

TEST(PublicKeyFromPemTest, ReadsEd448) {
  ASSERT_OK_AND_ASSIGN(crypto::EdPrivateKey key,
                       crypto::EdPrivateKey::Generate(crypto::EdCurve::kEd448));
  ASSERT_OK_AND_ASSIGN(PublicKey loaded,
                       PublicKeyFromPem(SpkiPemOf(PrivateKey(key))));
  ASSERT_TRUE(std::holds_alternative<crypto::EdPublicKey>(loaded));
  EXPECT_EQ(std::get<crypto::EdPublicKey>(loaded).curve(),
            crypto::EdCurve::kEd448);
}

// PKCS#1 and SPKI forms of one RSA key give the same key, whose thumbprint
// matches an independently computed one.
TEST(PublicKeyFromPemTest, ReadsRsaInBothForms) {
  for (const char* pem : {kRsaPkcs1Pem, kRsaSpkiPem}) {
    ASSERT_OK_AND_ASSIGN(PublicKey key, PublicKeyFromPem(pem));
    ASSERT_TRUE(std::holds_alternative<crypto::RsaPublicKey>(key));
    EXPECT_EQ(std::get<crypto::RsaPublicKey>(key).bits(), 2048);
    EXPECT_EQ(Thumbprint(key), kRsaThumbprint);
  }
}

// The family's own checks apply: the RSA reason is reported for a small key.
TEST(PublicKeyFromPemTest, RefusesWeakRsaWithTheRsaReason) {
  EXPECT_THAT(PublicKeyFromPem(kRsa1024SpkiPem),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("RSA: "), HasSubstr("2048"))));
}

TEST(PublicKeyFromPemTest, RefusesKeysOfNoSigningFamily) {
  EXPECT_THAT(PublicKeyFromPem(kX25519SpkiPem),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unsupported PEM public key")));
}

// A private key, a certificate, garbage or a damaged block is not a public
// key.
TEST(PublicKeyFromPemTest, RefusesWhatIsNotAPublicKey) {
  ASSERT_OK_AND_ASSIGN(PrivateKey private_key,
                       GeneratePrivateKey(JwsAlgorithm::kES256));
  ASSERT_OK_AND_ASSIGN(std::string private_pem, PrivateKeyToPem(private_key));
  EXPECT_THAT(PublicKeyFromPem(private_pem),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("got PRIVATE KEY")));
  EXPECT_THAT(PublicKeyFromPem("-----BEGIN CERTIFICATE-----\nAAAA\n"
                               "-----END CERTIFICATE-----\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("got CERTIFICATE")));
  for (const char* pem :
       {"", "garbage", "-----BEGIN PUBLIC KEY", "-----BEGIN PUBLIC KEY-----",
        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "-----BEGIN RSA PUBLIC KEY-----\nAAAA\n"
        "-----END RSA PUBLIC KEY-----\n"}) {
    SCOPED_TRACE(pem);
    EXPECT_THAT(PublicKeyFromPem(pem),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  // A truncated real key.
  const std::string spki = SpkiPemOf(private_key);
  EXPECT_THAT(PublicKeyFromPem(absl::StrCat(spki.substr(0, 40),
                                            "\n-----END PUBLIC KEY-----\n")),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace jwtd::jose
