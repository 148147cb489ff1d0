// File: perfmodel/forward_step.h
// -----------------------------------------------------------------------------
//
// A forward step (decode or prefill) as a composition of parts, the model
// families perfmodel knows, and the runtime entry points that pick a family
// by the model.
//
//   using DeepSeekForward =
//       ForwardStep<Layers<DenseLayer<MlaAttention>, MoeLayer<MlaAttention>>,
//                   Mtp<DenseLayer<MlaAttention>, MoeLayer<MlaAttention>>, LmHead>;
//   static_assert(DeepSeekForward::Estimate(kModel, kHw, kDeployment, kWorkload).sla.tpot <
//                 Milliseconds(16.6));
//   StepResult r = EstimateDecode(model, hw, deployment, workload);   // run time
//   StepResult p = EstimatePrefill(model, hw, deployment, prefill_workload);
//   p.prefill.ttft                                  // the batch's time to first token
//   MemoryUse m = EstimateMemory(model, hw, deployment, workload, shape);

#ifndef PERFMODEL_FORWARD_STEP_H_
#define PERFMODEL_FORWARD_STEP_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

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

// PlanPrefill() is how a prefill workload's batch is cut into forwards: one
// forward when the chunk budget holds every prompt's new tokens; whole prompts
// packed floor(chunk / new) to a forward when each fits; otherwise each prompt
// in chunks of `chunk_tokens`, one prompt after another (a chunk does not mix
// the tail of one prompt with the head of the next: at most one chunk per
// prompt is short). `distinct` forward shapes; the estimate costs `Costed()`
// of them, `Shape(i)` for i < Costed(), each standing for `Repeat(i)`
// forwards.
//
// A prompt cut into more than kMaxCostedChunks chunks (a 160K-token prompt in
// chunks of 64) is costed on a sample, as a midpoint rule: its full chunks
// fall into kMaxCostedChunks - 1 runs of consecutive chunks, each costed at
// its middle chunk times its length, and the last chunk on its own. The
// chunks differ only in the cached tokens their attention reads, which a
// midpoint integrates exactly where the cost is linear in them (the n x p
// query-key pairs); the tiles' and waves' steps within a run are what it
// leaves. It bounds an estimate's work (each chunk costed is one forward's).
struct PrefillPlan final {
  static constexpr int64_t kMaxCostedChunks = 256;

  int64_t prompts = 1;      // the batch, per DP rank
  int64_t cached = 0;       // each prompt's tokens found in the prefix cache
  int64_t new_tokens = 1;   // each prompt's tokens to compute
  int64_t chunk = 0;        // new tokens per chunk when split; 0: not split
  int64_t per_forward = 1;  // whole prompts per forward when not split
  int64_t distinct = 1;     // distinct forward shapes

  constexpr int64_t Forwards() const {
    if (chunk > 0) return prompts * distinct;
    return (prompts + per_forward - 1) / per_forward;
  }
  // Costed() is how many shapes the estimate costs.
  constexpr int64_t Costed() const {
    return chunk > 0 && distinct > kMaxCostedChunks ? kMaxCostedChunks : distinct;
  }
  constexpr StepShape Shape(int64_t i) const {
    if (chunk > 0) {
      const int64_t c = ChunkOf(i);
      const int64_t done = c * chunk;
      const int64_t n = new_tokens - done < chunk ? new_tokens - done : chunk;
      return StepShape::Prefill(1, n, cached + done, c + 1 == distinct);
    }
    const int64_t left = prompts % per_forward;
    return StepShape::Prefill(i == 0 ? per_forward : left, new_tokens, cached, true);
  }
  constexpr int64_t Repeat(int64_t i) const {
    if (chunk > 0) return prompts * RunLength(i);
    return i == 0 ? prompts / per_forward : 1;
  }

 private:
  // Sampled, run i < kMaxCostedChunks - 1 is full chunks [Start(i),
  // Start(i + 1)) of the distinct - 1; the last costed shape is the last chunk.
  constexpr bool Sampled() const { return Costed() < distinct; }
  constexpr int64_t Start(int64_t i) const { return i * (distinct - 1) / (kMaxCostedChunks - 1); }
  constexpr int64_t ChunkOf(int64_t i) const {
    if (!Sampled()) return i;
    if (i + 1 == kMaxCostedChunks) return distinct - 1;
    return (Start(i) + Start(i + 1) - 1) / 2;
  }
  constexpr int64_t RunLength(int64_t i) const {
    if (!Sampled() || i + 1 == kMaxCostedChunks) return 1;
    return Start(i + 1) - Start(i);
  }
};

constexpr PrefillPlan PlanPrefill(const WorkloadSpec& w) {
  PrefillPlan p;
  p.prompts = w.batch_per_dp;
  p.cached = static_cast<int64_t>(static_cast<double>(w.prompt_tokens) * w.prefix_cache_hit);
  if (p.cached >= w.prompt_tokens) p.cached = w.prompt_tokens - 1;
  p.new_tokens = w.prompt_tokens - p.cached;
  const int64_t c = w.chunk_tokens;
  if (c <= 0 || p.prompts * p.new_tokens <= c) {
    p.per_forward = p.prompts;
  } else if (p.new_tokens <= c) {
    p.per_forward = c / p.new_tokens;
    p.distinct = p.prompts % p.per_forward == 0 ? 1 : 2;
    if (p.prompts < p.per_forward) p.distinct = 1;
  } else {
    p.chunk = c;
    p.distinct = (p.new_tokens + c - 1) / c;
  }
  return p;
}

