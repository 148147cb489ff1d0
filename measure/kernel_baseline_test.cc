// Tests for measure/kernel_baseline.h: names parse into shapes, and the
// FLOP/byte rules agree with the counters of the files that carry them -- the
// committed CPU baseline (C++ counters) and the GPU script's dry-run layout
// (Python counters) -- so the suite, the script and the model count alike.

#include "measure/kernel_baseline.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "perfmodel/testing/matchers.h"

namespace perfmodel::bench {
namespace {

using ::perfmodel::testing::IsOk;
using ::perfmodel::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

TEST(ParseKernelNameTest, Gemm) {
  absl::StatusOr<KernelName> k = ParseKernelName("gemm_fp32/M:64/N:264/K:896");
  ASSERT_THAT(k, IsOk());
  EXPECT_EQ(k->kind, KernelKind::kGemm);
  EXPECT_EQ(k->dtype, DType::kFp32);
  EXPECT_EQ(k->shape.m, 64);
  EXPECT_EQ(k->shape.n, 264);
  EXPECT_EQ(k->shape.k, 896);
  EXPECT_EQ(KernelFlops(*k), FlopCount(2.0 * 64 * 264 * 896));
  EXPECT_EQ(KernelBytes(*k), ByteCount(4.0 * (64 * 896 + 896 * 264 + 64 * 264)));
}

TEST(ParseKernelNameTest, LowPrecisionGemmWritesBf16) {
  absl::StatusOr<KernelName> k = ParseKernelName("gemm_fp8/M:64/N:2112/K:7168");
  ASSERT_THAT(k, IsOk());
  EXPECT_EQ(k->dtype, DType::kFp8);
  // FP8 inputs, BF16 output.
  EXPECT_EQ(KernelBytes(*k), ByteCount(1.0 * (64 * 7168 + 7168 * 2112) + 2.0 * 64 * 2112));
}

TEST(ParseKernelNameTest, GroupedGemm) {
  absl::StatusOr<KernelName> k = ParseKernelName("grouped_gemm_bf16/groups:8/M:64/N:4096/K:7168");
  ASSERT_THAT(k, IsOk());
  EXPECT_EQ(k->kind, KernelKind::kGroupedGemm);
  EXPECT_EQ(k->shape.groups, 8);
  EXPECT_EQ(KernelFlops(*k), FlopCount(2.0 * 8 * 64 * 4096 * 7168));
  EXPECT_EQ(KernelBytes(*k), ByteCount(8 * 2.0 * (64 * 7168 + 7168 * 4096 + 64 * 4096)));
}

TEST(ParseKernelNameTest, Attention) {
  absl::StatusOr<KernelName> k = ParseKernelName(
      "attention_fp32/batch:2/heads:16/q_tokens:3/context:4096/head_dim:576/v_head_dim:512");
  ASSERT_THAT(k, IsOk());
  EXPECT_EQ(k->kind, KernelKind::kAttention);
  const KernelShape& s = k->shape;
  EXPECT_EQ(s.batch, 2);
  EXPECT_EQ(s.heads, 16);
  EXPECT_EQ(s.q_tokens, 3);
  EXPECT_EQ(s.context, 4096);
  EXPECT_EQ(s.head_dim, 576);
  EXPECT_EQ(s.v_head_dim, 512);
  EXPECT_EQ(KernelFlops(*k), FlopCount(2.0 * 2 * 3 * 16 * 4096 * (576 + 512)));
  // The latent KV once per request, plus 48 query rows in and out.
  EXPECT_EQ(KernelBytes(*k), ByteCount(2 * 4.0 * (4096 * 576 + 48 * 576 + 48 * 512)));
}

TEST(ParseKernelNameTest, PrefillAttention) {
  absl::StatusOr<KernelName> k = ParseKernelName(
      "prefill_attention_bf16/batch:2/heads:128/tokens:4096/head_dim:192/v_head_dim:128");
  ASSERT_THAT(k, IsOk());
  EXPECT_EQ(k->kind, KernelKind::kPrefillAttention);
  EXPECT_EQ(std::string(KernelKindName(k->kind)), "prefill_attention");
  const KernelShape& s = k->shape;
  EXPECT_EQ(s.batch, 2);
  EXPECT_EQ(s.heads, 128);
  EXPECT_EQ(s.tokens, 4096);
  EXPECT_EQ(s.head_dim, 192);
  EXPECT_EQ(s.v_head_dim, 128);
  // Causal: 4096 x 4097 / 2 pairs per head and prompt.
  EXPECT_EQ(KernelFlops(*k), FlopCount(2.0 * 2 * 128 * (4096.0 * 4097 / 2) * (192 + 128)));
  // q and k (192), v (128) in, the output (128) out, per head and token.
  EXPECT_EQ(KernelBytes(*k), ByteCount(2.0 * 4096 * 128 * (2 * (192 + 192 + 128) + 2 * 128)));
  EXPECT_THAT(ParseKernelName("prefill_attention_bf16/batch:1/heads:8/tokens:64/head_dim:64"),
              StatusIs(kInvalid, HasSubstr("missing key v_head_dim")));
}

TEST(ParseKernelNameTest, ElementwiseAndLaunch) {
  absl::StatusOr<KernelName> e = ParseKernelName("elementwise_add_rms_norm/tokens:64/width:7168");
  ASSERT_THAT(e, IsOk());
  EXPECT_EQ(e->kind, KernelKind::kElementwise);
  EXPECT_EQ(e->op, "add_rms_norm");
  EXPECT_EQ(e->shape.tokens, 64);
  EXPECT_EQ(e->shape.width, 7168);
  // x and the residual in, the normed output and the new residual out, the weight once.
  EXPECT_EQ(KernelBytes(*e), ByteCount(64.0 * 7168 * (2 + 2 + 2 + 2) + 7168 * 2.0));
  EXPECT_EQ(KernelFlops(*e), Flops::Zero());
  absl::StatusOr<KernelName> q = ParseKernelName("elementwise_quant_fp8/tokens:2/width:256");
  ASSERT_THAT(q, IsOk());
  // BF16 in; e4m3 out plus one FP32 scale per 128 elements.
  EXPECT_EQ(KernelBytes(*q), ByteCount(2.0 * 256 * 2 + 2.0 * 256 * 1 + 2 * 2 * 4.0));
  absl::StatusOr<KernelName> l = ParseKernelName("launch_empty/kernels:1");
  ASSERT_THAT(l, IsOk());
  EXPECT_EQ(l->kind, KernelKind::kLaunch);
  EXPECT_EQ(l->shape.kernels, 1);
  EXPECT_EQ(KernelBytes(*l), Bytes::Zero());
  EXPECT_THAT(ParseKernelName("elementwise_gelu/tokens:1/width:2"),
              StatusIs(kInvalid, HasSubstr("unknown elementwise op \"gelu\"; expected rms_norm")));
  EXPECT_THAT(ParseKernelName("elementwise_rms_norm/tokens:1"),
              StatusIs(kInvalid, HasSubstr("missing key width")));
  EXPECT_THAT(ParseKernelName("launch_busy/kernels:1"),
              StatusIs(kInvalid, HasSubstr("unknown launch op \"busy\"; expected empty")));
}

TEST(ParseKernelNameTest, MemoryAndPeak) {
  absl::StatusOr<KernelName> m = ParseKernelName("memory_triad/bytes:1200");
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->kind, KernelKind::kMemory);
  EXPECT_EQ(m->op, "triad");
  EXPECT_EQ(KernelBytes(*m), ByteCount(1200));
  EXPECT_EQ(KernelFlops(*m), Flops::Zero());
  absl::StatusOr<KernelName> p = ParseKernelName("peak_fp32/flop:96");
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->kind, KernelKind::kPeak);
  EXPECT_EQ(KernelFlops(*p), FlopCount(96));
  EXPECT_EQ(KernelBytes(*p), Bytes::Zero());
}

