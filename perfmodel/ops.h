// File: perfmodel/ops.h
// -----------------------------------------------------------------------------
//
// One cost function per op kind. Each derives the op's FLOPs, HBM bytes and
// link bytes from shapes, dtypes and the parallel layout, then times it as the
// roofline of those quantities over the GPU's peaks, each peak scaled by the
// achieved-efficiency factor of the op's class (hw/*.textproto, with sources):
//
//   compute  = flops / (peak_flops(dtype) * eff.compute * wave_utilisation)
//              (a GEMM: the larger of its tiles' tensor work, in the tiles its
//              kernel library picks, and their operand intake; TilesOf())
//   reads    = bytes read / (hbm_bandwidth * eff.memory)
//   writes   = bytes written / (hbm_bandwidth * eff.memory)
//   kernel   = max(compute, reads) + writes      (the epilogue follows the main loop)
//   network  = link_bytes / (link_bandwidth * eff.link) + link latency
//   time     = kernel + kernels * launch overhead
//
// Nothing here knows a measured time. Example (DeepGEMM's M=64 N=2112 K=7168
// FP8 row on an H800):
//
//   OpCost c = Gemm({.m = 64, .n = 2112, .k = 7168}, GemmTypes::Fp8(), h800);
//   ToGigaflops(c.flops)   // == 1.94  (2 * 64 * 2112 * 7168)
//   ToMegabytes(c.bytes)   // == 15.9  (weights + scales + A + C)
//   c.bound                // == Bound::kSmFeed (132 tiles of 64 x 16, each
//                          //    taking in 64 rows of A: 0.59 MB per SM)
//
// All functions are constexpr and allocation-free, so the compile-time graph
// (perfmodel/graph.h) and the tools share them bit for bit.

#ifndef PERFMODEL_OPS_H_
#define PERFMODEL_OPS_H_

#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <string_view>
#include <type_traits>

#include "perfmodel/constexpr_math.h"
#include "perfmodel/spec.h"
#include "perfmodel/units.h"

namespace perfmodel {

// What binds an op: the tensor cores (compute), HBM (memory), a link
// (network), or a GEMM's tiles taking in their operands (sm_feed: narrow
// tiles re-read their A rows through L2).
enum class Bound : uint8_t { kCompute, kMemory, kNetwork, kSmFeed };

constexpr std::string_view BoundName(Bound b) {
  switch (b) {
    case Bound::kCompute: return "compute";
    case Bound::kMemory: return "memory";
    case Bound::kNetwork: return "network";
    case Bound::kSmFeed:
      return "sm_feed";
  }
  return "?";
}

// The cost of one occurrence of an op.
struct OpCost final {
  OpClass op_class = OpClass::kElementwise;
  Flops flops;
  Bytes bytes;       // HBM traffic, read + written
  Bytes link_bytes;  // sent by one GPU over NVLink or the NIC
  Bound bound = Bound::kMemory;
  Duration kernel_time;  // the roofline time of the kernels themselves
  Duration overhead;     // launch overhead of `kernels` kernels
  int64_t kernels = 1;
  Duration latency;  // of a link transfer: the bounding path's latency, within kernel_time

