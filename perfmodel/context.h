// File: perfmodel/context.h
// -----------------------------------------------------------------------------
//
// Request context lengths and what they cost a data-parallel decode step.
//
// With attention data-parallel over `dp` ranks and an MoE all-to-all that
// synchronises every rank in every layer, a decode step waits for the slowest
// rank's attention. Attention time on a rank grows with the sum of its
// requests' context lengths, so a long-tailed length distribution makes the
// step slower than a simulator that puts every request at the mean: the rank
// that drew the long requests sets the pace. This header gives
//
//   * ContextDistribution: the context length (tokens) of one request, drawn
//     from Fixed, Uniform, Normal (truncated at >= 1), LogNormal (set by its
//     mean and tail parameter) or an Empirical set of lengths; optionally
//     grown through decode (prompt + decoded tokens) and capped at a maximum
//     context. It reports its mean, variance and skewness analytically (exact
//     moments of the law; see "Sampling" below) and samples deterministically
//     from a caller-seeded std::mt19937_64.
//   * LoadEmpiricalLengths(): an Empirical distribution from a text file.
//   * The imbalance model: E[Σcontext of one rank] (the balanced figure) and
//     E[max over ranks of Σcontext] (what the step waits for), by seeded Monte
//     Carlo with its standard error, or by a fast analytic approximation.
//
// Example (a long-tailed dataset on the seed's deployment, dp = 8, batch 24):
//
//   absl::StatusOr<ContextDistribution> d =
//       ContextDistribution::LogNormal(TokenCount(4096), /*sigma=*/1.0);
//   absl::StatusOr<RankImbalance> a = AnalyticImbalance(*d, /*dp=*/8, /*batch=*/24);
//   // ToTokens(a->balanced) == 98304 (24 x 4096)
//   // ToTokens(a->slowest) == 141260, a->Ratio() == 1.437: the step's
//   // attention runs 44% longer than with every request at 4096 tokens.
//   std::mt19937_64 rng(1);
//   absl::StatusOr<RankImbalance> mc = MonteCarloImbalance(*d, 8, 24, 100000, rng);
//   // ToTokens(mc->slowest) == 140408 +- 86 (slowest_stderr), Ratio() == 1.428
//
// What is modelled. Each of the `dp` ranks holds exactly `batch` requests whose
// context lengths are independent draws from the distribution (requests are
// assigned to ranks at random, with no length-aware balancing). The ranks'
// sums S_1..S_dp are then independent and identically distributed, and
//   balanced = E[S] = batch * mean,   slowest = E[max_r S_r].
// A length-aware assignment policy (which would shrink `slowest`) is not
// modelled. Turning Σcontext into time is the cost model's job: the per-rank
// attention time is affine in Σcontext for a fixed batch, so the expected step
// attention time is that affine function of `slowest`. For a cost that is not
// affine, MonteCarloSlowestRankTime() takes the cost as a callable.
//
// Sampling. Lengths are whole tokens. Continuous laws (Normal, LogNormal) are
// rounded to the nearest token after sampling; Mean()/Variance()/Skewness()
// are the exact moments of the continuous law after truncation, clamping,
// decode growth and cap, so rounding moves the mean by at most half a token.
// Every length is clamped to [1, kMaxContextTokens] (the default cap), and the
// moments include that clamp. The samplers are written here on top of the raw
// std::mt19937_64 output (not std::*_distribution, whose algorithms differ
// between standard libraries), so a seed gives the same lengths with any
// standard library (libm's log/cos/exp may differ in the last bit, which
// almost never moves a rounded length).

#ifndef PERFMODEL_CONTEXT_H_
#define PERFMODEL_CONTEXT_H_

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

// Tokens squared: the unit of a context-length variance.
using TokensSquared = decltype(Tokens() * Tokens());

// The longest context any distribution produces (2^40 tokens), and the default
// cap. It keeps every per-rank sum far inside int64_t.
inline constexpr int64_t kMaxContextTokens = int64_t{1} << 40;
// The most decode tokens WithDecodeGrowth() accepts (2^18).
inline constexpr int64_t kMaxOutputTokens = int64_t{1} << 18;
// The most requests per rank the imbalance model accepts (2^20).
inline constexpr int64_t kMaxBatchPerRank = int64_t{1} << 20;
// The largest rank count the analytic imbalance model covers (its table of
// normal order statistics); Monte Carlo takes any dp.
inline constexpr int64_t kMaxAnalyticDp = 1024;
// The largest LogNormal tail parameter: sigma = 3 already puts p99 at ~100x the
// median; beyond it the law says little about any real dataset.
inline constexpr double kMaxLogNormalSigma = 3.0;

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

