// File: hf/import.h
// -----------------------------------------------------------------------------
//
// Reads a Hugging Face `config.json` into perfmodel's model description
// (proto/model.proto): the layer pattern, the attention kind and its
// dimensions, the mixture of experts, the multi-token-prediction modules, the
// dtypes (from `quantization_config` and `torch_dtype`) and the longest
// context (`max_position_embeddings`). A multimodal wrapper's `text_config` is
// followed. The result passes the model loader's validation (loader/load.h)
// before it is returned.
//
// What the config does not say is filled by a documented assumption (the
// KV-cache dtype, the attention math's dtype, ...), returned in
// `assumptions`; what the config says but perfmodel does not model (sliding
// windows, attention sinks, DeepSeek's sparse attention, chunked attention, a
// vision tower, ...) is returned in `warnings`, never dropped silently. Keys
// that do not change a decode or prefill step's cost (RoPE base and scaling,
// norm epsilons, dropout, initialiser ranges, token ids, router loss
// coefficients, routing score functions and scaling factors) are read by
// nobody and reported by nobody.
//
//   absl::StatusOr<ImportResult> r =
//       ImportConfig(json_text, "hf/testdata/deepseek_v3/config.json", {.name = "DeepSeek-V3"});
//   r->architecture                          // "DeepseekV3ForCausalLM"
//   r->model.mla().kv_lora_rank()            // 512
//   r->model.layer_groups(0).count()         // 3 (first_k_dense_replace)
//   r->assumptions.back().key                // "attention_dtype" (the config does not say)
//   r->warnings.empty()                      // true: nothing unmodelled
//
// Errors are InvalidArgument with one line naming the file and the key:
//
//   x/config.json:3:7: malformed JSON (offset 41): Missing a comma or '}' after an object member.
//   x/config.json: architectures: unknown architecture 'FooForCausalLM' (supported: ...)
//   x/config.json: text_config.hidden_size: required key is missing
//   x/config.json: num_experts_per_tok: must be <= n_routed_experts (8), got 9

#ifndef HF_IMPORT_H_
#define HF_IMPORT_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/model.pb.h"

namespace perfmodel::hf {

struct ImportOptions final {
  // The model's name. Empty: the config's `_name_or_path` (its last path
  // component), else its top-level `model_type`, else the architecture.
  std::string name = {};
  // The KV cache's dtype, which a config does not say (a serving engine's
  // flag). Unset: the model's dtype, listed as an assumption.
  std::optional<pb::DType> kv_cache_dtype = std::nullopt;
};

// One assumption or warning: the config key (or model field) it is about, and
// a sentence saying what was assumed or what is not modelled.
struct ImportNote final {
  std::string key;
  std::string text;
};

struct ImportResult final {
  pb::Model model;
  std::string architecture;  // the `architectures` entry that was mapped
  std::vector<ImportNote> assumptions;
  std::vector<ImportNote> warnings;
};

// ImportConfig() maps the text of a config.json to a model; `origin` (a path)
// starts every error message and is recorded in the model's `source`.
[[nodiscard]] absl::StatusOr<ImportResult> ImportConfig(absl::string_view json,
                                                        absl::string_view origin,
                                                        const ImportOptions& options = {});

// ImportConfigFile() reads `path` and imports it (NotFound names the path).
[[nodiscard]] absl::StatusOr<ImportResult> ImportConfigFile(absl::string_view path,
                                                            const ImportOptions& options = {});

// ModelTextproto() is the model as a textproto, headed by comments naming
// the config, its architecture, each assumption and each warning.
std::string ModelTextproto(const ImportResult& result, absl::string_view origin);

// One supported `architectures` entry and what it maps to, for the README and
// the unknown-architecture error.
struct Architecture final {
  absl::string_view name;     // e.g. "DeepseekV3ForCausalLM"
  absl::string_view maps_to;  // e.g. "MLA; DeepSeek MoE (first_k_dense_replace dense layers); MTP"
};

// SupportedArchitectures() lists every architecture ImportConfig() maps.
const std::vector<Architecture>& SupportedArchitectures();

}  // namespace perfmodel::hf

#endif  // HF_IMPORT_H_
