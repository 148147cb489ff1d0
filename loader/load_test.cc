// Tests for loader/load.h: the repo's own textprotos load, and every rejected
// input is rejected with a message naming the file and the field.

#include "loader/load.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/setup.h"
#include "perfmodel/graph.h"
#include "perfmodel/testing/matchers.h"

namespace perfmodel {
namespace {

using ::perfmodel::testing::IsOk;
using ::perfmodel::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;

std::string Text(absl::string_view path) {
  absl::StatusOr<std::string> t = ReadFile(path);
  EXPECT_TRUE(t.ok()) << t.status();
  return t.ok() ? *t : "";
}

// Replaces the first occurrence of `from` in `text` (which must be there).
std::string Edit(std::string text, absl::string_view from, absl::string_view to) {
  const std::size_t at = text.find(std::string(from));
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), std::string(to));
  return text;
}

const char kModel[] = "models/deepseek_v3.textproto";
const char kHw[] = "hw/h800_sxm.textproto";
const char kDeployment[] = "deployments/seed_decode.textproto";
const char kWorkload[] = "workloads/seed_decode.textproto";

TEST(LoadTest, RepoFilesLoad) {
  absl::StatusOr<ModelSpec> m = LoadModel(kModel);
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->LayerCount(LayerKind::kDense), 3);
  EXPECT_EQ(m->LayerCount(LayerKind::kMoe), 58);
  EXPECT_EQ(m->mla.kv_lora_rank, 512);
  absl::StatusOr<LoadedHardware> h = LoadHardware(kHw);
  ASSERT_THAT(h, IsOk());
  EXPECT_EQ(h->spec.sm_count, 132);
  absl::StatusOr<LoadedDeployment> d = LoadDeployment(kDeployment);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->spec.parallel.attention_dp, 64);
  EXPECT_EQ(d->default_workload, kWorkload);
  EXPECT_THAT(ValidateDeploymentFor(*m, h->spec, d->spec, kDeployment), IsOk());
  absl::StatusOr<LoadedWorkload> w = LoadWorkload(kWorkload);
  ASSERT_THAT(w, IsOk());
  EXPECT_EQ(w->spec.batch_per_dp, 24);
  EXPECT_EQ(w->spec.mtp_draft_tokens, 2);
  EXPECT_THAT(ValidateWorkloadFor(*m, w->spec, kWorkload), IsOk());
}

TEST(LoadTest, CorrectionsNameOpsOfTheGraph) {
  auto correction = [](const std::string& op) {
    return "op_correction { op: \"" + op + "\" part: \"moe\" time_factor: 1.1 source: \"t\" }\n";
  };
  EXPECT_THAT(ParseHardware(Text(kHw) + correction("o_proj"), kHw), IsOk());
  EXPECT_THAT(ParseHardware(Text(kHw) + correction("*"), kHw), IsOk());
  EXPECT_THAT(ParseHardware(Text(kHw) + correction("oproj"), kHw),
              StatusIs(kInvalid, AllOf(HasSubstr("op_correction[0].op"), HasSubstr("'oproj'"))));
}

TEST(LoadTest, DeploymentMayChooseKvAndAttentionDtypes) {
  absl::StatusOr<LoadedDeployment> d = ParseDeployment(
      Text(kDeployment) + "kv_cache_dtype: FP8\nattention_dtype: FP8\n", kDeployment);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->spec.kv_cache_dtype, DType::kFp8);
  EXPECT_EQ(d->spec.attention_dtype, DType::kFp8);
  absl::StatusOr<LoadedDeployment> plain = LoadDeployment(kDeployment);
  ASSERT_THAT(plain, IsOk());
  EXPECT_FALSE(plain->spec.kv_cache_dtype.has_value());
}

TEST(LoadTest, DeploymentHostModel) {
  absl::StatusOr<LoadedDeployment> d =
      ParseDeployment(Text(kDeployment) + "host { step_us: 400 request_us: 25 }\n", kDeployment);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(d->spec.host.per_step, Microseconds(400));
  EXPECT_EQ(d->spec.host.per_request, Microseconds(25));
  EXPECT_TRUE(d->spec.host.cuda_graphs);
  EXPECT_THAT(ParseDeployment(Text(kDeployment) + "host { request_us: -1 }\n", kDeployment),
              StatusIs(kInvalid, HasSubstr("host.request_us: must be a finite duration >= 0")));
  EXPECT_THAT(ParseDeployment(Text(kDeployment) + "host { cuda_graphs: false }\n", kDeployment),
              StatusIs(kInvalid, HasSubstr("host.launch_us: required when cuda_graphs is false")));
}

TEST(LoadTest, WorkloadFieldsInADeploymentSayWhereTheyWent) {
  EXPECT_THAT(ParseDeployment(Text(kDeployment) + "batch_per_dp: 24\n", kDeployment),
              StatusIs(kInvalid, AllOf(HasSubstr("batch_per_dp"), HasSubstr("workload"))));
}

TEST(LoadTest, MissingFileNamesPath) {
  EXPECT_THAT(LoadModel("models/nope.textproto"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("models/nope.textproto")));
}

