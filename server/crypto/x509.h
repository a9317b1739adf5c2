#ifndef JWTD_SERVER_CRYPTO_X509_H_
#define JWTD_SERVER_CRYPTO_X509_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace jwtd::crypto {

// Checks a TLS identity before it is served: `cert_chain_pem` holds at
// least one certificate (leaf first) and `key_pem` is an unencrypted
// private key matching the leaf. INVALID_ARGUMENT says which part is wrong
// (so that jwtd refuses to start instead of failing every handshake).
absl::Status CheckCertificateKeyPair(absl::string_view cert_chain_pem,
                                     absl::string_view key_pem);

// Checks that `pem` holds at least one certificate and nothing that is not
// one (a CA bundle for verifying peers). INVALID_ARGUMENT otherwise.
absl::Status CheckCertificateBundle(absl::string_view pem);

}  // namespace jwtd::crypto

#endif  // JWTD_SERVER_CRYPTO_X509_H_
