// Storage faults under the real jwtd: a full disk and a data directory that
// turns read-only while jwtd revokes or rotates keys, and SIGKILL in the
// middle of revocations and of key rotations. Whatever happens, a failure
// is a clear error that changes nothing, everything acknowledged survives,
// and nothing half-written stops the next start.
//
// The full disk is a small tmpfs; the read-only data directory an ext4
// image whose kernel error handling (errors=remount-ro) is set off through
// sysfs, the way a disk error makes a real data directory read-only under a
// running jwtd (tests/e2e/scratch_mount.h). Both need root and skip
// without it. The SIGKILL tests run anywhere.

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/client.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "jwtd/v1/token_service.pb.h"
#include "tests/e2e/jwtd_process.h"
#include "tests/e2e/log_lines.h"
#include "tests/e2e/scratch_mount.h"
#include "tests/e2e/temp_dir.h"
#include "tests/support/status_matchers.h"

namespace jwtd::e2e {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr int64_t kTmpfsBytes = 4 << 20;
constexpr int64_t kExt4Bytes = 16 << 20;
constexpr char kIssuer[] = "https://jwtd.storage-faults.test";
// Logged by the local key ring when a rotation could not be written, and
// when it made a new key durable.
constexpr char kUpdateFailed[] =
    "key ring: update failed; keeping the current keys";
constexpr char kCreated[] = "key ring: created the next key";
constexpr absl::StatusCode kUnavailable = absl::StatusCode::kUnavailable;

v1::IssueRequest IssueFor(const std::string& subject) {
  v1::IssueRequest request;
  request.set_subject(subject);
  return request;
}

// "valid" or the reject reason (e.g. "REASON_REVOKED").
std::string VerdictName(const v1::ValidateResponse& verdict) {
  return verdict.valid() ? "valid" : v1::Reason_Name(verdict.reason());
}

// VerdictName of `token`'s verdict, or the call's error.
std::string VerdictOf(Client& client, const std::string& token) {
  v1::ValidateRequest request;
  request.set_token(token);
  absl::StatusOr<v1::ValidateResponse> verdict = client.Validate(request);
  if (!verdict.ok()) return verdict.status().ToString();
  return VerdictName(*verdict);
}

// How many of `tokens` get another verdict than `expected` (a VerdictName),
// asked in batches that fit jwtd's default message size limit.
absl::StatusOr<int> CountOtherVerdicts(
    Client& client, const std::vector<v1::IssueResponse>& tokens,
    absl::string_view expected) {
  constexpr size_t kBatch = 100;
  int other = 0;
  for (size_t begin = 0; begin < tokens.size(); begin += kBatch) {
    v1::ValidateBatchRequest batch;
    for (size_t i = begin; i < std::min(tokens.size(), begin + kBatch); ++i) {
      batch.add_requests()->set_token(tokens[i].token());
    }
    absl::StatusOr<v1::ValidateBatchResponse> results =
        client.ValidateBatch(batch);
    if (!results.ok()) return results.status();
    if (results->results_size() != batch.requests_size()) {
      return absl::InternalError("ValidateBatch: one result per request");
    }
    for (const v1::ValidateBatchResult& result : results->results()) {
      other +=
          !result.has_verdict() || VerdictName(result.verdict()) != expected;
    }
  }
  return other;
}

absl::Status RevokeToken(Client& admin, const v1::IssueResponse& issued) {
  v1::RevokeRequest request;
  request.set_token(issued.token());
  return admin.Revoke(request).status();
}

absl::Status RevokeJti(Client& admin, const v1::IssueResponse& issued) {
  v1::RevokeRequest request;
  request.set_jti(issued.jti());
  *request.mutable_until() = issued.expires_at();
  return admin.Revoke(request).status();
}

// The revocation database as jwtd left it: its integrity check and the
// jtis it holds.
struct StoredRevocations {
  std::string integrity;  // PRAGMA integrity_check: "ok" when sound.
  std::set<std::string> jtis;
};

// Reads a copy of <data_dir>/revocations.db (and its WAL), so that SQLite's
// recovery of a crashed database runs on the copy and jwtd's next start
// still finds the files exactly as the fault left them.
absl::StatusOr<StoredRevocations> ReadRevocations(const std::string& data_dir) {
  absl::StatusOr<TempDir> copy = TempDir::Create("jwtd-e2e-db-copy");
  if (!copy.ok()) return copy.status();
  const std::string db = copy->Join("revocations.db");
  for (const std::string suffix : {"", "-wal"}) {
    const std::string from = absl::StrCat(data_dir, "/revocations.db", suffix);
    std::error_code error;
    if (!std::filesystem::exists(from, error)) {
      if (suffix.empty()) return absl::NotFoundError(from + " is missing");
      continue;
    }
    std::filesystem::copy_file(from, db + suffix, error);
    if (error) return absl::InternalError(from + ": " + error.message());
  }
  sqlite3* raw = nullptr;
  const int opened =
      sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> handle(raw, &sqlite3_close);
  if (opened != SQLITE_OK) {
    return absl::InternalError(absl::StrCat("open: ", sqlite3_errstr(opened)));
  }
  // Every row's first column, as text.
  auto rows = [&](const char* sql) -> absl::StatusOr<std::vector<std::string>> {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(handle.get(), sql, -1, &stmt, nullptr);
    std::vector<std::string> out;
    while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out.emplace_back(text == nullptr ? ""
                                       : reinterpret_cast<const char*>(text));
      rc = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
      return absl::InternalError(
          absl::StrCat(sql, ": ", sqlite3_errmsg(handle.get())));
    }
    return out;
  };
  absl::StatusOr<std::vector<std::string>> integrity =
      rows("PRAGMA integrity_check");
  if (!integrity.ok()) return integrity.status();
  absl::StatusOr<std::vector<std::string>> jtis =
      rows("SELECT jti FROM revocations");
  if (!jtis.ok()) return jtis.status();
  return StoredRevocations{absl::StrJoin(*integrity, "; "),
                           {jtis->begin(), jtis->end()}};
}

