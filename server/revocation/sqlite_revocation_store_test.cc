#include "server/revocation/sqlite_revocation_store.h"

#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/util/clock.h"
#include "server/util/file.h"
#include "tests/support/scoped_temp_dir.h"
#include "tests/support/status_matchers.h"

namespace jwtd::revocation {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::ScopedTempDir;
using ::jwtd::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1700000000);
const absl::Time kIn1h = kStart + absl::Hours(1);
const absl::Time kIn2h = kStart + absl::Hours(2);

class SqliteRevocationStoreTest : public ::testing::Test {
 protected:
  SqliteRevocationStoreOptions Options() const {
    SqliteRevocationStoreOptions options;
    options.path = path_;
    options.background = false;
    return options;
  }
  absl::StatusOr<std::unique_ptr<SqliteRevocationStore>> Open() {
    return SqliteRevocationStore::Open(Options(), &clock_);
  }
  static bool Revoked(const RevocationStore& store, absl::string_view jti,
                      absl::Time at) {
    absl::StatusOr<bool> revoked = store.IsRevoked(jti, at);
    EXPECT_THAT(revoked, IsOk());
    return revoked.value_or(false);
  }
  std::string ReadDb() const {
    absl::StatusOr<std::string> bytes = ReadSmallFile(path_, 1 << 24);
    EXPECT_THAT(bytes, IsOk());
    return bytes.value_or("");
  }

  ScopedTempDir dir_;
  const std::string path_ = dir_.Join("revocations.db");
  FakeClock clock_{kStart};
};

// A child process revokes and reports each acknowledged jti on a pipe; it
// is SIGKILLed right after the last one (no clean close, no checkpoint).
// Every acknowledged revocation must be in the database it left behind.
TEST_F(SqliteRevocationStoreTest, AcknowledgedRevocationsSurviveSigkill) {
  constexpr int kRevocations = 200;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Only async-signal-safe habits from here: no gtest, _exit on error.
    ::close(fds[0]);
    FakeClock clock(kStart);
    absl::StatusOr<std::unique_ptr<SqliteRevocationStore>> store =
        SqliteRevocationStore::Open(Options(), &clock);
    if (!store.ok()) ::_exit(2);
    for (int i = 0; i < kRevocations; ++i) {
      const std::string jti = absl::StrCat("jti-", i);
      if (!(*store)->Revoke(jti, kIn1h).ok()) ::_exit(3);
      const std::string line = jti + "\n";
      if (::write(fds[1], line.data(), line.size()) !=
          static_cast<ssize_t>(line.size())) {
        ::_exit(4);
      }
    }
    for (;;) ::pause();
  }
  ::close(fds[1]);
  std::string received;
  char buffer[4096];
  int lines = 0;
  while (lines < kRevocations) {
    const ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
    if (n <= 0) break;  // The child died early: caught below.
    received.append(buffer, n);
    lines =
        static_cast<int>(std::count(received.begin(), received.end(), '\n'));
  }
  ::kill(child, SIGKILL);
  int wait_status = 0;
  ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(wait_status))
      << "child exited with " << WEXITSTATUS(wait_status);
  ASSERT_EQ(lines, kRevocations);
  // Left in the WAL, not checkpointed: reopening must recover from it.
  EXPECT_GT(ScopedTempDir::Mode(path_ + "-wal"), 0);

  ASSERT_OK_AND_ASSIGN(auto store, Open());
  for (absl::string_view jti :
       absl::StrSplit(received, '\n', absl::SkipEmpty())) {
    EXPECT_TRUE(Revoked(*store, jti, kStart)) << jti;
  }
  EXPECT_EQ(store->Status().entries, static_cast<size_t>(kRevocations));
}

