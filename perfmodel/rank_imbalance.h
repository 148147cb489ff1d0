// File: perfmodel/rank_imbalance.h
// -----------------------------------------------------------------------------
//
// The per-rank context sums of a data-parallel decode step: the balanced
// figure and the slowest rank's, which every rank waits for at the MoE
// all-to-all, analytically or by seeded Monte Carlo with its standard error.
// perfmodel/context.h says what is modelled.
//
//   absl::StatusOr<RankImbalance> a = AnalyticImbalance(*d, /*dp=*/8, /*batch=*/24);
//   a->Ratio()   // == 1.437 for LogNormal(4096, 1.0)

#ifndef PERFMODEL_RANK_IMBALANCE_H_
#define PERFMODEL_RANK_IMBALANCE_H_

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
#include "perfmodel/context_distribution.h"
#include "perfmodel/order_statistics.h"

namespace perfmodel {

// The most requests per rank the imbalance model accepts (2^20).
inline constexpr int64_t kMaxBatchPerRank = int64_t{1} << 20;

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

// RunningMean is Welford's running mean and variance of the trials added
// so far; Result() (two or more trials) is their mean and its standard error.
class RunningMean final {
 public:
  void Add(double x) {
    ++n_;
    const double delta = x - mean_;
    mean_ += delta / static_cast<double>(n_);
    m2_ += delta * (x - mean_);
  }
  MeanAndError Result() const {
    const double var = m2_ / static_cast<double>(n_ - 1);
    return {mean_, std::sqrt(var / static_cast<double>(n_))};
  }

 private:
  int64_t n_ = 0;
  double mean_ = 0.0;
  double m2_ = 0.0;
};

// SlowestRankTrials() runs `trials` steps: each rank sums `batch` draws, the
// step's figure is max over ranks of cost(sum).
template <typename Cost>
MeanAndError SlowestRankTrials(const ContextDistribution& d, int64_t dp, int64_t batch,
                               int64_t trials, std::mt19937_64& rng, Cost cost) {
  RunningMean m;
  for (int64_t n = 1; n <= trials; ++n) {
    double worst = -std::numeric_limits<double>::infinity();
    for (int64_t r = 0; r < dp; ++r) {
      int64_t sum = 0;
      for (int64_t i = 0; i < batch; ++i) sum += d.Sample(rng);
      worst = std::max(worst, cost(sum));
    }
    m.Add(worst);
  }
  return m.Result();
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

// MonteCarloImbalanceCurve is MonteCarloImbalance() for batch 1, 2, 3, ...
// on common random numbers: `trials` steps of `dp` ranks whose requests grow
// by one draw per rank from batch to batch (batch-major: every step's ranks
// draw their b-th request before any draws its b + 1-th). Batch b's figure is
// the mean over the steps of the largest rank sum at b, with its standard
// error: the estimator of MonteCarloImbalance(), which it also gives for
// batch 1 from the same engine state. A batch's figure does not depend on
// which other batches were asked for, and it never falls as the batch grows
// (each step's sums only grow). Cost: trials x dp draws per batch up to the
// largest asked, and trials x dp sums held (at most kMaxSums).
//
//   absl::StatusOr<MonteCarloImbalanceCurve> c =
//       MonteCarloImbalanceCurve::Create(*d, /*dp=*/8, /*trials=*/1000, std::mt19937_64(1));
//   absl::StatusOr<RankImbalance> at24 = c->At(24);   // draws batches 1..24
//   absl::StatusOr<RankImbalance> at8 = c->At(8);     // already drawn
class MonteCarloImbalanceCurve final {
 public:
  static constexpr int64_t kMaxSums = int64_t{1} << 26;

  // InvalidArgument naming `dp` (>= 1) or `trials` (>= 2; trials x dp at
  // most kMaxSums).
  static absl::StatusOr<MonteCarloImbalanceCurve> Create(const ContextDistribution& d, int64_t dp,
                                                         int64_t trials, std::mt19937_64 rng) {
    if (absl::Status s = context_internal::CheckRanks(dp, 1, std::numeric_limits<int64_t>::max());
        !s.ok()) {
      return s;
    }
    if (absl::Status s = context_internal::CheckTrials(trials); !s.ok()) return s;
    if (trials > kMaxSums / dp) {
      return absl::InvalidArgumentError(
          absl::StrCat("trials: ", trials, " steps of ", dp, " ranks hold ", trials, " x ", dp,
                       " sums, more than ", kMaxSums, "; use fewer trials"));
    }
    return MonteCarloImbalanceCurve(d, dp, trials, std::move(rng));
  }

  // At() is batch `batch`'s figure (1..kMaxBatchPerRank, else InvalidArgument
  // naming `batch`), drawing the batches up to it not drawn yet.
  absl::StatusOr<RankImbalance> At(int64_t batch) {
    if (absl::Status s = context_internal::CheckRanks(dp_, batch, dp_); !s.ok()) return s;
    while (static_cast<int64_t>(figures_.size()) < batch) DrawNextBatch();
    return figures_[static_cast<std::size_t>(batch - 1)];
  }

 private:
  MonteCarloImbalanceCurve(const ContextDistribution& d, int64_t dp, int64_t trials,
                           std::mt19937_64 rng)
      : d_(d),
        dp_(dp),
        trials_(trials),
        rng_(std::move(rng)),
        sums_(static_cast<std::size_t>(trials * dp), 0) {}

  void DrawNextBatch() {
    context_internal::RunningMean m;
    std::size_t i = 0;
    for (int64_t n = 1; n <= trials_; ++n) {
      int64_t worst = 0;
      for (int64_t r = 0; r < dp_; ++r, ++i) {
        sums_[i] += d_.Sample(rng_);
        worst = std::max(worst, sums_[i]);
      }
      m.Add(static_cast<double>(worst));
    }
    const double b = static_cast<double>(figures_.size() + 1);
    const context_internal::MeanAndError r = m.Result();
    figures_.push_back(RankImbalance{.balanced = d_.Mean() * b,
                                     .slowest = TokenCount(r.mean),
                                     .slowest_stderr = TokenCount(r.stderr_of_mean)});
  }

  ContextDistribution d_;
  int64_t dp_ = 1;
  int64_t trials_ = 2;
  std::mt19937_64 rng_;
  std::vector<int64_t> sums_;           // step-major: step t's ranks at [t dp, (t + 1) dp)
  std::vector<RankImbalance> figures_;  // figures_[b - 1]: batch b
};

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

#endif  // PERFMODEL_RANK_IMBALANCE_H_
