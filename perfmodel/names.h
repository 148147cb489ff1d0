// File: perfmodel/names.h
// -----------------------------------------------------------------------------
//
// The names of the ops and parts of a step: one table each, in enum order,
// read by the graph (the rows it emits), the loader and the nsys importer (the
// names a baseline or a rule may use) and the reports. Nothing else spells an
// op's name.
//
//   OpName(Op::kQB)              // == "q_b"
//   OpFromName("moe_up_gate")    // == Op::kMoeUpGate
//   OpFromName("conv")           // == std::nullopt
//   PartName(Part::kMtp)         // == "mtp"
//   CorrectionStandIn("sliding_attention")   // == "attention"

#ifndef PERFMODEL_NAMES_H_
#define PERFMODEL_NAMES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace perfmodel {

// Every op a step can hold.
enum class Op : uint8_t {
  // Attention block (MLA; GQA uses qkv_proj for the four projections).
  kAttnNorm,
  kQAKvA,
  kQKvNorm,
  kQB,
  kBmmQUk,
  kKvBProj,
  kQkvProj,
  kRope,
  kAttention,
  kBmmUv,
  kOProj,
  kOAllreduce,
  // Dense MLP.
  kMlpNorm,
  kMlpAllgather,
  kMlpUpGate,
  kMlpAct,
  kMlpDown,
  kMlpReducescatter,
  kMlpAllreduce,
  // MoE MLP.
  kRouter,
  kSharedUpGate,
  kSharedAct,
  kSharedDown,
  kDispatch,
  kMoeUpGate,
  kMoeAct,
  kMoeDown,
  kCombine,
  kMoePost,
  // MTP module and the head.
  kMtpNorms,
  kMtpEhProj,
  kFinalNorm,
  kLmHead,
  kSampling,
  // A sliding-window layer's attention (its own row: its count is the
  // part's sliding layers, `attention`'s the others).
  kSlidingAttention,
  // DeepSeek sparse attention's lightning indexer: its projections, and its
  // logits over the context with the top-k selection.
  kIndexerProj,
  kIndexer,
};

inline constexpr std::array<std::string_view, 37> kOpNames = {
    "attn_norm",
    "q_a_kv_a",
    "q_kv_norm",
    "q_b",
    "bmm_q_uk",
    "kv_b_proj",
    "qkv_proj",
    "rope",
    "attention",
    "bmm_uv",
    "o_proj",
    "o_allreduce",
    "mlp_norm",
    "mlp_allgather",
    "mlp_up_gate",
    "mlp_act",
    "mlp_down",
    "mlp_reducescatter",
    "mlp_allreduce",
    "router",
    "shared_up_gate",
    "shared_act",
    "shared_down",
    "dispatch",
    "moe_up_gate",
    "moe_act",
    "moe_down",
    "combine",
    "moe_post",
    "mtp_norms",
    "mtp_eh_proj",
    "final_norm",
    "lm_head",
    "sampling",
    "sliding_attention",
    "indexer_proj",
    "indexer",
};
inline constexpr std::size_t kOpCount = kOpNames.size();
static_assert(static_cast<std::size_t>(Op::kIndexer) + 1 == kOpCount,
              "kOpNames must name every Op, in enum order");

// OpName() is the op's name in rows, baselines and rules.
constexpr std::string_view OpName(Op o) { return kOpNames[static_cast<std::size_t>(o)]; }

// OpFromName() is the op called `name`, or nullopt when no op is.
constexpr std::optional<Op> OpFromName(std::string_view name) {
  for (std::size_t i = 0; i < kOpCount; ++i) {
    if (kOpNames[i] == name) return static_cast<Op>(i);
  }
  return std::nullopt;
}

// CorrectionStandIn() is the op whose per-op time corrections (a hardware
// file's op_correction, proto/hardware.proto) stand in for `op`'s where the
// file has none for `op` itself, or "" for none: a sliding-window layer's
// attention is the full layers' kernel over fewer keys, so `attention`'s
// correction is `sliding_attention`'s unless that has its own. Names, not
// Ops, because corrections hold names; one compare for any other op (it
// runs once per row, only when a file has corrections).
constexpr std::string_view CorrectionStandIn(std::string_view op) {
  return op == OpName(Op::kSlidingAttention) ? OpName(Op::kAttention) : std::string_view();
}

namespace names_internal {
constexpr bool Unique() {
  for (std::size_t i = 0; i < kOpCount; ++i) {
    for (std::size_t j = i + 1; j < kOpCount; ++j) {
      if (kOpNames[i] == kOpNames[j]) return false;
    }
  }
  return true;
}
}  // namespace names_internal
static_assert(names_internal::Unique(), "two ops share a name");

// The part of a step a row belongs to; dense and MoE are decoder layers.
enum class Part : uint8_t { kDense, kMoe, kMtp, kHead };
inline constexpr std::array<std::string_view, 4> kPartNames = {"dense", "moe", "mtp", "head"};
inline constexpr std::size_t kPartCount = kPartNames.size();

// PartName() is the part's name in rows and baselines (a baseline's layer kind).
constexpr std::string_view PartName(Part p) { return kPartNames[static_cast<std::size_t>(p)]; }

// PartFromName() is the part called `name`, or nullopt.
constexpr std::optional<Part> PartFromName(std::string_view name) {
  for (std::size_t i = 0; i < kPartCount; ++i) {
    if (kPartNames[i] == name) return static_cast<Part>(i);
  }
  return std::nullopt;
}

}  // namespace perfmodel

#endif  // PERFMODEL_NAMES_H_
