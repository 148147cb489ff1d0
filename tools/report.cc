// report: one decode step, or the prefill of a batch of prompts, op by op,
// with its SLA and memory per GPU.
//
//   bazel run //tools:report                       # the seed's decode case
//   bazel run //tools:report -- --phase=prefill    # the seed's P node, 4K prompts
//   bazel run //tools:report -- --phase=prefill --batch_per_dp=4 --chunk_tokens=8192
//       --prefix_cache_hit=0.5
//   bazel run //tools:report -- --model=models/llama3_1_70b.textproto
//       --hw=hw/h100_sxm.textproto --deployment=deployments/llama3_1_70b_tp8.textproto
//       --format=markdown
//   bazel run //tools:report -- --batch_per_dp=48 --context_tokens=8192
//   bazel run //tools:report -- --host_gap=0ms     # or --host_gap_ms=0
//
// Exit codes (cli/cli.h): 0; 2 for bad flags or input (one line on stderr
// naming the file or flag); 3 when the deployment does not fit in GPU memory
// (the message says by how much).

#include <cstdint>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "base/status_macros.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "perfmodel/graph.h"
#include "report/render.h"
#include "report/step_report.h"

ABSL_FLAG(std::string, model, "models/deepseek_v3.textproto", "model textproto");
ABSL_FLAG(std::string, hw, "hw/h200_sxm.textproto", "hardware textproto");
ABSL_FLAG(std::string, deployment, "",
          "deployment textproto (default: deployments/seed_decode.textproto, or "
          "deployments/seed_prefill.textproto with --phase=prefill)");
ABSL_FLAG(std::string, workload, "",
          "workload textproto (default: the deployment's default_workload)");
ABSL_FLAG(std::optional<int64_t>, batch_per_dp, std::nullopt,
          "requests per DP rank (default: the workload's)");
ABSL_FLAG(std::optional<int64_t>, context_tokens, std::nullopt,
          "context length per request (default: the workload's)");
ABSL_FLAG(
    std::optional<perfmodel::Duration>, host_gap, std::nullopt,
    "host gap between forwards, e.g. 1.3ms (default: the workload's; 0ms: the forward alone)");
ABSL_FLAG(std::optional<double>, host_gap_ms, std::nullopt, "--host_gap in ms");
ABSL_FLAG(std::optional<perfmodel::Phase>, phase, std::nullopt,
          "decode or prefill (default: the workload's; a decode workload's context becomes the "
          "prompt)");
ABSL_FLAG(std::optional<int64_t>, prompt_tokens, std::nullopt,
          "prefill: each prompt's length (default: the workload's)");
ABSL_FLAG(std::optional<int64_t>, chunk_tokens, std::nullopt,
          "prefill: new tokens per forward per rank (default: the workload's; unset: unchunked)");
ABSL_FLAG(std::optional<double>, prefix_cache_hit, std::nullopt,
          "prefill: share of each prompt already cached, in [0, 1)");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "text, markdown, csv or json");

namespace perfmodel {
namespace {

absl::Status Run(const ToolContext&, ToolOutput& out) {
  PM_ASSIGN_OR_RETURN(const std::optional<Duration> host_gap,
                      DurationFlag("host_gap", absl::GetFlag(FLAGS_host_gap), "host_gap_ms",
                                   absl::GetFlag(FLAGS_host_gap_ms)));
  const std::optional<Phase> phase = absl::GetFlag(FLAGS_phase);
  std::string deployment = absl::GetFlag(FLAGS_deployment);
  if (deployment.empty()) {
    deployment = phase == Phase::kPrefill ? "deployments/seed_prefill.textproto"
                                          : "deployments/seed_decode.textproto";
  }
  PM_ASSIGN_OR_RETURN(Setup setup, LoadSetup({.model = absl::GetFlag(FLAGS_model),
                                              .hardware = absl::GetFlag(FLAGS_hw),
                                              .deployment = deployment,
                                              .workload = absl::GetFlag(FLAGS_workload)}));
  PM_RETURN_IF_ERROR(ApplyOverrides({.batch_per_dp = absl::GetFlag(FLAGS_batch_per_dp),
                                     .context_tokens = absl::GetFlag(FLAGS_context_tokens),
                                     .host_gap = host_gap,
                                     .phase = phase,
                                     .prompt_tokens = absl::GetFlag(FLAGS_prompt_tokens),
                                     .chunk_tokens = absl::GetFlag(FLAGS_chunk_tokens),
                                     .prefix_cache_hit = absl::GetFlag(FLAGS_prefix_cache_hit)},
                                    setup.workload));
  PM_RETURN_IF_ERROR(ValidateWorkloadFor(setup.model, setup.workload, "flags"));
  const StepResult r =
      EstimateStep(setup.model, setup.hardware.spec, setup.deployment, setup.workload);
  PM_RETURN_IF_ERROR(CheckMemory(setup, r));
  out.Print(render::Render(StepDocument(setup, r), absl::GetFlag(FLAGS_format)));
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

PERFMODEL_TOOL_MAIN(
    perfmodel::Run,
    {.name = "report",
     .usage = "Estimates one decode step, or the prefill of a batch of prompts "
              "(--phase=prefill), op by op. With no flags: the seed's DeepSeek-V3 decode case."})
