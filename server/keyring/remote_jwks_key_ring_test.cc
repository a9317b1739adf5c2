#include "server/keyring/remote_jwks_key_ring.h"

#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/jose/jwk.h"
#include "server/jose/jws.h"
#include "server/jose/key_material.h"
#include "server/jose/keys.h"
#include "server/util/file.h"
#include "tests/support/local_http_server.h"
#include "tests/support/local_tls_proxy.h"
#include "tests/support/scoped_temp_dir.h"
#include "tests/support/status_matchers.h"

namespace jwtd::keyring {
namespace {

using ::jwtd::testing::HttpTestResponse;
using ::jwtd::testing::IsOk;
using ::jwtd::testing::LocalHttpServer;
using ::jwtd::testing::LocalTlsProxy;
using ::jwtd::testing::MakeTestPki;
using ::jwtd::testing::ScopedTempDir;
using ::jwtd::testing::StatusIs;
using ::jwtd::testing::TestPki;
using ::testing::HasSubstr;
using ::testing::Not;

// A 1024-bit RSA modulus (too short: RSA keys need 2048 bits).
constexpr char kRsa1024Modulus[] =
    "xGk6SxZggqlpMxN35kQJCf3x1yRFn2ewMv6xcXsGuDvI6lQXyMbl-"
    "gfDKVC128dKzembQOyQ0A8"
    "U-6r4FgyxWp4JXLS8xbdruJClFz_tmgaE6E6VXgrHRDQEU7USG5EdaO625s2jR96ebZRqMSZ_g"
    "lM5UAyx5ibMA29WFkoAJvc";

// A key pair of the remote issuer: it signs tokens, its public JWK is served.
struct IssuerKey {
  std::shared_ptr<const jose::SigningKey> signer;
  jose::Json public_jwk;
};

IssuerKey MakeKey(const std::string& kid) {
  absl::StatusOr<jose::PrivateKey> key =
      jose::GeneratePrivateKey(jose::JwsAlgorithm::kES256);
  EXPECT_THAT(key, IsOk());
  absl::StatusOr<std::shared_ptr<const jose::SigningKey>> signer =
      jose::SigningKey::Create(*key, jose::JwsAlgorithm::kES256, kid);
  EXPECT_THAT(signer, IsOk());
  return {*signer, jose::PublicJwk(jose::PublicKeyOf(*key),
                                   jose::JwsAlgorithm::kES256, kid)};
}

std::string Jwks(const std::vector<jose::Json>& jwks) {
  std::vector<std::string> members;
  for (const jose::Json& jwk : jwks) members.push_back(jwk.Serialize());
  return absl::StrCat("{\"keys\":[", absl::StrJoin(members, ","), "]}");
}

class RemoteJwksKeyRingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(server_, LocalHttpServer::Start());
    key_a_ = MakeKey("key-a");
    key_b_ = MakeKey("key-b");
    Serve(Jwks({key_a_.public_jwk}));
  }

  void Serve(std::string jwks,
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    server_->SetResponse(
        "/jwks", {.body = std::move(jwks), .headers = std::move(headers)});
  }

  RemoteJwksKeyRingOptions Options() const {
    RemoteJwksKeyRingOptions options;
    options.jwks_uri = server_->Url("/jwks");
    options.allow_http = true;
    options.timeout = absl::Seconds(2);
    options.background_refresh = false;
    return options;
  }

  std::unique_ptr<RemoteJwksKeyRing> Open(
      const RemoteJwksKeyRingOptions& options) {
    absl::StatusOr<std::unique_ptr<RemoteJwksKeyRing>> ring =
        RemoteJwksKeyRing::Open(options, &clock_);
    EXPECT_THAT(ring, IsOk());
    return ring.ok() ? *std::move(ring) : nullptr;
  }

  // Whether a token signed by `key` verifies against the ring's keys.
  static bool Verifies(const KeyRing& ring, const IssuerKey& key) {
    absl::StatusOr<std::string> token =
        jose::SignCompact(*key.signer, "JWT", R"({"sub":"alice"})");
    EXPECT_THAT(token, IsOk());
    return jose::VerifyCompactJws(*token, *ring.VerificationKeys(), {}).ok();
  }

