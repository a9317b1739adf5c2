// Fuzzes the strict JSON parser that reads every token header, claim set and
// JWKS: ParseJsonObject, then a serialize/re-parse round trip and the size
// and depth bounds (see docs/fuzzing.md). A violated property traps.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/jose/json.h"
#include "server/jose/json_parser.h"
#include "tests/fuzz/fuzz_util.h"

namespace jwtd::jose {
namespace {

using ::jwtd::fuzzing::Require;

// Looser than any caller's bounds, so that depth and size limits can be
// checked against the value actually parsed.
constexpr JsonLimits kWideLimits{.max_bytes = 1 << 20, .max_depth = 64};
// An input must never appear in an error message. Checked for inputs this
// long that hold a '{', which no fixed message text (ours or simdjson's)
// contains: other inputs can coincide with that text (the fuzzer finds
// such inputs), which says nothing about echoing.
constexpr size_t kMinEchoCheckLength = 32;

// Nesting depth as JsonLimits counts it: the top-level object is 1, scalars
// add nothing.
int Depth(const Json& json) {
  int inner = 0;
  if (json.is_array()) {
    for (const Json& element : json.array()) {
      inner = std::max(inner, Depth(element));
    }
    return inner + 1;
  }
  if (json.is_object()) {
    for (const Json::Member& member : json.object()) {
      inner = std::max(inner, Depth(member.second));
    }
    return inner + 1;
  }
  return 0;
}

void CheckError(const absl::Status& status, absl::string_view input) {
  Require(status.code() == absl::StatusCode::kInvalidArgument,
          "parser failure is not INVALID_ARGUMENT");
  if (input.size() >= kMinEchoCheckLength &&
      input.find('{') != absl::string_view::npos) {
    Require(status.message().find(input) == absl::string_view::npos,
            "parser error echoes the input");
  }
}

void FuzzJson(absl::string_view input) {
  const JsonLimits default_limits;
  absl::StatusOr<Json> strict = ParseJsonObject(input, default_limits);
  absl::StatusOr<Json> wide = ParseJsonObject(input, kWideLimits);
  if (!strict.ok()) CheckError(strict.status(), input);
  if (!wide.ok()) {
    CheckError(wide.status(), input);
    Require(!strict.ok(), "tighter limits accepted what wider ones refused");
    return;
  }

  // The bounds decide exactly: size and depth within them parse, and give
  // the same value whatever the limits.
  Require(wide->is_object(), "top-level value is not an object");
  const int depth = Depth(*wide);
  Require(depth >= 1 && depth <= kWideLimits.max_depth,
          "accepted a value nested beyond max_depth");
  const bool within_default = input.size() <= default_limits.max_bytes &&
                              depth <= default_limits.max_depth;
  Require(strict.ok() == within_default,
          "size/depth limits disagree with the value parsed");
  if (strict.ok()) {
    Require(*strict == *wide, "the limits changed the value parsed");
  }

  // Serialize writes strict JSON that parses back to an equal value, and
  // serializing that gives the same text (a fixed point).
  const std::string text = wide->Serialize();
  absl::StatusOr<Json> reparsed =
      ParseJsonObject(text, {.max_bytes = std::numeric_limits<size_t>::max(),
                             .max_depth = kWideLimits.max_depth});
  Require(reparsed.ok(), "Serialize() output does not parse");
  Require(*reparsed == *wide, "Serialize() round trip changed the value");
  Require(reparsed->Serialize() == text, "Serialize() is not a fixed point");
}

}  // namespace
}  // namespace jwtd::jose

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  jwtd::jose::FuzzJson(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
