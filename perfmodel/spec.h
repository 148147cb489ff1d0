// File: perfmodel/spec.h
// -----------------------------------------------------------------------------
//
// Plain, constexpr-capable descriptions of a model, a GPU and a deployment: the
// values the cost model reads. They mirror the textproto schemas in proto/, but
// the core never sees protobuf: loader/ fills these from files, and the
// generated headers in models/ and hw/ fill them at compile time.
//
//   constexpr ModelSpec m = ...;             // from //models:deepseek_v3_spec
//   m.LayerCount(LayerKind::kMoe)            // == 58
//   BytesPerElement(DType::kFp8)             // == 1.0
//
// Every struct is a literal type (no std::string): names are fixed-capacity.

#ifndef PERFMODEL_SPEC_H_
#define PERFMODEL_SPEC_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "perfmodel/names.h"
#include "perfmodel/units.h"

namespace perfmodel {

// Name is a fixed-capacity, constexpr string for spec names. Longer names are
// cut at kCapacity - 1 characters.
class Name final {
 public:
  static constexpr std::size_t kCapacity = 48;
  constexpr Name() = default;
  constexpr Name(std::string_view s) {  // NOLINT: implicit from literals on purpose
    for (std::size_t i = 0; i < s.size() && i + 1 < kCapacity; ++i) data_[i] = s[i], size_ = i + 1;
  }
  constexpr std::string_view view() const { return std::string_view(data_.data(), size_); }
  friend constexpr bool operator==(const Name& a, const Name& b) { return a.view() == b.view(); }

 private:
  std::array<char, kCapacity> data_{};
  std::size_t size_ = 0;
};

enum class DType : uint8_t { kFp32, kBf16, kFp16, kFp8, kFp4 };

// One row per DType, in enum order: its name in files, flags and reports, and
// the storage size of one element (scales excluded).
struct DTypeInfo final {
  std::string_view name;
  double bytes = 0.0;
};
inline constexpr std::array<DTypeInfo, 5> kDTypes = {{
    {"fp32", 4.0}, {"bf16", 2.0}, {"fp16", 2.0}, {"fp8", 1.0}, {"fp4", 0.5}}};
static_assert(static_cast<std::size_t>(DType::kFp4) + 1 == kDTypes.size(),
              "kDTypes must describe every DType, in enum order");

// BytesPerElement() is the storage size of one element, scales excluded.
// (A table, not a switch: this runs several times per op on the hot path.)
constexpr double BytesPerElement(DType d) {
  const auto i = static_cast<std::size_t>(d);
  return i < kDTypes.size() ? kDTypes[i].bytes : 0.0;
}

// DTypeName() is the lower-case name used in reports ("fp8").
constexpr std::string_view DTypeName(DType d) {
  const auto i = static_cast<std::size_t>(d);
  return i < kDTypes.size() ? kDTypes[i].name : "?";
}

// DTypeFromName() is the DType called `name` ("bf16"), or false when none is.
constexpr bool DTypeFromName(std::string_view name, DType& out) {
  for (std::size_t i = 0; i < kDTypes.size(); ++i) {
    if (kDTypes[i].name == name) {
      out = static_cast<DType>(i);
      return true;
    }
  }
  return false;
}

enum class AttentionKind : uint8_t { kMla, kGqa };

struct MlaSpec final {
  friend constexpr bool operator==(const MlaSpec&, const MlaSpec&) = default;
  int64_t heads = 0;
  int64_t q_lora_rank = 0;  // 0: queries are projected directly from the hidden state
  int64_t kv_lora_rank = 0;
  int64_t qk_nope_head_dim = 0;
  int64_t qk_rope_head_dim = 0;
  int64_t v_head_dim = 0;
  // DeepSeek sparse attention (V3.2): each query attends only its top
  // `index_topk` cached tokens, picked by a lightning indexer of
  // `index_heads` x `index_head_dim` over the whole context. 0: dense MLA.
  int64_t index_topk = 0;
  int64_t index_heads = 0;
  int64_t index_head_dim = 0;

