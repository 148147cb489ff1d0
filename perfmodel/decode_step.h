// File: perfmodel/decode_step.h
// -----------------------------------------------------------------------------
//
// A decode step as a composition of parts, the model families perfmodel
// knows, and the runtime entry points that pick a family by the model.
//
//   using DeepSeekDecode =
//       DecodeStep<Layers<DenseLayer<MlaAttention>, MoeLayer<MlaAttention>>,
//                  Mtp<DenseLayer<MlaAttention>, MoeLayer<MlaAttention>>, LmHead>;
//   static_assert(DeepSeekDecode::Estimate(kModel, kHw, kDeployment, kWorkload).sla.tpot <
//                 Milliseconds(16.6));
//   StepResult r = EstimateDecode(model, hw, deployment, workload);   // run time
//   MemoryUse m = EstimateMemory(model, hw, deployment, workload, shape);

#ifndef PERFMODEL_DECODE_STEP_H_
#define PERFMODEL_DECODE_STEP_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "perfmodel/attention_blocks.h"
#include "perfmodel/layers.h"
#include "perfmodel/mlp_blocks.h"
#include "perfmodel/routing.h"
#include "perfmodel/sla.h"
#include "perfmodel/spec.h"
#include "perfmodel/step.h"
#include "perfmodel/step_context.h"
#include "perfmodel/units.h"

namespace perfmodel {

// ComputeShare() is `hw` with `held` of its SMs taken by communication
// kernels: fewer SMs for the tiles' waves and the compute peaks scaled by the
// SMs left (HBM and links as they were).
constexpr HardwareSpec ComputeShare(const HardwareSpec& hw, int64_t held) {
  HardwareSpec h = hw;
  const double left = static_cast<double>(hw.sm_count - held) / static_cast<double>(hw.sm_count);
  h.sm_count = hw.sm_count - held;
  h.bf16_dense = hw.bf16_dense * left;
  h.fp8_dense = hw.fp8_dense * left;
  h.fp4_dense = hw.fp4_dense * left;
  h.fp32 = hw.fp32 * left;
  return h;
}

// A decode step: the parts in order. Estimate() costs every row, sums the
// forward time and derives the SLA and the memory per GPU.
template <typename... Parts>
struct DecodeStep final {
  // The most rows the parts can emit; the result's fixed storage must hold them.
  static constexpr std::size_t kMaxRows = (Parts::kMaxRows + ...);
  static_assert(kMaxRows <= StepResult::kMaxRows,
                "this graph can emit more rows than StepResult::kMaxRows holds");

  // EmitParts() appends every part's rows, costed on `hw` (the GPU, or the
  // share of it compute gets), in `mb` micro-batches.
  static constexpr void EmitParts(const ModelSpec& model, const HardwareSpec& hw,
                                  const DeploymentSpec& d, const WorkloadSpec& w,
                                  const StepShape& shape, int64_t mb, StepResult& r) {
    StepContext c{model, hw, d, w};
    // An odd batch splits into micro-batches of ceil(b / 2) and floor(b / 2);
    // both are costed as the larger (an overestimate of at most one request).
    c.requests = (shape.batch_per_dp + mb - 1) / mb;
    c.queries_per_request = w.TokensPerRequestPerStep();
    c.attention_sum_context = shape.attention_sum_context / static_cast<double>(mb);
    c.micro_batches = mb;
    RoutingPlan routing;
    if (model.moe.routed_experts > 0) routing = PlanRouting(model, d, w.routing);
    c.routing = &routing;
    (Parts::Emit(c, r), ...);
  }

