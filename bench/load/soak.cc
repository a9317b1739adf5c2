// jwtd_soak: a long mixed-load run against one jwtd that checks, the whole
// time, that nothing goes wrong and nothing leaks (`make soak`, run by
// bench/load/run_soak.py, which starts and stops jwtd).
//
// --threads workers each loop: Issue a token (privileged listener), Validate
// it and a few random older ones, now and then Introspect, ValidateBatch or
// GetKeySet, and Revoke about one issued token in ten (then check that it is
// rejected as REASON_REVOKED and introspects inactive). The expected state
// of every tracked token (active or revoked) is kept here, so every verdict
// is checked. At the end every issued token (or a uniform sample of
// --final-sample of them) is checked again. Meanwhile jwtd's VmRSS and its
// open file descriptors are sampled every second (--jwtd-pid).
//
// Checks: no RPC failed, every verdict was the expected one, RSS flat after
// the warm-up (first vs last window average, --max-rss-growth), and the FD
// count at the end at most --fd-slack above the count after the warm-up.
// Prints a table (stdout; stderr with --json, which prints one JSON object
// on stdout). Exit 0 when every check passed, 1 when one failed, 2 when
// the run could not be made.

#include <dirent.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/load/flag_names.h"
#include "client/client.h"

ABSL_FLAG(std::string, target, "",
          "jwtd's main listener (Validate, Introspect, ValidateBatch, "
          "GetKeySet), e.g. unix:/path/jwtd.sock (required)");
ABSL_FLAG(std::string, admin_target, "",
          "jwtd's privileged listener (Issue, Revoke) (required)");
ABSL_FLAG(int, jwtd_pid, 0,
          "jwtd's pid: its VmRSS and open FDs are sampled every second from "
          "/proc (0: no sampling, no RSS/FD checks)");
ABSL_FLAG(absl::Duration, duration, absl::Minutes(10), "Length of the load");
ABSL_FLAG(int, threads, 4, "Worker threads");
ABSL_FLAG(bool, json, false,
          "Print one JSON object on stdout (the table goes to stderr)");
ABSL_FLAG(bool, check_rss, true,
          "Fail when RSS grew; false: report it only (short smoke runs)");
ABSL_FLAG(double, warmup_fraction, 0.1,
          "Share of the run before RSS and FD baselines are taken");
ABSL_FLAG(double, max_rss_growth, 0.05,
          "Allowed RSS growth, first to last window average after warm-up");
ABSL_FLAG(int, fd_slack, 4, "Allowed FD growth after warm-up");
ABSL_FLAG(int, rss_per_revocation, 256,
          "Bytes of RSS allowed per revocation acknowledged between the two "
          "windows: the store keeps each until its token expires (by design, "
          "not a leak), so only growth beyond that counts");
ABSL_FLAG(int, track, 50000, "Tokens tracked for the continuous checks");
ABSL_FLAG(int, final_sample, 20000,
          "Tokens checked at the end: all issued, or a uniform sample of "
          "this many");
ABSL_FLAG(double, revoke_fraction, 0.1,
          "Share of issued tokens revoked (0: none, e.g. to tell a leak from "
          "the revocations jwtd keeps until the tokens expire)");
ABSL_FLAG(absl::Duration, call_timeout, absl::Seconds(10),
          "Deadline of each call");

namespace jwtd::bench {
namespace {

using Clock = std::chrono::steady_clock;

enum class TokenState { kActive, kRevoking, kRevoked, kUnknown };

struct Tracked {
  std::string token;
  std::string jti;
  std::string subject;
  absl::Time expires_at;
  TokenState state = TokenState::kActive;  // Guarded by Tokens::mutex_.
};

// What a check of `tracked` expects, taken before the call: the state, and
// whether the token is checkable at all (not being revoked, not about to
// expire).
struct Expectation {
  std::shared_ptr<Tracked> token;
  bool revoked = false;
};

// The tokens issued so far: a ring of the latest --track (random picks for
// the continuous checks and revocations) and a reservoir sample over the
// whole run (the final check). Both hold the same Tracked objects, so a
// revocation is seen by both; memory stays bounded however long the run.
class Tokens {
 public:
  Tokens(size_t ring_capacity, size_t sample_capacity, uint64_t seed)
      : ring_capacity_(ring_capacity),
        sample_capacity_(sample_capacity),
        rng_(seed) {}

  void Add(std::shared_ptr<Tracked> token) {
    absl::MutexLock lock(&mutex_);
    ++issued_;
    if (sample_.size() < sample_capacity_) {
      sample_.push_back(token);
    } else {
      std::uniform_int_distribution<uint64_t> pick(0, issued_ - 1);
      const uint64_t slot = pick(rng_);
      if (slot < sample_capacity_) sample_[slot] = token;
    }
    if (ring_.size() < ring_capacity_) {
      ring_.push_back(std::move(token));
    } else {
      ring_[ring_next_] = std::move(token);
      ring_next_ = (ring_next_ + 1) % ring_capacity_;
    }
  }

