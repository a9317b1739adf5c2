#ifndef JWTD_BENCH_LOAD_LATENCY_HISTOGRAM_H_
#define JWTD_BENCH_LOAD_LATENCY_HISTOGRAM_H_

#include <cstdint>
#include <vector>

namespace jwtd::bench {

// Latencies in nanoseconds, in log-linear buckets (HdrHistogram's layout):
// exact below 512 ns, above that 256 buckets per power of two, so that a
// reported percentile is within 0.2% of the true value. Fixed size (about
// 90 KB), no allocation while recording. Not thread-safe: one per thread,
// merged at the end.
class LatencyHistogram {
 public:
  LatencyHistogram();

  // Values above about 18 minutes are recorded as that.
  void Record(int64_t nanos);
  void Merge(const LatencyHistogram& other);

  int64_t count() const { return count_; }
  // 0 when empty.
  int64_t min() const { return count_ == 0 ? 0 : min_; }
  int64_t max() const { return max_; }
  double mean() const;
  // The value at quantile q in [0, 1] (the midpoint of its bucket, clamped
  // to [min, max]); 0 when empty.
  int64_t Percentile(double q) const;

 private:
  std::vector<int64_t> buckets_;
  int64_t count_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace jwtd::bench

#endif  // JWTD_BENCH_LOAD_LATENCY_HISTOGRAM_H_
