// The real jwtd with its HTTP listener and several issuers from a YAML
// file: the well-known documents and probes, tokens crossing between jwtd
// and independent JOSE libraries (Python's PyJWT and jwcrypto, through
// partner_issuer.py) in both directions, another issuer's JWKS served by a
// local HTTP server (and that server going down), configuration errors, and
// local key rotation.
//
// The Python tests skip only when /usr/bin/python3 or its python3-jwt /
// python3-jwcrypto modules are missing.

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/client.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "jwtd/v1/token_service.pb.h"
#include "tests/e2e/binaries.h"
#include "tests/e2e/http_get.h"
#include "tests/e2e/jwtd_process.h"
#include "tests/e2e/log_lines.h"
#include "tests/e2e/subprocess.h"
#include "tests/e2e/temp_dir.h"
#include "tests/e2e/verdicts.h"
#include "tests/support/local_http_server.h"
#include "tests/support/status_matchers.h"

namespace jwtd::e2e {
namespace {

// Each test closes its clients before Stop(): jwtd waits for connected
// clients to go away (up to about 5 s) before it exits.

using ::google::protobuf::Struct;
using ::google::protobuf::Value;
using ::jwtd::testing::HttpTestResponse;
using ::jwtd::testing::IsOk;
using ::jwtd::testing::LocalHttpServer;
using ::jwtd::testing::StatusIs;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kPython[] = "/usr/bin/python3";
constexpr char kIssuer[] = "https://jwtd.e2e.test";
constexpr char kPartnerIssuer[] = "https://partner.e2e.test";
constexpr char kAudience[] = "orders";
constexpr char kJwksPath[] = "/.well-known/jwks.json";
// The partner's JWKS on the LocalHttpServer.
constexpr char kPartnerJwksPath[] = "/jwks.json";
// The cooldown configured for the partner's JWKS, and how long the tests
// wait for one to pass.
constexpr char kCooldown[] = "1s";
constexpr absl::Duration kPastCooldown = absl::Milliseconds(1500);
// Members a public JWK must not have (RFC 7518 private parameters).
constexpr const char* kPrivateMembers[] = {"d",  "p",  "q",   "dp",
                                           "dq", "qi", "oth", "k"};

// ---------------------------------------------------------------- helpers

absl::StatusOr<Struct> ParseJson(absl::string_view text) {
  Struct parsed;
  if (!google::protobuf::util::JsonStringToMessage(std::string(text), &parsed)
           .ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON object: ", text));
  }
  return parsed;
}

std::string ToJson(const Value& value) {
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(value, &json).ok()) {
    ADD_FAILURE() << "cannot serialize " << value.DebugString();
  }
  return json;
}

// The string member `name` of `object`, "" when absent or not a string.
std::string Str(const Struct& object, absl::string_view name) {
  auto it = object.fields().find(std::string(name));
  if (it == object.fields().end() || !it->second.has_string_value()) return "";
  return it->second.string_value();
}

// The objects of the "keys" array of a JWK Set.
std::vector<Struct> JwksKeys(const Struct& jwks) {
  std::vector<Struct> keys;
  auto it = jwks.fields().find("keys");
  if (it == jwks.fields().end()) return keys;
  for (const Value& key : it->second.list_value().values()) {
    keys.push_back(key.struct_value());
  }
  return keys;
}

std::vector<std::string> Kids(const Struct& jwks) {
  std::vector<std::string> kids;
  for (const Struct& key : JwksKeys(jwks)) kids.push_back(Str(key, "kid"));
  return kids;
}

std::string JwtdUrl(const JwtdProcess& jwtd, absl::string_view path) {
  return absl::StrCat("http://", jwtd.http_address(), path);
}

// Issues through the privileged listener, the only one serving Issue.
absl::StatusOr<v1::IssueResponse> Issue(const JwtdProcess& jwtd,
                                        const std::string& subject) {
  absl::StatusOr<std::unique_ptr<Client>> admin =
      Client::Connect({.address = jwtd.privileged_address()});
  if (!admin.ok()) return admin.status();
  v1::IssueRequest request;
  request.set_subject(subject);
  return (*admin)->Issue(request);
}

// ------------------------------------------------------ the Python side

std::string ScriptPath() {
  if (const char* source = std::getenv("JWTD_SOURCE_DIR");
      source != nullptr && *source != '\0') {
    return absl::StrCat(source, "/tests/e2e/partner_issuer.py");
  }
  return JWTD_PARTNER_SCRIPT;
}

// Why the Python side cannot run, or "" when it can.
std::string PythonMissing() {
  if (access(kPython, X_OK) != 0) {
    return absl::StrCat(kPython, " not found (needs python3-jwt and ",
                        "python3-jwcrypto)");
  }
  absl::StatusOr<ProcessResult> check =
      RunProcess({kPython, ScriptPath(), "check"});
  if (check.ok() && check->exit_code == 3) {
    return absl::StrCat("python3-jwt or python3-jwcrypto missing: ",
                        check->out);
  }
  return "";  // Any other problem shows up as a failure later.
}

// Runs partner_issuer.py with `args`; its stdout as JSON.
absl::StatusOr<Struct> RunPartnerScript(std::vector<std::string> args) {
  args.insert(args.begin(), {kPython, ScriptPath()});
  absl::StatusOr<ProcessResult> result =
      RunProcess(args, "", absl::Seconds(30));
  if (!result.ok()) return result.status();
  if (result->exit_code != 0) {
    return absl::InternalError(absl::StrCat(
        "partner_issuer.py ", args[2], " exited with ", result->exit_code,
        "; stdout:\n", result->out, "\nstderr:\n", result->err));
  }
  return ParseJson(result->out);
}

// -------------------------------------------- 1. the HTTP listener

class HttpEndpointsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<JwtdProcess>> jwtd =
        JwtdProcess::Start({.flags = {absl::StrCat("--issuer=", kIssuer),
                                      absl::StrCat("--audience=", kAudience),
                                      "--http-listen=127.0.0.1:0"}});
    ASSERT_THAT(jwtd, IsOk());
    jwtd_ = jwtd->release();
  }

  static void TearDownTestSuite() {
    if (jwtd_ == nullptr) return;
    EXPECT_THAT(jwtd_->Stop(), IsOk());
    delete jwtd_;
    jwtd_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(jwtd_, nullptr) << "jwtd did not start";
    ASSERT_THAT(jwtd_->http_address(), StartsWith("127.0.0.1:"))
        << jwtd_->log();
    ASSERT_NE(jwtd_->http_address(), "127.0.0.1:0");
    ASSERT_OK_AND_ASSIGN(client_,
                         Client::Connect({.address = jwtd_->address()}));
  }

  static JwtdProcess* jwtd_;
  std::unique_ptr<Client> client_;
};