// PowerSums holds E[X^k ; X <= b] for k = 0..3 (k = 0 is the probability).
using PowerSums = std::array<long double, 4>;

// Partial moments of a length X below a bound b, and the mass above it
// computed directly (1 - P(X <= b) would lose the tail to rounding).
struct Partial {
  PowerSums below = {0, 0, 0, 0};
  long double above = 0;
};

// SumOfPowers() is sum_{k=0}^{n} k^j for j = 0..3 (zero for n < 0).
inline PowerSums SumOfPowers(long double n) {
  if (n < 0) return {0, 0, 0, 0};
  const long double s1 = n * (n + 1) / 2;
  return {n + 1, s1, n * (n + 1) * (2 * n + 1) / 6, s1 * s1};
}

inline constexpr std::array<std::array<long double, 4>, 4> kBinomial = {{
    {1, 0, 0, 0},
    {1, 1, 0, 0},
    {1, 2, 1, 0},
    {1, 3, 3, 1},
}};

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

// The context length of one request in a decode step. Immutable; cheap to copy
// (an Empirical set is shared between copies). Made only by the factories,
// which validate their arguments and name the bad field in the error.
class ContextDistribution final {
 public:
  enum class Kind { kFixed, kUniform, kNormal, kLogNormal, kEmpirical };

  // Fixed() is every request at `tokens` (>= 1).
  static absl::StatusOr<ContextDistribution> Fixed(int64_t tokens) {
    if (absl::Status s = CheckLength("tokens", tokens); !s.ok()) return s;
    ContextDistribution d(Kind::kFixed);
    d.a_ = static_cast<double>(tokens);
    d.Finish();
    return d;
  }

  // Uniform() is uniform on the whole numbers lo..hi, both included
  // (1 <= lo <= hi).
  static absl::StatusOr<ContextDistribution> Uniform(int64_t lo, int64_t hi) {
    if (absl::Status s = CheckLength("lo", lo); !s.ok()) return s;
    if (absl::Status s = CheckLength("hi", hi); !s.ok()) return s;
    if (lo > hi) {
      return absl::InvalidArgumentError(
          absl::StrCat("hi: must be >= lo (", lo, "), got ", hi));
    }
    ContextDistribution d(Kind::kUniform);
    d.a_ = static_cast<double>(lo);
    d.b_ = static_cast<double>(hi);
    d.Finish();
    return d;
  }

  // Normal() is N(mean, stddev^2) conditioned on >= 1 token (the truncated
  // normal: its Mean() is above `mean` when stddev is not small against
  // mean - 1). mean must be in [1, kMaxContextTokens]; stddev in [0,
  // kMaxContextTokens] (0 is a point mass at `mean`).
  static absl::StatusOr<ContextDistribution> Normal(Tokens mean, Tokens stddev) {
    if (absl::Status s = CheckMean(mean); !s.ok()) return s;
    const double sd = ToTokens(stddev);
    if (!(sd >= 0.0 && sd <= static_cast<double>(kMaxContextTokens))) {
      return absl::InvalidArgumentError(
          absl::StrCat("stddev: must be in [0, ", kMaxContextTokens, "] tokens, got ", sd));
    }
    ContextDistribution d(Kind::kNormal);
    d.a_ = ToTokens(mean);
    d.b_ = sd;
    d.Finish();
    return d;
  }

  // LogNormal() is exp(N(mu, sigma^2)) with mu = ln(mean) - sigma^2 / 2, so
  // that the law's mean is exactly `mean` (before the clamp to >= 1 token and
  // the cap, which move it by far less than a token unless the cap bites).
  // sigma is the tail parameter: p99 / mean = exp(2.326 sigma - sigma^2 / 2).
  // mean must be in [1, kMaxContextTokens]; sigma in (0, kMaxLogNormalSigma].
  static absl::StatusOr<ContextDistribution> LogNormal(Tokens mean, double sigma) {
    if (absl::Status s = CheckMean(mean); !s.ok()) return s;
    if (!(sigma > 0.0 && sigma <= kMaxLogNormalSigma)) {
      return absl::InvalidArgumentError(
          absl::StrCat("sigma: must be in (0, ", kMaxLogNormalSigma, "], got ", sigma));
    }
    ContextDistribution d(Kind::kLogNormal);
    d.a_ = std::log(ToTokens(mean)) - sigma * sigma / 2.0;
    d.b_ = sigma;
    for (int k = 0; k < 4; ++k) {
      d.lognormal_moment_[k] = std::exp(static_cast<long double>(k) * d.a_ +
                                        0.5L * k * k * sigma * sigma);
    }
    d.Finish();
    return d;
  }

