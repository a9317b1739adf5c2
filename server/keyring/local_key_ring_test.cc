#include "server/keyring/local_key_ring.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/ecdsa.h"
#include "server/jose/json.h"
#include "server/jose/json_parser.h"
#include "server/jose/jwk.h"
#include "server/jose/jws.h"
#include "server/jose/key_material.h"
#include "server/jose/keys.h"
#include "server/util/clock.h"
#include "server/util/file.h"
#include "server/util/log.h"
#include "tests/support/scoped_temp_dir.h"
#include "tests/support/status_matchers.h"

namespace jwtd::keyring {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::ScopedTempDir;
using ::jwtd::testing::StatusIs;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;
using ::testing::UnorderedElementsAreArray;

constexpr char kPayload[] =
    R"({"iss":"https://jwtd.example","sub":"alice","exp":1700000600})";
const absl::Time kT0 = absl::FromUnixSeconds(1700000000);
constexpr absl::Duration kDay = absl::Hours(24);
constexpr absl::Duration kSecond = absl::Seconds(1);
// The schedule most tests use.
const absl::Duration kPeriod = 10 * kDay;
constexpr absl::Duration kAhead = kDay;
const absl::Duration kRetain = 2 * kDay;

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

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

LocalKeyRingOptions Options(
    const std::string& dir,
    jose::JwsAlgorithm alg = jose::JwsAlgorithm::kES256) {
  LocalKeyRingOptions options;
  options.data_dir = dir;
  options.alg = alg;
  options.rotation_period = kPeriod;
  options.publish_ahead = kAhead;
  options.retain_after_retirement = kRetain;
  options.background = false;
  return options;
}

std::string Sign(const LocalKeyRing& ring) {
  absl::StatusOr<std::string> token =
      jose::SignCompact(*ring.ActiveSigningKey(), "JWT", kPayload);
  EXPECT_THAT(token, IsOk());
  return token.ok() ? *token : "";
}

bool Verifies(const LocalKeyRing& ring, const std::string& token) {
  return jose::VerifyCompactJws(token, *ring.VerificationKeys(),
                                jose::JwsLimits{})
      .ok();
}

std::vector<std::string> PublishedKids(const LocalKeyRing& ring) {
  std::vector<std::string> kids;
  // Held for the loop: the background thread may replace the snapshot.
  const std::shared_ptr<const jose::KeySet> keys = ring.VerificationKeys();
  for (const auto& key : keys->keys()) {
    kids.push_back(key->kid());
  }
  return kids;
}

// A fresh private key as PEM, with its kid (thumbprint).
struct PemKey {
  std::string pem;
  std::string kid;
  jose::PrivateKey key;
};

PemKey NewPemKey(jose::JwsAlgorithm alg = jose::JwsAlgorithm::kES256) {
  absl::StatusOr<jose::PrivateKey> key = jose::GeneratePrivateKey(alg);
  EXPECT_THAT(key, IsOk());
  absl::StatusOr<std::string> pem = jose::PrivateKeyToPem(*key);
  EXPECT_THAT(pem, IsOk());
  return {*pem, jose::Thumbprint(jose::PublicKeyOf(*key)), *key};
}

class LocalKeyRingTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(temp_.path().empty()); }

  // A data directory that does not exist yet.
  std::string DataDir() const { return temp_.Join("data"); }
  std::string KeysDir() const { return DataDir() + "/keys"; }
  std::string StatePath() const { return KeysDir() + "/state.json"; }
  std::string KeyPath(const std::string& kid) const {
    return KeysDir() + "/" + kid + ".pem";
  }
  std::string LegacyPath() const { return DataDir() + "/signing-key.pem"; }

  absl::StatusOr<std::unique_ptr<LocalKeyRing>> Open(
      const LocalKeyRingOptions& options) {
    return LocalKeyRing::Open(options, &clock_);
  }
  absl::StatusOr<std::unique_ptr<LocalKeyRing>> Open() {
    return Open(Options(DataDir()));
  }

  // What keys/ should hold: the state and one file per published key.
  std::set<std::string> ExpectedListing(const LocalKeyRing& ring) const {
    std::set<std::string> names = {"state.json"};
    for (const std::string& kid : PublishedKids(ring))
      names.insert(kid + ".pem");
    return names;
  }

  // The "keys" array of state.json.
  std::vector<jose::Json> StateKeys() const {
    absl::StatusOr<jose::Json> state = jose::ParseJsonObject(
        ReadFile(StatePath()), {.max_bytes = 1 << 20, .max_depth = 8});
    EXPECT_THAT(state, IsOk());
    if (!state.ok() || state->Find("keys") == nullptr) return {};
    return state->Find("keys")->array();
  }
  const jose::Json* StateKey(const std::string& kid) {
    state_keys_ = StateKeys();
    for (const jose::Json& key : state_keys_) {
      if (key.Find("kid")->string_value() == kid) return &key;
    }
    return nullptr;
  }

  ScopedTempDir temp_;
  FakeClock clock_{kT0};
  std::vector<jose::Json> state_keys_;
};

