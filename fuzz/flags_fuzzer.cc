// File: fuzz/flags_fuzzer.cc
// -----------------------------------------------------------------------------
//
// The tools' command lines through CheckCommandLine() (cli/cli.h), the
// check every tool's main runs before its Run(). The input is one argument
// per line. The flags registered here are one of each type the tools
// declare, under the tools' names (--host_gap and --host_gap_ms, --bytes,
// --dtype, --context, --phase, --op, --format, ...), so every typed parser
// of cli/flags.h, cli/choice_flags.h and report/render.h is reached through
// the same path as in a tool. Properties: a rejected command line is
// InvalidArgument naming a flag ("--name: ..."); an accepted duration or
// byte size is finite, >= 0 and unparses to text that parses back to the
// same value; an accepted --context law is one ContextFromSpec() builds
// (its parameters were checked when parsed); DurationFlag() merges
// --host_gap and --host_gap_ms into a finite duration >= 0 or an error
// naming one of them.
//
// Seeds: fuzz/corpus/flags_fuzzer/ (the README's tool command lines, one
// argument per line, and bad values).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "cli/choice_flags.h"
#include "cli/cli.h"
#include "cli/flags.h"
#include "fuzz/check.h"
#include "report/render.h"

// One flag of each type the tools declare (tools/*.cc), named as there.
ABSL_FLAG(perfmodel::render::Format, format, perfmodel::render::Format::kText, "fuzz");
ABSL_FLAG(std::optional<perfmodel::Duration>, host_gap, std::nullopt, "fuzz");
ABSL_FLAG(std::optional<double>, host_gap_ms, std::nullopt, "fuzz");
ABSL_FLAG(perfmodel::Duration, launch, perfmodel::Duration::Zero(), "fuzz");
ABSL_FLAG(std::optional<perfmodel::Bytes>, bytes, std::nullopt, "fuzz");
ABSL_FLAG(perfmodel::Bytes, kv_bytes, perfmodel::Bytes::Zero(), "fuzz");
ABSL_FLAG(std::optional<perfmodel::DType>, dtype, std::nullopt, "fuzz");
ABSL_FLAG(perfmodel::DType, weight_dtype, perfmodel::DType::kFp8, "fuzz");
ABSL_FLAG(perfmodel::Overlap, overlap, perfmodel::Overlap::kNone, "fuzz");
ABSL_FLAG(perfmodel::EpKernels, ep_kernels, perfmodel::EpKernels::kLowLatency, "fuzz");
ABSL_FLAG(perfmodel::Transport, transport, perfmodel::Transport::kAuto, "fuzz");
ABSL_FLAG(std::optional<perfmodel::Phase>, phase, std::nullopt, "fuzz");
ABSL_FLAG(std::optional<perfmodel::ContextSpec>, context, std::nullopt, "fuzz");
ABSL_FLAG(std::optional<perfmodel::OpKind>, op, std::nullopt, "fuzz");
ABSL_FLAG(perfmodel::ImbalanceModel, imbalance, perfmodel::ImbalanceModel::kAnalytic, "fuzz");
ABSL_FLAG(perfmodel::SlaSearch, search, perfmodel::SlaSearch::kBisection, "fuzz");
ABSL_FLAG(perfmodel::bench::CompareClock, time, perfmodel::bench::CompareClock::kAuto, "fuzz");
ABSL_FLAG(std::optional<int64_t>, batch_per_dp, std::nullopt, "fuzz");
ABSL_FLAG(int64_t, dp, 8, "fuzz");
ABSL_FLAG(uint64_t, seed, 1, "fuzz");
ABSL_FLAG(std::optional<double>, tpot_ms, std::nullopt, "fuzz");
ABSL_FLAG(double, accept, 1.0, "fuzz");
ABSL_FLAG(bool, disaggregated, true, "fuzz");
ABSL_FLAG(std::string, model, "models/deepseek_v3.textproto", "fuzz");

namespace perfmodel::fuzz {
namespace {

// CheckRoundTrip() holds AbslUnparseFlag()'s promise: the text parses back to
// the same value.
template <typename T>
void CheckRoundTrip(const T& value, absl::string_view what) {
  const std::string text = AbslUnparseFlag(value);
  T back;
  std::string error;
  Check(AbslParseFlag(text, &back, &error) && back == value,
        std::string(what) + ": '" + text + "' does not parse back to the value unparsed");
}

void CheckFlags() {
  for (const std::optional<Duration> d :
       {absl::GetFlag(FLAGS_host_gap), std::optional<Duration>(absl::GetFlag(FLAGS_launch))}) {
    if (!d.has_value()) continue;
    CheckQuantity(*d, "a duration flag");
    CheckRoundTrip(*d, "a duration flag");
  }
  for (const std::optional<Bytes> b :
       {absl::GetFlag(FLAGS_bytes), std::optional<Bytes>(absl::GetFlag(FLAGS_kv_bytes))}) {
    if (!b.has_value()) continue;
    CheckQuantity(*b, "a byte-size flag");
    CheckRoundTrip(*b, "a byte-size flag");
  }
  const absl::StatusOr<std::optional<Duration>> gap = DurationFlag(
      "host_gap", absl::GetFlag(FLAGS_host_gap), "host_gap_ms", absl::GetFlag(FLAGS_host_gap_ms));
  if (gap.ok()) {
    if (gap->has_value()) CheckQuantity(**gap, "DurationFlag(host_gap, host_gap_ms)");
  } else {
    Check(gap.status().message().find("--host_gap") == 0,
          "DurationFlag: error names no flag: " + std::string(gap.status().message()));
  }
  if (const std::optional<ContextSpec> spec = absl::GetFlag(FLAGS_context);
      spec.has_value() && spec->kind != ContextSpec::Kind::kFile) {
    const absl::StatusOr<ContextDistribution> d = ContextFromSpec(*spec);
    Check(d.ok(), "--context=" + spec->text +
                      " parsed but ContextFromSpec() failed: " + std::string(d.status().message()));
    const double mean = ToTokens(d->Mean());
    Check(std::isfinite(mean) && mean >= 1.0 - 1e-9 &&
              mean <= static_cast<double>(d->Largest()) * (1 + 1e-12),
          "--context=" + spec->text + ": mean outside [1, Largest()]");
  }
}

}  // namespace
}  // namespace perfmodel::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace perfmodel;
  using namespace perfmodel::fuzz;
  const absl::FlagSaver restore_flags_after_this_input;
  std::vector<std::string> args = {"fuzz_tool"};
  for (const absl::string_view line : absl::StrSplit(AsText(data, size), '\n')) {
    args.emplace_back(line);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  const absl::Status s = CheckCommandLine(argv);
  if (!s.ok()) {
    Check(s.code() == absl::StatusCode::kInvalidArgument && s.message().substr(0, 2) == "--",
          "CheckCommandLine: error is not InvalidArgument naming a flag: " + s.ToString());
    return 0;
  }
  CheckFlags();
  return 0;
}
