// Tests for cli/cli.h: CheckCommandLine() names the flag for unknown flags,
// missing values and values the flag's type rejects; NameTheFlag() turns a
// library's field into the flag; ExitCode() is 0, 2 or 3; RunTool() prints
// only on success and exits 0, 1, 2 or 3.

#include "cli/cli.h"

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "perfmodel/testing/matchers.h"

ABSL_FLAG(std::optional<double>, cli_rate, std::nullopt, "a rate");
ABSL_FLAG(int64_t, cli_count, 1, "a count");
ABSL_FLAG(bool, cli_verbose, false, "a switch");

// A type whose parser gives its own error, as perfmodel's typed flags do.
namespace cli_test {
struct Even final {
  int v = 0;
};
bool AbslParseFlag(absl::string_view text, Even* e, std::string* error) {
  if (text == "0" || text == "2" || text == "4") {
    e->v = text[0] - '0';
    return true;
  }
  *error = absl::StrCat("'", text, "' is not 0, 2 or 4");
  return false;
}
std::string AbslUnparseFlag(Even e) { return absl::StrCat(e.v); }
}  // namespace cli_test

ABSL_FLAG(cli_test::Even, cli_even, {}, "an even number");

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

TEST(CheckCommandLineTest, BareBooleansAreSetAndPositionalArgumentsCollected) {
  std::vector<std::string> args = {"tool", "--cli_verbose", "a.json", "--cli_count=3", "-",
                                   "--",   "--cli_rate=x",  "b"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  std::vector<std::string> positional;
  ASSERT_THAT(CheckCommandLine(argv, &positional), IsOk());
  EXPECT_TRUE(absl::GetFlag(FLAGS_cli_verbose));
  EXPECT_THAT(positional, ::testing::ElementsAre("a.json", "-", "--cli_rate=x", "b"));
  EXPECT_THAT(Check({"--nocli_verbose"}), IsOk());
  EXPECT_FALSE(absl::GetFlag(FLAGS_cli_verbose));
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

TEST(CheckCommandLineTest, TheParsersOwnErrorReplacesAbseils) {
  EXPECT_THAT(Check({"--cli_even=3"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "--cli_even: '3' is not 0, 2 or 4"));
  EXPECT_THAT(Check({"--cli_even=4"}), IsOk());
  EXPECT_EQ(absl::GetFlag(FLAGS_cli_even).v, 4);
}

TEST(CheckCommandLineTest, MissingValue) {
  EXPECT_THAT(Check({"--cli_count"}),
              StatusIs(absl::StatusCode::kInvalidArgument, "--cli_count: missing value"));
}

TEST(CheckCommandLineTest, StopsAtDoubleDash) {
  EXPECT_THAT(Check({"--", "--no_such_flag"}), IsOk());
}

TEST(NameTheFlagTest, AFieldThatIsAFlagBecomesTheFlag) {
  EXPECT_THAT(NameTheFlag(absl::InvalidArgumentError("cli_count: must be >= 1, got 0")),
              StatusIs(absl::StatusCode::kInvalidArgument, "--cli_count: must be >= 1, got 0"));
  EXPECT_THAT(NameTheFlag(absl::NotFoundError("cli_rate: a.txt: cannot open")),
              StatusIs(absl::StatusCode::kNotFound, "--cli_rate: a.txt: cannot open"));
}

TEST(NameTheFlagTest, MappedFieldsAndOtherMessages) {
  const std::vector<std::pair<absl::string_view, absl::string_view>> map = {{"rate", "cli_rate"}};
  EXPECT_THAT(NameTheFlag(absl::InvalidArgumentError("rate: must be > 0"), map),
              StatusIs(absl::StatusCode::kInvalidArgument, "--cli_rate: must be > 0"));
  // Not a flag, a path, already a flag, no field at all: unchanged.
  for (absl::string_view m : {"speed: must be > 0", "models/x.textproto: cannot open",
                              "--cli_rate: bad", "cli_rate must be > 0", "cli_rate:bad"}) {
    EXPECT_THAT(NameTheFlag(absl::InvalidArgumentError(m), map),
                StatusIs(absl::StatusCode::kInvalidArgument, std::string(m)));
  }
  EXPECT_THAT(NameTheFlag(absl::OkStatus()), IsOk());
}

TEST(ExitCodeTest, ZeroForOkThreeForDoesNotFitTwoOtherwise) {
  EXPECT_EQ(ExitCode("tool", absl::OkStatus()), 0);
  EXPECT_EQ(ExitCode("tool", absl::InvalidArgumentError("--x: bad")), 2);
  EXPECT_EQ(ExitCode("", absl::NotFoundError("y")), 2);
  EXPECT_EQ(ExitCode("tool", absl::ResourceExhaustedError("over by 3 GB")), 3);
}

// RunTool() on a command line, with stdout and stderr captured.
struct Ran final {
  int code = -1;
  std::string out, err;
};

Ran RunCommand(std::vector<std::string> args, const ToolInfo& info,
               absl::FunctionRef<absl::Status(const ToolContext&, ToolOutput&)> run) {
  args.insert(args.begin(), "tool");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  Ran r;
  r.code = RunTool(static_cast<int>(argv.size()), argv.data(), info, run);
  r.out = ::testing::internal::GetCapturedStdout();
  r.err = ::testing::internal::GetCapturedStderr();
  return r;
}

TEST(RunToolTest, PrintsOnSuccess) {
  const Ran r = RunCommand({"--cli_count=3", "one"}, {.name = "tool", .max_positional = 1},
                           [](const ToolContext& c, ToolOutput& out) {
                             out.Print(absl::StrCat("count ", absl::GetFlag(FLAGS_cli_count), " ",
                                                    c.positional.at(0), " ", c.args.size(), "\n"));
                             return absl::OkStatus();
                           });
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "count 3 one 2\n");
  EXPECT_EQ(r.err, "");
}

TEST(RunToolTest, AnErrorIsOneLineAndNothingElse) {
  const Ran r =
      RunCommand({"--cli_count=4"}, {.name = "tool"}, [](const ToolContext&, ToolOutput& out) {
        out.Print("half of a table\n");
        return absl::InvalidArgumentError("cli_count: must be odd,\ngot 4");
      });
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "tool: --cli_count: must be odd, got 4\n");
}

TEST(RunToolTest, BadFlagsExitTwoBeforeRun) {
  bool ran = false;
  const Ran r =
      RunCommand({"--cli_count=x"}, {.name = "tool"}, [&](const ToolContext&, ToolOutput&) {
        ran = true;
        return absl::OkStatus();
      });
  EXPECT_FALSE(ran);
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, StartsWith("tool: --cli_count: "));
  const Ran extra = RunCommand({"extra"}, {.name = "tool"}, [&](const ToolContext&, ToolOutput&) {
    ran = true;
    return absl::OkStatus();
  });
  EXPECT_FALSE(ran);
  EXPECT_EQ(extra.code, 2);
  EXPECT_EQ(extra.err, "tool: unexpected argument 'extra'; flags are --name=value\n");
}

