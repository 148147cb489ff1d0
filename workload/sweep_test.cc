// Tests for workload/sweep.h: the monotonicity the bisection relies on
// (checked on every batch of the repo's deployments, not assumed), the
// bisection against a linear scan, which limit binds (memory for Llama-3.1-70B
// at 128K context on H100, the SLA for the seed), the context distributions'
// wiring into the step (attention at 4K/6K/8K, a long tail), the document and
// plot, and every bad flag named in its error.
//
// README.md's answers to the seed's questions (largest batch, tokens/s per user at
// batch 24) are pinned by SeedQuestions.TheReadmesAnswers.

#include "workload/sweep.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "perfmodel/context.h"
#include "perfmodel/graph.h"
#include "perfmodel/testing/matchers.h"
#include "pugixml.hpp"
#include "report/render.h"
#include "report/step_report.h"
#include "report/svg_check.h"

namespace perfmodel {
namespace {

using ::perfmodel::testing::IsOk;
using ::perfmodel::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const SetupPaths kSeed{};  // DeepSeek-V3, H200, the seed's DP64/EP64 deployment
const SetupPaths kLlamaH100{.model = "models/llama3_1_70b.textproto",
                            .hardware = "hw/h100_sxm.textproto",
                            .deployment = "deployments/llama3_1_70b_tp8.textproto"};
const SetupPaths kQwen{.model = "models/qwen3_235b_a22b.textproto",
                       .hardware = "hw/h200_sxm.textproto",
                       .deployment = "deployments/qwen3_235b_dp8_ep8.textproto"};

Setup Load(const SetupPaths& paths) {
  absl::StatusOr<Setup> s = LoadSetup(paths);
  EXPECT_THAT(s, IsOk());
  return *std::move(s);
}

// Fixed() and LogNormal() are the context laws the cases use.
ContextDistribution Fixed(int64_t tokens) { return ContextDistribution::Fixed(tokens).value(); }
ContextDistribution LogNormal(double mean, double sigma) {
  return ContextDistribution::LogNormal(TokenCount(mean), sigma).value();
}

SweepConfig Config(const Setup& setup, const SweepOptions& flags) {
  absl::StatusOr<SweepConfig> c = MakeSweepConfig(flags, setup);
  EXPECT_THAT(c, IsOk());
  return *std::move(c);
}

BatchPoint Eval(Sweeper& s, int64_t batch) {
  BatchPoint p;
  EXPECT_THAT(s.Evaluate(batch, true, p), IsOk());
  return p;
}

// LinearLargest() is the largest batch in [lo, hi] for which `pred` holds on
// it and on every batch below it (lo - 1 if none), by scanning.
template <typename Pred>
int64_t LinearLargest(int64_t lo, int64_t hi, Pred pred) {
  int64_t last = lo - 1;
  for (int64_t b = lo; b <= hi && pred(b); ++b) last = b;
  return last;
}

const render::Value* Field(const render::Document& doc, absl::string_view record,
                           absl::string_view key) {
  for (const render::Section& s : doc.sections) {
    const render::Record* r = std::get_if<render::Record>(&s);
    if (r == nullptr || r->name != record) continue;
    for (const render::Field& f : r->fields) {
      if (f.key == key) return &f.value;
    }
  }
  return nullptr;
}

std::string Text(const render::Value* v) {
  if (v == nullptr) return "<missing>";
  if (const std::string* s = std::get_if<std::string>(&v->get())) return *s;
  if (const int64_t* i = std::get_if<int64_t>(&v->get())) return absl::StrCat(*i);
  return v->empty() ? "" : "<number>";
}

std::string TempFile(absl::string_view name, absl::string_view content) {
  const char* dir = std::getenv("TEST_TMPDIR");
  const std::string path = absl::StrCat(dir != nullptr ? dir : "/tmp", "/", name);
  std::ofstream(path) << content;
  return path;
}

// --- Monotonicity: what the bisection relies on. ---------------------------

struct MonotoneCase {
  SetupPaths paths;
  std::optional<ContextDistribution> context;  // none: the workload's
  std::string label;
};

class MonotoneInBatchTest : public ::testing::TestWithParam<MonotoneCase> {};

// Context sums, memory, attention, every op but a GEMM and the step time never
// fall as batch rises; this is what lets the sweep bisect for the SLA limit.
// A GEMM's compute counts the padded tiles it holds the SMs for
// (perfmodel/ops.h), so with fixed tiles crossing a tile boundary never makes
// it cheaper; a library that picks its tile per shape (DeepGEMM's rule counts
// waves and tiles, not the operands a tile takes in) may pick a better-fed
// one for one more row: q_a_kv_a at 321 rows (batch 107 x 3) takes 64 x 96
// tiles where 320 rows took 128 x 48, ~10 % faster (perfmodel/tiles_test).
// Such a step stays a small part of the step: a GEMM may fall by at most a
// quarter, the step not at all.
TEST_P(MonotoneInBatchTest, OnlyGemmTileStepsMakeTheStepFaster) {
  const perfmodel::Setup setup = Load(GetParam().paths);
  const HardwareSpec& hw = setup.hardware.spec;
  const bool tiles_per_shape = hw.gemm_kernels.rule() != GemmTileRule::kFixed ||
                               hw.bf16_gemm_kernels.rule() != GemmTileRule::kFixed;
  const SweepConfig config =
      Config(setup, {.user_tps = 1.0,
                     .context = GetParam().context,
                     .context_label = GetParam().label});
  Sweeper s(setup, config);
  BatchPoint prev;
  ASSERT_THAT(s.Evaluate(1, false, prev), IsOk());
  StepResult prev_step = s.last_step();
  for (int64_t b = 2; b <= 256; ++b) {
    BatchPoint p;
    ASSERT_THAT(s.Evaluate(b, false, p), IsOk());
    const StepResult& step = s.last_step();
    EXPECT_GE(p.balanced, prev.balanced) << "batch " << b;
    EXPECT_GE(p.slowest, prev.slowest) << "batch " << b;
    EXPECT_GE(p.memory.Total(), prev.memory.Total()) << "batch " << b;
    EXPECT_GE(p.attention_actual, prev.attention_actual) << "batch " << b;
    for (std::size_t i = 0; i < step.row_count; ++i) {
      const OpRow& row = step.rows[i];
      const OpRow* before = prev_step.Find(row.op, row.part);
      ASSERT_NE(before, nullptr) << row.op;
      const bool gemm =
          row.cost.op_class == OpClass::kGemm || row.cost.op_class == OpClass::kGroupedGemm;
      EXPECT_GE(row.cost.time(), before->cost.time() * (gemm && tiles_per_shape ? 0.75 : 1.0))
          << PartName(row.part) << "/" << row.op << " got cheaper at batch " << b;
    }
    EXPECT_GE(p.forward, prev.forward) << "forward fell at batch " << b;
    EXPECT_LE(p.user_output_tps, prev.user_output_tps) << "batch " << b;
    prev = p;
    prev_step = step;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Deployments, MonotoneInBatchTest,
    ::testing::Values(MonotoneCase{kSeed, std::nullopt, "workload"},
                      MonotoneCase{kSeed, LogNormal(4096, 1), "lognormal:4096:1"},
                      MonotoneCase{kSeed, Fixed(32768), "fixed:32768"},
                      MonotoneCase{kLlamaH100, std::nullopt, "workload"},
                      MonotoneCase{kLlamaH100, LogNormal(4096, 1), "lognormal:4096:1"},
                      MonotoneCase{kQwen, std::nullopt, "workload"},
                      MonotoneCase{kQwen, LogNormal(8192, 0.5), "lognormal:8192:0.5"}));

TEST(MonotoneInContextTest, StepAndAttentionNeverFallAsContextRises) {
  for (const SetupPaths& paths : {kSeed, kLlamaH100, kQwen}) {
    const perfmodel::Setup setup = Load(paths);
    for (int64_t batch : {1, 24, 96}) {
      Duration prev_forward, prev_attention;
      for (int64_t ctx = 128; ctx <= 262144; ctx = ctx * 3 / 2) {
        const SweepConfig config =
            Config(setup, {.user_tps = 1.0, .context = Fixed(ctx)});
        Sweeper s(setup, config);
        const BatchPoint p = Eval(s, batch);
        EXPECT_GE(p.forward, prev_forward) << paths.model << " batch " << batch << " ctx " << ctx;
        EXPECT_GE(p.attention_actual, prev_attention) << paths.model << " ctx " << ctx;
        prev_forward = p.forward;
        prev_attention = p.attention_actual;
      }
      // And through the imbalance model: a longer tail never makes it faster.
      Duration prev;
      for (double sigma : {0.25, 0.5, 1.0, 1.5, 2.0}) {
        const SweepConfig config = Config(
            setup, {.user_tps = 1.0, .context = LogNormal(4096, sigma)});
        Sweeper s(setup, config);
        const BatchPoint p = Eval(s, batch);
        EXPECT_GE(p.forward, prev) << paths.model << " sigma " << sigma;
        prev = p.forward;
      }
    }
  }
}

// --- Bisection. ---------------------------------------------------------------

TEST(LargestTrueTest, MatchesALinearScan) {
  for (int64_t lo : {1, 3, 7}) {
    for (int64_t hi = lo; hi <= lo + 40; ++hi) {
      for (int64_t threshold = lo - 2; threshold <= hi + 2; ++threshold) {
        int calls = 0;
        auto pred = [&](int64_t b) {
          ++calls;
          return b <= threshold;
        };
        EXPECT_EQ(LargestTrue(lo, hi, pred), LinearLargest(lo, hi, pred))
            << lo << ".." << hi << " threshold " << threshold;
      }
    }
  }
  int calls = 0;
  LargestTrue(1, 1 << 20, [&](int64_t b) { return ++calls, b <= 1000; });
  EXPECT_LE(calls, 22);
}

TEST(RunSweepTest, SearchesEqualALinearScanOnSmallRanges) {
  struct Case {
    SetupPaths paths;
    SweepOptions flags;
  };
  const std::vector<Case> cases = {
      {kSeed, {.batch_min = 1, .batch_max = 64}},
      {kSeed, {.batch_min = 5, .batch_max = 48, .user_tps = 80}},
      {kSeed, {.batch_min = 1, .batch_max = 64, .user_tps = 100, .context = LogNormal(4096, 1)}},
      {kSeed, {.batch_min = 1, .batch_max = 40, .user_tps = 1000}},  // none meets
      {kSeed, {.batch_min = 1, .batch_max = 16, .user_tps = 1}},     // all meet
      // Around the seed's forward fall at batch 43 (55.7 tokens/s there,
      // 54.1 at 42): the scan stops at the first miss.
      {kSeed, {.batch_min = 1, .batch_max = 50, .user_tps = 55}},
      {kLlamaH100, {.batch_min = 1, .batch_max = 64, .user_tps = 10, .context = Fixed(131072)}},
      {kLlamaH100, {.batch_min = 2, .batch_max = 30, .user_tps = 40, .context = Fixed(65536)}},
      {kQwen, {.batch_min = 1, .batch_max = 128, .user_tps = 30, .context = LogNormal(4096, 1)}},
  };
  for (const Case& c : cases) {
    const perfmodel::Setup setup = Load(c.paths);
    SweepConfig config = Config(setup, c.flags);
    absl::StatusOr<SweepResult> r = RunSweep(setup, config);
    ASSERT_THAT(r, IsOk());
    Sweeper s(setup, config);
    std::vector<BatchPoint> all;
    for (int64_t b = config.batch_min; b <= config.batch_max; ++b) all.push_back(Eval(s, b));
    auto at = [&](int64_t b) { return all[b - config.batch_min]; };
    const int64_t sla = LinearLargest(config.batch_min, config.batch_max,
                                      [&](int64_t b) { return at(b).meets_sla; });
    const int64_t memory = LinearLargest(config.batch_min, config.batch_max,
                                         [&](int64_t b) { return at(b).fits; });
    const std::string what = absl::StrCat(c.paths.deployment, " ", config.context_spec, " ",
                                          c.flags.user_tps.value_or(0));
    EXPECT_EQ(r->sla_batch, sla) << what;
    EXPECT_EQ(r->memory_batch, memory) << what;
    EXPECT_EQ(r->max_batch, std::min(sla, memory)) << what;
    // Memory is monotone: past its limit nothing fits again.
    for (const BatchPoint& p : all) {
      if (p.batch > memory) {
        EXPECT_FALSE(p.fits) << what << " batch " << p.batch;
      }
    }
    // The table's rows are what Evaluate() gives for those batches.
    for (const BatchPoint& row : r->rows) {
      EXPECT_EQ(row.forward, at(row.batch).forward) << what << " batch " << row.batch;
      EXPECT_EQ(row.attention_balanced, at(row.batch).attention_balanced);
      EXPECT_EQ(row.fits, at(row.batch).fits);
      EXPECT_EQ(row.meets_sla, at(row.batch).meets_sla);
    }
    // Bisection finds a batch that meets the SLA with the next one missing;
    // where the per-user rate is monotone over the range, the scan's answer.
    config.search = SlaSearch::kBisection;
    absl::StatusOr<SweepResult> bisected = RunSweep(setup, config);
    ASSERT_THAT(bisected, IsOk());
    const int64_t b = bisected->sla_batch;
    if (b >= config.batch_min) {
      EXPECT_TRUE(at(b).meets_sla) << what;
    }
    if (b < config.batch_max) {
      EXPECT_FALSE(at(b + 1).meets_sla) << what;
    }
    bool monotone = true;
    for (int64_t x = config.batch_min + 1; x <= config.batch_max; ++x) {
      monotone = monotone && at(x).user_output_tps <= at(x - 1).user_output_tps;
    }
    if (monotone) {
      EXPECT_EQ(b, sla) << what;
    }
    EXPECT_EQ(bisected->memory_batch, memory) << what;
  }
}

// --- Which limit binds. -------------------------------------------------------

TEST(RunSweepTest, MemoryBindsForLlama70BAtLongContextOnH100) {
  const perfmodel::Setup setup = Load(kLlamaH100);
  const SweepConfig config = Config(setup, {.user_tps = 10, .context = Fixed(131072)});
  absl::StatusOr<SweepResult> r = RunSweep(setup, config);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->binding, BindingLimit::kMemory);
  EXPECT_LT(r->memory_batch, r->sla_batch);
  EXPECT_EQ(r->max_batch, r->memory_batch);
  ASSERT_TRUE(r->at_max.has_value());
  EXPECT_TRUE(r->at_max->fits);
  EXPECT_GE(r->at_max->memory.Headroom(), Bytes::Zero());
  // KV per GPU: 80 layers x K and V x 1 KV head (8 over TP 8) x 128 x BF16
  // per token; what is left after weights and reserve holds memory_batch
  // requests of 128K (+1 query token) and not one more.
  const double kv_per_request = 80.0 * 2 * 128 * 2 * (131072 + 1);
  const Bytes free = r->at_max->memory.capacity - r->at_max->memory.weights -
                     r->at_max->memory.reserve;
  EXPECT_EQ(r->memory_batch, static_cast<int64_t>(ToBytes(free) / kv_per_request));
  // Batches past it are reported as not fitting, not silently dropped.
  int beyond = 0;
  for (const BatchPoint& p : r->rows) {
    EXPECT_EQ(p.fits, p.batch <= r->memory_batch) << p.batch;
    beyond += p.fits ? 0 : 1;
  }
  EXPECT_GE(beyond, 1);
  const render::Document doc = SweepDocument(setup, config, *r);
  EXPECT_EQ(Text(Field(doc, "max_concurrency", "binding_limit")), "memory");
  EXPECT_EQ(Text(Field(doc, "max_concurrency", "memory_limit_batch")),
            absl::StrCat(r->memory_batch));
  EXPECT_EQ(Text(Field(doc, "max_concurrency", "sla_limit_batch")), absl::StrCat(r->sla_batch));
}

TEST(RunSweepTest, SlaBindsForTheSeed) {
  const perfmodel::Setup setup = Load(kSeed);
  const SweepConfig config = Config(setup, {});
  absl::StatusOr<SweepResult> r = RunSweep(setup, config);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->binding, BindingLimit::kSla);
  EXPECT_EQ(r->max_batch, r->sla_batch);
  EXPECT_EQ(r->memory_batch, config.batch_max);  // 141 GB holds all 256 at 4K
  Sweeper s(setup, config);
  EXPECT_GE(Eval(s, r->sla_batch).user_output_tps, config.sla.user_output_tps);
  EXPECT_LT(Eval(s, r->sla_batch + 1).user_output_tps, config.sla.user_output_tps);
  // The table shows the last batch that meets and the first that misses.
  EXPECT_NE(std::find_if(r->rows.begin(), r->rows.end(),
                         [&](const BatchPoint& p) { return p.batch == r->sla_batch + 1; }),
            r->rows.end());
}

TEST(RunSweepTest, NeitherBindsInsideTheRange) {
  const perfmodel::Setup setup = Load(kSeed);
  const SweepConfig config = Config(setup, {.batch_max = 16});
  absl::StatusOr<SweepResult> r = RunSweep(setup, config);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->binding, BindingLimit::kBatchMax);
  EXPECT_EQ(r->max_batch, 16);
  EXPECT_EQ(Text(Field(SweepDocument(setup, config, *r), "max_concurrency", "binding_limit")),
            "batch_max");
}