  constexpr bool Sparse() const { return index_topk > 0; }
};

struct GqaSpec final {
  friend constexpr bool operator==(const GqaSpec&, const GqaSpec&) = default;
  int64_t heads = 0;
  int64_t kv_heads = 0;
  int64_t head_dim = 0;
  bool sinks = false;  // one learned sink logit per head joins each softmax (gpt-oss)
};

struct MoeSpec final {
  friend constexpr bool operator==(const MoeSpec&, const MoeSpec&) = default;
  int64_t routed_experts = 0;
  int64_t experts_per_token = 0;
  int64_t shared_experts = 0;
  int64_t expert_intermediate_size = 0;  // one routed expert's inner width
  int64_t groups = 1;
  int64_t groups_per_token = 1;
  // The shared-expert block's inner width when it is not shared_experts x
  // expert_intermediate_size (Qwen2-MoE); 0: it is. Read it through
  // SharedIntermediateSize().
  int64_t shared_expert_intermediate_size = 0;

  // SharedIntermediateSize() is the inner width of the shared-expert block,
  // its experts together (0 without shared experts).
  constexpr int64_t SharedIntermediateSize() const {
    return shared_expert_intermediate_size > 0 ? shared_expert_intermediate_size
                                               : shared_experts * expert_intermediate_size;
  }
};

enum class LayerKind : uint8_t { kDense, kMoe };

constexpr std::string_view LayerKindName(LayerKind k) {
  return k == LayerKind::kDense ? "dense" : "moe";
}

struct LayerGroup final {
  friend constexpr bool operator==(const LayerGroup&, const LayerGroup&) = default;
  LayerKind kind = LayerKind::kDense;
  int64_t count = 0;
};

// Sliding-window attention: the sliding layers of each kind attend (and
// cache) only the last `window_tokens` tokens of a request, the query's own
// included; the other layers and the MTP module's attend the whole context.
struct SlidingWindowSpec final {
  friend constexpr bool operator==(const SlidingWindowSpec&, const SlidingWindowSpec&) = default;
  int64_t window_tokens = 0;  // 0: no sliding layers
  int64_t dense_layers = 0;   // sliding layers among the DENSE groups' layers
  int64_t moe_layers = 0;     // ... and the MOE groups'

  // Layers() is the sliding layers among the layers of `kind`.
  constexpr int64_t Layers(LayerKind kind) const {
    return kind == LayerKind::kDense ? dense_layers : moe_layers;
  }
};

struct ModelSpec final {
  friend constexpr bool operator==(const ModelSpec&, const ModelSpec&) = default;
  static constexpr std::size_t kMaxLayerGroups = 8;

  Name name;
  int64_t hidden_size = 0;
  int64_t vocab_size = 0;
  AttentionKind attention_kind = AttentionKind::kMla;
  MlaSpec mla;  // when attention_kind == kMla
  GqaSpec gqa;  // when attention_kind == kGqa
  int64_t dense_intermediate_size = 0;
  MoeSpec moe;
  std::array<LayerGroup, kMaxLayerGroups> layer_groups{};
  std::size_t layer_group_count = 0;
  int64_t mtp_modules = 0;
  LayerKind mtp_layer_kind = LayerKind::kMoe;
  DType weight_dtype = DType::kBf16;
  // The attention projections' weights when they differ from weight_dtype
  // (AttentionWeightDType()).
  std::optional<DType> attention_weight_dtype = {};
  DType activation_dtype = DType::kBf16;
  DType kv_cache_dtype = DType::kBf16;
  DType attention_dtype = DType::kBf16;
  DType head_dtype = DType::kBf16;
  int64_t max_context_tokens = 0;  // the longest sequence it serves; 0: unstated
  SlidingWindowSpec sliding;       // window_tokens 0: every layer attends the whole context

  // AttentionWeightDType() is the attention projections' weight dtype.
  constexpr DType AttentionWeightDType() const {
    return attention_weight_dtype.value_or(weight_dtype);
  }

