#include "server/config/config.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace jwtd::config {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

constexpr char kFull[] = R"(
grpc_listen: 127.0.0.1:6000
http_listen: 127.0.0.1:6001
public_url: https://jwtd.example
data_dir: /var/lib/jwtd
default_ttl: 10m
max_ttl: 2h
issuers:
  - issuer: https://jwtd.example
    audiences: [orders, billing]
    algorithms: [ES256]
    leeway: 30s
    typ: JWT
    max_token_age: 12h
    required_claims: [sub]
    keys:
      local:
        alg: ES256
        rotation_period: 240h
        publish_ahead: 24h
  - issuer: https://login.partner.example
    keys:
      remote_jwks:
        discovery_url: https://login.partner.example
        min_refresh: 1m
        max_refresh: 1h
        cooldown: 10s
        timeout: 3s
        cache_file: /var/lib/jwtd/partner-jwks.json
  - issuer: https://legacy.example
    require_exp: false
    keys:
      files:
        paths: [/etc/jwtd/legacy.pem]
        alg: RS256
        poll_interval: 5s
)";

// A complete file maps to every field.
TEST(ConfigTest, ParsesEveryField) {
  ASSERT_OK_AND_ASSIGN(Config config, ParseConfig(kFull));
  EXPECT_EQ(config.grpc_listen, "127.0.0.1:6000");
  EXPECT_EQ(config.http_listen, "127.0.0.1:6001");
  EXPECT_EQ(config.public_url, "https://jwtd.example");
  EXPECT_EQ(config.data_dir, "/var/lib/jwtd");
  EXPECT_EQ(config.default_ttl, absl::Minutes(10));
  EXPECT_EQ(config.max_ttl, absl::Hours(2));
  ASSERT_EQ(config.issuers.size(), 3u);

  const IssuerConfig& own = config.issuers[0];
  EXPECT_EQ(own.policy.issuer, "https://jwtd.example");
  EXPECT_THAT(own.policy.audiences,
              ::testing::ElementsAre("orders", "billing"));
  EXPECT_THAT(own.policy.algorithms,
              ::testing::ElementsAre(jose::JwsAlgorithm::kES256));
  EXPECT_EQ(own.policy.leeway, absl::Seconds(30));
  EXPECT_EQ(own.policy.typ, std::optional<std::string>("JWT"));
  EXPECT_EQ(own.policy.max_age, absl::Hours(12));
  EXPECT_THAT(own.policy.required_claims, ::testing::ElementsAre("sub"));
  const auto& local = std::get<keyring::LocalKeyRingOptions>(own.keys);
  EXPECT_EQ(LocalKeyDir(config, local), "/var/lib/jwtd");
  EXPECT_EQ(local.rotation_period, absl::Hours(240));
  EXPECT_EQ(local.publish_ahead, absl::Hours(24));
  EXPECT_EQ(local.retain_after_retirement, absl::Hours(2) + absl::Seconds(30));

  const auto& remote =
      std::get<keyring::RemoteJwksKeyRingOptions>(config.issuers[1].keys);
  EXPECT_EQ(remote.discovery_url, "https://login.partner.example");
  EXPECT_EQ(remote.min_refresh, absl::Minutes(1));
  EXPECT_EQ(remote.max_refresh, absl::Hours(1));
  EXPECT_EQ(remote.cooldown, absl::Seconds(10));
  EXPECT_EQ(remote.timeout, absl::Seconds(3));
  EXPECT_EQ(remote.cache_file, "/var/lib/jwtd/partner-jwks.json");

  const IssuerConfig& legacy = config.issuers[2];
  EXPECT_FALSE(legacy.policy.require_exp);
  const auto& files = std::get<keyring::FilesKeyRingOptions>(legacy.keys);
  EXPECT_THAT(files.paths, ::testing::ElementsAre("/etc/jwtd/legacy.pem"));
  EXPECT_EQ(files.alg, std::optional(jose::JwsAlgorithm::kRS256));
  EXPECT_EQ(files.poll_interval, absl::Seconds(5));
}