// What <data_dir>/keys/ holds, against what its state.json names.
struct KeysDir {
  std::set<std::string> files;  // Every entry.
  std::set<std::string> named;  // state.json's keys[].file, and state.json.
  // Key files that are not one whole PEM block (a torn write).
  std::vector<std::string> torn;
};

absl::StatusOr<KeysDir> ReadKeysDir(const std::string& data_dir) {
  const std::string dir = data_dir + "/keys";
  KeysDir keys;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    keys.files.insert(name);
    if (!absl::EndsWith(name, ".pem")) continue;
    std::ifstream in(entry.path());
    std::stringstream pem;
    pem << in.rdbuf();
    if (!absl::StartsWith(pem.str(), "-----BEGIN PRIVATE KEY-----\n") ||
        !absl::EndsWith(pem.str(), "-----END PRIVATE KEY-----\n")) {
      keys.torn.push_back(name);
    }
  }
  if (error) return absl::InternalError(dir + ": " + error.message());
  std::ifstream in(dir + "/state.json");
  std::stringstream text;
  text << in.rdbuf();
  google::protobuf::Struct state;
  if (!google::protobuf::util::JsonStringToMessage(text.str(), &state).ok()) {
    return absl::InternalError("state.json does not parse: " + text.str());
  }
  keys.named.insert("state.json");
  for (const auto& key : state.fields().at("keys").list_value().values()) {
    keys.named.insert(key.struct_value().fields().at("file").string_value());
  }
  return keys;
}

// jwtd's log lines whose msg is `msg`.
std::vector<google::protobuf::Struct> LinesWithMsg(const JwtdProcess& jwtd,
                                                   absl::string_view msg) {
  std::vector<google::protobuf::Struct> found;
  for (google::protobuf::Struct& line : ParseLogLines(jwtd.log()).json) {
    if (StringMember(line, "msg") == msg) found.push_back(std::move(line));
  }
  return found;
}

// Waits until jwtd has logged more than `seen` lines with `msg`, and
// returns the newest.
absl::StatusOr<google::protobuf::Struct> WaitForLine(const JwtdProcess& jwtd,
                                                     absl::string_view msg,
                                                     size_t seen,
                                                     absl::Duration timeout) {
  for (const absl::Time deadline = absl::Now() + timeout;
       absl::Now() < deadline; absl::SleepFor(absl::Milliseconds(50))) {
    std::vector<google::protobuf::Struct> lines = LinesWithMsg(jwtd, msg);
    if (lines.size() > seen) return lines.back();
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "no new \"", msg, "\" line within ", absl::FormatDuration(timeout)));
}

