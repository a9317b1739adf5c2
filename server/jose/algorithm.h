#ifndef JWTD_SERVER_JOSE_ALGORITHM_H_
#define JWTD_SERVER_JOSE_ALGORITHM_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "server/crypto/signature.h"

namespace jwtd::jose {

// The JWS algorithms (RFC 7518 section 3) jwtd signs and verifies. "none" is
// not one of them and never will be.
enum class JwsAlgorithm { kHS256, kHS384, kHS512, kES256, kES384, kES512 };

// The registered name, e.g. "ES256".
absl::string_view JwsAlgorithmName(JwsAlgorithm alg);

// The algorithm whose registered name is exactly `name` (case-sensitive, so
// "es256", "None" and "none" are all unknown), or nullopt.
std::optional<JwsAlgorithm> JwsAlgorithmFromName(absl::string_view name);

// The hash the algorithm uses.
crypto::HashFunction HashOf(JwsAlgorithm alg);

bool IsHmac(JwsAlgorithm alg);

}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_ALGORITHM_H_