// Every error names the field it is about.
TEST(ConfigTest, ErrorsNameTheField) {
  struct Case {
    const char* yaml;
    const char* field;
  };
  const Case cases[] = {
      {"grpc_listen: [1]\nissuers: []", "grpc_listen"},
      {"bogus: 1", "bogus: unknown field"},
      {"issuers: {}", "issuers: must be a list"},
      {"issuers: []", "issuers: at least one issuer"},
      {"issuers: [{keys: {local: {}}}]", "issuers[0].issuer: is required"},
      {"issuers: [{issuer: a}]", "issuers[0].keys: is required"},
      {"issuers: [{issuer: a, keys: {}}]",
       "issuers[0].keys: needs exactly one"},
      {"issuers: [{issuer: a, keys: {local: {}, files: {paths: [x]}}}]",
       "issuers[0].keys: needs exactly one"},
      {"issuers: [{issuer: a, typo: 1, keys: {local: {}}}]",
       "issuers[0].typo: unknown field"},
      {"issuers: [{issuer: a, leeway: soon, keys: {local: {}}}]",
       "issuers[0].leeway: must be a duration"},
      {"issuers: [{issuer: a, leeway: 11m, keys: {local: {}}}]",
       "issuers[0].leeway: must be at most 10m"},
      {"issuers: [{issuer: a, leeway: -1s, keys: {local: {}}}]",
       "issuers[0].leeway"},
      {"issuers: [{issuer: a, algorithms: [none], keys: {local: {}}}]",
       "issuers[0].algorithms[0]: unknown JWS algorithm"},
      {"issuers: [{issuer: a, keys: {local: {alg: HS256}}}]",
       "issuers[0].keys.local.alg"},
      {"issuers: [{issuer: a, keys: {local: {alg: ES521}}}]",
       "issuers[0].keys.local.alg: unknown JWS algorithm"},
      {"issuers: [{issuer: a, keys: {local: {rotation_period: 1h, "
       "publish_ahead: 2h}}}]",
       "issuers[0].keys.local.publish_ahead"},
      {"issuers: [{issuer: a, keys: {files: {paths: []}}}]",
       "issuers[0].keys.files.paths"},
      {"issuers: [{issuer: a, keys: {remote_jwks: {jwks_uri: "
       "'http://x/jwks'}}}]",
       "issuers[0].keys.remote_jwks.jwks_uri: must be an https:// URL"},
      {"issuers: [{issuer: a, keys: {remote_jwks: {}}}]",
       "issuers[0].keys.remote_jwks: needs exactly one of jwks_uri"},
      {"issuers: [{issuer: a, require_exp: maybe, keys: {local: {}}}]",
       "issuers[0].require_exp: must be true or false"},
      {"issuers: [{issuer: a, keys: {local: {}}}, {issuer: a, keys: "
       "{files: {paths: [x]}}}]",
       "issuers[1].issuer: is listed twice"},
      {"issuers: [{issuer: a, keys: {local: {}}}, {issuer: b, keys: "
       "{local: {}}}]",
       "issuers[1].keys.local.dir: a second local key source"},
      {"default_ttl: 3h\nmax_ttl: 1h\nissuers: [{issuer: a, keys: {local: "
       "{}}}]",
       "default_ttl"},
      {"issuers: [{issuer: a, keys: {local: {}}}", "not valid YAML"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseConfig(c.yaml), StatusIs(kInvalid, HasSubstr(c.field)))
        << c.yaml;
  }
}

