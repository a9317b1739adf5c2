#include "client/jwtctl/output.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"

namespace jwtd::jwtctl {
namespace {

using google::protobuf::util::JsonPrintOptions;

std::string ToJson(const google::protobuf::Message& message,
                   bool print_defaults) {
  JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = print_defaults;
  std::string json;
  // Printing a valid message only fails for values JSON cannot hold (e.g.
  // a NaN in a Struct); the caller then still gets a valid document.
  if (!google::protobuf::util::MessageToJsonString(message, &json, options)
           .ok()) {
    return "{}";
  }
  return json;
}

std::string FormatTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                          absl::FromUnixSeconds(timestamp.seconds()),
                          absl::UTCTimeZone());
}

// Appends `"name":value` members to a JSON object being built.
class JsonObject {
 public:
  void AddRaw(absl::string_view name, absl::string_view json_value) {
    absl::StrAppend(&body_, body_.empty() ? "" : ",", JsonQuote(name), ":",
                    json_value);
  }
  void AddString(absl::string_view name, absl::string_view value) {
    if (!value.empty()) AddRaw(name, JsonQuote(value));
  }
  void AddSeconds(absl::string_view name, bool present,
                  const google::protobuf::Timestamp& timestamp) {
    if (present) AddRaw(name, absl::StrCat(timestamp.seconds()));
  }
  std::string Close() const { return absl::StrCat("{", body_, "}"); }

 private:
  std::string body_;
};

}  // namespace

absl::StatusOr<OutputFormat> ParseOutputFormat(absl::string_view text) {
  if (text == "json") return OutputFormat::kJson;
  if (text == "text") return OutputFormat::kText;
  return absl::InvalidArgumentError("--format: expected json or text");
}

std::string JsonQuote(absl::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string FormatIssue(const v1::IssueResponse& response,
                        OutputFormat format) {
  if (format == OutputFormat::kText)
    return absl::StrCat(response.token(), "\n");
  return absl::StrCat(ToJson(response, /*print_defaults=*/false), "\n");
}

std::string FormatValidate(const v1::ValidateResponse& response,
                           OutputFormat format) {
  if (format == OutputFormat::kJson) {
    return absl::StrCat(ToJson(response, /*print_defaults=*/true), "\n");
  }
  if (!response.valid()) {
    return absl::StrCat("rejected: ", v1::Reason_Name(response.reason()),
                        response.detail().empty() ? "" : ": ",
                        response.detail(), "\n");
  }
  std::string out =
      absl::StrCat("valid (kid ", response.kid(), ", alg ", response.alg());
  if (response.has_expires_at()) {
    absl::StrAppend(&out, ", expires ", FormatTime(response.expires_at()));
  }
  absl::StrAppend(&out, ")\n");
  // Struct fields are a hash map: sort for a stable listing.
  std::vector<std::string> names;
  for (const auto& [name, value] : response.claims().fields()) {
    names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    absl::StrAppend(&out, "  ", name, ": ",
                    ToJson(response.claims().fields().at(name), false), "\n");
  }
  return out;
}

std::string FormatIntrospect(const v1::IntrospectResponse& response,
                             OutputFormat format) {
  if (format == OutputFormat::kText) {
    if (!response.active()) return "inactive\n";
    std::string out = "active\n";
    auto line = [&out](absl::string_view name, absl::string_view value) {
      if (!value.empty()) absl::StrAppend(&out, name, ": ", value, "\n");
    };
    line("sub", response.sub());
    line("iss", response.iss());
    line("aud", absl::StrJoin(response.aud(), " "));
    line("scope", response.scope());
    line("client_id", response.client_id());
    line("username", response.username());
    line("token_type", response.token_type());
    line("jti", response.jti());
    if (response.has_iat()) line("iat", FormatTime(response.iat()));
    if (response.has_nbf()) line("nbf", FormatTime(response.nbf()));
    if (response.has_exp()) line("exp", FormatTime(response.exp()));
    return out;
  }
  if (!response.active()) return "{\"active\":false}\n";
  JsonObject json;
  json.AddRaw("active", "true");
  json.AddString("scope", response.scope());
  json.AddString("client_id", response.client_id());
  json.AddString("username", response.username());
  json.AddString("token_type", response.token_type());
  json.AddSeconds("exp", response.has_exp(), response.exp());
  json.AddSeconds("iat", response.has_iat(), response.iat());
  json.AddSeconds("nbf", response.has_nbf(), response.nbf());
  json.AddString("sub", response.sub());
  if (!response.aud().empty()) {
    std::vector<std::string> quoted;
    for (const std::string& audience : response.aud()) {
      quoted.push_back(JsonQuote(audience));
    }
    json.AddRaw("aud", absl::StrCat("[", absl::StrJoin(quoted, ","), "]"));
  }
  json.AddString("iss", response.iss());
  json.AddString("jti", response.jti());
  return absl::StrCat(json.Close(), "\n");
}

std::string FormatKeySet(const v1::GetKeySetResponse& response,
                         OutputFormat format) {
  google::protobuf::Struct jwks;
  if (format == OutputFormat::kJson ||
      !google::protobuf::util::JsonStringToMessage(response.jwks(), &jwks)
           .ok()) {
    std::string out = response.jwks();
    if (out.empty() || out.back() != '\n') out += '\n';
    return out;
  }
  std::string out;
  auto keys = jwks.fields().find("keys");
  if (keys == jwks.fields().end()) return "no keys\n";
  for (const google::protobuf::Value& key :
       keys->second.list_value().values()) {
    std::vector<std::string> parts;
    for (const char* member : {"kid", "kty", "alg", "use"}) {
      auto it = key.struct_value().fields().find(member);
      if (it != key.struct_value().fields().end()) {
        parts.push_back(absl::StrCat(member, "=", it->second.string_value()));
      }
    }
    absl::StrAppend(&out, absl::StrJoin(parts, " "), "\n");
  }
  return out;
}

std::string FormatRevoke(const v1::RevokeResponse& response,
                         OutputFormat format) {
  if (format == OutputFormat::kJson) {
    return absl::StrCat(ToJson(response, /*print_defaults=*/false), "\n");
  }
  return absl::StrCat("revoked ", response.jti(), " until ",
                      FormatTime(response.revoked_until()), "\n");
}

std::string FormatHealth(bool serving, OutputFormat format) {
  const absl::string_view status = serving ? "SERVING" : "NOT_SERVING";
  if (format == OutputFormat::kJson) {
    return absl::StrCat("{\"status\":\"", status, "\"}\n");
  }
  return absl::StrCat(status, "\n");
}

}  // namespace jwtd::jwtctl
