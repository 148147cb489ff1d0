#include "benchmarks/model_check.h"

#include "absl/strings/str_cat.h"
#include "benchmarks/kernel_baseline.h"
#include "loader/load.h"

namespace perfmodel::bench {

absl::StatusOr<OpCost> PredictKernel(absl::string_view name, const HardwareSpec& hw) {
  absl::StatusOr<KernelName> k = ParseKernelName(name);
  if (!k.ok()) return k.status();
  const KernelShape& s = k->shape;
  const DType d = k->dtype;
  const GemmTypes types{d, d, d == DType::kFp32 ? DType::kFp32 : DType::kBf16, d};
  switch (k->kind) {
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
    case KernelKind::kMemory: {
      const double bytes = ToBytes(s.bytes);
      if (k->op == "read") return Elementwise(bytes / 4, 4, 0, 0, hw);
      if (k->op == "copy") return Elementwise(bytes / 8, 4, 4, 0, hw);
      return Elementwise(bytes / 12, 8, 4, 2, hw);  // triad: a = b + s c
    }
    case KernelKind::kPeak:
      break;
  }
  return absl::NotFoundError(absl::StrCat(name, ": peak rows set the peak; not checked"));
}

absl::StatusOr<std::vector<KernelCheckRow>> CheckKernels(absl::string_view baseline_json,
                                                         absl::string_view hw_textproto) {
  absl::StatusOr<KernelBaselines> b = LoadKernelBaselines(baseline_json);
  if (!b.ok()) return b.status();
  absl::StatusOr<LoadedHardware> hw = LoadHardware(hw_textproto);
  if (!hw.ok()) return hw.status();
  std::vector<KernelCheckRow> rows;
  for (const KernelMeasurement& m : b->kernels) {
    absl::StatusOr<OpCost> c = PredictKernel(m.name, hw->spec);
    if (c.status().code() == absl::StatusCode::kNotFound) continue;
    if (!c.ok()) return c.status();
    rows.push_back(KernelCheckRow{m.name, KernelKindName(m.kernel.kind), m.time, c->kernel_time,
                                  c->bound});
  }
  return rows;
}

}  // namespace perfmodel::bench