TEST(LoadTest, SyntaxErrorHasLineNumber) {
  const std::string bad = Edit(Text(kModel), "hidden_size: 7168", "hidden_size 7168 }");
  EXPECT_THAT(ParseModel(bad, kModel),
              StatusIs(kInvalid, HasSubstr("models/deepseek_v3.textproto:5:")));
}

TEST(LoadTest, UnknownEnumValue) {
  const std::string bad = Edit(Text(kModel), "weight_dtype: FP8", "weight_dtype: FP9");
  EXPECT_THAT(ParseModel(bad, kModel),
              StatusIs(kInvalid, AllOf(HasSubstr(kModel), HasSubstr("FP9"),
                                       HasSubstr("weight_dtype"))));
}

TEST(LoadTest, MissingRequiredField) {
  const std::string bad = Edit(Text(kModel), "hidden_size: 7168", "");
  EXPECT_THAT(ParseModel(bad, kModel),
              StatusIs(kInvalid, AllOf(HasSubstr(kModel), HasSubstr("hidden_size: required"))));
  EXPECT_THAT(ParseHardware(Edit(Text(kHw), "hbm_bandwidth_tbps: 3.35", ""), kHw),
              StatusIs(kInvalid, AllOf(HasSubstr(kHw), HasSubstr("hbm_bandwidth_tbps"))));
  EXPECT_THAT(ParseWorkload(Edit(Text(kWorkload), "batch_per_dp: 24", ""), kWorkload),
              StatusIs(kInvalid, AllOf(HasSubstr(kWorkload), HasSubstr("batch_per_dp"))));
}

TEST(LoadTest, ZeroOrNegativeSizes) {
  EXPECT_THAT(ParseModel(Edit(Text(kModel), "kv_lora_rank: 512", "kv_lora_rank: 0"), kModel),
              StatusIs(kInvalid, HasSubstr("mla.kv_lora_rank: must be > 0, got 0")));
  EXPECT_THAT(ParseModel(Edit(Text(kModel), "count: 58", "count: -58"), kModel),
              StatusIs(kInvalid, HasSubstr("layer_groups[1].count: must be > 0")));
  EXPECT_THAT(ParseHardware(Edit(Text(kHw), "hbm_capacity_gb: 80", "hbm_capacity_gb: -80"), kHw),
              StatusIs(kInvalid, HasSubstr("hbm_capacity_gb: must be > 0")));
  EXPECT_THAT(ParseWorkload(Edit(Text(kWorkload), "batch_per_dp: 24", "batch_per_dp: 0"),
                            kWorkload),
              StatusIs(kInvalid, HasSubstr("batch_per_dp: must be > 0")));
}

// The shared-expert block's width: unset, shared_experts x
// expert_intermediate_size, as before the field; set, its own (Qwen2-MoE);
// checked naming the field.
TEST(LoadTest, SharedExpertWidthIsItsOwnOrTheExperts) {
  absl::StatusOr<ModelSpec> same = ParseModel(Text(kModel), kModel);
  ASSERT_THAT(same, IsOk());
  EXPECT_EQ(same->moe.shared_expert_intermediate_size, 0);
  EXPECT_EQ(same->moe.SharedIntermediateSize(), 1 * 2048);
  const std::string wide = Edit(Text(kModel), "shared_experts: 1",
                                "shared_experts: 1 shared_expert_intermediate_size: 20480");
  absl::StatusOr<ModelSpec> m = ParseModel(wide, kModel);
  ASSERT_THAT(m, IsOk());
  EXPECT_EQ(m->moe.SharedIntermediateSize(), 20480);
  EXPECT_EQ(m->moe.expert_intermediate_size, 2048);  // the routed experts keep theirs
  EXPECT_THAT(
      ParseModel(Edit(wide, "shared_expert_intermediate_size: 20480",
                      "shared_expert_intermediate_size: 0"),
                 kModel),
      StatusIs(kInvalid, HasSubstr("models/deepseek_v3.textproto: "
                                   "moe.shared_expert_intermediate_size: must be > 0, got 0")));
  EXPECT_THAT(
      ParseModel(Edit(wide, "shared_expert_intermediate_size: 20480",
                      "shared_expert_intermediate_size: 2097152"),
                 kModel),
      StatusIs(kInvalid, HasSubstr("moe.shared_expert_intermediate_size: must be <= 1048576 (no "
                                   "model is that wide), got 2097152")));
  EXPECT_THAT(ParseModel(Edit(wide, "shared_experts: 1", "shared_experts: 0"), kModel),
              StatusIs(kInvalid, HasSubstr("moe.shared_expert_intermediate_size: set (20480) but "
                                           "moe.shared_experts is 0")));
}

TEST(LoadTest, EfficiencyOutOfRangeOrWithoutSource) {
  EXPECT_THAT(ParseHardware(Edit(Text(kHw), "compute: 0.79", "compute: 1.3"), kHw),
              StatusIs(kInvalid, HasSubstr("efficiency[0].compute: must be in (0, 1]")));
  EXPECT_THAT(ParseHardware(Edit(Text(kHw), "source: \"DeepGEMM dense FP8 rows DG-D-* (H800)\"",
                                 ""),
                            kHw),
              StatusIs(kInvalid, HasSubstr("efficiency[0].source: required")));
  EXPECT_THAT(ParseHardware(Edit(Text(kHw), "op_class: SCALE_OUT", "op_class: SCALE_UP"), kHw),
              StatusIs(kInvalid, HasSubstr("duplicate SCALE_UP")));
  // Every class needs its entry: the low-latency NVLink class too.
  EXPECT_THAT(
      ParseHardware(Edit(Text(kHw), "op_class: SCALE_UP_LOW_LATENCY", "op_class: SCALE_OUT"), kHw),
      StatusIs(kInvalid, HasSubstr("duplicate SCALE_OUT")));
}

