#include "server/jose/base64url.h"

#include <array>
#include <cstdint>

#include "absl/status/status.h"

namespace jwtd::jose {
namespace {

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> MakeDecodeTable() {
  std::array<uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (uint8_t i = 0; i < 64; ++i) {
    table[static_cast<unsigned char>(kAlphabet[i])] = i;
  }
  return table;
}

constexpr std::array<uint8_t, 256> kDecode = MakeDecodeTable();

}  // namespace

std::string Base64UrlEncode(absl::string_view data) {
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t group = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out.push_back(kAlphabet[(group >> 18) & 63]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
    out.push_back(kAlphabet[(group >> 6) & 63]);
    out.push_back(kAlphabet[group & 63]);
  }
  const size_t rest = data.size() - i;
  if (rest == 1) {
    uint32_t group = bytes[i] << 16;
    out.push_back(kAlphabet[(group >> 18) & 63]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
  } else if (rest == 2) {
    uint32_t group = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out.push_back(kAlphabet[(group >> 18) & 63]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
    out.push_back(kAlphabet[(group >> 6) & 63]);
  }
  return out;
}

absl::StatusOr<std::string> Base64UrlDecode(absl::string_view encoded) {
  const size_t remainder = encoded.size() % 4;
  if (remainder == 1) {
    return absl::InvalidArgumentError("invalid base64url: bad length");
  }
  const size_t full_groups = encoded.size() / 4;
  std::string out(full_groups * 3 + (remainder == 0 ? 0 : remainder - 1), '\0');
  const auto* in = reinterpret_cast<const unsigned char*>(encoded.data());
  char* dest = out.data();
  // Four characters make three bytes; an invalid character sets the high
  // bit of its table entry, so one OR over the group detects it.
  for (size_t g = 0; g < full_groups; ++g, in += 4, dest += 3) {
    const uint32_t a = kDecode[in[0]], b = kDecode[in[1]], c = kDecode[in[2]],
                   d = kDecode[in[3]];
    if ((a | b | c | d) & 0x80) {
      return absl::InvalidArgumentError(
          "invalid base64url: character outside the alphabet");
    }
    const uint32_t group = (a << 18) | (b << 12) | (c << 6) | d;
    dest[0] = static_cast<char>(group >> 16);
    dest[1] = static_cast<char>(group >> 8);
    dest[2] = static_cast<char>(group);
  }
  if (remainder == 0) return out;

  uint32_t group = 0;
  for (size_t i = 0; i < remainder; ++i) {
    const uint32_t value = kDecode[in[i]];
    if (value & 0x80) {
      return absl::InvalidArgumentError(
          "invalid base64url: character outside the alphabet");
    }
    group |= value << (18 - 6 * i);
  }
  dest[0] = static_cast<char>(group >> 16);
  if (remainder == 3) dest[1] = static_cast<char>(group >> 8);
  // Leftover bits (4 after two characters, 2 after three) must be zero, or
  // two encodings would decode to the same bytes.
  const uint32_t unused_bits = remainder == 2 ? 0xffff : 0xff;
  if ((group & unused_bits) != 0) {
    return absl::InvalidArgumentError(
        "invalid base64url: non-zero trailing bits");
  }
  return out;
}

}  // namespace jwtd::jose
