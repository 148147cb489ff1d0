#include "hf/import.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"
#include "google/protobuf/text_format.h"
#include "loader/load.h"
#include "rapidjson/document.h"
#include "rapidjson/error/en.h"

namespace perfmodel::hf {
namespace {

using Json = rapidjson::Value;

// The model families: how a config's keys map to layers, attention and MoE.
enum class Family {
  kDeepSeek,  // MLA; n_routed_experts, first_k_dense_replace, n_group; MTP
  kDense,     // GQA; every layer a dense MLP of intermediate_size
  kQwenMoe,   // GQA; num_experts, decoder_sparse_step, mlp_only_layers
  kQwen2Moe,  // as kQwenMoe, plus one shared expert of shared_expert_intermediate_size
  kMixtral,   // GQA; num_local_experts of intermediate_size in every layer
  kGlmMoe,    // GQA; the DeepSeek MoE keys; MTP
  kGptOss,    // GQA; num_local_experts of intermediate_size; sliding/full layers; MXFP4
  kLlama4,    // GQA; num_local_experts + 1 shared expert; interleaved dense layers
};

struct ArchitectureEntry final {
  Architecture info;
  Family family;
};

const std::vector<ArchitectureEntry>& Entries() {
  static const auto* entries = new std::vector<ArchitectureEntry>{
      {{"DeepseekV3ForCausalLM",
        "MLA; first_k_dense_replace dense layers then MoE (n_routed_experts, n_shared_experts, "
        "n_group/topk_group); num_nextn_predict_layers MTP modules (MoE). Also Kimi-K2 "
        "(model_type kimi_k2)"},
       Family::kDeepSeek},
      {{"DeepseekV32ForCausalLM",
        "as DeepseekV3ForCausalLM, with DeepSeek sparse attention (index_topk, index_n_heads, "
        "index_head_dim: the lightning indexer, then MLA over each query's top-k tokens)"},
       Family::kDeepSeek},
      {{"DeepseekV2ForCausalLM", "as DeepseekV3ForCausalLM"}, Family::kDeepSeek},
      {{"LlamaForCausalLM", "GQA; every layer dense (intermediate_size)"}, Family::kDense},
      {{"MistralForCausalLM", "GQA; every layer dense; sliding_window on every layer"},
       Family::kDense},
      {{"Qwen2ForCausalLM",
        "GQA; every layer dense; with use_sliding_window, sliding_window on the layers from "
        "max_window_layers on"},
       Family::kDense},
      {{"Qwen3ForCausalLM",
        "GQA (head_dim); every layer dense; sliding_window as Qwen2's (layer_types when given)"},
       Family::kDense},
      {{"Qwen3MoeForCausalLM",
        "GQA; MoE (num_experts, no shared expert) every decoder_sparse_step-th layer, "
        "mlp_only_layers dense"},
       Family::kQwenMoe},
      {{"Qwen2MoeForCausalLM",
        "GQA; MoE (num_experts of moe_intermediate_size, plus one shared expert of "
        "shared_expert_intermediate_size) every decoder_sparse_step-th layer, mlp_only_layers "
        "dense; sliding_window as Qwen2's. Qwen1.5-MoE, Qwen2-57B-A14B"},
       Family::kQwen2Moe},
      {{"MixtralForCausalLM",
        "GQA; every layer MoE (num_local_experts of intermediate_size, no shared expert); "
        "sliding_window on every layer"},
       Family::kMixtral},
      {{"Glm4MoeForCausalLM",
        "GQA; first_k_dense_replace dense layers then MoE (n_routed_experts, n_shared_experts); "
        "num_nextn_predict_layers MTP modules (MoE)"},
       Family::kGlmMoe},
      {{"GptOssForCausalLM",
        "GQA (head_dim); every layer MoE (num_local_experts of intermediate_size, no shared "
        "expert); MXFP4 experts; sliding-window layers (layer_types) and attention sinks"},
       Family::kGptOss},
      {{"Llama4ForConditionalGeneration",
        "text_config: GQA; MoE (num_local_experts + 1 shared expert of intermediate_size) every "
        "interleave_moe_layer_step-th layer, the others dense (intermediate_size_mlp); chunked "
        "attention and the vision tower are warnings"},
       Family::kLlama4},
      {{"Llama4ForCausalLM", "as Llama4ForConditionalGeneration, without the wrapper"},
       Family::kLlama4},
  };
  return *entries;
}

std::string JsonTypeName(const Json& v) {
  if (v.IsNull()) return "null";
  if (v.IsBool()) return "a boolean";
  if (v.IsNumber()) return "a number";
  if (v.IsString()) return "a string";
  if (v.IsArray()) return "an array";
  return "an object";
}

// LineColumn() is "LINE:COLUMN" (1-based) of byte `offset` in `text`.
std::string LineColumn(absl::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  int line = 1, column = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return absl::StrCat(line, ":", column);
}

// Config reads the keys of one JSON object. Every error names the file and
// the key, with the object's prefix ("text_config.").
class Config final {
 public:
  Config(const Json& object, std::string origin, std::string prefix)
      : object_(&object), origin_(std::move(origin)), prefix_(std::move(prefix)) {}

  absl::Status Error(absl::string_view key, absl::string_view reason) const {
    return absl::InvalidArgumentError(absl::StrCat(origin_, ": ", prefix_, key, ": ", reason));
  }
  std::string Key(absl::string_view key) const { return absl::StrCat(prefix_, key); }

