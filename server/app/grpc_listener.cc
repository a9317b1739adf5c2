#include "server/app/grpc_listener.h"

#include <sys/stat.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "server/crypto/x509.h"
#include "server/util/file.h"

namespace jwtd::app {
namespace {

constexpr size_t kMaxPemBytes = 1 << 20;

bool IsUnix(const std::string& address) {
  return absl::StartsWith(address, "unix:");
}

// The address to report: with port 0, the port the kernel picked.
std::string BoundAddress(const std::string& requested, int selected_port) {
  if (IsUnix(requested)) return requested;
  const size_t colon = requested.rfind(':');
  if (colon == std::string::npos || selected_port <= 0) return requested;
  return absl::StrCat(requested.substr(0, colon + 1), selected_port);
}

absl::StatusOr<std::string> ReadPem(const std::string& field,
                                    const std::string& path) {
  absl::StatusOr<std::string> text = ReadSmallFile(path, kMaxPemBytes);
  if (!text.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " ", path, ": ", text.status().message()));
  }
  return text;
}

// TLS credentials whose files are re-read every reload_interval. The files
// are checked once here so that a wrong path or a mismatched key stops
// start-up with a clear error.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> TlsCredentials(
    const config::TlsConfig& tls) {
  absl::StatusOr<std::string> cert = ReadPem("tls.cert_file", tls.cert_file);
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem("tls.key_file", tls.key_file);
  if (!key.ok()) return key.status();
  if (absl::Status pair = crypto::CheckCertificateKeyPair(*cert, *key);
      !pair.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tls: ", tls.cert_file, " / ", tls.key_file, ": ", pair.message()));
  }
  if (tls.mutual()) {
    absl::StatusOr<std::string> ca =
        ReadPem("tls.client_ca_file", tls.client_ca_file);
    if (!ca.ok()) return ca.status();
    if (absl::Status bundle = crypto::CheckCertificateBundle(*ca);
        !bundle.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tls.client_ca_file ", tls.client_ca_file, ": ", bundle.message()));
    }
  }
  const auto interval =
      static_cast<unsigned int>(absl::ToInt64Seconds(tls.reload_interval));
  auto provider =
      std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
          tls.key_file, tls.cert_file,
          tls.mutual() ? tls.client_ca_file : std::string(), interval);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (tls.mutual()) {
    options.watch_root_certs();
    options.set_cert_request_type(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  } else {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

// Process-wide gRPC switches, set once before the first server is built.
void InitGrpcServerFeatures() {
  static const bool done = [] {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    return true;
  }();
  (void)done;
}

}  // namespace

void ApplyListenerSettings(const config::GrpcLimits& limits,
                           grpc::ServerBuilder* builder) {
  // Without this a second jwtd could silently share the port.
  builder->AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder->SetMaxReceiveMessageSize(limits.max_message_bytes);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                              limits.max_concurrent_streams);
  builder->AddChannelArgument(
      GRPC_ARG_KEEPALIVE_TIME_MS,
      static_cast<int>(absl::ToInt64Milliseconds(limits.keepalive_time)));
  builder->AddChannelArgument(
      GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
      static_cast<int>(absl::ToInt64Milliseconds(limits.keepalive_timeout)));
  builder->AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      static_cast<int>(
          absl::ToInt64Milliseconds(limits.min_client_ping_interval)));
}

absl::StatusOr<GrpcListener> StartGrpcListener(
    const GrpcListenerOptions& options,
    const std::vector<grpc::Service*>& services,
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors) {
  InitGrpcServerFeatures();
  GrpcListener listener;
  const bool unix_socket = IsUnix(options.address);
  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::InsecureServerCredentials();
  if (!unix_socket && options.tls.enabled()) {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> tls =
        TlsCredentials(options.tls);
    if (!tls.ok()) return tls.status();
    credentials = *std::move(tls);
    listener.tls = true;
    listener.mutual_tls = options.tls.mutual();
  }

  grpc::ServerBuilder builder;
  int selected_port = 0;
  builder.AddListeningPort(options.address, credentials, &selected_port);
  ApplyListenerSettings(options.limits, &builder);
  for (grpc::Service* service : services) builder.RegisterService(service);
  if (!interceptors.empty()) {
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }

  // The socket file is created by the bind inside BuildAndStart: narrow the
  // umask so that it never exists with a wider mode than configured.
  const mode_t old_umask =
      unix_socket ? umask(static_cast<mode_t>(~options.socket_mode & 0777)) : 0;
  listener.server = builder.BuildAndStart();
  if (unix_socket) umask(old_umask);
  if (listener.server == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("binding ", options.address,
                     " failed (address in use, bad address or permission)"));
  }
  if (unix_socket) {
    const std::string path = options.address.substr(5);
    if (chmod(path.c_str(), static_cast<mode_t>(options.socket_mode)) != 0) {
      listener.server->Shutdown();
      return absl::PermissionDeniedError(
          absl::StrCat("cannot set the mode of ", path));
    }
  }
  // gRPC's health service starts with the whole server SERVING; jwtd says
  // SERVING only once it is ready (JwtdServer's health updates).
  listener.server->GetHealthCheckService()->SetServingStatus(false);
  listener.bound_address = BoundAddress(options.address, selected_port);
  return listener;
}

}  // namespace jwtd::app
