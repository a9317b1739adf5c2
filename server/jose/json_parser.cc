#include "server/jose/json_parser.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace jwtd::jose {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

absl::Status Invalid(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid JSON: ", why));
}

// Enforces on simdjson's DOM (already checked for UTF-8, surrogates,
// number range and structure) what simdjson does not: unique member names
// and our depth bound. Depth first, members in order, so the first
// violation reported is stable.
bool IsContainer(const element& value) {
  const element_type type = value.type();
  return type == element_type::ARRAY || type == element_type::OBJECT;
}

absl::Status Check(element value, int depth, int max_depth) {
  switch (value.type()) {
    case element_type::ARRAY: {
      if (depth >= max_depth) return Invalid("nested too deeply");
      simdjson::dom::array items;
      if (value.get_array().get(items) != simdjson::SUCCESS) {
        return Invalid("bad array");
      }
      for (element item : items) {
        if (!IsContainer(item)) continue;  // Scalars need no check.
        absl::Status status = Check(item, depth + 1, max_depth);
        if (!status.ok()) return status;
      }
      return absl::OkStatus();
    }
    case element_type::OBJECT: {
      if (depth >= max_depth) return Invalid("nested too deeply");
      simdjson::dom::object members;
      if (value.get_object().get(members) != simdjson::SUCCESS) {
        return Invalid("bad object");
      }
      // Small objects are the norm: names seen so far are kept on the stack
      // (left uninitialised: only [0, count) is read), and a 64-bit filter
      // on length and first and last byte skips the scan for nearly every
      // name that is new.
      constexpr size_t kSmall = 16;
      // Pointers and lengths apart: storing a string_view and reloading it
      // whole stalls store forwarding.
      const char* small_data[kSmall];
      size_t small_size[kSmall];
      size_t count = 0;
      uint64_t filter = 0;
      absl::flat_hash_set<std::string_view> seen;
      const bool use_set = members.size() > kSmall;
      for (simdjson::dom::key_value_pair member : members) {
        const std::string_view name = member.key;
        bool duplicate = false;
        if (use_set) {
          duplicate = !seen.insert(name).second;
        } else {
          const unsigned shift =
              name.empty() ? 0
                           : (name.size() * 7 +
                              static_cast<unsigned char>(name.front()) * 3 +
                              static_cast<unsigned char>(name.back())) &
                                 63;
          const uint64_t bit = uint64_t{1} << shift;
          if (filter & bit) {
            for (size_t i = 0; i < count && !duplicate; ++i) {
              duplicate =
                  small_size[i] == name.size() &&
                  std::memcmp(small_data[i], name.data(), name.size()) == 0;
            }
          }
          filter |= bit;
          small_data[count] = name.data();
          small_size[count] = name.size();
          ++count;
        }
        if (duplicate) return Invalid("duplicate member name");
        if (!IsContainer(member.value)) continue;
        absl::Status status = Check(member.value, depth + 1, max_depth);
        if (!status.ok()) return status;
      }
      return absl::OkStatus();
    }
    default:
      return absl::OkStatus();
  }
}

void Convert(element value, Json* out);

void ConvertObject(const simdjson::dom::object& members, Json* out) {
  Json::Object object;
  object.reserve(members.size());
  for (simdjson::dom::key_value_pair member : members) {
    object.emplace_back(std::string(member.key), Json());
    Convert(member.value, &object.back().second);
  }
  // Check has refused duplicate names.
  *out = Json::FromUniqueMembers(std::move(object));
}

// Converts a DOM that passed Check into Json. Writes in place (no
// StatusOr<Json> per element).
void Convert(element value, Json* out) {
  switch (value.type()) {
    case element_type::NULL_VALUE:
      *out = Json();
      return;
    case element_type::BOOL:
      *out = Json::Bool(value.get_bool().value_unsafe());
      return;
    case element_type::INT64:
      *out = Json::Integer(value.get_int64().value_unsafe());
      return;
    case element_type::UINT64:
      // Above INT64_MAX: kept as a (rounded) double.
      *out =
          Json::Double(static_cast<double>(value.get_uint64().value_unsafe()));
      return;
    case element_type::DOUBLE:
      *out = Json::Double(value.get_double().value_unsafe());
      return;
    case element_type::STRING: {
      const std::string_view text = value.get_string().value_unsafe();
      *out = Json::String(std::string(text.data(), text.size()));
      return;
    }
    case element_type::ARRAY: {
      const simdjson::dom::array items = value.get_array().value_unsafe();
      Json::Array array(items.size());
      size_t i = 0;
      for (element item : items) Convert(item, &array[i++]);
      *out = Json::FromArray(std::move(array));
      return;
    }
    case element_type::OBJECT:
      ConvertObject(value.get_object().value_unsafe(), out);
      return;
  }
}

// One parser and one padded input buffer, reused across calls on a thread:
// simdjson reads up to SIMDJSON_PADDING bytes past the input, and copying
// into a kept buffer avoids an allocation per parse.
static_assert(kJsonPadding >= simdjson::SIMDJSON_PADDING);

struct ThreadParser {
  simdjson::dom::parser parser;
  std::string padded;
  bool in_use = false;
};

}  // namespace

absl::Status ParseJsonObjectView(
    absl::string_view text, const JsonLimits& limits,
    absl::FunctionRef<void(const simdjson::dom::object&)> visit,
    size_t readable_past_end) {
  if (text.size() > limits.max_bytes) {
    return Invalid(absl::StrCat("larger than ", limits.max_bytes, " bytes"));
  }
  thread_local ThreadParser thread_parser;
  // A visitor that parses again on this thread gets a parser of its own, so
  // the outer document stays intact.
  std::optional<ThreadParser> nested;
  ThreadParser& tp = thread_parser.in_use ? nested.emplace() : thread_parser;
  const char* input = text.data();
  if (readable_past_end < simdjson::SIMDJSON_PADDING) {
    tp.padded.assign(text.data(), text.size());
    tp.padded.resize(text.size() + simdjson::SIMDJSON_PADDING);
    input = tp.padded.data();
  }
  element root;
  simdjson::error_code error =
      tp.parser.parse(input, text.size(), /*realloc_if_needed=*/false)
          .get(root);
  if (error != simdjson::SUCCESS) {
    return Invalid(simdjson::error_message(error));
  }
  if (root.type() != element_type::OBJECT) return Invalid("not an object");
  absl::Status status = Check(root, /*depth=*/0, limits.max_depth);
  if (!status.ok()) return status;
  struct InUse {
    explicit InUse(bool* flag) : flag(flag) { *flag = true; }
    ~InUse() { *flag = false; }
    bool* flag;
  } in_use(&tp.in_use);
  visit(root.get_object().value_unsafe());
  return absl::OkStatus();
}

absl::StatusOr<Json> ParseJsonObject(absl::string_view text,
                                     const JsonLimits& limits) {
  Json json;
  absl::Status status = ParseJsonObjectView(
      text, limits,
      [&](const simdjson::dom::object& root) { ConvertObject(root, &json); });
  if (!status.ok()) return status;
  return json;
}

}  // namespace jwtd::jose
