// The tools' main and the command-line check; see cli/cli.h.

#include "cli/cli.h"

#include <iostream>
#include <string>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "base/paths.h"

namespace perfmodel {
namespace {

// ParseError() is the flag's error for a rejected value: the parser's own
// message when it gives one (it names the value), else Abseil's.
std::string ParseError(absl::string_view name, absl::string_view value, absl::string_view error) {
  const std::string abseil =
      absl::StrCat("Illegal value '", value, "' specified for flag '", name, "'; ");
  if (absl::StartsWith(error, abseil) && error.size() > abseil.size()) {
    return std::string(error.substr(abseil.size()));
  }
  return std::string(error);
}

}  // namespace

// The usage pseudo-flags are not in the flag registry.
bool LeftToAbseil(absl::string_view name) {
  for (absl::string_view n :
       {"flagfile", "fromenv", "tryfromenv", "undefok", "help", "helpfull", "helpshort",
        "helppackage", "helpon", "helpmatch", "version", "only_check_args"}) {
    if (name == n) return true;
  }
  return false;
}

std::string OneLine(absl::string_view s) {
  return absl::StrReplaceAll(s, {{"\r\n", " "}, {"\n", " "}, {"\r", " "}});
}

std::optional<FlagArg> SplitFlag(absl::string_view arg) {
  if (arg.size() < 2 || arg[0] != '-') return std::nullopt;
  arg.remove_prefix(arg[1] == '-' ? 2 : 1);
  const size_t eq = arg.find('=');
  if (eq == absl::string_view::npos) return FlagArg{arg, std::nullopt};
  return FlagArg{arg.substr(0, eq), arg.substr(eq + 1)};
}

absl::Status CheckCommandLine(absl::Span<char* const> argv, std::vector<std::string>* positional) {
  for (size_t i = 1; i < argv.size(); ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") {
      if (positional != nullptr)
        positional->insert(positional->end(), argv.begin() + i + 1, argv.end());
      break;
    }
    const std::optional<FlagArg> split = SplitFlag(arg);
    if (!split.has_value()) {  // positional, or "-"
      if (positional != nullptr) positional->emplace_back(arg);
      continue;
    }
    const absl::string_view name = split->name;
    const bool has_value = split->value.has_value();
    if (LeftToAbseil(name)) {
      const bool takes_value = name == "flagfile" || name == "fromenv" || name == "tryfromenv" ||
                               name == "undefok" || name == "helpon" || name == "helpmatch";
      if (takes_value && !has_value) ++i;
      continue;
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    std::string error;
    if (flag == nullptr && absl::StartsWith(name, "no") && !has_value) {
      absl::CommandLineFlag* negated = absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && negated->IsOfType<bool>()) {
        negated->ParseFrom("false", &error);  // --noname
        continue;
      }
    }
    if (flag == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": unknown flag"));
    }
    if (flag->IsOfType<bool>() && !has_value) {
      flag->ParseFrom("true", &error);  // --name
      continue;
    }
    std::string value;
    if (has_value) {
      value = std::string(*split->value);
    } else if (i + 1 < argv.size()) {
      value = argv[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": missing value"));
    }
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, ": ", ParseError(name, value, error)));
    }
  }
  return absl::OkStatus();
}

absl::Status NameTheFlag(
    const absl::Status& status,
    absl::Span<const std::pair<absl::string_view, absl::string_view>> field_flags) {
  if (status.ok()) return status;
  const absl::string_view m = status.message();
  size_t end = 0;
  while (end < m.size() && (absl::ascii_islower(static_cast<unsigned char>(m[end])) ||
                            absl::ascii_isdigit(static_cast<unsigned char>(m[end])) ||
                            m[end] == '_' || m[end] == '.')) {
    ++end;
  }
  if (end == 0 || !absl::StartsWith(m.substr(end), ": ")) return status;
  const absl::string_view field = m.substr(0, end);
  absl::string_view flag;
  for (const auto& [from, to] : field_flags) {
    if (from == field) flag = to;
  }
  if (flag.empty() && absl::FindCommandLineFlag(field) != nullptr) flag = field;
  if (flag.empty()) return status;
  return absl::Status(status.code(), absl::StrCat("--", flag, m.substr(end)));
}

int ExitCode(absl::string_view program, const absl::Status& status) {
  if (status.ok()) return 0;
  std::cerr << (program.empty() ? "" : absl::StrCat(program, ": ")) << OneLine(status.message())
            << "\n";
  return status.code() == absl::StatusCode::kResourceExhausted ? 3 : 2;
}

absl::Status ToolOutput::Commit() {
  for (const File& f : files_) {
    if (absl::Status s = WriteFileAtomically(f.path, f.contents); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("--", f.flag, ": ", s.message()));
    }
  }
  std::cout << stdout_ << std::flush;
  return absl::OkStatus();
}

int RunTool(int argc, char* argv[], const ToolInfo& info,
            absl::FunctionRef<absl::Status(const ToolContext&, ToolOutput&)> run) {
  // Abseil takes one usage message per process (a second is fatal); tests
  // run several tools in one.
  static const bool usage_set = [&] {
    absl::SetProgramUsageMessage(info.usage);
    return true;
  }();
  (void)usage_set;
  if (absl::Status s = CheckCommandLine(absl::MakeConstSpan(argv, argc)); !s.ok()) {
    return ExitCode(info.name, s);
  }
  const std::vector<char*> rest = absl::ParseCommandLine(argc, argv);
  ToolContext context;
  context.program = argc > 0 ? argv[0] : "";
  for (int i = 1; i < argc; ++i) context.args.emplace_back(argv[i]);
  for (size_t i = 1; i < rest.size(); ++i) context.positional.emplace_back(rest[i]);
  ToolOutput out;
  absl::Status s = RunParsed(info, context, out, run);
  if (s.ok()) s = out.Commit();
  if (!s.ok()) return ExitCode(info.name, s);
  return out.check_failed() ? 1 : 0;
}

absl::Status RunParsed(const ToolInfo& info, const ToolContext& context, ToolOutput& out,
                       absl::FunctionRef<absl::Status(const ToolContext&, ToolOutput&)> run) {
  if (context.positional.size() > info.max_positional) {
    return absl::InvalidArgumentError(absl::StrCat("unexpected argument '",
                                                   context.positional[info.max_positional],
                                                   "'; flags are --name=value"));
  }
  return NameTheFlag(run(context, out), info.field_flags);
}

}  // namespace perfmodel
