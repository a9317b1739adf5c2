#ifndef JWTD_SERVER_APP_OBSERVABILITY_WIRING_H_
#define JWTD_SERVER_APP_OBSERVABILITY_WIRING_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "grpcpp/support/server_interceptor.h"
#include "server/api/token_service_handler.h"
#include "server/config/config.h"
#include "server/keyring/key_ring.h"
#include "server/observability/call_observer.h"
#include "server/observability/metrics.h"
#include "server/revocation/revocation_store.h"
#include "server/util/clock.h"

namespace jwtd::app {

// What jwtd_server.cc plugs in: metrics and per-call logs for every gRPC
// server, validation counts from the handler, /metrics on the HTTP
// listener, and the gauges of key rings and revocation store (refreshed at
// each scrape).
struct Observability {
  std::shared_ptr<observability::Metrics> metrics;
  observability::CallObserverOptions call_options;

  // A new interceptor factory for one grpc::ServerBuilder (each server needs
  // its own; they share `metrics`). Put it LAST in SetInterceptorCreators,
  // after authorization, so that it records the status actually sent (see
  // call_observer.h).
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  NewCallObserver() const;

  // For api::TokenServiceHandler.
  api::ValidationObserver validation_observer;

  // For api::HttpEndpoints::metrics.
  std::function<std::string()> metrics_endpoint;
};

// Builds the metrics for the served methods (jwtd.v1.TokenService and
// grpc.health.v1.Health) and the configured issuers, and adds the scrape
// hook that reads every ring's and the store's Status().
//
// `rings` are the rings of config.issuers, in the same order; `revocations`
// may be null (no store); `clock` is the rings' clock. The rings, the store
// and the returned value must outlive the servers that use it; the rings,
// the store and the clock must outlive the returned value (its scrape hook
// reads them).
Observability InstallObservability(
    const config::Config& config,
    const std::vector<std::unique_ptr<keyring::KeyRing>>& rings,
    const revocation::RevocationStore* revocations, const Clock* clock,
    const service::TokenService* service = nullptr);

// The methods of the services jwtd serves, for MetricsOptions::methods.
// A newly served service must be added here, else its calls count as
// grpc_service="unknown".
std::vector<observability::RpcMethod> ServedMethods();

}  // namespace jwtd::app

#endif  // JWTD_SERVER_APP_OBSERVABILITY_WIRING_H_