TEST(RunToolTest, DoesNotFitExitsThreeAndAFailedCheckOne) {
  const Ran full = RunCommand({}, {.name = "tool"}, [](const ToolContext&, ToolOutput&) {
    return absl::ResourceExhaustedError("over by 3 GB");
  });
  EXPECT_EQ(full.code, 3);
  EXPECT_EQ(full.err, "tool: over by 3 GB\n");
  const Ran failed = RunCommand({}, {.name = "tool"}, [](const ToolContext&, ToolOutput& out) {
    out.Print("1 regression\n");
    out.SetCheckFailed();
    return absl::OkStatus();
  });
  EXPECT_EQ(failed.code, 1);
  EXPECT_EQ(failed.out, "1 regression\n");
  EXPECT_EQ(failed.err, "");
}

TEST(RunToolTest, WritesFilesOnlyOnSuccessAndNamesTheFlagWhenItCannot) {
  const std::string path = ::testing::TempDir() + "/run_tool_out.txt";
  const Ran bad = RunCommand({}, {.name = "tool"}, [&](const ToolContext&, ToolOutput& out) {
    out.WriteFile("out", path, "never\n");
    return absl::InvalidArgumentError("late failure");
  });
  EXPECT_EQ(bad.code, 2);
  EXPECT_FALSE(std::ifstream(path).good());
  const Ran ok = RunCommand({}, {.name = "tool"}, [&](const ToolContext&, ToolOutput& out) {
    out.WriteFile("out", path, "written\n");
    out.Print("wrote it\n");
    return absl::OkStatus();
  });
  EXPECT_EQ(ok.code, 0);
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "written");
  const Ran unwritable = RunCommand({}, {.name = "tool"}, [&](const ToolContext&, ToolOutput& out) {
    out.WriteFile("svg", "/no/such/dir/plot.svg", "x");
    out.Print("table\n");
    return absl::OkStatus();
  });
  EXPECT_EQ(unwritable.code, 2);
  EXPECT_EQ(unwritable.out, "");
  EXPECT_THAT(unwritable.err, StartsWith("tool: --svg: /no/such/dir/plot.svg"));
}

TEST(OneLineTest, ReplacesLineBreaks) { EXPECT_EQ(OneLine("a\nb\r\nc\rd"), "a b c d"); }

}  // namespace
}  // namespace perfmodel
