// File: fuzz/estimate_fuzzer.cc
// -----------------------------------------------------------------------------
//
// The structured target: bytes -> a model, a GPU, a deployment and a decode
// and a prefill workload, each within the ranges real ones span (below) and
// written as the textprotos a user would write -> the loader (ParseModel(),
// ParseHardware(), ParseDeployment(), ParseWorkload(), ValidateDeploymentFor(),
// ValidateWorkloadFor(), as LoadSetup() runs them) -> EstimateStep(), the
// tools' entry point, for decode and for prefill, and EstimateMemory().
// Properties: every input the generator writes is one the loader accepts
// unless a cross-check the generator does not model rejects it (a layout
// spanning nodes it does not fill; a context past the model's maximum), and
// then the error names the file; every estimate's times, FLOPs and bytes
// (each op row, the forward, the host gap, memory, TPOT and TTFT) are finite
// and >= 0, and a decode step at batch b + 1 is no faster than at b.
//
// The generator's ranges are those of real models and GPUs (a hidden size
// up to 16384, 128 layers per group, 1024 experts, 16 DP ranks of TP 8,
// 5 PFLOP/s, 10 TB/s, a 128K context): physically absurd values are the
// loader's limits to reject (issue 16 item 4), not this target's to cost.
//
// The model may give its shared-expert block its own width and the GPU a
// per-message time for DeepEP's low-latency kernels (drawn last).
//
// Seeds: fuzz/corpus/estimate_fuzzer/ (random bytes of a few lengths; the
// fuzzer grows its own corpus).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fuzz/check.h"
#include "loader/load.h"
#include "perfmodel/forward_step.h"

