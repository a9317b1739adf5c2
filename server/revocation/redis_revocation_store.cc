#include "server/revocation/redis_revocation_store.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <initializer_list>
#include <mutex>
#include <random>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/revocation/revocation_input.h"
#include "server/util/log.h"

namespace jwtd::revocation {
namespace {

using OnUnavailable = RedisRevocationStoreOptions::OnUnavailable;

// Keeps the later of the stored and the new `until` (so that racing
// revocations of one jti never shorten it), then publishes the result, all
// in one atomic step. KEYS[1] = key; ARGV = until_unix, ttl_seconds,
// channel, jti. Returns the `until` now stored.
constexpr char kRevokeScript[] = R"lua(
local until_unix = ARGV[1]
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) and
    tonumber(current) >= tonumber(until_unix) then
  until_unix = current
else
  redis.call('SET', KEYS[1], until_unix, 'EX', ARGV[2])
end
redis.call('PUBLISH', ARGV[3], ARGV[4] .. ' ' .. until_unix)
return until_unix
)lua";

// An idle subscription is probed this often; see command_timeout.
constexpr absl::Duration kPingInterval = absl::Seconds(1);
// The longest the subscriber thread blocks without checking for shutdown.
constexpr absl::Duration kPollSlice = absl::Milliseconds(50);
// Expired entries are dropped from memory at least this often.
constexpr absl::Duration kPurgeInterval = absl::Minutes(1);
constexpr absl::Duration kMinBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(2);
constexpr int kScanCount = 1000;

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

absl::string_view ReplyText(const redisReply* r) {
  return absl::string_view(r->str, r->len);
}

bool IsString(const redisReply* r) {
  return r != nullptr && r->type == REDIS_REPLY_STRING;
}

// Revocations are kept at most until 9999-12-31T23:59:59Z: far enough for
// any token, and small enough for Redis TTLs and Lua's doubles.
constexpr int64_t kMaxUntilUnix = 253402300799;

// Rounded up: a revocation never ends early (before kMaxUntilUnix).
int64_t StoredUntilUnix(absl::Time until) {
  const int64_t floor = absl::ToUnixSeconds(until);
  if (floor >= kMaxUntilUnix) return kMaxUntilUnix;
  return absl::FromUnixSeconds(floor) < until ? floor + 1 : floor;
}

// `text` as a literal SCAN MATCH pattern.
std::string EscapeGlob(absl::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

// Runs one command (binary-safe arguments). UNAVAILABLE for a transport
// failure (the context is unusable afterwards: c->err is set) or an error
// reply from Redis.
absl::StatusOr<Reply> Command(redisContext* c,
                              std::initializer_list<absl::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> argvlen;
  for (absl::string_view arg : args) {
    argv.push_back(arg.data());
    argvlen.push_back(arg.size());
  }
  Reply reply(static_cast<redisReply*>(redisCommandArgv(
      c, static_cast<int>(argv.size()), argv.data(), argvlen.data())));
  if (reply == nullptr) {
    return absl::UnavailableError(absl::StrCat("redis: ", c->errstr));
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    return absl::UnavailableError(
        absl::StrCat("redis replied: ", ReplyText(reply.get())));
  }
  return reply;
}

// hiredis 0.14 writes with write(2), so writing to a connection that Redis
// has reset raises SIGPIPE, which would kill the process. While this is in
// scope, SIGPIPE is blocked on the calling thread and one it raised is
// consumed (libpq does the same): write then fails with EPIPE instead.
class ScopedSigpipeBlock {
 public:
  ScopedSigpipeBlock() {
    sigemptyset(&sigpipe_);
    sigaddset(&sigpipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &sigpipe_, &old_mask_);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  }
  ~ScopedSigpipeBlock() {
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec no_wait = {0, 0};
      sigtimedwait(&sigpipe_, nullptr, &no_wait);
    }
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
  ScopedSigpipeBlock(const ScopedSigpipeBlock&) = delete;
  ScopedSigpipeBlock& operator=(const ScopedSigpipeBlock&) = delete;

 private:
  sigset_t sigpipe_;
  sigset_t old_mask_;
  bool was_pending_ = false;
};

// An idle connection has nothing to read: anything readable is the peer's
// EOF or reset (Redis restarted), so the connection must not be reused.
bool LooksAlive(const redisContext* c) {
  if (c->err != 0) return false;
  pollfd pfd{.fd = c->fd, .events = POLLIN, .revents = 0};
  return ::poll(&pfd, 1, 0) == 0;
}

}  // namespace

