#include "server/api/wire_encoding.h"

#include <cstdint>
#include <cstring>

namespace jwtd::api {
namespace {

// google.protobuf.Value's fields (struct.proto).
constexpr int kNullValue = 1;    // enum NullValue, varint
constexpr int kNumberValue = 2;  // double, fixed64
constexpr int kStringValue = 3;
constexpr int kBoolValue = 4;
constexpr int kStructValue = 5;
constexpr int kListValue = 6;
// Struct.fields (map entries), ListValue.values, and a map entry's key and
// value.
constexpr int kStructFields = 1;
constexpr int kListValues = 1;
constexpr int kEntryKey = 1;
constexpr int kEntryValue = 2;

constexpr uint32_t kVarint = 0;
constexpr uint32_t kFixed64 = 1;
constexpr uint32_t kLengthDelimited = 2;

size_t VarintSize(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

void AppendVarint(uint64_t value, std::string* out) {
  if (value < 0x80) {  // Tags and most lengths: one byte.
    out->push_back(static_cast<char>(value));
    return;
  }
  char bytes[10];
  size_t n = 0;
  while (value >= 0x80) {
    bytes[n++] = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  bytes[n++] = static_cast<char>(value);
  out->append(bytes, n);
}

void AppendTag(int field, uint32_t wire_type, std::string* out) {
  AppendVarint((static_cast<uint64_t>(field) << 3) | wire_type, out);
}

size_t TagSize(int field) {
  return VarintSize(static_cast<uint64_t>(field) << 3);
}

size_t DelimitedSize(int field, size_t length) {
  return TagSize(field) + VarintSize(length) + length;
}

size_t StructSize(const jose::Json& object);
size_t ValueSize(const jose::Json& json);

size_t ListSize(const jose::Json& array) {
  size_t size = 0;
  for (const jose::Json& element : array.array()) {
    size += DelimitedSize(kListValues, ValueSize(element));
  }
  return size;
}

// The size of a Value message.
size_t ValueSize(const jose::Json& json) {
  switch (json.type()) {
    case jose::Json::Type::kNull:
      return TagSize(kNullValue) + 1;
    case jose::Json::Type::kBool:
      return TagSize(kBoolValue) + 1;
    case jose::Json::Type::kNumber:
      return TagSize(kNumberValue) + 8;
    case jose::Json::Type::kString:
      return DelimitedSize(kStringValue, json.string_value().size());
    case jose::Json::Type::kArray:
      return DelimitedSize(kListValue, ListSize(json));
    case jose::Json::Type::kObject:
      return DelimitedSize(kStructValue, StructSize(json));
  }
  return 0;
}

size_t EntrySize(const std::string& name, const jose::Json& value) {
  return DelimitedSize(kEntryKey, name.size()) +
         DelimitedSize(kEntryValue, ValueSize(value));
}

// The size of a Struct message.
size_t StructSize(const jose::Json& object) {
  size_t size = 0;
  for (const auto& [name, member] : object.object()) {
    size += DelimitedSize(kStructFields, EntrySize(name, member));
  }
  return size;
}

void AppendValue(const jose::Json& json, std::string* out);

void AppendStructBody(const jose::Json& object, std::string* out) {
  for (const auto& [name, member] : object.object()) {
    AppendTag(kStructFields, kLengthDelimited, out);
    AppendVarint(EntrySize(name, member), out);
    AppendTag(kEntryKey, kLengthDelimited, out);
    AppendVarint(name.size(), out);
    out->append(name);
    AppendTag(kEntryValue, kLengthDelimited, out);
    AppendVarint(ValueSize(member), out);
    AppendValue(member, out);
  }
}

void AppendValue(const jose::Json& json, std::string* out) {
  switch (json.type()) {
    case jose::Json::Type::kNull:
      AppendTag(kNullValue, kVarint, out);
      out->push_back('\0');
      return;
    case jose::Json::Type::kBool:
      AppendTag(kBoolValue, kVarint, out);
      out->push_back(json.bool_value() ? '\1' : '\0');
      return;
    case jose::Json::Type::kNumber: {
      AppendTag(kNumberValue, kFixed64, out);
      const double value = json.number().value;
      uint64_t bits;
      std::memcpy(&bits, &value, sizeof(bits));
      for (int i = 0; i < 8; ++i) {
        out->push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
      }
      return;
    }
    case jose::Json::Type::kString:
      AppendTag(kStringValue, kLengthDelimited, out);
      AppendVarint(json.string_value().size(), out);
      out->append(json.string_value());
      return;
    case jose::Json::Type::kArray:
      AppendTag(kListValue, kLengthDelimited, out);
      AppendVarint(ListSize(json), out);
      for (const jose::Json& element : json.array()) {
        AppendTag(kListValues, kLengthDelimited, out);
        AppendVarint(ValueSize(element), out);
        AppendValue(element, out);
      }
      return;
    case jose::Json::Type::kObject:
      AppendTag(kStructValue, kLengthDelimited, out);
      AppendVarint(StructSize(json), out);
      AppendStructBody(json, out);
      return;
  }
}

}  // namespace

void AppendStructWire(const jose::Json& object, std::string* out) {
  out->reserve(out->size() + StructSize(object));
  AppendStructBody(object, out);
}

void AppendMessageField(int field_number, absl::string_view message,
                        std::string* out) {
  AppendTag(field_number, kLengthDelimited, out);
  AppendVarint(message.size(), out);
  out->append(message.data(), message.size());
}

}  // namespace jwtd::api
