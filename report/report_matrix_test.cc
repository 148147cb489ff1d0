// //tools:report over every model x hardware in the repo (each model with its
// example deployment): each combination either renders in all four formats or,
// when it does not fit in GPU memory, says by how much.

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/setup.h"
#include "perfmodel/graph.h"
#include "perfmodel/sla.h"
#include "rapidjson/document.h"
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

// ExpectPrinted() holds `got` equal to `want` as printed with `decimals`
// decimals.
void ExpectPrinted(const rapidjson::Value& got, double want, int decimals,
                   const std::string& what) {
  ASSERT_TRUE(got.IsNumber()) << what;
  EXPECT_NEAR(got.GetDouble(), want, 0.5 * std::pow(10.0, -decimals) * (1 + 1e-9)) << what;
}

// ExpectJsonHoldsTheStep() holds the report's JSON to the step it renders: one
// ops row per row of the step, in order, with its part, op, count and time;
// the parts' footer forward and host gap; the SLA's TPOT (or TTFT) and the
// memory's total; and the ops rows' step_ms summing to the forward.
void ExpectJsonHoldsTheStep(const std::string& json, const StepResult& r) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  ASSERT_FALSE(d.HasParseError()) << json;
  ASSERT_TRUE(d.HasMember("ops") && d["ops"].IsArray());
  const rapidjson::Value& ops = d["ops"];
  ASSERT_EQ(ops.Size(), r.row_count);
  double sum_ms = 0.0;
  for (rapidjson::SizeType i = 0; i < ops.Size(); ++i) {
    const OpRow& row = r.rows[i];
    const std::string at = absl::StrCat("ops[", i, "] ", std::string(row.op));
    EXPECT_EQ(std::string(ops[i]["part"].GetString()), PartName(row.part)) << at;
    EXPECT_EQ(std::string(ops[i]["op"].GetString()), row.op) << at;
    EXPECT_EQ(ops[i]["count"].GetInt64(), row.count) << at;
    ExpectPrinted(ops[i]["gflop"], ToGigaflops(row.cost.flops), 3, at);
    ExpectPrinted(ops[i]["hbm_mb"], ToMegabytes(row.cost.bytes), 2, at);
    ExpectPrinted(ops[i]["time_us"], ToMicroseconds(row.cost.time()), 2, at);
    ExpectPrinted(ops[i]["visible_us"], ToMicroseconds(row.visible), 2, at);
    ExpectPrinted(ops[i]["step_ms"], ToMilliseconds(row.Total()), 3, at);
    sum_ms += ops[i]["step_ms"].GetDouble();
  }
  // Σ of the printed step_ms is the forward, to the rows' rounding.
  EXPECT_NEAR(sum_ms, ToMilliseconds(r.forward), 0.0005 * ops.Size());
  ASSERT_TRUE(d.HasMember("parts_footer") && d["parts_footer"].IsArray());
  const rapidjson::Value& footer = d["parts_footer"];
  ASSERT_EQ(footer.Size(), 2u);
  EXPECT_EQ(std::string(footer[0]["part"].GetString()), "forward");
  ExpectPrinted(footer[0]["step_ms"], ToMilliseconds(r.forward), 3, "forward");
  ExpectPrinted(footer[1]["step_ms"], ToMilliseconds(r.host_gap), 3, "host_gap");
  ASSERT_TRUE(d.HasMember("sla") && d["sla"].IsObject());
  if (r.phase == Phase::kDecode) {
    ExpectPrinted(d["sla"]["tpot_ms"], ToMilliseconds(r.sla.tpot), 2, "tpot_ms");
  } else {
    ExpectPrinted(d["sla"]["ttft_ms"], ToMilliseconds(r.prefill.ttft), 2, "ttft_ms");
  }
  ASSERT_TRUE(d.HasMember("memory") && d["memory"].IsObject());
  ExpectPrinted(d["memory"]["total_gb"], ToGigabytes(r.memory.Total()), 2, "total_gb");
  ExpectPrinted(d["memory"]["capacity_gb"], ToGigabytes(r.memory.capacity), 2, "capacity_gb");
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
      ExpectJsonHoldsTheStep(render::Render(doc, render::Format::kJson), r);
      // Every format prints the forward time and the attention row's time.
      const Part part = s->model.HasLayerKind(LayerKind::kMoe) ? Part::kMoe : Part::kDense;
      ASSERT_NE(r.Find("attention", part), nullptr);
      const std::string forward_ms = absl::StrFormat("%.3f", ToMilliseconds(r.forward));
      const std::string attention_us =
          absl::StrFormat("%.2f", ToMicroseconds(r.Find("attention", part)->cost.time()));
      for (render::Format f : {render::Format::kText, render::Format::kMarkdown,
                               render::Format::kCsv, render::Format::kJson}) {
        const std::string out = render::Render(doc, f);
        EXPECT_THAT(out, HasSubstr(forward_ms)) << render::FormatName(f);
        EXPECT_THAT(out, HasSubstr(attention_us)) << render::FormatName(f);
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
      ExpectJsonHoldsTheStep(render::Render(doc, render::Format::kJson), r);
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
