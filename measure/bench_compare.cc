#include "measure/bench_compare.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace perfmodel::bench {
namespace {

double Relative(const Summary& s) {
  return s.typical > Duration::Zero() ? s.spread / s.typical : 0.0;
}

std::string FormatTime(Duration d) {
  const double ns = ToNanoseconds(d);
  if (ns < 1e3) return absl::StrFormat("%.1f ns", ns);
  if (ns < 1e6) return absl::StrFormat("%.2f us", ns * 1e-3);
  if (ns < 1e9) return absl::StrFormat("%.2f ms", ns * 1e-6);
  return absl::StrFormat("%.3f s", ns * 1e-9);
}

}  // namespace

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

std::string FormatComparison(const std::vector<ComparisonRow>& rows,
                             const CompareOptions& options) {
  std::size_t width = 9;
  for (const ComparisonRow& r : rows) width = std::max(width, r.name.size());
  const int w = static_cast<int>(width);
  std::string out = absl::StrFormat(
      "rule: regression if new/old > 1 + bound, improvement if < 1/(1 + bound),\n"
      "      bound = max(threshold %.3g, %.3g x combined relative spread)\n\n",
      options.threshold, options.noise_k);
  absl::StrAppendFormat(&out, "%-*s  %12s  %12s  %8s  %7s  %s\n", w, "benchmark", "old", "new",
                        "new/old", "bound", "verdict");
  int counts[6] = {};
  for (const ComparisonRow& r : rows) {
    ++counts[static_cast<int>(r.verdict)];
    const std::string old_t = r.old_median > Duration::Zero() ? FormatTime(r.old_median) : "-";
    const std::string new_t = r.new_median > Duration::Zero() ? FormatTime(r.new_median) : "-";
    const std::string ratio = r.ratio > 0 ? absl::StrFormat("%.3f", r.ratio) : "-";
    const std::string bound = r.ratio > 0 ? absl::StrFormat("%.3f", r.bound) : "-";
    absl::StrAppendFormat(&out, "%-*s  %12s  %12s  %8s  %7s  %s%s\n", w, r.name, old_t, new_t,
                          ratio, bound, VerdictName(r.verdict),
                          r.note.empty() ? "" : absl::StrCat(" (", r.note, ")"));
  }
  absl::StrAppendFormat(&out,
                        "\n%d benchmarks: %d regression, %d improvement, %d same, %d added, "
                        "%d removed, %d error\n",
                        static_cast<int>(rows.size()), counts[1], counts[2], counts[0], counts[4],
                        counts[3], counts[5]);
  return out;
}

bool AnyRegression(const std::vector<ComparisonRow>& rows) {
  return std::any_of(rows.begin(), rows.end(),
                     [](const ComparisonRow& r) { return r.verdict == Verdict::kRegression; });
}

}  // namespace perfmodel::bench
