// File: perfmodel/perfmodel.h
// -----------------------------------------------------------------------------
//
// The embedding API: what a scheduler binary calls on every step. One object
// per deployment holds the model, GPU, deployment and workload specs and one
// reused StepResult, and plans the step once (PlanStep()); every call after
// construction is allocation-free and costs one forward estimate
// (//benchmarks:estimate_benchmark, BM_EstimatePreparedRuntimePath).
//
//   #include "perfmodel/perfmodel.h"
//
//   perfmodel::StepPredictor p(model, hw, deployment, workload);  // specs: loader/ or constexpr
//   // This step: the busiest DP rank has 31 requests, the ranks' Σ context is
//   // 120k tokens on average and 151k on the slowest rank.
//   perfmodel::RankLoad load{.requests = 31,
//                            .mean_sum_context = perfmodel::TokenCount(120000),
//                            .slowest_sum_context = perfmodel::TokenCount(151000)};
//   perfmodel::Duration step = p.DecodeStep(load);          // forward + host gap
//   perfmodel::Duration tpot = p.Tpot(load);                // step / accepted tokens
//   bool ok = p.CanAdmit(load, perfmodel::TokenCount(6000), perfmodel::Milliseconds(50));
//   perfmodel::Bytes left = p.MemoryLeft(load);              // HBM per GPU still free
//   perfmodel::Duration chunk = p.PrefillStep(2, 4096, 0);   // two 4K prompts, one forward
//   perfmodel::Duration mixed = p.MixedStep(load, {.sequences = 1, .new_tokens = 2048});
//   perfmodel::Tokens kv = p.KvCapacity();                   // KV tokens a rank holds
//   const perfmodel::StepResult& full = p.Estimate(load);    // rows, SLA, memory
//
// What a step is (perfmodel/forward_step.h, perfmodel/step_context.h): a
// decode step runs `requests` requests on every attention DP rank, each
// feeding 1 + the workload's MTP drafts query tokens; every op is costed at
// that batch, attention on the slowest rank's Σ context (the MoE all-to-all
// makes every rank wait for it) and the wait is the difference from a
// balanced rank. A prefill step is one forward of `sequences` chunks of
// `new_tokens` after `cached_tokens` cached tokens each. A mixed step
// (MixedStep()) is a decode step carrying prefill chunks in the same forward
// (vLLM's chunked prefill; SGLang's --enable-mixed-chunk): the GEMMs and
// the MoE see both parts' tokens, attention runs each part's kernel.
//
// Admission: CanAdmit() is whether the rank, with one more request of
// `context` tokens (the slowest rank's and the mean Σ grow by it: the
// scheduler's worst case), still meets `tpot` and fits its KV cache in HBM.
//
// Cost: DecodeStep(), Tpot() and PrefillStep() cost the forward's rows and
// the host gap only (no SLA or memory pass); Estimate() adds both.
// KvCapacity(), KvBytesPerToken() and KvTransfer() are constants of the
// deployment, computed once at construction.
//
// The API also exports the MTP acceptance model (perfmodel/acceptance.h), so
// a simulator draws accepted drafts from the same law the search uses.
//
// Threads: a StepPredictor is not thread-safe (it reuses its result); give
// each scheduler thread its own.

#ifndef PERFMODEL_PERFMODEL_H_
#define PERFMODEL_PERFMODEL_H_

#include <cstdint>

#include "perfmodel/acceptance.h"  // IWYU pragma: export
#include "perfmodel/graph.h"
#include "perfmodel/spec.h"
#include "perfmodel/units.h"

