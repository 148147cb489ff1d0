// File: perfmodel/step_context.h
// -----------------------------------------------------------------------------
//
// What the graph's blocks share: the shape of a step on one attention DP rank
// (StepShape), the context each block emits its rows in (StepContext), and the
// helpers that append a row (graph_internal::Emit, CopyRows) or cost a common
// pair of kernels (QuantGemm, ActAndQuant).
//
//   StepShape s = StepShape::FromWorkload(w);   // every request at w.context_tokens
//   s.attention_sum_context                     // == batch x context (balanced)
//   StepShape p = StepShape::Prefill(2, 4096, 0, true);   // two 4K prompts, no prefix
//
// Rows beyond StepResult::kMaxRows are a bug in a block's kMaxRows: each
// graph checks its bound at compile time (ForwardStep's static_assert), and an
// overflow that got past it stops the program rather than drop a row.

#ifndef PERFMODEL_STEP_CONTEXT_H_
#define PERFMODEL_STEP_CONTEXT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <type_traits>
#include <vector>

#include "perfmodel/names.h"
#include "perfmodel/ops.h"
#include "perfmodel/routing.h"
#include "perfmodel/spec.h"
#include "perfmodel/step.h"
#include "perfmodel/units.h"

namespace perfmodel {

// The shape of one forward on one attention DP rank, described neutrally:
// `batch_per_dp` sequences, each feeding `new_tokens` query tokens after its
// cached ones. A decode step is the case of 1 + drafts new tokens after each
// request's context; a prefill chunk the case of a prompt's next tokens.
struct StepShape final {
  int64_t batch_per_dp = 1;
  // Σ over the rank's sequences of their cached tokens (decode: each request's
  // context), for memory.
  double sum_context = 0.0;
  // The same Σ on the slowest rank, which every rank waits for at the MoE
  // all-to-all; equal to sum_context when requests are balanced.
  double attention_sum_context = 0.0;
  // Query tokens each sequence feeds this forward.
  int64_t new_tokens = 1;
  // Whether the head samples a token for each sequence (prefill: only the
  // prompt's last chunk does; decode always).
  bool samples = true;
  // A decode step's prefill part (a mixed forward: prefill chunks riding in
  // the decode step, vLLM's chunked prefill): `chunk_sequences` chunks of
  // `chunk_tokens` new tokens after `chunk_cached` cached tokens each, the
  // head sampling their prompts' next token when `chunk_samples`. Zero: a
  // plain decode step.
  int64_t chunk_sequences = 0;
  int64_t chunk_tokens = 0;
  int64_t chunk_cached = 0;
  bool chunk_samples = true;

  constexpr bool Mixed() const { return chunk_sequences > 0 && chunk_tokens > 0; }

  // FromWorkload() is the balanced decode shape: every request at
  // context_tokens, feeding 1 + drafts tokens.
  static constexpr StepShape FromWorkload(const WorkloadSpec& w) {
    const double s = static_cast<double>(w.batch_per_dp * w.context_tokens);
    return StepShape{w.batch_per_dp, s, s, w.TokensPerRequestPerStep(), true};
  }
  // Decode() is a decode shape of `batch` requests whose Σ context is
  // `balanced` (`slowest` on the slowest rank).
  static constexpr StepShape Decode(const WorkloadSpec& w, int64_t batch, double balanced,
                                    double slowest) {
    return StepShape{batch, balanced, slowest, w.TokensPerRequestPerStep(), true};
  }
  // Prefill() is `sequences` prompt chunks of `new_tokens` each after `cached`
  // cached tokens each; `last` when the chunks end their prompts.
  static constexpr StepShape Prefill(int64_t sequences, int64_t new_tokens, int64_t cached,
                                     bool last) {
    const double s = static_cast<double>(sequences * cached);
    return StepShape{sequences, s, s, new_tokens, last};
  }
  // WithChunks() is `decode` carrying `sequences` prefill chunks of
  // `new_tokens` after `cached` each (ending their prompts when `last`).
  static constexpr StepShape WithChunks(StepShape decode, int64_t sequences, int64_t new_tokens,
                                        int64_t cached, bool last) {
    decode.chunk_sequences = sequences;
    decode.chunk_tokens = new_tokens;
    decode.chunk_cached = cached;
    decode.chunk_samples = last;
    return decode;
  }
  // Chunks() is the prefill part alone, as a prefill shape.
  constexpr StepShape Chunks() const {
    return Prefill(chunk_sequences, chunk_tokens, chunk_cached, chunk_samples);
  }
};

// What every estimate of one model, hardware, deployment and routing shares
// (ForwardStep::Plan()): the routing plan, the weights and KV cache one GPU
// holds, when `factored` every (op, part)'s correction factor
// (HardwareSpec::TimeFactor(), which else each row asks the hardware for),
// and the GemmPlan of every GEMM the rows run (recorded from the blocks' own
// calls, PlannedGemm(); else each row works its GEMMs' out). The free
// functions plan on every call (the routing and the memory); a PreparedStep
// plans everything once for all its estimates. Planned or worked out, the
// numbers are the same ones.
struct StepPlan final {
  // What ForwardStep::Plan() fills, as flags: the routing, the memory
  // (weights and KV), the correction table, the GEMMs' plans (from a
  // workload's shapes: PlanStep() with a workload), those its decode steps
  // run and those its prefill forwards run (kGemms: both; a mixed forward
  // runs both's).
  static constexpr unsigned kRouting = 1, kMemory = 2, kFactors = 4;
  static constexpr unsigned kDecodeGemms = 8, kPrefillGemms = 16;
  static constexpr unsigned kGemms = kDecodeGemms | kPrefillGemms;
  static constexpr unsigned kAll = kRouting | kMemory | kFactors | kGemms;

