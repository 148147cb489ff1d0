// File: perfmodel/testing/matchers.h
// -----------------------------------------------------------------------------
//
// GoogleTest matchers for perfmodel results and for absl::Status, for perfmodel's
// own tests and for services that unit-test their SLA math with it.
//
//   EXPECT_THAT(LoadModel("x.textproto"),
//               StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hidden_size")));
//   EXPECT_THAT(DecodeFromForward(Milliseconds(28.5), shape), MeetsTpotOf(Milliseconds(16.6)));
//   EXPECT_THAT(t, DurationNear(Milliseconds(12.39), Microseconds(5)));

#ifndef PERFMODEL_TESTING_MATCHERS_H_
#define PERFMODEL_TESTING_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "perfmodel/sla.h"
#include "perfmodel/units.h"

namespace perfmodel::testing {

namespace internal {
inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) { return s.status(); }
}  // namespace internal

// StatusIs(code, message_matcher) matches an absl::Status or absl::StatusOr<T>
// whose code equals `code` and whose message matches `message_matcher`.
MATCHER_P2(StatusIs, code, message_matcher,
           std::string("has status code ") + absl::StatusCodeToString(code)) {
  const absl::Status& s = internal::GetStatus(arg);
  *result_listener << "whose status is " << s;
  return s.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(s.message()),
                                       result_listener);
}

// IsOk() matches an OK absl::Status or absl::StatusOr<T>.
MATCHER(IsOk, "is OK") {
  const absl::Status& s = internal::GetStatus(arg);
  *result_listener << "whose status is " << s;
  return s.ok();
}

// DurationNear(expected, tolerance) matches a Duration within `tolerance`.
MATCHER_P2(DurationNear, expected, tolerance,
           std::string("is within ") + std::to_string(ToMicroseconds(tolerance)) +
               " us of " + std::to_string(ToMicroseconds(expected)) + " us") {
  const Duration d = arg - expected;
  *result_listener << "which is " << ToMicroseconds(arg) << " us";
  return d <= tolerance && -d <= tolerance;
}

// MeetsTpotOf(target) matches a DecodeSla whose TPOT is at or below `target`.
MATCHER_P(MeetsTpotOf, target,
          std::string("meets a TPOT of ") + std::to_string(ToMilliseconds(target)) + " ms") {
  *result_listener << "whose TPOT is " << ToMilliseconds(arg.tpot) << " ms";
  return MeetsTpot(arg, target);
}

// MeetsUserTpsOf(target) matches a DecodeSla giving each user >= `target`.
MATCHER_P(MeetsUserTpsOf, target,
          std::string("gives each user at least ") +
              std::to_string(ToTokensPerSecond(target)) + " tokens/s") {
  *result_listener << "which gives " << ToTokensPerSecond(arg.user_output_tps) << " tokens/s";
  return MeetsUserTps(arg, target);
}

}  // namespace perfmodel::testing

#endif  // PERFMODEL_TESTING_MATCHERS_H_
