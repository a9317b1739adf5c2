// jwtd as a process: start-up, flags, data directory, listening, restart
// and shutdown.

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "client/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtd/v1/token_service.pb.h"
#include "tests/e2e/binaries.h"
#include "tests/e2e/jwtd_process.h"
#include "tests/e2e/log_lines.h"
#include "tests/e2e/subprocess.h"
#include "tests/e2e/temp_dir.h"
#include "tests/e2e/verdicts.h"
#include "tests/support/status_matchers.h"

namespace jwtd::e2e {
namespace {

// Each test closes its clients before Stop(): jwtd waits for connected
// clients to go away (up to about 5 s) before it exits.

using ::jwtd::testing::IsOk;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

// How long a jwtd that must refuse to start may take to exit.
constexpr absl::Duration kExitTimeout = absl::Seconds(5);

// Runs jwtd with `flags` and expects it to exit on its own.
absl::StatusOr<ProcessResult> RunJwtd(std::vector<std::string> flags) {
  absl::StatusOr<std::string> jwtd = BinaryPath("jwtd");
  if (!jwtd.ok()) return jwtd.status();
  flags.insert(flags.begin(), *jwtd);
  return RunProcess(flags, "", kExitTimeout);
}

// Expects a start-up failure as the contract describes it: exit code 1, a
// JSON log line with level "error" and a message, and `topic` (what was
// wrong) named somewhere in the log, in any case.
void ExpectStartupError(const ProcessResult& result, const std::string& topic) {
  EXPECT_EQ(result.exit_code, 1) << result.err;
  LogLines lines = ParseLogLines(result.err);
  EXPECT_THAT(lines.other, IsEmpty()) << "non-JSON log lines:\n" << result.err;
  bool found = false;
  for (const auto& line : lines.json) {
    if (StringMember(line, "level") == "error") {
      found = true;
      EXPECT_THAT(StringMember(line, "msg"), Not(IsEmpty()));
    }
    EXPECT_NE(StringMember(line, "msg"), "jwtd serving");
  }
  EXPECT_TRUE(found) << "no error line in:\n" << result.err;
  EXPECT_THAT(absl::AsciiStrToLower(result.err),
              HasSubstr(absl::AsciiStrToLower(topic)))
      << result.err;
}

TEST(ServerLifecycleTest, StartUpLineAndCleanShutdown) {
  ASSERT_OK_AND_ASSIGN(auto jwtd, JwtdProcess::Start());
  LogLines lines = ParseLogLines(jwtd->log());
  // The health updater may log right after it: look the line up.
  auto serving_line =
      std::find_if(lines.json.begin(), lines.json.end(), [](const auto& line) {
        return StringMember(line, "msg") == "jwtd serving";
      });
  ASSERT_NE(serving_line, lines.json.end()) << jwtd->log();
  const auto& serving = *serving_line;
  EXPECT_EQ(StringMember(serving, "level"), "info");
  EXPECT_EQ(StringMember(serving, "alg"), "ES256");
  EXPECT_EQ(StringMember(serving, "issuer"), "jwtd");
  EXPECT_THAT(StringMember(serving, "time"), Not(IsEmpty()));
  EXPECT_THAT(jwtd->address(), StartsWith("127.0.0.1:"));
  EXPECT_NE(jwtd->address(), "127.0.0.1:0");
  EXPECT_THAT(jwtd->kid(), Not(IsEmpty()));

  // Created by jwtd, private to its user.
  struct stat info;
  ASSERT_EQ(stat(jwtd->data_dir().c_str(), &info), 0);
  EXPECT_TRUE(S_ISDIR(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0700);

  EXPECT_THAT(jwtd->Stop(), IsOk());
  LogLines after = ParseLogLines(jwtd->log());
  EXPECT_THAT(after.other, IsEmpty()) << jwtd->log();
}

TEST(ServerLifecycleTest, RestartKeepsTheKey) {
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create());
  const std::string data_dir = dir.Join("data");
  std::string token;
  std::string kid;
  {
    ASSERT_OK_AND_ASSIGN(auto jwtd, JwtdProcess::Start({.data_dir = data_dir}));
    ASSERT_OK_AND_ASSIGN(
        auto client, Client::Connect({.address = jwtd->privileged_address()}));
    v1::IssueRequest request;
    request.set_subject("alice");
    ASSERT_OK_AND_ASSIGN(v1::IssueResponse issued, client->Issue(request));
    token = issued.token();
    kid = issued.kid();
    client.reset();
    ASSERT_THAT(jwtd->Stop(), IsOk());
  }
  ASSERT_OK_AND_ASSIGN(auto jwtd, JwtdProcess::Start({.data_dir = data_dir}));
  EXPECT_EQ(jwtd->kid(), kid);
  ASSERT_OK_AND_ASSIGN(
      ProcessResult keys,
      RunJwtctl({"--addr", jwtd->address(), "--format", "text", "keys"}));
  EXPECT_EQ(keys.exit_code, 0) << keys.err;
  EXPECT_THAT(keys.out, HasSubstr(absl::StrCat("kid=", kid, " ")));

  ASSERT_OK_AND_ASSIGN(auto client,
                       Client::Connect({.address = jwtd->address()}));
  ASSERT_OK_AND_ASSIGN(v1::ValidateResponse verdict,
                       ValidateToken(*client, token));
  EXPECT_TRUE(verdict.valid()) << verdict.DebugString();
  client.reset();
  EXPECT_THAT(jwtd->Stop(), IsOk());
}

TEST(ServerLifecycleTest, TokensNeverReachTheLog) {
  ASSERT_OK_AND_ASSIGN(auto jwtd, JwtdProcess::Start());
  ASSERT_OK_AND_ASSIGN(auto client,
                       Client::Connect({.address = jwtd->address()}));
  v1::IssueRequest request;
  request.set_subject("alice");
  ASSERT_OK_AND_ASSIGN(
      auto admin, Client::Connect({.address = jwtd->privileged_address()}));
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse issued, admin->Issue(request));
  admin.reset();
  const std::string forged = issued.token() + "x";
  ASSERT_THAT(ValidateToken(*client, issued.token()), IsOk());
  ASSERT_THAT(ValidateToken(*client, forged), IsOk());
  client.reset();
  ASSERT_THAT(jwtd->Stop(), IsOk());
  const std::string signature =
      issued.token().substr(issued.token().rfind('.') + 1);
  EXPECT_THAT(jwtd->log(), Not(HasSubstr(signature)));
}

TEST(ServerLifecycleTest, UnixSocket) {
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create());
  const std::string address = absl::StrCat("unix:", dir.Join("jwtd.sock"));
  ASSERT_OK_AND_ASSIGN(auto jwtd, JwtdProcess::Start({.grpc_listen = address}));
  EXPECT_EQ(jwtd->address(), address);

