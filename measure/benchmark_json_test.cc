// Tests for measure/benchmark_json.h on small Google Benchmark files:
// iteration rows and aggregates reduce by the documented rule, Google
// Benchmark's NaN and Infinity parse, and bad files fail in one line naming the
// file, the line and column, and the field (or RapidJSON's syntax message).

#include "measure/benchmark_json.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "perfmodel/testing/matchers.h"

namespace perfmodel::bench {
namespace {

using ::perfmodel::testing::DurationNear;
using ::perfmodel::testing::IsOk;
using ::perfmodel::testing::StatusIs;
using ::testing::AllOf;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
constexpr Duration kTiny = Nanoseconds(0.001);

TEST(BenchmarkJsonTest, IterationRowsGiveMedianAndMad) {
  absl::StatusOr<BenchmarkFile> f = ReadBenchmarkJson("measure/testdata/compare_old.json");
  ASSERT_THAT(f, IsOk());
  EXPECT_EQ(f->kernel_time, TimeKind::kReal);  // no context.kernel_time
  EXPECT_EQ(f->ContextValue("num_cpus"), "2");
  EXPECT_EQ(f->ContextValue("host_name"), "fixture");
  ASSERT_EQ(f->series.size(), 6u);
  const BenchmarkSeries* noisy = f->Find("noisy");  // repetitions 100, 130, 70 us
  ASSERT_NE(noisy, nullptr);
  EXPECT_EQ(noisy->real_times.size(), 3u);
  const Summary s = noisy->Summarize(TimeKind::kReal);
  EXPECT_THAT(s.typical, DurationNear(Microseconds(100), kTiny));
  // Deviations from the median: 0, 30, 30; their median 30.
  EXPECT_THAT(s.spread, DurationNear(1.4826 * Microseconds(30), kTiny));
  EXPECT_EQ(s.repetitions, 3);
  // cpu_time is half of real_time in the fixture.
  EXPECT_THAT(noisy->Summarize(TimeKind::kCpu).typical, DurationNear(Microseconds(50), kTiny));
}

TEST(BenchmarkJsonTest, AggregatesOnlyGiveMedianAndStddev) {
  absl::StatusOr<BenchmarkFile> f = ReadBenchmarkJson("measure/testdata/compare_new.json");
  ASSERT_THAT(f, IsOk());
  EXPECT_EQ(f->kernel_time, TimeKind::kReal);  // says real_time
  const BenchmarkSeries* slower = f->Find("slower");  // 0.120, 0.121, 0.119 ms
  ASSERT_NE(slower, nullptr);
  EXPECT_TRUE(slower->real_times.empty());
  const Summary s = slower->Summarize(TimeKind::kReal);
  EXPECT_THAT(s.typical, DurationNear(Milliseconds(0.120), kTiny));
  EXPECT_THAT(s.spread, DurationNear(Milliseconds(0.001), kTiny));  // sample stddev
  EXPECT_EQ(s.repetitions, 3);
  ASSERT_EQ(slower->median_counters.size(), 1u);
  EXPECT_EQ(slower->median_counters[0].first, "FLOP/s");
  EXPECT_EQ(slower->median_counters[0].second, 1e9);
}

TEST(BenchmarkJsonTest, ErrorRowsKeepTheMessage) {
  absl::StatusOr<BenchmarkFile> f = ReadBenchmarkJson("measure/testdata/compare_new.json");
  ASSERT_THAT(f, IsOk());
  const BenchmarkSeries* broken = f->Find("broken");
  ASSERT_NE(broken, nullptr);
  EXPECT_EQ(broken->error, "could not run");
  EXPECT_EQ(broken->Summarize(TimeKind::kReal).typical, Duration::Zero());
}

TEST(BenchmarkJsonTest, TwoRepetitionsUseSampleStddev) {
  absl::StatusOr<BenchmarkFile> f = ParseBenchmarkJson(R"({"benchmarks": [
      {"name": "a", "real_time": 10, "cpu_time": 10, "time_unit": "ns"},
      {"name": "a", "real_time": 14, "cpu_time": 10, "time_unit": "ns"}]})",
                                                       "two.json");
  ASSERT_THAT(f, IsOk());
  const Summary s = f->series[0].Summarize(TimeKind::kReal);
  EXPECT_THAT(s.typical, DurationNear(Nanoseconds(12), kTiny));
  EXPECT_THAT(s.spread, DurationNear(Nanoseconds(4 / std::sqrt(2.0)), kTiny));
  EXPECT_EQ(f->series[0].Summarize(TimeKind::kCpu).spread, Duration::Zero());
}