  constexpr Duration time() const { return kernel_time + overhead; }
};

namespace ops_internal {

// Block-scaled formats carry one FP32 scale per 128 elements (DeepSeek-V3's
// 1x128 activation tiles; weights use 128x128 blocks, i.e. 1/16384).
inline constexpr double kActivationScale = 4.0 / 128.0;
inline constexpr double kWeightScale = 4.0 / (128.0 * 128.0);
inline constexpr std::array<double, 5> kActivationBytes = {4.0, 2.0, 2.0, 1.0 + kActivationScale,
                                                           0.5 + kActivationScale};
inline constexpr std::array<double, 5> kWeightBytes = {4.0, 2.0, 2.0, 1.0 + kWeightScale,
                                                       0.5 + kWeightScale};
constexpr double ActivationBytesPerElement(DType d) {
  const auto i = static_cast<std::size_t>(d);
  return i < kActivationBytes.size() ? kActivationBytes[i] : 0.0;
}
constexpr double WeightBytesPerElement(DType d) {
  const auto i = static_cast<std::size_t>(d);
  return i < kWeightBytes.size() ? kWeightBytes[i] : 0.0;
}

// Finish() completes an OpCost from its times and quantities. Reads overlap
// compute (a pipelined main loop); writes are the epilogue, after it.
// `compute_bound` is what binds when compute does (the tensor cores, or a
// GEMM's operand intake). `time_per_byte` is TimePerByte() of the op's
// class, `overhead` its kernels' launches (LaunchOverhead()).
[[gnu::always_inline]] constexpr OpCost Finish(OpClass cls, Flops flops, Duration compute,
                                               Bytes read, Bytes written,
                                               SecondsPerByte time_per_byte, Duration overhead,
                                               int64_t kernels,
                                               Bound compute_bound = Bound::kCompute) {
  const Duration reading = read * time_per_byte;
  OpCost c;
  c.op_class = cls;
  c.flops = flops;
  c.bytes = read + written;
  c.bound = compute > reading ? compute_bound : Bound::kMemory;
  c.kernel_time = Max(compute, reading) + written * time_per_byte;
  c.kernels = kernels;
  c.overhead = overhead;
  return c;
}

// TimePerByte() is one HBM byte's time at `cls`'s share of the bandwidth:
// one division for both of an op's byte terms.
[[gnu::always_inline]] constexpr SecondsPerByte TimePerByte(OpClass cls, const HardwareSpec& hw) {
  return 1.0 / (hw.hbm_bandwidth * hw.EfficiencyOf(cls).memory);
}
[[gnu::always_inline]] constexpr Duration LaunchOverhead(int64_t kernels, const HardwareSpec& hw) {
  return hw.kernel_launch_overhead * static_cast<double>(kernels);
}

[[gnu::always_inline]] constexpr OpCost Finish(OpClass cls, Flops flops, Duration compute,
                                               Bytes read, Bytes written, const HardwareSpec& hw,
                                               int64_t kernels,
                                               Bound compute_bound = Bound::kCompute) {
  return Finish(cls, flops, compute, read, written, TimePerByte(cls, hw),
                LaunchOverhead(kernels, hw), kernels, compute_bound);
}

// Roofline() costs an op whose `flops` run at the op class's share of `peak`.
[[gnu::always_inline]] constexpr OpCost Roofline(OpClass cls, Flops flops, FlopsPerSecond peak,
                                                 Bytes read, Bytes written, const HardwareSpec& hw,
                                                 int64_t kernels) {
  const Duration compute = flops > Flops::Zero()
                               ? flops / (peak * hw.EfficiencyOf(cls).compute)
                               : Duration::Zero();
  return Finish(cls, flops, compute, read, written, hw, kernels);
}

// Roofline() with the math dtype: its peak and the class's share of it for
// that dtype (Efficiency::ComputeFor()).
[[gnu::always_inline]] constexpr OpCost Roofline(OpClass cls, Flops flops, DType math, Bytes read,
                                                 Bytes written, const HardwareSpec& hw,
                                                 int64_t kernels) {
  const Duration compute =
      flops > Flops::Zero()
          ? flops / (hw.PeakFlops(math) * hw.EfficiencyOf(cls).ComputeFor(math))
          : Duration::Zero();
  return Finish(cls, flops, compute, read, written, hw, kernels);
}

// CeilDiv() is ceil(a / b) for a >= 0, b > 0; a shift when b is a power of
// two (every GPU's tile sizes): an integer division costs more than the rest
// of a GEMM's arithmetic.
[[gnu::always_inline]] constexpr int64_t CeilDiv(int64_t a, int64_t b) {
  if ((b & (b - 1)) == 0) return (a + b - 1) >> std::countr_zero(static_cast<uint64_t>(b));
  return (a + b - 1) / b;
}

// The output tiles of `groups` GEMMs of m x n each (a batch, or a grouped
// GEMM's experts), as the kernel library picks them: block_m x block_n, and
// `count` tiles per GEMM. A tile's padding rows and columns cost as much as
// real ones.
struct Tiles final {
  int64_t block_m = 0;
  int64_t block_n = 0;
  int64_t count = 0;
};

// Waves() is ceil(tiles / sms) for tiles >= 1 without an integer division:
// `per_sm` is 1 / sms, the estimate is corrected to the exact count.
[[gnu::always_inline]] constexpr int64_t Waves(int64_t tiles, int64_t sms, double per_sm) {
  if (tiles <= sms) return 1;
  int64_t w = static_cast<int64_t>(static_cast<double>(tiles) * per_sm);
  while (w * sms < tiles) ++w;
  while ((w - 1) * sms >= tiles) --w;
  return w;
}

// DeepGemmTiles() is DeepGEMM's choice (deep_gemm/jit_kernels/gemm.py,
// get_best_configs() at deepseek-ai/DeepGEMM@327ec92f, 2025-04-09): of every
// candidate pair (block_m ascending, then block_n ascending), the fewest
// waves of T = ceil(m / block_m) x ceil(n / block_n) x groups tiles over the
// SMs; among equal waves the fullest last wave (the most tiles); among equal
// tiles DeepGEMM keeps the earlier pair unless the later one has the same
// block_m and a narrower block_n, the same block_n and a smaller block_m, or
// both different and a wider block_n. Scanned as DeepGEMM does that is ~50
// candidates; here each block_m costs a few multiplies: its fewest waves W
// are those of its widest usable block_n (tiles fall as block_n grows); its
// most tiles within W waves are those of the narrowest block_n with p x
// ceil(n / block_n) <= W x SMs, p = ceil(m / block_m) x groups, which is no
// narrower than n p / (W x SMs) (a table gives the first candidate that
// wide; a step or two finds it); and the pairs that tie it share that
// ceil(n / block_n) -- which is all the sequential scan's tie-breaks need
// (tiles_test holds this against the scan itself). A block_m whose p and W
// equal the previous one's reuses its answer.
template <bool kExact>
constexpr Tiles DeepGemmTilesOf(int64_t rows, int64_t n, int64_t groups, const GemmKernels& lib,
                                int64_t sms) {
  const uint64_t n_minus_1 = static_cast<uint64_t>(n - 1);
  auto columns = [&](std::size_t j) {
    if constexpr (kExact) {
      return lib.ColumnTilesFast(n_minus_1, j);
    } else {
      return lib.ColumnTiles(n, j);
    }
  };
  const double per_sm = 1.0 / static_cast<double>(sms);
  const double n_per_sm = static_cast<double>(n) * per_sm * (1.0 - 1e-9);  // a hair low
  int64_t best_waves = std::numeric_limits<int64_t>::max(), best_tiles = 0;
  std::size_t best_i = 0, best_j = 0;
  int64_t last_p = 0, last_waves = 0;
  std::size_t last_j = 0;
  for (std::size_t i = 0; i < lib.block_m_count(); ++i) {
    const std::size_t usable = lib.Usable(i);
    if (usable == 0) continue;
    const int64_t p = lib.RowTiles(rows, i) * groups;  // tiles per column of tiles
    const int64_t waves = Waves(p * columns(usable - 1), sms, per_sm);
    if (waves > best_waves) continue;  // nothing of this block_m wins or ties
    const int64_t slots = waves * sms;
    std::size_t j = last_j;
    if (p != last_p || waves != last_waves) {
      // No block_n below n p / slots fits: start at the first candidate that
      // wide and widen until one does.
      const double at_least =
          static_cast<double>(p) * n_per_sm / (waves == 1 ? 1.0 : static_cast<double>(waves));
      j = lib.FirstAtLeast(static_cast<int64_t>(at_least));
      if (j > usable - 1) j = usable - 1;
      while (p * columns(j) > slots) ++j;  // stops at usable - 1, which fits
      last_p = p;
      last_waves = waves;
      last_j = j;
    }
    const int64_t cols = columns(j);
    const int64_t tiles = p * cols;
    if (waves == best_waves && tiles <= best_tiles) {
      // A tie replaces the best with this block_m's first pair of the same
      // tiles and a wider block_n (the lists ascend: a later index).
      if (tiles < best_tiles) continue;
      if (j <= best_j) j = best_j + 1;
      if (j >= usable || columns(j) != cols) continue;
    }
    best_waves = waves;
    best_tiles = tiles;
    best_i = i;
    best_j = j;
  }
  if (best_tiles == 0) return Tiles{};
  return Tiles{lib.block_m(best_i), lib.block_n(best_j),
               lib.RowTiles(rows, best_i) * columns(best_j)};
}
constexpr Tiles DeepGemmTiles(int64_t rows, int64_t n, int64_t groups, const GemmKernels& lib,
                              int64_t sms) {
  if (lib.ExactReciprocals() && static_cast<uint64_t>(n - 1) < (uint64_t{1} << 31)) {
    return DeepGemmTilesOf<true>(rows, n, groups, lib, sms);
  }
  return DeepGemmTilesOf<false>(rows, n, groups, lib, sms);
}

// The tiles DeepGemmTiles() picks, remembered per thread (as DeepGEMM
// memoizes get_best_configs() with functools.lru_cache): a step's GEMMs
// repeat their shapes (the same rows through every N = 7168 weight, the
// dense and MoE layers' attention) and a sweep its steps'. Four ways of 128
// sets, keyed on the library's fingerprint, the SMs and the shape; a shape
// too large for the key is computed every time. Not constexpr: TilesOf()
// computes during constant evaluation.
struct TileMemo final {
  struct Slot final {
    uint64_t rows_sms = 0, n_groups = 0, fingerprint = 0;  // 0: empty (fingerprints are odd)
    int32_t block_m = 0, block_n = 0;
    int64_t count = 0;
  };
  static constexpr int kSetBits = 7;
  static constexpr int kWays = 4;
  Slot slots[std::size_t{1} << kSetBits][kWays];

