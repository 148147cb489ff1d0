// File: perfmodel/graph.h
// -----------------------------------------------------------------------------
//
// The decode-step layer graph. The *structure* of a model family is a type,
// composed at compile time from named layer and block types; the *dimensions*
// are values (ModelSpec, HardwareSpec, DeploymentSpec, WorkloadSpec), constexpr or loaded at
// run time. The same Estimate() serves both paths, so they agree bit for bit.
//
//   using DeepSeekDecode =
//       DecodeStep<Layers<DenseLayer<MlaAttention>, MoeLayer<MlaAttention>>,
//                  Mtp<DenseLayer<MlaAttention>, MoeLayer<MlaAttention>>, LmHead>;
//   static_assert(DeepSeekDecode::Estimate(kModel, kHw, kDeployment, kWorkload).sla.tpot <
//                 Milliseconds(16.6));
//
// Each block emits its ops as rows (perfmodel/step.h), costed by the functions
// of perfmodel/ops.h. Modelling choices, each visible in a row:
// - A request feeds 1 + mtp_draft_tokens query tokens to the main model; every
//   query attends the request's whole context.
// - GEMMs whose activations are FP8 include the per-token quantisation kernel
//   (the seed's "2 + 14 us" q_b row is quant + GEMM).
// - Two-micro-batch overlap splits a rank's requests in two: every op runs
//   twice on half the tokens (so memory-bound GEMMs read their weights twice),
//   and micro-batch A's dispatch hides behind B's attention block, A's combine
//   behind B's expert GEMMs; a row's `visible` time is what is left.
// - Receive-hook overlap (DeepEP low-latency hooks, one micro-batch): dispatch
//   hides behind the shared expert, combine behind the next layer's attention.
// - MTP runs mtp_draft_tokens sequential passes of one token per request:
//   embedding/hidden projection, one decoder layer, the shared LM head.

#ifndef PERFMODEL_GRAPH_H_
#define PERFMODEL_GRAPH_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

#include "perfmodel/ops.h"
#include "perfmodel/sla.h"
#include "perfmodel/spec.h"
#include "perfmodel/step.h"
#include "perfmodel/units.h"

namespace perfmodel {

// The shape of one decode step on one attention DP rank.
struct StepShape final {
  int64_t batch_per_dp = 1;
  // Σ over the rank's requests of their KV length (tokens), for memory.
  double sum_context = 0.0;
  // The same Σ on the slowest rank, which every rank waits for at the MoE
  // all-to-all; equal to sum_context when requests are balanced.
  double attention_sum_context = 0.0;

  // FromWorkload() is the balanced shape: every request at context_tokens.
  static constexpr StepShape FromWorkload(const WorkloadSpec& w) {
    const double s = static_cast<double>(w.batch_per_dp * w.context_tokens);
    return StepShape{w.batch_per_dp, s, s};
  }
};

// Everything a block needs to emit its rows.
struct StepContext final {
  const ModelSpec& model;
  const HardwareSpec& hw;
  const DeploymentSpec& deployment;
  const WorkloadSpec& workload;
  int64_t requests = 1;            // per micro-batch on this rank
  int64_t queries_per_request = 1;  // query tokens each request feeds this pass
  double attention_sum_context = 0.0;  // per micro-batch, slowest rank
  int64_t micro_batches = 1;
  Part part = Part::kDense;
  int64_t count = 0;

