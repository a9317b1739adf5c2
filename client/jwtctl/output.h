#ifndef JWTD_CLIENT_JWTCTL_OUTPUT_H_
#define JWTD_CLIENT_JWTCTL_OUTPUT_H_

// How jwtctl prints each response on stdout. JSON is the default and is
// meant for scripts (one JSON document, one line); text is a short form for
// people. Every result ends with a newline. Nothing here writes a token
// anywhere but into the returned text of FormatIssue.

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "jwtd/v1/token_service.pb.h"

namespace jwtd::jwtctl {

enum class OutputFormat { kJson, kText };

// "json" or "text"; INVALID_ARGUMENT otherwise.
absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view text);

// JSON: the IssueResponse with proto field names (token, jti, kid, alg,
// issued_at, expires_at as RFC 3339). Text: the token alone, so that
// TOKEN=$(jwtctl --format text issue ...) works.
std::string FormatIssue(const v1::IssueResponse& response, OutputFormat format);

// JSON: the ValidateResponse with proto field names and every scalar field
// present (so .valid and .reason always exist; reason as its enum name).
// Text: "valid (...)" and one line per claim, or "rejected: REASON: detail".
std::string FormatValidate(const v1::ValidateResponse& response,
                           OutputFormat format);

// JSON: the RFC 7662 section 2.2 object: "active" first, then scope,
// client_id, username, token_type, exp, iat, nbf (whole Unix seconds), sub,
// aud (always an array), iss, jti, each only when set. An inactive token is
// exactly {"active":false}, whatever else the response holds.
// Text: "active" and "name: value" lines, or "inactive".
std::string FormatIntrospect(const v1::IntrospectResponse& response,
                             OutputFormat format);

// JSON: the server's JWKS document as it came. Text: one line per key
// (kid, kty, alg, use).
std::string FormatKeySet(const v1::GetKeySetResponse& response,
                         OutputFormat format);

// JSON: the RevokeResponse. Text: "revoked JTI until TIME".
std::string FormatRevoke(const v1::RevokeResponse& response,
                         OutputFormat format);

// A health verdict: {"status":"SERVING"} / {"status":"NOT_SERVING"} in
// JSON, the bare status in text.
std::string FormatHealth(bool serving, OutputFormat format);

// `text` as a JSON string literal, quotes included (RFC 8259: '"', '\' and
// control characters escaped; other bytes kept).
std::string JsonQuote(absl::string_view text);

}  // namespace jwtd::jwtctl

#endif  // JWTD_CLIENT_JWTCTL_OUTPUT_H_
