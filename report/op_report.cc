#include "report/op_report.h"

#include <cmath>
#include <initializer_list>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"

namespace perfmodel {
namespace {

// AllPositive() names the first flag below 1.
absl::Status AllPositive(std::initializer_list<std::pair<absl::string_view, int64_t>> flags) {
  for (const auto& [flag, v] : flags) {
    if (v < 1)
      return absl::InvalidArgumentError(absl::StrCat("--", flag, ": must be >= 1, got ", v));
  }
  return absl::OkStatus();
}

absl::StatusOr<DType> ParseDType(absl::string_view s) {
  if (s == "fp8") return DType::kFp8;
  if (s == "bf16") return DType::kBf16;
  if (s == "fp16") return DType::kFp16;
  if (s == "fp4") return DType::kFp4;
  if (s == "fp32") return DType::kFp32;
  return absl::InvalidArgumentError(
      absl::StrCat("--dtype: must be fp8, bf16, fp16, fp4 or fp32, got '", s, "'"));
}

absl::StatusOr<Transport> ParseTransport(absl::string_view s) {
  if (s == "auto") return Transport::kAuto;
  if (s == "nvlink") return Transport::kNvlink;
  if (s == "rdma") return Transport::kRdma;
  return absl::InvalidArgumentError(
      absl::StrCat("--transport: must be auto, nvlink or rdma, got '", s, "'"));
}

absl::StatusOr<EpKernels> ParseEpKernels(absl::string_view s) {
  if (s == "low_latency") return EpKernels::kLowLatency;
  if (s == "normal") return EpKernels::kNormal;
  return absl::InvalidArgumentError(
      absl::StrCat("--ep_kernels: must be low_latency or normal, got '", s, "'"));
}

}  // namespace

absl::StatusOr<OpCost> CostOp(const OpFlags& f, const HardwareSpec& hw) {
  absl::StatusOr<DType> dtype = ParseDType(f.dtype);
  if (!dtype.ok()) return dtype.status();
  const GemmTypes types = *dtype == DType::kFp8 || *dtype == DType::kFp4
                              ? GemmTypes{*dtype, *dtype, DType::kBf16, *dtype}
                              : GemmTypes{*dtype, *dtype, *dtype, *dtype};
  if (f.op == "gemm") {
    PM_RETURN_IF_ERROR(AllPositive({{"m", f.m}, {"n", f.n}, {"k", f.k}, {"batch", f.batch}}));
    return Gemm({f.m, f.n, f.k, f.batch}, types, hw);
  }
  if (f.op == "grouped_gemm") {
    PM_RETURN_IF_ERROR(AllPositive({{"m", f.m}, {"n", f.n}, {"k", f.k}, {"groups", f.groups}}));
    return GroupedGemm(static_cast<double>(f.m), f.groups, f.n, f.k, types, hw);
  }
  if (f.op == "mla_decode" || f.op == "gqa_decode") {
    PM_RETURN_IF_ERROR(AllPositive(
        {{"batch", f.batch}, {"q_len", f.q_len}, {"context", f.context}, {"heads", f.heads}}));
    const double b = static_cast<double>(f.batch), ctx = static_cast<double>(f.context);
    const int64_t queries = f.batch * f.q_len;
    if (f.op == "mla_decode") {
      PM_RETURN_IF_ERROR(AllPositive({{"kv_lora", f.kv_lora}, {"rope", f.rope}}));
      const MlaSpec mla{f.heads, 0, f.kv_lora, 128, f.rope, 128};
      return MlaDecodeAttention(queries, f.heads, static_cast<double>(queries) * ctx, b * ctx, mla,
                                DType::kBf16, DType::kBf16, hw);
    }
    PM_RETURN_IF_ERROR(AllPositive({{"kv_heads", f.kv_heads}, {"head_dim", f.head_dim}}));
    return GqaDecodeAttention(queries, f.heads, f.kv_heads, f.head_dim,
                              static_cast<double>(queries) * ctx, b * ctx, DType::kBf16,
                              DType::kBf16, hw);
  }
  if (f.op == "dispatch" || f.op == "combine") {
    PM_RETURN_IF_ERROR(
        AllPositive({{"tokens", f.tokens}, {"topk", f.topk}, {"hidden", f.hidden}, {"ep", f.ep}}));
    absl::StatusOr<Transport> t = ParseTransport(f.transport);
    if (!t.ok()) return t.status();
    absl::StatusOr<EpKernels> k = ParseEpKernels(f.ep_kernels);
    if (!k.ok()) return k.status();
    return f.op == "dispatch"
               ? EpDispatch(f.tokens, f.topk, f.hidden, *dtype, f.ep, *t, hw, 1.0, *k)
               : EpCombine(f.tokens, f.topk, f.hidden, f.ep, *t, hw, 1.0, *k);
  }
  if (f.op == "allreduce" || f.op == "allgather") {
    PM_RETURN_IF_ERROR(AllPositive({{"ranks", f.ranks}}));
    if (!(f.bytes_mb > 0.0) || !std::isfinite(f.bytes_mb)) {
      return absl::InvalidArgumentError(absl::StrCat("--bytes_mb: must be > 0, got ", f.bytes_mb));
    }
    return f.op == "allreduce" ? AllReduce(Megabytes(f.bytes_mb), f.ranks, hw)
                               : AllGather(Megabytes(f.bytes_mb), f.ranks, hw);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--op: must be gemm, grouped_gemm, mla_decode, gqa_decode, dispatch, combine, allreduce "
      "or allgather, got '",
      f.op, "'"));
}

