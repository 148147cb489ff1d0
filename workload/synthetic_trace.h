// File: workload/synthetic_trace.h
// -----------------------------------------------------------------------------
//
// A dataset-like trace of request lengths for the benchmarks: 10,000 lengths
// drawn once (seed 2024) from a long-tailed law (LogNormal mean 4096, sigma 1,
// capped at 128K). Synthetic: it stands in for a real dataset's trace.
//
//   const std::vector<int64_t> lengths = SyntheticTraceLengths();  // 10,000 values

#ifndef WORKLOAD_SYNTHETIC_TRACE_H_
#define WORKLOAD_SYNTHETIC_TRACE_H_

#include <cstdint>
#include <random>
#include <vector>

#include "perfmodel/context.h"

namespace perfmodel {

inline std::vector<int64_t> SyntheticTraceLengths() {
  const ContextDistribution law =
      ContextDistribution::LogNormal(TokenCount(4096), 1.0).value().WithCap(131072).value();
  std::mt19937_64 rng(2024);
  std::vector<int64_t> v(10000);
  for (int64_t& x : v) x = law.Sample(rng);
  return v;
}

}  // namespace perfmodel

#endif  // WORKLOAD_SYNTHETIC_TRACE_H_
