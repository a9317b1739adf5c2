#ifndef JWTD_TESTS_E2E_BINARIES_H_
#define JWTD_TESTS_E2E_BINARIES_H_

// Where the binaries under test are, and running jwtctl.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tests/e2e/subprocess.h"

namespace jwtd::e2e {

// $JWTD_BIN_DIR/<name> (CTest sets JWTD_BIN_DIR to the build's bin/).
// NOT_FOUND if the variable is unset or the file is not executable.
absl::StatusOr<std::string> BinaryPath(absl::string_view name);

// Runs jwtctl with `args` (argv without argv[0]) and `stdin_data` on its
// stdin; see RunProcess.
absl::StatusOr<ProcessResult> RunJwtctl(
    const std::vector<std::string>& args, absl::string_view stdin_data = "",
    absl::Duration timeout = absl::Seconds(20));

}  // namespace jwtd::e2e

#endif  // JWTD_TESTS_E2E_BINARIES_H_
