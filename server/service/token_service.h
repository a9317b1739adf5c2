#ifndef JWTD_SERVER_SERVICE_TOKEN_SERVICE_H_
#define JWTD_SERVER_SERVICE_TOKEN_SERVICE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/jose/json.h"
#include "server/jose/jwt_validator.h"
#include "server/jose/reject_reason.h"
#include "server/jose/verified_jwt.h"
#include "server/keyring/key_ring.h"
#include "server/revocation/revocation_store.h"
#include "server/service/access_policy.h"
#include "server/service/validation_cache.h"
#include "server/util/clock.h"

namespace jwtd::service {

// One trusted issuer: the policy its tokens must meet (issuer string,
// audiences, leeway, typ, maximum age, required claims, algorithms) and the
// key ring its keys come from. A key of one issuer never validates a token
// that claims another.
struct TrustedIssuer {
  jose::ValidationPolicy policy;
  // Must outlive the service.
  keyring::KeyRing* key_ring = nullptr;
};

struct TokenServiceOptions {
  // At least one, with distinct issuer strings. The first is the signing
  // issuer: Issue signs with its ring's active key (if it has one), sets its
  // issuer as `iss` and its first audience as the default `aud`.
  std::vector<TrustedIssuer> issuers;
  absl::Duration default_ttl = absl::Minutes(15);
  absl::Duration max_ttl = absl::Hours(24);
  jose::JwsLimits limits;
  // Where revocations are kept; null: Revoke is FAILED_PRECONDITION and no
  // token reads as revoked. Must outlive the service.
  revocation::RevocationStore* revocations = nullptr;
  // Budget of the validation cache (accepted tokens, reused while their key
  // set is unchanged and their time claims hold); 0 turns it off.
  size_t validation_cache_bytes = 0;
};

// Limits on what Issue accepts.
inline constexpr size_t kMaxSubjectBytes = 1024;
inline constexpr size_t kMaxAudiences = 32;
inline constexpr size_t kMaxAudienceBytes = 512;

struct IssueParams {
  std::string subject;
  std::vector<std::string> audiences;
  std::optional<absl::Duration> ttl;
  std::string scope;
  // Further claims: a JSON object (or null for none).
  jose::Json extra_claims;
  std::optional<absl::Time> not_before;
};

struct IssuedToken {
  std::string token;
  std::string jti;
  std::string kid;
  jose::JwsAlgorithm alg;
  absl::Time issued_at;
  absl::Time expires_at;
};

// What to revoke: a token (its jti and exp are read after verifying it), or
// a jti with the time until which it must stay revoked.
struct RevokeParams {
  std::string token;
  std::string jti;
  std::optional<absl::Time> until;
};

struct Revoked {
  std::string jti;
  absl::Time until;
};

struct ValidateParams {
  absl::string_view token;
  // When non-empty, `aud` must contain it (on top of the policy).
  std::string audience;
  AccessRequirements access;
  // False: a token whose key only its issuer can tell (an unknown kid at a
  // ring that fetches, KeyRing::UnknownKidMayWait) is not looked up and
  // the call fails with KeyFetchNeeded() instead, so that a caller on a
  // thread that must not block can hand it to one that may.
  bool may_wait_for_keys = true;
};

// The status Validate and Introspect return when they would have to wait
// for an issuer's keys but were told not to. Never reaches a client.
absl::Status KeyFetchNeeded();
bool IsKeyFetchNeeded(const absl::Status& status);

// The answer to "is this token good for this request?".
struct Verdict {
  // Set exactly when the token is valid and grants the requested access.
  // Shared: a cached verification is handed out to every call that
  // presents the same token.
  std::shared_ptr<const jose::VerifiedJwt> jwt;
  // Set exactly when the token is rejected.
  std::optional<jose::RejectReason> reason;
  // Human-readable; never contains the token.
  std::string detail;
  // The configured issuer (its policy's issuer string) whose keys and policy
  // judged the token; empty when the token reached none (malformed, or an
  // `iss` no trusted issuer has). Never taken from the token unchecked: for
  // metrics and logs.
  std::string issuer;

  bool valid() const { return jwt != nullptr; }
};

// Issues, validates and introspects tokens for one issuer with the keys of
// one key ring. The business rules live here; the API layer only converts.
// Thread-safe: every method may be called concurrently.
class TokenService {
 public:
  // INVALID_ARGUMENT for bad options (no issuer, a duplicate or empty
  // issuer, a missing key ring, leeway beyond 10 min, non-positive or
  // inconsistent TTLs). `clock` must outlive the service.
  static absl::StatusOr<std::unique_ptr<TokenService>> Create(
      TokenServiceOptions options, const Clock* clock);

