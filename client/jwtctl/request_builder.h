#ifndef JWTD_CLIENT_JWTCTL_REQUEST_BUILDER_H_
#define JWTD_CLIENT_JWTCTL_REQUEST_BUILDER_H_

// Turns jwtctl's flags into jwtd.v1 requests. Only the shape of each value
// is checked here (a duration parses, a claim is key=value, JSON is JSON);
// what is allowed (maximum TTL, reserved claim names, ...) is the server's
// call, so jwtctl never disagrees with the server it talks to.
//
// Every error is INVALID_ARGUMENT with a message that names the flag.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/jwtctl/args.h"
#include "jwtd/v1/token_service.pb.h"

namespace jwtd::jwtctl {

// A positive, finite Go-style duration: "90s", "15m", "1h30m", "250ms".
absl::StatusOr<absl::Duration> ParsePositiveDuration(absl::string_view flag,
                                                     absl::string_view text);

// An RFC 3339 time ("2026-11-29T11:00:00Z", "2026-11-29T12:00:00.5+01:00")
// or whole Unix seconds ("1795950000").
absl::StatusOr<absl::Time> ParseTimeArg(absl::string_view flag,
                                        absl::string_view text);

// issue: --sub (required), --aud (repeatable), --ttl, --scope,
// --claim key=value (a string claim; repeatable), --claim-json key=<JSON>
// (any JSON value; repeatable), --nbf. A claim name given twice is an error.
absl::StatusOr<v1::IssueRequest> BuildIssueRequest(const CommandLine& cli);

// validate: `token`, --aud (at most one), --require-scope (repeatable),
// --require-claim name=value (repeatable; each one must hold, so
// role=admin twice with different values asks for both) or just name (the
// claim must be present).
absl::StatusOr<v1::ValidateRequest> BuildValidateRequest(const CommandLine& cli,
                                                         std::string token);

// revoke: either `token` or --jti; --until is required with --jti and
// optional with a token.
absl::StatusOr<v1::RevokeRequest> BuildRevokeRequest(
    const CommandLine& cli, std::optional<std::string> token);

}  // namespace jwtd::jwtctl

#endif  // JWTD_CLIENT_JWTCTL_REQUEST_BUILDER_H_
