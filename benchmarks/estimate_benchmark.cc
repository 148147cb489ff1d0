// Speed of one DeepSeek-V3 decode-step estimate (the seed's deployment on an
// H200), through the runtime path (specs loaded from textprotos) and the
// compile-time paths (specs as constexpr values from generated headers; the
// graph tabulated at compile time), of one prefill forward of the seed's P
// node through the runtime path, and of a whole rendered report. Each
// runtime case runs the free function (which plans the step every call) and
// a PreparedStep built once from the same loaded specs; the Calibrated cases
// run on the seed-calibrated H200, whose per-op corrections the plan
// tabulates. The batch
// size varies per iteration from a runtime array, so nothing folds away.
//
//   bazel run -c opt //benchmarks:estimate_benchmark --
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
//   bazel run -c opt //benchmarks:estimate_benchmark -- --benchmark_filter=Prefill
//
// Instructions per estimate (steadier than time on a shared host): build with
// `--copt=-g --strip=never`, then
//   valgrind --tool=callgrind --toggle-collect='*DecodeOnce*'
//       --toggle-collect='*PrefillOnce*' bazel-bin/benchmarks/estimate_benchmark
//       --benchmark_filter='BM_EstimatePreparedRuntimePath$' --benchmark_min_time=0.1
// and divide the total by DecodeOnce()'s (PrefillOnce()'s) calls
// (`callgrind_annotate --tree=caller`). The Runtime cases cycle through eight
// batches (Batches()), so the count moves a few percent with the run's length.

#include <array>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "benchmark/benchmark.h"
#include "deployments/seed_decode_spec.h"
#include "hw/h200_sxm_spec.h"
#include "loader/load.h"
#include "models/deepseek_v3_spec.h"
#include "perfmodel/graph.h"
#include "report/render.h"
#include "report/step_report.h"
#include "workloads/seed_decode_spec.h"

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

// The specs of one runtime-path case, loaded from the repo's textprotos.
struct Loaded final {
  ModelSpec model;
  HardwareSpec hw;
  DeploymentSpec deployment;
  WorkloadSpec workload;
};
std::optional<Loaded> Load(benchmark::State& state, const char* hw, const char* deployment,
                           const char* workload) {
  absl::StatusOr<ModelSpec> m = LoadModel("models/deepseek_v3.textproto");
  absl::StatusOr<LoadedHardware> h = LoadHardware(hw);
  absl::StatusOr<LoadedDeployment> d = LoadDeployment(deployment);
  absl::StatusOr<LoadedWorkload> w = LoadWorkload(workload);
  if (!m.ok() || !h.ok() || !d.ok() || !w.ok()) {
    state.SkipWithError("cannot load the seed's textprotos (run from the repo root)");
    return std::nullopt;
  }
  return Loaded{*m, h->spec, d->spec, w->spec};
}

