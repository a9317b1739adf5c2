// ImportJwks, the gate every key set from a file or a remote issuer passes:
// which keys are kept, skipped or make the whole set refused (jwks.h), and
// the key checks it inherits from ParseJwk (jwk.h).

#include "server/jose/jwks.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/jose/algorithm.h"
#include "server/jose/base64url.h"
#include "server/jose/json.h"
#include "server/jose/json_parser.h"
#include "server/jose/jwk.h"
#include "server/jose/key_set.h"
#include "server/jose/keys.h"
#include "tests/support/status_matchers.h"

namespace jwtd::jose {
namespace {

using ::jwtd::testing::StatusIs;
using ::testing::HasSubstr;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

// A P-256 public key (Wycheproof's JWS test key) and its private scalar.
constexpr char kP256X[] = "04N0xi21hshyvBp7I167sbE_bXqyqkAPfefdklMO7wY";
constexpr char kP256Y[] = "UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgmw";
constexpr char kP256D[] = "yy49oPcINGK2ps0LmtxpB6UTEOiITghHBif6wDqmJ3c";
// The same point with the last character of y changed: off the curve.
constexpr char kP256YOffCurve[] = "UI8exy-C06a7DUnjIdENkxeFtHM4-l_41LqEw9nVgnw";

// The 2048-bit RSA key of RFC 7517 A.1 / RFC 7638 3.1, and its RFC 7638
// thumbprint.
constexpr char kRsaN[] =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7"
    "aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBX"
    "Arwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9"
    "c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM"
    "4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
constexpr char kRsaThumbprint[] = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

// Moduli from Wycheproof's json_web_key_test.json:
// group "jws_rsa_roca_key": a 2049-bit modulus with the ROCA fingerprint.
constexpr char kRocaModulus[] =
    "AanFpofbj7KjD4Lf-N2hVMKR7yewSyXhhbirIMTGpfYEhZ_lnt5UoK98DnKIgArXGT"
    "u3MaW_HhFw16HGaTDUHqPrId7fe4r11CqRw09yBFuW79V8sYIwHdzCaWflUI6auImY"
    "bVfoN9_nD5n8N8SY9DwXw7mwZM9wREPXoDPgOoIWl6q_MPsp7n0zs3Z5ZaiQWOOzl1"
    "S9OhwAfSiiOwz6efnXEaxuTEtPd7BjSx7NaFka8Dx9U7YqXy2RFj1O9PjyaDGuRh7Y"
    "XsX3iMUSP_wSyHQg_c_qHRtKUsNSGCT7OZg0hzm2KphtjnayKJvC64vAbROBR4Ubg6"
    "Bxg9IQVZ-QYyE";

// group "keysize_too_small": a 1024-bit modulus.
constexpr char kRsa1024Modulus[] =
    "rJBIp6T1YK-RtPyvYqFFlcucqewSAA_IReSFchE8qyiQrbARqRlXWkB2DR8j_pJQnI"
    "pYELbQWZC5Cd0PTGAU8rMbar2AW6zpmBbi7aQf17lUBdt8XI9M9rq7FPVQ1dDdUXm1"
    "SVH_9qqWhvMPR422SbfHBEzCAtzK0ANDRo6qz78";

// group "exponentOne": a 2048-bit modulus published with e = 1.
constexpr char kExponentOneModulus[] =
    "u-SfdHPjFtGmzuoH6gheIIZ4nLwUHBQEtFGqOe0N8JuZUc5VOzlI8yl0r8ESilAout"
    "tkdftexj4VFJz5R9FH90ypVQDPL0H4mC_RtkcJ1DBB8MriU8dmzqSXP1SBs4s5L-pJ"
    "WxKKLjXddD6gXJZ7HT_aPl2olvlLh8JkD_52U6sjdeP3OWDKvMu5GsrMlS9XJCVaCx"
    "8r9698OEElwK-ZW9PztgTSb-MvyTuyzis5Yc13n_z0wMLahpDilI2fzNsZ3yH6htu4"
    "VXPraSEZV6C0Z7epAAAUqiUnxh3WRupEICaewYEnW3MVS2hHwLwtPu_RR0XHoZr1oP"
    "SlQMP3Zi2QKw";

// RFC 7515 A.2: a complete 2048-bit RSA private JWK (alg and kid added).
constexpr char kRsaPrivateJwk[] =
    R"({"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8)"
    R"(W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1)"
    R"(W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexM)"
    R"(dbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh)"
    R"(9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PA)"
    R"(cDTW9gb54h4FRWyuXpoQ","e":"AQAB","d":"Eq5xpGnNCivDflJsRQBXHx1hdR1k6U)"
    R"(lwe2JZD50LpXyWPEAeP88vLNO97IjlA7_GQ5sLKMgvfTeXZx9SE-7YwVol2NXOoAJe46)"
    R"(sui395IW_GO-pWJ1O0BkTGoVEn2bKVRUCgu-GjBVaYLU6f3l9kJfFNS3E0QbVdxzubSu)"
    R"(3Mkqzjkn439X0M_V51gfpRLI9JYanrC4D4qAdGcopV_0ZHHzQlBjudU2QvXt4ehNYTCB)"
    R"(r6XCLQUShb1juUO1ZdiYoFaFQT5Tw8bGUl_x_jTj3ccPDVZFD9pIuhLhBOneufuBiB4c)"
    R"(S98l2SR_RQyGWSeWjnczT0QU91p1DhOVRuOopznQ","p":"4BzEEOtIpmVdVEZNCqS7b)"
    R"(aC4crd0pqnRH_5IB3jw3bcxGn6QLvnEtfdUdiYrqBdss1l58BQ3KhooKeQTa9AB0Hw_P)"
    R"(y5PJdTJNPY8cQn7ouZ2KKDcmnPGBY5t7yLc1QlQ5xHdwW1VhvKn-nXqhJTBgIPgtldC-)"
    R"(KDV5z-y2XDwGUc","q":"uQPEfgmVtjL0Uyyx88GZFF1fOunH3-7cepKmtH4pxhtCoHq)"
    R"(pWmT8YAmZxaewHgHAjLYsp1ZSe7zFYHj7C6ul7TjeLQeZD_YwD66t62wDmpe_HlB-TnB)"
    R"(A-njbglfIsRLtXlnDzQkv5dTltRJ11BKBBypeeF6689rjcJIDEz9RWdc","dp":"BwKf)"
    R"(V3Akq5_MFZDFZCnW-wzl-CCo83WoZvnLQwCTeDv8uzluRSnm71I3QCLdhrqE2e9Ykxvu)"
    R"(xdBfpT_PI7Yz-FOKnu1R6HsJeDCjn12Sk3vmAktV2zb34MCdy7cpdTh_YVr7tss2u6vn)"
    R"(eTwrA86rZtu5Mbr1C1XsmvkxHQAdYo0","dq":"h_96-mK1R_7glhsum81dZxjTnYynP)"
    R"(bZpHziZjeeHcXYsXaaMwkOlODsWa7I9xXDoRwbKgB719rrmI2oKr6N3Do9U0ajaHF-NK)"
    R"(JnwgjMd2w9cjz3_-kyNlxAr2v4IKhGNpmM5iIgOS1VZnOZ68m6_pbLBSp3nssTdlqvd0)"
    R"(tIiTHU","qi":"IYd7DHOhrWvxkwPQsRM2tOgrjbcrfvtQJipd-DlcxyVuuM9sQLdgjV)"
    R"(k2oy26F0EmpScGLq2MowX7fhd_QJQ3ydy5cY7YIBi87w93IKLEdfnbJtoOPLUW0ITrJR)"
    R"(eOgo1cq9SbsxYawBgfp_gh6A5603k2-ZQwVK0JKSHuLFkuQ3U","alg":"RS256","ki)"
    R"(d":"a2"})";

