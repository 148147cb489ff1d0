#include "measure/cpu_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace perfmodel::bench {
namespace {

// One SSE register of 4 floats (the x86-64 baseline); wider targets split or
// widen it as they see fit.
using v4sf = float __attribute__((vector_size(16)));

inline v4sf Load(const float* p) {
  v4sf v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline void Store(float* p, v4sf v) { std::memcpy(p, &v, sizeof(v)); }
inline v4sf Splat(float x) { return v4sf{x, x, x, x}; }
inline float Sum(v4sf v) { return (v[0] + v[1]) + (v[2] + v[3]); }

// MicroKernel<MR, NP>() updates an MR x (8 NP) tile of c with a[MR, kc] .
// b[kc, 8 NP]: row kk of panel p starts at b + p * panel_stride + kk * ldb.
// It keeps MR x 2NP registers of accumulators (8 for every instance used here,
// enough independent add chains to cover the adder latency) and loads or
// zeroes the tile first.
//
// With a non-null `prefetch`, it also asks for the line at prefetch + kk * ldb
// on every other step, so that the next panels stream in from DRAM while this
// tile computes on panels that are already in L1.
template <int MR, int NP>
inline void MicroKernel(const float* __restrict a, int64_t lda, const float* __restrict b,
                        int64_t ldb, int64_t panel_stride, float* __restrict c, int64_t ldc,
                        int64_t kc, bool accumulate, const float* prefetch) {
  v4sf acc[MR][2 * NP];
#pragma GCC unroll 4
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 8
    for (int j = 0; j < 2 * NP; ++j) {
      acc[i][j] = accumulate ? Load(c + i * ldc + 4 * j) : Splat(0.0f);
    }
  }
  for (int64_t kk = 0; kk < kc; ++kk) {
    if (prefetch != nullptr && kk % 2 == 0) __builtin_prefetch(prefetch + kk * ldb);
    v4sf bv[2 * NP];
#pragma GCC unroll 4
    for (int p = 0; p < NP; ++p) {
      bv[2 * p] = Load(b + p * panel_stride + kk * ldb);
      bv[2 * p + 1] = Load(b + p * panel_stride + kk * ldb + 4);
    }
#pragma GCC unroll 4
    for (int i = 0; i < MR; ++i) {
      const v4sf av = Splat(a[i * lda + kk]);
#pragma GCC unroll 8
      for (int j = 0; j < 2 * NP; ++j) acc[i][j] += av * bv[j];
    }
  }
#pragma GCC unroll 4
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 8
    for (int j = 0; j < 2 * NP; ++j) Store(c + i * ldc + 4 * j, acc[i][j]);
  }
}

// Tile() updates rows x (8 np) of c for 1 <= rows <= 4 and 1 <= np <= 4,
// picking micro-kernels that keep 8 accumulators busy.
// `prefetch`, when not null, is where the panels after these start; each
// micro-kernel prefetches the panel `np` ahead of its own.
inline void Tile(int rows, int np, const float* a, int64_t lda, const float* b, int64_t ldb,
                 int64_t panel_stride, float* c, int64_t ldc, int64_t kc, bool accumulate,
                 const float* prefetch) {
  int p = 0;
  auto each = [&](auto kernel, int width) {
    for (; p + width <= np; p += width) {
      kernel(a, lda, b + p * panel_stride, ldb, panel_stride, c + p * kPanelWidth, ldc, kc,
             accumulate, prefetch == nullptr ? nullptr : prefetch + p * panel_stride);
    }
  };
  switch (rows) {
    case 4: each(MicroKernel<4, 1>, 1); break;
    case 3: each(MicroKernel<3, 1>, 1); break;
    case 2:
      each(MicroKernel<2, 2>, 2);
      each(MicroKernel<2, 1>, 1);
      break;
    default:
      each(MicroKernel<1, 4>, 4);
      each(MicroKernel<1, 2>, 2);
      each(MicroKernel<1, 1>, 1);
      break;
  }
}

// Cache blocking: a KC-deep slice of four panels (32 KiB) stays in L1 while
// every row of an MC-row block of a (128 KiB at KC = 256) streams from L2.
constexpr int64_t kKc = 256;
constexpr int64_t kMc = 128;
constexpr int kPanelGroup = 4;
constexpr int kRowGroup = 4;