  // A GEMM's slot: the GPU it runs on (0: the whole GPU, 1: the share left
  // by communication kernels, ComputeShare()), the part and row it costs,
  // and which of the row's GEMMs it is (`use` < kGemmUses).
  static constexpr std::size_t kGemmUses = 2;
  static constexpr std::size_t kGemmSlots = 2 * kPartCount * kOpCount * kGemmUses;
  static constexpr std::size_t GemmSlot(std::size_t variant, Part part, Op op, std::size_t use) {
    return ((variant * kPartCount + static_cast<std::size_t>(part)) * kOpCount +
            static_cast<std::size_t>(op)) *
               kGemmUses +
           use;
  }

  RoutingPlan routing;  // PlanRouting() (default for a model without experts)
  Bytes weights;        // ForwardStep::WeightBytes()
  KvFootprint kv;       // ForwardStep::KvCache()
  bool factored = false;
  // [op x kPartCount + part] when factored (a vector: a plan made per call
  // leaves it empty at no cost).
  std::vector<double> factors;
  // The GPU as compute sees it under two micro-batches whose all-to-all
  // kernels hold deployment.comm_sms SMs (ComputeShare()), planned with the
  // GEMMs (a copy of the whole HardwareSpec per forward otherwise): one
  // element or none. A vector, not an optional: an empty one costs a plan
  // made per call nothing, where an optional's storage was zeroed each time.
  std::vector<HardwareSpec> compute_share;
  // gemm_index[GemmSlot()] is 1 + the slot's plan's index in `gemms`, 0 when
  // none was recorded (empty: no GEMM planned).
  std::vector<uint8_t> gemm_index;
  std::vector<GemmPlan> gemms;

