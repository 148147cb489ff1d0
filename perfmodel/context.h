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
//
// The pieces: perfmodel/order_statistics.h (the normal and its maxima),
// perfmodel/context_distribution.h (lengths), perfmodel/rank_imbalance.h
// (the slowest rank).

#ifndef PERFMODEL_CONTEXT_H_
#define PERFMODEL_CONTEXT_H_

#include "perfmodel/context_distribution.h"  // IWYU pragma: export
#include "perfmodel/order_statistics.h"      // IWYU pragma: export
#include "perfmodel/rank_imbalance.h"        // IWYU pragma: export

#endif  // PERFMODEL_CONTEXT_H_
