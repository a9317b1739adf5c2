#ifndef JWTD_SERVER_KEYRING_KEY_RING_H_
#define JWTD_SERVER_KEYRING_KEY_RING_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/jose/key_set.h"
#include "server/jose/keys.h"

namespace jwtd::keyring {

// What a key ring reports for readiness probes and metrics.
struct KeyRingStatus {
  // True when the ring can verify (and, for a signing ring, sign) now.
  bool ready = false;
  // True when serving keys that could not be refreshed recently (e.g. the
  // remote issuer is down and the last good keys are used).
  bool degraded = false;
  // Human-readable state, e.g. "3 keys, refreshed 12s ago".
  std::string detail;
  // Number of verification keys in the current snapshot.
  size_t keys = 0;
  // When the keys were last loaded or confirmed; InfinitePast if never.
  absl::Time last_refresh = absl::InfinitePast();
  // When the active signing key stops signing (a rotating ring's next
  // switch); InfiniteFuture when it never does, or the ring does not sign.
  absl::Time active_key_retires = absl::InfiniteFuture();
};

// Where the service gets keys: the current signer for Issue, and an
// immutable snapshot of the verification keys for Validate. Backends are
// registered in one function (keyring/registry.h).
//
// Implementations are thread-safe. Snapshots are swapped atomically when
// keys change, so readers never lock and never see a half-updated set; a
// snapshot stays valid for as long as a reader holds it.
class KeyRing {
 public:
  virtual ~KeyRing() = default;

  // The key new tokens are signed with, or nullptr when this ring can only
  // verify (e.g. another issuer's JWKS).
  virtual std::shared_ptr<const jose::SigningKey> ActiveSigningKey() const = 0;

  // The keys that verify tokens now. Never null; may be empty.
  virtual std::shared_ptr<const jose::KeySet> VerificationKeys() const = 0;

  // Called when a token names `kid` and VerificationKeys() lacks it. Rings
  // that can learn new keys (remote JWKS) refetch — at most once per
  // cooldown, one fetch shared by concurrent callers — and return the
  // snapshot to use. UNAVAILABLE when the key source cannot be reached, so
  // that the caller answers "retry" rather than "invalid token". The
  // default returns the current snapshot.
  virtual absl::StatusOr<std::shared_ptr<const jose::KeySet>> KeysForUnknownKid(
      absl::string_view kid) {
    return VerificationKeys();
  }

  // True when KeysForUnknownKid may wait on the network (a fetch, or one
  // in flight), up to the ring's fetch timeout; false when it answers at
  // once (the default).
  virtual bool UnknownKidMayWait() const { return false; }

  virtual KeyRingStatus Status() const = 0;
};

}  // namespace jwtd::keyring

#endif  // JWTD_SERVER_KEYRING_KEY_RING_H_