TEST(BenchmarkJsonTest, SeriesFollowRegistrationOrder) {
  // As --benchmark_enable_random_interleaving writes them: shuffled.
  absl::StatusOr<BenchmarkFile> f = ParseBenchmarkJson(R"({"benchmarks": [
      {"name": "late", "family_index": 1, "per_family_instance_index": 0,
       "real_time": 1, "cpu_time": 1, "time_unit": "ns"},
      {"name": "loose", "real_time": 1, "cpu_time": 1, "time_unit": "ns"},
      {"name": "b", "family_index": 0, "per_family_instance_index": 1,
       "real_time": 1, "cpu_time": 1, "time_unit": "ns"},
      {"name": "a", "family_index": 0, "per_family_instance_index": 0,
       "real_time": 1, "cpu_time": 1, "time_unit": "ns"}]})",
                                                       "shuffled.json");
  ASSERT_THAT(f, IsOk());
  ASSERT_EQ(f->series.size(), 4u);
  EXPECT_EQ(f->series[0].run_name, "a");
  EXPECT_EQ(f->series[1].run_name, "b");
  EXPECT_EQ(f->series[2].run_name, "late");
  EXPECT_EQ(f->series[3].run_name, "loose");
}

TEST(BenchmarkJsonTest, ContextSelectsCpuTime) {
  absl::StatusOr<BenchmarkFile> f =
      ParseBenchmarkJson(R"({"context": {"kernel_time": "cpu_time"}, "benchmarks": []})", "c.json");
  ASSERT_THAT(f, IsOk());
  EXPECT_EQ(f->kernel_time, TimeKind::kCpu);
}

TEST(BenchmarkJsonTest, MissingFileIsNotFound) {
  EXPECT_THAT(ReadBenchmarkJson("measure/testdata/nope.json"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("measure/testdata/nope.json")));
}

TEST(BenchmarkJsonTest, MalformedFileNamesFileLineAndColumn) {
  EXPECT_THAT(ReadBenchmarkJson("measure/testdata/malformed.json"),
              StatusIs(kInvalid, Eq("measure/testdata/malformed.json:4:56: Missing a name for "
                                    "object member.")));
}

TEST(BenchmarkJsonTest, GoogleBenchmarkNonFiniteWordsParse) {
  // Google Benchmark writes bare NaN and Infinity (e.g. a counter over zero time).
  absl::StatusOr<BenchmarkFile> f = ParseBenchmarkJson(R"({"benchmarks": [
      {"name": "a", "run_type": "aggregate", "aggregate_name": "median", "time_unit": "ns",
       "real_time": 2, "cpu_time": 2, "rate": Infinity, "drop": -Infinity, "cv": NaN}]})",
                                                       "nonfinite.json");
  ASSERT_THAT(f, IsOk());
  const std::vector<std::pair<std::string, double>>& c = f->series[0].median_counters;
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].second, INFINITY);
  EXPECT_EQ(c[1].second, -INFINITY);
  EXPECT_TRUE(std::isnan(c[2].second));
}

TEST(BenchmarkJsonTest, NumbersAndStringsAreExact) {
  absl::StatusOr<BenchmarkFile> f = ParseBenchmarkJson(
      R"({"context": {"big": 12345678901234, "tiny": 1.5e-3, "flag": true},
          "benchmarks": [{"name": "caf\u00e9 \"x\"\n\ud83d\ude00", "time_unit": "ns",
                          "real_time": 0.1, "cpu_time": 17, "repetitions": 3}]})",
      "exact.json");
  ASSERT_THAT(f, IsOk());
  EXPECT_EQ(f->ContextValue("big"), "1.23457e+13");  // %g, as the context is printed
  EXPECT_EQ(f->ContextValue("tiny"), "0.0015");
  EXPECT_EQ(f->ContextValue("flag"), "true");
  ASSERT_EQ(f->series.size(), 1u);
  EXPECT_EQ(f->series[0].run_name, "caf\xc3\xa9 \"x\"\n\xf0\x9f\x98\x80");
  EXPECT_EQ(f->series[0].real_times[0], 0.1 * Nanoseconds(1));  // the correctly rounded 0.1
  EXPECT_EQ(f->series[0].repetitions, 3);
}

TEST(BenchmarkJsonTest, FieldErrorsPointAtTheValue) {
  EXPECT_THAT(
      ParseBenchmarkJson("{\"benchmarks\": [\n  {\"name\": \"a\",\n   \"time_unit\":  \"ps\"}]}",
                         "b.json"),
      StatusIs(kInvalid, Eq("b.json:3:18: benchmarks[0].time_unit: expected one of ns, "
                            "us, ms, s, got \"ps\"")));
  // A missing field points at its row.
  EXPECT_THAT(ParseBenchmarkJson("{\"benchmarks\": [\n\n    {\"name\": \"a\"}]}", "b.json"),
              StatusIs(kInvalid, StartsWith("b.json:3:5: benchmarks[0].time_unit: required")));
}

TEST(BenchmarkJsonTest, DepthIsLimited) {
  const std::string deep = "{\"benchmarks\": [], \"x\": " + std::string(64, '[') +
                           std::string(64, ']') + "}";
  EXPECT_THAT(ParseBenchmarkJson(deep, "d.json"),
              StatusIs(kInvalid, Eq("d.json:1:88: nested deeper than 64 levels")));
  const std::string ok = "{\"benchmarks\": [], \"x\": " + std::string(63, '[') +
                         std::string(63, ']') + "}";
  EXPECT_THAT(ParseBenchmarkJson(ok, "d.json"), IsOk());
}

