#include "tests/e2e/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

extern char** environ;

namespace jwtd::e2e {
namespace {

absl::Status ErrnoError(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

// Closes a descriptor when it goes out of scope.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Runs in the forked child: only async-signal-safe calls until execve.
[[noreturn]] void ExecChild(pid_t parent, char* const argv[],
                            char* const envp[], int in, int out, int err) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(127);  // The parent is already gone.
  struct sigaction default_action = {};
  default_action.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &default_action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // dup2 onto 0..2 clears close-on-exec on the copies.
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(127);
  close_range(3, ~0U, 0);
  execve(argv[0], argv, envp);
  _exit(127);
}

absl::Status SetNonBlocking(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    return ErrnoError("fcntl");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<pid_t> SpawnProcess(const std::vector<std::string>& argv,
                                   const ChildFds& fds,
                                   const std::vector<std::string>& env) {
  if (argv.empty()) return absl::InvalidArgumentError("empty argv");
  // Everything the child needs is prepared before fork: allocating after it
  // is not safe in a multi-threaded parent.
  std::vector<char*> c_argv;
  for (const std::string& arg : argv) {
    c_argv.push_back(const_cast<char*>(arg.c_str()));
  }
  c_argv.push_back(nullptr);
  // The current environment without the names `env` sets, then `env`.
  std::vector<char*> c_env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const absl::string_view current(*entry);
    const absl::string_view name = current.substr(0, current.find('='));
    bool replaced = false;
    for (const std::string& extra : env) {
      replaced = replaced || absl::StartsWith(extra, absl::StrCat(name, "="));
    }
    if (!replaced) c_env.push_back(*entry);
  }
  for (const std::string& extra : env) {
    c_env.push_back(const_cast<char*>(extra.c_str()));
  }
  c_env.push_back(nullptr);
  Fd dev_null(open("/dev/null", O_RDWR | O_CLOEXEC));
  if (dev_null.get() < 0) return ErrnoError("open /dev/null");
  auto pick = [&](int fd) { return fd >= 0 ? fd : dev_null.get(); };

  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return ErrnoError("fork");
  if (pid == 0) {
    ExecChild(parent, c_argv.data(), c_env.data(), pick(fds.stdin_fd),
              pick(fds.stdout_fd), pick(fds.stderr_fd));
  }
  return pid;
}

int ExitCodeOf(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

std::optional<int> WaitForExit(pid_t pid, absl::Time deadline) {
  while (true) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return ExitCodeOf(status);
    if (done < 0 && errno != EINTR) return -1;  // Not our child any more.
    if (absl::Now() >= deadline) return std::nullopt;
    // Polling keeps this free of SIGCHLD handlers, which would interfere
    // with other code in the test binary; 5 ms is far below any timeout.
    absl::SleepFor(absl::Milliseconds(5));
  }
}

int KillAndReap(pid_t pid) {
  kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return ExitCodeOf(status);
}

absl::StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                         absl::string_view stdin_data,
                                         absl::Duration timeout) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  Fd in_read(in_pipe[0]), in_write(in_pipe[1]);
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) return ErrnoError("pipe2");
  Fd err_read(err_pipe[0]), err_write(err_pipe[1]);

  absl::StatusOr<pid_t> pid =
      SpawnProcess(argv, {in_read.get(), out_write.get(), err_write.get()});
  if (!pid.ok()) return pid.status();
  // Only the child keeps these ends, so EOF comes when it exits.
  in_read.Close();
  out_write.Close();
  err_write.Close();
  for (int fd : {in_write.get(), out_read.get(), err_read.get()}) {
    absl::Status status = SetNonBlocking(fd);
    if (!status.ok()) {
      KillAndReap(*pid);
      return status;
    }
  }
  if (stdin_data.empty()) in_write.Close();

  const absl::Time deadline = absl::Now() + timeout;
  ProcessResult result;
  size_t written = 0;
  char buffer[65536];
  while (out_read.get() >= 0 || err_read.get() >= 0) {
    pollfd fds[3] = {{in_write.get(), POLLOUT, 0},
                     {out_read.get(), POLLIN, 0},
                     {err_read.get(), POLLIN, 0}};
    const int64_t wait_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (wait_ms <= 0) break;
    const int ready = poll(fds, 3, static_cast<int>(wait_ms));
    if (ready < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) {
      const ssize_t n = write(in_write.get(), stdin_data.data() + written,
                              stdin_data.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      // The child may exit without reading: EPIPE just ends the input.
      if (written == stdin_data.size() ||
          (n < 0 && errno != EAGAIN && errno != EINTR)) {
        in_write.Close();
      }
    }
    std::pair<Fd*, std::string*> outputs[] = {{&out_read, &result.out},
                                              {&err_read, &result.err}};
    for (int i = 0; i < 2; ++i) {
      if (fds[i + 1].revents == 0) continue;
      const ssize_t n = read(outputs[i].first->get(), buffer, sizeof(buffer));
      if (n > 0) {
        outputs[i].second->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        outputs[i].first->Close();
      }
    }
  }
  in_write.Close();
  std::optional<int> exit_code = WaitForExit(*pid, deadline);
  if (!exit_code.has_value()) {
    KillAndReap(*pid);
    return absl::DeadlineExceededError(absl::StrCat(
        argv[0], " still running after ", absl::FormatDuration(timeout),
        "; killed. stderr so far:\n", result.err));
  }
  result.exit_code = *exit_code;
  return result;
}

}  // namespace jwtd::e2e
