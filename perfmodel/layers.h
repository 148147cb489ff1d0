// File: perfmodel/layers.h
// -----------------------------------------------------------------------------
//
// The parts of a step, composed from the blocks: a decoder layer (input norm,
// attention block, MLP block), the main model's layers by kind, the MTP
// module and the LM head. Each part says how many rows it can emit
// (kMaxRows), the weight bytes one GPU holds for it (WeightBytes()) and its
// KV-cache bytes per token (KvCacheBytesPerToken()), summed from its blocks'
// declared weights: nothing here lists a weight of its own but the head's.
//
//   using Main = Layers<DenseLayer<MlaAttention>, MoeLayer<MlaAttention>>;
//   Main::WeightBytes(deepseek_v3, seed)   // 3 dense + 58 MoE layers on one GPU

#ifndef PERFMODEL_LAYERS_H_
#define PERFMODEL_LAYERS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "perfmodel/attention_blocks.h"
#include "perfmodel/mlp_blocks.h"
#include "perfmodel/names.h"
#include "perfmodel/ops.h"
#include "perfmodel/spec.h"
#include "perfmodel/step.h"
#include "perfmodel/step_context.h"
#include "perfmodel/units.h"

namespace perfmodel {

// A decoder layer: the input norm (fused with the residual add unless it is
// the model's first op), an attention block, then an MLP block. Emit() returns
// the attention block's rows; `reuse` names the rows of an attention block of
// the same type already costed for the same tokens and context (another part
// of the same step), which are copied instead of costed again.
template <typename Attention, typename Mlp>
struct DecoderLayer final {
  using AttentionBlock = Attention;
  static constexpr std::size_t kMaxRows = 1 + Attention::kMaxRows + Mlp::kMaxRows;

  static constexpr Bytes WeightBytes(const ModelSpec& m, const DeploymentSpec& d) {
    return Attention::Weights(m, d).Total() + Mlp::Weights(m, d).Total();
  }
  static constexpr Bytes KvCacheBytesPerToken(const ModelSpec& m, const DeploymentSpec& d) {
    return Attention::KvCacheBytesPerToken(m, d);
  }

  static constexpr Bytes Workspace(const StepContext& c) {
    return Max(Attention::Workspace(c), Mlp::Workspace(c));
  }

  // MarkWait() sets the wait of the MLP block's first communication row
  // (from `first`): the attention's time on the slowest rank less its time on
  // a balanced one (Attention::AttentionCost() at each Σ context), for every
  // micro-batch of the row.
  [[gnu::noinline]] static constexpr void MarkWait(const StepContext& c, StepResult& r,
                                                   std::size_t first) {
    // A mixed forward's chunks are on no rank's critical path twice: the
    // lag is the decode requests' attention's.
    if (c.chunk != nullptr) return MarkWait(c.DecodePart(), r, first);
    for (std::size_t i = first; i < r.row_count; ++i) {
      OpRow& row = r.rows[i];
      if (!IsLinkClass(row.cost.op_class) || row.cost.kernels == 0) continue;
      StepContext balanced = c;
      balanced.attention_sum_context = c.balanced_sum_context;
      balanced.attention_pairs =
          static_cast<double>(c.queries_per_request) * c.balanced_sum_context;
      balanced.attention_kv_tokens = c.balanced_sum_context;
      Duration lag = Attention::AttentionCost(c).time() - Attention::AttentionCost(balanced).time();
      // Each attention row's lag scales with that row's correction.
      double factor = c.TimeFactor(Op::kAttention);
      if constexpr (requires { Attention::SlidingCost(c); }) {
        // Sliding layers lag by their windowed attention: the part's mean.
        if (const int64_t s = graph_internal::SlidingLayers(c); s > 0) {
          const Duration window =
              Attention::SlidingCost(c).time() - Attention::SlidingCost(balanced).time();
          const double window_factor = c.TimeFactor(Op::kSlidingAttention);
          lag = (lag * factor * static_cast<double>(c.count - s) +
                 window * window_factor * static_cast<double>(s)) /
                static_cast<double>(c.count);
          factor = 1.0;
        }
      }
      row.wait = lag * static_cast<double>(c.micro_batches) * factor;
      return;
    }
  }

