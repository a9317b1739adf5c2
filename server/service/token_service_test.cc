#include "server/service/token_service.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/crypto/ecdsa.h"
#include "server/jose/base64url.h"
#include "server/jose/json.h"
#include "server/jose/json_parser.h"
#include "server/jose/jws.h"
#include "server/jose/key_set.h"
#include "server/jose/keys.h"
#include "server/keyring/key_ring.h"
#include "server/util/clock.h"
#include "tests/support/fake_key_ring.h"
#include "tests/support/fake_revocation_store.h"
#include "tests/support/json_member.h"
#include "tests/support/reject_matchers.h"
#include "tests/support/status_matchers.h"

namespace jwtd::service {
namespace {

using ::jwtd::jose::Json;
using ::jwtd::jose::RejectReason;
using ::jwtd::testing::FakeKeyRing;
using ::jwtd::testing::FakeRevocationStore;
using ::jwtd::testing::IsOk;
using ::jwtd::testing::Member;
using ::jwtd::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr int64_t kNowSeconds = 1700000000;
const absl::Time kNow = absl::FromUnixSeconds(kNowSeconds);
constexpr char kIssuer[] = "https://jwtd.example";
constexpr char kDefaultAudience[] = "api";
constexpr char kOtherAudience[] = "admin";
constexpr char kSubject[] = "alice";

// A ring over a fresh ES256 key, signing and verifying with it.
std::unique_ptr<FakeKeyRing> NewEs256Ring() {
  crypto::EcPrivateKey ec =
      crypto::EcPrivateKey::Generate(crypto::EcCurve::kP256).value();
  auto signing = jose::SigningKey::Create(ec, jose::JwsAlgorithm::kES256);
  EXPECT_THAT(signing, IsOk());
  auto verification = jose::VerificationKey::Create(
      ec.public_key(), jose::JwsAlgorithm::kES256, (*signing)->kid());
  EXPECT_THAT(verification, IsOk());
  auto keys = jose::KeySet::Create({*verification});
  EXPECT_THAT(keys, IsOk());
  return std::make_unique<FakeKeyRing>(*signing, *keys);
}

// One trusted (and signing) issuer whose keys come from `ring`.
TokenServiceOptions DefaultOptions(keyring::KeyRing* ring) {
  TokenServiceOptions options;
  TrustedIssuer issuer;
  issuer.policy.issuer = kIssuer;
  issuer.policy.audiences = {kDefaultAudience, kOtherAudience};
  issuer.key_ring = ring;
  options.issuers.push_back(std::move(issuer));
  return options;
}

// The claims of a token, decoded without verification (tests only).
Json PayloadOf(absl::string_view token) {
  const std::vector<std::string> segments = absl::StrSplit(token, '.');
  EXPECT_EQ(segments.size(), 3u);
  absl::StatusOr<std::string> payload = jose::Base64UrlDecode(segments[1]);
  EXPECT_THAT(payload, IsOk());
  absl::StatusOr<Json> json = jose::ParseJsonObject(payload.value_or(""));
  EXPECT_THAT(json, IsOk());
  return json.value_or(Json::EmptyObject());
}

class TokenServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ring_ = NewEs256Ring();
    ASSERT_OK_AND_ASSIGN(
        service_, TokenService::Create(DefaultOptions(ring_.get()), &clock_));
  }

  static IssueParams Params() {
    IssueParams params;
    params.subject = kSubject;
    return params;
  }

  // Issues with `params` and validates the result at the clock's now.
  absl::StatusOr<Verdict> IssueAndValidate(const IssueParams& params) {
    absl::StatusOr<IssuedToken> issued = service_->Issue(params);
    if (!issued.ok()) return issued.status();
    ValidateParams validate;
    validate.token = issued->token;
    return service_->Validate(validate);
  }

  // Issue may refuse `params`, but a token it hands out must be accepted by
  // the same service's validation.
  void ExpectRefusedOrValid(const IssueParams& params) {
    absl::StatusOr<IssuedToken> issued = service_->Issue(params);
    if (!issued.ok()) {
      EXPECT_THAT(issued, StatusIs(kInvalid));
      return;
    }
    ValidateParams validate;
    validate.token = issued->token;
    ASSERT_OK_AND_ASSIGN(Verdict verdict, service_->Validate(validate));
    EXPECT_TRUE(verdict.valid())
        << "Issue returned a token that Validate rejects: "
        << (verdict.reason ? jose::RejectReasonName(*verdict.reason) : "")
        << " " << verdict.detail;
  }

  FakeClock clock_{kNow};
  std::unique_ptr<FakeKeyRing> ring_;
  std::unique_ptr<TokenService> service_;
};