TEST(LoadTest, PerMessageTimeOnlyForTheLowLatencyClass) {
  // The H800's low-latency NVLink entry carries one; it loads into the class.
  absl::StatusOr<LoadedHardware> h = ParseHardware(Text(kHw), kHw);
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->spec.EfficiencyOf(OpClass::kScaleUpLowLatency).per_message, Microseconds(0.0338));
  EXPECT_EQ(h->spec.EfficiencyOf(OpClass::kScaleUp).per_message, Duration::Zero());
  EXPECT_THAT(ParseHardware(Edit(Text(kHw), "message_us: 0.0338", "message_us: -1"), kHw),
              StatusIs(kInvalid, AllOf(HasSubstr(kHw), HasSubstr(".message_us: must be >= 0"))));
  // On another class it would be silently unused: an error naming the field.
  EXPECT_THAT(ParseHardware(Edit(Text(kHw), "link: 0.77", "link: 0.77\n  message_us: 0.1"), kHw),
              StatusIs(kInvalid, HasSubstr("message_us: only the SCALE_UP_LOW_LATENCY class")));
  EXPECT_THAT(
      ParseHardware(Edit(Text(kHw), "memory: 0.917", "memory: 0.917\n  message_us: 0.1"), kHw),
      StatusIs(kInvalid, HasSubstr("message_us: only the SCALE_UP_LOW_LATENCY class")));
}

TEST(LoadTest, DpTimesTpMustEqualGpus) {
  EXPECT_THAT(
      ParseDeployment(Edit(Text(kDeployment), "attention_tp: 1", "attention_tp: 2"), kDeployment),
      StatusIs(kInvalid, AllOf(HasSubstr(kDeployment), HasSubstr("parallelism.attention_dp"),
                               HasSubstr("must equal gpus (64)"))));
  EXPECT_THAT(ParseDeployment(Edit(Text(kDeployment), "moe_tp: 1", "moe_tp: 2"), kDeployment),
              StatusIs(kInvalid, HasSubstr("parallelism.moe_ep")));
}

// A description without gemm_kernels (fixed tiles).
const char kFixedTilesHw[] = "hw/b200.textproto";

// Found by //fuzz:estimate_fuzzer: 128-row tiles up to M = 256 and 64-row
// tiles beyond made batch 257 cheaper than 256.
TEST(LoadTest, SmallGemmTilesNoLargerThanLargeOnes) {
  const std::string hw = Text(kFixedTilesHw);
  EXPECT_THAT(ParseHardware(hw + "gemm_tile_rows_small: 128\ngemm_tile_rows: 64\n", kFixedTilesHw),
              StatusIs(kInvalid,
                       AllOf(HasSubstr(kFixedTilesHw), HasSubstr("gemm_tile_rows_small: must be <= "
                                                                 "gemm_tile_rows (64), got 128"))));
  EXPECT_THAT(ParseHardware(hw + "gemm_tile_rows_small: 128\n", kFixedTilesHw), IsOk());
}

// The older fixed-tile fields still load, as the FIXED rule, for both libraries.
TEST(LoadTest, FixedTileFieldsAreTheFixedRule) {
  absl::StatusOr<LoadedHardware> h = ParseHardware(
      Text(kFixedTilesHw) + "gemm_tile_rows_small: 32\ngemm_tile_cols: 256\n", kFixedTilesHw);
  ASSERT_THAT(h, IsOk());
  EXPECT_TRUE(h->spec.gemm_kernels == GemmKernels(GemmTileRule::kFixed, {32, 128}, {256}));
  EXPECT_TRUE(h->spec.bf16_gemm_kernels == h->spec.gemm_kernels);
  absl::StatusOr<LoadedHardware> d = ParseHardware(Text(kFixedTilesHw), kFixedTilesHw);
  ASSERT_THAT(d, IsOk());
  EXPECT_TRUE(d->spec.gemm_kernels == GemmKernels());
  absl::StatusOr<LoadedHardware> one =
      ParseHardware(Text(kFixedTilesHw) + "gemm_tile_rows_small: 128\n", kFixedTilesHw);
  ASSERT_THAT(one, IsOk());
  EXPECT_TRUE(one->spec.gemm_kernels == GemmKernels(GemmTileRule::kFixed, {128}, {128}));
}

