#include "server/config/config.h"

#include <yaml-cpp/yaml.h>

#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/service/token_service.h"
#include "server/util/file.h"
#include "server/util/status_macros.h"

namespace jwtd::config {
namespace {

constexpr size_t kMaxConfigBytes = 1 << 20;

// Errors name the problem without copying the file into the log: text from
// the input is clipped to this many bytes in a path or quote, and any
// explanation to kMaxWhyBytes.
constexpr size_t kMaxQuotedBytes = 64;
constexpr size_t kMaxWhyBytes = 256;

std::string Clipped(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  return absl::StrCat(text.substr(0, max_bytes), "...");
}

std::string Quoted(absl::string_view text) {
  return absl::StrCat("\"", Clipped(text, kMaxQuotedBytes), "\"");
}

absl::Status FieldError(absl::string_view path, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": ", Clipped(why, kMaxWhyBytes)));
}

// Reads one YAML mapping, remembering which fields were read so that
// unknown ones (typos) are reported instead of silently ignored.
class MapReader {
 public:
  MapReader(const YAML::Node& node, std::string path)
      : node_(node), path_(std::move(path)) {}

  absl::Status CheckIsMap() const {
    if (!node_.IsMap()) return FieldError(path_, "must be a mapping");
    return absl::OkStatus();
  }

  std::string PathOf(absl::string_view field) const {
    return path_.empty() ? std::string(field) : absl::StrCat(path_, ".", field);
  }

  bool Has(const std::string& field) {
    seen_.insert(field);
    return node_[field].IsDefined() && !node_[field].IsNull();
  }
  YAML::Node Get(const std::string& field) {
    seen_.insert(field);
    return node_[field];
  }

  absl::Status String(const std::string& field, std::string* out) {
    if (!Has(field)) return absl::OkStatus();
    const YAML::Node value = Get(field);
    if (!value.IsScalar()) return FieldError(PathOf(field), "must be a string");
    *out = value.Scalar();
    return absl::OkStatus();
  }

  absl::Status Bool(const std::string& field, bool* out) {
    if (!Has(field)) return absl::OkStatus();
    const std::string text = Get(field).IsScalar() ? Get(field).Scalar() : "";
    if (text == "true") {
      *out = true;
    } else if (text == "false") {
      *out = false;
    } else {
      return FieldError(PathOf(field), "must be true or false");
    }
    return absl::OkStatus();
  }

  absl::Status Duration(const std::string& field, absl::Duration* out) {
    if (!Has(field)) return absl::OkStatus();
    const YAML::Node value = Get(field);
    absl::Duration parsed;
    if (!value.IsScalar() || !absl::ParseDuration(value.Scalar(), &parsed) ||
        parsed < absl::ZeroDuration() || parsed == absl::InfiniteDuration()) {
      return FieldError(PathOf(field),
                        "must be a duration such as 90s, 15m or 24h");
    }
    *out = parsed;
    return absl::OkStatus();
  }

  // A whole number in [min, max].
  absl::Status Int(const std::string& field, int min, int max, int* out) {
    if (!Has(field)) return absl::OkStatus();
    const YAML::Node value = Get(field);
    int parsed = 0;
    if (!value.IsScalar() || !absl::SimpleAtoi(value.Scalar(), &parsed) ||
        parsed < min || parsed > max) {
      return FieldError(PathOf(field), absl::StrCat("must be a whole number "
                                                    "from ",
                                                    min, " to ", max));
    }
    *out = parsed;
    return absl::OkStatus();
  }

  // A file mode in octal, e.g. "0660" (quoted or not).
  absl::Status FileMode(const std::string& field, int* out) {
    if (!Has(field)) return absl::OkStatus();
    const YAML::Node value = Get(field);
    const std::string text = value.IsScalar() ? value.Scalar() : "";
    int mode = 0;
    bool ok = !text.empty() && text.size() <= 4;
    // Stops at the first bad digit: a long value must not overflow `mode`.
    for (size_t i = 0; ok && i < text.size(); ++i) {
      ok = text[i] >= '0' && text[i] <= '7';
      mode = mode * 8 + (text[i] - '0');
    }
    if (!ok || mode > 0777) {
      return FieldError(PathOf(field),
                        "must be an octal file mode such as \"0660\"");
    }
    *out = mode;
    return absl::OkStatus();
  }