// The first Open creates data/ and data/keys/ (0700), one 0600 PKCS#8 key
// file named after its kid and a 0600 state naming it, and says it
// generated the key.
TEST_F(LocalKeyRingTest, FirstOpenGeneratesKey) {
  ASSERT_OK_AND_ASSIGN(auto ring, Open());
  EXPECT_TRUE(ring->generated());
  EXPECT_EQ(ScopedTempDir::Mode(DataDir()), 0700);
  EXPECT_EQ(ScopedTempDir::Mode(KeysDir()), 0700);
  ASSERT_NE(ring->ActiveSigningKey(), nullptr);
  const std::string kid = ring->ActiveSigningKey()->kid();
  EXPECT_EQ(ring->ActiveSigningKey()->alg(), jose::JwsAlgorithm::kES256);
  EXPECT_EQ(ScopedTempDir::List(KeysDir()),
            (std::set<std::string>{"state.json", kid + ".pem"}));
  EXPECT_EQ(ScopedTempDir::List(DataDir()), std::set<std::string>{"keys"});
  EXPECT_EQ(ScopedTempDir::Mode(KeyPath(kid)), 0600);
  EXPECT_EQ(ScopedTempDir::Mode(StatePath()), 0600);

  const std::string pem = ReadFile(KeyPath(kid));
  EXPECT_THAT(pem, HasSubstr("-----BEGIN PRIVATE KEY-----"));
  ASSERT_OK_AND_ASSIGN(crypto::EcPrivateKey key,
                       crypto::EcPrivateKey::FromPem(pem));
  EXPECT_EQ(key.curve(), crypto::EcCurve::kP256);
  EXPECT_EQ(kid, jose::Thumbprint(key.public_key()));

  const jose::Json* entry = StateKey(kid);
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->Find("alg")->string_value(), "ES256");
  EXPECT_EQ(entry->Find("file")->string_value(), kid + ".pem");
  EXPECT_EQ(entry->Find("created")->number().integer, absl::ToUnixSeconds(kT0));
  EXPECT_EQ(entry->Find("activates")->number().integer,
            absl::ToUnixSeconds(kT0));
  EXPECT_EQ(entry->Find("retired_at"), nullptr);

  EXPECT_EQ(PublishedKids(*ring), std::vector<std::string>{kid});
  EXPECT_THAT(ring->VerificationKeys()->jwks_json(), HasSubstr(kid));
  EXPECT_THAT(ring->VerificationKeys()->jwks_json(), Not(HasSubstr("\"d\"")));
  EXPECT_TRUE(Verifies(*ring, Sign(*ring)));
}

// A second Open loads the same key (same kid, files unchanged) and says it
// did not generate it; tokens signed before the restart verify after it.
TEST_F(LocalKeyRingTest, RestartLoadsSameKey) {
  ASSERT_OK_AND_ASSIGN(auto first, Open());
  const std::string kid = first->ActiveSigningKey()->kid();
  const std::string pem = ReadFile(KeyPath(kid));
  const std::string state = ReadFile(StatePath());
  const std::string jwks = first->VerificationKeys()->jwks_json();
  const std::string token = Sign(*first);
  first.reset();

  clock_.Advance(kDay);
  ASSERT_OK_AND_ASSIGN(auto second, Open());
  EXPECT_FALSE(second->generated());
  EXPECT_EQ(second->ActiveSigningKey()->kid(), kid);
  EXPECT_EQ(ReadFile(KeyPath(kid)), pem);
  EXPECT_EQ(ReadFile(StatePath()), state);
  EXPECT_EQ(second->VerificationKeys()->jwks_json(), jwks);
  EXPECT_TRUE(Verifies(*second, token));
}

// Several rings (processes) on one data directory share the keys, and a
// rotation made by one is picked up by the others at their next Tick
// instead of each creating its own next key.
TEST_F(LocalKeyRingTest, RingsSharingADataDirFollowOneSchedule) {
  ASSERT_OK_AND_ASSIGN(auto a, Open());
  ASSERT_OK_AND_ASSIGN(auto b, Open());
  EXPECT_FALSE(b->generated());
  EXPECT_EQ(a->ActiveSigningKey()->kid(), b->ActiveSigningKey()->kid());

  clock_.Set(kT0 + kPeriod - kAhead);
  ASSERT_OK(a->Tick());
  ASSERT_OK(b->Tick());
  EXPECT_EQ(PublishedKids(*a).size(), 2u);
  EXPECT_EQ(PublishedKids(*a), PublishedKids(*b));
  EXPECT_EQ(StateKeys().size(), 2u);

  clock_.Set(kT0 + kPeriod);
  ASSERT_OK(b->Tick());
  ASSERT_OK(a->Tick());
  EXPECT_EQ(a->ActiveSigningKey()->kid(), b->ActiveSigningKey()->kid());
  EXPECT_NE(a->ActiveSigningKey()->kid(), PublishedKids(*a).back());
}

TEST_F(LocalKeyRingTest, DistinctDirectoriesDistinctKeys) {
  ASSERT_OK_AND_ASSIGN(auto a, Open(Options(temp_.Join("a"))));
  ASSERT_OK_AND_ASSIGN(auto b, Open(Options(temp_.Join("b"))));
  EXPECT_NE(a->ActiveSigningKey()->kid(), b->ActiveSigningKey()->kid());
}