JwtdProcess* HttpEndpointsTest::jwtd_ = nullptr;

TEST_F(HttpEndpointsTest, JwksEqualsGetKeySetWithoutPrivateMembers) {
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse issued, Issue(*jwtd_, "alice"));
  ASSERT_OK_AND_ASSIGN(HttpReply reply, HttpGet(JwtdUrl(*jwtd_, kJwksPath)));
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.headers["content-type"], "application/jwk-set+json");
  const std::string& cache_control = reply.headers["cache-control"];
  const size_t max_age_at = cache_control.find("max-age=");
  ASSERT_NE(max_age_at, std::string::npos) << cache_control;
  int max_age = -1;
  EXPECT_TRUE(absl::SimpleAtoi(
      absl::string_view(cache_control).substr(max_age_at + 8), &max_age))
      << cache_control;
  EXPECT_GT(max_age, 0) << cache_control;

  ASSERT_OK_AND_ASSIGN(Struct http_jwks, ParseJson(reply.body));
  ASSERT_OK_AND_ASSIGN(v1::GetKeySetResponse key_set, client_->GetKeySet());
  ASSERT_OK_AND_ASSIGN(Struct grpc_jwks, ParseJson(key_set.jwks()));
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(http_jwks, grpc_jwks))
      << "HTTP: " << reply.body << "\ngRPC: " << key_set.jwks();

  const std::vector<Struct> keys = JwksKeys(http_jwks);
  ASSERT_FALSE(keys.empty()) << reply.body;
  for (const Struct& key : keys) {
    for (const char* member : kPrivateMembers) {
      EXPECT_FALSE(key.fields().contains(member))
          << "public JWK has \"" << member << "\": " << reply.body;
    }
    EXPECT_THAT(Str(key, "kty"), Not(IsEmpty()));
  }
  EXPECT_THAT(Kids(http_jwks), Contains(issued.kid()));
  EXPECT_THAT(Kids(http_jwks), Contains(jwtd_->kid()));
}