// What a key ring's Open refuses before touching files or the network is
// refused by the configuration check already (--check-config), as are
// audiences the token service refuses.
TEST(ConfigTest, RefusesWhatStartUpRefuses) {
  struct Case {
    const char* keys;
    const char* why;
  };
  const Case cases[] = {
      {"remote_jwks: {jwks_uri: 'https://a.example/jwks', timeout: 10m}",
       "timeout must be in (0, 5 min]"},
      {"remote_jwks: {jwks_uri: 'https://a.example/jwks', min_refresh: 0s}",
       "0 < min_refresh"},
      {"remote_jwks: {jwks_uri: 'https://a.example/jwks', "
       "default_rsa_alg: ES256}",
       "default_rsa_alg must be an RS* or PS*"},
      {"remote_jwks: {jwks_uri: 'https:///jwks'}", "the URL has no host"},
      {"local: {rotation_period: 500ms, publish_ahead: 0s}",
       "rotation_period must be zero"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseConfig(absl::StrCat("issuers: [{issuer: a, keys: {",
                                         c.keys, "}}]")),
                StatusIs(kInvalid, AllOf(HasSubstr("issuers[0].keys: "),
                                         HasSubstr(c.why))))
        << c.keys;
  }

  std::string audiences;
  for (int i = 0; i < 33; ++i) absl::StrAppend(&audiences, "a", i, ", ");
  EXPECT_THAT(ParseConfig(absl::StrCat("issuers: [{issuer: a, audiences: [",
                                       audiences, "], keys: {local: {}}}]")),
              StatusIs(kInvalid, HasSubstr("issuers[0].audiences: at most")));
  EXPECT_THAT(ParseConfig(absl::StrCat("issuers: [{issuer: a, audiences: [b, ",
                                       std::string(513, 'x'),
                                       "], keys: {local: {}}}]")),
              StatusIs(kInvalid,
                       HasSubstr("issuers[0].audiences[1]: must be at most")));
}

// Errors quote the input only briefly: a long field name or value is
// clipped, so a bad file cannot flood the log line.
TEST(ConfigTest, ErrorsClipQuotedInput) {
  const std::string long_text(600, 'k');
  for (const std::string& yaml :
       {absl::StrCat(long_text,
                     ": 1\nissuers: [{issuer: a, keys: {local: {}}}]"),
        absl::StrCat("issuers: [{issuer: a, algorithms: [", long_text,
                     "], keys: {local: {}}}]"),
        absl::StrCat("issuers: [{issuer: a, keys: {remote_jwks: {jwks_uri: ",
                     "'https:///", long_text, "'}}}]")}) {
    absl::StatusOr<Config> config = ParseConfig(yaml);
    ASSERT_THAT(config, StatusIs(kInvalid));
    EXPECT_LE(config.status().message().size(), 400u)
        << config.status().message();
    EXPECT_THAT(config.status().message(), HasSubstr("..."));
  }
}

// yaml-cpp parses recursively; nesting far deeper than any configuration is
// refused with an error, not a crash.
TEST(ConfigTest, DeepNestingIsRefused) {
  for (const std::string& yaml :
       {std::string(100000, '['),
        absl::StrCat("issuers: ", std::string(5000, '{'),
                     "a: ", std::string(5000, '['))}) {
    EXPECT_THAT(ParseConfig(yaml), StatusIs(kInvalid, HasSubstr("YAML")));
  }
}

// The revocation store: sqlite by default, or a shared Redis.
TEST(ConfigTest, RevocationStore) {
  ASSERT_OK_AND_ASSIGN(
      Config plain, ParseConfig("issuers: [{issuer: a, keys: {local: {}}}]"));
  EXPECT_EQ(plain.revocation.store, RevocationConfig::Store::kSqlite);
  ASSERT_OK_AND_ASSIGN(
      Config redis,
      ParseConfig("revocation: {store: redis, redis: {host: 10.0.0.5, port: "
                  "6380, on_unavailable: fail_open}}\n"
                  "issuers: [{issuer: a, keys: {local: {}}}]"));
  EXPECT_EQ(redis.revocation.store, RevocationConfig::Store::kRedis);
  EXPECT_EQ(redis.revocation.redis_host, "10.0.0.5");
  EXPECT_EQ(redis.revocation.redis_port, 6380);
  EXPECT_TRUE(redis.revocation.fail_open);
  for (const char* bad :
       {"revocation: {store: memcached}", "revocation: {redis: {port: x}}",
        "revocation: {redis: {on_unavailable: maybe}}",
        "revocation: {redis: {hots: a}}"}) {
    EXPECT_THAT(ParseConfig(absl::StrCat(
                    bad, "\nissuers: [{issuer: a, keys: {local: {}}}]")),
                StatusIs(kInvalid, HasSubstr("revocation")))
        << bad;
  }
}