// A configuration whose one issuer's local keys rotate every `period`.
absl::StatusOr<std::string> WriteRotatingConfig(const TempDir& dir,
                                                absl::string_view period,
                                                absl::string_view ahead) {
  const std::string path = dir.Join("jwtd.yaml");
  std::ofstream out(path);
  out << "issuers:\n"
      << "  - issuer: " << kIssuer << "\n"
      << "    keys:\n"
      << "      local:\n"
      << "        alg: ES256\n"
      << "        rotation_period: " << period << "\n"
      << "        publish_ahead: " << ahead << "\n";
  out.close();
  if (!out) return absl::InternalError("cannot write " + path);
  return path;
}

// Issues until a token comes signed by a key not in `known`.
absl::StatusOr<v1::IssueResponse> IssueWithNewKey(
    Client& admin, const std::set<std::string>& known, absl::Duration timeout) {
  for (const absl::Time deadline = absl::Now() + timeout;
       absl::Now() < deadline; absl::SleepFor(absl::Milliseconds(100))) {
    absl::StatusOr<v1::IssueResponse> issued = admin.Issue(IssueFor("rotor"));
    if (!issued.ok() || known.count(issued->kid()) == 0) return issued;
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "no new signing key within ", absl::FormatDuration(timeout)));
}

// ------------------------------------------------ revoking on a bad disk

// Disk full: Revoke answers UNAVAILABLE (the request was fine and nothing
// was stored: retry later or elsewhere), naming the cause and never the
// token; validation and issuing go on; once there is space again Revoke
// works; a crash afterwards loses no acknowledged revocation and the
// database holds exactly those.
TEST(StorageFaultsE2eTest, DiskFullRevokeFailsCleanlyAndLosesNothing) {
  absl::StatusOr<std::unique_ptr<ScratchMount>> disk =
      ScratchMount::Tmpfs(kTmpfsBytes);
  if (absl::IsFailedPrecondition(disk.status())) {
    GTEST_SKIP() << disk.status().message();
  }
  ASSERT_THAT(disk, IsOk());
  const std::string data_dir = (*disk)->path() + "/data";
  std::vector<v1::IssueResponse> tokens;
  {
    ASSERT_OK_AND_ASSIGN(auto jwtd, JwtdProcess::Start({.data_dir = data_dir}));
    ASSERT_OK_AND_ASSIGN(
        auto admin, Client::Connect({.address = jwtd->privileged_address()}));
    ASSERT_OK_AND_ASSIGN(auto client,
                         Client::Connect({.address = jwtd->address()}));
    for (int i = 0; i < 5; ++i) {
      ASSERT_OK_AND_ASSIGN(v1::IssueResponse issued,
                           admin->Issue(IssueFor(absl::StrCat("user-", i))));
      tokens.push_back(issued);
    }
    ASSERT_THAT(RevokeToken(*admin, tokens[0]), IsOk());
    ASSERT_THAT(RevokeJti(*admin, tokens[1]), IsOk());

    ASSERT_THAT((*disk)->Fill(), IsOk());
    const absl::Status by_token = RevokeToken(*admin, tokens[2]);
    EXPECT_THAT(by_token,
                StatusIs(kUnavailable, AllOf(HasSubstr("disk is full"),
                                             HasSubstr("No space left"))));
    EXPECT_THAT(by_token.message(), Not(HasSubstr(tokens[2].token())));
    EXPECT_THAT(RevokeJti(*admin, tokens[2]),
                StatusIs(kUnavailable, HasSubstr("No space left on device")));
    // Validation and issuing need no disk.
    EXPECT_EQ(VerdictOf(*client, tokens[0].token()), "REASON_REVOKED");
    EXPECT_EQ(VerdictOf(*client, tokens[1].token()), "REASON_REVOKED");
    EXPECT_EQ(VerdictOf(*client, tokens[2].token()), "valid");
    ASSERT_OK_AND_ASSIGN(v1::IssueResponse during,
                         admin->Issue(IssueFor("during")));
    EXPECT_EQ(VerdictOf(*client, during.token()), "valid");

    ASSERT_THAT((*disk)->Unfill(), IsOk());
    ASSERT_THAT(RevokeToken(*admin, tokens[3]), IsOk());
    EXPECT_EQ(VerdictOf(*client, tokens[3].token()), "REASON_REVOKED");
    const std::string log = jwtd->log();
    for (const v1::IssueResponse& issued : tokens) {
      EXPECT_THAT(log, Not(HasSubstr(issued.token())));
    }
    // A crash right after: the WAL is left for the next start to recover.
    jwtd->Kill();
  }

  ASSERT_OK_AND_ASSIGN(StoredRevocations stored, ReadRevocations(data_dir));
  EXPECT_EQ(stored.integrity, "ok");
  EXPECT_EQ(stored.jtis,
            (std::set<std::string>{tokens[0].jti(), tokens[1].jti(),
                                   tokens[3].jti()}));
  ASSERT_OK_AND_ASSIGN(auto restarted,
                       JwtdProcess::Start({.data_dir = data_dir}));
  ASSERT_OK_AND_ASSIGN(auto client,
                       Client::Connect({.address = restarted->address()}));
  EXPECT_EQ(VerdictOf(*client, tokens[0].token()), "REASON_REVOKED");
  EXPECT_EQ(VerdictOf(*client, tokens[1].token()), "REASON_REVOKED");
  EXPECT_EQ(VerdictOf(*client, tokens[2].token()), "valid");
  EXPECT_EQ(VerdictOf(*client, tokens[3].token()), "REASON_REVOKED");
  EXPECT_EQ(VerdictOf(*client, tokens[4].token()), "valid");
  client.reset();
  EXPECT_THAT(restarted->Stop(), IsOk());
}