// A forward step: the parts in order. Estimate() costs every row and sums the
// forward time; then two passes over the rows finish it: the phase's SLA
// (decode: TPOT and tokens/s from the forward and the host gap; prefill: TTFT
// and prompt tokens/s) and the memory per GPU. One composition serves decode
// and prefill: the blocks read the phase from the step's context.
template <typename... Parts>
struct ForwardStep final {
  // The most rows the parts can emit; the result's fixed storage must hold them.
  static constexpr std::size_t kMaxRows = (Parts::kMaxRows + ...);
  static_assert(kMaxRows <= StepResult::kMaxRows,
                "this graph can emit more rows than StepResult::kMaxRows holds");

  // MicroBatches() is 2 under two-micro-batch overlap when the forward has
  // two of what it splits (decode: requests; prefill: tokens), else 1.
  static constexpr int64_t MicroBatches(const DeploymentSpec& d, const WorkloadSpec& w,
                                        const StepShape& shape) {
    if (d.overlap != Overlap::kTwoMicroBatch) return 1;
    const int64_t units =
        w.phase == Phase::kPrefill ? shape.batch_per_dp * shape.new_tokens : shape.batch_per_dp;
    return units >= 2 ? 2 : 1;
  }

  // Context() is the blocks' view of one micro-batch of `shape` in `mb`.
  // Decode splits requests, an odd split costed as its larger half (an
  // overestimate of at most one request); prefill splits an even number of
  // sequences between the micro-batches and an odd number within each
  // sequence (at most one token of each over).
  static constexpr StepContext Context(const ModelSpec& model, const HardwareSpec& hw,
                                       const DeploymentSpec& d, const WorkloadSpec& w,
                                       const StepShape& shape, int64_t mb, const StepPlan& plan) {
    StepContext c{model, hw, d, w};
    c.phase = w.phase;
    c.micro_batches = mb;
    c.routing = &plan.routing;
    if (plan.factored) c.factors = plan.factors.data();
    if (!plan.gemm_index.empty()) {
      c.gemm_index = plan.gemm_index.data();
      c.gemms = plan.gemms.data();
    }
    const int64_t b = shape.batch_per_dp;
    if (w.phase == Phase::kDecode) {
      c.requests = (b + mb - 1) / mb;
      c.queries_per_request = shape.new_tokens;
      c.attention_sum_context = shape.attention_sum_context / static_cast<double>(mb);
      c.balanced_sum_context = shape.sum_context / static_cast<double>(mb);
      c.attention_pairs = static_cast<double>(c.queries_per_request) * c.attention_sum_context;
      c.attention_kv_tokens = c.attention_sum_context;
      c.head_tokens = c.Tokens();
      return c;
    }
    PrefillContext(shape, c);
    return c;
  }

  // PrefillContext() fills `c`'s per-micro-batch counts for a prefill chunk
  // (out of line, away from the decode path).
  [[gnu::noinline]] static constexpr void PrefillContext(const StepShape& shape, StepContext& c) {
    const int64_t mb = c.micro_batches;
    const int64_t b = shape.batch_per_dp;
    const int64_t n = shape.new_tokens;
    const double p = b > 0 ? shape.attention_sum_context / static_cast<double>(b) : 0.0;
    if (b % mb == 0) {
      c.requests = b / mb;
      c.queries_per_request = n;
      c.attention_sum_context = p * static_cast<double>(c.requests);
      c.attention_pairs = CausalPairs(static_cast<double>(n), p) * static_cast<double>(c.requests);
      c.attention_kv_tokens = (p + static_cast<double>(n)) * static_cast<double>(c.requests);
    } else {
      // An odd number of sequences splits by tokens: every sequence's first
      // n1 new tokens in one micro-batch, the other n - n1 (after them) in the
      // other; each costed as their mean.
      const int64_t n1 = (n + 1) / 2;
      const double a = static_cast<double>(n1), rest = static_cast<double>(n - n1);
      const double seqs = static_cast<double>(b);
      c.requests = b;
      c.queries_per_request = n1;
      c.attention_sum_context = (p + a / 2.0) * seqs;
      c.attention_pairs = (CausalPairs(a, p) + CausalPairs(rest, p + a)) / 2.0 * seqs;
      c.attention_kv_tokens = (p + (a + static_cast<double>(n)) / 2.0) * seqs;
    }
    if (const int64_t window = graph_internal::KeyWindow(c.model); window > 0) {
      WindowContext(static_cast<double>(window), static_cast<double>(n), p, b, mb, c);
    }
    // Prefill ranks are not told apart: none waits for another.
    c.balanced_sum_context = c.attention_sum_context;
    c.head_tokens = shape.samples ? b : 0;
  }

  // WindowContext() fills `c`'s windowed pairs and KV entries for
  // micro-batches of a prefill chunk of `n` new tokens after `p` cached ones
  // in each of `b` sequences (split as PrefillContext() splits them), under
  // a window of `w`: each query sees at most w keys (WindowedCausalPairs()).
  // Within the window they are the full ones.
  static constexpr void WindowContext(double w, double n, double p, int64_t b, int64_t mb,
                                      StepContext& c) {
    if (p + n <= w) {
      c.window_pairs = c.attention_pairs;
      c.window_kv_tokens = c.attention_kv_tokens;
      return;
    }
    if (b % mb == 0) {
      const double seqs = static_cast<double>(c.requests);
      c.window_pairs = WindowedCausalPairs(n, p, w) * seqs;
      c.window_kv_tokens = WindowedKvEntries(n, p, w) * seqs;
      return;
    }
    const double a = static_cast<double>(c.queries_per_request), rest = n - a;
    const double seqs = static_cast<double>(b);
    c.window_pairs =
        (WindowedCausalPairs(a, p, w) + WindowedCausalPairs(rest, p + a, w)) / 2.0 * seqs;
    c.window_kv_tokens =
        (WindowedKvEntries(a, p, w) + WindowedKvEntries(rest, p + a, w)) / 2.0 * seqs;
  }

