#ifndef JWTD_TESTS_SUPPORT_REDIS_SERVER_H_
#define JWTD_TESTS_SUPPORT_REDIS_SERVER_H_

// A real redis-server for tests, listening on 127.0.0.1 only, on a free port,
// with its working directory in a fresh temporary directory. The process is
// always stopped and the directory removed when the object goes away (and
// the kernel kills the server if the test process dies first).
//
//   if (!RedisServer::Installed()) GTEST_SKIP() << RedisServer::kSkipReason;
//   ASSERT_OK_AND_ASSIGN(auto redis, RedisServer::Start());
//   ... connect to 127.0.0.1:redis->port() ...
//   redis->Kill();                 // SIGKILL: a crash
//   ASSERT_OK(redis->Restart());   // same port, same data directory

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace jwtd::testing {

struct RedisServerOptions {
  // Persist every write to an append-only file, fsync'ed before the reply
  // (`appendonly yes`, `appendfsync always`), so that data survives Kill() +
  // Restart(). Otherwise nothing is persisted (`save ""`, `appendonly no`).
  bool append_only = false;
  // `requirepass`: clients must AUTH with it. Empty: no password.
  std::string password;
};

class RedisServer {
 public:
  static constexpr char kBinary[] = "/usr/bin/redis-server";
  static constexpr char kSkipReason[] =
      "redis-server is not installed at /usr/bin/redis-server "
      "(apt-get install redis-server)";

  // Whether kBinary exists and is executable.
  static bool Installed();

  // Starts the server and returns once it answers PING. UNAVAILABLE when it
  // does not come up within a few seconds (its log is in the message).
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(
      RedisServerOptions options = {});

  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  // The temporary working directory (AOF files, log).
  const std::string& dir() const { return dir_; }
  bool running() const { return pid_ > 0; }

  // SIGTERM (a clean shutdown) and wait for the process to exit; SIGKILL
  // after a few seconds. Idempotent.
  void Stop();
  // SIGKILL (a crash) and wait for the process to exit. Idempotent.
  void Kill();
  // Starts the server again on the same port and directory after Stop() or
  // Kill(), and waits for PING.
  absl::Status Restart();
  // SIGSTOP / SIGCONT: the server hangs (connections stay open, nothing is
  // answered), as on a stalled host, then carries on.
  void Pause();
  void Resume();

 private:
  RedisServer(RedisServerOptions options, std::string dir, int port)
      : options_(std::move(options)), dir_(std::move(dir)), port_(port) {}

  absl::Status Launch();
  void SignalAndWait(int signal, absl::Duration grace);
  std::string ReadLog() const;

  RedisServerOptions options_;
  std::string dir_;
  int port_;
  pid_t pid_ = -1;
};

}  // namespace jwtd::testing

#endif  // JWTD_TESTS_SUPPORT_REDIS_SERVER_H_
