#ifndef JWTD_SERVER_OBSERVABILITY_METRICS_H_
#define JWTD_SERVER_OBSERVABILITY_METRICS_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/status_code_enum.h"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace jwtd::observability {

// The kind of an RPC, as go-grpc-prometheus names it in `grpc_type`.
enum class RpcType { kUnary, kClientStream, kServerStream, kBidiStream };

absl::string_view RpcTypeName(RpcType type);

// "OK", "PERMISSION_DENIED", ...: the names gRPC gives its codes (and
// go-grpc-prometheus puts in `grpc_code`). "UNKNOWN" for a value outside
// 0..16.
absl::string_view GrpcCodeName(grpc::StatusCode code);

// A method a server serves: full name "/<package>.<Service>/<Method>".
struct RpcMethod {
  std::string full_name;
  RpcType type = RpcType::kUnary;
};

struct MetricsOptions {
  // The methods the servers serve. Their series exist from the start (at
  // 0, for every code), so rates work from the first scrape. A call to any
  // other name (the name comes from the client) is counted under
  // grpc_service="unknown", grpc_method="unknown", so that clients cannot
  // create series.
  std::vector<RpcMethod> methods;
  // The configured trusted issuers: the only values `issuer` labels take,
  // besides "" (no issuer judged the token) and "unknown" (anything else).
  std::vector<std::string> issuers;
  // Upper bounds of the grpc_server_handling_seconds buckets, ascending:
  // 50 us to 5 s by default (a sidecar answers in well under a millisecond;
  // the top buckets catch remote JWKS fetches and stalls).
  std::vector<double> handling_seconds_buckets = {
      0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
      0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,   5};
};

// What a key ring reports at a scrape (see keyring::KeyRingStatus).
struct KeyRingGauges {
  size_t keys = 0;
  bool degraded = false;
  // Unset: the series is removed (never refreshed).
  std::optional<absl::Time> last_refresh;
  // Unset: the ring does not sign or never rotates; the series is removed.
  std::optional<absl::Duration> active_key_retires_in;
};

// What a revocation store reports at a scrape.
struct RevocationStoreGauges {
  bool healthy = true;
  size_t entries = 0;
  // The store's running total of answers given from a possibly stale view
  // while unavailable (fail-open); unset when the store has no such mode.
  std::optional<uint64_t> fail_open_answers;
};

// What the validation cache reports at a scrape: running totals and size.
struct ValidationCacheGauges {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

// jwtd's Prometheus metrics, rendered in the text exposition format 0.0.4:
//
//   grpc_server_started_total{grpc_type,grpc_service,grpc_method}
//   grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}
//   grpc_server_handling_seconds{grpc_type,grpc_service,grpc_method}
//       (histogram; names and labels as go-grpc-prometheus)
//   jwtd_validations_total{result,reason,issuer}
//       result "valid" or "invalid"; reason the jwtd.v1.Reason name
//       ("REASON_EXPIRED"), "" when valid; issuer the configured issuer
//       that judged the token, "" when none did
//   jwtd_keyring_keys{issuer}
//   jwtd_keyring_degraded{issuer}                    1 or 0
//   jwtd_keyring_last_refresh_timestamp_seconds{issuer}
//   jwtd_keyring_active_key_retire_seconds{issuer}   rotating signing rings
//   jwtd_revocation_store_healthy{store}             1 or 0
//   jwtd_revocation_store_entries{store}
//   jwtd_revocation_store_fail_open_answers_total{store}
//   jwtd_validation_cache_lookups_total{result}      "hit" or "miss"
//   jwtd_validation_cache_entries, jwtd_validation_cache_bytes
//
// The Record* methods are on the request path: they take no lock for the
// served methods' series (resolved at construction), and a reader lock for
// validation series after their first use. Gauges are set by scrape hooks
// (AddScrapeHook), which Render runs before rendering: no background thread.
// Thread-safe.
class Metrics {
 public:
  explicit Metrics(MetricsOptions options);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The series of one method; resolve once per call with Rpc().
  class RpcSeries;
  // The series for `full_method` ("/pkg.Service/Method"); the "unknown"
  // ones (made at first use) for a method not in MetricsOptions::methods.
  // Never null; valid as long as the Metrics.
  const RpcSeries* Rpc(absl::string_view full_method, RpcType type);
  // grpc_server_started_total + 1.
  void RpcStarted(const RpcSeries& series);
  // grpc_server_handled_total{grpc_code} + 1 and one handling_seconds
  // observation.
  void RpcHandled(const RpcSeries& series, grpc::StatusCode code,
                  absl::Duration elapsed);

