// Wall-clock jumps in the real jwtd (issue 8): jwtd runs under libfaketime
// (LD_PRELOAD), whose offset the test rewrites while jwtd runs, as an NTP
// step would move CLOCK_REALTIME; CLOCK_MONOTONIC is left alone
// (FAKETIME_DONT_FAKE_MONOTONIC=1), as it is by a real step.
//
// - A forward jump past a token's exp rejects it as expired, even when the
//   validation cache holds it.
// - A backward jump: within the leeway tokens issued before still validate;
//   beyond it they are NOT_YET_VALID (iat later than now + leeway, the
//   documented rule), cached or not; Issue keeps working; when the clock is
//   right again the earlier tokens validate again.
// - A large forward jump with a short rotation_period: the key schedule
//   catches up with one new key (not one per missed period), keeps
//   signing, publishes later keys ahead of use again, and tokens from
//   before the jump stay valid until their exp.
//
// Skipped when Debian's libfaketime is not installed.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/client.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "jwtd/v1/token_service.pb.h"
#include "tests/e2e/http_get.h"
#include "tests/e2e/jwtd_process.h"
#include "tests/e2e/temp_dir.h"
#include "tests/e2e/verdicts.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/status_matchers.h"

namespace jwtd::e2e {
namespace {

using ::jwtd::testing::FindSample;
using ::jwtd::testing::IsOk;

constexpr char kFakeTimeLibrary[] =
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
constexpr char kIssuer[] = "https://jwtd.clock.test";
constexpr char kAudience[] = "clock";
// How far jwtd's idea of "now" may be from the expected one (the test's
// clock plus the offset) when the jump is checked: calls take time.
constexpr absl::Duration kClockTolerance = absl::Seconds(20);

// The libfaketime timestamp file of one jwtd: a relative offset ("+3600",
// "-60", in seconds) that jwtd re-reads on every clock call
// (FAKETIME_NO_CACHE=1).
class FakeTimeFile {
 public:
  static absl::StatusOr<FakeTimeFile> Create(const TempDir& dir) {
    FakeTimeFile file(dir.Join("faketime.rc"));
    if (absl::Status set = file.Set(absl::ZeroDuration()); !set.ok()) {
      return set;
    }
    return file;
  }

  // Moves jwtd's wall clock to the real time plus `offset` (whole seconds).
  // Written aside and renamed, so jwtd never reads half a line.
  absl::Status Set(absl::Duration offset) {
    const int64_t seconds = absl::ToInt64Seconds(offset);
    const std::string staged = path_ + ".new";
    if (absl::Status written = WriteFile(
            staged, absl::StrCat(seconds < 0 ? "-" : "+",
                                 seconds < 0 ? -seconds : seconds, "\n"));
        !written.ok()) {
      return written;
    }
    if (std::rename(staged.c_str(), path_.c_str()) != 0) {
      return absl::InternalError(absl::StrCat("cannot rename to ", path_));
    }
    offset_ = absl::Seconds(seconds);
    return absl::OkStatus();
  }

  absl::Duration offset() const { return offset_; }

  // jwtd's environment: libfaketime preloaded, reading this file.
  std::vector<std::string> Env() const {
    std::vector<std::string> env = {
        absl::StrCat("LD_PRELOAD=", kFakeTimeLibrary),
        absl::StrCat("FAKETIME_TIMESTAMP_FILE=", path_), "FAKETIME_NO_CACHE=1",
        "FAKETIME_DONT_FAKE_MONOTONIC=1"};
    // Under `make test-asan` jwtd links ASan's runtime dynamically, which
    // refuses to start when a preloaded library comes before it.
    // libfaketime only wraps clock functions, none of which ASan
    // intercepts, so the order does not matter here.
    if (const char* asan = std::getenv("ASAN_OPTIONS"); asan != nullptr) {
      env.push_back(
          absl::StrCat("ASAN_OPTIONS=", asan, ":verify_asan_link_order=0"));
    }
    return env;
  }

 private:
  explicit FakeTimeFile(std::string path) : path_(std::move(path)) {}