  int JwksRequests() const { return server_->RequestCount("/jwks"); }

  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  std::unique_ptr<LocalHttpServer> server_;
  IssuerKey key_a_;
  IssuerKey key_b_;
};

TEST_F(RemoteJwksKeyRingTest, FetchesKeysThatVerifyTokens) {
  std::unique_ptr<RemoteJwksKeyRing> ring = Open(Options());
  ASSERT_NE(ring, nullptr);
  EXPECT_EQ(JwksRequests(), 1);
  EXPECT_TRUE(Verifies(*ring, key_a_));
  EXPECT_FALSE(Verifies(*ring, key_b_));
  EXPECT_EQ(ring->ActiveSigningKey(), nullptr);

  const KeyRingStatus status = ring->Status();
  EXPECT_TRUE(status.ready);
  EXPECT_FALSE(status.degraded);
  EXPECT_EQ(status.keys, 1u);
  EXPECT_EQ(status.last_refresh, clock_.Now());
  EXPECT_THAT(status.detail, HasSubstr("127.0.0.1: 1 key,"));
}

TEST_F(RemoteJwksKeyRingTest, RefusesBadOptions) {
  std::vector<std::pair<std::string, RemoteJwksKeyRingOptions>> cases;
  auto add = [&](std::string name, auto change) {
    RemoteJwksKeyRingOptions options = Options();
    change(options);
    cases.emplace_back(std::move(name), std::move(options));
  };
  add("no url", [](auto& o) { o.jwks_uri.clear(); });
  add("two urls", [&](auto& o) { o.discovery_url = server_->Url(""); });
  add("http not allowed", [](auto& o) { o.allow_http = false; });
  add("not http", [](auto& o) { o.jwks_uri = "ftp://127.0.0.1/jwks"; });
  add("relative", [](auto& o) { o.jwks_uri = "/jwks"; });
  add("zero min_refresh",
      [](auto& o) { o.min_refresh = absl::ZeroDuration(); });
  add("max < min", [](auto& o) { o.max_refresh = absl::Minutes(1); });
  add("negative cooldown", [](auto& o) { o.cooldown = -absl::Seconds(1); });
  add("zero timeout", [](auto& o) { o.timeout = absl::ZeroDuration(); });
  add("huge timeout", [](auto& o) { o.timeout = absl::Hours(1); });
  add("tiny cap", [](auto& o) { o.max_response_bytes = 10; });
  add("huge cap", [](auto& o) { o.max_response_bytes = 1u << 30; });
  add("default alg not RSA",
      [](auto& o) { o.default_rsa_alg = jose::JwsAlgorithm::kES256; });
  for (const auto& [name, options] : cases) {
    EXPECT_THAT(RemoteJwksKeyRing::Open(options, &clock_),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << name;
  }
  EXPECT_THAT(RemoteJwksKeyRing::Open(Options(), nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(JwksRequests(), 0);
}

TEST_F(RemoteJwksKeyRingTest, OpensNotReadyWhenTheIssuerIsDown) {
  server_->Stop();
  std::unique_ptr<RemoteJwksKeyRing> ring = Open(Options());
  ASSERT_NE(ring, nullptr);
  ASSERT_NE(ring->VerificationKeys(), nullptr);
  EXPECT_EQ(ring->VerificationKeys()->size(), 0u);
  const KeyRingStatus status = ring->Status();
  EXPECT_FALSE(status.ready);
  EXPECT_TRUE(status.degraded);
  EXPECT_EQ(status.last_refresh, absl::InfinitePast());
  EXPECT_THAT(status.detail, HasSubstr("last refresh failed"));

  // Once the issuer is up, a refresh makes the ring ready.
  ASSERT_OK(server_->Restart());
  EXPECT_OK(ring->Refresh());
  EXPECT_TRUE(ring->Status().ready);
  EXPECT_FALSE(ring->Status().degraded);
  EXPECT_TRUE(Verifies(*ring, key_a_));
}

TEST_F(RemoteJwksKeyRingTest, HonoursMaxAgeWithinBounds) {
  RemoteJwksKeyRingOptions options = Options();
  options.min_refresh = absl::Minutes(5);
  options.max_refresh = absl::Hours(1);
  Serve(Jwks({key_a_.public_jwk}), {{"Cache-Control", "max-age=600"}});
  std::unique_ptr<RemoteJwksKeyRing> ring = Open(options);
  ASSERT_NE(ring, nullptr);
  EXPECT_EQ(ring->NextRefreshTime(), clock_.Now() + absl::Seconds(600));

  const struct {
    const char* cache_control;
    absl::Duration expected;
  } cases[] = {
      {"max-age=10", absl::Minutes(5)},   // Below min_refresh.
      {"max-age=86400", absl::Hours(1)},  // Above max_refresh.
      {"no-cache", absl::Minutes(5)},     // Zero, clamped up.
      {nullptr, absl::Hours(1)},          // No header: max_refresh.
      {"public, max-age=1800", absl::Minutes(30)},
  };
  for (const auto& c : cases) {
    clock_.Advance(absl::Minutes(7));
    std::vector<std::pair<std::string, std::string>> headers;
    if (c.cache_control != nullptr) {
      headers.emplace_back("Cache-Control", c.cache_control);
    }
    Serve(Jwks({key_a_.public_jwk}), headers);
    ASSERT_OK(ring->Refresh());
    EXPECT_EQ(ring->NextRefreshTime(), clock_.Now() + c.expected)
        << (c.cache_control ? c.cache_control : "(none)");
  }
}

TEST_F(RemoteJwksKeyRingTest, BacksOffAfterFailures) {
  RemoteJwksKeyRingOptions options = Options();
  options.cooldown = absl::Seconds(30);
  options.min_refresh = absl::Minutes(1);
  options.max_refresh = absl::Minutes(3);
  std::unique_ptr<RemoteJwksKeyRing> ring = Open(options);
  ASSERT_NE(ring, nullptr);

  server_->SetResponse("/jwks", {.status = 500});
  for (absl::Duration expected :
       {absl::Seconds(30), absl::Seconds(60), absl::Seconds(120),
        absl::Seconds(180), absl::Seconds(180)}) {
    EXPECT_THAT(ring->Refresh(), StatusIs(absl::StatusCode::kUnavailable));
    EXPECT_EQ(ring->NextRefreshTime(), clock_.Now() + expected);
  }
  // Success resets the backoff.
  Serve(Jwks({key_a_.public_jwk}), {{"Cache-Control", "max-age=90"}});
  ASSERT_OK(ring->Refresh());
  EXPECT_EQ(ring->NextRefreshTime(), clock_.Now() + absl::Seconds(90));
  server_->SetResponse("/jwks", {.status = 500});
  EXPECT_FALSE(ring->Refresh().ok());
  EXPECT_EQ(ring->NextRefreshTime(), clock_.Now() + absl::Seconds(30));
}

TEST_F(RemoteJwksKeyRingTest, UnknownKidRefetchesOncePerCooldown) {
  RemoteJwksKeyRingOptions options = Options();
  options.cooldown = absl::Seconds(30);
  std::unique_ptr<RemoteJwksKeyRing> ring = Open(options);
  ASSERT_NE(ring, nullptr);
  ASSERT_EQ(JwksRequests(), 1);
  Serve(Jwks({key_a_.public_jwk, key_b_.public_jwk}));

  // A known kid never fetches.
  ASSERT_OK_AND_ASSIGN(auto keys, ring->KeysForUnknownKid("key-a"));
  EXPECT_NE(keys->Find("key-a"), nullptr);
  // Within the cooldown of Open's fetch: the snapshot, no request.
  clock_.Advance(absl::Seconds(29));
  ASSERT_OK_AND_ASSIGN(keys, ring->KeysForUnknownKid("key-b"));
  EXPECT_EQ(keys->Find("key-b"), nullptr);
  EXPECT_EQ(JwksRequests(), 1);

  clock_.Advance(absl::Seconds(1));
  ASSERT_OK_AND_ASSIGN(keys, ring->KeysForUnknownKid("key-b"));
  EXPECT_NE(keys->Find("key-b"), nullptr);
  EXPECT_EQ(JwksRequests(), 2);
  EXPECT_TRUE(Verifies(*ring, key_b_));

  // Another unknown kid right after: no request, the token is unknown.
  clock_.Advance(absl::Seconds(10));
  ASSERT_OK_AND_ASSIGN(keys, ring->KeysForUnknownKid("key-c"));
  EXPECT_EQ(keys->Find("key-c"), nullptr);
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_EQ(JwksRequests(), 2);
}

TEST_F(RemoteJwksKeyRingTest, ConcurrentUnknownKidsShareOneFetch) {
  std::unique_ptr<RemoteJwksKeyRing> ring = Open(Options());
  ASSERT_NE(ring, nullptr);
  ASSERT_EQ(JwksRequests(), 1);
  // Slow enough that every caller arrives while the fetch is in flight.
  server_->SetResponse("/jwks",
                       {.body = Jwks({key_a_.public_jwk, key_b_.public_jwk}),
                        .delay = absl::Milliseconds(300)});
  clock_.Advance(absl::Minutes(1));

  constexpr int kCallers = 20;
  std::latch start(kCallers);
  std::vector<std::thread> callers;
  // Not vector<bool>: its elements share words, so threads would race.
  std::vector<char> found(kCallers, false);
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      start.arrive_and_wait();
      // Distinct unknown kids: a burst of them still causes one fetch.
      const std::string kid = i == 0 ? "key-b" : absl::StrCat("key-x", i);
      absl::StatusOr<std::shared_ptr<const jose::KeySet>> keys =
          ring->KeysForUnknownKid(kid);
      found[i] = keys.ok() && (*keys)->Find("key-b") != nullptr;
    });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(JwksRequests(), 2);
  for (int i = 0; i < kCallers; ++i) EXPECT_TRUE(found[i]) << i;
}

TEST_F(RemoteJwksKeyRingTest, ServesOldKeysWhileTheIssuerIsDown) {
  std::unique_ptr<RemoteJwksKeyRing> ring = Open(Options());
  ASSERT_NE(ring, nullptr);
  const absl::Time fetched_at = clock_.Now();
  server_->Stop();
  clock_.Advance(absl::Minutes(10));

  EXPECT_THAT(ring->Refresh(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(Verifies(*ring, key_a_));
  KeyRingStatus status = ring->Status();
  EXPECT_TRUE(status.ready);
  EXPECT_TRUE(status.degraded);
  EXPECT_EQ(status.last_refresh, fetched_at);
  EXPECT_THAT(status.detail, HasSubstr("loaded 10m ago"));
  EXPECT_THAT(status.detail, HasSubstr("last refresh failed"));

  // A new kid while the issuer is down: "retry", not "invalid token" —
  // both right after the failure (within cooldown) and after a new attempt.
  EXPECT_THAT(ring->KeysForUnknownKid("key-b"),
              StatusIs(absl::StatusCode::kUnavailable));
  clock_.Advance(absl::Minutes(1));
  EXPECT_THAT(ring->KeysForUnknownKid("key-b"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("127.0.0.1")));
  // Known kids keep working.
  ASSERT_OK_AND_ASSIGN(auto keys, ring->KeysForUnknownKid("key-a"));
  EXPECT_NE(keys->Find("key-a"), nullptr);

  // The issuer comes back with a rotated key.
  Serve(Jwks({key_b_.public_jwk}));
  ASSERT_OK(server_->Restart());
  ASSERT_OK(ring->Refresh());
  EXPECT_TRUE(Verifies(*ring, key_b_));
  EXPECT_FALSE(Verifies(*ring, key_a_));
  status = ring->Status();
  EXPECT_TRUE(status.ready);
  EXPECT_FALSE(status.degraded);
  EXPECT_EQ(status.last_refresh, clock_.Now());
}

TEST_F(RemoteJwksKeyRingTest, RefusesBadResponsesAndKeepsGoodKeys) {
  std::unique_ptr<RemoteJwksKeyRing> ring = Open(Options());
  ASSERT_NE(ring, nullptr);

  jose::Json with_private = key_b_.public_jwk;
  with_private.Set(
      "d", jose::Json::String("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"));
  const std::string rsa_1024 =
      absl::StrCat(R"({"keys":[{"kty":"RSA","alg":"RS256","kid":"weak","n":")",
                   kRsa1024Modulus, R"(","e":"AQAB"}]})");
  const std::string ten_mb = absl::StrCat(
      R"({"keys":[],"pad":")", std::string(10 * 1024 * 1024, 'a'), "\"}");
  const struct {
    const char* name;
    HttpTestResponse response;
    absl::StatusCode code;
  } cases[] = {
      {"garbage",
       {.body = "<html>not json</html>"},
       absl::StatusCode::kInvalidArgument},
      {"500",
       {.status = 500, .body = Jwks({key_b_.public_jwk})},
       absl::StatusCode::kUnavailable},
      {"404", {.status = 404}, absl::StatusCode::kUnavailable},
      {"10 MB", {.body = ten_mb}, absl::StatusCode::kResourceExhausted},
      {"10 MB chunked",
       {.body = ten_mb, .chunked = true},
       absl::StatusCode::kResourceExhausted},
      {"private key",
       {.body = Jwks({with_private})},
       absl::StatusCode::kInvalidArgument},
      {"RSA 1024", {.body = rsa_1024}, absl::StatusCode::kInvalidArgument},
      {"one bad key spoils the set",
       {.body =
            absl::StrCat(R"({"keys":[)", key_b_.public_jwk.Serialize(),
                         R"(,{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]})")},
       absl::StatusCode::kInvalidArgument},
      {"empty set",
       {.body = R"({"keys":[]})"},
       absl::StatusCode::kFailedPrecondition},
      {"no keys member", {.body = "{}"}, absl::StatusCode::kInvalidArgument},
  };
  for (const auto& c : cases) {
    server_->SetResponse("/jwks", c.response);
    EXPECT_THAT(ring->Refresh(), StatusIs(c.code)) << c.name;
    EXPECT_TRUE(Verifies(*ring, key_a_)) << c.name;
    EXPECT_FALSE(Verifies(*ring, key_b_)) << c.name;
    EXPECT_EQ(ring->VerificationKeys()->size(), 1u) << c.name;
    EXPECT_TRUE(ring->Status().degraded) << c.name;
  }
  Serve(Jwks({key_a_.public_jwk}));
  ASSERT_OK(ring->Refresh());
  EXPECT_FALSE(ring->Status().degraded);
}

