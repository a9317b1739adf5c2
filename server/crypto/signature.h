#ifndef JWTD_SERVER_CRYPTO_SIGNATURE_H_
#define JWTD_SERVER_CRYPTO_SIGNATURE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace jwtd::crypto {

// Hash functions used by the JWS algorithms.
enum class HashFunction { kSha256, kSha384, kSha512 };

// Output length of `hash` in bytes (32, 48 or 64).
size_t DigestLength(HashFunction hash);

// Makes signatures with one private or secret key. Implementations are
// immutable after construction and safe to call from many threads at once.
// A Signer never hands out its key bytes.
class Signer {
 public:
  virtual ~Signer() = default;
  // Returns the signature (or MAC) of `data` in the raw form that JWS uses
  // (RFC 7518): the MAC bytes, R||S for ECDSA. INTERNAL on library failure.
  virtual absl::StatusOr<std::string> Sign(absl::string_view data) const = 0;
};

// Checks signatures with one public or secret key. Immutable and thread-safe.
class Verifier {
 public:
  virtual ~Verifier() = default;
  // OK when `signature` is a valid signature of `data` in the raw JWS form;
  // UNAUTHENTICATED ("signature mismatch") otherwise, including for any
  // signature of the wrong length or encoding. Never INTERNAL for bad input.
  virtual absl::Status Verify(absl::string_view data,
                              absl::string_view signature) const = 0;
};

}  // namespace jwtd::crypto

#endif  // JWTD_SERVER_CRYPTO_SIGNATURE_H_