constexpr char kServing[] = R"(
grpc_listen: 0.0.0.0:50051
grpc_socket_mode: "0666"
privileged_listen: unix:/run/jwtd/admin.sock
privileged_socket_mode: 0600
shutdown_grace: 3s
tls:
  cert_file: /etc/jwtd/tls/tls.crt
  key_file: /etc/jwtd/tls/tls.key
  client_ca_file: /etc/jwtd/tls/ca.crt
  reload_interval: 30s
authorization:
  privileged_callers: [spiffe://example.org/ns/apps/sa/issuer, dns:issuer.local]
limits:
  max_message_bytes: 32768
  max_concurrent_streams: 16
  keepalive_time: 1m
  keepalive_timeout: 5s
  min_client_ping_interval: 30s
issuers: [{issuer: a, keys: {local: {}}}]
)";

// Listeners, TLS, authorization and limits.
TEST(ConfigTest, ServingFields) {
  ASSERT_OK_AND_ASSIGN(Config config, ParseConfig(kServing));
  EXPECT_EQ(config.grpc_socket_mode, 0666);
  EXPECT_EQ(config.privileged_listen, "unix:/run/jwtd/admin.sock");
  EXPECT_EQ(config.privileged_socket_mode, 0600);
  EXPECT_EQ(config.shutdown_grace, absl::Seconds(3));
  EXPECT_EQ(config.tls.cert_file, "/etc/jwtd/tls/tls.crt");
  EXPECT_EQ(config.tls.key_file, "/etc/jwtd/tls/tls.key");
  EXPECT_EQ(config.tls.client_ca_file, "/etc/jwtd/tls/ca.crt");
  EXPECT_EQ(config.tls.reload_interval, absl::Seconds(30));
  EXPECT_THAT(config.privileged_callers,
              ::testing::ElementsAre("spiffe://example.org/ns/apps/sa/issuer",
                                     "dns:issuer.local"));
  EXPECT_EQ(config.limits.max_message_bytes, 32768);
  EXPECT_EQ(config.limits.max_concurrent_streams, 16);
  EXPECT_EQ(config.limits.keepalive_time, absl::Minutes(1));
  EXPECT_EQ(config.limits.keepalive_timeout, absl::Seconds(5));
  EXPECT_EQ(config.limits.min_client_ping_interval, absl::Seconds(30));

  // Defaults: 0660 / 0600 sockets, 64 KiB messages, no privileged listener.
  ASSERT_OK_AND_ASSIGN(
      Config plain, ParseConfig("issuers: [{issuer: a, keys: {local: {}}}]"));
  EXPECT_EQ(plain.grpc_socket_mode, 0660);
  EXPECT_EQ(plain.privileged_socket_mode, 0600);
  EXPECT_EQ(plain.limits.max_message_bytes, 65536);
  EXPECT_TRUE(plain.privileged_listen.empty());
  EXPECT_FALSE(plain.tls.enabled());
}

