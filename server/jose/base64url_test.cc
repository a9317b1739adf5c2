#include "server/jose/base64url.h"

#include <random>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace jwtd::jose {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::StatusIs;
using ::testing::Eq;

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

struct Vector {
  const char* decoded;
  const char* encoded;
};

// RFC 4648 section 10, without the padding that base64url in JWS omits.
constexpr Vector kRfc4648Vectors[] = {
    {"", ""},
    {"f", "Zg"},
    {"fo", "Zm8"},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg"},
    {"fooba", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy"},
};

// Encoding matches the RFC vectors and decoding inverts it.
TEST(Base64UrlTest, Rfc4648Vectors) {
  for (const Vector& v : kRfc4648Vectors) {
    EXPECT_EQ(Base64UrlEncode(v.decoded), v.encoded) << v.decoded;
    EXPECT_THAT(Base64UrlDecode(v.encoded), IsOk()) << v.encoded;
    EXPECT_EQ(Base64UrlDecode(v.encoded).value_or("<error>"), v.decoded);
  }
}

// The url alphabet uses '-' and '_' where standard base64 uses '+' and '/'.
TEST(Base64UrlTest, UsesUrlAlphabet) {
  // 0xfb 0xff -> 111110 111111 1111(00): 62, 63, 60.
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlDecode("-_8").value_or("<error>"), "\xfb\xff");
  // 0xf8 -> 111110 00(0000): 62, 0 -> "-A".
  EXPECT_EQ(Base64UrlEncode("\xf8"), "-A");
}

// Every alphabet character decodes to its own 6-bit value.
TEST(Base64UrlTest, WholeAlphabetRoundTrips) {
  const std::string alphabet = kAlphabet;
  ASSERT_EQ(alphabet.size(), 64u);
  ASSERT_OK_AND_ASSIGN(std::string bytes, Base64UrlDecode(alphabet));
  EXPECT_EQ(bytes.size(), 48u);
  EXPECT_EQ(Base64UrlEncode(bytes), alphabet);
}

// Random bytes of every length 0..64 survive encode/decode, and the encoding
// is unpadded and of the expected length.
TEST(Base64UrlTest, RoundTripsAllLengths) {
  std::mt19937 rng(20231114);
  std::uniform_int_distribution<int> byte(0, 255);
  for (size_t length = 0; length <= 64; ++length) {
    std::string data;
    for (size_t i = 0; i < length; ++i)
      data.push_back(static_cast<char>(byte(rng)));
    const std::string encoded = Base64UrlEncode(data);
    EXPECT_EQ(encoded.size(), (length * 4 + 2) / 3) << length;
    EXPECT_EQ(encoded.find_first_not_of(kAlphabet), std::string::npos);
    EXPECT_THAT(Base64UrlDecode(encoded), IsOk()) << length;
    EXPECT_EQ(Base64UrlDecode(encoded).value_or("<error>"), data) << length;
  }
}

