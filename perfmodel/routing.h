// File: perfmodel/routing.h
// -----------------------------------------------------------------------------
//
// Where an MoE layer's tokens land: for N tokens routed each to k of E
// experts, spread over the EP ranks, the expected number of (token, expert)
// pairs the hottest rank receives, and how many of a rank's experts are
// active (receive at least one token). The grouped GEMMs read only the active
// experts' weights; dispatch and combine move the hottest rank's pairs.
//
//   RoutingLoad r = ExpectedRouting(deepseek_v3, ep8_layout, uniform, /*tokens=*/4);
//   r.active_experts    // == 3.82 of the 32 experts a rank holds
//   r.hottest_pairs     // == 8.3: the busiest rank receives 2.1x the mean 4
//
// The model. Each token picks its experts independently of other tokens;
// under group-limited routing (DeepSeek's n_group / topk_group) it first picks
// topk_group of the n_group expert groups, then its k experts among theirs,
// each choice uniform (symmetric in the experts: a router with no preference,
// or EPLB having placed popular experts evenly). A rank holds L consecutive
// experts, so its share may lie in one group. Per token, the number X of a
// rank's experts chosen has exact mean, variance and third moment from the
// probabilities that one, two or three given experts are chosen together.
// Over N tokens a rank's pairs R = X_1 + ... + X_N; the hottest of G ranks
// (taken as independent) is approximated by the Cornish-Fisher expansion of
// the normal maximum, E[max R] = N mu + 0.5 + s (z + g (z^2 - 1) / 6) with
// s^2 = N var, skewness g = mu3 / var^1.5 / sqrt(N) (so s g = mu3 / var
// whatever N), z = E[max of G normals] (Blom), and 0.5 the continuity
// correction of an integer count; clamped to [N mu, N min(k, L)]. Against a
// seeded brute-force sampler of the routing (routing_test.cc) it is within
// 6 % from N = 4 on and within 1.5 % at decode batch sizes. What depends on
// the layout alone (the moments, z) is planned once per step (PlanRouting()).
// A rank's active experts: each of its experts stays idle with probability
// (1 - k / E)^N under any symmetric routing, so E[active] = L (1 - (1 - k/E)^N)
// exactly.
//
// Skew. With RoutingSkew::kPowerLaw the i-th most popular expert is chosen
// with probability proportional to i^-a (scaled so a token picks k), and a
// rank's experts are a random draw of L of them: the ranks' expected loads
// then differ by a placement term of variance L var(p) (E - L) / (E - 1)
// (finite-population sampling), added to the routing noise as N^2 times it.
// EPLB (eplb: true) places and replicates experts so expected loads are even:
// the placement term vanishes and only the routing noise is left. Redundant
// experts share their expert's pairs: a rank's L slots carry L E / (E + R)
// experts' worth of load.
//
// WorkloadSpec::routing.expert_imbalance, when set, overrides all of this:
// the hottest rank receives that factor times the mean and every local expert
// is active (the model before routing statistics).

#ifndef PERFMODEL_ROUTING_H_
#define PERFMODEL_ROUTING_H_

#include <cstdint>

#include "perfmodel/constexpr_math.h"
#include "perfmodel/spec.h"

namespace perfmodel {

// One MoE layer's routing on the hottest EP rank.
struct RoutingLoad final {
  double mean_pairs = 0.0;     // (token, expert) pairs a rank receives on average
  double hottest_pairs = 0.0;  // E[max over ranks of the pairs it receives]
  double active_experts = 0.0;  // E[local experts receiving >= 1 token] (of local_experts)
  int64_t local_experts = 0;   // expert slots one rank holds

