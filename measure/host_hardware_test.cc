// Tests for measure/host_hardware.h: the committed hw/host_cpu.textproto is
// what the rules give for the committed CPU baseline (nothing typed in), the
// generated text loads, and missing rows or /proc lines are reported.

#include "measure/host_hardware.h"

#include <string>

#include "absl/strings/str_cat.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/load.h"
#include "perfmodel/testing/matchers.h"

namespace perfmodel::bench {
namespace {

using ::perfmodel::testing::IsOk;
using ::perfmodel::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kJson[] = "baselines/cpu/cpu_kernels.json";
constexpr char kHw[] = "hw/host_cpu.textproto";

// Relative agreement of the printed (%.6g / %.4f) numbers.
void ExpectClose(double got, double want, const char* what) {
  EXPECT_NEAR(got, want, 1e-5 * want + 1e-4) << what;
}

TEST(HostHardwareTest, CommittedTextprotoFollowsFromTheBaseline) {
  absl::StatusOr<KernelBaselines> b = LoadKernelBaselines(kJson);
  ASSERT_THAT(b, IsOk());
  absl::StatusOr<HostMeasurements> m = DeriveHostMeasurements(*b);
  ASSERT_THAT(m, IsOk());
  absl::StatusOr<LoadedHardware> hw = LoadHardware(kHw);
  ASSERT_THAT(hw, IsOk());
  const HardwareSpec& h = hw->spec;

  ExpectClose(h.fp32 / m->fp32_peak, 1.0, "fp32");
  ExpectClose(h.bf16_dense / m->fp32_peak, 1.0, "bf16 = fp32");
  ExpectClose(h.fp8_dense / m->fp32_peak, 1.0, "fp8 = fp32");
  ExpectClose(h.hbm_bandwidth / m->bandwidth, 1.0, "bandwidth");
  ExpectClose(h.scale_up_bandwidth / m->bandwidth, 1.0, "scale-up stands in");
  const struct {
    OpClass c;
    const Ceiling& want;
  } classes[] = {{OpClass::kGemm, m->gemm},
                 {OpClass::kGroupedGemm, m->grouped_gemm},
                 {OpClass::kAttention, m->attention}};
  for (const auto& [c, want] : classes) {
    ExpectClose(h.EfficiencyOf(c).compute, want.compute, std::string(OpClassName(c)).c_str());
    ExpectClose(h.EfficiencyOf(c).memory, want.memory, std::string(OpClassName(c)).c_str());
    EXPECT_THAT(hw->efficiency_source[static_cast<std::size_t>(c)], HasSubstr(want.compute_row));
  }
  ExpectClose(h.EfficiencyOf(OpClass::kElementwise).memory, m->elementwise_memory, "triad");
}

TEST(HostHardwareTest, PeakAndBandwidthAreTheirRowsRates) {
  absl::StatusOr<KernelBaselines> b = LoadKernelBaselines(kJson);
  ASSERT_THAT(b, IsOk());
  absl::StatusOr<HostMeasurements> m = DeriveHostMeasurements(*b);
  ASSERT_THAT(m, IsOk());
  for (const KernelMeasurement& k : b->kernels) {
    if (k.name == m->peak_row) {
      EXPECT_EQ(m->fp32_peak, KernelFlops(k.kernel) / k.time);
    }
    if (k.name == m->bandwidth_row) {
      EXPECT_EQ(m->bandwidth, KernelBytes(k.kernel) / k.time);
    }
    // No row beats the ceilings once they are applied (up to the cap at 1).
    const double compute = (KernelFlops(k.kernel) / k.time) / m->fp32_peak;
    if (k.kernel.kind == KernelKind::kGemm) {
      EXPECT_LE(compute, m->gemm.compute_raw) << k.name;
    }
  }
  EXPECT_EQ(m->peak_row.rfind("peak_fp32/", 0), 0u);
  EXPECT_EQ(m->bandwidth_row.rfind("memory_read/", 0), 0u);
}

TEST(HostHardwareTest, GeneratedTextLoads) {
  absl::StatusOr<KernelBaselines> b = LoadKernelBaselines(kJson);
  ASSERT_THAT(b, IsOk());
  absl::StatusOr<HostMeasurements> m = DeriveHostMeasurements(*b);
  ASSERT_THAT(m, IsOk());
  const HostInfo host{"Some \"Quoted\" CPU @ 2.0GHz", Gibibytes(16)};
  const std::string text = HostCpuTextproto(*m, host, kJson);
  absl::StatusOr<LoadedHardware> hw = ParseHardware(text, "generated");
  ASSERT_THAT(hw, IsOk());
  EXPECT_EQ(hw->spec.name.view(), "1 core of Some \"Quoted\" CPU @ 2.0GHz");
  EXPECT_NEAR(ToGibibytes(hw->spec.hbm_capacity), 16.0, 1e-5);
  EXPECT_THAT(hw->source, HasSubstr(kJson));
}

TEST(HostHardwareTest, MissingRowsAreNamed) {
  absl::StatusOr<KernelBaselines> b = LoadKernelBaselines(kJson);
  ASSERT_THAT(b, IsOk());
  for (const char* family : {"peak_fp32", "memory_read", "memory_triad", "gemm", "grouped_gemm",
                             "attention"}) {
    KernelBaselines cut = *b;
    std::erase_if(cut.kernels, [&](const KernelMeasurement& k) {
      return k.name.rfind(absl::StrCat(family, "/"), 0) == 0 ||
             k.name.rfind(absl::StrCat(family, "_fp32/"), 0) == 0;
    });
    EXPECT_THAT(DeriveHostMeasurements(cut),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         HasSubstr(absl::StrCat(kJson, ": no ", family, " row"))))
        << family;
  }
}

TEST(HostHardwareTest, ParsesProcFiles) {
  absl::StatusOr<HostInfo> h = ParseHostInfo(
      "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu\n", "cpuinfo",
      "MemTotal:       24731708 kB\nMemFree: 1 kB\n", "meminfo");
  ASSERT_THAT(h, IsOk());
  EXPECT_EQ(h->cpu_model, "Intel(R) Xeon(R) Processor");
  EXPECT_EQ(h->memory, Kibibytes(24731708));
  EXPECT_THAT(ParseHostInfo("processor: 0\n", "/x/cpuinfo", "MemTotal: 1 kB\n", "m"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("/x/cpuinfo: no \"model name\" line")));
  EXPECT_THAT(ParseHostInfo("model name: x\n", "c", "MemFree: 1 kB\n", "/x/meminfo"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("/x/meminfo: no \"MemTotal\" line")));
  EXPECT_THAT(ParseHostInfo("model name: x\n", "c", "MemTotal: lots\n", "/x/meminfo"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("/x/meminfo: MemTotal: expected \"<number> kB\", got \"lots\"")));
}

}  // namespace
}  // namespace perfmodel::bench