  // A random checkable token of the ring, with the state to expect.
  std::optional<Expectation> PickForCheck() {
    absl::MutexLock lock(&mutex_);
    for (int attempt = 0; attempt < 8 && !ring_.empty(); ++attempt) {
      std::shared_ptr<Tracked>& token = RandomLocked();
      if (std::optional<Expectation> e = ExpectLocked(token)) return e;
    }
    return std::nullopt;
  }

  // Marks a random active token (or `preferred`, if active) as being
  // revoked: checks skip it until MarkRevoked/MarkUnknown.
  std::shared_ptr<Tracked> PickForRevoke(
      const std::shared_ptr<Tracked>& preferred) {
    absl::MutexLock lock(&mutex_);
    for (int attempt = 0; attempt < 8 && !ring_.empty(); ++attempt) {
      std::shared_ptr<Tracked> token =
          attempt == 0 && preferred != nullptr ? preferred : RandomLocked();
      if (token->state == TokenState::kActive && !ExpiringSoon(*token)) {
        token->state = TokenState::kRevoking;
        return token;
      }
    }
    return nullptr;
  }

  void SetState(Tracked& token, TokenState state) {
    absl::MutexLock lock(&mutex_);
    token.state = state;
    if (state == TokenState::kRevoked) ++revoked_;
  }

  // Whether the expectation taken before a call still holds after it (a
  // revocation that started meanwhile makes either verdict right).
  bool StillExpected(const Expectation& e) {
    absl::MutexLock lock(&mutex_);
    return e.token->state ==
           (e.revoked ? TokenState::kRevoked : TokenState::kActive);
  }

  std::optional<Expectation> Expect(const std::shared_ptr<Tracked>& token) {
    absl::MutexLock lock(&mutex_);
    return ExpectLocked(token);
  }

  std::vector<std::shared_ptr<Tracked>> Sample() {
    absl::MutexLock lock(&mutex_);
    return sample_;
  }
  uint64_t issued() {
    absl::MutexLock lock(&mutex_);
    return issued_;
  }
  uint64_t revoked() {
    absl::MutexLock lock(&mutex_);
    return revoked_;
  }

 private:
  // Tokens within leeway (60 s) plus margin of their expiry are not checked:
  // either verdict would be right. Never the case with the runner's 1 h TTL
  // unless the run is longer.
  static bool ExpiringSoon(const Tracked& token) {
    return token.expires_at - absl::Now() < absl::Seconds(90);
  }

  std::optional<Expectation> ExpectLocked(const std::shared_ptr<Tracked>& t)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    if (ExpiringSoon(*t)) return std::nullopt;
    if (t->state == TokenState::kActive) return Expectation{t, false};
    if (t->state == TokenState::kRevoked) return Expectation{t, true};
    return std::nullopt;
  }

  std::shared_ptr<Tracked>& RandomLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    std::uniform_int_distribution<size_t> pick(0, ring_.size() - 1);
    return ring_[pick(rng_)];
  }

  const size_t ring_capacity_;
  const size_t sample_capacity_;
  absl::Mutex mutex_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mutex_);
  std::vector<std::shared_ptr<Tracked>> ring_ ABSL_GUARDED_BY(mutex_);
  size_t ring_next_ ABSL_GUARDED_BY(mutex_) = 0;
  std::vector<std::shared_ptr<Tracked>> sample_ ABSL_GUARDED_BY(mutex_);
  uint64_t issued_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t revoked_ ABSL_GUARDED_BY(mutex_) = 0;
};

enum Op { kIssue, kValidate, kValidateBatch, kIntrospect, kRevoke, kKeySet };
constexpr int kOpCount = 6;
constexpr const char* kOpNames[kOpCount] = {
    "Issue", "Validate", "ValidateBatch", "Introspect", "Revoke", "GetKeySet"};

// Counters shared by the workers, and the first few problems verbatim.
class Stats {
 public:
  void Call(Op op) { calls_[op].fetch_add(1, std::memory_order_relaxed); }
  void Checked(int n = 1) { checked_.fetch_add(n, std::memory_order_relaxed); }
  void Inconclusive() { inconclusive_.fetch_add(1, std::memory_order_relaxed); }

  void Error(Op op, const absl::Status& status) {
    errors_[op].fetch_add(1, std::memory_order_relaxed);
    Note(absl::StrCat(kOpNames[op], ": ", status.ToString()));
  }
  void Wrong(Op op, const std::string& what) {
    wrong_[op].fetch_add(1, std::memory_order_relaxed);
    Note(absl::StrCat(kOpNames[op], ": wrong answer: ", what));
  }
  void Problem(const std::string& what) {
    other_.fetch_add(1, std::memory_order_relaxed);
    Note(what);
  }

