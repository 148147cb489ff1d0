// Tests for base/status_macros.h: PM_RETURN_IF_ERROR and PM_ASSIGN_OR_RETURN
// return the first error, evaluate their expression once, and move the value
// out on success.

#include "base/status_macros.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace perfmodel {
namespace {

absl::StatusOr<int> Parse(const std::string& s) {
  if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) {
    return absl::InvalidArgumentError("not a number: '" + s + "'");
  }
  return std::stoi(s);
}

absl::StatusOr<int> Sum(const std::string& a, const std::string& b) {
  PM_ASSIGN_OR_RETURN(const int x, Parse(a));
  PM_ASSIGN_OR_RETURN(const int y, Parse(b));  // a second use in one scope
  return x + y;
}

TEST(AssignOrReturnTest, AssignsTheValues) {
  const absl::StatusOr<int> s = Sum("7", "35");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s, 42);
}

TEST(AssignOrReturnTest, ReturnsTheFirstError) {
  EXPECT_EQ(Sum("x", "y").status(), absl::InvalidArgumentError("not a number: 'x'"));
  EXPECT_EQ(Sum("1", "y").status(), absl::InvalidArgumentError("not a number: 'y'"));
}

absl::Status IntoExisting(const std::string& s, int* calls, int* out) {
  int value = -1;
  PM_ASSIGN_OR_RETURN(value, (++*calls, Parse(s)));
  *out = value;
  return absl::OkStatus();
}

TEST(AssignOrReturnTest, ExistingVariableAndStatusReturnEvaluateOnce) {
  int calls = 0, out = 0;
  EXPECT_TRUE(IntoExisting("5", &calls, &out).ok());
  EXPECT_EQ(out, 5);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(IntoExisting("", &calls, &out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out, 5);  // untouched on error
  EXPECT_EQ(calls, 2);
}

absl::StatusOr<std::unique_ptr<int>> Boxed(bool ok) {
  if (!ok) return absl::NotFoundError("no box");
  return std::make_unique<int>(3);
}

absl::StatusOr<int> Unbox(bool ok) {
  PM_ASSIGN_OR_RETURN(std::unique_ptr<int> p, Boxed(ok));  // move-only value
  return *p;
}

TEST(AssignOrReturnTest, MovesMoveOnlyValuesAndConvertsTheReturnType) {
  EXPECT_EQ(*Unbox(true), 3);
  EXPECT_EQ(Unbox(false).status(), absl::NotFoundError("no box"));
}

absl::Status Check(int x) {
  return x > 0 ? absl::OkStatus() : absl::OutOfRangeError("must be > 0");
}

absl::StatusOr<int> Checked(int x) {
  PM_RETURN_IF_ERROR(Check(x));
  return x;
}

TEST(ReturnIfErrorTest, ReturnsTheError) {
  EXPECT_EQ(*Checked(2), 2);
  EXPECT_EQ(Checked(0).status(), absl::OutOfRangeError("must be > 0"));
}

}  // namespace
}  // namespace perfmodel
