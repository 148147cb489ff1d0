// Tests for perfmodel/context.h: each distribution's moments against closed
// forms and against its own samples, determinism, the imbalance model against
// exact enumeration and Monte Carlo, monotonicity, and every bad input.

#include "perfmodel/context.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "perfmodel/testing/matchers.h"

namespace perfmodel {
namespace {

using ::perfmodel::testing::IsOk;
using ::perfmodel::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Sample statistics of n draws.
struct Stats {
  double mean = 0, variance = 0, p99 = 0;
  int64_t min = 0, max = 0;
  std::vector<int64_t> draws;
  double StdErr() const { return std::sqrt(variance / static_cast<double>(draws.size())); }
};

Stats Draw(const ContextDistribution& d, int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Stats s;
  s.draws.reserve(n);
  long double sum = 0;
  for (int i = 0; i < n; ++i) {
    s.draws.push_back(d.Sample(rng));
    sum += s.draws.back();
  }
  s.mean = static_cast<double>(sum / n);
  long double sq = 0;
  for (int64_t x : s.draws) sq += (x - s.mean) * (x - s.mean);
  s.variance = static_cast<double>(sq / (n - 1));
  std::vector<int64_t> sorted = s.draws;
  std::sort(sorted.begin(), sorted.end());
  s.min = sorted.front();
  s.max = sorted.back();
  s.p99 = static_cast<double>(sorted[static_cast<size_t>(0.99 * n)]);
  return s;
}

// Moments of a finite list of equally likely values, from first principles.
struct Exact {
  double mean = 0, variance = 0, skewness = 0;
};
Exact MomentsOf(const std::vector<double>& v) {
  Exact e;
  for (double x : v) e.mean += x / v.size();
  double m3 = 0;
  for (double x : v) {
    e.variance += (x - e.mean) * (x - e.mean) / v.size();
    m3 += (x - e.mean) * (x - e.mean) * (x - e.mean) / v.size();
  }
  e.skewness = e.variance > 0 ? m3 / std::pow(e.variance, 1.5) : 0.0;
  return e;
}

void ExpectMoments(const ContextDistribution& d, const Exact& e, double rel = 1e-9) {
  EXPECT_NEAR(ToTokens(d.Mean()), e.mean, rel * e.mean) << d.DebugString();
  EXPECT_NEAR(d.Variance() / (Tokens(TokenCount(1)) * TokenCount(1)), e.variance,
              rel * e.mean * e.mean + 1e-9)
      << d.DebugString();
  EXPECT_NEAR(d.Skewness(), e.skewness, 1e-6 + rel * std::abs(e.skewness)) << d.DebugString();
}

// The sample mean of 200k draws lies within 3 standard errors of Mean(), and
// the sample variance within `var_tol` (relative) of Variance().
void ExpectSamplesMatch(const ContextDistribution& d, double var_tol = 0.03) {
  const Stats s = Draw(d, 200000, 12345);
  EXPECT_NEAR(s.mean, ToTokens(d.Mean()), 3 * s.StdErr() + 0.5) << d.DebugString();
  const double var = d.Variance() / (Tokens(TokenCount(1)) * TokenCount(1));
  EXPECT_NEAR(s.variance, var, var_tol * var + 0.5) << d.DebugString();
  EXPECT_GE(s.min, 1);
  EXPECT_LE(s.max, d.Largest());
  EXPECT_LE(s.max, d.max_context());
}

ContextDistribution LogNormalOrDie(double mean, double sigma) {
  absl::StatusOr<ContextDistribution> d = ContextDistribution::LogNormal(TokenCount(mean), sigma);
  EXPECT_THAT(d, IsOk());
  return *d;
}

ContextDistribution EmpiricalOrDie(std::vector<int64_t> v) {
  absl::StatusOr<ContextDistribution> d = ContextDistribution::Empirical(std::move(v));
  EXPECT_THAT(d, IsOk());
  return *d;
}

// ---------------------------------------------------------------------------
// Distributions.

TEST(ContextDistributionTest, FixedIsAPointMass) {
  absl::StatusOr<ContextDistribution> d = ContextDistribution::Fixed(4096);
  ASSERT_THAT(d, IsOk());
  ExpectMoments(*d, {4096, 0, 0});
  EXPECT_EQ(d->Largest(), 4096);
  const Stats s = Draw(*d, 1000, 1);
  EXPECT_EQ(s.min, 4096);
  EXPECT_EQ(s.max, 4096);
}

TEST(ContextDistributionTest, UniformMatchesClosedFormAndCoversItsRange) {
  absl::StatusOr<ContextDistribution> d = ContextDistribution::Uniform(1000, 3000);
  ASSERT_THAT(d, IsOk());
  const double n = 2001;
  ExpectMoments(*d, {2000, (n * n - 1) / 12, 0});
  ExpectSamplesMatch(*d);
  absl::StatusOr<ContextDistribution> small = ContextDistribution::Uniform(3, 6);
  ASSERT_THAT(small, IsOk());
  const Stats s = Draw(*small, 10000, 2);
  EXPECT_EQ(s.min, 3);
  EXPECT_EQ(s.max, 6);
  EXPECT_EQ(small->Largest(), 6);
}

TEST(ContextDistributionTest, NormalFarFromOneIsTheUntruncatedNormal) {
  absl::StatusOr<ContextDistribution> d =
      ContextDistribution::Normal(TokenCount(4096), TokenCount(512));
  ASSERT_THAT(d, IsOk());
  // 1 token is 8 standard deviations below the mean: truncation is invisible.
  ExpectMoments(*d, {4096, 512.0 * 512.0, 0}, 1e-9);
  ExpectSamplesMatch(*d);
}

TEST(ContextDistributionTest, NormalTruncatedAtOneRaisesTheMean) {
  absl::StatusOr<ContextDistribution> d =
      ContextDistribution::Normal(TokenCount(20), TokenCount(40));
  ASSERT_THAT(d, IsOk());
  // Closed form of the truncated normal: mean + sd * phi(a) / (1 - Phi(a)).
  const double a = (1.0 - 20.0) / 40.0;
  const double phi = std::exp(-a * a / 2) / std::sqrt(2 * M_PI);
  const double tail = 0.5 * std::erfc(a / std::sqrt(2.0));
  EXPECT_NEAR(ToTokens(d->Mean()), 20 + 40 * phi / tail, 1e-9);
  EXPECT_GT(d->Skewness(), 0.0);
  ExpectSamplesMatch(*d);
}

TEST(ContextDistributionTest, NormalWithZeroStddevIsAPointMass) {
  absl::StatusOr<ContextDistribution> d = ContextDistribution::Normal(TokenCount(300), Tokens());
  ASSERT_THAT(d, IsOk());
  ExpectMoments(*d, {300, 0, 0});
  EXPECT_EQ(Draw(*d, 100, 3).max, 300);
  // A fractional mean: the point mass is at the whole tokens every draw
  // returns, and so is the mean (the flags fuzzer's normal:2.096:0 had a
  // mean of 2.096 above its largest draw, 2).
  absl::StatusOr<ContextDistribution> f = ContextDistribution::Normal(TokenCount(2.096), Tokens());
  ASSERT_THAT(f, IsOk());
  ExpectMoments(*f, {2, 0, 0});
  EXPECT_EQ(f->Largest(), 2);
  EXPECT_EQ(Draw(*f, 100, 3).max, 2);
}

TEST(ContextDistributionTest, LogNormalKeepsItsMeanAndHasTheLogNormalShape) {
  for (double sigma : {0.25, 0.5, 1.0, 1.5}) {
    const ContextDistribution d = LogNormalOrDie(4096, sigma);
    const double w = std::exp(sigma * sigma);
    // mean, variance mean^2 (w - 1), skewness (w + 2) sqrt(w - 1).
    ExpectMoments(d, {4096, 4096.0 * 4096.0 * (w - 1), (w + 2) * std::sqrt(w - 1)}, 1e-7);
  }
  for (double sigma : {0.25, 0.5, 1.0}) {
    const ContextDistribution d = LogNormalOrDie(4096, sigma);
    ExpectSamplesMatch(d, 0.05 * sigma * sigma + 0.01);
    // p99 of the samples against the law's p99 exp(mu + 2.3263 sigma).
    const double p99 = std::exp(std::log(4096) - sigma * sigma / 2 + 2.3263478740 * sigma);
    EXPECT_NEAR(Draw(d, 200000, 7).p99 / p99, 1.0, 0.03) << sigma;
  }
}

TEST(ContextDistributionTest, LogNormalTailGrowsWithSigma) {
  // At a fixed mean, the q-quantile over the mean is exp(z_q sigma - sigma^2 / 2),
  // rising while sigma < z_q: up to 2.33 for p99. The largest of 100k draws
  // (z ~ 4.3) rises over the whole range.
  double last_p99 = 0, last_max = 0;
  for (double sigma : {0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.25, 3.0}) {
    const Stats s = Draw(LogNormalOrDie(4096, sigma), 100000, 11);
    if (sigma <= 2.25) {
      EXPECT_GT(s.p99 / 4096, last_p99) << sigma;
      last_p99 = s.p99 / 4096;
    }
    EXPECT_GT(static_cast<double>(s.max), last_max) << sigma;
    last_max = static_cast<double>(s.max);
  }
}

TEST(ContextDistributionTest, EmpiricalMomentsAreThoseOfTheList) {
  const std::vector<int64_t> v = {1, 2, 3, 10, 10, 700};
  const ContextDistribution d = EmpiricalOrDie(v);
  ExpectMoments(d, MomentsOf({1, 2, 3, 10, 10, 700}));
  EXPECT_EQ(d.Largest(), 700);
  ExpectSamplesMatch(d);
  // Every value is drawn, repeats twice as often.
  const Stats s = Draw(d, 60000, 5);
  std::map<int64_t, int> count;
  for (int64_t x : s.draws) ++count[x];
  EXPECT_EQ(count.size(), 5u);
  EXPECT_NEAR(count[10] / 60000.0, 2.0 / 6, 0.01);
  EXPECT_NEAR(count[700] / 60000.0, 1.0 / 6, 0.01);
}

TEST(ContextDistributionTest, CapClampsEverySampleAndTheMoments) {
  absl::StatusOr<ContextDistribution> d = EmpiricalOrDie({100, 200, 300}).WithCap(250);
  ASSERT_THAT(d, IsOk());
  ExpectMoments(*d, MomentsOf({100, 200, 250}));
  EXPECT_EQ(d->Largest(), 250);
  EXPECT_EQ(Draw(*d, 1000, 1).max, 250);

  // A lognormal with a long tail loses mean and most of its skew to a cap.
  const ContextDistribution free = LogNormalOrDie(4096, 1.5);
  absl::StatusOr<ContextDistribution> capped = free.WithCap(131072);
  ASSERT_THAT(capped, IsOk());
  EXPECT_LT(capped->Mean(), free.Mean());
  EXPECT_LT(capped->Skewness(), free.Skewness() / 2);
  EXPECT_EQ(capped->Largest(), 131072);
  ExpectSamplesMatch(*capped);
  // A second cap replaces the first.
  absl::StatusOr<ContextDistribution> recapped = capped->WithCap(1 << 30);
  ASSERT_THAT(recapped, IsOk());
  EXPECT_EQ(recapped->max_context(), 1 << 30);
}

TEST(ContextDistributionTest, DecodeGrowthAddsAUniformStep) {
  absl::StatusOr<ContextDistribution> d =
      ContextDistribution::Fixed(1000).value().WithDecodeGrowth(100);
  ASSERT_THAT(d, IsOk());
  // t uniform on 0..99: mean 49.5, variance (100^2 - 1) / 12.
  ExpectMoments(*d, {1049.5, (100.0 * 100.0 - 1) / 12, 0});
  const Stats s = Draw(*d, 20000, 9);
  EXPECT_EQ(s.min, 1000);
  EXPECT_EQ(s.max, 1099);
  EXPECT_EQ(d->Largest(), 1099);
  EXPECT_EQ(d->output_tokens(), 100);
}

TEST(ContextDistributionTest, DecodeGrowthUnderACapMatchesEnumeration) {
  const std::vector<int64_t> prompts = {10, 50, 90};
  const int64_t out = 20, cap = 60;
  absl::StatusOr<ContextDistribution> d =
      EmpiricalOrDie(prompts).WithDecodeGrowth(out).value().WithCap(cap);
  ASSERT_THAT(d, IsOk());
  std::vector<double> all;
  for (int64_t p : prompts) {
    for (int64_t t = 0; t < out; ++t) all.push_back(static_cast<double>(std::min(p + t, cap)));
  }
  ExpectMoments(*d, MomentsOf(all));
  EXPECT_EQ(d->Largest(), 60);
  ExpectSamplesMatch(*d);
}

TEST(ContextDistributionTest, DecodeGrowthOnContinuousLawsMatchesSamples) {
  for (int64_t cap : {int64_t{9000}, kMaxContextTokens}) {
    absl::StatusOr<ContextDistribution> d =
        LogNormalOrDie(4096, 0.5).WithDecodeGrowth(2048).value().WithCap(cap);
    ASSERT_THAT(d, IsOk());
    ExpectSamplesMatch(*d);
  }
  // Without a binding cap, growth adds (o - 1) / 2 and (o^2 - 1) / 12 exactly.
  const ContextDistribution prompt = LogNormalOrDie(4096, 0.5);
  absl::StatusOr<ContextDistribution> grown = prompt.WithDecodeGrowth(2048);
  ASSERT_THAT(grown, IsOk());
  EXPECT_NEAR(ToTokens(grown->Mean() - prompt.Mean()), 2047 / 2.0, 1e-6);
  EXPECT_NEAR((grown->Variance() - prompt.Variance()) / (Tokens(TokenCount(1)) * TokenCount(1)),
              (2048.0 * 2048.0 - 1) / 12, 1e-3);
  absl::StatusOr<ContextDistribution> normal =
      ContextDistribution::Normal(TokenCount(3000), TokenCount(1500)).value().WithDecodeGrowth(500);
  ASSERT_THAT(normal, IsOk());
  ExpectSamplesMatch(normal->WithCap(3500).value());
}

TEST(ContextDistributionTest, SamplingIsDeterministicForASeed) {
  const std::vector<ContextDistribution> laws = {
      ContextDistribution::Fixed(7).value(),
      ContextDistribution::Uniform(1, 1000).value(),
      ContextDistribution::Normal(TokenCount(500), TokenCount(300)).value(),
      LogNormalOrDie(4096, 1.0),
      EmpiricalOrDie({3, 1, 4, 1, 5, 9, 2, 6}),
      LogNormalOrDie(4096, 1.0).WithDecodeGrowth(64).value().WithCap(8192).value(),
  };
  for (const ContextDistribution& d : laws) {
    const Stats a = Draw(d, 1000, 42), b = Draw(d, 1000, 42), c = Draw(d, 1000, 43);
    EXPECT_EQ(a.draws, b.draws) << d.DebugString();
    if (d.kind() != ContextDistribution::Kind::kFixed) {
      EXPECT_NE(a.draws, c.draws) << d.DebugString();
    }
  }
}

TEST(ContextDistributionTest, QuantileIsExactForEachLaw) {
  // Discrete laws: the smallest length whose CDF reaches p.
  EXPECT_EQ(ContextDistribution::Fixed(7)->Quantile(0.3).value(), 7);
  const ContextDistribution u = ContextDistribution::Uniform(1, 100).value();
  EXPECT_EQ(u.Quantile(0.005).value(), 1);
  EXPECT_EQ(u.Quantile(0.5).value(), 50);
  EXPECT_EQ(u.Quantile(0.505).value(), 51);
  EXPECT_EQ(u.Quantile(0.995).value(), 100);
  const ContextDistribution e = EmpiricalOrDie({30, 10, 20, 40});
  EXPECT_EQ(e.Quantile(0.125).value(), 10);
  EXPECT_EQ(e.Quantile(0.25).value(), 10);
  EXPECT_EQ(e.Quantile(0.26).value(), 20);
  EXPECT_EQ(e.Quantile(0.875).value(), 40);
  // Continuous laws: the closed forms, rounded.
  const ContextDistribution ln = LogNormalOrDie(4096, 1.0);
  const double mu = std::log(4096.0) - 0.5;
  EXPECT_EQ(ln.Quantile(0.5).value(), std::llround(std::exp(mu)));        // 2484
  EXPECT_EQ(ln.Quantile(0.99).value(), std::llround(std::exp(mu + 2.326347874040841)));
  EXPECT_EQ(ln.Quantile(0.01).value(), std::llround(std::exp(mu - 2.326347874040841)));
  const ContextDistribution n =
      ContextDistribution::Normal(TokenCount(1000), TokenCount(100)).value();
  EXPECT_EQ(n.Quantile(0.5).value(), 1000);
  EXPECT_EQ(n.Quantile(0.975).value(), std::llround(1000 + 100 * 1.959963984540054));
  EXPECT_EQ(ContextDistribution::Normal(TokenCount(300), TokenCount(0))->Quantile(0.9).value(),
            300);
  // Truncated at 1: the quantiles of the mass above 1 (half of N(1, s^2) lies below 1).
  const ContextDistribution t =
      ContextDistribution::Normal(TokenCount(1), TokenCount(1000)).value();
  EXPECT_EQ(t.Quantile(0.5).value(), std::llround(1 + 1000 * 0.6744897501960817));
  // The cap clamps the quantile.
  EXPECT_EQ(ln.WithCap(8192)->Quantile(0.99).value(), 8192);
  EXPECT_EQ(ln.WithCap(8192)->Quantile(0.5).value(), 2484);
  // Monotone in p, and matching the samples' empirical quantiles.
  const Stats s = Draw(ln, 200000, 7);
  std::vector<int64_t> sorted = s.draws;
  std::sort(sorted.begin(), sorted.end());
  int64_t last = 0;
  for (int i = 0; i < 64; ++i) {
    const double p = (i + 0.5) / 64;
    const int64_t q = ln.Quantile(p).value();
    EXPECT_GE(q, last);
    last = q;
    const double sample = static_cast<double>(sorted[static_cast<size_t>(p * sorted.size())]);
    EXPECT_NEAR(static_cast<double>(q), sample, 0.03 * sample + 2) << p;
  }
}

TEST(ContextDistributionTest, QuantileRejectsBadPAndDecodeGrowth) {
  const ContextDistribution d = ContextDistribution::Fixed(10).value();
  for (double p : {0.0, 1.0, -0.5, 2.0, std::nan("")}) {
    EXPECT_THAT(d.Quantile(p), StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("p: must be in (0, 1)")));
  }
  EXPECT_THAT(d.WithDecodeGrowth(8)->Quantile(0.5),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("output_tokens: Quantile() covers prompt-length laws")));
}

