#include "server/api/proto_conversion.h"

#include <cmath>
#include <string>

namespace jwtd::api {
namespace {

constexpr int64_t kMinTimestampSeconds = -62135596800;  // 0001-01-01
constexpr int64_t kMaxTimestampSeconds = 253402300799;  // 9999-12-31
constexpr int64_t kMaxDurationSeconds = 315576000000;   // 10000 years
constexpr int32_t kNanosPerSecond = 1000000000;

absl::StatusOr<jose::Json> ValueToJson(const google::protobuf::Value& value,
                                       int depth) {
  using google::protobuf::Value;
  switch (value.kind_case()) {
    case Value::kNullValue:
      return jose::Json();
    case Value::kBoolValue:
      return jose::Json::Bool(value.bool_value());
    case Value::kNumberValue:
      if (!std::isfinite(value.number_value())) {
        return absl::InvalidArgumentError("claim numbers must be finite");
      }
      return jose::Json::Double(value.number_value());
    case Value::kStringValue:
      return jose::Json::String(value.string_value());
    case Value::kListValue: {
      if (depth >= kMaxStructDepth) {
        return absl::InvalidArgumentError("claims are nested too deeply");
      }
      jose::Json array = jose::Json::EmptyArray();
      for (const Value& element : value.list_value().values()) {
        absl::StatusOr<jose::Json> converted = ValueToJson(element, depth + 1);
        if (!converted.ok()) return converted.status();
        array.Append(*std::move(converted));
      }
      return array;
    }
    case Value::kStructValue: {
      if (depth >= kMaxStructDepth) {
        return absl::InvalidArgumentError("claims are nested too deeply");
      }
      jose::Json object = jose::Json::EmptyObject();
      for (const auto& [name, member] : value.struct_value().fields()) {
        absl::StatusOr<jose::Json> converted = ValueToJson(member, depth + 1);
        if (!converted.ok()) return converted.status();
        object.Set(name, *std::move(converted));
      }
      return object;
    }
    case Value::KIND_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("a claim value has no kind set");
}

}  // namespace

void JsonToValue(const jose::Json& json, google::protobuf::Value* value) {
  switch (json.type()) {
    case jose::Json::Type::kNull:
      value->set_null_value(google::protobuf::NULL_VALUE);
      return;
    case jose::Json::Type::kBool:
      value->set_bool_value(json.bool_value());
      return;
    case jose::Json::Type::kNumber:
      value->set_number_value(json.number().value);
      return;
    case jose::Json::Type::kString:
      value->set_string_value(json.string_value());
      return;
    case jose::Json::Type::kArray: {
      auto* list = value->mutable_list_value();
      for (const jose::Json& element : json.array()) {
        JsonToValue(element, list->add_values());
      }
      return;
    }
    case jose::Json::Type::kObject:
      JsonToStruct(json, value->mutable_struct_value());
      return;
  }
}

void JsonToStruct(const jose::Json& json, google::protobuf::Struct* out) {
  auto* fields = out->mutable_fields();
  for (const auto& [name, member] : json.object()) {
    JsonToValue(member, &(*fields)[name]);
  }
}

absl::StatusOr<jose::Json> StructToJson(const google::protobuf::Struct& in) {
  google::protobuf::Value wrapper;
  *wrapper.mutable_struct_value() = in;
  return ValueToJson(wrapper, 0);
}

void TimeToTimestamp(absl::Time time, google::protobuf::Timestamp* out) {
  const int64_t seconds = absl::ToUnixSeconds(time);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
}

absl::StatusOr<absl::Time> TimestampToTime(
    const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() < kMinTimestampSeconds ||
      timestamp.seconds() > kMaxTimestampSeconds || timestamp.nanos() < 0 ||
      timestamp.nanos() >= kNanosPerSecond) {
    return absl::InvalidArgumentError("timestamp out of range");
  }
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

absl::StatusOr<absl::Duration> DurationFromProto(
    const google::protobuf::Duration& duration) {
  const int64_t seconds = duration.seconds();
  const int32_t nanos = duration.nanos();
  if (seconds > kMaxDurationSeconds || seconds < -kMaxDurationSeconds ||
      nanos <= -kNanosPerSecond || nanos >= kNanosPerSecond ||
      (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
    return absl::InvalidArgumentError("duration out of range");
  }
  return absl::Seconds(seconds) + absl::Nanoseconds(nanos);
}

jwtd::v1::Reason ReasonToProto(jose::RejectReason reason) {
  // The enums share their numbers by construction (reject_reason.h).
  return static_cast<jwtd::v1::Reason>(static_cast<int>(reason));
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace jwtd::api
