#ifndef JWTD_CLIENT_CLIENT_H_
#define JWTD_CLIENT_CLIENT_H_

// A small synchronous C++ client for jwtd's TokenService (jwtd.v1).
//
//   absl::StatusOr<std::unique_ptr<jwtd::Client>> client =
//       jwtd::Client::Connect({.address = "unix:/run/jwtd/jwtd.sock"});
//   if (!client.ok()) return client.status();
//   jwtd::v1::ValidateRequest request;
//   request.set_token(token);
//   absl::StatusOr<jwtd::v1::ValidateResponse> verdict =
//       (*client)->Validate(request);
//   if (!verdict.ok()) return verdict.status();  // Retry or fail the call.
//   if (!verdict->valid()) ...                   // Reject the token.
//
// Status contract: every RPC returns the server's gRPC status as an
// absl::Status with the same code and message. A rejected token is NOT an
// error: Validate answers OK with `valid == false` and a reason, and
// Introspect answers OK with `active == false`. A non-OK status means the
// request or the service is at fault (see token_service.proto), or the call
// could not be made (UNAVAILABLE, DEADLINE_EXCEEDED).
//
// Thread safety: a Client may be shared by any number of threads.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "jwtd/v1/token_service.grpc.pb.h"
#include "jwtd/v1/token_service.pb.h"

namespace jwtd {

struct ClientOptions {
  // Where jwtd listens: "host:port" (a name, an IPv4 address or a bracketed
  // IPv6 address, and a port in 1..65535), "unix:/absolute/path", or any
  // other gRPC target with an explicit scheme ("dns:///host:port",
  // "ipv4:...", "ipv6:...", "unix-abstract:...").
  std::string address = "127.0.0.1:50051";
  // Deadline of each call, counted from the moment it starts. Must be
  // positive and finite.
  absl::Duration timeout = absl::Seconds(5);

  // TLS, for TCP addresses. Empty tls_ca_file: plaintext. Set: the server's
  // certificate must chain to these CAs (PEM file); with tls_cert_file and
  // tls_key_file the client presents its own certificate (mutual TLS).
  // tls_server_name overrides the name checked against the server's
  // certificate (default: the host of `address`).
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_server_name;
};

class Client {
 public:
  // Checks `options` and creates an insecure (plaintext) channel to
  // `options.address`. Does not contact the server: a server that is down
  // shows up as UNAVAILABLE on the first call (or use WaitForReady).
  //
  // Returns INVALID_ARGUMENT for an empty or obviously malformed address
  // (whitespace, "unix:" without an absolute path, a missing or
  // out-of-range port), for a non-positive or infinite timeout and for
  // inconsistent TLS options; the TLS files are read here (NOT_FOUND or
  // another read error names the file).
  static absl::StatusOr<std::unique_ptr<Client>> Connect(
      const ClientOptions& options);

  // Wraps an existing channel, e.g. one with TLS credentials or custom
  // channel arguments. `channel` must not be null; `timeout` as in
  // ClientOptions.
  static std::unique_ptr<Client> FromChannel(
      std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);

  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  // Blocks until the channel is connected or `timeout` has passed.
  // Returns OK once connected, DEADLINE_EXCEEDED otherwise.
  absl::Status WaitForReady(absl::Duration timeout);

  // The RPCs of jwtd.v1.TokenService, one call each, with the per-call
  // deadline from ClientOptions::timeout. Every string in the request must
  // be valid UTF-8 (proto3 cannot carry anything else): otherwise the call
  // is not made and INVALID_ARGUMENT names the offending field.
  absl::StatusOr<v1::IssueResponse> Issue(const v1::IssueRequest& request);
  absl::StatusOr<v1::ValidateResponse> Validate(
      const v1::ValidateRequest& request);
  // One result per request, in order (at most 1000 requests).
  absl::StatusOr<v1::ValidateBatchResponse> ValidateBatch(
      const v1::ValidateBatchRequest& request);
  absl::StatusOr<v1::IntrospectResponse> Introspect(
      const v1::IntrospectRequest& request);
  // The server may answer UNIMPLEMENTED (revocation store not built in).
  absl::StatusOr<v1::RevokeResponse> Revoke(const v1::RevokeRequest& request);
  absl::StatusOr<v1::GetKeySetResponse> GetKeySet(
      const v1::GetKeySetRequest& request = {});

  // The standard gRPC health check (grpc.health.v1.Health/Check) for
  // `service` ("" is the whole server, "jwtd.v1.TokenService" the API):
  // true when SERVING, false when NOT_SERVING or unknown to the server; an
  // error status when the call itself fails (e.g. UNAVAILABLE).
  absl::StatusOr<bool> CheckHealth(const std::string& service = "");

 private:
  Client(std::shared_ptr<grpc::Channel> channel, absl::Duration timeout);

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::TokenService::Stub> stub_;
  absl::Duration timeout_;
};

}  // namespace jwtd

#endif  // JWTD_CLIENT_CLIENT_H_
