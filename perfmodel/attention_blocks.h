// File: perfmodel/attention_blocks.h
// -----------------------------------------------------------------------------
//
// The attention blocks of a decoder layer (after its input norm, which
// DecoderLayer emits): MLA (DeepSeek-V2/V3), absorbed for decode and in the
// cheaper of its MHA and absorbed forms for prefill, and grouped-query
// attention (Llama, Qwen). Each costs decode (FlashMLA / paged decode
// kernels over the cached context) or prefill (causal flash attention over
// the chunk and its prefix) as the step's phase says. Each declares its weights once
// (Weights(): what one GPU holds under the deployment's attention TP), from
// which both its GEMMs and the memory per GPU follow, and its KV-cache bytes
// per token.
//
//   MlaAttention::Weights(deepseek_v3, seed).o_proj   // k = 128 x 128, n = 7168, FP8
//   MlaAttention::KvCacheBytesPerToken(deepseek_v3, seed)  // (512 + 64) x 1 B

#ifndef PERFMODEL_ATTENTION_BLOCKS_H_
#define PERFMODEL_ATTENTION_BLOCKS_H_

#include <cstddef>
#include <cstdint>

#include "perfmodel/names.h"
#include "perfmodel/ops.h"
#include "perfmodel/spec.h"
#include "perfmodel/step.h"
#include "perfmodel/step_context.h"
#include "perfmodel/units.h"

namespace perfmodel {

namespace graph_internal {

// EmitOutputProjection() is an attention block's o_proj through `o_proj`, and
// the all-reduce of its BF16 output over the attention TP ranks.
constexpr void EmitOutputProjection(const StepContext& c, StepResult& r,
                                    const WeightTensor& o_proj) {
  Emit(c, r, Op::kOProj, [&] { return QuantGemm(c, Op::kOProj, o_proj); });
  if (const int64_t tp = c.deployment.parallel.attention_tp; tp > 1) {
    Emit(c, r, Op::kOAllreduce, [&] {
      return AllReduce(ByteCount(static_cast<double>(c.Tokens() * c.model.hidden_size) * 2.0),
                       tp, c.hw);
    });
  }
}

}  // namespace graph_internal

// MLA attention block, absorbed for decode: fused q_a/kv_a down-projection,
// their norms, q_b up-projection, q·W_uk per head, RoPE (and the KV-cache
// write), FlashMLA, ·W_uv per head, o_proj.
struct MlaAttention final {
  static constexpr std::size_t kMaxRows = 12;

  // The block's weights on one GPU. The absorbed per-head products read
  // kv_b's two halves as W_uk and W_uv in the attention dtype (the engine
  // keeps them unquantised for its batched GEMMs); the projections are in the
  // weight dtype. Without a q LoRA the queries come straight from the hidden
  // state in the down-projection, and q_b is absent.
  struct WeightSet final {
    WeightTensor q_a_kv_a;  // [hidden, q_lora + kv_lora + rope], not split by TP
    WeightTensor q_b;       // [q_lora, heads / tp x (nope + rope)]
    WeightTensor w_uk;      // heads / tp x [nope, kv_lora]
    WeightTensor w_uv;      // heads / tp x [kv_lora, v]
    WeightTensor o_proj;    // [heads / tp x v, hidden]
    // DeepSeek sparse attention's indexer (absent for dense MLA): its
    // queries from the q LoRA, [q_lora, index heads / tp x index_head_dim],
    // and its key and per-head weights from the hidden state, [hidden,
    // index_head_dim + index heads / tp].
    WeightTensor indexer_q;
    WeightTensor indexer_k_w;

    constexpr Bytes Total() const {
      return q_a_kv_a.Size() + q_b.Size() + w_uk.Size() + w_uv.Size() + o_proj.Size() +
             indexer_q.Size() + indexer_k_w.Size();
    }
  };