  // Find() is the value of `key`, or null when it is absent or JSON null.
  const Json* Find(absl::string_view key) const {
    const auto it = object_->FindMember(
        rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size())));
    if (it == object_->MemberEnd() || it->value.IsNull()) return nullptr;
    return &it->value;
  }
  bool Has(absl::string_view key) const { return Find(key) != nullptr; }

  absl::StatusOr<std::optional<int64_t>> OptInt(absl::string_view key) const {
    const Json* v = Find(key);
    if (v == nullptr) return std::optional<int64_t>();
    if (v->IsInt64()) return std::optional<int64_t>(v->GetInt64());
    if (v->IsDouble() && std::isfinite(v->GetDouble()) &&
        v->GetDouble() == std::floor(v->GetDouble()) && std::fabs(v->GetDouble()) < 9.0e15) {
      return std::optional<int64_t>(static_cast<int64_t>(v->GetDouble()));
    }
    return Error(key, absl::StrCat("must be an integer, got ", JsonTypeName(*v)));
  }
  absl::StatusOr<int64_t> Int(absl::string_view key) const {
    PM_ASSIGN_OR_RETURN(const std::optional<int64_t> v, OptInt(key));
    if (!v.has_value()) return Error(key, "required key is missing");
    return *v;
  }
  absl::StatusOr<int64_t> Positive(absl::string_view key) const {
    PM_ASSIGN_OR_RETURN(const int64_t v, Int(key));
    if (v <= 0) return Error(key, absl::StrCat("must be > 0, got ", v));
    return v;
  }
  // IntOr() is `key`'s value, `fallback` when absent; it must be >= `min`.
  absl::StatusOr<int64_t> IntOr(absl::string_view key, int64_t fallback, int64_t min) const {
    PM_ASSIGN_OR_RETURN(const std::optional<int64_t> v, OptInt(key));
    const int64_t x = v.value_or(fallback);
    if (x < min) return Error(key, absl::StrCat("must be >= ", min, ", got ", x));
    return x;
  }
  absl::StatusOr<std::optional<std::string>> OptString(absl::string_view key) const {
    const Json* v = Find(key);
    if (v == nullptr) return std::optional<std::string>();
    if (!v->IsString()) return Error(key, absl::StrCat("must be a string, got ", JsonTypeName(*v)));
    return std::optional<std::string>(std::string(v->GetString(), v->GetStringLength()));
  }
  absl::StatusOr<bool> BoolOr(absl::string_view key, bool fallback) const {
    const Json* v = Find(key);
    if (v == nullptr) return fallback;
    if (!v->IsBool()) return Error(key, absl::StrCat("must be a boolean, got ", JsonTypeName(*v)));
    return v->GetBool();
  }
  // IntList() is the integers of the array `key` (empty when absent).
  absl::StatusOr<std::vector<int64_t>> IntList(absl::string_view key) const {
    std::vector<int64_t> out;
    const Json* v = Find(key);
    if (v == nullptr) return out;
    if (!v->IsArray()) return Error(key, absl::StrCat("must be an array, got ", JsonTypeName(*v)));
    for (const Json& e : v->GetArray()) {
      if (!e.IsInt64()) return Error(key, "must be an array of integers");
      out.push_back(e.GetInt64());
    }
    return out;
  }
  absl::StatusOr<std::vector<std::string>> StringList(absl::string_view key) const {
    std::vector<std::string> out;
    const Json* v = Find(key);
    if (v == nullptr) return out;
    if (!v->IsArray()) return Error(key, absl::StrCat("must be an array, got ", JsonTypeName(*v)));
    for (const Json& e : v->GetArray()) {
      if (!e.IsString()) return Error(key, "must be an array of strings");
      out.emplace_back(e.GetString(), e.GetStringLength());
    }
    return out;
  }
  // Object() is the object `key`, or nullopt when absent.
  absl::StatusOr<std::optional<Config>> Object(absl::string_view key) const {
    const Json* v = Find(key);
    if (v == nullptr) return std::optional<Config>();
    if (!v->IsObject()) {
      return Error(key, absl::StrCat("must be an object, got ", JsonTypeName(*v)));
    }
    return std::optional<Config>(Config(*v, origin_, absl::StrCat(prefix_, key, ".")));
  }

 private:
  const Json* object_;  // not owned
  std::string origin_;
  std::string prefix_;
};

// What the importer has found so far.
struct Draft final {
  pb::Model model;
  std::vector<ImportNote> assumptions;
  std::vector<ImportNote> warnings;

  void Assume(std::string key, std::string text) {
    assumptions.push_back({std::move(key), std::move(text)});
  }
  void Warn(std::string key, std::string text) {
    warnings.push_back({std::move(key), std::move(text)});
  }
};

// The MoE block's numbers, under each family's key names.
struct MoeKeys final {
  absl::string_view experts;
  absl::string_view per_token;
  absl::string_view width;
};

absl::Status ReadMoe(const Config& c, const MoeKeys& keys, int64_t shared, Draft& d) {
  PM_ASSIGN_OR_RETURN(const int64_t experts, c.Positive(keys.experts));
  PM_ASSIGN_OR_RETURN(const int64_t per_token, c.Positive(keys.per_token));
  PM_ASSIGN_OR_RETURN(const int64_t width, c.Positive(keys.width));
  if (per_token > experts) {
    return c.Error(keys.per_token,
                   absl::StrCat("must be <= ", keys.experts, " (", experts, "), got ", per_token));
  }
  pb::Moe& m = *d.model.mutable_moe();
  m.set_routed_experts(experts);
  m.set_experts_per_token(per_token);
  m.set_shared_experts(shared);
  m.set_expert_intermediate_size(width);
  m.set_groups(1);
  m.set_groups_per_token(1);
  return absl::OkStatus();
}