  // LayerCount() is the number of decoder layers of `kind` (MTP excluded).
  constexpr int64_t LayerCount(LayerKind kind) const {
    int64_t n = 0;
    for (std::size_t i = 0; i < layer_group_count; ++i) {
      if (layer_groups[i].kind == kind) n += layer_groups[i].count;
    }
    return n;
  }
  // TotalLayers() is the number of decoder layers (MTP excluded).
  constexpr int64_t TotalLayers() const {
    return LayerCount(LayerKind::kDense) + LayerCount(LayerKind::kMoe);
  }
  constexpr bool HasLayerKind(LayerKind kind) const { return LayerCount(kind) > 0; }
};

// Op classes sharing an achieved-efficiency factor (see proto/hardware.proto).
enum class OpClass : uint8_t {
  kGemm,
  kGroupedGemm,
  kAttention,
  kElementwise,
  kScaleUp,
  kScaleOut,
  kScaleUpLowLatency,
};
inline constexpr std::size_t kOpClassCount = 7;

// IsLinkClass() says whether `c` is costed by its link efficiency (else by its
// compute and memory efficiencies).
constexpr bool IsLinkClass(OpClass c) {
  return c == OpClass::kScaleUp || c == OpClass::kScaleOut || c == OpClass::kScaleUpLowLatency;
}

constexpr std::string_view OpClassName(OpClass c) {
  switch (c) {
    case OpClass::kGemm: return "gemm";
    case OpClass::kGroupedGemm: return "grouped_gemm";
    case OpClass::kAttention: return "attention";
    case OpClass::kElementwise: return "elementwise";
    case OpClass::kScaleUp: return "scale_up";
    case OpClass::kScaleOut: return "scale_out";
    case OpClass::kScaleUpLowLatency: return "scale_up_low_latency";
  }
  return "?";
}

// Achieved fractions of the peaks for one op class.
struct Efficiency final {
  friend constexpr bool operator==(const Efficiency&, const Efficiency&) = default;
  double compute = 1.0;
  double memory = 1.0;
  double link = 1.0;
  double compute_fp8 = 0.0;  // with FP8 math; 0: as `compute`
  // The sparse decode kernel's (DeepSeek sparse attention: gathered top-k
  // entries); 0: as `compute`.
  double compute_sparse_decode = 0.0;
  // SCALE_UP_LOW_LATENCY: the time per message (token copy) sent over NVLink
  // beyond its bytes; zero for every other class.
  Duration per_message = {};

  // ComputeFor() is the compute share for math in `math`.
  constexpr double ComputeFor(DType math) const {
    return math == DType::kFp8 && compute_fp8 > 0.0 ? compute_fp8 : compute;
  }
};

// How a GEMM kernel library picks the output tile of a shape
// (proto/hardware.proto GemmTileRule).
enum class GemmTileRule : uint8_t {
  // block_m[0] rows while m <= 2 x block_m[0], else the last block_m; block_n[0]
  // columns, whatever the shape.
  kFixed,
  // DeepGEMM's get_best_configs() (SM90): the fewest waves over the SMs, then
  // the fullest last wave, then its tie-breaks (perfmodel/ops.h TilesOf()).
  kDeepGemmMinWaves,
};

// A GEMM kernel library as the cost model sees it: the output tiles its
// kernels come in, the rule that picks one per shape, and the rate at which
// one SM takes in a tile's A and B operands (zero: not a bound). Candidates
// ascend and are positive (the loader checks); what only they determine --
// each block_m's usable block_n, shifts, exact reciprocals -- is worked out
// here once, not per GEMM.
class GemmKernels final {
 public:
  static constexpr std::size_t kMaxBlockM = 4;
  static constexpr std::size_t kMaxBlockN = 32;

