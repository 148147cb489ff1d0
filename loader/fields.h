// File: loader/fields.h
// -----------------------------------------------------------------------------
//
// The field checks of every validating loader (loader/load.cc, the search
// space in search/search.cc): each returns OK or InvalidArgument
// "origin: field: reason", the form every loader error has (load.h), or
// "field: reason" when `origin` is empty (values that came from flags, whose
// tool names the flag: cli/cli.h NameTheFlag()).
//
//   const Fields f("models/x.textproto");
//   f.Error("mla.heads", "must divide ...")   // "models/x.textproto: mla.heads: must divide ..."
//   f.Missing("vocab_size")                   // "...: vocab_size: required field is missing"
//   f.PositiveAtMost("hidden_size", p.has_hidden_size(), p.hidden_size(), limits::kMaxWidth,
//                    "no model is that wide")
//   Fields("").Error("batch_max", "must be in [1, 4096], got 0")   // "batch_max: must be ..."

#ifndef LOADER_FIELDS_H_
#define LOADER_FIELDS_H_

#include <cmath>
#include <string>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "base/status_macros.h"

namespace perfmodel {

class Fields final {
 public:
  explicit Fields(absl::string_view origin) : origin_(origin) {}

  absl::Status Error(absl::string_view field, absl::string_view reason) const {
    if (origin_.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": ", reason));
    return absl::InvalidArgumentError(absl::StrCat(origin_, ": ", field, ": ", reason));
  }
  absl::Status Missing(absl::string_view field) const {
    return Error(field, "required field is missing");
  }
  // Positive() and NonNegative() also reject an infinite double.
  template <typename T>
  absl::Status Positive(absl::string_view field, bool has, T value) const {
    if (!has) return Missing(field);
    if (!(value > 0)) return Error(field, absl::StrCat("must be > 0, got ", value));
    return Finite(field, value);
  }
  template <typename T>
  absl::Status NonNegative(absl::string_view field, bool has, T value) const {
    if (!has) return Missing(field);
    if (!(value >= 0)) return Error(field, absl::StrCat("must be >= 0, got ", value));
    return Finite(field, value);
  }
  template <typename T>
  absl::Status Finite(absl::string_view field, T value) const {
    if constexpr (std::is_floating_point_v<T>) {
      if (!std::isfinite(value)) return Error(field, absl::StrCat("must be finite, got ", value));
    }
    return absl::OkStatus();
  }
  // AtMost() rejects a value above a physical limit (load.h's limits::);
  // `what` says why nothing real is above it ("no model is that wide").
  template <typename T>
  absl::Status AtMost(absl::string_view field, T value, T most, absl::string_view what) const {
    if (!(value <= most)) {
      return Error(field, absl::StrCat("must be <= ", most, " (", what, "), got ", value));
    }
    return absl::OkStatus();
  }
  // PositiveAtMost() is Positive() and AtMost().
  template <typename T>
  absl::Status PositiveAtMost(absl::string_view field, bool has, T value, T most,
                              absl::string_view what) const {
    PM_RETURN_IF_ERROR(Positive(field, has, value));
    return AtMost(field, value, most, what);
  }
  template <typename T>
  absl::Status NonNegativeAtMost(absl::string_view field, bool has, T value, T most,
                                 absl::string_view what) const {
    PM_RETURN_IF_ERROR(NonNegative(field, has, value));
    return AtMost(field, value, most, what);
  }
  absl::Status Fraction(absl::string_view field, bool has, double value) const {
    if (!has) return Missing(field);
    if (!(value > 0.0 && value <= 1.0)) {
      return Error(field, absl::StrCat("must be in (0, 1], got ", value));
    }
    return absl::OkStatus();
  }
  absl::Status Text(absl::string_view field, bool has, const std::string& value) const {
    if (!has || value.empty()) return Missing(field);
    return absl::OkStatus();
  }

 private:
  std::string origin_;
};

}  // namespace perfmodel

#endif  // LOADER_FIELDS_H_