TEST_F(SqliteRevocationStoreTest, ReopenKeepsEntriesAndRoundsUntilUp) {
  const std::string odd_jti("odd\0jti-\xC3\xA9", 10);
  {
    ASSERT_OK_AND_ASSIGN(auto store, Open());
    ASSERT_THAT(store->Revoke("a", kIn1h), IsOk());
    ASSERT_THAT(store->Revoke("b", kIn1h + absl::Milliseconds(300)), IsOk());
    ASSERT_THAT(store->Revoke("forever", absl::InfiniteFuture()), IsOk());
    ASSERT_THAT(store->Revoke(odd_jti, kIn1h), IsOk());
    // Kept in whole seconds, rounded up: never shorter than asked.
    EXPECT_TRUE(Revoked(*store, "b", kIn1h + absl::Milliseconds(900)));
    EXPECT_FALSE(Revoked(*store, "b", kIn1h + absl::Seconds(1)));
  }
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  EXPECT_TRUE(Revoked(*store, "a", kIn1h - absl::Seconds(1)));
  EXPECT_FALSE(Revoked(*store, "a", kIn1h));
  EXPECT_TRUE(Revoked(*store, "b", kIn1h + absl::Milliseconds(900)));
  EXPECT_FALSE(Revoked(*store, "b", kIn1h + absl::Seconds(1)));
  EXPECT_TRUE(
      Revoked(*store, "forever", absl::FromUnixSeconds(int64_t{1} << 40)));
  // Every byte kept (TEXT bound with its length, not as a C string).
  EXPECT_TRUE(Revoked(*store, odd_jti, kStart));
  EXPECT_FALSE(Revoked(*store, "odd", kStart));
  EXPECT_EQ(store->Status().entries, 4u);
  EXPECT_EQ(store->Status().detail, absl::StrCat("4 revocations in ", path_));
}

// Purge empties memory (read at a `now` before `until`, an expired entry
// still in memory would answer true) and the database (a reopen with the
// clock turned back does not bring it back).
TEST_F(SqliteRevocationStoreTest, PurgeDropsExpiredEntriesFromMemoryAndDb) {
  {
    ASSERT_OK_AND_ASSIGN(auto store, Open());
    ASSERT_THAT(store->Revoke("short", kStart + absl::Minutes(1)), IsOk());
    ASSERT_THAT(store->Revoke("long", kIn1h), IsOk());
    clock_.Advance(absl::Minutes(1));  // "short" expires at exactly now.
    EXPECT_EQ(store->Status().entries, 1u);
    EXPECT_TRUE(Revoked(*store, "short", kStart));  // Not purged yet.
    ASSERT_THAT(store->Purge(), IsOk());
    EXPECT_FALSE(Revoked(*store, "short", kStart));
    EXPECT_TRUE(Revoked(*store, "long", kStart));
    EXPECT_EQ(store->Status().entries, 1u);
  }
  clock_.Set(kStart);
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  EXPECT_FALSE(Revoked(*store, "short", kStart));
  EXPECT_TRUE(Revoked(*store, "long", kStart));
}

TEST_F(SqliteRevocationStoreTest, OpenPurgesExpiredRows) {
  {
    ASSERT_OK_AND_ASSIGN(auto store, Open());
    ASSERT_THAT(store->Revoke("short", kStart + absl::Minutes(1)), IsOk());
    ASSERT_THAT(store->Revoke("long", kIn1h), IsOk());
  }
  clock_.Advance(absl::Minutes(2));
  { ASSERT_OK_AND_ASSIGN(auto store, Open()); }
  clock_.Set(kStart);
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  EXPECT_FALSE(Revoked(*store, "short", kStart));
  EXPECT_TRUE(Revoked(*store, "long", kStart));
}

TEST_F(SqliteRevocationStoreTest, BackgroundThreadPurges) {
  SqliteRevocationStoreOptions options = Options();
  options.background = true;
  options.purge_interval = absl::Milliseconds(10);
  {
    ASSERT_OK_AND_ASSIGN(auto store,
                         SqliteRevocationStore::Open(options, &clock_));
    ASSERT_THAT(store->Revoke("short", kStart + absl::Minutes(1)), IsOk());
    ASSERT_THAT(store->Revoke("long", kIn1h), IsOk());
    clock_.Advance(absl::Minutes(2));
    const absl::Time deadline = absl::Now() + absl::Seconds(5);
    while (Revoked(*store, "short", kStart) && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(5));
    }
    EXPECT_FALSE(Revoked(*store, "short", kStart));
    EXPECT_TRUE(Revoked(*store, "long", kStart));
  }
  clock_.Set(kStart);
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  EXPECT_FALSE(Revoked(*store, "short", kStart));
}

TEST_F(SqliteRevocationStoreTest, DestructorDoesNotWaitOutThePurgeInterval) {
  SqliteRevocationStoreOptions options = Options();
  options.background = true;
  options.purge_interval = absl::Hours(1);
  ASSERT_OK_AND_ASSIGN(auto store,
                       SqliteRevocationStore::Open(options, &clock_));
  const absl::Time before = absl::Now();
  store.reset();
  EXPECT_LT(absl::Now() - before, absl::Seconds(1));
}

