// RedisRevocationStore against a real redis-server (tests/support): several
// stores on one Redis play the replicas of a jwtd deployment.

#include "server/revocation/redis_revocation_store.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/util/clock.h"
#include "tests/support/redis_server.h"
#include "tests/support/status_matchers.h"

namespace jwtd::revocation {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::RedisServer;
using ::jwtd::testing::RedisServerOptions;
using ::jwtd::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using OnUnavailable = RedisRevocationStoreOptions::OnUnavailable;

constexpr char kPrefix[] = "jwtd:revoked:";
constexpr char kChannel[] = "jwtd:revocations";

// A plain hiredis connection, to look at Redis behind the store's back.
class RawRedis {
 public:
  explicit RawRedis(int port)
      : c_(redisConnectWithTimeout("127.0.0.1", port,
                                   timeval{.tv_sec = 1, .tv_usec = 0})) {
    if (c_ != nullptr && c_->err == 0) {
      redisSetTimeout(c_, timeval{.tv_sec = 2, .tv_usec = 0});
    }
  }
  ~RawRedis() {
    if (c_ != nullptr) redisFree(c_);
  }
  RawRedis(const RawRedis&) = delete;
  RawRedis& operator=(const RawRedis&) = delete;

  bool ok() const { return c_ != nullptr && c_->err == 0; }

  // The reply flattened to text: a string/status/error as is, an integer in
  // decimal, nil as "(nil)", an array as its elements joined by ','.
  std::string Run(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> argvlen;
    for (const std::string& arg : args) {
      argv.push_back(arg.data());
      argvlen.push_back(arg.size());
    }
    auto* reply = static_cast<redisReply*>(redisCommandArgv(
        c_, static_cast<int>(argv.size()), argv.data(), argvlen.data()));
    if (reply == nullptr) return absl::StrCat("(io error) ", c_->errstr);
    std::string text = Flatten(reply);
    freeReplyObject(reply);
    return text;
  }

  // The next pub/sub message's payload after Run({"SUBSCRIBE", ...}).
  std::string NextMessage() {
    void* raw = nullptr;
    if (redisGetReply(c_, &raw) != REDIS_OK) return "(io error)";
    auto* reply = static_cast<redisReply*>(raw);
    std::string text = Flatten(reply);
    freeReplyObject(reply);
    return text;
  }

 private:
  static std::string Flatten(const redisReply* r) {
    switch (r->type) {
      case REDIS_REPLY_INTEGER:
        return absl::StrCat(r->integer);
      case REDIS_REPLY_NIL:
        return "(nil)";
      case REDIS_REPLY_ARRAY: {
        std::vector<std::string> parts;
        for (size_t i = 0; i < r->elements; ++i) {
          parts.push_back(Flatten(r->element[i]));
        }
        return absl::StrJoin(parts, ",");
      }
      default:
        return std::string(r->str, r->len);
    }
  }

  redisContext* c_;
};

// Polls `condition` every 50 us for up to `limit`; how long it took to hold,
// or nullopt.
std::optional<absl::Duration> WaitUntil(const std::function<bool()>& condition,
                                        absl::Duration limit) {
  const absl::Time start = absl::Now();
  while (true) {
    if (condition()) return absl::Now() - start;
    if (absl::Now() - start > limit) return std::nullopt;
    absl::SleepFor(absl::Microseconds(50));
  }
}

bool ReadsRevoked(const RevocationStore& store, absl::string_view jti) {
  absl::StatusOr<bool> revoked = store.IsRevoked(jti, absl::Now());
  return revoked.ok() && *revoked;
}

MATCHER_P(HoldsValue, expected,
          "is OK and holds " + ::testing::PrintToString(expected)) {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status();
    return false;
  }
  return *arg == expected;
}

bool ReadsUnavailable(const RevocationStore& store) {
  return store.IsRevoked("probe", absl::Now()).status().code() ==
         absl::StatusCode::kUnavailable;
}

class RedisRevocationStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RedisServer::Installed()) GTEST_SKIP() << RedisServer::kSkipReason;
  }

  void StartRedis(RedisServerOptions options = {}) {
    absl::StatusOr<std::unique_ptr<RedisServer>> redis =
        RedisServer::Start(options);
    ASSERT_THAT(redis, IsOk());
    redis_ = *std::move(redis);
  }

  RedisRevocationStoreOptions Options(
      OnUnavailable on_unavailable = OnUnavailable::kFailClosed) const {
    RedisRevocationStoreOptions options;
    options.port = redis_->port();
    options.on_unavailable = on_unavailable;
    options.connect_timeout = absl::Milliseconds(500);
    options.command_timeout = absl::Milliseconds(500);
    return options;
  }

  std::unique_ptr<RedisRevocationStore> OpenStore(
      RedisRevocationStoreOptions options, const Clock* clock = nullptr) {
    absl::StatusOr<std::unique_ptr<RedisRevocationStore>> store =
        RedisRevocationStore::Open(options,
                                   clock != nullptr ? clock : &SystemClock());
    EXPECT_THAT(store, IsOk());
    return store.ok() ? *std::move(store) : nullptr;
  }

  // An `until` in whole seconds, `from_now` ahead.
  static absl::Time In(absl::Duration from_now) {
    return absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now() + from_now));
  }

  std::unique_ptr<RedisServer> redis_;
};

// Revoke on one replica; the two others must see it within a second.
TEST_F(RedisRevocationStoreTest, ThreeReplicasLearnARevocationWithinOneSecond) {
  ASSERT_NO_FATAL_FAILURE(StartRedis());
  std::array<std::unique_ptr<RedisRevocationStore>, 3> replicas;
  for (auto& replica : replicas) {
    replica = OpenStore(Options());
    ASSERT_NE(replica, nullptr);
  }

  constexpr int kRevocations = 30;
  std::vector<absl::Duration> latencies;
  for (int i = 0; i < kRevocations; ++i) {
    // Any UTF-8 jti travels, spaces included (the message ends "<until>").
    const std::string jti = absl::StrCat("jti ", i, " \xC3\xA9 x");
    RedisRevocationStore& writer = *replicas[i % 3];
    ASSERT_THAT(writer.Revoke(jti, In(absl::Hours(1))), IsOk());
    const absl::Time acked = absl::Now();
    EXPECT_TRUE(ReadsRevoked(writer, jti));  // At once on the writer.
    for (int r = 1; r <= 2; ++r) {
      const RedisRevocationStore& reader = *replicas[(i + r) % 3];
      std::optional<absl::Duration> seen = WaitUntil(
          [&] { return ReadsRevoked(reader, jti); }, absl::Seconds(1));
      ASSERT_TRUE(seen.has_value()) << jti << " not seen within 1 s";
      latencies.push_back(absl::Now() - acked);
    }
  }
  std::sort(latencies.begin(), latencies.end());
  const absl::Duration median = latencies[latencies.size() / 2];
  const absl::Duration worst = latencies.back();
  EXPECT_LT(worst, absl::Seconds(1));
  std::cout << "propagation latency over " << latencies.size()
            << " observations: median " << median << ", max " << worst << "\n";
  RecordProperty("propagation_median_us",
                 static_cast<int>(absl::ToInt64Microseconds(median)));
  RecordProperty("propagation_max_us",
                 static_cast<int>(absl::ToInt64Microseconds(worst)));
  for (const auto& replica : replicas) {
    RevocationStoreStatus status = replica->Status();
    EXPECT_TRUE(status.healthy) << status.detail;
    EXPECT_EQ(status.entries, static_cast<size_t>(kRevocations));
  }
}

