#include "server/crypto/signature.h"

#include <cstdlib>

namespace jwtd::crypto {

size_t DigestLength(HashFunction hash) {
  switch (hash) {
    case HashFunction::kSha256:
      return 32;
    case HashFunction::kSha384:
      return 48;
    case HashFunction::kSha512:
      return 64;
  }
  std::abort();  // Unreachable: every enumerator is handled above.
}

}  // namespace jwtd::crypto