  absl::Status StringList(const std::string& field,
                          std::vector<std::string>* out) {
    if (!Has(field)) return absl::OkStatus();
    const YAML::Node value = Get(field);
    if (!value.IsSequence()) {
      return FieldError(PathOf(field), "must be a list of strings");
    }
    out->clear();
    for (size_t i = 0; i < value.size(); ++i) {
      if (!value[i].IsScalar() || value[i].Scalar().empty()) {
        return FieldError(absl::StrCat(PathOf(field), "[", i, "]"),
                          "must be a non-empty string");
      }
      out->push_back(value[i].Scalar());
    }
    return absl::OkStatus();
  }

  absl::Status Algorithm(const std::string& field,
                         std::optional<jose::JwsAlgorithm>* out) {
    std::string name;
    if (absl::Status s = String(field, &name); !s.ok()) return s;
    if (name.empty()) return absl::OkStatus();
    *out = jose::JwsAlgorithmFromName(name);
    if (!out->has_value()) {
      return FieldError(PathOf(field),
                        absl::StrCat("unknown JWS algorithm ", Quoted(name)));
    }
    return absl::OkStatus();
  }

  // Every field of the mapping must have been read.
  absl::Status CheckNoUnknownFields() const {
    for (const auto& entry : node_) {
      const std::string key = entry.first.Scalar();
      if (seen_.count(key) == 0) {
        return FieldError(PathOf(Clipped(key, kMaxQuotedBytes)),
                          "unknown field");
      }
    }
    return absl::OkStatus();
  }

  const std::string& path() const { return path_; }

 private:
  YAML::Node node_;
  std::string path_;
  std::set<std::string> seen_;
};

absl::Status ReadLocal(MapReader& local, keyring::LocalKeyRingOptions* out) {
  JWTD_RETURN_IF_ERROR(local.CheckIsMap());
  std::optional<jose::JwsAlgorithm> alg;
  JWTD_RETURN_IF_ERROR(local.Algorithm("alg", &alg));
  if (alg.has_value()) {
    if (jose::IsHmac(*alg)) {
      return FieldError(local.PathOf("alg"),
                        "local keys are key pairs; HMAC is not generated");
    }
    out->alg = *alg;
  }
  JWTD_RETURN_IF_ERROR(local.String("dir", &out->data_dir));
  JWTD_RETURN_IF_ERROR(
      local.Duration("rotation_period", &out->rotation_period));
  JWTD_RETURN_IF_ERROR(local.Duration("publish_ahead", &out->publish_ahead));
  if (out->rotation_period > absl::ZeroDuration() &&
      out->publish_ahead >= out->rotation_period) {
    return FieldError(local.PathOf("publish_ahead"),
                      "must be shorter than rotation_period");
  }
  return local.CheckNoUnknownFields();
}

absl::Status ReadFiles(MapReader& files, keyring::FilesKeyRingOptions* out) {
  JWTD_RETURN_IF_ERROR(files.CheckIsMap());
  JWTD_RETURN_IF_ERROR(files.StringList("paths", &out->paths));
  if (out->paths.empty()) {
    return FieldError(files.PathOf("paths"), "needs at least one file");
  }
  JWTD_RETURN_IF_ERROR(files.Algorithm("alg", &out->alg));
  JWTD_RETURN_IF_ERROR(
      files.Bool("allow_secret_keys", &out->allow_secret_keys));
  JWTD_RETURN_IF_ERROR(files.Duration("poll_interval", &out->poll_interval));
  return files.CheckNoUnknownFields();
}

