// Single-thread cost of jwtd's full token check (parse + verify + claim
// checks) and of signing, against the floor: the raw OpenSSL operation with
// the same key over the same bytes, measured in the same binary so that
// ratios mean something on a shared, noisy machine.
//
// Run: make bench, or build/bin/jose_bench [--benchmark_filter=ES256].
// Pairs are named <ALG>/raw_verify vs <ALG>/jwtd_validate and
// <ALG>/raw_sign vs <ALG>/jwtd_sign.

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "server/crypto/eddsa.h"
#include "server/crypto/hmac.h"
#include "server/jose/algorithm.h"
#include "server/jose/base64url.h"
#include "server/jose/jws.h"
#include "server/jose/jwt_validator.h"
#include "server/jose/key_material.h"
#include "server/jose/key_set.h"
#include "server/jose/keys.h"

namespace jwtd {
namespace {

const absl::Time kNow = absl::FromUnixSeconds(1764400000);
constexpr char kIssuer[] = "https://issuer.example.com";
const std::string kHmacSecret(32, 'k');

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

struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using EvpPkey = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// One algorithm's keys, token and raw-OpenSSL twin.
struct Case {
  std::string name;
  jose::JwsAlgorithm alg;
  std::shared_ptr<const jose::SigningKey> signing_key;
  std::shared_ptr<const jose::KeySet> keys;
  std::string token;
  std::string signing_input;
  EvpPkey pkey;         // Same key, loaded straight into OpenSSL.
  std::string raw_sig;  // OpenSSL's own signature (DER for ECDSA).
};

const EVP_MD* DigestFor(jose::JwsAlgorithm alg) {
  if (jose::FamilyOf(alg) == jose::KeyFamily::kEdDsa) return nullptr;
  switch (jose::HashOf(alg)) {
    case crypto::HashFunction::kSha256:
      return EVP_sha256();
    case crypto::HashFunction::kSha384:
      return EVP_sha384();
    case crypto::HashFunction::kSha512:
      return EVP_sha512();
  }
  return nullptr;
}

void SetPss(EVP_PKEY_CTX* ctx, jose::JwsAlgorithm alg) {
  if (jose::FamilyOf(alg) != jose::KeyFamily::kRsaPss) return;
  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING);
  EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_DIGEST);
}

std::string RawSign(const Case& c) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EVP_DigestSignInit(ctx, &pctx, DigestFor(c.alg), nullptr, c.pkey.get());
  SetPss(pctx, c.alg);
  size_t length = 0;
  const auto* input =
      reinterpret_cast<const unsigned char*>(c.signing_input.data());
  EVP_DigestSign(ctx, nullptr, &length, input, c.signing_input.size());
  std::string sig(length, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &length,
                 input, c.signing_input.size());
  sig.resize(length);
  EVP_MD_CTX_free(ctx);
  return sig;
}

std::unique_ptr<Case> MakeCase(std::string name, jose::JwsAlgorithm alg,
                               const jose::PrivateKey& key) {
  auto c = std::make_unique<Case>();
  c->name = std::move(name);
  c->alg = alg;
  c->signing_key = jose::SigningKey::Create(key, alg).value();
  auto verification = jose::VerificationKey::Create(jose::PublicKeyOf(key), alg,
                                                    c->signing_key->kid())
                          .value();
  c->keys = jose::KeySet::Create({verification}).value();
  c->token =
      jose::SignCompact(*c->signing_key, "JWT", RealisticPayload()).value();
  c->signing_input = c->token.substr(0, c->token.rfind('.'));
  const std::string pem = jose::PrivateKeyToPem(key).value();
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  c->pkey.reset(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  c->raw_sig = RawSign(*c);
  return c;
}

jose::JwtValidator MakeValidator() {
  jose::ValidationPolicy policy;
  policy.issuer = kIssuer;
  policy.audiences = {"orders"};
  return jose::JwtValidator::Create(policy).value();
}

void RawVerify(benchmark::State& state, const Case* c) {
  const auto* input =
      reinterpret_cast<const unsigned char*>(c->signing_input.data());
  const auto* sig = reinterpret_cast<const unsigned char*>(c->raw_sig.data());
  for (auto _ : state) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX* pctx = nullptr;
    EVP_DigestVerifyInit(ctx, &pctx, DigestFor(c->alg), nullptr, c->pkey.get());
    SetPss(pctx, c->alg);
    int ok = EVP_DigestVerify(ctx, sig, c->raw_sig.size(), input,
                              c->signing_input.size());
    EVP_MD_CTX_free(ctx);
    if (ok != 1) state.SkipWithError("raw verify failed");
    benchmark::DoNotOptimize(ok);
  }
}

