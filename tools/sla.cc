// File: tools/sla.cc
// -----------------------------------------------------------------------------
//
// `bazel run //tools:sla -- [flags]`: SLA math both ways (perfmodel/sla.h).
// From a target rate to per-user rate, TPOT and forward budget, or from a
// measured forward time to the SLA it achieves; the same for prefill TTFT.
//
//   $ bazel run //tools:sla -- --machine_tps=11520 --dp=8 --batch_per_dp=24 --accept=2.3
//   # user_output_tps 60.00, tpot_ms 16.67, forward_ms 38.33 (the budget)
//   $ bazel run //tools:sla -- --forward_ms=28.5 --dp=8 --batch_per_dp=24 --accept=2.3
//   --format=json # {"direction": "measured", "machine_output_tps": 15495,
//   "user_output_tps": 80.70, #  "tpot_ms": 12.39, ...} $ bazel run //tools:sla            # the
//   seed's target and measured rows
//
//   $ bazel run //tools:sla -- --predict_prefill  # the seed's P node, predicted
//   # ttft_ms 439.02, prefill_forward_ms 437.72, machine_prefill_tps 74861
//   $ bazel run //tools:sla -- --predict_prefill --batch_per_dp=2 --chunk_tokens=4096
//
// --predict_prefill prints the prefill row from the cost model instead of a
// given time: EstimatePrefill() of --model, --hw, --deployment and
// --workload (default: the seed's P node, deployments/seed_prefill.textproto),
// with --batch_per_dp, --prompt_tokens, --chunk_tokens, --prefix_cache_hit
// and --prefill_host_gap_ms (the gap before each forward) overriding the
// workload's. The row has the measured row's keys (direction "simulated").
// With a decode rate as well, --dp and --batch_per_dp are the decode row's
// and the prefill row keeps the workload's batch.
//
// Bad, conflicting or missing flags: one line on stderr naming the flag, exit 2
// (cli/cli.h); a predicted prefill that does not fit in GPU memory, exit 3.
// Which flags combine is checked here; the values by report/sla_report.h,
// whose errors name the field (= the flag).

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "loader/load.h"
#include "loader/setup.h"
#include "perfmodel/graph.h"
#include "report/render.h"
#include "report/sla_report.h"
#include "report/step_report.h"

ABSL_FLAG(std::optional<double>, machine_tps, std::nullopt,
          "decode target: output tokens/s summed over all users of one machine");
ABSL_FLAG(std::optional<double>, user_tps, std::nullopt,
          "decode target: output tokens/s one user sees");
ABSL_FLAG(std::optional<double>, tpot_ms, std::nullopt, "decode target: time per output token, ms");
ABSL_FLAG(std::optional<double>, forward_ms, std::nullopt,
          "decode: a measured or simulated forward time, ms (instead of a target)");
ABSL_FLAG(std::optional<int64_t>, dp, std::nullopt,
          "attention data-parallel ranks per machine (required with any rate or time)");
ABSL_FLAG(std::optional<int64_t>, batch_per_dp, std::nullopt,
          "concurrent requests (decode) or prompts (prefill) per DP rank (required)");
ABSL_FLAG(std::optional<double>, accept, std::nullopt,
          "decode: accepted tokens per request per step (default 1; MTP raises it)");
ABSL_FLAG(std::optional<double>, host_gap_ms, std::nullopt,
          "decode: idle time between forwards, ms, counted in TPOT (default 0)");
ABSL_FLAG(std::optional<double>, ttft_ms, std::nullopt,
          "prefill target: time to first token, ms (needs --prompt_tokens)");
ABSL_FLAG(std::optional<double>, prefill_forward_ms, std::nullopt,
          "prefill: a measured prefill forward time, ms (instead of --ttft_ms)");
ABSL_FLAG(std::optional<int64_t>, prompt_tokens, std::nullopt, "prefill: tokens per prompt");
ABSL_FLAG(std::optional<double>, prefill_host_gap_ms, std::nullopt,
          "prefill: host time before the prefill forward, ms, counted in TTFT (default 0)");
