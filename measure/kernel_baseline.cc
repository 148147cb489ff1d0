#include "measure/kernel_baseline.h"

#include <charconv>
#include <map>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status_macros.h"

namespace perfmodel::bench {
namespace {

absl::Status NameError(absl::string_view name, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(name, ": ", what));
}

bool ParseDType(absl::string_view s, DType* out) {
  for (DType d : {DType::kFp32, DType::kBf16, DType::kFp16, DType::kFp8, DType::kFp4}) {
    if (s == std::string(DTypeName(d))) {
      *out = d;
      return true;
    }
  }
  return false;
}

// Components Google Benchmark adds to a name by itself.
bool IsLibraryComponent(absl::string_view c) {
  return c == "real_time" || c == "manual_time" || c == "process_time" ||
         absl::StartsWith(c, "min_time:") || absl::StartsWith(c, "min_warmup_time:") ||
         absl::StartsWith(c, "iterations:") || absl::StartsWith(c, "repeats:") ||
         absl::StartsWith(c, "threads:");
}

constexpr ElementwiseRule kElementwiseRules[] = {
    {"rms_norm", 2.0, 2.0, 2.0},
    {"add_rms_norm", 4.0, 4.0, 2.0},
    {"silu_and_mul", 4.0, 2.0, 0.0},
    {"quant_fp8", 2.0, 1.0 + 4.0 / 128.0, 0.0},
};

}  // namespace

const ElementwiseRule* ElementwiseRuleFor(absl::string_view op) {
  for (const ElementwiseRule& r : kElementwiseRules) {
    if (op == r.op) return &r;
  }
  return nullptr;
}

const char* KernelKindName(KernelKind k) {
  switch (k) {
    case KernelKind::kGemm: return "gemm";
    case KernelKind::kGroupedGemm: return "grouped_gemm";
    case KernelKind::kAttention: return "attention";
    case KernelKind::kPrefillAttention: return "prefill_attention";
    case KernelKind::kMemory: return "memory";
    case KernelKind::kPeak: return "peak";
    case KernelKind::kElementwise: return "elementwise";
    case KernelKind::kLaunch: return "launch";
  }
  return "?";
}

