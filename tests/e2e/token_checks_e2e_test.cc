// Verdicts that need a jwtd started with particular flags: time, issuer and
// audience policy.

#include <memory>
#include <string>

#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtd/v1/token_service.pb.h"
#include "tests/e2e/binaries.h"
#include "tests/e2e/jwtd_process.h"
#include "tests/e2e/temp_dir.h"
#include "tests/e2e/verdicts.h"
#include "tests/support/status_matchers.h"

namespace jwtd::e2e {
namespace {

// Each test closes its clients before Stop(): jwtd waits for connected
// clients to go away (up to about 5 s) before it exits.

using ::jwtd::testing::IsOk;
using ::jwtd::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(TokenChecksTest, ExpiredTokenWithoutLeeway) {
  ASSERT_OK_AND_ASSIGN(auto jwtd,
                       JwtdProcess::Start({.flags = {"--leeway=0s"}}));
  ASSERT_OK_AND_ASSIGN(auto client,
                       Client::Connect({.address = jwtd->address()}));
  // Issued through jwtctl to cover its --ttl parsing end to end.
  ASSERT_OK_AND_ASSIGN(
      ProcessResult issue,
      RunJwtctl({"--addr", jwtd->privileged_address(), "--format", "text",
                 "issue", "--sub", "alice", "--ttl", "1s"}));
  ASSERT_EQ(issue.exit_code, 0) << issue.err;
  const std::string token(absl::StripSuffix(issue.out, "\n"));

  ASSERT_OK_AND_ASSIGN(v1::ValidateResponse fresh,
                       ValidateToken(*client, token));
  ASSERT_TRUE(fresh.valid()) << fresh.DebugString();
  // exp <= now is expired without leeway: sleep just past exp, no longer.
  absl::SleepFor(absl::FromUnixSeconds(fresh.expires_at().seconds()) -
                 absl::Now() + absl::Milliseconds(200));

  ASSERT_OK_AND_ASSIGN(v1::ValidateResponse verdict,
                       ValidateToken(*client, token));
  EXPECT_FALSE(verdict.valid());
  EXPECT_EQ(verdict.reason(), v1::REASON_EXPIRED);

  ASSERT_OK_AND_ASSIGN(
      ProcessResult validate,
      RunJwtctl({"--addr", jwtd->address(), "validate", token}));
  EXPECT_EQ(validate.exit_code, 1) << validate.out << validate.err;
  EXPECT_THAT(validate.out, HasSubstr("REASON_EXPIRED"));

  ASSERT_OK_AND_ASSIGN(
      ProcessResult introspect,
      RunJwtctl({"--addr", jwtd->address(), "introspect", token}));
  EXPECT_EQ(introspect.exit_code, 1);
  EXPECT_EQ(introspect.out, "{\"active\":false}\n");
  client.reset();
  EXPECT_THAT(jwtd->Stop(), IsOk());
}

TEST(TokenChecksTest, WrongIssuerWithTheSameKey) {
  // Two jwtd on one data directory share the signing key, so only `iss`
  // tells their tokens apart. The second starts once the first has created
  // the key, and must reuse it. The revocation database is locked by the
  // first, so the second runs without revocations.
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create());
  const std::string data_dir = dir.Join("data");
  ASSERT_OK_AND_ASSIGN(
      auto issuer_a,
      JwtdProcess::Start({.flags = {"--issuer=a"}, .data_dir = data_dir}));
  ASSERT_OK_AND_ASSIGN(
      auto issuer_b,
      JwtdProcess::Start({.flags = {"--issuer=b", "--revocation=none"},
                          .data_dir = data_dir}));
  ASSERT_EQ(issuer_b->kid(), issuer_a->kid()) << "the key was not shared";
  ASSERT_OK_AND_ASSIGN(auto client_a,
                       Client::Connect({.address = issuer_a->address()}));
  ASSERT_OK_AND_ASSIGN(auto client_b,
                       Client::Connect({.address = issuer_b->address()}));

  v1::IssueRequest request;
  request.set_subject("alice");
  ASSERT_OK_AND_ASSIGN(
      auto admin_a,
      Client::Connect({.address = issuer_a->privileged_address()}));
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse issued, admin_a->Issue(request));
  admin_a.reset();
  ASSERT_OK_AND_ASSIGN(v1::ValidateResponse at_a,
                       ValidateToken(*client_a, issued.token()));
  EXPECT_TRUE(at_a.valid()) << at_a.DebugString();
  EXPECT_EQ(at_a.claims().fields().at("iss").string_value(), "a");

