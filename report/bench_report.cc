// The measurement tools' documents; see report/bench_report.h.

#include "report/bench_report.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/stats.h"
#include "perfmodel/units.h"

namespace perfmodel {

using render::Value;

render::Document BenchCheckDocument(const std::vector<bench::KernelCheckRow>& rows,
                                    const std::optional<bench::ElementwiseFit>& fit,
                                    const HardwareSpec& hw) {
  render::Table t{
      .name = "kernels",
      .title = "Measured kernels vs perfmodel (error = predicted / measured - 1)",
      .columns = {"kernel", "kind", "measured_us", "predicted_us", "error_pct", "bound"}};
  std::vector<double> errors;
  for (const bench::KernelCheckRow& r : rows) {
    errors.push_back(std::abs(r.Error()));
    t.rows.push_back({r.name, r.kind, Value::Number(ToMicroseconds(r.measured), 2),
                      Value::Number(ToMicroseconds(r.predicted), 2),
                      Value::Number(100 * r.Error(), 1), std::string(BoundName(r.bound))});
  }
  if (!errors.empty()) {
    t.footer.push_back({"median |error|", Value(), Value(), Value(),
                        Value::Number(100 * Quantile(errors, 0.5), 1), Value()});
    t.footer.push_back({"worst |error|", Value(), Value(), Value(),
                        Value::Number(100 * Quantile(errors, 1.0), 1), Value()});
  }
  render::Document doc;
  doc.Add(std::move(t));
  if (fit.has_value()) {
    render::Table f{.name = "elementwise_fit",
                    .title = absl::StrCat("Fit of ", fit->rows,
                                          " elementwise rows: time = fixed + bytes / (HBM x "
                                          "efficiency)"),
                    .columns = {"factor", "fitted", "hardware_description"}};
    f.rows.push_back({"kernel_launch_overhead_us", Value::Number(ToMicroseconds(fit->fixed), 3),
                      Value::Number(ToMicroseconds(hw.kernel_launch_overhead), 3)});
    f.rows.push_back({"ELEMENTWISE memory", Value::Number(fit->memory_efficiency, 3),
                      Value::Number(hw.EfficiencyOf(OpClass::kElementwise).memory, 3)});
    f.rows.push_back(
        {"launch_empty floor (us)", Value::Number(ToMicroseconds(fit->launch_floor), 2), Value()});
    doc.Add(std::move(f));
  }
  return doc;
}

render::Document ComparisonDocument(absl::string_view old_path, absl::string_view new_path,
                                    const std::vector<bench::ComparisonRow>& rows,
                                    const bench::CompareOptions& options) {
  render::Record files{.name = "files", .title = "Benchmark comparison"};
  files.Add("old", std::string(old_path)).Add("new", std::string(new_path));
  render::Record rule{.name = "rule", .title = "Rule"};
  rule.Add("threshold", Value::Number(options.threshold, 3), "smallest relative change that counts")
      .Add("noise_k", Value::Number(options.noise_k, 3),
           "bound = max(threshold, noise_k x combined relative spread); regression if new/old > "
           "1 + bound, improvement if < 1/(1 + bound)");
  render::Table t{
      .name = "benchmarks",
      .title = "Median time per benchmark",
      .columns = {"benchmark", "old_ns", "new_ns", "new_over_old", "bound", "verdict", "note"}};
  std::array<int64_t, 6> counts = {};
  auto ns = [](Duration d) {
    return d > Duration::Zero() ? Value::Number(ToNanoseconds(d), 1) : Value();
  };
  for (const bench::ComparisonRow& r : rows) {
    ++counts[static_cast<size_t>(r.verdict)];
    const bool compared = r.ratio > 0;
    t.rows.push_back(
        {r.name, ns(r.old_median), ns(r.new_median), compared ? Value::Number(r.ratio, 3) : Value(),
         compared ? Value::Number(r.bound, 3) : Value(), bench::VerdictName(r.verdict), r.note});
  }
  using bench::Verdict;
  auto count = [&](Verdict v) { return counts[static_cast<size_t>(v)]; };
  render::Record s{.name = "summary", .title = "Verdicts"};
  s.Add("benchmarks", static_cast<int64_t>(rows.size()))
      .Add("regression", count(Verdict::kRegression))
      .Add("improvement", count(Verdict::kImprovement))
      .Add("same", count(Verdict::kSame))
      .Add("added", count(Verdict::kOnlyNew))
      .Add("removed", count(Verdict::kOnlyOld))
      .Add("error", count(Verdict::kError));
  render::Document doc;
  doc.Add(std::move(files)).Add(std::move(rule)).Add(std::move(t)).Add(std::move(s));
  return doc;
}

render::Document HostDocument(const bench::HostMeasurements& m, const bench::HostInfo& host,
                              absl::string_view out) {
  render::Record h{.name = "host", .title = "Host hardware measured"};
  h.Add("cpu", host.cpu_model).Add("out", std::string(out));
  render::Record r{.name = "measured", .title = "Measured"};
  r.Add("memory_gb", Value::Number(ToGigabytes(host.memory), 3), "MemTotal")
      .Add("fp32_gflops", Value::Number(m.fp32_peak / GigaflopsPerSecond(1), 2), m.peak_row)
      .Add("bandwidth_gbps", Value::Number(ToGigabytesPerSecond(m.bandwidth), 2), m.bandwidth_row);
  render::Document doc;
  doc.Add(std::move(h)).Add(std::move(r));
  return doc;
}

}  // namespace perfmodel
