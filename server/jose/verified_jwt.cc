#include "server/jose/verified_jwt.h"

#include <cstdlib>
#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "server/util/log.h"

namespace jwtd::jose {

struct VerifiedJwt::Decoded {
  Json claims;
  RegisteredClaims registered;
};

VerifiedJwt::VerifiedJwt(JwsAlgorithm alg, std::string kid, std::string payload,
                         const JsonLimits& limits)
    : alg_(alg),
      kid_(std::move(kid)),
      payload_(std::move(payload)),
      limits_(limits) {}

VerifiedJwt::VerifiedJwt(const VerifiedJwt& other)
    : alg_(other.alg_),
      kid_(other.kid_),
      payload_(other.payload_),
      limits_(other.limits_) {}

VerifiedJwt::VerifiedJwt(VerifiedJwt&& other) noexcept
    : alg_(other.alg_),
      kid_(std::move(other.kid_)),
      payload_(std::move(other.payload_)),
      limits_(other.limits_),
      decoded_(other.decoded_.exchange(nullptr, std::memory_order_acq_rel)),
      encoded_claims_(
          other.encoded_claims_.exchange(nullptr, std::memory_order_acq_rel)) {}

VerifiedJwt& VerifiedJwt::operator=(const VerifiedJwt& other) {
  if (this != &other) *this = VerifiedJwt(other);
  return *this;
}

VerifiedJwt& VerifiedJwt::operator=(VerifiedJwt&& other) noexcept {
  if (this != &other) {
    alg_ = other.alg_;
    kid_ = std::move(other.kid_);
    payload_ = std::move(other.payload_);
    limits_ = other.limits_;
    delete decoded_.exchange(
        other.decoded_.exchange(nullptr, std::memory_order_acq_rel),
        std::memory_order_acq_rel);
    delete encoded_claims_.exchange(
        other.encoded_claims_.exchange(nullptr, std::memory_order_acq_rel),
        std::memory_order_acq_rel);
  }
  return *this;
}

VerifiedJwt::~VerifiedJwt() {
  delete decoded_.load(std::memory_order_acquire);
  delete encoded_claims_.load(std::memory_order_acquire);
}

const std::string& VerifiedJwt::EncodedClaims(ClaimsEncoder encode) const {
  if (const std::string* ready =
          encoded_claims_.load(std::memory_order_acquire)) {
    return *ready;
  }
  auto fresh = std::make_unique<std::string>();
  encode(claims(), fresh.get());
  std::string* expected = nullptr;
  if (encoded_claims_.compare_exchange_strong(expected, fresh.get(),
                                              std::memory_order_acq_rel,
                                              std::memory_order_acquire)) {
    return *fresh.release();
  }
  return *expected;  // Another thread was first; `fresh` is dropped.
}

const VerifiedJwt::Decoded& VerifiedJwt::decoded() const {
  if (const Decoded* ready = decoded_.load(std::memory_order_acquire)) {
    return *ready;
  }
  // The validator accepted these exact bytes under these limits, and the
  // parser and claim reader are deterministic, so this cannot fail short of
  // running out of memory. Never hand out empty claims instead (an empty
  // jti would skip the revocation check): stop.
  absl::StatusOr<Json> claims = ParseJsonObject(payload_, limits_);
  absl::StatusOr<RegisteredClaims> registered =
      claims.ok() ? ReadRegisteredClaims(*claims)
                  : absl::StatusOr<RegisteredClaims>(claims.status());
  if (!registered.ok()) {
    Log(LogLevel::kError, "verified claims cannot be decoded again",
        {{"error", std::string(registered.status().message())}});
    std::abort();
  }
  auto fresh = std::make_unique<Decoded>(
      Decoded{*std::move(claims), *std::move(registered)});
  Decoded* expected = nullptr;
  if (decoded_.compare_exchange_strong(expected, fresh.get(),
                                       std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
    return *fresh.release();
  }
  return *expected;  // Another thread was first; `fresh` is dropped.
}

const Json& VerifiedJwt::claims() const { return decoded().claims; }

const RegisteredClaims& VerifiedJwt::registered() const {
  return decoded().registered;
}

}  // namespace jwtd::jose
