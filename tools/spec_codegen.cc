// spec_codegen: turns a model, hardware, deployment or workload textproto into a C++
// header with the same spec as a constexpr value, so one textproto feeds both
// the compile-time path (static_assert, schedulers) and the runtime path
// (tools loading files). Doubles are written as hexadecimal floating literals,
// so the constexpr value equals the loaded one to the last bit.
//
//   spec_codegen --kind=model --in=models/deepseek_v3.textproto
//       --symbol=kDeepSeekV3 --out=models/deepseek_v3_spec.h
//
// Used by the perfmodel_spec_header() Bazel macro (build_defs/spec.bzl). It
// prints nothing on success (a build step; its output is the header, written
// whole or not at all) and so takes no --format. Exit codes (cli/cli.h): 0,
// or 2 with one line on stderr naming the flag or file.

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "base/status_macros.h"
#include "cli/cli.h"
#include "cli/enum_flag.h"
#include "cli/flags.h"
#include "loader/load.h"
#include "perfmodel/spec.h"

namespace perfmodel {

// What --kind names: the spec a textproto holds.
enum class SpecKind : uint8_t { kModel, kHardware, kDeployment, kWorkload };
constexpr std::array<SpecKind, 4> kSpecKinds = {SpecKind::kModel, SpecKind::kHardware,
                                                SpecKind::kDeployment, SpecKind::kWorkload};
absl::string_view SpecKindName(SpecKind k) {
  switch (k) {
    case SpecKind::kModel: return "model";
    case SpecKind::kHardware: return "hardware";
    case SpecKind::kDeployment: return "deployment";
    case SpecKind::kWorkload: return "workload";
  }
  return "?";
}
bool AbslParseFlag(absl::string_view text, SpecKind* k, std::string* error) {
  return ParseEnumFlag(text, kSpecKinds, SpecKindName, "kind", k, error);
}
std::string AbslUnparseFlag(SpecKind k) { return UnparseEnumFlag(k, SpecKindName); }

}  // namespace perfmodel

ABSL_FLAG(std::optional<perfmodel::SpecKind>, kind, std::nullopt,
          "model, hardware, deployment or workload");
ABSL_FLAG(std::string, in, "", "the textproto to read");
ABSL_FLAG(std::string, symbol, "", "the C++ name of the constexpr value, e.g. kDeepSeekV3");
ABSL_FLAG(std::string, out, "", "the header to write");

