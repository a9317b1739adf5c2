#include "server/api/http_server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace jwtd::api {
namespace {

using ::jwtd::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Ge;
using ::testing::HasSubstr;
using ::testing::Lt;
using ::testing::StartsWith;

constexpr absl::string_view kJwks =
    R"({"keys":[{"kty":"EC","crv":"P-256","kid":"k1 \u00e9","alg":"ES256",)"
    R"("use":"sig","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]})";
constexpr absl::string_view kDiscovery =
    R"({"issuer":"https://jwtd.test","jwks_uri":)"
    R"("https://jwtd.test/.well-known/jwks.json"})";

// What the endpoint callbacks answer; changeable while the server runs.
class FakeEndpoints {
 public:
  void SetJwks(std::string jwks) {
    std::lock_guard lock(mu_);
    jwks_ = std::move(jwks);
  }
  void SetLiveness(absl::Status status) {
    std::lock_guard lock(mu_);
    liveness_ = std::move(status);
  }
  void SetReadiness(absl::Status status) {
    std::lock_guard lock(mu_);
    readiness_ = std::move(status);
  }

  HttpEndpoints Get() {
    HttpEndpoints endpoints;
    endpoints.jwks = [this] {
      std::lock_guard lock(mu_);
      return jwks_;
    };
    endpoints.openid_configuration = [] { return std::string(kDiscovery); };
    endpoints.liveness = [this] {
      std::lock_guard lock(mu_);
      return liveness_;
    };
    endpoints.readiness = [this]() -> absl::StatusOr<std::string> {
      std::lock_guard lock(mu_);
      if (!readiness_.ok()) return readiness_;
      return std::string("ready");
    };
    return endpoints;
  }

 private:
  std::mutex mu_;  // Not absl::Mutex: see docs/sanitizers.md.
  std::string jwks_ ABSL_GUARDED_BY(mu_) = std::string(kJwks);
  absl::Status liveness_ ABSL_GUARDED_BY(mu_);
  absl::Status readiness_ ABSL_GUARDED_BY(mu_);
};

HttpServerOptions LocalOptions() {
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  return options;
}

struct Reply {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // Lower-case names.

  // The header's value, or "<absent>".
  std::string Header(absl::string_view name) const {
    auto it = headers.find(absl::AsciiStrToLower(name));
    return it == headers.end() ? "<absent>" : it->second;
  }
};

struct Request {
  std::string method = "GET";
  std::string body{};
  std::vector<std::string> headers{};  // "Name: value".
  bool path_as_is = false;             // Send "/a/../b" unchanged.
};

// An HTTP client on one libcurl handle: requests reuse its connection.
class Client {
 public:
  Client() {
    static const CURLcode init = curl_global_init(CURL_GLOBAL_DEFAULT);
    EXPECT_EQ(init, CURLE_OK);
    curl_ = curl_easy_init();
  }
  ~Client() { curl_easy_cleanup(curl_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  absl::StatusOr<Reply> Fetch(int port, absl::string_view path,
                              const Request& request = {}) {
    curl_easy_reset(curl_);  // Keeps the live connection.
    Reply reply;
    const std::string url = absl::StrCat("http://127.0.0.1:", port, path);
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &Client::OnBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &Client::OnHeader);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &reply);
    if (request.path_as_is) curl_easy_setopt(curl_, CURLOPT_PATH_AS_IS, 1L);
    if (request.method == "HEAD") {
      curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
    } else if (request.method != "GET" || !request.body.empty()) {
      curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (!request.body.empty()) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
    curl_slist* headers = nullptr;
    for (const std::string& header : request.headers) {
      headers = curl_slist_append(headers, header.c_str());
    }
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers);
    const CURLcode code = curl_easy_perform(curl_);
    curl_slist_free_all(headers);
    if (code != CURLE_OK) {
      return absl::UnavailableError(
          absl::StrCat(url, ": ", curl_easy_strerror(code)));
    }
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &reply.status);
    return reply;
  }

  // New connections opened by the last Fetch (0 when it reused one).
  long LastConnectCount() {
    long count = -1;
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &count);
    return count;
  }

 private:
  static size_t OnBody(char* data, size_t size, size_t count, void* reply) {
    static_cast<Reply*>(reply)->body.append(data, size * count);
    return size * count;
  }
  static size_t OnHeader(char* data, size_t size, size_t count, void* arg) {
    auto* reply = static_cast<Reply*>(arg);
    const absl::string_view line(data, size * count);
    if (absl::StartsWith(line, "HTTP/")) {
      reply->headers.clear();  // A new response (after a 100 Continue).
    } else if (const size_t colon = line.find(':');
               colon != absl::string_view::npos) {
      reply->headers[absl::AsciiStrToLower(line.substr(0, colon))] =
          std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    }
    return size * count;
  }

  CURL* curl_;
};