// ReadQwen2SharedExpert() reads Qwen2-MoE's shared expert: one, of its own
// width (transformers' Qwen2MoeSparseMoeBlock.shared_expert, a gated MLP of
// shared_expert_intermediate_size), beside the routed experts.
//
// Its output is scaled by sigmoid(shared_expert_gate(x)), a [hidden, 1]
// projection: not costed. Per token it is 2 x hidden FLOPs over hidden
// weights, 1 / (2 x shared_expert_intermediate_size) of the shared expert's
// up/gate GEMM (2.4e-5 for Qwen2-57B-A14B); what that leaves out is at most
// one small kernel per MoE layer, where an engine launches it on its own.
// The assumption note says so.
absl::Status ReadQwen2SharedExpert(const Config& c, Draft& d) {
  PM_ASSIGN_OR_RETURN(const int64_t width, c.Positive("shared_expert_intermediate_size"));
  d.model.mutable_moe()->set_shared_expert_intermediate_size(width);
  d.Assume("moe.shared_experts",
           absl::StrCat("1: each MoE layer adds one shared expert of "
                        "shared_expert_intermediate_size (",
                        width,
                        ") (transformers' Qwen2MoeSparseMoeBlock; the config has no count); its "
                        "sigmoid shared_expert_gate, a [hidden, 1] projection, is not costed"));
  return absl::OkStatus();
}

// ReadGroupRouting() reads DeepSeek's group-limited routing (n_group,
// topk_group) into the MoE block.
absl::Status ReadGroupRouting(const Config& c, Draft& d) {
  pb::Moe& m = *d.model.mutable_moe();
  PM_ASSIGN_OR_RETURN(const int64_t groups, c.IntOr("n_group", 1, 1));
  PM_ASSIGN_OR_RETURN(const int64_t per_token, c.IntOr("topk_group", groups, 1));
  if (m.routed_experts() % groups != 0) {
    return c.Error("n_group", absl::StrCat("must divide n_routed_experts (", m.routed_experts(),
                                           "), got ", groups));
  }
  if (per_token > groups) {
    return c.Error("topk_group",
                   absl::StrCat("must be <= n_group (", groups, "), got ", per_token));
  }
  m.set_groups(groups);
  m.set_groups_per_token(per_token);
  return absl::OkStatus();
}

// SetLayers() turns a per-layer kind list into runs. More runs than the model
// holds (an interleaved pattern) become one run per kind, the first layer's
// kind first: the graph costs layers by kind and count, and only the first
// layer's kind changes a row (its input norm has no residual to add).
void SetLayers(const std::vector<pb::LayerKind>& kinds, Draft& d) {
  std::vector<std::pair<pb::LayerKind, int64_t>> runs;
  for (const pb::LayerKind k : kinds) {
    if (runs.empty() || runs.back().first != k) runs.push_back({k, 0});
    ++runs.back().second;
  }
  if (runs.size() > ModelSpec::kMaxLayerGroups) {
    const pb::LayerKind first = kinds.front();
    const pb::LayerKind other = first == pb::DENSE ? pb::MOE : pb::DENSE;
    const int64_t n_first = std::count(kinds.begin(), kinds.end(), first);
    const int64_t n_other = static_cast<int64_t>(kinds.size()) - n_first;
    d.Assume("layer_groups",
             absl::StrCat(n_first, " ", pb::LayerKind_Name(first), " and ", n_other, " ",
                          pb::LayerKind_Name(other), " layers interleave in ", runs.size(),
                          " runs; written as one run of each kind, first layer's kind first (a "
                          "step's cost depends on the counts and the first layer's kind only)"));
    runs = {{first, n_first}, {other, n_other}};
  }
  for (const auto& [kind, count] : runs) {
    pb::LayerGroup* g = d.model.add_layer_groups();
    g->set_kind(kind);
    g->set_count(count);
  }
}

absl::Status ReadGqa(const Config& c, int64_t hidden, int64_t heads, Draft& d) {
  PM_ASSIGN_OR_RETURN(const std::optional<int64_t> kv, c.OptInt("num_key_value_heads"));
  if (!kv.has_value()) {
    d.Assume(c.Key("num_key_value_heads"),
             "absent: one KV head per query head (multi-head attention, transformers' default)");
  }
  const int64_t kv_heads = kv.value_or(heads);
  if (kv_heads <= 0)
    return c.Error("num_key_value_heads", absl::StrCat("must be > 0, got ", kv_heads));
  if (heads % kv_heads != 0) {
    return c.Error("num_key_value_heads",
                   absl::StrCat("must divide num_attention_heads (", heads, "), got ", kv_heads));
  }
  PM_ASSIGN_OR_RETURN(const std::optional<int64_t> head_dim, c.OptInt("head_dim"));
  int64_t dim = 0;
  if (head_dim.has_value()) {
    dim = *head_dim;
    if (dim <= 0) return c.Error("head_dim", absl::StrCat("must be > 0, got ", dim));
  } else {
    if (hidden % heads != 0) {
      return c.Error("head_dim",
                     absl::StrCat("required key is missing, and hidden_size (", hidden,
                                  ") is not a multiple of num_attention_heads (", heads, ")"));
    }
    dim = hidden / heads;
    d.Assume(c.Key("head_dim"), absl::StrCat("absent: hidden_size / num_attention_heads = ", dim));
  }
  pb::Gqa& g = *d.model.mutable_gqa();
  g.set_heads(heads);
  g.set_kv_heads(kv_heads);
  g.set_head_dim(dim);
  return absl::OkStatus();
}

