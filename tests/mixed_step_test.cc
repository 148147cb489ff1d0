// A mixed forward (a decode step carrying prefill chunks, vLLM's chunked
// prefill): on a dense model every op's FLOPs are the decode step's plus the
// chunks' own prefill forward's (the GEMMs see both parts' tokens, attention
// each part's pairs); on DeepSeek-V3 one forward costs less than the two
// forwards apart (weights read once) and more than either; the MLA form the
// chunks take follows their own shape; the estimate is a constant
// expression; and a step without chunks is the decode step, bit for bit.

#include <cstdint>

#include "deployments/llama3_1_70b_tp8_spec.h"
#include "deployments/seed_decode_spec.h"
#include "deployments/seed_prefill_spec.h"
#include "gtest/gtest.h"
#include "hw/h200_sxm_spec.h"
#include "models/deepseek_v3_spec.h"
#include "models/llama3_1_70b_spec.h"
#include "perfmodel/graph.h"
#include "perfmodel/perfmodel.h"
#include "workloads/llama3_1_70b_tp8_spec.h"
#include "workloads/seed_decode_spec.h"

namespace perfmodel {
namespace {

using specs::kDeepSeekV3;
using specs::kH200Sxm;
using specs::kSeedDecode;
using specs::kSeedDecodeWorkload;

constexpr StepShape kDecode = StepShape::FromWorkload(kSeedDecodeWorkload);
constexpr StepShape kMixed = StepShape::WithChunks(kDecode, 1, 2048, 0, true);
constexpr StepResult kMixedStep =
    DeepSeekForward::Estimate(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload, kMixed);
constexpr StepResult kDecodeStep =
    DeepSeekForward::Estimate(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload, kDecode);
// The whole mixed estimate is a constant expression, and the chunk costs.
static_assert(kMixedStep.forward > kDecodeStep.forward);
static_assert(kMixedStep.tokens_per_rank == kDecodeStep.tokens_per_rank + 2048);
static_assert(kMixedStep.Find("kv_b_proj", Part::kMoe) != nullptr);  // a fresh 2K chunk: MHA

double Flops(const StepResult& r) {
  double f = 0.0;
  for (std::size_t i = 0; i < r.row_count; ++i) {
    f += ToFlops(r.rows[i].cost.flops) * static_cast<double>(r.rows[i].count);
  }
  return f;
}

TEST(MixedStep, RuntimeEqualsCompileTime) {
  const StepResult r =
      EstimateDecode(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload, kMixed);
  EXPECT_EQ(r.forward, kMixedStep.forward);
  ASSERT_EQ(r.row_count, kMixedStep.row_count);
  for (std::size_t i = 0; i < r.row_count; ++i) {
    EXPECT_EQ(r.rows[i].cost.kernel_time, kMixedStep.rows[i].cost.kernel_time) << i;
  }
}

TEST(MixedStep, DenseModelFlopsAreTheTwoForwardsFlops) {
  const ModelSpec& m = specs::kLlama31_70b;
  const DeploymentSpec& d = specs::kLlama70bTp8;
  const WorkloadSpec& w = specs::kLlama70bTp8Workload;
  for (const auto& [sequences, tokens, cached] :
       {std::tuple{1, 2048, 0}, std::tuple{2, 512, 3000}, std::tuple{3, 100, 20000}}) {
    const StepShape decode = StepShape::FromWorkload(w);
    const StepResult mixed = EstimateDecode(
        m, kH200Sxm, d, w, StepShape::WithChunks(decode, sequences, tokens, cached, true));
    const StepResult alone = EstimateDecode(m, kH200Sxm, d, w, decode);
    WorkloadSpec p = w;
    p.phase = Phase::kPrefill;
    StepResult chunks;
    EstimateStepInto(m, kH200Sxm, d, p, StepShape::Prefill(sequences, tokens, cached, true),
                     chunks);
    EXPECT_NEAR(Flops(mixed) / (Flops(alone) + Flops(chunks)), 1.0, 1e-12) << tokens;
    EXPECT_GT(mixed.forward, alone.forward);
    EXPECT_GT(mixed.forward, chunks.forward);
    EXPECT_LT(mixed.forward, alone.forward + chunks.forward);
  }
}

TEST(MixedStep, OneForwardCostsLessThanTwo) {
  StepPredictor p(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload);
  const RankLoad load{24, TokenCount(24 * 4096.0), TokenCount(24 * 4096.0)};
  const Duration decode = p.DecodeStep(load);
  const Duration prefill = p.PrefillStep(1, 2048, 0);
  const Duration mixed = p.MixedStep(load, {.sequences = 1, .new_tokens = 2048});
  EXPECT_GT(mixed, decode);
  EXPECT_LT(mixed, decode + prefill);
  // No chunks: the decode step.
  EXPECT_EQ(p.MixedStep(load, {}), decode);
  // Monotone in the chunk's tokens and its cached prefix.
  Duration previous = decode;
  for (const int64_t tokens : {64, 256, 1024, 4096}) {
    const Duration t = p.MixedStep(load, {.sequences = 1, .new_tokens = tokens});
    EXPECT_GT(t, previous) << tokens;
    previous = t;
  }
  EXPECT_GT(p.MixedStep(load, {.sequences = 1, .new_tokens = 512, .cached_tokens = 30000}),
            p.MixedStep(load, {.sequences = 1, .new_tokens = 512}));
  // A chunk on one rank of the 64 routes its tokens once, not on every rank.
  EXPECT_LT(p.MixedStep(load, {.sequences = 1, .new_tokens = 2048, .total_new_tokens = 2048}),
            mixed);
}

// Under two-micro-batch overlap each micro-batch carries half the decode
// requests and half the chunks' tokens (an odd chunk split by tokens, the
// second half after the first): on a dense model, the same FLOPs as one
// micro-batch; on DeepSeek-V3 a little more (each micro-batch's routing has
// its own hottest EP rank, whose excess grows as its tokens halve).
TEST(MixedStep, TwoMicroBatchesSplitBothParts) {
  const WorkloadSpec& w = specs::kLlama70bTp8Workload;
  DeploymentSpec split = specs::kLlama70bTp8;
  split.overlap = Overlap::kTwoMicroBatch;
  DeploymentSpec whole = split;
  whole.overlap = Overlap::kNone;
  for (const int64_t sequences : {1, 2, 3}) {
    const StepShape shape =
        StepShape::WithChunks(StepShape::FromWorkload(w), sequences, 1001, 700, true);
    const StepResult a = EstimateDecode(specs::kLlama31_70b, kH200Sxm, split, w, shape);
    const StepResult b = EstimateDecode(specs::kLlama31_70b, kH200Sxm, whole, w, shape);
    EXPECT_NEAR(Flops(a) / Flops(b), 1.0, 1e-3) << sequences;  // odd splits: +1 token of each
  }
  DeploymentSpec one = specs::kSeedPrefill;
  one.overlap = Overlap::kNone;
  const StepShape shape = StepShape::WithChunks(kDecode, 1, 2048, 1000, true);
  const double ratio =
      Flops(EstimateDecode(kDeepSeekV3, kH200Sxm, specs::kSeedPrefill, kSeedDecodeWorkload,
                           shape)) /
      Flops(EstimateDecode(kDeepSeekV3, kH200Sxm, one, kSeedDecodeWorkload, shape));
  EXPECT_GT(ratio, 1.0);
  EXPECT_LT(ratio, 1.05);
}

TEST(MixedStep, ShortChunkOverALongPrefixTakesTheAbsorbedForm) {
  const StepResult r = EstimateDecode(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload,
                                      StepShape::WithChunks(kDecode, 1, 64, 60000, true));
  EXPECT_EQ(r.Find("kv_b_proj", Part::kMoe), nullptr);
  EXPECT_NE(r.Find("bmm_q_uk", Part::kMoe), nullptr);
}

TEST(MixedStep, MemoryHoldsTheChunksKv) {
  const MemoryUse decode =
      EstimateMemory(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload, kDecode);
  const MemoryUse mixed = EstimateMemory(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload,
                                         StepShape::WithChunks(kDecode, 2, 1000, 3000, true));
  EXPECT_EQ(mixed.kv_cache - decode.kv_cache,
            KvBytesPerToken(kDeepSeekV3, kSeedDecode) * (2.0 * (1000 + 3000)));
}

}  // namespace
}  // namespace perfmodel