TEST(RunSweepTest, NoBatchMeetsTheSla) {
  const perfmodel::Setup setup = Load(kSeed);
  const SweepConfig config = Config(setup, {.batch_min = 4, .user_tps = 1000});
  absl::StatusOr<SweepResult> r = RunSweep(setup, config);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->binding, BindingLimit::kSla);
  EXPECT_EQ(r->max_batch, 3);  // batch_min - 1: none
  EXPECT_FALSE(r->at_max.has_value());
  const render::Document doc = SweepDocument(setup, config, *r);
  EXPECT_TRUE(Field(doc, "max_concurrency", "batch_per_dp")->empty());
  EXPECT_TRUE(Field(doc, "max_concurrency", "sla_limit_batch")->empty());
  EXPECT_THAT(render::Render(doc, render::Format::kText), HasSubstr("even --batch_min 4 misses"));
}

TEST(SynchronisedRanksTest, FollowsWhatCouplesTheRanks) {
  EXPECT_EQ(SynchronisedRanks(Load(kSeed).model, Load(kSeed).deployment), 64);  // EP all-to-all
  EXPECT_EQ(SynchronisedRanks(Load(kQwen).model, Load(kQwen).deployment), 8);
  const perfmodel::Setup llama = Load(kLlamaH100);
  EXPECT_EQ(SynchronisedRanks(llama.model, llama.deployment), 1);  // one DP rank
  DeploymentSpec d = llama.deployment;
  d.parallel.attention_dp = 4;
  d.parallel.attention_tp = 2;
  d.parallel.dense_tp = 8;  // dense TP gathers the tokens of 4 DP ranks
  EXPECT_EQ(SynchronisedRanks(llama.model, d), 4);
  d.parallel.dense_tp = 2;  // each rank's MLP is its own
  EXPECT_EQ(SynchronisedRanks(llama.model, d), 1);
  EXPECT_EQ(AttentionPart(llama.model), Part::kDense);
  EXPECT_EQ(AttentionPart(Load(kSeed).model), Part::kMoe);
}