  static TileMemo& ThisThread() {
    thread_local TileMemo memo;
    return memo;
  }
  // Missed() computes a shape's tiles into the first way of its set, the
  // others moving down (the last is evicted).
  [[gnu::noinline]] static Tiles Missed(Slot* set, uint64_t a, uint64_t b, uint64_t f, int64_t rows,
                                        int64_t n, int64_t groups, const GemmKernels& lib,
                                        int64_t sms) {
    const Tiles t = DeepGemmTiles(rows, n, groups, lib, sms);
    for (int way = kWays - 1; way > 0; --way) set[way] = set[way - 1];
    set[0] =
        Slot{a, b, f, static_cast<int32_t>(t.block_m), static_cast<int32_t>(t.block_n), t.count};
    return t;
  }
};
[[gnu::always_inline]] inline Tiles RememberedDeepGemmTiles(int64_t rows, int64_t n, int64_t groups,
                                                            const GemmKernels& lib, int64_t sms) {
  if ((static_cast<uint64_t>(rows) | static_cast<uint64_t>(n)) >= (uint64_t{1} << 32) ||
      (static_cast<uint64_t>(groups) | static_cast<uint64_t>(sms)) >= (uint64_t{1} << 16)) {
    return DeepGemmTiles(rows, n, groups, lib, sms);
  }
  const uint64_t a = static_cast<uint64_t>(rows) << 16 | static_cast<uint64_t>(sms);
  const uint64_t b = static_cast<uint64_t>(n) << 16 | static_cast<uint64_t>(groups);
  const uint64_t f = lib.Fingerprint();
  const uint64_t h = ((a * 0x9e3779b97f4a7c15) ^ b ^ f) * 0xc2b2ae3d27d4eb4f;
  TileMemo::Slot* set = TileMemo::ThisThread().slots[h >> (64 - TileMemo::kSetBits)];
  for (int way = 0; way < TileMemo::kWays; ++way) {
    const TileMemo::Slot& s = set[way];
    if (s.rows_sms == a && s.n_groups == b && s.fingerprint == f) {
      return Tiles{s.block_m, s.block_n, s.count};
    }
  }
  return TileMemo::Missed(set, a, b, f, rows, n, groups, lib, sms);
}

// TilesOfRows() is the tiles `lib` runs `groups` GEMMs of `rows` x n in on
// `sms` SMs, all of them positive and `lib` with candidates (as the loader
// makes every library). A FIXED library's tiles do not depend on the shape.
[[gnu::always_inline]] constexpr Tiles TilesOfRows(int64_t rows, int64_t n, int64_t groups,
                                                   const GemmKernels& lib, int64_t sms) {
  if (lib.rule() == GemmTileRule::kDeepGemmMinWaves) {
    if (std::is_constant_evaluated()) return DeepGemmTiles(rows, n, groups, lib, sms);
    return RememberedDeepGemmTiles(rows, n, groups, lib, sms);
  }
  const std::size_t i =
      rows <= 2 * lib.block_m(0) || lib.block_m_count() == 1 ? 0 : lib.block_m_count() - 1;
  Tiles t;
  t.block_m = lib.block_m(i);
  t.block_n = lib.block_n(0);
  t.count = lib.RowTiles(rows, i) * CeilDiv(n, t.block_n);
  return t;
}

// TilesOf() is TilesOfRows() for m rows, which may be a mean (a hottest
// expert's tokens) and round up to whole rows; nothing for an empty shape.
[[gnu::always_inline]] constexpr Tiles TilesOf(double m, int64_t n, int64_t groups,
                                               const GemmKernels& lib, int64_t sms) {
  const int64_t rows = static_cast<int64_t>(m);
  const int64_t whole_rows = static_cast<double>(rows) < m ? rows + 1 : rows;
  if (whole_rows <= 0 || n <= 0 || groups <= 0 || lib.block_m_count() == 0 ||
      lib.block_n_count() == 0) {
    return Tiles{};
  }
  return TilesOfRows(whole_rows, n, groups, lib, sms);
}

// HeldWaves() is the waves of `tiles` tiles over the SMs: an SM idle in the
// last wave is held too, so a wave-bound GEMM costs its waves.
[[gnu::always_inline]] constexpr int64_t HeldWaves(int64_t tiles, const HardwareSpec& hw) {
  return tiles <= hw.sm_count ? 1 : CeilDiv(tiles, hw.sm_count);
}

// OccupiedFlops() is the tensor-core work the SMs are held for by `batch`
// GEMMs of m x n outputs over depth k in `lib`'s tiles, in whole waves: a
// tile's padding rows and columns cost as much as real ones. Useful FLOPs /
// OccupiedFlops() is the tensor cores' utilisation.
[[gnu::always_inline]] constexpr Flops OccupiedFlops(double m, int64_t n, int64_t k, int64_t batch,
                                                     const GemmKernels& lib,
                                                     const HardwareSpec& hw) {
  if (m <= 0 || n <= 0 || batch <= 0 || k <= 0) return Flops::Zero();
  const Tiles t = TilesOf(m, n, batch, lib, hw.sm_count);
  return FlopCount(2.0 * static_cast<double>(k) * static_cast<double>(t.block_m * t.block_n) *
                   static_cast<double>(hw.sm_count * HeldWaves(t.count * batch, hw)));
}

// kInverseOfNext[k] is 1 / (k + 1), for ExpectedHeldWaves()'s binomial terms
// (at namespace scope: a constexpr local would be built on every call).
inline constexpr std::array<double, 65> kInverseOfNext = [] {
  std::array<double, 65> v{};
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 1.0 / static_cast<double>(i + 1);
  return v;
}();

// ExpectedHeldWaves() is E[HeldWaves()] of a grouped GEMM whose `experts`
// active experts each have rows m ~ Normal(mean, sd^2) (the routing's noise;
// m >= 1), in tiles of block_m x block_n chosen for the mean (as DeepGEMM is
// given the expected rows): the kernel runs R_e = ceil(m_e / block_m) row
// tiles per expert, their sum S over the experts times ceil(n / block_n)
// column tiles in waves over the SMs. P(R > j) = P(m > j bm) is a normal tail
// (continuity-corrected); terms more than 5 sd from the mean are exactly 0 or
// 1, so a mean with no tile boundary within reach is `deterministic` (what
// the mean alone gives) and costs no exponential. With one boundary in reach
// (the usual case) R is r or r + 1 and S is a binomial over the experts
// (rounded to whole ones), summed exactly up to 64 of them; otherwise S is
// normal with the experts' summed moments, E[waves] = 1 + sum over u >= 1 of
// P(S > u SMs / cols), and past 16 terms E[ceil x] = E[x] + 1/2.
[[gnu::always_inline]] constexpr double ExpectedHeldWaves(double mean, double sd, double experts,
                                                          const Tiles& one, int64_t n,
                                                          int64_t deterministic,
                                                          const HardwareSpec& hw) {
  constexpr double kWindow = 5.0;
  constexpr int64_t kMaxTerms = 16, kMaxExact = 64;
  const double bm = static_cast<double>(one.block_m);
  if (!(sd > 0.0) || bm <= 0.0 || !(experts > 0.0)) return static_cast<double>(deterministic);
  const double lo = (mean - kWindow * sd - 0.5) / bm, hi = (mean + kWindow * sd - 0.5) / bm;
  const int64_t full = lo > 0.0 ? static_cast<int64_t>(lo) : 0;  // j in [1, full]: P(R > j) = 1
  const int64_t last = hi > 0.0 ? static_cast<int64_t>(hi) : 0;  // j > last: P(R > j) = 0
  if (last <= full) return static_cast<double>(deterministic);
  const int64_t cols = CeilDiv(n, one.block_n);
  const int64_t sms = hw.sm_count;
  const double inv_sd = 1.0 / sd;
  if (last == full + 1) {
    // R = full + 1 + Bernoulli(p): S = a (full + 1) + Binomial(a, p).
    const double p = cmath::NormalSf((static_cast<double>(last) * bm + 0.5 - mean) * inv_sd);
    const int64_t a = experts < 1.5 ? 1 : static_cast<int64_t>(experts + 0.5);
    if (a <= kMaxExact && p < 1.0) {
      const int64_t base = a * (full + 1);
      const double odds = p / (1.0 - p);
      // 1 / (k + 1) from a table: a division per term was most of the loop.
      constexpr const auto& kInverse = kInverseOfNext;
      static_assert(kInverse.size() == kMaxExact + 1);
      double pk = cmath::IntPow(1.0 - p, a);  // P(Binomial = 0)
      double waves = 0.0;
      // HeldWaves() of (base + k) cols tiles, stepped up as k grows (no
      // integer division per term).
      int64_t tiles = base * cols;
      int64_t held = HeldWaves(tiles, hw);
      for (int64_t k = 0; k <= a; ++k, tiles += cols) {
        while (tiles > held * sms) ++held;
        waves += pk * static_cast<double>(held);
        pk *= odds * static_cast<double>(a - k) * kInverse[static_cast<std::size_t>(k)];
      }
      return waves;
    }
  }
  // Per expert E[R] and E[R^2] = sums of P(R > j) and (2j + 1) P(R > j).
  double r1 = 0.0, r2 = 0.0;
  if (last - full > kMaxTerms) {
    r1 = mean / bm + 0.5;
    r2 = (sd * sd) / (bm * bm) + 1.0 / 12.0 + r1 * r1;
  } else {
    const double f = static_cast<double>(full);
    r1 = 1.0 + f;
    r2 = 1.0 + f * (f + 2.0);
    for (int64_t j = full + 1; j <= last; ++j) {
      const double jj = static_cast<double>(j);
      const double pj = cmath::NormalSf((jj * bm + 0.5 - mean) * inv_sd);
      r1 += pj;
      r2 += (2.0 * jj + 1.0) * pj;
    }
  }
  const double var_r = r2 - r1 * r1 > 0.0 ? r2 - r1 * r1 : 0.0;
  const double mean_s = experts * r1, sd_s = cmath::Sqrt(experts * var_r);
  if (!(sd_s > 0.0)) return static_cast<double>(deterministic);
  const double per_col = static_cast<double>(sms) / static_cast<double>(cols);  // S per wave
  const double ulo = (mean_s - kWindow * sd_s - 1.0) / per_col;
  const double uhi = (mean_s + kWindow * sd_s) / per_col;
  const int64_t ufull = ulo > 1.0 ? static_cast<int64_t>(ulo) : 0;  // u in [1, ufull]: P = 1
  const int64_t ulast = uhi > 0.0 ? static_cast<int64_t>(uhi) : 0;  // u > ulast: P = 0
  if (ulast - ufull > kMaxTerms) return mean_s / per_col + 0.5;
  double waves = 1.0 + static_cast<double>(ufull);
  const double inv_sd_s = 1.0 / sd_s;
  for (int64_t u = ufull + 1; u <= ulast; ++u) {
    // W > u when S > u SMs / cols, S whole: S >= floor(u SMs / cols) + 1.
    const double s_u = static_cast<double>((u * sms) / cols);
    waves += cmath::NormalSf((s_u + 0.5 - mean_s) * inv_sd_s);
  }
  return waves;
}

// TiledRoofline() costs a GEMM-class op run in `waves` waves (an expectation
// for a grouped GEMM's noisy rows) of tiles of `t`'s shape over depth k on
// `sms` SMs. Each SM holds one tile at a time for a wave: the tensor cores'
// work of its waves at `peak_share` (the peak times the op class's share of
// it), or, when the library says how fast an SM takes in operands (`feed`),
// its tiles' A and B slabs (`a_bytes`, `b_bytes` per element, scales
// included) at that rate, whichever is longer (a tile's main loop streams
// both); against the HBM traffic.
[[gnu::always_inline]] constexpr OpCost TiledRoofline(OpClass cls, Flops flops, const Tiles& t,
                                                      double waves, double k, double a_bytes,
                                                      double b_bytes, FlopsPerSecond peak_share,
                                                      BytesPerSecond feed, double sms, Bytes read,
                                                      Bytes written, SecondsPerByte time_per_byte,
                                                      Duration overhead, int64_t kernels) {
  Duration compute;
  Bound bound = Bound::kCompute;
  if (flops > Flops::Zero() && waves > 0.0) {
    const double depth = waves * k;  // per SM
    compute =
        FlopCount(2.0 * static_cast<double>(t.block_m * t.block_n) * depth * sms) / peak_share;
    if (feed > BytesPerSecond::Zero()) {
      const Duration intake = ByteCount((static_cast<double>(t.block_m) * a_bytes +
                                         static_cast<double>(t.block_n) * b_bytes) *
                                        depth) /
                              feed;
      if (intake > compute) {
        compute = intake;
        bound = Bound::kSmFeed;
      }
    }
  }
  return Finish(cls, flops, compute, read, written, time_per_byte, overhead, kernels, bound);
}

}  // namespace ops_internal

// The dtypes of a GEMM: weights (B), activations in (A), output (C), and the
// math dtype whose tensor-core peak applies.
struct GemmTypes final {
  DType weight = DType::kBf16;
  DType input = DType::kBf16;
  DType output = DType::kBf16;
  DType math = DType::kBf16;