  static constexpr RowRange Emit(const StepContext& c, StepResult& r, bool first_norm_fused,
                                 RowRange reuse = {}) {
    const std::size_t attention_first = r.row_count;
    graph_internal::Emit(c, r, Op::kAttnNorm, [&] {
      return graph_internal::RmsNorm(c, c.model.hidden_size, first_norm_fused);
    });
    const std::size_t block_first = r.row_count;
    if (reuse.empty()) {
      Attention::Emit(c, r);
    } else {
      graph_internal::CopyRows(c, r, reuse);
    }
    const RowRange block{block_first, r.row_count};
    const std::size_t mlp_first = r.row_count;
    Mlp::Emit(c, r, attention_first);
    if (c.balanced_sum_context < c.attention_sum_context) MarkWait(c, r, mlp_first);
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
  static constexpr std::size_t kMaxRows = Dense::kMaxRows + Moe::kMaxRows;

  static constexpr Bytes WeightBytes(const ModelSpec& m, const DeploymentSpec& d) {
    Bytes b;
    if (const int64_t n = m.LayerCount(LayerKind::kDense); n > 0) {
      b += Dense::WeightBytes(m, d) * static_cast<double>(n);
    }
    if (const int64_t n = m.LayerCount(LayerKind::kMoe); n > 0) {
      b += Moe::WeightBytes(m, d) * static_cast<double>(n);
    }
    return b;
  }
  // KvCache() is the layers' KV cache: the full-attention layers' per
  // token, the sliding layers' per token up to the window.
  static constexpr KvFootprint KvCache(const ModelSpec& m, const DeploymentSpec& d) {
    const SlidingWindowSpec& s = m.sliding;
    const int64_t sd = s.window_tokens > 0 ? s.dense_layers : 0;
    const int64_t sm = s.window_tokens > 0 ? s.moe_layers : 0;
    KvFootprint f;
    f.per_token =
        Dense::KvCacheBytesPerToken(m, d) *
            static_cast<double>(m.LayerCount(LayerKind::kDense) - sd) +
        Moe::KvCacheBytesPerToken(m, d) * static_cast<double>(m.LayerCount(LayerKind::kMoe) - sm);
    if (sd + sm > 0) {
      f.per_window_token = Dense::KvCacheBytesPerToken(m, d) * static_cast<double>(sd) +
                           Moe::KvCacheBytesPerToken(m, d) * static_cast<double>(sm);
      f.window_tokens = s.window_tokens;
    }
    return f;
  }

  static constexpr Bytes Workspace(const StepContext& c) {
    Bytes b;
    if (c.model.HasLayerKind(LayerKind::kDense)) b = Dense::Workspace(c);
    if (c.model.HasLayerKind(LayerKind::kMoe)) b = Max(b, Moe::Workspace(c));
    return b;
  }

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
      // (Sliding layers split the attention rows by count: no copy.)
      const bool reuse =
          kSameBlock && base.hw.correction_count == 0 && m.sliding.window_tokens == 0;
      const RowRange moe_attention =
          Moe::Emit(c, r, dense_first, reuse ? dense_attention : RowRange{});
      if (dense_attention.empty()) dense_attention = moe_attention;
    }
    // Without per-part corrections a later part's identical block may copy
    // these rows (the prefill MTP layer).
    if (base.shared != nullptr && base.hw.correction_count == 0 && !dense_attention.empty() &&
        m.sliding.window_tokens == 0) {
      base.shared->attention = dense_attention;
      base.shared->attention_block = m.LayerCount(LayerKind::kDense) > 0
                                         ? &Dense::AttentionBlock::Emit
                                         : &Moe::AttentionBlock::Emit;
    }
  }
};

