// report: one decode step, op by op, with its SLA and memory per GPU.
//
//   bazel run //tools:report                       # the seed's decode case
//   bazel run //tools:report -- --model=models/llama3_1_70b.textproto
//       --hw=hw/h100_sxm.textproto --deployment=deployments/llama3_1_70b_tp8.textproto
//       --format=markdown
//   bazel run //tools:report -- --batch_per_dp=48 --context_tokens=8192
//
// Exit status: 0; 2 for bad flags or input (one line on stderr naming the
// file or flag); 3 when the deployment does not fit in GPU memory (the
// message says by how much).

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "perfmodel/graph.h"
#include "cli/cli.h"
#include "report/render.h"
#include "report/step_report.h"

ABSL_FLAG(std::string, model, "models/deepseek_v3.textproto", "model textproto");
ABSL_FLAG(std::string, hw, "hw/h200_sxm.textproto", "hardware textproto");
ABSL_FLAG(std::string, deployment, "deployments/seed_decode.textproto", "deployment textproto");
ABSL_FLAG(std::string, workload, "", "workload textproto (default: the deployment's default_workload)");
ABSL_FLAG(int64_t, batch_per_dp, 0, "override the workload's requests per DP rank (0: keep)");
ABSL_FLAG(double, host_gap_ms, -1,
          "override the workload's host gap between forwards, ms (-1: keep; 0: the forward alone)");
ABSL_FLAG(int64_t, context_tokens, 0, "override the workload's context length (0: keep)");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "text, markdown, csv or json");

namespace perfmodel {
namespace {

absl::Status Run(std::string* out) {
  absl::StatusOr<Setup> setup = LoadSetup({.model = absl::GetFlag(FLAGS_model),
                                           .hardware = absl::GetFlag(FLAGS_hw),
                                           .deployment = absl::GetFlag(FLAGS_deployment),
                                           .workload = absl::GetFlag(FLAGS_workload)});
  if (!setup.ok()) return setup.status();
  absl::Status s = ApplyOverrides(absl::GetFlag(FLAGS_batch_per_dp),
                                  absl::GetFlag(FLAGS_context_tokens), setup->workload);
  if (!s.ok()) return s;
  s = ApplyHostGapOverride(absl::GetFlag(FLAGS_host_gap_ms), setup->workload);
  if (!s.ok()) return s;
  const StepResult r = EstimateDecode(setup->model, setup->hardware.spec, setup->deployment, setup->workload);
  s = CheckMemory(*setup, r);
  if (!s.ok()) return s;
  *out = render::Render(StepDocument(*setup, r), absl::GetFlag(FLAGS_format));
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

int main(int argc, char* argv[]) {
  absl::SetProgramUsageMessage(
      "Estimates one decode step op by op. With no flags: the seed's DeepSeek-V3 decode case.");
  perfmodel::ParseCommandLineOrExit(argc, argv);
  std::string out;
  const absl::Status s = perfmodel::Run(&out);
  if (s.code() == absl::StatusCode::kResourceExhausted) {
    std::fprintf(stderr, "report: %s\n", perfmodel::OneLine(s.message()).c_str());
    return 3;
  }
  if (!s.ok()) return perfmodel::ExitCode("report", s);
  std::fputs(out.c_str(), stdout);
  return 0;
}
