// //tools:report over every model x hardware in the repo (each model with its
// example deployment): each combination either renders in all four formats or,
// when it does not fit in GPU memory, says by how much.

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "perfmodel/graph.h"
#include "loader/setup.h"
#include "perfmodel/sla.h"
#include "report/render.h"
#include "report/sla_report.h"
#include "report/step_report.h"

namespace perfmodel {
namespace {

using ::testing::HasSubstr;

const std::vector<std::pair<std::string, std::string>>& ModelsAndDeployments() {
  static const auto* v = new std::vector<std::pair<std::string, std::string>>{
      {"models/deepseek_v3.textproto", "deployments/seed_decode.textproto"},
      {"models/llama3_1_70b.textproto", "deployments/llama3_1_70b_tp8.textproto"},
      {"models/qwen3_235b_a22b.textproto", "deployments/qwen3_235b_dp8_ep8.textproto"},
  };
  return *v;
}

const std::vector<std::string>& Hardware() {
  static const auto* v = new std::vector<std::string>{
      "hw/h800_sxm.textproto", "hw/h100_sxm.textproto", "hw/h200_sxm.textproto",
      "hw/h20.textproto",      "hw/b200.textproto",     "hw/gb200.textproto",
      "hw/h200_sxm_seed_calibrated.textproto"};
  return *v;
}

TEST(ReportMatrixTest, EveryModelOnEveryGpu) {
  int fits = 0, total = 0;
  for (const auto& [model, deployment] : ModelsAndDeployments()) {
    for (const std::string& hw : Hardware()) {
      SCOPED_TRACE(model + " on " + hw);
      absl::StatusOr<perfmodel::Setup> s = LoadSetup({.model = model, .hardware = hw, .deployment = deployment});
      ASSERT_TRUE(s.ok()) << s.status();
      const StepResult r = EstimateDecode(s->model, s->hardware.spec, s->deployment, s->workload);
      ++total;
      EXPECT_GT(r.forward, Duration::Zero());
      const absl::Status mem = CheckMemory(*s, r);
      if (!mem.ok()) {
        EXPECT_EQ(mem.code(), absl::StatusCode::kResourceExhausted);
        EXPECT_THAT(std::string(mem.message()), HasSubstr("over by"));
        continue;
      }
      ++fits;
      const render::Document doc = StepDocument(*s, r);
      EXPECT_TRUE(render::CheckDocument(doc).ok());
      for (render::Format f : {render::Format::kText, render::Format::kMarkdown,
                               render::Format::kCsv, render::Format::kJson}) {
        EXPECT_THAT(render::Render(doc, f), HasSubstr("attention"));
      }
    }
  }
  EXPECT_GE(fits, 18) << fits << " of " << total << " fit";
}

// The prefill report (--phase=prefill) over the same matrix: DeepSeek-V3 with
// the seed's P node, the others with their decode deployment's workload turned
// into prompts. Every combination that fits renders a causal prefill.
TEST(ReportMatrixTest, EveryModelOnEveryGpuInPrefill) {
  int fits = 0;
  for (auto [model, deployment] : ModelsAndDeployments()) {
    if (deployment == "deployments/seed_decode.textproto") {
      deployment = "deployments/seed_prefill.textproto";
    }
    for (const std::string& hw : Hardware()) {
      SCOPED_TRACE(model + " on " + hw + " (prefill)");
      absl::StatusOr<perfmodel::Setup> s =
          LoadSetup({.model = model, .hardware = hw, .deployment = deployment});
      ASSERT_TRUE(s.ok()) << s.status();
      ASSERT_TRUE(ApplyOverrides({.batch_per_dp = 1, .phase = Phase::kPrefill}, s->workload).ok());
      const StepResult r = EstimateStep(s->model, s->hardware.spec, s->deployment, s->workload);
      EXPECT_EQ(r.phase, Phase::kPrefill);
      EXPECT_EQ(r.prefill.ttft, r.forward + r.host_gap);
      EXPECT_GT(r.forward, Duration::Zero());
      EXPECT_GT(r.memory.activations, Bytes::Zero());
      if (!CheckMemory(*s, r).ok()) continue;
      ++fits;
      const render::Document doc = StepDocument(*s, r);
      EXPECT_TRUE(render::CheckDocument(doc).ok());
      EXPECT_THAT(render::Render(doc, render::Format::kJson), HasSubstr("\"ttft_ms\""));
      // Attention over the prompt: compute-bound, every model.
      const Part part = s->model.HasLayerKind(LayerKind::kMoe) ? Part::kMoe : Part::kDense;
      ASSERT_NE(r.Find("attention", part), nullptr);
      EXPECT_EQ(r.Find("attention", part)->cost.bound, Bound::kCompute);
    }
  }
  EXPECT_GE(fits, 12);
}

TEST(ReportMatrixTest, TooLargeForTheGpuSaysByHowMuch) {
  absl::StatusOr<perfmodel::Setup> s = LoadSetup({.model = "models/llama3_1_70b.textproto",
                                       .hardware = "hw/h100_sxm.textproto",
                                       .deployment = "deployments/llama3_1_70b_tp8.textproto"});
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(ApplyOverrides({.batch_per_dp = 512, .context_tokens = 32768}, s->workload).ok());
  const StepResult r = EstimateDecode(s->model, s->hardware.spec, s->deployment, s->workload);
  const absl::Status mem = CheckMemory(*s, r);
  EXPECT_EQ(mem.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(mem.message()), HasSubstr("llama-70b-tp8-b64"));
  EXPECT_THAT(std::string(mem.message()), HasSubstr("over by"));
}

TEST(ReportMatrixTest, OverridesAreValidatedAndNameTheField) {
  WorkloadSpec d;
  d.batch_per_dp = 24;
  d.context_tokens = 4096;
  d.host_gap = Milliseconds(1.3);
  EXPECT_EQ(std::string(ApplyOverrides({.batch_per_dp = -1}, d).message()),
            "batch_per_dp: must be >= 1, got -1");
  EXPECT_EQ(std::string(ApplyOverrides({.batch_per_dp = 8, .context_tokens = 0}, d).message()),
            "context_tokens: must be >= 1, got 0");
  EXPECT_EQ(std::string(ApplyOverrides({.host_gap = Milliseconds(-2)}, d).message()),
            "host_gap: must be a finite duration >= 0, got -2 ms");
  EXPECT_EQ(d.batch_per_dp, 24);  // nothing applied when one value is bad
  EXPECT_TRUE(ApplyOverrides({}, d).ok());  // nothing given: the file's values
  EXPECT_EQ(d.host_gap, Milliseconds(1.3));
  EXPECT_TRUE(ApplyOverrides({.batch_per_dp = 48, .host_gap = Duration::Zero()}, d).ok());
  EXPECT_EQ(d.batch_per_dp, 48);
  EXPECT_EQ(d.context_tokens, 4096);
  EXPECT_EQ(d.host_gap, Duration::Zero());
}

// //tools:sla --predict_prefill: the predicted row is the measured row of the
// predicted forward time (same keys, same figures), with direction "simulated".
TEST(PredictedPrefillTest, IsTheMeasuredRowOfThePredictedForward) {
  for (const WorkloadOverrides& o :
       {WorkloadOverrides{}, WorkloadOverrides{.batch_per_dp = 2, .chunk_tokens = 4096}}) {
    absl::StatusOr<perfmodel::Setup> s =
        LoadSetup({.deployment = "deployments/seed_prefill.textproto"});
    ASSERT_TRUE(s.ok()) << s.status();
    ASSERT_TRUE(ApplyOverrides(o, s->workload).ok());
    const StepResult r = EstimatePrefill(s->model, s->hardware.spec, s->deployment, s->workload);
    const render::Record predicted = PredictedPrefillRecord(*s, r);
    const PrefillShape shape{.dp = 8,
                             .batch_per_dp = s->workload.batch_per_dp,
                             .prompt_tokens = s->workload.prompt_tokens};
    const render::Record measured =
        PrefillRecord(PrefillFromForward(r.prefill.forward, shape, r.prefill.host_gap),
                      "measured", "prefill", "");
    EXPECT_EQ(predicted.name, "prefill");
    EXPECT_THAT(predicted.title,
                HasSubstr(absl::StrCat(r.forwards, r.forwards == 1 ? " forward" : " forwards")));
    ASSERT_EQ(predicted.fields.size(), measured.fields.size());
    for (size_t i = 1; i < predicted.fields.size(); ++i) {  // [0] is the direction
      EXPECT_EQ(predicted.fields[i].key, measured.fields[i].key);
      render::Document a, b;
      a.Add(render::Record{.fields = {predicted.fields[i]}});
      b.Add(render::Record{.fields = {measured.fields[i]}});
      EXPECT_EQ(render::Render(a, render::Format::kCsv), render::Render(b, render::Format::kCsv))
          << predicted.fields[i].key;
    }
    EXPECT_EQ(std::get<std::string>(predicted.fields[0].value.get()), "simulated");
  }
}

}  // namespace
}  // namespace perfmodel