  // Empirical() draws uniformly from `lengths` (each >= 1; repeats weigh
  // more). An empty set is an error naming `lengths`; a bad entry names
  // `lengths[i]`.
  static absl::StatusOr<ContextDistribution> Empirical(std::vector<int64_t> lengths) {
    if (lengths.empty()) return absl::InvalidArgumentError("lengths: empty");
    for (size_t i = 0; i < lengths.size(); ++i) {
      if (absl::Status s = CheckLength(absl::StrCat("lengths[", i, "]"), lengths[i]); !s.ok()) {
        return s;
      }
    }
    std::sort(lengths.begin(), lengths.end());
    auto data = std::make_shared<EmpiricalData>();
    data->prefix.assign(lengths.size() + 1, {0, 0, 0, 0});
    for (size_t i = 0; i < lengths.size(); ++i) {
      const long double x = static_cast<long double>(lengths[i]);
      data->prefix[i + 1] = {data->prefix[i][0] + 1, data->prefix[i][1] + x,
                             data->prefix[i][2] + x * x, data->prefix[i][3] + x * x * x};
    }
    data->values = std::move(lengths);
    ContextDistribution d(Kind::kEmpirical);
    d.empirical_ = std::move(data);
    d.Finish();
    return d;
  }

  // WithCap() returns this distribution with every context clamped to at most
  // `max_context` (e.g. the model's max positions), applied after sampling and
  // after decode growth. A second cap replaces the first. InvalidArgument
  // naming `max_context` unless 1 <= max_context <= kMaxContextTokens.
  absl::StatusOr<ContextDistribution> WithCap(int64_t max_context) const {
    if (absl::Status s = CheckLength("max_context", max_context); !s.ok()) return s;
    ContextDistribution d = *this;
    d.cap_ = max_context;
    d.Finish();
    return d;
  }

