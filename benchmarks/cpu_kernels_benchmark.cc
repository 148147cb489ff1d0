// File: benchmarks/cpu_kernels_benchmark.cc
// -----------------------------------------------------------------------------
//
// The CPU kernel suite: Google Benchmark rows for the kernels of
// measure/cpu_kernels.h at DeepSeek-V3 decode and prefill shapes scaled
// down by 8, so that the cost model's roofline (FLOP / peak vs bytes /
// bandwidth) can be checked against measurements on the host. Everything runs
// on ONE thread on ONE core; nothing here starts threads.
//
// Names carry the whole shape (see measure/kernel_baseline.h, which parses
// them, and benchmarks/gpu/measure_kernels.py, which writes the same names):
//
//   gemm_fp32/M:64/N:264/K:896                      C = A . B
//   grouped_gemm_fp32/groups:8/M:8/N:512/K:896      per-expert GEMMs in a loop
//   attention_fp32/batch:1/heads:16/q_tokens:1/context:4096/head_dim:576/v_head_dim:512
//   memory_read/bytes:268435456                     summing a quarter of the pool
//   memory_triad/bytes:1073741820                   a = b + s c (STREAM counting)
//   peak_fp32/flop:6815744                          multiply-adds in registers
//
// Counters (rates over the measured time, per iteration counts below):
//   gemm            FLOP = 2 M N K;  bytes = 4 (M K + K N + M N)
//   grouped_gemm    FLOP = 2 groups M N K;  bytes = 4 groups (M K + K N + M N)
//   attention       FLOP = 2 batch q_tokens heads context (head_dim + v_head_dim)
//                   (exp, max and rescaling not counted);
//                   bytes = 4 batch (context head_dim + q_tokens heads (head_dim + v_head_dim))
//                   (the latent KV is read once; values are its first columns)
//   memory_read     bytes = the slice read;  memory_triad: bytes = 3 x 4 n (the
//                   write-allocate read STREAM does not count either)
//   peak            FLOP = the name's flop argument
//
// Weights and KV caches are "cold" as in decode, where they do not fit in any
// cache: they are slices of one pool of random floats of at least 1 GiB and 3x
// the last-level cache, and each iteration uses the next slice, so they stream
// from DRAM. Activations are hot. Inputs are random (xorshift); output buffers
// go through benchmark::DoNotOptimize and scalars through volatiles, so nothing
// is folded away. (Google Benchmark 1.7.1's DoNotOptimize(float&) corrupts the
// float under GCC 12 -- it once made the triad's scale a denormal and the triad
// ten times slower -- so it is used on pointers only.)
//
// Run (about a minute; --benchmark_min_time keeps it short on a shared box;
// random interleaving spreads a noisy moment over all rows):
//
//   bazel run -c opt //benchmarks:cpu_kernels_benchmark --
//       --benchmark_min_time=0.05 --benchmark_repetitions=5
//       --benchmark_enable_random_interleaving=true
//       --benchmark_report_aggregates_only=true --benchmark_format=json
//
// tools/rebaseline_cpu.sh runs exactly that and rewrites baselines/cpu/ and
// hw/host_cpu.textproto.

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "measure/cpu_kernels.h"

namespace perfmodel::bench {
namespace {

using ::benchmark::Counter;

// Deterministic xorshift floats in [-1, 1).
class Random {
 public:
  explicit Random(uint64_t seed) : s_(seed | 1) {}
  float Next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return static_cast<float>(static_cast<int64_t>(s_ >> 40) - (1LL << 23)) / (1LL << 23);
  }
  void Fill(float* p, int64_t n) {
    for (int64_t i = 0; i < n; ++i) p[i] = Next();
  }

 private:
  uint64_t s_;
};

// 64-byte aligned float buffer.
class Buffer {
 public:
  explicit Buffer(int64_t floats)
      : size_(floats),
        data_(static_cast<float*>(std::aligned_alloc(
            64, static_cast<std::size_t>((floats * 4 + 63) / 64 * 64)))) {}
  ~Buffer() { std::free(data_); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  float* data() { return data_; }
  int64_t size() const { return size_; }

 private:
  int64_t size_;
  float* data_;
};

// The cold pool: max(1 GiB, 3 x L3), in whole MiB, filled once.
int64_t ColdPoolBytes() {
  const long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
  const int64_t want = std::max<int64_t>(int64_t{1} << 30, 3 * static_cast<int64_t>(l3 > 0 ? l3 : 0));
  return (want + (1 << 20) - 1) / (1 << 20) * (1 << 20);
}

Buffer& ColdPool() {
  static Buffer* pool = [] {
    auto* b = new Buffer(ColdPoolBytes() / 4);
    Random(12345).Fill(b->data(), b->size());
    return b;
  }();
  return *pool;
}

// Rotates through the pool in slices of `floats` (rounded up to 64 bytes).
class ColdSlices {
 public:
  explicit ColdSlices(int64_t floats)
      : stride_((floats + 15) / 16 * 16),
        count_(std::max<int64_t>(1, ColdPool().size() / stride_)) {}
  float* Next() {
    float* p = ColdPool().data() + (next_ % count_) * stride_;
    ++next_;
    return p;
  }
  bool Fits() const { return stride_ <= ColdPool().size(); }