TEST(ParseKernelNameTest, IgnoresWhatGoogleBenchmarkAppends) {
  absl::StatusOr<KernelName> k = ParseKernelName(
      "gemm_fp32/M:1/N:8/K:8/min_time:0.050/iterations:10/repeats:3/threads:1/real_time");
  ASSERT_THAT(k, IsOk());
  EXPECT_EQ(k->shape.n, 8);
}

struct BadName {
  const char* name;
  const char* message;
};

class BadNameTest : public ::testing::TestWithParam<BadName> {};

TEST_P(BadNameTest, NamesBenchmarkAndProblem) {
  EXPECT_THAT(ParseKernelName(GetParam().name),
              StatusIs(kInvalid, AllOf(HasSubstr(GetParam().name), HasSubstr(GetParam().message))));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadNameTest,
    ::testing::Values(
        BadName{"BM_Gemm/M:1", "unknown kernel family \"BM_Gemm\""},
        BadName{"gemm_int8/M:1/N:8/K:8", "unknown dtype \"int8\""},
        BadName{"memory_write/bytes:8", "unknown memory op \"write\"; expected read, triad or copy"},
        BadName{"gemm_fp32/M:64/K:896", "missing key N"},
        BadName{"gemm_fp32/M:1/N:8/K:8/heads:2", "unknown key \"heads\" for gemm_fp32; expected M, N, K"},
        BadName{"gemm_fp32/M:1/N:8/K:8/M:2", "repeated key M"},
        BadName{"gemm_fp32/M:one/N:8/K:8", "key M: expected an integer > 0, got \"one\""},
        BadName{"gemm_fp32/M:0/N:8/K:8", "key M: expected an integer > 0, got \"0\""},
        BadName{"gemm_fp32/M:1.5/N:8/K:8", "key M: expected an integer > 0, got \"1.5\""},
        BadName{"gemm_fp32/64/N:8/K:8", "component \"64\" is not key:value"}));