  // Record() keeps `p` as `slot`'s plan (the first one recorded stays).
  constexpr void Record(std::size_t slot, const GemmPlan& p) {
    if (gemm_index.empty()) gemm_index.assign(kGemmSlots, 0);
    if (gemm_index[slot] != 0 || gemms.size() >= 255) return;
    gemms.push_back(p);
    gemm_index[slot] = static_cast<uint8_t>(gemms.size());
  }
};

struct StepContext;

// A range of rows of a StepResult.
struct RowRange final {
  std::size_t first = 0;
  std::size_t end = 0;
  constexpr bool empty() const { return end <= first; }
};

// Rows one part costs and a later part may copy (ForwardStep::EmitParts owns
// them for one forward): the main model's attention block, and the Emit() of
// the block type that costed it. A prefill MTP layer sees the same tokens and
// context as the main model's layers, so its attention block is the same.
struct SharedRows final {
  RowRange attention;
  void (*attention_block)(const StepContext&, StepResult&) = nullptr;
};

// Everything a block needs to emit its rows.
struct StepContext final {
  const ModelSpec& model;
  const HardwareSpec& hw;
  const DeploymentSpec& deployment;
  const WorkloadSpec& workload;
  int64_t requests = 1;                // sequences per micro-batch on this rank
  int64_t queries_per_request = 1;     // query tokens each sequence feeds this pass
  double attention_sum_context = 0.0;  // Σ cached tokens per micro-batch, slowest rank
  // The same Σ on a balanced rank (every request at the mean): below
  // attention_sum_context when the ranks' contexts differ, and then the
  // all-to-all after attention waits for the slowest rank (OpRow::wait).
  double balanced_sum_context = 0.0;
  // Σ over the micro-batch's sequences of each head's query-key pairs, and
  // the KV entries attention reads. Decode: queries x context (the context
  // counts the step's own tokens) over the cached entries; prefill: causal
  // (CausalPairs()) over cached and new.
  double attention_pairs = 0.0;
  double attention_kv_tokens = 0.0;
  // The same two under the model's sliding window, prefill only (decode's
  // follow from the Σ context: Windowed()); set when KeyWindow() caps them.
  double window_pairs = 0.0;
  double window_kv_tokens = 0.0;
  int64_t head_tokens = 1;  // tokens the LM head samples, per micro-batch
  int64_t micro_batches = 1;
  Phase phase = Phase::kDecode;
  Part part = Part::kDense;
  int64_t count = 0;
  const RoutingPlan* routing = nullptr;  // PlanRouting() of the step (ForwardStep::EmitParts)
  const double* factors = nullptr;       // a factored StepPlan's table; null: ask the hardware
  // A StepPlan's GEMM plans (gemm_index, gemms; null: none), the GPU variant
  // the rows run on (StepPlan::GemmSlot()), and, while ForwardStep::Plan()
  // records them, the plan they go into.
  const uint8_t* gemm_index = nullptr;
  const GemmPlan* gemms = nullptr;
  StepPlan* recording = nullptr;
  uint8_t hw_variant = 0;
  SharedRows* shared = nullptr;          // rows to copy, when the forward keeps them
  // A mixed forward's prefill part (StepShape::chunk_*): its own context
  // (prefill phase, per micro-batch), and its new tokens, which every op
  // but attention's core sees beside the decode requests' (Tokens()).
  const StepContext* chunk = nullptr;
  int64_t chunk_tokens = 0;

