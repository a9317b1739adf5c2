#include "server/observability/metrics.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/prometheus_text.h"

namespace jwtd::observability {
namespace {

using ::jwtd::testing::FindSample;
using ::jwtd::testing::PrometheusLabels;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;

constexpr char kValidate[] = "/jwtd.v1.TokenService/Validate";
constexpr char kIssuer[] = "https://jwtd.example";
constexpr char kPartner[] = "https://partner.example";

MetricsOptions Options() {
  MetricsOptions options;
  options.methods = {{kValidate, RpcType::kUnary},
                     {"/grpc.health.v1.Health/Watch", RpcType::kServerStream}};
  options.issuers = {kIssuer, kPartner};
  return options;
}

PrometheusLabels ValidateLabels() {
  return {{"grpc_type", "unary"},
          {"grpc_service", "jwtd.v1.TokenService"},
          {"grpc_method", "Validate"}};
}

PrometheusLabels With(PrometheusLabels labels, const std::string& name,
                      const std::string& value) {
  labels[name] = value;
  return labels;
}

TEST(GrpcCodeNameTest, NamesEveryCode) {
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::OK), "OK");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::PERMISSION_DENIED),
            "PERMISSION_DENIED");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
  EXPECT_EQ(GrpcCodeName(static_cast<grpc::StatusCode>(99)), "UNKNOWN");
  EXPECT_EQ(RpcTypeName(RpcType::kBidiStream), "bidi_stream");
}

TEST(MetricsTest, ServedMethodsStartAtZeroForEveryCode) {
  Metrics metrics(Options());
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE grpc_server_started_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE grpc_server_handled_total counter"));
  EXPECT_THAT(text, HasSubstr("# TYPE grpc_server_handling_seconds histogram"));
  EXPECT_THAT(FindSample(text, "grpc_server_started_total", ValidateLabels()),
              Optional(0.0));
  for (const char* code : {"OK", "CANCELLED", "PERMISSION_DENIED",
                           "UNAVAILABLE", "UNAUTHENTICATED"}) {
    EXPECT_THAT(FindSample(text, "grpc_server_handled_total",
                           With(ValidateLabels(), "grpc_code", code)),
                Optional(0.0))
        << code;
  }
  EXPECT_THAT(FindSample(text, "grpc_server_started_total",
                         {{"grpc_type", "server_stream"},
                          {"grpc_service", "grpc.health.v1.Health"},
                          {"grpc_method", "Watch"}}),
              Optional(0.0));
  // Buckets from 50 us to 5 s.
  EXPECT_THAT(FindSample(text, "grpc_server_handling_seconds_bucket",
                         With(ValidateLabels(), "le", "5e-05")),
              Optional(0.0));
  EXPECT_THAT(FindSample(text, "grpc_server_handling_seconds_bucket",
                         With(ValidateLabels(), "le", "5")),
              Optional(0.0));
}

TEST(MetricsTest, CountsCallsByCodeWithTheirLatency) {
  Metrics metrics(Options());
  const Metrics::RpcSeries* validate = metrics.Rpc(kValidate, RpcType::kUnary);
  EXPECT_EQ(metrics.Rpc(kValidate, RpcType::kUnary), validate);
  for (int i = 0; i < 3; ++i) {
    metrics.RpcStarted(*validate);
    metrics.RpcHandled(*validate, grpc::StatusCode::OK, absl::Microseconds(80));
  }
  metrics.RpcStarted(*validate);
  metrics.RpcHandled(*validate, grpc::StatusCode::PERMISSION_DENIED,
                     absl::Seconds(2));
  const std::string text = metrics.Render();
  EXPECT_THAT(FindSample(text, "grpc_server_started_total", ValidateLabels()),
              Optional(4.0));
  EXPECT_THAT(FindSample(text, "grpc_server_handled_total",
                         With(ValidateLabels(), "grpc_code", "OK")),
              Optional(3.0));
  EXPECT_THAT(
      FindSample(text, "grpc_server_handled_total",
                 With(ValidateLabels(), "grpc_code", "PERMISSION_DENIED")),
      Optional(1.0));
  EXPECT_THAT(
      FindSample(text, "grpc_server_handling_seconds_count", ValidateLabels()),
      Optional(4.0));
  EXPECT_THAT(FindSample(text, "grpc_server_handling_seconds_bucket",
                         With(ValidateLabels(), "le", "0.0001")),
              Optional(3.0));
  EXPECT_THAT(FindSample(text, "grpc_server_handling_seconds_bucket",
                         With(ValidateLabels(), "le", "1")),
              Optional(3.0));
  EXPECT_THAT(FindSample(text, "grpc_server_handling_seconds_bucket",
                         With(ValidateLabels(), "le", "2.5")),
              Optional(4.0));
}

