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
  EXPECT_THAT(CostOp({.op = OpKind::kDispatch}, hw),
              StatusIs(kInvalid, "tokens: required by dispatch"));
  EXPECT_THAT(CostOp({.op = OpKind::kAllReduce, .bytes = Bytes::Zero(), .ranks = 2}, hw),
              StatusIs(kInvalid, "bytes: must be > 0 and finite, got 0 MB"));
}

}  // namespace
}  // namespace perfmodel
