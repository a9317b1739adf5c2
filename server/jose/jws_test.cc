#include "server/jose/jws.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/ecdsa.h"
#include "server/jose/base64url.h"
#include "server/jose/json_parser.h"
#include "server/jose/keys.h"
#include "tests/support/jws_test_util.h"
#include "tests/support/reject_matchers.h"
#include "tests/support/status_matchers.h"

namespace jwtd::jose {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::IsRejected;
using ::jwtd::testing::StatusIs;
using ::jwtd::testing::UnsignedJws;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kKid[] = "test-key";
// 32 bytes: the shortest HS256 secret allowed.
constexpr char kSecret[] = "0123456789abcdef0123456789abcdef";
constexpr char kPayload[] = R"({"iss":"https://issuer.example","sub":"alice"})";
// A 64-byte stand-in for an ES256 signature; Parse does not verify.
const std::string kFakeSignature(64, '\x01');

std::vector<std::string> Segments(absl::string_view token) {
  return absl::StrSplit(token, '.');
}

class JwsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(
        crypto::EcPrivateKey ec,
        crypto::EcPrivateKey::Generate(crypto::EcCurve::kP256));
    ASSERT_OK_AND_ASSIGN(es256_,
                         SigningKey::Create(ec, JwsAlgorithm::kES256, kKid));
    ASSERT_OK_AND_ASSIGN(
        hs256_, SigningKey::FromSecret(kSecret, JwsAlgorithm::kHS256, kKid));
  }

  // Parses a token whose header is `header` and whose other segments are
  // well-formed.
  static absl::StatusOr<UnverifiedJws> ParseHeader(absl::string_view header) {
    return UnverifiedJws::Parse(UnsignedJws(header, kPayload, kFakeSignature),
                                JwsLimits());
  }

  std::shared_ptr<const SigningKey> es256_;
  std::shared_ptr<const SigningKey> hs256_;
};

// SignCompact writes exactly {"alg","kid","typ"} and Parse reads it back.
TEST_F(JwsTest, SignCompactHeaderAndParse) {
  ASSERT_OK_AND_ASSIGN(std::string token,
                       SignCompact(*es256_, "JWT", kPayload));
  const std::vector<std::string> segments = Segments(token);
  ASSERT_EQ(segments.size(), 3u);
  EXPECT_EQ(Base64UrlDecode(segments[0]).value_or(""),
            R"({"alg":"ES256","kid":"test-key","typ":"JWT"})");
  EXPECT_EQ(Base64UrlDecode(segments[1]).value_or(""), kPayload);

  ASSERT_OK_AND_ASSIGN(UnverifiedJws jws,
                       UnverifiedJws::Parse(token, JwsLimits()));
  EXPECT_EQ(jws.alg(), JwsAlgorithm::kES256);
  EXPECT_EQ(jws.kid(), std::optional<std::string>(kKid));
  EXPECT_EQ(jws.typ(), std::optional<std::string>("JWT"));
  EXPECT_EQ(jws.payload(), kPayload);
  EXPECT_EQ(jws.signature().size(), 64u);  // raw R||S
  EXPECT_EQ(jws.signing_input(), absl::StrCat(segments[0], ".", segments[1]));
}

// An empty typ is left out of the header.
TEST_F(JwsTest, SignCompactOmitsEmptyTyp) {
  ASSERT_OK_AND_ASSIGN(std::string token, SignCompact(*hs256_, "", "{}"));
  EXPECT_EQ(Base64UrlDecode(Segments(token)[0]).value_or(""),
            R"({"alg":"HS256","kid":"test-key"})");
  ASSERT_OK_AND_ASSIGN(UnverifiedJws jws,
                       UnverifiedJws::Parse(token, JwsLimits()));
  EXPECT_FALSE(jws.typ().has_value());
  EXPECT_EQ(jws.signature().size(), 32u);
}

// A header without kid parses with kid unset.
TEST_F(JwsTest, KidIsOptional) {
  ASSERT_OK_AND_ASSIGN(UnverifiedJws jws, ParseHeader(R"({"alg":"HS512"})"));
  EXPECT_EQ(jws.alg(), JwsAlgorithm::kHS512);
  EXPECT_FALSE(jws.kid().has_value());
}

// Only exactly three segments are a compact JWS; five (JWE) are refused too.
TEST_F(JwsTest, RejectsWrongSegmentCount) {
  ASSERT_OK_AND_ASSIGN(std::string token, SignCompact(*es256_, "JWT", "{}"));
  const std::vector<std::string> s = Segments(token);
  const std::string bad[] = {
      "",
      s[0],
      absl::StrCat(s[0], ".", s[1]),
      absl::StrCat(token, "."),
      absl::StrCat(token, ".", s[2]),
      absl::StrCat(token, ".", s[1], ".", s[2]),
      absl::StrCat(token, "..."),
      "..",
      "....",
      absl::StrCat(".", token),
  };
  for (const std::string& t : bad) {
    EXPECT_THAT(UnverifiedJws::Parse(t, JwsLimits()),
                IsRejected(RejectReason::kMalformed))
        << t;
  }
}

