// An example scheduler's admission policy on perfmodel's embedding API: take
// requests from a queue onto a decode rank while the predicted TPOT stays
// within the SLA and the KV cache fits.

#ifndef EXAMPLE_SCHEDULER_ADMISSION_H_
#define EXAMPLE_SCHEDULER_ADMISSION_H_

#include <cstdint>
#include <span>

#include "perfmodel/perfmodel.h"

namespace example {

// Admit() is how many of `waiting` (each request's context in tokens, in
// queue order) the rank at `load` can take, first come first served, with
// every step after it within `tpot`. `load` is updated to include them.
inline int64_t Admit(perfmodel::StepPredictor& predictor, perfmodel::RankLoad& load,
                     std::span<const int64_t> waiting, perfmodel::Duration tpot) {
  int64_t admitted = 0;
  for (const int64_t context : waiting) {
    const perfmodel::Tokens c = perfmodel::TokenCount(static_cast<double>(context));
    if (!predictor.CanAdmit(load, c, tpot)) break;
    load.requests += 1;
    load.mean_sum_context += c;
    load.slowest_sum_context += c;
    ++admitted;
  }
  return admitted;
}

}  // namespace example

#endif  // EXAMPLE_SCHEDULER_ADMISSION_H_
