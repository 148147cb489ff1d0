// The prefill step end to end: the causal FLOPs and bytes of the prefill ops
// against hand arithmetic, the seed's P-node prefill evaluated inside
// static_assert and equal bit for bit at run time, its monotonicity in prompt
// length, batch, chunk size and prefix-cache hits, and bad prefill input
// rejected with the field named.

#include <algorithm>
#include <cstdint>
#include <string>

#include "deployments/seed_prefill_spec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hw/h200_sxm_spec.h"
#include "loader/load.h"
#include "loader/setup.h"
#include "models/deepseek_v3_spec.h"
#include "perfmodel/graph.h"
#include "perfmodel/testing/matchers.h"
#include "workloads/seed_prefill_spec.h"

namespace perfmodel {
namespace {

using specs::kDeepSeekV3;
using specs::kH200Sxm;
using specs::kSeedPrefill;
using specs::kSeedPrefillWorkload;
using ::testing::HasSubstr;

constexpr StepResult kSeedPrefillStep =
    DeepSeekForward::Estimate(kDeepSeekV3, kH200Sxm, kSeedPrefill, kSeedPrefillWorkload);

// The whole prefill is a constant expression.
static_assert(kSeedPrefillStep.phase == Phase::kPrefill);
static_assert(kSeedPrefillStep.forwards == 1);
static_assert(kSeedPrefillStep.prefill.ttft < Seconds(1));
static_assert(kSeedPrefillStep.memory.Fits());
static_assert(kSeedPrefillStep.Find("kv_b_proj", Part::kMoe) != nullptr);  // MHA form
static_assert(kSeedPrefillStep.Find("bmm_q_uk", Part::kMoe) == nullptr);

double Gflop(const OpRow* row) { return ToGigaflops(row->cost.flops); }

TEST(CausalPairs, HandArithmetic) {
  EXPECT_EQ(CausalPairs(4, 0), 4.0 + 3 + 2 + 1);  // a 4-token prompt: 1 + 2 + 3 + 4
  EXPECT_EQ(CausalPairs(3, 5), 3.0 * 5 + 6);      // 3 new after 5 cached: 6 + 7 + 8
  EXPECT_EQ(CausalPairs(1, 4095), 4096.0);        // a decode token over its context
}

TEST(PrefillAttention, FlopsAndBytesByHand) {
  // 3 queries, 2 heads, 10 pairs per head, keys 3 wide, values 2 wide, 7 KV
  // entries of 12 bytes.
  const OpCost c = PrefillAttention(3, 2, 10.0, 3, 2, 7.0, 12.0, DType::kBf16, kH200Sxm);
  EXPECT_EQ(ToFlops(c.flops), 2.0 * 2 * 10 * (3 + 2));
  EXPECT_EQ(ToBytes(c.bytes), 3.0 * 2 * 3 * 2 + 7 * 12 + 3.0 * 2 * 2 * 2);
  EXPECT_EQ(c.op_class, OpClass::kAttention);
}

TEST(SeedPrefill, RuntimeEqualsCompileTime) {
  const WorkloadSpec w = kSeedPrefillWorkload;
  const StepResult r = EstimatePrefill(kDeepSeekV3, kH200Sxm, kSeedPrefill, w);
  ASSERT_EQ(r.row_count, kSeedPrefillStep.row_count);
  for (std::size_t i = 0; i < r.row_count; ++i) {
    EXPECT_EQ(r.rows[i].visible, kSeedPrefillStep.rows[i].visible) << r.rows[i].op;
  }
  EXPECT_EQ(r.forward, kSeedPrefillStep.forward);
  EXPECT_EQ(r.prefill.ttft, kSeedPrefillStep.prefill.ttft);
}

StepResult Prefill(int64_t batch, int64_t prompt, int64_t chunk = 0, double hit = 0.0) {
  WorkloadSpec w = kSeedPrefillWorkload;
  w.batch_per_dp = batch;
  w.prompt_tokens = prompt;
  w.chunk_tokens = chunk;
  w.prefix_cache_hit = hit;
  return EstimatePrefill(kDeepSeekV3, kH200Sxm, kSeedPrefill, w);
}

TEST(SeedPrefill, OpsByHand) {
  const StepResult& r = kSeedPrefillStep;
  const double n = 4096;  // one 4K prompt per rank, split in two micro-batches of 2048
  // MHA-form attention: 128 heads, (128 + 64) keys and 128 values per head,
  // over the prompt's causal pairs; both micro-batches together.
  EXPECT_DOUBLE_EQ(Gflop(r.Find("attention", Part::kMoe)),
                   2.0 * 128 * (n * (n + 1) / 2) * (192 + 128) / 1e9);
  // kv_b up-projects every KV entry each micro-batch attends: the first half
  // its 2048, the second all 4096; latent 512 to 128 x (128 + 128).
  EXPECT_DOUBLE_EQ(Gflop(r.Find("kv_b_proj", Part::kMoe)),
                   2.0 * (2048 + 4096) * 512 * (128 * 256) / 1e9);
  // q_b: every token, 1536 -> 128 x 192 (FP8 with its quantisation kernel).
  EXPECT_NEAR(Gflop(r.Find("q_b", Part::kMoe)), 2.0 * n * 1536 * 128 * 192 / 1e9, 1.0);
  // The head samples one token (the prompt's last): one row of 7168 x 129280.
  EXPECT_DOUBLE_EQ(Gflop(r.Find("lm_head", Part::kHead)), 2.0 * 7168 * 129280 / 1e9);
  // The routed experts see 8 ranks x 2048 tokens per micro-batch, and DeepEP's
  // normal kernels carry them over NVLink (one node).
  const PartRouting& moe = r.routing[static_cast<std::size_t>(Part::kMoe)];
  EXPECT_EQ(moe.tokens, 8 * 2048);
  EXPECT_EQ(r.Find("dispatch", Part::kMoe)->cost.op_class, OpClass::kScaleUp);
  // The ranks' prompts are alike: no dispatch waits for a slower rank.
  EXPECT_EQ(r.Find("dispatch", Part::kMoe)->wait, Duration::Zero());
  EXPECT_EQ(Prefill(3, 4096, 0, 0.25).Find("dispatch", Part::kMoe)->wait, Duration::Zero());
  // The KV cache holds the prompt: 61 main layers + 1 MTP layer of 576 BF16.
  EXPECT_DOUBLE_EQ(ToBytes(r.memory.kv_cache), n * (61 + 1) * 576 * 2);
  EXPECT_GT(r.memory.activations, Bytes::Zero());
  // TTFT: the forward and the host gap before it; tokens/s per machine.
  EXPECT_EQ(r.prefill.ttft, r.forward + Milliseconds(1.3));
  EXPECT_DOUBLE_EQ(ToTokensPerSecond(r.prefill.machine_prefill_tps), 8 * n / ToSeconds(r.forward));
}

// A prompt of more chunks than PrefillPlan::kMaxCostedChunks is costed on a
// midpoint sample of them: within 0.5 % of costing every chunk (each one's
// forward summed here), its forwards and KV cache exact.
TEST(SeedPrefill, ManyChunksSampledCloseToEveryChunk) {
  const int64_t prompt = 64 * 1024 + 100, chunk = 128;  // 513 chunks, the last short
  WorkloadSpec w = kSeedPrefillWorkload;
  w.batch_per_dp = 1;
  w.prompt_tokens = prompt;
  w.chunk_tokens = chunk;
  const PrefillPlan plan = PlanPrefill(w);
  ASSERT_EQ(plan.distinct, 513);
  ASSERT_EQ(plan.Costed(), PrefillPlan::kMaxCostedChunks);
  int64_t stands_for = 0;
  for (int64_t i = 0; i < plan.Costed(); ++i) stands_for += plan.Repeat(i);
  EXPECT_EQ(stands_for, plan.distinct);
  EXPECT_EQ(plan.Shape(plan.Costed() - 1).new_tokens, 100);  // the last chunk, on its own

  Duration every;
  StepResult one;
  for (int64_t c = 0; c < plan.distinct; ++c) {
    const int64_t n = std::min(chunk, prompt - c * chunk);
    EstimateStepInto(kDeepSeekV3, kH200Sxm, kSeedPrefill, w,
                     StepShape::Prefill(1, n, c * chunk, c + 1 == plan.distinct), one);
    every += one.forward;
  }
  const StepResult sampled = EstimatePrefill(kDeepSeekV3, kH200Sxm, kSeedPrefill, w);
  EXPECT_EQ(sampled.forwards, 513);
  EXPECT_NEAR(ToSeconds(sampled.forward) / ToSeconds(every), 1.0, 0.005);
  EXPECT_DOUBLE_EQ(ToBytes(sampled.memory.kv_cache), ToBytes(Prefill(1, prompt).memory.kv_cache));
}

TEST(SeedPrefill, MonotoneInPromptBatchAndChunk) {
  Duration last;
  for (int64_t prompt : {128, 512, 1024, 2048, 4096, 8192, 16384, 32768}) {
    const Duration t = Prefill(1, prompt).prefill.ttft;
    EXPECT_GT(t, last) << prompt;
    last = t;
  }
  last = Duration::Zero();
  for (int64_t batch : {1, 2, 3, 4, 6, 8}) {
    const Duration t = Prefill(batch, 4096).prefill.ttft;
    EXPECT_GT(t, last) << batch;
    last = t;
  }
  // Smaller chunks: more forwards, each re-reading the weights and (MHA form)
  // re-projecting the prefix: never faster.
  last = Duration::Infinite();
  for (int64_t chunk : {256, 512, 1024, 2048, 4096, 8192}) {
    const StepResult r = Prefill(1, 8192, chunk);
    EXPECT_EQ(r.forwards, 8192 / chunk);
    EXPECT_LE(r.prefill.ttft, last) << chunk;
    last = r.prefill.ttft;
  }
}

TEST(SeedPrefill, ChunksSumToTheWholePromptsAttention) {
  // Cut into 4 chunks, the prompt attends the same causal pairs in all.
  const StepResult whole = Prefill(1, 8192);
  const StepResult chunked = Prefill(1, 8192, 2048);
  EXPECT_EQ(chunked.forwards, 4);
  EXPECT_NEAR(
      Gflop(chunked.Find("attention", Part::kMoe)) / Gflop(whole.Find("attention", Part::kMoe)),
      1.0, 1e-12);
  // The head samples once, in the last chunk.
  EXPECT_EQ(Gflop(chunked.Find("lm_head", Part::kHead)), Gflop(whole.Find("lm_head", Part::kHead)));
  // Whole prompts pack into a chunk budget: 4 prompts of 1K in one 4K forward.
  EXPECT_EQ(Prefill(4, 1024, 4096).forwards, 1);
  EXPECT_EQ(Prefill(5, 1024, 2048).forwards, 3);
}

TEST(SeedPrefill, PrefixHitsAreAttendedNotRecomputed) {
  const StepResult cold = Prefill(1, 8192);
  const StepResult warm = Prefill(1, 8192, 0, 0.5);
  EXPECT_LT(warm.prefill.ttft, cold.prefill.ttft);
  // Half the tokens through the GEMMs...
  EXPECT_NEAR(Gflop(warm.Find("q_b", Part::kMoe)) / Gflop(cold.Find("q_b", Part::kMoe)), 0.5, 1e-3);
  // ...attending 4096 cached + their own causal pairs.
  const double n = 4096, p = 4096;
  EXPECT_DOUBLE_EQ(Gflop(warm.Find("attention", Part::kMoe)),
                   2.0 * 128 * (n * p + n * (n + 1) / 2) * 320 / 1e9);
  // The KV cache still holds every token of the prompt.
  EXPECT_EQ(warm.memory.kv_cache, cold.memory.kv_cache);
}

TEST(SeedPrefill, ShortChunkOverLongPrefixPicksTheAbsorbedForm) {
  // 64 new tokens after 60K cached: re-projecting the prefix through kv_b
  // costs more than latent attention's wider pairs.
  const StepResult r = Prefill(1, 60064, 0, 60000.5 / 60064);
  EXPECT_EQ(r.Find("kv_b_proj", Part::kMoe), nullptr);
  EXPECT_NE(r.Find("bmm_q_uk", Part::kMoe), nullptr);
}

TEST(PrefillWorkload, BadInputNamesTheField) {
  auto parse = [](const std::string& body) {
    return ParseWorkload("name: \"p\" phase: PREFILL batch_per_dp: 1 " + body, "w.textproto")
        .status();
  };
  EXPECT_TRUE(parse("prompt_tokens: 4096").ok());
  EXPECT_THAT(parse("").message(), HasSubstr("w.textproto: prompt_tokens: required"));
  EXPECT_THAT(parse("prompt_tokens: 4096 chunk_tokens: 0").message(),
              HasSubstr("chunk_tokens: must be >= 1"));
  EXPECT_THAT(parse("prompt_tokens: 4096 prefix_cache_hit: 1").message(),
              HasSubstr("prefix_cache_hit: must be in [0, 1), got 1"));
  EXPECT_THAT(parse("prompt_tokens: 4096 prefix_cache_hit: -0.1").message(),
              HasSubstr("prefix_cache_hit: must be in [0, 1)"));
  EXPECT_THAT(parse("prompt_tokens: 4096 context_tokens: 10").message(),
              HasSubstr("context_tokens: is a decode field"));
  EXPECT_THAT(
      ParseWorkload("name: \"d\" batch_per_dp: 1 context_tokens: 9 chunk_tokens: 4", "d.textproto")
          .status()
          .message(),
      HasSubstr("d.textproto: chunk_tokens: is a prefill field"));
  WorkloadSpec w = kSeedPrefillWorkload;
  w.prompt_tokens = 200000;
  EXPECT_THAT(ValidateWorkloadFor(kDeepSeekV3, w, "w.textproto").message(),
              HasSubstr("w.textproto: prompt_tokens: 200000 is longer than the model "
                        "'DeepSeek-V3' serves (max_context_tokens 163840)"));
}

TEST(PrefillWorkload, OverridesSwitchPhase) {
  WorkloadSpec w;
  w.context_tokens = 4096;
  ASSERT_TRUE(ApplyOverrides({.phase = Phase::kPrefill, .chunk_tokens = 1024}, w).ok());
  EXPECT_EQ(w.phase, Phase::kPrefill);
  EXPECT_EQ(w.prompt_tokens, 4096);
  EXPECT_EQ(w.chunk_tokens, 1024);
  EXPECT_THAT(ApplyOverrides({.chunk_tokens = 0}, w).message(),
              HasSubstr("chunk_tokens: must be >= 1, got 0"));
  WorkloadSpec d;
  EXPECT_THAT(ApplyOverrides({.prefix_cache_hit = 0.5}, d).message(),
              HasSubstr("prefix_cache_hit: is a prefill field"));
}

// MtpAttentionAfresh() is the MTP layer's attention block costed in its own
// context: MlaAttention::Emit() for a prefill forward of `shape` on `hw`.
StepResult MtpAttentionAfresh(const HardwareSpec& hw, const StepShape& shape) {
  const DeploymentSpec& d = kSeedPrefill;
  const WorkloadSpec& w = kSeedPrefillWorkload;
  const StepPlan plan = DeepSeekForward::Plan(kDeepSeekV3, hw, d, w.routing, StepPlan::kRouting);
  const int64_t mb = DeepSeekForward::MicroBatches(d, w, shape);
  const HardwareSpec share = mb == 2 && d.comm_sms > 0 ? ComputeShare(hw, d.comm_sms) : hw;
  StepContext c = DeepSeekForward::Context(kDeepSeekV3, share, d, w, shape, mb, plan);
  c.part = Part::kMtp;
  c.count = 1;
  StepResult block;
  MlaAttention::Emit(c, block);
  return block;
}

// ExpectMtpAttentionIs() holds the MTP part's attention rows of `r` (after
// its norms, projection and attn_norm) equal to `block`'s, bit for bit.
void ExpectMtpAttentionIs(const StepResult& r, const StepResult& block) {
  std::size_t at = 0;
  while (at < r.row_count && !(r.rows[at].part == Part::kMtp && r.rows[at].op == "attn_norm")) {
    ++at;
  }
  ASSERT_GE(block.row_count, 5u);
  ASSERT_LT(at + block.row_count, r.row_count);
  for (std::size_t i = 0; i < block.row_count; ++i) {
    const OpRow& got = r.rows[at + 1 + i];
    const OpRow& want = block.rows[i];
    SCOPED_TRACE(std::string(want.op));
    EXPECT_EQ(got.op, want.op);
    EXPECT_EQ(got.part, Part::kMtp);
    EXPECT_EQ(got.count, 1);
    EXPECT_EQ(got.cost.flops, want.cost.flops);
    EXPECT_EQ(got.cost.bytes, want.cost.bytes);
    EXPECT_EQ(got.cost.link_bytes, want.cost.link_bytes);
    EXPECT_EQ(got.cost.kernel_time, want.cost.kernel_time);
    EXPECT_EQ(got.cost.latency, want.cost.latency);
    EXPECT_EQ(got.cost.overhead, want.cost.overhead);
    EXPECT_EQ(got.cost.kernels, want.cost.kernels);
    EXPECT_EQ(got.cost.bound, want.cost.bound);
    EXPECT_EQ(got.visible, want.visible);
    EXPECT_EQ(got.wait, want.wait);
  }
}

TEST(SeedPrefill, MtpAttentionCopiedIsTheBlockCostedAfresh) {
  // The MTP layer copies the main model's attention rows in prefill (same
  // tokens and context): they must be what costing its own block gives. A
  // whole prompt, a chunk after a prefix (two micro-batches), and a short
  // chunk over a long prefix (the absorbed form).
  ASSERT_GT(kSeedPrefillWorkload.mtp_draft_tokens, 0);
  for (const StepShape& shape :
       {StepShape::Prefill(1, 4096, 0, true), StepShape::Prefill(2, 1024, 3072, true),
        StepShape::Prefill(1, 64, 16384, false)}) {
    SCOPED_TRACE(shape.new_tokens);
    StepResult r;
    EstimateStepInto(kDeepSeekV3, kH200Sxm, kSeedPrefill, kSeedPrefillWorkload, shape, r);
    ExpectMtpAttentionIs(r, MtpAttentionAfresh(kH200Sxm, shape));
  }
}

TEST(SeedPrefill, APerPartCorrectionCostsTheMtpBlockItself) {
  // Twice the attention time in the MTP part only: its block is costed in
  // its own part, not copied from the main model's.
  HardwareSpec hw = kH200Sxm;
  hw.corrections[0] = {Name("attention"), Name("mtp"), 2.0};
  hw.correction_count = 1;
  const StepShape shape = StepShape::Prefill(1, 4096, 0, true);
  StepResult r;
  EstimateStepInto(kDeepSeekV3, hw, kSeedPrefill, kSeedPrefillWorkload, shape, r);
  ExpectMtpAttentionIs(r, MtpAttentionAfresh(hw, shape));
  EXPECT_EQ(r.Find("attention", Part::kMtp)->cost.kernel_time,
            r.Find("attention", Part::kMoe)->cost.kernel_time * 2.0);
}

TEST(SeedPrefill, AChunkThatDoesNotFitSaysSo) {
  // 64 prompts of 32K in one forward: the workspace alone exceeds HBM.
  const StepResult r = Prefill(64, 32768);
  EXPECT_FALSE(r.memory.Fits());
  EXPECT_GT(r.memory.activations, r.memory.capacity);
  // Chunked at 8K the same batch's workspace is small; its KV still counts.
  const StepResult c = Prefill(64, 32768, 8192);
  EXPECT_LT(c.memory.activations, Gigabytes(10));
}

}  // namespace
}  // namespace perfmodel