// Every row's FLOP/s and bytes/s counters (median aggregate) against the rules.
void ExpectCountersMatchRules(const BenchmarkFile& file, const KernelBaselines& b) {
  ASSERT_FALSE(b.kernels.empty());
  for (const KernelMeasurement& k : b.kernels) {
    const BenchmarkSeries* s = file.Find(k.name);
    ASSERT_NE(s, nullptr) << k.name;
    int checked = 0;
    for (const auto& [counter, value] : s->median_counters) {
      double rule = -1;
      if (counter == "FLOP/s") rule = KernelFlops(k.kernel) / k.time / FlopsPerSecond::FromBase(1);
      if (counter == "bytes/s") rule = KernelBytes(k.kernel) / k.time / BytesPerSecond::FromBase(1);
      if (rule < 0 || (rule == 0 && value == 0)) continue;
      EXPECT_NEAR(value / rule, 1.0, 1e-9) << k.name << " " << counter;
      ++checked;
    }
    // A launch row moves nothing: both its counters are 0.
    if (k.kernel.kind != KernelKind::kLaunch) {
      EXPECT_GE(checked, 1) << k.name;
    }
  }
}

TEST(KernelBaselinesTest, CommittedCpuBaseline) {
  const char kPath[] = "baselines/cpu/cpu_kernels.json";
  absl::StatusOr<BenchmarkFile> file = ReadBenchmarkJson(kPath);
  ASSERT_THAT(file, IsOk());
  absl::StatusOr<KernelBaselines> b = ParseKernelBaselines(*file);
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->clock, TimeKind::kCpu);  // the suite's context says so
  EXPECT_TRUE(b->skipped.empty());
  EXPECT_EQ(b->kernels.size(), file->series.size());
  for (const KernelMeasurement& k : b->kernels) {
    EXPECT_GT(k.time, Duration::Zero()) << k.name;
    EXPECT_GE(k.repetitions, 3) << k.name;  // the rebaseline repeats every row
    EXPECT_EQ(k.kernel.dtype, DType::kFp32) << k.name;
  }
  ExpectCountersMatchRules(*file, *b);
  EXPECT_THAT(LoadKernelBaselines(kPath), IsOk());
}

TEST(KernelBaselinesTest, GpuScriptLayout) {
  // Written by `benchmarks/gpu/measure_kernels.py --dry_run` (placeholder times).
  absl::StatusOr<BenchmarkFile> file = ReadBenchmarkJson("measure/testdata/gpu_dry_run.json");
  ASSERT_THAT(file, IsOk());
  absl::StatusOr<KernelBaselines> b = ParseKernelBaselines(*file);
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->clock, TimeKind::kReal);
  EXPECT_EQ(b->kernels.size(), file->series.size());
  int fp8 = 0, grouped = 0, attention = 0, copy = 0, elementwise = 0, launch = 0;
  int prefill_gemm = 0, contiguous = 0, prefill_attention = 0;
  for (const KernelMeasurement& k : b->kernels) {
    fp8 += k.kernel.dtype == DType::kFp8;
    grouped += k.kernel.kind == KernelKind::kGroupedGemm;
    attention += k.kernel.kind == KernelKind::kAttention && k.kernel.shape.heads == 128;
    prefill_gemm += k.kernel.kind == KernelKind::kGemm && k.kernel.shape.m >= 4096;
    contiguous += k.kernel.kind == KernelKind::kGroupedGemm && k.kernel.shape.m >= 128 &&
                  (k.kernel.shape.groups == 32 || k.kernel.shape.m >= 4096);
    prefill_attention += k.kernel.kind == KernelKind::kPrefillAttention;
    copy += k.kernel.kind == KernelKind::kMemory && k.kernel.op == "copy";
    elementwise += k.kernel.kind == KernelKind::kElementwise;
    launch += k.kernel.kind == KernelKind::kLaunch;
  }
  EXPECT_GT(fp8, 0);
  EXPECT_GT(grouped, 0);
  EXPECT_GT(attention, 0);
  EXPECT_EQ(copy, 1);
  EXPECT_EQ(elementwise, 40);  // 4 ops x 10 token counts
  EXPECT_EQ(launch, 1);
  // Prefill: 2 dtypes x M 4096, 8192, 16384 x 6 projections; 2 dtypes x 3
  // contiguous (groups, M) x 2 expert shapes; 3 prompt lengths x 3 head widths.
  EXPECT_EQ(prefill_gemm, 36);
  EXPECT_EQ(contiguous, 12);
  EXPECT_EQ(prefill_attention, 9);
  ExpectCountersMatchRules(*file, *b);
}

