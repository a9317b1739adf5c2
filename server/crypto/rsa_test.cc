#include "server/crypto/rsa.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace jwtd::crypto {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::StatusIs;
using ::testing::HasSubstr;

// Test-local owners for the OpenSSL objects the tests build themselves.
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct BioFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
struct BnFree {
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

constexpr absl::string_view kData = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0";
constexpr HashFunction kHashes[] = {
    HashFunction::kSha256, HashFunction::kSha384, HashFunction::kSha512};
constexpr RsaPadding kPaddings[] = {RsaPadding::kPkcs1v15, RsaPadding::kPss};

const char* Md(HashFunction hash) {
  switch (hash) {
    case HashFunction::kSha256:
      return "SHA2-256";
    case HashFunction::kSha384:
      return "SHA2-384";
    case HashFunction::kSha512:
      return "SHA2-512";
  }
  return "";
}

std::string BioString(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(length));
}

enum class PemForm { kSpki, kPkcs1Public, kPkcs8, kPkcs1Private };

std::string ToPem(EVP_PKEY* pkey, PemForm form) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  int ok = 0;
  switch (form) {
    case PemForm::kSpki:
      ok = PEM_write_bio_PUBKEY(bio.get(), pkey);
      break;
    case PemForm::kPkcs1Public: {
      unsigned char* der = nullptr;
      const int length = i2d_PublicKey(pkey, &der);  // RSAPublicKey for RSA.
      EXPECT_GT(length, 0);
      ok = PEM_write_bio(bio.get(), PEM_STRING_RSA_PUBLIC, "", der, length);
      OPENSSL_free(der);
      break;
    }
    case PemForm::kPkcs8:
      ok = PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0,
                                    nullptr, nullptr);
      break;
    case PemForm::kPkcs1Private:
      ok = PEM_write_bio_PrivateKey_traditional(bio.get(), pkey, nullptr,
                                                nullptr, 0, nullptr, nullptr);
      break;
  }
  EXPECT_GT(ok, 0);
  return BioString(bio.get());
}

PkeyPtr ReadPrivatePem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

std::string BnBytes(EVP_PKEY* pkey, const char* name) {
  BIGNUM* raw = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, name, &raw), 1) << name;
  BnPtr bn(raw);
  std::string out(static_cast<size_t>(BN_num_bytes(bn.get())), '\0');
  BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

// `value` (big-endian) plus a small delta, same width.
std::string AddSmall(std::string value, int delta) {
  int carry = delta;
  for (size_t i = value.size(); i-- > 0 && carry != 0;) {
    int sum = static_cast<unsigned char>(value[i]) + carry;
    value[i] = static_cast<char>(sum & 0xff);
    carry = sum >> 8;
  }
  return value;
}

// The OpenSSL queue must be empty after every call into the library.
void ExpectNoPendingOpenSslErrors() {
  EXPECT_EQ(ERR_peek_error(), 0u) << "OpenSSL error queue not drained";
  ERR_clear_error();
}

// Signs with raw OpenSSL, free to pick PSS parameters that jwtd never uses.
std::string RawPssSign(EVP_PKEY* pkey, HashFunction hash, int salt_length,
                       const char* mgf1_md, absl::string_view data) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EXPECT_EQ(EVP_DigestSignInit_ex(ctx, &pctx, Md(hash), nullptr, nullptr, pkey,
                                  nullptr),
            1);
  EXPECT_EQ(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt_length), 1);
  EXPECT_EQ(EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, mgf1_md, nullptr), 1);
  std::string signature(static_cast<size_t>(EVP_PKEY_get_size(pkey)), '\0');
  size_t length = signature.size();
  EXPECT_EQ(
      EVP_DigestSign(
          ctx, reinterpret_cast<unsigned char*>(signature.data()), &length,
          reinterpret_cast<const unsigned char*>(data.data()), data.size()),
      1);
  EVP_MD_CTX_free(ctx);
  signature.resize(length);
  return signature;
}

