// File: cli/tool_fuzz.h
// -----------------------------------------------------------------------------
//
// One tool's command line under libFuzzer: the tool's own flags, the same
// check RunTool() makes (CheckCommandLine(), then RunParsed()) and the
// tool's Run() on every input, its output inspected instead of written.
// PERFMODEL_TOOL_MAIN (cli/cli.h) calls it when the tool is built as a fuzz
// target (//fuzz:<tool>_flags_fuzzer).
//
// Before each input the tool's ToolInfo::fuzz_flags are set (serve's
// smaller --requests). The input is one argument per line (a '\r' before the newline is dropped).
// Inputs the harness does not run (0 is returned at once): more than 32
// arguments or 4096 bytes, a NUL byte, a flag Abseil interprets itself
// (LeftToAbseil(): --flagfile, --help, ...), or a path that leaves the repo:
// an argument or flag value starting with '/' or '~', or holding "..". The
// tools' default paths (e.g. /proc/cpuinfo) are read as in a real run.
//
// Properties (a violation prints "fuzz finding: ..." and aborts):
// - a rejected command line is InvalidArgument and names a flag ("--x: ...");
// - an error from Run() has a message and is not Internal (Internal is a
//   tool's own result failing its own check, e.g. a generated textproto
//   that does not load);
// - with --format=json, what the tool prints parses as JSON.
// Every flag is put back to its value before the first input after each one.
// PERFMODEL_FUZZ_VERBOSE=1 prints each input's outcome ("ok, N bytes" or the
// error) on stderr, to see what a seed reaches.

#ifndef CLI_TOOL_FUZZ_H_
#define CLI_TOOL_FUZZ_H_

#include <cstddef>
#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "cli/cli.h"

namespace perfmodel {

int FuzzTool(const uint8_t* data, size_t size, const ToolInfo& info,
             absl::FunctionRef<absl::Status(const ToolContext&, ToolOutput&)> run);

}  // namespace perfmodel

#endif  // CLI_TOOL_FUZZ_H_