  ASSERT_OK_AND_ASSIGN(v1::ValidateResponse at_b,
                       ValidateToken(*client_b, issued.token()));
  EXPECT_FALSE(at_b.valid());
  EXPECT_EQ(at_b.reason(), v1::REASON_WRONG_ISSUER);

  client_a.reset();
  client_b.reset();
  EXPECT_THAT(issuer_a->Stop(), IsOk());
  EXPECT_THAT(issuer_b->Stop(), IsOk());
}

TEST(TokenChecksTest, ServerAudiencePolicy) {
  ASSERT_OK_AND_ASSIGN(
      auto jwtd, JwtdProcess::Start({.flags = {"--audience=orders,billing"}}));
  ASSERT_OK_AND_ASSIGN(auto client,
                       Client::Connect({.address = jwtd->address()}));
  ASSERT_OK_AND_ASSIGN(
      auto admin, Client::Connect({.address = jwtd->privileged_address()}));

  // No audience asked for: the first configured one.
  v1::IssueRequest defaulted;
  defaulted.set_subject("alice");
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse issued, admin->Issue(defaulted));
  ASSERT_OK_AND_ASSIGN(v1::ValidateResponse verdict,
                       ValidateToken(*client, issued.token()));
  EXPECT_TRUE(verdict.valid()) << verdict.DebugString();
  v1::IntrospectRequest introspect;
  introspect.set_token(issued.token());
  ASSERT_OK_AND_ASSIGN(v1::IntrospectResponse info,
                       client->Introspect(introspect));
  EXPECT_THAT(info.aud(), ElementsAre("orders"));

  // Another accepted audience.
  v1::IssueRequest billing;
  billing.set_subject("alice");
  billing.add_audiences("billing");
  ASSERT_OK_AND_ASSIGN(issued, admin->Issue(billing));
  ASSERT_OK_AND_ASSIGN(verdict, ValidateToken(*client, issued.token()));
  EXPECT_TRUE(verdict.valid()) << verdict.DebugString();
  // The request may narrow the policy further.
  ASSERT_OK_AND_ASSIGN(verdict,
                       ValidateToken(*client, issued.token(), "orders"));
  EXPECT_EQ(verdict.reason(), v1::REASON_WRONG_AUDIENCE);

  // A token for an audience outside the policy, from a jwtd without one
  // that shares the key.
  client.reset();
  admin.reset();
  ASSERT_THAT(jwtd->Stop(), IsOk());
  std::string foreign_token;
  {
    ASSERT_OK_AND_ASSIGN(auto open_jwtd,
                         JwtdProcess::Start({.data_dir = jwtd->data_dir()}));
    ASSERT_OK_AND_ASSIGN(
        auto open_client,
        Client::Connect({.address = open_jwtd->privileged_address()}));
    v1::IssueRequest other;
    other.set_subject("alice");
    other.add_audiences("other");
    ASSERT_OK_AND_ASSIGN(v1::IssueResponse other_issued,
                         open_client->Issue(other));
    foreign_token = other_issued.token();
    open_client.reset();
    ASSERT_THAT(open_jwtd->Stop(), IsOk());
  }
  ASSERT_OK_AND_ASSIGN(
      auto restarted,
      JwtdProcess::Start({.flags = {"--audience=orders,billing"},
                          .data_dir = jwtd->data_dir()}));
  ASSERT_OK_AND_ASSIGN(auto restarted_client,
                       Client::Connect({.address = restarted->address()}));
  ASSERT_OK_AND_ASSIGN(verdict,
                       ValidateToken(*restarted_client, foreign_token));
  EXPECT_FALSE(verdict.valid());
  EXPECT_EQ(verdict.reason(), v1::REASON_WRONG_AUDIENCE);
  restarted_client.reset();
  EXPECT_THAT(restarted->Stop(), IsOk());
}

TEST(TokenChecksTest, TtlLimits) {
  ASSERT_OK_AND_ASSIGN(
      auto jwtd,
      JwtdProcess::Start({.flags = {"--default-ttl=2m", "--max-ttl=10m"}}));
  ASSERT_OK_AND_ASSIGN(
      auto client, Client::Connect({.address = jwtd->privileged_address()}));
  v1::IssueRequest request;
  request.set_subject("alice");
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse issued, client->Issue(request));
  EXPECT_EQ(issued.expires_at().seconds() - issued.issued_at().seconds(), 120);

  request.mutable_ttl()->set_seconds(600);
  EXPECT_THAT(client->Issue(request), IsOk());
  request.mutable_ttl()->set_seconds(601);
  EXPECT_THAT(client->Issue(request),
              StatusIs(absl::StatusCode::kInvalidArgument));
  client.reset();
  EXPECT_THAT(jwtd->Stop(), IsOk());
}

}  // namespace
}  // namespace jwtd::e2e
