// File: perfmodel/order_statistics.h
// -----------------------------------------------------------------------------
//
// The standard normal, seeded draws, and the expected maximum of n iid normal
// variables (a table computed once): what the rank-imbalance model and the
// context distributions are built on.
//
//   ExpectedMaxOfNormals(10)   // == 1.5388 (E[max of 10 iid N(0, 1)])

#ifndef PERFMODEL_ORDER_STATISTICS_H_
#define PERFMODEL_ORDER_STATISTICS_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <memory>
#include <numbers>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "perfmodel/units.h"

namespace perfmodel {

// The largest rank count the analytic imbalance model covers (its table of
// normal order statistics); Monte Carlo takes any dp.
inline constexpr int64_t kMaxAnalyticDp = 1024;

namespace context_internal {

// UniformUnit() is uniform on (0, 1], from the top 53 bits of one draw.
inline double UniformUnit(std::mt19937_64& rng) {
  return (static_cast<double>(rng() >> 11) + 1.0) * 0x1.0p-53;
}

// UniformBelow() is uniform on {0, ..., n - 1} for n >= 1 (rejection, no bias).
inline uint64_t UniformBelow(std::mt19937_64& rng, uint64_t n) {
  const uint64_t threshold = (0 - n) % n;  // 2^64 mod n
  for (;;) {
    const uint64_t r = rng();
    if (r >= threshold) return r % n;
  }
}

// StandardNormal() is one N(0, 1) draw by Box-Muller (two uniform draws).
inline double StandardNormal(std::mt19937_64& rng) {
  const double u1 = UniformUnit(rng);
  const double u2 = UniformUnit(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

// NormalPdf() and NormalUpper() (P(Z > x)) of the standard normal; infinite
// arguments give the limits.
inline double NormalPdf(double x) {
  if (std::isinf(x)) return 0.0;
  return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
}
inline double NormalUpper(double x) { return 0.5 * std::erfc(x / std::numbers::sqrt2); }
inline double NormalCdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

// NormalMass() is P(lo < Z <= hi), computed on the side that keeps precision.
inline double NormalMass(double lo, double hi) {
  if (!(hi > lo)) return 0.0;
  if (lo >= 0.0) return NormalUpper(lo) - NormalUpper(hi);
  return NormalCdf(hi) - NormalCdf(lo);
}

// The order-statistic table. M_n is the maximum of n iid standard normals,
// with density n * phi(z) * Phi(z)^(n-1). `mean[n]` = E[M_n] for n = 1..
// kMaxAnalyticDp, by Simpson's rule on [-12, 12] with step 1/128 (error below
// 1e-10 against the closed forms for n = 2, 3). `z`, `log_cdf` and `pdf` are
// a coarser grid (step 1/64) for E[exp(sigma * M_n)].
struct NormalMaxTable {
  static constexpr int kGridSteps = 24 * 64;  // even, for Simpson's rule
  static constexpr double kGridStep = 24.0 / kGridSteps;
  std::array<double, kMaxAnalyticDp + 1> mean{};
  std::array<double, kGridSteps + 1> z{}, log_cdf{}, pdf{};
};

// SimpsonWeight() is the weight of point i of an n-interval Simpson rule.
inline double SimpsonWeight(int i, int n) {
  return (i == 0 || i == n) ? 1.0 : (i % 2 == 1 ? 4.0 : 2.0);
}

inline NormalMaxTable ComputeNormalMaxTable() {
  constexpr int kSteps = 24 * 128;  // even, for Simpson's rule
  constexpr double kH = 24.0 / kSteps;
  std::vector<double> m1(kMaxAnalyticDp + 1, 0.0);
  for (int i = 0; i <= kSteps; ++i) {
    const double x = -12.0 + kH * i;
    const double w = SimpsonWeight(i, kSteps);
    const double pdf = NormalPdf(x);
    const double cdf = NormalCdf(x);
    double power = 1.0;  // Phi(x)^(n-1)
    for (int n = 1; n <= kMaxAnalyticDp; ++n) {
      m1[n] += w * x * n * pdf * power;
      power *= cdf;
    }
  }
  NormalMaxTable t;
  for (int n = 1; n <= kMaxAnalyticDp; ++n) t.mean[n] = m1[n] * kH / 3.0;
  for (int i = 0; i <= NormalMaxTable::kGridSteps; ++i) {
    t.z[i] = -12.0 + NormalMaxTable::kGridStep * i;
    t.log_cdf[i] = std::log(NormalCdf(t.z[i]));
    t.pdf[i] = NormalPdf(t.z[i]);
  }
  return t;
}

// GetNormalMaxTable() computes the table once, on first use (about 3M
// multiply-adds), thread-safely.
inline const NormalMaxTable& GetNormalMaxTable() {
  static const NormalMaxTable* const table = new NormalMaxTable(ComputeNormalMaxTable());
  return *table;
}

// ExpectedExpOfMax() is E[exp(sigma * M_n)] for |sigma| <= 6, 1 <= n <=
// kMaxAnalyticDp: the expected maximum of n iid lognormals exp(sigma * Z)
// (sigma > 0), or their expected minimum (sigma < 0). Simpson's rule on the
// table's grid; relative error below 1e-9 against the closed forms
// exp(sigma^2 / 2) (n = 1) and 2 exp(sigma^2 / 2) Phi(sigma / sqrt(2)) (n = 2).
inline double ExpectedExpOfMax(double sigma, int64_t n) {
  const NormalMaxTable& t = GetNormalMaxTable();
  constexpr int kSteps = NormalMaxTable::kGridSteps;
  const double nn = static_cast<double>(n);
  long double sum = 0;
  for (int i = 0; i <= kSteps; ++i) {
    sum += SimpsonWeight(i, kSteps) * nn * t.pdf[i] *
           std::exp(sigma * t.z[i] + (nn - 1.0) * t.log_cdf[i]);
  }
  return static_cast<double>(sum * NormalMaxTable::kGridStep / 3.0L);
}

// LogNormalSigmaForSkewness() is the sigma of the lognormal exp(sigma * Z)
// whose skewness is g > 0: with w = exp(sigma^2), g = (w + 2) sqrt(w - 1),
// a cubic in w solved in closed form (Cardano).
inline double LogNormalSigmaForSkewness(double g) {
  // The two cube roots of Cardano's formula multiply to 1.
  const double u = std::cbrt(1.0 + g * g / 2.0 + g * std::sqrt(1.0 + g * g / 4.0));
  return std::sqrt(std::log(u + 1.0 / u - 1.0));
}

inline absl::Status CheckOrderStatisticN(int64_t n) {
  if (n < 1 || n > kMaxAnalyticDp) {
    return absl::InvalidArgumentError(
        absl::StrCat("n: must be in [1, ", kMaxAnalyticDp, "], got ", n));
  }
  return absl::OkStatus();
}

}  // namespace context_internal

// ExpectedMaxOfNormals() is E[max of n iid N(0, 1)] (0 for n = 1, 1/sqrt(pi)
// for n = 2, 1.5388 for n = 10, 3.2414 for n = 1000). InvalidArgument naming
// `n` unless 1 <= n <= kMaxAnalyticDp.
inline absl::StatusOr<double> ExpectedMaxOfNormals(int64_t n) {
  if (absl::Status s = context_internal::CheckOrderStatisticN(n); !s.ok()) return s;
  return context_internal::GetNormalMaxTable().mean[n];
}

}  // namespace perfmodel

#endif  // PERFMODEL_ORDER_STATISTICS_H_
