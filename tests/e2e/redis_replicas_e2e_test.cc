// Three jwtd replicas sharing one Redis revocation store (revocation.store:
// redis): a revocation made at one replica reaches the others within a
// second (pub/sub); after a Redis restart the replicas reconnect, resubscribe
// and resync, losing nothing; with Redis gone, Validate fails closed
// (UNAVAILABLE, retryable) instead of answering from a possibly stale list.
//
// Replica A keeps local keys; B and C load A's signing key file
// (<A's data dir>/keys/<kid>.pem) through a `files` key source, so a token
// issued by any of them validates at all three.

#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtd/v1/token_service.pb.h"
#include "tests/e2e/jwtd_process.h"
#include "tests/e2e/redis_replica_config.h"
#include "tests/e2e/temp_dir.h"
#include "tests/e2e/verdicts.h"
#include "tests/support/redis_server.h"
#include "tests/support/status_matchers.h"

namespace jwtd::e2e {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::RedisServer;
using ::testing::HasSubstr;

constexpr char kIssuer[] = "https://jwtd.replicas.test";
constexpr char kAudience[] = "replicas";
constexpr absl::Duration kPollEvery = absl::Milliseconds(20);

struct Replica {
  std::string name;
  Client* client;
};

// Validates `token` at every replica every 20 ms until all of them answer
// REASON_REVOKED or `bound` has passed. Returns the time from `since` to the
// poll in which the last of them answered REVOKED; nullopt on timeout, with
// the last answers in *last.
std::optional<absl::Duration> WaitUntilRevokedEverywhere(
    const std::vector<Replica>& replicas, const std::string& token,
    absl::Time since, absl::Duration bound, std::string* last) {
  const absl::Time deadline = absl::Now() + bound;
  std::vector<bool> revoked(replicas.size(), false);
  for (;;) {
    bool all = true;
    last->clear();
    for (size_t i = 0; i < replicas.size(); ++i) {
      if (revoked[i]) continue;
      absl::StatusOr<v1::ValidateResponse> verdict =
          ValidateToken(*replicas[i].client, token);
      revoked[i] = HasRejectReason(verdict, v1::REASON_REVOKED);
      if (!revoked[i]) {
        all = false;
        absl::StrAppend(last, replicas[i].name, ": ", DescribeVerdict(verdict),
                        "; ");
      }
    }
    const absl::Time now = absl::Now();
    if (all) return now - since;
    if (now >= deadline) return std::nullopt;
    absl::SleepFor(kPollEvery);
  }
}

TEST(RedisReplicasE2eTest, RevocationsReachEveryReplicaAndSurviveRedisRestart) {
  if (!RedisServer::Installed()) GTEST_SKIP() << RedisServer::kSkipReason;
  ASSERT_OK_AND_ASSIGN(
      auto redis, RedisServer::Start({.append_only = true, .password = ""}));
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create("jwtd-e2e-replicas"));

  // Replica A: local keys, the Redis store.
  const std::string a_data = dir.Join("a-data");
  const std::string a_config = dir.Join("a.yaml");
  ASSERT_THAT(WriteFile(a_config, RedisReplicaConfig(a_data, kIssuer, kAudience,
                                                     "      local:\n"
                                                     "        alg: ES256\n",
                                                     redis->port())),
              IsOk());
  ASSERT_OK_AND_ASSIGN(auto a, JwtdProcess::Start({.data_dir = a_data,
                                                   .config_file = a_config}));
  ASSERT_FALSE(a->kid().empty()) << a->log();
  const std::string a_key = absl::StrCat(a_data, "/keys/", a->kid(), ".pem");

  // Replicas B and C (and later D): A's key through a `files` source.
  const std::string files_keys = absl::StrCat(
      "      files:\n"
      "        paths: [",
      a_key,
      "]\n"
      "        alg: ES256\n"
      "        poll_interval: 1s\n");
  auto start_files_replica = [&](absl::string_view name)
      -> absl::StatusOr<std::unique_ptr<JwtdProcess>> {
    const std::string data = dir.Join(absl::StrCat(name, "-data"));
    const std::string config = dir.Join(absl::StrCat(name, ".yaml"));
    if (absl::Status written =
            WriteFile(config, RedisReplicaConfig(data, kIssuer, kAudience,
                                                 files_keys, redis->port()));
        !written.ok()) {
      return written;
    }
    return JwtdProcess::Start({.data_dir = data, .config_file = config});
  };
  ASSERT_OK_AND_ASSIGN(auto b, start_files_replica("b"));
  ASSERT_OK_AND_ASSIGN(auto c, start_files_replica("c"));
  EXPECT_EQ(b->kid(), a->kid()) << b->log();
  EXPECT_EQ(c->kid(), a->kid()) << c->log();

