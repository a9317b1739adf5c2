#ifndef JWTD_SERVER_APP_GRPC_LISTENER_H_
#define JWTD_SERVER_APP_GRPC_LISTENER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/server_interceptor.h"
#include "server/config/config.h"

namespace jwtd::app {

// One gRPC listener: an address, its transport security and limits.
struct GrpcListenerOptions {
  // "host:port" or "unix:/absolute/path".
  std::string address;
  // Mode of the socket file for unix: addresses (never wider while it is
  // created: the umask is narrowed around the bind).
  int socket_mode = 0600;
  // Used for TCP addresses when enabled; Unix sockets are guarded by their
  // file mode and stay plaintext.
  config::TlsConfig tls;
  config::GrpcLimits limits;
};

// A started gRPC server for one listener.
struct GrpcListener {
  std::unique_ptr<grpc::Server> server;
  // The address clients use, with port 0 resolved.
  std::string bound_address;
  // Whether the listener speaks TLS (and requires client certificates).
  bool tls = false;
  bool mutual_tls = false;
};

// Sets the channel arguments and limits that every jwtd listener uses (no
// SO_REUSEPORT, message size, concurrent streams, keepalive, client ping
// policy). StartGrpcListener calls it; it is public so that a server built
// elsewhere (bench/load/echo_server's completion-queue variant) can run with
// exactly jwtd's settings.
void ApplyListenerSettings(const config::GrpcLimits& limits,
                           grpc::ServerBuilder* builder);

// Builds and starts a server for `services` (each must outlive it) on one
// listener, with gRPC health checking (grpc.health.v1, every service
// NOT_SERVING until told otherwise) and server reflection. `interceptors`
// run on every call, in order. Errors: INVALID_ARGUMENT for unusable TLS
// files (named, checked before binding: a bad certificate would otherwise
// fail every handshake), UNAVAILABLE when the bind fails.
absl::StatusOr<GrpcListener> StartGrpcListener(
    const GrpcListenerOptions& options,
    const std::vector<grpc::Service*>& services,
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors);

}  // namespace jwtd::app

#endif  // JWTD_SERVER_APP_GRPC_LISTENER_H_