// ScoreTile<RB, LB>() sets s[r, l] = scale * q[r] . kv[l] for an RB x LB block,
// one 4-float accumulator per pair (8 in all), summed across lanes at the end.
template <int RB, int LB>
inline void ScoreTile(const float* __restrict q, const float* __restrict kv, int64_t dk,
                      float scale, float* __restrict s, int64_t lds) {
  v4sf acc[RB][LB];
#pragma GCC unroll 8
  for (int r = 0; r < RB; ++r) {
#pragma GCC unroll 8
    for (int l = 0; l < LB; ++l) acc[r][l] = Splat(0.0f);
  }
  for (int64_t d = 0; d < dk; d += 4) {
    v4sf kv_v[LB];
#pragma GCC unroll 8
    for (int l = 0; l < LB; ++l) kv_v[l] = Load(kv + l * dk + d);
#pragma GCC unroll 8
    for (int r = 0; r < RB; ++r) {
      const v4sf qv = Load(q + r * dk + d);
#pragma GCC unroll 8
      for (int l = 0; l < LB; ++l) acc[r][l] += qv * kv_v[l];
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < RB; ++r) {
#pragma GCC unroll 8
    for (int l = 0; l < LB; ++l) s[r * lds + l] = scale * Sum(acc[r][l]);
  }
}

// Scores() fills s[rows, lc] for one KV chunk.
template <int RB, int LB>
void ScoresWith(const float* q, const float* kv, int64_t rows, int64_t lc, int64_t dk,
                float scale, float* s, int64_t lds) {
  int64_t r = 0;
  for (; r + RB <= rows; r += RB) {
    int64_t l = 0;
    for (; l + LB <= lc; l += LB) {
      ScoreTile<RB, LB>(q + r * dk, kv + l * dk, dk, scale, s + r * lds + l, lds);
    }
    for (; l < lc; ++l) ScoreTile<RB, 1>(q + r * dk, kv + l * dk, dk, scale, s + r * lds + l, lds);
  }
  for (; r < rows; ++r) {
    int64_t l = 0;
    for (; l + 8 <= lc; l += 8) {
      ScoreTile<1, 8>(q + r * dk, kv + l * dk, dk, scale, s + r * lds + l, lds);
    }
    for (; l < lc; ++l) ScoreTile<1, 1>(q + r * dk, kv + l * dk, dk, scale, s + r * lds + l, lds);
  }
}

constexpr int64_t kKvChunk = 64;

}  // namespace

void PackWeights(const float* b, int64_t k, int64_t n, float* packed) {
  for (int64_t p = 0; p < n / kPanelWidth; ++p) {
    for (int64_t kk = 0; kk < k; ++kk) {
      std::memcpy(packed + (p * k + kk) * kPanelWidth, b + kk * n + p * kPanelWidth,
                  kPanelWidth * sizeof(float));
    }
  }
}

void Gemm(const float* a, const float* packed_b, float* c, int64_t m, int64_t n, int64_t k) {
  const int64_t panels = n / kPanelWidth;
  const int64_t panel_stride = k * kPanelWidth;
  for (int64_t m0 = 0; m0 < m; m0 += kMc) {
    const int64_t mb = std::min(kMc, m - m0);
    for (int64_t k0 = 0; k0 < k; k0 += kKc) {
      const int64_t kc = std::min(kKc, k - k0);
      for (int64_t p0 = 0; p0 < panels; p0 += kPanelGroup) {
        const int np = static_cast<int>(std::min<int64_t>(kPanelGroup, panels - p0));
        const float* b = packed_b + p0 * panel_stride + k0 * kPanelWidth;
        // The first row group streams this panel group from memory; the second
        // (which finds it in L1) prefetches the next group's slice meanwhile.
        const float* next = p0 + kPanelGroup < panels ? b + kPanelGroup * panel_stride : nullptr;
        for (int64_t i = m0; i < m0 + mb; i += kRowGroup) {
          const int rows = static_cast<int>(std::min<int64_t>(kRowGroup, m0 + mb - i));
          Tile(rows, np, a + i * k + k0, k, b, kPanelWidth, panel_stride,
               c + i * n + p0 * kPanelWidth, n, kc, k0 > 0, i == m0 + kRowGroup ? next : nullptr);
        }
      }
    }
  }
}

void GroupedGemm(const float* a, const float* packed_b, float* c, int64_t groups, int64_t m,
                 int64_t n, int64_t k) {
  for (int64_t g = 0; g < groups; ++g) {
    Gemm(a + g * m * k, packed_b + g * k * n, c + g * m * n, m, n, k);
  }
}

int64_t AttentionScratchFloats(const AttentionShape& shape) {
  return shape.rows * kKvChunk + 2 * shape.rows;
}

