#ifndef JWTD_SERVER_KEYRING_REMOTE_JWKS_KEY_RING_H_
#define JWTD_SERVER_KEYRING_REMOTE_JWKS_KEY_RING_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/jose/algorithm.h"
#include "server/keyring/key_ring.h"
#include "server/util/clock.h"

namespace jwtd::keyring {

struct RemoteJwksKeyRingOptions {
  // Exactly one of: the JWKS URL, or the issuer URL whose
  // /.well-known/openid-configuration names the jwks_uri (the suffix is
  // appended unless the URL already ends with it). The discovered jwks_uri
  // is kept until a fetch from it fails, then discovered again.
  std::string jwks_uri;
  std::string discovery_url;
  // Plain http:// is refused unless this is set (tests, in-cluster); this
  // applies to the discovered jwks_uri too.
  bool allow_http = false;
  // PEM file of the CAs that certify the issuer, trusted instead of the
  // system store (e.g. a Kubernetes service account's ca.crt for the API
  // server's discovery). Empty: the system store. Must be readable at Open.
  std::string ca_file;
  // Cache-Control max-age is honoured within [min_refresh, max_refresh];
  // without one, max_refresh applies. no-cache / no-store count as 0 (so
  // min_refresh). 0 < min_refresh <= max_refresh.
  absl::Duration min_refresh = absl::Minutes(5);
  absl::Duration max_refresh = absl::Hours(24);
  // A token with an unknown kid triggers at most one refetch per cooldown
  // (counted from the end of the last fetch of any kind). After a failed
  // fetch the background refresh retries after cooldown, doubling each
  // time up to max_refresh. >= 0.
  absl::Duration cooldown = absl::Seconds(30);
  // Per Refresh, discovery and redirects included: connect + transfer.
  // In (0, 5 min].
  absl::Duration timeout = absl::Seconds(5);
  // Larger responses are refused (the transfer is aborted). In
  // [1 KiB, 16 MiB].
  size_t max_response_bytes = 512 * 1024;
  // RSA JWKs without "alg" get this algorithm (else they are refused). Must
  // be an RS* or PS* algorithm.
  std::optional<jose::JwsAlgorithm> default_rsa_alg;
  // When set, the last good JWKS is written here (atomically, 0600) and read
  // at start, so a restarted jwtd validates before the issuer answers. A
  // missing or unusable cache file is logged and ignored.
  std::string cache_file;
  // Background refresh thread; false: tests call Refresh().
  bool background_refresh = true;
};

// Another issuer's keys, fetched over HTTP(S) with libcurl (system CAs or
// ca_file, certificate checks on, same-origin redirects only; see
// http_fetcher.h). Open fails (INVALID_ARGUMENT) only for bad options, never
// because the issuer is down: it loads the cache file if any, then makes one
// fetch attempt (so it may block up to options.timeout); without keys,
// Status() says not ready until a fetch succeeds.
//
// The last good keys keep serving when a refresh fails; failures (network,
// non-200 status, oversized, not a strict JWKS, an invalid or private key,
// or a set without any signature key) are logged and refused without
// dropping them, and Status() reports degraded until a fetch succeeds.
// Successful fetches replace the snapshot atomically.
//
// Thread-safe. The destructor stops the background thread, aborting a
// transfer in progress within about a second.
class RemoteJwksKeyRing : public KeyRing {
 public:
  static absl::StatusOr<std::unique_ptr<RemoteJwksKeyRing>> Open(
      RemoteJwksKeyRingOptions options, const Clock* clock);
  // The option checks Open makes first (INVALID_ARGUMENT), except that
  // ca_file is readable: no file or network access, for --check-config.
  static absl::Status CheckOptions(const RemoteJwksKeyRingOptions& options);
  ~RemoteJwksKeyRing() override;

  // Fetches now. Single-flight: a caller arriving while a fetch runs waits
  // for it and gets its result. OK when keys were fetched and accepted;
  // otherwise the error of the fetch (UNAVAILABLE, DEADLINE_EXCEEDED,
  // RESOURCE_EXHAUSTED, FAILED_PRECONDITION, INVALID_ARGUMENT for a refused
  // JWKS), with the old keys kept. Ignores the cooldown.
  absl::Status Refresh();

  // When the background thread will fetch next (by `clock`): after a
  // success, the clamped max-age later; after a failure, the backoff later.
  // Computed whether or not the thread runs.
  absl::Time NextRefreshTime() const;

  // Verification only.
  std::shared_ptr<const jose::SigningKey> ActiveSigningKey() const override {
    return nullptr;
  }
  std::shared_ptr<const jose::KeySet> VerificationKeys() const override;
  // The current snapshot when it has `kid`. Otherwise: within cooldown of
  // the last fetch, that fetch's answer stands (the snapshot when it
  // succeeded, UNAVAILABLE when it failed) and nothing is fetched; else one
  // fetch, shared by concurrent callers (Refresh), then the new snapshot,
  // which may still lack `kid` (the token names an unknown key).
  // UNAVAILABLE whenever the last fetch failed and `kid` is not known: the
  // caller should answer "retry", not "invalid token".
  absl::StatusOr<std::shared_ptr<const jose::KeySet>> KeysForUnknownKid(
      absl::string_view kid) override;
  bool UnknownKidMayWait() const override { return true; }
  // ready: at least one key. degraded: the last fetch failed, or the keys
  // come from the cache file and no fetch has succeeded yet. last_refresh:
  // the last successful fetch (or the cache load). detail names the host,
  // the key count and their age, and the last error.
  KeyRingStatus Status() const override;

 private:
  struct State;
  explicit RemoteJwksKeyRing(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace jwtd::keyring

#endif  // JWTD_SERVER_KEYRING_REMOTE_JWKS_KEY_RING_H_
