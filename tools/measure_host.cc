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
//   # stderr: measure_host: wrote hw/host_cpu.textproto (fp32 28.9 GFLOP/s, 10.2 GB/s)
//
// Without --out the textproto goes to stdout. Exit codes: 0 written, 2 bad
// flags or input (one line on stderr).

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "measure/host_hardware.h"
#include "base/paths.h"
#include "measure/kernel_baseline.h"
#include "loader/load.h"

ABSL_FLAG(std::string, benchmark_json, "",
          "the CPU suite's Google Benchmark JSON (required)");
ABSL_FLAG(std::string, out, "", "where to write the textproto; empty: stdout");
ABSL_FLAG(std::string, cpuinfo, "/proc/cpuinfo", "source of the CPU model name");
ABSL_FLAG(std::string, meminfo, "/proc/meminfo", "source of MemTotal");
ABSL_FLAG(std::string, json_label, "",
          "how the textproto cites the JSON; empty: --benchmark_json as given");

namespace perfmodel {
namespace {


absl::Status Run(const std::string& json_path, const std::string& out_path,
                 const std::string& cpuinfo_path, const std::string& meminfo_path,
                 const std::string& label) {
  if (json_path.empty()) return absl::InvalidArgumentError("--benchmark_json is required");
  absl::StatusOr<bench::KernelBaselines> baselines =
      bench::LoadKernelBaselines(ResolveInput(json_path));
  if (!baselines.ok()) return baselines.status();
  absl::StatusOr<bench::HostMeasurements> m = bench::DeriveHostMeasurements(*baselines);
  if (!m.ok()) return m.status();
  absl::StatusOr<std::string> cpuinfo = ReadFile(cpuinfo_path);
  if (!cpuinfo.ok()) return cpuinfo.status();
  absl::StatusOr<std::string> meminfo = ReadFile(meminfo_path);
  if (!meminfo.ok()) return meminfo.status();
  absl::StatusOr<bench::HostInfo> host =
      bench::ParseHostInfo(*cpuinfo, cpuinfo_path, *meminfo, meminfo_path);
  if (!host.ok()) return host.status();

  const std::string text = bench::HostCpuTextproto(*m, *host, label.empty() ? json_path : label);
  const std::string origin = out_path.empty() ? "(stdout)" : out_path;
  absl::StatusOr<LoadedHardware> check = ParseHardware(text, origin);
  if (!check.ok()) {
    return absl::InternalError(
        absl::StrCat("the generated textproto does not load: ", check.status().message()));
  }
  if (out_path.empty()) {
    std::cout << text;
    return absl::OkStatus();
  }
  if (absl::Status w = WriteFileAtomically(ResolveOutput(out_path), text); !w.ok()) return w;
  std::cerr << absl::StrFormat("measure_host: wrote %s (fp32 %.2f GFLOP/s, %.2f GB/s)\n",
                               out_path, m->fp32_peak / GigaflopsPerSecond(1),
                               ToGigabytesPerSecond(m->bandwidth));
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Writes the host's hardware textproto from the CPU kernel suite's JSON.\n"
      "  measure_host --benchmark_json=baselines/cpu/cpu_kernels.json "
      "[--out=hw/host_cpu.textproto]");
  const std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() > 1) {
    std::cerr << "measure_host: unexpected argument '" << args[1] << "' (see --help)\n";
    return 2;
  }
  const absl::Status s = perfmodel::Run(absl::GetFlag(FLAGS_benchmark_json),
                                        absl::GetFlag(FLAGS_out), absl::GetFlag(FLAGS_cpuinfo),
                                        absl::GetFlag(FLAGS_meminfo),
                                        absl::GetFlag(FLAGS_json_label));
  if (!s.ok()) {
    std::cerr << "measure_host: " << s.message() << "\n";
    return 2;
  }
  return 0;
}
