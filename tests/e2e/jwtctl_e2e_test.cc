// jwtctl against a real jwtd: every command, its output and its exit code.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "jwtd/v1/token_service.pb.h"
#include "tests/e2e/binaries.h"
#include "tests/e2e/jwtd_process.h"
#include "tests/e2e/token_util.h"
#include "tests/support/status_matchers.h"

namespace jwtd::e2e {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::util::JsonStringToMessage;
using ::jwtd::testing::IsOk;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

// Prints a jwtctl run in failure messages.
std::string Describe(const ProcessResult& result) {
  return absl::StrCat("exit code ", result.exit_code, "\nstdout: ", result.out,
                      "\nstderr: ", result.err);
}

// One jwtd for the whole suite: these tests do not change its state.
class JwtctlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<JwtdProcess>> jwtd = JwtdProcess::Start();
    ASSERT_THAT(jwtd, IsOk());
    jwtd_ = jwtd->release();
  }

  static void TearDownTestSuite() {
    if (jwtd_ == nullptr) return;
    EXPECT_THAT(jwtd_->Stop(), IsOk());
    delete jwtd_;
    jwtd_ = nullptr;
  }

  void SetUp() override { ASSERT_NE(jwtd_, nullptr) << "jwtd did not start"; }

  // Runs jwtctl against the suite's jwtd.
  ProcessResult Jwtctl(std::vector<std::string> args,
                       absl::string_view stdin_data = "") {
    // Issue and Revoke are served on the privileged listener only.
    const bool privileged =
        !args.empty() && (args[0] == "issue" || args[0] == "revoke");
    args.insert(args.begin(),
                {"--addr",
                 privileged ? jwtd_->privileged_address() : jwtd_->address()});
    absl::StatusOr<ProcessResult> result = RunJwtctl(args, stdin_data);
    EXPECT_THAT(result, IsOk());
    return result.ok() ? *result : ProcessResult{};
  }

  // Issues a token with `args` (after "issue") and returns the response.
  v1::IssueResponse Issue(std::vector<std::string> args) {
    args.insert(args.begin(), "issue");
    ProcessResult result = Jwtctl(args);
    EXPECT_EQ(result.exit_code, 0) << Describe(result);
    v1::IssueResponse response;
    EXPECT_TRUE(JsonStringToMessage(result.out, &response).ok()) << result.out;
    return response;
  }

  // Runs validate and parses its JSON verdict.
  v1::ValidateResponse Validate(const std::string& token,
                                std::vector<std::string> flags,
                                int expected_exit_code) {
    std::vector<std::string> args = {"validate", token};
    args.insert(args.end(), flags.begin(), flags.end());
    ProcessResult result = Jwtctl(args);
    EXPECT_EQ(result.exit_code, expected_exit_code) << Describe(result);
    v1::ValidateResponse response;
    EXPECT_TRUE(JsonStringToMessage(result.out, &response).ok()) << result.out;
    return response;
  }

  static JwtdProcess* jwtd_;
};

JwtdProcess* JwtctlTest::jwtd_ = nullptr;

