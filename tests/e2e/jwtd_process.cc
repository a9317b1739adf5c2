#include "tests/e2e/jwtd_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/e2e/binaries.h"
#include "tests/e2e/log_lines.h"
#include "tests/e2e/subprocess.h"

namespace jwtd::e2e {
namespace {

constexpr char kServingMessage[] = "jwtd serving";

// The start-up line, if `log` holds it complete.
std::optional<google::protobuf::Struct> FindServingLine(absl::string_view log) {
  for (google::protobuf::Struct& line : ParseLogLines(log).json) {
    if (StringMember(line, "msg") == kServingMessage) return std::move(line);
  }
  return std::nullopt;
}

// The first line of a sanitizer report's summary in `log` ("SUMMARY:
// AddressSanitizer: ...", also Leak-, Thread- and UndefinedBehaviorSanitizer),
// or empty.
std::string SanitizerSummary(absl::string_view log) {
  for (size_t at = log.find("SUMMARY: "); at != absl::string_view::npos;
       at = log.find("SUMMARY: ", at + 1)) {
    absl::string_view line = log.substr(at);
    line = line.substr(0, line.find('\n'));
    if (absl::StrContains(line, "Sanitizer")) return std::string(line);
  }
  return "";
}

}  // namespace

absl::StatusOr<std::unique_ptr<JwtdProcess>> JwtdProcess::Start(
    JwtdOptions options) {
  absl::StatusOr<std::string> jwtd = BinaryPath("jwtd");
  if (!jwtd.ok()) return jwtd.status();

  std::optional<TempDir> temp_dir;
  std::string data_dir = options.data_dir;
  if (data_dir.empty()) {
    absl::StatusOr<TempDir> dir = TempDir::Create("jwtd-e2e-data");
    if (!dir.ok()) return dir.status();
    data_dir = dir->Join("data");
    temp_dir = *std::move(dir);
  }
  std::vector<std::string> argv = {
      *jwtd,
      absl::StrCat("--grpc-listen=", options.grpc_listen.empty()
                                         ? "127.0.0.1:0"
                                         : options.grpc_listen),
      absl::StrCat("--data-dir=", data_dir)};
  std::optional<TempDir> socket_dir;
  if (options.privileged_listen.empty()) {
    absl::StatusOr<TempDir> dir = TempDir::Create("jwtd-e2e-sock");
    if (!dir.ok()) return dir.status();
    argv.push_back(
        absl::StrCat("--privileged-listen=unix:", dir->Join("admin.sock")));
    socket_dir = *std::move(dir);
  } else if (options.privileged_listen != "none") {
    argv.push_back(
        absl::StrCat("--privileged-listen=", options.privileged_listen));
  }
  if (!options.config_file.empty()) {
    argv.push_back(absl::StrCat("--config=", options.config_file));
  }
  argv.insert(argv.end(), options.flags.begin(), options.flags.end());

  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe2: ", std::strerror(errno)));
  }
  absl::StatusOr<pid_t> pid =
      SpawnProcess(argv, {.stderr_fd = pipe_fds[1]}, options.env);
  close(pipe_fds[1]);
  if (!pid.ok()) {
    close(pipe_fds[0]);
    return pid.status();
  }
  // From here on the destructor reaps the child whatever happens.
  std::unique_ptr<JwtdProcess> process(new JwtdProcess(
      *pid, pipe_fds[0], std::move(temp_dir), std::move(data_dir)));
  process->socket_dir_ = std::move(socket_dir);