TEST_F(RedisRevocationStoreTest, KeysCarryATtlAndTheLaterUntil) {
  ASSERT_NO_FATAL_FAILURE(StartRedis());
  auto store = OpenStore(Options());
  auto other = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  ASSERT_NE(other, nullptr);
  RawRedis raw(redis_->port());
  ASSERT_TRUE(raw.ok());
  const std::string key = absl::StrCat(kPrefix, "jti-ttl");

  const absl::Time in_1h = In(absl::Hours(1));
  ASSERT_THAT(store->Revoke("jti-ttl", in_1h), IsOk());
  EXPECT_EQ(raw.Run({"GET", key}), absl::StrCat(absl::ToUnixSeconds(in_1h)));
  int64_t ttl = 0;
  ASSERT_TRUE(absl::SimpleAtoi(raw.Run({"TTL", key}), &ttl));
  EXPECT_GE(ttl, 3590);
  EXPECT_LE(ttl, 3600);

  const absl::Time in_2h = In(absl::Hours(2));
  ASSERT_THAT(other->Revoke("jti-ttl", in_2h), IsOk());
  // An earlier until changes nothing, in Redis or in memory.
  ASSERT_THAT(store->Revoke("jti-ttl", In(absl::Minutes(10))), IsOk());
  EXPECT_EQ(raw.Run({"GET", key}), absl::StrCat(absl::ToUnixSeconds(in_2h)));
  ASSERT_TRUE(absl::SimpleAtoi(raw.Run({"TTL", key}), &ttl));
  EXPECT_GE(ttl, 7190);
  EXPECT_LE(ttl, 7200);
  for (const RedisRevocationStore* replica : {store.get(), other.get()}) {
    EXPECT_TRUE(WaitUntil(
                    [&] {
                      absl::StatusOr<bool> r = replica->IsRevoked(
                          "jti-ttl", in_2h - absl::Seconds(1));
                      return r.ok() && *r;
                    },
                    absl::Seconds(1))
                    .has_value());
    EXPECT_THAT(replica->IsRevoked("jti-ttl", in_2h), HoldsValue(false));
  }

  // A sub-second until is rounded up, and a short TTL is at least 1 s.
  ASSERT_THAT(store->Revoke("jti-short", absl::Now() + absl::Milliseconds(300)),
              IsOk());
  ASSERT_TRUE(absl::SimpleAtoi(
      raw.Run({"TTL", absl::StrCat(kPrefix, "jti-short")}), &ttl));
  EXPECT_GE(ttl, 1);
  EXPECT_LE(ttl, 2);
}

TEST_F(RedisRevocationStoreTest, BadInputIsRefusedAndNothingReachesRedis) {
  ASSERT_NO_FATAL_FAILURE(StartRedis());
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  RawRedis raw(redis_->port());
  RawRedis listener(redis_->port());
  ASSERT_TRUE(raw.ok());
  ASSERT_TRUE(listener.ok());
  ASSERT_EQ(listener.Run({"SUBSCRIBE", kChannel}),
            absl::StrCat("subscribe,", kChannel, ",1"));

  const absl::Time in_1h = In(absl::Hours(1));
  const std::vector<std::pair<std::string, absl::Time>> bad = {
      {"", in_1h},
      {std::string(kMaxJtiBytes + 1, 'j'), in_1h},
      {"jti-\xFF", in_1h},
      {"past", absl::Now() - absl::Seconds(1)},
  };
  for (const auto& [jti, until] : bad) {
    EXPECT_THAT(store->Revoke(jti, until),
                StatusIs(absl::StatusCode::kInvalidArgument));
  }
  EXPECT_EQ(raw.Run({"DBSIZE"}), "0");
  EXPECT_EQ(raw.Run({"KEYS", "*"}), "");
  EXPECT_EQ(store->Status().entries, 0u);
  // Nothing was published either: the first message is the good one.
  ASSERT_THAT(store->Revoke("good", in_1h), IsOk());
  EXPECT_EQ(listener.NextMessage(), absl::StrCat("message,", kChannel, ",good ",
                                                 absl::ToUnixSeconds(in_1h)));
  EXPECT_EQ(raw.Run({"KEYS", "*"}), absl::StrCat(kPrefix, "good"));
}

