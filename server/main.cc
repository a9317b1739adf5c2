// jwtd: flags (and an optional YAML file) -> Config -> a running JwtdServer
// until SIGINT/SIGTERM. Nothing else lives here: the wiring is in
// server/app, every rule in server/service and below.

#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/app/jwtd_server.h"
#include "server/config/config.h"
#include "server/jose/algorithm.h"
#include "server/jose/jwt_validator.h"
#include "server/util/clock.h"
#include "server/util/log.h"

ABSL_FLAG(std::string, config, "",
          "YAML configuration file (docs/configuration.md). Flags given on "
          "the command line override its listen addresses, data dir, TTLs, "
          "revocation store and shutdown grace");
ABSL_FLAG(bool, check_config, false,
          "Validate the configuration (file and flags), print the result and "
          "exit: 0 when valid, 1 otherwise");
ABSL_FLAG(std::string, grpc_listen, "127.0.0.1:50051",
          "gRPC listen address: host:port (port 0 picks a free port) or "
          "unix:/absolute/path");
ABSL_FLAG(std::string, privileged_listen, "",
          "Second gRPC listener serving only Issue and Revoke, to whoever can "
          "connect: unix:/absolute/path (created with mode 0600) or a "
          "loopback host:port; empty: none. On --grpc-listen, Issue and "
          "Revoke need an allowlisted mTLS identity (--config)");
ABSL_FLAG(std::string, http_listen, "",
          "HTTP listen address for /.well-known/jwks.json, "
          "/.well-known/openid-configuration, /healthz and /readyz; empty: "
          "off");
ABSL_FLAG(std::string, data_dir, "var/jwtd",
          "Directory for keys and state; created with mode 0700");
// Without --config: the single issuer these describe.
ABSL_FLAG(std::string, issuer, "jwtd",
          "The iss of issued tokens and the issuer validated tokens must name");
ABSL_FLAG(std::vector<std::string>, audience, {},
          "Comma-separated accepted audiences; the first is the default aud "
          "of issued tokens. Empty: no audience policy");
ABSL_FLAG(std::string, leeway, "60s",
          "Clock skew tolerated on exp/nbf/iat (0s to 10m)");
ABSL_FLAG(std::string, signing_alg, "ES256",
          "Algorithm of the signing key: ES256, ES384, ES512, RS256, RS384, "
          "RS512, PS256, PS384, PS512 or EdDSA");
// Durations are read as strings so that a bad value gets jwtd's own
// structured error naming the flag (e.g. "15m", "1h30m", "90s").
ABSL_FLAG(std::string, default_ttl, "15m",
          "Lifetime of issued tokens when the request names none");
ABSL_FLAG(std::string, max_ttl, "24h", "Longest lifetime a caller may ask for");
ABSL_FLAG(std::string, revocation, "sqlite",
          "Where revocations are kept: sqlite (<data-dir>/revocations.db), "
          "or none; Redis is configured in the --config file");
ABSL_FLAG(int, validation_cache_mib, 8,
          "Memory for the validation cache of accepted tokens, in MiB "
          "(0 to 1024; 0 turns it off)");
ABSL_FLAG(std::string, access_log, "errors",
          "Which gRPC calls get a JSON log line: all, errors (calls that did "
          "not end OK) or off");
ABSL_FLAG(std::string, shutdown_grace, "10s",
          "How long in-flight calls may finish after SIGTERM");

namespace jwtd {
namespace {

int Fail(absl::string_view msg, const absl::Status& status) {
  Log(LogLevel::kError, msg, {{"error", std::string(status.message())}});
  return 1;
}

// Names of the flags given on the command line (underscore spelling),
// recorded by NormalizeFlagNames: this Abseil has no public way to ask.
absl::flat_hash_set<std::string>& GivenFlags() {
  static auto* given = new absl::flat_hash_set<std::string>();
  return *given;
}

bool Given(absl::string_view name) { return GivenFlags().contains(name); }

// Parses a duration flag; `name` is the flag as the user spells it.
absl::StatusOr<absl::Duration> DurationFlag(absl::string_view name,
                                            const std::string& text,
                                            bool must_be_positive) {
  absl::Duration value;
  if (!absl::ParseDuration(text, &value) || value == absl::InfiniteDuration() ||
      value == -absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", name, "=", text, " is not a duration such as 90s, 15m or 1h30m"));
  }
  if (value < absl::ZeroDuration() ||
      (must_be_positive && value == absl::ZeroDuration())) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, "=", text, " must be ",
                     must_be_positive ? "positive" : "zero or positive"));
  }
  return value;
}

