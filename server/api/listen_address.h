#ifndef JWTD_SERVER_API_LISTEN_ADDRESS_H_
#define JWTD_SERVER_API_LISTEN_ADDRESS_H_

#include <string>

#include "absl/status/status.h"

namespace jwtd::api {

// Checks a listen address before gRPC binds it. For "unix:/path": the path
// must be absolute, and an existing file there must be a stale socket
// (nobody accepts on it); gRPC would otherwise unlink a live socket and
// silently take over another server's address. FAILED_PRECONDITION when
// another process serves there or the path is not a socket,
// INVALID_ARGUMENT for an empty address or a relative Unix path. TCP
// addresses are left to gRPC (with SO_REUSEPORT off, a taken port fails
// the bind).
absl::Status CheckListenAddress(const std::string& address);

}  // namespace jwtd::api

#endif  // JWTD_SERVER_API_LISTEN_ADDRESS_H_
