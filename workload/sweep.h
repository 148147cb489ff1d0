// File: workload/sweep.h
// -----------------------------------------------------------------------------
//
// The workload simulator behind `bazel run //tools:sweep`: a decode deployment
// swept over the batch per DP rank under a context-length distribution, with
// the largest batch that meets a per-user SLA and fits in GPU memory.
//
// For each batch b (requests per attention DP rank):
//   * balanced = b x mean context: one rank's Σcontext, as a simulator that
//     puts every request at the mean sees it (and what the rank's memory
//     holds on average);
//   * slowest = E[max over the synchronised ranks of Σcontext], from the
//     imbalance model of perfmodel/context.h (analytic or Monte Carlo);
//   * the step is EstimateDecodeInto(StepShape::Decode(w, b, balanced, slowest)): every
//     op at batch b, attention costed on the slowest rank's Σcontext;
//   * memory must fit on the slowest rank: weights + KV of `slowest` tokens
//     (plus the step's query tokens) + reserve <= HBM capacity.
//
// Which ranks synchronise every layer (SynchronisedRanks()):
//   * a model with MoE layers: all attention_dp ranks (the EP all-to-all of
//     every MoE layer waits for every rank's attention);
//   * a dense model whose dense MLP is tensor-parallel across DP ranks
//     (dense_tp > attention_tp): the dense_tp / attention_tp ranks of one TP
//     group (its all-gather waits for them), at most attention_dp;
//   * otherwise 1: each rank runs at its own pace and the expected step sees
//     the balanced Σcontext.
//
// The SLA target is a per-user output rate (user_tps, or tpot_ms as
// 1 / TPOT). A machine-rate target (machine_output_tps in an SLA file; the
// seed's is 11520 tokens/s) is not a limit on batch at all: the machine rate
// *rises* with batch. Such a target is converted to per-user with the
// deployment file's batch_per_dp and the machine's DP ranks, as the SLA file
// means it (the seed's 11520 / (8 x 24) = 60 tokens/s per user), and the
// record says so.
//
// The largest batch meeting the SLA is the largest b such that every batch
// from batch_min to b meets it (a server admitting up to b requests runs at
// every batch below b as requests come and go). The cost model's step time is
// monotone non-decreasing in batch on the repo's deployments (sweep_lib_test
// checks every batch; a kernel library's tile switch can make one GEMM, and
// in principle a step, faster at more rows, as the library's own does), so the default
// search is bisection, O(log range); SlaSearch::kScan walks
// batch_min, batch_min + 1, ... up to the first batch that misses, the exact
// definition, for checking (the test holds the two equal). The largest batch
// that fits in memory is found by bisection: memory grows with the slowest rank's Σcontext, which
// grows with batch (checked on every batch of the repo's deployments). The answer is the smaller of
// the two; `binding_limit` says which ("sla", "memory", "sla+memory" when both stop at the same
// batch, or "batch_max" when neither binds in the range).
//
// Cost (benchmarks/sweep_benchmark.cc, one shared 2-core machine, CPU time):
// the seed with a fixed context, ~60 us with the scan (37 estimates to the
// limit, 3 more for the table) and ~21 us with bisection; a 10,000-length
// empirical distribution adds one AnalyticImbalance() (~20 us here) per batch
// evaluated, ~0.7 ms in all; Monte Carlo with 100 trials, ~90 ms.
//
// Example (the seed: DeepSeek-V3 on H200, 64 DP ranks, fixed 4K context,
// the seed's SLA file):
//
//   absl::StatusOr<Setup> setup = LoadSetup({});
//   absl::StatusOr<SweepConfig> config = MakeSweepConfig(SweepOptions{}, *setup);
//   absl::StatusOr<SweepResult> r = RunSweep(*setup, *config);
//   // config->sla.user_output_tps: 60 tokens/s (11520 / (8 x 24))
//   // r->max_batch == 36, r->binding == BindingLimit::kSla,
//   // r->at_max->user_output_tps: 61.26 tokens/s (batch 37: 59.98);
//   // r->memory_batch == 256 (all of batch_max fits in 141 GB)
//   render::Render(SweepDocument(*setup, *config, *r), render::Format::kText);
//   std::string svg = SweepSvg(*setup, *config, *r);  // report/svg_plot.h

#ifndef WORKLOAD_SWEEP_H_
#define WORKLOAD_SWEEP_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "perfmodel/context.h"
#include "perfmodel/graph.h"
#include "perfmodel/units.h"
#include "report/render.h"
#include "report/step_report.h"

