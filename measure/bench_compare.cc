#include "measure/bench_compare.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace perfmodel::bench {
namespace {

double Relative(const Summary& s) {
  return s.typical > Duration::Zero() ? s.spread / s.typical : 0.0;
}

}  // namespace

absl::string_view CompareClockName(CompareClock c) {
  switch (c) {
    case CompareClock::kAuto: return "auto";
    case CompareClock::kReal: return "real";
    case CompareClock::kCpu: return "cpu";
  }
  return "?";
}


std::optional<TimeKind> ClockTime(CompareClock c) {
  switch (c) {
    case CompareClock::kAuto: return std::nullopt;
    case CompareClock::kReal: return TimeKind::kReal;
    case CompareClock::kCpu: return TimeKind::kCpu;
  }
  return std::nullopt;
}

const char* VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kSame: return "same";
    case Verdict::kRegression: return "REGRESSION";
    case Verdict::kImprovement: return "improvement";
    case Verdict::kOnlyOld: return "removed";
    case Verdict::kOnlyNew: return "added";
    case Verdict::kError: return "error";
  }
  return "?";
}

std::vector<ComparisonRow> CompareBenchmarks(const BenchmarkFile& old_file,
                                             const BenchmarkFile& new_file,
                                             const CompareOptions& options) {
  const TimeKind old_clock = options.clock.value_or(old_file.kernel_time);
  const TimeKind new_clock = options.clock.value_or(new_file.kernel_time);
  std::vector<ComparisonRow> rows;
  for (const BenchmarkSeries& o : old_file.series) {
    ComparisonRow row;
    row.name = o.run_name;
    const BenchmarkSeries* n = new_file.Find(o.run_name);
    const Summary os = o.Summarize(old_clock);
    row.old_median = os.typical;
    if (n == nullptr) {
      row.verdict = Verdict::kOnlyOld;
      rows.push_back(row);
      continue;
    }
    const Summary ns = n->Summarize(new_clock);
    row.new_median = ns.typical;
    if (!o.error.empty() || !n->error.empty()) {
      row.verdict = Verdict::kError;
      row.note = !n->error.empty() ? absl::StrCat("new: ", n->error)
                                   : absl::StrCat("old: ", o.error);
      rows.push_back(row);
      continue;
    }
    if (!(os.typical > Duration::Zero()) || !(ns.typical > Duration::Zero())) {
      row.verdict = Verdict::kError;
      row.note = "no time > 0 to compare";
      rows.push_back(row);
      continue;
    }
    row.ratio = ns.typical / os.typical;
    row.noise = std::hypot(Relative(os), Relative(ns));
    row.bound = std::max(options.threshold, options.noise_k * row.noise);
    if (row.ratio > 1.0 + row.bound) {
      row.verdict = Verdict::kRegression;
    } else if (row.ratio < 1.0 / (1.0 + row.bound)) {
      row.verdict = Verdict::kImprovement;
    }
    rows.push_back(row);
  }
  for (const BenchmarkSeries& n : new_file.series) {
    if (old_file.Find(n.run_name) != nullptr) continue;
    ComparisonRow row;
    row.name = n.run_name;
    row.new_median = n.Summarize(new_clock).typical;
    row.verdict = Verdict::kOnlyNew;
    rows.push_back(row);
  }
  return rows;
}

bool AnyRegression(const std::vector<ComparisonRow>& rows) {
  return std::any_of(rows.begin(), rows.end(),
                     [](const ComparisonRow& r) { return r.verdict == Verdict::kRegression; });
}

}  // namespace perfmodel::bench