// --- Distributions wired into the step. --------------------------------------

TEST(DistributionTest, FixedContextsGiveTheCostModelsAttention) {
  const perfmodel::Setup setup = Load(kSeed);
  std::vector<double> attention;
  for (int64_t ctx : {4096, 6144, 8192}) {
    const SweepConfig config =
        Config(setup, {.user_tps = 60, .context = Fixed(ctx)});
    Sweeper s(setup, config);
    const BatchPoint p = Eval(s, 24);
    // The same step as the workload at that context, balanced.
    WorkloadSpec w = setup.workload;
    w.batch_per_dp = 24;
    w.context_tokens = ctx;
    const StepResult direct = EstimateDecode(setup.model, setup.hardware.spec, setup.deployment, w);
    EXPECT_EQ(p.forward, direct.forward) << ctx;
    EXPECT_EQ(p.attention_actual, direct.Find("attention", Part::kMoe)->visible) << ctx;
    EXPECT_EQ(p.attention_actual, p.attention_balanced);
    attention.push_back(ToMicroseconds(p.attention_actual));
  }
  const double r64 = attention[1] / attention[0];
  const double r86 = attention[2] / attention[1];
  std::printf("fixed 4K/6K/8K attention per MoE layer at batch 24: %.2f / %.2f / %.2f us; "
              "6K/4K %.3f, 8K/6K %.3f (seed measured ~1.5, ~1.33)\n",
              attention[0], attention[1], attention[2], r64, r86);
  // Attention grows with context but by less than the context (its fixed
  // part: query loads, launch), and the second step less than the first.
  EXPECT_GT(r64, 1.0);
  EXPECT_LE(r64, 1.5);
  EXPECT_GT(r86, 1.0);
  EXPECT_LE(r86, 8.0 / 6.0);
  // README.md's row "attention 6K/4K and 8K/6K at batch 24": 191.9/129.9 =
  // 1.48, 253.9/191.9 = 1.32.
  EXPECT_NEAR(attention[0], 129.9, 0.05);
  EXPECT_NEAR(attention[1], 191.9, 0.05);
  EXPECT_NEAR(attention[2], 253.9, 0.05);
  EXPECT_NEAR(r64, 1.48, 0.005);
  EXPECT_NEAR(r86, 1.32, 0.005);
}