// Tokens of exactly max_token_bytes pass the size check; one byte more is
// refused, before anything is decoded.
TEST_F(JwsTest, EnforcesTokenSizeLimit) {
  const JwsLimits limits;
  ASSERT_EQ(limits.max_token_bytes, 8192u);
  const std::string header = Base64UrlEncode(R"({"alg":"HS256"})");
  const std::string signature = Base64UrlEncode(std::string(32, 'x'));
  // The payload segment is only decoded, not parsed: "A..." is valid
  // base64url for any length that is not 1 mod 4.
  const size_t fixed = header.size() + signature.size() + 2;
  size_t payload_length = limits.max_token_bytes - fixed;
  ASSERT_NE(payload_length % 4, 1u) << "pick another header";
  const std::string exact = absl::StrCat(
      header, ".", std::string(payload_length, 'A'), ".", signature);
  ASSERT_EQ(exact.size(), limits.max_token_bytes);
  EXPECT_THAT(UnverifiedJws::Parse(exact, limits), IsOk());

  const std::string longer = absl::StrCat(
      header, ".", std::string(payload_length + 3, 'A'), ".", signature);
  ASSERT_EQ(longer.size(), limits.max_token_bytes + 3);
  ASSERT_THAT(Base64UrlDecode(std::string(payload_length + 3, 'A')), IsOk());
  EXPECT_THAT(UnverifiedJws::Parse(longer, limits),
              IsRejected(RejectReason::kMalformed));
  // Junk over the limit is refused for its size, not its content.
  EXPECT_THAT(UnverifiedJws::Parse(std::string(8193, '.'), limits),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("8192")));
}

// Every segment must be strict base64url (no padding, no std alphabet, no
// whitespace).
TEST_F(JwsTest, RejectsNonCanonicalBase64) {
  ASSERT_OK_AND_ASSIGN(std::string token, SignCompact(*hs256_, "JWT", "{}"));
  const std::vector<std::string> s = Segments(token);
  const std::string bad[] = {
      absl::StrCat(s[0], "=.", s[1], ".", s[2]),
      absl::StrCat(s[0], ".", s[1], "=.", s[2]),
      absl::StrCat(s[0], ".", s[1], ".", s[2], "="),
      absl::StrCat(s[0], ".", s[1], ".+", s[2].substr(1)),
      absl::StrCat(s[0], ".", s[1], ".", s[2], " "),
      absl::StrCat(" ", s[0], ".", s[1], ".", s[2]),
      absl::StrCat(s[0], ".", s[1], ".", s[2], "\n"),
  };
  for (const std::string& t : bad) {
    EXPECT_THAT(UnverifiedJws::Parse(t, JwsLimits()),
                IsRejected(RejectReason::kMalformed))
        << t;
  }
}

// "none" in any spelling, and any other unknown or miscased name, is an
// unsupported algorithm.
TEST_F(JwsTest, RejectsUnsupportedAlgorithms) {
  for (const char* alg :
       {"none", "None", "NONE", "nOnE", "", "es256", "hs256", "ES256 ",
        " ES256", "rs256", "Ps256", "EDDSA", "Ed25519", "ES521", "HS1"}) {
    EXPECT_THAT(ParseHeader(absl::StrCat(R"({"alg":")", alg, R"("})")),
                IsRejected(RejectReason::kUnsupportedAlgorithm))
        << alg;
  }
  // Also with an empty signature, as an attacker would send it.
  EXPECT_THAT(UnverifiedJws::Parse(UnsignedJws(R"({"alg":"none"})", kPayload),
                                   JwsLimits()),
              IsRejected(RejectReason::kUnsupportedAlgorithm));
  EXPECT_THAT(ParseHeader(R"({"alg":"ES256\u0000"})"),
              IsRejected(RejectReason::kUnsupportedAlgorithm));
}

// A header without a string alg is refused.
TEST_F(JwsTest, RejectsMissingOrNonStringAlg) {
  for (const char* header :
       {R"({})", R"({"kid":"k"})", R"({"alg":null})", R"({"alg":256})",
        R"({"alg":["ES256"]})", R"({"alg":{"name":"ES256"}})"}) {
    EXPECT_THAT(ParseHeader(header),
                AnyOf(IsRejected(RejectReason::kMalformed),
                      IsRejected(RejectReason::kUnsupportedAlgorithm)))
        << header;
  }
}