// The RFC 8037 Ed25519 public key and private key.
constexpr char kEd25519X[] = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
constexpr char kEd25519D[] = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A";

// Import options, set field by field (-Wmissing-field-initializers).
JwksImportOptions AllowSecrets(bool allow = true) {
  JwksImportOptions options;
  options.allow_secret_keys = allow;
  return options;
}
JwksImportOptions DefaultRsaAlg(JwsAlgorithm alg) {
  JwksImportOptions options;
  options.default_rsa_alg = alg;
  return options;
}

JwksImportOptions MaxKeys(size_t max_keys) {
  JwksImportOptions options;
  options.max_keys = max_keys;
  return options;
}

// RFC 7515 A.4's P-521 public key, and its x plus p (2^521 - 1): the same
// point modulo p, still 66 bytes, but not a canonical coordinate.
constexpr char kP521X[] =
    "AekpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSf"
    "S9tsz4qUxcWceqwQGk";
constexpr char kP521XPlusP[] =
    "A-kpBQ8ST8a8VcfVOTNl353vSrDCLLJXmPk06wTjxrrjcBpXp5EOnYG_NjFZ6OvLFV1jSf"
    "S9tsz4qUxcWceqwQGj";
constexpr char kP521Y[] =
    "ADSmRA43Z1DSNx_RvcLI87cdL07l6jQyyBXMoxVg_l2Th-x3S1WDhjDly79ajL4Kkd0AZM"
    "aZmh9ubmf63e3kyMj2";

