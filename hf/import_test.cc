#include "hf/import.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "loader/load.h"
#include "perfmodel/testing/matchers.h"
#include "proto/model.pb.h"

namespace perfmodel::hf {
namespace {

using ::perfmodel::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Not;

ImportResult ImportFixture(const std::string& family, const ImportOptions& o = {}) {
  const std::string path = absl::StrCat("hf/testdata/", family, "/config.json");
  absl::StatusOr<ImportResult> r = ImportConfigFile(path, o);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *std::move(r) : ImportResult{};
}

std::string Keys(const std::vector<ImportNote>& notes) {
  std::string s;
  for (const ImportNote& n : notes) absl::StrAppend(&s, n.key, ";");
  return s;
}

// The imported DeepSeek-V3 is the repo's hand-written model, field by field;
// only `source` (provenance) differs.
TEST(ImportTest, DeepSeekV3EqualsTheRepoModel) {
  const ImportResult r = ImportFixture("deepseek_v3", {.name = "DeepSeek-V3"});
  ASSERT_EQ(r.architecture, "DeepseekV3ForCausalLM");
  absl::StatusOr<std::string> text = ReadFile("models/deepseek_v3.textproto");
  ASSERT_TRUE(text.ok()) << text.status();
  pb::Model repo;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(*text, &repo));
  google::protobuf::util::MessageDifferencer diff;
  diff.IgnoreField(pb::Model::descriptor()->FindFieldByName("source"));
  std::string report;
  diff.ReportDifferencesToString(&report);
  EXPECT_TRUE(diff.Compare(repo, r.model)) << report;

  // And the two load to the same ModelSpec.
  absl::StatusOr<ModelSpec> a = LoadModel("models/deepseek_v3.textproto");
  absl::StatusOr<ModelSpec> b = ParseModel(ModelTextproto(r, "x"), "x");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
  // What the config does not say came from the documented assumptions.
  EXPECT_THAT(Keys(r.assumptions), HasSubstr("kv_cache_dtype;"));
  EXPECT_THAT(Keys(r.assumptions), HasSubstr("attention_dtype;"));
  EXPECT_THAT(Keys(r.assumptions), HasSubstr("mtp_layer_kind;"));
  EXPECT_TRUE(r.warnings.empty()) << Keys(r.warnings);
}

TEST(ImportTest, AGivenKvCacheDtypeIsNotAnAssumption) {
  const ImportResult r = ImportFixture("deepseek_v3", {.kv_cache_dtype = pb::FP8});
  EXPECT_EQ(r.model.kv_cache_dtype(), pb::FP8);
  EXPECT_EQ(r.model.attention_dtype(), pb::BF16);
  EXPECT_THAT(Keys(r.assumptions), Not(HasSubstr("kv_cache_dtype;")));
}

TEST(ImportTest, TheTextprotoNamesItsAssumptionsAndWarnings) {
  const ImportResult r = ImportFixture("gpt_oss_120b");
  const std::string text = ModelTextproto(r, "hf/testdata/gpt_oss_120b/config.json");
  EXPECT_THAT(text, HasSubstr("# assumed: kv_cache_dtype: BF16"));
  EXPECT_THAT(text, HasSubstr("# assumed: gqa.sinks: true"));
  EXPECT_THAT(text, HasSubstr("sliding_window {\n  window_tokens: 128\n  layers: 0\n  layers: 2"));
  EXPECT_TRUE(ParseModel(text, "t").ok());
}

TEST(ImportTest, KimiK2IsTheDeepSeekLayoutWith384ExpertsAnd64Heads) {
  const ImportResult r = ImportFixture("kimi_k2");
  EXPECT_EQ(r.model.name(), "kimi_k2");  // model_type: the config has no _name_or_path
  EXPECT_EQ(r.model.mla().heads(), 64);
  EXPECT_EQ(r.model.moe().routed_experts(), 384);
  EXPECT_EQ(r.model.moe().groups(), 1);
  EXPECT_EQ(r.model.layer_groups(0).count(), 1);
  EXPECT_EQ(r.model.layer_groups(1).count(), 60);
  EXPECT_EQ(r.model.mtp_modules(), 0);
  EXPECT_EQ(r.model.weight_dtype(), pb::FP8);
}

TEST(ImportTest, DeepSeekV32MapsItsSparseAttention) {
  const ImportResult r = ImportFixture("deepseek_v3_2");
  EXPECT_EQ(r.architecture, "DeepseekV32ForCausalLM");
  EXPECT_TRUE(r.warnings.empty()) << Keys(r.warnings);
  ASSERT_TRUE(r.model.mla().has_sparse());
  EXPECT_EQ(r.model.mla().sparse().topk(), 2048);
  EXPECT_EQ(r.model.mla().sparse().heads(), 64);
  EXPECT_EQ(r.model.mla().sparse().head_dim(), 128);
  absl::StatusOr<ModelSpec> m = ParseModel(ModelTextproto(r, "x"), "x");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->mla.index_topk, 2048);
  // The rest is DeepSeek-V3's.
  const ImportResult v3 = ImportFixture("deepseek_v3");
  pb::Model dense = r.model;
  dense.mutable_mla()->clear_sparse();
  google::protobuf::util::MessageDifferencer diff;
  diff.IgnoreField(pb::Model::descriptor()->FindFieldByName("source"));
  diff.IgnoreField(pb::Model::descriptor()->FindFieldByName("name"));
  diff.IgnoreField(pb::Model::descriptor()->FindFieldByName("max_context_tokens"));
  EXPECT_TRUE(diff.Compare(v3.model, dense));
}

