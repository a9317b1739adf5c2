#ifndef JWTD_TESTS_E2E_SUBPROCESS_H_
#define JWTD_TESTS_E2E_SUBPROCESS_H_

// Starting and reaping child processes for the end-to-end tests, without a
// shell: argv goes to execve as is.
//
// Every child gets PR_SET_PDEATHSIG=SIGKILL, so a test binary that crashes
// or is killed by a CTest timeout leaves no jwtd behind. (The signal fires
// when the *thread* that spawned the child exits: spawn from the test's own
// thread, not from a short-lived helper thread.)

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace jwtd::e2e {

// File descriptors a child gets as its stdin, stdout and stderr. -1 means
// /dev/null. They are dup'ed into the child; the caller keeps (and closes)
// its own copies.
struct ChildFds {
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

// Starts argv[0] (a path; no PATH search) with `argv` and the current
// environment plus `env` ("NAME=value" entries, each replacing a variable
// of the same name). SIGPIPE is reset to its default in the child and no
// signal is blocked; no other descriptor than 0, 1 and 2 is inherited.
absl::StatusOr<pid_t> SpawnProcess(const std::vector<std::string>& argv,
                                   const ChildFds& fds,
                                   const std::vector<std::string>& env = {});

// A finished child's exit code: its exit status, or 128 + the signal that
// ended it (as a shell reports it).
int ExitCodeOf(int wait_status);

// Reaps `pid` if it exits before `deadline`: returns its exit code (see
// ExitCodeOf), or nullopt if it is still running at the deadline.
std::optional<int> WaitForExit(pid_t pid, absl::Time deadline);

// SIGKILLs `pid` and reaps it. Returns its exit code.
int KillAndReap(pid_t pid);

struct ProcessResult {
  int exit_code = -1;
  std::string out;  // Everything the child wrote to stdout.
  std::string err;  // Everything the child wrote to stderr.
};

// Runs `argv` to completion, writing `stdin_data` to its stdin (then closing
// it) and capturing stdout and stderr. A child still running after
// `timeout` is killed and DEADLINE_EXCEEDED is returned (with what it wrote
// in the message). The child is always reaped.
absl::StatusOr<ProcessResult> RunProcess(
    const std::vector<std::string>& argv, absl::string_view stdin_data = "",
    absl::Duration timeout = absl::Seconds(20));

}  // namespace jwtd::e2e

#endif  // JWTD_TESTS_E2E_SUBPROCESS_H_