  std::string log;
  bool stderr_closed;
  {
    std::unique_lock lock(process->mutex_);
    process->changed_.wait_for(
        lock, absl::ToChronoNanoseconds(options.startup_timeout),
        [&process]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
          return process->StartupSettled();
        });
    log = process->log_;
    stderr_closed = process->stderr_closed_;
  }
  if (std::optional<google::protobuf::Struct> line = FindServingLine(log)) {
    process->address_ = StringMember(*line, "grpc_listen");
    process->http_address_ = StringMember(*line, "http_listen");
    process->privileged_address_ = StringMember(*line, "privileged_listen");
    process->kid_ = StringMember(*line, "kid");
    // Accept a bare socket path too, so tests always get a dialable target.
    if (absl::StartsWith(process->address_, "/")) {
      process->address_ = absl::StrCat("unix:", process->address_);
    }
    if (process->address_.empty()) {
      return absl::InternalError(absl::StrCat(
          "jwtd's start-up line has no grpc_listen; stderr:\n", log));
    }
    return process;
  }
  // Closed stderr means jwtd is exiting (or has exited): give it a moment.
  const std::optional<int> exit_code =
      stderr_closed ? WaitForExit(*pid, absl::Now() + absl::Seconds(2))
                    : std::nullopt;
  if (!exit_code.has_value()) {
    process->Stop(absl::ZeroDuration()).IgnoreError();
    return absl::DeadlineExceededError(
        absl::StrCat("jwtd logged no \"", kServingMessage, "\" line within ",
                     absl::FormatDuration(options.startup_timeout),
                     " (killed); stderr:\n", process->log()));
  }
  process->stop_status_ = absl::OkStatus();
  process->JoinReader();
  return absl::FailedPreconditionError(
      absl::StrCat("jwtd exited with code ", *exit_code,
                   " before serving; stderr:\n", process->log()));
}

JwtdProcess::JwtdProcess(pid_t pid, int stderr_fd,
                         std::optional<TempDir> temp_dir, std::string data_dir)
    : pid_(pid),
      temp_dir_(std::move(temp_dir)),
      data_dir_(std::move(data_dir)) {
  // Started here, not in the initializer list, so that every member the
  // reader touches is already constructed.
  reader_ = std::thread([this, stderr_fd] { ReadStderr(stderr_fd); });
}

JwtdProcess::~JwtdProcess() {
  Stop().IgnoreError();
  JoinReader();
  // Under make test-asan/test-tsan a report in jwtd fails the test even
  // where the test ignored how jwtd exited (killed, or never stopped).
  const std::string log = this->log();
  if (const std::string summary = SanitizerSummary(log); !summary.empty()) {
    ADD_FAILURE() << "jwtd (pid " << pid_ << ") " << summary << "; stderr:\n"
                  << log;
  }
}

std::string JwtdProcess::log() const {
  std::lock_guard lock(mutex_);
  return log_;
}

absl::Status JwtdProcess::Stop(absl::Duration grace) {
  if (stop_status_.has_value()) return *stop_status_;
  kill(pid_, SIGTERM);
  const std::optional<int> exit_code = WaitForExit(pid_, absl::Now() + grace);
  if (!exit_code.has_value()) {
    KillAndReap(pid_);
    stop_status_ = absl::DeadlineExceededError(
        absl::StrCat("jwtd did not exit within ", absl::FormatDuration(grace),
                     " of SIGTERM and was killed; stderr:\n", log()));
  } else if (*exit_code != 0) {
    stop_status_ =
        absl::InternalError(absl::StrCat("jwtd exited with code ", *exit_code,
                                         " after SIGTERM; stderr:\n", log()));
  } else {
    stop_status_ = absl::OkStatus();
  }
  JoinReader();
  return *stop_status_;
}

void JwtdProcess::Kill() {
  if (stop_status_.has_value()) return;
  KillAndReap(pid_);
  stop_status_ = absl::OkStatus();
  JoinReader();
}

void JwtdProcess::ReadStderr(int fd) {
  char buffer[4096];
  while (true) {
    // Polling with a timeout rather than blocking in read(): a grandchild
    // that inherited jwtd's stderr could keep the pipe open after jwtd
    // exits, and the reader must still end once jwtd has been reaped.
    pollfd pfd = {fd, POLLIN, 0};
    const int ready = poll(&pfd, 1, 50);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) {
      std::lock_guard lock(mutex_);
      if (reaped_) break;  // Everything jwtd wrote has been read.
      continue;
    }
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    std::lock_guard lock(mutex_);
    if (n <= 0) break;
    log_.append(buffer, static_cast<size_t>(n));
    changed_.notify_all();
  }
  close(fd);
  std::lock_guard lock(mutex_);
  stderr_closed_ = true;
  changed_.notify_all();
}

bool JwtdProcess::StartupSettled() const {
  return stderr_closed_ || FindServingLine(log_).has_value();
}

void JwtdProcess::JoinReader() {
  // Only called once jwtd has been reaped.
  {
    std::lock_guard lock(mutex_);
    reaped_ = true;
  }
  if (reader_.joinable()) reader_.join();
}

}  // namespace jwtd::e2e
