// Tests for measure/bench_compare.h on two fixtures: the old file has
// iteration rows, the new one aggregates only, so both reductions meet.

#include "measure/bench_compare.h"

#include <cmath>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "perfmodel/testing/matchers.h"

namespace perfmodel::bench {
namespace {

using ::perfmodel::testing::IsOk;
using ::testing::HasSubstr;

class BenchCompareTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<BenchmarkFile> o = ReadBenchmarkJson("measure/testdata/compare_old.json");
    absl::StatusOr<BenchmarkFile> n = ReadBenchmarkJson("measure/testdata/compare_new.json");
    ASSERT_THAT(o, IsOk());
    ASSERT_THAT(n, IsOk());
    old_ = *o;
    new_ = *n;
  }
  std::map<std::string, ComparisonRow> Rows(const CompareOptions& options) {
    std::map<std::string, ComparisonRow> out;
    for (const ComparisonRow& r : CompareBenchmarks(old_, new_, options)) out[r.name] = r;
    return out;
  }
  BenchmarkFile old_, new_;
};

TEST_F(BenchCompareTest, VerdictsFollowTheRule) {
  const CompareOptions options;  // threshold 0.05, k 3
  std::map<std::string, ComparisonRow> rows = Rows(options);
  ASSERT_EQ(rows.size(), 7u);

  // slower: 100/101/99 us (MAD 1) -> median 0.120 ms, stddev 0.001 ms.
  const ComparisonRow& slower = rows["slower"];
  EXPECT_DOUBLE_EQ(slower.ratio, 120.0 / 100.0);
  const double noise = std::hypot(1.4826 / 100.0, 1.0 / 120.0);
  EXPECT_NEAR(slower.noise, noise, 1e-12);
  EXPECT_NEAR(slower.bound, std::max(0.05, 3 * noise), 1e-12);
  EXPECT_EQ(slower.verdict, Verdict::kRegression);

  // noisy: the same 1.2x, but a 44% spread on the old side hides it.
  EXPECT_DOUBLE_EQ(rows["noisy"].ratio, 1.2);
  EXPECT_GT(rows["noisy"].bound, 0.2);
  EXPECT_EQ(rows["noisy"].verdict, Verdict::kSame);

  EXPECT_DOUBLE_EQ(rows["faster"].ratio, 150.0 / 200.0);
  EXPECT_EQ(rows["faster"].verdict, Verdict::kImprovement);
  EXPECT_DOUBLE_EQ(rows["steady"].ratio, 51.0 / 50.0);  // inside the 5% threshold
  EXPECT_EQ(rows["steady"].verdict, Verdict::kSame);
  EXPECT_EQ(rows["gone"].verdict, Verdict::kOnlyOld);
  EXPECT_EQ(rows["fresh"].verdict, Verdict::kOnlyNew);
  EXPECT_EQ(rows["broken"].verdict, Verdict::kError);
  EXPECT_EQ(rows["broken"].note, "new: could not run");
}

TEST_F(BenchCompareTest, ThresholdAndKMoveTheLine) {
  CompareOptions loose;
  loose.threshold = 0.25;  // 1.2x is now inside it
  EXPECT_EQ(Rows(loose)["slower"].verdict, Verdict::kSame);
  EXPECT_FALSE(AnyRegression(CompareBenchmarks(old_, new_, loose)));

  CompareOptions trusting;
  trusting.noise_k = 0.1;  // spreads hardly matter: noisy's 1.2x counts
  EXPECT_EQ(Rows(trusting)["noisy"].verdict, Verdict::kRegression);
}

TEST_F(BenchCompareTest, ClockCanBeForced) {
  // The fixtures' cpu_time is half their real_time on both sides: same ratios.
  CompareOptions cpu;
  cpu.clock = TimeKind::kCpu;
  std::map<std::string, ComparisonRow> rows = Rows(cpu);
  EXPECT_DOUBLE_EQ(rows["slower"].ratio, 1.2);
  EXPECT_EQ(rows["slower"].old_median, Microseconds(50));
}

TEST(CompareClockTest, NamesAndTheirClocks) {
  EXPECT_EQ(CompareClockName(CompareClock::kCpu), "cpu");
  EXPECT_EQ(ClockTime(CompareClock::kCpu), TimeKind::kCpu);
  EXPECT_EQ(ClockTime(CompareClock::kReal), TimeKind::kReal);
  EXPECT_EQ(ClockTime(CompareClock::kAuto), std::nullopt);
}

}  // namespace
}  // namespace perfmodel::bench
