#include "server/api/http_server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "server/util/log.h"

namespace jwtd::api {
namespace {

constexpr int kMaxThreads = 1024;
constexpr size_t kMinRequestBytes = 1024;  // civetweb refuses less.
constexpr size_t kMaxRequestBytes = size_t{1} << 20;

constexpr absl::string_view kJwksPath = "/.well-known/jwks.json";
constexpr absl::string_view kDiscoveryPath =
    "/.well-known/openid-configuration";
constexpr absl::string_view kHealthPath = "/healthz";
constexpr absl::string_view kReadyPath = "/readyz";
constexpr absl::string_view kMetricsPath = "/metrics";

constexpr absl::string_view kTextPlain = "text/plain; charset=utf-8";
// Prometheus' text exposition format.
constexpr absl::string_view kMetricsType =
    "text/plain; version=0.0.4; charset=utf-8";
constexpr absl::string_view kNoStore = "no-store";

struct ListenAddress {
  std::string civetweb_ports;  // The listening_ports option.
  std::string wake_host;       // A numeric address that reaches the listener.
};

absl::StatusOr<ListenAddress> ParseListen(const std::string& listen) {
  const auto invalid = [&listen](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP listen address \"", listen, "\": ", why));
  };
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return invalid("expected <IPv4 address>:<port> or [<IPv6 address>]:<port>");
  }
  const std::string host = listen.substr(0, colon);
  const absl::string_view port_text =
      absl::string_view(listen).substr(colon + 1);
  int port = 0;
  // Digits only: civetweb would read suffixes such as "s" (TLS) or a
  // comma-separated list of further ports.
  if (port_text.empty() || port_text.size() > 5 ||
      !std::all_of(port_text.begin(), port_text.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(port_text, &port) || port > 65535) {
    return invalid("the port must be a number in 0..65535");
  }
  in6_addr ipv6;
  in_addr ipv4;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    const std::string bare = host.substr(1, host.size() - 2);
    if (inet_pton(AF_INET6, bare.c_str(), &ipv6) != 1) {
      return invalid("not an IPv6 address between the brackets");
    }
    if (mg_check_feature(MG_FEATURES_IPV6) == 0) {
      return absl::UnimplementedError(absl::StrCat(
          "HTTP listen address \"", listen,
          "\": this civetweb was built without IPv6; use an IPv4 address"));
    }
    return ListenAddress{
        .civetweb_ports = absl::StrCat(host, ":", port),
        .wake_host = IN6_IS_ADDR_UNSPECIFIED(&ipv6) ? "::1" : bare};
  }
  // inet_pton takes exactly the dotted quad: no names, no short forms.
  if (inet_pton(AF_INET, host.c_str(), &ipv4) != 1) {
    return invalid("the host must be an IPv4 address or [IPv6 address]");
  }
  return ListenAddress{
      .civetweb_ports = absl::StrCat(host, ":", port),
      .wake_host = ipv4.s_addr == htonl(INADDR_ANY) ? "127.0.0.1" : host};
}

// Connects to the listener and hangs up at once, without blocking.
void PokeListener(const std::string& host, int port) {
  sockaddr_storage address{};
  socklen_t length = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    length = sizeof(*v4);
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    length = sizeof(*v6);
  } else {
    return;
  }
  const int fd = ::socket(address.ss_family,
                          SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  (void)::connect(fd, reinterpret_cast<sockaddr*>(&address), length);
  ::close(fd);
}

// civetweb reports why mg_start2 failed (e.g. "cannot bind to ...: 98
// (Address already in use)") only through log_message, on the starting
// thread; its error text says just "Failed to setup server ports".
thread_local std::vector<std::string>* startup_messages = nullptr;

int LogCivetwebMessage(const mg_connection* /*connection*/,
                       const char* message) {
  const absl::string_view text =
      absl::StripTrailingAsciiWhitespace(message != nullptr ? message : "");
  if (startup_messages != nullptr) {
    startup_messages->emplace_back(text);
  } else {
    Log(LogLevel::kWarning, text, {{"component", "civetweb"}});
  }
  return 1;  // Handled: civetweb writes no file of its own.
}

struct Response {
  int status = 200;
  absl::string_view content_type = kTextPlain;
  absl::string_view cache_control = kNoStore;
  std::string body;
  bool allow_any_origin = false;
  bool send_allow = false;  // "Allow: GET, HEAD" (405).
  bool close = false;       // End the connection after this response.
};

bool IsHead(const mg_connection* connection) {
  const mg_request_info* info = mg_get_request_info(connection);
  return info != nullptr && info->request_method != nullptr &&
         absl::string_view(info->request_method) == "HEAD";
}

