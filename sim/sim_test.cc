#include "sim/sim.h"

#include <cmath>
#include <cstdint>
#include <fstream>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "deployments/llama3_1_70b_tp8_spec.h"
#include "deployments/seed_decode_spec.h"
#include "deployments/seed_prefill_spec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hw/h200_sxm_spec.h"
#include "models/deepseek_v3_spec.h"
#include "models/llama3_1_70b_spec.h"
#include "perfmodel/perfmodel.h"
#include "perfmodel/testing/matchers.h"
#include "sim/arrivals.h"
#include "sim/histogram.h"
#include "workloads/llama3_1_70b_tp8_spec.h"
#include "workloads/seed_decode_spec.h"
#include "workloads/seed_prefill_spec.h"

namespace perfmodel::sim {
namespace {

using ::perfmodel::testing::StatusIs;

StepPredictor Llama() {
  return StepPredictor(specs::kLlama31_70b, specs::kH200Sxm, specs::kLlama70bTp8,
                       specs::kLlama70bTp8Workload);
}
StepPredictor SeedDecode() {
  return StepPredictor(specs::kDeepSeekV3, specs::kH200Sxm, specs::kSeedDecode,
                       specs::kSeedDecodeWorkload);
}

TEST(Histogram, QuantilesWithinOnePercentMeanAndMaxExact) {
  Histogram h;
  std::vector<double> v;
  for (int i = 1; i <= 100000; ++i) {
    const double us = 10.0 + 0.37 * i;
    v.push_back(us);
    h.Add(Microseconds(us));
  }
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  EXPECT_NEAR(ToMicroseconds(h.Mean()), mean, 1e-6 * mean);
  EXPECT_DOUBLE_EQ(ToMicroseconds(h.Max()), v.back());
  EXPECT_DOUBLE_EQ(ToMicroseconds(h.Min()), v.front());
  for (const double q : {0.01, 0.5, 0.9, 0.99, 0.999}) {
    const double exact = v[static_cast<std::size_t>(std::ceil(q * 100000.0)) - 1];
    EXPECT_NEAR(ToMicroseconds(h.Quantile(q)), exact, 0.01 * exact) << q;
  }
  // Weights count as that many samples.
  Histogram w;
  w.Add(Milliseconds(10));
  w.Add(Milliseconds(20), 3);
  EXPECT_EQ(w.count(), 4);
  EXPECT_NEAR(ToMilliseconds(w.Mean()), 17.5, 1e-9);
  EXPECT_NEAR(ToMilliseconds(w.Quantile(0.5)), 20.0, 0.2);
  EXPECT_NEAR(ToMilliseconds(w.Quantile(0.25)), 10.0, 0.1);
  // The CDF ends at the maximum with every sample.
  ASSERT_FALSE(w.Cdf().empty());
  EXPECT_DOUBLE_EQ(w.Cdf().back().second, 1.0);
  EXPECT_DOUBLE_EQ(w.Cdf().back().first, 0.020);
}

TEST(Acceptance, UniformRateGivesTheWorkloadsTokensPerStep) {
  const MtpAcceptance a = UniformAcceptance(2, 2.3);
  ASSERT_EQ(a.positions, 2u);
  EXPECT_NEAR(a.ExpectedTokens(2), 2.3, 1e-9);
  EXPECT_DOUBLE_EQ(a.per_position[0], a.per_position[1]);
  EXPECT_EQ(UniformAcceptance(0, 1.0).positions, 0u);
}

// A fixed cohort in a closed loop on one rank: every decode step emits
// exactly 1 + drafts tokens when every draft is accepted, 1 when none is,
// so the TPOT is the step over that many.
TEST(Simulate, AcceptanceSetsTokensPerStep) {
  WorkloadSpec w = specs::kLlama70bTp8Workload;
  w.mtp_draft_tokens = 2;
  StepPredictor p(specs::kLlama31_70b, specs::kH200Sxm, specs::kLlama70bTp8, w);
  for (const auto& [accept, tokens] : {std::pair{1.0, 3.0}, std::pair{0.0, 1.0}}) {
    Config c{.mode = Mode::kDecodeOnly, .concurrency = 8, .trim = 0.0};
    c.acceptance = MtpAcceptance::Of({accept, accept});
    GammaSource src(Hertz(1), 1.0, 8, Fixed(1000), Fixed(301), 1);
    absl::StatusOr<Result> r = Simulate(c, Pool{&p, 1}, std::nullopt, src);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->requests, 8);
    // Every request's context grows identically: the step at the mean.
    const double steps = std::ceil(301.0 / tokens);
    EXPECT_EQ(r->decode_forwards, static_cast<int64_t>(steps));
    EXPECT_NEAR(ToSeconds(r->e2e.Mean()) / steps / (ToSeconds(r->tpot.Mean()) * 300.0 / (steps - 1)),
                1.0, 0.02);
  }
}

// M/D/1: one rank prefilling one fixed prompt per forward (token budget =
// the prompt, one output token) under Poisson arrivals; the mean wait is
// ρD / (2(1 − ρ)) (Pollaczek–Khinchine with a deterministic service).
TEST(Simulate, PrefillQueueIsMD1) {
  StepPredictor p = Llama();
  const int64_t prompt = 2048;
  const Duration d = p.PrefillStep(1, prompt, 0);
  const double rho = 0.7;
  const Frequency rate = Hertz(rho / ToSeconds(d));
  Config c{.mode = Mode::kAggregated, .token_budget = prompt, .trim = 0.05,
           .keep_requests = true};
  PoissonSource src(rate, 60000, Fixed(prompt), Fixed(1), 7);
  absl::StatusOr<Result> r = Simulate(c, Pool{&p, 1}, std::nullopt, src);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->requests, 60000);
  EXPECT_EQ(r->prefill_forwards, 60000);
  EXPECT_EQ(r->decode_forwards, 0);
  // Waits, by batch means (waits are correlated; 20 batches of 3000).
  std::vector<double> waits;
  for (const RequestRecord& q : r->request_records) {
    waits.push_back(ToSeconds(q.first_token - q.arrival - d));
  }
  // Records are in completion order, which is arrival order (FCFS).
  const std::size_t batches = 20, per = waits.size() / batches;
  std::vector<double> means;
  for (std::size_t b = 0; b < batches; ++b) {
    means.push_back(std::accumulate(waits.begin() + static_cast<std::ptrdiff_t>(b * per),
                                    waits.begin() + static_cast<std::ptrdiff_t>((b + 1) * per),
                                    0.0) /
                    static_cast<double>(per));
  }
  const double mean = std::accumulate(means.begin(), means.end(), 0.0) / batches;
  double var = 0.0;
  for (const double m : means) var += (m - mean) * (m - mean);
  const double se = std::sqrt(var / (batches - 1) / batches);
  const double expected = rho * ToSeconds(d) / (2.0 * (1.0 - rho));
  EXPECT_NEAR(mean, expected, 3.0 * se) << "se " << se;
  EXPECT_LT(se, 0.1 * expected);  // the check has teeth
  // TTFT is wait + service: never below the service time.
  EXPECT_GE(r->ttft.Min(), d * (1.0 - 1e-9));
}