  // WithDecodeGrowth() turns a prompt-length distribution into the context of
  // a request seen at a random decode step: a request that will decode
  // `output_tokens` tokens has context prompt + t at the step that emits token
  // t + 1, and in steady state it is equally likely to be at any of its steps,
  // so t is uniform on {0, ..., output_tokens - 1} and independent of the
  // prompt (mean grows by (output_tokens - 1) / 2, variance by
  // (output_tokens^2 - 1) / 12). The cap, if any, applies to prompt + t.
  // Errors name `output_tokens`: it must be in [1, kMaxOutputTokens], and
  // growth can be applied only once. Cost: O(1), except when the cap can bind
  // (prompt + output_tokens may exceed it), where the exact moments take
  // output_tokens evaluations of the law's partial moments (LogNormal: ~2 us
  // each, so ~0.5 s at kMaxOutputTokens; Empirical: O(log n) each).
  absl::StatusOr<ContextDistribution> WithDecodeGrowth(int64_t output_tokens) const {
    if (output_tokens < 1 || output_tokens > kMaxOutputTokens) {
      return absl::InvalidArgumentError(absl::StrCat(
          "output_tokens: must be in [1, ", kMaxOutputTokens, "], got ", output_tokens));
    }
    if (output_tokens_ != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "output_tokens: decode growth already applied (", output_tokens_, " tokens)"));
    }
    ContextDistribution d = *this;
    d.output_tokens_ = output_tokens;
    d.Finish();
    return d;
  }

  Kind kind() const { return kind_; }
  // max_context() is the cap (kMaxContextTokens unless WithCap() set one).
  int64_t max_context() const { return cap_; }
  // output_tokens() is the decode growth (0 when none was applied).
  int64_t output_tokens() const { return output_tokens_; }

  // Largest() is the longest context Sample() can return: the law's top
  // (max_context() for Normal and LogNormal, whose tails are unbounded) plus
  // output_tokens() - 1 of growth, at most max_context().
  int64_t Largest() const {
    int64_t top = cap_;
    switch (kind_) {
      case Kind::kFixed: top = static_cast<int64_t>(a_); break;
      case Kind::kUniform: top = static_cast<int64_t>(b_); break;
      case Kind::kEmpirical: top = empirical_->values.back(); break;
      case Kind::kNormal:
        if (b_ == 0.0) top = Round(a_);
        break;
      case Kind::kLogNormal: break;
    }
    return std::min(cap_, top + std::max<int64_t>(output_tokens_ - 1, 0));
  }

  // Mean() is the exact mean context of the law (see "Sampling" above).
  Tokens Mean() const { return TokenCount(mean_); }
  // Variance() is the exact variance; zero for a point mass.
  TokensSquared Variance() const { return TokensSquared::FromBase(variance_); }
  // StdDev() is sqrt(Variance()).
  Tokens StdDev() const { return TokenCount(std::sqrt(variance_)); }
  // Skewness() is E[(X - mean)^3] / stddev^3; zero for a point mass.
  double Skewness() const { return skewness_; }

  // Sample() draws one context length (whole tokens, in [1, max_context()]).
  // The same engine state gives the same length on every platform.
  int64_t Sample(std::mt19937_64& rng) const {
    int64_t x = 0;
    switch (kind_) {
      case Kind::kFixed:
        x = static_cast<int64_t>(a_);
        break;
      case Kind::kUniform:
        x = static_cast<int64_t>(a_) +
            static_cast<int64_t>(context_internal::UniformBelow(
                rng, static_cast<uint64_t>(b_ - a_) + 1));
        break;
      case Kind::kNormal: {
        double v = a_;
        if (b_ > 0.0) {
          do {
            v = a_ + b_ * context_internal::StandardNormal(rng);
          } while (v < 1.0);
        }
        x = Round(v);
        break;
      }
      case Kind::kLogNormal:
        x = Round(std::exp(a_ + b_ * context_internal::StandardNormal(rng)));
        break;
      case Kind::kEmpirical:
        x = empirical_->values[context_internal::UniformBelow(rng, empirical_->values.size())];
        break;
    }
    if (output_tokens_ > 0) {
      x += static_cast<int64_t>(
          context_internal::UniformBelow(rng, static_cast<uint64_t>(output_tokens_)));
    }
    return std::min(x, cap_);
  }

  // DebugString() names the law and its parameters, e.g.
  // "LogNormal(mean=4096, sigma=1) + decode(512) cap 131072".
  std::string DebugString() const {
    std::string s;
    switch (kind_) {
      case Kind::kFixed: s = absl::StrCat("Fixed(", a_, ")"); break;
      case Kind::kUniform: s = absl::StrCat("Uniform(", a_, ", ", b_, ")"); break;
      case Kind::kNormal: s = absl::StrCat("Normal(mean=", a_, ", stddev=", b_, ")"); break;
      case Kind::kLogNormal:
        s = absl::StrCat("LogNormal(mean=", std::exp(a_ + b_ * b_ / 2.0), ", sigma=", b_, ")");
        break;
      case Kind::kEmpirical:
        s = absl::StrCat("Empirical(", empirical_->values.size(), " lengths)");
        break;
    }
    if (output_tokens_ > 0) absl::StrAppend(&s, " + decode(", output_tokens_, ")");
    if (cap_ != kMaxContextTokens) absl::StrAppend(&s, " cap ", cap_);
    return s;
  }

 private:
  using PowerSums = context_internal::PowerSums;

  struct EmpiricalData {
    std::vector<int64_t> values;    // sorted
    std::vector<PowerSums> prefix;  // prefix[i][k] = sum of values[0..i)^k
  };

  explicit ContextDistribution(Kind kind) : kind_(kind) {}

  static absl::Status CheckLength(absl::string_view field, int64_t v) {
    if (v < 1 || v > kMaxContextTokens) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": must be in [1, ", kMaxContextTokens, "] tokens, got ", v));
    }
    return absl::OkStatus();
  }

  static absl::Status CheckMean(Tokens mean) {
    const double m = ToTokens(mean);
    if (!(m >= 1.0 && m <= static_cast<double>(kMaxContextTokens))) {
      return absl::InvalidArgumentError(
          absl::StrCat("mean: must be in [1, ", kMaxContextTokens, "] tokens, got ", m));
    }
    return absl::OkStatus();
  }

  // Round() rounds a continuous draw to whole tokens inside [1, cap_].
  int64_t Round(double v) const {
    return std::llround(std::clamp(v, 1.0, static_cast<double>(cap_)));
  }

  // Split() is E[X^k ; X <= b] of the prompt length X before growth and cap,
  // and P(X > b). X >= 1 always (Normal is conditioned on it, LogNormal
  // clamped to it). b may be +infinity.
  context_internal::Partial Split(double b) const {
    using context_internal::NormalMass;
    using context_internal::NormalPdf;
    using context_internal::NormalUpper;
    context_internal::Partial p;
    PowerSums& m = p.below;
    if (b < 1.0) {
      p.above = 1;
      return p;
    }
    switch (kind_) {
      case Kind::kFixed: {
        const long double n = a_;
        if (a_ <= b) {
          m = {1, n, n * n, n * n * n};
        } else {
          p.above = 1;
        }
        return p;
      }
      case Kind::kUniform: {
        const long double lo = a_;
        const long double hi = std::min<long double>(b_, std::floor(b));
        const long double n = static_cast<long double>(b_) - a_ + 1;
        if (hi < lo) {
          p.above = 1;
          return p;
        }
        const PowerSums upper = context_internal::SumOfPowers(hi);
        const PowerSums lower = context_internal::SumOfPowers(lo - 1);
        for (int k = 0; k < 4; ++k) m[k] = (upper[k] - lower[k]) / n;
        p.above = (static_cast<long double>(b_) - hi) / n;
        return p;
      }
      case Kind::kNormal: {
        const long double mu = a_;
        if (b_ == 0.0) {
          if (a_ <= b) {
            m = {1, mu, mu * mu, mu * mu * mu};
          } else {
            p.above = 1;
          }
          return p;
        }
        const double alpha = (1.0 - a_) / b_;
        const double beta = std::isinf(b) ? b : (b - a_) / b_;
        const long double pa = NormalPdf(alpha), pb = NormalPdf(beta);
        const long double beta_pb = std::isinf(beta) ? 0.0L : beta * pb;
        const long double beta2_pb = std::isinf(beta) ? 0.0L : beta_pb * beta;
        // E[Z^k ; alpha < Z <= beta] for the standard normal Z.
        PowerSums z;
        z[0] = NormalMass(alpha, beta);
        z[1] = pa - pb;
        z[2] = z[0] + alpha * pa - beta_pb;
        z[3] = (static_cast<long double>(alpha) * alpha + 2) * pa - (beta2_pb + 2 * pb);
        const long double norm = NormalUpper(alpha);  // P(Z > alpha), X >= 1
        const long double s = b_;
        const PowerSums mu_pow = {1, mu, mu * mu, mu * mu * mu};
        const PowerSums s_pow = {1, s, s * s, s * s * s};
        for (int k = 0; k < 4; ++k) {
          long double sum = 0;
          for (int i = 0; i <= k; ++i) {
            sum += context_internal::kBinomial[k][i] * mu_pow[k - i] * s_pow[i] * z[i];
          }
          m[k] = sum / norm;
        }
        p.above = NormalUpper(beta) / norm;
        return p;
      }
      case Kind::kLogNormal: {
        const double mu = a_, s = b_;
        const double below_one = context_internal::NormalCdf(-mu / s);  // clamped to 1
        const double log_b = std::log(b);
        for (int k = 0; k < 4; ++k) {
          // Under exp(k x) tilting, ln X is N(mu + k s^2, s^2);
          // E[X^k] = exp(k mu + k^2 s^2 / 2).
          const double shift = mu + k * s * s;
          const double hi = std::isinf(b) ? b : (log_b - shift) / s;
          m[k] = below_one + lognormal_moment_[k] * NormalMass(-shift / s, hi);
        }
        p.above = std::isinf(b) ? 0.0 : NormalUpper((log_b - mu) / s);
        return p;
      }
      case Kind::kEmpirical: {
        const auto& v = empirical_->values;
        const size_t i = std::isinf(b)
                             ? v.size()
                             : static_cast<size_t>(
                                   std::upper_bound(v.begin(), v.end(), std::floor(b),
                                                    [](double x, int64_t e) { return x < e; }) -
                                   v.begin());
        const long double n = static_cast<long double>(v.size());
        for (int k = 0; k < 4; ++k) m[k] = empirical_->prefix[i][k] / n;
        p.above = static_cast<long double>(v.size() - i) / n;
        return p;
      }
    }
    return p;
  }

  // Finish() computes the moments of min(X + T, cap) where T is uniform on
  // {0, ..., o - 1} (o = output_tokens_, T = 0 without growth).
  void Finish() {
    using context_internal::kBinomial;
    const long double c = static_cast<long double>(cap_);
    const int64_t o = std::max<int64_t>(output_tokens_, 1);
    const PowerSums full = Split(std::numeric_limits<double>::infinity()).below;
    // Does the cap bind for any t? Not if the moments of X above
    // c - (o - 1) are lost in rounding.
    bool binds = true;
    const long double b_min = c - static_cast<long double>(o - 1);
    if (b_min >= 1) {
      const context_internal::Partial low = Split(static_cast<double>(b_min));
      binds = low.above * std::pow(c, 3) > 1e-16L * full[3];
      for (int k = 0; k < 4; ++k) {
        if (full[k] - low.below[k] > 1e-16L * full[k]) binds = true;
      }
    }
    PowerSums raw = {0, 0, 0, 0};
    if (!binds) {
      // E[(X + T)^k] from the moments of X and of T, which are independent.
      const PowerSums t_sums = context_internal::SumOfPowers(static_cast<long double>(o - 1));
      for (int k = 0; k < 4; ++k) {
        for (int j = 0; j <= k; ++j) {
          raw[k] += kBinomial[k][j] * (t_sums[k - j] / o) * full[j];
        }
      }
    } else {
      const PowerSums c_pow = {1, c, c * c, c * c * c};
      for (int64_t t = 0; t < o; ++t) {
        const long double tt = static_cast<long double>(t);
        const PowerSums t_pow = {1, tt, tt * tt, tt * tt * tt};
        // min(X + t, c) is X + t for X <= c - t, else c.
        const context_internal::Partial m = Split(static_cast<double>(c - tt));
        for (int k = 0; k < 4; ++k) {
          long double sum = c_pow[k] * m.above;
          for (int j = 0; j <= k; ++j) sum += kBinomial[k][j] * t_pow[k - j] * m.below[j];
          raw[k] += sum;
        }
      }
      for (int k = 0; k < 4; ++k) raw[k] /= o;
    }
    const long double mean = raw[1];
    long double var = raw[2] - mean * mean;
    long double m3 = raw[3] - 3 * mean * raw[2] + 2 * mean * mean * mean;
    // Rounding noise on a point mass: relative error of the raw moments.
    if (var <= 1e-14L * mean * mean) {
      var = 0;
      m3 = 0;
    }
    mean_ = static_cast<double>(mean);
    variance_ = static_cast<double>(var);
    skewness_ = var > 0 ? static_cast<double>(m3 / std::pow(var, 1.5L)) : 0.0;
  }

  Kind kind_;
  double a_ = 0.0;  // Fixed: n; Uniform: lo; Normal: mean; LogNormal: mu
  double b_ = 0.0;  // Uniform: hi; Normal: stddev; LogNormal: sigma
  PowerSums lognormal_moment_ = {0, 0, 0, 0};  // LogNormal: E[X^k] before clamp and cap
  std::shared_ptr<const EmpiricalData> empirical_;
  int64_t cap_ = kMaxContextTokens;
  int64_t output_tokens_ = 0;
  double mean_ = 0.0;
  double variance_ = 0.0;
  double skewness_ = 0.0;
};

