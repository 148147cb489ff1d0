// File: base/status_macros.h
// -----------------------------------------------------------------------------
//
// Debian's Abseil 20220623 ships no status macros; this is the one local
// stand-in. PM_RETURN_IF_ERROR(expr) returns the absl::Status of `expr` from
// the enclosing function when it is not OK.
//
//   absl::Status Run() {
//     PM_RETURN_IF_ERROR(Validate(x));
//     return absl::OkStatus();
//   }

#ifndef BASE_STATUS_MACROS_H_
#define BASE_STATUS_MACROS_H_

#include "absl/status/status.h"

#define PM_RETURN_IF_ERROR(expr)                       \
  do {                                                 \
    if (::absl::Status pm_status_ = (expr); !pm_status_.ok()) { \
      return pm_status_;                               \
    }                                                  \
  } while (false)

#endif  // BASE_STATUS_MACROS_H_
