// bench_check: perfmodel's predictions beside measured kernels (the CPU
// suite's or the GPU script's Google Benchmark JSON), with the error per kernel.
//
//   bazel run //tools:bench_check                      # the committed CPU baseline
//   bazel run //tools:bench_check -- --baseline=baselines/gpu/h200_sxm.json
//   --hw=hw/h200_sxm.textproto
//
// A baseline with elementwise rows (the GPU script's) also gets the fit of its
// elementwise rows beside the hardware description's factors (see
// measure/model_check.h: FitElementwise()).
//
// Exit status 0, or 2 with a one-line message naming the bad flag or file.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "measure/kernel_baseline.h"
#include "measure/model_check.h"
#include "loader/load.h"
#include "cli/cli.h"
#include "base/paths.h"
#include "report/render.h"

ABSL_FLAG(std::string, baseline, "baselines/cpu/cpu_kernels.json", "Google Benchmark JSON");
ABSL_FLAG(std::string, hw, "hw/host_cpu.textproto", "the measured machine's description");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "text, markdown, csv or json");

namespace perfmodel {
namespace {

absl::Status Run(std::string* out) {
  const std::string baseline = ResolveInput(absl::GetFlag(FLAGS_baseline));
  const std::string hw_path = ResolveInput(absl::GetFlag(FLAGS_hw));
  absl::StatusOr<bench::KernelBaselines> b = bench::LoadKernelBaselines(baseline);
  if (!b.ok()) return b.status();
  absl::StatusOr<LoadedHardware> hw = LoadHardware(hw_path);
  if (!hw.ok()) return hw.status();
  absl::StatusOr<std::vector<bench::KernelCheckRow>> rows = bench::CheckKernels(*b, hw->spec);
  if (!rows.ok()) return rows.status();
  using render::Value;
  render::Table t{
      .name = "kernels",
      .title = "Measured kernels vs perfmodel (error = predicted / measured - 1)",
      .columns = {"kernel", "kind", "measured_us", "predicted_us", "error_pct", "bound"}};
  std::vector<double> errors;
  for (const bench::KernelCheckRow& r : *rows) {
    errors.push_back(std::abs(r.Error()));
    t.rows.push_back({r.name, r.kind, Value::Number(ToMicroseconds(r.measured), 2),
                      Value::Number(ToMicroseconds(r.predicted), 2),
                      Value::Number(100 * r.Error(), 1), std::string(BoundName(r.bound))});
  }
  std::sort(errors.begin(), errors.end());
  if (!errors.empty()) {
    t.footer.push_back({"median |error|", Value(), Value(), Value(),
                        Value::Number(100 * errors[errors.size() / 2], 1), Value()});
    t.footer.push_back({"worst |error|", Value(), Value(), Value(),
                        Value::Number(100 * errors.back(), 1), Value()});
  }
  render::Document doc;
  doc.Add(std::move(t));
  // A GPU baseline with elementwise rows also says what they set.
  const bool has_elementwise =
      std::any_of(b->kernels.begin(), b->kernels.end(), [](const bench::KernelMeasurement& k) {
        return k.kernel.kind == bench::KernelKind::kElementwise;
      });
  if (has_elementwise) {
    absl::StatusOr<bench::ElementwiseFit> fit = bench::FitElementwise(*b, hw->spec);
    if (!fit.ok()) return fit.status();
    render::Table f{.name = "elementwise_fit",
                    .title = absl::StrCat("Fit of ", fit->rows,
                                          " elementwise rows: time = fixed + bytes / (HBM x "
                                          "efficiency)"),
                    .columns = {"factor", "fitted", "hardware_description"}};
    f.rows.push_back({"kernel_launch_overhead_us", Value::Number(ToMicroseconds(fit->fixed), 3),
                      Value::Number(ToMicroseconds(hw->spec.kernel_launch_overhead), 3)});
    f.rows.push_back(
        {"ELEMENTWISE memory", Value::Number(fit->memory_efficiency, 3),
         Value::Number(hw->spec.EfficiencyOf(OpClass::kElementwise).memory, 3)});
    f.rows.push_back(
        {"launch_empty floor (us)", Value::Number(ToMicroseconds(fit->launch_floor), 2), Value()});
    doc.Add(std::move(f));
  }
  *out = render::Render(doc, absl::GetFlag(FLAGS_format));
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

int main(int argc, char* argv[]) {
  absl::SetProgramUsageMessage("Lays measured kernels beside perfmodel's predictions.");
  perfmodel::ParseCommandLineOrExit(argc, argv);
  std::string out;
  const absl::Status s = perfmodel::Run(&out);
  if (!s.ok()) return perfmodel::ExitCode("bench_check", s);
  std::fputs(out.c_str(), stdout);
  return 0;
}