namespace perfmodel {

// The SLA file read when no target is given.
inline constexpr absl::string_view kSeedSlaFile = "deployments/seed_sla.textproto";
// The most rows a batch_step may ask for.
inline constexpr int64_t kMaxSweepRows = 10000;

enum class ImbalanceModel { kAnalytic, kMonteCarlo };

// How the SLA limit is searched (see the header comment).
enum class SlaSearch { kScan, kBisection };

// ImbalanceModelName(): "analytic", "montecarlo"; SlaSearchName(): "scan",
// "bisection" (cli/choice_flags.h parses them as flags).
inline constexpr std::array<ImbalanceModel, 2> kImbalanceModels = {ImbalanceModel::kAnalytic,
                                                                   ImbalanceModel::kMonteCarlo};
inline constexpr std::array<SlaSearch, 2> kSlaSearches = {SlaSearch::kScan, SlaSearch::kBisection};
absl::string_view ImbalanceModelName(ImbalanceModel m);
absl::string_view SlaSearchName(SlaSearch s);

// What a sweep is asked for, typed; an empty optional or string is not given.
// Field names are the ones MakeSweepConfig()'s errors use.
struct SweepOptions final {
  int64_t batch_min = 1;
  int64_t batch_max = 256;
  std::optional<int64_t> batch_step = std::nullopt;  // every N batches; none: powers of two
  // The SLA target: at most one of these; none: the SLA file kSeedSlaFile.
  std::optional<double> user_tps = std::nullopt;  // output tokens/s per user
  std::optional<double> tpot_ms = std::nullopt;   // time per output token
  std::string sla = {};                           // an SLA targets file
  // The context of one request; none: fixed at the workload's context_tokens.
  std::optional<ContextDistribution> context = std::nullopt;
  std::string context_label = {};  // how `context` was given, e.g. "lognormal:4096:1.0"
  std::optional<int64_t> cap = std::nullopt;  // cap every context at N tokens
  int64_t decode_growth = 0;  // requests at prompt + U(0, N) decoded tokens; 0: prompt only
  ImbalanceModel imbalance = ImbalanceModel::kAnalytic;
  int64_t trials = 1000;  // Monte Carlo steps per batch
  uint64_t seed = 1;      // Monte Carlo seed
  SlaSearch search = SlaSearch::kScan;
};

// A per-user decode target and where it came from.
struct SlaTarget final {
  TokensPerSecond user_output_tps;
  std::string source;  // e.g. "user_tps", or the file and its conversion
};

// Everything a sweep needs besides the setup; made by MakeSweepConfig().
struct SweepConfig final {
  ContextDistribution context;
  std::string context_spec;  // as given, e.g. "lognormal:4096:1" (+ cap and growth)
  int64_t batch_min = 1;
  int64_t batch_max = 256;
  int64_t batch_step = 0;
  SlaTarget sla;
  ImbalanceModel imbalance = ImbalanceModel::kAnalytic;
  int64_t trials = 1000;
  uint64_t seed = 1;
  SlaSearch search = SlaSearch::kBisection;
  // Points for the plot (SweepResult::curve): 0 for none; else up to this
  // many batches spread over the range (Monte Carlo: the table's rows only).
  int64_t curve_points = 0;
};

// MakeSweepConfig() checks `options` against the loaded setup. Errors
// (InvalidArgument; the SLA file's loader's status) start with the field they
// are about: batch_min (>= 1, <= batch_max), batch_max (<= 2^20), batch_step
// (>= 1, at most kMaxSweepRows rows), user_tps / tpot_ms (positive finite; at
// most one target among them and sla), sla (the loader's error, or a file
// without a decode rate), cap (>= 1), decode_growth (>= 0), imbalance
// (analytic covers at most kMaxAnalyticDp synchronised ranks), trials (>= 2).
// E.g. "batch_min: 300 is above batch_max (256)".
[[nodiscard]] absl::StatusOr<SweepConfig> MakeSweepConfig(const SweepOptions& options,
                                                          const Setup& setup);

// SynchronisedRanks() is how many DP ranks wait for each other every layer
// (see the header comment).
int64_t SynchronisedRanks(const ModelSpec& model, const DeploymentSpec& deployment);

// AttentionPart() is the part whose "attention" row the sweep reports: MoE
// when the model has MoE layers, else dense.
Part AttentionPart(const ModelSpec& model);

// One batch of the sweep.
struct BatchPoint final {
  int64_t batch = 0;        // requests per DP rank
  int64_t concurrency = 0;  // requests per machine: DP ranks per machine x batch
  Tokens balanced;          // one rank's mean Σcontext: batch x mean
  Tokens slowest;           // E[max over synchronised ranks of Σcontext]
  Tokens slowest_stderr;    // Monte Carlo standard error; zero for analytic
  Duration forward;
  Duration tpot;
  TokensPerSecond user_output_tps;
  TokensPerSecond machine_output_tps;
  // One layer's "attention" row (visible time) of AttentionPart(): at the
  // balanced Σcontext and at the slowest rank's (what the step waits for).
  Duration attention_balanced;
  Duration attention_actual;
  MemoryUse memory;  // per GPU on the slowest rank
  bool meets_sla = false;
  bool fits = false;
};

enum class BindingLimit { kNone, kSla, kMemory, kBoth, kBatchMax };

// BindingLimitName(): "", "sla", "memory", "sla+memory", "batch_max".
absl::string_view BindingLimitName(BindingLimit b);

struct SweepResult final {
  int64_t synchronised_ranks = 1;
  int64_t dp_per_machine = 1;
  std::vector<BatchPoint> rows;   // the table, ascending batch
  std::vector<BatchPoint> curve;  // the plot's points, ascending batch
  // Largest batch in range meeting the SLA / fitting in memory; batch_min - 1
  // when even batch_min fails.
  int64_t sla_batch = 0;
  int64_t memory_batch = 0;
  // min(sla_batch, memory_batch): the largest batch meeting both; batch_min - 1
  // when none does.
  int64_t max_batch = 0;
  BindingLimit binding = BindingLimit::kNone;
  std::optional<BatchPoint> at_max;  // the point at max_batch, when there is one
};

// SweepBatches() is the table's batches: with step 0, batch_min, the powers
// of two strictly inside the range and batch_max; with step s, batch_min,
// batch_min + s, ... and batch_max. Both add `extra` batches that lie in the
// range. Ascending, without repeats.
std::vector<int64_t> SweepBatches(int64_t batch_min, int64_t batch_max, int64_t step,
                                  const std::vector<int64_t>& extra);

// LargestTrue() is the largest b in [lo, hi] with pred(b), for a predicate
// that is true up to some batch and false after it; lo - 1 when pred(lo) is
// false. Calls pred O(log(hi - lo)) times.
int64_t LargestTrue(int64_t lo, int64_t hi, absl::FunctionRef<bool(int64_t)> pred);

// Sweeper evaluates batches of one setup and config, reusing one StepResult
// and remembering each batch's rank imbalance (an analytic one costs ~10 us;
// Monte Carlo draws one MonteCarloImbalanceCurve, trials x ranks draws per
// batch up to the largest evaluated). It refers to `setup` and
// `config`, which must outlive it.
class Sweeper final {
 public:
  Sweeper(const Setup& setup, const SweepConfig& config);