TEST_F(JwtctlTest, IssueValidateIntrospect) {
  const v1::IssueResponse issued =
      Issue({"--sub", "alice", "--aud", "orders", "--ttl", "10m", "--scope",
             "read write"});
  EXPECT_THAT(std::vector<std::string>(absl::StrSplit(issued.token(), '.')),
              SizeIs(3));
  EXPECT_EQ(issued.kid(), jwtd_->kid());
  EXPECT_EQ(issued.alg(), "ES256");
  EXPECT_THAT(issued.jti(), Not(IsEmpty()));
  EXPECT_EQ(issued.expires_at().seconds() - issued.issued_at().seconds(), 600);

  const v1::ValidateResponse verdict = Validate(issued.token(), {}, 0);
  EXPECT_TRUE(verdict.valid());
  EXPECT_EQ(verdict.reason(), v1::REASON_UNSPECIFIED);
  EXPECT_EQ(verdict.kid(), issued.kid());
  EXPECT_EQ(verdict.alg(), "ES256");
  EXPECT_EQ(verdict.expires_at().seconds(), issued.expires_at().seconds());
  EXPECT_EQ(verdict.claims().fields().at("sub").string_value(), "alice");
  EXPECT_EQ(verdict.claims().fields().at("jti").string_value(), issued.jti());

  ProcessResult introspect = Jwtctl({"introspect", issued.token()});
  ASSERT_EQ(introspect.exit_code, 0) << Describe(introspect);
  Struct rfc7662;
  ASSERT_TRUE(JsonStringToMessage(introspect.out, &rfc7662).ok());
  const auto& fields = rfc7662.fields();
  EXPECT_TRUE(fields.at("active").bool_value());
  EXPECT_EQ(fields.at("sub").string_value(), "alice");
  EXPECT_EQ(fields.at("iss").string_value(), "jwtd");  // The default issuer.
  EXPECT_EQ(fields.at("scope").string_value(), "read write");
  EXPECT_EQ(fields.at("token_type").string_value(), "Bearer");
  EXPECT_EQ(fields.at("jti").string_value(), issued.jti());
  ASSERT_EQ(fields.at("aud").list_value().values_size(), 1);
  EXPECT_EQ(fields.at("aud").list_value().values(0).string_value(), "orders");
  EXPECT_EQ(fields.at("exp").number_value(),
            static_cast<double>(issued.expires_at().seconds()));
  EXPECT_EQ(fields.at("iat").number_value(),
            static_cast<double>(issued.issued_at().seconds()));
  // RFC 7662: NumericDate, i.e. an integer, not an RFC 3339 string.
  EXPECT_THAT(introspect.out, HasSubstr(absl::StrCat(
                                  "\"exp\":", issued.expires_at().seconds())));
  EXPECT_FALSE(fields.contains("nbf"));  // Not issued with --nbf.
}

TEST_F(JwtctlTest, TextFormatAndFlagsAfterTheCommand) {
  ProcessResult issue = Jwtctl({"issue", "--sub", "bob", "--format", "text"});
  ASSERT_EQ(issue.exit_code, 0) << Describe(issue);
  ASSERT_THAT(issue.out, Not(HasSubstr(" ")));
  const std::string token(absl::StripSuffix(issue.out, "\n"));
  EXPECT_THAT(std::vector<std::string>(absl::StrSplit(token, '.')), SizeIs(3));

  ProcessResult validate = Jwtctl({"validate", "--format=text", token});
  EXPECT_EQ(validate.exit_code, 0) << Describe(validate);
  EXPECT_THAT(validate.out,
              AllOf(StartsWith("valid (kid "), HasSubstr("  sub: \"bob\"\n")));

  ProcessResult introspect = Jwtctl({"--format", "text", "introspect", token});
  EXPECT_EQ(introspect.exit_code, 0) << Describe(introspect);
  EXPECT_THAT(introspect.out,
              AllOf(StartsWith("active\n"), HasSubstr("sub: bob\n")));
}

TEST_F(JwtctlTest, TokenFromStdin) {
  const v1::IssueResponse issued = Issue({"--sub", "carol"});
  ProcessResult result =
      Jwtctl({"validate", "-"}, absl::StrCat(issued.token(), "\n"));
  EXPECT_EQ(result.exit_code, 0) << Describe(result);
}

