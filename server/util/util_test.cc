// Tests for the small helpers under every layer: files, clocks, JSON
// string quoting.

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/util/clock.h"
#include "server/util/file.h"
#include "server/util/json_string.h"
#include "tests/support/scoped_temp_dir.h"
#include "tests/support/status_matchers.h"

namespace jwtd {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::ScopedTempDir;
using ::jwtd::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Sets the process umask for one scope.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

// ---------------------------------------------------------------------------
// WriteFileAtomically

// The file gets exactly the contents and exactly the mode, whatever the
// umask.
TEST(WriteFileAtomicallyTest, WritesContentsWithExactMode) {
  ScopedTempDir dir;
  const std::string path = dir.Join("f");
  const std::string contents("binary\0data\n\xff", 13);
  {
    ScopedUmask umask(077);
    ASSERT_OK(WriteFileAtomically(path, contents, 0644));
  }
  EXPECT_EQ(ReadFile(path), contents);
  EXPECT_EQ(ScopedTempDir::Mode(path), 0644);
  {
    ScopedUmask umask(0);
    ASSERT_OK(WriteFileAtomically(dir.Join("g"), "x", 0600));
  }
  EXPECT_EQ(ScopedTempDir::Mode(dir.Join("g")), 0600);
  ASSERT_OK(WriteFileAtomically(dir.Join("empty"), "", 0640));
  EXPECT_EQ(ReadFile(dir.Join("empty")), "");
  EXPECT_EQ(ScopedTempDir::Mode(dir.Join("empty")), 0640);
}

// An existing file is replaced (contents and mode), and nothing else is left
// in the directory.
TEST(WriteFileAtomicallyTest, ReplacesWithoutLeftovers) {
  ScopedTempDir dir;
  const std::string path = dir.Join("key.pem");
  ASSERT_OK(WriteFileAtomically(path, "old contents that are longer", 0644));
  ASSERT_OK(WriteFileAtomically(path, "new", 0600));
  EXPECT_EQ(ReadFile(path), "new");
  EXPECT_EQ(ScopedTempDir::Mode(path), 0600);
  EXPECT_THAT(ScopedTempDir::List(dir.path()), ElementsAre("key.pem"));
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(WriteFileAtomically(path, std::string(i * 1000, 'a' + i), 0600));
  }
  EXPECT_EQ(ReadFile(path), std::string(19000, 'a' + 19));
  EXPECT_THAT(ScopedTempDir::List(dir.path()), ElementsAre("key.pem"));
}

// Writing into a missing directory fails and creates nothing.
TEST(WriteFileAtomicallyTest, FailsCleanlyInMissingDirectory) {
  ScopedTempDir dir;
  EXPECT_THAT(WriteFileAtomically(dir.Join("missing/f"), "x", 0600),
              Not(IsOk()));
  EXPECT_THAT(ScopedTempDir::List(dir.path()), IsEmpty());
}

// A failed replace (the target is a non-empty directory) leaves the target
// untouched and removes the temporary file.
TEST(WriteFileAtomicallyTest, FailedRenameLeavesNoTemporary) {
  ScopedTempDir dir;
  const std::string target = dir.Join("target");
  ASSERT_EQ(::mkdir(target.c_str(), 0700), 0);
  ASSERT_OK(WriteFileAtomically(target + "/inside", "keep", 0600));
  EXPECT_THAT(WriteFileAtomically(target, "x", 0600), Not(IsOk()));
  EXPECT_THAT(ScopedTempDir::List(dir.path()), ElementsAre("target"));
  EXPECT_EQ(ReadFile(target + "/inside"), "keep");
}

// ---------------------------------------------------------------------------
// ReadSmallFile

// A small regular file is read whole, up to and including the limit.
TEST(ReadSmallFileTest, ReadsWholeFile) {
  ScopedTempDir dir;
  const std::string contents(10000, 'r');
  ASSERT_OK(WriteFileAtomically(dir.Join("f"), contents, 0600));
  EXPECT_EQ(ReadSmallFile(dir.Join("f"), 10000).value_or("<error>"), contents);
  ASSERT_OK(WriteFileAtomically(dir.Join("empty"), "", 0600));
  EXPECT_EQ(ReadSmallFile(dir.Join("empty"), 0).value_or("<error>"), "");
}

