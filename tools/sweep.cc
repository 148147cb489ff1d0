// sweep: a decode deployment swept over batch under a context-length
// distribution; the largest batch meeting a per-user SLA and fitting in HBM.
// With --phase=prefill, a prefill (P) deployment swept over the prompts per
// DP rank: TTFT, prompt tokens/s and memory per batch, the largest batch
// meeting a TTFT target, and TTFT under Poisson load with the largest arrival
// rate that meets the target at a percentile.
//
//   bazel run //tools:sweep                     # the seed: SLA 60 tokens/s per user
//   bazel run //tools:sweep -- --user_tps=60 --context=lognormal:4096:1.0 --svg=sweep.svg
//   bazel run //tools:sweep -- --model=models/llama3_1_70b.textproto
//       --hw=hw/h100_sxm.textproto --deployment=deployments/llama3_1_70b_tp8.textproto
//       --context=fixed:131072 --user_tps=10
//   bazel run //tools:sweep -- --batch_min=1 --batch_max=64 --batch_step=1 --format=csv
//   bazel run //tools:sweep -- --phase=prefill   # the seed's P node: 4K prompts, TTFT 1 s
//   bazel run //tools:sweep -- --phase=prefill --context=lognormal:4096:1 --arrival_rate=4
//       --ttft_percentile=0.99 --ttft_ms=2000
//
// Table rows: batch_min, the powers of two inside the range, batch_max, and
// the batches where the SLA and memory limits fall (the last that holds and
// the first that does not); with --batch_step=N every N-th batch instead of
// the powers of two. The SLA limit is the largest batch below which every
// batch meets the SLA, found by bisection (--search=scan walks up from
// --batch_min, the exact definition); the memory limit by bisection. See workload/sweep.h for
// what is modelled, and workload/prefill_sweep.h for the prefill sweep.
//
// Exit codes (cli/cli.h): 0 (also when no batch meets the SLA or fits: the
// output says so); 2 for bad flags or input (one line on stderr naming the
// flag or file).

#include "workload/prefill_sweep.h"
#include "workload/sweep.h"

#include <cstdint>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/strip.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "base/paths.h"
#include "base/status_macros.h"
#include "cli/choice_flags.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "report/render.h"
#include "report/step_report.h"

ABSL_FLAG(std::string, model, "models/deepseek_v3.textproto", "model textproto");
ABSL_FLAG(std::string, hw, "hw/h200_sxm.textproto", "hardware textproto");
ABSL_FLAG(std::string, deployment, "",
          "deployment textproto (default: deployments/seed_decode.textproto, or "
          "deployments/seed_prefill.textproto with --phase=prefill)");
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
          "deployments/seed_sla.textproto); a machine rate is read at the workload's batch; "
          "prefill: its ttft_ms");
ABSL_FLAG(std::optional<perfmodel::ContextSpec>, context, std::nullopt,
          "fixed:N | uniform:LO:HI | normal:MEAN:STD | lognormal:MEAN:SIGMA | file:PATH "
          "(default: fixed at the workload's context_tokens); prefill: the prompt length under "
          "load (default: fixed at prompt_tokens)");
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
ABSL_FLAG(std::optional<perfmodel::Phase>, phase, std::nullopt,
          "decode or prefill (default: the workload's; the default deployment is the phase's)");
ABSL_FLAG(std::optional<double>, ttft_ms, std::nullopt,
          "prefill: TTFT target, ms (default: the SLA file's ttft_ms, the seed's 1000)");
ABSL_FLAG(std::optional<int64_t>, prompt_tokens, std::nullopt,
          "prefill: each prompt's length in the batch sweep (default: the workload's)");
ABSL_FLAG(std::optional<int64_t>, chunk_tokens, std::nullopt,
          "prefill: new tokens per forward per rank (default: the workload's; unset: unchunked)");
ABSL_FLAG(std::optional<double>, prefix_cache_hit, std::nullopt,
          "prefill: share of each prompt already cached, in [0, 1) (default: the workload's)");