class RedisRevocationStore::State {
 public:
  State(Options options, const Clock* clock)
      : options_(std::move(options)),
        clock_(clock),
        address_(absl::StrCat(options_.host, ":", options_.port)) {}

  ~State() {
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      stopping_ = true;
    }
    stop_requested_.store(true, std::memory_order_release);
    stop_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  // Connects both sides and loads the list, on the caller's thread.
  absl::Status OpenConnections() {
    ScopedSigpipeBlock no_sigpipe;
    {
      std::lock_guard<std::mutex> lock(cmd_mu_);
      absl::StatusOr<Context> cmd = Connect();
      if (!cmd.ok()) return cmd.status();
      cmd_ = *std::move(cmd);
    }
    absl::Status status = SubscribeAndCatchUp();
    RecordCommand(status);
    if (!status.ok()) return status;
    subscribed_.store(true, std::memory_order_release);
    return absl::OkStatus();
  }

  void StartThread() {
    thread_ = std::thread([this] { Run(); });
  }

  absl::Status Revoke(absl::string_view jti, absl::Time until) {
    const absl::Time now = clock_->Now();
    if (absl::Status input = CheckRevocationInput(jti, until, now);
        !input.ok()) {
      return input;
    }
    const int64_t until_unix = StoredUntilUnix(until);
    const int64_t ttl = std::max<int64_t>(
        1, absl::ToInt64Seconds(absl::Ceil(
               absl::FromUnixSeconds(until_unix) - now, absl::Seconds(1))));
    const std::string key = absl::StrCat(options_.key_prefix, jti);
    const std::string until_text = absl::StrCat(until_unix);
    const std::string ttl_text = absl::StrCat(ttl);

    absl::StatusOr<Reply> reply;
    {
      ScopedSigpipeBlock no_sigpipe;
      std::lock_guard<std::mutex> lock(cmd_mu_);
      if (cmd_ == nullptr || !LooksAlive(cmd_.get())) {
        cmd_.reset();
        absl::StatusOr<Context> cmd = Connect();
        if (!cmd.ok()) {
          RecordCommand(cmd.status());
          return cmd.status();
        }
        cmd_ = *std::move(cmd);
      }
      reply = Command(cmd_.get(), {"EVAL", kRevokeScript, "1", key, until_text,
                                   ttl_text, options_.channel, jti});
      if (!reply.ok() && cmd_->err != 0) cmd_.reset();
    }
    int64_t stored_until = 0;
    if (reply.ok() &&
        (!IsString(reply->get()) ||
         !absl::SimpleAtoi(ReplyText(reply->get()), &stored_until))) {
      reply = absl::UnavailableError("redis: unexpected reply to revoke");
    }
    RecordCommand(reply.status());
    if (!reply.ok()) return reply.status();
    std::unique_lock<std::shared_mutex> lock(view_mu_);
    Merge(jti, absl::FromUnixSeconds(stored_until));
    return absl::OkStatus();
  }

  absl::StatusOr<bool> IsRevoked(absl::string_view jti, absl::Time now) const {
    if (!subscribed_.load(std::memory_order_acquire)) {
      if (options_.on_unavailable == OnUnavailable::kFailClosed) {
        return absl::UnavailableError("revocation store unreachable");
      }
      fail_open_answers_.fetch_add(1, std::memory_order_relaxed);
      if (!fail_open_logged_.exchange(true, std::memory_order_relaxed)) {
        Log(LogLevel::kWarning,
            "revocation store unreachable: answering from memory (fail open)",
            {{"store", "redis"}, {"address", address_}});
      }
    }
    std::shared_lock<std::shared_mutex> lock(view_mu_);
    auto it = view_.find(jti);
    return it != view_.end() && now < it->second;
  }

