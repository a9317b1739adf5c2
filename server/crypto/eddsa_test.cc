#include "server/crypto/eddsa.h"

#include <openssl/err.h>
#include <openssl/evp.h>
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

std::string Hex(absl::string_view hex) { return absl::HexStringToBytes(hex); }

std::string ToPem(EVP_PKEY* pkey, bool private_key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  const int ok = private_key
                     ? PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr,
                                                nullptr, 0, nullptr, nullptr)
                     : PEM_write_bio_PUBKEY(bio.get(), pkey);
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

struct CurveInfo {
  EdCurve curve;
  const char* name;  // OpenSSL key type.
  size_t key_length;
  size_t signature_length;
};

const CurveInfo kCurves[] = {
    {EdCurve::kEd25519, "ED25519", 32, 64},
    {EdCurve::kEd448, "ED448", 57, 114},
};

std::string PrintCurve(const ::testing::TestParamInfo<CurveInfo>& info) {
  return info.param.name;
}

class EdDsaCurveTest : public ::testing::TestWithParam<CurveInfo> {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(EdPrivateKey key,
                         EdPrivateKey::Generate(info().curve));
    key_.emplace(std::move(key));
    signer_ = key_->NewSigner();
    verifier_ = key_->public_key().NewVerifier();
    ASSERT_OK_AND_ASSIGN(signature_, signer_->Sign(kData));
  }

  const CurveInfo& info() const { return GetParam(); }

  void ExpectRejected(absl::string_view signature,
                      absl::string_view data = kData) {
    EXPECT_THAT(
        verifier_->Verify(data, signature),
        StatusIs(absl::StatusCode::kUnauthenticated, "signature mismatch"));
    ExpectNoPendingOpenSslErrors();
  }

  static constexpr absl::string_view kData = "eyJhbGciOiJFZERTQSJ9.e30";
  std::optional<EdPrivateKey> key_;
  std::unique_ptr<Signer> signer_;
  std::unique_ptr<Verifier> verifier_;
  std::string signature_;
};

TEST_P(EdDsaCurveTest, SignsAndVerifies) {
  EXPECT_EQ(EdPublicKeyLength(info().curve), info().key_length);
  EXPECT_EQ(EdPrivateKeyLength(info().curve), info().key_length);
  EXPECT_EQ(EdSignatureLength(info().curve), info().signature_length);
  EXPECT_EQ(key_->curve(), info().curve);
  EXPECT_EQ(key_->public_key().curve(), info().curve);
  EXPECT_EQ(key_->public_key().raw().size(), info().key_length);
  EXPECT_EQ(signature_.size(), info().signature_length);
  EXPECT_THAT(verifier_->Verify(kData, signature_), IsOk());
  ExpectRejected(signature_, "other data");
  ExpectRejected(signature_, "");
  // EdDSA is deterministic.
  ASSERT_OK_AND_ASSIGN(std::string again, signer_->Sign(kData));
  EXPECT_EQ(again, signature_);
  ASSERT_OK_AND_ASSIGN(std::string empty, signer_->Sign(""));
  EXPECT_THAT(verifier_->Verify("", empty), IsOk());
  ExpectNoPendingOpenSslErrors();
}

TEST_P(EdDsaCurveTest, OtherKeyFails) {
  ASSERT_OK_AND_ASSIGN(EdPrivateKey stranger,
                       EdPrivateKey::Generate(info().curve));
  EXPECT_THAT(stranger.public_key().NewVerifier()->Verify(kData, signature_),
              StatusIs(absl::StatusCode::kUnauthenticated));
  ExpectNoPendingOpenSslErrors();
}

TEST_P(EdDsaCurveTest, RawPublicKeyRoundTrip) {
  ASSERT_OK_AND_ASSIGN(
      EdPublicKey copy,
      EdPublicKey::FromRaw(info().curve, key_->public_key().raw()));
  EXPECT_EQ(copy.raw(), key_->public_key().raw());
  EXPECT_EQ(copy.curve(), info().curve);
  EXPECT_THAT(copy.NewVerifier()->Verify(kData, signature_), IsOk());
}

TEST_P(EdDsaCurveTest, RawPrivateKeyRoundTrip) {
  // The raw private key, read back through OpenSSL from our PKCS#8.
  ASSERT_OK_AND_ASSIGN(std::string pem, key_->ToPkcs8Pem());
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_NE(pkey, nullptr);
  std::string raw(info().key_length, '\0');
  size_t length = raw.size();
  ASSERT_EQ(
      EVP_PKEY_get_raw_private_key(
          pkey.get(), reinterpret_cast<unsigned char*>(raw.data()), &length),
      1);
  ASSERT_EQ(length, raw.size());

  ASSERT_OK_AND_ASSIGN(EdPrivateKey loaded,
                       EdPrivateKey::FromRaw(info().curve, raw));
  EXPECT_EQ(loaded.public_key().raw(), key_->public_key().raw());
  ASSERT_OK_AND_ASSIGN(std::string signature, loaded.NewSigner()->Sign(kData));
  EXPECT_EQ(signature, signature_);
}

