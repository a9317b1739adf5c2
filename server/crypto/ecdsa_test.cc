#include "server/crypto/ecdsa.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace jwtd::crypto {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::StatusIs;

// Test-local owners for the OpenSSL objects the tests build themselves.
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct BioFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

std::string Hex(absl::string_view hex) { return absl::HexStringToBytes(hex); }

struct CurveInfo {
  EcCurve curve;
  HashFunction hash;
  const char* group;
  size_t signature_length;
  const char* order_hex;  // n, from SEC 2 / FIPS 186-4.
};

const CurveInfo kCurves[] = {
    {EcCurve::kP256, HashFunction::kSha256, "prime256v1", 64,
     "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551"},
    {EcCurve::kP384, HashFunction::kSha384, "secp384r1", 96,
     "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db2"
     "48b0a77aecec196accc52973"},
    {EcCurve::kP521, HashFunction::kSha512, "secp521r1", 132,
     "01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
     "fa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409"},
};

std::string PrintCurve(const ::testing::TestParamInfo<CurveInfo>& info) {
  return info.param.group;
}

// `value` (big-endian) plus `delta`, same width, wrapping silently.
std::string AddSmall(std::string value, int delta) {
  int carry = delta;
  for (size_t i = value.size(); i-- > 0 && carry != 0;) {
    int sum = static_cast<unsigned char>(value[i]) + carry;
    value[i] = static_cast<char>(sum & 0xff);
    carry = sum >> 8;  // Arithmetic shift: -1 borrows.
  }
  return value;
}

// Big-endian a + b over `width` bytes (both already `width` bytes).
std::string AddBig(const std::string& a, const std::string& b) {
  std::string out(a.size(), '\0');
  int carry = 0;
  for (size_t i = a.size(); i-- > 0;) {
    int sum = static_cast<unsigned char>(a[i]) +
              static_cast<unsigned char>(b[i]) + carry;
    out[i] = static_cast<char>(sum & 0xff);
    carry = sum >> 8;
  }
  return out;
}

std::string ToPem(EVP_PKEY* pkey, bool private_key, bool traditional = false) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  int ok;
  if (!private_key) {
    ok = PEM_write_bio_PUBKEY(bio.get(), pkey);
  } else if (traditional) {
    ok = PEM_write_bio_PrivateKey_traditional(bio.get(), pkey, nullptr, nullptr,
                                              0, nullptr, nullptr);
  } else {
    ok = PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr,
                                  nullptr);
  }
  EXPECT_EQ(ok, 1);
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

// The OpenSSL queue must be empty after every call into the library.
void ExpectNoPendingOpenSslErrors() {
  EXPECT_EQ(ERR_peek_error(), 0u) << "OpenSSL error queue not drained";
  ERR_clear_error();
}

class EcdsaCurveTest : public ::testing::TestWithParam<CurveInfo> {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(EcPrivateKey key,
                         EcPrivateKey::Generate(info().curve));
    key_.emplace(std::move(key));
    signer_ = key_->NewSigner(info().hash);
    verifier_ = key_->public_key().NewVerifier(info().hash);
    ASSERT_OK_AND_ASSIGN(signature_, signer_->Sign(kData));
  }

  const CurveInfo& info() const { return GetParam(); }
  size_t length() const { return CoordinateLength(info().curve); }
  std::string order() const { return Hex(info().order_hex); }

  void ExpectRejected(absl::string_view signature) {
    EXPECT_THAT(
        verifier_->Verify(kData, signature),
        StatusIs(absl::StatusCode::kUnauthenticated, "signature mismatch"));
    ExpectNoPendingOpenSslErrors();
  }

  static constexpr absl::string_view kData = "eyJhbGciOiJFUzI1NiJ9.e30";
  std::optional<EcPrivateKey> key_;
  std::unique_ptr<Signer> signer_;
  std::unique_ptr<Verifier> verifier_;
  std::string signature_;
};