TEST(DistributionTest, LongTailMakesTheSlowestRanksAttentionLonger) {
  const perfmodel::Setup setup = Load(kSeed);
  const SweepConfig fixed = Config(setup, {.user_tps = 60, .context = Fixed(4096)});
  Sweeper fs(setup, fixed);
  const BatchPoint f = Eval(fs, 24);
  // README.md's row "long tail, mean 4K, batch 24": attention per MoE layer
  // 130 -> 165 us (+27 %) at sigma 0.5, -> 240 us (+85 %) at sigma 1; the
  // forward +7.7 % and +24.0 %.
  struct Tail final {
    double sigma, attention_us, attention_pct, forward_pct;
  };
  EXPECT_NEAR(ToMicroseconds(f.attention_actual), 130, 0.5);
  for (const Tail& tail : {Tail{0.5, 165, 27, 7.7}, Tail{1.0, 240, 85, 23.8}}) {
    const double sigma = tail.sigma;
    const SweepConfig config =
        Config(setup, {.user_tps = 60, .context = LogNormal(4096, sigma)});
    Sweeper s(setup, config);
    const BatchPoint p = Eval(s, 24);
    // Balanced: every rank at 24 x 4096, as with the fixed context.
    EXPECT_NEAR(ToTokens(p.balanced), 24 * 4096.0, 0.01);
    EXPECT_NEAR(ToMicroseconds(p.attention_balanced), ToMicroseconds(f.attention_actual), 0.01);
    // The slowest of the 64 ranks is the analytic model's.
    const RankImbalance want = *AnalyticImbalance(config.context, 64, 24);
    EXPECT_EQ(p.slowest, want.slowest);
    EXPECT_GT(p.attention_actual, p.attention_balanced);
    EXPECT_GT(p.forward, f.forward);
    std::printf("lognormal mean 4096 sigma %.1f, batch 24, 64 ranks: slowest Σcontext %.0f "
                "(x%.3f), attention per MoE layer %.2f -> %.2f us (+%.1f%%), forward %.3f -> "
                "%.3f ms (+%.1f%%)\n",
                sigma, ToTokens(p.slowest), want.Ratio(), ToMicroseconds(p.attention_balanced),
                ToMicroseconds(p.attention_actual),
                100 * (p.attention_actual / p.attention_balanced - 1), ToMilliseconds(f.forward),
                ToMilliseconds(p.forward), 100 * (p.forward / f.forward - 1));
    EXPECT_NEAR(ToMicroseconds(p.attention_actual), tail.attention_us, 0.5) << sigma;
    EXPECT_NEAR(100 * (p.attention_actual / p.attention_balanced - 1), tail.attention_pct, 0.5)
        << sigma;
    EXPECT_NEAR(100 * (p.forward / f.forward - 1), tail.forward_pct, 0.05) << sigma;
  }
}

