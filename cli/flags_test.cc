// Tests for cli/flags.h: each typed flag's parser on good values and on bad
// ones (the error names what was wrong), unparsing back to the same value,
// the parsers behind real Abseil flags through the command-line check (the
// error then names the flag), and the flag-combination checks.

#include "cli/flags.h"

#include <fstream>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/marshalling.h"
#include "absl/strings/string_view.h"
#include "cli/cli.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "perfmodel/testing/matchers.h"

ABSL_FLAG(std::optional<perfmodel::Duration>, flags_gap, std::nullopt, "a duration");
ABSL_FLAG(perfmodel::Bytes, flags_size, perfmodel::Gigabytes(80), "a byte size");
ABSL_FLAG(perfmodel::DType, flags_dtype, perfmodel::DType::kFp8, "a dtype");
ABSL_FLAG(std::optional<perfmodel::ContextSpec>, flags_context, std::nullopt, "a context");

namespace perfmodel {
namespace {

using ::perfmodel::testing::IsOk;
using ::perfmodel::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Parse() runs the type's parser through Abseil, as a flag does.
template <typename T>
bool Parse(absl::string_view text, T* out, std::string* error) {
  return absl::ParseFlag(text, out, error);
}

// Error() is the parser's error for a text it must reject.
template <typename T>
std::string Error(absl::string_view text) {
  T v{};
  std::string error;
  EXPECT_FALSE(Parse(text, &v, &error)) << text;
  return error;
}

template <typename T>
T Value(absl::string_view text) {
  T v{};
  std::string error;
  EXPECT_TRUE(Parse(text, &v, &error)) << text << ": " << error;
  return v;
}

absl::Status Check(std::vector<std::string> args) {
  args.insert(args.begin(), "tool");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return CheckCommandLine(argv);
}

TEST(DurationFlagTest, NumberAndUnit) {
  EXPECT_EQ(Value<Duration>("1.3ms"), Milliseconds(1.3));
  EXPECT_EQ(Value<Duration>("500us"), Microseconds(500));
  EXPECT_EQ(Value<Duration>("2s"), Seconds(2));
  EXPECT_EQ(Value<Duration>("1e3ns"), Nanoseconds(1000));
  EXPECT_EQ(Value<Duration>("0s"), Seconds(0));
  EXPECT_EQ(Value<Duration>(" 1.5 ms "), Milliseconds(1.5));
}

TEST(DurationFlagTest, BadValuesSayWhatIsWrong) {
  EXPECT_EQ(Error<Duration>("1.3"),
            "'1.3' has no unit; expected a number and one of ns, us, ms, s (e.g. 1.3ms)");
  EXPECT_EQ(Error<Duration>("1.3min"),
            "'1.3min': unknown unit 'min'; expected one of ns, us, ms, s");
  EXPECT_EQ(Error<Duration>("ms"), "'ms': '' is not a finite number");
  EXPECT_EQ(Error<Duration>("fastms"),
            "'fastms': unknown unit 'fastms'; expected one of ns, us, ms, s");
  EXPECT_EQ(Error<Duration>("1,3ms"), "'1,3ms': '1,3' is not a finite number");
  EXPECT_EQ(Error<Duration>("-1ms"), "'-1ms': a duration must be >= 0");
  EXPECT_EQ(Error<Duration>("1MS"), "'1MS': unknown unit 'MS'; expected one of ns, us, ms, s");
}

TEST(DurationFlagTest, UnparsesInTheLargestUnitAndReadsBack) {
  EXPECT_EQ(AbslUnparseFlag(Milliseconds(1.3)), "1.3ms");
  EXPECT_EQ(AbslUnparseFlag(Seconds(2)), "2s");
  EXPECT_EQ(AbslUnparseFlag(Microseconds(500)), "500us");
  EXPECT_EQ(AbslUnparseFlag(Nanoseconds(3)), "3ns");
  EXPECT_EQ(AbslUnparseFlag(Seconds(0)), "0s");
  for (Duration d : {Milliseconds(1.3), Microseconds(1.885), Seconds(1.0 / 3), Nanoseconds(0.25),
                     Milliseconds(16.666666666666668)}) {
    EXPECT_EQ(Value<Duration>(AbslUnparseFlag(d)), d) << AbslUnparseFlag(d);
  }
}

TEST(BytesFlagTest, DecimalAndBinaryUnits) {
  EXPECT_EQ(Value<Bytes>("80GB"), Gigabytes(80));
  EXPECT_EQ(Value<Bytes>("80GiB"), Gibibytes(80));
  EXPECT_EQ(Value<Bytes>("512MB"), Megabytes(512));
  EXPECT_EQ(Value<Bytes>("64MiB"), Mebibytes(64));
  EXPECT_EQ(Value<Bytes>("4kB"), Kilobytes(4));
  EXPECT_EQ(Value<Bytes>("4KB"), Kilobytes(4));
  EXPECT_EQ(Value<Bytes>("4KiB"), Kibibytes(4));
  EXPECT_EQ(Value<Bytes>("1.5TB"), Gigabytes(1500));
  EXPECT_EQ(Value<Bytes>("100B"), ByteCount(100));
}

TEST(BytesFlagTest, BadValuesSayWhatIsWrong) {
  EXPECT_EQ(Error<Bytes>("80"),
            "'80' has no unit; expected a number and one of B, KB, kB, KiB, "
            "MB, MiB, GB, GiB, TB, TiB (e.g. 80GiB)");
  EXPECT_EQ(Error<Bytes>("80Gb"),
            "'80Gb': unknown unit 'Gb'; expected one of B, KB, kB, KiB, MB, MiB, GB, GiB, TB, TiB");
  EXPECT_EQ(Error<Bytes>("-1GB"), "'-1GB': a byte size must be >= 0");
  EXPECT_EQ(Error<Bytes>("lotsGB"),
            "'lotsGB': unknown unit 'lotsGB'; expected one of B, KB, kB, "
            "KiB, MB, MiB, GB, GiB, TB, TiB");
}

TEST(BytesFlagTest, UnparsesAWholeNumberOfTheLargestUnit) {
  EXPECT_EQ(AbslUnparseFlag(Gibibytes(80)), "80GiB");
  EXPECT_EQ(AbslUnparseFlag(Gigabytes(80)), "80GB");
  EXPECT_EQ(AbslUnparseFlag(Megabytes(512)), "512MB");
  EXPECT_EQ(AbslUnparseFlag(Kilobytes(4)), "4kB");
  EXPECT_EQ(AbslUnparseFlag(ByteCount(0)), "0B");
  EXPECT_EQ(AbslUnparseFlag(ByteCount(1.5)), "1.5B");
  for (Bytes b : {Gibibytes(80), Gigabytes(141), Megabytes(0.3), ByteCount(12345)}) {
    EXPECT_EQ(Value<Bytes>(AbslUnparseFlag(b)), b) << AbslUnparseFlag(b);
  }
}

TEST(EnumFlagTest, DTypesByTheirReportNames) {
  for (size_t i = 0; i < kDTypes.size(); ++i) {  // the one name table, spec.h's
    const DType d = static_cast<DType>(i);
    EXPECT_EQ(Value<DType>(std::string(kDTypes[i].name)), d);
    EXPECT_EQ(AbslUnparseFlag(d), kDTypes[i].name);
  }
  EXPECT_EQ(Error<DType>("fp9"), "unknown dtype 'fp9'; expected one of fp32, bf16, fp16, fp8, fp4");
  EXPECT_EQ(Error<DType>("FP8"), "unknown dtype 'FP8'; expected one of fp32, bf16, fp16, fp8, fp4");
}

TEST(EnumFlagTest, OverlapEpKernelsTransport) {
  EXPECT_EQ(Value<Overlap>("two_micro_batch"), Overlap::kTwoMicroBatch);
  EXPECT_EQ(AbslUnparseFlag(Overlap::kRecvHook), "recv_hook");
  EXPECT_EQ(Error<Overlap>("tbo"),
            "unknown overlap 'tbo'; expected one of none, two_micro_batch, recv_hook");
  EXPECT_EQ(Value<EpKernels>("normal"), EpKernels::kNormal);
  EXPECT_EQ(AbslUnparseFlag(EpKernels::kLowLatency), "low_latency");
  EXPECT_EQ(Error<EpKernels>("fast"),
            "unknown EP kernel family 'fast'; expected one of low_latency, normal");
  EXPECT_EQ(Value<Transport>("rdma"), Transport::kRdma);
  EXPECT_EQ(AbslUnparseFlag(Transport::kAuto), "auto");
  EXPECT_EQ(Error<Transport>("ib"), "unknown transport 'ib'; expected one of auto, nvlink, rdma");
}

TEST(ContextSpecFlagTest, EachKind) {
  const ContextSpec fixed = Value<ContextSpec>("fixed:4096");
  EXPECT_EQ(fixed.kind, ContextSpec::Kind::kFixed);
  EXPECT_EQ(fixed.tokens, 4096);
  const ContextSpec uniform = Value<ContextSpec>("uniform:1024:8192");
  EXPECT_EQ(uniform.kind, ContextSpec::Kind::kUniform);
  EXPECT_EQ(uniform.lo, 1024);
  EXPECT_EQ(uniform.hi, 8192);
  const ContextSpec normal = Value<ContextSpec>("normal:4096:512.5");
  EXPECT_EQ(normal.kind, ContextSpec::Kind::kNormal);
  EXPECT_EQ(normal.mean, 4096);
  EXPECT_EQ(normal.spread, 512.5);
  const ContextSpec lognormal = Value<ContextSpec>("lognormal:4096:1.0");
  EXPECT_EQ(lognormal.kind, ContextSpec::Kind::kLogNormal);
  EXPECT_EQ(lognormal.spread, 1.0);
  EXPECT_EQ(AbslUnparseFlag(lognormal), "lognormal:4096:1.0");  // as given
  const ContextSpec file = Value<ContextSpec>("file:data/lengths.txt");
  EXPECT_EQ(file.kind, ContextSpec::Kind::kFile);
  EXPECT_EQ(file.path, "data/lengths.txt");
  EXPECT_EQ(AbslUnparseFlag(
                ContextSpec{.kind = ContextSpec::Kind::kLogNormal, .mean = 4096, .spread = 0.5}),
            "lognormal:4096:0.5");
}

TEST(ContextSpecFlagTest, BadSpecsNameThePart) {
  EXPECT_EQ(Error<ContextSpec>("lognormal:4096"),
            "'lognormal:4096': expected lognormal:MEAN:SIGMA");
  EXPECT_EQ(Error<ContextSpec>("fixed:4k"), "'fixed:4k': N: '4k' is not a whole number of tokens");
  EXPECT_EQ(Error<ContextSpec>("fixed"), "'fixed': expected fixed:N");
  EXPECT_EQ(Error<ContextSpec>("fixed:1:2"), "'fixed:1:2': expected fixed:N");
  EXPECT_EQ(Error<ContextSpec>("lognormal:4096:nan"),
            "'lognormal:4096:nan': SIGMA: 'nan' is not a finite number");
  EXPECT_THAT(Error<ContextSpec>("lognormal:4096:7"),
              StartsWith("'lognormal:4096:7': sigma: must be in (0, 3], got 7"));
  EXPECT_THAT(Error<ContextSpec>("fixed:-5"), StartsWith("'fixed:-5': tokens: must be in [1, "));
  EXPECT_THAT(Error<ContextSpec>("uniform:10:5"), HasSubstr("hi: must be >= lo"));
  EXPECT_THAT(Error<ContextSpec>("normal:4096:-1"), HasSubstr("stddev: must be in"));
  EXPECT_EQ(Error<ContextSpec>("gamma:1:2"),
            "'gamma:1:2': unknown distribution 'gamma'; expected fixed:N, uniform:LO:HI, "
            "normal:MEAN:STD, lognormal:MEAN:SIGMA or file:PATH");
  EXPECT_EQ(Error<ContextSpec>("file:"), "'file:': expected file:PATH");
  EXPECT_THAT(Error<ContextSpec>("uniform:-1:10"),
              StartsWith("'uniform:-1:10': lo: must be in [1, "));
  EXPECT_THAT(Error<ContextSpec>("normal:-4096:10"), HasSubstr("mean: must be in"));
  EXPECT_THAT(Error<ContextSpec>("lognormal:4096:0"), HasSubstr("sigma: must be in"));
  EXPECT_THAT(Error<ContextSpec>(""), HasSubstr("unknown distribution ''"));
}

TEST(ContextSpecFlagTest, FromSpecBuildsTheLawAndReadsFiles) {
  absl::StatusOr<ContextDistribution> d = ContextFromSpec(Value<ContextSpec>("fixed:4096"));
  ASSERT_THAT(d.status(), IsOk());
  EXPECT_EQ(ToTokens(d->Mean()), 4096);
  for (const auto& [spec, mean] : std::vector<std::pair<std::string, double>>{
           {"fixed:6144", 6144},
           {"uniform:1000:3000", 2000},
           {"normal:8192:100", 8192},
           {"lognormal:4096:1.5", 4096}}) {
    absl::StatusOr<ContextDistribution> law = ContextFromSpec(Value<ContextSpec>(spec));
    ASSERT_THAT(law.status(), IsOk()) << spec;
    EXPECT_NEAR(ToTokens(law->Mean()), mean, 0.01 * mean) << spec;
  }
  const std::string path = ::testing::TempDir() + "/lengths.txt";
  std::ofstream(path) << "# a trace\n100\n300  # long\n\n";
  d = ContextFromSpec(Value<ContextSpec>("file:" + path));
  ASSERT_THAT(d.status(), IsOk());
  EXPECT_EQ(ToTokens(d->Mean()), 200);
  EXPECT_THAT(ContextFromSpec(Value<ContextSpec>("file:/no/such/file")),
              StatusIs(absl::StatusCode::kNotFound, "/no/such/file: cannot open"));
  // The file's own errors name it and the line.
  const auto bad = absl::StatusCode::kInvalidArgument;
  const std::string empty = ::testing::TempDir() + "/empty.txt";
  std::ofstream(empty) << "# nothing\n\n";
  EXPECT_THAT(ContextFromSpec(Value<ContextSpec>("file:" + empty)),
              StatusIs(bad, empty + ": no lengths (empty file)"));
  const std::string malformed = ::testing::TempDir() + "/malformed.txt";
  std::ofstream(malformed) << "4096\n12x\n";
  EXPECT_THAT(ContextFromSpec(Value<ContextSpec>("file:" + malformed)),
              StatusIs(bad, malformed + ":2: length: '12x' is not an integer"));
  const std::string negative = ::testing::TempDir() + "/negative.txt";
  std::ofstream(negative) << "4096\n-3\n";
  EXPECT_THAT(ContextFromSpec(Value<ContextSpec>("file:" + negative)),
              StatusIs(bad, StartsWith(negative + ":2: length: must be in [1, ")));
}

TEST(TypedFlagsTest, ThroughTheCommandLineCheckTheErrorNamesTheFlag) {
  EXPECT_THAT(Check({"--flags_gap=1.3ms", "--flags_size=80GiB", "--flags_dtype=bf16",
                     "--flags_context=uniform:1:9"}),
              IsOk());
  EXPECT_EQ(absl::GetFlag(FLAGS_flags_gap), Milliseconds(1.3));
  EXPECT_EQ(absl::GetFlag(FLAGS_flags_size), Gibibytes(80));
  EXPECT_EQ(absl::GetFlag(FLAGS_flags_dtype), DType::kBf16);
  EXPECT_EQ(absl::GetFlag(FLAGS_flags_context)->hi, 9);
  EXPECT_THAT(Check({"--flags_gap="}), IsOk());  // an empty optional: not given
  EXPECT_EQ(absl::GetFlag(FLAGS_flags_gap), std::nullopt);
  EXPECT_THAT(Check({"--flags_dtype=fp9"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--flags_dtype: unknown dtype 'fp9'; expected one of fp32, bf16, fp16, fp8, "
                       "fp4"));
  EXPECT_THAT(Check({"--flags_gap=1.3"}), StatusIs(absl::StatusCode::kInvalidArgument,
                                                   StartsWith("--flags_gap: '1.3' has no unit")));
  EXPECT_THAT(
      Check({"--flags_context=lognormal:4096:7"}),
      StatusIs(absl::StatusCode::kInvalidArgument,
               StartsWith("--flags_context: 'lognormal:4096:7': sigma: must be in (0, 3]")));
}

TEST(FlagCombinationTest, AtMostOne) {
  EXPECT_THAT(AtMostOneFlag({{"a", false}, {"b", false}}), IsOk());
  EXPECT_EQ(*AtMostOneFlag({{"a", false}, {"b", true}}), "b");
  EXPECT_EQ(*AtMostOneFlag({{"a", false}, {"b", false}}), "");
  EXPECT_THAT(AtMostOneFlag({{"user_tps", true}, {"tpot_ms", true}, {"sla", false}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--tpot_ms: conflicts with --user_tps; give one of --user_tps, --tpot_ms, "
                       "--sla"));
}

TEST(FlagCombinationTest, RequiredAndOnlyWith) {
  EXPECT_THAT(RequireFlag({"dp", true}, "machine_tps"), IsOk());
  EXPECT_THAT(RequireFlag({"dp", false}, "machine_tps"),
              StatusIs(absl::StatusCode::kInvalidArgument, "--dp: required with --machine_tps"));
  EXPECT_THAT(RequiredFlag({"out", false}),
              StatusIs(absl::StatusCode::kInvalidArgument, "--out: required"));
  EXPECT_THAT(
      RequiredFlag({"out", false}, "(the baseline to write)"),
      StatusIs(absl::StatusCode::kInvalidArgument, "--out: required (the baseline to write)"));
  EXPECT_THAT(OnlyWith({"device", true}, {"trace", false}),
              StatusIs(absl::StatusCode::kInvalidArgument, "--device: applies to --trace only"));
  EXPECT_THAT(OnlyWith({"device", true}, {"trace", true}), IsOk());
  EXPECT_THAT(OnlyWith({"device", false}, {"trace", false}), IsOk());
}

TEST(FlagCombinationTest, DurationOrItsMillisecondSpelling) {
  EXPECT_EQ(*DurationFlag("host_gap", std::nullopt, "host_gap_ms", std::nullopt), std::nullopt);
  EXPECT_EQ(*DurationFlag("host_gap", Milliseconds(2), "host_gap_ms", std::nullopt),
            Milliseconds(2));
  EXPECT_EQ(*DurationFlag("host_gap", std::nullopt, "host_gap_ms", 1.3), Milliseconds(1.3));
  EXPECT_EQ(*DurationFlag("host_gap", std::nullopt, "host_gap_ms", 0.0), Milliseconds(0));
  EXPECT_THAT(DurationFlag("host_gap", Milliseconds(2), "host_gap_ms", 2.0),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       "--host_gap_ms: conflicts with --host_gap; give one"));
  EXPECT_THAT(DurationFlag("host_gap", std::nullopt, "host_gap_ms", -5.0),
              StatusIs(absl::StatusCode::kInvalidArgument, "--host_gap_ms: must be >= 0, got -5"));
  EXPECT_THAT(
      DurationFlag("host_gap", std::nullopt, "host_gap_ms",
                   std::numeric_limits<double>::infinity()),
      StatusIs(absl::StatusCode::kInvalidArgument, "--host_gap_ms: must be finite, got inf"));
}

TEST(WithFlagTest, PrefixesErrorsOnly) {
  EXPECT_THAT(WithFlag("context", absl::NotFoundError("x.txt: cannot open")),
              StatusIs(absl::StatusCode::kNotFound, "--context: x.txt: cannot open"));
  EXPECT_THAT(WithFlag("context", absl::OkStatus()), IsOk());
}

}  // namespace
}  // namespace perfmodel