  uint64_t calls(int op) const { return calls_[op].load(); }
  uint64_t errors(int op) const { return errors_[op].load(); }
  uint64_t wrong(int op) const { return wrong_[op].load(); }
  uint64_t checked() const { return checked_.load(); }
  uint64_t inconclusive() const { return inconclusive_.load(); }
  uint64_t TotalCalls() const { return Sum(calls_); }
  uint64_t TotalErrors() const { return Sum(errors_); }
  uint64_t TotalWrong() const { return Sum(wrong_); }
  uint64_t other() const { return other_.load(); }
  std::vector<std::string> notes() {
    absl::MutexLock lock(&mutex_);
    return notes_;
  }

 private:
  static uint64_t Sum(const std::atomic<uint64_t> (&counters)[kOpCount]) {
    uint64_t total = 0;
    for (const auto& c : counters) total += c.load();
    return total;
  }
  void Note(std::string what) {
    absl::MutexLock lock(&mutex_);
    if (notes_.size() < 10) notes_.push_back(std::move(what));
  }

  std::atomic<uint64_t> calls_[kOpCount] = {};
  std::atomic<uint64_t> errors_[kOpCount] = {};
  std::atomic<uint64_t> wrong_[kOpCount] = {};
  std::atomic<uint64_t> checked_{0};
  std::atomic<uint64_t> inconclusive_{0};
  std::atomic<uint64_t> other_{0};
  absl::Mutex mutex_;
  std::vector<std::string> notes_ ABSL_GUARDED_BY(mutex_);
};

// Checks a Validate verdict (or a batch result's) against the expectation.
// Returns what is wrong, or "" when right.
std::string JudgeVerdict(const v1::ValidateResponse& verdict,
                         const Tracked& token, bool revoked) {
  if (revoked) {
    if (verdict.valid() || verdict.reason() != v1::REASON_REVOKED) {
      return absl::StrCat("revoked jti ", token.jti,
                          ": valid=", verdict.valid(),
                          " reason=", v1::Reason_Name(verdict.reason()), " (",
                          verdict.detail(), ")");
    }
    return "";
  }
  if (!verdict.valid()) {
    return absl::StrCat("active jti ", token.jti, ": rejected ",
                        v1::Reason_Name(verdict.reason()), " (",
                        verdict.detail(), ")");
  }
  // A valid verdict must be about this very token (a cache mix-up would not
  // show in `valid` alone).
  const auto& fields = verdict.claims().fields();
  auto jti = fields.find("jti");
  if (jti == fields.end() || jti->second.string_value() != token.jti) {
    return absl::StrCat("active jti ", token.jti, ": verdict has jti '",
                        jti == fields.end() ? "" : jti->second.string_value(),
                        "'");
  }
  return "";
}

std::string JudgeIntrospection(const v1::IntrospectResponse& answer,
                               const Tracked& token, bool revoked) {
  if (revoked) {
    if (answer.active() || !answer.jti().empty()) {
      return absl::StrCat("revoked jti ", token.jti,
                          ": active=", answer.active(), " jti='", answer.jti(),
                          "'");
    }
    return "";
  }
  if (!answer.active() || answer.jti() != token.jti ||
      answer.sub() != token.subject) {
    return absl::StrCat("active jti ", token.jti, ": active=", answer.active(),
                        " jti='", answer.jti(), "' sub='", answer.sub(), "'");
  }
  return "";
}

struct Sample {
  double seconds;  // Since the load started.
  int64_t rss_kib;
  int64_t fds;
  int64_t revoked;  // Revocations acknowledged so far.
};

std::optional<int64_t> ReadRssKib(int pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::strtoll(line.c_str() + 6, nullptr, 10);
    }
  }
  return std::nullopt;
}