// The data directory turns read-only under the running jwtd (the kernel's
// answer to a disk error): Revoke answers UNAVAILABLE naming the cause,
// validation and issuing go on. The filesystem stays read-only until it is
// repaired; after that a restarted jwtd has every acknowledged revocation,
// not the refused one, and revokes again.
TEST(StorageFaultsE2eTest, ReadOnlyDataDirRevokeFailsCleanlyAndLosesNothing) {
  absl::StatusOr<std::unique_ptr<ScratchMount>> disk =
      ScratchMount::Ext4(kExt4Bytes);
  if (absl::IsFailedPrecondition(disk.status())) {
    GTEST_SKIP() << disk.status().message();
  }
  ASSERT_THAT(disk, IsOk());
  const std::string data_dir = (*disk)->path() + "/data";
  std::vector<v1::IssueResponse> tokens;
  {
    ASSERT_OK_AND_ASSIGN(auto jwtd, JwtdProcess::Start({.data_dir = data_dir}));
    ASSERT_OK_AND_ASSIGN(
        auto admin, Client::Connect({.address = jwtd->privileged_address()}));
    ASSERT_OK_AND_ASSIGN(auto client,
                         Client::Connect({.address = jwtd->address()}));
    for (int i = 0; i < 5; ++i) {
      ASSERT_OK_AND_ASSIGN(v1::IssueResponse issued,
                           admin->Issue(IssueFor(absl::StrCat("user-", i))));
      tokens.push_back(issued);
    }
    ASSERT_THAT(RevokeToken(*admin, tokens[0]), IsOk());
    ASSERT_THAT(RevokeJti(*admin, tokens[1]), IsOk());

    ASSERT_THAT((*disk)->TriggerError(), IsOk());
    const absl::Status by_token = RevokeToken(*admin, tokens[2]);
    EXPECT_THAT(by_token,
                StatusIs(kUnavailable, HasSubstr("Read-only file system")));
    EXPECT_THAT(by_token.message(), Not(HasSubstr(tokens[2].token())));
    EXPECT_THAT(RevokeJti(*admin, tokens[2]),
                StatusIs(kUnavailable, HasSubstr("Read-only file system")));
    EXPECT_EQ(VerdictOf(*client, tokens[0].token()), "REASON_REVOKED");
    EXPECT_EQ(VerdictOf(*client, tokens[1].token()), "REASON_REVOKED");
    EXPECT_EQ(VerdictOf(*client, tokens[2].token()), "valid");
    ASSERT_OK_AND_ASSIGN(v1::IssueResponse during,
                         admin->Issue(IssueFor("during")));
    EXPECT_EQ(VerdictOf(*client, during.token()), "valid");
    // Still serving: validation does not need the disk.
    ASSERT_OK_AND_ASSIGN(const bool serving, client->CheckHealth());
    EXPECT_TRUE(serving);
    const std::string log = jwtd->log();
    for (const v1::IssueResponse& issued : tokens) {
      EXPECT_THAT(log, Not(HasSubstr(issued.token())));
    }
    client.reset();
    admin.reset();
    EXPECT_THAT(jwtd->Stop(), IsOk());
  }

  ASSERT_THAT((*disk)->Repair(), IsOk());
  ASSERT_OK_AND_ASSIGN(StoredRevocations stored, ReadRevocations(data_dir));
  EXPECT_EQ(stored.integrity, "ok");
  EXPECT_EQ(stored.jtis,
            (std::set<std::string>{tokens[0].jti(), tokens[1].jti()}));
  ASSERT_OK_AND_ASSIGN(auto restarted,
                       JwtdProcess::Start({.data_dir = data_dir}));
  ASSERT_OK_AND_ASSIGN(
      auto admin,
      Client::Connect({.address = restarted->privileged_address()}));
  ASSERT_OK_AND_ASSIGN(auto client,
                       Client::Connect({.address = restarted->address()}));
  EXPECT_EQ(VerdictOf(*client, tokens[0].token()), "REASON_REVOKED");
  EXPECT_EQ(VerdictOf(*client, tokens[1].token()), "REASON_REVOKED");
  EXPECT_EQ(VerdictOf(*client, tokens[2].token()), "valid");
  ASSERT_THAT(RevokeToken(*admin, tokens[3]), IsOk());
  EXPECT_EQ(VerdictOf(*client, tokens[3].token()), "REASON_REVOKED");
  EXPECT_EQ(VerdictOf(*client, tokens[4].token()), "valid");
  client.reset();
  admin.reset();
  EXPECT_THAT(restarted->Stop(), IsOk());
}

