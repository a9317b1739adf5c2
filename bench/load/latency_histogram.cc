#include "bench/load/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace jwtd::bench {
namespace {

// Values below 2^kSubBits get a bucket each; above, every power of two is
// split into 2^(kSubBits-1) buckets.
constexpr int kSubBits = 9;
constexpr int64_t kLinear = int64_t{1} << kSubBits;  // 512
constexpr int64_t kHalf = kLinear / 2;               // 256
constexpr int kMaxBits = 40;                         // ~1100 s in ns
constexpr int64_t kMaxValue = (int64_t{1} << kMaxBits) - 1;
constexpr size_t kBuckets = kLinear + (kMaxBits - kSubBits) * kHalf;

size_t BucketOf(int64_t v) {
  if (v < kLinear) return static_cast<size_t>(v);
  const int msb = std::bit_width(static_cast<uint64_t>(v)) - 1;  // >= 9
  const int shift = msb - (kSubBits - 1);                        // >= 1
  const int64_t mantissa = v >> shift;  // in [kHalf, kLinear)
  return static_cast<size_t>(kLinear + (shift - 1) * kHalf +
                             (mantissa - kHalf));
}

// The midpoint of a bucket.
int64_t ValueOf(size_t bucket) {
  if (bucket < static_cast<size_t>(kLinear))
    return static_cast<int64_t>(bucket);
  const int64_t above = static_cast<int64_t>(bucket) - kLinear;
  const int shift = static_cast<int>(above / kHalf) + 1;
  const int64_t mantissa = kHalf + above % kHalf;
  return (mantissa << shift) + (int64_t{1} << (shift - 1));
}

}  // namespace

LatencyHistogram::LatencyHistogram() : buckets_(kBuckets, 0) {}

void LatencyHistogram::Record(int64_t nanos) {
  const int64_t v = std::clamp<int64_t>(nanos, 0, kMaxValue);
  ++buckets_[BucketOf(v)];
  if (count_ == 0 || v < min_) min_ = v;
  max_ = std::max(max_, v);
  sum_ += static_cast<double>(v);
  ++count_;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
  count_ += other.count_;
}

double LatencyHistogram::mean() const {
  return count_ == 0 ? 0 : sum_ / static_cast<double>(count_);
}

int64_t LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  // The smallest value with at least ceil(q * count) values at or below it.
  const int64_t rank = std::max<int64_t>(
      1, static_cast<int64_t>(std::ceil(q * static_cast<double>(count_))));
  int64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::clamp(ValueOf(i), min_, max_);
  }
  return max_;
}

}  // namespace jwtd::bench