TEST_F(HttpEndpointsTest, DiscoveryDocumentNamesTheBoundJwksUri) {
  ASSERT_OK_AND_ASSIGN(
      HttpReply reply,
      HttpGet(JwtdUrl(*jwtd_, "/.well-known/openid-configuration")));
  EXPECT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.headers["content-type"], "application/json");
  EXPECT_THAT(reply.headers["cache-control"], HasSubstr("max-age="));
  ASSERT_OK_AND_ASSIGN(Struct discovery, ParseJson(reply.body));
  EXPECT_EQ(Str(discovery, "issuer"), kIssuer) << reply.body;
  const std::string jwks_uri = Str(discovery, "jwks_uri");
  EXPECT_EQ(jwks_uri, JwtdUrl(*jwtd_, kJwksPath)) << reply.body;
  std::vector<std::string> algs;
  auto it = discovery.fields().find("id_token_signing_alg_values_supported");
  ASSERT_NE(it, discovery.fields().end()) << reply.body;
  for (const Value& alg : it->second.list_value().values()) {
    algs.push_back(alg.string_value());
  }
  EXPECT_THAT(algs, Contains("ES256")) << reply.body;

  // The advertised URL serves the key set.
  ASSERT_FALSE(jwks_uri.empty());
  ASSERT_OK_AND_ASSIGN(HttpReply jwks, HttpGet(jwks_uri));
  EXPECT_EQ(jwks.status, 200);
  ASSERT_OK_AND_ASSIGN(Struct parsed, ParseJson(jwks.body));
  EXPECT_THAT(Kids(parsed), Contains(jwtd_->kid()));
}

TEST_F(HttpEndpointsTest, HealthAndReadiness) {
  ASSERT_OK_AND_ASSIGN(HttpReply health, HttpGet(JwtdUrl(*jwtd_, "/healthz")));
  EXPECT_EQ(health.status, 200) << health.body;
  ASSERT_OK_AND_ASSIGN(HttpReply ready, HttpGet(JwtdUrl(*jwtd_, "/readyz")));
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_THAT(ready.body, StartsWith("ready"));
  EXPECT_THAT(ready.body, Not(HasSubstr("degraded")));
}

TEST_F(HttpEndpointsTest, UnknownPathsAreNotFound) {
  for (const char* path :
       {"/", "/jwks.json", "/.well-known/", "/.well-known/jwks.json/x",
        "/readyz/", "/metrics/", "/metricz"}) {
    ASSERT_OK_AND_ASSIGN(HttpReply reply, HttpGet(JwtdUrl(*jwtd_, path)));
    EXPECT_EQ(reply.status, 404) << path << ": " << reply.body;
  }
  // Prometheus metrics are served (see observability_e2e_test.cc).
  ASSERT_OK_AND_ASSIGN(HttpReply metrics, HttpGet(JwtdUrl(*jwtd_, "/metrics")));
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("# TYPE grpc_server_handled_total"));
}

// --------------------------- 2a. jwtd's tokens verified by Python libraries

class JwtdTokensInPythonTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (std::string missing = PythonMissing(); !missing.empty()) {
      GTEST_SKIP() << missing;
    }
  }
};

TEST_P(JwtdTokensInPythonTest, VerifiedWithTheServedJwks) {
  const std::string alg = GetParam();
  ASSERT_OK_AND_ASSIGN(
      auto jwtd, JwtdProcess::Start({.flags = {
                                         absl::StrCat("--issuer=", kIssuer),
                                         absl::StrCat("--audience=", kAudience),
                                         absl::StrCat("--signing-alg=", alg),
                                         "--http-listen=127.0.0.1:0",
                                     }}));
  ASSERT_OK_AND_ASSIGN(auto client,
                       Client::Connect({.address = jwtd->address()}));
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse issued, Issue(*jwtd, "alice"));
  client.reset();
  EXPECT_EQ(issued.alg(), alg);

  ASSERT_OK_AND_ASSIGN(
      Struct verified,
      RunPartnerScript({"verify", JwtdUrl(*jwtd, kJwksPath), issued.token(),
                        kIssuer, kAudience, "alice"}));
  std::vector<std::string> kids;
  for (const Value& kid : verified.fields().at("kids").list_value().values()) {
    kids.push_back(kid.string_value());
  }
  EXPECT_THAT(kids, Contains(issued.kid()));
  const auto& results = verified.fields().at("results").list_value().values();
  EXPECT_EQ(results.size(), 2);
  for (const Value& result : results) {
    const Struct& fields = result.struct_value();
    EXPECT_EQ(Str(fields, "status"), "ok")
        << Str(fields, "lib") << ": " << Str(fields, "detail");
  }
  EXPECT_THAT(jwtd->Stop(), IsOk());
}