TEST_P(EcdsaCurveTest, SignsAndVerifies) {
  EXPECT_EQ(key_->curve(), info().curve);
  EXPECT_EQ(key_->public_key().curve(), info().curve);
  EXPECT_EQ(key_->public_key().x().size(), length());
  EXPECT_EQ(key_->public_key().y().size(), length());
  EXPECT_EQ(signature_.size(), info().signature_length);
  EXPECT_THAT(verifier_->Verify(kData, signature_), IsOk());
  EXPECT_THAT(verifier_->Verify("other data", signature_),
              StatusIs(absl::StatusCode::kUnauthenticated));
  // ECDSA is randomised; a second signature differs and verifies too.
  ASSERT_OK_AND_ASSIGN(std::string second, signer_->Sign(kData));
  EXPECT_NE(second, signature_);
  EXPECT_THAT(verifier_->Verify(kData, second), IsOk());
  ASSERT_OK_AND_ASSIGN(std::string empty_data_sig, signer_->Sign(""));
  EXPECT_THAT(verifier_->Verify("", empty_data_sig), IsOk());
  ExpectNoPendingOpenSslErrors();
}

TEST_P(EcdsaCurveTest, VerifierFromCoordinatesAcceptsSignature) {
  ASSERT_OK_AND_ASSIGN(
      EcPublicKey copy,
      EcPublicKey::FromCoordinates(info().curve, key_->public_key().x(),
                                   key_->public_key().y()));
  EXPECT_THAT(copy.NewVerifier(info().hash)->Verify(kData, signature_), IsOk());
}

TEST_P(EcdsaCurveTest, VerifierOutlivesKeyObjects) {
  std::unique_ptr<Verifier> verifier;
  std::unique_ptr<Signer> signer;
  {
    ASSERT_OK_AND_ASSIGN(EcPrivateKey key,
                         EcPrivateKey::Generate(info().curve));
    EcPublicKey public_copy = key.public_key();
    verifier = public_copy.NewVerifier(info().hash);
    signer = key.NewSigner(info().hash);
  }
  ASSERT_OK_AND_ASSIGN(std::string signature, signer->Sign("x"));
  EXPECT_THAT(verifier->Verify("x", signature), IsOk());
}

TEST_P(EcdsaCurveTest, OtherHashOrKeyFails) {
  const HashFunction other = info().hash == HashFunction::kSha256
                                 ? HashFunction::kSha384
                                 : HashFunction::kSha256;
  EXPECT_THAT(key_->public_key().NewVerifier(other)->Verify(kData, signature_),
              StatusIs(absl::StatusCode::kUnauthenticated));
  ASSERT_OK_AND_ASSIGN(EcPrivateKey stranger,
                       EcPrivateKey::Generate(info().curve));
  EXPECT_THAT(
      stranger.public_key().NewVerifier(info().hash)->Verify(kData, signature_),
      StatusIs(absl::StatusCode::kUnauthenticated));
  ExpectNoPendingOpenSslErrors();
}

TEST_P(EcdsaCurveTest, PrivatePemRoundTrip) {
  ASSERT_OK_AND_ASSIGN(std::string pem, key_->ToPkcs8Pem());
  EXPECT_TRUE(absl::StartsWith(pem, "-----BEGIN PRIVATE KEY-----")) << pem;
  ASSERT_OK_AND_ASSIGN(EcPrivateKey loaded, EcPrivateKey::FromPem(pem));
  EXPECT_EQ(loaded.curve(), info().curve);
  EXPECT_EQ(loaded.public_key().x(), key_->public_key().x());
  EXPECT_EQ(loaded.public_key().y(), key_->public_key().y());
  ASSERT_OK_AND_ASSIGN(std::string signature,
                       loaded.NewSigner(info().hash)->Sign(kData));
  EXPECT_THAT(verifier_->Verify(kData, signature), IsOk());
  ASSERT_OK_AND_ASSIGN(std::string pem_again, loaded.ToPkcs8Pem());
  EXPECT_EQ(pem_again, pem);
}

