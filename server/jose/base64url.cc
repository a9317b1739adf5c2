#include "server/jose/base64url.h"

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>

#include "absl/status/status.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
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
#define JWTD_BASE64_SIMD 1

// Block decoding, 16 characters into 12 bytes (SSSE3) or 32 into 24 (AVX2).
//
// Validation by nibble lookups (after Mula and Lemire, "Faster Base64
// Encoding and Decoding using AVX2 Instructions"), redone for the url
// alphabet: each high nibble selects a class bit, and kInvalidForLow[low]
// holds the classes for which that low nibble is not in the alphabet, so a
// character is valid exactly when the two lookups share no bit. Then a
// per-high-nibble offset gives the 6-bit value ('_' alone needs a fix), and
// multiply-adds and a shuffle pack four values into three bytes.
//
// Class bits by high nibble: 0x2 '-'; 0x3 digits; 0x4 and 0x6 letters from
// low nibble 1; 0x5 'P'-'Z' and '_'; 0x7 'p'-'z'; any other high nibble
// (control bytes, bytes >= 0x80) has no valid character.
constexpr char k2 = 0x01, k3 = 0x02, k46 = 0x04, k5 = 0x08, k7 = 0x10,
               kNone = 0x20;
alignas(16) constexpr char kClassOfHigh[16] = {
    kNone, kNone, k2,    k3,    k46,   k5,    k46,   k7,
    kNone, kNone, kNone, kNone, kNone, kNone, kNone, kNone};
alignas(16) constexpr char kInvalidForLow[16] = {
    /*0*/ kNone | k2 | k46,
    /*1*/ kNone | k2,
    /*2*/ kNone | k2,
    /*3*/ kNone | k2,
    /*4*/ kNone | k2,
    /*5*/ kNone | k2,
    /*6*/ kNone | k2,
    /*7*/ kNone | k2,
    /*8*/ kNone | k2,
    /*9*/ kNone | k2,
    /*A*/ kNone | k2 | k3,
    /*B*/ kNone | k2 | k3 | k5 | k7,
    /*C*/ kNone | k2 | k3 | k5 | k7,
    /*D*/ kNone | k3 | k5 | k7,
    /*E*/ kNone | k2 | k3 | k5 | k7,
    /*F*/ kNone | k2 | k3 | k7,
};
// What to add to a valid character, by high nibble: '-' -> 62, digits ->
// 52.., 'A'.. -> 0.., 'a'.. -> 26..; '_' (0x5F) is fixed up after.
alignas(16) constexpr char kOffsetOfHigh[16] = {
    0, 0, 62 - '-', 52 - '0', -'A', -'A', 26 - 'a', 26 - 'a',
    0, 0, 0,        0,        0,    0,    0,        0};
constexpr char kUnderscoreFix = 63 - ('_' - 'A');
// Per 32-bit lane, the group's three bytes in order; the last four unused.
alignas(16) constexpr char kPackShuffle[16] = {2, 1,  0,  6,  5,  4,  10, 9,
                                               8, 14, 13, 12, -1, -1, -1, -1};

// Decodes `blocks` blocks of 16 characters, storing 16 bytes per block
// (12 of output): the caller leaves 4 writable bytes past the last block's
// output. Returns false if any character is outside the alphabet.
__attribute__((target("ssse3"))) bool DecodeBlocksSsse3(const unsigned char* in,
                                                        size_t blocks,
                                                        char* dest) {
  const __m128i class_of_high =
      _mm_load_si128(reinterpret_cast<const __m128i*>(kClassOfHigh));
  const __m128i invalid_for_low =
      _mm_load_si128(reinterpret_cast<const __m128i*>(kInvalidForLow));
  const __m128i offset_of_high =
      _mm_load_si128(reinterpret_cast<const __m128i*>(kOffsetOfHigh));
  const __m128i pack_shuffle =
      _mm_load_si128(reinterpret_cast<const __m128i*>(kPackShuffle));
  const __m128i nibble = _mm_set1_epi8(0x0f);
  const __m128i underscore = _mm_set1_epi8('_');
  const __m128i underscore_fix = _mm_set1_epi8(kUnderscoreFix);
  __m128i invalid = _mm_setzero_si128();
  for (size_t b = 0; b < blocks; ++b, in += 16, dest += 12) {
    const __m128i chars = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
    const __m128i high = _mm_and_si128(_mm_srli_epi16(chars, 4), nibble);
    const __m128i low = _mm_and_si128(chars, nibble);
    invalid = _mm_or_si128(
        invalid, _mm_and_si128(_mm_shuffle_epi8(class_of_high, high),
                               _mm_shuffle_epi8(invalid_for_low, low)));
    __m128i values =
        _mm_add_epi8(chars, _mm_shuffle_epi8(offset_of_high, high));
    values = _mm_add_epi8(
        values,
        _mm_and_si128(_mm_cmpeq_epi8(chars, underscore), underscore_fix));
    // [a b] -> a*64 + b per 16 bits, then [ab cd] -> ab*4096 + cd per 32.
    const __m128i pairs = _mm_maddubs_epi16(values, _mm_set1_epi32(0x01400140));
    const __m128i groups = _mm_madd_epi16(pairs, _mm_set1_epi32(0x00011000));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dest),
                     _mm_shuffle_epi8(groups, pack_shuffle));
  }
  return _mm_movemask_epi8(_mm_cmpeq_epi8(invalid, _mm_setzero_si128())) ==
         0xffff;
}

