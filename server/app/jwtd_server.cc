#include "server/app/jwtd_server.h"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "grpc/grpc.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/api/caller_policy.h"
#include "server/api/grpc_logging.h"
#include "server/api/http_server.h"
#include "server/api/listen_address.h"
#include "server/api/token_service_handler.h"
#include "server/app/call_tracker.h"
#include "server/app/grpc_listener.h"
#include "server/app/observability_wiring.h"
#include "server/jose/algorithm.h"
#include "server/jose/json.h"
#include "server/jose/key_set.h"
#include "server/keyring/registry.h"
#include "server/revocation/redis_revocation_store.h"
#include "server/revocation/sqlite_revocation_store.h"
#include "server/service/token_service.h"
#include "server/util/file.h"
#include "server/util/log.h"

namespace jwtd::app {
namespace {

// The address to report: with port 0, the port the kernel picked.
std::string BoundAddress(const std::string& requested, int selected_port) {
  if (absl::StartsWith(requested, "unix:")) return requested;
  const size_t colon = requested.rfind(':');
  if (colon == std::string::npos || selected_port <= 0) return requested;
  return absl::StrCat(requested.substr(0, colon + 1), selected_port);
}

// OpenID Connect Discovery 1.0 metadata for verifiers: where the keys are
// and which algorithms tokens use.
std::string OpenIdConfiguration(const std::string& issuer,
                                const std::string& base_url,
                                const std::vector<std::string>& algs) {
  jose::Json doc = jose::Json::EmptyObject();
  doc.Set("issuer", jose::Json::String(issuer));
  doc.Set("jwks_uri",
          jose::Json::String(absl::StrCat(base_url, "/.well-known/jwks.json")));
  jose::Json supported = jose::Json::EmptyArray();
  for (const std::string& alg : algs) supported.Append(jose::Json::String(alg));
  doc.Set("id_token_signing_alg_values_supported", supported);
  doc.Set("token_endpoint_auth_signing_alg_values_supported", supported);
  return doc.Serialize();
}

// The revocation store the configuration names, or null for kNone.
absl::StatusOr<std::unique_ptr<revocation::RevocationStore>> OpenRevocations(
    const config::Config& config, const Clock* clock) {
  using Store = config::RevocationConfig::Store;
  const config::RevocationConfig& revocation = config.revocation;
  switch (revocation.store) {
    case Store::kNone:
      return std::unique_ptr<revocation::RevocationStore>();
    case Store::kSqlite: {
      if (absl::Status dir = EnsurePrivateDirectory(config.data_dir);
          !dir.ok()) {
        return dir;
      }
      revocation::SqliteRevocationStoreOptions options;
      options.path = absl::StrCat(config.data_dir, "/revocations.db");
      absl::StatusOr<std::unique_ptr<revocation::SqliteRevocationStore>> store =
          revocation::SqliteRevocationStore::Open(options, clock);
      if (!store.ok()) return store.status();
      return std::unique_ptr<revocation::RevocationStore>(*std::move(store));
    }
    case Store::kRedis: {
      revocation::RedisRevocationStoreOptions options;
      options.host = revocation.redis_host;
      options.port = revocation.redis_port;
      options.password = revocation.redis_password;
      options.on_unavailable = revocation.fail_open
                                   ? revocation::RedisRevocationStoreOptions::
                                         OnUnavailable::kFailOpen
                                   : revocation::RedisRevocationStoreOptions::
                                         OnUnavailable::kFailClosed;
      absl::StatusOr<std::unique_ptr<revocation::RedisRevocationStore>> store =
          revocation::RedisRevocationStore::Open(options, clock);
      if (!store.ok()) return store.status();
      return std::unique_ptr<revocation::RevocationStore>(*std::move(store));
    }
  }
  return absl::InvalidArgumentError("unknown revocation store");
}

}  // namespace

// Ready to serve: every issuer's keys usable and the revocation store
// healthy. The value says what is degraded (keys that could not be
// refreshed still serve).
absl::StatusOr<std::string> Readiness(
    const std::vector<std::unique_ptr<keyring::KeyRing>>& rings,
    const revocation::RevocationStore* revocations) {
  if (revocations != nullptr) {
    revocation::RevocationStoreStatus status = revocations->Status();
    if (!status.healthy) {
      return absl::UnavailableError(
          absl::StrCat("revocation store unhealthy: ", status.detail));
    }
  }
  std::string body = "ready";
  for (const auto& ring : rings) {
    keyring::KeyRingStatus status = ring->Status();
    if (!status.ready) {
      return absl::UnavailableError(
          absl::StrCat("keys not ready: ", status.detail));
    }
    if (status.degraded) absl::StrAppend(&body, "; degraded: ", status.detail);
  }
  return body;
}

// The name gRPC health checks use for jwtd's API, next to "" (the server).
constexpr char kHealthServiceName[] = "jwtd.v1.TokenService";

// How often the gRPC health status follows readiness.
constexpr auto kHealthPollInterval = std::chrono::milliseconds(250);

struct JwtdServer::Parts {
  std::unique_ptr<revocation::RevocationStore> revocations;
  std::vector<std::unique_ptr<keyring::KeyRing>> rings;
  std::unique_ptr<service::TokenService> service;
  std::unique_ptr<api::TokenServiceHandler> main_handler;
  std::unique_ptr<api::TokenServiceHandler> privileged_handler;
  // Outlives the servers; outlived by the rings and the store it reads.
  Observability observability;
  CallTracker calls;
  // Main first; the privileged listener, when configured, second.
  std::vector<GrpcListener> listeners;
  std::unique_ptr<api::HttpServer> http_server;
  std::string http_address;
  bool shut_down = false;

