// Tests for base/stats.h: Median() and Quantile() on odd, even, single and
// empty inputs, and that they leave the caller's values alone.

#include "base/stats.h"

#include <vector>

#include "gtest/gtest.h"

namespace perfmodel {
namespace {

TEST(MedianTest, OddCountIsTheMiddleValue) {
  EXPECT_EQ(Median(std::vector<double>{3, 1, 2}), 2.0);
  EXPECT_EQ(Median(std::vector<double>{130, 70, 100}), 100.0);
  EXPECT_EQ(Median(std::vector<double>{5}), 5.0);
}

TEST(MedianTest, EvenCountIsTheMeanOfTheMiddleTwo) {
  EXPECT_EQ(Median(std::vector<double>{4, 1, 3, 2}), 2.5);
  EXPECT_EQ(Median(std::vector<double>{14, 10}), 12.0);
}

TEST(MedianTest, EmptyIsZero) { EXPECT_EQ(Median(std::vector<double>{}), 0.0); }

TEST(MedianTest, SortsACopy) {
  const std::vector<double> v = {3, 1, 2};
  EXPECT_EQ(Median(v), 2.0);
  EXPECT_EQ(v, (std::vector<double>{3, 1, 2}));
}

TEST(QuantileTest, IsTheValueAtFloorQTimesN) {
  const std::vector<double> v = {4, 1, 3, 2};
  EXPECT_EQ(Quantile(v, 0.0), 1.0);
  EXPECT_EQ(Quantile(v, 0.25), 2.0);
  EXPECT_EQ(Quantile(v, 0.5), 3.0);  // the upper middle value, not 2.5
  EXPECT_EQ(Quantile(v, 0.74), 3.0);
  EXPECT_EQ(Quantile(v, 0.75), 4.0);
  EXPECT_EQ(Quantile(std::vector<double>{3, 1, 2}, 0.5), 2.0);  // odd: the median
}

TEST(QuantileTest, ClampsQAndTheIndex) {
  const std::vector<double> v = {4, 1, 3, 2};
  EXPECT_EQ(Quantile(v, 1.0), 4.0);
  EXPECT_EQ(Quantile(v, 7.0), 4.0);
  EXPECT_EQ(Quantile(v, -1.0), 1.0);
  EXPECT_EQ(Quantile(std::vector<double>{}, 0.5), 0.0);
}

}  // namespace
}  // namespace perfmodel
