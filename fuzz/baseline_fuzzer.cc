// File: fuzz/baseline_fuzzer.cc
// -----------------------------------------------------------------------------
//
// A baseline textproto (baselines/*.textproto, what //tools:nsys_import
// writes) through ParseBaseline(): any bytes give a baseline or an error
// naming the input.
//
// Seeds: fuzz/corpus/baseline_fuzzer/ (the repo's baselines and
// tests/testdata/*baseline*.textproto).

#include <cstddef>
#include <cstdint>

#include "fuzz/check.h"
#include "loader/load.h"

namespace perfmodel::fuzz {
namespace {

constexpr char kOrigin[] = "fuzz/baseline_fuzzer.input";

}  // namespace
}  // namespace perfmodel::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace perfmodel;
  using namespace perfmodel::fuzz;
  const absl::StatusOr<pb::Baseline> b = ParseBaseline(AsText(data, size), kOrigin);
  CheckErrorNames(b.status(), kOrigin);
  return 0;
}
