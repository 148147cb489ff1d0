#include "loader/load.h"

#include <cmath>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "loader/fields.h"
#include "loader/proto_enums.h"
#include "loader/textproto_errors.h"
#include "perfmodel/names.h"
#include "proto/deployment.pb.h"
#include "proto/hardware.pb.h"
#include "proto/model.pb.h"
#include "proto/workload.pb.h"

namespace perfmodel {
namespace {

// Why nothing real is beyond a limit (load.h's limits::), in the errors.
constexpr char kNoModelIsThatWide[] = "no model is that wide";
constexpr char kNoModelHasSoManyHeads[] = "no model has so many heads";
constexpr char kNoHeadIsThatWide[] = "no attention head is that wide";
constexpr char kNoModelHasSoManyLayers[] = "no model has so many layers";
constexpr char kNoModelHasSoManyExperts[] = "no model has so many experts";
constexpr char kNoContextIsThatLong[] = "no model serves a context that long";
constexpr char kNoGpuIsThatFast[] = "no GPU is that fast";
constexpr char kNoGpuIsThatLarge[] = "no GPU has that much memory";
constexpr char kNoLinkIsThatFast[] = "no link is that fast";
constexpr char kNoLatencyIsThatLong[] = "longer than a second";
constexpr char kNoReplicaIsThatLarge[] = "no model replica spans that many GPUs";

absl::StatusOr<DType> ToDType(const Fields& f, absl::string_view field, bool has, int v) {
  if (!has || v == pb::DTYPE_UNSPECIFIED) return f.Missing(field);
  const std::optional<DType> d = DTypeFromProto(v);
  if (!d.has_value()) return f.Error(field, absl::StrCat("unknown dtype value ", v));
  return *d;
}

absl::StatusOr<LayerKind> ToLayerKind(const Fields& f, absl::string_view field, bool has, int v) {
  if (!has || v == pb::LAYER_KIND_UNSPECIFIED) return f.Missing(field);
  const std::optional<LayerKind> k = LayerKindFromProto(v);
  if (!k.has_value()) return f.Error(field, absl::StrCat("unknown layer kind value ", v));
  return *k;
}

absl::Status FillDType(const Fields& f, absl::string_view field, bool has, int v, DType* out) {
  PM_ASSIGN_OR_RETURN(*out, ToDType(f, field, has, v));
  return absl::OkStatus();
}

// ToSlidingWindow() fills `m.sliding` from `p.sliding_window()`: a positive
// window and layers each once within the model's decoder layers, counted by
// the kind of the group each falls in.
absl::Status ToSlidingWindow(const pb::Model& p, const Fields& f, ModelSpec& m) {
  const pb::SlidingWindow& s = p.sliding_window();
  if (p.attention_case() != pb::Model::kGqa) {
    return f.Error("sliding_window", "only with gqa attention (no MLA model slides)");
  }
  PM_RETURN_IF_ERROR(f.PositiveAtMost("sliding_window.window_tokens", s.has_window_tokens(),
                                      s.window_tokens(), limits::kMaxContextTokens,
                                      kNoContextIsThatLong));
  if (s.layers_size() == 0) return f.Missing("sliding_window.layers");
  const int64_t total = m.TotalLayers();
  std::vector<bool> seen(static_cast<std::size_t>(total), false);
  for (int i = 0; i < s.layers_size(); ++i) {
    const int64_t layer = s.layers(i);
    const std::string at = absl::StrCat("sliding_window.layers[", i, "]");
    if (layer < 0 || layer >= total) {
      return f.Error(at, absl::StrCat("layer ", layer, " is not in [0, ", total,
                                      "): the model has ", total, " decoder layers"));
    }
    if (seen[static_cast<std::size_t>(layer)]) {
      return f.Error(at, absl::StrCat("layer ", layer, " is listed twice"));
    }
    seen[static_cast<std::size_t>(layer)] = true;
    int64_t first = 0;
    for (std::size_t g = 0; g < m.layer_group_count; ++g) {
      const LayerGroup& group = m.layer_groups[g];
      if (layer < first + group.count) {
        (group.kind == LayerKind::kDense ? m.sliding.dense_layers : m.sliding.moe_layers) += 1;
        break;
      }
      first += group.count;
    }
  }
  m.sliding.window_tokens = s.window_tokens();
  return absl::OkStatus();
}

absl::StatusOr<ModelSpec> ToModel(const pb::Model& p, absl::string_view origin) {
  const Fields f(origin);
  ModelSpec m;
  PM_RETURN_IF_ERROR(f.Text("name", p.has_name(), p.name()));
  if (p.name().size() >= Name::kCapacity) {
    return f.Error("name", absl::StrCat("longer than ", Name::kCapacity - 1, " characters"));
  }
  m.name = Name(p.name());
  PM_RETURN_IF_ERROR(f.PositiveAtMost("hidden_size", p.has_hidden_size(), p.hidden_size(),
                                      limits::kMaxWidth, kNoModelIsThatWide));
  PM_RETURN_IF_ERROR(f.PositiveAtMost("vocab_size", p.has_vocab_size(), p.vocab_size(),
                                      limits::kMaxVocab, "no model has a vocabulary that large"));
  m.hidden_size = p.hidden_size();
  m.vocab_size = p.vocab_size();

  switch (p.attention_case()) {
    case pb::Model::kMla: {
      const pb::Mla& a = p.mla();
      m.attention_kind = AttentionKind::kMla;
      PM_RETURN_IF_ERROR(f.PositiveAtMost("mla.heads", a.has_heads(), a.heads(), limits::kMaxHeads,
                                          kNoModelHasSoManyHeads));
      PM_RETURN_IF_ERROR(f.NonNegativeAtMost("mla.q_lora_rank", a.has_q_lora_rank(),
                                             a.q_lora_rank(), limits::kMaxWidth,
                                             kNoModelIsThatWide));
      PM_RETURN_IF_ERROR(f.PositiveAtMost("mla.kv_lora_rank", a.has_kv_lora_rank(),
                                          a.kv_lora_rank(), limits::kMaxWidth, kNoModelIsThatWide));
      PM_RETURN_IF_ERROR(f.PositiveAtMost("mla.qk_nope_head_dim", a.has_qk_nope_head_dim(),
                                          a.qk_nope_head_dim(), limits::kMaxHeadDim,
                                          kNoHeadIsThatWide));
      PM_RETURN_IF_ERROR(f.PositiveAtMost("mla.qk_rope_head_dim", a.has_qk_rope_head_dim(),
                                          a.qk_rope_head_dim(), limits::kMaxHeadDim,
                                          kNoHeadIsThatWide));
      PM_RETURN_IF_ERROR(f.PositiveAtMost("mla.v_head_dim", a.has_v_head_dim(), a.v_head_dim(),
                                          limits::kMaxHeadDim, kNoHeadIsThatWide));
      m.mla = MlaSpec{a.heads(), a.q_lora_rank(), a.kv_lora_rank(), a.qk_nope_head_dim(),
                      a.qk_rope_head_dim(), a.v_head_dim()};
      if (a.has_sparse()) {
        const pb::SparseIndexer& x = a.sparse();
        PM_RETURN_IF_ERROR(f.PositiveAtMost("mla.sparse.topk", x.has_topk(), x.topk(),
                                            limits::kMaxContextTokens, kNoContextIsThatLong));
        PM_RETURN_IF_ERROR(f.PositiveAtMost("mla.sparse.heads", x.has_heads(), x.heads(),
                                            limits::kMaxHeads, kNoModelHasSoManyHeads));
        PM_RETURN_IF_ERROR(f.PositiveAtMost("mla.sparse.head_dim", x.has_head_dim(), x.head_dim(),
                                            limits::kMaxHeadDim, kNoHeadIsThatWide));
        if (a.q_lora_rank() <= 0) {
          return f.Error("mla.sparse",
                         "needs mla.q_lora_rank > 0 (the indexer's queries come from the q LoRA)");
        }
        m.mla.index_topk = x.topk();
        m.mla.index_heads = x.heads();
        m.mla.index_head_dim = x.head_dim();
      }
      break;
    }
    case pb::Model::kGqa: {
      const pb::Gqa& a = p.gqa();
      m.attention_kind = AttentionKind::kGqa;
      PM_RETURN_IF_ERROR(f.PositiveAtMost("gqa.heads", a.has_heads(), a.heads(), limits::kMaxHeads,
                                          kNoModelHasSoManyHeads));
      PM_RETURN_IF_ERROR(f.PositiveAtMost("gqa.kv_heads", a.has_kv_heads(), a.kv_heads(),
                                          limits::kMaxHeads, kNoModelHasSoManyHeads));
      PM_RETURN_IF_ERROR(f.PositiveAtMost("gqa.head_dim", a.has_head_dim(), a.head_dim(),
                                          limits::kMaxHeadDim, kNoHeadIsThatWide));
      if (a.heads() % a.kv_heads() != 0) {
        return f.Error("gqa.kv_heads", absl::StrCat("must divide heads (", a.heads(), "), got ",
                                                    a.kv_heads()));
      }
      m.gqa = GqaSpec{a.heads(), a.kv_heads(), a.head_dim(), a.sinks()};
      break;
    }
    default:
      return f.Error("attention", "one of mla or gqa is required");
  }

  if (p.layer_groups_size() == 0) return f.Missing("layer_groups");
  if (static_cast<std::size_t>(p.layer_groups_size()) > ModelSpec::kMaxLayerGroups) {
    return f.Error("layer_groups", absl::StrCat("at most ", ModelSpec::kMaxLayerGroups,
                                                " groups, got ", p.layer_groups_size()));
  }
  for (int i = 0; i < p.layer_groups_size(); ++i) {
    const pb::LayerGroup& g = p.layer_groups(i);
    const std::string at = absl::StrCat("layer_groups[", i, "]");
    PM_ASSIGN_OR_RETURN(const LayerKind kind,
                        ToLayerKind(f, absl::StrCat(at, ".kind"), g.has_kind(), g.kind()));
    PM_RETURN_IF_ERROR(f.PositiveAtMost(absl::StrCat(at, ".count"), g.has_count(), g.count(),
                                        limits::kMaxLayers, kNoModelHasSoManyLayers));
    m.layer_groups[i] = LayerGroup{kind, g.count()};
  }
  m.layer_group_count = static_cast<std::size_t>(p.layer_groups_size());
  // Each group is within the limit, so their sum (at most 8 of them) fits.
  if (m.TotalLayers() > limits::kMaxLayers) {
    return f.Error("layer_groups",
                   absl::StrCat("must hold <= ", limits::kMaxLayers, " layers (",
                                kNoModelHasSoManyLayers, "), got ", m.TotalLayers()));
  }

  PM_RETURN_IF_ERROR(f.NonNegativeAtMost("mtp_modules", true, p.mtp_modules(),
                                         limits::kMaxMtpModules, kNoModelHasSoManyLayers));
  m.mtp_modules = p.mtp_modules();
  if (m.mtp_modules > 0) {
    PM_ASSIGN_OR_RETURN(
        m.mtp_layer_kind,
        ToLayerKind(f, "mtp_layer_kind", p.has_mtp_layer_kind(), p.mtp_layer_kind()));
  }

  const bool needs_dense = m.HasLayerKind(LayerKind::kDense) ||
                           (m.mtp_modules > 0 && m.mtp_layer_kind == LayerKind::kDense);
  const bool needs_moe = m.HasLayerKind(LayerKind::kMoe) ||
                         (m.mtp_modules > 0 && m.mtp_layer_kind == LayerKind::kMoe);
  if (needs_dense) {
    if (!p.has_dense_mlp()) return f.Error("dense_mlp", "required: the model has dense layers");
    PM_RETURN_IF_ERROR(
        f.PositiveAtMost("dense_mlp.intermediate_size", p.dense_mlp().has_intermediate_size(),
                         p.dense_mlp().intermediate_size(), limits::kMaxWidth, kNoModelIsThatWide));
    m.dense_intermediate_size = p.dense_mlp().intermediate_size();
  }
  if (needs_moe) {
    if (!p.has_moe()) return f.Error("moe", "required: the model has MoE layers");
    const pb::Moe& e = p.moe();
    PM_RETURN_IF_ERROR(f.PositiveAtMost("moe.routed_experts", e.has_routed_experts(),
                                        e.routed_experts(), limits::kMaxExperts,
                                        kNoModelHasSoManyExperts));
    PM_RETURN_IF_ERROR(f.PositiveAtMost("moe.experts_per_token", e.has_experts_per_token(),
                                        e.experts_per_token(), limits::kMaxExpertsPerToken,
                                        kNoModelHasSoManyExperts));
    PM_RETURN_IF_ERROR(f.NonNegativeAtMost("moe.shared_experts", e.has_shared_experts(),
                                           e.shared_experts(), limits::kMaxExpertsPerToken,
                                           kNoModelHasSoManyExperts));
    PM_RETURN_IF_ERROR(
        f.PositiveAtMost("moe.expert_intermediate_size", e.has_expert_intermediate_size(),
                         e.expert_intermediate_size(), limits::kMaxWidth, kNoModelIsThatWide));
    if (e.experts_per_token() > e.routed_experts()) {
      return f.Error("moe.experts_per_token",
                     absl::StrCat("must be <= routed_experts (", e.routed_experts(), "), got ",
                                  e.experts_per_token()));
    }
    const int64_t groups = e.has_groups() ? e.groups() : 1;
    const int64_t per_token = e.has_groups_per_token() ? e.groups_per_token() : groups;
    PM_RETURN_IF_ERROR(f.Positive("moe.groups", true, groups));
    PM_RETURN_IF_ERROR(f.Positive("moe.groups_per_token", true, per_token));
    if (e.routed_experts() % groups != 0) {
      return f.Error("moe.groups", absl::StrCat("must divide routed_experts (", e.routed_experts(),
                                                "), got ", groups));
    }
    if (per_token > groups) {
      return f.Error("moe.groups_per_token",
                     absl::StrCat("must be <= groups (", groups, "), got ", per_token));
    }
    if (e.has_shared_expert_intermediate_size()) {
      PM_RETURN_IF_ERROR(f.PositiveAtMost("moe.shared_expert_intermediate_size", true,
                                          e.shared_expert_intermediate_size(), limits::kMaxWidth,
                                          kNoModelIsThatWide));
      if (e.shared_experts() == 0) {
        return f.Error("moe.shared_expert_intermediate_size",
                       absl::StrCat("set (", e.shared_expert_intermediate_size(),
                                    ") but moe.shared_experts is 0: a width needs shared experts"));
      }
    }
    m.moe = MoeSpec{e.routed_experts(),
                    e.experts_per_token(),
                    e.shared_experts(),
                    e.expert_intermediate_size(),
                    groups,
                    per_token,
                    e.shared_expert_intermediate_size()};
  }

  PM_RETURN_IF_ERROR(FillDType(f, "weight_dtype", p.has_weight_dtype(), p.weight_dtype(),
                               &m.weight_dtype));
  if (p.has_attention_weight_dtype()) {
    DType attention_weights = DType::kBf16;
    PM_RETURN_IF_ERROR(FillDType(f, "attention_weight_dtype", true, p.attention_weight_dtype(),
                                 &attention_weights));
    m.attention_weight_dtype = attention_weights;
  }
  PM_RETURN_IF_ERROR(FillDType(f, "activation_dtype", p.has_activation_dtype(),
                               p.activation_dtype(), &m.activation_dtype));
  PM_RETURN_IF_ERROR(FillDType(f, "kv_cache_dtype", p.has_kv_cache_dtype(), p.kv_cache_dtype(),
                               &m.kv_cache_dtype));
  PM_RETURN_IF_ERROR(FillDType(f, "attention_dtype", p.has_attention_dtype(),
                               p.attention_dtype(), &m.attention_dtype));
  PM_RETURN_IF_ERROR(
      FillDType(f, "head_dtype", p.has_head_dtype(), p.head_dtype(), &m.head_dtype));
  if (p.has_max_context_tokens()) {
    PM_RETURN_IF_ERROR(f.PositiveAtMost("max_context_tokens", true, p.max_context_tokens(),
                                        limits::kMaxContextTokens, kNoContextIsThatLong));
    m.max_context_tokens = p.max_context_tokens();
  }
  if (p.has_sliding_window()) PM_RETURN_IF_ERROR(ToSlidingWindow(p, f, m));
  return m;
}

// Candidates() checks one candidate list of a GEMM library: 1 to `most`
// entries, each in [1, limits::kMaxGemmTile], strictly ascending.
absl::Status Candidates(const Fields& f, const std::string& field,
                        const google::protobuf::RepeatedField<int64_t>& v, std::size_t most) {
  if (v.empty()) return f.Error(field, "needs at least one candidate");
  if (static_cast<std::size_t>(v.size()) > most) {
    return f.Error(field, absl::StrCat("at most ", most, " candidates, got ", v.size()));
  }
  for (int i = 0; i < v.size(); ++i) {
    const std::string at = absl::StrCat(field, "[", i, "]");
    PM_RETURN_IF_ERROR(
        f.PositiveAtMost(at, true, v[i], limits::kMaxGemmTile, "no GEMM tile is that large"));
    if (i > 0 && v[i] <= v[i - 1]) {
      return f.Error(at, absl::StrCat("candidates must ascend, got ", v[i], " after ", v[i - 1]));
    }
  }
  return absl::OkStatus();
}

// ToGemmKernels() is the GEMM library `p` describes, every field checked
// under the name `field` ("gemm_kernels").
absl::StatusOr<GemmKernels> ToGemmKernels(const Fields& f, const std::string& field,
                                          const pb::GemmKernels& p) {
  if (!p.has_rule() || p.rule() == pb::GEMM_TILE_RULE_UNSPECIFIED) {
    return f.Missing(absl::StrCat(field, ".rule"));
  }
  GemmTileRule rule = GemmTileRule::kFixed;
  switch (p.rule()) {
    case pb::FIXED:
      rule = GemmTileRule::kFixed;
      break;
    case pb::DEEPGEMM_MIN_WAVES:
      rule = GemmTileRule::kDeepGemmMinWaves;
      break;
    default:
      return f.Error(absl::StrCat(field, ".rule"),
                     absl::StrCat("unknown tile rule value ", static_cast<int>(p.rule())));
  }
  const bool fixed = rule == GemmTileRule::kFixed;
  PM_RETURN_IF_ERROR(Candidates(f, absl::StrCat(field, ".block_m"), p.block_m(),
                                fixed ? 2 : GemmKernels::kMaxBlockM));
  PM_RETURN_IF_ERROR(Candidates(f, absl::StrCat(field, ".block_n"), p.block_n(),
                                fixed ? 1 : GemmKernels::kMaxBlockN));
  const std::string short_side = absl::StrCat(field, ".max_short_side");
  PM_RETURN_IF_ERROR(f.NonNegativeAtMost(short_side, true, p.max_short_side(), limits::kMaxGemmTile,
                                         "no GEMM tile is that large"));
  // Every block_m then pairs with at least its narrowest block_n.
  if (p.max_short_side() > 0 && p.block_n(0) > p.max_short_side()) {
    return f.Error(short_side, absl::StrCat("must be >= the narrowest block_n (", p.block_n(0),
                                            "), got ", p.max_short_side()));
  }
  PM_RETURN_IF_ERROR(f.NonNegativeAtMost(absl::StrCat(field, ".sm_operand_feed_gbps"), true,
                                         p.sm_operand_feed_gbps(), limits::kMaxLinkGbps,
                                         "no SM takes in operands that fast"));
  PM_RETURN_IF_ERROR(f.Text(absl::StrCat(field, ".source"), p.has_source(), p.source()));
  return GemmKernels(rule, p.block_m().data(), static_cast<std::size_t>(p.block_m_size()),
                     p.block_n().data(), static_cast<std::size_t>(p.block_n_size()),
                     p.max_short_side(), GigabytesPerSecond(p.sm_operand_feed_gbps()));
}

absl::StatusOr<LoadedHardware> ToHardware(const pb::Hardware& p, absl::string_view origin) {
  const Fields f(origin);
  LoadedHardware out;
  HardwareSpec& h = out.spec;
  PM_RETURN_IF_ERROR(f.Text("name", p.has_name(), p.name()));
  if (p.name().size() >= Name::kCapacity) {
    return f.Error("name", absl::StrCat("longer than ", Name::kCapacity - 1, " characters"));
  }
  h.name = Name(p.name());
  PM_RETURN_IF_ERROR(f.PositiveAtMost("bf16_dense_tflops", p.has_bf16_dense_tflops(),
                                      p.bf16_dense_tflops(), limits::kMaxTflops, kNoGpuIsThatFast));
  PM_RETURN_IF_ERROR(f.NonNegativeAtMost("fp8_dense_tflops", true, p.fp8_dense_tflops(),
                                         limits::kMaxTflops, kNoGpuIsThatFast));
  PM_RETURN_IF_ERROR(f.NonNegativeAtMost("fp4_dense_tflops", true, p.fp4_dense_tflops(),
                                         limits::kMaxTflops, kNoGpuIsThatFast));
  PM_RETURN_IF_ERROR(f.PositiveAtMost("fp32_tflops", p.has_fp32_tflops(), p.fp32_tflops(),
                                      limits::kMaxTflops, kNoGpuIsThatFast));
  PM_RETURN_IF_ERROR(f.PositiveAtMost("hbm_capacity_gb", p.has_hbm_capacity_gb(),
                                      p.hbm_capacity_gb(), limits::kMaxCapacityGb,
                                      kNoGpuIsThatLarge));
  PM_RETURN_IF_ERROR(f.PositiveAtMost("hbm_bandwidth_tbps", p.has_hbm_bandwidth_tbps(),
                                      p.hbm_bandwidth_tbps(), limits::kMaxHbmTbps,
                                      "1 PB/s: no memory is that fast"));
  PM_RETURN_IF_ERROR(f.PositiveAtMost("scale_up_bandwidth_gbps", p.has_scale_up_bandwidth_gbps(),
                                      p.scale_up_bandwidth_gbps(), limits::kMaxLinkGbps,
                                      kNoLinkIsThatFast));
  PM_RETURN_IF_ERROR(f.NonNegativeAtMost("scale_up_latency_us", p.has_scale_up_latency_us(),
                                         p.scale_up_latency_us(), limits::kMaxLatencyUs,
                                         kNoLatencyIsThatLong));
  PM_RETURN_IF_ERROR(f.PositiveAtMost("scale_out_bandwidth_gbps", p.has_scale_out_bandwidth_gbps(),
                                      p.scale_out_bandwidth_gbps(), limits::kMaxLinkGbps,
                                      kNoLinkIsThatFast));
  PM_RETURN_IF_ERROR(f.NonNegativeAtMost("scale_out_latency_us", p.has_scale_out_latency_us(),
                                         p.scale_out_latency_us(), limits::kMaxLatencyUs,
                                         kNoLatencyIsThatLong));
  PM_RETURN_IF_ERROR(f.PositiveAtMost("gpus_per_node", p.has_gpus_per_node(), p.gpus_per_node(),
                                      limits::kMaxGpus, "no scale-up domain is that large"));
  PM_RETURN_IF_ERROR(f.PositiveAtMost("sm_count", p.has_sm_count(), p.sm_count(), limits::kMaxSms,
                                      "no GPU has so many SMs"));
  PM_RETURN_IF_ERROR(f.NonNegativeAtMost(
      "kernel_launch_overhead_us", p.has_kernel_launch_overhead_us(), p.kernel_launch_overhead_us(),
      limits::kMaxLatencyUs, kNoLatencyIsThatLong));
  h.bf16_dense = TeraflopsPerSecond(p.bf16_dense_tflops());
  h.fp8_dense = TeraflopsPerSecond(p.fp8_dense_tflops());
  h.fp4_dense = TeraflopsPerSecond(p.fp4_dense_tflops());
  h.fp32 = TeraflopsPerSecond(p.fp32_tflops());
  h.hbm_capacity = Gigabytes(p.hbm_capacity_gb());
  h.hbm_bandwidth = TerabytesPerSecond(p.hbm_bandwidth_tbps());
  h.scale_up_bandwidth = GigabytesPerSecond(p.scale_up_bandwidth_gbps());
  h.scale_up_latency = Microseconds(p.scale_up_latency_us());
  h.scale_out_bandwidth = GigabytesPerSecond(p.scale_out_bandwidth_gbps());
  h.scale_out_latency = Microseconds(p.scale_out_latency_us());
  h.gpus_per_node = p.gpus_per_node();
  h.sm_count = p.sm_count();
  h.kernel_launch_overhead = Microseconds(p.kernel_launch_overhead_us());

  std::array<bool, kOpClassCount> seen{};
  for (int i = 0; i < p.efficiency_size(); ++i) {
    const pb::Efficiency& e = p.efficiency(i);
    const std::string at = absl::StrCat("efficiency[", i, "]");
    if (!e.has_op_class() || e.op_class() == pb::OP_CLASS_UNSPECIFIED) {
      return f.Missing(absl::StrCat(at, ".op_class"));
    }
    if (e.op_class() < pb::GEMM || e.op_class() > pb::SCALE_UP_LOW_LATENCY) {
      return f.Error(absl::StrCat(at, ".op_class"),
                     absl::StrCat("unknown op class value ", e.op_class()));
    }
    const std::size_t c = static_cast<std::size_t>(e.op_class() - pb::GEMM);
    if (seen[c]) {
      return f.Error(absl::StrCat(at, ".op_class"),
                     absl::StrCat("duplicate ", pb::OpClass_Name(e.op_class())));
    }
    seen[c] = true;
    const bool comm = IsLinkClass(static_cast<OpClass>(c));
    Efficiency& eff = h.efficiency[c];
    if (comm) {
      PM_RETURN_IF_ERROR(f.Fraction(absl::StrCat(at, ".link"), e.has_link(), e.link()));
      eff.link = e.link();
      if (e.has_message_us()) {
        const std::string field = absl::StrCat(at, ".message_us");
        if (static_cast<OpClass>(c) != OpClass::kScaleUpLowLatency) {
          return f.Error(field, "only the SCALE_UP_LOW_LATENCY class sends per-message copies");
        }
        PM_RETURN_IF_ERROR(f.NonNegativeAtMost(field, true, e.message_us(), limits::kMaxLatencyUs,
                                               "no link message takes that long"));
        eff.per_message = Microseconds(e.message_us());
      }
    } else {
      if (e.has_message_us()) {
        return f.Error(absl::StrCat(at, ".message_us"),
                       "only the SCALE_UP_LOW_LATENCY class sends per-message copies");
      }
      PM_RETURN_IF_ERROR(f.Fraction(absl::StrCat(at, ".compute"), e.has_compute(), e.compute()));
      PM_RETURN_IF_ERROR(f.Fraction(absl::StrCat(at, ".memory"), e.has_memory(), e.memory()));
      eff.compute = e.compute();
      eff.memory = e.memory();
      if (e.has_compute_fp8()) {
        PM_RETURN_IF_ERROR(
            f.Fraction(absl::StrCat(at, ".compute_fp8"), true, e.compute_fp8()));
        eff.compute_fp8 = e.compute_fp8();
      }
      if (e.has_compute_sparse_decode()) {
        const std::string field = absl::StrCat(at, ".compute_sparse_decode");
        if (static_cast<OpClass>(c) != OpClass::kAttention) {
          return f.Error(field, "only the ATTENTION class has a sparse decode kernel");
        }
        PM_RETURN_IF_ERROR(f.Fraction(field, true, e.compute_sparse_decode()));
        eff.compute_sparse_decode = e.compute_sparse_decode();
      }
    }
    PM_RETURN_IF_ERROR(f.Text(absl::StrCat(at, ".source"), e.has_source(), e.source()));
    out.efficiency_source[c] = e.source();
  }
  for (std::size_t c = 0; c < kOpClassCount; ++c) {
    if (!seen[c]) {
      return f.Error("efficiency", absl::StrCat("no entry for op class ",
                                                pb::OpClass_Name(static_cast<pb::OpClass>(
                                                    c + pb::GEMM))));
    }
  }
  if (static_cast<std::size_t>(p.op_correction_size()) > HardwareSpec::kMaxCorrections) {
    return f.Error("op_correction", absl::StrCat("at most ", HardwareSpec::kMaxCorrections,
                                                 " corrections, got ", p.op_correction_size()));
  }
  for (int i = 0; i < p.op_correction_size(); ++i) {
    const pb::OpCorrection& c = p.op_correction(i);
    const std::string at = absl::StrCat("op_correction[", i, "]");
    PM_RETURN_IF_ERROR(f.Text(absl::StrCat(at, ".op"), c.has_op(), c.op()));
    if (c.op().size() >= Name::kCapacity) {
      return f.Error(absl::StrCat(at, ".op"), "too long");
    }
    if (c.op() != "*" && !OpFromName(c.op()).has_value()) {
      return f.Error(absl::StrCat(at, ".op"),
                     absl::StrCat("'", c.op(), "' is no op of the step graph (or '*')"));
    }
    if (!c.part().empty() && !PartFromName(c.part()).has_value()) {
      return f.Error(absl::StrCat(at, ".part"),
                     absl::StrCat("must be dense, moe, mtp, head or empty, got '", c.part(), "'"));
    }
    PM_RETURN_IF_ERROR(
        f.Positive(absl::StrCat(at, ".time_factor"), c.has_time_factor(), c.time_factor()));
    if (!(c.time_factor() >= limits::kMinTimeFactor && c.time_factor() <= limits::kMaxTimeFactor)) {
      return f.Error(
          absl::StrCat(at, ".time_factor"),
          absl::StrCat("must be in [", limits::kMinTimeFactor, ", ", limits::kMaxTimeFactor,
                       "] (a correction beyond 1000x is a wrong model, not a "
                       "correction), got ",
                       c.time_factor()));
    }
    PM_RETURN_IF_ERROR(f.Text(absl::StrCat(at, ".source"), c.has_source(), c.source()));
    h.corrections[i] = OpCorrection{Name(c.op()), Name(c.part()), c.time_factor()};
  }
  h.correction_count = static_cast<std::size_t>(p.op_correction_size());
  // GEMM tiles: a library (gemm_kernels), or the older fixed tiles.
  if (p.has_gemm_kernels()) {
    for (const auto& [name, has] : {std::pair{"gemm_tile_rows_small", p.has_gemm_tile_rows_small()},
                                    {"gemm_tile_rows", p.has_gemm_tile_rows()},
                                    {"gemm_tile_cols", p.has_gemm_tile_cols()}}) {
      if (has) return f.Error(name, "not together with gemm_kernels (give its tiles there)");
    }
    PM_ASSIGN_OR_RETURN(h.gemm_kernels, ToGemmKernels(f, "gemm_kernels", p.gemm_kernels()));
  } else {
    int64_t small = 64, rows = 128, cols = 128;
    if (p.has_gemm_tile_rows_small()) {
      PM_RETURN_IF_ERROR(f.PositiveAtMost("gemm_tile_rows_small", true, p.gemm_tile_rows_small(),
                                          limits::kMaxGemmTile, "no GEMM tile is that large"));
      small = p.gemm_tile_rows_small();
    }
    if (p.has_gemm_tile_rows()) {
      PM_RETURN_IF_ERROR(f.PositiveAtMost("gemm_tile_rows", true, p.gemm_tile_rows(),
                                          limits::kMaxGemmTile, "no GEMM tile is that large"));
      rows = p.gemm_tile_rows();
    }
    if (p.has_gemm_tile_cols()) {
      PM_RETURN_IF_ERROR(f.PositiveAtMost("gemm_tile_cols", true, p.gemm_tile_cols(),
                                          limits::kMaxGemmTile, "no GEMM tile is that large"));
      cols = p.gemm_tile_cols();
    }
    // Small-M tiles above the large ones made a GEMM of more rows cheaper
    // (found by //fuzz:estimate_fuzzer: batch 257 ran 26 % faster than 256).
    if (small > rows) {
      return f.Error("gemm_tile_rows_small",
                     absl::StrCat("must be <= gemm_tile_rows (", rows, "), got ", small));
    }
    h.gemm_kernels = small == rows ? GemmKernels(GemmTileRule::kFixed, {rows}, {cols})
                                   : GemmKernels(GemmTileRule::kFixed, {small, rows}, {cols});
  }
  h.bf16_gemm_kernels = h.gemm_kernels;
  if (p.has_bf16_gemm_kernels()) {
    PM_ASSIGN_OR_RETURN(h.bf16_gemm_kernels,
                        ToGemmKernels(f, "bf16_gemm_kernels", p.bf16_gemm_kernels()));
  }
  PM_RETURN_IF_ERROR(f.NonNegativeAtMost("in_kernel_fixed_us", true, p.in_kernel_fixed_us(),
                                         p.kernel_launch_overhead_us(),
                                         "a part of kernel_launch_overhead_us"));
  out.in_kernel_fixed = Microseconds(p.in_kernel_fixed_us());
  out.source = p.source();
  return out;
}

// Product() is a x b, or nullopt when it does not fit in int64_t (a layout
// of 2^62 x 4 GPUs is then "must equal gpus", not signed overflow).
std::optional<int64_t> Product(int64_t a, int64_t b) {
  int64_t p = 0;
  if (__builtin_mul_overflow(a, b, &p)) return std::nullopt;
  return p;
}

absl::StatusOr<LoadedDeployment> ToDeployment(const pb::Deployment& p, absl::string_view origin) {
  const Fields f(origin);
  LoadedDeployment out;
  DeploymentSpec& d = out.spec;
  PM_RETURN_IF_ERROR(f.Text("name", p.has_name(), p.name()));
  if (p.name().size() >= Name::kCapacity) {
    return f.Error("name", absl::StrCat("longer than ", Name::kCapacity - 1, " characters"));
  }
  d.name = Name(p.name());
  PM_RETURN_IF_ERROR(
      f.PositiveAtMost("gpus", p.has_gpus(), p.gpus(), limits::kMaxGpus, kNoReplicaIsThatLarge));
  d.gpus = p.gpus();
  if (!p.has_parallelism()) return f.Missing("parallelism");
  const pb::Parallelism& q = p.parallelism();
  PM_RETURN_IF_ERROR(
      f.Positive("parallelism.attention_dp", q.has_attention_dp(), q.attention_dp()));
  PM_RETURN_IF_ERROR(
      f.Positive("parallelism.attention_tp", q.has_attention_tp(), q.attention_tp()));
  PM_RETURN_IF_ERROR(f.Positive("parallelism.dense_tp", q.has_dense_tp(), q.dense_tp()));
  PM_RETURN_IF_ERROR(f.Positive("parallelism.moe_ep", q.has_moe_ep(), q.moe_ep()));
  PM_RETURN_IF_ERROR(f.Positive("parallelism.moe_tp", q.has_moe_tp(), q.moe_tp()));
  PM_RETURN_IF_ERROR(f.NonNegativeAtMost("parallelism.redundant_experts", true,
                                         q.redundant_experts(), limits::kMaxExperts,
                                         kNoModelHasSoManyExperts));
  // Each degree is at most the GPUs, so the products below fit in int64.
  for (const auto& [field, value] :
       {std::pair{"parallelism.attention_dp", q.attention_dp()},
        std::pair{"parallelism.attention_tp", q.attention_tp()},
        std::pair{"parallelism.dense_tp", q.dense_tp()},
        std::pair{"parallelism.moe_ep", q.moe_ep()}, std::pair{"parallelism.moe_tp", q.moe_tp()}}) {
    PM_RETURN_IF_ERROR(f.AtMost(field, value, p.gpus(), "the deployment's gpus"));
  }
  if (Product(q.attention_dp(), q.attention_tp()) != p.gpus()) {
    return f.Error("parallelism.attention_dp",
                   absl::StrCat("attention_dp (", q.attention_dp(), ") x attention_tp (",
                                q.attention_tp(), ") must equal gpus (", p.gpus(), ")"));
  }
  if (Product(q.moe_ep(), q.moe_tp()) != p.gpus()) {
    return f.Error("parallelism.moe_ep", absl::StrCat("moe_ep (", q.moe_ep(), ") x moe_tp (",
                                                      q.moe_tp(), ") must equal gpus (",
                                                      p.gpus(), ")"));
  }
  if (p.gpus() % q.dense_tp() != 0) {
    return f.Error("parallelism.dense_tp",
                   absl::StrCat("must divide gpus (", p.gpus(), "), got ", q.dense_tp()));
  }
  d.parallel = Parallelism{q.attention_dp(), q.attention_tp(), q.dense_tp(),
                           q.moe_ep(),       q.moe_tp(),       q.redundant_experts()};
  // Unset: every op in sequence.
  const std::optional<Overlap> overlap =
      p.overlap() == pb::OVERLAP_UNSPECIFIED ? Overlap::kNone : OverlapFromProto(p.overlap());
  if (!overlap.has_value()) {
    return f.Error("overlap", absl::StrCat("unknown overlap value ", p.overlap()));
  }
  d.overlap = *overlap;
  PM_RETURN_IF_ERROR(f.NonNegativeAtMost("memory_reserve_gb", true, p.memory_reserve_gb(),
                                         limits::kMaxCapacityGb, kNoGpuIsThatLarge));
  d.memory_reserve_per_gpu = Gigabytes(p.memory_reserve_gb());
  if (p.has_kv_cache_dtype()) {
    DType t;
    PM_RETURN_IF_ERROR(FillDType(f, "kv_cache_dtype", true, p.kv_cache_dtype(), &t));
    d.kv_cache_dtype = t;
  }
  if (p.has_attention_dtype()) {
    DType t;
    PM_RETURN_IF_ERROR(FillDType(f, "attention_dtype", true, p.attention_dtype(), &t));
    d.attention_dtype = t;
  }
  PM_RETURN_IF_ERROR(f.NonNegativeAtMost("comm_sms", true, p.comm_sms(), limits::kMaxSms,
                                         "no GPU has so many SMs"));
  d.comm_sms = p.comm_sms();
  if (p.has_host()) {
    const pb::Host& h = p.host();
    for (const auto& [field, value] :
         {std::pair{"host.step_us", h.step_us()}, std::pair{"host.request_us", h.request_us()},
          std::pair{"host.launch_us", h.launch_us()}}) {
      if (!(value >= 0.0) || !std::isfinite(value)) {
        return f.Error(field, absl::StrCat("must be a finite duration >= 0, got ", value));
      }
      PM_RETURN_IF_ERROR(f.AtMost(field, value, limits::kMaxLatencyUs, kNoLatencyIsThatLong));
    }
    d.host.per_step = Microseconds(h.step_us());
    d.host.per_request = Microseconds(h.request_us());
    d.host.per_launch = Microseconds(h.launch_us());
    d.host.cuda_graphs = !h.has_cuda_graphs() || h.cuda_graphs();
    if (!d.host.cuda_graphs && !h.has_launch_us()) {
      return f.Error("host.launch_us", "required when cuda_graphs is false");
    }
  }
  out.default_workload = p.default_workload();
  out.source = p.source();
  return out;
}

}  // namespace

absl::Status CheckTokensPerForward(const WorkloadSpec& w, absl::string_view origin) {
  // Both factors are within their limits (2^20 x 2^27 at most): the products fit.
  const bool prefill = w.phase == Phase::kPrefill;
  const int64_t tokens = w.batch_per_dp * (prefill ? w.prompt_tokens : w.TokensPerRequestPerStep());
  if (tokens <= limits::kMaxTokensPerForward) return absl::OkStatus();
  return Fields(origin).Error(
      "batch_per_dp",
      absl::StrCat(w.batch_per_dp, prefill ? " prompts of " : " requests x ",
                   prefill ? w.prompt_tokens : w.TokensPerRequestPerStep(),
                   prefill ? " tokens" : " query tokens (1 + drafts)", " is ", tokens,
                   " tokens per DP rank, above ", limits::kMaxTokensPerForward,
                   " (no GPU holds so many tokens' activations and KV cache)"));
}

namespace {

absl::StatusOr<LoadedWorkload> ToWorkload(const pb::Workload& p, absl::string_view origin) {
  const Fields f(origin);
  LoadedWorkload out;
  WorkloadSpec& d = out.spec;
  PM_RETURN_IF_ERROR(f.Text("name", p.has_name(), p.name()));
  if (p.name().size() >= Name::kCapacity) {
    return f.Error("name", absl::StrCat("longer than ", Name::kCapacity - 1, " characters"));
  }
  d.name = Name(p.name());
  PM_RETURN_IF_ERROR(f.PositiveAtMost("batch_per_dp", p.has_batch_per_dp(), p.batch_per_dp(),
                                      limits::kMaxBatchPerDp,
                                      "no GPU serves so many requests at once"));
  d.batch_per_dp = p.batch_per_dp();
  PM_RETURN_IF_ERROR(f.NonNegativeAtMost("mtp_draft_tokens", true, p.mtp_draft_tokens(),
                                         limits::kMaxDraftTokens, "no MTP drafts so far ahead"));
  d.mtp_draft_tokens = p.mtp_draft_tokens();
  const double accepted = p.has_accepted_tokens_per_step() ? p.accepted_tokens_per_step() : 1.0;
  if (!(accepted >= 1.0)) {
    return f.Error("accepted_tokens_per_step", absl::StrCat("must be >= 1, got ", accepted));
  }
  // In double: drafts + 1 overflows int64_t at drafts = 2^63 - 1.
  const double most_accepted = static_cast<double>(d.mtp_draft_tokens) + 1.0;
  if (accepted > most_accepted) {
    return f.Error("accepted_tokens_per_step", absl::StrCat("must be <= mtp_draft_tokens + 1 (",
                                                            most_accepted, "), got ", accepted));
  }
  d.accepted_tokens_per_step = accepted;
  // Unset: decode.
  const std::optional<Phase> phase =
      p.phase() == pb::PHASE_UNSPECIFIED ? Phase::kDecode : PhaseFromProto(p.phase());
  if (!phase.has_value()) return f.Error("phase", absl::StrCat("unknown value ", p.phase()));
  d.phase = *phase;
  if (d.phase == Phase::kDecode) {
    PM_RETURN_IF_ERROR(f.PositiveAtMost("context_tokens", p.has_context_tokens(),
                                        p.context_tokens(), limits::kMaxContextTokens,
                                        kNoContextIsThatLong));
    d.context_tokens = p.context_tokens();
    for (const auto& [field, has] : {std::pair{"prompt_tokens", p.has_prompt_tokens()},
                                     std::pair{"chunk_tokens", p.has_chunk_tokens()},
                                     std::pair{"prefix_cache_hit", p.has_prefix_cache_hit()}}) {
      if (has) return f.Error(field, "is a prefill field: set phase: PREFILL");
    }
  } else {
    PM_RETURN_IF_ERROR(f.PositiveAtMost("prompt_tokens", p.has_prompt_tokens(), p.prompt_tokens(),
                                        limits::kMaxContextTokens, kNoContextIsThatLong));
    d.prompt_tokens = p.prompt_tokens();
    if (p.has_chunk_tokens() && p.chunk_tokens() < 1) {
      return f.Error("chunk_tokens",
                     absl::StrCat("must be >= 1 (or unset: unchunked), got ", p.chunk_tokens()));
    }
    PM_RETURN_IF_ERROR(f.AtMost("chunk_tokens", p.chunk_tokens(), limits::kMaxTokensPerForward,
                                "no forward holds so many tokens per rank"));
    d.chunk_tokens = p.chunk_tokens();
    const double hit = p.prefix_cache_hit();
    if (!(hit >= 0.0 && hit < 1.0)) {
      return f.Error("prefix_cache_hit", absl::StrCat("must be in [0, 1), got ", hit));
    }
    d.prefix_cache_hit = hit;
    if (p.has_context_tokens()) {
      return f.Error("context_tokens", "is a decode field; a prefill workload has prompt_tokens");
    }
  }
  PM_RETURN_IF_ERROR(f.NonNegativeAtMost("host_gap_ms", true, p.host_gap_ms(),
                                         limits::kMaxHostGapMs, "1000 s between forwards"));
  d.host_gap = Milliseconds(p.host_gap_ms());
  PM_RETURN_IF_ERROR(CheckTokensPerForward(d, origin));
  if (p.has_expert_imbalance()) {
    if (!(p.expert_imbalance() >= 1.0) || !std::isfinite(p.expert_imbalance())) {
      return f.Error("expert_imbalance",
                     absl::StrCat("must be >= 1 (or unset: routing statistics), got ",
                                  p.expert_imbalance()));
    }
    d.routing.expert_imbalance = p.expert_imbalance();
  }
  if (p.has_routing()) {
    const pb::Routing& r = p.routing();
    // Unset: uniform.
    const std::optional<RoutingSkew> skew = r.skew() == pb::ROUTING_SKEW_UNSPECIFIED
                                                ? RoutingSkew::kUniform
                                                : RoutingSkewFromProto(r.skew());
    if (!skew.has_value()) {
      return f.Error("routing.skew", absl::StrCat("unknown value ", r.skew()));
    }
    d.routing.skew = *skew;
    if (r.has_power_law_exponent()) {
      if (d.routing.skew != RoutingSkew::kPowerLaw) {
        return f.Error("routing.power_law_exponent", "needs skew: POWER_LAW");
      }
      if (!(r.power_law_exponent() >= 0.0 && r.power_law_exponent() <= 4.0)) {
        return f.Error("routing.power_law_exponent",
                       absl::StrCat("must be in [0, 4], got ", r.power_law_exponent()));
      }
      d.routing.power_law_exponent = r.power_law_exponent();
    } else if (d.routing.skew == RoutingSkew::kPowerLaw) {
      return f.Missing("routing.power_law_exponent");
    }
    d.routing.eplb = r.eplb();
  }
  out.source = p.source();
  return out;
}

template <typename Spec, typename Parse>
absl::StatusOr<Spec> LoadWith(absl::string_view path, Parse parse) {
  PM_ASSIGN_OR_RETURN(const std::string text, ReadFile(path));
  return parse(text, path);
}

}  // namespace

absl::StatusOr<std::string> ReadFile(absl::string_view path) {
  std::ifstream in{std::string(path), std::ios::binary};
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open file"));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  return ss.str();
}

absl::StatusOr<ModelSpec> ParseModel(absl::string_view text, absl::string_view origin) {
  PM_ASSIGN_OR_RETURN(const pb::Model p, ParseTextproto<pb::Model>(text, origin));
  return ToModel(p, origin);
}

absl::StatusOr<LoadedHardware> ParseHardware(absl::string_view text, absl::string_view origin) {
  PM_ASSIGN_OR_RETURN(const pb::Hardware p, ParseTextproto<pb::Hardware>(text, origin));
  return ToHardware(p, origin);
}

absl::StatusOr<LoadedDeployment> ParseDeployment(absl::string_view text,
                                                 absl::string_view origin) {
  absl::StatusOr<pb::Deployment> p = ParseTextproto<pb::Deployment>(text, origin);
  if (!p.ok()) {
    // A deployment written before workloads had their own files: the parser
    // names a field the Deployment schema lacks but the Workload one has.
    const google::protobuf::Descriptor* workload = pb::Workload::descriptor();
    for (int i = 0; i < workload->field_count(); ++i) {
      const std::string& moved = workload->field(i)->name();
      if (pb::Deployment::descriptor()->FindFieldByName(moved) != nullptr) continue;
      if (absl::StrContains(p.status().message(), absl::StrCat("\"", moved, "\""))) {
        return absl::InvalidArgumentError(absl::StrCat(
            p.status().message(), " (", moved,
            " is a workload field now: move it to a workloads/*.textproto file, "
            "proto/workload.proto, and name that file in default_workload)"));
      }
    }
    return p.status();
  }
  return ToDeployment(*p, origin);
}

absl::StatusOr<LoadedWorkload> ParseWorkload(absl::string_view text, absl::string_view origin) {
  PM_ASSIGN_OR_RETURN(const pb::Workload p, ParseTextproto<pb::Workload>(text, origin));
  return ToWorkload(p, origin);
}

absl::StatusOr<pb::SlaTargets> ParseSlaTargets(absl::string_view text, absl::string_view origin) {
  absl::StatusOr<pb::SlaTargets> p = ParseTextproto<pb::SlaTargets>(text, origin);
  if (!p.ok()) return p.status();
  const Fields f(origin);
  switch (p->decode_rate_case()) {
    case pb::SlaTargets::kMachineOutputTps:
      PM_RETURN_IF_ERROR(f.Positive("machine_output_tps", true, p->machine_output_tps()));
      break;
    case pb::SlaTargets::kUserOutputTps:
      PM_RETURN_IF_ERROR(f.Positive("user_output_tps", true, p->user_output_tps()));
      break;
    case pb::SlaTargets::kTpotMs:
      PM_RETURN_IF_ERROR(f.Positive("tpot_ms", true, p->tpot_ms()));
      break;
    default:
      if (!p->has_ttft_ms()) {
        return f.Error("decode_rate", "one of machine_output_tps, user_output_tps, tpot_ms or "
                                      "ttft_ms is required");
      }
  }
  if (p->has_ttft_ms()) PM_RETURN_IF_ERROR(f.Positive("ttft_ms", true, p->ttft_ms()));
  return p;
}

absl::StatusOr<pb::Baseline> ParseBaseline(absl::string_view text, absl::string_view origin) {
  absl::StatusOr<pb::Baseline> p = ParseTextproto<pb::Baseline>(text, origin);
  if (!p.ok()) return p.status();
  const Fields f(origin);
  PM_RETURN_IF_ERROR(f.Text("name", p->has_name(), p->name()));
  if (p->ops_size() == 0) return f.Missing("ops");
  for (int i = 0; i < p->ops_size(); ++i) {
    const pb::OpTime& o = p->ops(i);
    const std::string at = absl::StrCat("ops[", i, "]");
    PM_RETURN_IF_ERROR(f.Text(absl::StrCat(at, ".op"), o.has_op(), o.op()));
    PM_RETURN_IF_ERROR(f.Text(absl::StrCat(at, ".layer_kind"), o.has_layer_kind(), o.layer_kind()));
    PM_RETURN_IF_ERROR(f.NonNegative(absl::StrCat(at, ".time_us"), o.has_time_us(), o.time_us()));
    PM_RETURN_IF_ERROR(f.Positive(absl::StrCat(at, ".count"), o.has_count(), o.count()));
  }
  if (p->has_forward_ms()) PM_RETURN_IF_ERROR(f.Positive("forward_ms", true, p->forward_ms()));
  PM_RETURN_IF_ERROR(f.NonNegative("host_gap_ms", true, p->host_gap_ms()));
  return p;
}

absl::StatusOr<ModelSpec> LoadModel(absl::string_view path) {
  return LoadWith<ModelSpec>(path, ParseModel);
}
absl::StatusOr<LoadedHardware> LoadHardware(absl::string_view path) {
  return LoadWith<LoadedHardware>(path, ParseHardware);
}
absl::StatusOr<LoadedDeployment> LoadDeployment(absl::string_view path) {
  return LoadWith<LoadedDeployment>(path, ParseDeployment);
}
absl::StatusOr<LoadedWorkload> LoadWorkload(absl::string_view path) {
  return LoadWith<LoadedWorkload>(path, ParseWorkload);
}
absl::StatusOr<pb::SlaTargets> LoadSlaTargets(absl::string_view path) {
  return LoadWith<pb::SlaTargets>(path, ParseSlaTargets);
}
absl::StatusOr<pb::Baseline> LoadBaseline(absl::string_view path) {
  return LoadWith<pb::Baseline>(path, ParseBaseline);
}

absl::Status ValidateDeploymentFor(const ModelSpec& model, const HardwareSpec& hw,
                                   const DeploymentSpec& d, absl::string_view origin) {
  const Fields f(origin);
  const Parallelism& q = d.parallel;
  const bool has_moe = model.HasLayerKind(LayerKind::kMoe) ||
                       (model.mtp_modules > 0 && model.mtp_layer_kind == LayerKind::kMoe);
  if (has_moe) {
    const int64_t slots = model.moe.routed_experts + q.redundant_experts;
    if (slots % q.moe_ep != 0) {
      return f.Error("parallelism.moe_ep",
                     absl::StrCat("must divide routed_experts (", model.moe.routed_experts,
                                  ") + redundant_experts (", q.redundant_experts, ") = ", slots,
                                  ", got ", q.moe_ep, "; add redundant experts to make it divide"));
    }
    if (model.moe.expert_intermediate_size % q.moe_tp != 0) {
      return f.Error("parallelism.moe_tp",
                     absl::StrCat("must divide moe.expert_intermediate_size (",
                                  model.moe.expert_intermediate_size, "), got ", q.moe_tp));
    }
  }
  const int64_t heads =
      model.attention_kind == AttentionKind::kMla ? model.mla.heads : model.gqa.heads;
  if (heads % q.attention_tp != 0) {
    return f.Error("parallelism.attention_tp",
                   absl::StrCat("must divide the attention heads (", heads, "), got ",
                                q.attention_tp));
  }
  if (model.dense_intermediate_size > 0 && model.dense_intermediate_size % q.dense_tp != 0) {
    return f.Error("parallelism.dense_tp",
                   absl::StrCat("must divide dense_mlp.intermediate_size (",
                                model.dense_intermediate_size, "), got ", q.dense_tp));
  }
  if (d.comm_sms >= hw.sm_count && d.comm_sms > 0) {
    return f.Error("comm_sms", absl::StrCat("must leave SMs for compute: ", d.comm_sms,
                                            " of the GPU's ", hw.sm_count));
  }
  if (q.moe_ep > hw.gpus_per_node && d.gpus % hw.gpus_per_node != 0) {
    return f.Error("gpus", absl::StrCat("spans nodes of ", hw.gpus_per_node,
                                        " GPUs but is not a whole number of them: ", d.gpus));
  }
  return absl::OkStatus();
}

absl::Status ValidateWorkloadFor(const ModelSpec& model, const WorkloadSpec& d,
                                 absl::string_view origin) {
  const Fields f(origin);
  if (d.mtp_draft_tokens > 0 && model.mtp_modules == 0) {
    return f.Error("mtp_draft_tokens",
                   absl::StrCat("the model '", std::string(model.name.view()), "' has no MTP modules"));
  }
  const int64_t longest = d.phase == Phase::kPrefill ? d.prompt_tokens : d.context_tokens;
  if (model.max_context_tokens > 0 && longest > model.max_context_tokens) {
    return f.Error(
        d.phase == Phase::kPrefill ? "prompt_tokens" : "context_tokens",
        absl::StrCat(longest, " is longer than the model '", std::string(model.name.view()),
                     "' serves (max_context_tokens ", model.max_context_tokens, ")"));
  }
  return absl::OkStatus();
}

}  // namespace perfmodel
