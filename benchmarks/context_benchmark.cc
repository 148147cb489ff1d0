// Benchmarks for perfmodel/context.h: the analytic imbalance estimate, the
// Monte Carlo one on a 10,000-length empirical distribution, and the one-time
// costs (order-statistic table, building a distribution).
//
//   bazel run -c opt //benchmarks:context_benchmark

#include <cstdint>
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "workload/synthetic_trace.h"
#include "perfmodel/context.h"

namespace perfmodel {
namespace {


void BM_NormalMaxTable(benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(context_internal::ComputeNormalMaxTable());
  }
}
BENCHMARK(BM_NormalMaxTable)->Unit(benchmark::kMillisecond);

// Args: dp, batch, approximation (0 = kShiftedLogNormal, 1 = kNormal).
void BM_AnalyticImbalance(benchmark::State& state) {
  const ContextDistribution d = ContextDistribution::Empirical(SyntheticTraceLengths()).value();
  const auto approx = state.range(2) == 0 ? ImbalanceApproximation::kShiftedLogNormal
                                          : ImbalanceApproximation::kNormal;
  benchmark::DoNotOptimize(AnalyticImbalance(d, 1, 1));  // builds the table
  for (auto _ : state) {
    benchmark::DoNotOptimize(AnalyticImbalance(d, state.range(0), state.range(1), approx));
  }
}
BENCHMARK(BM_AnalyticImbalance)
    ->ArgNames({"dp", "batch", "normal"})
    ->Args({8, 24, 0})
    ->Args({1024, 24, 0})
    ->Args({8, 24, 1})
    ->Unit(benchmark::kMicrosecond);

// Args: dp, batch, trials. Reports draws per second as items.
void BM_MonteCarloImbalance(benchmark::State& state) {
  const ContextDistribution d = ContextDistribution::Empirical(SyntheticTraceLengths()).value();
  std::mt19937_64 rng(1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        MonteCarloImbalance(d, state.range(0), state.range(1), state.range(2), rng));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0) * state.range(1) * state.range(2));
}
BENCHMARK(BM_MonteCarloImbalance)
    ->ArgNames({"dp", "batch", "trials"})
    ->Args({8, 24, 1000})
    ->Args({8, 24, 10000})
    ->Unit(benchmark::kMillisecond);

// Building the 10,000-length distribution with decode growth under a cap
// (the cap binds, so the moments take 1024 partial-moment evaluations).
void BM_BuildEmpiricalWithGrowth(benchmark::State& state) {
  const std::vector<int64_t> v = SyntheticTraceLengths();
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        ContextDistribution::Empirical(v).value().WithDecodeGrowth(1024).value().WithCap(131072));
  }
}
BENCHMARK(BM_BuildEmpiricalWithGrowth)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace perfmodel
