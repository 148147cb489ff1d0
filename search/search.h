// File: search/search.h
// -----------------------------------------------------------------------------
//
// The configuration search behind `bazel run //tools:search`: for one model,
// the deployments (GPU kind, instance size, parallel layout, overlap, KV-cache
// dtype, MTP drafts, prefill chunk) and batches that meet a TTFT and a TPOT
// target, ranked by output tokens/s per GPU, with the Pareto front of tokens/s
// per GPU against tokens/s per user and, for disaggregated serving, the P:D
// ratio that balances the two pools.
//
// What one configuration is. A decode layout L (a DeploymentSpec built from
// the space's template, perfmodel/spec.h) at drafts d and batch b requests per
// attention DP rank; every request at the workload's mean decode context
// (E[input] + E[output] / 2: a request is on average halfway through its
// output). Its step is EstimateDecodeInto() (perfmodel/forward_step.h) plus
// the template workload's host gap; it emits a(d) = MtpAcceptance::
// ExpectedTokens(d) tokens per request per step.
//   * Disaggregated (a D instance): cycle = step. TPOT = cycle / a(d).
//   * Aggregated (one pool): every cycle also prefills the prompts of the
//     requests that finish, in chunks of c tokens. At steady state requests
//     finish at b a(d) / E[output] per rank per cycle, each leaving a prompt
//     of E[input] (1 - hit) new tokens to prefill, so a cycle is the decode
//     step plus that share of one prompt's whole prefill (EstimatePrefill()
//     of one mean prompt at chunk c, its host gaps included):
//       cycle = step + (b a(d) / E[output]) x prefill(prompt, c).
//     The chunk caps a cycle's prefill: b a(d) E[input] (1 - hit) / E[output]
//     <= c, or the pool cannot keep up (pruned: "prefill_backlog"). A prompt
//     takes ceil(E[input] (1 - hit) / c) cycles, and waits half a cycle on
//     average for the first: TTFT = (ceil(...) + 1/2) x cycle.
//   Tokens/s per GPU = b x attention_dp x a(d) / cycle / gpus; per user
//   a(d) / cycle.
//
// The batch. For each layout and drafts, the largest b in [1, batch_max]
// meeting TPOT (and min_user_tps, and the aggregated TTFT and backlog) and
// fitting in memory (weights + KV of b requests at E[input] + E[output] (the
// longest a request gets, on average) + reserve <= HBM) is found by
// bisection (LargestTrue(), workload/sweep.h): step time and memory are
// monotone in batch (checked by workload/sweep_test on the repo's
// deployments, and by this package's brute-force test). Then the batches
// 1, 2, 4, ... below it and it are the layout's points: all meet the
// constraints and trace its per-user / per-GPU trade-off.
//
// Disaggregated P instances. A P layout at chunk c serves prompts one at a
// time per rank (perfmodel/ttft.h's M/G/1 queue, as workload/prefill_sweep.h
// models a P node under Poisson load): service = EstimatePrefill() of one
// prompt at each of `kPromptQuantiles` quantiles of the input law, plus the
// KV transfer to a D node; the largest arrival rate whose TTFT percentile
// meets the target is MaxArrivalRate(). A P instance takes λ_P = rate x
// attention_dp prompts/s; a D point takes λ_D = b x attention_dp x a(d) /
// (cycle x E[output]) requests/s. The balanced system serves λ_D requests/s
// per D instance with λ_D / λ_P P instances, so
//   tokens/s per GPU = E[output] / (g_D / λ_D + g_P / λ_P),
// which the P layout with the least GPU-seconds per prompt (g_P / λ_P)
// maximises for every D point: each GPU kind's best P layout pairs with its
// D points. P:D sizing in whole instances within max_gpus (or for the
// workload's arrival_rate: ceil(rate / λ) of each) is PdSizing().
//
// Pruning. A layout the model or GPU cannot take is counted by reason and
// skipped: the loader's ValidateDeploymentFor() (EP not dividing the
// experts, TP not dividing the heads...: reason "invalid:<field>"), "tp"
// (a degree not dividing the instance), "weights" (weights + reserve over
// HBM), and, for a layout whose batch 1 already misses, the binding
// constraint ("tpot", "min_user_tps", "ttft", "prefill_backlog",
// "memory"), with the nearest miss kept for the message when nothing
// qualifies.
//
// Counts. `estimates` is the step and prefill estimates run;
// `configurations` the (layout, drafts, chunk, batch) points evaluated (one
// per estimate of a decode step).
//
// Example (the default question, searches/default.textproto):
//
//   absl::StatusOr<SearchSpace> space = LoadSearch("searches/default.textproto");
//   absl::StatusOr<SearchResult> r = RunSearch(*space);
//   r->top[0].tokens_per_gpu         // the best configuration's output tokens/s/GPU
//   r->pareto                        // ascending tokens/s per user
//   render::Render(SearchDocument(*space, *r), render::Format::kText);

