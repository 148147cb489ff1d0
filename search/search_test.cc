#include "search/search.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/load.h"
#include "perfmodel/graph.h"
#include "perfmodel/testing/matchers.h"
#include "perfmodel/ttft.h"
#include "report/render.h"
#include "report/svg_check.h"

namespace perfmodel {
namespace {

using ::perfmodel::testing::IsOk;
using ::perfmodel::testing::StatusIs;
using ::testing::HasSubstr;

// A small space: DeepSeek-V3 on one 8-GPU H200 instance, a handful of decode
// and prefill layouts, batches up to 64, disaggregated unless told. Each part
// may be replaced (a textproto names a singular field once).
struct Parts final {
  std::string mode = "DISAGGREGATED";
  std::string decode = R"pb(
    attention_tp: [ 1, 8 ]
    dense_tp: [ 1 ]
    moe_tp: [ 1 ]
    overlap: [ NONE, RECV_HOOK ]
    kv_cache_dtype: [ FP8 ]
    mtp_draft_tokens: [ 0, 1 ]
    chunk_tokens: [ 4096 ])pb";
  std::string constraints = "ttft_ms: 3000 tpot_ms: 60";
  std::string workload = "input_tokens { fixed: 2048 } output_tokens { fixed: 1024 }";
  std::string acceptance = "per_position: [0.8] source: \"test\"";
};

std::string SmallSpace(const Parts& p = {}) {
  return absl::StrCat(R"pb(
    name: "small"
    model: "models/deepseek_v3.textproto"
    hardware: "hw/h200_sxm.textproto"
    instance_gpus: [8]
    max_gpus: 64
    mode: [)pb",
                      p.mode, "]\n decode {", p.decode, R"pb(}
                                                             prefill {
      attention_tp: [1, 8]
      dense_tp: [1]
      moe_tp: [1]
      overlap: [NONE, TWO_MICRO_BATCH]
      chunk_tokens: [0]
    }
    batch_max: 64
    top: 5
    constraints {)pb",
                      p.constraints, "}\n acceptance {", p.acceptance, "}\n workload {", p.workload,
                      "}\n");
}

SearchSpace Small(const Parts& p = {}) {
  absl::StatusOr<SearchSpace> s = ParseSearch(SmallSpace(p), "small.textproto");
  EXPECT_THAT(s.status(), IsOk());
  return *std::move(s);
}

// Every decode layout of the small space, by hand.
std::vector<DeploymentSpec> DecodeLayouts(const SearchSpace& s) {
  std::vector<DeploymentSpec> out;
  for (const int64_t tp : {1, 8}) {
    for (const Overlap ov : {Overlap::kNone, Overlap::kRecvHook}) {
      DeploymentSpec d = s.decode.deployment;
      d.gpus = 8;
      d.parallel = Parallelism{8 / tp, tp, 1, 8, 1, 0};
      d.overlap = ov;
      d.kv_cache_dtype = DType::kFp8;
      out.push_back(d);
    }
  }
  return out;
}

// The brute force: every decode layout x drafts x batch 1..64 that meets TPOT
// and fits, paired with every P layout meeting the TTFT percentile; the best
// output tokens/s per GPU of the whole system, E[out] / (g_D/λ_D + g_P/λ_P).
TEST(Search, FindsTheBruteForceBestOfASmallSpace) {
  const SearchSpace s = Small();
  absl::StatusOr<SearchResult> r = RunSearch(s);
  ASSERT_THAT(r.status(), IsOk());
  const HardwareSpec& hw = s.gpus[0].hardware.spec;
  const double in = 2048, out = 1024;

  // P layouts: one 2K prompt at a time per rank, M/G/1 at the p90 target.
  double best_p = 1e300;  // GPU-seconds per request
  for (const int64_t tp : {1, 8}) {
    for (const Overlap ov : {Overlap::kNone, Overlap::kTwoMicroBatch}) {
      DeploymentSpec d = s.prefill.deployment;
      d.gpus = 8;
      d.parallel = Parallelism{8 / tp, tp, 1, 8, 1, 0};
      d.overlap = ov;
      WorkloadSpec w = s.prefill.workload;
      w.batch_per_dp = 1;
      w.prompt_tokens = 2048;
      w.chunk_tokens = 0;
      const StepResult p = EstimatePrefill(s.model, hw, d, w);
      const std::vector<Duration> service(kPromptQuantiles, p.prefill.ttft);
      const Bytes kv = DeepSeekForward::KvBytesPerToken(s.model, d);
      const Duration extra = hw.scale_out_latency + kv * in / hw.scale_out_bandwidth;
      const MaxRate m = MaxArrivalRate(service, Milliseconds(3000), 0.9, extra);
      if (!m.reachable) continue;
      best_p =
          std::min(best_p, 8.0 / (ToHertz(m.rate) * static_cast<double>(d.parallel.attention_dp)));
    }
  }
  ASSERT_LT(best_p, 1e300);

  double best = 0.0;
  int64_t best_batch = 0;
  for (const DeploymentSpec& d : DecodeLayouts(s)) {
    for (const int64_t drafts : {0, 1}) {
      const double a = drafts == 0 ? 1.0 : 1.8;
      WorkloadSpec w = s.decode.workload;
      w.mtp_draft_tokens = drafts;
      w.accepted_tokens_per_step = a;
      w.context_tokens = 2560;  // 2048 + 1024 / 2
      for (int64_t b = 1; b <= 64; ++b) {
        w.batch_per_dp = b;
        const StepResult st = EstimateDecode(s.model, hw, d, w);
        const Duration step = st.forward + st.host_gap;
        WorkloadSpec longest = w;
        longest.context_tokens = 3072;
        if (step / a > Milliseconds(60)) break;
        if (!EstimateDecode(s.model, hw, d, longest).memory.Fits()) break;
        const double lambda_d =
            static_cast<double>(b * d.parallel.attention_dp) * a / ToSeconds(step) / out;
        const double per_gpu = out / (8.0 / lambda_d + best_p);
        if (per_gpu > best) best = per_gpu, best_batch = b;
      }
    }
  }
  ASSERT_FALSE(r->top.empty());
  EXPECT_NEAR(ToTokensPerSecond(r->top[0].tokens_per_gpu), best, 1e-9 * best);
  EXPECT_EQ(r->top[0].batch, best_batch);
  // Everything the search lists meets the constraints.
  for (const Candidate& c : r->top) {
    EXPECT_LE(c.tpot, Milliseconds(60));
    EXPECT_LE(c.ttft, Milliseconds(3000) * (1 + 1e-9));
    EXPECT_EQ(c.accepted, s.acceptance.ExpectedTokens(c.drafts));
  }
}

// The front: no listed point is beaten on both axes by any qualifying point
// of the top list, and it is sorted by tokens/s per user.
TEST(Search, ParetoFrontIsNonDominated) {
  absl::StatusOr<SearchResult> r = RunSearch(Small({.mode = "AGGREGATED, DISAGGREGATED"}));
  ASSERT_THAT(r.status(), IsOk());
  ASSERT_FALSE(r->pareto.empty());
  for (std::size_t i = 1; i < r->pareto.size(); ++i) {
    EXPECT_GT(r->pareto[i].user_tps, r->pareto[i - 1].user_tps);
    EXPECT_LT(r->pareto[i].tokens_per_gpu, r->pareto[i - 1].tokens_per_gpu);
  }
  for (const Candidate& c : r->top) {
    for (const Candidate& f : r->pareto) {
      EXPECT_FALSE(c.user_tps > f.user_tps && c.tokens_per_gpu > f.tokens_per_gpu)
          << LayoutName(Small(), c) << " dominates the front's " << LayoutName(Small(), f);
    }
  }
  EXPECT_EQ(r->pareto.front().tokens_per_gpu, r->top.front().tokens_per_gpu);
}

// Pruning by reason: attention TP 3 divides no 8-GPU instance (2 of 3 TP
// values x 2 overlaps x 1 kv = 4 decode layouts); 16 MoE-TP on 8 GPUs too;
// EP 8 with 4 redundant experts leaves 260 experts over 8 ranks (not whole).
TEST(Search, CountsPrunedLayoutsByReason) {
  absl::StatusOr<SearchSpace> s =
      ParseSearch(SmallSpace({.decode = R"pb(attention_tp: [ 1, 3, 8 ]
                                             overlap: [ NONE, RECV_HOOK ]
                                             kv_cache_dtype: [ FP8 ]
                                             mtp_draft_tokens: [ 0 ]
                                             redundant_experts: [ 0, 4 ])pb"}),
                  "prune.textproto");
  ASSERT_THAT(s.status(), IsOk());
  absl::StatusOr<SearchResult> r = RunSearch(*s);
  ASSERT_THAT(r.status(), IsOk());
  // 3 TP x 2 redundant x 2 overlaps = 12 decode layouts: TP 3 -> 4 pruned;
  // of the 8 left, redundant 4 -> 4 pruned at the EP check.
  EXPECT_EQ(r->pruned["decode:tp_not_dividing_gpus"], 4);
  EXPECT_EQ(r->pruned["decode:invalid:parallelism.moe_ep"], 4);
  EXPECT_EQ(r->layouts, 12 + 4);  // + the 4 prefill layouts
}

// P:D sizing against hand arithmetic: λ_P = 10/s on 8 GPUs, λ_D = 4/s on 16,
// E[out] = 1000 tokens, 64 GPUs. (n_P, n_D) = (1, 2): min(10, 8) x 1000 / 40
// = 200 tokens/s per GPU, the best of the pairs that fit ((1, 1): 166.7, (1,
// 3): 178.6, (2, 3): 187.5, (2, 2): 166.7). At 25 requests/s: ceil(2.5) = 3
// P and ceil(6.25) = 7 D instances.
TEST(Search, SizesPdPairsByHand) {
  const PdSizing s = SizePd(Hertz(10), 8, Hertz(4), 16, TokenCount(1000), 64, std::nullopt);
  EXPECT_EQ(s.p_instances, 1);
  EXPECT_EQ(s.d_instances, 2);
  EXPECT_EQ(s.gpus, 40);
  EXPECT_DOUBLE_EQ(ToTokensPerSecond(s.tokens_per_gpu), 200.0);
  const PdSizing t = SizePd(Hertz(10), 8, Hertz(4), 16, TokenCount(1000), 64, Hertz(25));
  EXPECT_EQ(t.p_instances, 3);
  EXPECT_EQ(t.d_instances, 7);
  EXPECT_EQ(t.gpus, 3 * 8 + 7 * 16);
  EXPECT_DOUBLE_EQ(ToHertz(t.request_rate), 28.0);  // min(30, 28)
}

// The exhaustive scan SizePd() replaced (every (n_P, n_D) that fits, the
// first best kept), to hold its two pairs per n_P to.
PdSizing ExhaustivePd(double lp, int64_t gp, double ld, int64_t gd, double out, int64_t most) {
  PdSizing best;
  for (int64_t np = 1; np * gp + gd <= most; ++np) {
    for (int64_t nd = 1; np * gp + nd * gd <= most; ++nd) {
      PdSizing s;
      s.p_instances = np;
      s.d_instances = nd;
      s.gpus = np * gp + nd * gd;
      s.request_rate = Hertz(std::min(static_cast<double>(np) * lp, static_cast<double>(nd) * ld));
      s.tokens_per_gpu = TokensPerSec(ToHertz(s.request_rate) * out / static_cast<double>(s.gpus));
      if (best.gpus == 0 || s.tokens_per_gpu > best.tokens_per_gpu ||
          (s.tokens_per_gpu == best.tokens_per_gpu && s.request_rate > best.request_rate)) {
        best = s;
      }
    }
  }
  return best;
}

TEST(Search, SizesPdPairsAsTheExhaustiveScan) {
  int compared = 0;
  for (const double lp : {0.3, 1.0, 2.5, 10.0, 37.0}) {
    for (const double ld : {0.2, 1.0, 4.0, 9.5}) {
      for (const int64_t gp : {1, 8, 16}) {
        for (const int64_t gd : {1, 8, 24}) {
          for (const int64_t most : {2, 17, 64, 200}) {
            const PdSizing want = ExhaustivePd(lp, gp, ld, gd, 1000.0, most);
            const PdSizing got =
                SizePd(Hertz(lp), gp, Hertz(ld), gd, TokenCount(1000), most, std::nullopt);
            SCOPED_TRACE(
                absl::StrCat("lp ", lp, " gp ", gp, " ld ", ld, " gd ", gd, " max ", most));
            EXPECT_EQ(got.p_instances, want.p_instances);
            EXPECT_EQ(got.d_instances, want.d_instances);
            EXPECT_EQ(got.gpus, want.gpus);
            EXPECT_EQ(got.tokens_per_gpu, want.tokens_per_gpu);
            ++compared;
          }
        }
      }
    }
  }
  EXPECT_EQ(compared, 5 * 4 * 3 * 3 * 4);
}

// The largest budget is sized at once, and an arrival rate beyond any system
// is no pair (gpus 0), not an overflow (found by //fuzz:search_fuzzer).
TEST(Search, SizesPdAtTheLimits) {
  const PdSizing wide =
      SizePd(Hertz(10), 1, Hertz(4), 1, TokenCount(1000), kMaxSearchGpus, std::nullopt);
  // n_P : n_D = 2 : 5 balances 10/s against 4/s; the most such pairs within
  // 2^20 GPUs (7 x 149796 of them) serve the most requests at that ratio.
  EXPECT_EQ(wide.p_instances, 2 * 149796);
  EXPECT_EQ(wide.d_instances, 5 * 149796);
  const PdSizing flood = SizePd(Hertz(10), 8, Hertz(4), 16, TokenCount(1000), 64, Hertz(1e300));
  EXPECT_EQ(flood.gpus, 0);
  EXPECT_EQ(flood.p_instances, 0);
  EXPECT_EQ(flood.basis, "arrival_rate 1e+300 requests/s");
  EXPECT_THAT(
      ParseSearch(absl::StrReplaceAll(SmallSpace(), {{"max_gpus: 64", "max_gpus: 100000000"}}), "s")
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("s: max_gpus: must be <= 1048576 (no system has so many GPUs), "
                         "got 100000000")));
}

// The balance of a disaggregated winner: P instances per D instance are the
// D's request rate over the P's, each from its own figures.
TEST(Search, BalancesPAgainstD) {
  const SearchSpace s = Small();
  absl::StatusOr<SearchResult> r = RunSearch(s);
  ASSERT_THAT(r.status(), IsOk());
  const Candidate& c = r->top[0];
  ASSERT_GE(c.prefill, 0);
  const PrefillCandidate& p = r->prefill[static_cast<std::size_t>(c.prefill)];
  const double lambda_d = static_cast<double>(c.batch * c.decode.parallel.attention_dp) *
                          c.accepted / ToSeconds(c.cycle) / 1024.0;
  EXPECT_NEAR(c.p_per_d, lambda_d / ToHertz(p.instance_rate), 1e-12);
  ASSERT_TRUE(r->sizing.has_value());
  EXPECT_GE(r->sizing->p_instances, 1);
  EXPECT_LE(r->sizing->gpus, 64);
}

// A winner written as textprotos loads back as the same deployment, and its
// decode step is the one the search costed.
TEST(Search, WinnerTextprotosRoundTrip) {
  const SearchSpace s = Small();
  absl::StatusOr<SearchResult> r = RunSearch(s);
  ASSERT_THAT(r.status(), IsOk());
  const std::string dir = std::getenv("TEST_TMPDIR");
  absl::StatusOr<WinnerFiles> files = WinnerTextprotos(s, *r, r->top[0], dir + "/best");
  ASSERT_THAT(files.status(), IsOk());
  ASSERT_EQ(files->files.size(), 4u);  // D and P deployments and workloads
  for (const auto& [path, text] : files->files) std::ofstream(path) << text;
  absl::StatusOr<LoadedDeployment> d = LoadDeployment(dir + "/best.textproto");
  ASSERT_THAT(d.status(), IsOk());
  EXPECT_EQ(d->spec, r->top[0].decode);
  absl::StatusOr<LoadedWorkload> w = LoadWorkload(d->default_workload);
  ASSERT_THAT(w.status(), IsOk());
  EXPECT_EQ(w->spec.batch_per_dp, r->top[0].batch);
  EXPECT_EQ(w->spec.mtp_draft_tokens, r->top[0].drafts);
  const StepResult step = EstimateStep(s.model, s.gpus[0].hardware.spec, d->spec, w->spec);
  EXPECT_EQ(step.forward + step.host_gap, r->top[0].step);
  absl::StatusOr<LoadedDeployment> p = LoadDeployment(dir + "/best.prefill.textproto");
  ASSERT_THAT(p.status(), IsOk());
  EXPECT_EQ(p->spec, r->prefill[static_cast<std::size_t>(r->top[0].prefill)].deployment);
  absl::StatusOr<LoadedWorkload> pw = LoadWorkload(p->default_workload);
  ASSERT_THAT(pw.status(), IsOk());
  EXPECT_EQ(pw->spec.phase, Phase::kPrefill);
}

TEST(Search, AggregatedCountsThePrefillShareInEveryCycle) {
  absl::StatusOr<SearchResult> r = RunSearch(Small({.mode = "AGGREGATED"}));
  ASSERT_THAT(r.status(), IsOk());
  for (const Candidate& c : r->top) {
    EXPECT_EQ(c.mode, ServingMode::kAggregated);
    EXPECT_GT(c.cycle, c.step);  // the prompts of finishing requests
    // One 2K prompt fits one 4K chunk: TTFT = 1.5 cycles.
    EXPECT_NEAR(ToSeconds(c.ttft), 1.5 * ToSeconds(c.cycle), 1e-12);
    EXPECT_LE(c.tpot, Milliseconds(60));
  }
}

TEST(Search, NothingMeetsNamesTheBindingConstraintAndTheNearestMiss) {
  absl::StatusOr<SearchSpace> s =
      ParseSearch(SmallSpace({.constraints = "ttft_ms: 3000 tpot_ms: 1"}), "x");
  ASSERT_THAT(s.status(), IsOk());
  absl::StatusOr<SearchResult> r = RunSearch(*s);
  EXPECT_THAT(r.status(), StatusIs(absl::StatusCode::kResourceExhausted,
                                   HasSubstr("binding: tpot, nearest miss: tpot")));
}

TEST(Search, BadInputNamesTheFileAndField) {
  EXPECT_THAT(
      ParseSearch("instance_gpus: [0]", "s.textproto").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("s.textproto: instance_gpus[0]")));
  EXPECT_THAT(ParseSearch(SmallSpace({.decode = "mtp_draft_tokens: [2]"}), "s").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("decode.mtp_draft_tokens: 2 drafts need an acceptance rate")));
  EXPECT_THAT(
      ParseSearch(SmallSpace({.constraints = "tpot_ms: 10"}), "s").status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("s: constraints.ttft_ms: required")));
  EXPECT_THAT(ParseSearch(SmallSpace({.acceptance = "per_position: [0.8, 1.5]"}), "s").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("acceptance.per_position[1]: must be in [0, 1]")));
  EXPECT_THAT(
      ParseSearch(SmallSpace({.workload = "input_tokens { fixed: 0 } output_tokens { "
                                          "fixed: 1 }"}),
                  "s")
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("s: workload.input_tokens: ")));
  EXPECT_THAT(ParseSearch(SmallSpace({.workload = "input_tokens { fixed: 100 }"}), "s").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("s: workload.output_tokens: required")));
  EXPECT_THAT(ParseSearch("bogus: 1", "s.textproto").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("s.textproto:1:")));
}

