// Checks a command line against the registered Abseil flags; see cli/cli.h.

#include "cli/cli.h"

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"

namespace perfmodel {
namespace {

// Flags that Abseil's parser itself interprets rather than stores: the flag
// sources, and the usage pseudo-flags (not in the flag registry).
bool LeftToAbseil(absl::string_view name) {
  for (absl::string_view n : {"flagfile", "fromenv", "tryfromenv", "undefok", "help", "helpfull",
                              "helpshort", "helppackage", "helpon", "helpmatch", "version",
                              "only_check_args"}) {
    if (name == n) return true;
  }
  return false;
}

// Basename() is the file name part of a path.
absl::string_view Basename(absl::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string OneLine(absl::string_view s) {
  return absl::StrReplaceAll(s, {{"\r\n", " "}, {"\n", " "}, {"\r", " "}});
}

absl::Status CheckCommandLine(absl::Span<char* const> argv) {
  for (size_t i = 1; i < argv.size(); ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') continue;  // positional, or "-"
    arg.remove_prefix(arg[1] == '-' ? 2 : 1);
    const size_t eq = arg.find('=');
    const absl::string_view name = arg.substr(0, eq);
    const bool has_value = eq != absl::string_view::npos;
    if (LeftToAbseil(name)) {
      const bool takes_value = name == "flagfile" || name == "fromenv" || name == "tryfromenv" ||
                               name == "undefok" || name == "helpon" || name == "helpmatch";
      if (takes_value && !has_value) ++i;
      continue;
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && absl::StartsWith(name, "no") && !has_value) {
      absl::CommandLineFlag* negated = absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && negated->IsOfType<bool>()) continue;
    }
    if (flag == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("--", std::string(name), ": unknown flag"));
    }
    if (flag->IsOfType<bool>() && !has_value) continue;
    std::string value;
    if (has_value) {
      value = std::string(arg.substr(eq + 1));
    } else if (i + 1 < argv.size()) {
      value = argv[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", std::string(name), ": missing value"));
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(absl::StrCat("--", std::string(name), ": ", error));
    }
  }
  return absl::OkStatus();
}

std::vector<char*> ParseCommandLineOrExit(int argc, char* argv[]) {
  if (absl::Status s = CheckCommandLine(absl::MakeConstSpan(argv, argc)); !s.ok()) {
    std::exit(ExitCode(argc > 0 ? Basename(argv[0]) : "", s));
  }
  return absl::ParseCommandLine(argc, argv);
}

int ExitCode(absl::string_view program, const absl::Status& status) {
  if (status.ok()) return 0;
  std::cerr << (program.empty() ? "" : absl::StrCat(std::string(program), ": "))
            << OneLine(status.message()) << "\n";
  return 2;
}

}  // namespace perfmodel