// The configuration: the file when --config is given (command-line flags
// overriding its listen addresses, data dir and TTLs), else the single
// issuer the flags describe. Errors name the flag or the field.
absl::StatusOr<config::Config> ConfigFromFlags() {
  config::Config config;
  if (!absl::GetFlag(FLAGS_config).empty()) {
    for (absl::string_view only_without :
         {"issuer", "audience", "leeway", "signing_alg"}) {
      if (Given(only_without)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", only_without,
                         " applies only without --config; set it in the file"));
      }
    }
    absl::StatusOr<config::Config> loaded =
        config::LoadConfigFile(absl::GetFlag(FLAGS_config));
    if (!loaded.ok()) return loaded.status();
    config = *std::move(loaded);
  } else {
    std::optional<jose::JwsAlgorithm> alg =
        jose::JwsAlgorithmFromName(absl::GetFlag(FLAGS_signing_alg));
    if (!alg.has_value() || jose::IsHmac(*alg)) {
      return absl::InvalidArgumentError(
          "--signing-alg: expected an asymmetric JWS algorithm such as "
          "ES256, RS256, PS256 or EdDSA");
    }
    absl::StatusOr<absl::Duration> leeway =
        DurationFlag("leeway", absl::GetFlag(FLAGS_leeway), false);
    if (!leeway.ok()) return leeway.status();
    if (*leeway > jose::kMaxLeeway) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--leeway must be at most ", absl::FormatDuration(jose::kMaxLeeway)));
    }
    if (absl::GetFlag(FLAGS_issuer).empty()) {
      return absl::InvalidArgumentError("--issuer must not be empty");
    }
    config = config::SingleIssuerConfig(absl::GetFlag(FLAGS_issuer),
                                        absl::GetFlag(FLAGS_audience), *leeway,
                                        *alg);
  }
  const bool file = !absl::GetFlag(FLAGS_config).empty();
  if (!file || Given("grpc_listen")) {
    config.grpc_listen = absl::GetFlag(FLAGS_grpc_listen);
  }
  if (!file || Given("privileged_listen")) {
    config.privileged_listen = absl::GetFlag(FLAGS_privileged_listen);
  }
  if (!file || Given("shutdown_grace")) {
    absl::StatusOr<absl::Duration> grace = DurationFlag(
        "shutdown-grace", absl::GetFlag(FLAGS_shutdown_grace), false);
    if (!grace.ok()) return grace.status();
    config.shutdown_grace = *grace;
  }
  if (!file || Given("access_log")) {
    absl::StatusOr<config::Config::AccessLog> mode =
        config::ParseAccessLog(absl::GetFlag(FLAGS_access_log));
    if (!mode.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--access-log: ", mode.status().message()));
    }
    config.access_log = *mode;
  }
  if (!file || Given("validation_cache_mib")) {
    const int mib = absl::GetFlag(FLAGS_validation_cache_mib);
    if (mib < 0 || mib > 1024) {
      return absl::InvalidArgumentError(
          "--validation-cache-mib must be from 0 to 1024");
    }
    config.validation_cache_mib = mib;
  }
  if (!file || Given("http_listen")) {
    config.http_listen = absl::GetFlag(FLAGS_http_listen);
  }
  if (!file || Given("data_dir"))
    config.data_dir = absl::GetFlag(FLAGS_data_dir);
  if (!file || Given("default_ttl")) {
    absl::StatusOr<absl::Duration> ttl =
        DurationFlag("default-ttl", absl::GetFlag(FLAGS_default_ttl), true);
    if (!ttl.ok()) return ttl.status();
    config.default_ttl = *ttl;
  }
  if (!file || Given("max_ttl")) {
    absl::StatusOr<absl::Duration> ttl =
        DurationFlag("max-ttl", absl::GetFlag(FLAGS_max_ttl), true);
    if (!ttl.ok()) return ttl.status();
    config.max_ttl = *ttl;
  }
  if (config.default_ttl > config.max_ttl) {
    return absl::InvalidArgumentError(
        "--default-ttl must not exceed --max-ttl");
  }
  if (!file || Given("revocation")) {
    const std::string store = absl::GetFlag(FLAGS_revocation);
    if (store == "sqlite") {
      config.revocation.store = config::RevocationConfig::Store::kSqlite;
    } else if (store == "none") {
      config.revocation.store = config::RevocationConfig::Store::kNone;
    } else {
      return absl::InvalidArgumentError(
          "--revocation must be sqlite or none (Redis: use --config)");
    }
  }
  if (absl::Status s = config::Finalize(&config); !s.ok()) return s;
  return config;
}