absl::StatusOr<Reply> Fetch(int port, absl::string_view path,
                            const Request& request = {}) {
  Client client;
  return client.Fetch(port, path, request);
}

struct RawReply {
  std::string bytes;
  bool closed_by_server = false;
};

// Writes `request` on a new connection and reads until the server closes it
// or 5 s pass, so tests can see exactly which bytes come back.
RawReply RawExchange(int port, absl::string_view request) {
  RawReply reply;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return reply;
  timeval timeout{.tv_sec = 5, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) ==
          0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size())) {
    char buffer[4096];
    while (true) {
      const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n == 0) reply.closed_by_server = true;
      if (n <= 0) break;
      reply.bytes.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return reply;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = LocalOptions()) {
    absl::StatusOr<std::unique_ptr<HttpServer>> server =
        HttpServer::Start(std::move(options), fake_.Get());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_GT(server_->port(), 0);
  }

  // GETs `path` (or as `request` says) and checks what every answer has.
  Reply Get(absl::string_view path, const Request& request = {}) {
    absl::StatusOr<Reply> reply = Fetch(server_->port(), path, request);
    EXPECT_TRUE(reply.ok()) << reply.status();
    if (!reply.ok()) return Reply{};
    EXPECT_EQ(reply->Header("X-Content-Type-Options"), "nosniff") << path;
    if (request.method != "HEAD") {
      EXPECT_EQ(reply->Header("Content-Length"),
                absl::StrCat(reply->body.size()))
          << path;
    }
    return *std::move(reply);
  }

  FakeEndpoints fake_;  // Outlives the server, which calls it.
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, ServesJwksVerbatimWithCacheHeaders) {
  StartServer();
  Reply reply = Get("/.well-known/jwks.json");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, kJwks);
  EXPECT_EQ(reply.Header("Content-Type"), "application/jwk-set+json");
  EXPECT_EQ(reply.Header("Cache-Control"), "public, max-age=300");
  EXPECT_EQ(reply.Header("Access-Control-Allow-Origin"), "*");

  // Each request asks the callback again, and any bytes pass unchanged.
  std::string large = absl::StrCat(R"({"keys":[],"pad":")",
                                   std::string(200 * 1024, 'x'), "\xc3\xa9\"}");
  fake_.SetJwks(large);
  reply = Get("/.well-known/jwks.json");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, large);
}

TEST_F(HttpServerTest, CacheMaxAgeFollowsOption) {
  HttpServerOptions options = LocalOptions();
  options.jwks_max_age = absl::Seconds(90) + absl::Milliseconds(900);
  StartServer(options);
  EXPECT_EQ(Get("/.well-known/jwks.json").Header("Cache-Control"),
            "public, max-age=90");
  EXPECT_EQ(Get("/.well-known/openid-configuration").Header("Cache-Control"),
            "public, max-age=90");
}

TEST_F(HttpServerTest, ServesOpenIdConfiguration) {
  StartServer();
  const Reply reply = Get("/.well-known/openid-configuration");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, kDiscovery);
  EXPECT_EQ(reply.Header("Content-Type"), "application/json");
  EXPECT_EQ(reply.Header("Cache-Control"), "public, max-age=300");
  EXPECT_EQ(reply.Header("Access-Control-Allow-Origin"), "*");
}

TEST_F(HttpServerTest, HealthzReportsLiveness) {
  StartServer();
  Reply reply = Get("/healthz");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "ok");
  EXPECT_EQ(reply.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(reply.Header("Cache-Control"), "no-store");

  fake_.SetLiveness(absl::InternalError("serving loop wedged"));
  reply = Get("/healthz");
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.body, "serving loop wedged");
  EXPECT_EQ(reply.Header("Cache-Control"), "no-store");
}

