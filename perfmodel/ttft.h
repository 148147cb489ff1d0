// File: perfmodel/ttft.h
// -----------------------------------------------------------------------------
//
// Time to first token under load on one prefill (P) rank: how long a prompt
// waits behind the prompts that arrived before it, plus its own prefill, plus a
// fixed tail (the KV-cache transfer to a decode node and the first decode
// step). It turns a prefill cost model's per-prompt times into the TTFT
// distribution at an arrival rate, and the arrival rate a TTFT target allows.
//
// Example (prefill times of the prompt lengths at the 12.5/37.5/62.5/87.5 %
// quantiles of a long-tailed length distribution; 4 prompts/s on the rank):
//
//   constexpr std::array<Duration, 4> kPrefill = {
//       Milliseconds(50), Milliseconds(100), Milliseconds(200), Milliseconds(400)};
//   constexpr TtftStats s = PrefillTtft(kPrefill, Hertz(4), Milliseconds(20));
//   // s.utilisation == 0.75, ToMilliseconds(s.mean_service) == 187.5
//   // ToMilliseconds(s.mean_wait) == 425, ToMilliseconds(s.mean_ttft) == 632.5
//   // ToMilliseconds(s.p50) == 453.8, s.p90 == 1365.9 ms, s.p99 == 2670.7 ms
//   constexpr MaxRate m = MaxArrivalRate(kPrefill, Seconds(1), 0.9, Milliseconds(20));
//   // m.reachable, ToHertz(m.rate) == 3.489 (ρ = 0.654),
//   // ToMilliseconds(m.ttft_at_rate) == 1000
//
// The model. One P rank (an attention data-parallel rank) serves prompts first
// come, first served. Prompts arrive as a Poisson process of rate λ. A prompt's
// service time X is its prefill time, given as n equally weighted samples
// x_1..x_n (e.g. the prefill time of the prompt lengths at n quantiles of the
// prompt-length distribution; the samples stand for the whole law). Prefill of
// long prompts is compute-bound, so batching several prompts into one forward,
// or chunking one prompt over several, changes little in prompt tokens per
// second; the rank is then approximated as one server working through whole
// prompts in arrival order, an M/G/1 queue:
//
//   utilisation   ρ    = λ E[X]                 (ρ >= 1: unstable, TTFT infinite)
//   mean wait     E[W] = λ E[X²] / (2 (1 − ρ))  (Pollaczek–Khinchine, exact for M/G/1)
//   wait law      P(W = 0) = 1 − ρ; given W > 0, W ~ Exponential(mean E[W] / ρ),
//                 i.e. F_W(w) = 1 − ρ exp(−θ w), θ = ρ / E[W] = 2 (1 − ρ) E[X] / E[X²]
//   TTFT          T = W + X + extra, W independent of the arriving prompt's own X
//   CDF           P(T <= t) = (1/n) Σ_i F_W(t − x_i − extra)
//
// The wait law has the exact mean and the exact probability of not waiting;
// its exponential shape is exact for M/M/1 (exponential service) and the
// heavy-traffic limit otherwise. Against a seeded simulation of the queue
// itself (TtftTest.MatchesMonteCarloOfTheQueue in //perfmodel:ttft_test, 4M
// prompts a case) the mean wait agrees within its standard error, and the
// TTFT percentiles are off by
//
//   service law (squared coeff. of variation)   ρ     p90     p99
//   two points 20 / 180 ms (0.64)               0.5   +4.4 %  +11 %
//                                               0.8   +2.2 %  +4.2 %
//   lognormal sigma 1, 64 quantiles (1.72)      0.5   -2.8 %  -3.7 %
//                                               0.8   -1.3 %  -1.5 %
//
// high for a law less variable than the exponential (its true wait tail
// decays faster), low for a more variable one, shrinking as ρ grows. Read a
// p99 at moderate load as good to about 10 %.
//
// Limits. Not modelled: that a batch finishes together (batching several
// prompts raises the wait of the first prompts of a batch above this figure);
// preemption, priorities and any scheduling other than FCFS; chunked prefill
// interleaved with decode on the same rank; arrivals that are burstier than
// Poisson (a burst raises the wait); load imbalance between P ranks (each rank
// is modelled alone at its own λ). The percentiles are those of the model's
// wait law, not of the exact M/G/1 wait, see above. The samples are the whole
// service law: n quantiles cut its tail beyond the last one, which lowers
// E[X²] and so the wait (0.17 % for 2000 quantiles of an exponential, more for
// a heavier tail or fewer samples).
//
// Quantiles are found by bisection on t to a relative tolerance of 1e-9 (at
// most kTtftMaxBisections steps, each O(n)); MaxArrivalRate() bisects λ in
// (0, 1/E[X]) on P(T <= target) >= percentile, which decreases in λ. Nothing
// allocates. The model's functions are constexpr (exponentials and
// logarithms come from perfmodel/constexpr_math.h, one code path for compile
// and run time); they assume valid input, checked once at the boundary by
// ValidateTtftInput() and ValidateTtftTarget().

