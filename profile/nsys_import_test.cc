// Tests for profile/nsys_import.h: CSV and nsys report parsing (current and
// older layouts), rules validation, the import's arithmetic against the
// SYNTHETIC fixtures of tests/testdata/nsys (see its README.md), and every
// error path.

#include "profile/nsys_import.h"

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/load.h"
#include "perfmodel/testing/matchers.h"
#include "profile/nsys_import_report.h"
#include "report/render.h"

namespace perfmodel::nsys {
namespace {

using ::perfmodel::testing::DurationNear;
using ::perfmodel::testing::IsOk;
using ::perfmodel::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr char kDir[] = "tests/testdata/nsys/";
constexpr char kRules[] = "baselines/rules/deepseek_v3_decode.textproto";
constexpr int64_t kFixtureSteps = 4;  // make_synthetic.py STEPS

std::string Data(absl::string_view name) {
  absl::StatusOr<std::string> t = ReadFile(absl::StrCat(kDir, name));
  EXPECT_THAT(t, IsOk());
  return t.ok() ? *t : "";
}

const KernelStats* Find(const KernelTable& t, absl::string_view part) {
  for (const KernelStats& k : t.kernels) {
    if (absl::StrContains(k.name, part)) return &k;
  }
  return nullptr;
}

// ---- CSV -------------------------------------------------------------------

TEST(ParseCsvTest, QuotedFieldsCrlfBomAndBlankLines) {
  absl::StatusOr<std::vector<CsvRecord>> r = ParseCsv(
      "\xEF\xBB\xBF"
      "a,\"b, c\",\"say \"\"hi\"\"\"\r\n"
      "\r\n"
      "\"multi\nline\",x\n"
      "last,\n",
      "t.csv");
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_THAT((*r)[0].fields, ElementsAre("a", "b, c", "say \"hi\""));
  EXPECT_EQ((*r)[0].line, 1);
  EXPECT_THAT((*r)[1].fields, ElementsAre("multi\nline", "x"));
  EXPECT_EQ((*r)[1].line, 3);
  EXPECT_THAT((*r)[2].fields, ElementsAre("last", ""));
  EXPECT_EQ((*r)[2].line, 5);
}

TEST(ParseCsvTest, LastLineWithoutNewline) {
  absl::StatusOr<std::vector<CsvRecord>> r = ParseCsv("a,b\r\n\"c\",d", "t.csv");
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_THAT((*r)[1].fields, ElementsAre("c", "d"));
}

TEST(ParseCsvTest, UnterminatedQuoteNamesTheLineItOpened) {
  EXPECT_THAT(ParseCsv("a,b\nc,\"never\nclosed\n", "t.csv"),
              StatusIs(kInvalid, HasSubstr("t.csv:2: a quoted field opened here never closes")));
}

TEST(ParseCsvTest, TextAfterClosingQuote) {
  EXPECT_THAT(ParseCsv("a\n\"b\"c,d\n", "t.csv"),
              StatusIs(kInvalid, HasSubstr("t.csv:2: text after a closing double quote")));
}

// ---- cuda_gpu_kern_sum ---------------------------------------------------------

TEST(ParseKernSumTest, ReadsTheCurrentLayout) {
  absl::StatusOr<KernelTable> t =
      ParseKernSum(Data("deepseek_decode_cuda_gpu_kern_sum.csv"), "ks.csv");
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(t->kind, ReportKind::kKernSum);
  EXPECT_EQ(t->kernels.size(), 33u);
  const KernelStats* mla = Find(*t, "flash_fwd_splitkv_mla_kernel<");
  ASSERT_NE(mla, nullptr);
  // 4 steps x (3 dense x 145 us + 58 MoE x 142 us).
  EXPECT_EQ(mla->launches, 4 * 61);
  EXPECT_THAT(mla->total, DurationNear(Microseconds(4 * (3 * 145 + 58 * 142)), Nanoseconds(1)));
  EXPECT_EQ(mla->line, 2);
  EXPECT_TRUE(mla->each.empty());
}

// gpukernsum of older nsys, as captured from stdout: chatter before the
// header, every field quoted, CRLF, Average/Minimum/Maximum columns.
TEST(ParseKernSumTest, OlderLayoutGivesTheSameTable) {
  absl::StatusOr<KernelTable> now =
      ParseKernSum(Data("deepseek_decode_cuda_gpu_kern_sum.csv"), "now.csv");
  absl::StatusOr<KernelTable> old = ParseKernSum(Data("deepseek_decode_gpukernsum_old.csv"),
                                                 "old.csv");
  ASSERT_THAT(now, IsOk());
  ASSERT_THAT(old, IsOk());
  ASSERT_EQ(now->kernels.size(), old->kernels.size());
  for (std::size_t i = 0; i < now->kernels.size(); ++i) {
    EXPECT_EQ(now->kernels[i].name, old->kernels[i].name);
    EXPECT_EQ(now->kernels[i].launches, old->kernels[i].launches);
    EXPECT_EQ(now->kernels[i].total, old->kernels[i].total);
  }
  EXPECT_EQ(old->kernels[0].line, 5);  // after 3 lines of chatter and the header
}

TEST(ParseKernSumTest, TimeUnitsThousandsSeparatorsAndRepeatedNames) {
  absl::StatusOr<KernelTable> t = ParseKernSum(
      "Time (%),Total Time (us),Instances,Name\n"
      "50,\"1,234.5\",\"2,000\",k\n"
      "50,0.5,1,k\n",
      "t.csv");
  ASSERT_THAT(t, IsOk());
  ASSERT_EQ(t->kernels.size(), 1u);
  EXPECT_THAT(t->kernels[0].total, DurationNear(Microseconds(1235), Nanoseconds(1)));
  EXPECT_EQ(t->kernels[0].launches, 2001);
}

TEST(ParseKernSumTest, Errors) {
  const std::string header = "Time (%),Total Time (ns),Instances,Name\n";
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", "k.csv: file is empty"},
      {"\n  \n", "k.csv: file is empty"},
      {"SKIPPED: x.sqlite does not contain CUDA kernel data.\n",
       "k.csv: no cuda_gpu_kern_sum header found"},
      {"Time (%),Instances,Name\n1,2,k\n",
       "k.csv:1: missing column 'Total Time (ns)' in the cuda_gpu_kern_sum header (it has: "
       "Time (%), Instances, Name)"},
      {"Time (%),Total Time (ns),Name\n1,2,k\n", "k.csv:1: missing column 'Instances'"},
      {"Start (ns),Duration (ns),CorrId,Name\n1,2,3,k\n",
       "this looks like a cuda_gpu_trace CSV: import it as a trace"},
      {"Total Time (min),Instances,Name\n1,2,k\n",
       "k.csv:1: column 'Total Time (min)': unknown time unit 'min'"},
      {header, "k.csv:1: no data rows after the cuda_gpu_kern_sum header"},
      {header + "1,12x,3,k\n", "k.csv:2: column 'Total Time (ns)': not a number: '12x'"},
      {header + "1,-5,3,k\n", "k.csv:2: column 'Total Time (ns)': must be >= 0, got -5"},
      {header + "1,nan,3,k\n", "k.csv:2: column 'Total Time (ns)': not a number"},
      {header + "1,5,2.5,k\n", "k.csv:2: column 'Instances': not a whole number: '2.5'"},
      {header + "1,5,0,k\n", "k.csv:2: column 'Instances': must be > 0, got 0"},
      {header + "1,5,3,k\n1,5,3,void f<a, b>(int)\n",
       "k.csv:3: has 5 fields, but the header (line 1) has 4"},
      {header + "1,5,3, \n", "k.csv:2: column 'Name': empty"},
      {header + "1,5,3,k\n\nProcessing [x.sqlite] with [cuda_api_sum.py]...\n",
       "k.csv:4: has 1 fields, but the header (line 1) has 4"},
      {header + "1,5,3,k\n" + header, "k.csv:3: a second header: give one report per file"},
      // Found by //fuzz:kern_sum_fuzzer: sums past double's and int64_t's range.
      {"Total Time (s),Instances,Name\n1e308,1,k\n1e308,1,k\n",
       "k.csv:3: column 'Total Time (s)': the total time of kernel 'k' is not a finite number "
       "of seconds"},
      {header + "1,5,9223372036854775807,k\n1,5,1,k\n",
       "k.csv:3: column 'Instances': the launches of kernel 'k' add up to more than "
       "9223372036854775807"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseKernSum(c.text, "k.csv"), StatusIs(kInvalid, HasSubstr(c.message)))
        << c.text;
  }
}

// ---- cuda_gpu_trace ------------------------------------------------------------

TEST(ParseTraceTest, PicksOneDeviceOfTwo) {
  absl::StatusOr<KernelTable> t =
      ParseTrace(Data("toy_cuda_gpu_trace.csv"), "toy.csv", "NVIDIA H800 (0)");
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(t->kind, ReportKind::kTrace);
  const KernelStats* rms = Find(*t, "RMSNormKernel<");
  ASSERT_NE(rms, nullptr);
  EXPECT_EQ(rms->launches, 10);  // 5 per step, 2 steps
  ASSERT_EQ(rms->each.size(), 10u);
  // make_synthetic.py toy_step: 8, 3, 8, 3, 5 us on device 0.
  EXPECT_THAT(rms->each[0].duration, DurationNear(Microseconds(8), Nanoseconds(1)));
  EXPECT_THAT(rms->each[1].duration, DurationNear(Microseconds(3), Nanoseconds(1)));
  EXPECT_THAT(rms->each[4].duration, DurationNear(Microseconds(5), Nanoseconds(1)));
  for (std::size_t i = 1; i < rms->each.size(); ++i) {
    EXPECT_LT(rms->each[i - 1].start, rms->each[i].start);
  }
  EXPECT_NE(Find(*t, "[CUDA memcpy Device-to-Host]"), nullptr);
}

TEST(ParseTraceTest, OlderLayoutWithOneDevice) {
  absl::StatusOr<KernelTable> old = ParseTrace(Data("toy_gputrace_old.csv"), "old.csv", "");
  absl::StatusOr<KernelTable> now =
      ParseTrace(Data("toy_cuda_gpu_trace.csv"), "now.csv", "NVIDIA H800 (0)");
  ASSERT_THAT(old, IsOk());
  ASSERT_THAT(now, IsOk());
  ASSERT_EQ(old->kernels.size(), now->kernels.size());
  for (std::size_t i = 0; i < old->kernels.size(); ++i) {
    EXPECT_EQ(old->kernels[i].name, now->kernels[i].name);
    EXPECT_EQ(old->kernels[i].total, now->kernels[i].total);
  }
}

TEST(ParseTraceTest, Errors) {
  const std::string header = "Start (ns),Duration (ns),Device,Name\n";
  struct Case {
    std::string text;
    std::string device;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"Start (ns),Name\n1,k\n", "",
       "t.csv:1: missing column 'Duration (ns)' in the cuda_gpu_trace header"},
      {"Duration (ns),Name\n1,k\n", "", "t.csv:1: missing column 'Start (ns)'"},
      {"Time (%),Total Time (ns),Instances,Name\n1,2,3,k\n", "",
       "this looks like a cuda_gpu_kern_sum CSV: import it as a kernel summary"},
      {header, "", "t.csv:1: no data rows after the cuda_gpu_trace header"},
      {header + "1,x,G (0),k\n", "", "t.csv:2: column 'Duration (ns)': not a number: 'x'"},
      {header + "y,1,G (0),k\n", "", "t.csv:2: column 'Start (ns)': not a number: 'y'"},
      {header + "1,1,G (0),k\n2,1,G (1),k\n", "",
       "t.csv:1: column 'Device': the trace holds 2 devices ('G (0)', 'G (1)'); pick one device"},
      {header + "1,1,G (0),k\n", "G (7)",
       "t.csv:1: column 'Device': no row is on device 'G (7)' (devices: 'G (0)')"},
      {"Start (ns),Duration (ns),Name\n1,1,k\n", "G (0)",
       "t.csv:1: a device was given, but the header has no 'Device' column"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseTrace(c.text, "t.csv", c.device), StatusIs(kInvalid, HasSubstr(c.message)))
        << c.text;
  }
}

