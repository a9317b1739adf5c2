#include "server/jose/json_parser.h"

#include <simdjson.h>

#include <algorithm>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace jwtd::jose {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

absl::Status Invalid(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid JSON: ", why));
}

// Converts simdjson's DOM (already checked for UTF-8, surrogates, number
// range and structure) into Json, enforcing what simdjson does not: unique
// member names and our depth bound. Writes in place (no StatusOr<Json> per
// element: this runs for every claim of every token).
absl::Status Convert(element value, int depth, int max_depth, Json* out) {
  switch (value.type()) {
    case element_type::NULL_VALUE:
      *out = Json();
      return absl::OkStatus();
    case element_type::BOOL:
      *out = Json::Bool(value.get_bool().value_unsafe());
      return absl::OkStatus();
    case element_type::INT64:
      *out = Json::Integer(value.get_int64().value_unsafe());
      return absl::OkStatus();
    case element_type::UINT64:
      // Above INT64_MAX: kept as a (rounded) double.
      *out =
          Json::Double(static_cast<double>(value.get_uint64().value_unsafe()));
      return absl::OkStatus();
    case element_type::DOUBLE:
      *out = Json::Double(value.get_double().value_unsafe());
      return absl::OkStatus();
    case element_type::STRING: {
      const std::string_view text = value.get_string().value_unsafe();
      *out = Json::String(std::string(text.data(), text.size()));
      return absl::OkStatus();
    }
    case element_type::ARRAY: {
      if (depth >= max_depth) return Invalid("nested too deeply");
      simdjson::dom::array items;
      if (value.get_array().get(items) != simdjson::SUCCESS) {
        return Invalid("bad array");
      }
      Json::Array array(items.size());
      size_t i = 0;
      for (element item : items) {
        absl::Status status = Convert(item, depth + 1, max_depth, &array[i++]);
        if (!status.ok()) return status;
      }
      *out = Json::FromArray(std::move(array));
      return absl::OkStatus();
    }
    case element_type::OBJECT: {
      if (depth >= max_depth) return Invalid("nested too deeply");
      simdjson::dom::object members;
      if (value.get_object().get(members) != simdjson::SUCCESS) {
        return Invalid("bad object");
      }
      Json::Object object;
      object.reserve(members.size());
      // Small objects are the norm; a linear scan beats hashing there.
      absl::flat_hash_set<std::string_view> seen;
      const bool use_set = members.size() > 16;
      for (simdjson::dom::key_value_pair member : members) {
        const absl::string_view name(member.key.data(), member.key.size());
        const bool duplicate =
            use_set ? !seen.insert(member.key).second
                    : std::any_of(object.begin(), object.end(),
                                  [&](const Json::Member& existing) {
                                    return SameName(existing.first, name);
                                  });
        if (duplicate) return Invalid("duplicate member name");
        object.emplace_back(std::string(name), Json());
        absl::Status status =
            Convert(member.value, depth + 1, max_depth, &object.back().second);
        if (!status.ok()) return status;
      }
      *out = Json::FromUniqueMembers(std::move(object));
      return absl::OkStatus();
    }
  }
  return Invalid("unknown value type");
}

}  // namespace

absl::StatusOr<Json> ParseJsonObject(absl::string_view text,
                                     const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Invalid(absl::StrCat("larger than ", limits.max_bytes, " bytes"));
  }
  // One parser and one padded input buffer per thread, reused across calls:
  // simdjson reads up to SIMDJSON_PADDING bytes past the input, and copying
  // into a kept buffer avoids an allocation per parse.
  thread_local simdjson::dom::parser parser;
  thread_local std::string padded;
  padded.assign(text.data(), text.size());
  padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
  element root;
  simdjson::error_code error =
      parser.parse(padded.data(), text.size(), /*realloc_if_needed=*/false)
          .get(root);
  if (error != simdjson::SUCCESS) {
    return Invalid(simdjson::error_message(error));
  }
  if (root.type() != element_type::OBJECT) return Invalid("not an object");
  Json json;
  absl::Status status = Convert(root, /*depth=*/0, limits.max_depth, &json);
  if (!status.ok()) return status;
  return json;
}

}  // namespace jwtd::jose
