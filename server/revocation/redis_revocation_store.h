#ifndef JWTD_SERVER_REVOCATION_REDIS_REVOCATION_STORE_H_
#define JWTD_SERVER_REVOCATION_REDIS_REVOCATION_STORE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/revocation/revocation_store.h"
#include "server/util/clock.h"

namespace jwtd::revocation {

struct RedisRevocationStoreOptions {
  // Where Redis listens (a host name or address, and a TCP port).
  std::string host = "127.0.0.1";
  int port = 6379;
  // Sent with AUTH on every connection when not empty. Never logged.
  std::string password;
  // Each revocation is the key <key_prefix><jti> holding the decimal Unix
  // second until which it holds, with a Redis TTL to that time.
  std::string key_prefix = "jwtd:revoked:";
  // Every revocation is published here as "<jti> <until_unix>".
  std::string channel = "jwtd:revocations";
  // What IsRevoked answers while the subscription is down, i.e. while this
  // replica may be missing revocations made elsewhere.
  enum class OnUnavailable {
    // UNAVAILABLE: a caller rejects or retries rather than accept a token
    // that might have been revoked. The default.
    kFailClosed,
    // Answer from the last known view (counted, see FailOpenAnswers()).
    kFailOpen,
  };
  OnUnavailable on_unavailable = OnUnavailable::kFailClosed;
  // Bounds each TCP connect (and each reconnect attempt).
  absl::Duration connect_timeout = absl::Seconds(1);
  // Bounds each command's round trip. A subscription that stays silent this
  // long after a keep-alive PING counts as lost.
  absl::Duration command_timeout = absl::Seconds(1);
  // How often the whole list is re-read from Redis, besides after every
  // (re)connect: picks up keys written by anything that did not publish.
  absl::Duration resync_interval = absl::Minutes(5);
};

// The shared revocation list for many replicas: every replica writes to one
// Redis and learns the others' revocations through pub/sub, within a second
// on a healthy link.
//
// Revoke runs one Lua script (EVAL) that keeps the later `until` of the old
// and new entry under SET ... EX <ttl> (so concurrent revocations of one jti
// cannot shorten it) and PUBLISHes the result, atomically; it returns OK only
// after Redis acknowledged that script, then updates this replica's memory.
// How durable an acknowledged write is depends on the Redis server's
// configuration, which is the operator's: with `appendonly yes` and
// `appendfsync always`, Redis fsyncs before it replies and an acknowledged
// revocation survives a Redis crash; with the default `everysec` up to a
// second of revocations may be lost, and without persistence all of them
// when Redis restarts (replicas that stay up keep theirs in memory).
//
// IsRevoked and Status never touch the network: they read an in-memory map
// that a background thread keeps in sync over its own connections. That
// thread SUBSCRIBEs to `channel`, and after every (re)connect and every
// resync_interval re-reads all keys (SCAN + MGET) and merges them in, so a
// replica that lost its connection catches up on what it missed. The merge
// only adds or lengthens entries: a key that vanished from Redis (TTL, a
// Redis restart without persistence) stays revoked in memory until its
// `until`. Entries past their `until` never count as revoked and are dropped
// from memory by the background thread. Lost connections are retried with
// exponential backoff (100 ms doubling to 2 s, jittered); an idle
// subscription is checked with PING every second.
//
// `until` is kept in whole Unix seconds, rounded up (never ends early), and
// at most until 9999-12-31T23:59:59Z.
// Thread-safe. Lines are logged (jwtd::Log) when the subscription is lost
// and regained; no token, password or jti is logged.
class RedisRevocationStore : public RevocationStore {
 public:
  using Options = RedisRevocationStoreOptions;

  // Connects (command connection and subscription), loads every revocation
  // from Redis, and starts the background thread. INVALID_ARGUMENT for bad
  // options (empty host, key_prefix or channel; port outside 1..65535;
  // non-positive timeouts or resync_interval) or a null clock. UNAVAILABLE
  // when Redis cannot be reached or refuses AUTH at Open, so that a wrong
  // address or password shows at start-up; after Open, lost connections are
  // retried forever. `clock` must outlive the store.
  static absl::StatusOr<std::unique_ptr<RedisRevocationStore>> Open(
      Options options, const Clock* clock);
  // Stops the background thread promptly (within about 50 ms, or the
  // connect/command timeout when one is in flight) and closes connections.
  ~RedisRevocationStore() override;
  RedisRevocationStore(const RedisRevocationStore&) = delete;
  RedisRevocationStore& operator=(const RedisRevocationStore&) = delete;

  // See RevocationStore. Input is checked first (CheckRevocationInput):
  // nothing is sent to Redis for bad input. UNAVAILABLE when Redis cannot be
  // reached, does not answer within command_timeout or returns an error;
  // the write may then have happened or not (revoking again is harmless).
  // A failed command drops the connection; the next Revoke reconnects.
  absl::Status Revoke(absl::string_view jti, absl::Time until) override;

  // From memory only. While the subscription is down: UNAVAILABLE
  // ("revocation store unreachable") with kFailClosed; the last known
  // answer with kFailOpen, counted in FailOpenAnswers().
  absl::StatusOr<bool> IsRevoked(absl::string_view jti,
                                 absl::Time now) const override;

  // healthy: subscribed (and caught up) and the last command to Redis
  // succeeded. entries: revocations in memory not yet expired at the clock's
  // now. detail: the address and state, with the last error if any.
  RevocationStoreStatus Status() const override;

  // How many IsRevoked calls were answered from memory while the
  // subscription was down (kFailOpen only). For a metric.
  uint64_t FailOpenAnswers() const;

 private:
  class State;
  explicit RedisRevocationStore(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace jwtd::revocation

#endif  // JWTD_SERVER_REVOCATION_REDIS_REVOCATION_STORE_H_
