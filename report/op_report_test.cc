// //tools:op's library: each op costs what ops.h says, and errors name the
// field.

#include "report/op_report.h"

#include <string>

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

TEST(OpLibTest, EveryOpRuns) {
  const HardwareSpec hw = H800();
  for (const OpParams& p :
       {OpParams{.op = OpKind::kGroupedGemm, .m = 256, .n = 4096, .k = 7168, .groups = 4},
        OpParams{.op = OpKind::kMlaDecode, .batch = 128, .context = 4096, .heads = 64},
        OpParams{.op = OpKind::kGqaDecode, .batch = 32, .context = 8192, .heads = 8, .kv_heads = 1},
        OpParams{.op = OpKind::kPrefillAttention, .heads = 128, .s_q = 4096},
        OpParams{.op = OpKind::kDispatch, .tokens = 128, .ep = 64, .transport = Transport::kRdma},
        OpParams{.op = OpKind::kCombine, .tokens = 128, .ep = 8},
        OpParams{.op = OpKind::kCombine, .tokens = 4096, .ep = 8, .ep_kernels = EpKernels::kNormal},
        OpParams{.op = OpKind::kAllReduce, .bytes = Megabytes(1), .ranks = 8},
        OpParams{.op = OpKind::kAllGather, .bytes = Megabytes(1), .ranks = 8}}) {
    absl::StatusOr<OpCost> c = CostOp(p, hw);
    ASSERT_TRUE(c.ok()) << OpKindName(p.op) << ": " << c.status();
    EXPECT_GT(c->kernel_time, Duration::Zero()) << OpKindName(p.op);
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
  EXPECT_THAT(CostOp({.op = OpKind::kDispatch}, hw),
              StatusIs(kInvalid, "tokens: required by dispatch"));
  EXPECT_THAT(CostOp({.op = OpKind::kAllReduce, .bytes = Bytes::Zero(), .ranks = 2}, hw),
              StatusIs(kInvalid, "bytes: must be > 0 and finite, got 0 MB"));
}

}  // namespace
}  // namespace perfmodel