absl::Status ReadMla(const Config& c, int64_t heads, Draft& d) {
  pb::Mla& a = *d.model.mutable_mla();
  a.set_heads(heads);
  PM_ASSIGN_OR_RETURN(const int64_t q_lora, c.IntOr("q_lora_rank", 0, 0));
  a.set_q_lora_rank(q_lora);
  PM_ASSIGN_OR_RETURN(const int64_t kv_lora, c.Positive("kv_lora_rank"));
  a.set_kv_lora_rank(kv_lora);
  PM_ASSIGN_OR_RETURN(const int64_t nope, c.Positive("qk_nope_head_dim"));
  a.set_qk_nope_head_dim(nope);
  PM_ASSIGN_OR_RETURN(const int64_t rope, c.Positive("qk_rope_head_dim"));
  a.set_qk_rope_head_dim(rope);
  PM_ASSIGN_OR_RETURN(const int64_t v, c.Positive("v_head_dim"));
  a.set_v_head_dim(v);
  return absl::OkStatus();
}

// ReadMtp() reads num_nextn_predict_layers: MTP modules whose one decoder
// layer is a MoE layer (DeepSeek-V3's and GLM-4.5's checkpoints).
absl::Status ReadMtp(const Config& c, Draft& d) {
  PM_ASSIGN_OR_RETURN(const int64_t n, c.IntOr("num_nextn_predict_layers", 0, 0));
  d.model.set_mtp_modules(n);
  if (n > 0) {
    d.model.set_mtp_layer_kind(pb::MOE);
    d.Assume("mtp_layer_kind",
             "MOE: each MTP module's decoder layer is a MoE layer like the main model's last "
             "layers (the config does not say)");
  }
  return absl::OkStatus();
}

absl::Status ReadDenseWidth(const Config& c, absl::string_view key, Draft& d) {
  PM_ASSIGN_OR_RETURN(const int64_t w, c.Positive(key));
  d.model.mutable_dense_mlp()->set_intermediate_size(w);
  return absl::OkStatus();
}

// The families' layer patterns, attention and MLPs.
absl::Status ReadLayers(Family family, const Config& c, int64_t layers, Draft& d) {
  std::vector<pb::LayerKind> kinds(static_cast<std::size_t>(layers), pb::MOE);
  switch (family) {
    case Family::kDeepSeek:
    case Family::kGlmMoe: {
      PM_ASSIGN_OR_RETURN(const int64_t shared, c.IntOr("n_shared_experts", 0, 0));
      PM_RETURN_IF_ERROR(ReadMoe(
          c, {"n_routed_experts", "num_experts_per_tok", "moe_intermediate_size"}, shared, d));
      PM_RETURN_IF_ERROR(ReadGroupRouting(c, d));
      PM_ASSIGN_OR_RETURN(const int64_t first_dense, c.IntOr("first_k_dense_replace", 0, 0));
      if (first_dense > layers) {
        return c.Error("first_k_dense_replace", absl::StrCat("must be <= num_hidden_layers (",
                                                             layers, "), got ", first_dense));
      }
      PM_ASSIGN_OR_RETURN(const int64_t freq, c.IntOr("moe_layer_freq", 1, 1));
      for (int64_t i = 0; i < layers; ++i) {
        kinds[i] = (i >= first_dense && i % freq == 0) ? pb::MOE : pb::DENSE;
      }
      PM_RETURN_IF_ERROR(ReadMtp(c, d));
      break;
    }
    case Family::kDense:
      std::fill(kinds.begin(), kinds.end(), pb::DENSE);
      break;
    case Family::kQwenMoe:
    case Family::kQwen2Moe: {
      const bool shared = family == Family::kQwen2Moe;
      PM_RETURN_IF_ERROR(ReadMoe(c, {"num_experts", "num_experts_per_tok", "moe_intermediate_size"},
                                 shared ? 1 : 0, d));
      if (shared) PM_RETURN_IF_ERROR(ReadQwen2SharedExpert(c, d));
      PM_ASSIGN_OR_RETURN(const int64_t step, c.IntOr("decoder_sparse_step", 1, 1));
      PM_ASSIGN_OR_RETURN(const std::vector<int64_t> mlp_only, c.IntList("mlp_only_layers"));
      for (int64_t i = 0; i < layers; ++i) kinds[i] = (i + 1) % step == 0 ? pb::MOE : pb::DENSE;
      for (const int64_t i : mlp_only) {
        if (i < 0 || i >= layers) {
          return c.Error(
              "mlp_only_layers",
              absl::StrCat("layer ", i, " is not in [0, num_hidden_layers = ", layers, ")"));
        }
        kinds[i] = pb::DENSE;
      }
      break;
    }
    case Family::kMixtral:
    case Family::kGptOss: {
      const absl::string_view per_token = family == Family::kGptOss && !c.Has("num_experts_per_tok")
                                              ? "experts_per_token"
                                              : "num_experts_per_tok";
      PM_RETURN_IF_ERROR(ReadMoe(c, {"num_local_experts", per_token, "intermediate_size"}, 0, d));
      break;
    }
    case Family::kLlama4: {
      PM_RETURN_IF_ERROR(
          ReadMoe(c, {"num_local_experts", "num_experts_per_tok", "intermediate_size"}, 1, d));
      d.Assume("moe.shared_experts",
               "1: each Llama 4 MoE layer adds one shared expert of intermediate_size "
               "(transformers' Llama4TextMoe; the config has no key for it)");
      PM_ASSIGN_OR_RETURN(const std::vector<int64_t> moe_layers, c.IntList("moe_layers"));
      if (c.Has("moe_layers")) {
        std::fill(kinds.begin(), kinds.end(), pb::DENSE);
        for (const int64_t i : moe_layers) {
          if (i < 0 || i >= layers) {
            return c.Error(
                "moe_layers",
                absl::StrCat("layer ", i, " is not in [0, num_hidden_layers = ", layers, ")"));
          }
          kinds[i] = pb::MOE;
        }
      } else {
        PM_ASSIGN_OR_RETURN(const int64_t step, c.IntOr("interleave_moe_layer_step", 1, 1));
        for (int64_t i = 0; i < layers; ++i) kinds[i] = (i + 1) % step == 0 ? pb::MOE : pb::DENSE;
      }
      break;
    }
  }
  const bool any_dense = std::find(kinds.begin(), kinds.end(), pb::DENSE) != kinds.end() ||
                         (d.model.mtp_modules() > 0 && d.model.mtp_layer_kind() == pb::DENSE);
  if (any_dense) {
    PM_RETURN_IF_ERROR(ReadDenseWidth(
        c, family == Family::kLlama4 ? "intermediate_size_mlp" : "intermediate_size", d));
  }
  if (std::find(kinds.begin(), kinds.end(), pb::MOE) == kinds.end() &&
      !(d.model.mtp_modules() > 0 && d.model.mtp_layer_kind() == pb::MOE)) {
    d.model.clear_moe();
  }
  SetLayers(kinds, d);
  return absl::OkStatus();
}