// Headers that would make a verifier fetch or trust what the token names,
// or that announce processing jwtd does not do, are refused.
TEST_F(JwsTest, RejectsForbiddenHeaders) {
  for (const char* member :
       {R"("crit":["exp"])", R"("crit":[])",
        R"("jku":"https://evil.example/jwks")",
        R"("x5u":"https://evil.example/cert")",
        R"("jwk":{"kty":"oct","k":"AA"})", R"("x5c":["MIIB"])",
        R"("enc":"A256GCM")", R"("jku":null)"}) {
    EXPECT_THAT(
        ParseHeader(absl::StrCat(R"({"alg":"ES256","kid":"k",)", member, "}")),
        IsRejected(RejectReason::kMalformed))
        << member;
  }
}

// Nested tokens (cty JWT, any case) are refused; other content types pass.
TEST_F(JwsTest, RejectsNestedJwt) {
  EXPECT_THAT(ParseHeader(R"({"alg":"ES256","cty":"JWT"})"),
              IsRejected(RejectReason::kMalformed));
  EXPECT_THAT(ParseHeader(R"({"alg":"ES256","cty":"jwt"})"),
              IsRejected(RejectReason::kMalformed));
  EXPECT_THAT(ParseHeader(R"({"alg":"ES256","cty":5})"),
              IsRejected(RejectReason::kMalformed));
  // The "application/" prefix may be left out (RFC 7515 4.1.10), so it may
  // also be there.
  EXPECT_THAT(ParseHeader(R"({"alg":"ES256","cty":"application/JWT"})"),
              IsRejected(RejectReason::kMalformed));
  EXPECT_THAT(ParseHeader(R"({"alg":"ES256","cty":"APPLICATION/jwt"})"),
              IsRejected(RejectReason::kMalformed));
  EXPECT_THAT(ParseHeader(R"({"alg":"ES256","cty":"json"})"), IsOk());
}

// kid is an opaque string of at most kMaxKidLength bytes.
TEST_F(JwsTest, BoundsKid) {
  const std::string longest(kMaxKidLength, 'k');
  ASSERT_OK_AND_ASSIGN(
      UnverifiedJws jws,
      ParseHeader(absl::StrCat(R"({"alg":"ES256","kid":")", longest, "\"}")));
  EXPECT_EQ(jws.kid(), std::optional<std::string>(longest));
  EXPECT_THAT(
      ParseHeader(absl::StrCat(R"({"alg":"ES256","kid":")", longest, "k\"}")),
      IsRejected(RejectReason::kMalformed));
  EXPECT_THAT(ParseHeader(R"({"alg":"ES256","kid":7})"),
              IsRejected(RejectReason::kMalformed));
  EXPECT_THAT(ParseHeader(R"({"alg":"ES256","kid":null})"),
              IsRejected(RejectReason::kMalformed));
  EXPECT_THAT(ParseHeader(R"({"alg":"ES256","typ":["JWT"]})"),
              IsRejected(RejectReason::kMalformed));
}

// The header is strict JSON within its own limits.
TEST_F(JwsTest, RejectsBadHeaderJson) {
  const std::string bad[] = {
      "not json",
      R"(["ES256"])",
      R"({"alg":"ES256")",
      R"({"alg":"ES256","alg":"HS256"})",
      R"({"alg":"HS256","alg":"none"})",
      "{\"alg\":\"ES256\",\"kid\":\"\xff\"}",
      R"({"alg":"ES256","kid":"\ud800"})",
      R"({"alg":"ES256"} x)",
      R"({"alg":"ES256","x":{"a":{"b":{"c":{}}}}})",  // depth 5 > 4
      absl::StrCat(R"({"alg":"ES256","pad":")", std::string(1024, 'p'),
                   "\"}"),  // over 1024 bytes
      "",
  };
  for (const std::string& header : bad) {
    EXPECT_THAT(ParseHeader(header), IsRejected(RejectReason::kMalformed))
        << ::testing::PrintToString(header);
  }
  EXPECT_THAT(ParseHeader(R"({"alg":"ES256","x":{"a":{"b":{}}}})"), IsOk());
}

// The payload is decoded but not parsed: parsing it is the validator's job.
TEST_F(JwsTest, DoesNotParsePayload) {
  ASSERT_OK_AND_ASSIGN(
      UnverifiedJws jws,
      UnverifiedJws::Parse(
          UnsignedJws(R"({"alg":"ES256"})", "not json", kFakeSignature),
          JwsLimits()));
  EXPECT_EQ(jws.payload(), "not json");
}

// Rejection details never contain the token or its segments.
TEST_F(JwsTest, RejectionsDoNotEchoToken) {
  const std::string token =
      UnsignedJws(R"({"alg":"ES256","crit":["x"]})", kPayload, kFakeSignature);
  EXPECT_THAT(UnverifiedJws::Parse(token, JwsLimits()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       Not(HasSubstr(Segments(token)[0]))));
}

}  // namespace
}  // namespace jwtd::jose
