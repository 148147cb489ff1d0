#include "report/op_report.h"

#include <cmath>
#include <initializer_list>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "loader/load.h"

namespace perfmodel {
namespace {

// Required() names the first field not given, with the op that needs it.
absl::Status Required(OpKind op, std::initializer_list<std::pair<absl::string_view, bool>> fields) {
  for (const auto& [field, given] : fields) {
    if (!given) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": required by ", OpKindName(op)));
    }
  }
  return absl::OkStatus();
}

// MaxOf() is the most a count may be: the loader's limit for the same
// quantity (loader/load.h limits::), so that every product the op helpers
// form (tiles x groups, queries x heads) stays well inside 64 bits.
int64_t MaxOf(absl::string_view field) {
  static constexpr std::pair<absl::string_view, int64_t> kMax[] = {
      {"m", limits::kMaxTokensPerForward},
      {"s_q", limits::kMaxTokensPerForward},
      {"q_len", limits::kMaxTokensPerForward},
      {"tokens", limits::kMaxTokensPerForward},
      {"n", limits::kMaxVocab},
      {"k", limits::kMaxVocab},
      {"batch", limits::kMaxBatchPerDp},
      {"groups", limits::kMaxExperts},
      {"context", limits::kMaxContextTokens},
      {"cached", limits::kMaxContextTokens},
      {"heads", limits::kMaxHeads},
      {"kv_heads", limits::kMaxHeads},
      {"head_dim", limits::kMaxHeadDim},
      {"d_qk", limits::kMaxHeadDim},
      {"d_v", limits::kMaxHeadDim},
      {"rope", limits::kMaxHeadDim},
      {"kv_lora", limits::kMaxWidth},
      {"hidden", limits::kMaxWidth},
      {"topk", limits::kMaxExpertsPerToken},
      {"ep", limits::kMaxGpus},
      {"ranks", limits::kMaxGpus},
  };
  for (const auto& [name, most] : kMax) {
    if (name == field) return most;
  }
  return std::numeric_limits<int64_t>::max();
}

// AtMost() names `field` when `v` is above MaxOf() it.
absl::Status AtMost(absl::string_view field, int64_t v) {
  if (const int64_t most = MaxOf(field); v > most) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": must be <= ", most, ", got ", v));
  }
  return absl::OkStatus();
}

// AllPositive() names the first field below 1 or above its MaxOf().
absl::Status AllPositive(std::initializer_list<std::pair<absl::string_view, int64_t>> fields) {
  for (const auto& [field, v] : fields) {
    if (v < 1) return absl::InvalidArgumentError(absl::StrCat(field, ": must be >= 1, got ", v));
    PM_RETURN_IF_ERROR(AtMost(field, v));
  }
  return absl::OkStatus();
}

// CostPrefillAttention() is PrefillAttention() over `batch` sequences of s_q
// new tokens after `cached` cached ones: CausalPairs(s_q, cached) pairs per
// sequence and head when causal, else s_q x (cached + s_q); every sequence's
// cached + s_q KV entries read once.
absl::StatusOr<OpCost> CostPrefillAttention(const OpParams& p, const HardwareSpec& hw) {
  PM_RETURN_IF_ERROR(Required(p.op, {{"s_q", p.s_q.has_value()}, {"heads", p.heads.has_value()}}));
  const int64_t d_qk = p.d_qk.value_or(p.head_dim), d_v = p.d_v.value_or(d_qk);
  const int64_t kv_heads = p.kv_heads.value_or(p.heads.value_or(1));
  PM_RETURN_IF_ERROR(AllPositive({{"batch", p.batch},
                                  {"s_q", *p.s_q},
                                  {"heads", *p.heads},
                                  {"d_qk", d_qk},
                                  {"d_v", d_v},
                                  {"kv_heads", kv_heads}}));
  if (p.cached < 0) {
    return absl::InvalidArgumentError(absl::StrCat("cached: must be >= 0, got ", p.cached));
  }
  PM_RETURN_IF_ERROR(AtMost("cached", p.cached));
  if (p.kv_bytes.has_value() && p.kv_heads.has_value()) {
    return absl::InvalidArgumentError("kv_bytes: conflicts with kv_heads");
  }
  if (p.kv_bytes.has_value() &&
      (!(*p.kv_bytes > Bytes::Zero()) || !std::isfinite(ToBytes(*p.kv_bytes)))) {
    return absl::InvalidArgumentError(
        absl::StrCat("kv_bytes: must be > 0 and finite, got ", ToBytes(*p.kv_bytes), " B"));
  }
  if (p.dtype != DType::kBf16 && p.dtype != DType::kFp16 && p.dtype != DType::kFp8) {
    return absl::InvalidArgumentError(
        absl::StrCat("dtype: prefill_attention runs bf16, fp16 or fp8 math, got ",
                     std::string(DTypeName(p.dtype))));
  }
  const double b = static_cast<double>(p.batch), n = static_cast<double>(*p.s_q),
               cached = static_cast<double>(p.cached);
  const double pairs = b * (p.causal ? CausalPairs(n, cached) : n * (cached + n));
  const double kv_bytes = p.kv_bytes.has_value()
                              ? ToBytes(*p.kv_bytes)
                              : static_cast<double>(kv_heads) *
                                    (static_cast<double>(d_qk) + static_cast<double>(d_v)) *
                                    BytesPerElement(p.dtype);
  const int64_t queries = p.batch * *p.s_q;  // <= 2^20 x 2^24 (MaxOf())
  return PrefillAttention(queries, *p.heads, pairs, d_qk, d_v, b * (cached + n), kv_bytes, p.dtype,
                          hw);
}

}  // namespace

