// Static tests for perfmodel/units.h: they pass by compiling. The misuse that
// must not compile is checked with `requires` expressions.

#include "perfmodel/units.h"

#include <type_traits>

#include "gtest/gtest.h"

namespace perfmodel {
namespace {

// Dimensions compose.
static_assert(std::is_same_v<decltype(Bytes() / BytesPerSecond()), Duration>);
static_assert(std::is_same_v<decltype(Flops() / FlopsPerSecond()), Duration>);
static_assert(std::is_same_v<decltype(Tokens() / Duration()), TokensPerSecond>);
static_assert(std::is_same_v<decltype(BytesPerSecond() * Duration()), Bytes>);
static_assert(std::is_same_v<decltype(Duration() / Duration()), double>);
static_assert(std::is_same_v<decltype(Flops() / Bytes()), Quantity<0, -1, 1, 0>>);

// Values: 1.5 GiB over 3.35 TB/s is 480.7 us.
static_assert(Gibibytes(1.5) / TerabytesPerSecond(3.35) > Microseconds(480.7));
static_assert(Gibibytes(1.5) / TerabytesPerSecond(3.35) < Microseconds(480.8));
static_assert(Milliseconds(1.5) / Microseconds(1) == 1500.0);
static_assert(ToMilliseconds(Seconds(2)) == 2000.0);
static_assert(Milliseconds(1) + Microseconds(500) == Microseconds(1500));
static_assert(Max(Milliseconds(1), Microseconds(10)) == Milliseconds(1));
static_assert(Min(Milliseconds(1), Microseconds(10)) == Microseconds(10));
static_assert(1.0 / Hertz(4) == Seconds(0.25));

// Trivially copyable value types.
static_assert(std::is_trivially_copyable_v<Duration>);
static_assert(sizeof(Duration) == sizeof(double));

// Misuse that must not compile.
template <typename A, typename B>
concept Addable = requires(A a, B b) { a + b; };
template <typename A, typename B>
concept Comparable = requires(A a, B b) { a < b; };
static_assert(!Addable<Duration, Bytes>, "a duration plus bytes has no meaning");
static_assert(!Addable<Duration, double>, "a bare number is not a duration");
static_assert(!Comparable<Duration, double>);
static_assert(!std::is_convertible_v<double, Duration>, "no implicit conversion from double");
static_assert(!std::is_convertible_v<Duration, double>, "no implicit conversion to double");
static_assert(!std::is_constructible_v<Duration, double>, "construct through a named unit");

TEST(UnitsStaticTest, CompilesIsTheTest) { SUCCEED(); }

}  // namespace
}  // namespace perfmodel