TEST_F(RemoteJwksKeyRingTest, RsaKeysWithoutAlgNeedADefault) {
  absl::StatusOr<jose::PrivateKey> rsa =
      jose::GeneratePrivateKey(jose::JwsAlgorithm::kRS256);
  ASSERT_OK(rsa.status());
  jose::Json jwk = jose::PublicJwk(jose::PublicKeyOf(*rsa),
                                   jose::JwsAlgorithm::kRS256, "rsa");
  jose::Json without_alg = jose::Json::EmptyObject();
  for (const auto& [name, value] : jwk.object()) {
    if (name != "alg") without_alg.Set(name, value);
  }
  Serve(Jwks({without_alg}));
  std::unique_ptr<RemoteJwksKeyRing> ring = Open(Options());
  ASSERT_NE(ring, nullptr);
  EXPECT_FALSE(ring->Status().ready);

  RemoteJwksKeyRingOptions options = Options();
  options.default_rsa_alg = jose::JwsAlgorithm::kPS256;
  ring = Open(options);
  ASSERT_NE(ring, nullptr);
  ASSERT_EQ(ring->VerificationKeys()->size(), 1u);
  EXPECT_EQ(ring->VerificationKeys()->Find("rsa")->alg(),
            jose::JwsAlgorithm::kPS256);
}