absl::StatusOr<KernelName> ParseKernelName(absl::string_view name) {
  const std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  const absl::string_view family = parts[0];
  KernelName out;
  std::vector<const char*> keys;
  absl::string_view suffix;
  if (absl::StartsWith(family, "grouped_gemm_")) {
    out.kind = KernelKind::kGroupedGemm;
    keys = {"groups", "M", "N", "K"};
    suffix = family.substr(13);
  } else if (absl::StartsWith(family, "gemm_")) {
    out.kind = KernelKind::kGemm;
    keys = {"M", "N", "K"};
    suffix = family.substr(5);
  } else if (absl::StartsWith(family, "prefill_attention_")) {
    out.kind = KernelKind::kPrefillAttention;
    keys = {"batch", "heads", "tokens", "head_dim", "v_head_dim"};
    suffix = family.substr(18);
  } else if (absl::StartsWith(family, "attention_")) {
    out.kind = KernelKind::kAttention;
    keys = {"batch", "heads", "q_tokens", "context", "head_dim", "v_head_dim"};
    suffix = family.substr(10);
  } else if (absl::StartsWith(family, "memory_")) {
    out.kind = KernelKind::kMemory;
    keys = {"bytes"};
    suffix = family.substr(7);
  } else if (absl::StartsWith(family, "peak_")) {
    out.kind = KernelKind::kPeak;
    keys = {"flop"};
    suffix = family.substr(5);
  } else if (absl::StartsWith(family, "elementwise_")) {
    out.kind = KernelKind::kElementwise;
    keys = {"tokens", "width"};
    suffix = family.substr(12);
  } else if (absl::StartsWith(family, "launch_")) {
    out.kind = KernelKind::kLaunch;
    keys = {"kernels"};
    suffix = family.substr(7);
  } else {
    return NameError(name, absl::StrCat("unknown kernel family \"", family,
                                        "\"; expected gemm_<dtype>, grouped_gemm_<dtype>, "
                                        "attention_<dtype>, prefill_attention_<dtype>, "
                                        "memory_<op>, peak_<dtype>, "
                                        "elementwise_<op> or launch_<op>"));
  }
  if (out.kind == KernelKind::kMemory) {
    if (suffix != "read" && suffix != "triad" && suffix != "copy") {
      return NameError(name, absl::StrCat("unknown memory op \"", suffix,
                                          "\"; expected read, triad or copy"));
    }
    out.op = std::string(suffix);
  } else if (out.kind == KernelKind::kElementwise) {
    if (ElementwiseRuleFor(suffix) == nullptr) {
      std::vector<const char*> ops;
      for (const ElementwiseRule& r : kElementwiseRules) ops.push_back(r.op);
      return NameError(name, absl::StrCat("unknown elementwise op \"", suffix, "\"; expected ",
                                          absl::StrJoin(ops, ", ")));
    }
    out.op = std::string(suffix);
  } else if (out.kind == KernelKind::kLaunch) {
    if (suffix != "empty") {
      return NameError(name, absl::StrCat("unknown launch op \"", suffix, "\"; expected empty"));
    }
    out.op = std::string(suffix);
  } else if (!ParseDType(suffix, &out.dtype)) {
    return NameError(name, absl::StrCat("unknown dtype \"", suffix,
                                        "\"; expected fp32, bf16, fp16, fp8 or fp4"));
  }

  std::map<std::string, int64_t> values;
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const absl::string_view c = parts[i];
    if (IsLibraryComponent(c)) continue;
    const std::size_t colon = c.find(':');
    if (colon == absl::string_view::npos) {
      return NameError(name, absl::StrCat("component \"", c, "\" is not key:value"));
    }
    const std::string key(c.substr(0, colon));
    const absl::string_view text = c.substr(colon + 1);
    bool known = false;
    for (const char* k : keys) known = known || key == k;
    if (!known) {
      return NameError(name, absl::StrCat("unknown key \"", key, "\" for ", family, "; expected ",
                                          absl::StrJoin(keys, ", ")));
    }
    if (values.count(key) > 0) return NameError(name, absl::StrCat("repeated key ", key));
    int64_t v = 0;
    const std::from_chars_result r = std::from_chars(text.data(), text.data() + text.size(), v);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size() || v <= 0) {
      return NameError(name, absl::StrCat("key ", key, ": expected an integer > 0, got \"", text,
                                          "\""));
    }
    values[key] = v;
  }
  for (const char* k : keys) {
    if (values.count(k) == 0) return NameError(name, absl::StrCat("missing key ", k));
  }
  auto get = [&](const char* k) { return values[k]; };
  KernelShape& s = out.shape;
  switch (out.kind) {
    case KernelKind::kGroupedGemm:
      s.groups = get("groups");
      [[fallthrough]];
    case KernelKind::kGemm:
      s.m = get("M");
      s.n = get("N");
      s.k = get("K");
      break;
    case KernelKind::kAttention:
      s.batch = get("batch");
      s.heads = get("heads");
      s.q_tokens = get("q_tokens");
      s.context = get("context");
      s.head_dim = get("head_dim");
      s.v_head_dim = get("v_head_dim");
      break;
    case KernelKind::kPrefillAttention:
      s.batch = get("batch");
      s.heads = get("heads");
      s.tokens = get("tokens");
      s.head_dim = get("head_dim");
      s.v_head_dim = get("v_head_dim");
      break;
    case KernelKind::kMemory:
      s.bytes = ByteCount(static_cast<double>(get("bytes")));
      break;
    case KernelKind::kPeak:
      s.flop = FlopCount(static_cast<double>(get("flop")));
      break;
    case KernelKind::kElementwise:
      s.tokens = get("tokens");
      s.width = get("width");
      break;
    case KernelKind::kLaunch:
      s.kernels = get("kernels");
      break;
  }
  return out;
}

