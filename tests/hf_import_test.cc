// Every hf/testdata config.json, imported (hf/import.h), loaded by the model
// loader and costed for one decode step on H200 and B200 with a deployment
// that suits its family: attention TP8 for dense models, attention DP8 with
// experts EP8 for GQA MoE models, the seed's DP64 / EP64 layout for the MLA
// models. Each either renders its report or says by how much it does not fit;
// which fit is pinned below, so a change to the importer or the memory model
// that moves a model in or out of a GPU shows up here.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hf/import.h"
#include "loader/load.h"
#include "loader/setup.h"
#include "perfmodel/graph.h"
#include "report/render.h"
#include "report/step_report.h"

namespace perfmodel {
namespace {

using ::testing::HasSubstr;

struct Case final {
  std::string family;      // hf/testdata/<family>/config.json
  std::string deployment;  // deployments/<...>.textproto
  std::string workload;    // workloads/<...>.textproto
  bool fits_h200;
  bool fits_b200;
};

const std::vector<Case>& Cases() {
  static const auto* v = new std::vector<Case>{
      {"deepseek_v3", "seed_decode", "seed_decode", true, true},
      {"deepseek_v3_2", "seed_decode", "seed_decode", true, true},
      {"kimi_k2", "seed_decode", "qwen3_235b_dp8_ep8", true, true},
      {"qwen3_32b", "llama3_1_70b_tp8", "llama3_1_70b_tp8", true, true},
      {"llama3_1_70b", "llama3_1_70b_tp8", "llama3_1_70b_tp8", true, true},
      {"qwen3_235b_a22b", "qwen3_235b_dp8_ep8", "qwen3_235b_dp8_ep8", true, true},
      {"qwen2_57b_a14b", "qwen3_235b_dp8_ep8", "qwen3_235b_dp8_ep8", true, true},
      {"mixtral_8x7b", "qwen3_235b_dp8_ep8", "qwen3_235b_dp8_ep8", true, true},
      {"gpt_oss_120b", "qwen3_235b_dp8_ep8", "qwen3_235b_dp8_ep8", true, true},
      // BF16 (the abridged GLM-4.7 copy has no quantization_config): 175 GB per H200.
      {"glm4_7", "qwen3_235b_dp8_ep8", "qwen3_235b_dp8_ep8", false, true},
      {"glm4_5_air", "qwen3_235b_dp8_ep8", "qwen3_235b_dp8_ep8", true, true},
      {"llama4_scout", "qwen3_235b_dp8_ep8", "qwen3_235b_dp8_ep8", true, true},
      // BF16 Maverick (400B) with DP-replicated attention and dense layers: 159 GB per H200.
      {"llama4_maverick", "qwen3_235b_dp8_ep8", "qwen3_235b_dp8_ep8", false, true},
  };
  return *v;
}

absl::StatusOr<Setup> ImportedSetup(const Case& c, const std::string& hw) {
  Setup s;
  s.paths = {.model = absl::StrCat("hf/testdata/", c.family, "/config.json"),
             .hardware = absl::StrCat("hw/", hw, ".textproto"),
             .deployment = absl::StrCat("deployments/", c.deployment, ".textproto"),
             .workload = absl::StrCat("workloads/", c.workload, ".textproto")};
  absl::StatusOr<hf::ImportResult> imported = hf::ImportConfigFile(s.paths.model);
  if (!imported.ok()) return imported.status();
  // The model as the tool writes it, through the loader.
  absl::StatusOr<ModelSpec> model =
      ParseModel(hf::ModelTextproto(*imported, s.paths.model), s.paths.model);
  if (!model.ok()) return model.status();
  s.model = *model;
  absl::StatusOr<LoadedHardware> h = LoadHardware(s.paths.hardware);
  if (!h.ok()) return h.status();
  s.hardware = *h;
  absl::StatusOr<LoadedDeployment> d = LoadDeployment(s.paths.deployment);
  if (!d.ok()) return d.status();
  s.deployment = d->spec;
  absl::StatusOr<LoadedWorkload> w = LoadWorkload(s.paths.workload);
  if (!w.ok()) return w.status();
  s.workload = w->spec;
  if (absl::Status st =
          ValidateDeploymentFor(s.model, s.hardware.spec, s.deployment, s.paths.deployment);
      !st.ok()) {
    return st;
  }
  if (absl::Status st = ValidateWorkloadFor(s.model, s.workload, s.paths.workload); !st.ok()) {
    return st;
  }
  return s;
}

TEST(HfImportTest, EveryFixtureImportsAndReportsOnH200AndB200) {
  for (const Case& c : Cases()) {
    for (const std::string hw : {"h200_sxm", "b200"}) {
      SCOPED_TRACE(c.family + " on " + hw);
      absl::StatusOr<perfmodel::Setup> s = ImportedSetup(c, hw);
      ASSERT_TRUE(s.ok()) << s.status();
      const StepResult r = EstimateDecode(s->model, s->hardware.spec, s->deployment, s->workload);
      EXPECT_GT(r.forward, Duration::Zero());
      const absl::Status mem = CheckMemory(*s, r);
      const bool want_fit = hw == "b200" ? c.fits_b200 : c.fits_h200;
      EXPECT_EQ(mem.ok(), want_fit) << mem;
      if (!mem.ok()) {
        EXPECT_EQ(mem.code(), absl::StatusCode::kResourceExhausted);
        EXPECT_THAT(std::string(mem.message()), HasSubstr("over by"));
        continue;
      }
      const render::Document doc = StepDocument(*s, r);
      EXPECT_TRUE(render::CheckDocument(doc).ok());
      EXPECT_THAT(render::Render(doc, render::Format::kJson), HasSubstr("\"tpot_ms\""));
      EXPECT_THAT(render::Render(doc, render::Format::kText), HasSubstr("attention"));
      // The attention patterns the configs name are costed, not warned about.
      if (c.family == "gpt_oss_120b") {
        EXPECT_NE(r.Find("sliding_attention", Part::kMoe), nullptr);
        EXPECT_EQ(r.Find("sliding_attention", Part::kMoe)->count, 18);
        EXPECT_THAT(render::Render(doc, render::Format::kText), HasSubstr("sliding_attention"));
      }
      if (c.family == "deepseek_v3_2") {
        EXPECT_NE(r.Find("indexer", Part::kMoe), nullptr);
        EXPECT_THAT(render::Render(doc, render::Format::kText), HasSubstr("indexer"));
      }
    }
  }
}

// The imported DeepSeek-V3 costs the seed's decode step exactly as the repo's
// hand-written model does (the two specs are equal, so every row is).
TEST(HfImportTest, ImportedDeepSeekV3CostsTheSeedStepLikeTheRepoModel) {
  absl::StatusOr<hf::ImportResult> imported =
      hf::ImportConfigFile("hf/testdata/deepseek_v3/config.json", {.name = "DeepSeek-V3"});
  ASSERT_TRUE(imported.ok()) << imported.status();
  absl::StatusOr<ModelSpec> model = ParseModel(hf::ModelTextproto(*imported, "x"), "x");
  ASSERT_TRUE(model.ok()) << model.status();
  absl::StatusOr<perfmodel::Setup> repo = LoadSetup({});
  ASSERT_TRUE(repo.ok()) << repo.status();
  ASSERT_EQ(*model, repo->model);
  const StepResult a =
      EstimateDecode(repo->model, repo->hardware.spec, repo->deployment, repo->workload);
  const StepResult b =
      EstimateDecode(*model, repo->hardware.spec, repo->deployment, repo->workload);
  EXPECT_EQ(a.forward, b.forward);
  EXPECT_EQ(a.sla.tpot, b.sla.tpot);
}

// The importer writes an interleaved pattern (Llama 4 Maverick: dense, MoE,
// dense, ... 48 runs) as one run per kind, first layer's kind first. That is
// exact for the graph: it costs layers by kind and count, and only the first
// layer's kind can change a row (its input norm has no residual to add), so
// the importer keeps it first. Held here: eight alternating runs cost what the
// two runs cost, row by row, and hold the same weights and KV cache.
TEST(HfImportTest, InterleavedRunsCostLikeOneRunPerKind) {
  absl::StatusOr<perfmodel::Setup> s = ImportedSetup(
      {"llama4_maverick", "qwen3_235b_dp8_ep8", "qwen3_235b_dp8_ep8", false, true}, "b200");
  ASSERT_TRUE(s.ok()) << s.status();
  ASSERT_EQ(s->model.layer_group_count, 2u);
  ModelSpec alternating = s->model;
  alternating.layer_group_count = 8;
  for (std::size_t i = 0; i < 8; ++i) {
    alternating.layer_groups[i] = {i % 2 == 0 ? LayerKind::kDense : LayerKind::kMoe, 6};
  }
  const StepResult a = EstimateDecode(s->model, s->hardware.spec, s->deployment, s->workload);
  const StepResult b = EstimateDecode(alternating, s->hardware.spec, s->deployment, s->workload);
  ASSERT_EQ(a.row_count, b.row_count);
  for (std::size_t i = 0; i < a.row_count; ++i) {
    EXPECT_EQ(a.rows[i].count, b.rows[i].count) << i;
    EXPECT_EQ(a.rows[i].visible, b.rows[i].visible) << i;
  }
  EXPECT_EQ(a.forward, b.forward);
  EXPECT_EQ(a.memory.weights, b.memory.weights);
  EXPECT_EQ(a.memory.kv_cache, b.memory.kv_cache);
}

// Qwen2-MoE's shared expert is its own width: its GEMMs and weights are
// 20480 wide, the routed experts' 2560.
TEST(HfImportTest, Qwen2MoeSharedExpertIsCostedAtItsOwnWidth) {
  absl::StatusOr<perfmodel::Setup> s = ImportedSetup(
      {"qwen2_57b_a14b", "qwen3_235b_dp8_ep8", "qwen3_235b_dp8_ep8", true, true}, "h200_sxm");
  ASSERT_TRUE(s.ok()) << s.status();
  const MoeMlp::WeightSet w = MoeMlp::Weights(s->model, s->deployment);
  EXPECT_EQ(w.shared_up_gate.n, 2 * 20480);
  EXPECT_EQ(w.shared_down.k, 20480);
  EXPECT_EQ(w.experts_down.k, 2560);
  EXPECT_EQ(w.shared_down.Size(), ByteCount(20480.0 * 3584 * 2));  // BF16
  const StepResult r = EstimateDecode(s->model, s->hardware.spec, s->deployment, s->workload);
  const OpRow* up = r.Find("shared_up_gate", Part::kMoe);
  ASSERT_NE(up, nullptr);
  const double tokens = static_cast<double>(s->workload.batch_per_dp);  // no MTP drafts
  EXPECT_EQ(ToFlops(up->cost.flops), 2.0 * tokens * 3584 * 2 * 20480);
}

// MoE without shared experts (Qwen3, Mixtral, gpt-oss) emits no shared-expert
// rows and holds no shared weights; Llama 4, Qwen2-MoE and the DeepSeek
// layout do.
TEST(HfImportTest, SharedExpertRowsOnlyWhereTheConfigHasThem) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE(c.family);
    absl::StatusOr<perfmodel::Setup> s = ImportedSetup(c, "b200");
    ASSERT_TRUE(s.ok()) << s.status();
    if (!s->model.HasLayerKind(LayerKind::kMoe)) continue;
    const StepResult r = EstimateDecode(s->model, s->hardware.spec, s->deployment, s->workload);
    ASSERT_NE(r.Find("router", Part::kMoe), nullptr);
    EXPECT_EQ(r.Find("shared_up_gate", Part::kMoe) != nullptr, s->model.moe.shared_experts > 0);
    EXPECT_EQ(r.Find("shared_down", Part::kMoe) != nullptr, s->model.moe.shared_experts > 0);
  }
}

}  // namespace
}  // namespace perfmodel