TEST_P(EdDsaCurveTest, PemRoundTrips) {
  ASSERT_OK_AND_ASSIGN(std::string private_pem, key_->ToPkcs8Pem());
  EXPECT_TRUE(absl::StartsWith(private_pem, "-----BEGIN PRIVATE KEY-----"));
  ASSERT_OK_AND_ASSIGN(EdPrivateKey loaded, EdPrivateKey::FromPem(private_pem));
  EXPECT_EQ(loaded.curve(), info().curve);
  EXPECT_EQ(loaded.public_key().raw(), key_->public_key().raw());
  ASSERT_OK_AND_ASSIGN(std::string signature, loaded.NewSigner()->Sign(kData));
  EXPECT_EQ(signature, signature_);
  ASSERT_OK_AND_ASSIGN(std::string private_again, loaded.ToPkcs8Pem());
  EXPECT_EQ(private_again, private_pem);

  ASSERT_OK_AND_ASSIGN(std::string public_pem, key_->public_key().ToPem());
  EXPECT_TRUE(absl::StartsWith(public_pem, "-----BEGIN PUBLIC KEY-----"));
  ASSERT_OK_AND_ASSIGN(EdPublicKey public_loaded,
                       EdPublicKey::FromPem(public_pem));
  EXPECT_EQ(public_loaded.curve(), info().curve);
  EXPECT_EQ(public_loaded.raw(), key_->public_key().raw());
  EXPECT_THAT(public_loaded.NewVerifier()->Verify(kData, signature_), IsOk());

  // A public key is not a private key, and vice versa.
  EXPECT_THAT(EdPrivateKey::FromPem(public_pem),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EdPublicKey::FromPem(private_pem),
              StatusIs(absl::StatusCode::kInvalidArgument));
  ExpectNoPendingOpenSslErrors();
}