// Threads change nothing: the default question's 8-GPU part on one thread
// and on several gives the same points, in the same order.
TEST(Search, ThreadsGiveTheSingleThreadsResult) {
  absl::StatusOr<SearchSpace> s = LoadSearch(kDefaultSearchFile);
  ASSERT_THAT(s.status(), IsOk());
  s->instance_gpus = {8};
  s->threads = 1;
  absl::StatusOr<SearchResult> one = RunSearch(*s);
  s->threads = 4;
  absl::StatusOr<SearchResult> four = RunSearch(*s);
  ASSERT_THAT(one.status(), IsOk());
  ASSERT_THAT(four.status(), IsOk());
  EXPECT_EQ(one->estimates, four->estimates);
  EXPECT_EQ(one->pruned, four->pruned);
  ASSERT_EQ(one->pareto.size(), four->pareto.size());
  for (std::size_t i = 0; i < one->pareto.size(); ++i) {
    EXPECT_EQ(LayoutName(*s, one->pareto[i]), LayoutName(*s, four->pareto[i]));
    EXPECT_EQ(one->pareto[i].tokens_per_gpu, four->pareto[i].tokens_per_gpu);
  }
  ASSERT_EQ(one->top.size(), four->top.size());
  for (std::size_t i = 0; i < one->top.size(); ++i) {
    EXPECT_EQ(LayoutName(*s, one->top[i]), LayoutName(*s, four->top[i]));
  }
}

// The default question loads, and its plot is a valid SVG with the front.
TEST(Search, DefaultQuestionAndItsPlot) {
  absl::StatusOr<SearchSpace> s = LoadSearch(kDefaultSearchFile);
  ASSERT_THAT(s.status(), IsOk());
  s->instance_gpus = {8};  // a quick subset of the default question
  absl::StatusOr<SearchResult> r = RunSearch(*s);
  ASSERT_THAT(r.status(), IsOk());
  pugi::xml_document doc;
  ASSERT_THAT(ParseSvg(ParetoSvg(*s, *r), doc), IsOk());
  ASSERT_EQ(ElementsWithClass(doc, "pareto").size(), 1u);
  EXPECT_EQ(ElementsWithClass(doc, "best").size(), 1u);
  EXPECT_FALSE(ElementsWithClass(doc, "points-aggregated").empty());
  const std::string csv = ParetoCsv(*s, *r);
  EXPECT_THAT(csv, HasSubstr("tokens_per_gpu"));
  EXPECT_THAT(render::CheckDocument(SearchDocument(*s, *r)), IsOk());
}

}  // namespace
}  // namespace perfmodel
