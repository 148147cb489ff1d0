// diff: simulated vs a baseline, op by op (the seed's section 4.3 table).
//
//   bazel run //tools:diff -- --baseline=baselines/seed_measured.textproto
//   bazel run //tools:diff -- --baseline=baselines/seed_reference_simulator.textproto
//   bazel run //tools:diff -- --baseline=b.textproto --hw=hw/h200_sxm_seed_calibrated.textproto
//
// The model, hardware and deployment default to the files the baseline names.
// Exit codes (cli/cli.h): 0, or 2 with a one-line message naming the bad flag
// or file.

#include "profile/diff.h"

#include <cmath>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "cli/cli.h"
#include "perfmodel/graph.h"
#include "report/render.h"

ABSL_FLAG(std::string, baseline, "baselines/seed_measured.textproto", "baseline textproto");
ABSL_FLAG(std::string, model, "", "model textproto (default: the baseline's)");
ABSL_FLAG(std::string, hw, "", "hardware textproto (default: the baseline's)");
ABSL_FLAG(std::string, deployment, "", "deployment textproto (default: the baseline's)");
ABSL_FLAG(std::string, workload, "",
          "workload textproto (default: the deployment's default_workload; the baseline's batch "
          "and context apply)");
ABSL_FLAG(double, tolerance_pct, 10, "flag ops whose error exceeds this, in percent");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "text, markdown, csv or json");

namespace perfmodel {
namespace {

absl::Status Run(const ToolContext&, ToolOutput& out) {
  const double tolerance = absl::GetFlag(FLAGS_tolerance_pct);
  if (!(tolerance > 0) || !std::isfinite(tolerance)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--tolerance_pct: must be > 0, got ", tolerance));
  }
  PM_ASSIGN_OR_RETURN(const DiffInputs in,
                      LoadDiffInputs({.baseline = absl::GetFlag(FLAGS_baseline),
                                      .model = absl::GetFlag(FLAGS_model),
                                      .hardware = absl::GetFlag(FLAGS_hw),
                                      .deployment = absl::GetFlag(FLAGS_deployment),
                                      .workload = absl::GetFlag(FLAGS_workload)}));
  const StepResult r = EstimateDecode(in.setup.model, in.setup.hardware.spec, in.setup.deployment,
                                      in.setup.workload);
  out.Print(render::Render(DiffDocument(in, r, tolerance / 100.0), absl::GetFlag(FLAGS_format)));
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

PERFMODEL_TOOL_MAIN(perfmodel::Run,
                    {.name = "diff",
                     .usage = "Lays a baseline beside perfmodel's simulation, op by op.",
                     .field_flags = {{"hardware", "hw"}}})
