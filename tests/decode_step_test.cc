// The decode-step graph end to end: a full DeepSeek-V3 estimate evaluated
// inside static_assert from headers generated from the repo's textprotos, the
// runtime path over the same textprotos agreeing to the last bit, and the
// step's structure (parts, counts, memory, SLA).

#include <cstring>
#include <optional>

#include "absl/strings/str_cat.h"
#include "deployments/llama3_1_70b_tp8_spec.h"
#include "deployments/qwen3_235b_dp8_ep8_spec.h"
#include "deployments/seed_decode_spec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hw/b200_spec.h"
#include "hw/h100_sxm_spec.h"
#include "hw/h200_sxm_spec.h"
#include "loader/load.h"
#include "models/deepseek_v3_spec.h"
#include "models/llama3_1_70b_spec.h"
#include "models/qwen3_235b_a22b_spec.h"
#include "perfmodel/graph.h"
#include "perfmodel/testing/matchers.h"
#include "workloads/llama3_1_70b_tp8_spec.h"
#include "workloads/qwen3_235b_dp8_ep8_spec.h"
#include "workloads/seed_decode_spec.h"

namespace perfmodel {
namespace {

using specs::kDeepSeekV3;
using specs::kH200Sxm;
using specs::kSeedDecode;
using specs::kSeedDecodeWorkload;

constexpr StepResult kSeedStep =
    DeepSeekForward::Estimate(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload);

// The whole estimate is a constant expression.
static_assert(kSeedStep.row_count > 50);
static_assert(kSeedStep.forward > Milliseconds(10) && kSeedStep.forward < Milliseconds(60));
static_assert(kSeedStep.PartCount(Part::kDense) == 3);
static_assert(kSeedStep.PartCount(Part::kMoe) == 58);
static_assert(kSeedStep.PartCount(Part::kMtp) == 2);
static_assert(kSeedStep.PartCount(Part::kHead) == 1);
static_assert(kSeedStep.memory.Fits());
// A scheduler can check an SLA at compile time.
static_assert(MeetsTpot(kSeedStep.sla, Milliseconds(16.6)));

// The GQA families compose at compile time too: Llama (dense) on H100 and
// Qwen3 (MoE in every layer, no MTP) on B200.
constexpr StepResult kLlamaStep = GqaForward::Estimate(
    specs::kLlama31_70b, specs::kH100Sxm, specs::kLlama70bTp8, specs::kLlama70bTp8Workload);
static_assert(kLlamaStep.PartCount(Part::kDense) == 80);
static_assert(kLlamaStep.PartCount(Part::kMoe) == 0);
static_assert(kLlamaStep.PartCount(Part::kMtp) == 0);
static_assert(kLlamaStep.Find("o_allreduce", Part::kDense) != nullptr);  // attention TP 8
static_assert(kLlamaStep.memory.Fits());
constexpr StepResult kQwenStep = GqaForward::Estimate(
    specs::kQwen3_235bA22b, specs::kB200, specs::kQwen235bDp8Ep8, specs::kQwen235bDp8Ep8Workload);
static_assert(kQwenStep.PartCount(Part::kMoe) == 94);
static_assert(kQwenStep.Find("shared_up_gate", Part::kMoe) == nullptr);  // no shared expert
static_assert(kQwenStep.Find("dispatch", Part::kMoe) != nullptr);

// The tabulated compile-time path holds the same numbers as the full estimate.
using SeedTable =
    TabulatedDecode<DeepSeekForward, kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload, 32>;
static_assert(SeedTable::Forward(24) == kSeedStep.forward);
static_assert(SeedTable::Tpot(24) == kSeedStep.sla.tpot);
static_assert(SeedTable::Forward(33) == SeedTable::Estimate(33).forward);  // beyond the table

// Bitwise equality of two results, row by row.
void ExpectIdentical(const StepResult& a, const StepResult& b) {
  ASSERT_EQ(a.row_count, b.row_count);
  for (std::size_t i = 0; i < a.row_count; ++i) {
    SCOPED_TRACE(std::string(a.rows[i].op));
    EXPECT_EQ(a.rows[i].op, b.rows[i].op);
    EXPECT_EQ(a.rows[i].part, b.rows[i].part);
    EXPECT_EQ(a.rows[i].count, b.rows[i].count);
    EXPECT_EQ(a.rows[i].cost.kernel_time, b.rows[i].cost.kernel_time);
    EXPECT_EQ(a.rows[i].cost.flops, b.rows[i].cost.flops);
    EXPECT_EQ(a.rows[i].cost.bytes, b.rows[i].cost.bytes);
    EXPECT_EQ(a.rows[i].visible, b.rows[i].visible);
  }
  EXPECT_EQ(a.forward, b.forward);
  EXPECT_EQ(a.sla.tpot, b.sla.tpot);
  EXPECT_EQ(a.memory.Total(), b.memory.Total());
}

TEST(DecodeStepTest, CompileTimeAndRuntimePathsAgreeExactly) {
  absl::StatusOr<ModelSpec> m = LoadModel("models/deepseek_v3.textproto");
  absl::StatusOr<LoadedHardware> h = LoadHardware("hw/h200_sxm.textproto");
  absl::StatusOr<LoadedDeployment> d = LoadDeployment("deployments/seed_decode.textproto");
  absl::StatusOr<LoadedWorkload> w = LoadWorkload("workloads/seed_decode.textproto");
  ASSERT_TRUE(m.ok() && h.ok() && d.ok() && w.ok());
  // The generated constants hold the loaded values (//tests:spec_headers_test
  // compares every field of every header) ...
  EXPECT_EQ(std::memcmp(&h->spec.efficiency, &kH200Sxm.efficiency, sizeof(kH200Sxm.efficiency)), 0);
  EXPECT_EQ(w->spec.accepted_tokens_per_step, kSeedDecodeWorkload.accepted_tokens_per_step);
  // ... and the runtime entry point gives the constant-evaluated result.
  const StepResult runtime = EstimateDecode(*m, h->spec, d->spec, w->spec);
  ExpectIdentical(runtime, kSeedStep);
}

// A PreparedStep planned at compile time gives the constant-evaluated step.
constexpr Duration PreparedSeedForward() {
  const PreparedStep p(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload);
  StepResult r;
  p.EstimateInto(StepShape::FromWorkload(kSeedDecodeWorkload), r);
  return r.forward;
}
static_assert(PreparedSeedForward() == kSeedStep.forward);

struct Case final {
  const char* model;
  const char* hw;
  const char* deployment;
  const char* workload;
};

// A PreparedStep's estimates are the free functions' on the same specs, bit
// for bit, whatever the step: decode at several batches (the seed's layout
// on the plain and the seed-calibrated H200, whose per-op corrections the
// plan tabulates; Llama's TP8 and Qwen's EP8), a decode step carrying
// prefill chunks, a prefill forward and a whole prefill batch; time only and
// memory too.
TEST(DecodeStepTest, PreparedStepEqualsTheFreeFunctions) {
  const Case cases[] = {
      {"deepseek_v3", "h200_sxm", "seed_decode", "seed_decode"},
      {"deepseek_v3", "h200_sxm_seed_calibrated", "seed_decode", "seed_decode"},
      {"deepseek_v3", "h200_sxm", "deepseek_v3_tp8_ep4x2", "deepseek_v3_b1_mtp3"},
      {"deepseek_v3", "h200_sxm", "seed_prefill", "seed_prefill"},
      {"llama3_1_70b", "h100_sxm", "llama3_1_70b_tp8", "llama3_1_70b_tp8"},
      {"qwen3_235b_a22b", "h200_sxm", "qwen3_235b_dp8_ep8", "qwen3_235b_dp8_ep8"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(absl::StrCat(k.model, " ", k.hw, " ", k.deployment, " ", k.workload));
    absl::StatusOr<ModelSpec> m = LoadModel(absl::StrCat("models/", k.model, ".textproto"));
    absl::StatusOr<LoadedHardware> h = LoadHardware(absl::StrCat("hw/", k.hw, ".textproto"));
    absl::StatusOr<LoadedDeployment> d =
        LoadDeployment(absl::StrCat("deployments/", k.deployment, ".textproto"));
    absl::StatusOr<LoadedWorkload> w =
        LoadWorkload(absl::StrCat("workloads/", k.workload, ".textproto"));
    ASSERT_TRUE(m.ok() && h.ok() && d.ok() && w.ok());
    const PreparedStep p(*m, h->spec, d->spec, w->spec);
    StepResult prepared, free;
    for (const int64_t b : {1, 7, 24, 64}) {
      SCOPED_TRACE(b);
      WorkloadSpec wb = w->spec;
      wb.batch_per_dp = b;
      StepShape shape = StepShape::FromWorkload(wb);
      if (wb.phase == Phase::kPrefill) shape = StepShape::Prefill(b, wb.prompt_tokens, 0, true);
      p.EstimateInto(shape, prepared);
      EstimateStepInto(*m, h->spec, d->spec, wb, shape, free);
      ExpectIdentical(prepared, free);
      EXPECT_EQ(prepared.host_gap, free.host_gap);
      EXPECT_EQ(prepared.prefill.ttft, free.prefill.ttft);
      p.EstimateTimeInto(shape, prepared);
      EstimateTimeInto(*m, h->spec, d->spec, wb, shape, free);
      EXPECT_EQ(prepared.forward, free.forward);
      EXPECT_EQ(prepared.host_gap, free.host_gap);
      EXPECT_EQ(p.Memory(shape).Total(), EstimateMemory(*m, h->spec, d->spec, wb, shape).Total());
      if (wb.phase == Phase::kDecode) {
        const StepShape mixed = StepShape::WithChunks(shape, 1, 512, 1024, true);
        p.EstimateInto(mixed, prepared);
        EstimateStepInto(*m, h->spec, d->spec, wb, mixed, free);
        ExpectIdentical(prepared, free);
      }
    }
    if (w->spec.phase == Phase::kPrefill) {
      const StepResult a = p.EstimatePrefill();
      const StepResult f = EstimatePrefill(*m, h->spec, d->spec, w->spec);
      ExpectIdentical(a, f);
      EXPECT_EQ(a.prefill.ttft, f.prefill.ttft);
    }
  }
}

// The plan's correction table holds HardwareSpec::TimeFactor() of every op
// in every part, at the index StepContext::TimeFactor() reads.
TEST(DecodeStepTest, PlannedCorrectionsAreTheHardwaresFactors) {
  absl::StatusOr<ModelSpec> m = LoadModel("models/deepseek_v3.textproto");
  absl::StatusOr<LoadedHardware> h = LoadHardware("hw/h200_sxm_seed_calibrated.textproto");
  absl::StatusOr<LoadedDeployment> d = LoadDeployment("deployments/seed_decode.textproto");
  ASSERT_TRUE(m.ok() && h.ok() && d.ok());
  ASSERT_GT(h->spec.correction_count, 0u);
  const StepPlan plan = PlanStep(*m, h->spec, d->spec, RoutingSpec{});
  ASSERT_TRUE(plan.factored);
  int corrected = 0;
  for (std::size_t op = 0; op < kOpCount; ++op) {
    for (std::size_t part = 0; part < kPartCount; ++part) {
      StepContext c{*m, h->spec, d->spec, kSeedDecodeWorkload};
      c.part = static_cast<Part>(part);
      const double asked = c.TimeFactor(static_cast<Op>(op));
      c.factors = plan.factors.data();
      EXPECT_EQ(c.TimeFactor(static_cast<Op>(op)), asked)
          << kOpNames[op] << " " << kPartNames[part];
      if (asked != 1.0) ++corrected;
    }
  }
  EXPECT_GT(corrected, 0);
  // Without corrections nothing is tabulated: each row asks the hardware.
  EXPECT_FALSE(PlanStep(*m, kH200Sxm, d->spec, RoutingSpec{}).factored);
}

// A new workload's routing replans the routing; the estimate follows it.
TEST(DecodeStepTest, PreparedStepReplansANewRouting) {
  PreparedStep p(kDeepSeekV3, kH200Sxm, kSeedDecode, kSeedDecodeWorkload);
  WorkloadSpec skewed = kSeedDecodeWorkload;
  skewed.routing.skew = RoutingSkew::kPowerLaw;
  skewed.routing.power_law_exponent = 1.0;
  p.SetWorkload(skewed);
  StepResult prepared, free;
  p.EstimateInto(StepShape::FromWorkload(skewed), prepared);
  EstimateStepInto(kDeepSeekV3, kH200Sxm, kSeedDecode, skewed, StepShape::FromWorkload(skewed),
                   free);
  ExpectIdentical(prepared, free);
  EXPECT_GT(prepared.forward, kSeedStep.forward);  // a hotter EP rank
}

// A prepared step plans every GEMM its decode and prefill rows run
// (StepPlan::gemms, recorded from small forwards): each GEMM row of a decode
// step, a mixed one and a prefill forward finds its slot's plan, on the
// whole GPU or on the share communication leaves it. A plan of the routing
// alone plans none (its estimates work every GEMM out).
TEST(DecodeStepTest, PreparedStepPlansEveryGemm) {
  for (Overlap o : {Overlap::kNone, Overlap::kTwoMicroBatch}) {
    SCOPED_TRACE(static_cast<int>(o));
    DeploymentSpec d = kSeedDecode;
    d.overlap = o;
    d.comm_sms = 20;
    const PreparedStep p(kDeepSeekV3, kH200Sxm, d, kSeedDecodeWorkload);
    const StepPlan& plan = p.plan();
    ASSERT_EQ(plan.gemm_index.size(), StepPlan::kGemmSlots);
    const StepShape decode = StepShape::FromWorkload(kSeedDecodeWorkload);
    WorkloadSpec prefill = kSeedDecodeWorkload;
    prefill.phase = Phase::kPrefill;
    const PreparedStep pp(kDeepSeekV3, kH200Sxm, d, prefill);
    StepResult r;
    for (const bool prefill_forward : {false, true}) {
      for (const StepShape& shape : {decode, StepShape::WithChunks(decode, 2, 256, 512, true),
                                     StepShape::Prefill(3, 1024, 0, true)}) {
        if (prefill_forward != (shape.chunk_sequences == 0 && shape.new_tokens > 8)) continue;
        r = StepResult{};  // a prefill leaves the decode SLA as it was
        (prefill_forward ? pp : p).EstimateInto(shape, r);
        StepResult free;
        EstimateStepInto(kDeepSeekV3, kH200Sxm, d, prefill_forward ? prefill : kSeedDecodeWorkload,
                         shape, free);
        ExpectIdentical(r, free);  // the planned GEMMs and compute share are the worked-out ones
        std::size_t gemms = 0;
        for (std::size_t i = 0; i < r.row_count; ++i) {
          const OpRow& row = r.rows[i];
          if (row.cost.op_class != OpClass::kGemm && row.cost.op_class != OpClass::kGroupedGemm) {
            continue;
          }
          const std::optional<Op> op = OpFromName(row.op);
          ASSERT_TRUE(op.has_value()) << row.op;
          SCOPED_TRACE(absl::StrCat(std::string(PartName(row.part)), " ", std::string(row.op)));
          ++gemms;
          // (The MoE part's attention rows are the dense part's, copied.)
          bool planned = false;
          for (std::size_t variant : {0, 1}) {
            for (const Part part : {row.part, Part::kDense}) {
              planned = planned || plan.gemm_index[StepPlan::GemmSlot(variant, part, *op, 0)] != 0;
            }
          }
          EXPECT_TRUE(planned);
        }
        EXPECT_GT(gemms, 10u);
      }
    }
    // Recorded once per distinct weight: no slot twice, none empty.
    std::size_t used = 0;
    for (const uint8_t i : plan.gemm_index) used += i != 0 ? 1 : 0;
    EXPECT_EQ(used, plan.gemms.size());
  }
  EXPECT_TRUE(PlanStep(kDeepSeekV3, kH200Sxm, kSeedDecode, RoutingSpec{}).gemms.empty());
}

TEST(DecodeStepTest, SharedAttentionRowsEqualCostedOnes) {
  // The MoE part copies the dense part's attention rows unless a per-part
  // correction could tell them apart. A correction of x1 disables the copy
  // without changing any cost: every row must come out the same.
  HardwareSpec h = kH200Sxm;
  h.corrections[0] = OpCorrection{Name("attention"), Name("moe"), 1.0};
  h.correction_count = 1;
  for (Overlap o : {Overlap::kNone, Overlap::kTwoMicroBatch, Overlap::kRecvHook}) {
    DeploymentSpec d = kSeedDecode;
    d.overlap = o;
    SCOPED_TRACE(static_cast<int>(o));
    const StepResult shared = EstimateDecode(kDeepSeekV3, kH200Sxm, d, kSeedDecodeWorkload);
    ExpectIdentical(shared, EstimateDecode(kDeepSeekV3, h, d, kSeedDecodeWorkload));
    // The copies carry their own part and count.
    const OpRow* moe = shared.Find("q_b", Part::kMoe);
    ASSERT_NE(moe, nullptr);
    EXPECT_EQ(moe->count, 58);
  }
}

// The shared-expert block's width written out as the product it defaults to
// (shared_experts x expert_intermediate_size) changes no figure.
TEST(DecodeStepTest, TheDefaultSharedExpertWidthWrittenOutChangesNothing) {
  ModelSpec written = kDeepSeekV3;
  written.moe.shared_expert_intermediate_size =
      written.moe.shared_experts * written.moe.expert_intermediate_size;
  ASSERT_NE(written, kDeepSeekV3);
  for (Overlap o : {Overlap::kNone, Overlap::kTwoMicroBatch}) {
    DeploymentSpec d = kSeedDecode;
    d.overlap = o;
    SCOPED_TRACE(static_cast<int>(o));
    const StepResult a = EstimateDecode(kDeepSeekV3, kH200Sxm, d, kSeedDecodeWorkload);
    const StepResult b = EstimateDecode(written, kH200Sxm, d, kSeedDecodeWorkload);
    ExpectIdentical(a, b);
    EXPECT_EQ(a.memory.weights, b.memory.weights);
  }
}

TEST(DecodeStepTest, RowsFollowTheSeedLayout) {
  for (const char* op : {"attn_norm", "q_a_kv_a", "q_kv_norm", "q_b", "bmm_q_uk", "rope",
                         "attention", "bmm_uv", "o_proj", "mlp_norm", "mlp_up_gate", "mlp_act",
                         "mlp_down"}) {
    EXPECT_NE(kSeedStep.Find(op, Part::kDense), nullptr) << op;
  }
  for (const char* op : {"attention", "router", "shared_up_gate", "shared_act", "shared_down",
                         "dispatch", "moe_up_gate", "moe_act", "moe_down", "combine", "moe_post"}) {
    EXPECT_NE(kSeedStep.Find(op, Part::kMoe), nullptr) << op;
  }
  EXPECT_EQ(kSeedStep.Find("router", Part::kDense), nullptr);
  EXPECT_NE(kSeedStep.Find("lm_head", Part::kHead), nullptr);
  EXPECT_NE(kSeedStep.Find("mtp_eh_proj", Part::kMtp), nullptr);
}

TEST(DecodeStepTest, ForwardIsTheSumOfRows) {
  Duration sum;
  for (Part p : {Part::kDense, Part::kMoe, Part::kMtp, Part::kHead}) {
    sum += kSeedStep.PartLayerTime(p) * static_cast<double>(kSeedStep.PartCount(p));
  }
  EXPECT_NEAR(sum / kSeedStep.forward, 1.0, 1e-12);
  // TPOT = (forward + host gap) / accepted tokens; 8 DP ranks per machine.
  EXPECT_EQ(kSeedStep.dp_per_machine, 8);
  EXPECT_NEAR(ToMilliseconds(kSeedStep.sla.tpot),
              (ToMilliseconds(kSeedStep.forward) + 1.3) / 2.3, 1e-9);
}

TEST(DecodeStepTest, AttentionScalesWithContextOtherOpsDoNot) {
  WorkloadSpec longer = kSeedDecodeWorkload;
  longer.context_tokens = 8192;
  const StepResult r = EstimateDecode(kDeepSeekV3, kH200Sxm, kSeedDecode, longer);
  const double ratio = r.Find("attention", Part::kMoe)->cost.kernel_time /
                       kSeedStep.Find("attention", Part::kMoe)->cost.kernel_time;
  EXPECT_NEAR(ratio, 2.0, 0.05);  // compute-bound: FLOPs ~ Σ context
  EXPECT_EQ(r.Find("o_proj", Part::kMoe)->cost.kernel_time,
            kSeedStep.Find("o_proj", Part::kMoe)->cost.kernel_time);
  EXPECT_GT(r.memory.kv_cache, kSeedStep.memory.kv_cache);
}

TEST(DecodeStepTest, DispatchWaitsForTheSlowestRanksAttention) {
  // Ranks whose Σ context differs: the slowest has 1.4x a balanced rank's.
  const WorkloadSpec& w = kSeedDecodeWorkload;
  const double balanced = 24.0 * 4096, slowest = 1.4 * balanced;
  const StepResult r = EstimateDecode(kDeepSeekV3, kH200Sxm, kSeedDecode, w,
                                      StepShape::Decode(w, 24, balanced, slowest));
  // By hand: FlashMLA over 24 x 3 queries, 128 heads, at each Σ context.
  const auto attention = [&](double context) {
    return MlaDecodeAttention(72, 128, 3.0 * context, context, kDeepSeekV3.mla, DType::kBf16,
                              DType::kBf16, kH200Sxm, 2)
        .time();
  };
  const OpRow* dispatch = r.Find("dispatch", Part::kMoe);
  EXPECT_EQ(dispatch->wait, attention(slowest) - attention(balanced));
  EXPECT_GT(dispatch->wait, Microseconds(30));
  // The attention row is the slowest rank's; combine does not wait.
  EXPECT_EQ(r.Find("attention", Part::kMoe)->cost.time(), attention(slowest));
  EXPECT_EQ(r.Find("combine", Part::kMoe)->wait, Duration::Zero());
  // The MTP pass waits too (its one query per request); the dense layers'
  // MLP all-gather across the 8 DP ranks of a TP group does.
  EXPECT_GT(r.Find("dispatch", Part::kMtp)->wait, Duration::Zero());
  EXPECT_EQ(r.Find("mlp_allgather", Part::kDense)->wait, dispatch->wait);
  // Balanced ranks wait for nobody.
  EXPECT_EQ(kSeedStep.Find("dispatch", Part::kMoe)->wait, Duration::Zero());
}

TEST(DecodeStepTest, HostModelAddsItsTermsToTheWorkloadsGap) {
  DeploymentSpec d = kSeedDecode;
  d.host.per_step = Microseconds(500);
  d.host.per_request = Microseconds(20);
  const StepResult r = EstimateDecode(kDeepSeekV3, kH200Sxm, d, kSeedDecodeWorkload);
  // 1.3 ms typed in the workload + 500 us + 24 requests x 20 us; the forward
  // itself is the seed's.
  EXPECT_EQ(r.forward, kSeedStep.forward);
  EXPECT_NEAR(ToMilliseconds(r.host_gap), 1.3 + 0.5 + 24 * 0.020, 1e-12);
  EXPECT_EQ(r.sla.tpot, (r.forward + r.host_gap) / 2.3);
  // Without CUDA graphs the CPU launches every kernel: at 20 us each it falls
  // behind the GPU by kernels x 20 us - forward.
  d.host.cuda_graphs = false;
  d.host.per_launch = Microseconds(20);
  const StepResult eager = EstimateDecode(kDeepSeekV3, kH200Sxm, d, kSeedDecodeWorkload);
  const Duration issue = Microseconds(20) * static_cast<double>(eager.Kernels());
  ASSERT_GT(issue, eager.forward);
  EXPECT_NEAR(ToMilliseconds(eager.host_gap), ToMilliseconds(r.host_gap + issue - eager.forward),
              1e-9);
  EXPECT_GT(eager.Kernels(), 1000);  // 61 layers of ~15 kernels, MTP, head
  // A CPU that keeps up adds nothing.
  d.host.per_launch = Microseconds(1);
  EXPECT_EQ(EstimateDecode(kDeepSeekV3, kH200Sxm, d, kSeedDecodeWorkload).host_gap, r.host_gap);
}

TEST(DecodeStepTest, TwoMicroBatchesReadWeightsTwiceAndHideCommunication) {
  DeploymentSpec tbo = kSeedDecode;
  tbo.overlap = Overlap::kTwoMicroBatch;
  DeploymentSpec none = kSeedDecode;
  none.overlap = Overlap::kNone;
  const StepResult a = EstimateDecode(kDeepSeekV3, kH200Sxm, tbo, kSeedDecodeWorkload);
  const StepResult b = EstimateDecode(kDeepSeekV3, kH200Sxm, none, kSeedDecodeWorkload);
  // Memory-bound o_proj reads its weights once per micro-batch.
  EXPECT_NEAR(a.Find("o_proj", Part::kMoe)->cost.bytes / b.Find("o_proj", Part::kMoe)->cost.bytes,
              2.0, 0.1);
  // Without overlap nothing is hidden; with it the visible part is smaller.
  const OpRow* dispatch = b.Find("dispatch", Part::kMoe);
  EXPECT_EQ(dispatch->visible, dispatch->cost.time());
  EXPECT_LT(a.Find("dispatch", Part::kMoe)->visible, a.Find("dispatch", Part::kMoe)->cost.time());
}

TEST(DecodeStepTest, Fp8KvCacheAndAttentionAreTheDeploymentsChoice) {
  DeploymentSpec fp8_kv = kSeedDecode;
  fp8_kv.kv_cache_dtype = DType::kFp8;
  const StepResult kv = EstimateDecode(kDeepSeekV3, kH200Sxm, fp8_kv, kSeedDecodeWorkload);
  // The cache holds FlashMLA's FP8 entry (656 B) instead of BF16's 1152 B.
  EXPECT_NEAR(kv.memory.kv_cache / kSeedStep.memory.kv_cache, 656.0 / 1152.0, 1e-12);
  const OpRow* a = kv.Find("attention", Part::kMoe);
  const OpRow* b = kSeedStep.Find("attention", Part::kMoe);
  EXPECT_LT(a->cost.bytes, b->cost.bytes);
  EXPECT_EQ(a->cost.flops, b->cost.flops);
  // FP8 math: the FP8 peak at the class's FP8 share (compute-bound here).
  DeploymentSpec fp8 = fp8_kv;
  fp8.attention_dtype = DType::kFp8;
  const StepResult f = EstimateDecode(kDeepSeekV3, kH200Sxm, fp8, kSeedDecodeWorkload);
  const Efficiency& e = kH200Sxm.EfficiencyOf(OpClass::kAttention);
  EXPECT_NEAR(b->cost.kernel_time / f.Find("attention", Part::kMoe)->cost.kernel_time,
              (kH200Sxm.fp8_dense * e.compute_fp8) / (kH200Sxm.bf16_dense * e.compute), 0.05);  // less the writes
  // The weights do not move.
  EXPECT_EQ(f.memory.weights, kSeedStep.memory.weights);
}

TEST(DecodeStepTest, SmsHeldByTheAllToAllSlowOverlappedCompute) {
  DeploymentSpec tbo = kSeedDecode;
  tbo.overlap = Overlap::kTwoMicroBatch;
  DeploymentSpec held = tbo;
  held.comm_sms = 20;  // DeepEP's normal kernels, DeepSeek-V3 report
  const StepResult a = EstimateDecode(kDeepSeekV3, kH200Sxm, tbo, kSeedDecodeWorkload);
  const StepResult b = EstimateDecode(kDeepSeekV3, kH200Sxm, held, kSeedDecodeWorkload);
  // Compute-bound attention runs at 112 / 132 of the peak: 132 / 112 the time.
  const OpRow* fast = a.Find("attention", Part::kMoe);
  const OpRow* slow = b.Find("attention", Part::kMoe);
  ASSERT_EQ(fast->cost.bound, Bound::kCompute);
  EXPECT_NEAR(slow->cost.kernel_time / fast->cost.kernel_time, 132.0 / 112.0, 0.03);
  // Communication is not slowed; the forward is.
  EXPECT_EQ(b.Find("dispatch", Part::kMoe)->cost.kernel_time,
            a.Find("dispatch", Part::kMoe)->cost.kernel_time);
  EXPECT_GT(b.forward, a.forward);
  // Without micro-batches nothing overlaps, nothing is held.
  DeploymentSpec one = held;
  one.overlap = Overlap::kNone;
  DeploymentSpec none = kSeedDecode;
  none.overlap = Overlap::kNone;
  EXPECT_EQ(EstimateDecode(kDeepSeekV3, kH200Sxm, one, kSeedDecodeWorkload).forward,
            EstimateDecode(kDeepSeekV3, kH200Sxm, none, kSeedDecodeWorkload).forward);
}

TEST(DecodeStepTest, MoreBatchNeverFaster) {
  Duration last;
  for (int64_t b = 1; b <= 128; b *= 2) {
    WorkloadSpec w = kSeedDecodeWorkload;
    w.batch_per_dp = b;
    const StepResult r = EstimateDecode(kDeepSeekV3, kH200Sxm, kSeedDecode, w);
    EXPECT_GE(r.forward, last) << b;
    last = r.forward;
  }
}

}  // namespace
}  // namespace perfmodel
