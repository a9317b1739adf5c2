// The properties every KeyRing backend must have, as one parameterised suite
// (TEST_P) instantiated once per backend at the bottom of this file. A new
// backend joins by writing a KeyRingBackend for it and one
// INSTANTIATE_TEST_SUITE_P line.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/jose/json_parser.h"
#include "server/jose/jwk.h"
#include "server/jose/jwks.h"
#include "server/jose/jws.h"
#include "server/jose/key_material.h"
#include "server/jose/key_set.h"
#include "server/jose/keys.h"
#include "server/keyring/files_key_ring.h"
#include "server/keyring/key_ring.h"
#include "server/keyring/local_key_ring.h"
#include "server/keyring/remote_jwks_key_ring.h"
#include "server/util/clock.h"
#include "server/util/file.h"
#include "tests/support/local_http_server.h"
#include "tests/support/scoped_temp_dir.h"
#include "tests/support/status_matchers.h"

namespace jwtd::keyring {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::ScopedTempDir;
using ::testing::IsEmpty;
using ::testing::NotNull;

const absl::Time kStart = absl::FromUnixSeconds(1700000000);
constexpr char kPayload[] = R"({"sub":"alice"})";
constexpr char kUnknownKid[] = "no-such-kid";

// One backend under test: opens its ring and makes it load keys again.
class KeyRingBackend {
 public:
  virtual ~KeyRingBackend() = default;
  // Opens the ring; called once per test. The backend owns what the ring
  // needs (directories, clocks, servers) and outlives it.
  virtual absl::StatusOr<std::unique_ptr<KeyRing>> Open() = 0;
  // Makes the ring go through its refresh path once, with new keys where
  // the backend can have them (rotation, new files, a new JWKS): Tick(),
  // Reload(), Refresh(). Called from one thread at a time, possibly while
  // other threads read the ring.
  virtual absl::Status Churn() = 0;
};

using BackendFactory = std::unique_ptr<KeyRingBackend> (*)();

// ---------------------------------------------------------------------------
// Backends.

// A JWK Set of two fresh public keys (ES256 and EdDSA), as another issuer
// would publish it.
absl::StatusOr<std::string> NewPublicJwks() {
  std::vector<std::shared_ptr<const jose::VerificationKey>> keys;
  for (jose::JwsAlgorithm alg :
       {jose::JwsAlgorithm::kES256, jose::JwsAlgorithm::kEdDSA}) {
    absl::StatusOr<jose::PrivateKey> key = jose::GeneratePrivateKey(alg);
    if (!key.ok()) return key.status();
    const jose::PublicKey public_key = jose::PublicKeyOf(*key);
    absl::StatusOr<std::shared_ptr<const jose::VerificationKey>> v =
        jose::VerificationKey::Create(public_key, alg,
                                      jose::Thumbprint(public_key));
    if (!v.ok()) return v.status();
    keys.push_back(*std::move(v));
  }
  absl::StatusOr<std::shared_ptr<const jose::KeySet>> set =
      jose::KeySet::Create(std::move(keys));
  if (!set.ok()) return set.status();
  return (*set)->jwks_json();
}

// LocalKeyRing on a fake clock: each Churn moves half a rotation period and
// ticks, so keys are published, activated and retired as the test runs.
class LocalBackend : public KeyRingBackend {
 public:
  absl::StatusOr<std::unique_ptr<KeyRing>> Open() override {
    LocalKeyRingOptions options;
    options.data_dir = dir_.Join("data");
    options.alg = jose::JwsAlgorithm::kES256;
    options.rotation_period = absl::Hours(1);
    options.publish_ahead = absl::Minutes(10);
    options.retain_after_retirement = absl::Minutes(20);
    options.background = false;
    absl::StatusOr<std::unique_ptr<LocalKeyRing>> ring =
        LocalKeyRing::Open(options, &clock_);
    if (!ring.ok()) return ring.status();
    ring_ = ring->get();
    return std::unique_ptr<KeyRing>(*std::move(ring));
  }
  absl::Status Churn() override {
    clock_.Advance(absl::Minutes(30));
    return ring_->Tick();
  }