TEST_F(RemoteJwksKeyRingTest, HangingIssuerCostsAtMostTheTimeout) {
  RemoteJwksKeyRingOptions options = Options();
  options.timeout = absl::Milliseconds(500);
  std::unique_ptr<RemoteJwksKeyRing> ring = Open(options);
  ASSERT_NE(ring, nullptr);
  server_->SetResponse(
      "/jwks", {.body = Jwks({key_b_.public_jwk}), .delay = absl::Seconds(5)});
  const absl::Time start = absl::Now();
  EXPECT_THAT(ring->Refresh(), StatusIs(absl::StatusCode::kDeadlineExceeded));
  const absl::Duration took = absl::Now() - start;
  EXPECT_GE(took, absl::Milliseconds(400));
  EXPECT_LT(took, absl::Milliseconds(1500));
  EXPECT_TRUE(Verifies(*ring, key_a_));
  EXPECT_TRUE(ring->Status().degraded);
}

TEST_F(RemoteJwksKeyRingTest, DoesNotFollowRedirectsToAnotherServer) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalHttpServer> other,
                       LocalHttpServer::Start());
  other->SetResponse("/jwks", {.body = Jwks({key_b_.public_jwk})});
  std::unique_ptr<RemoteJwksKeyRing> ring = Open(Options());
  ASSERT_NE(ring, nullptr);

  server_->SetResponse(
      "/jwks", {.status = 302, .headers = {{"Location", other->Url("/jwks")}}});
  EXPECT_THAT(ring->Refresh(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(other->RequestCount("/jwks"), 0);
  EXPECT_TRUE(Verifies(*ring, key_a_));
  EXPECT_FALSE(Verifies(*ring, key_b_));

  // A move on the same server is followed.
  server_->SetResponse("/jwks",
                       {.status = 301, .headers = {{"Location", "/v2/jwks"}}});
  server_->SetResponse("/v2/jwks", {.body = Jwks({key_b_.public_jwk})});
  ASSERT_OK(ring->Refresh());
  EXPECT_TRUE(Verifies(*ring, key_b_));
}

TEST_F(RemoteJwksKeyRingTest, DiscoveryFindsTheJwksUri) {
  server_->SetResponse(
      "/.well-known/openid-configuration",
      {.body = absl::StrCat(
           R"({"issuer":")", server_->Url(""), R"(","jwks_uri":")",
           server_->Url("/keys"),
           R"(","id_token_signing_alg_values_supported":["ES256"]})")});
  server_->SetResponse("/keys", {.body = Jwks({key_a_.public_jwk})});

  for (const std::string& discovery_url :
       {server_->Url(""), server_->Url("/"),
        server_->Url("/.well-known/openid-configuration")}) {
    server_->ResetCounts();
    RemoteJwksKeyRingOptions options = Options();
    options.jwks_uri.clear();
    options.discovery_url = discovery_url;
    std::unique_ptr<RemoteJwksKeyRing> ring = Open(options);
    ASSERT_NE(ring, nullptr);
    EXPECT_TRUE(Verifies(*ring, key_a_)) << discovery_url;
    EXPECT_EQ(server_->RequestCount("/.well-known/openid-configuration"), 1);
    EXPECT_EQ(server_->RequestCount("/keys"), 1);

    // The jwks_uri is remembered while it works...
    ASSERT_OK(ring->Refresh());
    EXPECT_EQ(server_->RequestCount("/.well-known/openid-configuration"), 1);
    EXPECT_EQ(server_->RequestCount("/keys"), 2);
  }
}

TEST_F(RemoteJwksKeyRingTest, DiscoveryIsRedoneWhenTheJwksUriFails) {
  const std::string kDiscovery = "/.well-known/openid-configuration";
  auto point_to = [&](const std::string& path) {
    server_->SetResponse(kDiscovery,
                         {.body = absl::StrCat(R"({"jwks_uri":")",
                                               server_->Url(path), R"("})")});
  };
  point_to("/keys-1");
  server_->SetResponse("/keys-1", {.body = Jwks({key_a_.public_jwk})});
  RemoteJwksKeyRingOptions options = Options();
  options.jwks_uri.clear();
  options.discovery_url = server_->Url("");
  std::unique_ptr<RemoteJwksKeyRing> ring = Open(options);
  ASSERT_NE(ring, nullptr);
  ASSERT_TRUE(Verifies(*ring, key_a_));

  // The issuer moves its keys: the old URI fails once, then discovery is
  // asked again.
  server_->SetResponse("/keys-1", {.status = 404});
  server_->SetResponse("/keys-2", {.body = Jwks({key_b_.public_jwk})});
  point_to("/keys-2");
  EXPECT_FALSE(ring->Refresh().ok());
  ASSERT_OK(ring->Refresh());
  EXPECT_TRUE(Verifies(*ring, key_b_));
  EXPECT_EQ(server_->RequestCount(kDiscovery), 2);
}

TEST_F(RemoteJwksKeyRingTest, RefusesBadDiscoveryDocuments) {
  RemoteJwksKeyRingOptions options = Options();
  options.jwks_uri.clear();
  options.discovery_url = server_->Url("");
  std::unique_ptr<RemoteJwksKeyRing> ring = Open(options);
  ASSERT_NE(ring, nullptr);
  EXPECT_FALSE(ring->Status().ready);  // No discovery document yet: 404.

  for (const std::string& document :
       {std::string("not json"), std::string(R"({"issuer":"x"})"),
        std::string(R"({"jwks_uri":42})"),
        std::string(R"({"jwks_uri":"ftp://127.0.0.1/keys"})"),
        std::string(R"({"jwks_uri":"/keys"})"),
        absl::StrCat(R"({"jwks_uri":")", server_->Url("/jwks"),
                     R"(","jwks_uri":")", server_->Url("/jwks"), R"("})")}) {
    server_->SetResponse("/.well-known/openid-configuration",
                         {.body = document});
    EXPECT_THAT(ring->Refresh(), Not(IsOk())) << document;
    EXPECT_FALSE(ring->Status().ready) << document;
  }
  EXPECT_EQ(JwksRequests(), 0);
}

TEST_F(RemoteJwksKeyRingTest, HttpsDiscoveryMustNameAnHttpsJwksUri) {
  ScopedTempDir dir;
  ASSERT_OK_AND_ASSIGN(TestPki pki, MakeTestPki({"IP:127.0.0.1"}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalTlsProxy> tls,
                       LocalTlsProxy::Start(server_->port(), pki));
  const std::string ca_file = dir.Join("ca.pem");
  ASSERT_OK(WriteFileAtomically(ca_file, pki.ca_cert_pem, 0600));
  auto discovery_names = [&](const std::string& jwks_uri) {
    server_->SetResponse(
        "/.well-known/openid-configuration",
        {.body = absl::StrCat(R"({"jwks_uri":")", jwks_uri, R"("})")});
  };

  RemoteJwksKeyRingOptions options = Options();
  options.jwks_uri.clear();
  options.discovery_url = tls->Url("");
  options.allow_http = false;
  options.ca_file = ca_file;
  discovery_names(server_->Url("/jwks"));  // Plain http.
  std::unique_ptr<RemoteJwksKeyRing> ring = Open(options);
  ASSERT_NE(ring, nullptr);
  EXPECT_FALSE(ring->Status().ready);
  EXPECT_THAT(ring->Refresh(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                        HasSubstr("https")));
  EXPECT_EQ(JwksRequests(), 0);

  discovery_names(tls->Url("/jwks"));
  ASSERT_OK(ring->Refresh());
  EXPECT_TRUE(Verifies(*ring, key_a_));

  // With allow_http, an http jwks_uri is the operator's choice.
  discovery_names(server_->Url("/jwks"));
  options.allow_http = true;
  ring = Open(options);
  ASSERT_NE(ring, nullptr);
  EXPECT_TRUE(Verifies(*ring, key_a_));
}

TEST_F(RemoteJwksKeyRingTest, RefusesAnUnreadableCaFile) {
  RemoteJwksKeyRingOptions options = Options();
  options.ca_file = "/nonexistent/ca.pem";
  EXPECT_THAT(
      RemoteJwksKeyRing::Open(options, &clock_),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ca_file")));
}

TEST_F(RemoteJwksKeyRingTest,
       CacheFileLetsARestartValidateWhileTheIssuerIsDown) {
  ScopedTempDir dir;
  RemoteJwksKeyRingOptions options = Options();
  options.cache_file = dir.Join("remote-jwks.json");
  {
    std::unique_ptr<RemoteJwksKeyRing> ring = Open(options);
    ASSERT_NE(ring, nullptr);
    ASSERT_TRUE(ring->Status().ready);
  }
  EXPECT_EQ(ScopedTempDir::Mode(options.cache_file), 0600);
  ASSERT_OK_AND_ASSIGN(std::string cached,
                       ReadSmallFile(options.cache_file, 1 << 20));
  EXPECT_THAT(cached, HasSubstr("\"kid\":\"key-a\""));
  EXPECT_THAT(cached, Not(HasSubstr("\"d\"")));

  server_->Stop();
  std::unique_ptr<RemoteJwksKeyRing> ring = Open(options);
  ASSERT_NE(ring, nullptr);
  KeyRingStatus status = ring->Status();
  EXPECT_TRUE(status.ready);
  EXPECT_TRUE(status.degraded);  // Cached keys, issuer not confirmed.
  EXPECT_THAT(status.detail, HasSubstr("from cache file"));
  EXPECT_TRUE(Verifies(*ring, key_a_));

  // The issuer answers again with a rotated key: the cache follows.
  Serve(Jwks({key_b_.public_jwk}));
  ASSERT_OK(server_->Restart());
  ASSERT_OK(ring->Refresh());
  EXPECT_FALSE(ring->Status().degraded);
  ASSERT_OK_AND_ASSIGN(cached, ReadSmallFile(options.cache_file, 1 << 20));
  EXPECT_THAT(cached, HasSubstr("\"kid\":\"key-b\""));
  EXPECT_THAT(cached, Not(HasSubstr("\"kid\":\"key-a\"")));
}

TEST_F(RemoteJwksKeyRingTest, BadCacheFileIsIgnored) {
  ScopedTempDir dir;
  RemoteJwksKeyRingOptions options = Options();
  options.cache_file = dir.Join("remote-jwks.json");
  ASSERT_OK(WriteFileAtomically(options.cache_file, "{\"keys\":[{]}", 0600));
  server_->Stop();
  std::unique_ptr<RemoteJwksKeyRing> ring = Open(options);
  ASSERT_NE(ring, nullptr);
  EXPECT_FALSE(ring->Status().ready);

  // A good fetch replaces it.
  ASSERT_OK(server_->Restart());
  ASSERT_OK(ring->Refresh());
  ASSERT_OK_AND_ASSIGN(std::string cached,
                       ReadSmallFile(options.cache_file, 1 << 20));
  EXPECT_THAT(cached, HasSubstr("\"kid\":\"key-a\""));
}

// The one test with the background thread, on the real clock.
TEST_F(RemoteJwksKeyRingTest, BackgroundThreadRefreshesAndStopsPromptly) {
  Serve(Jwks({key_a_.public_jwk}), {{"Cache-Control", "max-age=0"}});
  RemoteJwksKeyRingOptions options = Options();
  options.background_refresh = true;
  options.min_refresh = absl::Milliseconds(100);
  options.max_refresh = absl::Seconds(10);
  absl::StatusOr<std::unique_ptr<RemoteJwksKeyRing>> ring =
      RemoteJwksKeyRing::Open(options, &SystemClock());
  ASSERT_OK(ring.status());
  Serve(Jwks({key_b_.public_jwk}), {{"Cache-Control", "max-age=0"}});

  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (!Verifies(**ring, key_b_) && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(Verifies(**ring, key_b_));
  EXPECT_GE(JwksRequests(), 2);

  // Destroying the ring mid-transfer returns well before the timeout.
  server_->SetResponse("/jwks", {.body = "late", .delay = absl::Seconds(5)});
  absl::SleepFor(absl::Milliseconds(300));  // The thread is now waiting.
  const absl::Time start = absl::Now();
  ring->reset();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(1500));
}

}  // namespace
}  // namespace jwtd::keyring
