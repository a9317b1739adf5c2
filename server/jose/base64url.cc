#include "server/jose/base64url.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#include "absl/status/status.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <tmmintrin.h>
#endif

namespace jwtd::jose {
namespace {

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Decoding tables, one per position in a group of four characters: entry c
// holds c's six bits already shifted to where they land in the three output
// bytes read as a little-endian word, so a group decodes with four loads and
// three ORs. Characters outside the alphabet map to kInvalid, whose bit 24
// survives the ORs (valid entries never reach it).
constexpr uint32_t kInvalid = 0x01ffffff;

enum class Position { kFirst, kSecond, kThird, kFourth };

constexpr std::array<uint32_t, 256> MakeDecodeTable(Position position) {
  std::array<uint32_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (uint32_t v = 0; v < 64; ++v) {
    uint32_t bits = 0;
    switch (position) {
      case Position::kFirst:  // byte 0, high six bits
        bits = v << 2;
        break;
      case Position::kSecond:  // byte 0 low two bits, byte 1 high four
        bits = (v >> 4) | ((v & 0xf) << 12);
        break;
      case Position::kThird:  // byte 1 low four bits, byte 2 high two
        bits = ((v >> 2) << 8) | ((v & 0x3) << 22);
        break;
      case Position::kFourth:  // byte 2 low six bits
        bits = v << 16;
        break;
    }
    table[static_cast<unsigned char>(kAlphabet[v])] = bits;
  }
  return table;
}

constexpr std::array<uint32_t, 256> kDecode0 =
    MakeDecodeTable(Position::kFirst);
constexpr std::array<uint32_t, 256> kDecode1 =
    MakeDecodeTable(Position::kSecond);
constexpr std::array<uint32_t, 256> kDecode2 =
    MakeDecodeTable(Position::kThird);
constexpr std::array<uint32_t, 256> kDecode3 =
    MakeDecodeTable(Position::kFourth);

inline uint32_t DecodeGroup(const unsigned char* in) {
  return kDecode0[in[0]] | kDecode1[in[1]] | kDecode2[in[2]] | kDecode3[in[3]];
}

// Writes the group's three bytes, and one spare byte at dest[3].
inline void StoreGroup(uint32_t word, char* dest) {
  if constexpr (std::endian::native == std::endian::big) {
    word = __builtin_bswap32(word);
  }
  std::memcpy(dest, &word, sizeof(word));
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define JWTD_BASE64_SSSE3 1

// Decodes `blocks` blocks of 16 characters into 12 bytes each, storing 16
// bytes per block: the caller leaves at least 4 writable bytes past the
// last block's output. Returns false if any character is outside the
// alphabet. Classifies by range compares (bytes >= 0x80 are negative in
// the signed compares and so match no range), then packs four 6-bit values
// into three bytes with multiply-adds and a shuffle.
__attribute__((target("ssse3"))) bool DecodeBlocksSsse3(const unsigned char* in,
                                                        size_t blocks,
                                                        char* dest) {
  const auto in_range = [](__m128i v, char lo, char hi) {
    return _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(lo - 1)),
                         _mm_cmplt_epi8(v, _mm_set1_epi8(hi + 1)));
  };
  const __m128i shuffle =
      _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
  __m128i all_valid = _mm_set1_epi8(-1);
  for (size_t b = 0; b < blocks; ++b, in += 16, dest += 12) {
    const __m128i chars = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
    const __m128i upper = in_range(chars, 'A', 'Z');
    const __m128i lower = in_range(chars, 'a', 'z');
    const __m128i digit = in_range(chars, '0', '9');
    const __m128i dash = _mm_cmpeq_epi8(chars, _mm_set1_epi8('-'));
    const __m128i underscore = _mm_cmpeq_epi8(chars, _mm_set1_epi8('_'));
    all_valid = _mm_and_si128(
        all_valid, _mm_or_si128(_mm_or_si128(_mm_or_si128(upper, lower), digit),
                                _mm_or_si128(dash, underscore)));
    // Per class, what to add to the character to get its value.
    __m128i offset = _mm_and_si128(upper, _mm_set1_epi8(-'A'));
    offset =
        _mm_or_si128(offset, _mm_and_si128(lower, _mm_set1_epi8(26 - 'a')));
    offset =
        _mm_or_si128(offset, _mm_and_si128(digit, _mm_set1_epi8(52 - '0')));
    offset = _mm_or_si128(offset, _mm_and_si128(dash, _mm_set1_epi8(62 - '-')));
    offset = _mm_or_si128(offset,
                          _mm_and_si128(underscore, _mm_set1_epi8(63 - '_')));
    const __m128i values = _mm_add_epi8(chars, offset);
    // [a b] -> a*64 + b per 16 bits, then [ab cd] -> ab*4096 + cd per 32.
    const __m128i pairs = _mm_maddubs_epi16(values, _mm_set1_epi32(0x01400140));
    const __m128i groups = _mm_madd_epi16(pairs, _mm_set1_epi32(0x00011000));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dest),
                     _mm_shuffle_epi8(groups, shuffle));
  }
  return _mm_movemask_epi8(all_valid) == 0xffff;
}