TEST(LoadTest, GemmKernelsOfTheHopperDescriptions) {
  absl::StatusOr<LoadedHardware> h = LoadHardware(kHw);
  ASSERT_THAT(h, IsOk());
  const GemmKernels& fp8 = h->spec.gemm_kernels;
  EXPECT_EQ(fp8.rule(), GemmTileRule::kDeepGemmMinWaves);
  ASSERT_EQ(fp8.block_m_count(), 3u);
  EXPECT_EQ(fp8.block_m(2), 256);
  ASSERT_EQ(fp8.block_n_count(), 17u);
  EXPECT_EQ(fp8.block_n(0), 16);
  EXPECT_EQ(fp8.block_n(16), 160);
  EXPECT_EQ(fp8.max_short_side(), 128);
  EXPECT_EQ(fp8.Usable(2), 15u);  // 256 rows pair with block_n up to 128
  EXPECT_GT(fp8.sm_operand_feed(), BytesPerSecond::Zero());
  EXPECT_EQ(h->spec.bf16_gemm_kernels.block_n_count(), 3u);
  EXPECT_TRUE(h->spec.GemmKernelsFor(DType::kBf16) == h->spec.bf16_gemm_kernels);
  EXPECT_TRUE(h->spec.GemmKernelsFor(DType::kFp8) == fp8);
  EXPECT_GT(h->in_kernel_fixed, Duration::Zero());
  EXPECT_LE(h->in_kernel_fixed, h->spec.kernel_launch_overhead);
}

TEST(LoadTest, GemmKernelsAreCheckedNamingTheField) {
  const std::string base = Text(kFixedTilesHw);
  auto with = [&](absl::string_view kernels) {
    return ParseHardware(absl::StrCat(base, "gemm_kernels {", kernels, "}\n"), kFixedTilesHw);
  };
  const char* const kOk = " source: \"s\" ";
  EXPECT_THAT(with(absl::StrCat("rule: DEEPGEMM_MIN_WAVES block_m: 64 block_n: [16, 32]", kOk)),
              IsOk());
  struct Bad final {
    std::string kernels;
    const char* message;
  };
  const std::vector<Bad> bad = {
      {absl::StrCat("block_m: 64 block_n: 16", kOk),
       "gemm_kernels.rule: required field is missing"},
      {absl::StrCat("rule: DEEPGEMM_MIN_WAVES block_n: 16", kOk),
       "gemm_kernels.block_m: needs at least one candidate"},
      {absl::StrCat("rule: DEEPGEMM_MIN_WAVES block_m: 64", kOk),
       "gemm_kernels.block_n: needs at least one candidate"},
      {absl::StrCat("rule: DEEPGEMM_MIN_WAVES block_m: [64, 0] block_n: 16", kOk),
       "gemm_kernels.block_m[1]: must be > 0, got 0"},
      {absl::StrCat("rule: DEEPGEMM_MIN_WAVES block_m: 64 block_n: -8", kOk),
       "gemm_kernels.block_n[0]: must be > 0, got -8"},
      {absl::StrCat("rule: DEEPGEMM_MIN_WAVES block_m: 64 block_n: 8192", kOk),
       "gemm_kernels.block_n[0]: must be <= 4096 (no GEMM tile is that large), got 8192"},
      {absl::StrCat("rule: DEEPGEMM_MIN_WAVES block_m: [128, 64] block_n: 16", kOk),
       "gemm_kernels.block_m[1]: candidates must ascend, got 64 after 128"},
      {absl::StrCat("rule: DEEPGEMM_MIN_WAVES block_m: [16, 32, 64, 128, 256] block_n: 16", kOk),
       "gemm_kernels.block_m: at most 4 candidates, got 5"},
      {absl::StrCat("rule: FIXED block_m: [64, 128, 256] block_n: 128", kOk),
       "gemm_kernels.block_m: at most 2 candidates, got 3"},
      {absl::StrCat("rule: FIXED block_m: 64 block_n: [64, 128]", kOk),
       "gemm_kernels.block_n: at most 1 candidates, got 2"},
      {absl::StrCat("rule: DEEPGEMM_MIN_WAVES block_m: 256 block_n: [160, 192] "
                    "max_short_side: 128",
                    kOk),
       "gemm_kernels.max_short_side: must be >= the narrowest block_n (160), got 128"},
      {absl::StrCat("rule: DEEPGEMM_MIN_WAVES block_m: 64 block_n: 16 sm_operand_feed_gbps: -1",
                    kOk),
       "gemm_kernels.sm_operand_feed_gbps: must be >= 0, got -1"},
      {"rule: DEEPGEMM_MIN_WAVES block_m: 64 block_n: 16", "gemm_kernels.source: required field"},
  };
  for (const Bad& b : bad) {
    EXPECT_THAT(with(b.kernels),
                StatusIs(kInvalid, AllOf(HasSubstr(kFixedTilesHw), HasSubstr(b.message))))
        << b.kernels;
  }
  std::string many = "rule: DEEPGEMM_MIN_WAVES block_m: 64 block_n: [";
  for (int i = 1; i <= 33; ++i) absl::StrAppend(&many, i > 1 ? ", " : "", 8 * i);
  EXPECT_THAT(with(absl::StrCat(many, "]", kOk)),
              StatusIs(kInvalid, HasSubstr("gemm_kernels.block_n: at most 32 candidates, got 33")));
  // The BF16 library is checked under its own name; the fixed fields and a
  // library do not mix.
  EXPECT_THAT(
      ParseHardware(base + "bf16_gemm_kernels { rule: FIXED block_m: 64 }\n", kFixedTilesHw),
      StatusIs(kInvalid, HasSubstr("bf16_gemm_kernels.block_n: needs at least one")));
  EXPECT_THAT(ParseHardware(base + "gemm_tile_cols: 64\ngemm_kernels { rule: FIXED block_m: 64 "
                                   "block_n: 64 source: \"s\" }\n",
                            kFixedTilesHw),
              StatusIs(kInvalid, HasSubstr("gemm_tile_cols: not together with gemm_kernels")));
  EXPECT_THAT(
      ParseHardware(Edit(Text(kHw), "in_kernel_fixed_us: 0.932", "in_kernel_fixed_us: 2"), kHw),
      StatusIs(kInvalid, HasSubstr("in_kernel_fixed_us: must be <= 1.722")));
}