 private:
  ScopedTempDir dir_;
  FakeClock clock_{kStart};
  LocalKeyRing* ring_ = nullptr;
};

// FilesKeyRing over a JWKS file (another issuer's keys) and a private PEM
// (our signer); each Churn replaces both with fresh keys and reloads.
class FilesBackend : public KeyRingBackend {
 public:
  absl::StatusOr<std::unique_ptr<KeyRing>> Open() override {
    if (absl::Status written = WriteNewKeys(); !written.ok()) return written;
    FilesKeyRingOptions options;
    options.paths = {dir_.Join("jwks.json"), dir_.Join("key.pem")};
    options.alg = jose::JwsAlgorithm::kES256;
    options.poll_interval = absl::ZeroDuration();
    absl::StatusOr<std::unique_ptr<FilesKeyRing>> ring =
        FilesKeyRing::Open(options, &clock_);
    if (!ring.ok()) return ring.status();
    ring_ = ring->get();
    return std::unique_ptr<KeyRing>(*std::move(ring));
  }
  absl::Status Churn() override {
    if (absl::Status written = WriteNewKeys(); !written.ok()) return written;
    clock_.Advance(absl::Seconds(10));
    return ring_->Reload();
  }

 private:
  struct Generation {
    std::string jwks;         // Two public EC keys.
    std::string private_pem;  // The signer.
  };

  static absl::StatusOr<Generation> MakeGeneration() {
    absl::StatusOr<std::string> jwks = NewPublicJwks();
    if (!jwks.ok()) return jwks.status();
    absl::StatusOr<jose::PrivateKey> signer =
        jose::GeneratePrivateKey(jose::JwsAlgorithm::kES256);
    if (!signer.ok()) return signer.status();
    absl::StatusOr<std::string> pem = jose::PrivateKeyToPem(*signer);
    if (!pem.ok()) return pem.status();
    return Generation{*std::move(jwks), *std::move(pem)};
  }

  absl::Status WriteNewKeys() {
    absl::StatusOr<Generation> generation = MakeGeneration();
    if (!generation.ok()) return generation.status();
    absl::Status written =
        WriteFileAtomically(dir_.Join("jwks.json"), generation->jwks, 0600);
    if (!written.ok()) return written;
    return WriteFileAtomically(dir_.Join("key.pem"), generation->private_pem,
                               0600);
  }

  ScopedTempDir dir_;
  FakeClock clock_{kStart};
  FilesKeyRing* ring_ = nullptr;
};

// RemoteJwksKeyRing against a local HTTP server; each Churn serves a JWKS of
// fresh keys and refreshes.
class RemoteBackend : public KeyRingBackend {
 public:
  absl::StatusOr<std::unique_ptr<KeyRing>> Open() override {
    absl::StatusOr<std::unique_ptr<::jwtd::testing::LocalHttpServer>> server =
        ::jwtd::testing::LocalHttpServer::Start();
    if (!server.ok()) return server.status();
    server_ = *std::move(server);
    if (absl::Status served = ServeNewKeys(); !served.ok()) return served;
    RemoteJwksKeyRingOptions options;
    options.jwks_uri = server_->Url("/jwks");
    options.allow_http = true;
    options.background_refresh = false;
    absl::StatusOr<std::unique_ptr<RemoteJwksKeyRing>> ring =
        RemoteJwksKeyRing::Open(options, &clock_);
    if (!ring.ok()) return ring.status();
    ring_ = ring->get();
    return std::unique_ptr<KeyRing>(*std::move(ring));
  }
  absl::Status Churn() override {
    if (absl::Status served = ServeNewKeys(); !served.ok()) return served;
    clock_.Advance(absl::Minutes(10));
    return ring_->Refresh();
  }