// LoadEmpiricalLengths() reads an Empirical distribution from a text file with
// one context length (a positive integer, in tokens) per line. Blank lines are
// skipped; '#' starts a comment, on its own line or after a number. Errors:
// NotFound "path: cannot open"; InvalidArgument "path:line: ..." for a token
// that is not an integer or a length that is not in [1, kMaxContextTokens];
// InvalidArgument "path: no lengths (empty file)" when nothing was read.
//
//   # prompt + output lengths, dataset X, 2024-05
//   4096
//   17000   # a long one
inline absl::StatusOr<ContextDistribution> LoadEmpiricalLengths(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::vector<int64_t> lengths;
  std::string line;
  for (int line_no = 1; std::getline(in, line); ++line_no) {
    absl::string_view text = line;
    if (const size_t hash = text.find('#'); hash != absl::string_view::npos) {
      text = text.substr(0, hash);
    }
    text = absl::StripAsciiWhitespace(text);
    if (text.empty()) continue;
    int64_t v = 0;
    if (!absl::SimpleAtoi(text, &v)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", line_no, ": length: '", text, "' is not an integer"));
    }
    if (v < 1 || v > kMaxContextTokens) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", line_no, ": length: must be in [1, ", kMaxContextTokens, "] tokens, got ", v));
    }
    lengths.push_back(v);
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  if (lengths.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no lengths (empty file)"));
  }
  return ContextDistribution::Empirical(std::move(lengths));
}

