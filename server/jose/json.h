#ifndef JWTD_SERVER_JOSE_JSON_H_
#define JWTD_SERVER_JOSE_JSON_H_

#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"

namespace jwtd::jose {

// An immutable-by-convention JSON value: what a JWT header or claim set
// holds once parsed, and what Issue builds before serialising. Objects keep
// their members in insertion order and never hold two members of one name
// (the strict parser refuses duplicates; Set replaces).
class Json {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  using Array = std::vector<Json>;
  using Member = std::pair<std::string, Json>;
  using Object = std::vector<Member>;

  // A JSON number. Integers that fit int64 keep their exact value.
  struct Number {
    double value = 0;
    bool is_integer = false;
    int64_t integer = 0;
  };

  Json() = default;  // null
  static Json Bool(bool value);
  static Json Integer(int64_t value);
  // `value` must be finite.
  static Json Double(double value);
  // The Number Double(value) holds (integral doubles within int64 are kept
  // exact, so 3.0 and 3 compare and print alike).
  static Number DoubleNumber(double value);
  static Json String(std::string value);
  static Json EmptyArray();
  static Json EmptyObject();
  static Json FromArray(Array elements);
  // `members` must not repeat a name (the caller checked).
  static Json FromUniqueMembers(Object members);

  Type type() const { return static_cast<Type>(value_.index()); }
  bool is_null() const { return type() == Type::kNull; }
  bool is_bool() const { return type() == Type::kBool; }
  bool is_number() const { return type() == Type::kNumber; }
  bool is_string() const { return type() == Type::kString; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_object() const { return type() == Type::kObject; }

  // Accessors; each requires the matching type.
  bool bool_value() const { return std::get<bool>(value_); }
  const Number& number() const { return std::get<Number>(value_); }
  const std::string& string_value() const {
    return std::get<std::string>(value_);
  }
  const Array& array() const { return std::get<Array>(value_); }
  const Object& object() const { return std::get<Object>(value_); }

  // The member named `key` of an object, or nullptr (also for non-objects).
  const Json* Find(absl::string_view key) const;

  // Adds or replaces a member. Requires an object.
  void Set(std::string key, Json value);
  // Appends an element. Requires an array.
  void Append(Json value);

  // Compact RFC 8259 text: no whitespace, members in insertion order,
  // integers exactly, other numbers in shortest round-trip form.
  std::string Serialize() const;
  void AppendTo(std::string* out) const;

  friend bool operator==(const Json& a, const Json& b);

 private:
  // The variant's index order must match Type.
  std::variant<std::monostate, bool, Number, std::string, Array, Object> value_;
};

bool operator==(const Json::Number& a, const Json::Number& b);

// Whether two member names are equal (a fast path for short names).
bool SameName(absl::string_view a, absl::string_view b);

}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_JSON_H_
