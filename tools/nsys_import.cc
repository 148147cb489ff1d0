// File: tools/nsys_import.cc
// -----------------------------------------------------------------------------
//
// nsys_import: writes a measured baseline (proto/baseline.proto) from the CSV of
// an Nsight Systems kernel summary or kernel trace and a rules file mapping
// kernels to canonical ops (profile/nsys_import.h has the semantics).
//
//   nsys stats --report cuda_gpu_kern_sum --format csv --output prof prof.nsys-rep
//   bazel run //tools:nsys_import -- --kern_sum=prof_cuda_gpu_kern_sum.csv
//       --steps=20 --out=baselines/my_run.textproto   (one command line)
//   # stdout: the ops (us per layer, count, us per step) and a table of the
//   # kernels no rule maps; exit code 0. Bad flags or input: one line on
//   # stderr, exit code 2, and --out is left as it was.
//
// Relative paths are taken from the directory `bazel run` was started in
// (BUILD_WORKING_DIRECTORY); the default --rules falls back to the copy in
// the tool's runfiles.

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "loader/load.h"
#include "base/status_macros.h"
#include "cli/cli.h"
#include "profile/nsys_import.h"

ABSL_FLAG(std::string, kern_sum, "",
          "CSV of `nsys stats --report cuda_gpu_kern_sum --format csv` (or gpukernsum)");
ABSL_FLAG(std::string, trace, "",
          "CSV of `nsys stats --report cuda_gpu_trace --format csv` (or gputrace); use instead "
          "of --kern_sum to attribute a shared kernel's launches by position");
ABSL_FLAG(std::string, device, "",
          "with --trace: the Device value to keep, e.g. 'NVIDIA H800 (0)' (needed when the "
          "trace holds several GPUs)");
ABSL_FLAG(std::string, rules, "baselines/rules/deepseek_v3_decode.textproto",
          "rules textproto (proto/nsys_rules.proto) mapping kernel names to ops");
ABSL_FLAG(std::string, out, "", "baseline textproto to write (required)");
ABSL_FLAG(int64_t, steps, 0, "number of decode steps the profile holds (required, > 0)");
ABSL_FLAG(std::string, name, "", "baseline name (default: --out's file name without extension)");
ABSL_FLAG(std::string, model, "", "model textproto path to record, e.g. models/deepseek_v3.textproto");
ABSL_FLAG(std::string, hardware, "", "hardware textproto path to record");
ABSL_FLAG(std::string, deployment, "", "deployment textproto path to record");
ABSL_FLAG(int64_t, batch_per_dp, 0, "requests per DP rank in the profiled steps (0: not recorded)");
ABSL_FLAG(int64_t, context_tokens, 0, "context length of the requests (0: not recorded)");
ABSL_FLAG(std::string, dataset, "", "what the requests looked like");
ABSL_FLAG(double, forward_ms, 0, "measured forward time per step, ms (0: not recorded)");
ABSL_FLAG(double, host_gap_ms, 0, "measured idle gap between forwards, ms");

namespace perfmodel::nsys {
namespace {

namespace fs = std::filesystem;

// Resolve() makes a user-given path absolute against the directory `bazel
// run` started in; a relative path that is not there (the default rules) is
// left relative, i.e. found in the runfiles.
std::string Resolve(const std::string& path, bool for_writing) {
  const char* bwd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (path.empty() || fs::path(path).is_absolute() || bwd == nullptr) return path;
  const fs::path there = fs::path(bwd) / path;
  std::error_code ec;
  if (for_writing || fs::exists(there, ec)) return there.string();
  return path;
}

absl::Status Run(const std::vector<std::string>& args) {
  const std::string kern_sum = absl::GetFlag(FLAGS_kern_sum);
  const std::string trace = absl::GetFlag(FLAGS_trace);
  if (kern_sum.empty() == trace.empty()) {
    return absl::InvalidArgumentError("give exactly one of --kern_sum and --trace");
  }
  if (!absl::GetFlag(FLAGS_device).empty() && trace.empty()) {
    return absl::InvalidArgumentError("--device applies to --trace only");
  }
  const std::string out = absl::GetFlag(FLAGS_out);
  if (out.empty()) return absl::InvalidArgumentError("--out is required");
  if (absl::GetFlag(FLAGS_steps) <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--steps must be > 0 (decode steps in the profile), got ",
                     absl::GetFlag(FLAGS_steps)));
  }