TEST_F(LocalKeyRingTest, AlgorithmChoosesCurve) {
  ASSERT_OK_AND_ASSIGN(auto ring,
                       Open(Options(DataDir(), jose::JwsAlgorithm::kES384)));
  EXPECT_EQ(ring->ActiveSigningKey()->alg(), jose::JwsAlgorithm::kES384);
  ASSERT_OK_AND_ASSIGN(crypto::EcPrivateKey key,
                       crypto::EcPrivateKey::FromPem(
                           ReadFile(KeyPath(ring->ActiveSigningKey()->kid()))));
  EXPECT_EQ(key.curve(), crypto::EcCurve::kP384);
}

// Bad options are refused before anything is created on disk.
TEST_F(LocalKeyRingTest, BadOptionsAreInvalidArgument) {
  std::vector<LocalKeyRingOptions> bad;
  bad.push_back(Options(DataDir(), jose::JwsAlgorithm::kHS256));
  bad.push_back(Options(DataDir()));
  bad.back().publish_ahead = kPeriod;
  bad.push_back(Options(DataDir()));
  bad.back().publish_ahead = kPeriod + kSecond;
  bad.push_back(Options(DataDir()));
  bad.back().publish_ahead = -kSecond;
  bad.push_back(Options(DataDir()));
  bad.back().rotation_period = -kDay;
  bad.push_back(Options(DataDir()));
  bad.back().retain_after_retirement = -kSecond;
  for (const LocalKeyRingOptions& options : bad) {
    EXPECT_THAT(Open(options), StatusIs(absl::StatusCode::kInvalidArgument));
  }
  EXPECT_FALSE(Exists(DataDir()));
}

// Rotation over several periods: exactly one key signs at any time; the
// next key is published exactly publish_ahead before it signs; the old key
// verifies until retain_after_retirement has passed, then disappears with
// its file; every rotation brings a new kid.
TEST_F(LocalKeyRingTest, RotatesOnSchedule) {
  ASSERT_OK_AND_ASSIGN(auto ring, Open());
  std::set<std::string> kids = {ring->ActiveSigningKey()->kid()};
  absl::Time start = kT0;
  for (int period = 0; period < 4; ++period) {
    SCOPED_TRACE(::testing::Message() << "period " << period);
    const std::string current = ring->ActiveSigningKey()->kid();
    const std::string token = Sign(*ring);

    clock_.Set(start + kPeriod - kAhead - kSecond);
    ASSERT_OK(ring->Tick());
    EXPECT_EQ(PublishedKids(*ring), std::vector<std::string>{current});

    clock_.Set(start + kPeriod - kAhead);
    ASSERT_OK(ring->Tick());
    ASSERT_EQ(PublishedKids(*ring).size(), 2u);
    const std::string next = PublishedKids(*ring)[1];
    EXPECT_TRUE(kids.insert(next).second) << "kid reused: " << next;
    EXPECT_EQ(ring->ActiveSigningKey()->kid(), current);
    EXPECT_THAT(ring->VerificationKeys()->jwks_json(), HasSubstr(next));
    EXPECT_EQ(ScopedTempDir::List(KeysDir()), ExpectedListing(*ring));
    // Nothing changes until the switch: the same snapshot stays in place.
    auto snapshot = ring->VerificationKeys();
    clock_.Set(start + kPeriod - kSecond);
    ASSERT_OK(ring->Tick());
    EXPECT_EQ(ring->VerificationKeys(), snapshot);
    EXPECT_EQ(ring->ActiveSigningKey()->kid(), current);

    clock_.Set(start + kPeriod);
    ASSERT_OK(ring->Tick());
    EXPECT_EQ(ring->ActiveSigningKey()->kid(), next);
    EXPECT_THAT(PublishedKids(*ring), UnorderedElementsAre(current, next));
    EXPECT_TRUE(Verifies(*ring, token));
    const jose::Json* retired = StateKey(current);
    ASSERT_NE(retired, nullptr);
    ASSERT_NE(retired->Find("retired_at"), nullptr);
    EXPECT_EQ(retired->Find("retired_at")->number().integer,
              absl::ToUnixSeconds(start + kPeriod));

    clock_.Set(start + kPeriod + kRetain - kSecond);
    ASSERT_OK(ring->Tick());
    EXPECT_TRUE(Verifies(*ring, token));

    clock_.Set(start + kPeriod + kRetain);
    ASSERT_OK(ring->Tick());
    EXPECT_FALSE(Verifies(*ring, token));
    EXPECT_EQ(PublishedKids(*ring), std::vector<std::string>{next});
    EXPECT_FALSE(Exists(KeyPath(current)));
    EXPECT_EQ(ScopedTempDir::List(KeysDir()), ExpectedListing(*ring));
    EXPECT_TRUE(Verifies(*ring, Sign(*ring)));
    start += kPeriod;
  }
}