absl::string_view OpKindName(OpKind k) {
  switch (k) {
    case OpKind::kGemm:
      return "gemm";
    case OpKind::kGroupedGemm:
      return "grouped_gemm";
    case OpKind::kMlaDecode:
      return "mla_decode";
    case OpKind::kGqaDecode:
      return "gqa_decode";
    case OpKind::kPrefillAttention:
      return "prefill_attention";
    case OpKind::kDispatch:
      return "dispatch";
    case OpKind::kCombine:
      return "combine";
    case OpKind::kAllReduce:
      return "allreduce";
    case OpKind::kAllGather:
      return "allgather";
  }
  return "?";
}


absl::StatusOr<OpCost> CostOp(const OpParams& p, const HardwareSpec& hw) {
  const DType dtype = p.dtype;
  const GemmTypes types = dtype == DType::kFp8 || dtype == DType::kFp4
                              ? GemmTypes{dtype, dtype, DType::kBf16, dtype}
                              : GemmTypes{dtype, dtype, dtype, dtype};
  switch (p.op) {
    case OpKind::kGemm:
    case OpKind::kGroupedGemm: {
      PM_RETURN_IF_ERROR(
          Required(p.op, {{"m", p.m.has_value()}, {"n", p.n.has_value()}, {"k", p.k.has_value()}}));
      if (p.op == OpKind::kGemm) {
        PM_RETURN_IF_ERROR(
            AllPositive({{"m", *p.m}, {"n", *p.n}, {"k", *p.k}, {"batch", p.batch}}));
        return Gemm({*p.m, *p.n, *p.k, p.batch}, types, hw);
      }
      PM_RETURN_IF_ERROR(
          AllPositive({{"m", *p.m}, {"n", *p.n}, {"k", *p.k}, {"groups", p.groups}}));
      return GroupedGemm(static_cast<double>(*p.m), p.groups, *p.n, *p.k, types, hw);
    }
    case OpKind::kMlaDecode:
    case OpKind::kGqaDecode: {
      PM_RETURN_IF_ERROR(
          Required(p.op, {{"context", p.context.has_value()}, {"heads", p.heads.has_value()}}));
      PM_RETURN_IF_ERROR(AllPositive(
          {{"batch", p.batch}, {"q_len", p.q_len}, {"context", *p.context}, {"heads", *p.heads}}));
      const double b = static_cast<double>(p.batch), ctx = static_cast<double>(*p.context);
      const int64_t queries = p.batch * p.q_len;  // <= 2^20 x 2^24 (MaxOf())
      if (p.op == OpKind::kMlaDecode) {
        PM_RETURN_IF_ERROR(AllPositive({{"kv_lora", p.kv_lora}, {"rope", p.rope}}));
        const MlaSpec mla{*p.heads, 0, p.kv_lora, 128, p.rope, 128};
        return MlaDecodeAttention(queries, *p.heads, static_cast<double>(queries) * ctx, b * ctx,
                                  mla, DType::kBf16, DType::kBf16, hw);
      }
      PM_RETURN_IF_ERROR(Required(p.op, {{"kv_heads", p.kv_heads.has_value()}}));
      PM_RETURN_IF_ERROR(AllPositive({{"kv_heads", *p.kv_heads}, {"head_dim", p.head_dim}}));
      return GqaDecodeAttention(queries, *p.heads, *p.kv_heads, p.head_dim,
                                static_cast<double>(queries) * ctx, b * ctx, DType::kBf16,
                                DType::kBf16, hw);
    }
    case OpKind::kPrefillAttention:
      return CostPrefillAttention(p, hw);
    case OpKind::kDispatch:
    case OpKind::kCombine: {
      PM_RETURN_IF_ERROR(Required(p.op, {{"tokens", p.tokens.has_value()}}));
      PM_RETURN_IF_ERROR(AllPositive(
          {{"tokens", *p.tokens}, {"topk", p.topk}, {"hidden", p.hidden}, {"ep", p.ep}}));
      return p.op == OpKind::kDispatch
                 ? EpDispatch(*p.tokens, p.topk, p.hidden, dtype, p.ep, p.transport, hw, 1.0,
                              p.ep_kernels)
                 : EpCombine(*p.tokens, p.topk, p.hidden, p.ep, p.transport, hw, 1.0, p.ep_kernels);
    }
    case OpKind::kAllReduce:
    case OpKind::kAllGather: {
      PM_RETURN_IF_ERROR(Required(p.op, {{"bytes", p.bytes.has_value()}}));
      PM_RETURN_IF_ERROR(AllPositive({{"ranks", p.ranks}}));
      if (!(*p.bytes > Bytes::Zero()) || !std::isfinite(ToBytes(*p.bytes))) {
        return absl::InvalidArgumentError(
            absl::StrCat("bytes: must be > 0 and finite, got ", ToMegabytes(*p.bytes), " MB"));
      }
      return p.op == OpKind::kAllReduce ? AllReduce(*p.bytes, p.ranks, hw)
                                        : AllGather(*p.bytes, p.ranks, hw);
    }
  }
  return absl::InvalidArgumentError("op: unknown");
}

render::Document OpDocument(const OpParams& p, const OpCost& c) {
  using render::Value;
  const std::string name(OpKindName(p.op));
  render::Record r{.name = "op", .title = absl::StrCat("Op: ", name)};
  const double seconds = ToSeconds(c.kernel_time);
  const auto rate = [&](double quantity, double unit) {
    return Value::Number(seconds > 0 ? quantity / seconds / unit : 0.0, 1);
  };
  r.Add("op", name)
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