// Mixed chunks: prefill rides in the decode forwards, so decoding requests
// no longer stall behind whole prefill forwards; every request completes
// and the chunks are counted.
TEST(Simulate, MixedChunksRideInDecodeForwards) {
  StepPredictor p = Llama();
  auto run = [&](bool mixed) {
    Config c{.mode = Mode::kAggregated, .token_budget = 2048, .mixed_chunks = mixed};
    PoissonSource src(Hertz(3), 1500, Fixed(6000), Fixed(300), 5);
    return Simulate(c, Pool{&p, 1}, std::nullopt, src).value();
  };
  const Result alternate = run(false), mixed = run(true);
  EXPECT_EQ(alternate.requests, 1500);
  EXPECT_EQ(mixed.requests, 1500);
  EXPECT_EQ(alternate.mixed_forwards, 0);
  EXPECT_GT(mixed.mixed_forwards, 0);
  EXPECT_LT(mixed.prefill_forwards, alternate.prefill_forwards);
  // A decoding request waits out a whole 2K-token prefill forward when they
  // alternate; mixed, its forward only grows by the chunk.
  EXPECT_LT(mixed.itl.Quantile(0.99), alternate.itl.Quantile(0.99));
}

// The same seed gives the same run; another seed another one.
TEST(Simulate, SameSeedSameOutput) {
  auto run = [](uint64_t seed) {
    StepPredictor p = SeedDecode();
    Config c{.mode = Mode::kDecodeOnly, .seed = seed};
    PoissonSource src(Hertz(400), 3000, Fixed(1024), Fixed(256), seed);
    return Simulate(c, Pool{&p, 1}, std::nullopt, src).value();
  };
  const Result a = run(3), b = run(3), other = run(4);
  EXPECT_EQ(a.decode_forwards, b.decode_forwards);
  EXPECT_EQ(a.tpot.Quantile(0.99), b.tpot.Quantile(0.99));
  EXPECT_EQ(a.itl.Mean(), b.itl.Mean());
  EXPECT_EQ(a.e2e.Max(), b.e2e.Max());
  EXPECT_EQ(a.output_tps_per_gpu, b.output_tps_per_gpu);
  ASSERT_EQ(a.occupancy.size(), b.occupancy.size());
  for (std::size_t i = 0; i < a.occupancy.size(); ++i) {
    EXPECT_EQ(a.occupancy[i].running, b.occupancy[i].running);
  }
  EXPECT_NE(a.e2e.Mean(), other.e2e.Mean());
}

