#ifndef JWTD_TESTS_SUPPORT_SCOPED_TEMP_DIR_H_
#define JWTD_TESTS_SUPPORT_SCOPED_TEMP_DIR_H_

// A fresh directory for one unit test (mkdtemp under $TMPDIR or /tmp),
// removed with everything in it when the object goes out of scope.

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "gtest/gtest.h"

namespace jwtd::testing {

class ScopedTempDir {
 public:
  ScopedTempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string templ =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") +
        "/jwtd-unit-XXXXXX";
    std::vector<char> buffer(templ.begin(), templ.end());
    buffer.push_back('\0');
    if (::mkdtemp(buffer.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp failed for " << templ;
      return;
    }
    path_ = buffer.data();
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;
  ~ScopedTempDir() {
    if (path_.empty()) return;
    std::error_code error;
    // Give back any permission a test took away, so removal succeeds.
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, error);
    std::filesystem::remove_all(path_, error);
  }

  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

  // Names of the entries of `dir` (not recursive).
  static std::set<std::string> List(const std::string& dir) {
    std::set<std::string> names;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
      names.insert(entry.path().filename().string());
    }
    return names;
  }

  // Permission bits of `path` (mode & 07777), or -1 when it cannot be stat'ed.
  static int Mode(const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return -1;
    return static_cast<int>(st.st_mode & 07777);
  }

 private:
  std::string path_;
};

}  // namespace jwtd::testing

#endif  // JWTD_TESTS_SUPPORT_SCOPED_TEMP_DIR_H_