// Issue sets iss, sub, aud (the default audience), exp (default TTL), iat,
// jti and scope, and reports them.
TEST_F(TokenServiceTest, IssueSetsRegisteredClaims) {
  IssueParams params = Params();
  params.scope = "read write";
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(params));
  EXPECT_EQ(issued.kid, ring_->ActiveSigningKey()->kid());
  EXPECT_EQ(issued.alg, jose::JwsAlgorithm::kES256);
  EXPECT_EQ(issued.issued_at, kNow);
  EXPECT_EQ(issued.expires_at, kNow + absl::Minutes(15));
  // 16 random bytes, base64url.
  EXPECT_EQ(issued.jti.size(), 22u);
  EXPECT_THAT(jose::Base64UrlDecode(issued.jti), IsOk());

  const Json claims = PayloadOf(issued.token);
  EXPECT_EQ(Member(claims, "iss").string_value(), kIssuer);
  EXPECT_EQ(Member(claims, "sub").string_value(), kSubject);
  EXPECT_EQ(Member(claims, "aud").string_value(), kDefaultAudience);
  EXPECT_EQ(Member(claims, "iat").number().integer, kNowSeconds);
  EXPECT_EQ(Member(claims, "exp").number().integer, kNowSeconds + 15 * 60);
  EXPECT_EQ(Member(claims, "jti").string_value(), issued.jti);
  EXPECT_EQ(Member(claims, "scope").string_value(), "read write");
  EXPECT_EQ(claims.Find("nbf"), nullptr);

  ASSERT_OK_AND_ASSIGN(jose::UnverifiedJws jws,
                       jose::UnverifiedJws::Parse(issued.token, {}));
  EXPECT_EQ(jws.typ(), std::optional<std::string>("JWT"));
  EXPECT_EQ(jws.kid(), std::optional<std::string>(issued.kid));
}

// No scope, no scope claim.
TEST_F(TokenServiceTest, IssueWithoutScopeOmitsIt) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(Params()));
  EXPECT_EQ(PayloadOf(issued.token).Find("scope"), nullptr);
}

// Explicit audiences replace the default: one is a string, several an array.
TEST_F(TokenServiceTest, IssueAudiences) {
  IssueParams params = Params();
  params.audiences = {kOtherAudience};
  ASSERT_OK_AND_ASSIGN(IssuedToken one, service_->Issue(params));
  EXPECT_EQ(Member(PayloadOf(one.token), "aud").string_value(), kOtherAudience);

  params.audiences = {kDefaultAudience, kOtherAudience};
  ASSERT_OK_AND_ASSIGN(IssuedToken two, service_->Issue(params));
  const Json aud = Member(PayloadOf(two.token), "aud");
  ASSERT_TRUE(aud.is_array());
  ASSERT_EQ(aud.array().size(), 2u);
  EXPECT_EQ(aud.array()[0].string_value(), kDefaultAudience);
  EXPECT_EQ(aud.array()[1].string_value(), kOtherAudience);

  // A service without audiences issues tokens without aud.
  TokenServiceOptions options = DefaultOptions(ring_.get());
  options.issuers[0].policy.audiences.clear();
  ASSERT_OK_AND_ASSIGN(auto open, TokenService::Create(options, &clock_));
  ASSERT_OK_AND_ASSIGN(IssuedToken none, open->Issue(Params()));
  EXPECT_EQ(PayloadOf(none.token).Find("aud"), nullptr);
}

// Bad audiences are refused.
TEST_F(TokenServiceTest, IssueRejectsBadAudiences) {
  IssueParams params = Params();
  params.audiences = {""};
  EXPECT_THAT(service_->Issue(params), StatusIs(kInvalid));
  params.audiences = {std::string(kMaxAudienceBytes + 1, 'a')};
  EXPECT_THAT(service_->Issue(params), StatusIs(kInvalid));
  params.audiences = std::vector<std::string>(kMaxAudiences + 1, "a");
  EXPECT_THAT(service_->Issue(params), StatusIs(kInvalid));
  params.audiences = {std::string(kMaxAudienceBytes, 'a')};
  EXPECT_THAT(service_->Issue(params), IsOk());
}

// The TTL defaults to default_ttl, may go up to max_ttl, and must be
// positive.
TEST_F(TokenServiceTest, IssueTtl) {
  IssueParams params = Params();
  params.ttl = absl::Hours(1);
  ASSERT_OK_AND_ASSIGN(IssuedToken hour, service_->Issue(params));
  EXPECT_EQ(hour.expires_at, kNow + absl::Hours(1));
  EXPECT_EQ(Member(PayloadOf(hour.token), "exp").number().integer,
            kNowSeconds + 3600);

  params.ttl = absl::Hours(24);  // max_ttl exactly
  ASSERT_OK_AND_ASSIGN(IssuedToken day, service_->Issue(params));
  EXPECT_EQ(day.expires_at, kNow + absl::Hours(24));

  for (absl::Duration bad :
       {absl::ZeroDuration(), absl::Seconds(-1),
        absl::Hours(24) + absl::Seconds(1), absl::Hours(25),
        -absl::InfiniteDuration(), absl::InfiniteDuration()}) {
    params.ttl = bad;
    EXPECT_THAT(service_->Issue(params), StatusIs(kInvalid))
        << absl::FormatDuration(bad);
  }
}

// The subject is required and at most kMaxSubjectBytes.
TEST_F(TokenServiceTest, IssueSubject) {
  IssueParams params = Params();
  params.subject = "";
  EXPECT_THAT(service_->Issue(params), StatusIs(kInvalid));
  params.subject = std::string(kMaxSubjectBytes + 1, 's');
  EXPECT_THAT(service_->Issue(params), StatusIs(kInvalid));
  params.subject = std::string(kMaxSubjectBytes, 's');
  EXPECT_THAT(service_->Issue(params), IsOk());
  EXPECT_EQ(kMaxSubjectBytes, 1024u);
}

// A malformed scope is refused.
TEST_F(TokenServiceTest, IssueRejectsBadScope) {
  IssueParams params = Params();
  for (const char* scope :
       {"read \"write\"", "a\\b", "tab\there", "caf\xc3\xa9"}) {
    params.scope = scope;
    EXPECT_THAT(service_->Issue(params), StatusIs(kInvalid)) << scope;
  }
}

