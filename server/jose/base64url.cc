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
  if (encoded.size() % 4 == 1) {
    return absl::InvalidArgumentError("invalid base64url: bad length");
  }
  std::string out;
  out.reserve(encoded.size() * 3 / 4);
  uint32_t accumulator = 0;
  int bits = 0;
  for (char c : encoded) {
    const uint8_t value = kDecode[static_cast<unsigned char>(c)];
    if (value == kInvalid) {
      return absl::InvalidArgumentError(
          "invalid base64url: character outside the alphabet");
    }
    accumulator = (accumulator << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((accumulator >> bits) & 0xff));
    }
  }
  // Leftover bits (2 or 4) must be zero, or two encodings would decode to
  // the same bytes.
  if (bits > 0 && (accumulator & ((1u << bits) - 1)) != 0) {
    return absl::InvalidArgumentError(
        "invalid base64url: non-zero trailing bits");
  }
  return out;
}

}  // namespace jwtd::jose