// A JWK whose members are all strings.
using Members = std::vector<std::pair<std::string, std::string>>;

Json MakeJwk(const Members& members) {
  Json jwk = Json::EmptyObject();
  for (const auto& [name, value] : members) jwk.Set(name, Json::String(value));
  return jwk;
}

Json EcJwk(absl::string_view kid) {
  return MakeJwk({{"kty", "EC"},
                  {"crv", "P-256"},
                  {"x", kP256X},
                  {"y", kP256Y},
                  {"kid", std::string(kid)}});
}
Json RsaJwk(absl::string_view kid, absl::string_view alg = "RS256") {
  return MakeJwk({{"kty", "RSA"},
                  {"n", kRsaN},
                  {"e", "AQAB"},
                  {"kid", std::string(kid)},
                  {"alg", std::string(alg)}});
}
Json OkpJwk(absl::string_view kid) {
  return MakeJwk({{"kty", "OKP"},
                  {"crv", "Ed25519"},
                  {"x", kEd25519X},
                  {"kid", std::string(kid)}});
}
// An oct key of `size` bytes for `alg`.
Json OctJwk(absl::string_view kid, absl::string_view alg = "HS256",
            size_t size = 32) {
  return MakeJwk({{"kty", "oct"},
                  {"alg", std::string(alg)},
                  {"k", Base64UrlEncode(std::string(size, '\x5a'))},
                  {"kid", std::string(kid)}});
}

Json With(Json jwk, std::string name, Json value) {
  jwk.Set(std::move(name), std::move(value));
  return jwk;
}
Json With(Json jwk, std::string name, std::string value) {
  return With(std::move(jwk), std::move(name), Json::String(std::move(value)));
}
Json Without(const Json& jwk, absl::string_view name) {
  Json out = Json::EmptyObject();
  for (const auto& [member, value] : jwk.object()) {
    if (member != name) out.Set(member, value);
  }
  return out;
}

std::string Jwks(const std::vector<Json>& keys) {
  Json list = Json::EmptyArray();
  for (const Json& key : keys) list.Append(key);
  Json jwks = Json::EmptyObject();
  jwks.Set("keys", std::move(list));
  return jwks.Serialize();
}

const JwksImportOptions kSecrets = AllowSecrets();

// A well-formed public set of every asymmetric type imports with each key
// under its kid and alg, and is re-published with the same keys.
TEST(ImportJwksTest, ImportsPublicKeysOfEveryType) {
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const KeySet> keys,
      ImportJwks(Jwks({EcJwk("ec"), RsaJwk("rsa", "PS512"), OkpJwk("ed")})));
  ASSERT_EQ(keys->size(), 3u);
  ASSERT_NE(keys->Find("ec"), nullptr);
  EXPECT_EQ(keys->Find("ec")->alg(), JwsAlgorithm::kES256);
  ASSERT_NE(keys->Find("rsa"), nullptr);
  EXPECT_EQ(keys->Find("rsa")->alg(), JwsAlgorithm::kPS512);
  ASSERT_NE(keys->Find("ed"), nullptr);
  EXPECT_EQ(keys->Find("ed")->alg(), JwsAlgorithm::kEdDSA);
  EXPECT_EQ(keys->Find("nope"), nullptr);
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const KeySet> again,
                       ImportJwks(keys->jwks_json()));
  EXPECT_EQ(again->jwks_json(), keys->jwks_json());
}