TEST_F(JwtctlTest, ClaimsRoundTrip) {
  const v1::IssueResponse issued =
      Issue({"--sub", "dave", "--claim", "role=admin", "--claim", "tenant=acme",
             "--claim-json", "perms=[\"read\",\"write\"]", "--claim-json",
             "level=3", "--claim-json", "beta=true"});
  const v1::ValidateResponse verdict = Validate(issued.token(), {}, 0);
  const auto& claims = verdict.claims().fields();
  EXPECT_EQ(claims.at("role").string_value(), "admin");
  EXPECT_EQ(claims.at("tenant").string_value(), "acme");
  ASSERT_EQ(claims.at("perms").list_value().values_size(), 2);
  EXPECT_EQ(claims.at("perms").list_value().values(0).string_value(), "read");
  EXPECT_EQ(claims.at("level").number_value(), 3);
  EXPECT_TRUE(claims.at("beta").bool_value());
}

TEST_F(JwtctlTest, RequireScope) {
  const v1::IssueResponse issued =
      Issue({"--sub", "erin", "--scope", "orders:read orders:write"});
  EXPECT_TRUE(Validate(issued.token(),
                       {"--require-scope", "orders:read", "--require-scope",
                        "orders:write"},
                       0)
                  .valid());
  const v1::ValidateResponse denied = Validate(
      issued.token(),
      {"--require-scope", "orders:read", "--require-scope", "admin"}, 1);
  EXPECT_FALSE(denied.valid());
  EXPECT_EQ(denied.reason(), v1::REASON_INSUFFICIENT_SCOPE);
}

TEST_F(JwtctlTest, RequireClaim) {
  const v1::IssueResponse issued =
      Issue({"--sub", "frank", "--claim", "role=admin", "--claim-json",
             "groups=[\"dev\",\"ops\"]"});
  EXPECT_TRUE(
      Validate(issued.token(), {"--require-claim", "role=admin"}, 0).valid());
  EXPECT_TRUE(
      Validate(issued.token(), {"--require-claim", "groups=ops"}, 0).valid());
  EXPECT_TRUE(Validate(issued.token(), {"--require-claim", "role"}, 0).valid());

  EXPECT_EQ(
      Validate(issued.token(), {"--require-claim", "role=ops"}, 1).reason(),
      v1::REASON_CLAIM_MISMATCH);
  EXPECT_EQ(
      Validate(issued.token(), {"--require-claim", "groups=sales"}, 1).reason(),
      v1::REASON_CLAIM_MISMATCH);
  EXPECT_EQ(
      Validate(issued.token(), {"--require-claim", "department"}, 1).reason(),
      v1::REASON_CLAIM_MISMATCH);
}

TEST_F(JwtctlTest, WrongAudience) {
  const v1::IssueResponse issued =
      Issue({"--sub", "gina", "--aud", "orders", "--aud", "billing"});
  EXPECT_TRUE(Validate(issued.token(), {"--aud", "billing"}, 0).valid());
  const v1::ValidateResponse verdict =
      Validate(issued.token(), {"--aud", "other"}, 1);
  EXPECT_EQ(verdict.reason(), v1::REASON_WRONG_AUDIENCE);
  EXPECT_FALSE(verdict.has_claims());  // Claims only for valid tokens.
}

TEST_F(JwtctlTest, TamperedTokensHaveBadSignature) {
  const v1::IssueResponse issued = Issue({"--sub", "harry"});
  ASSERT_OK_AND_ASSIGN(std::string bad_signature,
                       FlipSignatureCharacter(issued.token()));
  EXPECT_EQ(Validate(bad_signature, {}, 1).reason(), v1::REASON_BAD_SIGNATURE);

  // A well-formed payload that claims another subject.
  ASSERT_OK_AND_ASSIGN(Struct payload, DecodeJsonSegment(issued.token(), 1));
  (*payload.mutable_fields())["sub"].set_string_value("mallory");
  std::string json;
  ASSERT_TRUE(google::protobuf::util::MessageToJsonString(payload, &json).ok());
  ASSERT_OK_AND_ASSIGN(std::string bad_payload,
                       ReplaceJsonSegment(issued.token(), 1, json));
  EXPECT_EQ(Validate(bad_payload, {}, 1).reason(), v1::REASON_BAD_SIGNATURE);
}

