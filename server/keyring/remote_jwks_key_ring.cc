#include "server/keyring/remote_jwks_key_ring.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "server/jose/json_parser.h"
#include "server/jose/jwks.h"
#include "server/keyring/http_fetcher.h"
#include "server/util/file.h"
#include "server/util/log.h"
#include "server/util/shared_snapshot.h"

namespace jwtd::keyring {
namespace {

constexpr absl::string_view kDiscoverySuffix =
    "/.well-known/openid-configuration";
// The background thread re-reads the clock at least this often, so a
// clock jump does not leave it asleep for max_refresh.
constexpr absl::Duration kMaxSleep = absl::Seconds(10);
constexpr size_t kMinResponseBytes = 1024;
constexpr size_t kMaxResponseBytes = 16 * 1024 * 1024;
constexpr size_t kMaxCaFileBytes = 4 * 1024 * 1024;

// The part of the option checks that reads a file.
absl::Status CheckCaFile(const RemoteJwksKeyRingOptions& options) {
  if (options.ca_file.empty()) return absl::OkStatus();
  if (absl::StatusOr<std::string> pem =
          ReadSmallFile(options.ca_file, kMaxCaFileBytes);
      !pem.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("remote JWKS: ca_file ",
                                                   options.ca_file, ": ",
                                                   pem.status().message()));
  }
  return absl::OkStatus();
}

// The option checks that need neither files nor the network.
absl::Status ValidateOptions(const RemoteJwksKeyRingOptions& options) {
  if (options.jwks_uri.empty() == options.discovery_url.empty()) {
    return absl::InvalidArgumentError(
        "remote JWKS: set exactly one of jwks_uri and discovery_url");
  }
  const std::string& url =
      options.jwks_uri.empty() ? options.discovery_url : options.jwks_uri;
  if (absl::StatusOr<HttpOrigin> origin = ParseHttpUrl(url, options.allow_http);
      !origin.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "remote JWKS: ", RedactedUrl(url), ": ", origin.status().message()));
  }
  if (options.min_refresh <= absl::ZeroDuration() ||
      options.max_refresh < options.min_refresh) {
    return absl::InvalidArgumentError(
        "remote JWKS: need 0 < min_refresh <= max_refresh");
  }
  if (options.cooldown < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("remote JWKS: negative cooldown");
  }
  if (options.timeout <= absl::ZeroDuration() ||
      options.timeout > absl::Minutes(5)) {
    return absl::InvalidArgumentError(
        "remote JWKS: timeout must be in (0, 5 min]");
  }
  if (options.max_response_bytes < kMinResponseBytes ||
      options.max_response_bytes > kMaxResponseBytes) {
    return absl::InvalidArgumentError(
        "remote JWKS: max_response_bytes must be in [1 KiB, 16 MiB]");
  }
  if (options.default_rsa_alg.has_value()) {
    const jose::KeyFamily family = jose::FamilyOf(*options.default_rsa_alg);
    if (family != jose::KeyFamily::kRsaPkcs1 &&
        family != jose::KeyFamily::kRsaPss) {
      return absl::InvalidArgumentError(
          "remote JWKS: default_rsa_alg must be an RS* or PS* algorithm");
    }
  }
  return absl::OkStatus();
}

std::string DiscoveryDocumentUrl(absl::string_view url) {
  if (absl::EndsWith(url, kDiscoverySuffix)) return std::string(url);
  while (absl::EndsWith(url, "/")) url.remove_suffix(1);
  return absl::StrCat(url, kDiscoverySuffix);
}

std::vector<std::string> Kids(const jose::KeySet& keys) {
  std::vector<std::string> kids;
  kids.reserve(keys.size());
  for (const auto& key : keys.keys()) kids.push_back(key->kid());
  std::sort(kids.begin(), kids.end());
  return kids;
}

// Whole seconds, for humans.
std::string Age(absl::Duration age) {
  age = absl::Trunc(age, absl::Seconds(1));
  return age == absl::ZeroDuration() ? "0s" : absl::FormatDuration(age);
}

// The outcome of one fetch, before it is applied.
struct Fetched {
  absl::Status status = absl::OkStatus();
  std::shared_ptr<const jose::KeySet> keys = nullptr;  // Set when OK.
  std::optional<absl::Duration> max_age = std::nullopt;
};

}  // namespace

struct RemoteJwksKeyRing::State {
  State(RemoteJwksKeyRingOptions options_in, const Clock* clock_in)
      : options(std::move(options_in)),
        clock(clock_in),
        source(RedactedUrl(options.jwks_uri.empty()
                               ? DiscoveryDocumentUrl(options.discovery_url)
                               : options.jwks_uri)),
        host(ParseHttpUrl(options.jwks_uri.empty() ? options.discovery_url
                                                   : options.jwks_uri,
                          options.allow_http)
                 ->host) {}

