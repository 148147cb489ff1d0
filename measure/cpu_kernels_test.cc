// Tests for measure/cpu_kernels.h: each kernel against a plain loop, on
// shapes that hit every remainder path (rows 1..5, panel groups of 1..4,
// KV chunks that do not divide the context).

#include "measure/cpu_kernels.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace perfmodel::bench {
namespace {

std::vector<float> Values(int64_t n, int seed) {
  std::vector<float> v(static_cast<std::size_t>(n));
  uint32_t s = 2463534242u + static_cast<uint32_t>(seed);
  for (float& x : v) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    x = static_cast<float>(s % 2001) / 1000.0f - 1.0f;
  }
  return v;
}

class GemmTest : public ::testing::TestWithParam<std::tuple<int, int, int>> {};

TEST_P(GemmTest, MatchesPlainLoop) {
  const auto [m, n, k] = GetParam();
  const std::vector<float> a = Values(int64_t{m} * k, 1), b = Values(int64_t{k} * n, 2);
  std::vector<float> packed(b.size()), c(static_cast<std::size_t>(m * n), 7.0f);
  PackWeights(b.data(), k, n, packed.data());
  Gemm(a.data(), packed.data(), c.data(), m, n, k);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      double want = 0;
      for (int kk = 0; kk < k; ++kk) want += double{a[i * k + kk]} * b[kk * n + j];
      ASSERT_NEAR(c[i * n + j], want, 1e-4 * k) << "row " << i << " col " << j;
    }
  }
}

// k = 300 crosses the 256-deep K block; m = 130 the 128-row M block; n = 40 and
// 56 leave one and three panels after groups of four.
INSTANTIATE_TEST_SUITE_P(Shapes, GemmTest,
                         ::testing::Values(std::make_tuple(1, 40, 300), std::make_tuple(2, 56, 17),
                                           std::make_tuple(3, 8, 5), std::make_tuple(5, 24, 64),
                                           std::make_tuple(130, 16, 300),
                                           std::make_tuple(7, 64, 256)));

TEST(GroupedGemmTest, EachGroupUsesItsOwnWeights) {
  const int g = 3, m = 2, n = 16, k = 9;
  const std::vector<float> a = Values(g * m * k, 3), b = Values(g * k * n, 4);
  std::vector<float> packed(b.size()), c(static_cast<std::size_t>(g * m * n));
  for (int e = 0; e < g; ++e) PackWeights(b.data() + e * k * n, k, n, packed.data() + e * k * n);
  GroupedGemm(a.data(), packed.data(), c.data(), g, m, n, k);
  for (int e = 0; e < g; ++e) {
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < n; ++j) {
        double want = 0;
        for (int kk = 0; kk < k; ++kk) {
          want += double{a[(e * m + i) * k + kk]} * b[e * k * n + kk * n + j];
        }
        ASSERT_NEAR(c[(e * m + i) * n + j], want, 1e-4) << e << " " << i << " " << j;
      }
    }
  }
}

class AttentionTest : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(AttentionTest, MatchesTwoPassSoftmax) {
  const auto [rows, context] = GetParam();
  const AttentionShape shape{rows, context, 40, 24};
  const std::vector<float> q = Values(rows * shape.head_dim, 5);
  std::vector<float> kv = Values(context * shape.head_dim, 6);
  // A late, large key forces the online softmax to rescale earlier chunks.
  for (int d = 0; d < shape.head_dim; ++d) kv[(context - 1) * shape.head_dim + d] *= 4.0f;
  std::vector<float> out(static_cast<std::size_t>(rows * shape.v_head_dim));
  std::vector<float> scratch(static_cast<std::size_t>(AttentionScratchFloats(shape)));
  MlaDecodeAttention(q.data(), kv.data(), out.data(), scratch.data(), shape);
  const double scale = 1.0 / std::sqrt(double{40});
  for (int r = 0; r < rows; ++r) {
    std::vector<double> s(static_cast<std::size_t>(context));
    double mx = -1e300, sum = 0;
    for (int l = 0; l < context; ++l) {
      double dot = 0;
      for (int d = 0; d < shape.head_dim; ++d) {
        dot += double{q[r * shape.head_dim + d]} * kv[l * shape.head_dim + d];
      }
      s[l] = dot * scale;
      mx = std::max(mx, s[l]);
    }
    for (double& x : s) sum += (x = std::exp(x - mx));
    for (int d = 0; d < shape.v_head_dim; ++d) {
      double want = 0;
      for (int l = 0; l < context; ++l) want += s[l] * kv[l * shape.head_dim + d];
      ASSERT_NEAR(out[r * shape.v_head_dim + d], want / sum, 1e-4) << "row " << r << " d " << d;
    }
  }
}

// 150 tokens: two full 64-row chunks and a 22-row one; rows 1, 2, 5 and 16 take
// the 1x8, 2x4 and 4x2 score tiles and their remainders.
INSTANTIATE_TEST_SUITE_P(Shapes, AttentionTest,
                         ::testing::Values(std::make_tuple(1, 150), std::make_tuple(2, 64),
                                           std::make_tuple(5, 150), std::make_tuple(16, 129)));

TEST(MemoryKernelsTest, ReadSumAndTriad) {
  const std::vector<float> x = Values(96, 7);
  double want = 0;
  for (float v : x) want += v;
  EXPECT_NEAR(ReadSum(x.data(), 96), want, 1e-4);

  const std::vector<float> b = Values(12, 8), c = Values(12, 9);
  std::vector<float> a(12);
  Triad(a.data(), b.data(), c.data(), 0.5f, 12);
  for (int i = 0; i < 12; ++i) EXPECT_FLOAT_EQ(a[i], b[i] + 0.5f * c[i]);
}

TEST(PeakMulAddTest, IdentityKeepsTheStartingValues) {
  // Registers start at 1..n and x = 1, y = 0 leaves them there.
  const float n = kPeakChains, start = n * (n + 1) / 2;
  EXPECT_FLOAT_EQ(PeakMulAdd(1000, 1.0f, 0.0f), 4 * start);
  // One loop of v * 2 + 1.
  EXPECT_FLOAT_EQ(PeakMulAdd(1, 2.0f, 1.0f), 4 * (2 * start + n));
}

}  // namespace
}  // namespace perfmodel::bench
