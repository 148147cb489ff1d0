#include "tools/paths.h"

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace perfmodel {
namespace {

const char* WorkingDirectory() {
  const char* dir = std::getenv("BUILD_WORKING_DIRECTORY");
  return (dir != nullptr && dir[0] != '\0') ? dir : nullptr;
}

}  // namespace

std::string ResolveInput(absl::string_view path) {
  if (path.empty() || path[0] == '/') return std::string(path);
  if (const char* dir = WorkingDirectory()) {
    const std::string candidate = absl::StrCat(dir, "/", path);
    if (std::ifstream(candidate).good()) return candidate;
  }
  return std::string(path);
}

std::string ResolveOutput(absl::string_view path) {
  if (path.empty() || path[0] == '/') return std::string(path);
  if (const char* dir = WorkingDirectory()) return absl::StrCat(dir, "/", path);
  return std::string(path);
}

}  // namespace perfmodel
