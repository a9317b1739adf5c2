#include "server/observability/metrics.h"

#include <algorithm>
#include <utility>

#include "absl/strings/strip.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace jwtd::observability {
namespace {

constexpr int kCodes = 17;  // grpc::StatusCode 0..16.
constexpr char kUnknown[] = "unknown";

prometheus::Labels RpcLabels(absl::string_view type, absl::string_view service,
                             absl::string_view method) {
  return {{"grpc_type", std::string(type)},
          {"grpc_service", std::string(service)},
          {"grpc_method", std::string(method)}};
}

// Sets the gauge with `labels` to `value`, or removes it when unset.
void SetOrRemove(prometheus::Family<prometheus::Gauge>& family,
                 const prometheus::Labels& labels,
                 std::optional<double> value) {
  if (value.has_value()) {
    family.Add(labels).Set(*value);
  } else if (family.Has(labels)) {
    family.Remove(&family.Add(labels));
  }
}

}  // namespace

class Metrics::RpcSeries {
 public:
  prometheus::Counter* started = nullptr;
  prometheus::Histogram* handling = nullptr;
  std::array<prometheus::Counter*, kCodes> handled{};
};

absl::string_view RpcTypeName(RpcType type) {
  switch (type) {
    case RpcType::kUnary:
      return "unary";
    case RpcType::kClientStream:
      return "client_stream";
    case RpcType::kServerStream:
      return "server_stream";
    case RpcType::kBidiStream:
      return "bidi_stream";
  }
  return "unary";
}

absl::string_view GrpcCodeName(grpc::StatusCode code) {
  static constexpr absl::string_view kNames[kCodes] = {
      "OK",
      "CANCELLED",
      "UNKNOWN",
      "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED",
      "FAILED_PRECONDITION",
      "ABORTED",
      "OUT_OF_RANGE",
      "UNIMPLEMENTED",
      "INTERNAL",
      "UNAVAILABLE",
      "DATA_LOSS",
      "UNAUTHENTICATED",
  };
  const int index = static_cast<int>(code);
  if (index < 0 || index >= kCodes) return "UNKNOWN";
  return kNames[index];
}