// ------------------------------------------------ rotating on a bad disk

// Waits until keys/ is at rest: every key file whole, and exactly the files
// the state names (no key of an unfinished rotation, no temporary file). A
// running jwtd may be in the middle of a rotation when keys/ is listed,
// hence the bounded retries; leftovers of a dead process stay and fail.
void ExpectTidyKeysDirSoon(const std::string& data_dir) {
  absl::StatusOr<KeysDir> keys;
  for (const absl::Time deadline = absl::Now() + absl::Seconds(3);
       absl::Now() < deadline; absl::SleepFor(absl::Milliseconds(20))) {
    keys = ReadKeysDir(data_dir);
    if (keys.ok() && keys->torn.empty() && keys->files == keys->named) return;
  }
  ASSERT_THAT(keys, IsOk());
  EXPECT_THAT(keys->torn, IsEmpty());
  EXPECT_EQ(keys->files, keys->named);
}

// Starts jwtd with keys rotating every 2 s, waits for a rotation, applies
// `fault` to the data directory's filesystem and checks that the next
// rotation fails with a log line naming `cause`, that jwtd signs on with a
// key that is durable, and that keys/ holds no partial file. Appends the
// tokens it issued to `tokens`, and leaves jwtd running for the caller.
void RotateIntoFault(const std::string& data_dir, const std::string& config,
                     const std::function<absl::Status()>& fault,
                     absl::string_view cause,
                     std::unique_ptr<JwtdProcess>* jwtd,
                     std::vector<v1::IssueResponse>* tokens) {
  ASSERT_OK_AND_ASSIGN(
      *jwtd, JwtdProcess::Start({.data_dir = data_dir, .config_file = config}));
  ASSERT_OK_AND_ASSIGN(
      auto admin, Client::Connect({.address = (*jwtd)->privileged_address()}));
  ASSERT_OK_AND_ASSIGN(auto client,
                       Client::Connect({.address = (*jwtd)->address()}));
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse first,
                       admin->Issue(IssueFor("first")));
  tokens->push_back(first);
  ASSERT_OK_AND_ASSIGN(
      v1::IssueResponse rotated,
      IssueWithNewKey(*admin, {first.kid()}, absl::Seconds(8)));
  tokens->push_back(rotated);

  const size_t failures = LinesWithMsg(**jwtd, kUpdateFailed).size();
  ASSERT_THAT(fault(), IsOk());
  ASSERT_OK_AND_ASSIGN(
      google::protobuf::Struct failure,
      WaitForLine(**jwtd, kUpdateFailed, failures, absl::Seconds(8)));
  EXPECT_THAT(StringMember(failure, "error"), HasSubstr(cause));
  // The ring retries 30 s after a failed update: until then keys/ is still.
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse during,
                       admin->Issue(IssueFor("during")));
  tokens->push_back(during);
  EXPECT_EQ(VerdictOf(*client, during.token()), "valid");
  ASSERT_OK_AND_ASSIGN(KeysDir keys, ReadKeysDir(data_dir));
  EXPECT_THAT(keys.named, Contains(during.kid() + ".pem"));
  EXPECT_THAT(keys.torn, IsEmpty());
  EXPECT_EQ(keys.files, keys.named);
}