ABSL_FLAG(bool, predict_prefill, false,
          "prefill: the row the cost model predicts for --model, --hw, --deployment, --workload "
          "(default: the seed's P node), instead of --ttft_ms or --prefill_forward_ms");
ABSL_FLAG(std::string, model, "",
          "--predict_prefill: model textproto (default: models/deepseek_v3.textproto)");
ABSL_FLAG(std::string, hw, "",
          "--predict_prefill: hardware textproto (default: hw/h200_sxm.textproto)");
ABSL_FLAG(std::string, deployment, "",
          "--predict_prefill: deployment textproto (default: deployments/seed_prefill.textproto)");
ABSL_FLAG(std::string, workload, "",
          "--predict_prefill: workload textproto (default: the deployment's default_workload)");
ABSL_FLAG(std::optional<int64_t>, chunk_tokens, std::nullopt,
          "--predict_prefill: new tokens per forward per rank (default: the workload's)");
ABSL_FLAG(std::optional<double>, prefix_cache_hit, std::nullopt,
          "--predict_prefill: share of each prompt already cached, in [0, 1)");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "output format: text, markdown, csv or json");

namespace perfmodel {
namespace {

constexpr absl::string_view kDecodeFlags = "--machine_tps, --user_tps, --tpot_ms or --forward_ms";
constexpr absl::string_view kPrefillFlags = "--ttft_ms or --prefill_forward_ms";
constexpr absl::string_view kSeedPrefillDeployment = "deployments/seed_prefill.textproto";

// SeedRoot() is where the seed's data files are: the binary's runfiles when it
// has them (run from bazel-bin), else the current directory (`bazel run` and
// tests start in the runfiles' workspace root).
std::string SeedRoot(const std::string& argv0) {
  const std::string root = absl::StrCat(argv0, ".runfiles/perfmodel");
  std::error_code error;
  return std::filesystem::is_directory(root, error) ? root : "";
}

// Stray() is an error for a flag given without the row it belongs to.
absl::Status Stray(GivenFlag flag, absl::string_view row, absl::string_view needs) {
  if (!flag.given) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag.name, ": applies to ", row, "; give ", needs, " too"));
}

// PredictPrefill() is the prefill row EstimatePrefill() gives for the
// --predict_prefill files and overrides.
absl::StatusOr<render::Record> PredictPrefill(std::optional<int64_t> batch_per_dp,
                                              std::optional<int64_t> prompt_tokens,
                                              std::optional<double> host_gap_ms) {
  SetupPaths paths{.deployment = std::string(kSeedPrefillDeployment),
                   .workload = absl::GetFlag(FLAGS_workload)};
  if (const std::string m = absl::GetFlag(FLAGS_model); !m.empty()) paths.model = m;
  if (const std::string h = absl::GetFlag(FLAGS_hw); !h.empty()) paths.hardware = h;
  if (const std::string d = absl::GetFlag(FLAGS_deployment); !d.empty()) paths.deployment = d;
  std::optional<Duration> host_gap;
  if (host_gap_ms.has_value()) {
    if (!(*host_gap_ms >= 0.0) || !std::isfinite(*host_gap_ms)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--prefill_host_gap_ms: must be a finite number >= 0, got ", *host_gap_ms));
    }
    host_gap = Milliseconds(*host_gap_ms);
  }
  PM_ASSIGN_OR_RETURN(Setup setup, LoadSetup(paths));
  PM_RETURN_IF_ERROR(ApplyOverrides({.batch_per_dp = batch_per_dp,
                                     .host_gap = host_gap,
                                     .phase = Phase::kPrefill,
                                     .prompt_tokens = prompt_tokens,
                                     .chunk_tokens = absl::GetFlag(FLAGS_chunk_tokens),
                                     .prefix_cache_hit = absl::GetFlag(FLAGS_prefix_cache_hit)},
                                    setup.workload));
  PM_RETURN_IF_ERROR(ValidateWorkloadFor(setup.model, setup.workload, "flags"));
  const StepResult r =
      EstimatePrefill(setup.model, setup.hardware.spec, setup.deployment, setup.workload);
  PM_RETURN_IF_ERROR(CheckMemory(setup, r));
  return PredictedPrefillRecord(setup, r);
}

