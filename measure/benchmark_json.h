// File: measure/benchmark_json.h
// -----------------------------------------------------------------------------
//
// Reads a Google Benchmark JSON file (--benchmark_format=json or
// --benchmark_out) into one series per benchmark: the per-repetition times
// when the file has iteration rows, and the median / mean / stddev aggregates
// when it has them (--benchmark_report_aggregates_only=true keeps only those).
// benchmarks/gpu/measure_kernels.py writes the same layout. Both
// tools/bench_compare and measure/kernel_baseline.h build on this.
//
//   absl::StatusOr<BenchmarkFile> f = ReadBenchmarkJson("baselines/cpu/cpu_kernels.json");
//   const BenchmarkSeries* s = f->Find("peak_fp32/flop:6815744");
//   Summary t = s->Summarize(f->kernel_time);
//   // t.typical: the median time per iteration; t.spread: its noise (see Summarize)
//
// Which clock: a file may say in its context which of real_time / cpu_time
// measures the kernel ("kernel_time"). The CPU suite says cpu_time (a shared
// machine preempts it, which real_time would count); the GPU script says
// real_time (CUDA events). Without the key it is real_time, Google
// Benchmark's default.
//
// The file is parsed by RapidJSON (with Google Benchmark's bare NaN and
// Infinity). Errors are one line naming the file, the line and column, and the
// field, e.g.
//   b.json:40:20: benchmarks[3].time_unit: expected one of ns, us, ms, s, got "ps"
// or, for malformed JSON, RapidJSON's message:
//   b.json:4:56: Missing a name for object member.
// A key repeated in one object is an error; nesting is limited to 64 levels.

#ifndef MEASURE_BENCHMARK_JSON_H_
#define MEASURE_BENCHMARK_JSON_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "perfmodel/units.h"

namespace perfmodel::bench {

enum class TimeKind { kReal, kCpu };

// TimeKindName() is the JSON field: "real_time" or "cpu_time".
const char* TimeKindName(TimeKind t);

// A typical time per iteration and how noisy it is.
struct Summary {
  Duration typical;        // median over repetitions (or the median aggregate)
  Duration spread;         // robust standard deviation of one repetition
  int64_t repetitions = 0;
};

// Aggregates of one clock, as the file gives them.
struct Aggregates {
  bool has_median = false;
  bool has_mean = false;
  bool has_stddev = false;
  Duration median;
  Duration mean;
  Duration stddev;
};

// All rows of one benchmark (one run_name).
struct BenchmarkSeries {
  std::string run_name;
  std::string error;  // non-empty: the benchmark was skipped with this message
  // Registration order, when the rows say (family_index,
  // per_family_instance_index); -1 otherwise.
  int64_t family_index = -1;
  int64_t instance_index = -1;
  int64_t repetitions = 0;  // as the rows say (0 when they do not)
  // Per repetition, from the iteration rows, in file order.
  std::vector<Duration> real_times;
  std::vector<Duration> cpu_times;
  Aggregates real_aggregates;
  Aggregates cpu_aggregates;
  // User counters (e.g. "FLOP/s") of the median aggregate row, in file order.
  std::vector<std::pair<std::string, double>> median_counters;

  // Summarize() reduces the series for one clock. With iteration rows: the
  // median of the repetitions, and as spread 1.4826 x their median absolute
  // deviation (three or more), their sample standard deviation (two), or zero
  // (one). With aggregates only: the median aggregate (else the mean) and the
  // stddev aggregate (else zero). An errored series summarizes to zeros.
  Summary Summarize(TimeKind t) const;
};

struct BenchmarkFile {
  std::string origin;
  // Scalar members of "context" in file order, numbers printed as %g.
  std::vector<std::pair<std::string, std::string>> context;
  TimeKind kernel_time = TimeKind::kReal;
  // In registration order (family_index, then per_family_instance_index, as
  // --benchmark_enable_random_interleaving shuffles the rows), rows without
  // those indexes after the others in file order.
  std::vector<BenchmarkSeries> series;

  // Find() returns the series named `run_name`, or nullptr.
  const BenchmarkSeries* Find(absl::string_view run_name) const;
  // ContextValue() returns the context member `key`, or "" when absent.
  std::string ContextValue(absl::string_view key) const;
};

// ParseBenchmarkJson() parses the text of a Google Benchmark JSON file;
// `origin` names it in errors.
[[nodiscard]] absl::StatusOr<BenchmarkFile> ParseBenchmarkJson(absl::string_view text,
                                                               absl::string_view origin);

// ReadBenchmarkJson() reads `path` and parses it.
[[nodiscard]] absl::StatusOr<BenchmarkFile> ReadBenchmarkJson(absl::string_view path);

}  // namespace perfmodel::bench

#endif  // MEASURE_BENCHMARK_JSON_H_
