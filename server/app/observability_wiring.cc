#include "server/app/observability_wiring.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "jwtd/v1/token_service.pb.h"
#include "server/revocation/redis_revocation_store.h"
#include "server/revocation/sqlite_revocation_store.h"

namespace jwtd::app {
namespace {

using observability::RpcMethod;
using observability::RpcType;

RpcType TypeOf(const google::protobuf::MethodDescriptor& method) {
  if (method.client_streaming() && method.server_streaming()) {
    return RpcType::kBidiStream;
  }
  if (method.client_streaming()) return RpcType::kClientStream;
  if (method.server_streaming()) return RpcType::kServerStream;
  return RpcType::kUnary;
}

// The label of a revocation store: its backend.
std::string StoreName(const revocation::RevocationStore& store) {
  if (dynamic_cast<const revocation::RedisRevocationStore*>(&store) !=
      nullptr) {
    return "redis";
  }
  if (dynamic_cast<const revocation::SqliteRevocationStore*>(&store) !=
      nullptr) {
    return "sqlite";
  }
  return "other";
}

}  // namespace

std::vector<RpcMethod> ServedMethods() {
  std::vector<RpcMethod> methods;
  const google::protobuf::ServiceDescriptor* service =
      jwtd::v1::ValidateRequest::descriptor()->file()->FindServiceByName(
          "TokenService");
  for (int i = 0; service != nullptr && i < service->method_count(); ++i) {
    const google::protobuf::MethodDescriptor& method = *service->method(i);
    methods.push_back(
        {absl::StrCat("/", service->full_name(), "/", method.name()),
         TypeOf(method)});
  }
  // gRPC's built-in health service (grpc/health/v1/health.proto; its
  // descriptor is not linked in).
  methods.push_back({"/grpc.health.v1.Health/Check", RpcType::kUnary});
  methods.push_back({"/grpc.health.v1.Health/Watch", RpcType::kServerStream});
  // Server reflection (grpcurl).
  methods.push_back(
      {"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
       RpcType::kBidiStream});
  return methods;
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
Observability::NewCallObserver() const {
  return std::make_unique<observability::CallObserverFactory>(metrics,
                                                              call_options);
}

Observability InstallObservability(
    const config::Config& config,
    const std::vector<std::unique_ptr<keyring::KeyRing>>& rings,
    const revocation::RevocationStore* revocations, const Clock* clock,
    const service::TokenService* service) {
  observability::MetricsOptions options;
  options.methods = ServedMethods();
  std::vector<std::pair<std::string, const keyring::KeyRing*>> issuers;
  for (size_t i = 0; i < config.issuers.size() && i < rings.size(); ++i) {
    options.issuers.push_back(config.issuers[i].policy.issuer);
    issuers.emplace_back(config.issuers[i].policy.issuer, rings[i].get());
  }

  Observability result;
  result.metrics = std::make_shared<observability::Metrics>(std::move(options));
  result.call_options.log_calls =
      config.access_log != config::Config::AccessLog::kOff;
  result.call_options.log_ok_calls =
      config.access_log == config::Config::AccessLog::kAll;

  // The callbacks share ownership: copies of them keep the metrics alive.
  std::shared_ptr<observability::Metrics> shared = result.metrics;
  result.validation_observer = [shared](const api::ValidationEvent& event) {
    shared->RecordValidation(event.valid, event.reason, event.issuer);
  };
  result.metrics_endpoint = [shared] { return shared->Render(); };

  // The hook is owned by the metrics: a plain pointer back to them.
  observability::Metrics* metrics = result.metrics.get();
  const auto* redis =
      dynamic_cast<const revocation::RedisRevocationStore*>(revocations);
  const std::string store_name =
      revocations != nullptr ? StoreName(*revocations) : "";
  if (clock == nullptr) clock = &SystemClock();
  metrics->AddScrapeHook([metrics, issuers = std::move(issuers), revocations,
                          redis, store_name, clock, service] {
    if (service != nullptr) {
      const service::ValidationCacheStats stats = service->CacheStats();
      metrics->SetValidationCache(
          {stats.hits, stats.misses, stats.entries, stats.bytes});
    }
    const absl::Time now = clock->Now();
    for (const auto& [issuer, ring] : issuers) {
      const keyring::KeyRingStatus status = ring->Status();
      observability::KeyRingGauges gauges;
      gauges.keys = status.keys;
      gauges.degraded = status.degraded;
      gauges.last_refresh = status.last_refresh;
      if (ring->ActiveSigningKey() != nullptr &&
          status.active_key_retires != absl::InfiniteFuture()) {
        gauges.active_key_retires_in = status.active_key_retires - now;
      }
      metrics->SetKeyRing(issuer, gauges);
    }
    if (revocations != nullptr) {
      const revocation::RevocationStoreStatus status = revocations->Status();
      observability::RevocationStoreGauges gauges;
      gauges.healthy = status.healthy;
      gauges.entries = status.entries;
      if (redis != nullptr) gauges.fail_open_answers = redis->FailOpenAnswers();
      metrics->SetRevocationStore(store_name, gauges);
    }
  });
  return result;
}

}  // namespace jwtd::app