// Found by //fuzz:deployment_fuzzer: attention_dp x attention_tp overflowed
// int64_t. The GPU count's limit (limits::) now stops such a layout first; the
// product is also checked (Product()) should the limits ever grow.
TEST(LoadTest, LayoutProductsThatOverflowDoNotEqualGpus) {
  EXPECT_THAT(ParseDeployment("name: \"d\" gpus: 4611686018427387904 parallelism { "
                              "attention_dp: 4611686018427387904 attention_tp: 4 dense_tp: 1 "
                              "moe_ep: 2 moe_tp: 2 }",
                              "d.textproto"),
              StatusIs(kInvalid, HasSubstr("d.textproto: gpus: must be <= 4096")));
  EXPECT_THAT(ParseDeployment("name: \"d\" gpus: 8 parallelism { attention_dp: 8 "
                              "attention_tp: 4 dense_tp: 1 moe_ep: 2 moe_tp: 4 }",
                              "d.textproto"),
              StatusIs(kInvalid, HasSubstr("d.textproto: parallelism.attention_dp: attention_dp "
                                           "(8) x attention_tp (4) must equal gpus (8)")));
}

TEST(LoadTest, AcceptedTokensBoundedByDrafts) {
  EXPECT_THAT(ParseWorkload(Edit(Text(kWorkload), "accepted_tokens_per_step: 2.3",
                                 "accepted_tokens_per_step: 3.5"),
                            kWorkload),
              StatusIs(kInvalid, HasSubstr("accepted_tokens_per_step: must be <= "
                                           "mtp_draft_tokens + 1 (3), got 3.5")));
  // Found by //fuzz:workload_fuzzer: drafts + 1 overflowed int64_t. The drafts'
  // limit (limits::kMaxMtpModules) now stops such a workload first; within it the
  // bound is computed in double.
  EXPECT_THAT(ParseWorkload("name: \"w\" batch_per_dp: 1 mtp_draft_tokens: 9223372036854775807 "
                            "accepted_tokens_per_step: 2 context_tokens: 1",
                            "w.textproto"),
              StatusIs(kInvalid, HasSubstr("w.textproto: mtp_draft_tokens: must be <= ")));
  absl::StatusOr<LoadedWorkload> w = ParseWorkload(
      "name: \"w\" batch_per_dp: 1 mtp_draft_tokens: 1024 "
      "accepted_tokens_per_step: 2 context_tokens: 1",
      "w.textproto");
  ASSERT_THAT(w, IsOk());
  EXPECT_EQ(w->spec.accepted_tokens_per_step, 2.0);
}

TEST(LoadTest, EpMustDivideExpertsUnlessRedundant) {
  absl::StatusOr<ModelSpec> m = LoadModel(kModel);
  absl::StatusOr<LoadedHardware> h = LoadHardware(kHw);
  ASSERT_TRUE(m.ok() && h.ok());
  // 72 GPUs: 256 experts do not split over 72 ranks ...
  std::string text = Edit(Text(kDeployment), "gpus: 64", "gpus: 72");
  text = Edit(text, "attention_dp: 64", "attention_dp: 72");
  text = Edit(text, "moe_ep: 64", "moe_ep: 72");
  absl::StatusOr<LoadedDeployment> d = ParseDeployment(text, kDeployment);
  ASSERT_THAT(d, IsOk());
  EXPECT_THAT(ValidateDeploymentFor(*m, h->spec, d->spec, kDeployment),
              StatusIs(kInvalid, AllOf(HasSubstr("parallelism.moe_ep"),
                                       HasSubstr("must divide routed_experts (256)"))));
  // ... but 32 redundant experts make 288 = 72 x 4 slots.
  d = ParseDeployment(Edit(text, "redundant_experts: 0", "redundant_experts: 32"), kDeployment);
  ASSERT_THAT(d, IsOk());
  EXPECT_THAT(ValidateDeploymentFor(*m, h->spec, d->spec, kDeployment), IsOk());
}

TEST(LoadTest, MtpDraftsNeedMtpModules) {
  absl::StatusOr<ModelSpec> m = ParseModel(Edit(Text(kModel), "mtp_modules: 1", "mtp_modules: 0"),
                                           kModel);
  absl::StatusOr<LoadedWorkload> w = LoadWorkload(kWorkload);
  ASSERT_TRUE(m.ok() && w.ok());
  EXPECT_THAT(ValidateWorkloadFor(*m, w->spec, kWorkload),
              StatusIs(kInvalid, AllOf(HasSubstr(kWorkload), HasSubstr("mtp_draft_tokens"))));
}

