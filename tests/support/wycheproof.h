#ifndef JWTD_TESTS_SUPPORT_WYCHEPROOF_H_
#define JWTD_TESTS_SUPPORT_WYCHEPROOF_H_

// Locating and loading the Project Wycheproof vectors kept in the shared
// test-data folder (see its README.md), and tallying the outcome per file.
//
// Location: $JWTD_SHARED_DIR/testdata/wycheproof, else
// $JWTD_SOURCE_DIR/../shared/testdata/wycheproof, where JWTD_SOURCE_DIR
// falls back to the compile-time JWTD_DEFAULT_SOURCE_DIR when the binary
// defines it (so it also runs outside ctest). Needs simdjson linked.

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "gtest/gtest.h"
#include "simdjson.h"

namespace jwtd::testing {

// The folder holding the Wycheproof JSON files, or nullopt when absent.
inline std::optional<std::filesystem::path> WycheproofDir() {
  namespace fs = std::filesystem;
  fs::path shared;
  if (const char* dir = std::getenv("JWTD_SHARED_DIR"); dir && *dir) {
    shared = dir;
  } else {
    const char* source = std::getenv("JWTD_SOURCE_DIR");
    std::string source_dir = source && *source ? source : "";
#ifdef JWTD_DEFAULT_SOURCE_DIR
    if (source_dir.empty()) source_dir = JWTD_DEFAULT_SOURCE_DIR;
#endif
    if (source_dir.empty()) return std::nullopt;
    shared = fs::path(source_dir) / ".." / "shared";
  }
  fs::path dir = shared / "testdata" / "wycheproof";
  std::error_code error;
  if (!fs::is_directory(dir, error)) return std::nullopt;
  return dir;
}

// The message to GTEST_SKIP with when WycheproofDir() finds nothing.
inline constexpr char kWycheproofMissing[] =
    "Wycheproof vectors not found: set JWTD_SHARED_DIR to the folder holding "
    "testdata/wycheproof (or JWTD_SOURCE_DIR to a checkout next to shared/)";

// Parses `dir`/`name` into `root` (kept alive by `parser`); false, with a
// test failure, when the file is missing or not JSON.
inline bool LoadWycheproofFile(simdjson::dom::parser& parser,
                               const std::filesystem::path& dir,
                               const std::string& name,
                               simdjson::dom::element& root) {
  const std::filesystem::path path = dir / name;
  if (auto error = parser.load(path.string()).get(root)) {
    ADD_FAILURE() << "cannot parse " << path << ": "
                  << simdjson::error_message(error);
    return false;
  }
  return true;
}

// Outcome of one vector file: every case is passed, failed (a test failure
// naming its tcId) or skipped with a reason. Print() writes one table row.
struct WycheproofTally {
  explicit WycheproofTally(std::string file_name)
      : file(std::move(file_name)) {}

  std::string file;
  int total = 0;
  int passed = 0;
  int failed = 0;
  std::map<std::string, int> skipped;  // reason -> count
  std::map<std::string, int> notes;    // what the passes consisted of

  void Pass(const std::string& what) {
    ++passed;
    ++notes[what];
  }
  void Fail(int64_t tc_id, const std::string& why) {
    ++failed;
    ADD_FAILURE() << file << " tcId " << tc_id << ": " << why;
  }
  void Skip(const std::string& reason) { ++skipped[reason]; }

  void Print() const {
    std::cout << "[wycheproof] " << file << ": " << passed << " passed / "
              << total << " total, " << failed << " failed";
    for (const auto& [reason, count] : skipped) {
      std::cout << ", skipped " << count << " (" << reason << ")";
    }
    std::cout << "\n";
    for (const auto& [what, count] : notes) {
      std::cout << "[wycheproof]     " << count << " x " << what << "\n";
    }
  }
};

// A string member, or "" (with a test failure) when absent.
inline std::string WycheproofString(simdjson::dom::element object,
                                    std::string_view key) {
  std::string_view value;
  if (object[key].get(value)) {
    ADD_FAILURE() << "missing string field " << key;
    return "";
  }
  return std::string(value);
}

// An integer member, or 0 (with a test failure) when absent.
inline int64_t WycheproofInt(simdjson::dom::element object,
                             std::string_view key) {
  int64_t value = 0;
  if (object[key].get(value)) ADD_FAILURE() << "missing int field " << key;
  return value;
}

}  // namespace jwtd::testing

#endif  // JWTD_TESTS_SUPPORT_WYCHEPROOF_H_
