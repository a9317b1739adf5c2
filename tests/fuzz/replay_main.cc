// Replays files through a fuzz target's LLVMFuzzerTestOneInput without
// libFuzzer, so that the checked-in corpus and crash reproducers run under
// ctest in every build (gcc included). Usage:
//   <target>_replay FILE_OR_DIRECTORY...
// Directories are read one level deep, files in name order. Exits non-zero
// when an argument cannot be read or names no file at all; a failing input
// aborts the process (the target traps).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

// The files named by `arg`: itself, or the regular files in it.
bool ListInputs(const fs::path& arg, std::vector<fs::path>* out) {
  std::error_code error;
  if (fs::is_regular_file(arg, error)) {
    out->push_back(arg);
    return true;
  }
  if (!fs::is_directory(arg, error)) return false;
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(arg, error)) {
    if (entry.is_regular_file(error)) files.push_back(entry.path());
  }
  if (error) return false;
  std::sort(files.begin(), files.end());
  out->insert(out->end(), files.begin(), files.end());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    if (!ListInputs(argv[i], &inputs)) {
      std::fprintf(stderr, "cannot read %s\n", argv[i]);
      return 2;
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIRECTORY... (no inputs found)\n",
                 argv[0]);
    return 2;
  }
  for (const fs::path& path : inputs) {
    std::ifstream file(path, std::ios::binary);
    if (!file.is_open()) {
      std::fprintf(stderr, "cannot read %s\n", path.c_str());
      return 2;
    }
    const std::string data((std::istreambuf_iterator<char>(file)),
                           std::istreambuf_iterator<char>());
    // Announced first, so that the last line before a crash names the input.
    std::fprintf(stderr, "replaying %s (%zu bytes)\n", path.c_str(),
                 data.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(data.data()),
                           data.size());
  }
  std::fprintf(stderr, "replayed %zu inputs\n", inputs.size());
  return 0;
}