// The LM head over `c`'s tokens and the sampling of their next tokens. The
// head's weight is split over the attention TP ranks by vocabulary.
struct LmHeadOps final {
  static constexpr std::size_t kMaxRows = 2;

  static constexpr WeightTensor HeadWeight(const ModelSpec& m, const DeploymentSpec& d) {
    return {m.hidden_size, m.vocab_size / d.parallel.attention_tp, 1, m.head_dtype};
  }

  // Emit() is the head over `c`'s head_tokens: per micro-batch in
  // decode (every query token is verified), once per forward in prefill (a
  // prompt's last token, in its last chunk; none before).
  static constexpr void Emit(const StepContext& c, StepResult& r) {
    if (c.head_tokens <= 0) return;
    if (c.Prefill() && c.micro_batches != 1) {
      StepContext once = c;
      once.micro_batches = 1;
      EmitRows(once, r);
      return;
    }
    EmitRows(c, r);
  }

 private:
  static constexpr void EmitRows(const StepContext& c, StepResult& r) {
    const ModelSpec& m = c.model;
    const int64_t t = c.head_tokens;
    const WeightTensor w = HeadWeight(m, c.deployment);
    const GemmTypes head{w.dtype, DType::kBf16, DType::kFp32, w.dtype};
    graph_internal::Emit(c, r, Op::kLmHead, [&] {
      return graph_internal::PlannedGemm(c, Op::kLmHead, 0, w, head, t);
    });
    graph_internal::Emit(c, r, Op::kSampling, [&] {
      return Elementwise(static_cast<double>(t * w.n), 4.0, 0.0, 4.0, c.hw, 2);
    });
  }
};

// The main model's final norm, LM head and sampling, once per step. It holds
// the embedding table and the head (split by vocabulary over attention TP),
// which the MTP module shares.
struct LmHead final {
  static constexpr std::size_t kMaxRows = 1 + LmHeadOps::kMaxRows;

  static constexpr Bytes WeightBytes(const ModelSpec& m, const DeploymentSpec& d) {
    const WeightTensor head = LmHeadOps::HeadWeight(m, d);
    const WeightTensor embedding{head.n, head.k, 1, head.dtype};  // [vocab / tp, hidden]
    return head.Size() + embedding.Size();
  }
  static constexpr KvFootprint KvCache(const ModelSpec&, const DeploymentSpec&) { return {}; }
  // Workspace() is the head's FP32 logits for the tokens it samples.
  static constexpr Bytes Workspace(const StepContext& c) {
    return ByteCount(static_cast<double>(c.head_tokens) *
                     static_cast<double>(c.model.vocab_size / c.deployment.parallel.attention_tp) *
                     4.0);
  }

  static constexpr void Emit(const StepContext& base, StepResult& r) {
    StepContext c = base;
    c.part = Part::kHead;
    c.count = 1;
    graph_internal::Emit(c, r, Op::kFinalNorm,
                         [&] { return graph_internal::RmsNorm(c, c.model.hidden_size, true); });
    LmHeadOps::Emit(c, r);
  }
};

// Multi-token prediction: in decode mtp_draft_tokens sequential passes, each
// one token per request through the MTP module; in prefill one pass over the
// chunk (norms and projection of the embedding
// and hidden state, one decoder layer, the shared LM head). The layer is of
// type `Dense` or `Moe` as the model's mtp_layer_kind says.
template <typename Dense, typename Moe>
struct Mtp final {
  // One pass's rows; a mixed forward adds a second group (its chunks' pass).
  static constexpr std::size_t kPassRows =
      2 + std::max(Dense::kMaxRows, Moe::kMaxRows) + LmHeadOps::kMaxRows;
  static constexpr std::size_t kMaxRows = 2 * kPassRows;

  // EhProjWeight() projects the concatenated embedding and hidden state.
  static constexpr WeightTensor EhProjWeight(const ModelSpec& m) {
    return {2 * m.hidden_size, m.hidden_size, 1, m.weight_dtype};
  }