// Restarts jwtd on `data_dir` after a fault: it starts (every key loads),
// every token still validates, the keys rotate on at once (the period is
// overdue) and keys/ is tidy.
void RestartAndRotateOn(const std::string& data_dir, const std::string& config,
                        const std::vector<v1::IssueResponse>& tokens) {
  ASSERT_OK_AND_ASSIGN(auto jwtd, JwtdProcess::Start({.data_dir = data_dir,
                                                      .config_file = config}));
  ASSERT_OK_AND_ASSIGN(
      auto admin, Client::Connect({.address = jwtd->privileged_address()}));
  ASSERT_OK_AND_ASSIGN(auto client,
                       Client::Connect({.address = jwtd->address()}));
  std::set<std::string> kids;
  for (const v1::IssueResponse& issued : tokens) {
    EXPECT_EQ(VerdictOf(*client, issued.token()), "valid") << issued.kid();
    kids.insert(issued.kid());
  }
  ASSERT_OK_AND_ASSIGN(v1::IssueResponse resumed,
                       IssueWithNewKey(*admin, kids, absl::Seconds(8)));
  EXPECT_EQ(VerdictOf(*client, resumed.token()), "valid");
  ExpectTidyKeysDirSoon(data_dir);
  client.reset();
  admin.reset();
  EXPECT_THAT(jwtd->Stop(), IsOk());
}

// The disk fills up while the keys rotate: the rotation fails with a clear
// log line, jwtd keeps signing with a key it had made durable and leaves
// no partial file. With space back, a crash and restart find every key
// and rotate on. (The running jwtd would also rotate on by itself, at its
// next attempt 30 s later: too long to wait for here.)
TEST(StorageFaultsE2eTest, DiskFullDuringRotationKeepsSigning) {
  absl::StatusOr<std::unique_ptr<ScratchMount>> disk =
      ScratchMount::Tmpfs(kTmpfsBytes);
  if (absl::IsFailedPrecondition(disk.status())) {
    GTEST_SKIP() << disk.status().message();
  }
  ASSERT_THAT(disk, IsOk());
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create("jwtd-e2e-faults"));
  ASSERT_OK_AND_ASSIGN(const std::string config,
                       WriteRotatingConfig(dir, "2s", "1s"));
  const std::string data_dir = (*disk)->path() + "/data";
  std::vector<v1::IssueResponse> tokens;
  std::unique_ptr<JwtdProcess> jwtd;
  RotateIntoFault(
      data_dir, config, [&] { return (*disk)->Fill(); },
      "No space left on device", &jwtd, &tokens);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_THAT((*disk)->Unfill(), IsOk());
  jwtd->Kill();
  RestartAndRotateOn(data_dir, config, tokens);
}

// The data directory turns read-only while the keys rotate: the rotation
// fails with a clear log line, jwtd keeps signing with its current key and
// stops cleanly. Once the filesystem is repaired, a restarted jwtd finds
// every key and rotates on.
TEST(StorageFaultsE2eTest, ReadOnlyDuringRotationKeepsSigning) {
  absl::StatusOr<std::unique_ptr<ScratchMount>> disk =
      ScratchMount::Ext4(kExt4Bytes);
  if (absl::IsFailedPrecondition(disk.status())) {
    GTEST_SKIP() << disk.status().message();
  }
  ASSERT_THAT(disk, IsOk());
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create("jwtd-e2e-faults"));
  ASSERT_OK_AND_ASSIGN(const std::string config,
                       WriteRotatingConfig(dir, "2s", "1s"));
  const std::string data_dir = (*disk)->path() + "/data";
  std::vector<v1::IssueResponse> tokens;
  std::unique_ptr<JwtdProcess> jwtd;
  RotateIntoFault(
      data_dir, config, [&] { return (*disk)->TriggerError(); },
      "Read-only file system", &jwtd, &tokens);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_THAT(jwtd->Stop(), IsOk());
  ASSERT_THAT((*disk)->Repair(), IsOk());
  RestartAndRotateOn(data_dir, config, tokens);
}

// ------------------------------------------------------------- SIGKILL

