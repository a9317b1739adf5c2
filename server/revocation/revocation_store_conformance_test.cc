// The properties every RevocationStore backend must have, as one
// parameterised suite (TEST_P) instantiated once per backend at the bottom
// of this file. A new backend joins by writing a RevocationBackend for it
// and one INSTANTIATE_TEST_SUITE_P line.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/revocation/redis_revocation_store.h"
#include "server/revocation/revocation_store.h"
#include "server/revocation/sqlite_revocation_store.h"
#include "server/util/clock.h"
#include "tests/support/redis_server.h"
#include "tests/support/scoped_temp_dir.h"
#include "tests/support/status_matchers.h"

namespace jwtd::revocation {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::ScopedTempDir;
using ::jwtd::testing::StatusIs;
using ::testing::IsEmpty;
using ::testing::Not;

// One backend under test.
class RevocationBackend {
 public:
  virtual ~RevocationBackend() = default;
  // Opens a store; may be called again after the previous store was
  // destroyed, and the new one must see what the old one stored. The
  // backend owns what stores need (directories, clocks, servers) and
  // outlives them.
  virtual absl::StatusOr<std::unique_ptr<RevocationStore>> Open() = 0;
  // The store's "now" (what Revoke checks `until` against): a fake clock,
  // or the real one for a backend whose server expires entries itself.
  virtual absl::Time Now() const = 0;
};

using BackendFactory = std::unique_ptr<RevocationBackend> (*)();

// ---------------------------------------------------------------------------
// Backends.

class SqliteBackend : public RevocationBackend {
 public:
  absl::StatusOr<std::unique_ptr<RevocationStore>> Open() override {
    SqliteRevocationStoreOptions options;
    options.path = dir_.Join("revocations.db");
    options.background = false;
    absl::StatusOr<std::unique_ptr<SqliteRevocationStore>> store =
        SqliteRevocationStore::Open(options, &clock_);
    if (!store.ok()) return store.status();
    return std::unique_ptr<RevocationStore>(*std::move(store));
  }
  absl::Time Now() const override { return clock_.Now(); }

 private:
  ScopedTempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1700000000)};
};

std::unique_ptr<RevocationBackend> MakeSqliteBackend() {
  return std::make_unique<SqliteBackend>();
}

// A RedisRevocationStore on a fresh redis-server (tests/support) per test;
// skipped when redis-server is not installed. Now() is the real clock, as
// Redis expires keys by it.
class RedisBackend : public RevocationBackend {
 public:
  RedisBackend() {
    if (!testing::RedisServer::Installed()) {
      Skip();
      return;
    }
    absl::StatusOr<std::unique_ptr<testing::RedisServer>> redis =
        testing::RedisServer::Start();
    if (!redis.ok()) {
      ADD_FAILURE() << redis.status();
      return;
    }
    redis_ = *std::move(redis);
  }
  absl::StatusOr<std::unique_ptr<RevocationStore>> Open() override {
    if (redis_ == nullptr) return absl::FailedPreconditionError("no redis");
    RedisRevocationStoreOptions options;
    options.port = redis_->port();
    absl::StatusOr<std::unique_ptr<RedisRevocationStore>> store =
        RedisRevocationStore::Open(options, &SystemClock());
    if (!store.ok()) return store.status();
    return std::unique_ptr<RevocationStore>(*std::move(store));
  }
  absl::Time Now() const override { return absl::Now(); }

 private:
  static void Skip() { GTEST_SKIP() << testing::RedisServer::kSkipReason; }

  std::unique_ptr<testing::RedisServer> redis_;
};

std::unique_ptr<RevocationBackend> MakeRedisBackend() {
  return std::make_unique<RedisBackend>();
}

// ---------------------------------------------------------------------------
// Checks.

class RevocationStoreConformanceTest
    : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    backend_ = GetParam()();
    if (IsSkipped()) return;  // E.g. the backend's server is not installed.
    ASSERT_OK_AND_ASSIGN(store_, backend_->Open());
    // Whole seconds ahead of now: every backend may keep seconds only.
    now_ = backend_->Now();
    in_1h_ = absl::FromUnixSeconds(absl::ToUnixSeconds(now_) + 3600);
    in_2h_ = in_1h_ + absl::Hours(1);
  }
  void TearDown() override { store_.reset(); }  // Before the backend.

  bool Revoked(absl::string_view jti, absl::Time at) const {
    absl::StatusOr<bool> revoked = store_->IsRevoked(jti, at);
    EXPECT_THAT(revoked, IsOk());
    return revoked.value_or(false);
  }

  std::unique_ptr<RevocationBackend> backend_;
  std::unique_ptr<RevocationStore> store_;
  absl::Time now_;
  absl::Time in_1h_;
  absl::Time in_2h_;
};

