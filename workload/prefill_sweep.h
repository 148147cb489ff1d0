// File: workload/prefill_sweep.h
// -----------------------------------------------------------------------------
//
// The prefill side of `bazel run //tools:sweep -- --phase=prefill`: a prefill
// (P) deployment swept over the prompts per DP rank that arrive together,
// with the largest batch whose TTFT meets a target and that fits in GPU
// memory, and the P node under Poisson load: TTFT at an arrival rate and the
// largest arrival rate a TTFT percentile target allows.
//
// The batch sweep. For each batch b (prompts per attention DP rank, all of
// `prompt_tokens`, arriving together), EstimatePrefill() of the workload at
// batch_per_dp = b (perfmodel/forward_step.h: the forwards of PlanPrefill(),
// chunked or not, a host gap before each):
//   * ttft = Σ forwards + host gaps: the batch's last prompt's TTFT with no
//     queueing (PrefillSla::ttft);
//   * prompt tokens/s per rank (b x prompt / ttft) and per machine (x DP
//     ranks per machine, StepResult::dp_per_machine);
//   * memory per GPU: weights + every prompt's KV cache + reserve + the
//     largest forward's workspace (MemoryUse::activations).
// The largest batch meeting the target is the largest b such that every
// batch from batch_min to b has ttft <= target (a rank admitting up to b
// prompts at once runs every smaller batch too); likewise for fitting in
// memory. Prefill time is monotone non-decreasing in batch within each
// parity, not across it: under two micro-batches an even batch splits by
// sequences and an odd one within each sequence, which on the seed
// unchunked costs more from b = 45 on (t(45) = 17.44 s > t(46) = 17.42 s).
// prefill_sweep_test checks t(b) >= t(b - 2) on the seed over 1..256,
// chunked and not. Then "every batch up to b meets" is "b and b - 1 meet",
// which holds up to the limit and not after, so the default TTFT search
// bisects on that (SlaSearch::kBisection, O(log range)); SlaSearch::kScan
// walks up from batch_min to the first miss, the exact definition (the test
// holds the two equal, with targets inside the non-monotone range). Memory
// is not monotone even within a parity (an odd packed forward's workspace can
// exceed the next even one's: chunk 16384 at a 50 % hit, 7 prompts need
// 119.37 GB per GPU, 9 need 119.13), so its limit is always the scan, which
// ends at the first batch that does not fit: within (HBM - weights -
// reserve) / (one prompt's KV cache) + 1 batches (~100 on the seed), each
// one EstimatePrefill() of ~30 us (`sweep --phase=prefill --quantiles=4096
// --context=uniform:1:100000`, 4096 estimates, takes 0.11 s of CPU on the
// shared 2-core host). The answer is the smaller; `binding_limit` says
// which: "ttft", "memory", "ttft+memory" (both stop at the same batch) or
// "batch_max" (neither binds in range).
//
// TTFT under load (perfmodel/ttft.h, an M/G/1 queue on one P rank). The
// prompt length is a distribution (default: fixed at prompt_tokens); its
// `quantiles` midpoint quantiles p_i = (i + 1/2) / n (default 64) stand for
// it, each clamped to [1, the model's max_context_tokens]. A prompt's service
// time is EstimatePrefill() of that one prompt alone on a rank (batch_per_dp =
// 1, the workload's chunk_tokens and prefix_cache_hit): the rank is one
// server working through whole prompts first come first served, as ttft.h
// models it (batching long prompts changes prompt tokens/s little: the batch
// table's rank_prefill_tps shows by how much). TTFT = wait + prefill +
// `extra`, where extra is, for disaggregated serving (the default), the
// transfer of the prompt's KV cache to a decode node: KV bytes per token per
// GPU (ForwardStep::KvBytesPerToken(); each GPU sends its own share over its
// own NIC) x prompt tokens / scale_out_bandwidth + scale_out_latency. The
// whole prompt's KV is sent, prefix-cached part included (the decode node is
// not assumed to hold it). ttft.h takes one fixed extra: this is the transfer
// of the samples' mean prompt (exact for a fixed length; for a spread of
// lengths the long prompts' transfer is understated by at most
// kv_transfer_longest_ms - kv_transfer_ms, both reported; on the seed a 4K
// prompt's transfer is ~6 ms against a ~440 ms prefill). The transfer does
// not occupy the rank: the GPU starts the next prompt while the NIC sends.
// Arrival rates are per machine (requests/s), split evenly over its DP ranks;
// each rank is modelled alone at its share (no imbalance between ranks).
//
// Example (the seed's P node: DeepSeek-V3 on H200, DP 8 / EP 8, 4K prompts,
// the seed SLA file's TTFT target of 1 s, p90 under load):
//
//   absl::StatusOr<Setup> setup = LoadSetup({.deployment = "deployments/seed_prefill.textproto"});
//   absl::StatusOr<PrefillSweepConfig> config = MakePrefillSweepConfig({}, *setup);
//   absl::StatusOr<PrefillSweepResult> r = RunPrefillSweep(*setup, *config);
//   // r->max_batch == 2, r->binding == BindingLimit::kSla ("ttft"), r->memory_batch == 19
//   // r->at_max->ttft: 807.81 ms (batch 3: 1209.03 ms), machine_prefill_tps 81259
//   // r->load.service: 64 x 439.02 ms (one 4K prompt alone), extra 5.856 ms (KV transfer)
//   // r->load.max_rate.rate: 0.971 prompts/s per rank (utilisation 0.43),
//   //   x 8 ranks = 7.77 requests/s per machine at p90 TTFT = 1 s
//   render::Render(PrefillSweepDocument(*setup, *config, *r), render::Format::kText);

