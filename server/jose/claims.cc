#include "server/jose/claims.h"

#include <simdjson.h>

#include <cmath>

#include "absl/strings/str_cat.h"
#include "server/jose/reject_reason.h"

namespace jwtd::jose {
namespace {

absl::Status InvalidClaim(absl::string_view name, absl::string_view why) {
  return TokenRejected(RejectReason::kInvalidClaim,
                       absl::StrCat("claim \"", name, "\" ", why));
}

absl::Status ReadString(const Json& claims, absl::string_view name,
                        std::optional<std::string>* out) {
  const Json* value = claims.Find(name);
  if (value == nullptr) return absl::OkStatus();
  if (!value->is_string()) return InvalidClaim(name, "is not a string");
  *out = value->string_value();
  return absl::OkStatus();
}

// The NumericDate range rules, shared by both readers: what is wrong with
// `number` as a NumericDate, or null (and *out set) when nothing is.
const char* NumericDateViolation(const Json::Number& number,
                                 std::optional<absl::Time>* out) {
  if (number.is_integer) {
    if (number.integer < 0 || number.integer > kMaxNumericDate) {
      return "is out of range";
    }
    *out = absl::FromUnixSeconds(number.integer);
    return nullptr;
  }
  if (!std::isfinite(number.value) || number.value < 0 ||
      number.value > kMaxNumericDate) {
    return "is out of range";
  }
  *out = absl::UnixEpoch() + absl::Seconds(number.value);
  return nullptr;
}

absl::Status ReadNumericDate(const Json& claims, absl::string_view name,
                             std::optional<absl::Time>* out) {
  const Json* value = claims.Find(name);
  if (value == nullptr) return absl::OkStatus();
  if (!value->is_number()) return InvalidClaim(name, "is not a number");
  if (const char* why = NumericDateViolation(value->number(), out)) {
    return InvalidClaim(name, why);
  }
  return absl::OkStatus();
}

absl::Status ReadAudiences(const Json& claims, std::vector<std::string>* out) {
  const Json* value = claims.Find("aud");
  if (value == nullptr) return absl::OkStatus();
  if (value->is_string()) {
    out->push_back(value->string_value());
    return absl::OkStatus();
  }
  if (!value->is_array() || value->array().empty()) {
    return InvalidClaim("aud", "is not a string or a non-empty array");
  }
  for (const Json& element : value->array()) {
    if (!element.is_string()) {
      return InvalidClaim("aud", "holds a non-string element");
    }
    out->push_back(element.string_value());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RegisteredClaims> ReadRegisteredClaims(const Json& claims) {
  RegisteredClaims registered;
  absl::Status status = ReadString(claims, "iss", &registered.issuer);
  if (status.ok()) status = ReadString(claims, "sub", &registered.subject);
  if (status.ok()) status = ReadString(claims, "jti", &registered.jwt_id);
  if (status.ok()) status = ReadAudiences(claims, &registered.audiences);
  if (status.ok()) {
    status = ReadNumericDate(claims, "exp", &registered.expires_at);
  }
  if (status.ok()) {
    status = ReadNumericDate(claims, "nbf", &registered.not_before);
  }
  if (status.ok()) {
    status = ReadNumericDate(claims, "iat", &registered.issued_at);
  }
  if (!status.ok()) return status;
  return registered;
}

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

absl::string_view StringOf(const element& value) {
  const std::string_view text = value.get_string().value_unsafe();
  return absl::string_view(text.data(), text.size());
}

// The view readers return what is wrong with a claim, or null: no Status
// on the hot path, where every claim is fine.

const char* ReadStringView(const element* value,
                           std::optional<absl::string_view>* out) {
  if (value == nullptr) return nullptr;
  if (!value->is_string()) return "is not a string";
  *out = StringOf(*value);
  return nullptr;
}

const char* ReadNumericDateView(const element* value,
                                std::optional<absl::Time>* out) {
  if (value == nullptr) return nullptr;
  // The same Number the Json conversion (json_parser.cc) would make.
  Json::Number number;
  switch (value->type()) {
    case element_type::INT64: {
      const int64_t integer = value->get_int64().value_unsafe();
      number = Json::Number{static_cast<double>(integer), true, integer};
      break;
    }
    case element_type::UINT64:
      number = Json::DoubleNumber(
          static_cast<double>(value->get_uint64().value_unsafe()));
      break;
    case element_type::DOUBLE:
      number = Json::DoubleNumber(value->get_double().value_unsafe());
      break;
    default:
      return "is not a number";
  }
  return NumericDateViolation(number, out);
}

const char* ReadAudienceViews(const element* value,
                              absl::InlinedVector<absl::string_view, 4>* out) {
  if (value == nullptr) return nullptr;
  if (value->is_string()) {
    out->push_back(StringOf(*value));
    return nullptr;
  }
  simdjson::dom::array elements;
  if (value->get_array().get(elements) != simdjson::SUCCESS ||
      elements.size() == 0) {
    return "is not a string or a non-empty array";
  }
  for (element item : elements) {
    if (!item.is_string()) return "holds a non-string element";
    out->push_back(StringOf(item));
  }
  return nullptr;
}

}  // namespace

absl::Status ReadRegisteredClaimViews(const simdjson::dom::object& claims,
                                      RegisteredClaimViews* out) {
  // One pass over the members picks out the seven registered names (all of
  // three letters); names are unique (the parser refused duplicates).
  enum Slot { kIss, kSub, kJti, kAud, kExp, kNbf, kIat, kSlots };
  element found[kSlots];
  bool present[kSlots] = {};
  constexpr auto kKey = [](const char* name) {
    return static_cast<uint32_t>(static_cast<unsigned char>(name[0])) |
           static_cast<uint32_t>(static_cast<unsigned char>(name[1])) << 8 |
           static_cast<uint32_t>(static_cast<unsigned char>(name[2])) << 16;
  };
  for (simdjson::dom::key_value_pair member : claims) {
    const std::string_view name = member.key;
    if (name.size() != 3) continue;
    Slot slot;
    switch (kKey(name.data())) {
      case kKey("iss"):
        slot = kIss;
        break;
      case kKey("sub"):
        slot = kSub;
        break;
      case kKey("jti"):
        slot = kJti;
        break;
      case kKey("aud"):
        slot = kAud;
        break;
      case kKey("exp"):
        slot = kExp;
        break;
      case kKey("nbf"):
        slot = kNbf;
        break;
      case kKey("iat"):
        slot = kIat;
        break;
      default:
        continue;
    }
    found[slot] = member.value;
    present[slot] = true;
  }
  auto at = [&](Slot slot) { return present[slot] ? &found[slot] : nullptr; };
  // The order of ReadRegisteredClaims, so that the first error is the same.
  const char* why = nullptr;
  absl::string_view name;
  if ((why = ReadStringView(at(kIss), &out->issuer))) {
    name = "iss";
  } else if ((why = ReadStringView(at(kSub), &out->subject))) {
    name = "sub";
  } else if ((why = ReadStringView(at(kJti), &out->jwt_id))) {
    name = "jti";
  } else if ((why = ReadAudienceViews(at(kAud), &out->audiences))) {
    name = "aud";
  } else if ((why = ReadNumericDateView(at(kExp), &out->expires_at))) {
    name = "exp";
  } else if ((why = ReadNumericDateView(at(kNbf), &out->not_before))) {
    name = "nbf";
  } else if ((why = ReadNumericDateView(at(kIat), &out->issued_at))) {
    name = "iat";
  }
  if (why != nullptr) return InvalidClaim(name, why);
  return absl::OkStatus();
}

Json NumericDate(absl::Time time) {
  return Json::Integer(absl::ToUnixSeconds(time));
}

}  // namespace jwtd::jose