INSTANTIATE_TEST_SUITE_P(Algorithms, JwtdTokensInPythonTest,
                         ::testing::Values("ES256", "RS256", "EdDSA"));

// --------------- 2b/3. a partner issuer's tokens and JWKS, and its outage

// The partner's keys and tokens, made once by partner_issuer.py.
struct PartnerMaterial {
  std::string jwks;       // Its published JWK Set (ES256 and RS256 keys).
  std::string jwks_next;  // The same plus the key of the "next" token.
  absl::flat_hash_map<std::string, std::string> tokens;  // By name.
  absl::flat_hash_map<std::string, std::string> kids;    // By name.
};

class PartnerIssuerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    skip_reason_ = new std::string(PythonMissing());
    if (!skip_reason_->empty()) return;
    absl::StatusOr<Struct> made =
        RunPartnerScript({"make", kPartnerIssuer, kAudience, "bob",
                          absl::StrCat(absl::ToUnixSeconds(absl::Now()))});
    ASSERT_THAT(made, IsOk());
    auto material = std::make_unique<PartnerMaterial>();
    material->jwks = ToJson(made->fields().at("jwks"));
    material->jwks_next = ToJson(made->fields().at("jwks_next"));
    for (const auto& [name, token] :
         made->fields().at("tokens").struct_value().fields()) {
      material->tokens[name] = token.string_value();
    }
    for (const auto& [name, kid] :
         made->fields().at("kids").struct_value().fields()) {
      material->kids[name] = kid.string_value();
    }
    material_ = material.release();
  }

  static void TearDownTestSuite() {
    delete material_;
    material_ = nullptr;
    delete skip_reason_;
    skip_reason_ = nullptr;
  }

  // Serves the partner's JWKS, starts jwtd with the two issuers.
  void SetUp() override {
    if (!skip_reason_->empty()) GTEST_SKIP() << *skip_reason_;
    ASSERT_NE(material_, nullptr) << "partner_issuer.py make failed";
    ASSERT_OK_AND_ASSIGN(partner_, LocalHttpServer::Start());
    ServeJwks(material_->jwks);
    ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create("jwtd-e2e-partner"));
    dir_.emplace(std::move(dir));
    const std::string config = dir_->Join("jwtd.yaml");
    // The same data dir in the file as on the command line: see
    // DataDirFlagOverridesTheFilesForLocalKeys.
    const std::string data_dir = dir_->Join("data");
    ASSERT_THAT(WriteFile(config, absl::StrCat("http_listen: 127.0.0.1:0\n"
                                               "data_dir: ",
                                               data_dir,
                                               "\n"
                                               "issuers:\n"
                                               "  - issuer: ",
                                               kIssuer,
                                               "\n"
                                               "    audiences: [",
                                               kAudience,
                                               "]\n"
                                               "    keys:\n"
                                               "      local:\n"
                                               "        alg: ES256\n"
                                               "  - issuer: ",
                                               kPartnerIssuer,
                                               "\n"
                                               "    audiences: [",
                                               kAudience,
                                               "]\n"
                                               "    keys:\n"
                                               "      remote_jwks:\n"
                                               "        jwks_uri: ",
                                               partner_->Url(kPartnerJwksPath),
                                               "\n"
                                               "        allow_http: true\n"
                                               "        cooldown: ",
                                               kCooldown,
                                               "\n"
                                               "        timeout: 2s\n")),
                IsOk());
    ASSERT_OK_AND_ASSIGN(jwtd_, JwtdProcess::Start({.data_dir = data_dir,
                                                    .config_file = config}));
    ASSERT_THAT(jwtd_->http_address(), StartsWith("127.0.0.1:"))
        << jwtd_->log();
    ASSERT_OK_AND_ASSIGN(client_,
                         Client::Connect({.address = jwtd_->address()}));
  }

  void TearDown() override {
    client_.reset();
    if (jwtd_ != nullptr) {
      EXPECT_THAT(jwtd_->Stop(), IsOk());
    }
    jwtd_.reset();
    if (partner_ != nullptr) partner_->Stop();
  }

  void ServeJwks(const std::string& jwks) {
    partner_->SetResponse(kPartnerJwksPath,
                          {.body = jwks,
                           .headers = {{"Cache-Control", "max-age=300"},
                                       {"Content-Type", "application/json"}}});
  }

  const std::string& Token(const std::string& name) {
    return material_->tokens.at(name);
  }
  const std::string& Kid(const std::string& name) {
    return material_->kids.at(name);
  }

  absl::StatusOr<HttpReply> Readyz() {
    return HttpGet(JwtdUrl(*jwtd_, "/readyz"));
  }

  static PartnerMaterial* material_;
  static std::string* skip_reason_;
  std::optional<TempDir> dir_;
  std::unique_ptr<LocalHttpServer> partner_;
  std::unique_ptr<JwtdProcess> jwtd_;
  std::unique_ptr<Client> client_;
};

