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
// Exit codes (cli/cli.h): 0, or 2 with a one-line message naming the bad flag
// or file.

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "base/paths.h"
#include "base/status_macros.h"
#include "cli/cli.h"
#include "loader/load.h"
#include "measure/kernel_baseline.h"
#include "measure/model_check.h"
#include "report/bench_report.h"
#include "report/render.h"

ABSL_FLAG(std::string, baseline, "baselines/cpu/cpu_kernels.json", "Google Benchmark JSON");
ABSL_FLAG(std::string, hw, "hw/host_cpu.textproto", "the measured machine's description");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "text, markdown, csv or json");

namespace perfmodel {
namespace {

absl::Status Run(const ToolContext&, ToolOutput& out) {
  PM_ASSIGN_OR_RETURN(const bench::KernelBaselines b,
                      bench::LoadKernelBaselines(ResolveInput(absl::GetFlag(FLAGS_baseline))));
  PM_ASSIGN_OR_RETURN(const LoadedHardware hw, LoadHardware(ResolveInput(absl::GetFlag(FLAGS_hw))));
  PM_ASSIGN_OR_RETURN(const std::vector<bench::KernelCheckRow> rows,
                      bench::CheckKernels(b, hw.spec));
  // A GPU baseline with elementwise rows also says what they set.
  std::optional<bench::ElementwiseFit> fit;
  if (std::any_of(b.kernels.begin(), b.kernels.end(), [](const bench::KernelMeasurement& k) {
        return k.kernel.kind == bench::KernelKind::kElementwise;
      })) {
    PM_ASSIGN_OR_RETURN(fit, bench::FitElementwise(b, hw.spec));
  }
  out.Print(render::Render(BenchCheckDocument(rows, fit, hw.spec), absl::GetFlag(FLAGS_format)));
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

PERFMODEL_TOOL_MAIN(perfmodel::Run,
                    {.name = "bench_check",
                     .usage = "Lays measured kernels beside perfmodel's predictions."})
