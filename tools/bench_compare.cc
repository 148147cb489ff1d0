// File: tools/bench_compare.cc
// -----------------------------------------------------------------------------
//
// bench_compare compares two Google Benchmark JSON files (best run with
// --benchmark_repetitions >= 3) benchmark by benchmark: median ratio new/old
// and a noise-aware verdict (the rule: measure/bench_compare.h; the document:
// report/bench_report.h).
//
//   bazel run //tools:bench_compare -- old.json new.json [--fail_on_regression]
//   # Benchmark comparison (the files and the rule), then
//   # benchmark                   old_ns     new_ns  new_over_old  bound  verdict
//   # gemm_fp32/M:1/N:264/K:896  93200.0    95100.0         1.020  0.050  same
//   # ...and the count of each verdict.
//
// Flags: --threshold (0.05), --noise_k (3), --time=auto|real|cpu (auto: each
// file's context.kernel_time, else real_time), --fail_on_regression,
// --format. Exit codes (cli/cli.h): 0 compared (no regression, or
// regressions without --fail_on_regression); 1 a regression with
// --fail_on_regression (the comparison is printed); 2 bad flags or input
// (one line on stderr).

#include "measure/bench_compare.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/paths.h"
#include "base/status_macros.h"
#include "cli/choice_flags.h"
#include "cli/cli.h"
#include "measure/benchmark_json.h"
#include "report/bench_report.h"
#include "report/render.h"

ABSL_FLAG(double, threshold, 0.05, "smallest relative change that counts");
ABSL_FLAG(double, noise_k, 3.0, "how many combined relative spreads a change must exceed");
ABSL_FLAG(perfmodel::bench::CompareClock, time, perfmodel::bench::CompareClock::kAuto,
          "clock to compare: auto, real or cpu");
ABSL_FLAG(bool, fail_on_regression, false, "exit 1 when any benchmark regressed");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "text, markdown, csv or json");

namespace perfmodel {
namespace {

absl::Status Run(const ToolContext& context, ToolOutput& out) {
  if (context.positional.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected two JSON files, got ", context.positional.size(), " arguments"));
  }
  bench::CompareOptions options;
  options.threshold = absl::GetFlag(FLAGS_threshold);
  options.noise_k = absl::GetFlag(FLAGS_noise_k);
  options.clock = bench::ClockTime(absl::GetFlag(FLAGS_time));
  for (const auto& [flag, v] :
       {std::pair<absl::string_view, double>{"threshold", options.threshold},
        {"noise_k", options.noise_k}}) {
    if (!(v >= 0))
      return absl::InvalidArgumentError(absl::StrCat("--", flag, ": must be >= 0, got ", v));
  }
  const std::string& old_path = context.positional[0];
  const std::string& new_path = context.positional[1];
  PM_ASSIGN_OR_RETURN(const bench::BenchmarkFile old_file,
                      bench::ReadBenchmarkJson(ResolveInput(old_path)));
  PM_ASSIGN_OR_RETURN(const bench::BenchmarkFile new_file,
                      bench::ReadBenchmarkJson(ResolveInput(new_path)));
  const std::vector<bench::ComparisonRow> rows =
      bench::CompareBenchmarks(old_file, new_file, options);
  out.Print(render::Render(ComparisonDocument(old_path, new_path, rows, options),
                           absl::GetFlag(FLAGS_format)));
  if (bench::AnyRegression(rows) && absl::GetFlag(FLAGS_fail_on_regression)) out.SetCheckFailed();
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

PERFMODEL_TOOL_MAIN(
    perfmodel::Run,
    {.name = "bench_compare",
     .usage = "Compares two Google Benchmark JSON files with a noise-aware verdict.\n"
              "  bench_compare OLD.json NEW.json [--threshold=0.05] [--noise_k=3] "
              "[--time=auto|real|cpu] [--fail_on_regression] [--format=text]",
     .max_positional = 2})