bool HasSsse3() {
  static const bool has = __builtin_cpu_supports("ssse3");
  return has;
}
#endif

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

size_t Base64UrlDecodedLength(size_t encoded_length) {
  const size_t remainder = encoded_length % 4;
  return encoded_length / 4 * 3 + (remainder == 0 ? 0 : remainder - 1);
}

absl::Status Base64UrlDecodeTo(absl::string_view encoded,
                               absl::Span<char> out) {
  const size_t remainder = encoded.size() % 4;
  if (remainder == 1) {
    return absl::InvalidArgumentError("invalid base64url: bad length");
  }
  if (out.size() != Base64UrlDecodedLength(encoded.size())) {
    return absl::InvalidArgumentError(
        "base64url: output size does not match the input");
  }
  const size_t full_groups = encoded.size() / 4;
  const auto* in = reinterpret_cast<const unsigned char*>(encoded.data());
  char* dest = out.data();
  // Invalid characters are collected in `seen` (and `valid`) and checked
  // once at the end: no branch per group on the hot path.
  uint32_t seen = 0;
  bool valid = true;
  size_t g = 0;
#ifdef JWTD_BASE64_SSSE3
  // Whole blocks of four groups while at least two more groups follow, so
  // that the 16-byte stores stay inside `out`.
  if (full_groups >= 6 && HasSsse3()) {
    const size_t blocks = (full_groups - 2) / 4;
    valid = DecodeBlocksSsse3(in, blocks, dest);
    g = blocks * 4;
    in += blocks * 16;
    dest += blocks * 12;
  }
#endif
  // Four-byte stores while another group follows to overwrite the spare
  // byte; the last full group stores three.
  for (; g + 1 < full_groups; ++g, in += 4, dest += 3) {
    const uint32_t word = DecodeGroup(in);
    seen |= word;
    StoreGroup(word, dest);
  }
  if (g < full_groups) {
    const uint32_t word = DecodeGroup(in);
    seen |= word;
    dest[0] = static_cast<char>(word);
    dest[1] = static_cast<char>(word >> 8);
    dest[2] = static_cast<char>(word >> 16);
    in += 4;
    dest += 3;
  }
  uint32_t word = 0;
  if (remainder != 0) {
    // Pad the partial group with 'A' (zero bits) to reuse the tables.
    constexpr unsigned char kZero = 'A';
    const unsigned char tail[4] = {in[0], in[1], remainder == 3 ? in[2] : kZero,
                                   kZero};
    word = DecodeGroup(tail);
    seen |= word;
    dest[0] = static_cast<char>(word);
    if (remainder == 3) dest[1] = static_cast<char>(word >> 8);
  }
  if (!valid || (seen & ~uint32_t{0xffffff}) != 0) {
    return absl::InvalidArgumentError(
        "invalid base64url: character outside the alphabet");
  }
  // Leftover bits (4 after two characters, 2 after three) must be zero, or
  // two encodings would decode to the same bytes. In the little-endian word
  // they are byte 1 after two characters and byte 2 after three.
  if ((remainder == 2 && (word & 0x00ff00) != 0) ||
      (remainder == 3 && (word & 0xff0000) != 0)) {
    return absl::InvalidArgumentError(
        "invalid base64url: non-zero trailing bits");
  }
  return absl::OkStatus();
}

absl::Status Base64UrlDecodeTo(absl::string_view encoded, std::string* out) {
  if (encoded.size() % 4 == 1) {
    return absl::InvalidArgumentError("invalid base64url: bad length");
  }
  out->resize(Base64UrlDecodedLength(encoded.size()));
  return Base64UrlDecodeTo(encoded, absl::Span<char>(out->data(), out->size()));
}

absl::StatusOr<std::string> Base64UrlDecode(absl::string_view encoded) {
  std::string out;
  absl::Status status = Base64UrlDecodeTo(encoded, &out);
  if (!status.ok()) return status;
  return out;
}

}  // namespace jwtd::jose