// The schedule survives a restart between publication and activation.
TEST_F(LocalKeyRingTest, RestartKeepsTheUpcomingKey) {
  std::string first;
  std::string next;
  {
    ASSERT_OK_AND_ASSIGN(auto ring, Open());
    first = ring->ActiveSigningKey()->kid();
    clock_.Set(kT0 + kPeriod - kAhead);
    ASSERT_OK(ring->Tick());
    ASSERT_EQ(PublishedKids(*ring).size(), 2u);
    next = PublishedKids(*ring)[1];
  }
  clock_.Set(kT0 + kPeriod - kSecond);
  ASSERT_OK_AND_ASSIGN(auto ring, Open());
  EXPECT_EQ(ring->ActiveSigningKey()->kid(), first);
  EXPECT_EQ(PublishedKids(*ring), (std::vector<std::string>{first, next}));
  clock_.Set(kT0 + kPeriod);
  ASSERT_OK(ring->Tick());
  EXPECT_EQ(ring->ActiveSigningKey()->kid(), next);
}

// Down through a whole rotation: the next key signs at once (a stale key
// never keeps signing) and the old one is retained from now.
TEST_F(LocalKeyRingTest, CatchesUpAfterLongDowntime) {
  std::string old_kid;
  std::string token;
  {
    ASSERT_OK_AND_ASSIGN(auto ring, Open());
    old_kid = ring->ActiveSigningKey()->kid();
    token = Sign(*ring);
  }
  const absl::Time now = kT0 + 35 * kDay;
  clock_.Set(now);
  ASSERT_OK_AND_ASSIGN(auto ring, Open());
  EXPECT_NE(ring->ActiveSigningKey()->kid(), old_kid);
  EXPECT_THAT(PublishedKids(*ring), Contains(old_kid));
  EXPECT_TRUE(Verifies(*ring, token));
  const jose::Json* fresh = StateKey(ring->ActiveSigningKey()->kid());
  ASSERT_NE(fresh, nullptr);
  EXPECT_EQ(fresh->Find("activates")->number().integer,
            absl::ToUnixSeconds(now));

  clock_.Set(now + kRetain);
  ASSERT_OK(ring->Tick());
  EXPECT_FALSE(Verifies(*ring, token));
}

// A crash between writing a new key and the state naming it leaves an
// orphan key file, and interrupted atomic writes leave temporary files.
// The next Open removes them (the orphan was never published, so nothing
// was signed with it), keeps every key of the state, and still has
// exactly one signing key. Files that are not the ring's are left alone.
TEST_F(LocalKeyRingTest, RecoversFromACrashMidRotation) {
  std::string token0;
  std::string token1;
  std::vector<std::string> published;
  {
    ASSERT_OK_AND_ASSIGN(auto ring, Open());
    token0 = Sign(*ring);
    clock_.Set(kT0 + kPeriod - kAhead);
    ASSERT_OK(ring->Tick());
    clock_.Set(kT0 + kPeriod);
    ASSERT_OK(ring->Tick());
    token1 = Sign(*ring);
    published = PublishedKids(*ring);
  }
  const std::string state = ReadFile(StatePath());
  const PemKey orphan = NewPemKey();
  WriteFile(KeyPath(orphan.kid), orphan.pem);
  WriteFile(StatePath() + ".tmp-123-7", state.substr(0, state.size() / 2));
  WriteFile(KeyPath(orphan.kid) + ".tmp-123-6", orphan.pem.substr(0, 40));
  WriteFile(KeysDir() + "/README", "operator notes");

  clock_.Advance(kSecond);
  ASSERT_OK_AND_ASSIGN(auto ring, Open());
  EXPECT_EQ(PublishedKids(*ring), published);
  EXPECT_THAT(PublishedKids(*ring), Not(Contains(orphan.kid)));
  EXPECT_EQ(ring->ActiveSigningKey()->kid(), published[0]);
  EXPECT_TRUE(Verifies(*ring, token0));
  EXPECT_TRUE(Verifies(*ring, token1));
  std::set<std::string> listing = ExpectedListing(*ring);
  listing.insert("README");
  EXPECT_EQ(ScopedTempDir::List(KeysDir()), listing);
  EXPECT_EQ(ReadFile(StatePath()), state);
}

// A first start cut short after the key file: the single key is adopted.
TEST_F(LocalKeyRingTest, AdoptsTheKeyOfAnInterruptedFirstStart) {
  const PemKey key = NewPemKey();
  ASSERT_OK(EnsurePrivateDirectory(KeysDir()));
  WriteFile(KeyPath(key.kid), key.pem);
  ASSERT_OK_AND_ASSIGN(auto ring, Open());
  EXPECT_FALSE(ring->generated());
  EXPECT_EQ(ring->ActiveSigningKey()->kid(), key.kid);
  EXPECT_EQ(ScopedTempDir::List(KeysDir()), ExpectedListing(*ring));
}

// Several keys and no state: their schedule cannot be guessed, and nothing
// is touched.
TEST_F(LocalKeyRingTest, SeveralKeysWithoutStateIsAnError) {
  ASSERT_OK(EnsurePrivateDirectory(KeysDir()));
  const PemKey a = NewPemKey();
  const PemKey b = NewPemKey();
  WriteFile(KeyPath(a.kid), a.pem);
  WriteFile(KeyPath(b.kid), b.pem);
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr("state")));
  EXPECT_EQ(ScopedTempDir::List(KeysDir()),
            (std::set<std::string>{a.kid + ".pem", b.kid + ".pem"}));
}

