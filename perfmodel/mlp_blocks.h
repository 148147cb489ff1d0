// File: perfmodel/mlp_blocks.h
// -----------------------------------------------------------------------------
//
// The MLP blocks of a decoder layer: a dense gated MLP under tensor
// parallelism, and a mixture of experts under expert parallelism (DeepEP
// low-latency all-to-all), with the overlap of its dispatch and combine. Each
// declares its weights once (Weights(): what one GPU holds), from which both
// its GEMMs and the memory per GPU follow.
//
//   MoeMlp::Weights(deepseek_v3, seed).experts_up_gate.copies   // 256 / 64 = 4
//   MoeMlp::Weights(deepseek_v3, seed).router.dtype             // BF16

#ifndef PERFMODEL_MLP_BLOCKS_H_
#define PERFMODEL_MLP_BLOCKS_H_

#include <cstddef>
#include <cstdint>

#include "perfmodel/names.h"
#include "perfmodel/ops.h"
#include "perfmodel/routing.h"
#include "perfmodel/spec.h"
#include "perfmodel/step.h"
#include "perfmodel/step_context.h"
#include "perfmodel/units.h"

namespace perfmodel {

// Dense gated MLP, tensor-parallel over dense_tp: column-parallel up/gate,
// SiLU-and-mul, row-parallel down. When dense_tp spans several attention DP
// ranks their tokens are all-gathered first and reduce-scattered after.
struct DenseMlp final {
  static constexpr std::size_t kMaxRows = 6;

  struct WeightSet final {
    WeightTensor up_gate;  // [hidden, 2 x intermediate / tp]
    WeightTensor down;     // [intermediate / tp, hidden]

    constexpr Bytes Total() const { return up_gate.Size() + down.Size(); }
  };

  static constexpr WeightSet Weights(const ModelSpec& m, const DeploymentSpec& d) {
    const int64_t inter = m.dense_intermediate_size / d.parallel.dense_tp;
    return {{m.hidden_size, 2 * inter, 1, m.weight_dtype},
            {inter, m.hidden_size, 1, m.weight_dtype}};
  }

  // Gathered() is how many attention DP ranks' tokens the MLP sees at once.
  static constexpr int64_t Gathered(const Parallelism& p) {
    return (p.dense_tp > p.attention_tp && p.dense_tp % p.attention_tp == 0)
               ? p.dense_tp / p.attention_tp
               : 1;
  }

  // Workspace() is the block's largest live buffers: up/gate's BF16 output
  // and the activation it feeds down, for the gathered tokens.
  static constexpr Bytes Workspace(const StepContext& c) {
    const double t = static_cast<double>(c.Tokens() * Gathered(c.deployment.parallel));
    const double inter =
        static_cast<double>(c.model.dense_intermediate_size / c.deployment.parallel.dense_tp);
    return ByteCount(t * inter *
                     (4.0 + ops_internal::ActivationBytesPerElement(c.model.activation_dtype)));
  }

  // `attention_first` is the row where this layer's attention block starts.
  static constexpr void Emit(const StepContext& c, StepResult& r, std::size_t /*attention_first*/) {
    using namespace graph_internal;
    const ModelSpec& m = c.model;
    const Parallelism& p = c.deployment.parallel;
    const int64_t tp = p.dense_tp;
    const int64_t gather = Gathered(p);
    const int64_t t = c.Tokens() * gather;
    const WeightSet w = Weights(m, c.deployment);
    const Bytes activations = ByteCount(static_cast<double>(t * m.hidden_size) * 2.0);
    graph_internal::Emit(c, r, Op::kMlpNorm, [&] { return RmsNorm(c, m.hidden_size, true); });
    if (gather > 1) {
      graph_internal::Emit(c, r, Op::kMlpAllgather,
                           [&] { return AllGather(activations, gather, c.hw); });
    }
    graph_internal::Emit(c, r, Op::kMlpUpGate,
                         [&] { return QuantGemm(c, Op::kMlpUpGate, w.up_gate, t); });
    graph_internal::Emit(c, r, Op::kMlpAct,
                         [&] { return ActAndQuant(c, static_cast<double>(t * w.down.k)); });
    graph_internal::Emit(c, r, Op::kMlpDown,
                         [&] { return WeightGemm(c, Op::kMlpDown, w.down, t); });
    if (gather > 1) {
      graph_internal::Emit(c, r, Op::kMlpReducescatter,
                           [&] { return ReduceScatter(activations, gather, c.hw); });
    } else if (tp > 1) {
      graph_internal::Emit(c, r, Op::kMlpAllreduce,
                           [&] { return AllReduce(activations, tp, c.hw); });
    }
  }
};

// Mixture of experts with expert parallelism (DeepEP's low-latency all-to-all
// in decode, its normal kernels in prefill): router, shared experts,
// dispatch, routed grouped GEMMs (masked layout; prefill's contiguous layout
// pads each expert's rows to whole tiles the same way),
// combine, and the weighted sum with the shared output. The routing
// statistics of perfmodel/routing.h say how many pairs the hottest EP rank
// receives and how many of its experts are active; the step records them per
// part (StepResult::routing).
struct MoeMlp final {
  static constexpr std::size_t kMaxRows = 11;

