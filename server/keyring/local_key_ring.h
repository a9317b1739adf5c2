#ifndef JWTD_SERVER_KEYRING_LOCAL_KEY_RING_H_
#define JWTD_SERVER_KEYRING_LOCAL_KEY_RING_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/jose/algorithm.h"
#include "server/keyring/key_ring.h"

namespace jwtd::keyring {

struct LocalKeyRingOptions {
  // Directory holding the key; created with mode 0700 when absent.
  std::string data_dir;
  // Any asymmetric algorithm; a generated key fits it (GeneratePrivateKey).
  jose::JwsAlgorithm alg = jose::JwsAlgorithm::kES256;
};

// The embedded default key ring: one signing key kept in
// `<data_dir>/signing-key.pem` (PKCS#8, mode 0600): EC, RSA or Ed25519. On
// first start the key is generated and written atomically; later starts load
// it, so tokens survive restarts. The kid is the key's RFC 7638 thumbprint.
//
// Open never replaces an existing key: an unreadable, corrupt or
// mismatching key file is an error (FAILED_PRECONDITION / INVALID_ARGUMENT
// with the path), and the operator decides. Rotation comes with the
// rotating backend (docs/roadmap.md).
class LocalKeyRing : public KeyRing {
 public:
  static absl::StatusOr<std::unique_ptr<LocalKeyRing>> Open(
      const LocalKeyRingOptions& options);

  // Name of the key file inside the data directory.
  static constexpr char kKeyFileName[] = "signing-key.pem";

  std::shared_ptr<const jose::SigningKey> ActiveSigningKey() const override {
    return signing_key_;
  }
  std::shared_ptr<const jose::KeySet> VerificationKeys() const override {
    return key_set_;
  }
  // True when Open generated the key (first start).
  bool generated() const { return generated_; }

 private:
  LocalKeyRing(std::shared_ptr<const jose::SigningKey> signing_key,
               std::shared_ptr<const jose::KeySet> key_set, bool generated)
      : signing_key_(std::move(signing_key)),
        key_set_(std::move(key_set)),
        generated_(generated) {}

  const std::shared_ptr<const jose::SigningKey> signing_key_;
  const std::shared_ptr<const jose::KeySet> key_set_;
  const bool generated_;
};

}  // namespace jwtd::keyring

#endif  // JWTD_SERVER_KEYRING_LOCAL_KEY_RING_H_
