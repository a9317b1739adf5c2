// Fuzzes the configuration loader: the input is the text of a YAML config
// file as jwtd reads it. Runs ParseConfig (the parser and the cross-field
// checks --check-config relies on, without the file system) and checks the
// properties in docs/fuzzing.md: failures are INVALID_ARGUMENT with a short
// message, no exception escapes, and an accepted configuration keeps every
// promise of config.h and is one that jwtd can start a service from. A
// violated property traps.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/config/config.h"
#include "server/jose/algorithm.h"
#include "server/jose/jwt_validator.h"
#include "server/jose/key_set.h"
#include "server/keyring/registry.h"
#include "server/service/token_service.h"
#include "server/util/clock.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/support/fake_key_ring.h"

namespace jwtd::config {
namespace {

using ::jwtd::fuzzing::Require;
using ::jwtd::fuzzing::ValueOrDie;

// An error names a field path and says what is wrong; anything longer
// quotes too much of the input into the log line.
constexpr size_t kMaxErrorMessageBytes = 512;

bool Finite(absl::Duration d) {
  return d != absl::InfiniteDuration() && d != -absl::InfiniteDuration();
}

bool NonNegative(absl::Duration d) {
  return Finite(d) && d >= absl::ZeroDuration();
}

bool IsUnix(const std::string& address) {
  return absl::StartsWith(address, "unix:");
}

// An empty key ring per issuer: enough for TokenService::Create, which
// checks the policies and TTLs as jwtd's start-up does.
keyring::KeyRing* EmptyRing() {
  static testing::FakeKeyRing* const ring = new testing::FakeKeyRing(
      nullptr, ValueOrDie(jose::KeySet::Create({}), "empty key set"));
  return ring;
}

void CheckKeySource(const Config& config, const IssuerConfig& issuer) {
  const absl::Duration leeway = issuer.policy.leeway;
  if (const auto* local =
          std::get_if<keyring::LocalKeyRingOptions>(&issuer.keys)) {
    Require(!jose::IsHmac(local->alg), "local key source with an HMAC alg");
    Require(NonNegative(local->rotation_period) &&
                NonNegative(local->publish_ahead),
            "local key source with a negative or infinite duration");
    Require(local->rotation_period == absl::ZeroDuration() ||
                local->publish_ahead < local->rotation_period,
            "publish_ahead not shorter than rotation_period");
    Require(local->retain_after_retirement == config.max_ttl + leeway,
            "retired local keys not kept for max_ttl + leeway");
  } else if (const auto* files =
                 std::get_if<keyring::FilesKeyRingOptions>(&issuer.keys)) {
    Require(!files->paths.empty(), "files key source without paths");
    for (const std::string& path : files->paths) {
      Require(!path.empty(), "files key source with an empty path");
    }
    Require(NonNegative(files->poll_interval),
            "files key source with a negative or infinite poll_interval");
  } else {
    const auto& remote =
        std::get<keyring::RemoteJwksKeyRingOptions>(issuer.keys);
    Require(remote.jwks_uri.empty() != remote.discovery_url.empty(),
            "remote key source without exactly one URL");
    const std::string& url =
        remote.jwks_uri.empty() ? remote.discovery_url : remote.jwks_uri;
    Require(absl::StartsWith(url, "https://") ||
                (remote.allow_http && absl::StartsWith(url, "http://")),
            "remote key source with a plain http URL not allowed");
    Require(NonNegative(remote.min_refresh) &&
                NonNegative(remote.max_refresh) &&
                NonNegative(remote.cooldown) && Finite(remote.timeout),
            "remote key source with a negative or infinite duration");
    Require(remote.min_refresh <= remote.max_refresh,
            "min_refresh above max_refresh");
    Require(remote.timeout > absl::ZeroDuration(), "non-positive timeout");
  }
  // What the backend's Open checks of its options before it touches files
  // or the network: --check-config must not pass what start-up refuses.
  Require(keyring::CheckKeyRingOptions(issuer.keys).ok(),
          "accepted key source options that its key ring refuses");
}

void CheckIssuers(const Config& config) {
  Require(!config.issuers.empty(), "accepted a config without issuers");
  size_t local_in_data_dir = 0;
  for (size_t i = 0; i < config.issuers.size(); ++i) {
    const IssuerConfig& issuer = config.issuers[i];
    const jose::ValidationPolicy& policy = issuer.policy;
    Require(!policy.issuer.empty(), "accepted an empty issuer");
    for (size_t j = 0; j < i; ++j) {
      Require(config.issuers[j].policy.issuer != policy.issuer,
              "accepted an issuer listed twice");
    }
    Require(policy.leeway >= absl::ZeroDuration() &&
                policy.leeway <= jose::kMaxLeeway,
            "leeway outside [0, 10m]");
    Require(policy.max_age > absl::ZeroDuration(),
            "max_token_age not positive");
    Require(!policy.typ.has_value() || !policy.typ->empty(), "empty typ");
    for (const std::string& audience : policy.audiences) {
      Require(!audience.empty(), "empty audience");
    }
    for (const std::string& claim : policy.required_claims) {
      Require(!claim.empty(), "empty required claim");
    }
    Require(jose::JwtValidator::Create(policy).ok(),
            "accepted a policy the validator refuses");
    if (const auto* local =
            std::get_if<keyring::LocalKeyRingOptions>(&issuer.keys)) {
      if (LocalKeyDir(config, *local) == config.data_dir) ++local_in_data_dir;
    }
    CheckKeySource(config, issuer);
  }
  Require(local_in_data_dir <= 1, "two local key sources share data_dir");
}

void CheckServing(const Config& config) {
  Require(config.grpc_socket_mode >= 0 && config.grpc_socket_mode <= 0777 &&
              config.privileged_socket_mode >= 0 &&
              config.privileged_socket_mode <= 0777,
          "socket mode outside 0..0777");
  const GrpcLimits& limits = config.limits;
  Require(limits.max_message_bytes >= 1024 &&
              limits.max_message_bytes <= (16 << 20),
          "max_message_bytes outside [1 KiB, 16 MiB]");
  Require(limits.max_concurrent_streams >= 1 &&
              limits.max_concurrent_streams <= 100000,
          "max_concurrent_streams outside [1, 100000]");
  Require(Finite(limits.keepalive_time) &&
              limits.keepalive_time >= absl::Seconds(10),
          "keepalive_time below 10s or infinite");
  Require(Finite(limits.keepalive_timeout) &&
              limits.keepalive_timeout >= absl::Seconds(1),
          "keepalive_timeout below 1s or infinite");
  Require(NonNegative(limits.min_client_ping_interval),
          "negative or infinite min_client_ping_interval");
  Require(NonNegative(config.shutdown_grace),
          "negative or infinite shutdown_grace");
  Require(
      config.validation_cache_mib >= 0 && config.validation_cache_mib <= 1024,
      "validation_cache_mib outside [0, 1024]");

  const TlsConfig& tls = config.tls;
  Require(tls.cert_file.empty() == tls.key_file.empty(),
          "cert_file without key_file or the reverse");
  Require(!tls.mutual() || tls.enabled(), "client_ca_file without TLS");
  Require(!tls.enabled() || (Finite(tls.reload_interval) &&
                             tls.reload_interval >= absl::Seconds(1)),
          "TLS reload_interval below 1s or infinite");
  for (const std::string& caller : config.privileged_callers) {
    const size_t scheme_end = caller.find("://");
    const bool dns = absl::StartsWith(caller, "dns:") && caller.size() > 4 &&
                     !absl::StrContains(caller.substr(4), "/");
    const bool uri = scheme_end != std::string::npos && scheme_end > 0 &&
                     scheme_end + 3 < caller.size();
    Require(dns || uri, "privileged caller neither dns:<name> nor a URI");
  }
  Require(config.privileged_callers.empty() ||
              (tls.mutual() && !IsUnix(config.grpc_listen)),
          "privileged_callers without mutual TLS on TCP");
  if (!config.privileged_listen.empty()) {
    Require(config.privileged_listen != config.grpc_listen &&
                config.privileged_listen != config.http_listen,
            "privileged_listen shares an address");
  }
  const RevocationConfig& revocation = config.revocation;
  Require(revocation.redis_port >= 1 && revocation.redis_port <= 65535,
          "redis port outside [1, 65535]");
  Require(config.access_log == Config::AccessLog::kAll ||
              config.access_log == Config::AccessLog::kErrors ||
              config.access_log == Config::AccessLog::kOff,
          "access_log out of range");
}

// jwtd starts its service from an accepted configuration as
// JwtdServer::Start does; with empty key rings that must not fail.
void CheckServiceAccepts(const Config& config) {
  service::TokenServiceOptions options;
  options.default_ttl = config.default_ttl;
  options.max_ttl = config.max_ttl;
  options.validation_cache_bytes =
      static_cast<size_t>(config.validation_cache_mib) << 20;
  for (const IssuerConfig& issuer : config.issuers) {
    options.issuers.push_back(
        service::TrustedIssuer{issuer.policy, EmptyRing()});
  }
  absl::StatusOr<std::unique_ptr<service::TokenService>> service =
      service::TokenService::Create(std::move(options), &SystemClock());
  Require(service.ok(), "accepted a config the token service refuses");
}

void CheckAccepted(const Config& config) {
  Require(config.default_ttl > absl::ZeroDuration() &&
              config.default_ttl <= config.max_ttl && Finite(config.max_ttl),
          "default_ttl not in (0, max_ttl] or max_ttl infinite");
  CheckIssuers(config);
  CheckServing(config);
  // Finalize is what main runs again after flags override fields: on an
  // accepted config it must accept and change nothing it derives.
  Config again = config;
  Require(Finalize(&again).ok(), "Finalize refuses what ParseConfig accepted");
  for (size_t i = 0; i < config.issuers.size(); ++i) {
    const auto* before =
        std::get_if<keyring::LocalKeyRingOptions>(&config.issuers[i].keys);
    const auto* after =
        std::get_if<keyring::LocalKeyRingOptions>(&again.issuers[i].keys);
    Require((before == nullptr) == (after == nullptr) &&
                (before == nullptr || before->retain_after_retirement ==
                                          after->retain_after_retirement),
            "Finalize is not idempotent");
  }
  CheckServiceAccepts(config);
}

void FuzzConfig(absl::string_view text) {
  absl::StatusOr<Config> config;
  try {
    config = ParseConfig(text);
  } catch (...) {
    // yaml-cpp throws; jwtd must turn every such failure into a status.
    jwtd::fuzzing::PropertyViolated("an exception escaped ParseConfig");
  }
  if (!config.ok()) {
    Require(config.status().code() == absl::StatusCode::kInvalidArgument,
            "config failure is not INVALID_ARGUMENT");
    Require(!config.status().message().empty(), "config error without text");
    Require(config.status().message().size() <= kMaxErrorMessageBytes,
            "config error message too long");
    return;
  }
  CheckAccepted(*config);
}

}  // namespace
}  // namespace jwtd::config

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  jwtd::config::FuzzConfig(
      absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
