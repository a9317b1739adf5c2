#ifndef JWTD_SERVER_CRYPTO_DIGEST_H_
#define JWTD_SERVER_CRYPTO_DIGEST_H_

#include <string>

#include "absl/strings/string_view.h"
#include "server/crypto/signature.h"

namespace jwtd::crypto {

// The digest of `data` (used for RFC 7638 thumbprints and for logging a hash
// of a token instead of the token).
std::string Digest(HashFunction hash, absl::string_view data);

}  // namespace jwtd::crypto

#endif  // JWTD_SERVER_CRYPTO_DIGEST_H_
