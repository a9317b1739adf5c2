#include "server/keyring/files_key_ring.h"

#include <stdio.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/ecdsa.h"
#include "server/jose/base64url.h"
#include "server/jose/jwk.h"
#include "server/jose/jws.h"
#include "server/jose/key_material.h"
#include "server/jose/key_set.h"
#include "server/jose/keys.h"
#include "server/util/file.h"
#include "tests/support/scoped_temp_dir.h"
#include "tests/support/status_matchers.h"

namespace jwtd::keyring {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::ScopedTempDir;
using ::jwtd::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsNull;
using ::testing::Not;
using ::testing::NotNull;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

using jose::JwsAlgorithm;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);
constexpr char kPayload[] = R"({"sub":"alice"})";

// A generated key pair with its signer; kid = RFC 7638 thumbprint.
struct TestKey {
  jose::PrivateKey private_key;
  std::shared_ptr<const jose::SigningKey> signer;

  const std::string& kid() const { return signer->kid(); }

  std::string PrivatePem() const {
    absl::StatusOr<std::string> pem = jose::PrivateKeyToPem(private_key);
    EXPECT_TRUE(pem.ok()) << pem.status();
    return pem.value_or("");
  }
  std::string PublicPem() const {
    absl::StatusOr<std::string> pem = std::visit(
        [](const auto& k) { return k.public_key().ToPem(); }, private_key);
    EXPECT_TRUE(pem.ok()) << pem.status();
    return pem.value_or("");
  }
  // A compact JWS over kPayload.
  std::string Token() const {
    absl::StatusOr<std::string> token =
        jose::SignCompact(*signer, "JWT", kPayload);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.value_or("");
  }
};

TestKey MakeKey(JwsAlgorithm alg = JwsAlgorithm::kES256) {
  absl::StatusOr<jose::PrivateKey> key = jose::GeneratePrivateKey(alg);
  EXPECT_TRUE(key.ok()) << key.status();
  absl::StatusOr<std::shared_ptr<const jose::SigningKey>> signer =
      jose::SigningKey::Create(*key, alg);
  EXPECT_TRUE(signer.ok()) << signer.status();
  return TestKey{*std::move(key), *std::move(signer)};
}

// {"keys":[...]} with the public JWK of each key (kid = thumbprint).
std::string JwksOf(const std::vector<const TestKey*>& keys) {
  std::vector<std::shared_ptr<const jose::VerificationKey>> verification;
  for (const TestKey* key : keys) {
    absl::StatusOr<std::shared_ptr<const jose::VerificationKey>> v =
        jose::VerificationKey::Create(jose::PublicKeyOf(key->private_key),
                                      key->signer->alg(), key->kid());
    EXPECT_TRUE(v.ok()) << v.status();
    verification.push_back(*std::move(v));
  }
  absl::StatusOr<std::shared_ptr<const jose::KeySet>> set =
      jose::KeySet::Create(std::move(verification));
  EXPECT_TRUE(set.ok()) << set.status();
  return (*set)->jwks_json();
}

bool Verifies(const std::string& token, const jose::KeySet& keys) {
  return jose::VerifyCompactJws(token, keys, jose::JwsLimits()).ok();
}

std::vector<std::string> KidsOf(const jose::KeySet& keys) {
  std::vector<std::string> kids;
  for (const auto& key : keys.keys()) kids.push_back(key->kid());
  return kids;
}

// Replaces the file the way an editor or kubelet would: a new inode renamed
// over the old one, so a reader sees the old bytes or the new, never a mix.
void Write(const std::string& path, const std::string& content) {
  ASSERT_OK(WriteFileAtomically(path, content, 0600));
}

FilesKeyRingOptions Options(std::vector<std::string> paths,
                            std::optional<JwsAlgorithm> alg = std::nullopt) {
  FilesKeyRingOptions options;
  options.paths = std::move(paths);
  options.alg = alg;
  options.poll_interval = absl::ZeroDuration();
  return options;
}

class FilesKeyRingTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(temp_.path().empty()); }

  std::string Path(const std::string& name) const { return temp_.Join(name); }

  ScopedTempDir temp_;
  FakeClock clock_{kNow};
};

TEST_F(FilesKeyRingTest, JwksFileVerifies) {
  const TestKey a = MakeKey(JwsAlgorithm::kES256);
  const TestKey b = MakeKey(JwsAlgorithm::kEdDSA);
  Write(Path("jwks.json"), JwksOf({&a, &b}));

  ASSERT_OK_AND_ASSIGN(
      auto ring, FilesKeyRing::Open(Options({Path("jwks.json")}), &clock_));
  EXPECT_THAT(ring->ActiveSigningKey(), IsNull());
  const auto keys = ring->VerificationKeys();
  EXPECT_THAT(KidsOf(*keys), UnorderedElementsAre(a.kid(), b.kid()));
  EXPECT_TRUE(Verifies(a.Token(), *keys));
  EXPECT_TRUE(Verifies(b.Token(), *keys));
  EXPECT_FALSE(Verifies(MakeKey().Token(), *keys));

  const KeyRingStatus status = ring->Status();
  EXPECT_TRUE(status.ready);
  EXPECT_FALSE(status.degraded);
  EXPECT_EQ(status.keys, 2u);
  EXPECT_EQ(status.last_refresh, kNow);
}

// A JWKS is recognised by content too, whatever the file is called.
TEST_F(FilesKeyRingTest, JwksRecognisedByContent) {
  const TestKey a = MakeKey();
  Write(Path("keys"), absl::StrCat("\n  ", JwksOf({&a})));
  ASSERT_OK_AND_ASSIGN(auto ring,
                       FilesKeyRing::Open(Options({Path("keys")}), &clock_));
  EXPECT_TRUE(Verifies(a.Token(), *ring->VerificationKeys()));
}

// RSA JWKs without "alg" take options.alg.
TEST_F(FilesKeyRingTest, RsaJwkWithoutAlgTakesTheOption) {
  const TestKey rsa = MakeKey(JwsAlgorithm::kPS256);
  const std::string jwks = JwksOf({&rsa});
  const std::string without_alg =
      absl::StrReplaceAll(jwks, {{R"("alg":"PS256",)", ""}});
  ASSERT_NE(without_alg, jwks);
  Write(Path("jwks.json"), without_alg);

  EXPECT_THAT(
      FilesKeyRing::Open(Options({Path("jwks.json")}), &clock_),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("ambiguous")));
  ASSERT_OK_AND_ASSIGN(
      auto ring,
      FilesKeyRing::Open(Options({Path("jwks.json")}, JwsAlgorithm::kPS256),
                         &clock_));
  const jose::VerificationKey* key = ring->VerificationKeys()->Find(rsa.kid());
  ASSERT_THAT(key, NotNull());
  EXPECT_EQ(key->alg(), JwsAlgorithm::kPS256);
  EXPECT_TRUE(Verifies(rsa.Token(), *ring->VerificationKeys()));
}

TEST_F(FilesKeyRingTest, PemPublicKeyVerifiesWithTheConfiguredAlg) {
  const TestKey key = MakeKey(JwsAlgorithm::kES384);
  Write(Path("key.pub"), key.PublicPem());

  ASSERT_OK_AND_ASSIGN(
      auto ring,
      FilesKeyRing::Open(Options({Path("key.pub")}, JwsAlgorithm::kES384),
                         &clock_));
  EXPECT_THAT(ring->ActiveSigningKey(), IsNull());
  const auto keys = ring->VerificationKeys();
  ASSERT_EQ(keys->size(), 1u);
  // kid: the RFC 7638 thumbprint, as SigningKey computes it.
  const jose::VerificationKey* found = keys->Find(key.kid());
  ASSERT_THAT(found, NotNull());
  EXPECT_EQ(found->alg(), JwsAlgorithm::kES384);
  EXPECT_TRUE(Verifies(key.Token(), *keys));
}

