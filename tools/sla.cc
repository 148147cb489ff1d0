// File: tools/sla.cc
// -----------------------------------------------------------------------------
//
// `bazel run //tools:sla -- [flags]`: SLA math both ways (perfmodel/sla.h).
// From a target rate to per-user rate, TPOT and forward budget, or from a
// measured forward time to the SLA it achieves; the same for prefill TTFT.
//
//   $ bazel run //tools:sla -- --machine_tps=11520 --dp=8 --batch_per_dp=24 --accept=2.3
//   # user_output_tps 60.00, tpot_ms 16.67, forward_ms 38.33 (the budget)
//   $ bazel run //tools:sla -- --forward_ms=28.5 --dp=8 --batch_per_dp=24 --accept=2.3 --format=json
//   # {"direction": "measured", "machine_output_tps": 15495, "user_output_tps": 80.70,
//   #  "tpot_ms": 12.39, ...}
//   $ bazel run //tools:sla            # the seed's target and measured rows
//
// Bad, conflicting or missing flags: one line on stderr naming the flag, exit 2.

#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>
#include <optional>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "cli/cli.h"
#include "report/render.h"
#include "report/sla_report.h"

ABSL_FLAG(std::optional<double>, machine_tps, std::nullopt,
          "decode target: output tokens/s summed over all users of one machine");
ABSL_FLAG(std::optional<double>, user_tps, std::nullopt,
          "decode target: output tokens/s one user sees");
ABSL_FLAG(std::optional<double>, tpot_ms, std::nullopt,
          "decode target: time per output token, ms");
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

// SeedRoot() is where the seed's data files are: the binary's runfiles when it
// has them (run from bazel-bin), else the current directory (`bazel run` and
// tests start in the runfiles' workspace root).
std::string SeedRoot(const char* argv0) {
  const std::string root = absl::StrCat(argv0, ".runfiles/perfmodel");
  std::error_code error;
  return std::filesystem::is_directory(root, error) ? root : "";
}

absl::Status Run(const std::vector<char*>& positional) {
  if (positional.size() > 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument \"", positional[1], "\"; flags are --name=value"));
  }
  const SlaFlags flags{
      .machine_tps = absl::GetFlag(FLAGS_machine_tps),
      .user_tps = absl::GetFlag(FLAGS_user_tps),
      .tpot_ms = absl::GetFlag(FLAGS_tpot_ms),
      .forward_ms = absl::GetFlag(FLAGS_forward_ms),
      .dp = absl::GetFlag(FLAGS_dp),
      .batch_per_dp = absl::GetFlag(FLAGS_batch_per_dp),
      .accept = absl::GetFlag(FLAGS_accept),
      .host_gap_ms = absl::GetFlag(FLAGS_host_gap_ms),
      .ttft_ms = absl::GetFlag(FLAGS_ttft_ms),
      .prefill_forward_ms = absl::GetFlag(FLAGS_prefill_forward_ms),
      .prompt_tokens = absl::GetFlag(FLAGS_prompt_tokens),
      .prefill_host_gap_ms = absl::GetFlag(FLAGS_prefill_host_gap_ms),
  };
  absl::StatusOr<render::Document> doc = SlaDocument(flags, SeedFiles{.root = SeedRoot(positional[0])});
  if (!doc.ok()) return doc.status();
  std::cout << render::Render(*doc, absl::GetFlag(FLAGS_format));
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

int main(int argc, char* argv[]) {
  absl::SetProgramUsageMessage(
      "SLA math both ways. Decode: one of --machine_tps, --user_tps, --tpot_ms (targets) or "
      "--forward_ms (measured), with --dp, --batch_per_dp [--accept] [--host_gap_ms]. Prefill: "
      "--ttft_ms or --prefill_forward_ms, with --prompt_tokens, --dp, --batch_per_dp "
      "[--prefill_host_gap_ms]. No flags: the seed's target and measured rows. "
      "--format=text|markdown|csv|json.");
  const std::vector<char*> positional = perfmodel::ParseCommandLineOrExit(argc, argv);
  return perfmodel::ExitCode("sla", perfmodel::Run(positional));
}
