// File: measure/kernel_baseline.h
// -----------------------------------------------------------------------------
//
// Measured kernels as the cost model sees them: what kind of kernel, at what
// shape, took how long. It reads the Google Benchmark JSON that the CPU suite
// (benchmarks/cpu_kernels_benchmark.cc) and the GPU script
// (benchmarks/gpu/measure_kernels.py) write; the shape is encoded in each
// benchmark's name, one `key:value` per path component after the family:
//
//   family               keys (all required, integers > 0)
//   gemm_<dtype>         M N K                          C[M,N] = A[M,K] . B[K,N]
//   grouped_gemm_<dtype> groups M N K                   `groups` GEMMs of M rows each
//   attention_<dtype>    batch heads q_tokens context head_dim v_head_dim
//                        absorbed-MLA decode: q_tokens x heads query rows per
//                        request share one latent KV row per context token;
//                        values are the first v_head_dim key columns
//   prefill_attention_<dtype> batch heads tokens head_dim v_head_dim
//                        causal self-attention (MHA: a K and V per head) over
//                        `batch` fresh prompts of `tokens` each
//   memory_<op>          bytes    (op: read, triad, copy; bytes moved per iteration)
//   peak_<dtype>         flop     (FLOP per iteration)
//   elementwise_<op>     tokens width   one fused kernel over tokens x width
//                        elements (op and its bytes: ElementwiseRules() below)
//   launch_<op>          kernels  (op: empty; kernels launched per iteration)
//
//   <dtype>: fp32, bf16, fp16, fp8, fp4. Components Google Benchmark appends
//   itself (min_time:, min_warmup_time:, iterations:, repeats:, threads:,
//   real_time, manual_time, process_time) are ignored.
//
//   absl::StatusOr<KernelBaselines> b = LoadKernelBaselines("baselines/cpu/cpu_kernels.json");
//   for (const KernelMeasurement& k : b->kernels) {
//     // k.name == "gemm_fp32/M:64/N:264/K:896", k.kind == KernelKind::kGemm,
//     // k.shape.m == 64, k.time == the median time of one call,
//     // KernelFlops(k) == 2 * 64 * 264 * 896 FLOP
//   }
//
// KernelFlops() and KernelBytes() are the suite's counting rules, the ones its
// FLOP/s and bytes/s counters use; a model-vs-measurement check compares the
// model's time for the same op and shape with `time`.

#ifndef MEASURE_KERNEL_BASELINE_H_
#define MEASURE_KERNEL_BASELINE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "measure/benchmark_json.h"
#include "perfmodel/spec.h"
#include "perfmodel/units.h"