  const std::string csv_path = Resolve(kern_sum.empty() ? trace : kern_sum, false);
  absl::StatusOr<std::string> csv = ReadFile(csv_path);
  if (!csv.ok()) return csv.status();
  absl::StatusOr<KernelTable> table = kern_sum.empty()
                                          ? ParseTrace(*csv, csv_path, absl::GetFlag(FLAGS_device))
                                          : ParseKernSum(*csv, csv_path);
  if (!table.ok()) return table.status();
  absl::StatusOr<Rules> rules = LoadRules(Resolve(absl::GetFlag(FLAGS_rules), false));
  if (!rules.ok()) return rules.status();

  ImportOptions o;
  o.steps = absl::GetFlag(FLAGS_steps);
  pb::Baseline& h = o.header;
  const std::string name = absl::GetFlag(FLAGS_name);
  h.set_name(name.empty() ? fs::path(out).stem().string() : name);
  if (!absl::GetFlag(FLAGS_model).empty()) h.set_model(absl::GetFlag(FLAGS_model));
  if (!absl::GetFlag(FLAGS_hardware).empty()) h.set_hardware(absl::GetFlag(FLAGS_hardware));
  if (!absl::GetFlag(FLAGS_deployment).empty()) h.set_deployment(absl::GetFlag(FLAGS_deployment));
  if (absl::GetFlag(FLAGS_batch_per_dp) > 0) h.set_batch_per_dp(absl::GetFlag(FLAGS_batch_per_dp));
  if (absl::GetFlag(FLAGS_context_tokens) > 0) {
    h.set_context_tokens(absl::GetFlag(FLAGS_context_tokens));
  }
  if (!absl::GetFlag(FLAGS_dataset).empty()) h.set_dataset(absl::GetFlag(FLAGS_dataset));
  if (absl::GetFlag(FLAGS_forward_ms) > 0) h.set_forward_ms(absl::GetFlag(FLAGS_forward_ms));
  if (absl::GetFlag(FLAGS_host_gap_ms) < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--host_gap_ms must be >= 0, got ",
                                                   absl::GetFlag(FLAGS_host_gap_ms)));
  }
  h.set_host_gap_ms(absl::GetFlag(FLAGS_host_gap_ms));

  absl::StatusOr<ImportResult> result = Import(*table, *rules, o);
  if (!result.ok()) return result.status();
  const std::string out_path = Resolve(out, true);
  const std::string text = BaselineTextproto(
      *result, absl::StrCat("//tools:nsys_import ", absl::StrJoin(args, " ")));
  // What we write must load as a baseline; check before touching --out.
  PM_RETURN_IF_ERROR(ParseBaseline(text, out_path).status());
  PM_RETURN_IF_ERROR(WriteFileAtomically(out_path, text));
  std::cout << FormatReport(*result) << "wrote " << out_path << "\n";
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel::nsys

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Writes a measured baseline from nsys stats CSV output.\n"
      "  nsys stats --report cuda_gpu_kern_sum --format csv --output prof prof.nsys-rep\n"
      "  bazel run //tools:nsys_import -- --kern_sum=prof_cuda_gpu_kern_sum.csv --steps=N \\\n"
      "      [--rules=baselines/rules/deepseek_v3_decode.textproto] --out=baselines/x.textproto");
  std::vector<char*> rest = perfmodel::ParseCommandLineOrExit(argc, argv);
  if (rest.size() > 1) {
    std::cerr << "nsys_import: unexpected argument '" << rest[1] << "' (flags only; see --help)\n";
    return 2;
  }
  const std::vector<std::string> args(argv + 1, argv + argc);
  const absl::Status s = perfmodel::nsys::Run(args);
  if (!s.ok()) {
    std::cerr << "nsys_import: " << absl::StrReplaceAll(s.message(), {{"\n", "; "}}) << "\n";
    return 2;
  }
  return 0;
}
