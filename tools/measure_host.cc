// File: tools/measure_host.cc
// -----------------------------------------------------------------------------
//
// measure_host writes hw/host_cpu.textproto from the CPU kernel suite's JSON
// and /proc (rules: measure/host_hardware.h). The result is checked with
// the hardware loader before it is written, so a bad measurement never lands.
// tools/rebaseline_cpu.sh runs it after the suite; by hand:
//
//   bazel run //tools:measure_host -- --benchmark_json=baselines/cpu/cpu_kernels.json
//       --out=hw/host_cpu.textproto
//   # stdout: the CPU and the file written, then memory_gb, fp32_gflops and
//   # bandwidth_gbps with the rows they come from (--format)
//
// Without --out the textproto itself goes to stdout (so --format must be
// text). Exit codes (cli/cli.h): 0 written, 2 bad flags or input (one line on
// stderr).

#include <string>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/paths.h"
#include "base/status_macros.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "loader/load.h"
#include "measure/host_hardware.h"
#include "measure/kernel_baseline.h"
#include "report/bench_report.h"
#include "report/render.h"

ABSL_FLAG(std::string, benchmark_json, "", "the CPU suite's Google Benchmark JSON (required)");
ABSL_FLAG(std::string, out, "", "where to write the textproto; empty: stdout");
ABSL_FLAG(std::string, cpuinfo, "/proc/cpuinfo", "source of the CPU model name");
ABSL_FLAG(std::string, meminfo, "/proc/meminfo", "source of MemTotal");
ABSL_FLAG(std::string, json_label, "",
          "how the textproto cites the JSON; empty: --benchmark_json as given");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "with --out: how to print what was measured (text, markdown, csv or json)");

namespace perfmodel {
namespace {

absl::Status Run(const ToolContext&, ToolOutput& output) {
  const std::string json_path = absl::GetFlag(FLAGS_benchmark_json);
  const std::string out_path = absl::GetFlag(FLAGS_out);
  const std::string cpuinfo_path = absl::GetFlag(FLAGS_cpuinfo);
  const std::string meminfo_path = absl::GetFlag(FLAGS_meminfo);
  const std::string label = absl::GetFlag(FLAGS_json_label);
  const render::Format format = absl::GetFlag(FLAGS_format);
  PM_RETURN_IF_ERROR(RequiredFlag({"benchmark_json", !json_path.empty()}));
  if (out_path.empty() && format != render::Format::kText) {
    return absl::InvalidArgumentError(
        absl::StrCat("--format: ", render::FormatName(format),
                     " needs --out (without it stdout is the textproto itself)"));
  }
  PM_ASSIGN_OR_RETURN(const bench::KernelBaselines baselines,
                      bench::LoadKernelBaselines(ResolveInput(json_path)));
  PM_ASSIGN_OR_RETURN(const bench::HostMeasurements m, bench::DeriveHostMeasurements(baselines));
  PM_ASSIGN_OR_RETURN(const std::string cpuinfo, ReadFile(cpuinfo_path));
  PM_ASSIGN_OR_RETURN(const std::string meminfo, ReadFile(meminfo_path));
  PM_ASSIGN_OR_RETURN(const bench::HostInfo host,
                      bench::ParseHostInfo(cpuinfo, cpuinfo_path, meminfo, meminfo_path));

  std::string text = bench::HostCpuTextproto(m, host, label.empty() ? json_path : label);
  const std::string origin = out_path.empty() ? "(stdout)" : out_path;
  if (absl::StatusOr<LoadedHardware> check = ParseHardware(text, origin); !check.ok()) {
    return absl::InternalError(
        absl::StrCat("the generated textproto does not load: ", check.status().message()));
  }
  if (out_path.empty()) {
    output.Print(text);
    return absl::OkStatus();
  }
  output.WriteFile("out", ResolveOutput(out_path), std::move(text));
  output.Print(render::Render(HostDocument(m, host, out_path), format));
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

PERFMODEL_TOOL_MAIN(
    perfmodel::Run,
    {.name = "measure_host",
     .usage = "Writes the host's hardware textproto from the CPU kernel suite's JSON.\n"
              "  measure_host --benchmark_json=baselines/cpu/cpu_kernels.json "
              "[--out=hw/host_cpu.textproto]"})