  constexpr int64_t Tokens() const { return requests * queries_per_request; }
};

// A range of rows of a StepResult.
struct RowRange final {
  std::size_t first = 0;
  std::size_t end = 0;
  constexpr bool empty() const { return end <= first; }
};

namespace graph_internal {

// Sum() is two kernels run back to back as one row.
constexpr OpCost Sum(const OpCost& a, const OpCost& b) {
  OpCost c = a;
  c.flops += b.flops;
  c.bytes += b.bytes;
  c.link_bytes += b.link_bytes;
  c.kernel_time += b.kernel_time;
  c.overhead += b.overhead;
  c.kernels += b.kernels;
  if (b.kernel_time > a.kernel_time) {
    c.bound = b.bound;
    c.op_class = b.op_class;
  }
  return c;
}

// RepeatInPlace() makes `c` an op run once per micro-batch.
constexpr void RepeatInPlace(OpCost& c, int64_t times) {
  const double t = static_cast<double>(times);
  c.flops *= t;
  c.bytes *= t;
  c.link_bytes *= t;
  c.kernel_time *= t;
  c.overhead *= t;
  c.kernels *= times;
}

// Emit() appends one op's row (this runs ~60 times a step). `cost` returns
// the op's OpCost, which is constructed in the row itself: copying a returned
// OpCost into the row cost more than costing most ops (the copy's wide loads
// stalled on the op's just-written narrow stores).
template <typename CostFn>
  requires std::is_invocable_r_v<OpCost, CostFn>
[[gnu::always_inline]] constexpr void Emit(const StepContext& c, StepResult& r,
                                           std::string_view op, CostFn&& cost) {
  if (r.row_count >= StepResult::kMaxRows) return;
  OpRow& row = r.rows[r.row_count++];
  row.op = op;
  row.part = c.part;
  row.count = c.count;
  std::construct_at(&row.cost, cost());
  if (c.micro_batches != 1) RepeatInPlace(row.cost, c.micro_batches);
  if (c.hw.correction_count > 0) row.cost.kernel_time *= c.hw.TimeFactor(op, PartName(c.part));
  row.visible = row.cost.time();
}

// CopyRows() appends copies of `rows` as rows of `c`'s part and count.
constexpr void CopyRows(const StepContext& c, StepResult& r, RowRange rows) {
  for (std::size_t i = rows.first; i < rows.end && r.row_count < StepResult::kMaxRows; ++i) {
    OpRow& row = r.rows[r.row_count++];
    row = r.rows[i];
    row.part = c.part;
    row.count = c.count;
  }
}

// RmsNorm() over `width` elements per token, BF16 in and out; `fused_add`
// also reads and writes the residual stream.
constexpr OpCost RmsNorm(const StepContext& c, int64_t width, bool fused_add) {
  return perfmodel::RmsNorm(c.Tokens(), width, fused_add, c.hw);
}

// QuantGemm() is a GEMM whose FP8 (or FP4) input is quantised per token by a
// kernel of its own first; BF16 activations need none.
constexpr OpCost QuantGemm(const StepContext& c, const GemmShape& s, OpClass cls = OpClass::kGemm) {
  const GemmTypes t = GemmTypes::For(c.model);
  const OpCost gemm = Gemm(s, t, c.hw, cls);
  if (t.input == DType::kBf16 || t.input == DType::kFp16 || t.input == DType::kFp32) return gemm;
  const OpCost quant =
      QuantizeActivations(static_cast<double>(s.m * s.k * s.batch), t.input, c.hw);
  return Sum(quant, gemm);
}

// ActAndQuant() is SiLU-and-mul over `elements` outputs (reading gate and up
// in BF16), writing the activation dtype directly: with FP8 activations the
// down-projection's per-token quantisation is fused here (the seed's profile
// shows the down GEMMs as single kernels).
constexpr OpCost ActAndQuant(const StepContext& c, double elements) {
  return SiluAndMul(elements, c.model.activation_dtype, c.hw);
}

}  // namespace graph_internal

// MLA attention block, absorbed for decode (DeepSeek-V2/V3), after the layer's
// input norm (DecoderLayer emits it): fused q_a/kv_a down-projection, their
// norms, q_b up-projection, q·W_uk per head, RoPE (and the KV-cache write),
// FlashMLA, ·W_uv per head, o_proj.
struct MlaAttention final {
  static constexpr void Emit(const StepContext& c, StepResult& r) {
    using namespace graph_internal;
    const ModelSpec& m = c.model;
    const MlaSpec& a = m.mla;
    const int64_t tp = c.deployment.parallel.attention_tp;
    const int64_t heads = a.heads / tp;
    const int64_t t = c.Tokens();
    const int64_t qk_head = a.qk_nope_head_dim + a.qk_rope_head_dim;
    const GemmTypes types = GemmTypes::For(m);
    const GemmTypes bf16 = {m.attention_dtype, m.attention_dtype, DType::kBf16, m.attention_dtype};

    const int64_t down_n = (a.q_lora_rank > 0 ? a.q_lora_rank : a.heads * qk_head) +
                           a.kv_lora_rank + a.qk_rope_head_dim;
    graph_internal::Emit(c, r, "q_a_kv_a", [&] {
      return Gemm({t, down_n, m.hidden_size, 1}, types, c.hw);
    });
    if (a.q_lora_rank > 0) {
      graph_internal::Emit(c, r, "q_kv_norm",
                           [&] { return RmsNorm(c, a.q_lora_rank + a.kv_lora_rank, false); });
      graph_internal::Emit(c, r, "q_b", [&] {
        return QuantGemm(c, {t, heads * qk_head, a.q_lora_rank, 1});
      });
    } else {
      graph_internal::Emit(c, r, "q_kv_norm", [&] { return RmsNorm(c, a.kv_lora_rank, false); });
    }
    graph_internal::Emit(c, r, "bmm_q_uk", [&] {
      return Gemm({t, a.kv_lora_rank, a.qk_nope_head_dim, heads}, bf16, c.hw, OpClass::kGemm, 2);
    });
    // RoPE on q's and k's rope parts, then the latent KV written to the cache.
    const double rope_elements = static_cast<double>(t * (heads + 1) * a.qk_rope_head_dim);
    const OpCost rope = Elementwise(rope_elements, 2.0, 2.0, 6.0, c.hw, 2);
    const OpCost cache_write = Elementwise(
        static_cast<double>(t * (a.kv_lora_rank + a.qk_rope_head_dim)), 2.0,
        BytesPerElement(m.kv_cache_dtype), 0.0, c.hw);
    graph_internal::Emit(c, r, "rope", [&] { return Sum(rope, cache_write); });
    const double sum_queries_context =
        static_cast<double>(c.queries_per_request) * c.attention_sum_context;
    graph_internal::Emit(c, r, "attention", [&] {
      return MlaDecodeAttention(t, heads, sum_queries_context, c.attention_sum_context, a,
                                m.kv_cache_dtype, m.attention_dtype, c.hw, 2);
    });
    graph_internal::Emit(c, r, "bmm_uv", [&] {
      return Gemm({t, a.v_head_dim, a.kv_lora_rank, heads}, bf16, c.hw, OpClass::kGemm, 2);
    });
    graph_internal::Emit(c, r, "o_proj", [&] {
      return QuantGemm(c, {t, m.hidden_size, heads * a.v_head_dim, 1});
    });
    if (tp > 1) {
      graph_internal::Emit(c, r, "o_allreduce", [&] {
        return AllReduce(ByteCount(static_cast<double>(t * m.hidden_size) * 2.0), tp, c.hw);
      });
    }
  }
};

// Grouped-query attention block (Llama, Qwen), after the layer's input norm:
// fused QKV projection, RoPE and cache write, attention, o_proj.
struct GqaAttention final {
  static constexpr void Emit(const StepContext& c, StepResult& r) {
    using namespace graph_internal;
    const ModelSpec& m = c.model;
    const GqaSpec& a = m.gqa;
    const int64_t tp = c.deployment.parallel.attention_tp;
    const int64_t heads = a.heads / tp;
    const int64_t kv_heads = a.kv_heads >= tp ? a.kv_heads / tp : 1;
    const int64_t t = c.Tokens();
    graph_internal::Emit(c, r, "qkv_proj", [&] {
      return QuantGemm(c, {t, (heads + 2 * kv_heads) * a.head_dim, m.hidden_size, 1});
    });
    const double rope_elements = static_cast<double>(t * (heads + kv_heads) * a.head_dim);
    const OpCost rope = Elementwise(rope_elements, 2.0, 2.0, 6.0, c.hw, 1);
    const OpCost cache_write =
        Elementwise(static_cast<double>(t * 2 * kv_heads * a.head_dim), 2.0,
                    BytesPerElement(m.kv_cache_dtype), 0.0, c.hw);
    graph_internal::Emit(c, r, "rope", [&] { return Sum(rope, cache_write); });
    const double sum_queries_context =
        static_cast<double>(c.queries_per_request) * c.attention_sum_context;
    graph_internal::Emit(c, r, "attention", [&] {
      return GqaDecodeAttention(t, heads, kv_heads, a.head_dim, sum_queries_context,
                                c.attention_sum_context, m.kv_cache_dtype, m.attention_dtype, c.hw);
    });
    graph_internal::Emit(c, r, "o_proj", [&] {
      return QuantGemm(c, {t, m.hidden_size, heads * a.head_dim, 1});
    });
    if (tp > 1) {
      graph_internal::Emit(c, r, "o_allreduce", [&] {
        return AllReduce(ByteCount(static_cast<double>(t * m.hidden_size) * 2.0), tp, c.hw);
      });
    }
  }
};

// Dense gated MLP, tensor-parallel over dense_tp: column-parallel up/gate,
// SiLU-and-mul, row-parallel down. When dense_tp spans several attention DP
// ranks their tokens are all-gathered first and reduce-scattered after.
struct DenseMlp final {
  // `attention_first` is the row where this layer's attention block starts.
  static constexpr void Emit(const StepContext& c, StepResult& r, std::size_t /*attention_first*/) {
    using namespace graph_internal;
    const ModelSpec& m = c.model;
    const Parallelism& p = c.deployment.parallel;
    const int64_t tp = p.dense_tp;
    const int64_t gather =
        (tp > p.attention_tp && tp % p.attention_tp == 0) ? tp / p.attention_tp : 1;
    const int64_t t = c.Tokens() * gather;
    const int64_t inter = m.dense_intermediate_size / tp;
    const Bytes activations = ByteCount(static_cast<double>(t * m.hidden_size) * 2.0);
    graph_internal::Emit(c, r, "mlp_norm", [&] { return RmsNorm(c, m.hidden_size, true); });
    if (gather > 1)
      graph_internal::Emit(c, r, "mlp_allgather",
                           [&] { return AllGather(activations, gather, c.hw); });
    graph_internal::Emit(c, r, "mlp_up_gate", [&] {
      return QuantGemm(c, {t, 2 * inter, m.hidden_size, 1});
    });
    graph_internal::Emit(c, r, "mlp_act",
                         [&] { return ActAndQuant(c, static_cast<double>(t * inter)); });
    graph_internal::Emit(c, r, "mlp_down", [&] {
      return Gemm({t, m.hidden_size, inter, 1}, GemmTypes::For(m), c.hw);
    });
    if (gather > 1) {
      graph_internal::Emit(c, r, "mlp_reducescatter",
                           [&] { return ReduceScatter(activations, gather, c.hw); });
    } else if (tp > 1) {
      graph_internal::Emit(c, r, "mlp_allreduce", [&] { return AllReduce(activations, tp, c.hw); });
    }
  }
};

// Mixture of experts with expert parallelism (DeepEP low-latency all-to-all):
// router, shared experts, dispatch, routed grouped GEMMs (masked layout),
// combine, and the weighted sum with the shared output.
struct MoeMlp final {
  // `attention_first` is the row where this layer's attention block starts.
  static constexpr void Emit(const StepContext& c, StepResult& r, std::size_t attention_first) {
    using namespace graph_internal;
    const ModelSpec& m = c.model;
    const MoeSpec& e = m.moe;
    const DeploymentSpec& d = c.deployment;
    const Parallelism& p = d.parallel;
    const int64_t t = c.Tokens();
    const int64_t h = m.hidden_size;
    const GemmTypes types = GemmTypes::For(m);
    const std::size_t first = r.row_count;

    graph_internal::Emit(c, r, "mlp_norm", [&] { return RmsNorm(c, h, true); });
    const OpCost gate = Gemm({t, e.routed_experts, h, 1}, GemmTypes::Bf16(), c.hw);
    const OpCost topk =
        Elementwise(static_cast<double>(t * e.routed_experts), 4.0, 0.0, 8.0, c.hw);
    graph_internal::Emit(c, r, "router", [&] { return Sum(gate, topk); });
    const std::size_t shared_first = r.row_count;
    if (e.shared_experts > 0) {
      const int64_t inter = e.shared_experts * e.expert_intermediate_size;
      graph_internal::Emit(c, r, "shared_up_gate", [&] {
        return QuantGemm(c, {t, 2 * inter, h, 1});
      });
      graph_internal::Emit(c, r, "shared_act",
                           [&] { return ActAndQuant(c, static_cast<double>(t * inter)); });
      graph_internal::Emit(c, r, "shared_down", [&] {
        return Gemm({t, h, inter, 1}, types, c.hw);
      });
    }
    const std::size_t dispatch_row = r.row_count;
    graph_internal::Emit(c, r, "dispatch", [&] {
      return EpDispatch(t, e.experts_per_token, h, m.activation_dtype, p.moe_ep, Transport::kAuto,
                        c.hw, c.workload.expert_imbalance);
    });
    // Tokens per expert replica: all DP ranks' tokens x experts per token over
    // the expert slots; the hottest rank carries `expert_imbalance` x the mean.
    const double slots = static_cast<double>(e.routed_experts + p.redundant_experts);
    const int64_t local_experts = (e.routed_experts + p.redundant_experts) / p.moe_ep;
    const double pairs = static_cast<double>(t * p.attention_dp * e.experts_per_token);
    const double per_expert = pairs / slots * c.workload.expert_imbalance;
    const int64_t inter = e.expert_intermediate_size / p.moe_tp;
    const std::size_t experts_first = r.row_count;
    graph_internal::Emit(c, r, "moe_up_gate", [&] {
      return GroupedGemm(per_expert, local_experts, 2 * inter, h, types, c.hw);
    });
    graph_internal::Emit(c, r, "moe_act", [&] {
      return ActAndQuant(c, per_expert * static_cast<double>(local_experts * inter));
    });
    graph_internal::Emit(c, r, "moe_down", [&] {
      return GroupedGemm(per_expert, local_experts, h, inter, types, c.hw);
    });
    const std::size_t combine_row = r.row_count;
    graph_internal::Emit(c, r, "combine", [&] {
      return EpCombine(t, e.experts_per_token, h, p.moe_ep, Transport::kAuto, c.hw,
                       c.workload.expert_imbalance);
    });
    graph_internal::Emit(c, r, "moe_post", [&] {
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

// A decoder layer: the input norm (fused with the residual add unless it is
// the model's first op), an attention block, then an MLP block. Emit() returns
// the attention block's rows; `reuse` names the rows of an attention block of
// the same type already costed for the same tokens and context (another part
// of the same step), which are copied instead of costed again.
template <typename Attention, typename Mlp>
struct DecoderLayer final {
  using AttentionBlock = Attention;

  static constexpr RowRange Emit(const StepContext& c, StepResult& r, bool first_norm_fused,
                                 RowRange reuse = {}) {
    const std::size_t attention_first = r.row_count;
    graph_internal::Emit(c, r, "attn_norm", [&] {
      return graph_internal::RmsNorm(c, c.model.hidden_size, first_norm_fused);
    });
    const std::size_t block_first = r.row_count;
    if (reuse.empty()) {
      Attention::Emit(c, r);
    } else {
      graph_internal::CopyRows(c, r, reuse);
    }
    const RowRange block{block_first, r.row_count};
    Mlp::Emit(c, r, attention_first);
    return block;
  }
};

template <typename Attention>
using DenseLayer = DecoderLayer<Attention, DenseMlp>;
template <typename Attention>
using MoeLayer = DecoderLayer<Attention, MoeMlp>;

// The main model's decoder layers: the dense-layer type for the model's DENSE
// groups and the MoE-layer type for its MOE groups, each emitted once with the
// count of layers of its kind. The very first layer's input norm has no
// residual to add; later ones fuse the residual add (the seed's tables).
template <typename Dense, typename Moe>
struct Layers final {
  static constexpr void Emit(const StepContext& base, StepResult& r) {
    const ModelSpec& m = base.model;
    const bool dense_first =
        m.layer_group_count > 0 && m.layer_groups[0].kind == LayerKind::kDense;
    RowRange dense_attention;
    if (const int64_t n = m.LayerCount(LayerKind::kDense); n > 0) {
      StepContext c = base;
      c.part = Part::kDense;
      c.count = n;
      dense_attention = Dense::Emit(c, r, !dense_first);
    }
    if (const int64_t n = m.LayerCount(LayerKind::kMoe); n > 0) {
      StepContext c = base;
      c.part = Part::kMoe;
      c.count = n;
      // Both parts see the same tokens and context: their attention blocks
      // cost the same unless a per-part correction tells them apart.
      constexpr bool kSameBlock =
          std::is_same_v<typename Dense::AttentionBlock, typename Moe::AttentionBlock>;
      const bool reuse = kSameBlock && base.hw.correction_count == 0;
      Moe::Emit(c, r, dense_first, reuse ? dense_attention : RowRange{});
    }
  }
};

// The LM head over `c`'s tokens and the sampling of their next tokens.
struct LmHeadOps final {
  static constexpr void Emit(const StepContext& c, StepResult& r) {
    const ModelSpec& m = c.model;
    const int64_t tp = c.deployment.parallel.attention_tp;
    const int64_t t = c.Tokens();
    const GemmTypes head{m.head_dtype, DType::kBf16, DType::kFp32, m.head_dtype};
    graph_internal::Emit(c, r, "lm_head", [&] {
      return Gemm({t, m.vocab_size / tp, m.hidden_size, 1}, head, c.hw);
    });
    graph_internal::Emit(c, r, "sampling", [&] {
      return Elementwise(static_cast<double>(t * m.vocab_size / tp), 4.0, 0.0, 4.0, c.hw, 2);
    });
  }
};

// The main model's final norm, LM head and sampling, once per step.
struct LmHead final {
  static constexpr void Emit(const StepContext& base, StepResult& r) {
    StepContext c = base;
    c.part = Part::kHead;
    c.count = 1;
    graph_internal::Emit(c, r, "final_norm",
                         [&] { return graph_internal::RmsNorm(c, c.model.hidden_size, true); });
    LmHeadOps::Emit(c, r);
  }
};

// Multi-token prediction: mtp_draft_tokens sequential passes, each one token
// per request through the MTP module (norms and projection of the embedding
// and hidden state, one decoder layer, the shared LM head). The layer is of
// type `Dense` or `Moe` as the model's mtp_layer_kind says.
template <typename Dense, typename Moe>
struct Mtp final {
  static constexpr void Emit(const StepContext& base, StepResult& r) {
    const int64_t passes = base.workload.mtp_draft_tokens;
    if (passes <= 0 || base.model.mtp_modules <= 0) return;
    StepContext c = base;
    c.part = Part::kMtp;
    c.count = passes;
    c.requests = base.requests * base.micro_batches;
    c.micro_batches = 1;
    c.queries_per_request = 1;
    c.attention_sum_context = base.attention_sum_context * static_cast<double>(base.micro_batches);
    const ModelSpec& m = c.model;
    const int64_t t = c.Tokens();
    graph_internal::Emit(c, r, "mtp_norms",
                         [&] { return graph_internal::RmsNorm(c, 2 * m.hidden_size, false); });
    graph_internal::Emit(c, r, "mtp_eh_proj", [&] {
      return graph_internal::QuantGemm(c, {t, m.hidden_size, 2 * m.hidden_size, 1});
    });
    if (m.mtp_layer_kind == LayerKind::kMoe) {
      Moe::Emit(c, r, false);
    } else {
      Dense::Emit(c, r, false);
    }
    LmHeadOps::Emit(c, r);
  }
};

// A decode step: the parts in order. Estimate() costs every row, sums the
// forward time and derives the SLA and the memory per GPU.
template <typename... Parts>
struct DecodeStep final {
  // EstimateInto() fills `r` in place (reusing its storage: no per-call
  // initialisation of the row array), for callers that estimate in a loop.
  static constexpr void EstimateInto(const ModelSpec& model, const HardwareSpec& hw,
                                     const DeploymentSpec& d, const WorkloadSpec& w,
                                     const StepShape& shape, StepResult& r) {
    r.row_count = 0;
    r.forward = Duration::Zero();
    const int64_t mb = (d.overlap == Overlap::kTwoMicroBatch && shape.batch_per_dp >= 2) ? 2 : 1;
    StepContext c{model, hw, d, w};
    // An odd batch splits into micro-batches of ceil(b / 2) and floor(b / 2);
    // both are costed as the larger (an overestimate of at most one request).
    c.requests = (shape.batch_per_dp + mb - 1) / mb;
    c.queries_per_request = w.TokensPerRequestPerStep();
    c.attention_sum_context = shape.attention_sum_context / static_cast<double>(mb);
    c.micro_batches = mb;
    (Parts::Emit(c, r), ...);
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

  // MemoryPerGpu() is the weights, KV cache and reserve one GPU holds.
  static constexpr MemoryUse MemoryPerGpu(const ModelSpec& m, const HardwareSpec& hw,
                                          const DeploymentSpec& d, const WorkloadSpec& w,
                                          const StepShape& shape) {
    const Parallelism& p = d.parallel;
    const double wb = BytesPerElement(m.weight_dtype);
    const double h = static_cast<double>(m.hidden_size);
    const double tp = static_cast<double>(p.attention_tp);
    double attention = 0.0;   // per layer
    double kv_per_token = 0.0;  // per layer
    if (m.attention_kind == AttentionKind::kMla) {
      const MlaSpec& a = m.mla;
      const double qk = static_cast<double>(a.qk_nope_head_dim + a.qk_rope_head_dim);
      const double heads = static_cast<double>(a.heads);
      const double q_lora = static_cast<double>(a.q_lora_rank);
      const double kv = static_cast<double>(a.kv_lora_rank);
      const double rope = static_cast<double>(a.qk_rope_head_dim);
      const double down = h * ((a.q_lora_rank > 0 ? q_lora : heads * qk) + kv + rope);
      const double up = (a.q_lora_rank > 0 ? q_lora * heads * qk : 0.0) +
                        kv * heads * static_cast<double>(a.qk_nope_head_dim + a.v_head_dim);
      const double out = heads * static_cast<double>(a.v_head_dim) * h;
      attention = (down + (up + out) / tp) * wb;
      kv_per_token = (kv + rope) * BytesPerElement(m.kv_cache_dtype);
    } else {
      const GqaSpec& a = m.gqa;
      const double hd = static_cast<double>(a.head_dim);
      const double qkv = h * static_cast<double>(a.heads + 2 * a.kv_heads) * hd;
      const double out = static_cast<double>(a.heads) * hd * h;
      attention = (qkv + out) / tp * wb;
      const double kv_heads = a.kv_heads >= p.attention_tp
                                  ? static_cast<double>(a.kv_heads) / tp
                                  : 1.0;
      kv_per_token = 2.0 * kv_heads * hd * BytesPerElement(m.kv_cache_dtype);
    }
    const double dense_mlp = 3.0 * h * static_cast<double>(m.dense_intermediate_size) /
                             static_cast<double>(p.dense_tp) * wb;
    const MoeSpec& e = m.moe;
    const double local_experts =
        static_cast<double>(e.routed_experts + p.redundant_experts) / static_cast<double>(p.moe_ep);
    const double expert = 3.0 * h * static_cast<double>(e.expert_intermediate_size) /
                          static_cast<double>(p.moe_tp) * wb;
    const double moe_mlp = local_experts * expert +
                           static_cast<double>(e.shared_experts) * 3.0 * h *
                               static_cast<double>(e.expert_intermediate_size) * wb +
                           h * static_cast<double>(e.routed_experts) * 4.0;
    const double dense_layers = static_cast<double>(m.LayerCount(LayerKind::kDense));
    const double moe_layers = static_cast<double>(m.LayerCount(LayerKind::kMoe));
    const double mtp = static_cast<double>(m.mtp_modules);
    const double mtp_layer =
        attention + (m.mtp_layer_kind == LayerKind::kMoe ? moe_mlp : dense_mlp) + 2.0 * h * h * wb;
    const double embeddings =
        2.0 * static_cast<double>(m.vocab_size) * h * BytesPerElement(m.head_dtype) / tp;
    const double weights = dense_layers * (attention + dense_mlp) +
                           moe_layers * (attention + moe_mlp) + mtp * mtp_layer + embeddings;
    const double tokens = shape.sum_context +
                          static_cast<double>(shape.batch_per_dp * w.TokensPerRequestPerStep());
    const double kv = tokens * kv_per_token * (dense_layers + moe_layers + mtp);
    return MemoryUse{ByteCount(weights), ByteCount(kv), d.memory_reserve_per_gpu, hw.hbm_capacity};
  }
};

// The model families perfmodel knows, as compile-time compositions.
using DeepSeekDecode =
    DecodeStep<Layers<DenseLayer<MlaAttention>, MoeLayer<MlaAttention>>,
               Mtp<DenseLayer<MlaAttention>, MoeLayer<MlaAttention>>, LmHead>;
using GqaDecode = DecodeStep<Layers<DenseLayer<GqaAttention>, MoeLayer<GqaAttention>>,
                             Mtp<DenseLayer<GqaAttention>, MoeLayer<GqaAttention>>, LmHead>;

// EstimateDecode() is the runtime entry point: it picks the family by the
// model's attention kind and runs the same compile-time graph.
constexpr StepResult EstimateDecode(const ModelSpec& model, const HardwareSpec& hw,
                                    const DeploymentSpec& d, const WorkloadSpec& w,
                                    const StepShape& shape) {
  return model.attention_kind == AttentionKind::kMla
             ? DeepSeekDecode::Estimate(model, hw, d, w, shape)
             : GqaDecode::Estimate(model, hw, d, w, shape);
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
  if (model.attention_kind == AttentionKind::kMla) {
    DeepSeekDecode::EstimateInto(model, hw, d, w, shape, r);
  } else {
    GqaDecode::EstimateInto(model, hw, d, w, shape, r);
  }
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

#endif  // PERFMODEL_GRAPH_H_
