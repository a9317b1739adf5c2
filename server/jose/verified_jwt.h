#ifndef JWTD_SERVER_JOSE_VERIFIED_JWT_H_
#define JWTD_SERVER_JOSE_VERIFIED_JWT_H_

#include <optional>
#include <string>
#include <utility>

#include "server/jose/algorithm.h"
#include "server/jose/claims.h"
#include "server/jose/json.h"

namespace jwtd::jose {

// A token whose signature, issuer, audience and time claims have been
// checked by JwtValidator: only the validator can make one, so holding a
// VerifiedJwt is proof of those checks (at the instant they ran).
class VerifiedJwt {
 public:
  JwsAlgorithm alg() const { return alg_; }
  const std::string& kid() const { return kid_; }
  // The whole claim set, a JSON object.
  const Json& claims() const { return claims_; }
  const RegisteredClaims& registered() const { return registered_; }

 private:
  friend class JwtValidator;
  VerifiedJwt(JwsAlgorithm alg, std::string kid, Json claims,
              RegisteredClaims registered)
      : alg_(alg),
        kid_(std::move(kid)),
        claims_(std::move(claims)),
        registered_(std::move(registered)) {}

  JwsAlgorithm alg_;
  std::string kid_;
  Json claims_;
  RegisteredClaims registered_;
};

}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_VERIFIED_JWT_H_
