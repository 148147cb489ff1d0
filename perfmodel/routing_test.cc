// Tests for perfmodel/routing.h against a seeded brute-force sampler of the
// routing (each token picks topk_group groups, then k experts among theirs),
// and for perfmodel/constexpr_math.h against the C library.

#include "perfmodel/routing.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <set>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "perfmodel/constexpr_math.h"
#include "perfmodel/order_statistics.h"

namespace perfmodel {
namespace {

TEST(ConstexprMathTest, AgreesWithTheCLibrary) {
  for (double x : {1e-300, 1e-9, 0.01, 0.5, 0.7071, 1.0, 1.5, 2.0, 10.0, 1e6, 1e300}) {
    EXPECT_NEAR(cmath::Log(x), std::log(x), 4e-16 * std::max(1.0, std::fabs(std::log(x)))) << x;
    EXPECT_NEAR(cmath::Sqrt(x), std::sqrt(x), 4e-16 * std::sqrt(x)) << x;
  }
  for (double x : {-700.0, -20.0, -1.0, -1e-9, 0.0, 0.3, 1.0, 5.5, 100.0, 700.0}) {
    EXPECT_NEAR(cmath::Exp(x), std::exp(x), 4e-15 * std::exp(x)) << x;
  }
  EXPECT_EQ(cmath::IntPow(0.75, 4), 0.31640625);
  EXPECT_EQ(cmath::IntPow(3.0, 0), 1.0);
  EXPECT_NEAR(cmath::NormalQuantile(0.975), 1.959963984540054, 1e-8);
  EXPECT_NEAR(cmath::NormalQuantile(0.5), 0.0, 1e-12);
  EXPECT_NEAR(cmath::NormalQuantile(1e-6), -4.753424308822899, 1e-7);
  static_assert(cmath::Log(1.0) == 0.0);
  static_assert(cmath::Exp(0.0) == 1.0);
}

TEST(ConstexprMathTest, BlomIsWithinFivePercentOfTheExactMaximum) {
  for (int64_t n : {2, 3, 4, 8, 16, 32, 64, 128, 256, 1024}) {
    const absl::StatusOr<double> exact = ExpectedMaxOfNormals(n);
    ASSERT_TRUE(exact.ok());
    EXPECT_NEAR(cmath::ExpectedMaxOfNormalsApprox(n) / *exact, 1.0, 0.05) << n;
    if (n >= 8) {
      EXPECT_NEAR(cmath::ExpectedMaxOfNormalsApprox(n) / *exact, 1.0, 0.01) << n;
    }
  }
  EXPECT_EQ(cmath::ExpectedMaxOfNormalsApprox(1), 0.0);
}

// A model with E experts, k per token, `groups` groups of which `topk_groups`
// are picked, on `ep` ranks.
constexpr ModelSpec Model(int64_t experts, int64_t k, int64_t groups, int64_t topk_groups) {
  ModelSpec m;
  m.moe.routed_experts = experts;
  m.moe.experts_per_token = k;
  m.moe.groups = groups;
  m.moe.groups_per_token = topk_groups;
  return m;
}
constexpr DeploymentSpec Layout(int64_t ep, int64_t redundant = 0) {
  DeploymentSpec d;
  d.parallel.moe_ep = ep;
  d.parallel.redundant_experts = redundant;
  return d;
}

struct Sampled final {
  double hottest = 0.0, hottest_stderr = 0.0;
  double active = 0.0, active_stderr = 0.0;
};

// Sample() routes `tokens` tokens `trials` times: the mean (and its standard
// error) of the hottest rank's pairs and of one rank's active experts.
Sampled Sample(const ModelSpec& m, int64_t ep, int64_t tokens, int trials, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const int64_t e = m.moe.routed_experts, k = m.moe.experts_per_token;
  const int64_t gs = e / m.moe.groups, local = e / ep;
  std::vector<double> hottest, active;
  std::vector<int64_t> groups(m.moe.groups), candidates;
  for (int t = 0; t < trials; ++t) {
    std::vector<int64_t> pairs(ep, 0);
    std::vector<std::set<int64_t>> used(ep);
    for (int64_t n = 0; n < tokens; ++n) {
      std::iota(groups.begin(), groups.end(), 0);
      std::shuffle(groups.begin(), groups.end(), rng);
      candidates.clear();
      for (int64_t g = 0; g < m.moe.groups_per_token; ++g) {
        for (int64_t j = 0; j < gs; ++j) candidates.push_back(groups[g] * gs + j);
      }
      std::shuffle(candidates.begin(), candidates.end(), rng);
      for (int64_t j = 0; j < k; ++j) {
        ++pairs[candidates[j] / local];
        used[candidates[j] / local].insert(candidates[j]);
      }
    }
    hottest.push_back(static_cast<double>(*std::max_element(pairs.begin(), pairs.end())));
    active.push_back(static_cast<double>(used[0].size()));
  }
  auto mean_and_error = [](const std::vector<double>& v, double& mean, double& err) {
    mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
    double ss = 0.0;
    for (double x : v) ss += (x - mean) * (x - mean);
    err = std::sqrt(ss / static_cast<double>(v.size() - 1) / static_cast<double>(v.size()));
  };
  Sampled s;
  mean_and_error(hottest, s.hottest, s.hottest_stderr);
  mean_and_error(active, s.active, s.active_stderr);
  return s;
}

struct Case {
  int64_t experts, k, groups, topk_groups, ep, tokens;
};

TEST(RoutingTest, ActiveExpertsMatchBruteForceWithinItsError) {
  for (const Case& c : {Case{256, 8, 8, 4, 8, 4}, Case{256, 8, 8, 4, 4, 4}, Case{256, 8, 1, 1, 8, 4},
                        Case{256, 8, 8, 4, 64, 64}, Case{128, 8, 1, 1, 8, 32},
                        Case{64, 6, 1, 1, 8, 2}}) {
    const ModelSpec m = Model(c.experts, c.k, c.groups, c.topk_groups);
    const RoutingLoad r = ExpectedRouting(m, Layout(c.ep), {}, c.tokens);
    const Sampled s = Sample(m, c.ep, c.tokens, 4000, 7);
    SCOPED_TRACE(testing::Message() << c.experts << "/" << c.k << " ep " << c.ep << " N "
                                    << c.tokens << " groups " << c.groups);
    EXPECT_EQ(r.local_experts, c.experts / c.ep);
    EXPECT_NEAR(r.active_experts, s.active, 3.0 * s.active_stderr + 1e-9);
  }
}

TEST(RoutingTest, HottestRankMatchesBruteForce) {
  // The approximation (Cornish-Fisher maximum with a continuity correction):
  // within 6 % at a handful of tokens, within 1.5 % at decode batch sizes.
  for (const auto& [c, tolerance] :
       {std::pair{Case{256, 8, 8, 4, 8, 4}, 0.06}, std::pair{Case{256, 8, 1, 1, 8, 4}, 0.06},
        std::pair{Case{256, 8, 8, 4, 4, 4}, 0.06}, std::pair{Case{256, 8, 8, 4, 64, 64}, 0.06},
        std::pair{Case{256, 8, 8, 4, 64, 192}, 0.015},
        std::pair{Case{256, 8, 8, 4, 64, 4608}, 0.015},
        std::pair{Case{128, 8, 1, 1, 8, 256}, 0.015}}) {
    const ModelSpec m = Model(c.experts, c.k, c.groups, c.topk_groups);
    const RoutingLoad r = ExpectedRouting(m, Layout(c.ep), {}, c.tokens);
    const Sampled s = Sample(m, c.ep, c.tokens, c.tokens > 1000 ? 300 : 2000, 11);
    SCOPED_TRACE(testing::Message() << c.experts << "/" << c.k << " ep " << c.ep << " N "
                                    << c.tokens << " groups " << c.groups);
    EXPECT_NEAR(r.hottest_pairs / s.hottest, 1.0, tolerance + 3.0 * s.hottest_stderr / s.hottest);
    EXPECT_DOUBLE_EQ(r.mean_pairs, static_cast<double>(c.tokens * c.k) / static_cast<double>(c.ep));
  }
}

TEST(RoutingTest, BatchOneWithThreeDraftsReadsAFewExperts) {
  // DeepSeek-V3 at batch 1 with 3 MTP drafts: 4 tokens, EP 4 (64 experts a
  // rank): about 7.6 active, where every one of 64 used to be read.
  const ModelSpec m = Model(256, 8, 8, 4);
  const RoutingLoad r = ExpectedRouting(m, Layout(4), {}, 4);
  EXPECT_NEAR(r.active_experts, 64.0 * (1.0 - std::pow(1.0 - 8.0 / 256.0, 4)), 1e-12);
  EXPECT_LT(r.active_experts, 8.0);
  EXPECT_GT(r.Imbalance(), 1.2);
}

TEST(RoutingTest, MonotoneInTokens) {
  const ModelSpec m = Model(256, 8, 8, 4);
  double last_hottest = 0.0, last_active = 0.0;
  for (int64_t n = 1; n <= 1 << 16; n *= 2) {
    const RoutingLoad r = ExpectedRouting(m, Layout(64), {}, n);
    EXPECT_GE(r.hottest_pairs, last_hottest) << n;
    EXPECT_GE(r.active_experts, last_active) << n;
    EXPECT_GE(r.hottest_pairs, r.mean_pairs) << n;
    EXPECT_LE(r.active_experts, 4.0) << n;
    last_hottest = r.hottest_pairs;
    last_active = r.active_experts;
  }
  // The imbalance fades as tokens grow.
  EXPECT_LT(ExpectedRouting(m, Layout(64), {}, 1 << 16).Imbalance(),
            ExpectedRouting(m, Layout(64), {}, 1 << 8).Imbalance());
}

TEST(RoutingTest, OverrideSkewAndEplb) {
  const ModelSpec m = Model(256, 8, 8, 4);
  RoutingSpec fixed;
  fixed.expert_imbalance = 1.25;
  const RoutingLoad o = ExpectedRouting(m, Layout(64), fixed, 4608);
  EXPECT_DOUBLE_EQ(o.hottest_pairs, o.mean_pairs * 1.25);
  EXPECT_DOUBLE_EQ(o.active_experts, 4.0);
  RoutingSpec skewed;
  skewed.skew = RoutingSkew::kPowerLaw;
  skewed.power_law_exponent = 0.8;
  const RoutingLoad s = ExpectedRouting(m, Layout(64), skewed, 4608);
  const RoutingLoad u = ExpectedRouting(m, Layout(64), {}, 4608);
  EXPECT_GT(s.hottest_pairs, u.hottest_pairs * 1.2);
  skewed.eplb = true;
  EXPECT_DOUBLE_EQ(ExpectedRouting(m, Layout(64), skewed, 4608).hottest_pairs, u.hottest_pairs);
  // Redundant experts add slots: the same pairs over more of them.
  const RoutingLoad red = ExpectedRouting(m, Layout(64, 32), {}, 4608);
  EXPECT_EQ(red.local_experts, (256 + 32) / 64);
  EXPECT_LT(red.mean_pairs, u.mean_pairs * 1.2);
}

TEST(RoutingTest, PowerLawPlacementMatchesAFiniteSum) {
  for (double a : {0.0, 0.5, 1.0, 1.7}) {
    double s1 = 0.0;
    for (int i = 1; i <= 256; ++i) s1 += std::pow(static_cast<double>(i), -a);
    EXPECT_NEAR(routing_internal::PowerSum(256, a) / s1, 1.0, 1e-7) << a;
  }
  EXPECT_NEAR(routing_internal::PowerLawPlacementVariance(256, 8, 0.0, 4), 0.0, 1e-15);
}

// The whole routing evaluates in a constant expression.
static_assert(ExpectedRouting(Model(256, 8, 8, 4), Layout(8), {}, 4).active_experts > 3.8);

}  // namespace
}  // namespace perfmodel