  ASSERT_OK_AND_ASSIGN(ProcessResult issue,
                       RunJwtctl({"--addr", jwtd->privileged_address(),
                                  "--format=text", "issue", "--sub", "a"}));
  ASSERT_EQ(issue.exit_code, 0) << issue.err;
  ASSERT_OK_AND_ASSIGN(auto client, Client::Connect({.address = address}));
  ASSERT_OK_AND_ASSIGN(
      v1::ValidateResponse verdict,
      ValidateToken(*client, std::string(absl::StripSuffix(issue.out, "\n"))));
  EXPECT_TRUE(verdict.valid()) << verdict.DebugString();
  client.reset();
  EXPECT_THAT(jwtd->Stop(), IsOk());
}

TEST(ServerLifecycleTest, PortAlreadyInUse) {
  ASSERT_OK_AND_ASSIGN(auto first, JwtdProcess::Start());
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create());
  // Were the port shared (SO_REUSEPORT), this jwtd would serve instead of
  // exiting, and RunJwtd would time out.
  ASSERT_OK_AND_ASSIGN(
      ProcessResult second,
      RunJwtd({absl::StrCat("--grpc-listen=", first->address()),
               absl::StrCat("--data-dir=", dir.Join("data"))}));
  ExpectStartupError(second, first->address());

  // The first one is unaffected.
  ASSERT_OK_AND_ASSIGN(auto client,
                       Client::Connect({.address = first->address()}));
  EXPECT_THAT(client->GetKeySet(), IsOk());
  client.reset();
  EXPECT_THAT(first->Stop(), IsOk());
}

TEST(ServerLifecycleTest, UnknownFlag) {
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create());
  ASSERT_OK_AND_ASSIGN(ProcessResult result,
                       RunJwtd({"--grpc-listen=127.0.0.1:0",
                                absl::StrCat("--data-dir=", dir.Join("data")),
                                "--no-such-flag=1"}));
  EXPECT_EQ(result.exit_code, 1) << result.err;
  // Either spelling of the name: jwtd accepts dashes and underscores.
  EXPECT_THAT(result.err,
              AnyOf(HasSubstr("no-such-flag"), HasSubstr("no_such_flag")));
}

TEST(ServerLifecycleTest, BadFlagValues) {
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create());
  const std::string data_dir = absl::StrCat("--data-dir=", dir.Join("data"));
  struct Case {
    std::string flag;
    std::string topic;  // Named in the error.
  };
  for (const Case& c :
       std::vector<Case>{{"--leeway=11m", "leeway"},
                         {"--default-ttl=soon", "ttl"},
                         {"--max-ttl=-1h", "ttl"},
                         {"--grpc-listen=nowhere", "nowhere"}}) {
    SCOPED_TRACE(c.flag);
    // A later --grpc-listen wins over the first one.
    ASSERT_OK_AND_ASSIGN(
        ProcessResult result,
        RunJwtd({"--grpc-listen=127.0.0.1:0", data_dir, c.flag}));
    ExpectStartupError(result, c.topic);
  }
}

TEST(ServerLifecycleTest, DataDirIsARegularFile) {
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create());
  const std::string file = dir.Join("not-a-dir");
  std::ofstream(file) << "x";
  ASSERT_OK_AND_ASSIGN(ProcessResult result,
                       RunJwtd({"--grpc-listen=127.0.0.1:0",
                                absl::StrCat("--data-dir=", file)}));
  ExpectStartupError(result, file);
}

TEST(ServerLifecycleTest, DataDirNotWritable) {
  if (geteuid() == 0) {
    GTEST_SKIP() << "root writes to read-only directories";
  }
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create());
  const std::string data_dir = dir.Join("read-only");
  ASSERT_EQ(mkdir(data_dir.c_str(), 0500), 0);
  ASSERT_OK_AND_ASSIGN(ProcessResult result,
                       RunJwtd({"--grpc-listen=127.0.0.1:0",
                                absl::StrCat("--data-dir=", data_dir)}));
  ExpectStartupError(result, data_dir);
}

}  // namespace
}  // namespace jwtd::e2e
