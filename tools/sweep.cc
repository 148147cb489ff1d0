// sweep: a decode deployment swept over batch under a context-length
// distribution; the largest batch meeting a per-user SLA and fitting in HBM.
//
//   bazel run //tools:sweep                     # the seed: SLA 60 tokens/s per user
//   bazel run //tools:sweep -- --user_tps=60 --context=lognormal:4096:1.0 --svg=sweep.svg
//   bazel run //tools:sweep -- --model=models/llama3_1_70b.textproto
//       --hw=hw/h100_sxm.textproto --deployment=deployments/llama3_1_70b_tp8.textproto
//       --context=fixed:131072 --user_tps=10
//   bazel run //tools:sweep -- --batch_min=1 --batch_max=64 --batch_step=1 --format=csv
//
// Table rows: batch_min, the powers of two inside the range, batch_max, and
// the batches where the SLA and memory limits fall (the last that holds and
// the first that does not); with --batch_step=N every N-th batch instead of
// the powers of two. The SLA limit is the largest batch below which every
// batch meets the SLA, found by bisection (--search=scan walks up from
// --batch_min, the exact definition); the memory limit by bisection. See workload/sweep.h for
// what is modelled.
//
// Exit codes (cli/cli.h): 0 (also when no batch meets the SLA or fits: the
// output says so); 2 for bad flags or input (one line on stderr naming the
// flag or file).

#include "workload/sweep.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "base/paths.h"
#include "base/status_macros.h"
#include "cli/choice_flags.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "report/render.h"
#include "report/step_report.h"

ABSL_FLAG(std::string, model, "models/deepseek_v3.textproto", "model textproto");
ABSL_FLAG(std::string, hw, "hw/h200_sxm.textproto", "hardware textproto");
ABSL_FLAG(std::string, deployment, "deployments/seed_decode.textproto", "deployment textproto");
ABSL_FLAG(std::string, workload, "",
          "workload textproto (default: the deployment's default_workload)");
ABSL_FLAG(int64_t, batch_min, 1, "smallest batch per DP rank");
ABSL_FLAG(int64_t, batch_max, 256, "largest batch per DP rank");
ABSL_FLAG(std::optional<int64_t>, batch_step, std::nullopt,
          "table every N batches (default: powers of two); the SLA and memory limits are always "
          "shown");
ABSL_FLAG(std::optional<double>, user_tps, std::nullopt, "SLA: output tokens/s per user");
ABSL_FLAG(std::optional<double>, tpot_ms, std::nullopt, "SLA: time per output token, ms");
ABSL_FLAG(std::string, sla, "",
          "SLA targets textproto (default, when no target flag is given: "
          "deployments/seed_sla.textproto); a machine rate is read at the workload's batch");
ABSL_FLAG(std::optional<perfmodel::ContextSpec>, context, std::nullopt,
          "fixed:N | uniform:LO:HI | normal:MEAN:STD | lognormal:MEAN:SIGMA | file:PATH "
          "(default: fixed at the workload's context_tokens)");
ABSL_FLAG(std::optional<int64_t>, cap, std::nullopt,
          "cap every context at N tokens (default: none)");
ABSL_FLAG(int64_t, decode_growth, 0,
          "requests are at prompt + U(0, N) decoded tokens (0: prompt only)");
ABSL_FLAG(perfmodel::ImbalanceModel, imbalance, perfmodel::ImbalanceModel::kAnalytic,
          "rank imbalance model: analytic or montecarlo");
ABSL_FLAG(int64_t, trials, 1000, "Monte Carlo steps per batch");
ABSL_FLAG(uint64_t, seed, 1, "Monte Carlo seed");
ABSL_FLAG(perfmodel::SlaSearch, search, perfmodel::SlaSearch::kBisection,
          "SLA limit search: scan (exact: every batch up to the first that misses) or "
          "bisection (O(log range); exact only where step time is monotone in batch)");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "text, markdown, csv or json");