PartnerMaterial* PartnerIssuerTest::material_ = nullptr;
std::string* PartnerIssuerTest::skip_reason_ = nullptr;

TEST_F(PartnerIssuerTest, PythonSignedTokensValidate) {
  for (const auto& [name, alg] :
       std::vector<std::pair<std::string, std::string>>{{"es256", "ES256"},
                                                        {"rs256", "RS256"}}) {
    SCOPED_TRACE(name);
    ASSERT_OK_AND_ASSIGN(v1::ValidateResponse verdict,
                         ValidateToken(*client_, Token(name)));
    EXPECT_TRUE(verdict.valid()) << verdict.DebugString();
    EXPECT_EQ(verdict.kid(), Kid(name));
    EXPECT_EQ(verdict.alg(), alg);
    EXPECT_EQ(verdict.claims().fields().at("iss").string_value(),
              kPartnerIssuer);
    EXPECT_EQ(verdict.claims().fields().at("sub").string_value(), "bob");
  }
  // jwtd's own tokens validate next to the partner's ...
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse issued, Issue(*jwtd_, "alice"));
  ASSERT_OK_AND_ASSIGN(v1::ValidateResponse own,
                       ValidateToken(*client_, issued.token()));
  EXPECT_TRUE(own.valid()) << own.DebugString();
  // ... and jwtd publishes only its own keys, not the partner's.
  ASSERT_OK_AND_ASSIGN(v1::GetKeySetResponse key_set, client_->GetKeySet());
  ASSERT_OK_AND_ASSIGN(Struct jwks, ParseJson(key_set.jwks()));
  EXPECT_THAT(Kids(jwks), Contains(issued.kid()));
  EXPECT_THAT(Kids(jwks), Not(Contains(Kid("es256"))));
  EXPECT_THAT(Kids(jwks), Not(Contains(Kid("rs256"))));
  EXPECT_GE(partner_->RequestCount(kPartnerJwksPath), 1);
}

TEST_F(PartnerIssuerTest, KeyNotInTheJwksIsUnknownAfterOneRefetch) {
  // The fetch at start-up counts for the cooldown: let it pass.
  absl::SleepFor(kPastCooldown);
  partner_->ResetCounts();
  ASSERT_OK_AND_ASSIGN(v1::ValidateResponse verdict,
                       ValidateToken(*client_, Token("rogue")));
  EXPECT_FALSE(verdict.valid());
  EXPECT_EQ(verdict.reason(), v1::REASON_UNKNOWN_KEY) << verdict.DebugString();
  EXPECT_EQ(partner_->RequestCount(kPartnerJwksPath), 1);

  // Within the cooldown the answer stands without another fetch.
  ASSERT_OK_AND_ASSIGN(verdict, ValidateToken(*client_, Token("rogue")));
  EXPECT_FALSE(verdict.valid());
  EXPECT_EQ(verdict.reason(), v1::REASON_UNKNOWN_KEY) << verdict.DebugString();
  EXPECT_EQ(partner_->RequestCount(kPartnerJwksPath), 1);

  // The known keys are unaffected.
  ASSERT_OK_AND_ASSIGN(verdict, ValidateToken(*client_, Token("es256")));
  EXPECT_TRUE(verdict.valid()) << verdict.DebugString();
}

TEST_F(PartnerIssuerTest, PartnerIssSignedByJwtdsKeyIsWrongIssuer) {
  const std::string pem =
      absl::StrCat(jwtd_->data_dir(), "/keys/", jwtd_->kid(), ".pem");
  ASSERT_EQ(access(pem.c_str(), R_OK), 0) << pem << " not readable";
  const std::string now = absl::StrCat(absl::ToUnixSeconds(absl::Now()));
  for (const auto& [iss, reason] :
       std::vector<std::pair<std::string, v1::Reason>>{
           // Control: jwtd's key with jwtd's issuer is fine.
           {kIssuer, v1::REASON_UNSPECIFIED},
           {kPartnerIssuer, v1::REASON_WRONG_ISSUER}}) {
    SCOPED_TRACE(iss);
    ASSERT_OK_AND_ASSIGN(
        Struct signed_token,
        RunPartnerScript({"sign-pem", pem, "ES256", jwtd_->kid(), iss,
                          kAudience, "mallory", now}));
    ASSERT_OK_AND_ASSIGN(v1::ValidateResponse verdict,
                         ValidateToken(*client_, Str(signed_token, "token")));
    EXPECT_EQ(verdict.valid(), reason == v1::REASON_UNSPECIFIED)
        << verdict.DebugString();
    EXPECT_EQ(verdict.reason(), reason) << verdict.DebugString();
  }
}

