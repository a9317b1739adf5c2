#include "tests/e2e/scratch_mount.h"

#include <fcntl.h>
#include <linux/loop.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "tests/e2e/subprocess.h"

namespace jwtd::e2e {
namespace {

constexpr char kFillerName[] = "filler";
constexpr char kMkfs[] = "/sbin/mkfs.ext4";
constexpr char kFsck[] = "/sbin/e2fsck";

// Errors that say "this machine or user cannot", as opposed to a bug.
bool IsMissingPrivilege(int error) {
  return error == EPERM || error == EACCES || error == EROFS ||
         error == ENOENT || error == ENODEV;
}

absl::Status SystemError(absl::string_view what, int error) {
  const std::string message = absl::StrCat(what, ": ", std::strerror(error));
  if (IsMissingPrivilege(error)) {
    return absl::FailedPreconditionError(
        absl::StrCat(message,
                     " (scratch filesystems need root: CAP_SYS_ADMIN, loop "
                     "devices and a writable /sys)"));
  }
  return absl::InternalError(message);
}

// Moves the calling thread into its own mount namespace, once, with every
// mount private so that nothing mounted here propagates to the host.
absl::Status EnterPrivateMountNamespace() {
  thread_local bool entered = false;
  if (entered) return absl::OkStatus();
  if (::unshare(CLONE_NEWNS) != 0) {
    return SystemError("unshare(CLONE_NEWNS)", errno);
  }
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return SystemError("making / private in the new mount namespace", errno);
  }
  entered = true;
  return absl::OkStatus();
}

absl::Status RunTool(std::vector<std::string> argv,
                     std::vector<int> ok_exit_codes) {
  if (::access(argv[0].c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat(argv[0], " is missing (e2fsprogs)"));
  }
  absl::StatusOr<ProcessResult> result = RunProcess(argv);
  if (!result.ok()) return result.status();
  for (int code : ok_exit_codes) {
    if (result->exit_code == code) return absl::OkStatus();
  }
  return absl::InternalError(absl::StrCat(argv[0], " exited with ",
                                          result->exit_code, ": ", result->out,
                                          result->err));
}

}  // namespace

ScratchMount::ScratchMount(Kind kind, TempDir dir)
    : kind_(kind),
      dir_(std::move(dir)),
      mount_point_(dir_.Join("mnt")),
      image_(dir_.Join("ext4.img")) {}

ScratchMount::~ScratchMount() {
  // Lazily: a process killed a moment ago may not have let go yet.
  if (mounted_) ::umount2(mount_point_.c_str(), MNT_DETACH);
}

