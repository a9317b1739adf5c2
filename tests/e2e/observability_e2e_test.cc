// The real jwtd's observability: Validate calls (valid, tampered, malformed,
// a bad request) show up in /metrics on the HTTP listener with the right
// counts, and as one "rpc" log line each on stderr, with no token text.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtd/v1/token_service.pb.h"
#include "tests/e2e/http_get.h"
#include "tests/e2e/jwtd_process.h"
#include "tests/e2e/log_lines.h"
#include "tests/e2e/token_util.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/status_matchers.h"

namespace jwtd::e2e {
namespace {

using ::jwtd::testing::FindSample;
using ::jwtd::testing::IsOk;
using ::jwtd::testing::PrometheusLabels;
using ::jwtd::testing::StatusIs;
using ::testing::Gt;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::Optional;

constexpr char kIssuer[] = "https://jwtd.e2e.test";

// Issues a token for `subject` on the privileged listener (the only one
// serving Issue to a caller without an allowlisted mTLS identity).
absl::StatusOr<std::string> IssueToken(const JwtdProcess& jwtd,
                                       const std::string& subject) {
  absl::StatusOr<std::unique_ptr<Client>> client =
      Client::Connect({.address = jwtd.privileged_address()});
  if (!client.ok()) return client.status();
  v1::IssueRequest request;
  request.set_subject(subject);
  absl::StatusOr<v1::IssueResponse> issued = (*client)->Issue(request);
  if (!issued.ok()) return issued.status();
  return issued->token();
}

PrometheusLabels Rpc(const std::string& method, const std::string& code = "") {
  PrometheusLabels labels = {{"grpc_type", "unary"},
                             {"grpc_service", "jwtd.v1.TokenService"},
                             {"grpc_method", method}};
  if (!code.empty()) labels["grpc_code"] = code;
  return labels;
}

PrometheusLabels Verdict(const std::string& result, const std::string& reason,
                         const std::string& issuer) {
  return {{"result", result}, {"reason", reason}, {"issuer", issuer}};
}

// jwtd's "rpc" log lines for `method`, waiting up to 5 s for `count`.
std::vector<google::protobuf::Struct> RpcLines(const JwtdProcess& jwtd,
                                               const std::string& method,
                                               size_t count) {
  std::vector<google::protobuf::Struct> lines;
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  do {
    lines.clear();
    for (const auto& line : ParseLogLines(jwtd.log()).json) {
      if (StringMember(line, "msg") == "rpc" &&
          StringMember(line, "grpc.method") == method) {
        lines.push_back(line);
      }
    }
    if (lines.size() >= count) break;
    absl::SleepFor(absl::Milliseconds(20));
  } while (absl::Now() < deadline);
  return lines;
}

TEST(ObservabilityE2eTest, MetricsAndCallLogsFollowTheCalls) {
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<JwtdProcess> jwtd,
      JwtdProcess::Start(
          {.flags = {absl::StrCat("--issuer=", kIssuer),
                     "--http-listen=127.0.0.1:0", "--access-log=all"}}));
  ASSERT_OK_AND_ASSIGN(std::string good, IssueToken(*jwtd, "alice"));
  ASSERT_OK_AND_ASSIGN(std::string other, IssueToken(*jwtd, "bob"));
  ASSERT_OK_AND_ASSIGN(std::string tampered, FlipSignatureCharacter(other));
  const std::vector<std::string> tokens = {good, other, tampered};
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client,
                         Client::Connect({.address = jwtd->address()}));
    const auto validate = [&client](const std::string& token) {
      v1::ValidateRequest request;
      request.set_token(token);
      return client->Validate(request);
    };
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK_AND_ASSIGN(v1::ValidateResponse verdict, validate(good));
      EXPECT_TRUE(verdict.valid()) << verdict.detail();
    }
    for (int i = 0; i < 2; ++i) {
      ASSERT_OK_AND_ASSIGN(v1::ValidateResponse verdict, validate(tampered));
      EXPECT_EQ(verdict.reason(), v1::REASON_BAD_SIGNATURE);
    }
    ASSERT_OK_AND_ASSIGN(v1::ValidateResponse malformed,
                         validate("not-a-token"));
    EXPECT_EQ(malformed.reason(), v1::REASON_MALFORMED);
    EXPECT_THAT(validate(""), StatusIs(absl::StatusCode::kInvalidArgument));
  }

  ASSERT_OK_AND_ASSIGN(
      HttpReply reply,
      HttpGet(absl::StrCat("http://", jwtd->http_address(), "/metrics")));
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(reply.headers["content-type"],
            "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = reply.body;

  // Seven Validate calls: six answered OK (verdicts), one bad request.
  EXPECT_THAT(FindSample(text, "grpc_server_started_total", Rpc("Validate")),
              Optional(7.0));
  EXPECT_THAT(
      FindSample(text, "grpc_server_handled_total", Rpc("Validate", "OK")),
      Optional(6.0));
  EXPECT_THAT(FindSample(text, "grpc_server_handled_total",
                         Rpc("Validate", "INVALID_ARGUMENT")),
              Optional(1.0));
  EXPECT_THAT(FindSample(text, "grpc_server_handled_total", Rpc("Issue", "OK")),
              Optional(2.0));
  EXPECT_THAT(
      FindSample(text, "grpc_server_handling_seconds_count", Rpc("Validate")),
      Optional(7.0));

  EXPECT_THAT(
      FindSample(text, "jwtd_validations_total", Verdict("valid", "", kIssuer)),
      Optional(3.0));
  EXPECT_THAT(FindSample(text, "jwtd_validations_total",
                         Verdict("invalid", "REASON_BAD_SIGNATURE", kIssuer)),
              Optional(2.0));
  EXPECT_THAT(FindSample(text, "jwtd_validations_total",
                         Verdict("invalid", "REASON_MALFORMED", "")),
              Optional(1.0));

  // Gauges, read at the scrape: the local ring signs and rotates.
  const PrometheusLabels issuer = {{"issuer", kIssuer}};
  EXPECT_THAT(FindSample(text, "jwtd_keyring_keys", issuer), Optional(1.0));
  EXPECT_THAT(FindSample(text, "jwtd_keyring_degraded", issuer), Optional(0.0));
  EXPECT_THAT(
      FindSample(text, "jwtd_keyring_active_key_retire_seconds", issuer),
      Optional(Gt(0.0)));
  EXPECT_THAT(
      FindSample(text, "jwtd_keyring_last_refresh_timestamp_seconds", issuer),
      Optional(Gt(1.6e9)));
  EXPECT_THAT(
      FindSample(text, "jwtd_revocation_store_healthy", {{"store", "sqlite"}}),
      Optional(1.0));

  // One log line per call, with the outcome and no token.
  const std::vector<google::protobuf::Struct> lines =
      RpcLines(*jwtd, "/jwtd.v1.TokenService/Validate", 7);
  ASSERT_EQ(lines.size(), 7u) << jwtd->log();
  int ok = 0;
  for (const auto& line : lines) {
    const std::string code = StringMember(line, "grpc.code");
    if (code == "OK") {
      ++ok;
      EXPECT_EQ(StringMember(line, "level"), "info");
    } else {
      EXPECT_EQ(code, "INVALID_ARGUMENT");
    }
    EXPECT_THAT(StringMember(line, "peer"), HasSubstr("127.0.0.1:"));
    double seconds = -1;
    EXPECT_TRUE(absl::SimpleAtod(StringMember(line, "duration"), &seconds));
    EXPECT_GE(seconds, 0);
    EXPECT_LT(seconds, 5);
  }
  EXPECT_EQ(ok, 6);
  EXPECT_EQ(RpcLines(*jwtd, "/jwtd.v1.TokenService/Issue", 2).size(), 2u);

  const std::string log = jwtd->log();
  EXPECT_THAT(ParseLogLines(log).other, ::testing::IsEmpty());
  for (const std::string& token : tokens) {
    const std::vector<std::string> segments = absl::StrSplit(token, '.');
    ASSERT_EQ(segments.size(), 3u);
    EXPECT_THAT(log, Not(HasSubstr(segments[1]))) << "payload in the log";
    EXPECT_THAT(log, Not(HasSubstr(segments[2]))) << "signature in the log";
  }
  EXPECT_THAT(log, Not(HasSubstr("not-a-token")));
  EXPECT_THAT(jwtd->Stop(), IsOk());
}

}  // namespace
}  // namespace jwtd::e2e