  void LoadCacheFile();
  // Joins the fetch in progress, or runs one with `mu` released while it
  // talks to the network. Requires `mu`.
  absl::Status RefreshLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
  // The network part: discovery, GET, import, cache file. Runs only in the
  // one thread that set `fetching`.
  Fetched Fetch();
  absl::StatusOr<std::string> Discover(const HttpFetchOptions& http);
  void RunRefresher();

  const RemoteJwksKeyRingOptions options;
  const Clock* const clock;
  const std::string source;  // For logs: the configured URL, redacted.
  const std::string host;

  // The snapshot readers load without a lock; never null.
  SharedSnapshot<const jose::KeySet> keys;
  // Set at destruction: aborts a transfer in progress.
  std::atomic<bool> cancel{false};

  // The jwks_uri named by the discovery document; touched only by the
  // fetching thread.
  std::string discovered_jwks_uri;

  // std::mutex and std::condition_variable_any rather than absl::Mutex and
  // absl::CondVar: visible to ThreadSanitizer (docs/sanitizers.md). The
  // _any variant waits on the mutex itself, as RefreshLocked must.
  mutable std::mutex mu;
  // A fetch finished, or stopping was set.
  std::condition_variable_any changed;
  bool stopping ABSL_GUARDED_BY(mu) = false;
  bool fetching ABSL_GUARDED_BY(mu) = false;
  uint64_t fetches_done ABSL_GUARDED_BY(mu) = 0;
  absl::Status last_result ABSL_GUARDED_BY(mu) =
      absl::UnavailableError("not fetched yet");
  absl::Time last_attempt ABSL_GUARDED_BY(mu) = absl::InfinitePast();
  absl::Time last_success ABSL_GUARDED_BY(mu) = absl::InfinitePast();
  bool from_cache ABSL_GUARDED_BY(mu) = false;
  int consecutive_failures ABSL_GUARDED_BY(mu) = 0;
  absl::Time next_refresh ABSL_GUARDED_BY(mu) = absl::InfinitePast();

  std::thread refresher;
};

void RemoteJwksKeyRing::State::LoadCacheFile() {
  if (options.cache_file.empty()) return;
  absl::StatusOr<std::string> text =
      ReadSmallFile(options.cache_file, options.max_response_bytes);
  if (!text.ok()) {
    if (!absl::IsNotFound(text.status())) {
      Log(LogLevel::kWarning, "remote JWKS cache file unreadable, ignored",
          {{"source", source},
           {"file", options.cache_file},
           {"error", std::string(text.status().message())}});
    }
    return;
  }
  absl::StatusOr<std::shared_ptr<const jose::KeySet>> cached = jose::ImportJwks(
      *text,
      {.default_rsa_alg = options.default_rsa_alg,
       .json = {.max_bytes = options.max_response_bytes, .max_depth = 8}});
  if (!cached.ok() || (*cached)->size() == 0) {
    Log(LogLevel::kWarning, "remote JWKS cache file unusable, ignored",
        {{"source", source},
         {"file", options.cache_file},
         {"error", cached.ok() ? "no signature keys"
                               : std::string(cached.status().message())}});
    return;
  }
  keys.store(*std::move(cached));
  std::lock_guard lock(mu);
  from_cache = true;
  last_success = clock->Now();
}

absl::StatusOr<std::string> RemoteJwksKeyRing::State::Discover(
    const HttpFetchOptions& http) {
  const std::string url = DiscoveryDocumentUrl(options.discovery_url);
  absl::StatusOr<HttpFetchResult> response = HttpGet(url, http);
  if (!response.ok()) return response.status();
  if (response->status_code != 200) {
    return absl::UnavailableError(absl::StrCat(
        "discovery: HTTP ", response->status_code, " from ", RedactedUrl(url)));
  }
  absl::StatusOr<jose::Json> document = jose::ParseJsonObject(
      response->body,
      {.max_bytes = options.max_response_bytes, .max_depth = 16});
  if (!document.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("discovery document at ", RedactedUrl(url),
                     " refused: ", document.status().message()));
  }
  const jose::Json* jwks_uri = document->Find("jwks_uri");
  if (jwks_uri == nullptr || !jwks_uri->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "discovery document at ", RedactedUrl(url), " has no string jwks_uri"));
  }
  if (absl::StatusOr<HttpOrigin> origin =
          ParseHttpUrl(jwks_uri->string_value(), options.allow_http);
      !origin.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("discovery document at ", RedactedUrl(url),
                     " names jwks_uri ", RedactedUrl(jwks_uri->string_value()),
                     ": ", origin.status().message()));
  }
  return jwks_uri->string_value();
}