namespace perfmodel::fuzz {
namespace {

constexpr const char* kDTypes[] = {"FP32", "BF16", "FP16", "FP8", "FP4"};
constexpr const char* kKinds[] = {"DENSE", "MOE"};

// The divisors of n (n >= 1) up to `most`, in increasing order.
std::vector<int64_t> Divisors(int64_t n, int64_t most) {
  std::vector<int64_t> out;
  for (int64_t d = 1; d <= std::min(n, most); ++d) {
    if (n % d == 0) out.push_back(d);
  }
  return out;
}

// What the generator chose, which the deployment and workload depend on.
struct ModelChoice final {
  std::string text;
  int64_t heads = 1;
  int64_t dense_intermediate = 0;  // 0: no dense MLP
  int64_t routed_experts = 0;      // 0: no MoE
  int64_t expert_intermediate = 0;
  int64_t mtp_modules = 0;
  int64_t max_context = 0;  // 0: unset
};

ModelChoice MakeModel(FuzzInput& in) {
  ModelChoice m;
  std::string& t = m.text;
  absl::StrAppend(&t, "name: \"fuzz-model\"\n", "hidden_size: ", 64 * in.Int(1, 256), "\n",
                  "vocab_size: ", in.Int(1, 262144), "\n");
  if (in.Bool()) {
    m.heads = in.Int(1, 128);
    absl::StrAppend(&t, "mla { heads: ", m.heads, " q_lora_rank: ", in.Int(0, 3072),
                    " kv_lora_rank: ", in.Int(1, 1024), " qk_nope_head_dim: ", in.Int(1, 256),
                    " qk_rope_head_dim: ", in.Int(1, 128), " v_head_dim: ", in.Int(1, 256), " }\n");
  } else {
    const int64_t kv_heads = in.Int(1, 64);
    m.heads = kv_heads * in.Int(1, 16);
    absl::StrAppend(&t, "gqa { heads: ", m.heads, " kv_heads: ", kv_heads,
                    " head_dim: ", 32 * in.Int(1, 8), " }\n");
  }
  bool dense = false, moe = false;
  const int64_t groups = in.Int(1, 4);
  for (int64_t i = 0; i < groups; ++i) {
    const bool is_moe = in.Bool();
    (is_moe ? moe : dense) = true;
    absl::StrAppend(&t, "layer_groups { kind: ", kKinds[is_moe], " count: ", in.Int(1, 128),
                    " }\n");
  }
  m.mtp_modules = in.Int(0, 2);
  if (m.mtp_modules > 0) {
    const bool is_moe = in.Bool();
    (is_moe ? moe : dense) = true;
    absl::StrAppend(&t, "mtp_modules: ", m.mtp_modules, "\nmtp_layer_kind: ", kKinds[is_moe], "\n");
  }
  if (dense) {
    m.dense_intermediate = 128 * in.Int(1, 512);
    absl::StrAppend(&t, "dense_mlp { intermediate_size: ", m.dense_intermediate, " }\n");
  }
  if (moe) {
    const int64_t expert_groups = in.Int(1, 8);
    m.routed_experts = expert_groups * in.Int(1, 128);
    m.expert_intermediate = 128 * in.Int(1, 32);
    absl::StrAppend(
        &t, "moe { routed_experts: ", m.routed_experts,
        " experts_per_token: ", in.Int(1, std::min<int64_t>(m.routed_experts, 16)),
        " shared_experts: ", in.Int(0, 2), " expert_intermediate_size: ", m.expert_intermediate,
        " groups: ", expert_groups, " groups_per_token: ", in.Int(1, expert_groups), " }\n");
  }
  for (const char* field :
       {"weight_dtype", "activation_dtype", "kv_cache_dtype", "attention_dtype", "head_dtype"}) {
    absl::StrAppend(&t, field, ": ", in.Pick(kDTypes), "\n");
  }
  if (in.Bool()) {
    m.max_context = in.Int(1, 1 << 20);
    absl::StrAppend(&t, "max_context_tokens: ", m.max_context, "\n");
  }
  return m;
}

struct HardwareChoice final {
  std::string text;
  int64_t sm_count = 1;
  int64_t gpus_per_node = 1;
};

HardwareChoice MakeHardware(FuzzInput& in) {
  HardwareChoice h;
  std::string& t = h.text;
  constexpr int64_t kNodeSizes[] = {1, 2, 4, 8, 16, 72};
  h.gpus_per_node = in.Pick(kNodeSizes);
  h.sm_count = in.Int(16, 256);
  absl::StrAppend(&t, "name: \"fuzz-gpu\"\n", "bf16_dense_tflops: ", in.Int(1, 5000), "\n",
                  "fp8_dense_tflops: ", in.Int(0, 10000), "\n",
                  "fp4_dense_tflops: ", in.Int(0, 20000), "\n", "fp32_tflops: ", in.Int(1, 200),
                  "\n", "hbm_capacity_gb: ", in.Int(1, 512), "\n",
                  "hbm_bandwidth_tbps: ", in.Fraction(0.1, 10.0), "\n",
                  "scale_up_bandwidth_gbps: ", in.Int(1, 2000), "\n",
                  "scale_up_latency_us: ", in.Fraction(0.0, 20.0), "\n",
                  "scale_out_bandwidth_gbps: ", in.Int(1, 200), "\n",
                  "scale_out_latency_us: ", in.Fraction(0.0, 20.0), "\n",
                  "gpus_per_node: ", h.gpus_per_node, "\n", "sm_count: ", h.sm_count, "\n",
                  "kernel_launch_overhead_us: ", in.Fraction(0.0, 10.0), "\n");
  for (const char* op_class : {"GEMM", "GROUPED_GEMM", "ATTENTION", "ELEMENTWISE"}) {
    absl::StrAppend(&t, "efficiency { op_class: ", op_class, " compute: ", in.Fraction(0.05, 1.0),
                    " memory: ", in.Fraction(0.05, 1.0));
    if (in.Bool()) absl::StrAppend(&t, " compute_fp8: ", in.Fraction(0.05, 1.0));
    absl::StrAppend(&t, " source: \"fuzz\" }\n");
  }
  for (const char* op_class : {"SCALE_UP", "SCALE_OUT", "SCALE_UP_LOW_LATENCY"}) {
    absl::StrAppend(&t, "efficiency { op_class: ", op_class, " link: ", in.Fraction(0.05, 1.0),
                    " source: \"fuzz\" }\n");
  }
  if (in.Bool()) {
    constexpr const char* kParts[] = {"", "dense", "moe", "mtp", "head"};
    absl::StrAppend(&t, "op_correction { op: \"*\" part: \"", in.Pick(kParts),
                    "\" time_factor: ", in.Fraction(0.25, 4.0), " source: \"fuzz\" }\n");
  }
  if (in.Bool()) {
    // Small-M tiles no larger than the large ones, as the loader requires.
    const int64_t rows = 64 * in.Int(1, 4);
    absl::StrAppend(&t, "gemm_tile_rows_small: ", 16 * in.Int(1, rows / 16),
                    "\ngemm_tile_rows: ", rows, "\ngemm_tile_cols: ", 64 * in.Int(1, 4), "\n");
  } else if (in.Bool()) {
    // A library that picks its tile per shape (DeepGEMM's rule): ascending
    // candidates, a short-side limit no narrower than the narrowest block_n.
    for (const char* field : {"gemm_kernels", "bf16_gemm_kernels"}) {
      if (in.Bool()) continue;
      std::string block_m, block_n;
      int64_t m = 0, n = 0, first_n = 0;
      for (int64_t i = in.Int(1, 4); i > 0; --i) {
        m += 16 * in.Int(1, 8);
        absl::StrAppend(&block_m, block_m.empty() ? "" : ", ", m);
      }
      for (int64_t j = in.Int(1, 32); j > 0; --j) {
        n += 8 * in.Int(1, 8);
        if (first_n == 0) first_n = n;
        absl::StrAppend(&block_n, block_n.empty() ? "" : ", ", n);
      }
      absl::StrAppend(&t, field, " { rule: DEEPGEMM_MIN_WAVES block_m: [", block_m, "] block_n: [",
                      block_n, "] max_short_side: ", in.Bool() ? 0 : first_n + 8 * in.Int(0, 16),
                      " sm_operand_feed_gbps: ", in.Bool() ? 0.0 : in.Fraction(1.0, 500.0),
                      " source: \"fuzz\" }\n");
    }
  }
  return h;
}

std::string MakeDeployment(FuzzInput& in, const ModelChoice& m, const HardwareChoice& h) {
  const std::vector<int64_t> tps = Divisors(m.heads, 8);
  const int64_t attention_tp = tps[in.Int(0, static_cast<int64_t>(tps.size()) - 1)];
  const int64_t gpus = attention_tp * in.Int(1, 16);
  // moe_tp divides gpus and the expert width; dense_tp gpus and the dense width.
  std::vector<int64_t> moe_tps = Divisors(gpus, 8);
  if (m.expert_intermediate > 0) {
    std::erase_if(moe_tps, [&](int64_t d) { return m.expert_intermediate % d != 0; });
  }
  const int64_t moe_tp = moe_tps[in.Int(0, static_cast<int64_t>(moe_tps.size()) - 1)];
  const int64_t moe_ep = gpus / moe_tp;
  std::vector<int64_t> dense_tps = Divisors(gpus, 16);
  if (m.dense_intermediate > 0) {
    std::erase_if(dense_tps, [&](int64_t d) { return m.dense_intermediate % d != 0; });
  }
  const int64_t dense_tp = dense_tps[in.Int(0, static_cast<int64_t>(dense_tps.size()) - 1)];
  // Redundant experts that make the slots divide over the EP ranks.
  const int64_t redundant =
      m.routed_experts > 0 ? (moe_ep - m.routed_experts % moe_ep) % moe_ep + moe_ep * in.Int(0, 1)
                           : in.Int(0, 8);
  constexpr const char* kOverlaps[] = {"NONE", "TWO_MICRO_BATCH", "RECV_HOOK"};
  std::string t = absl::StrCat(
      "name: \"fuzz-deployment\"\ngpus: ", gpus,
      "\nparallelism { attention_dp: ", gpus / attention_tp, " attention_tp: ", attention_tp,
      " dense_tp: ", dense_tp, " moe_ep: ", moe_ep, " moe_tp: ", moe_tp,
      " redundant_experts: ", redundant, " }\n", "overlap: ", in.Pick(kOverlaps),
      "\nmemory_reserve_gb: ", in.Fraction(0.0, 16.0), "\n");
  if (in.Bool()) absl::StrAppend(&t, "kv_cache_dtype: ", in.Pick(kDTypes), "\n");
  if (in.Bool()) absl::StrAppend(&t, "attention_dtype: ", in.Pick(kDTypes), "\n");
  if (in.Bool()) absl::StrAppend(&t, "comm_sms: ", in.Int(1, h.sm_count - 1), "\n");
  if (in.Bool()) {
    const bool graphs = in.Bool();
    absl::StrAppend(&t, "host { step_us: ", in.Fraction(0.0, 1000.0),
                    " request_us: ", in.Fraction(0.0, 100.0),
                    " launch_us: ", in.Fraction(0.0, 20.0),
                    " cuda_graphs: ", graphs ? "true" : "false", " }\n");
  }
  return t;
}

// The fields both phases share; `drafts` are the decode workload's.
std::string WorkloadCommon(FuzzInput& in, int64_t batch, int64_t drafts) {
  std::string t = absl::StrCat(
      "name: \"fuzz-workload\"\nbatch_per_dp: ", batch, "\nmtp_draft_tokens: ", drafts,
      "\naccepted_tokens_per_step: ", in.Fraction(1.0, static_cast<double>(drafts + 1)),
      "\nhost_gap_ms: ", in.Fraction(0.0, 5.0), "\n");
  if (in.Bool()) absl::StrAppend(&t, "expert_imbalance: ", in.Fraction(1.0, 4.0), "\n");
  if (in.Bool()) {
    if (in.Bool()) {
      absl::StrAppend(&t, "routing { skew: POWER_LAW power_law_exponent: ", in.Fraction(0.0, 4.0),
                      " eplb: ", in.Bool() ? "true" : "false", " }\n");
    } else {
      absl::StrAppend(&t, "routing { skew: UNIFORM eplb: ", in.Bool() ? "true" : "false", " }\n");
    }
  }
  return t;
}

// Accepted() is the value of a parse the generator's text must pass: every
// check the loader makes on one file alone is modelled above, so a rejection
// is a finding (of the generator or of the loader).
template <typename T>
T Accepted(absl::StatusOr<T> r, const std::string& text) {
  Check(r.ok(),
        "the loader rejected a generated file: " + std::string(r.status().message()) + "\n" + text);
  return *std::move(r);
}

// CheckStep() holds the properties of one estimate.
void CheckStep(const StepResult& r, absl::string_view what) {
  const std::string at(what);
  Check(r.row_count > 0 && r.row_count <= StepResult::kMaxRows, at + ": row count");
  Check(r.forwards >= 1, at + ": forwards < 1");
  for (std::size_t i = 0; i < r.row_count; ++i) {
    const OpRow& row = r.rows[i];
    const std::string op = at + ": " + std::string(row.op);
    Check(row.count >= 0, op + ": negative count");
    CheckQuantity(row.cost.flops, op + ": FLOPs");
    CheckQuantity(row.cost.bytes, op + ": bytes");
    CheckQuantity(row.cost.link_bytes, op + ": link bytes");
    CheckQuantity(row.cost.kernel_time, op + ": kernel time");
    CheckQuantity(row.cost.overhead, op + ": overhead");
    CheckQuantity(row.cost.latency, op + ": latency");
    CheckQuantity(row.visible, op + ": visible time");
    CheckQuantity(row.wait, op + ": wait");
    Check(row.cost.kernels >= 0, op + ": negative kernels");
  }
  CheckQuantity(r.forward, at + ": forward");
  Check(r.forward.base() > 0, at + ": a forward that takes no time");
  CheckQuantity(r.host_gap, at + ": host gap");
  CheckQuantity(r.memory.weights, at + ": weights");
  CheckQuantity(r.memory.kv_cache, at + ": KV cache");
  CheckQuantity(r.memory.reserve, at + ": reserve");
  CheckQuantity(r.memory.activations, at + ": activations");
  if (r.phase == Phase::kDecode) {
    CheckQuantity(r.sla.tpot, at + ": TPOT");
    CheckQuantity(r.sla.user_output_tps, at + ": user tokens/s");
    CheckQuantity(r.sla.machine_output_tps, at + ": machine tokens/s");
  } else {
    CheckQuantity(r.prefill.ttft, at + ": TTFT");
    CheckQuantity(r.prefill.machine_prefill_tps, at + ": prompt tokens/s");
  }
}

// InsertAfter() puts `what` after the first `anchor` in `text`.
void InsertAfter(std::string& text, absl::string_view anchor, absl::string_view what) {
  const size_t at = text.find(std::string(anchor));
  Check(at != std::string::npos, "the generator's text has no '" + std::string(anchor) + "'");
  text.insert(at + anchor.size(), std::string(what));
}

void Run(FuzzInput& in) {
  const ModelChoice mc = MakeModel(in);
  const HardwareChoice hc = MakeHardware(in);
  const std::string deployment_text = MakeDeployment(in, mc, hc);

  const int64_t batch = in.Int(1, 512);
  const int64_t drafts = mc.mtp_modules > 0 ? in.Int(0, 3) : 0;
  int64_t context = in.Int(1, 131072);
  if (mc.max_context > 0) context = std::min(context, mc.max_context);
  const std::string decode_text =
      absl::StrCat(WorkloadCommon(in, batch, drafts), "context_tokens: ", context, "\n");
  int64_t prompt = in.Int(1, 32768);
  if (mc.max_context > 0) prompt = std::min(prompt, mc.max_context);
  std::string prefill_text = absl::StrCat(WorkloadCommon(in, in.Int(1, 16), 0),
                                          "phase: PREFILL\nprompt_tokens: ", prompt, "\n");
  // At most 512 chunks, of which the estimate costs a sample of 256
  // (PrefillPlan::kMaxCostedChunks) past 256.
  if (in.Bool()) {
    absl::StrAppend(&prefill_text,
                    "chunk_tokens: ", in.Int(std::max<int64_t>(1, prompt / 512), prompt), "\n");
  }
  if (in.Bool()) absl::StrAppend(&prefill_text, "prefix_cache_hit: ", in.Fraction(0.0, 0.99), "\n");
  // Drawn after every other choice, so the committed inputs keep the
  // scenarios they had: the shared-expert block's own width (Qwen2-MoE's)
  // and DeepEP low-latency's time per token copy.
  std::string model_text = mc.text, hw_text = hc.text;
  if (in.Bool() && absl::StrContains(model_text, "moe { ") &&
      !absl::StrContains(model_text, "shared_experts: 0 ")) {
    InsertAfter(model_text, "moe { ",
                absl::StrCat("shared_expert_intermediate_size: ", 128 * in.Int(1, 160), " "));
  }
  if (in.Bool()) {
    InsertAfter(hw_text, "op_class: SCALE_UP_LOW_LATENCY",
                absl::StrCat(" message_us: ", in.Fraction(0.0, 1.0)));
  }

  const ModelSpec model = Accepted(ParseModel(model_text, "fuzz/model.textproto"), model_text);
  const LoadedHardware hw = Accepted(ParseHardware(hw_text, "fuzz/hw.textproto"), hw_text);
  const LoadedDeployment deployment =
      Accepted(ParseDeployment(deployment_text, "fuzz/deployment.textproto"), deployment_text);
  const absl::Status fits =
      ValidateDeploymentFor(model, hw.spec, deployment.spec, "fuzz/deployment.textproto");
  if (!fits.ok()) {
    // The generator does not make multi-node layouts fill their nodes.
    Check(absl::StartsWith(fits.message(), "fuzz/deployment.textproto: gpus: spans nodes"),
          "ValidateDeploymentFor rejected a generated layout: " + std::string(fits.message()) +
              "\n" + deployment_text);
    return;
  }

  const LoadedWorkload decode =
      Accepted(ParseWorkload(decode_text, "fuzz/decode.textproto"), decode_text);
  const LoadedWorkload prefill =
      Accepted(ParseWorkload(prefill_text, "fuzz/prefill.textproto"), prefill_text);
  for (const LoadedWorkload* w : {&decode, &prefill}) {
    const absl::Status s = ValidateWorkloadFor(model, w->spec, "fuzz/workload.textproto");
    Check(s.ok(), "ValidateWorkloadFor rejected a generated workload: " + std::string(s.message()));
  }

  const StepResult d = EstimateStep(model, hw.spec, deployment.spec, decode.spec);
  CheckStep(d, "decode");
  WorkloadSpec more = decode.spec;
  more.batch_per_dp += 1;
  const StepResult d1 = EstimateStep(model, hw.spec, deployment.spec, more);
  CheckStep(d1, "decode at batch + 1");
  // Time monotone in batch is issue 16 item 3's property. It was opt-in
  // until it had run long: after its one finding (fuzz/RECORD.md 6, fixed)
  // ~80,000 inputs met it, so it holds in every run; a finding prints the
  // scenario.
  // Since the GEMM libraries pick their tile per shape (DeepGEMM's rule), one
  // GEMM's time can fall as its rows grow -- as the library's own does -- and
  // so can the step's. The property is then what the tiles leave: with every
  // library's tile fixed (GemmKernels(): the shape-independent 64/128 x 128),
  // the step does not fall; a fall that fixed tiles remove is the tile
  // choice's. The grouped GEMMs' expected waves (ops.h ExpectedHeldWaves())
  // switch between an exact binomial and a normal sum as the rows grow; at
  // that seam the expectation may step back by a sliver (a fuzzed step fell
  // 1.1e-4 of itself), so the fixed-tile step may fall by at most 1e-3.
  bool monotone = d1.forward >= d.forward * (1 - 1e-9);
  if (!monotone) {
    HardwareSpec fixed = hw.spec;
    fixed.gemm_kernels = GemmKernels();
    fixed.bf16_gemm_kernels = GemmKernels();
    monotone = EstimateStep(model, fixed, deployment.spec, more).forward >=
               EstimateStep(model, fixed, deployment.spec, decode.spec).forward * (1 - 1e-3);
  }
  Check(monotone,
        absl::StrCat("decode: batch ", more.batch_per_dp, " (", d1.forward / Microseconds(1),
                     " us) is faster than batch ", decode.spec.batch_per_dp, " (",
                     d.forward / Microseconds(1), " us)\n--- model\n", model_text, "--- hw\n",
                     hw_text, "--- deployment\n", deployment_text, "--- workload\n", decode_text));
  const MemoryUse mem = EstimateMemory(model, hw.spec, deployment.spec, decode.spec,
                                       StepShape::FromWorkload(decode.spec));
  CheckQuantity(mem.Total(), "decode: memory");

  CheckStep(EstimateStep(model, hw.spec, deployment.spec, prefill.spec), "prefill");
}

}  // namespace
}  // namespace perfmodel::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  perfmodel::fuzz::FuzzInput in(data, size);
  perfmodel::fuzz::Run(in);
  return 0;
}