// Redis runs with appendonly yes + appendfsync always, so a crash (SIGKILL)
// loses nothing acknowledged. Then a replica that was cut off while another
// revoked learns it on reconnect.
TEST_F(RedisRevocationStoreTest, RedisCrashLosesNothingAndReplicasCatchUp) {
  ASSERT_NO_FATAL_FAILURE(StartRedis({.append_only = true, .password = ""}));
  auto a = OpenStore(Options());
  auto b = OpenStore(Options());
  auto c = OpenStore(Options());
  ASSERT_TRUE(a && b && c);

  ASSERT_THAT(a->Revoke("before-crash", In(absl::Hours(1))), IsOk());
  redis_->Kill();
  for (const RedisRevocationStore* replica : {a.get(), b.get(), c.get()}) {
    EXPECT_TRUE(WaitUntil([&] { return ReadsUnavailable(*replica); },
                          absl::Seconds(2)));
    EXPECT_FALSE(replica->Status().healthy);
  }
  EXPECT_THAT(b->Revoke("during-outage", In(absl::Hours(1))),
              StatusIs(absl::StatusCode::kUnavailable));

  ASSERT_THAT(redis_->Restart(), IsOk());
  for (const RedisRevocationStore* replica : {a.get(), b.get(), c.get()}) {
    std::optional<absl::Duration> back = WaitUntil(
        [&] { return !ReadsUnavailable(*replica); }, absl::Seconds(5));
    ASSERT_TRUE(back.has_value()) << replica->Status().detail;
    EXPECT_TRUE(ReadsRevoked(*replica, "before-crash"));
  }
  RawRedis raw(redis_->port());
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw.Run({"EXISTS", absl::StrCat(kPrefix, "before-crash")}), "1");
  EXPECT_EQ(raw.Run({"EXISTS", absl::StrCat(kPrefix, "during-outage")}), "0");
  // A replica started after the crash learns it from Redis alone.
  auto d = OpenStore(Options());
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(ReadsRevoked(*d, "before-crash"));
  // `a` last wrote before the crash: its first Revoke after the restart
  // succeeds (the stale connection is replaced, not reported).
  EXPECT_THAT(a->Revoke("after-restart", In(absl::Hours(1))), IsOk());

  // Cut every subscriber off while Redis stays up: kill the pub/sub
  // connections and make reconnects fail AUTH. `a`'s command connection
  // (opened by the Revoke above) was let in before and still writes.
  ASSERT_EQ(raw.Run({"CONFIG", "SET", "requirepass", "rotated"}), "OK");
  EXPECT_EQ(raw.Run({"CLIENT", "KILL", "TYPE", "pubsub"}), "4");
  for (const RedisRevocationStore* replica : {b.get(), c.get(), d.get()}) {
    EXPECT_TRUE(
        WaitUntil([&] { return ReadsUnavailable(*replica); }, absl::Seconds(2))
            .has_value());
  }
  ASSERT_THAT(a->Revoke("while-cut-off", In(absl::Hours(1))), IsOk());
  // Nobody was subscribed when it was published.
  EXPECT_EQ(raw.Run({"PUBSUB", "NUMSUB", kChannel}),
            absl::StrCat(kChannel, ",0"));
  ASSERT_EQ(raw.Run({"CONFIG", "SET", "requirepass", ""}), "OK");
  for (const RedisRevocationStore* replica : {b.get(), c.get(), d.get()}) {
    std::optional<absl::Duration> caught_up =
        WaitUntil([&] { return ReadsRevoked(*replica, "while-cut-off"); },
                  absl::Seconds(5));
    ASSERT_TRUE(caught_up.has_value()) << replica->Status().detail;
    std::cout << "caught up after reconnect in " << *caught_up << "\n";
    EXPECT_TRUE(replica->Status().healthy) << replica->Status().detail;
  }
}

