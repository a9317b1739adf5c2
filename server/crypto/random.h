#ifndef JWTD_SERVER_CRYPTO_RANDOM_H_
#define JWTD_SERVER_CRYPTO_RANDOM_H_

#include <string>

namespace jwtd::crypto {

// `length` bytes from OpenSSL's CSPRNG. Aborts if the CSPRNG fails: without
// randomness no key or token id may be made.
std::string RandomBytes(size_t length);

}  // namespace jwtd::crypto

#endif  // JWTD_SERVER_CRYPTO_RANDOM_H_