namespace perfmodel {

// One step's load as a scheduler knows it: the requests on the busiest
// attention DP rank, and the ranks' Σ context (cached tokens) on average and
// on the slowest rank (equal when the scheduler balances them, or has one
// rank).
struct RankLoad final {
  int64_t requests = 1;
  Tokens mean_sum_context;
  Tokens slowest_sum_context;
  // The requests of every attention DP rank together, whose tokens the MoE
  // layers route over the EP ranks; 0: `requests` on every rank. Fewer (a
  // lightly loaded pool, ranks idle) route fewer tokens, activate fewer
  // experts and move fewer bytes: the step is costed with the ranks that
  // many busiest-rank loads make (total / requests, rounded, at least 1).
  int64_t total_requests = 0;
};

// Prefill chunks riding in a decode step (a mixed forward, vLLM's chunked
// prefill): on the busiest rank, `sequences` chunks of `new_tokens` after
// `cached_tokens` each, ending their prompts when `last`; every rank's chunk
// tokens together in `total_new_tokens` (0: the busiest rank's on every
// rank the decode load spans).
struct ChunkLoad final {
  int64_t sequences = 0;
  int64_t new_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t total_new_tokens = 0;
  bool last = true;
};

class StepPredictor final {
 public:
  // The specs are copied; `workload` supplies the MTP drafts and acceptance,
  // the host gap and the routing statistics (its batch and context are
  // replaced by each call's).
  StepPredictor(const ModelSpec& model, const HardwareSpec& hw, const DeploymentSpec& deployment,
                const WorkloadSpec& workload)
      : model_(model), hw_(hw), deployment_(deployment), workload_(workload) {
    workload_.phase = Phase::kDecode;
    if (workload_.context_tokens <= 0) workload_.context_tokens = 1;
    // Planned once (the routing, weights, KV footprint, any per-op
    // corrections and the GEMMs' plans, decode and prefill): nothing of it
    // depends on attention_dp, which the calls narrow for idle ranks
    // (RanksRouting).
    plan_ = PlanStep(model_, hw_, deployment_, workload_);
    kv_cache_ = perfmodel::KvCache(model_, deployment_);
    kv_bytes_per_token_ = kv_cache_.PerTokenInWindow();
    // The HBM an empty rank leaves (weights and reserve placed), in tokens.
    const Bytes free = perfmodel::EstimateMemory(plan_, model_, hw_, deployment_, workload_,
                                                 StepShape::Decode(workload_, 0, 0.0, 0.0))
                           .Headroom();
    kv_capacity_ = free > Bytes::Zero() && kv_bytes_per_token_ > Bytes::Zero()
                       ? TokenCount(free / kv_bytes_per_token_)
                       : Tokens();
  }

  // DecodeStep() is one decode step of `load`: forward + host gap.
  Duration DecodeStep(const RankLoad& load) {
    workload_.batch_per_dp = load.requests;
    const RanksRouting ranks(deployment_, RoutingRanks(load));
    perfmodel::EstimateTimeInto(plan_, model_, hw_, deployment_, workload_, DecodeShape(load),
                                result_);
    return result_.forward + result_.host_gap;
  }

  // MixedStep() is one decode step of `load` carrying `chunks`: forward +
  // host gap. Every op sees both parts' tokens, attention each part's own
  // kernel; the MoE routes the tokens of as many ranks as the total tokens
  // make at the busiest rank's. No chunks: DecodeStep().
  Duration MixedStep(const RankLoad& load, const ChunkLoad& chunks) {
    if (chunks.sequences <= 0 || chunks.new_tokens <= 0) return DecodeStep(load);
    workload_.batch_per_dp = load.requests;
    const int64_t q = workload_.TokensPerRequestPerStep();
    const int64_t busiest = load.requests * q + chunks.sequences * chunks.new_tokens;
    const int64_t all_decode =
        (load.total_requests > 0 ? load.total_requests
                                 : load.requests * deployment_.parallel.attention_dp) *
        q;
    const int64_t all_chunks = chunks.total_new_tokens > 0 ? chunks.total_new_tokens
                                                           : chunks.sequences * chunks.new_tokens *
                                                                 deployment_.parallel.attention_dp;
    const RanksRouting ranks(deployment_, LoadedRanks(all_decode + all_chunks, busiest));
    perfmodel::EstimateTimeInto(
        plan_, model_, hw_, deployment_, workload_,
        StepShape::WithChunks(DecodeShape(load), chunks.sequences, chunks.new_tokens,
                              chunks.cached_tokens, chunks.last),
        result_);
    return result_.forward + result_.host_gap;
  }

  // Estimate() is DecodeStep()'s whole result: rows, TPOT and throughput,
  // and the memory per GPU.
  const StepResult& Estimate(const RankLoad& load) {
    workload_.batch_per_dp = load.requests;
    const RanksRouting ranks(deployment_, RoutingRanks(load));
    perfmodel::EstimateStepInto(plan_, model_, hw_, deployment_, workload_, DecodeShape(load),
                                result_);
    return result_;
  }

  // Tpot() is DecodeStep() over the tokens each request emits per step.
  Duration Tpot(const RankLoad& load) {
    return DecodeStep(load) / workload_.accepted_tokens_per_step;
  }

  // MemoryLeft() is the HBM per GPU free at `load` on the slowest rank
  // (negative: over), without costing the step.
  Bytes MemoryLeft(const RankLoad& load) {
    const double slowest = ToTokens(load.slowest_sum_context);
    return perfmodel::EstimateMemory(plan_, model_, hw_, deployment_, workload_,
                                     StepShape::Decode(workload_, load.requests, slowest, slowest))
        .Headroom();
  }