// An earlier version's single signing-key.pem becomes the first key: same
// kid, so its tokens keep verifying; the old file goes once the state is
// durable.
TEST_F(LocalKeyRingTest, AdoptsLegacyKeyFile) {
  const PemKey legacy = NewPemKey();
  ASSERT_OK(EnsurePrivateDirectory(DataDir()));
  WriteFile(LegacyPath(), legacy.pem);
  ASSERT_OK_AND_ASSIGN(
      auto signer,
      jose::SigningKey::Create(legacy.key, jose::JwsAlgorithm::kES256));
  ASSERT_OK_AND_ASSIGN(std::string token,
                       jose::SignCompact(*signer, "JWT", kPayload));

  ASSERT_OK_AND_ASSIGN(auto ring, Open());
  EXPECT_FALSE(ring->generated());
  EXPECT_EQ(ring->ActiveSigningKey()->kid(), legacy.kid);
  EXPECT_TRUE(Verifies(*ring, token));
  EXPECT_FALSE(Exists(LegacyPath()));
  EXPECT_EQ(ScopedTempDir::Mode(KeyPath(legacy.kid)), 0600);
  ASSERT_OK_AND_ASSIGN(jose::PrivateKey stored,
                       jose::PrivateKeyFromPem(ReadFile(KeyPath(legacy.kid))));
  EXPECT_EQ(jose::Thumbprint(jose::PublicKeyOf(stored)), legacy.kid);
  ring.reset();

  // A crash after the state but before the removal: removed at next Open.
  WriteFile(LegacyPath(), legacy.pem);
  ASSERT_OK_AND_ASSIGN(ring, Open());
  EXPECT_FALSE(Exists(LegacyPath()));
  ring.reset();

  // A legacy file with another key beside a state is not ours to remove.
  const PemKey stranger = NewPemKey();
  WriteFile(LegacyPath(), stranger.pem);
  ASSERT_OK_AND_ASSIGN(ring, Open());
  EXPECT_EQ(ReadFile(LegacyPath()), stranger.pem);
  EXPECT_EQ(ring->ActiveSigningKey()->kid(), legacy.kid);
}

// A legacy key file that cannot be used is an error naming it; it is left
// as it was and nothing is generated in its place.
TEST_F(LocalKeyRingTest, UnusableLegacyKeyFileIsLeftAlone) {
  ASSERT_OK(EnsurePrivateDirectory(DataDir()));
  const std::string unusable[] = {
      "not a key",
      // RSA under ES256: RS256 or PS256? Not guessed.
      NewPemKey(jose::JwsAlgorithm::kRS256).pem,
  };
  for (const std::string& contents : unusable) {
    WriteFile(LegacyPath(), contents);
    EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                 HasSubstr(LegacyPath())));
    EXPECT_EQ(ReadFile(LegacyPath()), contents);
    EXPECT_THAT(ScopedTempDir::List(KeysDir()), ::testing::IsEmpty());
  }
}

// An algorithm change happens by rotation: the existing key keeps its own
// alg (and keeps verifying); the next key follows the configured alg.
TEST_F(LocalKeyRingTest, AlgorithmChangesAtTheNextRotation) {
  const PemKey legacy = NewPemKey(jose::JwsAlgorithm::kES384);
  ASSERT_OK(EnsurePrivateDirectory(DataDir()));
  WriteFile(LegacyPath(), legacy.pem);
  ASSERT_OK_AND_ASSIGN(auto ring, Open());
  EXPECT_EQ(ring->ActiveSigningKey()->kid(), legacy.kid);
  EXPECT_EQ(ring->ActiveSigningKey()->alg(), jose::JwsAlgorithm::kES384);
  const std::string token = Sign(*ring);

  clock_.Set(kT0 + kPeriod);
  ASSERT_OK(ring->Tick());
  EXPECT_NE(ring->ActiveSigningKey()->kid(), legacy.kid);
  EXPECT_EQ(ring->ActiveSigningKey()->alg(), jose::JwsAlgorithm::kES256);
  EXPECT_TRUE(Verifies(*ring, token));
  EXPECT_EQ(StateKey(legacy.kid)->Find("alg")->string_value(), "ES384");
}

// A key file named in the state that is corrupt, missing or holds another
// key fails Open with FAILED_PRECONDITION naming the path; nothing on disk
// changes and no key is regenerated.
TEST_F(LocalKeyRingTest, BadKeyFileNamedInStateIsLeftAlone) {
  std::string kid;
  {
    ASSERT_OK_AND_ASSIGN(auto ring, Open());
    kid = ring->ActiveSigningKey()->kid();
  }
  const std::string pem = ReadFile(KeyPath(kid));
  const std::string state = ReadFile(StatePath());
  const std::string corrupt[] = {
      "",
      "not a key",
      pem.substr(0, pem.size() / 2),
      std::string(100, '\0'),
      NewPemKey().pem,  // A valid key, but not this kid's.
      NewPemKey(jose::JwsAlgorithm::kES384).pem,
  };
  for (const std::string& contents : corrupt) {
    WriteFile(KeyPath(kid), contents);
    EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                 HasSubstr(KeyPath(kid))));
    EXPECT_EQ(ReadFile(KeyPath(kid)), contents);
    EXPECT_EQ(ReadFile(StatePath()), state);
    EXPECT_EQ(ScopedTempDir::List(KeysDir()),
              (std::set<std::string>{"state.json", kid + ".pem"}));
  }
  ASSERT_EQ(::unlink(KeyPath(kid).c_str()), 0);
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr(KeyPath(kid))));
  EXPECT_EQ(ScopedTempDir::List(KeysDir()),
            std::set<std::string>{"state.json"});
  EXPECT_EQ(ReadFile(StatePath()), state);
}

