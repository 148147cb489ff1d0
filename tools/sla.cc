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
// Bad, conflicting or missing flags: one line on stderr naming the flag, exit 2
// (cli/cli.h). Which flags combine is checked here; the values by
// report/sla_report.h, whose errors name the field (= the flag).

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
#include "report/render.h"
#include "report/sla_report.h"

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
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "output format: text, markdown, csv or json");

namespace perfmodel {
namespace {

constexpr absl::string_view kDecodeFlags = "--machine_tps, --user_tps, --tpot_ms or --forward_ms";
constexpr absl::string_view kPrefillFlags = "--ttft_ms or --prefill_forward_ms";

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
  const render::Format format = absl::GetFlag(FLAGS_format);

  PM_ASSIGN_OR_RETURN(const absl::string_view rate,
                      AtMostOneFlag({{"machine_tps", machine_tps.has_value()},
                                     {"user_tps", user_tps.has_value()},
                                     {"tpot_ms", tpot_ms.has_value()},
                                     {"forward_ms", forward_ms.has_value()}}));
  PM_ASSIGN_OR_RETURN(const absl::string_view time,
                      AtMostOneFlag({{"ttft_ms", ttft_ms.has_value()},
                                     {"prefill_forward_ms", prefill_forward_ms.has_value()}}));
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

int main(int argc, char* argv[]) {
  return perfmodel::RunTool(
      argc, argv,
      {.name = "sla",
       .usage = "SLA math both ways. Decode: one of --machine_tps, --user_tps, --tpot_ms "
                "(targets) or --forward_ms (measured), with --dp, --batch_per_dp [--accept] "
                "[--host_gap_ms]. Prefill: --ttft_ms or --prefill_forward_ms, with "
                "--prompt_tokens, --dp, --batch_per_dp [--prefill_host_gap_ms]. No flags: the "
                "seed's target and measured rows. --format=text|markdown|csv|json."},
      perfmodel::Run);
}