TEST_F(PartnerIssuerTest, PartnerDownKeepsTheLastGoodKeys) {
  ASSERT_OK_AND_ASSIGN(v1::ValidateResponse verdict,
                       ValidateToken(*client_, Token("es256")));
  EXPECT_TRUE(verdict.valid()) << verdict.DebugString();
  ASSERT_OK_AND_ASSIGN(HttpReply ready, Readyz());
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_THAT(ready.body, Not(HasSubstr("degraded")));

  partner_->Stop();
  absl::SleepFor(kPastCooldown);
  // A new kid needs the partner: "retry", not "invalid".
  EXPECT_THAT(ValidateToken(*client_, Token("next")),
              StatusIs(absl::StatusCode::kUnavailable));
  // Keys already known keep validating.
  for (const char* name : {"es256", "rs256"}) {
    SCOPED_TRACE(name);
    ASSERT_OK_AND_ASSIGN(verdict, ValidateToken(*client_, Token(name)));
    EXPECT_TRUE(verdict.valid()) << verdict.DebugString();
    EXPECT_EQ(verdict.kid(), Kid(name));
  }
  ASSERT_OK_AND_ASSIGN(ready, Readyz());
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_THAT(ready.body, HasSubstr("degraded"));

  // The partner comes back having published the new key: the next unknown
  // kid past the cooldown fetches it.
  ServeJwks(material_->jwks_next);
  ASSERT_THAT(partner_->Restart(), IsOk());
  absl::StatusOr<v1::ValidateResponse> next;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(5);
       absl::Now() < deadline; absl::SleepFor(absl::Milliseconds(250))) {
    next = ValidateToken(*client_, Token("next"));
    if (next.ok() && next->valid()) break;
  }
  ASSERT_THAT(next, IsOk());
  EXPECT_TRUE(next->valid()) << next->DebugString();
  EXPECT_EQ(next->kid(), Kid("next"));
  ASSERT_OK_AND_ASSIGN(ready, Readyz());
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_THAT(ready.body, Not(HasSubstr("degraded")));
}

// ------------------------------------------------- 4. configuration errors

// How long a jwtd that must not serve may take to exit.
constexpr absl::Duration kExitTimeout = absl::Seconds(5);

// Runs jwtd with `flags` (and a data dir and gRPC port of its own) and
// expects it to exit on its own.
absl::StatusOr<ProcessResult> RunJwtd(const TempDir& dir,
                                      std::vector<std::string> flags) {
  absl::StatusOr<std::string> jwtd = BinaryPath("jwtd");
  if (!jwtd.ok()) return jwtd.status();
  flags.insert(flags.begin(), {*jwtd, "--grpc-listen=127.0.0.1:0",
                               absl::StrCat("--data-dir=", dir.Join("data"))});
  return RunProcess(flags, "", kExitTimeout);
}

// What a jwtd that refused to run logged: the "error" members of its error
// lines, whether a line says it serves, and any line that is not JSON.
struct ErrorLines {
  std::vector<std::string> errors;
  bool serving = false;
  std::vector<std::string> not_json;
};

ErrorLines ReadErrorLines(absl::string_view log) {
  ErrorLines out;
  LogLines lines = ParseLogLines(log);
  out.not_json = lines.other;
  for (const Struct& line : lines.json) {
    if (StringMember(line, "level") == "error") {
      out.errors.push_back(StringMember(line, "error"));
    }
    if (StringMember(line, "msg") == "jwtd serving") out.serving = true;
  }
  return out;
}

constexpr char kGoodConfig[] =
    "http_listen: 127.0.0.1:0\n"
    "default_ttl: 10m\n"
    "max_ttl: 1h\n"
    "issuers:\n"
    "  - issuer: https://jwtd.e2e.test\n"
    "    audiences: [orders]\n"
    "    keys:\n"
    "      local:\n"
    "        alg: ES256\n"
    "        rotation_period: 720h\n"
    "        publish_ahead: 24h\n"
    "  - issuer: https://partner.e2e.test\n"
    "    keys:\n"
    "      remote_jwks:\n"
    "        jwks_uri: http://127.0.0.1:9/jwks.json\n"
    "        allow_http: true\n"
    "        cooldown: 1s\n";

