// Client behaviour that needs no jwtd: argument checks and the mapping of
// failures to absl::Status. The calls against a real jwtd are in
// tests/e2e/client_e2e_test.cc.

#include "client/client.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace jwtd {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::StatusIs;
using ::testing::HasSubstr;

// Nothing listens on port 1 of the loopback interface, so connecting is
// refused at once.
constexpr char kNobodyListens[] = "127.0.0.1:1";

TEST(ClientTest, ConnectRejectsBadAddress) {
  EXPECT_THAT(Client::Connect({.address = ""}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Client::Connect({.address = "unix:relative"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ClientTest, ConnectRejectsBadTimeout) {
  EXPECT_THAT(
      Client::Connect(
          {.address = kNobodyListens, .timeout = absl::ZeroDuration()}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("timeout")));
  EXPECT_THAT(Client::Connect({.address = kNobodyListens,
                               .timeout = absl::InfiniteDuration()}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ClientTest, ConnectDoesNotDialYet) {
  EXPECT_THAT(Client::Connect({.address = kNobodyListens}), IsOk());
}

TEST(ClientTest, UnreachableServerIsUnavailable) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client,
                       Client::Connect({.address = kNobodyListens}));
  v1::ValidateRequest request;
  request.set_token("a.b.c");
  EXPECT_THAT(client->Validate(request),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST(ClientTest, WaitForReadyTimesOut) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client,
                       Client::Connect({.address = kNobodyListens}));
  EXPECT_THAT(client->WaitForReady(absl::Milliseconds(100)),
              StatusIs(absl::StatusCode::kDeadlineExceeded));
}

TEST(ClientTest, NonUtf8RequestFailsBeforeSending) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Client> client,
                       Client::Connect({.address = kNobodyListens}));
  v1::ValidateRequest request;
  request.set_token("a.b.\xFF");
  // INVALID_ARGUMENT, not UNAVAILABLE: the call was never made.
  EXPECT_THAT(client->Validate(request),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not valid UTF-8")));
}

}  // namespace
}  // namespace jwtd