void JwtdValidate(benchmark::State& state, const Case* c) {
  const jose::JwtValidator validator = MakeValidator();
  for (auto _ : state) {
    auto jwt = validator.Validate(c->token, *c->keys, kNow);
    if (!jwt.ok()) state.SkipWithError("token rejected");
    benchmark::DoNotOptimize(jwt);
  }
}

void RawSignLoop(benchmark::State& state, const Case* c) {
  for (auto _ : state) {
    std::string sig = RawSign(*c);
    benchmark::DoNotOptimize(sig);
  }
}

void JwtdSign(benchmark::State& state, const Case* c) {
  const std::string payload = RealisticPayload();
  for (auto _ : state) {
    auto token = jose::SignCompact(*c->signing_key, "JWT", payload);
    benchmark::DoNotOptimize(token);
  }
}

// HS256's floor: one pre-keyed EVP_MAC context re-initialised per message
// (PLATFORM.md), which is also what jwtd's HmacKey does per thread.
void Hs256RawMac(benchmark::State& state) {
  const std::string input =
      "eyJhbGciOiJIUzI1NiJ9." + jose::Base64UrlEncode(RealisticPayload());
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                         OSSL_PARAM_construct_end()};
  EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(kHmacSecret.data()),
               kHmacSecret.size(), params);
  unsigned char out[64];
  for (auto _ : state) {
    size_t out_length = 0;
    EVP_MAC_init(ctx, nullptr, 0, nullptr);
    EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(input.data()),
                   input.size());
    EVP_MAC_final(ctx, out, &out_length, sizeof(out));
    benchmark::DoNotOptimize(out);
  }
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
}

void Hs256JwtdValidate(benchmark::State& state) {
  auto signing = jose::SigningKey::FromSecret(
                     kHmacSecret, jose::JwsAlgorithm::kHS256, "hmac-1")
                     .value();
  auto verification = jose::VerificationKey::FromSecret(
                          kHmacSecret, jose::JwsAlgorithm::kHS256, "hmac-1")
                          .value();
  auto keys = jose::KeySet::Create({verification}).value();
  const std::string token =
      jose::SignCompact(*signing, "JWT", RealisticPayload()).value();
  const jose::JwtValidator validator = MakeValidator();
  for (auto _ : state) {
    auto jwt = validator.Validate(token, *keys, kNow);
    if (!jwt.ok()) state.SkipWithError("token rejected");
    benchmark::DoNotOptimize(jwt);
  }
}

std::vector<std::unique_ptr<Case>> MakeCases() {
  using jose::JwsAlgorithm;
  std::vector<std::unique_ptr<Case>> cases;
  const jose::PrivateKey rsa =
      jose::GeneratePrivateKey(JwsAlgorithm::kRS256).value();
  cases.push_back(MakeCase("RS256", JwsAlgorithm::kRS256, rsa));
  cases.push_back(MakeCase("PS256", JwsAlgorithm::kPS256, rsa));
  for (auto [name, alg] : {std::pair{"ES256", JwsAlgorithm::kES256},
                           std::pair{"ES384", JwsAlgorithm::kES384},
                           std::pair{"ES512", JwsAlgorithm::kES512}}) {
    cases.push_back(MakeCase(name, alg, jose::GeneratePrivateKey(alg).value()));
  }
  cases.push_back(
      MakeCase("EdDSA-Ed25519", JwsAlgorithm::kEdDSA,
               jose::GeneratePrivateKey(JwsAlgorithm::kEdDSA).value()));
  cases.push_back(MakeCase(
      "EdDSA-Ed448", JwsAlgorithm::kEdDSA,
      crypto::EdPrivateKey::Generate(crypto::EdCurve::kEd448).value()));
  return cases;
}

}  // namespace
}  // namespace jwtd

int main(int argc, char** argv) {
  // Cases live until the benchmarks have run.
  static const auto cases = jwtd::MakeCases();
  benchmark::RegisterBenchmark("HS256/raw_mac", jwtd::Hs256RawMac);
  benchmark::RegisterBenchmark("HS256/jwtd_validate", jwtd::Hs256JwtdValidate);
  for (const auto& c : cases) {
    benchmark::RegisterBenchmark((c->name + "/raw_verify").c_str(),
                                 jwtd::RawVerify, c.get());
    benchmark::RegisterBenchmark((c->name + "/jwtd_validate").c_str(),
                                 jwtd::JwtdValidate, c.get());
    benchmark::RegisterBenchmark((c->name + "/raw_sign").c_str(),
                                 jwtd::RawSignLoop, c.get());
    benchmark::RegisterBenchmark((c->name + "/jwtd_sign").c_str(),
                                 jwtd::JwtdSign, c.get());
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