TEST(DistributionTest, MonteCarloAgreesWithAnalyticAndIsReproducible) {
  const perfmodel::Setup setup = Load(kSeed);
  const SweepConfig analytic = Config(setup, {.user_tps = 60, .context = LogNormal(4096, 0.5)});
  const SweepConfig mc = Config(setup, {.user_tps = 60,
                                        .context = LogNormal(4096, 0.5),
                                        .imbalance = ImbalanceModel::kMonteCarlo,
                                        .trials = 400,
                                        .seed = 7});
  Sweeper a(setup, analytic), m(setup, mc), m2(setup, mc);
  const BatchPoint pa = Eval(a, 24);
  const BatchPoint pm = Eval(m, 24);
  EXPECT_GT(pm.slowest_stderr, Tokens::Zero());
  // The analytic form is within 0.2% of Monte Carlo at sigma 0.5
  // (perfmodel/context.h); allow 4 standard errors of this run on top.
  EXPECT_NEAR(ToTokens(pm.slowest), ToTokens(pa.slowest),
              0.002 * ToTokens(pa.slowest) + 4 * ToTokens(pm.slowest_stderr));
  // The same batch gives the same figure whatever was evaluated before it.
  Eval(m2, 3);
  EXPECT_EQ(Eval(m2, 24).slowest, pm.slowest);
}