  // DeepGEMM's early fixed tiles: 64 rows for m <= 128, else 128, by 128.
  constexpr GemmKernels() : GemmKernels(GemmTileRule::kFixed, {64, 128}, {128}) {}
  constexpr GemmKernels(GemmTileRule rule, std::initializer_list<int64_t> block_m,
                        std::initializer_list<int64_t> block_n, int64_t max_short_side = 0,
                        BytesPerSecond sm_operand_feed = BytesPerSecond::Zero())
      : GemmKernels(rule, block_m.begin(), block_m.size(), block_n.begin(), block_n.size(),
                    max_short_side, sm_operand_feed) {}
  // From arrays (the loader's repeated fields); at most kMaxBlockM / kMaxBlockN
  // are kept.
  constexpr GemmKernels(GemmTileRule rule, const int64_t* block_m, std::size_t block_m_count,
                        const int64_t* block_n, std::size_t block_n_count, int64_t max_short_side,
                        BytesPerSecond sm_operand_feed)
      : rule_(rule), max_short_side_(max_short_side), sm_operand_feed_(sm_operand_feed) {
    block_m_count_ = block_m_count < kMaxBlockM ? block_m_count : kMaxBlockM;
    block_n_count_ = block_n_count < kMaxBlockN ? block_n_count : kMaxBlockN;
    for (std::size_t j = 0; j < block_n_count_; ++j) {
      block_n_[j] = block_n[j];
      // floor(x / d) == high 64 bits of x * (2^64 / d, rounded up) for every
      // 32-bit x (Lemire, Kaser and Kurz, "Faster remainder by direct
      // computation", 2019); zero (d = 1 or not positive) falls back to `/`.
      reciprocal_[j] = block_n[j] > 1 ? ~uint64_t{0} / static_cast<uint64_t>(block_n[j]) + 1 : 0;
    }
    for (std::size_t i = 0; i < block_m_count_; ++i) {
      block_m_[i] = block_m[i];
      shift_[i] = -1;
      for (int s = 0; s < 62; ++s) {
        if ((int64_t{1} << s) == block_m[i]) shift_[i] = static_cast<int8_t>(s);
      }
      // DeepGEMM: "the block sizes can not be too large, so at least one dim
      // less than 128": a tile's shorter side is at most max_short_side.
      std::size_t usable = block_n_count_;
      if (max_short_side_ > 0 && block_m[i] > max_short_side_) {
        usable = 0;
        while (usable < block_n_count_ && block_n_[usable] <= max_short_side_) ++usable;
      }
      usable_[i] = static_cast<uint8_t>(usable);
    }
    // Fingerprint(): what the tile choice depends on, hashed (FNV-1a),
    // never zero.
    uint64_t h = 0xcbf29ce484222325;
    auto mix = [&h](int64_t v) { h = (h ^ static_cast<uint64_t>(v)) * 0x100000001b3; };
    mix(static_cast<int64_t>(rule_));
    mix(max_short_side_);
    for (std::size_t i = 0; i < block_m_count_; ++i) mix(block_m_[i]);
    mix(-1);
    for (std::size_t k = 0; k < block_n_count_; ++k) mix(block_n_[k]);
    fingerprint_ = h | 1;
    // FirstAtLeast(): for each width w up to kTable, the first block_n >= w.
    exact_reciprocals_ = block_n_count_ > 0;
    for (std::size_t j = 0; j < block_n_count_; ++j) {
      exact_reciprocals_ = exact_reciprocals_ && reciprocal_[j] != 0;
    }
    std::size_t j = 0;
    for (std::size_t w = 0; w <= kTable; ++w) {
      while (j < block_n_count_ && block_n_[j] < static_cast<int64_t>(w)) ++j;
      first_at_least_[w] = static_cast<uint8_t>(j);
    }
  }

  constexpr GemmTileRule rule() const { return rule_; }
  constexpr std::size_t block_m_count() const { return block_m_count_; }
  constexpr std::size_t block_n_count() const { return block_n_count_; }
  constexpr int64_t block_m(std::size_t i) const { return block_m_[i]; }
  constexpr int64_t block_n(std::size_t j) const { return block_n_[j]; }
  constexpr int64_t max_short_side() const { return max_short_side_; }  // 0: any
  constexpr BytesPerSecond sm_operand_feed() const { return sm_operand_feed_; }
  // Usable() is how many block_n (the narrowest first) pair with block_m(i).
  constexpr std::size_t Usable(std::size_t i) const { return usable_[i]; }

  // RowTiles() is ceil(rows / block_m(i)), a shift for a power of two.
  constexpr int64_t RowTiles(int64_t rows, std::size_t i) const {
    const int s = shift_[i];
    return s >= 0 ? (rows + block_m_[i] - 1) >> s : (rows + block_m_[i] - 1) / block_m_[i];
  }
  // ColumnTiles() is ceil(n / block_n(j)) for n >= 1: a multiply, no divide,
  // for n below 2^31.
  constexpr int64_t ColumnTiles(int64_t n, std::size_t j) const {
    const uint64_t x = static_cast<uint64_t>(n - 1);
    if (reciprocal_[j] != 0 && x < (uint64_t{1} << 31)) {
      return static_cast<int64_t>((static_cast<unsigned __int128>(reciprocal_[j]) * x) >> 64) + 1;
    }
    return (n + block_n_[j] - 1) / block_n_[j];
  }

