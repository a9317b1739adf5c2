#ifndef JWTD_TESTS_E2E_SCRATCH_MOUNT_H_
#define JWTD_TESTS_E2E_SCRATCH_MOUNT_H_

// Small real filesystems for storage fault tests: a tmpfs that can be
// filled until writes fail with ENOSPC, and an ext4 image on a loop device
// that the kernel can be made to turn read-only under open files (what
// errors=remount-ro does after an IO error; a plain remount read-only is
// refused with EBUSY while a file is open for writing).
//
// Mounting needs root (CAP_SYS_ADMIN). The mounts live in a private mount
// namespace of the calling thread, so they never show on the host and go
// away with the test process; children spawned from that thread afterwards
// (jwtd) share it. Use them from one thread: the test's own.
//
//   ASSERT_OK_AND_ASSIGN(auto disk, ScratchMount::Tmpfs(4 << 20));
//   ... start jwtd with --data-dir under disk->path() ...
//   ASSERT_OK(disk->Fill());    // writes now fail with ENOSPC
//   ASSERT_OK(disk->Unfill());  // and succeed again

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tests/e2e/temp_dir.h"

namespace jwtd::e2e {

class ScratchMount {
 public:
  // A tmpfs of `bytes`, mode 0700. FAILED_PRECONDITION when this process
  // may not mount (not root): the message names the missing privilege.
  static absl::StatusOr<std::unique_ptr<ScratchMount>> Tmpfs(int64_t bytes);
  // An ext4 filesystem of `bytes` in an image file, mounted through a loop
  // device with errors=remount-ro. FAILED_PRECONDITION when this machine
  // cannot (not root, no loop devices, no mkfs.ext4 or e2fsck, no
  // writable /sys/fs/ext4).
  static absl::StatusOr<std::unique_ptr<ScratchMount>> Ext4(int64_t bytes);

  ScratchMount(const ScratchMount&) = delete;
  ScratchMount& operator=(const ScratchMount&) = delete;
  // Unmounts (lazily, should a process still use it) and removes it all.
  ~ScratchMount();

  // The mount point.
  const std::string& path() const { return mount_point_; }

  // Writes a filler file at the root until the filesystem is full (ENOSPC);
  // what was there stays.
  absl::Status Fill();
  // Removes the filler file.
  absl::Status Unfill();

  // Ext4 only: reports a filesystem error to the kernel (sysfs
  // trigger_fs_error), which aborts the journal and makes the filesystem
  // read-only at once: from then on every write, through descriptors
  // already open too, fails with EROFS. It stays so until Repair().
  absl::Status TriggerError();
  // Ext4 only: unmounts, runs e2fsck -fy on the image and mounts it again,
  // read-write. Every process using the filesystem must have exited.
  absl::Status Repair();

 private:
  enum class Kind { kTmpfs, kExt4 };
  ScratchMount(Kind kind, TempDir dir);
  absl::Status MountImage();

  const Kind kind_;
  TempDir dir_;  // Holds the mount point and, for ext4, the image.
  std::string mount_point_;
  std::string image_;
  std::string loop_name_;  // "loop3" while the image is mounted.
  bool mounted_ = false;
};

}  // namespace jwtd::e2e

#endif  // JWTD_TESTS_E2E_SCRATCH_MOUNT_H_