// (Specs to laws: cli/flags_test.)
TEST(DistributionTest, GrowthAndCapMoveTheMean) {
  // Growth adds (N - 1) / 2 on average; a cap lowers the mean.
  const perfmodel::Setup setup = Load(kSeed);
  EXPECT_NEAR(ToTokens(Config(setup, {.user_tps = 60, .context = Fixed(4096),
                                      .decode_growth = 1001})
                           .context.Mean()),
              4096 + 500, 1e-6);
  EXPECT_LT(Config(setup, {.user_tps = 60, .context = LogNormal(4096, 1), .cap = 8192})
                .context.Mean(),
            TokenCount(4096));
  // No context: fixed at the workload's 4096.
  const SweepConfig def = Config(setup, {});
  EXPECT_EQ(def.context.kind(), ContextDistribution::Kind::kFixed);
  EXPECT_EQ(def.context.Mean(), TokenCount(4096));
}

// --- SLA targets. -------------------------------------------------------------

TEST(SlaTargetTest, MachineRateIsReadAtTheDeploymentsBatch) {
  const perfmodel::Setup setup = Load(kSeed);
  const SweepConfig c = Config(setup, {});  // deployments/seed_sla.textproto
  EXPECT_NEAR(ToTokensPerSecond(c.sla.user_output_tps), 11520.0 / (8 * 24), 1e-9);
  EXPECT_THAT(c.sla.source, HasSubstr("machine_output_tps 11520 / (8 DP ranks x 24 requests"));
  EXPECT_NEAR(ToTokensPerSecond(Config(setup, {.tpot_ms = 20}).sla.user_output_tps), 50, 1e-9);
  EXPECT_NEAR(ToTokensPerSecond(Config(setup, {.user_tps = 42}).sla.user_output_tps), 42, 1e-12);
  const std::string tpot_file = TempFile("tpot_sla.textproto", "name: \"t\"\ntpot_ms: 25\n");
  EXPECT_NEAR(ToTokensPerSecond(Config(setup, {.sla = tpot_file}).sla.user_output_tps), 40, 1e-9);
}

// --- Output. --------------------------------------------------------------------

TEST(SweepDocumentTest, RecordAndTableAreConsistent) {
  const perfmodel::Setup setup = Load(kSeed);
  const SweepConfig config = Config(setup, {.batch_step = 8, .context = LogNormal(4096, 1)});
  absl::StatusOr<SweepResult> r = RunSweep(setup, config);
  ASSERT_THAT(r, IsOk());
  const render::Document doc = SweepDocument(setup, config, *r);
  EXPECT_THAT(render::CheckDocument(doc), IsOk());
  ASSERT_EQ(doc.sections.size(), 3u);
  const render::Table& t = std::get<render::Table>(doc.sections[2]);
  EXPECT_EQ(t.name, "sweep");
  ASSERT_EQ(t.rows.size(), r->rows.size());
  // Every 8th batch from 1, batch_max, and both sides of the SLA limit.
  const std::vector<int64_t> want = SweepBatches(1, 256, 8, {r->sla_batch, r->sla_batch + 1,
                                                              r->memory_batch,
                                                              r->memory_batch + 1});
  ASSERT_EQ(r->rows.size(), want.size());
  int marked = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(r->rows[i].batch, want[i]);
    if (Text(&t.rows[i].back()) == "max") {
      ++marked;
      EXPECT_EQ(r->rows[i].batch, r->max_batch);
    }
  }
  EXPECT_EQ(marked, 1);
  EXPECT_EQ(Text(Field(doc, "max_concurrency", "batch_per_dp")), absl::StrCat(r->max_batch));
  EXPECT_EQ(Text(Field(doc, "max_concurrency", "concurrency")), absl::StrCat(8 * r->max_batch));
  const std::string json = render::Render(doc, render::Format::kJson);
  EXPECT_THAT(json, HasSubstr("\"max_concurrency\": {"));
  EXPECT_THAT(json, HasSubstr("\"sweep\": ["));
}

