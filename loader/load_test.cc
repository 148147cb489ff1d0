// Tests for loader/load.h: the repo's own textprotos load, and every rejected
// input is rejected with a message naming the file and the field.

#include "loader/load.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
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

TEST(LoadTest, EfficiencyOutOfRangeOrWithoutSource) {
  EXPECT_THAT(ParseHardware(Edit(Text(kHw), "compute: 0.81", "compute: 1.3"), kHw),
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

TEST(LoadTest, DpTimesTpMustEqualGpus) {
  EXPECT_THAT(
      ParseDeployment(Edit(Text(kDeployment), "attention_tp: 1", "attention_tp: 2"), kDeployment),
      StatusIs(kInvalid, AllOf(HasSubstr(kDeployment), HasSubstr("parallelism.attention_dp"),
                               HasSubstr("must equal gpus (64)"))));
  EXPECT_THAT(ParseDeployment(Edit(Text(kDeployment), "moe_tp: 1", "moe_tp: 2"), kDeployment),
              StatusIs(kInvalid, HasSubstr("parallelism.moe_ep")));
}

TEST(LoadTest, AcceptedTokensBoundedByDrafts) {
  EXPECT_THAT(ParseWorkload(Edit(Text(kWorkload), "accepted_tokens_per_step: 2.3",
                                 "accepted_tokens_per_step: 3.5"),
                            kWorkload),
              StatusIs(kInvalid, HasSubstr("accepted_tokens_per_step: must be <= "
                                           "mtp_draft_tokens + 1 (3), got 3.5")));
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

}  // namespace
}  // namespace perfmodel