 private:
  absl::Status ServeNewKeys() {
    absl::StatusOr<std::string> jwks = NewPublicJwks();
    if (!jwks.ok()) return jwks.status();
    server_->SetResponse("/jwks", {.body = *std::move(jwks)});
    return absl::OkStatus();
  }

  FakeClock clock_{kStart};
  // Declared after the clock; the ring (owned by the test) goes first.
  std::unique_ptr<::jwtd::testing::LocalHttpServer> server_;
  RemoteJwksKeyRing* ring_ = nullptr;
};

std::unique_ptr<KeyRingBackend> MakeLocalBackend() {
  return std::make_unique<LocalBackend>();
}
std::unique_ptr<KeyRingBackend> MakeFilesBackend() {
  return std::make_unique<FilesBackend>();
}
std::unique_ptr<KeyRingBackend> MakeRemoteBackend() {
  return std::make_unique<RemoteBackend>();
}

// ---------------------------------------------------------------------------
// Checks.

// Empty when `keys` is internally consistent; otherwise what is wrong: every
// key found by its kid, kids unique, and the JWKS holding exactly the public
// keys, importable by jose::ImportJwks.
std::string SnapshotProblem(const jose::KeySet& keys) {
  std::vector<std::string> published;
  for (const auto& key : keys.keys()) {
    if (key == nullptr) return "null key";
    if (keys.Find(key->kid()) != key.get()) {
      return absl::StrCat("kid \"", key->kid(), "\" finds another key");
    }
    if (!key->public_jwk().is_null()) published.push_back(key->kid());
  }
  if (keys.Find(kUnknownKid) != nullptr) return "an unknown kid is found";
  absl::StatusOr<std::shared_ptr<const jose::KeySet>> imported =
      jose::ImportJwks(keys.jwks_json());
  if (!imported.ok()) {
    return absl::StrCat("JWKS does not import: ", imported.status().message());
  }
  std::vector<std::string> imported_kids;
  for (const auto& key : (*imported)->keys()) {
    imported_kids.push_back(key->kid());
    const jose::VerificationKey* original = keys.Find(key->kid());
    if (original == nullptr || original->alg() != key->alg()) {
      return absl::StrCat("JWKS key \"", key->kid(), "\" differs");
    }
  }
  if (imported_kids != published) return "JWKS does not list the public keys";
  return "";
}

// Signs kPayload with `signer`.
std::string TokenFrom(const jose::SigningKey& signer) {
  absl::StatusOr<std::string> token =
      jose::SignCompact(signer, "JWT", kPayload);
  EXPECT_TRUE(token.ok()) << token.status();
  return token.value_or("");
}

class KeyRingConformanceTest : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    backend_ = GetParam()();
    absl::StatusOr<std::unique_ptr<KeyRing>> ring = backend_->Open();
    ASSERT_TRUE(ring.ok()) << ring.status();
    ring_ = *std::move(ring);
  }
  void TearDown() override { ring_.reset(); }  // Before the backend.

  std::unique_ptr<KeyRingBackend> backend_;
  std::unique_ptr<KeyRing> ring_;
};

TEST_P(KeyRingConformanceTest, IsReadyWithKeys) {
  const KeyRingStatus status = ring_->Status();
  EXPECT_TRUE(status.ready) << status.detail;
  EXPECT_FALSE(status.degraded) << status.detail;
  EXPECT_GT(status.keys, 0u);
  EXPECT_EQ(status.keys, ring_->VerificationKeys()->size());
  EXPECT_NE(status.last_refresh, absl::InfinitePast());
}

TEST_P(KeyRingConformanceTest, FindsEveryKeyByKid) {
  const std::shared_ptr<const jose::KeySet> keys = ring_->VerificationKeys();
  ASSERT_THAT(keys, NotNull());
  ASSERT_GT(keys->size(), 0u);
  for (const auto& key : keys->keys()) {
    EXPECT_EQ(keys->Find(key->kid()), key.get()) << key->kid();
  }
  EXPECT_EQ(keys->Find(kUnknownKid), nullptr);
  EXPECT_EQ(keys->Find(""), nullptr);
}