#ifndef WORKLOAD_PREFILL_SWEEP_H_
#define WORKLOAD_PREFILL_SWEEP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "loader/setup.h"
#include "perfmodel/context.h"
#include "perfmodel/graph.h"
#include "perfmodel/ttft.h"
#include "perfmodel/units.h"
#include "report/render.h"
#include "workload/sweep.h"

namespace perfmodel {

// The default and the most prompt-length quantiles under load.
inline constexpr int64_t kDefaultTtftQuantiles = 64;
inline constexpr int64_t kMaxTtftQuantiles = 4096;
// The default TTFT percentile the arrival-rate limit holds.
inline constexpr double kDefaultTtftPercentile = 0.9;

// What a prefill sweep is asked for; an empty optional or string is not
// given. Field names are the ones MakePrefillSweepConfig()'s errors use (and
// //tools:sweep's flags).
struct PrefillSweepOptions final {
  int64_t batch_min = 1;
  int64_t batch_max = 256;
  std::optional<int64_t> batch_step = std::nullopt;  // every N batches; none: powers of two
  // The TTFT target: ttft_ms, or the SLA file's ttft_ms (none: kSeedSlaFile).
  std::optional<double> ttft_ms = std::nullopt;
  std::string sla = {};
  // The prompt length under load; none: fixed at the workload's prompt_tokens.
  std::optional<ContextDistribution> context = std::nullopt;
  std::string context_label = {};  // how `context` was given, e.g. "lognormal:4096:1"
  int64_t quantiles = kDefaultTtftQuantiles;
  std::optional<double> arrival_rate = std::nullopt;  // requests/s per machine
  double ttft_percentile = kDefaultTtftPercentile;
  bool disaggregated = true;  // add the KV-cache transfer to a decode node to TTFT
  SlaSearch search = SlaSearch::kBisection;
};

// A TTFT target and where it came from.
struct TtftTarget final {
  Duration ttft;
  std::string source;  // "ttft_ms", or the SLA file
};

// Everything a prefill sweep needs besides the setup; made by
// MakePrefillSweepConfig().
struct PrefillSweepConfig final {
  int64_t batch_min = 1;
  int64_t batch_max = 256;
  int64_t batch_step = 0;
  TtftTarget target;
  ContextDistribution context;
  std::string context_spec;  // e.g. "fixed:4096 (workload prompt_tokens)"
  int64_t quantiles = kDefaultTtftQuantiles;
  std::optional<Frequency> arrival_rate;  // per machine
  double percentile = kDefaultTtftPercentile;
  bool disaggregated = true;
  SlaSearch search = SlaSearch::kBisection;
};

// MakePrefillSweepConfig() checks `options` against the loaded setup, whose
// workload must be a prefill one. Errors (InvalidArgument, or the SLA file
// loader's status) start with the field: phase (a decode workload),
// prompt_tokens (above the model's max_context_tokens), batch_min (>= 1,
// <= batch_max), batch_max (<= kMaxBatchPerRank), batch_step (>= 1, at most
// kMaxSweepRows rows), ttft_ms (positive finite), sla (conflicts with
// ttft_ms; the loader's error; a file without ttft_ms), context (a
// decode-grown law), quantiles (1..kMaxTtftQuantiles), arrival_rate (finite,
// >= 0), ttft_percentile (in (0, 1)), disaggregated (hardware without
// scale-out bandwidth).
[[nodiscard]] absl::StatusOr<PrefillSweepConfig> MakePrefillSweepConfig(
    const PrefillSweepOptions& options, const Setup& setup);

// One batch of the prefill sweep.
struct PrefillPoint final {
  int64_t batch = 0;                // prompts per DP rank, arriving together
  int64_t prompts_per_machine = 0;  // DP ranks per machine x batch
  int64_t forwards = 0;             // PlanPrefill(): forwards the batch takes
  Duration ttft;                    // Σ forwards + host gaps, no queueing
  Duration forward;                 // Σ forwards
  Duration host_gap;                // Σ host gaps
  TokensPerSecond rank_prefill_tps;
  TokensPerSecond machine_prefill_tps;
  MemoryUse memory;  // per GPU
  bool meets_ttft = false;
  bool fits = false;
};

// PrefillBindingLimitName(): "", "ttft", "memory", "ttft+memory", "batch_max"
// (BindingLimit::kSla is the TTFT target here).
absl::string_view PrefillBindingLimitName(BindingLimit b);

// One arrival rate under load.
struct LoadPoint final {
  Frequency machine_rate;  // requests/s per machine
  TtftStats rank;          // one DP rank at machine_rate / dp_per_machine
  Duration at_percentile;  // the TTFT percentile the target is set at
  bool meets_ttft = false;
  std::string mark;  // "asked", "max", "rho=0.50", ...
};

// The P node under Poisson load.
struct PrefillLoad final {
  std::vector<int64_t> lengths;    // the quantiles' prompt lengths, ascending
  std::vector<Duration> service;   // each one's prefill time alone on a rank
  Tokens mean_prompt;              // mean of `lengths`
  Bytes kv_bytes_per_token;        // per GPU
  // Per GPU, a prompt's whole KV cache averaged over the quantiles: sliding
  // layers keep at most their window of it (KvFootprint::Of()).
  Bytes kv_bytes_per_prompt;
  Duration kv_transfer;            // of the mean prompt: the fixed extra when disaggregated
  Duration kv_transfer_longest;    // of the longest quantile
  Duration extra;                  // kv_transfer, or zero when not disaggregated
  MemoryUse longest_memory;        // the longest quantile alone on a rank
  Frequency rank_saturation;       // 1 / E[service]: utilisation 1
  MaxRate max_rate;                // per rank, at config.percentile
  std::vector<LoadPoint> rows;     // ascending rate: utilisation 0.25 .. 0.9, max, asked
  std::optional<LoadPoint> asked;  // at config.arrival_rate
};

struct PrefillSweepResult final {
  int64_t dp_per_machine = 1;
  std::vector<PrefillPoint> rows;  // the table, ascending batch
  // Largest batch in range meeting the target / fitting in memory;
  // batch_min - 1 when even batch_min fails.
  int64_t ttft_batch = 0;
  int64_t memory_batch = 0;
  int64_t max_batch = 0;  // min of the two
  BindingLimit binding = BindingLimit::kNone;
  std::optional<PrefillPoint> at_max;
  PrefillLoad load;
};

// PrefillSweeper evaluates batches and single prompts of one setup, reusing
// one workload. It refers to `setup`, which must outlive it.
class PrefillSweeper final {
 public:
  explicit PrefillSweeper(const Setup& setup);