  static constexpr WeightSet Weights(const ModelSpec& m, const DeploymentSpec& d) {
    const MlaSpec& a = m.mla;
    const int64_t heads = a.heads / d.parallel.attention_tp;
    const int64_t qk_head = a.qk_nope_head_dim + a.qk_rope_head_dim;
    const int64_t down_n = (a.q_lora_rank > 0 ? a.q_lora_rank : a.heads * qk_head) +
                           a.kv_lora_rank + a.qk_rope_head_dim;
    WeightSet w;
    w.q_a_kv_a = {m.hidden_size, down_n, 1, m.AttentionWeightDType()};
    if (a.q_lora_rank > 0) w.q_b = {a.q_lora_rank, heads * qk_head, 1, m.AttentionWeightDType()};
    w.w_uk = {a.qk_nope_head_dim, a.kv_lora_rank, heads, m.attention_dtype};
    w.w_uv = {a.kv_lora_rank, a.v_head_dim, heads, m.attention_dtype};
    w.o_proj = {heads * a.v_head_dim, m.hidden_size, 1, m.AttentionWeightDType()};
    if (a.Sparse()) {
      const int64_t index_heads = IndexerHeads(m, d);
      w.indexer_q = {a.q_lora_rank, index_heads * a.index_head_dim, 1, m.AttentionWeightDType()};
      w.indexer_k_w = {m.hidden_size, a.index_head_dim + index_heads, 1, m.AttentionWeightDType()};
    }
    return w;
  }

  // IndexerHeads() is the indexer's heads on one GPU (split as the query
  // heads are).
  static constexpr int64_t IndexerHeads(const ModelSpec& m, const DeploymentSpec& d) {
    const int64_t tp = d.parallel.attention_tp;
    return m.mla.index_heads >= tp ? m.mla.index_heads / tp : 1;
  }

  // KvCacheBytesPerToken() is one layer's latent KV (and its RoPE key) per
  // token, replicated on every attention TP rank, and with sparse attention
  // the indexer's FP8 key (IndexerKBytesPerToken()).
  static constexpr Bytes KvCacheBytesPerToken(const ModelSpec& m, const DeploymentSpec& d) {
    if (m.mla.Sparse()) {
      return ByteCount(MlaKvBytesPerToken(m.mla, KvCacheDType(m, d)) +
                       IndexerKBytesPerToken(m.mla));
    }
    return ByteCount(MlaKvBytesPerToken(m.mla, KvCacheDType(m, d)));
  }

  // Workspace() is the block's largest live buffers for `c`'s tokens: the
  // queries, the MHA form's up-projected keys and values of every KV entry
  // attended (the larger form's) and the output, BF16.
  static constexpr Bytes Workspace(const StepContext& c) {
    const MlaSpec& a = c.model.mla;
    const double heads = static_cast<double>(a.heads / c.deployment.parallel.attention_tp);
    const double t = static_cast<double>(c.Tokens());
    const double qk = static_cast<double>(a.qk_nope_head_dim + a.qk_rope_head_dim);
    const double v = static_cast<double>(a.v_head_dim);
    return ByteCount(2.0 * heads * (t * (qk + v) + c.attention_kv_tokens * (qk + v)));
  }

  // KvB() is kv_b, the up-projection of the latent to per-head keys (nope
  // part) and values: W_uk and W_uv side by side, the same weights the
  // absorbed products read.
  static constexpr WeightTensor KvB(const WeightSet& w) {
    return {w.w_uk.n, (w.w_uk.k + w.w_uv.n) * w.w_uk.copies, 1, w.w_uk.dtype};
  }

  // AbsorbedPrefill() is causal attention over the latent (the decode
  // kernel's form): every head's query has width kv_lora + rope against the
  // shared latent, values kv_lora wide.
  // With sparse attention each query attends its top-k only (the window
  // pairs: Σ min(position, topk), WindowedCausalPairs()), every attended
  // entry read once (FM-08's kernel: the chunk's latent stays in L2).
  static constexpr OpCost AbsorbedPrefill(const StepContext& c, DType kv, DType math) {
    const MlaSpec& a = c.model.mla;
    return PrefillAttention(c.Tokens(), a.heads / c.deployment.parallel.attention_tp,
                            a.Sparse() ? c.window_pairs : c.attention_pairs,
                            a.kv_lora_rank + a.qk_rope_head_dim, a.kv_lora_rank,
                            c.attention_kv_tokens, MlaKvBytesPerToken(a, kv), math, c.hw, 2);
  }