  std::string path_;
  absl::Duration offset_ = absl::ZeroDuration();
};

absl::StatusOr<v1::IssueResponse> Issue(Client& admin, absl::Duration ttl) {
  v1::IssueRequest request;
  request.set_subject("alice");
  request.mutable_ttl()->set_seconds(absl::ToInt64Seconds(ttl));
  return admin.Issue(request);
}

absl::Time IssuedAt(const v1::IssueResponse& issued) {
  return absl::FromUnixSeconds(issued.issued_at().seconds());
}

// Issues tokens until their iat shows jwtd's clock at the real time plus
// `clock.offset()` (bounded: 5 s). Returns how long that took after the
// file was written, so the test knows the jump is visible inside jwtd.
absl::StatusOr<absl::Duration> WaitForJwtdClock(Client& admin,
                                                const FakeTimeFile& clock,
                                                absl::Time written) {
  absl::Duration off;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(5);;) {
    absl::StatusOr<v1::IssueResponse> issued = Issue(admin, absl::Minutes(1));
    if (!issued.ok()) return issued.status();
    off = IssuedAt(*issued) - (absl::Now() + clock.offset());
    if (absl::AbsDuration(off) < kClockTolerance) return absl::Now() - written;
    if (absl::Now() >= deadline) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("jwtd's clock is ", absl::FormatDuration(off),
                   " off the offset ", absl::FormatDuration(clock.offset()),
                   " 5 s after it was set: libfaketime has no effect on jwtd"));
}

// The kids of GetKeySet's JWKS.
absl::StatusOr<std::set<std::string>> PublishedKids(Client& client) {
  absl::StatusOr<v1::GetKeySetResponse> key_set = client.GetKeySet();
  if (!key_set.ok()) return key_set.status();
  google::protobuf::Struct jwks;
  if (!google::protobuf::util::JsonStringToMessage(key_set->jwks(), &jwks)
           .ok()) {
    return absl::InternalError(absl::StrCat("not JSON: ", key_set->jwks()));
  }
  std::set<std::string> kids;
  for (const google::protobuf::Value& key :
       jwks.fields().at("keys").list_value().values()) {
    kids.insert(key.struct_value().fields().at("kid").string_value());
  }
  return kids;
}

class ClockJumpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kFakeTimeLibrary, R_OK) != 0) {
      GTEST_SKIP() << kFakeTimeLibrary
                   << " not found (apt-get install libfaketime)";
    }
    ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create("jwtd-e2e-clock"));
    dir_.emplace(std::move(dir));
    ASSERT_OK_AND_ASSIGN(FakeTimeFile clock, FakeTimeFile::Create(*dir_));
    clock_.emplace(std::move(clock));
  }

  // Starts jwtd under libfaketime and checks that it follows the file.
  void StartJwtd(JwtdOptions options) {
    options.env = clock_->Env();
    ASSERT_OK_AND_ASSIGN(jwtd_, JwtdProcess::Start(std::move(options)));
    ASSERT_OK_AND_ASSIGN(client_,
                         Client::Connect({.address = jwtd_->address()}));
    ASSERT_OK_AND_ASSIGN(
        admin_, Client::Connect({.address = jwtd_->privileged_address()}));
    ASSERT_THAT(WaitForJwtdClock(*admin_, *clock_, absl::Now()), IsOk());
  }

  // Moves jwtd's clock and waits until jwtd sees it.
  void Jump(absl::Duration offset) {
    ASSERT_THAT(clock_->Set(offset), IsOk());
    const absl::Time written = absl::Now();
    ASSERT_OK_AND_ASSIGN(absl::Duration lag,
                         WaitForJwtdClock(*admin_, *clock_, written));
    std::cout << "[ figure   ] clock offset " << absl::FormatDuration(offset)
              << " visible in jwtd's iat after " << absl::FormatDuration(lag)
              << std::endl;
  }

  void TearDown() override {
    client_.reset();
    admin_.reset();
    // No crash through the jumps: a clean exit on SIGTERM.
    if (jwtd_ != nullptr) {
      EXPECT_THAT(jwtd_->Stop(), IsOk());
    }
  }

  std::optional<TempDir> dir_;
  std::optional<FakeTimeFile> clock_;
  std::unique_ptr<JwtdProcess> jwtd_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<Client> admin_;
};

TEST_F(ClockJumpTest, ForwardJumpPastExpRejectsEvenACachedToken) {
  ASSERT_NO_FATAL_FAILURE(
      StartJwtd({.flags = {absl::StrCat("--issuer=", kIssuer),
                           absl::StrCat("--audience=", kAudience),
                           "--leeway=30s", "--http-listen=127.0.0.1:0"}}));
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse issued,
                       Issue(*admin_, absl::Seconds(60)));
  // Validated twice: the second answer comes from the validation cache.
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<v1::ValidateResponse> verdict =
        ValidateToken(*client_, issued.token());
    ASSERT_TRUE(IsValidVerdict(verdict)) << DescribeVerdict(verdict);
  }
  ASSERT_OK_AND_ASSIGN(
      HttpReply metrics,
      HttpGet(absl::StrCat("http://", jwtd_->http_address(), "/metrics")));
  const std::optional<double> hits = FindSample(
      metrics.body, "jwtd_validation_cache_lookups_total", {{"result", "hit"}});
  ASSERT_TRUE(hits.has_value()) << metrics.body;
  EXPECT_GE(*hits, 1);

  // exp (60 s) + leeway (30 s) is behind jwtd's clock after +5 min.
  ASSERT_NO_FATAL_FAILURE(Jump(absl::Minutes(5)));
  absl::StatusOr<v1::ValidateResponse> verdict =
      ValidateToken(*client_, issued.token());
  EXPECT_TRUE(HasRejectReason(verdict, v1::REASON_EXPIRED))
      << DescribeVerdict(verdict);

  // Rejections are not cached: with the clock right again it is valid.
  ASSERT_NO_FATAL_FAILURE(Jump(absl::ZeroDuration()));
  verdict = ValidateToken(*client_, issued.token());
  EXPECT_TRUE(IsValidVerdict(verdict)) << DescribeVerdict(verdict);
}

