// File: cli/cli.h
// -----------------------------------------------------------------------------
//
// The main of every perfmodel tool, and the command-line check under it.
// A tool is: usage message -> flag check -> `absl::Status Run()` -> exit code.
//
//   absl::Status Run(const perfmodel::ToolContext& context, perfmodel::ToolOutput& out) {
//     PM_ASSIGN_OR_RETURN(const Setup setup, LoadSetup({...}));
//     out.Print(render::Render(StepDocument(setup, ...), absl::GetFlag(FLAGS_format)));
//     return absl::OkStatus();
//   }
//   int main(int argc, char* argv[]) {
//     return perfmodel::RunTool(argc, argv, {.name = "report", .usage = "..."}, Run);
//   }
//   // $ report --batch_per_dp=abc
//   // report: --batch_per_dp: Illegal value 'abc' specified for flag 'batch_per_dp'
//   // (exit status 2, nothing on stdout)
//
// Exit codes (every tool; README.md, "Exit codes"):
//   0  success: the output is on stdout, the files asked for are written,
//      nothing is on stderr;
//   1  the tool ran and a check it was asked to make failed (bench_compare
//      --fail_on_regression with a regression); the output is complete;
//   2  bad flags or input: an unknown flag, a value its type rejects, a bad
//      combination of flags, a file that is missing or malformed (any error
//      status other than ResourceExhausted);
//   3  the input is valid but does not fit (ResourceExhausted: a deployment
//      over the GPU's memory; the message says by how much).
// For 2 and 3, stderr holds exactly one line, "<tool>: <message>", where the
// message names the flag ("--dp: ...") or the file and field; stdout is empty
// and no file is written. Abseil's --help and --helpfull exit 1 after
// printing the usage.
//
// Flag names in errors. A library words its errors by the name of the field
// it checks ("batch_per_dp: must be >= 1, got -3"), not by a flag. When such
// a message starts with "<name>: " and <name> is one of the program's flags
// (or is mapped to one by ToolInfo::field_flags), RunTool() writes it as that
// flag: "--batch_per_dp: must be >= 1, got -3".

#ifndef CLI_CLI_H_
#define CLI_CLI_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace perfmodel {

// What a tool's Run() is given besides its flags.
struct ToolContext final {
  std::string program;                  // argv[0]
  std::vector<std::string> args;        // argv[1..], as typed
  std::vector<std::string> positional;  // the arguments that are not flags
};

// ToolOutput collects what a tool's Run() produces. Nothing reaches stdout or
// the file system until Run() returns OK; then the files are written (each
// atomically, in the order given) and the text printed.
class ToolOutput final {
 public:
  // Print() appends `text` to what goes to stdout.
  void Print(absl::string_view text) { stdout_.append(text.data(), text.size()); }

  // WriteFile() asks for `contents` to be written to `path` (already
  // resolved, see base/paths.h). A failure to write is reported as an error
  // of `flag` ("--svg: /no/dir/plot.svg: cannot create ..."), exit 2.
  void WriteFile(std::string flag, std::string path, std::string contents) {
    files_.push_back({std::move(flag), std::move(path), std::move(contents)});
  }

  // SetCheckFailed() makes a successful run exit 1: the output is complete
  // and the check the tool was asked to make failed.
  void SetCheckFailed() { check_failed_ = true; }

  // Commit() writes the files, then prints the text; a file that cannot be
  // written stops it before anything reaches stdout.
  [[nodiscard]] absl::Status Commit();

  bool check_failed() const { return check_failed_; }
  const std::string& text() const { return stdout_; }

 private:
  struct File final {
    std::string flag, path, contents;
  };
  std::string stdout_;
  std::vector<File> files_;
  bool check_failed_ = false;
};

// How RunTool() runs one tool.
struct ToolInfo final {
  // The tool's name, which starts its error line ("sla: --dp: ...").
  absl::string_view name = {};
  // The usage message (--help).
  absl::string_view usage = {};
  // How many positional arguments the tool takes (more: "unexpected argument
  // 'x'; flags are --name=value"); the tool checks that enough are given.
  size_t max_positional = 0;
  // Library field names whose flag has another name, e.g. {"hardware", "hw"}.
  std::vector<std::pair<absl::string_view, absl::string_view>> field_flags = {};
  // Flags the tool's fuzz target (cli/tool_fuzz.h) sets before each input,
  // e.g. {"requests", "400"}: a smaller default workload, so a typical input
  // stays quick under the sanitizers. An input may set them again.
  std::vector<std::pair<absl::string_view, absl::string_view>> fuzz_flags = {};
};