// Padding, the standard alphabet, whitespace and other stray characters are
// refused: only the canonical url alphabet is accepted.
TEST(Base64UrlTest, RejectsCharactersOutsideTheAlphabet) {
  const std::string bad[] = {
      "Zg==",
      "Zg=",
      "Zm9vYg==",
      "Zm9v=",
      "+_8",
      "-/8",
      "Zm 9v",
      " Zm9v",
      "Zm9v ",
      "Zm9v\n",
      "Zm9v\r\n",
      "Zm\t9v",
      "Zm9v.",
      "Zm9*",
      "Zm9~",
      std::string("Zm\0v", 4),
      "Zm9\xc3\xa9",  // 'é' in UTF-8
      "\x80"
      "AAA",
      "AAA\xff",
  };
  for (const std::string& encoded : bad) {
    EXPECT_THAT(Base64UrlDecode(encoded),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << "input: " << ::testing::PrintToString(encoded);
  }
}

// A length of 1 mod 4 cannot come from any byte string.
TEST(Base64UrlTest, RejectsLengthOneModFour) {
  for (const char* encoded : {"A", "Zm9vY", "Zm9vYmFyZ"}) {
    EXPECT_THAT(Base64UrlDecode(encoded),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << encoded;
  }
}

// Leftover bits must be zero: "QQ" is the only encoding of "A"; "QR".."QX"
// would decode to the same byte and are refused.
TEST(Base64UrlTest, RejectsNonZeroTrailingBits) {
  EXPECT_EQ(Base64UrlDecode("QQ").value_or("<error>"), "A");
  EXPECT_THAT(Base64UrlDecode("QR"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64UrlDecode("QX"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(Base64UrlDecode("QUI").value_or("<error>"), "AB");
  EXPECT_THAT(Base64UrlDecode("QUJ"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Base64UrlDecode("QUL"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Exhaustively over all 2- and 3-character strings of the alphabet: a string
// decodes exactly when it is the encoding of what it decodes to, so every
// byte string has one accepted encoding.
TEST(Base64UrlTest, EveryAcceptedEncodingIsCanonical) {
  int accepted = 0;
  for (char a : std::string(kAlphabet)) {
    for (char b : std::string(kAlphabet)) {
      const std::string two = {a, b};
      absl::StatusOr<std::string> decoded = Base64UrlDecode(two);
      if (decoded.ok()) {
        ++accepted;
        EXPECT_EQ(Base64UrlEncode(*decoded), two);
      }
      for (char c : std::string(kAlphabet)) {
        const std::string three = {a, b, c};
        decoded = Base64UrlDecode(three);
        if (decoded.ok()) {
          ++accepted;
          EXPECT_EQ(Base64UrlEncode(*decoded), three);
        }
      }
    }
  }
  // 256 one-byte strings plus 65536 two-byte strings, each exactly once.
  EXPECT_THAT(accepted, Eq(256 + 65536));
}

// Long inputs are decoded in blocks (32 or 16 characters at a time where
// the CPU allows). Each test below runs once per path: no blocks, SSSE3
// blocks, AVX2 blocks (paths the CPU lacks fall back to the narrower ones).
class Base64UrlPathTest : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    previous_ = internal::SetBase64UrlSimdCapForTesting(GetParam());
  }
  void TearDown() override {
    internal::SetBase64UrlSimdCapForTesting(previous_);
  }

 private:
  int previous_ = 2;
};

INSTANTIATE_TEST_SUITE_P(AllPaths, Base64UrlPathTest,
                         ::testing::Values(0, 1, 2));

// Random bytes of every length up to 400 round-trip, through both the
// std::string and the span overloads.
TEST_P(Base64UrlPathTest, RoundTripsLongInputs) {
  std::mt19937 rng(20261129);
  std::uniform_int_distribution<int> byte(0, 255);
  for (size_t length = 0; length <= 400; ++length) {
    std::string data;
    for (size_t i = 0; i < length; ++i)
      data.push_back(static_cast<char>(byte(rng)));
    const std::string encoded = Base64UrlEncode(data);
    EXPECT_EQ(Base64UrlDecode(encoded).value_or("<error>"), data) << length;
    ASSERT_EQ(Base64UrlDecodedLength(encoded.size()), length);
    std::string out(length, '?');
    EXPECT_THAT(Base64UrlDecodeTo(encoded, absl::Span<char>(out)), IsOk());
    EXPECT_EQ(out, data) << length;
  }
}

// In a long input, every byte value at every position is refused unless it
// is in the alphabet, whichever block (or none) decodes that position.
TEST_P(Base64UrlPathTest, RejectsEveryOutsiderAtEveryPosition) {
  const std::string alphabet = kAlphabet;
  for (size_t length : {64u, 67u, 98u, 130u}) {
    std::string valid;
    for (size_t i = 0; i < length; ++i) valid.push_back(alphabet[i % 64]);
    // Keep the trailing bits zero so that only the probe can fail.
    if (length % 4 != 0) valid.back() = 'A';
    ASSERT_THAT(Base64UrlDecode(valid), IsOk()) << length;
    for (size_t position = 0; position < length; ++position) {
      for (int c = 0; c < 256; ++c) {
        std::string probe = valid;
        probe[position] = static_cast<char>(c);
        const bool in_alphabet =
            alphabet.find(static_cast<char>(c)) != std::string::npos;
        absl::StatusOr<std::string> decoded = Base64UrlDecode(probe);
        if (!in_alphabet) {
          EXPECT_THAT(decoded, StatusIs(absl::StatusCode::kInvalidArgument))
              << "length " << length << " position " << position << " byte "
              << c;
        } else if (decoded.ok()) {
          EXPECT_EQ(Base64UrlEncode(*decoded), probe);
        } else {
          // Only a non-zero trailing bit in the last character.
          EXPECT_EQ(position, length - 1);
        }
      }
    }
  }
}

// The span overload insists on the exact output size.
TEST(Base64UrlTest, SpanOverloadNeedsExactSize) {
  std::string out(2, '\0');
  EXPECT_THAT(Base64UrlDecodeTo("Zm9v", absl::Span<char>(out)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  out.resize(3);
  EXPECT_THAT(Base64UrlDecodeTo("Zm9v", absl::Span<char>(out)), IsOk());
  EXPECT_EQ(out, "foo");
}

// The empty string is the encoding of no bytes.
TEST(Base64UrlTest, EmptyIsEmpty) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlDecode("").value_or("<error>"), "");
}

}  // namespace
}  // namespace jwtd::jose
