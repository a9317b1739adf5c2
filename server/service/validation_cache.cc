#include "server/service/validation_cache.h"

#include <mutex>
#include <shared_mutex>
#include <utility>

#include "absl/hash/hash.h"

namespace jwtd::service {
namespace {

// Bookkeeping per entry beyond the token and payload bytes: map slot, deque
// slot, control blocks, the VerifiedJwt and its decoded claims (which take
// a few times the payload once built).
constexpr size_t kEntryOverhead = 512;
constexpr size_t kDecodedClaimsFactor = 4;

}  // namespace

ValidationCache::ValidationCache(size_t max_bytes)
    : max_bytes_(max_bytes),
      shard_budget_(max_bytes / kShards),
      shards_(kShards) {}

ValidationCache::Shard& ValidationCache::ShardFor(absl::string_view token) {
  return shards_[absl::HashOf(token) % kShards];
}

std::shared_ptr<const CachedVerification> ValidationCache::Find(
    absl::string_view token) {
  if (max_bytes_ == 0) return nullptr;
  Shard& shard = ShardFor(token);
  std::shared_ptr<const CachedVerification> found;
  {
    std::shared_lock lock(shard.mu);
    auto it = shard.entries.find(token);
    if (it != shard.entries.end()) found = it->second;
  }
  if (found == nullptr) return nullptr;
  if (!found->referenced.load(std::memory_order_relaxed)) {
    found->referenced.store(true, std::memory_order_relaxed);
  }
  return found;
}

void ValidationCache::RecordLookup(bool hit) {
  (hit ? hits_ : misses_).fetch_add(1, std::memory_order_relaxed);
}

void ValidationCache::Insert(absl::string_view token,
                             std::shared_ptr<CachedVerification> entry) {
  if (max_bytes_ == 0 || entry == nullptr) return;
  // The payload is at most the token's size: a bound for its decoded form.
  entry->cost = 2 * token.size() + kDecodedClaimsFactor * token.size() +
                entry->audience.size() + kEntryOverhead;
  if (entry->cost > shard_budget_) return;
  Shard& shard = ShardFor(token);
  std::lock_guard lock(shard.mu);
  auto [it, inserted] = shard.entries.try_emplace(std::string(token), entry);
  if (!inserted) {
    shard.bytes -= it->second->cost;
    it->second = entry;
  } else {
    shard.order.emplace_back(token);
  }
  shard.bytes += entry->cost;
  // CLOCK: the oldest entry goes unless it was used since the hand last
  // passed; then it gets one more round. Bounded: each entry is spared at
  // most once per pass.
  size_t spared = 0;
  while (shard.bytes > shard_budget_ && !shard.order.empty()) {
    std::string oldest = std::move(shard.order.front());
    shard.order.pop_front();
    auto victim = shard.entries.find(oldest);
    if (victim == shard.entries.end()) continue;
    if (victim->second->referenced.load(std::memory_order_relaxed) &&
        spared < shard.order.size() + 1) {
      victim->second->referenced.store(false, std::memory_order_relaxed);
      shard.order.push_back(std::move(oldest));
      ++spared;
      continue;
    }
    shard.bytes -= victim->second->cost;
    shard.entries.erase(victim);
  }
}

void ValidationCache::Clear() {
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    shard.entries.clear();
    shard.order.clear();
    shard.bytes = 0;
  }
}

ValidationCacheStats ValidationCache::Stats() const {
  ValidationCacheStats stats;
  stats.hits = hits_.load(std::memory_order_relaxed);
  stats.misses = misses_.load(std::memory_order_relaxed);
  for (const Shard& shard : shards_) {
    std::shared_lock lock(shard.mu);
    stats.entries += shard.entries.size();
    stats.bytes += shard.bytes;
  }
  return stats;
}

}  // namespace jwtd::service