// ---- rules -----------------------------------------------------------------

TEST(ParseRulesTest, RepoAndToyRulesLoad) {
  absl::StatusOr<Rules> r = LoadRules(kRules);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->regex.size(), static_cast<std::size_t>(r->proto.rules_size()));
  EXPECT_EQ(r->line.size(), r->regex.size());
  EXPECT_THAT(LoadRules(absl::StrCat(kDir, "toy_rules.textproto")), IsOk());
}

// The rules' layer counts are the model's.
TEST(ParseRulesTest, RepoRulesLayerCountsAreTheModels) {
  absl::StatusOr<Rules> r = LoadRules(kRules);
  absl::StatusOr<ModelSpec> m = LoadModel("models/deepseek_v3.textproto");
  ASSERT_THAT(r, IsOk());
  ASSERT_THAT(m, IsOk());
  for (const pb::NsysLayerCount& l : r->proto.layers()) {
    if (l.layer_kind() == "dense") {
      EXPECT_EQ(l.count(), m->LayerCount(LayerKind::kDense));
    } else if (l.layer_kind() == "moe") {
      EXPECT_EQ(l.count(), m->LayerCount(LayerKind::kMoe));
    }
  }
}

TEST(ParseRulesTest, MissingFileNamesPath) {
  EXPECT_THAT(LoadRules("baselines/rules/nope.textproto"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("baselines/rules/nope.textproto")));
}