  // Plan() is what every estimate of `model` on `hw` under `d` with
  // `routing` shares, the parts `what` asks for (StepPlan's flags).
  static constexpr StepPlan Plan(const ModelSpec& model, const HardwareSpec& hw,
                                 const DeploymentSpec& d, const RoutingSpec& routing,
                                 unsigned what) {
    StepPlan p;
    if ((what & StepPlan::kRouting) != 0 && model.moe.routed_experts > 0) {
      p.routing = PlanRouting(model, d, routing);
    }
    if ((what & StepPlan::kMemory) != 0) {
      p.weights = WeightBytes(model, d);
      p.kv = KvCache(model, d);
    }
    if ((what & StepPlan::kFactors) != 0 && hw.correction_count > 0) {
      p.factors.assign(kOpCount * kPartCount, 1.0);
      for (std::size_t op = 0; op < kOpCount; ++op) {
        for (std::size_t part = 0; part < kPartCount; ++part) {
          p.factors[op * kPartCount + part] = hw.TimeFactor(kOpNames[op], kPartNames[part]);
        }
      }
      p.factored = true;
    }
    return p;
  }

  // Plan() of a workload: also, with kGemms (or either half of it), the
  // GemmPlan of every GEMM its steps run, decode or prefill, recorded from
  // small forwards of it (RecordGemms()), and the GPU's compute share under
  // two micro-batches.
  static constexpr StepPlan Plan(const ModelSpec& model, const HardwareSpec& hw,
                                 const DeploymentSpec& d, const WorkloadSpec& w, unsigned what) {
    StepPlan p = Plan(model, hw, d, w.routing, what);
    if ((what & StepPlan::kGemms) != 0) {
      if (d.comm_sms > 0 && d.comm_sms < hw.sm_count)
        p.compute_share.assign(1, ComputeShare(hw, d.comm_sms));
      RecordGemms(model, hw, d, w, what, p);
    }
    return p;
  }

  // RecordGemms() costs a few small forwards of `w` to record their GEMMs'
  // plans into `p`: decode steps (kDecodeGemms in `what`) and prefill
  // forwards (kPrefillGemms) of one and of two sequences (one micro-batch or
  // two: the whole GPU or its compute share). A mixed forward's GEMMs are
  // those of both. A GEMM none of them runs is worked out by every estimate
  // that does (the same numbers, without the shortcut).
  static constexpr void RecordGemms(const ModelSpec& model, const HardwareSpec& hw,
                                    const DeploymentSpec& d, const WorkloadSpec& w, unsigned what,
                                    StepPlan& p) {
    StepPlan recorded = p;
    StepResult scratch;
    for (const Phase phase : {Phase::kDecode, Phase::kPrefill}) {
      const unsigned flag =
          phase == Phase::kDecode ? StepPlan::kDecodeGemms : StepPlan::kPrefillGemms;
      if ((what & flag) == 0) continue;
      WorkloadSpec x = w;
      x.phase = phase;
      for (int64_t sequences = 1; sequences <= 2; ++sequences) {
        x.batch_per_dp = sequences;
        const StepShape shape = phase == Phase::kDecode ? StepShape::FromWorkload(x)
                                                        : StepShape::Prefill(sequences, 1, 0, true);
        EmitForward(p, model, hw, d, x, shape, scratch, &recorded);
      }
    }
    p.gemm_index = std::move(recorded.gemm_index);
    p.gemms = std::move(recorded.gemms);
  }

  // EmitParts() appends every part's rows, costed on `hw` (the GPU, or the
  // share of it compute gets), in `mb` micro-batches. A prefill's Workspace()
  // comes from the same context and is returned (zero in decode): the
  // buffers read no hardware, so the share changes nothing.
  // `variant` is StepPlan::GemmSlot()'s (1: `hw` is the compute share);
  // `recording` the plan the GEMMs' plans go into while Plan() records.
  static constexpr Bytes EmitParts(const StepPlan& plan, const ModelSpec& model,
                                   const HardwareSpec& hw, const DeploymentSpec& d,
                                   const WorkloadSpec& w, const StepShape& shape, int64_t mb,
                                   uint8_t variant, StepPlan* recording, StepResult& r) {
    SharedRows shared;
    StepContext c = Context(model, hw, d, w, shape, mb, plan);
    c.shared = &shared;
    c.hw_variant = variant;
    c.recording = recording;
    if (w.phase == Phase::kDecode && shape.Mixed()) {
      EmitMixedParts(c, shape, r);
      return Bytes::Zero();
    }
    (Parts::Emit(c, r), ...);
    return w.phase == Phase::kPrefill ? WorkspaceOf(c) : Bytes::Zero();
  }

