// Single-thread cost of jwtd's full token check (parse + verify + claim
// checks) against the floor: the raw OpenSSL operation on the same key and
// the same bytes, measured in the same binary so ratios are meaningful on a
// noisy machine. Run: make bench (or build/bin/jose_bench).

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "server/crypto/ecdsa.h"
#include "server/jose/base64url.h"
#include "server/jose/jws.h"
#include "server/jose/jwt_validator.h"
#include "server/jose/key_set.h"
#include "server/jose/keys.h"

namespace jwtd {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1764400000);
constexpr char kIssuer[] = "https://issuer.example.com";

// About 300 bytes of claims, as a typical access token carries.
std::string RealisticPayload() {
  return absl::StrCat(
      "{\"iss\":\"", kIssuer,
      "\",\"sub\":\"user-5f2c1b7e-8d4a-4c1e-9b3f-2a6d7e8f9c01\","
      "\"aud\":[\"orders\",\"billing\"],\"exp\":",
      absl::ToUnixSeconds(kNow) + 900, ",\"nbf\":", absl::ToUnixSeconds(kNow),
      ",\"iat\":", absl::ToUnixSeconds(kNow),
      ",\"jti\":\"3q2-7wYqS0uBq9Zl4x7f1A\","
      "\"scope\":\"orders:read orders:write billing:read profile email\","
      "\"client_id\":\"web-frontend\",\"role\":\"admin\"}");
}

struct Fixture {
  std::string token;
  std::shared_ptr<const jose::KeySet> keys;
  jose::JwtValidator validator;
};

Fixture MakeEs256Fixture(crypto::EcPrivateKey* key_out) {
  crypto::EcPrivateKey key =
      crypto::EcPrivateKey::Generate(crypto::EcCurve::kP256).value();
  auto signing =
      jose::SigningKey::Create(key, jose::JwsAlgorithm::kES256).value();
  auto verification =
      jose::VerificationKey::Create(key.public_key(),
                                    jose::JwsAlgorithm::kES256, signing->kid())
          .value();
  jose::ValidationPolicy policy;
  policy.issuer = kIssuer;
  policy.audiences = {"orders"};
  *key_out = key;
  return Fixture{jose::SignCompact(*signing, "JWT", RealisticPayload()).value(),
                 jose::KeySet::Create({verification}).value(),
                 jose::JwtValidator::Create(policy).value()};
}

Fixture MakeHs256Fixture(const std::string& secret) {
  auto signing =
      jose::SigningKey::FromSecret(secret, jose::JwsAlgorithm::kHS256, "hmac-1")
          .value();
  auto verification = jose::VerificationKey::FromSecret(
                          secret, jose::JwsAlgorithm::kHS256, "hmac-1")
                          .value();
  jose::ValidationPolicy policy;
  policy.issuer = kIssuer;
  policy.audiences = {"orders"};
  return Fixture{jose::SignCompact(*signing, "JWT", RealisticPayload()).value(),
                 jose::KeySet::Create({verification}).value(),
                 jose::JwtValidator::Create(policy).value()};
}

void BM_Es256_RawOpenSslVerify(benchmark::State& state) {
  crypto::EcPrivateKey key =
      crypto::EcPrivateKey::Generate(crypto::EcCurve::kP256).value();
  Fixture fixture = MakeEs256Fixture(&key);
  // The floor: EVP_DigestVerify of the same signing input with a DER
  // signature made by OpenSSL for the same key.
  const std::string pem = key.ToPkcs8Pem().value();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  const size_t dot = fixture.token.rfind('.');
  const std::string input = fixture.token.substr(0, dot);
  unsigned char der[128];
  size_t der_len = sizeof(der);
  EVP_MD_CTX* sign_ctx = EVP_MD_CTX_new();
  EVP_DigestSignInit(sign_ctx, nullptr, EVP_sha256(), nullptr, pkey);
  EVP_DigestSign(sign_ctx, der, &der_len,
                 reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  EVP_MD_CTX_free(sign_ctx);
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pkey);
    int ok = EVP_DigestVerify(
        ctx, der, der_len, reinterpret_cast<const unsigned char*>(input.data()),
        input.size());
    EVP_MD_CTX_free(ctx);
    benchmark::DoNotOptimize(ok);
  }
  EVP_PKEY_free(pkey);
}
BENCHMARK(BM_Es256_RawOpenSslVerify);

void BM_Es256_JwtdValidate(benchmark::State& state) {
  crypto::EcPrivateKey key =
      crypto::EcPrivateKey::Generate(crypto::EcCurve::kP256).value();
  Fixture fixture = MakeEs256Fixture(&key);
  for (auto _ : state) {
    auto jwt = fixture.validator.Validate(fixture.token, *fixture.keys, kNow);
    if (!jwt.ok()) state.SkipWithError("token rejected");
    benchmark::DoNotOptimize(jwt);
  }
}
BENCHMARK(BM_Es256_JwtdValidate);

const std::string kHmacSecret(32, 'k');

void BM_Hs256_RawOpenSslMac(benchmark::State& state) {
  Fixture fixture = MakeHs256Fixture(kHmacSecret);
  const std::string input = fixture.token.substr(0, fixture.token.rfind('.'));
  // The floor: one pre-keyed EVP_MAC_CTX re-initialised per message.
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end()};
  EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(kHmacSecret.data()),
               kHmacSecret.size(), params);
  unsigned char out[64];
  for (auto _ : state) {
    size_t out_len = 0;
    EVP_MAC_init(ctx, nullptr, 0, nullptr);
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    EVP_MAC_final(ctx, out, &out_len, sizeof(out));
    benchmark::DoNotOptimize(out);
  }
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
}
BENCHMARK(BM_Hs256_RawOpenSslMac);

void BM_Hs256_JwtdValidate(benchmark::State& state) {
  Fixture fixture = MakeHs256Fixture(kHmacSecret);
  for (auto _ : state) {
    auto jwt = fixture.validator.Validate(fixture.token, *fixture.keys, kNow);
    if (!jwt.ok()) state.SkipWithError("token rejected");
    benchmark::DoNotOptimize(jwt);
  }
}
BENCHMARK(BM_Hs256_JwtdValidate);

void BM_Es256_JwtdSign(benchmark::State& state) {
  crypto::EcPrivateKey key =
      crypto::EcPrivateKey::Generate(crypto::EcCurve::kP256).value();
  auto signing =
      jose::SigningKey::Create(key, jose::JwsAlgorithm::kES256).value();
  const std::string payload = RealisticPayload();
  for (auto _ : state) {
    auto token = jose::SignCompact(*signing, "JWT", payload);
    benchmark::DoNotOptimize(token);
  }
}
BENCHMARK(BM_Es256_JwtdSign);

}  // namespace
}  // namespace jwtd

BENCHMARK_MAIN();
