#include "server/revocation/sqlite_revocation_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <string_view>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "server/revocation/revocation_input.h"
#include "server/util/log.h"
#include "server/util/status_macros.h"

namespace jwtd::revocation {
namespace {

// PRAGMA user_version of the schema below; a newer file is refused.
constexpr int kSchemaVersion = 1;
constexpr char kCreateTable[] =
    "CREATE TABLE IF NOT EXISTS revocations ("
    "jti TEXT PRIMARY KEY, until_unix INTEGER NOT NULL) WITHOUT ROWID";
constexpr char kUpsert[] =
    "INSERT INTO revocations (jti, until_unix) VALUES (?1, ?2) "
    "ON CONFLICT (jti) DO UPDATE SET "
    "until_unix = MAX(until_unix, excluded.until_unix)";
constexpr char kDeleteExpired[] =
    "DELETE FROM revocations WHERE until_unix <= ?1";
constexpr char kSelectAll[] = "SELECT jti, until_unix FROM revocations";

constexpr int64_t kForever = std::numeric_limits<int64_t>::max();
constexpr size_t kShards = 16;

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// sqlite3_step, and the OS error behind its failure. SQLite records that
// error (sqlite3_system_errno) for some failures only: a write that fails
// while committing (disk full, read-only filesystem) leaves it in errno
// alone, which is cleared first so that what is found there is this
// step's.
int Step(sqlite3_stmt* stmt, int* os_error) {
  errno = 0;
  const int rc = sqlite3_step(stmt);
  *os_error = errno;
  return rc;
}

// Whole seconds since the epoch, rounded up so that a revocation never ends
// early; kForever for the infinite future.
int64_t StoredSeconds(absl::Time until) {
  const int64_t floor = absl::ToUnixSeconds(until);
  if (floor == kForever) return kForever;
  return absl::FromUnixSeconds(floor) < until ? floor + 1 : floor;
}
absl::Time FromStoredSeconds(int64_t seconds) {
  return seconds == kForever ? absl::InfiniteFuture()
                             : absl::FromUnixSeconds(seconds);
}

absl::Status ErrnoError(const std::string& path, absl::string_view what,
                        int error) {
  return absl::FailedPreconditionError(
      absl::StrCat(path, ": ", what, ": ", std::strerror(error)));
}

// Creates `path` with mode 0600 whatever the umask, unless it exists, and
// makes its directory entry durable (SQLite syncs the data, not the entry
// of a main database file it did not create).
absl::Status CreatePrivateFile(const std::string& path) {
  const int fd = ::open(
      path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno != EEXIST) {
      return ErrnoError(path, "cannot create the revocation database", errno);
    }
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoError(path, "stat", errno);
    if (!S_ISREG(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, ": not a regular file"));
    }
    return absl::OkStatus();
  }
  const bool chmoded = ::fchmod(fd, 0600) == 0;
  const int chmod_errno = errno;
  ::close(fd);
  if (!chmoded) {
    ::unlink(path.c_str());
    return ErrnoError(path, "chmod 0600", chmod_errno);
  }
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0 || ::fsync(dir_fd) != 0) {
    const int error = errno;
    if (dir_fd >= 0) ::close(dir_fd);
    return ErrnoError(dir, "fsync", error);
  }
  ::close(dir_fd);
  return absl::OkStatus();
}

// A slice of the memory view. Readers share the lock; a revoke or purge
// takes it exclusively for one map update.
struct Shard {
  mutable std::shared_mutex mu;
  absl::flat_hash_map<std::string, absl::Time> until_by_jti;  // Guarded by mu.
};

}  // namespace

struct SqliteRevocationStore::State {
  State(SqliteRevocationStoreOptions options, const Clock* clock)
      : options(std::move(options)), clock(clock) {}

  absl::Status OpenDatabase();
  absl::Status Load();
  absl::Status Revoke(absl::string_view jti, absl::Time until);
  // `opening`: called by Open (errors are classified as there).
  absl::Status Purge(bool opening = false);
  void PurgePeriodically();

  // std::hash rather than absl::Hash: independent of the maps' own hash, so
  // that every shard's keys still spread over its table.
  Shard& ShardFor(absl::string_view jti) {
    return shards[std::hash<std::string_view>{}(
                      std::string_view(jti.data(), jti.size())) %
                  kShards];
  }
  const Shard& ShardFor(absl::string_view jti) const {
    return const_cast<State*>(this)->ShardFor(jti);
  }