// Extra claims are copied into the token.
TEST_F(TokenServiceTest, IssueExtraClaims) {
  IssueParams params = Params();
  params.extra_claims = Json::EmptyObject();
  params.extra_claims.Set("role", Json::String("admin"));
  Json list = Json::EmptyArray();
  list.Append(Json::Integer(1));
  list.Append(Json::Bool(true));
  params.extra_claims.Set("list", list);
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(params));
  const Json claims = PayloadOf(issued.token);
  EXPECT_EQ(Member(claims, "role").string_value(), "admin");
  EXPECT_TRUE(Member(claims, "list") == list);
  EXPECT_EQ(Member(claims, "sub").string_value(), kSubject);
}

// Extra claims may not name a claim that Issue sets itself.
TEST_F(TokenServiceTest, IssueRefusesReservedExtraClaims) {
  for (const char* name :
       {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "scope"}) {
    IssueParams params = Params();
    params.extra_claims = Json::EmptyObject();
    params.extra_claims.Set("ok", Json::Integer(1));
    params.extra_claims.Set(name, Json::String("x"));
    EXPECT_THAT(service_->Issue(params), StatusIs(kInvalid)) << name;
  }
}

// Extra claims must be an object (or null for none).
TEST_F(TokenServiceTest, IssueRefusesNonObjectExtraClaims) {
  for (const Json& extra : {Json::EmptyArray(), Json::String("{}"),
                            Json::Integer(1), Json::Bool(true)}) {
    IssueParams params = Params();
    params.extra_claims = extra;
    EXPECT_THAT(service_->Issue(params), StatusIs(kInvalid))
        << extra.Serialize();
  }
  IssueParams params = Params();
  params.extra_claims = Json();
  EXPECT_THAT(service_->Issue(params), IsOk());
  params.extra_claims = Json::EmptyObject();
  EXPECT_THAT(service_->Issue(params), IsOk());
}

// Claims too large for a token are refused rather than issued.
TEST_F(TokenServiceTest, IssueRefusesHugeExtraClaims) {
  IssueParams params = Params();
  params.extra_claims = Json::EmptyObject();
  params.extra_claims.Set("pad", Json::String(std::string(9000, 'p')));
  EXPECT_THAT(service_->Issue(params), StatusIs(kInvalid));
}

// Around the size limit, every token Issue returns validates (it never
// hands out a token over the limit).
TEST_F(TokenServiceTest, IssuedTokensNeverExceedTheLimit) {
  int issued = 0;
  for (size_t pad = 4000; pad <= 8200; pad += 150) {
    IssueParams params = Params();
    params.extra_claims = Json::EmptyObject();
    params.extra_claims.Set("pad", Json::String(std::string(pad, 'p')));
    absl::StatusOr<IssuedToken> token = service_->Issue(params);
    if (!token.ok()) {
      EXPECT_THAT(token, StatusIs(kInvalid)) << pad;
      continue;
    }
    ++issued;
    EXPECT_LE(token->token.size(), 8192u);
    ExpectRefusedOrValid(params);
  }
  EXPECT_GT(issued, 0);
}

// nbf must lie before exp; a valid one is written and enforced.
TEST_F(TokenServiceTest, IssueNotBefore) {
  IssueParams params = Params();
  params.not_before = kNow + absl::Minutes(15);  // == exp
  EXPECT_THAT(service_->Issue(params), StatusIs(kInvalid));
  params.not_before = kNow + absl::Minutes(20);
  EXPECT_THAT(service_->Issue(params), StatusIs(kInvalid));

  params.not_before = kNow + absl::Minutes(10);
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(params));
  EXPECT_EQ(Member(PayloadOf(issued.token), "nbf").number().integer,
            kNowSeconds + 600);
  ValidateParams validate;
  validate.token = issued.token;
  ASSERT_OK_AND_ASSIGN(Verdict early, service_->Validate(validate));
  EXPECT_EQ(early.reason,
            std::optional<RejectReason>(RejectReason::kNotYetValid));
  clock_.Advance(absl::Minutes(10));
  ASSERT_OK_AND_ASSIGN(Verdict later, service_->Validate(validate));
  EXPECT_TRUE(later.valid()) << later.detail;
}

// A ring that cannot sign makes Issue FAILED_PRECONDITION.
TEST_F(TokenServiceTest, IssueWithoutSigningKey) {
  FakeKeyRing verify_only(nullptr, ring_->VerificationKeys());
  ASSERT_OK_AND_ASSIGN(
      auto service,
      TokenService::Create(DefaultOptions(&verify_only), &clock_));
  EXPECT_THAT(service->Issue(Params()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// Every token has its own jti.
TEST_F(TokenServiceTest, JtiIsUnique) {
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(Params()));
    EXPECT_TRUE(seen.insert(issued.jti).second) << issued.jti;
  }
}

// An issued token is valid now, and the verdict carries the verified claims.
TEST_F(TokenServiceTest, ValidateIssuedToken) {
  IssueParams params = Params();
  params.scope = "read";
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(params));
  ValidateParams validate;
  validate.token = issued.token;
  ASSERT_OK_AND_ASSIGN(Verdict verdict, service_->Validate(validate));
  ASSERT_TRUE(verdict.valid()) << verdict.detail;
  EXPECT_FALSE(verdict.reason.has_value());
  EXPECT_EQ(verdict.jwt->kid(), issued.kid);
  EXPECT_EQ(verdict.jwt->registered().jwt_id,
            std::optional<std::string>(issued.jti));
  EXPECT_EQ(verdict.jwt->registered().expires_at,
            std::optional<absl::Time>(issued.expires_at));
  EXPECT_EQ(Member(verdict.jwt->claims(), "scope").string_value(), "read");
}

