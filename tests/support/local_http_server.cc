#include "tests/support/local_http_server.h"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"

namespace jwtd::testing {
namespace {

// Writes everything or gives up (the client may have gone away).
bool WriteAll(mg_connection* connection, absl::string_view data) {
  while (!data.empty()) {
    const int written = mg_write(connection, data.data(), data.size());
    if (written <= 0) return false;
    data.remove_prefix(static_cast<size_t>(written));
  }
  return true;
}

// Opens and closes one TCP connection to 127.0.0.1:port (errors ignored).
void Poke(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
  ::close(fd);
}

}  // namespace

absl::StatusOr<std::unique_ptr<LocalHttpServer>> LocalHttpServer::Start(
    int port) {
  static std::once_flag init;
  std::call_once(init, [] { mg_init_library(0); });
  std::unique_ptr<LocalHttpServer> server(new LocalHttpServer());
  if (absl::Status listening = server->Listen(port); !listening.ok()) {
    return listening;
  }
  return server;
}

LocalHttpServer::~LocalHttpServer() { Stop(); }

absl::Status LocalHttpServer::Listen(int port) {
  const std::string ports = absl::StrCat("127.0.0.1:", port);
  const char* options[] = {
      "listening_ports",   ports.c_str(), "num_threads", "32",
      "enable_keep_alive", "no",          nullptr};
  mg_callbacks callbacks = {};
  callbacks.begin_request = &LocalHttpServer::HandleRequest;
  context_ = mg_start(&callbacks, this, options);
  if (context_ == nullptr) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", ports));
  }
  mg_server_port bound[4] = {};
  const int count = mg_get_server_ports(context_, 4, bound);
  if (count < 1 || bound[0].port <= 0) {
    mg_stop(context_);
    context_ = nullptr;
    return absl::InternalError("civetweb reports no listening port");
  }
  port_ = bound[0].port;
  return absl::OkStatus();
}

std::string LocalHttpServer::Url(absl::string_view path) const {
  return absl::StrCat("http://127.0.0.1:", port_, path);
}

void LocalHttpServer::SetResponse(const std::string& path,
                                  HttpTestResponse response) {
  SetHandler(path, [response = std::move(response)] { return response; });
}

void LocalHttpServer::SetHandler(const std::string& path,
                                 std::function<HttpTestResponse()> handler) {
  std::lock_guard lock(mu_);
  handlers_[path] = std::move(handler);
}

int LocalHttpServer::RequestCount(absl::string_view path) const {
  std::lock_guard lock(mu_);
  auto it = counts_.find(path);
  return it == counts_.end() ? 0 : it->second;
}

void LocalHttpServer::ResetCounts() {
  std::lock_guard lock(mu_);
  counts_.clear();
}

void LocalHttpServer::Stop() {
  if (context_ == nullptr) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stopping_set_.notify_all();  // Wakes handlers sleeping in a delay.
  // civetweb's accept loop polls with a 2 s timeout before it sees the stop
  // flag; connecting wakes it at once, which keeps each test fast.
  std::atomic<bool> stopped{false};
  std::thread poker([this, &stopped] {
    while (!stopped.load()) {
      Poke(port_);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  mg_stop(context_);  // Joins the server threads.
  stopped.store(true);
  poker.join();
  context_ = nullptr;
}

absl::Status LocalHttpServer::Restart() {
  if (context_ != nullptr) return absl::OkStatus();
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  return Listen(port_);
}

int LocalHttpServer::HandleRequest(mg_connection* connection) {
  const mg_request_info* info = mg_get_request_info(connection);
  return static_cast<LocalHttpServer*>(info->user_data)->Handle(connection);
}

int LocalHttpServer::Handle(mg_connection* connection) {
  const mg_request_info* info = mg_get_request_info(connection);
  const std::string path = info->local_uri != nullptr ? info->local_uri : "";
  std::function<HttpTestResponse()> handler;
  {
    std::lock_guard lock(mu_);
    ++counts_[path];
    auto it = handlers_.find(path);
    if (it != handlers_.end()) handler = it->second;
  }
  HttpTestResponse response;
  if (handler) {
    response = handler();
  } else {
    response.status = 404;
    response.body = "not found";
  }
  if (response.delay > absl::ZeroDuration()) {
    std::unique_lock lock(mu_);
    stopping_set_.wait_for(
        lock, absl::ToChronoNanoseconds(std::min(response.delay, kMaxDelay)),
        [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return stopping_; });
    if (stopping_) return 500;  // Drop the connection without an answer.
  }

  std::string head =
      absl::StrCat("HTTP/1.1 ", response.status, " ",
                   mg_get_response_code_text(connection, response.status),
                   "\r\nConnection: close\r\n");
  if (response.chunked) {
    absl::StrAppend(&head, "Transfer-Encoding: chunked\r\n");
  } else {
    absl::StrAppend(&head, "Content-Length: ", response.body.size(), "\r\n");
  }
  for (const auto& [name, value] : response.headers) {
    absl::StrAppend(&head, name, ": ", value, "\r\n");
  }
  absl::StrAppend(&head, "\r\n");
  if (!WriteAll(connection, head)) return response.status;

  if (response.chunked) {
    constexpr size_t kChunk = 64 * 1024;
    absl::string_view rest = response.body;
    while (!rest.empty()) {
      const size_t n = std::min(kChunk, rest.size());
      if (mg_send_chunk(connection, rest.data(), static_cast<unsigned>(n)) <
          0) {
        return response.status;
      }
      rest.remove_prefix(n);
    }
    mg_send_chunk(connection, "", 0);
  } else {
    WriteAll(connection, response.body);
  }
  return response.status;
}

}  // namespace jwtd::testing
