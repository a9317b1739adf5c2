// Fuzzes the service layer's Validate path: TokenService::Validate (and
// Introspect) with two trusted issuers, the validation cache, access
// requirements and a revocation store, at a fixed clock. The input is
//   <flags byte><audience>\n<token>   (or <flags byte><token>: no audience)
// and the flags choose access requirements, Introspect, a key set swap and a
// clock step (see kFlag*). Properties (docs/fuzzing.md): every verdict is
// well formed and never quotes the token; a token is valid iff validating
// it again (a cache hit) gives the same verdict and claims; the cached
// service always agrees with an uncached one, also after the clock moves;
// a revoked jti is never valid. A violated property traps.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/jose/algorithm.h"
#include "server/jose/base64url.h"
#include "server/jose/jws.h"
#include "server/jose/jwt_validator.h"
#include "server/jose/key_set.h"
#include "server/jose/keys.h"
#include "server/jose/reject_reason.h"
#include "server/jose/verified_jwt.h"
#include "server/service/access_policy.h"
#include "server/service/token_service.h"
#include "server/util/clock.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/support/fake_key_ring.h"
#include "tests/support/fake_revocation_store.h"

namespace jwtd::service {
namespace {

using ::jwtd::fuzzing::IsTokenShaped;
using ::jwtd::fuzzing::Require;
using ::jwtd::fuzzing::ValueOrDie;
using ::jwtd::jose::RejectReason;

// The seed corpus (tests/fuzz/make_seed_corpus.py) signs its tokens with
// these secrets and kids and sets its claims around kNowSeconds.
constexpr char kSecret[] = "jwtd-fuzzing-hs256-secret-32byte";
constexpr char kPartnerSecret[] = "jwtd-fuzzing-partner-secret-32by";
constexpr char kIssuer[] = "https://issuer.example";
constexpr char kPartnerIssuer[] = "https://partner.example";
// Held by the first issuer only.
constexpr char kOwnKid[] = "hs256-key";
// Held by both issuers (each with its own secret): routed by `iss`. The
// partner holds no other key, so its tokens may also omit the kid.
constexpr char kSharedKid[] = "shared-kid";
constexpr int64_t kNowSeconds = 1700000000;  // 2023-11-14T22:13:20Z

// Revoked up front; the short one lapses within the clock steps below.
constexpr char kRevokedJti[] = "revoked-1";
constexpr char kShortRevokedJti[] = "revoked-short";

// A verified token and audience this small always fit the cache's budget
// per entry (ValidationCache::Insert skips larger ones).
constexpr size_t kSurelyCachedBytes = 4096;

// Input flags (first byte).
constexpr uint8_t kFlagIntrospect = 1 << 0;
constexpr uint8_t kFlagRequireScope = 1 << 1;  // scope "read"
constexpr uint8_t kFlagRequireRole = 1 << 2;   // claim roles: dev or ops
constexpr uint8_t kFlagSwapKeys = 1 << 3;      // new key set snapshots
constexpr int kClockStepShift = 4;             // bits 4-6: kClockSteps index

// Where the clock moves before the last validation: within and beyond
// leeway, exp (seeds expire after 1 h), max age (24 h), and backwards.
const std::array<absl::Duration, 8> kClockSteps = {
    absl::ZeroDuration(), absl::Seconds(30), absl::Seconds(61),
    absl::Minutes(31),    absl::Hours(1),    absl::Hours(25),
    -absl::Minutes(2),    -absl::Hours(1)};

absl::Time Now() { return absl::FromUnixSeconds(kNowSeconds); }

struct Fixture {
  FakeClock clock{Now()};
  std::shared_ptr<const jose::SigningKey> own_signer;
  std::shared_ptr<const jose::SigningKey> partner_signer;
  std::vector<std::shared_ptr<const jose::VerificationKey>> own_keys;
  std::vector<std::shared_ptr<const jose::VerificationKey>> partner_keys;
  std::unique_ptr<testing::FakeKeyRing> own_ring;
  std::unique_ptr<testing::FakeKeyRing> partner_ring;
  testing::FakeRevocationStore store;
  // The service under test is made per input (its cache must not carry
  // state from one input to the next); these two are stateless.
  TokenServiceOptions cached_options;
  std::unique_ptr<TokenService> uncached;  // same store, no cache
  std::unique_ptr<TokenService> no_store;  // no revocations, no cache

