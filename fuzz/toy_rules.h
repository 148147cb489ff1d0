// File: fuzz/toy_rules.h
// -----------------------------------------------------------------------------
//
// What the nsys CSV fuzz targets share: the properties of a parsed kernel
// table, and an Import() of it with the rules of
// tests/testdata/nsys/toy_rules.textproto (kept here as text, so the fuzzer
// binary needs no data file), which must give a baseline or an error, never
// NaN or negative times.
//
//   CheckKernelTable(*table);
//   CheckImport(*table);   // steps 1 and 2

#ifndef FUZZ_TOY_RULES_H_
#define FUZZ_TOY_RULES_H_

#include <cstdint>

#include "fuzz/check.h"
#include "profile/nsys_import.h"

namespace perfmodel::fuzz {

inline constexpr char kToyRules[] = R"pb(
  name: "toy"
  layers { layer_kind: "dense" count: 2 }
  layers { layer_kind: "mtp" count: 1 }
  rules {
    regex: "RMSNormKernel<"
    op: "attn_norm"
    layer_kind: "dense"
    occurrences_per_step: 2
    first: 0
    stride: 2
  }
  rules {
    regex: "RMSNormKernel<"
    op: "mlp_norm"
    layer_kind: "dense"
    occurrences_per_step: 2
    first: 1
    stride: 2
  }
  rules { regex: "RMSNormKernel<" op: "mtp" layer_kind: "mtp" occurrences_per_step: 1 first: 4 }
  rules {
    regex: "flash_fwd_splitkv_mla_kernel<"
    op: "attention"
    layer_kind: "dense"
    occurrences_per_step: 2
    first: 0
  }
  rules {
    regex: "flash_fwd_splitkv_mla_kernel<"
    op: "mtp"
    layer_kind: "mtp"
    occurrences_per_step: 1
    first: 2
  }
  rules {
    regex: "deep_gemm::fp8_gemm_kernel<"
    op: "o_proj"
    layer_kind: "dense"
    occurrences_per_step: 2
  }
)pb";

// ToyRules() is kToyRules parsed once; it aborts if they stop parsing.
inline const nsys::Rules& ToyRules() {
  static const nsys::Rules* const rules = [] {
    absl::StatusOr<nsys::Rules> r = nsys::ParseRules(kToyRules, "fuzz/toy_rules.h");
    Check(r.ok(), "fuzz/toy_rules.h: the toy rules do not parse");
    return new nsys::Rules(*std::move(r));
  }();
  return *rules;
}

// CheckKernelTable() holds what every parsed table promises.
inline void CheckKernelTable(const nsys::KernelTable& t) {
  Check(!t.kernels.empty(), "kernel table: OK with no kernels");
  for (const nsys::KernelStats& k : t.kernels) {
    Check(!k.name.empty(), "kernel table: a kernel without a name");
    Check(k.launches > 0, "kernel table: a kernel with no launches");
    CheckQuantity(k.total, "kernel table: total time");
    for (const nsys::Launch& l : k.each) {
      CheckQuantity(l.start, "kernel table: a launch's start");
      CheckQuantity(l.duration, "kernel table: a launch's duration");
    }
  }
}

// CheckImport() imports `t` with the toy rules over 1 and 2 steps.
inline void CheckImport(const nsys::KernelTable& t) {
  for (const int64_t steps : {1, 2}) {
    nsys::ImportOptions options;
    options.steps = steps;
    const absl::StatusOr<nsys::ImportResult> r = nsys::Import(t, ToyRules(), options);
    CheckErrorNames(r.status(), t.origin);
    if (!r.ok()) continue;
    CheckQuantity(r->mapped_per_step, "import: mapped time per step");
    CheckQuantity(r->unmapped_per_step, "import: unmapped time per step");
    for (const auto& op : r->baseline.ops()) {
      Check(op.time_us() >= 0.0 && std::isfinite(op.time_us()), "import: an op's time_us");
    }
  }
}

}  // namespace perfmodel::fuzz

#endif  // FUZZ_TOY_RULES_H_