#ifndef PERFMODEL_TTFT_H_
#define PERFMODEL_TTFT_H_

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "perfmodel/constexpr_math.h"
#include "perfmodel/units.h"

namespace perfmodel {

// The most bisection steps a quantile or a rate search takes. 1e-9 relative
// needs about 30 (the bracket never exceeds its upper end); the cap only
// bounds the work for input that skipped validation.
inline constexpr int kTtftMaxBisections = 200;

// The relative tolerance of quantiles and of MaxArrivalRate()'s rate.
inline constexpr double kTtftRelativeTolerance = 1e-9;

// The TTFT of one P rank at one arrival rate.
struct TtftStats final {
  Frequency arrival_rate;  // λ, prompts per second on this rank
  double utilisation = 0;  // ρ = λ E[X]
  bool stable = false;     // ρ < 1; when false, every time below is infinite
  Duration mean_service;   // E[X]: the mean prefill time
  Duration mean_wait;      // E[W], Pollaczek–Khinchine
  Duration mean_ttft;      // E[W] + E[X] + extra
  Duration p50, p90, p99;  // TTFT percentiles
};

// The largest arrival rate that keeps a TTFT percentile at or below a target.
struct MaxRate final {
  // The largest λ meeting the target, to kTtftRelativeTolerance (from below:
  // it meets the target). Zero when !reachable.
  Frequency rate;
  // False when the target is missed even as λ → 0, i.e. when the percentile of
  // X + extra alone is above the target: no queueing is slow enough.
  bool reachable = false;
  // The percentile at `rate` (TtftQuantile(), 1e-9 from above): the target or
  // just under it when reachable; when not, the percentile at λ → 0, the best
  // the rank can do.
  Duration ttft_at_rate;
};

namespace ttft_internal {

// The moments of the service samples and the wait law at one rate.
struct Queue final {
  Duration mean;         // E[X]
  Duration shortest;     // min x_i
  Duration longest;      // max x_i
  double second_s2 = 0;  // E[X²] in s²
  double rho = 0;        // ρ = λ E[X]
  Frequency decay;       // θ = 2 (1 − ρ) E[X] / E[X²]: the rate of W's exponential part
  Duration extra;
  bool stable = false;
};

constexpr Queue MakeQueue(std::span<const Duration> service, Frequency rate, Duration extra) {
  Queue q;
  if (service.empty()) return q;
  double sum = 0.0, sum2 = 0.0;
  q.shortest = Duration::Infinite();
  q.longest = -Duration::Infinite();
  for (const Duration x : service) {
    sum += ToSeconds(x);
    sum2 += ToSeconds(x) * ToSeconds(x);
    q.shortest = Min(q.shortest, x);
    q.longest = Max(q.longest, x);
  }
  const double n = static_cast<double>(service.size());
  q.mean = Seconds(sum / n);
  q.second_s2 = sum2 / n;
  q.rho = rate * q.mean;
  q.stable = q.rho < 1.0;
  q.decay = q.second_s2 > 0.0 ? Hertz(2.0 * (1.0 - q.rho) * ToSeconds(q.mean) / q.second_s2)
                              : Frequency::Infinite();
  q.extra = extra;
  return q;
}

// WaitCdf() is F_W(w) = 1 − ρ exp(−θ w) for w >= 0, 0 below.
constexpr double WaitCdf(const Queue& q, Duration w) {
  if (!q.stable || w < Duration::Zero()) return 0.0;
  const double x = q.decay * w;
  // exp(-40) ~ 4e-18 is below half an ulp of 1: the sum is 1 either way, and
  // Exp()'s scaling loop stays short.
  if (!(x < 40.0)) return 1.0;
  return 1.0 - q.rho * cmath::Exp(-x);
}

// WaitQuantile() is the smallest w with F_W(w) >= p, 0 < p < 1.
constexpr Duration WaitQuantile(const Queue& q, double p) {
  if (!q.stable) return Duration::Infinite();
  if (p <= 1.0 - q.rho) return Duration::Zero();
  return cmath::Log(q.rho / (1.0 - p)) / q.decay;
}

constexpr double TtftCdf(const Queue& q, std::span<const Duration> service, Duration t) {
  double sum = 0.0;
  // t − (x + extra), so that t = x + extra gives w == 0 exactly (the atom).
  for (const Duration x : service) sum += WaitCdf(q, t - (x + q.extra));
  return sum / static_cast<double>(service.size());
}

// TtftQuantile() bisects t in [min x + extra + w_p, max x + extra + w_p], which
// holds the quantile: (1/n) Σ F_W(t − x_i − extra) lies between F_W at the
// largest and at the smallest x_i. The CDF is continuous but for its steps at
// the atoms x_i + extra; a quantile that falls on a step is returned exactly.
constexpr Duration TtftQuantile(const Queue& q, std::span<const Duration> service, double p) {
  if (!(p > 0.0 && p < 1.0) || service.empty()) {
    return Duration::FromBase(std::numeric_limits<double>::quiet_NaN());
  }
  if (!q.stable) return Duration::Infinite();
  const Duration w = WaitQuantile(q, p);
  Duration lo = q.shortest + q.extra + w;
  Duration hi = q.longest + q.extra + w;
  if (TtftCdf(q, service, lo) >= p) return lo;
  for (int i = 0; i < kTtftMaxBisections && hi - lo > kTtftRelativeTolerance * hi; ++i) {
    const Duration mid = lo + (hi - lo) * 0.5;
    (TtftCdf(q, service, mid) >= p ? hi : lo) = mid;
  }
  // The quantile is in (lo, hi]; if a step lies there and reaches p, it is the
  // step. Each pass takes the lowest step above lo.
  for (int i = 0; i < kTtftMaxBisections; ++i) {
    Duration step = Duration::Infinite();
    for (const Duration x : service) {
      if (x + q.extra > lo && x + q.extra < step) step = x + q.extra;
    }
    if (!(step < hi)) break;
    if (TtftCdf(q, service, step) >= p) return step;
    lo = step;
  }
  return hi;
}

}  // namespace ttft_internal

// TtftCdf() is P(TTFT <= t) at arrival rate `rate`: 0 for every t when the
// rank is unstable (ρ >= 1). Right-continuous, with a step of (1 − ρ)/n at
// each x_i + extra (the prompts that do not wait).
constexpr double TtftCdf(std::span<const Duration> service, Frequency rate, Duration extra,
                         Duration t) {
  if (service.empty()) return 0.0;
  return ttft_internal::TtftCdf(ttft_internal::MakeQueue(service, rate, extra), service, t);
}

// TtftQuantile() is the p-quantile of TTFT (the smallest t with
// TtftCdf(t) >= p), to a relative tolerance of 1e-9, from above. Infinite when
// the rank is unstable; NaN for p outside (0, 1) or no samples.
constexpr Duration TtftQuantile(std::span<const Duration> service, Frequency rate, Duration extra,
                                double p) {
  return ttft_internal::TtftQuantile(ttft_internal::MakeQueue(service, rate, extra), service, p);
}

// PrefillTtft() is the TTFT of a P rank receiving `rate` prompts per second
// whose prefill times are `service` (equally weighted samples), plus `extra`
// after the prefill. When ρ >= 1 it returns stable == false and infinite
// times (mean_service is still E[X]).
constexpr TtftStats PrefillTtft(std::span<const Duration> service, Frequency rate, Duration extra) {
  const ttft_internal::Queue q = ttft_internal::MakeQueue(service, rate, extra);
  TtftStats s{.arrival_rate = rate,
              .utilisation = q.rho,
              .stable = q.stable,
              .mean_service = q.mean,
              .mean_wait = Duration::Infinite(),
              .mean_ttft = Duration::Infinite(),
              .p50 = Duration::Infinite(),
              .p90 = Duration::Infinite(),
              .p99 = Duration::Infinite()};
  if (!q.stable) return s;
  s.mean_wait = Seconds(ToHertz(rate) * q.second_s2 / (2.0 * (1.0 - q.rho)));
  s.mean_ttft = s.mean_wait + q.mean + extra;
  s.p50 = ttft_internal::TtftQuantile(q, service, 0.5);
  s.p90 = ttft_internal::TtftQuantile(q, service, 0.9);
  s.p99 = ttft_internal::TtftQuantile(q, service, 0.99);
  return s;
}

// MaxArrivalRate() is the largest arrival rate whose TTFT `percentile`
// (0 < percentile < 1) is at or below `target`: a bisection of λ in
// (0, 1/E[X]) on TtftCdf(target) >= percentile, to a relative tolerance of
// 1e-9, from below. When even λ → 0 misses the target (the percentile of
// X + extra alone is above it) it returns reachable == false, rate zero, and
// that percentile as ttft_at_rate. When the target is met at λ → 0 only on
// the edge (it equals an x_i + extra that the percentile falls on), any λ > 0
// misses it: reachable, with a rate of zero.
constexpr MaxRate MaxArrivalRate(std::span<const Duration> service, Duration target,
                                 double percentile, Duration extra) {
  const ttft_internal::Queue idle = ttft_internal::MakeQueue(service, Hertz(0), extra);
  if (service.empty() || !(idle.mean > Duration::Zero())) {
    return MaxRate{.rate = Hertz(0),
                   .reachable = false,
                   .ttft_at_rate = Duration::FromBase(std::numeric_limits<double>::quiet_NaN())};
  }
  if (!(ttft_internal::TtftCdf(idle, service, target) >= percentile)) {
    return MaxRate{.rate = Hertz(0),
                   .reachable = false,
                   .ttft_at_rate = ttft_internal::TtftQuantile(idle, service, percentile)};
  }
  // lo meets the target, hi (ρ = 1) does not.
  Frequency lo = Hertz(0);
  Frequency hi = 1.0 / idle.mean;
  for (int i = 0; i < kTtftMaxBisections && hi - lo > kTtftRelativeTolerance * hi; ++i) {
    const Frequency mid = lo + (hi - lo) * 0.5;
    const ttft_internal::Queue q = ttft_internal::MakeQueue(service, mid, extra);
    (ttft_internal::TtftCdf(q, service, target) >= percentile ? lo : hi) = mid;
  }
  return MaxRate{
      .rate = lo, .reachable = true, .ttft_at_rate = TtftQuantile(service, lo, extra, percentile)};
}

namespace ttft_internal {

inline absl::Status CheckTime(const char* field, Duration d, bool zero_ok) {
  const double ms = ToMilliseconds(d);
  if (!std::isfinite(ms) || ms < 0.0 || (!zero_ok && ms == 0.0)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be finite and ",
                                                   zero_ok ? ">= 0" : "> 0", ", got ", ms, " ms"));
  }
  return absl::OkStatus();
}

}  // namespace ttft_internal