  // EmitMixedParts() is a decode step carrying prefill chunks: every op
  // sees both parts' tokens, attention's core each part's own (the chunks'
  // context split into micro-batches as a prefill's is), the head samples
  // the decode tokens and the chunks that end their prompts. Out of line,
  // away from the decode path.
  [[gnu::noinline]] static constexpr void EmitMixedParts(StepContext& c, const StepShape& shape,
                                                         StepResult& r) {
    StepContext chunk = c;
    chunk.phase = Phase::kPrefill;
    chunk.shared = nullptr;
    PrefillContext(shape.Chunks(), chunk);
    c.chunk = &chunk;
    c.chunk_tokens = chunk.Tokens();
    // The decode head runs per micro-batch; the chunks' sampled tokens
    // spread over the micro-batches too.
    c.head_tokens += (chunk.head_tokens + c.micro_batches - 1) / c.micro_batches;
    (Parts::Emit(c, r), ...);
  }

  // EmitForward() fills `r`'s rows and forward time (reusing its storage: no
  // per-call initialisation of the row array); it returns a prefill
  // forward's Workspace() (zero in decode).
  static constexpr Bytes EmitForward(const StepPlan& plan, const ModelSpec& model,
                                     const HardwareSpec& hw, const DeploymentSpec& d,
                                     const WorkloadSpec& w, const StepShape& shape, StepResult& r,
                                     StepPlan* recording = nullptr) {
    r.row_count = 0;
    r.forward = Duration::Zero();
    r.routing = {};
    r.phase = w.phase;
    r.forwards = 1;
    const int64_t mb = MicroBatches(d, w, shape);
    // Under two micro-batches one's compute always overlaps the other's
    // all-to-all: it runs on the SMs those kernels leave (ComputeShare()).
    Bytes workspace;
    if (mb == 2 && d.comm_sms > 0 && d.comm_sms < hw.sm_count) {
      if (!plan.compute_share.empty()) {
        workspace = EmitParts(plan, model, plan.compute_share[0], d, w, shape, mb, 1, recording, r);
      } else {
        const HardwareSpec shared = ComputeShare(hw, d.comm_sms);
        workspace = EmitParts(plan, model, shared, d, w, shape, mb, 1, recording, r);
      }
    } else {
      workspace = EmitParts(plan, model, hw, d, w, shape, mb, 0, recording, r);
    }
    for (std::size_t i = 0; i < r.row_count; ++i) r.forward += r.rows[i].Total();
    r.tokens_per_rank =
        shape.batch_per_dp * shape.new_tokens + shape.chunk_sequences * shape.chunk_tokens;
    const int64_t per_node = hw.gpus_per_node / d.parallel.attention_tp;
    r.dp_per_machine = d.parallel.attention_dp < per_node ? d.parallel.attention_dp
                                                          : (per_node > 0 ? per_node : 1);
    return workspace;
  }

  // HostGap() is the host's time before a forward of `shape` whose rows are
  // `r`'s: the workload's constant and the deployment's host model.
  static constexpr Duration HostGap(const DeploymentSpec& d, const WorkloadSpec& w,
                                    const StepShape& shape, const StepResult& r) {
    return w.host_gap +
           d.host.Gap(shape.batch_per_dp, d.host.cuda_graphs ? 0 : r.Kernels(), r.forward);
  }

  // EstimateTimeInto() is one forward of `shape` into `r` without the SLA
  // and memory passes: its rows, forward and host gap only (what a
  // scheduler's or a simulator's step time needs; r.sla, r.prefill and
  // r.memory keep whatever they held).
  static constexpr void EstimateTimeInto(const StepPlan& plan, const ModelSpec& model,
                                         const HardwareSpec& hw, const DeploymentSpec& d,
                                         const WorkloadSpec& w, const StepShape& shape,
                                         StepResult& r) {
    EmitForward(plan, model, hw, d, w, shape, r);
    r.host_gap = HostGap(d, w, shape, r);
  }
  static constexpr void EstimateTimeInto(const ModelSpec& model, const HardwareSpec& hw,
                                         const DeploymentSpec& d, const WorkloadSpec& w,
                                         const StepShape& shape, StepResult& r) {
    EstimateTimeInto(Plan(model, hw, d, w.routing, StepPlan::kRouting), model, hw, d, w, shape, r);
  }

  // EstimateInto() is one forward of `shape` into `r`, for callers that
  // estimate in a loop: its rows, then the phase's SLA and the memory.
  static constexpr void EstimateInto(const ModelSpec& model, const HardwareSpec& hw,
                                     const DeploymentSpec& d, const WorkloadSpec& w,
                                     const StepShape& shape, StepResult& r) {
    EstimateInto(Plan(model, hw, d, w.routing, StepPlan::kRouting | StepPlan::kMemory), model, hw,
                 d, w, shape, r);
  }
  // EstimateInto() with `plan` (Plan() of its routing and memory at least).
  static constexpr void EstimateInto(const StepPlan& plan, const ModelSpec& model,
                                     const HardwareSpec& hw, const DeploymentSpec& d,
                                     const WorkloadSpec& w, const StepShape& shape, StepResult& r) {
    const Bytes workspace = EmitForward(plan, model, hw, d, w, shape, r);
    r.host_gap = HostGap(d, w, shape, r);
    if (w.phase == Phase::kDecode) {
      r.sla = DecodeFromForward(
          r.forward, DecodeShape{r.dp_per_machine, shape.batch_per_dp, w.accepted_tokens_per_step},
          r.host_gap);
    } else {
      r.prefill = PrefillFromForward(
          r.forward, PrefillShape{r.dp_per_machine, shape.batch_per_dp, shape.new_tokens},
          r.host_gap);
    }
    r.memory = MemoryWith(plan, d, hw, shape, workspace);
  }