// RunTool() sets the usage message, checks the command line (CheckCommandLine(),
// then absl::ParseCommandLine()), calls `run` through RunParsed() and turns
// its status into the exit code, printing the one-line error (see the header
// comment). It returns the exit code for main() to return.
int RunTool(int argc, char* argv[], const ToolInfo& info,
            absl::FunctionRef<absl::Status(const ToolContext&, ToolOutput&)> run);

// RunParsed() is what RunTool() does once the flags are set: too many
// positional arguments are an error ("unexpected argument 'x'; ..."), else
// `run`, whose error is worded by NameTheFlag() with `info.field_flags`.
// `out` is not committed: the caller writes it (RunTool()) or inspects it
// (cli/tool_fuzz.h).
[[nodiscard]] absl::Status RunParsed(
    const ToolInfo& info, const ToolContext& context, ToolOutput& out,
    absl::FunctionRef<absl::Status(const ToolContext&, ToolOutput&)> run);

// CheckCommandLine() checks each flag in argv[1..] against the registered Abseil
// flags without exiting: an unknown name, a missing value or a value the flag's
// type rejects gives InvalidArgument whose message starts "--<name>: " (then
// the parser's own error when it gives one, e.g. "--dtype: unknown dtype
// 'fp9'; ...", else Abseil's "Illegal value 'x' specified for flag 'name'").
// It sets the flags it parses (as absl::ParseCommandLine would: a bare
// boolean --name to true, --noname to false) and, when
// `positional` is given, appends the arguments that are not flags to it (those
// after "--" included), as absl::ParseCommandLine returns them. The flags
// LeftToAbseil() names are not checked; their values are skipped.
[[nodiscard]] absl::Status CheckCommandLine(absl::Span<char* const> argv,
                                            std::vector<std::string>* positional = nullptr);

// A flag argument split into its name and its value when it has one
// ("--name=value", "-name"; one dash or two).
struct FlagArg final {
  absl::string_view name;
  std::optional<absl::string_view> value;
};
// SplitFlag() is `arg` as a flag, or nullopt for a positional one (or "-").
std::optional<FlagArg> SplitFlag(absl::string_view arg);

// LeftToAbseil() is true for the flags Abseil's parser interprets rather than
// stores: the flag sources (--flagfile, --fromenv, --tryfromenv, --undefok)
// and the usage flags (--help, --helpfull, --version, ...; Abseil's --help
// exits with status 1).
bool LeftToAbseil(absl::string_view name);

// NameTheFlag() rewrites a message that starts with "<field>: " (a field is
// lower-case letters, digits, '_' and '.', e.g. "constraints.tpot_ms") to start with
// "--<flag>: " when <field> is mapped to a flag by `field_flags` or is itself
// a registered flag's name; any other status is returned as it is.
[[nodiscard]] absl::Status NameTheFlag(
    const absl::Status& status,
    absl::Span<const std::pair<absl::string_view, absl::string_view>> field_flags = {});

// ExitCode() is the exit code of `status` (0 OK, 3 ResourceExhausted, 2
// otherwise), after printing "<program>: <message>" on stderr as one line for
// an error (newlines in the message become spaces; no prefix when `program`
// is empty).
int ExitCode(absl::string_view program, const absl::Status& status);

// OneLine() replaces newlines (and carriage returns) in `s` by spaces.
std::string OneLine(absl::string_view s);

}  // namespace perfmodel

// PERFMODEL_TOOL_MAIN(run, {.name = ..., ...}) is a tool's main(): RunTool()
// with `run` and the ToolInfo written after it.
//
//   PERFMODEL_TOOL_MAIN(perfmodel::Run, {.name = "report", .usage = "..."})
//
// Compiled with PERFMODEL_TOOL_FUZZER defined (tools/tool.bzl's
// <tool>_flags_fuzz_lib, linked by //fuzz:<tool>_flags_fuzzer), the same
// line is the tool's libFuzzer entry point instead: FuzzTool()
// (cli/tool_fuzz.h) runs the tool's flags and `run` on each input.
#ifdef PERFMODEL_TOOL_FUZZER
#include "cli/tool_fuzz.h"
#define PERFMODEL_TOOL_MAIN(run, ...)                                                 \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {           \
    return ::perfmodel::FuzzTool(data, size, ::perfmodel::ToolInfo __VA_ARGS__, run); \
  }
#else
#define PERFMODEL_TOOL_MAIN(run, ...)                                                \
  int main(int argc, char* argv[]) {                                                 \
    return ::perfmodel::RunTool(argc, argv, ::perfmodel::ToolInfo __VA_ARGS__, run); \
  }
#endif

#endif  // CLI_CLI_H_
