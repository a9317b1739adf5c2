#include "server/jose/json_parser.h"

#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/jose/json.h"
#include "tests/support/json_member.h"
#include "tests/support/status_matchers.h"

namespace jwtd::jose {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::Member;
using ::jwtd::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

// `depth` nested objects: {"a":{"a":...{}...}}; the outermost is depth 1.
std::string NestedObjects(int depth) {
  std::string text;
  for (int i = 1; i < depth; ++i) text += "{\"a\":";
  text += "{}";
  for (int i = 1; i < depth; ++i) text += "}";
  return text;
}

// An object holding `arrays` nested arrays: {"a":[[...]]}.
std::string ObjectWithNestedArrays(int arrays) {
  return absl::StrCat("{\"a\":", std::string(arrays, '['),
                      std::string(arrays, ']'), "}");
}

// An object with `count` distinct members m0..m(count-1), then `extra`.
std::string ManyMembers(int count, absl::string_view extra = "") {
  std::string text = "{";
  for (int i = 0; i < count; ++i) {
    absl::StrAppend(&text, i == 0 ? "" : ",", "\"m", i, "\":", i);
  }
  absl::StrAppend(&text, extra, "}");
  return text;
}

// An ordinary claim set parses into the expected values.
TEST(JsonParserTest, ParsesOrdinaryObject) {
  ASSERT_OK_AND_ASSIGN(
      Json json, ParseJsonObject(R"({"s":"x","i":42,"d":1.5,"b":true,"n":null,)"
                                 R"("a":[1,"two",false],"o":{"k":"v"}})"));
  ASSERT_TRUE(json.is_object());
  ASSERT_EQ(json.object().size(), 7u);
  EXPECT_EQ(Member(json, "s").string_value(), "x");
  EXPECT_TRUE(Member(json, "i").number().is_integer);
  EXPECT_EQ(Member(json, "i").number().integer, 42);
  EXPECT_FALSE(Member(json, "d").number().is_integer);
  EXPECT_EQ(Member(json, "d").number().value, 1.5);
  EXPECT_TRUE(Member(json, "b").bool_value());
  EXPECT_TRUE(Member(json, "n").is_null());
  ASSERT_TRUE(Member(json, "a").is_array());
  EXPECT_EQ(Member(json, "a").array().size(), 3u);
  EXPECT_EQ(Member(Member(json, "o"), "k").string_value(), "v");
  EXPECT_EQ(json.Find("missing"), nullptr);
  // Members keep their order.
  EXPECT_EQ(json.object().front().first, "s");
  EXPECT_EQ(json.object().back().first, "o");
}

// Whitespace around tokens (and after the object) is allowed by RFC 8259.
TEST(JsonParserTest, AcceptsWhitespace) {
  EXPECT_THAT(ParseJsonObject(" \t\r\n{ \"a\" : [ 1 , 2 ] } \n"), IsOk());
  EXPECT_THAT(ParseJsonObject("{}"), IsOk());
}

// Escapes decode, including a valid surrogate pair.
TEST(JsonParserTest, DecodesEscapes) {
  ASSERT_OK_AND_ASSIGN(
      Json json,
      ParseJsonObject(R"({"e":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"})"));
  EXPECT_EQ(Member(json, "e").string_value(),
            "\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
}

// Duplicate member names are refused at the top level, when nested, inside
// arrays, when they differ only by escaping, and in objects large enough to
// switch from a linear scan to a hash set.
TEST(JsonParserTest, RejectsDuplicateMemberNames) {
  const std::string duplicates[] = {
      R"({"a":1,"a":2})",
      R"({"a":1,"a":1})",
      R"({"iss":"x","sub":"y","iss":"x"})",
      R"({"o":{"a":1,"a":2}})",
      R"({"o":[{"a":1,"b":{"c":1,"c":2}}]})",
      R"({"a":1,"\u0061":2})",
      R"({"":1,"":2})",
      ManyMembers(16, R"(,"m3":3)"),   // 17 members
      ManyMembers(17, R"(,"m0":0)"),   // 18 members
      ManyMembers(40, R"(,"m39":0)"),  // 41 members, duplicate of the last
      absl::StrCat(R"({"o":)", ManyMembers(30, R"(,"m7":0)"), "}"),
  };
  for (const std::string& text : duplicates) {
    EXPECT_THAT(ParseJsonObject(text), StatusIs(kInvalid)) << text;
  }
}

// Same-size objects without duplicates are fine (the test above is not
// rejecting merely large objects).
TEST(JsonParserTest, AcceptsLargeObjectsWithoutDuplicates) {
  EXPECT_THAT(ParseJsonObject(ManyMembers(16)), IsOk());
  EXPECT_THAT(ParseJsonObject(ManyMembers(17)), IsOk());
  EXPECT_THAT(ParseJsonObject(ManyMembers(200)), IsOk());
  // Same name in sibling objects is not a duplicate.
  EXPECT_THAT(ParseJsonObject(R"({"a":{"x":1},"b":{"x":1}})"), IsOk());
}

// Only valid UTF-8 is accepted, in values and in member names.
TEST(JsonParserTest, RejectsInvalidUtf8) {
  const std::string bad[] = {
      "{\"a\":\"\xff\"}",
      "{\"a\":\"\xc0\xaf\"}",          // overlong '/'
      "{\"a\":\"\xe2\x82\"}",          // truncated sequence
      "{\"a\":\"\xed\xa0\x80\"}",      // UTF-8-encoded surrogate U+D800
      "{\"a\":\"\xf4\x90\x80\x80\"}",  // above U+10FFFF
      "{\"\x80\":1}",
      "{\"a\":1}\xff",
  };
  for (const std::string& text : bad) {
    EXPECT_THAT(ParseJsonObject(text), StatusIs(kInvalid))
        << ::testing::PrintToString(text);
  }
  EXPECT_THAT(ParseJsonObject("{\"a\":\"\xc3\xa9\xe2\x82\xac\"}"), IsOk());
}

// \u escapes must not produce lone surrogates (RFC 7493 section 2.1).
TEST(JsonParserTest, RejectsLoneSurrogates) {
  const std::string bad[] = {
      R"({"a":"\ud800"})",        // high surrogate at the end
      R"({"a":"\udc00"})",        // low surrogate alone
      R"({"a":"\udfff x"})",      // low surrogate alone
      R"({"a":"\ud800x"})",       // high surrogate, then a character
      R"({"a":"\ud800\u0041"})",  // high surrogate, then not a low one
      R"({"a":"\ud800\ud800"})",  // two high surrogates
      R"({"\ud800":1})",          // in a member name
  };
  for (const std::string& text : bad) {
    EXPECT_THAT(ParseJsonObject(text), StatusIs(kInvalid)) << text;
  }
}

// Nothing may follow the top-level object.
TEST(JsonParserTest, RejectsTrailingGarbage) {
  for (const char* text : {R"({"a":1}x)", R"({"a":1}{})", R"({"a":1},)",
                           R"({"a":1}])", R"({"a":1} 1)", R"({"a":1}})"}) {
    EXPECT_THAT(ParseJsonObject(text), StatusIs(kInvalid)) << text;
  }
}

// The top-level value must be an object.
TEST(JsonParserTest, RejectsNonObjectTopLevel) {
  for (const char* text :
       {"[]", "[{}]", "1", "\"s\"", "null", "true", "", " ", "{", "}"}) {
    EXPECT_THAT(ParseJsonObject(text), StatusIs(kInvalid)) << text;
  }
}

// Malformed JSON syntax is refused.
TEST(JsonParserTest, RejectsSyntaxErrors) {
  for (const char* text :
       {R"({"a":})", R"({"a" 1})", R"({a:1})", R"({'a':1})", R"({"a":1,})",
        R"({"a":[1,]})", R"({"a":01})", R"({"a":+1})", R"({"a":.5})",
        R"({"a":NaN})", R"({"a":Infinity})", R"({"a":"\x"})",
        "{\"a\":\"\x01\"}", R"({"a":tru})", R"({"a":1}/*c*/)"}) {
    EXPECT_THAT(ParseJsonObject(text), StatusIs(kInvalid)) << text;
  }
}

// Exactly max_depth levels are accepted, one more is refused (objects and
// arrays both count; the top-level object is depth 1).
TEST(JsonParserTest, EnforcesMaxDepth) {
  const JsonLimits limits;  // max_depth 16
  ASSERT_EQ(limits.max_depth, 16);
  EXPECT_THAT(ParseJsonObject(NestedObjects(16), limits), IsOk());
  EXPECT_THAT(ParseJsonObject(NestedObjects(17), limits), StatusIs(kInvalid));
  EXPECT_THAT(ParseJsonObject(ObjectWithNestedArrays(15), limits), IsOk());
  EXPECT_THAT(ParseJsonObject(ObjectWithNestedArrays(16), limits),
              StatusIs(kInvalid));
  EXPECT_THAT(ParseJsonObject(NestedObjects(2000), limits), StatusIs(kInvalid));

  const JsonLimits shallow{.max_bytes = 8192, .max_depth = 3};
  EXPECT_THAT(ParseJsonObject(NestedObjects(3), shallow), IsOk());
  EXPECT_THAT(ParseJsonObject(NestedObjects(4), shallow), StatusIs(kInvalid));
  EXPECT_THAT(ParseJsonObject(R"({"a":[{}]})", shallow), IsOk());
  EXPECT_THAT(ParseJsonObject(R"({"a":[{"b":[]}]})", shallow),
              StatusIs(kInvalid));
  const JsonLimits flat{.max_bytes = 8192, .max_depth = 1};
  EXPECT_THAT(ParseJsonObject(R"({"a":1})", flat), IsOk());
  EXPECT_THAT(ParseJsonObject(R"({"a":[]})", flat), StatusIs(kInvalid));
}

// Input of exactly max_bytes is accepted; one byte more is refused before
// parsing (even when the extra byte is only whitespace).
TEST(JsonParserTest, EnforcesMaxBytes) {
  const JsonLimits limits{.max_bytes = 64, .max_depth = 16};
  // {"a":"xxx..."}: 8 bytes of structure around the string.
  const std::string exact =
      absl::StrCat("{\"a\":\"", std::string(56, 'x'), "\"}");
  ASSERT_EQ(exact.size(), 64u);
  EXPECT_THAT(ParseJsonObject(exact, limits), IsOk());
  EXPECT_THAT(ParseJsonObject(exact + " ", limits), StatusIs(kInvalid));
  EXPECT_THAT(ParseJsonObject(std::string(9000, ' ') + "{}"),
              StatusIs(kInvalid));
}

// Numbers outside the range of a double (infinities) are refused.
TEST(JsonParserTest, RejectsInfiniteNumbers) {
  for (const char* text : {R"({"a":1e400})", R"({"a":-1e400})",
                           R"({"a":[1e309]})", R"({"a":{"b":1E+999}})"}) {
    EXPECT_THAT(ParseJsonObject(text), StatusIs(kInvalid)) << text;
  }
  ASSERT_OK_AND_ASSIGN(Json json, ParseJsonObject(R"({"a":1e308})"));
  EXPECT_EQ(Member(json, "a").number().value, 1e308);
}

// Integers keep their exact value up to the int64 limits.
TEST(JsonParserTest, KeepsIntegersExact) {
  ASSERT_OK_AND_ASSIGN(
      Json json,
      ParseJsonObject(R"({"max":9223372036854775807,)"
                      R"("min":-9223372036854775808,"p":9007199254740993,)"
                      R"("z":0,"neg":-1})"));
  EXPECT_TRUE(Member(json, "max").number().is_integer);
  EXPECT_EQ(Member(json, "max").number().integer,
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(Member(json, "min").number().integer,
            std::numeric_limits<int64_t>::min());
  EXPECT_EQ(Member(json, "p").number().integer, 9007199254740993);
  EXPECT_EQ(Member(json, "z").number().integer, 0);
  EXPECT_EQ(Member(json, "neg").number().integer, -1);
  EXPECT_EQ(json.Serialize(),
            R"({"max":9223372036854775807,"min":-9223372036854775808,)"
            R"("p":9007199254740993,"z":0,"neg":-1})");
}

// Integer literals beyond the int64/uint64 range are still numbers that fit
// a double (RFC 8259; the contract refuses only infinities).
TEST(JsonParserTest, AcceptsIntegerLiteralsUpToUint64) {
  for (const char* text :
       {R"({"a":18446744073709551615})", R"({"a":9223372036854775808})",
        R"({"a":-9223372036854775808})"}) {
    absl::StatusOr<Json> json = ParseJsonObject(text);
    EXPECT_THAT(json, IsOk()) << text;
    if (json.ok()) {
      EXPECT_TRUE(Member(*json, "a").is_number()) << text;
    }
  }
}

// Integer literals beyond 64 bits are refused (RFC 7493 section 2.2 advises
// against them; simdjson reports them rather than rounding silently).
TEST(JsonParserTest, RefusesIntegerLiteralsBeyond64Bits) {
  for (const char* text :
       {R"({"a":18446744073709551616})", R"({"a":100000000000000000000000})",
        R"({"a":-9223372036854775809})"}) {
    EXPECT_THAT(ParseJsonObject(text),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << text;
  }
}

// Parse(Serialize(x)) == x for large finite doubles too: the serialiser must
// never write a number the strict parser refuses.
TEST(JsonParserTest, SerializeRoundTripsLargeDoubles) {
  for (double value : {1e19, 18446744073709551616.0, 123456789012345678901.0,
                       -18446744073709551616.0, 1e20, 1e21, 1.5e300,
                       -9223372036854775808.0, 9.3e18}) {
    Json json = Json::EmptyObject();
    json.Set("n", Json::Double(value));
    const std::string text = json.Serialize();
    absl::StatusOr<Json> parsed = ParseJsonObject(text);
    EXPECT_THAT(parsed, IsOk()) << text;
    if (!parsed.ok()) continue;
    EXPECT_EQ(Member(*parsed, "n").number().value, value) << text;
  }
}

// Compact input serialises back to the same bytes, and parsing the
// serialisation gives an equal value.
TEST(JsonParserTest, SerializeRoundTrips) {
  const std::string texts[] = {
      R"({})",
      R"({"a":1,"b":[true,false,null],"c":{"d":"x\"y\\z"},"e":1.5})",
      R"({"neg":-0.25,"big":1e+300,"tiny":5e-324,"s":"\u0001\n"})",
      R"({"nested":[[[{"k":[]}]],{}],"u":"h\u00e9llo"})",
  };
  for (const std::string& text : texts) {
    ASSERT_OK_AND_ASSIGN(Json json, ParseJsonObject(text));
    const std::string serialized = json.Serialize();
    ASSERT_OK_AND_ASSIGN(Json again, ParseJsonObject(serialized));
    EXPECT_TRUE(again == json) << text << " -> " << serialized;
    EXPECT_EQ(again.Serialize(), serialized);
  }
  // Already-canonical text is reproduced byte for byte.
  const std::string canonical =
      R"({"a":1,"b":[true,false,null],"c":{"d":"x\"y\\z"},"e":1.5})";
  EXPECT_EQ(ParseJsonObject(canonical)->Serialize(), canonical);
}

