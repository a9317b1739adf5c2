#ifndef JWTD_SERVER_JOSE_VERIFIED_JWT_H_
#define JWTD_SERVER_JOSE_VERIFIED_JWT_H_

#include <atomic>
#include <string>

#include "server/jose/algorithm.h"
#include "server/jose/claims.h"
#include "server/jose/json.h"
#include "server/jose/json_parser.h"

namespace jwtd::jose {

// A token whose signature, issuer, audience and time claims have been
// checked by JwtValidator: only the validator can make one, so holding a
// VerifiedJwt is proof of those checks (at the instant they ran).
//
// The validator checks the claims on the parsed payload without building a
// Json tree. claims() and registered() build theirs from the verified
// payload bytes on first use, so callers that need only the verdict do not
// pay for them. That cannot fail (the same bytes passed the same parser and
// checks); if it ever did, the process stops rather than hand out claims
// that were not checked. Const methods are thread-safe; a copy decodes on
// its own; a moved-from VerifiedJwt may only be assigned or destroyed.
class VerifiedJwt {
 public:
  VerifiedJwt(const VerifiedJwt& other);
  VerifiedJwt(VerifiedJwt&& other) noexcept;
  VerifiedJwt& operator=(const VerifiedJwt& other);
  VerifiedJwt& operator=(VerifiedJwt&& other) noexcept;
  ~VerifiedJwt();

  JwsAlgorithm alg() const { return alg_; }
  const std::string& kid() const { return kid_; }
  // The whole claim set, a JSON object.
  const Json& claims() const;
  const RegisteredClaims& registered() const;

  // The claims in the one encoding a caller needs on every answer (the API
  // layer's protobuf wire bytes), built by `encode` on first use and kept:
  // a cached token is answered many times. Every caller must pass the same
  // encoder. Thread-safe like claims().
  using ClaimsEncoder = void (*)(const Json& claims, std::string* out);
  const std::string& EncodedClaims(ClaimsEncoder encode) const;

 private:
  friend class JwtValidator;
  struct Decoded;

  // `payload` must be a claim set the validator accepted under `limits`.
  VerifiedJwt(JwsAlgorithm alg, std::string kid, std::string payload,
              const JsonLimits& limits);
  const Decoded& decoded() const;

  JwsAlgorithm alg_;
  std::string kid_;
  std::string payload_;
  JsonLimits limits_;
  // Null until first needed; then set once (compare-and-swap, so that two
  // threads racing to decode agree on one result) and owned by this object.
  mutable std::atomic<Decoded*> decoded_{nullptr};
  // Null until EncodedClaims is first called; then set once, like decoded_.
  mutable std::atomic<std::string*> encoded_claims_{nullptr};
};

}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_VERIFIED_JWT_H_