TEST(ContextDistributionTest, DebugStringNamesTheLaw) {
  EXPECT_EQ(LogNormalOrDie(4096, 1).WithDecodeGrowth(512).value().WithCap(131072)->DebugString(),
            "LogNormal(mean=4096, sigma=1) + decode(512) cap 131072");
  EXPECT_EQ(EmpiricalOrDie({1, 2}).DebugString(), "Empirical(2 lengths)");
}

// ---------------------------------------------------------------------------
// Bad input: every field named.

TEST(ContextDistributionTest, RejectsBadParametersNamingTheField) {
  using absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(ContextDistribution::Fixed(0),
              StatusIs(kInvalidArgument, HasSubstr("tokens: must be in [1, ")));
  EXPECT_THAT(ContextDistribution::Fixed(-5), StatusIs(kInvalidArgument, HasSubstr("got -5")));
  EXPECT_THAT(ContextDistribution::Fixed(kMaxContextTokens + 1),
              StatusIs(kInvalidArgument, HasSubstr("tokens:")));
  EXPECT_THAT(ContextDistribution::Uniform(0, 10),
              StatusIs(kInvalidArgument, HasSubstr("lo: must be in [1, ")));
  EXPECT_THAT(ContextDistribution::Uniform(1, -1),
              StatusIs(kInvalidArgument, HasSubstr("hi: must be in [1, ")));
  EXPECT_THAT(ContextDistribution::Uniform(10, 5),
              StatusIs(kInvalidArgument, HasSubstr("hi: must be >= lo (10), got 5")));
  EXPECT_THAT(ContextDistribution::Normal(TokenCount(0), TokenCount(1)),
              StatusIs(kInvalidArgument, HasSubstr("mean: must be in [1, ")));
  EXPECT_THAT(ContextDistribution::Normal(TokenCount(-3), TokenCount(1)),
              StatusIs(kInvalidArgument, HasSubstr("mean:")));
  EXPECT_THAT(ContextDistribution::Normal(TokenCount(NAN), TokenCount(1)),
              StatusIs(kInvalidArgument, HasSubstr("mean:")));
  EXPECT_THAT(ContextDistribution::Normal(TokenCount(100), TokenCount(-1)),
              StatusIs(kInvalidArgument, HasSubstr("stddev: must be in [0, ")));
  EXPECT_THAT(ContextDistribution::LogNormal(TokenCount(0), 1.0),
              StatusIs(kInvalidArgument, HasSubstr("mean:")));
  EXPECT_THAT(ContextDistribution::LogNormal(TokenCount(4096), 0.0),
              StatusIs(kInvalidArgument, HasSubstr("sigma: must be in (0, 3], got 0")));
  EXPECT_THAT(ContextDistribution::LogNormal(TokenCount(4096), 3.5),
              StatusIs(kInvalidArgument, HasSubstr("sigma: must be in (0, 3], got 3.5")));
  EXPECT_THAT(ContextDistribution::LogNormal(TokenCount(4096), NAN),
              StatusIs(kInvalidArgument, HasSubstr("sigma:")));
  EXPECT_THAT(ContextDistribution::Empirical({}),
              StatusIs(kInvalidArgument, HasSubstr("lengths: empty")));
  EXPECT_THAT(ContextDistribution::Empirical({5, 7, 0}),
              StatusIs(kInvalidArgument, HasSubstr("lengths[2]: must be in [1, ")));
  EXPECT_THAT(ContextDistribution::Empirical({-4}),
              StatusIs(kInvalidArgument, HasSubstr("lengths[0]:")));
  const ContextDistribution d = ContextDistribution::Fixed(10).value();
  EXPECT_THAT(d.WithCap(0), StatusIs(kInvalidArgument, HasSubstr("max_context: must be in [1, ")));
  EXPECT_THAT(d.WithDecodeGrowth(0),
              StatusIs(kInvalidArgument, HasSubstr("output_tokens: must be in [1, ")));
  EXPECT_THAT(d.WithDecodeGrowth(kMaxOutputTokens + 1),
              StatusIs(kInvalidArgument, HasSubstr("output_tokens:")));
  EXPECT_THAT(d.WithDecodeGrowth(5).value().WithDecodeGrowth(5),
              StatusIs(kInvalidArgument, HasSubstr("output_tokens: decode growth already applied")));
}

