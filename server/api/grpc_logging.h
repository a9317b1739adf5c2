#ifndef JWTD_SERVER_API_GRPC_LOGGING_H_
#define JWTD_SERVER_API_GRPC_LOGGING_H_

namespace jwtd::api {

// Sends gRPC's own log lines through jwtd's structured logger, so stderr
// stays one JSON object per line. Call once, before starting a server.
void RouteGrpcLogsToJwtdLog();

}  // namespace jwtd::api

#endif  // JWTD_SERVER_API_GRPC_LOGGING_H_
