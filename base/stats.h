// File: base/stats.h
// -----------------------------------------------------------------------------
//
// The order statistics perfmodel's measurements use, written once: the median
// of repetitions (and of their absolute deviations, for a robust spread) and
// the q-th value of sorted errors. They take the values by value (they sort a
// copy) and work for double and for perfmodel's unit types (`Duration`): T
// needs `<`, `+` and division by a double.
//
//   Median(std::vector<double>{3, 1, 2})        // == 2
//   Median(std::vector<double>{4, 1, 3, 2})     // == 2.5 (the middle two's mean)
//   Quantile(std::vector<double>{4, 1, 3, 2}, 0.5)  // == 3 (index floor(0.5 x 4))
//   Quantile(std::vector<double>{4, 1, 3, 2}, 1.0)  // == 4 (clamped to the last)

#ifndef BASE_STATS_H_
#define BASE_STATS_H_

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

namespace perfmodel {

// Median() is the middle value of `values`, or the mean of the two middle
// values when there is an even number of them; T{} (zero) when empty.
template <typename T>
T Median(std::vector<T> values) {
  if (values.empty()) return T{};
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

// Quantile() is the value at index floor(q x n) of `values` sorted ascending,
// clamped to 0 .. n - 1 (q outside [0, 1] is clamped too): no interpolation,
// so for q = 0.5 and an even count it is the upper of the two middle values,
// not their mean (that is Median()). T{} (zero) when empty.
template <typename T>
T Quantile(std::vector<T> values, double q) {
  if (values.empty()) return T{};
  std::sort(values.begin(), values.end());
  const double at = std::floor(std::clamp(q, 0.0, 1.0) * static_cast<double>(values.size()));
  return values[std::min(static_cast<std::size_t>(at), values.size() - 1)];
}

}  // namespace perfmodel

#endif  // BASE_STATS_H_
