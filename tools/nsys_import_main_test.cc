// Tests for the nsys_import binary: exit codes, one-line errors on stderr,
// and that --out is written whole or not at all.

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "loader/load.h"
#include "perfmodel/testing/matchers.h"

namespace perfmodel {
namespace {

using ::perfmodel::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kKernSum[] = "tests/testdata/nsys/deepseek_decode_cuda_gpu_kern_sum.csv";

struct Result {
  int code = -1;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs tools/nsys_import (from the runfiles) with `args`.
Result RunTool(const std::string& args) {
  const std::string dir = ::testing::TempDir();
  const std::string out = dir + "/stdout.txt", err = dir + "/stderr.txt";
  const std::string cmd =
      absl::StrCat("tools/nsys_import ", args, " >", out, " 2>", err);
  const int status = std::system(cmd.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

std::string OutPath(const std::string& name) { return ::testing::TempDir() + "/" + name; }

TEST(NsysImportMainTest, WritesABaselineAndPrintsUnmappedKernels) {
  const std::string out = OutPath("ok.textproto");
  // No --rules: the default is found in the runfiles.
  const Result r = RunTool(absl::StrCat("--kern_sum=", kKernSum, " --steps=4 --out=", out,
                                        " --model=models/deepseek_v3.textproto --batch_per_dp=24"
                                        " --forward_ms=28.5 --host_gap_ms=1.3"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_THAT(r.out, HasSubstr("Unmapped kernels (in no op"));
  EXPECT_THAT(r.out, HasSubstr("ncclDevKernel_AllGather_RING_LL(ncclDevComm*, unsigned long, "
                               "ncclWork*)"));
  EXPECT_THAT(r.out, HasSubstr("out  " + out));
  absl::StatusOr<pb::Baseline> b = LoadBaseline(out);
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->name(), "ok");
  EXPECT_EQ(b->batch_per_dp(), 24);
  EXPECT_EQ(b->host_gap_ms(), 1.3);
  EXPECT_EQ(b->ops_size(), 35);
}

TEST(NsysImportMainTest, BadInputLeavesOutAsItWas) {
  const std::string out = OutPath("kept.textproto");
  {
    std::ofstream f(out);
    f << "previous contents\n";
  }
  const std::string bad = OutPath("bad.csv");
  {
    std::ofstream f(bad);
    f << "Time (%),Total Time (ns),Name\n1,2,k\n";
  }
  const Result r = RunTool(absl::StrCat("--kern_sum=", bad, " --steps=4 --out=", out));
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, StartsWith("nsys_import: " + bad + ":1: missing column 'Instances'"));
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(Slurp(out), "previous contents\n");
}

TEST(NsysImportMainTest, WrongStepsIsExitCodeTwo) {
  const Result r =
      RunTool(absl::StrCat("--kern_sum=", kKernSum, " --steps=5 --out=", OutPath("x.textproto")));
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr("x 5 steps"));
  EXPECT_FALSE(std::filesystem::exists(OutPath("x.textproto")));
}

TEST(NsysImportMainTest, BadFlags) {
  const std::string out = OutPath("y.textproto");
  struct Case {
    std::string args, message;
  };
  for (const Case& c : {
           Case{"--steps=4 --out=" + out, "give exactly one of --kern_sum and --trace"},
           Case{absl::StrCat("--kern_sum=", kKernSum, " --trace=t.csv --steps=4 --out=", out),
                "give exactly one of --kern_sum and --trace"},
           Case{absl::StrCat("--kern_sum=", kKernSum, " --steps=4"), "--out: required (the baseline to write)"},
           Case{absl::StrCat("--kern_sum=", kKernSum, " --out=", out), "--steps: required"},
           Case{absl::StrCat("--kern_sum=", kKernSum, " --device=G --steps=4 --out=", out),
                "--device: applies to --trace only"},
           Case{absl::StrCat("--kern_sum=nope.csv --steps=4 --out=", out),
                "nope.csv: cannot open file"},
           Case{absl::StrCat("--kern_sum=", kKernSum, " --rules=nope.textproto --steps=4 --out=",
                             out),
                "nope.textproto: cannot open file"},
           Case{absl::StrCat("--kern_sum=", kKernSum, " --steps=4 --out=", out, " extra"),
                "unexpected argument 'extra'"},
           Case{absl::StrCat("--kern_sum=", kKernSum, " --steps=0 --out=", out),
                "nsys_import: --steps: must be in 1 .. "},
           Case{absl::StrCat("--kern_sum=", kKernSum, " --steps=4 --batch_per_dp=0 --out=", out),
                "nsys_import: --batch_per_dp: must be >= 1, got 0"},
           Case{absl::StrCat("--kern_sum=", kKernSum, " --steps=4 --format=xml --out=", out),
                "nsys_import: --format: unknown format"},
       }) {
    const Result r = RunTool(c.args);
    EXPECT_EQ(r.code, 2) << c.args;
    EXPECT_THAT(r.err, HasSubstr(c.message)) << c.args;
  }
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(NsysImportMainTest, BadRegexInRulesIsOneLineNamingFileAndPosition) {
  const std::string rules = OutPath("bad_regex.textproto");
  {
    std::ofstream f(rules);
    f << "layers { layer_kind: \"moe\" count: 58 }\n"
         "rules { regex: \"fp8_gemm_kernel<(\" op: \"moe_up_gate\" layer_kind: \"moe\" "
         "occurrences_per_step: 58 }\n";
  }
  const std::string out = OutPath("r.textproto");
  const Result r = RunTool(
      absl::StrCat("--kern_sum=", kKernSum, " --rules=", rules, " --steps=4 --out=", out));
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, absl::StrCat("nsys_import: ", rules,
                                ":2:9: rules[0].regex: not a valid RE2 regex: missing ): "
                                "fp8_gemm_kernel<(\n"));
  EXPECT_EQ(r.out, "");
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(NsysImportMainTest, UnwritableOutLeavesNoTemporary) {
  const std::string dir = OutPath("missing_dir");
  const Result r = RunTool(
      absl::StrCat("--kern_sum=", kKernSum, " --steps=4 --out=", dir, "/z.textproto"));
  EXPECT_EQ(r.code, 2);
  EXPECT_THAT(r.err, HasSubstr(dir + "/z.textproto: cannot create a temporary file"));
  EXPECT_FALSE(std::filesystem::exists(dir));
}

}  // namespace
}  // namespace perfmodel