  // Fingerprint() is a hash of the candidates, rule and short-side limit:
  // equal for libraries that pick equal tiles (a memo's key, ops.h).
  constexpr uint64_t Fingerprint() const { return fingerprint_; }
  // ColumnTilesFast() is ColumnTiles(n, j) given n - 1 (below 2^31) and
  // ExactReciprocals(): no check, no divide.
  constexpr bool ExactReciprocals() const { return exact_reciprocals_; }
  constexpr int64_t ColumnTilesFast(uint64_t n_minus_1, std::size_t j) const {
    return static_cast<int64_t>((static_cast<unsigned __int128>(reciprocal_[j]) * n_minus_1) >>
                                64) +
           1;
  }
  // FirstAtLeast() is the index of the first block_n >= w (block_n_count()
  // when none is) for w <= kTable; beyond it, that of kTable: never past the
  // first block_n >= w.
  static constexpr std::size_t kTable = 256;
  constexpr std::size_t FirstAtLeast(int64_t w) const {
    return first_at_least_[w < 0 ? 0 : (w > static_cast<int64_t>(kTable) ? kTable : w)];
  }

  friend constexpr bool operator==(const GemmKernels&, const GemmKernels&) = default;

 private:
  GemmTileRule rule_ = GemmTileRule::kFixed;
  std::array<int64_t, kMaxBlockM> block_m_{};
  std::array<int64_t, kMaxBlockN> block_n_{};
  std::array<uint64_t, kMaxBlockN> reciprocal_{};
  std::array<int8_t, kMaxBlockM> shift_{};
  std::array<uint8_t, kMaxBlockM> usable_{};
  std::array<uint8_t, kTable + 1> first_at_least_{};
  bool exact_reciprocals_ = false;
  uint64_t fingerprint_ = 0;
  std::size_t block_m_count_ = 0;
  std::size_t block_n_count_ = 0;
  int64_t max_short_side_ = 0;
  BytesPerSecond sm_operand_feed_;
};

// A per-op time correction (proto/hardware.proto OpCorrection).
struct OpCorrection final {
  friend constexpr bool operator==(const OpCorrection&, const OpCorrection&) = default;
  Name op;          // "*": every op of the part
  Name part;        // "": every part
  double time_factor = 1.0;
};

namespace spec_internal {
// How one correction bears on an op in a part (HardwareSpec::TimeFactor()).
enum class CorrectionRole : uint8_t { kNone, kEveryOp, kOwn, kStandIn };

// RoleOf() is how `c` bears on `op` in `part`, `stand_in` being the op whose
// corrections stand in for `op`'s ("" for none).
constexpr CorrectionRole RoleOf(const OpCorrection& c, std::string_view op, std::string_view part,
                                std::string_view stand_in) {
  if (!c.part.view().empty() && c.part.view() != part) return CorrectionRole::kNone;
  const std::string_view name = c.op.view();
  if (name == op) return CorrectionRole::kOwn;
  if (name == "*") return CorrectionRole::kEveryOp;
  if (!stand_in.empty() && name == stand_in) return CorrectionRole::kStandIn;
  return CorrectionRole::kNone;
}
}  // namespace spec_internal

struct HardwareSpec final {
  friend constexpr bool operator==(const HardwareSpec&, const HardwareSpec&) = default;
  static constexpr std::size_t kMaxCorrections = 48;

  Name name;
  FlopsPerSecond bf16_dense;
  FlopsPerSecond fp8_dense;
  FlopsPerSecond fp4_dense;  // zero: no FP4 tensor cores
  FlopsPerSecond fp32;
  Bytes hbm_capacity;
  BytesPerSecond hbm_bandwidth;
  BytesPerSecond scale_up_bandwidth;   // per GPU per direction
  Duration scale_up_latency;
  BytesPerSecond scale_out_bandwidth;  // per GPU per direction
  Duration scale_out_latency;
  int64_t gpus_per_node = 8;
  int64_t sm_count = 0;
  Duration kernel_launch_overhead;
  std::array<Efficiency, kOpClassCount> efficiency{};
  std::array<OpCorrection, kMaxCorrections> corrections{};
  std::size_t correction_count = 0;
  // The GEMM kernel libraries (proto/hardware.proto): the one that runs FP8
  // and FP4 math (DeepGEMM on Hopper) and the one that runs BF16, FP16 and
  // FP32 math (cuBLAS).
  GemmKernels gemm_kernels;
  GemmKernels bf16_gemm_kernels;

  constexpr const Efficiency& EfficiencyOf(OpClass c) const {
    return efficiency[static_cast<std::size_t>(c)];
  }