TEST_P(RevocationStoreConformanceTest, RevokedJtiReadsRevoked) {
  ASSERT_THAT(store_->Revoke("jti-1", in_1h_), IsOk());
  EXPECT_TRUE(Revoked("jti-1", now_));
  EXPECT_TRUE(Revoked("jti-1", in_1h_ - absl::Seconds(1)));
  EXPECT_FALSE(Revoked("jti-2", now_));
}

TEST_P(RevocationStoreConformanceTest, UnknownJtiReadsNotRevoked) {
  EXPECT_FALSE(Revoked("never-revoked", now_));
  EXPECT_FALSE(Revoked("", now_));
  EXPECT_FALSE(Revoked(std::string(10 * 1024, 'x'), now_));
}

TEST_P(RevocationStoreConformanceTest, JtisAreComparedExactly) {
  ASSERT_THAT(store_->Revoke("abc", in_1h_), IsOk());
  EXPECT_FALSE(Revoked("ABC", now_));
  EXPECT_FALSE(Revoked("ab", now_));
  EXPECT_FALSE(Revoked("abcd", now_));
  EXPECT_FALSE(Revoked(absl::string_view("abc\0", 4), now_));
}

TEST_P(RevocationStoreConformanceTest, ExpiredEntryReadsNotRevoked) {
  ASSERT_THAT(store_->Revoke("jti-1", in_1h_), IsOk());
  EXPECT_TRUE(Revoked("jti-1", in_1h_ - absl::Seconds(1)));
  EXPECT_FALSE(Revoked("jti-1", in_1h_));
  EXPECT_FALSE(Revoked("jti-1", in_1h_ + absl::Seconds(1)));
}

TEST_P(RevocationStoreConformanceTest, RevokingAgainKeepsTheLaterUntil) {
  ASSERT_THAT(store_->Revoke("jti-1", in_1h_), IsOk());
  ASSERT_THAT(store_->Revoke("jti-1", in_2h_), IsOk());
  EXPECT_TRUE(Revoked("jti-1", in_2h_ - absl::Seconds(1)));
  // An earlier until does not shorten it.
  ASSERT_THAT(store_->Revoke("jti-1", in_1h_), IsOk());
  EXPECT_TRUE(Revoked("jti-1", in_2h_ - absl::Seconds(1)));
  EXPECT_FALSE(Revoked("jti-1", in_2h_));
  EXPECT_EQ(store_->Status().entries, 1u);
}

TEST_P(RevocationStoreConformanceTest, LongestJtiIsAccepted) {
  const std::string longest(kMaxJtiBytes, 'j');
  ASSERT_THAT(store_->Revoke(longest, in_1h_), IsOk());
  EXPECT_TRUE(Revoked(longest, now_));
  // Any valid UTF-8, NUL included (JSON can carry "\u0000").
  const std::string unicode = absl::StrCat("jti-\xC3\xA9-\xF0\x9F\x94\x91",
                                           absl::string_view("\0x", 2));
  ASSERT_THAT(store_->Revoke(unicode, in_1h_), IsOk());
  EXPECT_TRUE(Revoked(unicode, now_));
  EXPECT_FALSE(Revoked(unicode.substr(0, unicode.size() - 1), now_));
}

TEST_P(RevocationStoreConformanceTest, BadInputIsRefusedAndStoresNothing) {
  const std::string too_long(kMaxJtiBytes + 1, 'j');
  struct Case {
    std::string name;
    std::string jti;
    absl::Time until;
  };
  const std::vector<Case> cases = {
      {"empty jti", "", in_1h_},
      {"257-byte jti", too_long, in_1h_},
      {"10 KB jti", std::string(10 * 1024, 'k'), in_1h_},
      {"invalid byte", "jti-\xFF", in_1h_},
      {"truncated sequence", "jti-\xC3", in_1h_},
      {"overlong encoding", "jti-\xC0\xAF", in_1h_},
      {"surrogate", "jti-\xED\xA0\x80", in_1h_},
      {"until in the past", "past", now_ - absl::Seconds(1)},
      {"until long past", "long-past", absl::UnixEpoch()},
      {"until infinite past", "infinite-past", absl::InfinitePast()},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_THAT(store_->Revoke(c.jti, c.until),
                StatusIs(absl::StatusCode::kInvalidArgument));
    EXPECT_FALSE(Revoked(c.jti, now_));
    EXPECT_FALSE(Revoked(c.jti, c.until - absl::Seconds(1)));
  }
  // Not stored truncated either.
  EXPECT_FALSE(Revoked(too_long.substr(0, kMaxJtiBytes), now_));
  EXPECT_FALSE(Revoked("jti-", now_));
  EXPECT_EQ(store_->Status().entries, 0u);
}

