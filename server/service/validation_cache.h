#ifndef JWTD_SERVER_SERVICE_VALIDATION_CACHE_H_
#define JWTD_SERVER_SERVICE_VALIDATION_CACHE_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/jose/key_set.h"
#include "server/jose/verified_jwt.h"

namespace jwtd::service {

// One successful verification, reusable while nothing it depended on has
// changed: the same token bytes and requested audience, the same key set
// snapshot of the same issuer, and the time claims still in bounds.
struct CachedVerification {
  std::shared_ptr<const jose::VerifiedJwt> jwt;
  // Index of the trusted issuer that verified it.
  size_t issuer = 0;
  // The key set it was verified with; a hit requires the issuer's current
  // snapshot to be this very one (a rotation or refresh drops the entry).
  std::weak_ptr<const jose::KeySet> keys;
  // The requested audience it was verified for ("" for none).
  std::string audience;
  // The time claims, re-checked on every hit.
  std::optional<absl::Time> expires_at;
  std::optional<absl::Time> not_before;
  std::optional<absl::Time> issued_at;
  // Approximate memory held by the entry, for the byte budget.
  size_t cost = 0;
  // Set on a hit; the eviction hand spares referenced entries once (CLOCK).
  mutable std::atomic<bool> referenced{false};
};

struct ValidationCacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

// A bounded, sharded map from exact token bytes to the verification that
// accepted them. It only ever holds accepted tokens: a rejection is never
// cached, so no token can stay rejected after it became valid. Lookups take
// a shard's reader lock only; inserts and eviction the writer lock.
// Thread-safe.
class ValidationCache {
 public:
  // `max_bytes`: the budget over all shards (0 disables the cache: Find
  // always misses, Insert does nothing).
  explicit ValidationCache(size_t max_bytes);

  // The entry for exactly `token`, or null. Not counted: the caller decides
  // whether the entry still holds and reports it with RecordLookup.
  std::shared_ptr<const CachedVerification> Find(absl::string_view token);

  // Counts one lookup as a hit (an entry was used) or a miss.
  void RecordLookup(bool hit);

  // Stores (or replaces) the entry for `token`, evicting old entries of the
  // shard to stay within budget. `entry->cost` is computed here.
  void Insert(absl::string_view token,
              std::shared_ptr<CachedVerification> entry);

  // Drops every entry (e.g. all key sets were replaced).
  void Clear();

  ValidationCacheStats Stats() const;
  bool enabled() const { return max_bytes_ > 0; }

 private:
  static constexpr size_t kShards = 16;

  struct Shard {
    // Not absl::Mutex: visible to ThreadSanitizer (docs/sanitizers.md).
    mutable std::shared_mutex mu;
    absl::flat_hash_map<std::string, std::shared_ptr<const CachedVerification>>
        entries ABSL_GUARDED_BY(mu);
    // Insertion order, for the CLOCK hand.
    std::deque<std::string> order ABSL_GUARDED_BY(mu);
    size_t bytes ABSL_GUARDED_BY(mu) = 0;
  };

  Shard& ShardFor(absl::string_view token);

  const size_t max_bytes_;
  const size_t shard_budget_;
  std::vector<Shard> shards_;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

}  // namespace jwtd::service

#endif  // JWTD_SERVER_SERVICE_VALIDATION_CACHE_H_
