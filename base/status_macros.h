// File: base/status_macros.h
// -----------------------------------------------------------------------------
//
// Debian's Abseil 20220623 ships no status macros; these are the one local
// stand-in.
//
// PM_RETURN_IF_ERROR(expr) returns the absl::Status of `expr` from the
// enclosing function when it is not OK.
//
// PM_ASSIGN_OR_RETURN(lhs, expr) evaluates `expr` (an absl::StatusOr<T>) once;
// when it is not OK it returns its status from the enclosing function (which
// returns absl::Status or any absl::StatusOr<U>), otherwise it moves the value
// into `lhs`: a declaration (`const std::string name`, `auto rows`) or an
// existing variable. `lhs` must not contain an unparenthesised comma (write
// `auto p`, not `std::pair<int, int> p`). It expands to several statements, so
// it cannot be the body of an unbraced `if`.
//
//   absl::StatusOr<int> Sum(absl::string_view a, absl::string_view b) {
//     PM_ASSIGN_OR_RETURN(const int x, ParseInt(a));  // ParseInt("7") == 7
//     PM_ASSIGN_OR_RETURN(const int y, ParseInt(b));
//     PM_RETURN_IF_ERROR(CheckRange(x + y));
//     return x + y;  // Sum("7", "x") is ParseInt("x")'s error
//   }

#ifndef BASE_STATUS_MACROS_H_
#define BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PM_RETURN_IF_ERROR(expr)                                \
  do {                                                          \
    if (::absl::Status pm_status_ = (expr); !pm_status_.ok()) { \
      return pm_status_;                                        \
    }                                                           \
  } while (false)

#define PM_ASSIGN_OR_RETURN(lhs, expr) \
  PM_ASSIGN_OR_RETURN_IMPL_(PM_STATUS_MACROS_CONCAT_(pm_statusor_, __COUNTER__), lhs, expr)

// Implementation details of PM_ASSIGN_OR_RETURN.
#define PM_STATUS_MACROS_CONCAT_INNER_(a, b) a##b
#define PM_STATUS_MACROS_CONCAT_(a, b) PM_STATUS_MACROS_CONCAT_INNER_(a, b)
#define PM_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                              \
  if (!statusor.ok()) {                                \
    return std::move(statusor).status();               \
  }                                                    \
  lhs = *std::move(statusor)

#endif  // BASE_STATUS_MACROS_H_