// One decode step's per-rank context sums.
struct RankImbalance final {
  Tokens balanced;        // E[Σcontext of one rank] = batch * mean
  Tokens slowest;         // E[max over the dp ranks of Σcontext]
  Tokens slowest_stderr;  // standard error of `slowest`; zero for the analytic model

  // Ratio() is slowest / balanced: how much longer the step's attention runs
  // than a simulator with every rank at the mean load.
  double Ratio() const { return slowest / balanced; }
};

// Which analytic approximation of E[max over ranks of S] to use, where S is
// one rank's context sum, with mean m = batch * Mean(), stddev
// s = sqrt(batch) * StdDev() and skewness g = Skewness() / sqrt(batch).
// M_dp is the maximum of dp iid standard normals. Either result is clamped to
// at most batch * Largest(), the most a rank can hold.
enum class ImbalanceApproximation {
  // S as normal: E[max] = m + s * E[M_dp]. Ignores skew, so it is low for
  // long tails at large dp and too high at dp = 2 (where only the spread of
  // S matters and a long tail inflates s); see the accuracy table below.
  kNormal,
  // S as a shifted lognormal matched to m, s and g (a normal when g = 0; for
  // g < 0, a mirrored one): E[max] = m + s * (E[exp(a * M_dp)] - e) / d,
  // where a is the lognormal sigma with skewness |g|, e = exp(a^2 / 2) and
  // d = e * sqrt(exp(a^2) - 1). Exact for one LogNormal request (batch 1,
  // no cap); tends to kNormal as batch grows.
  kShiftedLogNormal,
};