  // Signs a new token: iss, sub, aud, exp, nbf (when asked), iat, jti, scope
  // and the extra claims. INVALID_ARGUMENT for a missing or oversized
  // subject, bad audiences, a TTL that is not positive or above the
  // maximum, a malformed scope, extra claims that are not an object or that
  // name a registered claim, nbf at or after exp, or a token that would
  // exceed the size validators accept. FAILED_PRECONDITION when the key
  // ring cannot sign.
  absl::StatusOr<IssuedToken> Issue(const IssueParams& params) const;

  // A verdict for any non-empty token. The token is routed to its issuer:
  // by the kid when exactly one trusted issuer holds it, else by its `iss`
  // (read strictly before verification). INVALID_ARGUMENT only for a bad
  // request (an empty token, malformed access requirements); UNAVAILABLE
  // when the issuer's keys cannot be had right now (retry).
  absl::StatusOr<Verdict> Validate(const ValidateParams& params) const;

  // RFC 7662: the verified token when active, nullopt when not.
  // INVALID_ARGUMENT for an empty token. `may_wait_for_keys` as in
  // ValidateParams.
  absl::StatusOr<std::optional<jose::VerifiedJwt>> Introspect(
      absl::string_view token, bool may_wait_for_keys = true) const;

  // Keeps a token revoked until it expires; durable before OK (the store's
  // contract). By token: the token must be genuine (signature and issuer;
  // it may already be expired, which needs nothing stored) and carry a jti
  // (else INVALID_ARGUMENT). By jti: `until` is required, in the future and
  // at most max_ttl + the longest leeway ahead (a token jwtd accepts cannot
  // live longer). INVALID_ARGUMENT for a bad request, nothing stored;
  // FAILED_PRECONDITION without a store; UNAVAILABLE when the store cannot
  // be written.
  absl::StatusOr<Revoked> Revoke(const RevokeParams& params) const;

  // The public JWK Set of the signing issuer's verification keys.
  std::string PublicJwks() const;

  const TokenServiceOptions& options() const { return options_; }

  // Hits, misses and size of the validation cache (for metrics).
  ValidationCacheStats CacheStats() const { return cache_->Stats(); }

 private:
  struct Issuer {
    jose::JwtValidator validator;
    keyring::KeyRing* key_ring;
  };

  TokenService(TokenServiceOptions options, std::vector<Issuer> issuers,
               const Clock* clock)
      : options_(std::move(options)),
        issuers_(std::move(issuers)),
        clock_(clock),
        cache_(std::make_unique<ValidationCache>(
            options_.validation_cache_bytes)) {}

  const Issuer& signing_issuer() const { return issuers_.front(); }

  // Parses, routes and validates `token` at `now` (no revocation check).
  // `routed`, when not null, is set to the issuer the token was routed to
  // (null when routing failed); `keys`, when not null, to the key set
  // snapshot that verified it.
  // `may_wait_for_keys` as in ValidateParams.
  absl::StatusOr<jose::VerifiedJwt> Verify(
      absl::string_view token, absl::string_view audience, absl::Time now,
      const Issuer** routed = nullptr,
      std::shared_ptr<const jose::KeySet>* keys = nullptr,
      bool may_wait_for_keys = true) const;

  // The cached verification of `token` for `audience` when it still holds
  // at `now` (same key set, time claims in bounds), else null.
  std::shared_ptr<const CachedVerification> FindCached(
      absl::string_view token, absl::string_view audience,
      absl::Time now) const;

  // TokenRejected(kRevoked) when the store lists the token's jti;
  // UNAVAILABLE when the store cannot tell.
  absl::Status CheckNotRevoked(const jose::VerifiedJwt& jwt) const;

  // The registered claims of a token whose signature was already verified
  // (used after a rejection that came later than the signature check).
  std::optional<jose::RegisteredClaims> ReadClaimsOfGenuineToken(
      absl::string_view token) const;

  // The issuer and key snapshot to verify `jws` with (see Validate);
  // `may_wait_for_keys` as in ValidateParams.
  absl::Status Route(const jose::UnverifiedJws& jws, const Issuer** issuer,
                     std::shared_ptr<const jose::KeySet>* keys,
                     bool may_wait_for_keys) const;

  absl::StatusOr<jose::Json> BuildClaims(const IssueParams& params,
                                         absl::Time now, absl::Time expires,
                                         const std::string& jti) const;

  const TokenServiceOptions options_;
  const std::vector<Issuer> issuers_;
  const Clock* const clock_;
  const std::unique_ptr<ValidationCache> cache_;
};

}  // namespace jwtd::service

#endif  // JWTD_SERVER_SERVICE_TOKEN_SERVICE_H_