Fetched RemoteJwksKeyRing::State::Fetch() {
  const absl::Time deadline = absl::Now() + options.timeout;
  HttpFetchOptions http{.timeout = options.timeout,
                        .max_response_bytes = options.max_response_bytes,
                        .allow_http = options.allow_http,
                        .ca_file = options.ca_file,
                        .cancel = &cancel};
  std::string url = options.jwks_uri;
  if (!options.discovery_url.empty()) {
    if (discovered_jwks_uri.empty()) {
      absl::StatusOr<std::string> discovered = Discover(http);
      if (!discovered.ok()) return {.status = discovered.status()};
      discovered_jwks_uri = *std::move(discovered);
    }
    url = discovered_jwks_uri;
    http.timeout = deadline - absl::Now();
    if (http.timeout <= absl::ZeroDuration()) {
      return {.status = absl::DeadlineExceededError(
                  absl::StrCat("GET ", RedactedUrl(url), ": no time left"))};
    }
  }

  Fetched fetched = [&]() -> Fetched {
    absl::StatusOr<HttpFetchResult> response = HttpGet(url, http);
    if (!response.ok()) return {.status = response.status()};
    if (response->status_code != 200) {
      return {.status = absl::UnavailableError(absl::StrCat(
                  "HTTP ", response->status_code, " from ", RedactedUrl(url)))};
    }
    absl::StatusOr<std::shared_ptr<const jose::KeySet>> imported =
        jose::ImportJwks(response->body,
                         {.default_rsa_alg = options.default_rsa_alg,
                          .json = {.max_bytes = options.max_response_bytes,
                                   .max_depth = 8}});
    if (!imported.ok()) {
      return {.status = absl::InvalidArgumentError(
                  absl::StrCat("JWKS from ", RedactedUrl(url),
                               " refused: ", imported.status().message()))};
    }
    if ((*imported)->size() == 0) {
      // Never trade keys for nothing: an empty set is more likely a broken
      // issuer than one that revoked every key.
      return {
          .status = absl::FailedPreconditionError(absl::StrCat(
              "JWKS from ", RedactedUrl(url), " refused: no signature keys"))};
    }
    return {.status = absl::OkStatus(),
            .keys = *std::move(imported),
            .max_age = response->max_age};
  }();
  if (!fetched.status.ok()) {
    discovered_jwks_uri.clear();  // Maybe it moved: discover again next time.
    return fetched;
  }

  if (!options.cache_file.empty()) {
    absl::Status written = WriteFileAtomically(options.cache_file,
                                               fetched.keys->jwks_json(), 0600);
    if (!written.ok()) {
      Log(LogLevel::kWarning, "remote JWKS cache file not written",
          {{"source", source},
           {"file", options.cache_file},
           {"error", std::string(written.message())}});
    }
  }
  return fetched;
}

absl::Status RemoteJwksKeyRing::State::RefreshLocked() {
  if (fetching) {
    const uint64_t seen = fetches_done;
    while (fetches_done == seen) changed.wait(mu);
    return last_result;
  }
  fetching = true;
  mu.unlock();
  Fetched fetched = Fetch();
  const std::shared_ptr<const jose::KeySet> old = keys.load();
  if (fetched.status.ok()) keys.store(fetched.keys);
  mu.lock();

  const absl::Time now = clock->Now();
  const bool was_failing = !last_result.ok();
  last_attempt = now;
  last_result = fetched.status;
  if (fetched.status.ok()) {
    last_success = now;
    from_cache = false;
    consecutive_failures = 0;
    next_refresh =
        now + std::clamp(fetched.max_age.value_or(options.max_refresh),
                         options.min_refresh, options.max_refresh);
    const std::vector<std::string> kids = Kids(*fetched.keys);
    if (was_failing || kids != Kids(*old)) {
      Log(LogLevel::kInfo, "remote JWKS keys loaded",
          {{"source", source},
           {"kids", absl::StrJoin(kids, ",")},
           {"next_refresh_in", Age(next_refresh - now)}});
    }
  } else {
    consecutive_failures = std::min(consecutive_failures + 1, 30);
    const absl::Duration base = options.cooldown > absl::ZeroDuration()
                                    ? options.cooldown
                                    : options.min_refresh;
    const absl::Duration backoff = std::min(
        base * (int64_t{1} << (consecutive_failures - 1)), options.max_refresh);
    next_refresh = now + backoff;
    Log(LogLevel::kWarning, "remote JWKS refresh failed, keeping old keys",
        {{"source", source},
         {"error", std::string(fetched.status.message())},
         {"keys_kept", absl::StrCat(old->size())},
         {"retry_in", Age(backoff)}});
  }
  fetching = false;
  ++fetches_done;
  changed.notify_all();
  return last_result;
}

