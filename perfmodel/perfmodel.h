// File: perfmodel/perfmodel.h
// -----------------------------------------------------------------------------
//
// The embedding API: what a scheduler binary calls on every step. One object
// per deployment holds the model, GPU, deployment and workload specs and one
// reused StepResult; every call after construction is allocation-free and
// costs one forward estimate (decode ~1.5 us on the reference 2-core host;
// //benchmarks:estimate_benchmark).
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
//
// What a step is (perfmodel/forward_step.h, perfmodel/step_context.h): a
// decode step runs `requests` requests on every attention DP rank, each
// feeding 1 + the workload's MTP drafts query tokens; every op is costed at
// that batch, attention on the slowest rank's Σ context (the MoE all-to-all
// makes every rank wait for it) and the wait is the difference from a
// balanced rank. A prefill step is one forward of `sequences` chunks of
// `new_tokens` after `cached_tokens` cached tokens each. A forward that mixes
// prefill chunks with decode requests is not a shape of the cost model yet
// (issue 14): call both and add them as an engine that alternates the two
// (SGLang's default) would run them.
//
// Admission: CanAdmit() is whether the rank, with one more request of
// `context` tokens (the slowest rank's and the mean Σ grow by it: the
// scheduler's worst case), still meets `tpot` and fits its KV cache in HBM.
//
// Threads: a StepPredictor is not thread-safe (it reuses its result); give
// each scheduler thread its own.

#ifndef PERFMODEL_PERFMODEL_H_
#define PERFMODEL_PERFMODEL_H_

#include <cstdint>

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
  }

  // DecodeStep() is one decode step of `load`: forward + host gap.
  Duration DecodeStep(const RankLoad& load) {
    EstimateDecode(load);
    return result_.forward + result_.host_gap;
  }

  // Tpot() is DecodeStep() over the tokens each request emits per step.
  Duration Tpot(const RankLoad& load) {
    return DecodeStep(load) / workload_.accepted_tokens_per_step;
  }

  // MemoryLeft() is the HBM per GPU free at `load` on the slowest rank
  // (negative: over), without costing the step.
  Bytes MemoryLeft(const RankLoad& load) {
    workload_.batch_per_dp = load.requests;
    const double slowest = ToTokens(load.slowest_sum_context);
    return perfmodel::EstimateMemory(model_, hw_, deployment_, workload_,
                                     StepShape::Decode(workload_, load.requests, slowest, slowest))
        .Headroom();
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
  // samples each): forward + host gap.
  Duration PrefillStep(int64_t sequences, int64_t new_tokens, int64_t cached_tokens) {
    WorkloadSpec w = workload_;
    w.phase = Phase::kPrefill;
    w.batch_per_dp = sequences;
    w.prompt_tokens = cached_tokens + new_tokens;
    w.chunk_tokens = 0;
    perfmodel::EstimateStepInto(model_, hw_, deployment_, w,
                                StepShape::Prefill(sequences, new_tokens, cached_tokens, true),
                                result_);
    return result_.forward + result_.host_gap;
  }

  // last() is the last call's full result: rows, SLA, memory.
  const StepResult& last() const { return result_; }
  const WorkloadSpec& workload() const { return workload_; }

 private:
  void EstimateDecode(const RankLoad& load) {
    workload_.batch_per_dp = load.requests;
    perfmodel::EstimateDecodeInto(
        model_, hw_, deployment_, workload_,
        StepShape::Decode(workload_, load.requests, ToTokens(load.mean_sum_context),
                          ToTokens(load.slowest_sum_context)),
        result_);
  }

  ModelSpec model_;
  HardwareSpec hw_;
  DeploymentSpec deployment_;
  WorkloadSpec workload_;
  StepResult result_;
};

}  // namespace perfmodel

#endif  // PERFMODEL_PERFMODEL_H_