// ValidateTtftInput() returns InvalidArgument naming the first bad field:
// `service` (no samples), `service[i]` (a sample not finite and > 0),
// `rate` (not finite and >= 0 per second), `extra` (not finite and >= 0).
// An unstable rate (ρ >= 1) is valid input; PrefillTtft() reports it, and
// CheckStable() turns it into an error.
inline absl::Status ValidateTtftInput(std::span<const Duration> service, Frequency rate,
                                      Duration extra) {
  if (service.empty()) {
    return absl::InvalidArgumentError("service: must hold at least one prefill time, got none");
  }
  for (size_t i = 0; i < service.size(); ++i) {
    const double ms = ToMilliseconds(service[i]);
    if (!std::isfinite(ms) || !(ms > 0.0)) {
      return absl::InvalidArgumentError(
          absl::StrCat("service[", i, "]: must be finite and > 0, got ", ms, " ms"));
    }
  }
  const double hz = ToHertz(rate);
  if (!std::isfinite(hz) || hz < 0.0) {
    return absl::InvalidArgumentError(
        absl::StrCat("rate: must be finite and >= 0 per second, got ", hz, " /s"));
  }
  return ttft_internal::CheckTime("extra", extra, /*zero_ok=*/true);
}

// ValidateTtftTarget() returns InvalidArgument naming `target` (not finite and
// > 0) or `percentile` (outside (0, 1)): the inputs of MaxArrivalRate() and
// TtftQuantile() besides ValidateTtftInput()'s.
inline absl::Status ValidateTtftTarget(Duration target, double percentile) {
  if (absl::Status s = ttft_internal::CheckTime("target", target, /*zero_ok=*/false); !s.ok()) {
    return s;
  }
  if (!(percentile > 0.0 && percentile < 1.0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("percentile: must be in (0, 1), got ", percentile));
  }
  return absl::OkStatus();
}

// CheckStable() is OK when the rank keeps up (ρ < 1), and otherwise
// FailedPrecondition naming `rate`, the utilisation and the rate that
// saturates the rank (1 / E[X]).
inline absl::Status CheckStable(const TtftStats& s) {
  if (s.stable) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("rate: ", ToHertz(s.arrival_rate), " /s gives utilisation ", s.utilisation,
                   " >= 1, the queue grows without bound (the rank saturates at ",
                   ToHertz(1.0 / s.mean_service), " /s)"));
}

}  // namespace perfmodel

#endif  // PERFMODEL_TTFT_H_
