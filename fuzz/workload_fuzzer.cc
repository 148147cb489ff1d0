// File: fuzz/workload_fuzzer.cc
// -----------------------------------------------------------------------------
//
// A workload textproto (workloads/*.textproto) through ParseWorkload(): any
// bytes give a WorkloadSpec or an error naming the input; a parsed one has
// a batch, an acceptance within its drafts and the phase's length.
//
// Seeds: fuzz/corpus/workload_fuzzer/ (the repo's workloads and hand-written malformed ones).

#include <cstddef>
#include <cstdint>

#include "fuzz/check.h"
#include "loader/load.h"

namespace perfmodel::fuzz {
namespace {

constexpr char kOrigin[] = "fuzz/workload_fuzzer.input";

}  // namespace
}  // namespace perfmodel::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace perfmodel;
  using namespace perfmodel::fuzz;
  const absl::StatusOr<LoadedWorkload> w = ParseWorkload(AsText(data, size), kOrigin);
  CheckErrorNames(w.status(), kOrigin);
  if (!w.ok()) return 0;
  const WorkloadSpec& s = w->spec;
  Check(s.batch_per_dp >= 1, "workload: batch_per_dp < 1");
  Check(s.accepted_tokens_per_step >= 1.0 &&
            s.accepted_tokens_per_step <= static_cast<double>(s.mtp_draft_tokens) + 1.0,
        "workload: accepted_tokens_per_step outside [1, drafts + 1]");
  Check(s.phase == Phase::kPrefill ? s.prompt_tokens >= 1 : s.context_tokens >= 1,
        "workload: no tokens for its phase");
  CheckQuantity(s.host_gap, "workload: host_gap");
  return 0;
}