// use other than "sig" marks a key not meant for signatures: it is skipped,
// not trusted, and does not spoil the rest of the set.
TEST(ImportJwksTest, UseEncIsSkipped) {
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const KeySet> keys,
      ImportJwks(Jwks({With(EcJwk("enc"), "use", "enc"),
                       With(EcJwk("sig"), "use", "sig"),
                       With(RsaJwk("rsa-enc", "RSA-OAEP"), "use", "enc")})));
  EXPECT_EQ(keys->size(), 1u);
  EXPECT_EQ(keys->Find("enc"), nullptr);
  EXPECT_NE(keys->Find("sig"), nullptr);
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const KeySet> none,
                       ImportJwks(Jwks({With(EcJwk("enc"), "use", "enc")})));
  EXPECT_EQ(none->size(), 0u);
  // "use" must be a string.
  EXPECT_THAT(ImportJwks(Jwks({With(EcJwk("a"), "use", Json::Integer(1))})),
              StatusIs(kInvalid));
}

// key_ops: kept when it allows "sign" or "verify", skipped otherwise;
// refused when it is not an array of strings.
TEST(ImportJwksTest, KeyOps) {
  auto ops = [](std::vector<std::string> names) {
    Json list = Json::EmptyArray();
    for (std::string& name : names) list.Append(Json::String(name));
    return list;
  };
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const KeySet> keys,
      ImportJwks(
          Jwks({With(EcJwk("verify"), "key_ops", ops({"verify"})),
                With(EcJwk("sign"), "key_ops", ops({"sign"})),
                With(EcJwk("both"), "key_ops", ops({"encrypt", "verify"})),
                With(EcJwk("encrypt"), "key_ops", ops({"encrypt"})),
                With(EcJwk("empty"), "key_ops", ops({}))})));
  EXPECT_NE(keys->Find("verify"), nullptr);
  EXPECT_NE(keys->Find("sign"), nullptr);
  EXPECT_NE(keys->Find("both"), nullptr);
  EXPECT_EQ(keys->Find("encrypt"), nullptr);
  EXPECT_EQ(keys->Find("empty"), nullptr);
  EXPECT_EQ(keys->size(), 3u);

  // Wycheproof's RFC 7520 key writes one string "sign, verify": that is not
  // an operation name, so the key is not a signature key.
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const KeySet> odd,
      ImportJwks(Jwks({With(EcJwk("odd"), "key_ops", ops({"sign, verify"}))})));
  EXPECT_EQ(odd->size(), 0u);

  EXPECT_THAT(ImportJwks(Jwks({With(EcJwk("a"), "key_ops", "verify")})),
              StatusIs(kInvalid));
  Json numbers = Json::EmptyArray();
  numbers.Append(Json::Integer(1));
  EXPECT_THAT(ImportJwks(Jwks({With(EcJwk("a"), "key_ops", numbers)})),
              StatusIs(kInvalid));
}

// Secrets are refused unless the caller allows them (a fetched JWKS never
// carries secrets); when allowed, they are never mixed with public keys.
TEST(ImportJwksTest, SecretKeys) {
  EXPECT_THAT(ImportJwks(Jwks({OctJwk("hs")})), StatusIs(kInvalid));
  ASSERT_OK_AND_ASSIGN(
      std::shared_ptr<const KeySet> keys,
      ImportJwks(Jwks({OctJwk("hs"), OctJwk("hs2", "HS512", 64)}), kSecrets));
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_EQ(keys->Find("hs2")->alg(), JwsAlgorithm::kHS512);
  // Secrets are never published.
  EXPECT_EQ(keys->jwks_json(), R"({"keys":[]})");

  EXPECT_THAT(ImportJwks(Jwks({OctJwk("hs"), EcJwk("ec")}), kSecrets),
              StatusIs(kInvalid, HasSubstr("mixed")));
  EXPECT_THAT(ImportJwks(Jwks({EcJwk("ec"), OctJwk("hs")}), kSecrets),
              StatusIs(kInvalid, HasSubstr("mixed")));
}

