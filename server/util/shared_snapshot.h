#ifndef JWTD_SERVER_UTIL_SHARED_SNAPSHOT_H_
#define JWTD_SERVER_UTIL_SHARED_SNAPSHOT_H_

#include <memory>
#include <mutex>
#include <utility>

namespace jwtd {

// A shared_ptr that one thread replaces while others read it: the
// load()/store() subset of std::atomic<std::shared_ptr<T>>, under a
// std::mutex held only for the pointer copy.
//
// Not std::atomic<std::shared_ptr>: GCC 12's load() unlocks its internal
// spin lock with a relaxed store, a data race ThreadSanitizer reports
// (google/sanitizers#1558). Not absl::Mutex: Debian's uninstrumented Abseil
// is invisible to ThreadSanitizer (docs/sanitizers.md).
template <typename T>
class SharedSnapshot {
 public:
  SharedSnapshot() = default;
  SharedSnapshot(const SharedSnapshot&) = delete;
  SharedSnapshot& operator=(const SharedSnapshot&) = delete;

  std::shared_ptr<T> load() const {
    std::lock_guard<std::mutex> lock(mu_);
    return value_;
  }

  void store(std::shared_ptr<T> value) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      value_.swap(value);
    }
    // `value` now holds the old one: released outside the lock.
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<T> value_;  // Guarded by mu_.
};

}  // namespace jwtd

#endif  // JWTD_SERVER_UTIL_SHARED_SNAPSHOT_H_