TEST_P(KeyRingConformanceTest, TokenFromTheActiveSigningKeyVerifies) {
  const std::shared_ptr<const jose::SigningKey> signer =
      ring_->ActiveSigningKey();
  if (signer == nullptr) GTEST_SKIP() << "a verification-only ring";
  const std::shared_ptr<const jose::KeySet> keys = ring_->VerificationKeys();
  const jose::VerificationKey* key = keys->Find(signer->kid());
  ASSERT_THAT(key, NotNull()) << "the signer's kid is not published";
  EXPECT_EQ(key->alg(), signer->alg());
  absl::StatusOr<jose::VerifiedJws> verified =
      jose::VerifyCompactJws(TokenFrom(*signer), *keys, jose::JwsLimits());
  ASSERT_THAT(verified, IsOk());
  EXPECT_EQ(verified->key, key);
  EXPECT_EQ(verified->payload, kPayload);
}

TEST_P(KeyRingConformanceTest, JwksIsPublicAndImportable) {
  const std::shared_ptr<const jose::KeySet> keys = ring_->VerificationKeys();
  EXPECT_THAT(SnapshotProblem(*keys), IsEmpty());
  absl::StatusOr<jose::Json> jwks = jose::ParseJsonObject(
      keys->jwks_json(),
      jose::JsonLimits{.max_bytes = 1 << 20, .max_depth = 8});
  ASSERT_THAT(jwks, IsOk());
  const jose::Json* members = jwks->Find("keys");
  ASSERT_THAT(members, NotNull());
  ASSERT_TRUE(members->is_array());
  EXPECT_GT(members->array().size(), 0u);
  for (const jose::Json& jwk : members->array()) {
    for (const char* private_member : {"d", "p", "q", "dp", "dq", "qi", "k"}) {
      EXPECT_EQ(jwk.Find(private_member), nullptr)
          << private_member << " in " << jwk.Serialize();
    }
  }
}

TEST_P(KeyRingConformanceTest, UnknownKidAnswersWithASnapshot) {
  absl::StatusOr<std::shared_ptr<const jose::KeySet>> keys =
      ring_->KeysForUnknownKid(kUnknownKid);
  ASSERT_THAT(keys, IsOk());
  ASSERT_THAT(*keys, NotNull());
  EXPECT_EQ((*keys)->Find(kUnknownKid), nullptr);
  EXPECT_THAT(SnapshotProblem(**keys), IsEmpty());
}

// After each refresh the ring is whole again: ready, consistent, and its
// signer's tokens verify against the keys it now publishes. A snapshot held
// from before never changes and keeps verifying what it verified.
TEST_P(KeyRingConformanceTest, HeldSnapshotSurvivesRefreshes) {
  const std::shared_ptr<const jose::KeySet> held = ring_->VerificationKeys();
  const std::string held_jwks = held->jwks_json();
  const size_t held_size = held->size();
  const std::shared_ptr<const jose::SigningKey> signer =
      ring_->ActiveSigningKey();
  const std::string token = signer ? TokenFrom(*signer) : "";

  for (int i = 0; i < 4; ++i) {
    SCOPED_TRACE(absl::StrCat("refresh ", i));
    ASSERT_THAT(backend_->Churn(), IsOk());
    const KeyRingStatus status = ring_->Status();
    EXPECT_TRUE(status.ready) << status.detail;
    EXPECT_FALSE(status.degraded) << status.detail;
    const std::shared_ptr<const jose::KeySet> keys = ring_->VerificationKeys();
    EXPECT_EQ(status.keys, keys->size());
    EXPECT_THAT(SnapshotProblem(*keys), IsEmpty());
    if (const auto now_signing = ring_->ActiveSigningKey()) {
      EXPECT_THAT(jose::VerifyCompactJws(TokenFrom(*now_signing), *keys,
                                         jose::JwsLimits()),
                  IsOk());
    }
  }
  // (A check of the harness: Churn must really change the keys, or the
  // concurrency test below would never see a swap.)
  EXPECT_NE(ring_->VerificationKeys()->jwks_json(), held_jwks);
  EXPECT_EQ(held->jwks_json(), held_jwks);
  EXPECT_EQ(held->size(), held_size);
  EXPECT_THAT(SnapshotProblem(*held), IsEmpty());
  if (signer != nullptr) {
    EXPECT_THAT(jose::VerifyCompactJws(token, *held, jose::JwsLimits()),
                IsOk());
  }
}

