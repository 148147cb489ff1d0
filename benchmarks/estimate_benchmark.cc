// Speed of one DeepSeek-V3 decode-step estimate (the seed's deployment on an
// H200), through the runtime path (specs loaded from textprotos) and the
// compile-time paths (specs as constexpr values from generated headers; the
// graph tabulated at compile time), of one prefill forward of the seed's P
// node through the runtime path, and of a whole rendered report. The batch
// size varies per iteration from a runtime array, so nothing folds away.
//
//   bazel run -c opt //benchmarks:estimate_benchmark --
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//   bazel run -c opt //benchmarks:estimate_benchmark -- --benchmark_filter=Prefill

#include <array>
#include <cstdio>
#include <cstdlib>

#include "benchmark/benchmark.h"
#include "deployments/seed_decode_spec.h"
#include "workloads/seed_decode_spec.h"
#include "hw/h200_sxm_spec.h"
#include "loader/load.h"
#include "models/deepseek_v3_spec.h"
#include "perfmodel/graph.h"
#include "report/render.h"
#include "report/step_report.h"

namespace perfmodel {
namespace {

// Batch sizes cycled through, read at run time: first, first + step, ...
std::array<int64_t, 8> Batches(int64_t first = 8, int64_t step = 8) {
  std::array<int64_t, 8> b{};
  const char* env = std::getenv("PERFMODEL_BENCH_SEED");  // lets a run perturb the inputs
  const int64_t offset = env != nullptr ? std::atoi(env) : 0;
  for (std::size_t i = 0; i < b.size(); ++i) {
    b[i] = first + step * static_cast<int64_t>(i) + offset;
  }
  return b;
}

void BM_EstimateRuntimePath(benchmark::State& state) {
  absl::StatusOr<ModelSpec> m = LoadModel("models/deepseek_v3.textproto");
  absl::StatusOr<LoadedHardware> h = LoadHardware("hw/h200_sxm.textproto");
  absl::StatusOr<LoadedDeployment> d = LoadDeployment("deployments/seed_decode.textproto");
  absl::StatusOr<LoadedWorkload> w = LoadWorkload("workloads/seed_decode.textproto");
  if (!m.ok() || !h.ok() || !d.ok() || !w.ok()) {
    state.SkipWithError("cannot load the seed's textprotos (run from the repo root)");
    return;
  }
  const std::array<int64_t, 8> batches = Batches();
  WorkloadSpec wl = w->spec;
  StepResult r;
  std::size_t i = 0;
  for (auto _ : state) {
    wl.batch_per_dp = batches[i++ & 7];
    benchmark::DoNotOptimize(wl);
    EstimateDecodeInto(*m, h->spec, d->spec, wl, StepShape::FromWorkload(wl), r);
    benchmark::DoNotOptimize(r.forward);
  }
  state.counters["estimates_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EstimateRuntimePath);

// The seed's P node (deployments/seed_prefill: DP8 attention, EP8 experts, two
// micro-batches) on an H200: one prefill forward of 1..8 whole 4K prompts per
// DP rank (workloads/seed_prefill's range: one prompt per forward is its
// batch, the sweep tries more), loaded at run time like BM_EstimateRuntimePath.
void BM_EstimatePrefillRuntimePath(benchmark::State& state) {
  absl::StatusOr<ModelSpec> m = LoadModel("models/deepseek_v3.textproto");
  absl::StatusOr<LoadedHardware> h = LoadHardware("hw/h200_sxm.textproto");
  absl::StatusOr<LoadedDeployment> d = LoadDeployment("deployments/seed_prefill.textproto");
  absl::StatusOr<LoadedWorkload> w = LoadWorkload("workloads/seed_prefill.textproto");
  if (!m.ok() || !h.ok() || !d.ok() || !w.ok()) {
    state.SkipWithError("cannot load the seed's textprotos (run from the repo root)");
    return;
  }
  const std::array<int64_t, 8> prompts = Batches(1, 1);
  WorkloadSpec wl = w->spec;
  StepResult r;
  std::size_t i = 0;
  for (auto _ : state) {
    wl.batch_per_dp = prompts[i++ & 7];
    benchmark::DoNotOptimize(wl);
    EstimateStepInto(*m, h->spec, d->spec, wl,
                     StepShape::Prefill(wl.batch_per_dp, wl.prompt_tokens, 0, true), r);
    benchmark::DoNotOptimize(r.forward);
  }
  state.counters["estimates_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EstimatePrefillRuntimePath);

void BM_EstimateCompileTimeSpecs(benchmark::State& state) {
  const std::array<int64_t, 8> batches = Batches();
  WorkloadSpec wl = specs::kSeedDecodeWorkload;
  StepResult r;
  std::size_t i = 0;
  for (auto _ : state) {
    wl.batch_per_dp = batches[i++ & 7];
    benchmark::DoNotOptimize(wl);
    DeepSeekForward::EstimateInto(specs::kDeepSeekV3, specs::kH200Sxm, specs::kSeedDecode, wl,
                                  StepShape::FromWorkload(wl), r);
    benchmark::DoNotOptimize(r.forward);
  }
  state.counters["estimates_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EstimateCompileTimeSpecs);

// A whole report: the estimate, its document and the text rendering (what
// `bazel run //tools:report` does after loading its files).
void BM_Report(benchmark::State& state) {
  absl::StatusOr<Setup> setup = LoadSetup({});
  if (!setup.ok()) {
    state.SkipWithError("cannot load the seed's textprotos (run from the repo root)");
    return;
  }
  const std::array<int64_t, 8> batches = Batches();
  std::size_t i = 0;
  for (auto _ : state) {
    setup->workload.batch_per_dp = batches[i++ & 7];
    const StepResult r =
        EstimateDecode(setup->model, setup->hardware.spec, setup->deployment, setup->workload);
    const std::string text = render::Render(StepDocument(*setup, r), render::Format::kText);
    benchmark::DoNotOptimize(text.data());
  }
  state.counters["reports_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Report);

// The compile-time path proper: the graph evaluated during compilation for
// batches 1..64, a table read at run time.
using SeedTable = TabulatedDecode<DeepSeekForward, specs::kDeepSeekV3, specs::kH200Sxm,
                                  specs::kSeedDecode, specs::kSeedDecodeWorkload, 64>;

void BM_EstimateCompileTimeTable(benchmark::State& state) {
  const std::array<int64_t, 8> batches = Batches();
  std::size_t i = 0;
  for (auto _ : state) {
    int64_t b = batches[i++ & 7];
    benchmark::DoNotOptimize(b);
    const Duration tpot = SeedTable::Tpot(b);
    benchmark::DoNotOptimize(tpot);
  }
  state.counters["estimates_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EstimateCompileTimeTable);

}  // namespace
}  // namespace perfmodel

BENCHMARK_MAIN();