  // The two ways to run MLA over a prefill chunk, costed to pick one. The
  // MHA form up-projects every KV entry the chunk attends (its own tokens
  // and the cached prefix) through kv_b, then runs per-head attention of
  // width nope + rope (keys) and v (values); the absorbed form runs the
  // decode kernel's latent attention, 576 + 512 wide per head, with q·W_uk
  // and ·W_uv around it. MHA costs kv_b's 2·kv_lora·heads·(nope + v) FLOPs
  // per KV entry but ~3.4x fewer per query-key pair, so it wins unless a
  // short chunk attends a long prefix (SGLang's and FlashMLA's code choose per
  // batch the same way). The model picks the cheaper by these costs.
  struct PrefillForm final {
    OpCost kv_b_proj;
    OpCost mha;
    Duration absorbed;  // bmm_q_uk + attention + bmm_uv of the absorbed form
    // Whether the MHA form computes the same attention: always for dense
    // MLA; with sparse attention only while no query has more than top-k
    // keys to choose from (the MHA form attends them all).
    bool mha_exact = true;

    constexpr bool MhaCheaper() const {
      return mha_exact && kv_b_proj.time() + mha.time() < absorbed;
    }
  };
  static constexpr PrefillForm PrefillForms(const StepContext& c, const WeightSet& w) {
    using graph_internal::PlannedGemm;
    const MlaSpec& a = c.model.mla;
    const int64_t heads = a.heads / c.deployment.parallel.attention_tp;
    const int64_t t = c.Tokens();
    const DType kv = KvCacheDType(c.model, c.deployment);
    const DType math = AttentionDType(c.model, c.deployment);
    const GemmTypes bmm = GemmTypes::ForWeight(c.model.attention_dtype, c.model.attention_dtype);
    PrefillForm f;
    const WeightTensor kv_b = KvB(w);
    const int64_t entries = static_cast<int64_t>(c.attention_kv_tokens);
    f.kv_b_proj = PlannedGemm(c, Op::kKvBProj, 0, kv_b, bmm, entries);
    const int64_t qk = a.qk_nope_head_dim + a.qk_rope_head_dim;
    // Keys (nope + the shared rope part) and values, BF16, per head.
    const double kv_bytes = static_cast<double>(heads * (qk + a.v_head_dim)) * 2.0;
    f.mha = PrefillAttention(t, heads, c.attention_pairs, qk, a.v_head_dim, c.attention_kv_tokens,
                             kv_bytes, math, c.hw);
    f.mha_exact = !a.Sparse() || c.window_pairs == c.attention_pairs;
    f.absorbed = PlannedGemm(c, Op::kBmmQUk, 0, w.w_uk, bmm, t, OpClass::kGemm, 2).time() +
                 AbsorbedPrefill(c, kv, math).time() +
                 PlannedGemm(c, Op::kBmmUv, 0, w.w_uv, bmm, t, OpClass::kGemm, 2).time();
    return f;
  }

  // AttentionCost() is the decode attention kernel (FlashMLA) over `c`'s
  // query-key pairs and cached entries.
  [[gnu::always_inline]] static constexpr OpCost AttentionCost(const StepContext& c) {
    const ModelSpec& m = c.model;
    if (m.mla.Sparse()) return SparseAttentionCost(c);
    return MlaDecodeAttention(c.Tokens(), m.mla.heads / c.deployment.parallel.attention_tp,
                              c.attention_pairs, c.attention_kv_tokens, m.mla,
                              KvCacheDType(m, c.deployment), AttentionDType(m, c.deployment),
                              c.hw, 2);
  }

  // SparseAttentionCost() is DeepSeek sparse attention's decode kernel: each
  // query token attends (and gathers for itself) min(context, topk) entries
  // (Windowed()), at the sparse kernel's efficiency.
  [[gnu::noinline]] static constexpr OpCost SparseAttentionCost(const StepContext& c) {
    const ModelSpec& m = c.model;
    const StepContext s = graph_internal::Windowed(c);
    return MlaDecodeAttention(c.Tokens(), m.mla.heads / c.deployment.parallel.attention_tp,
                              s.attention_pairs, s.attention_pairs, m.mla,
                              KvCacheDType(m, c.deployment), AttentionDType(m, c.deployment), c.hw,
                              2, true);
  }