  static constexpr GemmTypes Fp8() { return {DType::kFp8, DType::kFp8, DType::kBf16, DType::kFp8}; }
  static constexpr GemmTypes Bf16() {
    return {DType::kBf16, DType::kBf16, DType::kBf16, DType::kBf16};
  }
  // For a model: weights in its weight dtype, activations in its activation
  // dtype; the math runs in the wider of the two (the narrower operand is
  // converted up: weight-only FP8 runs BF16 math).
  static constexpr GemmTypes For(const ModelSpec& m) {
    return {m.weight_dtype, m.activation_dtype, DType::kBf16,
            BytesPerElement(m.weight_dtype) < BytesPerElement(m.activation_dtype)
                ? m.activation_dtype
                : m.weight_dtype};
  }

  // ForWeight() is the types of a GEMM of `weight` weights over `input`
  // activations, math in the wider of the two as For() says.
  static constexpr GemmTypes ForWeight(DType weight, DType input, DType output = DType::kBf16) {
    return {weight, input, output,
            BytesPerElement(weight) < BytesPerElement(input) ? input : weight};
  }
};

// C[m, n] = A[m, k] * B[k, n], B being a weight. `batch` independent GEMMs
// with separate weights run in one kernel (batched GEMM, e.g. MLA's absorbed
// per-head products).
struct GemmShape final {
  int64_t m = 0;
  int64_t n = 0;
  int64_t k = 0;
  int64_t batch = 1;
};

// One weight tensor as one GPU holds it: `copies` independent [k, n]
// matrices (per head, per local expert) in `dtype`, block scales included in
// its size. The graph's blocks declare each weight once as a WeightTensor;
// both the GEMM that reads it and the memory per GPU derive from it.
struct WeightTensor final {
  int64_t k = 0;
  int64_t n = 0;
  int64_t copies = 1;
  DType dtype = DType::kBf16;

  // Size() is the bytes this GPU holds (zero for an absent tensor, k or n 0).
  constexpr Bytes Size() const {
    return ByteCount(static_cast<double>(k) * static_cast<double>(n) *
                     static_cast<double>(copies) * ops_internal::WeightBytesPerElement(dtype));
  }
  // Times() is the GEMM shape of `m` rows of activations through this weight.
  constexpr GemmShape Times(int64_t m) const { return {m, n, k, copies}; }
};

// GemmPlan is what a GEMM's cost takes from its weight, dtypes and GPU
// alone, none of it from the rows that go through: the weight's shape and
// bytes, the per-row bytes of A and C, the library's rule and rates, the
// peak share and HBM time per byte of its class, its launches. Gemm() and
// GroupedGemm() are a plan's At() and Grouped() of their rows; a prepared
// step keeps each weight's plan (StepPlan::gemms) and skips this part. It
// holds no pointer: At() takes the GPU the plan was made on.
struct GemmPlan final {
  OpClass cls = OpClass::kGemm;
  DType math = DType::kBf16;  // selects the library (HardwareSpec::GemmKernelsFor())
  bool tiled = false;         // a positive shape on a library with candidates
  int64_t n = 0, k = 0, batch = 1, kernels = 1;
  double nd = 0.0, kd = 0.0, bd = 1.0;
  double weight_bytes = 0.0;  // of one [k, n] matrix: k n x its bytes per element
  double a_bytes = 0.0;       // per element of A, scales included
  double b_bytes = 0.0;       // per element of B (the weight), scales included
  double c_bytes = 0.0;       // per element of C
  FlopsPerSecond peak_share;  // the math's peak x the class's compute share
  SecondsPerByte time_per_byte;
  Duration overhead;

