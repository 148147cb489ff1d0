// File: fuzz/trace_fuzzer.cc
// -----------------------------------------------------------------------------
//
// An nsys GPU trace (`nsys stats --report cuda_gpu_trace --format csv`, and
// the older gputrace) through ParseTrace(), with no device and with one of
// the toy trace's devices, then Import() with the toy rules
// (fuzz/toy_rules.h): any bytes give a kernel table or an error naming the
// input; a parsed table holds each launch in start order, its count the
// number of launches, every time finite and non-negative.
//
// Seeds: fuzz/corpus/trace_fuzzer/ (tests/testdata/nsys traces, cut and
// malformed ones).

#include <cstddef>
#include <cstdint>

#include "fuzz/check.h"
#include "fuzz/toy_rules.h"
#include "profile/nsys_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace perfmodel;
  using namespace perfmodel::fuzz;
  constexpr char kOrigin[] = "fuzz/trace.csv";
  for (const char* device : {"", "NVIDIA H800 (0)"}) {
    const absl::StatusOr<nsys::KernelTable> t =
        nsys::ParseTrace(AsText(data, size), kOrigin, device);
    CheckErrorNames(t.status(), kOrigin);
    if (!t.ok()) continue;
    CheckKernelTable(*t);
    for (const nsys::KernelStats& k : t->kernels) {
      Check(k.each.size() == static_cast<size_t>(k.launches), "trace: launches != each.size()");
      for (size_t i = 1; i < k.each.size(); ++i) {
        Check(k.each[i - 1].start <= k.each[i].start, "trace: launches not in start order");
      }
    }
    CheckImport(*t);
  }
  return 0;
}
