// calibrate: fits a hardware description's efficiency factors to a baseline
// and writes the calibrated description.
//
//   bazel run //tools:calibrate -- --baseline=baselines/seed_measured.textproto
//       --out=hw/h200_sxm_seed_calibrated.textproto
//
// Prints the fit (per-op MAPE and forward error before and after, every
// change, every rejected factor). The model, hardware and deployment default
// to the files the baseline names. Exit codes (cli/cli.h): 0, or 2 with a
// one-line message (and --out left as it was).

#include "profile/calibrate.h"

#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/paths.h"
#include "base/status_macros.h"
#include "cli/cli.h"
#include "loader/load.h"
#include "report/render.h"

ABSL_FLAG(std::string, baseline, "baselines/seed_measured.textproto", "baseline textproto");
ABSL_FLAG(std::string, model, "", "model textproto (default: the baseline's)");
ABSL_FLAG(std::string, hw, "", "hardware textproto to calibrate (default: the baseline's)");
ABSL_FLAG(std::string, deployment, "", "deployment textproto (default: the baseline's)");
ABSL_FLAG(std::string, workload, "",
          "workload textproto (default: the deployment's default_workload; the baseline's batch "
          "and context apply)");
ABSL_FLAG(std::string, out, "",
          "where to write the calibrated hardware textproto (none: print only)");
ABSL_FLAG(double, per_op_threshold_pct, 5,
          "per-op corrections for ops still off by more than this after the class fit (0: none)");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "text, markdown, csv or json");

namespace perfmodel {
namespace {

absl::Status Run(const ToolContext&, ToolOutput& out) {
  const double threshold = absl::GetFlag(FLAGS_per_op_threshold_pct);
  if (!(threshold >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--per_op_threshold_pct: must be >= 0, got ", threshold));
  }
  PM_ASSIGN_OR_RETURN(const DiffInputs in,
                      LoadDiffInputs({.baseline = absl::GetFlag(FLAGS_baseline),
                                      .model = absl::GetFlag(FLAGS_model),
                                      .hardware = absl::GetFlag(FLAGS_hw),
                                      .deployment = absl::GetFlag(FLAGS_deployment),
                                      .workload = absl::GetFlag(FLAGS_workload)}));
  PM_ASSIGN_OR_RETURN(const CalibrateResult r,
                      Calibrate(in, {.per_op_threshold = threshold / 100.0}));
  if (const std::string path = absl::GetFlag(FLAGS_out); !path.empty()) {
    PM_ASSIGN_OR_RETURN(std::string text, CalibratedTextproto(in, r));
    // What is written must load as a hardware description.
    PM_RETURN_IF_ERROR(ParseHardware(text, path).status());
    out.WriteFile("out", ResolveOutput(path), std::move(text));
  }
  out.Print(render::Render(CalibrateDocument(in, r), absl::GetFlag(FLAGS_format)));
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

PERFMODEL_TOOL_MAIN(perfmodel::Run,
                    {.name = "calibrate",
                     .usage = "Fits a hardware description's efficiencies to a baseline.",
                     .field_flags = {{"hardware", "hw"}}})