// Error messages are short and never echo the input.
TEST(JsonParserTest, ErrorsDoNotEchoInput) {
  constexpr char kSecret[] = "s3cr3t-token-material";
  for (const std::string& text :
       {absl::StrCat(R"({")", kSecret, R"(":})"),
        absl::StrCat(R"({"a":")", kSecret, R"(","a":1})"),
        absl::StrCat(R"({"a":")", kSecret, "\xff\"}")}) {
    absl::StatusOr<Json> parsed = ParseJsonObject(text);
    EXPECT_THAT(parsed, StatusIs(kInvalid, Not(HasSubstr(kSecret))));
  }
}

// Integers and whole-number doubles are equal; different types are not.
TEST(JsonTest, Equality) {
  EXPECT_TRUE(Json::Integer(3) == Json::Double(3.0));
  EXPECT_FALSE(Json::Integer(3) == Json::Integer(4));
  EXPECT_FALSE(Json::Double(1.5) == Json::Double(2.5));
  EXPECT_TRUE(Json::Double(1.5) == Json::Double(1.5));
  EXPECT_FALSE(Json::Integer(1) == Json::Bool(true));
  EXPECT_FALSE(Json::String("1") == Json::Integer(1));
  EXPECT_FALSE(Json() == Json::Bool(false));
  EXPECT_TRUE(Json() == Json());
  EXPECT_FALSE(Json::EmptyArray() == Json::EmptyObject());

  Json a = Json::EmptyObject();
  a.Set("k", Json::String("v"));
  Json b = Json::EmptyObject();
  b.Set("k", Json::String("v"));
  EXPECT_TRUE(a == b);
  b.Set("k", Json::String("w"));
  EXPECT_FALSE(a == b);

  // A whole-number double prints like an integer.
  EXPECT_EQ(Json::Double(3.0).Serialize(), "3");
  EXPECT_EQ(Json::Double(0.1).Serialize(), "0.1");
}

// Set replaces an existing member in place instead of adding a second one.
TEST(JsonTest, SetReplaces) {
  Json json = Json::EmptyObject();
  json.Set("a", Json::Integer(1));
  json.Set("b", Json::Integer(2));
  json.Set("a", Json::Integer(3));
  ASSERT_EQ(json.object().size(), 2u);
  EXPECT_EQ(Member(json, "a").number().integer, 3);
  EXPECT_EQ(json.Serialize(), R"({"a":3,"b":2})");
  // The serialisation is still strictly parseable (no duplicate).
  EXPECT_THAT(ParseJsonObject(json.Serialize()), IsOk());
}

// Strings are escaped so that the output parses back to the same value.
TEST(JsonTest, SerializeEscapesStrings) {
  Json json = Json::EmptyObject();
  const std::string tricky("q\"b\\n\n\x01\x1f\x7f\0end", 14);
  json.Set(tricky, Json::String(tricky));
  ASSERT_OK_AND_ASSIGN(Json parsed, ParseJsonObject(json.Serialize()));
  ASSERT_NE(parsed.Find(tricky), nullptr);
  EXPECT_EQ(parsed.Find(tricky)->string_value(), tricky);
}

}  // namespace
}  // namespace jwtd::jose
