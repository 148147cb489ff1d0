// File: measure/bench_compare.h
// -----------------------------------------------------------------------------
//
// Compares two Google Benchmark JSON files benchmark by benchmark, with a
// verdict that accounts for the noise the repetitions show (tools/bench_compare
// is the command line).
//
// The rule, per benchmark present in both files:
//   ratio = median_new / median_old
//   noise = sqrt((spread_old / median_old)^2 + (spread_new / median_new)^2)
//   bound = max(threshold, k x noise)
//   regression   if ratio > 1 + bound
//   improvement  if ratio < 1 / (1 + bound)
//   same         otherwise
// where median and spread are BenchmarkSeries::Summarize() (the median of the
// repetitions and 1.4826 x their MAD, or the median and stddev aggregates).
// With one repetition per side the noise is 0 and only the threshold counts.
//
//   CompareOptions o;            // threshold 0.05, k 3
//   std::vector<ComparisonRow> rows = CompareBenchmarks(old_file, new_file, o);
//   // rows[i].verdict == Verdict::kRegression when the new median is 1.2x the
//   // old one and both spreads are ~1%
//   // report/bench_report.h: ComparisonDocument() prints the rows.

#ifndef MEASURE_BENCH_COMPARE_H_
#define MEASURE_BENCH_COMPARE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "measure/benchmark_json.h"
#include "perfmodel/units.h"

namespace perfmodel::bench {

// The clock a comparison reads, as --time names it: each file's own
// kernel_time (kAuto, "auto"), real time ("real") or CPU time ("cpu").
// CompareClockName() gives the names (cli/choice_flags.h parses them as a flag).
enum class CompareClock : uint8_t { kAuto, kReal, kCpu };
inline constexpr std::array<CompareClock, 3> kCompareClocks = {
    CompareClock::kAuto, CompareClock::kReal, CompareClock::kCpu};
absl::string_view CompareClockName(CompareClock c);
// ClockTime() is the CompareOptions::clock of `c` (nullopt for kAuto).
std::optional<TimeKind> ClockTime(CompareClock c);

struct CompareOptions {
  double threshold = 0.05;  // smallest relative change that counts
  double noise_k = 3.0;     // how many combined relative spreads a change must exceed
  // The clock to compare; unset: each file's kernel_time.
  std::optional<TimeKind> clock;
};

enum class Verdict { kSame, kRegression, kImprovement, kOnlyOld, kOnlyNew, kError };

// VerdictName() is the table's word: "same", "REGRESSION", "improvement",
// "removed", "added" or "error".
const char* VerdictName(Verdict v);

struct ComparisonRow {
  std::string name;
  Duration old_median;  // zero when absent
  Duration new_median;
  double ratio = 0.0;   // new / old; 0 when either side is absent or errored
  double noise = 0.0;   // combined relative spread
  double bound = 0.0;   // max(threshold, k x noise)
  Verdict verdict = Verdict::kSame;
  std::string note;     // the error message for kError
};

// CompareBenchmarks() returns one row per benchmark: those of `old_file` in its
// order, then those only in `new_file`.
std::vector<ComparisonRow> CompareBenchmarks(const BenchmarkFile& old_file,
                                             const BenchmarkFile& new_file,
                                             const CompareOptions& options);

// AnyRegression() is true when some row's verdict is kRegression.
bool AnyRegression(const std::vector<ComparisonRow>& rows);

}  // namespace perfmodel::bench

#endif  // MEASURE_BENCH_COMPARE_H_