TEST_F(JwtctlTest, GarbageIsMalformed) {
  for (const std::string token : {"abc", "a.b.c", "a.b", "a.b.c.d.e", "...",
                                  "\xC3\xA9.\xC3\xA9.\xC3\xA9"}) {
    SCOPED_TRACE(token);
    const v1::ValidateResponse verdict = Validate(token, {}, 1);
    EXPECT_FALSE(verdict.valid());
    EXPECT_EQ(verdict.reason(), v1::REASON_MALFORMED);
  }
}

TEST_F(JwtctlTest, OversizedTokensFromStdin) {
  const v1::IssueResponse issued = Issue({"--sub", "ivan"});
  // Beyond the token limit (8 KiB), within the message limit: a verdict.
  std::string big = issued.token();
  big.insert(big.find('.') + 1, std::string(32 << 10, 'A'));
  ProcessResult result = Jwtctl({"validate", "-"}, big);
  ASSERT_EQ(result.exit_code, 1) << Describe(result);
  v1::ValidateResponse verdict;
  ASSERT_TRUE(JsonStringToMessage(result.out, &verdict).ok());
  EXPECT_EQ(verdict.reason(), v1::REASON_MALFORMED);

  // Too long for one argv string (Linux caps those at 128 KiB), and beyond
  // the 64 KiB message limit: gRPC refuses the request.
  std::string huge = issued.token();
  huge.insert(huge.find('.') + 1, std::string(1 << 20, 'A'));
  result = Jwtctl({"validate", "-"}, huge);
  EXPECT_EQ(result.exit_code, 2) << Describe(result);
  EXPECT_THAT(result.err, HasSubstr("RESOURCE_EXHAUSTED"));
}

