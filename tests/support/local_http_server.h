#ifndef JWTD_TESTS_SUPPORT_LOCAL_HTTP_SERVER_H_
#define JWTD_TESTS_SUPPORT_LOCAL_HTTP_SERVER_H_

// A small HTTP/1.1 server for tests (civetweb), listening on 127.0.0.1 only.
// Responses are set per path and may be changed at any time from the test
// thread; requests are counted per path. A response can hang for a bounded
// time (to test client timeouts); Stop() cuts such hangs short.
//
//   ASSERT_OK_AND_ASSIGN(auto server, LocalHttpServer::Start());
//   server->SetResponse("/jwks", {.body = jwks,
//                                 .headers = {{"Cache-Control",
//                                 "max-age=60"}}});
//   ... fetch server->Url("/jwks") ...
//   EXPECT_EQ(server->RequestCount("/jwks"), 1);

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

struct mg_context;
struct mg_connection;

namespace jwtd::testing {

// What the server answers for one path.
struct HttpTestResponse {
  int status = 200;
  std::string body = "";
  // Extra headers, e.g. {"Cache-Control", "max-age=60"}, {"Location", url}.
  // Content-Length is always sent unless `chunked`.
  std::vector<std::pair<std::string, std::string>> headers = {};
  // Sleep this long before answering (cut short by Stop()). At most
  // kMaxDelay.
  absl::Duration delay = absl::ZeroDuration();
  // Send the body with chunked transfer encoding (no Content-Length).
  bool chunked = false;
};

class LocalHttpServer {
 public:
  // The longest a response may hang.
  static constexpr absl::Duration kMaxDelay = absl::Seconds(10);

  // Listens on 127.0.0.1:`port`; 0 picks a free port.
  static absl::StatusOr<std::unique_ptr<LocalHttpServer>> Start(int port = 0);
  ~LocalHttpServer();
  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port><path>".
  std::string Url(absl::string_view path) const;

  // Answers GET `path` (exact, without query) with `response`. Paths without
  // a response get 404.
  void SetResponse(const std::string& path, HttpTestResponse response);
  // Computes the answer per request (called on a server thread).
  void SetHandler(const std::string& path,
                  std::function<HttpTestResponse()> handler);

  // Requests received for `path` (counted on arrival, before any delay).
  int RequestCount(absl::string_view path) const;
  void ResetCounts();

  // Stops listening (connections are refused) and ends pending delays;
  // returns when every server thread is done. Idempotent.
  void Stop();
  // Listens again on the same port after Stop().
  absl::Status Restart();

 private:
  LocalHttpServer() = default;
  absl::Status Listen(int port);
  static int HandleRequest(mg_connection* connection);
  int Handle(mg_connection* connection);

  int port_ = 0;
  mg_context* context_ = nullptr;
  // std::mutex, not absl::Mutex: visible to ThreadSanitizer
  // (docs/sanitizers.md).
  mutable std::mutex mu_;
  std::condition_variable stopping_set_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<std::string, std::function<HttpTestResponse()>> handlers_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, int> counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace jwtd::testing

#endif  // JWTD_TESTS_SUPPORT_LOCAL_HTTP_SERVER_H_
