#ifndef JWTD_CLIENT_UTF8_FIELDS_H_
#define JWTD_CLIENT_UTF8_FIELDS_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace jwtd {

// True when `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
bool IsValidUtf8(absl::string_view text);

// Checks every `string` field of `message`, recursively through
// sub-messages, repeated fields and maps (so also a google.protobuf.Struct).
// proto3 strings must be UTF-8: a peer's parser refuses anything else, and
// the failure surfaces as an opaque INTERNAL error. Checking before sending
// gives the caller a clear INVALID_ARGUMENT that names the field instead.
// `bytes` fields are not checked.
absl::Status CheckUtf8Fields(const google::protobuf::Message& message);

}  // namespace jwtd

#endif  // JWTD_CLIENT_UTF8_FIELDS_H_
