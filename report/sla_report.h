// File: report/sla_report.h
// -----------------------------------------------------------------------------
//
// The logic of `bazel run //tools:sla`: SLA rows (perfmodel/sla.h) as a
// render::Document, from what the tool was given, so its main only checks
// which flags combine and prints, and everything here is unit-tested.
//
// A decode row comes from one input (a target machine or per-user rate, a
// target TPOT, or a measured forward time) and the shape (dp, batch_per_dp;
// accept defaults to 1, host_gap_ms to 0). A prefill row comes from a TTFT
// target or a measured prefill forward, with prompt_tokens, dp and
// batch_per_dp. Both may be asked for at once. The seed's two decode rows are
// built from the seed's data files (SeedDocument()).
//
//   SlaQuery q{.decode = DecodeQuery{.input = DecodeInput::kMachineTps, .value = 11520,
//                                    .dp = 8, .batch_per_dp = 24, .accept = 2.3}};
//   absl::StatusOr<render::Document> doc = SlaDocument(q);
//   render::Render(*doc, render::Format::kJson);
//   // {"direction": "target", "machine_output_tps": 11520, "user_output_tps": 60.00,
//   //  "tpot_ms": 16.67, "forward_ms": 38.33, "host_gap_ms": 0.00, "dp": 8, ...}
//   // With .input = kForwardMs, .value = 28.5:
//   // tpot_ms 12.39, user_output_tps 80.70, machine_output_tps 15495
//
// Every error is InvalidArgument (or the loader's status for a seed file) and
// its message starts with the field it is about ("dp: must be >= 1, got 0");
// the tool names its flag.

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

// What a decode row is computed from. DecodeInputName() is the field its
// errors name: "machine_tps", "user_tps" (tokens/s), "tpot_ms", "forward_ms"
// (ms).
enum class DecodeInput { kMachineTps, kUserTps, kTpotMs, kForwardMs };
absl::string_view DecodeInputName(DecodeInput input);

struct DecodeQuery final {
  DecodeInput input = DecodeInput::kMachineTps;
  double value = 0.0;  // in the input's unit: tokens/s or ms
  int64_t dp = 0;      // attention data-parallel ranks per machine
  int64_t batch_per_dp = 0;
  double accept = 1.0;       // accepted tokens per request per step
  double host_gap_ms = 0.0;  // between decode forwards; counts in TPOT
};

// What a prefill row is computed from: "ttft_ms" (a target) or
// "prefill_forward_ms" (a measurement), PrefillInputName().
enum class PrefillInput { kTtftMs, kPrefillForwardMs };
absl::string_view PrefillInputName(PrefillInput input);

struct PrefillQuery final {
  PrefillInput input = PrefillInput::kTtftMs;
  double value_ms = 0.0;
  int64_t prompt_tokens = 0;
  int64_t dp = 0;
  int64_t batch_per_dp = 0;
  double prefill_host_gap_ms = 0.0;  // before the prefill forward; counts in TTFT
};

// The rows asked for; at least one.
struct SlaQuery final {
  std::optional<DecodeQuery> decode = std::nullopt;
  std::optional<PrefillQuery> prefill = std::nullopt;
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

// SlaDocument() checks `query` and returns one record per row asked for: a
// lone decode or prefill row, or sections "decode" and "prefill". Errors:
// InvalidArgument naming the field for a non-positive or non-finite value,
// for a host gap that leaves no forward budget, for dp x batch_per_dp (x
// prompt_tokens) overflowing int64, and for a query with no row.
[[nodiscard]] absl::StatusOr<render::Document> SlaDocument(const SlaQuery& query);

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
render::Record DecodeRecord(const DecodeSla& sla, absl::string_view direction, std::string name,
                            std::string title);

// PrefillRecord() is the record of one prefill row. Keys: direction, ttft_ms,
// prefill_forward_ms, prefill_host_gap_ms, prompt_tokens, dp, batch_per_dp,
// rank_prefill_tps, machine_prefill_tps.
render::Record PrefillRecord(const PrefillSla& sla, absl::string_view direction, std::string name,
                             std::string title);

}  // namespace perfmodel

#endif  // REPORT_SLA_REPORT_H_