TEST(LoadTest, SlaTargetsNeedARate) {
  EXPECT_THAT(ParseSlaTargets("name: \"x\"", "sla.textproto"),
              StatusIs(kInvalid, HasSubstr("sla.textproto: decode_rate")));
  EXPECT_THAT(ParseSlaTargets("name: \"x\" tpot_ms: -1", "sla.textproto"),
              StatusIs(kInvalid, HasSubstr("tpot_ms: must be > 0")));
  EXPECT_THAT(ParseSlaTargets("name: \"x\" user_output_tps: 60", "sla.textproto"), IsOk());
}

TEST(LoadTest, BaselineOpsValidated) {
  EXPECT_THAT(ParseBaseline("name: \"b\"", "b.textproto"),
              StatusIs(kInvalid, HasSubstr("b.textproto: ops: required")));
  EXPECT_THAT(ParseBaseline("name: \"b\" ops { op: \"o_proj\" layer_kind: \"moe\" time_us: -3 "
                            "count: 58 }",
                            "b.textproto"),
              StatusIs(kInvalid, HasSubstr("ops[0].time_us: must be >= 0")));
}

// --- Physical limits (load.h limits::) ----------------------------------------

// One edit of a repo file and the error it must give.
struct LimitCase final {
  const char* file;
  const char* from;
  const char* to;
  const char* message;
};

absl::Status ParseEdited(const LimitCase& c) {
  const std::string text = Edit(Text(c.file), c.from, c.to);
  const std::string file = c.file;
  if (file.rfind("models/", 0) == 0) return ParseModel(text, c.file).status();
  if (file.rfind("hw/", 0) == 0) return ParseHardware(text, c.file).status();
  if (file.rfind("deployments/", 0) == 0) return ParseDeployment(text, c.file).status();
  return ParseWorkload(text, c.file).status();
}

TEST(LimitsTest, ValuesNoModelOrGpuHasAreRejectedNamingFileAndField) {
  const char kPrefill[] = "workloads/seed_prefill.textproto";
  for (const LimitCase& c : std::vector<LimitCase>{
           {kModel, "hidden_size: 7168", "hidden_size: 4294967296",
            "models/deepseek_v3.textproto: hidden_size: must be <= 1048576 (no model is that "
            "wide), got 4294967296"},
           {kModel, "vocab_size: 129280", "vocab_size: 100000000",
            "vocab_size: must be <= 16777216"},
           {kModel, "heads: 128", "heads: 1000000",
            "mla.heads: must be <= 4096 (no model has so many heads), got 1000000"},
           {kModel, "qk_rope_head_dim: 64", "qk_rope_head_dim: 65536",
            "mla.qk_rope_head_dim: must be <= 4096 (no attention head is that wide)"},
           {kModel, "q_lora_rank: 1536", "q_lora_rank: 9223372036854775807",
            "mla.q_lora_rank: must be <= 1048576"},
           {kModel, "count: 58", "count: 1000000000000",
            "layer_groups[1].count: must be <= 16384 (no model has so many layers), got "
            "1000000000000"},
           {kModel, "count: 58", "count: 16383",
            "layer_groups: must hold <= 16384 layers (no model has so many layers), got 16386"},
           {kModel, "routed_experts: 256", "routed_experts: 1048576",
            "moe.routed_experts: must be <= 65536 (no model has so many experts)"},
           {kModel, "expert_intermediate_size: 2048", "expert_intermediate_size: 2097152",
            "moe.expert_intermediate_size: must be <= 1048576"},
           {kModel, "max_context_tokens: 163840", "max_context_tokens: 1000000000",
            "max_context_tokens: must be <= 134217728 (no model serves a context that long)"},
           {kHw, "hbm_bandwidth_tbps: 3.35", "hbm_bandwidth_tbps: 2000",
            "hw/h800_sxm.textproto: hbm_bandwidth_tbps: must be <= 1000 (1 PB/s: no memory is "
            "that fast), got 2000"},
           {kHw, "hbm_bandwidth_tbps: 3.35", "hbm_bandwidth_tbps: inf",
            "hbm_bandwidth_tbps: must be finite, got inf"},
           {kHw, "bf16_dense_tflops: 989", "bf16_dense_tflops: 1e9",
            "bf16_dense_tflops: must be <= 1e+06 (no GPU is that fast), got 1e+09"},
           {kHw, "fp8_dense_tflops: 1979", "fp8_dense_tflops: 1e300",
            "fp8_dense_tflops: must be <= 1e+06 (no GPU is that fast), got 1e+300"},
           {kHw, "hbm_capacity_gb: 80", "hbm_capacity_gb: 1e12",
            "hbm_capacity_gb: must be <= 1e+06 (no GPU has that much memory)"},
           {kHw, "scale_out_bandwidth_gbps: 50", "scale_out_bandwidth_gbps: 1e7",
            "scale_out_bandwidth_gbps: must be <= 1e+06 (no link is that fast)"},
           {kHw, "scale_up_latency_us: 3", "scale_up_latency_us: 1e7",
            "scale_up_latency_us: must be <= 1e+06 (longer than a second)"},
           {kHw, "sm_count: 132", "sm_count: 100000000", "sm_count: must be <= 65536"},
           {kHw, "gpus_per_node: 8", "gpus_per_node: 100000", "gpus_per_node: must be <= 4096"},
           {kDeployment, "gpus: 64", "gpus: 4611686018427387904",
            "deployments/seed_decode.textproto: gpus: must be <= 4096 (no model replica spans "
            "that many GPUs)"},
           // attention_dp x attention_tp would overflow int64 before it is compared.
           {kDeployment, "attention_dp: 64", "attention_dp: 9223372036854775807",
            "parallelism.attention_dp: must be <= 64 (the deployment's gpus), got "
            "9223372036854775807"},
           {kDeployment, "memory_reserve_gb: 8", "memory_reserve_gb: inf",
            "memory_reserve_gb: must be finite"},
           {kWorkload, "batch_per_dp: 24", "batch_per_dp: 4294967296",
            "workloads/seed_decode.textproto: batch_per_dp: must be <= 1048576 (no GPU serves so "
            "many requests at once)"},
           {kWorkload, "context_tokens: 4096", "context_tokens: 1000000000000",
            "context_tokens: must be <= 134217728"},
           {kWorkload, "mtp_draft_tokens: 2", "mtp_draft_tokens: 100000",
            "mtp_draft_tokens: must be <= 1024"},
           {kWorkload, "host_gap_ms: 1.3", "host_gap_ms: inf", "host_gap_ms: must be finite"},
           {kPrefill, "batch_per_dp: 1", "batch_per_dp: 8192",
            "workloads/seed_prefill.textproto: batch_per_dp: 8192 prompts of 4096 tokens is "
            "33554432 tokens per DP rank, above 16777216"},
       }) {
    SCOPED_TRACE(absl::StrCat(c.file, ": ", c.to));
    EXPECT_THAT(ParseEdited(c), StatusIs(kInvalid, HasSubstr(c.message)));
  }
}

