// Every generated constexpr spec header (build_defs/spec.bzl) equals the spec
// the loader reads from the same textproto, field by field (the specs'
// defaulted operator==), so a field the code generator forgets fails here.

#include <string>

#include "deployments/llama3_1_70b_tp8_spec.h"
#include "deployments/qwen3_235b_dp8_ep8_spec.h"
#include "deployments/seed_decode_spec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hw/b200_spec.h"
#include "hw/gb200_spec.h"
#include "hw/h100_sxm_spec.h"
#include "hw/h200_sxm_spec.h"
#include "hw/h20_spec.h"
#include "hw/h800_sxm_spec.h"
#include "hw/host_cpu_spec.h"
#include "loader/load.h"
#include "models/deepseek_v3_spec.h"
#include "models/llama3_1_70b_spec.h"
#include "models/qwen3_235b_a22b_spec.h"
#include "workloads/llama3_1_70b_tp8_spec.h"
#include "workloads/qwen3_235b_dp8_ep8_spec.h"
#include "workloads/seed_decode_spec.h"

namespace perfmodel {
namespace {

TEST(SpecHeadersTest, ModelsEqualTheLoadedOnes) {
  for (const auto& [path, spec] : {std::pair{"models/deepseek_v3.textproto", specs::kDeepSeekV3},
                                   {"models/llama3_1_70b.textproto", specs::kLlama31_70b},
                                   {"models/qwen3_235b_a22b.textproto", specs::kQwen3_235bA22b}}) {
    absl::StatusOr<ModelSpec> m = LoadModel(path);
    ASSERT_TRUE(m.ok()) << m.status();
    EXPECT_TRUE(*m == spec) << path;
  }
}

TEST(SpecHeadersTest, HardwareEqualsTheLoadedOne) {
  for (const auto& [path, spec] : {std::pair{"hw/h200_sxm.textproto", specs::kH200Sxm},
                                   {"hw/h800_sxm.textproto", specs::kH800Sxm},
                                   {"hw/h100_sxm.textproto", specs::kH100Sxm},
                                   {"hw/h20.textproto", specs::kH20},
                                   {"hw/b200.textproto", specs::kB200},
                                   {"hw/gb200.textproto", specs::kGb200},
                                   {"hw/host_cpu.textproto", specs::kHostCpu}}) {
    absl::StatusOr<LoadedHardware> h = LoadHardware(path);
    ASSERT_TRUE(h.ok()) << h.status();
    EXPECT_TRUE(h->spec == spec) << path;
  }
}

TEST(SpecHeadersTest, DeploymentsAndWorkloadsEqualTheLoadedOnes) {
  for (const auto& [path, spec] :
       {std::pair{"deployments/seed_decode.textproto", specs::kSeedDecode},
        {"deployments/llama3_1_70b_tp8.textproto", specs::kLlama70bTp8},
        {"deployments/qwen3_235b_dp8_ep8.textproto", specs::kQwen235bDp8Ep8}}) {
    absl::StatusOr<LoadedDeployment> d = LoadDeployment(path);
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_TRUE(d->spec == spec) << path;
  }
  for (const auto& [path, spec] :
       {std::pair{"workloads/seed_decode.textproto", specs::kSeedDecodeWorkload},
        {"workloads/llama3_1_70b_tp8.textproto", specs::kLlama70bTp8Workload},
        {"workloads/qwen3_235b_dp8_ep8.textproto", specs::kQwen235bDp8Ep8Workload}}) {
    absl::StatusOr<LoadedWorkload> w = LoadWorkload(path);
    ASSERT_TRUE(w.ok()) << w.status();
    EXPECT_TRUE(w->spec == spec) << path;
  }
}

// A field changed in one spec makes them differ: the comparison is not vacuous.
TEST(SpecHeadersTest, ComparisonSeesEveryKindOfField) {
  HardwareSpec h = specs::kH200Sxm;
  h.bf16_gemm_kernels = GemmKernels(GemmTileRule::kFixed, {64, 128}, {256});
  EXPECT_FALSE(h == specs::kH200Sxm);
  ModelSpec m = specs::kDeepSeekV3;
  m.layer_groups[1].count += 1;
  EXPECT_FALSE(m == specs::kDeepSeekV3);
  WorkloadSpec w = specs::kSeedDecodeWorkload;
  w.host_gap = w.host_gap * 2.0;
  EXPECT_FALSE(w == specs::kSeedDecodeWorkload);
}

}  // namespace
}  // namespace perfmodel
