#ifndef JWTD_SERVER_REVOCATION_SQLITE_REVOCATION_STORE_H_
#define JWTD_SERVER_REVOCATION_SQLITE_REVOCATION_STORE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/revocation/revocation_store.h"
#include "server/util/clock.h"

namespace jwtd::revocation {

struct SqliteRevocationStoreOptions {
  // The database file, e.g. <data_dir>/revocations.db. Its directory must
  // exist. Created with mode 0600 when absent (an existing file's mode is
  // left as it is); SQLite keeps a "-wal" file beside it while open.
  std::string path;
  // How often the background thread drops expired entries.
  absl::Duration purge_interval = absl::Minutes(10);
  // Run that thread. False: only Open and explicit Purge() calls purge.
  bool background = true;
  // How long Open waits for another process that holds the database.
  absl::Duration lock_timeout = absl::Seconds(5);
};

// The embedded revocation store: an SQLite database (WAL journal,
// synchronous=FULL) mirrored by an in-memory map that answers IsRevoked.
//
// Revoke commits to the database, which SQLite fsyncs, before it touches the
// memory view or returns OK; when the write fails nothing changes and the
// error is returned. IsRevoked and Status never do IO: they read the memory
// view under per-shard reader locks, so they wait at most for another
// thread's map update, never for a disk write. `until` is kept in whole
// seconds, rounded up (a revocation never ends early).
//
// The database is held with an exclusive lock while the store is open: a
// second store on the same file (another jwtd on the same data directory)
// fails to open instead of keeping a memory view that misses the other's
// revocations.
class SqliteRevocationStore : public RevocationStore {
 public:
  // Opens or creates the database, loads every unexpired entry into memory
  // and deletes expired rows. INVALID_ARGUMENT for bad options (empty path,
  // non-positive purge_interval with background, negative lock_timeout,
  // null clock). FAILED_PRECONDITION naming the path when the directory is
  // missing, when the path is not a regular file or not a jwtd revocation
  // database (corrupt, or another application's; it is never recreated or
  // modified then), or when another process holds it. Other errors: UNAVAILABLE
  // or INTERNAL with SQLite's message. `clock` must outlive the store.
  static absl::StatusOr<std::unique_ptr<SqliteRevocationStore>> Open(
      SqliteRevocationStoreOptions options, const Clock* clock);
  // Stops the background thread promptly (it does not wait out an interval)
  // and closes the database.
  ~SqliteRevocationStore() override;

  // See RevocationStore. Re-revoking with an `until` no later than the one
  // kept writes nothing. UNAVAILABLE (disk full, IO error, locked) or
  // INTERNAL, with SQLite's message and the OS error, when the write fails.
  absl::Status Revoke(absl::string_view jti, absl::Time until) override;
  // Never fails.
  absl::StatusOr<bool> IsRevoked(absl::string_view jti,
                                 absl::Time now) const override;
  // healthy is always true (every answer comes from memory); entries counts
  // the revocations not yet expired at the clock's now; detail is
  // "N revocations in <path>".
  RevocationStoreStatus Status() const override;

  // Drops the entries whose `until` is at or before the clock's now: from
  // the database first, then (only if that succeeded) from memory. The
  // background thread calls this; thread-safe.
  absl::Status Purge();

 private:
  struct State;
  explicit SqliteRevocationStore(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace jwtd::revocation

#endif  // JWTD_SERVER_REVOCATION_SQLITE_REVOCATION_STORE_H_
