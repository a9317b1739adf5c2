#include "server/revocation/revocation_input.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/revocation/revocation_store.h"
#include "tests/support/status_matchers.h"

namespace jwtd::revocation {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kNow = absl::FromUnixSeconds(1700000000);
const absl::Time kLater = kNow + absl::Hours(1);

TEST(CheckRevocationInputTest, AcceptsJtisUpToTheLimit) {
  EXPECT_THAT(CheckRevocationInput("j", kLater, kNow), IsOk());
  EXPECT_THAT(
      CheckRevocationInput(std::string(kMaxJtiBytes, 'j'), kLater, kNow),
      IsOk());
  EXPECT_THAT(CheckRevocationInput("\xE2\x82\xAC", kLater, kNow), IsOk());
}

TEST(CheckRevocationInputTest, RefusesBadJtis) {
  EXPECT_THAT(CheckRevocationInput("", kLater, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(
      CheckRevocationInput(std::string(kMaxJtiBytes + 1, 'j'), kLater, kNow),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("257 bytes")));
  EXPECT_THAT(CheckRevocationInput("\xE2\x82", kLater, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-8")));
}

TEST(CheckRevocationInputTest, RefusesUntilNotAfterNow) {
  EXPECT_THAT(CheckRevocationInput("j", kNow + absl::Nanoseconds(1), kNow),
              IsOk());
  EXPECT_THAT(CheckRevocationInput("j", absl::InfiniteFuture(), kNow), IsOk());
  // Equal to now: the entry would never read as revoked.
  EXPECT_THAT(CheckRevocationInput("j", kNow, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not in the future")));
  EXPECT_THAT(CheckRevocationInput("j", kNow - absl::Seconds(1), kNow),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckRevocationInput("j", absl::InfinitePast(), kNow),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CheckRevocationInputTest, MessagesDoNotQuoteTheJti) {
  const std::string jti(kMaxJtiBytes + 1, 'Q');
  const absl::Status status = CheckRevocationInput(jti, kLater, kNow);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               Not(HasSubstr("QQQQ"))));
  EXPECT_THAT(
      CheckRevocationInput("QQQQ\xFF", kLater, kNow),
      StatusIs(absl::StatusCode::kInvalidArgument, Not(HasSubstr("QQQQ"))));
}

}  // namespace
}  // namespace jwtd::revocation