  // Of() is the plan of `batch` [k, n] weights with types `t` in class `cls`
  // of `kernels` kernels on `hw`.
  [[gnu::always_inline]] static constexpr GemmPlan Of(int64_t n, int64_t k, int64_t batch,
                                                      const GemmTypes& t, const HardwareSpec& hw,
                                                      OpClass cls = OpClass::kGemm,
                                                      int64_t kernels = 1);

  // At() is the cost of `m` rows (each batch entry's): Gemm().
  [[gnu::always_inline]] constexpr OpCost At(int64_t m, const HardwareSpec& hw) const {
    using namespace ops_internal;
    const GemmKernels& lib = hw.GemmKernelsFor(math);
    const double md = static_cast<double>(m);
    const Flops flops = FlopCount(2.0 * md * nd * kd * bd);
    const Bytes read = ByteCount(bd * (weight_bytes + md * kd * a_bytes));
    const Bytes written = ByteCount(bd * md * nd * c_bytes);
    Tiles tiles;
    if (m > 0 && tiled) tiles = TilesOfRows(m, n, batch, lib, hw.sm_count);
    const double waves =
        tiles.count > 0 ? static_cast<double>(HeldWaves(tiles.count * batch, hw)) : 0.0;
    return TiledRoofline(cls, flops, tiles, waves, kd, a_bytes, b_bytes, peak_share,
                         lib.sm_operand_feed(), static_cast<double>(hw.sm_count), read, written,
                         time_per_byte, overhead, kernels);
  }

