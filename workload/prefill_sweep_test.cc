// Tests for workload/prefill_sweep.h: the monotonicity the bisection relies
// on (TTFT in batch, prompt length and chunk size, checked on the seed's P
// node, not assumed), the searches against the scan definition, which limit
// binds, the load model's wiring (TTFT rises with the arrival rate, the max
// rate reproduces the target, the KV transfer is the fixed extra), the
// document, and every bad option named in its error.
//
// README.md's seed P-node figures are pinned by SeedQuestions.TheReadmesPNodeAnswers.

#include "workload/prefill_sweep.h"

#include <cmath>
#include <cstdint>
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
#include "perfmodel/ttft.h"
#include "report/render.h"

namespace perfmodel {
namespace {

using ::perfmodel::testing::IsOk;
using ::perfmodel::testing::StatusIs;
using ::testing::HasSubstr;

const SetupPaths kSeedPrefill{.deployment = "deployments/seed_prefill.textproto"};

// LoadPrefill() is the seed's P node with `o` applied to its workload.
perfmodel::Setup LoadPrefill(const WorkloadOverrides& o = {}) {
  absl::StatusOr<perfmodel::Setup> s = LoadSetup(kSeedPrefill);
  EXPECT_THAT(s, IsOk());
  EXPECT_THAT(ApplyOverrides(o, s->workload), IsOk());
  return *std::move(s);
}

PrefillSweepConfig Config(const perfmodel::Setup& setup, const PrefillSweepOptions& o) {
  absl::StatusOr<PrefillSweepConfig> c = MakePrefillSweepConfig(o, setup);
  EXPECT_THAT(c, IsOk());
  return *std::move(c);
}

PrefillSweepResult Sweep(const perfmodel::Setup& setup, const PrefillSweepConfig& c) {
  absl::StatusOr<PrefillSweepResult> r = RunPrefillSweep(setup, c);
  EXPECT_THAT(r, IsOk());
  return *std::move(r);
}

// LinearLargest() is the largest batch in [lo, hi] for which `pred` holds on
// it and on every batch below it (lo - 1 if none), by scanning.
template <typename Pred>
int64_t LinearLargest(int64_t lo, int64_t hi, Pred pred) {
  int64_t last = lo - 1;
  for (int64_t b = lo; b <= hi && pred(b); ++b) last = b;
  return last;
}

// The workloads the monotonicity holds on: unchunked, chunks below, at and
// above a prompt, and a prefix-cache hit.
std::vector<WorkloadOverrides> Variants() {
  return {{},
          {.chunk_tokens = 2048},
          {.chunk_tokens = 4096},
          {.chunk_tokens = 8192},
          {.chunk_tokens = 16384, .prefix_cache_hit = 0.5},
          {.prompt_tokens = 512},
          {.prompt_tokens = 32768, .chunk_tokens = 8192}};
}

std::string Name(const WorkloadOverrides& o) {
  return absl::StrCat("prompt ", o.prompt_tokens.value_or(4096), " chunk ",
                      o.chunk_tokens.value_or(0), " hit ", o.prefix_cache_hit.value_or(0.0));
}

// ---------------------------------------------------------------------------
// Monotonicity: what the bisections rely on.

// Within each parity of the batch: an odd batch's two micro-batches split
// every sequence, an even one's split the sequences, so across parities TTFT
// may fall (the seed unchunked from b = 45 to 46). The TTFT bisection relies
// on t(b) >= t(b - 2). Memory is scanned, not bisected: it may fall even two
// batches on (a packed odd forward's workspace), but never below the KV cache
// of the prompts, which grows with every batch.
TEST(MonotoneTest, TtftNeverFallsWithinAParity) {
  for (const WorkloadOverrides& o : Variants()) {
    const perfmodel::Setup setup = LoadPrefill(o);
    PrefillSweeper s(setup);
    std::vector<PrefillPoint> p = {PrefillPoint{}};  // p[b], from 1
    for (int64_t b = 1; b <= 256; ++b) p.push_back(s.Evaluate(b, Seconds(1)));
    for (int64_t b = 3; b <= 256; ++b) {
      EXPECT_GE(p[b].ttft, p[b - 2].ttft) << Name(o) << " batch " << b;
    }
    EXPECT_GE(p[2].ttft, p[1].ttft) << Name(o);
    for (int64_t b = 2; b <= 256; ++b) {
      EXPECT_GT(p[b].memory.kv_cache, p[b - 1].memory.kv_cache) << Name(o) << " batch " << b;
    }
  }
}

TEST(MonotoneTest, TtftNeverFallsAsThePromptGrows) {
  for (const WorkloadOverrides& o : Variants()) {
    const perfmodel::Setup setup = LoadPrefill(o);
    PrefillSweeper s(setup);
    Duration last = s.Prompt(1).prefill.ttft;
    for (int64_t tokens = 2; tokens <= 163840; tokens += tokens < 8192 ? 61 : 4093) {
      const Duration t = s.Prompt(tokens).prefill.ttft;
      EXPECT_GE(t, last) << Name(o) << " prompt " << tokens;
      last = t;
    }
  }
}

TEST(MonotoneTest, TtftNeverRisesAsTheChunkGrows) {
  for (int64_t prompt : {4096, 16384}) {
    for (int64_t batch : {1, 4}) {
      Duration last = Duration::Infinite();
      // Ascending chunks, then unchunked (one forward of the whole batch).
      for (int64_t chunk : {256, 512, 1024, 2048, 4096, 8192, 16384, 65536, 0}) {
        WorkloadOverrides o{.batch_per_dp = batch, .prompt_tokens = prompt};
        if (chunk > 0) o.chunk_tokens = chunk;
        const perfmodel::Setup setup = LoadPrefill(o);
        const StepResult r =
            EstimatePrefill(setup.model, setup.hardware.spec, setup.deployment, setup.workload);
        EXPECT_LE(r.prefill.ttft, last)
            << "prompt " << prompt << " batch " << batch << " chunk " << chunk;
        last = r.prefill.ttft;
      }
    }
  }
}

// ---------------------------------------------------------------------------
// The limits.

TEST(SearchTest, BisectionAndScanEqualTheDefinition) {
  for (const WorkloadOverrides& o : Variants()) {
    const perfmodel::Setup setup = LoadPrefill(o);
    PrefillSweeper s(setup);
    // 17430 ms lies between t(46) and t(45) on the seed unchunked: a plain
    // bisection on "b meets" would stop at 46, the definition at 44.
    for (double ttft_ms : {50.0, 300.0, 439.0, 1000.0, 3000.0, 17430.0, 20000.0, 1e6}) {
      for (SlaSearch search : kSlaSearches) {
        const PrefillSweepConfig c =
            Config(setup, {.batch_max = 64, .ttft_ms = ttft_ms, .search = search});
        const PrefillSweepResult r = Sweep(setup, c);
        const Duration target = Milliseconds(ttft_ms);
        EXPECT_EQ(r.ttft_batch,
                  LinearLargest(1, 64, [&](int64_t b) { return s.Evaluate(b, target).meets_ttft; }))
            << Name(o) << " ttft " << ttft_ms << " " << SlaSearchName(search);
        EXPECT_EQ(r.memory_batch,
                  LinearLargest(1, 64, [&](int64_t b) { return s.Evaluate(b, target).fits; }))
            << Name(o);
        EXPECT_EQ(r.max_batch, std::min(r.ttft_batch, r.memory_batch));
        if (r.at_max) {
          EXPECT_EQ(r.at_max->batch, r.max_batch);
          EXPECT_TRUE(r.at_max->meets_ttft && r.at_max->fits);
        }
      }
    }
  }
}

// Where memory falls two batches on (a packed odd forward's workspace), an
// HBM capacity between the two: the limit is the definition's, below both.
TEST(SearchTest, MemoryLimitIsExactWhereMemoryFalls) {
  perfmodel::Setup setup = LoadPrefill({.chunk_tokens = 16384, .prefix_cache_hit = 0.5});
  int64_t fall = 0;
  {
    PrefillSweeper s(setup);
    for (int64_t b = 1; b <= 64 && fall == 0; ++b) {
      if (s.Evaluate(b + 2, Seconds(1)).memory.Total() < s.Evaluate(b, Seconds(1)).memory.Total()) {
        fall = b;
      }
    }
  }
  if (fall == 0) GTEST_SKIP() << "memory never falls: the bisection would do";
  PrefillSweeper s(setup);
  const Bytes high = s.Evaluate(fall, Seconds(1)).memory.Total();
  const Bytes low = s.Evaluate(fall + 2, Seconds(1)).memory.Total();
  setup.hardware.spec.hbm_capacity +=
      (low + high) * 0.5 - s.Evaluate(1, Seconds(1)).memory.capacity;
  PrefillSweeper capped(setup);
  const int64_t want =
      LinearLargest(1, 64, [&](int64_t b) { return capped.Evaluate(b, Seconds(1)).fits; });
  EXPECT_LT(want, fall);
  EXPECT_TRUE(capped.Evaluate(fall + 2, Seconds(1)).fits);  // what a bisection could land on
  for (SlaSearch search : kSlaSearches) {
    EXPECT_EQ(Sweep(setup, Config(setup, {.batch_max = 64, .search = search})).memory_batch, want);
  }
}

TEST(SearchTest, TheSeedsPNodeIsBoundByTtft) {
  const perfmodel::Setup setup = LoadPrefill();
  const PrefillSweepResult r = Sweep(setup, Config(setup, {}));
  EXPECT_EQ(r.dp_per_machine, 8);
  EXPECT_EQ(r.ttft_batch, 2);
  EXPECT_EQ(r.max_batch, 2);
  EXPECT_EQ(r.binding, BindingLimit::kSla);
  EXPECT_EQ(PrefillBindingLimitName(r.binding), "ttft");
  ASSERT_TRUE(r.at_max.has_value());
  EXPECT_EQ(r.at_max->prompts_per_machine, 16);
  EXPECT_LT(r.at_max->ttft, Seconds(1));
  // The batch's TTFT is its forwards plus a host gap before each.
  EXPECT_NEAR(ToMilliseconds(r.at_max->ttft),
              ToMilliseconds(r.at_max->forward) + 1.3 * static_cast<double>(r.at_max->forwards),
              1e-9);
  EXPECT_GT(r.memory_batch, r.ttft_batch);
}

TEST(SearchTest, MemoryBatchMaxAndNothingBind) {
  const perfmodel::Setup setup = LoadPrefill();
  const PrefillSweepResult memory = Sweep(setup, Config(setup, {.ttft_ms = 1e7}));
  EXPECT_EQ(memory.binding, BindingLimit::kMemory);
  EXPECT_EQ(memory.max_batch, memory.memory_batch);
  EXPECT_LT(memory.memory_batch, 256);

  const PrefillSweepResult range = Sweep(setup, Config(setup, {.batch_max = 2}));
  EXPECT_EQ(range.binding, BindingLimit::kBatchMax);
  EXPECT_EQ(range.max_batch, 2);

  const PrefillSweepResult none = Sweep(setup, Config(setup, {.ttft_ms = 100}));
  EXPECT_EQ(none.ttft_batch, 0);
  EXPECT_EQ(none.max_batch, 0);
  EXPECT_FALSE(none.at_max.has_value());
  const std::string json = render::Render(
      PrefillSweepDocument(setup, Config(setup, {.ttft_ms = 100}), none), render::Format::kJson);
  EXPECT_THAT(json, HasSubstr("\"batch_per_dp\": null"));
}

TEST(SearchTest, TableHoldsBothSidesOfEachLimit) {
  const perfmodel::Setup setup = LoadPrefill();
  const PrefillSweepResult r = Sweep(setup, Config(setup, {.batch_max = 64}));
  std::vector<int64_t> batches;
  for (const PrefillPoint& p : r.rows) batches.push_back(p.batch);
  EXPECT_EQ(
      batches,
      SweepBatches(1, 64, 0, {r.ttft_batch, r.ttft_batch + 1, r.memory_batch, r.memory_batch + 1}));
  for (const PrefillPoint& p : r.rows) {
    EXPECT_EQ(p.meets_ttft, p.ttft <= Seconds(1)) << p.batch;
    EXPECT_EQ(p.fits, p.memory.Fits()) << p.batch;
  }
}

// ---------------------------------------------------------------------------
// Under load.

TEST(LoadTest, TtftRisesWithTheArrivalRate) {
  const perfmodel::Setup setup = LoadPrefill();
  const PrefillSweepResult r = Sweep(
      setup,
      Config(setup, {.context = ContextDistribution::LogNormal(TokenCount(4096), 1.0).value()}));
  const PrefillLoad& load = r.load;
  TtftStats last = PrefillTtft(load.service, Hertz(0), load.extra);
  for (double rho = 0.05; rho < 1.0; rho += 0.05) {
    const TtftStats s = PrefillTtft(load.service, load.rank_saturation * rho, load.extra);
    ASSERT_TRUE(s.stable) << rho;
    EXPECT_NEAR(s.utilisation, rho, 1e-9);
    EXPECT_GT(s.mean_ttft, last.mean_ttft) << rho;
    EXPECT_GE(s.p90, last.p90) << rho;
    EXPECT_GE(s.p99, last.p99) << rho;
    last = s;
  }
  EXPECT_FALSE(PrefillTtft(load.service, load.rank_saturation, load.extra).stable);
  // The table's rows: ascending rate, utilisation rising with it.
  for (size_t i = 1; i < load.rows.size(); ++i) {
    EXPECT_GE(load.rows[i].machine_rate, load.rows[i - 1].machine_rate);
    EXPECT_GE(load.rows[i].rank.mean_ttft, load.rows[i - 1].rank.mean_ttft);
  }
}

TEST(LoadTest, MaxRateReproducesTheTarget) {
  const perfmodel::Setup setup = LoadPrefill();
  for (double percentile : {0.5, 0.9, 0.99}) {
    for (const char* law : {"fixed", "lognormal"}) {
      // The lognormal's longest quantile (20575 tokens) takes 3.5 s alone: a 6 s target.
      const bool lognormal = std::string(law) == "lognormal";
      const double target_ms = lognormal ? 6000 : 1000;
      PrefillSweepOptions o{.ttft_ms = target_ms, .ttft_percentile = percentile};
      if (lognormal) {
        o.context = ContextDistribution::LogNormal(TokenCount(4096), 0.8).value();
        o.context_label = "lognormal:4096:0.8";
      }
      const PrefillSweepConfig c = Config(setup, o);
      const PrefillLoad load = Sweep(setup, c).load;
      ASSERT_TRUE(load.max_rate.reachable) << law << " " << percentile;
      const Frequency rate = load.max_rate.rate;
      EXPECT_NEAR(ToMilliseconds(TtftQuantile(load.service, rate, load.extra, percentile)),
                  target_ms, 1e-3)
          << law << " " << percentile;
      EXPECT_GT(TtftQuantile(load.service, rate * 1.01, load.extra, percentile),
                Milliseconds(target_ms));
      // Asking for the max rate per machine meets the target; 1 % more does not.
      const double machine = ToHertz(rate) * 8;
      o.arrival_rate = machine * 0.999;
      EXPECT_TRUE(Sweep(setup, Config(setup, o)).load.asked->meets_ttft);
      o.arrival_rate = machine * 1.01;
      EXPECT_FALSE(Sweep(setup, Config(setup, o)).load.asked->meets_ttft);
    }
  }
}

TEST(LoadTest, AnUnreachableTargetAndAnOverloadedRank) {
  const perfmodel::Setup setup = LoadPrefill();
  // A target below one prompt's prefill: no rate meets it.
  const PrefillLoad tight = Sweep(setup, Config(setup, {.ttft_ms = 300})).load;
  EXPECT_FALSE(tight.max_rate.reachable);
  EXPECT_GT(tight.max_rate.ttft_at_rate, Milliseconds(300));
  // Beyond saturation: unstable, infinite TTFT, not an error.
  const PrefillSweepResult over = Sweep(setup, Config(setup, {.arrival_rate = 100}));
  ASSERT_TRUE(over.load.asked.has_value());
  EXPECT_FALSE(over.load.asked->rank.stable);
  EXPECT_FALSE(over.load.asked->meets_ttft);
  const std::string text =
      render::Render(PrefillSweepDocument(setup, Config(setup, {.arrival_rate = 100}), over),
                     render::Format::kText);
  EXPECT_THAT(text, HasSubstr("the queue grows without bound"));
}

TEST(LoadTest, DisaggregationAddsTheMeanPromptsKvTransfer) {
  const perfmodel::Setup setup = LoadPrefill();
  const PrefillLoad with = Sweep(setup, Config(setup, {})).load;
  const PrefillLoad without = Sweep(setup, Config(setup, {.disaggregated = false})).load;
  const Bytes per_token = WithGraph(setup.model, [&]<typename G>(std::type_identity<G>) {
    return G::KvBytesPerToken(setup.model, setup.deployment);
  });
  const HardwareSpec& hw = setup.hardware.spec;
  EXPECT_EQ(with.kv_bytes_per_token, per_token);
  // Every prompt 4096 tokens, no sliding layers: a prompt's KV is per token x 4096.
  EXPECT_DOUBLE_EQ(ToBytes(with.kv_bytes_per_prompt), ToBytes(per_token * 4096.0));
  EXPECT_NEAR(ToMilliseconds(with.extra),
              ToMilliseconds(hw.scale_out_latency + per_token * 4096.0 / hw.scale_out_bandwidth),
              1e-9);
  EXPECT_EQ(without.extra, Duration::Zero());
  EXPECT_GT(without.max_rate.rate, with.max_rate.rate);

  // Sliding layers keep at most their window of a prompt: half the MoE
  // layers at a 1024-token window hold 1024 of the 4096 tokens.
  perfmodel::Setup sliding = setup;
  sliding.model.sliding.window_tokens = 1024;
  sliding.model.sliding.moe_layers = sliding.model.LayerCount(LayerKind::kMoe) / 2;
  const PrefillLoad windowed = Sweep(sliding, Config(sliding, {})).load;
  const KvFootprint kv = KvCache(sliding.model, sliding.deployment);
  EXPECT_GT(kv.per_window_token, Bytes::Zero());
  EXPECT_DOUBLE_EQ(ToBytes(windowed.kv_bytes_per_prompt),
                   ToBytes(kv.per_token * 4096.0 + kv.per_window_token * 1024.0));
  EXPECT_LT(windowed.kv_bytes_per_prompt, with.kv_bytes_per_prompt);
  EXPECT_EQ(with.service, without.service);  // the transfer does not occupy the rank

  // A spread of lengths: the extra is the mean prompt's, the longest's is larger.
  const PrefillLoad spread =
      Sweep(setup, Config(setup, {.context = ContextDistribution::Uniform(1024, 7168).value()}))
          .load;
  EXPECT_NEAR(ToTokens(spread.mean_prompt), 4096, 50);
  EXPECT_GT(spread.kv_transfer_longest, spread.kv_transfer);
  EXPECT_EQ(spread.extra, spread.kv_transfer);
}

TEST(LoadTest, QuantilesStandForTheLawClampedToTheModel) {
  const perfmodel::Setup setup = LoadPrefill();
  const ContextDistribution law = ContextDistribution::LogNormal(TokenCount(65536), 2.0).value();
  const PrefillLoad load = Sweep(setup, Config(setup, {.context = law, .quantiles = 32})).load;
  ASSERT_EQ(load.lengths.size(), 32u);
  ASSERT_EQ(load.service.size(), 32u);
  for (size_t i = 0; i < load.lengths.size(); ++i) {
    const int64_t q = law.Quantile((static_cast<double>(i) + 0.5) / 32).value();
    EXPECT_EQ(load.lengths[i], std::clamp<int64_t>(q, 1, setup.model.max_context_tokens)) << i;
    if (i > 0) {
      EXPECT_GE(load.service[i], load.service[i - 1]) << i;
    }
  }
  EXPECT_EQ(load.lengths.back(), setup.model.max_context_tokens);  // 163840: the tail is cut
  // A fixed law: every quantile the prompt, one service time.
  const PrefillLoad fixed = Sweep(setup, Config(setup, {})).load;
  EXPECT_EQ(fixed.lengths, std::vector<int64_t>(kDefaultTtftQuantiles, 4096));
  PrefillSweeper s(setup);
  EXPECT_EQ(fixed.service.front(), s.Prompt(4096).prefill.ttft);
  EXPECT_EQ(fixed.service.front(), fixed.service.back());
}

// ---------------------------------------------------------------------------
// The document.

TEST(DocumentTest, SectionsAndKeysAreConsistent) {
  const perfmodel::Setup setup = LoadPrefill();
  const PrefillSweepConfig c = Config(setup, {.arrival_rate = 4});
  const PrefillSweepResult r = Sweep(setup, c);
  const render::Document doc = PrefillSweepDocument(setup, c, r);
  EXPECT_THAT(CheckDocument(doc), IsOk());
  ASSERT_EQ(doc.sections.size(), 5u);
  const std::string json = render::Render(doc, render::Format::kJson);
  for (const char* key :
       {"\"setup\"", "\"max_batch\"", "\"prefill_sweep\"", "\"under_load\"", "\"load\"",
        "\"binding_limit\": \"ttft\"", "\"batch_per_dp\": 2", "\"prompts_per_machine\": 16",
        "\"max_rate_machine_rps\"", "\"arrival_rate_machine_rps\": 4.000", "\"mark\": \"asked\"",
        "\"mark\": \"max\"", "\"ttft_target_ms\": 1000.00"}) {
    EXPECT_THAT(json, HasSubstr(key)) << key;
  }
  // Not asked: the asked rate's fields are empty and the table has no such row.
  const PrefillSweepConfig plain = Config(setup, {});
  const std::string text = render::Render(PrefillSweepDocument(setup, plain, Sweep(setup, plain)),
                                          render::Format::kText);
  EXPECT_THAT(text, HasSubstr("not asked (--arrival_rate)"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("asked\n")));
}

// ---------------------------------------------------------------------------
// Bad input: every field named.

TEST(BadInputTest, ErrorsNameTheField) {
  using absl::StatusCode::kInvalidArgument;
  const perfmodel::Setup setup = LoadPrefill();
  auto fails = [&](const PrefillSweepOptions& o, const std::string& message) {
    EXPECT_THAT(MakePrefillSweepConfig(o, setup), StatusIs(kInvalidArgument, HasSubstr(message)))
        << message;
  };
  fails({.batch_min = 0}, "batch_min: must be >= 1, got 0");
  fails({.batch_min = 300}, "batch_min: 300 is above batch_max (256)");
  fails({.batch_max = kMaxBatchPerRank + 1}, "batch_max: must be <= ");
  fails({.batch_step = 0}, "batch_step: must be >= 1, got 0");
  fails({.batch_max = 1 << 20, .batch_step = 1}, "batch_step: 1 gives");
  // 8192 prompts of the seed's 4096 tokens: 2^25 tokens on a rank at once.
  fails({.batch_max = 8192},
        "batch_max: 8192 prompts x 4096 tokens is above 16777216 tokens per DP rank per forward");
  fails({.ttft_ms = 0}, "ttft_ms: must be a positive finite number, got 0");
  fails({.ttft_ms = -5}, "ttft_ms: must be a positive finite number, got -5");
  fails({.ttft_ms = INFINITY}, "ttft_ms: must be a positive finite number");
  fails({.ttft_ms = 1000, .sla = "deployments/seed_sla.textproto"}, "sla: conflicts with ttft_ms");
  fails({.quantiles = 0}, "quantiles: must be in [1, 4096], got 0");
  fails({.arrival_rate = -1}, "arrival_rate: must be a finite number >= 0");
  fails({.arrival_rate = NAN}, "arrival_rate:");
  fails({.ttft_percentile = 1.5}, "ttft_percentile: must be in (0, 1), got 1.5");
  fails({.ttft_percentile = 0}, "ttft_percentile: must be in (0, 1), got 0");
  fails({.context = ContextDistribution::Fixed(4096)->WithDecodeGrowth(16).value()},
        "context: a prompt-length law has no decode growth");
  EXPECT_THAT(MakePrefillSweepConfig({.sla = "no/such/sla.textproto"}, setup),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("sla: no/such/sla.textproto")));
  // An SLA file without a TTFT target.
  const std::string no_ttft =
      absl::StrCat(std::getenv("TEST_TMPDIR"), "/decode_only_sla.textproto");
  std::ofstream(no_ttft) << "name: \"decode-only\"\nuser_output_tps: 60\n";
  fails({.sla = no_ttft}, "has no ttft_ms; give ttft_ms or an SLA file with one");
  const perfmodel::Setup long_prompt = LoadPrefill({.prompt_tokens = 200000});
  EXPECT_THAT(MakePrefillSweepConfig({}, long_prompt),
              StatusIs(kInvalidArgument,
                       HasSubstr("prompt_tokens: 200000 is above the model's max_context_tokens "
                                 "(163840)")));
  // A decode workload is not a prefill one.
  absl::StatusOr<perfmodel::Setup> decode = LoadSetup({});
  ASSERT_THAT(decode, IsOk());
  EXPECT_THAT(MakePrefillSweepConfig({}, *decode),
              StatusIs(kInvalidArgument, HasSubstr("phase: the prefill sweep needs a prefill")));
}

// ---------------------------------------------------------------------------
// The seed's P-node question: README.md's table "The seed's P node", pinned
// (`bazel run //tools:sweep -- --phase=prefill`). A change to the model that
// moves one of these fails here, and the README is updated with it.

TEST(SeedQuestions, TheReadmesPNodeAnswers) {
  const perfmodel::Setup setup = LoadPrefill();
  const PrefillSweepConfig c = Config(setup, {});
  EXPECT_EQ(c.target.ttft, Seconds(1));  // the seed's TTFT target
  const PrefillSweepResult r = Sweep(setup, c);
  EXPECT_EQ(r.dp_per_machine, 8);
  // Batch 2 prompts per rank; 3 gives 1.22 s; the TTFT binds.
  EXPECT_EQ(r.max_batch, 2);
  EXPECT_EQ(r.binding, BindingLimit::kSla);
  ASSERT_TRUE(r.at_max.has_value());
  const PrefillPoint& two = *r.at_max;
  EXPECT_NEAR(ToMilliseconds(two.forward), 815.0, 0.05);
  EXPECT_NEAR(ToMilliseconds(two.ttft), 816.3, 0.05);
  EXPECT_NEAR(ToTokensPerSecond(two.machine_prefill_tps), 80414, 0.5);
  EXPECT_NEAR(ToTokensPerSecond(two.machine_prefill_tps) / 8, 10052, 0.5);
  EXPECT_NEAR(ToGigabytes(two.memory.Total()), 114.7, 0.05);
  EXPECT_NEAR(ToGigabytes(two.memory.capacity), 141, 0.05);
  EXPECT_NEAR(ToGigabytes(two.memory.weights), 103.6, 0.05);
  EXPECT_NEAR(ToGigabytes(two.memory.activations), 2.4, 0.05);
  PrefillSweeper s(setup);
  EXPECT_NEAR(ToSeconds(s.Evaluate(3, c.target.ttft).ttft), 1.22, 0.005);
  // One prompt per rank: TTFT 447 ms at 73,439 prompt tokens/s per machine.
  const PrefillPoint one = s.Evaluate(1, c.target.ttft);
  EXPECT_NEAR(ToMilliseconds(one.ttft), 447.5, 0.5);
  EXPECT_NEAR(ToTokensPerSecond(one.machine_prefill_tps), 73439, 0.5);
  // Under Poisson load, p90 TTFT <= 1 s: 7.44 requests/s per machine, 30,481
  // prompt tokens/s, utilisation 0.42; the KV transfer to a decode node adds
  // 5.9 ms (293 MB per GPU over the 50 GB/s NIC).
  ASSERT_TRUE(r.load.max_rate.reachable);
  const double per_machine = ToHertz(r.load.max_rate.rate) * 8;
  EXPECT_NEAR(per_machine, 7.44, 0.005);
  EXPECT_NEAR(per_machine * 4096, 30481, 0.5 + 0.005 * 4096);
  EXPECT_NEAR(ToHertz(r.load.max_rate.rate) / ToHertz(r.load.rank_saturation), 0.42, 0.005);
  EXPECT_NEAR(ToMilliseconds(r.load.kv_transfer), 5.9, 0.05);
  EXPECT_NEAR(ToMegabytes(r.load.kv_bytes_per_token) * 4096, 293, 0.5);
}

}  // namespace
}  // namespace perfmodel