  constexpr int64_t Tokens() const { return requests * queries_per_request + chunk_tokens; }
  // DecodePart() is the context without its prefill part: the decode
  // requests alone, for the decode attention kernels.
  constexpr StepContext DecodePart() const {
    StepContext d = *this;
    d.chunk = nullptr;
    d.chunk_tokens = 0;
    return d;
  }
  constexpr bool Prefill() const { return phase == Phase::kPrefill; }
  // PlannedGemm() is the plan's GemmPlan of the `use`-th GEMM of `op` in
  // this context's part and GPU, or null.
  [[gnu::always_inline]] constexpr const GemmPlan* PlannedGemm(Op op, std::size_t use) const {
    if (gemm_index == nullptr) return nullptr;
    const uint8_t i = gemm_index[StepPlan::GemmSlot(hw_variant, part, op, use)];
    return i != 0 ? &gemms[i - 1] : nullptr;
  }
  // TimeFactor() is the hardware's correction of `op` in this context's part
  // (HardwareSpec::TimeFactor()), read from the plan's table when it has one.
  constexpr double TimeFactor(Op op) const {
    if (factors != nullptr) {
      return factors[static_cast<std::size_t>(op) * kPartCount + static_cast<std::size_t>(part)];
    }
    return hw.TimeFactor(OpName(op), PartName(part));
  }
};

namespace graph_internal {

// SlidingLayers() is how many of the layers `c`'s part emits slide (the MTP
// module's and the head's never do).
[[gnu::always_inline]] constexpr int64_t SlidingLayers(const StepContext& c) {
  if (c.model.sliding.window_tokens <= 0) return 0;
  if (c.part == Part::kDense) return c.model.sliding.dense_layers;
  if (c.part == Part::kMoe) return c.model.sliding.moe_layers;
  return 0;
}

// KeyWindow() is the most keys one query attends: a sliding layer's window,
// or DeepSeek sparse attention's top-k (the model has one or the other:
// sliding layers need GQA, sparse attention MLA); 0: no cap.
[[gnu::always_inline]] constexpr int64_t KeyWindow(const ModelSpec& m) {
  if (m.sliding.window_tokens > 0) return m.sliding.window_tokens;
  return m.attention_kind == AttentionKind::kMla ? m.mla.index_topk : 0;
}

// Windowed() is `c` as a sliding layer (or sparse attention) sees it: each
// query attends at most KeyWindow() keys. Decode: each request's
// context capped at the window, Σ min(context, w) taken as min(Σ, requests
// x w) (each request at the mean: exact when all are within the window or
// all beyond it, else an upper bound); prefill: PrefillContext()'s windowed
// pairs and entries. Within the window it is `c`, bit for bit. A mixed
// forward's chunks are windowed on their own (their context's Windowed()).
constexpr StepContext Windowed(const StepContext& c) {
  StepContext s = c;
  if (c.Prefill()) {
    s.attention_pairs = c.window_pairs;
    s.attention_kv_tokens = c.window_kv_tokens;
    return s;
  }
  const double cap = static_cast<double>(c.requests) * static_cast<double>(KeyWindow(c.model));
  if (c.attention_sum_context > cap) s.attention_sum_context = cap;
  if (c.balanced_sum_context > cap) s.balanced_sum_context = cap;
  s.attention_pairs = static_cast<double>(c.queries_per_request) * s.attention_sum_context;
  s.attention_kv_tokens = s.attention_sum_context;
  return s;
}

// Sum() is two kernels run back to back as one row.
[[gnu::always_inline]] constexpr OpCost Sum(const OpCost& a, const OpCost& b) {
  OpCost c = a;
  c.flops += b.flops;
  c.bytes += b.bytes;
  c.link_bytes += b.link_bytes;
  c.kernel_time += b.kernel_time;
  c.overhead += b.overhead;
  c.kernels += b.kernels;
  c.latency += b.latency;
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
  c.latency *= t;
}

// RowOverflow() ends the program: a block emitted more rows than the graph's
// compile-time bound said it could. In a constant expression it is not
// constexpr, so the same bug fails the build.
[[noreturn]] inline void RowOverflow() { std::abort(); }

// NextRow() is the next free row of `r`.
constexpr OpRow& NextRow(StepResult& r) {
  if (r.row_count >= StepResult::kMaxRows) RowOverflow();
  return r.rows[r.row_count++];
}

// Emit() appends one op's row (this runs ~60 times a step). `cost` returns
// the op's OpCost, which is constructed in the row itself: copying a returned
// OpCost into the row cost more than costing most ops (the copy's wide loads
// stalled on the op's just-written narrow stores).
template <typename CostFn>
  requires std::is_invocable_r_v<OpCost, CostFn>
[[gnu::always_inline]] constexpr void Emit(const StepContext& c, StepResult& r, Op op,
                                           CostFn&& cost) {
  OpRow& row = NextRow(r);
  row.op = OpName(op);
  row.part = c.part;
  row.count = c.count;
  std::construct_at(&row.cost, cost());
  if (c.micro_batches != 1) RepeatInPlace(row.cost, c.micro_batches);
  if (c.hw.correction_count > 0) {
    // A correction scales the op's whole kernel time, its link latency (a
    // part of it) too: else a factor below 1 leaves the latency above the
    // kernel time and the row's Wire() negative.
    const double f = c.TimeFactor(op);
    row.cost.kernel_time *= f;
    row.cost.latency *= f;
  }
  row.visible = row.cost.time();
}

// CopyRows() appends copies of `rows` as rows of `c`'s part and count.
constexpr void CopyRows(const StepContext& c, StepResult& r, RowRange rows) {
  for (std::size_t i = rows.first; i < rows.end; ++i) {
    OpRow& row = NextRow(r);
    row = r.rows[i];
    row.part = c.part;
    row.count = c.count;
  }
}

// RmsNorm() over `width` elements per token, BF16 in and out; `fused_add`
// also reads and writes the residual stream.
[[gnu::always_inline]] constexpr OpCost RmsNorm(const StepContext& c, int64_t width,
                                                bool fused_add) {
  return perfmodel::RmsNorm(c.Tokens(), width, fused_add, c.hw);
}

// RecordGemm() records GemmPlan::Of() of `w` as the plan of `c`'s slot for
// `op`'s `use`-th GEMM into the plan ForwardStep::Plan() is recording. Out of
// line, so that the plan an estimate works out stays in registers.
[[gnu::noinline]] constexpr void RecordGemm(const StepContext& c, Op op, std::size_t use,
                                            const WeightTensor& w, const GemmTypes& t, OpClass cls,
                                            int64_t kernels) {
  c.recording->Record(StepPlan::GemmSlot(c.hw_variant, c.part, op, use),
                      GemmPlan::Of(w.n, w.k, w.copies, t, c.hw, cls, kernels));
}
// WorkedOutGemm() is GemmPlan::Of() of `w`, recorded while
// ForwardStep::Plan() records.
[[gnu::always_inline]] constexpr GemmPlan WorkedOutGemm(const StepContext& c, Op op,
                                                        std::size_t use, const WeightTensor& w,
                                                        const GemmTypes& t, OpClass cls,
                                                        int64_t kernels) {
  if (c.recording != nullptr) RecordGemm(c, op, use, w, t, cls, kernels);
  return GemmPlan::Of(w.n, w.k, w.copies, t, c.hw, cls, kernels);
}
// PlannedGemm() is Gemm() of `m` rows through `w` with types `t` (class
// `cls`, `kernels` kernels) as the `use`-th GEMM of `c`'s row `op`: its
// GemmPlan read from the step's plan when it holds this slot's (a prepared
// step), else worked out (WorkedOutGemm()). Either way the same plan of the
// same weight: the same cost.
[[gnu::always_inline]] constexpr OpCost PlannedGemm(const StepContext& c, Op op, std::size_t use,
                                                    const WeightTensor& w, const GemmTypes& t,
                                                    int64_t m, OpClass cls = OpClass::kGemm,
                                                    int64_t kernels = 1) {
  if (const GemmPlan* p = c.PlannedGemm(op, use)) return p->At(m, c.hw);
  return WorkedOutGemm(c, op, use, w, t, cls, kernels).At(m, c.hw);
}

// PlannedGroupedGemm() is GroupedGemm() of `experts` copies of `w` (one per
// active expert) with `tokens_per_expert` rows each (`rows_sd` their
// spread), planned as PlannedGemm() plans.
[[gnu::always_inline]] constexpr OpCost PlannedGroupedGemm(const StepContext& c, Op op,
                                                           const WeightTensor& w,
                                                           const GemmTypes& t,
                                                           double tokens_per_expert, double experts,
                                                           double rows_sd) {
  if (const GemmPlan* p = c.PlannedGemm(op, 0)) {
    return p->Grouped(tokens_per_expert, experts, rows_sd, c.hw);
  }
  const WeightTensor one{w.k, w.n, 1, w.dtype};
  return WorkedOutGemm(c, op, 0, one, t, OpClass::kGroupedGemm, 1)
      .Grouped(tokens_per_expert, experts, rows_sd, c.hw);
}

// QuantGemm() is `m` tokens (default: `c`'s) through weight `w` in the
// model's activation dtype as row `op`'s `use`-th GEMM; FP8 (or FP4) input
// is quantised per token by a kernel of its own first, BF16 activations
// need none.
constexpr OpCost QuantGemm(const StepContext& c, Op op, const WeightTensor& w, int64_t m,
                           std::size_t use = 0) {
  const GemmTypes t = GemmTypes::ForWeight(w.dtype, c.model.activation_dtype);
  const OpCost gemm = PlannedGemm(c, op, use, w, t, m);
  if (t.input == DType::kBf16 || t.input == DType::kFp16 || t.input == DType::kFp32) return gemm;
  const OpCost quant = QuantizeActivations(static_cast<double>(m * w.k * w.copies), t.input, c.hw);
  return Sum(quant, gemm);
}
constexpr OpCost QuantGemm(const StepContext& c, Op op, const WeightTensor& w) {
  return QuantGemm(c, op, w, c.Tokens());
}

// WeightGemm() is `m` tokens through weight `w` whose input is already in the
// activation dtype (its quantisation fused into the kernel before), as row
// `op`'s `use`-th GEMM.
[[gnu::always_inline]] constexpr OpCost WeightGemm(const StepContext& c, Op op,
                                                   const WeightTensor& w, int64_t m,
                                                   std::size_t use = 0) {
  return PlannedGemm(c, op, use, w, GemmTypes::ForWeight(w.dtype, c.model.activation_dtype), m);
}

// ActAndQuant() is SiLU-and-mul over `elements` outputs (reading gate and up
// in BF16), writing the activation dtype directly: with FP8 activations the
// down-projection's per-token quantisation is fused here (the seed's profile
// shows the down GEMMs as single kernels).
[[gnu::always_inline]] constexpr OpCost ActAndQuant(const StepContext& c, double elements) {
  return SiluAndMul(elements, c.model.activation_dtype, c.hw);
}

}  // namespace graph_internal
}  // namespace perfmodel

#endif  // PERFMODEL_STEP_CONTEXT_H_
