// File: base/paths.h
// -----------------------------------------------------------------------------
//
// Where a tool finds its files. `bazel run` starts a tool in its runfiles
// folder, where the repo's data files sit at their repo paths, and says where
// the user was in BUILD_WORKING_DIRECTORY. A path the user types is relative
// to where they were; a default data file is relative to the repo.
//
//   ResolveInput("my.textproto")                // "$BUILD_WORKING_DIRECTORY/my.textproto"
//   ResolveInput("models/deepseek_v3.textproto") // found in runfiles when the user's
//                                                // folder has no such file
//   ResolveOutput("out.textproto")              // "$BUILD_WORKING_DIRECTORY/out.textproto"
//   WriteFileAtomically(path, text)              // all of it, or nothing

#ifndef BASE_PATHS_H_
#define BASE_PATHS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace perfmodel {

// ResolveInput() returns `path` if absolute; else the path under
// BUILD_WORKING_DIRECTORY when that file exists; else `path` as given
// (relative to the current folder: the runfiles under `bazel run`, the repo
// root under `bazel test`).
std::string ResolveInput(absl::string_view path);

// ResolveOutput() returns `path` if absolute, else under
// BUILD_WORKING_DIRECTORY when set, else `path`.
std::string ResolveOutput(absl::string_view path);

// WriteFileAtomically() writes `contents` to a temporary file beside `path`
// and renames it over `path`, so `path` is never left half-written. Errors
// name the path (NotFound: no such directory; PermissionDenied; otherwise
// Unavailable) and leave no temporary file behind.
[[nodiscard]] absl::Status WriteFileAtomically(absl::string_view path,
                                               absl::string_view contents);

}  // namespace perfmodel

#endif  // BASE_PATHS_H_