TEST_P(EcdsaCurveTest, PublicPemRoundTrip) {
  ASSERT_OK_AND_ASSIGN(std::string pem, key_->public_key().ToPem());
  EXPECT_TRUE(absl::StartsWith(pem, "-----BEGIN PUBLIC KEY-----")) << pem;
  ASSERT_OK_AND_ASSIGN(EcPublicKey loaded, EcPublicKey::FromPem(pem));
  EXPECT_EQ(loaded.curve(), info().curve);
  EXPECT_EQ(loaded.x(), key_->public_key().x());
  EXPECT_EQ(loaded.y(), key_->public_key().y());
  EXPECT_THAT(loaded.NewVerifier(info().hash)->Verify(kData, signature_),
              IsOk());
  // A public key is not a private key, and vice versa.
  EXPECT_THAT(EcPrivateKey::FromPem(pem),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(std::string private_pem, key_->ToPkcs8Pem());
  EXPECT_THAT(EcPublicKey::FromPem(private_pem),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ExpectNoPendingOpenSslErrors();
}

TEST_P(EcdsaCurveTest, AcceptsSec1PrivateKeyPem) {
  PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", info().group));
  ASSERT_NE(pkey, nullptr);
  const std::string pem = ToPem(pkey.get(), true, /*traditional=*/true);
  EXPECT_TRUE(absl::StartsWith(pem, "-----BEGIN EC PRIVATE KEY-----")) << pem;
  ASSERT_OK_AND_ASSIGN(EcPrivateKey loaded, EcPrivateKey::FromPem(pem));
  EXPECT_EQ(loaded.curve(), info().curve);
  ASSERT_OK_AND_ASSIGN(std::string signature,
                       loaded.NewSigner(info().hash)->Sign(kData));
  EXPECT_THAT(
      loaded.public_key().NewVerifier(info().hash)->Verify(kData, signature),
      IsOk());
}

TEST_P(EcdsaCurveTest, RejectsMismatchedKeyPair) {
  // The private scalar of one key with the public point of another.
  PkeyPtr a(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", info().group));
  PkeyPtr b(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", info().group));
  ASSERT_TRUE(a && b);
  BIGNUM* priv = nullptr;
  ASSERT_TRUE(EVP_PKEY_get_bn_param(a.get(), OSSL_PKEY_PARAM_PRIV_KEY, &priv));
  unsigned char point[200];
  size_t point_length = 0;
  ASSERT_TRUE(EVP_PKEY_get_octet_string_param(
      b.get(), OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point), &point_length));
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, info().group,
                                  0);
  OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv);
  OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
                                   point_length);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* raw = nullptr;
  EXPECT_EQ(EVP_PKEY_fromdata_init(ctx), 1);
  EXPECT_EQ(EVP_PKEY_fromdata(ctx, &raw, EVP_PKEY_KEYPAIR, params), 1);
  PkeyPtr mismatched(raw);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(bld);
  BN_clear_free(priv);
  ASSERT_NE(mismatched, nullptr);

  EXPECT_THAT(EcPrivateKey::FromPem(ToPem(mismatched.get(), true)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EcPrivateKey::FromPem(ToPem(mismatched.get(), true, true)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ExpectNoPendingOpenSslErrors();
}

TEST_P(EcdsaCurveTest, RejectsExplicitCurveParameters) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  ASSERT_NE(ctx, nullptr);
  EVP_PKEY* raw = nullptr;
  EXPECT_EQ(EVP_PKEY_keygen_init(ctx), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_group_name(ctx, info().group), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_ec_param_enc(ctx, OPENSSL_EC_EXPLICIT_CURVE), 1);
  EXPECT_EQ(EVP_PKEY_keygen(ctx, &raw), 1);
  EVP_PKEY_CTX_free(ctx);
  PkeyPtr pkey(raw);
  ASSERT_NE(pkey, nullptr);
  EXPECT_THAT(EcPrivateKey::FromPem(ToPem(pkey.get(), true)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EcPublicKey::FromPem(ToPem(pkey.get(), false)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ExpectNoPendingOpenSslErrors();
}

TEST_P(EcdsaCurveTest, FromCoordinatesRejectsWrongLengths) {
  const std::string& x = key_->public_key().x();
  const std::string& y = key_->public_key().y();
  const EcCurve curve = info().curve;
  EXPECT_THAT(EcPublicKey::FromCoordinates(curve, x.substr(1), y),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EcPublicKey::FromCoordinates(curve, x, y.substr(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Numerically equal but zero-padded to one byte too many.
  EXPECT_THAT(EcPublicKey::FromCoordinates(curve, '\0' + x, y),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EcPublicKey::FromCoordinates(curve, x, '\0' + y),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EcPublicKey::FromCoordinates(curve, "", ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Coordinates of another curve.
  const EcCurve other =
      curve == EcCurve::kP256 ? EcCurve::kP384 : EcCurve::kP256;
  EXPECT_THAT(EcPublicKey::FromCoordinates(other, x, y),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ExpectNoPendingOpenSslErrors();
}

TEST_P(EcdsaCurveTest, FromCoordinatesRejectsPointsNotOnTheCurve) {
  const std::string& x = key_->public_key().x();
  const std::string& y = key_->public_key().y();
  const EcCurve curve = info().curve;
  EXPECT_THAT(EcPublicKey::FromCoordinates(curve, x, AddSmall(y, 1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EcPublicKey::FromCoordinates(curve, AddSmall(x, 1), y),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // (0, 0): what a naive encoder might emit for the point at infinity.
  const std::string zero(length(), '\0');
  EXPECT_THAT(EcPublicKey::FromCoordinates(curve, zero, zero),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Coordinates >= p (all ones is above every field prime here).
  const std::string ones(length(), '\xff');
  EXPECT_THAT(EcPublicKey::FromCoordinates(curve, ones, y),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EcPublicKey::FromCoordinates(curve, x, ones),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // The original point is still fine.
  EXPECT_THAT(EcPublicKey::FromCoordinates(curve, x, y), IsOk());
  ExpectNoPendingOpenSslErrors();
}

TEST_P(EcdsaCurveTest, RejectsOutOfRangeScalars) {
  const std::string r = signature_.substr(0, length());
  const std::string s = signature_.substr(length());
  const std::string zero(length(), '\0');
  const std::string n = order();
  ASSERT_EQ(n.size(), length());
  const std::string n_minus_1 = AddSmall(n, -1);

  ExpectRejected(zero + s);
  ExpectRejected(r + zero);
  ExpectRejected(zero + zero);
  ExpectRejected(n + s);
  ExpectRejected(r + n);
  ExpectRejected(n + n);
  ExpectRejected(n_minus_1 + s);  // In range, but not the right r.
  ExpectRejected(r + n_minus_1);
  ExpectRejected(std::string(2 * length(), '\xff'));
  // r + n and s + n are the same residues mod n; only P-521 has room for
  // them in a fixed-width field.
  if (info().curve == EcCurve::kP521) {
    ExpectRejected(AddBig(r, n) + s);
    ExpectRejected(r + AddBig(s, n));
  }
  // The genuine signature still verifies after all of that.
  EXPECT_THAT(verifier_->Verify(kData, signature_), IsOk());
}

TEST_P(EcdsaCurveTest, RejectsDerEncodedSignature) {
  BIGNUM* r =
      BN_bin2bn(reinterpret_cast<const unsigned char*>(signature_.data()),
                static_cast<int>(length()), nullptr);
  BIGNUM* s = BN_bin2bn(
      reinterpret_cast<const unsigned char*>(signature_.data()) + length(),
      static_cast<int>(length()), nullptr);
  ECDSA_SIG* sig = ECDSA_SIG_new();
  ASSERT_EQ(ECDSA_SIG_set0(sig, r, s), 1);
  unsigned char* der = nullptr;
  const int der_length = i2d_ECDSA_SIG(sig, &der);
  ASSERT_GT(der_length, 0);
  const std::string der_signature(reinterpret_cast<char*>(der),
                                  static_cast<size_t>(der_length));
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  ExpectRejected(der_signature);
}

TEST_P(EcdsaCurveTest, RejectsEveryBitFlipTruncationAndExtension) {
  for (size_t bit = 0; bit < signature_.size() * 8; ++bit) {
    std::string flipped = signature_;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_THAT(verifier_->Verify(kData, flipped),
                StatusIs(absl::StatusCode::kUnauthenticated))
        << "bit " << bit;
  }
  ExpectNoPendingOpenSslErrors();
  ExpectRejected(signature_.substr(0, signature_.size() - 1));
  ExpectRejected(signature_ + '\0');
  ExpectRejected('\0' + signature_);
  ExpectRejected("");
}

TEST_P(EcdsaCurveTest, FromScalarDerivesThePublicPoint) {
  // The scalar of the suite key, read back through OpenSSL from our PKCS#8.
  ASSERT_OK_AND_ASSIGN(std::string pem, key_->ToPkcs8Pem());
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_NE(pkey, nullptr);
  BIGNUM* priv = nullptr;
  ASSERT_TRUE(
      EVP_PKEY_get_bn_param(pkey.get(), OSSL_PKEY_PARAM_PRIV_KEY, &priv));
  std::string d(length(), '\0');
  ASSERT_EQ(BN_bn2binpad(priv, reinterpret_cast<unsigned char*>(d.data()),
                         static_cast<int>(length())),
            static_cast<int>(length()));
  BN_clear_free(priv);

  ASSERT_OK_AND_ASSIGN(EcPrivateKey loaded,
                       EcPrivateKey::FromScalar(info().curve, d));
  EXPECT_EQ(loaded.curve(), info().curve);
  EXPECT_EQ(loaded.public_key().x(), key_->public_key().x());
  EXPECT_EQ(loaded.public_key().y(), key_->public_key().y());
  ASSERT_OK_AND_ASSIGN(std::string signature,
                       loaded.NewSigner(info().hash)->Sign(kData));
  EXPECT_THAT(verifier_->Verify(kData, signature), IsOk());
  ASSERT_OK_AND_ASSIGN(std::string pem_again, loaded.ToPkcs8Pem());
  ASSERT_OK_AND_ASSIGN(EcPrivateKey reloaded, EcPrivateKey::FromPem(pem_again));
  EXPECT_EQ(reloaded.public_key().x(), key_->public_key().x());

  const EcCurve curve = info().curve;
  // Exactly CoordinateLength bytes.
  EXPECT_THAT(EcPrivateKey::FromScalar(curve, d.substr(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EcPrivateKey::FromScalar(curve, '\0' + d),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EcPrivateKey::FromScalar(curve, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // In [1, n-1].
  const std::string n = order();
  EXPECT_THAT(EcPrivateKey::FromScalar(curve, std::string(length(), '\0')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EcPrivateKey::FromScalar(curve, n),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EcPrivateKey::FromScalar(curve, AddSmall(n, 1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EcPrivateKey::FromScalar(curve, std::string(length(), '\xff')),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EcPrivateKey::FromScalar(curve, AddSmall(n, -1)), IsOk());
  EXPECT_THAT(
      EcPrivateKey::FromScalar(curve, AddSmall(std::string(length(), '\0'), 1)),
      IsOk());
  ExpectNoPendingOpenSslErrors();
}

TEST_P(EcdsaCurveTest, ConcurrentSignAndVerify) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        absl::StatusOr<std::string> signature = signer_->Sign(kData);
        if (!signature.ok() || !verifier_->Verify(kData, *signature).ok() ||
            !verifier_->Verify(kData, signature_).ok() ||
            verifier_->Verify("x", signature_).ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Curves, EcdsaCurveTest, ::testing::ValuesIn(kCurves),
                         PrintCurve);

TEST(CoordinateLengthTest, MatchesCurves) {
  EXPECT_EQ(CoordinateLength(EcCurve::kP256), 32u);
  EXPECT_EQ(CoordinateLength(EcCurve::kP384), 48u);
  EXPECT_EQ(CoordinateLength(EcCurve::kP521), 66u);
}

// RFC 7515 appendix A.3: the ES256 example, with its published key and
// signature.
TEST(EcdsaTest, VerifiesRfc7515Example) {
  ASSERT_OK_AND_ASSIGN(
      EcPublicKey key,
      EcPublicKey::FromCoordinates(
          EcCurve::kP256,
          Hex("7fcdce2770f6c45d4183cbee6fdb4b7b580733357be9ef13bacf6e3c7bd1544"
              "5"),
          Hex("c7f144cd1bbd9b7e872cdfedb9eeb9f4b3695d6ea90b24ad8a4623288588e5a"
              "d")));
  const std::string signing_input =
      "eyJhbGciOiJFUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
      "bS9pc19yb290Ijp0cnVlfQ";
  const std::string signature =
      Hex("0ed1215379636c483c2f7f155807d402a3b228033af97c7e17819ac3169ea665"
          "c50a07d38c3c70e5d8f12daf084a5480a66590c5f293509a8f3f7f8a83a354d5");
  std::unique_ptr<Verifier> verifier = key.NewVerifier(HashFunction::kSha256);
  EXPECT_THAT(verifier->Verify(signing_input, signature), IsOk());
  EXPECT_THAT(verifier->Verify(signing_input + ".", signature),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(EcdsaTest, SignatureOfOneCurveFailsOnAnother) {
  ASSERT_OK_AND_ASSIGN(EcPrivateKey p256,
                       EcPrivateKey::Generate(EcCurve::kP256));
  ASSERT_OK_AND_ASSIGN(EcPrivateKey p384,
                       EcPrivateKey::Generate(EcCurve::kP384));
  ASSERT_OK_AND_ASSIGN(std::string signature,
                       p256.NewSigner(HashFunction::kSha256)->Sign("data"));
  EXPECT_THAT(p384.public_key()
                  .NewVerifier(HashFunction::kSha256)
                  ->Verify("data", signature),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(EcdsaTest, RejectsUnsupportedCurvePem) {
  PkeyPtr k1(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1"));
  ASSERT_NE(k1, nullptr);
  EXPECT_THAT(EcPrivateKey::FromPem(ToPem(k1.get(), true)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("secp256k1")));
  EXPECT_THAT(EcPublicKey::FromPem(ToPem(k1.get(), false)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  PkeyPtr p224(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp224r1"));
  ASSERT_NE(p224, nullptr);
  EXPECT_THAT(EcPrivateKey::FromPem(ToPem(p224.get(), true)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ExpectNoPendingOpenSslErrors();
}

TEST(EcdsaTest, RejectsNonEcPem) {
  PkeyPtr rsa(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}));
  ASSERT_NE(rsa, nullptr);
  EXPECT_THAT(EcPrivateKey::FromPem(ToPem(rsa.get(), true)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       ::testing::HasSubstr("not an EC key")));
  EXPECT_THAT(EcPublicKey::FromPem(ToPem(rsa.get(), false)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  PkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_NE(ed, nullptr);
  EXPECT_THAT(EcPrivateKey::FromPem(ToPem(ed.get(), true)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EcPublicKey::FromPem(ToPem(ed.get(), false)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ExpectNoPendingOpenSslErrors();
}

TEST(EcdsaTest, RejectsMalformedAndEncryptedPem) {
  for (absl::string_view pem :
       {absl::string_view(""), absl::string_view("garbage"),
        absl::string_view("-----BEGIN PRIVATE KEY-----\nAAAA\n"
                          "-----END PRIVATE KEY-----\n"),
        absl::string_view("-----BEGIN PUBLIC KEY-----\nAAAA\n"
                          "-----END PUBLIC KEY-----\n")}) {
    EXPECT_THAT(EcPrivateKey::FromPem(pem),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(EcPublicKey::FromPem(pem),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  // An encrypted key is refused, without prompting for a passphrase.
  PkeyPtr pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "prime256v1"));
  ASSERT_NE(pkey, nullptr);
  BioPtr bio(BIO_new(BIO_s_mem()));
  char passphrase[] = "secret";
  ASSERT_EQ(
      PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey.get(), EVP_aes_256_cbc(),
                                    passphrase, 6, nullptr, nullptr),
      1);
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  const std::string encrypted(data, static_cast<size_t>(length));
  ASSERT_TRUE(absl::StartsWith(encrypted, "-----BEGIN ENCRYPTED PRIVATE KEY"));
  EXPECT_THAT(EcPrivateKey::FromPem(encrypted),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ExpectNoPendingOpenSslErrors();
}

}  // namespace
}  // namespace jwtd::crypto
