#ifndef JWTD_SERVER_UTIL_FILE_H_
#define JWTD_SERVER_UTIL_FILE_H_

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace jwtd {

// Makes sure `path` is a directory that this process can write, creating it
// (and missing parents) with mode 0700 when absent. FAILED_PRECONDITION when
// it exists but is not a directory or is not writable; other errno-derived
// codes on system failures. An existing directory's mode is left unchanged.
absl::Status EnsurePrivateDirectory(const std::string& path);

// Reads a whole regular file of at most `max_bytes`. NOT_FOUND when absent,
// FAILED_PRECONDITION when larger or not a regular file.
absl::StatusOr<std::string> ReadSmallFile(const std::string& path,
                                          size_t max_bytes);

// Replaces `path` with `contents` atomically and durably: the bytes go to a
// fresh temporary file in the same directory (created with `mode`), which is
// fsync'ed, renamed over `path`, and the directory is fsync'ed. A crash at
// any point leaves either the old file or the new one, never a mix; a failed
// call removes its temporary file and leaves `path` untouched.
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents, mode_t mode);

}  // namespace jwtd

#endif  // JWTD_SERVER_UTIL_FILE_H_