void Count(benchmark::State& state) {
  state.counters["estimates_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// DecodeOnce() is one estimate of the loop below, out of line so that a
// profiler counts its calls (valgrind --tool=callgrind
// --toggle-collect='*DecodeOnce*': instructions per estimate).
[[gnu::noinline]] void DecodeOnce(const Loaded& l, const PreparedStep& step, bool prepared,
                                  const WorkloadSpec& wl, StepResult& r) {
  if (prepared) {
    step.EstimateInto(StepShape::FromWorkload(wl), r);
  } else {
    EstimateDecodeInto(l.model, l.hw, l.deployment, wl, StepShape::FromWorkload(wl), r);
  }
}

// One decode step of `l` per iteration at a batch from Batches(): the free
// function (which plans the step every call), or a PreparedStep built once
// from the same loaded specs (the scheduler's and the search's path).
void DecodeLoop(benchmark::State& state, const Loaded& l, bool prepared) {
  const std::array<int64_t, 8> batches = Batches();
  const PreparedStep step(l.model, l.hw, l.deployment, l.workload);
  WorkloadSpec wl = l.workload;
  StepResult r;
  std::size_t i = 0;
  for (auto _ : state) {
    wl.batch_per_dp = batches[i++ & 7];
    benchmark::DoNotOptimize(wl);
    DecodeOnce(l, step, prepared, wl, r);
    benchmark::DoNotOptimize(r.forward);
  }
  Count(state);
}

// The seed's D node (deployments/seed_decode) on an H200, loaded at run time.
void BM_EstimateRuntimePath(benchmark::State& state) {
  const std::optional<Loaded> l =
      Load(state, "hw/h200_sxm.textproto", "deployments/seed_decode.textproto",
           "workloads/seed_decode.textproto");
  if (l) DecodeLoop(state, *l, false);
}
BENCHMARK(BM_EstimateRuntimePath);

void BM_EstimatePreparedRuntimePath(benchmark::State& state) {
  const std::optional<Loaded> l =
      Load(state, "hw/h200_sxm.textproto", "deployments/seed_decode.textproto",
           "workloads/seed_decode.textproto");
  if (l) DecodeLoop(state, *l, true);
}
BENCHMARK(BM_EstimatePreparedRuntimePath);

// The same on the seed-calibrated H200 (hw/h200_sxm_seed_calibrated: per-op
// corrections, which every row of the free function looks up by name).
void BM_EstimateCalibratedRuntimePath(benchmark::State& state) {
  const std::optional<Loaded> l =
      Load(state, "hw/h200_sxm_seed_calibrated.textproto", "deployments/seed_decode.textproto",
           "workloads/seed_decode.textproto");
  if (l) DecodeLoop(state, *l, false);
}
BENCHMARK(BM_EstimateCalibratedRuntimePath);

void BM_EstimateCalibratedPreparedRuntimePath(benchmark::State& state) {
  const std::optional<Loaded> l =
      Load(state, "hw/h200_sxm_seed_calibrated.textproto", "deployments/seed_decode.textproto",
           "workloads/seed_decode.textproto");
  if (l) DecodeLoop(state, *l, true);
}
BENCHMARK(BM_EstimateCalibratedPreparedRuntimePath);

// The seed's P node (deployments/seed_prefill: DP8 attention, EP8 experts, two
// micro-batches) on an H200: one prefill forward of 1..8 whole 4K prompts per
// DP rank (workloads/seed_prefill's range: one prompt per forward is its
// batch, the sweep tries more), loaded at run time like BM_EstimateRuntimePath.
// PrefillOnce() is one estimate of the loop below, out of line as DecodeOnce().
[[gnu::noinline]] void PrefillOnce(const Loaded& l, const PreparedStep& step, bool prepared,
                                   const WorkloadSpec& wl, StepResult& r) {
  const StepShape shape = StepShape::Prefill(wl.batch_per_dp, wl.prompt_tokens, 0, true);
  if (prepared) {
    step.EstimateInto(shape, r);
  } else {
    EstimateStepInto(l.model, l.hw, l.deployment, wl, shape, r);
  }
}

void PrefillLoop(benchmark::State& state, bool prepared) {
  const std::optional<Loaded> l =
      Load(state, "hw/h200_sxm.textproto", "deployments/seed_prefill.textproto",
           "workloads/seed_prefill.textproto");
  if (!l) return;
  const std::array<int64_t, 8> prompts = Batches(1, 1);
  const PreparedStep step(l->model, l->hw, l->deployment, l->workload);
  WorkloadSpec wl = l->workload;
  StepResult r;
  std::size_t i = 0;
  for (auto _ : state) {
    wl.batch_per_dp = prompts[i++ & 7];
    benchmark::DoNotOptimize(wl);
    PrefillOnce(*l, step, prepared, wl, r);
    benchmark::DoNotOptimize(r.forward);
  }
  Count(state);
}
void BM_EstimatePrefillRuntimePath(benchmark::State& state) { PrefillLoop(state, false); }
BENCHMARK(BM_EstimatePrefillRuntimePath);
void BM_EstimatePrefillPreparedRuntimePath(benchmark::State& state) { PrefillLoop(state, true); }
BENCHMARK(BM_EstimatePrefillPreparedRuntimePath);

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