  RevocationStoreStatus Status() const {
    RevocationStoreStatus status;
    const absl::Time now = clock_->Now();
    {
      std::shared_lock<std::shared_mutex> lock(view_mu_);
      for (const auto& [jti, until] : view_) {
        if (now < until) ++status.entries;
      }
    }
    const bool subscribed = subscribed_.load(std::memory_order_acquire);
    std::lock_guard<std::mutex> lock(state_mu_);
    status.healthy = subscribed && last_error_.empty();
    status.detail = absl::StrCat("redis ", address_, ": ",
                                 subscribed ? "subscribed" : "unreachable");
    if (!last_error_.empty()) {
      absl::StrAppend(&status.detail, "; ", last_error_);
    }
    return status;
  }

  uint64_t FailOpenAnswers() const {
    return fail_open_answers_.load(std::memory_order_relaxed);
  }

 private:
  absl::StatusOr<Context> Connect() const {
    Context c(
        redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                absl::ToTimeval(options_.connect_timeout)));
    if (c == nullptr) return absl::ResourceExhaustedError("redis: no memory");
    if (c->err != 0) {
      return absl::UnavailableError(absl::StrCat("cannot connect to redis at ",
                                                 address_, ": ", c->errstr));
    }
    if (redisSetTimeout(c.get(), absl::ToTimeval(options_.command_timeout)) !=
        REDIS_OK) {
      return absl::UnavailableError(
          absl::StrCat("redis: cannot set socket timeout: ", c->errstr));
    }
    redisEnableKeepAlive(c.get());
    if (!options_.password.empty()) {
      absl::StatusOr<Reply> auth =
          Command(c.get(), {"AUTH", options_.password});
      if (!auth.ok()) {
        return absl::UnavailableError(absl::StrCat(
            "redis at ", address_, " refused AUTH: ", auth.status().message()));
      }
    }
    return c;
  }

  // SUBSCRIBE first, then read every key: a revocation made in between is
  // then seen by one or the other (or both: merging is idempotent).
  absl::Status SubscribeAndCatchUp() {
    sub_.reset();
    sync_.reset();
    absl::StatusOr<Context> sub = Connect();
    if (!sub.ok()) return sub.status();
    absl::StatusOr<Reply> confirm =
        Command(sub->get(), {"SUBSCRIBE", options_.channel});
    if (!confirm.ok()) return confirm.status();
    const redisReply* r = confirm->get();
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
        !IsString(r->element[0]) || ReplyText(r->element[0]) != "subscribe") {
      return absl::UnavailableError("redis: unexpected reply to SUBSCRIBE");
    }
    absl::StatusOr<Context> sync = Connect();
    if (!sync.ok()) return sync.status();
    sub_ = *std::move(sub);
    sync_ = *std::move(sync);
    last_heard_ = absl::Now();
    ping_pending_ = false;
    absl::Status loaded = Resync();
    if (!loaded.ok()) {
      sub_.reset();
      sync_.reset();
    }
    return loaded;
  }

  // Reads every <prefix>* key on sync_ (connected if needed) and merges it
  // into memory.
  absl::Status Resync() {
    if (sync_ == nullptr) {
      absl::StatusOr<Context> sync = Connect();
      if (!sync.ok()) return sync.status();
      sync_ = *std::move(sync);
    }
    const std::string pattern =
        absl::StrCat(EscapeGlob(options_.key_prefix), "*");
    const std::string count = absl::StrCat(kScanCount);
    std::string cursor = "0";
    do {
      if (stop_requested_.load(std::memory_order_acquire)) {
        return absl::CancelledError("shutting down");
      }
      absl::StatusOr<Reply> scan = Command(
          sync_.get(), {"SCAN", cursor, "MATCH", pattern, "COUNT", count});
      if (!scan.ok()) return scan.status();
      const redisReply* r = scan->get();
      if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
          !IsString(r->element[0]) ||
          r->element[1]->type != REDIS_REPLY_ARRAY) {
        return absl::UnavailableError("redis: unexpected reply to SCAN");
      }
      cursor = std::string(ReplyText(r->element[0]));
      const redisReply* keys = r->element[1];
      if (keys->elements == 0) continue;
      std::vector<const char*> argv = {"MGET"};
      std::vector<size_t> argvlen = {4};
      for (size_t i = 0; i < keys->elements; ++i) {
        if (!IsString(keys->element[i])) {
          return absl::UnavailableError("redis: unexpected key in SCAN");
        }
        argv.push_back(keys->element[i]->str);
        argvlen.push_back(keys->element[i]->len);
      }
      Reply values(static_cast<redisReply*>(
          redisCommandArgv(sync_.get(), static_cast<int>(argv.size()),
                           argv.data(), argvlen.data())));
      if (values == nullptr) {
        return absl::UnavailableError(absl::StrCat("redis: ", sync_->errstr));
      }
      if (values->type != REDIS_REPLY_ARRAY ||
          values->elements != keys->elements) {
        return absl::UnavailableError("redis: unexpected reply to MGET");
      }
      std::unique_lock<std::shared_mutex> lock(view_mu_);
      for (size_t i = 0; i < keys->elements; ++i) {
        int64_t until_unix = 0;
        // Nil: expired since SCAN. Not a number: not ours; skip it.
        if (!IsString(values->element[i]) ||
            !absl::SimpleAtoi(ReplyText(values->element[i]), &until_unix)) {
          continue;
        }
        absl::string_view jti = ReplyText(keys->element[i]);
        jti.remove_prefix(options_.key_prefix.size());
        if (jti.empty() || jti.size() > kMaxJtiBytes) continue;
        Merge(jti, absl::FromUnixSeconds(until_unix));
      }
    } while (cursor != "0");
    PurgeExpired();
    return absl::OkStatus();
  }

  // Keeps the later until. Caller holds view_mu_ exclusively.
  void Merge(absl::string_view jti, absl::Time until) {
    auto [it, inserted] = view_.try_emplace(jti, until);
    if (!inserted && it->second < until) it->second = until;
  }

  void PurgeExpired() {
    const absl::Time now = clock_->Now();
    std::unique_lock<std::shared_mutex> lock(view_mu_);
    for (auto it = view_.begin(); it != view_.end();) {
      if (it->second <= now) {
        view_.erase(it++);
      } else {
        ++it;
      }
    }
  }

  // "Last command OK" for Status(): Revoke and the resyncs count.
  void RecordCommand(const absl::Status& status) {
    std::lock_guard<std::mutex> lock(state_mu_);
    last_error_ = status.ok() ? "" : std::string(status.message());
  }

  // The subscriber thread: keeps sub_ subscribed, applies messages, resyncs.
  void Run() {
    // This thread only talks to Redis: SIGPIPE stays blocked (see
    // ScopedSigpipeBlock), for its whole life.
    ScopedSigpipeBlock no_sigpipe;
    std::minstd_rand random(std::random_device{}());
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    absl::Duration backoff = kMinBackoff;
    absl::Time next_resync = absl::Now() + options_.resync_interval;
    while (!stop_requested_.load(std::memory_order_acquire)) {
      if (sub_ == nullptr) {
        absl::Status status = SubscribeAndCatchUp();
        if (stop_requested_.load(std::memory_order_acquire)) break;
        RecordCommand(status);
        if (!status.ok()) {
          MarkDown(status);
          if (WaitForStop(backoff * jitter(random))) break;
          backoff = std::min(backoff * 2, kMaxBackoff);
          continue;
        }
        backoff = kMinBackoff;
        next_resync = absl::Now() + options_.resync_interval;
        MarkUp();
      }
      absl::Status status = Pump(next_resync);
      if (!status.ok()) {
        sub_.reset();
        sync_.reset();
        MarkDown(status);
        continue;
      }
      if (absl::Now() >= next_resync) {
        absl::Status resync = Resync();
        if (stop_requested_.load(std::memory_order_acquire)) break;
        RecordCommand(resync);
        // The subscription (watched by PING) still delivers news, so a failed
        // periodic resync does not make the view stale: retry it soon, on a
        // new connection.
        if (!resync.ok()) sync_.reset();
        next_resync = absl::Now() +
                      (resync.ok() ? options_.resync_interval : kMaxBackoff);
      }
    }
  }

  // Applies messages from sub_ until `deadline` or shutdown. UNAVAILABLE
  // when the connection breaks or a keep-alive PING goes unanswered.
  absl::Status Pump(absl::Time deadline) {
    redisContext* c = sub_.get();
    while (!stop_requested_.load(std::memory_order_acquire)) {
      // Apply every complete reply already read.
      for (;;) {
        void* raw = nullptr;
        if (redisGetReplyFromReader(c, &raw) != REDIS_OK) {
          return absl::UnavailableError(
              absl::StrCat("redis subscription: ", c->errstr));
        }
        if (raw == nullptr) break;
        Reply reply(static_cast<redisReply*>(raw));
        last_heard_ = absl::Now();
        ping_pending_ = false;
        Apply(reply.get());
      }
      const absl::Time now = absl::Now();
      if (now >= next_purge_) {
        PurgeExpired();
        next_purge_ = now + kPurgeInterval;
      }
      if (now >= deadline) return absl::OkStatus();
      if (ping_pending_ && now - ping_sent_ > options_.command_timeout) {
        return absl::UnavailableError(
            "redis subscription: no answer to PING in time");
      }
      if (!ping_pending_ && now - last_heard_ >= kPingInterval) {
        int done = 0;
        if (redisAppendCommand(c, "PING") != REDIS_OK) {
          return absl::UnavailableError(
              absl::StrCat("redis subscription: ", c->errstr));
        }
        while (done == 0) {
          if (redisBufferWrite(c, &done) != REDIS_OK) {
            return absl::UnavailableError(
                absl::StrCat("redis subscription: ", c->errstr));
          }
        }
        ping_pending_ = true;
        ping_sent_ = now;
      }
      pollfd pfd{.fd = c->fd, .events = POLLIN, .revents = 0};
      const int wait_ms = static_cast<int>(absl::ToInt64Milliseconds(
          std::clamp(deadline - now, absl::Milliseconds(1), kPollSlice)));
      const int ready = ::poll(&pfd, 1, wait_ms);
      if (ready > 0 && redisBufferRead(c) != REDIS_OK) {
        return absl::UnavailableError(
            absl::StrCat("redis subscription: ", c->errstr));
      }
    }
    return absl::OkStatus();
  }

  // A pub/sub message "<jti> <until_unix>" (the jti may contain spaces).
  void Apply(const redisReply* r) {
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
        !IsString(r->element[0]) || ReplyText(r->element[0]) != "message" ||
        !IsString(r->element[2])) {
      return;  // Keep-alive pong, or nothing of ours.
    }
    absl::string_view payload = ReplyText(r->element[2]);
    const size_t space = payload.rfind(' ');
    int64_t until_unix = 0;
    if (space == absl::string_view::npos || space == 0 ||
        space > kMaxJtiBytes ||
        !absl::SimpleAtoi(payload.substr(space + 1), &until_unix)) {
      return;
    }
    std::unique_lock<std::shared_mutex> lock(view_mu_);
    Merge(payload.substr(0, space), absl::FromUnixSeconds(until_unix));
  }

  void MarkDown(const absl::Status& status) {
    if (!subscribed_.exchange(false, std::memory_order_acq_rel)) return;
    Log(LogLevel::kWarning, "revocation store unreachable",
        {{"store", "redis"},
         {"address", address_},
         {"on_unavailable",
          options_.on_unavailable == OnUnavailable::kFailClosed ? "fail_closed"
                                                                : "fail_open"},
         {"error", std::string(status.message())}});
  }

  void MarkUp() {
    fail_open_logged_.store(false, std::memory_order_relaxed);
    subscribed_.store(true, std::memory_order_release);
    Log(LogLevel::kInfo, "revocation store reachable again",
        {{"store", "redis"}, {"address", address_}});
  }

  // Sleeps up to `d`; true when the store is shutting down.
  bool WaitForStop(absl::Duration d) {
    std::unique_lock<std::mutex> lock(state_mu_);
    return stop_cv_.wait_for(lock, absl::ToChronoNanoseconds(d),
                             [this] { return stopping_; });
  }

  const Options options_;
  const Clock* const clock_;
  const std::string address_;

  // Standard mutexes, not Abseil's: visible to ThreadSanitizer with
  // Debian's uninstrumented Abseil.
  //
  // The memory view: jti -> until. Guarded by view_mu_.
  mutable std::shared_mutex view_mu_;
  absl::flat_hash_map<std::string, absl::Time> view_;

  // Revoke's connection. Guarded by cmd_mu_.
  std::mutex cmd_mu_;
  Context cmd_;

  // Used only by OpenConnections and then the subscriber thread.
  Context sub_;
  Context sync_;
  absl::Time next_purge_ = absl::InfinitePast();
  // Keep-alive of sub_: when it last delivered anything, and the PING
  // awaiting its answer.
  absl::Time last_heard_ = absl::InfinitePast();
  bool ping_pending_ = false;
  absl::Time ping_sent_ = absl::InfinitePast();

  // Guarded by state_mu_; stop_cv_ is signalled when stopping_ is set.
  mutable std::mutex state_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::string last_error_;  // Of the last command; empty when it succeeded.

  std::atomic<bool> stop_requested_{false};
  // Subscribed and caught up: the view misses nothing.
  std::atomic<bool> subscribed_{false};
  mutable std::atomic<uint64_t> fail_open_answers_{0};
  mutable std::atomic<bool> fail_open_logged_{false};

  std::thread thread_;
};

