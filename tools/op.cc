// op: one op's what-if on one GPU, or every calibration kernel row beside
// perfmodel's prediction.
//
//   bazel run //tools:op -- --op=gemm --m=64 --n=2112 --k=7168 --dtype=fp8
//       --hw=hw/h800_sxm.textproto
//   bazel run //tools:op -- --op=mla_decode --batch=128 --q_len=1 --context=4096 --heads=64
//       --hw=hw/h100_sxm.textproto
//   bazel run //tools:op -- --op=prefill_attention --batch=2 --s_q=8192 --heads=128
//       --d_qk=192 --d_v=128 --hw=hw/b200.textproto      # FM-09's shape, causal, BF16
//   bazel run //tools:op -- --op=prefill_attention --s_q=4096 --cached=4096 --heads=128
//       --d_qk=576 --d_v=512 --kv_bytes=1152B           # absorbed MLA after a 4K prefix
//   bazel run //tools:op -- --op=dispatch --tokens=128 --ep=64 --transport=rdma
//   bazel run //tools:op -- --op=allreduce --bytes=64MiB --ranks=8    # or --bytes_mb=67.1
//   bazel run //tools:op -- --check_csv
//
// Exit codes (cli/cli.h): 0, or 2 with a one-line message naming the bad flag
// or file.

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/paths.h"
#include "base/status_macros.h"
#include "cli/choice_flags.h"
#include "cli/cli.h"
#include "cli/enum_flag.h"
#include "cli/flags.h"
#include "loader/load.h"
#include "measure/kernel_check.h"
#include "report/op_report.h"
#include "report/render.h"

ABSL_FLAG(std::optional<perfmodel::OpKind>, op, std::nullopt,
          "gemm, grouped_gemm, mla_decode, gqa_decode, prefill_attention, dispatch, combine, "
          "allreduce, allgather");
ABSL_FLAG(std::string, hw, "hw/h800_sxm.textproto", "hardware textproto");
ABSL_FLAG(std::optional<int64_t>, m, std::nullopt,
          "GEMM rows (tokens); grouped_gemm: rows per group");
ABSL_FLAG(std::optional<int64_t>, n, std::nullopt, "GEMM output columns");
ABSL_FLAG(std::optional<int64_t>, k, std::nullopt, "GEMM reduction depth");
ABSL_FLAG(int64_t, batch, 1, "gemm: batched GEMMs; attention: requests");
ABSL_FLAG(int64_t, groups, 1, "grouped_gemm: experts");
ABSL_FLAG(std::optional<perfmodel::DType>, dtype, std::nullopt,
          "fp32, bf16, fp16, fp8 or fp4: GEMM weights and activations, dispatch payload "
          "(default fp8); prefill_attention: its math and K/V (default bf16)");
ABSL_FLAG(int64_t, q_len, 1, "attention: query tokens per request");
ABSL_FLAG(std::optional<int64_t>, context, std::nullopt, "attention: KV length per request");
ABSL_FLAG(std::optional<int64_t>, heads, std::nullopt, "attention: query heads");
ABSL_FLAG(std::optional<int64_t>, kv_heads, std::nullopt,
          "gqa_decode: KV heads; prefill_attention: KV heads (default --heads)");
ABSL_FLAG(int64_t, head_dim, 128,
          "gqa_decode: head dimension; prefill_attention: the default "
          "of --d_qk");
ABSL_FLAG(std::optional<int64_t>, s_q, std::nullopt,
          "prefill_attention: new (query) tokens per sequence (--batch sequences)");
ABSL_FLAG(int64_t, cached, 0, "prefill_attention: cached tokens before them, per sequence");
ABSL_FLAG(std::optional<int64_t>, d_qk, std::nullopt,
          "prefill_attention: query/key head width (default --head_dim)");
ABSL_FLAG(std::optional<int64_t>, d_v, std::nullopt,
          "prefill_attention: value head width (default --d_qk)");
ABSL_FLAG(std::optional<perfmodel::Bytes>, kv_bytes, std::nullopt,
          "prefill_attention: KV bytes per token, every KV head (e.g. 1152B: MLA's BF16 latent); "
          "instead of --kv_heads");
ABSL_FLAG(bool, causal, true,
          "prefill_attention: causal; false: every new token attends every cached and new key");
ABSL_FLAG(int64_t, kv_lora, 512, "mla_decode: latent KV width");
ABSL_FLAG(int64_t, rope, 64, "mla_decode: decoupled RoPE key width");
ABSL_FLAG(std::optional<int64_t>, tokens, std::nullopt, "dispatch/combine: tokens per rank");
ABSL_FLAG(int64_t, topk, 8, "dispatch/combine: experts per token");
ABSL_FLAG(int64_t, hidden, 7168, "dispatch/combine: hidden size");
ABSL_FLAG(int64_t, ep, 8, "dispatch/combine: expert-parallel ranks");
ABSL_FLAG(perfmodel::Transport, transport, perfmodel::Transport::kAuto,
          "dispatch/combine: auto, nvlink or rdma");
ABSL_FLAG(perfmodel::EpKernels, ep_kernels, perfmodel::EpKernels::kLowLatency,
          "dispatch/combine: DeepEP's low_latency (decode) or normal (bulk) kernels");