TEST(ImportTest, SparseAttentionErrorsNameTheKey) {
  const std::string v32 = *ReadFile("hf/testdata/deepseek_v3_2/config.json");
  EXPECT_THAT(
      ImportConfig(absl::StrReplaceAll(v32, {{"\"index_topk\": 2048", "\"index_topk\": 0"}}),
                   "x.json"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("x.json: index_topk: must be > 0, got 0")));
  EXPECT_THAT(ImportConfig(absl::StrReplaceAll(v32, {{"\"index_n_heads\": 64,", ""}}), "x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("x.json: index_n_heads: required key is missing")));
}

TEST(ImportTest, Qwen3DenseAndMoe) {
  const ImportResult dense = ImportFixture("qwen3_32b");
  EXPECT_EQ(dense.model.gqa().heads(), 64);
  EXPECT_EQ(dense.model.gqa().kv_heads(), 8);
  EXPECT_EQ(dense.model.gqa().head_dim(), 128);  // head_dim, not 5120 / 64
  EXPECT_EQ(dense.model.dense_mlp().intermediate_size(), 25600);
  EXPECT_FALSE(dense.model.has_moe());
  EXPECT_EQ(dense.model.layer_groups_size(), 1);
  EXPECT_EQ(dense.model.weight_dtype(), pb::BF16);
  EXPECT_TRUE(dense.warnings.empty()) << Keys(dense.warnings);  // use_sliding_window: false

  const ImportResult moe = ImportFixture("qwen3_235b_a22b");
  EXPECT_EQ(moe.model.moe().routed_experts(), 128);
  EXPECT_EQ(moe.model.moe().shared_experts(), 0);
  EXPECT_EQ(moe.model.moe().expert_intermediate_size(), 1536);
  EXPECT_EQ(moe.model.layer_groups(0).kind(), pb::MOE);
  EXPECT_EQ(moe.model.layer_groups(0).count(), 94);
  EXPECT_FALSE(moe.model.has_dense_mlp());
  EXPECT_EQ(moe.model.max_context_tokens(), 40960);
}

// Qwen2-57B-A14B: 64 routed experts of 2560 and one shared expert of its
// own width, 20480, in each of its 28 layers (decoder_sparse_step 1, no
// mlp_only_layers).
TEST(ImportTest, Qwen2MoeHasOneSharedExpertOfItsOwnWidth) {
  const ImportResult r = ImportFixture("qwen2_57b_a14b");
  EXPECT_EQ(r.architecture, "Qwen2MoeForCausalLM");
  EXPECT_EQ(r.model.gqa().heads(), 28);
  EXPECT_EQ(r.model.gqa().kv_heads(), 4);
  EXPECT_EQ(r.model.gqa().head_dim(), 128);  // 3584 / 28
  EXPECT_EQ(r.model.moe().routed_experts(), 64);
  EXPECT_EQ(r.model.moe().experts_per_token(), 8);
  EXPECT_EQ(r.model.moe().expert_intermediate_size(), 2560);
  EXPECT_EQ(r.model.moe().shared_experts(), 1);
  EXPECT_EQ(r.model.moe().shared_expert_intermediate_size(), 20480);
  ASSERT_EQ(r.model.layer_groups_size(), 1);
  EXPECT_EQ(r.model.layer_groups(0).kind(), pb::MOE);
  EXPECT_EQ(r.model.layer_groups(0).count(), 28);
  EXPECT_FALSE(r.model.has_dense_mlp());       // no dense layer: intermediate_size unused
  EXPECT_FALSE(r.model.has_sliding_window());  // use_sliding_window: false
  EXPECT_EQ(r.model.max_context_tokens(), 131072);
  EXPECT_EQ(r.model.weight_dtype(), pb::BF16);
  EXPECT_THAT(Keys(r.assumptions), HasSubstr("moe.shared_experts;"));
  EXPECT_TRUE(r.warnings.empty()) << Keys(r.warnings);
  absl::StatusOr<ModelSpec> m = ParseModel(ModelTextproto(r, "x"), "x");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->moe.SharedIntermediateSize(), 20480);
}

// decoder_sparse_step and mlp_only_layers choose the MoE layers as
// transformers' Qwen2MoeDecoderLayer does: layer i is MoE when (i + 1) is a
// multiple of the step and i is not listed.
TEST(ImportTest, Qwen2MoeLayersFollowTheSparseStepAndMlpOnlyLayers) {
  const std::string q = *ReadFile("hf/testdata/qwen2_57b_a14b/config.json");
  absl::StatusOr<ImportResult> step = ImportConfig(
      absl::StrReplaceAll(q, {{"\"decoder_sparse_step\": 1", "\"decoder_sparse_step\": 2"}}),
      "x.json");
  ASSERT_TRUE(step.ok()) << step.status();
  ASSERT_EQ(step->model.layer_groups_size(), 2);  // 28 alternating runs, one run per kind
  EXPECT_EQ(step->model.layer_groups(0).kind(), pb::DENSE);  // layer 0: 1 % 2 != 0
  EXPECT_EQ(step->model.layer_groups(0).count(), 14);
  EXPECT_EQ(step->model.layer_groups(1).count(), 14);
  EXPECT_EQ(step->model.dense_mlp().intermediate_size(), 18944);
  absl::StatusOr<ImportResult> only = ImportConfig(
      absl::StrReplaceAll(q, {{"\"decoder_sparse_step\": 1,",
                               "\"decoder_sparse_step\": 1, \"mlp_only_layers\": [0, 1],"}}),
      "x.json");
  ASSERT_TRUE(only.ok()) << only.status();
  ASSERT_EQ(only->model.layer_groups_size(), 2);
  EXPECT_EQ(only->model.layer_groups(0).kind(), pb::DENSE);
  EXPECT_EQ(only->model.layer_groups(0).count(), 2);
  EXPECT_EQ(only->model.layer_groups(1).count(), 26);
  // Errors name the key.
  EXPECT_THAT(
      ImportConfig(absl::StrReplaceAll(q, {{"\"shared_expert_intermediate_size\": 20480,", ""}}),
                   "x.json"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("x.json: shared_expert_intermediate_size: required key is missing")));
  EXPECT_THAT(ImportConfig(absl::StrReplaceAll(q, {{"\"shared_expert_intermediate_size\": 20480",
                                                    "\"shared_expert_intermediate_size\": 0"}}),
                           "x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("x.json: shared_expert_intermediate_size: must be > 0, got 0")));
  EXPECT_THAT(ImportConfig(absl::StrReplaceAll(q, {{"\"decoder_sparse_step\": 1,",
                                                    "\"decoder_sparse_step\": 1, "
                                                    "\"mlp_only_layers\": [28],"}}),
                           "x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("x.json: mlp_only_layers: layer 28 is not in [0, "
                                 "num_hidden_layers = 28)")));
  EXPECT_THAT(ImportConfig(absl::StrReplaceAll(
                               q, {{"\"decoder_sparse_step\": 1", "\"decoder_sparse_step\": 0"}}),
                           "x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("x.json: decoder_sparse_step: must be >= 1, got 0")));
}

TEST(ImportTest, Llama4FollowsTextConfigAndInterleavesMaverick) {
  const ImportResult scout = ImportFixture("llama4_scout");
  EXPECT_EQ(scout.model.hidden_size(), 5120);
  EXPECT_EQ(scout.model.moe().routed_experts(), 16);
  EXPECT_EQ(scout.model.moe().shared_experts(), 1);
  EXPECT_EQ(scout.model.layer_groups_size(), 1);
  EXPECT_THAT(Keys(scout.warnings), HasSubstr("text_config.attention_chunk_size;"));

  const ImportResult maverick = ImportFixture("llama4_maverick");
  ASSERT_EQ(maverick.model.layer_groups_size(), 2);
  EXPECT_EQ(maverick.model.layer_groups(0).kind(), pb::DENSE);  // layer 0 is dense
  EXPECT_EQ(maverick.model.layer_groups(0).count(), 24);
  EXPECT_EQ(maverick.model.layer_groups(1).count(), 24);
  EXPECT_EQ(maverick.model.dense_mlp().intermediate_size(), 16384);  // intermediate_size_mlp
  EXPECT_EQ(maverick.model.moe().expert_intermediate_size(), 8192);
  EXPECT_THAT(Keys(maverick.assumptions), HasSubstr("layer_groups;"));
}

TEST(ImportTest, GptOssIsMxfp4WithSlidingLayersAndSinks) {
  const ImportResult r = ImportFixture("gpt_oss_120b");
  EXPECT_EQ(r.model.weight_dtype(), pb::FP4);
  EXPECT_EQ(r.model.activation_dtype(), pb::BF16);
  EXPECT_EQ(r.model.head_dtype(), pb::BF16);
  EXPECT_EQ(r.model.gqa().head_dim(), 64);
  EXPECT_EQ(r.model.moe().experts_per_token(), 4);
  EXPECT_EQ(r.model.moe().expert_intermediate_size(), 2880);
  EXPECT_TRUE(r.model.gqa().sinks());
  ASSERT_EQ(r.model.sliding_window().layers_size(), 18);  // the even layers (layer_types)
  EXPECT_EQ(r.model.sliding_window().window_tokens(), 128);
  for (int i = 0; i < 18; ++i) EXPECT_EQ(r.model.sliding_window().layers(i), 2 * i);
  EXPECT_THAT(Keys(r.warnings), Not(HasSubstr("sliding_window;")));
  EXPECT_THAT(Keys(r.warnings), Not(HasSubstr("sinks;")));
  EXPECT_THAT(Keys(r.assumptions), HasSubstr("gqa.sinks;"));
  // The attention projections stay BF16 beside the FP4 experts.
  EXPECT_TRUE(r.warnings.empty()) << Keys(r.warnings);
  EXPECT_EQ(r.model.attention_weight_dtype(), pb::BF16);
  EXPECT_THAT(Keys(r.assumptions), HasSubstr("attention_weight_dtype;"));
  absl::StatusOr<ModelSpec> m = ParseModel(ModelTextproto(r, "x"), "x");
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->sliding, (SlidingWindowSpec{128, 0, 18}));
  EXPECT_EQ(m->AttentionWeightDType(), DType::kBf16);
  EXPECT_EQ(m->weight_dtype, DType::kFp4);
}

TEST(ImportTest, MixtralAndLlama3AndGlm) {
  const ImportResult mixtral = ImportFixture("mixtral_8x7b");
  EXPECT_EQ(mixtral.model.moe().routed_experts(), 8);
  EXPECT_EQ(mixtral.model.moe().experts_per_token(), 2);
  EXPECT_EQ(mixtral.model.moe().expert_intermediate_size(), 14336);
  EXPECT_TRUE(mixtral.warnings.empty()) << Keys(mixtral.warnings);  // sliding_window: null

  const ImportResult llama = ImportFixture("llama3_1_70b");
  EXPECT_EQ(llama.model.layer_groups(0).count(), 80);
  EXPECT_EQ(llama.model.max_context_tokens(), 131072);

  const ImportResult glm = ImportFixture("glm4_7");
  EXPECT_EQ(glm.model.gqa().heads(), 96);
  EXPECT_EQ(glm.model.moe().routed_experts(), 160);
  EXPECT_EQ(glm.model.moe().shared_experts(), 1);
  EXPECT_EQ(glm.model.layer_groups(0).count(), 3);
  EXPECT_EQ(glm.model.layer_groups(1).count(), 89);

  // GLM-4.5-Air, verbatim: the same class with one dense layer and an MTP module.
  const ImportResult air = ImportFixture("glm4_5_air");
  EXPECT_EQ(air.model.gqa().heads(), 96);
  EXPECT_EQ(air.model.gqa().kv_heads(), 8);
  EXPECT_EQ(air.model.moe().routed_experts(), 128);
  EXPECT_EQ(air.model.moe().expert_intermediate_size(), 1408);
  EXPECT_EQ(air.model.dense_mlp().intermediate_size(), 10944);
  EXPECT_EQ(air.model.layer_groups(0).count(), 1);
  EXPECT_EQ(air.model.layer_groups(1).count(), 45);
  EXPECT_EQ(air.model.mtp_modules(), 1);
  EXPECT_TRUE(air.warnings.empty()) << Keys(air.warnings);
}

// Errors: one line, naming the file and the key.

constexpr char kSmall[] = R"({
  "architectures": ["Qwen3MoeForCausalLM"],
  "hidden_size": 1024, "vocab_size": 1000, "num_hidden_layers": 4,
  "num_attention_heads": 16, "num_key_value_heads": 4, "head_dim": 64,
  "num_experts": 8, "num_experts_per_tok": 2, "moe_intermediate_size": 256,
  "max_position_embeddings": 4096, "torch_dtype": "bfloat16"
})";

TEST(ImportTest, TheSmallConfigImports) {
  absl::StatusOr<ImportResult> r = ImportConfig(kSmall, "small.json");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->model.name(), "Qwen3MoeForCausalLM");
}

// Mistral (every layer) and Qwen2 (use_sliding_window: the layers from
// max_window_layers on) slide as transformers builds their layer_types.
TEST(ImportTest, SlidingWindowWithoutLayerTypes) {
  const std::string dense = absl::StrReplaceAll(
      kSmall, {{"Qwen3MoeForCausalLM", "MistralForCausalLM"},
               {"\"num_experts\": 8,", "\"intermediate_size\": 512, \"sliding_window\": 256,"}});
  absl::StatusOr<ImportResult> mistral = ImportConfig(dense, "x.json");
  ASSERT_TRUE(mistral.ok()) << mistral.status();
  EXPECT_EQ(mistral->model.sliding_window().window_tokens(), 256);
  EXPECT_EQ(mistral->model.sliding_window().layers_size(), 4);

  absl::StatusOr<ImportResult> qwen = ImportConfig(
      absl::StrReplaceAll(dense, {{"MistralForCausalLM", "Qwen2ForCausalLM"},
                                  {"\"sliding_window\": 256,",
                                   "\"sliding_window\": 256, \"use_sliding_window\": true, "
                                   "\"max_window_layers\": 3,"}}),
      "x.json");
  ASSERT_TRUE(qwen.ok()) << qwen.status();
  ASSERT_EQ(qwen->model.sliding_window().layers_size(), 1);
  EXPECT_EQ(qwen->model.sliding_window().layers(0), 3);

  EXPECT_THAT(ImportConfig(absl::StrReplaceAll(dense, {{"\"sliding_window\": 256,",
                                                        "\"sliding_window\": 256, "
                                                        "\"layer_types\": [\"full_attention\"],"}}),
                           "x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("x.json: layer_types: must list num_hidden_layers (4) layers, "
                                 "got 1")));
}

