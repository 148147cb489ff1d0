// File: fuzz/kern_sum_fuzzer.cc
// -----------------------------------------------------------------------------
//
// An nsys kernel summary (`nsys stats --report cuda_gpu_kern_sum --format
// csv`, and the older gpukernsum) through ParseKernSum(), then Import() with
// the toy rules (fuzz/toy_rules.h): any bytes give a kernel table or an error
// naming the input; a parsed table has named kernels with positive launch
// counts and finite, non-negative times, and an import's per-step times are
// finite and non-negative.
//
// Seeds: fuzz/corpus/kern_sum_fuzzer/ (tests/testdata/nsys summaries, cut
// and malformed ones).

#include <cstddef>
#include <cstdint>

#include "fuzz/check.h"
#include "fuzz/toy_rules.h"
#include "profile/nsys_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace perfmodel;
  using namespace perfmodel::fuzz;
  constexpr char kOrigin[] = "fuzz/kern_sum.csv";
  const absl::StatusOr<nsys::KernelTable> t = nsys::ParseKernSum(AsText(data, size), kOrigin);
  CheckErrorNames(t.status(), kOrigin);
  if (!t.ok()) return 0;
  CheckKernelTable(*t);
  CheckImport(*t);
  return 0;
}
