#ifndef JWTD_SERVER_KEYRING_REGISTRY_H_
#define JWTD_SERVER_KEYRING_REGISTRY_H_

#include <memory>
#include <variant>

#include "absl/status/statusor.h"
#include "server/keyring/files_key_ring.h"
#include "server/keyring/key_ring.h"
#include "server/keyring/local_key_ring.h"
#include "server/keyring/remote_jwks_key_ring.h"
#include "server/util/clock.h"

namespace jwtd::keyring {

// The options of one key ring backend; which alternative is set chooses
// the backend.
using KeyRingOptions = std::variant<LocalKeyRingOptions, FilesKeyRingOptions,
                                    RemoteJwksKeyRingOptions>;

// The one place where backends are registered (explicitly, not through
// static initialisers that a linker may drop): builds the ring the options
// name. Errors are those of the backend's Open.
absl::StatusOr<std::unique_ptr<KeyRing>> CreateKeyRing(
    const KeyRingOptions& options, const Clock* clock);

// The checks the backend's Open makes of its options before it touches
// files or the network (INVALID_ARGUMENT), so that a configuration check
// refuses what start-up would. Reads nothing.
absl::Status CheckKeyRingOptions(const KeyRingOptions& options);

}  // namespace jwtd::keyring

#endif  // JWTD_SERVER_KEYRING_REGISTRY_H_
