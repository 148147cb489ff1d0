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
//   # stdout: the ops (us per layer, count, us per step), the totals, a table
//   # of the kernels no rule maps and the notes (--format); exit code 0. Bad
//   # flags or input: one line on stderr, exit code 2, and --out is left as
//   # it was (cli/cli.h).
//
// Relative paths are taken from the directory `bazel run` was started in
// (BUILD_WORKING_DIRECTORY); the default --rules falls back to the copy in
// the tool's runfiles.

#include "profile/nsys_import.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "absl/flags/flag.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "loader/load.h"
#include "profile/nsys_import_report.h"
#include "report/render.h"

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
ABSL_FLAG(std::optional<int64_t>, steps, std::nullopt,
          "number of decode steps the profile holds (required)");
ABSL_FLAG(std::string, name, "", "baseline name (default: --out's file name without extension)");
ABSL_FLAG(std::string, model, "",
          "model textproto path to record, e.g. models/deepseek_v3.textproto");
ABSL_FLAG(std::string, hardware, "", "hardware textproto path to record");
ABSL_FLAG(std::string, deployment, "", "deployment textproto path to record");
ABSL_FLAG(std::optional<int64_t>, batch_per_dp, std::nullopt,
          "requests per DP rank in the profiled steps (default: not recorded)");
ABSL_FLAG(std::optional<int64_t>, context_tokens, std::nullopt,
          "context length of the requests (default: not recorded)");
ABSL_FLAG(std::string, dataset, "", "what the requests looked like");
ABSL_FLAG(std::optional<double>, forward_ms, std::nullopt,
          "measured forward time per step, ms (default: not recorded)");
ABSL_FLAG(double, host_gap_ms, 0, "measured idle gap between forwards, ms");
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText,
          "text, markdown, csv or json");

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

// AtLeastOne() is an error for an optional flag given below 1.
absl::Status AtLeastOne(absl::string_view flag, const std::optional<int64_t>& v) {
  if (!v.has_value() || *v >= 1) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": must be >= 1, got ", *v));
}

absl::Status Run(const ToolContext& context, ToolOutput& output) {
  const std::string kern_sum = absl::GetFlag(FLAGS_kern_sum);
  const std::string trace = absl::GetFlag(FLAGS_trace);
  if (kern_sum.empty() == trace.empty()) {
    return absl::InvalidArgumentError("give exactly one of --kern_sum and --trace");
  }
  PM_RETURN_IF_ERROR(
      OnlyWith({"device", !absl::GetFlag(FLAGS_device).empty()}, {"trace", !trace.empty()}));
  const std::string out = absl::GetFlag(FLAGS_out);
  PM_RETURN_IF_ERROR(RequiredFlag({"out", !out.empty()}, "(the baseline to write)"));
  const std::optional<int64_t> steps = absl::GetFlag(FLAGS_steps);
  PM_RETURN_IF_ERROR(
      RequiredFlag({"steps", steps.has_value()}, "(the number of decode steps in the profile)"));
  PM_RETURN_IF_ERROR(AtLeastOne("batch_per_dp", absl::GetFlag(FLAGS_batch_per_dp)));
  PM_RETURN_IF_ERROR(AtLeastOne("context_tokens", absl::GetFlag(FLAGS_context_tokens)));
  const std::optional<double> forward_ms = absl::GetFlag(FLAGS_forward_ms);
  if (forward_ms.has_value() && (!(*forward_ms > 0) || !std::isfinite(*forward_ms))) {
    return absl::InvalidArgumentError(absl::StrCat("--forward_ms: must be > 0, got ", *forward_ms));
  }
  const double host_gap_ms = absl::GetFlag(FLAGS_host_gap_ms);
  if (!(host_gap_ms >= 0) || !std::isfinite(host_gap_ms)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--host_gap_ms: must be >= 0, got ", host_gap_ms));
  }

  const std::string csv_path = Resolve(kern_sum.empty() ? trace : kern_sum, false);
  PM_ASSIGN_OR_RETURN(const std::string csv, ReadFile(csv_path));
  PM_ASSIGN_OR_RETURN(const KernelTable table,
                      kern_sum.empty() ? ParseTrace(csv, csv_path, absl::GetFlag(FLAGS_device))
                                       : ParseKernSum(csv, csv_path));
  PM_ASSIGN_OR_RETURN(const Rules rules, LoadRules(Resolve(absl::GetFlag(FLAGS_rules), false)));

  ImportOptions o;
  o.steps = *steps;
  pb::Baseline& h = o.header;
  const std::string name = absl::GetFlag(FLAGS_name);
  h.set_name(name.empty() ? fs::path(out).stem().string() : name);
  if (!absl::GetFlag(FLAGS_model).empty()) h.set_model(absl::GetFlag(FLAGS_model));
  if (!absl::GetFlag(FLAGS_hardware).empty()) h.set_hardware(absl::GetFlag(FLAGS_hardware));
  if (!absl::GetFlag(FLAGS_deployment).empty()) h.set_deployment(absl::GetFlag(FLAGS_deployment));
  if (const auto b = absl::GetFlag(FLAGS_batch_per_dp)) h.set_batch_per_dp(*b);
  if (const auto c = absl::GetFlag(FLAGS_context_tokens)) h.set_context_tokens(*c);
  if (!absl::GetFlag(FLAGS_dataset).empty()) h.set_dataset(absl::GetFlag(FLAGS_dataset));
  if (forward_ms.has_value()) h.set_forward_ms(*forward_ms);
  h.set_host_gap_ms(host_gap_ms);

  PM_ASSIGN_OR_RETURN(const ImportResult result, Import(table, rules, o));
  const std::string out_path = Resolve(out, true);
  std::string text = BaselineTextproto(
      result, absl::StrCat("//tools:nsys_import ", absl::StrJoin(context.args, " ")));
  // What we write must load as a baseline; check before touching --out.
  PM_RETURN_IF_ERROR(ParseBaseline(text, out_path).status());
  output.WriteFile("out", out_path, std::move(text));
  output.Print(render::Render(ImportDocument(result, out_path), absl::GetFlag(FLAGS_format)));
  return absl::OkStatus();
}

}  // namespace
}  // namespace perfmodel::nsys

PERFMODEL_TOOL_MAIN(
    perfmodel::nsys::Run,
    {.name = "nsys_import",
     .usage =
         "Writes a measured baseline from nsys stats CSV output.\n"
         "  nsys stats --report cuda_gpu_kern_sum --format csv --output prof prof.nsys-rep\n"
         "  bazel run //tools:nsys_import -- --kern_sum=prof_cuda_gpu_kern_sum.csv --steps=N \\\n"
         "      [--rules=baselines/rules/deepseek_v3_decode.textproto] "
         "--out=baselines/x.textproto"})