TEST(ParseRulesTest, Errors) {
  const std::string layers = "layers { layer_kind: \"moe\" count: 58 }\n";
  const std::string ok_rule =
      "rules { regex: \"k\" op: \"dispatch\" layer_kind: \"moe\" occurrences_per_step: 58 }\n";
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"layers {", "r.textproto:1:9:"},
      {ok_rule, "r.textproto: layers: required field is missing"},
      {layers, "r.textproto: rules: required field is missing"},
      {"layers { layer_kind: \"attn\" count: 1 }\n" + ok_rule,
       "r.textproto:1:10: layers[0].layer_kind: unknown layer kind 'attn'"},
      {layers + "layers { layer_kind: \"moe\" count: 1 }\n" + ok_rule,
       "r.textproto:2:10: layers[1].layer_kind: 'moe' is listed twice"},
      {"layers { layer_kind: \"moe\" count: 0 }\n" + ok_rule,
       "r.textproto:1:28: layers[0].count: must be > 0, got 0"},
      {"layers { layer_kind: \"moe\" }\n" + ok_rule,
       "r.textproto:1:1: layers[0].count: required field is missing"},
      {layers + "rules { op: \"dispatch\" layer_kind: \"moe\" occurrences_per_step: 58 }\n",
       "r.textproto:2:1: rules[0].regex: required field is missing"},
      {layers + ok_rule +
           "rules { regex: \"fp8_gemm_kernel<(\" op: \"moe_up_gate\" layer_kind: \"moe\" "
           "occurrences_per_step: 58 }\n",
       "r.textproto:3:9: rules[1].regex: not a valid RE2 regex: missing ): fp8_gemm_kernel<("},
      // ECMAScript lookahead, which RE2 does not have.
      {layers + "rules { regex: \"gemm(?=<)\" op: \"moe_up_gate\" layer_kind: \"moe\" "
                "occurrences_per_step: 58 }\n",
       "r.textproto:2:9: rules[0].regex: not a valid RE2 regex: invalid perl operator: (?="},
      {layers + "rules { regex: \"k\" op: \"atention\" layer_kind: \"moe\" occurrences_per_step: 1 }\n",
       "r.textproto:2:20: rules[0].op: 'atention' is not a canonical op"},
      {layers + "rules { regex: \"k\" op: \"mlp_down\" layer_kind: \"dense\" occurrences_per_step: 1 }\n",
       "r.textproto:2:35: rules[0].layer_kind: 'dense' has no entry in `layers`"},
      {layers + "rules { regex: \"k\" op: \"dispatch\" layer_kind: \"moe\" }\n",
       "r.textproto:2:1: rules[0].occurrences_per_step: required field is missing"},
      {layers + "rules { regex: \"k\" op: \"dispatch\" layer_kind: \"moe\" occurrences_per_step: 0 }\n",
       "rules[0].occurrences_per_step: must be in 1 .. 1000000, got 0"},
      {layers + "rules { regex: \"k\" op: \"dispatch\" layer_kind: \"moe\" occurrences_per_step: 1 "
                "first: -1 }\n",
       "rules[0].first: must be in 0 .. 999999, got -1"},
      {layers + "rules { regex: \"k\" op: \"dispatch\" layer_kind: \"moe\" occurrences_per_step: 1 "
                "stride: 2 }\n",
       "rules[0].stride: is set but `first` is not"},
      {layers + "rules { regex: \"k\" op: \"dispatch\" layer_kind: \"moe\" occurrences_per_step: 1 "
                "first: 0 stride: 0 }\n",
       "rules[0].stride: must be in 1 .. 1000000, got 0"},
      {layers + ok_rule +
           "rules { regex: \"k\" op: \"combine\" layer_kind: \"moe\" occurrences_per_step: 58 "
           "first: 0 }\n",
       "r.textproto:2:9: rules[0].regex: shares its regex with rules[1] (line 3), which has "
       "`first`"},
      {layers +
           "rules { regex: \"k\" op: \"dispatch\" layer_kind: \"moe\" occurrences_per_step: 2 "
           "first: 0 }\n"
           "rules { regex: \"k\" op: \"combine\" layer_kind: \"moe\" occurrences_per_step: 2 "
           "first: 1 }\n",
       "r.textproto:3:76: rules[1].first: selects launch 1 of a step, which rules[0] (line 2) "
       "selects too"},
      {layers +
           "rules { regex: \"k\" op: \"dispatch\" layer_kind: \"moe\" occurrences_per_step: 2 "
           "first: 1 stride: 2 }\n"
           "rules { regex: \"k\" op: \"combine\" layer_kind: \"moe\" occurrences_per_step: 1 "
           "first: 0 }\n",
       "rules[0].first: selects launch 3 of a step, but the rules sharing this regex have 3 "
       "launches per step (0 .. 2)"},
      {layers +
           "rules { regex: \"k\" op: \"dispatch\" layer_kind: \"moe\" occurrences_per_step: "
           "1000000 }\n"
           "rules { regex: \"k\" op: \"combine\" layer_kind: \"moe\" occurrences_per_step: 1 }\n",
       "r.textproto:2:53: rules[0].occurrences_per_step: the rules sharing this regex add up to "
       "1000001 launches per step, more than 1000000"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ParseRules(c.text, "r.textproto"), StatusIs(kInvalid, HasSubstr(c.message)))
        << c.text;
  }
}