// Private whatever the umask: neither widened (umask 0) nor left without
// the owner's write bit (umask 0277). The WAL file follows the database.
TEST_F(SqliteRevocationStoreTest, FilesAreMode0600) {
  for (const mode_t umask : {mode_t{0}, mode_t{0277}}) {
    SCOPED_TRACE(umask == 0 ? "umask 0" : "umask 0277");
    ::unlink(path_.c_str());
    const mode_t old = ::umask(umask);
    absl::StatusOr<std::unique_ptr<SqliteRevocationStore>> store = Open();
    ::umask(old);
    ASSERT_THAT(store, IsOk());
    EXPECT_EQ(ScopedTempDir::Mode(path_), 0600);
    ASSERT_THAT((*store)->Revoke("jti", kIn1h), IsOk());
    EXPECT_EQ(ScopedTempDir::Mode(path_ + "-wal"), 0600);
    // One process per database: no shared-memory file.
    EXPECT_EQ(ScopedTempDir::Mode(path_ + "-shm"), -1);
  }
}

TEST_F(SqliteRevocationStoreTest, GarbageFileIsRefusedAndLeftAlone) {
  std::string garbage(8192, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = char(i * 7 + 3);
  ASSERT_THAT(WriteFileAtomically(path_, garbage, 0640), IsOk());
  EXPECT_THAT(Open(),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(path_), HasSubstr("not a usable"))));
  EXPECT_EQ(ReadDb(), garbage);
  EXPECT_EQ(ScopedTempDir::Mode(path_), 0640);
  EXPECT_EQ(ScopedTempDir::List(dir_.path()),
            std::set<std::string>{"revocations.db"});
}

// Damage that reading the entries trips over (the table's pages), and
// damage that only the integrity check at Open sees (the free list, which a
// later write would allocate from).
TEST_F(SqliteRevocationStoreTest, DamagedDatabaseIsRefusedAndLeftAlone) {
  constexpr size_t kPage = 4096;  // SQLite's default page size.
  {
    ASSERT_OK_AND_ASSIGN(auto store, Open());
    for (int i = 0; i < 300; ++i) {
      ASSERT_THAT(store->Revoke(absl::StrCat("jti-", i, "-padding-padding"),
                                kStart + absl::Minutes(1)),
                  IsOk());
    }
    ASSERT_THAT(store->Revoke("long", kIn1h), IsOk());
    clock_.Advance(absl::Minutes(1));
    ASSERT_THAT(store->Purge(), IsOk());  // Frees most pages.
  }  // Closing checkpoints the WAL into the file.
  const std::string sound = ReadDb();
  ASSERT_GE(sound.size(), 4 * kPage);
  const auto big_endian = [&](size_t at) {
    uint32_t value = 0;
    for (size_t i = 0; i < 4; ++i) value = value << 8 | uint8_t(sound[at + i]);
    return value;
  };
  const uint32_t freelist_trunk = big_endian(32);  // Database header.
  ASSERT_GT(freelist_trunk, 1u);
  ASSERT_GT(big_endian(36), 0u);  // Free pages.

  struct Case {
    std::string name;
    size_t from, to;  // Bytes overwritten.
  };
  for (const Case& c : std::vector<Case>{
           {"table pages", kPage, sound.size()},
           {"free list", (freelist_trunk - 1) * kPage, freelist_trunk * kPage},
       }) {
    SCOPED_TRACE(c.name);
    std::string bytes = sound;
    for (size_t i = c.from; i < c.to; ++i) bytes[i] = char(0xA5);
    ASSERT_THAT(WriteFileAtomically(path_, bytes, 0600), IsOk());
    EXPECT_THAT(Open(),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         AllOf(HasSubstr(path_), HasSubstr("not a usable"))));
    EXPECT_EQ(ReadDb(), bytes);
    EXPECT_EQ(ScopedTempDir::List(dir_.path()),
              std::set<std::string>{"revocations.db"});
  }
}

TEST_F(SqliteRevocationStoreTest, AnotherApplicationsDatabaseIsRefused) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE users (name TEXT)", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  const std::string before = ReadDb();
  EXPECT_THAT(Open(), StatusIs(absl::StatusCode::kFailedPrecondition,
                               AllOf(HasSubstr(path_), HasSubstr("users"))));
  EXPECT_EQ(ReadDb(), before);
}