  ASSERT_OK_AND_ASSIGN(auto a_client,
                       Client::Connect({.address = a->address()}));
  ASSERT_OK_AND_ASSIGN(auto b_client,
                       Client::Connect({.address = b->address()}));
  ASSERT_OK_AND_ASSIGN(auto c_client,
                       Client::Connect({.address = c->address()}));
  // Issue and Revoke go to each replica's privileged listener.
  ASSERT_OK_AND_ASSIGN(auto a_admin,
                       Client::Connect({.address = a->privileged_address()}));
  ASSERT_OK_AND_ASSIGN(auto b_admin,
                       Client::Connect({.address = b->privileged_address()}));
  ASSERT_OK_AND_ASSIGN(auto c_admin,
                       Client::Connect({.address = c->privileged_address()}));
  const Replica ra{"A", a_client.get()};
  const Replica rb{"B", b_client.get()};
  const Replica rc{"C", c_client.get()};

  // Tokens issued at A, all valid at every replica to begin with.
  std::vector<v1::IssueResponse> tokens;
  for (int i = 0; i < 4; ++i) {
    v1::IssueRequest issue;
    issue.set_subject(absl::StrCat("user-", i));
    ASSERT_OK_AND_ASSIGN(v1::IssueResponse issued, a_admin->Issue(issue));
    ASSERT_FALSE(issued.jti().empty());
    tokens.push_back(issued);
  }
  const v1::IssueResponse& first = tokens[0];   // Revoked at A.
  const v1::IssueResponse& second = tokens[1];  // Revoked at B after restart.
  const v1::IssueResponse& kept = tokens[2];    // Never revoked.
  const v1::IssueResponse& late = tokens[3];    // Revoke tried without Redis.
  for (const Replica& r : {ra, rb, rc}) {
    for (const v1::IssueResponse& issued : tokens) {
      absl::StatusOr<v1::ValidateResponse> verdict =
          ValidateToken(*r.client, issued.token());
      ASSERT_TRUE(verdict.ok() && verdict->valid())
          << r.name << ": " << DescribeVerdict(verdict);
    }
  }

  // 1. Revoke at A; B and C learn it through pub/sub within a second.
  {
    SCOPED_TRACE("revocation at A reaches B and C");
    ASSERT_OK_AND_ASSIGN(v1::RevokeResponse revoked,
                         RevokeToken(*a_admin, first.token()));
    const absl::Time acknowledged = absl::Now();
    EXPECT_EQ(revoked.jti(), first.jti());
    EXPECT_TRUE(HasRejectReason(ValidateToken(*a_client, first.token()),
                                v1::REASON_REVOKED));
    std::string last;
    std::optional<absl::Duration> latency = WaitUntilRevokedEverywhere(
        {rb, rc}, first.token(), acknowledged, absl::Seconds(3), &last);
    ASSERT_TRUE(latency.has_value())
        << "B and C still do not answer REVOKED 3 s after A acknowledged the "
           "revocation: "
        << last << "\nB log:\n"
        << b->log() << "\nC log:\n"
        << c->log();
    std::cout << "[ latency  ] revocation at A -> REVOKED at B and C: "
              << absl::FormatDuration(*latency) << std::endl;
    EXPECT_LT(*latency, absl::Seconds(1));
  }