absl::Status Run(const ToolContext& context, ToolOutput& out) {
  const std::optional<double> machine_tps = absl::GetFlag(FLAGS_machine_tps);
  const std::optional<double> user_tps = absl::GetFlag(FLAGS_user_tps);
  const std::optional<double> tpot_ms = absl::GetFlag(FLAGS_tpot_ms);
  const std::optional<double> forward_ms = absl::GetFlag(FLAGS_forward_ms);
  const std::optional<int64_t> dp = absl::GetFlag(FLAGS_dp);
  const std::optional<int64_t> batch_per_dp = absl::GetFlag(FLAGS_batch_per_dp);
  const std::optional<double> accept = absl::GetFlag(FLAGS_accept);
  const std::optional<double> host_gap_ms = absl::GetFlag(FLAGS_host_gap_ms);
  const std::optional<double> ttft_ms = absl::GetFlag(FLAGS_ttft_ms);
  const std::optional<double> prefill_forward_ms = absl::GetFlag(FLAGS_prefill_forward_ms);
  const std::optional<int64_t> prompt_tokens = absl::GetFlag(FLAGS_prompt_tokens);
  const std::optional<double> prefill_host_gap_ms = absl::GetFlag(FLAGS_prefill_host_gap_ms);
  const bool predict = absl::GetFlag(FLAGS_predict_prefill);
  const render::Format format = absl::GetFlag(FLAGS_format);

  for (const GivenFlag& f :
       {GivenFlag{"model", !absl::GetFlag(FLAGS_model).empty()},
        GivenFlag{"hw", !absl::GetFlag(FLAGS_hw).empty()},
        GivenFlag{"deployment", !absl::GetFlag(FLAGS_deployment).empty()},
        GivenFlag{"workload", !absl::GetFlag(FLAGS_workload).empty()},
        GivenFlag{"chunk_tokens", absl::GetFlag(FLAGS_chunk_tokens).has_value()},
        GivenFlag{"prefix_cache_hit", absl::GetFlag(FLAGS_prefix_cache_hit).has_value()}}) {
    PM_RETURN_IF_ERROR(OnlyWith(f, {"predict_prefill", predict}));
  }

  PM_ASSIGN_OR_RETURN(const absl::string_view rate,
                      AtMostOneFlag({{"machine_tps", machine_tps.has_value()},
                                     {"user_tps", user_tps.has_value()},
                                     {"tpot_ms", tpot_ms.has_value()},
                                     {"forward_ms", forward_ms.has_value()}}));
  PM_ASSIGN_OR_RETURN(const absl::string_view time,
                      AtMostOneFlag({{"ttft_ms", ttft_ms.has_value()},
                                     {"prefill_forward_ms", prefill_forward_ms.has_value()},
                                     {"predict_prefill", predict}}));
  if (rate.empty() && time.empty()) {
    // Shape flags alone compute nothing; no flags at all: the seed's rows.
    for (const GivenFlag& f :
         {GivenFlag{"dp", dp.has_value()}, GivenFlag{"batch_per_dp", batch_per_dp.has_value()},
          GivenFlag{"accept", accept.has_value()},
          GivenFlag{"host_gap_ms", host_gap_ms.has_value()},
          GivenFlag{"prompt_tokens", prompt_tokens.has_value()},
          GivenFlag{"prefill_host_gap_ms", prefill_host_gap_ms.has_value()}}) {
      if (!f.given) continue;
      return absl::InvalidArgumentError(
          absl::StrCat("--", f.name, ": nothing to compute; give a decode rate (", kDecodeFlags,
                       ") or a prefill time (", kPrefillFlags, ")"));
    }
    PM_ASSIGN_OR_RETURN(const render::Document doc,
                        SeedDocument(SeedFiles{.root = SeedRoot(context.program)}));
    out.Print(render::Render(doc, format));
    return absl::OkStatus();
  }
  if (rate.empty()) {
    PM_RETURN_IF_ERROR(Stray({"accept", accept.has_value()}, "decode", kDecodeFlags));
    PM_RETURN_IF_ERROR(Stray({"host_gap_ms", host_gap_ms.has_value()}, "decode", kDecodeFlags));
  }
  if (time.empty()) {
    PM_RETURN_IF_ERROR(
        Stray({"prompt_tokens", prompt_tokens.has_value()}, "prefill", kPrefillFlags));
    PM_RETURN_IF_ERROR(
        Stray({"prefill_host_gap_ms", prefill_host_gap_ms.has_value()}, "prefill", kPrefillFlags));
  }

  SlaQuery query;
  if (!rate.empty()) {
    PM_RETURN_IF_ERROR(RequireFlag({"dp", dp.has_value()}, rate));
    PM_RETURN_IF_ERROR(RequireFlag({"batch_per_dp", batch_per_dp.has_value()}, rate));
    const DecodeInput input = machine_tps ? DecodeInput::kMachineTps
                              : user_tps  ? DecodeInput::kUserTps
                              : tpot_ms   ? DecodeInput::kTpotMs
                                          : DecodeInput::kForwardMs;
    query.decode = DecodeQuery{.input = input,
                               .value = machine_tps ? *machine_tps
                                        : user_tps  ? *user_tps
                                        : tpot_ms   ? *tpot_ms
                                                    : *forward_ms,
                               .dp = *dp,
                               .batch_per_dp = *batch_per_dp,
                               .accept = accept.value_or(1.0),
                               .host_gap_ms = host_gap_ms.value_or(0.0)};
  }
  if (predict) {
    // The deployment gives the prefill's DP ranks. With a decode row too,
    // --dp and --batch_per_dp are the decode row's, and the prefill keeps the
    // workload's batch.
    if (rate.empty() && dp.has_value()) {
      return absl::InvalidArgumentError(
          "--dp: not used by --predict_prefill: the deployment gives the DP ranks per machine");
    }
    PM_ASSIGN_OR_RETURN(
        render::Record prefill,
        PredictPrefill(rate.empty() ? batch_per_dp : std::nullopt, prompt_tokens,
                       prefill_host_gap_ms));
    render::Document doc;
    if (!rate.empty()) {
      PM_ASSIGN_OR_RETURN(doc, SlaDocument(query));
    }
    doc.Add(std::move(prefill));
    out.Print(render::Render(doc, format));
    return absl::OkStatus();
  }
  if (!time.empty()) {
    PM_RETURN_IF_ERROR(RequireFlag({"prompt_tokens", prompt_tokens.has_value()}, time));
    PM_RETURN_IF_ERROR(RequireFlag({"dp", dp.has_value()}, time));
    PM_RETURN_IF_ERROR(RequireFlag({"batch_per_dp", batch_per_dp.has_value()}, time));
    query.prefill =
        PrefillQuery{.input = ttft_ms ? PrefillInput::kTtftMs : PrefillInput::kPrefillForwardMs,
                     .value_ms = ttft_ms ? *ttft_ms : *prefill_forward_ms,
                     .prompt_tokens = *prompt_tokens,
                     .dp = *dp,
                     .batch_per_dp = *batch_per_dp,
                     .prefill_host_gap_ms = prefill_host_gap_ms.value_or(0.0)};
  }
  PM_ASSIGN_OR_RETURN(const render::Document doc, SlaDocument(query));
  out.Print(render::Render(doc, format));
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

PERFMODEL_TOOL_MAIN(
    perfmodel::Run,
    {.name = "sla",
     .usage = "SLA math both ways. Decode: one of --machine_tps, --user_tps, --tpot_ms "
              "(targets) or --forward_ms (measured), with --dp, --batch_per_dp [--accept] "
              "[--host_gap_ms]. Prefill: --ttft_ms or --prefill_forward_ms, with "
              "--prompt_tokens, --dp, --batch_per_dp [--prefill_host_gap_ms]; or "
              "--predict_prefill [--model --hw --deployment --workload --batch_per_dp "
              "--prompt_tokens --chunk_tokens --prefix_cache_hit --prefill_host_gap_ms] for the "
              "cost model's row. No flags: the seed's target and measured rows. "
              "--format=text|markdown|csv|json."})