// The file of a key whose retention has passed is not needed: Open drops
// the key even if its file is gone. Before that, a missing file is fatal.
TEST_F(LocalKeyRingTest, MissingFileOfAnExpiredKeyIsFine) {
  std::string old_kid;
  {
    ASSERT_OK_AND_ASSIGN(auto ring, Open());
    old_kid = ring->ActiveSigningKey()->kid();
    clock_.Set(kT0 + kPeriod);
    ASSERT_OK(ring->Tick());
  }
  ASSERT_EQ(::unlink(KeyPath(old_kid).c_str()), 0);
  clock_.Set(kT0 + kPeriod + kRetain - kSecond);
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kFailedPrecondition,
                               HasSubstr(KeyPath(old_kid))));
  clock_.Set(kT0 + kPeriod + kRetain);
  ASSERT_OK_AND_ASSIGN(auto ring, Open());
  EXPECT_EQ(PublishedKids(*ring).size(), 1u);
  EXPECT_EQ(StateKey(old_kid), nullptr);
}

// A corrupt or hostile state fails Open with FAILED_PRECONDITION and is
// left byte for byte; no key file is touched.
TEST_F(LocalKeyRingTest, BadStateIsLeftAlone) {
  std::string kid;
  {
    ASSERT_OK_AND_ASSIGN(auto ring, Open());
    kid = ring->ActiveSigningKey()->kid();
  }
  const std::string good = ReadFile(StatePath());
  const std::string pem = ReadFile(KeyPath(kid));
  auto with = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return at == std::string::npos ? text : text.replace(at, from.size(), to);
  };
  const std::string bad[] = {
      "",
      "{",
      "{}",
      "[]",
      good.substr(0, good.size() / 2),
      with("\"version\":1", "\"version\":2"),
      with("\"version\":1", "\"version\":\"1\""),
      R"({"version":1,"keys":[]})",
      with("\"alg\":\"ES256\"", "\"alg\":\"HS256\""),
      with("\"alg\":\"ES256\"", "\"alg\":\"none\""),
      with("\"kid\":\"" + kid, "\"kid\":\"../" + kid),
      with("\"file\":\"" + kid, "\"file\":\"../../" + kid),
      with("\"file\":\"" + kid + ".pem", "\"file\":\"state.json"),
      with("\"activates\":", "\"activates\":-"),
      with("\"activates\":", "\"activates\":0.5+"),
      with("\"created\":", "\"ignored\":"),
      with("]}", ",{\"kid\":\"" + kid + "\",\"alg\":\"ES256\",\"file\":\"" +
                     kid + ".pem\",\"created\":1,\"activates\":1}]}"),
  };
  for (const std::string& text : bad) {
    SCOPED_TRACE(text);
    WriteFile(StatePath(), text);
    EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                 HasSubstr(StatePath())));
    EXPECT_EQ(ReadFile(StatePath()), text);
    EXPECT_EQ(ReadFile(KeyPath(kid)), pem);
    EXPECT_EQ(ScopedTempDir::List(KeysDir()),
              (std::set<std::string>{"state.json", kid + ".pem"}));
  }
  WriteFile(StatePath(), good);
  EXPECT_THAT(Open(), IsOk());
}

// A Tick that cannot write the state (here: RLIMIT_FSIZE lets the new key
// file through but not the larger state, which works even as root) fails,
// keeps the current snapshots, and leaves neither the new key nor a
// temporary file behind. The next Tick that can write succeeds.
TEST_F(LocalKeyRingTest, FailedTickChangesNothing) {
  ASSERT_OK_AND_ASSIGN(auto ring, Open());
  const std::string kid = ring->ActiveSigningKey()->kid();
  const auto keys = ring->VerificationKeys();
  const auto signer = ring->ActiveSigningKey();
  const std::set<std::string> listing = ScopedTempDir::List(KeysDir());
  const std::string state = ReadFile(StatePath());
  const absl::Time refreshed = ring->Status().last_refresh;
  const size_t key_size = ReadFile(KeyPath(kid)).size();
  // The state grows by a whole entry (~170 bytes) with the next key.
  const rlim_t limit = std::max(key_size, state.size()) + 40;
  ASSERT_LT(limit, state.size() + 150);

  struct rlimit saved;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto* previous_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = limit;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  clock_.Set(kT0 + kPeriod - kAhead);
  const absl::Status status = ring->Tick();
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &saved), 0);
  ::signal(SIGXFSZ, previous_handler);

  EXPECT_THAT(status, Not(IsOk()));
  EXPECT_EQ(ring->VerificationKeys(), keys);
  EXPECT_EQ(ring->ActiveSigningKey(), signer);
  EXPECT_EQ(ScopedTempDir::List(KeysDir()), listing);
  EXPECT_EQ(ReadFile(StatePath()), state);
  EXPECT_EQ(ring->Status().last_refresh, refreshed);
  EXPECT_TRUE(ring->Status().degraded);
  EXPECT_TRUE(ring->Status().ready);
  EXPECT_THAT(ring->Status().detail, HasSubstr("last update failed"));

  ASSERT_OK(ring->Tick());
  EXPECT_EQ(PublishedKids(*ring).size(), 2u);
  EXPECT_EQ(ring->Status().last_refresh, kT0 + kPeriod - kAhead);
  EXPECT_FALSE(ring->Status().degraded);
}

