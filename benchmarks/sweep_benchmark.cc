// Speed of a whole workload sweep (workload/sweep.h: RunSweep) on the seed's
// deployment (DeepSeek-V3, H200, DP64/EP64) against its 60 tokens/s per user:
// the SLA limit (scan or bisection), the memory limit (bisection) and the
// default table (powers of two 1..256 plus the limits), one reused StepResult.
//
//   bazel run -c opt //benchmarks:sweep_benchmark
//
// Inputs are read at run time (the textprotos; the context length cycles
// through a runtime array; the 10,000-length trace is drawn at start-up), so
// nothing folds away. Cases:
//   * fixed contexts (4096 and 4097 alternating: the same SLA limit, 36);
//   * the same with --search=bisection;
//   * a 10,000-sample empirical distribution (long-tailed), analytic imbalance
//     over the 64 ranks: each batch costs an AnalyticImbalance() (~10 us) on
//     top of the step;
//   * the same with Monte Carlo imbalance, 100 trials per batch.

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "workload/synthetic_trace.h"
#include "perfmodel/context.h"
#include "report/step_report.h"
#include "workload/sweep.h"

namespace perfmodel {
namespace {


absl::StatusOr<Setup> SeedSetup() { return LoadSetup(SetupPaths{}); }

// Runs RunSweep() over `configs` in turn; reports sweeps per second.
void RunSweeps(benchmark::State& state, const Setup& setup, std::vector<SweepConfig>& configs) {
  std::size_t i = 0;
  int64_t last_max = 0;
  for (auto _ : state) {
    SweepConfig& c = configs[i++ % configs.size()];
    benchmark::DoNotOptimize(c);
    absl::StatusOr<SweepResult> r = RunSweep(setup, c);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    last_max = r->max_batch;
    benchmark::DoNotOptimize(r->rows.data());
  }
  state.counters["max_batch"] = static_cast<double>(last_max);
  state.counters["sweeps_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_SweepFixedContext(benchmark::State& state) {
  absl::StatusOr<Setup> setup = SeedSetup();
  if (!setup.ok()) {
    state.SkipWithError("cannot load the seed's textprotos (run with bazel run)");
    return;
  }
  const char* env = std::getenv("PERFMODEL_BENCH_SEED");  // lets a run perturb the inputs
  const int64_t offset = env != nullptr ? std::atoi(env) : 0;
  std::vector<SweepConfig> configs;
  for (int64_t ctx : {4096 + offset, 4097 + offset}) {
    absl::StatusOr<ContextDistribution> context = ContextDistribution::Fixed(ctx);
    if (!context.ok()) {
      state.SkipWithError(std::string(context.status().message()).c_str());
      return;
    }
    absl::StatusOr<SweepConfig> c = MakeSweepConfig(
        {.context = *std::move(context), .context_label = "fixed:" + std::to_string(ctx)}, *setup);
    if (!c.ok()) {
      state.SkipWithError(std::string(c.status().message()).c_str());
      return;
    }
    c->search = state.range(0) == 0 ? SlaSearch::kScan : SlaSearch::kBisection;
    configs.push_back(*std::move(c));
  }
  RunSweeps(state, *setup, configs);
}
BENCHMARK(BM_SweepFixedContext)->ArgName("bisection")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// Arg: 0 analytic imbalance, 1 Monte Carlo with 100 trials per batch.
void BM_SweepEmpirical10k(benchmark::State& state) {
  absl::StatusOr<Setup> setup = SeedSetup();
  if (!setup.ok()) {
    state.SkipWithError("cannot load the seed's textprotos (run with bazel run)");
    return;
  }
  absl::StatusOr<SweepConfig> c = MakeSweepConfig(
      {.imbalance = state.range(0) == 0 ? ImbalanceModel::kAnalytic : ImbalanceModel::kMonteCarlo,
       .trials = 100},
      *setup);
  if (!c.ok()) {
    state.SkipWithError(std::string(c.status().message()).c_str());
    return;
  }
  c->context = ContextDistribution::Empirical(SyntheticTraceLengths()).value();
  c->context_spec = "10,000-length trace";
  std::vector<SweepConfig> configs = {*std::move(c)};
  benchmark::DoNotOptimize(AnalyticImbalance(configs[0].context, 1, 1));  // builds the table
  RunSweeps(state, *setup, configs);
}
BENCHMARK(BM_SweepEmpirical10k)->ArgName("montecarlo")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace perfmodel
