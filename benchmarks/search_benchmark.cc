// Speed of the configuration search (search/search.h: RunSearch) on the
// default question (searches/default.textproto: DeepSeek-V3 on 8-64 H200,
// ISL 1K / OSL 2K, TTFT 5 s, TPOT 100 ms, aggregated and disaggregated).
//
//   bazel run -c opt //benchmarks:search_benchmark
//
// Wall time (UseRealTime: the search runs on one thread per core, up to 8).
// Counters: `configurations` per second (the (layout, drafts, batch) points
// evaluated, each one decode-step estimate) and `estimates` per second (those
// plus the prefill estimates of the P layouts and of the aggregated cycles).
// Cases: the whole default question; its 8-GPU instances only; decode-only
// (disaggregated D layouts) to show what one configuration costs.

#include <cstdint>
#include <string>

#include "benchmark/benchmark.h"
#include "search/search.h"

namespace perfmodel {
namespace {

void RunSearches(benchmark::State& state, const SearchSpace& space) {
  int64_t configurations = 0;
  int64_t estimates = 0;
  for (auto _ : state) {
    absl::StatusOr<SearchResult> r = RunSearch(space);
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    configurations += r->configurations;
    estimates += r->estimates;
    benchmark::DoNotOptimize(r->top.data());
  }
  state.counters["configurations"] =
      benchmark::Counter(static_cast<double>(configurations), benchmark::Counter::kIsRate);
  state.counters["estimates"] =
      benchmark::Counter(static_cast<double>(estimates), benchmark::Counter::kIsRate);
}

absl::StatusOr<SearchSpace> Default() { return LoadSearch(kDefaultSearchFile); }

void BM_SearchDefaultQuestion(benchmark::State& state) {
  absl::StatusOr<SearchSpace> s = Default();
  if (!s.ok()) return state.SkipWithError(std::string(s.status().message()).c_str());
  RunSearches(state, *s);
}
BENCHMARK(BM_SearchDefaultQuestion)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_SearchDefaultQuestion8Gpus(benchmark::State& state) {
  absl::StatusOr<SearchSpace> s = Default();
  if (!s.ok()) return state.SkipWithError(std::string(s.status().message()).c_str());
  s->instance_gpus = {8};
  s->max_gpus = 8;
  RunSearches(state, *s);
}
BENCHMARK(BM_SearchDefaultQuestion8Gpus)->Unit(benchmark::kMillisecond)->UseRealTime();

// Aggregated only: no P layouts; every estimate but one prefill per (layout,
// drafts, chunk) is a decode configuration.
void BM_SearchAggregatedOnly(benchmark::State& state) {
  absl::StatusOr<SearchSpace> s = Default();
  if (!s.ok()) return state.SkipWithError(std::string(s.status().message()).c_str());
  s->modes = {ServingMode::kAggregated};
  s->decode.chunk_tokens = {8192};
  RunSearches(state, *s);
}
BENCHMARK(BM_SearchAggregatedOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace perfmodel