// Dtypes ---------------------------------------------------------------------

absl::StatusOr<pb::DType> TorchDType(const Config& c, absl::string_view key, const std::string& v) {
  if (v == "bfloat16") return pb::BF16;
  if (v == "float16" || v == "half") return pb::FP16;
  if (v == "float32" || v == "float") return pb::FP32;
  return c.Error(
      key, absl::StrCat("unsupported dtype '", v, "' (expected bfloat16, float16 or float32)"));
}

// FloatBits() maps a compressed-tensors / modelopt {num_bits, type} to a dtype.
absl::StatusOr<std::optional<pb::DType>> FloatBits(const Config& c, absl::string_view key) {
  PM_ASSIGN_OR_RETURN(const std::optional<Config> q, c.Object(key));
  if (!q.has_value()) return std::optional<pb::DType>();
  PM_ASSIGN_OR_RETURN(const int64_t bits, q->Int("num_bits"));
  PM_ASSIGN_OR_RETURN(const std::optional<std::string> type, q->OptString("type"));
  if (type.value_or("float") != "float") {
    return q->Error("type", absl::StrCat("'", *type,
                                         "' quantisation is not supported: perfmodel "
                                         "has floating-point dtypes only"));
  }
  if (bits == 8) return std::optional<pb::DType>(pb::FP8);
  if (bits == 4) return std::optional<pb::DType>(pb::FP4);
  return q->Error("num_bits", absl::StrCat("must be 8 or 4 (float), got ", bits));
}