  // 2. Redis crashes (SIGKILL) and comes back on the same port with its
  // append-only file. Revoke at B as soon as it is back (its command
  // connection may still be reconnecting); A and C resubscribe and resync.
  {
    SCOPED_TRACE("redis restart");
    redis->Kill();
    ASSERT_THAT(redis->Restart(), IsOk());
    const absl::Time redis_back = absl::Now();

    absl::StatusOr<v1::RevokeResponse> revoked;
    const absl::Time revoke_deadline = redis_back + absl::Seconds(5);
    for (;;) {
      revoked = RevokeToken(*b_admin, second.token());
      if (revoked.ok() ||
          revoked.status().code() != absl::StatusCode::kUnavailable ||
          absl::Now() >= revoke_deadline) {
        break;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_THAT(revoked.status(), IsOk())
        << "Revoke at B after the Redis restart\nB log:\n"
        << b->log();
    const absl::Time acknowledged = absl::Now();
    EXPECT_EQ(revoked->jti(), second.jti());
    std::cout << "[ latency  ] redis back -> Revoke OK at B: "
              << absl::FormatDuration(acknowledged - redis_back) << std::endl;

    std::string last;
    std::optional<absl::Duration> since_back = WaitUntilRevokedEverywhere(
        {ra, rb, rc}, second.token(), redis_back, absl::Seconds(6), &last);
    ASSERT_TRUE(since_back.has_value())
        << "the revocation made at B after the Redis restart did not reach "
           "every replica: "
        << last << "\nA log:\n"
        << a->log() << "\nC log:\n"
        << c->log();
    std::cout << "[ latency  ] redis back -> revocation at B REVOKED at A and "
                 "C: "
              << absl::FormatDuration(*since_back) << " (after B's OK: "
              << absl::FormatDuration(*since_back - (acknowledged - redis_back))
              << ")" << std::endl;
    // Reconnect backoff is capped at 2 s (jittered): allow for one full
    // step plus the resync.
    EXPECT_LT(*since_back, absl::Seconds(3));

    // Nothing lost: the first revocation still holds at every replica, and
    // the never-revoked token is still valid everywhere.
    for (const Replica& r : {ra, rb, rc}) {
      absl::StatusOr<v1::ValidateResponse> verdict =
          ValidateToken(*r.client, first.token());
      EXPECT_TRUE(HasRejectReason(verdict, v1::REASON_REVOKED))
          << r.name << ", first revocation: " << DescribeVerdict(verdict);
      verdict = ValidateToken(*r.client, kept.token());
      EXPECT_TRUE(verdict.ok() && verdict->valid())
          << r.name << ", unrevoked token: " << DescribeVerdict(verdict);
    }

    // And Redis itself kept both (append-only file): a replica started now,
    // with nothing in memory, loads them from Redis.
    ASSERT_OK_AND_ASSIGN(auto d, start_files_replica("d"));
    ASSERT_OK_AND_ASSIGN(auto d_client,
                         Client::Connect({.address = d->address()}));
    for (const v1::IssueResponse* issued : {&first, &second}) {
      absl::StatusOr<v1::ValidateResponse> verdict =
          ValidateToken(*d_client, issued->token());
      EXPECT_TRUE(HasRejectReason(verdict, v1::REASON_REVOKED))
          << "fresh replica D, " << issued->jti() << ": "
          << DescribeVerdict(verdict);
    }
    absl::StatusOr<v1::ValidateResponse> verdict =
        ValidateToken(*d_client, kept.token());
    EXPECT_TRUE(verdict.ok() && verdict->valid())
        << "fresh replica D, unrevoked token: " << DescribeVerdict(verdict);
    d_client.reset();
    EXPECT_THAT(d->Stop(), IsOk());
  }

  // 3. Redis gone for good (fail_closed, the default): Validate answers
  // UNAVAILABLE (retry) at every replica, never "valid" from a list that may
  // be missing revocations.
  {
    SCOPED_TRACE("redis killed, fail closed");
    redis->Kill();
    const absl::Time killed = absl::Now();
    // The subscription notices the closed connection at once; a keep-alive
    // PING (every second, 1 s to answer) bounds it otherwise.
    for (const Replica& r : {ra, rb, rc}) {
      absl::StatusOr<v1::ValidateResponse> verdict;
      const absl::Time deadline = absl::Now() + absl::Seconds(3);
      for (;;) {
        verdict = ValidateToken(*r.client, kept.token());
        if (!verdict.ok() || absl::Now() >= deadline) break;
        absl::SleepFor(kPollEvery);
      }
      EXPECT_EQ(verdict.status().code(), absl::StatusCode::kUnavailable)
          << r.name
          << " 3 s after Redis was killed: " << DescribeVerdict(verdict)
          << "\nlog:\n"
          << (r.client == a_client.get()   ? a->log()
              : r.client == b_client.get() ? b->log()
                                           : c->log());
      if (!verdict.ok()) {
        EXPECT_THAT(verdict.status().message(), HasSubstr("revocation"))
            << r.name;
      }
    }
    std::cout << "[ latency  ] redis killed -> UNAVAILABLE at A, B and C: "
              << absl::FormatDuration(absl::Now() - killed) << std::endl;
    // It stays so: neither the kept nor a revoked token is answered from
    // memory.
    for (const Replica& r : {ra, rb, rc}) {
      for (const v1::IssueResponse* issued : {&kept, &first}) {
        absl::StatusOr<v1::ValidateResponse> verdict =
            ValidateToken(*r.client, issued->token());
        EXPECT_EQ(verdict.status().code(), absl::StatusCode::kUnavailable)
            << r.name << ", " << issued->jti() << ": "
            << DescribeVerdict(verdict);
      }
    }
    // A revocation cannot be acknowledged without Redis either.
    absl::StatusOr<v1::RevokeResponse> revoked =
        RevokeToken(*c_admin, late.token());
    EXPECT_EQ(revoked.status().code(), absl::StatusCode::kUnavailable)
        << revoked.status();
  }

  a_client.reset();
  b_client.reset();
  c_client.reset();
  EXPECT_THAT(a->Stop(), IsOk()) << a->log();
  EXPECT_THAT(b->Stop(), IsOk()) << b->log();
  EXPECT_THAT(c->Stop(), IsOk()) << c->log();
  redis->Stop();
}

}  // namespace
}  // namespace jwtd::e2e