void MlaDecodeAttention(const float* q, const float* kv, float* out, float* scratch,
                        const AttentionShape& shape) {
  const int64_t rows = shape.rows;
  const int64_t dk = shape.head_dim;
  const int64_t dv = shape.v_head_dim;
  float* s = scratch;                       // rows x kKvChunk scores, then weights
  float* row_max = scratch + rows * kKvChunk;
  float* row_sum = row_max + rows;
  const float scale = 1.0f / std::sqrt(static_cast<float>(dk));
  for (int64_t r = 0; r < rows; ++r) {
    row_max[r] = -std::numeric_limits<float>::infinity();
    row_sum[r] = 0.0f;
  }
  std::fill(out, out + rows * dv, 0.0f);

  for (int64_t c0 = 0; c0 < shape.context; c0 += kKvChunk) {
    const int64_t lc = std::min(kKvChunk, shape.context - c0);
    const float* chunk = kv + c0 * dk;
    if (rows >= 4) {
      ScoresWith<4, 2>(q, chunk, rows, lc, dk, scale, s, kKvChunk);
    } else if (rows >= 2) {
      ScoresWith<2, 4>(q, chunk, rows, lc, dk, scale, s, kKvChunk);
    } else {
      ScoresWith<1, 8>(q, chunk, rows, lc, dk, scale, s, kKvChunk);
    }
    // Online softmax: rescale what was accumulated under an older maximum.
    for (int64_t r = 0; r < rows; ++r) {
      float* sr = s + r * kKvChunk;
      float mx = row_max[r];
      for (int64_t l = 0; l < lc; ++l) mx = std::max(mx, sr[l]);
      const float rescale = std::exp(row_max[r] - mx);  // exp(-inf) == 0 on the first chunk
      float sum = row_sum[r] * rescale;
      for (int64_t l = 0; l < lc; ++l) {
        sr[l] = std::exp(sr[l] - mx);
        sum += sr[l];
      }
      row_max[r] = mx;
      row_sum[r] = sum;
      if (rescale != 1.0f) {
        const v4sf rv = Splat(rescale);
        float* o = out + r * dv;
        for (int64_t d = 0; d < dv; d += 4) Store(o + d, Load(o + d) * rv);
      }
    }
    // out[rows, dv] += p[rows, lc] . v[lc, dv], v being the chunk's first dv columns.
    for (int64_t i = 0; i < rows; i += kRowGroup) {
      const int rws = static_cast<int>(std::min<int64_t>(kRowGroup, rows - i));
      for (int64_t d0 = 0; d0 < dv; d0 += kPanelGroup * kPanelWidth) {
        const int np = static_cast<int>(
            std::min<int64_t>(kPanelGroup, (dv - d0) / kPanelWidth));
        Tile(rws, np, s + i * kKvChunk, kKvChunk, chunk + d0, dk, kPanelWidth, out + i * dv + d0,
             dv, lc, /*accumulate=*/true, /*prefetch=*/nullptr);
      }
    }
  }
  for (int64_t r = 0; r < rows; ++r) {
    const v4sf inv = Splat(1.0f / row_sum[r]);
    float* o = out + r * dv;
    for (int64_t d = 0; d < dv; d += 4) Store(o + d, Load(o + d) * inv);
  }
}

float ReadSum(const float* x, int64_t n) {
  // Four streams, two registers each: one sequential stream leaves the
  // prefetchers short of what a core can pull (about 20% here).
  const int64_t quarter = n / 4;
  v4sf acc[8];
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) acc[j] = Splat(0.0f);
  for (int64_t i = 0; i < quarter; i += 8) {
#pragma GCC unroll 4
    for (int s = 0; s < 4; ++s) {
      acc[2 * s] += Load(x + s * quarter + i);
      acc[2 * s + 1] += Load(x + s * quarter + i + 4);
    }
  }
  v4sf total = Splat(0.0f);
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) total += acc[j];
  return Sum(total);
}

void Triad(float* a, const float* b, const float* c, float s, int64_t n) {
  const v4sf sv = Splat(s);
  for (int64_t i = 0; i < n; i += 4) Store(a + i, Load(b + i) + sv * Load(c + i));
}

float PeakMulAdd(int64_t loops, float x, float y) {
  v4sf v[kPeakChains];
#pragma GCC unroll 16
  for (int j = 0; j < kPeakChains; ++j) v[j] = Splat(1.0f + static_cast<float>(j));
  const v4sf xv = Splat(x);
  const v4sf yv = Splat(y);
  for (int64_t l = 0; l < loops; ++l) {
#pragma GCC unroll 16
    for (int j = 0; j < kPeakChains; ++j) v[j] = v[j] * xv + yv;
  }
  v4sf total = Splat(0.0f);
#pragma GCC unroll 16
  for (int j = 0; j < kPeakChains; ++j) total += v[j];
  return Sum(total);
}

}  // namespace perfmodel::bench