TEST_F(ClockJumpTest, BackwardJumpFollowsTheIatRuleAndIssueKeepsWorking) {
  ASSERT_NO_FATAL_FAILURE(
      StartJwtd({.flags = {absl::StrCat("--issuer=", kIssuer),
                           absl::StrCat("--audience=", kAudience),
                           "--leeway=60s", "--default-ttl=15m"}}));
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse before,
                       Issue(*admin_, absl::Minutes(15)));
  absl::StatusOr<v1::ValidateResponse> verdict =
      ValidateToken(*client_, before.token());
  ASSERT_TRUE(IsValidVerdict(verdict))
      << DescribeVerdict(verdict);  // Now cached.

  // 30 s back: the token's iat is 30 s ahead, within the 60 s leeway.
  ASSERT_NO_FATAL_FAILURE(Jump(absl::Seconds(-30)));
  verdict = ValidateToken(*client_, before.token());
  EXPECT_TRUE(IsValidVerdict(verdict))
      << "within the leeway: " << DescribeVerdict(verdict);

  // An hour back: the iat is an hour ahead, beyond the leeway. The cached
  // verification is checked again and the token is not yet valid.
  ASSERT_NO_FATAL_FAILURE(Jump(absl::Hours(-1)));
  verdict = ValidateToken(*client_, before.token());
  EXPECT_TRUE(HasRejectReason(verdict, v1::REASON_NOT_YET_VALID))
      << DescribeVerdict(verdict);
  // Issue keeps working, on the set-back clock, and its token validates.
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse during,
                       Issue(*admin_, absl::Minutes(15)));
  EXPECT_LT(
      absl::AbsDuration(IssuedAt(during) - (absl::Now() - absl::Hours(1))),
      kClockTolerance);
  verdict = ValidateToken(*client_, during.token());
  EXPECT_TRUE(IsValidVerdict(verdict)) << DescribeVerdict(verdict);

  // The clock is right again: the earlier token validates again; the one
  // issued on the set-back clock has the 15 minutes it was given counted
  // from there, so it has expired.
  ASSERT_NO_FATAL_FAILURE(Jump(absl::ZeroDuration()));
  verdict = ValidateToken(*client_, before.token());
  EXPECT_TRUE(IsValidVerdict(verdict)) << DescribeVerdict(verdict);
  verdict = ValidateToken(*client_, during.token());
  EXPECT_TRUE(HasRejectReason(verdict, v1::REASON_EXPIRED))
      << DescribeVerdict(verdict);
}