// The token stays valid up to exp + leeway and is expired from then on.
TEST_F(TokenServiceTest, ValidateAfterExpiry) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(Params()));
  ValidateParams validate;
  validate.token = issued.token;
  clock_.Set(issued.expires_at + absl::Seconds(59));
  ASSERT_OK_AND_ASSIGN(Verdict within, service_->Validate(validate));
  EXPECT_TRUE(within.valid()) << within.detail;
  clock_.Set(issued.expires_at + absl::Seconds(60));
  ASSERT_OK_AND_ASSIGN(Verdict expired, service_->Validate(validate));
  EXPECT_FALSE(expired.valid());
  EXPECT_EQ(expired.reason,
            std::optional<RejectReason>(RejectReason::kExpired));
  EXPECT_FALSE(expired.detail.empty());
}

// Access requirements and a requested audience are decided on top of
// validity.
TEST_F(TokenServiceTest, ValidateWithRequirements) {
  IssueParams params = Params();
  params.scope = "read write";
  params.extra_claims = Json::EmptyObject();
  Json roles = Json::EmptyArray();
  roles.Append(Json::String("dev"));
  params.extra_claims.Set("roles", roles);
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(params));

  ValidateParams validate;
  validate.token = issued.token;
  validate.access.scopes = {"read", "write"};
  validate.access.claims = {{"roles", {"dev"}, false}};
  ASSERT_OK_AND_ASSIGN(Verdict ok, service_->Validate(validate));
  EXPECT_TRUE(ok.valid()) << ok.detail;

  validate.access.scopes = {"admin"};
  ASSERT_OK_AND_ASSIGN(Verdict scope, service_->Validate(validate));
  EXPECT_FALSE(scope.valid());
  EXPECT_EQ(scope.reason,
            std::optional<RejectReason>(RejectReason::kInsufficientScope));

  validate.access.scopes = {"read"};
  validate.access.claims = {{"roles", {"ops"}, false}};
  ASSERT_OK_AND_ASSIGN(Verdict claim, service_->Validate(validate));
  EXPECT_EQ(claim.reason,
            std::optional<RejectReason>(RejectReason::kClaimMismatch));
  EXPECT_EQ(claim.jwt, nullptr);

  validate.access = {};
  validate.audience = kOtherAudience;  // token is for "api" only
  ASSERT_OK_AND_ASSIGN(Verdict audience, service_->Validate(validate));
  EXPECT_EQ(audience.reason,
            std::optional<RejectReason>(RejectReason::kWrongAudience));
  validate.audience = kDefaultAudience;
  ASSERT_OK_AND_ASSIGN(Verdict right, service_->Validate(validate));
  EXPECT_TRUE(right.valid()) << right.detail;
}

// Request errors are statuses; token errors are verdicts.
TEST_F(TokenServiceTest, ValidateBadRequestsAndBadTokens) {
  ValidateParams validate;
  validate.token = "";
  EXPECT_THAT(service_->Validate(validate), StatusIs(kInvalid));

  for (const char* garbage : {"garbage", "a.b.c", "...", "eyJ.eyJ.x"}) {
    validate.token = garbage;
    ASSERT_OK_AND_ASSIGN(Verdict verdict, service_->Validate(validate));
    EXPECT_FALSE(verdict.valid());
    EXPECT_EQ(verdict.reason,
              std::optional<RejectReason>(RejectReason::kMalformed))
        << garbage;
    EXPECT_THAT(verdict.detail, Not(HasSubstr(garbage)));
    EXPECT_EQ(verdict.issuer, "") << garbage;
  }

  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(Params()));
  validate.token = issued.token;
  validate.access.scopes = {"bad scope"};
  EXPECT_THAT(service_->Validate(validate), StatusIs(kInvalid));
}

// Tokens from another key or another issuer are rejected with a reason.
TEST_F(TokenServiceTest, ValidateForeignTokens) {
  std::unique_ptr<FakeKeyRing> other_ring = NewEs256Ring();
  ASSERT_OK_AND_ASSIGN(
      auto other_key_service,
      TokenService::Create(DefaultOptions(other_ring.get()), &clock_));
  ASSERT_OK_AND_ASSIGN(IssuedToken foreign, other_key_service->Issue(Params()));
  ValidateParams validate;
  validate.token = foreign.token;
  ASSERT_OK_AND_ASSIGN(Verdict unknown, service_->Validate(validate));
  EXPECT_EQ(unknown.reason,
            std::optional<RejectReason>(RejectReason::kUnknownKey));

  TokenServiceOptions options = DefaultOptions(ring_.get());
  options.issuers[0].policy.issuer = "https://elsewhere.example";
  ASSERT_OK_AND_ASSIGN(auto other_issuer,
                       TokenService::Create(options, &clock_));
  ASSERT_OK_AND_ASSIGN(IssuedToken wrong_iss, other_issuer->Issue(Params()));
  validate.token = wrong_iss.token;
  ASSERT_OK_AND_ASSIGN(Verdict issuer, service_->Validate(validate));
  EXPECT_EQ(issuer.reason,
            std::optional<RejectReason>(RejectReason::kWrongIssuer));
  EXPECT_EQ(issuer.issuer, kIssuer);  // Our key judged it.
}