ABSL_FLAG(std::optional<perfmodel::Bytes>, bytes, std::nullopt,
          "allreduce/allgather: buffer size, e.g. 64MiB or 1GB");
ABSL_FLAG(std::optional<double>, bytes_mb, std::nullopt, "--bytes in MB (10^6 bytes)");
ABSL_FLAG(int64_t, ranks, 1, "allreduce/allgather: ranks");
ABSL_FLAG(bool, check_csv, false, "print every calibration CSV kernel row beside the prediction");
ABSL_FLAG(std::string, csv, "calibration/kernels_and_specs.csv", "with --check_csv: the table");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "text, markdown, csv or json");

namespace perfmodel {
namespace {

// BufferFlag() is --bytes, or --bytes_mb in MB; at most one of them.
absl::StatusOr<std::optional<Bytes>> BufferFlag() {
  const std::optional<Bytes> bytes = absl::GetFlag(FLAGS_bytes);
  const std::optional<double> mb = absl::GetFlag(FLAGS_bytes_mb);
  PM_RETURN_IF_ERROR(
      AtMostOneFlag({{"bytes", bytes.has_value()}, {"bytes_mb", mb.has_value()}}).status());
  if (!mb.has_value()) return bytes;
  if (!(*mb > 0) || !std::isfinite(*mb)) {
    return absl::InvalidArgumentError(absl::StrCat("--bytes_mb: must be > 0, got ", *mb));
  }
  return Megabytes(*mb);
}

absl::Status Run(const ToolContext&, ToolOutput& out) {
  if (absl::GetFlag(FLAGS_check_csv)) {
    PM_ASSIGN_OR_RETURN(const std::vector<KernelCheck> rows,
                        CheckKernelTable(ResolveInput(absl::GetFlag(FLAGS_csv)), "hw"));
    out.Print(render::Render(KernelCheckDocument(rows), absl::GetFlag(FLAGS_format)));
    return absl::OkStatus();
  }
  const std::optional<OpKind> op = absl::GetFlag(FLAGS_op);
  PM_RETURN_IF_ERROR(RequiredFlag(
      {"op", op.has_value()},
      absl::StrCat("(one of ", EnumNameList(kOpKinds, OpKindName), "), or give --check_csv")));
  PM_ASSIGN_OR_RETURN(const std::optional<Bytes> bytes, BufferFlag());
  PM_RETURN_IF_ERROR(AtMostOneFlag({{"kv_heads", absl::GetFlag(FLAGS_kv_heads).has_value()},
                                    {"kv_bytes", absl::GetFlag(FLAGS_kv_bytes).has_value()}})
                         .status());
  const DType dtype = absl::GetFlag(FLAGS_dtype)
                          .value_or(*op == OpKind::kPrefillAttention ? DType::kBf16 : DType::kFp8);
  const OpParams p{.op = *op,
                   .m = absl::GetFlag(FLAGS_m),
                   .n = absl::GetFlag(FLAGS_n),
                   .k = absl::GetFlag(FLAGS_k),
                   .batch = absl::GetFlag(FLAGS_batch),
                   .groups = absl::GetFlag(FLAGS_groups),
                   .dtype = dtype,
                   .q_len = absl::GetFlag(FLAGS_q_len),
                   .context = absl::GetFlag(FLAGS_context),
                   .heads = absl::GetFlag(FLAGS_heads),
                   .kv_heads = absl::GetFlag(FLAGS_kv_heads),
                   .head_dim = absl::GetFlag(FLAGS_head_dim),
                   .kv_lora = absl::GetFlag(FLAGS_kv_lora),
                   .rope = absl::GetFlag(FLAGS_rope),
                   .tokens = absl::GetFlag(FLAGS_tokens),
                   .topk = absl::GetFlag(FLAGS_topk),
                   .hidden = absl::GetFlag(FLAGS_hidden),
                   .ep = absl::GetFlag(FLAGS_ep),
                   .transport = absl::GetFlag(FLAGS_transport),
                   .ep_kernels = absl::GetFlag(FLAGS_ep_kernels),
                   .bytes = bytes,
                   .ranks = absl::GetFlag(FLAGS_ranks),
                   .s_q = absl::GetFlag(FLAGS_s_q),
                   .cached = absl::GetFlag(FLAGS_cached),
                   .d_qk = absl::GetFlag(FLAGS_d_qk),
                   .d_v = absl::GetFlag(FLAGS_d_v),
                   .kv_bytes = absl::GetFlag(FLAGS_kv_bytes),
                   .causal = absl::GetFlag(FLAGS_causal)};
  PM_ASSIGN_OR_RETURN(const LoadedHardware hw, LoadHardware(ResolveInput(absl::GetFlag(FLAGS_hw))));
  PM_ASSIGN_OR_RETURN(const OpCost c, CostOp(p, hw.spec));
  out.Print(render::Render(OpDocument(p, c), absl::GetFlag(FLAGS_format)));
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

PERFMODEL_TOOL_MAIN(perfmodel::Run,
                    {.name = "op",
                     .usage = "Costs one op on one GPU, or checks the calibration kernel rows."})
