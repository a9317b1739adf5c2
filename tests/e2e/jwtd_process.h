#ifndef JWTD_TESTS_E2E_JWTD_PROCESS_H_
#define JWTD_TESTS_E2E_JWTD_PROCESS_H_

// Runs the real jwtd binary for an end-to-end test.
//
//   ASSERT_OK_AND_ASSIGN(auto jwtd, JwtdProcess::Start({.flags =
//   {"--leeway=0s"}}));
//   ... talk to jwtd->address() with jwtctl or jwtd::Client ...
//   EXPECT_OK(jwtd->Stop());  // SIGTERM; OK only if jwtd exits 0 in time.
//
// Start returns only once jwtd has logged its start-up line (the contract:
// one JSON object per line on stderr, `"msg":"jwtd serving"` with the bound
// `grpc_listen` and `http_listen` addresses and the signing `kid`), after
// which it accepts calls. Its stderr keeps being collected (so jwtd never
// blocks on a full pipe) and is available as log().

#include <sys/types.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/e2e/temp_dir.h"

namespace jwtd::e2e {

struct JwtdOptions {
  // Further flags, e.g. {"--issuer=a", "--leeway=0s"}.
  std::vector<std::string> flags = {};
  // --data-dir. Empty: "data" inside a fresh temporary directory (jwtd
  // creates it), removed when the JwtdProcess is destroyed.
  std::string data_dir = "";
  // --grpc-listen. Empty: 127.0.0.1:0, a free port chosen by jwtd.
  std::string grpc_listen = "";
  // How long jwtd may take to log its start-up line.
  absl::Duration startup_timeout = absl::Seconds(10);
  // --privileged-listen (the listener for Issue and Revoke). Empty: a Unix
  // socket in a fresh temporary directory; "none": no privileged listener.
  std::string privileged_listen = "";
  // --config. Empty: no configuration file (jwtd runs from flags alone).
  // --data-dir and --grpc-listen are still given and override the file's.
  std::string config_file = "";
  // Extra environment for jwtd, "NAME=value" each, replacing the test's own
  // variable of that name (e.g. LD_PRELOAD for libfaketime). Empty: the
  // test's environment as it is.
  std::vector<std::string> env = {};
};

class JwtdProcess {
 public:
  // Starts $JWTD_BIN_DIR/jwtd and waits for its start-up line. Fails with
  // FAILED_PRECONDITION if jwtd exits first, DEADLINE_EXCEEDED (after
  // killing it) if the line does not come in time; the message then holds
  // jwtd's stderr.
  static absl::StatusOr<std::unique_ptr<JwtdProcess>> Start(
      JwtdOptions options = {});

  JwtdProcess(const JwtdProcess&) = delete;
  JwtdProcess& operator=(const JwtdProcess&) = delete;
  // Stops jwtd if it still runs (see Stop), reaps it and removes the
  // temporary directory, if any.
  ~JwtdProcess();

  // The bound address from the start-up line, ready for --addr or
  // ClientOptions::address: "127.0.0.1:43121" or "unix:/path".
  const std::string& address() const { return address_; }
  // The privileged listener's address from the start-up line (Issue and
  // Revoke are served there), or empty when there is none.
  const std::string& privileged_address() const { return privileged_address_; }
  // The bound HTTP address from the start-up line ("127.0.0.1:43122"), or
  // empty when jwtd runs no HTTP listener (no --http-listen).
  const std::string& http_address() const { return http_address_; }
  // The signing key id from the start-up line.
  const std::string& kid() const { return kid_; }
  const std::string& data_dir() const { return data_dir_; }
  pid_t pid() const { return pid_; }

  // Everything jwtd wrote to stderr so far.
  std::string log() const;

  // Sends SIGTERM and waits up to `grace` for jwtd to exit. OK if it exited
  // with code 0; INTERNAL with the exit code and stderr otherwise;
  // DEADLINE_EXCEEDED if it had to be killed. Later calls return the first
  // result.
  absl::Status Stop(absl::Duration grace = absl::Seconds(5));

  // Crashes jwtd on purpose: SIGKILL, then reaps it. Later Stop() calls
  // return OK.
  void Kill();

 private:
  JwtdProcess(pid_t pid, int stderr_fd, std::optional<TempDir> temp_dir,
              std::string data_dir);
  void ReadStderr(int fd);
  bool StartupSettled() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  void JoinReader();

  const pid_t pid_;
  std::optional<TempDir> temp_dir_;
  // Holds the default privileged socket.
  std::optional<TempDir> socket_dir_;
  std::string data_dir_;
  std::string address_;
  std::string privileged_address_;
  std::string http_address_;
  std::string kid_;
  std::optional<absl::Status> stop_status_;
  std::thread reader_;

  // std::mutex, not absl::Mutex: visible to ThreadSanitizer
  // (docs/sanitizers.md). changed_ is notified whenever log_ or
  // stderr_closed_ changes.
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string log_ ABSL_GUARDED_BY(mutex_);
  bool stderr_closed_ ABSL_GUARDED_BY(mutex_) = false;
  bool reaped_ ABSL_GUARDED_BY(mutex_) = false;
};

}  // namespace jwtd::e2e

#endif  // JWTD_TESTS_E2E_JWTD_PROCESS_H_
