// File: sim/sim.h
// -----------------------------------------------------------------------------
//
// A discrete-event serving simulator written only on perfmodel's embedding
// API (perfmodel/perfmodel.h): requests arrive, are routed to an attention DP
// rank, prefilled (chunked, after their cached prefix), decoded with
// continuous batching, and leave; every forward's time is the API's
// estimate for the batch as it is at that moment.
//
//   perfmodel::StepPredictor decode(model, hw, deployment, workload);
//   sim::PoissonSource src(Hertz(20), 100000, sim::Fixed(1024), sim::Fixed(1024), 1);
//   sim::Config c{.mode = sim::Mode::kAggregated};
//   absl::StatusOr<sim::Result> r = sim::Simulate(c, {&decode, 1}, std::nullopt, src);
//   r->ttft.Quantile(0.99)                   // streaming: memory does not grow with requests
//
// The engine (one instance = one deployment: its attention DP ranks run each
// forward together, since the MoE all-to-all couples them):
// - Modes. Aggregated: one pool prefills and decodes; a forward is either a
//   prefill forward or a decode forward (SGLang's default scheduling: a
//   prefill forward runs whenever a rank has an admissible prompt waiting,
//   and every running request waits for it), or with `mixed_chunks` the
//   chunks ride in the decode forwards (vLLM's chunked prefill: one
//   StepPredictor::MixedStep()). Disaggregated: a P pool
//   prefills, the KV cache goes to a D pool over the scale-out link
//   (StepPredictor::KvTransfer()), the D pool decodes; the first token comes
//   from the P node. Decode-only: a D pool alone; requests arrive with their
//   KV cache in place (a preempted one is recomputed on the D node).
// - A prefill forward takes, on each rank, prompts from the head of its queue
//   up to `token_budget` new tokens (a longer prompt is chunked over
//   forwards); its time is the rank with the most new tokens, costed as one
//   uniform shape with the same sequences, new tokens and causal query-key
//   pairs (perfmodel's prefill shape is uniform across sequences), on as
//   many ranks as have chunks (the idle ones route no tokens to the experts).
// - A decode forward runs every running request; its load is the busiest
//   rank's requests, the ranks' mean and largest Σ context, and every rank's
//   requests for the MoE's routed tokens (RankLoad).
//   Each request then emits 1 + its accepted drafts, drawn per request per
//   step from the acceptance model (one uniform u: k drafts accepted while
//   u < p_1 ... p_k).
// - Admission: a prompt starts prefill when its rank has fewer than
//   `max_batch` requests and its whole KV cache fits beside the running
//   requests' (StepPredictor::KvCapacity()); a decode step that would
//   overflow the rank's KV cache first preempts its most recently admitted
//   requests, whose KV is dropped and recomputed (prompt + tokens so far) by
//   a later prefill.
// - Routing of arrivals to ranks (over every rank of every instance of the
//   pool): round-robin, least loaded (fewest KV + queued tokens), shortest
//   queue (fewest queued + running requests).
// - Prefix cache: a share of each prompt is found cached (attended, not
//   recomputed; its KV still occupies the rank).
// - Closed loop: with `concurrency` > 0 the source's timestamps are ignored:
//   that many requests are issued at time zero and each completion issues the
//   next (a benchmark client's --max-concurrency).
//
// Measures (streaming, constant memory: sim/histogram.h): TTFT (arrival to
// the first token), TPOT ((last token − first token) / (output − 1)),
// inter-token latency (the gap between successive emissions of a request;
// with MTP an emission carries 1 + accepted drafts tokens) and end-to-end
// latency, over the requests whose arrival index lies in [trim, 1 − trim) of
// all (the warm-up and the drain are left out); throughput per GPU over the
// window from the first to the last measured arrival; goodput (measured
// requests meeting both the TTFT and the TPOT target, per second); queue and
// KV occupancy over time (at most kMaxSamples points).

#ifndef SIM_SIM_H_
#define SIM_SIM_H_

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "perfmodel/perfmodel.h"
#include "sim/arrivals.h"
#include "sim/histogram.h"