  // GemmKernelsFor() is the library whose kernels run GEMMs of `math`.
  constexpr const GemmKernels& GemmKernelsFor(DType math) const {
    return math == DType::kFp8 || math == DType::kFp4 ? gemm_kernels : bf16_gemm_kernels;
  }

  // TimeFactor() is the product of the corrections that apply to `op` in
  // `part` (1 when none does): those of `part` or of every part that name
  // `op` or every op ("*"), and, when none of them names `op` itself, those
  // that name its stand-in (names.h CorrectionStandIn(): `attention`'s
  // apply to `sliding_attention` unless it has its own). Factors multiply
  // in file order; a stand-in's join last.
  constexpr double TimeFactor(std::string_view op, std::string_view part) const {
    using spec_internal::CorrectionRole;
    const std::string_view stand_in = CorrectionStandIn(op);
    double f = 1.0;
    double borrowed = 1.0;
    bool own = false;
    for (std::size_t i = 0; i < correction_count; ++i) {
      const OpCorrection& c = corrections[i];
      switch (spec_internal::RoleOf(c, op, part, stand_in)) {
        case CorrectionRole::kOwn:
          own = true;
          [[fallthrough]];
        case CorrectionRole::kEveryOp:
          f *= c.time_factor;
          break;
        case CorrectionRole::kStandIn:
          borrowed *= c.time_factor;
          break;
        case CorrectionRole::kNone:
          break;
      }
    }
    return own ? f : f * borrowed;
  }

  // Corrects() says whether corrections[i] is one of the factors of
  // TimeFactor(op, part) (false for i >= correction_count).
  constexpr bool Corrects(std::size_t i, std::string_view op, std::string_view part) const {
    using spec_internal::CorrectionRole;
    using spec_internal::RoleOf;
    if (i >= correction_count) return false;
    const std::string_view stand_in = CorrectionStandIn(op);
    const CorrectionRole role = RoleOf(corrections[i], op, part, stand_in);
    if (role != CorrectionRole::kStandIn) return role != CorrectionRole::kNone;
    for (std::size_t j = 0; j < correction_count; ++j) {
      if (RoleOf(corrections[j], op, part, stand_in) == CorrectionRole::kOwn) return false;
    }
    return true;
  }

  // PeakFlops() is the dense peak for math in `d`; FP16 runs at the BF16 rate
  // and a dtype the GPU lacks falls back to the next wider one it has.
  constexpr FlopsPerSecond PeakFlops(DType d) const {
    switch (d) {
      case DType::kFp4:
        if (fp4_dense > FlopsPerSecond::Zero()) return fp4_dense;
        [[fallthrough]];
      case DType::kFp8:
        if (fp8_dense > FlopsPerSecond::Zero()) return fp8_dense;
        [[fallthrough]];
      case DType::kBf16:
      case DType::kFp16:
        return bf16_dense;
      case DType::kFp32:
        return fp32;
    }
    return bf16_dense;
  }
};

// How expert-parallel communication overlaps compute (proto/deployment.proto).
enum class Overlap : uint8_t { kNone, kTwoMicroBatch, kRecvHook };

// Every Overlap, in enum order (names: OverlapName()).
inline constexpr std::array<Overlap, 3> kOverlaps = {Overlap::kNone, Overlap::kTwoMicroBatch,
                                                     Overlap::kRecvHook};

constexpr std::string_view OverlapName(Overlap o) {
  switch (o) {
    case Overlap::kNone: return "none";
    case Overlap::kTwoMicroBatch: return "two_micro_batch";
    case Overlap::kRecvHook: return "recv_hook";
  }
  return "?";
}

struct Parallelism final {
  friend constexpr bool operator==(const Parallelism&, const Parallelism&) = default;
  int64_t attention_dp = 1;
  int64_t attention_tp = 1;
  int64_t dense_tp = 1;
  int64_t moe_ep = 1;
  int64_t moe_tp = 1;
  int64_t redundant_experts = 0;
};

// The host's share of a step (proto/deployment.proto Host): per forward, per
// request on a DP rank, and without CUDA graphs the CPU's launch of every
// kernel, which idles the GPU where it issues slower than the GPU runs.
struct HostModel final {
  Duration per_step;
  Duration per_request;
  Duration per_launch;
  bool cuda_graphs = true;

