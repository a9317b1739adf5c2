#ifndef JWTD_SERVER_API_HTTP_SERVER_H_
#define JWTD_SERVER_API_HTTP_SERVER_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

struct mg_context;

namespace jwtd::api {

// What the HTTP listener serves. Every callback but `metrics` must be set;
// each is called from
// several server threads at once (so must be thread-safe), and must stay
// callable until the HttpServer is destroyed. They hold no HTTP knowledge:
// the server turns their results into responses.
struct HttpEndpoints {
  // The public JWK Set (RFC 7517 section 5) as JSON; served verbatim.
  std::function<std::string()> jwks;
  // The OpenID Connect Discovery 1.0 metadata as JSON; served verbatim.
  std::function<std::string()> openid_configuration;
  // /healthz: OK while the process serves.
  std::function<absl::Status()> liveness;
  // /readyz: the body to send with 200 when keys are loaded (e.g. "ready",
  // or "ready; degraded: ..." while serving keys that could not be
  // refreshed); an error status (503, its message as body) otherwise.
  std::function<absl::StatusOr<std::string>()> readiness;
  // /metrics: the Prometheus text exposition (format 0.0.4); served
  // verbatim. Optional: unset, /metrics is 404.
  std::function<std::string()> metrics;
};

struct HttpServerOptions {
  // "<IPv4 address>:<port>" or "[<IPv6 address>]:<port>"; port 0 picks a free
  // port (see HttpServer::port()). The host is required: listening on every
  // interface takes an explicit "0.0.0.0:<port>".
  std::string listen = "127.0.0.1:8080";
  // Worker threads, 1..1024. Each serves one connection at a time; an idle
  // keep-alive connection holds its worker for up to 0.5 s.
  int threads = 2;
  // Cache-Control max-age of the JWKS and discovery documents, >= 0.
  absl::Duration jwks_max_age = absl::Minutes(5);
  // Upper bound of a request's line plus headers, 1024..1 MiB. Larger
  // requests get 400 and the connection is closed.
  size_t max_request_bytes = 8192;
};

// The HTTP/1.1 listener for verifiers and probes (civetweb underneath):
//
//   GET|HEAD /.well-known/jwks.json
//       200, Content-Type: application/jwk-set+json,
//       Cache-Control: public, max-age=<jwks_max_age in seconds>,
//       Access-Control-Allow-Origin: * (browsers may fetch public keys)
//   GET|HEAD /.well-known/openid-configuration
//       the same, with Content-Type: application/json
//   GET|HEAD /healthz   200 "ok", or 503 with the liveness status message
//   GET|HEAD /readyz    200 with the readiness body, or 503 with the message
//   GET|HEAD /metrics   200, Content-Type: text/plain; version=0.0.4;
//       charset=utf-8, Cache-Control: no-store (404 without a metrics
//       callback)
//
// Any other path: 404. Another method on a known path: 405 with
// "Allow: GET, HEAD". A request that carries a body (Content-Length > 0 or
// Transfer-Encoding) is refused with 413 and its connection closed: no route
// takes a body, and an unread body must not be parsed as the next request.
// Requests civetweb cannot parse (bad request line, unknown method token,
// headers over max_request_bytes) get its error status (400, 411, 505) with
// the reason phrase as body, and the connection closed. Every response has
// Content-Length and "X-Content-Type-Options: nosniff"; probe and error
// responses are text/plain with "Cache-Control: no-store". The path is
// matched after URL-decoding and dot-segment removal; the query is ignored.
// Nothing is served from files: there is no document root, so no directory
// listing, CGI, SSI or Lua either.
//
// civetweb's own log lines go to jwtd::Log (component "civetweb"). Nothing
// of a request (headers, body, query) is logged.
class HttpServer {
 public:
  // Starts listening and serving. INVALID_ARGUMENT for a malformed listen
  // address, out-of-range options or an unset endpoint callback;
  // UNIMPLEMENTED for an IPv6 address when civetweb was built without IPv6
  // (Debian 12's is); UNAVAILABLE when the address cannot be bound (in use,
  // not local, no permission), with civetweb's reason in the message.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      HttpServerOptions options, HttpEndpoints endpoints);

  // Stops accepting, waits for requests in flight and joins every server
  // thread; no callback runs after it returns. Bounded: an idle keep-alive
  // connection delays it by at most 0.5 s, a half-sent request by about
  // 2 s. Must not run on a server thread (from inside a callback).
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port; the one picked by the system when `listen` had port 0.
  int port() const { return port_; }

 private:
  class Router;  // Answers requests; defined in http_server.cc.

  HttpServer(std::unique_ptr<Router> router, mg_context* context, int port,
             std::string wake_host);

  std::unique_ptr<Router> router_;
  mg_context* context_;
  int port_;
  // A local address of the listener, connected to when stopping (see the
  // destructor).
  std::string wake_host_;
};

}  // namespace jwtd::api

#endif  // JWTD_SERVER_API_HTTP_SERVER_H_