  // KvCapacity() is the KV-cache tokens one attention DP rank holds in the
  // HBM left after the weights and the reserve (a decode step's own new
  // tokens count against it too: MemoryLeft()), at KvBytesPerToken() each.
  // With sliding layers that is a floor: a request beyond the window costs
  // its further tokens the full-attention layers' bytes only (KvCache();
  // MemoryLeft() and CanAdmit() count it so).
  Tokens KvCapacity() const { return kv_capacity_; }
  // KvBytesPerToken() is one token's KV cache on one GPU, every layer (a
  // sliding layer's while its request is within the window).
  Bytes KvBytesPerToken() const { return kv_bytes_per_token_; }
  // KvCache() is the rank's KV cache as a function of what it holds: per
  // token of the full-attention layers, per token up to the window of the
  // sliding ones.
  const KvFootprint& KvCache() const { return kv_cache_; }
  // KvTransfer() is one prompt's KV cache of `prompt` tokens sent to a
  // decode GPU over the scale-out link (disaggregated serving; a sliding
  // layer sends its window).
  Duration KvTransfer(Tokens prompt) const {
    return perfmodel::KvTransfer(hw_, kv_cache_, ToTokens(prompt));
  }

  // CanAdmit() is whether one more request of `context` tokens keeps the
  // step within `tpot` and the slowest rank's KV cache in HBM.
  bool CanAdmit(const RankLoad& load, Tokens context, Duration tpot) {
    const RankLoad next{load.requests + 1, load.mean_sum_context + context,
                        load.slowest_sum_context + context};
    return MemoryLeft(next) >= Bytes::Zero() && Tpot(next) <= tpot;
  }

  // PrefillStep() is one prefill forward of `sequences` chunks of
  // `new_tokens` after `cached_tokens` each, ending their prompts (the head
  // samples each), on each of `ranks` attention DP ranks (0: every rank; the
  // others idle, routing no tokens to the experts): forward + host gap.
  Duration PrefillStep(int64_t sequences, int64_t new_tokens, int64_t cached_tokens,
                       int64_t ranks = 0) {
    const RanksRouting routing(deployment_, ranks);
    WorkloadSpec w = workload_;
    w.phase = Phase::kPrefill;
    w.batch_per_dp = sequences;
    w.prompt_tokens = cached_tokens + new_tokens;
    w.chunk_tokens = 0;
    perfmodel::EstimateTimeInto(plan_, model_, hw_, deployment_, w,
                                StepShape::Prefill(sequences, new_tokens, cached_tokens, true),
                                result_);
    return result_.forward + result_.host_gap;
  }

  // last() is the last call's result: its rows, forward and host gap (and,
  // after Estimate(), its SLA and memory).
  const StepResult& last() const { return result_; }
  const WorkloadSpec& workload() const { return workload_; }
  const DeploymentSpec& deployment() const { return deployment_; }
  const ModelSpec& model() const { return model_; }

 private:
  // RanksRouting makes `d` route the tokens of `ranks` attention DP ranks
  // (when 1 <= ranks < its own) for one estimate, and restores it.
  class RanksRouting final {
   public:
    RanksRouting(DeploymentSpec& d, int64_t ranks) : d_(d), dp_(d.parallel.attention_dp) {
      if (ranks >= 1 && ranks < dp_) d_.parallel.attention_dp = ranks;
    }
    ~RanksRouting() { d_.parallel.attention_dp = dp_; }
    RanksRouting(const RanksRouting&) = delete;
    RanksRouting& operator=(const RanksRouting&) = delete;

   private:
    DeploymentSpec& d_;
    int64_t dp_;
  };

  // RoutingRanks() is the ranks `load`'s total requests make at its
  // busiest rank's load (0: every rank).
  static int64_t RoutingRanks(const RankLoad& load) {
    if (load.total_requests <= 0) return 0;
    return LoadedRanks(load.total_requests, load.requests);
  }

  // LoadedRanks() is how many ranks at `busiest` make `total` (rounded, at
  // least 1; 0, every rank, when `busiest` is not positive).
  static int64_t LoadedRanks(int64_t total, int64_t busiest) {
    if (busiest <= 0) return 0;
    const int64_t r = (total + busiest / 2) / busiest;
    return r < 1 ? 1 : r;
  }

  StepShape DecodeShape(const RankLoad& load) const {
    return StepShape::Decode(workload_, load.requests, ToTokens(load.mean_sum_context),
                             ToTokens(load.slowest_sum_context));
  }

  ModelSpec model_;
  HardwareSpec hw_;
  DeploymentSpec deployment_;
  WorkloadSpec workload_;
  StepPlan plan_;  // PlanStep() of the specs above
  StepResult result_;
  KvFootprint kv_cache_;
  Bytes kv_bytes_per_token_;
  Tokens kv_capacity_;
};

}  // namespace perfmodel

#endif  // PERFMODEL_PERFMODEL_H_