TEST(SweepBatchesTest, PowersOfTwoOrStepsPlusExtras) {
  EXPECT_THAT(SweepBatches(1, 256, 0, {}),
              ::testing::ElementsAre(1, 2, 4, 8, 16, 32, 64, 128, 256));
  EXPECT_THAT(SweepBatches(3, 100, 0, {36, 37, 500, 0}),
              ::testing::ElementsAre(3, 4, 8, 16, 32, 36, 37, 64, 100));
  EXPECT_THAT(SweepBatches(1, 35, 10, {11}), ::testing::ElementsAre(1, 11, 21, 31, 35));
  EXPECT_THAT(SweepBatches(5, 5, 0, {}), ::testing::ElementsAre(5));
}

TEST(SweepSvgTest, PlotsBothRatesTheSlaAndTheMaximum) {
  for (const auto& [paths, flags] : std::vector<std::pair<SetupPaths, SweepOptions>>{
           {kSeed, SweepOptions{.context = LogNormal(4096, 1)}},
           {kLlamaH100, SweepOptions{.user_tps = 10, .context = Fixed(131072)}}}) {
    const perfmodel::Setup setup = Load(paths);
    SweepConfig config = Config(setup, flags);
    config.curve_points = 64;
    absl::StatusOr<SweepResult> r = RunSweep(setup, config);
    ASSERT_THAT(r, IsOk());
    // Log-spaced batches (fewer than asked where they round to the same
    // integer), ascending, including the table's.
    EXPECT_GT(r->curve.size(), 2 * r->rows.size());
    EXPECT_LE(r->curve.size(), 64 + r->rows.size());
    for (size_t i = 1; i < r->curve.size(); ++i) {
      EXPECT_LT(r->curve[i - 1].batch, r->curve[i].batch);
    }
    for (const BatchPoint& row : r->rows) {
      EXPECT_TRUE(std::any_of(r->curve.begin(), r->curve.end(),
                              [&](const BatchPoint& c) { return c.batch == row.batch; }));
    }
    const std::string svg = SweepSvg(setup, config, *r);
    pugi::xml_document doc;
    ASSERT_THAT(ParseSvg(svg, doc), IsOk()) << svg;  // one <svg> root in SVG's namespace
    auto count = [&](absl::string_view name, absl::string_view cls) {
      int n = 0;
      for (const pugi::xml_node& x : ElementsWithClass(doc, cls)) n += x.name() == name;
      return n;
    };
    EXPECT_EQ(count("polyline", "series-user"), 1);
    EXPECT_EQ(count("polyline", "series-machine"), 1);
    EXPECT_EQ(count("line", "sla"), 1);
    EXPECT_EQ(count("circle", "max-concurrency"), 2);  // in both panels
    EXPECT_EQ(count("text", "axis-label"), 3);
    EXPECT_EQ(count("text", "title"), 1);
    // Batches that do not fit are drawn apart.
    const bool memory_binds = r->binding == BindingLimit::kMemory;
    EXPECT_EQ(count("polyline", "series-user-beyond-hbm"), memory_binds ? 1 : 0);
    EXPECT_EQ(count("polyline", "series-machine-beyond-hbm"), memory_binds ? 1 : 0);
  }
}

// --- Bad input. -----------------------------------------------------------------