// The same with 32 characters per block, storing 32 bytes per block (24 of
// output): the caller leaves 8 writable bytes past the last block's output.
__attribute__((target("avx2"))) bool DecodeBlocksAvx2(const unsigned char* in,
                                                      size_t blocks,
                                                      char* dest) {
  // pshufb looks up within each 128-bit half: both halves get the table.
  // (Plain loads, not a lambda: a lambda would not inherit the target.)
  const __m256i class_of_high = _mm256_broadcastsi128_si256(
      _mm_load_si128(reinterpret_cast<const __m128i*>(kClassOfHigh)));
  const __m256i invalid_for_low = _mm256_broadcastsi128_si256(
      _mm_load_si128(reinterpret_cast<const __m128i*>(kInvalidForLow)));
  const __m256i offset_of_high = _mm256_broadcastsi128_si256(
      _mm_load_si128(reinterpret_cast<const __m128i*>(kOffsetOfHigh)));
  const __m256i pack_shuffle = _mm256_broadcastsi128_si256(
      _mm_load_si128(reinterpret_cast<const __m128i*>(kPackShuffle)));
  // Each half packs 12 bytes at its start; close the gap between them.
  const __m256i compact = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 3, 7);
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  const __m256i underscore = _mm256_set1_epi8('_');
  const __m256i underscore_fix = _mm256_set1_epi8(kUnderscoreFix);
  __m256i invalid = _mm256_setzero_si256();
  for (size_t b = 0; b < blocks; ++b, in += 32, dest += 24) {
    const __m256i chars =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in));
    const __m256i high = _mm256_and_si256(_mm256_srli_epi16(chars, 4), nibble);
    const __m256i low = _mm256_and_si256(chars, nibble);
    invalid = _mm256_or_si256(
        invalid, _mm256_and_si256(_mm256_shuffle_epi8(class_of_high, high),
                                  _mm256_shuffle_epi8(invalid_for_low, low)));
    __m256i values =
        _mm256_add_epi8(chars, _mm256_shuffle_epi8(offset_of_high, high));
    values = _mm256_add_epi8(
        values,
        _mm256_and_si256(_mm256_cmpeq_epi8(chars, underscore), underscore_fix));
    const __m256i pairs =
        _mm256_maddubs_epi16(values, _mm256_set1_epi32(0x01400140));
    const __m256i groups =
        _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    const __m256i packed = _mm256_permutevar8x32_epi32(
        _mm256_shuffle_epi8(groups, pack_shuffle), compact);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dest), packed);
  }
  return _mm256_testz_si256(invalid, invalid) != 0;
}

#endif

// Highest block decoder that may run: 2 AVX2, 1 SSSE3, 0 none (tests lower
// it to cover every path on one machine).
std::atomic<int> simd_cap{2};

bool UseSsse3() {
#ifdef JWTD_BASE64_SIMD
  static const bool has = __builtin_cpu_supports("ssse3");
  return has && simd_cap.load(std::memory_order_relaxed) >= 1;
#else
  return false;
#endif
}

bool UseAvx2() {
#ifdef JWTD_BASE64_SIMD
  static const bool has = __builtin_cpu_supports("avx2");
  return has && simd_cap.load(std::memory_order_relaxed) >= 2;
#else
  return false;
#endif
}

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
#ifdef JWTD_BASE64_SIMD
  // Whole blocks while enough groups follow for the wide stores to stay
  // inside `out`: 8 spare bytes (3 groups) after an AVX2 block, 4 (2 groups)
  // after an SSSE3 block.
  if (full_groups >= 11 && UseAvx2()) {
    const size_t blocks = (full_groups - 3) / 8;
    valid = DecodeBlocksAvx2(in, blocks, dest);
    g = blocks * 8;
    in += blocks * 32;
    dest += blocks * 24;
  }
  if (full_groups - g >= 6 && UseSsse3()) {
    const size_t blocks = (full_groups - g - 2) / 4;
    valid = DecodeBlocksSsse3(in, blocks, dest) && valid;
    g += blocks * 4;
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

namespace internal {

int SetBase64UrlSimdCapForTesting(int cap) {
  return simd_cap.exchange(cap, std::memory_order_relaxed);
}

}  // namespace internal
}  // namespace jwtd::jose
