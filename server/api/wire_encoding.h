#ifndef JWTD_SERVER_API_WIRE_ENCODING_H_
#define JWTD_SERVER_API_WIRE_ENCODING_H_

// Protobuf wire encoding written by hand for the hot path: a token's claims
// as a google.protobuf.Struct, straight from jwtd's JSON tree, without
// building the Struct's map of Value messages (which costs more than
// validating an HS256 token). The bytes are exactly what parsing them as a
// Struct gives back as JsonToStruct's result (tested against it).

#include <string>

#include "absl/strings/string_view.h"
#include "server/jose/json.h"

namespace jwtd::api {

// Appends the wire encoding of the google.protobuf.Struct that
// JsonToStruct(object) would build. `object` must be a JSON object.
void AppendStructWire(const jose::Json& object, std::string* out);

// Appends field `field_number` holding an embedded message (wire type 2)
// whose encoded bytes are `message`.
void AppendMessageField(int field_number, absl::string_view message,
                        std::string* out);

}  // namespace jwtd::api

#endif  // JWTD_SERVER_API_WIRE_ENCODING_H_