// Sends `response`; a HEAD request gets the same headers and no body
// (civetweb does not drop it by itself).
int Send(mg_connection* connection, const Response& response) {
  if (response.close) mg_disable_connection_keep_alive(connection);
  {
    // Debian's civetweb formats the Date header with gmtime(), whose static
    // buffer its worker threads share (ThreadSanitizer reported the race):
    // one thread at a time writes headers. Bodies are written unlocked.
    static std::mutex header_mu;  // Not absl::Mutex: docs/sanitizers.md.
    std::lock_guard lock(header_mu);
    if (mg_response_header_start(connection, response.status) != 0) {
      return response.status;  // Headers already sent: nothing safe to add.
    }
    const auto add = [connection](const char* name, absl::string_view value) {
      mg_response_header_add(connection, name, value.data(),
                             static_cast<int>(value.size()));
    };
    add("Content-Type", response.content_type);
    add("Content-Length", absl::StrCat(response.body.size()));
    add("Cache-Control", response.cache_control);
    add("X-Content-Type-Options", "nosniff");
    if (response.allow_any_origin) add("Access-Control-Allow-Origin", "*");
    if (response.send_allow) add("Allow", "GET, HEAD");
    mg_response_header_send(connection);
  }
  if (!IsHead(connection) && !response.body.empty()) {
    mg_write(connection, response.body.data(), response.body.size());
  }
  return response.status;
}

// Errors civetweb finds before a request reaches the router (malformed
// request, headers over max_request_size) get the same headers as ours and
// the reason phrase as body, not civetweb's detail text (which can echo
// request bytes).
int SendCivetwebError(mg_connection* connection, int status,
                      const char* /*message*/) {
  const char* reason = mg_get_response_code_text(connection, status);
  Send(connection, {.status = status,
                    .body = reason != nullptr ? reason : "error",
                    .close = true});
  return 0;  // Handled.
}

}  // namespace

class HttpServer::Router {
 public:
  Router(HttpEndpoints endpoints, absl::Duration max_age)
      : endpoints_(std::move(endpoints)),
        document_cache_control_(
            absl::StrCat("public, max-age=", absl::ToInt64Seconds(max_age))) {}

  // civetweb's begin_request: every request comes here first, so civetweb
  // never looks for a file, script or handler of its own.
  static int BeginRequest(mg_connection* connection) {
    const mg_request_info* info = mg_get_request_info(connection);
    return static_cast<Router*>(info->user_data)->Handle(connection, *info);
  }

 private:
  int Handle(mg_connection* connection, const mg_request_info& info) const {
    if (info.content_length > 0 ||
        mg_get_header(connection, "Transfer-Encoding") != nullptr) {
      return Send(
          connection,
          {.status = 413, .body = "request body not accepted", .close = true});
    }
    const absl::string_view path =
        info.local_uri != nullptr ? info.local_uri : "";
    const bool metrics = path == kMetricsPath && endpoints_.metrics != nullptr;
    if (path != kJwksPath && path != kDiscoveryPath && path != kHealthPath &&
        path != kReadyPath && !metrics) {
      return Send(connection, {.status = 404, .body = "not found"});
    }
    const absl::string_view method = info.request_method;
    if (method != "GET" && method != "HEAD") {
      return Send(
          connection,
          {.status = 405, .body = "method not allowed", .send_allow = true});
    }
    if (path == kJwksPath) {
      return SendDocument(connection, "application/jwk-set+json",
                          endpoints_.jwks());
    }
    if (path == kDiscoveryPath) {
      return SendDocument(connection, "application/json",
                          endpoints_.openid_configuration());
    }
    if (path == kHealthPath) {
      return SendProbe(connection, endpoints_.liveness(), "ok");
    }
    if (metrics) {
      return Send(connection,
                  {.content_type = kMetricsType, .body = endpoints_.metrics()});
    }
    absl::StatusOr<std::string> ready = endpoints_.readiness();
    return SendProbe(connection, ready.status(),
                     ready.ok() ? *std::move(ready) : "");
  }

  int SendDocument(mg_connection* connection, absl::string_view content_type,
                   std::string body) const {
    return Send(connection, {.content_type = content_type,
                             .cache_control = document_cache_control_,
                             .body = std::move(body),
                             .allow_any_origin = true});
  }

  static int SendProbe(mg_connection* connection, const absl::Status& status,
                       absl::string_view ok_body) {
    if (status.ok()) return Send(connection, {.body = std::string(ok_body)});
    return Send(connection,
                {.status = 503,
                 .body = status.message().empty()
                             ? absl::StatusCodeToString(status.code())
                             : std::string(status.message())});
  }