 private:
  int64_t stride_;
  int64_t count_;
  int64_t next_ = 0;
};

// Opaque() returns `v` through a volatile: the compiler cannot know its value.
float Opaque(float v) {
  volatile float x = v;
  return x;
}

// Sink() keeps a scalar result alive.
volatile float g_sink = 0.0f;
void Sink(float v) { g_sink = v; }

void SetRates(benchmark::State& state, double flop, double bytes) {
  if (flop > 0) state.counters["FLOP/s"] = Counter(flop, Counter::kIsIterationInvariantRate);
  state.counters["bytes/s"] = Counter(bytes, Counter::kIsIterationInvariantRate);
}

void BM_Gemm(benchmark::State& state) {
  const int64_t m = state.range(0), n = state.range(1), k = state.range(2);
  if (n % kPanelWidth != 0) return state.SkipWithError("N must be a multiple of 8");
  ColdSlices weights(k * n);
  if (!weights.Fits()) return state.SkipWithError("weights larger than the cold pool");
  std::vector<float> a(static_cast<std::size_t>(m * k)), c(static_cast<std::size_t>(m * n));
  Random(1).Fill(a.data(), m * k);
  for (auto _ : state) {
    Gemm(a.data(), weights.Next(), c.data(), m, n, k);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  SetRates(state, 2.0 * m * n * k, 4.0 * (m * k + k * n + m * n));
}

void BM_GroupedGemm(benchmark::State& state) {
  const int64_t g = state.range(0), m = state.range(1), n = state.range(2), k = state.range(3);
  if (n % kPanelWidth != 0) return state.SkipWithError("N must be a multiple of 8");
  ColdSlices weights(g * k * n);
  if (!weights.Fits()) return state.SkipWithError("weights larger than the cold pool");
  std::vector<float> a(static_cast<std::size_t>(g * m * k)), c(static_cast<std::size_t>(g * m * n));
  Random(2).Fill(a.data(), g * m * k);
  for (auto _ : state) {
    GroupedGemm(a.data(), weights.Next(), c.data(), g, m, n, k);
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  SetRates(state, 2.0 * g * m * n * k, 4.0 * g * (m * k + k * n + m * n));
}

void BM_Attention(benchmark::State& state) {
  const int64_t batch = state.range(0), heads = state.range(1), q_tokens = state.range(2);
  const AttentionShape shape{q_tokens * heads, state.range(3), state.range(4), state.range(5)};
  if (shape.head_dim % 4 != 0 || shape.v_head_dim % 8 != 0 ||
      shape.v_head_dim > shape.head_dim) {
    return state.SkipWithError("head_dim % 4, v_head_dim % 8 and v_head_dim <= head_dim");
  }
  ColdSlices kv(shape.context * shape.head_dim);
  if (!kv.Fits()) return state.SkipWithError("KV cache larger than the cold pool");
  std::vector<float> q(static_cast<std::size_t>(batch * shape.rows * shape.head_dim));
  std::vector<float> out(static_cast<std::size_t>(batch * shape.rows * shape.v_head_dim));
  std::vector<float> scratch(static_cast<std::size_t>(AttentionScratchFloats(shape)));
  Random(3).Fill(q.data(), static_cast<int64_t>(q.size()));
  for (auto _ : state) {
    for (int64_t b = 0; b < batch; ++b) {
      MlaDecodeAttention(q.data() + b * shape.rows * shape.head_dim, kv.Next(),
                         out.data() + b * shape.rows * shape.v_head_dim, scratch.data(), shape);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  const double rows = static_cast<double>(batch * shape.rows);
  SetRates(state, 2.0 * rows * shape.context * (shape.head_dim + shape.v_head_dim),
           4.0 * batch * (shape.context * shape.head_dim) +
               4.0 * rows * (shape.head_dim + shape.v_head_dim));
}

// Reads a quarter of the pool per iteration, the next quarter each time (so
// what it reads was last touched 3/4 of the pool ago and is out of the cache):
// four times the samples of a whole-pool pass in the same time.
void BM_MemoryRead(benchmark::State& state) {
  const int64_t n = state.range(0) / 4;
  ColdSlices slices(n);
  for (auto _ : state) {
    Sink(ReadSum(slices.Next(), n));
  }
  SetRates(state, 0, 4.0 * n);
}

void BM_MemoryTriad(benchmark::State& state) {
  const int64_t n = state.range(0) / 12;
  float* a = ColdPool().data();
  const float s = Opaque(0.5f);
  for (auto _ : state) {
    Triad(a, a + n, a + 2 * n, s, n);
    benchmark::DoNotOptimize(a);
    benchmark::ClobberMemory();
  }
  SetRates(state, 0, 12.0 * n);  // memory rows count no FLOP
}

void BM_PeakFp32(benchmark::State& state) {
  const int64_t loops = state.range(0) / kPeakFlopPerLoop;
  for (auto _ : state) Sink(PeakMulAdd(loops, Opaque(1.0f), Opaque(0.0f)));
  SetRates(state, static_cast<double>(loops * kPeakFlopPerLoop), 0);
}

// DeepSeek-V3 projection shapes (N, K) divided by 8: q_a+kv_a (2112, 7168),
// q_b (24576, 1536), kv_b (32768, 512), o_proj (7168, 16384), dense up+gate
// rows (4096, 7168) and down (7168, 2048).
constexpr int64_t kProjections[][2] = {{264, 896}, {3072, 192}, {4096, 64},
                                       {896, 2048}, {512, 896}, {896, 256}};

[[maybe_unused]] const bool kRegistered = [] {
  benchmark::AddCustomContext("threads", "1 (every kernel is single-threaded)");
  // Read by measure/benchmark_json.h: on a shared machine the thread's CPU
  // time excludes the time other processes held the core; real_time does not.
  benchmark::AddCustomContext("kernel_time", "cpu_time");
  benchmark::AddCustomContext("cold_pool_bytes", std::to_string(ColdPoolBytes()));
#if defined(__AVX512F__)
  benchmark::AddCustomContext("isa", "avx512f");
#elif defined(__FMA__)
  benchmark::AddCustomContext("isa", "avx2+fma");
#elif defined(__AVX__)
  benchmark::AddCustomContext("isa", "avx");
#else
  benchmark::AddCustomContext("isa", "baseline (x86-64: sse2, no fma)");
#endif

  auto* gemm = benchmark::RegisterBenchmark("gemm_fp32", BM_Gemm)->ArgNames({"M", "N", "K"});
  for (int64_t m : {1, 8, 32, 64}) {
    for (const auto& nk : kProjections) gemm->Args({m, nk[0], nk[1]});
  }
  for (int64_t m : {512, 1024}) {  // prefill: compute-bound
    gemm->Args({m, 264, 896});
    gemm->Args({m, 896, 2048});
  }
  gemm->Unit(benchmark::kMicrosecond);

  // MoE experts (up+gate 4096 x 7168 and down 7168 x 2048, / 8), 8 experts.
  auto* grouped = benchmark::RegisterBenchmark("grouped_gemm_fp32", BM_GroupedGemm)
                      ->ArgNames({"groups", "M", "N", "K"});
  for (int64_t m : {1, 8}) {
    grouped->Args({8, m, 512, 896});
    grouped->Args({8, m, 896, 256});
  }
  grouped->Unit(benchmark::kMicrosecond);

  // Absorbed MLA: 128 heads / 8, latent 512 + rope 64 keys, 512-wide values.
  auto* attention =
      benchmark::RegisterBenchmark("attention_fp32", BM_Attention)
          ->ArgNames({"batch", "heads", "q_tokens", "context", "head_dim", "v_head_dim"});
  for (int64_t q : {1, 2}) {
    for (int64_t context : {1024, 2048, 4096, 8192}) attention->Args({1, 16, q, context, 576, 512});
  }
  // One head: about 1 FLOP per byte, so the KV stream bounds it.
  for (int64_t context : {4096, 8192}) attention->Args({1, 1, 1, context, 576, 512});
  attention->Unit(benchmark::kMicrosecond);

  const int64_t pool = ColdPoolBytes();
  benchmark::RegisterBenchmark("memory_read", BM_MemoryRead)
      ->ArgNames({"bytes"})
      ->Arg(pool / 4 / 128 * 128)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("memory_triad", BM_MemoryTriad)
      ->ArgNames({"bytes"})
      ->Arg(pool / 48 * 48)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("peak_fp32", BM_PeakFp32)
      ->ArgNames({"flop"})
      ->Arg(kPeakFlopPerLoop * (int64_t{1} << 16))
      ->Unit(benchmark::kMicrosecond);
  return true;
}();

}  // namespace
}  // namespace perfmodel::bench
