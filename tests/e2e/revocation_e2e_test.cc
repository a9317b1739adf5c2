// Revocations through the real jwtd: acknowledged revocations survive a
// crash (SIGKILL right after the last OK), and a restarted jwtd rejects
// every revoked token while still accepting the others.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/client.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "jwtd/v1/token_service.pb.h"
#include "tests/e2e/jwtd_process.h"
#include "tests/e2e/temp_dir.h"
#include "tests/e2e/verdicts.h"
#include "tests/support/status_matchers.h"

namespace jwtd::e2e {
namespace {

using ::jwtd::testing::IsOk;

constexpr int kRevocations = 50;

TEST(RevocationE2eTest, AcknowledgedRevocationsSurviveSigkill) {
  ASSERT_OK_AND_ASSIGN(TempDir dir, TempDir::Create());
  const std::string data_dir = dir.Join("data");
  std::vector<v1::IssueResponse> revoked;
  std::vector<v1::IssueResponse> kept;
  {
    ASSERT_OK_AND_ASSIGN(auto jwtd, JwtdProcess::Start({.data_dir = data_dir}));
    // Issue and Revoke: the privileged listener.
    ASSERT_OK_AND_ASSIGN(
        auto client, Client::Connect({.address = jwtd->privileged_address()}));
    for (int i = 0; i < kRevocations + 5; ++i) {
      v1::IssueRequest issue;
      issue.set_subject(absl::StrCat("user-", i));
      ASSERT_OK_AND_ASSIGN(v1::IssueResponse issued, client->Issue(issue));
      (i < kRevocations ? revoked : kept).push_back(issued);
    }
    for (const v1::IssueResponse& issued : revoked) {
      v1::RevokeRequest request;
      request.set_token(issued.token());
      ASSERT_OK_AND_ASSIGN(v1::RevokeResponse response,
                           client->Revoke(request));
      EXPECT_EQ(response.jti(), issued.jti());
    }
    // A crash right after the last acknowledgement: nothing may be lost.
    client.reset();
    jwtd->Kill();
  }

  ASSERT_OK_AND_ASSIGN(auto restarted,
                       JwtdProcess::Start({.data_dir = data_dir}));
  ASSERT_OK_AND_ASSIGN(auto client,
                       Client::Connect({.address = restarted->address()}));
  for (const v1::IssueResponse& issued : revoked) {
    ASSERT_OK_AND_ASSIGN(v1::ValidateResponse verdict,
                         ValidateToken(*client, issued.token()));
    EXPECT_FALSE(verdict.valid());
    EXPECT_EQ(verdict.reason(), v1::REASON_REVOKED) << issued.jti();
  }
  for (const v1::IssueResponse& issued : kept) {
    ASSERT_OK_AND_ASSIGN(v1::ValidateResponse verdict,
                         ValidateToken(*client, issued.token()));
    EXPECT_TRUE(verdict.valid()) << verdict.detail();
  }
  client.reset();
  EXPECT_THAT(restarted->Stop(), IsOk());
}

}  // namespace
}  // namespace jwtd::e2e