TEST_F(RedisRevocationStoreTest, RedisDownFailClosedOrFailOpen) {
  ASSERT_NO_FATAL_FAILURE(StartRedis());
  auto closed = OpenStore(Options(OnUnavailable::kFailClosed));
  auto open = OpenStore(Options(OnUnavailable::kFailOpen));
  ASSERT_TRUE(closed && open);
  ASSERT_THAT(closed->Revoke("known", In(absl::Hours(1))), IsOk());
  ASSERT_TRUE(WaitUntil([&] { return ReadsRevoked(*open, "known"); },
                        absl::Seconds(1)));
  EXPECT_EQ(open->FailOpenAnswers(), 0u);

  redis_->Kill();
  std::optional<absl::Duration> noticed =
      WaitUntil([&] { return ReadsUnavailable(*closed); }, absl::Seconds(2));
  ASSERT_TRUE(noticed.has_value());
  std::cout << "loss of Redis noticed in " << *noticed << "\n";
  EXPECT_THAT(closed->IsRevoked("known", absl::Now()),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("revocation store unreachable")));
  ASSERT_TRUE(
      WaitUntil([&] { return !open->Status().healthy; }, absl::Seconds(2)));
  const uint64_t before = open->FailOpenAnswers();
  EXPECT_THAT(open->IsRevoked("known", absl::Now()), HoldsValue(true));
  EXPECT_THAT(open->IsRevoked("unknown", absl::Now()), HoldsValue(false));
  EXPECT_EQ(open->FailOpenAnswers(), before + 2);

  for (RedisRevocationStore* store : {closed.get(), open.get()}) {
    EXPECT_THAT(store->Revoke("new", In(absl::Hours(1))),
                StatusIs(absl::StatusCode::kUnavailable));
    RevocationStoreStatus status = store->Status();
    EXPECT_FALSE(status.healthy);
    EXPECT_THAT(status.detail, HasSubstr("unreachable"));
    EXPECT_EQ(status.entries, 1u);
  }
  // Nothing listens any more: Open says so at once.
  EXPECT_THAT(RedisRevocationStore::Open(Options(), &SystemClock()),
              StatusIs(absl::StatusCode::kUnavailable));

  // The subscriber thread is in its reconnect backoff: shutting down does
  // not wait for it.
  absl::SleepFor(absl::Milliseconds(700));
  const absl::Time start = absl::Now();
  closed.reset();
  open.reset();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
}

// A hung Redis (no FIN, no answers) is noticed by the keep-alive PING, and
// Revoke gives up after command_timeout.
TEST_F(RedisRevocationStoreTest, HungRedisIsNoticedAndCommandsTimeOut) {
  ASSERT_NO_FATAL_FAILURE(StartRedis());
  auto store = OpenStore(Options());  // command_timeout 500 ms.
  auto other = OpenStore(Options());
  ASSERT_TRUE(store && other);
  ASSERT_THAT(store->Revoke("before", In(absl::Hours(1))), IsOk());

  redis_->Pause();
  absl::Time start = absl::Now();
  EXPECT_THAT(store->Revoke("while-hung", In(absl::Hours(1))),
              StatusIs(absl::StatusCode::kUnavailable));
  const absl::Duration revoke_took = absl::Now() - start;
  EXPECT_GE(revoke_took, absl::Milliseconds(400));
  EXPECT_LT(revoke_took, absl::Milliseconds(1500));
  EXPECT_FALSE(store->Status().healthy);
  // PING after 1 s of silence, unanswered for 500 ms.
  std::optional<absl::Duration> noticed = WaitUntil(
      [&] { return ReadsUnavailable(*other); }, absl::Milliseconds(2500));
  ASSERT_TRUE(noticed.has_value());
  std::cout << "hung Redis noticed in " << *noticed << "\n";

  redis_->Resume();
  EXPECT_TRUE(
      WaitUntil([&] { return !ReadsUnavailable(*other); }, absl::Seconds(5))
          .has_value());
  ASSERT_THAT(store->Revoke("after", In(absl::Hours(1))), IsOk());
  EXPECT_TRUE(
      WaitUntil([&] { return ReadsRevoked(*other, "after"); }, absl::Seconds(1))
          .has_value());
  EXPECT_TRUE(ReadsRevoked(*other, "before"));
}

