// bench_check: perfmodel's predictions beside measured kernels (the CPU
// suite's or the GPU script's Google Benchmark JSON), with the error per kernel.
//
//   bazel run //tools:bench_check                      # the committed CPU baseline
//   bazel run //tools:bench_check -- --baseline=baselines/gpu/h100.json --hw=hw/h100_sxm.textproto
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
#include "benchmarks/model_check.h"
#include "tools/cli.h"
#include "tools/paths.h"
#include "tools/render.h"

ABSL_FLAG(std::string, baseline, "baselines/cpu/cpu_kernels.json", "Google Benchmark JSON");
ABSL_FLAG(std::string, hw, "hw/host_cpu.textproto", "the measured machine's description");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "text, markdown, csv or json");

namespace perfmodel {
namespace {

absl::Status Run(std::string* out) {
  absl::StatusOr<std::vector<bench::KernelCheckRow>> rows = bench::CheckKernels(
      ResolveInput(absl::GetFlag(FLAGS_baseline)), ResolveInput(absl::GetFlag(FLAGS_hw)));
  if (!rows.ok()) return rows.status();
  using render::Value;
  render::Table t{.name = "kernels",
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
