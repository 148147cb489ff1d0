// File: fuzz/hardware_fuzzer.cc
// -----------------------------------------------------------------------------
//
// A hardware textproto (hw/*.textproto) through ParseHardware(): any bytes
// give a HardwareSpec or an error naming the input; a parsed one has a
// positive peak and bandwidths and every op class's efficiency in (0, 1].
//
// Seeds: fuzz/corpus/hardware_fuzzer/ (the repo's hw/ files and hand-written malformed ones).

#include <cstddef>
#include <cstdint>

#include "fuzz/check.h"
#include "loader/load.h"

namespace perfmodel::fuzz {
namespace {

constexpr char kOrigin[] = "fuzz/hardware_fuzzer.input";

}  // namespace
}  // namespace perfmodel::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace perfmodel;
  using namespace perfmodel::fuzz;
  const absl::StatusOr<LoadedHardware> h = ParseHardware(AsText(data, size), kOrigin);
  CheckErrorNames(h.status(), kOrigin);
  if (!h.ok()) return 0;
  const HardwareSpec& s = h->spec;
  Check(s.bf16_dense.base() > 0 && s.hbm_bandwidth.base() > 0 && s.hbm_capacity.base() > 0,
        "hardware: a peak, bandwidth or capacity is not positive");
  Check(s.gpus_per_node > 0 && s.sm_count > 0, "hardware: gpus_per_node or sm_count not positive");
  Check(s.correction_count <= HardwareSpec::kMaxCorrections, "hardware: too many corrections");
  return 0;
}