TEST(ImbalanceTest, RejectsBadShapesNamingTheField) {
  using absl::StatusCode::kInvalidArgument;
  const ContextDistribution d = ContextDistribution::Fixed(10).value();
  std::mt19937_64 rng(1);
  EXPECT_THAT(AnalyticImbalance(d, 0, 1),
              StatusIs(kInvalidArgument, HasSubstr("dp: must be in [1, 1024], got 0")));
  // Whole messages: a substring "dp:" would also match "batch_per_dp: ...".
  EXPECT_THAT(AnalyticImbalance(d, 1025, 1),
              StatusIs(kInvalidArgument, "dp: must be in [1, 1024], got 1025"));
  EXPECT_THAT(AnalyticImbalance(d, 8, 0),
              StatusIs(kInvalidArgument, HasSubstr("batch: must be in [1, ")));
  EXPECT_THAT(AnalyticImbalance(d, 8, kMaxBatchPerRank + 1),
              StatusIs(kInvalidArgument, absl::StrCat("batch: must be in [1, ", kMaxBatchPerRank,
                                                      "], got ", kMaxBatchPerRank + 1)));
  EXPECT_THAT(MonteCarloImbalance(d, 0, 1, 10, rng),
              StatusIs(kInvalidArgument, StartsWith("dp: must be in [1, ")));
  EXPECT_THAT(MonteCarloImbalance(d, 1, -2, 10, rng),
              StatusIs(kInvalidArgument, StartsWith("batch: must be in [1, ")));
  EXPECT_THAT(MonteCarloImbalance(d, 1, 1, 1, rng),
              StatusIs(kInvalidArgument, HasSubstr("trials: must be >= 2, got 1")));
  EXPECT_THAT(MonteCarloSlowestRankTime(d, 1, 1, 0, rng, [](int64_t) { return Seconds(1); }),
              StatusIs(kInvalidArgument, HasSubstr("trials:")));
  EXPECT_THAT(ExpectedMaxOfNormals(0), StatusIs(kInvalidArgument, HasSubstr("n: must be in")));
  EXPECT_THAT(ExpectedMaxOfNormals(1025), StatusIs(kInvalidArgument, HasSubstr("n:")));
  // Monte Carlo takes any dp.
  EXPECT_THAT(MonteCarloImbalance(d, 2000, 1, 2, rng), IsOk());
  EXPECT_THAT(MonteCarloImbalanceCurve::Create(d, 0, 10, rng),
              StatusIs(kInvalidArgument, StartsWith("dp: must be in [1, ")));
  EXPECT_THAT(MonteCarloImbalanceCurve::Create(d, 8, 1, rng),
              StatusIs(kInvalidArgument, "trials: must be >= 2, got 1"));
  EXPECT_THAT(MonteCarloImbalanceCurve::Create(d, 1024, MonteCarloImbalanceCurve::kMaxSums, rng),
              StatusIs(kInvalidArgument, AllOf(StartsWith("trials: "), HasSubstr("sums"))));
  absl::StatusOr<MonteCarloImbalanceCurve> c = MonteCarloImbalanceCurve::Create(d, 8, 10, rng);
  ASSERT_THAT(c, IsOk());
  EXPECT_THAT(c->At(0), StatusIs(kInvalidArgument, StartsWith("batch: must be in [1, ")));
}