TEST_F(JwtctlTest, EmptyTokenIsAnInvalidRequest) {
  ProcessResult from_argument = Jwtctl({"validate", ""});
  EXPECT_EQ(from_argument.exit_code, 2) << Describe(from_argument);
  EXPECT_THAT(from_argument.err, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(from_argument.out, IsEmpty());

  ProcessResult from_stdin = Jwtctl({"validate", "-"}, "\n");
  EXPECT_EQ(from_stdin.exit_code, 2) << Describe(from_stdin);
  EXPECT_THAT(from_stdin.err, HasSubstr("INVALID_ARGUMENT"));
}

TEST_F(JwtctlTest, NonUtf8TokenIsRefusedBeforeSending) {
  ProcessResult result = Jwtctl({"validate", "a.b.\xFF"});
  EXPECT_EQ(result.exit_code, 2) << Describe(result);
  EXPECT_THAT(result.err, AllOf(HasSubstr("INVALID_ARGUMENT"),
                                HasSubstr("not valid UTF-8")));
}

TEST_F(JwtctlTest, IntrospectInactiveIsExactlyActiveFalse) {
  ProcessResult garbage = Jwtctl({"introspect", "a.b.c"});
  EXPECT_EQ(garbage.exit_code, 1) << Describe(garbage);
  EXPECT_EQ(garbage.out, "{\"active\":false}\n");

  const v1::IssueResponse issued = Issue({"--sub", "judy"});
  ASSERT_OK_AND_ASSIGN(std::string tampered,
                       FlipSignatureCharacter(issued.token()));
  ProcessResult forged = Jwtctl({"introspect", tampered});
  EXPECT_EQ(forged.exit_code, 1) << Describe(forged);
  EXPECT_EQ(forged.out, "{\"active\":false}\n");
}

TEST_F(JwtctlTest, KeysArePublicAndNameTheSigningKey) {
  const v1::IssueResponse issued = Issue({"--sub", "kate"});
  ASSERT_OK_AND_ASSIGN(Struct header, DecodeJsonSegment(issued.token(), 0));
  const std::string header_kid = header.fields().at("kid").string_value();
  EXPECT_EQ(header_kid, jwtd_->kid());

  ProcessResult keys = Jwtctl({"keys"});
  ASSERT_EQ(keys.exit_code, 0) << Describe(keys);
  Struct jwks;
  ASSERT_TRUE(JsonStringToMessage(keys.out, &jwks).ok()) << keys.out;
  bool found = false;
  for (const auto& key : jwks.fields().at("keys").list_value().values()) {
    const auto& members = key.struct_value().fields();
    EXPECT_FALSE(members.contains("d")) << "private key member in JWKS";
    EXPECT_FALSE(members.contains("k")) << "secret key member in JWKS";
    if (members.at("kid").string_value() == header_kid) {
      found = true;
      EXPECT_EQ(members.at("kty").string_value(), "EC");
      EXPECT_EQ(members.at("crv").string_value(), "P-256");
      EXPECT_EQ(members.at("alg").string_value(), "ES256");
    }
  }
  EXPECT_TRUE(found) << keys.out;

  ProcessResult text = Jwtctl({"keys", "--format", "text"});
  EXPECT_EQ(text.exit_code, 0) << Describe(text);
  EXPECT_THAT(text.out, HasSubstr(absl::StrCat("kid=", header_kid, " kty=EC")));
}

// Revoke, then validate and introspect: rejected as REVOKED / inactive.
// Bad revocations get clear errors and store nothing.
TEST_F(JwtctlTest, RevokeThenValidateAndIntrospect) {
  const v1::IssueResponse issued = Issue({"--sub", "leo"});
  ProcessResult by_token = Jwtctl({"revoke", issued.token()});
  EXPECT_EQ(by_token.exit_code, 0) << Describe(by_token);
  EXPECT_THAT(by_token.out, HasSubstr(issued.jti()));
  EXPECT_THAT(by_token.err, Not(HasSubstr(issued.token())));

  ProcessResult validate = Jwtctl({"validate", issued.token()});
  EXPECT_EQ(validate.exit_code, 1) << Describe(validate);
  EXPECT_THAT(validate.out, HasSubstr("REASON_REVOKED"));
  ProcessResult introspect = Jwtctl({"introspect", issued.token()});
  EXPECT_EQ(introspect.exit_code, 1) << Describe(introspect);
  EXPECT_EQ(introspect.out, "{\"active\":false}\n");

  // By jti, with the time until which it must stay revoked.
  const v1::IssueResponse other = Issue({"--sub", "mia"});
  ProcessResult by_jti = Jwtctl(
      {"revoke", "--jti", other.jti(), "--until",
       absl::FormatTime(absl::RFC3339_sec, absl::Now() + absl::Minutes(30),
                        absl::UTCTimeZone())});
  EXPECT_EQ(by_jti.exit_code, 0) << Describe(by_jti);
  EXPECT_EQ(Jwtctl({"validate", other.token()}).exit_code, 1);

  // Garbage, a jti without --until, a 10 KB jti: refused, nothing changes.
  ProcessResult garbage = Jwtctl({"revoke", "not.a.token"});
  EXPECT_EQ(garbage.exit_code, 2) << Describe(garbage);
  EXPECT_THAT(garbage.err, HasSubstr("INVALID_ARGUMENT"));
  ProcessResult no_until = Jwtctl({"revoke", "--jti", "abc"});
  EXPECT_EQ(no_until.exit_code, 2) << Describe(no_until);
  ProcessResult huge = Jwtctl(
      {"revoke", "--jti", std::string(10 * 1024, 'j'), "--until",
       absl::FormatTime(absl::RFC3339_sec, absl::Now() + absl::Minutes(30),
                        absl::UTCTimeZone())});
  EXPECT_EQ(huge.exit_code, 2) << Describe(huge);
  EXPECT_THAT(huge.err, HasSubstr("INVALID_ARGUMENT"));
  const v1::IssueResponse untouched = Issue({"--sub", "noa"});
  EXPECT_EQ(Jwtctl({"validate", untouched.token()}).exit_code, 0);
}

TEST_F(JwtctlTest, IssueErrorsFromTheServer) {
  // A registered claim may not be set through --claim.
  ProcessResult reserved =
      Jwtctl({"issue", "--sub", "x", "--claim", "iss=evil"});
  EXPECT_EQ(reserved.exit_code, 2) << Describe(reserved);
  EXPECT_THAT(reserved.err, HasSubstr("INVALID_ARGUMENT"));
  // Above the default --max-ttl of 24h.
  ProcessResult too_long = Jwtctl({"issue", "--sub", "x", "--ttl", "25h"});
  EXPECT_EQ(too_long.exit_code, 2) << Describe(too_long);
  EXPECT_THAT(too_long.err, HasSubstr("INVALID_ARGUMENT"));
}

// Usage errors: found by jwtctl itself, so no server is needed.
TEST(JwtctlUsageTest, Errors) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, "no command given"},
      {{"frobnicate"}, "unknown command \"frobnicate\""},
      {{"keys", "--bogus"}, "unknown flag --bogus"},
      {{"issue", "--sub"}, "--sub needs a value"},
      {{"issue", "--sub", "a", "--ttl", "15minutes"}, "--ttl"},
      {{"issue", "--sub", "a", "--ttl", "-5m"}, "--ttl"},
      {{"issue"}, "--sub is required"},
      {{"--timeout", "soon", "keys"}, "--timeout"},
      {{"--format", "yaml", "keys"}, "--format"},
      {{"--addr", "nowhere", "keys"}, "address"},
      {{"keys", "extra"}, "keys takes no arguments"},
      {{"validate"}, "validate takes one token argument"},
      {{"validate", "--sub", "x", "t"},
       "validate does not take the flag --sub"},
      {{"revoke"}, "revoke: give a token or --jti"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.args));
    ASSERT_OK_AND_ASSIGN(ProcessResult result, RunJwtctl(c.args));
    EXPECT_EQ(result.exit_code, 2) << Describe(result);
    EXPECT_THAT(result.err, HasSubstr(c.message));
    EXPECT_THAT(result.out, IsEmpty());
  }
}