namespace perfmodel::sim {

enum class Mode { kAggregated, kDisaggregated, kDecodeOnly };
enum class Routing { kRoundRobin, kLeastLoaded, kShortestQueue };

// Every Mode and Routing, and their names (//tools:serve's --mode and
// --routing read them from here).
inline constexpr std::array<Mode, 3> kModes = {Mode::kDecodeOnly, Mode::kAggregated,
                                               Mode::kDisaggregated};
constexpr std::string_view ModeName(Mode m) {
  switch (m) {
    case Mode::kAggregated:
      return "aggregated";
    case Mode::kDisaggregated:
      return "disaggregated";
    case Mode::kDecodeOnly:
      return "decode";
  }
  return "?";
}
inline constexpr std::array<Routing, 3> kRoutings = {Routing::kRoundRobin, Routing::kLeastLoaded,
                                                     Routing::kShortestQueue};
constexpr std::string_view RoutingName(Routing r) {
  switch (r) {
    case Routing::kRoundRobin:
      return "round_robin";
    case Routing::kLeastLoaded:
      return "least_loaded";
    case Routing::kShortestQueue:
      return "shortest_queue";
  }
  return "?";
}

// One pool: `instances` copies of the predictor's deployment.
struct Pool final {
  StepPredictor* predictor = nullptr;
  int64_t instances = 1;
};

struct Config final {
  Mode mode = Mode::kAggregated;
  Routing routing = Routing::kLeastLoaded;
  int64_t max_batch = 256;        // running requests per attention DP rank, >= 1
  int64_t token_budget = 8192;    // prefill tokens per rank per forward (the chunk), >= 1
  double prefix_cache_hit = 0.0;  // share of each prompt found cached, [0, 1)
  // Aggregated (and decode-only recompute): prefill chunks ride in the decode
  // forwards within the token budget left after the decode tokens (vLLM's
  // chunked prefill, SGLang's --enable-mixed-chunk); a prefill forward only
  // when nothing decodes. False: prefill and decode forwards alternate.
  bool mixed_chunks = false;
  // Per-position conditional acceptance of the MTP drafts (p_1, p_2, ...);
  // empty: every position at the rate that gives the workload's
  // accepted_tokens_per_step.
  MtpAcceptance acceptance = {};
  int64_t concurrency = 0;  // > 0: closed loop with this many requests in flight
  uint64_t seed = 1;        // the acceptance draws
  Duration ttft_target = {};  // goodput; zero: no TTFT target
  Duration tpot_target = {};  // goodput; zero: no TPOT target
  double trim = 0.1;        // share of requests left out at each end, [0, 0.5)
  bool keep_requests = false;            // Result::requests holds every request
  std::function<void(double)> progress = {};  // called with the share of requests done
};

// Validate() checks a configuration against its pools; errors name the field.
absl::Status Validate(const Config& c, const Pool& decode, const std::optional<Pool>& prefill);

// Per-position acceptance of `drafts` drafts giving `accepted_tokens` per
// step on average, all positions at one rate (the fallback of
// Config::acceptance).
MtpAcceptance UniformAcceptance(int64_t drafts, double accepted_tokens);

struct OccupancySample final {
  Duration at;
  int64_t queued = 0;       // requests waiting for prefill or a decode slot (all pools)
  int64_t running = 0;      // requests decoding
  double decode_kv = 0.0;   // share of the decode pool's KV capacity in use
  double prefill_kv = 0.0;  // share of the prefill pool's (disaggregated)
};

struct RequestRecord final {
  Duration arrival, first_token, finish;
  int64_t input_tokens = 0, output_tokens = 0, preemptions = 0;
};

struct Result final {
  static constexpr std::size_t kMaxSamples = 512;

  int64_t requests = 0;  // completed
  int64_t measured = 0;  // in the statistics (after trimming)
  int64_t gpus = 0;      // every pool's
  int64_t preemptions = 0;
  int64_t prefill_forwards = 0, decode_forwards = 0;
  int64_t mixed_forwards = 0;  // of the decode forwards, those carrying prefill chunks
  Duration end;     // simulated time of the last completion
  Duration window;  // the measured window (first to last measured arrival)
  Histogram ttft, tpot, itl, e2e;
  TokensPerSecond output_tps_per_gpu;  // output tokens in the window / window / GPUs
  TokensPerSecond input_tps_per_gpu;   // prompt tokens of the requests arriving in it
  Frequency request_rate;              // measured arrivals per second
  Frequency goodput;                   // measured requests meeting both targets, per second
  double goodput_share = 0.0;          // of the measured requests
  double mean_decode_batch = 0.0;      // running requests per rank, time-weighted over decode
  std::vector<OccupancySample> occupancy;
  std::vector<RequestRecord> request_records;  // Config::keep_requests
};

// Simulate() runs every request of `source` through the pools (decode: the
// aggregated or decode pool; prefill: the P pool of disaggregated serving,
// and only then). A request longer than the decode model's context, or one
// whose KV cache cannot fit a rank, is an error.
absl::StatusOr<Result> Simulate(const Config& config, const Pool& decode,
                                const std::optional<Pool>& prefill, RequestSource& source);

}  // namespace perfmodel::sim

#endif  // SIM_SIM_H_
