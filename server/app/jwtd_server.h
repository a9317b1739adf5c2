#ifndef JWTD_SERVER_APP_JWTD_SERVER_H_
#define JWTD_SERVER_APP_JWTD_SERVER_H_

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/config/config.h"
#include "server/util/clock.h"

namespace jwtd::app {

// A running jwtd: the key rings of every configured issuer, the
// TokenService over them, the gRPC server and (when configured) the HTTP
// listener, wired together. main.cc turns flags into a Config and runs one.
class JwtdServer {
 public:
  // Opens every key ring, builds the service and starts listening.
  // Errors name what failed (a key ring, a bind) and nothing keeps running.
  static absl::StatusOr<std::unique_ptr<JwtdServer>> Start(
      const config::Config& config, const Clock* clock);
  ~JwtdServer();

  // Where the servers listen (with port 0 resolved). http_address() is
  // empty when there is no HTTP listener.
  const std::string& grpc_address() const;
  // The privileged listener's address (Issue and Revoke), empty if none.
  const std::string& privileged_address() const;
  const std::string& http_address() const;

  // A one-line summary of the signing key ("kid", "alg"), empty values when
  // this jwtd cannot sign.
  std::string signing_kid() const;
  std::string signing_alg() const;

  // Sets every gRPC health status to NOT_SERVING, stops the HTTP listener,
  // stops accepting calls, lets in-flight calls finish until `grace` has
  // passed, then stops. Idempotent.
  void Shutdown(absl::Duration grace);

 private:
  struct Parts;
  explicit JwtdServer(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace jwtd::app

#endif  // JWTD_SERVER_APP_JWTD_SERVER_H_
