#include "server/jose/json.h"

#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "server/util/json_string.h"

namespace jwtd::jose {

bool SameName(absl::string_view a, absl::string_view b) {
  // Claim names are short and often of equal length ("iss", "sub", "aud"):
  // comparing the first byte before memcmp skips most calls.
  return a.size() == b.size() && (a.empty() || a[0] == b[0]) && a == b;
}

Json Json::Bool(bool value) {
  Json json;
  json.value_ = value;
  return json;
}

Json Json::Integer(int64_t value) {
  Json json;
  json.value_ = Number{static_cast<double>(value), true, value};
  return json;
}

Json::Number Json::DoubleNumber(double value) {
  Number number{value, false, 0};
  // Keep integral doubles exact so that 3.0 and 3 compare and print alike.
  if (std::isfinite(value) && std::trunc(value) == value &&
      std::fabs(value) < 9.2e18) {
    number.is_integer = true;
    number.integer = static_cast<int64_t>(value);
  }
  return number;
}

Json Json::Double(double value) {
  Json json;
  json.value_ = DoubleNumber(value);
  return json;
}

Json Json::String(std::string value) {
  Json json;
  json.value_ = std::move(value);
  return json;
}

Json Json::EmptyArray() {
  Json json;
  json.value_ = Array();
  return json;
}

Json Json::EmptyObject() {
  Json json;
  json.value_ = Object();
  return json;
}

Json Json::FromArray(Array elements) {
  Json json;
  json.value_ = std::move(elements);
  return json;
}

Json Json::FromUniqueMembers(Object members) {
  Json json;
  json.value_ = std::move(members);
  return json;
}

const Json* Json::Find(absl::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [name, value] : object()) {
    if (SameName(name, key)) return &value;
  }
  return nullptr;
}

void Json::Set(std::string key, Json value) {
  Object& members = std::get<Object>(value_);
  for (auto& member : members) {
    if (member.first == key) {
      member.second = std::move(value);
      return;
    }
  }
  members.emplace_back(std::move(key), std::move(value));
}

void Json::Append(Json value) {
  std::get<Array>(value_).push_back(std::move(value));
}

std::string Json::Serialize() const {
  std::string out;
  AppendTo(&out);
  return out;
}

void Json::AppendTo(std::string* out) const {
  switch (type()) {
    case Type::kNull:
      out->append("null");
      return;
    case Type::kBool:
      out->append(bool_value() ? "true" : "false");
      return;
    case Type::kNumber: {
      const Number& n = number();
      if (n.is_integer) {
        absl::StrAppend(out, n.integer);
        return;
      }
      char buffer[32];
      auto result = std::to_chars(buffer, buffer + sizeof(buffer), n.value);
      const absl::string_view text(buffer, result.ptr - buffer);
      if (text.find_first_of(".e") == absl::string_view::npos) {
        // A whole number beyond int64 would print as a long integer literal,
        // which strict parsers refuse: write it in exponent form instead.
        result = std::to_chars(buffer, buffer + sizeof(buffer), n.value,
                               std::chars_format::scientific);
      }
      out->append(buffer, result.ptr);
      return;
    }
    case Type::kString:
      AppendJsonString(string_value(), out);
      return;
    case Type::kArray: {
      out->push_back('[');
      bool first = true;
      for (const Json& element : array()) {
        if (!first) out->push_back(',');
        first = false;
        element.AppendTo(out);
      }
      out->push_back(']');
      return;
    }
    case Type::kObject: {
      out->push_back('{');
      bool first = true;
      for (const auto& [name, value] : object()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(name, out);
        out->push_back(':');
        value.AppendTo(out);
      }
      out->push_back('}');
      return;
    }
  }
}

bool operator==(const Json::Number& a, const Json::Number& b) {
  if (a.is_integer && b.is_integer) return a.integer == b.integer;
  return a.value == b.value;
}

bool operator==(const Json& a, const Json& b) { return a.value_ == b.value_; }

}  // namespace jwtd::jose