  // An error from the last SQLite call on `db`, with SQLite's message and
  // the OS error (`step_errno`: Step's, for IO errors SQLite did not
  // record). While opening, a damaged or foreign file and a lock held
  // by another process are FAILED_PRECONDITION; otherwise IO trouble is
  // UNAVAILABLE (retry may help) and the rest INTERNAL.
  absl::Status Error(int rc, absl::string_view what, bool opening,
                     int step_errno = 0) const;
  absl::Status NotOurs(absl::string_view why) const {
    return absl::FailedPreconditionError(absl::StrCat(
        options.path, ": not a usable jwtd revocation database (", why,
        "); it was left as it is: move it aside or restore it from a backup"));
  }
  // Runs `sql`; with `first_text`, stores the first column of the first row.
  absl::Status Exec(const char* sql, bool opening,
                    std::string* first_text = nullptr);
  absl::Status Prepare(const char* sql, StmtPtr* stmt);

  const SqliteRevocationStoreOptions options;
  const Clock* const clock;

  std::array<Shard, kShards> shards;

  // Serialises every use of the connection and its statements (it is opened
  // with SQLITE_OPEN_NOMUTEX), so writes are ordered and the memory view
  // is updated in the order the database was. Held across disk IO; readers
  // never take it. std::mutex, not absl::Mutex: visible to ThreadSanitizer.
  std::mutex db_mu;
  DbPtr db;  // Guarded by db_mu, as are the statements.
  StmtPtr upsert;
  StmtPtr delete_expired;

  absl::Notification stop;
  std::thread purger;
};

absl::Status SqliteRevocationStore::State::Error(int rc, absl::string_view what,
                                                 bool opening,
                                                 int step_errno) const {
  std::string detail = absl::StrCat(
      what, ": ",
      db != nullptr ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc));
  int os_error = db != nullptr ? sqlite3_system_errno(db.get()) : 0;
  const int primary = rc & 0xff;
  if (step_errno != 0 &&
      (primary == SQLITE_IOERR || primary == SQLITE_FULL ||
       primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN)) {
    os_error = step_errno;
  }
  if (os_error != 0) {
    absl::StrAppend(&detail, " (", std::strerror(os_error), ")");
  }
  if (db != nullptr) {
    absl::StrAppend(&detail, " [SQLite code ",
                    sqlite3_extended_errcode(db.get()), "]");
  }
  const std::string message = absl::StrCat(options.path, ": ", detail);
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      if (opening) return NotOurs(detail);
      return absl::InternalError(message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      if (opening) {
        return absl::FailedPreconditionError(
            absl::StrCat(message, "; is another jwtd using it?"));
      }
      return absl::UnavailableError(message);
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::Status SqliteRevocationStore::State::Exec(const char* sql, bool opening,
                                                std::string* first_text) {
  StmtPtr stmt;
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db.get(), sql, -1, &raw, nullptr);
  stmt.reset(raw);
  if (rc != SQLITE_OK) return Error(rc, sql, opening);
  bool first = true;
  int os_error = 0;
  while ((rc = Step(stmt.get(), &os_error)) == SQLITE_ROW) {
    if (first && first_text != nullptr) {
      const unsigned char* text = sqlite3_column_text(stmt.get(), 0);
      *first_text = text == nullptr ? "" : reinterpret_cast<const char*>(text);
    }
    first = false;
  }
  if (rc != SQLITE_DONE) return Error(rc, sql, opening, os_error);
  return absl::OkStatus();
}

absl::Status SqliteRevocationStore::State::Prepare(const char* sql,
                                                   StmtPtr* stmt) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db.get(), sql, -1,
                                    SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
  stmt->reset(raw);
  // The table exists, so a failure means it is not ours (other columns).
  if (rc != SQLITE_OK) return NotOurs(sqlite3_errmsg(db.get()));
  return absl::OkStatus();
}