absl::Status ReadRemote(MapReader& remote,
                        keyring::RemoteJwksKeyRingOptions* out) {
  JWTD_RETURN_IF_ERROR(remote.CheckIsMap());
  JWTD_RETURN_IF_ERROR(remote.String("jwks_uri", &out->jwks_uri));
  JWTD_RETURN_IF_ERROR(remote.String("discovery_url", &out->discovery_url));
  if (out->jwks_uri.empty() == out->discovery_url.empty()) {
    return FieldError(remote.path(),
                      "needs exactly one of jwks_uri and discovery_url");
  }
  JWTD_RETURN_IF_ERROR(remote.Bool("allow_http", &out->allow_http));
  const std::string& url =
      out->jwks_uri.empty() ? out->discovery_url : out->jwks_uri;
  const std::string field =
      out->jwks_uri.empty() ? "discovery_url" : "jwks_uri";
  if (!absl::StartsWith(url, "https://") &&
      !(out->allow_http && absl::StartsWith(url, "http://"))) {
    return FieldError(remote.PathOf(field),
                      out->allow_http ? "must be an http(s):// URL"
                                      : "must be an https:// URL (or set "
                                        "allow_http: true)");
  }
  JWTD_RETURN_IF_ERROR(remote.Duration("min_refresh", &out->min_refresh));
  JWTD_RETURN_IF_ERROR(remote.Duration("max_refresh", &out->max_refresh));
  JWTD_RETURN_IF_ERROR(remote.Duration("cooldown", &out->cooldown));
  JWTD_RETURN_IF_ERROR(remote.Duration("timeout", &out->timeout));
  if (out->min_refresh > out->max_refresh) {
    return FieldError(remote.PathOf("min_refresh"),
                      "must not exceed max_refresh");
  }
  if (out->timeout <= absl::ZeroDuration()) {
    return FieldError(remote.PathOf("timeout"), "must be positive");
  }
  std::optional<jose::JwsAlgorithm> rsa_alg;
  JWTD_RETURN_IF_ERROR(remote.Algorithm("default_rsa_alg", &rsa_alg));
  out->default_rsa_alg = rsa_alg;
  JWTD_RETURN_IF_ERROR(remote.String("cache_file", &out->cache_file));
  JWTD_RETURN_IF_ERROR(remote.String("ca_file", &out->ca_file));
  return remote.CheckNoUnknownFields();
}

absl::Status ReadKeys(MapReader& keys, KeySource* out) {
  JWTD_RETURN_IF_ERROR(keys.CheckIsMap());
  int sources = 0;
  if (keys.Has("local")) {
    ++sources;
    keyring::LocalKeyRingOptions local_options;
    MapReader local(keys.Get("local"), keys.PathOf("local"));
    JWTD_RETURN_IF_ERROR(ReadLocal(local, &local_options));
    *out = local_options;
  }
  if (keys.Has("files")) {
    ++sources;
    keyring::FilesKeyRingOptions files_options;
    MapReader files(keys.Get("files"), keys.PathOf("files"));
    JWTD_RETURN_IF_ERROR(ReadFiles(files, &files_options));
    *out = files_options;
  }
  if (keys.Has("remote_jwks")) {
    ++sources;
    keyring::RemoteJwksKeyRingOptions remote_options;
    MapReader remote(keys.Get("remote_jwks"), keys.PathOf("remote_jwks"));
    JWTD_RETURN_IF_ERROR(ReadRemote(remote, &remote_options));
    *out = remote_options;
  }
  if (sources != 1) {
    return FieldError(keys.path(),
                      "needs exactly one of local, files, remote_jwks");
  }
  return keys.CheckNoUnknownFields();
}

