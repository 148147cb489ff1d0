// perfmodel's op functions against kernels measured on an H200 and an H100
// (baselines/gpu/*.json, written by benchmarks/gpu/measure_kernels.py; how and
// when: baselines/gpu/README.md). Deterministic: no timing here, no GPU needed.
//
// What is held, and against what:
// - The hardware descriptions' elementwise factors ARE the fit of the 40
//   elementwise rows (kernel_launch_overhead_us and ELEMENTWISE memory): a
//   re-measurement or a new rule must be carried into hw/ (the fit is printed
//   by `bazel run //tools:bench_check -- --baseline=... --hw=...`).
// - That two-parameter fit explains all 40 rows (four ops, three decades of
//   size) within 35 %, median within 10 %.
// - GEMM, grouped-GEMM and memory-read rows were NOT fitted (the GEMM factors
//   come from DeepGEMM's published rows; these are cuBLAS and PyTorch kernels):
//   each within 30 %, except the rows named in KnownMisses with their reason,
//   which must still miss (so a model change that fixes one is noticed).
// - Attention rows are not checked: the script's attention is bmm -> softmax ->
//   bmm with the scores in HBM, the model's is FlashMLA's fused kernel. Nor are
//   prefill attention rows (PyTorch SDPA's cuDNN, flash or memory-efficient
//   kernel, not FlashMLA's; printed beside the model once a baseline has them).

#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "base/stats.h"
#include "measure/kernel_baseline.h"
#include "measure/model_check.h"
#include "gtest/gtest.h"
#include "loader/load.h"

namespace perfmodel::bench {
namespace {

struct Gpu {
  const char* baseline;
  const char* hw;
  // Rows outside the 30 % band, and why.
  std::map<std::string, const char*> known_misses;
};

constexpr char kTorchCopy[] =
    "torch's copy_ kernel: 2.7 TB/s where the Triton kernels that also write reach 4.2: the "
    "kernel, not the memory";

// BF16 GEMMs with N = 2112 missed by up to 74 % while the model's tiles were
// fixed at 64/128 x 128 (17 tiles on 132 SMs); with cuBLAS's tiles chosen per
// shape (hw/*.textproto bf16_gemm_kernels) they fit, as does the H100's M =
// 128, N = 7168, K = 16384 row once the GEMM memory factor left DeepGEMM's
// in-kernel fixed time out (0.76, was 0.70).
std::vector<Gpu> Gpus() {
  return {
      {"baselines/gpu/h200_sxm.json",
       "hw/h200_sxm.textproto",
       {{"grouped_gemm_bf16/groups:8/M:64/N:4096/K:7168",
         "torch.bmm streams B at 4.37 TB/s here (91 % of HBM, above the DeepGEMM-set 0.70)"},
        {"memory_copy/bytes:2147483648", kTorchCopy}}},
      {"baselines/gpu/h100_sxm.json", "hw/h100_sxm.textproto", {}},
  };
}

TEST(GpuModelCheckTest, HardwareElementwiseFactorsAreTheFit) {
  for (const Gpu& g : Gpus()) {
    SCOPED_TRACE(g.baseline);
    absl::StatusOr<KernelBaselines> b = LoadKernelBaselines(g.baseline);
    ASSERT_TRUE(b.ok()) << b.status();
    absl::StatusOr<LoadedHardware> hw = LoadHardware(g.hw);
    ASSERT_TRUE(hw.ok()) << hw.status();
    absl::StatusOr<ElementwiseFit> fit = FitElementwise(*b, hw->spec);
    ASSERT_TRUE(fit.ok()) << fit.status();
    EXPECT_EQ(fit->rows, 40);
    std::printf("%s: fixed %.3f us, memory efficiency %.4f, launch floor %.3f us\n", g.baseline,
                ToMicroseconds(fit->fixed), fit->memory_efficiency,
                ToMicroseconds(fit->launch_floor));
    // The hardware descriptions carry the fit rounded to 0.001 us and 0.001.
    EXPECT_NEAR(ToMicroseconds(hw->spec.kernel_launch_overhead), ToMicroseconds(fit->fixed),
                0.0005);
    EXPECT_NEAR(hw->spec.EfficiencyOf(OpClass::kElementwise).memory, fit->memory_efficiency,
                0.0005);
    // Physically: an empty kernel costs less than a real one's fixed part, and
    // no kernel beats the HBM.
    EXPECT_GT(fit->launch_floor, Duration::Zero());
    EXPECT_GT(fit->fixed, fit->launch_floor);
    EXPECT_LT(fit->memory_efficiency, 1.0);
  }
}

TEST(GpuModelCheckTest, KernelsWithinStatedTolerance) {
  for (const Gpu& g : Gpus()) {
    SCOPED_TRACE(g.baseline);
    absl::StatusOr<std::vector<KernelCheckRow>> rows = CheckKernels(g.baseline, g.hw);
    ASSERT_TRUE(rows.ok()) << rows.status();
    std::vector<double> elementwise;
    int checked = 0, missed = 0;
    for (const KernelCheckRow& r : *rows) {
      std::printf("%-88s measured %9.2f us predicted %9.2f us %+7.1f %%\n", r.name.c_str(),
                  ToMicroseconds(r.measured), ToMicroseconds(r.predicted), 100 * r.Error());
      const double e = std::abs(r.Error());
      if (r.kind == "elementwise") {
        elementwise.push_back(e);
        EXPECT_LE(e, 0.35) << r.name;
        continue;
      }
      // Not FlashMLA: see the top of this file.
      if (r.kind == "attention" || r.kind == "prefill_attention") continue;
      ++checked;
      const auto miss = g.known_misses.find(r.name);
      if (miss == g.known_misses.end()) {
        EXPECT_LE(e, 0.30) << r.name;
      } else {
        ++missed;
        EXPECT_GT(e, 0.30) << r.name << " is listed as a known miss (" << miss->second
                           << ") but now fits: take it off the list";
      }
    }
    EXPECT_EQ(missed, static_cast<int>(g.known_misses.size())) << "a listed row was not measured";
    EXPECT_EQ(checked, 46);  // 36 GEMMs, 8 grouped GEMMs, copy and read
    ASSERT_EQ(elementwise.size(), 40u);
    EXPECT_LE(Quantile(elementwise, 0.5), 0.10);
  }
}

}  // namespace
}  // namespace perfmodel::bench