  // jwtd_validations_total + 1. `reason` must be one of a small fixed set
  // (the enum names); `issuer` is mapped to "unknown" unless configured or
  // empty.
  void RecordValidation(bool valid, absl::string_view reason,
                        absl::string_view issuer);

  // Gauges, usually from a scrape hook.
  void SetKeyRing(absl::string_view issuer, const KeyRingGauges& gauges);
  void SetRevocationStore(absl::string_view store,
                          const RevocationStoreGauges& gauges);

  // `hook` runs at every Render, before the registry is collected, in the
  // order added; it must be thread-safe against the request path and must
  // stay callable as long as this Metrics. Add hooks before serving.
  void SetValidationCache(const ValidationCacheGauges& gauges);

  void AddScrapeHook(std::function<void()> hook);

  // Runs the scrape hooks, then renders every series (text format 0.0.4).
  // Concurrent calls are serialized.
  std::string Render();

 private:
  // Index of the issuer's label in issuer_labels_.
  size_t IssuerSlot(absl::string_view issuer) const;
  std::unique_ptr<RpcSeries> MakeRpcSeries(absl::string_view service,
                                           absl::string_view method,
                                           RpcType type);

  const MetricsOptions options_;
  std::unique_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* started_;
  prometheus::Family<prometheus::Counter>* handled_;
  prometheus::Family<prometheus::Histogram>* handling_;
  prometheus::Family<prometheus::Counter>* validations_;
  prometheus::Family<prometheus::Gauge>* keyring_keys_;
  prometheus::Family<prometheus::Gauge>* keyring_degraded_;
  prometheus::Family<prometheus::Gauge>* keyring_last_refresh_;
  prometheus::Family<prometheus::Gauge>* keyring_retire_;
  prometheus::Family<prometheus::Gauge>* store_healthy_;
  prometheus::Family<prometheus::Gauge>* store_entries_;
  prometheus::Family<prometheus::Counter>* store_fail_open_;
  prometheus::Family<prometheus::Counter>* cache_lookups_;
  prometheus::Family<prometheus::Gauge>* cache_entries_;
  prometheus::Family<prometheus::Gauge>* cache_bytes_;

  // Built in the constructor, read-only afterwards (no lock).
  absl::flat_hash_map<std::string, std::unique_ptr<RpcSeries>> rpcs_;
  // The "unknown" series by RpcType, made at first use (rare).
  // std::mutex and std::shared_mutex: visible to ThreadSanitizer, which
  // Debian's uninstrumented absl::Mutex is not (docs/sanitizers.md).
  std::mutex unknown_mu_;
  std::array<std::unique_ptr<RpcSeries>, 4> unknown_rpcs_
      ABSL_GUARDED_BY(unknown_mu_);

  // Validation counters: one map by reason per (issuer label, result),
  // indexed by ValidationSlot(); looked up without allocating.
  std::vector<std::string> issuer_labels_;  // "", the issuers, "unknown".
  mutable std::shared_mutex validations_mu_;
  std::vector<absl::flat_hash_map<std::string, prometheus::Counter*>>
      validation_series_ ABSL_GUARDED_BY(validations_mu_);

  std::mutex scrape_mu_;
  std::vector<std::function<void()>> hooks_ ABSL_GUARDED_BY(scrape_mu_);
  // Last fail-open totals seen, to turn them into counter increments.
  std::mutex gauges_mu_;
  absl::flat_hash_map<std::string, uint64_t> fail_open_seen_
      ABSL_GUARDED_BY(gauges_mu_);
  uint64_t cache_hits_seen_ ABSL_GUARDED_BY(gauges_mu_) = 0;
  uint64_t cache_misses_seen_ ABSL_GUARDED_BY(gauges_mu_) = 0;
};

}  // namespace jwtd::observability

#endif  // JWTD_SERVER_OBSERVABILITY_METRICS_H_
