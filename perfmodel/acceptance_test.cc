#include "perfmodel/acceptance.h"

#include "gtest/gtest.h"

namespace perfmodel {
namespace {

// E[tokens] = 1 + Σ_k Π_{j<=k} p_j, written out by hand for three positions.
TEST(MtpAcceptance, ExpectedTokensIsTheSumOfPrefixProducts) {
  constexpr MtpAcceptance a = MtpAcceptance::Of({0.9, 0.7, 0.5});
  EXPECT_DOUBLE_EQ(a.ExpectedTokens(0), 1.0);
  EXPECT_DOUBLE_EQ(a.ExpectedTokens(1), 1.0 + 0.9);
  EXPECT_DOUBLE_EQ(a.ExpectedTokens(2), 1.0 + 0.9 + 0.9 * 0.7);
  EXPECT_DOUBLE_EQ(a.ExpectedTokens(3), 1.0 + 0.9 + 0.9 * 0.7 + 0.9 * 0.7 * 0.5);
  static_assert(MtpAcceptance::Of({0.5}).ExpectedTokens(1) == 1.5);
}

// The seed's measured 2.3 tokens per step at 2 drafts is what the default
// search's p1 = 0.85 (DeepSeek-V3 report) and p2 = 0.53 reproduce.
TEST(MtpAcceptance, DefaultRatesReproduceTheSeedsAcceptance) {
  constexpr MtpAcceptance a = MtpAcceptance::Of({0.85, 0.53});
  EXPECT_NEAR(a.ExpectedTokens(2), 2.3, 0.001);
}

TEST(MtpAcceptance, MoreDraftsNeverLowerTheExpectationAndAddLessEachTime) {
  const MtpAcceptance a = MtpAcceptance::Of({0.9, 0.8, 0.8, 0.6});
  for (int64_t d = 1; d <= 4; ++d) {
    EXPECT_GE(a.ExpectedTokens(d), a.ExpectedTokens(d - 1));
    if (d >= 2) {
      EXPECT_LE(a.ExpectedTokens(d) - a.ExpectedTokens(d - 1),
                a.ExpectedTokens(d - 1) - a.ExpectedTokens(d - 2));
    }
  }
}

// Certain acceptance emits every draft; none emits only the verified token;
// positions beyond the described ones add nothing.
TEST(MtpAcceptance, Limits) {
  EXPECT_DOUBLE_EQ(MtpAcceptance::Of({1.0, 1.0, 1.0}).ExpectedTokens(3), 4.0);
  EXPECT_DOUBLE_EQ(MtpAcceptance::Of({0.0, 1.0}).ExpectedTokens(2), 1.0);
  EXPECT_DOUBLE_EQ(MtpAcceptance::Of({0.5}).ExpectedTokens(3), 1.5);
}

}  // namespace
}  // namespace perfmodel