// Verifies with raw OpenSSL, auto-detecting the salt length: proves that a
// signature the jwtd verifier rejects is nevertheless a genuine PSS one.
bool RawPssVerifyAnySalt(EVP_PKEY* pkey, HashFunction hash, const char* mgf1_md,
                         absl::string_view data, absl::string_view signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok =
      EVP_DigestVerifyInit_ex(ctx, &pctx, Md(hash), nullptr, nullptr, pkey,
                              nullptr) == 1 &&
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) == 1 &&
      EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, mgf1_md, nullptr) == 1 &&
      EVP_DigestVerify(
          ctx, reinterpret_cast<const unsigned char*>(signature.data()),
          signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
          data.size()) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();
  return ok;
}

// RSA key generation is slow, so the suite shares one 2048-bit key.
class RsaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<RsaPrivateKey> key = RsaPrivateKey::Generate(2048);
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = new RsaPrivateKey(*std::move(key));
    absl::StatusOr<std::string> pem = key_->ToPkcs8Pem();
    ASSERT_TRUE(pem.ok()) << pem.status();
    pkey_ = ReadPrivatePem(*pem).release();
    ASSERT_NE(pkey_, nullptr);
  }

  static void TearDownTestSuite() {
    delete key_;
    key_ = nullptr;
    EVP_PKEY_free(pkey_);
    pkey_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(key_, nullptr);
    ASSERT_NE(pkey_, nullptr);
  }

  static const RsaPrivateKey& key() { return *key_; }
  static const RsaPublicKey& public_key() { return key_->public_key(); }
  // The same key as a raw OpenSSL object, for building test inputs.
  static EVP_PKEY* pkey() { return pkey_; }

  static std::string SignWith(HashFunction hash, RsaPadding padding,
                              absl::string_view data = kData) {
    absl::StatusOr<std::string> signature =
        key().NewSigner(hash, padding)->Sign(data);
    EXPECT_TRUE(signature.ok()) << signature.status();
    return signature.value_or("");
  }

  static void ExpectRejected(const Verifier& verifier,
                             absl::string_view signature,
                             absl::string_view data = kData) {
    EXPECT_THAT(
        verifier.Verify(data, signature),
        StatusIs(absl::StatusCode::kUnauthenticated, "signature mismatch"));
    ExpectNoPendingOpenSslErrors();
  }

  static RsaPrivateKey* key_;
  static EVP_PKEY* pkey_;
};

RsaPrivateKey* RsaTest::key_ = nullptr;
EVP_PKEY* RsaTest::pkey_ = nullptr;

TEST_F(RsaTest, SignsAndVerifiesEveryHashAndPadding) {
  for (HashFunction hash : kHashes) {
    for (RsaPadding padding : kPaddings) {
      SCOPED_TRACE(::testing::Message()
                   << "hash " << DigestLength(hash) * 8 << " padding "
                   << (padding == RsaPadding::kPss ? "PSS" : "PKCS1"));
      const std::string signature = SignWith(hash, padding);
      EXPECT_EQ(signature.size(), 256u);
      std::unique_ptr<Verifier> verifier =
          public_key().NewVerifier(hash, padding);
      EXPECT_THAT(verifier->Verify(kData, signature), IsOk());
      ExpectRejected(*verifier, signature, "other data");
      ExpectRejected(*verifier, signature, "");
      // The same signature under another hash fails.
      for (HashFunction other : kHashes) {
        if (other == hash) continue;
        ExpectRejected(*public_key().NewVerifier(other, padding), signature);
      }
      // PKCS#1 v1.5 is deterministic; PSS uses a fresh random salt.
      const std::string again = SignWith(hash, padding);
      if (padding == RsaPadding::kPkcs1v15) {
        EXPECT_EQ(again, signature);
      } else {
        EXPECT_NE(again, signature);
        EXPECT_THAT(verifier->Verify(kData, again), IsOk());
      }
      // The empty message signs and verifies too.
      EXPECT_THAT(verifier->Verify("", SignWith(hash, padding, "")), IsOk());
    }
  }
  ExpectNoPendingOpenSslErrors();
}