absl::Status ReadDtypes(const Config& root, const Config& text, const ImportOptions& options,
                        Draft& d) {
  // The checkpoint's dtype: torch_dtype (or, from transformers 4.56, dtype),
  // in text_config first.
  pb::DType base = pb::BF16;
  bool found = false;
  for (const Config* c : {&text, &root}) {
    for (const absl::string_view key : {"torch_dtype", "dtype"}) {
      PM_ASSIGN_OR_RETURN(const std::optional<std::string> v, c->OptString(key));
      if (v.has_value() && !found) {
        PM_ASSIGN_OR_RETURN(base, TorchDType(*c, key, *v));
        found = true;
      }
    }
  }
  if (!found) d.Assume("torch_dtype", "absent: BF16 weights and activations");
  pb::DType weight = base, activation = base, kv = base;
  std::optional<pb::DType> attention_weights;  // when the attention projections differ
  bool kv_from_config = false;

  std::optional<Config> q;
  for (const Config* c : {&text, &root}) {
    if (q.has_value()) break;
    PM_ASSIGN_OR_RETURN(q, c->Object("quantization_config"));
  }
  if (q.has_value()) {
    PM_ASSIGN_OR_RETURN(const std::optional<std::string> method, q->OptString("quant_method"));
    if (!method.has_value()) return q->Error("quant_method", "required key is missing");
    if (*method == "fp8") {
      weight = pb::FP8;
      PM_ASSIGN_OR_RETURN(const std::optional<std::string> scheme,
                          q->OptString("activation_scheme"));
      activation = pb::FP8;
      PM_ASSIGN_OR_RETURN(const std::vector<int64_t> block, q->IntList("weight_block_size"));
      d.Assume(
          "weight_dtype",
          absl::StrCat("FP8 e4m3 from quantization_config (",
                       block.empty() ? std::string("per-tensor scales")
                                     : absl::StrCat(absl::StrJoin(block, "x"), " weight blocks"),
                       "); activations FP8 (activation_scheme ", scheme.value_or("unstated"),
                       ") with 1x128 per-token scales; embedding and LM head stay ",
                       pb::DType_Name(base)));
    } else if (*method == "mxfp4") {
      weight = pb::FP4;
      d.Assume(
          "weight_dtype",
          absl::StrCat("FP4 from quantization_config (MXFP4: e2m1 with one e8m0 scale per 32); "
                       "activations stay ",
                       pb::DType_Name(base), " (FP4 weights dequantised into ",
                       pb::DType_Name(base), " GEMMs)"));
      PM_ASSIGN_OR_RETURN(const std::vector<std::string> skipped,
                          q->StringList("modules_to_not_convert"));
      std::vector<std::string> linear;
      for (const std::string& s : skipped) {
        if (s.find("self_attn") != std::string::npos) linear.push_back(s);
      }
      if (!linear.empty()) {
        attention_weights = base;
        d.Assume("attention_weight_dtype",
                 absl::StrCat(pb::DType_Name(base), ": ", absl::StrJoin(linear, ", "),
                              " stay unquantised (quantization_config.modules_to_not_convert)"));
      }
    } else if (*method == "modelopt") {
      PM_ASSIGN_OR_RETURN(const std::optional<std::string> algo, q->OptString("quant_algo"));
      if (algo == "FP8") {
        weight = activation = pb::FP8;
      } else if (algo == "NVFP4") {
        weight = activation = pb::FP4;
      } else {
        return q->Error("quant_algo", absl::StrCat("'", algo.value_or(""),
                                                   "' is not supported (expected FP8 or NVFP4)"));
      }
      PM_ASSIGN_OR_RETURN(const std::optional<std::string> kv_algo,
                          q->OptString("kv_cache_quant_algo"));
      if (kv_algo == "FP8") kv = pb::FP8, kv_from_config = true;
      PM_ASSIGN_OR_RETURN(const std::optional<pb::DType> kv_scheme,
                          FloatBits(*q, "kv_cache_scheme"));
      if (kv_scheme.has_value()) kv = *kv_scheme, kv_from_config = true;
    } else if (*method == "compressed-tensors") {
      PM_ASSIGN_OR_RETURN(const std::optional<Config> groups, q->Object("config_groups"));
      if (!groups.has_value()) return q->Error("config_groups", "required key is missing");
      PM_ASSIGN_OR_RETURN(const std::optional<Config> g, groups->Object("group_0"));
      if (!g.has_value()) return groups->Error("group_0", "required key is missing");
      PM_ASSIGN_OR_RETURN(const std::optional<pb::DType> w, FloatBits(*g, "weights"));
      if (!w.has_value()) return g->Error("weights", "required key is missing");
      weight = *w;
      PM_ASSIGN_OR_RETURN(const std::optional<pb::DType> a, FloatBits(*g, "input_activations"));
      if (a.has_value()) activation = *a;
      PM_ASSIGN_OR_RETURN(const std::optional<pb::DType> kv_scheme,
                          FloatBits(*q, "kv_cache_scheme"));
      if (kv_scheme.has_value()) kv = *kv_scheme, kv_from_config = true;
    } else {
      return q->Error("quant_method",
                      absl::StrCat("'", *method,
                                   "' is not supported (expected fp8, mxfp4, modelopt or "
                                   "compressed-tensors; perfmodel has no integer weight dtype)"));
    }
  }
  if (options.kv_cache_dtype.has_value()) {
    kv = *options.kv_cache_dtype;
  } else if (!kv_from_config) {
    d.Assume("kv_cache_dtype",
             absl::StrCat(pb::DType_Name(kv),
                          ": the model's dtype (a serving engine's --kv-cache-dtype auto); the "
                          "config does not say"));
  }
  const pb::DType attention = (kv == pb::FP16 || kv == pb::FP32) ? kv : pb::BF16;
  d.Assume("attention_dtype",
           absl::StrCat(pb::DType_Name(attention),
                        ": attention math (FlashAttention / FlashMLA) runs in 16-bit; the config "
                        "does not say"));
  d.model.set_weight_dtype(weight);
  if (attention_weights.has_value() && *attention_weights != weight) {
    d.model.set_attention_weight_dtype(*attention_weights);
  }
  d.model.set_activation_dtype(activation);
  d.model.set_kv_cache_dtype(kv);
  d.model.set_attention_dtype(attention);
  d.model.set_head_dtype(base);
  return absl::OkStatus();
}

// Attention patterns: sliding windows, sinks, sparse attention ---------------

// ReadSlidingWindow() maps a config's sliding-window attention to the model's
// sliding_window: per layer from layer_types (gpt-oss; newer Qwen and Mistral
// configs), else Qwen2's use_sliding_window (the layers from
// max_window_layers on slide: transformers' Qwen2Config), else a positive
// sliding_window on every layer (Mistral, Mixtral). GQA families only.
absl::Status ReadSlidingWindow(const Config& c, int64_t layers, Draft& d) {
  PM_ASSIGN_OR_RETURN(const std::optional<int64_t> window, c.OptInt("sliding_window"));
  PM_ASSIGN_OR_RETURN(const std::vector<std::string> layer_types, c.StringList("layer_types"));
  std::vector<int64_t> sliding;
  if (!layer_types.empty()) {
    if (static_cast<int64_t>(layer_types.size()) != layers) {
      return c.Error("layer_types", absl::StrCat("must list num_hidden_layers (", layers,
                                                 ") layers, got ", layer_types.size()));
    }
    for (std::size_t i = 0; i < layer_types.size(); ++i) {
      if (layer_types[i] == "sliding_attention") {
        sliding.push_back(static_cast<int64_t>(i));
      } else if (layer_types[i] != "full_attention") {
        return c.Error("layer_types", absl::StrCat("layer ", i, ": '", layer_types[i],
                                                   "' is not sliding_attention or full_attention"));
      }
    }
  } else if (window.has_value() && *window > 0) {
    PM_ASSIGN_OR_RETURN(const bool use_sliding, c.BoolOr("use_sliding_window", true));
    if (c.Has("use_sliding_window")) {
      if (use_sliding) {
        PM_ASSIGN_OR_RETURN(const int64_t full, c.IntOr("max_window_layers", layers, 0));
        for (int64_t i = full; i < layers; ++i) sliding.push_back(i);
      }
    } else {
      for (int64_t i = 0; i < layers; ++i) sliding.push_back(i);
    }
  }
  if (sliding.empty()) return absl::OkStatus();
  if (!window.has_value()) {
    return c.Error("sliding_window", "required key is missing (layer_types has sliding layers)");
  }
  if (*window <= 0) return c.Error("sliding_window", absl::StrCat("must be > 0, got ", *window));
  pb::SlidingWindow& w = *d.model.mutable_sliding_window();
  w.set_window_tokens(*window);
  for (const int64_t i : sliding) w.add_layers(i);
  return absl::OkStatus();
}

