// File: profile/baseline_match.h
// -----------------------------------------------------------------------------
//
// Lays a baseline (measured, or a reference simulator's column) beside a
// simulated step, op by op: the common ground of //tools:diff and
// //tools:calibrate.
//
//   std::vector<OpMatch> m = MatchBaseline(baseline, step);
//   m[0].op, m[0].part          // "attention", "moe"
//   m[0].simulated, m[0].baseline   // per occurrence (one layer)
//   m[0].TotalDifference()      // (simulated - baseline) x count
//
// A baseline op with layer kind "mtp" and op "mtp" is the whole MTP module
// per step: it matches the Σ of the simulated MTP rows, and of the head rows
// too when the baseline lists no head ops (the seed's forward is its layers
// plus "MTP 2 ms", so its LM head can only sit inside that figure). A simulated op the
// baseline lacks is kept with `has_baseline` false ("not measured"); a
// baseline op the step lacks with `has_simulated` false.

#ifndef PROFILE_BASELINE_MATCH_H_
#define PROFILE_BASELINE_MATCH_H_

#include <string>
#include <vector>

#include "perfmodel/step.h"
#include "proto/baseline.pb.h"

namespace perfmodel {

struct OpMatch final {
  std::string op;
  std::string part;
  int64_t count = 0;
  bool has_simulated = false;
  bool has_baseline = false;
  Duration simulated;  // visible time per occurrence
  Duration baseline;   // per occurrence
  std::string kernels;  // the baseline's kernel note

  // Difference() is simulated - baseline per occurrence.
  Duration Difference() const { return simulated - baseline; }
  Duration TotalDifference() const { return Difference() * static_cast<double>(count); }
};

// MatchBaseline() pairs every baseline op with the step's rows.
std::vector<OpMatch> MatchBaseline(const pb::Baseline& baseline, const StepResult& step);

}  // namespace perfmodel

#endif  // PROFILE_BASELINE_MATCH_H_