TEST(JwtctlUsageTest, ErrorsNeverShowTheToken) {
  const std::string token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"validate", token, token},
           {token},
           {"--addr", "127.0.0.1:1", "validate", token},
           {"--addr", "127.0.0.1:1", "introspect", token}}) {
    ASSERT_OK_AND_ASSIGN(ProcessResult result, RunJwtctl(args));
    EXPECT_EQ(result.exit_code, 2) << Describe(result);
    EXPECT_THAT(result.err, Not(HasSubstr(token))) << result.err;
    EXPECT_THAT(result.err, Not(HasSubstr("c2lnbmF0dXJl"))) << result.err;
  }
}

TEST(JwtctlUsageTest, UnreachableServer) {
  ASSERT_OK_AND_ASSIGN(ProcessResult result,
                       RunJwtctl({"--addr", "127.0.0.1:1", "keys"}));
  EXPECT_EQ(result.exit_code, 2) << Describe(result);
  EXPECT_THAT(result.err, HasSubstr("jwtctl: keys: UNAVAILABLE"));
}

TEST(JwtctlUsageTest, HelpAndVersion) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"help"}, {"--help"}, {"-h"}, {"validate", "--help"}}) {
    ASSERT_OK_AND_ASSIGN(ProcessResult result, RunJwtctl(args));
    EXPECT_EQ(result.exit_code, 0) << Describe(result);
    EXPECT_THAT(result.out, StartsWith("Usage: jwtctl"));
  }
  ASSERT_OK_AND_ASSIGN(ProcessResult version, RunJwtctl({"version"}));
  EXPECT_EQ(version.exit_code, 0) << Describe(version);
  EXPECT_THAT(version.out, StartsWith("jwtctl "));
}

}  // namespace
}  // namespace jwtd::e2e