// ---- import: the SYNTHETIC DeepSeek-V3 fixtures ----------------------------------

// One row of synthetic_program.csv: a kernel launch of one layer of a kind.
struct ProgramRow {
  std::string layer_kind, op, kernel;
  Duration duration;
};

std::vector<ProgramRow> Program() {
  absl::StatusOr<std::vector<CsvRecord>> csv =
      ParseCsv(Data("synthetic_program.csv"), "synthetic_program.csv");
  EXPECT_THAT(csv, IsOk());
  std::vector<ProgramRow> out;
  if (!csv.ok()) return out;
  for (std::size_t i = 1; i < csv->size(); ++i) {
    const std::vector<std::string>& f = (*csv)[i].fields;
    double ns = 0;
    EXPECT_TRUE(absl::SimpleAtod(f[2], &ns)) << f[2];
    out.push_back({f[0], f[1], f[3], Nanoseconds(ns)});
  }
  return out;
}

std::map<std::string, int64_t> LayerCounts(const Rules& r) {
  std::map<std::string, int64_t> m;
  for (const pb::NsysLayerCount& l : r.proto.layers()) m[l.layer_kind()] = l.count();
  return m;
}

using OpKey = std::pair<std::string, std::string>;  // op, layer_kind

std::map<OpKey, pb::OpTime> ByOp(const pb::Baseline& b) {
  std::map<OpKey, pb::OpTime> m;
  for (const pb::OpTime& o : b.ops()) m[{o.op(), o.layer_kind()}] = o;
  return m;
}

// Per op and layer kind, the program's time per layer: what a trace import
// must give exactly.
std::map<OpKey, Duration> ExactPerLayer(const std::vector<ProgramRow>& program) {
  std::map<OpKey, Duration> m;
  for (const ProgramRow& r : program) {
    if (!r.op.empty()) m[{r.op, r.layer_kind}] += r.duration;
  }
  return m;
}

// What a summary import must give: every launch of a kernel is credited the
// kernel's mean launch time over the step.
std::map<OpKey, Duration> MeanPerLayer(const std::vector<ProgramRow>& program,
                                       const std::map<std::string, int64_t>& layers) {
  std::map<std::string, std::pair<Duration, int64_t>> kernel;  // total, launches per step
  for (const ProgramRow& r : program) {
    kernel[r.kernel].first += r.duration * static_cast<double>(layers.at(r.layer_kind));
    kernel[r.kernel].second += layers.at(r.layer_kind);
  }
  std::map<OpKey, Duration> m;
  for (const ProgramRow& r : program) {
    if (r.op.empty()) continue;
    const auto& [total, n] = kernel.at(r.kernel);
    m[{r.op, r.layer_kind}] += total / static_cast<double>(n);
  }
  return m;
}