  // IndexerCost() is the lightning indexer over `c`'s queries and every
  // token they may attend (its pairs and entries, as dense attention's),
  // the top-k selection, and its key's RoPE and FP8 cache write.
  static constexpr OpCost IndexerCost(const StepContext& c) {
    using graph_internal::Sum;
    const MlaSpec& a = c.model.mla;
    const int64_t t = c.Tokens();
    const OpCost logits = LightningIndexer(t, IndexerHeads(c.model, c.deployment),
                                           c.attention_pairs, c.attention_kv_tokens, a, c.hw);
    const double d = static_cast<double>(a.index_head_dim);
    const OpCost write =
        Elementwise(static_cast<double>(t) * d, 2.0, IndexerKBytesPerToken(a) / d, 6.0, c.hw);
    return Sum(Sum(logits, TopKSelect(t, c.attention_pairs, a, c.hw)), write);
  }

  // EmitIndexer() is sparse attention's indexer rows: its projections, then
  // its logits and top-k over the context (a mixed forward's decode
  // requests' and chunks' as two kernels). Out of line: dense MLA never
  // runs it.
  [[gnu::noinline]] static constexpr void EmitIndexer(const StepContext& c, StepResult& r,
                                                      const WeightSet& w) {
    using namespace graph_internal;
    graph_internal::Emit(c, r, Op::kIndexerProj, [&] {
      return Sum(QuantGemm(c, Op::kIndexerProj, w.indexer_q),
                 WeightGemm(c, Op::kIndexerProj, w.indexer_k_w, c.Tokens(), 1));
    });
    graph_internal::Emit(c, r, Op::kIndexer, [&] {
      if (c.chunk == nullptr) return IndexerCost(c);
      return Sum(IndexerCost(c.DecodePart()), IndexerCost(*c.chunk));
    });
  }

  // RopeAndCacheWrite() is RoPE on q's and k's rope parts, then the latent
  // KV written to the cache in `kv`.
  [[gnu::always_inline]] static constexpr OpCost RopeAndCacheWrite(const StepContext& c, DType kv) {
    const MlaSpec& a = c.model.mla;
    const int64_t heads = a.heads / c.deployment.parallel.attention_tp;
    const int64_t t = c.Tokens();
    const double rope_elements = static_cast<double>(t * (heads + 1) * a.qk_rope_head_dim);
    const OpCost rope = Elementwise(rope_elements, 2.0, 2.0, 6.0, c.hw, 2);
    const double entry = static_cast<double>(a.kv_lora_rank + a.qk_rope_head_dim);
    const OpCost cache_write = Elementwise(static_cast<double>(t) * entry, 2.0,
                                           MlaKvBytesPerToken(a, kv) / entry, 0.0, c.hw);
    return graph_internal::Sum(rope, cache_write);
  }

  // EmitPrefillCore() is the block after q_b in prefill: the cheaper form's
  // rows (PrefillForms()). Out of line: it keeps the decode path's code small.
  [[gnu::noinline]] static constexpr void EmitPrefillCore(const StepContext& c, StepResult& r,
                                                          const WeightSet& w) {
    using namespace graph_internal;
    const ModelSpec& m = c.model;
    const int64_t t = c.Tokens();
    const DType kv = KvCacheDType(m, c.deployment);
    const PrefillForm f = PrefillForms(c, w);
    if (f.MhaCheaper()) {
      graph_internal::Emit(c, r, Op::kKvBProj, [&] { return f.kv_b_proj; });
      graph_internal::Emit(c, r, Op::kRope, [&] { return RopeAndCacheWrite(c, kv); });
      graph_internal::Emit(c, r, Op::kAttention, [&] { return f.mha; });
    } else {
      const GemmTypes bmm = GemmTypes::ForWeight(m.attention_dtype, m.attention_dtype);
      graph_internal::Emit(c, r, Op::kBmmQUk, [&] {
        return PlannedGemm(c, Op::kBmmQUk, 0, w.w_uk, bmm, t, OpClass::kGemm, 2);
      });
      graph_internal::Emit(c, r, Op::kRope, [&] { return RopeAndCacheWrite(c, kv); });
      graph_internal::Emit(c, r, Op::kAttention,
                           [&] { return AbsorbedPrefill(c, kv, AttentionDType(m, c.deployment)); });
      graph_internal::Emit(c, r, Op::kBmmUv, [&] {
        return PlannedGemm(c, Op::kBmmUv, 0, w.w_uv, bmm, t, OpClass::kGemm, 2);
      });
    }
  }

