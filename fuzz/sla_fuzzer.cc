// File: fuzz/sla_fuzzer.cc
// -----------------------------------------------------------------------------
//
// An SLA textproto (deployments/seed_sla.textproto) through
// ParseSlaTargets(): any bytes give the targets or an error naming the input.
//
// Seeds: fuzz/corpus/sla_fuzzer/ (the seed's SLA file and hand-written malformed ones).

#include <cstddef>
#include <cstdint>

#include "fuzz/check.h"
#include "loader/load.h"

namespace perfmodel::fuzz {
namespace {

constexpr char kOrigin[] = "fuzz/sla_fuzzer.input";

}  // namespace
}  // namespace perfmodel::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace perfmodel;
  using namespace perfmodel::fuzz;
  const absl::StatusOr<pb::SlaTargets> s = ParseSlaTargets(AsText(data, size), kOrigin);
  CheckErrorNames(s.status(), kOrigin);
  return 0;
}
