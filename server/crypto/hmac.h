#ifndef JWTD_SERVER_CRYPTO_HMAC_H_
#define JWTD_SERVER_CRYPTO_HMAC_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/crypto/signature.h"

namespace jwtd::crypto {

// HMAC with SHA-2 (JWS HS256/384/512), through OpenSSL's EVP_MAC.
//
// The secret must be at least DigestLength(hash) bytes (RFC 7518 section
// 3.2); shorter secrets are refused with INVALID_ARGUMENT. Sign returns the
// full-length tag; Verify accepts only a full-length tag and compares in
// constant time.
class HmacKey : public Signer, public Verifier {
 public:
  static absl::StatusOr<std::unique_ptr<HmacKey>> Create(
      HashFunction hash, absl::string_view secret);
  ~HmacKey() override;

  absl::StatusOr<std::string> Sign(absl::string_view data) const override;
  absl::Status Verify(absl::string_view data,
                      absl::string_view signature) const override;

  HashFunction hash() const { return hash_; }

 private:
  struct Impl;
  HmacKey(HashFunction hash, std::unique_ptr<Impl> impl);

  HashFunction hash_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace jwtd::crypto

#endif  // JWTD_SERVER_CRYPTO_HMAC_H_