// The program as a cuda_gpu_trace CSV of `steps` steps on one GPU.
std::string ProgramTrace(const std::vector<ProgramRow>& program,
                         const std::map<std::string, int64_t>& layers, int steps) {
  std::string csv =
      "Start (ns),Duration (ns),CorrId,GrdX,GrdY,GrdZ,BlkX,BlkY,BlkZ,Reg/Trd,StcSMem (MB),"
      "DymSMem (MB),Bytes (MB),Throughput (MB/s),SrcMemKd,DstMemKd,Device,Ctx,GreenCtx,Strm,"
      "Name\n";
  double t = 1e9;
  int corr = 0;
  for (int s = 0; s < steps; ++s) {
    for (const char* kind : {"dense", "moe", "head", "step"}) {
      for (int64_t l = 0; l < layers.at(kind); ++l) {
        for (const ProgramRow& r : program) {
          if (r.layer_kind != kind) continue;
          const double ns = ToNanoseconds(r.duration);
          absl::StrAppend(&csv, static_cast<int64_t>(t), ",", static_cast<int64_t>(ns), ",",
                          ++corr, ",132,1,1,128,1,1,168,0.000,0.213,,,,,NVIDIA H800 (0),1,,7,\"",
                          absl::StrReplaceAll(r.kernel, {{"\"", "\"\""}}), "\"\n");
          t += ns + 1500;
        }
      }
    }
    absl::StrAppend(&csv, static_cast<int64_t>(t), ",2000,", ++corr,
                    ",,,,,,,,,,0.001,1.536,Device,Pinned,NVIDIA H800 (0),1,,20,"
                    "[CUDA memcpy Device-to-Host]\n");
    t += 1.3e6;
  }
  return csv;
}

class DeepSeekImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Rules> r = LoadRules(kRules);
    ASSERT_THAT(r, IsOk());
    rules_ = *std::move(r);
    program_ = Program();
    ASSERT_FALSE(program_.empty());
    options_.header.set_name("synthetic");
    options_.header.set_model("models/deepseek_v3.textproto");
    options_.header.set_batch_per_dp(24);
  }

  Rules rules_;
  std::vector<ProgramRow> program_;
  ImportOptions options_;
};

TEST_F(DeepSeekImportTest, SummaryCreditsEachLaunchTheKernelsMean) {
  absl::StatusOr<KernelTable> t =
      ParseKernSum(Data("deepseek_decode_cuda_gpu_kern_sum.csv"), "ks.csv");
  ASSERT_THAT(t, IsOk());
  options_.steps = kFixtureSteps;
  absl::StatusOr<ImportResult> r = Import(*t, rules_, options_);
  ASSERT_THAT(r, IsOk());
  const std::map<OpKey, Duration> want = MeanPerLayer(program_, LayerCounts(rules_));
  const auto got = ByOp(r->baseline);
  EXPECT_EQ(got.size(), want.size());
  for (const auto& [key, t_want] : want) {
    ASSERT_TRUE(got.count(key)) << key.first << "/" << key.second;
    EXPECT_THAT(Microseconds(got.at(key).time_us()), DurationNear(t_want, Nanoseconds(1)))
        << key.first << "/" << key.second;
  }
  // Spot check by hand: attention = FlashMLA split-KV (3 x 145 + 58 x 142) / 61
  // + combine 8 = 150.148 us in both layer kinds.
  EXPECT_DOUBLE_EQ(got.at({"attention", "dense"}).time_us(), 150.148);
  EXPECT_DOUBLE_EQ(got.at({"attention", "moe"}).time_us(), 150.148);
  EXPECT_DOUBLE_EQ(got.at({"dispatch", "moe"}).time_us(), 43);
  EXPECT_EQ(got.at({"dispatch", "moe"}).count(), 58);
  EXPECT_EQ(got.at({"mlp_down", "dense"}).count(), 3);
  EXPECT_THAT(r->notes, ElementsAre(HasSubstr("14 kernels shared by several ops were split by "
                                               "launch count (a summary has no per-launch")));
}

// Nothing is lost: the ops add up to the kernel time of the mapped kernels,
// and the rest is listed as unmapped.
TEST_F(DeepSeekImportTest, SummaryConservesKernelTime) {
  absl::StatusOr<KernelTable> t =
      ParseKernSum(Data("deepseek_decode_cuda_gpu_kern_sum.csv"), "ks.csv");
  ASSERT_THAT(t, IsOk());
  options_.steps = kFixtureSteps;
  absl::StatusOr<ImportResult> r = Import(*t, rules_, options_);
  ASSERT_THAT(r, IsOk());
  Duration ops, all;
  for (const pb::OpTime& o : r->baseline.ops()) {
    ops += Microseconds(o.time_us()) * static_cast<double>(o.count());
  }
  for (const KernelStats& k : t->kernels) all += k.total / static_cast<double>(kFixtureSteps);
  EXPECT_THAT(ops, DurationNear(r->mapped_per_step, Microseconds(1)));  // ops are rounded to 1 ns
  EXPECT_THAT(r->mapped_per_step + r->unmapped_per_step, DurationNear(all, Nanoseconds(1)));
  ASSERT_EQ(r->unmapped.size(), 2u);
  EXPECT_THAT(r->unmapped[0].name, HasSubstr("ncclDevKernel_AllGather_RING_LL"));
  EXPECT_THAT(r->unmapped[0].per_step, DurationNear(Microseconds(21), Nanoseconds(1)));
  EXPECT_EQ(r->unmapped[0].launches, 4);
  EXPECT_THAT(r->unmapped[1].name, HasSubstr("FillFunctor<int>"));
  EXPECT_THAT(r->baseline.source(), AllOf(HasSubstr("ks.csv"), HasSubstr("4 steps"),
                                          HasSubstr(kRules), HasSubstr("2 kernels in no op"),
                                          HasSubstr("ncclDevKernel_AllGather_RING_LL")));
}

