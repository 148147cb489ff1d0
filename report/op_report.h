// File: report/op_report.h
// -----------------------------------------------------------------------------
//
// One op's what-if, for `bazel run //tools:op`: the quantities and time
// perfmodel gives a single kernel, to hold beside a kernel benchmark.
//
//   OpParams p{.op = OpKind::kGemm, .m = 64, .n = 2112, .k = 7168, .dtype = DType::kFp8};
//   absl::StatusOr<OpCost> c = CostOp(p, h800);
//   render::Render(OpDocument(p, *c), render::Format::kText);
//   //   gflop 1.94, hbm_mb 15.88, bound memory, kernel_us 9.9, tflops 196 ...
//
// Ops: gemm (m, n, k, batch, dtype), grouped_gemm (groups, m = rows per group,
// n, k, dtype), mla_decode (batch, q_len, context, heads, kv_lora, rope),
// gqa_decode (batch, q_len, context, heads, kv_heads, head_dim),
// prefill_attention (batch, s_q, cached, heads, d_qk, d_v, kv_heads or
// kv_bytes, causal; dtype is its math's), dispatch and combine (tokens, topk,
// hidden, ep, transport, ep_kernels; dispatch: dtype is the payload's),
// allreduce and allgather (bytes, ranks).
//
//   // FM-09's shape: 2 prompts of 8K, 128 heads of 192 / 128, causal, BF16.
//   CostOp({.op = OpKind::kPrefillAttention, .batch = 2, .dtype = DType::kBf16, .heads = 128,
//           .s_q = 8192, .d_qk = 192, .d_v = 128}, b200);
//   //   gflop 5498, bound compute, tflops 1412

#ifndef REPORT_OP_REPORT_H_
#define REPORT_OP_REPORT_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "measure/kernel_check.h"
#include "perfmodel/ops.h"
#include "perfmodel/spec.h"
#include "perfmodel/units.h"
#include "report/render.h"

namespace perfmodel {

// The ops //tools:op costs. OpKindName(): "gemm", "grouped_gemm",
// "mla_decode", "gqa_decode", "prefill_attention", "dispatch", "combine",
// "allreduce", "allgather" (cli/choice_flags.h parses them as a flag).
enum class OpKind : uint8_t {
  kGemm,
  kGroupedGemm,
  kMlaDecode,
  kGqaDecode,
  kPrefillAttention,
  kDispatch,
  kCombine,
  kAllReduce,
  kAllGather,
};
inline constexpr std::array<OpKind, 9> kOpKinds = {
    OpKind::kGemm,      OpKind::kGroupedGemm,      OpKind::kMlaDecode,
    OpKind::kGqaDecode, OpKind::kPrefillAttention, OpKind::kDispatch,
    OpKind::kCombine,   OpKind::kAllReduce,        OpKind::kAllGather};
absl::string_view OpKindName(OpKind k);

// One op's shape. An empty optional is not given: each op requires the
// dimensions it has no default for (listed in the header comment).
struct OpParams final {
  OpKind op = OpKind::kGemm;
  std::optional<int64_t> m = std::nullopt, n = std::nullopt, k = std::nullopt;
  int64_t batch = 1, groups = 1;
  DType dtype = DType::kFp8;  // GEMM weights and activations; dispatch payload
  int64_t q_len = 1;
  std::optional<int64_t> context = std::nullopt, heads = std::nullopt, kv_heads = std::nullopt;
  int64_t head_dim = 128, kv_lora = 512, rope = 64;
  std::optional<int64_t> tokens = std::nullopt;
  int64_t topk = 8, hidden = 7168, ep = 8;
  Transport transport = Transport::kAuto;
  EpKernels ep_kernels = EpKernels::kLowLatency;
  std::optional<Bytes> bytes = std::nullopt;  // allreduce/allgather buffer
  int64_t ranks = 1;
  // prefill_attention: `batch` sequences of s_q new tokens after `cached`
  // cached ones each; head widths d_qk and d_v (head_dim when not given); the
  // KV entries read per token: kv_heads (heads when not given) x (d_qk + d_v)
  // in the math dtype, or kv_bytes (MLA's latent: 1152 B); causal, or every
  // new token attends every key (FlashMLA's sparse prefill: s_q x top-k pairs).
  std::optional<int64_t> s_q = std::nullopt;
  int64_t cached = 0;
  std::optional<int64_t> d_qk = std::nullopt, d_v = std::nullopt;
  std::optional<Bytes> kv_bytes = std::nullopt;
  bool causal = true;
};

// CostOp() checks the fields `p.op` needs and costs the op on `hw`. Errors
// (InvalidArgument) name the field: "k: required by gemm", "m: must be >= 1,
// got 0", "bytes: must be > 0, got 0 MB", "kv_bytes: conflicts with kv_heads";
// a count above the loader's limit for the same quantity (loader/load.h
// limits::: m, s_q, q_len and tokens 2^24, n and k 2^24, batch 2^20, groups
// 2^16, context and cached 2^27, heads 2^12, ...) is "m: must be <= 16777216,
// got ...", so every product the op helpers form fits in 64 bits.
[[nodiscard]] absl::StatusOr<OpCost> CostOp(const OpParams& p, const HardwareSpec& hw);

// OpDocument() is one record: the op, its FLOPs, bytes, link bytes, bound,
// class, kernel time and achieved rates (TFLOP/s, GB/s of HBM or link).
render::Document OpDocument(const OpParams& p, const OpCost& c);

// KernelCheckDocument() is the table of every calibration-CSV kernel row
// beside perfmodel's prediction (measure/kernel_check.h).
render::Document KernelCheckDocument(const std::vector<KernelCheck>& rows);

}  // namespace perfmodel

#endif  // REPORT_OP_REPORT_H_