// Introspect: the verified token when active, nullopt when not.
TEST_F(TokenServiceTest, Introspect) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(Params()));
  ASSERT_OK_AND_ASSIGN(std::optional<jose::VerifiedJwt> active,
                       service_->Introspect(issued.token));
  ASSERT_TRUE(active.has_value());
  EXPECT_EQ(active->registered().subject, std::optional<std::string>(kSubject));

  ASSERT_OK_AND_ASSIGN(std::optional<jose::VerifiedJwt> garbage,
                       service_->Introspect("not.a.token"));
  EXPECT_FALSE(garbage.has_value());

  clock_.Advance(absl::Hours(1));
  ASSERT_OK_AND_ASSIGN(std::optional<jose::VerifiedJwt> expired,
                       service_->Introspect(issued.token));
  EXPECT_FALSE(expired.has_value());

  EXPECT_THAT(service_->Introspect(""), StatusIs(kInvalid));
}

// The service publishes the ring's JWKS.
TEST_F(TokenServiceTest, PublicJwks) {
  EXPECT_EQ(service_->PublicJwks(), ring_->VerificationKeys()->jwks_json());
  EXPECT_THAT(service_->PublicJwks(),
              HasSubstr(ring_->ActiveSigningKey()->kid()));
}

// Create refuses inconsistent options.
TEST_F(TokenServiceTest, CreateRejectsBadOptions) {
  auto create = [&](const TokenServiceOptions& options) {
    return TokenService::Create(options, &clock_);
  };
  TokenServiceOptions options = DefaultOptions(ring_.get());
  EXPECT_THAT(create(options), IsOk());
  EXPECT_EQ(create(options).value()->options().issuers[0].policy.issuer,
            kIssuer);

  options.issuers[0].policy.issuer = "";
  EXPECT_THAT(create(options), StatusIs(kInvalid));
  options = DefaultOptions(ring_.get());
  options.issuers[0].policy.leeway = absl::Minutes(11);
  EXPECT_THAT(create(options), StatusIs(kInvalid));
  options.issuers[0].policy.leeway = absl::Seconds(-1);
  EXPECT_THAT(create(options), StatusIs(kInvalid));
  options = DefaultOptions(ring_.get());
  options.default_ttl = absl::Hours(25);  // > max_ttl
  EXPECT_THAT(create(options), StatusIs(kInvalid));
  options = DefaultOptions(ring_.get());
  options.default_ttl = absl::ZeroDuration();
  EXPECT_THAT(create(options), StatusIs(kInvalid));
  options.default_ttl = absl::Seconds(-5);
  EXPECT_THAT(create(options), StatusIs(kInvalid));
  options = DefaultOptions(ring_.get());
  options.max_ttl = absl::ZeroDuration();
  EXPECT_THAT(create(options), StatusIs(kInvalid));
  options = DefaultOptions(ring_.get());
  options.issuers[0].policy.audiences = {"api", ""};
  EXPECT_THAT(create(options), StatusIs(kInvalid));
}

// Issue must not hand out a token its own validator refuses. Each case
// below is an input Issue accepts today; it should either be refused with
// INVALID_ARGUMENT or yield a valid token.

// Extra claims nested deeper than the payload depth limit (16).
TEST_F(TokenServiceTest, IssueNeverReturnsTooDeepToken) {
  Json deep = Json::EmptyObject();
  for (int i = 0; i < 20; ++i) {
    Json outer = Json::EmptyObject();
    outer.Set("d", std::move(deep));
    deep = std::move(outer);
  }
  IssueParams params = Params();
  params.extra_claims = Json::EmptyObject();
  params.extra_claims.Set("deep", deep);
  ExpectRefusedOrValid(params);
}

// A not_before before 1970 (a NumericDate the validator calls invalid).
TEST_F(TokenServiceTest, IssueNeverReturnsTokenWithNegativeNbf) {
  IssueParams params = Params();
  params.not_before = absl::UnixEpoch() - absl::Hours(1);
  ExpectRefusedOrValid(params);
}

// A subject or claim that is not valid UTF-8.
TEST_F(TokenServiceTest, IssueNeverReturnsTokenWithInvalidUtf8) {
  IssueParams params = Params();
  params.subject = "alice\xff";
  ExpectRefusedOrValid(params);
  params = Params();
  params.extra_claims = Json::EmptyObject();
  params.extra_claims.Set("name", Json::String("\xc3("));
  ExpectRefusedOrValid(params);
}

// A large (finite) number claim.
TEST_F(TokenServiceTest, IssueNeverReturnsTokenWithUnparseableNumber) {
  IssueParams params = Params();
  params.extra_claims = Json::EmptyObject();
  params.extra_claims.Set("big", Json::Double(18446744073709551616.0));
  ExpectRefusedOrValid(params);
}

