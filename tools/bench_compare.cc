// File: tools/bench_compare.cc
// -----------------------------------------------------------------------------
//
// bench_compare compares two Google Benchmark JSON files (best run with
// --benchmark_repetitions >= 3) benchmark by benchmark: median ratio new/old
// and a noise-aware verdict (the rule: measure/bench_compare.h).
//
//   bazel run //tools:bench_compare -- old.json new.json [--fail_on_regression]
//   # rule: regression if new/old > 1 + bound, ...
//   # benchmark                   old           new   new/old    bound  verdict
//   # gemm_fp32/M:1/N:264/K:896   93.20 us     95.10 us    1.020    0.050  same
//   # ...
//
// Flags: --threshold (0.05), --noise_k (3), --time=auto|real|cpu (auto: each
// file's context.kernel_time, else real_time), --fail_on_regression.
// Exit codes: 0 compared (no regression, or regressions without
// --fail_on_regression); 1 a regression with --fail_on_regression; 2 bad flags
// or input (one line on stderr).

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "measure/bench_compare.h"
#include "measure/benchmark_json.h"
#include "base/paths.h"

ABSL_FLAG(double, threshold, 0.05, "smallest relative change that counts");
ABSL_FLAG(double, noise_k, 3.0, "how many combined relative spreads a change must exceed");
ABSL_FLAG(std::string, time, "auto", "clock to compare: auto, real or cpu");
ABSL_FLAG(bool, fail_on_regression, false, "exit 1 when any benchmark regressed");

namespace perfmodel {
namespace {

// Run() prints the table; the result says whether anything regressed.
absl::StatusOr<bool> Run(const std::string& old_path, const std::string& new_path,
                         const bench::CompareOptions& options) {
  absl::StatusOr<bench::BenchmarkFile> old_file = bench::ReadBenchmarkJson(ResolveInput(old_path));
  if (!old_file.ok()) return old_file.status();
  absl::StatusOr<bench::BenchmarkFile> new_file = bench::ReadBenchmarkJson(ResolveInput(new_path));
  if (!new_file.ok()) return new_file.status();
  const std::vector<bench::ComparisonRow> rows =
      bench::CompareBenchmarks(*old_file, *new_file, options);
  std::cout << "old: " << old_path << "\nnew: " << new_path << "\n"
            << bench::FormatComparison(rows, options);
  return bench::AnyRegression(rows);
}

}  // namespace
}  // namespace perfmodel

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Compares two Google Benchmark JSON files with a noise-aware verdict.\n"
      "  bench_compare OLD.json NEW.json [--threshold=0.05] [--noise_k=3] "
      "[--time=auto|real|cpu] [--fail_on_regression]");
  const std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() != 3) {
    std::cerr << "bench_compare: expected two JSON files, got " << args.size() - 1
              << " arguments (see --help)\n";
    return 2;
  }
  perfmodel::bench::CompareOptions options;
  options.threshold = absl::GetFlag(FLAGS_threshold);
  options.noise_k = absl::GetFlag(FLAGS_noise_k);
  const std::string time = absl::GetFlag(FLAGS_time);
  if (time == "real") {
    options.clock = perfmodel::bench::TimeKind::kReal;
  } else if (time == "cpu") {
    options.clock = perfmodel::bench::TimeKind::kCpu;
  } else if (time != "auto") {
    std::cerr << "bench_compare: --time: expected auto, real or cpu, got '" << time << "'\n";
    return 2;
  }
  if (!(options.threshold >= 0) || !(options.noise_k >= 0)) {
    std::cerr << "bench_compare: --threshold and --noise_k must be >= 0\n";
    return 2;
  }
  const absl::StatusOr<bool> regressed = perfmodel::Run(args[1], args[2], options);
  if (!regressed.ok()) {
    std::cerr << "bench_compare: " << regressed.status().message() << "\n";
    return 2;
  }
  return *regressed && absl::GetFlag(FLAGS_fail_on_regression) ? 1 : 0;
}
