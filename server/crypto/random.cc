#include "server/crypto/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "server/crypto/openssl_util.h"

namespace jwtd::crypto {

std::string RandomBytes(size_t length) {
  std::string out(length, '\0');
  auto* data = reinterpret_cast<unsigned char*>(out.data());
  // RAND_bytes takes an int length, so fill large requests in chunks.
  size_t done = 0;
  while (done < length) {
    const size_t chunk = std::min<size_t>(length - done, INT_MAX);
    if (RAND_bytes(data + done, static_cast<int>(chunk)) != 1) {
      std::fprintf(stderr, "jwtd: %s\n",
                   internal::OpenSslError(absl::StatusCode::kInternal,
                                          "RAND_bytes failed")
                       .ToString()
                       .c_str());
      std::abort();
    }
    done += chunk;
  }
  return out;
}

}  // namespace jwtd::crypto