struct Malformed {
  std::string text;
  const char* message;
};

class MalformedTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(MalformedTest, IsOneLineNamingFileLineAndColumn) {
  EXPECT_THAT(ParseBenchmarkJson(GetParam().text, "dir/bad.json"),
              StatusIs(kInvalid, Eq(GetParam().message)));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MalformedTest,
    ::testing::Values(
        Malformed{"", "dir/bad.json:1:1: The document is empty."},
        Malformed{"{\"a\": tru}", "dir/bad.json:1:10: Invalid value."},  // where it stopped
        Malformed{"{\"a\": 1,}", "dir/bad.json:1:9: Missing a name for object member."},
        Malformed{"{\"a\" 1}", "dir/bad.json:1:6: Missing a colon after a name of object member."},
        Malformed{"[1,\n 2", "dir/bad.json:2:3: Missing a comma or ']' after an array element."},
        Malformed{"{\"a\": \"b\tc\"}",
                  "dir/bad.json:1:9: Invalid escape character in string."},  // a raw tab
        Malformed{"[1e999]", "dir/bad.json:1:2: Number too big to be stored in double."},
        Malformed{"{} x",
                  "dir/bad.json:1:4: The document root must not be followed by other "
                  "values."},
        Malformed{std::string("{}\0{}", 5), "dir/bad.json:1:3: a NUL byte in the text"},
        Malformed{"{\"benchmarks\": [],\n \"benchmarks\": 1}",
                  "dir/bad.json:2:2: duplicate key \"benchmarks\""}));

struct Bad {
  const char* text;
  const char* message;
};

class BadFileTest : public ::testing::TestWithParam<Bad> {};

TEST_P(BadFileTest, NamesPositionAndField) {
  EXPECT_THAT(ParseBenchmarkJson(GetParam().text, "b.json"),
              StatusIs(kInvalid, AllOf(StartsWith("b.json:"), HasSubstr(GetParam().message))));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadFileTest,
    ::testing::Values(
        Bad{"[]", "(top level): expected an object, got array"},
        Bad{"{}", "benchmarks: required field is missing"},
        Bad{R"({"benchmarks": {}})", "benchmarks: expected an array, got object"},
        Bad{R"({"context": 3, "benchmarks": []})", "context: expected an object, got 3"},
        Bad{R"({"context": {"kernel_time": "wall"}, "benchmarks": []})",
            "context.kernel_time: expected \"real_time\" or \"cpu_time\", got \"wall\""},
        Bad{R"({"benchmarks": [7]})", "benchmarks[0]: expected an object, got 7"},
        Bad{R"({"benchmarks": [{"real_time": 1}]})", "benchmarks[0].name: required field"},
        Bad{R"({"benchmarks": [{"name": 5}]})", "benchmarks[0].name: expected a string, got 5"},
        Bad{R"({"benchmarks": [{"name": "a", "run_type": "x"}]})",
            "benchmarks[0].run_type: expected \"iteration\" or \"aggregate\", got \"x\""},
        Bad{R"({"benchmarks": [{"name": "a", "real_time": 1, "cpu_time": 1}]})",
            "benchmarks[0].time_unit: required field is missing"},
        Bad{R"({"benchmarks": [{"name": "a", "time_unit": "ps"}]})",
            "b.json:1:44: benchmarks[0].time_unit: expected one of ns, us, ms, s, got \"ps\""},
        Bad{R"({"benchmarks": [{"name": "a", "time_unit": "ns", "real_time": -1}]})",
            "benchmarks[0].real_time: expected a finite number >= 0, got -1"},
        Bad{R"({"benchmarks": [{"name": "a", "time_unit": "ns", "real_time": NaN}]})",
            "benchmarks[0].real_time: expected a finite number >= 0, got nan"},
        Bad{R"({"benchmarks": [{"name": "a", "time_unit": "ns", "real_time": 1}]})",
            "benchmarks[0].cpu_time: required field is missing"},
        Bad{R"({"benchmarks": [{"name": "a", "run_type": "aggregate", "time_unit": "ns",
                                "real_time": 1, "cpu_time": 1}]})",
            "benchmarks[0].aggregate_name: required field is missing"},
        Bad{R"({"benchmarks": [{"name": "a", "repetitions": "3"}]})",
            "benchmarks[0].repetitions: expected a number >= 0, got \"3\""},
        // Found by //fuzz:benchmark_json_fuzzer: casting 5.6e36 to int64_t was undefined.
        Bad{R"({"benchmarks": [{"name": "a", "repetitions": 5.6e36}]})",
            "benchmarks[0].repetitions: expected a number in int64 range, got 5.6e+36"},
        Bad{R"({"benchmarks": [{"name": "a", "family_index": 1e19, "per_family_instance_index": 0}]})",
            "benchmarks[0].family_index: expected a number in int64 range, got 1e+19"}));

}  // namespace
}  // namespace perfmodel::bench