  // Gap() is the host time between forwards of `forward` on the GPU that
  // launch `kernels` kernels for `requests` requests per DP rank.
  constexpr Duration Gap(int64_t requests, int64_t kernels, Duration forward) const {
    Duration gap = per_step + per_request * static_cast<double>(requests);
    if (!cuda_graphs) {
      const Duration issue = per_launch * static_cast<double>(kernels);
      if (issue > forward) gap += issue - forward;
    }
    return gap;
  }

  friend constexpr bool operator==(const HostModel&, const HostModel&) = default;
};

// How a model replica is laid out: GPUs, per-module parallelism, overlap and
// the memory the engine keeps back. What a step serves is a WorkloadSpec.
struct DeploymentSpec final {
  Name name;
  int64_t gpus = 1;
  Parallelism parallel;
  Overlap overlap = Overlap::kNone;
  Bytes memory_reserve_per_gpu;
  // The engine's KV-cache dtype and attention-kernel math; unset: the model's.
  std::optional<DType> kv_cache_dtype;
  std::optional<DType> attention_dtype;
  int64_t comm_sms = 0;  // SMs the all-to-all kernels hold (proto/deployment.proto)
  HostModel host;        // added to the workload's host gap; zero: none

  friend constexpr bool operator==(const DeploymentSpec&, const DeploymentSpec&) = default;
};

// KvCacheDType() and AttentionDType() are what the step runs with: the
// deployment's choice, else the model's. (The absorbed MLA products' W_uk and
// W_uv stay in the model's attention dtype.)
constexpr DType KvCacheDType(const ModelSpec& m, const DeploymentSpec& d) {
  return d.kv_cache_dtype.value_or(m.kv_cache_dtype);
}
constexpr DType AttentionDType(const ModelSpec& m, const DeploymentSpec& d) {
  return d.attention_dtype.value_or(m.attention_dtype);
}

// How tokens choose experts (perfmodel/routing.h): uniformly, or with a
// power-law popularity over experts; EPLB evens the ranks' expected loads.
enum class RoutingSkew : uint8_t { kUniform, kPowerLaw };

struct RoutingSpec final {
  RoutingSkew skew = RoutingSkew::kUniform;
  double power_law_exponent = 0.0;  // the i-th most popular expert ∝ i^-a
  bool eplb = false;
  // When set (>= 1): the hottest EP rank's pairs are this times the mean and
  // every local expert is active, instead of the routing statistics.
  std::optional<double> expert_imbalance;

  friend constexpr bool operator==(const RoutingSpec&, const RoutingSpec&) = default;
};

// Which half of serving a step does: prefill (a prompt's tokens through the
// model, its KV cache written) or decode (one token per request, plus drafts).
enum class Phase : uint8_t { kDecode, kPrefill };

inline constexpr std::array<Phase, 2> kPhases = {Phase::kDecode, Phase::kPrefill};
constexpr std::string_view PhaseName(Phase p) { return p == Phase::kDecode ? "decode" : "prefill"; }

// What one step serves on each attention DP rank: requests, their context,
// MTP drafts and acceptance, the host's gap between forwards, and how its
// tokens are routed to experts. A prefill workload is `batch_per_dp` prompts
// of `prompt_tokens` arriving together, a share `prefix_cache_hit` of each
// already cached, fed `chunk_tokens` at a time (0: all in one forward).
struct WorkloadSpec final {
  Name name;
  int64_t batch_per_dp = 1;
  int64_t mtp_draft_tokens = 0;
  double accepted_tokens_per_step = 1.0;
  int64_t context_tokens = 0;
  Duration host_gap;
  RoutingSpec routing;
  Phase phase = Phase::kDecode;
  int64_t prompt_tokens = 0;      // prefill: each prompt's length
  int64_t chunk_tokens = 0;       // prefill: tokens per forward per rank; 0: unchunked
  double prefix_cache_hit = 0.0;  // prefill: share of a prompt found cached, [0, 1)

  // TokensPerRequestPerStep() is how many query tokens each request feeds one
  // forward: the last accepted token plus the drafts to verify.
  constexpr int64_t TokensPerRequestPerStep() const { return 1 + mtp_draft_tokens; }

  friend constexpr bool operator==(const WorkloadSpec&, const WorkloadSpec&) = default;
};

}  // namespace perfmodel

#endif  // PERFMODEL_SPEC_H_