  static constexpr StepResult Estimate(const ModelSpec& model, const HardwareSpec& hw,
                                       const DeploymentSpec& d, const WorkloadSpec& w,
                                       const StepShape& shape) {
    StepResult r;
    EstimateInto(model, hw, d, w, shape, r);
    return r;
  }

  // Estimate() of a workload alone: a decode step at its balanced shape, or
  // the prefill of its whole batch (EstimatePrefill()).
  static constexpr StepResult Estimate(const ModelSpec& model, const HardwareSpec& hw,
                                       const DeploymentSpec& d, const WorkloadSpec& w) {
    if (w.phase == Phase::kPrefill) return EstimatePrefill(model, hw, d, w);
    return Estimate(model, hw, d, w, StepShape::FromWorkload(w));
  }

  // EstimatePrefill() is the prefill of a workload's batch: every forward of
  // PlanPrefill(), its rows summed over them (a row's cost and visible time
  // are its Σ over the forwards, its count still per forward), the batch's
  // TTFT (Σ forwards and the host gap before each) and prompt tokens/s, and the
  // memory with every prompt's KV cache in place and the largest forward's
  // workspace.
  static constexpr StepResult EstimatePrefill(const ModelSpec& model, const HardwareSpec& hw,
                                              const DeploymentSpec& d, const WorkloadSpec& w) {
    return EstimatePrefill(Plan(model, hw, d, w.routing, StepPlan::kRouting | StepPlan::kMemory),
                           model, hw, d, w);
  }
  // EstimatePrefill() with `step` (Plan() of its routing and memory at least).
  static constexpr StepResult EstimatePrefill(const StepPlan& step, const ModelSpec& model,
                                              const HardwareSpec& hw, const DeploymentSpec& d,
                                              const WorkloadSpec& w) {
    const PrefillPlan plan = PlanPrefill(w);
    StepResult r;
    const StepShape first = plan.Shape(0);
    Bytes workspace = EmitForward(step, model, hw, d, w, first, r);
    Duration host_gap = HostGap(d, w, first, r) * static_cast<double>(plan.Repeat(0));
    ScaleRows(r, plan.Repeat(0));
    if (plan.Costed() > 1) AddForwards(step, model, hw, d, w, plan, r, workspace, host_gap);
    r.forwards = plan.Forwards();
    r.host_gap = host_gap;
    r.tokens_per_rank = plan.prompts * plan.new_tokens;
    r.prefill = PrefillFromForward(
        r.forward, PrefillShape{r.dp_per_machine, plan.prompts, w.prompt_tokens}, r.host_gap);
    const double tokens = static_cast<double>(plan.prompts * w.prompt_tokens);
    r.memory = MemoryUse{step.weights, step.kv.Of(static_cast<double>(plan.prompts), tokens),
                         d.memory_reserve_per_gpu, hw.hbm_capacity, workspace};
    return r;
  }

  // AddForwards() adds the forwards of `plan` after its first to `r` (rows
  // AddRows(), the largest workspace, the host gaps): a second result of its
  // own, which a prefill of one forward shape does not construct.
  static constexpr void AddForwards(const StepPlan& step, const ModelSpec& model,
                                    const HardwareSpec& hw, const DeploymentSpec& d,
                                    const WorkloadSpec& w, const PrefillPlan& plan, StepResult& r,
                                    Bytes& workspace, Duration& host_gap) {
    StepResult one;
    for (int64_t i = 1; i < plan.Costed(); ++i) {
      const StepShape shape = plan.Shape(i);
      workspace = Max(workspace, EmitForward(step, model, hw, d, w, shape, one));
      const int64_t times = plan.Repeat(i);
      host_gap += HostGap(d, w, shape, one) * static_cast<double>(times);
      AddRows(one, times, r);
    }
  }

  // WeightBytes() is the weights one GPU holds: Σ over the parts of their
  // blocks' declared weights (the same tensors their GEMMs read).
  static constexpr Bytes WeightBytes(const ModelSpec& m, const DeploymentSpec& d) {
    return (Parts::WeightBytes(m, d) + ...);
  }

  // KvCache() is one GPU's KV cache over every part: per token of the
  // full-attention layers, and of the sliding ones up to their window.
  static constexpr KvFootprint KvCache(const ModelSpec& m, const DeploymentSpec& d) {
    return (Parts::KvCache(m, d) + ...);
  }

  // KvBytesPerToken() is one token's KV cache on one GPU, over every part
  // (a sliding layer's too: the token of a request within its window).
  static constexpr Bytes KvBytesPerToken(const ModelSpec& m, const DeploymentSpec& d) {
    return KvCache(m, d).PerTokenInWindow();
  }

  // Workspace() is a prefill forward's activation workspace on one GPU: the
  // residual stream and the normed hidden state (BF16) of its tokens, and
  // the largest of the parts' live buffers, for each micro-batch in flight.
  [[gnu::noinline]] static constexpr Bytes Workspace(const ModelSpec& m, const HardwareSpec& hw,
                                                     const DeploymentSpec& d, const WorkloadSpec& w,
                                                     const StepShape& shape) {
    const int64_t mb = MicroBatches(d, w, shape);
    return WorkspaceOf(
        Context(m, hw, d, w, shape, mb, Plan(m, hw, d, w.routing, StepPlan::kRouting)));
  }

