// File: sim/histogram.h
// -----------------------------------------------------------------------------
//
// A streaming latency histogram: constant memory whatever the number of
// samples, quantiles within 1 % of the exact order statistic. Bucket i holds
// the samples in [kLowest x g^i, kLowest x g^(i+1)), g = 1.01 (so a bucket's
// geometric middle is within 0.5 % of any value in it); samples below
// kLowest (1 ns) count in bucket 0, above the last bucket (~10^4 s) in the
// last. The mean, minimum and maximum are exact.
//
//   Histogram h;
//   h.Add(Milliseconds(10));
//   h.Add(Milliseconds(20), 3);          // three samples of 20 ms
//   h.count()                            // == 4
//   h.Mean()                             // == 17.5 ms
//   h.Quantile(0.5)                      // ~= 20 ms (within 1 %)
//   h.Max()                              // == 20 ms, exactly

#ifndef SIM_HISTOGRAM_H_
#define SIM_HISTOGRAM_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "perfmodel/perfmodel.h"

namespace perfmodel::sim {

class Histogram final {
 public:
  static constexpr double kLowestSeconds = 1e-9;
  static constexpr double kGrowth = 1.01;
  // ln(1e4 s / 1 ns) / ln(1.01): buckets up to ~10^4 s.
  static constexpr std::size_t kBuckets = 3010;

  // Add() counts `weight` samples of `d` (negative durations count as zero).
  void Add(Duration d, int64_t weight = 1) {
    if (weight <= 0) return;
    const double s = std::max(ToSeconds(d), 0.0);
    buckets_[Index(s)] += weight;
    count_ += weight;
    sum_ += s * static_cast<double>(weight);
    min_ = std::min(min_, s);
    max_ = std::max(max_, s);
  }

  int64_t count() const { return count_; }
  Duration Mean() const { return Seconds(count_ > 0 ? sum_ / static_cast<double>(count_) : 0.0); }
  Duration Min() const { return Seconds(count_ > 0 ? min_ : 0.0); }
  Duration Max() const { return Seconds(count_ > 0 ? max_ : 0.0); }

  // Quantile() is the q-th quantile (q in [0, 1]): the geometric middle of
  // the bucket holding the ceil(q x count)-th sample, clamped to the exact
  // minimum and maximum. Zero when empty.
  Duration Quantile(double q) const {
    if (count_ == 0) return Duration::Zero();
    const double rank = std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_));
    const int64_t target = std::max<int64_t>(1, static_cast<int64_t>(rank));
    int64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      seen += buckets_[i];
      if (seen >= target) return Seconds(std::clamp(Middle(i), min_, max_));
    }
    return Seconds(max_);
  }

  // Cdf() is the distribution as (seconds, share of samples at or below)
  // points, one per non-empty bucket (its upper edge, the last at the
  // maximum): for plotting.
  std::vector<std::pair<double, double>> Cdf() const {
    std::vector<std::pair<double, double>> points;
    if (count_ == 0) return points;
    int64_t seen = 0;
    for (std::size_t i = 0; i < kBuckets; ++i) {
      if (buckets_[i] == 0) continue;
      seen += buckets_[i];
      const double edge = std::clamp(Lower(i + 1), min_, max_);
      points.emplace_back(edge, static_cast<double>(seen) / static_cast<double>(count_));
    }
    return points;
  }

 private:
  static std::size_t Index(double s) {
    if (!(s > kLowestSeconds)) return 0;
    const double i = std::log(s / kLowestSeconds) / std::log(kGrowth);
    return i >= static_cast<double>(kBuckets - 1) ? kBuckets - 1 : static_cast<std::size_t>(i);
  }
  static double Lower(std::size_t i) {
    return kLowestSeconds * std::pow(kGrowth, static_cast<double>(i));
  }
  static double Middle(std::size_t i) { return Lower(i) * std::sqrt(kGrowth); }

  std::array<int64_t, kBuckets> buckets_{};
  int64_t count_ = 0;
  double sum_ = 0.0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = 0.0;
};

}  // namespace perfmodel::sim

#endif  // SIM_HISTOGRAM_H_
