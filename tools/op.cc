// op: one op's what-if on one GPU, or every calibration kernel row beside
// perfmodel's prediction.
//
//   bazel run //tools:op -- --op=gemm --m=64 --n=2112 --k=7168 --dtype=fp8 --hw=hw/h800_sxm.textproto
//   bazel run //tools:op -- --op=mla_decode --batch=128 --q_len=1 --context=4096 --heads=64
//       --hw=hw/h100_sxm.textproto
//   bazel run //tools:op -- --op=dispatch --tokens=128 --ep=64 --transport=rdma
//   bazel run //tools:op -- --check_csv
//
// Exit status 0, or 2 with a one-line message naming the bad flag or file.

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "loader/load.h"
#include "cli/cli.h"
#include "measure/kernel_check.h"
#include "report/op_report.h"
#include "base/paths.h"
#include "report/render.h"

ABSL_FLAG(std::string, op, "", "gemm, grouped_gemm, mla_decode, gqa_decode, dispatch, combine, "
                               "allreduce, allgather");
ABSL_FLAG(std::string, hw, "hw/h800_sxm.textproto", "hardware textproto");
ABSL_FLAG(int64_t, m, 0, "GEMM rows (tokens); grouped_gemm: rows per group");
ABSL_FLAG(int64_t, n, 0, "GEMM output columns");
ABSL_FLAG(int64_t, k, 0, "GEMM reduction depth");
ABSL_FLAG(int64_t, batch, 1, "gemm: batched GEMMs; attention: requests");
ABSL_FLAG(int64_t, groups, 1, "grouped_gemm: experts");
ABSL_FLAG(std::string, dtype, "fp8", "fp8, bf16, fp16, fp4, fp32 (GEMMs; dispatch payload)");
ABSL_FLAG(int64_t, q_len, 1, "attention: query tokens per request");
ABSL_FLAG(int64_t, context, 0, "attention: KV length per request");
ABSL_FLAG(int64_t, heads, 0, "attention: query heads");
ABSL_FLAG(int64_t, kv_heads, 0, "gqa_decode: KV heads");
ABSL_FLAG(int64_t, head_dim, 128, "gqa_decode: head dimension");
ABSL_FLAG(int64_t, kv_lora, 512, "mla_decode: latent KV width");
ABSL_FLAG(int64_t, rope, 64, "mla_decode: decoupled RoPE key width");
ABSL_FLAG(int64_t, tokens, 0, "dispatch/combine: tokens per rank");
ABSL_FLAG(int64_t, topk, 8, "dispatch/combine: experts per token");
ABSL_FLAG(int64_t, hidden, 7168, "dispatch/combine: hidden size");
ABSL_FLAG(int64_t, ep, 8, "dispatch/combine: expert-parallel ranks");
ABSL_FLAG(std::string, transport, "auto", "dispatch/combine: auto, nvlink or rdma");
ABSL_FLAG(std::string, ep_kernels, "low_latency",
          "dispatch/combine: DeepEP's low_latency (decode) or normal (bulk) kernels");
ABSL_FLAG(double, bytes_mb, 0, "allreduce/allgather: buffer size in MB");
ABSL_FLAG(int64_t, ranks, 1, "allreduce/allgather: ranks");
ABSL_FLAG(bool, check_csv, false, "print every calibration CSV kernel row beside the prediction");
ABSL_FLAG(std::string, csv, "calibration/kernels_and_specs.csv", "with --check_csv: the table");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "text, markdown, csv or json");

namespace perfmodel {
namespace {

absl::Status Run(std::string* out) {
  if (absl::GetFlag(FLAGS_check_csv)) {
    absl::StatusOr<std::vector<KernelCheck>> rows =
        CheckKernelTable(ResolveInput(absl::GetFlag(FLAGS_csv)), "hw");
    if (!rows.ok()) return rows.status();
    *out = render::Render(KernelCheckDocument(*rows), absl::GetFlag(FLAGS_format));
    return absl::OkStatus();
  }
  const OpFlags f{.op = absl::GetFlag(FLAGS_op),
                  .m = absl::GetFlag(FLAGS_m),
                  .n = absl::GetFlag(FLAGS_n),
                  .k = absl::GetFlag(FLAGS_k),
                  .batch = absl::GetFlag(FLAGS_batch),
                  .groups = absl::GetFlag(FLAGS_groups),
                  .dtype = absl::GetFlag(FLAGS_dtype),
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
                  .bytes_mb = absl::GetFlag(FLAGS_bytes_mb),
                  .ranks = absl::GetFlag(FLAGS_ranks)};
  absl::StatusOr<LoadedHardware> hw = LoadHardware(ResolveInput(absl::GetFlag(FLAGS_hw)));
  if (!hw.ok()) return hw.status();
  absl::StatusOr<OpCost> c = CostOp(f, hw->spec);
  if (!c.ok()) return c.status();
  *out = render::Render(OpDocument(f, *c), absl::GetFlag(FLAGS_format));
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

int main(int argc, char* argv[]) {
  absl::SetProgramUsageMessage("Costs one op on one GPU, or checks the calibration kernel rows.");
  perfmodel::ParseCommandLineOrExit(argc, argv);
  std::string out;
  const absl::Status s = perfmodel::Run(&out);
  if (!s.ok()) return perfmodel::ExitCode("op", s);
  std::fputs(out.c_str(), stdout);
  return 0;
}