// Several trusted issuers: each token is checked against its own issuer's
// keys and policy, and a key of one issuer never validates a token that
// claims another.
TEST_F(TokenServiceTest, RoutesTokensToTheirIssuer) {
  std::unique_ptr<FakeKeyRing> partner_ring = NewEs256Ring();
  TokenServiceOptions partner_options = DefaultOptions(partner_ring.get());
  partner_options.issuers[0].policy.issuer = "https://partner.example";
  partner_options.issuers[0].policy.audiences = {"partner-api"};
  ASSERT_OK_AND_ASSIGN(auto partner,
                       TokenService::Create(partner_options, &clock_));

  TokenServiceOptions options = DefaultOptions(ring_.get());
  options.issuers.push_back(partner_options.issuers[0]);
  ASSERT_OK_AND_ASSIGN(auto both, TokenService::Create(options, &clock_));

  ValidateParams validate;
  ASSERT_OK_AND_ASSIGN(IssuedToken own, service_->Issue(Params()));
  validate.token = own.token;
  ASSERT_OK_AND_ASSIGN(Verdict own_verdict, both->Validate(validate));
  EXPECT_TRUE(own_verdict.valid()) << own_verdict.detail;

  ASSERT_OK_AND_ASSIGN(IssuedToken theirs, partner->Issue(Params()));
  validate.token = theirs.token;
  ASSERT_OK_AND_ASSIGN(Verdict their_verdict, both->Validate(validate));
  EXPECT_TRUE(their_verdict.valid()) << their_verdict.detail;
  // The verdict names the configured issuer that judged the token.
  EXPECT_EQ(own_verdict.issuer, kIssuer);
  EXPECT_EQ(their_verdict.issuer, "https://partner.example");

  // The partner's key signing a token that claims our issuer: refused.
  TokenServiceOptions impostor_options = DefaultOptions(partner_ring.get());
  ASSERT_OK_AND_ASSIGN(auto impostor,
                       TokenService::Create(impostor_options, &clock_));
  ASSERT_OK_AND_ASSIGN(IssuedToken forged, impostor->Issue(Params()));
  validate.token = forged.token;
  ASSERT_OK_AND_ASSIGN(Verdict forged_verdict, both->Validate(validate));
  EXPECT_EQ(forged_verdict.reason,
            std::optional<RejectReason>(RejectReason::kWrongIssuer));
  // Judged by the issuer whose key it names.
  EXPECT_EQ(forged_verdict.issuer, "https://partner.example");

  // Two issuers with one name are refused.
  options.issuers.push_back(options.issuers[0]);
  EXPECT_THAT(TokenService::Create(options, &clock_), StatusIs(kInvalid));
}

// An unknown kid asks the named issuer's ring; a ring that cannot reach its
// source makes the call UNAVAILABLE (retry), not an "invalid" verdict.
TEST_F(TokenServiceTest, UnknownKidAsksTheIssuersRing) {
  std::unique_ptr<FakeKeyRing> rotated_ring = NewEs256Ring();
  ASSERT_OK_AND_ASSIGN(
      auto rotated,
      TokenService::Create(DefaultOptions(rotated_ring.get()), &clock_));
  ASSERT_OK_AND_ASSIGN(IssuedToken unknown_kid, rotated->Issue(Params()));

  ValidateParams validate;
  validate.token = unknown_kid.token;
  ring_->unknown_kid_answer = absl::UnavailableError("issuer unreachable");
  EXPECT_THAT(service_->Validate(validate),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ring_->unknown_kid_calls, 1);

  ring_->unknown_kid_answer = absl::OkStatus();
  ASSERT_OK_AND_ASSIGN(Verdict verdict, service_->Validate(validate));
  EXPECT_EQ(verdict.reason,
            std::optional<RejectReason>(RejectReason::kUnknownKey));
  EXPECT_EQ(ring_->unknown_kid_calls, 2);
}

TEST_F(TokenServiceTest, UnknownKidAtAFetchingRingWaitsOnlyWhenAllowed) {
  std::unique_ptr<FakeKeyRing> rotated_ring = NewEs256Ring();
  ASSERT_OK_AND_ASSIGN(
      auto rotated,
      TokenService::Create(DefaultOptions(rotated_ring.get()), &clock_));
  ASSERT_OK_AND_ASSIGN(IssuedToken unknown_kid, rotated->Issue(Params()));
  ASSERT_OK_AND_ASSIGN(IssuedToken known_kid, service_->Issue(Params()));
  ring_->may_wait = true;

  ValidateParams validate;
  validate.token = unknown_kid.token;
  validate.may_wait_for_keys = false;
  absl::StatusOr<Verdict> verdict = service_->Validate(validate);
  EXPECT_TRUE(IsKeyFetchNeeded(verdict.status())) << verdict.status();
  EXPECT_EQ(ring_->unknown_kid_calls, 0);
  absl::StatusOr<std::optional<jose::VerifiedJwt>> introspected =
      service_->Introspect(unknown_kid.token, false);
  EXPECT_TRUE(IsKeyFetchNeeded(introspected.status())) << introspected.status();
  EXPECT_EQ(ring_->unknown_kid_calls, 0);

  // A known kid never needs the ring.
  validate.token = known_kid.token;
  ASSERT_OK_AND_ASSIGN(Verdict known, service_->Validate(validate));
  EXPECT_TRUE(known.valid());

  // Allowed to wait: the ring is asked, as before.
  validate.token = unknown_kid.token;
  validate.may_wait_for_keys = true;
  ASSERT_OK_AND_ASSIGN(Verdict waited, service_->Validate(validate));
  EXPECT_EQ(waited.reason,
            std::optional<RejectReason>(RejectReason::kUnknownKey));
  EXPECT_EQ(ring_->unknown_kid_calls, 1);

  // A ring that answers at once is asked even when waiting is not allowed.
  ring_->may_wait = false;
  validate.may_wait_for_keys = false;
  ASSERT_OK_AND_ASSIGN(waited, service_->Validate(validate));
  EXPECT_EQ(waited.reason,
            std::optional<RejectReason>(RejectReason::kUnknownKey));
  EXPECT_EQ(ring_->unknown_kid_calls, 2);
  EXPECT_FALSE(IsKeyFetchNeeded(absl::UnavailableError("other")));
}

