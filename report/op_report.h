// File: report/op_report.h
// -----------------------------------------------------------------------------
//
// One op's what-if, for `bazel run //tools:op`: the quantities and time
// perfmodel gives a single kernel, to hold beside a kernel benchmark.
//
//   OpFlags f{.op = "gemm", .m = 64, .n = 2112, .k = 7168, .dtype = "fp8"};
//   absl::StatusOr<OpCost> c = CostOp(f, h800);
//   render::Render(OpDocument(f, *c), render::Format::kText);
//   //   gflop 1.94, hbm_mb 15.88, bound memory, kernel_us 9.9, tflops 196 ...
//
// Ops: gemm (m, n, k, batch, dtype), grouped_gemm (groups, m = rows per group,
// n, k, dtype), mla_decode (batch, q_len, context, heads, kv_lora, rope),
// gqa_decode (batch, q_len, context, heads, kv_heads, head_dim), dispatch and
// combine (tokens, topk, hidden, ep, transport, ep_kernels), allreduce and allgather
// (bytes_mb, ranks).

#ifndef REPORT_OP_REPORT_H_
#define REPORT_OP_REPORT_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "perfmodel/ops.h"
#include "measure/kernel_check.h"
#include "report/render.h"

namespace perfmodel {

struct OpFlags final {
  std::string op = {};
  int64_t m = 0, n = 0, k = 0, batch = 1, groups = 1;
  std::string dtype = "fp8";
  int64_t q_len = 1, context = 0, heads = 0, kv_heads = 0, head_dim = 128;
  int64_t kv_lora = 512, rope = 64;
  int64_t tokens = 0, topk = 8, hidden = 7168, ep = 8;
  std::string transport = "auto";
  std::string ep_kernels = "low_latency";  // dispatch/combine: low_latency or normal
  double bytes_mb = 0.0;
  int64_t ranks = 1;
};

// CostOp() validates the flags `f.op` needs (each must be >= 1; errors name the
// flag) and costs the op on `hw`.
[[nodiscard]] absl::StatusOr<OpCost> CostOp(const OpFlags& f, const HardwareSpec& hw);

// OpDocument() is one record: the op, its FLOPs, bytes, link bytes, bound,
// class, kernel time and achieved rates (TFLOP/s, GB/s of HBM or link).
render::Document OpDocument(const OpFlags& f, const OpCost& c);

// KernelCheckDocument() is the table of every calibration-CSV kernel row
// beside perfmodel's prediction (measure/kernel_check.h).
render::Document KernelCheckDocument(const std::vector<KernelCheck>& rows);

}  // namespace perfmodel

#endif  // REPORT_OP_REPORT_H_