// A verification set holds public keys only: any private member refuses the
// whole set, for every key type.
TEST(ImportJwksTest, PrivateMembersRefused) {
  const Json ec_private = With(EcJwk("ec"), "d", kP256D);
  const Json ed_private = With(OkpJwk("ed"), "d", kEd25519D);
  for (const Json& jwk : {ec_private, ed_private}) {
    SCOPED_TRACE(jwk.Serialize());
    EXPECT_THAT(ImportJwks(Jwks({jwk})), StatusIs(kInvalid));
    EXPECT_THAT(ImportJwks(Jwks({EcJwk("other"), jwk})), StatusIs(kInvalid));
  }
  // A complete RSA private JWK (every RFC 7518 6.3.2 member).
  EXPECT_THAT(ImportJwks(absl::StrCat(R"({"keys":[)", kRsaPrivateJwk, "]}")),
              StatusIs(kInvalid, HasSubstr("private")));
  // "d" alone is not a usable private key either.
  EXPECT_THAT(ImportJwks(Jwks({With(RsaJwk("rsa"), "d", "AQAB")})),
              StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(Jwks({ec_private})),
              StatusIs(kInvalid, HasSubstr("private")));
}

// Two keys with one kid make lookups ambiguous: the set is refused.
TEST(ImportJwksTest, DuplicateKidRefused) {
  EXPECT_THAT(ImportJwks(Jwks({EcJwk("same"), OkpJwk("same")})),
              StatusIs(kInvalid, HasSubstr("same")));
  EXPECT_THAT(
      ImportJwks(Jwks({OctJwk("same"), OctJwk("same", "HS384", 48)}), kSecrets),
      StatusIs(kInvalid));
  // Two kid-less copies of one key get the same thumbprint kid.
  EXPECT_THAT(ImportJwks(Jwks(
                  {Without(EcJwk("x"), "kid"), Without(EcJwk("y"), "kid")})),
              StatusIs(kInvalid));
}

// An RSA key without alg could be RS* or PS*: refused unless the caller
// names a default; an explicit alg beats the default.
TEST(ImportJwksTest, RsaWithoutAlg) {
  const std::string jwks = Jwks({Without(RsaJwk("rsa"), "alg")});
  EXPECT_THAT(ImportJwks(jwks), StatusIs(kInvalid, HasSubstr("RSA")));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const KeySet> keys,
                       ImportJwks(jwks, DefaultRsaAlg(JwsAlgorithm::kPS256)));
  EXPECT_EQ(keys->Find("rsa")->alg(), JwsAlgorithm::kPS256);
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const KeySet> explicit_alg,
                       ImportJwks(Jwks({RsaJwk("rsa", "RS384")}),
                                  DefaultRsaAlg(JwsAlgorithm::kPS256)));
  EXPECT_EQ(explicit_alg->Find("rsa")->alg(), JwsAlgorithm::kRS384);
}

// An oct key needs a kid (it has no public thumbprint to stand in) and an
// HMAC alg.
TEST(ImportJwksTest, OctNeedsKidAndAlg) {
  EXPECT_THAT(ImportJwks(Jwks({Without(OctJwk("hs"), "kid")}), kSecrets),
              StatusIs(kInvalid, HasSubstr("kid")));
  EXPECT_THAT(ImportJwks(Jwks({Without(OctJwk("hs"), "alg")}), kSecrets),
              StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(Jwks({OctJwk("hs", "RS256")}), kSecrets),
              StatusIs(kInvalid));
}

// Without kid, a public key is filed under its RFC 7638 thumbprint (checked
// against RFC 7638's published value).
TEST(ImportJwksTest, KidDefaultsToThumbprint) {
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const KeySet> keys,
                       ImportJwks(Jwks({Without(RsaJwk("x"), "kid"),
                                        Without(EcJwk("x"), "kid")})));
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ(keys->keys()[0]->kid(), kRsaThumbprint);
  EXPECT_NE(keys->Find(kRsaThumbprint), nullptr);
  ASSERT_OK_AND_ASSIGN(std::optional<Jwk> ec, ParseJwk(EcJwk("x")));
  EXPECT_EQ(keys->keys()[1]->kid(), Thumbprint(std::get<PublicKey>(ec->key)));
}

