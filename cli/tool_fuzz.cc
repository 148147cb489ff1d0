// A tool's command line under libFuzzer; see cli/tool_fuzz.h.

#include "cli/tool_fuzz.h"

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "rapidjson/document.h"

namespace perfmodel {
namespace {

void Check(bool ok, absl::string_view tool, absl::string_view what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz finding: %.*s: %.*s\n", static_cast<int>(tool.size()), tool.data(),
               static_cast<int>(what.size()), what.data());
  std::abort();
}

// LeavesTheRepo() is true for a path, or a flag's value, that is absolute,
// under the home folder or climbs out with "..".
bool LeavesTheRepo(absl::string_view arg) {
  if (absl::StrContains(arg, "..")) return true;
  if (const std::optional<FlagArg> f = SplitFlag(arg); f.has_value()) {
    if (!f->value.has_value()) return false;
    arg = *f->value;
  }
  return absl::StartsWith(arg, "/") || absl::StartsWith(arg, "~");
}

// FlagName() is the name of a flag argument (SplitFlag()), or empty for a
// positional one.
absl::string_view FlagName(absl::string_view arg) {
  const std::optional<FlagArg> f = SplitFlag(arg);
  return f.has_value() ? f->name : absl::string_view();
}

// PERFMODEL_FUZZ_VERBOSE=1 prints each input's outcome on stderr (to see
// what a seed reaches).
bool Verbose() {
  static const bool verbose = [] {
    const char* v = std::getenv("PERFMODEL_FUZZ_VERBOSE");
    return v != nullptr && std::string(v) == "1";
  }();
  return verbose;
}

// FlagRestorer puts every flag back to the value it had before the first
// input (absl::FlagSaver does too, but logs a line per flag it restores).
class FlagRestorer final {
 public:
  FlagRestorer() { (void)Initial(); }
  ~FlagRestorer() {
    for (const auto& [flag, value] : Initial()) {
      if (flag->CurrentValue() == value) continue;
      std::string error;
      Check(flag->ParseFrom(value, &error), flag->Name(),
            absl::StrCat("cannot restore its value '", value, "': ", error));
    }
  }
  FlagRestorer(const FlagRestorer&) = delete;
  FlagRestorer& operator=(const FlagRestorer&) = delete;

 private:
  static const std::vector<std::pair<absl::CommandLineFlag*, std::string>>& Initial() {
    static const auto* initial = [] {
      auto* v = new std::vector<std::pair<absl::CommandLineFlag*, std::string>>;
      for (const auto& [name, flag] : absl::GetAllFlags()) v->emplace_back(flag, flag->CurrentValue());
      return v;
    }();
    return *initial;
  }
};

}  // namespace

int FuzzTool(const uint8_t* data, size_t size, const ToolInfo& info,
             absl::FunctionRef<absl::Status(const ToolContext&, ToolOutput&)> run) {
  constexpr size_t kMaxBytes = 4096, kMaxArgs = 32;
  if (size > kMaxBytes) return 0;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  if (absl::StrContains(text, absl::string_view("\0", 1))) return 0;
  std::vector<std::string> args = absl::StrSplit(text, '\n', absl::SkipEmpty());
  if (args.size() > kMaxArgs) return 0;
  for (std::string& a : args) {
    if (absl::EndsWith(a, "\r")) a.pop_back();
    if (LeavesTheRepo(a) || LeftToAbseil(FlagName(a))) return 0;
  }

  const FlagRestorer restore;
  for (const auto& [name, value] : info.fuzz_flags) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    std::string error;
    Check(flag != nullptr && flag->ParseFrom(value, &error), info.name,
          absl::StrCat("fuzz_flags: cannot set --", name, "=", value, ": ", error));
  }
  std::string program(info.name);
  std::vector<char*> argv{program.data()};
  for (std::string& a : args) argv.push_back(a.data());
  ToolContext context;
  context.program = program;
  context.args = args;
  const absl::Status parsed = CheckCommandLine(argv, &context.positional);
  if (!parsed.ok()) {
    if (Verbose()) {
      std::fprintf(stderr, "%s: %s\n", std::string(info.name).c_str(),
                   std::string(parsed.message()).c_str());
    }
    Check(parsed.code() == absl::StatusCode::kInvalidArgument &&
              absl::StartsWith(parsed.message(), "--"),
          info.name, absl::StrCat("a rejected command line does not name a flag: ", parsed.ToString()));
    return 0;
  }
  ToolOutput out;
  const absl::Status s = RunParsed(info, context, out, run);
  if (Verbose()) {
    std::fprintf(stderr, "%s: %s\n", std::string(info.name).c_str(),
                 s.ok() ? absl::StrCat("ok, ", out.text().size(), " bytes").c_str()
                        : OneLine(s.message()).c_str());
  }
  if (!s.ok()) {
    Check(!s.message().empty(), info.name, absl::StrCat("an error without a message: ", s.ToString()));
    Check(s.code() != absl::StatusCode::kInternal, info.name,
          absl::StrCat("an internal error: ", s.ToString()));
    return 0;
  }
  const absl::CommandLineFlag* format = absl::FindCommandLineFlag("format");
  if (format != nullptr && format->CurrentValue() == "json" && !out.text().empty()) {
    rapidjson::Document doc;
    doc.Parse(out.text().data(), out.text().size());
    Check(!doc.HasParseError(), info.name,
          absl::StrCat("--format=json printed what does not parse as JSON (offset ",
                       doc.GetErrorOffset(), "): ", out.text().substr(0, 200)));
  }
  return 0;
}

}  // namespace perfmodel
