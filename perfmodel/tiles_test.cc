// The kernel libraries' tile choice (perfmodel/ops.h TilesOf()) against the
// rule their sources state, on the calibration table's DeepGEMM shapes, and
// what follows for a GEMM's cost.
//
// DeepGEMM's rule: get_best_configs() in deep_gemm/jit_kernels/gemm.py at
// deepseek-ai/DeepGEMM@327ec92f (2025-04-09, the README whose table the DG-*
// rows of calibration/kernels_and_specs.csv copy). Over block_m in (64, 128,
// 256) and block_n in (16, 24, ..., 128, 144, 160), pairs with both sides
// above 128 skipped, it keeps the pair with the fewest waves of tiles over the
// SMs, then the fullest last wave, and among equal ones the earlier pair
// unless the later has the same block_m and a narrower block_n, the same
// block_n and a smaller block_m, or both different and a wider block_n. The
// contiguous grouped layout (prefill) fixes block_m at 128, its M alignment,
// and counts all groups' rows as one GEMM; the masked layout (decode) passes
// the expected rows per group and the groups.

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "perfmodel/ops.h"

namespace perfmodel {
namespace {

using ops_internal::Tiles;
using ops_internal::TilesOf;

constexpr GemmKernels kDeepGemm(GemmTileRule::kDeepGemmMinWaves, {64, 128, 256},
                                {16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128,
                                 144, 160},
                                128);
constexpr int64_t kH800Sms = 132;  // HW-H800-5

// The rule runs in constant evaluation too (the graph is evaluated in
// static_assert), with no memo.
static_assert(TilesOf(64, 2112, 1, kDeepGemm, kH800Sms).block_n == 16);
static_assert(TilesOf(4096, 2112, 1, kDeepGemm, kH800Sms).block_m == 256);
static_assert(TilesOf(4096, 2112, 1, kDeepGemm, kH800Sms).block_n == 88);

// ScanTiles() is the rule above as a scan over every pair, in DeepGEMM's
// order, comparing each with the best so far: the statement TilesOf()'s
// O(log n) search must agree with.
Tiles ScanTiles(int64_t rows, int64_t n, int64_t groups, const GemmKernels& lib, int64_t sms) {
  auto tiles = [&](int64_t bm, int64_t bn) {
    return (rows + bm - 1) / bm * ((n + bn - 1) / bn) * groups;
  };
  auto waves = [&](int64_t t) { return (t + sms - 1) / sms; };
  auto last = [&](int64_t t) { return t % sms == 0 ? sms : t % sms; };
  bool have = false;
  int64_t best_m = 0, best_n = 0;
  for (std::size_t i = 0; i < lib.block_m_count(); ++i) {
    for (std::size_t j = 0; j < lib.block_n_count(); ++j) {
      const int64_t bm = lib.block_m(i), bn = lib.block_n(j);
      if (lib.max_short_side() > 0 && bm > lib.max_short_side() && bn > lib.max_short_side()) {
        continue;
      }
      bool better = !have;
      if (have) {
        const int64_t t = tiles(bm, bn), b = tiles(best_m, best_n);
        if (waves(t) < waves(b)) {
          better = true;
        } else if (waves(t) == waves(b)) {
          better = last(t) > last(b);
          if (last(t) == last(b)) {
            better = better || (bm == best_m && bn < best_n) || (bn == best_n && bm < best_m) ||
                     (bm != best_m && bn > best_n);
          }
        }
      }
      if (better) {
        have = true;
        best_m = bm;
        best_n = bn;
      }
    }
  }
  return Tiles{best_m, best_n, (rows + best_m - 1) / best_m * ((n + best_n - 1) / best_n)};
}

struct Choice final {
  const char* row;  // calibration table id
  int64_t m = 0, n = 0, groups = 1;
  int64_t block_m = 0, block_n = 0;
};

TEST(TilesTest, DeepGemmOnTheCalibrationTablesShapes) {
  // Derived by hand from the rule (H800, 132 SMs). "W waves" is the fewest
  // any pair needs; the pick is the narrowest block_n whose tiles still fit W
  // waves (the fullest last wave), kept against later ties as the rule says.
  const std::vector<Choice> choices = {
      // One row of tiles: 2112 / 16 = 132 tiles fill one wave exactly.
      {"DG-D-64x2112x7168", 64, 2112, 1, 64, 16},
      // Even 160 columns need 154 tiles (2 waves); 96 gives 256 <= 264 (88: 280).
      {"DG-D-64x24576x1536", 64, 24576, 1, 64, 96},
      // 2 waves; 128 gives 256 tiles, 120 would give 274.
      {"DG-D-64x32768x512", 64, 32768, 1, 64, 128},
      // 1 wave; ceil(7168 / bn) <= 132 from bn = 56 (128 tiles).
      {"DG-D-64x7168x16384", 64, 7168, 1, 64, 56},
      // 1 wave; 4096 / 32 = 128 tiles.
      {"DG-D-64x4096x7168", 64, 4096, 1, 64, 32},
      {"DG-D-64x7168x2048", 64, 7168, 1, 64, 56},
      // Two rows of 64: 2 x 66 = 132 tiles at bn = 32. block_m 128 ties with
      // 132 tiles only at bn = 16, not wider: 64 x 32 stays.
      {"DG-D-128x2112x7168", 128, 2112, 1, 64, 32},
      // block_m 64 needs 3 waves even at 160; block_m 128, one row: 2 waves,
      // 256 tiles at 96; block_m 256 ties at 96, not wider.
      {"DG-D-128x24576x1536", 128, 24576, 1, 128, 96},
      // block_m 128: 2 waves, 256 tiles at 128; block_m 256 ties at 128.
      {"DG-D-128x32768x512", 128, 32768, 1, 128, 128},
      // Two rows of 64: 2 x ceil(7168 / bn) <= 132 from bn = 112 (128 tiles);
      // block_m 128 ties (128 tiles) only at bn = 56, not wider.
      {"DG-D-128x7168x16384", 128, 7168, 1, 64, 112},
      // Two rows of 64: 2 x 64 = 128 tiles at bn = 64; block_m 128 ties at 32.
      {"DG-D-128x4096x7168", 128, 4096, 1, 64, 64},
      {"DG-D-128x7168x2048", 128, 7168, 1, 64, 112},
      // block_m 256: 16 rows x 17 columns (bn = 128) = 272 tiles, 3 waves (64
      // and 128 rows need 7 and 4); within 396 tiles, 16 x 24 = 384 at bn = 88.
      {"DG-D-4096x2112x7168", 4096, 2112, 1, 256, 88},
      // block_m 256, bn 128: 16 x 192 = 3072 tiles, 24 waves (128 rows: 38).
      {"DG-D-4096x24576x1536", 4096, 24576, 1, 256, 128},
      // 16 x 256 = 4096 tiles, 32 waves (128 rows: 50).
      {"DG-D-4096x32768x512", 4096, 32768, 1, 256, 128},
      // 16 x 56 = 896 tiles, 7 waves (128 rows: 11); 57 columns would not fit.
      {"DG-D-4096x7168x16384", 4096, 7168, 1, 256, 128},
      // 16 x 32 = 512 tiles, 4 waves (128 rows: 7).
      {"DG-D-4096x4096x7168", 4096, 4096, 1, 256, 128},
      {"DG-D-4096x7168x2048", 4096, 7168, 1, 256, 128},
      // Masked layout: 4 row tiles of 256 (over the groups) x 32 = 128 tiles, 1 wave.
      {"DG-M-1x1024x4096x7168", 1024, 4096, 1, 256, 128},
      {"DG-M-2x512x4096x7168", 512, 4096, 2, 256, 128},
      {"DG-M-4x256x4096x7168", 256, 4096, 4, 256, 128},
      // 4 x 56 = 224 tiles need 2 waves; within 264, 4 x 64 = 256 at bn = 112.
      {"DG-M-1x1024x7168x2048", 1024, 7168, 1, 256, 112},
      {"DG-M-2x512x7168x2048", 512, 7168, 2, 256, 112},
      {"DG-M-4x256x7168x2048", 256, 7168, 4, 256, 112},
  };
  for (const Choice& c : choices) {
    SCOPED_TRACE(c.row);
    const Tiles t = TilesOf(static_cast<double>(c.m), c.n, c.groups, kDeepGemm, kH800Sms);
    EXPECT_EQ(t.block_m, c.block_m);
    EXPECT_EQ(t.block_n, c.block_n);
    EXPECT_EQ(t.count, (c.m + c.block_m - 1) / c.block_m * ((c.n + c.block_n - 1) / c.block_n));
  }
}

TEST(TilesTest, DeepGemmContiguousLayout) {
  // The contiguous layout's block_m is 128 and its M all groups' rows: for
  // DG-C-4x8192x7168x2048, 256 row tiles x ceil(7168 / 160) = 11520 tiles, 88
  // waves (128 columns: 14336, 109); DG-C-4x8192x4096x7168, 256 x 26 = 6656,
  // 51 waves.
  constexpr GemmKernels contiguous(
      GemmTileRule::kDeepGemmMinWaves, {128},
      {16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128, 144, 160}, 128);
  const Tiles a = TilesOf(4 * 8192, 7168, 1, contiguous, kH800Sms);
  EXPECT_EQ(a.block_m, 128);
  EXPECT_EQ(a.block_n, 160);
  EXPECT_EQ(a.count, 11520);
  const Tiles b = TilesOf(4 * 8192, 4096, 1, contiguous, kH800Sms);
  EXPECT_EQ(b.block_n, 160);
  EXPECT_EQ(b.count, 6656);
  // The model's grouped GEMM takes the masked layout's pick for prefill too
  // (256 x 128: 7168 tiles, 55 waves): the SMs are held for the same tensor
  // work, 88 x 128 x 160 = 55 x 256 x 128 per SM.
  const Tiles masked = TilesOf(8192, 7168, 4, kDeepGemm, kH800Sms);
  EXPECT_EQ(masked.block_m, 256);
  EXPECT_EQ(masked.block_n, 128);
  EXPECT_EQ(88 * 128 * 160, (masked.count * 4 + kH800Sms - 1) / kH800Sms * 256 * 128);
}

TEST(TilesTest, SearchAgreesWithTheScan) {
  // Every rows x n x groups x SMs of a grid, DeepGEMM's lists and others
  // (a non-power-of-two block_m, no short-side limit, cuBLAS's few tiles).
  const std::vector<GemmKernels> libs = {
      kDeepGemm,
      GemmKernels(GemmTileRule::kDeepGemmMinWaves, {64, 128, 256}, {64, 128, 256}, 128),
      GemmKernels(GemmTileRule::kDeepGemmMinWaves, {32, 96, 192}, {8, 16, 48, 100, 256}),
      GemmKernels(GemmTileRule::kDeepGemmMinWaves, {1}, {1, 2, 3}),
  };
  const std::vector<int64_t> ns = {1,   7,    16,   64,   127,  128,  129,   256,   512,
                                   576, 1536, 2112, 4096, 4608, 7168, 24576, 32768, 129280};
  int64_t checked = 0;
  for (const GemmKernels& lib : libs) {
    for (const int64_t sms : {1, 78, 112, 132, 148}) {
      for (const int64_t groups : {1, 2, 3, 8, 128}) {
        for (const int64_t n : ns) {
          for (int64_t rows = 1; rows <= 4200; rows += rows < 300 ? 1 : 37) {
            const Tiles want = ScanTiles(rows, n, groups, lib, sms);
            const Tiles got = TilesOf(static_cast<double>(rows), n, groups, lib, sms);
            ASSERT_EQ(got.block_m, want.block_m)
                << rows << " x " << n << " x " << groups << " on " << sms;
            ASSERT_EQ(got.block_n, want.block_n)
                << rows << " x " << n << " x " << groups << " on " << sms;
            ASSERT_EQ(got.count, want.count);
            ++checked;
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 100000);
}

TEST(TilesTest, FixedTilesIgnoreTheShape) {
  const GemmKernels fixed;  // 64 rows for m <= 128, else 128, by 128
  EXPECT_EQ(TilesOf(128, 2112, 1, fixed, kH800Sms).block_m, 64);
  EXPECT_EQ(TilesOf(129, 2112, 1, fixed, kH800Sms).block_m, 128);
  EXPECT_EQ(TilesOf(129, 2112, 8, fixed, kH800Sms).block_n, 128);
  EXPECT_EQ(TilesOf(129, 2112, 8, fixed, kH800Sms).count, 2 * 17);
  // A fractional row count (a hottest expert's mean tokens) rounds up.
  EXPECT_EQ(TilesOf(64.5, 2112, 1, kDeepGemm, kH800Sms).block_n,
            TilesOf(65, 2112, 1, kDeepGemm, kH800Sms).block_n);
  EXPECT_EQ(TilesOf(0, 2112, 1, kDeepGemm, kH800Sms).count, 0);
}

// An H800 as hw/h800_sxm.textproto has it for GEMMs: DeepGEMM's tiles, the
// SMs' operand feed, the GEMM class's fractions.
HardwareSpec H800Gemms() {
  HardwareSpec h;
  h.fp8_dense = TeraflopsPerSecond(1979);
  h.bf16_dense = TeraflopsPerSecond(989);
  h.hbm_bandwidth = TerabytesPerSecond(3.35);
  h.sm_count = kH800Sms;
  h.gemm_kernels =
      GemmKernels(GemmTileRule::kDeepGemmMinWaves, {64, 128, 256},
                  {16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120, 128, 144, 160}, 128,
                  GigabytesPerSecond(74));
  h.efficiency[static_cast<std::size_t>(OpClass::kGemm)] = {.compute = 0.79, .memory = 0.76};
  return h;
}

TEST(GemmTest, NarrowTilesWaitForTheirOperands) {
  // DG-D-64x2112x7168: 132 tiles of 64 x 16, one per SM. Each takes in its A
  // rows (64 x 7168 FP8 and their scales) and B columns (16 x 7168 and
  // scales): 0.573 MB at 74 GB/s, 7.75 us, above the tensor cores' 0.17 us
  // and HBM's 15.6 MB at 0.76 x 3.35 TB/s, 6.13 us.
  const HardwareSpec h = H800Gemms();
  const OpCost c = Gemm({.m = 64, .n = 2112, .k = 7168}, GemmTypes::Fp8(), h);
  EXPECT_EQ(c.bound, Bound::kSmFeed);
  const double per_sm = (64 * (1 + 4.0 / 128) + 16 * (1 + 4.0 / (128 * 128))) * 7168;
  const double written = 64.0 * 2112 * 2;
  EXPECT_NEAR(ToSeconds(c.kernel_time), per_sm / 74e9 + written / (0.76 * 3.35e12), 1e-12);
  // Without the feed bound the same tiles cost only their HBM traffic.
  HardwareSpec unfed = h;
  unfed.gemm_kernels = kDeepGemm;
  EXPECT_EQ(Gemm({.m = 64, .n = 2112, .k = 7168}, GemmTypes::Fp8(), unfed).bound, Bound::kMemory);
  // BF16 math runs the other library: here the default fixed 64 x 128 tiles,
  // 17 of them, one wave of held SMs at the BF16 peak.
  const OpCost b = Gemm({.m = 64, .n = 2112, .k = 7168}, GemmTypes::Bf16(), h);
  EXPECT_EQ(b.bound, Bound::kCompute);
  EXPECT_NEAR(ToSeconds(b.kernel_time),
              2.0 * 7168 * 64 * 128 * 132 / (989e12 * 0.79) + written / (0.76 * 3.35e12), 1e-12);
}

TEST(GemmTest, WavesNeverFallAsRowsGrow) {
  // Every pair's tiles grow with the rows, so the fewest waves do too.
  for (const int64_t n : {2112, 4096, 4608, 7168, 24576}) {
    int64_t last = 0;
    for (int64_t m = 1; m <= 2048; ++m) {
      const Tiles t = TilesOf(static_cast<double>(m), n, 1, kDeepGemm, kH800Sms);
      const int64_t waves = (t.count + kH800Sms - 1) / kH800Sms;
      EXPECT_GE(waves, last) << m << " x " << n;
      last = waves;
    }
  }
}

TEST(GemmTest, TimeMonotoneInRowsWhileTheTileStays) {
  // With one tile, more rows never cost less. Where DeepGEMM switches tiles
  // the time may fall: its rule counts waves and tiles, not the operands a
  // tile takes in. At N = 2112 (q_a_kv_a), m = 320 gets 128 x 48 tiles (3 x
  // 44 = 132) and m = 321 gets 64 x 96 (6 x 22 = 132): one wave each, but an
  // SM takes in (128 + 48) x 7168 operand elements instead of (64 + 96) x 7168.
  const HardwareSpec h = H800Gemms();
  for (const int64_t n : {2112, 4096, 4608, 7168, 24576, 32768}) {
    Duration last;
    Tiles last_tiles;
    int64_t switches_down = 0;
    for (int64_t m = 1; m <= 1024; ++m) {
      const Tiles t = TilesOf(static_cast<double>(m), n, 1, h.gemm_kernels, h.sm_count);
      const Duration d = Gemm({.m = m, .n = n, .k = 7168}, GemmTypes::Fp8(), h).kernel_time;
      if (t.block_m == last_tiles.block_m && t.block_n == last_tiles.block_n) {
        EXPECT_GE(d, last) << m << " x " << n;
      } else if (d < last) {
        ++switches_down;
      }
      last = d;
      last_tiles = t;
    }
    if (n == 2112) {
      EXPECT_GT(switches_down, 0);
    }
  }
  const Tiles at320 = TilesOf(320, 2112, 1, h.gemm_kernels, h.sm_count);
  const Tiles at321 = TilesOf(321, 2112, 1, h.gemm_kernels, h.sm_count);
  EXPECT_EQ(at320.block_m, 128);
  EXPECT_EQ(at320.block_n, 48);
  EXPECT_EQ(at321.block_m, 64);
  EXPECT_EQ(at321.block_n, 96);
  EXPECT_LT(Gemm({.m = 321, .n = 2112, .k = 7168}, GemmTypes::Fp8(), h).kernel_time,
            Gemm({.m = 320, .n = 2112, .k = 7168}, GemmTypes::Fp8(), h).kernel_time);
}

TEST(GroupedGemmTest, TilesForWholeActiveExperts) {
  // 3.2 active experts of 20 rows: the rule sees 4 experts of 20 rows; the
  // tiles are 3.2 experts' worth, rounded up. DeepGEMM, N = 4096: one row of
  // 64 per expert, 4 x ceil(4096 / bn) <= 132 from bn = 128 (4 x 32).
  const HardwareSpec h = H800Gemms();
  const Tiles t = TilesOf(20, 4096, 4, h.gemm_kernels, h.sm_count);
  EXPECT_EQ(t.block_m, 64);
  EXPECT_EQ(t.block_n, 128);
  EXPECT_EQ(t.count, 32);
  HardwareSpec grouped = h;
  grouped.efficiency[static_cast<std::size_t>(OpClass::kGroupedGemm)] = {.compute = 1, .memory = 1};
  grouped.gemm_kernels = kDeepGemm;  // no feed bound: the tensor work shows
  grouped.hbm_bandwidth = TerabytesPerSecond(1000);
  const OpCost c = GroupedGemm(20, 3.2, 4096, 7168, GemmTypes::Fp8(), grouped);
  // ceil(3.2 x 32) = 103 tiles: one wave of 132 SMs held, then the writes.
  EXPECT_EQ(c.bound, Bound::kCompute);
  EXPECT_NEAR(ToSeconds(c.kernel_time),
              2.0 * 7168 * 64 * 128 * 132 / 1979e12 + 3.2 * 20 * 4096 * 2 / 1000e12, 1e-15);
}

TEST(NormalSfTest, MatchesErfc) {
  for (double z = -6.0; z <= 6.0; z += 0.125) {
    EXPECT_NEAR(cmath::NormalSf(z), 0.5 * std::erfc(z / std::sqrt(2.0)), 1e-7) << z;
  }
}

// The waves a grouped GEMM holds when its experts' rows vary: a seeded
// sampler of the kernel itself (each expert's rows drawn, its row tiles
// counted, all experts' tiles put in waves over the SMs) against
// ExpectedHeldWaves(), within 4 standard errors of the sample mean.
double SampledWaves(double mean, double sd, int experts, const Tiles& one, int64_t n, int64_t sms,
                    int trials, double* stderr_out) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> rows(mean, sd);
  const int64_t cols = (n + one.block_n - 1) / one.block_n;
  double sum = 0.0, sum2 = 0.0;
  for (int i = 0; i < trials; ++i) {
    int64_t row_tiles = 0;
    for (int e = 0; e < experts; ++e) {
      const int64_t m = std::max<int64_t>(1, std::llround(rows(rng)));
      row_tiles += (m + one.block_m - 1) / one.block_m;
    }
    const int64_t tiles = row_tiles * cols;
    const double w = static_cast<double>(tiles <= sms ? 1 : (tiles + sms - 1) / sms);
    sum += w;
    sum2 += w * w;
  }
  const double m = sum / trials;
  *stderr_out = std::sqrt(std::max(0.0, sum2 / trials - m * m) / trials);
  return m;
}

TEST(GroupedGemmTest, ExpectedWavesAgainstASampler) {
  const HardwareSpec h = H800Gemms();
  struct Case {
    double mean;
    int experts;
    int64_t n;
  };
  // Decode near DeepGEMM's 256-row tile (4 experts a rank: EP 64), a wider
  // rank (EP 8: 32 experts), and prefill-sized rows.
  for (const Case& c :
       {Case{240, 4, 4096}, Case{252, 4, 4096}, Case{262, 4, 7168}, Case{120, 32, 4096},
        Case{130, 32, 7168}, Case{2000, 32, 4096}, Case{9000, 8, 7168}}) {
    SCOPED_TRACE(testing::Message() << "mean " << c.mean << ", experts " << c.experts);
    const double sd = std::sqrt(c.mean * (1.0 - 1.0 / c.experts));
    const Tiles one = TilesOf(c.mean, c.n, c.experts, h.gemm_kernels, h.sm_count);
    const int64_t cols = (c.n + one.block_n - 1) / one.block_n;
    const int64_t whole = static_cast<int64_t>(std::ceil(c.mean));
    const int64_t tiles = (whole + one.block_m - 1) / one.block_m * cols * c.experts;
    const int64_t deterministic = tiles <= h.sm_count ? 1 : (tiles + h.sm_count - 1) / h.sm_count;
    double se = 0.0;
    const double sampled = SampledWaves(c.mean, sd, c.experts, one, c.n, h.sm_count, 20000, &se);
    const double expected =
        ops_internal::ExpectedHeldWaves(c.mean, sd, c.experts, one, c.n, deterministic, h);
    // The normal sum of the row tiles is an approximation: a hundredth of a
    // wave besides the sampler's error.
    EXPECT_NEAR(expected, sampled, 4.0 * se + 0.01 * sampled);
    // No spread: the rows' mean alone.
    EXPECT_EQ(ops_internal::ExpectedHeldWaves(c.mean, 0.0, c.experts, one, c.n, deterministic, h),
              static_cast<double>(deterministic));
  }
}

TEST(GroupedGemmTest, NoisyRowsSmoothTheTileBoundary) {
  // With the rows' spread the grouped GEMM's time rises through a tile
  // boundary over a few standard deviations instead of jumping at it, never
  // falls as the mean grows, and meets the deterministic cost away from it.
  const HardwareSpec h = H800Gemms();
  double last = 0.0, largest_step = 0.0;
  const Tiles chosen = TilesOf(200, 4096, 4, h.gemm_kernels, h.sm_count);
  for (double m = 200; m <= 256; m += 1) {
    // The tile is chosen for the mean; up to 256 rows it is the same one.
    ASSERT_EQ(TilesOf(m, 4096, 4, h.gemm_kernels, h.sm_count).block_m, chosen.block_m);
    const double sd = std::sqrt(m * 0.75);
    const double t =
        ToMicroseconds(GroupedGemm(m, 4, 4096, 7168, GemmTypes::Fp8(), h, sd).kernel_time);
    if (last > 0.0) {
      EXPECT_GE(t, last - 1e-9) << m;
      largest_step = std::max(largest_step, t - last);
    }
    last = t;
  }
  const double deterministic_jump =
      ToMicroseconds(GroupedGemm(257, 4, 4096, 7168, GemmTypes::Fp8(), h).kernel_time) -
      ToMicroseconds(GroupedGemm(256, 4, 4096, 7168, GemmTypes::Fp8(), h).kernel_time);
  EXPECT_GT(deterministic_jump, 10.0);  // a second wave of 256 x 128 tiles
  EXPECT_LT(largest_step, deterministic_jump / 4);
  EXPECT_EQ(GroupedGemm(150, 4, 4096, 7168, GemmTypes::Fp8(), h, std::sqrt(150 * 0.75)).kernel_time,
            GroupedGemm(150, 4, 4096, 7168, GemmTypes::Fp8(), h).kernel_time);
}

}  // namespace
}  // namespace perfmodel