  // Evaluate() fills `p` for `batch` (in [1, 2^20]). With `attention_balanced`
  // false and imbalanced ranks, p.attention_balanced is left zero (one
  // estimate instead of two; the searches need only the actual step).
  // Errors: the imbalance model's.
  [[nodiscard]] absl::Status Evaluate(int64_t batch, bool attention_balanced, BatchPoint& p);

  // Memory() is the memory per GPU of the slowest rank at `batch`, without
  // estimating the step. Errors: the imbalance model's.
  [[nodiscard]] absl::Status Memory(int64_t batch, MemoryUse& memory);

  int64_t synchronised_ranks() const { return ranks_; }
  // last_step() is the step the last Evaluate() estimated (at the balanced
  // Σcontext when it estimated that too).
  const StepResult& last_step() const { return step_; }

 private:
  absl::Status Imbalance(int64_t batch, RankImbalance& out);

  const Setup& setup_;
  const SweepConfig& config_;
  absl::flat_hash_map<int64_t, RankImbalance> imbalance_;
  std::optional<MonteCarloImbalanceCurve> curve_;  // --imbalance=montecarlo, drawn on first use
  WorkloadSpec workload_;
  StepPlan plan_;  // PlanStep() of the setup: every estimate's
  int64_t ranks_ = 1;
  Part part_ = Part::kMoe;
  StepResult step_;
};

// RunSweep() finds the SLA and memory limits and evaluates the table's batches
// (and the plot's, when config.curve_points > 0); see the header comment.
// Errors: the imbalance model's.
[[nodiscard]] absl::StatusOr<SweepResult> RunSweep(const Setup& setup, const SweepConfig& config);

// SweepDocument() renders a sweep: record "setup", record "max_concurrency"
// (batch_per_dp, concurrency, binding_limit, sla_limit_batch,
// memory_limit_batch, user_output_tps, machine_output_tps, tpot_ms,
// forward_ms, memory_total_gb, headroom_gb; empty where no batch qualifies),
// table "sweep" (one row per batch).
render::Document SweepDocument(const Setup& setup, const SweepConfig& config,
                               const SweepResult& result);

// SweepSvg() plots result.curve (or the rows when it is empty): per-user and
// machine tokens/s against batch in two panels, with the SLA line and the
// max-concurrency point. A standalone SVG document.
std::string SweepSvg(const Setup& setup, const SweepConfig& config, const SweepResult& result);

}  // namespace perfmodel

#endif  // WORKLOAD_SWEEP_H_