  // The block's weights on one GPU: the router (BF16, as checkpoints store
  // it), the shared experts (whole on every rank), and the local routed
  // experts ((routed + redundant) / EP of them, each split by MoE TP).
  struct WeightSet final {
    WeightTensor router;           // [hidden, routed experts]
    WeightTensor shared_up_gate;   // [hidden, 2 x shared width (SharedIntermediateSize())]
    WeightTensor shared_down;      // [shared width, hidden]
    WeightTensor experts_up_gate;  // local experts x [hidden, 2 x intermediate / moe_tp]
    WeightTensor experts_down;     // local experts x [intermediate / moe_tp, hidden]

    constexpr Bytes Total() const {
      return router.Size() + shared_up_gate.Size() + shared_down.Size() +
             experts_up_gate.Size() + experts_down.Size();
    }
  };

  static constexpr WeightSet Weights(const ModelSpec& m, const DeploymentSpec& d) {
    const MoeSpec& e = m.moe;
    const Parallelism& p = d.parallel;
    const int64_t h = m.hidden_size;
    const int64_t shared = e.SharedIntermediateSize();
    const int64_t local = (e.routed_experts + p.redundant_experts) / p.moe_ep;
    const int64_t inter = e.expert_intermediate_size / p.moe_tp;
    WeightSet w;
    w.router = {h, e.routed_experts, 1, DType::kBf16};
    if (shared > 0) {
      w.shared_up_gate = {h, 2 * shared, 1, m.weight_dtype};
      w.shared_down = {shared, h, 1, m.weight_dtype};
    }
    w.experts_up_gate = {h, 2 * inter, local, m.weight_dtype};
    w.experts_down = {inter, h, local, m.weight_dtype};
    return w;
  }

  // Workspace() is the block's largest live buffers on the hottest EP rank:
  // its received pairs (in the activation dtype), their up/gate output
  // (BF16), activation and down output (BF16), and the shared experts'.
  static constexpr Bytes Workspace(const StepContext& c) {
    const ModelSpec& m = c.model;
    const MoeSpec& e = m.moe;
    const Parallelism& p = c.deployment.parallel;
    const double act = ops_internal::ActivationBytesPerElement(m.activation_dtype);
    const double h = static_cast<double>(m.hidden_size);
    const double inter = static_cast<double>(e.expert_intermediate_size / p.moe_tp);
    const double shared = static_cast<double>(e.SharedIntermediateSize());
    const double t = static_cast<double>(c.Tokens());
    const double pairs =
        c.routing != nullptr
            ? ExpectedRouting(*c.routing, c.Tokens() * p.attention_dp).hottest_pairs
            : t * static_cast<double>(e.experts_per_token);
    return ByteCount(pairs * (h * act + inter * (4.0 + act) + h * 2.0) + t * shared * (4.0 + act));
  }