Metrics::Metrics(MetricsOptions options)
    : options_(std::move(options)),
      registry_(std::make_unique<prometheus::Registry>()) {
  started_ = &prometheus::BuildCounter()
                  .Name("grpc_server_started_total")
                  .Help("Total number of RPCs started on the server.")
                  .Register(*registry_);
  handled_ = &prometheus::BuildCounter()
                  .Name("grpc_server_handled_total")
                  .Help(
                      "Total number of RPCs completed on the server, "
                      "regardless of success or failure.")
                  .Register(*registry_);
  handling_ = &prometheus::BuildHistogram()
                   .Name("grpc_server_handling_seconds")
                   .Help(
                       "Histogram of response latency (seconds) of gRPC "
                       "that had been application-level handled by the "
                       "server.")
                   .Register(*registry_);
  validations_ = &prometheus::BuildCounter()
                      .Name("jwtd_validations_total")
                      .Help(
                          "Validate verdicts by result, reason and the "
                          "configured issuer that judged the token.")
                      .Register(*registry_);
  keyring_keys_ = &prometheus::BuildGauge()
                       .Name("jwtd_keyring_keys")
                       .Help("Verification keys loaded, per issuer.")
                       .Register(*registry_);
  keyring_degraded_ =
      &prometheus::BuildGauge()
           .Name("jwtd_keyring_degraded")
           .Help(
               "1 when an issuer's keys could not be refreshed and the "
               "last good keys are served.")
           .Register(*registry_);
  keyring_last_refresh_ =
      &prometheus::BuildGauge()
           .Name("jwtd_keyring_last_refresh_timestamp_seconds")
           .Help(
               "Unix time of the last successful load or refresh of an "
               "issuer's keys.")
           .Register(*registry_);
  keyring_retire_ =
      &prometheus::BuildGauge()
           .Name("jwtd_keyring_active_key_retire_seconds")
           .Help(
               "Seconds until the active signing key of a rotating key "
               "ring stops signing.")
           .Register(*registry_);
  store_healthy_ = &prometheus::BuildGauge()
                        .Name("jwtd_revocation_store_healthy")
                        .Help("1 when the revocation store answers reliably.")
                        .Register(*registry_);
  store_entries_ = &prometheus::BuildGauge()
                        .Name("jwtd_revocation_store_entries")
                        .Help("Revocations held and not yet expired.")
                        .Register(*registry_);
  store_fail_open_ =
      &prometheus::BuildCounter()
           .Name("jwtd_revocation_store_fail_open_answers_total")
           .Help(
               "Revocation checks answered from a possibly stale view "
               "while the store was unavailable (fail-open).")
           .Register(*registry_);

  cache_lookups_ = &prometheus::BuildCounter()
                        .Name("jwtd_validation_cache_lookups_total")
                        .Help("Validation cache lookups, by hit or miss.")
                        .Register(*registry_);
  cache_entries_ = &prometheus::BuildGauge()
                        .Name("jwtd_validation_cache_entries")
                        .Help("Accepted tokens held by the validation cache.")
                        .Register(*registry_);
  cache_bytes_ = &prometheus::BuildGauge()
                      .Name("jwtd_validation_cache_bytes")
                      .Help("Approximate memory held by the validation cache.")
                      .Register(*registry_);

  issuer_labels_.push_back("");
  for (const std::string& issuer : options_.issuers) {
    if (!issuer.empty()) issuer_labels_.push_back(issuer);
  }
  issuer_labels_.push_back(kUnknown);
  {
    std::lock_guard lock(validations_mu_);
    validation_series_.resize(issuer_labels_.size() * 2);
  }

  for (const RpcMethod& method : options_.methods) {
    const absl::string_view name = absl::StripPrefix(method.full_name, "/");
    const size_t slash = name.find('/');
    if (slash == absl::string_view::npos) continue;  // Not a method name.
    rpcs_.try_emplace(method.full_name,
                      MakeRpcSeries(name.substr(0, slash),
                                    name.substr(slash + 1), method.type));
  }
}

Metrics::~Metrics() = default;

std::unique_ptr<Metrics::RpcSeries> Metrics::MakeRpcSeries(
    absl::string_view service, absl::string_view method, RpcType type) {
  auto series = std::make_unique<RpcSeries>();
  const prometheus::Labels labels =
      RpcLabels(RpcTypeName(type), service, method);
  series->started = &started_->Add(labels);
  series->handling = &handling_->Add(labels, options_.handling_seconds_buckets);
  for (int code = 0; code < kCodes; ++code) {
    prometheus::Labels with_code = labels;
    with_code.emplace(
        "grpc_code",
        std::string(GrpcCodeName(static_cast<grpc::StatusCode>(code))));
    series->handled[code] = &handled_->Add(with_code);
  }
  return series;
}

const Metrics::RpcSeries* Metrics::Rpc(absl::string_view full_method,
                                       RpcType type) {
  auto it = rpcs_.find(full_method);
  if (it != rpcs_.end()) return it->second.get();
  std::lock_guard lock(unknown_mu_);
  std::unique_ptr<RpcSeries>& unknown = unknown_rpcs_[static_cast<int>(type)];
  if (unknown == nullptr) unknown = MakeRpcSeries(kUnknown, kUnknown, type);
  return unknown.get();
}

void Metrics::RpcStarted(const RpcSeries& series) {
  series.started->Increment();
}

void Metrics::RpcHandled(const RpcSeries& series, grpc::StatusCode code,
                         absl::Duration elapsed) {
  int index = static_cast<int>(code);
  if (index < 0 || index >= kCodes) index = grpc::StatusCode::UNKNOWN;
  series.handled[index]->Increment();
  series.handling->Observe(absl::ToDoubleSeconds(elapsed));
}