// The curve is MonteCarloImbalance() on common random numbers: batch 1 is
// the same figure from the same engine, every batch agrees with an
// independent run within the standard errors, no figure falls as the batch
// grows, and the order batches are asked in does not matter.
TEST(MonteCarloImbalanceCurveTest, AgreesWithPerBatchMonteCarloAndNeverFalls) {
  const ContextDistribution d = *ContextDistribution::LogNormal(TokenCount(4096), 1.0);
  absl::StatusOr<MonteCarloImbalanceCurve> curve =
      MonteCarloImbalanceCurve::Create(d, 8, 2000, std::mt19937_64(7));
  ASSERT_THAT(curve, IsOk());
  std::mt19937_64 same(7);
  const RankImbalance one = *MonteCarloImbalance(d, 8, 1, 2000, same);
  const RankImbalance first = *curve->At(1);
  EXPECT_EQ(first.slowest, one.slowest);
  EXPECT_EQ(first.slowest_stderr, one.slowest_stderr);
  Tokens last = first.slowest;
  for (int64_t b = 2; b <= 64; ++b) {
    const RankImbalance r = *curve->At(b);
    EXPECT_GE(r.slowest, last) << b;
    EXPECT_EQ(r.balanced, d.Mean() * static_cast<double>(b));
    last = r.slowest;
  }
  for (int64_t b : {4, 24, 64}) {
    std::mt19937_64 other(100 + static_cast<uint64_t>(b));
    const RankImbalance mc = *MonteCarloImbalance(d, 8, b, 2000, other);
    const RankImbalance r = *curve->At(b);
    const double sigma =
        std::hypot(ToTokens(r.slowest_stderr), ToTokens(mc.slowest_stderr));
    EXPECT_NEAR(ToTokens(r.slowest), ToTokens(mc.slowest), 4.0 * sigma) << b;
  }
  absl::StatusOr<MonteCarloImbalanceCurve> later =
      MonteCarloImbalanceCurve::Create(d, 8, 2000, std::mt19937_64(7));
  EXPECT_EQ(later->At(24)->slowest, curve->At(24)->slowest);
  EXPECT_EQ(later->At(8)->slowest, curve->At(8)->slowest);
}

