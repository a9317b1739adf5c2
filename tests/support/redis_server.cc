#include "tests/support/redis_server.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace jwtd::testing {
namespace {

constexpr absl::Duration kStartTimeout = absl::Seconds(10);
constexpr absl::Duration kStopGrace = absl::Seconds(5);

// A port that was free a moment ago on 127.0.0.1 (the kernel's pick).
absl::StatusOr<int> PickFreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  if (port <= 0) return absl::InternalError("cannot pick a free port");
  return port;
}

absl::StatusOr<std::string> MakeTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string templ =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
      "/jwtd-redis-XXXXXX";
  std::vector<char> buffer(templ.begin(), templ.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp failed for ", templ));
  }
  return std::string(buffer.data());
}

// Whether the server on `port` answers PING with PONG (after AUTH).
bool AnswersPing(int port, const std::string& password) {
  redisContext* c = redisConnectWithTimeout(
      "127.0.0.1", port, timeval{.tv_sec = 0, .tv_usec = 200'000});
  if (c == nullptr) return false;
  bool ok = false;
  if (c->err == 0) {
    redisSetTimeout(c, timeval{.tv_sec = 1, .tv_usec = 0});
    bool authed = true;
    if (!password.empty()) {
      auto* reply = static_cast<redisReply*>(
          redisCommand(c, "AUTH %b", password.data(), password.size()));
      authed = reply != nullptr && reply->type == REDIS_REPLY_STATUS;
      if (reply != nullptr) freeReplyObject(reply);
    }
    if (authed) {
      auto* reply = static_cast<redisReply*>(redisCommand(c, "PING"));
      // A server still loading its AOF answers -LOADING: not ready yet.
      ok = reply != nullptr && reply->type == REDIS_REPLY_STATUS &&
           std::string(reply->str, reply->len) == "PONG";
      if (reply != nullptr) freeReplyObject(reply);
    }
  }
  redisFree(c);
  return ok;
}

}  // namespace

bool RedisServer::Installed() { return ::access(kBinary, X_OK) == 0; }

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(
    RedisServerOptions options) {
  if (!Installed()) return absl::FailedPreconditionError(kSkipReason);
  absl::StatusOr<std::string> dir = MakeTempDir();
  if (!dir.ok()) return dir.status();
  // The picked port may be taken by someone else before redis binds it:
  // try a few.
  absl::Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    absl::StatusOr<int> port = PickFreePort();
    if (!port.ok()) return port.status();
    auto server =
        std::unique_ptr<RedisServer>(new RedisServer(options, *dir, *port));
    last = server->Launch();
    if (last.ok()) return server;
    server->Kill();
    server->dir_.clear();  // Keep the directory for the next attempt.
  }
  std::error_code error;
  std::filesystem::remove_all(*dir, error);
  return last;
}

RedisServer::~RedisServer() {
  Kill();
  if (!dir_.empty()) {
    std::error_code error;
    std::filesystem::remove_all(dir_, error);
  }
}

absl::Status RedisServer::Launch() {
  const std::string port = std::to_string(port_);
  std::vector<std::string> args = {kBinary,
                                   "--port",
                                   port,
                                   "--bind",
                                   "127.0.0.1",
                                   "--protected-mode",
                                   "yes",
                                   "--daemonize",
                                   "no",
                                   "--dir",
                                   dir_,
                                   "--logfile",
                                   dir_ + "/redis.log",
                                   "--save",
                                   "",
                                   "--appendonly",
                                   options_.append_only ? "yes" : "no"};
  if (options_.append_only) {
    args.insert(args.end(), {"--appendfsync", "always"});
  }
  if (!options_.password.empty()) {
    args.insert(args.end(), {"--requirepass", options_.password});
  }
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string stderr_path = dir_ + "/stderr.log";
  const pid_t parent = ::getpid();

  pid_t pid = ::fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec. Die with the test.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    int null_fd = ::open("/dev/null", O_RDONLY);
    int err_fd =
        ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    if (err_fd >= 0) {
      ::dup2(err_fd, STDOUT_FILENO);
      ::dup2(err_fd, STDERR_FILENO);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;

  const absl::Time deadline = absl::Now() + kStartTimeout;
  while (absl::Now() < deadline) {
    int wstatus = 0;
    if (::waitpid(pid_, &wstatus, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::UnavailableError(absl::StrCat(
          "redis-server exited at start-up on port ", port_, ":\n", ReadLog()));
    }
    if (AnswersPing(port_, options_.password)) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::UnavailableError(absl::StrCat(
      "redis-server did not answer PING on port ", port_, ":\n", ReadLog()));
}

void RedisServer::SignalAndWait(int signal, absl::Duration grace) {
  if (pid_ <= 0) return;
  ::kill(pid_, signal);
  const absl::Time deadline = absl::Now() + grace;
  while (absl::Now() < deadline) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  ::kill(pid_, SIGKILL);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

void RedisServer::Stop() {
  Resume();  // A stopped process would not act on SIGTERM.
  SignalAndWait(SIGTERM, kStopGrace);
}

void RedisServer::Pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisServer::Resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

void RedisServer::Kill() { SignalAndWait(SIGKILL, absl::InfiniteDuration()); }

absl::Status RedisServer::Restart() {
  if (pid_ > 0) return absl::FailedPreconditionError("still running");
  return Launch();
}

std::string RedisServer::ReadLog() const {
  std::ostringstream out;
  for (const char* name : {"/stderr.log", "/redis.log"}) {
    std::ifstream in(dir_ + name);
    if (in) out << in.rdbuf();
  }
  return out.str();
}

}  // namespace jwtd::testing
