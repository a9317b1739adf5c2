#include "client/jwtctl/request_builder.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"

namespace jwtd::jwtctl {
namespace {

void ToProto(absl::Time time, google::protobuf::Timestamp* out) {
  const int64_t seconds = absl::ToUnixSeconds(time);  // Rounds down.
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
}

void ToProto(absl::Duration duration, google::protobuf::Duration* out) {
  const int64_t seconds = absl::ToInt64Seconds(duration);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(
      absl::ToInt64Nanoseconds(duration - absl::Seconds(seconds))));
}

// Splits "key=value" at the first '='. The value is not echoed in errors:
// claim values may be secrets.
absl::StatusOr<std::pair<std::string, std::string>> SplitKeyValue(
    absl::string_view flag, absl::string_view text) {
  const size_t eq = text.find('=');
  if (eq == absl::string_view::npos || eq == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": expected name=value"));
  }
  return std::make_pair(std::string(text.substr(0, eq)),
                        std::string(text.substr(eq + 1)));
}

absl::Status AddClaim(absl::string_view flag, std::string name,
                      google::protobuf::Value value,
                      google::protobuf::Struct* claims) {
  if (claims->fields().contains(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": claim \"", name, "\" given twice"));
  }
  (*claims->mutable_fields())[std::move(name)] = std::move(value);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<absl::Duration> ParsePositiveDuration(absl::string_view flag,
                                                     absl::string_view text) {
  absl::Duration duration;
  if (!absl::ParseDuration(text, &duration)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": \"", text,
                     "\" is not a duration (examples: 90s, 15m, 1h30m)"));
  }
  if (duration <= absl::ZeroDuration() ||
      duration == absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, ": must be positive and finite"));
  }
  return duration;
}

absl::StatusOr<absl::Time> ParseTimeArg(absl::string_view flag,
                                        absl::string_view text) {
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return absl::ascii_isdigit(c);
      })) {
    int64_t seconds;
    if (!absl::SimpleAtoi(text, &seconds)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": Unix seconds out of range"));
    }
    return absl::FromUnixSeconds(seconds);
  }
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, ": \"", text,
        "\" is neither an RFC 3339 time (2026-11-29T11:00:00Z) nor Unix "
        "seconds"));
  }
  return time;
}

absl::StatusOr<v1::IssueRequest> BuildIssueRequest(const CommandLine& cli) {
  v1::IssueRequest request;
  std::optional<std::string> subject = cli.Value("sub");
  if (!subject.has_value() || subject->empty()) {
    return absl::InvalidArgumentError("issue: --sub is required");
  }
  request.set_subject(*std::move(subject));
  for (const std::string& audience : cli.Values("aud")) {
    request.add_audiences(audience);
  }
  if (std::optional<std::string> ttl = cli.Value("ttl"); ttl.has_value()) {
    absl::StatusOr<absl::Duration> duration =
        ParsePositiveDuration("ttl", *ttl);
    if (!duration.ok()) return duration.status();
    ToProto(*duration, request.mutable_ttl());
  }
  if (std::optional<std::string> scope = cli.Value("scope");
      scope.has_value()) {
    request.set_scope(*std::move(scope));
  }
  if (std::optional<std::string> nbf = cli.Value("nbf"); nbf.has_value()) {
    absl::StatusOr<absl::Time> time = ParseTimeArg("nbf", *nbf);
    if (!time.ok()) return time.status();
    ToProto(*time, request.mutable_not_before());
  }
  google::protobuf::Struct claims;
  for (const std::string& claim : cli.Values("claim")) {
    auto key_value = SplitKeyValue("claim", claim);
    if (!key_value.ok()) return key_value.status();
    google::protobuf::Value value;
    value.set_string_value(std::move(key_value->second));
    absl::Status added = AddClaim("claim", std::move(key_value->first),
                                  std::move(value), &claims);
    if (!added.ok()) return added;
  }
  for (const std::string& claim : cli.Values("claim-json")) {
    auto key_value = SplitKeyValue("claim-json", claim);
    if (!key_value.ok()) return key_value.status();
    google::protobuf::Value value;
    if (!google::protobuf::util::JsonStringToMessage(key_value->second, &value)
             .ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--claim-json: the value of \"", key_value->first,
                       "\" is not valid JSON"));
    }
    absl::Status added = AddClaim("claim-json", std::move(key_value->first),
                                  std::move(value), &claims);
    if (!added.ok()) return added;
  }
  if (!claims.fields().empty()) *request.mutable_claims() = std::move(claims);
  return request;
}

absl::StatusOr<v1::ValidateRequest> BuildValidateRequest(const CommandLine& cli,
                                                         std::string token) {
  v1::ValidateRequest request;
  request.set_token(std::move(token));
  const std::vector<std::string>& audiences = cli.Values("aud");
  if (audiences.size() > 1) {
    return absl::InvalidArgumentError("validate: at most one --aud");
  }
  if (!audiences.empty()) request.set_audience(audiences.front());
  for (const std::string& scope : cli.Values("require-scope")) {
    request.add_required_scopes(scope);
  }
  for (const std::string& requirement : cli.Values("require-claim")) {
    v1::ClaimRequirement* claim = request.add_required_claims();
    const size_t eq = requirement.find('=');
    if (eq == 0 || requirement.empty()) {
      return absl::InvalidArgumentError(
          "--require-claim: expected name=value or name");
    }
    claim->set_claim(requirement.substr(0, eq));
    if (eq != std::string::npos) claim->add_values(requirement.substr(eq + 1));
  }
  return request;
}

absl::StatusOr<v1::RevokeRequest> BuildRevokeRequest(
    const CommandLine& cli, std::optional<std::string> token) {
  v1::RevokeRequest request;
  std::optional<std::string> jti = cli.Value("jti");
  if (token.has_value() && jti.has_value()) {
    return absl::InvalidArgumentError(
        "revoke: give a token or --jti ID, not both");
  }
  if (!token.has_value() && !jti.has_value()) {
    return absl::InvalidArgumentError("revoke: give a token or --jti ID");
  }
  std::optional<std::string> until = cli.Value("until");
  if (jti.has_value()) {
    if (jti->empty()) return absl::InvalidArgumentError("--jti: empty");
    if (!until.has_value()) {
      return absl::InvalidArgumentError("revoke: --jti needs --until TIME");
    }
    request.set_jti(*std::move(jti));
  } else {
    request.set_token(*std::move(token));
  }
  if (until.has_value()) {
    absl::StatusOr<absl::Time> time = ParseTimeArg("until", *until);
    if (!time.ok()) return time.status();
    ToProto(*time, request.mutable_until());
  }
  return request;
}

}  // namespace jwtd::jwtctl