// A KV cache that holds few requests: the decode steps preempt (recompute)
// and every request still completes; memory never overflows a rank.
TEST(Simulate, FullKvCachePreemptsAndRecomputes) {
  HardwareSpec small = specs::kH200Sxm;
  StepPredictor full(specs::kLlama31_70b, small, specs::kLlama70bTp8, specs::kLlama70bTp8Workload);
  // Shrink HBM to leave room for ~12 requests of 4K tokens at their end.
  const double per_token = ToBytes(full.KvBytesPerToken());
  small.hbm_capacity -= full.KvBytesPerToken() * (ToTokens(full.KvCapacity()) - 12.0 * 4096.0);
  StepPredictor p(specs::kLlama31_70b, small, specs::kLlama70bTp8, specs::kLlama70bTp8Workload);
  ASSERT_NEAR(ToTokens(p.KvCapacity()), 12.0 * 4096.0, 2.0) << per_token;
  Config c{.mode = Mode::kAggregated, .concurrency = 32};
  GammaSource src(Hertz(1), 1.0, 400, Fixed(2048), Fixed(2048), 1);
  absl::StatusOr<Result> r = Simulate(c, Pool{&p, 1}, std::nullopt, src);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->requests, 400);
  EXPECT_GT(r->preemptions, 0);
  for (const OccupancySample& o : r->occupancy) EXPECT_LE(o.decode_kv, 1.0);
  // A request that cannot fit even an empty rank is an error.
  GammaSource huge(Hertz(1), 1.0, 1, Fixed(40000), Fixed(20000), 1);
  EXPECT_THAT(Simulate(c, Pool{&p, 1}, std::nullopt, huge).status(),
              StatusIs(absl::StatusCode::kResourceExhausted, ::testing::HasSubstr("KV-cache tokens")));
}

// Disaggregated: the P node's prefill sets the first token; the KV cache
// then crosses the scale-out link before the D node decodes.
TEST(Simulate, DisaggregatedTtftIsThePrefillAndDecodeFollowsTheTransfer) {
  StepPredictor d = SeedDecode();
  StepPredictor pre(specs::kDeepSeekV3, specs::kH200Sxm, specs::kSeedPrefill,
                    specs::kSeedPrefillWorkload);
  const Duration prefill = pre.PrefillStep(1, 4096, 0, 1);  // one prompt, one rank busy
  const Duration transfer = pre.KvTransfer(TokenCount(4096));
  Config c{.mode = Mode::kDisaggregated, .trim = 0.0, .keep_requests = true};
  PoissonSource src(Hertz(0.5), 20, Fixed(4096), Fixed(64), 1);  // light load: no queue
  absl::StatusOr<Result> r = Simulate(c, Pool{&d, 1}, Pool{&pre, 1}, src);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->requests, 20);
  EXPECT_EQ(r->gpus, 64 + 8);
  EXPECT_THAT(r->ttft.Min(), ::perfmodel::testing::DurationNear(prefill, Microseconds(1)));
  // The first decode emission waits for the transfer and a decode step.
  EXPECT_GT(r->itl.Max(), transfer);
  for (const RequestRecord& q : r->request_records) {
    EXPECT_GT(q.finish - q.first_token, transfer);
  }
}