TEST_F(RsaTest, InteroperatesWithPlainOpenSsl) {
  // A PS256 signature made by OpenSSL with the JWS parameters verifies.
  const std::string pss =
      RawPssSign(pkey(), HashFunction::kSha256, 32, "SHA2-256", kData);
  EXPECT_THAT(public_key()
                  .NewVerifier(HashFunction::kSha256, RsaPadding::kPss)
                  ->Verify(kData, pss),
              IsOk());
  // And ours verifies under OpenSSL's auto-detection of the salt.
  EXPECT_TRUE(
      RawPssVerifyAnySalt(pkey(), HashFunction::kSha384, "SHA2-384", kData,
                          SignWith(HashFunction::kSha384, RsaPadding::kPss)));
}

TEST_F(RsaTest, ExposesMinimalComponents) {
  EXPECT_EQ(key().bits(), 2048);
  EXPECT_EQ(public_key().bits(), 2048);
  EXPECT_EQ(public_key().n().size(), 256u);
  EXPECT_NE(public_key().n()[0], '\0');
  EXPECT_EQ(public_key().e(), std::string("\x01\x00\x01", 3));
  EXPECT_EQ(public_key().n(), BnBytes(pkey(), OSSL_PKEY_PARAM_RSA_N));
}

TEST_F(RsaTest, FromComponentsRoundTripAndNormalisesLeadingZeros) {
  const std::string signature =
      SignWith(HashFunction::kSha256, RsaPadding::kPkcs1v15);
  for (const auto& [n, e] :
       {std::pair(public_key().n(), public_key().e()),
        std::pair(std::string(3, '\0') + public_key().n(),
                  std::string(5, '\0') + public_key().e())}) {
    ASSERT_OK_AND_ASSIGN(RsaPublicKey copy, RsaPublicKey::FromComponents(n, e));
    EXPECT_EQ(copy.n(), public_key().n());
    EXPECT_EQ(copy.e(), public_key().e());
    EXPECT_EQ(copy.bits(), 2048);
    EXPECT_THAT(copy.NewVerifier(HashFunction::kSha256, RsaPadding::kPkcs1v15)
                    ->Verify(kData, signature),
                IsOk());
  }
}

