// Benchmarks of perfmodel/sla.h at run time: what one SLA row costs when its
// inputs are not compile-time constants (a scheduler evaluating candidate
// batch sizes, say). Inputs cycle through arrays filled at run time and pass
// through benchmark::DoNotOptimize, so the compiler can neither fold the math
// nor hoist it out of the loop; each iteration computes one row, reported as
// items_per_second.
//
//   bazel run -c opt //benchmarks:sla_benchmark --
//       --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <array>
#include <cstddef>
#include <cstdint>

#include "benchmark/benchmark.h"
#include "perfmodel/sla.h"
#include "perfmodel/units.h"

namespace perfmodel {
namespace {

constexpr std::size_t kInputs = 64;  // a power of two: index with a mask

// Inputs spread over plausible ranges; the values only need to vary.
struct Inputs final {
  std::array<TokensPerSecond, kInputs> machine_tps;
  std::array<Duration, kInputs> forward;
  std::array<Duration, kInputs> ttft;
  std::array<DecodeShape, kInputs> decode;
  std::array<PrefillShape, kInputs> prefill;
  std::array<Duration, kInputs> gap;
};

Inputs MakeInputs() {
  Inputs in;
  for (std::size_t i = 0; i < kInputs; ++i) {
    const double x = static_cast<double>(i);
    const auto n = static_cast<int64_t>(i);
    in.machine_tps[i] = TokensPerSec(4000.0 + 250.0 * x);
    in.forward[i] = Milliseconds(15.0 + 0.5 * x);
    in.ttft[i] = Milliseconds(500.0 + 25.0 * x);
    in.decode[i] = DecodeShape{.dp = 1 + n % 16,
                               .batch_per_dp = 8 + n,
                               .accepted_tokens_per_step = 1.0 + 0.025 * x};
    in.prefill[i] = PrefillShape{.dp = 1 + n % 16, .batch_per_dp = 1 + n % 4,
                                 .prompt_tokens = 1024 + 64 * n};
    in.gap[i] = Microseconds(20.0 * x);
  }
  return in;
}

void BM_DecodeFromMachineTps(benchmark::State& state) {
  Inputs in = MakeInputs();
  benchmark::DoNotOptimize(in);
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ & (kInputs - 1);
    TokensPerSecond tps = in.machine_tps[k];
    DecodeShape shape = in.decode[k];
    Duration gap = in.gap[k];
    benchmark::DoNotOptimize(tps);
    benchmark::DoNotOptimize(shape);
    benchmark::DoNotOptimize(gap);
    DecodeSla row = DecodeFromMachineTps(tps, shape, gap);
    benchmark::DoNotOptimize(row);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeFromMachineTps);

void BM_DecodeFromForward(benchmark::State& state) {
  Inputs in = MakeInputs();
  benchmark::DoNotOptimize(in);
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ & (kInputs - 1);
    Duration forward = in.forward[k];
    DecodeShape shape = in.decode[k];
    Duration gap = in.gap[k];
    benchmark::DoNotOptimize(forward);
    benchmark::DoNotOptimize(shape);
    benchmark::DoNotOptimize(gap);
    DecodeSla row = DecodeFromForward(forward, shape, gap);
    benchmark::DoNotOptimize(row);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodeFromForward);

void BM_PrefillFromTtft(benchmark::State& state) {
  Inputs in = MakeInputs();
  benchmark::DoNotOptimize(in);
  std::size_t i = 0;
  for (auto _ : state) {
    const std::size_t k = i++ & (kInputs - 1);
    Duration ttft = in.ttft[k];
    PrefillShape shape = in.prefill[k];
    Duration gap = in.gap[k];
    benchmark::DoNotOptimize(ttft);
    benchmark::DoNotOptimize(shape);
    benchmark::DoNotOptimize(gap);
    PrefillSla row = PrefillFromTtft(ttft, shape, gap);
    benchmark::DoNotOptimize(row);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PrefillFromTtft);

}  // namespace
}  // namespace perfmodel