absl::Status ReadIssuer(MapReader& issuer, IssuerConfig* out) {
  JWTD_RETURN_IF_ERROR(issuer.CheckIsMap());
  jose::ValidationPolicy& policy = out->policy;
  JWTD_RETURN_IF_ERROR(issuer.String("issuer", &policy.issuer));
  if (policy.issuer.empty()) {
    return FieldError(issuer.PathOf("issuer"), "is required");
  }
  JWTD_RETURN_IF_ERROR(issuer.StringList("audiences", &policy.audiences));
  // The bounds the token service holds audiences to (it refuses to start
  // otherwise).
  if (policy.audiences.size() > service::kMaxAudiences) {
    return FieldError(issuer.PathOf("audiences"),
                      absl::StrCat("at most ", service::kMaxAudiences));
  }
  for (size_t i = 0; i < policy.audiences.size(); ++i) {
    if (policy.audiences[i].size() > service::kMaxAudienceBytes) {
      return FieldError(absl::StrCat(issuer.PathOf("audiences"), "[", i, "]"),
                        absl::StrCat("must be at most ",
                                     service::kMaxAudienceBytes, " bytes"));
    }
  }
  std::vector<std::string> algorithms;
  JWTD_RETURN_IF_ERROR(issuer.StringList("algorithms", &algorithms));
  for (size_t i = 0; i < algorithms.size(); ++i) {
    std::optional<jose::JwsAlgorithm> alg =
        jose::JwsAlgorithmFromName(algorithms[i]);
    if (!alg.has_value()) {
      return FieldError(
          absl::StrCat(issuer.PathOf("algorithms"), "[", i, "]"),
          absl::StrCat("unknown JWS algorithm ", Quoted(algorithms[i])));
    }
    policy.algorithms.push_back(*alg);
  }
  JWTD_RETURN_IF_ERROR(issuer.Duration("leeway", &policy.leeway));
  if (policy.leeway > jose::kMaxLeeway) {
    return FieldError(issuer.PathOf("leeway"), "must be at most 10m");
  }
  std::string typ;
  JWTD_RETURN_IF_ERROR(issuer.String("typ", &typ));
  if (!typ.empty()) policy.typ = typ;
  JWTD_RETURN_IF_ERROR(issuer.Duration("max_token_age", &policy.max_age));
  if (policy.max_age == absl::ZeroDuration()) {
    return FieldError(issuer.PathOf("max_token_age"), "must be positive");
  }
  JWTD_RETURN_IF_ERROR(
      issuer.StringList("required_claims", &policy.required_claims));
  JWTD_RETURN_IF_ERROR(issuer.Bool("require_exp", &policy.require_exp));
  if (!issuer.Has("keys")) {
    return FieldError(issuer.PathOf("keys"), "is required");
  }
  MapReader keys(issuer.Get("keys"), issuer.PathOf("keys"));
  JWTD_RETURN_IF_ERROR(ReadKeys(keys, &out->keys));
  return issuer.CheckNoUnknownFields();
}

absl::Status ReadRevocation(MapReader& revocation, RevocationConfig* out) {
  JWTD_RETURN_IF_ERROR(revocation.CheckIsMap());
  std::string store = "sqlite";
  JWTD_RETURN_IF_ERROR(revocation.String("store", &store));
  if (store == "sqlite") {
    out->store = RevocationConfig::Store::kSqlite;
  } else if (store == "redis") {
    out->store = RevocationConfig::Store::kRedis;
  } else if (store == "none") {
    out->store = RevocationConfig::Store::kNone;
  } else {
    return FieldError(revocation.PathOf("store"),
                      "must be sqlite, redis or none");
  }
  if (revocation.Has("redis")) {
    MapReader redis(revocation.Get("redis"), revocation.PathOf("redis"));
    JWTD_RETURN_IF_ERROR(redis.CheckIsMap());
    JWTD_RETURN_IF_ERROR(redis.String("host", &out->redis_host));
    std::string port;
    JWTD_RETURN_IF_ERROR(redis.String("port", &port));
    if (!port.empty() && (!absl::SimpleAtoi(port, &out->redis_port) ||
                          out->redis_port < 1 || out->redis_port > 65535)) {
      return FieldError(redis.PathOf("port"), "must be a port number");
    }
    JWTD_RETURN_IF_ERROR(redis.String("password", &out->redis_password));
    std::string on_unavailable = "fail_closed";
    JWTD_RETURN_IF_ERROR(redis.String("on_unavailable", &on_unavailable));
    if (on_unavailable != "fail_closed" && on_unavailable != "fail_open") {
      return FieldError(redis.PathOf("on_unavailable"),
                        "must be fail_closed or fail_open");
    }
    out->fail_open = on_unavailable == "fail_open";
    JWTD_RETURN_IF_ERROR(redis.CheckNoUnknownFields());
  }
  return revocation.CheckNoUnknownFields();
}

