#include "server/api/blocking_call_pool.h"

#include <atomic>
#include <filesystem>
#include <future>
#include <iterator>
#include <latch>
#include <thread>

#include "gtest/gtest.h"

namespace jwtd::api {
namespace {

// Threads of this process, from /proc.
long ThreadCount() {
  const std::filesystem::directory_iterator tasks("/proc/self/task");
  return std::distance(std::filesystem::begin(tasks),
                       std::filesystem::end(tasks));
}

TEST(BlockingCallPoolTest, StartsNoThreadBeforeTheFirstTask) {
  const long before = ThreadCount();
  BlockingCallPool pool(3, 10);
  EXPECT_EQ(ThreadCount(), before);
  std::promise<void> ran;
  ASSERT_TRUE(pool.TrySubmit([&ran] { ran.set_value(); }));
  ran.get_future().wait();
  EXPECT_EQ(ThreadCount(), before + 3);
}

TEST(BlockingCallPoolTest, RunsTasksOnItsOwnThreads) {
  BlockingCallPool pool(2, 10);
  std::promise<std::thread::id> ran_on;
  ASSERT_TRUE(pool.TrySubmit(
      [&ran_on] { ran_on.set_value(std::this_thread::get_id()); }));
  EXPECT_NE(ran_on.get_future().get(), std::this_thread::get_id());
}

TEST(BlockingCallPoolTest, RefusesWorkBeyondTheQueueAndRunsTheRestAtExit) {
  std::atomic<int> ran{0};
  std::latch release(1);
  {
    BlockingCallPool pool(1, 2);
    std::latch blocked(1);
    // The only worker blocks; two tasks may wait, the third is refused.
    ASSERT_TRUE(pool.TrySubmit([&] {
      blocked.count_down();
      release.wait();
      ++ran;
    }));
    blocked.wait();
    EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
    EXPECT_TRUE(pool.TrySubmit([&] { ++ran; }));
    EXPECT_FALSE(pool.TrySubmit([&] { ++ran; }));
    release.count_down();
    // The destructor runs what is queued before it returns.
  }
  EXPECT_EQ(ran.load(), 3);
}

TEST(BlockingCallPoolTest, ABlockedWorkerDoesNotHoldUpTheOthers) {
  BlockingCallPool pool(2, 10);
  std::latch release(1);
  ASSERT_TRUE(pool.TrySubmit([&] { release.wait(); }));
  std::promise<void> done;
  ASSERT_TRUE(pool.TrySubmit([&done] { done.set_value(); }));
  done.get_future().wait();  // Would hang if tasks ran one at a time.
  release.count_down();
}

}  // namespace
}  // namespace jwtd::api