  // Grouped() is the routed experts' GEMM of `experts` experts with
  // `tokens_per_expert` rows each (`rows_sd` their spread): GroupedGemm().
  [[gnu::always_inline]] constexpr OpCost Grouped(double tokens_per_expert, double experts,
                                                  double rows_sd, const HardwareSpec& hw) const {
    using namespace ops_internal;
    const GemmKernels& lib = hw.GemmKernelsFor(math);
    const double rows = tokens_per_expert * experts;
    const Flops flops = FlopCount(2.0 * rows * nd * kd);
    const Bytes read = ByteCount(experts * weight_bytes + rows * kd * a_bytes);
    const Bytes written = ByteCount(rows * nd * c_bytes);
    // One expert's tiles times the experts, rounded up to whole tiles.
    Tiles one;
    double waves = 0.0;
    if (tokens_per_expert > 0 && experts > 0 && n > 0 && k > 0) {
      int64_t groups = static_cast<int64_t>(experts);
      if (static_cast<double>(groups) < experts) ++groups;
      one = TilesOf(tokens_per_expert, n, groups, lib, hw.sm_count);
      const double all = static_cast<double>(one.count) * experts;
      int64_t tiles = static_cast<int64_t>(all);
      if (static_cast<double>(tiles) < all) ++tiles;
      const int64_t held = tiles > 0 ? HeldWaves(tiles, hw) : 0;
      waves =
          held > 0 ? ExpectedHeldWaves(tokens_per_expert, rows_sd, experts, one, n, held, hw) : 0.0;
    }
    return TiledRoofline(cls, flops, one, waves, kd, a_bytes, b_bytes, peak_share,
                         lib.sm_operand_feed(), static_cast<double>(hw.sm_count), read, written,
                         time_per_byte, overhead, kernels);
  }
};

constexpr GemmPlan GemmPlan::Of(int64_t n, int64_t k, int64_t batch, const GemmTypes& t,
                                const HardwareSpec& hw, OpClass cls, int64_t kernels) {
  using namespace ops_internal;
  GemmPlan p;
  p.cls = cls;
  p.math = t.math;
  p.n = n;
  p.k = k;
  p.batch = batch;
  p.kernels = kernels;
  p.nd = static_cast<double>(n);
  p.kd = static_cast<double>(k);
  p.bd = static_cast<double>(batch);
  p.a_bytes = ActivationBytesPerElement(t.input);
  p.b_bytes = WeightBytesPerElement(t.weight);
  p.c_bytes = BytesPerElement(t.output);
  p.weight_bytes = p.kd * p.nd * p.b_bytes;
  const GemmKernels& lib = hw.GemmKernelsFor(t.math);
  p.tiled = n > 0 && k > 0 && batch > 0 && lib.block_m_count() > 0 && lib.block_n_count() > 0;
  p.peak_share = hw.PeakFlops(t.math) * hw.EfficiencyOf(cls).compute;
  p.time_per_byte = TimePerByte(cls, hw);
  p.overhead = LaunchOverhead(kernels, hw);
  return p;
}

// Gemm() costs a dense (or batched) GEMM. FLOPs = 2 m n k per batch entry;
// bytes = weights (with block scales) + A (with activation scales) + C. The
// compute time counts the padded output tiles the library of the math dtype
// picks (HardwareSpec::GemmKernelsFor()), in waves, and their operand intake
// (TiledRoofline()). An empty shape costs nothing but its launch.
[[gnu::always_inline]] constexpr OpCost Gemm(const GemmShape& s, const GemmTypes& t,
                                             const HardwareSpec& hw, OpClass cls = OpClass::kGemm,
                                             int64_t kernels = 1) {
  return GemmPlan::Of(s.n, s.k, s.batch, t, hw, cls, kernels).At(s.m, hw);
}

// GroupedGemm() costs the routed experts' GEMM on one GPU: `experts` experts
// that received tokens, each multiplying `tokens_per_expert` rows (the hottest
// rank's pairs over its active experts) by its own [k, n] weight. Decode uses
// the masked layout: every expert's rows are padded to whole tiles, so FLOPs
// follow the padded rows while weights are read once per active expert (an
// expert with no rows is skipped). `experts` may be an expectation (say 3.8
// of a rank's 32); its tiles round up to whole ones. The library picks the
// tile for that many whole experts of `tokens_per_expert` rows (DeepGEMM's
// masked layout is given the expected rows per expert). `rows_sd` > 0 says
// the experts' rows vary about that mean (the routing's noise): the waves are
// then their expectation over it (ExpectedHeldWaves()), which a tile
// boundary near the mean makes fractional.
[[gnu::always_inline]] constexpr OpCost GroupedGemm(double tokens_per_expert, double experts,
                                                    int64_t n, int64_t k, const GemmTypes& t,
                                                    const HardwareSpec& hw, double rows_sd = 0.0,
                                                    int64_t kernels = 1) {
  return GemmPlan::Of(n, k, 1, t, hw, OpClass::kGroupedGemm, kernels)
      .Grouped(tokens_per_expert, experts, rows_sd, hw);
}

// MlaKvBytesPerToken() is one layer's latent KV-cache entry per token. In
// BF16 (or any 2-byte dtype) latent and RoPE key share the dtype; in FP8
// (FlashMLA's FP8 layout, FM-06's 656 B for 512 + 64) the latent is FP8 with
// one FP32 scale per 128 values and the RoPE key stays BF16.
constexpr double MlaKvBytesPerToken(const MlaSpec& mla, DType kv_dtype) {
  const double latent = static_cast<double>(mla.kv_lora_rank);
  const double rope = static_cast<double>(mla.qk_rope_head_dim);
  if (BytesPerElement(kv_dtype) < 2.0) {
    return latent * BytesPerElement(kv_dtype) + latent / 128.0 * 4.0 + rope * 2.0;
  }
  return (latent + rope) * BytesPerElement(kv_dtype);
}

// MlaDecodeAttention() costs absorbed multi-head latent attention in decode
// (FlashMLA): `queries` query tokens on this GPU, `heads` query heads, one
// shared latent KV head of width kv_lora_rank + qk_rope_head_dim (the key) and
// kv_lora_rank (the value). `sum_context` is the Σ of attended KV lengths over
// all query tokens; `cached_tokens` the distinct KV entries read.
//   FLOPs = 2 * heads * sum_context * (d_qk + d_v)
//   bytes = cached_tokens * MlaKvBytesPerToken() + q and output (BF16)
// `math` is the dtype of its matrix products (FP8: FlashMLA's FP8 kernel, at
// the FP8 peak and the class's compute_fp8 share).
// `sparse`: DeepSeek sparse attention's decode kernel (FlashMLA's sparse
// FP8-KV decode): `sum_context` is Σ of each query's top-k, `cached_tokens`
// the entries each query token gathers for itself, and the compute runs at
// the class's compute_sparse_decode share of the math's peak (FM-06, FM-07).
[[gnu::always_inline]] constexpr OpCost MlaDecodeAttention(
    int64_t queries, int64_t heads, double sum_context, double cached_tokens, const MlaSpec& mla,
    DType kv_dtype, DType math, const HardwareSpec& hw, int64_t kernels = 1, bool sparse = false) {
  const double d_qk = static_cast<double>(mla.kv_lora_rank + mla.qk_rope_head_dim);
  const double d_v = static_cast<double>(mla.kv_lora_rank);
  const double h = static_cast<double>(heads), q = static_cast<double>(queries);
  const Flops flops = FlopCount(2.0 * h * sum_context * (d_qk + d_v));
  const Bytes read = ByteCount(cached_tokens * MlaKvBytesPerToken(mla, kv_dtype) +
                               q * h * d_qk * 2.0);
  const Bytes written = ByteCount(q * h * d_v * 2.0);
  if (sparse) {
    const Efficiency& e = hw.EfficiencyOf(OpClass::kAttention);
    const double share =
        e.compute_sparse_decode > 0.0 ? e.compute_sparse_decode : e.ComputeFor(math);
    const Duration compute =
        flops > Flops::Zero() ? flops / (hw.PeakFlops(math) * share) : Duration::Zero();
    return ops_internal::Finish(OpClass::kAttention, flops, compute, read, written, hw, kernels);
  }
  return ops_internal::Roofline(OpClass::kAttention, flops, math, read,
                                written, hw, kernels);
}

// IndexerKBytesPerToken() is DeepSeek sparse attention's cached indexer key
// per token and layer: head_dim FP8 values and one FP32 scale per 128
// (DeepSeek-V3.2: 128 + 4 B).
constexpr double IndexerKBytesPerToken(const MlaSpec& mla) {
  const double d = static_cast<double>(mla.index_head_dim);
  return d * (BytesPerElement(DType::kFp8) + ops_internal::kActivationScale);
}

// LightningIndexer() costs DeepSeek sparse attention's indexer logits (an
// FP8 MQA: DeepGEMM's fp8_mqa_logits): each of `queries` query tokens' `heads`
// FP8 heads of index_head_dim against the one cached key of every token it
// may attend (`pairs` Σ over the queries, `kv_tokens` keys read), each head's
// ReLU logit weighted and summed over the heads, the FP32 score of every pair
// written for the top-k selection.
//   FLOPs = 2 * heads * pairs * (index_head_dim + 1)   (the dot products; the weighted sum)
//   bytes = kv_tokens * IndexerKBytesPerToken() + queries * heads * (head_dim + 4) + pairs * 4
// In the ATTENTION class with FP8 math (no calibration row measures it).
constexpr OpCost LightningIndexer(int64_t queries, int64_t heads, double pairs, double kv_tokens,
                                  const MlaSpec& mla, const HardwareSpec& hw) {
  const double h = static_cast<double>(heads), q = static_cast<double>(queries);
  const double d = static_cast<double>(mla.index_head_dim);
  const Flops flops = FlopCount(2.0 * h * pairs * (d + 1.0));
  constexpr double kFp32 = BytesPerElement(DType::kFp32);  // a head's weight, a score
  const Bytes read = ByteCount(kv_tokens * IndexerKBytesPerToken(mla) + q * h * (d + kFp32));
  const Bytes written = ByteCount(pairs * kFp32);
  return ops_internal::Roofline(OpClass::kAttention, flops, DType::kFp8, read, written, hw, 1);
}

// TopKSelect() costs picking each query's top `index_topk` of its `pairs`
// FP32 scores (Σ over the queries): every score read and compared once, the
// int32 indices of the picked ones written.
constexpr OpCost TopKSelect(int64_t queries, double pairs, const MlaSpec& mla,
                            const HardwareSpec& hw) {
  const double picked = static_cast<double>(queries) * static_cast<double>(mla.index_topk);
  return ops_internal::Roofline(OpClass::kElementwise, FlopCount(pairs), hw.fp32,
                                ByteCount(pairs * BytesPerElement(DType::kFp32)),
                                ByteCount(picked * static_cast<double>(sizeof(int32_t))), hw, 1);
}

// GqaDecodeAttention() costs grouped-query attention in decode: `heads` query
// heads and `kv_heads` KV heads on this GPU, head_dim each.
//   FLOPs = 4 * heads * sum_context * head_dim   (QK^T and PV)
//   bytes = cached_tokens * 2 * kv_heads * head_dim * kv bytes + q and output
[[gnu::always_inline]] constexpr OpCost GqaDecodeAttention(
    int64_t queries, int64_t heads, int64_t kv_heads, int64_t head_dim, double sum_context,
    double cached_tokens, DType kv_dtype, DType math, const HardwareSpec& hw, int64_t kernels = 1) {
  const double d = static_cast<double>(head_dim), h = static_cast<double>(heads),
               kvh = static_cast<double>(kv_heads), q = static_cast<double>(queries);
  const Flops flops = FlopCount(4.0 * h * sum_context * d);
  const Bytes read = ByteCount(cached_tokens * 2.0 * kvh * d * BytesPerElement(kv_dtype) +
                               q * h * d * 2.0);
  const Bytes written = ByteCount(q * h * d * 2.0);
  return ops_internal::Roofline(OpClass::kAttention, flops, math, read,
                                written, hw, kernels);
}

// CausalPairs() is the query-key pairs of one head when `n` new tokens after
// `p` cached ones attend causally: each new token sees the cached ones, the
// new ones before it and itself, n·p + n(n + 1) / 2 (CausalPairs(4, 0) == 10).
constexpr double CausalPairs(double n, double p) { return n * p + n * (n + 1.0) / 2.0; }

// WindowedCausalPairs() is CausalPairs() when each query attends at most
// `w` keys, itself and the w - 1 before it (sliding-window attention): the
// query at position i (1-based) sees min(i, w) keys, so n new tokens after p
// cached ones see S(p + n) - S(p), S(x) = x(x + 1) / 2 up to w and
// w(w + 1) / 2 + (x - w) w beyond. Within the window (p + n <= w) it is
// CausalPairs() itself, bit for bit (WindowedCausalPairs(4, 0, 2) == 7).
constexpr double WindowedCausalPairs(double n, double p, double w) {
  if (p + n <= w) return CausalPairs(n, p);
  const auto s = [w](double x) {
    return x <= w ? x * (x + 1.0) / 2.0 : w * (w + 1.0) / 2.0 + (x - w) * w;
  };
  return s(p + n) - s(p);
}

// WindowedKvEntries() is the KV entries n new tokens after p cached ones read
// under a window of `w`: the first new token's oldest key is at p + 2 - w, so
// n + w - 1 once p + 1 > w, else all p + n (WindowedKvEntries(4, 10, 3) == 6).
constexpr double WindowedKvEntries(double n, double p, double w) {
  return p + 1.0 > w ? n + w - 1.0 : p + n;
}

// AttentionSinks() is what a learned sink logit per head (gpt-oss) adds to
// an attention kernel it is fused into: one more score per (query, head) in
// the softmax, never multiplied with a key or a value: its part of the
// running max, the subtraction, the exponential and the add to the
// denominator (kSinkFlopsPerScore FP32 FLOPs), and each head's logit read
// once (FP32). No kernel of its own: add it to the kernel's cost (Sum()).
inline constexpr double kSinkFlopsPerScore = 4.0;
constexpr OpCost AttentionSinks(int64_t queries, int64_t heads, const HardwareSpec& hw) {
  const double scores = static_cast<double>(queries) * static_cast<double>(heads);
  return ops_internal::Roofline(
      OpClass::kAttention, FlopCount(scores * kSinkFlopsPerScore), hw.fp32,
      ByteCount(static_cast<double>(heads) * BytesPerElement(DType::kFp32)), Bytes::Zero(), hw, 0);
}

// PrefillAttention() costs causal flash attention over a prefill chunk
// (FlashAttention-style MHA/GQA, or MLA's absorbed form over the latent):
// `queries` new tokens on this GPU, `heads` query heads of width d_qk (keys)
// and d_v (values), `pairs` the Σ of each head's query-key pairs
// (CausalPairs()), reading `kv_tokens` entries of `kv_bytes_per_token` each
// (every KV head of a layer) once.
//   FLOPs = 2 * heads * pairs * (d_qk + d_v)
//   bytes = queries * heads * d_qk * 2 + kv_tokens * kv_bytes_per_token + output (BF16)
// Compute-bound from a few hundred tokens on, at the ATTENTION class's share
// of the peak; the kernel table's FlashMLA prefill rows check it (FM-08's
// sparse prefill, `pairs` = queries x top-k; FM-09's dense causal MHA). A
// causal mask's diagonal tiles are counted by their useful pairs only (at 8K
// tokens in 128 x 128 tiles, whole diagonal tiles would add 1.6 % to the
// work; at 512 tokens, 25 %).
constexpr OpCost PrefillAttention(int64_t queries, int64_t heads, double pairs, int64_t d_qk,
                                  int64_t d_v, double kv_tokens, double kv_bytes_per_token,
                                  DType math, const HardwareSpec& hw, int64_t kernels = 1) {
  const double h = static_cast<double>(heads), q = static_cast<double>(queries);
  const double dq = static_cast<double>(d_qk), dv = static_cast<double>(d_v);
  const Flops flops = FlopCount(2.0 * h * pairs * (dq + dv));
  const Bytes read = ByteCount(q * h * dq * 2.0 + kv_tokens * kv_bytes_per_token);
  const Bytes written = ByteCount(q * h * dv * 2.0);
  return ops_internal::Roofline(OpClass::kAttention, flops, math, read, written, hw, kernels);
}

// Elementwise() costs a memory-bound kernel over `elements` elements that reads
// `read_bytes_per_element`, writes `write_bytes_per_element` and does
// `flops_per_element` FP32 FLOPs per element, plus `extra_bytes` (e.g. a norm's
// weight vector).
[[gnu::always_inline]] constexpr OpCost Elementwise(double elements, double read_bytes_per_element,
                                                    double write_bytes_per_element,
                                                    double flops_per_element,
                                                    const HardwareSpec& hw, int64_t kernels = 1,
                                                    Bytes extra_bytes = Bytes::Zero()) {
  const Flops flops = FlopCount(elements * flops_per_element);
  const Bytes read = ByteCount(elements * read_bytes_per_element) + extra_bytes;
  const Bytes written = ByteCount(elements * write_bytes_per_element);
  return ops_internal::Roofline(OpClass::kElementwise, flops, hw.fp32, read, written, hw,
                                kernels);
}

// RmsNorm() costs RMSNorm over `tokens` x `width`, BF16 in and out, its BF16
// weight read once; `fused_add` also reads and writes the residual stream
// (fused add + RMSNorm).
[[gnu::always_inline]] constexpr OpCost RmsNorm(int64_t tokens, int64_t width, bool fused_add,
                                                const HardwareSpec& hw) {
  const double elements = static_cast<double>(tokens * width);
  const double io = fused_add ? 4.0 : 2.0;
  return Elementwise(elements, io, io, 5.0, hw, 1, ByteCount(static_cast<double>(width) * 2.0));
}

// SiluAndMul() costs SiLU(gate) x up over `elements` outputs: gate and up read
// in BF16, the output written in `out` (with its 1x128 scales when `out` is
// block-scaled: the next GEMM's quantisation fused in).
[[gnu::always_inline]] constexpr OpCost SiluAndMul(double elements, DType out,
                                                   const HardwareSpec& hw) {
  return Elementwise(elements, 4.0, ops_internal::ActivationBytesPerElement(out), 6.0, hw);
}

// QuantizeActivations() costs per-token quantisation of `elements` BF16
// activations to `out` with 1x128 scales.
[[gnu::always_inline]] constexpr OpCost QuantizeActivations(double elements, DType out,
                                                            const HardwareSpec& hw) {
  return Elementwise(elements, 2.0, ops_internal::ActivationBytesPerElement(out), 4.0, hw);
}

// NoOp() is an op that does not run (a collective over one rank).
constexpr OpCost NoOp() {
  OpCost c;
  c.kernels = 0;
  return c;
}

// LinkTransfer() costs one GPU sending `bytes` to its peers, the share
// `nvlink_share` over NVLink and the rest over the NIC, each path at its
// bandwidth times the link efficiency of its op class (`nvlink_class` for
// NVLink, SCALE_OUT for the NIC). The bulk kernels (rings, DeepEP's normal
// kernels) drive both paths at once: the slower bounds the time, plus that
// path's latency. DeepEP's low-latency kernels (`nvlink_class`
// SCALE_UP_LOW_LATENCY) send `messages` token copies, each from one warp: an
// NVLink peer's by the warp's own stores, which cost the class's per-message
// time beside their bytes, a NIC peer's through its posts. The paths add,
// plus the NIC's latency when any copy crosses it. Calibrated on the
// NVLink-only row EP-LL8-v1 alone (link share and per-message time), this
// is within 13 % of each mixed row EP-LL16/32/64-v1 (Jun 2025; NVLink share
// 8 / EP); taking the slower path instead under-predicts them by up to 26 %.
[[gnu::always_inline]] constexpr OpCost LinkTransfer(Bytes bytes, double nvlink_share,
                                                     const HardwareSpec& hw, int64_t kernels = 1,
                                                     OpClass nvlink_class = OpClass::kScaleUp,
                                                     double messages = 0.0) {
  const Bytes up = bytes * nvlink_share;
  const Bytes out = bytes * (1.0 - nvlink_share);
  const Efficiency& eu = hw.EfficiencyOf(nvlink_class);
  const Efficiency& eo = hw.EfficiencyOf(OpClass::kScaleOut);
  const Duration wire_up = up > Bytes::Zero() ? up / (hw.scale_up_bandwidth * eu.link) +
                                                    eu.per_message * (messages * nvlink_share)
                                              : Duration::Zero();
  const Duration wire_out =
      out > Bytes::Zero() ? out / (hw.scale_out_bandwidth * eo.link) : Duration::Zero();
  const Duration lat_up = up > Bytes::Zero() ? hw.scale_up_latency : Duration::Zero();
  const Duration lat_out = out > Bytes::Zero() ? hw.scale_out_latency : Duration::Zero();
  OpCost c;
  c.link_bytes = bytes;
  c.bytes = bytes * 2.0;  // read to send, written on receipt
  c.bound = Bound::kNetwork;
  const Duration t_up = wire_up + lat_up, t_out = wire_out + lat_out;
  c.op_class = t_out > t_up ? OpClass::kScaleOut : nvlink_class;
  if (nvlink_class == OpClass::kScaleUpLowLatency) {
    c.latency = out > Bytes::Zero() ? lat_out : lat_up;
    c.kernel_time = wire_up + wire_out + c.latency;
  } else {
    c.latency = t_out > t_up ? lat_out : lat_up;
    c.kernel_time = Max(t_up, t_out);
  }
  c.kernels = kernels;
  c.overhead = hw.kernel_launch_overhead * static_cast<double>(kernels);
  return c;
}

// Which DeepEP kernels an all-to-all runs: the low-latency ones (decode: what
// the step graph uses) or the normal, bulk ones (prefill; the kernel table's
// EP-N rows). Over NVLink they reach different shares of the link (op classes
// SCALE_UP_LOW_LATENCY and SCALE_UP); over the NIC both are line-rate bound.
enum class EpKernels : uint8_t { kLowLatency, kNormal };

// Every EpKernels, in enum order, and their names ("low_latency", "normal").
inline constexpr std::array<EpKernels, 2> kEpKernels = {EpKernels::kLowLatency,
                                                        EpKernels::kNormal};
constexpr std::string_view EpKernelsName(EpKernels k) {
  return k == EpKernels::kLowLatency ? "low_latency" : "normal";
}

constexpr OpClass NvlinkClass(EpKernels k) {
  return k == EpKernels::kLowLatency ? OpClass::kScaleUpLowLatency : OpClass::kScaleUp;
}

// Where the peers of an all-to-all sit.
enum class Transport : uint8_t {
  kAuto,    // NVLink to peers in the node, the NIC to the others
  kNvlink,  // every peer over NVLink
  kRdma,    // every peer over the NIC (DeepEP's pure-RDMA low-latency kernels)
};

// Every Transport, in enum order, and their names ("auto", "nvlink", "rdma").
inline constexpr std::array<Transport, 3> kTransports = {Transport::kAuto, Transport::kNvlink,
                                                         Transport::kRdma};
constexpr std::string_view TransportName(Transport t) {
  switch (t) {
    case Transport::kAuto: return "auto";
    case Transport::kNvlink: return "nvlink";
    case Transport::kRdma: return "rdma";
  }
  return "?";
}

// AllToAllNvlinkShare() is the share of an even all-to-all over `ranks` GPUs
// that stays in the node. Like DeepEP's figures, it counts the rank's own share
// as traffic (it is copied through the same kernel).
constexpr double AllToAllNvlinkShare(int64_t ranks, Transport transport, const HardwareSpec& hw) {
  if (transport == Transport::kNvlink) return 1.0;
  if (transport == Transport::kRdma) return 0.0;
  const int64_t in_node = ranks < hw.gpus_per_node ? ranks : hw.gpus_per_node;
  return static_cast<double>(in_node) / static_cast<double>(ranks);
}

// EpDispatch() costs expert-parallel dispatch (DeepEP low-latency mode unless
// `kernels` says otherwise): each of `tokens` tokens on a rank goes to
// `experts_per_token` experts spread over `ep` ranks, as `payload` (FP8 with
// 1x128 scales, or BF16) of `hidden` elements. `imbalance` (>= 1) scales the
// busiest rank's traffic.
[[gnu::always_inline]] constexpr OpCost EpDispatch(int64_t tokens, int64_t experts_per_token,
                                                   int64_t hidden, DType payload, int64_t ep,
                                                   Transport transport, const HardwareSpec& hw,
                                                   double imbalance = 1.0,
                                                   EpKernels kernels = EpKernels::kLowLatency) {
  const double copies = static_cast<double>(tokens * experts_per_token) * imbalance;
  const Bytes sent = ByteCount(copies * static_cast<double>(hidden) *
                               ops_internal::ActivationBytesPerElement(payload));
  return LinkTransfer(sent, AllToAllNvlinkShare(ep, transport, hw), hw, 1, NvlinkClass(kernels),
                      copies);
}

// EpCombine() costs the way back: each expert output returns in BF16.
[[gnu::always_inline]] constexpr OpCost EpCombine(int64_t tokens, int64_t experts_per_token,
                                                  int64_t hidden, int64_t ep, Transport transport,
                                                  const HardwareSpec& hw, double imbalance = 1.0,
                                                  EpKernels kernels = EpKernels::kLowLatency) {
  const double copies = static_cast<double>(tokens * experts_per_token) * imbalance;
  const Bytes sent = ByteCount(copies * static_cast<double>(hidden) * 2.0);
  return LinkTransfer(sent, AllToAllNvlinkShare(ep, transport, hw), hw, 1, NvlinkClass(kernels),
                      copies);
}

// RingNvlinkShare() is 1 for a ring inside one node; a ring across nodes is
// bounded by its NIC hops, so it is costed on the NIC.
constexpr double RingNvlinkShare(int64_t ranks, const HardwareSpec& hw) {
  return ranks <= hw.gpus_per_node ? 1.0 : 0.0;
}

// AllReduce() costs a ring all-reduce of a `bytes` buffer over `ranks` GPUs:
// each sends 2 (ranks - 1) / ranks of it. One rank costs nothing.
[[gnu::always_inline]] constexpr OpCost AllReduce(Bytes bytes, int64_t ranks,
                                                  const HardwareSpec& hw) {
  if (ranks <= 1) return NoOp();
  const double r = static_cast<double>(ranks);
  return LinkTransfer(bytes * (2.0 * (r - 1.0) / r), RingNvlinkShare(ranks, hw), hw);
}

// AllGather() and ReduceScatter() cost a ring over `ranks` GPUs of a `bytes`
// (gathered) buffer: each sends (ranks - 1) / ranks of it.
constexpr OpCost AllGather(Bytes bytes, int64_t ranks, const HardwareSpec& hw) {
  if (ranks <= 1) return NoOp();
  const double r = static_cast<double>(ranks);
  return LinkTransfer(bytes * ((r - 1.0) / r), RingNvlinkShare(ranks, hw), hw);
}
constexpr OpCost ReduceScatter(Bytes bytes, int64_t ranks, const HardwareSpec& hw) {
  return AllGather(bytes, ranks, hw);
}

}  // namespace perfmodel

#endif  // PERFMODEL_OPS_H_