class RevocationTest : public TokenServiceTest {
 protected:
  void SetUp() override {
    TokenServiceTest::SetUp();
    TokenServiceOptions options = DefaultOptions(ring_.get());
    options.revocations = &store_;
    ASSERT_OK_AND_ASSIGN(service_, TokenService::Create(options, &clock_));
  }
  FakeRevocationStore store_;
};

// Revoke by token: stored until its exp; Validate then says REVOKED and
// Introspect inactive.
TEST_F(RevocationTest, RevokeByTokenThenValidate) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(Params()));
  RevokeParams revoke;
  revoke.token = issued.token;
  ASSERT_OK_AND_ASSIGN(Revoked revoked, service_->Revoke(revoke));
  EXPECT_EQ(revoked.jti, issued.jti);
  // Kept for the leeway past exp too: the token validates until then.
  const absl::Time until = issued.expires_at + absl::Seconds(60);
  EXPECT_EQ(revoked.until, until);
  EXPECT_EQ(store_.revoked.at(issued.jti), until);

  ValidateParams validate;
  validate.token = issued.token;
  ASSERT_OK_AND_ASSIGN(Verdict verdict, service_->Validate(validate));
  EXPECT_EQ(verdict.reason,
            std::optional<RejectReason>(RejectReason::kRevoked));
  ASSERT_OK_AND_ASSIGN(auto introspected, service_->Introspect(issued.token));
  EXPECT_FALSE(introspected.has_value());
}

// Revoke by jti needs a sane `until`; bad requests store nothing.
TEST_F(RevocationTest, RevokeByJti) {
  RevokeParams revoke;
  revoke.jti = "some-jti";
  EXPECT_THAT(service_->Revoke(revoke), StatusIs(kInvalid));
  revoke.until = kNow + absl::Hours(48);  // Beyond max_ttl + leeway.
  EXPECT_THAT(service_->Revoke(revoke), StatusIs(kInvalid));
  EXPECT_TRUE(store_.revoked.empty());
  revoke.until = kNow + absl::Hours(1);
  ASSERT_OK_AND_ASSIGN(Revoked revoked, service_->Revoke(revoke));
  EXPECT_EQ(revoked.jti, "some-jti");
  EXPECT_EQ(store_.revoked.size(), 1u);

  RevokeParams both;
  both.jti = "x";
  both.token = "y";
  both.until = kNow + absl::Hours(1);
  EXPECT_THAT(service_->Revoke(both), StatusIs(kInvalid));
  EXPECT_THAT(service_->Revoke(RevokeParams{}), StatusIs(kInvalid));
}

// Garbage and forged tokens are refused and nothing is stored; an expired
// genuine token needs nothing stored.
TEST_F(RevocationTest, RevokeRefusesWhatItCannotTrust) {
  RevokeParams revoke;
  revoke.token = "garbage";
  EXPECT_THAT(service_->Revoke(revoke), StatusIs(kInvalid));
  std::unique_ptr<FakeKeyRing> other_ring = NewEs256Ring();
  ASSERT_OK_AND_ASSIGN(
      auto other,
      TokenService::Create(DefaultOptions(other_ring.get()), &clock_));
  ASSERT_OK_AND_ASSIGN(IssuedToken foreign, other->Issue(Params()));
  revoke.token = foreign.token;
  EXPECT_THAT(service_->Revoke(revoke), StatusIs(kInvalid));
  EXPECT_TRUE(store_.revoked.empty());

  // Past exp but within the leeway the token still validates: it is kept.
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(Params()));
  clock_.Set(issued.expires_at + absl::Seconds(30));
  revoke.token = issued.token;
  ASSERT_OK_AND_ASSIGN(Revoked late, service_->Revoke(revoke));
  EXPECT_EQ(late.jti, issued.jti);
  EXPECT_EQ(store_.revoked.count(issued.jti), 1u);
  store_.revoked.clear();
  // Beyond exp + leeway it is dead: nothing to store.
  clock_.Set(issued.expires_at + absl::Hours(2));
  ASSERT_OK_AND_ASSIGN(Revoked expired, service_->Revoke(revoke));
  EXPECT_EQ(expired.jti, issued.jti);
  EXPECT_TRUE(store_.revoked.empty());
}

// A store that cannot answer makes Validate UNAVAILABLE (retry), never a
// silent pass; a store that cannot be written makes Revoke fail.
TEST_F(RevocationTest, StoreUnavailable) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(Params()));
  store_.answer = absl::UnavailableError("redis down");
  ValidateParams validate;
  validate.token = issued.token;
  EXPECT_THAT(service_->Validate(validate),
              StatusIs(absl::StatusCode::kUnavailable));
  RevokeParams revoke;
  revoke.token = issued.token;
  EXPECT_THAT(service_->Revoke(revoke),
              StatusIs(absl::StatusCode::kUnavailable));
}