  static constexpr Bytes WeightBytes(const ModelSpec& m, const DeploymentSpec& d) {
    const Bytes layer =
        m.mtp_layer_kind == LayerKind::kMoe ? Moe::WeightBytes(m, d) : Dense::WeightBytes(m, d);
    return (EhProjWeight(m).Size() + layer) * static_cast<double>(m.mtp_modules);
  }
  // KvCache() is the MTP layers' KV cache, per token (they never slide).
  static constexpr KvFootprint KvCache(const ModelSpec& m, const DeploymentSpec& d) {
    const Bytes layer = m.mtp_layer_kind == LayerKind::kMoe ? Moe::KvCacheBytesPerToken(m, d)
                                                            : Dense::KvCacheBytesPerToken(m, d);
    return {layer * static_cast<double>(m.mtp_modules), Bytes::Zero(), 0};
  }

  static constexpr Bytes Workspace(const StepContext& c) {
    if (c.workload.mtp_draft_tokens <= 0 || c.model.mtp_modules <= 0) return Bytes::Zero();
    return c.model.mtp_layer_kind == LayerKind::kMoe ? Moe::Workspace(c) : Dense::Workspace(c);
  }

  static constexpr void Emit(const StepContext& base, StepResult& r) {
    const int64_t passes = base.workload.mtp_draft_tokens;
    if (passes <= 0 || base.model.mtp_modules <= 0) return;
    if (base.chunk != nullptr) {
      // A mixed forward: the drafts' passes over the decode requests, and
      // the layer once over the chunks (their own KV cache, as in prefill).
      EmitPass(base.DecodePart(), r, passes);
      StepContext chunk = *base.chunk;
      chunk.shared = nullptr;
      EmitPass(chunk, r, passes);
      return;
    }
    EmitPass(base, r, passes);
  }

 private:
  static constexpr void EmitPass(const StepContext& base, StepResult& r, int64_t passes) {
    StepContext c = base;
    c.part = Part::kMtp;
    if (base.Prefill()) {
      // Prefill runs the MTP layer once over the chunk (its own KV cache),
      // drafting from the prompts' last tokens.
      c.count = 1;
    } else {
      c.count = passes;
      c.requests = base.requests * base.micro_batches;
      c.micro_batches = 1;
      c.queries_per_request = 1;
      c.attention_sum_context =
          base.attention_sum_context * static_cast<double>(base.micro_batches);
      c.balanced_sum_context = base.balanced_sum_context * static_cast<double>(base.micro_batches);
      c.attention_pairs = c.attention_sum_context;
      c.attention_kv_tokens = c.attention_sum_context;
      c.head_tokens = c.requests;
    }
    const ModelSpec& m = c.model;
    graph_internal::Emit(c, r, Op::kMtpNorms,
                         [&] { return graph_internal::RmsNorm(c, 2 * m.hidden_size, false); });
    graph_internal::Emit(c, r, Op::kMtpEhProj, [&] {
      return graph_internal::QuantGemm(c, Op::kMtpEhProj, EhProjWeight(m));
    });
    // In prefill the layer's attention block sees the main model's tokens and
    // context: it copies the main model's rows when the same block type costed
    // them (SharedRows; none under per-part corrections).
    auto reusable = [&](auto emit) {
      const SharedRows* s = base.shared;
      return base.Prefill() && s != nullptr && s->attention_block == emit ? s->attention
                                                                          : RowRange{};
    };
    if (m.mtp_layer_kind == LayerKind::kMoe) {
      Moe::Emit(c, r, false, reusable(&Moe::AttentionBlock::Emit));
    } else {
      Dense::Emit(c, r, false, reusable(&Dense::AttentionBlock::Emit));
    }
    LmHeadOps::Emit(c, r);
  }
};

}  // namespace perfmodel

#endif  // PERFMODEL_LAYERS_H_