  const HttpEndpoints endpoints_;
  const std::string document_cache_control_;
};

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    HttpServerOptions options, HttpEndpoints endpoints) {
  if (!endpoints.jwks || !endpoints.openid_configuration ||
      !endpoints.liveness || !endpoints.readiness) {
    return absl::InvalidArgumentError(
        "HTTP server: every HttpEndpoints callback but metrics must be set");
  }
  if (options.threads < 1 || options.threads > kMaxThreads) {
    return absl::InvalidArgumentError(
        absl::StrCat("HTTP server threads must be in 1..", kMaxThreads,
                     ", got ", options.threads));
  }
  if (options.max_request_bytes < kMinRequestBytes ||
      options.max_request_bytes > kMaxRequestBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "HTTP max_request_bytes must be in ", kMinRequestBytes, "..",
        kMaxRequestBytes, ", got ", options.max_request_bytes));
  }
  if (options.jwks_max_age < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("HTTP jwks_max_age must not be negative");
  }
  absl::StatusOr<ListenAddress> address = ParseListen(options.listen);
  if (!address.ok()) return address.status();

  // Must run before the first mg_start2, and is not thread-safe.
  static std::once_flag civetweb_initialized;
  std::call_once(civetweb_initialized, [] { mg_init_library(0); });

  auto router =
      std::make_unique<Router>(std::move(endpoints), options.jwks_max_age);
  // No document_root: nothing is served from disk (so no directory listing,
  // CGI or SSI), and begin_request answers every request anyway. This
  // civetweb has no Lua. The idle keep-alive timeout bounds how long a
  // silent client keeps a worker (and delays a stop). Headers and body go
  // out in two writes, hence no Nagle delay.
  const std::pair<const char*, std::string> settings[] = {
      {"listening_ports", address->civetweb_ports},
      {"num_threads", absl::StrCat(options.threads)},
      {"max_request_size", absl::StrCat(options.max_request_bytes)},
      {"request_timeout_ms", "10000"},
      {"enable_keep_alive", "yes"},
      {"keep_alive_timeout_ms", "500"},
      {"tcp_nodelay", "1"},
      {"enable_directory_listing", "no"},
  };
  std::vector<const char*> civetweb_options;
  for (const auto& [name, value] : settings) {
    civetweb_options.push_back(name);
    civetweb_options.push_back(value.c_str());
  }
  civetweb_options.push_back(nullptr);
  static const mg_callbacks callbacks = [] {
    mg_callbacks c{};
    c.begin_request = &Router::BeginRequest;
    c.http_error = &SendCivetwebError;
    c.log_message = &LogCivetwebMessage;
    return c;
  }();
  mg_init_data init{};
  init.callbacks = &callbacks;
  init.user_data = router.get();
  init.configuration_options = civetweb_options.data();
  char error_text[256] = "";
  mg_error_data error{};
  error.text = error_text;
  error.text_buffer_size = sizeof(error_text);

  std::vector<std::string> messages;
  startup_messages = &messages;
  mg_context* context = mg_start2(&init, &error);
  startup_messages = nullptr;
  if (context == nullptr) {
    return absl::UnavailableError(absl::StrCat(
        "HTTP server cannot listen on ", options.listen, ": ",
        messages.empty() ? error_text : absl::StrJoin(messages, "; ")));
  }
  mg_server_port bound[1];
  if (mg_get_server_ports(context, 1, bound) != 1 || bound[0].port <= 0) {
    mg_stop(context);
    return absl::InternalError("HTTP server: civetweb reports no bound port");
  }
  return std::unique_ptr<HttpServer>(new HttpServer(
      std::move(router), context, bound[0].port, address->wake_host));
}

HttpServer::HttpServer(std::unique_ptr<Router> router, mg_context* context,
                       int port, std::string wake_host)
    : router_(std::move(router)),
      context_(context),
      port_(port),
      wake_host_(std::move(wake_host)) {}

HttpServer::~HttpServer() {
  absl::Notification stopped;
  std::thread stopper([this, &stopped] {
    mg_stop(context_);
    stopped.Notify();
  });
  // civetweb's accept loop looks at its stop flag only between polls of up
  // to 2 s. A connection ends the poll at once; one accepted just before
  // the flag was set is closed by a worker on EOF.
  while (!stopped.WaitForNotificationWithTimeout(absl::Milliseconds(10))) {
    PokeListener(wake_host_, port_);
  }
  stopper.join();
}

}  // namespace jwtd::api