absl::Status ReadTls(MapReader& tls, TlsConfig* out) {
  JWTD_RETURN_IF_ERROR(tls.CheckIsMap());
  JWTD_RETURN_IF_ERROR(tls.String("cert_file", &out->cert_file));
  JWTD_RETURN_IF_ERROR(tls.String("key_file", &out->key_file));
  JWTD_RETURN_IF_ERROR(tls.String("client_ca_file", &out->client_ca_file));
  JWTD_RETURN_IF_ERROR(tls.Duration("reload_interval", &out->reload_interval));
  return tls.CheckNoUnknownFields();
}

absl::Status ReadAuthorization(MapReader& authorization, Config* out) {
  JWTD_RETURN_IF_ERROR(authorization.CheckIsMap());
  JWTD_RETURN_IF_ERROR(
      authorization.StringList("privileged_callers", &out->privileged_callers));
  return authorization.CheckNoUnknownFields();
}

absl::Status ReadLimits(MapReader& limits, GrpcLimits* out) {
  JWTD_RETURN_IF_ERROR(limits.CheckIsMap());
  // 1 KiB leaves room for any valid request header; 16 MiB is far beyond
  // any token a validator should read.
  JWTD_RETURN_IF_ERROR(
      limits.Int("max_message_bytes", 1024, 16 << 20, &out->max_message_bytes));
  JWTD_RETURN_IF_ERROR(limits.Int("max_concurrent_streams", 1, 100000,
                                  &out->max_concurrent_streams));
  JWTD_RETURN_IF_ERROR(limits.Duration("keepalive_time", &out->keepalive_time));
  JWTD_RETURN_IF_ERROR(
      limits.Duration("keepalive_timeout", &out->keepalive_timeout));
  JWTD_RETURN_IF_ERROR(limits.Duration("min_client_ping_interval",
                                       &out->min_client_ping_interval));
  if (out->keepalive_time < absl::Seconds(10)) {
    return FieldError(limits.PathOf("keepalive_time"), "must be at least 10s");
  }
  if (out->keepalive_timeout < absl::Seconds(1)) {
    return FieldError(limits.PathOf("keepalive_timeout"),
                      "must be at least 1s");
  }
  return limits.CheckNoUnknownFields();
}

bool IsUnixAddress(const std::string& address) {
  return absl::StartsWith(address, "unix:");
}

bool IsLoopbackAddress(const std::string& address) {
  return absl::StartsWith(address, "127.") ||
         absl::StartsWith(address, "localhost:") ||
         absl::StartsWith(address, "[::1]:");
}

// "dns:<name>" or an absolute URI ("spiffe://td/path", "https://...").
absl::Status CheckCallerIdentity(size_t index, const std::string& entry) {
  const std::string path =
      absl::StrCat("authorization.privileged_callers[", index, "]");
  if (absl::StartsWith(entry, "dns:")) {
    if (entry.size() == 4 || absl::StrContains(entry.substr(4), "/")) {
      return FieldError(path, "dns: needs a DNS name, e.g. dns:issuer.local");
    }
    return absl::OkStatus();
  }
  const size_t scheme_end = entry.find("://");
  if (scheme_end == std::string::npos || scheme_end == 0 ||
      scheme_end + 3 == entry.size()) {
    return FieldError(path,
                      "must be dns:<name> or a URI such as "
                      "spiffe://example.org/ns/apps/sa/issuer");
  }
  return absl::OkStatus();
}