TEST_F(HttpServerTest, ReadyzFlipsWhenReadinessChanges) {
  fake_.SetReadiness(absl::UnavailableError("keys not ready: loading"));
  StartServer();
  Reply reply = Get("/readyz");
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.body, "keys not ready: loading");
  EXPECT_EQ(reply.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(reply.Header("Cache-Control"), "no-store");

  fake_.SetReadiness(absl::OkStatus());
  reply = Get("/readyz");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "ready");

  // A status without a message still says something.
  fake_.SetReadiness(absl::Status(absl::StatusCode::kUnavailable, ""));
  reply = Get("/readyz");
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.body, "UNAVAILABLE");
}

TEST_F(HttpServerTest, UnknownPathsAre404) {
  StartServer();
  for (const char* path :
       {"/", "/jwks.json", "/.well-known/jwks.json/", "/.well-known/JWKS.JSON",
        "/.well-known/", "/healthz/x", "/readyz.html", "/index.html",
        "/metrics"}) {
    const Reply reply = Get(path);
    EXPECT_EQ(reply.status, 404) << path;
    EXPECT_EQ(reply.body, "not found") << path;
    EXPECT_EQ(reply.Header("Cache-Control"), "no-store") << path;
  }
  // Unknown paths answer 404 whatever the method.
  EXPECT_EQ(Get("/nope", {.method = "POST"}).status, 404);
}

// /metrics exists only with a metrics callback, which runs per request (the
// scrape) and whose text is served verbatim.
TEST_F(HttpServerTest, ServesMetricsWhenConfigured) {
  std::atomic<int> scrapes{0};
  HttpEndpoints endpoints = fake_.Get();
  endpoints.metrics = [&scrapes] {
    return absl::StrCat("# TYPE jwtd_test counter\njwtd_test ", ++scrapes,
                        "\n");
  };
  absl::StatusOr<std::unique_ptr<HttpServer>> started =
      HttpServer::Start(LocalOptions(), std::move(endpoints));
  ASSERT_TRUE(started.ok()) << started.status();
  server_ = *std::move(started);

  Reply reply = Get("/metrics");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "# TYPE jwtd_test counter\njwtd_test 1\n");
  EXPECT_EQ(reply.Header("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(reply.Header("Cache-Control"), "no-store");
  EXPECT_EQ(reply.Header("Access-Control-Allow-Origin"), "<absent>");
  EXPECT_EQ(Get("/metrics?name=x").body,
            "# TYPE jwtd_test counter\njwtd_test 2\n");

  reply = Get("/metrics", {.method = "HEAD"});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "");
  reply = Get("/metrics", {.method = "POST"});
  EXPECT_EQ(reply.status, 405);
  EXPECT_EQ(reply.Header("Allow"), "GET, HEAD");
  EXPECT_EQ(Get("/metrics/x").status, 404);
}

TEST_F(HttpServerTest, PathIsNormalizedAndQueryIgnored) {
  StartServer();
  EXPECT_EQ(Get("/.well-known/jwks.json?x=1&kid=2").body, kJwks);
  EXPECT_EQ(Get("/.well-known/%6Awks.json").body, kJwks);
  EXPECT_EQ(Get("/a/../healthz", {.path_as_is = true}).body, "ok");
}

TEST_F(HttpServerTest, OtherMethodsOnKnownRoutesAre405) {
  StartServer();
  for (const char* path :
       {"/.well-known/jwks.json", "/.well-known/openid-configuration",
        "/healthz", "/readyz"}) {
    for (const char* method : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
      const Reply reply = Get(path, {.method = method});
      EXPECT_EQ(reply.status, 405) << method << " " << path;
      EXPECT_EQ(reply.Header("Allow"), "GET, HEAD") << method << " " << path;
      EXPECT_EQ(reply.body, "method not allowed") << method << " " << path;
    }
  }
}

