#ifndef JWTD_SERVER_KEYRING_KEY_SCHEDULE_H_
#define JWTD_SERVER_KEYRING_KEY_SCHEDULE_H_

// The rotation schedule of LocalKeyRing as pure functions of (keys, now,
// options): which key signs, when the next key must be created, which keys
// are retired or dropped. No disk, no clock, no key material, so that every
// rule is unit-tested on its own. Private to server/keyring.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace jwtd::keyring::internal {

struct ScheduleOptions {
  // How long a key signs. Zero: never rotate (the single key signs forever).
  absl::Duration rotation_period = absl::ZeroDuration();
  // How long before its activation the next key is created and published.
  absl::Duration publish_ahead = absl::ZeroDuration();
  // How long a key stays published after it stopped signing.
  absl::Duration retain_after_retirement = absl::ZeroDuration();
};

// INVALID_ARGUMENT unless: rotation_period is zero or a finite duration of
// at least one second (the state stores whole seconds); publish_ahead is
// finite, >= 0 and, when rotating, shorter than rotation_period (else every
// key would be replaced before it signs); retain_after_retirement is finite
// and >= 0. With rotation_period zero publish_ahead is not used.
absl::Status ValidateScheduleOptions(const ScheduleOptions& options);

// One key as the schedule sees it.
struct ScheduledKey {
  std::string kid;
  // When it starts signing.
  absl::Time activates = absl::UnixEpoch();
  // When it stopped signing (its successor's activation); set once known
  // and never changed afterwards.
  std::optional<absl::Time> retired_at = std::nullopt;
};

// Orders keys by activation time (then kid, so that the order is total).
void SortByActivation(std::vector<ScheduledKey>* keys);

// The index of the key that signs at `now` in `keys` (non-empty, sorted by
// SortByActivation): the last one whose activation is not after now. When
// every key activates later (the clock went back before the first
// activation) the earliest key signs: one key always signs, never two.
size_t ActiveIndex(const std::vector<ScheduledKey>& keys, absl::Time now);

// When a new key must be created at `now`, the time it activates; nullopt
// otherwise. A key is due when rotating, no key is waiting to activate, and
// now >= active.activates + rotation_period - publish_ahead. It activates
// at active.activates + rotation_period, or at `now` when that is already
// past (jwtd was down through the rotation): a stale key never keeps
// signing, at the cost of publishing that one key late. `keys` sorted and
// non-empty.
std::optional<absl::Time> DueKeyActivation(
    const std::vector<ScheduledKey>& keys, absl::Time now,
    const ScheduleOptions& options);

// The keys after applying the schedule at `now`.
struct SettledKeys {
  // Sorted by activation. Every key older than the active one has
  // retired_at (its successor's activation when it was not set before).
  std::vector<ScheduledKey> keys;
  // Index of the signing key in `keys`.
  size_t active = 0;
  // Kids removed because retired_at + retain_after_retirement <= now. The
  // signing key and keys waiting to activate are never dropped.
  std::vector<std::string> dropped;
};

// Retires superseded keys and drops expired ones (`keys` non-empty, any
// order). Does not create keys: see DueKeyActivation.
SettledKeys Settle(std::vector<ScheduledKey> keys, absl::Time now,
                   const ScheduleOptions& options);

// The earliest time after `now` at which Settle or DueKeyActivation would
// change something for `settled` (the output of Settle at `now`, after any
// due key was added): an activation, a key to create, a key to drop.
// InfiniteFuture when nothing is scheduled. A creation that is already due
// yields `now`.
absl::Time NextChange(const SettledKeys& settled, absl::Time now,
                      const ScheduleOptions& options);

// When the signing key of `settled` is scheduled to stop signing: the
// activation of the next key when one is waiting, else the end of its
// rotation period; InfiniteFuture when not rotating. `settled` non-empty.
absl::Time ActiveUntil(const SettledKeys& settled,
                       const ScheduleOptions& options);

}  // namespace jwtd::keyring::internal

#endif  // JWTD_SERVER_KEYRING_KEY_SCHEDULE_H_