absl::Status CheckServing(const Config& config) {
  const TlsConfig& tls = config.tls;
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return FieldError("tls", "cert_file and key_file go together");
  }
  if (tls.mutual() && !tls.enabled()) {
    return FieldError("tls.client_ca_file", "needs cert_file and key_file");
  }
  if (tls.enabled() && tls.reload_interval < absl::Seconds(1)) {
    return FieldError("tls.reload_interval", "must be at least 1s");
  }
  for (size_t i = 0; i < config.privileged_callers.size(); ++i) {
    JWTD_RETURN_IF_ERROR(CheckCallerIdentity(i, config.privileged_callers[i]));
  }
  if (!config.privileged_callers.empty() &&
      (!tls.mutual() || IsUnixAddress(config.grpc_listen))) {
    return FieldError("authorization.privileged_callers",
                      "needs mutual TLS (tls.client_ca_file) on a TCP "
                      "grpc_listen: callers are known by their certificate");
  }
  if (!config.privileged_listen.empty()) {
    if (config.privileged_listen == config.grpc_listen ||
        config.privileged_listen == config.http_listen) {
      return FieldError("privileged_listen",
                        "must differ from grpc_listen and http_listen");
    }
    // Everyone who reaches the privileged listener may issue: on TCP that
    // must be loopback or a client-certificate-guarded port.
    if (!IsUnixAddress(config.privileged_listen) &&
        !IsLoopbackAddress(config.privileged_listen) && !tls.mutual()) {
      return FieldError("privileged_listen",
                        "a non-loopback TCP address needs mutual TLS "
                        "(tls.client_ca_file); prefer a unix: socket");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Finalize(Config* config) {
  if (config->issuers.empty()) {
    return FieldError("issuers", "at least one issuer is required");
  }
  if (config->default_ttl <= absl::ZeroDuration() ||
      config->max_ttl <= absl::ZeroDuration() ||
      config->default_ttl > config->max_ttl) {
    return FieldError("default_ttl", "must be positive and at most max_ttl");
  }
  bool data_dir_taken = false;
  for (size_t i = 0; i < config->issuers.size(); ++i) {
    IssuerConfig& issuer = config->issuers[i];
    for (size_t j = 0; j < i; ++j) {
      if (config->issuers[j].policy.issuer == issuer.policy.issuer) {
        return FieldError(absl::StrCat("issuers[", i, "].issuer"),
                          "is listed twice");
      }
    }
    if (auto* local = std::get_if<keyring::LocalKeyRingOptions>(&issuer.keys)) {
      // An empty dir means "the data dir", resolved when the ring is opened
      // (LocalKeyDir), so that --data-dir given after the file still applies.
      if (local->data_dir.empty() || local->data_dir == config->data_dir) {
        if (data_dir_taken) {
          return FieldError(absl::StrCat("issuers[", i, "].keys.local.dir"),
                            "a second local key source needs its own dir");
        }
        data_dir_taken = true;
      }
      // A retired key must verify every token it signed.
      local->retain_after_retirement = config->max_ttl + issuer.policy.leeway;
    }
    // What the key ring checks first when it opens: refused here already,
    // so that --check-config does not pass what start-up refuses.
    if (absl::Status s = keyring::CheckKeyRingOptions(issuer.keys); !s.ok()) {
      return FieldError(absl::StrCat("issuers[", i, "].keys"), s.message());
    }
  }
  return CheckServing(*config);
}

std::string LocalKeyDir(const Config& config,
                        const keyring::LocalKeyRingOptions& local) {
  return local.data_dir.empty() ? config.data_dir : local.data_dir;
}

absl::StatusOr<Config> ParseConfig(absl::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "config is not valid YAML: ", Clipped(e.what(), kMaxWhyBytes)));
  }
  Config config;
  MapReader top(root, "");
  if (!root.IsMap())
    return absl::InvalidArgumentError("config must be a mapping");
  JWTD_RETURN_IF_ERROR(top.String("grpc_listen", &config.grpc_listen));
  JWTD_RETURN_IF_ERROR(
      top.FileMode("grpc_socket_mode", &config.grpc_socket_mode));
  JWTD_RETURN_IF_ERROR(
      top.String("privileged_listen", &config.privileged_listen));
  JWTD_RETURN_IF_ERROR(
      top.FileMode("privileged_socket_mode", &config.privileged_socket_mode));
  if (top.Has("tls")) {
    MapReader tls(top.Get("tls"), "tls");
    JWTD_RETURN_IF_ERROR(ReadTls(tls, &config.tls));
  }
  if (top.Has("authorization")) {
    MapReader authorization(top.Get("authorization"), "authorization");
    JWTD_RETURN_IF_ERROR(ReadAuthorization(authorization, &config));
  }
  if (top.Has("limits")) {
    MapReader limits(top.Get("limits"), "limits");
    JWTD_RETURN_IF_ERROR(ReadLimits(limits, &config.limits));
  }
  JWTD_RETURN_IF_ERROR(top.Duration("shutdown_grace", &config.shutdown_grace));
  JWTD_RETURN_IF_ERROR(
      top.Int("validation_cache_mib", 0, 1024, &config.validation_cache_mib));
  {
    std::string access_log;
    JWTD_RETURN_IF_ERROR(top.String("access_log", &access_log));
    if (!access_log.empty()) {
      absl::StatusOr<Config::AccessLog> parsed = ParseAccessLog(access_log);
      if (!parsed.ok()) {
        return FieldError("access_log", parsed.status().message());
      }
      config.access_log = *parsed;
    }
  }
  JWTD_RETURN_IF_ERROR(top.String("http_listen", &config.http_listen));
  JWTD_RETURN_IF_ERROR(top.String("public_url", &config.public_url));
  JWTD_RETURN_IF_ERROR(top.String("data_dir", &config.data_dir));
  JWTD_RETURN_IF_ERROR(top.Duration("default_ttl", &config.default_ttl));
  JWTD_RETURN_IF_ERROR(top.Duration("max_ttl", &config.max_ttl));
  if (top.Has("issuers")) {
    const YAML::Node issuers = top.Get("issuers");
    if (!issuers.IsSequence()) {
      return FieldError("issuers", "must be a list");
    }
    for (size_t i = 0; i < issuers.size(); ++i) {
      IssuerConfig issuer{jose::ValidationPolicy{},
                          keyring::LocalKeyRingOptions{}};
      MapReader reader(issuers[i], absl::StrCat("issuers[", i, "]"));
      JWTD_RETURN_IF_ERROR(ReadIssuer(reader, &issuer));
      config.issuers.push_back(std::move(issuer));
    }
  }
  if (top.Has("revocation")) {
    MapReader revocation(top.Get("revocation"), "revocation");
    JWTD_RETURN_IF_ERROR(ReadRevocation(revocation, &config.revocation));
  }
  JWTD_RETURN_IF_ERROR(top.CheckNoUnknownFields());
  JWTD_RETURN_IF_ERROR(Finalize(&config));
  return config;
}