  // EmitMixedCore() is the block after q_b in a mixed forward: the decode
  // requests' absorbed latent attention and the chunks' cheaper prefill
  // form (PrefillForms() on the chunks' own context), one row per op: the
  // absorbed products over the tokens that take them, kv_b over the chunks'
  // entries when MHA wins, RoPE and the cache write over every new token,
  // attention as the two kernels.
  [[gnu::noinline]] static constexpr void EmitMixedCore(const StepContext& c, StepResult& r,
                                                        const WeightSet& w) {
    using namespace graph_internal;
    const ModelSpec& m = c.model;
    const StepContext decode = c.DecodePart();
    const StepContext& chunk = *c.chunk;
    const DType kv = KvCacheDType(m, c.deployment);
    const GemmTypes bmm = GemmTypes::ForWeight(m.attention_dtype, m.attention_dtype);
    const PrefillForm f = PrefillForms(chunk, w);
    const bool mha = f.MhaCheaper();
    const int64_t absorbed_tokens = mha ? decode.Tokens() : c.Tokens();
    graph_internal::Emit(c, r, Op::kBmmQUk, [&] {
      return PlannedGemm(c, Op::kBmmQUk, 0, w.w_uk, bmm, absorbed_tokens, OpClass::kGemm, 2);
    });
    if (mha) graph_internal::Emit(c, r, Op::kKvBProj, [&] { return f.kv_b_proj; });
    graph_internal::Emit(c, r, Op::kRope, [&] { return RopeAndCacheWrite(c, kv); });
    graph_internal::Emit(c, r, Op::kAttention, [&] {
      return Sum(AttentionCost(decode),
                 mha ? f.mha : AbsorbedPrefill(chunk, kv, AttentionDType(m, c.deployment)));
    });
    graph_internal::Emit(c, r, Op::kBmmUv, [&] {
      return PlannedGemm(c, Op::kBmmUv, 0, w.w_uv, bmm, absorbed_tokens, OpClass::kGemm, 2);
    });
  }

  static constexpr void Emit(const StepContext& c, StepResult& r) {
    using namespace graph_internal;
    const ModelSpec& m = c.model;
    const MlaSpec& a = m.mla;
    const int64_t t = c.Tokens();
    const WeightSet w = Weights(m, c.deployment);
    const GemmTypes bmm = GemmTypes::ForWeight(m.attention_dtype, m.attention_dtype);

    graph_internal::Emit(c, r, Op::kQAKvA, [&] {
      return PlannedGemm(c, Op::kQAKvA, 0, w.q_a_kv_a,
                         GemmTypes::ForWeight(w.q_a_kv_a.dtype, m.activation_dtype), t);
    });
    if (a.q_lora_rank > 0) {
      graph_internal::Emit(c, r, Op::kQKvNorm,
                           [&] { return RmsNorm(c, a.q_lora_rank + a.kv_lora_rank, false); });
      graph_internal::Emit(c, r, Op::kQB, [&] { return QuantGemm(c, Op::kQB, w.q_b); });
      if (a.Sparse()) EmitIndexer(c, r, w);
    } else {
      graph_internal::Emit(c, r, Op::kQKvNorm, [&] { return RmsNorm(c, a.kv_lora_rank, false); });
    }
    if (c.Prefill()) {
      EmitPrefillCore(c, r, w);
      EmitOutputProjection(c, r, w.o_proj);
      return;
    }
    if (c.chunk != nullptr) {
      EmitMixedCore(c, r, w);
      EmitOutputProjection(c, r, w.o_proj);
      return;
    }
    graph_internal::Emit(c, r, Op::kBmmQUk, [&] {
      return PlannedGemm(c, Op::kBmmQUk, 0, w.w_uk, bmm, t, OpClass::kGemm, 2);
    });
    const DType kv = KvCacheDType(m, c.deployment);
    graph_internal::Emit(c, r, Op::kRope, [&] { return RopeAndCacheWrite(c, kv); });
    graph_internal::Emit(c, r, Op::kAttention, [&] { return AttentionCost(c); });
    graph_internal::Emit(c, r, Op::kBmmUv, [&] {
      return PlannedGemm(c, Op::kBmmUv, 0, w.w_uv, bmm, t, OpClass::kGemm, 2);
    });
    EmitOutputProjection(c, r, w.o_proj);
  }
};

// Grouped-query attention block: fused QKV projection, RoPE and cache write,
// attention, o_proj. Under attention TP beyond the KV heads, each rank keeps
// one KV head (replicated), in its weights and its cache alike.
struct GqaAttention final {
  static constexpr std::size_t kMaxRows = 6;

