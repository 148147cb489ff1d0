// File: report/sla_report.h
// -----------------------------------------------------------------------------
//
// The logic of `bazel run //tools:sla`: checks the tool's flags and turns them
// into SLA rows (perfmodel/sla.h) as a render::Document, so the tool's main is
// only flag parsing and printing, and everything here is unit-tested.
//
// A decode row comes from exactly one of a target rate (--machine_tps,
// --user_tps, --tpot_ms) or a forward time (--forward_ms), with the shape
// (--dp, --batch_per_dp required; --accept defaults to 1, --host_gap_ms to 0).
// A prefill row comes from --ttft_ms (a target) or --prefill_forward_ms (a
// measurement), with --prompt_tokens, --dp and --batch_per_dp. Both may be
// asked for at once. With no flags at all, the seed's two decode rows are
// built from the seed's data files (SeedFiles).
//
//   SlaFlags f{.machine_tps = 11520, .dp = 8, .batch_per_dp = 24, .accept = 2.3};
//   absl::StatusOr<render::Document> doc = SlaDocument(f);
//   render::Render(*doc, render::Format::kJson);
//   // {"direction": "target", "machine_output_tps": 11520, "user_output_tps": 60.00,
//   //  "tpot_ms": 16.67, "forward_ms": 38.33, "host_gap_ms": 0.00, "dp": 8, ...}
//   SlaFlags m{.forward_ms = 28.5, .dp = 8, .batch_per_dp = 24, .accept = 2.3};
//   // tpot_ms 12.39, user_output_tps 80.70, machine_output_tps 15495
//   SlaFlags bad{.machine_tps = 11520, .forward_ms = 28.5, .dp = 8, .batch_per_dp = 24};
//   // SlaDocument(bad): InvalidArgument "--forward_ms: conflicts with --machine_tps; ..."
//
// Every error is InvalidArgument (or the loader's status for a seed file) and
// its message starts with the flag it is about: "--dp: required with ...".

#ifndef REPORT_SLA_REPORT_H_
#define REPORT_SLA_REPORT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "perfmodel/sla.h"
#include "report/render.h"

namespace perfmodel {

// The tool's flags; an empty optional is a flag not given.
struct SlaFlags final {
  // Decode: one of these four.
  std::optional<double> machine_tps = std::nullopt;  // tokens/s summed over the machine's users
  std::optional<double> user_tps = std::nullopt;     // tokens/s one user sees
  std::optional<double> tpot_ms = std::nullopt;      // time per output token
  std::optional<double> forward_ms = std::nullopt;   // a measured or simulated forward
  // Shape, shared by decode and prefill.
  std::optional<int64_t> dp = std::nullopt;
  std::optional<int64_t> batch_per_dp = std::nullopt;
  // Decode only.
  std::optional<double> accept = std::nullopt;       // accepted tokens per step; 1 if not given
  std::optional<double> host_gap_ms = std::nullopt;  // between decode forwards; 0 if not given
  // Prefill: one of these two, with prompt_tokens.
  std::optional<double> ttft_ms = std::nullopt;
  std::optional<double> prefill_forward_ms = std::nullopt;
  std::optional<int64_t> prompt_tokens = std::nullopt;
  std::optional<double> prefill_host_gap_ms = std::nullopt;  // 0 if not given

  // empty() is true when no flag is given (the tool then prints the seed rows).
  bool empty() const;
};

// The data files the no-flag default reads, relative to `root` (the workspace
// root; empty: the current directory, which it is for tests and `bazel run`).
struct SeedFiles final {
  std::string root = {};
  std::string sla_targets = "deployments/seed_sla.textproto";
  std::string deployment = "deployments/seed_decode.textproto";
  std::string workload = "workloads/seed_decode.textproto";
  std::string hardware = "hw/h200_sxm.textproto";
  std::string baseline = "baselines/seed_measured.textproto";
};

// SlaDocument() checks `flags` and returns one record per row asked for: a
// lone decode or prefill row, or sections "decode" and "prefill". Empty flags
// give SeedDocument(seed). Errors: InvalidArgument naming the flag for a
// missing, conflicting, stray (a decode-only flag without a decode row, ...),
// non-positive or non-finite value, for a host gap that leaves no forward
// budget, and for dp x batch_per_dp (x prompt_tokens) overflowing int64.
[[nodiscard]] absl::StatusOr<render::Document> SlaDocument(const SlaFlags& flags,
                                                           const SeedFiles& seed = {});

// SeedDocument() rebuilds the seed analysis's two decode rows from its data
// files: section "target" from the SLA targets (machine, user or TPOT rate)
// and section "measured" from the baseline's forward_ms, both with the
// workload's batch_per_dp and accepted tokens per step, and the deployment's
// DP ranks per machine (GPUs per machine / attention TP). Like the seed, neither row counts
// the host gap; the measured row's note says so and gives the baseline's gap.
// Errors: the loaders' statuses (they name the file and field), or
// InvalidArgument when the SLA file has no decode rate or the deployment's
// DP ranks do not divide evenly into machines.
[[nodiscard]] absl::StatusOr<render::Document> SeedDocument(const SeedFiles& seed);

// DecodeRecord() is the record of one decode row; `direction` is "target" or
// "measured". Keys: direction, machine_output_tps, user_output_tps, tpot_ms,
// forward_ms, host_gap_ms, dp, batch_per_dp, accepted_tokens_per_step,
// concurrency.
render::Record DecodeRecord(const DecodeSla& sla, absl::string_view direction,
                            std::string name, std::string title);

// PrefillRecord() is the record of one prefill row. Keys: direction, ttft_ms,
// prefill_forward_ms, prefill_host_gap_ms, prompt_tokens, dp, batch_per_dp,
// rank_prefill_tps, machine_prefill_tps.
render::Record PrefillRecord(const PrefillSla& sla, absl::string_view direction,
                             std::string name, std::string title);

}  // namespace perfmodel

#endif  // REPORT_SLA_REPORT_H_
