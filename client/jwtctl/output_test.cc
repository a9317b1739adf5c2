#include "client/jwtctl/output.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace jwtd::jwtctl {
namespace {

using ::jwtd::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

TEST(ParseOutputFormatTest, Values) {
  EXPECT_EQ(*ParseOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(*ParseOutputFormat("text"), OutputFormat::kText);
  EXPECT_THAT(ParseOutputFormat("yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(JsonQuoteTest, EscapesWhatJsonRequires) {
  EXPECT_EQ(JsonQuote(""), "\"\"");
  EXPECT_EQ(JsonQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonQuote("\n\t\x01"), "\"\\n\\t\\u0001\"");
  EXPECT_EQ(JsonQuote("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
}

v1::IntrospectResponse ActiveResponse() {
  v1::IntrospectResponse response;
  response.set_active(true);
  response.set_scope("read write");
  response.set_token_type("Bearer");
  response.mutable_exp()->set_seconds(1795950900);
  response.mutable_iat()->set_seconds(1795950000);
  response.set_sub("alice \"the\" admin");
  response.add_aud("orders");
  response.set_iss("jwtd");
  response.set_jti("j-1");
  return response;
}

TEST(FormatIntrospectTest, ActiveIsRfc7662JsonInOrder) {
  EXPECT_EQ(FormatIntrospect(ActiveResponse(), OutputFormat::kJson),
            "{\"active\":true,\"scope\":\"read write\",\"token_type\":"
            "\"Bearer\",\"exp\":1795950900,\"iat\":1795950000,\"sub\":"
            "\"alice \\\"the\\\" admin\",\"aud\":[\"orders\"],\"iss\":"
            "\"jwtd\",\"jti\":\"j-1\"}\n");
}

TEST(FormatIntrospectTest, OutputIsParseableJson) {
  v1::IntrospectResponse response = ActiveResponse();
  response.add_aud("billing");
  response.set_username("line\nbreak");
  google::protobuf::Struct parsed;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  FormatIntrospect(response, OutputFormat::kJson), &parsed)
                  .ok());
  EXPECT_EQ(parsed.fields().at("aud").list_value().values_size(), 2);
  EXPECT_EQ(parsed.fields().at("username").string_value(), "line\nbreak");
}

TEST(FormatIntrospectTest, InactiveIsExactlyActiveFalse) {
  EXPECT_EQ(FormatIntrospect(v1::IntrospectResponse(), OutputFormat::kJson),
            "{\"active\":false}\n");
  // Even if a server sent more, an inactive token shows nothing else.
  v1::IntrospectResponse leaky = ActiveResponse();
  leaky.set_active(false);
  EXPECT_EQ(FormatIntrospect(leaky, OutputFormat::kJson),
            "{\"active\":false}\n");
  EXPECT_EQ(FormatIntrospect(leaky, OutputFormat::kText), "inactive\n");
}

TEST(FormatIntrospectTest, Text) {
  const std::string text =
      FormatIntrospect(ActiveResponse(), OutputFormat::kText);
  EXPECT_THAT(text, StartsWith("active\n"));
  EXPECT_THAT(text, HasSubstr("exp: 2026-11-29T11:15:00Z\n"));
}

TEST(FormatValidateTest, JsonAlwaysHasValidAndReason) {
  v1::ValidateResponse rejected;
  rejected.set_reason(v1::REASON_EXPIRED);
  const std::string json = FormatValidate(rejected, OutputFormat::kJson);
  EXPECT_THAT(json, HasSubstr("\"valid\":false"));
  EXPECT_THAT(json, HasSubstr("\"reason\":\"REASON_EXPIRED\""));
  v1::ValidateResponse parsed;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &parsed).ok());
  EXPECT_EQ(parsed.reason(), v1::REASON_EXPIRED);
}

TEST(FormatValidateTest, Text) {
  v1::ValidateResponse rejected;
  rejected.set_reason(v1::REASON_BAD_SIGNATURE);
  rejected.set_detail("signature does not verify");
  EXPECT_EQ(FormatValidate(rejected, OutputFormat::kText),
            "rejected: REASON_BAD_SIGNATURE: signature does not verify\n");

  v1::ValidateResponse valid;
  valid.set_valid(true);
  valid.set_kid("k1");
  valid.set_alg("ES256");
  (*valid.mutable_claims()->mutable_fields())["sub"].set_string_value("bob");
  (*valid.mutable_claims()->mutable_fields())["exp"].set_number_value(5);
  EXPECT_EQ(FormatValidate(valid, OutputFormat::kText),
            "valid (kid k1, alg ES256)\n  exp: 5\n  sub: \"bob\"\n");
}

TEST(FormatIssueTest, TextIsTheTokenOnly) {
  v1::IssueResponse response;
  response.set_token("h.p.s");
  response.set_kid("k1");
  EXPECT_EQ(FormatIssue(response, OutputFormat::kText), "h.p.s\n");
  EXPECT_THAT(FormatIssue(response, OutputFormat::kJson),
              HasSubstr("\"token\":\"h.p.s\""));
}

TEST(FormatKeySetTest, JsonVerbatimAndText) {
  v1::GetKeySetResponse response;
  response.set_jwks(
      R"({"keys":[{"kty":"EC","crv":"P-256","x":"x","y":"y","kid":"k1","alg":"ES256","use":"sig"}]})");
  EXPECT_EQ(FormatKeySet(response, OutputFormat::kJson),
            response.jwks() + "\n");
  EXPECT_EQ(FormatKeySet(response, OutputFormat::kText),
            "kid=k1 kty=EC alg=ES256 use=sig\n");
}

TEST(FormatRevokeTest, Text) {
  v1::RevokeResponse response;
  response.set_jti("j-1");
  response.mutable_revoked_until()->set_seconds(1795950000);
  EXPECT_EQ(FormatRevoke(response, OutputFormat::kText),
            "revoked j-1 until 2026-11-29T11:00:00Z\n");
}

}  // namespace
}  // namespace jwtd::jwtctl