TEST_F(FilesKeyRingTest, PemNeedsAFittingAlg) {
  const TestKey key = MakeKey(JwsAlgorithm::kES256);
  Write(Path("key.pub"), key.PublicPem());
  EXPECT_THAT(FilesKeyRing::Open(Options({Path("key.pub")}), &clock_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(Path("key.pub")), HasSubstr("alg"))));
  EXPECT_THAT(FilesKeyRing::Open(
                  Options({Path("key.pub")}, JwsAlgorithm::kRS256), &clock_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(Path("key.pub")), HasSubstr("RS256"))));
}

TEST_F(FilesKeyRingTest, PemPrivateKeySigns) {
  const TestKey key = MakeKey(JwsAlgorithm::kEdDSA);
  Write(Path("key.pem"), key.PrivatePem());

  ASSERT_OK_AND_ASSIGN(
      auto ring,
      FilesKeyRing::Open(Options({Path("key.pem")}, JwsAlgorithm::kEdDSA),
                         &clock_));
  const auto signer = ring->ActiveSigningKey();
  ASSERT_THAT(signer, NotNull());
  EXPECT_EQ(signer->kid(), key.kid());
  EXPECT_EQ(signer->alg(), JwsAlgorithm::kEdDSA);
  ASSERT_OK_AND_ASSIGN(std::string token,
                       jose::SignCompact(*signer, "JWT", kPayload));
  const auto keys = ring->VerificationKeys();
  EXPECT_THAT(KidsOf(*keys), UnorderedElementsAre(key.kid()));
  EXPECT_TRUE(Verifies(token, *keys));
  // The published JWKS holds the public half only.
  EXPECT_THAT(keys->jwks_json(), Not(HasSubstr("\"d\"")));
}

TEST_F(FilesKeyRingTest, TwoFilesCombine) {
  const TestKey other_issuer = MakeKey();
  const TestKey own = MakeKey();
  Write(Path("jwks.json"), JwksOf({&other_issuer}));
  Write(Path("key.pem"), own.PrivatePem());

  ASSERT_OK_AND_ASSIGN(
      auto ring,
      FilesKeyRing::Open(
          Options({Path("jwks.json"), Path("key.pem")}, JwsAlgorithm::kES256),
          &clock_));
  ASSERT_THAT(ring->ActiveSigningKey(), NotNull());
  EXPECT_EQ(ring->ActiveSigningKey()->kid(), own.kid());
  const auto keys = ring->VerificationKeys();
  EXPECT_THAT(KidsOf(*keys),
              UnorderedElementsAre(other_issuer.kid(), own.kid()));
  EXPECT_TRUE(Verifies(other_issuer.Token(), *keys));
  EXPECT_TRUE(Verifies(own.Token(), *keys));
  EXPECT_EQ(ring->Status().keys, 2u);
}

// Secrets (kty oct) only when allowed; they verify but are never published.
TEST_F(FilesKeyRingTest, SecretJwksOnlyWhenAllowed) {
  const std::string secret(32, 's');
  const std::string jwks =
      R"({"keys":[{"kty":"oct","kid":"hmac-1","alg":"HS256",)"
      R"("k":"c3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3Nzc3M"}]})";
  Write(Path("secret.json"), jwks);
  EXPECT_THAT(FilesKeyRing::Open(Options({Path("secret.json")}), &clock_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr(Path("secret.json"))));

  FilesKeyRingOptions options = Options({Path("secret.json")});
  options.allow_secret_keys = true;
  ASSERT_OK_AND_ASSIGN(auto ring, FilesKeyRing::Open(options, &clock_));
  ASSERT_OK_AND_ASSIGN(
      auto signer,
      jose::SigningKey::FromSecret(secret, JwsAlgorithm::kHS256, "hmac-1"));
  ASSERT_OK_AND_ASSIGN(std::string token,
                       jose::SignCompact(*signer, "JWT", kPayload));
  EXPECT_TRUE(Verifies(token, *ring->VerificationKeys()));
  EXPECT_EQ(ring->VerificationKeys()->jwks_json(), R"({"keys":[]})");
}

