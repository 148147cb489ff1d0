// File: fuzz/benchmark_json_fuzzer.cc
// -----------------------------------------------------------------------------
//
// A Google Benchmark JSON file (baselines/cpu/cpu_kernels.json, the GPU
// script's baselines/gpu/*.json, //tools:bench_compare's inputs) through
// ParseBenchmarkJson(), ParseKernelBaselines() and DeriveHostMeasurements()
// (//tools:measure_host), and CompareBenchmarks() of the file with itself:
// any bytes give results or errors naming the input, kernel times are
// finite and non-negative, and a file compared with itself has no
// regression and no improvement.
//
// Seeds: fuzz/corpus/benchmark_json_fuzzer/ (measure/testdata/*.json, a
// cut of baselines/cpu/cpu_kernels.json and of a GPU file, malformed ones).

#include <cstddef>
#include <cstdint>

#include "fuzz/check.h"
#include "measure/bench_compare.h"
#include "measure/benchmark_json.h"
#include "measure/host_hardware.h"
#include "measure/kernel_baseline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace perfmodel;
  using namespace perfmodel::bench;
  using namespace perfmodel::fuzz;
  constexpr char kOrigin[] = "fuzz/benchmark.json";
  const absl::StatusOr<BenchmarkFile> f = ParseBenchmarkJson(AsText(data, size), kOrigin);
  CheckErrorNames(f.status(), kOrigin);
  if (!f.ok()) return 0;

  for (const ComparisonRow& row : CompareBenchmarks(*f, *f, CompareOptions{})) {
    Check(row.verdict != Verdict::kRegression && row.verdict != Verdict::kImprovement,
          "bench_compare: a file compared with itself changed: " + row.name);
  }
  for (const TimeKind clock : {TimeKind::kReal, TimeKind::kCpu}) {
    const absl::StatusOr<KernelBaselines> b = ParseKernelBaselines(*f, clock);
    CheckErrorNames(b.status(), kOrigin);
    if (!b.ok()) continue;
    for (const KernelMeasurement& k : b->kernels) {
      CheckQuantity(k.time, "kernel baseline: time of " + k.name);
      CheckQuantity(k.spread, "kernel baseline: spread of " + k.name);
      CheckQuantity(KernelBytes(k.kernel), "kernel baseline: bytes of " + k.name);
    }
    const absl::StatusOr<HostMeasurements> m = DeriveHostMeasurements(*b);
    CheckErrorNames(m.status(), kOrigin);
  }
  return 0;
}
