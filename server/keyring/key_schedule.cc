#include "server/keyring/key_schedule.h"

#include <algorithm>
#include <utility>

namespace jwtd::keyring::internal {
namespace {

bool Finite(absl::Duration d) {
  return d != absl::InfiniteDuration() && d != -absl::InfiniteDuration();
}

bool Rotating(const ScheduleOptions& options) {
  return options.rotation_period > absl::ZeroDuration();
}

}  // namespace

absl::Status ValidateScheduleOptions(const ScheduleOptions& options) {
  if (!Finite(options.rotation_period) ||
      options.rotation_period < absl::ZeroDuration() ||
      (Rotating(options) && options.rotation_period < absl::Seconds(1))) {
    return absl::InvalidArgumentError(
        "rotation_period must be zero (no rotation) or a finite duration of "
        "at least 1s");
  }
  if (!Finite(options.publish_ahead) ||
      options.publish_ahead < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "publish_ahead must be a finite duration >= 0");
  }
  if (Rotating(options) && options.publish_ahead >= options.rotation_period) {
    return absl::InvalidArgumentError(
        "publish_ahead must be shorter than rotation_period");
  }
  if (!Finite(options.retain_after_retirement) ||
      options.retain_after_retirement < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "retain_after_retirement must be a finite duration >= 0");
  }
  return absl::OkStatus();
}

void SortByActivation(std::vector<ScheduledKey>* keys) {
  std::sort(keys->begin(), keys->end(),
            [](const ScheduledKey& a, const ScheduledKey& b) {
              if (a.activates != b.activates) return a.activates < b.activates;
              return a.kid < b.kid;
            });
}

size_t ActiveIndex(const std::vector<ScheduledKey>& keys, absl::Time now) {
  size_t active = 0;
  for (size_t i = 0; i < keys.size() && keys[i].activates <= now; ++i) {
    active = i;
  }
  return active;
}

std::optional<absl::Time> DueKeyActivation(
    const std::vector<ScheduledKey>& keys, absl::Time now,
    const ScheduleOptions& options) {
  if (!Rotating(options) || keys.empty()) return std::nullopt;
  const size_t active = ActiveIndex(keys, now);
  // A key waiting to activate is the next key already.
  if (keys.back().activates > now) return std::nullopt;
  const absl::Time end = keys[active].activates + options.rotation_period;
  if (now < end - options.publish_ahead) return std::nullopt;
  return std::max(end, now);
}

SettledKeys Settle(std::vector<ScheduledKey> keys, absl::Time now,
                   const ScheduleOptions& options) {
  SortByActivation(&keys);
  SettledKeys settled;
  const size_t active = ActiveIndex(keys, now);
  for (size_t i = 0; i < keys.size(); ++i) {
    ScheduledKey& key = keys[i];
    if (i < active) {
      // Superseded: it stopped signing when its successor started.
      if (!key.retired_at.has_value()) key.retired_at = keys[i + 1].activates;
      if (*key.retired_at + options.retain_after_retirement <= now) {
        settled.dropped.push_back(std::move(key.kid));
        continue;
      }
    }
    if (i == active) settled.active = settled.keys.size();
    settled.keys.push_back(std::move(key));
  }
  return settled;
}

absl::Time NextChange(const SettledKeys& settled, absl::Time now,
                      const ScheduleOptions& options) {
  absl::Time next = absl::InfiniteFuture();
  const std::vector<ScheduledKey>& keys = settled.keys;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].activates > now) next = std::min(next, keys[i].activates);
    if (i < settled.active && keys[i].retired_at.has_value()) {
      next =
          std::min(next, *keys[i].retired_at + options.retain_after_retirement);
    }
  }
  if (Rotating(options) && !keys.empty() && keys.back().activates <= now) {
    const absl::Time create = keys[settled.active].activates +
                              options.rotation_period - options.publish_ahead;
    next = std::min(next, std::max(create, now));
  }
  return next;
}

absl::Time ActiveUntil(const SettledKeys& settled,
                       const ScheduleOptions& options) {
  const std::vector<ScheduledKey>& keys = settled.keys;
  if (settled.active + 1 < keys.size()) {
    return keys[settled.active + 1].activates;
  }
  if (!Rotating(options)) return absl::InfiniteFuture();
  return keys[settled.active].activates + options.rotation_period;
}

}  // namespace jwtd::keyring::internal
