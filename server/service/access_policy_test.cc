#include "server/service/access_policy.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/jose/json.h"
#include "server/jose/json_parser.h"
#include "server/jose/reject_reason.h"
#include "tests/support/reject_matchers.h"
#include "tests/support/status_matchers.h"

namespace jwtd::service {
namespace {

using ::jwtd::jose::Json;
using ::jwtd::jose::RejectReason;
using ::jwtd::testing::IsOk;
using ::jwtd::testing::IsRejected;
using ::jwtd::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

Json Parse(absl::string_view text) {
  absl::StatusOr<Json> json = jose::ParseJsonObject(text);
  EXPECT_THAT(json, IsOk()) << text;
  return json.value_or(Json::EmptyObject());
}

AccessRequirements Scopes(std::vector<std::string> scopes) {
  AccessRequirements required;
  required.scopes = std::move(scopes);
  return required;
}

AccessRequirements Claim(std::string claim, std::vector<std::string> values,
                         bool match_all = false) {
  AccessRequirements required;
  required.claims.push_back({std::move(claim), std::move(values), match_all});
  return required;
}

// RFC 6749 scope-tokens: printable ASCII except space, '"' and '\'.
TEST(IsScopeTokenTest, Rfc6749Characters) {
  EXPECT_TRUE(IsScopeToken("read"));
  EXPECT_TRUE(IsScopeToken("api:write/*"));
  EXPECT_TRUE(IsScopeToken("!#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~"));
  EXPECT_FALSE(IsScopeToken(""));
  EXPECT_FALSE(IsScopeToken("a b"));
  EXPECT_FALSE(IsScopeToken("a\"b"));
  EXPECT_FALSE(IsScopeToken("a\\b"));
  EXPECT_FALSE(IsScopeToken("a\tb"));
  EXPECT_FALSE(IsScopeToken("a\nb"));
  EXPECT_FALSE(IsScopeToken("\x7f"));
  EXPECT_FALSE(IsScopeToken("caf\xc3\xa9"));
  EXPECT_FALSE(IsScopeToken(std::string("a\0b", 3)));
}

// Scopes come from the space-separated "scope" claim.
TEST(GrantedScopesTest, FromScopeString) {
  EXPECT_THAT(GrantedScopes(Parse(R"({"scope":"read write  admin "})")),
              ElementsAre("read", "write", "admin"));
  EXPECT_THAT(GrantedScopes(Parse(R"({"scope":""})")), IsEmpty());
  EXPECT_THAT(GrantedScopes(Parse(R"({})")), IsEmpty());
}

// Without "scope", the "scp" claim (array or string) is used.
TEST(GrantedScopesTest, FromScp) {
  EXPECT_THAT(GrantedScopes(Parse(R"({"scp":["read","write"]})")),
              ElementsAre("read", "write"));
  EXPECT_THAT(GrantedScopes(Parse(R"({"scp":"read write"})")),
              ElementsAre("read", "write"));
  // Non-string elements grant nothing.
  EXPECT_THAT(GrantedScopes(Parse(R"({"scp":["read",1,null,["x"]]})")),
              ElementsAre("read"));
  EXPECT_THAT(GrantedScopes(Parse(R"({"scp":7})")), IsEmpty());
  // "scope" wins over "scp" when both are present.
  EXPECT_THAT(GrantedScopes(Parse(R"({"scope":"a","scp":["b"]})")),
              ElementsAre("a"));
}

// Every required scope must be granted; a missing one is
// INSUFFICIENT_SCOPE naming it.
TEST(DecideAccessTest, Scopes) {
  const Json claims = Parse(R"({"scope":"read write"})");
  EXPECT_THAT(DecideAccess(claims, Scopes({})), IsOk());
  EXPECT_THAT(DecideAccess(claims, Scopes({"read"})), IsOk());
  EXPECT_THAT(DecideAccess(claims, Scopes({"write", "read"})), IsOk());
  EXPECT_THAT(DecideAccess(claims, Scopes({"read", "admin"})),
              IsRejected(RejectReason::kInsufficientScope));
  EXPECT_THAT(DecideAccess(claims, Scopes({"read", "admin"})),
              StatusIs(kInvalid, HasSubstr("admin")));
  // Scopes match whole tokens, case-sensitively.
  EXPECT_THAT(DecideAccess(claims, Scopes({"rea"})),
              IsRejected(RejectReason::kInsufficientScope));
  EXPECT_THAT(DecideAccess(claims, Scopes({"READ"})),
              IsRejected(RejectReason::kInsufficientScope));
  EXPECT_THAT(DecideAccess(claims, Scopes({"read write"})),
              IsRejected(RejectReason::kInsufficientScope));
  // A token with no scope claim at all.
  EXPECT_THAT(DecideAccess(Parse(R"({"sub":"x"})"), Scopes({"read"})),
              IsRejected(RejectReason::kInsufficientScope));
  EXPECT_THAT(DecideAccess(Parse(R"({"scp":["read"]})"), Scopes({"read"})),
              IsOk());
}

// A requirement without values needs the claim to be present (any value).
TEST(DecideAccessTest, PresenceOnly) {
  EXPECT_THAT(DecideAccess(Parse(R"({"tenant":null})"), Claim("tenant", {})),
              IsOk());
  EXPECT_THAT(DecideAccess(Parse(R"({"tenant":"acme"})"), Claim("tenant", {})),
              IsOk());
  EXPECT_THAT(DecideAccess(Parse(R"({"other":1})"), Claim("tenant", {})),
              IsRejected(RejectReason::kClaimMismatch));
}

// match_all=false: any one value suffices; match_all=true: all are needed.
TEST(DecideAccessTest, AnyAndAll) {
  const Json claims = Parse(R"({"roles":["admin","dev"],"team":"core"})");
  EXPECT_THAT(DecideAccess(claims, Claim("roles", {"ops", "dev"})), IsOk());
  EXPECT_THAT(DecideAccess(claims, Claim("roles", {"ops", "qa"})),
              IsRejected(RejectReason::kClaimMismatch));
  EXPECT_THAT(DecideAccess(claims, Claim("roles", {"admin", "dev"}, true)),
              IsOk());
  EXPECT_THAT(DecideAccess(claims, Claim("roles", {"admin", "ops"}, true)),
              IsRejected(RejectReason::kClaimMismatch));
  EXPECT_THAT(DecideAccess(claims, Claim("team", {"core"})), IsOk());
  EXPECT_THAT(DecideAccess(claims, Claim("team", {"core", "edge"}, true)),
              IsRejected(RejectReason::kClaimMismatch));
  EXPECT_THAT(DecideAccess(claims, Claim("team", {"Core"})),
              IsRejected(RejectReason::kClaimMismatch));
  EXPECT_THAT(DecideAccess(claims, Claim("missing", {"x"})),
              IsRejected(RejectReason::kClaimMismatch));
}

// Every claim requirement must hold; the first unmet one is named.
TEST(DecideAccessTest, AllRequirementsMustHold) {
  const Json claims = Parse(R"({"scope":"read","team":"core","level":3})");
  AccessRequirements required;
  required.scopes = {"read"};
  required.claims = {{"team", {"core"}, false}, {"level", {"3"}, false}};
  EXPECT_THAT(DecideAccess(claims, required), IsOk());
  required.claims.push_back({"region", {"eu"}, false});
  EXPECT_THAT(DecideAccess(claims, required),
              StatusIs(kInvalid, HasSubstr("region")));
  EXPECT_THAT(DecideAccess(claims, required),
              IsRejected(RejectReason::kClaimMismatch));
  // A missing scope is reported before a claim mismatch.
  required.scopes = {"write"};
  EXPECT_THAT(DecideAccess(claims, required),
              IsRejected(RejectReason::kInsufficientScope));
}

// Numbers and booleans match by their JSON text.
TEST(DecideAccessTest, NumbersAndBooleansMatchByJsonText) {
  const Json claims =
      Parse(R"({"level":3,"ratio":0.5,"admin":true,"off":false,"big":1e3})");
  EXPECT_THAT(DecideAccess(claims, Claim("level", {"3"})), IsOk());
  EXPECT_THAT(DecideAccess(claims, Claim("level", {"3.0"})),
              IsRejected(RejectReason::kClaimMismatch));
  EXPECT_THAT(DecideAccess(claims, Claim("level", {"03"})),
              IsRejected(RejectReason::kClaimMismatch));
  EXPECT_THAT(DecideAccess(claims, Claim("ratio", {"0.5"})), IsOk());
  EXPECT_THAT(DecideAccess(claims, Claim("admin", {"true"})), IsOk());
  EXPECT_THAT(DecideAccess(claims, Claim("admin", {"True"})),
              IsRejected(RejectReason::kClaimMismatch));
  EXPECT_THAT(DecideAccess(claims, Claim("off", {"false"})), IsOk());
  EXPECT_THAT(DecideAccess(claims, Claim("off", {"true"})),
              IsRejected(RejectReason::kClaimMismatch));
  EXPECT_THAT(DecideAccess(claims, Claim("big", {"1000"})), IsOk());
}

// Arrays match by their string elements; objects and null never match a
// value.
TEST(DecideAccessTest, ArraysObjectsAndNull) {
  const Json claims = Parse(
      R"({"groups":["a","b"],"mixed":[1,"1",true],"obj":{"a":"a"},"n":null,)"
      R"("nested":[["a"]]})");
  EXPECT_THAT(DecideAccess(claims, Claim("groups", {"b"})), IsOk());
  EXPECT_THAT(DecideAccess(claims, Claim("groups", {"c"})),
              IsRejected(RejectReason::kClaimMismatch));
  EXPECT_THAT(DecideAccess(claims, Claim("mixed", {"1"})), IsOk());
  EXPECT_THAT(DecideAccess(claims, Claim("mixed", {"true"})),
              IsRejected(RejectReason::kClaimMismatch));
  EXPECT_THAT(DecideAccess(claims, Claim("obj", {"a"})),
              IsRejected(RejectReason::kClaimMismatch));
  EXPECT_THAT(DecideAccess(claims, Claim("n", {"null"})),
              IsRejected(RejectReason::kClaimMismatch));
  EXPECT_THAT(DecideAccess(claims, Claim("nested", {"a"})),
              IsRejected(RejectReason::kClaimMismatch));
}

// Well-formed requirements at the limits pass.
TEST(CheckRequirementsTest, AcceptsLimits) {
  EXPECT_THAT(CheckRequirementsWellFormed({}), IsOk());
  AccessRequirements required;
  for (size_t i = 0; i + 1 < kMaxRequirements; ++i) {
    required.scopes.push_back(absl::StrCat("s", i));
  }
  required.scopes.push_back(std::string(kMaxRequirementBytes, 'x'));
  ASSERT_EQ(required.scopes.size(), kMaxRequirements);
  ClaimRequirement claim{std::string(kMaxRequirementBytes, 'c'), {}, false};
  for (size_t i = 0; i < kMaxRequirements; ++i) {
    claim.values.push_back(std::string(kMaxRequirementBytes, 'v'));
  }
  required.claims.assign(kMaxRequirements, claim);
  EXPECT_THAT(CheckRequirementsWellFormed(required), IsOk());
}

// Malformed requirements are INVALID_ARGUMENT (the request, not the token).
TEST(CheckRequirementsTest, RejectsMalformed) {
  const std::string too_long(kMaxRequirementBytes + 1, 'x');
  for (const std::string& scope :
       {std::string(), std::string("a b"), std::string("a\"b"),
        std::string("a\\b"), std::string("tab\t"), too_long,
        std::string("caf\xc3\xa9")}) {
    absl::Status status = CheckRequirementsWellFormed(Scopes({"ok", scope}));
    EXPECT_THAT(status, StatusIs(kInvalid)) << scope;
    EXPECT_FALSE(jose::GetRejectReason(status).has_value());
  }
  std::vector<std::string> many_scopes(kMaxRequirements + 1, "s");
  EXPECT_THAT(CheckRequirementsWellFormed(Scopes(many_scopes)),
              StatusIs(kInvalid));

  EXPECT_THAT(CheckRequirementsWellFormed(Claim("", {"x"})),
              StatusIs(kInvalid));
  EXPECT_THAT(CheckRequirementsWellFormed(Claim(too_long, {"x"})),
              StatusIs(kInvalid));
  EXPECT_THAT(CheckRequirementsWellFormed(Claim("role", {"ok", too_long})),
              StatusIs(kInvalid));
  EXPECT_THAT(CheckRequirementsWellFormed(Claim(
                  "role", std::vector<std::string>(kMaxRequirements + 1, "v"))),
              StatusIs(kInvalid));
  AccessRequirements many_claims;
  many_claims.claims.assign(kMaxRequirements + 1, {"role", {"x"}, false});
  EXPECT_THAT(CheckRequirementsWellFormed(many_claims), StatusIs(kInvalid));
}

}  // namespace
}  // namespace jwtd::service