Flops KernelFlops(const KernelName& k) {
  const KernelShape& s = k.shape;
  switch (k.kind) {
    case KernelKind::kGemm:
      return FlopCount(2.0 * s.m * s.n * s.k);
    case KernelKind::kGroupedGemm:
      return FlopCount(2.0 * s.groups * s.m * s.n * s.k);
    case KernelKind::kAttention:
      return FlopCount(2.0 * s.batch * s.q_tokens * s.heads * s.context *
                       (s.head_dim + s.v_head_dim));
    case KernelKind::kPrefillAttention:
      return FlopCount(2.0 * s.batch * s.heads * (s.tokens * (s.tokens + 1) / 2.0) *
                       (s.head_dim + s.v_head_dim));
    case KernelKind::kMemory:
      return Flops::Zero();
    case KernelKind::kPeak:
      return s.flop;
    case KernelKind::kElementwise:
    case KernelKind::kLaunch:
      return Flops::Zero();
  }
  return Flops::Zero();
}

Bytes KernelBytes(const KernelName& k) {
  const KernelShape& s = k.shape;
  const double in = BytesPerElement(k.dtype);
  const double out = k.dtype == DType::kFp32 ? 4.0 : 2.0;
  switch (k.kind) {
    case KernelKind::kGemm:
      return ByteCount(in * (s.m * s.k + s.k * s.n) + out * s.m * s.n);
    case KernelKind::kGroupedGemm:
      return ByteCount(s.groups * (in * (s.m * s.k + s.k * s.n) + out * s.m * s.n));
    case KernelKind::kAttention: {
      const double rows = static_cast<double>(s.q_tokens * s.heads);
      return ByteCount(s.batch * (in * (s.context * s.head_dim + rows * s.head_dim) +
                                  out * rows * s.v_head_dim));
    }
    case KernelKind::kPrefillAttention:
      return ByteCount(static_cast<double>(s.batch * s.tokens * s.heads) *
                       (in * (2 * s.head_dim + s.v_head_dim) + out * s.v_head_dim));
    case KernelKind::kMemory:
      return s.bytes;
    case KernelKind::kPeak:
    case KernelKind::kLaunch:
      return Bytes::Zero();
    case KernelKind::kElementwise: {
      const ElementwiseRule& r = *ElementwiseRuleFor(k.op);
      return ByteCount(static_cast<double>(s.tokens * s.width) *
                           (r.read_bytes + r.written_bytes) +
                       static_cast<double>(s.width) * r.row_bytes);
    }
  }
  return Bytes::Zero();
}

absl::StatusOr<KernelBaselines> ParseKernelBaselines(const BenchmarkFile& file) {
  return ParseKernelBaselines(file, file.kernel_time);
}

absl::StatusOr<KernelBaselines> ParseKernelBaselines(const BenchmarkFile& file, TimeKind clock) {
  KernelBaselines out;
  out.origin = file.origin;
  out.clock = clock;
  for (const BenchmarkSeries& s : file.series) {
    absl::StatusOr<KernelName> kernel = ParseKernelName(s.run_name);
    if (!kernel.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(file.origin, ": ", kernel.status().message()));
    }
    if (!s.error.empty()) {
      out.skipped.push_back(absl::StrCat(s.run_name, ": ", s.error));
      continue;
    }
    const Summary t = s.Summarize(clock);
    if (!(t.typical > Duration::Zero())) {
      return absl::InvalidArgumentError(absl::StrCat(
          file.origin, ": ", s.run_name, ": no ", TimeKindName(clock),
          " > 0 (needs iteration rows or a median or mean aggregate)"));
    }
    out.kernels.push_back(KernelMeasurement{s.run_name, *kernel, t.typical, t.spread,
                                            t.repetitions});
  }
  if (out.kernels.empty() && out.skipped.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(file.origin, ": benchmarks: no benchmarks"));
  }
  return out;
}

absl::StatusOr<KernelBaselines> LoadKernelBaselines(absl::string_view path) {
  PM_ASSIGN_OR_RETURN(const BenchmarkFile file, ReadBenchmarkJson(path));
  return ParseKernelBaselines(file);
}

}  // namespace perfmodel::bench