namespace perfmodel {
namespace {

std::string D(double v) { return absl::StrFormat("%a", v); }
std::string I(int64_t v) { return absl::StrCat(v); }
template <int T, int B, int F, int K>
std::string Q(Quantity<T, B, F, K> q) {
  return absl::StrCat("::perfmodel::Quantity<", T, ", ", B, ", ", F, ", ", K, ">::FromBase(",
                      D(q.base()), ")");
}
std::string N(const Name& n) {
  return absl::StrCat("::perfmodel::Name(\"",
                      absl::StrReplaceAll(std::string(n.view()), {{"\\", "\\\\"}, {"\"", "\\\""}}),
                      "\")");
}
// T() spells a DType's enumerator from the DType table ("fp8" -> kFp8).
std::string T(DType d) {
  std::string name(DTypeName(d));
  name[0] = absl::ascii_toupper(name[0]);
  return absl::StrCat("::perfmodel::DType::k", name);
}
std::string L(LayerKind k) {
  return k == LayerKind::kDense ? "::perfmodel::LayerKind::kDense" : "::perfmodel::LayerKind::kMoe";
}

std::string Model(const ModelSpec& m) {
  std::string groups;
  for (std::size_t i = 0; i < m.layer_group_count; ++i) {
    absl::StrAppend(&groups, "{", L(m.layer_groups[i].kind), ", ", I(m.layer_groups[i].count),
                    "}, ");
  }
  return absl::StrCat(
      "::perfmodel::ModelSpec{\n    .name = ", N(m.name),
      ",\n    .hidden_size = ", I(m.hidden_size), ",\n    .vocab_size = ", I(m.vocab_size),
      ",\n    .attention_kind = ",
      m.attention_kind == AttentionKind::kMla ? "::perfmodel::AttentionKind::kMla"
                                              : "::perfmodel::AttentionKind::kGqa",
      ",\n    .mla = {", I(m.mla.heads), ", ", I(m.mla.q_lora_rank), ", ", I(m.mla.kv_lora_rank),
      ", ", I(m.mla.qk_nope_head_dim), ", ", I(m.mla.qk_rope_head_dim), ", ", I(m.mla.v_head_dim),
      ", ", I(m.mla.index_topk), ", ", I(m.mla.index_heads), ", ", I(m.mla.index_head_dim),
      "},\n    .gqa = {", I(m.gqa.heads), ", ", I(m.gqa.kv_heads), ", ", I(m.gqa.head_dim), ", ",
      m.gqa.sinks ? "true" : "false",
      "},\n    .dense_intermediate_size = ", I(m.dense_intermediate_size), ",\n    .moe = {",
      I(m.moe.routed_experts), ", ", I(m.moe.experts_per_token), ", ", I(m.moe.shared_experts),
      ", ", I(m.moe.expert_intermediate_size), ", ", I(m.moe.groups), ", ",
      I(m.moe.groups_per_token), ", ", I(m.moe.shared_expert_intermediate_size),
      "},\n    .layer_groups = {{", groups,
      "}},\n    .layer_group_count = ", I(m.layer_group_count),
      ",\n    .mtp_modules = ", I(m.mtp_modules), ",\n    .mtp_layer_kind = ", L(m.mtp_layer_kind),
      ",\n    .weight_dtype = ", T(m.weight_dtype),
      m.attention_weight_dtype.has_value()
          ? absl::StrCat(",\n    .attention_weight_dtype = ", T(*m.attention_weight_dtype))
          : std::string(),
      ",\n    .activation_dtype = ", T(m.activation_dtype),
      ",\n    .kv_cache_dtype = ", T(m.kv_cache_dtype),
      ",\n    .attention_dtype = ", T(m.attention_dtype), ",\n    .head_dtype = ", T(m.head_dtype),
      ",\n    .max_context_tokens = ", I(m.max_context_tokens), ",\n    .sliding = {",
      I(m.sliding.window_tokens), ", ", I(m.sliding.dense_layers), ", ", I(m.sliding.moe_layers),
      "},\n}");
}

// G() spells a GEMM library as its constructor call.
std::string G(const GemmKernels& g) {
  std::string block_m, block_n;
  for (std::size_t i = 0; i < g.block_m_count(); ++i) {
    absl::StrAppend(&block_m, i > 0 ? ", " : "", I(g.block_m(i)));
  }
  for (std::size_t j = 0; j < g.block_n_count(); ++j) {
    absl::StrAppend(&block_n, j > 0 ? ", " : "", I(g.block_n(j)));
  }
  return absl::StrCat("::perfmodel::GemmKernels(",
                      g.rule() == GemmTileRule::kFixed
                          ? "::perfmodel::GemmTileRule::kFixed"
                          : "::perfmodel::GemmTileRule::kDeepGemmMinWaves",
                      ", {", block_m, "}, {", block_n, "}, ", I(g.max_short_side()), ", ",
                      Q(g.sm_operand_feed()), ")");
}

std::string Hardware(const HardwareSpec& h) {
  std::string eff;
  for (const Efficiency& e : h.efficiency) {
    absl::StrAppend(&eff, "{", D(e.compute), ", ", D(e.memory), ", ", D(e.link), ", ",
                    D(e.compute_fp8), ", ", D(e.compute_sparse_decode), ", ", Q(e.per_message),
                    "}, ");
  }
  std::string corrections;
  for (std::size_t i = 0; i < h.correction_count; ++i) {
    const OpCorrection& c = h.corrections[i];
    absl::StrAppend(&corrections, "{", N(c.op), ", ", N(c.part), ", ", D(c.time_factor), "}, ");
  }
  return absl::StrCat(
      "::perfmodel::HardwareSpec{\n    .name = ", N(h.name),
      ",\n    .bf16_dense = ", Q(h.bf16_dense), ",\n    .fp8_dense = ", Q(h.fp8_dense),
      ",\n    .fp4_dense = ", Q(h.fp4_dense), ",\n    .fp32 = ", Q(h.fp32),
      ",\n    .hbm_capacity = ", Q(h.hbm_capacity), ",\n    .hbm_bandwidth = ", Q(h.hbm_bandwidth),
      ",\n    .scale_up_bandwidth = ", Q(h.scale_up_bandwidth),
      ",\n    .scale_up_latency = ", Q(h.scale_up_latency),
      ",\n    .scale_out_bandwidth = ", Q(h.scale_out_bandwidth),
      ",\n    .scale_out_latency = ", Q(h.scale_out_latency),
      ",\n    .gpus_per_node = ", I(h.gpus_per_node), ",\n    .sm_count = ", I(h.sm_count),
      ",\n    .kernel_launch_overhead = ", Q(h.kernel_launch_overhead), ",\n    .efficiency = {{",
      eff, "}},\n    .corrections = {{", corrections,
      "}},\n    .correction_count = ", I(h.correction_count),
      ",\n    .gemm_kernels = ", G(h.gemm_kernels),
      ",\n    .bf16_gemm_kernels = ", G(h.bf16_gemm_kernels), ",\n}");
}

std::string Deployment(const DeploymentSpec& d) {
  const Parallelism& p = d.parallel;
  std::string overlap = "::perfmodel::Overlap::kNone";
  if (d.overlap == Overlap::kTwoMicroBatch) overlap = "::perfmodel::Overlap::kTwoMicroBatch";
  if (d.overlap == Overlap::kRecvHook) overlap = "::perfmodel::Overlap::kRecvHook";
  return absl::StrCat(
      "::perfmodel::DeploymentSpec{\n    .name = ", N(d.name), ",\n    .gpus = ", I(d.gpus),
      ",\n    .parallel = {", I(p.attention_dp), ", ", I(p.attention_tp), ", ", I(p.dense_tp), ", ",
      I(p.moe_ep), ", ", I(p.moe_tp), ", ", I(p.redundant_experts), "},\n    .overlap = ", overlap,
      ",\n    .memory_reserve_per_gpu = ", Q(d.memory_reserve_per_gpu),
      ",\n    .kv_cache_dtype = ", d.kv_cache_dtype ? T(*d.kv_cache_dtype) : "std::nullopt",
      ",\n    .attention_dtype = ", d.attention_dtype ? T(*d.attention_dtype) : "std::nullopt",
      ",\n    .comm_sms = ", I(d.comm_sms), ",\n    .host = {", Q(d.host.per_step), ", ",
      Q(d.host.per_request), ", ", Q(d.host.per_launch), ", ",
      d.host.cuda_graphs ? "true" : "false", "},\n}");
}

std::string Workload(const WorkloadSpec& w) {
  return absl::StrCat(
      "::perfmodel::WorkloadSpec{\n    .name = ", N(w.name),
      ",\n    .batch_per_dp = ", I(w.batch_per_dp),
      ",\n    .mtp_draft_tokens = ", I(w.mtp_draft_tokens),
      ",\n    .accepted_tokens_per_step = ", D(w.accepted_tokens_per_step),
      ",\n    .context_tokens = ", I(w.context_tokens), ",\n    .host_gap = ", Q(w.host_gap),
      ",\n    .routing = {",
      w.routing.skew == RoutingSkew::kPowerLaw ? "::perfmodel::RoutingSkew::kPowerLaw"
                                               : "::perfmodel::RoutingSkew::kUniform",
      ", ", D(w.routing.power_law_exponent), ", ", w.routing.eplb ? "true" : "false", ", ",
      w.routing.expert_imbalance.has_value() ? D(*w.routing.expert_imbalance) : "std::nullopt",
      "},\n    .phase = ",
      w.phase == Phase::kPrefill ? "::perfmodel::Phase::kPrefill" : "::perfmodel::Phase::kDecode",
      ",\n    .prompt_tokens = ", I(w.prompt_tokens), ",\n    .chunk_tokens = ", I(w.chunk_tokens),
      ",\n    .prefix_cache_hit = ", D(w.prefix_cache_hit), ",\n}");
}

absl::Status Run(const ToolContext&, ToolOutput& output) {
  const std::optional<SpecKind> kind = absl::GetFlag(FLAGS_kind);
  const std::string in = absl::GetFlag(FLAGS_in);
  const std::string symbol = absl::GetFlag(FLAGS_symbol);
  const std::string out = absl::GetFlag(FLAGS_out);
  PM_RETURN_IF_ERROR(RequiredFlag({"kind", kind.has_value()},
                                  absl::StrCat("(", EnumNameList(kSpecKinds, SpecKindName), ")")));
  PM_RETURN_IF_ERROR(RequiredFlag({"in", !in.empty()}));
  PM_RETURN_IF_ERROR(RequiredFlag({"out", !out.empty()}));
  if (symbol.empty() || symbol[0] != 'k') {
    return absl::InvalidArgumentError("--symbol: required, a constant name like kDeepSeekV3");
  }
  std::string value;
  switch (*kind) {
    case SpecKind::kModel: {
      PM_ASSIGN_OR_RETURN(const ModelSpec m, LoadModel(in));
      value = Model(m);
      break;
    }
    case SpecKind::kHardware: {
      PM_ASSIGN_OR_RETURN(const LoadedHardware h, LoadHardware(in));
      value = Hardware(h.spec);
      break;
    }
    case SpecKind::kDeployment: {
      PM_ASSIGN_OR_RETURN(const LoadedDeployment d, LoadDeployment(in));
      value = Deployment(d.spec);
      break;
    }
    case SpecKind::kWorkload: {
      PM_ASSIGN_OR_RETURN(const LoadedWorkload w, LoadWorkload(in));
      value = Workload(w.spec);
      break;
    }
  }
  output.WriteFile(
      "out", out,
      absl::StrCat("// Generated by //tools:spec_codegen from ", in,
                   ". Do not edit.\n#pragma once\n\n",
                   "#include \"perfmodel/spec.h\"\n\nnamespace perfmodel::specs {\n\ninline "
                   "constexpr auto ",
                   symbol, " = ", value, ";\n\n}  // namespace perfmodel::specs\n"));
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

PERFMODEL_TOOL_MAIN(perfmodel::Run,
                    {.name = "spec_codegen",
                     .usage = "Writes a constexpr C++ header from a perfmodel textproto."})