absl::StatusOr<std::unique_ptr<ScratchMount>> ScratchMount::Tmpfs(
    int64_t bytes) {
  if (absl::Status s = EnterPrivateMountNamespace(); !s.ok()) return s;
  absl::StatusOr<TempDir> dir = TempDir::Create("jwtd-e2e-tmpfs");
  if (!dir.ok()) return dir.status();
  std::unique_ptr<ScratchMount> scratch(
      new ScratchMount(Kind::kTmpfs, *std::move(dir)));
  if (::mkdir(scratch->mount_point_.c_str(), 0700) != 0) {
    return SystemError(absl::StrCat("mkdir ", scratch->mount_point_), errno);
  }
  const std::string options = absl::StrCat("size=", bytes, ",mode=0700");
  if (::mount("tmpfs", scratch->mount_point_.c_str(), "tmpfs",
              MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    return SystemError(absl::StrCat("mount tmpfs on ", scratch->mount_point_),
                       errno);
  }
  scratch->mounted_ = true;
  return scratch;
}

absl::StatusOr<std::unique_ptr<ScratchMount>> ScratchMount::Ext4(
    int64_t bytes) {
  if (absl::Status s = EnterPrivateMountNamespace(); !s.ok()) return s;
  absl::StatusOr<TempDir> dir = TempDir::Create("jwtd-e2e-ext4");
  if (!dir.ok()) return dir.status();
  std::unique_ptr<ScratchMount> scratch(
      new ScratchMount(Kind::kExt4, *std::move(dir)));
  if (::mkdir(scratch->mount_point_.c_str(), 0700) != 0) {
    return SystemError(absl::StrCat("mkdir ", scratch->mount_point_), errno);
  }
  const int image =
      ::open(scratch->image_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (image < 0) return SystemError("creating the ext4 image", errno);
  const bool sized = ::ftruncate(image, bytes) == 0;
  const int truncate_error = errno;
  ::close(image);
  if (!sized) return SystemError("sizing the ext4 image", truncate_error);
  if (absl::Status s =
          RunTool({kMkfs, "-q", "-F", "-m", "0", scratch->image_}, {0});
      !s.ok()) {
    return s;
  }
  if (absl::Status s = scratch->MountImage(); !s.ok()) return s;
  const std::string trigger =
      absl::StrCat("/sys/fs/ext4/", scratch->loop_name_, "/trigger_fs_error");
  if (::access(trigger.c_str(), W_OK) != 0) {
    return SystemError(absl::StrCat("cannot write ", trigger), errno);
  }
  return scratch;
}

absl::Status ScratchMount::MountImage() {
  const int image = ::open(image_.c_str(), O_RDWR | O_CLOEXEC);
  if (image < 0) return SystemError("opening the ext4 image", errno);
  absl::Cleanup close_image = [image] { ::close(image); };
  const int control = ::open("/dev/loop-control", O_RDWR | O_CLOEXEC);
  if (control < 0) return SystemError("/dev/loop-control", errno);
  absl::Cleanup close_control = [control] { ::close(control); };

  // Another process may take the free device between the two calls: retry.
  for (int attempt = 0; attempt < 20; ++attempt) {
    const int number = ::ioctl(control, LOOP_CTL_GET_FREE);
    if (number < 0) return SystemError("LOOP_CTL_GET_FREE", errno);
    const std::string device = absl::StrCat("/dev/loop", number);
    const int loop = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
    if (loop < 0) return SystemError(absl::StrCat("opening ", device), errno);
    // Held until mounted: autoclear detaches the device at its last close,
    // which is then the unmount.
    absl::Cleanup close_loop = [loop] { ::close(loop); };
    loop_config config = {};
    config.fd = static_cast<uint32_t>(image);
    config.info.lo_flags = LO_FLAGS_AUTOCLEAR;
    if (::ioctl(loop, LOOP_CONFIGURE, &config) != 0) {
      if (errno == EBUSY) continue;
      return SystemError(absl::StrCat("LOOP_CONFIGURE ", device), errno);
    }
    if (::mount(device.c_str(), mount_point_.c_str(), "ext4",
                MS_NOSUID | MS_NODEV, "errors=remount-ro") != 0) {
      const int error = errno;
      ::ioctl(loop, LOOP_CLR_FD);
      return SystemError(absl::StrCat("mount ", device, " (ext4)"), error);
    }
    mounted_ = true;
    loop_name_ = absl::StrCat("loop", number);
    return absl::OkStatus();
  }
  return absl::UnavailableError("no free loop device after 20 attempts");
}

absl::Status ScratchMount::Fill() {
  const std::string filler = absl::StrCat(mount_point_, "/", kFillerName);
  const int fd =
      ::open(filler.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return SystemError(absl::StrCat("creating ", filler), errno);
  absl::Cleanup close_fd = [fd] { ::close(fd); };
  const std::string chunk(64 * 1024, 'f');
  while (true) {
    if (::write(fd, chunk.data(), chunk.size()) >= 0) continue;
    if (errno == EINTR) continue;
    if (errno == ENOSPC) break;
    return SystemError(absl::StrCat("writing ", filler), errno);
  }
  struct statvfs usage;
  if (::statvfs(mount_point_.c_str(), &usage) != 0) {
    return SystemError("statvfs", errno);
  }
  if (usage.f_bavail != 0) {
    return absl::InternalError(absl::StrCat(mount_point_, " still has ",
                                            usage.f_bavail, " free blocks"));
  }
  return absl::OkStatus();
}

absl::Status ScratchMount::Unfill() {
  const std::string filler = absl::StrCat(mount_point_, "/", kFillerName);
  if (::unlink(filler.c_str()) != 0) {
    return SystemError(absl::StrCat("removing ", filler), errno);
  }
  return absl::OkStatus();
}

absl::Status ScratchMount::TriggerError() {
  if (kind_ != Kind::kExt4) {
    return absl::FailedPreconditionError("TriggerError needs an ext4 mount");
  }
  const std::string trigger =
      absl::StrCat("/sys/fs/ext4/", loop_name_, "/trigger_fs_error");
  const int fd = ::open(trigger.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return SystemError(absl::StrCat("opening ", trigger), errno);
  constexpr char kMessage[] = "jwtd storage fault test";
  const ssize_t written = ::write(fd, kMessage, sizeof(kMessage) - 1);
  const int error = errno;
  ::close(fd);
  if (written < 0) {
    return SystemError(absl::StrCat("writing ", trigger), error);
  }
  return absl::OkStatus();
}

absl::Status ScratchMount::Repair() {
  if (kind_ != Kind::kExt4) {
    return absl::FailedPreconditionError("Repair needs an ext4 mount");
  }
  if (::umount2(mount_point_.c_str(), 0) != 0) {
    return SystemError(absl::StrCat("umount ", mount_point_), errno);
  }
  mounted_ = false;
  // The loop device is detached asynchronously after the unmount; e2fsck
  // reads the image file itself. Exit code 1: errors were corrected.
  if (absl::Status s = RunTool({kFsck, "-f", "-y", image_}, {0, 1}); !s.ok()) {
    return s;
  }
  return MountImage();
}

}  // namespace jwtd::e2e