// What the tool prints: every op, the totals and the unmapped kernels, in any format.
TEST_F(DeepSeekImportTest, DocumentHoldsOpsTotalsAndUnmappedKernels) {
  absl::StatusOr<KernelTable> t =
      ParseKernSum(Data("deepseek_decode_cuda_gpu_kern_sum.csv"), "ks.csv");
  ASSERT_THAT(t, IsOk());
  options_.steps = kFixtureSteps;
  absl::StatusOr<ImportResult> r = Import(*t, rules_, options_);
  ASSERT_THAT(r, IsOk());
  const render::Document doc = ImportDocument(*r, "out.textproto");
  EXPECT_THAT(render::CheckDocument(doc), IsOk());
  ASSERT_EQ(doc.sections.size(), 5u);
  EXPECT_EQ(std::get<render::Table>(doc.sections[0]).rows.size(),
            static_cast<size_t>(r->baseline.ops_size()));
  EXPECT_EQ(std::get<render::Table>(doc.sections[2]).rows.size(), 2u);
  const std::string text = render::Render(doc, render::Format::kText);
  EXPECT_THAT(text, HasSubstr("ncclDevKernel_AllGather_RING_LL"));
  EXPECT_THAT(text, HasSubstr("out.textproto"));
  const std::string json = render::Render(doc, render::Format::kJson);
  EXPECT_THAT(json, HasSubstr("\"in_ops_us\": 27014.000"));
  EXPECT_THAT(json, HasSubstr("\"unmapped\": ["));
}

TEST_F(DeepSeekImportTest, OlderSummaryLayoutGivesTheSameBaseline) {
  absl::StatusOr<KernelTable> now =
      ParseKernSum(Data("deepseek_decode_cuda_gpu_kern_sum.csv"), "x.csv");
  absl::StatusOr<KernelTable> old = ParseKernSum(Data("deepseek_decode_gpukernsum_old.csv"),
                                                 "x.csv");
  ASSERT_THAT(now, IsOk());
  ASSERT_THAT(old, IsOk());
  options_.steps = kFixtureSteps;
  absl::StatusOr<ImportResult> a = Import(*now, rules_, options_);
  absl::StatusOr<ImportResult> b = Import(*old, rules_, options_);
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(a->baseline.SerializeAsString(), b->baseline.SerializeAsString());
}

// The written textproto loads as a baseline with the same values.
TEST_F(DeepSeekImportTest, RoundTripsThroughLoadBaseline) {
  absl::StatusOr<KernelTable> t =
      ParseKernSum(Data("deepseek_decode_cuda_gpu_kern_sum.csv"), "ks.csv");
  ASSERT_THAT(t, IsOk());
  options_.steps = kFixtureSteps;
  options_.header.set_forward_ms(28.5);
  absl::StatusOr<ImportResult> r = Import(*t, rules_, options_);
  ASSERT_THAT(r, IsOk());
  const std::string text = BaselineTextproto(*r, "a test");
  EXPECT_THAT(text, AllOf(HasSubstr("# Generated by a test\n"),
                          HasSubstr("# Unmapped kernels (us per step, launches, name):\n"),
                          HasSubstr("#   21.000  4  ncclDevKernel_AllGather_RING_LL")));
  const std::string path = absl::StrCat(::testing::TempDir(), "/round_trip.textproto");
  ASSERT_THAT(WriteFileAtomically(path, text), IsOk());
  absl::StatusOr<pb::Baseline> b = LoadBaseline(path);
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->name(), "synthetic");
  EXPECT_EQ(b->model(), "models/deepseek_v3.textproto");
  EXPECT_EQ(b->batch_per_dp(), 24);
  EXPECT_EQ(b->forward_ms(), 28.5);
  EXPECT_FALSE(b->simulated());
  ASSERT_EQ(b->ops_size(), r->baseline.ops_size());
  for (int i = 0; i < b->ops_size(); ++i) {
    EXPECT_EQ(b->ops(i).op(), r->baseline.ops(i).op());
    EXPECT_EQ(b->ops(i).time_us(), r->baseline.ops(i).time_us());
    EXPECT_EQ(b->ops(i).count(), r->baseline.ops(i).count());
    EXPECT_EQ(b->ops(i).kernels(), r->baseline.ops(i).kernels());
  }
}