absl::StatusOr<std::unique_ptr<RedisRevocationStore>>
RedisRevocationStore::Open(Options options, const Clock* clock) {
  if (clock == nullptr) return absl::InvalidArgumentError("clock is null");
  if (options.host.empty()) return absl::InvalidArgumentError("host is empty");
  if (options.port < 1 || options.port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("port ", options.port, " is outside 1..65535"));
  }
  if (options.key_prefix.empty() || options.channel.empty()) {
    return absl::InvalidArgumentError("key_prefix and channel must be set");
  }
  if (options.connect_timeout <= absl::ZeroDuration() ||
      options.command_timeout <= absl::ZeroDuration() ||
      options.resync_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "connect_timeout, command_timeout and resync_interval must be "
        "positive");
  }
  auto state = std::make_unique<State>(std::move(options), clock);
  if (absl::Status status = state->OpenConnections(); !status.ok()) {
    return status;
  }
  state->StartThread();
  return std::unique_ptr<RedisRevocationStore>(
      new RedisRevocationStore(std::move(state)));
}

RedisRevocationStore::RedisRevocationStore(std::unique_ptr<State> state)
    : state_(std::move(state)) {}

RedisRevocationStore::~RedisRevocationStore() = default;

absl::Status RedisRevocationStore::Revoke(absl::string_view jti,
                                          absl::Time until) {
  return state_->Revoke(jti, until);
}

absl::StatusOr<bool> RedisRevocationStore::IsRevoked(absl::string_view jti,
                                                     absl::Time now) const {
  return state_->IsRevoked(jti, now);
}

RevocationStoreStatus RedisRevocationStore::Status() const {
  return state_->Status();
}

uint64_t RedisRevocationStore::FailOpenAnswers() const {
  return state_->FailOpenAnswers();
}

}  // namespace jwtd::revocation