// Method names come from clients: names the server does not serve never
// become label values.
TEST(MetricsTest, UnservedMethodsAreUnknown) {
  Metrics metrics(Options());
  const Metrics::RpcSeries* bogus =
      metrics.Rpc("/evil.Service/x-attacker-chosen", RpcType::kUnary);
  EXPECT_EQ(metrics.Rpc("/another/one", RpcType::kUnary), bogus);
  metrics.RpcStarted(*bogus);
  metrics.RpcHandled(*bogus, grpc::StatusCode::UNIMPLEMENTED,
                     absl::Microseconds(10));
  const std::string text = metrics.Render();
  EXPECT_THAT(text, Not(HasSubstr("attacker")));
  const PrometheusLabels unknown = {{"grpc_type", "unary"},
                                    {"grpc_service", "unknown"},
                                    {"grpc_method", "unknown"}};
  EXPECT_THAT(FindSample(text, "grpc_server_started_total", unknown),
              Optional(1.0));
  EXPECT_THAT(FindSample(text, "grpc_server_handled_total",
                         With(unknown, "grpc_code", "UNIMPLEMENTED")),
              Optional(1.0));
}

TEST(MetricsTest, CountsValidationsWithBoundedIssuers) {
  Metrics metrics(Options());
  metrics.RecordValidation(true, "", kIssuer);
  metrics.RecordValidation(true, "", kIssuer);
  metrics.RecordValidation(false, "REASON_EXPIRED", kPartner);
  metrics.RecordValidation(false, "REASON_MALFORMED", "");
  // Not a configured issuer: never a label value.
  metrics.RecordValidation(false, "REASON_WRONG_ISSUER",
                           "https://evil.example");
  const std::string text = metrics.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE jwtd_validations_total counter"));
  EXPECT_THAT(
      FindSample(text, "jwtd_validations_total",
                 {{"result", "valid"}, {"reason", ""}, {"issuer", kIssuer}}),
      Optional(2.0));
  EXPECT_THAT(FindSample(text, "jwtd_validations_total",
                         {{"result", "invalid"},
                          {"reason", "REASON_EXPIRED"},
                          {"issuer", kPartner}}),
              Optional(1.0));
  EXPECT_THAT(FindSample(text, "jwtd_validations_total",
                         {{"result", "invalid"},
                          {"reason", "REASON_MALFORMED"},
                          {"issuer", ""}}),
              Optional(1.0));
  EXPECT_THAT(FindSample(text, "jwtd_validations_total",
                         {{"result", "invalid"},
                          {"reason", "REASON_WRONG_ISSUER"},
                          {"issuer", "unknown"}}),
              Optional(1.0));
  EXPECT_THAT(text, Not(HasSubstr("evil")));
}

TEST(MetricsTest, KeyRingGauges) {
  Metrics metrics(Options());
  const absl::Time refreshed = absl::FromUnixSeconds(1700000000);
  metrics.SetKeyRing(kIssuer, {.keys = 2,
                               .degraded = false,
                               .last_refresh = refreshed,
                               .active_key_retires_in = absl::Hours(1)});
  KeyRingGauges partner_gauges;
  partner_gauges.keys = 3;
  partner_gauges.degraded = true;
  metrics.SetKeyRing(kPartner, partner_gauges);
  std::string text = metrics.Render();
  const PrometheusLabels own = {{"issuer", kIssuer}};
  const PrometheusLabels partner = {{"issuer", kPartner}};
  EXPECT_THAT(FindSample(text, "jwtd_keyring_keys", own), Optional(2.0));
  EXPECT_THAT(FindSample(text, "jwtd_keyring_keys", partner), Optional(3.0));
  EXPECT_THAT(FindSample(text, "jwtd_keyring_degraded", own), Optional(0.0));
  EXPECT_THAT(FindSample(text, "jwtd_keyring_degraded", partner),
              Optional(1.0));
  EXPECT_THAT(
      FindSample(text, "jwtd_keyring_last_refresh_timestamp_seconds", own),
      Optional(1700000000.0));
  EXPECT_THAT(FindSample(text, "jwtd_keyring_active_key_retire_seconds", own),
              Optional(3600.0));
  EXPECT_EQ(FindSample(text, "jwtd_keyring_active_key_retire_seconds", partner),
            std::nullopt);
  EXPECT_EQ(
      FindSample(text, "jwtd_keyring_last_refresh_timestamp_seconds", partner),
      std::nullopt);

  // A value that goes away removes its series; overdue clamps at 0.
  metrics.SetKeyRing(kIssuer, {.keys = 2,
                               .last_refresh = absl::InfinitePast(),
                               .active_key_retires_in = -absl::Seconds(5)});
  text = metrics.Render();
  EXPECT_EQ(
      FindSample(text, "jwtd_keyring_last_refresh_timestamp_seconds", own),
      std::nullopt);
  EXPECT_THAT(FindSample(text, "jwtd_keyring_active_key_retire_seconds", own),
              Optional(0.0));
}

