#include "client/utf8_fields.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"

namespace jwtd {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

absl::Status Utf8Error(const FieldDescriptor& field) {
  return absl::InvalidArgumentError(
      absl::StrCat("field ", field.full_name(), " is not valid UTF-8"));
}

}  // namespace

bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<uint8_t>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    uint32_t code_point;
    uint32_t min_code_point;
    if ((lead & 0xE0) == 0xC0) {
      length = 2;
      code_point = lead & 0x1F;
      min_code_point = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      code_point = lead & 0x0F;
      min_code_point = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      code_point = lead & 0x07;
      min_code_point = 0x10000;
    } else {
      return false;  // A continuation byte or 0xF8..0xFF as a lead byte.
    }
    if (text.size() - i < length) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<uint8_t>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if (code_point < min_code_point || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

absl::Status CheckUtf8Fields(const Message& message) {
  const Reflection& reflection = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);  // Only the fields that are set.
  std::string scratch;
  for (const FieldDescriptor* field : fields) {
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
          if (!IsValidUtf8(reflection.GetRepeatedStringReference(
                  message, field, i, &scratch))) {
            return Utf8Error(*field);
          }
        }
      } else if (!IsValidUtf8(
                     reflection.GetStringReference(message, field, &scratch))) {
        return Utf8Error(*field);
      }
    } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      // Maps are repeated entry messages, so their keys are checked too.
      if (field->is_repeated()) {
        for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
          absl::Status status =
              CheckUtf8Fields(reflection.GetRepeatedMessage(message, field, i));
          if (!status.ok()) return status;
        }
      } else {
        absl::Status status =
            CheckUtf8Fields(reflection.GetMessage(message, field));
        if (!status.ok()) return status;
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace jwtd