// With a trace, the rules' selectors give every op exactly its own launches,
// and since synthetic_program.csv spells out the seed's table, the import is
// the seed's measured baseline op for op.
TEST_F(DeepSeekImportTest, TraceWithSelectorsReproducesTheSeedExactly) {
  const std::map<std::string, int64_t> layers = LayerCounts(rules_);
  absl::StatusOr<KernelTable> t =
      ParseTrace(ProgramTrace(program_, layers, 2), "generated.csv", "");
  ASSERT_THAT(t, IsOk());
  options_.steps = 2;
  absl::StatusOr<ImportResult> r = Import(*t, rules_, options_);
  ASSERT_THAT(r, IsOk());
  EXPECT_TRUE(r->notes.empty()) << r->notes.front();
  const auto got = ByOp(r->baseline);
  const std::map<OpKey, Duration> want = ExactPerLayer(program_);
  EXPECT_EQ(got.size(), want.size());
  for (const auto& [key, t_want] : want) {
    ASSERT_TRUE(got.count(key)) << key.first << "/" << key.second;
    EXPECT_THAT(Microseconds(got.at(key).time_us()), DurationNear(t_want, Nanoseconds(1)))
        << key.first << "/" << key.second;
  }
  absl::StatusOr<pb::Baseline> seed = LoadBaseline("baselines/seed_measured.textproto");
  ASSERT_THAT(seed, IsOk());
  int compared = 0;
  for (const pb::OpTime& o : seed->ops()) {
    if (o.layer_kind() != "dense" && o.layer_kind() != "moe") continue;
    ASSERT_TRUE(got.count({o.op(), o.layer_kind()})) << o.op() << "/" << o.layer_kind();
    EXPECT_DOUBLE_EQ(got.at({o.op(), o.layer_kind()}).time_us(), o.time_us())
        << o.op() << "/" << o.layer_kind();
    EXPECT_EQ(got.at({o.op(), o.layer_kind()}).count(), o.count());
    ++compared;
  }
  EXPECT_EQ(compared, 13 + 20);
  ASSERT_EQ(r->unmapped.size(), 3u);
  EXPECT_THAT(r->unmapped[2].name, "[CUDA memcpy Device-to-Host]");
}

TEST_F(DeepSeekImportTest, WrongStepCountIsAnErrorNamingKernelAndRules) {
  absl::StatusOr<KernelTable> t =
      ParseKernSum(Data("deepseek_decode_cuda_gpu_kern_sum.csv"), "ks.csv");
  ASSERT_THAT(t, IsOk());
  options_.steps = 3;
  EXPECT_THAT(
      Import(*t, rules_, options_),
      StatusIs(kInvalid,
               AllOf(HasSubstr("ks.csv:23: kernel 'flashinfer::norm::RMSNormKernel<8u, "
                               "__nv_bfloat16>' ran 256 times, but "
                               "baselines/rules/deepseek_v3_decode.textproto:"),
                     HasSubstr("and the rules sharing its regex expect 64 per step (attn_norm/"
                               "dense 3 + q_kv_norm/dense 3 + q_kv_norm/moe 58) x 3 steps = 192; "
                               "check steps"))));
  options_.steps = 0;
  EXPECT_THAT(Import(*t, rules_, options_),
              StatusIs(kInvalid, HasSubstr("steps: must be in 1 .. 1000000000, got 0")));
}

// ---- import: the toy trace, MTP by position, and edge cases ----------------

TEST(ImportTest, ToyTraceSplitsASharedKernelByPosition) {
  absl::StatusOr<Rules> rules = LoadRules(absl::StrCat(kDir, "toy_rules.textproto"));
  ASSERT_THAT(rules, IsOk());
  absl::StatusOr<KernelTable> t =
      ParseTrace(Data("toy_cuda_gpu_trace.csv"), "toy.csv", "NVIDIA H800 (1)");
  ASSERT_THAT(t, IsOk());
  ImportOptions o;
  o.steps = 2;
  o.header.set_name("toy");
  absl::StatusOr<ImportResult> r = Import(*t, *rules, o);
  ASSERT_THAT(r, IsOk());
  // make_synthetic.py toy_step on device 1 (x1.1): norms 8.8 / 3.3, attention
  // 165, o_proj 33, MTP = norm 5.5 + attention 66.
  const auto got = ByOp(r->baseline);
  EXPECT_DOUBLE_EQ(got.at({"attn_norm", "dense"}).time_us(), 8.8);
  EXPECT_DOUBLE_EQ(got.at({"mlp_norm", "dense"}).time_us(), 3.3);
  EXPECT_DOUBLE_EQ(got.at({"attention", "dense"}).time_us(), 165);
  EXPECT_DOUBLE_EQ(got.at({"o_proj", "dense"}).time_us(), 33);
  EXPECT_DOUBLE_EQ(got.at({"mtp", "mtp"}).time_us(), 71.5);
  EXPECT_EQ(got.at({"mtp", "mtp"}).count(), 1);
  EXPECT_EQ(got.at({"attention", "dense"}).count(), 2);
  EXPECT_EQ(r->unmapped.size(), 2u);
}