  // EstimateInto() fills `r` in place (reusing its storage: no per-call
  // initialisation of the row array), for callers that estimate in a loop.
  static constexpr void EstimateInto(const ModelSpec& model, const HardwareSpec& hw,
                                     const DeploymentSpec& d, const WorkloadSpec& w,
                                     const StepShape& shape, StepResult& r) {
    r.row_count = 0;
    r.forward = Duration::Zero();
    r.routing = {};
    const int64_t mb = (d.overlap == Overlap::kTwoMicroBatch && shape.batch_per_dp >= 2) ? 2 : 1;
    // Under two micro-batches one's compute always overlaps the other's
    // all-to-all: it runs on the SMs those kernels leave (ComputeShare()).
    if (mb == 2 && d.comm_sms > 0 && d.comm_sms < hw.sm_count) {
      const HardwareSpec shared = ComputeShare(hw, d.comm_sms);
      EmitParts(model, shared, d, w, shape, mb, r);
    } else {
      EmitParts(model, hw, d, w, shape, mb, r);
    }
    for (std::size_t i = 0; i < r.row_count; ++i) r.forward += r.rows[i].Total();
    r.host_gap = w.host_gap;
    r.tokens_per_rank = shape.batch_per_dp * w.TokensPerRequestPerStep();
    const int64_t per_node = hw.gpus_per_node / d.parallel.attention_tp;
    r.dp_per_machine = d.parallel.attention_dp < per_node ? d.parallel.attention_dp
                                                          : (per_node > 0 ? per_node : 1);
    r.sla = DecodeFromForward(
        r.forward,
        DecodeShape{r.dp_per_machine, shape.batch_per_dp, w.accepted_tokens_per_step},
        w.host_gap);
    r.memory = MemoryPerGpu(model, hw, d, w, shape);
  }

  static constexpr StepResult Estimate(const ModelSpec& model, const HardwareSpec& hw,
                                       const DeploymentSpec& d, const WorkloadSpec& w,
                                       const StepShape& shape) {
    StepResult r;
    EstimateInto(model, hw, d, w, shape, r);
    return r;
  }

  static constexpr StepResult Estimate(const ModelSpec& model, const HardwareSpec& hw,
                                       const DeploymentSpec& d, const WorkloadSpec& w) {
    return Estimate(model, hw, d, w, StepShape::FromWorkload(w));
  }

  // WeightBytes() is the weights one GPU holds: Σ over the parts of their
  // blocks' declared weights (the same tensors their GEMMs read).
  static constexpr Bytes WeightBytes(const ModelSpec& m, const DeploymentSpec& d) {
    return (Parts::WeightBytes(m, d) + ...);
  }