// Absent is NOT_FOUND.
TEST(ReadSmallFileTest, MissingIsNotFound) {
  ScopedTempDir dir;
  EXPECT_THAT(ReadSmallFile(dir.Join("absent"), 100),
              StatusIs(absl::StatusCode::kNotFound));
}

// Larger than the limit is FAILED_PRECONDITION.
TEST(ReadSmallFileTest, TooLarge) {
  ScopedTempDir dir;
  ASSERT_OK(WriteFileAtomically(dir.Join("f"), std::string(101, 'x'), 0600));
  EXPECT_THAT(ReadSmallFile(dir.Join("f"), 100),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// A directory is not a regular file.
TEST(ReadSmallFileTest, DirectoryIsNotRegular) {
  ScopedTempDir dir;
  EXPECT_THAT(ReadSmallFile(dir.path(), 100),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// A FIFO is not a regular file either, and must be refused promptly rather
// than blocking until some writer appears.
TEST(ReadSmallFileTest, FifoIsRefusedWithoutBlocking) {
  ScopedTempDir dir;
  const std::string fifo = dir.Join("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::atomic<bool> done{false};
  absl::Status result;
  std::thread reader([&] {
    result = ReadSmallFile(fifo, 100).status();
    done = true;
  });
  const absl::Time deadline = absl::Now() + absl::Seconds(1);
  while (!done && absl::Now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const bool blocked = !done;
  if (blocked) {
    // Unblock the reader's open() so the thread can finish.
    int fd = ::open(fifo.c_str(), O_RDWR);
    reader.join();
    if (fd >= 0) ::close(fd);
  } else {
    reader.join();
  }
  EXPECT_FALSE(blocked) << "ReadSmallFile blocked opening a FIFO";
  EXPECT_THAT(result, StatusIs(absl::StatusCode::kFailedPrecondition));
}

// ---------------------------------------------------------------------------
// EnsurePrivateDirectory

// Missing directories, parents included, are created with mode 0700.
TEST(EnsurePrivateDirectoryTest, CreatesNestedDirectories) {
  ScopedTempDir dir;
  const std::string nested = dir.Join("a/b/c");
  {
    ScopedUmask umask(0);
    ASSERT_OK(EnsurePrivateDirectory(nested));
  }
  EXPECT_EQ(ScopedTempDir::Mode(dir.Join("a")), 0700);
  EXPECT_EQ(ScopedTempDir::Mode(dir.Join("a/b")), 0700);
  EXPECT_EQ(ScopedTempDir::Mode(nested), 0700);
  // Idempotent.
  EXPECT_OK(EnsurePrivateDirectory(nested));
  // A trailing slash names the same directory.
  EXPECT_OK(EnsurePrivateDirectory(nested + "/"));
}

// An existing directory's mode is left as it is.
TEST(EnsurePrivateDirectoryTest, KeepsExistingMode) {
  ScopedTempDir dir;
  const std::string existing = dir.Join("shared");
  ASSERT_EQ(::mkdir(existing.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(existing.c_str(), 0755), 0);
  ASSERT_OK(EnsurePrivateDirectory(existing));
  EXPECT_EQ(ScopedTempDir::Mode(existing), 0755);
}

// A file where the directory (or one of its parents) should be is an
// error, and the file is kept.
TEST(EnsurePrivateDirectoryTest, FileInTheWay) {
  ScopedTempDir dir;
  const std::string file = dir.Join("file");
  ASSERT_OK(WriteFileAtomically(file, "data", 0600));
  EXPECT_THAT(EnsurePrivateDirectory(file),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(EnsurePrivateDirectory(file + "/sub"), Not(IsOk()));
  EXPECT_EQ(ReadFile(file), "data");
  EXPECT_THAT(EnsurePrivateDirectory(""), Not(IsOk()));
}

// An unwritable directory is FAILED_PRECONDITION (not testable as root).
TEST(EnsurePrivateDirectoryTest, UnwritableDirectory) {
  ScopedTempDir dir;
  const std::string locked = dir.Join("locked");
  ASSERT_EQ(::mkdir(locked.c_str(), 0500), 0);
  ASSERT_EQ(::chmod(locked.c_str(), 0500), 0);
  if (::access(locked.c_str(), W_OK) == 0) {
    GTEST_SKIP() << "running with CAP_DAC_OVERRIDE (e.g. as root): a 0500 "
                    "directory is still writable";
  }
  EXPECT_THAT(EnsurePrivateDirectory(locked),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// ---------------------------------------------------------------------------
// Clocks

// FakeClock only moves when told.
TEST(FakeClockTest, MovesOnlyWhenTold) {
  const absl::Time start = absl::FromUnixSeconds(1700000000);
  FakeClock clock(start);
  EXPECT_EQ(clock.Now(), start);
  EXPECT_EQ(clock.Now(), start);
  clock.Advance(absl::Seconds(90));
  EXPECT_EQ(clock.Now(), start + absl::Seconds(90));
  clock.Advance(-absl::Seconds(30));
  EXPECT_EQ(clock.Now(), start + absl::Seconds(60));
  clock.Set(absl::UnixEpoch());
  EXPECT_EQ(clock.Now(), absl::UnixEpoch());
  const Clock& as_clock = clock;
  EXPECT_EQ(as_clock.Now(), absl::UnixEpoch());
}

// The system clock tells the real time.
TEST(SystemClockTest, IsTheWallClock) {
  const absl::Time before = absl::Now();
  const absl::Time now = SystemClock().Now();
  const absl::Time after = absl::Now();
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
  EXPECT_EQ(&SystemClock(), &SystemClock());
}

// ---------------------------------------------------------------------------
// JSON strings

// Quotes, backslashes and control characters are escaped; the rest is
// copied as is.
TEST(JsonStringTest, Escapes) {
  EXPECT_EQ(JsonQuote(""), R"("")");
  EXPECT_EQ(JsonQuote("plain text"), R"("plain text")");
  EXPECT_EQ(JsonQuote("a\"b"), R"("a\"b")");
  EXPECT_EQ(JsonQuote("a\\b"), R"("a\\b")");
  EXPECT_EQ(JsonQuote("/"), R"("/")");
  EXPECT_EQ(JsonQuote("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(JsonQuote(std::string("\0", 1)), R"("\u0000")");
  EXPECT_EQ(JsonQuote("\x01\x1f"), R"("\u0001\u001f")");
  EXPECT_EQ(JsonQuote("\x7f"), R"("\u007f")");
  EXPECT_EQ(JsonQuote(" ~"), R"(" ~")");
  EXPECT_EQ(JsonQuote("h\xc3\xa9llo \xf0\x9f\x98\x80"),
            "\"h\xc3\xa9llo \xf0\x9f\x98\x80\"");
}

// Every byte below 0x20 is escaped, and nothing unescaped is a control
// character.
TEST(JsonStringTest, EscapesEveryControlCharacter) {
  for (int byte = 0; byte < 0x20; ++byte) {
    const std::string quoted =
        JsonQuote(std::string(1, static_cast<char>(byte)));
    EXPECT_EQ(quoted[0], '"');
    EXPECT_EQ(quoted.back(), '"');
    EXPECT_EQ(quoted[1], '\\') << byte;
    for (char c : quoted) {
      EXPECT_GE(static_cast<unsigned char>(c), 0x20) << byte;
    }
  }
}

// AppendJsonString appends to what is already there.
TEST(JsonStringTest, Appends) {
  std::string out = "{\"k\":";
  AppendJsonString("v\"", &out);
  out += "}";
  EXPECT_EQ(out, R"({"k":"v\""})");
}

}  // namespace
}  // namespace jwtd