namespace context_internal {

inline absl::Status CheckRanks(int64_t dp, int64_t batch, int64_t max_dp) {
  if (dp < 1 || dp > max_dp) {
    return absl::InvalidArgumentError(absl::StrCat("dp: must be in [1, ", max_dp, "], got ", dp));
  }
  if (batch < 1 || batch > kMaxBatchPerRank) {
    return absl::InvalidArgumentError(
        absl::StrCat("batch: must be in [1, ", kMaxBatchPerRank, "], got ", batch));
  }
  return absl::OkStatus();
}

inline absl::Status CheckTrials(int64_t trials) {
  if (trials < 2) {
    return absl::InvalidArgumentError(absl::StrCat("trials: must be >= 2, got ", trials));
  }
  return absl::OkStatus();
}

struct MeanAndError {
  double mean = 0.0;
  double stderr_of_mean = 0.0;
};

// SlowestRankTrials() runs `trials` steps: each rank sums `batch` draws, the
// step's figure is max over ranks of cost(sum). Welford mean and variance.
template <typename Cost>
MeanAndError SlowestRankTrials(const ContextDistribution& d, int64_t dp, int64_t batch,
                               int64_t trials, std::mt19937_64& rng, Cost cost) {
  double mean = 0.0, m2 = 0.0;
  for (int64_t n = 1; n <= trials; ++n) {
    double worst = -std::numeric_limits<double>::infinity();
    for (int64_t r = 0; r < dp; ++r) {
      int64_t sum = 0;
      for (int64_t i = 0; i < batch; ++i) sum += d.Sample(rng);
      worst = std::max(worst, cost(sum));
    }
    const double delta = worst - mean;
    mean += delta / static_cast<double>(n);
    m2 += delta * (worst - mean);
  }
  const double var = m2 / static_cast<double>(trials - 1);
  return {mean, std::sqrt(var / static_cast<double>(trials))};
}

}  // namespace context_internal

// AnalyticImbalance() estimates the step's per-rank context sums in O(1):
// about 10 us for kShiftedLogNormal (one 1537-point integral), a table look-up
// for kNormal, after a one-time table of normal order statistics (a few ms on
// first use). Both forms are exact for dp = 1 and for a point mass. Error of
// `slowest` against Monte Carlo with 1M draws per case (LogNormal mean 4096;
// dp 2, 8, 32; batch 1, 4, 24, 64; ImbalanceTest.AnalyticAccuracyAgainstMonteCarlo
// prints the table):
//
//   law                   kShiftedLogNormal             kNormal
//   sigma 0.25, 0.5       within 0.2%                   -18% .. +2%
//   sigma 1               within 1.8%                   -33% .. +14%
//   sigma 1.5, cap 128K   -6% .. +11% (+-6% batch>=4)   -38% .. +36%
//   sigma 2, cap 128K     -9% .. +23% (+-9% batch>=4)   -40% .. +57%
//
// The shifted lognormal is worst at batch 1 with a cap (it cannot see that the
// cap truncates the tail) and at dp 32, batch 4 (the sum's tail is lighter
// than a lognormal's). On two- to four-point laws enumerated exactly
// (ImbalanceTest.MatchesExactEnumerationOnSmallCases) it is within 10%, the
// normal form within 12%. For a verdict near a threshold, use Monte Carlo.
//
// InvalidArgument naming `dp` (1..kMaxAnalyticDp) or `batch`
// (1..kMaxBatchPerRank).
inline absl::StatusOr<RankImbalance> AnalyticImbalance(
    const ContextDistribution& d, int64_t dp, int64_t batch,
    ImbalanceApproximation approximation = ImbalanceApproximation::kShiftedLogNormal) {
  if (absl::Status s = context_internal::CheckRanks(dp, batch, kMaxAnalyticDp); !s.ok()) {
    return s;
  }
  const double b = static_cast<double>(batch);
  const Tokens mean = d.Mean() * b;
  const Tokens sd = d.StdDev() * std::sqrt(b);
  const double g = d.Skewness() / std::sqrt(b);
  // The expected maximum of dp standardised sums.
  double z = context_internal::GetNormalMaxTable().mean[dp];
  if (approximation == ImbalanceApproximation::kShiftedLogNormal && std::abs(g) > 1e-3) {
    // Capped at 6, where ExpectedExpOfMax() stays exact; no law within
    // [1, kMaxContextTokens] is skewed enough to need more (sigma 6 is g ~ 1e23).
    const double a = std::min(6.0, context_internal::LogNormalSigmaForSkewness(std::abs(g)));
    const double e = std::exp(a * a / 2.0);
    const double spread = e * std::sqrt(std::expm1(a * a));
    z = g > 0 ? (context_internal::ExpectedExpOfMax(a, dp) - e) / spread
              : (e - context_internal::ExpectedExpOfMax(-a, dp)) / spread;
  }
  const Tokens most = TokenCount(static_cast<double>(d.Largest())) * b;
  return RankImbalance{.balanced = mean,
                       .slowest = std::min(mean + sd * z, std::max(most, mean)),
                       .slowest_stderr = Tokens::Zero()};
}

