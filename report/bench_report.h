// File: report/bench_report.h
// -----------------------------------------------------------------------------
//
// The documents of the measurement tools, so they print through render.h and
// take --format like every tool: //tools:bench_check (measured kernels beside
// the model, and the elementwise fit), //tools:bench_compare (two benchmark
// runs, benchmark by benchmark) and //tools:measure_host (what it measured
// and wrote).
//
//   std::vector<bench::ComparisonRow> rows = bench::CompareBenchmarks(old_file, new_file, o);
//   render::Render(ComparisonDocument("old.json", "new.json", rows, o), render::Format::kText);
//   // Benchmark comparison
//   //   old  old.json
//   //   new  new.json
//   // ...
//   // benchmark    old_ns    new_ns  new_over_old  bound  verdict
//   // slower     100000.0  120000.0         1.200  0.051  REGRESSION

#ifndef REPORT_BENCH_REPORT_H_
#define REPORT_BENCH_REPORT_H_

#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "measure/bench_compare.h"
#include "measure/host_hardware.h"
#include "measure/kernel_baseline.h"
#include "measure/model_check.h"
#include "perfmodel/spec.h"
#include "report/render.h"

namespace perfmodel {

// BenchCheckDocument() is table "kernels" (kernel, kind, measured_us,
// predicted_us, error_pct, bound; footer: median and worst |error|) and, when
// `fit` is given, table "elementwise_fit" (factor, fitted,
// hardware_description) beside `hw`'s factors.
render::Document BenchCheckDocument(const std::vector<bench::KernelCheckRow>& rows,
                                    const std::optional<bench::ElementwiseFit>& fit,
                                    const HardwareSpec& hw);

// ComparisonDocument() is record "files" (old, new), record "rule"
// (threshold, noise_k; the rule in the notes), table "benchmarks" (benchmark,
// old_ns, new_ns, new_over_old, bound, verdict, note; empty cells where a
// side is missing) and record "summary" (benchmarks and the count of each
// verdict).
render::Document ComparisonDocument(absl::string_view old_path, absl::string_view new_path,
                                    const std::vector<bench::ComparisonRow>& rows,
                                    const bench::CompareOptions& options);

// HostDocument() is record "host" (cpu; out: where the textproto was
// written) and record "measured" (memory_gb, fp32_gflops, bandwidth_gbps,
// each with the row or line it comes from).
render::Document HostDocument(const bench::HostMeasurements& m, const bench::HostInfo& host,
                              absl::string_view out);

}  // namespace perfmodel

#endif  // REPORT_BENCH_REPORT_H_
