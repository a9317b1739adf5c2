#include "tests/e2e/binaries.h"

#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace jwtd::e2e {

absl::StatusOr<std::string> BinaryPath(absl::string_view name) {
  const char* dir = std::getenv("JWTD_BIN_DIR");
  if (dir == nullptr || dir[0] == '\0') {
    return absl::NotFoundError(
        "JWTD_BIN_DIR is not set (run the e2e tests through ctest, or set it "
        "to the directory holding jwtd and jwtctl)");
  }
  std::string path = absl::StrCat(dir, "/", name);
  if (access(path.c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat(path, " is not an executable"));
  }
  return path;
}

absl::StatusOr<ProcessResult> RunJwtctl(const std::vector<std::string>& args,
                                        absl::string_view stdin_data,
                                        absl::Duration timeout) {
  absl::StatusOr<std::string> jwtctl = BinaryPath("jwtctl");
  if (!jwtctl.ok()) return jwtctl.status();
  std::vector<std::string> argv = {*jwtctl};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProcess(argv, stdin_data, timeout);
}

}  // namespace jwtd::e2e