absl::StatusOr<Config::AccessLog> ParseAccessLog(absl::string_view text) {
  if (text == "all") return Config::AccessLog::kAll;
  if (text == "errors") return Config::AccessLog::kErrors;
  if (text == "off") return Config::AccessLog::kOff;
  return absl::InvalidArgumentError("must be all, errors or off");
}

absl::StatusOr<Config> LoadConfigFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadSmallFile(path, kMaxConfigBytes);
  if (!text.ok()) return text.status();
  absl::StatusOr<Config> config = ParseConfig(*text);
  if (!config.ok()) {
    return absl::Status(config.status().code(),
                        absl::StrCat(path, ": ", config.status().message()));
  }
  return config;
}

Config SingleIssuerConfig(std::string issuer,
                          std::vector<std::string> audiences,
                          absl::Duration leeway, jose::JwsAlgorithm alg) {
  Config config;
  IssuerConfig issuer_config{jose::ValidationPolicy{},
                             keyring::LocalKeyRingOptions{}};
  issuer_config.policy.issuer = std::move(issuer);
  issuer_config.policy.audiences = std::move(audiences);
  issuer_config.policy.leeway = leeway;
  std::get<keyring::LocalKeyRingOptions>(issuer_config.keys).alg = alg;
  config.issuers.push_back(std::move(issuer_config));
  return config;
}

}  // namespace jwtd::config