// ReadSparseAttention() maps DeepSeek sparse attention (V3.2's index_topk,
// index_n_heads, index_head_dim) to mla.sparse.
absl::Status ReadSparseAttention(const Config& c, Draft& d) {
  PM_ASSIGN_OR_RETURN(const std::optional<int64_t> topk, c.OptInt("index_topk"));
  if (!topk.has_value()) return absl::OkStatus();
  if (*topk <= 0) return c.Error("index_topk", absl::StrCat("must be > 0, got ", *topk));
  if (!d.model.has_mla()) {
    return c.Error("index_topk", "DeepSeek sparse attention needs MLA (a DeepSeek family)");
  }
  PM_ASSIGN_OR_RETURN(const int64_t heads, c.Positive("index_n_heads"));
  PM_ASSIGN_OR_RETURN(const int64_t dim, c.Positive("index_head_dim"));
  pb::SparseIndexer& x = *d.model.mutable_mla()->mutable_sparse();
  x.set_topk(*topk);
  x.set_heads(heads);
  x.set_head_dim(dim);
  return absl::OkStatus();
}

absl::Status ReadAttentionPattern(Family family, const Config& c, int64_t layers, Draft& d) {
  if (d.model.has_gqa()) PM_RETURN_IF_ERROR(ReadSlidingWindow(c, layers, d));
  if (family == Family::kGptOss) {
    d.model.mutable_gqa()->set_sinks(true);
    d.Assume("gqa.sinks",
             "true: gpt-oss attention has one learned sink logit per head (transformers' "
             "GptOssAttention.sinks; the config has no key for it)");
  }
  return ReadSparseAttention(c, d);
}

// Warnings: what changes the cost and is not modelled ------------------------

