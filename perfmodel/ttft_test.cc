// Tests for perfmodel/ttft.h: M/D/1 and M/M/1 against their closed forms, a
// seeded simulation of the queue itself (Lindley's recursion), monotonicity,
// the arrival-rate search, compile-time evaluation and validation.

#include "perfmodel/ttft.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <numbers>
#include <random>
#include <span>
#include <tuple>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "perfmodel/constexpr_math.h"
#include "perfmodel/testing/matchers.h"

namespace perfmodel {
namespace {

using ::perfmodel::testing::DurationNear;
using ::perfmodel::testing::IsOk;
using ::perfmodel::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr bool Near(double a, double b, double tol) { return a - b <= tol && b - a <= tol; }

// M/D/1 at compile time: x = 200 ms, λ = 2.5/s, so ρ = 0.5 and
// E[W] = ρ x / (2 (1 − ρ)) = 100 ms; θ = ρ / E[W] = 5/s. Half the prompts do
// not wait, so p50 = x + extra; p90 = x + extra + ln(ρ / 0.1) / θ.
constexpr std::array<Duration, 1> kFixed = {Milliseconds(200)};
constexpr TtftStats kMd1 = PrefillTtft(kFixed, Hertz(2.5), Milliseconds(10));
static_assert(kMd1.stable);
static_assert(Near(kMd1.utilisation, 0.5, 1e-15));
static_assert(Near(ToMilliseconds(kMd1.mean_wait), 100.0, 1e-9));
static_assert(Near(ToMilliseconds(kMd1.mean_ttft), 310.0, 1e-9));
static_assert(Near(ToMilliseconds(kMd1.p50), 210.0, 1e-9));
static_assert(Near(ToMilliseconds(kMd1.p90), 210.0 + 1000.0 * 1.6094379124341003 / 5.0, 1e-6));

// The header's example: E[X] = 187.5 ms, E[X²] = 0.053125 s², λ = 4/s.
constexpr std::array<Duration, 4> kExample = {Milliseconds(50), Milliseconds(100),
                                              Milliseconds(200), Milliseconds(400)};
constexpr TtftStats kExampleStats = PrefillTtft(kExample, Hertz(4), Milliseconds(20));
static_assert(Near(kExampleStats.utilisation, 0.75, 1e-12));
static_assert(Near(ToMilliseconds(kExampleStats.mean_wait), 4 * 53125.0 / (2 * 0.25) / 1e3, 1e-9));
constexpr MaxRate kExampleRate = MaxArrivalRate(kExample, Seconds(1), 0.9, Milliseconds(20));
static_assert(kExampleRate.reachable);
static_assert(kExampleRate.ttft_at_rate <= Seconds(1 + 2e-9));
static_assert(kExampleRate.ttft_at_rate > Milliseconds(999.999));

// Hand formula of the model's CDF, on std::exp: (1/n) Σ F_W(t − x_i − extra)
// with F_W(w) = 1 − ρ exp(−θ w), θ = 2 (1 − ρ) E[X] / E[X²].
double HandCdf(std::span<const Duration> xs, double lambda, double extra_s, double t_s) {
  double m1 = 0, m2 = 0;
  for (Duration x : xs) m1 += ToSeconds(x), m2 += ToSeconds(x) * ToSeconds(x);
  m1 /= xs.size(), m2 /= xs.size();
  const double rho = lambda * m1, theta = 2 * (1 - rho) * m1 / m2;
  double sum = 0;
  for (Duration x : xs) {
    const double w = t_s - ToSeconds(x) - extra_s;
    sum += w < 0 ? 0 : 1 - rho * std::exp(-theta * w);
  }
  return sum / xs.size();
}

TEST(TtftTest, HeaderExample) {
  const TtftStats& s = kExampleStats;
  EXPECT_NEAR(ToMilliseconds(s.mean_service), 187.5, 1e-9);
  EXPECT_NEAR(ToMilliseconds(s.mean_wait), 425.0, 1e-9);
  EXPECT_NEAR(ToMilliseconds(s.mean_ttft), 425.0 + 187.5 + 20.0, 1e-9);
  // Each percentile is where the hand CDF crosses it; the figures the header
  // quotes.
  for (auto [p, t] : {std::pair{0.5, s.p50}, {0.9, s.p90}, {0.99, s.p99}}) {
    EXPECT_NEAR(HandCdf(kExample, 4, 0.02, ToSeconds(t)), p, 1e-9) << p;
  }
  EXPECT_NEAR(ToMilliseconds(s.p50), 453.8, 0.05);
  EXPECT_NEAR(ToMilliseconds(s.p90), 1365.9, 0.05);
  EXPECT_NEAR(ToMilliseconds(s.p99), 2670.7, 0.05);
  // The rate for a 1 s p90 puts the hand CDF at 1 s on 0.9.
  EXPECT_NEAR(HandCdf(kExample, ToHertz(kExampleRate.rate), 0.02, 1.0), 0.9, 1e-9);
  EXPECT_NEAR(ToHertz(kExampleRate.rate), 3.489, 0.0005);
}

TEST(TtftTest, Md1MatchesClosedForm) {
  const Duration x = Milliseconds(250);
  const Duration extra = Milliseconds(30);
  const std::array<Duration, 3> xs = {x, x, x};
  for (double rho : {0.1, 0.5, 0.8, 0.95}) {
    const double lambda = rho / 0.25;
    const TtftStats s = PrefillTtft(xs, Hertz(lambda), extra);
    ASSERT_TRUE(s.stable);
    const double wait_ms = rho * 250.0 / (2 * (1 - rho));
    EXPECT_NEAR(ToMilliseconds(s.mean_wait), wait_ms, 1e-9 * wait_ms) << rho;
    EXPECT_NEAR(ToMilliseconds(s.mean_ttft), wait_ms + 280.0, 1e-9 * wait_ms) << rho;
    // W's exponential part has mean E[W] / ρ; its p-quantile is
    // (E[W] / ρ) ln(ρ / (1 − p)) once p > 1 − ρ.
    for (auto [p, got] : {std::pair{0.5, s.p50}, {0.9, s.p90}, {0.99, s.p99}}) {
      const double w_ms = p <= 1 - rho ? 0.0 : wait_ms / rho * std::log(rho / (1 - p));
      EXPECT_NEAR(ToMilliseconds(got), 280.0 + w_ms, 1e-6) << rho << " p" << p;
    }
  }
}

// Service samples at the midpoint quantiles of an exponential of mean `mean`.
std::vector<Duration> ExponentialSamples(Duration mean, int n) {
  std::vector<Duration> xs;
  for (int i = 1; i <= n; ++i) xs.push_back(-mean * std::log(1.0 - (i - 0.5) / n));
  return xs;
}

TEST(TtftTest, Mm1MatchesExactSojournTime) {
  // μ = 10/s (mean 100 ms), λ = 7/s: the M/M/1 sojourn W + X is exponential
  // with rate μ − λ = 3/s; E[W] = ρ / (μ − λ) = 233.3 ms.
  const std::vector<Duration> xs = ExponentialSamples(Milliseconds(100), 2000);
  // The discretisation: 2000 midpoint quantiles have E[X] = 1 − ln 2 / (2n)
  // means (Stirling), and E[X²] = 1.9966 mean², 0.17 % short of 2 for the tail
  // cut beyond the last sample (ln 4000 = 8.3 means). θ = 2 (1 − ρ) E[X] / E[X²]
  // moves by that much, so the model is held to the exact M/M/1 within 0.5 %
  // (the measured gap is 0.12 % at p50 to 0.19 % at p99).
  double m1 = 0, m2 = 0;
  for (Duration x : xs) m1 += ToSeconds(x) / 0.1, m2 += (ToSeconds(x) / 0.1) * (ToSeconds(x) / 0.1);
  m1 /= xs.size(), m2 /= xs.size();
  EXPECT_NEAR(m1, 1 - std::numbers::ln2 / 4000, 1e-6);
  EXPECT_NEAR(m2, 2.0, 2 * 0.002);
  const TtftStats s = PrefillTtft(xs, Hertz(7), Duration::Zero());
  EXPECT_NEAR(ToMilliseconds(s.mean_wait), 700.0 / 3, 0.005 * 700.0 / 3);
  EXPECT_NEAR(ToMilliseconds(s.mean_ttft), 1000.0 / 3, 0.005 * 1000.0 / 3);
  for (auto [p, got] : {std::pair{0.5, s.p50}, {0.9, s.p90}, {0.99, s.p99}}) {
    const double exact_ms = 1000.0 * -std::log(1 - p) / 3;
    EXPECT_NEAR(ToMilliseconds(got), exact_ms, 0.005 * exact_ms) << p;
  }
}

// A seeded simulation of the FCFS single-server queue: Lindley's recursion
// W_{k+1} = max(0, W_k + X_k − A_{k+1}), A exponential by inverse transform on
// the raw 64-bit output, X uniform over the samples.
struct Simulated final {
  double mean_wait_s = 0;
  double mean_wait_stderr_s = 0;  // from batch means
  double p90_s = 0, p99_s = 0;    // TTFT percentiles
};

Simulated SimulateQueue(std::span<const Duration> xs, double lambda, double extra_s,
                        uint64_t seed) {
  constexpr int64_t kWarmUp = 200'000;
  constexpr int64_t kBatches = 40;
  constexpr int64_t kPerBatch = 100'000;
  std::mt19937_64 rng(seed);
  auto uniform = [&rng] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };  // [0, 1)
  auto service = [&] {
    return ToSeconds(xs[rng() % xs.size()]);  // modulo bias below n / 2^64
  };
  std::vector<double> ttft;
  ttft.reserve(kBatches * kPerBatch);
  std::vector<double> batch_mean(kBatches, 0.0);
  double w = 0;
  for (int64_t k = 0; k < kWarmUp + kBatches * kPerBatch; ++k) {
    const double x = service();
    if (k >= kWarmUp) {
      batch_mean[(k - kWarmUp) / kPerBatch] += w / kPerBatch;
      ttft.push_back(w + x + extra_s);
    }
    const double a = -std::log(1.0 - uniform()) / lambda;
    w = std::max(0.0, w + x - a);
  }
  Simulated r;
  double m = 0, v = 0;
  for (double b : batch_mean) m += b / kBatches;
  for (double b : batch_mean) v += (b - m) * (b - m) / (kBatches - 1);
  r.mean_wait_s = m;
  r.mean_wait_stderr_s = std::sqrt(v / kBatches);
  auto quantile = [&ttft](double p) {
    auto it = ttft.begin() + static_cast<int64_t>(p * static_cast<double>(ttft.size()));
    std::nth_element(ttft.begin(), it, ttft.end());
    return *it;
  };
  r.p90_s = quantile(0.9);
  r.p99_s = quantile(0.99);
  return r;
}

// Prefill times at the 64 midpoint quantiles of a lognormal of mean `mean`
// and sigma 1 (squared coefficient of variation e − 1 = 1.72).
std::vector<Duration> LogNormalSamples(Duration mean, double sigma, int n) {
  std::vector<Duration> xs;
  for (int i = 1; i <= n; ++i) {
    const double z = cmath::NormalQuantile((i - 0.5) / n);
    xs.push_back(mean * std::exp(sigma * z - sigma * sigma / 2));
  }
  return xs;
}

// The mean wait is exact for M/G/1 (Pollaczek–Khinchine), so it must agree
// with the simulation within 3 standard errors (batch means of 40 x 100k
// prompts; batches far longer than the queue's relaxation time, a few hundred
// prompts at ρ = 0.8). The percentiles come from the exponential wait tail,
// exact only for exponential service; measured over seeds 20240611, 777 and
// 31337 (the simulated percentile's own noise is 0.3 to 1 %):
//
//   law (SCV)         ρ     p90             p99
//   two-point (0.64)  0.5   +4.3 .. +4.4 %  +11.1 .. +11.3 %
//   two-point (0.64)  0.8   +2.2 .. +2.7 %  +4.2 .. +4.9 %
//   lognormal (1.72)  0.5   -3.3 .. -2.8 %  -3.8 .. -3.7 %
//   lognormal (1.72)  0.8   -2.0 .. -1.3 %  -2.3 .. -1.5 %
//
// The tolerance is that error plus 1.5 points of noise: 6 % / 13 % at ρ = 0.5,
// 4.5 % / 7 % at ρ = 0.8. The model is high for the law less variable than the
// exponential (its true wait tail decays faster than θ), low for the more
// variable one; both errors shrink towards heavy traffic, where the
// exponential tail is the limit.
TEST(TtftTest, MatchesMonteCarloOfTheQueue) {
  const std::vector<Duration> two_point = {Milliseconds(20), Milliseconds(180)};
  const std::vector<Duration> lognormal = LogNormalSamples(Milliseconds(100), 1.0, 64);
  const Duration extra = Milliseconds(15);
  uint64_t seed = 20240611;
  for (const auto& [name, xs, sign] :
       {std::tuple{"two-point", two_point, +1.0}, {"lognormal", lognormal, -1.0}}) {
    double mean_s = 0;
    for (Duration x : xs) mean_s += ToSeconds(x) / xs.size();
    for (auto [rho, tol90, tol99] : {std::tuple{0.5, 0.06, 0.13}, {0.8, 0.045, 0.07}}) {
      const double lambda = rho / mean_s;
      const TtftStats s = PrefillTtft(xs, Hertz(lambda), extra);
      const Simulated mc = SimulateQueue(xs, lambda, ToSeconds(extra), seed++);
      const double z = (ToSeconds(s.mean_wait) - mc.mean_wait_s) / mc.mean_wait_stderr_s;
      const double err90 = ToSeconds(s.p90) / mc.p90_s - 1;
      const double err99 = ToSeconds(s.p99) / mc.p99_s - 1;
      std::printf(
          "%s rho %.1f: mean wait model %.3f mc %.3f +- %.3f ms (z %+.2f); "
          "p90 model %.2f mc %.2f ms (%+.2f%%); p99 model %.2f mc %.2f ms (%+.2f%%)\n",
          name, rho, ToMilliseconds(s.mean_wait), mc.mean_wait_s * 1e3, mc.mean_wait_stderr_s * 1e3,
          z, ToMilliseconds(s.p90), mc.p90_s * 1e3, 100 * err90, ToMilliseconds(s.p99),
          mc.p99_s * 1e3, 100 * err99);
      EXPECT_LT(std::abs(z), 3.0) << name << " rho " << rho;
      EXPECT_LT(std::abs(err90), tol90) << name << " rho " << rho;
      EXPECT_LT(std::abs(err99), tol99) << name << " rho " << rho;
      EXPECT_GT(sign * err99, 0.0) << name << " rho " << rho;
    }
  }
}

TEST(TtftTest, QuantilesGrowWithRateAndWithServiceTime) {
  const std::vector<Duration> xs = LogNormalSamples(Milliseconds(300), 1.0, 64);
  const Duration extra = Milliseconds(25);
  double mean_s = 0;
  for (Duration x : xs) mean_s += ToSeconds(x) / xs.size();
  // A percentile that falls on a no-wait step (x_i + extra) stays there while
  // the step covers it (the p99 on the largest sample up to ρ ~ 0.36, see
  // QuantileOnAStepIsExact), so percentiles are non-decreasing, and grow over
  // the whole range.
  const TtftStats idle = PrefillTtft(xs, Hertz(0), extra);
  TtftStats last = idle;
  for (double rho = 0.05; rho < 0.99; rho += 0.05) {
    const TtftStats s = PrefillTtft(xs, Hertz(rho / mean_s), extra);
    EXPECT_GE(s.p50, last.p50) << rho;
    EXPECT_GT(s.p90, last.p90) << rho;
    EXPECT_GE(s.p99, last.p99) << rho;
    EXPECT_GT(s.mean_wait, last.mean_wait) << rho;
    last = s;
  }
  EXPECT_GT(last.p50, idle.p50);
  EXPECT_GT(last.p99, 2.0 * idle.p99);
  // Longer prefills at the same rate: every percentile grows.
  const Frequency rate = Hertz(0.6 / mean_s);
  std::vector<Duration> slower = xs;
  for (Duration& x : slower) x *= 1.1;
  for (double p : {0.5, 0.9, 0.99}) {
    EXPECT_GT(TtftQuantile(slower, rate, extra, p), TtftQuantile(xs, rate, extra, p)) << p;
  }
  // Time rescaled (samples and extra x c, rate / c): ρ is unchanged and every
  // time scales by c.
  std::vector<Duration> scaled = xs;
  for (Duration& x : scaled) x *= 3.0;
  for (double p : {0.5, 0.9, 0.99}) {
    const Duration a = TtftQuantile(xs, rate, extra, p);
    EXPECT_THAT(TtftQuantile(scaled, rate / 3.0, extra * 3.0, p), DurationNear(3.0 * a, 1e-8 * a))
        << p;
  }
}

TEST(TtftTest, CdfIsTheHandFormula) {
  const std::vector<Duration> xs = LogNormalSamples(Milliseconds(300), 1.0, 16);
  for (double t_s : {0.05, 0.2, 0.5, 1.0, 3.0}) {
    EXPECT_NEAR(TtftCdf(xs, Hertz(2), Milliseconds(10), Seconds(t_s)), HandCdf(xs, 2, 0.01, t_s),
                1e-13)
        << t_s;
  }
  // No wait at λ = 0: the CDF is the fraction of x_i + extra at or below t.
  const std::array<Duration, 4> four = {Milliseconds(10), Milliseconds(20), Milliseconds(30),
                                        Milliseconds(40)};
  EXPECT_EQ(TtftCdf(four, Hertz(0), Milliseconds(5), Milliseconds(25)), 0.5);
  EXPECT_EQ(TtftCdf(four, Hertz(0), Milliseconds(5), Milliseconds(24.9)), 0.25);
}

TEST(TtftTest, MaxArrivalRateGivesTheTargetBack) {
  const std::vector<Duration> xs = LogNormalSamples(Milliseconds(300), 1.0, 64);
  const Duration extra = Milliseconds(25);
  double mean_s = 0;
  for (Duration x : xs) mean_s += ToSeconds(x) / xs.size();
  for (double p : {0.5, 0.9, 0.99}) {
    Frequency last = Hertz(0);
    for (double target_s : {3.0, 5.0, 10.0, 30.0}) {
      const MaxRate m = MaxArrivalRate(xs, Seconds(target_s), p, extra);
      ASSERT_TRUE(m.reachable) << p << " " << target_s;
      EXPECT_GT(m.rate, last) << p << " " << target_s;
      EXPECT_LT(m.rate * Seconds(mean_s), 1.0);
      // The percentile at the rate is the target (the rate meets it exactly;
      // the quantile is found to 1e-9 from above), and a hair more rate
      // misses it.
      EXPECT_THAT(m.ttft_at_rate, DurationNear(Seconds(target_s), Seconds(1e-6 * target_s)));
      EXPECT_LE(m.ttft_at_rate, Seconds(target_s) * (1 + 2e-9));
      EXPECT_GE(TtftCdf(xs, m.rate, extra, Seconds(target_s)), p);
      EXPECT_GT(TtftQuantile(xs, m.rate * (1 + 1e-6), extra, p), Seconds(target_s));
      last = m.rate;
    }
  }
}

TEST(TtftTest, QuantileOnAStepIsExact) {
  // 64 samples: the p99 of X alone is the largest (63/64 < 0.99), and while
  // the prompts that do not wait hold enough mass, the TTFT p99 is that
  // sample's no-wait time, x_64 + extra, exactly.
  const std::vector<Duration> xs = LogNormalSamples(Milliseconds(300), 1.0, 64);
  const Duration extra = Milliseconds(25);
  const Duration top = xs.back() + extra;
  EXPECT_EQ(TtftQuantile(xs, Hertz(0), extra, 0.99), top);
  EXPECT_EQ(TtftQuantile(xs, Hertz(0.1), extra, 0.99), top);
  // At λ → 0 that atom holds 1/64 of the mass and each prompt waits with
  // probability ρ, so P(T <= top) >= 0.99 needs about ρ <= 0.36; the
  // largest rate meeting a p99 target of `top` gives the target exactly.
  const MaxRate m = MaxArrivalRate(xs, top, 0.99, extra);
  ASSERT_TRUE(m.reachable);
  EXPECT_EQ(m.ttft_at_rate, top);
  double mean_s = 0;
  for (Duration x : xs) mean_s += ToSeconds(x) / xs.size();
  EXPECT_GT(m.rate * Seconds(mean_s), 0.2);
  EXPECT_LT(m.rate * Seconds(mean_s), 0.4);
  EXPECT_GT(TtftQuantile(xs, m.rate * (1 + 1e-6), extra, 0.99), top);
}

TEST(TtftTest, MaxArrivalRateSaysWhenNoRateMeetsTheTarget) {
  // p90 of X alone is 180 ms, plus 15 ms: a 150 ms p90 is out of reach.
  const std::array<Duration, 2> xs = {Milliseconds(20), Milliseconds(180)};
  const MaxRate m = MaxArrivalRate(xs, Milliseconds(150), 0.9, Milliseconds(15));
  EXPECT_FALSE(m.reachable);
  EXPECT_EQ(m.rate, Hertz(0));
  EXPECT_THAT(m.ttft_at_rate, DurationNear(Milliseconds(195), Nanoseconds(1)));
  // The p50 (35 ms at λ → 0) is within it: the rate is positive.
  const MaxRate p50 = MaxArrivalRate(xs, Milliseconds(150), 0.5, Milliseconds(15));
  EXPECT_TRUE(p50.reachable);
  EXPECT_GT(p50.rate, Hertz(0));
}

TEST(TtftTest, UnstableRankIsFlagged) {
  const std::array<Duration, 1> xs = {Milliseconds(100)};
  for (double lambda : {10.0, 12.0}) {  // ρ = 1 and 1.2
    const TtftStats s = PrefillTtft(xs, Hertz(lambda), Duration::Zero());
    EXPECT_FALSE(s.stable) << lambda;
    EXPECT_NEAR(s.utilisation, lambda / 10, 1e-12);
    EXPECT_EQ(s.mean_wait, Duration::Infinite());
    EXPECT_EQ(s.p50, Duration::Infinite());
    EXPECT_EQ(s.p99, Duration::Infinite());
    EXPECT_EQ(TtftCdf(xs, Hertz(lambda), Duration::Zero(), Seconds(1e6)), 0.0);
  }
  EXPECT_THAT(CheckStable(PrefillTtft(xs, Hertz(12), Duration::Zero())),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(StartsWith("rate: 12 /s gives utilisation 1.2 >= 1"),
                             HasSubstr("saturates at 10 /s"))));
  EXPECT_THAT(CheckStable(PrefillTtft(xs, Hertz(9.9), Duration::Zero())), IsOk());
}

