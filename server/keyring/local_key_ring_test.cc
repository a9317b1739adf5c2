#include "server/keyring/local_key_ring.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/ecdsa.h"
#include "server/jose/jwk.h"
#include "server/jose/jws.h"
#include "server/jose/jwt_validator.h"
#include "tests/support/scoped_temp_dir.h"
#include "tests/support/status_matchers.h"

namespace jwtd::keyring {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::ScopedTempDir;
using ::jwtd::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kIssuer[] = "https://jwtd.example";
constexpr char kPayload[] =
    R"({"iss":"https://jwtd.example","sub":"alice","exp":1700000600})";
const absl::Time kNow = absl::FromUnixSeconds(1700000000);

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
}

LocalKeyRingOptions Options(
    const std::string& dir,
    jose::JwsAlgorithm alg = jose::JwsAlgorithm::kES256) {
  LocalKeyRingOptions options;
  options.data_dir = dir;
  options.alg = alg;
  return options;
}

class LocalKeyRingTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(temp_.path().empty()); }

  // A data directory that does not exist yet.
  std::string DataDir() const { return temp_.Join("data"); }
  std::string KeyFile() const {
    return DataDir() + "/" + LocalKeyRing::kKeyFileName;
  }

  ScopedTempDir temp_;
};

// The first Open creates the data directory (0700) and a 0600 PKCS#8 key
// file, and says it generated the key; the kid is the key's thumbprint.
TEST_F(LocalKeyRingTest, FirstOpenGeneratesKey) {
  ASSERT_OK_AND_ASSIGN(auto ring, LocalKeyRing::Open(Options(DataDir())));
  EXPECT_TRUE(ring->generated());
  EXPECT_EQ(ScopedTempDir::Mode(DataDir()), 0700);
  EXPECT_EQ(ScopedTempDir::Mode(KeyFile()), 0600);
  const std::string pem = ReadFile(KeyFile());
  EXPECT_THAT(pem, HasSubstr("-----BEGIN PRIVATE KEY-----"));
  ASSERT_OK_AND_ASSIGN(crypto::EcPrivateKey key,
                       crypto::EcPrivateKey::FromPem(pem));
  EXPECT_EQ(key.curve(), crypto::EcCurve::kP256);

  ASSERT_NE(ring->ActiveSigningKey(), nullptr);
  EXPECT_EQ(ring->ActiveSigningKey()->alg(), jose::JwsAlgorithm::kES256);
  EXPECT_EQ(ring->ActiveSigningKey()->kid(),
            jose::Thumbprint(key.public_key()));
  ASSERT_NE(ring->VerificationKeys(), nullptr);
  EXPECT_EQ(ring->VerificationKeys()->size(), 1u);
  EXPECT_NE(ring->VerificationKeys()->Find(ring->ActiveSigningKey()->kid()),
            nullptr);
  // The published JWKS has the public key and nothing private.
  EXPECT_THAT(ring->VerificationKeys()->jwks_json(),
              HasSubstr(ring->ActiveSigningKey()->kid()));
  EXPECT_THAT(ring->VerificationKeys()->jwks_json(), Not(HasSubstr("\"d\"")));
}

// Only the key file is left in the directory: no temporary files.
TEST_F(LocalKeyRingTest, LeavesNoTemporaryFiles) {
  ASSERT_OK_AND_ASSIGN(auto ring, LocalKeyRing::Open(Options(DataDir())));
  EXPECT_THAT(ScopedTempDir::List(DataDir()),
              ElementsAre(LocalKeyRing::kKeyFileName));
  ASSERT_OK_AND_ASSIGN(auto again, LocalKeyRing::Open(Options(DataDir())));
  EXPECT_THAT(ScopedTempDir::List(DataDir()),
              ElementsAre(LocalKeyRing::kKeyFileName));
}

// A second Open loads the same key (same kid, file unchanged) and says so;
// tokens signed before the restart verify after it.
TEST_F(LocalKeyRingTest, SecondOpenLoadsSameKey) {
  ASSERT_OK_AND_ASSIGN(auto first, LocalKeyRing::Open(Options(DataDir())));
  const std::string pem = ReadFile(KeyFile());
  ASSERT_OK_AND_ASSIGN(
      std::string token,
      jose::SignCompact(*first->ActiveSigningKey(), "JWT", kPayload));

  ASSERT_OK_AND_ASSIGN(auto second, LocalKeyRing::Open(Options(DataDir())));
  EXPECT_FALSE(second->generated());
  EXPECT_EQ(second->ActiveSigningKey()->kid(),
            first->ActiveSigningKey()->kid());
  EXPECT_EQ(ReadFile(KeyFile()), pem);
  EXPECT_EQ(second->VerificationKeys()->jwks_json(),
            first->VerificationKeys()->jwks_json());

  jose::ValidationPolicy policy;
  policy.issuer = kIssuer;
  ASSERT_OK_AND_ASSIGN(jose::JwtValidator validator,
                       jose::JwtValidator::Create(policy));
  EXPECT_THAT(validator.Validate(token, *second->VerificationKeys(), kNow),
              IsOk());
}

