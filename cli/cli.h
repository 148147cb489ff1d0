// File: cli/cli.h
// -----------------------------------------------------------------------------
//
// Command-line handling shared by perfmodel's tools. absl::ParseCommandLine()
// exits with status 1 on an unknown flag or a bad value; perfmodel's tools
// promise exit status 2 and a one-line message naming the flag for any bad
// input. ParseCommandLineOrExit() checks every flag first, then lets Abseil
// parse (and handle --help, --flagfile and friends).
//
//   int main(int argc, char* argv[]) {
//     absl::SetProgramUsageMessage("...");
//     std::vector<char*> args = perfmodel::ParseCommandLineOrExit(argc, argv);
//     return perfmodel::ExitCode("tool", Run(args));
//   }
//   // $ tool --machine_tps=abc
//   // tool: --machine_tps: Illegal value 'abc' specified for flag 'machine_tps'
//   // (exit status 2)

#ifndef CLI_CLI_H_
#define CLI_CLI_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace perfmodel {

// CheckCommandLine() checks each flag in argv[1..] against the registered Abseil
// flags without exiting: an unknown name, a missing value or a value the flag's
// type rejects gives InvalidArgument whose message starts "--<name>: ". It sets
// the flags it parses (as absl::ParseCommandLine would). Arguments after "--"
// and positional arguments are not checked; --flagfile, --fromenv,
// --tryfromenv, --undefok and the usage flags (--help, --helpfull, --version,
// ...) are left to Abseil (whose --help exits with status 1).
[[nodiscard]] absl::Status CheckCommandLine(absl::Span<char* const> argv);

// ParseCommandLineOrExit() runs CheckCommandLine() (printing the one-line error,
// prefixed by the program's file name, on stderr and exiting with status 2 when
// it fails), then
// absl::ParseCommandLine(), and returns its positional arguments (argv[0]
// first).
std::vector<char*> ParseCommandLineOrExit(int argc, char* argv[]);

// ExitCode() is 0 for OK and 2 otherwise, after printing "<program>: <message>"
// on stderr as one line (newlines in the message become spaces; no prefix when
// `program` is empty).
int ExitCode(absl::string_view program, const absl::Status& status);

// OneLine() replaces newlines (and carriage returns) in `s` by spaces.
std::string OneLine(absl::string_view s);

}  // namespace perfmodel

#endif  // CLI_CLI_H_
