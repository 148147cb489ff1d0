// Tests for cli/cli.h: CheckCommandLine() names the flag for unknown flags,
// missing values and values the flag's type rejects; ExitCode() is 0 or 2.

#include "cli/cli.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "perfmodel/testing/matchers.h"

ABSL_FLAG(std::optional<double>, cli_rate, std::nullopt, "a rate");
ABSL_FLAG(int64_t, cli_count, 1, "a count");
ABSL_FLAG(bool, cli_verbose, false, "a switch");

namespace perfmodel {
namespace {

using ::perfmodel::testing::IsOk;
using ::perfmodel::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

absl::Status Check(std::vector<std::string> args) {
  args.insert(args.begin(), "tool");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return CheckCommandLine(argv);
}

TEST(CheckCommandLineTest, AcceptsGoodFlagsAndSetsThem) {
  EXPECT_THAT(Check({"--cli_rate=2.5", "--cli_count", "7", "-cli_verbose", "positional"}), IsOk());
  EXPECT_EQ(absl::GetFlag(FLAGS_cli_rate), 2.5);
  EXPECT_EQ(absl::GetFlag(FLAGS_cli_count), 7);
  EXPECT_THAT(Check({"--nocli_verbose", "--cli_verbose=false", "--cli_rate="}), IsOk());
  EXPECT_EQ(absl::GetFlag(FLAGS_cli_rate), std::nullopt);
}

TEST(CheckCommandLineTest, UnknownFlag) {
  EXPECT_THAT(Check({"--cli_rate=1", "--no_such_flag=3"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "--no_such_flag: unknown flag"));
  EXPECT_THAT(Check({"--nocli_count"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "--nocli_count: unknown flag"));
}

TEST(CheckCommandLineTest, BadValueNamesTheFlag) {
  EXPECT_THAT(Check({"--cli_rate=fast"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(StartsWith("--cli_rate: "), HasSubstr("'fast'"))));
  EXPECT_THAT(Check({"--cli_count=1.5"}),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("--cli_count: ")));
  EXPECT_THAT(Check({"--cli_verbose=maybe"}),
              StatusIs(absl::StatusCode::kInvalidArgument, StartsWith("--cli_verbose: ")));
}

TEST(CheckCommandLineTest, MissingValue) {
  EXPECT_THAT(Check({"--cli_count"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "--cli_count: missing value"));
}

TEST(CheckCommandLineTest, StopsAtDoubleDash) {
  EXPECT_THAT(Check({"--", "--no_such_flag"}), IsOk());
}

TEST(ExitCodeTest, ZeroForOkTwoOtherwise) {
  EXPECT_EQ(ExitCode("tool", absl::OkStatus()), 0);
  EXPECT_EQ(ExitCode("tool", absl::InvalidArgumentError("--x: bad")), 2);
  EXPECT_EQ(ExitCode("", absl::NotFoundError("y")), 2);
}

TEST(OneLineTest, ReplacesLineBreaks) {
  EXPECT_EQ(OneLine("a\nb\r\nc\rd"), "a b c d");
}

}  // namespace
}  // namespace perfmodel