TEST(Simulate, BadConfigurationsNameTheField) {
  StepPredictor p = Llama();
  PoissonSource src(Hertz(1), 1, Fixed(10), Fixed(10), 1);
  const Pool pool{&p, 1};
  for (const auto& [c, field] : std::vector<std::pair<Config, std::string>>{
           {Config{.max_batch = 0}, "max_batch"},
           {Config{.token_budget = 0}, "token_budget"},
           {Config{.prefix_cache_hit = 1.0}, "prefix_cache_hit"},
           {Config{.trim = 0.5}, "trim"},
           {Config{.concurrency = -1}, "concurrency"},
           {Config{.mode = Mode::kDisaggregated}, "prefill"}}) {
    const absl::Status s = Simulate(c, pool, std::nullopt, src).status();
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_)) << field;
    EXPECT_TRUE(absl::StartsWith(s.message(), field + ":")) << s.message();
  }
  Config bad_acceptance;
  bad_acceptance.acceptance = MtpAcceptance::Of({1.5});
  EXPECT_TRUE(absl::StartsWith(Simulate(bad_acceptance, pool, std::nullopt, src).status().message(),
                               "acceptance:"));
  // A request past the model's context.
  ModelSpec m = specs::kLlama31_70b;
  m.max_context_tokens = 1000;
  StepPredictor short_context(m, specs::kH200Sxm, specs::kLlama70bTp8,
                              specs::kLlama70bTp8Workload);
  PoissonSource longer(Hertz(1), 1, Fixed(900), Fixed(200), 1);
  EXPECT_THAT(Simulate(Config{}, Pool{&short_context, 1}, std::nullopt, longer).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("exceed the model's context")));
}

std::string WriteTrace(const std::string& name, const std::string& text) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(TraceSource, ReadsTheAzureLayoutRelativeToTheFirstRequest) {
  const std::string path = WriteTrace("azure.csv",
                                      "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                                      "2023-11-16 18:15:46.6805900,4808,10\n"
                                      "2023-11-16 18:15:50.9951690,3180,8\r\n"
                                      "\n"
                                      "2023-11-16 18:15:51.0000000,110,27\n");
  absl::StatusOr<std::unique_ptr<TraceSource>> t = TraceSource::Open(path, 0);
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)->Count(), 3);
  std::optional<Request> a = (*t)->Next(), b = (*t)->Next(), c = (*t)->Next();
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->arrival, Duration::Zero());
  EXPECT_EQ(a->input_tokens, 4808);
  EXPECT_EQ(a->output_tokens, 10);
  EXPECT_NEAR(ToSeconds(b->arrival), 4.314579, 1e-6);
  EXPECT_EQ(c->output_tokens, 27);
  EXPECT_FALSE((*t)->Next().has_value());
  // The other layout, columns in any order.
  const std::string plain = WriteTrace("plain.csv",
                                       "output_tokens,arrival_s,input_tokens\n5,0.5,100\n6,1.5,200\n");
  absl::StatusOr<std::unique_ptr<TraceSource>> u = TraceSource::Open(plain, 0);
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(ToSeconds((*u)->Next()->arrival), 0.0);
  const std::optional<Request> second = (*u)->Next();
  EXPECT_EQ(ToSeconds(second->arrival), 1.0);
  EXPECT_EQ(second->input_tokens, 200);
  EXPECT_EQ(second->output_tokens, 6);
}

TEST(TraceSource, BadTracesNameTheLineAndField) {
  const std::string header = "arrival_s,input_tokens,output_tokens\n";
  for (const auto& [text, expected] : std::vector<std::pair<std::string, std::string>>{
           {header + "1,10,10\n0.5,10,10\n", ":3: arrival_s: earlier than the line before"},
           {header + "1,10,10\n2,ten,10\n", ":3: input_tokens: 'ten' is not a whole number"},
           {header + "1,10,0\n", ":2: output_tokens: must be >= 1"},
           {header + "1,10\n", ":2: line: has 2 fields"},
           {header + "x,10,10\n", ":2: arrival_s: 'x' is not a number"},
           {header + "1,900,200\n", ":2: input_tokens: 900 input + 200 output tokens exceed"},
           {header, ": the trace has no requests"},
           {"a,b,c\n1,2,3\n", ":1: header: needs TIMESTAMP"},
           {"TIMESTAMP,ContextTokens,GeneratedTokens\nyesterday,1,1\n",
            ":2: TIMESTAMP: 'yesterday' is not a date and time"}}) {
    const std::string path = WriteTrace("bad.csv", text);
    absl::StatusOr<std::unique_ptr<TraceSource>> t = TraceSource::Open(path, 1000);
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_TRUE(absl::StrContains(t.status().message(), path + expected)) << t.status();
  }
  EXPECT_THAT(TraceSource::Open("/no/such/trace.csv", 0).status(),
              StatusIs(absl::StatusCode::kNotFound, ::testing::HasSubstr("cannot open")));
}

}  // namespace
}  // namespace perfmodel::sim
