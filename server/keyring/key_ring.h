#ifndef JWTD_SERVER_KEYRING_KEY_RING_H_
#define JWTD_SERVER_KEYRING_KEY_RING_H_

#include <memory>

#include "server/jose/key_set.h"
#include "server/jose/keys.h"

namespace jwtd::keyring {

// Where the service gets keys: the current signer for Issue, and an
// immutable snapshot of the verification keys for Validate. Backends (local
// generated keys now; key files and remote JWKS later) implement this.
//
// Implementations are thread-safe. Snapshots are swapped atomically when
// keys change, so readers never lock and never see a half-updated set.
class KeyRing {
 public:
  virtual ~KeyRing() = default;

  // The key new tokens are signed with, or nullptr when this ring can only
  // verify (e.g. another issuer's JWKS).
  virtual std::shared_ptr<const jose::SigningKey> ActiveSigningKey() const = 0;

  // The keys that verify tokens now. Never null; may be empty.
  virtual std::shared_ptr<const jose::KeySet> VerificationKeys() const = 0;
};

}  // namespace jwtd::keyring

#endif  // JWTD_SERVER_KEYRING_KEY_RING_H_
