#include "server/jose/algorithm.h"

namespace jwtd::jose {
namespace {

struct AlgorithmInfo {
  JwsAlgorithm alg;
  absl::string_view name;
  crypto::HashFunction hash;
};

constexpr AlgorithmInfo kAlgorithms[] = {
    {JwsAlgorithm::kHS256, "HS256", crypto::HashFunction::kSha256},
    {JwsAlgorithm::kHS384, "HS384", crypto::HashFunction::kSha384},
    {JwsAlgorithm::kHS512, "HS512", crypto::HashFunction::kSha512},
    {JwsAlgorithm::kES256, "ES256", crypto::HashFunction::kSha256},
    {JwsAlgorithm::kES384, "ES384", crypto::HashFunction::kSha384},
    {JwsAlgorithm::kES512, "ES512", crypto::HashFunction::kSha512},
};

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

crypto::HashFunction HashOf(JwsAlgorithm alg) { return InfoOf(alg).hash; }

bool IsHmac(JwsAlgorithm alg) {
  return alg == JwsAlgorithm::kHS256 || alg == JwsAlgorithm::kHS384 ||
         alg == JwsAlgorithm::kHS512;
}

}  // namespace jwtd::jose