TEST_F(RedisRevocationStoreTest, ResyncLearnsUnpublishedKeysAndDropsExpired) {
  ASSERT_NO_FATAL_FAILURE(StartRedis());
  FakeClock clock(absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now())));
  RedisRevocationStoreOptions options = Options();
  options.resync_interval = absl::Milliseconds(200);
  auto store = OpenStore(options, &clock);
  ASSERT_NE(store, nullptr);
  RawRedis raw(redis_->port());
  ASSERT_TRUE(raw.ok());

  // Written by something that did not publish.
  const absl::Time in_1h = clock.Now() + absl::Hours(1);
  ASSERT_EQ(raw.Run({"SET", absl::StrCat(kPrefix, "unpublished"),
                     absl::StrCat(absl::ToUnixSeconds(in_1h)), "EX", "3600"}),
            "OK");
  EXPECT_TRUE(WaitUntil(
      [&] {
        absl::StatusOr<bool> r = store->IsRevoked("unpublished", clock.Now());
        return r.ok() && *r;
      },
      absl::Seconds(2)));

  ASSERT_THAT(store->Revoke("soon", clock.Now() + absl::Minutes(1)), IsOk());
  EXPECT_EQ(store->Status().entries, 2u);
  const absl::Time revoked_at = clock.Now();
  clock.Advance(absl::Minutes(2));
  EXPECT_EQ(store->Status().entries, 1u);  // Counted lazily at once...
  // ...and dropped from memory by the next resync, though its Redis key
  // (TTL by Redis's own clock) is still there.
  EXPECT_TRUE(WaitUntil(
      [&] {
        absl::StatusOr<bool> r = store->IsRevoked("soon", revoked_at);
        return r.ok() && !*r;
      },
      absl::Seconds(2)));
  EXPECT_EQ(raw.Run({"EXISTS", absl::StrCat(kPrefix, "soon")}), "1");
}

TEST_F(RedisRevocationStoreTest, OpenChecksOptionsAndPassword) {
  ASSERT_NO_FATAL_FAILURE(StartRedis({.password = "s3cret"}));
  using Edit = std::function<void(RedisRevocationStoreOptions&)>;
  const std::vector<Edit> bad = {
      [](auto& o) { o.host = ""; },
      [](auto& o) { o.port = 0; },
      [](auto& o) { o.port = 65536; },
      [](auto& o) { o.key_prefix = ""; },
      [](auto& o) { o.channel = ""; },
      [](auto& o) { o.connect_timeout = absl::ZeroDuration(); },
      [](auto& o) { o.command_timeout = -absl::Seconds(1); },
      [](auto& o) { o.resync_interval = absl::ZeroDuration(); },
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    RedisRevocationStoreOptions options = Options();
    options.password = "s3cret";
    bad[i](options);
    EXPECT_THAT(RedisRevocationStore::Open(options, &SystemClock()),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << "case " << i;
  }
  EXPECT_THAT(RedisRevocationStore::Open(Options(), nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument));

  RedisRevocationStoreOptions options = Options();
  EXPECT_THAT(RedisRevocationStore::Open(options, &SystemClock()),
              StatusIs(absl::StatusCode::kUnavailable));  // No password.
  options.password = "wrong";
  absl::StatusOr<std::unique_ptr<RedisRevocationStore>> refused =
      RedisRevocationStore::Open(options, &SystemClock());
  EXPECT_THAT(refused,
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("AUTH")));
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::Not(HasSubstr("wrong")));
  options.password = "s3cret";
  auto store = OpenStore(options);
  ASSERT_NE(store, nullptr);
  EXPECT_THAT(store->Revoke("jti", In(absl::Hours(1))), IsOk());
  EXPECT_TRUE(store->Status().healthy) << store->Status().detail;
}

TEST_F(RedisRevocationStoreTest, ShutsDownPromptlyWhileSubscribed) {
  ASSERT_NO_FATAL_FAILURE(StartRedis());
  auto store = OpenStore(Options());
  ASSERT_NE(store, nullptr);
  absl::SleepFor(absl::Milliseconds(100));
  const absl::Time start = absl::Now();
  store.reset();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(300));
}

}  // namespace
}  // namespace jwtd::revocation
