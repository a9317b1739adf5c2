#include "server/crypto/digest.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "server/crypto/openssl_util.h"

namespace jwtd::crypto {

std::string Digest(HashFunction hash, absl::string_view data) {
  std::string out(DigestLength(hash), '\0');
  unsigned int length = 0;
  // EVP_Digest only fails on allocation failure or a broken provider; the
  // contract has no error channel, and a wrong digest must never be returned.
  if (EVP_Digest(data.data(), data.size(),
                 reinterpret_cast<unsigned char*>(out.data()), &length,
                 internal::FetchDigest(hash), nullptr) != 1 ||
      length != out.size()) {
    std::fprintf(
        stderr, "jwtd: %s\n",
        internal::OpenSslError(absl::StatusCode::kInternal, "EVP_Digest failed")
            .ToString()
            .c_str());
    std::abort();
  }
  return out;
}

}  // namespace jwtd::crypto
