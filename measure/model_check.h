// File: measure/model_check.h
// -----------------------------------------------------------------------------
//
// Holds perfmodel's op functions against measured kernels: for each kernel of
// a Google Benchmark JSON baseline (the CPU suite's, or the GPU script's), the
// model's time for the same op and shape on the machine's hardware
// description, and the error.
//
//   absl::StatusOr<std::vector<KernelCheckRow>> rows =
//       CheckKernels("baselines/cpu/cpu_kernels.json", "hw/host_cpu.textproto");
//   rows->front().name        // "gemm_fp32/M:1/N:264/K:896"
//   rows->front().Error()     // predicted / measured - 1
//
// The op for each kind: gemm -> Gemm(), grouped_gemm -> GroupedGemm(),
// attention -> MlaDecodeAttention() (one shared latent KV row per context
// token; keys head_dim wide, values the first v_head_dim columns),
// prefill_attention -> PrefillAttention() (causal over fresh prompts), memory ->
// Elementwise() (read: all bytes read; copy: half read, half written; triad:
// two thirds read, one third written), elementwise -> Elementwise() with the
// op's ElementwiseRule. Peak rows set the peak and launch rows bound the
// per-kernel fixed cost from below: neither is checked. A prediction is the
// op's whole time, kernel_launch_overhead included (0 on the CPU host).
//
// FitElementwise() sets a GPU's elementwise factors from its elementwise rows:
//   absl::StatusOr<ElementwiseFit> f = FitElementwise(baselines, hw);
//   f->fixed              // per-kernel fixed cost -> kernel_launch_overhead_us
//   f->memory_efficiency  // -> ELEMENTWISE memory

#ifndef MEASURE_MODEL_CHECK_H_
#define MEASURE_MODEL_CHECK_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "measure/kernel_baseline.h"
#include "perfmodel/ops.h"
#include "perfmodel/units.h"

namespace perfmodel::bench {

struct KernelCheckRow final {
  std::string name;
  std::string kind;
  Duration measured;
  Duration predicted;
  Bound bound = Bound::kMemory;

  double Error() const { return predicted / measured - 1.0; }
};

// CheckKernels() predicts every measured kernel of `baseline_json` on the
// hardware of `hw_textproto`. Errors: either file's loader status.
[[nodiscard]] absl::StatusOr<std::vector<KernelCheckRow>> CheckKernels(
    absl::string_view baseline_json, absl::string_view hw_textproto);
// The same on already loaded baselines and hardware.
[[nodiscard]] absl::StatusOr<std::vector<KernelCheckRow>> CheckKernels(const KernelBaselines& b,
                                                                       const HardwareSpec& hw);

// PredictKernel() is the model's cost of one named kernel on `hw`; kinds it
// does not check (peak, launch) are NotFound.
[[nodiscard]] absl::StatusOr<OpCost> PredictKernel(absl::string_view name, const HardwareSpec& hw);

// The two-parameter model of a memory-bound kernel, fitted to measurements:
// time = fixed + bytes / (HBM bandwidth x memory_efficiency), least squares in
// relative error (the rows span three decades of size).
struct ElementwiseFit final {
  Duration fixed;                // per kernel: launch, first-load latency, tail
  double memory_efficiency = 0;  // of the hardware's HBM bandwidth
  int rows = 0;
  Duration launch_floor;         // the launch_empty row's time, if any (else 0)
};

// FitElementwise() fits the elementwise rows of `b` (bytes by KernelBytes())
// on `hw`'s HBM bandwidth. Errors (FailedPrecondition): fewer than two rows,
// or rows that give no positive bandwidth or a negative fixed cost.
[[nodiscard]] absl::StatusOr<ElementwiseFit> FitElementwise(const KernelBaselines& b,
                                                            const HardwareSpec& hw);

}  // namespace perfmodel::bench

#endif  // MEASURE_MODEL_CHECK_H_