// Threads revoke distinct jtis as fast as jwtd acknowledges them; jwtd is
// SIGKILLed after a random number of acknowledgements. The database it
// leaves is sound and holds every acknowledged jti, and the restarted jwtd
// rejects every such token. A few rounds on one data directory.
TEST(StorageFaultsE2eTest, SigkillDuringRevocationsLosesNoAcknowledgedOne) {
  constexpr int kRounds = 3;
  constexpr int kThreads = 4;
  constexpr int kTokensPerThread = 100;
  const unsigned seed = std::random_device()();
  std::mt19937 random(seed);
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create("jwtd-e2e-faults"));
  const std::string data_dir = dir.Join("data");
  std::vector<v1::IssueResponse> acknowledged;  // Every round's.
  std::vector<v1::IssueResponse> never_sent;

  for (int round = 0; round <= kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    ASSERT_OK_AND_ASSIGN(auto jwtd, JwtdProcess::Start({.data_dir = data_dir}));
    ASSERT_OK_AND_ASSIGN(
        auto admin, Client::Connect({.address = jwtd->privileged_address()}));
    ASSERT_OK_AND_ASSIGN(auto client,
                         Client::Connect({.address = jwtd->address()}));
    // After each crash: everything acknowledged so far is revoked.
    ASSERT_OK_AND_ASSIGN(
        const int lost,
        CountOtherVerdicts(*client, acknowledged, "REASON_REVOKED"));
    EXPECT_EQ(lost, 0) << "of " << acknowledged.size();
    ASSERT_OK_AND_ASSIGN(const int revoked_unasked,
                         CountOtherVerdicts(*client, never_sent, "valid"));
    EXPECT_EQ(revoked_unasked, 0) << "of " << never_sent.size();
    if (round == kRounds) {
      client.reset();
      admin.reset();
      EXPECT_THAT(jwtd->Stop(), IsOk());
      break;
    }

    std::vector<std::vector<v1::IssueResponse>> batches(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      for (int i = 0; i < kTokensPerThread; ++i) {
        ASSERT_OK_AND_ASSIGN(v1::IssueResponse issued,
                             admin->Issue(IssueFor(absl::StrCat(
                                 "user-", round, "-", t, "-", i))));
        batches[t].push_back(issued);
      }
    }
    const int kill_after = std::uniform_int_distribution<int>(
        20, kThreads * kTokensPerThread / 2)(random);
    std::atomic<int> acks{0};
    std::mutex mu;
    std::vector<absl::Status> failures;
    std::vector<v1::IssueResponse> round_acknowledged;
    std::vector<std::thread> workers;
    for (int t = 0; t < kThreads; ++t) {
      workers.emplace_back([&, t] {
        for (size_t i = 0; i < batches[t].size(); ++i) {
          const absl::Status revoked = RevokeJti(*admin, batches[t][i]);
          std::lock_guard<std::mutex> lock(mu);
          if (!revoked.ok()) {
            failures.push_back(revoked);
            // This one may or may not have been stored; the rest was never
            // sent.
            never_sent.insert(never_sent.end(), batches[t].begin() + i + 1,
                              batches[t].end());
            return;
          }
          round_acknowledged.push_back(batches[t][i]);
          ++acks;
        }
      });
    }
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (acks.load() < kill_after && absl::Now() < deadline) {
      absl::SleepFor(absl::Microseconds(200));
    }
    EXPECT_GE(acks.load(), kill_after) << "revocations stalled";
    jwtd->Kill();
    for (std::thread& worker : workers) worker.join();
    // A call cut off by the crash fails as "retry", never as done.
    for (const absl::Status& failure : failures) {
      EXPECT_THAT(failure, StatusIs(kUnavailable));
    }

    // The files as the crash left them.
    ASSERT_OK_AND_ASSIGN(StoredRevocations stored, ReadRevocations(data_dir));
    EXPECT_EQ(stored.integrity, "ok");
    int missing = 0;
    for (const v1::IssueResponse& issued : round_acknowledged) {
      missing += stored.jtis.count(issued.jti()) == 0;
    }
    EXPECT_EQ(missing, 0) << "of " << round_acknowledged.size();
    std::printf(
        "round %d: killed after %zu acknowledged revocations (%zu rows in "
        "the database)\n",
        round, round_acknowledged.size(), stored.jtis.size());
    acknowledged.insert(acknowledged.end(), round_acknowledged.begin(),
                        round_acknowledged.end());
  }
}