// More keys than max_keys refuse the set; exactly max_keys is fine.
TEST(ImportJwksTest, MaxKeys) {
  std::vector<Json> keys;
  for (int i = 0; i < 101; ++i) keys.push_back(EcJwk(absl::StrCat("k", i)));
  EXPECT_THAT(ImportJwks(Jwks(keys)), StatusIs(kInvalid, HasSubstr("100")));
  keys.pop_back();
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<const KeySet> hundred,
                       ImportJwks(Jwks(keys)));
  EXPECT_EQ(hundred->size(), 100u);

  keys.resize(3);
  EXPECT_THAT(ImportJwks(Jwks(keys), MaxKeys(2)), StatusIs(kInvalid));
  EXPECT_OK(ImportJwks(Jwks(keys), MaxKeys(3)));
}

// The document must be a strict JSON object within bounds with a "keys"
// array of objects.
TEST(ImportJwksTest, DocumentShape) {
  for (absl::string_view bad : {
           "",
           "[]",
           "null",
           R"("keys")",
           "{",
           R"({"keys":[]} x)",
           "{}",
           R"({"key":[]})",
           R"({"keys":{}})",
           R"({"keys":"x"})",
           R"({"keys":null})",
           R"({"keys":[1]})",
           R"({"keys":[[]]})",
           R"({"keys":[],"keys":[]})",
           R"({"keys":[],"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{}}}}}}}}})",
           "{\"keys\":[],\"bad\":\"\xff\"}",
       }) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(ImportJwks(bad), StatusIs(kInvalid));
  }
  EXPECT_OK(ImportJwks(R"({"keys":[]})"));
  EXPECT_OK(ImportJwks(R"( { "keys" : [ ] , "other" : 1 } )"));

  // Oversized: the same document, padded with whitespace past max_bytes.
  const std::string small = Jwks({EcJwk("ec")});
  JwksImportOptions options;
  options.json.max_bytes = 1024;
  EXPECT_OK(ImportJwks(small + std::string(1024 - small.size(), ' '), options));
  EXPECT_THAT(
      ImportJwks(small + std::string(1025 - small.size(), ' '), options),
      StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(small + std::string(512 * 1024, ' ')),
              StatusIs(kInvalid));
}

// Weak RSA keys are refused: a ROCA-fingerprinted modulus (2049 bits, so
// not caught by size), a 1024-bit modulus, and e = 1. The same shape with a
// sound modulus or exponent imports.
TEST(ImportJwksTest, WeakRsaRefused) {
  auto rsa = [](absl::string_view n, absl::string_view e) {
    return Jwks({MakeJwk({{"kty", "RSA"},
                          {"alg", "RS256"},
                          {"kid", "rsa"},
                          {"n", std::string(n)},
                          {"e", std::string(e)}})});
  };
  EXPECT_THAT(ImportJwks(rsa(kRocaModulus, "AQAB")), StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(rsa(kRsa1024Modulus, "AQAB")), StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(rsa(kExponentOneModulus, "AQ")), StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(rsa(kRsaN, "AQ")), StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(rsa(kRsaN, "Ag")), StatusIs(kInvalid));  // even
  EXPECT_OK(ImportJwks(rsa(kRsaN, "AQAB")));
  EXPECT_OK(ImportJwks(rsa(kExponentOneModulus, "AQAB")));
}

