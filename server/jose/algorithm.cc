#include "server/jose/algorithm.h"

#include <iterator>

namespace jwtd::jose {
namespace {

using crypto::HashFunction;

struct AlgorithmInfo {
  JwsAlgorithm alg;
  absl::string_view name;
  KeyFamily family;
  HashFunction hash;
};

// Indexed by the enum's value.
constexpr AlgorithmInfo kAlgorithms[] = {
    {JwsAlgorithm::kHS256, "HS256", KeyFamily::kHmac, HashFunction::kSha256},
    {JwsAlgorithm::kHS384, "HS384", KeyFamily::kHmac, HashFunction::kSha384},
    {JwsAlgorithm::kHS512, "HS512", KeyFamily::kHmac, HashFunction::kSha512},
    {JwsAlgorithm::kRS256, "RS256", KeyFamily::kRsaPkcs1,
     HashFunction::kSha256},
    {JwsAlgorithm::kRS384, "RS384", KeyFamily::kRsaPkcs1,
     HashFunction::kSha384},
    {JwsAlgorithm::kRS512, "RS512", KeyFamily::kRsaPkcs1,
     HashFunction::kSha512},
    {JwsAlgorithm::kPS256, "PS256", KeyFamily::kRsaPss, HashFunction::kSha256},
    {JwsAlgorithm::kPS384, "PS384", KeyFamily::kRsaPss, HashFunction::kSha384},
    {JwsAlgorithm::kPS512, "PS512", KeyFamily::kRsaPss, HashFunction::kSha512},
    {JwsAlgorithm::kES256, "ES256", KeyFamily::kEcdsa, HashFunction::kSha256},
    {JwsAlgorithm::kES384, "ES384", KeyFamily::kEcdsa, HashFunction::kSha384},
    {JwsAlgorithm::kES512, "ES512", KeyFamily::kEcdsa, HashFunction::kSha512},
    {JwsAlgorithm::kEdDSA, "EdDSA", KeyFamily::kEdDsa, HashFunction::kSha512},
};
static_assert(std::size(kAlgorithms) == std::size(kAllJwsAlgorithms));

const AlgorithmInfo& InfoOf(JwsAlgorithm alg) {
  return kAlgorithms[static_cast<int>(alg)];
}

}  // namespace

absl::string_view JwsAlgorithmName(JwsAlgorithm alg) {
  return InfoOf(alg).name;
}

std::optional<JwsAlgorithm> JwsAlgorithmFromName(absl::string_view name) {
  for (const AlgorithmInfo& info : kAlgorithms) {
    if (info.name == name) return info.alg;
  }
  return std::nullopt;
}

KeyFamily FamilyOf(JwsAlgorithm alg) { return InfoOf(alg).family; }

crypto::HashFunction HashOf(JwsAlgorithm alg) { return InfoOf(alg).hash; }

bool IsHmac(JwsAlgorithm alg) { return FamilyOf(alg) == KeyFamily::kHmac; }

}  // namespace jwtd::jose