  // WorkspaceOf() is Workspace() of the forward whose context is `c`.
  static constexpr Bytes WorkspaceOf(const StepContext& c) {
    Bytes parts;
    ((parts = Max(parts, Parts::Workspace(c))), ...);
    const Bytes residual =
        ByteCount(static_cast<double>(c.Tokens() * c.model.hidden_size) * 2.0 * 2.0);
    return (residual + parts) * static_cast<double>(c.micro_batches);
  }

  // MemoryPerGpu() is the weights, KV cache and reserve one GPU holds (and a
  // prefill forward's workspace). The KV cache holds the rank's Σ context
  // plus this forward's new tokens.
  static constexpr MemoryUse MemoryPerGpu(const ModelSpec& m, const HardwareSpec& hw,
                                          const DeploymentSpec& d, const WorkloadSpec& w,
                                          const StepShape& shape) {
    return MemoryPerGpu(Plan(m, hw, d, w.routing, StepPlan::kMemory), m, hw, d, w, shape);
  }
  // MemoryPerGpu() with `plan` (Plan() of its memory at least).
  static constexpr MemoryUse MemoryPerGpu(const StepPlan& plan, const ModelSpec& m,
                                          const HardwareSpec& hw, const DeploymentSpec& d,
                                          const WorkloadSpec& w, const StepShape& shape) {
    const Bytes workspace =
        w.phase == Phase::kPrefill ? Workspace(m, hw, d, w, shape) : Bytes::Zero();
    return MemoryWith(plan, d, hw, shape, workspace);
  }

  // MemoryWith() is MemoryPerGpu() with the forward's workspace known, from
  // `plan`'s weights and KV footprint.
  static constexpr MemoryUse MemoryWith(const StepPlan& plan, const DeploymentSpec& d,
                                        const HardwareSpec& hw, const StepShape& shape,
                                        Bytes workspace) {
    const double tokens =
        shape.sum_context + static_cast<double>(shape.batch_per_dp * shape.new_tokens) +
        static_cast<double>(shape.chunk_sequences * (shape.chunk_cached + shape.chunk_tokens));
    const KvFootprint& f = plan.kv;
    Bytes kv = f.per_token * tokens;
    if (f.window_tokens > 0) {
      // The sliding layers keep each request's window: the decode requests'
      // and the chunks' prompts', each set at its mean.
      const double chunks = static_cast<double>(shape.chunk_sequences);
      kv += f.per_window_token *
            (f.Windowed(
                 static_cast<double>(shape.batch_per_dp),
                 shape.sum_context + static_cast<double>(shape.batch_per_dp * shape.new_tokens)) +
             f.Windowed(chunks,
                        chunks * static_cast<double>(shape.chunk_cached + shape.chunk_tokens)));
    }
    return MemoryUse{plan.weights, kv, d.memory_reserve_per_gpu, hw.hbm_capacity, workspace};
  }

 private:
  // ScaleRows() makes `r`'s rows and forward `times` as much.
  static constexpr void ScaleRows(StepResult& r, int64_t times) {
    if (times == 1) return;
    for (std::size_t i = 0; i < r.row_count; ++i) {
      graph_internal::RepeatInPlace(r.rows[i].cost, times);
      r.rows[i].visible *= static_cast<double>(times);
    }
    r.forward *= static_cast<double>(times);
  }
  // AddRows() adds `times` x `from`'s rows into `into`'s rows of the same op
  // and part (appending those it lacks) and its forward time.
  static constexpr void AddRows(const StepResult& from, int64_t times, StepResult& into) {
    for (std::size_t i = 0; i < from.row_count; ++i) {
      const OpRow& add = from.rows[i];
      OpRow* row = nullptr;
      for (std::size_t j = 0; j < into.row_count && row == nullptr; ++j) {
        if (into.rows[j].op == add.op && into.rows[j].part == add.part) row = &into.rows[j];
      }
      if (row == nullptr) {
        row = &graph_internal::NextRow(into);
        *row = add;
        row->cost = OpCost{};
        row->cost.op_class = add.cost.op_class;
        row->cost.bound = add.cost.bound;
        row->cost.kernels = 0;
        row->visible = Duration::Zero();
      }
      OpCost scaled = add.cost;
      graph_internal::RepeatInPlace(scaled, times);
      row->cost = graph_internal::Sum(row->cost, scaled);
      row->visible += add.visible * static_cast<double>(times);
    }
    into.forward += from.forward * static_cast<double>(times);
  }
};

// The model families perfmodel knows, as compile-time compositions.
using DeepSeekForward = ForwardStep<Layers<DenseLayer<MlaAttention>, MoeLayer<MlaAttention>>,
                                    Mtp<DenseLayer<MlaAttention>, MoeLayer<MlaAttention>>, LmHead>;
using GqaForward = ForwardStep<Layers<DenseLayer<GqaAttention>, MoeLayer<GqaAttention>>,
                               Mtp<DenseLayer<GqaAttention>, MoeLayer<GqaAttention>>, LmHead>;

// WithGraph() calls `f(std::type_identity<Graph>{})` with the family of
// `model`: the one place a model's graph is chosen at run time.
template <typename F>
constexpr decltype(auto) WithGraph(const ModelSpec& model, F&& f) {
  if (model.attention_kind == AttentionKind::kMla) {
    return f(std::type_identity<DeepSeekForward>{});
  }
  return f(std::type_identity<GqaForward>{});
}