TEST(ImportTest, MalformedJsonSaysWhere) {
  EXPECT_THAT(ImportConfig("{\n  \"a\": 1\n  \"b\": 2\n}", "bad.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("bad.json:3:3: malformed JSON (offset 13): "),
                             HasSubstr("Missing a comma"))));
  EXPECT_THAT(ImportConfig("[1]", "bad.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("bad.json: the top level must be an object")));
}

TEST(ImportTest, UnknownArchitectureIsNamed) {
  const std::string json = absl::StrReplaceAll(kSmall, {{"Qwen3MoeForCausalLM", "FooForCausalLM"}});
  EXPECT_THAT(ImportConfig(json, "x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("x.json: architectures: unknown architecture "
                                       "'FooForCausalLM' (supported: DeepseekV3ForCausalLM,"),
                             Not(HasSubstr("\n")))));
}

TEST(ImportTest, MissingKeyIsNamed) {
  const std::string json = absl::StrReplaceAll(kSmall, {{"\"hidden_size\": 1024,", ""}});
  EXPECT_THAT(ImportConfig(json, "x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("x.json: hidden_size: required key is missing")));
  const std::string nested = R"({"architectures": ["Llama4ForConditionalGeneration"],
                                 "text_config": {"vocab_size": 10}})";
  EXPECT_THAT(ImportConfig(nested, "x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("x.json: text_config.hidden_size: required key is missing")));
}

TEST(ImportTest, ContradictionsAreNamed) {
  EXPECT_THAT(
      ImportConfig(absl::StrReplaceAll(
                       kSmall, {{"\"num_experts_per_tok\": 2", "\"num_experts_per_tok\": 9"}}),
                   "x.json"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("x.json: num_experts_per_tok: must be <= num_experts (8), got 9")));
  EXPECT_THAT(ImportConfig(absl::StrReplaceAll(kSmall, {{"\"num_key_value_heads\": 4",
                                                         "\"num_key_value_heads\": 5"}}),
                           "x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("x.json: num_key_value_heads: must divide "
                                 "num_attention_heads (16), got 5")));
  EXPECT_THAT(ImportConfig(absl::StrReplaceAll(
                               kSmall, {{"\"num_hidden_layers\": 4", "\"num_hidden_layers\": -4"}}),
                           "x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("x.json: num_hidden_layers: must be > 0, got -4")));
  EXPECT_THAT(
      ImportConfig(absl::StrReplaceAll(kSmall, {{"\"head_dim\": 64", "\"head_dim\": \"64\""}}),
                   "x.json"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("x.json: head_dim: must be an integer, got a string")));
  const std::string deepseek = absl::StrReplaceAll(*ReadFile("hf/testdata/deepseek_v3/config.json"),
                                                   {{"\"n_group\": 8", "\"n_group\": 7"}});
  EXPECT_THAT(ImportConfig(deepseek, "x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("x.json: n_group: must divide n_routed_experts (256), got 7")));
  EXPECT_THAT(
      ImportConfig(
          absl::StrReplaceAll(kSmall, {{"\"torch_dtype\": \"bfloat16\"",
                                        "\"quantization_config\": {\"quant_method\": \"awq\"}"}}),
          "x.json"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("x.json: quantization_config.quant_method: 'awq' is not supported")));
}

// Found by //fuzz:hf_config_fuzzer (fuzz/regressions/hf_config_fuzzer/).
// RapidJSON's full-precision strtod was undefined on "0e-45"; numbers are
// read with its default conversion, which gives whole numbers exactly.
TEST(ImportTest, NumbersOfAnyExponentRead) {
  absl::StatusOr<ImportResult> r = ImportConfig(
      absl::StrReplaceAll(kSmall, {{"\"hidden_size\": 1024,",
                                    "\"hidden_size\": 1.024e3, \"rms_norm_eps\": 0e-45,"}}),
      "x.json");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->model.hidden_size(), 1024);
}

// A layer count past the loader's limit is an error before the importer
// lists a kind per layer (4e12 layers asked for 16 TB).
TEST(ImportTest, TooManyLayersIsNamed) {
  EXPECT_THAT(ImportConfig(absl::StrReplaceAll(kSmall, {{"\"num_hidden_layers\": 4",
                                                         "\"num_hidden_layers\": 4000000000000"}}),
                           "x.json"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("x.json: num_hidden_layers: must be <= 16384 (no model has so "
                                 "many layers), got 4000000000000")));
}

// The header comments are one line each: a newline in a config's name does
// not end its comment and add fields to the model written.
TEST(ImportTest, TheHeaderCommentsAreOneLineEach) {
  absl::StatusOr<ImportResult> r = ImportConfig(
      absl::StrReplaceAll(kSmall, {{"\"max_position_embeddings\": 4096,",
                                    "\"_name_or_path\": \"org/x\\nmax_context_tokens: 7\\n#\","}}),
      "x.json");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->model.name(), "x\nmax_context_tokens: 7\n#");
  const std::string text = ModelTextproto(*r, "x.json");
  EXPECT_THAT(text, HasSubstr("# x max_context_tokens: 7 #, imported from x.json"));
  pb::Model back;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &back)) << text;
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(back, r->model)) << text;
}

TEST(ImportTest, EveryArchitectureIsListedOnce) {
  EXPECT_GE(SupportedArchitectures().size(), 10u);
  EXPECT_THAT(SupportedArchitectures(), Contains(Field(&Architecture::name, "Glm4MoeForCausalLM")));
}

}  // namespace
}  // namespace perfmodel::hf
