#include "client/utf8_fields.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "jwtd/v1/token_service.pb.h"
#include "tests/support/status_matchers.h"

namespace jwtd {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::StatusIs;
using ::testing::HasSubstr;

TEST(IsValidUtf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("eyJhbGciOiJFUzI1NiJ9.e30.sig"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9"));           // U+00E9
  EXPECT_TRUE(IsValidUtf8("\xE2\x82\xAC"));          // U+20AC
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x94\x91"));      // U+1F511
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));      // U+10FFFF
  EXPECT_TRUE(IsValidUtf8(std::string("a\0b", 3)));  // NUL is UTF-8.
}

TEST(IsValidUtf8Test, RejectsMalformedText) {
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("\x80"));                  // Lone continuation.
  EXPECT_FALSE(IsValidUtf8("caf\xC3"));               // Truncated.
  EXPECT_FALSE(IsValidUtf8("\xC3\x28"));              // Bad continuation.
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));              // Overlong '/'.
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));          // Overlong '/'.
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));          // Surrogate D800.
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));      // Above U+10FFFF.
  EXPECT_FALSE(IsValidUtf8("\xF8\x88\x80\x80\x80"));  // 5-byte form.
}

TEST(CheckUtf8FieldsTest, AcceptsValidRequest) {
  v1::IssueRequest request;
  request.set_subject("alice");
  request.add_audiences("orders");
  (*request.mutable_claims()->mutable_fields())["name"].set_string_value(
      "Ren\xC3\xA9");
  EXPECT_THAT(CheckUtf8Fields(request), IsOk());
}

TEST(CheckUtf8FieldsTest, NamesTheBadTopLevelField) {
  v1::ValidateRequest request;
  request.set_token("abc\xFF");
  EXPECT_THAT(CheckUtf8Fields(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("jwtd.v1.ValidateRequest.token")));
}

TEST(CheckUtf8FieldsTest, ChecksRepeatedFields) {
  v1::ValidateRequest request;
  request.set_token("t");
  request.add_required_scopes("read");
  request.add_required_scopes("\xC0\xAF");
  EXPECT_THAT(CheckUtf8Fields(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("required_scopes")));
}

TEST(CheckUtf8FieldsTest, ChecksNestedMessages) {
  v1::ValidateRequest request;
  request.set_token("t");
  request.add_required_claims()->add_values("\xFF");
  EXPECT_THAT(CheckUtf8Fields(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("ClaimRequirement.values")));
}

TEST(CheckUtf8FieldsTest, ChecksStructKeysAndValues) {
  v1::IssueRequest value_request;
  (*value_request.mutable_claims()->mutable_fields())["role"]
      .mutable_list_value()
      ->add_values()
      ->set_string_value("\xFF");
  EXPECT_THAT(
      CheckUtf8Fields(value_request),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("string_value")));

  v1::IssueRequest key_request;
  (*key_request.mutable_claims()->mutable_fields())["\xFF"].set_bool_value(
      true);
  EXPECT_THAT(CheckUtf8Fields(key_request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("FieldsEntry.key")));
}

}  // namespace
}  // namespace jwtd
