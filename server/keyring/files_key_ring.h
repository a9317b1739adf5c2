#ifndef JWTD_SERVER_KEYRING_FILES_KEY_RING_H_
#define JWTD_SERVER_KEYRING_FILES_KEY_RING_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/jose/algorithm.h"
#include "server/keyring/key_ring.h"
#include "server/util/clock.h"

namespace jwtd::keyring {

struct FilesKeyRingOptions {
  // Files to read (at least one): a JWKS document (".json", or content
  // starting with '{'; public keys only, see jose::ImportJwks), or PEM with
  // exactly one key: a public key ("PUBLIC KEY", "RSA PUBLIC KEY"; kid = its
  // RFC 7638 thumbprint) or an unencrypted private key, which then signs and
  // also verifies (kid = thumbprint). As mounted from a Kubernetes Secret:
  // updates swap a symlink, so files are read by path each time.
  std::vector<std::string> paths;
  // Algorithm for PEM keys and for RSA JWKs without "alg". Required when a
  // PEM or such a JWK is present.
  std::optional<jose::JwsAlgorithm> alg;
  // Accept kty "oct" JWKs (HMAC secrets) from these files.
  bool allow_secret_keys = false;
  // How often a background thread checks the files for changes (by
  // content, so symlink swaps are seen). Zero: no background thread (tests
  // call Reload()).
  absl::Duration poll_interval = absl::Seconds(10);
  // Larger files are refused.
  size_t max_file_bytes = 1024 * 1024;
};

// Keys from files: loaded at Open (an error there is fatal: FAILED_PRECONDITION
// naming the file), then reloaded when a file's content changes. A bad new
// file is reported (log line, Status().degraded) and the last good keys
// stay in use. At most one private key across the files may sign; a kid may
// appear in only one file.
//
// Readers (VerificationKeys, ActiveSigningKey) never wait for file IO or a
// reload: both come from one immutable snapshot, whose pointer they copy
// under a mutex held for nothing else; a reload builds the next snapshot
// aside and swaps it in. A snapshot a reader holds stays valid and
// unchanged.
class FilesKeyRing : public KeyRing {
 public:
  // INVALID_ARGUMENT for bad options (no paths, negative poll_interval, null
  // clock); FAILED_PRECONDITION, naming the file, when a file cannot be read
  // or is refused: neither JWKS nor PEM, an invalid key, a PEM file with
  // other than one key, a PEM key without a fitting alg, a second private
  // key, a kid already in another file. Files with no keys at all (an empty
  // JWKS) open, not ready. `clock` must outlive the ring. With a positive
  // poll_interval a background thread calls Reload() that often.
  static absl::StatusOr<std::unique_ptr<FilesKeyRing>> Open(
      FilesKeyRingOptions options, const Clock* clock);
  // The option checks Open makes first (INVALID_ARGUMENT), without reading
  // the files: for --check-config.
  static absl::Status CheckOptions(const FilesKeyRingOptions& options);
  // Stops the background thread promptly (it does not wait out a poll).
  ~FilesKeyRing() override;

  // Re-reads every file now. OK when the keys were (re)loaded or are
  // unchanged (then the snapshot is kept as is, pointer and all); the error
  // otherwise, naming the file (NOT_FOUND or FAILED_PRECONDITION from
  // reading, INVALID_ARGUMENT for content), and the previous keys stay in
  // use. The same bad content is not parsed or logged twice. Thread-safe;
  // concurrent calls run one after the other.
  absl::Status Reload();

  std::shared_ptr<const jose::SigningKey> ActiveSigningKey() const override;
  std::shared_ptr<const jose::KeySet> VerificationKeys() const override;
  // ready: at least one verification key; degraded: the last reload failed
  // (until one succeeds); last_refresh: the last load, or reload that found
  // the files unchanged.
  KeyRingStatus Status() const override;

 private:
  struct State;
  explicit FilesKeyRing(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace jwtd::keyring

#endif  // JWTD_SERVER_KEYRING_FILES_KEY_RING_H_