int Run() {
  absl::StatusOr<config::Config> config = ConfigFromFlags();
  if (!config.ok()) return Fail("bad configuration", config.status());
  if (absl::GetFlag(FLAGS_check_config)) {
    Log(LogLevel::kInfo, "configuration is valid",
        {{"issuers", absl::StrCat(config->issuers.size())}});
    return 0;
  }

  absl::StatusOr<std::unique_ptr<app::JwtdServer>> server =
      app::JwtdServer::Start(*config, &SystemClock());
  if (!server.ok()) return Fail("cannot start", server.status());
  Log(LogLevel::kInfo, "jwtd serving",
      {{"grpc_listen", (*server)->grpc_address()},
       {"privileged_listen", (*server)->privileged_address()},
       {"http_listen", (*server)->http_address()},
       {"kid", (*server)->signing_kid()},
       {"alg", (*server)->signing_alg()},
       {"issuer", config->issuers.front().policy.issuer}});

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int signal_number = 0;
  sigwait(&signals, &signal_number);

  Log(LogLevel::kInfo, "shutting down",
      {{"signal", signal_number == SIGINT ? "SIGINT" : "SIGTERM"}});
  (*server)->Shutdown(config->shutdown_grace);
  Log(LogLevel::kInfo, "stopped");
  return 0;
}

// Lets every flag be spelled with dashes (--grpc-listen) as well as with
// Abseil's underscores (--grpc_listen): only the name before '=' changes.
// Also records which flags were given (Given()).
void NormalizeFlagNames(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char* arg = argv[i];
    if (arg[0] != '-' || arg[1] != '-') continue;
    if (arg[2] == '\0') break;  // "--" ends the flags.
    char* c = arg + 2;
    for (; *c != '\0' && *c != '='; ++c) {
      if (*c == '-') *c = '_';
    }
    std::string name(arg + 2, c);
    // "--noflag" is Abseil's spelling of a false boolean.
    GivenFlags().insert(name);
    if (name.rfind("no", 0) == 0) GivenFlags().insert(name.substr(2));
  }
}

}  // namespace
}  // namespace jwtd

int main(int argc, char** argv) {
  // Block the stop signals before any thread starts, so that every thread
  // inherits the mask and only sigwait in Run() receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // A peer that hangs up mid-write (HTTP client, JWKS server) must cost an
  // EPIPE error, not the process.
  signal(SIGPIPE, SIG_IGN);

  // Abseil's mutex deadlock detection (on in this build) keeps a lock graph
  // on every Lock(); jwtd's locks are leaf locks, checked by TSan in tests.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "jwtd: issues, validates and introspects JSON Web Tokens over gRPC.\n"
      "Usage: jwtd [--config=FILE] [--grpc-listen=ADDR] [--data-dir=DIR] ...");
  jwtd::NormalizeFlagNames(argc, argv);
  absl::ParseCommandLine(argc, argv);
  return jwtd::Run();
}
