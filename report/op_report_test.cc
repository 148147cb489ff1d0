// //tools:op's library: each op costs what ops.h says, and errors name the
// field.

#include "report/op_report.h"

#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/load.h"
#include "perfmodel/testing/matchers.h"

namespace perfmodel {
namespace {

using ::perfmodel::testing::StatusIs;
using ::testing::HasSubstr;

HardwareSpec H800() {
  absl::StatusOr<LoadedHardware> h = LoadHardware("hw/h800_sxm.textproto");
  EXPECT_TRUE(h.ok());
  return h->spec;
}

TEST(OpLibTest, GemmIsTheOpsFunction) {
  const HardwareSpec hw = H800();
  absl::StatusOr<OpCost> c = CostOp({.op = OpKind::kGemm, .m = 64, .n = 2112, .k = 7168}, hw);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kernel_time, Gemm({64, 2112, 7168, 1}, GemmTypes::Fp8(), hw).kernel_time);
  const std::string text =
      render::Render(OpDocument({.op = OpKind::kGemm}, *c), render::Format::kJson);
  EXPECT_THAT(text, HasSubstr("\"tflops\""));
  EXPECT_THAT(text, HasSubstr("\"op\": \"gemm\""));
}

// What each op should cost on the H800, from its shape and the hardware
// file's peaks and efficiencies: FLOPs, HBM bytes read and written, the
// tensor-core work its tiles occupy (GEMMs: whole waves of tiles over the
// SMs), and for a link op the bytes on each path.
struct Expected final {
  OpParams params;
  OpClass op_class;
  double flops = 0.0;     // useful
  double occupied = 0.0;  // GEMMs: padded tiles in whole waves; else = flops
  double read = 0.0, written = 0.0;
  DType math = DType::kBf16;
  double link_bytes = 0.0, nvlink_share = 0.0;  // link ops
  double copies = 0.0;                          // token copies a low-latency all-to-all sends
};

constexpr double kFp8Act = 1.0 + 4.0 / 128.0;
constexpr double kFp8W = 1.0 + 4.0 / (128.0 * 128.0);

TEST(OpLibTest, EveryOpCostsItsRooflineOnTheHardwareFile) {
  const HardwareSpec hw = H800();
  ASSERT_EQ(hw.sm_count, 132);
  const double tile = 128.0 * 128.0;  // m > 128 rows: 128 x 128 tiles
  const std::vector<Expected> cases = {
      // 4 experts x 256 rows x [7168 -> 4096], FP8: 2 x 32 tiles each, 256 on
      // 132 SMs = 2 waves.
      {.params = {.op = OpKind::kGroupedGemm, .m = 256, .n = 4096, .k = 7168, .groups = 4},
       .op_class = OpClass::kGroupedGemm,
       .flops = 2.0 * 1024 * 4096 * 7168,
       .occupied = 2.0 * 7168 * tile * 132 * 2,
       .read = 4.0 * 7168 * 4096 * kFp8W + 1024.0 * 7168 * kFp8Act,
       .written = 1024.0 * 4096 * 2,
       .math = DType::kFp8},
      // 128 requests x 4096 context, 64 heads, latent 512 + RoPE 64, BF16.
      {.params = {.op = OpKind::kMlaDecode, .batch = 128, .context = 4096, .heads = 64},
       .op_class = OpClass::kAttention,
       .flops = 2.0 * 64 * (128.0 * 4096) * (576 + 512),
       .read = 128.0 * 4096 * 576 * 2 + 128.0 * 64 * 576 * 2,
       .written = 128.0 * 64 * 512 * 2},
      // 32 requests x 8192 context, 8 query heads, 1 KV head of 128, BF16.
      {.params =
           {.op = OpKind::kGqaDecode, .batch = 32, .context = 8192, .heads = 8, .kv_heads = 1},
       .op_class = OpClass::kAttention,
       .flops = 4.0 * 8 * (32.0 * 8192) * 128,
       .read = 32.0 * 8192 * 2 * 128 * 2 + 32.0 * 8 * 128 * 2,
       .written = 32.0 * 8 * 128 * 2},
      // One causal 4096-token prompt, 128 heads of 128 / 128, FP8 math (the
      // default dtype): K and V of 128 heads in FP8.
      {.params = {.op = OpKind::kPrefillAttention, .heads = 128, .s_q = 4096},
       .op_class = OpClass::kAttention,
       .flops = 2.0 * 128 * (4096.0 * 4097 / 2) * 256,
       .read = 4096.0 * 128 * 128 * 2 + 4096.0 * 128 * 256 * 1,
       .written = 4096.0 * 128 * 128 * 2,
       .math = DType::kFp8},
      // 128 tokens x top-8 x 7168 FP8 with scales, all over the NIC.
      {.params = {.op = OpKind::kDispatch, .tokens = 128, .ep = 64, .transport = Transport::kRdma},
       .op_class = OpClass::kScaleOut,
       .link_bytes = 128.0 * 8 * 7168 * kFp8Act,
       .nvlink_share = 0.0},
      // BF16 back inside one node: the low-latency kernels' NVLink share ...
      {.params = {.op = OpKind::kCombine, .tokens = 128, .ep = 8},
       .op_class = OpClass::kScaleUpLowLatency,
       .link_bytes = 128.0 * 8 * 7168 * 2,
       .nvlink_share = 1.0,
       .copies = 128.0 * 8},
      // ... and the normal kernels'.
      {.params =
           {.op = OpKind::kCombine, .tokens = 4096, .ep = 8, .ep_kernels = EpKernels::kNormal},
       .op_class = OpClass::kScaleUp,
       .link_bytes = 4096.0 * 8 * 7168 * 2,
       .nvlink_share = 1.0},
      // Rings over 8 GPUs: each sends 2 x 7/8 (all-reduce) or 7/8 of 1 MB.
      {.params = {.op = OpKind::kAllReduce, .bytes = Megabytes(1), .ranks = 8},
       .op_class = OpClass::kScaleUp,
       .link_bytes = 2.0 * 7 / 8 * 1e6,
       .nvlink_share = 1.0},
      {.params = {.op = OpKind::kAllGather, .bytes = Megabytes(1), .ranks = 8},
       .op_class = OpClass::kScaleUp,
       .link_bytes = 7.0 / 8 * 1e6,
       .nvlink_share = 1.0},
  };
  for (const Expected& e : cases) {
    SCOPED_TRACE(OpKindName(e.params.op));
    absl::StatusOr<OpCost> c = CostOp(e.params, hw);
    ASSERT_TRUE(c.ok()) << c.status();
    EXPECT_EQ(c->op_class, e.op_class);
    const Efficiency& eff = hw.EfficiencyOf(e.op_class);
    double want_s = 0.0;
    if (IsLinkClass(e.op_class)) {
      EXPECT_DOUBLE_EQ(ToBytes(c->link_bytes), e.link_bytes);
      // One path carries it all: the bytes over that path's bandwidth x
      // efficiency, plus its latency (and the low-latency kernels' time per
      // NVLink copy).
      const bool nvlink = e.nvlink_share > 0.0;
      const double bw =
          ToGigabytesPerSecond(nvlink ? hw.scale_up_bandwidth : hw.scale_out_bandwidth) * 1e9;
      const Duration latency = nvlink ? hw.scale_up_latency : hw.scale_out_latency;
      want_s = e.link_bytes / (bw * eff.link) + ToSeconds(latency) +
               (nvlink ? e.copies * ToSeconds(eff.per_message) : 0.0);
      EXPECT_EQ(c->bound, Bound::kNetwork);
      EXPECT_EQ(c->latency, latency);
    } else {
      EXPECT_DOUBLE_EQ(ToFlops(c->flops), e.flops);
      EXPECT_DOUBLE_EQ(ToBytes(c->bytes), e.read + e.written);
      // Roofline: the reads overlap the math, the writes follow it.
      const double peak = ToTeraflopsPerSecond(hw.PeakFlops(e.math)) * 1e12;
      const double compute_s =
          (e.occupied > 0.0 ? e.occupied : e.flops) / (peak * eff.ComputeFor(e.math));
      const double hbm = ToGigabytesPerSecond(hw.hbm_bandwidth) * 1e9 * eff.memory;
      const double read_s = e.read / hbm;
      want_s = std::max(compute_s, read_s) + e.written / hbm;
      EXPECT_EQ(c->bound, compute_s > read_s ? Bound::kCompute : Bound::kMemory);
    }
    EXPECT_NEAR(ToSeconds(c->kernel_time), want_s, 1e-12 * want_s);
    EXPECT_EQ(c->overhead, hw.kernel_launch_overhead);
  }
}

TEST(OpLibTest, PrefillAttentionCountsPairsAndKv) {
  const HardwareSpec hw = H800();
  // Causal: 2 sequences of 1024 new tokens after 512 cached, 16 heads of
  // 192 / 128, K and V of 16 heads in BF16, every sequence's 1536 entries read.
  OpParams p{.op = OpKind::kPrefillAttention,
             .batch = 2,
             .dtype = DType::kBf16,
             .heads = 16,
             .s_q = 1024,
             .cached = 512,
             .d_qk = 192,
             .d_v = 128};
  absl::StatusOr<OpCost> c = CostOp(p, hw);
  ASSERT_TRUE(c.ok()) << c.status();
  const double causal = 2.0 * (1024.0 * 512 + 1024.0 * 1025 / 2);
  const OpCost want =
      PrefillAttention(2048, 16, causal, 192, 128, 2.0 * 1536, 16.0 * 320 * 2, DType::kBf16, hw);
  EXPECT_EQ(c->flops, want.flops);
  EXPECT_EQ(c->bytes, want.bytes);
  EXPECT_EQ(c->kernel_time, want.kernel_time);
  // Not causal: every new token attends all 1536 keys.
  p.causal = false;
  c = CostOp(p, hw);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_DOUBLE_EQ(ToFlops(c->flops), 2.0 * 16 * (2.0 * 1024 * 1536) * 320);
  // An MLA latent of 1152 bytes per token instead of per-head K and V; one
  // KV head instead of 16.
  p.kv_bytes = ByteCount(1152);
  c = CostOp(p, hw);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_DOUBLE_EQ(ToBytes(c->bytes),
                   2048.0 * 16 * 192 * 2 + 3072.0 * 1152 + 2048.0 * 16 * 128 * 2);
  p.kv_bytes = std::nullopt;
  p.kv_heads = 1;
  c = CostOp(p, hw);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_DOUBLE_EQ(ToBytes(c->bytes),
                   2048.0 * 16 * 192 * 2 + 3072.0 * 320 * 2 + 2048.0 * 16 * 128 * 2);
}

TEST(OpLibTest, ErrorsNameTheField) {
  const HardwareSpec hw = H800();
  const absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(CostOp({.op = OpKind::kGemm, .m = 1, .n = 1}, hw),
              StatusIs(kInvalid, "k: required by gemm"));
  EXPECT_THAT(CostOp({.op = OpKind::kGemm, .m = 0, .n = 1, .k = 1}, hw),
              StatusIs(kInvalid, "m: must be >= 1, got 0"));
  EXPECT_THAT(CostOp({.op = OpKind::kMlaDecode, .batch = 1, .context = 0, .heads = 1}, hw),
              StatusIs(kInvalid, "context: must be >= 1, got 0"));
  EXPECT_THAT(CostOp({.op = OpKind::kGqaDecode, .context = 1, .heads = 1}, hw),
              StatusIs(kInvalid, "kv_heads: required by gqa_decode"));
  EXPECT_THAT(CostOp({.op = OpKind::kPrefillAttention, .heads = 8}, hw),
              StatusIs(kInvalid, "s_q: required by prefill_attention"));
  EXPECT_THAT(CostOp({.op = OpKind::kPrefillAttention, .heads = 8, .s_q = 16, .cached = -1}, hw),
              StatusIs(kInvalid, "cached: must be >= 0, got -1"));
  // Counts beyond the loader's limits for the same quantity are named too.
  EXPECT_THAT(CostOp({.op = OpKind::kGemm, .m = int64_t{1} << 40, .n = 1, .k = 1}, hw),
              StatusIs(kInvalid, "m: must be <= 16777216, got 1099511627776"));
  EXPECT_THAT(CostOp({.op = OpKind::kGroupedGemm, .m = 1, .n = 1, .k = 1, .groups = 1 << 20}, hw),
              StatusIs(kInvalid, "groups: must be <= 65536, got 1048576"));
  EXPECT_THAT(
      CostOp({.op = OpKind::kPrefillAttention, .heads = 8, .s_q = 16, .cached = int64_t{1} << 30},
             hw),
      StatusIs(kInvalid, "cached: must be <= 134217728, got 1073741824"));
  EXPECT_THAT(CostOp({.op = OpKind::kDispatch, .tokens = 1, .ep = 1 << 13}, hw),
              StatusIs(kInvalid, "ep: must be <= 4096, got 8192"));
  EXPECT_THAT(
      CostOp({.op = OpKind::kPrefillAttention, .dtype = DType::kFp32, .heads = 8, .s_q = 16}, hw),
      StatusIs(kInvalid, "dtype: prefill_attention runs bf16, fp16 or fp8 math, got fp32"));
  EXPECT_THAT(CostOp({.op = OpKind::kPrefillAttention,
                      .heads = 8,
                      .kv_heads = 1,
                      .s_q = 16,
                      .kv_bytes = ByteCount(64)},
                     hw),
              StatusIs(kInvalid, "kv_bytes: conflicts with kv_heads"));
  // The op_flags_fuzzer's finding of 2026-12-02 (--batch=128
  // --q_len=6277017080637277977 overflowed batch x q_len): each count is
  // bounded, so no product of two overflows.
  EXPECT_THAT(CostOp({.op = OpKind::kMlaDecode,
                      .batch = 128,
                      .q_len = 6277017080637277977,
                      .context = 4096,
                      .heads = 64},
                     hw),
              StatusIs(kInvalid, "q_len: must be <= 16777216, got 6277017080637277977"));
  EXPECT_THAT(
      CostOp({.op = OpKind::kPrefillAttention, .batch = 4, .heads = 8, .s_q = int64_t{1} << 62},
             hw),
      StatusIs(kInvalid, "s_q: must be <= 16777216, got 4611686018427387904"));
  EXPECT_THAT(CostOp({.op = OpKind::kDispatch}, hw),
              StatusIs(kInvalid, "tokens: required by dispatch"));
  EXPECT_THAT(CostOp({.op = OpKind::kAllReduce, .bytes = Bytes::Zero(), .ranks = 2}, hw),
              StatusIs(kInvalid, "bytes: must be > 0 and finite, got 0 MB"));
}

}  // namespace
}  // namespace perfmodel