  // `attention_first` is the row where this layer's attention block starts.
  static constexpr void Emit(const StepContext& c, StepResult& r, std::size_t attention_first) {
    using namespace graph_internal;
    const ModelSpec& m = c.model;
    const MoeSpec& e = m.moe;
    const DeploymentSpec& d = c.deployment;
    const Parallelism& p = d.parallel;
    const int64_t t = c.Tokens();
    const int64_t h = m.hidden_size;
    const WeightSet w = Weights(m, d);
    const std::size_t first = r.row_count;

    graph_internal::Emit(c, r, Op::kMlpNorm, [&] { return RmsNorm(c, h, true); });
    const OpCost gate = PlannedGemm(c, Op::kRouter, 0, w.router,
                                    GemmTypes::ForWeight(w.router.dtype, DType::kBf16), t);
    const OpCost topk =
        Elementwise(static_cast<double>(t * e.routed_experts), 4.0, 0.0, 8.0, c.hw);
    graph_internal::Emit(c, r, Op::kRouter, [&] { return Sum(gate, topk); });
    const std::size_t shared_first = r.row_count;
    if (e.shared_experts > 0) {
      graph_internal::Emit(c, r, Op::kSharedUpGate,
                           [&] { return QuantGemm(c, Op::kSharedUpGate, w.shared_up_gate); });
      graph_internal::Emit(c, r, Op::kSharedAct, [&] {
        return ActAndQuant(c, static_cast<double>(t * w.shared_down.k));
      });
      graph_internal::Emit(c, r, Op::kSharedDown,
                           [&] { return WeightGemm(c, Op::kSharedDown, w.shared_down, t); });
    }
    // Where this micro-batch's tokens land: every attention DP rank's tokens
    // are routed over the EP ranks; the hottest rank's pairs set dispatch,
    // combine and the expert GEMMs, which read only its active experts.
    const RoutingLoad routing = ExpectedRouting(*c.routing, t * p.attention_dp);
    r.routing[static_cast<std::size_t>(c.part)] = {static_cast<double>(t * p.attention_dp), routing};
    // Pairs moved by one GPU relative to its own tokens' t x k.
    const double sent_pairs = static_cast<double>(t * e.experts_per_token);
    const double link_factor = sent_pairs > 0.0 ? routing.hottest_pairs / sent_pairs : 1.0;
    // A decode-only forward runs DeepEP's low-latency kernels; one with
    // prefill tokens (a prefill, or a decode step carrying chunks) its normal
    // (bulk) ones, as SGLang's DeepEP "auto" mode picks them per batch: the
    // low-latency kernels' buffers are sized for a decode batch.
    const EpKernels kernels =
        c.Prefill() || c.chunk_tokens > 0 ? EpKernels::kNormal : EpKernels::kLowLatency;
    const std::size_t dispatch_row = r.row_count;
    graph_internal::Emit(c, r, Op::kDispatch, [&] {
      return EpDispatch(t, e.experts_per_token, h, m.activation_dtype, p.moe_ep, Transport::kAuto,
                        c.hw, link_factor, kernels);
    });
    const double per_expert = routing.PairsPerActiveExpert();
    const double per_expert_sd = routing.RowsSdPerActiveExpert();
    const double active = routing.active_experts;
    const GemmTypes types = GemmTypes::ForWeight(m.weight_dtype, m.activation_dtype);
    const std::size_t experts_first = r.row_count;
    graph_internal::Emit(c, r, Op::kMoeUpGate, [&] {
      return PlannedGroupedGemm(c, Op::kMoeUpGate, w.experts_up_gate, types, per_expert, active,
                                per_expert_sd);
    });
    graph_internal::Emit(c, r, Op::kMoeAct, [&] {
      return ActAndQuant(c, routing.hottest_pairs * static_cast<double>(w.experts_down.k));
    });
    graph_internal::Emit(c, r, Op::kMoeDown, [&] {
      return PlannedGroupedGemm(c, Op::kMoeDown, w.experts_down, types, per_expert, active,
                                per_expert_sd);
    });
    const std::size_t combine_row = r.row_count;
    graph_internal::Emit(c, r, Op::kCombine, [&] {
      return EpCombine(t, e.experts_per_token, h, p.moe_ep, Transport::kAuto, c.hw, link_factor,
                       kernels);
    });
    graph_internal::Emit(c, r, Op::kMoePost, [&] {
      return Elementwise(static_cast<double>(t * h), 4.0, 2.0, 3.0, c.hw);
    });

    // This layer's attention block: the rows before the MLP block.
    Duration attention_window;
    for (std::size_t i = attention_first; i < first; ++i) attention_window += r.rows[i].cost.time();
    OpRow& dispatch = r.rows[dispatch_row];
    OpRow& combine = r.rows[combine_row];
    if (d.overlap == Overlap::kTwoMicroBatch && c.micro_batches > 1) {
      // Per micro-batch: A's dispatch hides behind B's attention block, A's
      // combine behind B's expert GEMMs (all rows hold both micro-batches).
      Duration expert_window;
      for (std::size_t i = experts_first; i < combine_row; ++i) {
        expert_window += r.rows[i].cost.time();
      }
      dispatch.visible = Max(Duration::Zero(), dispatch.cost.time() - attention_window);
      combine.visible = Max(Duration::Zero(), combine.cost.time() - expert_window);
    } else if (d.overlap == Overlap::kRecvHook) {
      // Dispatch is in flight while the shared expert computes; combine while
      // the next layer's attention block does (this layer's stands for it).
      Duration shared_window;
      for (std::size_t i = shared_first; i < dispatch_row; ++i)
        shared_window += r.rows[i].cost.time();
      dispatch.visible = Max(Duration::Zero(), dispatch.cost.time() - shared_window);
      combine.visible = Max(Duration::Zero(), combine.cost.time() - attention_window);
    }
  }
};

}  // namespace perfmodel

#endif  // PERFMODEL_MLP_BLOCKS_H_
