// File: profile/diff.h
// -----------------------------------------------------------------------------
//
// The seed analysis's section 4.3 table for any baseline: per op, simulated
// beside the baseline's time, simulated - baseline, that difference x the
// op's count per step, sorted by |total difference|, with ops beyond a
// tolerance flagged; then both forward times. The sign is simulated minus
// baseline throughout (negative: perfmodel is faster than the baseline).
//
//   absl::StatusOr<DiffInputs> in = LoadDiffInputs({.baseline = "baselines/seed_measured.textproto"});
//   StepResult r = EstimateDecode(in->setup.model, in->setup.hardware.spec, in->setup.deployment, in->setup.workload);
//   render::Render(DiffDocument(*in, r, 0.10), render::Format::kMarkdown);

#ifndef PROFILE_DIFF_H_
#define PROFILE_DIFF_H_

#include <string>

#include "absl/status/statusor.h"
#include "perfmodel/step.h"
#include "proto/baseline.pb.h"
#include "report/render.h"
#include "report/step_report.h"

namespace perfmodel {

// Where to read from; an empty model/hardware/deployment takes the path the
// baseline names, an empty workload the deployment's default_workload.
struct DiffPaths final {
  std::string baseline = {};
  std::string model = {};
  std::string hardware = {};
  std::string deployment = {};
  std::string workload = {};
};

struct DiffInputs final {
  std::string baseline_path;
  pb::Baseline baseline;
  Setup setup;
};

// LoadDiffInputs() loads the baseline and the setup it (or the overrides)
// names; the workload's batch per rank and context come from the baseline
// when it records them. Errors name the file and field, or the DiffPaths
// field (a baseline that names no model and none is given: "model: required,
// b.textproto names none").
[[nodiscard]] absl::StatusOr<DiffInputs> LoadDiffInputs(const DiffPaths& paths);

// DiffDocument() renders sections "summary" and "diff"; `tolerance` is the
// relative error beyond which an op is flagged.
render::Document DiffDocument(const DiffInputs& in, const StepResult& step, double tolerance);

}  // namespace perfmodel

#endif  // PROFILE_DIFF_H_