// Unsafe or inconsistent serving settings are refused with the field.
TEST(ConfigTest, ServingErrors) {
  struct Case {
    const char* yaml;
    const char* field;
  };
  const Case cases[] = {
      {"grpc_socket_mode: 0999", "grpc_socket_mode: must be an octal"},
      {"grpc_socket_mode: rw", "grpc_socket_mode: must be an octal"},
      // Found by config_loader_fuzzer: a long value overflowed the parse.
      {"grpc_socket_mode: ttp_listen", "grpc_socket_mode: must be an octal"},
      {"grpc_socket_mode: 77777777777", "grpc_socket_mode: must be an octal"},
      {"privileged_socket_mode: 01777", "privileged_socket_mode"},
      {"tls: {cert_file: a.crt}", "tls: cert_file and key_file"},
      {"tls: {client_ca_file: ca.crt}", "tls.client_ca_file: needs cert_file"},
      {"tls: {cert_file: a, key_file: b, reload_interval: 0s}",
       "tls.reload_interval"},
      {"tls: {cert_file: a, key_file: b, typo: c}", "tls.typo: unknown"},
      {"authorization: {privileged_callers: [issuer]}",
       "authorization.privileged_callers[0]: must be dns:"},
      {"authorization: {privileged_callers: ['dns:']}",
       "authorization.privileged_callers[0]: dns: needs"},
      {"authorization: {privileged_callers: [spiffe://td/x]}",
       "authorization.privileged_callers: needs mutual TLS"},
      {"tls: {cert_file: a, key_file: b}\n"
       "authorization: {privileged_callers: [spiffe://td/x]}",
       "authorization.privileged_callers: needs mutual TLS"},
      {"grpc_listen: unix:/run/a.sock\n"
       "tls: {cert_file: a, key_file: b, client_ca_file: c}\n"
       "authorization: {privileged_callers: [spiffe://td/x]}",
       "authorization.privileged_callers: needs mutual TLS"},
      {"authorization: {callers: [x]}", "authorization.callers: unknown"},
      {"privileged_listen: 127.0.0.1:50051", "privileged_listen: must differ"},
      {"privileged_listen: 0.0.0.0:7000", "privileged_listen: a non-loopback"},
      {"limits: {max_message_bytes: 10}", "limits.max_message_bytes"},
      {"limits: {max_message_bytes: big}", "limits.max_message_bytes"},
      {"limits: {max_concurrent_streams: 0}", "limits.max_concurrent_streams"},
      {"limits: {keepalive_time: 1s}", "limits.keepalive_time"},
      {"limits: {keepalive_timeout: 0s}", "limits.keepalive_timeout"},
      {"limits: {max_streams: 1}", "limits.max_streams: unknown"},
      {"shutdown_grace: forever", "shutdown_grace: must be a duration"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseConfig(absl::StrCat(
                    c.yaml, "\nissuers: [{issuer: a, keys: {local: {}}}]")),
                StatusIs(kInvalid, HasSubstr(c.field)))
        << c.yaml;
  }
  // A privileged TCP listener on loopback, or behind mTLS, is fine.
  EXPECT_THAT(ParseConfig("privileged_listen: 127.0.0.1:7000\n"
                          "issuers: [{issuer: a, keys: {local: {}}}]"),
              IsOk());
  EXPECT_THAT(
      ParseConfig("privileged_listen: 0.0.0.0:7000\n"
                  "tls: {cert_file: a, key_file: b, client_ca_file: c}\n"
                  "issuers: [{issuer: a, keys: {local: {}}}]"),
      IsOk());
}

// http is accepted only when explicitly allowed.
TEST(ConfigTest, PlainHttpNeedsOptIn) {
  EXPECT_THAT(ParseConfig("issuers: [{issuer: a, keys: {remote_jwks: "
                          "{jwks_uri: 'http://127.0.0.1:1/jwks', "
                          "allow_http: true}}}]"),
              IsOk());
}

// The flag shorthand: one issuer, local keys in the data dir.
TEST(ConfigTest, SingleIssuerFromFlags) {
  Config config = SingleIssuerConfig("jwtd", {"orders"}, absl::Seconds(5),
                                     jose::JwsAlgorithm::kEdDSA);
  config.data_dir = "/tmp/somewhere";
  ASSERT_THAT(Finalize(&config), IsOk());
  ASSERT_EQ(config.issuers.size(), 1u);
  const auto& local =
      std::get<keyring::LocalKeyRingOptions>(config.issuers[0].keys);
  EXPECT_EQ(LocalKeyDir(config, local), "/tmp/somewhere");
  EXPECT_EQ(local.alg, jose::JwsAlgorithm::kEdDSA);
  EXPECT_EQ(config.issuers[0].policy.audiences,
            std::vector<std::string>{"orders"});
}

// docs/jwtd.example.yaml documents every field: it must parse.
TEST(ConfigTest, DocumentedExampleIsValid) {
  ASSERT_OK_AND_ASSIGN(Config config, LoadConfigFile(JWTD_EXAMPLE_CONFIG));
  EXPECT_EQ(config.issuers.size(), 3u);
  EXPECT_EQ(config.privileged_listen, "unix:/run/jwtd/admin.sock");
  EXPECT_TRUE(config.tls.mutual());
  EXPECT_EQ(config.privileged_callers.size(), 2u);
}

// A missing file is reported with its path.
TEST(ConfigTest, MissingFile) {
  EXPECT_THAT(LoadConfigFile("/nonexistent/jwtd.yaml"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent")));
}

}  // namespace
}  // namespace jwtd::config