ABSL_FLAG(std::optional<double>, arrival_rate, std::nullopt,
          "prefill: Poisson arrivals, requests/s per machine (split evenly over its DP ranks); "
          "default: only the rate table and the largest rate meeting the target");
ABSL_FLAG(double, ttft_percentile, perfmodel::kDefaultTtftPercentile,
          "prefill: the TTFT percentile the arrival-rate limit holds to the target, in (0, 1)");
ABSL_FLAG(bool, disaggregated, true,
          "prefill: TTFT includes the KV-cache transfer to a decode node over scale-out");
ABSL_FLAG(int64_t, quantiles, perfmodel::kDefaultTtftQuantiles,
          "prefill: prompt-length quantiles that stand for --context under load");

namespace perfmodel {
namespace {

// Points on the plot's curves (analytic imbalance; Monte Carlo plots the rows).
constexpr int64_t kCurvePoints = 160;

// The flags that belong to one phase only.
constexpr absl::string_view kDecodeOnly[] = {"user_tps",    "tpot_ms", "cap",  "decode_growth",
                                             "imbalance",   "trials",  "seed", "svg"};
constexpr absl::string_view kPrefillOnly[] = {"ttft_ms",      "prompt_tokens",   "chunk_tokens",
                                              "prefix_cache_hit", "arrival_rate",
                                              "ttft_percentile",  "disaggregated", "quantiles"};

// OnCommandLine() is whether the command line gives flag `name` (--name,
// --name=..., -name..., or --noname for a bool), before any "--".
bool OnCommandLine(const ToolContext& context, absl::string_view name) {
  for (const std::string& arg : context.args) {
    if (arg == "--") break;
    absl::string_view a = arg;
    if (!absl::ConsumePrefix(&a, "--") && !absl::ConsumePrefix(&a, "-")) continue;
    a = a.substr(0, a.find('='));
    if (a == name || (absl::ConsumePrefix(&a, "no") && a == name)) return true;
  }
  return false;
}

// CheckPhaseFlags() rejects a flag of the other phase: "--ttft_ms: applies to
// --phase=prefill only".
absl::Status CheckPhaseFlags(const ToolContext& context, Phase phase) {
  const bool prefill = phase == Phase::kPrefill;
  for (absl::string_view name : prefill ? absl::MakeConstSpan(kDecodeOnly)
                                        : absl::MakeConstSpan(kPrefillOnly)) {
    if (OnCommandLine(context, name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", name, ": applies to --phase=", prefill ? "decode" : "prefill", " only"));
    }
  }
  return absl::OkStatus();
}

absl::Status RunPrefill(Setup setup, const std::optional<Duration>& host_gap,
                        std::optional<ContextDistribution> prompts, std::string prompts_label,
                        ToolOutput& out) {
  PM_RETURN_IF_ERROR(ApplyOverrides({.host_gap = host_gap,
                                     .phase = Phase::kPrefill,
                                     .prompt_tokens = absl::GetFlag(FLAGS_prompt_tokens),
                                     .chunk_tokens = absl::GetFlag(FLAGS_chunk_tokens),
                                     .prefix_cache_hit = absl::GetFlag(FLAGS_prefix_cache_hit)},
                                    setup.workload));
  PM_RETURN_IF_ERROR(ValidateWorkloadFor(setup.model, setup.workload, "flags"));
  PM_RETURN_IF_ERROR(AtMostOneFlag({{"ttft_ms", absl::GetFlag(FLAGS_ttft_ms).has_value()},
                                    {"sla", !absl::GetFlag(FLAGS_sla).empty()}})
                         .status());
  const PrefillSweepOptions options{.batch_min = absl::GetFlag(FLAGS_batch_min),
                                    .batch_max = absl::GetFlag(FLAGS_batch_max),
                                    .batch_step = absl::GetFlag(FLAGS_batch_step),
                                    .ttft_ms = absl::GetFlag(FLAGS_ttft_ms),
                                    .sla = absl::GetFlag(FLAGS_sla),
                                    .context = std::move(prompts),
                                    .context_label = std::move(prompts_label),
                                    .quantiles = absl::GetFlag(FLAGS_quantiles),
                                    .arrival_rate = absl::GetFlag(FLAGS_arrival_rate),
                                    .ttft_percentile = absl::GetFlag(FLAGS_ttft_percentile),
                                    .disaggregated = absl::GetFlag(FLAGS_disaggregated),
                                    .search = absl::GetFlag(FLAGS_search)};
  PM_ASSIGN_OR_RETURN(const PrefillSweepConfig config, MakePrefillSweepConfig(options, setup));
  PM_ASSIGN_OR_RETURN(const PrefillSweepResult result, RunPrefillSweep(setup, config));
  out.Print(
      render::Render(PrefillSweepDocument(setup, config, result), absl::GetFlag(FLAGS_format)));
  return absl::OkStatus();
}

absl::Status Run(const ToolContext& tool, ToolOutput& out) {
  PM_ASSIGN_OR_RETURN(const std::optional<Duration> host_gap,
                      DurationFlag("host_gap", absl::GetFlag(FLAGS_host_gap), "host_gap_ms",
                                   absl::GetFlag(FLAGS_host_gap_ms)));
  const std::optional<Phase> phase_flag = absl::GetFlag(FLAGS_phase);
  std::optional<ContextDistribution> context;
  std::string context_label;
  if (const std::optional<ContextSpec> spec = absl::GetFlag(FLAGS_context); spec.has_value()) {
    absl::StatusOr<ContextDistribution> d = ContextFromSpec(*spec);
    if (!d.ok()) return WithFlag("context", d.status());
    context = *std::move(d);
    context_label = AbslUnparseFlag(*spec);
  }
  std::string deployment = absl::GetFlag(FLAGS_deployment);
  if (deployment.empty()) {
    deployment = phase_flag == Phase::kPrefill ? "deployments/seed_prefill.textproto"
                                               : "deployments/seed_decode.textproto";
  }
  PM_ASSIGN_OR_RETURN(Setup setup, LoadSetup({.model = absl::GetFlag(FLAGS_model),
                                              .hardware = absl::GetFlag(FLAGS_hw),
                                              .deployment = deployment,
                                              .workload = absl::GetFlag(FLAGS_workload)}));
  const Phase phase = phase_flag.value_or(setup.workload.phase);
  PM_RETURN_IF_ERROR(CheckPhaseFlags(tool, phase));
  if (phase == Phase::kPrefill) {
    return RunPrefill(std::move(setup), host_gap, std::move(context), std::move(context_label),
                      out);
  }

  SweepOptions options{.batch_min = absl::GetFlag(FLAGS_batch_min),
                       .batch_max = absl::GetFlag(FLAGS_batch_max),
                       .batch_step = absl::GetFlag(FLAGS_batch_step),
                       .user_tps = absl::GetFlag(FLAGS_user_tps),
                       .tpot_ms = absl::GetFlag(FLAGS_tpot_ms),
                       .sla = absl::GetFlag(FLAGS_sla),
                       .context = std::move(context),
                       .context_label = std::move(context_label),
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
  PM_RETURN_IF_ERROR(ApplyOverrides({.host_gap = host_gap, .phase = phase_flag}, setup.workload));
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

PERFMODEL_TOOL_MAIN(
    perfmodel::Run,
    {.name = "sweep",
     .usage = "Sweeps a decode deployment over batch: tokens/s per user and per machine, "
              "attention under a context distribution, memory, and the largest batch meeting "
              "the SLA. With no flags: the seed's DeepSeek-V3 decode case against its 60 "
              "tokens/s per user. --phase=prefill: the seed's P node swept over prompts per DP "
              "rank against its 1 s TTFT, and TTFT under Poisson load (--arrival_rate)."})