TEST(ConfigFileTest, UnknownFieldIsAnErrorNamingItsPath) {
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create("jwtd-e2e-config"));
  struct Case {
    std::string yaml;
    std::string path;
  };
  const std::vector<Case> cases = {
      {absl::StrCat(kGoodConfig, "    audience: [orders]\n"),
       "issuers[1].audience"},
      {absl::StrReplaceAll(kGoodConfig,
                           {{"rotation_period", "rotation_perod"}}),
       "issuers[0].keys.local.rotation_perod"},
      {absl::StrCat("grpc_listn: 127.0.0.1:0\n", kGoodConfig), "grpc_listn"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    const std::string file = dir.Join("bad.yaml");
    ASSERT_THAT(WriteFile(file, c.yaml), IsOk());
    ASSERT_OK_AND_ASSIGN(ProcessResult result,
                         RunJwtd(dir, {absl::StrCat("--config=", file)}));
    EXPECT_EQ(result.exit_code, 1) << result.err;
    const ErrorLines lines = ReadErrorLines(result.err);
    EXPECT_FALSE(lines.serving) << result.err;
    EXPECT_THAT(lines.not_json, IsEmpty()) << result.err;
    ASSERT_EQ(lines.errors.size(), 1) << result.err;
    EXPECT_THAT(lines.errors[0], HasSubstr(c.path + ": unknown field"))
        << result.err;
  }
}

TEST(ConfigFileTest, CheckConfigAcceptsAGoodFileWithoutServing) {
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create("jwtd-e2e-config"));
  const std::string file = dir.Join("good.yaml");
  ASSERT_THAT(WriteFile(file, kGoodConfig), IsOk());
  ASSERT_OK_AND_ASSIGN(
      ProcessResult result,
      RunJwtd(dir, {absl::StrCat("--config=", file), "--check-config"}));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const ErrorLines lines = ReadErrorLines(result.err);
  EXPECT_THAT(lines.errors, IsEmpty()) << result.err;
  EXPECT_FALSE(lines.serving) << result.err;
  bool valid_line = false;
  for (const Struct& line : ParseLogLines(result.err).json) {
    if (StringMember(line, "msg") == "configuration is valid") {
      valid_line = true;
      EXPECT_EQ(StringMember(line, "issuers"), "2");
    }
  }
  EXPECT_TRUE(valid_line) << result.err;

  // The same check refuses a bad file.
  ASSERT_THAT(WriteFile(file, absl::StrCat(kGoodConfig, "bogus: 1\n")), IsOk());
  ASSERT_OK_AND_ASSIGN(result, RunJwtd(dir, {absl::StrCat("--config=", file),
                                             "--check-config"}));
  EXPECT_EQ(result.exit_code, 1) << result.err;
}

TEST(ConfigFileTest, SingleIssuerFlagsWithAFileAreAnError) {
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create("jwtd-e2e-config"));
  const std::string file = dir.Join("good.yaml");
  ASSERT_THAT(WriteFile(file, kGoodConfig), IsOk());
  ASSERT_OK_AND_ASSIGN(ProcessResult result,
                       RunJwtd(dir, {absl::StrCat("--config=", file),
                                     "--issuer=https://other.example"}));
  EXPECT_EQ(result.exit_code, 1) << result.err;
  const ErrorLines lines = ReadErrorLines(result.err);
  EXPECT_FALSE(lines.serving) << result.err;
  ASSERT_EQ(lines.errors.size(), 1) << result.err;
  EXPECT_THAT(lines.errors[0], HasSubstr("--issuer")) << result.err;
}

// docs/configuration.md: --data-dir overrides the file's data_dir, and local
// key sources default their directory to data_dir. So the keys must be
// where the flag says, not where the file said.
TEST(ConfigFileTest, DataDirFlagOverridesTheFilesForLocalKeys) {
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create("jwtd-e2e-config"));
  const std::string file_data_dir = dir.Join("file-data");
  const std::string flag_data_dir = dir.Join("flag-data");
  const std::string config = dir.Join("jwtd.yaml");
  ASSERT_THAT(WriteFile(config, absl::StrCat("data_dir: ", file_data_dir,
                                             "\n"
                                             "issuers:\n"
                                             "  - issuer: ",
                                             kIssuer,
                                             "\n"
                                             "    keys:\n"
                                             "      local:\n"
                                             "        alg: ES256\n")),
              IsOk());
  ASSERT_OK_AND_ASSIGN(auto jwtd, JwtdProcess::Start({.data_dir = flag_data_dir,
                                                      .config_file = config}));
  const std::string key_file =
      absl::StrCat(flag_data_dir, "/keys/", jwtd->kid(), ".pem");
  EXPECT_EQ(access(key_file.c_str(), F_OK), 0)
      << key_file << " missing: the signing key is not under --data-dir";
  EXPECT_NE(access(file_data_dir.c_str(), F_OK), 0)
      << "keys written under the file's data_dir " << file_data_dir
      << " although --data-dir=" << flag_data_dir << " overrides it";
  EXPECT_THAT(jwtd->Stop(), IsOk());
}