ABSL_FLAG(
    std::optional<perfmodel::Duration>, host_gap, std::nullopt,
    "host gap between forwards, e.g. 1.3ms (default: the workload's; 0ms: the forward alone)");
ABSL_FLAG(std::optional<double>, host_gap_ms, std::nullopt, "--host_gap in ms");
ABSL_FLAG(std::string, svg, "", "also write a plot of tokens/s vs batch to this SVG file");

namespace perfmodel {
namespace {

// Points on the plot's curves (analytic imbalance; Monte Carlo plots the rows).
constexpr int64_t kCurvePoints = 160;

absl::Status Run(const ToolContext&, ToolOutput& out) {
  PM_ASSIGN_OR_RETURN(const std::optional<Duration> host_gap,
                      DurationFlag("host_gap", absl::GetFlag(FLAGS_host_gap), "host_gap_ms",
                                   absl::GetFlag(FLAGS_host_gap_ms)));
  SweepOptions options{.batch_min = absl::GetFlag(FLAGS_batch_min),
                       .batch_max = absl::GetFlag(FLAGS_batch_max),
                       .batch_step = absl::GetFlag(FLAGS_batch_step),
                       .user_tps = absl::GetFlag(FLAGS_user_tps),
                       .tpot_ms = absl::GetFlag(FLAGS_tpot_ms),
                       .sla = absl::GetFlag(FLAGS_sla),
                       .cap = absl::GetFlag(FLAGS_cap),
                       .decode_growth = absl::GetFlag(FLAGS_decode_growth),
                       .imbalance = absl::GetFlag(FLAGS_imbalance),
                       .trials = absl::GetFlag(FLAGS_trials),
                       .seed = absl::GetFlag(FLAGS_seed),
                       .search = absl::GetFlag(FLAGS_search)};
  PM_RETURN_IF_ERROR(AtMostOneFlag({{"user_tps", options.user_tps.has_value()},
                                    {"tpot_ms", options.tpot_ms.has_value()},
                                    {"sla", !options.sla.empty()}})
                         .status());
  if (const std::optional<ContextSpec> spec = absl::GetFlag(FLAGS_context); spec.has_value()) {
    absl::StatusOr<ContextDistribution> d = ContextFromSpec(*spec);
    if (!d.ok()) return WithFlag("context", d.status());
    options.context = *std::move(d);
    options.context_label = AbslUnparseFlag(*spec);
  }
  PM_ASSIGN_OR_RETURN(Setup setup, LoadSetup({.model = absl::GetFlag(FLAGS_model),
                                              .hardware = absl::GetFlag(FLAGS_hw),
                                              .deployment = absl::GetFlag(FLAGS_deployment),
                                              .workload = absl::GetFlag(FLAGS_workload)}));
  PM_RETURN_IF_ERROR(ApplyOverrides({.host_gap = host_gap}, setup.workload));
  PM_ASSIGN_OR_RETURN(SweepConfig config, MakeSweepConfig(options, setup));
  const std::string svg_path = absl::GetFlag(FLAGS_svg);
  if (!svg_path.empty()) config.curve_points = kCurvePoints;
  PM_ASSIGN_OR_RETURN(const SweepResult result, RunSweep(setup, config));
  if (!svg_path.empty()) {
    out.WriteFile("svg", ResolveOutput(svg_path), SweepSvg(setup, config, result));
  }
  out.Print(render::Render(SweepDocument(setup, config, result), absl::GetFlag(FLAGS_format)));
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

int main(int argc, char* argv[]) {
  return perfmodel::RunTool(
      argc, argv,
      {.name = "sweep",
       .usage = "Sweeps a decode deployment over batch: tokens/s per user and per machine, "
                "attention under a context distribution, memory, and the largest batch meeting "
                "the SLA. With no flags: the seed's DeepSeek-V3 decode case against its 60 "
                "tokens/s per user."},
      perfmodel::Run);
}
