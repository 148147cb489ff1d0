// File: profile/nsys_import_report.h
// -----------------------------------------------------------------------------
//
// What //tools:nsys_import prints about an import, as a render::Document, so
// it takes --format like every tool.
//
//   absl::StatusOr<nsys::ImportResult> r = nsys::Import(table, rules, options);
//   render::Render(ImportDocument(*r, "baselines/my_run.textproto"), render::Format::kText);
//   // Ops of the baseline (per layer and per step)
//   //   op         layer_kind  count  layer_us  step_us  kernels
//   //   attn_norm  dense           3     4.188   12.564  flashinfer::norm::RMSNormKernel<...> ...
//   // ...
//   // Kernel time per step
//   //   in_ops_us  27014.000  ...

#ifndef PROFILE_NSYS_IMPORT_REPORT_H_
#define PROFILE_NSYS_IMPORT_REPORT_H_

#include "absl/strings/string_view.h"
#include "profile/nsys_import.h"
#include "report/render.h"

namespace perfmodel::nsys {

// ImportDocument() has five sections: table "ops" (op, layer_kind, count,
// layer_us, step_us, kernels: one row per baseline op), record "summary"
// (in_ops_us and unmapped_us per step), table "unmapped" (step_us, launches,
// total_us, name: the kernels no rule maps, largest first; no rows when every
// kernel is mapped), table "notes" (note, one row per line: rules that
// matched nothing, count-based splits) and record "baseline" (out: where the
// baseline is written).
render::Document ImportDocument(const ImportResult& result, absl::string_view out_path);

}  // namespace perfmodel::nsys

#endif  // PROFILE_NSYS_IMPORT_REPORT_H_