std::optional<int64_t> CountFds(int pid) {
  DIR* dir = opendir(absl::StrCat("/proc/", pid, "/fd").c_str());
  if (dir == nullptr) return std::nullopt;
  int64_t count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

class Soak {
 public:
  Soak(std::unique_ptr<Client> main, std::unique_ptr<Client> admin)
      : main_(std::move(main)),
        admin_(std::move(admin)),
        tokens_(absl::GetFlag(FLAGS_track), absl::GetFlag(FLAGS_final_sample),
                std::random_device{}()) {}

  int Run();

 private:
  std::shared_ptr<Tracked> Issue(std::mt19937_64& rng);
  void Validate(const Expectation& e);
  void Introspect(const Expectation& e);
  void Revoke(const std::shared_ptr<Tracked>& preferred);
  void ValidateBatch(int size);
  void KeySet();
  void Worker(uint64_t seed, Clock::time_point deadline);
  void FinalCheck(const std::vector<std::shared_ptr<Tracked>>& tokens);
  void Sampler(int pid, Clock::time_point start);
  double TrendBucket() const;
  std::vector<std::string> RssTrend(const std::vector<Sample>& samples);
  int Report();

  std::unique_ptr<Client> main_;
  std::unique_ptr<Client> admin_;
  Tokens tokens_;
  Stats stats_;
  std::atomic<uint64_t> final_checked_{0};
  uint64_t final_of_ = 0;
  double load_seconds_ = 0;
  double final_seconds_ = 0;

  absl::Mutex samples_mutex_;
  std::vector<Sample> samples_ ABSL_GUARDED_BY(samples_mutex_);
  bool sampling_done_ ABSL_GUARDED_BY(samples_mutex_) = false;
  bool jwtd_gone_ ABSL_GUARDED_BY(samples_mutex_) = false;
};

std::shared_ptr<Tracked> Soak::Issue(std::mt19937_64& rng) {
  v1::IssueRequest request;
  request.set_subject(absl::StrCat("soak-user-", rng() % 100000));
  request.set_scope("orders:read profile");
  stats_.Call(kIssue);
  absl::StatusOr<v1::IssueResponse> issued = admin_->Issue(request);
  if (!issued.ok()) {
    stats_.Error(kIssue, issued.status());
    return nullptr;
  }
  if (issued->token().empty() || issued->jti().empty()) {
    stats_.Wrong(kIssue, "empty token or jti");
    return nullptr;
  }
  auto token = std::make_shared<Tracked>();
  token->token = issued->token();
  token->jti = issued->jti();
  token->subject = request.subject();
  token->expires_at = absl::FromUnixSeconds(issued->expires_at().seconds());
  tokens_.Add(token);
  return token;
}

void Soak::Validate(const Expectation& e) {
  v1::ValidateRequest request;
  request.set_token(e.token->token);
  stats_.Call(kValidate);
  absl::StatusOr<v1::ValidateResponse> verdict = main_->Validate(request);
  if (!verdict.ok()) return stats_.Error(kValidate, verdict.status());
  if (!tokens_.StillExpected(e)) return stats_.Inconclusive();
  std::string wrong = JudgeVerdict(*verdict, *e.token, e.revoked);
  if (!wrong.empty()) return stats_.Wrong(kValidate, wrong);
  stats_.Checked();
}

void Soak::Introspect(const Expectation& e) {
  v1::IntrospectRequest request;
  request.set_token(e.token->token);
  stats_.Call(kIntrospect);
  absl::StatusOr<v1::IntrospectResponse> answer = main_->Introspect(request);
  if (!answer.ok()) return stats_.Error(kIntrospect, answer.status());
  if (!tokens_.StillExpected(e)) return stats_.Inconclusive();
  std::string wrong = JudgeIntrospection(*answer, *e.token, e.revoked);
  if (!wrong.empty()) return stats_.Wrong(kIntrospect, wrong);
  stats_.Checked();
}

void Soak::Revoke(const std::shared_ptr<Tracked>& preferred) {
  std::shared_ptr<Tracked> token = tokens_.PickForRevoke(preferred);
  if (token == nullptr) return;
  v1::RevokeRequest request;
  request.set_token(token->token);
  stats_.Call(kRevoke);
  absl::StatusOr<v1::RevokeResponse> revoked = admin_->Revoke(request);
  if (!revoked.ok()) {
    // Revoked or not: nobody knows, so the token is never checked again.
    tokens_.SetState(*token, TokenState::kUnknown);
    return stats_.Error(kRevoke, revoked.status());
  }
  if (revoked->jti() != token->jti) {
    tokens_.SetState(*token, TokenState::kUnknown);
    return stats_.Wrong(kRevoke, absl::StrCat("asked ", token->jti,
                                              ", revoked ", revoked->jti()));
  }
  tokens_.SetState(*token, TokenState::kRevoked);
  // Acknowledged means in effect: the very next calls must reject it.
  if (std::optional<Expectation> e = tokens_.Expect(token)) {
    Validate(*e);
    Introspect(*e);
  }
}

void Soak::ValidateBatch(int size) {
  v1::ValidateBatchRequest request;
  std::vector<Expectation> expected;
  for (int i = 0; i < size; ++i) {
    std::optional<Expectation> e = tokens_.PickForCheck();
    if (!e) continue;
    request.add_requests()->set_token(e->token->token);
    expected.push_back(*std::move(e));
  }
  if (expected.empty()) return;
  stats_.Call(kValidateBatch);
  absl::StatusOr<v1::ValidateBatchResponse> batch =
      main_->ValidateBatch(request);
  if (!batch.ok()) return stats_.Error(kValidateBatch, batch.status());
  if (batch->results_size() != static_cast<int>(expected.size())) {
    return stats_.Wrong(kValidateBatch,
                        absl::StrCat(batch->results_size(), " results for ",
                                     expected.size(), " requests"));
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    const v1::ValidateBatchResult& result = batch->results(i);
    if (result.has_error()) {
      stats_.Wrong(kValidateBatch,
                   absl::StrCat("item error ", result.error().code(), ": ",
                                result.error().message()));
      continue;
    }
    if (!tokens_.StillExpected(expected[i])) {
      stats_.Inconclusive();
      continue;
    }
    std::string wrong =
        JudgeVerdict(result.verdict(), *expected[i].token, expected[i].revoked);
    if (!wrong.empty()) {
      stats_.Wrong(kValidateBatch, wrong);
    } else {
      stats_.Checked();
    }
  }
}

void Soak::KeySet() {
  stats_.Call(kKeySet);
  absl::StatusOr<v1::GetKeySetResponse> keys = main_->GetKeySet();
  if (!keys.ok()) return stats_.Error(kKeySet, keys.status());
  if (keys->jwks().find("\"keys\"") == std::string::npos) {
    stats_.Wrong(kKeySet, "no \"keys\" in the JWKS");
  }
}

void Soak::Worker(uint64_t seed, Clock::time_point deadline) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> chance(0, 1);
  const double revoke_fraction = absl::GetFlag(FLAGS_revoke_fraction);
  for (uint64_t i = 0; Clock::now() < deadline; ++i) {
    std::shared_ptr<Tracked> fresh = Issue(rng);
    if (fresh != nullptr) {
      if (std::optional<Expectation> e = tokens_.Expect(fresh)) Validate(*e);
    }
    for (int k = 0; k < 3; ++k) {
      if (std::optional<Expectation> e = tokens_.PickForCheck()) Validate(*e);
    }
    if (i % 4 == 0) {
      if (std::optional<Expectation> e = tokens_.PickForCheck()) Introspect(*e);
    }
    // Half the revocations hit the token just issued (and so just cached
    // as valid), half an older one.
    if (chance(rng) < revoke_fraction) {
      Revoke(chance(rng) < 0.5 ? fresh : nullptr);
    }
    if (i % 16 == 7) ValidateBatch(50);
    if (i % 64 == 31) KeySet();
  }
}