// Different data directories get different keys.
TEST_F(LocalKeyRingTest, DistinctDirectoriesDistinctKeys) {
  ASSERT_OK_AND_ASSIGN(auto a, LocalKeyRing::Open(Options(temp_.Join("a"))));
  ASSERT_OK_AND_ASSIGN(auto b, LocalKeyRing::Open(Options(temp_.Join("b"))));
  EXPECT_NE(a->ActiveSigningKey()->kid(), b->ActiveSigningKey()->kid());
}

// Other ES* algorithms generate keys on their curve; HS* cannot be
// generated here.
TEST_F(LocalKeyRingTest, AlgorithmChoosesCurve) {
  ASSERT_OK_AND_ASSIGN(auto ring, LocalKeyRing::Open(Options(
                                      DataDir(), jose::JwsAlgorithm::kES384)));
  EXPECT_EQ(ring->ActiveSigningKey()->alg(), jose::JwsAlgorithm::kES384);
  ASSERT_OK_AND_ASSIGN(crypto::EcPrivateKey key,
                       crypto::EcPrivateKey::FromPem(ReadFile(KeyFile())));
  EXPECT_EQ(key.curve(), crypto::EcCurve::kP384);

  EXPECT_THAT(
      LocalKeyRing::Open(Options(temp_.Join("hs"), jose::JwsAlgorithm::kHS256)),
      StatusIs(absl::StatusCode::kInvalidArgument));
}

// A corrupt key file is an error naming the path, and the file is left
// byte for byte as it was (never replaced by a fresh key).
TEST_F(LocalKeyRingTest, CorruptKeyFileIsLeftAlone) {
  ASSERT_OK_AND_ASSIGN(auto ring, LocalKeyRing::Open(Options(DataDir())));
  std::string pem = ReadFile(KeyFile());
  const std::string corrupt[] = {
      "",
      "not a key",
      pem.substr(0, pem.size() / 2),
      std::string(100, '\0'),
  };
  for (const std::string& contents : corrupt) {
    WriteFile(KeyFile(), contents);
    absl::StatusOr<std::unique_ptr<LocalKeyRing>> opened =
        LocalKeyRing::Open(Options(DataDir()));
    EXPECT_THAT(opened, Not(IsOk()));
    EXPECT_THAT(opened.status().message(), HasSubstr(KeyFile()));
    EXPECT_EQ(ReadFile(KeyFile()), contents);
    EXPECT_THAT(ScopedTempDir::List(DataDir()),
                ElementsAre(LocalKeyRing::kKeyFileName));
  }
}

// A key on another curve than the configured algorithm needs is
// FAILED_PRECONDITION, and the file is kept.
TEST_F(LocalKeyRingTest, CurveMismatch) {
  ASSERT_OK_AND_ASSIGN(auto p384, LocalKeyRing::Open(Options(
                                      DataDir(), jose::JwsAlgorithm::kES384)));
  const std::string pem = ReadFile(KeyFile());
  EXPECT_THAT(
      LocalKeyRing::Open(Options(DataDir(), jose::JwsAlgorithm::kES256)),
      StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(ReadFile(KeyFile()), pem);
}

// A data directory path that is a regular file is an error.
TEST_F(LocalKeyRingTest, DataDirIsAFile) {
  WriteFile(DataDir(), "i am a file");
  EXPECT_THAT(LocalKeyRing::Open(Options(DataDir())), Not(IsOk()));
  EXPECT_EQ(ReadFile(DataDir()), "i am a file");
}

// A key file path that is a directory is an error, not a new key.
TEST_F(LocalKeyRingTest, KeyFileIsADirectory) {
  ASSERT_EQ(::mkdir(DataDir().c_str(), 0700), 0);
  ASSERT_EQ(::mkdir(KeyFile().c_str(), 0700), 0);
  EXPECT_THAT(LocalKeyRing::Open(Options(DataDir())), Not(IsOk()));
}

// An existing data directory that cannot be written is an error.
TEST_F(LocalKeyRingTest, UnwritableDataDir) {
  ASSERT_EQ(::mkdir(DataDir().c_str(), 0500), 0);
  ASSERT_EQ(::chmod(DataDir().c_str(), 0500), 0);
  if (::access(DataDir().c_str(), W_OK) == 0) {
    GTEST_SKIP() << "running with CAP_DAC_OVERRIDE (e.g. as root): a 0500 "
                    "directory is still writable, so this cannot be tested";
  }
  EXPECT_THAT(LocalKeyRing::Open(Options(DataDir())), Not(IsOk()));
  EXPECT_THAT(ScopedTempDir::List(DataDir()), ::testing::IsEmpty());
}

// Nested missing parents are created too.
TEST_F(LocalKeyRingTest, CreatesNestedDataDir) {
  const std::string nested = temp_.Join("x/y/z");
  ASSERT_OK_AND_ASSIGN(auto ring, LocalKeyRing::Open(Options(nested)));
  EXPECT_EQ(ScopedTempDir::Mode(nested), 0700);
  EXPECT_EQ(ScopedTempDir::Mode(nested + "/" + LocalKeyRing::kKeyFileName),
            0600);
}

}  // namespace
}  // namespace jwtd::keyring