TEST_F(RsaTest, RejectsBadPublicExponents) {
  const std::string& n = public_key().n();
  struct Case {
    std::string e;
    const char* why;
  };
  const Case cases[] = {
      {std::string("\x01", 1), "e = 1"},
      {std::string("\x00\x01", 2), "e = 1 with a leading zero"},
      {std::string("\x02", 1), "e = 2"},
      {std::string("\x01\x00\x00", 3), "e = 65536 (even)"},
      {std::string("\x01\x00\x02", 3), "e = 65538 (even)"},
      {std::string("\x00", 1), "e = 0"},
      {std::string(), "empty e"},
      {std::string("\x01\x00\x00\x00\x00\x00\x00\x00\x01", 9), "e of 65 bits"},
      {n, "e = n"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(RsaPublicKey::FromComponents(n, c.e),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << c.why;
  }
  // Small odd exponents other than 1 are legal RSA (if unusual).
  EXPECT_THAT(RsaPublicKey::FromComponents(n, "\x03"), IsOk());
  EXPECT_THAT(RsaPublicKey::FromComponents(
                  n, std::string("\x80\x00\x00\x00\x00\x00\x00\x01", 8)),
              IsOk());
  ExpectNoPendingOpenSslErrors();
}

TEST_F(RsaTest, RejectsBadModuli) {
  const std::string& n = public_key().n();
  const std::string& e = public_key().e();
  // 2040 bits.
  EXPECT_THAT(RsaPublicKey::FromComponents(n.substr(1), e),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2048")));
  // 2047 bits: the top bit cleared.
  std::string short_n = n;
  short_n[0] = static_cast<char>(0x7f);
  EXPECT_THAT(RsaPublicKey::FromComponents(short_n, e),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2048")));
  // Even.
  EXPECT_THAT(RsaPublicKey::FromComponents(AddSmall(n, 1), e),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("odd")));
  // Over 16384 bits.
  std::string huge(2049, '\xff');
  EXPECT_THAT(RsaPublicKey::FromComponents(huge, e),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RsaPublicKey::FromComponents("", e),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RsaPublicKey::FromComponents(std::string(256, '\0'), e),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ExpectNoPendingOpenSslErrors();
}

TEST_F(RsaTest, GenerateRejectsSizesOutOfRange) {
  EXPECT_THAT(RsaPrivateKey::Generate(1024),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2048")));
  EXPECT_THAT(RsaPrivateKey::Generate(2047),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RsaPrivateKey::Generate(16385),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RsaPrivateKey::Generate(-1),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(RsaTest, Rejects1024BitKeys) {
  PkeyPtr small(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}));
  ASSERT_NE(small, nullptr);
  for (PemForm form : {PemForm::kPkcs8, PemForm::kPkcs1Private}) {
    EXPECT_THAT(RsaPrivateKey::FromPem(ToPem(small.get(), form)),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("at least 2048 bits")));
  }
  for (PemForm form : {PemForm::kSpki, PemForm::kPkcs1Public}) {
    EXPECT_THAT(RsaPublicKey::FromPem(ToPem(small.get(), form)),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("at least 2048 bits")));
  }
  EXPECT_THAT(
      RsaPublicKey::FromComponents(BnBytes(small.get(), OSSL_PKEY_PARAM_RSA_N),
                                   BnBytes(small.get(), OSSL_PKEY_PARAM_RSA_E)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2048")));
  ExpectNoPendingOpenSslErrors();
}

TEST_F(RsaTest, PrivatePemRoundTrips) {
  ASSERT_OK_AND_ASSIGN(std::string pkcs8, key().ToPkcs8Pem());
  EXPECT_TRUE(absl::StartsWith(pkcs8, "-----BEGIN PRIVATE KEY-----")) << pkcs8;
  const std::string pkcs1 = ToPem(pkey(), PemForm::kPkcs1Private);
  EXPECT_TRUE(absl::StartsWith(pkcs1, "-----BEGIN RSA PRIVATE KEY-----"));
  const std::string expected =
      SignWith(HashFunction::kSha512, RsaPadding::kPkcs1v15);
  for (const std::string& pem : {pkcs8, pkcs1}) {
    ASSERT_OK_AND_ASSIGN(RsaPrivateKey loaded, RsaPrivateKey::FromPem(pem));
    EXPECT_EQ(loaded.bits(), 2048);
    EXPECT_EQ(loaded.public_key().n(), public_key().n());
    EXPECT_EQ(loaded.public_key().e(), public_key().e());
    // Deterministic padding: the loaded key makes the very same signature.
    ASSERT_OK_AND_ASSIGN(
        std::string signature,
        loaded.NewSigner(HashFunction::kSha512, RsaPadding::kPkcs1v15)
            ->Sign(kData));
    EXPECT_EQ(signature, expected);
    ASSERT_OK_AND_ASSIGN(std::string again, loaded.ToPkcs8Pem());
    EXPECT_EQ(again, pkcs8);
  }
  ExpectNoPendingOpenSslErrors();
}

TEST_F(RsaTest, PublicPemRoundTrips) {
  ASSERT_OK_AND_ASSIGN(std::string spki, public_key().ToPem());
  EXPECT_TRUE(absl::StartsWith(spki, "-----BEGIN PUBLIC KEY-----")) << spki;
  EXPECT_EQ(spki, ToPem(pkey(), PemForm::kSpki));
  const std::string pkcs1 = ToPem(pkey(), PemForm::kPkcs1Public);
  EXPECT_TRUE(absl::StartsWith(pkcs1, "-----BEGIN RSA PUBLIC KEY-----"))
      << pkcs1;
  const std::string signature =
      SignWith(HashFunction::kSha384, RsaPadding::kPss);
  for (const std::string& pem : {spki, pkcs1}) {
    ASSERT_OK_AND_ASSIGN(RsaPublicKey loaded, RsaPublicKey::FromPem(pem));
    EXPECT_EQ(loaded.n(), public_key().n());
    EXPECT_EQ(loaded.e(), public_key().e());
    EXPECT_THAT(loaded.NewVerifier(HashFunction::kSha384, RsaPadding::kPss)
                    ->Verify(kData, signature),
                IsOk());
    ASSERT_OK_AND_ASSIGN(std::string again, loaded.ToPem());
    EXPECT_EQ(again, spki);
  }
  // A public key is not a private key, and vice versa.
  EXPECT_THAT(RsaPrivateKey::FromPem(spki),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RsaPrivateKey::FromPem(pkcs1),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK_AND_ASSIGN(std::string private_pem, key().ToPkcs8Pem());
  EXPECT_THAT(RsaPublicKey::FromPem(private_pem),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RsaPublicKey::FromPem(ToPem(pkey(), PemForm::kPkcs1Private)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ExpectNoPendingOpenSslErrors();
}

TEST_F(RsaTest, PrivateFromComponents) {
  const std::string n = BnBytes(pkey(), OSSL_PKEY_PARAM_RSA_N);
  const std::string e = BnBytes(pkey(), OSSL_PKEY_PARAM_RSA_E);
  const std::string d = BnBytes(pkey(), OSSL_PKEY_PARAM_RSA_D);
  const std::string p = BnBytes(pkey(), OSSL_PKEY_PARAM_RSA_FACTOR1);
  const std::string q = BnBytes(pkey(), OSSL_PKEY_PARAM_RSA_FACTOR2);
  const std::string dp = BnBytes(pkey(), OSSL_PKEY_PARAM_RSA_EXPONENT1);
  const std::string dq = BnBytes(pkey(), OSSL_PKEY_PARAM_RSA_EXPONENT2);
  const std::string qi = BnBytes(pkey(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1);

  ASSERT_OK_AND_ASSIGN(RsaPrivateKey loaded, RsaPrivateKey::FromComponents(
                                                 n, e, d, p, q, dp, dq, qi));
  EXPECT_EQ(loaded.public_key().n(), public_key().n());
  EXPECT_EQ(loaded.public_key().e(), public_key().e());
  ASSERT_OK_AND_ASSIGN(
      std::string signature,
      loaded.NewSigner(HashFunction::kSha256, RsaPadding::kPss)->Sign(kData));
  EXPECT_THAT(public_key()
                  .NewVerifier(HashFunction::kSha256, RsaPadding::kPss)
                  ->Verify(kData, signature),
              IsOk());
  // Leading zeros are fine anywhere.
  EXPECT_THAT(RsaPrivateKey::FromComponents('\0' + n, '\0' + e, '\0' + d,
                                            '\0' + p, q, dp, dq, '\0' + qi),
              IsOk());

  // Every member is required.
  EXPECT_THAT(RsaPrivateKey::FromComponents(n, e, d, p, q, dp, dq, ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CRT")));
  EXPECT_THAT(RsaPrivateKey::FromComponents(n, e, d, "", "", "", "", ""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CRT")));
  EXPECT_THAT(RsaPrivateKey::FromComponents(n, e, "", p, q, dp, dq, qi),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Any inconsistent member fails the key-pair check.
  EXPECT_THAT(
      RsaPrivateKey::FromComponents(n, e, AddSmall(d, 2), p, q, dp, dq, qi),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      RsaPrivateKey::FromComponents(n, e, d, p, q, AddSmall(dp, 2), dq, qi),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      RsaPrivateKey::FromComponents(n, e, d, p, q, dp, dq, AddSmall(qi, 1)),
      StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RsaPrivateKey::FromComponents(n, e, d, q, p, dq, dp, qi),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RsaPrivateKey::FromComponents(n, "\x03", d, p, q, dp, dq, qi),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // The public rules apply to private keys as well.
  EXPECT_THAT(RsaPrivateKey::FromComponents(n, "\x01", d, p, q, dp, dq, qi),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ExpectNoPendingOpenSslErrors();
}

TEST_F(RsaTest, RejectsSignaturesOfTheWrongLength) {
  for (RsaPadding padding : kPaddings) {
    const std::string signature = SignWith(HashFunction::kSha256, padding);
    std::unique_ptr<Verifier> verifier =
        public_key().NewVerifier(HashFunction::kSha256, padding);
    ExpectRejected(*verifier, signature.substr(1));
    ExpectRejected(*verifier, signature.substr(0, signature.size() - 1));
    // Numerically the same signature, one byte longer.
    ExpectRejected(*verifier, '\0' + signature);
    ExpectRejected(*verifier, signature + '\0');
    ExpectRejected(*verifier, "");
    ExpectRejected(*verifier, std::string(512, '\x01'));
    EXPECT_THAT(verifier->Verify(kData, signature), IsOk());
  }
}

TEST_F(RsaTest, RejectsEveryBitFlip) {
  for (RsaPadding padding : kPaddings) {
    const std::string signature = SignWith(HashFunction::kSha256, padding);
    std::unique_ptr<Verifier> verifier =
        public_key().NewVerifier(HashFunction::kSha256, padding);
    int accepted = 0;
    for (size_t bit = 0; bit < signature.size() * 8; ++bit) {
      std::string flipped = signature;
      flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
      const absl::Status status = verifier->Verify(kData, flipped);
      if (status.code() != absl::StatusCode::kUnauthenticated) {
        ++accepted;
        ADD_FAILURE() << "bit " << bit << ": " << status;
      }
    }
    EXPECT_EQ(accepted, 0);
    // Bytes equal to or above the modulus.
    ExpectRejected(*verifier, public_key().n());
    ExpectRejected(*verifier, std::string(signature.size(), '\xff'));
    ExpectRejected(*verifier, std::string(signature.size(), '\0'));
    ExpectNoPendingOpenSslErrors();
  }
}

TEST_F(RsaTest, PssRejectsOtherSaltLengthsAndMgfHashes) {
  for (HashFunction hash : kHashes) {
    const int digest = static_cast<int>(DigestLength(hash));
    std::unique_ptr<Verifier> verifier =
        public_key().NewVerifier(hash, RsaPadding::kPss);
    struct Case {
      int salt;
      const char* mgf1;
    };
    const Case cases[] = {
        {0, Md(hash)},
        {20, Md(hash)},
        {digest - 1, Md(hash)},
        {digest + 1, Md(hash)},
        {RSA_PSS_SALTLEN_MAX, Md(hash)},
        {digest, "SHA1"},
        {digest, hash == HashFunction::kSha256 ? "SHA2-512" : "SHA2-256"},
    };
    for (const Case& c : cases) {
      SCOPED_TRACE(::testing::Message() << "hash " << digest << " salt "
                                        << c.salt << " mgf1 " << c.mgf1);
      const std::string signature =
          RawPssSign(pkey(), hash, c.salt, c.mgf1, kData);
      ASSERT_EQ(signature.size(), 256u);
      // A genuine PSS signature, just not with the JWS parameters.
      ASSERT_TRUE(RawPssVerifyAnySalt(pkey(), hash, c.mgf1, kData, signature));
      ExpectRejected(*verifier, signature);
    }
    // The control: the JWS parameters through the same raw path verify.
    EXPECT_THAT(verifier->Verify(
                    kData, RawPssSign(pkey(), hash, digest, Md(hash), kData)),
                IsOk());
  }
}

TEST_F(RsaTest, RejectsPaddingConfusion) {
  for (HashFunction hash : kHashes) {
    ExpectRejected(*public_key().NewVerifier(hash, RsaPadding::kPss),
                   SignWith(hash, RsaPadding::kPkcs1v15));
    ExpectRejected(*public_key().NewVerifier(hash, RsaPadding::kPkcs1v15),
                   SignWith(hash, RsaPadding::kPss));
  }
}

TEST_F(RsaTest, OtherKeyFails) {
  // A different modulus of the same size (the suite key's n with e = 3 is
  // a different public key; a signature never verifies under it).
  ASSERT_OK_AND_ASSIGN(RsaPublicKey other,
                       RsaPublicKey::FromComponents(public_key().n(), "\x03"));
  ExpectRejected(
      *other.NewVerifier(HashFunction::kSha256, RsaPadding::kPkcs1v15),
      SignWith(HashFunction::kSha256, RsaPadding::kPkcs1v15));
}

TEST_F(RsaTest, RejectsOtherKeyTypes) {
  PkeyPtr ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "prime256v1"));
  PkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_TRUE(ec && ed);
  for (EVP_PKEY* other : {ec.get(), ed.get()}) {
    EXPECT_THAT(RsaPublicKey::FromPem(ToPem(other, PemForm::kSpki)),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("not an RSA key")));
    EXPECT_THAT(RsaPrivateKey::FromPem(ToPem(other, PemForm::kPkcs8)),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("not an RSA key")));
  }
  // SEC1 "EC PRIVATE KEY".
  EXPECT_THAT(RsaPrivateKey::FromPem(ToPem(ec.get(), PemForm::kPkcs1Private)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ExpectNoPendingOpenSslErrors();
}

// Decision documented in rsa.h: keys with the id-RSASSA-PSS OID are refused.
TEST_F(RsaTest, RejectsRsaPssRestrictedKeys) {
  OSSL_PARAM_BLD* builder = OSSL_PARAM_BLD_new();
  const char* names[] = {
      OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
      OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
      OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
      OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
  std::vector<BnPtr> values;
  for (const char* name : names) {
    BIGNUM* raw = nullptr;
    ASSERT_EQ(EVP_PKEY_get_bn_param(pkey(), name, &raw), 1);
    values.emplace_back(raw);
    ASSERT_EQ(OSSL_PARAM_BLD_push_BN(builder, name, raw), 1);
  }
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(builder);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA-PSS", nullptr);
  EVP_PKEY* raw = nullptr;
  ASSERT_EQ(EVP_PKEY_fromdata_init(ctx), 1);
  ASSERT_EQ(EVP_PKEY_fromdata(ctx, &raw, EVP_PKEY_KEYPAIR, params), 1);
  PkeyPtr pss(raw);
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  OSSL_PARAM_BLD_free(builder);
  ASSERT_TRUE(EVP_PKEY_is_a(pss.get(), "RSA-PSS"));

  EXPECT_THAT(
      RsaPublicKey::FromPem(ToPem(pss.get(), PemForm::kSpki)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("RSA-PSS")));
  EXPECT_THAT(
      RsaPrivateKey::FromPem(ToPem(pss.get(), PemForm::kPkcs8)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("RSA-PSS")));
  ExpectNoPendingOpenSslErrors();
}

TEST_F(RsaTest, RejectsMultiPrimeKeys) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr);
  ASSERT_NE(ctx, nullptr);
  EVP_PKEY* raw = nullptr;
  ASSERT_EQ(EVP_PKEY_keygen_init(ctx), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_rsa_keygen_primes(ctx, 3), 1);
  ASSERT_EQ(EVP_PKEY_keygen(ctx, &raw), 1);
  EVP_PKEY_CTX_free(ctx);
  PkeyPtr multi(raw);
  EXPECT_THAT(
      RsaPrivateKey::FromPem(ToPem(multi.get(), PemForm::kPkcs8)),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("multi-prime")));
  // Its public half is an ordinary public key.
  EXPECT_THAT(RsaPublicKey::FromPem(ToPem(multi.get(), PemForm::kSpki)),
              IsOk());
  ExpectNoPendingOpenSslErrors();
}

TEST_F(RsaTest, RejectsMalformedAndEncryptedPem) {
  for (absl::string_view pem :
       {absl::string_view(""), absl::string_view("garbage"),
        absl::string_view("-----BEGIN PRIVATE KEY-----\nAAAA\n"
                          "-----END PRIVATE KEY-----\n"),
        absl::string_view("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n"
                          "-----END RSA PRIVATE KEY-----\n"),
        absl::string_view("-----BEGIN PUBLIC KEY-----\nAAAA\n"
                          "-----END PUBLIC KEY-----\n"),
        absl::string_view("-----BEGIN RSA PUBLIC KEY-----\nAAAA\n"
                          "-----END RSA PUBLIC KEY-----\n"),
        absl::string_view("-----BEGIN CERTIFICATE-----\nAAAA\n"
                          "-----END CERTIFICATE-----\n")}) {
    EXPECT_THAT(RsaPrivateKey::FromPem(pem),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(RsaPublicKey::FromPem(pem),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  // Trailing bytes inside the DER are refused.
  std::string spki = ToPem(pkey(), PemForm::kSpki);
  {
    BioPtr bio(BIO_new_mem_buf(spki.data(), static_cast<int>(spki.size())));
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* der = nullptr;
    long length = 0;
    ASSERT_EQ(PEM_read_bio(bio.get(), &name, &header, &der, &length), 1);
    std::string padded(reinterpret_cast<char*>(der),
                       static_cast<size_t>(length));
    padded += '\0';
    BioPtr out(BIO_new(BIO_s_mem()));
    ASSERT_GT(PEM_write_bio(out.get(), name, header,
                            reinterpret_cast<unsigned char*>(padded.data()),
                            static_cast<long>(padded.size())),
              0);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
    EXPECT_THAT(RsaPublicKey::FromPem(BioString(out.get())),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  // An encrypted key is refused, without prompting for a passphrase.
  BioPtr bio(BIO_new(BIO_s_mem()));
  char passphrase[] = "secret";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey(), EVP_aes_256_cbc(),
                                          passphrase, 6, nullptr, nullptr),
            1);
  const std::string encrypted = BioString(bio.get());
  ASSERT_TRUE(absl::StartsWith(encrypted, "-----BEGIN ENCRYPTED PRIVATE KEY"));
  EXPECT_THAT(RsaPrivateKey::FromPem(encrypted),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ExpectNoPendingOpenSslErrors();
}

TEST_F(RsaTest, VerifierAndSignerOutliveKeyObjects) {
  std::unique_ptr<Verifier> verifier;
  std::unique_ptr<Signer> signer;
  {
    ASSERT_OK_AND_ASSIGN(std::string pem, key().ToPkcs8Pem());
    ASSERT_OK_AND_ASSIGN(RsaPrivateKey copy, RsaPrivateKey::FromPem(pem));
    RsaPublicKey public_copy = copy.public_key();
    verifier = public_copy.NewVerifier(HashFunction::kSha256, RsaPadding::kPss);
    signer = copy.NewSigner(HashFunction::kSha256, RsaPadding::kPss);
  }
  ASSERT_OK_AND_ASSIGN(std::string signature, signer->Sign("x"));
  EXPECT_THAT(verifier->Verify("x", signature), IsOk());
}

TEST_F(RsaTest, ConcurrentSignAndVerify) {
  std::unique_ptr<Signer> signer =
      key().NewSigner(HashFunction::kSha256, RsaPadding::kPss);
  std::unique_ptr<Verifier> verifier =
      public_key().NewVerifier(HashFunction::kSha256, RsaPadding::kPss);
  const std::string reference =
      SignWith(HashFunction::kSha256, RsaPadding::kPss);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (i % 5 == 0) {
          absl::StatusOr<std::string> signature = signer->Sign(kData);
          if (!signature.ok() || !verifier->Verify(kData, *signature).ok()) {
            ++failures;
          }
        }
        if (!verifier->Verify(kData, reference).ok() ||
            verifier->Verify("x", reference).ok()) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace jwtd::crypto