TEST(TtftTest, ValidationNamesTheField) {
  const std::array<Duration, 3> good = {Milliseconds(1), Milliseconds(2), Milliseconds(3)};
  EXPECT_THAT(ValidateTtftInput(good, Hertz(1), Milliseconds(5)), IsOk());
  EXPECT_THAT(ValidateTtftInput(good, Hertz(0), Duration::Zero()), IsOk());
  EXPECT_THAT(ValidateTtftInput({}, Hertz(1), Duration::Zero()),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("service: must hold")));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (double bad : {-1.0, 0.0, nan, inf}) {
    const std::array<Duration, 3> xs = {Milliseconds(1), Milliseconds(bad), Milliseconds(3)};
    EXPECT_THAT(ValidateTtftInput(xs, Hertz(1), Duration::Zero()),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         StartsWith("service[1]: must be finite and > 0")))
        << bad;
  }
  for (double bad : {-1.0, nan, inf}) {
    EXPECT_THAT(
        ValidateTtftInput(good, Hertz(bad), Duration::Zero()),
        StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("rate: must be finite and >= 0")))
        << bad;
    EXPECT_THAT(
        ValidateTtftInput(good, Hertz(1), Milliseconds(bad)),
        StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("extra: must be finite and >= 0")))
        << bad;
    EXPECT_THAT(ValidateTtftTarget(Milliseconds(bad), 0.5),
                StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("target: must be")))
        << bad;
  }
  EXPECT_THAT(ValidateTtftInput(good, Hertz(-2), Duration::Zero()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("got -2 /s")));
  EXPECT_THAT(ValidateTtftTarget(Duration::Zero(), 0.5),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("target: must be")));
  EXPECT_THAT(ValidateTtftTarget(Seconds(1), 0.99), IsOk());
  for (double p : {0.0, 1.0, -0.5, 1.5, nan}) {
    EXPECT_THAT(
        ValidateTtftTarget(Seconds(1), p),
        StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("percentile: must be in (0, 1)")))
        << p;
    EXPECT_TRUE(std::isnan(ToSeconds(TtftQuantile(good, Hertz(1), Duration::Zero(), p)))) << p;
  }
}

}  // namespace
}  // namespace perfmodel