TEST(LimitsTest, TheLimitsThemselvesLoad) {
  // Every count at its limit is accepted (the limits are inclusive).
  std::string m = Edit(Text(kModel), "hidden_size: 7168", "hidden_size: 1048576");
  m = Edit(m, "heads: 128", "heads: 4096");
  EXPECT_THAT(ParseModel(m, kModel), IsOk());
  EXPECT_THAT(
      ParseHardware(Edit(Text(kHw), "hbm_bandwidth_tbps: 3.35", "hbm_bandwidth_tbps: 1000"), kHw),
      IsOk());
  // 4096 requests x 4096 query tokens is exactly the per-rank limit.
  std::string w = Edit(Text(kWorkload), "batch_per_dp: 24", "batch_per_dp: 16384");
  w = Edit(w, "mtp_draft_tokens: 2", "mtp_draft_tokens: 1023");
  EXPECT_THAT(ParseWorkload(w, kWorkload), IsOk());
}

TEST(LimitsTest, TokensPerRankPerForwardBounded) {
  // 2^20 requests x (1 + 16 drafts) query tokens: each field within its
  // limit, the product above 2^24.
  std::string w = Edit(Text(kWorkload), "batch_per_dp: 24", "batch_per_dp: 1048576");
  w = Edit(w, "mtp_draft_tokens: 2", "mtp_draft_tokens: 16");
  EXPECT_THAT(ParseWorkload(w, kWorkload),
              StatusIs(kInvalid,
                       "workloads/seed_decode.textproto: batch_per_dp: 1048576 "
                       "requests x 17 query tokens (1 + drafts) is 17825792 tokens "
                       "per DP rank, above 16777216 (no GPU holds so many tokens' "
                       "activations and KV cache)"));
}

TEST(LimitsTest, OverridesKeepTheSameLimits) {
  absl::StatusOr<LoadedWorkload> loaded = LoadWorkload(kWorkload);
  ASSERT_THAT(loaded, IsOk());
  WorkloadSpec w = loaded->spec;
  EXPECT_THAT(ApplyOverrides({.batch_per_dp = int64_t{1} << 40}, w),
              StatusIs(kInvalid,
                       "batch_per_dp: must be <= 1048576 (no GPU serves so many "
                       "requests at once), got 1099511627776"));
  EXPECT_THAT(ApplyOverrides({.context_tokens = int64_t{1} << 40}, w),
              StatusIs(kInvalid, HasSubstr("context_tokens: must be <= 134217728")));
  EXPECT_THAT(ApplyOverrides({.host_gap = Milliseconds(1e7)}, w),
              StatusIs(kInvalid, HasSubstr("host_gap: must be <= 1e+06 ms")));
  // Within each limit, too many tokens per rank together; nothing applied.
  EXPECT_THAT(
      ApplyOverrides({.batch_per_dp = 8192, .phase = Phase::kPrefill, .prompt_tokens = 4096}, w),
      StatusIs(kInvalid, HasSubstr("batch_per_dp: 8192 prompts of 4096 tokens is 33554432")));
  EXPECT_EQ(w, loaded->spec);
  EXPECT_THAT(
      ApplyOverrides({.batch_per_dp = 4096, .phase = Phase::kPrefill, .prompt_tokens = 4096}, w),
      IsOk());
  EXPECT_EQ(w.batch_per_dp, 4096);
}

