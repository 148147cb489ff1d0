// Speed of the serving simulator (sim/sim.h) on the seed's DeepSeek-V3 decode
// node (64 H200, DP64/EP64, MTP 2 accepting 2.3 tokens per step), ISL 1K /
// OSL 1K, Poisson arrivals at ~37 requests in flight per DP rank (the sweep's
// batch at the seed's SLA): what a scheduler team's test suite pays per
// simulated request.
//
//   bazel run -c opt //benchmarks:sim_benchmark
//
// Counters: `requests` simulated per second of CPU time, `steps` (decode
// forwards, each one StepPredictor::DecodeStep() for the batch of the moment
// and one update of every running request) per second, and
// `request_steps` (running requests x steps) per second. Cases: the decode
// pool alone (requests arrive prefilled), and the same pool aggregated
// (prompts prefilled on it, chunked, between decode forwards).

#include <cstdint>
#include <optional>
#include <string>

#include "benchmark/benchmark.h"
#include "deployments/seed_decode_spec.h"
#include "hw/h200_sxm_spec.h"
#include "models/deepseek_v3_spec.h"
#include "perfmodel/perfmodel.h"
#include "sim/sim.h"
#include "workloads/seed_decode_spec.h"

namespace perfmodel {
namespace {

void Simulate(benchmark::State& state, sim::Mode mode) {
  StepPredictor p(specs::kDeepSeekV3, specs::kH200Sxm, specs::kSeedDecode,
                  specs::kSeedDecodeWorkload);
  const int64_t requests = state.range(0);
  // Little's law: 37 per rank x 64 ranks in flight, each for 1024 tokens at
  // the TPOT of that batch at context 1.5K.
  const RankLoad at{37, TokenCount(37 * 1536.0), TokenCount(37 * 1536.0)};
  const double rate = 37.0 * 64.0 / (1024.0 * ToSeconds(p.Tpot(at)));
  int64_t done = 0, steps = 0;
  double request_steps = 0.0;
  for (auto _ : state) {
    sim::Config c{.mode = mode};
    sim::PoissonSource src(Hertz(rate), requests, sim::Fixed(1024), sim::Fixed(1024), 1);
    absl::StatusOr<sim::Result> r = sim::Simulate(c, sim::Pool{&p, 1}, std::nullopt, src);
    if (!r.ok()) return state.SkipWithError(std::string(r.status().message()).c_str());
    done += r->requests;
    steps += r->decode_forwards + r->prefill_forwards;
    request_steps += r->mean_decode_batch * 64.0 * static_cast<double>(r->decode_forwards);
    benchmark::DoNotOptimize(r->tpot.Mean());
  }
  state.counters["requests"] =
      benchmark::Counter(static_cast<double>(done), benchmark::Counter::kIsRate);
  state.counters["steps"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
  state.counters["request_steps"] = benchmark::Counter(request_steps, benchmark::Counter::kIsRate);
}

void BM_SimulateDecodePool(benchmark::State& state) { Simulate(state, sim::Mode::kDecodeOnly); }
BENCHMARK(BM_SimulateDecodePool)->Arg(20000)->Unit(benchmark::kMillisecond);

void BM_SimulateAggregatedPool(benchmark::State& state) {
  Simulate(state, sim::Mode::kAggregated);
}
BENCHMARK(BM_SimulateAggregatedPool)->Arg(20000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace perfmodel
