#ifndef JWTD_SERVER_CRYPTO_PEM_H_
#define JWTD_SERVER_CRYPTO_PEM_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace jwtd::crypto {

// The kind of key a PEM private key holds, so callers can hand it to the
// right importer (EcPrivateKey, RsaPrivateKey, EdPrivateKey).
enum class PemKeyType { kEc, kRsa, kEd25519, kEd448 };

// Reads only the key type of an unencrypted PEM private key ("PRIVATE KEY",
// "EC PRIVATE KEY", "RSA PRIVATE KEY"). INVALID_ARGUMENT when the text is not
// such a key or holds another type (DSA, X25519, ...).
absl::StatusOr<PemKeyType> PrivateKeyPemType(absl::string_view pem);

}  // namespace jwtd::crypto

#endif  // JWTD_SERVER_CRYPTO_PEM_H_
