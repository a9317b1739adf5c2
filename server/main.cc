// jwtd: flags -> wiring -> serve until SIGINT/SIGTERM. Nothing else lives
// here: every rule is in server/service and below.

#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "server/api/grpc_logging.h"
#include "server/api/listen_address.h"
#include "server/api/token_service_handler.h"
#include "server/jose/algorithm.h"
#include "server/jose/jwt_validator.h"
#include "server/keyring/local_key_ring.h"
#include "server/service/token_service.h"
#include "server/util/clock.h"
#include "server/util/log.h"

ABSL_FLAG(std::string, grpc_listen, "127.0.0.1:50051",
          "gRPC listen address: host:port (port 0 picks a free port) or "
          "unix:/absolute/path");
ABSL_FLAG(std::string, data_dir, "var/jwtd",
          "Directory for keys and state; created with mode 0700");
ABSL_FLAG(std::string, issuer, "jwtd",
          "The iss of issued tokens and the issuer validated tokens must name");
ABSL_FLAG(std::vector<std::string>, audience, {},
          "Comma-separated accepted audiences; the first is the default aud "
          "of issued tokens. Empty: no audience policy");
// Durations are read as strings so that a bad value gets jwtd's own
// structured error naming the flag (e.g. "15m", "1h30m", "90s").
ABSL_FLAG(std::string, default_ttl, "15m",
          "Lifetime of issued tokens when the request names none");
ABSL_FLAG(std::string, max_ttl, "24h", "Longest lifetime a caller may ask for");
ABSL_FLAG(std::string, leeway, "60s",
          "Clock skew tolerated on exp/nbf/iat (0s to 10m)");
ABSL_FLAG(std::string, signing_alg, "ES256",
          "Algorithm of the signing key: ES256, ES384, ES512, RS256, RS384, "
          "RS512, PS256, PS384, PS512 or EdDSA");
ABSL_FLAG(std::string, shutdown_grace, "10s",
          "How long in-flight calls may finish after SIGTERM");