TEST(LimitsTest, TimeFactorsWithinAThousandfold) {
  auto correction = [](const std::string& factor) {
    return "op_correction { op: \"o_proj\" time_factor: " + factor + " source: \"t\" }\n";
  };
  EXPECT_THAT(ParseHardware(Text(kHw) + correction("0.001"), kHw), IsOk());
  EXPECT_THAT(ParseHardware(Text(kHw) + correction("1e-9"), kHw),
              StatusIs(kInvalid, HasSubstr("op_correction[0].time_factor: must be in [0.001, "
                                           "1000]")));
  EXPECT_THAT(ParseHardware(Text(kHw) + correction("inf"), kHw),
              StatusIs(kInvalid, HasSubstr("op_correction[0].time_factor: must be finite")));
}

TEST(LimitsTest, HostTimesBounded) {
  EXPECT_THAT(
      ParseDeployment(Text(kDeployment) + "host { step_us: 1e9 }\n", kDeployment),
      StatusIs(kInvalid,
               HasSubstr("host.step_us: must be <= 1e+06 (longer than a second), got 1e+09")));
}

// At the limits the estimate's integer counts still fit: a DeepSeek-V3-shaped
// model as wide as allowed, on as many GPUs as allowed, fed as many tokens per
// rank as allowed, costs finite, non-negative times and sizes.
TEST(LimitsTest, AnEstimateAtTheLimitsStaysFinite) {
  absl::StatusOr<ModelSpec> m = LoadModel(kModel);
  absl::StatusOr<LoadedHardware> h = LoadHardware(kHw);
  absl::StatusOr<LoadedDeployment> d = LoadDeployment(kDeployment);
  absl::StatusOr<LoadedWorkload> w = LoadWorkload(kWorkload);
  ASSERT_TRUE(m.ok() && h.ok() && d.ok() && w.ok());
  m->hidden_size = limits::kMaxWidth;
  m->dense_intermediate_size = limits::kMaxWidth;
  m->moe.expert_intermediate_size = limits::kMaxWidth;
  m->moe.routed_experts = limits::kMaxExperts;
  m->moe.experts_per_token = limits::kMaxExpertsPerToken;
  m->moe.shared_experts = limits::kMaxExpertsPerToken;
  m->moe.groups = m->moe.groups_per_token = 1;
  m->mla.heads = limits::kMaxHeads;
  m->mla.q_lora_rank = m->mla.kv_lora_rank = limits::kMaxWidth;
  m->mla.qk_nope_head_dim = m->mla.qk_rope_head_dim = m->mla.v_head_dim = limits::kMaxHeadDim;
  m->vocab_size = limits::kMaxVocab;
  d->spec.gpus = limits::kMaxGpus;
  d->spec.parallel = Parallelism{.attention_dp = limits::kMaxGpus,
                                 .attention_tp = 1,
                                 .dense_tp = limits::kMaxGpus,
                                 .moe_ep = limits::kMaxGpus,
                                 .moe_tp = 1};
  h->spec.gemm_kernels = h->spec.bf16_gemm_kernels = GemmKernels(GemmTileRule::kFixed, {1}, {1});
  ASSERT_THAT(ValidateDeploymentFor(*m, h->spec, d->spec, kDeployment), IsOk());
  w->spec.batch_per_dp = limits::kMaxTokensPerForward / 4;
  w->spec.mtp_draft_tokens = 3;
  w->spec.accepted_tokens_per_step = 1.0;
  w->spec.context_tokens = limits::kMaxContextTokens;
  ASSERT_THAT(CheckTokensPerForward(w->spec, kWorkload), IsOk());
  for (const Phase phase : kPhases) {
    WorkloadSpec at = w->spec;
    if (phase == Phase::kPrefill) {
      at.phase = Phase::kPrefill;
      at.batch_per_dp = limits::kMaxTokensPerForward / 4096;
      at.prompt_tokens = 4096;
      at.mtp_draft_tokens = 0;
      ASSERT_THAT(CheckTokensPerForward(at, kWorkload), IsOk());
    }
    const StepResult r = EstimateStep(*m, h->spec, d->spec, at);
    SCOPED_TRACE(PhaseName(phase));
    ASSERT_GT(r.row_count, 0u);
    for (std::size_t i = 0; i < r.row_count; ++i) {
      const OpRow& row = r.rows[i];
      SCOPED_TRACE(row.op);
      EXPECT_TRUE(std::isfinite(ToFlops(row.cost.flops)) && ToFlops(row.cost.flops) >= 0);
      EXPECT_TRUE(std::isfinite(ToBytes(row.cost.bytes)) && ToBytes(row.cost.bytes) >= 0);
      EXPECT_TRUE(std::isfinite(ToSeconds(row.cost.kernel_time)) &&
                  ToSeconds(row.cost.kernel_time) >= 0);
      EXPECT_TRUE(std::isfinite(ToSeconds(row.visible)) && ToSeconds(row.visible) >= 0);
    }
    EXPECT_GT(r.tokens_per_rank, 0);
    EXPECT_TRUE(std::isfinite(ToSeconds(r.forward)) && r.forward > Duration::Zero());
    EXPECT_TRUE(std::isfinite(ToBytes(r.memory.Total())) && r.memory.Total() > Bytes::Zero());
  }
}

}  // namespace
}  // namespace perfmodel
