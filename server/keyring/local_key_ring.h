#ifndef JWTD_SERVER_KEYRING_LOCAL_KEY_RING_H_
#define JWTD_SERVER_KEYRING_LOCAL_KEY_RING_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/jose/algorithm.h"
#include "server/keyring/key_ring.h"
#include "server/util/clock.h"

namespace jwtd::keyring {

struct LocalKeyRingOptions {
  // Directory holding the keys; created with mode 0700 when absent.
  std::string data_dir;
  // Any asymmetric algorithm; generated keys fit it (GeneratePrivateKey).
  jose::JwsAlgorithm alg = jose::JwsAlgorithm::kES256;
  // How long a key signs before the next one takes over. Zero: never rotate
  // (publish_ahead is then unused). Otherwise at least 1 s: the state keeps
  // whole seconds.
  absl::Duration rotation_period = absl::Hours(24 * 30);
  // The next key is generated and published in the JWKS this long before it
  // starts signing, so that verifiers caching the JWKS already know it.
  // Must be shorter than rotation_period.
  absl::Duration publish_ahead = absl::Hours(24);
  // A retired key stays published and verifying for this long after it
  // stopped signing: the longest token lifetime (max TTL) plus leeway.
  absl::Duration retain_after_retirement = absl::Hours(24) + absl::Minutes(1);
  // Run Tick() from a background thread (every minute, and at the next
  // scheduled change; 30 s after a failed Tick). False: the owner calls
  // Tick() (tests).
  bool background = true;
};

// The embedded default key ring: keys generated into `<data_dir>/keys/`
// (one PKCS#8 PEM per key, `<kid>.pem`, mode 0600, written atomically) with
// their schedule in `<data_dir>/keys/state.json` (mode 0600, written
// atomically after the key files), rotating on a schedule:
//   - exactly one key signs at any time: the one with the latest activation
//     time not after now (if the clock went back before every activation,
//     the oldest key);
//   - the next key is created and published `publish_ahead` before it
//     activates, with the configured alg (existing keys keep theirs: an alg
//     change takes effect at the next rotation);
//   - if jwtd was down past the end of a period, the next key activates at
//     once rather than letting a stale key sign on (it is then published
//     late, at the moment it starts signing);
//   - a key is removed `retain_after_retirement` after it stopped signing.
// The kid of each key is its RFC 7638 thumbprint. VerificationKeys() holds
// the signing key first, then the waiting and retained keys, newest first.
//
// The state survives restarts and a crash at any point: a key file is
// written before the state that names it, and a dropped key's file is
// removed after the state without it. Key files in keys/ that the state
// does not name (an unfinished rotation: never published, so nothing was
// signed with them) and temporary files of interrupted writes are removed;
// never two active keys, never a lost key.
//
// With no state: a lone key file in keys/ (a first start cut short) or a
// data dir from an earlier version (a single `<data_dir>/signing-key.pem`)
// is adopted as the first key, keeping its kid, with the configured alg if
// it fits, else the alg its curve implies; the legacy file is removed once
// the state naming the key is durable. Several key files and no state is
// FAILED_PRECONDITION (their schedule cannot be guessed).
//
// Several rings (processes) may share a data dir: each Tick holds an
// exclusive flock on keys/ and re-reads the state, so they follow one
// schedule; they should be given the same options.
//
// Open never replaces an unreadable or corrupt key or state: that is an
// error (FAILED_PRECONDITION with the path), nothing is modified, and the
// operator decides. Only the file of a key due to be dropped may be
// missing.
class LocalKeyRing : public KeyRing {
 public:
  // Creates or loads the keys and applies the schedule once at
  // clock->Now(), so the returned ring is current. INVALID_ARGUMENT for an
  // HMAC alg or bad durations (publish_ahead >= rotation_period when
  // rotating, negatives, a period under 1 s), before touching the disk.
  // `clock` (nullptr: SystemClock()) must outlive the ring.
  static absl::StatusOr<std::unique_ptr<LocalKeyRing>> Open(
      const LocalKeyRingOptions& options, const Clock* clock);
  // The option checks Open makes first (INVALID_ARGUMENT as above), without
  // the disk: for --check-config.
  static absl::Status CheckOptions(const LocalKeyRingOptions& options);
  // Stops and joins the background thread, promptly.
  ~LocalKeyRing() override;

  // Applies the schedule at clock->Now(): creates and publishes the next key
  // when due, switches the signer, drops expired keys, then swaps in the new
  // snapshots (only when something changed, so an unchanged ring keeps its
  // snapshot pointers). Errors (disk full, read-only dir, a corrupt state
  // written by someone else) leave the current keys in use, are logged and
  // returned; nothing half-written remains. Calls are serialized; readers
  // never wait for them.
  absl::Status Tick();

  // True when Open generated the first key (first start).
  bool generated() const;

  std::shared_ptr<const jose::SigningKey> ActiveSigningKey() const override;
  std::shared_ptr<const jose::KeySet> VerificationKeys() const override;
  // ready: a key signs (always, once open); degraded: the last Tick
  // failed; detail: "2 keys; active <kid> until <RFC 3339 time>";
  // last_refresh: the clock time of the last successful Tick;
  // active_key_retires: when the next key takes over (InfiniteFuture
  // without rotation).
  KeyRingStatus Status() const override;

 private:
  struct State;
  explicit LocalKeyRing(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace jwtd::keyring

#endif  // JWTD_SERVER_KEYRING_LOCAL_KEY_RING_H_