  // Fresh snapshots of the same keys (as a reload makes).
  void SwapKeys() {
    own_ring->ReplaceKeys(ValueOrDie(jose::KeySet::Create(own_keys), "keys"));
    partner_ring->ReplaceKeys(
        ValueOrDie(jose::KeySet::Create(partner_keys), "keys"));
  }
};

std::shared_ptr<const jose::VerificationKey> HmacKey(absl::string_view secret,
                                                     const char* kid) {
  return ValueOrDie(jose::VerificationKey::FromSecret(
                        secret, jose::JwsAlgorithm::kHS256, kid),
                    "HS256 key");
}

const Fixture& GetFixture() {
  static Fixture* const fixture = [] {
    auto* f = new Fixture;
    f->own_signer =
        ValueOrDie(jose::SigningKey::FromSecret(
                       kSecret, jose::JwsAlgorithm::kHS256, kOwnKid),
                   "signer");
    f->partner_signer =
        ValueOrDie(jose::SigningKey::FromSecret(
                       kPartnerSecret, jose::JwsAlgorithm::kHS256, kSharedKid),
                   "partner signer");
    f->own_keys = {HmacKey(kSecret, kOwnKid), HmacKey(kSecret, kSharedKid)};
    f->partner_keys = {HmacKey(kPartnerSecret, kSharedKid)};
    f->own_ring = std::make_unique<testing::FakeKeyRing>(
        f->own_signer, ValueOrDie(jose::KeySet::Create(f->own_keys), "keys"));
    f->partner_ring = std::make_unique<testing::FakeKeyRing>(
        nullptr, ValueOrDie(jose::KeySet::Create(f->partner_keys), "keys"));
    f->store.revoked[kRevokedJti] = Now() + absl::Hours(48);
    f->store.revoked[kShortRevokedJti] = Now() + absl::Minutes(30);

    TrustedIssuer own;
    own.policy.issuer = kIssuer;
    own.policy.audiences = {"api", "admin"};
    own.policy.max_age = absl::Hours(24);
    own.policy.required_claims = {"sub"};
    own.key_ring = f->own_ring.get();
    TrustedIssuer partner;
    partner.policy.issuer = kPartnerIssuer;
    partner.policy.audiences = {"partner"};
    partner.policy.leeway = absl::ZeroDuration();
    partner.policy.typ = "at+jwt";
    partner.policy.algorithms = {jose::JwsAlgorithm::kHS256};
    partner.key_ring = f->partner_ring.get();

    TokenServiceOptions options;
    options.issuers = {own, partner};
    options.revocations = &f->store;
    f->uncached = ValueOrDie(TokenService::Create(options, &f->clock),
                             "uncached service");
    options.validation_cache_bytes = 1 << 20;
    f->cached_options = options;
    options.revocations = nullptr;
    options.validation_cache_bytes = 0;
    f->no_store = ValueOrDie(TokenService::Create(options, &f->clock),
                             "service without store");
    return f;
  }();
  return *fixture;
}

Fixture& MutableFixture() { return const_cast<Fixture&>(GetFixture()); }

const jose::ValidationPolicy* PolicyOf(absl::string_view issuer) {
  for (const TrustedIssuer& trusted : GetFixture().cached_options.issuers) {
    if (trusted.policy.issuer == issuer) return &trusted.policy;
  }
  return nullptr;
}

bool Contains(const std::vector<std::string>& list, absl::string_view value) {
  for (const std::string& element : list) {
    if (element == value) return true;
  }
  return false;
}

// What every verdict must look like. `secret_text` (the signature of a
// token we signed) must not appear in the detail either.
void CheckVerdict(const absl::StatusOr<Verdict>& result,
                  const ValidateParams& params, absl::Time now,
                  absl::string_view secret_text) {
  // The fakes never fail: only an empty token is a bad request.
  Require(result.ok() != params.token.empty(),
          "Validate failed for a non-empty token, or accepted an empty one");
  if (!result.ok()) {
    Require(result.status().code() == absl::StatusCode::kInvalidArgument,
            "empty token is not INVALID_ARGUMENT");
    return;
  }
  const Verdict& verdict = *result;
  Require(verdict.valid() != verdict.reason.has_value(),
          "a verdict must be either valid or carry a reason");
  Require(verdict.issuer.empty() || PolicyOf(verdict.issuer) != nullptr,
          "verdict names an issuer that is not trusted");
  if (!verdict.valid()) {
    Require(!verdict.detail.empty(), "rejection without a detail");
    if (IsTokenShaped(params.token)) {
      Require(!absl::StrContains(verdict.detail, params.token),
              "rejection detail quotes the token");
    }
    if (!secret_text.empty()) {
      Require(!absl::StrContains(verdict.detail, secret_text),
              "rejection detail quotes the signature");
    }
    return;
  }
  Require(verdict.detail.empty(), "accepted with a detail");
  const jose::ValidationPolicy* policy = PolicyOf(verdict.issuer);
  Require(policy != nullptr, "accepted without naming the issuer");
  const jose::RegisteredClaims& claims = verdict.jwt->registered();
  const absl::Duration leeway = policy->leeway;
  Require(claims.issuer == policy->issuer, "accepted another issuer's token");
  Require(claims.expires_at.has_value() && *claims.expires_at + leeway > now,
          "accepted an expired token or one without exp");
  Require(!claims.not_before.has_value() || *claims.not_before <= now + leeway,
          "accepted a token before its nbf");
  Require(claims.issued_at.has_value() ||
              policy->max_age == absl::InfiniteDuration(),
          "accepted a token without iat under a maximum age");
  if (claims.issued_at.has_value()) {
    Require(*claims.issued_at <= now + leeway,
            "accepted a token issued in the future");
    Require(policy->max_age == absl::InfiniteDuration() ||
                now - *claims.issued_at <= policy->max_age + leeway,
            "accepted a token older than the maximum age");
  }
  bool policy_audience = policy->audiences.empty();
  for (const std::string& audience : policy->audiences) {
    policy_audience |= Contains(claims.audiences, audience);
  }
  Require(policy_audience, "accepted a token for none of the audiences");
  Require(
      params.audience.empty() || Contains(claims.audiences, params.audience),
      "accepted a token without the requested audience");
  for (const std::string& claim : policy->required_claims) {
    Require(verdict.jwt->claims().Find(claim) != nullptr,
            "accepted a token without a required claim");
  }
  const std::vector<std::string> granted = GrantedScopes(verdict.jwt->claims());
  for (const std::string& scope : params.access.scopes) {
    Require(Contains(granted, scope), "accepted without a required scope");
  }
  for (const ClaimRequirement& required : params.access.claims) {
    Require(verdict.jwt->claims().Find(required.claim) != nullptr,
            "accepted without a required claim of the access check");
  }
  // Never valid while revoked.
  if (claims.jwt_id.has_value()) {
    absl::StatusOr<bool> revoked =
        GetFixture().store.IsRevoked(*claims.jwt_id, now);
    Require(revoked.ok() && !*revoked, "accepted a revoked token");
  }
}

bool SameVerdict(const absl::StatusOr<Verdict>& a,
                 const absl::StatusOr<Verdict>& b) {
  if (a.ok() != b.ok()) return false;
  if (!a.ok()) return a.status() == b.status();
  if (a->valid() != b->valid() || a->reason != b->reason ||
      a->issuer != b->issuer || a->detail != b->detail) {
    return false;
  }
  if (!a->valid()) return true;
  return a->jwt->claims() == b->jwt->claims() &&
         a->jwt->alg() == b->jwt->alg() && a->jwt->kid() == b->jwt->kid();
}

void CheckToken(absl::string_view token, const std::string& audience,
                uint8_t flags, absl::string_view secret_text) {
  Fixture& f = MutableFixture();
  f.clock.Set(Now());
  std::unique_ptr<TokenService> service =
      ValueOrDie(TokenService::Create(f.cached_options, &f.clock), "service");

  ValidateParams params;
  params.token = token;
  params.audience = audience;
  if (flags & kFlagRequireScope) params.access.scopes = {"read"};
  if (flags & kFlagRequireRole) {
    params.access.claims = {{"roles", {"dev", "ops"}, false}};
  }
  ValidateParams bare;  // Same token and audience, no access requirements.
  bare.token = token;
  bare.audience = audience;

  const absl::StatusOr<Verdict> first = service->Validate(params);
  CheckVerdict(first, params, Now(), secret_text);
  if (!first.ok()) return;
  Require(SameVerdict(first, f.uncached->Validate(params)),
          "the cache changed a first verdict");

  // Revocation is the only difference a store makes: a token that is good
  // without it is REVOKED exactly when its jti is listed.
  const absl::StatusOr<Verdict> genuine = f.no_store->Validate(bare);
  Require(genuine.ok(), "Validate failed without a store");
  bool revoked = false;
  if (genuine->valid() && genuine->jwt->registered().jwt_id.has_value()) {
    revoked = *f.store.IsRevoked(*genuine->jwt->registered().jwt_id, Now());
  }
  if (revoked) {
    Require(first->reason == RejectReason::kRevoked,
            "a revoked jti was not refused as REVOKED");
  } else {
    Require(SameVerdict(first, f.no_store->Validate(params)),
            "the store changed the verdict on a token not revoked");
  }

  // Again at the same instant: a hit when the token verified (unless the
  // key sets were swapped in between), and the same verdict either way.
  if (flags & kFlagSwapKeys) f.SwapKeys();
  const uint64_t hits = service->CacheStats().hits;
  const absl::StatusOr<Verdict> second = service->Validate(params);
  Require(SameVerdict(first, second),
          "validating again gave another verdict or other claims");
  const bool expect_hit = genuine->valid() && !(flags & kFlagSwapKeys) &&
                          token.size() + audience.size() <= kSurelyCachedBytes;
  Require(service->CacheStats().hits == hits + (expect_hit ? 1 : 0),
          "a verified token was not served from the cache, or a swapped "
          "key set was");

  // After the clock moves, the cache must still agree with full validation.
  const absl::Time later = Now() + kClockSteps[(flags >> kClockStepShift) & 7];
  f.clock.Set(later);
  const absl::StatusOr<Verdict> moved = service->Validate(params);
  CheckVerdict(moved, params, later, secret_text);
  Require(SameVerdict(moved, f.uncached->Validate(params)),
          "a cached verdict differs from full validation after a clock step");

  if (flags & kFlagIntrospect) {
    ValidateParams plain;
    plain.token = token;
    const absl::StatusOr<Verdict> verdict = service->Validate(plain);
    const absl::StatusOr<std::optional<jose::VerifiedJwt>> introspected =
        service->Introspect(token);
    Require(introspected.ok() && verdict.ok(), "Introspect failed");
    Require(introspected->has_value() == verdict->valid(),
            "Introspect disagrees with Validate");
    if (introspected->has_value()) {
      Require((*introspected)->claims() == verdict->jwt->claims(),
              "Introspect gave other claims");
    }
  }
}

// A signature the fuzzer cannot forge: the same header and payload signed
// with each issuer's secret, so the claim checks, routing and the cache
// are reached with fuzzer-chosen claims.
void CheckResigned(absl::string_view token, const std::string& audience,
                   uint8_t flags) {
  absl::StatusOr<jose::UnverifiedJws> jws =
      jose::UnverifiedJws::Parse(token, jose::JwsLimits());
  if (!jws.ok() || jws->alg() != jose::JwsAlgorithm::kHS256) return;
  const Fixture& f = GetFixture();
  for (const jose::SigningKey* signer :
       {f.own_signer.get(), f.partner_signer.get()}) {
    absl::StatusOr<std::string> signature =
        signer->signer().Sign(jws->signing_input());
    Require(signature.ok(), "signing failed");
    const std::string encoded = jose::Base64UrlEncode(*signature);
    const std::string resigned =
        absl::StrCat(jws->signing_input(), ".", encoded);
    CheckToken(resigned, audience, flags, encoded);
  }
}

void FuzzValidate(absl::string_view input) {
  if (input.empty()) return;
  const uint8_t flags = static_cast<uint8_t>(input[0]);
  input.remove_prefix(1);
  std::string audience;
  if (const size_t newline = input.find('\n');
      newline != absl::string_view::npos) {
    audience = std::string(input.substr(0, newline));
    input.remove_prefix(newline + 1);
  }
  CheckToken(input, audience, flags, "");
  CheckResigned(input, audience, flags);
}

}  // namespace
}  // namespace jwtd::service

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  jwtd::service::FuzzValidate(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