// The errors name the option's field; //tools:sweep turns the field into its
// flag (cli/cli.h, NameTheFlag()).
TEST(BadInputTest, ErrorsNameTheField) {
  const perfmodel::Setup setup = Load(kSeed);
  const auto bad = absl::StatusCode::kInvalidArgument;
  struct Case {
    SweepOptions flags;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{.batch_min = 0}, "batch_min: must be >= 1, got 0"},
      {{.batch_min = 300, .batch_max = 256}, "batch_min: 300 is above batch_max (256)"},
      {{.batch_max = (1 << 20) + 1}, "batch_max: must be <= 1048576"},
      {{.batch_step = 0}, "batch_step: must be >= 1, got 0"},
      {{.batch_max = 100000, .batch_step = 1}, "batch_step: 1 gives 100000 rows"},
      {{.user_tps = -1}, "user_tps: must be a positive finite number, got -1"},
      {{.user_tps = 0}, "user_tps: must be a positive finite number, got 0"},
      {{.tpot_ms = std::nan("")}, "tpot_ms: must be a positive finite number"},
      {{.user_tps = 60, .tpot_ms = 16}, "tpot_ms: conflicts with user_tps"},
      {{.user_tps = 60, .sla = std::string(kSeedSlaFile)}, "sla: conflicts with user_tps"},
      {{.cap = 0}, "cap: must be >= 1, got 0"},
      {{.decode_growth = -2}, "decode_growth: must be >= 0"},
      {{.decode_growth = (1 << 18) + 1}, "decode_growth: output_tokens: must be in [1, 262144]"},
      {{.imbalance = ImbalanceModel::kMonteCarlo, .trials = 1}, "trials: must be >= 2, got 1"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(MakeSweepConfig(c.flags, setup), StatusIs(bad, StartsWith(c.message)))
        << c.message;
  }
  EXPECT_THAT(MakeSweepConfig({.sla = "/no/such/sla.textproto"}, setup),
              StatusIs(absl::StatusCode::kNotFound, StartsWith("sla: /no/such/sla.textproto")));
  // More synchronised ranks than the analytic table covers.
  perfmodel::Setup wide = setup;
  wide.deployment.parallel.attention_dp = 2048;
  EXPECT_THAT(MakeSweepConfig({}, wide),
              StatusIs(bad, StartsWith("imbalance: analytic covers at most 1024 synchronised "
                                       "ranks, the deployment has 2048")));
}

// The largest batch's query tokens per rank stay within the loader's limit
// (loader/load.h limits::kMaxTokensPerForward): 2^20 requests x 17 query
// tokens (16 drafts) would be 2^24 x 1.06.
TEST(BadInputTest, BatchMaxKeepsTokensPerRankWithinTheLimit) {
  perfmodel::Setup setup = Load(kSeed);
  setup.workload.mtp_draft_tokens = 16;
  EXPECT_THAT(MakeSweepConfig({.batch_max = 1 << 20, .batch_step = 1 << 16}, setup),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "batch_max: 1048576 requests x 17 tokens is above 16777216 tokens per DP "
                       "rank per forward"));
  EXPECT_THAT(MakeSweepConfig({.batch_max = 1 << 19, .batch_step = 1 << 16}, setup), IsOk());
}

// --- The seed's questions: README.md's answers, pinned. -----------------------

// README.md's table "The seed's questions" answers two of them for three
// descriptions of the H200 (from the kernel table, calibrated to the seed's
// measured step, calibrated to the seed's simulator), with the workload's
// 1.3 ms host gap and without it. These are the figures printed there: a
// change to the model that moves one fails here, and the README is updated in
// the same commit.
struct SeedAnswer final {
  const char* hardware;
  bool host_gap;
  int64_t largest_batch;        // per DP rank at >= 60 tokens/s per user
  double user_tps_at_batch_24;  // as the README rounds it (0.1)
};

TEST(SeedQuestions, TheReadmesAnswers) {
  for (const SeedAnswer& a : std::vector<SeedAnswer>{
           {"hw/h200_sxm.textproto", true, 36, 77.3},
           {"hw/h200_sxm_seed_calibrated.textproto", true, 34, 77.5},
           {"hw/h200_sxm_seed_refsim.textproto", true, 42, 97.6},
           {"hw/h200_sxm.textproto", false, 37, 80.8},
           {"hw/h200_sxm_seed_calibrated.textproto", false, 35, 81.1},
           {"hw/h200_sxm_seed_refsim.textproto", false, 44, 103.3},
       }) {
    SCOPED_TRACE(absl::StrCat(a.hardware, a.host_gap ? " with" : " without", " the host gap"));
    perfmodel::Setup setup = Load({.hardware = a.hardware});
    if (!a.host_gap) {
      ASSERT_THAT(ApplyOverrides({.host_gap = Duration::Zero()}, setup.workload), IsOk());
    }
    const SweepConfig config = Config(setup, {});
    EXPECT_DOUBLE_EQ(ToTokensPerSecond(config.sla.user_output_tps), 60.0);  // the seed's SLA
    absl::StatusOr<SweepResult> r = RunSweep(setup, config);
    ASSERT_THAT(r, IsOk());
    EXPECT_EQ(r->binding, BindingLimit::kSla);
    EXPECT_EQ(r->max_batch, a.largest_batch);
    // The answer is the largest: it meets the SLA, one request more per rank
    // misses it.
    Sweeper s(setup, config);
    EXPECT_GE(Eval(s, r->max_batch).user_output_tps, config.sla.user_output_tps);
    EXPECT_LT(Eval(s, r->max_batch + 1).user_output_tps, config.sla.user_output_tps);
    // Per-user tokens/s at the seed's batch of 24, to the README's 0.1.
    EXPECT_NEAR(ToTokensPerSecond(Eval(s, 24).user_output_tps), a.user_tps_at_batch_24, 0.05);
  }
}

}  // namespace
}  // namespace perfmodel
