// File: fuzz/check.h
// -----------------------------------------------------------------------------
//
// What a fuzz target asserts. A violated property is a finding: Check()
// prints what was wrong and aborts, which libFuzzer reports as a crash (and
// saves the input) and the replay test (fuzz/replay_main.cc) fails on.
//
//   Check(t.kernels.size() > 0, "ParseKernSum: OK with no kernels");
//   CheckErrorNames(status, "in.csv");   // the message names the file
//   CheckRejected(status, "in.json");    // InvalidArgument, "in.json: ..." or "in.json:3:7: ..."
//   CheckQuantity(step.forward, "forward");  // finite and >= 0
//
// FuzzInput is a tiny byte reader (the subset of clang's FuzzedDataProvider
// the structured target needs), so the targets also build with GCC.

#ifndef FUZZ_CHECK_H_
#define FUZZ_CHECK_H_

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "perfmodel/units.h"

namespace perfmodel::fuzz {

// Check() aborts with "fuzz finding: <what>" when `ok` is false.
inline void Check(bool ok, absl::string_view what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz finding: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

// CheckErrorNames() holds the loaders' contract for a failed parse: the
// status is an error (not OK, not a crash) whose message names `origin`.
inline void CheckErrorNames(const absl::Status& status, absl::string_view origin) {
  if (status.ok()) return;
  Check(status.message().find(origin) != absl::string_view::npos,
        std::string("error does not name the input '") + std::string(origin) +
            "': " + std::string(status.message()));
}

// CheckRejected() holds a stricter contract, for a loader whose every error
// is about its input: a failed `status` is InvalidArgument and its message
// starts with `origin` ("origin: field: ..." or "origin:line:col: ...").
inline void CheckRejected(const absl::Status& status, absl::string_view origin) {
  if (status.ok()) return;
  Check(status.code() == absl::StatusCode::kInvalidArgument &&
            status.message().substr(0, origin.size()) == origin,
        std::string("error is not InvalidArgument starting with '") + std::string(origin) +
            "': " + status.ToString());
}

// CheckQuantity() holds that a cost is a number: finite and not negative.
template <int T, int B, int F, int K>
void CheckQuantity(Quantity<T, B, F, K> q, absl::string_view what) {
  Check(std::isfinite(q.base()) && q.base() >= 0.0,
        std::string(what) + " is not finite and >= 0: " + std::to_string(q.base()));
}

// The input as text (libFuzzer's bytes are not NUL-terminated).
inline absl::string_view AsText(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

// FuzzInput reads integers from the front of the input; once it is used up,
// every read returns the range's lowest value, so any prefix of the bytes
// still decodes to something valid.
class FuzzInput final {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  // Int() is a value in [lo, hi] (lo <= hi) from up to 8 bytes.
  int64_t Int(int64_t lo, int64_t hi) {
    const uint64_t range = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
    uint64_t v = 0;
    for (uint64_t covered = 0; covered < range && pos_ < size_; covered = (covered << 8) | 0xff) {
      v = (v << 8) | data_[pos_++];
    }
    if (range != UINT64_MAX) v %= range + 1;
    return static_cast<int64_t>(static_cast<uint64_t>(lo) + v);
  }
  // Pick() is an element of a non-empty array.
  template <typename T, size_t N>
  const T& Pick(const T (&options)[N]) {
    return options[Int(0, static_cast<int64_t>(N) - 1)];
  }
  bool Bool() { return Int(0, 1) == 1; }
  // Fraction() is one of 256 evenly spaced values in [lo, hi].
  double Fraction(double lo, double hi) {
    return lo + (hi - lo) * static_cast<double>(Int(0, 255)) / 255.0;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace perfmodel::fuzz

#endif  // FUZZ_CHECK_H_
