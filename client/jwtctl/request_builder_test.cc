#include "client/jwtctl/request_builder.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace jwtd::jwtctl {
namespace {

using ::jwtd::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr FlagSpec kSpecs[] = {
    {"sub", true, false},          {"aud", true, true},
    {"ttl", true, false},          {"scope", true, false},
    {"claim", true, true},         {"claim-json", true, true},
    {"nbf", true, false},          {"require-scope", true, true},
    {"require-claim", true, true}, {"jti", true, false},
    {"until", true, false},
};

CommandLine Cli(std::vector<std::string> args) {
  absl::StatusOr<CommandLine> cli = ParseCommandLine(args, kSpecs);
  EXPECT_TRUE(cli.ok()) << cli.status();
  return cli.ok() ? *cli : CommandLine{};
}

TEST(ParsePositiveDurationTest, GoStyle) {
  EXPECT_EQ(*ParsePositiveDuration("ttl", "15m"), absl::Minutes(15));
  EXPECT_EQ(*ParsePositiveDuration("ttl", "1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParsePositiveDuration("ttl", "90s"), absl::Seconds(90));
  EXPECT_EQ(*ParsePositiveDuration("ttl", "250ms"), absl::Milliseconds(250));
}

TEST(ParsePositiveDurationTest, Rejects) {
  for (const char* bad :
       {"", "15", "15 minutes", "15minutes", "0s", "-1m", "inf", "1d"}) {
    EXPECT_THAT(
        ParsePositiveDuration("ttl", bad),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--ttl")))
        << bad;
  }
}

TEST(ParseTimeArgTest, Rfc3339AndUnixSeconds) {
  const absl::Time expected = absl::FromUnixSeconds(1795950000);
  EXPECT_EQ(*ParseTimeArg("nbf", "1795950000"), expected);
  EXPECT_EQ(*ParseTimeArg("nbf", "2026-11-29T11:00:00Z"), expected);
  EXPECT_EQ(*ParseTimeArg("nbf", "2026-11-29T12:00:00+01:00"), expected);
  EXPECT_EQ(*ParseTimeArg("nbf", "2026-11-29T11:00:00.5Z"),
            expected + absl::Milliseconds(500));
}

TEST(ParseTimeArgTest, Rejects) {
  for (const char* bad : {"", "tomorrow", "2026-11-29", "-5", "1.5",
                          "2026-11-29 11:00:00Z", "99999999999999999999"}) {
    EXPECT_THAT(
        ParseTimeArg("nbf", bad),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--nbf")))
        << bad;
  }
}

TEST(BuildIssueRequestTest, AllFlags) {
  ASSERT_OK_AND_ASSIGN(
      v1::IssueRequest request,
      BuildIssueRequest(Cli(
          {"--sub",        "alice",    "--aud",        "orders",
           "--aud",        "billing",  "--ttl",        "1h30m",
           "--scope",      "a b",      "--claim",      "role=admin",
           "--claim",      "note=x=y", "--claim-json", "perms=[\"r\",\"w\"]",
           "--claim-json", "level=3",  "--nbf",        "1795950000"})));
  EXPECT_EQ(request.subject(), "alice");
  EXPECT_THAT(request.audiences(), ElementsAre("orders", "billing"));
  EXPECT_EQ(request.ttl().seconds(), 5400);
  EXPECT_EQ(request.ttl().nanos(), 0);
  EXPECT_EQ(request.scope(), "a b");
  EXPECT_EQ(request.not_before().seconds(), 1795950000);
  const auto& claims = request.claims().fields();
  EXPECT_EQ(claims.at("role").string_value(), "admin");
  EXPECT_EQ(claims.at("note").string_value(), "x=y");
  ASSERT_EQ(claims.at("perms").list_value().values_size(), 2);
  EXPECT_EQ(claims.at("perms").list_value().values(1).string_value(), "w");
  EXPECT_EQ(claims.at("level").number_value(), 3);
}

TEST(BuildIssueRequestTest, MinimalLeavesDefaultsToTheServer) {
  ASSERT_OK_AND_ASSIGN(v1::IssueRequest request,
                       BuildIssueRequest(Cli({"--sub", "alice"})));
  EXPECT_FALSE(request.has_ttl());
  EXPECT_FALSE(request.has_claims());
  EXPECT_FALSE(request.has_not_before());
  EXPECT_TRUE(request.audiences().empty());
}

TEST(BuildIssueRequestTest, Errors) {
  EXPECT_THAT(BuildIssueRequest(Cli({})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--sub")));
  EXPECT_THAT(BuildIssueRequest(Cli({"--sub", "a", "--ttl", "soon"})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--ttl")));
  EXPECT_THAT(
      BuildIssueRequest(Cli({"--sub", "a", "--claim", "novalue"})),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name=value")));
  EXPECT_THAT(BuildIssueRequest(Cli({"--sub", "a", "--claim", "=x"})),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(BuildIssueRequest(
                  Cli({"--sub", "a", "--claim", "r=1", "--claim-json", "r=2"})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("twice")));
  EXPECT_THAT(BuildIssueRequest(Cli({"--sub", "a", "--nbf", "later"})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--nbf")));
}

TEST(BuildIssueRequestTest, BadJsonClaimDoesNotEchoTheValue) {
  absl::StatusOr<v1::IssueRequest> request =
      BuildIssueRequest(Cli({"--sub", "a", "--claim-json", "k={secret-ish"}));
  ASSERT_THAT(request, StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("not valid JSON")));
  EXPECT_THAT(std::string(request.status().message()),
              Not(HasSubstr("secret-ish")));
}

TEST(BuildValidateRequestTest, AllFlags) {
  ASSERT_OK_AND_ASSIGN(
      v1::ValidateRequest request,
      BuildValidateRequest(
          Cli({"--aud", "orders", "--require-scope", "read", "--require-scope",
               "write", "--require-claim", "role=admin", "--require-claim",
               "tenant", "--require-claim", "eq=a=b"}),
          "tok"));
  EXPECT_EQ(request.token(), "tok");
  EXPECT_EQ(request.audience(), "orders");
  EXPECT_THAT(request.required_scopes(), ElementsAre("read", "write"));
  ASSERT_EQ(request.required_claims_size(), 3);
  EXPECT_EQ(request.required_claims(0).claim(), "role");
  EXPECT_THAT(request.required_claims(0).values(), ElementsAre("admin"));
  EXPECT_EQ(request.required_claims(1).claim(), "tenant");
  EXPECT_TRUE(request.required_claims(1).values().empty());
  EXPECT_EQ(request.required_claims(2).claim(), "eq");
  EXPECT_THAT(request.required_claims(2).values(), ElementsAre("a=b"));
}

TEST(BuildValidateRequestTest, Errors) {
  EXPECT_THAT(BuildValidateRequest(Cli({"--aud", "a", "--aud", "b"}), "t"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--aud")));
  EXPECT_THAT(BuildValidateRequest(Cli({"--require-claim", "=x"}), "t"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--require-claim")));
}

TEST(BuildRevokeRequestTest, TokenOrJti) {
  ASSERT_OK_AND_ASSIGN(v1::RevokeRequest by_token,
                       BuildRevokeRequest(Cli({}), "tok"));
  EXPECT_EQ(by_token.token(), "tok");
  EXPECT_FALSE(by_token.has_until());

  ASSERT_OK_AND_ASSIGN(
      v1::RevokeRequest by_jti,
      BuildRevokeRequest(Cli({"--jti", "id-1", "--until", "1795950000"}),
                         std::nullopt));
  EXPECT_EQ(by_jti.jti(), "id-1");
  EXPECT_EQ(by_jti.until().seconds(), 1795950000);
}

TEST(BuildRevokeRequestTest, Errors) {
  EXPECT_THAT(BuildRevokeRequest(Cli({}), std::nullopt),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      BuildRevokeRequest(Cli({"--jti", "x", "--until", "1"}), "tok"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not both")));
  EXPECT_THAT(
      BuildRevokeRequest(Cli({"--jti", "x"}), std::nullopt),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--until")));
  EXPECT_THAT(
      BuildRevokeRequest(Cli({"--jti", "x", "--until", "never"}), std::nullopt),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--until")));
}

}  // namespace
}  // namespace jwtd::jwtctl
