// Tests for perfmodel/sla.h: the seed's two decode rows (DIGEST.md section 1),
// static_asserts of the algebra, prefill budgets, and validation.

#include "perfmodel/sla.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "perfmodel/testing/matchers.h"

namespace perfmodel {
namespace {

using ::perfmodel::testing::DurationNear;
using ::perfmodel::testing::MeetsTpotOf;
using ::perfmodel::testing::MeetsUserTpsOf;
using ::perfmodel::testing::StatusIs;
using ::testing::DoubleNear;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr DecodeShape kSeed{.dp = 8, .batch_per_dp = 24, .accepted_tokens_per_step = 2.3};

constexpr bool Near(double a, double b, double tol) { return a - b <= tol && b - a <= tol; }

// Target row: 11520 machine tokens/s -> 60 per user -> TPOT 16.67 ms -> 38.33 ms budget.
constexpr DecodeSla kTarget = DecodeFromMachineTps(TokensPerSec(11520), kSeed);
static_assert(Near(ToTokensPerSecond(kTarget.user_output_tps), 60.0, 1e-9));
static_assert(Near(ToMilliseconds(kTarget.tpot), 1000.0 / 60.0, 1e-9));
static_assert(Near(ToMilliseconds(kTarget.forward), 2.3 * 1000.0 / 60.0, 1e-9));
static_assert(kTarget.concurrency == 192);

// Measured row: 28.5 ms forward -> TPOT 12.39 ms -> 80.70 per user -> 15496 machine.
constexpr DecodeSla kMeasured = DecodeFromForward(Milliseconds(28.5), kSeed);
static_assert(Near(ToMilliseconds(kMeasured.tpot), 28.5 / 2.3, 1e-9));
static_assert(Near(ToTokensPerSecond(kMeasured.user_output_tps), 2.3 / 0.0285, 1e-9));
static_assert(Near(ToTokensPerSecond(kMeasured.machine_output_tps), 2.3 / 0.0285 * 192, 1e-6));
static_assert(MeetsTpot(kMeasured, kTarget.tpot));
static_assert(MeetsUserTps(kMeasured, kTarget.user_output_tps));

// The two directions are inverses.
static_assert(Near(ToMilliseconds(DecodeFromTpot(kTarget.tpot, kSeed).forward),
                   ToMilliseconds(kTarget.forward), 1e-9));
static_assert(Near(ToMilliseconds(DecodeFromForward(kTarget.forward, kSeed).tpot),
                   ToMilliseconds(kTarget.tpot), 1e-9));

// A host gap counts in TPOT and eats into the forward budget.
static_assert(DecodeFromForward(Milliseconds(28.5), kSeed, Milliseconds(1.3)).tpot >
              kMeasured.tpot);
static_assert(Near(ToMilliseconds(DecodeFromTpot(kTarget.tpot, kSeed, Milliseconds(1.3)).forward),
                   ToMilliseconds(kTarget.forward) - 1.3, 1e-9));

TEST(DecodeSlaTest, SeedTargetRowGolden) {
  EXPECT_NEAR(ToTokensPerSecond(kTarget.machine_output_tps), 11520.0, 1e-9);
  EXPECT_NEAR(ToTokensPerSecond(kTarget.user_output_tps), 60.0, 1e-9);
  EXPECT_NEAR(ToMilliseconds(kTarget.tpot), 16.667, 1e-3);
  EXPECT_NEAR(ToMilliseconds(kTarget.forward), 38.333, 1e-3);
  EXPECT_EQ(kTarget.concurrency, 192);
}

TEST(DecodeSlaTest, SeedMeasuredRowGolden) {
  EXPECT_NEAR(ToMilliseconds(kMeasured.tpot), 12.391, 1e-3);
  EXPECT_NEAR(ToTokensPerSecond(kMeasured.user_output_tps), 80.70, 1e-2);
  EXPECT_NEAR(ToTokensPerSecond(kMeasured.machine_output_tps), 15494.7, 0.1);
  EXPECT_THAT(kMeasured, MeetsTpotOf(Milliseconds(16.6)));
  EXPECT_THAT(kMeasured, MeetsUserTpsOf(TokensPerSec(60)));
  EXPECT_THAT(DecodeFromForward(Milliseconds(40), kSeed), Not(MeetsTpotOf(Milliseconds(16.6))));
}

TEST(DecodeSlaTest, UserAndMachineRatesStayApart) {
  const DecodeSla a = DecodeFromUserTps(TokensPerSec(60), kSeed);
  EXPECT_NEAR(ToTokensPerSecond(a.machine_output_tps), 11520.0, 1e-9);
  EXPECT_THAT(a.tpot, DurationNear(kTarget.tpot, Nanoseconds(1)));
}

TEST(PrefillSlaTest, BudgetFromTtft) {
  constexpr PrefillShape kShape{.dp = 8, .batch_per_dp = 2, .prompt_tokens = 4096};
  constexpr PrefillSla p = PrefillFromTtft(Seconds(1), kShape);
  static_assert(p.forward == Seconds(1));
  EXPECT_NEAR(ToTokensPerSecond(p.rank_prefill_tps), 8192.0, 1e-9);
  EXPECT_NEAR(ToTokensPerSecond(p.machine_prefill_tps), 65536.0, 1e-9);
  const PrefillSla g = PrefillFromTtft(Seconds(1), kShape, Milliseconds(100));
  EXPECT_THAT(g.forward, DurationNear(Milliseconds(900), Nanoseconds(1)));
  const PrefillSla m = PrefillFromForward(Milliseconds(500), kShape, Milliseconds(20));
  EXPECT_THAT(m.ttft, DurationNear(Milliseconds(520), Nanoseconds(1)));
  EXPECT_NEAR(ToTokensPerSecond(m.rank_prefill_tps), 16384.0, 1e-9);
}

TEST(ValidateTest, NamesTheField) {
  EXPECT_THAT(ValidateDecodeShape({.dp = 0, .batch_per_dp = 1, .accepted_tokens_per_step = 1}),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("dp: must be >= 1")));
  EXPECT_THAT(ValidateDecodeShape({.dp = 1, .batch_per_dp = 0, .accepted_tokens_per_step = 1}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("batch_per_dp")));
  EXPECT_THAT(ValidateDecodeShape({.dp = 1, .batch_per_dp = 1, .accepted_tokens_per_step = 0}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("accepted_tokens_per_step")));
  EXPECT_THAT(ValidatePrefillShape({.dp = 1, .batch_per_dp = 1, .prompt_tokens = 0}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("prompt_tokens")));
  EXPECT_TRUE(ValidateDecodeShape(kSeed).ok());
}

}  // namespace
}  // namespace perfmodel
