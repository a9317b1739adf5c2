#ifndef JWTD_TESTS_E2E_TEMP_DIR_H_
#define JWTD_TESTS_E2E_TEMP_DIR_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace jwtd::e2e {

// A fresh directory (mkdtemp, mode 0700) under $TMPDIR or /tmp, removed
// with everything in it when the object is destroyed.
class TempDir {
 public:
  // `prefix` helps to tell the directories of different tests apart.
  static absl::StatusOr<TempDir> Create(absl::string_view prefix = "jwtd-e2e");

  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string Join(absl::string_view name) const;

 private:
  explicit TempDir(std::string path) : path_(std::move(path)) {}
  void Remove();

  std::string path_;
};

// Writes `contents` to `path` (created or truncated), e.g. a config file
// in a TempDir.
absl::Status WriteFile(const std::string& path, absl::string_view contents);

}  // namespace jwtd::e2e

#endif  // JWTD_TESTS_E2E_TEMP_DIR_H_
