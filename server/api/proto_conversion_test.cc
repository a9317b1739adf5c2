#include "server/api/proto_conversion.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "jwtd/v1/token_service.pb.h"
#include "server/jose/json.h"
#include "server/jose/json_parser.h"
#include "server/jose/reject_reason.h"
#include "tests/support/json_member.h"
#include "tests/support/status_matchers.h"

namespace jwtd::api {
namespace {

using ::google::protobuf::Struct;
using ::google::protobuf::Value;
using ::google::protobuf::util::MessageDifferencer;
using ::jwtd::jose::Json;
using ::jwtd::testing::IsOk;
using ::jwtd::testing::Member;
using ::jwtd::testing::StatusIs;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr int64_t kMinTimestampSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxTimestampSeconds = 253402300799;  // 9999-12-31T23:59:59Z
constexpr int64_t kMaxDurationSeconds = 315576000000;   // 10000 years

// `json` with every object's members sorted by name: Struct fields have no
// order, so round trips compare normalised values.
Json Normalize(const Json& json) {
  if (json.is_array()) {
    Json out = Json::EmptyArray();
    for (const Json& element : json.array()) out.Append(Normalize(element));
    return out;
  }
  if (!json.is_object()) return json;
  Json::Object members = json.object();
  std::sort(members.begin(), members.end(),
            [](const Json::Member& a, const Json::Member& b) {
              return a.first < b.first;
            });
  Json out = Json::EmptyObject();
  for (const auto& [name, value] : members) out.Set(name, Normalize(value));
  return out;
}

Json Parse(absl::string_view text) {
  absl::StatusOr<Json> json = jose::ParseJsonObject(text);
  EXPECT_THAT(json, IsOk()) << text;
  return json.value_or(Json::EmptyObject());
}

// A Struct of `levels` nested Structs (the top-level one included).
Struct NestedStruct(int levels) {
  Struct inner;
  for (int i = 1; i < levels; ++i) {
    Struct outer;
    *(*outer.mutable_fields())["a"].mutable_struct_value() = inner;
    inner = outer;
  }
  return inner;
}

// A Struct holding `lists` nested lists: {"a":[[...]]}.
Struct NestedLists(int lists) {
  Value value;
  value.mutable_list_value();
  for (int i = 1; i < lists; ++i) {
    Value outer;
    *outer.mutable_list_value()->add_values() = value;
    value = outer;
  }
  Struct out;
  (*out.mutable_fields())["a"] = value;
  return out;
}

// Every JSON type maps to the matching Value kind.
TEST(ProtoConversionTest, JsonToStructKinds) {
  const Json json =
      Parse(R"({"s":"x","i":42,"d":1.5,"t":true,"f":false,"n":null,)"
            R"("a":[1,"two",[]],"o":{"k":"v"}})");
  Struct out;
  JsonToStruct(json, &out);
  const auto& f = out.fields();
  ASSERT_EQ(f.size(), 8u);
  EXPECT_EQ(f.at("s").string_value(), "x");
  EXPECT_EQ(f.at("i").number_value(), 42.0);
  EXPECT_EQ(f.at("d").number_value(), 1.5);
  EXPECT_TRUE(f.at("t").bool_value());
  EXPECT_EQ(f.at("f").kind_case(), Value::kBoolValue);
  EXPECT_FALSE(f.at("f").bool_value());
  EXPECT_EQ(f.at("n").kind_case(), Value::kNullValue);
  ASSERT_EQ(f.at("a").list_value().values_size(), 3);
  EXPECT_EQ(f.at("a").list_value().values(1).string_value(), "two");
  EXPECT_EQ(f.at("a").list_value().values(2).kind_case(), Value::kListValue);
  EXPECT_EQ(f.at("o").struct_value().fields().at("k").string_value(), "v");

  Value value;
  JsonToValue(Json::String("x"), &value);
  EXPECT_EQ(value.string_value(), "x");
  JsonToValue(Json(), &value);
  EXPECT_EQ(value.kind_case(), Value::kNullValue);
}

// Json -> Struct -> Json gives back the same value (up to member order),
// nested objects, arrays, null, booleans and numbers included.
TEST(ProtoConversionTest, JsonStructJsonRoundTrip) {
  for (const char* text :
       {R"({})",
        R"({"s":"x","i":42,"d":-1.25,"t":true,"n":null,"a":[1,[2,[3]],{}]})",
        R"({"o":{"p":{"q":{"r":["deep",null,false]}}},"z":0,"e":""})",
        R"({"u":"h\u00e9llo \ud83d\ude00","big":1e300,"neg":-7})"}) {
    const Json json = Parse(text);
    Struct proto;
    JsonToStruct(json, &proto);
    ASSERT_OK_AND_ASSIGN(Json back, StructToJson(proto));
    EXPECT_TRUE(Normalize(back) == Normalize(json))
        << text << " -> " << back.Serialize();
  }
}

// Struct -> Json -> Struct gives back an equal message.
TEST(ProtoConversionTest, StructJsonStructRoundTrip) {
  Struct in;
  auto& f = *in.mutable_fields();
  f["s"].set_string_value("x");
  f["n"].set_number_value(2.5);
  f["b"].set_bool_value(true);
  f["z"].set_null_value(google::protobuf::NULL_VALUE);
  auto* list = f["l"].mutable_list_value();
  list->add_values()->set_number_value(1);
  list->add_values()->set_string_value("y");
  (*f["o"].mutable_struct_value()->mutable_fields())["k"].set_bool_value(false);
  ASSERT_OK_AND_ASSIGN(Json json, StructToJson(in));
  Struct out;
  JsonToStruct(json, &out);
  EXPECT_TRUE(MessageDifferencer::Equals(in, out))
      << in.DebugString() << " vs " << out.DebugString();
}

// Whole-number doubles become JSON integers; others stay doubles.
TEST(ProtoConversionTest, WholeNumbersBecomeIntegers) {
  Struct in;
  (*in.mutable_fields())["three"].set_number_value(3.0);
  (*in.mutable_fields())["half"].set_number_value(3.5);
  (*in.mutable_fields())["exp"].set_number_value(1700000000.0);
  (*in.mutable_fields())["neg"].set_number_value(-2.0);
  ASSERT_OK_AND_ASSIGN(Json json, StructToJson(in));
  EXPECT_TRUE(Member(json, "three").number().is_integer);
  EXPECT_EQ(Member(json, "three").number().integer, 3);
  EXPECT_EQ(Member(json, "three").Serialize(), "3");
  EXPECT_FALSE(Member(json, "half").number().is_integer);
  EXPECT_EQ(Member(json, "half").Serialize(), "3.5");
  EXPECT_EQ(Member(json, "exp").Serialize(), "1700000000");
  EXPECT_EQ(Member(json, "neg").number().integer, -2);
}

// NaN and infinities have no JSON form and are refused, wherever they are.
TEST(ProtoConversionTest, RejectsNonFiniteNumbers) {
  for (double bad : {std::numeric_limits<double>::quiet_NaN(),
                     std::numeric_limits<double>::infinity(),
                     -std::numeric_limits<double>::infinity()}) {
    Struct top;
    (*top.mutable_fields())["x"].set_number_value(bad);
    EXPECT_THAT(StructToJson(top), StatusIs(kInvalid)) << bad;

    Struct in_list;
    auto* list = (*in_list.mutable_fields())["l"].mutable_list_value();
    list->add_values()->set_number_value(1);
    list->add_values()->set_number_value(bad);
    EXPECT_THAT(StructToJson(in_list), StatusIs(kInvalid)) << bad;

    Struct nested;
    (*(*nested.mutable_fields())["o"]
          .mutable_struct_value()
          ->mutable_fields())["x"]
        .set_number_value(bad);
    EXPECT_THAT(StructToJson(nested), StatusIs(kInvalid)) << bad;
  }
}

// A Value with no kind set is refused, at the top level and nested.
TEST(ProtoConversionTest, RejectsValueWithoutKind) {
  Struct top;
  (*top.mutable_fields())["x"];  // default Value: KIND_NOT_SET
  EXPECT_THAT(StructToJson(top), StatusIs(kInvalid));

  Struct in_list;
  auto* list = (*in_list.mutable_fields())["l"].mutable_list_value();
  list->add_values()->set_string_value("ok");
  list->add_values();
  EXPECT_THAT(StructToJson(in_list), StatusIs(kInvalid));
}

// Nesting up to kMaxStructDepth levels (the top-level Struct is level 1, as
// for the JSON parser) is accepted, and the result is within the strict
// parser's default depth; deeper nesting is refused.
TEST(ProtoConversionTest, BoundsDepth) {
  ASSERT_EQ(kMaxStructDepth, 16);
  ASSERT_OK_AND_ASSIGN(Json deepest, StructToJson(NestedStruct(16)));
  EXPECT_THAT(jose::ParseJsonObject(deepest.Serialize()), IsOk());
  EXPECT_THAT(StructToJson(NestedStruct(17)), StatusIs(kInvalid));
  EXPECT_THAT(StructToJson(NestedStruct(100)), StatusIs(kInvalid));

  ASSERT_OK_AND_ASSIGN(Json lists, StructToJson(NestedLists(15)));
  EXPECT_THAT(jose::ParseJsonObject(lists.Serialize()), IsOk());
  EXPECT_THAT(StructToJson(NestedLists(16)), StatusIs(kInvalid));
}

// Times map to Timestamps with non-negative nanos, and back.
TEST(ProtoConversionTest, TimestampRoundTrip) {
  const absl::Time times[] = {
      absl::FromUnixSeconds(1700000000),
      absl::FromUnixSeconds(1700000000) + absl::Nanoseconds(123456789),
      absl::UnixEpoch(),
      absl::UnixEpoch() - absl::Milliseconds(500),
      absl::FromUnixSeconds(kMinTimestampSeconds),
      absl::FromUnixSeconds(kMaxTimestampSeconds) +
          absl::Nanoseconds(999999999),
  };
  for (absl::Time time : times) {
    google::protobuf::Timestamp proto;
    TimeToTimestamp(time, &proto);
    EXPECT_GE(proto.nanos(), 0);
    EXPECT_LT(proto.nanos(), 1000000000);
    ASSERT_OK_AND_ASSIGN(absl::Time back, TimestampToTime(proto));
    EXPECT_EQ(back, time) << absl::FormatTime(time);
  }
  google::protobuf::Timestamp half_before_epoch;
  TimeToTimestamp(absl::UnixEpoch() - absl::Milliseconds(500),
                  &half_before_epoch);
  EXPECT_EQ(half_before_epoch.seconds(), -1);
  EXPECT_EQ(half_before_epoch.nanos(), 500000000);
}

// Timestamps outside 0001..9999 or with nanos outside [0, 1e9) are refused.
TEST(ProtoConversionTest, TimestampRange) {
  auto timestamp = [](int64_t seconds, int32_t nanos) {
    google::protobuf::Timestamp t;
    t.set_seconds(seconds);
    t.set_nanos(nanos);
    return t;
  };
  EXPECT_THAT(TimestampToTime(timestamp(kMinTimestampSeconds, 0)), IsOk());
  EXPECT_THAT(TimestampToTime(timestamp(kMaxTimestampSeconds, 999999999)),
              IsOk());
  EXPECT_THAT(TimestampToTime(timestamp(kMinTimestampSeconds - 1, 0)),
              StatusIs(kInvalid));
  EXPECT_THAT(TimestampToTime(timestamp(kMaxTimestampSeconds + 1, 0)),
              StatusIs(kInvalid));
  EXPECT_THAT(TimestampToTime(timestamp(0, -1)), StatusIs(kInvalid));
  EXPECT_THAT(TimestampToTime(timestamp(0, 1000000000)), StatusIs(kInvalid));
  EXPECT_THAT(
      TimestampToTime(timestamp(std::numeric_limits<int64_t>::max(), 0)),
      StatusIs(kInvalid));
  EXPECT_THAT(
      TimestampToTime(timestamp(std::numeric_limits<int64_t>::min(), 0)),
      StatusIs(kInvalid));
  ASSERT_OK_AND_ASSIGN(absl::Time t, TimestampToTime(timestamp(5, 7)));
  EXPECT_EQ(t, absl::FromUnixSeconds(5) + absl::Nanoseconds(7));
}

// Durations: nanos in (-1e9, 1e9) with the sign of the seconds, seconds
// within +-10000 years.
TEST(ProtoConversionTest, DurationRange) {
  auto duration = [](int64_t seconds, int32_t nanos) {
    google::protobuf::Duration d;
    d.set_seconds(seconds);
    d.set_nanos(nanos);
    return d;
  };
  EXPECT_EQ(
      DurationFromProto(duration(1, 500000000)).value_or(absl::ZeroDuration()),
      absl::Milliseconds(1500));
  EXPECT_EQ(DurationFromProto(duration(-1, -500000000))
                .value_or(absl::ZeroDuration()),
            absl::Milliseconds(-1500));
  EXPECT_EQ(DurationFromProto(duration(0, -5)).value_or(absl::ZeroDuration()),
            absl::Nanoseconds(-5));
  EXPECT_EQ(DurationFromProto(duration(0, 0)).value_or(absl::Seconds(1)),
            absl::ZeroDuration());
  EXPECT_THAT(DurationFromProto(duration(kMaxDurationSeconds, 999999999)),
              IsOk());
  EXPECT_THAT(DurationFromProto(duration(-kMaxDurationSeconds, -999999999)),
              IsOk());

  EXPECT_THAT(DurationFromProto(duration(1, -1)), StatusIs(kInvalid));
  EXPECT_THAT(DurationFromProto(duration(-1, 1)), StatusIs(kInvalid));
  EXPECT_THAT(DurationFromProto(duration(0, 1000000000)), StatusIs(kInvalid));
  EXPECT_THAT(DurationFromProto(duration(0, -1000000000)), StatusIs(kInvalid));
  EXPECT_THAT(DurationFromProto(duration(kMaxDurationSeconds + 1, 0)),
              StatusIs(kInvalid));
  EXPECT_THAT(DurationFromProto(duration(-kMaxDurationSeconds - 1, 0)),
              StatusIs(kInvalid));
  EXPECT_THAT(
      DurationFromProto(duration(std::numeric_limits<int64_t>::min(), 0)),
      StatusIs(kInvalid));
}

// Every reject reason maps to the wire enum value of the same name, and
// every wire reason but UNSPECIFIED comes from one reject reason.
TEST(ProtoConversionTest, ReasonToProtoMatchesNames) {
  int mapped = 0;
  for (int i = static_cast<int>(jose::RejectReason::kMalformed);
       i <= static_cast<int>(jose::RejectReason::kTooOld); ++i) {
    const auto reason = static_cast<jose::RejectReason>(i);
    const jwtd::v1::Reason proto = ReasonToProto(reason);
    EXPECT_TRUE(jwtd::v1::Reason_IsValid(proto)) << i;
    EXPECT_NE(proto, jwtd::v1::REASON_UNSPECIFIED) << i;
    EXPECT_EQ(jwtd::v1::Reason_Name(proto),
              absl::StrCat("REASON_", jose::RejectReasonName(reason)));
    ++mapped;
  }
  EXPECT_EQ(mapped + 1, jwtd::v1::Reason_descriptor()->value_count());
}

// ToGrpcStatus keeps the canonical code and the message.
TEST(ProtoConversionTest, ToGrpcStatusKeepsCodeAndMessage) {
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  for (int code = 1; code <= 16; ++code) {
    const absl::Status status(static_cast<absl::StatusCode>(code),
                              absl::StrCat("message ", code));
    const grpc::Status grpc_status = ToGrpcStatus(status);
    EXPECT_EQ(static_cast<int>(grpc_status.error_code()), code);
    EXPECT_EQ(grpc_status.error_message(), absl::StrCat("message ", code));
  }
  EXPECT_EQ(ToGrpcStatus(absl::InvalidArgumentError("bad token")).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ToGrpcStatus(absl::UnavailableError("keys")).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ToGrpcStatus(absl::PermissionDeniedError("no")).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace jwtd::api
