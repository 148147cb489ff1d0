#include "base/paths.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

absl::Status WriteFileAtomically(absl::string_view path, absl::string_view contents) {
  const std::string target(path);
  const std::string tmp = absl::StrCat(target, ".tmp.", ::getpid());
  auto fail = [&](absl::string_view what, int e) {
    std::remove(tmp.c_str());
    const std::string msg = absl::StrCat(target, ": cannot ", what, ": ", std::strerror(e));
    if (e == EACCES || e == EPERM || e == EROFS) return absl::PermissionDeniedError(msg);
    if (e == ENOENT || e == ENOTDIR) return absl::NotFoundError(msg);
    return absl::UnavailableError(msg);
  };
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return fail("create a temporary file beside it", errno);
    f.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    f.flush();
    if (!f) return fail("write", errno);
  }
  if (std::rename(tmp.c_str(), target.c_str()) != 0) return fail("rename the temporary file", errno);
  return absl::OkStatus();
}

}  // namespace perfmodel