// Every token of the final sample, in batches of 100 and one Introspect
// each, split over the worker threads.
void Soak::FinalCheck(const std::vector<std::shared_ptr<Tracked>>& tokens) {
  const int threads = std::max(1, absl::GetFlag(FLAGS_threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([this, &tokens, t, threads] {
      std::vector<Expectation> chunk;
      auto flush = [&] {
        if (chunk.empty()) return;
        v1::ValidateBatchRequest request;
        for (const Expectation& e : chunk) {
          request.add_requests()->set_token(e.token->token);
        }
        stats_.Call(kValidateBatch);
        absl::StatusOr<v1::ValidateBatchResponse> batch =
            main_->ValidateBatch(request);
        if (!batch.ok()) {
          stats_.Error(kValidateBatch, batch.status());
        } else if (batch->results_size() != static_cast<int>(chunk.size())) {
          stats_.Wrong(kValidateBatch, "final check: result count");
        } else {
          for (size_t i = 0; i < chunk.size(); ++i) {
            const v1::ValidateBatchResult& r = batch->results(i);
            std::string wrong =
                r.has_error() ? absl::StrCat("item error ", r.error().message())
                              : JudgeVerdict(r.verdict(), *chunk[i].token,
                                             chunk[i].revoked);
            if (!wrong.empty()) {
              stats_.Wrong(kValidateBatch, absl::StrCat("final: ", wrong));
            }
          }
        }
        for (const Expectation& e : chunk) {
          v1::IntrospectRequest introspect;
          introspect.set_token(e.token->token);
          stats_.Call(kIntrospect);
          absl::StatusOr<v1::IntrospectResponse> answer =
              main_->Introspect(introspect);
          if (!answer.ok()) {
            stats_.Error(kIntrospect, answer.status());
            continue;
          }
          std::string wrong = JudgeIntrospection(*answer, *e.token, e.revoked);
          if (!wrong.empty()) {
            stats_.Wrong(kIntrospect, absl::StrCat("final: ", wrong));
          }
        }
        final_checked_.fetch_add(chunk.size());
        chunk.clear();
      };
      for (size_t i = t; i < tokens.size(); i += threads) {
        // Unknown (a failed Revoke) and expiring tokens are left out.
        if (std::optional<Expectation> e = tokens_.Expect(tokens[i])) {
          chunk.push_back(*std::move(e));
        }
        if (chunk.size() == 100) flush();
      }
      flush();
    });
  }
  for (std::thread& worker : workers) worker.join();
}

void Soak::Sampler(int pid, Clock::time_point start) {
  while (true) {
    std::optional<int64_t> rss = ReadRssKib(pid);
    std::optional<int64_t> fds = CountFds(pid);
    const double seconds =
        std::chrono::duration<double>(Clock::now() - start).count();
    absl::MutexLock lock(&samples_mutex_);
    if (!rss || !fds) {
      jwtd_gone_ = true;
      return;
    }
    samples_.push_back(
        {seconds, *rss, *fds, static_cast<int64_t>(tokens_.revoked())});
    if (samples_mutex_.AwaitWithTimeout(absl::Condition(&sampling_done_),
                                        absl::Seconds(1))) {
      return;
    }
  }
}

int Soak::Run() {
  // Warm-up calls before the clock starts, so that connections, the
  // revocation database's files and first-use allocations exist before
  // the baselines are taken.
  {
    std::mt19937_64 rng(1);
    std::shared_ptr<Tracked> token = Issue(rng);
    if (token == nullptr) {
      std::cerr << "jwtd_soak: the first Issue failed: "
                << absl::StrJoin(stats_.notes(), "; ") << "\n";
      return 2;
    }
    if (std::optional<Expectation> e = tokens_.Expect(token)) Validate(*e);
    Revoke(token);
    ValidateBatch(1);
    KeySet();
  }

  const absl::Duration duration = absl::GetFlag(FLAGS_duration);
  const int pid = absl::GetFlag(FLAGS_jwtd_pid);
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline =
      start + absl::ToChronoNanoseconds(duration);
  std::thread sampler;
  if (pid > 0)
    sampler = std::thread([this, pid, start] { Sampler(pid, start); });

  std::vector<std::thread> workers;
  std::random_device seeds;
  for (int t = 0; t < std::max(1, absl::GetFlag(FLAGS_threads)); ++t) {
    const uint64_t seed = (uint64_t{seeds()} << 32) | seeds();
    workers.emplace_back([this, seed, deadline] { Worker(seed, deadline); });
  }
  for (std::thread& worker : workers) worker.join();
  load_seconds_ = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<std::shared_ptr<Tracked>> sample = tokens_.Sample();
  final_of_ = sample.size();
  const Clock::time_point final_start = Clock::now();
  FinalCheck(sample);
  final_seconds_ =
      std::chrono::duration<double>(Clock::now() - final_start).count();

  if (sampler.joinable()) {
    {
      absl::MutexLock lock(&samples_mutex_);
      sampling_done_ = true;
    }
    sampler.join();
  }
  return Report();
}

std::string Mib(int64_t kib) {
  return absl::StrFormat("%.1f MiB", kib / 1024.0);
}

double Average(const std::vector<Sample>& samples, double from, double to,
               int64_t Sample::*field = &Sample::rss_kib) {
  double sum = 0;
  int n = 0;
  for (const Sample& s : samples) {
    if (s.seconds >= from && s.seconds <= to) {
      sum += static_cast<double>(s.*field);
      ++n;
    }
  }
  return n > 0 ? sum / n : 0;
}

// Ten buckets over the run, to show where RSS grew (a leak keeps climbing;
// a cache or store filling up levels off).
double Soak::TrendBucket() const { return std::max(1.0, load_seconds_ / 10); }

std::vector<std::string> Soak::RssTrend(const std::vector<Sample>& samples) {
  const double bucket = TrendBucket();
  std::vector<std::string> trend;
  for (double from = 0; from < load_seconds_ + final_seconds_; from += bucket) {
    const double average = Average(samples, from, from + bucket - 1e-9);
    if (average > 0) trend.push_back(absl::StrFormat("%.1f", average / 1024));
  }
  return trend;
}

int Soak::Report() {
  std::vector<Sample> samples;
  bool jwtd_gone;
  {
    absl::MutexLock lock(&samples_mutex_);
    samples = samples_;
    jwtd_gone = jwtd_gone_;
  }
  const double warmup = load_seconds_ * absl::GetFlag(FLAGS_warmup_fraction);
  const bool sampled = absl::GetFlag(FLAGS_jwtd_pid) > 0;
  const bool check_rss = absl::GetFlag(FLAGS_check_rss);

  // RSS: the average of the first window after warm-up against that of the
  // last window (a minute each, shorter for runs under ~3.5 minutes);
  // averages, because a single sample moves with allocator timing.
  std::vector<Sample> after;
  for (const Sample& s : samples) {
    if (s.seconds >= warmup) after.push_back(s);
  }
  double window = 0, first_avg = 0, last_avg = 0, growth = 0;
  // RSS the revocations kept between the two windows may take (KiB).
  double kept_kib = 0;
  int64_t rss_peak = 0, fd_start = 0, fd_end = 0, fd_max = 0;
  for (const Sample& s : samples) {
    rss_peak = std::max(rss_peak, s.rss_kib);
    fd_max = std::max(fd_max, s.fds);
  }
  const bool enough = after.size() >= 3;
  if (enough) {
    const double span = after.back().seconds - after.front().seconds;
    window = std::min(60.0, span / 3);
    first_avg =
        Average(after, after.front().seconds, after.front().seconds + window);
    last_avg =
        Average(after, after.back().seconds - window, after.back().seconds);
    const double revoked_between =
        Average(after, after.back().seconds - window, after.back().seconds,
                &Sample::revoked) -
        Average(after, after.front().seconds, after.front().seconds + window,
                &Sample::revoked);
    kept_kib =
        revoked_between * absl::GetFlag(FLAGS_rss_per_revocation) / 1024.0;
    // Growth beyond what the kept revocations account for.
    growth = first_avg > 0 ? (last_avg - kept_kib - first_avg) / first_avg : 0;
    fd_start = after.front().fds;
    fd_end = after.back().fds;
  }

  const uint64_t errors = stats_.TotalErrors();
  const uint64_t wrong = stats_.TotalWrong() + stats_.other();
  const bool calls_ok = errors == 0 && wrong == 0 && stats_.TotalCalls() > 0;
  const bool rss_ok =
      !sampled ||
      (enough && !jwtd_gone && growth <= absl::GetFlag(FLAGS_max_rss_growth));
  const bool fd_ok =
      !sampled || (enough && !jwtd_gone &&
                   fd_end <= fd_start + absl::GetFlag(FLAGS_fd_slack));
  const bool passed = calls_ok && fd_ok && (rss_ok || !check_rss);

  auto verdict = [](bool ok) { return ok ? "ok" : "FAIL"; };
  std::vector<std::string> lines;
  lines.push_back(absl::StrFormat(
      "jwtd_soak: %.0f s of load with %d threads, then the final check "
      "(%.1f s)",
      load_seconds_, absl::GetFlag(FLAGS_threads), final_seconds_));
  lines.push_back(absl::StrFormat("  %-14s %12s %8s %8s", "op", "calls",
                                  "errors", "wrong"));
  for (int op = 0; op < kOpCount; ++op) {
    lines.push_back(absl::StrFormat("  %-14s %12d %8d %8d", kOpNames[op],
                                    stats_.calls(op), stats_.errors(op),
                                    stats_.wrong(op)));
  }
  lines.push_back(absl::StrFormat(
      "  %-14s %12d %8d %8d   %.0f calls/s", "total", stats_.TotalCalls(),
      errors, stats_.TotalWrong(),
      stats_.TotalCalls() / std::max(1e-9, load_seconds_ + final_seconds_)));
  lines.push_back(absl::StrFormat(
      "  tokens: %d issued, %d revoked; %d verdicts checked during the run "
      "(%d skipped: revoked meanwhile); final check of %d tokens (%s, %d "
      "of unknown state left out)   %s",
      tokens_.issued(), tokens_.revoked(), stats_.checked(),
      stats_.inconclusive(), final_checked_.load(),
      final_of_ == tokens_.issued() ? "every one issued"
                                    : "a uniform sample of all issued",
      final_of_ - final_checked_.load(), verdict(calls_ok)));
  if (sampled) {
    lines.push_back(absl::StrFormat(
        "  RSS: %s at start, %s after warm-up (%.0f s), %s at end, peak %s; "
        "window averages (%.0f s) %s -> %s, less %.1f MiB for the "
        "revocations kept meanwhile (%d B each) = %+.1f%% (limit %+.0f%%)   "
        "%s",
        Mib(samples.empty() ? 0 : samples.front().rss_kib),
        Mib(enough ? after.front().rss_kib : 0), warmup,
        Mib(samples.empty() ? 0 : samples.back().rss_kib), Mib(rss_peak),
        window, Mib(first_avg), Mib(last_avg), kept_kib / 1024.0,
        absl::GetFlag(FLAGS_rss_per_revocation), growth * 100,
        absl::GetFlag(FLAGS_max_rss_growth) * 100,
        check_rss ? verdict(rss_ok)
                  : (rss_ok ? "ok (not checked)" : "over (not checked)")));
    lines.push_back(absl::StrFormat(
        "  FDs: %d at start, %d after warm-up, %d at end, max %d (limit "
        "start + %d)   %s",
        samples.empty() ? 0 : samples.front().fds, fd_start, fd_end, fd_max,
        absl::GetFlag(FLAGS_fd_slack), verdict(fd_ok)));
    if (jwtd_gone) lines.push_back("  jwtd's /proc entry vanished: it exited");
    lines.push_back(
        absl::StrCat("  RSS trend (MiB, averages of ",
                     absl::StrFormat("%.0f", TrendBucket()),
                     " s): ", absl::StrJoin(RssTrend(samples), " ")));
  }
  for (const std::string& note : stats_.notes()) {
    lines.push_back(absl::StrCat("  problem: ", note));
  }
  lines.push_back(absl::StrCat("  verdict: ", passed ? "PASS" : "FAIL"));
  std::ostream& table = absl::GetFlag(FLAGS_json) ? std::cerr : std::cout;
  table << absl::StrJoin(lines, "\n") << "\n";

  if (absl::GetFlag(FLAGS_json)) {
    std::vector<std::string> ops;
    for (int op = 0; op < kOpCount; ++op) {
      ops.push_back(absl::StrFormat(
          "\"%s\":{\"calls\":%d,\"errors\":%d,\"wrong\":%d}", kOpNames[op],
          stats_.calls(op), stats_.errors(op), stats_.wrong(op)));
    }
    std::vector<std::string> notes;
    for (const std::string& note : stats_.notes()) {
      std::string quoted;
      for (char c : note) {
        if (c == '"' || c == '\\') quoted.push_back('\\');
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
        quoted.push_back(c);
      }
      notes.push_back(absl::StrCat("\"", quoted, "\""));
    }
    std::cout << absl::StrFormat(
        "{\"passed\":%s,\"load_seconds\":%.1f,\"final_seconds\":%.1f,"
        "\"threads\":%d,\"ops\":{%s},\"calls\":%d,\"errors\":%d,\"wrong\":%d,"
        "\"tokens\":{\"issued\":%d,\"revoked\":%d,\"checked_during\":%d,"
        "\"skipped_racing_revoke\":%d,\"final_checked\":%d,\"final_of\":%d},"
        "\"rss\":{\"sampled\":%s,\"checked\":%s,\"ok\":%s,\"start_kib\":%d,"
        "\"after_warmup_kib\":%d,\"end_kib\":%d,\"peak_kib\":%d,"
        "\"warmup_seconds\":%.1f,\"window_seconds\":%.1f,"
        "\"first_window_avg_kib\":%.0f,\"last_window_avg_kib\":%.0f,"
        "\"growth\":%.4f,\"max_growth\":%.4f},"
        "\"fds\":{\"ok\":%s,\"start\":%d,\"after_warmup\":%d,\"end\":%d,"
        "\"max\":%d,\"slack\":%d},\"rss_trend_mib\":[%s],"
        "\"jwtd_exited\":%s,\"problems\":[%s]}\n",
        passed ? "true" : "false", load_seconds_, final_seconds_,
        absl::GetFlag(FLAGS_threads), absl::StrJoin(ops, ","),
        stats_.TotalCalls(), errors, wrong, tokens_.issued(), tokens_.revoked(),
        stats_.checked(), stats_.inconclusive(), final_checked_.load(),
        final_of_, sampled ? "true" : "false", check_rss ? "true" : "false",
        rss_ok ? "true" : "false",
        samples.empty() ? 0 : samples.front().rss_kib,
        enough ? after.front().rss_kib : 0,
        samples.empty() ? 0 : samples.back().rss_kib, rss_peak, warmup, window,
        first_avg, last_avg, growth, absl::GetFlag(FLAGS_max_rss_growth),
        fd_ok ? "true" : "false", samples.empty() ? 0 : samples.front().fds,
        fd_start, fd_end, fd_max, absl::GetFlag(FLAGS_fd_slack),
        absl::StrJoin(RssTrend(samples), ","), jwtd_gone ? "true" : "false",
        absl::StrJoin(notes, ","));
  }
  return passed ? 0 : 1;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "jwtd_soak --target=unix:/.../jwtd.sock --admin-target=unix:/.../"
      "admin.sock --jwtd-pid=PID [--duration=10m] [--threads=4] [--json]");
  NormalizeFlagNames(argc, argv);
  absl::ParseCommandLine(argc, argv);
  const std::string target = absl::GetFlag(FLAGS_target);
  const std::string admin_target = absl::GetFlag(FLAGS_admin_target);
  if (target.empty() || admin_target.empty()) {
    std::cerr << "jwtd_soak: --target and --admin-target are required\n";
    return 2;
  }
  if (absl::GetFlag(FLAGS_duration) <= absl::ZeroDuration() ||
      absl::GetFlag(FLAGS_track) < 1 || absl::GetFlag(FLAGS_final_sample) < 1) {
    std::cerr << "jwtd_soak: --duration, --track and --final-sample must be "
                 "positive\n";
    return 2;
  }
  ClientOptions options;
  options.timeout = absl::GetFlag(FLAGS_call_timeout);
  options.address = target;
  absl::StatusOr<std::unique_ptr<Client>> main = Client::Connect(options);
  options.address = admin_target;
  absl::StatusOr<std::unique_ptr<Client>> admin = Client::Connect(options);
  for (const auto* client : {&main, &admin}) {
    if (!client->ok()) {
      std::cerr << "jwtd_soak: " << client->status() << "\n";
      return 2;
    }
    absl::Status ready = (**client)->WaitForReady(absl::Seconds(10));
    if (!ready.ok()) {
      std::cerr << "jwtd_soak: cannot connect: " << ready << "\n";
      return 2;
    }
  }
  Soak soak(*std::move(main), *std::move(admin));
  return soak.Run();
}

}  // namespace
}  // namespace jwtd::bench

int main(int argc, char** argv) { return jwtd::bench::Main(argc, argv); }