// Four readers take, hold and use snapshots while another thread refreshes
// the ring over and over: nothing crashes, and every snapshot a reader held
// is consistent and unchanged when it lets go. (Meant to run under
// ThreadSanitizer too.)
TEST_P(KeyRingConformanceTest, SnapshotsStayImmutableUnderConcurrentRefresh) {
  constexpr int kReaders = 4;
  constexpr int kChurns = 12;
  constexpr int kMinReadsPerReader = 20;
  constexpr size_t kHeldPerReader = 8;

  std::mutex mu;  // Not absl::Mutex: see docs/sanitizers.md.
  std::vector<std::string> problems;
  auto report = [&](std::string problem) {
    std::lock_guard lock(mu);
    problems.push_back(std::move(problem));
  };
  std::atomic<bool> done{false};

  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      struct Held {
        std::shared_ptr<const jose::KeySet> keys;
        std::string jwks;  // As it was when taken.
      };
      std::vector<Held> held;
      for (int reads = 0; reads < kMinReadsPerReader || !done.load(); ++reads) {
        std::shared_ptr<const jose::KeySet> keys = ring_->VerificationKeys();
        if (keys == nullptr) {
          report("VerificationKeys() returned null");
          return;
        }
        if (std::string problem = SnapshotProblem(*keys); !problem.empty()) {
          report(absl::StrCat("reader ", r, ": ", problem));
        }
        if (const auto signer = ring_->ActiveSigningKey();
            signer != nullptr && signer->kid().empty()) {
          report("signer without kid");
        }
        if (ring_->Status().keys == 0) report("a ring without keys");
        // Keep a rolling window of snapshots alive across refreshes.
        if (held.size() == kHeldPerReader) held.erase(held.begin());
        held.push_back({keys, keys->jwks_json()});
      }
      for (const Held& h : held) {
        if (h.keys->jwks_json() != h.jwks) {
          report(absl::StrCat("reader ", r, ": a held snapshot changed"));
        }
        if (std::string problem = SnapshotProblem(*h.keys); !problem.empty()) {
          report(absl::StrCat("reader ", r, " (held): ", problem));
        }
      }
    });
  }
  std::thread churner([&] {
    for (int i = 0; i < kChurns; ++i) {
      if (absl::Status churned = backend_->Churn(); !churned.ok()) {
        report(absl::StrCat("refresh ", i, ": ", churned.ToString()));
      }
    }
    done.store(true);
  });
  churner.join();
  for (std::thread& reader : readers) reader.join();

  std::lock_guard lock(mu);
  EXPECT_THAT(problems, IsEmpty());
  EXPECT_TRUE(ring_->Status().ready);
}

INSTANTIATE_TEST_SUITE_P(Local, KeyRingConformanceTest,
                         ::testing::Values(&MakeLocalBackend));
INSTANTIATE_TEST_SUITE_P(Files, KeyRingConformanceTest,
                         ::testing::Values(&MakeFilesBackend));
INSTANTIATE_TEST_SUITE_P(Remote, KeyRingConformanceTest,
                         ::testing::Values(&MakeRemoteBackend));
// A new backend: a KeyRingBackend above, and one line here.

}  // namespace
}  // namespace jwtd::keyring