TEST(MetricsTest, RevocationStoreGauges) {
  Metrics metrics(Options());
  RevocationStoreGauges sqlite;
  sqlite.entries = 4;
  metrics.SetRevocationStore("sqlite", sqlite);
  metrics.SetRevocationStore(
      "redis", {.healthy = false, .entries = 1, .fail_open_answers = 5});
  std::string text = metrics.Render();
  EXPECT_THAT(
      FindSample(text, "jwtd_revocation_store_healthy", {{"store", "sqlite"}}),
      Optional(1.0));
  EXPECT_THAT(
      FindSample(text, "jwtd_revocation_store_healthy", {{"store", "redis"}}),
      Optional(0.0));
  EXPECT_THAT(
      FindSample(text, "jwtd_revocation_store_entries", {{"store", "sqlite"}}),
      Optional(4.0));
  EXPECT_THAT(FindSample(text, "jwtd_revocation_store_fail_open_answers_total",
                         {{"store", "redis"}}),
              Optional(5.0));
  EXPECT_EQ(FindSample(text, "jwtd_revocation_store_fail_open_answers_total",
                       {{"store", "sqlite"}}),
            std::nullopt);
  // The store's running total becomes the counter's value.
  metrics.SetRevocationStore(
      "redis", {.healthy = true, .entries = 1, .fail_open_answers = 7});
  text = metrics.Render();
  EXPECT_THAT(FindSample(text, "jwtd_revocation_store_fail_open_answers_total",
                         {{"store", "redis"}}),
              Optional(7.0));
}

TEST(MetricsTest, ValidationCacheTotalsAndSize) {
  Metrics metrics(Options());
  metrics.SetValidationCache(
      {.hits = 5, .misses = 2, .entries = 3, .bytes = 4096});
  std::string text = metrics.Render();
  EXPECT_THAT(FindSample(text, "jwtd_validation_cache_lookups_total",
                         {{"result", "hit"}}),
              Optional(5.0));
  EXPECT_THAT(FindSample(text, "jwtd_validation_cache_lookups_total",
                         {{"result", "miss"}}),
              Optional(2.0));
  EXPECT_THAT(FindSample(text, "jwtd_validation_cache_entries", {}),
              Optional(3.0));
  EXPECT_THAT(FindSample(text, "jwtd_validation_cache_bytes", {}),
              Optional(4096.0));
  // Running totals become the counters' values.
  metrics.SetValidationCache(
      {.hits = 9, .misses = 2, .entries = 3, .bytes = 4096});
  text = metrics.Render();
  EXPECT_THAT(FindSample(text, "jwtd_validation_cache_lookups_total",
                         {{"result", "hit"}}),
              Optional(9.0));
}

TEST(MetricsTest, ScrapeHooksRunBeforeEachRender) {
  Metrics metrics(Options());
  std::vector<int> order;
  int keys = 0;
  metrics.AddScrapeHook([&] {
    order.push_back(1);
    KeyRingGauges gauges;
    gauges.keys = static_cast<size_t>(++keys);
    metrics.SetKeyRing(kIssuer, gauges);
  });
  metrics.AddScrapeHook([&] { order.push_back(2); });
  EXPECT_THAT(
      FindSample(metrics.Render(), "jwtd_keyring_keys", {{"issuer", kIssuer}}),
      Optional(1.0));
  EXPECT_THAT(
      FindSample(metrics.Render(), "jwtd_keyring_keys", {{"issuer", kIssuer}}),
      Optional(2.0));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 1, 2}));
}

TEST(MetricsTest, RecordsFromManyThreadsWhileScraped) {
  Metrics metrics(Options());
  const Metrics::RpcSeries* validate = metrics.Rpc(kValidate, RpcType::kUnary);
  constexpr int kThreads = 4;
  constexpr int kCalls = 2000;
  std::atomic<bool> stop{false};
  std::thread scraper([&] {
    while (!stop.load()) metrics.Render();
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        metrics.RpcStarted(*validate);
        metrics.RpcHandled(*validate, grpc::StatusCode::OK,
                           absl::Microseconds(100));
        metrics.RecordValidation(i % 2 == 0, i % 2 == 0 ? "" : "REASON_EXPIRED",
                                 t % 2 == 0 ? kIssuer : kPartner);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  stop = true;
  scraper.join();
  const std::string text = metrics.Render();
  EXPECT_THAT(FindSample(text, "grpc_server_handled_total",
                         With(ValidateLabels(), "grpc_code", "OK")),
              Optional(static_cast<double>(kThreads * kCalls)));
  EXPECT_THAT(FindSample(text, "jwtd_validations_total",
                         {{"result", "invalid"},
                          {"reason", "REASON_EXPIRED"},
                          {"issuer", kIssuer}}),
              Optional(static_cast<double>(kThreads / 2 * kCalls / 2)));
}

}  // namespace
}  // namespace jwtd::observability
