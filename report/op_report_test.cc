// //tools:op's library: each op costs what ops.h says, and bad flags are
// named in the error.

#include "report/op_report.h"

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
  absl::StatusOr<OpCost> c = CostOp({.op = "gemm", .m = 64, .n = 2112, .k = 7168}, hw);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kernel_time, Gemm({64, 2112, 7168, 1}, GemmTypes::Fp8(), hw).kernel_time);
  const std::string text = render::Render(OpDocument({.op = "gemm"}, *c), render::Format::kJson);
  EXPECT_THAT(text, HasSubstr("\"tflops\""));
}

TEST(OpLibTest, EveryOpRuns) {
  const HardwareSpec hw = H800();
  for (const OpFlags& f : {OpFlags{.op = "grouped_gemm", .m = 256, .n = 4096, .k = 7168, .groups = 4},
                           OpFlags{.op = "mla_decode", .batch = 128, .context = 4096, .heads = 64},
                           OpFlags{.op = "gqa_decode", .batch = 32, .context = 8192, .heads = 8,
                                   .kv_heads = 1},
                           OpFlags{.op = "dispatch", .tokens = 128, .ep = 64, .transport = "rdma"},
                           OpFlags{.op = "combine", .tokens = 128, .ep = 8},
                           OpFlags{.op = "combine", .tokens = 4096, .ep = 8, .ep_kernels = "normal"},
                           OpFlags{.op = "allreduce", .bytes_mb = 1, .ranks = 8},
                           OpFlags{.op = "allgather", .bytes_mb = 1, .ranks = 8}}) {
    absl::StatusOr<OpCost> c = CostOp(f, hw);
    ASSERT_TRUE(c.ok()) << f.op << ": " << c.status();
    EXPECT_GT(c->kernel_time, Duration::Zero()) << f.op;
  }
}

TEST(OpLibTest, BadFlagsAreNamed) {
  const HardwareSpec hw = H800();
  const absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(CostOp({.op = "conv"}, hw), StatusIs(kInvalid, HasSubstr("--op")));
  EXPECT_THAT(CostOp({.op = "gemm", .m = 0, .n = 1, .k = 1}, hw), StatusIs(kInvalid, HasSubstr("--m")));
  EXPECT_THAT(CostOp({.op = "gemm", .m = 1, .n = 1, .k = 1, .dtype = "int3"}, hw),
              StatusIs(kInvalid, HasSubstr("--dtype")));
  EXPECT_THAT(CostOp({.op = "mla_decode", .batch = 1, .context = 0, .heads = 1}, hw),
              StatusIs(kInvalid, HasSubstr("--context")));
  EXPECT_THAT(CostOp({.op = "dispatch", .tokens = 1, .transport = "pigeon"}, hw),
              StatusIs(kInvalid, HasSubstr("--transport")));
  EXPECT_THAT(CostOp({.op = "combine", .tokens = 1, .ep_kernels = "fast"}, hw),
              StatusIs(kInvalid, HasSubstr("--ep_kernels: must be low_latency or normal")));
  EXPECT_THAT(CostOp({.op = "allreduce", .bytes_mb = -1, .ranks = 2}, hw),
              StatusIs(kInvalid, HasSubstr("--bytes_mb")));
}

}  // namespace
}  // namespace perfmodel