// Only registered JWS algorithms, spelled exactly, are accepted; JWE
// algorithms and unregistered names refuse the set.
TEST(ImportJwksTest, UnsupportedAlgRefused) {
  for (const char* alg : {"ES521", "ES224", "es256", "none", "ES256K"}) {
    SCOPED_TRACE(alg);
    EXPECT_THAT(ImportJwks(Jwks({With(EcJwk("ec"), "alg", alg)})),
                StatusIs(kInvalid));
  }
  for (const char* alg : {"A256GCM", "A256KW", "dir", "HS1"}) {
    SCOPED_TRACE(alg);
    EXPECT_THAT(ImportJwks(Jwks({OctJwk("hs", alg)}), kSecrets),
                StatusIs(kInvalid));
  }
  EXPECT_THAT(ImportJwks(Jwks({RsaJwk("rsa", "RSA-OAEP")})),
              StatusIs(kInvalid));
}

// A key must fit its curve and alg: a P-256 point labelled P-384, a P-256
// key declared ES384 or EdDSA, RSA declared ES256, Ed25519 declared ES256,
// a point off the curve or with an unreduced coordinate, unknown curves and
// key types are all refused.
TEST(ImportJwksTest, KeyMustFitCurveAndAlg) {
  EXPECT_THAT(ImportJwks(Jwks({With(EcJwk("ec"), "crv", "P-384")})),
              StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(Jwks(
                  {With(With(EcJwk("ec"), "crv", "P-384"), "alg", "ES384")})),
              StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(Jwks({With(EcJwk("ec"), "alg", "ES384")})),
              StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(Jwks({With(EcJwk("ec"), "alg", "EdDSA")})),
              StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(Jwks({RsaJwk("rsa", "ES256")})), StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(Jwks({With(OkpJwk("ed"), "alg", "ES256")})),
              StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(Jwks({With(EcJwk("ec"), "y", kP256YOffCurve)})),
              StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(Jwks({With(EcJwk("ec"), "crv", "P-256K")})),
              StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(Jwks({With(OkpJwk("ed"), "crv", "X25519")})),
              StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(Jwks({With(EcJwk("ec"), "kty", "RSA")})),
              StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(Jwks({With(EcJwk("ec"), "kty", "EC2")})),
              StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(Jwks({Without(EcJwk("ec"), "kty")})),
              StatusIs(kInvalid));
  // A coordinate not reduced modulo p would give one key two thumbprints.
  const Json p521 = MakeJwk({{"kty", "EC"},
                             {"crv", "P-521"},
                             {"x", kP521X},
                             {"y", kP521Y},
                             {"kid", "p521"}});
  EXPECT_OK(ImportJwks(Jwks({p521})));
  EXPECT_THAT(ImportJwks(Jwks({With(p521, "x", kP521XPlusP)})),
              StatusIs(kInvalid));
  // x not strict base64url (padding).
  EXPECT_THAT(
      ImportJwks(Jwks({With(EcJwk("ec"), "x", absl::StrCat(kP256X, "="))})),
      StatusIs(kInvalid));
}

// HMAC secrets must be at least as long as the hash (RFC 7518 3.2).
TEST(ImportJwksTest, HmacSecretLength) {
  struct Case {
    const char* alg;
    size_t minimum;
  };
  for (const Case& c :
       {Case{"HS256", 32}, Case{"HS384", 48}, Case{"HS512", 64}}) {
    SCOPED_TRACE(c.alg);
    EXPECT_OK(ImportJwks(Jwks({OctJwk("k", c.alg, c.minimum)}), kSecrets));
    EXPECT_THAT(ImportJwks(Jwks({OctJwk("k", c.alg, c.minimum - 1)}), kSecrets),
                StatusIs(kInvalid));
    EXPECT_THAT(ImportJwks(Jwks({OctJwk("k", c.alg, 0)}), kSecrets),
                StatusIs(kInvalid));
  }
}

// kid is 1 to kMaxKidLength bytes and a string.
TEST(ImportJwksTest, KidBounds) {
  EXPECT_OK(ImportJwks(Jwks({EcJwk(std::string(kMaxKidLength, 'k'))})));
  EXPECT_THAT(ImportJwks(Jwks({EcJwk(std::string(kMaxKidLength + 1, 'k'))})),
              StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(Jwks({EcJwk("")})), StatusIs(kInvalid));
  EXPECT_THAT(ImportJwks(Jwks({With(EcJwk("x"), "kid", Json::Integer(7))})),
              StatusIs(kInvalid));
}

}  // namespace
}  // namespace jwtd::jose