render::Document OpDocument(const OpFlags& f, const OpCost& c) {
  using render::Value;
  render::Record r{.name = "op", .title = absl::StrCat("Op: ", f.op)};
  const double seconds = ToSeconds(c.kernel_time);
  const auto rate = [&](double quantity, double unit) {
    return Value::Number(seconds > 0 ? quantity / seconds / unit : 0.0, 1);
  };
  r.Add("op", f.op)
      .Add("gflop", Value::Number(ToGigaflops(c.flops), 4))
      .Add("hbm_mb", Value::Number(ToMegabytes(c.bytes), 3), "read + written")
      .Add("link_mb", Value::Number(ToMegabytes(c.link_bytes), 3), "sent by one GPU")
      .Add("bound", std::string(BoundName(c.bound)))
      .Add("op_class", std::string(OpClassName(c.op_class)))
      .Add("kernel_us", Value::Number(ToMicroseconds(c.kernel_time), 2), "the kernels alone")
      .Add("time_us", Value::Number(ToMicroseconds(c.time()), 2), "with launch overhead")
      .Add("tflops", rate(ToFlops(c.flops), 1e12), "achieved over kernel_us")
      .Add("hbm_gbps", rate(ToBytes(c.bytes), 1e9), "achieved over kernel_us")
      .Add("link_gbps", rate(ToBytes(c.link_bytes), 1e9), "achieved over kernel_us");
  render::Document doc;
  doc.Add(std::move(r));
  return doc;
}

render::Document KernelCheckDocument(const std::vector<KernelCheck>& rows) {
  using render::Value;
  render::Table t{
      .name = "kernels",
      .title =
          "Calibration CSV kernel rows vs perfmodel (error = predicted / "
          "published - 1)",
      .columns = {"id", "unit", "published", "predicted", "error_pct", "hardware", "what"}};
  int in_scope = 0, within = 0;
  for (const KernelCheck& k : rows) {
    if (k.in_scope) {
      ++in_scope;
      if (std::abs(k.Error()) <= 0.15) ++within;
      t.rows.push_back({k.id, k.unit, Value::Number(k.published, 3), Value::Number(k.predicted, 3),
                        Value::Number(100.0 * k.Error(), 1), k.hardware, k.what});
    } else {
      t.rows.push_back({k.id, k.unit, Value::Number(k.published, 3), Value(), Value(), k.hardware,
                        absl::StrCat("out of scope: ", k.reason)});
    }
  }
  t.footer.push_back({"within_15pct", Value(), Value(), Value(), Value(),
                      absl::StrCat(within, " of ", in_scope), "in-scope rows"});
  render::Document doc;
  doc.Add(std::move(t));
  return doc;
}

}  // namespace perfmodel