absl::Status SqliteRevocationStore::State::OpenDatabase() {
  sqlite3* raw = nullptr;
  // No SQLITE_OPEN_CREATE: CreatePrivateFile made the file with its mode.
  const int rc =
      sqlite3_open_v2(options.path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  db.reset(raw);  // Must be closed even when opening failed.
  if (rc != SQLITE_OK) return Error(rc, "open", /*opening=*/true);
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(
      db.get(), static_cast<int>(absl::ToInt64Milliseconds(std::min(
                    options.lock_timeout, absl::Milliseconds(INT32_MAX)))));

  // Held from the first read until close: one process per database, and no
  // shared-memory (-shm) file.
  JWTD_RETURN_IF_ERROR(Exec("PRAGMA locking_mode = EXCLUSIVE", true));
  // Only reads until the file is known to be sound and ours: a damaged or
  // foreign file is reported, never modified.
  std::string check;
  JWTD_RETURN_IF_ERROR(Exec("PRAGMA quick_check", true, &check));
  if (check != "ok") return NotOurs(absl::StrCat("quick_check: ", check));
  std::string version;
  JWTD_RETURN_IF_ERROR(Exec("PRAGMA user_version", true, &version));
  if (version != "0" && version != absl::StrCat(kSchemaVersion)) {
    return NotOurs(absl::StrCat("schema version ", version, ", expected ",
                                kSchemaVersion));
  }
  std::string foreign_table;
  JWTD_RETURN_IF_ERROR(
      Exec("SELECT name FROM sqlite_master WHERE type = "
           "'table' AND name <> 'revocations' LIMIT 1",
           true, &foreign_table));
  if (!foreign_table.empty()) {
    return NotOurs(absl::StrCat("holds a table \"", foreign_table, "\""));
  }

  std::string mode;
  JWTD_RETURN_IF_ERROR(Exec("PRAGMA journal_mode = WAL", true, &mode));
  if (mode != "wal") {
    return absl::InternalError(absl::StrCat(
        options.path, ": cannot use WAL journal mode (got ", mode, ")"));
  }
  // FULL: every commit fsyncs the WAL, so an acknowledged revocation
  // survives power loss too (NORMAL only survives a process crash).
  JWTD_RETURN_IF_ERROR(Exec("PRAGMA synchronous = FULL", true));
  JWTD_RETURN_IF_ERROR(Exec(kCreateTable, true));
  if (version == "0") {
    JWTD_RETURN_IF_ERROR(Exec(
        absl::StrCat("PRAGMA user_version = ", kSchemaVersion).c_str(), true));
  }
  JWTD_RETURN_IF_ERROR(Prepare(kUpsert, &upsert));
  JWTD_RETURN_IF_ERROR(Prepare(kDeleteExpired, &delete_expired));
  return absl::OkStatus();
}

absl::Status SqliteRevocationStore::State::Load() {
  JWTD_RETURN_IF_ERROR(Purge(/*opening=*/true));
  std::lock_guard<std::mutex> lock(db_mu);
  StmtPtr select;
  JWTD_RETURN_IF_ERROR(Prepare(kSelectAll, &select));
  int rc;
  int os_error = 0;
  while ((rc = Step(select.get(), &os_error)) == SQLITE_ROW) {
    const char* jti =
        reinterpret_cast<const char*>(sqlite3_column_text(select.get(), 0));
    const int jti_bytes = sqlite3_column_bytes(select.get(), 0);
    const int64_t until = sqlite3_column_int64(select.get(), 1);
    if (jti == nullptr) continue;  // NULL jti: unreachable through Revoke.
    Shard& shard = ShardFor(absl::string_view(jti, jti_bytes));
    std::unique_lock<std::shared_mutex> shard_lock(shard.mu);
    shard.until_by_jti[std::string(jti, jti_bytes)] = FromStoredSeconds(until);
  }
  if (rc != SQLITE_DONE) {
    return Error(rc, "loading revocations", true, os_error);
  }
  return absl::OkStatus();
}

absl::Status SqliteRevocationStore::State::Revoke(absl::string_view jti,
                                                  absl::Time until) {
  JWTD_RETURN_IF_ERROR(CheckRevocationInput(jti, until, clock->Now()));
  const int64_t stored = StoredSeconds(until);
  const absl::Time kept = FromStoredSeconds(stored);
  Shard& shard = ShardFor(jti);

  std::lock_guard<std::mutex> lock(db_mu);
  {
    // The memory view mirrors what is committed: nothing to write when it
    // already keeps the jti as long.
    std::shared_lock<std::shared_mutex> shard_lock(shard.mu);
    const auto it = shard.until_by_jti.find(jti);
    if (it != shard.until_by_jti.end() && it->second >= kept) {
      return absl::OkStatus();
    }
  }
  sqlite3_stmt* stmt = upsert.get();
  sqlite3_bind_text(stmt, 1, jti.data(), static_cast<int>(jti.size()),
                    SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 2, stored);
  int os_error = 0;
  const int rc = Step(stmt, &os_error);
  // Described before the reset, which may overwrite the OS error.
  absl::Status written =
      rc == SQLITE_DONE ? absl::OkStatus()
                        : Error(rc, "recording a revocation", false, os_error);
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  if (!written.ok()) return written;

  // Committed and synced: now readers may see it.
  std::unique_lock<std::shared_mutex> shard_lock(shard.mu);
  auto [it, inserted] = shard.until_by_jti.try_emplace(std::string(jti), kept);
  if (!inserted && it->second < kept) it->second = kept;
  return absl::OkStatus();
}

absl::Status SqliteRevocationStore::State::Purge(bool opening) {
  std::lock_guard<std::mutex> lock(db_mu);
  const absl::Time now = clock->Now();
  sqlite3_stmt* stmt = delete_expired.get();
  // An entry is expired once now >= until; untils are whole seconds.
  sqlite3_bind_int64(stmt, 1, absl::ToUnixSeconds(now));
  int os_error = 0;
  const int rc = Step(stmt, &os_error);
  absl::Status deleted =
      rc == SQLITE_DONE
          ? absl::OkStatus()
          : Error(rc, "purging expired revocations", opening, os_error);
  const int purged = sqlite3_changes(db.get());
  sqlite3_reset(stmt);
  if (!deleted.ok()) return deleted;

  for (Shard& shard : shards) {
    std::unique_lock<std::shared_mutex> shard_lock(shard.mu);
    absl::erase_if(shard.until_by_jti,
                   [now](const auto& entry) { return entry.second <= now; });
  }
  if (purged > 0) {
    Log(LogLevel::kInfo, "expired revocations purged",
        {{"purged", absl::StrCat(purged)}, {"path", options.path}});
  }
  return absl::OkStatus();
}

void SqliteRevocationStore::State::PurgePeriodically() {
  while (!stop.WaitForNotificationWithTimeout(options.purge_interval)) {
    if (absl::Status purged = Purge(); !purged.ok()) {
      // Harmless for answers (expired entries read as not revoked); the
      // next round tries again.
      Log(LogLevel::kWarning, "purging expired revocations failed",
          {{"error", purged.ToString()}});
    }
  }
}

absl::StatusOr<std::unique_ptr<SqliteRevocationStore>>
SqliteRevocationStore::Open(SqliteRevocationStoreOptions options,
                            const Clock* clock) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("sqlite revocation store: empty path");
  }
  if (options.background && options.purge_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "sqlite revocation store: purge_interval must be positive");
  }
  if (options.lock_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "sqlite revocation store: lock_timeout must not be negative");
  }
  if (clock == nullptr) {
    return absl::InvalidArgumentError("sqlite revocation store: no clock");
  }
  JWTD_RETURN_IF_ERROR(CreatePrivateFile(options.path));
  auto state = std::make_unique<State>(std::move(options), clock);
  JWTD_RETURN_IF_ERROR(state->OpenDatabase());
  JWTD_RETURN_IF_ERROR(state->Load());

  std::unique_ptr<SqliteRevocationStore> store(
      new SqliteRevocationStore(std::move(state)));
  const RevocationStoreStatus status = store->Status();
  Log(LogLevel::kInfo, "revocation store opened",
      {{"path", store->state_->options.path},
       {"entries", absl::StrCat(status.entries)}});
  if (store->state_->options.background) {
    store->state_->purger =
        std::thread([s = store->state_.get()] { s->PurgePeriodically(); });
  }
  return store;
}