TEST_F(SqliteRevocationStoreTest, UnusablePathsAreFailedPrecondition) {
  for (const std::string& path :
       {dir_.Join("no-such-dir/revocations.db"), dir_.path()}) {
    SqliteRevocationStoreOptions options = Options();
    options.path = path;
    EXPECT_THAT(
        SqliteRevocationStore::Open(options, &clock_),
        StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr(path)));
  }
}

// A second store on the same file (another jwtd on the same data
// directory) would miss the first one's revocations: refused.
TEST_F(SqliteRevocationStoreTest, SecondStoreOnTheSameFileIsRefused) {
  ASSERT_OK_AND_ASSIGN(auto first, Open());
  ASSERT_THAT(first->Revoke("a", kIn1h), IsOk());
  SqliteRevocationStoreOptions options = Options();
  options.lock_timeout = absl::Milliseconds(20);
  EXPECT_THAT(SqliteRevocationStore::Open(options, &clock_),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr(path_), HasSubstr("another jwtd"))));
  // The refused attempt did not take the first store's lock away.
  ASSERT_THAT(first->Revoke("b", kIn1h), IsOk());
  EXPECT_THAT(SqliteRevocationStore::Open(options, &clock_),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  first.reset();
  ASSERT_OK_AND_ASSIGN(auto second, Open());
  EXPECT_TRUE(Revoked(*second, "b", kStart));
}

// A write that fails (here: RLIMIT_FSIZE 0, since running as root defeats
// read-only directories) returns UNAVAILABLE and changes nothing, in memory
// or on disk; the store works again once writes do.
TEST_F(SqliteRevocationStoreTest, FailedWriteChangesNothing) {
  ASSERT_OK_AND_ASSIGN(auto store, Open());
  ASSERT_THAT(store->Revoke("kept", kIn1h), IsOk());

  struct sigaction ignore = {}, old_action = {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGXFSZ, &ignore, &old_action), 0);
  struct rlimit old_limit;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  struct rlimit no_writes = old_limit;
  no_writes.rlim_cur = 0;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &no_writes), 0);
  // Nothing but the writes under test while no file can grow (not even a
  // gtest message to a redirected stdout).
  const absl::Status added = store->Revoke("new", kIn1h);
  const absl::Status extended = store->Revoke("kept", kIn2h);
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  ::sigaction(SIGXFSZ, &old_action, nullptr);

  // The message names the file and the OS error (here EFBIG), which SQLite
  // does not record for a write that fails while committing.
  EXPECT_THAT(added, StatusIs(absl::StatusCode::kUnavailable,
                              AllOf(HasSubstr(path_),
                                    HasSubstr(std::strerror(EFBIG)))));
  EXPECT_THAT(extended, StatusIs(absl::StatusCode::kUnavailable,
                                 HasSubstr(std::strerror(EFBIG))));
  EXPECT_FALSE(Revoked(*store, "new", kStart));
  EXPECT_FALSE(Revoked(*store, "kept", kIn1h));  // Not extended.
  EXPECT_EQ(store->Status().entries, 1u);

  ASSERT_THAT(store->Revoke("after", kIn1h), IsOk());
  store.reset();
  ASSERT_OK_AND_ASSIGN(store, Open());
  EXPECT_FALSE(Revoked(*store, "new", kStart));
  EXPECT_TRUE(Revoked(*store, "kept", kStart));
  EXPECT_FALSE(Revoked(*store, "kept", kIn1h));
  EXPECT_TRUE(Revoked(*store, "after", kStart));
}

TEST_F(SqliteRevocationStoreTest, BadOptionsAreInvalidArgument) {
  SqliteRevocationStoreOptions options = Options();
  EXPECT_THAT(SqliteRevocationStore::Open(options, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options.path = "";
  EXPECT_THAT(SqliteRevocationStore::Open(options, &clock_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options = Options();
  options.background = true;
  options.purge_interval = absl::ZeroDuration();
  EXPECT_THAT(SqliteRevocationStore::Open(options, &clock_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  options = Options();
  options.lock_timeout = -absl::Seconds(1);
  EXPECT_THAT(SqliteRevocationStore::Open(options, &clock_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ScopedTempDir::Mode(path_), -1);  // Nothing created.
}

}  // namespace
}  // namespace jwtd::revocation