TEST_F(ClockJumpTest, LargeForwardJumpRotatesOnceAndKeepsOldTokensValid) {
  constexpr absl::Duration kRotationPeriod = absl::Seconds(4);
  constexpr absl::Duration kPublishAhead = absl::Seconds(2);
  constexpr absl::Duration kJump = absl::Hours(1);  // 900 periods.
  const std::string data_dir = dir_->Join("data");
  const std::string config = dir_->Join("jwtd.yaml");
  ASSERT_THAT(WriteFile(config, absl::StrCat(
                                    "data_dir: ", data_dir,
                                    "\n"
                                    "default_ttl: 2h\n"
                                    "max_ttl: 3h\n"
                                    "issuers:\n"
                                    "  - issuer: ",
                                    kIssuer,
                                    "\n"
                                    "    audiences: [",
                                    kAudience,
                                    "]\n"
                                    "    leeway: 60s\n"
                                    "    keys:\n"
                                    "      local:\n"
                                    "        alg: ES256\n"
                                    "        rotation_period: ",
                                    absl::FormatDuration(kRotationPeriod),
                                    "\n"
                                    "        publish_ahead: ",
                                    absl::FormatDuration(kPublishAhead), "\n")),
              IsOk());
  ASSERT_NO_FATAL_FAILURE(
      StartJwtd({.data_dir = data_dir, .config_file = config}));
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse old_token,
                       Issue(*admin_, absl::Hours(2)));

  // Issues and reads the JWKS every 200 ms for `how_long`. Every kid that
  // Issue uses for the first time must have been published by an earlier
  // GetKeySet; returns the kids that were not.
  std::set<std::string> published;
  std::set<std::string> used;
  ASSERT_OK_AND_ASSIGN(published, PublishedKids(*client_));
  used.insert(old_token.kid());
  auto observe =
      [&](absl::Duration how_long) -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> unpublished;
    for (const absl::Time end = absl::Now() + how_long; absl::Now() < end;
         absl::SleepFor(absl::Milliseconds(200))) {
      absl::StatusOr<v1::IssueResponse> issued =
          Issue(*admin_, absl::Minutes(1));
      if (!issued.ok()) return issued.status();
      if (used.insert(issued->kid()).second &&
          !published.contains(issued->kid())) {
        unpublished.push_back(issued->kid());
      }
      absl::StatusOr<std::set<std::string>> kids = PublishedKids(*client_);
      if (!kids.ok()) return kids.status();
      published.insert(kids->begin(), kids->end());
    }
    return unpublished;
  };

  // The normal schedule: keys rotate and are published before they sign.
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> unpublished,
                       observe(kRotationPeriod + absl::Seconds(2)));
  EXPECT_THAT(unpublished, ::testing::IsEmpty());
  EXPECT_GE(used.size(), 2)
      << "no rotation in "
      << absl::FormatDuration(kRotationPeriod + absl::Seconds(2));
  const std::set<std::string> used_before_jump = used;
  ASSERT_OK_AND_ASSIGN(const std::set<std::string> published_before_jump,
                       PublishedKids(*client_));

  // An hour forward: 900 rotation periods missed.
  ASSERT_NO_FATAL_FAILURE(Jump(kJump));
  const absl::Time jumped = absl::Now();
  // The ring's thread wakes within a rotation period and signs with a
  // fresh key.
  std::string catch_up_kid;
  for (const absl::Time deadline = jumped + absl::Seconds(10);
       absl::Now() < deadline; absl::SleepFor(absl::Milliseconds(100))) {
    ASSERT_OK_AND_ASSIGN(v1::IssueResponse issued,
                         Issue(*admin_, absl::Minutes(1)));
    if (!used_before_jump.contains(issued.kid()) &&
        !published_before_jump.contains(issued.kid())) {
      catch_up_kid = issued.kid();
      break;
    }
  }
  ASSERT_FALSE(catch_up_kid.empty())
      << "still signing with a key from before the jump 10 s later\n"
      << jwtd_->log();
  std::cout << "[ figure   ] after the +1h jump a new key signed within "
            << absl::FormatDuration(absl::Now() - jumped) << std::endl;

  // Then the normal schedule again: at most that one key (the design:
  // activated at once, published late) signed without being published
  // first.
  ASSERT_OK_AND_ASSIGN(unpublished,
                       observe(2 * kRotationPeriod + absl::Seconds(1)));
  EXPECT_LE(unpublished.size(), 1) << ::testing::PrintToString(unpublished);
  if (!unpublished.empty()) {
    EXPECT_EQ(unpublished.front(), catch_up_kid);
  }
  // No burst: a handful of keys, not one per missed period.
  ASSERT_OK_AND_ASSIGN(const std::set<std::string> after_jump,
                       PublishedKids(*client_));
  size_t key_files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(data_dir + "/keys")) {
    if (entry.path().extension() == ".pem") ++key_files;
  }
  std::cout << "[ figure   ] keys published before / after the jump: "
            << published_before_jump.size() << " / " << after_jump.size()
            << "; key files now " << key_files << "; kids used " << used.size()
            << ", signing before published: "
            << (unpublished.empty() ? "none" : unpublished.front())
            << " (catch-up key " << catch_up_kid << ")" << std::endl;
  EXPECT_LE(after_jump.size(), published_before_jump.size() + 4);
  EXPECT_LE(key_files, after_jump.size() + 1);

  // Tokens from before the jump: their key is kept, they validate until
  // their exp (2 h after issue), and then they are expired.
  EXPECT_TRUE(after_jump.contains(old_token.kid()));
  absl::StatusOr<v1::ValidateResponse> verdict =
      ValidateToken(*client_, old_token.token());
  EXPECT_TRUE(IsValidVerdict(verdict)) << DescribeVerdict(verdict);
  ASSERT_NO_FATAL_FAILURE(Jump(absl::Hours(2) + absl::Minutes(5)));
  verdict = ValidateToken(*client_, old_token.token());
  EXPECT_TRUE(HasRejectReason(verdict, v1::REASON_EXPIRED))
      << DescribeVerdict(verdict);
  // And jwtd still signs.
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse fresh,
                       Issue(*admin_, absl::Minutes(1)));
  verdict = ValidateToken(*client_, fresh.token());
  EXPECT_TRUE(IsValidVerdict(verdict)) << DescribeVerdict(verdict);
}

}  // namespace
}  // namespace jwtd::e2e