// ---------------------------------------------------------------------------
// The file loader.

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(LoadEmpiricalLengthsTest, ReadsNumbersSkippingCommentsAndBlanks) {
  const std::string path =
      WriteTemp("good.txt", "# lengths from a trace\n\n100\n  200  # trailing comment\n300\n");
  absl::StatusOr<ContextDistribution> d = LoadEmpiricalLengths(path);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->kind(), ContextDistribution::Kind::kEmpirical);
  ExpectMoments(*d, MomentsOf({100, 200, 300}));
}

TEST(ParseEmpiricalLengthsTest, ReadsTextWithCrlfAndNoLastNewline) {
  absl::StatusOr<ContextDistribution> d =
      ParseEmpiricalLengths("# from memory\r\n100\r\n\r\n200 # x\r\n300", "mem.txt");
  ASSERT_THAT(d, IsOk());
  ExpectMoments(*d, MomentsOf({100, 200, 300}));
  EXPECT_THAT(ParseEmpiricalLengths("100\n\n12x\n", "mem.txt"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("mem.txt:3: length: '12x' is not an integer")));
  EXPECT_THAT(
      ParseEmpiricalLengths("", "mem.txt"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mem.txt: no lengths (empty file)")));
}

TEST(LoadEmpiricalLengthsTest, ErrorsNameFileAndLine) {
  using absl::StatusCode::kInvalidArgument;
  const std::string bad = WriteTemp("bad.txt", "# header\n100\n12x\n");
  EXPECT_THAT(LoadEmpiricalLengths(bad),
              StatusIs(kInvalidArgument,
                       AllOf(HasSubstr(bad + ":3: length:"), HasSubstr("'12x' is not an integer"))));
  const std::string neg = WriteTemp("neg.txt", "100\n-7\n");
  EXPECT_THAT(LoadEmpiricalLengths(neg),
              StatusIs(kInvalidArgument, HasSubstr(neg + ":2: length: must be in [1, ")));
  const std::string zero = WriteTemp("zero.txt", "0\n");
  EXPECT_THAT(LoadEmpiricalLengths(zero),
              StatusIs(kInvalidArgument, AllOf(HasSubstr(zero + ":1:"), HasSubstr("got 0"))));
  const std::string huge = WriteTemp("huge.txt", "99999999999999999999999\n");
  EXPECT_THAT(LoadEmpiricalLengths(huge),
              StatusIs(kInvalidArgument, HasSubstr(huge + ":1: length:")));
  const std::string empty = WriteTemp("empty.txt", "# nothing here\n\n");
  EXPECT_THAT(LoadEmpiricalLengths(empty),
              StatusIs(kInvalidArgument, HasSubstr(empty + ": no lengths (empty file)")));
  EXPECT_THAT(LoadEmpiricalLengths("/nonexistent/lengths.txt"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("/nonexistent/lengths.txt: cannot open")));
}

// ---------------------------------------------------------------------------
// Order statistics of the normal.

TEST(NormalOrderStatisticsTest, MatchesClosedFormsAndTables) {
  EXPECT_NEAR(ExpectedMaxOfNormals(1).value(), 0.0, 1e-10);
  EXPECT_NEAR(ExpectedMaxOfNormals(2).value(), 1 / std::sqrt(M_PI), 1e-10);
  EXPECT_NEAR(ExpectedMaxOfNormals(3).value(), 1.5 / std::sqrt(M_PI), 1e-10);
  // Harter (1961), expected values of normal order statistics.
  EXPECT_NEAR(ExpectedMaxOfNormals(10).value(), 1.53875, 1e-5);
  EXPECT_NEAR(ExpectedMaxOfNormals(100).value(), 2.50759, 1e-5);
  double last = -1;
  for (int n = 1; n <= kMaxAnalyticDp; ++n) {
    const double e = ExpectedMaxOfNormals(n).value();
    EXPECT_GT(e, last) << n;
    last = e;
  }
}

TEST(NormalOrderStatisticsTest, ExpOfMaxMatchesClosedForms) {
  for (double s : {0.1, 0.5, 1.0, 2.0, 3.0}) {
    const double e1 = std::exp(s * s / 2);
    EXPECT_NEAR(context_internal::ExpectedExpOfMax(s, 1) / e1, 1.0, 1e-9) << s;
    EXPECT_NEAR(context_internal::ExpectedExpOfMax(-s, 1) / e1, 1.0, 1e-9) << s;
    const double e2 = 2 * e1 * 0.5 * std::erfc(-s / 2);  // 2 e Phi(s / sqrt 2)
    EXPECT_NEAR(context_internal::ExpectedExpOfMax(s, 2) / e2, 1.0, 1e-9) << s;
  }
  for (double sigma : {0.05, 0.5, 1.0, 2.0, 3.0}) {
    const double w = std::exp(sigma * sigma);
    EXPECT_NEAR(context_internal::LogNormalSigmaForSkewness((w + 2) * std::sqrt(w - 1)), sigma,
                1e-6 * sigma)
        << sigma;
  }
}

// ---------------------------------------------------------------------------
// The imbalance model.

// ExactSlowest() is E[max over dp ranks of the rank's sum] when each rank
// holds `batch` draws from `values` (equally likely), by enumerating every
// outcome: all |values|^batch draws of one rank give the exact law of its
// sum; all combinations of dp ranks' sums give the expected maximum.
double ExactSlowest(const std::vector<int64_t>& values, int dp, int batch) {
  const int n = static_cast<int>(values.size());
  std::map<int64_t, double> law;
  std::vector<int> pick(batch, 0);
  for (;;) {
    int64_t sum = 0;
    for (int i : pick) sum += values[i];
    law[sum] += std::pow(1.0 / n, batch);
    int k = 0;
    while (k < batch && ++pick[k] == n) pick[k++] = 0;
    if (k == batch) break;
  }
  const std::vector<std::pair<int64_t, double>> sums(law.begin(), law.end());
  const int m = static_cast<int>(sums.size());
  std::vector<int> rank(dp, 0);
  double expected = 0;
  for (;;) {
    int64_t most = 0;
    double p = 1;
    for (int r : rank) {
      most = std::max(most, sums[r].first);
      p *= sums[r].second;
    }
    expected += p * static_cast<double>(most);
    int k = 0;
    while (k < dp && ++rank[k] == m) rank[k++] = 0;
    if (k == dp) break;
  }
  return expected;
}

// Number of distinct rank sums, to keep the enumeration small.
size_t DistinctSums(const std::vector<int64_t>& values, int batch) {
  std::vector<int64_t> sums = {0};
  for (int i = 0; i < batch; ++i) {
    std::vector<int64_t> next;
    for (int64_t s : sums) {
      for (int64_t v : values) next.push_back(s + v);
    }
    std::sort(next.begin(), next.end());
    next.erase(std::unique(next.begin(), next.end()), next.end());
    sums = next;
  }
  return sums.size();
}

TEST(ImbalanceTest, MatchesExactEnumerationOnSmallCases) {
  const std::vector<std::vector<int64_t>> sets = {{1, 3}, {1, 2, 10}, {5, 5, 5, 100}};
  double worst_shifted = 0, worst_normal = 0;
  int cases = 0;
  for (const auto& values : sets) {
    const ContextDistribution d = EmpiricalOrDie(values);
    for (int dp = 2; dp <= 8; ++dp) {
      for (int batch = 1; batch <= 4; ++batch) {
        if (std::pow(static_cast<double>(DistinctSums(values, batch)), dp) > 5e5) continue;
        ++cases;
        const double exact = ExactSlowest(values, dp, batch);
        std::mt19937_64 rng(dp * 10 + batch);
        absl::StatusOr<RankImbalance> mc = MonteCarloImbalance(d, dp, batch, 10000, rng);
        ASSERT_THAT(mc, IsOk());
        EXPECT_NEAR(ToTokens(mc->balanced), batch * ToTokens(d.Mean()), 1e-9);
        EXPECT_NEAR(ToTokens(mc->slowest), exact, 4 * ToTokens(mc->slowest_stderr) + 1e-9)
            << "dp " << dp << " batch " << batch << " set of " << values.size();
        EXPECT_GE(mc->slowest, mc->balanced);
        for (auto approx : {ImbalanceApproximation::kShiftedLogNormal,
                            ImbalanceApproximation::kNormal}) {
          absl::StatusOr<RankImbalance> a = AnalyticImbalance(d, dp, batch, approx);
          ASSERT_THAT(a, IsOk());
          EXPECT_EQ(a->balanced, mc->balanced);
          EXPECT_GE(a->slowest, a->balanced);
          const double err = std::abs(ToTokens(a->slowest) / exact - 1);
          double& worst =
              approx == ImbalanceApproximation::kNormal ? worst_normal : worst_shifted;
          worst = std::max(worst, err);
        }
      }
    }
  }
  EXPECT_GT(cases, 50);
  // These are lumpy two- to four-point laws, the worst case for a smooth
  // approximation; recorded so a change in either form shows.
  std::printf("exact enumeration, %d cases: worst |error| shifted lognormal %.1f%%, normal %.1f%%\n",
              cases, 100 * worst_shifted, 100 * worst_normal);
  EXPECT_LT(worst_shifted, 0.12);
  EXPECT_LT(worst_normal, 0.15);
}

TEST(ImbalanceTest, AnalyticIsExactForAPointMassAndForOneRank) {
  const ContextDistribution fixed = ContextDistribution::Fixed(4096).value();
  const RankImbalance a = AnalyticImbalance(fixed, 8, 24).value();
  EXPECT_EQ(ToTokens(a.balanced), 24 * 4096);
  EXPECT_EQ(ToTokens(a.slowest), 24 * 4096);
  EXPECT_EQ(a.Ratio(), 1.0);
  const ContextDistribution tail = LogNormalOrDie(4096, 1.0);
  for (auto approx : {ImbalanceApproximation::kShiftedLogNormal, ImbalanceApproximation::kNormal}) {
    const RankImbalance one = AnalyticImbalance(tail, 1, 24, approx).value();
    EXPECT_NEAR(one.Ratio(), 1.0, 1e-9);
  }
  // One LogNormal request per rank: the fit is the law itself, so E[max of
  // two] is the closed form mean * 2 Phi(sigma / 2) (no cap in play).
  const RankImbalance two = AnalyticImbalance(tail, 2, 1).value();
  EXPECT_NEAR(two.Ratio(), 2 * 0.5 * std::erfc(-1.0 / 2), 1e-6);
}

TEST(ImbalanceTest, AnalyticNeverExceedsWhatARankCanHold) {
  // 90% of requests at 8192, 10% at 100: skewed left, max sum 8192 * batch.
  std::vector<int64_t> v(9, 8192);
  v.push_back(100);
  const ContextDistribution d = EmpiricalOrDie(v);
  for (int dp : {8, 32, 1024}) {
    for (int batch : {1, 4, 24}) {
      for (auto approx :
           {ImbalanceApproximation::kShiftedLogNormal, ImbalanceApproximation::kNormal}) {
        const RankImbalance a = AnalyticImbalance(d, dp, batch, approx).value();
        EXPECT_LE(ToTokens(a.slowest), 8192.0 * batch + 1e-6);
      }
    }
  }
}

// The accuracy table quoted in context.h: both analytic forms against Monte
// Carlo on LogNormal laws. Printed for the record; the bounds are the
// documented ones.
TEST(ImbalanceTest, AnalyticAccuracyAgainstMonteCarlo) {
  struct Law {
    double sigma;
    int64_t cap;
    double bound_batch1;  // |error| bound of kShiftedLogNormal at batch 1
    double bound;         // and at batch >= 4
  };
  const Law laws[] = {{0.25, kMaxContextTokens, 0.002, 0.002},
                      {0.5, kMaxContextTokens, 0.002, 0.002},
                      {1.0, kMaxContextTokens, 0.02, 0.02},
                      {1.5, 131072, 0.12, 0.09},
                      {2.0, 131072, 0.25, 0.09}};
  for (const Law& law : laws) {
    const ContextDistribution d = LogNormalOrDie(4096, law.sigma).WithCap(law.cap).value();
    std::printf("%s\n  dp batch  monte carlo ratio   shifted-lognormal   normal\n",
                d.DebugString().c_str());
    for (int dp : {2, 8, 32}) {
      for (int batch : {1, 4, 24, 64}) {
        std::mt19937_64 rng(1000 * dp + batch);
        const int64_t trials = std::max<int64_t>(500, 100000 / (dp * batch));
        const RankImbalance mc = MonteCarloImbalance(d, dp, batch, trials, rng).value();
        const RankImbalance sln = AnalyticImbalance(d, dp, batch).value();
        const RankImbalance nrm =
            AnalyticImbalance(d, dp, batch, ImbalanceApproximation::kNormal).value();
        const double e_sln = sln.slowest / mc.slowest - 1;
        const double e_nrm = nrm.slowest / mc.slowest - 1;
        std::printf("  %2d %5d  %7.4f +- %.4f   %7.4f (%+6.2f%%)  %7.4f (%+6.2f%%)\n", dp, batch,
                    mc.Ratio(), mc.slowest_stderr / mc.balanced, sln.Ratio(), 100 * e_sln,
                    nrm.Ratio(), 100 * e_nrm);
        // The bound plus 3 standard errors of the Monte Carlo figure.
        const double noise = 3 * (mc.slowest_stderr / mc.slowest);
        EXPECT_LT(std::abs(e_sln), (batch == 1 ? law.bound_batch1 : law.bound) + noise)
            << d.DebugString() << " dp " << dp << " batch " << batch;
      }
    }
  }
}

TEST(ImbalanceTest, SlowestNeverFallsAsBatchDpOrSigmaRise) {
  for (auto approx : {ImbalanceApproximation::kShiftedLogNormal, ImbalanceApproximation::kNormal}) {
    const ContextDistribution d = LogNormalOrDie(4096, 1.0);
    double last = 0;
    for (int dp = 1; dp <= kMaxAnalyticDp; ++dp) {
      const double s = ToTokens(AnalyticImbalance(d, dp, 24, approx)->slowest);
      EXPECT_GE(s, last) << "dp " << dp;
      last = s;
    }
    last = 0;
    for (int batch = 1; batch <= 512; ++batch) {
      const double s = ToTokens(AnalyticImbalance(d, 8, batch, approx)->slowest);
      EXPECT_GE(s, last) << "batch " << batch;
      last = s;
    }
    for (int dp : {2, 8, 64}) {
      for (int batch : {1, 24}) {
        last = 0;
        for (double sigma = 0.05; sigma <= 3.0; sigma += 0.05) {
          const double s =
              ToTokens(AnalyticImbalance(LogNormalOrDie(4096, sigma), dp, batch, approx)->slowest);
          EXPECT_GE(s, last) << "sigma " << sigma << " dp " << dp << " batch " << batch;
          last = s;
        }
      }
    }
  }
  // The exact values on a small law.
  const std::vector<int64_t> values = {1, 2, 10};
  for (int batch = 1; batch <= 3; ++batch) {
    double last = 0;
    for (int dp = 1; dp <= 6; ++dp) {
      const double e = ExactSlowest(values, dp, batch);
      EXPECT_GT(e, last);
      last = e;
    }
  }
  for (int dp = 1; dp <= 4; ++dp) {
    double last = 0;
    for (int batch = 1; batch <= 4; ++batch) {
      const double e = ExactSlowest(values, dp, batch);
      EXPECT_GT(e, last);
      last = e;
    }
  }
  // Monte Carlo within its noise.
  const ContextDistribution d = LogNormalOrDie(4096, 1.0);
  RankImbalance prev;
  for (int dp : {1, 2, 4, 8, 16}) {
    std::mt19937_64 rng(dp);
    const RankImbalance mc = MonteCarloImbalance(d, dp, 8, 5000, rng).value();
    if (dp > 1) {
      const double noise = std::hypot(ToTokens(mc.slowest_stderr), ToTokens(prev.slowest_stderr));
      EXPECT_GT(ToTokens(mc.slowest - prev.slowest), -3 * noise) << dp;
    }
    prev = mc;
  }
}

TEST(ImbalanceTest, MonteCarloIsDeterministicForASeed) {
  const ContextDistribution d = LogNormalOrDie(4096, 1.0);
  std::mt19937_64 a(99), b(99), c(100);
  const RankImbalance x = MonteCarloImbalance(d, 8, 24, 2000, a).value();
  const RankImbalance y = MonteCarloImbalance(d, 8, 24, 2000, b).value();
  const RankImbalance z = MonteCarloImbalance(d, 8, 24, 2000, c).value();
  EXPECT_EQ(x.slowest, y.slowest);
  EXPECT_EQ(x.slowest_stderr, y.slowest_stderr);
  EXPECT_NE(x.slowest, z.slowest);
  // More trials shrink the error as 1 / sqrt(trials).
  std::mt19937_64 e(99);
  const RankImbalance w = MonteCarloImbalance(d, 8, 24, 8000, e).value();
  EXPECT_NEAR(w.slowest_stderr / x.slowest_stderr, 0.5, 0.1);
}

TEST(ImbalanceTest, SlowestRankTimeAppliesTheCostPerRank) {
  const ContextDistribution d = LogNormalOrDie(4096, 1.0);
  // An affine cost: a fixed part plus a per-token part.
  const auto affine = [](int64_t sum) {
    return Microseconds(5) + Nanoseconds(0.5) * static_cast<double>(sum);
  };
  std::mt19937_64 a(7), b(7);
  const RankImbalance tokens = MonteCarloImbalance(d, 8, 24, 5000, a).value();
  const SlowestRankTime time = MonteCarloSlowestRankTime(d, 8, 24, 5000, b, affine).value();
  EXPECT_NEAR(ToMicroseconds(time.slowest),
              5 + 0.5e-3 * ToTokens(tokens.slowest), 1e-9 * ToMicroseconds(time.slowest));
  EXPECT_NEAR(ToMicroseconds(time.slowest_stderr), 0.5e-3 * ToTokens(tokens.slowest_stderr),
              1e-9 * ToMicroseconds(time.slowest));
  EXPECT_NEAR(ToMicroseconds(time.balanced), 5 + 0.5e-3 * std::round(ToTokens(tokens.balanced)),
              1e-9);
  // A cost that falls with the sum (nonsense, but allowed) is maximised over
  // ranks as given, so the slowest rank is the one with the least context.
  std::mt19937_64 c(7);
  const SlowestRankTime inverse =
      MonteCarloSlowestRankTime(d, 8, 24, 5000, c, [](int64_t sum) {
        return Seconds(1.0 / static_cast<double>(sum));
      }).value();
  EXPECT_GT(inverse.slowest, inverse.balanced);
}

}  // namespace
}  // namespace perfmodel