  // MemoryPerGpu() is the weights, KV cache and reserve one GPU holds. The
  // KV cache holds the rank's Σ context plus this step's query tokens.
  static constexpr MemoryUse MemoryPerGpu(const ModelSpec& m, const HardwareSpec& hw,
                                          const DeploymentSpec& d, const WorkloadSpec& w,
                                          const StepShape& shape) {
    const double tokens = shape.sum_context +
                          static_cast<double>(shape.batch_per_dp * w.TokensPerRequestPerStep());
    const Bytes kv = (Parts::KvCacheBytesPerToken(m, d) + ...) * tokens;
    return MemoryUse{WeightBytes(m, d), kv, d.memory_reserve_per_gpu, hw.hbm_capacity};
  }
};

// The model families perfmodel knows, as compile-time compositions.
using DeepSeekDecode =
    DecodeStep<Layers<DenseLayer<MlaAttention>, MoeLayer<MlaAttention>>,
               Mtp<DenseLayer<MlaAttention>, MoeLayer<MlaAttention>>, LmHead>;
using GqaDecode = DecodeStep<Layers<DenseLayer<GqaAttention>, MoeLayer<GqaAttention>>,
                             Mtp<DenseLayer<GqaAttention>, MoeLayer<GqaAttention>>, LmHead>;

// WithDecodeGraph() calls `f(std::type_identity<Graph>{})` with the family of
// `model`: the one place a model's graph is chosen at run time.
template <typename F>
constexpr decltype(auto) WithDecodeGraph(const ModelSpec& model, F&& f) {
  if (model.attention_kind == AttentionKind::kMla) {
    return f(std::type_identity<DeepSeekDecode>{});
  }
  return f(std::type_identity<GqaDecode>{});
}

// EstimateDecode() is the runtime entry point: the model's family's graph.
constexpr StepResult EstimateDecode(const ModelSpec& model, const HardwareSpec& hw,
                                    const DeploymentSpec& d, const WorkloadSpec& w,
                                    const StepShape& shape) {
  return WithDecodeGraph(model, [&]<typename G>(std::type_identity<G>) {
    return G::Estimate(model, hw, d, w, shape);
  });
}
constexpr StepResult EstimateDecode(const ModelSpec& model, const HardwareSpec& hw,
                                    const DeploymentSpec& d, const WorkloadSpec& w) {
  return EstimateDecode(model, hw, d, w, StepShape::FromWorkload(w));
}

// EstimateDecodeInto() is EstimateDecode() into a caller's StepResult, whose
// storage it reuses (the fast path for schedulers estimating every step).
constexpr void EstimateDecodeInto(const ModelSpec& model, const HardwareSpec& hw,
                                  const DeploymentSpec& d, const WorkloadSpec& w,
                                  const StepShape& shape, StepResult& r) {
  WithDecodeGraph(model, [&]<typename G>(std::type_identity<G>) {
    G::EstimateInto(model, hw, d, w, shape, r);
  });
}

// EstimateMemory() is the memory per GPU of a step of `shape`, without
// costing its ops.
constexpr MemoryUse EstimateMemory(const ModelSpec& model, const HardwareSpec& hw,
                                   const DeploymentSpec& d, const WorkloadSpec& w,
                                   const StepShape& shape) {
  return WithDecodeGraph(model, [&]<typename G>(std::type_identity<G>) {
    return G::MemoryPerGpu(model, hw, d, w, shape);
  });
}

// TabulatedDecode is the compile-time path for schedulers: the whole graph is
// evaluated during compilation for every batch size 1..kMaxBatch at the
// workload's context, so at run time an estimate is a table read. Batches
// outside the table fall back to the full estimate (same function, same
// numbers).
//
//   using Seed = TabulatedDecode<DeepSeekDecode, specs::kDeepSeekV3, specs::kH200Sxm,
//                                specs::kSeedDecode, specs::kSeedDecodeWorkload, 64>;
//   Duration f = Seed::Forward(batch);          // ~1 ns
//   static_assert(Seed::Forward(24) == Seed::Estimate(24).forward);
template <typename Graph, const ModelSpec& kModel, const HardwareSpec& kHw,
          const DeploymentSpec& kDeployment, const WorkloadSpec& kWorkload, int64_t kMaxBatch>
struct TabulatedDecode final {
  static_assert(kMaxBatch >= 1, "TabulatedDecode needs kMaxBatch >= 1");

  // Estimate() is the full estimate at `batch` requests per DP rank.
  static constexpr StepResult Estimate(int64_t batch) {
    WorkloadSpec w = kWorkload;
    w.batch_per_dp = batch;
    return Graph::Estimate(kModel, kHw, kDeployment, w);
  }

  // Step time (forward + host gap) and TPOT per batch, filled at compile time.
  struct Entry final {
    Duration forward;
    Duration tpot;
  };
  static constexpr std::array<Entry, kMaxBatch + 1> kTable = [] {
    std::array<Entry, kMaxBatch + 1> t{};
    for (int64_t b = 1; b <= kMaxBatch; ++b) {
      const StepResult r = Estimate(b);
      t[b] = Entry{r.forward, r.sla.tpot};
    }
    return t;
  }();

  // Forward() is the forward time at `batch` (>= 1).
  static constexpr Duration Forward(int64_t batch) {
    return batch >= 1 && batch <= kMaxBatch ? kTable[batch].forward : Estimate(batch).forward;
  }
  // Tpot() is the TPOT at `batch` (>= 1), host gap included.
  static constexpr Duration Tpot(int64_t batch) {
    return batch >= 1 && batch <= kMaxBatch ? kTable[batch].tpot : Estimate(batch).sla.tpot;
  }
};

}  // namespace perfmodel

#endif  // PERFMODEL_DECODE_STEP_H_