  // PairsPerActiveExpert() is the rows each active expert multiplies on the
  // hottest rank (the grouped GEMM's per-expert M).
  constexpr double PairsPerActiveExpert() const {
    return active_experts > 0.0 ? hottest_pairs / active_experts : 0.0;
  }
  // RowsSdPerActiveExpert() is the spread of one active expert's rows about
  // PairsPerActiveExpert(): the hottest rank's pairs split over its active
  // experts at random, a multinomial share, variance mean x (1 - 1 / active)
  // (0 for one expert, which takes them all).
  constexpr double RowsSdPerActiveExpert() const {
    if (!(active_experts > 1.0)) return 0.0;
    return cmath::Sqrt(PairsPerActiveExpert() * (1.0 - 1.0 / active_experts));
  }
  // Imbalance() is hottest / mean (1 for one rank).
  constexpr double Imbalance() const { return mean_pairs > 0.0 ? hottest_pairs / mean_pairs : 1.0; }
};

namespace routing_internal {

// Per-token moments of X, the number of one rank's experts a token picks.
struct TokenMoments final {
  double mean = 0.0;
  double var = 0.0;
  double mu3 = 0.0;  // third central moment
};

// Moments() for L local experts (in expert units) among E, k picked per token,
// over n_group groups of which topk_group are picked.
constexpr TokenMoments Moments(double local, double experts, double k, double groups,
                               double topk_groups) {
  const double group_size = experts / groups;
  const double m = topk_groups * group_size;  // experts a token chooses among
  double spanned = local / group_size;        // groups this rank's experts lie in
  if (spanned < 1.0) spanned = 1.0;
  const double l = local / spanned;  // local experts per spanned group
  const double g1 = topk_groups / groups;
  const double g2 = groups > 1.0 ? g1 * (topk_groups - 1.0) / (groups - 1.0) : 1.0;
  const double g3 = groups > 2.0 ? g2 * (topk_groups - 2.0) / (groups - 2.0)
                                 : (groups > 1.0 ? 0.0 : 1.0);
  const double q2 = m > 1.0 ? k * (k - 1.0) / (m * (m - 1.0)) : 0.0;
  const double q3 = m > 2.0 ? q2 * (k - 2.0) / (m - 2.0) : 0.0;
  // Ordered pairs and triples of distinct local experts, by how many groups
  // they fall in.
  const double pairs_same = spanned * l * (l - 1.0);
  const double pairs_diff = local * (local - 1.0) - pairs_same;
  const double triples_one = spanned * l * (l - 1.0) * (l - 2.0);
  const double triples_two = 3.0 * pairs_same * (spanned - 1.0) * l;
  const double triples_three = spanned * (spanned - 1.0) * (spanned - 2.0) * l * l * l;
  const double mean = local * k / experts;
  const double s2 = (pairs_same * g1 + pairs_diff * g2) * q2;
  const double s3 = (triples_one * g1 + triples_two * g2 + triples_three * g3) * q3;
  const double ex2 = mean + s2;
  const double ex3 = mean + 3.0 * s2 + s3;
  TokenMoments t;
  t.mean = mean;
  t.var = ex2 - mean * mean;
  if (t.var < 0.0) t.var = 0.0;
  t.mu3 = ex3 - 3.0 * mean * ex2 + 2.0 * mean * mean * mean;
  return t;
}

// PowerSum() is Σ_{i=1}^{n} i^-a: the first terms exactly, the rest by the
// Euler-Maclaurin formula (relative error below 1e-7 for a in [0, 4]).
constexpr double PowerSum(int64_t n, double a) {
  constexpr int64_t kExact = 16;
  double sum = 0.0;
  for (int64_t i = 1; i <= n && i <= kExact; ++i) {
    sum += cmath::Exp(-a * cmath::Log(static_cast<double>(i)));
  }
  if (n <= kExact) return sum;
  const double lo = static_cast<double>(kExact), hi = static_cast<double>(n);
  const double f_lo = cmath::Exp(-a * cmath::Log(lo)), f_hi = cmath::Exp(-a * cmath::Log(hi));
  const double integral = (a == 1.0) ? cmath::Log(hi) - cmath::Log(lo)
                                     : (hi * f_hi - lo * f_lo) / (1.0 - a);
  // Σ_{lo+1}^{hi} f = ∫_lo^hi f + (f(hi) - f(lo)) / 2 - (f'(hi) - f'(lo)) / 12 ...
  return sum + integral + 0.5 * (f_hi - f_lo) + a / 12.0 * (f_lo / lo - f_hi / hi);
}

// PowerLawPlacementVariance() is the variance over ranks of one rank's
// expected pairs per token when `local` of E experts, the i-th picked with
// probability p_i = k i^-a / Σ j^-a, are placed at random.
constexpr double PowerLawPlacementVariance(int64_t experts, double k, double a, double local) {
  const double s1 = PowerSum(experts, a);
  const double s2 = PowerSum(experts, 2.0 * a);
  const double e = static_cast<double>(experts);
  const double mean_p = k / e;
  const double var_p = k * k * s2 / (s1 * s1) / e - mean_p * mean_p;
  return e > 1.0 && var_p > 0.0 ? local * var_p * (e - local) / (e - 1.0) : 0.0;
}

}  // namespace routing_internal

// What the routing of one step needs that depends on the model, the layout
// and the routing spec alone: PlanRouting() computes it once per step, and
// ExpectedRouting() then costs each MoE part's token count cheaply.
struct RoutingPlan final {
  int64_t local_experts = 0;       // expert slots one rank holds
  double mean_per_token = 0.0;     // pairs a rank receives per token, on average
  double most_per_token = 0.0;     // min(k, local slots)
  double idle_per_token = 1.0;     // P(a slot gets none of a token's experts)
  bool spread = false;             // more than one EP rank
  bool fixed = false;              // expert_imbalance override
  double imbalance = 1.0;          // with `fixed`
  double var_per_token = 0.0;      // routing noise of a rank's pairs, per token
  double placement_var = 0.0;      // placement spread, per token^2 (power law, no EPLB)
  double z = 0.0;                  // E[max of the EP ranks' standard normals] (Blom)
  double skew_offset = 0.0;        // the Cornish-Fisher skew term, in pairs
};

constexpr RoutingPlan PlanRouting(const ModelSpec& m, const DeploymentSpec& d,
                                  const RoutingSpec& routing) {
  const MoeSpec& e = m.moe;
  const Parallelism& p = d.parallel;
  RoutingPlan plan;
  const int64_t slots = e.routed_experts + p.redundant_experts;
  if (slots <= 0 || p.moe_ep <= 0) return plan;
  plan.local_experts = slots / p.moe_ep;
  const double k = static_cast<double>(e.experts_per_token);
  const double experts = static_cast<double>(e.routed_experts);
  const double local_slots = static_cast<double>(plan.local_experts);
  plan.mean_per_token = k * local_slots / static_cast<double>(slots);
  plan.most_per_token = k < local_slots ? k : local_slots;
  plan.idle_per_token = 1.0 - k / static_cast<double>(slots);
  if (routing.expert_imbalance.has_value()) {
    plan.fixed = true;
    plan.imbalance = *routing.expert_imbalance;
    return plan;
  }
  plan.spread = p.moe_ep > 1;
  if (!plan.spread) return plan;
  const double local = local_slots * experts / static_cast<double>(slots);  // expert units
  const routing_internal::TokenMoments x = routing_internal::Moments(
      local, experts, k, static_cast<double>(e.groups), static_cast<double>(e.groups_per_token));
  plan.var_per_token = x.var;
  if (routing.skew == RoutingSkew::kPowerLaw && !routing.eplb) {
    plan.placement_var = routing_internal::PowerLawPlacementVariance(
        e.routed_experts, k, routing.power_law_exponent, local);
  }
  plan.z = cmath::ExpectedMaxOfNormalsApprox(p.moe_ep);
  // s x skewness = mu3 / var for a sum of N iid counts, whatever N.
  plan.skew_offset = x.var > 0.0 ? x.mu3 / x.var * (plan.z * plan.z - 1.0) / 6.0 : 0.0;
  return plan;
}

// ExpectedRouting() is the routing of `tokens` tokens (all attention DP
// ranks' tokens of one MoE layer) over the deployment's EP ranks.
constexpr RoutingLoad ExpectedRouting(const RoutingPlan& plan, int64_t tokens) {
  RoutingLoad r;
  r.local_experts = plan.local_experts;
  const double n = static_cast<double>(tokens);
  r.mean_pairs = n * plan.mean_per_token;
  if (tokens <= 0 || plan.local_experts <= 0) return r;
  const double local_slots = static_cast<double>(plan.local_experts);
  if (plan.fixed) {
    r.hottest_pairs = r.mean_pairs * plan.imbalance;
    r.active_experts = local_slots;
    return r;
  }
  // Each slot idles with probability (1 - k / slots)^N.
  r.active_experts = local_slots * (1.0 - cmath::IntPow(plan.idle_per_token, tokens));
  if (!plan.spread) {
    r.hottest_pairs = r.mean_pairs;
    return r;
  }
  const double s = cmath::Sqrt(n * plan.var_per_token + n * n * plan.placement_var);
  const double noise = s * plan.z + plan.skew_offset;
  double hottest = r.mean_pairs + 0.5 + (noise > 0.0 ? noise : 0.0);
  const double most = n * plan.most_per_token;
  if (hottest > most) hottest = most;
  if (hottest < r.mean_pairs) hottest = r.mean_pairs;
  r.hottest_pairs = hottest;
  return r;
}
constexpr RoutingLoad ExpectedRouting(const ModelSpec& m, const DeploymentSpec& d,
                                      const RoutingSpec& routing, int64_t tokens) {
  return ExpectedRouting(PlanRouting(m, d, routing), tokens);
}

}  // namespace perfmodel

#endif  // PERFMODEL_ROUTING_H_
