#include "server/util/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"

namespace jwtd {
namespace {

absl::Status ErrnoStatus(int error, absl::string_view what,
                         absl::string_view path) {
  return absl::ErrnoToStatus(error, absl::StrCat(what, " ", path));
}

absl::Status WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, "write");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "open directory", dir);
  absl::Cleanup close_fd = [fd] { ::close(fd); };
  if (::fsync(fd) != 0) return ErrnoStatus(errno, "fsync directory", dir);
  return absl::OkStatus();
}

std::string ParentDirectory(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

absl::Status EnsurePrivateDirectory(const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError("directory path is empty");
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return ErrnoStatus(errno, "cannot stat", path);
    std::string parent = ParentDirectory(path);
    if (parent != path && parent != "." && parent != "/") {
      absl::Status parent_status = EnsurePrivateDirectory(parent);
      if (!parent_status.ok()) return parent_status;
    }
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      return ErrnoStatus(errno, "cannot create directory", path);
    }
    if (::stat(path.c_str(), &st) != 0) {
      return ErrnoStatus(errno, "cannot stat", path);
    }
  }
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " exists and is not a directory"));
  }
  if (::access(path.c_str(), W_OK | X_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "directory ", path, " is not writable: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadSmallFile(const std::string& path,
                                          size_t max_bytes) {
  // O_NONBLOCK: opening a FIFO planted at `path` must not hang; it has no
  // effect on the regular files we go on to read.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return ErrnoStatus(errno, "cannot open", path);
  absl::Cleanup close_fd = [fd] { ::close(fd); };
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoStatus(errno, "cannot stat", path);
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is not a regular file"));
  }
  if (static_cast<size_t>(st.st_size) > max_bytes) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, " is larger than ", max_bytes, " bytes"));
  }
  std::string contents;
  char buffer[4096];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "cannot read", path);
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<size_t>(n));
    if (contents.size() > max_bytes) {
      return absl::FailedPreconditionError(
          absl::StrCat(path, " is larger than ", max_bytes, " bytes"));
    }
  }
  return contents;
}

absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents, mode_t mode) {
  // pid + counter keeps concurrent writers apart; O_EXCL refuses leftovers
  // of a crashed writer and planted symlinks.
  static std::atomic<uint64_t> counter{0};
  const std::string temp =
      absl::StrCat(path, ".tmp-", ::getpid(), "-", counter.fetch_add(1));
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoStatus(errno, "cannot create", temp);
  bool renamed = false;
  absl::Cleanup remove_temp = [&] {
    if (fd >= 0) ::close(fd);
    if (!renamed) ::unlink(temp.c_str());
  };
  // The umask may have narrowed `mode`; never widened, so set it exactly.
  if (::fchmod(fd, mode) != 0) return ErrnoStatus(errno, "cannot chmod", temp);
  if (absl::Status s = WriteAll(fd, contents); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(s.message(), " ", temp));
  }
  if (::fsync(fd) != 0) return ErrnoStatus(errno, "cannot fsync", temp);
  int close_result = ::close(fd);
  fd = -1;
  if (close_result != 0) return ErrnoStatus(errno, "cannot close", temp);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return ErrnoStatus(errno, "cannot rename onto", path);
  }
  renamed = true;
  return SyncDirectory(ParentDirectory(path));
}

}  // namespace jwtd
