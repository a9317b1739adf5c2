#ifndef JWTD_SERVER_CONFIG_CONFIG_H_
#define JWTD_SERVER_CONFIG_CONFIG_H_

#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/jose/jwt_validator.h"
#include "server/keyring/registry.h"

namespace jwtd::config {

// Where one issuer's keys come from (exactly one backend).
using KeySource = keyring::KeyRingOptions;

struct IssuerConfig {
  jose::ValidationPolicy policy;
  KeySource keys;
};

// Where revocations are kept (docs/configuration.md).
struct RevocationConfig {
  enum class Store { kSqlite, kRedis, kNone };
  // kSqlite: <data_dir>/revocations.db, for one jwtd (the file is locked
  // while open). kRedis: shared by every replica. kNone: no revocation
  // (Revoke answers FAILED_PRECONDITION), e.g. for a validating sidecar.
  Store store = Store::kSqlite;
  std::string redis_host = "127.0.0.1";
  int redis_port = 6379;
  std::string redis_password;
  // When Redis cannot be reached: false (fail closed, the default) makes
  // Validate answer UNAVAILABLE; true answers from the last known list,
  // with a log line and a metric.
  bool fail_open = false;
};

// TLS for the TCP gRPC listeners (docs/configuration.md). The files are
// re-read every reload_interval, so a renewed certificate (e.g. an updated
// Kubernetes Secret) is served without a restart.
struct TlsConfig {
  std::string cert_file;
  std::string key_file;
  // Set: mutual TLS; every client must present a certificate this CA bundle
  // verifies.
  std::string client_ca_file;
  absl::Duration reload_interval = absl::Seconds(60);

  bool enabled() const { return !cert_file.empty(); }
  bool mutual() const { return !client_ca_file.empty(); }
};

// Bounds on what one peer may make a gRPC listener do.
struct GrpcLimits {
  int max_message_bytes = 64 * 1024;
  int max_concurrent_streams = 100;
  // Server-side keep-alive pings, and how often clients may ping.
  absl::Duration keepalive_time = absl::Hours(2);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  absl::Duration min_client_ping_interval = absl::Minutes(5);
};

// Everything jwtd is configured with. docs/configuration.md documents the
// YAML form field by field; docs/jwtd.example.yaml is a full example.
struct Config {
  // The main listener: Validate, Introspect and GetKeySet for everyone;
  // Issue and Revoke only for privileged_callers (mTLS identities).
  std::string grpc_listen = "127.0.0.1:50051";
  // Mode of grpc_listen's socket file when it is unix:.
  int grpc_socket_mode = 0660;
  // Optional second listener that serves only Issue and Revoke, to every
  // caller that can connect (guard it with a 0600 Unix socket). Empty: none.
  std::string privileged_listen;
  int privileged_socket_mode = 0600;
  TlsConfig tls;
  // mTLS client identities allowed Issue and Revoke on grpc_listen:
  // "dns:<SAN DNS name>" or a URI SAN such as "spiffe://domain/path".
  std::vector<std::string> privileged_callers;
  GrpcLimits limits;
  // How long in-flight calls may finish after SIGTERM.
  absl::Duration shutdown_grace = absl::Seconds(10);
  // Empty: no HTTP listener.
  std::string http_listen;
  // The base URL third parties reach the HTTP listener at, for the
  // discovery document's jwks_uri. Empty: http://<http_listen>.
  std::string public_url;
  std::string data_dir = "var/jwtd";
  absl::Duration default_ttl = absl::Minutes(15);
  absl::Duration max_ttl = absl::Hours(24);
  // The first issuer signs (when its keys can); all are trusted.
  std::vector<IssuerConfig> issuers;
  RevocationConfig revocation;
  // Memory for the validation cache (accepted tokens reused while their key
  // set is unchanged and their time claims hold); 0 turns it off.
  int validation_cache_mib = 8;
  // Which gRPC calls get a log line: every call, only those that did not
  // end OK (the default: a busy sidecar's OK calls are in the metrics), or
  // none.
  enum class AccessLog { kAll, kErrors, kOff };
  AccessLog access_log = AccessLog::kErrors;
};

// Parses a YAML configuration strictly: unknown fields, wrong types, bad
// durations, unknown algorithms, a missing or duplicate issuer, a key
// source that is not exactly one of local / files / remote_jwks, or
// inconsistent values are INVALID_ARGUMENT with the field path, e.g.
// "issuers[1].keys.remote_jwks.jwks_uri: must be an https:// URL".
// Local key sources without a `dir` use `data_dir` (LocalKeyDir); a second
// local source must name its own `dir`. Retired local keys are kept for max_ttl
// plus the issuer's leeway.
absl::StatusOr<Config> ParseConfig(absl::string_view yaml);

// The directory a local key source keeps its keys in: its own `dir`, or
// the configuration's data_dir.
std::string LocalKeyDir(const Config& config,
                        const keyring::LocalKeyRingOptions& local);

// "all", "errors" or "off"; INVALID_ARGUMENT otherwise.
absl::StatusOr<Config::AccessLog> ParseAccessLog(absl::string_view text);

// Reads and parses a file (at most 1 MiB).
absl::StatusOr<Config> LoadConfigFile(const std::string& path);

// The configuration of the simple case, from flags: one issuer with local
// keys in `data_dir`.
Config SingleIssuerConfig(std::string issuer,
                          std::vector<std::string> audiences,
                          absl::Duration leeway, jose::JwsAlgorithm alg);

// Re-applies the derived defaults (local dirs, retention) after fields were
// changed, e.g. by flags overriding a file; and checks cross-field rules.
absl::Status Finalize(Config* config);

}  // namespace jwtd::config

#endif  // JWTD_SERVER_CONFIG_CONFIG_H_
