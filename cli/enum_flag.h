// File: cli/enum_flag.h
// -----------------------------------------------------------------------------
//
// One way to read an enum flag from the enum's own name table, so a name is
// written once (beside the enum, e.g. DTypeName() in perfmodel/spec.h) and
// both printed and parsed from there. A type's AbslParseFlag() overload (in
// the type's namespace, where Abseil's argument-dependent lookup finds it)
// forwards here:
//
//   bool AbslParseFlag(absl::string_view text, DType* d, std::string* error) {
//     return ParseEnumFlag(text, kDTypes, DTypeName, "dtype", d, error);
//   }
//   // "fp8" -> DType::kFp8
//   // "fp9" -> false, *error == "unknown dtype 'fp9'; expected one of fp32, bf16, fp16,
//   //          fp8, fp4"
//
// The error names the value and the accepted names but not the flag: the
// command-line check (cli/cli.h) puts "--<flag>: " in front.

#ifndef CLI_ENUM_FLAG_H_
#define CLI_ENUM_FLAG_H_

#include <cstddef>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace perfmodel {

// EnumNameList() is the names of `all` in order, comma-separated: "fp32, bf16, fp16".
template <typename Range, typename NameOf>
std::string EnumNameList(const Range& all, NameOf name_of) {
  std::string out;
  for (const auto& e : all) {
    const auto name = name_of(e);
    absl::StrAppend(&out, out.empty() ? "" : ", ", absl::string_view(name.data(), name.size()));
  }
  return out;
}

// ParseEnumFlag() sets `*out` to the element of `all` whose `name_of()` is
// `text` (exact, case-sensitive) and returns true; otherwise it sets `*error`
// to "unknown <what> '<text>'; expected one of <names>" and returns false.
template <typename Range, typename NameOf, typename E>
bool ParseEnumFlag(absl::string_view text, const Range& all, NameOf name_of, absl::string_view what,
                   E* out, std::string* error) {
  for (const auto& e : all) {
    const auto name = name_of(e);
    if (text == absl::string_view(name.data(), name.size())) {
      *out = e;
      return true;
    }
  }
  *error =
      absl::StrCat("unknown ", what, " '", text, "'; expected one of ", EnumNameList(all, name_of));
  return false;
}

// UnparseEnumFlag() is `name_of(e)` as a string.
template <typename NameOf, typename E>
std::string UnparseEnumFlag(E e, NameOf name_of) {
  const auto name = name_of(e);
  return std::string(name.data(), name.size());
}

}  // namespace perfmodel

#endif  // CLI_ENUM_FLAG_H_