// MonteCarloImbalance() simulates `trials` steps of `dp` ranks x `batch`
// requests drawn from `d` with `rng`, and returns the mean of the per-step
// maximum rank sum with its standard error (sample stddev / sqrt(trials));
// `balanced` is the exact batch * Mean(). Deterministic for a given engine
// state. Cost: trials * dp * batch draws. InvalidArgument naming `dp` (>= 1),
// `batch` (1..kMaxBatchPerRank) or `trials` (>= 2).
inline absl::StatusOr<RankImbalance> MonteCarloImbalance(const ContextDistribution& d,
                                                         int64_t dp, int64_t batch,
                                                         int64_t trials, std::mt19937_64& rng) {
  if (absl::Status s = context_internal::CheckRanks(dp, batch, std::numeric_limits<int64_t>::max());
      !s.ok()) {
    return s;
  }
  if (absl::Status s = context_internal::CheckTrials(trials); !s.ok()) return s;
  const context_internal::MeanAndError r = context_internal::SlowestRankTrials(
      d, dp, batch, trials, rng, [](int64_t sum) { return static_cast<double>(sum); });
  return RankImbalance{.balanced = d.Mean() * static_cast<double>(batch),
                       .slowest = TokenCount(r.mean),
                       .slowest_stderr = TokenCount(r.stderr_of_mean)};
}

// The expected time of the slowest rank, for a cost that is not affine.
struct SlowestRankTime final {
  Duration balanced;        // rank_time(round(batch * mean)): every rank at the mean load
  Duration slowest;         // E[max over ranks of rank_time(Σcontext)]
  Duration slowest_stderr;  // standard error of `slowest`
};

// MonteCarloSlowestRankTime() is MonteCarloImbalance() with each rank's sum
// turned into time by `rank_time` before the maximum is taken, so any cost
// curve (kernel tiling steps, a fixed per-rank part) is honoured. With the same
// engine state it draws the same lengths as MonteCarloImbalance(). Same errors.
inline absl::StatusOr<SlowestRankTime> MonteCarloSlowestRankTime(
    const ContextDistribution& d, int64_t dp, int64_t batch, int64_t trials,
    std::mt19937_64& rng, absl::FunctionRef<Duration(int64_t sum_context)> rank_time) {
  if (absl::Status s = context_internal::CheckRanks(dp, batch, std::numeric_limits<int64_t>::max());
      !s.ok()) {
    return s;
  }
  if (absl::Status s = context_internal::CheckTrials(trials); !s.ok()) return s;
  const context_internal::MeanAndError r = context_internal::SlowestRankTrials(
      d, dp, batch, trials, rng,
      [&rank_time](int64_t sum) { return ToSeconds(rank_time(sum)); });
  const double balanced_sum = ToTokens(d.Mean()) * static_cast<double>(batch);
  return SlowestRankTime{.balanced = rank_time(std::llround(balanced_sum)),
                         .slowest = Seconds(r.mean),
                         .slowest_stderr = Seconds(r.stderr_of_mean)};
}

}  // namespace perfmodel

#endif  // PERFMODEL_CONTEXT_H_