// The keys directory replaced by a file (or otherwise unusable): Tick
// fails and the current keys stay in use.
TEST_F(LocalKeyRingTest, UnusableKeysDirectoryKeepsCurrentKeys) {
  ASSERT_OK_AND_ASSIGN(auto ring, Open());
  const auto keys = ring->VerificationKeys();
  ASSERT_EQ(::rename(KeysDir().c_str(), (KeysDir() + ".moved").c_str()), 0);
  WriteFile(KeysDir(), "not a directory");
  clock_.Set(kT0 + kPeriod);
  EXPECT_THAT(ring->Tick(), Not(IsOk()));
  EXPECT_EQ(ring->VerificationKeys(), keys);
  EXPECT_TRUE(ring->Status().ready);
}

TEST_F(LocalKeyRingTest, StatusDescribesTheRing) {
  ASSERT_OK_AND_ASSIGN(auto ring, Open());
  const std::string kid = ring->ActiveSigningKey()->kid();
  KeyRingStatus status = ring->Status();
  EXPECT_TRUE(status.ready);
  EXPECT_FALSE(status.degraded);
  EXPECT_EQ(status.keys, 1u);
  EXPECT_EQ(status.last_refresh, kT0);
  EXPECT_EQ(status.active_key_retires, kT0 + kPeriod);
  EXPECT_EQ(status.detail,
            "1 key; active " + kid + " until " +
                absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", kT0 + kPeriod,
                                 absl::UTCTimeZone()));

  clock_.Set(kT0 + kPeriod - kAhead);
  ASSERT_OK(ring->Tick());
  status = ring->Status();
  EXPECT_EQ(status.keys, 2u);
  EXPECT_EQ(status.last_refresh, kT0 + kPeriod - kAhead);
  EXPECT_EQ(status.active_key_retires, kT0 + kPeriod);
  EXPECT_THAT(status.detail, HasSubstr("2 keys; active " + kid));

  // After the switch the next key signs until the period after.
  clock_.Set(kT0 + kPeriod);
  ASSERT_OK(ring->Tick());
  EXPECT_EQ(ring->Status().active_key_retires, kT0 + 2 * kPeriod);
}

TEST_F(LocalKeyRingTest, NoRotationKeepsOneKey) {
  LocalKeyRingOptions options = Options(DataDir());
  options.rotation_period = absl::ZeroDuration();
  ASSERT_OK_AND_ASSIGN(auto ring, Open(options));
  const std::string kid = ring->ActiveSigningKey()->kid();
  clock_.Set(kT0 + 1000 * kDay);
  ASSERT_OK(ring->Tick());
  EXPECT_EQ(PublishedKids(*ring), std::vector<std::string>{kid});
  EXPECT_THAT(ring->Status().detail, HasSubstr("until forever"));
  EXPECT_EQ(ring->Status().active_key_retires, absl::InfiniteFuture());
}

TEST_F(LocalKeyRingTest, DataDirIsAFile) {
  WriteFile(DataDir(), "i am a file");
  EXPECT_THAT(Open(), Not(IsOk()));
  EXPECT_EQ(ReadFile(DataDir()), "i am a file");
}

TEST_F(LocalKeyRingTest, CreatesNestedDataDir) {
  const std::string nested = temp_.Join("x/y/z");
  ASSERT_OK_AND_ASSIGN(auto ring, Open(Options(nested)));
  EXPECT_EQ(ScopedTempDir::Mode(nested), 0700);
  EXPECT_EQ(ScopedTempDir::Mode(nested + "/keys"), 0700);
}

