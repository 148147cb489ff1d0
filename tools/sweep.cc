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
// Exit status: 0 (also when no batch meets the SLA or fits: the output says
// so); 2 for bad flags or input (one line on stderr naming the flag or file).

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "base/paths.h"
#include "report/render.h"
#include "report/step_report.h"
#include "workload/sweep.h"

ABSL_FLAG(std::string, model, "models/deepseek_v3.textproto", "model textproto");
ABSL_FLAG(std::string, hw, "hw/h200_sxm.textproto", "hardware textproto");
ABSL_FLAG(std::string, deployment, "deployments/seed_decode.textproto", "deployment textproto");
ABSL_FLAG(std::string, workload, "", "workload textproto (default: the deployment's default_workload)");
ABSL_FLAG(int64_t, batch_min, 1, "smallest batch per DP rank");
ABSL_FLAG(int64_t, batch_max, 256, "largest batch per DP rank");
ABSL_FLAG(int64_t, batch_step, 0,
          "table every N batches (0: powers of two); the SLA and memory limits are always shown");
ABSL_FLAG(std::optional<double>, user_tps, std::nullopt, "SLA: output tokens/s per user");
ABSL_FLAG(std::optional<double>, tpot_ms, std::nullopt, "SLA: time per output token, ms");
ABSL_FLAG(std::string, sla, "",
          "SLA targets textproto (default, when no target flag is given: "
          "deployments/seed_sla.textproto); a machine rate is read at the deployment's batch");
ABSL_FLAG(std::string, context, "",
          "fixed:N | uniform:LO:HI | normal:MEAN:STD | lognormal:MEAN:SIGMA | file:PATH "
          "(default: fixed at the deployment's context_tokens)");
ABSL_FLAG(int64_t, cap, 0, "cap every context at N tokens (0: none)");
ABSL_FLAG(int64_t, decode_growth, 0,
          "requests are at prompt + U(0, N) decoded tokens (0: prompt only)");
ABSL_FLAG(std::string, imbalance, "analytic", "rank imbalance model: analytic or montecarlo");
ABSL_FLAG(int64_t, trials, 1000, "Monte Carlo steps per batch");
ABSL_FLAG(uint64_t, seed, 1, "Monte Carlo seed");
ABSL_FLAG(std::string, search, "bisection",
          "SLA limit search: scan (exact: every batch up to the first that misses) or "
          "bisection (O(log range); exact only where step time is monotone in batch)");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "text, markdown, csv or json");
ABSL_FLAG(double, host_gap_ms, -1,
          "override the workload's host gap between forwards, ms (-1: keep; 0: the forward alone)");
ABSL_FLAG(std::string, svg, "", "also write a plot of tokens/s vs batch to this SVG file");

namespace perfmodel {
namespace {

// Points on the plot's curves (analytic imbalance; Monte Carlo plots the rows).
constexpr int64_t kCurvePoints = 160;

absl::Status Run(const std::vector<char*>& positional, std::string* out) {
  if (positional.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument \"", positional[1], "\"; flags are --name=value"));
  }
  absl::StatusOr<Setup> setup = LoadSetup({.model = absl::GetFlag(FLAGS_model),
                                           .hardware = absl::GetFlag(FLAGS_hw),
                                           .deployment = absl::GetFlag(FLAGS_deployment),
                                           .workload = absl::GetFlag(FLAGS_workload)});
  if (!setup.ok()) return setup.status();
  if (absl::Status s = ApplyHostGapOverride(absl::GetFlag(FLAGS_host_gap_ms), setup->workload);
      !s.ok()) {
    return s;
  }
  const SweepFlags flags{.batch_min = absl::GetFlag(FLAGS_batch_min),
                         .batch_max = absl::GetFlag(FLAGS_batch_max),
                         .batch_step = absl::GetFlag(FLAGS_batch_step),
                         .user_tps = absl::GetFlag(FLAGS_user_tps),
                         .tpot_ms = absl::GetFlag(FLAGS_tpot_ms),
                         .sla = absl::GetFlag(FLAGS_sla),
                         .context = absl::GetFlag(FLAGS_context),
                         .cap = absl::GetFlag(FLAGS_cap),
                         .decode_growth = absl::GetFlag(FLAGS_decode_growth),
                         .imbalance = absl::GetFlag(FLAGS_imbalance),
                         .trials = absl::GetFlag(FLAGS_trials),
                         .seed = absl::GetFlag(FLAGS_seed),
                         .search = absl::GetFlag(FLAGS_search)};
  absl::StatusOr<SweepConfig> config = MakeSweepConfig(flags, *setup);
  if (!config.ok()) return config.status();
  const std::string svg_path = absl::GetFlag(FLAGS_svg);
  if (!svg_path.empty()) config->curve_points = kCurvePoints;
  absl::StatusOr<SweepResult> result = RunSweep(*setup, *config);
  if (!result.ok()) return result.status();
  if (!svg_path.empty()) {
    if (absl::Status s =
            WriteFileAtomically(ResolveOutput(svg_path), SweepSvg(*setup, *config, *result));
        !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--svg: ", s.message()));
    }
  }
  *out = render::Render(SweepDocument(*setup, *config, *result), absl::GetFlag(FLAGS_format));
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

int main(int argc, char* argv[]) {
  absl::SetProgramUsageMessage(
      "Sweeps a decode deployment over batch: tokens/s per user and per machine, attention "
      "under a context distribution, memory, and the largest batch meeting the SLA. With no "
      "flags: the seed's DeepSeek-V3 decode case against its 60 tokens/s per user.");
  const std::vector<char*> positional = perfmodel::ParseCommandLineOrExit(argc, argv);
  std::string out;
  const absl::Status s = perfmodel::Run(positional, &out);
  if (!s.ok()) return perfmodel::ExitCode("sweep", s);
  std::fputs(out.c_str(), stdout);
  return 0;
}