void RemoteJwksKeyRing::State::RunRefresher() {
  std::lock_guard lock(mu);
  while (!stopping) {
    const absl::Duration wait = next_refresh - clock->Now();
    if (wait > absl::ZeroDuration()) {
      changed.wait_for(mu,
                       absl::ToChronoNanoseconds(std::min(wait, kMaxSleep)));
      continue;
    }
    RefreshLocked().IgnoreError();  // Logged; the schedule moved on.
  }
}

absl::Status RemoteJwksKeyRing::CheckOptions(
    const RemoteJwksKeyRingOptions& options) {
  return ValidateOptions(options);
}

absl::StatusOr<std::unique_ptr<RemoteJwksKeyRing>> RemoteJwksKeyRing::Open(
    RemoteJwksKeyRingOptions options, const Clock* clock) {
  if (clock == nullptr) {
    return absl::InvalidArgumentError("remote JWKS: no clock");
  }
  if (absl::Status valid = ValidateOptions(options); !valid.ok()) return valid;
  if (absl::Status valid = CheckCaFile(options); !valid.ok()) return valid;
  absl::StatusOr<std::shared_ptr<const jose::KeySet>> empty =
      jose::KeySet::Create({});
  if (!empty.ok()) return empty.status();

  auto state = std::make_unique<State>(std::move(options), clock);
  state->keys.store(*std::move(empty));
  state->LoadCacheFile();
  {
    std::lock_guard lock(state->mu);
    state->RefreshLocked().IgnoreError();  // Logged; not fatal at start.
  }
  if (state->options.background_refresh) {
    State* raw = state.get();
    state->refresher = std::thread([raw] { raw->RunRefresher(); });
  }
  return std::unique_ptr<RemoteJwksKeyRing>(
      new RemoteJwksKeyRing(std::move(state)));
}

RemoteJwksKeyRing::RemoteJwksKeyRing(std::unique_ptr<State> state)
    : state_(std::move(state)) {}

RemoteJwksKeyRing::~RemoteJwksKeyRing() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
    state_->cancel.store(true);
    state_->changed.notify_all();
  }
  if (state_->refresher.joinable()) state_->refresher.join();
}

absl::Status RemoteJwksKeyRing::Refresh() {
  std::lock_guard lock(state_->mu);
  return state_->RefreshLocked();
}

absl::Time RemoteJwksKeyRing::NextRefreshTime() const {
  std::lock_guard lock(state_->mu);
  return state_->next_refresh;
}

std::shared_ptr<const jose::KeySet> RemoteJwksKeyRing::VerificationKeys()
    const {
  return state_->keys.load();
}

absl::StatusOr<std::shared_ptr<const jose::KeySet>>
RemoteJwksKeyRing::KeysForUnknownKid(absl::string_view kid) {
  std::shared_ptr<const jose::KeySet> current = state_->keys.load();
  if (current->Find(kid) != nullptr) return current;

  std::lock_guard lock(state_->mu);
  absl::Status result;
  // Decided under `mu`, so a burst of callers past the cooldown joins one
  // fetch and callers right after it see the fresh attempt time.
  if (!state_->fetching &&
      state_->clock->Now() - state_->last_attempt < state_->options.cooldown) {
    result = state_->last_result;
  } else {
    result = state_->RefreshLocked();
  }
  current = state_->keys.load();
  if (result.ok() || current->Find(kid) != nullptr) return current;
  return absl::UnavailableError(absl::StrCat(
      "keys of ", state_->host, " unavailable: ", result.message()));
}

KeyRingStatus RemoteJwksKeyRing::Status() const {
  KeyRingStatus status;
  const std::shared_ptr<const jose::KeySet> current = state_->keys.load();
  status.keys = current->size();
  status.ready = status.keys > 0;

  std::lock_guard lock(state_->mu);
  status.degraded = !state_->last_result.ok() || state_->from_cache;
  status.last_refresh = state_->last_success;
  status.detail = absl::StrCat(state_->host, ": ", status.keys,
                               status.keys == 1 ? " key" : " keys");
  if (state_->last_success != absl::InfinitePast()) {
    absl::StrAppend(&status.detail,
                    state_->from_cache ? " from cache file" : "", ", loaded ",
                    Age(state_->clock->Now() - state_->last_success), " ago");
  }
  if (!state_->last_result.ok()) {
    absl::StrAppend(&status.detail,
                    "; last refresh failed: ", state_->last_result.message());
  }
  return status;
}

}  // namespace jwtd::keyring