// Without a store, Revoke says so.
TEST_F(TokenServiceTest, RevokeWithoutStore) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(Params()));
  RevokeParams revoke;
  revoke.token = issued.token;
  EXPECT_THAT(service_->Revoke(revoke),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// The validation cache: accepted tokens are reused, never a rejection, and
// a reused one is still checked for time, revocation, key set and access.
class ValidationCacheServiceTest : public TokenServiceTest {
 protected:
  void SetUp() override {
    TokenServiceTest::SetUp();
    TokenServiceOptions options = DefaultOptions(ring_.get());
    options.revocations = &store_;
    options.validation_cache_bytes = 1 << 20;
    ASSERT_OK_AND_ASSIGN(service_, TokenService::Create(options, &clock_));
  }

  absl::StatusOr<Verdict> Validate(const std::string& token,
                                   std::string audience = "") {
    ValidateParams params;
    params.token = token;
    params.audience = std::move(audience);
    return service_->Validate(params);
  }

  FakeRevocationStore store_;
};

TEST_F(ValidationCacheServiceTest, SecondValidationIsAHitWithTheSameClaims) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(Params()));
  ASSERT_OK_AND_ASSIGN(Verdict first, Validate(issued.token));
  ASSERT_TRUE(first.valid());
  EXPECT_EQ(service_->CacheStats().hits, 0u);
  ASSERT_OK_AND_ASSIGN(Verdict second, Validate(issued.token));
  ASSERT_TRUE(second.valid());
  EXPECT_EQ(service_->CacheStats().hits, 1u);
  EXPECT_EQ(second.jwt.get(), first.jwt.get());
  EXPECT_EQ(Member(second.jwt->claims(), "sub").string_value(), kSubject);
  // A different requested audience is its own verification.
  ASSERT_OK_AND_ASSIGN(Verdict other, Validate(issued.token, kOtherAudience));
  EXPECT_EQ(other.reason, RejectReason::kWrongAudience);
  ASSERT_OK_AND_ASSIGN(Verdict again, Validate(issued.token));
  EXPECT_TRUE(again.valid());
}

TEST_F(ValidationCacheServiceTest, CachedTokenStillExpires) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(Params()));
  ASSERT_OK_AND_ASSIGN(Verdict fresh, Validate(issued.token));
  ASSERT_TRUE(fresh.valid());
  // exp + leeway (60 s) reached: the cached entry is not used.
  clock_.Set(issued.expires_at + absl::Seconds(60));
  ASSERT_OK_AND_ASSIGN(Verdict expired, Validate(issued.token));
  EXPECT_EQ(expired.reason, RejectReason::kExpired);
}

TEST_F(ValidationCacheServiceTest, ClockJumpingBackIsCheckedAgain) {
  IssueParams params = Params();
  params.not_before = kNow + absl::Minutes(5);
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(params));
  // Not valid yet: rejected, and the rejection is not cached...
  ASSERT_OK_AND_ASSIGN(Verdict early, Validate(issued.token));
  EXPECT_EQ(early.reason, RejectReason::kNotYetValid);
  // ...so it becomes valid when its time comes.
  clock_.Set(kNow + absl::Minutes(5));
  ASSERT_OK_AND_ASSIGN(Verdict on_time, Validate(issued.token));
  EXPECT_TRUE(on_time.valid());
  // The clock steps back beyond nbf - leeway: the cached acceptance is not
  // trusted; full validation says not yet valid.
  clock_.Set(kNow);
  ASSERT_OK_AND_ASSIGN(Verdict stepped_back, Validate(issued.token));
  EXPECT_EQ(stepped_back.reason, RejectReason::kNotYetValid);
}

TEST_F(ValidationCacheServiceTest, RevocationAppliesToCachedTokens) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(Params()));
  ASSERT_OK_AND_ASSIGN(Verdict before, Validate(issued.token));
  ASSERT_TRUE(before.valid());
  RevokeParams revoke;
  revoke.token = issued.token;
  ASSERT_THAT(service_->Revoke(revoke), IsOk());
  ASSERT_OK_AND_ASSIGN(Verdict after, Validate(issued.token));
  EXPECT_EQ(after.reason, RejectReason::kRevoked);
  // A store that cannot tell is UNAVAILABLE for cached tokens too.
  store_.answer = absl::UnavailableError("down");
  EXPECT_THAT(Validate(issued.token), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(ValidationCacheServiceTest, AccessIsDecidedPerCall) {
  IssueParams params = Params();
  params.scope = "read";
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(params));
  ASSERT_OK_AND_ASSIGN(Verdict plain, Validate(issued.token));
  ASSERT_TRUE(plain.valid());
  ValidateParams needs_write;
  needs_write.token = issued.token;
  needs_write.access.scopes = {"write"};
  ASSERT_OK_AND_ASSIGN(Verdict denied, service_->Validate(needs_write));
  EXPECT_EQ(denied.reason, RejectReason::kInsufficientScope);
}

TEST_F(ValidationCacheServiceTest, AKeySetChangeDropsTheEntry) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(Params()));
  ASSERT_OK_AND_ASSIGN(Verdict cached, Validate(issued.token));
  ASSERT_TRUE(cached.valid());
  // The key is gone from the issuer's new key set: the token is no longer
  // accepted, although it was cached.
  std::unique_ptr<FakeKeyRing> other = NewEs256Ring();
  ring_->ReplaceKeys(other->VerificationKeys());
  ASSERT_OK_AND_ASSIGN(Verdict after, Validate(issued.token));
  EXPECT_FALSE(after.valid());
  EXPECT_EQ(service_->CacheStats().hits, 0u) << "a hit was not re-checked";
}

TEST_F(ValidationCacheServiceTest, RejectionsAreNeverCached) {
  ASSERT_OK_AND_ASSIGN(IssuedToken issued, service_->Issue(Params()));
  std::string forged = issued.token;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(Verdict verdict, Validate(forged));
    EXPECT_FALSE(verdict.valid());
  }
  EXPECT_EQ(service_->CacheStats().entries, 0u);
  EXPECT_EQ(service_->CacheStats().hits, 0u);
}

}  // namespace
}  // namespace jwtd::service
