// The embedding API (perfmodel/perfmodel.h): each call is the cost model's
// own estimate of the same shape, admission follows TPOT and HBM, and no call
// allocates after construction (counted by this binary's operator new).

#include <atomic>
#include <cstdlib>
#include <new>

#include "deployments/seed_decode_spec.h"
#include "gtest/gtest.h"
#include "hw/h200_sxm_spec.h"
#include "models/deepseek_v3_spec.h"
#include "perfmodel/graph.h"
#include "perfmodel/perfmodel.h"
#include "perfmodel/testing/matchers.h"
#include "workloads/seed_decode_spec.h"

namespace {
std::atomic<int64_t> g_allocations{0};
}  // namespace

// The replacements pair malloc with free by design; GCC's
// -Wmismatched-new-delete sees new and free meet once inlined (at -O1 under
// the sanitizers) and would call that a mismatch.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace perfmodel {
namespace {

using ::perfmodel::testing::DurationNear;
using specs::kDeepSeekV3;
using specs::kH200Sxm;
using specs::kSeedDecode;
using specs::kSeedDecodeWorkload;

RankLoad Load(int64_t requests, double mean_context, double slowest_context) {
  return RankLoad{requests, TokenCount(mean_context * static_cast<double>(requests)),
                  TokenCount(slowest_context * static_cast<double>(requests))};
}

TEST(StepPredictor, DecodeStepIsTheCostModelsStep) {
  StepPredictor p(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload);
  const RankLoad load = Load(24, 4096, 5000);
  WorkloadSpec w = kSeedDecodeWorkload;
  w.batch_per_dp = 24;
  const StepResult r = EstimateDecode(kDeepSeekV3, kH200Sxm, kSeedDecode, w,
                                      StepShape::Decode(w, 24, 24 * 4096.0, 24 * 5000.0));
  EXPECT_EQ(p.DecodeStep(load), r.forward + r.host_gap);
  EXPECT_EQ(p.Tpot(load), (r.forward + r.host_gap) / kSeedDecodeWorkload.accepted_tokens_per_step);
  EXPECT_EQ(p.last().forward, r.forward);
  // The seed's own step (balanced 4K contexts) is the workload's estimate.
  const StepResult seed = EstimateDecode(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload);
  EXPECT_THAT(p.DecodeStep(Load(24, 4096, 4096)),
              DurationNear(seed.forward + seed.host_gap, Nanoseconds(1)));
}

TEST(StepPredictor, MemoryLeftIsCapacityLessTheSlowestRanksUse) {
  StepPredictor p(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload);
  const RankLoad load = Load(24, 4096, 8192);
  WorkloadSpec w = kSeedDecodeWorkload;
  w.batch_per_dp = 24;
  const MemoryUse m = EstimateMemory(kDeepSeekV3, kH200Sxm, kSeedDecode, w,
                                     StepShape::Decode(w, 24, 24 * 8192.0, 24 * 8192.0));
  EXPECT_EQ(p.MemoryLeft(load), m.capacity - m.Total());
  EXPECT_GT(p.MemoryLeft(Load(24, 4096, 4096)), p.MemoryLeft(load));
}

// Admission: one more request is admitted exactly when the next step meets
// the target (and fits).
TEST(StepPredictor, CanAdmitFollowsTheNextStepsTpot) {
  StepPredictor p(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload);
  const RankLoad load = Load(24, 4096, 4096);
  const Duration next = p.Tpot(Load(25, 4096, 4096));
  EXPECT_TRUE(p.CanAdmit(load, TokenCount(4096), next));
  EXPECT_FALSE(p.CanAdmit(load, TokenCount(4096), next - Nanoseconds(1)));
  // A context no GPU holds is refused whatever the TPOT target.
  EXPECT_FALSE(p.CanAdmit(load, TokenCount(1e9), Seconds(1000)));
}

TEST(StepPredictor, PrefillStepIsOnePrefillForward) {
  StepPredictor p(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload);
  WorkloadSpec w = kSeedDecodeWorkload;
  w.phase = Phase::kPrefill;
  w.batch_per_dp = 2;
  w.prompt_tokens = 4096;
  w.context_tokens = 4096;
  StepResult r;
  EstimateStepInto(kDeepSeekV3, kH200Sxm, kSeedDecode, w, StepShape::Prefill(2, 4096, 0, true), r);
  EXPECT_EQ(p.PrefillStep(2, 4096, 0), r.forward + r.host_gap);
  EXPECT_EQ(p.last().phase, Phase::kPrefill);
  // A chunk after a cached prefix attends more: it costs more.
  EXPECT_GT(p.PrefillStep(2, 4096, 8192), p.PrefillStep(2, 4096, 0));
}

// Estimate() is the same step with its SLA and memory passes: its forward is
// DecodeStep()'s, its TPOT the cost model's.
TEST(StepPredictor, EstimateAddsTheSlaAndMemoryToTheSameStep) {
  StepPredictor p(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload);
  const RankLoad load = Load(24, 4096, 5000);
  const Duration step = p.DecodeStep(load);
  const StepResult& r = p.Estimate(load);
  EXPECT_EQ(r.forward + r.host_gap, step);
  EXPECT_EQ(r.sla.tpot, p.Tpot(load));
  // Its memory is the mean rank's; MemoryLeft() the slowest rank's.
  EXPECT_GT(r.memory.Headroom(), p.MemoryLeft(load));
  EXPECT_EQ(p.Estimate(Load(24, 4096, 4096)).memory.Headroom(),
            p.MemoryLeft(Load(24, 4096, 4096)));
}

// KvCapacity() is where MemoryLeft() reaches zero: a rank whose Σ context
// (with the step's own new tokens) is the capacity has no HBM left.
TEST(StepPredictor, KvCapacityIsWhereTheMemoryRunsOut) {
  StepPredictor p(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload);
  const double capacity = ToTokens(p.KvCapacity());
  ASSERT_GT(capacity, 1e5);
  const int64_t requests = 24;
  const double new_tokens =
      static_cast<double>(requests * kSeedDecodeWorkload.TokensPerRequestPerStep());
  const RankLoad full{requests, TokenCount(capacity - new_tokens),
                      TokenCount(capacity - new_tokens)};
  EXPECT_NEAR(ToBytes(p.MemoryLeft(full)), 0.0, 1e3);
  EXPECT_EQ(p.KvBytesPerToken(), KvBytesPerToken(kDeepSeekV3, kSeedDecode));
  EXPECT_EQ(
      p.KvTransfer(TokenCount(4096)),
      kH200Sxm.scale_out_latency + p.KvBytesPerToken() * 4096.0 / kH200Sxm.scale_out_bandwidth);
}

// A lightly loaded pool routes only its own tokens: one rank of 64 busy is
// the step of a 1-rank deployment (fewer experts active, fewer bytes moved),
// cheaper than every rank at that load; and the deployment is restored.
TEST(StepPredictor, IdleRanksRouteNoTokens) {
  StepPredictor p(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload);
  const RankLoad all = Load(2, 4096, 4096);
  RankLoad one = all;
  one.total_requests = 2;
  DeploymentSpec d = kSeedDecode;
  d.parallel.attention_dp = 1;
  WorkloadSpec w = kSeedDecodeWorkload;
  w.batch_per_dp = 2;
  const StepResult r =
      EstimateDecode(kDeepSeekV3, kH200Sxm, d, w, StepShape::Decode(w, 2, 8192.0, 8192.0));
  EXPECT_EQ(p.DecodeStep(one), r.forward + r.host_gap);
  EXPECT_LT(p.DecodeStep(one), p.DecodeStep(all));
  EXPECT_EQ(p.deployment().parallel.attention_dp, kSeedDecode.parallel.attention_dp);
  // Every rank's requests given: the same step as without.
  RankLoad every = all;
  every.total_requests = 2 * kSeedDecode.parallel.attention_dp;
  EXPECT_EQ(p.DecodeStep(every), p.DecodeStep(all));
  // A prefill on one rank of the 8 of the seed's P layout routes one
  // prompt's tokens, not eight.
  EXPECT_LT(p.PrefillStep(1, 4096, 0, 1), p.PrefillStep(1, 4096, 0));
}

TEST(StepPredictor, CallsAfterConstructionDoNotAllocate) {
  StepPredictor p(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload);
  const int64_t before = g_allocations.load();
  Duration sum;
  for (int64_t b = 1; b <= 64; ++b) {
    const RankLoad load = Load(b, 4096, 4500);
    sum += p.DecodeStep(load) + p.Tpot(load) + p.PrefillStep(1, 1024, 0) +
           p.MixedStep(load, {.sequences = 1, .new_tokens = 512}) + p.Estimate(load).forward;
    if (p.CanAdmit(load, TokenCount(4096), Milliseconds(20))) sum += Nanoseconds(1);
    if (p.MemoryLeft(load) < Bytes::Zero()) sum += Nanoseconds(1);
  }
  EXPECT_EQ(g_allocations.load() - before, 0);
  EXPECT_GT(sum, Duration::Zero());
}

}  // namespace
}  // namespace perfmodel
