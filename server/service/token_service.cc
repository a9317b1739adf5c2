#include "server/service/token_service.h"

#include <algorithm>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/crypto/random.h"
#include "server/jose/base64url.h"
#include "server/jose/claims.h"
#include "server/jose/json_parser.h"
#include "server/jose/jws.h"

namespace jwtd::service {
namespace {

// Names Issue sets itself; a caller may not smuggle them in as extras.
constexpr absl::string_view kReservedClaims[] = {"iss", "sub", "aud", "exp",
                                                 "nbf", "iat", "jti", "scope"};

constexpr size_t kJtiBytes = 16;

// Marks KeyFetchNeeded(): a payload no other status carries.
constexpr absl::string_view kKeyFetchNeededPayload =
    "type.jwtd.dev/service.KeyFetchNeeded";

absl::Status BadRequest(absl::string_view what) {
  return absl::InvalidArgumentError(what);
}

absl::Status CheckAudiences(const std::vector<std::string>& audiences) {
  if (audiences.size() > kMaxAudiences) {
    return BadRequest(absl::StrCat("at most ", kMaxAudiences, " audiences"));
  }
  for (const std::string& audience : audiences) {
    if (audience.empty() || audience.size() > kMaxAudienceBytes) {
      return BadRequest(absl::StrCat("an audience must be 1 to ",
                                     kMaxAudienceBytes, " bytes"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckScope(absl::string_view scope) {
  for (absl::string_view token :
       absl::StrSplit(scope, ' ', absl::SkipEmpty())) {
    if (!IsScopeToken(token)) {
      return BadRequest(
          "scope must be space-separated printable ASCII tokens without "
          "quotes or backslashes");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status KeyFetchNeeded() {
  absl::Status status =
      absl::UnavailableError("the token's key must be fetched from its issuer");
  status.SetPayload(kKeyFetchNeededPayload, absl::Cord());
  return status;
}

bool IsKeyFetchNeeded(const absl::Status& status) {
  return status.GetPayload(kKeyFetchNeededPayload).has_value();
}

absl::StatusOr<std::unique_ptr<TokenService>> TokenService::Create(
    TokenServiceOptions options, const Clock* clock) {
  if (options.default_ttl <= absl::ZeroDuration() ||
      options.max_ttl <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("TTLs must be positive");
  }
  if (options.default_ttl > options.max_ttl) {
    return absl::InvalidArgumentError(
        "default TTL must not exceed the maximum TTL");
  }
  if (options.issuers.empty()) {
    return absl::InvalidArgumentError("at least one issuer must be trusted");
  }
  std::vector<Issuer> issuers;
  for (const TrustedIssuer& trusted : options.issuers) {
    if (trusted.key_ring == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("issuer ", trusted.policy.issuer, " has no key ring"));
    }
    if (absl::Status s = CheckAudiences(trusted.policy.audiences); !s.ok()) {
      return s;
    }
    for (const Issuer& earlier : issuers) {
      if (earlier.validator.policy().issuer == trusted.policy.issuer) {
        return absl::InvalidArgumentError(
            absl::StrCat("issuer ", trusted.policy.issuer, " is listed twice"));
      }
    }
    absl::StatusOr<jose::JwtValidator> validator =
        jose::JwtValidator::Create(trusted.policy, options.limits);
    if (!validator.ok()) return validator.status();
    issuers.push_back(Issuer{*std::move(validator), trusted.key_ring});
  }
  return std::unique_ptr<TokenService>(
      new TokenService(std::move(options), std::move(issuers), clock));
}

absl::StatusOr<jose::Json> TokenService::BuildClaims(
    const IssueParams& params, absl::Time now, absl::Time expires,
    const std::string& jti) const {
  jose::Json claims = jose::Json::EmptyObject();
  const jose::ValidationPolicy& policy = signing_issuer().validator.policy();
  claims.Set("iss", jose::Json::String(policy.issuer));
  claims.Set("sub", jose::Json::String(params.subject));
  const std::vector<std::string>& audiences =
      params.audiences.empty() && !policy.audiences.empty()
          ? std::vector<std::string>{policy.audiences.front()}
          : params.audiences;
  if (audiences.size() == 1) {
    claims.Set("aud", jose::Json::String(audiences.front()));
  } else if (audiences.size() > 1) {
    jose::Json array = jose::Json::EmptyArray();
    for (const std::string& audience : audiences) {
      array.Append(jose::Json::String(audience));
    }
    claims.Set("aud", std::move(array));
  }
  claims.Set("exp", jose::NumericDate(expires));
  if (params.not_before.has_value()) {
    claims.Set("nbf", jose::NumericDate(*params.not_before));
  }
  claims.Set("iat", jose::NumericDate(now));
  claims.Set("jti", jose::Json::String(jti));
  if (!params.scope.empty()) {
    claims.Set("scope", jose::Json::String(params.scope));
  }
  if (!params.extra_claims.is_null()) {
    if (!params.extra_claims.is_object()) {
      return BadRequest("extra claims must be a JSON object");
    }
    for (const auto& [name, value] : params.extra_claims.object()) {
      for (absl::string_view reserved : kReservedClaims) {
        if (name == reserved) {
          return BadRequest(absl::StrCat(
              "claim \"", reserved, "\" is set by jwtd or by its own field"));
        }
      }
      if (name.empty()) return BadRequest("claim names must not be empty");
      claims.Set(name, value);
    }
  }
  return claims;
}

absl::StatusOr<IssuedToken> TokenService::Issue(
    const IssueParams& params) const {
  if (params.subject.empty() || params.subject.size() > kMaxSubjectBytes) {
    return BadRequest(
        absl::StrCat("subject must be 1 to ", kMaxSubjectBytes, " bytes"));
  }
  if (absl::Status s = CheckAudiences(params.audiences); !s.ok()) return s;
  if (absl::Status s = CheckScope(params.scope); !s.ok()) return s;
  const absl::Duration ttl = params.ttl.value_or(options_.default_ttl);
  if (ttl <= absl::ZeroDuration()) return BadRequest("ttl must be positive");
  if (ttl > options_.max_ttl) {
    return BadRequest(absl::StrCat("ttl exceeds the maximum of ",
                                   absl::FormatDuration(options_.max_ttl)));
  }
  std::shared_ptr<const jose::SigningKey> key =
      signing_issuer().key_ring->ActiveSigningKey();
  if (key == nullptr) {
    return absl::FailedPreconditionError("this jwtd holds no signing key");
  }

  // NumericDates are whole seconds: truncate now so iat/exp are exact.
  const absl::Time now =
      absl::FromUnixSeconds(absl::ToUnixSeconds(clock_->Now()));
  const absl::Time expires = now + absl::Ceil(ttl, absl::Seconds(1));
  if (params.not_before.has_value()) {
    if (*params.not_before >= expires) {
      return BadRequest("not_before must be before the expiry");
    }
    if (*params.not_before < absl::UnixEpoch()) {
      return BadRequest("not_before must not be before 1970");
    }
  }
  const std::string jti = jose::Base64UrlEncode(crypto::RandomBytes(kJtiBytes));
  absl::StatusOr<jose::Json> claims = BuildClaims(params, now, expires, jti);
  if (!claims.ok()) return claims.status();
  const std::string payload = claims->Serialize();
  // Never hand out a token that validators would refuse: the payload must
  // pass the same strict parser (size, depth, UTF-8, numbers).
  if (absl::StatusOr<jose::Json> reparsed =
          jose::ParseJsonObject(payload, options_.limits.payload);
      !reparsed.ok()) {
    return BadRequest(absl::StrCat("claims are not acceptable: ",
                                   reparsed.status().message()));
  }
  absl::StatusOr<std::string> token = jose::SignCompact(*key, "JWT", payload);
  if (!token.ok()) return token.status();
  if (token->size() > options_.limits.max_token_bytes) {
    return BadRequest(absl::StrCat("token would exceed ",
                                   options_.limits.max_token_bytes, " bytes"));
  }
  return IssuedToken{*std::move(token), jti, key->kid(),
                     key->alg(),        now, expires};
}

absl::StatusOr<Verdict> TokenService::Validate(
    const ValidateParams& params) const {
  if (params.token.empty()) return BadRequest("token is required");
  if (absl::Status s = CheckRequirementsWellFormed(params.access); !s.ok()) {
    return s;
  }
  const absl::Time now = clock_->Now();
  const Issuer* routed = nullptr;
  std::shared_ptr<const jose::VerifiedJwt> jwt;
  if (std::shared_ptr<const CachedVerification> cached =
          FindCached(params.token, params.audience, now)) {
    jwt = cached->jwt;
    routed = &issuers_[cached->issuer];
  }
  // A lookup that ends in KeyFetchNeeded is counted when the call is made
  // again on a thread that may wait, not twice.
  const bool hit = jwt != nullptr;
  absl::Status status;
  if (jwt == nullptr) {
    std::shared_ptr<const jose::KeySet> keys;
    absl::StatusOr<jose::VerifiedJwt> verified =
        Verify(params.token, params.audience, now, &routed, &keys,
               params.may_wait_for_keys);
    status = verified.status();
    if (status.ok()) {
      jwt = std::make_shared<const jose::VerifiedJwt>(*std::move(verified));
      if (cache_->enabled()) {
        auto entry = std::make_shared<CachedVerification>();
        entry->jwt = jwt;
        entry->issuer = static_cast<size_t>(routed - issuers_.data());
        entry->keys = keys;
        entry->audience = params.audience;
        const jose::RegisteredClaims& registered = jwt->registered();
        entry->expires_at = registered.expires_at;
        entry->not_before = registered.not_before;
        entry->issued_at = registered.issued_at;
        cache_->Insert(params.token, std::move(entry));
      }
    }
  }
  if (cache_->enabled() && !IsKeyFetchNeeded(status)) {
    cache_->RecordLookup(hit);
  }
  // Revocation and the access decision are per call, cached or not.
  if (status.ok()) status = CheckNotRevoked(*jwt);
  if (status.ok()) status = DecideAccess(jwt->claims(), params.access);

  Verdict verdict;
  if (routed != nullptr) verdict.issuer = routed->validator.policy().issuer;
  if (status.ok()) {
    verdict.jwt = std::move(jwt);
    return verdict;
  }
  std::optional<jose::RejectReason> reason = jose::GetRejectReason(status);
  if (!reason.has_value()) return status;  // The service, not the token.
  verdict.reason = reason;
  verdict.detail = std::string(status.message());
  return verdict;
}

absl::StatusOr<jose::VerifiedJwt> TokenService::Verify(
    absl::string_view token, absl::string_view audience, absl::Time now,
    const Issuer** routed, std::shared_ptr<const jose::KeySet>* keys_out,
    bool may_wait_for_keys) const {
  absl::StatusOr<jose::UnverifiedJws> jws =
      jose::UnverifiedJws::Parse(token, options_.limits);
  if (!jws.ok()) return jws.status();
  const Issuer* issuer = nullptr;
  std::shared_ptr<const jose::KeySet> keys;
  absl::Status route = Route(*jws, &issuer, &keys, may_wait_for_keys);
  // Route names the issuer even when it fails later (an unreachable JWKS).
  if (routed != nullptr) *routed = issuer;
  if (!route.ok()) return route;
  const jose::KeySet& key_set = *keys;
  if (keys_out != nullptr) *keys_out = std::move(keys);
  return issuer->validator.Validate(*std::move(jws), key_set, now, audience);
}

std::shared_ptr<const CachedVerification> TokenService::FindCached(
    absl::string_view token, absl::string_view audience, absl::Time now) const {
  std::shared_ptr<const CachedVerification> entry = cache_->Find(token);
  if (entry == nullptr || entry->audience != audience ||
      entry->issuer >= issuers_.size()) {
    return nullptr;
  }
  const Issuer& issuer = issuers_[entry->issuer];
  // The very key set snapshot it was verified with: a rotation, a refresh
  // or a reload makes a new one, and the entry is no longer used. (Owner
  // comparison: no ABA, the weak_ptr keeps the old control block.)
  std::shared_ptr<const jose::KeySet> current =
      issuer.key_ring->VerificationKeys();
  if (entry->keys.owner_before(current) || current.owner_before(entry->keys)) {
    return nullptr;
  }
  // Time only moves the verdict one way, except when the clock jumps back:
  // re-check every time claim as the validator does. Anything out of
  // bounds falls back to full validation, which gives the exact verdict.
  const jose::ValidationPolicy& policy = issuer.validator.policy();
  if (entry->expires_at.has_value() &&
      *entry->expires_at + policy.leeway <= now) {
    return nullptr;
  }
  if (entry->not_before.has_value() &&
      *entry->not_before > now + policy.leeway) {
    return nullptr;
  }
  if (entry->issued_at.has_value()) {
    if (*entry->issued_at > now + policy.leeway) return nullptr;
    if (policy.max_age != absl::InfiniteDuration() &&
        now - *entry->issued_at > policy.max_age + policy.leeway) {
      return nullptr;
    }
  }
  return entry;
}

absl::Status TokenService::CheckNotRevoked(const jose::VerifiedJwt& jwt) const {
  if (options_.revocations == nullptr || !jwt.registered().jwt_id.has_value()) {
    return absl::OkStatus();
  }
  absl::StatusOr<bool> revoked =
      options_.revocations->IsRevoked(*jwt.registered().jwt_id, clock_->Now());
  if (!revoked.ok()) return revoked.status();  // UNAVAILABLE: retry.
  if (*revoked) {
    return jose::TokenRejected(jose::RejectReason::kRevoked,
                               "token has been revoked");
  }
  return absl::OkStatus();
}

absl::StatusOr<Revoked> TokenService::Revoke(const RevokeParams& params) const {
  if (options_.revocations == nullptr) {
    return absl::FailedPreconditionError("this jwtd keeps no revocations");
  }
  if (params.token.empty() == params.jti.empty()) {
    return BadRequest("give exactly one of a token and a jti");
  }
  const absl::Time now = clock_->Now();
  // A token still validates until exp + leeway: keep it revoked that long.
  absl::Duration longest_leeway = absl::ZeroDuration();
  for (const Issuer& issuer : issuers_) {
    longest_leeway = std::max(longest_leeway, issuer.validator.policy().leeway);
  }
  if (!params.jti.empty()) {
    if (!params.until.has_value()) {
      return BadRequest("revoking by jti needs `until` (the token's expiry)");
    }
    if (*params.until > now + options_.max_ttl + longest_leeway) {
      return BadRequest(
          "`until` is later than any token jwtd accepts can live");
    }
    Revoked revoked{params.jti, *params.until + longest_leeway};
    if (revoked.until <= now) {
      return BadRequest("`until` is in the past: the token has expired");
    }
    absl::Status stored =
        options_.revocations->Revoke(revoked.jti, revoked.until);
    if (!stored.ok()) return stored;
    return revoked;
  }

  absl::StatusOr<jose::VerifiedJwt> jwt = Verify(params.token, "", now);
  std::optional<jose::RegisteredClaims> claims;
  if (jwt.ok()) {
    claims = jwt->registered();
  } else {
    // Rejections after the signature check still prove the token genuine
    // (expired, not yet valid, another audience...): it can be revoked.
    std::optional<jose::RejectReason> reason =
        jose::GetRejectReason(jwt.status());
    if (!reason.has_value()) return jwt.status();
    switch (*reason) {
      case jose::RejectReason::kExpired:
      case jose::RejectReason::kNotYetValid:
      case jose::RejectReason::kWrongAudience:
      case jose::RejectReason::kMissingClaim:
      case jose::RejectReason::kWrongType:
      case jose::RejectReason::kTooOld:
        claims = ReadClaimsOfGenuineToken(params.token);
        break;
      default:
        return BadRequest(
            absl::StrCat("cannot revoke a token jwtd does not accept: ",
                         jose::RejectReasonName(*reason), " (",
                         jwt.status().message(), ")"));
    }
  }
  if (!claims.has_value() || !claims->jwt_id.has_value()) {
    return BadRequest("the token has no jti, so it cannot be revoked");
  }
  if (!claims->expires_at.has_value() && !params.until.has_value()) {
    return BadRequest("the token has no exp: give `until`");
  }
  Revoked revoked{
      *claims->jwt_id,
      params.until.value_or(claims->expires_at.value_or(now)) + longest_leeway};
  if (revoked.until <= now) return revoked;  // Expired: nothing to keep.
  absl::Status stored =
      options_.revocations->Revoke(revoked.jti, revoked.until);
  if (!stored.ok()) return stored;
  return revoked;
}

std::optional<jose::RegisteredClaims> TokenService::ReadClaimsOfGenuineToken(
    absl::string_view token) const {
  absl::StatusOr<jose::UnverifiedJws> jws =
      jose::UnverifiedJws::Parse(token, options_.limits);
  if (!jws.ok()) return std::nullopt;
  absl::StatusOr<jose::Json> claims =
      jose::ParseJsonObject(jws->payload(), options_.limits.payload);
  if (!claims.ok()) return std::nullopt;
  absl::StatusOr<jose::RegisteredClaims> registered =
      jose::ReadRegisteredClaims(*claims);
  if (!registered.ok()) return std::nullopt;
  return *std::move(registered);
}

absl::StatusOr<std::optional<jose::VerifiedJwt>> TokenService::Introspect(
    absl::string_view token, bool may_wait_for_keys) const {
  ValidateParams params;
  params.token = token;
  params.may_wait_for_keys = may_wait_for_keys;
  absl::StatusOr<Verdict> verdict = Validate(params);
  if (!verdict.ok()) return verdict.status();
  if (verdict->jwt == nullptr) return std::nullopt;
  return *verdict->jwt;
}

absl::Status TokenService::Route(const jose::UnverifiedJws& jws,
                                 const Issuer** issuer,
                                 std::shared_ptr<const jose::KeySet>* keys,
                                 bool may_wait_for_keys) const {
  // Fast path: the kid names a key of exactly one issuer.
  if (jws.kid().has_value()) {
    int holders = 0;
    for (const Issuer& candidate : issuers_) {
      std::shared_ptr<const jose::KeySet> snapshot =
          candidate.key_ring->VerificationKeys();
      if (snapshot->Find(*jws.kid()) != nullptr) {
        ++holders;
        *issuer = &candidate;
        *keys = std::move(snapshot);
      }
    }
    if (holders == 1) return absl::OkStatus();
  } else if (issuers_.size() == 1) {
    *issuer = &issuers_.front();
    *keys = issuers_.front().key_ring->VerificationKeys();
    return absl::OkStatus();
  }
  // Otherwise the token's own `iss` picks the issuer: read strictly, not
  // yet trusted; the validator checks it again after the signature.
  absl::StatusOr<jose::Json> claims =
      jose::ParseJsonObject(jws.payload(), options_.limits.payload);
  if (!claims.ok()) {
    return jose::TokenRejected(
        jose::RejectReason::kMalformed,
        absl::StrCat("payload: ", claims.status().message()));
  }
  const jose::Json* iss = claims->Find("iss");
  *issuer = nullptr;
  for (const Issuer& candidate : issuers_) {
    if (iss != nullptr && iss->is_string() &&
        iss->string_value() == candidate.validator.policy().issuer) {
      *issuer = &candidate;
    }
  }
  if (*issuer == nullptr) {
    return jose::TokenRejected(jose::RejectReason::kWrongIssuer,
                               "iss is not a trusted issuer");
  }
  *keys = (*issuer)->key_ring->VerificationKeys();
  if (jws.kid().has_value() && (*keys)->Find(*jws.kid()) == nullptr) {
    // The issuer may have rotated: rings that can learn keys refetch (rate
    // limited); UNAVAILABLE propagates as "retry".
    if (!may_wait_for_keys && (*issuer)->key_ring->UnknownKidMayWait()) {
      return KeyFetchNeeded();
    }
    absl::StatusOr<std::shared_ptr<const jose::KeySet>> refreshed =
        (*issuer)->key_ring->KeysForUnknownKid(*jws.kid());
    if (!refreshed.ok()) return refreshed.status();
    *keys = *std::move(refreshed);
  }
  return absl::OkStatus();
}

std::string TokenService::PublicJwks() const {
  return signing_issuer().key_ring->VerificationKeys()->jwks_json();
}

}  // namespace jwtd::service
