// File: measure/host_hardware.h
// -----------------------------------------------------------------------------
//
// Turns the CPU suite's measurements into a hardware description of the host
// (hw/host_cpu.textproto, schema proto/hardware.proto), so that the cost model
// can predict the suite's kernels on the machine that ran them. Nothing in the
// output is typed in: tools/measure_host runs this on the suite's JSON and on
// /proc/cpuinfo and /proc/meminfo.
//
// Which benchmark rows set which field (KernelFlops / KernelBytes over the
// median time, see measure/kernel_baseline.h):
//   fp32_tflops, bf16_dense_tflops, fp8_dense_tflops
//                       the peak_fp32 row (the best, if several). A CPU core
//                       runs BF16/FP8 math as FP32, so all three are that.
//   hbm_bandwidth_tbps  the memory_read row: DRAM read bandwidth of one core.
//   hbm_capacity_gb     MemTotal of /proc/meminfo.
//   efficiency GEMM / GROUPED_GEMM / ATTENTION
//                       compute = max over that kind's rows of FLOP/s / peak,
//                       memory  = max over them of bytes/s / bandwidth,
//                       each capped at 1. The roofline with these ceilings is
//                       exact for the best row of each and a lower bound for
//                       the others.
//   efficiency ELEMENTWISE  memory = memory_triad bytes/s / bandwidth;
//                       compute = 1 (no compute-bound elementwise row).
//   links, SCALE_UP/OUT one core has no links: a transfer would be a memory
//                       copy, so the bandwidth stands in, latency 0, link 1.
//
//   absl::StatusOr<KernelBaselines> b = LoadKernelBaselines("baselines/cpu/cpu_kernels.json");
//   absl::StatusOr<HostMeasurements> m = DeriveHostMeasurements(*b);
//   // m->fp32_peak == 6815744 FLOP / the peak row's median time, e.g. 28 GFLOP/s
//   std::string text = HostCpuTextproto(*m, host, "baselines/cpu/cpu_kernels.json");

#ifndef MEASURE_HOST_HARDWARE_H_
#define MEASURE_HOST_HARDWARE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "measure/kernel_baseline.h"
#include "perfmodel/units.h"

namespace perfmodel::bench {

// What /proc says about the host.
struct HostInfo {
  std::string cpu_model;  // "model name" of /proc/cpuinfo
  Bytes memory;           // MemTotal of /proc/meminfo
};

// ParseHostInfo() reads the two /proc texts; errors name the origin and the
// missing or malformed line.
[[nodiscard]] absl::StatusOr<HostInfo> ParseHostInfo(absl::string_view cpuinfo,
                                                     absl::string_view cpuinfo_origin,
                                                     absl::string_view meminfo,
                                                     absl::string_view meminfo_origin);

// The achieved ceilings of one op class and the rows that set them.
struct Ceiling {
  double compute = 1.0;     // capped at 1
  double memory = 1.0;
  double compute_raw = 0.0;  // before the cap
  double memory_raw = 0.0;
  std::string compute_row;
  std::string memory_row;
  int rows = 0;
};

struct HostMeasurements {
  FlopsPerSecond fp32_peak;
  std::string peak_row;
  BytesPerSecond bandwidth;
  std::string bandwidth_row;
  Ceiling gemm;
  Ceiling grouped_gemm;
  Ceiling attention;
  double elementwise_memory = 1.0;  // capped at 1
  std::string triad_row;
};

// DeriveHostMeasurements() applies the rules above. FailedPrecondition, naming
// the file, when a needed row is missing (a peak_fp32, memory_read,
// memory_triad, gemm, grouped_gemm or attention row).
[[nodiscard]] absl::StatusOr<HostMeasurements> DeriveHostMeasurements(const KernelBaselines& b);

// HostCpuTextproto() writes the hardware textproto, every number commented
// with the row it came from; `json_label` is the path to cite.
std::string HostCpuTextproto(const HostMeasurements& m, const HostInfo& host,
                             absl::string_view json_label);

}  // namespace perfmodel::bench

#endif  // MEASURE_HOST_HARDWARE_H_