TEST_F(HttpServerTest, HeadSendsHeadersWithoutBody) {
  StartServer();
  Reply reply = Get("/.well-known/jwks.json", {.method = "HEAD"});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.Header("Content-Type"), "application/jwk-set+json");
  EXPECT_EQ(reply.Header("Content-Length"), absl::StrCat(kJwks.size()));
  EXPECT_EQ(reply.Header("Cache-Control"), "public, max-age=300");
  EXPECT_EQ(Get("/healthz", {.method = "HEAD"}).status, 200);
  EXPECT_EQ(Get("/nope", {.method = "HEAD"}).status, 404);

  // On the wire: the header block and not one byte more.
  const RawReply raw =
      RawExchange(server_->port(),
                  "HEAD /.well-known/jwks.json HTTP/1.1\r\nHost: t\r\n"
                  "Connection: close\r\n\r\n");
  EXPECT_TRUE(raw.closed_by_server);
  EXPECT_THAT(raw.bytes, StartsWith("HTTP/1.1 200 "));
  const size_t end = raw.bytes.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos) << raw.bytes;
  EXPECT_EQ(raw.bytes.substr(end + 4), "");
}

TEST_F(HttpServerTest, RequestBodiesAreRefusedAndConnectionClosed) {
  StartServer();
  Reply reply = Get("/healthz", {.body = "abc"});
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.body, "request body not accepted");
  EXPECT_EQ(reply.Header("Connection"), "close");
  EXPECT_EQ(Get("/nope", {.method = "POST", .body = "x"}).status, 413);
  EXPECT_EQ(Get("/healthz", {.body = std::string(1 << 20, 'b')}).status, 413);

  // A chunked body: refused, and never read as a second request.
  const RawReply raw = RawExchange(
      server_->port(),
      "GET /healthz HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "2c\r\nGET /readyz HTTP/1.1\r\nHost: t\r\nX-A: "
      "0123\r\n\r\n\r\n0\r\n\r\n");
  EXPECT_TRUE(raw.closed_by_server);
  EXPECT_THAT(raw.bytes, StartsWith("HTTP/1.1 413 "));
  EXPECT_EQ(raw.bytes.find("ready"), std::string::npos) << raw.bytes;

  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(HttpServerTest, OversizedHeadersAreRefusedAndServingGoesOn) {
  HttpServerOptions options = LocalOptions();
  options.max_request_bytes = 4096;
  StartServer(options);
  // Within the bound: served.
  EXPECT_EQ(
      Get("/healthz", {.headers = {"X-Pad: " + std::string(3000, 'a')}}).status,
      200);
  const Reply reply =
      Get("/healthz", {.headers = {"X-Pad: " + std::string(16 * 1024, 'a')}});
  EXPECT_THAT(reply.status, AllOf(Ge(400), Lt(500)));
  EXPECT_EQ(reply.Header("Connection"), "close");
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(HttpServerTest, MalformedRequestGetsShort400) {
  StartServer();
  const RawReply raw = RawExchange(server_->port(), "garbage\r\n\r\n");
  EXPECT_TRUE(raw.closed_by_server);
  EXPECT_THAT(raw.bytes, StartsWith("HTTP/1.0 400 "));
  EXPECT_THAT(raw.bytes, HasSubstr("X-Content-Type-Options: nosniff"));
  EXPECT_THAT(raw.bytes, HasSubstr("\r\n\r\nBad Request"));
  EXPECT_EQ(Get("/healthz").status, 200);
}

TEST_F(HttpServerTest, ManyConcurrentRequestsAllSucceed) {
  StartServer();  // Two workers: connections queue for them.
  constexpr int kThreads = 8;
  constexpr int kRequestsPerThread = 50;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Client client;  // Keep-alive: one connection per thread.
      for (int i = 0; i < kRequestsPerThread; ++i) {
        const bool jwks = (i + t) % 2 == 0;
        absl::StatusOr<Reply> reply = client.Fetch(
            server_->port(), jwks ? "/.well-known/jwks.json" : "/readyz");
        if (reply.ok() && reply->status == 200 &&
            reply->body == (jwks ? kJwks : "ready")) {
          ok.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(ok.load(), kThreads * kRequestsPerThread);
}

TEST_F(HttpServerTest, SecondServerOnSamePortIsUnavailable) {
  StartServer();
  HttpServerOptions options;
  options.listen = absl::StrCat("127.0.0.1:", server_->port());
  EXPECT_THAT(HttpServer::Start(options, fake_.Get()),
              StatusIs(absl::StatusCode::kUnavailable,
                       AllOf(HasSubstr(options.listen),
                             HasSubstr("Address already in use"))));
  EXPECT_EQ(Get("/healthz").status, 200);  // The first one is unharmed.
}

TEST_F(HttpServerTest, AddressNotOnThisHostIsUnavailable) {
  HttpServerOptions options;
  options.listen = "192.0.2.1:0";  // TEST-NET-1 (RFC 5737).
  EXPECT_THAT(HttpServer::Start(options, fake_.Get()),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("Cannot assign requested address")));
}

TEST_F(HttpServerTest, RejectsBadListenAddresses) {
  for (const char* listen :
       {"", "8080", ":8080", "localhost:8080", "127.0.0.1",
        "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:80s", "127.0.0.1:+80",
        "127.0.0.1: 80", "127.0.0.1:80,127.0.0.1:81", "127.1:80",
        "1.2.3.4.5:80", "[::1:80", "[]:80", "[127.0.0.1]:80", "[::1]x:80"}) {
    HttpServerOptions options;
    options.listen = listen;
    EXPECT_THAT(HttpServer::Start(options, fake_.Get()),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << listen;
  }
}

TEST_F(HttpServerTest, Ipv6NeedsCivetwebWithIpv6) {
  HttpServerOptions options;
  options.listen = "[::1]:0";
  absl::StatusOr<std::unique_ptr<HttpServer>> server =
      HttpServer::Start(options, fake_.Get());
  if (mg_check_feature(MG_FEATURES_IPV6) == 0) {
    EXPECT_THAT(server,
                StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("IPv6")));
  } else {
    ASSERT_TRUE(server.ok()) << server.status();
    EXPECT_GT((*server)->port(), 0);
  }
}

TEST_F(HttpServerTest, RejectsBadOptions) {
  const auto start = [this](HttpServerOptions options) {
    return HttpServer::Start(std::move(options), fake_.Get());
  };
  HttpServerOptions options = LocalOptions();
  options.threads = 0;
  EXPECT_THAT(start(options), StatusIs(absl::StatusCode::kInvalidArgument));
  options.threads = 1025;
  EXPECT_THAT(start(options), StatusIs(absl::StatusCode::kInvalidArgument));
  options = LocalOptions();
  options.max_request_bytes = 1023;
  EXPECT_THAT(start(options), StatusIs(absl::StatusCode::kInvalidArgument));
  options.max_request_bytes = (1 << 20) + 1;
  EXPECT_THAT(start(options), StatusIs(absl::StatusCode::kInvalidArgument));
  options = LocalOptions();
  options.jwks_max_age = absl::Seconds(-1);
  EXPECT_THAT(start(options), StatusIs(absl::StatusCode::kInvalidArgument));

  HttpEndpoints endpoints = fake_.Get();
  endpoints.readiness = nullptr;
  EXPECT_THAT(HttpServer::Start(LocalOptions(), std::move(endpoints)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(HttpServerTest, StopIsPromptWithIdleKeepAliveClient) {
  StartServer();
  Client client;
  ASSERT_OK_AND_ASSIGN(Reply first, client.Fetch(server_->port(), "/healthz"));
  ASSERT_EQ(first.status, 200);
  ASSERT_OK_AND_ASSIGN(Reply second, client.Fetch(server_->port(), "/healthz"));
  ASSERT_EQ(second.status, 200);
  ASSERT_EQ(client.LastConnectCount(), 0) << "connection was not kept alive";

  const absl::Time start = absl::Now();
  server_.reset();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(1500));
}

TEST_F(HttpServerTest, RestartsQuicklyOnTheSamePort) {
  StartServer();
  const int port = server_->port();
  const absl::Time start = absl::Now();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Get("/healthz").status, 200);
    server_.reset();
    HttpServerOptions options;
    options.listen = absl::StrCat("127.0.0.1:", port);
    StartServer(options);
    ASSERT_EQ(server_->port(), port);
  }
  EXPECT_EQ(Get("/healthz").status, 200);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

}  // namespace
}  // namespace jwtd::api
