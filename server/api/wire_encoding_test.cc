#include "server/api/wire_encoding.h"

#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "server/api/proto_conversion.h"
#include "server/jose/json_parser.h"
#include "tests/support/status_matchers.h"

namespace jwtd::api {
namespace {

using ::google::protobuf::util::MessageDifferencer;

// The hand encoding must parse back to exactly what JsonToStruct builds.
void ExpectSameAsJsonToStruct(const std::string& json_text) {
  SCOPED_TRACE(json_text);
  ASSERT_OK_AND_ASSIGN(jose::Json json, jose::ParseJsonObject(json_text));
  google::protobuf::Struct expected;
  JsonToStruct(json, &expected);
  std::string wire;
  AppendStructWire(json, &wire);
  google::protobuf::Struct parsed;
  ASSERT_TRUE(parsed.ParseFromString(wire));
  EXPECT_TRUE(MessageDifferencer::Equals(parsed, expected))
      << parsed.DebugString() << "\nvs\n"
      << expected.DebugString();
  // And the size protobuf computes for it.
  EXPECT_EQ(wire.size(), expected.ByteSizeLong());
}

TEST(WireEncodingTest, MatchesProtobufForEveryJsonType) {
  for (const char* json : {
           R"({})",
           R"({"iss":"https://jwtd.example","sub":"alice","aud":["a","b"],
               "exp":1700000900,"iat":1700000000,"jti":"abc",
               "scope":"read write"})",
           R"({"n":null,"t":true,"f":false,"zero":0,"neg":-42,
               "frac":0.5,"big":9007199254740993,"exp":1e300,"min":-1e-300})",
           R"({"nested":{"a":{"b":{"c":[1,[2,[3,{}]],{"d":null}]}}},
               "empty_list":[],"empty_object":{}})",
           R"({"unicode":"héllo \u2603 \ud83d\ude00","":"empty name",
               "long":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"})",
       }) {
    ExpectSameAsJsonToStruct(json);
  }
}

TEST(WireEncodingTest, LongMembersUseMultiByteLengths) {
  std::string json = R"({"k":")";
  json.append(5000, 'v');
  json.append(R"("})");
  ExpectSameAsJsonToStruct(json);
}

TEST(WireEncodingTest, MessageFieldIsLengthDelimited) {
  std::string out;
  AppendMessageField(4, "abc", &out);
  EXPECT_EQ(out, std::string("\x22\x03"
                             "abc"));
  out.clear();
  AppendMessageField(1, std::string(300, 'x'), &out);
  EXPECT_EQ(out.substr(0, 3), std::string("\x0a\xac\x02"));
  EXPECT_EQ(out.size(), 303u);
}

}  // namespace
}  // namespace jwtd::api