// ------------------------------------------------------ 5. key rotation

TEST(KeyRotationTest, RotatedKeysKeepValidatingAndArePublished) {
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create("jwtd-e2e-rotation"));
  const std::string config = dir.Join("jwtd.yaml");
  const std::string data_dir = dir.Join("data");
  ASSERT_THAT(WriteFile(config, absl::StrCat("http_listen: 127.0.0.1:0\n"
                                             "data_dir: ",
                                             data_dir,
                                             "\n"
                                             "issuers:\n"
                                             "  - issuer: ",
                                             kIssuer,
                                             "\n"
                                             "    keys:\n"
                                             "      local:\n"
                                             "        alg: ES256\n"
                                             "        rotation_period: 2s\n"
                                             "        publish_ahead: 1s\n")),
              IsOk());
  ASSERT_OK_AND_ASSIGN(auto jwtd, JwtdProcess::Start({.data_dir = data_dir,
                                                      .config_file = config}));
  ASSERT_OK_AND_ASSIGN(auto client,
                       Client::Connect({.address = jwtd->address()}));
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse first, Issue(*jwtd, "alice"));
  EXPECT_EQ(first.kid(), jwtd->kid());

  // Meanwhile the discovery document, whose algorithm list is read from the
  // published key set, is fetched without pause: the set it reads must stay
  // alive while a rotation replaces it (under `make test-asan` a read of a
  // freed set fails the test through jwtd's sanitizer report).
  std::atomic<bool> rotated{false};
  std::atomic<int> discovery_ok{0};
  std::atomic<int> discovery_bad{0};
  std::thread discovery_reader([&] {
    const std::string url = JwtdUrl(*jwtd, "/.well-known/openid-configuration");
    while (!rotated.load()) {
      absl::StatusOr<HttpReply> reply = HttpGet(url);
      const bool ok = reply.ok() && reply->status == 200 &&
                      absl::StrContains(reply->body, "\"ES256\"");
      ++(ok ? discovery_ok : discovery_bad);
    }
  });

  // A new key signs 2 s after the first; the background thread may wake up
  // to a second late. Bounded: 7 s.
  v1::IssueResponse second;
  absl::Status issue_status;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(7);
       absl::Now() < deadline; absl::SleepFor(absl::Milliseconds(250))) {
    absl::StatusOr<v1::IssueResponse> issued = Issue(*jwtd, "bob");
    if (!issued.ok()) {
      issue_status = issued.status();
      break;
    }
    second = *std::move(issued);
    if (second.kid() != first.kid()) break;
  }
  rotated = true;
  discovery_reader.join();
  ASSERT_THAT(issue_status, IsOk());
  ASSERT_NE(second.kid(), first.kid()) << "no rotation within 7 s:\n"
                                       << jwtd->log();
  EXPECT_GT(discovery_ok.load(), 0);
  EXPECT_EQ(discovery_bad.load(), 0) << jwtd->log();

  for (const v1::IssueResponse* issued : {&first, &second}) {
    ASSERT_OK_AND_ASSIGN(v1::ValidateResponse verdict,
                         ValidateToken(*client, issued->token()));
    EXPECT_TRUE(verdict.valid()) << verdict.DebugString();
    EXPECT_EQ(verdict.kid(), issued->kid());
  }
  ASSERT_OK_AND_ASSIGN(HttpReply reply, HttpGet(JwtdUrl(*jwtd, kJwksPath)));
  EXPECT_EQ(reply.status, 200);
  ASSERT_OK_AND_ASSIGN(Struct jwks, ParseJson(reply.body));
  EXPECT_THAT(Kids(jwks), Contains(first.kid())) << reply.body;
  EXPECT_THAT(Kids(jwks), Contains(second.kid())) << reply.body;
  client.reset();
  EXPECT_THAT(jwtd->Stop(), IsOk());
}

}  // namespace
}  // namespace jwtd::e2e
