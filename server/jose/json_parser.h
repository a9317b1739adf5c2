#ifndef JWTD_SERVER_JOSE_JSON_PARSER_H_
#define JWTD_SERVER_JOSE_JSON_PARSER_H_

#include <cstddef>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/jose/json.h"

namespace simdjson::dom {
class object;
}  // namespace simdjson::dom

namespace jwtd::jose {

// Readable bytes past the end of a text that let ParseJsonObjectView parse
// it in place instead of on a copy (simdjson's padding).
inline constexpr size_t kJsonPadding = 64;

// Bounds applied before and while parsing untrusted JSON.
struct JsonLimits {
  size_t max_bytes = 8192;
  // Depth of nested arrays/objects; the top-level object is depth 1.
  int max_depth = 16;
};

// Parses untrusted JSON strictly (RFC 8259, I-JSON rules of RFC 7493 where
// they matter for JOSE): valid UTF-8 only, no lone surrogates, no duplicate
// member names at any depth, numbers that fit a double (no infinities) and
// integer literals within 64 bits (RFC 7493 section 2.2), no trailing garbage,
// at most `limits` in size and depth. The top-level value must be an object.
// Any violation is INVALID_ARGUMENT with a short reason; the input is never
// echoed back in the message. Thread-safe.
absl::StatusOr<Json> ParseJsonObject(absl::string_view text,
                                     const JsonLimits& limits = {});

// The same checks, without building a Json: for text ParseJsonObject would
// accept, calls `visit` once with the root object and returns OK; otherwise
// returns ParseJsonObject's error and never calls `visit`. The object and
// every view into it (strings, keys) are valid only during the call. For
// hot paths that read a few members (JWT claims) instead of the whole tree.
// Thread-safe; `visit` may parse again.
// `readable_past_end` says how many bytes after `text` may be read (their
// values do not matter); with kJsonPadding or more, no copy is made.
absl::Status ParseJsonObjectView(
    absl::string_view text, const JsonLimits& limits,
    absl::FunctionRef<void(const simdjson::dom::object&)> visit,
    size_t readable_past_end = 0);

}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_JSON_PARSER_H_
