#ifndef JWTD_SERVER_API_PROTO_CONVERSION_H_
#define JWTD_SERVER_API_PROTO_CONVERSION_H_

// Conversions between the service's types and the wire types of
// jwtd.v1: JSON <-> Struct, absl time <-> Timestamp/Duration, reject
// reasons, and absl::Status -> grpc::Status. No business rules here.

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "grpcpp/support/status.h"
#include "jwtd/v1/token_service.pb.h"
#include "server/jose/json.h"
#include "server/jose/reject_reason.h"

namespace jwtd::api {

// Deepest Struct nesting accepted from a caller.
inline constexpr int kMaxStructDepth = 16;

// A JSON value as a protobuf Value (numbers become doubles).
void JsonToValue(const jose::Json& json, google::protobuf::Value* value);
// A JSON object as a Struct. Requires json.is_object().
void JsonToStruct(const jose::Json& json, google::protobuf::Struct* out);

// A caller's Struct as a JSON object. Whole-number doubles become JSON
// integers. INVALID_ARGUMENT for NaN or infinite numbers, a value with no
// kind set, or nesting deeper than kMaxStructDepth.
absl::StatusOr<jose::Json> StructToJson(const google::protobuf::Struct& in);

void TimeToTimestamp(absl::Time time, google::protobuf::Timestamp* out);
// INVALID_ARGUMENT outside 0001-01-01..9999-12-31 or with nanos outside
// [0, 1e9).
absl::StatusOr<absl::Time> TimestampToTime(
    const google::protobuf::Timestamp& timestamp);
// INVALID_ARGUMENT for nanos outside (-1e9, 1e9) or of the other sign than
// the seconds, or seconds beyond +-10000 years.
absl::StatusOr<absl::Duration> DurationFromProto(
    const google::protobuf::Duration& duration);

jwtd::v1::Reason ReasonToProto(jose::RejectReason reason);

// Same code, same message.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace jwtd::api

#endif  // JWTD_SERVER_API_PROTO_CONVERSION_H_