TEST(KernelBaselinesTest, CommittedGpuBaselines) {
  // Measured by benchmarks/gpu/measure_kernels.py on an H200 and an H100
  // (the context says which machine, when, and which rows a second run gave).
  for (const char* path : {"baselines/gpu/h200_sxm.json", "baselines/gpu/h100_sxm.json"}) {
    SCOPED_TRACE(path);
    absl::StatusOr<BenchmarkFile> file = ReadBenchmarkJson(path);
    ASSERT_THAT(file, IsOk());
    absl::StatusOr<KernelBaselines> b = ParseKernelBaselines(*file);
    ASSERT_THAT(b, IsOk());
    EXPECT_EQ(b->clock, TimeKind::kReal);
    EXPECT_TRUE(b->skipped.empty()) << b->skipped.front();
    EXPECT_EQ(b->kernels.size(), 96u);
    for (const KernelMeasurement& k : b->kernels) {
      EXPECT_GT(k.time, Duration::Zero()) << k.name;
      EXPECT_EQ(k.repetitions, 5) << k.name;
    }
    ExpectCountersMatchRules(*file, *b);
  }
}

TEST(KernelBaselinesTest, ErroredRowsAreSkippedWithTheirMessage) {
  absl::StatusOr<BenchmarkFile> file = ParseBenchmarkJson(R"({"benchmarks": [
      {"name": "gemm_fp8/M:64/N:16/K:16", "error_occurred": true,
       "error_message": "RuntimeError: no FP8"},
      {"name": "gemm_bf16/M:64/N:16/K:16", "real_time": 2, "cpu_time": 1, "time_unit": "us"}]})",
                                                          "gpu.json");
  ASSERT_THAT(file, IsOk());
  absl::StatusOr<KernelBaselines> b = ParseKernelBaselines(*file, TimeKind::kReal);
  ASSERT_THAT(b, IsOk());
  ASSERT_EQ(b->kernels.size(), 1u);
  EXPECT_EQ(b->kernels[0].time, Microseconds(2));
  ASSERT_EQ(b->skipped.size(), 1u);
  EXPECT_EQ(b->skipped[0], "gemm_fp8/M:64/N:16/K:16: RuntimeError: no FP8");
}

TEST(KernelBaselinesTest, ErrorsNameTheFile) {
  EXPECT_THAT(LoadKernelBaselines("measure/testdata/malformed.json"),
              StatusIs(kInvalid, HasSubstr("measure/testdata/malformed.json:4:56: Missing")));
  // compare_old.json's names are not kernel names.
  EXPECT_THAT(LoadKernelBaselines("measure/testdata/compare_old.json"),
              StatusIs(kInvalid, HasSubstr("measure/testdata/compare_old.json: slower: "
                                           "unknown kernel family \"slower\"")));
  absl::StatusOr<BenchmarkFile> empty = ParseBenchmarkJson(R"({"benchmarks": []})", "e.json");
  ASSERT_THAT(empty, IsOk());
  EXPECT_THAT(ParseKernelBaselines(*empty), StatusIs(kInvalid, HasSubstr("e.json: benchmarks: no")));
  absl::StatusOr<BenchmarkFile> zero = ParseBenchmarkJson(
      R"({"benchmarks": [{"name": "peak_fp32/flop:8", "real_time": 0, "cpu_time": 0,
          "time_unit": "us"}]})",
      "z.json");
  ASSERT_THAT(zero, IsOk());
  EXPECT_THAT(ParseKernelBaselines(*zero),
              StatusIs(kInvalid, HasSubstr("z.json: peak_fp32/flop:8: no real_time > 0")));
}

}  // namespace
}  // namespace perfmodel::bench