size_t Metrics::IssuerSlot(absl::string_view issuer) const {
  if (issuer.empty()) return 0;
  for (size_t i = 1; i + 1 < issuer_labels_.size(); ++i) {
    if (issuer_labels_[i] == issuer) return i;
  }
  return issuer_labels_.size() - 1;  // "unknown"
}

void Metrics::RecordValidation(bool valid, absl::string_view reason,
                               absl::string_view issuer) {
  const size_t slot = IssuerSlot(issuer) * 2 + (valid ? 1 : 0);
  {
    std::shared_lock lock(validations_mu_);
    const auto& series = validation_series_[slot];
    auto it = series.find(reason);
    if (it != series.end()) {
      it->second->Increment();
      return;
    }
  }
  std::lock_guard lock(validations_mu_);
  prometheus::Counter*& counter = validation_series_[slot][reason];
  if (counter == nullptr) {
    counter = &validations_->Add({{"result", valid ? "valid" : "invalid"},
                                  {"reason", std::string(reason)},
                                  {"issuer", issuer_labels_[slot / 2]}});
  }
  counter->Increment();
}

void Metrics::SetKeyRing(absl::string_view issuer,
                         const KeyRingGauges& gauges) {
  const prometheus::Labels labels = {{"issuer", std::string(issuer)}};
  keyring_keys_->Add(labels).Set(static_cast<double>(gauges.keys));
  keyring_degraded_->Add(labels).Set(gauges.degraded ? 1 : 0);
  std::optional<double> refreshed;
  if (gauges.last_refresh.has_value() &&
      *gauges.last_refresh != absl::InfinitePast()) {
    refreshed = absl::ToDoubleSeconds(*gauges.last_refresh - absl::UnixEpoch());
  }
  SetOrRemove(*keyring_last_refresh_, labels, refreshed);
  std::optional<double> retire;
  if (gauges.active_key_retires_in.has_value() &&
      *gauges.active_key_retires_in != absl::InfiniteDuration()) {
    retire =
        std::max(0.0, absl::ToDoubleSeconds(*gauges.active_key_retires_in));
  }
  SetOrRemove(*keyring_retire_, labels, retire);
}

void Metrics::SetRevocationStore(absl::string_view store,
                                 const RevocationStoreGauges& gauges) {
  const prometheus::Labels labels = {{"store", std::string(store)}};
  store_healthy_->Add(labels).Set(gauges.healthy ? 1 : 0);
  store_entries_->Add(labels).Set(static_cast<double>(gauges.entries));
  if (!gauges.fail_open_answers.has_value()) return;
  prometheus::Counter& counter = store_fail_open_->Add(labels);
  std::lock_guard lock(gauges_mu_);
  uint64_t& seen = fail_open_seen_[store];
  if (*gauges.fail_open_answers > seen) {
    counter.Increment(static_cast<double>(*gauges.fail_open_answers - seen));
    seen = *gauges.fail_open_answers;
  }
}

void Metrics::SetValidationCache(const ValidationCacheGauges& gauges) {
  cache_entries_->Add({}).Set(static_cast<double>(gauges.entries));
  cache_bytes_->Add({}).Set(static_cast<double>(gauges.bytes));
  prometheus::Counter& hits = cache_lookups_->Add({{"result", "hit"}});
  prometheus::Counter& misses = cache_lookups_->Add({{"result", "miss"}});
  std::lock_guard lock(gauges_mu_);
  if (gauges.hits > cache_hits_seen_) {
    hits.Increment(static_cast<double>(gauges.hits - cache_hits_seen_));
    cache_hits_seen_ = gauges.hits;
  }
  if (gauges.misses > cache_misses_seen_) {
    misses.Increment(static_cast<double>(gauges.misses - cache_misses_seen_));
    cache_misses_seen_ = gauges.misses;
  }
}

void Metrics::AddScrapeHook(std::function<void()> hook) {
  std::lock_guard lock(scrape_mu_);
  hooks_.push_back(std::move(hook));
}

std::string Metrics::Render() {
  std::lock_guard lock(scrape_mu_);
  for (const auto& hook : hooks_) hook();
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace jwtd::observability