namespace perfmodel::bench {

enum class KernelKind {
  kGemm,
  kGroupedGemm,
  kAttention,
  kPrefillAttention,
  kMemory,
  kPeak,
  kElementwise,
  kLaunch
};

// KernelKindName() is the family prefix: "gemm", "grouped_gemm", "attention",
// "prefill_attention", "memory", "peak", "elementwise" or "launch".
const char* KernelKindName(KernelKind k);

// The shape keys; those a kind does not use stay 0.
struct KernelShape {
  int64_t m = 0, n = 0, k = 0, groups = 0;  // gemm, grouped_gemm
  int64_t batch = 0, heads = 0, q_tokens = 0, context = 0, head_dim = 0, v_head_dim = 0;
  // prefill_attention: batch, heads, head_dim, v_head_dim above and `tokens` below
  Bytes bytes;  // memory
  Flops flop;   // peak
  int64_t tokens = 0, width = 0;  // elementwise (tokens: also prefill_attention)
  int64_t kernels = 0;            // launch
};

// What one elementwise kernel moves, per element of its tokens x width output
// (row_bytes: per column, once per kernel, e.g. a norm's BF16 weight): the
// counting rule of the GPU script's counters (benchmarks/gpu/measure_kernels.py).
// The cost model's ops (perfmodel/ops.h RmsNorm, SiluAndMul,
// QuantizeActivations) move the same bytes; //measure:model_check_test holds
// them equal:
//   rms_norm      BF16 in, BF16 out, the weight             2 + 2, row 2
//   add_rms_norm  also reads and writes the residual        4 + 4, row 2
//   silu_and_mul  reads gate and up, writes BF16            4 + 2
//   quant_fp8     BF16 in, e4m3 out + an FP32 scale per 128 2 + 1 + 4/128
struct ElementwiseRule {
  const char* op;
  double read_bytes, written_bytes, row_bytes;
};
// ElementwiseRuleFor() is the rule of `op`, or nullptr.
const ElementwiseRule* ElementwiseRuleFor(absl::string_view op);

// What a benchmark name says.
struct KernelName {
  KernelKind kind = KernelKind::kGemm;
  DType dtype = DType::kFp32;  // memory, elementwise, launch: kFp32 (unused)
  std::string op;              // memory: "read", "triad" or "copy"; elementwise: the
                               // rule's op; launch: "empty"; else empty
  KernelShape shape;
};

struct KernelMeasurement {
  std::string name;  // the benchmark's run_name
  KernelName kernel;
  Duration time;     // one call: median over repetitions (see BenchmarkSeries::Summarize)
  Duration spread;   // robust standard deviation of one repetition
  int64_t repetitions = 0;
};

struct KernelBaselines {
  std::string origin;
  TimeKind clock = TimeKind::kReal;  // which time was read
  std::vector<KernelMeasurement> kernels;
  // Benchmarks that reported an error (e.g. "FP8 GEMM unavailable"), as
  // "name: message"; they have no time and are not in `kernels`.
  std::vector<std::string> skipped;
};

// ParseKernelName() parses one benchmark name. Errors (InvalidArgument) name
// the benchmark and the component, e.g.
//   gemm_fp32/M:64/K:896: missing key N
[[nodiscard]] absl::StatusOr<KernelName> ParseKernelName(absl::string_view name);

// KernelFlops() is the FLOP one call does:
//   gemm 2MNK; grouped_gemm 2 groups M N K;
//   attention 2 batch q_tokens heads context (head_dim + v_head_dim)
//     (exp, max and rescaling are not counted);
//   prefill_attention 2 batch heads tokens (tokens + 1) / 2 (head_dim + v_head_dim)
//     (the causal pairs, diagonal included: FlashMLA's count);
//   memory 0; peak the name's flop;
//   elementwise and launch 0 (not counted: memory-bound).
Flops KernelFlops(const KernelName& k);

// KernelBytes() is the DRAM/HBM traffic one call needs at least, inputs at the
// dtype's size and outputs at 4 bytes for fp32 and 2 (bf16) otherwise:
//   gemm in (MK + KN) + out MN; grouped_gemm: groups x that;
//   attention batch (in context head_dim + in q_tokens heads head_dim
//     + out q_tokens heads v_head_dim)  (the latent KV is read once);
//   prefill_attention batch tokens heads (in (2 head_dim + v_head_dim)
//     + out v_head_dim)  (q, k, v read once, the output written);
//   memory: the name's bytes; peak 0;
//   elementwise tokens width (read + written) + width row_bytes; launch 0.
Bytes KernelBytes(const KernelName& k);

// ParseKernelBaselines() reads every benchmark of a parsed file with `clock`
// (the file's own kernel_time when absent). Errors name the file and the
// benchmark.
[[nodiscard]] absl::StatusOr<KernelBaselines> ParseKernelBaselines(const BenchmarkFile& file);
[[nodiscard]] absl::StatusOr<KernelBaselines> ParseKernelBaselines(const BenchmarkFile& file,
                                                                   TimeKind clock);

// LoadKernelBaselines() reads and parses a Google Benchmark JSON file.
[[nodiscard]] absl::StatusOr<KernelBaselines> LoadKernelBaselines(absl::string_view path);

}  // namespace perfmodel::bench

#endif  // MEASURE_KERNEL_BASELINE_H_