TEST_P(RevocationStoreConformanceTest, StatusCountsEntries) {
  RevocationStoreStatus status = store_->Status();
  EXPECT_TRUE(status.healthy) << status.detail;
  EXPECT_EQ(status.entries, 0u);
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(store_->Revoke(absl::StrCat("jti-", i), in_1h_), IsOk());
  }
  ASSERT_THAT(store_->Revoke("jti-0", in_2h_), IsOk());  // Not a new entry.
  status = store_->Status();
  EXPECT_TRUE(status.healthy) << status.detail;
  EXPECT_EQ(status.entries, 3u);
  EXPECT_THAT(status.detail, Not(IsEmpty()));
}

TEST_P(RevocationStoreConformanceTest, AStoreOpenedLaterSeesRevocations) {
  ASSERT_THAT(store_->Revoke("jti-1", in_1h_), IsOk());
  ASSERT_THAT(store_->Revoke("jti-2", in_2h_), IsOk());
  store_.reset();
  ASSERT_OK_AND_ASSIGN(store_, backend_->Open());
  EXPECT_TRUE(Revoked("jti-1", in_1h_ - absl::Seconds(1)));
  EXPECT_FALSE(Revoked("jti-1", in_1h_));
  EXPECT_TRUE(Revoked("jti-2", in_2h_ - absl::Seconds(1)));
  EXPECT_FALSE(Revoked("jti-3", now_));
  EXPECT_EQ(store_->Status().entries, 2u);
}

// Eight threads revoke their own jtis and one shared jti while reading
// theirs and each other's: every acknowledged revocation reads revoked at
// once, for every thread, and stays so; the shared jti ends with the
// latest until any thread gave. (Meant to run under ThreadSanitizer too.)
TEST_P(RevocationStoreConformanceTest, ConcurrentRevokesAndReads) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 12;

  std::mutex mu;  // Not absl::Mutex: see docs/sanitizers.md.
  std::vector<std::string> problems;
  auto report = [&](std::string problem) {
    std::lock_guard lock(mu);
    problems.push_back(std::move(problem));
  };
  // acked[t]: how many of thread t's jtis are acknowledged.
  std::vector<std::atomic<int>> acked(kThreads);
  auto jti = [](int thread, int i) {
    return absl::StrCat("t", thread, "-", i);
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (absl::Status s = store_->Revoke(jti(t, i), in_1h_); !s.ok()) {
          report(absl::StrCat(jti(t, i), ": ", s.ToString()));
          return;
        }
        acked[t].store(i + 1);
        if (!Revoked(jti(t, i), now_)) report(jti(t, i) + " not revoked");
        if (i % 3 == 0) {
          const absl::Time until = in_1h_ + absl::Seconds(t * kPerThread + i);
          if (absl::Status s = store_->Revoke("shared", until); !s.ok()) {
            report(absl::StrCat("shared: ", s.ToString()));
          }
        }
        // Another thread's acknowledged jtis read revoked here too.
        const int other = (t + 1) % kThreads;
        const int seen = acked[other].load();
        for (int j = 0; j < seen; ++j) {
          if (!Revoked(jti(other, j), now_)) {
            report(absl::StrCat(jti(other, j), " acked but not seen by ", t));
          }
        }
        if (Revoked(absl::StrCat("t", t, "-x"), now_)) report("phantom jti");
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  std::lock_guard lock(mu);
  EXPECT_THAT(problems, IsEmpty());
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) EXPECT_TRUE(Revoked(jti(t, i), now_));
  }
  const absl::Time latest = in_1h_ + absl::Seconds((kThreads - 1) * kPerThread +
                                                   (kPerThread - 1) / 3 * 3);
  EXPECT_TRUE(Revoked("shared", latest - absl::Seconds(1)));
  EXPECT_FALSE(Revoked("shared", latest));
  EXPECT_EQ(store_->Status().entries, kThreads * kPerThread + 1u);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, RevocationStoreConformanceTest,
                         ::testing::Values(&MakeSqliteBackend));
INSTANTIATE_TEST_SUITE_P(Redis, RevocationStoreConformanceTest,
                         ::testing::Values(&MakeRedisBackend));

}  // namespace
}  // namespace jwtd::revocation