absl::Status WarnUnmodelled(const Config& root, const Config& c, int64_t layers, Draft& d) {
  // Llama 4: chunked local attention on the RoPE layers.
  PM_ASSIGN_OR_RETURN(const std::optional<int64_t> chunk, c.OptInt("attention_chunk_size"));
  if (chunk.has_value() && *chunk > 0) {
    PM_ASSIGN_OR_RETURN(const std::vector<int64_t> no_rope, c.IntList("no_rope_layers"));
    int64_t chunked = 0;
    if (!no_rope.empty()) {
      chunked = std::count(no_rope.begin(), no_rope.end(), 1);  // 1: the layer uses RoPE
    } else {
      PM_ASSIGN_OR_RETURN(const int64_t interval, c.IntOr("no_rope_layer_interval", 4, 1));
      for (int64_t i = 0; i < layers; ++i) chunked += (i + 1) % interval != 0;
    }
    d.Warn(c.Key("attention_chunk_size"),
           absl::StrCat(chunked, " of ", layers, " layers attend within chunks of ", *chunk,
                        " tokens (the others, NoPE, the whole context): not modelled, every "
                        "layer is costed with full attention (overestimates beyond ",
                        *chunk, " tokens)"));
  }
  PM_ASSIGN_OR_RETURN(const bool tied, c.BoolOr("tie_word_embeddings", false));
  if (tied) {
    d.Warn(c.Key("tie_word_embeddings"),
           "the embedding and the LM head share one matrix: perfmodel counts two (weight memory "
           "overestimated by vocab_size x hidden_size)");
  }
  for (const absl::string_view key : {"vision_config", "audio_config"}) {
    if (root.Has(key)) {
      d.Warn(std::string(key),
             "the encoder is not modelled: text decode and prefill only (no image or audio "
             "tokens)");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<ImportResult> Import(const Config& root, absl::string_view origin,
                                    const ImportOptions& options) {
  PM_ASSIGN_OR_RETURN(const std::vector<std::string> archs, root.StringList("architectures"));
  if (archs.empty()) return root.Error("architectures", "required key is missing");
  const ArchitectureEntry* entry = nullptr;
  for (const std::string& a : archs) {
    for (const ArchitectureEntry& e : Entries()) {
      if (e.info.name == a && entry == nullptr) entry = &e;
    }
  }
  if (entry == nullptr) {
    std::vector<absl::string_view> names;
    for (const ArchitectureEntry& e : Entries()) names.push_back(e.info.name);
    return root.Error("architectures",
                      absl::StrCat("unknown architecture '", absl::StrJoin(archs, "', '"),
                                   "' (supported: ", absl::StrJoin(names, ", "), ")"));
  }
  PM_ASSIGN_OR_RETURN(const std::optional<Config> nested, root.Object("text_config"));
  const Config& c = nested.has_value() ? *nested : root;

  Draft d;
  PM_ASSIGN_OR_RETURN(const std::optional<std::string> path, root.OptString("_name_or_path"));
  PM_ASSIGN_OR_RETURN(const std::optional<std::string> model_type, root.OptString("model_type"));
  std::string name = options.name;
  if (name.empty() && path.has_value() && !path->empty()) {
    const std::vector<std::string> parts = absl::StrSplit(*path, '/', absl::SkipEmpty());
    if (!parts.empty()) name = parts.back();
  }
  if (name.empty()) name = model_type.value_or(std::string(entry->info.name));
  d.model.set_name(name);

  PM_ASSIGN_OR_RETURN(const int64_t hidden, c.Positive("hidden_size"));
  PM_ASSIGN_OR_RETURN(const int64_t vocab, c.Positive("vocab_size"));
  PM_ASSIGN_OR_RETURN(const int64_t layers, c.Positive("num_hidden_layers"));
  // The loader's limit, checked before a kind is listed per layer: 4e12
  // layers asked for a 16 TB list (an out-of-memory abort under
  // //fuzz:hf_config_fuzzer).
  if (layers > limits::kMaxLayers) {
    return c.Error("num_hidden_layers",
                   absl::StrCat("must be <= ", limits::kMaxLayers,
                                " (no model has so many layers), got ", layers));
  }
  PM_ASSIGN_OR_RETURN(const int64_t heads, c.Positive("num_attention_heads"));
  d.model.set_hidden_size(hidden);
  d.model.set_vocab_size(vocab);
  if (entry->family == Family::kDeepSeek) {
    PM_RETURN_IF_ERROR(ReadMla(c, heads, d));
  } else {
    PM_RETURN_IF_ERROR(ReadGqa(c, hidden, heads, d));
  }
  PM_RETURN_IF_ERROR(ReadLayers(entry->family, c, layers, d));
  if (!d.model.has_mtp_modules()) d.model.set_mtp_modules(0);
  PM_RETURN_IF_ERROR(ReadDtypes(root, c, options, d));
  PM_ASSIGN_OR_RETURN(const std::optional<int64_t> context, c.OptInt("max_position_embeddings"));
  if (context.has_value()) {
    if (*context <= 0) {
      return c.Error("max_position_embeddings", absl::StrCat("must be > 0, got ", *context));
    }
    d.model.set_max_context_tokens(*context);
  } else {
    d.Assume(c.Key("max_position_embeddings"), "absent: the context length is not checked");
  }
  PM_RETURN_IF_ERROR(ReadAttentionPattern(entry->family, c, layers, d));
  PM_RETURN_IF_ERROR(WarnUnmodelled(root, c, layers, d));
  d.model.set_source(absl::StrCat("Hugging Face config.json ", origin, " (", entry->info.name,
                                  "), imported by //tools:import_hf"));

  ImportResult r{.model = std::move(d.model),
                 .architecture = std::string(entry->info.name),
                 .assumptions = std::move(d.assumptions),
                 .warnings = std::move(d.warnings)};
  // What we return must load as a model.
  PM_RETURN_IF_ERROR(ParseModel(ModelTextproto(r, origin), origin).status());
  return r;
}

// Comment() is `text` as one textproto comment line: a control character
// (a newline in a config's _name_or_path or modules_to_not_convert) becomes
// a space, or the rest of the line would be read as fields of the model
// written (//fuzz:hf_config_fuzzer's round-trip check).
std::string Comment(absl::string_view text) {
  std::string line = absl::StrCat("# ", text, "\n");
  for (std::size_t i = 0; i + 1 < line.size(); ++i) {
    const unsigned char ch = static_cast<unsigned char>(line[i]);
    if (ch < 0x20 || ch == 0x7f) line[i] = ' ';
  }
  return line;
}

}  // namespace

const std::vector<Architecture>& SupportedArchitectures() {
  static const auto* v = [] {
    auto* out = new std::vector<Architecture>;
    for (const ArchitectureEntry& e : Entries()) out->push_back(e.info);
    return out;
  }();
  return *v;
}

absl::StatusOr<ImportResult> ImportConfig(absl::string_view json, absl::string_view origin,
                                          const ImportOptions& options) {
  // RapidJSON's default number conversion, not kParseFullPrecisionFlag: its
  // full-precision strtod (1.1.0) passes 0 to __builtin_clz() (undefined) on
  // a zero with a large exponent such as "rms_norm_eps": 0e-45 (found by
  // //fuzz:hf_config_fuzzer). The importer reads integers only: they parse as
  // integers, and a double that is a whole number below 2^53 (e.g. 4096.0)
  // comes out exact either way.
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError()) {
    return absl::InvalidArgumentError(absl::StrCat(
        origin, ":", LineColumn(json, doc.GetErrorOffset()), ": malformed JSON (offset ",
        doc.GetErrorOffset(), "): ", rapidjson::GetParseError_En(doc.GetParseError())));
  }
  if (!doc.IsObject()) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": the top level must be an object, got ", JsonTypeName(doc)));
  }
  return Import(Config(doc, std::string(origin), ""), origin, options);
}

absl::StatusOr<ImportResult> ImportConfigFile(absl::string_view path,
                                              const ImportOptions& options) {
  PM_ASSIGN_OR_RETURN(const std::string text, ReadFile(path));
  return ImportConfig(text, path, options);
}

std::string ModelTextproto(const ImportResult& result, absl::string_view origin) {
  std::string out = Comment(absl::StrCat(result.model.name(), ", imported from ", origin, " (",
                                         result.architecture, ") by //tools:import_hf."));
  for (const ImportNote& n : result.assumptions) {
    absl::StrAppend(&out, Comment(absl::StrCat("assumed: ", n.key, ": ", n.text)));
  }
  for (const ImportNote& n : result.warnings) {
    absl::StrAppend(&out, Comment(absl::StrCat("not modelled: ", n.key, ": ", n.text)));
  }
  std::string body;
  google::protobuf::TextFormat::PrintToString(result.model, &body);
  absl::StrAppend(&out, body);
  return out;
}

}  // namespace perfmodel::hf
