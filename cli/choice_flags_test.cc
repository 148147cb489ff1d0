// Tests for cli/choice_flags.h: each library enum parses by its own name
// table, unparses to it, and an unknown name lists the known ones.

#include "cli/choice_flags.h"

#include <string>

#include "absl/flags/marshalling.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace perfmodel {
namespace {

// RoundTrips() holds that every enumerator parses from its name and unparses
// to it, through Abseil as a flag does.
template <typename Range, typename NameOf>
void RoundTrips(const Range& all, NameOf name_of) {
  for (const auto e : all) {
    auto parsed = e;
    std::string error;
    EXPECT_TRUE(absl::ParseFlag(std::string(name_of(e)), &parsed, &error)) << error;
    EXPECT_EQ(parsed, e);
    EXPECT_EQ(absl::UnparseFlag(e), std::string(name_of(e)));
  }
}

template <typename E>
std::string Error(absl::string_view text) {
  E e{};
  std::string error;
  EXPECT_FALSE(absl::ParseFlag(text, &e, &error)) << text;
  return error;
}

TEST(ChoiceFlagsTest, OpKind) {
  RoundTrips(kOpKinds, OpKindName);
  EXPECT_EQ(Error<OpKind>("conv"),
            "unknown op 'conv'; expected one of gemm, grouped_gemm, mla_decode, gqa_decode, "
            "prefill_attention, dispatch, combine, allreduce, allgather");
}

TEST(ChoiceFlagsTest, SweepImbalanceAndSearch) {
  RoundTrips(kImbalanceModels, ImbalanceModelName);
  RoundTrips(kSlaSearches, SlaSearchName);
  EXPECT_EQ(Error<ImbalanceModel>("exact"),
            "unknown imbalance model 'exact'; expected one of analytic, montecarlo");
  EXPECT_EQ(Error<SlaSearch>("binary"), "unknown search 'binary'; expected one of scan, bisection");
}

TEST(ChoiceFlagsTest, CompareClock) {
  RoundTrips(bench::kCompareClocks, bench::CompareClockName);
  EXPECT_EQ(Error<bench::CompareClock>("wall"),
            "unknown clock 'wall'; expected one of auto, real, cpu");
  EXPECT_EQ(Error<bench::CompareClock>("CPU"),
            "unknown clock 'CPU'; expected one of auto, real, cpu");
}

}  // namespace
}  // namespace perfmodel