#ifndef SEARCH_SEARCH_H_
#define SEARCH_SEARCH_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "loader/load.h"
#include "perfmodel/acceptance.h"
#include "perfmodel/context_distribution.h"
#include "perfmodel/spec.h"
#include "perfmodel/units.h"
#include "report/render.h"

namespace perfmodel {

// The search file read when none is given.
inline constexpr absl::string_view kDefaultSearchFile = "searches/default.textproto";
// Quantiles of the input law a P layout's TTFT is computed over.
inline constexpr int64_t kPromptQuantiles = 16;
// Bounds the loader holds (each names its field when exceeded).
inline constexpr int64_t kMaxSearchBatch = 4096;
inline constexpr int64_t kMaxInstanceGpus = 1 << 16;
// The system's GPUs: max_gpus, and what an arrival rate's P:D sizing may take.
inline constexpr int64_t kMaxSearchGpus = int64_t{1} << 20;
inline constexpr int64_t kMaxSearchTop = 10000;

enum class ServingMode : uint8_t { kAggregated, kDisaggregated };
inline constexpr std::array<ServingMode, 2> kServingModes = {ServingMode::kAggregated,
                                                             ServingMode::kDisaggregated};
// ServingModeName(): "aggregated", "disaggregated".
absl::string_view ServingModeName(ServingMode m);

// One phase's layouts: the product of the lists.
struct PhaseSpace final {
  std::vector<int64_t> attention_tp;
  std::vector<int64_t> dense_tp;  // 0: the instance's GPU count
  std::vector<int64_t> moe_tp;
  std::vector<int64_t> redundant_experts;
  std::vector<Overlap> overlap;
  std::vector<std::optional<DType>> kv_cache_dtype;  // nullopt: the model's
  std::vector<int64_t> mtp_draft_tokens;             // decode
  std::vector<int64_t> chunk_tokens;                 // prefill / aggregated; 0: unchunked
  DeploymentSpec deployment;                         // template: reserve, comm SMs, host model
  WorkloadSpec workload;                             // template: host gap, routing
  std::string deployment_path;
  std::string workload_path;
};

struct SearchConstraints final {
  Duration ttft;
  double ttft_percentile = 0.9;
  Duration tpot;
  std::optional<TokensPerSecond> min_user_tps;
};

// A GPU kind of the space.
struct SearchGpu final {
  std::string path;
  LoadedHardware hardware;
};

// Everything a search needs, loaded and checked (LoadSearch()).
struct SearchSpace final {
  std::string name = {};
  std::string path = {};  // the search file
  std::string model_path = {};
  ModelSpec model = {};
  std::vector<SearchGpu> gpus = {};
  std::vector<int64_t> instance_gpus = {};
  int64_t max_gpus = 64;
  std::vector<ServingMode> modes = {};
  PhaseSpace decode = {};
  PhaseSpace prefill = {};
  ContextDistribution input_tokens;  // no empty state: built by ParseSearch()
  ContextDistribution output_tokens;
  std::string input_label = {};
  std::string output_label = {};
  double prefix_cache_hit = 0.0;
  std::optional<Frequency> arrival_rate = {};  // system requests/s
  SearchConstraints constraints = {};
  MtpAcceptance acceptance = {};
  std::string acceptance_source = {};
  int64_t batch_max = 512;
  int64_t top = 10;
  // Threads evaluating decode layouts: 0, one per core (at most 8, at least
  // 16 layouts each); the result is the same for any count.
  int64_t threads = 0;
};

// ParseSearch() reads a search textproto (`origin` names it in errors) and
// loads the files it names (paths resolved with ResolveInput()). Errors name
// the file and the field: an empty list where one is needed ("hardware: at
// least one GPU kind"), a degree < 1, a drafts count above the model's MTP
// modules' acceptance positions, lengths out of range, constraints not
// positive and finite, percentile outside (0, 1), hit outside [0, 1),
// batch_max outside [1, kMaxSearchBatch], max_gpus above kMaxSearchGpus.
[[nodiscard]] absl::StatusOr<SearchSpace> ParseSearch(absl::string_view text,
                                                      absl::string_view origin);
[[nodiscard]] absl::StatusOr<SearchSpace> LoadSearch(absl::string_view path);

// ValidateSearch() re-checks a space after a caller changed it (the tool's
// flags): the same errors, naming `origin` (none when empty: "field: why").
[[nodiscard]] absl::Status ValidateSearch(const SearchSpace& space, absl::string_view origin);

// One evaluated configuration that meets every constraint.
struct Candidate final {
  ServingMode mode = ServingMode::kDisaggregated;
  int64_t gpu = 0;        // index into SearchSpace::gpus
  DeploymentSpec decode;  // the D (or aggregated) instance's layout
  int64_t drafts = 0;
  double accepted = 1.0;  // a(drafts)
  int64_t chunk = 0;      // aggregated: the prefill chunk
  int64_t batch = 0;      // requests per attention DP rank
  Duration step;          // decode forward + host gap
  Duration cycle;         // step + aggregated prefill share
  Duration tpot;
  Duration ttft;  // aggregated: steady state; disaggregated: the P pool's percentile
  TokensPerSecond user_tps;
  TokensPerSecond tokens_per_gpu;  // output tokens/s per GPU, the whole system
  Frequency request_rate;          // requests/s one D (aggregated) instance completes
  Bytes memory_per_gpu;
  // Disaggregated: the P layout paired (index into SearchResult::prefill)
  // and P instances per D instance (λ_D / λ_P).
  int64_t prefill = -1;
  double p_per_d = 0.0;
  bool at_limit = false;  // the layout's largest batch
  std::string binding;    // what stops the batch growing: "tpot", "memory", ...
};

// A disaggregated P layout that meets the TTFT target.
struct PrefillCandidate final {
  int64_t gpu = 0;
  DeploymentSpec deployment;
  int64_t chunk = 0;
  Frequency rank_rate;      // prompts/s per rank at the TTFT percentile target
  Frequency instance_rate;  // x attention_dp
  Duration ttft;            // at that rate, the percentile
  Duration mean_service;    // one prompt alone on a rank
  TokensPerSecond prompt_tokens_per_gpu;
  double gpu_seconds_per_request = 0.0;  // gpus / instance_rate
};

// Whole instances of a P:D pair.
struct PdSizing final {
  int64_t p_instances = 0;
  int64_t d_instances = 0;
  int64_t gpus = 0;
  Frequency request_rate;  // what the pair serves: min(n_P λ_P, n_D λ_D)
  TokensPerSecond tokens_per_gpu;
  std::string basis;  // "max_gpus 64" or "arrival_rate 12.5/s"
};

// PdSizing() sizes a P:D pair: with `arrival_rate`, ceil(rate / λ) instances
// of each; otherwise the whole numbers n_P, n_D >= 1 with n_P g_P + n_D g_D <=
// max_gpus that maximise output tokens/s per GPU (min(n_P λ_P, n_D λ_D) x
// E[output] / GPUs; ties: more requests/s, then fewer P, then fewer D
// instances). gpus == 0 when even one of each exceeds max_gpus, or when the
// arrival rate needs more than kMaxSearchGpus GPUs. O(max_gpus / g_P) pairs
// are costed: for each n_P only the n_D on either side of n_P λ_P / λ_D
// (tokens/s per GPU rises with n_D up to there and falls after).
PdSizing SizePd(Frequency lambda_p, int64_t gpus_p, Frequency lambda_d, int64_t gpus_d,
                Tokens mean_output, int64_t max_gpus, std::optional<Frequency> arrival_rate);

// The nearest miss when nothing qualifies: the constraint, and by how much.
struct NearestMiss final {
  std::string constraint;
  double ratio = 0.0;  // achieved / target (> 1 for a time over its target)
  std::string detail;  // e.g. "tpot 131.2 ms at batch 1 > 100 ms (H200, tp8 ep8 ...)"
};

struct SearchResult final {
  int64_t layouts = 0;  // decode + prefill layouts considered
  int64_t estimates = 0;
  int64_t configurations = 0;
  absl::btree_map<std::string, int64_t> pruned;  // by reason
  std::vector<Candidate> top;                    // best first (tokens/s per GPU)
  std::vector<Candidate> pareto;                 // ascending tokens/s per user
  std::vector<PrefillCandidate> prefill;    // each GPU kind's P layouts meeting TTFT, best first
  std::optional<PdSizing> sizing;           // of top[0] when disaggregated
  std::optional<NearestMiss> nearest_miss;  // when top is empty
  Duration wall;                            // the search's wall time
};

// RunSearch() evaluates the space (see the header comment). `progress`, when
// given, is called about once a second with the share done in [0, 1].
// Errors: FailedPrecondition naming the binding constraint and the nearest
// miss when no configuration qualifies; an estimate that is not finite and
// positive (Internal, naming the layout).
[[nodiscard]] absl::StatusOr<SearchResult> RunSearch(
    const SearchSpace& space, std::optional<absl::FunctionRef<void(double)>> progress = {});

// LayoutName() is a configuration's short name: "h200 g16 tp1 dp16 ep16 dtp1
// none kv:fp8 mtp2 b24".
std::string LayoutName(const SearchSpace& space, const Candidate& c);

// SearchDocument() renders a result: record "search" (the question and the
// counts; not the wall time, which is the benchmark's to measure), table "pruned", table "top",
// table "pareto", table "prefill" (the best P layouts), record "pd_sizing".
render::Document SearchDocument(const SearchSpace& space, const SearchResult& r);

// ParetoCsv() / ParetoJson() are the front alone (table "pareto").
std::string ParetoCsv(const SearchSpace& space, const SearchResult& r);
std::string ParetoJson(const SearchSpace& space, const SearchResult& r);

// ParetoSvg() plots every qualifying point's tokens/s per GPU against
// tokens/s per user, the front as a line, the best configuration marked.
std::string ParetoSvg(const SearchSpace& space, const SearchResult& r);

// The files a winner is written as: its D (or aggregated) deployment and
// workload, and for disaggregated serving the paired P deployment and
// workload. `stem` prefixes each file name; the deployment names its workload
// as default_workload (the path stem + ".workload.textproto").
struct WinnerFiles final {
  std::vector<std::pair<std::string, std::string>> files;  // path, contents
};
[[nodiscard]] absl::StatusOr<WinnerFiles> WinnerTextprotos(const SearchSpace& space,
                                                           const SearchResult& r,
                                                           const Candidate& c,
                                                           const std::string& stem);

// ExplainDeployment() places a user's deployment (decode layout + workload's
// drafts and batch) in the search: its figures, which constraint it misses,
// and how far it is from the front (the front's tokens/s per GPU at its
// tokens/s per user).
[[nodiscard]] absl::StatusOr<render::Document> ExplainDeployment(const SearchSpace& space,
                                                                 const SearchResult& r,
                                                                 const DeploymentSpec& deployment,
                                                                 const WorkloadSpec& workload,
                                                                 absl::string_view origin);

}  // namespace perfmodel

#endif  // SEARCH_SEARCH_H_