  struct WeightSet final {
    WeightTensor qkv;     // [hidden, (heads / tp + 2 x local KV heads) x head_dim]
    WeightTensor o_proj;  // [heads / tp x head_dim, hidden]

    constexpr Bytes Total() const { return qkv.Size() + o_proj.Size(); }
  };

  // LocalKvHeads() is the KV heads one attention TP rank holds.
  static constexpr int64_t LocalKvHeads(const ModelSpec& m, const DeploymentSpec& d) {
    const int64_t tp = d.parallel.attention_tp;
    return m.gqa.kv_heads >= tp ? m.gqa.kv_heads / tp : 1;
  }

  static constexpr WeightSet Weights(const ModelSpec& m, const DeploymentSpec& d) {
    const GqaSpec& a = m.gqa;
    const int64_t heads = a.heads / d.parallel.attention_tp;
    const int64_t kv_heads = LocalKvHeads(m, d);
    return {{m.hidden_size, (heads + 2 * kv_heads) * a.head_dim, 1, m.AttentionWeightDType()},
            {heads * a.head_dim, m.hidden_size, 1, m.AttentionWeightDType()}};
  }

  static constexpr Bytes KvCacheBytesPerToken(const ModelSpec& m, const DeploymentSpec& d) {
    return ByteCount(static_cast<double>(2 * LocalKvHeads(m, d) * m.gqa.head_dim) *
                     BytesPerElement(KvCacheDType(m, d)));
  }

  // AttentionCost() is the attention kernel over `c`'s query-key pairs and
  // cached entries: paged decode attention, or FlashAttention in prefill.
  // With sinks (GqaSpec::sinks) each query's softmax per head holds one more
  // score (AttentionSinks()).
  [[gnu::always_inline]] static constexpr OpCost AttentionCost(const StepContext& c) {
    if (c.model.gqa.sinks) return WithSinks(c, KernelCost(c));
    return KernelCost(c);
  }

  // KernelCost() is AttentionCost() without the sinks.
  [[gnu::always_inline]] static constexpr OpCost KernelCost(const StepContext& c) {
    const DType kv = KvCacheDType(c.model, c.deployment);
    if (c.Prefill()) return PrefillCost(c, kv);
    if (c.chunk != nullptr) return MixedCost(c, kv);
    const GqaSpec& a = c.model.gqa;
    return GqaDecodeAttention(c.Tokens(), a.heads / c.deployment.parallel.attention_tp,
                              LocalKvHeads(c.model, c.deployment), a.head_dim, c.attention_pairs,
                              c.attention_kv_tokens, kv, AttentionDType(c.model, c.deployment),
                              c.hw);
  }

  // WithSinks() is `kernel` with the sink score of every (query, head) of
  // `c`'s tokens on this GPU (out of line: no decode path of a model
  // without sinks runs it).
  [[gnu::noinline]] static constexpr OpCost WithSinks(const StepContext& c, const OpCost& kernel) {
    return graph_internal::Sum(
        kernel,
        AttentionSinks(c.Tokens(), c.model.gqa.heads / c.deployment.parallel.attention_tp, c.hw));
  }

  // MixedCost() is a mixed forward's attention: the decode requests' paged
  // attention and the chunks' FlashAttention, as two kernels.
  [[gnu::noinline]] static constexpr OpCost MixedCost(const StepContext& c, DType kv) {
    return graph_internal::Sum(KernelCost(c.DecodePart()), PrefillCost(*c.chunk, kv));
  }

