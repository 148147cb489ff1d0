// Tests for report/bench_report.h: the comparison document carries the rule,
// every benchmark and the verdict counts, in text and JSON; the host and
// kernel-check documents hold their figures.

#include "report/bench_report.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "measure/bench_compare.h"
#include "measure/benchmark_json.h"
#include "perfmodel/testing/matchers.h"
#include "report/render.h"

namespace perfmodel {
namespace {

using ::perfmodel::testing::IsOk;
using ::testing::HasSubstr;

TEST(ComparisonDocumentTest, RuleRowsAndCounts) {
  absl::StatusOr<bench::BenchmarkFile> o =
      bench::ReadBenchmarkJson("measure/testdata/compare_old.json");
  absl::StatusOr<bench::BenchmarkFile> n =
      bench::ReadBenchmarkJson("measure/testdata/compare_new.json");
  ASSERT_THAT(o, IsOk());
  ASSERT_THAT(n, IsOk());
  const bench::CompareOptions options;
  const std::vector<bench::ComparisonRow> rows = bench::CompareBenchmarks(*o, *n, options);
  const render::Document doc = ComparisonDocument("old.json", "new.json", rows, options);
  EXPECT_THAT(render::CheckDocument(doc), IsOk());
  const std::string text = render::Render(doc, render::Format::kText);
  EXPECT_THAT(text, HasSubstr("max(threshold, noise_k x combined relative spread)"));
  EXPECT_THAT(text, HasSubstr("old  old.json"));
  EXPECT_THAT(text, HasSubstr("100000.0"));
  EXPECT_THAT(text, HasSubstr("120000.0"));
  EXPECT_THAT(text, HasSubstr("1.200"));
  EXPECT_THAT(text, HasSubstr("REGRESSION"));
  EXPECT_THAT(text, HasSubstr("new: could not run"));
  const std::string json = render::Render(doc, render::Format::kJson);
  EXPECT_THAT(json, HasSubstr("\"threshold\": 0.050"));
  EXPECT_THAT(json, HasSubstr("\"benchmarks\": 7"));
  EXPECT_THAT(json, HasSubstr("\"regression\": 1"));
  EXPECT_THAT(json, HasSubstr("\"improvement\": 1"));
  EXPECT_THAT(json, HasSubstr("\"same\": 2"));
  EXPECT_THAT(json, HasSubstr("\"added\": 1"));
  EXPECT_THAT(json, HasSubstr("\"removed\": 1"));
  EXPECT_THAT(json, HasSubstr("\"error\": 1"));
  // A benchmark on one side only has no old (or new) time and no ratio.
  EXPECT_THAT(json, HasSubstr("\"benchmark\": \"gone\", \"old_ns\": 10000.0, \"new_ns\": null"));
}

TEST(HostDocumentTest, HoldsTheMeasuredFigures) {
  bench::HostMeasurements m;
  m.fp32_peak = GigaflopsPerSecond(28.9);
  m.peak_row = "peak_fp32";
  m.bandwidth = GigabytesPerSecond(10.2);
  m.bandwidth_row = "memory_triad";
  const bench::HostInfo host{.cpu_model = "Test CPU 9000", .memory = Gigabytes(16.384)};
  const std::string csv =
      render::Render(HostDocument(m, host, "hw/host_cpu.textproto"), render::Format::kCsv);
  EXPECT_EQ(csv,
            "cpu,out\n"
            "Test CPU 9000,hw/host_cpu.textproto\n"
            "\n"
            "memory_gb,fp32_gflops,bandwidth_gbps\n"
            "16.384,28.90,10.20\n");
}

TEST(BenchCheckDocumentTest, MedianAndWorstErrorAndTheFit) {
  const std::vector<bench::KernelCheckRow> rows = {
      {.name = "a", .kind = "gemm", .measured = Microseconds(10), .predicted = Microseconds(11)},
      {.name = "b", .kind = "gemm", .measured = Microseconds(10), .predicted = Microseconds(8)},
      {.name = "c", .kind = "memory", .measured = Microseconds(10), .predicted = Microseconds(10)}};
  HardwareSpec hw;
  hw.kernel_launch_overhead = Microseconds(2);
  const render::Document doc = BenchCheckDocument(
      rows,
      bench::ElementwiseFit{.fixed = Microseconds(1.885),
                            .memory_efficiency = 0.872,
                            .rows = 40,
                            .launch_floor = Microseconds(0.61)},
      hw);
  EXPECT_THAT(render::CheckDocument(doc), IsOk());
  const std::string text = render::Render(doc, render::Format::kText);
  EXPECT_THAT(text, HasSubstr("median |error|"));
  EXPECT_THAT(text, HasSubstr("20.0"));  // worst: b, -20 %
  EXPECT_THAT(text, HasSubstr("Fit of 40 elementwise rows"));
  EXPECT_THAT(text, HasSubstr("1.885"));
  EXPECT_THAT(text, HasSubstr("0.61"));
  EXPECT_EQ(BenchCheckDocument(rows, std::nullopt, hw).sections.size(), 1u);
}

}  // namespace
}  // namespace perfmodel