// Keys rotate every second while a client issues tokens; jwtd is SIGKILLed
// a random few milliseconds into a rotation (it writes a key file and the
// state, each with fsyncs, about a second after the previous rotation
// ended). After each kill jwtd starts, every token it acknowledged still
// validates, and keys/ holds exactly the keys the state names (leftovers
// of a cut-short rotation are removed).
TEST(StorageFaultsE2eTest, SigkillDuringRotationLosesNoKey) {
  constexpr int kRounds = 4;
  const unsigned seed = std::random_device()();
  std::mt19937 random(seed);
  SCOPED_TRACE(absl::StrCat("seed ", seed));
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create("jwtd-e2e-faults"));
  ASSERT_OK_AND_ASSIGN(const std::string config,
                       WriteRotatingConfig(dir, "1s", "0s"));
  const std::string data_dir = dir.Join("data");
  std::vector<v1::IssueResponse> acknowledged;
  int cut_short = 0;  // Kills that left an unfinished rotation behind.

  for (int round = 0; round <= kRounds; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    ASSERT_OK_AND_ASSIGN(
        auto jwtd,
        JwtdProcess::Start({.data_dir = data_dir, .config_file = config}));
    ASSERT_OK_AND_ASSIGN(
        auto admin, Client::Connect({.address = jwtd->privileged_address()}));
    ASSERT_OK_AND_ASSIGN(auto client,
                         Client::Connect({.address = jwtd->address()}));
    ASSERT_OK_AND_ASSIGN(const int rejected,
                         CountOtherVerdicts(*client, acknowledged, "valid"));
    EXPECT_EQ(rejected, 0) << "of " << acknowledged.size();
    ExpectTidyKeysDirSoon(data_dir);
    if (round == kRounds) {
      client.reset();
      admin.reset();
      EXPECT_THAT(jwtd->Stop(), IsOk());
      break;
    }

    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<v1::IssueResponse> round_acknowledged;
    std::thread issuer([&] {
      for (int i = 0; !stop.load(); ++i) {
        absl::StatusOr<v1::IssueResponse> issued =
            admin->Issue(IssueFor(absl::StrCat("user-", round, "-", i)));
        if (!issued.ok()) return;  // The kill.
        {
          std::lock_guard<std::mutex> lock(mu);
          round_acknowledged.push_back(*issued);
        }
        absl::SleepFor(absl::Milliseconds(2));
      }
    });
    // The next rotation's line is logged once it is durable; the one after
    // begins about a second later (the ring waits at least 1 s).
    const size_t seen = LinesWithMsg(*jwtd, kCreated).size();
    absl::StatusOr<google::protobuf::Struct> rotation =
        WaitForLine(*jwtd, kCreated, seen, absl::Seconds(5));
    absl::Time rotated;
    std::string error;
    const bool parsed =
        rotation.ok() &&
        absl::ParseTime(absl::RFC3339_full, StringMember(*rotation, "time"),
                        &rotated, &error);
    if (parsed) {
      const absl::Duration into =
          absl::Milliseconds(std::uniform_int_distribution<int>(0, 25)(random));
      absl::SleepFor(rotated + absl::Seconds(1) + into - absl::Now());
    }
    jwtd->Kill();
    stop = true;
    issuer.join();
    ASSERT_THAT(rotation, IsOk());
    ASSERT_TRUE(parsed) << error;
    ASSERT_OK_AND_ASSIGN(KeysDir keys, ReadKeysDir(data_dir));
    EXPECT_THAT(keys.torn, IsEmpty());
    cut_short += keys.files != keys.named;
    std::printf("round %d: %zu tokens acknowledged%s\n", round,
                round_acknowledged.size(),
                keys.files != keys.named ? ", a rotation cut short" : "");
    EXPECT_THAT(round_acknowledged, Not(IsEmpty()));
    acknowledged.insert(acknowledged.end(), round_acknowledged.begin(),
                        round_acknowledged.end());
  }
  std::set<std::string> kids;
  for (const v1::IssueResponse& issued : acknowledged)
    kids.insert(issued.kid());
  std::printf("%zu tokens from %zu keys; %d of %d kills cut a rotation short\n",
              acknowledged.size(), kids.size(), cut_short, kRounds);
  // It did rotate under load: more than one key per round.
  EXPECT_GT(kids.size(), static_cast<size_t>(kRounds));
}

}  // namespace
}  // namespace jwtd::e2e