  // SlidingCost() is a sliding layer's attention: AttentionCost() over the
  // window (Windowed()), the chunks of a mixed forward windowed on their own.
  [[gnu::noinline]] static constexpr OpCost SlidingCost(const StepContext& c) {
    if (c.chunk == nullptr) return AttentionCost(graph_internal::Windowed(c));
    const StepContext chunk = graph_internal::Windowed(*c.chunk);
    StepContext w = graph_internal::Windowed(c.DecodePart());
    w.chunk = &chunk;
    w.chunk_tokens = c.chunk_tokens;
    return AttentionCost(w);
  }

  // EmitAttention() is the attention rows of a part with sliding layers:
  // `attention` over the full-attention layers, `sliding_attention` over
  // the `sliding` others (out of line, away from the decode path).
  [[gnu::noinline]] static constexpr void EmitAttention(const StepContext& c, StepResult& r,
                                                        int64_t sliding) {
    if (c.count > sliding) {
      StepContext full = c;
      full.count = c.count - sliding;
      graph_internal::Emit(full, r, Op::kAttention, [&] { return AttentionCost(c); });
    }
    StepContext window = c;
    window.count = sliding;
    graph_internal::Emit(window, r, Op::kSlidingAttention, [&] { return SlidingCost(c); });
  }

  // PrefillCost() is FlashAttention over a prefill chunk: K and V of every
  // local KV head (out of line, away from the decode path).
  [[gnu::noinline]] static constexpr OpCost PrefillCost(const StepContext& c, DType kv) {
    const GqaSpec& a = c.model.gqa;
    const int64_t heads = a.heads / c.deployment.parallel.attention_tp;
    const int64_t kv_heads = LocalKvHeads(c.model, c.deployment);
    return PrefillAttention(c.Tokens(), heads, c.attention_pairs, a.head_dim, a.head_dim,
                            c.attention_kv_tokens,
                            static_cast<double>(2 * kv_heads * a.head_dim) * BytesPerElement(kv),
                            AttentionDType(c.model, c.deployment), c.hw);
  }

  // Workspace() is the block's largest live buffers for `c`'s tokens: the
  // fused QKV output and the attention output, BF16.
  static constexpr Bytes Workspace(const StepContext& c) {
    const GqaSpec& a = c.model.gqa;
    const int64_t heads = a.heads / c.deployment.parallel.attention_tp;
    const int64_t kv_heads = LocalKvHeads(c.model, c.deployment);
    return ByteCount(static_cast<double>(c.Tokens() * (2 * heads + 2 * kv_heads) * a.head_dim) *
                     2.0);
  }

  static constexpr void Emit(const StepContext& c, StepResult& r) {
    using namespace graph_internal;
    const ModelSpec& m = c.model;
    const GqaSpec& a = m.gqa;
    const int64_t tp = c.deployment.parallel.attention_tp;
    const int64_t heads = a.heads / tp;
    const int64_t kv_heads = LocalKvHeads(m, c.deployment);
    const int64_t t = c.Tokens();
    const WeightSet w = Weights(m, c.deployment);
    graph_internal::Emit(c, r, Op::kQkvProj, [&] { return QuantGemm(c, Op::kQkvProj, w.qkv); });
    const double rope_elements = static_cast<double>(t * (heads + kv_heads) * a.head_dim);
    const OpCost rope = Elementwise(rope_elements, 2.0, 2.0, 6.0, c.hw, 1);
    const DType kv = KvCacheDType(m, c.deployment);
    const OpCost cache_write = Elementwise(static_cast<double>(t * 2 * kv_heads * a.head_dim),
                                           2.0, BytesPerElement(kv), 0.0, c.hw);
    graph_internal::Emit(c, r, Op::kRope, [&] { return Sum(rope, cache_write); });
    if (const int64_t sliding = SlidingLayers(c); sliding > 0) {
      EmitAttention(c, r, sliding);
    } else {
      graph_internal::Emit(c, r, Op::kAttention, [&] { return AttentionCost(c); });
    }
    EmitOutputProjection(c, r, w.o_proj);
  }
};

}  // namespace perfmodel

#endif  // PERFMODEL_ATTENTION_BLOCKS_H_