  // Keeps every listener's gRPC health status equal to Readiness() until
  // shutdown.
  std::thread health_updater;
  std::mutex health_mu;
  std::condition_variable health_cv;
  bool stop_health = false;

  ~Parts() { StopHealthUpdates(); }

  void StopHealthUpdates() {
    if (!health_updater.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(health_mu);
      stop_health = true;
    }
    health_cv.notify_all();
    health_updater.join();
  }

  // Sets every listener's health status to `ready`.
  void SetHealth(bool ready) {
    for (GrpcListener& listener : listeners) {
      grpc::HealthCheckServiceInterface* health =
          listener.server->GetHealthCheckService();
      health->SetServingStatus(ready);
      health->SetServingStatus(kHealthServiceName, ready);
    }
    Log(ready ? LogLevel::kInfo : LogLevel::kWarning,
        ready ? "health: SERVING" : "health: NOT_SERVING");
  }

  // Follows readiness from `ready` (the status already set) on.
  void UpdateHealthUntilStopped(bool ready) {
    std::unique_lock<std::mutex> lock(health_mu);
    while (!stop_health) {
      health_cv.wait_for(lock, kHealthPollInterval);
      if (stop_health) break;
      const bool now_ready = Readiness(rings, revocations.get()).ok();
      if (now_ready != ready) SetHealth(now_ready);
      ready = now_ready;
    }
  }
};

JwtdServer::JwtdServer(std::unique_ptr<Parts> parts)
    : parts_(std::move(parts)) {}

JwtdServer::~JwtdServer() { Shutdown(absl::ZeroDuration()); }

const std::string& JwtdServer::grpc_address() const {
  return parts_->listeners.front().bound_address;
}
const std::string& JwtdServer::privileged_address() const {
  static const std::string* const kNone = new std::string();
  return parts_->listeners.size() > 1 ? parts_->listeners[1].bound_address
                                      : *kNone;
}
const std::string& JwtdServer::http_address() const {
  return parts_->http_address;
}

std::string JwtdServer::signing_kid() const {
  auto key = parts_->rings.front()->ActiveSigningKey();
  return key == nullptr ? "" : key->kid();
}

std::string JwtdServer::signing_alg() const {
  auto key = parts_->rings.front()->ActiveSigningKey();
  return key == nullptr ? "" : std::string(jose::JwsAlgorithmName(key->alg()));
}

absl::StatusOr<std::unique_ptr<JwtdServer>> JwtdServer::Start(
    const config::Config& config, const Clock* clock) {
  api::RouteGrpcLogsToJwtdLog();
  if (absl::Status s = api::CheckListenAddress(config.grpc_listen); !s.ok()) {
    return s;
  }
  auto parts = std::make_unique<Parts>();

  service::TokenServiceOptions options;
  options.default_ttl = config.default_ttl;
  options.max_ttl = config.max_ttl;
  options.validation_cache_bytes =
      static_cast<size_t>(config.validation_cache_mib) << 20;
  absl::StatusOr<std::unique_ptr<revocation::RevocationStore>> revocations =
      OpenRevocations(config, clock);
  if (!revocations.ok()) {
    return absl::Status(
        revocations.status().code(),
        absl::StrCat("revocation store: ", revocations.status().message()));
  }
  parts->revocations = *std::move(revocations);
  options.revocations = parts->revocations.get();
  for (const config::IssuerConfig& issuer : config.issuers) {
    keyring::KeyRingOptions ring_options = issuer.keys;
    if (auto* local =
            std::get_if<keyring::LocalKeyRingOptions>(&ring_options)) {
      local->data_dir = config::LocalKeyDir(config, *local);
    }
    absl::StatusOr<std::unique_ptr<keyring::KeyRing>> ring =
        keyring::CreateKeyRing(ring_options, clock);
    if (!ring.ok()) {
      return absl::Status(ring.status().code(),
                          absl::StrCat("keys of issuer ", issuer.policy.issuer,
                                       ": ", ring.status().message()));
    }
    options.issuers.push_back(
        service::TrustedIssuer{issuer.policy, ring->get()});
    parts->rings.push_back(*std::move(ring));
  }
  absl::StatusOr<std::unique_ptr<service::TokenService>> service =
      service::TokenService::Create(std::move(options), clock);
  if (!service.ok()) return service.status();
  parts->service = *std::move(service);

  parts->observability =
      InstallObservability(config, parts->rings, parts->revocations.get(),
                           clock, parts->service.get());
  parts->observability.call_options.live_api_calls = parts->calls.counter();
  parts->main_handler = std::make_unique<api::TokenServiceHandler>(
      parts->service.get(),
      api::CallerPolicy(api::CallerPolicy::Listener::kMain,
                        config.privileged_callers),
      parts->observability.validation_observer);

  // What runs around every call of a listener.
  auto interceptors = [&parts] {
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        factories;
    // One interceptor per call: the observer records metrics and logs, and
    // counts the live calls for the shutdown drain (CallTracker).
    factories.push_back(parts->observability.NewCallObserver());
    return factories;
  };
  GrpcListenerOptions main_options;
  main_options.address = config.grpc_listen;
  main_options.socket_mode = config.grpc_socket_mode;
  main_options.tls = config.tls;
  main_options.limits = config.limits;
  absl::StatusOr<GrpcListener> main_listener = StartGrpcListener(
      main_options, {parts->main_handler.get()}, interceptors());
  if (!main_listener.ok()) return main_listener.status();
  parts->listeners.push_back(*std::move(main_listener));

  if (!config.privileged_listen.empty()) {
    if (absl::Status s = api::CheckListenAddress(config.privileged_listen);
        !s.ok()) {
      return s;
    }
    parts->privileged_handler = std::make_unique<api::TokenServiceHandler>(
        parts->service.get(),
        api::CallerPolicy(api::CallerPolicy::Listener::kPrivileged, {}),
        parts->observability.validation_observer);
    GrpcListenerOptions privileged_options = main_options;
    privileged_options.address = config.privileged_listen;
    privileged_options.socket_mode = config.privileged_socket_mode;
    absl::StatusOr<GrpcListener> privileged = StartGrpcListener(
        privileged_options, {parts->privileged_handler.get()}, interceptors());
    if (!privileged.ok()) return privileged.status();
    parts->listeners.push_back(*std::move(privileged));
  }
  // The first status is set before Start returns (and so before the
  // "jwtd serving" line): a client that connects then sees it.
  const bool ready = Readiness(parts->rings, parts->revocations.get()).ok();
  parts->SetHealth(ready);
  Parts* raw_parts = parts.get();
  parts->health_updater = std::thread(
      [raw_parts, ready] { raw_parts->UpdateHealthUntilStopped(ready); });

  if (!config.http_listen.empty()) {
    const service::TokenService* svc = parts->service.get();
    const std::vector<std::unique_ptr<keyring::KeyRing>>* rings = &parts->rings;
    const std::string issuer = config.issuers.front().policy.issuer;
    std::string public_url = config.public_url;
    api::HttpEndpoints endpoints;
    endpoints.jwks = [svc] { return svc->PublicJwks(); };
    endpoints.liveness = [] { return absl::OkStatus(); };
    endpoints.metrics = parts->observability.metrics_endpoint;
    const revocation::RevocationStore* revocations = parts->revocations.get();
    endpoints.readiness = [rings, revocations] {
      return Readiness(*rings, revocations);
    };
    api::HttpServerOptions http_options;
    http_options.listen = config.http_listen;
    // The discovery document names the public URL; the bound port is only
    // known after Start, so the callback reads it (under a lock: requests
    // may already arrive) at request time.
    struct SharedAddress {
      std::mutex mu;  // Not absl::Mutex: see docs/sanitizers.md.
      std::string value ABSL_GUARDED_BY(mu);
    };
    auto http_address = std::make_shared<SharedAddress>();
    endpoints.openid_configuration = [rings, issuer, public_url, http_address] {
      // The algorithms of the signing issuer's published keys.
      std::vector<std::string> algs;
      // Held for the loop: a range-for over `VerificationKeys()->keys()`
      // would drop the snapshot before iterating (a rotation could free it).
      const std::shared_ptr<const jose::KeySet> published =
          rings->front()->VerificationKeys();
      for (const auto& key : published->keys()) {
        const std::string alg(jose::JwsAlgorithmName(key->alg()));
        if (std::find(algs.begin(), algs.end(), alg) == algs.end()) {
          algs.push_back(alg);
        }
      }
      std::string base = public_url;
      if (base.empty()) {
        std::lock_guard lock(http_address->mu);
        base = absl::StrCat("http://", http_address->value);
      }
      return OpenIdConfiguration(issuer, base, algs);
    };
    absl::StatusOr<std::unique_ptr<api::HttpServer>> http =
        api::HttpServer::Start(http_options, std::move(endpoints));
    if (!http.ok()) return http.status();
    parts->http_server = *std::move(http);
    parts->http_address =
        BoundAddress(config.http_listen, parts->http_server->port());
    std::lock_guard lock(http_address->mu);
    http_address->value = parts->http_address;
  }
  return std::unique_ptr<JwtdServer>(new JwtdServer(std::move(parts)));
}

void JwtdServer::Shutdown(absl::Duration grace) {
  if (parts_ == nullptr || parts_->shut_down) return;
  parts_->shut_down = true;
  parts_->StopHealthUpdates();
  // Health and readiness go first (NOT_SERVING, watchers told at once), so
  // that balancers and probes stop sending before the drain.
  for (GrpcListener& listener : parts_->listeners) {
    listener.server->GetHealthCheckService()->Shutdown();
  }
  parts_->http_server.reset();
  // New calls are refused from here; in-flight ones may finish until the
  // deadline, shared by every listener. gRPC's Shutdown also waits for idle
  // client connections to go away: once no call is left (or at the
  // deadline), they are closed.
  const absl::Time deadline = absl::Now() + grace;
  std::vector<std::thread> stoppers;
  for (GrpcListener& listener : parts_->listeners) {
    grpc::Server* server = listener.server.get();
    stoppers.emplace_back(
        [server, deadline] { server->Shutdown(absl::ToChronoTime(deadline)); });
  }
  // Twice: a call accepted just before Shutdown may not be counted yet.
  const bool drained = parts_->calls.WaitUntilIdle(deadline) &&
                       (absl::SleepFor(absl::Milliseconds(20)),
                        parts_->calls.WaitUntilIdle(deadline));
  if (!drained) {
    Log(LogLevel::kWarning, "shutdown: grace period over, cancelling calls",
        {{"in_flight", absl::StrCat(parts_->calls.in_flight())}});
  }
  for (GrpcListener& listener : parts_->listeners) {
    grpc_server_cancel_all_calls(listener.server->c_server());
  }
  for (std::thread& stopper : stoppers) stopper.join();
  for (GrpcListener& listener : parts_->listeners) listener.server->Wait();
}

}  // namespace jwtd::app