SqliteRevocationStore::SqliteRevocationStore(std::unique_ptr<State> state)
    : state_(std::move(state)) {}

SqliteRevocationStore::~SqliteRevocationStore() {
  state_->stop.Notify();
  if (state_->purger.joinable()) state_->purger.join();
}

absl::Status SqliteRevocationStore::Revoke(absl::string_view jti,
                                           absl::Time until) {
  return state_->Revoke(jti, until);
}

absl::StatusOr<bool> SqliteRevocationStore::IsRevoked(absl::string_view jti,
                                                      absl::Time now) const {
  const Shard& shard = state_->ShardFor(jti);
  std::shared_lock<std::shared_mutex> lock(shard.mu);
  const auto it = shard.until_by_jti.find(jti);
  return it != shard.until_by_jti.end() && now < it->second;
}

RevocationStoreStatus SqliteRevocationStore::Status() const {
  const absl::Time now = state_->clock->Now();
  RevocationStoreStatus status;
  for (const Shard& shard : state_->shards) {
    std::shared_lock<std::shared_mutex> lock(shard.mu);
    for (const auto& [jti, until] : shard.until_by_jti) {
      if (now < until) ++status.entries;
    }
  }
  status.detail =
      absl::StrCat(status.entries, " revocations in ", state_->options.path);
  return status;
}

absl::Status SqliteRevocationStore::Purge() { return state_->Purge(); }

}  // namespace jwtd::revocation