TEST(ImportTest, TraceWithoutSelectorsSplitsByCountAndSaysSo) {
  absl::StatusOr<Rules> rules = ParseRules(
      "layers { layer_kind: \"dense\" count: 2 }\n"
      "rules { regex: \"norm\" op: \"attn_norm\" layer_kind: \"dense\" occurrences_per_step: 2 }\n"
      "rules { regex: \"norm\" op: \"mlp_norm\" layer_kind: \"dense\" occurrences_per_step: 2 }\n"
      "rules { regex: \"gemm\" op: \"o_proj\" layer_kind: \"dense\" occurrences_per_step: 2 }\n",
      "r.textproto");
  ASSERT_THAT(rules, IsOk());
  absl::StatusOr<KernelTable> t = ParseTrace(
      "Start (ns),Duration (ns),Name\n"
      "0,8000,norm\n10000,3000,norm\n20000,8000,norm\n30000,3000,norm\n", "t.csv", "");
  ASSERT_THAT(t, IsOk());
  ImportOptions o;
  o.steps = 1;
  o.header.set_name("x");
  absl::StatusOr<ImportResult> r = Import(*t, *rules, o);
  ASSERT_THAT(r, IsOk());
  EXPECT_DOUBLE_EQ(r->baseline.ops(0).time_us(), 5.5);
  EXPECT_DOUBLE_EQ(r->baseline.ops(1).time_us(), 5.5);
  EXPECT_THAT(r->notes,
              ElementsAre(HasSubstr("r.textproto:4: regex 'gemm' (o_proj/dense 2) matched no kernel"),
                          HasSubstr("(their rules have no `first` selectors):\n    norm "
                                    "(attn_norm/dense 2 + mlp_norm/dense 2)")));
  EXPECT_EQ(r->baseline.ops_size(), 2);
}

// Several kernel names matching one rule pool their launches.
TEST(ImportTest, KernelNamesMatchingOneRulePool) {
  absl::StatusOr<Rules> rules = ParseRules(
      "layers { layer_kind: \"moe\" count: 2 }\n"
      "rules { regex: \"^gemm<\" op: \"moe_up_gate\" layer_kind: \"moe\" occurrences_per_step: 2 }\n",
      "r.textproto");
  ASSERT_THAT(rules, IsOk());
  absl::StatusOr<KernelTable> t = ParseKernSum(
      "Total Time (ns),Instances,Name\n30000,1,gemm<1>\n10000,1,gemm<2>\n", "k.csv");
  ASSERT_THAT(t, IsOk());
  ImportOptions o;
  o.steps = 1;
  o.header.set_name("x");
  absl::StatusOr<ImportResult> r = Import(*t, *rules, o);
  ASSERT_THAT(r, IsOk());
  ASSERT_EQ(r->baseline.ops_size(), 1);
  EXPECT_DOUBLE_EQ(r->baseline.ops(0).time_us(), 20);
  EXPECT_EQ(r->baseline.ops(0).kernels(), "gemm<1> 15.000 us + gemm<2> 5.000 us");
}

TEST(ImportTest, NoKernelMatchedIsAnError) {
  absl::StatusOr<Rules> rules = ParseRules(
      "layers { layer_kind: \"moe\" count: 1 }\n"
      "rules { regex: \"^gemm\" op: \"moe_up_gate\" layer_kind: \"moe\" occurrences_per_step: 1 }\n",
      "r.textproto");
  ASSERT_THAT(rules, IsOk());
  absl::StatusOr<KernelTable> t = ParseKernSum("Total Time (ns),Instances,Name\n1,1,other\n", "k.csv");
  ASSERT_THAT(t, IsOk());
  ImportOptions o;
  o.steps = 1;
  EXPECT_THAT(Import(*t, *rules, o),
              StatusIs(kInvalid, HasSubstr("k.csv: no kernel matches any rule of r.textproto")));
}

// ---- helpers ---------------------------------------------------------------

TEST(ShortKernelNameTest, DropsVoidArgumentsAndLongTemplates) {
  EXPECT_EQ(ShortKernelName("void silu_and_mul_kernel<__nv_bfloat16>(__nv_bfloat16*, int)"),
            "silu_and_mul_kernel<__nv_bfloat16>");
  EXPECT_EQ(ShortKernelName("ncclDevKernel_AllGather_RING_LL(ncclDevComm*, unsigned long)"),
            "ncclDevKernel_AllGather_RING_LL");
  EXPECT_EQ(ShortKernelName("_silu_and_mul_post_quant_kernel"), "_silu_and_mul_post_quant_kernel");
  EXPECT_EQ(ShortKernelName("[CUDA memcpy Device-to-Host]"), "[CUDA memcpy Device-to-Host]");
  EXPECT_EQ(ShortKernelName("void at::native::(anonymous namespace)::Cat<at::native::(anonymous "
                            "namespace)::OpaqueType<2u>, unsigned int, 3, 128, 1, 2, 3, 4, 5, 6, "
                            "7, 8, 9, 10, 11>(int)"),
            "at::native::(anonymous namespace)::Cat<...>");
}

TEST(WriteFileAtomicallyTest, ReplacesTheFileAndLeavesNoTemporary) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/atomic");
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/b.textproto";
  ASSERT_THAT(WriteFileAtomically(path, "one"), IsOk());
  ASSERT_THAT(WriteFileAtomically(path, "two"), IsOk());
  absl::StatusOr<std::string> got = ReadFile(path);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(*got, "two");
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++files;
  EXPECT_EQ(files, 1);
}

TEST(WriteFileAtomicallyTest, MissingDirectoryIsNotFoundNamingThePath) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/no/such/dir/b.textproto");
  EXPECT_THAT(WriteFileAtomically(path, "x"),
              StatusIs(absl::StatusCode::kNotFound, AllOf(HasSubstr(path), HasSubstr("cannot"))));
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace perfmodel::nsys