TEST_F(FilesKeyRingTest, BadOptionsAreInvalidArgument) {
  EXPECT_THAT(FilesKeyRing::Open(Options({}), &clock_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  Write(Path("jwks.json"), R"({"keys":[]})");
  FilesKeyRingOptions negative = Options({Path("jwks.json")});
  negative.poll_interval = absl::Seconds(-1);
  EXPECT_THAT(FilesKeyRing::Open(negative, &clock_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(FilesKeyRing::Open(Options({Path("jwks.json")}), nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// An empty key set opens (e.g. every key deliberately removed) but is not
// ready.
TEST_F(FilesKeyRingTest, EmptyJwksIsNotReady) {
  Write(Path("jwks.json"), R"({"keys":[]})");
  ASSERT_OK_AND_ASSIGN(
      auto ring, FilesKeyRing::Open(Options({Path("jwks.json")}), &clock_));
  EXPECT_FALSE(ring->Status().ready);
  EXPECT_EQ(ring->VerificationKeys()->size(), 0u);
}

// Every kind of bad file makes Open fail with FAILED_PRECONDITION naming the
// file.
TEST_F(FilesKeyRingTest, BadFileAtOpenIsFailedPreconditionNamingTheFile) {
  const TestKey a = MakeKey();
  const TestKey b = MakeKey();
  const TestKey weak_fit = MakeKey(JwsAlgorithm::kES384);
  Write(Path("good.json"), JwksOf({&a}));
  Write(Path("also_a.json"), JwksOf({&a}));
  Write(Path("a.pem"), a.PrivatePem());
  Write(Path("b.pem"), b.PrivatePem());
  Write(Path("garbage"), "hello");
  Write(Path("bad.json"), R"({"keys":[{"kty":"EC"}]})");
  Write(Path("truncated.pem"), a.PrivatePem().substr(0, 100));
  Write(Path("two.pem"), a.PublicPem() + b.PublicPem());
  Write(Path("cert.pem"),
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  Write(Path("p384.pem"), weak_fit.PrivatePem());
  // A JWKS must not carry private members: a valid private JWK (d = 1).
  {
    const std::string d = std::string(31, '\0') + "\x01";
    ASSERT_OK_AND_ASSIGN(
        crypto::EcPrivateKey one,
        crypto::EcPrivateKey::FromScalar(crypto::EcCurve::kP256, d));
    jose::Json jwk =
        jose::PublicJwk(one.public_key(), JwsAlgorithm::kES256, "private");
    jwk.Set("d", jose::Json::String(jose::Base64UrlEncode(d)));
    Write(Path("private.json"),
          absl::StrCat(R"({"keys":[)", jwk.Serialize(), "]}"));
  }
  Write(Path("big.json"), std::string(2 * 1024 * 1024, ' '));

  struct Case {
    std::vector<std::string> files;
    std::string culprit;
    std::string why;  // Part of the message.
  };
  const std::vector<Case> cases = {
      {{"missing.json"}, "missing.json", "No such file"},
      {{"good.json", "missing.pem"}, "missing.pem", "No such file"},
      {{"garbage"}, "garbage", "neither a JWKS document nor PEM"},
      {{"bad.json"}, "bad.json", "crv"},
      {{"truncated.pem"}, "truncated.pem", "PEM private key"},
      {{"two.pem"}, "two.pem", "holds 2 PEM keys"},
      {{"cert.pem"}, "cert.pem", "holds 0 PEM keys"},
      {{"p384.pem"}, "p384.pem", "cannot be used for ES256"},
      {{"private.json"}, "private.json", "private key material"},
      {{"big.json"}, "big.json", "larger than"},
      // At most one private key in total.
      {{"a.pem", "b.pem"}, "b.pem", "only one key may sign"},
      // A kid in two files (here: the same key).
      {{"good.json", "also_a.json"}, "also_a.json", "is also in"},
      {{"good.json", "a.pem"}, "a.pem", "is also in"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> paths;
    for (const std::string& file : c.files) paths.push_back(Path(file));
    SCOPED_TRACE(c.culprit);
    EXPECT_THAT(
        FilesKeyRing::Open(Options(paths, JwsAlgorithm::kES256), &clock_),
        StatusIs(absl::StatusCode::kFailedPrecondition,
                 AllOf(HasSubstr(Path(c.culprit)), HasSubstr(c.why))));
  }
}

TEST_F(FilesKeyRingTest, ReloadPicksUpAChange) {
  const TestKey old_key = MakeKey();
  const TestKey kept = MakeKey();
  const TestKey new_key = MakeKey();
  Write(Path("jwks.json"), JwksOf({&old_key, &kept}));
  ASSERT_OK_AND_ASSIGN(
      auto ring, FilesKeyRing::Open(Options({Path("jwks.json")}), &clock_));
  const auto before = ring->VerificationKeys();

  Write(Path("jwks.json"), JwksOf({&kept, &new_key}));
  clock_.Advance(absl::Minutes(1));
  ASSERT_OK(ring->Reload());

  const auto after = ring->VerificationKeys();
  EXPECT_THAT(KidsOf(*after), UnorderedElementsAre(kept.kid(), new_key.kid()));
  EXPECT_TRUE(Verifies(new_key.Token(), *after));
  EXPECT_TRUE(Verifies(kept.Token(), *after));
  EXPECT_FALSE(Verifies(old_key.Token(), *after));
  EXPECT_EQ(after->Find(old_key.kid()), nullptr);
  // The snapshot taken before is untouched.
  EXPECT_THAT(KidsOf(*before), UnorderedElementsAre(old_key.kid(), kept.kid()));
  EXPECT_TRUE(Verifies(old_key.Token(), *before));
  EXPECT_EQ(ring->Status().last_refresh, kNow + absl::Minutes(1));
  EXPECT_FALSE(ring->Status().degraded);
}

TEST_F(FilesKeyRingTest, ReloadSwapsTheSigningKey) {
  const TestKey first = MakeKey();
  const TestKey second = MakeKey();
  Write(Path("key.pem"), first.PrivatePem());
  ASSERT_OK_AND_ASSIGN(
      auto ring,
      FilesKeyRing::Open(Options({Path("key.pem")}, JwsAlgorithm::kES256),
                         &clock_));
  EXPECT_EQ(ring->ActiveSigningKey()->kid(), first.kid());
  Write(Path("key.pem"), second.PrivatePem());
  ASSERT_OK(ring->Reload());
  EXPECT_EQ(ring->ActiveSigningKey()->kid(), second.kid());
  EXPECT_THAT(KidsOf(*ring->VerificationKeys()),
              UnorderedElementsAre(second.kid()));
}

TEST_F(FilesKeyRingTest, BadNewContentKeepsTheLastGoodKeys) {
  const TestKey key = MakeKey();
  Write(Path("jwks.json"), JwksOf({&key}));
  ASSERT_OK_AND_ASSIGN(
      auto ring, FilesKeyRing::Open(Options({Path("jwks.json")}), &clock_));
  const auto good = ring->VerificationKeys();

  Write(Path("jwks.json"), R"({"keys":[{"kty":"EC","crv":"P-256"}]})");
  clock_.Advance(absl::Minutes(1));
  EXPECT_THAT(ring->Reload(), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr(Path("jwks.json"))));
  EXPECT_EQ(ring->VerificationKeys(), good);
  EXPECT_TRUE(Verifies(key.Token(), *ring->VerificationKeys()));
  KeyRingStatus status = ring->Status();
  EXPECT_TRUE(status.ready);
  EXPECT_TRUE(status.degraded);
  EXPECT_THAT(status.detail, HasSubstr(Path("jwks.json")));
  EXPECT_EQ(status.last_refresh, kNow);  // Not refreshed.

  // Still bad: the same error again.
  EXPECT_THAT(ring->Reload(), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr(Path("jwks.json"))));
  EXPECT_TRUE(ring->Status().degraded);

  // A file that vanishes is an error too, not an empty key set.
  ASSERT_EQ(::unlink(Path("jwks.json").c_str()), 0);
  EXPECT_THAT(ring->Reload(), StatusIs(absl::StatusCode::kNotFound,
                                       HasSubstr(Path("jwks.json"))));
  EXPECT_EQ(ring->VerificationKeys(), good);

  // Back to good content: healthy again, same snapshot (same keys).
  Write(Path("jwks.json"), JwksOf({&key}));
  ASSERT_OK(ring->Reload());
  status = ring->Status();
  EXPECT_FALSE(status.degraded);
  EXPECT_EQ(status.last_refresh, kNow + absl::Minutes(1));
  EXPECT_EQ(ring->VerificationKeys(), good);
}

// The failure is logged once as a JSON line naming the file, and the log
// never quotes key material.
TEST_F(FilesKeyRingTest, FailedReloadLogsTheFileButNoKeyMaterial) {
  const TestKey a = MakeKey();
  const TestKey b = MakeKey();
  Write(Path("key.pem"), a.PrivatePem());
  ASSERT_OK_AND_ASSIGN(
      auto ring,
      FilesKeyRing::Open(Options({Path("key.pem")}, JwsAlgorithm::kES256),
                         &clock_));
  const std::string bad = a.PrivatePem() + b.PrivatePem();
  Write(Path("key.pem"), bad);

  ::testing::internal::CaptureStderr();
  EXPECT_THAT(ring->Reload(), Not(IsOk()));
  EXPECT_THAT(ring->Reload(), Not(IsOk()));
  const std::string log = ::testing::internal::GetCapturedStderr();
  const std::vector<std::string> lines =
      absl::StrSplit(log, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u) << log;
  EXPECT_THAT(
      lines[0],
      AllOf(HasSubstr("\"level\":\"warning\""),
            HasSubstr(absl::StrCat("\"file\":\"", Path("key.pem"), "\"")),
            HasSubstr("\"error\":")));
  for (absl::string_view pem_line : absl::StrSplit(bad, '\n')) {
    if (pem_line.empty() || absl::StartsWith(pem_line, "-----")) continue;
    EXPECT_THAT(log, Not(HasSubstr(std::string(pem_line))));
  }
}

TEST_F(FilesKeyRingTest, UnchangedContentKeepsTheSnapshot) {
  const TestKey key = MakeKey();
  Write(Path("jwks.json"), JwksOf({&key}));
  const TestKey signing = MakeKey();
  Write(Path("key.pem"), signing.PrivatePem());
  ASSERT_OK_AND_ASSIGN(
      auto ring,
      FilesKeyRing::Open(
          Options({Path("jwks.json"), Path("key.pem")}, JwsAlgorithm::kES256),
          &clock_));
  const auto keys = ring->VerificationKeys();
  const auto signer = ring->ActiveSigningKey();

  clock_.Advance(absl::Seconds(10));
  ASSERT_OK(ring->Reload());
  // Rewritten with the same bytes (new inode, new mtime): still unchanged.
  Write(Path("jwks.json"), JwksOf({&key}));
  clock_.Advance(absl::Seconds(10));
  ASSERT_OK(ring->Reload());

  EXPECT_EQ(ring->VerificationKeys(), keys);
  EXPECT_EQ(ring->ActiveSigningKey(), signer);
  // Confirmed, so refreshed.
  EXPECT_EQ(ring->Status().last_refresh, kNow + absl::Seconds(20));
}

// A Kubernetes Secret volume: key.pem -> ..data/key.pem, ..data -> a
// timestamped directory; an update writes a new directory and renames a new
// ..data symlink over the old one.
TEST_F(FilesKeyRingTest, KubernetesSymlinkSwapIsPickedUp) {
  namespace fs = std::filesystem;
  const TestKey first = MakeKey();
  const TestKey second = MakeKey();
  const std::string v1 = "..2026_11_29_10_00_00.000000001";
  const std::string v2 = "..2026_11_29_10_05_00.000000002";
  fs::create_directory(Path(v1));
  Write(Path(v1 + "/key.pem"), first.PrivatePem());
  Write(Path(v1 + "/jwks.json"), JwksOf({&first}));
  fs::create_directory_symlink(v1, Path("..data"));
  fs::create_symlink("..data/key.pem", Path("key.pem"));
  fs::create_symlink("..data/jwks.json", Path("jwks.json"));

  // The JWKS publishes the same key as the PEM: kids must be unique, so the
  // ring reads only the PEM here and the JWKS in the second ring below.
  ASSERT_OK_AND_ASSIGN(
      auto ring,
      FilesKeyRing::Open(Options({Path("key.pem")}, JwsAlgorithm::kES256),
                         &clock_));
  ASSERT_OK_AND_ASSIGN(
      auto jwks_ring,
      FilesKeyRing::Open(Options({Path("jwks.json")}), &clock_));
  EXPECT_EQ(ring->ActiveSigningKey()->kid(), first.kid());

  fs::create_directory(Path(v2));
  Write(Path(v2 + "/key.pem"), second.PrivatePem());
  Write(Path(v2 + "/jwks.json"), JwksOf({&second}));
  fs::create_directory_symlink(v2, Path("..data_tmp"));
  ASSERT_EQ(::rename(Path("..data_tmp").c_str(), Path("..data").c_str()), 0);
  fs::remove_all(Path(v1));

  ASSERT_OK(ring->Reload());
  ASSERT_OK(jwks_ring->Reload());
  EXPECT_EQ(ring->ActiveSigningKey()->kid(), second.kid());
  EXPECT_THAT(KidsOf(*ring->VerificationKeys()),
              UnorderedElementsAre(second.kid()));
  EXPECT_THAT(KidsOf(*jwks_ring->VerificationKeys()),
              UnorderedElementsAre(second.kid()));
  EXPECT_TRUE(Verifies(second.Token(), *jwks_ring->VerificationKeys()));
  EXPECT_FALSE(Verifies(first.Token(), *jwks_ring->VerificationKeys()));
}

// With a poll interval, a change is picked up without anyone calling Reload.
TEST_F(FilesKeyRingTest, BackgroundPollingPicksUpAChange) {
  const TestKey first = MakeKey();
  const TestKey second = MakeKey();
  Write(Path("jwks.json"), JwksOf({&first}));
  FilesKeyRingOptions options = Options({Path("jwks.json")});
  options.poll_interval = absl::Milliseconds(20);
  ASSERT_OK_AND_ASSIGN(auto ring, FilesKeyRing::Open(options, &clock_));

  Write(Path("jwks.json"), JwksOf({&second}));
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (ring->VerificationKeys()->Find(second.kid()) == nullptr &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_THAT(KidsOf(*ring->VerificationKeys()),
              UnorderedElementsAre(second.kid()));

  // A bad file is noticed in the background too.
  Write(Path("jwks.json"), "not a key");
  while (!ring->Status().degraded && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_TRUE(ring->Status().degraded);
  EXPECT_THAT(KidsOf(*ring->VerificationKeys()),
              UnorderedElementsAre(second.kid()));
}

// The destructor interrupts the poller's wait instead of sitting it out.
TEST_F(FilesKeyRingTest, DestructorStopsThePollerPromptly) {
  const TestKey key = MakeKey();
  Write(Path("jwks.json"), JwksOf({&key}));
  FilesKeyRingOptions options = Options({Path("jwks.json")});
  options.poll_interval = absl::Hours(1);
  ASSERT_OK_AND_ASSIGN(auto ring, FilesKeyRing::Open(options, &clock_));
  absl::SleepFor(absl::Milliseconds(50));  // Let the poller start waiting.
  const absl::Time start = absl::Now();
  ring.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

}  // namespace
}  // namespace jwtd::keyring
