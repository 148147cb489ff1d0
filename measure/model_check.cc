#include "measure/model_check.h"

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "measure/kernel_baseline.h"
#include "loader/load.h"

namespace perfmodel::bench {

absl::StatusOr<OpCost> PredictKernel(absl::string_view name, const HardwareSpec& hw) {
  PM_ASSIGN_OR_RETURN(const KernelName k, ParseKernelName(name));
  const KernelShape& s = k.shape;
  const DType d = k.dtype;
  const GemmTypes types{d, d, d == DType::kFp32 ? DType::kFp32 : DType::kBf16, d};
  switch (k.kind) {
    case KernelKind::kGemm:
      return Gemm({s.m, s.n, s.k, 1}, types, hw);
    case KernelKind::kGroupedGemm:
      return GroupedGemm(static_cast<double>(s.m), s.groups, s.n, s.k, types, hw);
    case KernelKind::kAttention: {
      const MlaSpec mla{s.heads, 0, s.v_head_dim, 0, s.head_dim - s.v_head_dim, s.v_head_dim};
      const double queries = static_cast<double>(s.batch * s.q_tokens);
      return MlaDecodeAttention(s.batch * s.q_tokens, s.heads,
                                queries * static_cast<double>(s.context),
                                static_cast<double>(s.batch * s.context), mla, d,
                                d == DType::kFp32 ? DType::kFp32 : DType::kBf16, hw);
    }
    case KernelKind::kPrefillAttention: {
      // Causal over fresh prompts: every K and V head read once per prompt.
      const double prompts = static_cast<double>(s.batch);
      return PrefillAttention(
          s.batch * s.tokens, s.heads, prompts * CausalPairs(static_cast<double>(s.tokens), 0.0),
          s.head_dim, s.v_head_dim, prompts * static_cast<double>(s.tokens),
          static_cast<double>(s.heads * (s.head_dim + s.v_head_dim)) * BytesPerElement(d),
          d == DType::kFp32 ? DType::kFp32 : DType::kBf16, hw);
    }
    case KernelKind::kMemory: {
      const double bytes = ToBytes(s.bytes);
      if (k.op == "read") return Elementwise(bytes / 4, 4, 0, 0, hw);
      if (k.op == "copy") return Elementwise(bytes / 8, 4, 4, 0, hw);
      return Elementwise(bytes / 12, 8, 4, 2, hw);  // triad: a = b + s c
    }
    case KernelKind::kElementwise: {
      // The model's own ops for the script's kernels (SiLU-and-mul writes BF16).
      const double elements = static_cast<double>(s.tokens * s.width);
      if (k.op == "rms_norm") return RmsNorm(s.tokens, s.width, false, hw);
      if (k.op == "add_rms_norm") return RmsNorm(s.tokens, s.width, true, hw);
      if (k.op == "silu_and_mul") return SiluAndMul(elements, DType::kBf16, hw);
      return QuantizeActivations(elements, DType::kFp8, hw);  // quant_fp8
    }
    case KernelKind::kPeak:
    case KernelKind::kLaunch:
      break;
  }
  return absl::NotFoundError(absl::StrCat(
      name, ": peak rows set the peak, launch rows bound the fixed cost; not checked"));
}

absl::StatusOr<ElementwiseFit> FitElementwise(const KernelBaselines& b, const HardwareSpec& hw) {
  // Minimise sum (fixed / t + bytes x inverse_rate / t - 1)^2: linear in
  // (fixed, inverse_rate), so the normal equations of two unknowns.
  double a11 = 0, a12 = 0, a22 = 0, b1 = 0, b2 = 0;
  ElementwiseFit fit;
  for (const KernelMeasurement& m : b.kernels) {
    if (m.kernel.kind == KernelKind::kLaunch) fit.launch_floor = m.time;
    if (m.kernel.kind != KernelKind::kElementwise) continue;
    const double t = ToSeconds(m.time);
    const double x1 = 1.0 / t, x2 = ToBytes(KernelBytes(m.kernel)) / t;
    a11 += x1 * x1;
    a12 += x1 * x2;
    a22 += x2 * x2;
    b1 += x1;
    b2 += x2;
    ++fit.rows;
  }
  const double det = a11 * a22 - a12 * a12;
  if (fit.rows < 2 || !(det > 0)) {
    return absl::FailedPreconditionError(absl::StrCat(
        b.origin, ": ", fit.rows, " elementwise rows of distinct sizes; the fit needs two"));
  }
  const double fixed_s = (a22 * b1 - a12 * b2) / det;
  const double inverse_rate = (a11 * b2 - a12 * b1) / det;  // seconds per byte
  if (!(inverse_rate > 0) || fixed_s < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        b.origin, ": the elementwise rows give a fixed cost of ", fixed_s * 1e6,
        " us and ", inverse_rate > 0 ? 1e-9 / inverse_rate : 0.0,
        " GB/s: not a memory-bound kernel family"));
  }
  fit.fixed = Seconds(fixed_s);
  fit.memory_efficiency = BytesPerSecond::FromBase(1.0 / inverse_rate) / hw.hbm_bandwidth;
  return fit;
}

absl::StatusOr<std::vector<KernelCheckRow>> CheckKernels(absl::string_view baseline_json,
                                                         absl::string_view hw_textproto) {
  PM_ASSIGN_OR_RETURN(const KernelBaselines b, LoadKernelBaselines(baseline_json));
  PM_ASSIGN_OR_RETURN(const LoadedHardware hw, LoadHardware(hw_textproto));
  return CheckKernels(b, hw.spec);
}

absl::StatusOr<std::vector<KernelCheckRow>> CheckKernels(const KernelBaselines& b,
                                                         const HardwareSpec& hw) {
  std::vector<KernelCheckRow> rows;
  for (const KernelMeasurement& m : b.kernels) {
    absl::StatusOr<OpCost> c = PredictKernel(m.name, hw);
    if (c.status().code() == absl::StatusCode::kNotFound) continue;
    if (!c.ok()) return c.status();
    rows.push_back(KernelCheckRow{m.name, KernelKindName(m.kernel.kind), m.time, c->time(),
                                  c->bound});
  }
  return rows;
}

}  // namespace perfmodel::bench
