#include "server/jose/json_parser.h"

#include <simdjson.h>

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
// member names and our depth bound.
absl::StatusOr<Json> Convert(element value, int depth, int max_depth) {
  switch (value.type()) {
    case element_type::NULL_VALUE:
      return Json();
    case element_type::BOOL:
      return Json::Bool(value.get_bool().value_unsafe());
    case element_type::INT64:
      return Json::Integer(value.get_int64().value_unsafe());
    case element_type::UINT64:
      // Above INT64_MAX: kept as a (rounded) double.
      return Json::Double(
          static_cast<double>(value.get_uint64().value_unsafe()));
    case element_type::DOUBLE:
      return Json::Double(value.get_double().value_unsafe());
    case element_type::STRING:
      return Json::String(std::string(value.get_string().value_unsafe()));
    case element_type::ARRAY: {
      if (depth >= max_depth) return Invalid("nested too deeply");
      Json array = Json::EmptyArray();
      simdjson::dom::array items;
      if (value.get_array().get(items) != simdjson::SUCCESS) {
        return Invalid("bad array");
      }
      for (element item : items) {
        absl::StatusOr<Json> converted = Convert(item, depth + 1, max_depth);
        if (!converted.ok()) return converted.status();
        array.Append(*std::move(converted));
      }
      return array;
    }
    case element_type::OBJECT: {
      if (depth >= max_depth) return Invalid("nested too deeply");
      Json object = Json::EmptyObject();
      simdjson::dom::object members;
      if (value.get_object().get(members) != simdjson::SUCCESS) {
        return Invalid("bad object");
      }
      // Small objects are the norm; a linear scan beats hashing there.
      absl::flat_hash_set<std::string_view> seen;
      const bool use_set = members.size() > 16;
      for (simdjson::dom::key_value_pair member : members) {
        const bool duplicate =
            use_set ? !seen.insert(member.key).second
                    : object.Find(absl::string_view(
                          member.key.data(), member.key.size())) != nullptr;
        if (duplicate) return Invalid("duplicate member name");
        absl::StatusOr<Json> converted =
            Convert(member.value, depth + 1, max_depth);
        if (!converted.ok()) return converted.status();
        object.Set(std::string(member.key), *std::move(converted));
      }
      return object;
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
  // One parser per thread: its buffers are reused across calls.
  thread_local simdjson::dom::parser parser;
  element root;
  simdjson::error_code error =
      parser.parse(text.data(), text.size(), /*realloc_if_needed=*/true)
          .get(root);
  if (error != simdjson::SUCCESS) {
    return Invalid(simdjson::error_message(error));
  }
  if (root.type() != element_type::OBJECT) return Invalid("not an object");
  return Convert(root, /*depth=*/0, limits.max_depth);
}

}  // namespace jwtd::jose
