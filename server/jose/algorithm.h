#ifndef JWTD_SERVER_JOSE_ALGORITHM_H_
#define JWTD_SERVER_JOSE_ALGORITHM_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "server/crypto/signature.h"

namespace jwtd::jose {

// The JWS algorithms (RFC 7518 section 3, RFC 8037) jwtd signs and
// verifies. "none" is not one of them and never will be.
enum class JwsAlgorithm {
  kHS256,
  kHS384,
  kHS512,
  kRS256,
  kRS384,
  kRS512,
  kPS256,
  kPS384,
  kPS512,
  kES256,
  kES384,
  kES512,
  kEdDSA,
};

// The kind of key an algorithm needs.
enum class KeyFamily { kHmac, kRsaPkcs1, kRsaPss, kEcdsa, kEdDsa };

// Every algorithm, in enum order.
inline constexpr JwsAlgorithm kAllJwsAlgorithms[] = {
    JwsAlgorithm::kHS256, JwsAlgorithm::kHS384, JwsAlgorithm::kHS512,
    JwsAlgorithm::kRS256, JwsAlgorithm::kRS384, JwsAlgorithm::kRS512,
    JwsAlgorithm::kPS256, JwsAlgorithm::kPS384, JwsAlgorithm::kPS512,
    JwsAlgorithm::kES256, JwsAlgorithm::kES384, JwsAlgorithm::kES512,
    JwsAlgorithm::kEdDSA};

// The registered name, e.g. "ES256".
absl::string_view JwsAlgorithmName(JwsAlgorithm alg);

// The algorithm whose registered name is exactly `name` (case-sensitive, so
// "es256", "None" and "none" are all unknown), or nullopt.
std::optional<JwsAlgorithm> JwsAlgorithmFromName(absl::string_view name);

KeyFamily FamilyOf(JwsAlgorithm alg);

// The hash the algorithm uses. EdDSA hashes internally: SHA-512 is returned
// for it and callers do not use it.
crypto::HashFunction HashOf(JwsAlgorithm alg);

bool IsHmac(JwsAlgorithm alg);

}  // namespace jwtd::jose

#endif  // JWTD_SERVER_JOSE_ALGORITHM_H_