TEST_P(EdDsaCurveTest, RejectsWrongLengths) {
  const EdCurve curve = info().curve;
  const std::string& raw = key_->public_key().raw();
  EXPECT_THAT(EdPublicKey::FromRaw(curve, raw.substr(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EdPublicKey::FromRaw(curve, raw + '\0'),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EdPublicKey::FromRaw(curve, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EdPrivateKey::FromRaw(curve, raw.substr(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EdPrivateKey::FromRaw(curve, raw + '\0'),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EdPrivateKey::FromRaw(curve, ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A key of the other curve.
  const EdCurve other =
      curve == EdCurve::kEd25519 ? EdCurve::kEd448 : EdCurve::kEd25519;
  EXPECT_THAT(EdPublicKey::FromRaw(other, raw),
              StatusIs(absl::StatusCode::kInvalidArgument));

  ExpectRejected(signature_.substr(0, signature_.size() - 1));
  ExpectRejected(signature_ + '\0');
  ExpectRejected('\0' + signature_);
  ExpectRejected("");
  ExpectRejected(std::string(2 * signature_.size(), '\0'));
  EXPECT_THAT(verifier_->Verify(kData, signature_), IsOk());
}

TEST_P(EdDsaCurveTest, RejectsEveryBitFlip) {
  int accepted = 0;
  for (size_t bit = 0; bit < signature_.size() * 8; ++bit) {
    std::string flipped = signature_;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    const absl::Status status = verifier_->Verify(kData, flipped);
    if (status.code() != absl::StatusCode::kUnauthenticated) {
      ++accepted;
      ADD_FAILURE() << "bit " << bit << ": " << status;
    }
  }
  EXPECT_EQ(accepted, 0);
  ExpectNoPendingOpenSslErrors();
}

TEST_P(EdDsaCurveTest, ConcurrentSignAndVerify) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        absl::StatusOr<std::string> signature = signer_->Sign(kData);
        if (!signature.ok() || *signature != signature_ ||
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

TEST_P(EdDsaCurveTest, VerifierAndSignerOutliveKeyObjects) {
  std::unique_ptr<Verifier> verifier;
  std::unique_ptr<Signer> signer;
  {
    ASSERT_OK_AND_ASSIGN(EdPrivateKey key,
                         EdPrivateKey::Generate(info().curve));
    EdPublicKey public_copy = key.public_key();
    verifier = public_copy.NewVerifier();
    signer = key.NewSigner();
  }
  ASSERT_OK_AND_ASSIGN(std::string signature, signer->Sign("x"));
  EXPECT_THAT(verifier->Verify("x", signature), IsOk());
}

TEST_P(EdDsaCurveTest, RejectsXdhKeysOfTheSameSize) {
  // X25519 / X448 keys share the encodings' sizes but are for key agreement.
  PkeyPtr xdh(EVP_PKEY_Q_keygen(
      nullptr, nullptr, info().curve == EdCurve::kEd25519 ? "X25519" : "X448"));
  ASSERT_NE(xdh, nullptr);
  EXPECT_THAT(EdPublicKey::FromPem(ToPem(xdh.get(), false)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not an Ed25519 or Ed448 key")));
  EXPECT_THAT(EdPrivateKey::FromPem(ToPem(xdh.get(), true)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not an Ed25519 or Ed448 key")));
  ExpectNoPendingOpenSslErrors();
}

INSTANTIATE_TEST_SUITE_P(Curves, EdDsaCurveTest, ::testing::ValuesIn(kCurves),
                         PrintCurve);

TEST(EdDsaTest, RejectsOtherKeyTypes) {
  PkeyPtr ec(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "prime256v1"));
  ASSERT_NE(ec, nullptr);
  EXPECT_THAT(EdPublicKey::FromPem(ToPem(ec.get(), false)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EdPrivateKey::FromPem(ToPem(ec.get(), true)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  for (absl::string_view pem :
       {absl::string_view(""), absl::string_view("garbage"),
        absl::string_view("-----BEGIN PRIVATE KEY-----\nAAAA\n"
                          "-----END PRIVATE KEY-----\n"),
        absl::string_view("-----BEGIN PUBLIC KEY-----\nAAAA\n"
                          "-----END PUBLIC KEY-----\n")}) {
    EXPECT_THAT(EdPrivateKey::FromPem(pem),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_THAT(EdPublicKey::FromPem(pem),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  ExpectNoPendingOpenSslErrors();
}

// RFC 8032 section 7.1, TEST 1 (empty message).
TEST(EdDsaTest, Rfc8032Ed25519Test1) {
  const std::string secret =
      Hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  const std::string public_key =
      Hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const std::string signature = Hex(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb88215"
      "90a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  ASSERT_OK_AND_ASSIGN(EdPrivateKey key,
                       EdPrivateKey::FromRaw(EdCurve::kEd25519, secret));
  EXPECT_EQ(key.public_key().raw(), public_key);
  ASSERT_OK_AND_ASSIGN(std::string signed_empty, key.NewSigner()->Sign(""));
  EXPECT_EQ(signed_empty, signature);

  ASSERT_OK_AND_ASSIGN(EdPublicKey verifying,
                       EdPublicKey::FromRaw(EdCurve::kEd25519, public_key));
  std::unique_ptr<Verifier> verifier = verifying.NewVerifier();
  EXPECT_THAT(verifier->Verify("", signature), IsOk());
  EXPECT_THAT(verifier->Verify("x", signature),
              StatusIs(absl::StatusCode::kUnauthenticated));

  // The malleable twin: S + L (little-endian) is the same residue but not
  // canonical, and must be rejected (RFC 8032 5.1.7).
  const std::string l_le =
      Hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  std::string malleable = signature;
  int carry = 0;
  for (size_t i = 0; i < 32; ++i) {
    int sum = static_cast<unsigned char>(malleable[32 + i]) +
              static_cast<unsigned char>(l_le[i]) + carry;
    malleable[32 + i] = static_cast<char>(sum & 0xff);
    carry = sum >> 8;
  }
  ASSERT_EQ(carry, 0);
  ASSERT_NE(malleable, signature);
  EXPECT_THAT(verifier->Verify("", malleable),
              StatusIs(absl::StatusCode::kUnauthenticated));
  ExpectNoPendingOpenSslErrors();
}

// RFC 8032 section 7.4, "-----Blank" (Ed448, empty message, empty context).
TEST(EdDsaTest, Rfc8032Ed448Blank) {
  const std::string secret = Hex(
      "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3f"
      "cc2f044e39a3fc5b94492f8f032e7549a20098f95b");
  const std::string public_key = Hex(
      "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf12476"
      "9b46c7061bd6783df1e50f6cd1fa1abeafe8256180");
  const std::string signature = Hex(
      "533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f03"
      "4f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a9df63e006c5d1c2d"
      "345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d958"
      "08ff2e652600");
  ASSERT_OK_AND_ASSIGN(EdPrivateKey key,
                       EdPrivateKey::FromRaw(EdCurve::kEd448, secret));
  EXPECT_EQ(key.public_key().raw(), public_key);
  ASSERT_OK_AND_ASSIGN(std::string signed_empty, key.NewSigner()->Sign(""));
  EXPECT_EQ(signed_empty, signature);

  ASSERT_OK_AND_ASSIGN(EdPublicKey verifying,
                       EdPublicKey::FromRaw(EdCurve::kEd448, public_key));
  EXPECT_THAT(verifying.NewVerifier()->Verify("", signature), IsOk());
  EXPECT_THAT(verifying.NewVerifier()->Verify("x", signature),
              StatusIs(absl::StatusCode::kUnauthenticated));
  ExpectNoPendingOpenSslErrors();
}

}  // namespace
}  // namespace jwtd::crypto