// Readers never lock and never see a half-updated ring: while Tick rotates
// (half a period per Tick, so that keys come and go), the signing key
// always belongs to the verification keys of the same snapshot. (When no
// swap happened between two VerificationKeys() calls, the signer read
// between them is of that snapshot: the held pointer rules out ABA.)
TEST_F(LocalKeyRingTest, ReadersSeeConsistentSnapshots) {
  ASSERT_OK_AND_ASSIGN(auto ring, Open());
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::atomic<int> consistent_reads{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 2; ++i) {
    readers.emplace_back([&] {
      while (!done.load()) {
        std::shared_ptr<const jose::KeySet> before = ring->VerificationKeys();
        std::shared_ptr<const jose::SigningKey> signer =
            ring->ActiveSigningKey();
        if (ring->VerificationKeys() != before) continue;
        absl::StatusOr<std::string> token =
            jose::SignCompact(*signer, "JWT", kPayload);
        if (!token.ok() ||
            !jose::VerifyCompactJws(*token, *before, jose::JwsLimits{}).ok() ||
            !ring->Status().ready) {
          failures.fetch_add(1);
        }
        consistent_reads.fetch_add(1);
      }
    });
  }
  std::set<std::string> signers;
  for (int i = 0; i < 40; ++i) {
    clock_.Advance(kPeriod / 2);
    ASSERT_OK(ring->Tick());
    signers.insert(ring->ActiveSigningKey()->kid());
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // On a loaded machine the readers may not have been scheduled between
  // two ticks: give them a quiet moment (bounded) to complete a read.
  for (int i = 0; i < 500 && consistent_reads.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  done.store(true);
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(consistent_reads.load(), 0);
  EXPECT_GE(signers.size(), 19u);
}

// The background thread applies the schedule by itself, and the
// destructor stops it promptly (it does not sit out its 60 s wait).
TEST_F(LocalKeyRingTest, BackgroundThreadTicksAndStopsPromptly) {
  { ASSERT_OK_AND_ASSIGN(auto first, Open()); }
  // Reopened 500 ms (fake time) before the next key is due: the thread
  // waits its 1 s minimum, then ticks at the fake clock, moved on below.
  clock_.Set(kT0 + kPeriod - kAhead - absl::Milliseconds(500));
  LocalKeyRingOptions options = Options(DataDir());
  options.background = true;
  ASSERT_OK_AND_ASSIGN(auto ring, Open(options));
  EXPECT_EQ(PublishedKids(*ring).size(), 1u);
  clock_.Set(kT0 + kPeriod - kAhead);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (PublishedKids(*ring).size() < 2 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(PublishedKids(*ring).size(), 2u);

  const auto before = std::chrono::steady_clock::now();
  ring.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(5));
}

// A real crash: a child process rotates as fast as it can (6 fake hours
// per Tick) and is killed with SIGKILL after some Ticks plus a little
// time; each time the parent opens the data directory and finds a
// consistent ring, and the next child carries on from there.
TEST_F(LocalKeyRingTest, SurvivesSigkillMidRotation) {
  LocalKeyRingOptions options = Options(DataDir());
  options.rotation_period = 2 * kDay;
  options.publish_ahead = kDay;
  options.retain_after_retirement = kDay;
  absl::Time now = kT0;
  const std::pair<int, int> kills[] = {{0, 0},  {0, 2}, {1, 0}, {2, 1},
                                       {3, 3},  {5, 0}, {8, 2}, {13, 1},
                                       {21, 0}, {4, 5}};
  for (const auto& [ticks, delay_ms] : kills) {
    SCOPED_TRACE(::testing::Message() << "killed after " << ticks << " ticks + "
                                      << delay_ms << " ms");
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(pipe_fds[0]);
      SetMinLogLevel(LogLevel::kError);
      FakeClock clock(now);
      auto ring = LocalKeyRing::Open(options, &clock);
      if (!ring.ok()) ::_exit(2);
      while (true) {
        clock.Advance(absl::Hours(6));
        if (!(*ring)->Tick().ok()) ::_exit(3);
        if (::write(pipe_fds[1], "t", 1) != 1) ::_exit(4);
      }
    }
    ::close(pipe_fds[1]);
    char byte;
    for (int i = 0; i < ticks; ++i) {
      if (::read(pipe_fds[0], &byte, 1) != 1) break;  // The child died.
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(child, SIGKILL);
    ::close(pipe_fds[0]);
    int wait_status = 0;
    ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(wait_status))
        << "child exited with " << WEXITSTATUS(wait_status);

    // Continue from the latest activation the child made durable.
    if (Exists(StatePath())) {
      for (const jose::Json& key : StateKeys()) {
        now = std::max(now, absl::FromUnixSeconds(
                                key.Find("activates")->number().integer));
      }
    }
    clock_.Set(now);
    ASSERT_OK_AND_ASSIGN(auto ring, Open(options));
    ASSERT_NE(ring->ActiveSigningKey(), nullptr);
    EXPECT_THAT(PublishedKids(*ring),
                Contains(ring->ActiveSigningKey()->kid()));
    EXPECT_LE(PublishedKids(*ring).size(), 3u);
    EXPECT_EQ(ScopedTempDir::List(KeysDir()), ExpectedListing(*ring));
    std::vector<std::string> state_kids;
    for (const jose::Json& key : StateKeys()) {
      state_kids.push_back(key.Find("kid")->string_value());
    }
    EXPECT_THAT(state_kids, UnorderedElementsAreArray(PublishedKids(*ring)));
    EXPECT_TRUE(Verifies(*ring, Sign(*ring)));
  }
  // The children did rotate: 57 Ticks of 6 h make several periods.
  EXPECT_GE(now, kT0 + 4 * options.rotation_period);
}

}  // namespace
}  // namespace jwtd::keyring