// EstimateDecode() is the runtime entry point: the model's family's graph.
constexpr StepResult EstimateDecode(const ModelSpec& model, const HardwareSpec& hw,
                                    const DeploymentSpec& d, const WorkloadSpec& w,
                                    const StepShape& shape) {
  return WithGraph(model, [&]<typename G>(std::type_identity<G>) {
    return G::Estimate(model, hw, d, w, shape);
  });
}
constexpr StepResult EstimateDecode(const ModelSpec& model, const HardwareSpec& hw,
                                    const DeploymentSpec& d, const WorkloadSpec& w) {
  return EstimateDecode(model, hw, d, w, StepShape::FromWorkload(w));
}

// EstimatePrefill() is the prefill of a workload's batch of prompts
// (ForwardStep::EstimatePrefill()); EstimateStep() is either, as the
// workload's phase says.
constexpr StepResult EstimatePrefill(const ModelSpec& model, const HardwareSpec& hw,
                                     const DeploymentSpec& d, const WorkloadSpec& w) {
  return WithGraph(model, [&]<typename G>(std::type_identity<G>) {
    return G::EstimatePrefill(model, hw, d, w);
  });
}
constexpr StepResult EstimateStep(const ModelSpec& model, const HardwareSpec& hw,
                                  const DeploymentSpec& d, const WorkloadSpec& w) {
  return WithGraph(model,
                   [&]<typename G>(std::type_identity<G>) { return G::Estimate(model, hw, d, w); });
}

// EstimateDecodeInto() is EstimateDecode() into a caller's StepResult, whose
// storage it reuses (the fast path for schedulers estimating every step).
constexpr void EstimateDecodeInto(const ModelSpec& model, const HardwareSpec& hw,
                                  const DeploymentSpec& d, const WorkloadSpec& w,
                                  const StepShape& shape, StepResult& r) {
  WithGraph(model,
            [&]<typename G>(std::type_identity<G>) { G::EstimateInto(model, hw, d, w, shape, r); });
}

// EstimateStepInto() is one forward of `shape` into `r`, decode or prefill as
// the workload's phase says (a prefill shape: StepShape::Prefill()); the
// same call as EstimateDecodeInto(), named for callers of either phase. A
// prefill workload's whole batch, cut into forwards, is EstimatePrefill().
constexpr void EstimateStepInto(const ModelSpec& model, const HardwareSpec& hw,
                                const DeploymentSpec& d, const WorkloadSpec& w,
                                const StepShape& shape, StepResult& r) {
  EstimateDecodeInto(model, hw, d, w, shape, r);
}

// EstimateTimeInto() is EstimateStepInto() without the SLA and memory
// passes (ForwardStep::EstimateTimeInto()): rows, forward and host gap.
constexpr void EstimateTimeInto(const ModelSpec& model, const HardwareSpec& hw,
                                const DeploymentSpec& d, const WorkloadSpec& w,
                                const StepShape& shape, StepResult& r) {
  WithGraph(model, [&]<typename G>(std::type_identity<G>) {
    G::EstimateTimeInto(model, hw, d, w, shape, r);
  });
}

// PlanStep() is what every estimate of `model` on `hw` under `d` with
// `routing` shares (ForwardStep::Plan() of the model's graph; `what`:
// StepPlan's flags). The overloads below that take a plan use it instead
// of planning: it must be the plan of the same specs (PreparedStep keeps
// them together).
constexpr StepPlan PlanStep(const ModelSpec& model, const HardwareSpec& hw, const DeploymentSpec& d,
                            const RoutingSpec& routing, unsigned what = StepPlan::kAll) {
  return WithGraph(model, [&]<typename G>(std::type_identity<G>) {
    return G::Plan(model, hw, d, routing, what);
  });
}
// PlanStep() of a workload also plans its GEMMs (StepPlan::kGemms).
constexpr StepPlan PlanStep(const ModelSpec& model, const HardwareSpec& hw, const DeploymentSpec& d,
                            const WorkloadSpec& w, unsigned what = StepPlan::kAll) {
  return WithGraph(
      model, [&]<typename G>(std::type_identity<G>) { return G::Plan(model, hw, d, w, what); });
}
constexpr void EstimateStepInto(const StepPlan& plan, const ModelSpec& model,
                                const HardwareSpec& hw, const DeploymentSpec& d,
                                const WorkloadSpec& w, const StepShape& shape, StepResult& r) {
  WithGraph(model, [&]<typename G>(std::type_identity<G>) {
    G::EstimateInto(plan, model, hw, d, w, shape, r);
  });
}
constexpr void EstimateTimeInto(const StepPlan& plan, const ModelSpec& model,
                                const HardwareSpec& hw, const DeploymentSpec& d,
                                const WorkloadSpec& w, const StepShape& shape, StepResult& r) {
  WithGraph(model, [&]<typename G>(std::type_identity<G>) {
    G::EstimateTimeInto(plan, model, hw, d, w, shape, r);
  });
}
constexpr StepResult EstimatePrefill(const StepPlan& plan, const ModelSpec& model,
                                     const HardwareSpec& hw, const DeploymentSpec& d,
                                     const WorkloadSpec& w) {
  return WithGraph(model, [&]<typename G>(std::type_identity<G>) {
    return G::EstimatePrefill(plan, model, hw, d, w);
  });
}
constexpr MemoryUse EstimateMemory(const StepPlan& plan, const ModelSpec& model,
                                   const HardwareSpec& hw, const DeploymentSpec& d,
                                   const WorkloadSpec& w, const StepShape& shape) {
  return WithGraph(model, [&]<typename G>(std::type_identity<G>) {
    return G::MemoryPerGpu(plan, model, hw, d, w, shape);
  });
}