  // Evaluate() is the batch of `batch` prompts of the workload's length (in
  // [1, kMaxBatchPerRank]) against `target`.
  PrefillPoint Evaluate(int64_t batch, Duration target);

  // Prompt() is one prompt of `tokens` (clamped to [1, max_context_tokens])
  // alone on a rank.
  StepResult Prompt(int64_t tokens);

  // Clamp() is `tokens` clamped to [1, the model's max_context_tokens (when
  // set)].
  int64_t Clamp(int64_t tokens) const;

 private:
  const Setup& setup_;
  WorkloadSpec workload_;
  StepPlan plan_;  // PlanStep() of the setup: every estimate's
};

// RunPrefillSweep() finds the TTFT and memory limits, evaluates the table's
// batches (SweepBatches() with the limits) and the load; see the header
// comment. Errors: FailedPrecondition when a quantile's prefill time is not
// positive (ValidateTtftInput()).
[[nodiscard]] absl::StatusOr<PrefillSweepResult> RunPrefillSweep(const Setup& setup,
                                                                 const PrefillSweepConfig& config);

// PrefillSweepDocument() renders a prefill sweep: record "setup", record
// "max_batch" (the largest batch and its figures; empty where no batch
// qualifies), table "prefill_sweep" (one row per batch), record "under_load"
// (the largest arrival rate meeting the percentile target, and the asked
// rate's figures), table "load" (one row per arrival rate).
render::Document PrefillSweepDocument(const Setup& setup, const PrefillSweepConfig& config,
                                      const PrefillSweepResult& result);

}  // namespace perfmodel

#endif  // WORKLOAD_PREFILL_SWEEP_H_
