#include "server/keyring/key_schedule.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace jwtd::keyring::internal {
namespace {

using ::jwtd::testing::IsOk;
using ::jwtd::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;

const absl::Time kT0 = absl::FromUnixSeconds(1700000000);
constexpr absl::Duration kDay = absl::Hours(24);

// Period 10 days, published 1 day ahead, kept 2 days after retirement.
ScheduleOptions Options() {
  return {.rotation_period = 10 * kDay,
          .publish_ahead = kDay,
          .retain_after_retirement = 2 * kDay};
}

std::vector<std::string> Kids(const std::vector<ScheduledKey>& keys) {
  std::vector<std::string> kids;
  for (const ScheduledKey& key : keys) kids.push_back(key.kid);
  return kids;
}

TEST(ValidateScheduleOptionsTest, AcceptsSaneOptions) {
  EXPECT_THAT(ValidateScheduleOptions(Options()), IsOk());
  // No rotation: publish_ahead is unused, even when longer.
  EXPECT_THAT(ValidateScheduleOptions({.rotation_period = absl::ZeroDuration(),
                                       .publish_ahead = kDay,
                                       .retain_after_retirement = kDay}),
              IsOk());
  EXPECT_THAT(ValidateScheduleOptions(
                  {.rotation_period = absl::Seconds(1),
                   .publish_ahead = absl::ZeroDuration(),
                   .retain_after_retirement = absl::ZeroDuration()}),
              IsOk());
}

TEST(ValidateScheduleOptionsTest, RefusesBadOptions) {
  const ScheduleOptions bad[] = {
      {.rotation_period = kDay, .publish_ahead = kDay},
      {.rotation_period = kDay, .publish_ahead = 2 * kDay},
      {.rotation_period = kDay, .publish_ahead = -absl::Seconds(1)},
      {.rotation_period = -kDay},
      {.rotation_period = absl::Milliseconds(500)},
      {.rotation_period = absl::InfiniteDuration()},
      {.rotation_period = kDay, .retain_after_retirement = -absl::Seconds(1)},
      {.rotation_period = kDay,
       .retain_after_retirement = absl::InfiniteDuration()},
  };
  for (const ScheduleOptions& options : bad) {
    EXPECT_THAT(ValidateScheduleOptions(options),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << options.rotation_period << " " << options.publish_ahead << " "
        << options.retain_after_retirement;
  }
}

TEST(ActiveIndexTest, LatestActivationNotAfterNow) {
  std::vector<ScheduledKey> keys = {
      {"a", kT0}, {"b", kT0 + 10 * kDay}, {"c", kT0 + 20 * kDay}};
  EXPECT_EQ(ActiveIndex(keys, kT0), 0u);
  EXPECT_EQ(ActiveIndex(keys, kT0 + 10 * kDay - absl::Seconds(1)), 0u);
  EXPECT_EQ(ActiveIndex(keys, kT0 + 10 * kDay), 1u);
  EXPECT_EQ(ActiveIndex(keys, kT0 + 100 * kDay), 2u);
  // The clock went back before every activation: the oldest key signs.
  EXPECT_EQ(ActiveIndex(keys, kT0 - kDay), 0u);
}

TEST(SortByActivationTest, ByTimeThenKid) {
  std::vector<ScheduledKey> keys = {{"z", kT0 + kDay}, {"b", kT0}, {"a", kT0}};
  SortByActivation(&keys);
  EXPECT_THAT(Kids(keys), ElementsAre("a", "b", "z"));
}

TEST(DueKeyActivationTest, DuePublishAheadBeforeTheEndOfThePeriod) {
  std::vector<ScheduledKey> keys = {{"a", kT0}};
  EXPECT_EQ(DueKeyActivation(keys, kT0, Options()), std::nullopt);
  EXPECT_EQ(
      DueKeyActivation(keys, kT0 + 9 * kDay - absl::Seconds(1), Options()),
      std::nullopt);
  EXPECT_THAT(DueKeyActivation(keys, kT0 + 9 * kDay, Options()),
              Optional(kT0 + 10 * kDay));
  EXPECT_THAT(
      DueKeyActivation(keys, kT0 + 10 * kDay - absl::Seconds(1), Options()),
      Optional(kT0 + 10 * kDay));
}

TEST(DueKeyActivationTest, NotWhileANextKeyWaits) {
  std::vector<ScheduledKey> keys = {{"a", kT0}, {"b", kT0 + 10 * kDay}};
  EXPECT_EQ(DueKeyActivation(keys, kT0 + 9 * kDay, Options()), std::nullopt);
  EXPECT_EQ(
      DueKeyActivation(keys, kT0 + 10 * kDay - absl::Seconds(1), Options()),
      std::nullopt);
  // Once b signs, b's own period counts.
  EXPECT_EQ(DueKeyActivation(keys, kT0 + 10 * kDay, Options()), std::nullopt);
  EXPECT_THAT(DueKeyActivation(keys, kT0 + 19 * kDay, Options()),
              Optional(kT0 + 20 * kDay));
}

TEST(DueKeyActivationTest, CatchUpActivatesNow) {
  // Down for 35 days: the new key signs at once, not at a past instant.
  std::vector<ScheduledKey> keys = {{"a", kT0}};
  EXPECT_THAT(DueKeyActivation(keys, kT0 + 35 * kDay, Options()),
              Optional(kT0 + 35 * kDay));
}

TEST(DueKeyActivationTest, NeverWithoutRotation) {
  ScheduleOptions options = Options();
  options.rotation_period = absl::ZeroDuration();
  std::vector<ScheduledKey> keys = {{"a", kT0}};
  EXPECT_EQ(DueKeyActivation(keys, kT0 + 1000 * kDay, options), std::nullopt);
  EXPECT_EQ(DueKeyActivation({}, kT0, Options()), std::nullopt);
}

TEST(SettleTest, RetiresAtTheSuccessorsActivation) {
  SettledKeys settled =
      Settle({{"b", kT0 + 10 * kDay}, {"a", kT0}}, kT0 + 10 * kDay, Options());
  ASSERT_THAT(Kids(settled.keys), ElementsAre("a", "b"));
  EXPECT_EQ(settled.active, 1u);
  EXPECT_THAT(settled.keys[0].retired_at, Optional(kT0 + 10 * kDay));
  EXPECT_EQ(settled.keys[1].retired_at, std::nullopt);
  EXPECT_THAT(settled.dropped, IsEmpty());
}

TEST(SettleTest, UpcomingKeyIsNotRetiredAndActiveStays) {
  SettledKeys settled =
      Settle({{"a", kT0}, {"b", kT0 + 10 * kDay}}, kT0 + 9 * kDay, Options());
  EXPECT_EQ(settled.active, 0u);
  EXPECT_EQ(settled.keys[0].retired_at, std::nullopt);
  EXPECT_EQ(settled.keys[1].retired_at, std::nullopt);
}

TEST(SettleTest, KeepsARecordedRetirement) {
  SettledKeys settled =
      Settle({{"a", kT0, kT0 + 11 * kDay}, {"b", kT0 + 10 * kDay}},
             kT0 + 12 * kDay, Options());
  EXPECT_THAT(settled.keys[0].retired_at, Optional(kT0 + 11 * kDay));
}

TEST(SettleTest, DropsExactlyWhenRetentionEnds) {
  const std::vector<ScheduledKey> keys = {{"a", kT0}, {"b", kT0 + 10 * kDay}};
  SettledKeys before =
      Settle(keys, kT0 + 12 * kDay - absl::Seconds(1), Options());
  EXPECT_THAT(Kids(before.keys), ElementsAre("a", "b"));
  EXPECT_THAT(before.dropped, IsEmpty());

  SettledKeys after = Settle(keys, kT0 + 12 * kDay, Options());
  EXPECT_THAT(Kids(after.keys), ElementsAre("b"));
  EXPECT_EQ(after.active, 0u);
  EXPECT_THAT(after.dropped, ElementsAre("a"));
}

TEST(SettleTest, NeverDropsTheActiveOrUpcomingKey) {
  ScheduleOptions options = Options();
  options.retain_after_retirement = absl::ZeroDuration();
  // Stale retired_at values (e.g. written before the clock went back) do
  // not drop keys that sign or will sign.
  SettledKeys settled = Settle({{"a", kT0, kT0}, {"b", kT0 + 10 * kDay, kT0}},
                               kT0 + kDay, options);
  EXPECT_THAT(Kids(settled.keys), ElementsAre("a", "b"));
  EXPECT_EQ(settled.active, 0u);
  EXPECT_THAT(settled.dropped, IsEmpty());

  // Zero retention: the predecessor goes the moment the successor signs.
  settled =
      Settle({{"a", kT0}, {"b", kT0 + 10 * kDay}}, kT0 + 10 * kDay, options);
  EXPECT_THAT(Kids(settled.keys), ElementsAre("b"));
  EXPECT_THAT(settled.dropped, ElementsAre("a"));
}

TEST(NextChangeTest, EachKindOfChange) {
  // Only a, mid-period: the next key is created at 9 days.
  SettledKeys settled = Settle({{"a", kT0}}, kT0 + kDay, Options());
  EXPECT_EQ(NextChange(settled, kT0 + kDay, Options()), kT0 + 9 * kDay);
  EXPECT_EQ(ActiveUntil(settled, Options()), kT0 + 10 * kDay);

  // b waits: its activation.
  settled =
      Settle({{"a", kT0}, {"b", kT0 + 10 * kDay}}, kT0 + 9 * kDay, Options());
  EXPECT_EQ(NextChange(settled, kT0 + 9 * kDay, Options()), kT0 + 10 * kDay);
  EXPECT_EQ(ActiveUntil(settled, Options()), kT0 + 10 * kDay);

  // b signs, a retained: a is dropped at 12 days, before b's creation time.
  settled =
      Settle({{"a", kT0}, {"b", kT0 + 10 * kDay}}, kT0 + 10 * kDay, Options());
  EXPECT_EQ(NextChange(settled, kT0 + 10 * kDay, Options()), kT0 + 12 * kDay);
  EXPECT_EQ(ActiveUntil(settled, Options()), kT0 + 20 * kDay);

  // A creation already due is due now.
  settled = Settle({{"a", kT0}}, kT0 + 30 * kDay, Options());
  EXPECT_EQ(NextChange(settled, kT0 + 30 * kDay, Options()), kT0 + 30 * kDay);
}

TEST(NextChangeTest, NothingWithoutRotation) {
  ScheduleOptions options = Options();
  options.rotation_period = absl::ZeroDuration();
  SettledKeys settled = Settle({{"a", kT0}}, kT0, options);
  EXPECT_EQ(NextChange(settled, kT0, options), absl::InfiniteFuture());
  EXPECT_EQ(ActiveUntil(settled, options), absl::InfiniteFuture());
}

// Walking the schedule forward, as Tick does, at every hour for 60 days:
// one key signs, at most one waits, and every key is published between its
// creation and retention's end.
TEST(ScheduleWalkTest, InvariantsHoldAtEveryStep) {
  const ScheduleOptions options = Options();
  std::vector<ScheduledKey> keys = {{"k0", kT0}};
  int created = 1;
  for (absl::Time now = kT0; now < kT0 + 60 * kDay; now += absl::Hours(1)) {
    SortByActivation(&keys);
    if (std::optional<absl::Time> activates =
            DueKeyActivation(keys, now, options)) {
      EXPECT_EQ(*activates - now, options.publish_ahead);
      keys.push_back({"k" + std::to_string(created++), *activates});
    }
    SettledKeys settled = Settle(keys, now, options);
    keys = settled.keys;
    int waiting = 0;
    for (const ScheduledKey& key : keys) waiting += key.activates > now;
    EXPECT_LE(waiting, 1);
    EXPECT_LE(keys[settled.active].activates, now);
    EXPECT_LE(keys.size(), 2u);
    EXPECT_GT(NextChange(settled, now, options), now);
  }
  EXPECT_EQ(created, 7);  // k0, then one key at 9, 19, ..., 59 days.
}

}  // namespace
}  // namespace jwtd::keyring::internal