namespace jwtd {
namespace {

int Fail(absl::string_view msg, const absl::Status& status) {
  Log(LogLevel::kError, msg, {{"error", std::string(status.message())}});
  return 1;
}

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

// The service options from flags; errors name the offending flag.
absl::StatusOr<service::TokenServiceOptions> ServiceOptionsFromFlags() {
  service::TokenServiceOptions options;
  options.issuer = absl::GetFlag(FLAGS_issuer);
  if (options.issuer.empty()) {
    return absl::InvalidArgumentError("--issuer must not be empty");
  }
  options.audiences = absl::GetFlag(FLAGS_audience);
  absl::StatusOr<absl::Duration> default_ttl =
      DurationFlag("default-ttl", absl::GetFlag(FLAGS_default_ttl), true);
  if (!default_ttl.ok()) return default_ttl.status();
  absl::StatusOr<absl::Duration> max_ttl =
      DurationFlag("max-ttl", absl::GetFlag(FLAGS_max_ttl), true);
  if (!max_ttl.ok()) return max_ttl.status();
  absl::StatusOr<absl::Duration> leeway =
      DurationFlag("leeway", absl::GetFlag(FLAGS_leeway), false);
  if (!leeway.ok()) return leeway.status();
  if (*default_ttl > *max_ttl) {
    return absl::InvalidArgumentError(
        "--default-ttl must not exceed --max-ttl");
  }
  if (*leeway > jose::kMaxLeeway) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--leeway must be at most ", absl::FormatDuration(jose::kMaxLeeway)));
  }
  options.default_ttl = *default_ttl;
  options.max_ttl = *max_ttl;
  options.leeway = *leeway;
  return options;
}

// The address to report: with port 0, the port the kernel picked.
std::string BoundAddress(const std::string& requested, int selected_port) {
  if (absl::StartsWith(requested, "unix:")) return requested;
  const size_t colon = requested.rfind(':');
  if (colon == std::string::npos || selected_port <= 0) return requested;
  return absl::StrCat(requested.substr(0, colon + 1), selected_port);
}

int Run() {
  api::RouteGrpcLogsToJwtdLog();
  const std::string listen = absl::GetFlag(FLAGS_grpc_listen);
  if (absl::Status s = api::CheckListenAddress(listen); !s.ok()) {
    return Fail("bad flag --grpc-listen", s);
  }
  std::optional<jose::JwsAlgorithm> alg =
      jose::JwsAlgorithmFromName(absl::GetFlag(FLAGS_signing_alg));
  if (!alg.has_value() || jose::IsHmac(*alg)) {
    return Fail("bad flag --signing-alg",
                absl::InvalidArgumentError(
                    "expected an asymmetric JWS algorithm such as ES256, "
                    "RS256, PS256 or EdDSA"));
  }
  absl::StatusOr<service::TokenServiceOptions> options =
      ServiceOptionsFromFlags();
  if (!options.ok()) return Fail("bad flag", options.status());
  absl::StatusOr<absl::Duration> shutdown_grace = DurationFlag(
      "shutdown-grace", absl::GetFlag(FLAGS_shutdown_grace), false);
  if (!shutdown_grace.ok()) return Fail("bad flag", shutdown_grace.status());

  keyring::LocalKeyRingOptions ring_options;
  ring_options.data_dir = absl::GetFlag(FLAGS_data_dir);
  ring_options.alg = *alg;
  absl::StatusOr<std::unique_ptr<keyring::LocalKeyRing>> key_ring =
      keyring::LocalKeyRing::Open(ring_options);
  if (!key_ring.ok()) return Fail("cannot open key ring", key_ring.status());

  absl::StatusOr<std::unique_ptr<service::TokenService>> service =
      service::TokenService::Create(*options, key_ring->get(), &SystemClock());
  if (!service.ok()) return Fail("bad configuration", service.status());

  api::TokenServiceHandler handler(service->get());
  grpc::ServerBuilder builder;
  int selected_port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(),
                           &selected_port);
  // Without this a second jwtd could silently share the port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(&handler);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    return Fail("cannot listen",
                absl::UnavailableError(absl::StrCat(
                    "binding ", listen,
                    " failed (address in use, bad address or permission)")));
  }

  auto signing_key = (*key_ring)->ActiveSigningKey();
  Log(LogLevel::kInfo, "jwtd serving",
      {{"grpc_listen", BoundAddress(listen, selected_port)},
       {"kid", signing_key->kid()},
       {"alg", std::string(jose::JwsAlgorithmName(signing_key->alg()))},
       {"issuer", options->issuer},
       {"key", (*key_ring)->generated() ? "generated" : "loaded"}});

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  int signal_number = 0;
  sigwait(&signals, &signal_number);

  Log(LogLevel::kInfo, "shutting down",
      {{"signal", signal_number == SIGINT ? "SIGINT" : "SIGTERM"}});
  const auto deadline = std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(*shutdown_grace);
  server->Shutdown(deadline);
  server->Wait();
  Log(LogLevel::kInfo, "stopped");
  return 0;
}

// Lets every flag be spelled with dashes (--grpc-listen) as well as with
// Abseil's underscores (--grpc_listen): only the name before '=' changes.
void NormalizeFlagNames(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    char* arg = argv[i];
    if (arg[0] != '-' || arg[1] != '-') continue;
    if (arg[2] == '\0') break;  // "--" ends the flags.
    for (char* c = arg + 2; *c != '\0' && *c != '='; ++c) {
      if (*c == '-') *c = '_';
    }
  }
}

}  // namespace
}  // namespace jwtd

int main(int argc, char** argv) {
  // Block the stop signals before any thread starts, so that every gRPC
  // thread inherits the mask and only sigwait in Run() receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::SetProgramUsageMessage(
      "jwtd: issues, validates and introspects JSON Web Tokens over gRPC.\n"
      "Usage: jwtd [--grpc-listen=ADDR] [--data-dir=DIR] [--issuer=ISS] ...");
  jwtd::NormalizeFlagNames(argc, argv);
  absl::ParseCommandLine(argc, argv);
  return jwtd::Run();
}