// PreparedStep is one model, hardware, deployment and workload planned once
// (ForwardStep::Plan(): the routing plan, the weights and KV cache per GPU,
// the hardware's per-op corrections as a table) for callers that estimate
// many steps of them: a scheduler every step, a search every batch of a
// layout. It holds copies of its specs; each estimate equals the free
// function's on the same specs bit for bit (the same graph, the same plan).
//
//   PreparedStep p(model, hw, deployment, workload);   // once
//   p.EstimateInto(StepShape::Decode(p.workload(), 24, s, s), r);   // per step
//   p.EstimateTimeInto(shape, r);   // rows, forward and host gap only
class PreparedStep final {
 public:
  constexpr PreparedStep(const ModelSpec& model, const HardwareSpec& hw, const DeploymentSpec& d,
                         const WorkloadSpec& w)
      : model_(model),
        hw_(hw),
        deployment_(d),
        workload_(w),
        plan_(PlanStep(model_, hw_, deployment_, workload_)) {}

  constexpr const ModelSpec& model() const { return model_; }
  constexpr const HardwareSpec& hardware() const { return hw_; }
  constexpr const DeploymentSpec& deployment() const { return deployment_; }
  constexpr const WorkloadSpec& workload() const { return workload_; }
  constexpr const StepPlan& plan() const { return plan_; }

  // SetWorkload() makes `w` the workload of later estimates; the plan is
  // redone only when what it was planned from differs: the routing, or the
  // drafts whose forwards recorded the GEMMs (the MTP layer's run only with
  // drafts).
  constexpr void SetWorkload(const WorkloadSpec& w) {
    const bool replan =
        !(w.routing == workload_.routing) || w.mtp_draft_tokens != workload_.mtp_draft_tokens;
    workload_ = w;
    if (replan) plan_ = PlanStep(model_, hw_, deployment_, workload_);
  }

  // EstimateInto() is EstimateStepInto() of one forward of `shape`;
  // EstimateTimeInto() is EstimateTimeInto()'s (no SLA, no memory);
  // EstimatePrefill() the workload's whole prefill batch; Memory() the
  // memory per GPU of a step of `shape`.
  constexpr void EstimateInto(const StepShape& shape, StepResult& r) const {
    EstimateStepInto(plan_, model_, hw_, deployment_, workload_, shape, r);
  }
  constexpr void EstimateTimeInto(const StepShape& shape, StepResult& r) const {
    perfmodel::EstimateTimeInto(plan_, model_, hw_, deployment_, workload_, shape, r);
  }
  constexpr StepResult EstimatePrefill() const {
    return perfmodel::EstimatePrefill(plan_, model_, hw_, deployment_, workload_);
  }
  constexpr MemoryUse Memory(const StepShape& shape) const {
    return EstimateMemory(plan_, model_, hw_, deployment_, workload_, shape);
  }

 private:
  ModelSpec model_;
  HardwareSpec hw_;
  DeploymentSpec deployment_;
  WorkloadSpec workload_;
  StepPlan plan_;
};

// KvBytesPerToken() is one token's KV cache on one GPU, over every part of
// the model's graph (ForwardStep::KvBytesPerToken()).
constexpr Bytes KvBytesPerToken(const ModelSpec& model, const DeploymentSpec& d) {
  return WithGraph(model,
                   [&]<typename G>(std::type_identity<G>) { return G::KvBytesPerToken(model, d); });
}

// KvCache() is one GPU's KV cache, over every part of the model's graph
// (ForwardStep::KvCache()).
constexpr KvFootprint KvCache(const ModelSpec& model, const DeploymentSpec& d) {
  return WithGraph(model, [&]<typename G>(std::type_identity<G>) { return G::KvCache(model, d); });
}

// KvTransferBytes() is `bytes` of one prompt's KV cache sent from a P GPU to
// a D GPU over its own scale-out NIC: the link's latency plus the bytes at
// its bandwidth. KvTransfer() is that of `tokens` x `per_token` bytes, or of
// one prompt of `tokens` under a footprint (its sliding layers send their
// window only).
constexpr Duration KvTransferBytes(const HardwareSpec& hw, Bytes bytes) {
  return hw.scale_out_latency + bytes / hw.scale_out_bandwidth;
}
constexpr Duration KvTransfer(const HardwareSpec& hw, Bytes per_token, double tokens) {
  return KvTransferBytes(hw, per_token * tokens);
}
constexpr Duration KvTransfer(const HardwareSpec& hw, const KvFootprint& kv, double tokens) {
  return KvTransferBytes(hw, kv.Of(1.0, tokens));
}

// EstimateMemory() is the memory per GPU of a step of `shape`, without
// costing its ops.
constexpr MemoryUse EstimateMemory(const ModelSpec& model, const HardwareSpec& hw,
                                   const DeploymentSpec& d, const WorkloadSpec& w,
                                   const StepShape& shape) {
  return WithGraph(model, [&]<typename G>(std::type_identity<G>) {
    return G::MemoryPerGpu(model, hw, d, w, shape);
  });
}

// TabulatedDecode is the compile-time path for schedulers: the whole graph is
// evaluated during compilation for every batch size 1..kMaxBatch at the
// workload's context, so at run time an estimate is a table read. Batches
// outside the table fall back to the full estimate (same function, same
// numbers).
//
//   using Seed = TabulatedDecode<DeepSeekForward, specs::kDeepSeekV3, specs::kH200Sxm,
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

#endif  // PERFMODEL_FORWARD_STEP_H_
